// SPDX-License-Identifier: GPL-2.0-or-later
/* netns.c - Network namespaces by name, path or PID, running a step inside one, naming one */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

/**
 * netns_open() - Open a network namespace as iproute2 names them
 * @spec:	"NAME" (/run/netns/NAME, as `ip netns add` makes), a path, or a PID
 * @path:	the path that was opened, for messages
 * @pathlen:	size of @path
 *
 * Return: an O_RDONLY file descriptor, or -1 with errno set
 */
int netns_open(const char *spec, char *path, size_t pathlen)
{
	size_t digits = strspn(spec, "0123456789");
	int fd;

	if (strchr(spec, '/'))
		snprintf(path, pathlen, "%s", spec);
	else if (digits && !spec[digits])
		snprintf(path, pathlen, "/proc/%s/ns/net", spec);
	else
		snprintf(path, pathlen, "/run/netns/%s", spec);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* Any file opens: say now if it is not a network namespace, not at setns() time */
	if (fd >= 0 && ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		errno = ENOTNAM;
		return -1;
	}
	return fd;
}

/**
 * netns_enter() - Switch this thread into a namespace, remembering the current one
 * @target_fd:	namespace to enter
 *
 * Return: a descriptor of the namespace we came from, for netns_leave(), or -1 with errno set
 */
int netns_enter(int target_fd)
{
	int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (saved < 0)
		return -1;
	if (setns(target_fd, CLONE_NEWNET)) {
		int e = errno;

		close(saved);
		errno = e;
		return -1;
	}
	return saved;
}

/* Return: 0, or -1 if we could not get back: the caller must not go on in the wrong namespace */
int netns_leave(int saved_fd)
{
	int ret = setns(saved_fd, CLONE_NEWNET);
	int e = errno;

	close(saved_fd);
	errno = e;
	return ret;
}

/**
 * netns_identify() - A name for a network namespace that outlives the processes in it
 * @fd:		the namespace, or -1 for this thread's
 * @name:	"" for the namespace of PID 1 (the host's, or a container's own), else its name
 *		under /run/netns (as `ip netns identify` finds it), else "inode N"
 * @len:	size of @name
 *
 * Return: 0, or -1 with errno set if the namespace itself cannot be looked at
 */
int netns_identify(int fd, char *name, size_t len)
{
	struct stat ns, other;
	struct dirent *d;
	DIR *dir;

	if (fd >= 0 ? fstat(fd, &ns) : stat("/proc/thread-self/ns/net", &ns))
		return -1;
	name[0] = '\0';
	if (!stat("/proc/1/ns/net", &other) && other.st_dev == ns.st_dev &&
	    other.st_ino == ns.st_ino)
		return 0;
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || fstatat(dirfd(dir), d->d_name, &other, 0))
			continue;
		if (other.st_dev == ns.st_dev && other.st_ino == ns.st_ino) {
			snprintf(name, len, "%s", d->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (!name[0])
		snprintf(name, len, "inode %llu", (unsigned long long)ns.st_ino);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* netns.c - Network namespaces by name, path or PID, and running a step inside one */

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

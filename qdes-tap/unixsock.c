// SPDX-License-Identifier: GPL-2.0-or-later
/* unixsock.c - Listening unix sockets in the file system: stale ones replaced, live ones kept */

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "unixsock.h"

/* A path that fits sun_path. Return: 0, or -1 with @err "WHAT 'PATH': expected ..." */
int unixsock_check_path(const char *path, const char *what, char *err, size_t errlen)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1, len = strlen(path);

	if (len && len <= max)
		return 0;
	snprintf(err, errlen, "%s '%.*s': expected a path of 1 to %zu bytes", what, 64, path, max);
	return -1;
}

/*
 * Whether a process may be using the socket at @path: only a stale socket file, one nothing
 * listens on, refuses a connection with ECONNREFUSED. Any other answer means it is somebody's:
 * a listener (EAGAIN: its backlog is full), a datagram socket (EPROTOTYPE), or one we may not
 * connect to (EACCES). *@pid is the listener's, when the kernel says (0: unknown).
 */
static bool in_use(const struct sockaddr_un *sa, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd, r;

	*pid = 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (!r && !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		*pid = cred.pid;
	r = !r || errno != ECONNREFUSED;
	close(fd);
	return r;
}

/**
 * unixsock_listen() - Listen on a unix stream socket at @path
 * @path:	socket path, checked by unixsock_check_path()
 * @what:	what it is, for messages ("control socket")
 * @mode:	permissions of the socket file (connecting needs write permission), or
 *		UNIXSOCK_UMASK: as the process's umask makes them
 * @backlog:	for listen()
 * @err:	one line on failure: "WHAT PATH: ..."
 * @errlen:	its size
 *
 * A socket file left behind by a run that did not stop cleanly is replaced; one that another
 * process listens on ("in use by pid N"), or a file that is not a socket, is an error. The file
 * is created with @mode from the start (no window with wider permissions).
 *
 * Return: the listening descriptor (non-blocking, close-on-exec), or -1 with @err set
 */
int unixsock_listen(const char *path, const char *what, mode_t mode, int backlog, char *err,
		    size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old = 0;
	pid_t pid;
	int fd, e;

	if (unixsock_check_path(path, what, err, errlen))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s %s: exists and is not a socket", what, path);
			return -1;
		}
		if (in_use(&sa, &pid)) {
			if (pid)
				snprintf(err, errlen, "%s %s: in use by pid %d", what, path,
					 (int)pid);
			else
				snprintf(err, errlen, "%s %s: in use by another process", what,
					 path);
			return -1;
		}
		if (unlink(path)) {
			snprintf(err, errlen, "%s %s: cannot remove the stale socket: %s", what,
				 path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	/* Start-up is single-threaded: nothing else creates files while the mask is changed */
	if (mode != UNIXSOCK_UMASK)
		old = umask(~mode & 0777);
	e = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	if (mode != UNIXSOCK_UMASK)
		umask(old);
	if (e || listen(fd, backlog)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(e ? e : errno));
		if (!e)
			unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Remove the socket file at exit: a failure is a warning (the next start replaces it) */
void unixsock_remove(const char *path, const char *what)
{
	if (unlink(path) && errno != ENOENT)
		warn("%s %s: cannot remove: %s", what, path, strerror(errno));
}

/* After a privilege drop, say at once if the socket file cannot be removed at exit */
void unixsock_warn_dir(const char *path, const char *what, const char *user)
{
	char dir[PATH_MAX];
	const char *d;

	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	if (access(d, W_OK | X_OK))
		warn("%s %s: directory %s is not writable by %s: the socket will stay behind at "
		     "exit (the next start replaces it)",
		     what, path, d, user);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unixsock.h - Listening unix sockets in the file system: stale ones replaced, live ones kept */
#ifndef QDES_UNIXSOCK_H
#define QDES_UNIXSOCK_H

#include <stddef.h>
#include <sys/types.h>

/* unixsock_listen(): leave the file's permissions to the umask */
#define UNIXSOCK_UMASK ((mode_t)-1)

int unixsock_check_path(const char *path, const char *what, char *err, size_t errlen);
int unixsock_listen(const char *path, const char *what, mode_t mode, int backlog, char *err,
		    size_t errlen);
void unixsock_remove(const char *path, const char *what);
void unixsock_warn_dir(const char *path, const char *what, const char *user);

#endif /* QDES_UNIXSOCK_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns.h - Network namespaces by name, path or PID, and running a step inside one */
#ifndef QDES_NETNS_H
#define QDES_NETNS_H

#include <stddef.h>

int netns_open(const char *spec, char *path, size_t pathlen);
int netns_enter(int target_fd);
int netns_leave(int saved_fd);
int netns_identify(int fd, char *name, size_t len);

#endif /* QDES_NETNS_H */

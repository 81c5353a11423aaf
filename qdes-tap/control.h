/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control.h - The control socket: a unix stream socket served from the main event loop */
#ifndef QDES_CONTROL_H
#define QDES_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "ctl_serve.h"

/* Where daemons put their sockets by default, /run/qdes-tap/IFNAME.ctl */
#define CONTROL_DIR "/run/qdes-tap"

/* Clients served at once; the next one gets an error line and is closed */
#define CONTROL_MAX_CLIENTS 16

/* A client that sends no request, or reads none of its reply, for this long is dropped */
#define CONTROL_TIMEOUT_MS 5000

struct control;
struct gateway;

int control_path(char *buf, size_t len, const char *ifname);
struct control *control_open(const char *path, bool has_group, gid_t group, char *err,
			     size_t errlen);
int control_give(struct control *c, uid_t uid, gid_t gid, char *err, size_t errlen);
void control_given(struct control *c, const char *user);
int control_start(struct control *c, uv_loop_t *uv, struct gateway *gw, const struct ctl_env *env);
void control_stop(struct control *c);
void control_close(struct control *c);

#endif /* QDES_CONTROL_H */

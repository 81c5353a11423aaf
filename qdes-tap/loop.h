/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop.h - libuv wiring: descriptor polls, the ageing timer, signals, clean shutdown */
#ifndef QDES_LOOP_H
#define QDES_LOOP_H

#include <signal.h>

#include "gateway.h"

void loop_signals(sigset_t *set);
struct control;
struct ctl_env;

int loop_run(struct gateway *gw, struct control *ctl, const struct ctl_env *env);

#endif /* QDES_LOOP_H */

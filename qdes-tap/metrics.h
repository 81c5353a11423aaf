/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.h - GET /metrics: the counters in Prometheus's text format, over HTTP (libmicrohttpd) */
#ifndef QDES_METRICS_H
#define QDES_METRICS_H

#include <stddef.h>

#include "addr.h"

struct gateway;
struct metrics;

struct metrics *metrics_open(const union qdes_sockaddr *addr, char *err, size_t errlen);
int metrics_start(struct metrics *m, struct gateway *gw, char *err, size_t errlen);
void metrics_close(struct metrics *m);

#endif /* QDES_METRICS_H */

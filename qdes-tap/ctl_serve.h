/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_serve.h - The control commands against a running gateway, as JSON reply lines */
#ifndef QDES_CTL_SERVE_H
#define QDES_CTL_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

struct gateway;
struct json_t;

/**
 * struct ctl_env - what the commands need beyond the gateway
 * @now:	monotonic ms (the loop's clock: FDB times compare with it)
 * @started:	when the daemon came up, ms on that clock
 * @socket:	the control socket's path, for show
 * @reload:	re-read the configuration and apply it, adding to @applied and @refused
 *		(arrays of objects); 0, or -1 with @err set when the file no longer parses (or
 *		there is none)
 * @ctx:	for @reload
 * @port_add:	port add: make the port the request describes and run it; 0, or -1 with @err
 *		set (nothing made)
 * @port_del:	port del: remove port @name; 0, or -1 with @err set
 * @ports:	for @port_add and @port_del (the event loop; NULL: no ports at run time)
 */
struct ctl_env {
	uint64_t now;
	uint64_t started;
	const char *socket;
	int (*reload)(void *ctx, struct json_t *applied, struct json_t *refused, char *err,
		      size_t errlen);
	void *ctx;
	int (*port_add)(void *ports, const struct ctl_req *req, char *err, size_t errlen);
	int (*port_del)(void *ports, const char *name, char *err, size_t errlen);
	void *ports;
};

/**
 * struct ctl_job - one request being answered, perhaps over several writes
 * @gw:		the gateway
 * @req:	the request
 * @cursor:	how far an FDB dump has gone
 * @done:	the last line (the status) is in the buffer
 */
struct ctl_job {
	struct gateway *gw;
	struct ctl_req req;
	uint32_t cursor;
	bool done;
};

/* Reply lines are written in parts of about this size: an FDB dump holds its lock per part */
#define CTL_CHUNK (64 * 1024)

void ctl_job_start(struct ctl_job *j, struct gateway *gw, const struct ctl_req *req,
		   const struct ctl_env *env, struct ctl_buf *out);
void ctl_job_more(struct ctl_job *j, const struct ctl_env *env, struct ctl_buf *out);
/* "code" of an error status line: a refused request, or one not served */
#define CTL_E_REQUEST "EINVAL"
#define CTL_E_ACCESS  "EACCES"
#define CTL_E_BUSY    "EBUSY"
#define CTL_E_NOMEM   "ENOMEM"

void ctl_reply_fail(struct ctl_buf *out, const char *code, const char *msg);
void ctl_reply_error(struct ctl_buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct json_t *ctl_stats_record(struct gateway *gw);

#endif /* QDES_CTL_SERVE_H */

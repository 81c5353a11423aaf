// SPDX-License-Identifier: GPL-2.0-or-later
/* metrics.c - GET /metrics: the counters in Prometheus's text format, over HTTP (libmicrohttpd) */

/*
 * libmicrohttpd is loaded (dlopen) only when metrics = is given: linked, it and the TLS stack it
 * brings (gnutls, p11-kit, nettle, gmp: nine libraries) cost every daemon 2.8 MiB of resident
 * memory, more than the daemon itself.
 *
 * The socket is bound at start, while the daemon may still bind any port; libmicrohttpd's
 * thread starts once privileges are dropped (capabilities are per thread: one made before the
 * drop would keep them). That thread reads what the control socket's stats reads: counters by
 * relaxed atomic loads, the FDB's size under its read lock, so it never stalls forwarding for
 * more than that. At most 8 connections, each closed after 5 s idle; anything but GET /metrics
 * is answered 404 or 405.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_print.h"
#include "ctl_serve.h"
#include "gateway.h"
#include "metrics.h"

#define METRICS_CONNECTIONS 8
#define METRICS_TIMEOUT_S   5

/* The library's soname (Debian's libmicrohttpd12), and what of it is used */
#define MHD_SONAME "libmicrohttpd.so.12"

static struct {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	struct MHD_Response *(*create_response)(size_t size, void *buffer,
						MHD_ContentReaderFreeCallback crfc);
	enum MHD_Result (*add_header)(struct MHD_Response *r, const char *header,
				      const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status_code,
					  struct MHD_Response *r);
	void (*destroy_response)(struct MHD_Response *r);
} mhd;

/* Load libmicrohttpd once. Return: 0, or -1 with @err set */
static int load_mhd(char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{"MHD_start_daemon", offsetof(__typeof__(mhd), start_daemon)},
		{"MHD_stop_daemon", offsetof(__typeof__(mhd), stop_daemon)},
		{"MHD_create_response_from_buffer_with_free_callback",
		 offsetof(__typeof__(mhd), create_response)},
		{"MHD_add_response_header", offsetof(__typeof__(mhd), add_header)},
		{"MHD_queue_response", offsetof(__typeof__(mhd), queue_response)},
		{"MHD_destroy_response", offsetof(__typeof__(mhd), destroy_response)},
	};
	void *lib, *f;
	size_t i;

	if (mhd.start_daemon)
		return 0;
	lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, errlen, "metrics: cannot load %s (libmicrohttpd12): %s", MHD_SONAME,
			 dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		f = dlsym(lib, syms[i].name);
		if (!f) {
			snprintf(err, errlen, "metrics: %s: no %s", MHD_SONAME, syms[i].name);
			memset(&mhd, 0, sizeof(mhd));
			dlclose(lib);
			return -1;
		}
		memcpy((char *)&mhd + syms[i].off, &f, sizeof(f));
	}
	return 0;
}

struct metrics {
	int fd;
	union qdes_sockaddr addr;
	struct gateway *gw;
	struct MHD_Daemon *mhd;
};

/**
 * metrics_open() - Bind and listen at @addr, before privileges are dropped
 * @addr:	address and port
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Return: the endpoint, not served until metrics_start(), or NULL with @err set
 */
struct metrics *metrics_open(const union qdes_sockaddr *addr, char *err, size_t errlen)
{
	struct metrics *m = calloc(1, sizeof(*m));
	char a[ADDR_STRLEN];
	int one = 1;

	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	if (load_mhd(err, errlen)) {
		free(m);
		return NULL;
	}
	m->addr = *addr;
	m->fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->fd, &addr->sa, addr_len(addr)) || listen(m->fd, METRICS_CONNECTIONS)) {
		snprintf(err, errlen, "metrics %s: %s", addr_str(addr, a, sizeof(a)),
			 strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL;
	}
	return m;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *type,
			     char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = mhd.create_response(len, body, free);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	if (type)
		mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = mhd.queue_response(c, code, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned int code, const char *msg)
{
	char *b = strdup(msg);

	return b ? reply(c, code, "text/plain; charset=utf-8", b, strlen(b)) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	json_t *stats;
	FILE *f;

	(void)version;
	(void)upload;
	(void)state;
	if (*upload_size)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics only\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics only\n");
	if (strcmp(url, "/metrics"))
		return text(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n");
	stats = ctl_stats_record(m->gw);
	f = stats ? open_memstream(&body, &len) : NULL;
	if (!f) {
		json_decref(stats);
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	ctl_print_prometheus(f, stats);
	json_decref(stats);
	if (fclose(f)) {
		free(body);
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

/**
 * metrics_start() - Serve GET /metrics from libmicrohttpd's own thread, after the privilege drop
 * @m:		endpoint from metrics_open()
 * @gw:		the gateway whose counters it serves
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int metrics_start(struct metrics *m, struct gateway *gw, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];

	m->gw = gw;
	m->mhd = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				  on_request, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!m->mhd) {
		snprintf(err, errlen, "metrics %s: cannot start the HTTP server",
			 addr_str(&m->addr, a, sizeof(a)));
		return -1;
	}
	m->fd = -1; /* libmicrohttpd's now */
	return 0;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->mhd)
		mhd.stop_daemon(m->mhd);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

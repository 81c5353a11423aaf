// SPDX-License-Identifier: GPL-2.0-or-later
/* client.c - qdes-tap COMMAND: ask a running daemon through its control socket, print the reply */

/*
 * Exit status: 0 done; 1 no daemon to ask (no socket, refused connection, a socket this user
 * may not open, a daemon that went away or answered nothing in time); 2 a bad command line, or
 * a request the daemon refused (a bad MAC, a local address, no such entry). The whole reply is
 * read before anything is printed, so a slow reader of our output (a pager) never holds the
 * daemon's client slot.
 */

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "control.h"
#include "ctl_print.h"
#include "ctl_serve.h"
#include "util.h"

/* How long the client waits for the whole reply; the daemon drops stuck clients sooner */
#define CLIENT_TIMEOUT_MS 30000

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line on stderr. Return: @code, the exit status */
static int fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("qdes-tap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* With no interface named: the one socket in CONTROL_DIR, if there is exactly one */
static int find_socket(char *path, size_t len)
{
	char names[256] = "", first[NAME_MAX + 1] = "";
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	dir = opendir(CONTROL_DIR);
	if (!dir)
		return fail(1, "no qdes-tap daemon is running (%s: %s)", CONTROL_DIR,
			    strerror(errno));
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name);

		if (l <= 4 || strcmp(d->d_name + l - 4, ".ctl"))
			continue;
		if (!n++)
			snprintf(first, sizeof(first), "%s", d->d_name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%.*s",
			 n > 1 ? ", " : "", (int)(l - 4), d->d_name);
	}
	closedir(dir);
	if (!n)
		return fail(1, "no qdes-tap daemon is running (no socket in %s)", CONTROL_DIR);
	if (n > 1)
		return fail(2, "several daemons are running (%s): name the interface (dev IFNAME)",
			    names);
	if ((size_t)snprintf(path, len, "%s/%s", CONTROL_DIR, first) >= len)
		return fail(1, "%s/%s: path too long", CONTROL_DIR, first);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -fail(2, "control socket '%s': path too long", path);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -fail(1, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return -fail(1, "no qdes-tap daemon is running at %s (%s)", path,
				     e == ENOENT ? "no such socket" : "connection refused");
		return -fail(1, "control socket %s: %s", path, strerror(e));
	}
	return fd;
}

/* ms until @deadline (monotonic_ms()), 0 once it has passed */
static int remaining(uint64_t deadline)
{
	uint64_t now = monotonic_ms();

	return now < deadline ? (int)(deadline - now) : 0;
}

/* Write all of @buf, or fail: a daemon that stopped reading is gone for us */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * struct reply - what the daemon said
 * @records:	every record line, parsed (unless @raw)
 * @status:	the last line (holds "ok")
 * @raw:	compact JSON out: the records are passed on as the daemon wrote them, joined by
 *		commas in @text, not parsed and written again (a 65536-entry FDB: half the time)
 * @text:	those records, NUL-terminated
 * @n:		records in @text
 */
struct reply {
	json_t *records;
	json_t *status;
	bool raw;
	struct ctl_buf text;
	size_t n;
};

/* Append a raw record to @r->text. Return: 0, or -1 out of memory */
static int keep_raw(struct reply *r, const char *line, size_t len)
{
	struct ctl_buf *t = &r->text;

	if (ctl_buf_reserve(t, len + 2))
		return -1;
	if (r->n++)
		t->p[t->len++] = ',';
	memcpy(t->p + t->len, line, len);
	t->len += len;
	t->p[t->len] = '\0';
	return 0;
}

/* One line of the reply */
static int take_line(struct reply *r, const char *line, size_t len)
{
	json_t *o;

	/*
	 * Only the status line has the key "ok": a record has no such key, and cannot hold the
	 * text in a string either, whose quotes are escaped. So a record need not be parsed to
	 * be told from it.
	 */
	if (r->raw && !memmem(line, len, "\"ok\":", 5))
		return keep_raw(r, line, len) ? fail(1, "out of memory") : 0;
	o = json_loadb(line, len, 0, NULL);

	if (!json_is_object(o)) {
		json_decref(o);
		return fail(1, "the daemon's reply is not JSON lines");
	}
	if (json_object_get(o, "ok")) {
		r->status = o;
		return 0;
	}
	return json_array_append_new(r->records, o) ? fail(1, "out of memory") : 0;
}

/* Read lines until the status line, the end of the stream, or the deadline */
static int read_reply(int fd, struct reply *r)
{
	uint64_t deadline = monotonic_ms() + CLIENT_TIMEOUT_MS;
	struct ctl_buf in = {0};
	int ret = 0;

	while (!r->status && !ret) {
		struct pollfd p = {fd, POLLIN, 0};
		size_t start = 0;
		char *nl;
		ssize_t n;

		/* Room for a read; it grows only for a line longer than the buffer */
		if (in.len > (1U << 30) || ctl_buf_reserve(&in, 65536)) {
			ret = fail(1, "out of memory: a reply line too long");
			break;
		}
		n = poll(&p, 1, remaining(deadline));
		if (n == 0) {
			ret = fail(1, "no reply from the daemon within %d s",
				   CLIENT_TIMEOUT_MS / 1000);
			break;
		}
		n = n < 0 ? -1 : read(fd, in.p + in.len, in.cap - in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = fail(1, "the daemon closed the connection before its reply ended");
			break;
		}
		in.len += (size_t)n;
		while (!ret && !r->status && (nl = memchr(in.p + start, '\n', in.len - start))) {
			ret = take_line(r, in.p + start, (size_t)(nl - (in.p + start)));
			start = (size_t)(nl - in.p) + 1;
		}
		/* Keep only the line not yet complete */
		memmove(in.p, in.p + start, in.len - start);
		in.len -= start;
	}
	ctl_buf_free(&in);
	return ret;
}

/* What a refusing daemon left to read before it closed. Return: 0 with its status, or -1 */
static int read_reply_quiet(int fd, struct reply *r)
{
	char buf[CTL_REQ_MAX];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	char *nl;

	if (n <= 0 || !(nl = memchr(buf, '\n', (size_t)n)))
		return -1;
	r->status = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
	if (!json_is_object(r->status) || !json_object_get(r->status, "ok")) {
		json_decref(r->status);
		r->status = NULL;
		return -1;
	}
	return 0;
}

static int print(const struct ctl_cli *cli, struct reply *r)
{
	json_t *st = r->status;
	const char *e = json_string_value(json_object_get(st, "error"));
	const char *code = json_string_value(json_object_get(st, "code"));

	if (!json_is_true(json_object_get(st, "ok")))
		return fail(code && !strcmp(code, CTL_E_REQUEST) ? 2 : 1, "%s",
			    e ? e : "the daemon refused the request");
	switch (cli->output) {
	case CTL_OUT_TEXT:
		ctl_print_text(stdout, cli->req.cmd, r->records);
		break;
	case CTL_OUT_JSON:
		if (r->raw ? ctl_print_json_text(stdout, cli->req.cmd, r->text.p, r->n)
			   : ctl_print_json(stdout, cli->req.cmd, r->records, cli->pretty))
			return fail(1, "cannot write the output");
		break;
	case CTL_OUT_PROMETHEUS:
		ctl_print_prometheus(stdout, json_array_get(r->records, 0));
		break;
	}
	return fflush(stdout) ? fail(1, "cannot write the output: %s", strerror(errno)) : 0;
}

/**
 * client_main() - The client: qdes-tap [-j] [-p] [-s] [-S PATH] COMMAND ...
 * @argc:	argument count
 * @argv:	arguments, ctl_is_client()'s
 *
 * Return: exit status
 */
int client_main(int argc, char *argv[])
{
	char err[CTL_ERRLEN], line[CTL_REQ_MAX], path[PATH_MAX];
	struct reply r = {json_array(), NULL};
	struct ctl_cli cli;
	int fd = -1, ret;

	if (ctl_parse_args(&cli, argc, argv, err, sizeof(err))) {
		json_decref(r.records);
		return fail(2, "%s", err);
	}
	r.raw = cli.output == CTL_OUT_JSON && !cli.pretty;
	if (cli.help) {
		json_decref(r.records);
		ctl_usage(stdout);
		return 0;
	}
	if (ctl_request_line(&cli.req, line, sizeof(line)) < 0) {
		json_decref(r.records);
		return fail(2, "request too long");
	}
	if (cli.socket)
		ret = snprintf(path, sizeof(path), "%s", cli.socket) >= (int)sizeof(path)
			      ? fail(2, "-S: path too long")
			      : 0;
	else if (cli.req.dev[0])
		ret = control_path(path, sizeof(path), cli.req.dev) ? 2 : 0;
	else
		ret = find_socket(path, sizeof(path));
	if (ret || (fd = connect_to(path)) < 0) {
		json_decref(r.records);
		return ret ? ret : -fd;
	}
	/* A daemon that refuses a client (busy, not allowed) says why and closes without reading
	 * the request: the reply may be there although the request could not be written */
	if (send_all(fd, line, strlen(line))) {
		int e = errno;

		if (read_reply_quiet(fd, &r))
			ret = fail(1, "control socket %s: %s", path, strerror(e));
	} else {
		ret = read_reply(fd, &r);
	}
	close(fd);
	if (!ret)
		ret = print(&cli, &r);
	json_decref(r.records);
	json_decref(r.status);
	ctl_buf_free(&r.text);
	return ret;
}

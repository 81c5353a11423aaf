// SPDX-License-Identifier: GPL-2.0-or-later
/* control.c - The control socket: a unix stream socket served from the main event loop */

/*
 * One request per connection: the client writes one JSON line, the daemon answers with JSON
 * lines (ctl_serve.c) and closes. Nothing a client does can stall forwarding or grow memory
 * without bound: at most CONTROL_MAX_CLIENTS at once, a request of at most CTL_REQ_MAX bytes,
 * a reply produced in parts of about CTL_CHUNK bytes, the next part only once the last is
 * written, and a client that neither sends its request nor reads its reply for
 * CONTROL_TIMEOUT_MS is dropped.
 *
 * Who may ask: the socket file is 0660, and the daemon checks the peer's credentials too
 * (SO_PEERCRED, SO_PEERGROUPS): root, the daemon's own user, or a member of control_group.
 */

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "gateway.h"
#include "log.h"
#include "unixsock.h"

#define WHAT "control socket"

/**
 * struct client - one connection
 * @pipe:	its stream
 * @timer:	drops it when it makes no progress
 * @wr:		the write in flight
 * @c:		the control socket
 * @slot:	its index in @c->clients
 * @in:		the request so far
 * @in_len:	bytes in @in
 * @answered:	the request was read (reading stopped)
 * @job:	the reply being produced
 * @out:	reply lines not yet handed to libuv
 * @wbuf:	the lines of the write in flight
 * @writing:	@wr is in flight
 * @open:	handles not yet closed (the client is freed when the last one is)
 * @next:	every connection, served or being refused, for control_stop()
 * @prev:	the link to it
 */
struct client {
	uv_pipe_t pipe;
	uv_timer_t timer;
	uv_write_t wr;
	struct control *c;
	unsigned int slot;
	char in[CTL_REQ_MAX];
	size_t in_len;
	bool answered;
	struct ctl_job job;
	struct ctl_buf out, wbuf;
	bool writing;
	int open;
	struct client *next, **prev;
};

/**
 * struct control - the listening socket and its clients
 * @path:	socket file
 * @fd:		listening descriptor, until the loop owns it
 * @has_group:	@group may connect too
 * @group:	control_group
 * @uv:		the main loop, once started
 * @listen:	the listening handle, once started
 * @gw:		the gateway the commands act on
 * @env:	what the commands need
 * @clients:	connected clients, NULL where free
 * @n_clients:	how many
 * @all:	every connection, those refused included
 * @started:	@listen is in the loop
 */
struct control {
	char path[PATH_MAX];
	int fd;
	bool has_group;
	gid_t group;
	uv_loop_t *uv;
	uv_pipe_t listen;
	struct gateway *gw;
	struct ctl_env env;
	struct client *clients[CONTROL_MAX_CLIENTS];
	unsigned int n_clients;
	struct client *all;
	bool started;
};

/**
 * control_path() - The default socket path of interface @ifname: /run/qdes-tap/IFNAME.ctl
 * @buf:	result
 * @len:	its size
 * @ifname:	interface name
 *
 * Return: 0, or -1 if it does not fit
 */
int control_path(char *buf, size_t len, const char *ifname)
{
	int n = snprintf(buf, len, "%s/%s.ctl", CONTROL_DIR, ifname);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/**
 * control_open() - Create the control socket at start, before privileges are dropped
 * @path:	socket path; in CONTROL_DIR, that directory is made if missing
 * @has_group:	members of @group may use it (the file's group, mode 0660)
 * @group:	control_group
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Return: the control socket, not served until control_start(), or NULL with @err set
 */
struct control *control_open(const char *path, bool has_group, gid_t group, char *err,
			     size_t errlen)
{
	struct control *c;

	if (unixsock_check_path(path, WHAT, err, errlen))
		return NULL;
	/* The systemd unit's RuntimeDirectory makes it; by hand, nobody may have yet */
	if (!strncmp(path, CONTROL_DIR "/", strlen(CONTROL_DIR) + 1) &&
	    !strchr(path + strlen(CONTROL_DIR) + 1, '/') && mkdir(CONTROL_DIR, 0755) &&
	    errno != EEXIST) {
		snprintf(err, errlen, WHAT " %s: cannot create %s: %s", path, CONTROL_DIR,
			 strerror(errno));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, WHAT ": out of memory");
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->has_group = has_group;
	c->group = group;
	c->fd = unixsock_listen(path, WHAT, 0660, CONTROL_MAX_CLIENTS, err, errlen);
	if (c->fd < 0) {
		free(c);
		return NULL;
	}
	if (has_group && lchown(path, (uid_t)-1, group)) {
		snprintf(err, errlen, WHAT " %s: cannot give it to group %u: %s", path,
			 (unsigned int)group, strerror(errno));
		control_close(c);
		return NULL;
	}
	return c;
}

/* The daemon becomes @uid: the socket file becomes its, the group stays control_group's */
int control_give(struct control *c, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (lchown(c->path, uid, c->has_group ? c->group : gid)) {
		snprintf(err, errlen, WHAT " %s: cannot give it to uid %u: %s", c->path,
			 (unsigned int)uid, strerror(errno));
		return -1;
	}
	return 0;
}

void control_given(struct control *c, const char *user)
{
	unixsock_warn_dir(c->path, WHAT, user);
}

static void on_client_closed(uv_handle_t *h)
{
	struct client *cl = h->data;

	if (--cl->open)
		return;
	ctl_buf_free(&cl->out);
	ctl_buf_free(&cl->wbuf);
	free(cl);
}

static void drop(struct client *cl)
{
	struct control *c = cl->c;

	if (cl->slot < CONTROL_MAX_CLIENTS && c->clients[cl->slot] == cl) {
		c->clients[cl->slot] = NULL;
		c->n_clients--;
	}
	cl->slot = CONTROL_MAX_CLIENTS;
	if (cl->prev) {
		*cl->prev = cl->next;
		if (cl->next)
			cl->next->prev = cl->prev;
		cl->prev = NULL;
	}
	if (!uv_is_closing((uv_handle_t *)&cl->pipe))
		uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
	if (cl->open == 2 && !uv_is_closing((uv_handle_t *)&cl->timer))
		uv_close((uv_handle_t *)&cl->timer, on_client_closed);
}

static void on_timeout(uv_timer_t *t)
{
	struct client *cl = t->data;

	info(WHAT ": client dropped: no progress for %d ms", CONTROL_TIMEOUT_MS);
	drop(cl);
}

static void progress(struct client *cl)
{
	uv_timer_start(&cl->timer, on_timeout, CONTROL_TIMEOUT_MS, 0);
}

static void send_more(struct client *cl);

static void on_written(uv_write_t *w, int status)
{
	struct client *cl = w->data;

	cl->writing = false;
	cl->wbuf.len = 0;
	if (status < 0 || uv_is_closing((uv_handle_t *)&cl->pipe)) {
		if (status < 0 && status != UV_ECANCELED)
			debug(WHAT ": client went away: %s", uv_strerror(status));
		drop(cl);
		return;
	}
	progress(cl);
	send_more(cl);
}

/* Hand what is produced to libuv; produce the next part once the last is written */
static void send_more(struct client *cl)
{
	struct ctl_buf t;
	uv_buf_t b;

	if (cl->writing)
		return;
	if (!cl->out.len && !cl->job.done) {
		cl->c->env.now = uv_now(cl->c->uv);
		ctl_job_more(&cl->job, &cl->c->env, &cl->out);
	}
	if (!cl->out.len) {
		/* Everything is written: one request per connection */
		drop(cl);
		return;
	}
	t = cl->wbuf;
	cl->wbuf = cl->out;
	cl->out = t;
	cl->out.len = 0;
	b = uv_buf_init(cl->wbuf.p, (unsigned int)cl->wbuf.len);
	cl->wr.data = cl;
	if (uv_write(&cl->wr, (uv_stream_t *)&cl->pipe, &b, 1, on_written)) {
		drop(cl);
		return;
	}
	cl->writing = true;
}

/* Refuse with one error line, then close */
static void refuse(struct client *cl, const char *code, const char *msg)
{
	cl->answered = true;
	cl->job.done = true;
	ctl_reply_fail(&cl->out, code, msg);
	send_more(cl);
}

static void answer(struct client *cl, size_t len)
{
	char err[CTL_ERRLEN];
	struct ctl_req req;

	cl->answered = true;
	uv_read_stop((uv_stream_t *)&cl->pipe);
	if (len && cl->in[len - 1] == '\r')
		len--;
	if (ctl_parse_request(&req, cl->in, len, err, sizeof(err))) {
		refuse(cl, CTL_E_REQUEST, err);
		return;
	}
	debug(WHAT ": %s", ctl_cmd_name(req.cmd));
	cl->c->env.now = uv_now(cl->c->uv);
	ctl_job_start(&cl->job, cl->c->gw, &req, &cl->c->env, &cl->out);
	send_more(cl);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct client *cl = h->data;

	(void)suggested;
	*buf = uv_buf_init(cl->in + cl->in_len, (unsigned int)(sizeof(cl->in) - cl->in_len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *cl = s->data;
	char *nl;

	(void)buf;
	if (cl->answered)
		return;
	if (n < 0) {
		/* The end of the stream ends a request without its newline too */
		if (n == UV_EOF && cl->in_len)
			answer(cl, cl->in_len);
		else
			drop(cl);
		return;
	}
	if (!n)
		return;
	progress(cl);
	nl = memchr(cl->in + cl->in_len, '\n', (size_t)n);
	cl->in_len += (size_t)n;
	if (nl) {
		answer(cl, (size_t)(nl - cl->in));
		return;
	}
	if (cl->in_len == sizeof(cl->in)) {
		uv_read_stop(s);
		refuse(cl, CTL_E_REQUEST, "request longer than 4096 bytes");
	}
}

/* Whether the peer is root, our own user, or in control_group */
static bool allowed(const struct control *c, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[256];
	unsigned int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	if (!c->has_group)
		return false;
	if (cred.gid == c->group)
		return true;
	len = sizeof(groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false;
	for (i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == c->group)
			return true;
	return false;
}

static void on_connection(uv_stream_t *s, int status)
{
	struct control *c = s->data;
	struct client *cl;
	unsigned int i;
	uv_os_fd_t fd;

	if (status < 0) {
		warn(WHAT " %s: %s", c->path, uv_strerror(status));
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return;
	cl->c = c;
	cl->pipe.data = cl;
	cl->timer.data = cl;
	if (uv_pipe_init(c->uv, &cl->pipe, 0)) {
		free(cl);
		return;
	}
	cl->open = 1;
	if (uv_accept(s, (uv_stream_t *)&cl->pipe) || uv_timer_init(c->uv, &cl->timer)) {
		uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
		return;
	}
	cl->open = 2;
	cl->slot = CONTROL_MAX_CLIENTS;
	cl->next = c->all;
	if (c->all)
		c->all->prev = &cl->next;
	cl->prev = &c->all;
	c->all = cl;
	progress(cl);
	for (i = 0; i < CONTROL_MAX_CLIENTS && c->clients[i]; i++)
		;
	if (i == CONTROL_MAX_CLIENTS) {
		refuse(cl, CTL_E_BUSY, "busy: 16 clients are connected");
		return;
	}
	cl->slot = i;
	c->clients[i] = cl;
	c->n_clients++;
	if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) || !allowed(c, fd)) {
		refuse(cl, CTL_E_ACCESS,
		       "permission denied: not root, the daemon's user or in control_group");
		return;
	}
	if (uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read))
		drop(cl);
}

/**
 * control_start() - Serve the control socket from @uv (the main loop)
 * @c:		control socket from control_open()
 * @uv:		the main loop, which is worker 0's
 * @gw:		the gateway the commands act on
 * @env:	clock, start time, reload (copied)
 *
 * Return: 0, or a libuv error
 */
int control_start(struct control *c, uv_loop_t *uv, struct gateway *gw, const struct ctl_env *env)
{
	int r;

	c->uv = uv;
	c->gw = gw;
	c->env = *env;
	c->env.socket = c->path;
	r = uv_pipe_init(uv, &c->listen, 0);
	if (r)
		return r;
	c->listen.data = c;
	c->started = true;
	r = uv_pipe_open(&c->listen, c->fd);
	if (!r)
		c->fd = -1; /* libuv's now */
	if (!r)
		r = uv_listen((uv_stream_t *)&c->listen, CONTROL_MAX_CLIENTS, on_connection);
	return r;
}

static void on_listen_closed(uv_handle_t *h)
{
	(void)h;
}

/* Close the listening handle and every client, while the loop still runs its callbacks */
void control_stop(struct control *c)
{
	if (!c || !c->started)
		return;
	while (c->all)
		drop(c->all);
	if (!uv_is_closing((uv_handle_t *)&c->listen))
		uv_close((uv_handle_t *)&c->listen, on_listen_closed);
	c->started = false;
}

/* After the loop: remove the socket file and free @c */
void control_close(struct control *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	unixsock_remove(c->path, WHAT);
	free(c);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - libuv wiring: worker threads, descriptor polls, the ageing timer, signals, shutdown
 *
 * libuv only says which descriptor is ready and when a timer or signal fires; the data path
 * is plain calls into the gateway over its fixed buffers. Worker 0 runs in the main thread's
 * loop, with the signals, the ageing timer and the multicast socket; every further worker has
 * its own thread and loop, polling its own unicast socket.
 *
 * Ports are polled all the same way: each port says which descriptors it has and which worker
 * polls each (port.h); the TAP has one queue per worker, every other port is the main loop's.
 * The main loop is also the port table's only writer: guests that connect are added, finished
 * ports removed, here. A port whose wish to be polled for writability changes on another
 * thread (a guest that a further worker sends to) tells the main loop through an async handle.
 */

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <uv.h>

#include "control.h"
#include "log.h"
#include "loop.h"

/* How often entries are checked for age: ageing is exact to within this */
#define AGEING_TICK_MS 1000

struct loop;

/**
 * struct wloop - one worker's loop
 * @uv:		its libuv loop (the main one for worker 0)
 * @w:		the worker
 * @main:	the main loop, told when this worker fails
 * @ucast_poll:	its unicast socket
 * @mcast_poll:	the multicast socket (worker 0 only)
 * @stop:	wakes a worker thread to stop (not worker 0)
 * @thread:	its thread (not worker 0)
 * @running:	the thread was started
 * @failed:	it stopped on a failure
 */
struct wloop {
	uv_loop_t own;
	uv_loop_t *uv;
	struct worker *w;
	struct loop *main;
	uv_poll_t ucast_poll, mcast_poll;
	uv_async_t stop;
	pthread_t thread;
	bool running;
	int failed;
};

/**
 * struct ppoll - one polled descriptor of a port
 * @poll:	its handle, on the loop of the worker that polls it
 * @port:	the port
 * @i:		which of the port's descriptors
 * @wl:		that worker's loop
 * @armed:	the events polled for now (PORT_*)
 */
struct ppoll {
	uv_poll_t poll;
	struct qdes_port *port;
	unsigned int i;
	struct wloop *wl;
	unsigned int armed;
};

/**
 * struct port_polls - the polls of one port
 * @p:		one per descriptor
 * @n:		entries in @p
 */
struct port_polls {
	struct ppoll **p;
	unsigned int n;
};

/**
 * struct loop - the main loop and everything it runs
 * @host:	what ports may ask of it (port.h)
 * @thread:	the main thread, which alone changes the port table
 * @rearm:	a port on another thread changed what it wants polled
 * @polls:	by port id
 * @env:	what control commands and SIGHUP's reload need
 */
struct loop {
	uv_loop_t uv;
	struct gateway *gw;
	struct wloop *wl;
	struct port_host host;
	pthread_t thread;
	uv_async_t rearm;
	struct port_polls polls[PORT_MAX];
	uv_timer_t age_timer;
	uv_signal_t sig_int, sig_term, sig_usr1, sig_hup;
	uv_async_t failure;
	int exit_code;
	struct ctl_env env;
};

static void stop(struct loop *l, int code)
{
	if (code > l->exit_code)
		l->exit_code = code;
	uv_stop(&l->uv);
}

/* A worker failed: stop it, and have the main loop stop everything with status 1 */
static void worker_failed(struct wloop *wl)
{
	__atomic_store_n(&wl->failed, 1, __ATOMIC_RELAXED);
	if (wl->w->index)
		uv_stop(wl->uv);
	uv_async_send(&wl->main->failure);
}

static void on_underlay(uv_poll_t *h, int status, int events)
{
	struct wloop *wl = h->data;
	bool ucast = h == &wl->ucast_poll;
	int fd = ucast ? wl->w->ul.ucast_fd : wl->w->ul.mcast_fd;

	(void)events;
	/*
	 * libuv reports POLLERR as UV_EBADF and stops the handle. On the unicast socket that is
	 * ICMP for our sends (IP_RECVERR): read it, poll again, and go on to read the datagrams
	 * waiting now, so a stream of ICMP errors never starves the data. An error that is not
	 * there to read is a socket that failed.
	 */
	if (status == UV_EBADF && ucast) {
		int n = gateway_underlay_errors(wl->w, fd);

		if (n <= 0) {
			err("underlay socket failed: %s",
			    n < 0 ? strerror(errno) : "an error condition with no error");
			worker_failed(wl);
			return;
		}
		status = uv_poll_start(h, UV_READABLE, on_underlay);
	}
	if (status < 0 || gateway_underlay_ready(wl->w, fd, uv_now(wl->uv))) {
		err("underlay socket failed: %s",
		    status < 0 ? uv_strerror(status) : strerror(errno));
		worker_failed(wl);
	}
}

static int to_uv(unsigned int events)
{
	return UV_DISCONNECT | (events & PORT_IN ? UV_READABLE : 0) |
	       (events & PORT_OUT ? UV_WRITABLE : 0);
}

static unsigned int from_uv(int events)
{
	return (events & UV_READABLE ? PORT_IN : 0) | (events & UV_WRITABLE ? PORT_OUT : 0) |
	       (events & UV_DISCONNECT ? PORT_HUP : 0);
}

static void free_ppoll(uv_handle_t *h)
{
	free(h->data);
}

/* Stop polling @port and forget its polls (the port itself stays) */
static void drop_polls(struct loop *l, struct qdes_port *port)
{
	struct port_polls *pp = &l->polls[port->id];
	unsigned int i;

	for (i = 0; i < pp->n; i++) {
		uv_poll_stop(&pp->p[i]->poll);
		uv_close((uv_handle_t *)&pp->p[i]->poll, free_ppoll);
	}
	free(pp->p);
	pp->p = NULL;
	pp->n = 0;
}

static void on_port(uv_poll_t *h, int status, int events);

/* Poll for what @pp's port wants now, if that changed */
static int arm(struct ppoll *pp)
{
	unsigned int want = port_events(pp->port, pp->i);
	int r;

	if (want == pp->armed)
		return 0;
	r = uv_poll_start(&pp->poll, to_uv(want), on_port);
	if (!r)
		pp->armed = want;
	return r;
}

/*
 * A port is finished. Without a vital one (the TAP) the daemon cannot go on; any other goes,
 * its MACs with it, and the rest carries on. Only the main loop polls ports that can finish.
 */
static void port_finished(struct ppoll *pp, int saved_errno)
{
	struct qdes_port *port = pp->port;
	struct loop *l = pp->wl->main;

	if (port->flags & PORT_F_VITAL) {
		uv_poll_stop(&pp->poll);
		err("%s: %s failed: %s", port->name, port->ops->kind,
		    port->err[0] ? port->err : strerror(saved_errno));
		worker_failed(pp->wl);
		return;
	}
	drop_polls(l, port);
	gateway_port_del(l->gw, port);
}

static void on_port(uv_poll_t *h, int status, int events)
{
	struct ppoll *pp = h->data;
	int r, e;

	if (status < 0) {
		/* POLLERR (libuv: UV_EBADF, and the handle stopped): a last read may say what
		 * happened, such as a TAP whose device was deleted */
		if (status == UV_EBADF && !pp->port->err[0])
			(void)gateway_port_ready(pp->wl->w, pp->port, pp->i, PORT_IN,
						 uv_now(pp->wl->uv));
		if (!pp->port->err[0])
			snprintf(pp->port->err, sizeof(pp->port->err), "%s", uv_strerror(status));
		port_finished(pp, 0);
		return;
	}
	r = gateway_port_ready(pp->wl->w, pp->port, pp->i, from_uv(events), uv_now(pp->wl->uv));
	e = errno;
	if (r) {
		port_finished(pp, e);
		return;
	}
	r = arm(pp);
	if (r) {
		snprintf(pp->port->err, sizeof(pp->port->err), "event loop: %s", uv_strerror(r));
		port_finished(pp, 0);
	}
}

/*
 * Poll every descriptor of @port on its worker's loop. At run time (@running) only the main
 * loop's: the other loops' threads run, and a handle belongs to its loop's thread.
 * Return: 0, or a libuv error (with what was started undone)
 */
static int add_polls(struct loop *l, struct qdes_port *port, bool running)
{
	struct port_polls *pp = &l->polls[port->id];
	unsigned int i, worker;
	int fd, r = 0;

	port->host = &l->host;
	for (i = 0; (fd = port->ops->fd(port, i, &worker)) >= 0; i++) {
		struct ppoll **p, *q;

		if (worker >= l->gw->n_workers || (running && worker)) {
			r = UV_EINVAL;
			break;
		}
		p = realloc(pp->p, (i + 1) * sizeof(*p));
		q = calloc(1, sizeof(*q));
		if (p)
			pp->p = p;
		if (!p || !q) {
			free(q);
			r = UV_ENOMEM;
			break;
		}
		q->port = port;
		q->i = i;
		q->wl = &l->wl[worker];
		r = uv_poll_init(q->wl->uv, &q->poll, fd);
		if (r) {
			free(q);
			break;
		}
		q->poll.data = q;
		pp->p[pp->n++] = q;
		r = arm(q);
		if (r)
			break;
	}
	if (r)
		drop_polls(l, port);
	return r;
}

static struct loop *host_loop(struct port_host *h)
{
	return (struct loop *)((char *)h - offsetof(struct loop, host));
}

/* port_host.add: a listening port made a port (main thread) */
static int host_add(struct port_host *h, struct qdes_port *port)
{
	struct loop *l = host_loop(h);
	int r;

	if (gateway_port_add(l->gw, port) < 0) {
		snprintf(port->err, sizeof(port->err), "all %d switch ports are taken", PORT_MAX);
		return -1;
	}
	r = add_polls(l, port, true);
	if (r) {
		switch_del_port(&l->gw->w[0].sw, port);
		snprintf(port->err, sizeof(port->err), "event loop: %s", uv_strerror(r));
		return -1;
	}
	return 0;
}

/* port add (the control socket, on the first thread): make a TAP port and run it */
static int loop_port_add(void *ctx, const struct ctl_req *req, char *err, size_t errlen)
{
	const struct port_spec ps = {.name = req->name,
				     .ifname = req->ifname[0] ? req->ifname : req->name,
				     .netns = req->netns,
				     .addrs = req->addrs,
				     .n_addrs = req->n_addrs,
				     .mac = req->has_mac ? req->mac : NULL,
				     .mtu = req->mtu};
	struct loop *l = ctx;
	struct qdes_port *p = gateway_tap_port(l->gw, &ps, err, errlen);

	if (!p)
		return -1;
	if (host_add(&l->host, p)) {
		snprintf(err, errlen, "%s", p->err);
		p->ops->close(p);
		return -1;
	}
	notice("port %s (%s) added%s%s", p->name, p->ops->kind, req->netns[0] ? " in netns " : "",
	       req->netns);
	return 0;
}

/* port del: a port that can go (not the interface, not a listening socket), its MACs with it */
static int loop_port_del(void *ctx, const char *name, char *err, size_t errlen)
{
	struct loop *l = ctx;
	struct qdes_port *p = gateway_port_named(l->gw, name);

	if (!p) {
		snprintf(err, errlen, "no such port");
		return -1;
	}
	if ((p->flags & PORT_F_VITAL) || !p->ops->send) {
		snprintf(err, errlen, "%s",
			 p->flags & PORT_F_VITAL ? "is the daemon's interface (stop the daemon)"
						 : "is a listening socket");
		return -1;
	}
	snprintf(p->err, sizeof(p->err), "deleted by request");
	drop_polls(l, p);
	gateway_port_del(l->gw, p);
	return 0;
}

/* Poll the main loop's descriptors of @port for what it wants now */
static void rearm_port(struct loop *l, struct qdes_port *port)
{
	struct port_polls *pp = &l->polls[port->id];
	unsigned int i;
	int r;

	for (i = 0; i < pp->n; i++) {
		/* Ports of the other workers (the TAP's queues) always want the same */
		if (pp->p[i]->wl != &l->wl[0])
			continue;
		r = arm(pp->p[i]);
		if (r)
			err("%s: event loop: %s", port->name, uv_strerror(r));
	}
}

/* port_host.kick: from the main thread at once; from another, through @rearm */
static void host_kick(struct port_host *h, struct qdes_port *port)
{
	struct loop *l = host_loop(h);

	if (pthread_equal(pthread_self(), l->thread))
		rearm_port(l, port);
	else
		uv_async_send(&l->rearm);
}

static void on_rearm(uv_async_t *a)
{
	struct loop *l = a->data;
	unsigned int i;

	for (i = 0; i < PORT_MAX; i++) {
		struct qdes_port *port = port_table_get(&l->gw->ports, i);

		if (port && l->polls[i].n)
			rearm_port(l, port);
	}
}

/* At the end, with every worker thread stopped: the ports' polls go before the loops do */
static void close_polls(struct loop *l)
{
	unsigned int i;

	for (i = 0; i < PORT_MAX; i++) {
		struct qdes_port *port = port_table_get(&l->gw->ports, i);

		if (port) {
			if (l->polls[i].n)
				drop_polls(l, port);
			port->host = NULL;
		}
	}
}

static void on_failure(uv_async_t *a)
{
	stop(a->data, 1);
}

static void on_worker_stop(uv_async_t *a)
{
	uv_stop(a->loop);
}

static void on_age(uv_timer_t *t)
{
	struct loop *l = t->data;

	gateway_age(l->gw, uv_now(&l->uv));
}

/* SIGHUP: what a reload applies and refuses is logged line by line */
static void reload(struct loop *l)
{
	json_t *ok = json_array(), *no = json_array();
	char err[CTL_ERRLEN];

	if (ok && no && l->env.reload(l->env.ctx, ok, no, err, sizeof(err)))
		notice("SIGHUP: %s", err);
	json_decref(ok);
	json_decref(no);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct loop *l = s->data;

	switch (signum) {
	case SIGINT:
	case SIGTERM:
		stop(l, 0);
		break;
	case SIGUSR1:
		gateway_dump(l->gw, uv_now(&l->uv));
		break;
	case SIGHUP:
		reload(l);
		break;
	}
}

static void on_close(uv_handle_t *h)
{
	(void)h;
}

static void close_all(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, on_close);
}

/* Close every handle of @uv and the loop itself */
static void loop_close(uv_loop_t *uv)
{
	int r;

	uv_walk(uv, close_all, NULL);
	uv_run(uv, UV_RUN_DEFAULT);
	r = uv_loop_close(uv);
	if (r)
		warn("event loop: %s", uv_strerror(r));
}

static int start_poll(struct wloop *wl, uv_poll_t *p, int fd, uv_poll_cb cb)
{
	int r = uv_poll_init(wl->uv, p, fd);

	if (r)
		return r;
	p->data = wl;
	return uv_poll_start(p, UV_READABLE, cb);
}

static int start_signal(struct loop *l, uv_signal_t *s, int signum)
{
	int r = uv_signal_init(&l->uv, s);

	if (r)
		return r;
	s->data = l;
	return uv_signal_start(s, on_signal, signum);
}

/* A worker's sockets, on its own loop (worker 0: the main one, which also has the group) */
static int start_worker_polls(struct wloop *wl)
{
	int r;

	if ((r = start_poll(wl, &wl->ucast_poll, wl->w->ul.ucast_fd, on_underlay)))
		return r;
	if (wl->w->ul.mcast_fd >= 0)
		return start_poll(wl, &wl->mcast_poll, wl->w->ul.mcast_fd, on_underlay);
	return 0;
}

static void *worker_thread(void *arg)
{
	struct wloop *wl = arg;

	uv_run(wl->uv, UV_RUN_DEFAULT);
	return NULL;
}

/* The loop of worker @i (i > 0), with its socket; its thread starts once every poll is in */
static int init_worker(struct loop *l, unsigned int i)
{
	struct wloop *wl = &l->wl[i];
	int r;

	r = uv_loop_init(&wl->own);
	if (r)
		return r;
	wl->uv = &wl->own;
	if ((r = start_worker_polls(wl)) || (r = uv_async_init(wl->uv, &wl->stop, on_worker_stop)))
		return r;
	return 0;
}

static int start_worker(struct loop *l, unsigned int i)
{
	struct wloop *wl = &l->wl[i];
	int r;

	r = pthread_create(&wl->thread, NULL, worker_thread, wl);
	if (r)
		return -r;
	wl->running = true;
	return 0;
}

static void stop_workers(struct loop *l)
{
	unsigned int i;

	for (i = 1; i < l->gw->n_workers; i++) {
		struct wloop *wl = &l->wl[i];

		if (wl->running) {
			uv_async_send(&wl->stop);
			pthread_join(wl->thread, NULL);
			wl->running = false;
		}
	}
}

static void close_workers(struct loop *l)
{
	unsigned int i;

	for (i = 1; i < l->gw->n_workers; i++)
		if (l->wl[i].uv)
			loop_close(l->wl[i].uv);
}

/* Every port's descriptors, on the loops of the workers that poll them (none runs yet) */
static int start_ports(struct loop *l)
{
	unsigned int i;
	int r;

	for (i = 0; i < PORT_MAX; i++) {
		struct qdes_port *port = port_table_get(&l->gw->ports, i);

		if (port && (r = add_polls(l, port, false)))
			return r;
	}
	return 0;
}

static int start_main(struct loop *l)
{
	int r;

	if ((r = start_worker_polls(&l->wl[0])) ||
	    (r = uv_async_init(&l->uv, &l->failure, on_failure)) ||
	    (r = uv_async_init(&l->uv, &l->rearm, on_rearm)) ||
	    (r = uv_timer_init(&l->uv, &l->age_timer)) ||
	    (r = start_signal(l, &l->sig_int, SIGINT)) ||
	    (r = start_signal(l, &l->sig_term, SIGTERM)) ||
	    (r = start_signal(l, &l->sig_usr1, SIGUSR1)) ||
	    (r = start_signal(l, &l->sig_hup, SIGHUP)))
		return r;
	l->failure.data = l;
	l->rearm.data = l;
	l->age_timer.data = l;
	return uv_timer_start(&l->age_timer, on_age, AGEING_TICK_MS, AGEING_TICK_MS);
}

/**
 * loop_signals() - The signals the loop handles, which stay blocked outside it
 * @set:	filled in
 *
 * main() blocks them before start-up, so that a stop request then waits for the loop and the
 * start is undone cleanly; loop_run() unblocks them once its handlers are in place.
 */
void loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
}

/**
 * loop_run() - Serve @gw until a signal or a failure stops it
 * @gw:		started gateway
 * @ctl:	its control socket, served from the main loop (NULL: none)
 * @env:	reload, start time, for the control commands and SIGHUP
 *
 * Return: exit status: 0 for a stop by SIGINT/SIGTERM, 1 for a runtime failure
 */
int loop_run(struct gateway *gw, struct control *ctl, const struct ctl_env *env)
{
	struct loop l;
	unsigned int i;
	sigset_t sigs;
	int r;

	memset(&l, 0, sizeof(l));
	l.gw = gw;
	l.thread = pthread_self();
	l.host = (struct port_host){host_add, host_kick};
	l.env = *env;
	l.env.port_add = loop_port_add;
	l.env.port_del = loop_port_del;
	l.env.ports = &l;
	l.wl = calloc(gw->n_workers, sizeof(*l.wl));
	if (!l.wl) {
		err("event loop: out of memory");
		return 1;
	}
	r = uv_loop_init(&l.uv);
	if (r) {
		err("event loop: %s", uv_strerror(r));
		free(l.wl);
		return 1;
	}
	for (i = 0; i < gw->n_workers; i++) {
		l.wl[i].w = &gw->w[i];
		l.wl[i].main = &l;
	}
	l.wl[0].uv = &l.uv;
	l.env.started = uv_now(&l.uv);

	/* Threads start with the signals main() blocked: only this thread takes them. */
	r = start_main(&l);
	for (i = 1; !r && i < gw->n_workers; i++)
		r = init_worker(&l, i);
	if (!r)
		r = start_ports(&l);
	if (!r && ctl)
		r = control_start(ctl, &l.uv, gw, &l.env);
	for (i = 1; !r && i < gw->n_workers; i++)
		r = start_worker(&l, i);
	if (r) {
		err("event loop: %s", uv_strerror(r));
		l.exit_code = 1;
	} else {
		loop_signals(&sigs);
		pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
		uv_run(&l.uv, UV_RUN_DEFAULT);
		/* Closing the signal handles below restores the default actions: a second
		 * SIGTERM (timeout(1) sends one to the process group) must not cut the clean
		 * stop short, so hold them until exit. */
		pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	}
	stop_workers(&l);
	control_stop(ctl);
	close_polls(&l);
	close_workers(&l);
	for (i = 0; i < gw->n_workers; i++)
		if (__atomic_load_n(&l.wl[i].failed, __ATOMIC_RELAXED))
			l.exit_code = 1;
	loop_close(&l.uv);
	free(l.wl);
	return l.exit_code;
}

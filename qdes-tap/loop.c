// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - libuv wiring: worker threads, descriptor polls, the ageing timer, signals, shutdown
 *
 * libuv only says which descriptor is ready and when a timer or signal fires; the data path
 * is plain calls into the gateway over its fixed buffers. Worker 0 runs in the main thread's
 * loop, with the signals, the ageing timer and the multicast socket; every further worker has
 * its own thread and loop, polling its own TAP queue and unicast socket. QEMU guests on the
 * stream socket are ports of worker 0: the main loop polls the listening socket and each guest.
 */

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

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
 * @tap_poll:	its TAP queue
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
	uv_poll_t tap_poll, ucast_poll, mcast_poll;
	uv_async_t stop;
	pthread_t thread;
	bool running;
	int failed;
};

/**
 * struct gpoll - one connected guest's poll
 * @poll:	its socket: readable always, writable while output waits
 * @c:		the guest's port
 * @l:		the main loop
 */
struct gpoll {
	uv_poll_t poll;
	struct stream_conn *c;
	struct loop *l;
};

struct loop {
	uv_loop_t uv;
	struct gateway *gw;
	struct wloop *wl;
	uv_poll_t listen_poll;
	struct gpoll *guests[SWITCH_MAX_PORTS];
	uv_timer_t age_timer;
	uv_signal_t sig_int, sig_term, sig_usr1, sig_hup;
	uv_async_t failure;
	int exit_code;
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

static void on_tap(uv_poll_t *h, int status, int events)
{
	struct wloop *wl = h->data;

	(void)events;
	if (status < 0 || gateway_tap_ready(wl->w, uv_now(wl->uv))) {
		err("%s: TAP failed: %s", wl->w->tap.name,
		    status < 0 ? uv_strerror(status) : strerror(errno));
		worker_failed(wl);
	}
}

static void on_underlay(uv_poll_t *h, int status, int events)
{
	struct wloop *wl = h->data;
	int fd = h == &wl->mcast_poll ? wl->w->ul.mcast_fd : wl->w->ul.ucast_fd;

	(void)events;
	if (status < 0 || gateway_underlay_ready(wl->w, fd, uv_now(wl->uv))) {
		err("underlay socket failed: %s",
		    status < 0 ? uv_strerror(status) : strerror(errno));
		worker_failed(wl);
	}
}

static void free_gpoll(uv_handle_t *h)
{
	free(h->data);
}

/* The guest is gone or broken: its port and MACs go, the other guests carry on */
static void guest_close(struct gpoll *g)
{
	struct loop *l = g->l;

	uv_poll_stop(&g->poll);
	l->guests[g->c->port.id] = NULL;
	g->c->want = NULL;
	gateway_guest_close(l->gw, g->c);
	g->c = NULL;
	uv_close((uv_handle_t *)&g->poll, free_gpoll);
}

static void on_guest(uv_poll_t *h, int status, int events)
{
	struct gpoll *g = h->data;

	if (status < 0) {
		snprintf(g->c->err, sizeof(g->c->err), "%s", uv_strerror(status));
		guest_close(g);
		return;
	}
	if ((events & UV_WRITABLE) && stream_write(g->c)) {
		guest_close(g);
		return;
	}
	if ((events & (UV_READABLE | UV_DISCONNECT)) &&
	    gateway_guest_ready(g->l->gw, g->c, uv_now(&g->l->uv)))
		guest_close(g);
}

/* Output is waiting for a guest that did not take it all: poll for writability until it has */
static void guest_want_write(struct stream_conn *c, bool want)
{
	struct gpoll *g = c->owner;
	int r;

	r = uv_poll_start(&g->poll, UV_READABLE | UV_DISCONNECT | (want ? UV_WRITABLE : 0),
			  on_guest);
	if (r)
		err("qemu socket: %s: %s", c->port.name, uv_strerror(r));
}

static void on_listen(uv_poll_t *h, int status, int events)
{
	struct loop *l = h->data;
	struct stream_conn *c;
	struct gpoll *g;
	int r;

	(void)events;
	if (status < 0) {
		err("qemu socket %s: %s", l->gw->guests.path, uv_strerror(status));
		stop(l, 1);
		return;
	}
	while ((c = gateway_guest_accept(l->gw))) {
		g = calloc(1, sizeof(*g));
		r = g ? uv_poll_init(&l->uv, &g->poll, c->fd) : UV_ENOMEM;
		if (!r) {
			g->poll.data = g;
			g->c = c;
			g->l = l;
			r = uv_poll_start(&g->poll, UV_READABLE | UV_DISCONNECT, on_guest);
			if (r)
				uv_close((uv_handle_t *)&g->poll, free_gpoll);
		} else {
			free(g);
		}
		if (r) {
			snprintf(c->err, sizeof(c->err), "event loop: %s", uv_strerror(r));
			gateway_guest_close(l->gw, c);
			continue;
		}
		c->owner = g;
		c->want = guest_want_write;
		l->guests[c->port.id] = g;
	}
}

/* At the end: the guests' polls go before the loop does (the gateway frees the ports) */
static void close_guests(struct loop *l)
{
	unsigned int i;

	for (i = 0; i < SWITCH_MAX_PORTS; i++) {
		struct gpoll *g = l->guests[i];

		if (g) {
			g->c->want = NULL;
			uv_close((uv_handle_t *)&g->poll, free_gpoll);
			l->guests[i] = NULL;
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
		notice("SIGHUP: reloading is not supported; restart to apply a new configuration");
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

/* A worker's polls, on its own loop (worker 0: the main one, which also has the group) */
static int start_worker_polls(struct wloop *wl)
{
	int r;

	if ((wl->w->tap.fd >= 0 && (r = start_poll(wl, &wl->tap_poll, wl->w->tap.fd, on_tap))) ||
	    (r = start_poll(wl, &wl->ucast_poll, wl->w->ul.ucast_fd, on_underlay)))
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

/* Set up and start worker @i (i > 0) in a thread of its own */
static int start_worker(struct loop *l, unsigned int i)
{
	struct wloop *wl = &l->wl[i];
	int r;

	wl->uv = &wl->own;
	r = uv_loop_init(wl->uv);
	if (r)
		return r;
	if ((r = start_worker_polls(wl)) || (r = uv_async_init(wl->uv, &wl->stop, on_worker_stop)))
		return r;
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
		if (wl->uv)
			loop_close(wl->uv);
	}
}

static int start_main(struct loop *l)
{
	int r;

	if ((r = start_worker_polls(&l->wl[0])) ||
	    (r = uv_async_init(&l->uv, &l->failure, on_failure)) ||
	    (r = uv_timer_init(&l->uv, &l->age_timer)) ||
	    (r = start_signal(l, &l->sig_int, SIGINT)) ||
	    (r = start_signal(l, &l->sig_term, SIGTERM)) ||
	    (r = start_signal(l, &l->sig_usr1, SIGUSR1)) ||
	    (r = start_signal(l, &l->sig_hup, SIGHUP)))
		return r;
	l->failure.data = l;
	l->age_timer.data = l;
	if (l->gw->guests.fd >= 0) {
		if ((r = uv_poll_init(&l->uv, &l->listen_poll, l->gw->guests.fd)))
			return r;
		l->listen_poll.data = l;
		if ((r = uv_poll_start(&l->listen_poll, UV_READABLE, on_listen)))
			return r;
	}
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
 *
 * Return: exit status: 0 for a stop by SIGINT/SIGTERM, 1 for a runtime failure
 */
int loop_run(struct gateway *gw)
{
	struct loop l;
	unsigned int i;
	sigset_t sigs;
	int r;

	memset(&l, 0, sizeof(l));
	l.gw = gw;
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

	/* Threads start with the signals main() blocked: only this thread takes them. */
	r = start_main(&l);
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
	close_guests(&l);
	for (i = 0; i < gw->n_workers; i++)
		if (__atomic_load_n(&l.wl[i].failed, __ATOMIC_RELAXED))
			l.exit_code = 1;
	loop_close(&l.uv);
	free(l.wl);
	return l.exit_code;
}

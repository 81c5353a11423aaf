// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - libuv wiring: descriptor polls, the ageing timer, signals, clean shutdown
 *
 * libuv only says which descriptor is ready and when a timer or signal fires; the data path
 * is plain calls into the gateway over its fixed buffers.
 */

#include <signal.h>
#include <string.h>
#include <uv.h>

#include "log.h"
#include "loop.h"

/* How often entries are checked for age: ageing is exact to within this */
#define AGEING_TICK_MS 1000

struct loop {
	uv_loop_t uv;
	struct gateway *gw;
	uv_poll_t tap_poll, ucast_poll, mcast_poll;
	uv_timer_t age_timer;
	uv_signal_t sig_int, sig_term, sig_usr1, sig_hup;
	int exit_code;
};

static void stop(struct loop *l, int code)
{
	if (code > l->exit_code)
		l->exit_code = code;
	uv_stop(&l->uv);
}

static void on_tap(uv_poll_t *h, int status, int events)
{
	struct loop *l = h->data;

	(void)events;
	if (status < 0 || gateway_tap_ready(l->gw, uv_now(&l->uv))) {
		err("%s: TAP failed: %s", l->gw->tap.name,
		    status < 0 ? uv_strerror(status) : strerror(errno));
		stop(l, 1);
	}
}

static void on_underlay(uv_poll_t *h, int status, int events)
{
	struct loop *l = h->data;
	int fd = h == &l->ucast_poll ? l->gw->ul.ucast_fd : l->gw->ul.mcast_fd;

	(void)events;
	if (status < 0 || gateway_underlay_ready(l->gw, fd, uv_now(&l->uv))) {
		err("underlay socket failed: %s",
		    status < 0 ? uv_strerror(status) : strerror(errno));
		stop(l, 1);
	}
}

static void on_age(uv_timer_t *t)
{
	struct loop *l = t->data;

	l->gw->sw.now = uv_now(&l->uv);
	switch_age(&l->gw->sw, (uint64_t)l->gw->cfg->ageing * 1000);
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
		l->gw->sw.now = uv_now(&l->uv);
		switch_dump(&l->gw->sw, l->gw->tap.name);
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

static int start_poll(struct loop *l, uv_poll_t *p, int fd, uv_poll_cb cb)
{
	int r = uv_poll_init(&l->uv, p, fd);

	if (r)
		return r;
	p->data = l;
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

/**
 * loop_run() - Serve @gw until a signal or a failure stops it
 * @gw:		started gateway
 *
 * Return: exit status: 0 for a stop by SIGINT/SIGTERM, 1 for a runtime failure
 */
int loop_run(struct gateway *gw)
{
	struct loop l;
	int r;

	memset(&l, 0, sizeof(l));
	l.gw = gw;
	r = uv_loop_init(&l.uv);
	if (r) {
		err("event loop: %s", uv_strerror(r));
		return 1;
	}
	if ((r = start_poll(&l, &l.tap_poll, gw->tap.fd, on_tap)) ||
	    (r = start_poll(&l, &l.ucast_poll, gw->ul.ucast_fd, on_underlay)) ||
	    (r = start_poll(&l, &l.mcast_poll, gw->ul.mcast_fd, on_underlay)) ||
	    (r = uv_timer_init(&l.uv, &l.age_timer)) ||
	    (r = start_signal(&l, &l.sig_int, SIGINT)) ||
	    (r = start_signal(&l, &l.sig_term, SIGTERM)) ||
	    (r = start_signal(&l, &l.sig_usr1, SIGUSR1)) ||
	    (r = start_signal(&l, &l.sig_hup, SIGHUP))) {
		err("event loop: %s", uv_strerror(r));
		l.exit_code = 1;
	} else {
		sigset_t sigs;

		/* Blocked by main() during start-up; libuv's handlers take them from here */
		sigemptyset(&sigs);
		sigaddset(&sigs, SIGINT);
		sigaddset(&sigs, SIGTERM);
		sigaddset(&sigs, SIGUSR1);
		sigaddset(&sigs, SIGHUP);
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		l.age_timer.data = &l;
		r = uv_timer_start(&l.age_timer, on_age, AGEING_TICK_MS, AGEING_TICK_MS);
		if (r) {
			err("event loop: %s", uv_strerror(r));
			l.exit_code = 1;
		} else {
			uv_run(&l.uv, UV_RUN_DEFAULT);
		}
	}
	uv_walk(&l.uv, close_all, NULL);
	uv_run(&l.uv, UV_RUN_DEFAULT);
	r = uv_loop_close(&l.uv);
	if (r)
		warn("event loop: %s", uv_strerror(r));
	return l.exit_code;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* gateway.c - One interface joined to one segment: set-up, tear-down and the parts it owns */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "log.h"
#include "netns.h"
#include "proto.h"

/* The clock libuv's uv_now() reads, so FDB times from before the loop compare with its own */
static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* IP + UDP + encapsulation + inner Ethernet: what the underlay MTU must carry beyond the
 * segment MTU (50 on IPv4 for both QDES and VXLAN, whose headers are 8 bytes) */
static unsigned int overhead(const struct qdes_config *cfg)
{
	return (config_family(cfg) == AF_INET6 ? 40 : 20) + 8 +
	       (unsigned int)proto_encap(cfg->encap)->hdr_len + ETH_HLEN_;
}

/* Underlay interface (dev= or the route to the group) and the segment MTU it allows */
static int underlay_link(struct gateway *gw, int *ifindex, char *err, size_t errlen)
{
	const struct qdes_config *cfg = gw->cfg;
	struct nl_link link;
	struct nl nl;
	int oif = 0, ret = -1;

	if (nl_open(&nl)) {
		snprintf(err, errlen, "netlink: %s", nl.err);
		return -1;
	}
	if (cfg->dev[0]) {
		if (nl_link_get(&nl, cfg->dev, &link)) {
			snprintf(err, errlen, "dev: %s", nl.err);
			goto out;
		}
		*ifindex = link.ifindex;
	} else {
		/* The way to the group, or without one to the first peer */
		if (nl_route_get_oif(&nl, cfg->group_set ? &cfg->group : &cfg->peers[0], &oif) ||
		    nl_link_get_by_index(&nl, oif, &link)) {
			if (cfg->mtu) {
				/* The MTU is given; the kernel may still find a way at join. */
				*ifindex = 0;
				ret = 0;
				goto out;
			}
			snprintf(err, errlen, "no route to %s: %s (add one, or set dev= / --dev)",
				 cfg->group_set ? "group" : "peer", nl.err);
			goto out;
		}
		*ifindex = 0;
	}
	if (!cfg->mtu) {
		if (link.mtu < CONFIG_MIN_MTU + overhead(cfg)) {
			snprintf(err, errlen, "underlay MTU %u is too small for a segment",
				 link.mtu);
			goto out;
		}
		gw->mtu = link.mtu - overhead(cfg);
		/* A loopback or jumbo underlay allows more than one datagram can carry */
		if (gw->mtu > CONFIG_MAX_MTU)
			gw->mtu = CONFIG_MAX_MTU;
	}
	ret = 0;
out:
	nl_close(&nl);
	return ret;
}

static int configure_link(struct gateway *gw, char *err, size_t errlen)
{
	const struct qdes_config *cfg = gw->cfg;
	struct nl_link link;
	unsigned int i;

	if (gw->netns_fd >= 0 ? nl_open_in_netns(&gw->nl, gw->netns_fd) : nl_open(&gw->nl)) {
		snprintf(err, errlen, "netlink: %s", gw->nl.err);
		return -1;
	}
	if (nl_link_get(&gw->nl, gw->w[0].tap.name, &link))
		goto nl_fail;
	gw->ifindex = link.ifindex;
	if (cfg->mac_set && nl_link_set_mac(&gw->nl, gw->ifindex, cfg->mac))
		goto nl_fail;
	if (nl_link_set_mtu(&gw->nl, gw->ifindex, gw->mtu))
		goto nl_fail;
	if (cfg->bridge[0]) {
		struct nl_link br;

		if (nl_link_get(&gw->nl, cfg->bridge, &br)) {
			snprintf(err, errlen, "bridge: %s", gw->nl.err);
			return -1;
		}
		if (strcmp(br.kind, "bridge")) {
			snprintf(err, errlen, "bridge %s: is not a bridge (kind '%s')", cfg->bridge,
				 br.kind);
			return -1;
		}
		if (nl_link_set_master(&gw->nl, gw->ifindex, br.ifindex))
			goto nl_fail;
	}
	if (nl_link_set_up(&gw->nl, gw->ifindex, true))
		goto nl_fail;
	/* The MAC in use now (given, or the kernel's random one), to pin in the FDB */
	if (nl_link_get_by_index(&gw->nl, gw->ifindex, &link))
		goto nl_fail;
	memcpy(gw->mac, link.mac, sizeof(gw->mac));
	for (i = 0; i < cfg->n_addrs; i++) {
		char p[INET6_ADDRSTRLEN + 8];

		if (!nl_addr_add(&gw->nl, gw->ifindex, &cfg->addrs[i])) {
			gw->added[i] = true;
			continue;
		}
		/* A persistent TAP may keep an address from our last run: that is what we want. */
		if (errno == EEXIST) {
			info("%s: address %s already present", gw->w[0].tap.name,
			     prefix_str(&cfg->addrs[i], p, sizeof(p)));
			continue;
		}
		goto nl_fail;
	}
	return 0;
nl_fail:
	snprintf(err, errlen, "%s: %s", gw->w[0].tap.name, gw->nl.err);
	return -1;
}

static void tx_unicast(void *ctx, const union qdes_sockaddr *dst, const uint8_t *dgram, size_t len,
		       const struct virtio_net_hdr *vh)
{
	underlay_queue(ctx, dst, dgram, len, vh);
}

static void tx_flood(void *ctx, const uint8_t *dgram, size_t len, const struct virtio_net_hdr *vh)
{
	underlay_queue_flood(ctx, dgram, len, vh);
}

/* A worker's TAP queue, sockets and switch; worker 0 joins the group, the others share its port */
static int worker_start(struct gateway *gw, struct worker *w, const struct underlay_opts *base,
			uint64_t now, char *err, size_t errlen)
{
	const struct qdes_config *cfg = gw->cfg;
	struct underlay_opts uo = *base;
	struct switch_tx tx = {tx_unicast, tx_flood, &w->ul};
	char tmp[GATEWAY_ERRLEN];

	if (w->index) {
		const struct worker *first = &gw->w[0];

		if (tap_open(&w->tap, cfg->ifname, gw->netns_fd, first->tap.offload, true, &w->cnt,
			     tmp, sizeof(tmp)))
			goto fail;
		uo.port = addr_port(&first->ul.bound);
		uo.self = &first->ul.self;
	}
	uo.offload = w->tap.offload;
	if (underlay_open(&w->ul, &uo, &w->cnt, tmp, sizeof(tmp)))
		goto fail;
	switch_init(&w->sw, gw->fdb, cfg->network_id, gw->mtu, &tx, &w->cnt);
	switch_set_encap(&w->sw, proto_encap(cfg->encap),
			 proto_encap(cfg->encap)->peer_port ? addr_port(&cfg->group) : 0);
	w->sw.now = now;
	w->sw.flood_peers = w->ul.peers;
	w->sw.n_flood_peers = w->ul.n_peers;
	if ((w->tap.fd >= 0 && switch_add_port(&w->sw, &w->tap.port) < 0) ||
	    switch_add_self(&w->sw, &w->ul.self) ||
	    (!addr_equal(&w->ul.self, &w->ul.bound) && !addr_is_any(&w->ul.bound) &&
	     switch_add_self(&w->sw, &w->ul.bound))) {
		snprintf(err, errlen, "switch: no room for the TAP port");
		return -1;
	}
	return 0;
fail:
	if (w->index)
		snprintf(err, errlen, "worker %u: %s", w->index, tmp);
	else
		snprintf(err, errlen, "%s", tmp);
	return -1;
}

/**
 * gateway_start() - Open and configure everything for one interface
 * @gw:		filled in
 * @cfg:	configuration (kept by reference)
 * @err:	one line on failure
 * @errlen:	its size
 *
 * On failure, everything already done is undone.
 *
 * Return: 0, or -1 with @err set
 */
int gateway_start(struct gateway *gw, const struct qdes_config *cfg, char *err, size_t errlen)
{
	struct underlay_opts uo = {0};
	char path[PATH_MAX], tmp[GATEWAY_ERRLEN];
	uint64_t seed, now = monotonic_ms();
	bool mq = cfg->workers > 1;
	unsigned int i;

	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->netns_fd = -1;
	gw->guests.fd = -1;
	gw->mtu = cfg->mtu;
	gw->w = calloc(cfg->workers, sizeof(*gw->w));
	if (!gw->w) {
		snprintf(err, errlen, "cannot allocate %u workers", cfg->workers);
		return -1;
	}
	gw->n_workers = cfg->workers;
	for (i = 0; i < gw->n_workers; i++) {
		gw->w[i].gw = gw;
		gw->w[i].index = i;
		gw->w[i].tap.fd = -1;
		gw->w[i].ul.ucast_fd = gw->w[i].ul.mcast_fd = -1;
	}

	if (cfg->netns[0]) {
		gw->netns_fd = netns_open(cfg->netns, path, sizeof(path));
		if (gw->netns_fd < 0) {
			snprintf(err, errlen, "netns %s: cannot open %s: %s", cfg->netns, path,
				 errno == ENOTNAM ? "not a network namespace" : strerror(errno));
			goto fail;
		}
	}
	if (underlay_link(gw, &uo.ifindex, err, errlen))
		goto fail;
	if (config_has_tap(cfg)) {
		if (tap_open(&gw->w[0].tap, cfg->ifname, gw->netns_fd, cfg->offload, mq,
			     &gw->w[0].cnt, tmp, sizeof(tmp))) {
			snprintf(err, errlen, "%s", tmp);
			goto fail;
		}
		if (configure_link(gw, err, errlen))
			goto fail;
	}

	/* The FDB hash is keyed: MACs come from the network and must not choose our buckets. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		goto fail;
	}
	gw->fdb = fdb_new(cfg->max_entries, seed);
	if (!gw->fdb) {
		snprintf(err, errlen, "cannot allocate an FDB of %u entries", cfg->max_entries);
		goto fail;
	}
	if (!mac_is_zero(gw->mac) &&
	    fdb_add_local_static(gw->fdb, (uint16_t)cfg->network_id, gw->mac, 0, now) == FDB_FULL) {
		snprintf(err, errlen, "FDB: no room for the interface's own MAC");
		goto fail;
	}

	uo.group = cfg->group_set ? &cfg->group : NULL;
	uo.family = config_family(cfg);
	uo.peers = cfg->peers;
	uo.n_peers = cfg->n_peers;
	uo.local = cfg->local_set ? &cfg->local : NULL;
	uo.port = cfg->port;
	uo.ttl = cfg->ttl;
	uo.encap_len = proto_encap(cfg->encap)->hdr_len;
	uo.max_frame = gw->mtu + ETH_HLEN_;
	uo.reuseport = mq;
	for (i = 0; i < gw->n_workers; i++)
		if (worker_start(gw, &gw->w[i], &uo, now, err, errlen))
			goto fail;
	/* Last: a guest may connect as soon as the socket exists */
	if (cfg->qemu_socket[0] && stream_listen(&gw->guests, cfg->qemu_socket, err, errlen))
		goto fail;
	return 0;
fail:
	gateway_stop(gw);
	return -1;
}

/**
 * gateway_stop() - Tell the segment we leave, and undo what we did
 * @gw:		gateway, started or half-started
 *
 * A TAP we created vanishes with its descriptors; a persistent one stays, without the addresses
 * we added to it.
 */
void gateway_stop(struct gateway *gw)
{
	const struct qdes_config *cfg = gw->cfg;
	struct worker *first = gw->n_workers ? &gw->w[0] : NULL;
	unsigned int i;

	for (i = 0; i < SWITCH_MAX_PORTS; i++) {
		stream_conn_free(gw->conns[i]);
		gw->conns[i] = NULL;
	}
	stream_unlisten(&gw->guests);
	/* VXLAN has no leave notice: its members age our MACs out */
	if (first && first->ul.ucast_fd >= 0 && proto_encap(cfg->encap)->leave) {
		uint8_t hdr[PROTO_HEADROOM];
		const struct encap_ops *e = proto_encap(cfg->encap);

		e->encode(hdr, cfg->network_id);
		if (underlay_send_leave(&first->ul, hdr, e->hdr_len))
			warn("%s: leave notice not sent: %s", cfg->ifname, strerror(errno));
	}
	if (first && first->tap.fd >= 0 && !first->tap.created && gw->nl.sock) {
		for (i = 0; i < cfg->n_addrs; i++)
			if (gw->added[i] && nl_addr_del(&gw->nl, gw->ifindex, &cfg->addrs[i]))
				warn("%s: %s", first->tap.name, gw->nl.err);
	}
	for (i = 0; i < gw->n_workers; i++) {
		underlay_close(&gw->w[i].ul);
		tap_close(&gw->w[i].tap);
	}
	free(gw->w);
	gw->w = NULL;
	gw->n_workers = 0;
	if (gw->nl.sock)
		nl_close(&gw->nl);
	if (gw->fdb)
		fdb_free(gw->fdb);
	gw->fdb = NULL;
	if (gw->netns_fd >= 0)
		close(gw->netns_fd);
	gw->netns_fd = -1;
}

static void on_tap_frame(void *arg, uint8_t *frame, size_t len, const struct virtio_net_hdr *vh)
{
	struct worker *w = arg;

	switch_from_port(&w->sw, &w->tap.port, frame, len, vh);
}

/*
 * The TAP queue is readable: forward up to a few bursts, each closed by one batched send.
 * Return: 0, or -1 if the TAP failed (errno set): it was deleted under us, say.
 */
int gateway_tap_ready(struct worker *w, uint64_t now)
{
	int round, n;

	w->sw.now = now;
	for (round = 0; round < 4; round++) {
		n = tap_recv(&w->tap, on_tap_frame, w);
		underlay_flush(&w->ul);
		switch_flush_ports(&w->sw);
		if (n < TAP_BATCH)
			return n < 0 ? -1 : 0;
	}
	return 0;
}

static void on_datagram(void *arg, const union qdes_sockaddr *src, const uint8_t *dgram, size_t len)
{
	struct worker *w = arg;

	switch_from_underlay(&w->sw, src, dgram, len);
}

/* Return: 0, or -1 if the socket failed (errno set) */
int gateway_underlay_ready(struct worker *w, int fd, uint64_t now)
{
	int n;

	w->sw.now = now;
	n = underlay_recv(&w->ul, fd, on_datagram, w);
	switch_flush_ports(&w->sw);
	return n < 0 ? -1 : 0;
}

/**
 * gateway_guest_accept() - A guest connected to the QEMU socket: make it a port
 * @gw:		gateway
 *
 * Guests are ports of the first worker's switch (qemu_socket= needs workers = 1).
 *
 * Return: the guest's port, or NULL with errno set: EAGAIN when no one else is waiting
 */
struct stream_conn *gateway_guest_accept(struct gateway *gw)
{
	struct worker *w = &gw->w[0];
	struct stream_conn *c;
	int id;

	c = stream_accept(&gw->guests, gw->mtu, &w->cnt);
	if (!c) {
		if (errno != EAGAIN && errno != EINTR)
			warn("qemu socket %s: cannot accept a guest: %s", gw->guests.path,
			     strerror(errno));
		return NULL;
	}
	id = switch_add_port(&w->sw, &c->port);
	if (id < 0) {
		warn("qemu socket %s: %s refused: all %d switch ports are taken", gw->guests.path,
		     c->port.name, SWITCH_MAX_PORTS);
		stream_conn_free(c);
		errno = ENOSPC;
		return NULL;
	}
	gw->conns[id] = c;
	w->cnt.qemu_connected++;
	notice("qemu socket %s: guest %s connected (pid %d)", gw->guests.path, c->port.name,
	       (int)c->pid);
	return c;
}

static void on_guest_frame(void *arg, struct stream_conn *c, uint8_t *frame, size_t len)
{
	struct worker *w = arg;

	switch_from_port(&w->sw, &c->port, frame, len, NULL);
}

/*
 * A guest's socket is readable: forward up to a few reads' worth of frames, each read closed by
 * one batched send (its frames live in the port's arena until the next read).
 * Return: 0, or -1 when the guest is gone (gateway_guest_close() it)
 */
int gateway_guest_ready(struct gateway *gw, struct stream_conn *c, uint64_t now)
{
	struct worker *w = &gw->w[0];
	int round, n = 0;

	w->sw.now = now;
	for (round = 0; round < 4; round++) {
		n = stream_recv(c, on_guest_frame, w);
		underlay_flush(&w->ul);
		switch_flush_ports(&w->sw);
		if (n <= 0)
			break;
	}
	return n < 0 ? -1 : 0;
}

/* Remove a guest's port, its MACs with it, and free it */
void gateway_guest_close(struct gateway *gw, struct stream_conn *c)
{
	struct worker *w = &gw->w[0];
	uint64_t flushed = w->cnt.fdb_flushed;

	switch_del_port(&w->sw, &c->port);
	if (c->port.id < SWITCH_MAX_PORTS && gw->conns[c->port.id] == c)
		gw->conns[c->port.id] = NULL;
	w->cnt.qemu_disconnected++;
	notice("qemu socket %s: guest %s disconnected: %s; %llu fdb entries flushed",
	       gw->guests.path, c->port.name, c->err[0] ? c->err : "closed",
	       (unsigned long long)(w->cnt.fdb_flushed - flushed));
	stream_conn_free(c);
}

void gateway_age(struct gateway *gw, uint64_t now)
{
	gw->w[0].sw.now = now;
	switch_age(&gw->w[0].sw, (uint64_t)gw->cfg->ageing * 1000);
}

/* The counters of all workers, read while they run: each value is a recent one */
void gateway_dump(struct gateway *gw, uint64_t now)
{
	struct qdes_counters total = {0};
	unsigned int i;

	for (i = 0; i < gw->n_workers; i++) {
		const struct qdes_counters *c = &gw->w[i].cnt;

#define SUM_COUNTER(name) total.name += __atomic_load_n(&c->name, __ATOMIC_RELAXED);
		QDES_COUNTERS(SUM_COUNTER)
#undef SUM_COUNTER
	}
	gw->w[0].sw.now = now;
	switch_dump(&gw->w[0].sw, gw->cfg->ifname, &total);
}

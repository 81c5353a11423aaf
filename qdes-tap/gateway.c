// SPDX-License-Identifier: GPL-2.0-or-later
/* gateway.c - One interface joined to one segment: set-up, tear-down and the parts it owns */

#include <errno.h>
#include <stdio.h>
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

/* IP + UDP + QDES + inner Ethernet: what the underlay MTU must carry beyond the segment MTU */
static unsigned int overhead(int family)
{
	return (family == AF_INET6 ? 40 : 20) + 8 + QDES_HDR_LEN + ETH_HLEN_;
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
		if (nl_route_get_oif(&nl, &cfg->group, &oif) ||
		    nl_link_get_by_index(&nl, oif, &link)) {
			if (cfg->mtu) {
				/* The MTU is given; the kernel may still find a way at join. */
				*ifindex = 0;
				ret = 0;
				goto out;
			}
			snprintf(err, errlen,
				 "no route to group: %s (add one, or set dev= / --dev)", nl.err);
			goto out;
		}
		*ifindex = 0;
	}
	if (!cfg->mtu) {
		if (link.mtu < CONFIG_MIN_MTU + overhead(cfg->group.sa.sa_family)) {
			snprintf(err, errlen, "underlay MTU %u is too small for a segment",
				 link.mtu);
			goto out;
		}
		gw->mtu = link.mtu - overhead(cfg->group.sa.sa_family);
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
	if (nl_link_get(&gw->nl, gw->tap.name, &link))
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
			info("%s: address %s already present", gw->tap.name,
			     prefix_str(&cfg->addrs[i], p, sizeof(p)));
			continue;
		}
		goto nl_fail;
	}
	return 0;
nl_fail:
	snprintf(err, errlen, "%s: %s", gw->tap.name, gw->nl.err);
	return -1;
}

static void tx_unicast(void *ctx, const union qdes_sockaddr *dst, const uint8_t *dgram, size_t len,
		       const struct virtio_net_hdr *vh)
{
	underlay_queue(ctx, dst, dgram, len, vh);
}

static void tx_flood(void *ctx, const uint8_t *dgram, size_t len, const struct virtio_net_hdr *vh)
{
	struct underlay *ul = ctx;

	underlay_queue(ul, &ul->group, dgram, len, vh);
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
	struct switch_tx tx = {tx_unicast, tx_flood, NULL};
	char path[PATH_MAX], tmp[GATEWAY_ERRLEN];
	uint64_t seed;

	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->netns_fd = -1;
	gw->tap.fd = -1;
	gw->ul.ucast_fd = gw->ul.mcast_fd = -1;
	gw->mtu = cfg->mtu;

	if (cfg->netns[0]) {
		gw->netns_fd = netns_open(cfg->netns, path, sizeof(path));
		if (gw->netns_fd < 0) {
			snprintf(err, errlen, "netns %s: cannot open %s: %s", cfg->netns, path,
				 errno == ENOTNAM ? "not a network namespace" : strerror(errno));
			return -1;
		}
	}
	if (underlay_link(gw, &uo.ifindex, err, errlen))
		goto fail;
	if (tap_open(&gw->tap, cfg->ifname, gw->netns_fd, cfg->offload, &gw->cnt, tmp,
		     sizeof(tmp))) {
		snprintf(err, errlen, "%s", tmp);
		goto fail;
	}
	if (configure_link(gw, err, errlen))
		goto fail;

	uo.group = &cfg->group;
	uo.local = cfg->local_set ? &cfg->local : NULL;
	uo.port = cfg->port;
	uo.ttl = cfg->ttl;
	uo.offload = gw->tap.offload;
	uo.encap_len = QDES_HDR_LEN;
	uo.max_frame = gw->mtu + ETH_HLEN_;
	if (underlay_open(&gw->ul, &uo, &gw->cnt, tmp, sizeof(tmp))) {
		snprintf(err, errlen, "%s", tmp);
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
	tx.ctx = &gw->ul;
	switch_init(&gw->sw, gw->fdb, (uint16_t)cfg->network_id, gw->mtu, &tx, &gw->cnt);
	if (switch_add_port(&gw->sw, &gw->tap.port) < 0 || switch_add_self(&gw->sw, &gw->ul.self) ||
	    (!addr_equal(&gw->ul.self, &gw->ul.bound) && !addr_is_any(&gw->ul.bound) &&
	     switch_add_self(&gw->sw, &gw->ul.bound))) {
		snprintf(err, errlen, "switch: no room for the TAP port");
		goto fail;
	}
	if (!mac_is_zero(gw->mac) &&
	    fdb_add_local_static(gw->fdb, (uint16_t)cfg->network_id, gw->mac, gw->tap.port.id,
				 monotonic_ms()) == FDB_FULL) {
		snprintf(err, errlen, "FDB: no room for the interface's own MAC");
		goto fail;
	}
	return 0;
fail:
	gateway_stop(gw);
	return -1;
}

/**
 * gateway_stop() - Tell the segment we leave, and undo what we did
 * @gw:		gateway, started or half-started
 *
 * A TAP we created vanishes with its descriptor; a persistent one stays, without the addresses
 * we added to it.
 */
void gateway_stop(struct gateway *gw)
{
	const struct qdes_config *cfg = gw->cfg;
	unsigned int i;

	if (gw->ul.ucast_fd >= 0) {
		uint8_t hdr[QDES_HDR_LEN];

		proto_qdes_encode(hdr, (uint16_t)cfg->network_id);
		if (underlay_send_leave(&gw->ul, hdr, sizeof(hdr)))
			warn("%s: leave notice not sent: %s", cfg->ifname, strerror(errno));
	}
	underlay_close(&gw->ul);
	if (gw->tap.fd >= 0 && !gw->tap.created && gw->nl.sock) {
		for (i = 0; i < cfg->n_addrs; i++)
			if (gw->added[i] && nl_addr_del(&gw->nl, gw->ifindex, &cfg->addrs[i]))
				warn("%s: %s", gw->tap.name, gw->nl.err);
	}
	tap_close(&gw->tap);
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
	struct gateway *gw = arg;

	switch_from_port(&gw->sw, &gw->tap.port, frame, len, vh);
}

/*
 * The TAP is readable: forward up to a few bursts, each closed by one batched send.
 * Return: 0, or -1 if the TAP failed (errno set): it was deleted under us, say.
 */
int gateway_tap_ready(struct gateway *gw, uint64_t now)
{
	int round, n;

	gw->sw.now = now;
	for (round = 0; round < 4; round++) {
		n = tap_recv(&gw->tap, on_tap_frame, gw);
		underlay_flush(&gw->ul);
		if (n < TAP_BATCH)
			return n < 0 ? -1 : 0;
	}
	return 0;
}

static void on_datagram(void *arg, const union qdes_sockaddr *src, const uint8_t *dgram, size_t len)
{
	struct gateway *gw = arg;

	switch_from_underlay(&gw->sw, src, dgram, len);
}

/* Return: 0, or -1 if the socket failed (errno set) */
int gateway_underlay_ready(struct gateway *gw, int fd, uint64_t now)
{
	int n;

	gw->sw.now = now;
	n = underlay_recv(&gw->ul, fd, on_datagram, gw);
	switch_flush_ports(&gw->sw);
	return n < 0 ? -1 : 0;
}

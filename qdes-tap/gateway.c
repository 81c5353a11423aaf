// SPDX-License-Identifier: GPL-2.0-or-later
/* gateway.c - One interface joined to one segment: set-up, tear-down and the parts it owns */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "log.h"
#include "macid.h"
#include "netns.h"
#include "proto.h"
#include "util.h"

/* IP + UDP + encapsulation + inner Ethernet: what the underlay MTU must carry beyond the
 * segment MTU (50 on IPv4 for both QDES and VXLAN, whose headers are 8 bytes) */
static unsigned int overhead(const struct qdes_config *cfg)
{
	const struct encap_ops *e = config_encap(cfg);

	return (config_family(cfg) == AF_INET6 ? 40 : 20) + 8 + (unsigned int)e->hdr_len +
	       (unsigned int)e->tail_len + ETH_HLEN_;
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

/* The stable MAC of TAP @name in namespace @netns_fd (-1: ours) on @cfg's segment: 1 with @mac
 * set, 0 when it cannot be derived (the kernel's random one stays, as said in an info line) */
static int derive_mac(const struct qdes_config *cfg, int netns_fd, const char *name,
		      uint8_t mac[ETH_ALEN_])
{
	char id[MACID_MACHINE_LEN + 1], seg[64], ns[NAME_MAX + 1];

	if (macid_read_machine_id(MACID_MACHINE_PATH, id)) {
		info("%s: no machine id in %s (%s): the MAC is random", name, MACID_MACHINE_PATH,
		     errno == EINVAL ? "not one" : strerror(errno));
		return 0;
	}
	/* The TAP's namespace counts: members in namespaces of one host share the machine id */
	if (netns_identify(netns_fd, ns, sizeof(ns))) {
		info("%s: cannot name the network namespace (%s): the MAC is random", name,
		     strerror(errno));
		return 0;
	}
	snprintf(seg, sizeof(seg), "%s %u", config_encap(cfg)->name, (unsigned int)cfg->network_id);
	if (macid_derive(id, seg, ns, name, mac)) {
		warn("%s: cannot derive a MAC (libcrypto): the MAC is random", name);
		return 0;
	}
	return 1;
}

/* The MAC to give the TAP: 1 with @mac set, 0 to leave the one it has (mac = random, or a TAP
 * that existed before us: it keeps what its owner gave it) */
static int tap_mac(const struct gateway *gw, uint8_t mac[ETH_ALEN_])
{
	const struct qdes_config *cfg = gw->cfg;

	if (cfg->mac_set) {
		memcpy(mac, cfg->mac, ETH_ALEN_);
		return 1;
	}
	if (cfg->mac_random || !gw->tap->created)
		return 0;
	return derive_mac(cfg, gw->netns_fd, gw->tap->name, mac);
}

/* net.ipv6.conf.IFNAME.ndisc_notify = 1: an unsolicited neighbour advertisement for each address
 * once it is usable. Only /proc has it, as seen from the TAP's namespace. A kernel without IPv6
 * has no such file, and nothing to announce. Fails only when it cannot return to our namespace. */
static int set_ndisc_notify(int netns_fd, const char *name, char *err, size_t errlen)
{
	char path[64 + IFNAMSIZ];
	int saved = -1, fd, e = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/ndisc_notify", name);
	if (netns_fd >= 0 && (saved = netns_enter(netns_fd)) < 0) {
		warn("%s: ndisc_notify: cannot enter the namespace: %s", name, strerror(errno));
		return 0;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (saved >= 0 && netns_leave(saved)) {
		snprintf(err, errlen, "%s: cannot return to our network namespace: %s", name,
			 strerror(errno));
		return -1;
	}
	if (e && e != ENOENT)
		warn("%s: cannot set %s: %s (neighbours learn a new MAC only when their entries "
		     "expire)",
		     name, path, strerror(e));
	return 0;
}

/*
 * What every TAP of ours gets before its addresses: its MAC (@mac, NULL: leave it), MTU, and
 * the announcements. Return: 0; -1 with @nl's error (*@nl_failed) or @err set
 */
static int link_basics(struct nl *nl, const struct nl_link *link, int netns_fd, const uint8_t *mac,
		       unsigned int mtu, bool *nl_failed, char *err, size_t errlen)
{
	*nl_failed = true;
	if (mac && memcmp(mac, link->mac, ETH_ALEN_) && nl_link_set_mac(nl, link->ifindex, mac))
		return -1;
	if (nl_link_set_mtu(nl, link->ifindex, mtu))
		return -1;
	if (nl_link_set_arp_notify(nl, link->ifindex))
		warn("%s: %s (neighbours learn a new MAC only when their entries expire)",
		     link->name, nl->err);
	*nl_failed = false;
	return set_ndisc_notify(netns_fd, link->name, err, errlen);
}

/* Addresses and the announcement come before the link goes up: the kernel announces, at
 * NETDEV_UP, the addresses the link has then. */
static int configure_link(struct gateway *gw, char *err, size_t errlen)
{
	const struct qdes_config *cfg = gw->cfg;
	struct nl_link link;
	uint8_t mac[ETH_ALEN_];
	unsigned int i;
	bool nl_failed;

	if (gw->netns_fd >= 0 ? nl_open_in_netns(&gw->nl, gw->netns_fd) : nl_open(&gw->nl)) {
		snprintf(err, errlen, "netlink: %s", gw->nl.err);
		return -1;
	}
	if (nl_link_get(&gw->nl, gw->tap->name, &link))
		goto nl_fail;
	gw->ifindex = link.ifindex;
	if (link_basics(&gw->nl, &link, gw->netns_fd, tap_mac(gw, mac) ? mac : NULL, gw->mtu,
			&nl_failed, err, errlen)) {
		if (nl_failed)
			goto nl_fail;
		return -1;
	}
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
	for (i = 0; i < cfg->n_addrs; i++) {
		char p[INET6_ADDRSTRLEN + 8];

		if (!nl_addr_add(&gw->nl, gw->ifindex, &cfg->addrs[i])) {
			gw->added[i] = true;
			continue;
		}
		/* A persistent TAP may keep an address from our last run: that is what we want. */
		if (errno == EEXIST) {
			info("%s: address %s already present", gw->tap->name,
			     prefix_str(&cfg->addrs[i], p, sizeof(p)));
			continue;
		}
		goto nl_fail;
	}
	if (nl_link_set_up(&gw->nl, gw->ifindex, true))
		goto nl_fail;
	/* The MAC in use now (given, derived or the kernel's random one), to pin in the FDB */
	if (nl_link_get_by_index(&gw->nl, gw->ifindex, &link))
		goto nl_fail;
	memcpy(gw->mac, link.mac, sizeof(gw->mac));
	return 0;
nl_fail:
	snprintf(err, errlen, "%s: %s", gw->tap->name, gw->nl.err);
	return -1;
}

/**
 * gateway_port_named() - The port called @name, or NULL
 * @gw:		gateway
 * @name:	its name (an interface's, or a guest's)
 */
struct qdes_port *gateway_port_named(struct gateway *gw, const char *name)
{
	unsigned int i;

	for (i = 0; i < gw->ports.end; i++)
		if (gw->ports.slot[i] && !strcmp(gw->ports.slot[i]->name, name))
			return gw->ports.slot[i];
	return NULL;
}

/* Move @tap, made in our namespace, into @netns_fd's as @name */
static int move_tap(struct tap *tap, int netns_fd, const char *name, char *err, size_t errlen)
{
	struct nl_link link;
	struct nl nl;
	int r;

	if (nl_open(&nl)) {
		snprintf(err, errlen, "netlink: %s", nl.err);
		return -1;
	}
	r = nl_link_get(&nl, tap->name, &link);
	if (!r)
		r = nl_link_set_netns(&nl, link.ifindex, netns_fd, name);
	if (r)
		snprintf(err, errlen, "%s",
			 errno == EEXIST ? "exists already in that namespace" : nl.err);
	nl_close(&nl);
	if (r)
		return -1;
	snprintf(tap->name, sizeof(tap->name), "%s", name);
	return 0;
}

/**
 * gateway_tap_port() - A TAP port made at run time (port add): created in its namespace, given
 * its MAC, MTU and addresses, and up
 * @gw:		gateway, running
 * @ps:		what it is made with
 * @err:	one line on failure (nothing is left behind then)
 * @errlen:	its size
 *
 * Return: the port, not in the table yet (the loop adds and polls it), or NULL with @err set
 */
struct qdes_port *gateway_tap_port(struct gateway *gw, const struct port_spec *ps, char *err,
				   size_t errlen)
{
	unsigned int mtu = ps->mtu ? ps->mtu : gw->mtu, i;
	char path[PATH_MAX], tmp[GATEWAY_ERRLEN], name[IFNAMSIZ];
	struct nl nl = {0};
	bool opened = false, nl_failed;
	struct tap *tap = NULL;
	uint8_t mac[ETH_ALEN_];
	struct nl_link link;
	int netns_fd = -1;

	if (gateway_port_named(gw, ps->name)) {
		snprintf(err, errlen, "a port of that name exists");
		return NULL;
	}
	if (mtu > gw->mtu) {
		snprintf(err, errlen, "mtu %u is over the segment's, %u", mtu, gw->mtu);
		return NULL;
	}
	if (ps->netns[0]) {
		netns_fd = netns_open(ps->netns, path, sizeof(path));
		if (netns_fd < 0) {
			snprintf(err, errlen, "netns %s: cannot open %s: %s", ps->netns, path,
				 errno == ENOTNAM ? "not a network namespace" : strerror(errno));
			return NULL;
		}
	}
	/*
	 * In another namespace, the TAP is made here under a name of our own and moved there as
	 * IFNAME: the tun file's socket belongs to the namespace /dev/net/tun was opened in, and
	 * one opened over there would keep that namespace alive when its container is gone. Made
	 * here, the kernel deletes the TAP with the namespace, and the port goes by itself.
	 */
	if (netns_fd >= 0)
		snprintf(name, sizeof(name), "qdt%x.%u", (unsigned int)getpid() & 0xfffffU,
			 gw->ports_made++ % 1000000U);
	else
		snprintf(name, sizeof(name), "%s", ps->ifname);
	tap = tap_open(name, -1, gw->tap_offload, 1, tmp, sizeof(tmp));
	if (!tap) {
		snprintf(err, errlen, "%s", tmp);
		goto fail;
	}
	/* Ours alone: it goes with the port, and nothing of someone else's is changed */
	if (!tap->created) {
		snprintf(err, errlen, "exists already (port add makes its own TAP)");
		goto fail;
	}
	if (netns_fd >= 0 && move_tap(tap, netns_fd, ps->ifname, err, errlen))
		goto fail;
	snprintf(tap->port.name, sizeof(tap->port.name), "%s", ps->name);
	tap->port.flags &= ~PORT_F_VITAL;
	if (gw->n_workers > 1 && tap_share(tap)) {
		snprintf(err, errlen, "cannot share the TAP between workers");
		goto fail;
	}
	if (netns_fd >= 0 ? nl_open_in_netns(&nl, netns_fd) : nl_open(&nl)) {
		snprintf(err, errlen, "netlink: %s", nl.err);
		goto fail;
	}
	opened = true;
	if (nl_link_get(&nl, tap->name, &link))
		goto nl_fail;
	if (ps->mac)
		memcpy(mac, ps->mac, ETH_ALEN_);
	if (link_basics(&nl, &link, netns_fd,
			ps->mac || derive_mac(gw->cfg, netns_fd, tap->name, mac) ? mac : NULL, mtu,
			&nl_failed, err, errlen)) {
		if (nl_failed)
			goto nl_fail;
		goto fail;
	}
	for (i = 0; i < ps->n_addrs; i++)
		if (nl_addr_add(&nl, link.ifindex, &ps->addrs[i]))
			goto nl_fail;
	if (nl_link_set_up(&nl, link.ifindex, true))
		goto nl_fail;
	nl_close(&nl);
	if (netns_fd >= 0)
		close(netns_fd);
	return &tap->port;
nl_fail:
	snprintf(err, errlen, "%s", nl.err);
fail:
	if (opened)
		nl_close(&nl);
	if (tap)
		tap->port.ops->close(&tap->port);
	if (netns_fd >= 0)
		close(netns_fd);
	return NULL;
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

static void tx_flush(void *ctx)
{
	underlay_flush(ctx);
}

/* A worker's sockets and switch; worker 0 joins the group, the others share its port */
static int worker_start(struct gateway *gw, struct worker *w, const struct underlay_opts *base,
			uint64_t now, char *err, size_t errlen)
{
	const struct qdes_config *cfg = gw->cfg;
	struct underlay_opts uo = *base;
	struct switch_tx tx = {tx_unicast, tx_flood, tx_flush, &w->ul};
	char tmp[GATEWAY_ERRLEN];

	if (w->index) {
		const struct worker *first = &gw->w[0];

		uo.port = addr_port(&first->ul.bound);
		uo.self = &first->ul.self;
	}
	if (gw->keys.n) {
		uint64_t session;

		/* Its own session: no counter shared between workers on the data path */
		if (getrandom(&session, sizeof(session), 0) != sizeof(session)) {
			snprintf(tmp, sizeof(tmp), "getrandom: %s", strerror(errno));
			goto fail;
		}
		if (seal_tx_init(&w->seal_tx, &gw->keys.key[0], session) ||
		    seal_rx_add_own(&gw->seal, session)) {
			snprintf(tmp, sizeof(tmp), "cannot set up sealing (libcrypto)");
			goto fail;
		}
		uo.seal = &w->seal_tx;
	}
	if (underlay_open(&w->ul, &uo, &w->cnt, tmp, sizeof(tmp)))
		goto fail;
	switch_init(&w->sw, gw->fdb, &gw->ports, cfg->network_id, gw->mtu, &tx, &w->cnt);
	switch_set_encap(&w->sw, config_encap(cfg),
			 config_encap(cfg)->peer_port ? addr_port(&cfg->group) : 0);
	if (gw->keys.n)
		w->sw.seal = &gw->seal;
	w->sw.worker = w->index;
	w->sw.now = now;
	w->sw.flood_peers = w->ul.peers;
	w->sw.n_flood_peers = w->ul.n_peers;
	peerstat_init(&w->pstats, (uint64_t)(uintptr_t)w ^ now);
	w->sw.pstats = &w->pstats;
	if (switch_add_self(&w->sw, &w->ul.self) ||
	    (!addr_equal(&w->ul.self, &w->ul.bound) && !addr_is_any(&w->ul.bound) &&
	     switch_add_self(&w->sw, &w->ul.bound))) {
		snprintf(err, errlen, "switch: too many addresses of our own");
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

/* Close the TAP's port (every queue): a TAP we created disappears with it */
static void tap_port_close(struct gateway *gw)
{
	if (!gw->tap)
		return;
	if (gw->ports_init)
		port_table_remove(&gw->ports, &gw->tap->port);
	gw->tap->port.ops->close(&gw->tap->port);
	gw->tap = NULL;
}

/**
 * gateway_start() - Open and configure everything for one interface
 * @gw:		filled in
 * @cfg:	configuration (kept by reference)
 * @keys:	the segment keys, loaded from key= and key_next=; NULL or none: not sealed
 * @err:	one line on failure
 * @errlen:	its size
 *
 * On failure, everything already done is undone.
 *
 * Return: 0, or -1 with @err set
 */
/* A port of kind @kind (port_kinds.h) as the configuration names it, into the table */
static int gateway_open_port(struct gateway *gw, unsigned int kind, char *err, size_t errlen)
{
	const struct port_kind *k = config_port_kind(kind, NULL);
	const struct port_env env = {.mtu = gw->mtu, .cnt = &gw->w[0].cnt};
	struct qdes_port *p = k->open(gw->cfg->ports[kind], &env, err, errlen);

	if (!p)
		return -1;
	if (port_table_add(&gw->ports, p) < 0) {
		p->ops->close(p);
		snprintf(err, errlen, "%s %s: no room in the port table", k->what,
			 gw->cfg->ports[kind]);
		return -1;
	}
	return 0;
}

int gateway_start(struct gateway *gw, const struct qdes_config *cfg,
		  const struct seal_keyring *keys, char *err, size_t errlen)
{
	struct underlay_opts uo = {0};
	char path[PATH_MAX], tmp[GATEWAY_ERRLEN];
	uint64_t seed, now = monotonic_ms();
	unsigned int i;

	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->netns_fd = -1;
	gw->mtu = cfg->mtu;
	gw->w = calloc(cfg->workers, sizeof(*gw->w));
	if (!gw->w) {
		snprintf(err, errlen, "cannot allocate %u workers", cfg->workers);
		return -1;
	}
	gw->n_workers = cfg->workers;
	if (keys && keys->n) {
		gw->keys = *keys;
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed) ||
		    seal_rx_init(&gw->seal, keys, seed)) {
			snprintf(err, errlen, "cannot set up the session table");
			goto fail;
		}
	}
	for (i = 0; i < gw->n_workers; i++) {
		gw->w[i].gw = gw;
		gw->w[i].index = i;
		gw->w[i].ul.ucast_fd = gw->w[i].ul.mcast_fd = -1;
	}
	if (port_table_init(&gw->ports)) {
		snprintf(err, errlen, "cannot make the port table");
		goto fail;
	}
	gw->ports_init = true;

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
		gw->tap = tap_open(cfg->ifname, gw->netns_fd, cfg->offload, gw->n_workers, tmp,
				   sizeof(tmp));
		if (!gw->tap) {
			snprintf(err, errlen, "%s", tmp);
			goto fail;
		}
		/* The first port, id 0: the one the interface's own MAC is pinned to */
		if (port_table_add(&gw->ports, &gw->tap->port) < 0) {
			tap_port_close(gw);
			snprintf(err, errlen, "%s: no room in the port table", cfg->ifname);
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
	if (gw->tap && !mac_is_zero(gw->mac) &&
	    fdb_add_local_static(gw->fdb, (uint16_t)cfg->network_id, gw->mac, gw->tap->port.id,
				 now) == FDB_FULL) {
		snprintf(err, errlen, "FDB: no room for the interface's own MAC");
		goto fail;
	}

	for (i = 0; i < cfg->n_fdb; i++) {
		char m[MAC_STRLEN], local[IFNAMSIZ];

		if (gateway_fdb_add(gw, cfg->fdb[i].mac, &cfg->fdb[i].dst, now, local)) {
			snprintf(err, errlen, "fdb %s: %s", mac_str(cfg->fdb[i].mac, m),
				 errno == EEXIST ? "is the interface's own address"
						 : "no room in the FDB");
			goto fail;
		}
	}

	uo.group = cfg->group_set ? &cfg->group : NULL;
	uo.family = config_family(cfg);
	uo.peers = cfg->peers;
	uo.n_peers = cfg->n_peers;
	uo.local = cfg->local_set ? &cfg->local : NULL;
	uo.port = cfg->port;
	uo.ttl = cfg->ttl;
	uo.encap_len = config_encap(cfg)->hdr_len;
	uo.tail_len = config_encap(cfg)->tail_len;
	uo.max_frame = gw->mtu + ETH_HLEN_;
	uo.reuseport = gw->n_workers > 1;
	uo.offload = gw->tap_offload = gw->tap && gw->tap->offload;
	for (i = 0; i < gw->n_workers; i++)
		if (worker_start(gw, &gw->w[i], &uo, now, err, errlen))
			goto fail;
	/* Last: a guest may connect as soon as the socket exists */
	for (i = 0; i < CONFIG_PORT_KINDS; i++)
		if (cfg->ports[i][0] && gateway_open_port(gw, i, err, errlen))
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

	/* Every port but the TAP (guests, the QEMU socket): no worker runs any more */
	for (i = 0; gw->ports_init && i < gw->ports.end; i++) {
		struct qdes_port *p = gw->ports.slot[i];

		if (p && (!gw->tap || p != &gw->tap->port)) {
			port_table_remove(&gw->ports, p);
			p->ops->close(p);
		}
	}
	/* VXLAN has no leave notice: its members age our MACs out */
	if (first && first->ul.ucast_fd >= 0 && config_encap(cfg)->leave) {
		uint8_t hdr[PROTO_HEADROOM + QDES_TAG_LEN] = {0};
		const struct encap_ops *e = config_encap(cfg);
		size_t n = e->hdr_len;

		e->encode(hdr, cfg->network_id);
		/* Sealed like any datagram, so that a forged one is told from it */
		if (gw->keys.n)
			n = seal_tx_seal(&first->seal_tx, hdr, hdr, n);
		if (!n || underlay_send_leave(&first->ul, hdr, n))
			warn("%s: leave notice not sent: %s", cfg->ifname,
			     n ? strerror(errno) : "cannot seal it");
	}
	if (gw->tap && !gw->tap->created && gw->nl.sock) {
		for (i = 0; i < cfg->n_addrs; i++)
			if (gw->added[i] && nl_addr_del(&gw->nl, gw->ifindex, &cfg->addrs[i]))
				warn("%s: %s", gw->tap->name, gw->nl.err);
	}
	for (i = 0; i < gw->n_workers; i++) {
		underlay_close(&gw->w[i].ul);
		seal_tx_free(&gw->w[i].seal_tx);
		EVP_CIPHER_CTX_free(gw->w[i].sw.seal_scratch);
		gw->w[i].sw.seal_scratch = NULL;
	}
	seal_rx_free(&gw->seal);
	OPENSSL_cleanse(&gw->keys, sizeof(gw->keys));
	tap_port_close(gw);
	if (gw->ports_init)
		port_table_destroy(&gw->ports);
	gw->ports_init = false;
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

/*
 * Workers other than the first read the port table while the first may change it: they hold
 * its read lock for a whole burst. The first needs none, being the only one that writes.
 */
static void burst_begin(struct worker *w, uint64_t now)
{
	if (w->index)
		port_table_rdlock(&w->gw->ports);
	w->sw.now = now;
}

static void burst_end(struct worker *w)
{
	if (w->index)
		port_table_unlock(&w->gw->ports);
}

/**
 * gateway_port_ready() - A descriptor of a port is ready: let the port receive
 * @w:		the worker that polls it
 * @port:	the port
 * @i:		which of its descriptors
 * @events:	PORT_IN, PORT_OUT, PORT_HUP
 * @now:	monotonic ms
 *
 * Return: 0, or -1 when the port is finished (gateway_port_del() it, or stop if it is vital)
 */
int gateway_port_ready(struct worker *w, struct qdes_port *port, unsigned int i,
		       unsigned int events, uint64_t now)
{
	int r;

	burst_begin(w, now);
	r = port->ops->ready(port, i, events, &w->sw);
	burst_end(w);
	return r;
}

static void on_datagram(void *arg, const union qdes_sockaddr *src, uint8_t *dgram, size_t len)
{
	struct worker *w = arg;

	switch_from_underlay(&w->sw, src, dgram, len);
}

/* Return: 0, or -1 if the socket failed (errno set) */
int gateway_underlay_ready(struct worker *w, int fd, uint64_t now)
{
	int n;

	burst_begin(w, now);
	n = underlay_recv(&w->ul, fd, on_datagram, w);
	switch_burst_end(&w->sw);
	burst_end(w);
	return n < 0 ? -1 : 0;
}

static void on_unreachable(void *arg, const union qdes_sockaddr *dst)
{
	struct worker *w = arg;

	switch_peer_unreachable(&w->sw, dst);
}

/**
 * gateway_underlay_errors() - The unicast socket has errors queued (ICMP for our sends): act
 * on them, and clear the socket's pending error
 * @w:		the worker that polls it
 * @fd:		the socket
 *
 * Return: how many errors there were (0: none, so the socket's POLLERR means something else),
 * or -1 if reading them failed (errno set)
 */
int gateway_underlay_errors(struct worker *w, int fd)
{
	int n, e = 0;
	socklen_t elen = sizeof(e);

	n = underlay_recv_errors(fd, on_unreachable, w);
	if (n < 0)
		return -1;
	/* The error of the last ICMP is also pending on the socket: reading it clears it */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen))
		return -1;
	return n + (e != 0);
}

/**
 * gateway_port_add() - A new port (a guest that connected): give it an id
 * @gw:		gateway
 * @port:	the port, on the first worker's thread
 *
 * Return: its id, or -1 (errno ENOSPC) when the table is full
 */
int gateway_port_add(struct gateway *gw, struct qdes_port *port)
{
	return switch_add_port(&gw->w[0].sw, port);
}

/**
 * gateway_port_del() - Remove a finished port, its MACs with it, and close it
 * @gw:		gateway
 * @port:	the port, on the first worker's thread
 */
void gateway_port_del(struct gateway *gw, struct qdes_port *port)
{
	unsigned int n = switch_del_port(&gw->w[0].sw, port);
	const char *why = port->err[0] ? port->err : "closed";

	if (port->where)
		notice("%s %s disconnected: %s; %u fdb entries flushed", port->where, port->name,
		       why, n);
	else
		notice("port %s (%s) removed: %s; %u fdb entries flushed", port->name,
		       port->ops->kind, why, n);
	port->ops->close(port);
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

#define SUM_COUNTER(name) total.name += CNT_GET(c, name);
		QDES_COUNTERS(SUM_COUNTER)
#undef SUM_COUNTER
	}
	gw->w[0].sw.now = now;
	switch_dump(&gw->w[0].sw, gw->cfg->ifname, &total);
}

/**
 * gateway_fdb_add() - A static remote entry: @mac is behind @dst, never moves, never ages
 * @gw:		gateway
 * @mac:	the MAC
 * @dst:	the member
 * @now:	monotonic ms
 * @local:	with errno EEXIST, the local port that has @mac (IFNAMSIZ)
 *
 * Main thread. A MAC of one of our own ports is refused: a static remote entry must not take
 * over a local address.
 *
 * Return: 0, or -1 with errno EEXIST (local) or ENOSPC (the FDB is full)
 */
int gateway_fdb_add(struct gateway *gw, const uint8_t *mac, const union qdes_sockaddr *dst,
		    uint64_t now, char *local)
{
	uint16_t net = (uint16_t)gw->cfg->network_id;
	const struct fdb_entry *e;
	int r = 0;

	fdb_wrlock(gw->fdb);
	e = fdb_lookup(gw->fdb, net, mac);
	if (e && e->kind == FDB_LOCAL) {
		snprintf(local, IFNAMSIZ, "%s", port_table_name(&gw->ports, e->port));
		errno = EEXIST;
		r = -1;
	} else if (fdb_add_static(gw->fdb, net, mac, dst, now) == FDB_FULL) {
		errno = ENOSPC;
		r = -1;
	}
	fdb_unlock(gw->fdb);
	return r;
}

/*
 * Remove the static entry of @mac if it still points at @dst (a reload dropped it from the
 * file; something else since put there stays). Return: whether it went
 */
bool gateway_fdb_del_static(struct gateway *gw, const uint8_t *mac, const union qdes_sockaddr *dst)
{
	uint16_t net = (uint16_t)gw->cfg->network_id;
	const struct fdb_entry *e;
	bool gone = false;

	fdb_wrlock(gw->fdb);
	e = fdb_lookup(gw->fdb, net, mac);
	if (e && e->kind == FDB_REMOTE && (e->flags & FDB_F_STATIC) && addr_equal(&e->peer, dst))
		gone = fdb_delete(gw->fdb, net, mac);
	fdb_unlock(gw->fdb);
	return gone;
}

/**
 * gateway_peer() - Add @peer to the flood list of every worker, or remove it
 * @gw:		gateway
 * @peer:	the member
 * @add:	add, else remove
 *
 * Main thread. The list changes under the port table's write lock, which every other worker
 * holds for reading through each burst: no worker floods meanwhile.
 *
 * Return: 0, or -1 with errno as underlay_peer_add() / underlay_peer_del() set it
 */
int gateway_peer(struct gateway *gw, const union qdes_sockaddr *peer, bool add)
{
	unsigned int i;
	int r = 0, e = 0;

	port_table_wrlock(&gw->ports);
	for (i = 0; i < gw->n_workers && !r; i++) {
		struct worker *w = &gw->w[i];

		r = add ? underlay_peer_add(&w->ul, peer) : underlay_peer_del(&w->ul, peer);
		e = errno;
		w->sw.n_flood_peers = w->ul.n_peers;
	}
	port_table_unlock(&gw->ports);
	errno = e;
	return r;
}

/**
 * gateway_set_keys() - Change the keys of a sealed segment, at run time (reload)
 * @gw:		gateway, sealed
 * @keys:	the new keys: @keys->key[0] seals from the next datagram on, all of them open
 * @forgotten:	sessions of keys that are gone, forgotten
 *
 * Main thread, under the port table's write lock like gateway_peer(): no worker is in a burst.
 * Each worker's session and counter go on under the new key.
 *
 * Return: 0, or -1 if libcrypto failed (then nothing changed but what was already sealed)
 */
int gateway_set_keys(struct gateway *gw, const struct seal_keyring *keys, unsigned int *forgotten)
{
	unsigned int i;
	int ret = 0;

	*forgotten = 0;
	if (!gw->keys.n || !keys->n)
		return -1;
	port_table_wrlock(&gw->ports);
	for (i = 0; i < gw->n_workers && !ret; i++)
		ret = seal_tx_set_key(&gw->w[i].seal_tx, &keys->key[0]);
	if (ret) {
		/* Back to the key every member still opens */
		for (i = 0; i < gw->n_workers; i++)
			(void)seal_tx_set_key(&gw->w[i].seal_tx, &gw->keys.key[0]);
	} else {
		*forgotten = seal_rx_set_keys(&gw->seal, keys);
		gw->keys = *keys;
	}
	port_table_unlock(&gw->ports);
	return ret;
}

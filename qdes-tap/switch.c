// SPDX-License-Identifier: GPL-2.0-or-later
/* switch.c - The distributed learning switch: forwarding decisions between ports and underlay
 *
 * Theory of operation
 *
 * Every member of a segment runs this same switch. Its local side is a set of ports (the TAP,
 * QEMU guests); its remote side is the underlay, where a MAC address lives at a peer (address,
 * port). The FDB maps (network id, MAC) to one or the other.
 *
 * Each worker thread has its own switch (its counters, its underlay sockets); the FDB and the
 * port table are the gateway's, shared by all of them, so a MAC learnt by one worker is known
 * to every other, and any worker delivers to any port.
 *
 * From a local port: learn the source MAC as local to that port, then
 *  - a known local destination on another port gets the frame directly (never the underlay);
 *  - a known remote destination gets one UDP unicast datagram, to the one member that owns it;
 *  - broadcast, multicast and unknown unicast are flooded: to every other local port and once
 *    to the multicast group, which reaches every member.
 *
 * From the underlay: drop what is malformed, foreign or our own echo (each counted), learn the
 * source MAC as living at the sender, then deliver to local ports only: a member never forwards
 * from the underlay to the underlay (split horizon), which is what keeps a full mesh loop-free.
 * A frame that reached us by flooding but whose destination we know lives elsewhere is not
 * delivered: this keeps unicast between two members away from every other member's TAP.
 *
 * A MAC seen on a local port is never re-learned from the underlay (counted as a conflict and
 * dropped, as the kernel's vxlan does for local entries), so a remote member cannot hijack a
 * local address.
 *
 * In raw mode (QEMU's socket backends, which listen on the group address only) a known remote
 * destination is still sent to the group, not by unicast; receivers that do not own it drop it
 * before their local ports, as above.
 *
 * The encapsulation header is written into headroom in front of the frame, so the only copies
 * of a frame are the kernel's own.
 */

#include <stddef.h>
#include <string.h>

#include "proto.h"
#include "switch.h"

/* The FDB serves one network, this one: its key has room for 16 bits of the id */
#define FDB_NET(sw) ((uint16_t)(sw)->netid)

void switch_init(struct qdes_switch *sw, struct fdb *fdb, struct port_table *ports, uint32_t netid,
		 unsigned int mtu, const struct switch_tx *tx, struct qdes_counters *cnt)
{
	memset(sw, 0, sizeof(*sw));
	sw->fdb = fdb;
	sw->ports = ports;
	sw->netid = netid;
	sw->encap = proto_encap(ENCAP_QDES);
	sw->mtu = mtu;
	sw->tx = *tx;
	sw->cnt = cnt;
	sw->move_rl = (struct ratelimit)RATELIMIT_INIT(5000, 10);
}

/**
 * switch_set_encap() - Choose the encapsulation, once, before any traffic
 * @sw:		switch
 * @encap:	its operations (proto_encap())
 * @peer_port:	0: a peer is its source (address, port); else (source address, @peer_port), for
 *		VXLAN, whose endpoints send from any port and listen on the well-known one
 */
void switch_set_encap(struct qdes_switch *sw, const struct encap_ops *encap, uint16_t peer_port)
{
	sw->encap = encap;
	sw->peer_port = peer_port;
}

/*
 * Ports come and go on the first worker's thread only (the table's rule, port.h): it holds
 * the write lock while the table changes, so no other worker is in a burst with the port.
 */

/* Return: the port's id, or -1 (errno ENOSPC) if every slot is taken */
int switch_add_port(struct qdes_switch *sw, struct qdes_port *port)
{
	int id;

	port_table_wrlock(sw->ports);
	id = port_table_add(sw->ports, port);
	port_table_unlock(sw->ports);
	return id;
}

/* Take @port out of the table, and its MACs out of the FDB. Return: entries flushed */
unsigned int switch_del_port(struct qdes_switch *sw, struct qdes_port *port)
{
	unsigned int n = 0;

	port_table_wrlock(sw->ports);
	if (port_table_get(sw->ports, port->id) == port) {
		fdb_wrlock(sw->fdb);
		n = fdb_flush_port(sw->fdb, port->id);
		fdb_unlock(sw->fdb);
		port_table_remove(sw->ports, port);
	}
	port_table_unlock(sw->ports);
	CNT_ADD(sw->cnt, fdb_flushed, n);
	return n;
}

int switch_add_self(struct qdes_switch *sw, const union qdes_sockaddr *self)
{
	if (sw->n_self >= SWITCH_MAX_SELF)
		return -1;
	sw->self[sw->n_self++] = *self;
	return 0;
}

static bool is_self(const struct qdes_switch *sw, const union qdes_sockaddr *src)
{
	unsigned int i;

	for (i = 0; i < sw->n_self; i++)
		if (addr_equal(&sw->self[i], src))
			return true;
	return false;
}

static void log_move(struct qdes_switch *sw, const uint8_t *mac, const char *where)
{
	char m[MAC_STRLEN];

	if (ratelimit_ok(&sw->move_rl, sw->now))
		info("fdb %s netid %u moved to %s", mac_str(mac, m), sw->netid, where);
}

/*
 * Count what learning did; a move is logged (rate-limited) with where the MAC went: local port
 * @port, or remote @peer, formatted only then (never per frame)
 */
static enum fdb_result count_learn(struct qdes_switch *sw, enum fdb_result r, const uint8_t *mac,
				   const struct qdes_port *port, const union qdes_sockaddr *peer)
{
	char where[ADDR_STRLEN];

	switch (r) {
	case FDB_NEW:
		CNT_INC(sw->cnt, fdb_learned);
		break;
	case FDB_MOVED:
		CNT_INC(sw->cnt, fdb_moved);
		log_move(sw, mac, port ? port->name : addr_str(peer, where, sizeof(where)));
		break;
	case FDB_FULL:
		CNT_INC(sw->cnt, fdb_full);
		break;
	case FDB_CONFLICT:
		CNT_INC(sw->cnt, fdb_conflict);
		break;
	case FDB_REFRESH:
		break;
	}
	return r;
}

static void flood_local(struct qdes_switch *sw, const struct qdes_port *except,
			const uint8_t *frame, size_t len, const struct virtio_net_hdr *vh)
{
	unsigned int i;

	for (i = 0; i < sw->ports->end; i++) {
		struct qdes_port *p = sw->ports->slot[i];

		if (p && p != except && p->ops->send)
			p->ops->send(p, sw, frame, len, vh);
	}
}

/**
 * switch_burst_end() - The end of a burst: send what the underlay and the ports held back
 * @sw:		switch
 *
 * Datagrams queued for the underlay point into the burst's frames, so this comes before the
 * port that received them reads again; ports write out what they merged.
 */
void switch_burst_end(struct qdes_switch *sw)
{
	unsigned int i;

	if (sw->tx.flush)
		sw->tx.flush(sw->tx.ctx);
	for (i = 0; i < sw->ports->end; i++) {
		struct qdes_port *p = sw->ports->slot[i];

		if (p && p->ops->flush)
			p->ops->flush(p, sw);
	}
}

/*
 * FDB access: several workers share the table. A sighting from where the MAC already lives
 * (nearly every frame) is a timestamp store under the read lock; only a new MAC or a move
 * takes the write lock.
 */
static enum fdb_result learn_local(struct qdes_switch *sw, const uint8_t *mac, uint16_t port)
{
	enum fdb_result r;
	struct fdb_entry *e;

	fdb_rdlock(sw->fdb);
	e = fdb_lookup(sw->fdb, FDB_NET(sw), mac);
	if (e && e->kind == FDB_LOCAL && e->port == port) {
		__atomic_store_n(&e->updated, sw->now, __ATOMIC_RELAXED);
		fdb_unlock(sw->fdb);
		return FDB_REFRESH;
	}
	fdb_unlock(sw->fdb);
	fdb_wrlock(sw->fdb);
	r = fdb_learn_local(sw->fdb, FDB_NET(sw), mac, port, sw->now);
	fdb_unlock(sw->fdb);
	return r;
}

static enum fdb_result learn_remote(struct qdes_switch *sw, const uint8_t *mac,
				    const union qdes_sockaddr *peer)
{
	enum fdb_result r;
	struct fdb_entry *e;

	fdb_rdlock(sw->fdb);
	e = fdb_lookup(sw->fdb, FDB_NET(sw), mac);
	if (e && e->kind == FDB_REMOTE && !(e->flags & FDB_F_STATIC) &&
	    addr_equal(&e->peer, peer)) {
		__atomic_store_n(&e->updated, sw->now, __ATOMIC_RELAXED);
		fdb_unlock(sw->fdb);
		return FDB_REFRESH;
	}
	fdb_unlock(sw->fdb);
	fdb_wrlock(sw->fdb);
	r = fdb_learn_remote(sw->fdb, FDB_NET(sw), mac, peer, sw->now);
	fdb_unlock(sw->fdb);
	return r;
}

/**
 * struct dest - where a destination MAC lives, copied out of the FDB under its lock
 * @found:	there is an entry
 * @kind:	FDB_LOCAL or FDB_REMOTE
 * @port:	local port id
 * @peer:	remote peer
 */
struct dest {
	bool found;
	uint8_t kind;
	uint16_t port;
	union qdes_sockaddr peer;
};

static void lookup(struct qdes_switch *sw, const uint8_t *mac, struct dest *d)
{
	struct fdb_entry *e;

	d->found = false;
	fdb_rdlock(sw->fdb);
	e = fdb_lookup(sw->fdb, FDB_NET(sw), mac);
	if (e) {
		d->found = true;
		d->kind = e->kind;
		d->port = e->port;
		d->peer = e->peer;
		__atomic_store_n(&e->used, sw->now, __ATOMIC_RELAXED);
	}
	fdb_unlock(sw->fdb);
}

static struct qdes_port *local_port(struct qdes_switch *sw, const struct dest *d)
{
	struct qdes_port *p = port_table_get(sw->ports, d->port);

	return p && p->ops->send ? p : NULL;
}

/**
 * switch_from_port() - Forward a frame that a local port received
 * @sw:		switch
 * @in:		ingress port
 * @frame:	Ethernet frame, with PROTO_HEADROOM writable bytes in front of it
 * @len:	frame length
 * @vh:		NULL, or the vnet header of a TCP super-frame (TAP offloads)
 */
void switch_from_port(struct qdes_switch *sw, struct qdes_port *in, uint8_t *frame, size_t len,
		      const struct virtio_net_hdr *vh)
{
	const uint8_t *dst = eth_dst(frame), *src = eth_src(frame);
	size_t hlen = sw->encap->hdr_len;
	uint8_t *dgram = frame - hlen;
	struct dest d = {0};

	if (len < ETH_HLEN_)
		return;
	if (mac_is_multicast(src) || mac_is_zero(src)) {
		CNT_INC(sw->cnt, drop_src_mac);
		return;
	}
	/* A local frame is forwarded even on a conflict (a static entry elsewhere) */
	count_learn(sw, learn_local(sw, src, in->id), src, in, NULL);

	if (!mac_is_multicast(dst))
		lookup(sw, dst, &d);
	if (d.found && d.kind == FDB_LOCAL) {
		struct qdes_port *out = local_port(sw, &d);

		if (out && out != in)
			out->ops->send(out, sw, frame, len, vh);
		return;
	}

	sw->encap->encode(dgram, sw->netid);
	if (d.found && !sw->encap->flood_only) {
		CNT_INC(sw->cnt, tx_unicast);
		if (sw->pstats)
			peerstat_tx(sw->pstats, &d.peer, len + hlen);
		sw->tx.unicast(sw->tx.ctx, &d.peer, dgram, len + hlen, vh);
		return;
	}
	/* Known remote in raw mode: to the group (its owner hears nothing else), not locally */
	if (!d.found)
		flood_local(sw, in, frame, len, vh);
	CNT_INC(sw->cnt, tx_flood);
	for (unsigned int i = 0; sw->pstats && i < sw->n_flood_peers; i++)
		peerstat_tx(sw->pstats, &sw->flood_peers[i], len + hlen);
	sw->tx.flood(sw->tx.ctx, dgram, len + hlen, vh);
}

/* Drop counters by verdict; 0 for the verdicts that are not drops (no drop counter is first) */
static const size_t drop_counter[PROTO_VERDICT_MAX] = {
	[PROTO_DROP_SHORT] = offsetof(struct qdes_counters, drop_short),
	[PROTO_DROP_MAGIC] = offsetof(struct qdes_counters, drop_magic),
	[PROTO_DROP_VERSION] = offsetof(struct qdes_counters, drop_version),
	[PROTO_DROP_FLAGS] = offsetof(struct qdes_counters, drop_flags),
	[PROTO_DROP_NETID] = offsetof(struct qdes_counters, drop_netid),
	[PROTO_DROP_OVERSIZE] = offsetof(struct qdes_counters, drop_oversize),
	[PROTO_DROP_SRC_MAC] = offsetof(struct qdes_counters, drop_src_mac),
	[PROTO_DROP_SEALED] = offsetof(struct qdes_counters, drop_sealed),
	[PROTO_DROP_UNSEALED] = offsetof(struct qdes_counters, drop_unsealed),
	[PROTO_DROP_KEY] = offsetof(struct qdes_counters, drop_key),
	[PROTO_DROP_AUTH] = offsetof(struct qdes_counters, drop_auth),
	[PROTO_DROP_REPLAY] = offsetof(struct qdes_counters, drop_replay),
};

static void count_drop(struct qdes_counters *c, enum proto_verdict v)
{
	if ((unsigned int)v < PROTO_VERDICT_MAX && drop_counter[v])
		cnt_add_at((uint64_t *)((char *)c + drop_counter[v]), 1);
}

/*
 * A sealed datagram that looked well formed: authenticate and decrypt it in place, then judge
 * the frame as any other (@rx then points into @dgram, in the clear)
 */
static enum proto_verdict open_sealed(struct qdes_switch *sw, uint8_t *dgram, size_t len,
				      struct proto_rx *rx)
{
	struct seal_open_res res;
	enum proto_verdict v;
	size_t n = rx->frame_len;

	if (!sw->seal)
		return PROTO_DROP_SEALED;
	v = seal_rx_open(sw->seal, &sw->seal_scratch, dgram, len, sw->now, &res);
	if (res.new_session)
		CNT_INC(sw->cnt, seal_sessions);
	if (res.evicted)
		CNT_INC(sw->cnt, seal_evicted);
	if (v != PROTO_FRAME)
		return v;
	if (!n)
		return PROTO_LEAVE;
	return proto_frame_check(dgram + QDES_SEALED_HDR_LEN, n, sw->mtu, rx);
}

/* Forget the dynamic entries learnt at @peer. Return: how many */
static unsigned int flush_peer(struct qdes_switch *sw, const union qdes_sockaddr *peer)
{
	unsigned int n;

	fdb_wrlock(sw->fdb);
	n = fdb_flush_peer(sw->fdb, peer);
	fdb_unlock(sw->fdb);
	CNT_ADD(sw->cnt, fdb_flushed, n);
	return n;
}

/**
 * switch_peer_unreachable() - A datagram to @dst met an ICMP port unreachable: nobody listens
 * there any more (the member stopped, or restarted on another port). Forget the MACs learnt at
 * it, so the next frames to them flood and find where they are now.
 * @sw:		switch
 * @dst:	the destination of that datagram
 *
 * Anyone on the path could forge such an ICMP error; the worst it does is make frames to those
 * MACs flood until their owner is heard from again, as ageing would.
 */
void switch_peer_unreachable(struct qdes_switch *sw, const union qdes_sockaddr *dst)
{
	char where[ADDR_STRLEN];
	unsigned int n = flush_peer(sw, dst);

	CNT_INC(sw->cnt, peer_unreachable);
	/* After a flush nothing goes there by unicast, so this is one line per change */
	if (n)
		info("%s: port unreachable: %u fdb entries flushed",
		     addr_str(dst, where, sizeof(where)), n);
}

/**
 * switch_from_underlay() - Handle one datagram received from the underlay
 * @sw:		switch
 * @src:	its sender
 * @dgram:	UDP payload (a sealed one is opened in place)
 * @len:	its length
 */
void switch_from_underlay(struct qdes_switch *sw, const union qdes_sockaddr *src, uint8_t *dgram,
			  size_t len)
{
	char where[ADDR_STRLEN];
	struct dest d;
	enum proto_verdict v;
	struct proto_rx rx;
	union qdes_sockaddr peer;
	const uint8_t *dst;

	if (is_self(sw, src)) {
		CNT_INC(sw->cnt, drop_self);
		return;
	}
	v = sw->encap->decode(dgram, len, sw->netid, sw->mtu, &rx);
	if (v == PROTO_SEALED)
		v = open_sealed(sw, dgram, len, &rx);
	/* VXLAN: the sender's source port is a flow hash; it listens on the group's port */
	peer = *src;
	if (sw->peer_port)
		addr_set_port(&peer, sw->peer_port);
	if (sw->pstats && (v == PROTO_LEAVE || v == PROTO_FRAME))
		peerstat_rx(sw->pstats, &peer, len, sw->now, v == PROTO_LEAVE);
	if (v == PROTO_LEAVE) {
		unsigned int n = flush_peer(sw, src);

		CNT_INC(sw->cnt, leave_rx);
		info("leave from %s: %u fdb entries flushed", addr_str(src, where, sizeof(where)),
		     n);
		return;
	}
	if (v != PROTO_FRAME) {
		count_drop(sw->cnt, v);
		return;
	}

	/* Someone else claims a MAC that lives here: never deliver it. */
	if (count_learn(sw, learn_remote(sw, eth_src(rx.frame), &peer), eth_src(rx.frame), NULL,
			&peer) == FDB_CONFLICT)
		return;

	dst = eth_dst(rx.frame);
	if (mac_is_multicast(dst)) {
		flood_local(sw, NULL, rx.frame, rx.frame_len, NULL);
		return;
	}
	lookup(sw, dst, &d);
	if (!d.found) {
		flood_local(sw, NULL, rx.frame, rx.frame_len, NULL);
	} else if (d.kind == FDB_LOCAL) {
		struct qdes_port *out = local_port(sw, &d);

		if (out)
			out->ops->send(out, sw, rx.frame, rx.frame_len, NULL);
	} else {
		CNT_INC(sw->cnt, drop_remote_dst);
	}
}

unsigned int switch_age(struct qdes_switch *sw, uint64_t ageing_ms)
{
	unsigned int n;

	fdb_wrlock(sw->fdb);
	n = fdb_age(sw->fdb, sw->now, ageing_ms);
	fdb_unlock(sw->fdb);

	CNT_ADD(sw->cnt, fdb_aged, n);
	return n;
}

struct dump_ctx {
	struct qdes_switch *sw;
};

static void dump_entry(const struct fdb_entry *e, void *arg)
{
	struct qdes_switch *sw = ((struct dump_ctx *)arg)->sw;
	/* Workers refresh it under the read lock that the dump holds too (learn_local()) */
	uint64_t age = (sw->now - __atomic_load_n(&e->updated, __ATOMIC_RELAXED)) / 1000;
	char m[MAC_STRLEN], a[ADDR_STRLEN];

	if (e->kind == FDB_LOCAL) {
		log_always("fdb %s netid %u dev %s local age %llu", mac_str(e->mac, m), sw->netid,
			   port_table_name(sw->ports, e->port), (unsigned long long)age);
	} else {
		log_always("fdb %s netid %u dst %s %s age %llu", mac_str(e->mac, m), sw->netid,
			   addr_str(&e->peer, a, sizeof(a)),
			   e->flags & FDB_F_STATIC ? "static" : "dynamic", (unsigned long long)age);
	}
}

/**
 * switch_dump() - The SIGUSR1 dump: a stable, greppable format (man page, COUNTERS AND FDB)
 * @sw:		switch (its FDB, shared by every worker)
 * @ifname:	interface name
 * @total:	counters, summed over the workers
 */
void switch_dump(struct qdes_switch *sw, const char *ifname, const struct qdes_counters *total)
{
	struct dump_ctx ctx = {sw};
	char a[ADDR_STRLEN];
	unsigned int i;

	fdb_rdlock(sw->fdb);
	log_always("fdb %s: %u entries (max %u)", ifname, fdb_count(sw->fdb), fdb_max(sw->fdb));
	fdb_foreach(sw->fdb, dump_entry, &ctx);
	fdb_unlock(sw->fdb);
	/* The flood list, as iproute2 shows a vxlan device's: one all-zero entry per peer */
	for (i = 0; i < sw->n_flood_peers; i++)
		log_always("fdb 00:00:00:00:00:00 netid %u dst %s static", sw->netid,
			   addr_str(&sw->flood_peers[i], a, sizeof(a)));
#define DUMP_COUNTER(name) log_always("counter " #name " %llu", (unsigned long long)total->name);
	QDES_COUNTERS(DUMP_COUNTER)
#undef DUMP_COUNTER
}

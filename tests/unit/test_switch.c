// SPDX-License-Identifier: GPL-2.0-or-later
/* test_switch.c - Forwarding decisions of the learning switch, with fake ports and underlay */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proto.h"
#include "switch.h"

#define NETID 42
#define MTU   1450

struct sent {
	unsigned int n;
	size_t len;
	uint8_t last[2048];
	union qdes_sockaddr dst;
	unsigned int worker;
	unsigned int flushes;
};

struct fake_port {
	struct qdes_port port;
	struct sent out;
};

static struct sent ucast, flood;

/* A port records what it was sent, and by which worker's switch */
static void fake_send(struct qdes_port *p, struct qdes_switch *sw, const uint8_t *frame, size_t len,
		      const struct virtio_net_hdr *vh)
{
	(void)vh;
	struct fake_port *fp = p->priv;

	fp->out.n++;
	fp->out.len = len;
	fp->out.worker = sw->worker;
	memcpy(fp->out.last, frame, len);
}

static void fake_flush(struct qdes_port *p, struct qdes_switch *sw)
{
	struct fake_port *fp = p->priv;

	fp->out.flushes++;
	fp->out.worker = sw->worker;
}

static const struct port_ops fake_ops = {.kind = "fake", .send = fake_send, .flush = fake_flush};

static void fake_unicast(void *ctx, const union qdes_sockaddr *dst, const uint8_t *d, size_t len,
			 const struct virtio_net_hdr *vh)
{
	(void)ctx;
	(void)vh;
	ucast.n++;
	ucast.len = len;
	ucast.dst = *dst;
	memcpy(ucast.last, d, len);
}

static void fake_flood(void *ctx, const uint8_t *d, size_t len, const struct virtio_net_hdr *vh)
{
	(void)ctx;
	(void)vh;
	flood.n++;
	flood.len = len;
	memcpy(flood.last, d, len);
}

static void fake_flush_tx(void *ctx)
{
	(void)ctx;
	flood.flushes++;
}

struct world {
	struct qdes_switch sw;
	struct qdes_counters cnt;
	struct port_table ports;
	struct fdb *fdb;
	struct fake_port tap, guest;
	union qdes_sockaddr self, peer_a, peer_b;
};

static const uint8_t MAC_LOCAL[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t MAC_GUEST[6] = {2, 0, 0, 0, 0, 9};
static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 0xa};
static const uint8_t MAC_B[6] = {2, 0, 0, 0, 0, 0xb};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static int setup(void **state)
{
	static struct world w;
	struct switch_tx tx = {fake_unicast, fake_flood, fake_flush_tx, NULL};

	memset(&w, 0, sizeof(w));
	memset(&ucast, 0, sizeof(ucast));
	memset(&flood, 0, sizeof(flood));
	w.fdb = fdb_new(1024, 12345);
	assert_non_null(w.fdb);
	assert_int_equal(port_table_init(&w.ports), 0);
	switch_init(&w.sw, w.fdb, &w.ports, NETID, MTU, &tx, &w.cnt);
	w.tap.port = (struct qdes_port){.ops = &fake_ops, .name = "qdes0", .priv = &w.tap};
	assert_int_equal(switch_add_port(&w.sw, &w.tap.port), 0);
	assert_int_equal(addr_parse("10.77.0.1:40000", 0, true, &w.self), 0);
	assert_int_equal(addr_parse("10.77.0.2:40001", 0, true, &w.peer_a), 0);
	assert_int_equal(addr_parse("10.77.0.3:40002", 0, true, &w.peer_b), 0);
	assert_int_equal(switch_add_self(&w.sw, &w.self), 0);
	w.sw.now = 1000;
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	fdb_free(w->fdb);
	port_table_destroy(&w->ports);
	return 0;
}

/* A frame in a buffer with headroom, as the TAP hands it over */
static uint8_t *frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src, size_t *len)
{
	uint8_t *f = buf + PROTO_HEADROOM;

	memset(buf, 0, PROTO_HEADROOM + 64);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memcpy(f + 14, "payload", 7);
	*len = 60;
	return f;
}

/* The same frame as a datagram from the underlay */
static size_t dgram(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t netid)
{
	uint8_t tmp[PROTO_HEADROOM + 64];
	size_t len;
	uint8_t *f = frame(tmp, dst, src, &len);

	proto_qdes_encode(buf, netid);
	memcpy(buf + QDES_HDR_LEN, f, len);
	return len + QDES_HDR_LEN;
}

static void test_unknown_unicast_floods_with_header(void **state)
{
	struct world *w = *state;
	uint8_t buf[256];
	size_t len;
	uint8_t *f = frame(buf, MAC_A, MAC_LOCAL, &len);

	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(flood.n, 1);
	assert_int_equal(ucast.n, 0);
	assert_int_equal(flood.len, len + QDES_HDR_LEN);
	assert_memory_equal(flood.last, "\x51\x44\x01\x00\x00\x2a\x00\x00", 8);
	assert_memory_equal(flood.last + 8, f, len);
	assert_int_equal(w->cnt.tx_flood, 1);
	assert_int_equal(w->cnt.fdb_learned, 1);
	assert_int_equal(w->tap.out.n, 0);
}

static void test_learn_remote_then_unicast(void **state)
{
	struct world *w = *state;
	uint8_t d[256], buf[256];
	size_t dl = dgram(d, MAC_LOCAL, MAC_A, NETID), len;
	uint8_t *f;

	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(w->tap.out.len, dl - QDES_HDR_LEN);

	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(ucast.n, 1);
	assert_int_equal(flood.n, 0);
	assert_true(addr_equal(&ucast.dst, &w->peer_a));
	assert_int_equal(w->cnt.tx_unicast, 1);
}

static void test_broadcast_from_underlay_reaches_tap(void **state)
{
	struct world *w = *state;
	uint8_t d[256];
	size_t dl = dgram(d, BCAST, MAC_A, NETID);

	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(ucast.n + flood.n, 0); /* split horizon */
}

static void test_own_echo_is_dropped(void **state)
{
	struct world *w = *state;
	uint8_t d[256];
	size_t dl = dgram(d, BCAST, MAC_LOCAL, NETID);

	switch_from_underlay(&w->sw, &w->self, d, dl);
	assert_int_equal(w->cnt.drop_self, 1);
	assert_int_equal(w->tap.out.n, 0);
	assert_int_equal(fdb_count(w->fdb), 0);
}

static void test_remote_cannot_hijack_local_mac(void **state)
{
	struct world *w = *state;
	uint8_t d[256], buf[256];
	size_t dl, len;
	uint8_t *f = frame(buf, BCAST, MAC_LOCAL, &len);

	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	dl = dgram(d, BCAST, MAC_LOCAL, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	assert_int_equal(w->cnt.fdb_conflict, 1);
	assert_int_equal(w->tap.out.n, 0);
	assert_int_equal(fdb_lookup(w->fdb, NETID, MAC_LOCAL)->kind, FDB_LOCAL);
}

static void test_leave_notice_flushes_peer(void **state)
{
	struct world *w = *state;
	uint8_t d[256], buf[256], leave[QDES_HDR_LEN];
	size_t dl = dgram(d, BCAST, MAC_A, NETID), len;
	uint8_t *f;

	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	dl = dgram(d, BCAST, MAC_B, NETID);
	switch_from_underlay(&w->sw, &w->peer_b, d, dl);
	assert_int_equal(fdb_count(w->fdb), 2);

	proto_qdes_encode(leave, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, leave, sizeof(leave));
	assert_int_equal(w->cnt.leave_rx, 1);
	assert_int_equal(w->cnt.fdb_flushed, 1);
	assert_null(fdb_lookup(w->fdb, NETID, MAC_A));
	assert_non_null(fdb_lookup(w->fdb, NETID, MAC_B));

	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(flood.n, 1);
	assert_int_equal(ucast.n, 0);
}

static void test_bad_datagrams_are_counted(void **state)
{
	struct world *w = *state;
	uint8_t d[256];
	size_t dl;

	dl = dgram(d, BCAST, MAC_A, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, d, 5);
	d[0] = 'X';
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	dl = dgram(d, BCAST, MAC_A, NETID);
	d[2] = 2;
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	dl = dgram(d, BCAST, MAC_A, NETID);
	d[3] = 0x80;
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	dl = dgram(d, BCAST, MAC_A, 43);
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	dl = dgram(d, BCAST, BCAST, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);

	assert_int_equal(w->cnt.drop_short, 1);
	assert_int_equal(w->cnt.drop_magic, 1);
	assert_int_equal(w->cnt.drop_version, 1);
	assert_int_equal(w->cnt.drop_flags, 1);
	assert_int_equal(w->cnt.drop_netid, 1);
	assert_int_equal(w->cnt.drop_src_mac, 1);
	assert_int_equal(w->tap.out.n, 0);
	assert_int_equal(fdb_count(w->fdb), 0);
}

static void test_flooded_frame_for_other_member_not_delivered(void **state)
{
	struct world *w = *state;
	uint8_t d[256];
	size_t dl = dgram(d, BCAST, MAC_B, NETID);

	switch_from_underlay(&w->sw, &w->peer_b, d, dl);
	assert_int_equal(w->tap.out.n, 1);
	/* A floods a frame for B (A does not know B yet): we know B is elsewhere. */
	dl = dgram(d, MAC_B, MAC_A, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(w->cnt.drop_remote_dst, 1);
}

static void test_local_ports_talk_without_underlay(void **state)
{
	struct world *w = *state;
	uint8_t buf[256];
	size_t len;
	uint8_t *f;

	w->guest.port = (struct qdes_port){.ops = &fake_ops, .name = "guest", .priv = &w->guest};
	assert_int_equal(switch_add_port(&w->sw, &w->guest.port), 1);
	f = frame(buf, BCAST, MAC_GUEST, &len);
	switch_from_port(&w->sw, &w->guest.port, f, len, NULL);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(flood.n, 1);
	assert_int_equal(w->guest.out.n, 0);

	f = frame(buf, MAC_GUEST, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(w->guest.out.n, 1);
	assert_int_equal(flood.n, 1);
	assert_int_equal(ucast.n, 0);

	/* Hairpin: a frame to a MAC on its own ingress port goes nowhere. */
	f = frame(buf, MAC_LOCAL, MAC_LOCAL, &len);
	f[11] = 7; /* another source on the same port */
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(w->guest.out.n, 1);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(flood.n + ucast.n, 1);

	assert_int_equal(switch_del_port(&w->sw, &w->guest.port), 1);
	assert_null(fdb_lookup(w->fdb, NETID, MAC_GUEST));
	assert_int_equal(w->cnt.fdb_flushed, 1);
	/* Its slot is free again, and nothing floods to it */
	f = frame(buf, BCAST, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(w->guest.out.n, 1);
	assert_int_equal(switch_add_port(&w->sw, &w->guest.port), 1);
}

/*
 * Two workers, each with its own switch and counters, over one FDB and one port table (as the
 * gateway runs them): a MAC learnt by one is known to the other, a guest port is reached from
 * either, and each delivery and flush comes with the calling worker's index (which picks the
 * TAP queue) and counts into that worker's counters.
 */
static void test_workers_share_ports_and_fdb(void **state)
{
	struct world *w = *state;
	struct switch_tx tx = {fake_unicast, fake_flood, fake_flush_tx, NULL};
	struct qdes_counters cnt1 = {0};
	struct qdes_switch sw1;
	uint8_t d[256], buf[256];
	size_t dl, len;
	uint8_t *f;

	switch_init(&sw1, w->fdb, &w->ports, NETID, MTU, &tx, &cnt1);
	sw1.worker = 1;
	sw1.now = w->sw.now;
	assert_int_equal(switch_add_self(&sw1, &w->self), 0);
	w->guest.port = (struct qdes_port){.ops = &fake_ops, .name = "qemu1", .priv = &w->guest};
	assert_int_equal(switch_add_port(&w->sw, &w->guest.port), 1);

	/* The guest speaks through worker 0 (which polls it): learnt, seen by worker 1 */
	f = frame(buf, BCAST, MAC_GUEST, &len);
	switch_from_port(&w->sw, &w->guest.port, f, len, NULL);
	assert_int_equal(w->tap.out.worker, 0);
	assert_int_equal(w->cnt.fdb_learned, 1);

	/* A datagram for the guest arrives on worker 1's socket: worker 1 delivers it */
	dl = dgram(d, MAC_GUEST, MAC_A, NETID);
	switch_from_underlay(&sw1, &w->peer_a, d, dl);
	assert_int_equal(w->guest.out.n, 1);
	assert_int_equal(w->guest.out.worker, 1);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(cnt1.fdb_learned, 1);
	assert_int_equal(w->cnt.fdb_learned, 1);

	/* What worker 1 learnt, worker 0 uses: unicast to peer A */
	f = frame(buf, MAC_A, MAC_GUEST, &len);
	switch_from_port(&w->sw, &w->guest.port, f, len, NULL);
	assert_int_equal(ucast.n, 1);
	assert_true(addr_equal(&ucast.dst, &w->peer_a));
	assert_int_equal(w->cnt.tx_unicast, 1);
	assert_int_equal(cnt1.tx_unicast, 0);

	/* The end of worker 1's burst: its underlay and every port flush, as worker 1 */
	switch_burst_end(&sw1);
	assert_int_equal(flood.flushes, 1);
	assert_int_equal(w->guest.out.flushes, 1);
	assert_int_equal(w->tap.out.flushes, 1);
	assert_int_equal(w->guest.out.worker, 1);
	assert_int_equal(w->tap.out.worker, 1);

	/* The guest goes: its MAC with it, for both workers */
	assert_int_equal(switch_del_port(&w->sw, &w->guest.port), 1);
	dl = dgram(d, MAC_GUEST, MAC_A, NETID);
	switch_from_underlay(&sw1, &w->peer_a, d, dl);
	assert_int_equal(w->guest.out.n, 1);
	assert_int_equal(w->tap.out.n, 2);
}

static void test_ageing_turns_unicast_into_flood(void **state)
{
	struct world *w = *state;
	uint8_t d[256], buf[256];
	size_t dl = dgram(d, BCAST, MAC_A, NETID), len;
	uint8_t *f;

	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	w->sw.now += 2999;
	assert_int_equal(switch_age(&w->sw, 3000), 0);
	w->sw.now += 1;
	assert_int_equal(switch_age(&w->sw, 3000), 1);
	assert_int_equal(w->cnt.fdb_aged, 1);
	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(flood.n, 1);
	assert_int_equal(ucast.n, 0);
}

static void test_migration_between_peers(void **state)
{
	struct world *w = *state;
	uint8_t d[256];
	size_t dl = dgram(d, BCAST, MAC_A, NETID);

	switch_from_underlay(&w->sw, &w->peer_a, d, dl);
	switch_from_underlay(&w->sw, &w->peer_b, d, dl);
	assert_int_equal(w->cnt.fdb_moved, 1);
	assert_true(addr_equal(&fdb_lookup(w->fdb, NETID, MAC_A)->peer, &w->peer_b));
}

static void test_oversize_and_vlan(void **state)
{
	struct world *w = *state;
	uint8_t d[QDES_HDR_LEN + MTU + 32];

	memset(d, 0, sizeof(d));
	dgram(d, BCAST, MAC_A, NETID);
	switch_from_underlay(&w->sw, &w->peer_a, d, QDES_HDR_LEN + MTU + 14);
	assert_int_equal(w->tap.out.n, 1);
	switch_from_underlay(&w->sw, &w->peer_a, d, QDES_HDR_LEN + MTU + 15);
	assert_int_equal(w->cnt.drop_oversize, 1);
	d[QDES_HDR_LEN + 12] = 0x81;
	switch_from_underlay(&w->sw, &w->peer_a, d, QDES_HDR_LEN + MTU + 18);
	assert_int_equal(w->tap.out.n, 2);
}

/* encap vxlan through the ops table: VXLAN headers out, peers learnt at the group's port */
static void test_vxlan_mode(void **state)
{
	struct world *w = *state;
	uint8_t buf[PROTO_HEADROOM + 64], in[128], *f;
	union qdes_sockaddr src, want, echo;
	char a[ADDR_STRLEN];
	size_t len, n;

	switch_set_encap(&w->sw, proto_encap(ENCAP_VXLAN), 4789);
	w->sw.netid = 0x12345;

	/* flood with a VXLAN header for the 24-bit VNI */
	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(flood.n, 1);
	assert_int_equal(flood.len, len + VXLAN_HDR_LEN);
	assert_memory_equal(flood.last, ((const uint8_t[]){0x08, 0, 0, 0, 0x01, 0x23, 0x45, 0}), 8);

	/* a kernel endpoint sends from a flow-hash port: learnt at (address, 4789) */
	f = frame(buf, MAC_LOCAL, MAC_A, &len);
	proto_vxlan_encode(in, 0x12345);
	memcpy(in + VXLAN_HDR_LEN, f, len);
	n = len + VXLAN_HDR_LEN;
	assert_int_equal(addr_parse("10.77.0.2:51234", 0, true, &src), 0);
	assert_int_equal(addr_parse("10.77.0.2:4789", 0, true, &want), 0);
	switch_from_underlay(&w->sw, &src, in, n);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(w->cnt.fdb_learned, 2);

	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(ucast.n, 1);
	if (!addr_equal(&ucast.dst, &want))
		fail_msg("unicast to %s, want 10.77.0.2:4789", addr_str(&ucast.dst, a, sizeof(a)));
	assert_memory_equal(ucast.last, ((const uint8_t[]){0x08, 0, 0, 0, 0x01, 0x23, 0x45, 0}), 8);

	/* the same source from another flow-hash port is the same peer: no move */
	assert_int_equal(addr_parse("10.77.0.2:40999", 0, true, &src), 0);
	switch_from_underlay(&w->sw, &src, in, n);
	assert_int_equal(w->cnt.fdb_moved, 0);

	/* QDES datagrams, a bare header (no leave notice), another VNI: dropped and counted */
	n = dgram(in, MAC_LOCAL, MAC_B, NETID);
	switch_from_underlay(&w->sw, &src, in, n);
	assert_int_equal(w->cnt.drop_flags, 1);
	proto_vxlan_encode(in, 0x12345);
	switch_from_underlay(&w->sw, &src, in, VXLAN_HDR_LEN);
	assert_int_equal(w->cnt.drop_short, 1);
	assert_int_equal(w->cnt.leave_rx, 0);
	proto_vxlan_encode(in, 0x2345);
	memcpy(in + VXLAN_HDR_LEN, f, len);
	switch_from_underlay(&w->sw, &src, in, len + VXLAN_HDR_LEN);
	assert_int_equal(w->cnt.drop_netid, 1);

	/* our own echo is still ours, by source address and port */
	echo = w->self;
	proto_vxlan_encode(in, 0x12345);
	switch_from_underlay(&w->sw, &echo, in, len + VXLAN_HDR_LEN);
	assert_int_equal(w->cnt.drop_self, 1);
}

/*
 * encap raw: bare frames; a known remote MAC still goes to the group (QEMU's socket backends
 * never receive unicast), not to local ports; our own looped-back frames are not learnt
 */
static void test_raw_mode(void **state)
{
	struct world *w = *state;
	uint8_t buf[PROTO_HEADROOM + 64], *f;
	size_t len;

	switch_set_encap(&w->sw, proto_encap(ENCAP_RAW), 0);
	w->sw.netid = 0;

	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(flood.n, 1);
	assert_int_equal(flood.len, len);
	assert_memory_equal(flood.last, f, len);

	/* a QEMU guest's frame: learnt, delivered; and it answers itself through the group */
	f = frame(buf, MAC_LOCAL, MAC_A, &len);
	switch_from_underlay(&w->sw, &w->peer_a, f, len);
	assert_int_equal(w->tap.out.n, 1);
	assert_non_null(fdb_lookup(w->fdb, 0, MAC_A));
	f = frame(buf, MAC_A, MAC_LOCAL, &len);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(ucast.n, 0);
	assert_int_equal(flood.n, 2);
	assert_int_equal(w->cnt.tx_flood, 2);
	assert_int_equal(w->cnt.tx_unicast, 0);

	/* known remote: not flooded to the other local ports either */
	w->guest.port = (struct qdes_port){.ops = &fake_ops, .name = "guest", .priv = &w->guest};
	assert_int_equal(switch_add_port(&w->sw, &w->guest.port), 1);
	switch_from_port(&w->sw, &w->tap.port, f, len, NULL);
	assert_int_equal(w->guest.out.n, 0);
	assert_int_equal(flood.n, 3);

	/* our own frame looped back by the group: dropped by source, never learnt */
	f = frame(buf, BCAST, MAC_B, &len);
	switch_from_underlay(&w->sw, &w->self, f, len);
	assert_int_equal(w->cnt.drop_self, 1);
	assert_null(fdb_lookup(w->fdb, 0, MAC_B));
	/* nor from another source claiming our MAC */
	f = frame(buf, BCAST, MAC_LOCAL, &len);
	switch_from_underlay(&w->sw, &w->peer_b, f, len);
	assert_int_equal(w->cnt.fdb_conflict, 1);
	assert_int_equal(w->tap.out.n, 1);
	/* a frame for a MAC at another member is not delivered here */
	f = frame(buf, MAC_A, MAC_B, &len);
	switch_from_underlay(&w->sw, &w->peer_b, f, len);
	assert_int_equal(w->cnt.drop_remote_dst, 1);
	assert_int_equal(w->tap.out.n, 1);
	assert_int_equal(ucast.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unknown_unicast_floods_with_header, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_learn_remote_then_unicast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_from_underlay_reaches_tap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_own_echo_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remote_cannot_hijack_local_mac, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_leave_notice_flushes_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_datagrams_are_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flooded_frame_for_other_member_not_delivered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_ports_talk_without_underlay, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_workers_share_ports_and_fdb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ageing_turns_unicast_into_flood, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration_between_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_and_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vxlan_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_mode, setup, teardown),
	};

	return cmocka_run_group_tests_name("switch", tests, NULL, NULL);
}

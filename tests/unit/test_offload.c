// SPDX-License-Identifier: GPL-2.0-or-later
/* test_offload.c - TCP segmentation, coalescing and checksums of the TAP offloads, checked
 * against frames built here and a reference checksum that shares nothing with offload.c
 *
 * Every frame handed to offload.c sits in a heap block of exactly its length, and every output
 * buffer is exactly as large as announced: ASan turns any read or write past them into a
 * failure.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offload.h"

#include "test_ref.h"

#define ENCAP_LEN 8
#define MAX_FRAME 1464 /* segment MTU 1450 + Ethernet */
#define MSS	  1448
#define BIG	  30000
#define TCP_HLEN  32 /* with the timestamp option */

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20
#define ECE 0x40
#define CWR 0x80

static const uint8_t ENCAP[ENCAP_LEN] = {'Q', 'D', 0x01, 0x00, 0x00, 0x2a, 0x00, 0x00};
static const uint8_t MAC_DST[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t MAC_SRC[6] = {2, 0, 0, 0, 0, 1};

/* Fixed-seed xorshift: every run sees the same bytes */
static uint32_t rng = 0x2545f491;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static uint8_t *xmalloc(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	return p;
}

/* A copy in a heap block of exactly @n bytes */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *d = xmalloc(n);

	memcpy(d, p, n);
	return d;
}

static bool ref_l4_ok(const uint8_t *f, size_t l3, size_t l4, bool v6, size_t l4len, uint8_t proto)
{
	return ref_fold(ref_pseudo(f, l3, v6, l4len, proto) + ref_add(0, f + l4, l4len)) == 0xffff;
}

static bool ref_ip4_ok(const uint8_t *f, size_t l3)
{
	return ref_fold(ref_add(0, f + l3, (size_t)(f[l3] & 0xf) * 4)) == 0xffff;
}

/* ---- Frames built here ---- */

struct flow {
	bool v6, vlan, ipopt;
	uint8_t src[16], dst[16];
	uint16_t sport, dport, vid, frag;
	uint32_t ack, tsval, tsecr;
	uint16_t win;
	uint8_t tos, ttl;
	uint8_t mac_src[6];
};

struct lay {
	size_t l3, l4, hdr;
};

/* 32-bit folded sum of the address words, as a 32-bit-word checksum routine sees it */
static uint32_t addr_words(const struct flow *fl)
{
	size_t i, n = fl->v6 ? 16 : 4;
	uint64_t s = 0;

	for (i = 0; i < n; i += 4)
		s += (uint64_t)get_be32(fl->src + i) + get_be32(fl->dst + i);
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

/*
 * @edge picks addresses whose 32-bit word sum is 0xffffff00 (192.168.1.10 -> 63.87.253.246,
 * 2001:db8::1 -> 2001:db8::bffd:e38f): adding protocol and length to it carries out of 32 bits.
 */
static void flow_init(struct flow *fl, bool v6, bool vlan, bool ipopt, bool edge)
{
	static const uint8_t v4n[2][4] = {{10, 1, 2, 3}, {10, 1, 2, 4}};
	static const uint8_t v4e[2][4] = {{192, 168, 1, 10}, {63, 87, 253, 246}};
	static const uint8_t v6n[2][16] = {{0xfd, 0, 0, 1, [15] = 3}, {0xfd, 0, 0, 1, [15] = 4}};
	static const uint8_t v6e[2][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
					   {0x20, 0x01, 0x0d, 0xb8, [12] = 0xbf, 0xfd, 0xe3, 0x8f}};

	memset(fl, 0, sizeof(*fl));
	fl->v6 = v6;
	fl->vlan = vlan;
	fl->ipopt = ipopt && !v6;
	if (v6) {
		memcpy(fl->src, edge ? v6e[0] : v6n[0], 16);
		memcpy(fl->dst, edge ? v6e[1] : v6n[1], 16);
	} else {
		memcpy(fl->src, edge ? v4e[0] : v4n[0], 4);
		memcpy(fl->dst, edge ? v4e[1] : v4n[1], 4);
	}
	if (edge)
		assert_int_equal(addr_words(fl), 0xffffff00);
	fl->sport = 40000;
	fl->dport = 5201;
	fl->vid = 100;
	fl->frag = 0x4000; /* DF */
	fl->ack = 0x11223344;
	fl->tsval = 0xa1b2c3d4;
	fl->tsecr = 0x01020304;
	fl->win = 502;
	fl->ttl = 64;
	memcpy(fl->mac_src, MAC_SRC, 6);
}

static void layout(const struct flow *fl, struct lay *ly)
{
	ly->l3 = fl->vlan ? 18 : 14;
	ly->l4 = ly->l3 + (fl->v6 ? 40 : fl->ipopt ? 24 : 20);
	ly->hdr = ly->l4 + TCP_HLEN;
}

enum csum_mode {
	CS_FULL,   /* complete TCP checksum, as on the wire */
	CS_PSEUDO, /* folded pseudo-header sum, as the kernel leaves it with NEEDS_CSUM */
};

/* Ethernet (+ 802.1Q) + IPv4 (+ router alert option) or IPv6 + TCP with timestamps + @pl */
static size_t build(const struct flow *fl, uint32_t seq, uint16_t id, uint8_t flags,
		    const uint8_t *pl, size_t plen, enum csum_mode cm, uint8_t *f)
{
	size_t l4len = TCP_HLEN + plen;
	uint8_t *ip, *tcp;
	struct lay ly;
	uint64_t ph;

	layout(fl, &ly);
	memcpy(f, MAC_DST, 6);
	memcpy(f + 6, fl->mac_src, 6);
	if (fl->vlan) {
		put_be16(f + 12, 0x8100);
		put_be16(f + 14, fl->vid);
	}
	put_be16(f + ly.l3 - 2, fl->v6 ? 0x86dd : 0x0800);
	ip = f + ly.l3;
	if (fl->v6) {
		ip[0] = (uint8_t)(0x60 | fl->tos >> 4);
		ip[1] = (uint8_t)(fl->tos << 4 | 0x0a);
		ip[2] = 0xbc;
		ip[3] = 0xde;
		put_be16(ip + 4, (uint32_t)l4len);
		ip[6] = 6;
		ip[7] = fl->ttl;
		memcpy(ip + 8, fl->src, 16);
		memcpy(ip + 24, fl->dst, 16);
	} else {
		size_t ihl = ly.l4 - ly.l3;

		ip[0] = (uint8_t)(0x40 | ihl / 4);
		ip[1] = fl->tos;
		put_be16(ip + 2, (uint32_t)(ihl + l4len));
		put_be16(ip + 4, id);
		put_be16(ip + 6, fl->frag);
		ip[8] = fl->ttl;
		ip[9] = 6;
		put_be16(ip + 10, 0);
		memcpy(ip + 12, fl->src, 4);
		memcpy(ip + 16, fl->dst, 4);
		if (fl->ipopt) {
			ip[20] = 0x94; /* router alert */
			ip[21] = 4;
			ip[22] = 0;
			ip[23] = 0;
		}
		put_be16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, ihl)));
	}
	tcp = f + ly.l4;
	put_be16(tcp, fl->sport);
	put_be16(tcp + 2, fl->dport);
	put_be32(tcp + 4, seq);
	put_be32(tcp + 8, fl->ack);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = flags;
	put_be16(tcp + 14, fl->win);
	put_be16(tcp + 16, 0);
	put_be16(tcp + 18, 0);
	tcp[20] = 1; /* NOP NOP TS */
	tcp[21] = 1;
	tcp[22] = 8;
	tcp[23] = 10;
	put_be32(tcp + 24, fl->tsval);
	put_be32(tcp + 28, fl->tsecr);
	if (plen)
		memcpy(f + ly.hdr, pl, plen);
	ph = ref_pseudo(f, ly.l3, fl->v6, l4len, 6);
	if (cm == CS_PSEUDO)
		put_be16(tcp + 16, ref_fold(ph));
	else
		put_be16(tcp + 16, (uint16_t)~ref_fold(ref_add(ph, tcp, l4len)));
	return ly.hdr + plen;
}

/* The same as a heap block of exactly its length */
static uint8_t *build_exact(const struct flow *fl, uint32_t seq, uint16_t id, uint8_t flags,
			    const uint8_t *pl, size_t plen, enum csum_mode cm, size_t *len)
{
	struct lay ly;
	uint8_t *f;

	layout(fl, &ly);
	f = xmalloc(ly.hdr + plen);
	*len = build(fl, seq, id, flags, pl, plen, cm, f);
	return f;
}

/* Ethernet + IPv4/IPv6 + UDP; the checksum field holds the pseudo-header sum */
static size_t build_udp(bool v6, const uint8_t *pl, size_t plen, uint8_t *f, struct lay *ly)
{
	struct flow fl;
	size_t l4len = 8 + plen;
	uint8_t *ip;

	flow_init(&fl, v6, false, false, false);
	ly->l3 = 14;
	ly->l4 = 14 + (v6 ? 40 : 20);
	ly->hdr = ly->l4 + 8;
	memcpy(f, MAC_DST, 6);
	memcpy(f + 6, MAC_SRC, 6);
	put_be16(f + 12, v6 ? 0x86dd : 0x0800);
	ip = f + 14;
	memset(ip, 0, ly->l4 - ly->l3);
	if (v6) {
		ip[0] = 0x60;
		put_be16(ip + 4, (uint32_t)l4len);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, fl.src, 16);
		memcpy(ip + 24, fl.dst, 16);
	} else {
		ip[0] = 0x45;
		put_be16(ip + 2, (uint32_t)(20 + l4len));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, fl.src, 4);
		memcpy(ip + 16, fl.dst, 4);
		put_be16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, 20)));
	}
	put_be16(f + ly->l4, 5353);
	put_be16(f + ly->l4 + 2, 4789);
	put_be16(f + ly->l4 + 4, (uint32_t)l4len);
	memcpy(f + ly->hdr, pl, plen);
	put_be16(f + ly->l4 + 6, ref_fold(ref_pseudo(f, ly->l3, v6, l4len, 17)));
	return ly->hdr + plen;
}

static struct virtio_net_hdr gso_vh(const struct flow *fl, uint16_t gso_size)
{
	struct virtio_net_hdr vh;
	struct lay ly;

	layout(fl, &ly);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = fl->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = gso_size;
	vh.hdr_len = (uint16_t)ly.hdr;
	vh.csum_start = (uint16_t)ly.l4;
	vh.csum_offset = 16;
	return vh;
}

/* Independent parser for outputs of the fuzzer: Ethernet (+ 1 tag), IPv4 or IPv6, TCP */
static bool tparse(const uint8_t *f, size_t len, struct lay *ly, bool *v6)
{
	size_t l3 = 14, thl;
	uint16_t type;

	if (len < 14)
		return false;
	type = get_be16(f + 12);
	if (type == 0x8100) {
		if (len < 18)
			return false;
		type = get_be16(f + 16);
		l3 = 18;
	}
	if (type == 0x0800) {
		if (len < l3 + 20 || f[l3] >> 4 != 4 || (f[l3] & 0xf) < 5 || f[l3 + 9] != 6)
			return false;
		ly->l4 = l3 + (size_t)(f[l3] & 0xf) * 4;
		*v6 = false;
	} else if (type == 0x86dd) {
		if (len < l3 + 40 || f[l3] >> 4 != 6 || f[l3 + 6] != 6)
			return false;
		ly->l4 = l3 + 40;
		*v6 = true;
	} else {
		return false;
	}
	if (len < ly->l4 + 20)
		return false;
	thl = (size_t)(f[ly->l4 + 12] >> 4) * 4;
	if (thl < 20 || len < ly->l4 + thl)
		return false;
	ly->l3 = l3;
	ly->hdr = ly->l4 + thl;
	return true;
}

/* ---- Checksum primitives against the reference ---- */

static void test_csum_primitives(void **state)
{
	static const uint32_t seeds[] = {0, 1, 0xffff, 0x10000, 0xfffffffe, 0xffffffff};
	uint8_t *buf = xmalloc(70000);
	size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 20, 33, 1448, 1449, 65535, 65536, 69999};
	size_t i, j, off;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* random bytes, then all 0xff: the latter carries on every word */
		if (i == 0)
			rnd_fill(buf, 70000);
		else
			memset(buf, 0xff, 70000);
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			for (off = 0; off < sizeof(seeds) / sizeof(seeds[0]); off++) {
				uint64_t want = ref_add(seeds[off], buf, lens[j]);
				uint32_t got = offload_csum_partial(buf, lens[j], seeds[off]);

				assert_int_equal(offload_csum_fold(got), ref_fold(want));
			}
			/* unaligned start */
			assert_int_equal(
				offload_csum_fold(offload_csum_partial(buf + 1, lens[j], 0)),
				ref_fold(ref_add(0, buf + 1, lens[j])));
		}
	}
	assert_int_equal(offload_csum_fold(0), 0);
	assert_int_equal(offload_csum_fold(0xffff), 0xffff);
	assert_int_equal(offload_csum_fold(0x1fffe), 0xffff);
	assert_int_equal(offload_csum_fold(0xffffffff), 0xffff);
	assert_int_equal(offload_csum_fold(0x12345678), ref_fold(0x12345678));
	free(buf);
}

/* ---- Segmentation ---- */

struct tso_case {
	bool v6, vlan, ipopt, edge, ecn;
	size_t plen, max_frame;
	uint16_t gso_size;
	uint8_t flags;
	uint32_t seq;
	uint16_t id;
};

/* Segment a super-frame built from @c and check every datagram; the output buffer is exactly
 * as large as the datagrams need */
static void run_tso(const struct tso_case *c)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct flow fl;
	struct lay ly;
	uint8_t *pl, *sf, *out, *cat;
	size_t len, mss, n, total, i, pos = 0, got = 0;

	flow_init(&fl, c->v6, c->vlan, c->ipopt, c->edge);
	layout(&fl, &ly);
	pl = xmalloc(c->plen);
	rnd_fill(pl, c->plen);
	sf = build_exact(&fl, c->seq, c->id, c->flags, pl, c->plen, CS_PSEUDO, &len);
	vh = gso_vh(&fl, c->gso_size);
	if (c->ecn)
		vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;

	mss = c->gso_size < c->max_frame - ly.hdr ? c->gso_size : c->max_frame - ly.hdr;
	n = c->plen ? (c->plen + mss - 1) / mss : 1;
	total = n * (ENCAP_LEN + ly.hdr) + c->plen;
	out = xmalloc(total);
	cat = xmalloc(c->plen);

	assert_int_equal(offload_tso_segment(&vh, sf, len, ENCAP, ENCAP_LEN, 0, c->max_frame, out,
					     total, &res),
			 0);
	assert_int_equal(res.n, n);
	if (n > 1)
		assert_int_equal(res.stride, ENCAP_LEN + ly.hdr + mss);
	else /* the only datagram is no longer than the segment size */
		assert_true(res.stride >= total);
	assert_int_equal(res.total, total);

	for (i = 0; i < n; i++) {
		size_t dlen = i + 1 < n ? res.stride : res.total - pos;
		const uint8_t *d = out + pos, *f = d + ENCAP_LEN;
		const uint8_t *ip = f + ly.l3, *sip = sf + ly.l3;
		const uint8_t *tcp = f + ly.l4, *stcp = sf + ly.l4;
		size_t flen = dlen - ENCAP_LEN, chunk = flen - ly.hdr;
		uint8_t want = c->flags;

		assert_memory_equal(d, ENCAP, ENCAP_LEN);
		assert_true(flen <= c->max_frame);
		assert_true(flen >= ly.hdr);
		assert_int_equal(chunk, i + 1 < n ? mss : c->plen - (n - 1) * mss);
		/* Ethernet header and tag as they were */
		assert_memory_equal(f, sf, ly.l3);
		if (c->v6) {
			assert_memory_equal(ip, sip, 4);
			assert_int_equal(get_be16(ip + 4), flen - ly.l4);
			assert_memory_equal(ip + 6, sip + 6, 34);
		} else {
			assert_int_equal(ip[0], sip[0]);
			assert_int_equal(ip[1], sip[1]);
			assert_int_equal(get_be16(ip + 2), flen - ly.l3);
			assert_int_equal(get_be16(ip + 4), (uint16_t)(c->id + i));
			assert_memory_equal(ip + 6, sip + 6, 4); /* flags/fragment, TTL, protocol */
			assert_memory_equal(ip + 12, sip + 12, ly.l4 - ly.l3 - 12); /* + options */
			assert_true(ref_ip4_ok(f, ly.l3));
		}
		assert_memory_equal(tcp, stcp, 4);
		assert_int_equal(get_be32(tcp + 4), (uint32_t)(c->seq + i * mss));
		assert_memory_equal(tcp + 8, stcp + 8, 5); /* ack, data offset */
		if (i)
			want &= (uint8_t)~CWR;
		if (i + 1 < n)
			want &= (uint8_t) ~(FIN | PSH);
		assert_int_equal(tcp[13], want);
		assert_memory_equal(tcp + 14, stcp + 14, 2);
		assert_memory_equal(tcp + 18, stcp + 18, TCP_HLEN - 18);
		assert_true(ref_l4_ok(f, ly.l3, ly.l4, c->v6, flen - ly.l4, 6));
		memcpy(cat + got, f + ly.hdr, chunk);
		got += chunk;
		pos += dlen;
	}
	assert_int_equal(pos, res.total);
	assert_int_equal(got, c->plen);
	assert_memory_equal(cat, pl, c->plen);
	free(cat);
	free(out);
	free(sf);
	free(pl);
}

static void test_tso_ipv4_options(void **state)
{
	struct tso_case c = {.plen = BIG, .max_frame = MAX_FRAME, .gso_size = MSS};

	(void)state;
	c.ipopt = true;
	c.flags = ACK | PSH;
	c.seq = 1000;
	c.id = 0x1234;
	run_tso(&c);
	/* FIN and PSH only on the last, CWR only on the first, ECE on all */
	c.flags = ACK | PSH | FIN | CWR | ECE;
	c.ecn = true;
	run_tso(&c);
}

static void test_tso_ipv6(void **state)
{
	struct tso_case c = {.v6 = true, .plen = BIG, .max_frame = MAX_FRAME, .gso_size = MSS};

	(void)state;
	c.flags = ACK | PSH | FIN | CWR;
	c.ecn = true;
	c.seq = 77;
	run_tso(&c);
	c.vlan = true;
	c.flags = ACK;
	c.ecn = false;
	run_tso(&c);
}

static void test_tso_vlan_and_wraps(void **state)
{
	struct tso_case c = {.vlan = true, .ipopt = true, .plen = BIG, .max_frame = MAX_FRAME};

	(void)state;
	c.gso_size = MSS;
	c.flags = ACK | PSH;
	c.seq = 0xffffc000; /* sequence numbers wrap inside the super-frame */
	c.id = 0xfffa;	    /* and so do IPv4 ids */
	run_tso(&c);
}

/* Addresses whose sum carries out of 32 bits when the pseudo-header is completed */
static void test_tso_pseudo_header_carry(void **state)
{
	struct tso_case c = {.plen = BIG, .max_frame = MAX_FRAME, .gso_size = MSS};

	(void)state;
	c.edge = true;
	c.flags = ACK | PSH;
	run_tso(&c);
	c.ipopt = true;
	c.vlan = true;
	run_tso(&c);
	c.ipopt = false;
	c.v6 = true;
	run_tso(&c);
	c.vlan = false;
	c.plen = 1; /* one short segment: no carry there, but the same path */
	run_tso(&c);
}

static void test_tso_shapes(void **state)
{
	struct tso_case c = {.max_frame = MAX_FRAME, .gso_size = MSS, .flags = ACK | PSH};
	bool v6;

	(void)state;
	for (v6 = false;; v6 = true) {
		c.v6 = v6;
		c.ipopt = !v6;
		/* the segment MTU below gso_size + headers: mss reduced to fit */
		c.plen = BIG;
		c.max_frame = 1000;
		run_tso(&c);
		c.max_frame = 576;
		run_tso(&c);
		c.max_frame = MAX_FRAME;
		/* gso_size smaller than the MTU allows: gso_size wins */
		c.gso_size = 1000;
		run_tso(&c);
		c.gso_size = MSS;
		/* exactly a multiple of mss */
		c.plen = 20 * MSS;
		run_tso(&c);
		/* a 1-byte last segment */
		c.plen = 20 * MSS + 1;
		run_tso(&c);
		/* all fits in one segment, or exactly one */
		c.plen = 500;
		run_tso(&c);
		c.plen = MSS;
		run_tso(&c);
		c.plen = MSS + 1;
		run_tso(&c);
		/* no payload at all */
		c.plen = 0;
		run_tso(&c);
		/* the largest super-frame the kernel hands over */
		c.plen = 65535 - (c.v6 ? 0 : 24) - TCP_HLEN;
		run_tso(&c);
		if (v6)
			break;
	}
}

/* The encapsulation may be empty */
static void test_tso_no_encap(void **state)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct flow fl;
	struct lay ly;
	uint8_t pl[3000], *sf, *out;
	size_t len, i;

	(void)state;
	flow_init(&fl, false, false, false, false);
	layout(&fl, &ly);
	rnd_fill(pl, sizeof(pl));
	sf = build_exact(&fl, 5, 6, ACK, pl, sizeof(pl), CS_PSEUDO, &len);
	vh = gso_vh(&fl, MSS);
	out = xmalloc(3 * ly.hdr + sizeof(pl));
	assert_int_equal(offload_tso_segment(&vh, sf, len, ENCAP, 0, 0, 1514, out,
					     3 * ly.hdr + sizeof(pl), &res),
			 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.stride, ly.hdr + MSS);
	assert_int_equal(res.total, 3 * ly.hdr + sizeof(pl));
	for (i = 0; i < 3; i++) {
		const uint8_t *f = out + i * res.stride;
		size_t flen = i < 2 ? res.stride : res.total - 2 * res.stride;

		assert_memory_equal(f, sf, 12);
		assert_true(ref_ip4_ok(f, ly.l3));
		assert_true(ref_l4_ok(f, ly.l3, ly.l4, false, flen - ly.l4, 6));
	}
	free(out);
	free(sf);
}

/* ---- Partial checksums of single frames ---- */

static void test_csum_complete_tcp(void **state)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct flow fl;
	struct lay ly;
	uint8_t pl[1001], *f, *full, *out;
	size_t len, flen;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		flow_init(&fl, v6, v6, !v6, false);
		layout(&fl, &ly);
		rnd_fill(pl, sizeof(pl));
		f = build_exact(&fl, 99, 7, ACK | PSH, pl, sizeof(pl), CS_PSEUDO, &len);
		full = build_exact(&fl, 99, 7, ACK | PSH, pl, sizeof(pl), CS_FULL, &flen);
		memset(&vh, 0, sizeof(vh));
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)ly.l4;
		vh.csum_offset = 16;

		/* through the segmenter: one datagram, checksum completed */
		out = xmalloc(ENCAP_LEN + len);
		assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, MAX_FRAME,
						     out, ENCAP_LEN + len, &res),
				 0);
		assert_int_equal(res.n, 1);
		assert_int_equal(res.total, ENCAP_LEN + len);
		assert_int_equal(res.stride, ENCAP_LEN + len);
		assert_memory_equal(out, ENCAP, ENCAP_LEN);
		assert_true(ref_l4_ok(out + ENCAP_LEN, ly.l3, ly.l4, v6, len - ly.l4, 6));
		assert_memory_equal(out + ENCAP_LEN, full, len);
		/* the input is left alone */
		assert_int_equal(get_be16(f + ly.l4 + 16),
				 ref_fold(ref_pseudo(f, ly.l3, v6, len - ly.l4, 6)));
		free(out);

		/* in place */
		assert_int_equal(offload_csum_complete(&vh, f, len), 0);
		assert_true(ref_l4_ok(f, ly.l3, ly.l4, v6, len - ly.l4, 6));
		assert_memory_equal(f, full, len);

		/* without NEEDS_CSUM, nothing is touched */
		vh.flags = 0;
		put_be16(f + ly.l4 + 16, 0xdead);
		assert_int_equal(offload_csum_complete(&vh, f, len), 0);
		assert_int_equal(get_be16(f + ly.l4 + 16), 0xdead);
		free(full);
		free(f);
	}
}

static void check_udp(bool v6, const uint8_t *pl, size_t plen, bool want_zero)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct lay ly;
	uint8_t *f = xmalloc(62 + plen), *g, *out;
	size_t len = build_udp(v6, pl, plen, f, &ly);

	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = (uint16_t)ly.l4;
	vh.csum_offset = 6;
	g = dup_exact(f, len);
	assert_int_equal(offload_csum_complete(&vh, g, len), 0);
	assert_true(ref_l4_ok(g, ly.l3, ly.l4, v6, len - ly.l4, 17));
	/* A UDP checksum computed as zero goes out as 0xffff: zero means "none" (and is
	 * invalid over IPv6) */
	assert_int_not_equal(get_be16(g + ly.l4 + 6), 0);
	if (want_zero)
		assert_int_equal(get_be16(g + ly.l4 + 6), 0xffff);
	assert_memory_equal(g, f, ly.l4 + 6);
	assert_memory_equal(g + ly.hdr, f + ly.hdr, plen);

	out = xmalloc(ENCAP_LEN + len);
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, MAX_FRAME, out,
					     ENCAP_LEN + len, &res),
			 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.total, ENCAP_LEN + len);
	assert_memory_equal(out, ENCAP, ENCAP_LEN);
	assert_memory_equal(out + ENCAP_LEN, g, len);
	free(out);
	free(g);
	free(f);
}

static void test_csum_complete_udp(void **state)
{
	uint8_t pl[777];
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		struct lay ly;
		uint8_t f[62 + sizeof(pl)];
		size_t len;
		uint64_t s;

		rnd_fill(pl, sizeof(pl));
		check_udp(v6, pl, sizeof(pl), false);	  /* odd length */
		check_udp(v6, pl, sizeof(pl) - 1, false); /* even length */
		check_udp(v6, pl, 0, false);

		/* Make the sum come out as 0xffff, so that the checksum is computed as 0: the first
		 * payload word balances the rest */
		pl[0] = pl[1] = 0;
		len = build_udp(v6, pl, sizeof(pl), f, &ly);
		put_be16(f + ly.l4 + 6, 0);
		s = ref_pseudo(f, ly.l3, v6, len - ly.l4, 17) + ref_add(0, f + ly.l4, len - ly.l4);
		put_be16(pl, (uint16_t)~ref_fold(s));
		len = build_udp(v6, pl, sizeof(pl), f, &ly);
		put_be16(f + ly.l4 + 6, 0);
		assert_int_equal(ref_fold(ref_pseudo(f, ly.l3, v6, len - ly.l4, 17) +
					  ref_add(0, f + ly.l4, len - ly.l4)),
				 0xffff);
		check_udp(v6, pl, sizeof(pl), true);
	}
}

static void test_csum_complete_bad(void **state)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct lay ly;
	uint8_t pl[100], tmp[200], *f, *out;
	size_t len;

	(void)state;
	rnd_fill(pl, sizeof(pl));
	len = build_udp(false, pl, sizeof(pl), tmp, &ly);
	f = dup_exact(tmp, len);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	out = xmalloc(ENCAP_LEN + len);

	/* csum_start at or beyond the end */
	vh.csum_offset = 0;
	vh.csum_start = (uint16_t)len;
	assert_int_equal(offload_csum_complete(&vh, f, len), -1);
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, 2000, out,
					     ENCAP_LEN + len, &res),
			 -1);
	vh.csum_start = 0xffff;
	assert_int_equal(offload_csum_complete(&vh, f, len), -1);
	/* the checksum field beyond the end, or straddling it */
	vh.csum_start = (uint16_t)ly.l4;
	vh.csum_offset = 0xffff;
	assert_int_equal(offload_csum_complete(&vh, f, len), -1);
	vh.csum_offset = (uint16_t)(len - ly.l4 - 1);
	assert_int_equal(offload_csum_complete(&vh, f, len), -1);
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, 2000, out,
					     ENCAP_LEN + len, &res),
			 -1);
	/* the last two bytes are fine */
	vh.csum_offset = (uint16_t)(len - ly.l4 - 2);
	assert_int_equal(offload_csum_complete(&vh, f, len), 0);
	/* an empty frame */
	vh.csum_start = 0;
	vh.csum_offset = 0;
	assert_int_equal(offload_csum_complete(&vh, f, 0), -1);
	assert_int_equal(offload_csum_complete(&vh, f, 1), -1);

	/* a plain frame longer than max_frame, or than the output */
	vh.flags = 0;
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, len - 1, out,
					     ENCAP_LEN + len, &res),
			 -1);
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, len, out,
					     ENCAP_LEN + len - 1, &res),
			 -1);
	assert_int_equal(offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, len, out,
					     ENCAP_LEN + len, &res),
			 0);
	assert_int_equal(res.n, 1);
	assert_memory_equal(out + ENCAP_LEN, f, len);
	free(out);
	free(f);
}

/* ---- Malformed super-frames ---- */

static int tso_try(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
		   size_t max_frame, size_t out_size)
{
	struct offload_segs res = {7, 7, 7};
	uint8_t *in = dup_exact(frame, len), *out = xmalloc(out_size);
	int r = offload_tso_segment(vh, in, len, ENCAP, ENCAP_LEN, 0, max_frame, out, out_size,
				    &res);

	if (r)
		assert_int_equal(res.n, 0);
	free(out);
	free(in);
	return r;
}

static void test_tso_malformed(void **state)
{
	struct virtio_net_hdr vh, v;
	struct flow fl;
	struct lay ly;
	uint8_t pl[3000], f[4000], g[4000];
	size_t len, total;
	const size_t big = 100000;
	int v6;

	(void)state;
	rnd_fill(pl, sizeof(pl));
	for (v6 = 0; v6 < 2; v6++) {
		flow_init(&fl, v6, false, false, false);
		layout(&fl, &ly);
		len = build(&fl, 1, 1, ACK, pl, sizeof(pl), CS_PSEUDO, f);
		vh = gso_vh(&fl, MSS);
		total = 3 * (ENCAP_LEN + ly.hdr) + sizeof(pl);
		assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, total), 0);

		/* truncated Ethernet, IP, TCP headers, TCP options */
		assert_int_equal(tso_try(&vh, f, 0, MAX_FRAME, big), -1);
		assert_int_equal(tso_try(&vh, f, 13, MAX_FRAME, big), -1);
		assert_int_equal(tso_try(&vh, f, ly.l3 + 1, MAX_FRAME, big), -1);
		assert_int_equal(tso_try(&vh, f, ly.l4 - 1, MAX_FRAME, big), -1);
		assert_int_equal(tso_try(&vh, f, ly.l4 + 19, MAX_FRAME, big), -1);
		assert_int_equal(tso_try(&vh, f, ly.hdr - 1, MAX_FRAME, big), -1);

		/* TCP data offset below 5, or beyond the frame */
		memcpy(g, f, len);
		g[ly.l4 + 12] = 4 << 4;
		assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
		g[ly.l4 + 12] = 0;
		assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
		g[ly.l4 + 12] = 15 << 4;
		assert_int_equal(tso_try(&vh, g, ly.l4 + 59, MAX_FRAME, big), -1);

		/* not TCP */
		memcpy(g, f, len);
		g[ly.l3 + (v6 ? 6 : 9)] = 17;
		assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
		/* wrong IP version */
		memcpy(g, f, len);
		g[ly.l3] ^= 0x20;
		assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
		/* not IP */
		memcpy(g, f, len);
		put_be16(g + 12, 0x0806);
		assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);

		/* gso_size 0; UDP, USO and unknown GSO types; the other IP version's type */
		v = vh;
		v.gso_size = 0;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v = vh;
		v.gso_type = VIRTIO_NET_HDR_GSO_UDP;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.gso_type = 5; /* VIRTIO_NET_HDR_GSO_UDP_L4 */
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.gso_type = 2;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.gso_type = 0x7f;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.gso_type = VIRTIO_NET_HDR_GSO_ECN;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);

		/* a vnet header that does not describe the frame: the checksum elsewhere than the
		 * TCP header's field, or beyond the frame; headers longer than the frame */
		v = vh;
		v.csum_start = (uint16_t)len;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.csum_start = 0xffff;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.csum_start = (uint16_t)ly.l3;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v = vh;
		v.csum_offset = 0xfff0;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v.csum_offset = 6;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		v = vh;
		v.hdr_len = (uint16_t)(len + 1);
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, big), -1);
		/* without NEEDS_CSUM the checksum fields do not matter: all is computed */
		v = vh;
		v.flags = 0;
		v.csum_start = 0xffff;
		v.csum_offset = 0xffff;
		assert_int_equal(tso_try(&v, f, len, MAX_FRAME, total), 0);

		/* no room for headers plus one byte */
		assert_int_equal(tso_try(&vh, f, len, ly.hdr, big), -1);
		assert_int_equal(tso_try(&vh, f, len, 0, big), -1);
		assert_int_equal(
			tso_try(&vh, f, len, ly.hdr + 1, sizeof(pl) * (ENCAP_LEN + ly.hdr + 1)), 0);

		/* output too small, by one byte or more */
		assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, total - 1), -1);
		assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, total - MSS), -1);
		assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, ENCAP_LEN), -1);
		assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, 0), -1);
	}

	/* IPv4: IHL below 5, header longer than the frame */
	flow_init(&fl, false, true, true, false);
	layout(&fl, &ly);
	len = build(&fl, 1, 1, ACK, pl, sizeof(pl), CS_PSEUDO, f);
	vh = gso_vh(&fl, MSS);
	assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, big), 0);
	assert_int_equal(tso_try(&vh, f, 17, MAX_FRAME, big), -1); /* tag cut */
	memcpy(g, f, len);
	g[ly.l3] = 0x44;
	assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
	g[ly.l3] = 0x40;
	assert_int_equal(tso_try(&vh, g, len, MAX_FRAME, big), -1);
	g[ly.l3] = 0x4f;
	assert_int_equal(tso_try(&vh, g, ly.l3 + 60 + 19, MAX_FRAME, big), -1);

	/* IPv6 with an extension header */
	flow_init(&fl, true, false, false, false);
	layout(&fl, &ly);
	len = build(&fl, 1, 1, ACK, pl, sizeof(pl), CS_PSEUDO, f);
	vh = gso_vh(&fl, MSS);
	f[ly.l3 + 6] = 0; /* hop-by-hop */
	assert_int_equal(tso_try(&vh, f, len, MAX_FRAME, big), -1);
}

/* Bytes after the IP packet are not TCP payload: a super-frame with trailing bytes is refused,
 * or segmented without them */
static void test_tso_trailing_bytes(void **state)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct flow fl;
	struct lay ly;
	uint8_t pl[3000], *f, *out;
	size_t len, i, pos, got;
	int v6;

	(void)state;
	rnd_fill(pl, sizeof(pl));
	for (v6 = 0; v6 < 2; v6++) {
		flow_init(&fl, v6, false, false, false);
		layout(&fl, &ly);
		f = xmalloc(ly.hdr + sizeof(pl));
		/* an IP packet of 2000 bytes of payload in a frame of 3000 */
		build(&fl, 1, 1, ACK, pl, 2000, CS_PSEUDO, f);
		memcpy(f + ly.hdr + 2000, pl + 2000, 1000);
		len = ly.hdr + sizeof(pl);
		vh = gso_vh(&fl, MSS);
		out = xmalloc(10000);
		if (!offload_tso_segment(&vh, f, len, ENCAP, ENCAP_LEN, 0, MAX_FRAME, out, 10000,
					 &res)) {
			for (i = 0, pos = 0, got = 0; i < res.n; i++) {
				size_t dlen = i + 1 < res.n ? res.stride : res.total - pos;

				got += dlen - ENCAP_LEN - ly.hdr;
				pos += dlen;
			}
			assert_int_equal(got, 2000);
		}
		free(out);
		free(f);
	}
}

/* ---- Coalescing ---- */

static void gro_open(struct offload_gro *g)
{
	offload_gro_init(g, xmalloc(OFFLOAD_MAX_FRAME));
	assert_int_equal(g->len, 0);
	assert_int_equal(g->segs, 0);
}

static void gro_close(struct offload_gro *g)
{
	free(g->buf);
}

/* offload_gro_add() on a heap copy of exactly @len bytes */
static bool gro_add(struct offload_gro *g, const uint8_t *frame, size_t len)
{
	uint8_t *f = dup_exact(frame, len);
	bool r = offload_gro_add(g, f, len);

	free(f);
	return r;
}

/* A segment of @fl with a complete checksum, merged or not */
static bool gro_seg(struct offload_gro *g, const struct flow *fl, uint32_t seq, uint16_t id,
		    uint8_t flags, const uint8_t *pl, size_t plen)
{
	size_t len;
	uint8_t *f = build_exact(fl, seq, id, flags, pl, plen, CS_FULL, &len);
	bool r = offload_gro_add(g, f, len);

	free(f);
	return r;
}

/* A refused frame leaves the coalescer as it was */
static void gro_refused(struct offload_gro *g, const uint8_t *frame, size_t len)
{
	size_t before = g->len;
	unsigned int segs = g->segs;

	assert_false(gro_add(g, frame, len));
	assert_int_equal(g->len, before);
	assert_int_equal(g->segs, segs);
}

/* After finish with 2+ segments: lengths, vnet header, the TCP checksum field holding the
 * folded pseudo-header sum; completing it gives a valid checksum */
static void check_gro_super(const struct offload_gro *g, const struct lay *ly, bool v6, size_t mss)
{
	size_t l4len = g->len - ly->l4;
	uint8_t *c;

	assert_true(g->segs >= 2);
	if (v6) {
		assert_int_equal(get_be16(g->buf + ly->l3 + 4), l4len);
	} else {
		assert_int_equal(get_be16(g->buf + ly->l3 + 2), g->len - ly->l3);
		assert_true(ref_ip4_ok(g->buf, ly->l3));
	}
	assert_int_equal(g->vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(g->vh.gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(g->vh.gso_size, mss);
	assert_int_equal(g->vh.hdr_len, ly->hdr);
	assert_int_equal(g->vh.csum_start, ly->l4);
	assert_int_equal(g->vh.csum_offset, 16);
	assert_int_equal(get_be16(g->buf + ly->l4 + 16),
			 ref_fold(ref_pseudo(g->buf, ly->l3, v6, l4len, 6)));

	/* completed by the reference over the super-frame */
	c = dup_exact(g->buf, g->len);
	put_be16(c + ly->l4 + 16, (uint16_t)~ref_fold(ref_add(0, c + ly->l4, l4len)));
	assert_true(ref_l4_ok(c, ly->l3, ly->l4, v6, l4len, 6));
	/* and by offload_csum_complete() as the kernel would */
	memcpy(c, g->buf, g->len);
	assert_int_equal(offload_csum_complete(&g->vh, c, g->len), 0);
	assert_true(ref_l4_ok(c, ly->l3, ly->l4, v6, l4len, 6));
	free(c);
}

/* Cut a super-frame, feed the segments (without the encapsulation) back: all merge into the
 * original super-frame, byte for byte */
static void run_gro_roundtrip(bool v6, bool vlan, bool edge, size_t plen, size_t max_frame,
			      uint32_t seq, uint16_t id)
{
	struct virtio_net_hdr vh;
	struct offload_segs res;
	struct offload_gro g;
	struct flow fl;
	struct lay ly;
	uint8_t *pl, *sf, *out;
	size_t len, off, mss, i;

	flow_init(&fl, v6, vlan, false, edge);
	layout(&fl, &ly);
	pl = xmalloc(plen);
	rnd_fill(pl, plen);
	sf = build_exact(&fl, seq, id, ACK | PSH, pl, plen, CS_PSEUDO, &len);
	vh = gso_vh(&fl, MSS);
	mss = max_frame - ly.hdr < MSS ? max_frame - ly.hdr : MSS;
	out = xmalloc(len * 2);
	assert_int_equal(offload_tso_segment(&vh, sf, len, ENCAP, ENCAP_LEN, 0, max_frame, out,
					     len * 2, &res),
			 0);
	assert_true(res.n > 2);

	gro_open(&g);
	for (i = 0, off = 0; i < res.n; i++, off += res.stride) {
		size_t dlen = i + 1 < res.n ? res.stride : res.total - off;

		assert_true(gro_add(&g, out + off + ENCAP_LEN, dlen - ENCAP_LEN));
		assert_int_equal(g.segs, i + 1);
	}
	offload_gro_finish(&g);
	assert_int_equal(g.len, len);
	assert_int_equal(g.segs, res.n);
	check_gro_super(&g, &ly, v6, mss);
	/* the very super-frame the kernel handed over, with the same vnet header */
	assert_memory_equal(g.buf, sf, len);
	vh.gso_size = (uint16_t)mss;
	assert_memory_equal(&g.vh, &vh, sizeof(vh));

	/* and it segments again into the same datagrams */
	{
		struct offload_segs res2;
		uint8_t *out2 = xmalloc(res.total);

		assert_int_equal(offload_tso_segment(&g.vh, g.buf, g.len, ENCAP, ENCAP_LEN, 0,
						     max_frame, out2, res.total, &res2),
				 0);
		assert_int_equal(res2.n, res.n);
		assert_int_equal(res2.total, res.total);
		assert_memory_equal(out2, out, res.total);
		free(out2);
	}
	gro_close(&g);
	free(out);
	free(sf);
	free(pl);
}

static void test_gro_roundtrip(void **state)
{
	(void)state;
	run_gro_roundtrip(false, false, false, BIG, MAX_FRAME, 1000, 0x4321);
	run_gro_roundtrip(true, false, false, BIG, MAX_FRAME, 0xfffff000, 0);
	run_gro_roundtrip(false, true, false, BIG, MAX_FRAME, 0xffffff00, 0xfffe);
	run_gro_roundtrip(true, true, false, BIG, MAX_FRAME, 5, 0);
	/* a reduced mss comes back as gso_size */
	run_gro_roundtrip(false, false, false, BIG, 1000, 1, 1);
	/* exact multiple of mss, and a 1-byte tail */
	run_gro_roundtrip(false, false, false, 20 * MSS, MAX_FRAME, 1, 1);
	run_gro_roundtrip(true, false, false, 20 * MSS + 1, MAX_FRAME, 1, 1);
}

/* The super-frame's pseudo-header sum carries out of 32 bits */
static void test_gro_pseudo_header_carry(void **state)
{
	(void)state;
	run_gro_roundtrip(false, false, true, BIG, MAX_FRAME, 1000, 0x4321);
	run_gro_roundtrip(true, true, true, BIG, MAX_FRAME, 1000, 0);
	run_gro_roundtrip(true, false, true, 3 * MSS, MAX_FRAME, 1000, 0);
}

/* A fixture for the cases that end a run: a flow, a payload, segments of MSS */
struct run {
	struct offload_gro g;
	struct flow fl;
	struct lay ly;
	uint8_t pl[64 * MSS];
	uint32_t seq0;
};

static int run_setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	flow_init(&r->fl, false, false, false, false);
	layout(&r->fl, &r->ly);
	rnd_fill(r->pl, sizeof(r->pl));
	r->seq0 = 0x10000000;
	gro_open(&r->g);
	*state = r;
	return 0;
}

static int run_teardown(void **state)
{
	struct run *r = *state;

	gro_close(&r->g);
	free(r);
	return 0;
}

/* Segment @k of the run, with @flags */
static bool run_seg(struct run *r, const struct flow *fl, unsigned int k, uint8_t flags)
{
	return gro_seg(&r->g, fl, r->seq0 + k * MSS, (uint16_t)(100 + k), flags, r->pl + k * MSS,
		       MSS);
}

/* Segment @k of @fl built into a heap block */
static uint8_t *run_frame(struct run *r, const struct flow *fl, unsigned int k, uint8_t flags,
			  size_t *len)
{
	return build_exact(fl, r->seq0 + k * MSS, (uint16_t)(100 + k), flags, r->pl + k * MSS, MSS,
			   CS_FULL, len);
}

static void run_refuse(struct run *r, const struct flow *fl, unsigned int k, uint8_t flags)
{
	size_t len;
	uint8_t *f = run_frame(r, fl, k, flags, &len);

	gro_refused(&r->g, f, len);
	free(f);
}

/* Finish, check the merged payload is segments [0, @n) */
static void run_finish(struct run *r, unsigned int n)
{
	offload_gro_finish(&r->g);
	assert_int_equal(r->g.segs, n);
	assert_int_equal(r->g.len, r->ly.hdr + n * MSS);
	assert_memory_equal(r->g.buf + r->ly.hdr, r->pl, n * MSS);
	if (n > 1)
		check_gro_super(&r->g, &r->ly, r->fl.v6, MSS);
	assert_int_equal(get_be32(r->g.buf + r->ly.l4 + 4), r->seq0);
}

static void run_start(struct run *r, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		assert_true(run_seg(r, &r->fl, k, ACK));
	assert_int_equal(r->g.segs, n);
}

static void test_gro_out_of_order(void **state)
{
	struct run *r = *state;

	run_start(r, 2);
	run_refuse(r, &r->fl, 3, ACK); /* ahead */
	run_refuse(r, &r->fl, 1, ACK); /* retransmission */
	run_refuse(r, &r->fl, 0, ACK);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_gap(void **state)
{
	struct run *r = *state;
	size_t len;
	uint8_t *f;

	run_start(r, 2);
	/* one byte missing, one byte overlapping */
	f = build_exact(&r->fl, r->seq0 + 2 * MSS + 1, 102, ACK, r->pl, MSS, CS_FULL, &len);
	gro_refused(&r->g, f, len);
	free(f);
	f = build_exact(&r->fl, r->seq0 + 2 * MSS - 1, 102, ACK, r->pl, MSS, CS_FULL, &len);
	gro_refused(&r->g, f, len);
	free(f);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_other_flow(void **state)
{
	struct run *r = *state;
	struct flow o;

	run_start(r, 2);
	o = r->fl;
	o.dport++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.sport++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.dst[3]++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.src[0]++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.mac_src[5]++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.vlan = true;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.ack += 1448;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.win++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.tos = 0x10;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.ttl = 63;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.frag = 0; /* DF changed */
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.v6 = true;
	run_refuse(r, &o, 2, ACK);
	/* the run itself is intact */
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_vlan_other_tag(void **state)
{
	struct run *r = *state;
	struct flow o;

	r->fl.vlan = true;
	layout(&r->fl, &r->ly);
	run_start(r, 2);
	o = r->fl;
	o.vid = 101;
	run_refuse(r, &o, 2, ACK);
	o.vlan = false;
	run_refuse(r, &o, 2, ACK);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_control_flags(void **state)
{
	static const uint8_t bad[] = {SYN,	 FIN,	    RST,       URG,
				      SYN | ACK, FIN | ACK, RST | ACK, URG | ACK,
				      CWR | ACK, ECE | ACK, 0};
	struct run *r = *state;
	size_t i;

	/* none of them starts a run */
	for (i = 0; i < sizeof(bad); i++)
		run_refuse(r, &r->fl, 0, bad[i]);
	assert_int_equal(r->g.len, 0);
	/* nor extends one */
	run_start(r, 2);
	for (i = 0; i < sizeof(bad); i++)
		run_refuse(r, &r->fl, 2, bad[i]);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_short_middle(void **state)
{
	struct run *r = *state;

	run_start(r, 2);
	/* short: merged as the last */
	assert_true(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS, 102, ACK, r->pl + 2 * MSS, 100));
	/* the next one is refused */
	assert_false(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS + 100, 103, ACK,
			     r->pl + 2 * MSS + 100, MSS));
	assert_false(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS + 100, 103, ACK,
			     r->pl + 2 * MSS + 100, 10));
	offload_gro_finish(&r->g);
	assert_int_equal(r->g.segs, 3);
	assert_int_equal(r->g.len, r->ly.hdr + 2 * MSS + 100);
	assert_memory_equal(r->g.buf + r->ly.hdr, r->pl, 2 * MSS + 100);
	check_gro_super(&r->g, &r->ly, false, MSS);
}

static void test_gro_longer_than_first(void **state)
{
	struct run *r = *state;

	/* The first segment sets the size: a longer one cannot follow */
	assert_true(gro_seg(&r->g, &r->fl, r->seq0, 100, ACK, r->pl, 1000));
	assert_false(gro_seg(&r->g, &r->fl, r->seq0 + 1000, 101, ACK, r->pl + 1000, 1001));
	assert_true(gro_seg(&r->g, &r->fl, r->seq0 + 1000, 101, ACK, r->pl + 1000, 1000));
	offload_gro_finish(&r->g);
	assert_int_equal(r->g.vh.gso_size, 1000);
	assert_memory_equal(r->g.buf + r->ly.hdr, r->pl, 2000);
	check_gro_super(&r->g, &r->ly, false, 1000);
}

static void test_gro_psh(void **state)
{
	struct run *r = *state;

	run_start(r, 2);
	assert_true(run_seg(r, &r->fl, 2, ACK | PSH)); /* merged, as the last */
	run_refuse(r, &r->fl, 3, ACK);
	run_finish(r, 3);
	assert_int_equal(r->g.buf[r->ly.l4 + 13], ACK | PSH);

	/* PSH on the first: a run of one */
	offload_gro_init(&r->g, r->g.buf);
	assert_true(run_seg(r, &r->fl, 0, ACK | PSH));
	run_refuse(r, &r->fl, 1, ACK);
}

static void test_gro_options_differ(void **state)
{
	struct run *r = *state;
	struct flow o;

	run_start(r, 2);
	o = r->fl;
	o.tsval++;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.tsecr++;
	run_refuse(r, &o, 2, ACK);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
	/* a new run with the new timestamp is fine */
	offload_gro_init(&r->g, r->g.buf);
	o = r->fl;
	o.tsval++;
	assert_true(run_seg(r, &o, 0, ACK));
	assert_true(run_seg(r, &o, 1, ACK));
}

/* IPv4 ids: without DF they count up by one per segment, as segmentation makes them; with DF
 * they may also stay fixed */
static void test_gro_ipv4_ids(void **state)
{
	struct run *r = *state;

	r->fl.frag = 0;
	run_start(r, 2);
	assert_false(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS, 100, ACK, r->pl + 2 * MSS, MSS));
	assert_false(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS, 103, ACK, r->pl + 2 * MSS, MSS));
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
	assert_int_equal(get_be16(r->g.buf + r->ly.l3 + 4), 100);

	/* DF, all ids 0 */
	r->fl.frag = 0x4000;
	offload_gro_init(&r->g, r->g.buf);
	assert_true(gro_seg(&r->g, &r->fl, r->seq0, 0, ACK, r->pl, MSS));
	assert_true(gro_seg(&r->g, &r->fl, r->seq0 + MSS, 0, ACK, r->pl + MSS, MSS));
	assert_true(gro_seg(&r->g, &r->fl, r->seq0 + 2 * MSS, 0, ACK, r->pl + 2 * MSS, MSS));
	run_finish(r, 3);
	assert_int_equal(get_be16(r->g.buf + r->ly.l3 + 4), 0);
}

static void test_gro_ipv4_fragment_and_options(void **state)
{
	struct run *r = *state;
	struct flow o;

	o = r->fl;
	o.frag = 0x2000; /* MF */
	run_refuse(r, &o, 0, ACK);
	o.frag = 0x4010; /* DF, offset */
	run_refuse(r, &o, 0, ACK);
	o = r->fl;
	o.ipopt = true;
	run_refuse(r, &o, 0, ACK);
	assert_int_equal(r->g.len, 0);

	run_start(r, 2);
	o = r->fl;
	o.frag = 0x6000;
	run_refuse(r, &o, 2, ACK);
	o.frag = 0x0001;
	run_refuse(r, &o, 2, ACK);
	o = r->fl;
	o.ipopt = true;
	run_refuse(r, &o, 2, ACK);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

static void test_gro_not_tcp(void **state)
{
	struct run *r = *state;
	uint8_t pl[200], f[400];
	struct lay ly;
	size_t len;
	struct flow o;
	uint8_t *t;

	rnd_fill(pl, sizeof(pl));
	/* UDP over IPv4 and IPv6 */
	len = build_udp(false, pl, sizeof(pl), f, &ly);
	gro_refused(&r->g, f, len);
	len = build_udp(true, pl, sizeof(pl), f, &ly);
	gro_refused(&r->g, f, len);
	/* ARP */
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	put_be16(f + 12, 0x0806);
	gro_refused(&r->g, f, 60);
	/* IPv6 with a hop-by-hop header in front of TCP */
	o = r->fl;
	o.v6 = true;
	t = run_frame(r, &o, 0, ACK, &len);
	t[14 + 6] = 0;
	gro_refused(&r->g, t, len);
	free(t);
	/* a pure ACK carries nothing to merge */
	t = build_exact(&r->fl, r->seq0, 1, ACK, NULL, 0, CS_FULL, &len);
	gro_refused(&r->g, t, len);
	free(t);
	/* nor do runts */
	gro_refused(&r->g, f, 0);
	gro_refused(&r->g, f, 13);
	assert_int_equal(r->g.len, 0);

	/* none of them ends up in a run either */
	run_start(r, 2);
	len = build_udp(false, pl, sizeof(pl), f, &ly);
	gro_refused(&r->g, f, len);
	t = build_exact(&r->fl, r->seq0 + 2 * MSS, 1, ACK, NULL, 0, CS_FULL, &len);
	gro_refused(&r->g, t, len);
	free(t);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
}

/*
 * Ethernet padding after a short IP packet is not TCP payload: either the frame is refused, or
 * it is merged without the padding.
 */
static void check_padded(struct run *r, const struct flow *fl, unsigned int k, size_t plen)
{
	struct lay ly;
	size_t len, before = r->g.len;
	uint8_t *f, *p;

	layout(fl, &ly);
	f = build_exact(fl, r->seq0 + k * MSS, (uint16_t)(100 + k), ACK, r->pl + k * MSS, plen,
			CS_FULL, &len);
	p = xmalloc(len + 16);
	memcpy(p, f, len);
	memset(p + len, 0, 16);
	if (offload_gro_add(&r->g, p, len + 16)) {
		assert_int_equal(r->g.len, (before ? before : ly.hdr) + plen);
		assert_memory_equal(r->g.buf + r->g.len - plen, r->pl + k * MSS, plen);
	} else {
		assert_int_equal(r->g.len, before);
	}
	free(p);
	free(f);
}

static void test_gro_padding(void **state)
{
	struct run *r = *state;
	struct flow o;

	check_padded(r, &r->fl, 0, 2);
	offload_gro_init(&r->g, r->g.buf);
	run_start(r, 2);
	check_padded(r, &r->fl, 2, 2);
	offload_gro_finish(&r->g);
	assert_int_equal(get_be16(r->g.buf + r->ly.l3 + 2), r->g.len - r->ly.l3);
	check_gro_super(&r->g, &r->ly, false, MSS);
	assert_memory_equal(r->g.buf + r->ly.hdr, r->pl, r->g.len - r->ly.hdr);

	o = r->fl;
	o.v6 = true;
	offload_gro_init(&r->g, r->g.buf);
	check_padded(r, &o, 0, 2);
	offload_gro_init(&r->g, r->g.buf);
	assert_true(run_seg(r, &o, 0, ACK));
	assert_true(run_seg(r, &o, 1, ACK));
	check_padded(r, &o, 2, 2);
}

/* Segments that are corrupted inside (bad TCP or IPv4 header checksum) must not be merged:
 * the super-frame goes to the kernel with a partial checksum, which it does not verify */
static void test_gro_bad_checksum(void **state)
{
	struct run *r = *state;
	size_t len;
	uint8_t *f;

	/* a flipped payload bit */
	f = run_frame(r, &r->fl, 0, ACK, &len);
	f[len - 100] ^= 0x04;
	gro_refused(&r->g, f, len);
	free(f);
	run_start(r, 2);
	f = run_frame(r, &r->fl, 2, ACK, &len);
	f[r->ly.hdr + 7] ^= 0x80;
	gro_refused(&r->g, f, len);
	free(f);
	/* a damaged IPv4 header checksum */
	f = run_frame(r, &r->fl, 2, ACK, &len);
	f[r->ly.l3 + 11] ^= 1;
	gro_refused(&r->g, f, len);
	free(f);
	assert_true(run_seg(r, &r->fl, 2, ACK));
	run_finish(r, 3);
	assert_memory_equal(r->g.buf + r->ly.hdr, r->pl, 3 * MSS);
}

/* The IP packet of the super-frame stays within 64 KiB, the frame within OFFLOAD_MAX_FRAME */
static void run_limit(bool v6, bool vlan, size_t mss, unsigned int fit, bool exact)
{
	struct offload_gro g;
	struct flow fl;
	struct lay ly;
	uint8_t *pl = xmalloc((fit + 1) * mss);
	unsigned int k;

	flow_init(&fl, v6, vlan, false, false);
	layout(&fl, &ly);
	rnd_fill(pl, (fit + 1) * mss);
	gro_open(&g);
	for (k = 0; k < fit; k++)
		assert_true(gro_seg(&g, &fl, 7 + (uint32_t)(k * mss), (uint16_t)k, ACK,
				    pl + k * mss, mss));
	assert_false(gro_seg(&g, &fl, 7 + (uint32_t)(fit * mss), (uint16_t)fit, ACK, pl + fit * mss,
			     mss));
	/* at the limit exactly, not a single byte more fits */
	if (exact)
		assert_false(
			gro_seg(&g, &fl, 7 + (uint32_t)(fit * mss), (uint16_t)fit, ACK, pl, 1));
	offload_gro_finish(&g);
	assert_int_equal(g.len, ly.hdr + fit * mss);
	assert_true(g.len <= OFFLOAD_MAX_FRAME);
	if (v6)
		assert_true(get_be16(g.buf + ly.l3 + 4) == g.len - ly.l4);
	else
		assert_true(get_be16(g.buf + ly.l3 + 2) == g.len - ly.l3);
	assert_memory_equal(g.buf + ly.hdr, pl, fit * mss);
	check_gro_super(&g, &ly, v6, mss);
	gro_close(&g);
	free(pl);
}

static void test_gro_64k(void **state)
{
	(void)state;
	/* IPv4: 20 + 32 + 11 * 5953 = 65535 exactly (frame 65549: the IP limit binds) */
	run_limit(false, false, 5953, 11, true);
	/* the usual mss: 45 segments, 65212 bytes */
	run_limit(false, false, MSS, 45, false);
	/* IPv4 with a tag: 18 + 52 + 40 * 1637 = 65550, the largest frame, IP length 65532 */
	run_limit(false, true, 1637, 40, true);
	run_limit(false, true, MSS, 45, false);
	/* IPv6: 86 + 56 * 1169 = 65550, the largest frame */
	run_limit(true, false, 1169, 56, true);
	run_limit(true, true, MSS, 45, false);
}

/* A frame longer than the coalescer's buffer can never start a super-frame */
static void test_gro_oversize_frame(void **state)
{
	struct offload_gro g;
	struct flow fl;
	uint8_t *pl;
	size_t len, plen;
	int vlan;

	(void)state;
	for (vlan = 0; vlan < 2; vlan++) {
		/* IPv6 payload length 65535: 54 (58) + 65535 bytes of frame */
		flow_init(&fl, true, vlan, false, false);
		plen = 65535 - TCP_HLEN;
		pl = xmalloc(plen);
		rnd_fill(pl, plen);
		gro_open(&g);
		assert_false(gro_seg(&g, &fl, 1, 0, ACK, pl, plen));
		assert_int_equal(g.len, 0);
		/* IPv4 total length 65535 with a tag: 65553 bytes */
		flow_init(&fl, false, vlan, false, false);
		plen = 65535 - 20 - TCP_HLEN;
		len = (vlan ? 18 : 14) + 65535;
		if (len > OFFLOAD_MAX_FRAME)
			assert_false(gro_seg(&g, &fl, 1, 0, ACK, pl, plen));
		else
			assert_true(gro_seg(&g, &fl, 1, 0, ACK, pl, plen));
		gro_close(&g);
		free(pl);
	}
}

static void test_gro_single(void **state)
{
	struct run *r = *state;
	struct virtio_net_hdr zero;
	size_t len;
	uint8_t *f = run_frame(r, &r->fl, 0, ACK | PSH, &len);

	memset(&zero, 0, sizeof(zero));
	assert_true(gro_add(&r->g, f, len));
	offload_gro_finish(&r->g);
	assert_int_equal(r->g.segs, 1);
	assert_int_equal(r->g.len, len);
	assert_memory_equal(r->g.buf, f, len);
	assert_memory_equal(&r->g.vh, &zero, sizeof(zero));
	assert_true(ref_ip4_ok(r->g.buf, r->ly.l3));
	assert_true(ref_l4_ok(r->g.buf, r->ly.l3, r->ly.l4, false, len - r->ly.l4, 6));
	free(f);

	/* a short single one, IPv6 */
	r->fl.v6 = true;
	layout(&r->fl, &r->ly);
	f = build_exact(&r->fl, 9, 0, ACK, r->pl, 1, CS_FULL, &len);
	offload_gro_init(&r->g, r->g.buf);
	assert_true(gro_add(&r->g, f, len));
	offload_gro_finish(&r->g);
	assert_int_equal(r->g.len, len);
	assert_memory_equal(r->g.buf, f, len);
	assert_memory_equal(&r->g.vh, &zero, sizeof(zero));
	assert_true(ref_l4_ok(r->g.buf, r->ly.l3, r->ly.l4, true, len - r->ly.l4, 6));
	free(f);
}

static void test_gro_malformed(void **state)
{
	struct run *r = *state;
	struct flow o;
	struct lay ly;
	uint8_t f[2000], g[2000];
	size_t len, cut;
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		o = r->fl;
		o.v6 = v6;
		o.vlan = v6;
		layout(&o, &ly);
		len = build(&o, 1, 1, ACK, r->pl, 100, CS_FULL, f);
		/* every truncation */
		for (cut = 0; cut < len; cut++)
			gro_refused(&r->g, f, cut);
		/* TCP data offset below 5 or beyond the frame */
		memcpy(g, f, len);
		g[ly.l4 + 12] = 4 << 4;
		gro_refused(&r->g, g, len);
		g[ly.l4 + 12] = 15 << 4;
		gro_refused(&r->g, g, ly.l4 + 59);
		/* IP length larger than the frame */
		memcpy(g, f, len);
		if (v6)
			put_be16(g + ly.l3 + 4, get_be16(g + ly.l3 + 4) + 1);
		else
			put_be16(g + ly.l3 + 2, get_be16(g + ly.l3 + 2) + 1);
		gro_refused(&r->g, g, len);
		assert_true(gro_add(&r->g, f, len));
		offload_gro_init(&r->g, r->g.buf);
	}
	/* IHL below 5 */
	len = build(&r->fl, 1, 1, ACK, r->pl, 100, CS_FULL, f);
	f[r->ly.l3] = 0x44;
	gro_refused(&r->g, f, len);
	f[r->ly.l3] = 0x40;
	gro_refused(&r->g, f, len);
}

/* ---- Fuzz: mutated super-frames and vnet headers, mutated segments ---- */

#define FUZZ_ITERS 100000

static void fuzz_check_tso(const struct virtio_net_hdr *vh, const uint8_t *in, size_t len,
			   size_t max_frame, size_t out_size, const uint8_t *out,
			   const struct offload_segs *res)
{
	struct lay ly;
	bool v6;
	size_t i, pos = 0, got = 0;

	assert_true(res->n >= 1);
	assert_true(res->total <= out_size);
	assert_true(res->total > (res->n - 1) * res->stride);
	assert_true(res->total <= res->n * res->stride);
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		assert_int_equal(res->n, 1);
		assert_int_equal(res->total, ENCAP_LEN + len);
		assert_true(len <= max_frame);
		assert_memory_equal(out, ENCAP, ENCAP_LEN);
		if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			assert_memory_equal(out + ENCAP_LEN, in, len);
		return;
	}
	assert_true(tparse(in, len, &ly, &v6));
	for (i = 0; i < res->n; i++) {
		size_t dlen = i + 1 < res->n ? res->stride : res->total - pos;
		const uint8_t *f = out + pos + ENCAP_LEN;
		size_t flen = dlen - ENCAP_LEN;

		assert_memory_equal(out + pos, ENCAP, ENCAP_LEN);
		assert_true(flen <= max_frame);
		assert_true(flen >= ly.hdr);
		assert_memory_equal(f, in, ly.l3);
		if (!v6) {
			assert_int_equal(get_be16(f + ly.l3 + 2), flen - ly.l3);
			assert_true(ref_ip4_ok(f, ly.l3));
		} else {
			assert_int_equal(get_be16(f + ly.l3 + 4), flen - ly.l4);
		}
		assert_true(ref_l4_ok(f, ly.l3, ly.l4, v6, flen - ly.l4, 6));
		assert_memory_equal(f + ly.hdr, in + ly.hdr + got, flen - ly.hdr);
		got += flen - ly.hdr;
		pos += dlen;
	}
	assert_int_equal(got, len - ly.hdr);
}

static void mutate(uint8_t *f, size_t len, size_t hot)
{
	unsigned int m = rnd() % 4, j;

	for (j = 0; j < m && len; j++) {
		size_t at = rnd() % 4 ? rnd() % (hot < len ? hot : len) : rnd() % len;

		if (rnd() % 2)
			f[at] ^= (uint8_t)(1u << (rnd() % 8));
		else
			f[at] = (uint8_t)rnd();
	}
}

static void test_fuzz_tso(void **state)
{
	static const uint16_t types[] = {VIRTIO_NET_HDR_GSO_NONE,
					 VIRTIO_NET_HDR_GSO_TCPV4,
					 VIRTIO_NET_HDR_GSO_TCPV6,
					 VIRTIO_NET_HDR_GSO_UDP,
					 5,
					 0x81,
					 0x84,
					 0xff};
	static const size_t frames[] = {MAX_FRAME, 1514, 9014, 65535};
	uint8_t *pl = xmalloc(4000), *base = xmalloc(5000);
	unsigned long it, ok = 0;

	(void)state;
	rnd_fill(pl, 4000);
	for (it = 0; it < FUZZ_ITERS; it++) {
		struct virtio_net_hdr vh;
		struct offload_segs res;
		struct flow fl;
		struct lay ly;
		size_t len, plen = rnd() % 4 ? rnd() % 4000 : rnd() % 100;
		size_t max_frame, out_size;
		uint8_t *in, *out;
		int r;

		flow_init(&fl, rnd() & 1, rnd() & 1, rnd() & 1, rnd() & 1);
		layout(&fl, &ly);
		len = build(&fl, rnd(), (uint16_t)rnd(), (uint8_t)rnd(), pl, plen, CS_PSEUDO, base);
		vh = gso_vh(&fl, (uint16_t)(rnd() % 2 ? MSS : rnd() % 3000));
		switch (rnd() % 8) {
		case 0:
			vh.gso_type = types[rnd() % 8];
			break;
		case 1:
			vh.flags = (uint8_t)rnd();
			vh.csum_start = (uint16_t)(rnd() % (len + 10));
			vh.csum_offset = (uint16_t)(rnd() % 40);
			vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
			break;
		case 2:
			vh.gso_size = (uint16_t)rnd();
			break;
		case 3:
			memcpy(&vh, base + rnd() % 60, sizeof(vh)); /* anything */
			break;
		default:
			break;
		}
		mutate(base, len, ly.hdr + 8);
		if (rnd() % 8 == 0)
			len = rnd() % (len + 1);
		max_frame = rnd() % 4 ? frames[rnd() % 4] : rnd() % 2000;
		out_size = rnd() % 4 ? 2 * len + 4096 : rnd() % (2 * len + 4096);
		in = dup_exact(base, len);
		out = xmalloc(out_size);
		r = offload_tso_segment(&vh, in, len, ENCAP, ENCAP_LEN, 0, max_frame, out, out_size,
					&res);
		if (!r) {
			fuzz_check_tso(&vh, in, len, max_frame, out_size, out, &res);
			ok++;
		} else {
			assert_int_equal(r, -1);
		}
		free(out);
		free(in);
	}
	/* the mutations leave enough valid frames for the checks to mean something */
	assert_true(ok > FUZZ_ITERS / 4);
	free(base);
	free(pl);
}

/* What the fuzzer merged so far, as a plain concatenation */
struct shadow {
	uint8_t *buf;
	size_t len, hdr, l3, l4;
	bool v6;
};

static void fuzz_check_gro(struct offload_gro *g, struct shadow *s)
{
	struct lay ly = {s->l3, s->l4, s->hdr};

	offload_gro_finish(g);
	assert_int_equal(g->len, s->len);
	assert_memory_equal(g->buf + s->hdr, s->buf + s->hdr, s->len - s->hdr);
	if (g->segs == 1) {
		struct virtio_net_hdr zero;

		memset(&zero, 0, sizeof(zero));
		assert_memory_equal(&g->vh, &zero, sizeof(zero));
		assert_memory_equal(g->buf, s->buf, s->len);
	} else {
		assert_true(g->vh.gso_size > 0);
		assert_true((size_t)g->vh.gso_size * (g->segs - 1) < s->len - s->hdr);
		assert_true((size_t)g->vh.gso_size * g->segs >= s->len - s->hdr);
		check_gro_super(g, &ly, s->v6, g->vh.gso_size);
	}
	offload_gro_init(g, g->buf);
	s->len = 0;
}

/* A merged frame must be a sound TCP segment: checksums valid, IP length the frame's, flags
 * mergeable */
static void fuzz_merged(struct shadow *s, const uint8_t *f, size_t len, bool first)
{
	struct lay ly;
	bool v6;
	uint8_t fl;

	assert_true(tparse(f, len, &ly, &v6));
	assert_true(len > ly.hdr);
	if (v6) {
		assert_int_equal(get_be16(f + ly.l3 + 4), len - ly.l4);
	} else {
		assert_int_equal(get_be16(f + ly.l3 + 2), len - ly.l3);
		assert_true(ref_ip4_ok(f, ly.l3));
	}
	assert_true(ref_l4_ok(f, ly.l3, ly.l4, v6, len - ly.l4, 6));
	fl = f[ly.l4 + 13];
	assert_int_equal(fl & ~(ACK | PSH), 0);
	if (first) {
		memcpy(s->buf, f, len);
		s->len = len;
		s->hdr = ly.hdr;
		s->l3 = ly.l3;
		s->l4 = ly.l4;
		s->v6 = v6;
	} else {
		assert_int_equal(ly.hdr, s->hdr);
		assert_int_equal(get_be32(f + ly.l4 + 4),
				 get_be32(s->buf + s->l4 + 4) + (uint32_t)(s->len - s->hdr));
		memcpy(s->buf + s->len, f + ly.hdr, len - ly.hdr);
		s->len += len - ly.hdr;
	}
	assert_true(s->len <= OFFLOAD_MAX_FRAME);
}

static void test_fuzz_gro(void **state)
{
	struct offload_gro g;
	struct shadow s = {0};
	struct flow flows[4];
	uint32_t seq[4] = {0};
	uint8_t *pl = xmalloc(2 * MSS), *f = xmalloc(4000);
	unsigned long it, merged = 0;
	int i;

	(void)state;
	s.buf = xmalloc(OFFLOAD_MAX_FRAME);
	rnd_fill(pl, 2 * MSS);
	for (i = 0; i < 4; i++)
		flow_init(&flows[i], i & 1, i & 2, false, i == 3);
	gro_open(&g);
	for (it = 0; it < FUZZ_ITERS; it++) {
		int k = rnd() % 16 ? 0 : (int)(rnd() % 4);
		struct flow *fl = &flows[k];
		size_t plen = rnd() % 8 ? MSS : rnd() % (MSS + 2);
		uint8_t flags = rnd() % 16 ? ACK : (uint8_t)rnd();
		size_t len =
			build(fl, seq[k], (uint16_t)it, flags, pl + rnd() % MSS, plen, CS_FULL, f);
		uint8_t *in;
		bool r, mutated = rnd() % 4 == 0;

		if (mutated) {
			mutate(f, len, len < 90 ? len : 90);
			if (rnd() % 4 == 0)
				len = rnd() % (len + 1);
			else if (rnd() % 8 == 0)
				len += rnd() % 64; /* trailing junk, as padding */
		}
		if (!mutated || rnd() % 2)
			seq[k] += (uint32_t)plen;
		in = dup_exact(f, len);
		r = offload_gro_add(&g, in, len);
		if (r) {
			fuzz_merged(&s, in, len, g.segs == 1);
			merged++;
		} else if (g.len) {
			fuzz_check_gro(&g, &s);
			if (offload_gro_add(&g, in, len))
				fuzz_merged(&s, in, len, true);
		}
		assert_int_equal(g.len, s.len);
		free(in);
		if (g.len && rnd() % 64 == 0)
			fuzz_check_gro(&g, &s);
	}
	if (g.len)
		fuzz_check_gro(&g, &s);
	assert_true(merged > FUZZ_ITERS / 2);
	gro_close(&g);
	free(s.buf);
	free(f);
	free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_primitives),
		cmocka_unit_test(test_tso_ipv4_options),
		cmocka_unit_test(test_tso_ipv6),
		cmocka_unit_test(test_tso_vlan_and_wraps),
		cmocka_unit_test(test_tso_pseudo_header_carry),
		cmocka_unit_test(test_tso_shapes),
		cmocka_unit_test(test_tso_no_encap),
		cmocka_unit_test(test_csum_complete_tcp),
		cmocka_unit_test(test_csum_complete_udp),
		cmocka_unit_test(test_csum_complete_bad),
		cmocka_unit_test(test_tso_malformed),
		cmocka_unit_test(test_tso_trailing_bytes),
		cmocka_unit_test(test_gro_roundtrip),
		cmocka_unit_test(test_gro_pseudo_header_carry),
		cmocka_unit_test_setup_teardown(test_gro_out_of_order, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_gap, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_other_flow, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_vlan_other_tag, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_control_flags, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_short_middle, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_longer_than_first, run_setup,
						run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_psh, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_options_differ, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_ipv4_ids, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_ipv4_fragment_and_options, run_setup,
						run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_not_tcp, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_padding, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_bad_checksum, run_setup, run_teardown),
		cmocka_unit_test(test_gro_64k),
		cmocka_unit_test(test_gro_oversize_frame),
		cmocka_unit_test_setup_teardown(test_gro_single, run_setup, run_teardown),
		cmocka_unit_test_setup_teardown(test_gro_malformed, run_setup, run_teardown),
		cmocka_unit_test(test_fuzz_tso),
		cmocka_unit_test(test_fuzz_gro),
	};

	return cmocka_run_group_tests_name("offload", tests, NULL, NULL);
}

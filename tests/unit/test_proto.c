// SPDX-License-Identifier: GPL-2.0-or-later
/* test_proto.c - Unit tests of the QDES v1 codec: spec test vectors, every drop reason, fuzzing */

#include <limits.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ether.h"
#include "proto.h"

#define NETID 42
#define MTU   1450

/* The spec's test vectors, byte for byte */
static const uint8_t vec1[50] = {
	0x51, 0x44, 0x01, 0x00, 0x00, 0x2a, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
	0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x2a, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x2a, 0x00, 0x02,
};
static const uint8_t vec2[8] = {0x51, 0x44, 0x01, 0x00, 0x00, 0x2a, 0x00, 0x00};
static const uint8_t vec3[8] = {0x51, 0x44, 0x01, 0x00, 0xff, 0xff, 0x00, 0x00};
/* VXLAN (RFC 7348), VNI 42, holding the same ARP request as vec1 */
static const uint8_t vec4[50] = {
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
	0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x2a, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x2a, 0x00, 0x02,
};

static const uint8_t src1[ETH_ALEN_] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t bcast[ETH_ALEN_] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* What a decode left in struct proto_rx, with the frame as an offset: the copy is gone by then */
struct result {
	enum proto_verdict v;
	uint32_t netid;
	ptrdiff_t frame_off; /* -1: frame was NULL */
	size_t frame_len;
	uint8_t src[ETH_ALEN_];
	uint16_t type;
};

/*
 * Decode a copy in a heap block of exactly @len bytes, so that AddressSanitizer reports any read
 * past the end of the datagram.
 */
static struct result decode_with(enum encap_mode mode, const uint8_t *buf, size_t len,
				 uint32_t netid, unsigned int mtu)
{
	struct proto_rx rx;
	struct result r;
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	/* Garbage in, to see that decode writes every field */
	memset(&rx, 0x5a, sizeof(rx));
	memset(&r, 0, sizeof(r));

	switch (mode) {
	case ENCAP_QDES:
		r.v = proto_qdes_decode(copy, len, (uint16_t)netid, mtu, &rx);
		break;
	case ENCAP_VXLAN:
		r.v = proto_vxlan_decode(copy, len, netid, mtu, &rx);
		break;
	case ENCAP_RAW:
		r.v = proto_raw_decode(copy, len, netid, mtu, &rx);
		break;
	case ENCAP_MAX:
		fail();
	}
	r.netid = rx.netid;
	r.frame_len = rx.frame_len;
	r.frame_off = rx.frame ? rx.frame - copy : -1;
	if (rx.frame && rx.frame_len >= ETH_HLEN_) {
		memcpy(r.src, eth_src(rx.frame), ETH_ALEN_);
		r.type = eth_type(rx.frame);
	}
	free(copy);
	return r;
}

static struct result decode_at(const uint8_t *buf, size_t len, uint16_t netid, unsigned int mtu)
{
	return decode_with(ENCAP_QDES, buf, len, netid, mtu);
}

static struct result vx_decode(const uint8_t *buf, size_t len, uint32_t vni)
{
	return decode_with(ENCAP_VXLAN, buf, len, vni, MTU);
}

static struct result raw_decode(const uint8_t *buf, size_t len)
{
	return decode_with(ENCAP_RAW, buf, len, 0, MTU);
}

static enum proto_verdict decode(const uint8_t *buf, size_t len)
{
	return decode_at(buf, len, NETID, MTU).v;
}

/* Vector 1 with byte @off set to @val */
static enum proto_verdict decode_v1_with(size_t off, uint8_t val)
{
	uint8_t b[sizeof(vec1)];

	memcpy(b, vec1, sizeof(b));
	b[off] = val;
	return decode(b, sizeof(b));
}

/*
 * A datagram for NETID holding a frame of @frame_len bytes (>= 14): broadcast destination,
 * source 02:00:00:00:00:01, ethertype @type, zero payload. Returns the datagram length.
 */
static size_t make_dgram(uint8_t *b, size_t frame_len, uint16_t type)
{
	memset(b, 0, QDES_HDR_LEN + frame_len);
	proto_qdes_encode(b, NETID);
	memcpy(b + QDES_HDR_LEN, bcast, ETH_ALEN_);
	memcpy(b + QDES_HDR_LEN + ETH_ALEN_, src1, ETH_ALEN_);
	b[QDES_HDR_LEN + 12] = (uint8_t)(type >> 8);
	b[QDES_HDR_LEN + 13] = (uint8_t)type;
	return QDES_HDR_LEN + frame_len;
}

static void test_vector1_decode(void **state)
{
	struct result r = decode_at(vec1, sizeof(vec1), NETID, MTU);

	(void)state;
	assert_int_equal(r.v, PROTO_FRAME);
	assert_int_equal(r.netid, 42);
	assert_int_equal(r.frame_off, QDES_HDR_LEN);
	assert_int_equal(r.frame_len, 42);
	assert_memory_equal(r.src, src1, ETH_ALEN_);
	assert_int_equal(r.type, 0x0806);
}

static void test_vector1_encode(void **state)
{
	/* As the tap side builds it: the frame at PROTO_HEADROOM, the header just in front */
	uint8_t buf[PROTO_HEADROOM + sizeof(vec1)];
	uint8_t *frame = buf + PROTO_HEADROOM;

	(void)state;
	memset(buf, 0xa5, sizeof(buf)); /* reserved and flags must be written, not left */
	memcpy(frame, vec1 + QDES_HDR_LEN, sizeof(vec1) - QDES_HDR_LEN);
	proto_qdes_encode(frame - QDES_HDR_LEN, NETID);
	assert_memory_equal(frame - QDES_HDR_LEN, vec1, sizeof(vec1));
}

static void test_vector2_leave(void **state)
{
	uint8_t hdr[QDES_HDR_LEN];
	struct result r = decode_at(vec2, sizeof(vec2), 42, MTU);

	(void)state;
	assert_int_equal(r.v, PROTO_LEAVE);
	assert_int_equal(r.netid, 42);
	assert_int_equal(r.frame_off, -1);
	assert_int_equal(r.frame_len, 0);
	assert_int_equal(decode_at(vec2, sizeof(vec2), 43, MTU).v, PROTO_DROP_NETID);

	memset(hdr, 0xa5, sizeof(hdr));
	proto_qdes_encode(hdr, 42);
	assert_memory_equal(hdr, vec2, sizeof(vec2));
}

static void test_vector3_leave(void **state)
{
	uint8_t hdr[QDES_HDR_LEN];
	struct result r = decode_at(vec3, sizeof(vec3), 65535, MTU);

	(void)state;
	assert_int_equal(r.v, PROTO_LEAVE);
	assert_int_equal(r.netid, 65535);
	assert_int_equal(r.frame_off, -1);
	assert_int_equal(decode_at(vec3, sizeof(vec3), 0, MTU).v, PROTO_DROP_NETID);
	assert_int_equal(decode_at(vec3, sizeof(vec3), 42, MTU).v, PROTO_DROP_NETID);

	memset(hdr, 0xa5, sizeof(hdr));
	proto_qdes_encode(hdr, 65535);
	assert_memory_equal(hdr, vec3, sizeof(vec3));
}

/* An 8-byte datagram is judged as a leave notice: the header checks apply, not drop_short */
static void test_leave_header_checks(void **state)
{
	uint8_t b[QDES_HDR_LEN];
	unsigned int bit;

	(void)state;
	memcpy(b, vec2, sizeof(b));
	b[0] = 0x52;
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_MAGIC);
	memcpy(b, vec2, sizeof(b));
	b[1] = 0x45;
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_MAGIC);
	memcpy(b, vec2, sizeof(b));
	b[2] = 0;
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_VERSION);
	b[2] = 2;
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_VERSION);
	for (bit = 0; bit < 8; bit++) {
		memcpy(b, vec2, sizeof(b));
		b[3] = (uint8_t)(1u << bit);
		assert_int_equal(decode(b, sizeof(b)), bit ? PROTO_DROP_FLAGS : PROTO_DROP_SEALED);
	}
	memcpy(b, vec2, sizeof(b));
	b[6] = 0xff;
	b[7] = 0x01;
	assert_int_equal(decode(b, sizeof(b)), PROTO_LEAVE);
	/* A bare zero header is not a leave notice */
	memset(b, 0, sizeof(b));
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_MAGIC);
}

static void test_short(void **state)
{
	uint8_t bad[sizeof(vec1)];
	struct result r;
	size_t len;

	(void)state;
	/* 0..7: no header to judge, whatever the bytes */
	for (len = 0; len < QDES_HDR_LEN; len++) {
		r = decode_at(vec1, len, NETID, MTU);
		assert_int_equal(r.v, PROTO_DROP_SHORT);
		assert_int_equal(r.netid, 0);
		assert_int_equal(r.frame_off, -1);
		assert_int_equal(decode(bcast, len < ETH_ALEN_ ? len : ETH_ALEN_),
				 PROTO_DROP_SHORT);
	}
	/* 9..21: more than a leave notice, less than a frame; length beats a bad magic */
	memcpy(bad, vec1, sizeof(bad));
	bad[0] = 0;
	for (len = QDES_HDR_LEN + 1; len < QDES_HDR_LEN + ETH_HLEN_; len++) {
		assert_int_equal(decode(vec1, len), PROTO_DROP_SHORT);
		assert_int_equal(decode(bad, len), PROTO_DROP_SHORT);
	}
	/* 21 and 22 explicitly: the boundary */
	assert_int_equal(decode(vec1, 21), PROTO_DROP_SHORT);
	r = decode_at(vec1, 22, NETID, MTU);
	assert_int_equal(r.v, PROTO_FRAME);
	assert_int_equal(r.frame_len, ETH_HLEN_);
	assert_int_equal(r.type, 0x0806);
}

static void test_magic(void **state)
{
	uint8_t b[sizeof(vec1)];

	(void)state;
	assert_int_equal(decode_v1_with(0, 0x00), PROTO_DROP_MAGIC);
	assert_int_equal(decode_v1_with(0, 0x71), PROTO_DROP_MAGIC); /* 'q' */
	assert_int_equal(decode_v1_with(1, 0x00), PROTO_DROP_MAGIC);
	assert_int_equal(decode_v1_with(1, 0x64), PROTO_DROP_MAGIC); /* 'd' */
	memcpy(b, vec1, sizeof(b));
	b[0] = 0x44;
	b[1] = 0x51;
	assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_MAGIC);
}

static void test_version(void **state)
{
	(void)state;
	assert_int_equal(decode_v1_with(2, 0), PROTO_DROP_VERSION);
	assert_int_equal(decode_v1_with(2, 2), PROTO_DROP_VERSION);
	assert_int_equal(decode_v1_with(2, 0xff), PROTO_DROP_VERSION);
}

static void test_flags(void **state)
{
	unsigned int bit;

	(void)state;
	/* Bit 0 is SEALED: a member without a key is told that, not "unknown flag" */
	for (bit = 0; bit < 8; bit++)
		assert_int_equal(decode_v1_with(3, (uint8_t)(1u << bit)),
				 bit ? PROTO_DROP_FLAGS : PROTO_DROP_SEALED);
	assert_int_equal(decode_v1_with(3, 0xff), PROTO_DROP_FLAGS);
}

static void test_netid(void **state)
{
	uint8_t b[sizeof(vec1)];
	struct result r;

	(void)state;
	assert_int_equal(decode_v1_with(4, 0x01), PROTO_DROP_NETID);
	assert_int_equal(decode_v1_with(5, 0x2b), PROTO_DROP_NETID);
	assert_int_equal(decode_at(vec1, sizeof(vec1), 0, MTU).v, PROTO_DROP_NETID);
	assert_int_equal(decode_at(vec1, sizeof(vec1), 0x2a00, MTU).v, PROTO_DROP_NETID);
	assert_int_equal(decode_at(vec1, sizeof(vec1), 65535, MTU).v, PROTO_DROP_NETID);

	/* The header's network id is reported even on the drop, for a log line */
	memcpy(b, vec1, sizeof(b));
	b[5] = 0x2b;
	r = decode_at(b, sizeof(b), NETID, MTU);
	assert_int_equal(r.netid, 43);
	assert_int_equal(r.frame_off, -1);
	assert_int_equal(r.frame_len, 0);
}

static void test_reserved_ignored(void **state)
{
	uint8_t b[sizeof(vec1)];

	(void)state;
	assert_int_equal(decode_v1_with(6, 0xff), PROTO_FRAME);
	assert_int_equal(decode_v1_with(7, 0x01), PROTO_FRAME);
	memcpy(b, vec1, sizeof(b));
	b[6] = 0xde;
	b[7] = 0xad;
	assert_int_equal(decode(b, sizeof(b)), PROTO_FRAME);
}

static void test_oversize(void **state)
{
	static const unsigned int mtus[] = {68, 1280, 1450, 1500, 9000};
	uint8_t *b = malloc(QDES_HDR_LEN + 9000 + 32);
	size_t i, len;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		unsigned int mtu = mtus[i];

		len = make_dgram(b, mtu + 14, 0x0800);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_FRAME);
		len = make_dgram(b, mtu + 15, 0x0800);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_DROP_OVERSIZE);
		/* An untagged frame does not get the 802.1Q allowance */
		len = make_dgram(b, mtu + 18, 0x0800);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_DROP_OVERSIZE);

		len = make_dgram(b, mtu + 18, ETHERTYPE_8021Q);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_FRAME);
		len = make_dgram(b, mtu + 19, ETHERTYPE_8021Q);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_DROP_OVERSIZE);

		/* Only 0x8100 is named by the spec; 802.1ad gets no extra bytes */
		len = make_dgram(b, mtu + 14, ETHERTYPE_8021AD);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_FRAME);
		len = make_dgram(b, mtu + 15, ETHERTYPE_8021AD);
		assert_int_equal(decode_at(b, len, NETID, mtu).v, PROTO_DROP_OVERSIZE);
	}
	free(b);

	/* Vector 1's 42-byte frame: fits an MTU of 28, not 27 */
	assert_int_equal(decode_at(vec1, sizeof(vec1), NETID, 28).v, PROTO_FRAME);
	assert_int_equal(decode_at(vec1, sizeof(vec1), NETID, 27).v, PROTO_DROP_OVERSIZE);
	assert_int_equal(decode_at(vec1, sizeof(vec1), NETID, 0).v, PROTO_DROP_OVERSIZE);
}

static void test_oversize_vlan_vector(void **state)
{
	uint8_t b[sizeof(vec1)];

	(void)state;
	/* Vector 1 tagged: ethertype 0x8100, the 42 bytes then fit an MTU of 24, not 23 */
	memcpy(b, vec1, sizeof(b));
	b[20] = 0x81;
	b[21] = 0x00;
	assert_int_equal(decode_at(b, sizeof(b), NETID, 24).v, PROTO_FRAME);
	assert_int_equal(decode_at(b, sizeof(b), NETID, 23).v, PROTO_DROP_OVERSIZE);
	b[21] = 0x01; /* 0x8101 is no tag */
	assert_int_equal(decode_at(b, sizeof(b), NETID, 24).v, PROTO_DROP_OVERSIZE);
}

static void test_max_frame(void **state)
{
	uint8_t f[ETH_HLEN_] = {0};

	(void)state;
	assert_int_equal(proto_max_frame(1450, f, sizeof(f)), 1464);
	f[12] = 0x81;
	assert_int_equal(proto_max_frame(1450, f, sizeof(f)), 1468);
	/* Too short to hold an ethertype: no tag assumed, and byte 13 is not read */
	assert_int_equal(proto_max_frame(1450, f, 13), 1464);
	assert_int_equal(proto_max_frame(1450, f, 0), 1464);
	assert_int_equal(proto_max_frame(0, f, sizeof(f)), 18);
	/* No wrap in unsigned int arithmetic */
	assert_true(proto_max_frame(UINT_MAX, f, sizeof(f)) == (size_t)UINT_MAX + 18);
}

static void test_src_mac(void **state)
{
	static const uint8_t bad[][ETH_ALEN_] = {
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* broadcast */
		{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, /* IPv4 multicast */
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, /* IPv6 multicast */
		{0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}, /* STP */
		{0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* zero */
	};
	static const uint8_t good[][ETH_ALEN_] = {
		{0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
		{0x02, 0x00, 0x00, 0x00, 0x00, 0x00},
		{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	uint8_t b[sizeof(vec1)];
	size_t i;

	(void)state;
	/* One byte of vector 1 changed: 02 -> 03 sets the group bit */
	assert_int_equal(decode_v1_with(14, 0x03), PROTO_DROP_SRC_MAC);
	assert_int_equal(decode_v1_with(14, 0x01), PROTO_DROP_SRC_MAC);
	assert_int_equal(decode_v1_with(14, 0x00), PROTO_FRAME);
	assert_int_equal(decode_v1_with(19, 0x00), PROTO_FRAME);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(b, vec1, sizeof(b));
		memcpy(b + QDES_HDR_LEN + ETH_ALEN_, bad[i], ETH_ALEN_);
		assert_int_equal(decode(b, sizeof(b)), PROTO_DROP_SRC_MAC);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memcpy(b, vec1, sizeof(b));
		memcpy(b + QDES_HDR_LEN + ETH_ALEN_, good[i], ETH_ALEN_);
		assert_int_equal(decode(b, sizeof(b)), PROTO_FRAME);
	}
	/* The destination is not judged: multicast and zero destinations pass */
	memcpy(b, vec1, sizeof(b));
	memset(b + QDES_HDR_LEN, 0, ETH_ALEN_);
	assert_int_equal(decode(b, sizeof(b)), PROTO_FRAME);
}

/* With several faults, the first check in the documented order decides */
static void test_order(void **state)
{
	uint8_t b[sizeof(vec1)];

	(void)state;
	memcpy(b, vec1, sizeof(b));
	b[14] = 0xff; /* src multicast */
	assert_int_equal(decode_at(b, sizeof(b), NETID, 27).v, PROTO_DROP_OVERSIZE);
	b[5] = 0x2b;
	assert_int_equal(decode_at(b, sizeof(b), NETID, 27).v, PROTO_DROP_NETID);
	b[3] = 0x80;
	assert_int_equal(decode_at(b, sizeof(b), NETID, 27).v, PROTO_DROP_FLAGS);
	b[2] = 0x02;
	assert_int_equal(decode_at(b, sizeof(b), NETID, 27).v, PROTO_DROP_VERSION);
	b[0] = 0x00;
	assert_int_equal(decode_at(b, sizeof(b), NETID, 27).v, PROTO_DROP_MAGIC);
	assert_int_equal(decode_at(b, 21, NETID, 27).v, PROTO_DROP_SHORT);
}

static void test_verdict_names(void **state)
{
	/* The counter names are "drop_" + these; a leave counts as leave_rx */
	static const struct {
		enum proto_verdict v;
		const char *name;
	} want[] = {
		{PROTO_FRAME, "frame"},		 {PROTO_LEAVE, "leave"},
		{PROTO_DROP_SHORT, "short"},	 {PROTO_DROP_MAGIC, "magic"},
		{PROTO_DROP_VERSION, "version"}, {PROTO_DROP_FLAGS, "flags"},
		{PROTO_DROP_NETID, "netid"},	 {PROTO_DROP_OVERSIZE, "oversize"},
		{PROTO_DROP_SRC_MAC, "src_mac"}, {PROTO_SEALED, "sealed_frame"},
		{PROTO_DROP_SEALED, "sealed"},	 {PROTO_DROP_UNSEALED, "unsealed"},
		{PROTO_DROP_KEY, "key"},	 {PROTO_DROP_AUTH, "auth"},
		{PROTO_DROP_REPLAY, "replay"},
	};
	size_t i;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), PROTO_VERDICT_MAX);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(proto_verdict_name(want[i].v), want[i].name);
	assert_string_equal(proto_verdict_name(PROTO_VERDICT_MAX), "unknown");
	assert_string_equal(proto_verdict_name((enum proto_verdict)1000), "unknown");
	assert_string_equal(proto_verdict_name((enum proto_verdict)(-1)), "unknown");
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* The frame behind an 8-byte header (@len >= 22): the manual's oversize and source rules */
static enum proto_verdict model_frame(const uint8_t *b, size_t len, unsigned int mtu)
{
	size_t max = (size_t)mtu + 14 + (b[20] == 0x81 && b[21] == 0x00 ? 4 : 0);

	if (len - 8 > max)
		return PROTO_DROP_OVERSIZE;
	if ((b[14] & 1) || !(b[14] | b[15] | b[16] | b[17] | b[18] | b[19]))
		return PROTO_DROP_SRC_MAC;
	return PROTO_FRAME;
}

/* The rules of the spec written out again, independently, for a differential check */
static enum proto_verdict model(const uint8_t *b, size_t len, uint16_t netid, unsigned int mtu)
{
	if (len < 8 || (len > 8 && len < 22))
		return PROTO_DROP_SHORT;
	if (b[0] != 'Q' || b[1] != 'D')
		return PROTO_DROP_MAGIC;
	if (b[2] != 1)
		return PROTO_DROP_VERSION;
	if (b[3] & 0xfe)
		return PROTO_DROP_FLAGS;
	if (b[3])
		return PROTO_DROP_SEALED;
	if (b[4] != netid >> 8 || b[5] != (netid & 0xff))
		return PROTO_DROP_NETID;
	if (len == 8)
		return PROTO_LEAVE;
	return model_frame(b, len, mtu);
}

/* @len random bytes at the end of @block (@max long): a read past them hits ASan's redzone */
static uint8_t *fuzz_fill(uint8_t *block, size_t max, size_t len, uint64_t *seed)
{
	uint8_t *b = block + max - len;
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t x = xorshift64(seed);

		memcpy(b + i, &x, len - i < 8 ? len - i : 8);
	}
	return b;
}

/* The frame behind an 8-byte header: mostly a unicast source, now and then an 802.1Q tag */
static void fuzz_bias_frame(uint8_t *b, size_t len, bool unicast, bool tagged)
{
	if (len > 14 && unicast)
		b[14] &= 0xfe;
	if (len > 21 && tagged) {
		b[20] = 0x81;
		b[21] = 0x00;
	}
}

/* What every decoder promises: a frame right after its header to the datagram's end, or none */
static void fuzz_check_rx(enum proto_verdict got, const struct proto_rx *rx, const uint8_t *b,
			  size_t len, size_t hdr_len, uint32_t netid)
{
	assert_true((unsigned int)got < PROTO_VERDICT_MAX);
	if (got == PROTO_FRAME) {
		assert_ptr_equal(rx->frame, b + hdr_len);
		assert_int_equal(rx->frame_len, len - hdr_len);
		assert_int_equal(rx->netid, netid);
	} else {
		assert_null(rx->frame);
		assert_int_equal(rx->frame_len, 0);
	}
}

/*
 * Random datagrams, biased towards valid headers so that every verdict is reached. Each one sits
 * at the very end of its heap block: a read past its length lands in ASan's redzone.
 */
static void test_fuzz(void **state)
{
	static const unsigned int mtus[] = {0, 68, 1450, 1500, 1986};
	enum { ROUNDS = 200000, MAXLEN = 2000 };
	unsigned long seen[PROTO_VERDICT_MAX] = {0};
	uint8_t *block = malloc(MAXLEN);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int round, v;

	(void)state;
	assert_non_null(block);
	for (round = 0; round < ROUNDS; round++) {
		uint64_t r = xorshift64(&seed);
		/* A quarter of them 0..32 bytes long, around the short and leave boundaries */
		size_t len = (r & 3) ? (r >> 32) % (MAXLEN + 1) : (r >> 32) % 33;
		unsigned int mtu = mtus[(r >> 8) % (sizeof(mtus) / sizeof(mtus[0]))];
		uint16_t netid = (r >> 16) & 1 ? NETID : (uint16_t)(r >> 48);
		uint8_t *b = fuzz_fill(block, MAXLEN, len, &seed);
		struct proto_rx rx;
		enum proto_verdict got;

		/* Each header field right most of the time, so that later checks are reached */
		r = xorshift64(&seed);
		if (len > 1 && (r & 0x0f)) {
			b[0] = QDES_MAGIC0;
			b[1] = QDES_MAGIC1;
		}
		if (len > 2 && (r & 0xf0))
			b[2] = QDES_VERSION;
		if (len > 3 && (r & 0xf00))
			b[3] = 0;
		if (len > 5 && (r & 0xf000)) {
			b[4] = (uint8_t)(netid >> 8);
			b[5] = (uint8_t)netid;
		}
		fuzz_bias_frame(b, len, r & 0x30000, !(r & 0xc0000));

		got = proto_qdes_decode(b, len, netid, mtu, &rx);
		fuzz_check_rx(got, &rx, b, len, QDES_HDR_LEN, netid);
		assert_string_not_equal(proto_verdict_name(got), "unknown");
		assert_int_equal(got, model(b, len, netid, mtu));
		seen[got]++;
	}
	free(block);

	/* The generator is only useful if it gets past every check (of a member without a key) */
	for (v = 0; v <= PROTO_DROP_SEALED; v++) {
		if (v == PROTO_SEALED)
			continue;
		print_message("fuzz: %-8s %lu\n", proto_verdict_name((enum proto_verdict)v),
			      seen[v]);
		assert_true(seen[v] > 0);
	}
}

/* ---- VXLAN ---- */

static void test_vxlan_vector(void **state)
{
	uint8_t buf[PROTO_HEADROOM + sizeof(vec4)], *frame = buf + PROTO_HEADROOM;
	struct result r = vx_decode(vec4, sizeof(vec4), 42);
	const struct encap_ops *e = proto_encap(ENCAP_VXLAN);

	(void)state;
	assert_int_equal(r.v, PROTO_FRAME);
	assert_int_equal(r.netid, 42);
	assert_int_equal(r.frame_off, VXLAN_HDR_LEN);
	assert_int_equal(r.frame_len, 42);
	assert_memory_equal(r.src, src1, ETH_ALEN_);
	assert_int_equal(r.type, 0x0806);
	/* the same frame as the QDES vector */
	assert_memory_equal(vec4 + VXLAN_HDR_LEN, vec1 + QDES_HDR_LEN, 42);

	memset(buf, 0xa5, sizeof(buf)); /* reserved fields must be written, not left */
	memcpy(frame, vec4 + VXLAN_HDR_LEN, sizeof(vec4) - VXLAN_HDR_LEN);
	proto_vxlan_encode(frame - VXLAN_HDR_LEN, 42);
	assert_memory_equal(frame - VXLAN_HDR_LEN, vec4, sizeof(vec4));
	/* through the ops table, as the switch does */
	memset(buf, 0xa5, PROTO_HEADROOM);
	assert_int_equal(e->hdr_len, 8);
	e->encode(frame - e->hdr_len, 42);
	assert_memory_equal(frame - VXLAN_HDR_LEN, vec4, sizeof(vec4));
	assert_int_equal(e->decode(vec4, sizeof(vec4), 42, MTU, &(struct proto_rx){0}),
			 PROTO_FRAME);
	assert_false(e->leave);
	assert_true(e->peer_port);
	assert_int_equal(e->max_netid, 16777215);
	assert_string_equal(e->name, "vxlan");
	assert_string_equal(proto_encap(ENCAP_QDES)->name, "qdes");
	assert_true(proto_encap(ENCAP_QDES)->leave);
	assert_int_equal(proto_encap(ENCAP_QDES)->max_netid, 65535);
	assert_int_equal(proto_encap(ENCAP_QDES)->hdr_len, 8);
	assert_int_equal(e->default_port, 4789);
	assert_int_equal(proto_encap(ENCAP_QDES)->default_port, 0);
}

/* The configuration finds encapsulations by the table's names, in any case, and only those */
static void test_encap_by_name(void **state)
{
	enum encap_mode m = ENCAP_MAX;
	int i;

	(void)state;
	for (i = 0; i < ENCAP_MAX; i++) {
		assert_int_equal(proto_encap_by_name(proto_encap((enum encap_mode)i)->name, &m), 0);
		assert_int_equal(m, i);
	}
	assert_int_equal(proto_encap_by_name("VXLAN", &m), 0);
	assert_int_equal(m, ENCAP_VXLAN);
	m = ENCAP_RAW;
	assert_int_equal(proto_encap_by_name("gre", &m), -1);
	assert_int_equal(proto_encap_by_name("", &m), -1);
	assert_int_equal(proto_encap_by_name("qdesx", &m), -1);
	assert_int_equal(m, ENCAP_RAW);
	/* outside the enum: the default, never out of bounds */
	assert_ptr_equal(proto_encap(ENCAP_MAX), proto_encap(ENCAP_QDES));
}

static void test_vxlan_vni(void **state)
{
	uint8_t b[sizeof(vec4)];

	(void)state;
	memcpy(b, vec4, sizeof(b));
	proto_vxlan_encode(b, 0xfedcba);
	assert_memory_equal(b, ((const uint8_t[]){0x08, 0, 0, 0, 0xfe, 0xdc, 0xba, 0}), 8);
	assert_int_equal(vx_decode(b, sizeof(b), 0xfedcba).v, PROTO_FRAME);
	assert_int_equal(vx_decode(b, sizeof(b), 0xfedcba).netid, 0xfedcba);
	/* another VNI, also one that agrees in the low 16 bits */
	assert_int_equal(vx_decode(b, sizeof(b), 0xdcba).v, PROTO_DROP_NETID);
	assert_int_equal(vx_decode(vec4, sizeof(vec4), 43).v, PROTO_DROP_NETID);
	assert_int_equal(vx_decode(vec4, sizeof(vec4), 43).netid, 42);
	assert_int_equal(vx_decode(vec4, sizeof(vec4), 42 + 0x10000).v, PROTO_DROP_NETID);
}

static void test_vxlan_drops(void **state)
{
	uint8_t b[VXLAN_HDR_LEN + 1600];
	struct result r;
	size_t len;

	(void)state;
	/* short: no header, a header alone (VXLAN has no leave notice), no whole Ethernet header */
	for (len = 0; len < VXLAN_HDR_LEN + ETH_HLEN_; len++) {
		r = vx_decode(vec4, len, 42);
		assert_int_equal(r.v, PROTO_DROP_SHORT);
		assert_int_equal(r.netid, len >= VXLAN_HDR_LEN ? 42 : 0);
		assert_int_equal(r.frame_off, -1);
	}
	assert_int_equal(vx_decode(vec4, VXLAN_HDR_LEN + ETH_HLEN_, 42).v, PROTO_FRAME);

	/* flags: without the I flag; other flag bits and reserved bytes are ignored */
	memcpy(b, vec4, sizeof(vec4));
	b[0] = 0x00;
	assert_int_equal(vx_decode(b, sizeof(vec4), 42).v, PROTO_DROP_FLAGS);
	b[0] = 0xf7;
	assert_int_equal(vx_decode(b, sizeof(vec4), 42).v, PROTO_DROP_FLAGS);
	b[0] = 0xff;
	b[1] = b[2] = b[3] = b[7] = 0xff;
	assert_int_equal(vx_decode(b, sizeof(vec4), 42).v, PROTO_FRAME);
	/* flags before the VNI */
	b[0] = 0;
	assert_int_equal(vx_decode(b, sizeof(vec4), 43).v, PROTO_DROP_FLAGS);

	/* oversize: MTU + 14, +4 with 802.1Q */
	memset(b, 0, sizeof(b));
	memcpy(b, vec4, VXLAN_HDR_LEN + ETH_HLEN_);
	assert_int_equal(vx_decode(b, VXLAN_HDR_LEN + MTU + ETH_HLEN_, 42).v, PROTO_FRAME);
	assert_int_equal(vx_decode(b, VXLAN_HDR_LEN + MTU + ETH_HLEN_ + 1, 42).v,
			 PROTO_DROP_OVERSIZE);
	b[VXLAN_HDR_LEN + 12] = 0x81;
	b[VXLAN_HDR_LEN + 13] = 0x00;
	assert_int_equal(vx_decode(b, VXLAN_HDR_LEN + MTU + ETH_HLEN_ + 4, 42).v, PROTO_FRAME);
	assert_int_equal(vx_decode(b, VXLAN_HDR_LEN + MTU + ETH_HLEN_ + 5, 42).v,
			 PROTO_DROP_OVERSIZE);

	/* source MAC: multicast, broadcast, zero */
	memcpy(b, vec4, sizeof(vec4));
	b[VXLAN_HDR_LEN + 6] = 0x01;
	assert_int_equal(vx_decode(b, sizeof(vec4), 42).v, PROTO_DROP_SRC_MAC);
	memset(b + VXLAN_HDR_LEN + 6, 0xff, 6);
	assert_int_equal(vx_decode(b, sizeof(vec4), 42).v, PROTO_DROP_SRC_MAC);
	memset(b + VXLAN_HDR_LEN + 6, 0, 6);
	r = vx_decode(b, sizeof(vec4), 42);
	assert_int_equal(r.v, PROTO_DROP_SRC_MAC);
	assert_int_equal(r.frame_off, -1);
	assert_int_equal(r.frame_len, 0);
	/* the QDES decoder takes none of it, nor VXLAN QDES */
	assert_int_equal(decode_at(vec4, sizeof(vec4), 42, MTU).v, PROTO_DROP_MAGIC);
	assert_int_equal(vx_decode(vec1, sizeof(vec1), 42).v, PROTO_DROP_FLAGS);
}

/* RFC 7348 and the manual's drop rules, written out again independently of proto.c */
static enum proto_verdict vx_model(const uint8_t *b, size_t len, uint32_t vni, unsigned int mtu)
{
	if (len < 8 + 14)
		return PROTO_DROP_SHORT;
	if (!(b[0] & 0x08))
		return PROTO_DROP_FLAGS;
	if (((uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6]) != vni)
		return PROTO_DROP_NETID;
	return model_frame(b, len, mtu);
}

/*
 * Random VXLAN datagrams, biased towards valid headers, each at the end of its heap block (as
 * test_fuzz): the verdict matches vx_model(), a frame lies right after the header and ends with
 * the datagram, every field of proto_rx is written, and every verdict VXLAN can give is reached.
 */
static void test_vxlan_fuzz(void **state)
{
	static const unsigned int mtus[] = {0, 68, 1450, 1500, 1986};
	static const enum proto_verdict reached[] = {
		PROTO_FRAME,	  PROTO_DROP_SHORT,    PROTO_DROP_FLAGS,
		PROTO_DROP_NETID, PROTO_DROP_OVERSIZE, PROTO_DROP_SRC_MAC,
	};
	enum { ROUNDS = 100000, MAXLEN = 2000 };
	unsigned long seen[PROTO_VERDICT_MAX] = {0};
	uint8_t *block = malloc(MAXLEN);
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	unsigned int round, v;

	(void)state;
	assert_non_null(block);
	for (round = 0; round < ROUNDS; round++) {
		uint64_t r = xorshift64(&seed);
		size_t len = (r & 3) ? (r >> 32) % (MAXLEN + 1) : (r >> 32) % 33;
		unsigned int mtu = mtus[(r >> 8) % (sizeof(mtus) / sizeof(mtus[0]))];
		uint32_t vni = (r >> 16) & 1 ? 42 : (uint32_t)(r >> 40) & VXLAN_MAX_VNI;
		uint8_t *b = fuzz_fill(block, MAXLEN, len, &seed);
		struct proto_rx rx;
		enum proto_verdict got;

		r = xorshift64(&seed);
		if (len > 0 && (r & 0x0f))
			b[0] |= VXLAN_FLAG_I;
		if (len > 6 && (r & 0xf0)) {
			b[4] = (uint8_t)(vni >> 16);
			b[5] = (uint8_t)(vni >> 8);
			b[6] = (uint8_t)vni;
		}
		fuzz_bias_frame(b, len, r & 0x300, !(r & 0xc00));
		memset(&rx, 0x5a, sizeof(rx));
		got = proto_vxlan_decode(b, len, vni, mtu, &rx);
		fuzz_check_rx(got, &rx, b, len, VXLAN_HDR_LEN, vni);
		assert_int_equal(got, vx_model(b, len, vni, mtu));
		if (got == PROTO_FRAME)
			assert_true(rx.frame_len <= proto_max_frame(mtu, rx.frame, rx.frame_len));
		seen[got]++;
	}
	free(block);
	for (v = 0; v < sizeof(reached) / sizeof(reached[0]); v++) {
		print_message("vxlan fuzz: %-8s %lu\n", proto_verdict_name(reached[v]),
			      seen[reached[v]]);
		assert_true(seen[reached[v]] > 0);
	}
	/* VXLAN has no leave notice, and no magic or version to refuse */
	assert_int_equal(seen[PROTO_LEAVE] + seen[PROTO_DROP_MAGIC] + seen[PROTO_DROP_VERSION], 0);
}

/* encap raw: the frame is the datagram; only length and source MAC can be judged */
static void test_raw(void **state)
{
	const uint8_t *frame = vec1 + QDES_HDR_LEN;
	size_t flen = sizeof(vec1) - QDES_HDR_LEN, len;
	const struct encap_ops *e = proto_encap(ENCAP_RAW);
	uint8_t b[MTU + ETH_HLEN_ + 8], h[PROTO_HEADROOM];
	struct result r;

	(void)state;
	r = raw_decode(frame, flen);
	assert_int_equal(r.v, PROTO_FRAME);
	assert_int_equal(r.netid, 0);
	assert_int_equal(r.frame_off, 0);
	assert_int_equal(r.frame_len, flen);
	assert_memory_equal(r.src, src1, ETH_ALEN_);
	/* any network id is the same segment: there is none on the wire */
	assert_int_equal(decode_with(ENCAP_RAW, frame, flen, 43, MTU).v, PROTO_FRAME);
	/* a QDES or VXLAN datagram is not a frame we can tell apart: its bytes are taken as one */
	assert_int_equal(raw_decode(vec1, sizeof(vec1)).v, PROTO_FRAME);

	for (len = 0; len < ETH_HLEN_; len++) {
		r = raw_decode(frame, len);
		assert_int_equal(r.v, PROTO_DROP_SHORT);
		assert_int_equal(r.frame_off, -1);
	}
	assert_int_equal(raw_decode(frame, ETH_HLEN_).v, PROTO_FRAME);

	memset(b, 0, sizeof(b));
	memcpy(b, frame, ETH_HLEN_);
	assert_int_equal(raw_decode(b, MTU + ETH_HLEN_).v, PROTO_FRAME);
	assert_int_equal(raw_decode(b, MTU + ETH_HLEN_ + 1).v, PROTO_DROP_OVERSIZE);
	b[12] = 0x81;
	b[13] = 0x00;
	assert_int_equal(raw_decode(b, MTU + ETH_HLEN_ + 4).v, PROTO_FRAME);
	assert_int_equal(raw_decode(b, MTU + ETH_HLEN_ + 5).v, PROTO_DROP_OVERSIZE);

	memcpy(b, frame, flen);
	b[6] = 0x01;
	assert_int_equal(raw_decode(b, flen).v, PROTO_DROP_SRC_MAC);
	memset(b + 6, 0, 6);
	assert_int_equal(raw_decode(b, flen).v, PROTO_DROP_SRC_MAC);

	/* the ops: no header, nothing written, no id, no leave, floods only */
	assert_string_equal(e->name, "raw");
	assert_int_equal(e->hdr_len, 0);
	memset(h, 0xa5, sizeof(h));
	e->encode(h + sizeof(h), 42);
	for (len = 0; len < sizeof(h); len++)
		assert_int_equal(h[len], 0xa5);
	assert_false(e->has_netid);
	assert_false(e->leave);
	assert_false(e->peer_port);
	assert_true(e->flood_only);
	assert_false(proto_encap(ENCAP_QDES)->flood_only);
	assert_false(proto_encap(ENCAP_VXLAN)->flood_only);
	assert_true(proto_encap(ENCAP_QDES)->has_netid);
	assert_true(proto_encap(ENCAP_VXLAN)->has_netid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector1_decode),
		cmocka_unit_test(test_vector1_encode),
		cmocka_unit_test(test_vector2_leave),
		cmocka_unit_test(test_vector3_leave),
		cmocka_unit_test(test_leave_header_checks),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_netid),
		cmocka_unit_test(test_reserved_ignored),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_oversize_vlan_vector),
		cmocka_unit_test(test_max_frame),
		cmocka_unit_test(test_src_mac),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_vxlan_vector),
		cmocka_unit_test(test_encap_by_name),
		cmocka_unit_test(test_vxlan_vni),
		cmocka_unit_test(test_vxlan_drops),
		cmocka_unit_test(test_vxlan_fuzz),
		cmocka_unit_test(test_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

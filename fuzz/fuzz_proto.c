// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_proto.c - libFuzzer harness of the datagram decoders: QDES (frames and leave notices),
 * VXLAN and raw
 *
 * The input is one UDP payload. libFuzzer hands over a heap copy of exactly its size, so ASan
 * reports any read past the datagram. Each decoder runs on it for several (network id, MTU)
 * pairs: fixed ones, the id in the datagram's own header (so the checks after the id are reached
 * at once), and MTUs at the oversize boundary of this very datagram, with and without the
 * 802.1Q allowance. Invariants, each checked with abort():
 *
 *  1. The verdict is in range and has a name; raw and VXLAN never say PROTO_LEAVE.
 *  2. It equals the verdict of ref_qdes() / ref_vxlan() / ref_raw() below: the drop rules of
 *     the manual's PROTOCOL section written out again, independently of proto.c.
 *  3. Every field of struct proto_rx is written (it is filled with garbage first): on a drop
 *     frame is NULL and frame_len 0; netid is the header's id once there is a header, else 0.
 *  4. On PROTO_FRAME the frame lies inside the datagram, right after the header, and ends with
 *     it; it is at least an Ethernet header and at most proto_max_frame() long; its source MAC
 *     is unicast and not zero; netid is the one asked for.
 *  5. An accepted header (frame or leave notice) is what encode writes for its network id, but
 *     for the reserved bits and bytes: QDES bytes 0-5, VXLAN the I flag and the VNI.
 *  6. The encap_ops table's decode gives the same verdict as the function it stands for.
 *  7. Sealed: proto_sealed_decode() agrees with ref_sealed(); what it lets through, opened with a
 *     key (seal_rx_open()), is never a frame (nobody forges AES-GCM) and never takes a session.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "fuzz.h"
#include "proto.h"
#include "seal.h"

/* ---- The reference: the manual's rules, byte by byte ---- */

/* Frame at @f of @flen >= 14 bytes: oversize, then source MAC */
static enum proto_verdict ref_frame(const uint8_t *f, size_t flen, unsigned int mtu)
{
	unsigned long long max = (unsigned long long)mtu + 14;

	if (f[12] == 0x81 && f[13] == 0x00)
		max += 4;
	if (flen > max)
		return PROTO_DROP_OVERSIZE;
	if ((f[6] & 1) || !(f[6] | f[7] | f[8] | f[9] | f[10] | f[11]))
		return PROTO_DROP_SRC_MAC;
	return PROTO_FRAME;
}

static enum proto_verdict ref_qdes(const uint8_t *b, size_t len, uint16_t netid, unsigned int mtu)
{
	if (len < 8 || (len > 8 && len < 8 + 14))
		return PROTO_DROP_SHORT;
	if (b[0] != 'Q' || b[1] != 'D')
		return PROTO_DROP_MAGIC;
	if (b[2] != 1)
		return PROTO_DROP_VERSION;
	if (b[3] & 0xfe)
		return PROTO_DROP_FLAGS;
	if (b[3] != 0)
		return PROTO_DROP_SEALED;
	if (b[4] * 256u + b[5] != netid)
		return PROTO_DROP_NETID;
	if (len == 8)
		return PROTO_LEAVE;
	return ref_frame(b + 8, len - 8, mtu);
}

static enum proto_verdict ref_vxlan(const uint8_t *b, size_t len, uint32_t vni, unsigned int mtu)
{
	if (len < 8 + 14)
		return PROTO_DROP_SHORT;
	if (!(b[0] & 0x08))
		return PROTO_DROP_FLAGS;
	if (b[4] * 65536u + b[5] * 256u + b[6] != vni)
		return PROTO_DROP_NETID;
	return ref_frame(b + 8, len - 8, mtu);
}

static enum proto_verdict ref_raw(const uint8_t *b, size_t len, unsigned int mtu)
{
	if (len < 14)
		return PROTO_DROP_SHORT;
	return ref_frame(b, len, mtu);
}

/* ---- The checks ---- */

/* Invariants 1, 3 and 4, for any encapsulation with @hdr bytes of header */
static void check_rx(const uint8_t *data, size_t size, size_t hdr, enum proto_verdict v,
		     const struct proto_rx *rx, uint32_t netid, unsigned int mtu,
		     uint32_t hdr_netid)
{
	CHECK((unsigned int)v < PROTO_VERDICT_MAX);
	CHECK(strcmp(proto_verdict_name(v), "unknown") != 0);
	CHECK(rx->netid == (size >= hdr ? hdr_netid : 0));
	if (v != PROTO_FRAME) {
		CHECK(rx->frame == NULL && rx->frame_len == 0);
		return;
	}
	CHECK(rx->frame == data + hdr && rx->frame_len == size - hdr);
	CHECK(rx->frame >= data && rx->frame + rx->frame_len <= data + size);
	CHECK(rx->frame_len >= ETH_HLEN_);
	CHECK(rx->frame_len <= proto_max_frame(mtu, rx->frame, rx->frame_len));
	CHECK(!mac_is_multicast(eth_src(rx->frame)) && !mac_is_zero(eth_src(rx->frame)));
	CHECK(rx->netid == netid);
}

static void check_qdes(const uint8_t *data, size_t size, uint16_t netid, unsigned int mtu)
{
	struct proto_rx rx, rx2;
	enum proto_verdict v;
	uint8_t hdr[QDES_HDR_LEN];

	memset(&rx, 0x5a, sizeof(rx));
	v = proto_qdes_decode(data, size, netid, mtu, &rx);
	check_rx(data, size, QDES_HDR_LEN, v, &rx, netid, mtu,
		 size >= QDES_HDR_LEN ? (uint32_t)(data[4] << 8 | data[5]) : 0);
	CHECK(v == ref_qdes(data, size, netid, mtu));
	if (v == PROTO_LEAVE)
		CHECK(size == QDES_HDR_LEN && rx.netid == netid);
	if (v == PROTO_FRAME || v == PROTO_LEAVE) {
		memset(hdr, 0xa5, sizeof(hdr));
		proto_qdes_encode(hdr, (uint16_t)rx.netid);
		CHECK(!memcmp(hdr, data, 6) && !hdr[6] && !hdr[7]);
	}
	memset(&rx2, 0x5a, sizeof(rx2));
	CHECK(proto_encap(ENCAP_QDES)->decode(data, size, netid, mtu, &rx2) == v);
	CHECK(rx.frame == rx2.frame && rx.frame_len == rx2.frame_len && rx.netid == rx2.netid);
}

static enum proto_verdict ref_sealed(const uint8_t *b, size_t len, uint16_t netid, unsigned int mtu)
{
	if (len < 8)
		return PROTO_DROP_SHORT;
	if (!(b[3] & 1) && b[0] == 'Q' && b[1] == 'D' && b[2] == 1 && !(b[3] & 0xfe) && len != 8 &&
	    len < 22)
		return PROTO_DROP_SHORT;
	if (b[0] != 'Q' || b[1] != 'D')
		return PROTO_DROP_MAGIC;
	if (b[2] != 1)
		return PROTO_DROP_VERSION;
	if (b[3] & 0xfe)
		return PROTO_DROP_FLAGS;
	if (!(b[3] & 1))
		return PROTO_DROP_UNSEALED;
	if (b[4] * 256u + b[5] != netid)
		return PROTO_DROP_NETID;
	if (len < 40 || (len > 40 && len < 40 + 14))
		return PROTO_DROP_SHORT;
	if (len - 40 > (unsigned long long)mtu + 18)
		return PROTO_DROP_OVERSIZE;
	return PROTO_SEALED;
}

static void check_sealed(const uint8_t *data, size_t size, uint16_t netid, unsigned int mtu)
{
	static struct seal_rx rx;
	static EVP_CIPHER_CTX *scratch;
	static bool init;
	struct seal_open_res res;
	struct proto_rx out;
	enum proto_verdict v;
	uint8_t *copy;

	if (!init) {
		struct seal_keyring ring = {0};
		uint8_t key[SEAL_KEY_LEN] = {1, 2, 3};
		char err[128];

		CHECK(!seal_ring_add(&ring, key, NULL, err, sizeof(err)));
		CHECK(!seal_rx_init(&rx, &ring, 1));
		init = true;
	}
	memset(&out, 0x5a, sizeof(out));
	v = proto_sealed_decode(data, size, netid, mtu, &out);
	CHECK(v == ref_sealed(data, size, netid, mtu));
	CHECK(out.netid == (size >= 8 ? (uint32_t)(data[4] << 8 | data[5]) : 0));
	if (v != PROTO_SEALED) {
		CHECK(!out.frame && !out.frame_len);
		return;
	}
	CHECK(out.frame == data + QDES_SEALED_HDR_LEN && out.frame_len == size - 40);
	copy = malloc(size);
	CHECK(copy);
	memcpy(copy, data, size);
	v = seal_rx_open(&rx, &scratch, copy, size, 0, &res);
	CHECK(v == PROTO_DROP_KEY || v == PROTO_DROP_AUTH);
	CHECK(!res.new_session && seal_rx_sessions(&rx) == 0);
	free(copy);
}

static void check_vxlan(const uint8_t *data, size_t size, uint32_t vni, unsigned int mtu)
{
	struct proto_rx rx, rx2;
	enum proto_verdict v;
	uint8_t hdr[VXLAN_HDR_LEN];

	memset(&rx, 0x5a, sizeof(rx));
	v = proto_vxlan_decode(data, size, vni, mtu, &rx);
	check_rx(data, size, VXLAN_HDR_LEN, v, &rx, vni, mtu,
		 size >= VXLAN_HDR_LEN ? (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6]
				       : 0);
	CHECK(v != PROTO_LEAVE);
	CHECK(v == ref_vxlan(data, size, vni, mtu));
	if (v == PROTO_FRAME) {
		memset(hdr, 0xa5, sizeof(hdr));
		proto_vxlan_encode(hdr, rx.netid);
		CHECK(hdr[0] == VXLAN_FLAG_I && (data[0] & VXLAN_FLAG_I));
		CHECK(!hdr[1] && !hdr[2] && !hdr[3] && !hdr[7]);
		CHECK(!memcmp(hdr + 4, data + 4, 3));
	}
	memset(&rx2, 0x5a, sizeof(rx2));
	CHECK(proto_encap(ENCAP_VXLAN)->decode(data, size, vni, mtu, &rx2) == v);
	CHECK(rx.frame == rx2.frame && rx.frame_len == rx2.frame_len && rx.netid == rx2.netid);
}

static void check_raw(const uint8_t *data, size_t size, uint32_t netid, unsigned int mtu)
{
	struct proto_rx rx, rx2;
	enum proto_verdict v;

	memset(&rx, 0x5a, sizeof(rx));
	v = proto_raw_decode(data, size, netid, mtu, &rx);
	/* No header: netid is always 0, and the frame is judged as asked for netid 0 */
	check_rx(data, size, 0, v, &rx, 0, mtu, 0);
	CHECK(v != PROTO_LEAVE);
	CHECK(v == ref_raw(data, size, mtu));
	memset(&rx2, 0x5a, sizeof(rx2));
	CHECK(proto_encap(ENCAP_RAW)->decode(data, size, netid, mtu, &rx2) == v);
	CHECK(rx.frame == rx2.frame && rx.frame_len == rx2.frame_len && rx.netid == rx2.netid);
}

/* MTUs around this datagram's own oversize boundary (frame of @flen bytes), and fixed ones */
static size_t mtus_for(size_t flen, unsigned int *m)
{
	static const unsigned int fixed[] = {0, 68, 1450, 1500, 65000};
	size_t n = 0, i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		m[n++] = fixed[i];
	/* just fits, one byte over; and the same with the 802.1Q allowance */
	for (i = 14; i <= 19; i++)
		if (flen >= i && flen - i <= 70000)
			m[n++] = (unsigned int)(flen - i);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t qdes_own = size >= 6 ? (uint16_t)(data[4] << 8 | data[5]) : 0;
	uint32_t vxlan_own =
		size >= 7 ? (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6] : 0;
	static const uint32_t netids[] = {0, 42, 65535, 0xffffff, 0x100002a};
	unsigned int m[16];
	size_t n, i, j;

	n = mtus_for(size >= 8 ? size - 8 : 0, m);
	for (i = 0; i < n; i++) {
		check_qdes(data, size, qdes_own, m[i]);
		check_sealed(data, size, qdes_own, m[i]);
		check_vxlan(data, size, vxlan_own, m[i]);
	}
	for (j = 0; j < sizeof(netids) / sizeof(netids[0]); j++) {
		check_qdes(data, size, (uint16_t)netids[j], 1450);
		check_vxlan(data, size, netids[j], 1450);
	}
	n = mtus_for(size, m);
	for (i = 0; i < n; i++)
		check_raw(data, size, i, m[i]);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* proto.c - QDES v1, VXLAN and raw encapsulations: header encoding, datagram validation, decoding
 */

#include <strings.h>

#include "bytes.h"
#include "ether.h"
#include "proto.h"
#include "util.h"

static uint16_t qdes_netid(const uint8_t *hdr)
{
	return get_be16(hdr + 4);
}

/*
 * The header checks a leave notice and a frame share, in the documented order of the drop
 * reasons. Reserved bytes 6-7 are not looked at: a later version may use them, and a v1
 * receiver must keep accepting what it can. PROTO_FRAME here means "no reason to drop".
 */
static enum proto_verdict qdes_check_hdr(const uint8_t *hdr, uint16_t netid, bool sealed)
{
	if (hdr[0] != QDES_MAGIC0 || hdr[1] != QDES_MAGIC1)
		return PROTO_DROP_MAGIC;
	if (hdr[2] != QDES_VERSION)
		return PROTO_DROP_VERSION;
	if (hdr[3] & ~QDES_FLAGS_KNOWN)
		return PROTO_DROP_FLAGS;
	/* Said apart from other flag trouble: a member with the wrong configuration is told so */
	if ((hdr[3] & QDES_FLAG_SEALED) && !sealed)
		return PROTO_DROP_SEALED;
	if (!(hdr[3] & QDES_FLAG_SEALED) && sealed)
		return PROTO_DROP_UNSEALED;
	if (qdes_netid(hdr) != netid)
		return PROTO_DROP_NETID;
	return PROTO_FRAME;
}

/**
 * proto_max_frame() - Longest Ethernet frame (no FCS) the TAP can take
 * @mtu:	TAP MTU, the largest payload after the Ethernet header
 * @frame:	the frame, to see whether it carries an 802.1Q tag
 * @len:	its length; below an Ethernet header no tag is assumed
 *
 * An 802.1Q tag sits between the MACs and the inner ethertype, so a tagged frame may be 4 bytes
 * longer for the same payload, as on any Ethernet port. Only 0x8100 is allowed the extra bytes:
 * that is what the spec names, and 802.1ad (0x88a8) stacks would need 8.
 *
 * Return: MTU + 14, plus 4 for an 802.1Q-tagged frame
 */
size_t proto_max_frame(unsigned int mtu, const uint8_t *frame, size_t len)
{
	size_t max = (size_t)mtu + ETH_HLEN_;

	if (len >= ETH_HLEN_ && eth_type(frame) == ETHERTYPE_8021Q)
		max += VLAN_HLEN_;
	return max;
}

/*
 * What every encapsulation checks of the frame itself, after its header; a frame that passes is
 * handed out in @out
 */
static enum proto_verdict frame_verdict(const uint8_t *frame, size_t frame_len, unsigned int mtu,
					struct proto_rx *out)
{
	return proto_frame_check(frame, frame_len, mtu, out);
}

/**
 * proto_frame_check() - What every encapsulation checks of a frame once it has it in the clear
 * @frame:	the frame, at least an Ethernet header
 * @frame_len:	its length
 * @mtu:	TAP MTU
 * @out:	@frame and @frame_len set on PROTO_FRAME
 *
 * Return: PROTO_FRAME, PROTO_DROP_OVERSIZE or PROTO_DROP_SRC_MAC
 */
enum proto_verdict proto_frame_check(const uint8_t *frame, size_t frame_len, unsigned int mtu,
				     struct proto_rx *out)
{
	if (frame_len > proto_max_frame(mtu, frame, frame_len))
		return PROTO_DROP_OVERSIZE;
	/* Learning such a source would poison the FDB: no station sends from a group address */
	if (mac_is_multicast(eth_src(frame)) || mac_is_zero(eth_src(frame)))
		return PROTO_DROP_SRC_MAC;
	out->frame = frame;
	out->frame_len = frame_len;
	return PROTO_FRAME;
}

/**
 * proto_qdes_decode() - Validate a received QDES datagram and find the frame in it
 * @buf:	UDP payload, untrusted: nothing past @len is ever read
 * @len:	its length
 * @netid:	the network id this interface serves
 * @mtu:	TAP MTU, to bound the frame length
 * @out:	always written: @netid from the header once @len reaches a header (else 0); @frame
 *		and @frame_len only on PROTO_FRAME (else NULL and 0)
 *
 * Checks run in the order of the drop counters, and the first failing one is the verdict:
 * short, magic, version, flags, network id, oversize, source MAC.
 *
 * Length is judged before anything else, but exactly 8 bytes is a leave-notice candidate, not a
 * short datagram: it goes through the same header checks as a frame, so a leave notice with a bad
 * magic counts as drop_magic, one for a foreign network as drop_netid, and only a header that
 * passes them all is PROTO_LEAVE. Below 8 bytes there is no header to judge, and 9 to 21 bytes
 * can be neither a leave notice nor a frame with a whole Ethernet header: both are
 * PROTO_DROP_SHORT whatever their first bytes say.
 *
 * Return: PROTO_FRAME, PROTO_LEAVE, or the PROTO_DROP_* reason
 */
enum proto_verdict proto_qdes_decode(const uint8_t *buf, size_t len, uint16_t netid,
				     unsigned int mtu, struct proto_rx *out)
{
	enum proto_verdict v;

	*out = (struct proto_rx){0};
	if (len < QDES_HDR_LEN)
		return PROTO_DROP_SHORT;
	out->netid = qdes_netid(buf);
	if (len != QDES_HDR_LEN && len < QDES_HDR_LEN + ETH_HLEN_)
		return PROTO_DROP_SHORT;

	v = qdes_check_hdr(buf, netid, false);
	if (v != PROTO_FRAME)
		return v;
	if (len == QDES_HDR_LEN)
		return PROTO_LEAVE;

	return frame_verdict(buf + QDES_HDR_LEN, len - QDES_HDR_LEN, mtu, out);
}

/**
 * proto_sealed_decode() - Validate what can be judged of a sealed datagram before opening it
 * @buf:	UDP payload, untrusted
 * @len:	its length
 * @netid:	the network id this interface serves
 * @mtu:	TAP MTU
 * @out:	@netid as for proto_qdes_decode(); on PROTO_SEALED @frame and @frame_len are the
 *		ciphertext (the frame once opened), between the 24-byte header and the tag
 *
 * Checks, first failing one wins: short (below a header, or a sealed header and tag with 1 to
 * 13 bytes between: neither a leave notice nor a frame), magic, version, flags (unknown, or not
 * sealed: unsealed), network id, oversize. A sealed leave notice is a header and a tag, nothing
 * between. What the frame says (its source MAC) is judged after opening: proto_frame_check().
 *
 * Return: PROTO_SEALED, or the PROTO_DROP_* reason
 */
enum proto_verdict proto_sealed_decode(const uint8_t *buf, size_t len, uint16_t netid,
				       unsigned int mtu, struct proto_rx *out)
{
	const size_t over = QDES_SEALED_HDR_LEN + QDES_TAG_LEN;
	enum proto_verdict v;
	size_t n;

	*out = (struct proto_rx){0};
	if (len < QDES_HDR_LEN)
		return PROTO_DROP_SHORT;
	out->netid = qdes_netid(buf);
	v = qdes_check_hdr(buf, netid, true);
	/* A plain leave notice or frame sent to a sealed member says what it is */
	if (v == PROTO_DROP_UNSEALED && len != QDES_HDR_LEN && len < QDES_HDR_LEN + ETH_HLEN_)
		return PROTO_DROP_SHORT;
	if (v != PROTO_FRAME)
		return v;
	if (len < over)
		return PROTO_DROP_SHORT;
	n = len - over;
	if (n && n < ETH_HLEN_)
		return PROTO_DROP_SHORT;
	/* Whether it holds an 802.1Q tag is known only in the clear: allow for one here */
	if (n > (size_t)mtu + ETH_HLEN_ + VLAN_HLEN_)
		return PROTO_DROP_OVERSIZE;
	out->frame = buf + QDES_SEALED_HDR_LEN;
	out->frame_len = n;
	return PROTO_SEALED;
}

/**
 * proto_qdes_encode() - Write a QDES v1 header; the frame follows it in the same buffer
 * @hdr:	the 8 bytes in front of the frame (within PROTO_HEADROOM)
 * @netid:	network id of the segment
 *
 * Flags and reserved bytes are zero: a plain datagram sets no flag (sealed_encode() sets one).
 * A header on its own is a leave notice.
 */
void proto_qdes_encode(uint8_t hdr[QDES_HDR_LEN], uint16_t netid)
{
	hdr[0] = QDES_MAGIC0;
	hdr[1] = QDES_MAGIC1;
	hdr[2] = QDES_VERSION;
	hdr[3] = 0;
	hdr[4] = (uint8_t)(netid >> 8);
	hdr[5] = (uint8_t)netid;
	hdr[6] = 0;
	hdr[7] = 0;
}

static uint32_t vxlan_vni(const uint8_t *hdr)
{
	return (uint32_t)hdr[4] << 16 | (uint32_t)hdr[5] << 8 | hdr[6];
}

/**
 * proto_vxlan_decode() - Validate a received VXLAN (RFC 7348) datagram and find the frame in it
 * @buf:	UDP payload, untrusted: nothing past @len is ever read
 * @len:	its length
 * @vni:	the VNI (network id) this interface serves
 * @mtu:	TAP MTU, to bound the frame length
 * @out:	as for proto_qdes_decode(): @netid is the VNI once @len reaches a header
 *
 * Checks, first failing one wins: short (below 8 + 14 bytes: VXLAN has no leave notice),
 * flags (the I flag 0x08 not set), network id (another VNI), oversize, source MAC. There is no
 * magic or version; reserved bits and bytes are ignored on receipt, as the RFC says.
 *
 * Return: PROTO_FRAME, or the PROTO_DROP_* reason (never PROTO_LEAVE)
 */
enum proto_verdict proto_vxlan_decode(const uint8_t *buf, size_t len, uint32_t vni,
				      unsigned int mtu, struct proto_rx *out)
{
	*out = (struct proto_rx){0};
	if (len < VXLAN_HDR_LEN)
		return PROTO_DROP_SHORT;
	out->netid = vxlan_vni(buf);
	if (len < VXLAN_HDR_LEN + ETH_HLEN_)
		return PROTO_DROP_SHORT;
	if (!(buf[0] & VXLAN_FLAG_I))
		return PROTO_DROP_FLAGS;
	if (out->netid != vni)
		return PROTO_DROP_NETID;
	return frame_verdict(buf + VXLAN_HDR_LEN, len - VXLAN_HDR_LEN, mtu, out);
}

/**
 * proto_vxlan_encode() - Write a VXLAN header: I flag, @vni, every reserved field zero
 * @hdr:	the 8 bytes in front of the frame (within PROTO_HEADROOM)
 * @vni:	VNI, 0 to 16777215 (higher bits are not sent)
 */
void proto_vxlan_encode(uint8_t hdr[VXLAN_HDR_LEN], uint32_t vni)
{
	hdr[0] = VXLAN_FLAG_I;
	hdr[1] = 0;
	hdr[2] = 0;
	hdr[3] = 0;
	hdr[4] = (uint8_t)(vni >> 16);
	hdr[5] = (uint8_t)(vni >> 8);
	hdr[6] = (uint8_t)vni;
	hdr[7] = 0;
}

/**
 * proto_raw_decode() - Validate a received bare Ethernet frame (encap raw: QEMU's socket backends)
 * @buf:	UDP payload, untrusted: nothing past @len is ever read
 * @len:	its length
 * @netid:	unused: raw frames carry no network id
 * @mtu:	TAP MTU, to bound the frame length
 * @out:	as for proto_qdes_decode(), @netid always 0
 *
 * Checks, first failing one wins: short (below an Ethernet header), oversize, source MAC.
 * There is no header, so nothing else can be judged, and no leave notice.
 *
 * Return: PROTO_FRAME, or the PROTO_DROP_* reason (never PROTO_LEAVE)
 */
enum proto_verdict proto_raw_decode(const uint8_t *buf, size_t len, uint32_t netid,
				    unsigned int mtu, struct proto_rx *out)
{
	(void)netid;
	*out = (struct proto_rx){0};
	if (len < ETH_HLEN_)
		return PROTO_DROP_SHORT;
	return frame_verdict(buf, len, mtu, out);
}

static void raw_encode(uint8_t *hdr, uint32_t netid)
{
	(void)hdr;
	(void)netid;
}

static void qdes_encode(uint8_t *hdr, uint32_t netid)
{
	proto_qdes_encode(hdr, (uint16_t)netid);
}

static enum proto_verdict qdes_decode(const uint8_t *buf, size_t len, uint32_t netid,
				      unsigned int mtu, struct proto_rx *out)
{
	return proto_qdes_decode(buf, len, (uint16_t)netid, mtu, out);
}

static void vxlan_encode(uint8_t *hdr, uint32_t vni)
{
	proto_vxlan_encode(hdr, vni);
}

/* The fixed part; the key id, session and counter are the sealer's (seal_tx_seal()) */
static void sealed_encode(uint8_t *hdr, uint32_t netid)
{
	proto_qdes_encode(hdr, (uint16_t)netid);
	hdr[3] = QDES_FLAG_SEALED;
}

static enum proto_verdict sealed_decode(const uint8_t *buf, size_t len, uint32_t netid,
					unsigned int mtu, struct proto_rx *out)
{
	return proto_sealed_decode(buf, len, (uint16_t)netid, mtu, out);
}

/* QDES with a segment key: not a mode of its own (encap= qdes), what key= makes of it */
static const struct encap_ops qdes_sealed = {.name = "qdes",
					     .hdr_len = QDES_SEALED_HDR_LEN,
					     .tail_len = QDES_TAG_LEN,
					     .encode = sealed_encode,
					     .decode = sealed_decode,
					     .max_netid = 65535,
					     .leave = true,
					     .has_netid = true};

static const struct encap_ops encaps[] = {
	[ENCAP_QDES] = {.name = "qdes",
			.hdr_len = QDES_HDR_LEN,
			.encode = qdes_encode,
			.decode = qdes_decode,
			.max_netid = 65535,
			.leave = true,
			.has_netid = true,
			.sealed = &qdes_sealed},
	[ENCAP_VXLAN] = {.name = "vxlan",
			 .hdr_len = VXLAN_HDR_LEN,
			 .encode = vxlan_encode,
			 .decode = proto_vxlan_decode,
			 .max_netid = VXLAN_MAX_VNI,
			 .peer_port = true,
			 .has_netid = true,
			 .default_port = VXLAN_DEFAULT_PORT},
	[ENCAP_RAW] = {.name = "raw",
		       .hdr_len = 0,
		       .encode = raw_encode,
		       .decode = proto_raw_decode,
		       .flood_only = true},
};

_Static_assert(ARRAY_SIZE(encaps) == ENCAP_MAX, "one row per encap_mode");

/**
 * proto_encap() - The operations of an encapsulation mode
 * @mode:	ENCAP_QDES, ENCAP_VXLAN or ENCAP_RAW
 *
 * Return: the mode's table; QDES for a value outside the enum
 */
const struct encap_ops *proto_encap(enum encap_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(encaps))
		mode = ENCAP_QDES;
	return &encaps[mode];
}

/**
 * proto_encap_by_name() - The encapsulation mode of an encap= value
 * @name:	its name, any case
 * @mode:	the mode, on success
 *
 * Return: 0, or -1 if no encapsulation has that name
 */
int proto_encap_by_name(const char *name, enum encap_mode *mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(encaps); i++) {
		if (!strcasecmp(encaps[i].name, name)) {
			*mode = (enum encap_mode)i;
			return 0;
		}
	}
	return -1;
}

/**
 * proto_verdict_name() - Short name of a verdict, as in its counter name
 * @v:	verdict
 *
 * The drop names are the counter names without "drop_", so a caller can print
 * "drop_%s" and match the SIGUSR1 dump; a leave is counted as leave_rx.
 *
 * Return: "frame", "leave", or the drop reason ("short", "magic", ... "src_mac"); "unknown" for
 * PROTO_VERDICT_MAX or a value outside the enum
 */
const char *proto_verdict_name(enum proto_verdict v)
{
	/* No default: -Wswitch flags a new verdict that has no name yet */
	switch (v) {
	case PROTO_FRAME:
		return "frame";
	case PROTO_LEAVE:
		return "leave";
	case PROTO_DROP_SHORT:
		return "short";
	case PROTO_DROP_MAGIC:
		return "magic";
	case PROTO_DROP_VERSION:
		return "version";
	case PROTO_DROP_FLAGS:
		return "flags";
	case PROTO_DROP_NETID:
		return "netid";
	case PROTO_DROP_OVERSIZE:
		return "oversize";
	case PROTO_DROP_SRC_MAC:
		return "src_mac";
	case PROTO_SEALED:
		return "sealed_frame";
	case PROTO_DROP_SEALED:
		return "sealed";
	case PROTO_DROP_UNSEALED:
		return "unsealed";
	case PROTO_DROP_KEY:
		return "key";
	case PROTO_DROP_AUTH:
		return "auth";
	case PROTO_DROP_REPLAY:
		return "replay";
	case PROTO_VERDICT_MAX:
		break;
	}
	return "unknown";
}

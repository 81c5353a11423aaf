/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proto.h - Encapsulations of Ethernet frames in UDP: pure encode/decode, no I/O */
#ifndef QDES_PROTO_H
#define QDES_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* QDES v1: 'Q' 'D' version flags | network id (BE) | reserved (send 0) */
#define QDES_HDR_LEN 8
#define QDES_MAGIC0  0x51
#define QDES_MAGIC1  0x44
#define QDES_VERSION 1
/*
 * Flags: a receiver drops any datagram with a flag bit it does not know. SEALED: the frame is
 * encrypted and authenticated (key= / --key): byte 6 is then the key id, and the header goes
 * on with a session id (8 bytes) and a counter (8 bytes, BE); a 16-byte tag follows the frame.
 */
#define QDES_FLAG_SEALED    0x01
#define QDES_FLAGS_KNOWN    QDES_FLAG_SEALED
#define QDES_SEALED_HDR_LEN 24
#define QDES_TAG_LEN	    16

/*
 * VXLAN (RFC 7348): flags (I = 0x08) | reserved (3) | VNI (24 bits, BE) | reserved (1).
 * Only the I flag is looked at on receipt: the RFC has the reserved bits ignored there.
 */
#define VXLAN_HDR_LEN	   8
#define VXLAN_FLAG_I	   0x08
#define VXLAN_MAX_VNI	   0xffffffU
#define VXLAN_DEFAULT_PORT 4789

/* Headroom every frame buffer keeps in front of the frame, for any encapsulation */
#define PROTO_HEADROOM 32

/**
 * enum proto_verdict - what a received datagram is; every drop reason has a counter
 */
enum proto_verdict {
	PROTO_FRAME = 0,     /* a valid Ethernet frame for us */
	PROTO_LEAVE,	     /* a leave notice: header only, no frame */
	PROTO_DROP_SHORT,    /* shorter than header + Ethernet header */
	PROTO_DROP_MAGIC,    /* not 'Q' 'D' */
	PROTO_DROP_VERSION,  /* a version we do not speak */
	PROTO_DROP_FLAGS,    /* a flag bit we do not understand */
	PROTO_DROP_NETID,    /* a network id we do not serve */
	PROTO_DROP_OVERSIZE, /* frame longer than MTU + 14 (+4 with 802.1Q) */
	PROTO_DROP_SRC_MAC,  /* source MAC multicast, broadcast or all-zero */
	PROTO_SEALED,	     /* a sealed datagram, well formed so far: open it (seal.c) */
	PROTO_DROP_SEALED,   /* sealed, and this member has no key */
	PROTO_DROP_UNSEALED, /* not sealed, and this member's segment is */
	PROTO_DROP_KEY,	     /* sealed with a key id this member does not have */
	PROTO_DROP_AUTH,     /* does not authenticate: another key, or altered */
	PROTO_DROP_REPLAY,   /* authenticated before, or too old for the replay window */
	PROTO_VERDICT_MAX,
};

/**
 * struct proto_rx - a decoded datagram
 * @netid:	network id from the header
 * @frame:	the Ethernet frame inside the datagram (points into the datagram)
 * @frame_len:	its length
 */
struct proto_rx {
	uint32_t netid;
	const uint8_t *frame;
	size_t frame_len;
};

enum proto_verdict proto_qdes_decode(const uint8_t *buf, size_t len, uint16_t netid,
				     unsigned int mtu, struct proto_rx *out);
void proto_qdes_encode(uint8_t hdr[QDES_HDR_LEN], uint16_t netid);
enum proto_verdict proto_vxlan_decode(const uint8_t *buf, size_t len, uint32_t vni,
				      unsigned int mtu, struct proto_rx *out);
void proto_vxlan_encode(uint8_t hdr[VXLAN_HDR_LEN], uint32_t vni);
enum proto_verdict proto_sealed_decode(const uint8_t *buf, size_t len, uint16_t netid,
				       unsigned int mtu, struct proto_rx *out);
enum proto_verdict proto_frame_check(const uint8_t *frame, size_t len, unsigned int mtu,
				     struct proto_rx *out);
enum proto_verdict proto_raw_decode(const uint8_t *buf, size_t len, uint32_t netid,
				    unsigned int mtu, struct proto_rx *out);
size_t proto_max_frame(unsigned int mtu, const uint8_t *frame, size_t len);
const char *proto_verdict_name(enum proto_verdict v);

/* Encapsulation modes: encap = qdes | vxlan | raw */
enum encap_mode {
	ENCAP_QDES = 0,
	ENCAP_VXLAN,
	ENCAP_RAW,
	ENCAP_MAX,
};

/**
 * struct encap_ops - one encapsulation, as the switch and the gateway use it; chosen at start
 * @name:	the encap= value
 * @hdr_len:	bytes in front of each frame (within PROTO_HEADROOM)
 * @tail_len:	bytes after each frame (the tag of a sealed datagram)
 * @encode:	write the header for network @netid
 * @decode:	validate a datagram, as proto_qdes_decode()
 * @max_netid:	largest network id the header carries
 * @leave:	a header on its own is a leave notice (QDES); VXLAN has none
 * @peer_port:	learn a sender at (its address, the group's port) rather than at its source
 *		port: VXLAN tunnel endpoints send from a flow-hash port and listen on the
 *		well-known one
 * @flood_only:	every frame goes to the group, known unicast too: raw members (QEMU's
 *		socket backends) bind the group address itself and never receive unicast
 * @has_netid:	the header carries a network id (raw frames carry none: one segment per
 *		group and port)
 * @default_port: UDP port of a group given without one; 0: the port must be given
 * @sealed:	the variant a segment key selects (key=), or NULL: this one cannot be sealed
 * @decode returns PROTO_SEALED for a datagram that must be opened before its frame is judged.
 *
 * Everything the configuration checks and says about an encapsulation (its name, network-id
 * range, default port, port rules) is read from here, so a new encapsulation is a codec and
 * one row of the table in proto.c.
 */
struct encap_ops {
	const char *name;
	size_t hdr_len;
	size_t tail_len;
	void (*encode)(uint8_t *hdr, uint32_t netid);
	enum proto_verdict (*decode)(const uint8_t *buf, size_t len, uint32_t netid,
				     unsigned int mtu, struct proto_rx *out);
	uint32_t max_netid;
	bool leave;
	bool peer_port;
	bool flood_only;
	bool has_netid;
	uint16_t default_port;
	const struct encap_ops *sealed;
};

const struct encap_ops *proto_encap(enum encap_mode mode);
int proto_encap_by_name(const char *name, enum encap_mode *mode);

#endif /* QDES_PROTO_H */

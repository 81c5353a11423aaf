// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_proto.c - libFuzzer harness for the datagram decoders: untrusted datagrams in, no crash out */

/*
 * make fuzz (FUZZ_SECONDS=60) builds and runs it with clang.
 *
 * libFuzzer hands over a heap copy of exactly @size bytes, so ASan reports any read past the
 * datagram. Besides the sanitizers, the harness checks what decode promises to its callers.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ether.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, uint16_t netid, unsigned int mtu)
{
	struct proto_rx rx;
	enum proto_verdict v = proto_qdes_decode(data, size, netid, mtu, &rx);
	uint8_t hdr[QDES_HDR_LEN];

	if ((unsigned int)v >= PROTO_VERDICT_MAX || !strcmp(proto_verdict_name(v), "unknown"))
		abort();
	if (v != PROTO_FRAME) {
		if (rx.frame || rx.frame_len)
			abort();
		if (v == PROTO_LEAVE && (size != QDES_HDR_LEN || rx.netid != netid))
			abort();
		return;
	}
	if (rx.frame != data + QDES_HDR_LEN || rx.frame_len != size - QDES_HDR_LEN ||
	    rx.frame_len < ETH_HLEN_ ||
	    rx.frame_len > proto_max_frame(mtu, rx.frame, rx.frame_len) || rx.netid != netid ||
	    mac_is_multicast(eth_src(rx.frame)) || mac_is_zero(eth_src(rx.frame)))
		abort();
	/* An accepted header is what encode writes, but for the reserved bytes */
	proto_qdes_encode(hdr, netid);
	if (memcmp(hdr, data, 6))
		abort();
}

/* encap raw: the datagram is the frame, and only length and source MAC are judged */
static void check_raw(const uint8_t *data, size_t size, unsigned int mtu)
{
	struct proto_rx rx;
	enum proto_verdict v = proto_raw_decode(data, size, 0, mtu, &rx);

	if (v != PROTO_FRAME) {
		if (rx.frame || rx.frame_len || v == PROTO_LEAVE || v >= PROTO_VERDICT_MAX)
			abort();
		return;
	}
	if (rx.frame != data || rx.frame_len != size || size < ETH_HLEN_ ||
	    size > proto_max_frame(mtu, data, size) || mac_is_multicast(eth_src(data)) ||
	    mac_is_zero(eth_src(data)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The network id in the datagram itself, so the checks after it are reached at once */
	uint16_t own = size >= 6 ? (uint16_t)(data[4] << 8 | data[5]) : 0;

	check(data, size, 42, 1450);
	check(data, size, 65535, 68);
	check(data, size, own, 1500);
	check(data, size, own, 0);
	check_raw(data, size, 1458);
	check_raw(data, size, 68);
	return 0;
}

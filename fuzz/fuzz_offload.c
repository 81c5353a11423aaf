// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_offload.c - libFuzzer harness of the TSO segmenter and the GRO coalescer on hostile input
 *
 * The input is a control byte, then a vnet header (10 bytes, host order, as a TAP hands it
 * over), then frames. Bit 0 of the control byte picks the path:
 *
 *  - segment: the rest is one frame from the TAP, cut with offload_tso_segment() for a
 *    max_frame picked by bits 1-3 and an encapsulation of 0, 8 or 16 bytes (bits 4-5);
 *  - coalesce: the rest is frames, each behind a 2-byte little-endian length, merged with
 *    offload_gro_add() as the receive path does; the vnet header is unused.
 *
 * Invariants, each checked with abort():
 *
 *  1. Segment: a failure leaves the result all zero. A success lays out n >= 1 datagrams of
 *     stride bytes back to back (the last one at most stride), within the output buffer, each
 *     starting with the encapsulation and carrying at most max_frame bytes of frame. Without
 *     GSO it is the frame, whole. With GSO the payloads of the segments, concatenated, are the
 *     super-frame's payload, byte for byte.
 *  2. Coalesce: the super-frame never exceeds OFFLOAD_MAX_FRAME; a frame that is refused by an
 *     empty coalescer leaves it empty. After offload_gro_finish() a super-frame of two or more
 *     segments has a TCP vnet header the segmenter takes back: cut again at its gso_size, it
 *     gives as many segments as were merged, and the first one is the first frame merged.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "fuzz.h"

/* Room for the segments of the largest super-frame: 65550 bytes cut at 68, plus headers */
#define OUT_SIZE (4 * OFFLOAD_MAX_FRAME)

static uint8_t out[OUT_SIZE];
static uint8_t gro_buf[OFFLOAD_MAX_FRAME];
static uint8_t first[OFFLOAD_MAX_FRAME];

static void segment(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len, uint8_t ctl)
{
	static const size_t max_frames[] = {0, 14, 68, 1464, 1514, 9014, 65000, OFFLOAD_MAX_FRAME};
	static const uint8_t encap[16] = {'Q', 'D', 1, 0, 0, 42, 0, 0, 8, 0, 0, 0, 0, 0, 42, 0};
	size_t max_frame = max_frames[(ctl >> 1) & 7], encap_len = ((ctl >> 4) & 3) * 8, i, hdr;
	struct offload_segs res;
	uint8_t *copy;

	if (encap_len > sizeof(encap))
		encap_len = sizeof(encap);
	/* A heap copy of exactly the frame: ASan catches any read past it */
	copy = malloc(len ? len : 1);
	CHECK(copy);
	memcpy(copy, frame, len);
	memset(&res, 0x5a, sizeof(res));
	if (offload_tso_segment(vh, copy, len, encap, encap_len, 0, max_frame, out, OUT_SIZE,
				&res)) {
		CHECK(!res.n && !res.stride && !res.total);
		free(copy);
		return;
	}
	CHECK(res.n >= 1);
	CHECK(res.total <= OUT_SIZE);
	CHECK(res.stride > encap_len && res.stride <= encap_len + max_frame);
	CHECK((res.n - 1) * res.stride < res.total && res.total <= res.n * res.stride);
	for (i = 0; i < res.n; i++)
		CHECK(!memcmp(out + i * res.stride, encap, encap_len));
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		CHECK(res.n == 1 && res.total == encap_len + len);
		free(copy);
		return;
	}
	/* Every segment repeats the headers: total = n * (encap + hdr) + payload */
	if (res.n > 1) {
		size_t over = res.total - len;

		CHECK(over >= res.n * encap_len);
		CHECK((over - res.n * encap_len) % (res.n - 1) == 0);
		hdr = (over - res.n * encap_len) / (res.n - 1);
	} else {
		CHECK(res.total == encap_len + len);
		hdr = len;
	}
	CHECK(hdr <= len);
	for (i = 0; i < res.n; i++) {
		size_t seg = i + 1 < res.n ? res.stride : res.total - i * res.stride;
		size_t mss = res.stride - encap_len - hdr, chunk = seg - encap_len - hdr;

		CHECK(seg >= encap_len + hdr);
		CHECK(!memcmp(out + i * res.stride + encap_len + hdr, copy + hdr + i * mss, chunk));
	}
	free(copy);
}

static void coalesce(const uint8_t *data, size_t size)
{
	struct offload_gro g;
	size_t first_len = 0;
	unsigned int merged = 0;

	offload_gro_init(&g, gro_buf);
	while (size >= 2) {
		size_t len = data[0] | (size_t)data[1] << 8;
		bool was_empty = !g.len;
		uint8_t *frame;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		frame = malloc(len ? len : 1);
		CHECK(frame);
		memcpy(frame, data, len);
		if (!was_empty && !offload_gro_add(&g, frame, len)) {
			/* the receive path writes the super-frame out and starts again with it */
			offload_gro_finish(&g);
			offload_gro_init(&g, gro_buf);
			was_empty = true;
		} else if (!was_empty) {
			merged++;
		}
		if (was_empty) {
			if (offload_gro_add(&g, frame, len)) {
				memcpy(first, frame, len);
				first_len = len;
				merged = 1;
			} else {
				CHECK(!g.len);
			}
		}
		free(frame);
		CHECK(g.len <= OFFLOAD_MAX_FRAME);
		data += len;
		size -= len;
	}
	if (!g.len)
		return;
	offload_gro_finish(&g);
	if (g.segs < 2)
		return;
	{
		struct offload_segs res;

		CHECK(g.segs == merged);
		CHECK(g.vh.gso_size && g.vh.hdr_len <= g.len && g.vh.csum_start < g.len);
		CHECK(offload_tso_segment(&g.vh, g.buf, g.len, NULL, 0, 0, OFFLOAD_MAX_FRAME, out,
					  OUT_SIZE, &res) == 0);
		CHECK(res.n == g.segs);
		/* the first segment's payload and length are the first frame's */
		CHECK(res.stride == first_len);
		CHECK(!memcmp(out + g.vh.hdr_len, first + g.vh.hdr_len, first_len - g.vh.hdr_len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr vh;

	if (size < 1 + sizeof(vh))
		return 0;
	memcpy(&vh, data + 1, sizeof(vh));
	if (data[0] & 1)
		coalesce(data + 1 + sizeof(vh), size - 1 - sizeof(vh));
	else
		segment(&vh, data + 1 + sizeof(vh), size - 1 - sizeof(vh), data[0]);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_stream.c - libFuzzer harness of the QEMU stream framing: a guest's byte stream in pieces
 *
 * The input's first byte picks the MTU and seeds the sizes of the pieces; the rest is what a
 * guest writes to its -netdev stream socket (4-byte big-endian length, then the frame, again and
 * again). The pieces go into one end of a socketpair, and stream_recv() reads the other end after
 * each, as the event loop would; at the end the guest's end is closed.
 *
 * Invariants, each checked with abort():
 *
 *  1. The frames handed over are exactly those of model() below, the framing rules written out
 *     again: in order, byte for byte, however the stream was cut. Short and oversize frames are
 *     skipped and counted (drop_short, drop_oversize) without losing the framing.
 *  2. Every frame is 14 bytes to MTU + 18, with PROTO_HEADROOM writable bytes in front of it.
 *  3. A length above STREAM_MAX_LEN ends the connection with "not QEMU's framing"; otherwise it
 *     ends only when the guest closes ("closed by the guest"). Nothing is handed over after.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "counters.h"
#include "fuzz.h"
#include "ether.h"
#include "proto.h"
#include "stream.h"

/* What the stream should give: frames (length-prefixed, back to back) and drop counts */
struct expect {
	uint8_t *frames;
	size_t len;
	unsigned long drop_short, drop_oversize;
	bool bad_framing;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void model(const uint8_t *s, size_t n, unsigned int mtu, struct expect *x)
{
	size_t off = 0;

	while (n - off >= 4) {
		uint32_t len = be32(s + off);
		size_t avail = n - off - 4;
		const uint8_t *f = s + off + 4;

		if (len > STREAM_MAX_LEN) {
			x->bad_framing = true;
			return;
		}
		if (len < 14 || len > (size_t)mtu + 18) {
			if (len < 14)
				x->drop_short++;
			else
				x->drop_oversize++;
			off += 4 + (len < avail ? len : avail);
			continue;
		}
		if (avail < len)
			return;
		off += 4 + len;
		if (len > (size_t)mtu + 14 && !(f[12] == 0x81 && f[13] == 0x00)) {
			x->drop_oversize++;
			continue;
		}
		memcpy(x->frames + x->len, &len, sizeof(len));
		memcpy(x->frames + x->len + sizeof(len), f, len);
		x->len += sizeof(len) + len;
	}
}

struct got {
	uint8_t *frames;
	size_t len, cap;
	unsigned int mtu;
	bool over;
};

static void on_frame(void *arg, struct stream_conn *c, uint8_t *frame, size_t len)
{
	struct got *g = arg;
	uint32_t l = (uint32_t)len;

	(void)c;
	CHECK(!g->over);
	CHECK(len >= ETH_HLEN_ && len <= (size_t)g->mtu + ETH_HLEN_ + 4);
	/* the switch writes its encapsulation there */
	memset(frame - PROTO_HEADROOM, 0xa5, PROTO_HEADROOM);
	CHECK(g->len + sizeof(l) + len <= g->cap);
	memcpy(g->frames + g->len, &l, sizeof(l));
	memcpy(g->frames + g->len + sizeof(l), frame, len);
	g->len += sizeof(l) + len;
}

/* Read until nothing is waiting; false once the connection is over */
static bool drain(struct stream_conn *c, struct got *g)
{
	int n;

	while ((n = stream_recv(c, on_frame, g)) > 0)
		;
	if (n < 0)
		g->over = true;
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int mtus[] = {68, 1500, 9000, 65000};
	struct qdes_counters cnt = {0};
	struct expect x = {0};
	struct got g = {0};
	struct stream_conn *c;
	uint32_t seed;
	size_t off = 0;
	int sv[2];

	if (size < 1)
		return 0;
	g.mtu = mtus[data[0] & 3];
	seed = data[0] * 2654435761U + 1;
	data++;
	size--;
	/* Every frame handed over is one the model also saw, so 4 bytes per frame more at most */
	x.frames = malloc(2 * size + 64);
	g.cap = 2 * size + 64;
	g.frames = malloc(g.cap);
	CHECK(x.frames && g.frames);
	model(data, size, g.mtu, &x);

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	CHECK(!fcntl(sv[0], F_SETFL, O_NONBLOCK));
	c = stream_conn_new(sv[0], "qemu1", g.mtu, &cnt);
	CHECK(c);
	while (off < size && !g.over) {
		size_t piece;
		ssize_t w;

		seed = seed * 1103515245U + 12345U;
		piece = 1 + (seed >> 16) % (seed & 0x100 ? 7 : 1500);
		if (piece > size - off)
			piece = size - off;
		w = write(sv[1], data + off, piece);
		CHECK(w > 0);
		off += (size_t)w;
		drain(c, &g);
	}
	close(sv[1]);
	if (!g.over)
		CHECK(!drain(c, &g));
	CHECK(g.over);
	CHECK(strstr(c->port.err, x.bad_framing ? "not QEMU's framing" : "closed by the guest"));
	CHECK(g.len == x.len && !memcmp(g.frames, x.frames, x.len));
	if (!x.bad_framing) {
		CHECK(CNT_GET(&cnt, drop_short) == x.drop_short);
		CHECK(CNT_GET(&cnt, drop_oversize) == x.drop_oversize);
	}
	stream_conn_free(c);
	free(x.frames);
	free(g.frames);
	return 0;
}

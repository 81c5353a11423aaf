// SPDX-License-Identifier: GPL-2.0-or-later
/* test_stream.c - QEMU stream ports: length framing both ways, drops, full output, segmentation
 * of TCP super-frames, and the listening socket
 *
 * Every guest here is the other end of a socketpair() or a real connection to a socket in a
 * fresh mkdtemp() directory: the port is driven only through its public functions, and what is
 * checked is what the guest reads and what the switch is handed.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ether.h"
#include "proto.h"
#include "stream.h"
#include "switch.h"

#include "test_ref.h"

#define MTU	 1500
#define MAX_ETH	 (MTU + ETH_HLEN_)		/* 1514 */
#define MAX_VLAN (MTU + ETH_HLEN_ + VLAN_HLEN_) /* 1518, 802.1Q only */

/* The most frames one stream_recv() can hand over: every one an Ethernet header only */
#define RX_MAX	  (STREAM_RX_BUF / (STREAM_LEN_HDR + ETH_HLEN_) + 1)
#define LOG_MAX	  16384
#define LOG_BYTES (2 * 1024 * 1024)
#define SBUF_MAX  (2 * 1024 * 1024)

/* Fixed-seed xorshift: every run sees the same streams */
static uint32_t rng = 0x9e3779b9;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* ---- Frames: every byte follows from a tag, so each frame is recognisable on its own ---- */

static uint8_t frame_byte(size_t i, uint32_t tag, bool vlan)
{
	if (i < 2)
		return i ? 0x00 : 0x02;
	if (i < 6)
		return (uint8_t)(tag >> (8 * (5 - i)));
	if (i < 8)
		return i == 6 ? 0x02 : 0x01;
	if (i < 12)
		return (uint8_t) ~(tag >> (8 * (11 - i)));
	if (i == 12)
		return vlan ? 0x81 : 0x08;
	if (i == 13)
		return 0x00;
	return (uint8_t)(tag * 13 + i * 7);
}

/* A frame of @len bytes: MACs made of @tag, IPv4 or 802.1Q ethertype, then a pattern */
static void fill_frame(uint8_t *f, size_t len, uint32_t tag, bool vlan)
{
	size_t i;

	for (i = 0; i < len; i++)
		f[i] = frame_byte(i, tag, vlan);
}

/* A byte stream as a guest writes it */
struct sbuf {
	size_t len;
	uint8_t b[SBUF_MAX];
};

static struct sbuf sb;

static void add_len(struct sbuf *s, uint32_t len)
{
	assert_true(s->len + STREAM_LEN_HDR <= sizeof(s->b));
	put_be32(s->b + s->len, len);
	s->len += STREAM_LEN_HDR;
}

/* [length, big endian][frame] */
static void add_frame(struct sbuf *s, size_t len, uint32_t tag, bool vlan)
{
	add_len(s, (uint32_t)len);
	assert_true(s->len + len <= sizeof(s->b));
	fill_frame(s->b + s->len, len, tag, vlan);
	s->len += len;
}

/* ---- What the switch is handed ---- */

/* The frames of the last stream_recv(): where they are, and what they held when handed over */
struct rx_call {
	unsigned int n;
	uint8_t *ptr[RX_MAX];
	size_t off[RX_MAX];
	size_t len[RX_MAX];
	size_t used;
	uint8_t data[STREAM_RX_BUF];
};

/* Every frame handed over since the last log_reset(), in order */
struct rx_log {
	unsigned int n;
	size_t off[LOG_MAX];
	size_t len[LOG_MAX];
	size_t used;
	uint8_t data[LOG_BYTES];
};

static struct rx_call rc;
static struct rx_log rlog;

static void log_reset(void)
{
	rlog.n = 0;
	rlog.used = 0;
}

struct world {
	struct qdes_counters cnt;
	struct stream_conn *c;
	int peer;
};

/* The sending side as a port sees it: a switch whose counters are the world's */
static struct qdes_switch *sender(struct world *w)
{
	static struct qdes_switch sw;

	sw.cnt = &w->cnt;
	return &sw;
}

static void on_frame(void *arg, struct stream_conn *c, uint8_t *frame, size_t len)
{
	struct world *w = arg;

	assert_ptr_equal(c, w->c);
	assert_true(rc.n < RX_MAX);
	assert_true(rc.used + len <= sizeof(rc.data));
	rc.ptr[rc.n] = frame;
	rc.off[rc.n] = rc.used;
	rc.len[rc.n] = len;
	memcpy(rc.data + rc.used, frame, len);
	rc.used += len;
	rc.n++;
	/* The headroom is the switch's: the encapsulation header is written there */
	memset(frame - PROTO_HEADROOM, 0xa5, PROTO_HEADROOM);
}

/*
 * One stream_recv(). Every frame it handed over must still hold what it held then: the
 * underlay sends them by pointer at the flush that follows, after the headers went in front of
 * all of them.
 */
static int recv_once(struct world *w)
{
	unsigned int i;
	int n;

	rc.n = 0;
	rc.used = 0;
	n = stream_recv(w->c, on_frame, w);
	if (n >= 0)
		assert_int_equal(n, rc.n);
	for (i = 0; i < rc.n; i++) {
		assert_memory_equal(rc.ptr[i], rc.data + rc.off[i], rc.len[i]);
		assert_true(rlog.n < LOG_MAX);
		assert_true(rlog.used + rc.len[i] <= sizeof(rlog.data));
		rlog.off[rlog.n] = rlog.used;
		rlog.len[rlog.n] = rc.len[i];
		memcpy(rlog.data + rlog.used, rc.data + rc.off[i], rc.len[i]);
		rlog.used += rc.len[i];
		rlog.n++;
	}
	return n;
}

/* Frame @i of the log is the one made of @tag */
static void expect_frame(unsigned int i, size_t len, uint32_t tag, bool vlan)
{
	static uint8_t f[STREAM_MAX_LEN];

	assert_true(i < rlog.n);
	assert_int_equal(rlog.len[i], len);
	fill_frame(f, len, tag, vlan);
	assert_memory_equal(rlog.data + rlog.off[i], f, len);
}

static void peer_write(struct world *w, const uint8_t *p, size_t n)
{
	assert_int_equal(write(w->peer, p, n), (ssize_t)n);
}

/* Nothing (more) for the guest to read */
static void peer_nothing(struct world *w)
{
	uint8_t b;

	assert_int_equal(read(w->peer, &b, 1), -1);
	assert_int_equal(errno, EAGAIN);
}

/* Read exactly @len bytes as the guest, letting the port write out what it holds meanwhile */
static void peer_read(struct world *w, uint8_t *buf, size_t len)
{
	unsigned int idle = 0;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(w->peer, buf + got, len - got);

		if (n > 0) {
			got += (size_t)n;
			idle = 0;
			continue;
		}
		assert_int_equal(n, -1);
		assert_int_equal(errno, EAGAIN);
		assert_true(++idle < 4);
		assert_int_equal(stream_write(w->c), 0);
	}
}

static void send_frame(struct world *w, size_t len, uint32_t tag, bool vlan)
{
	static uint8_t f[STREAM_MAX_LEN];

	fill_frame(f, len, tag, vlan);
	w->c->port.ops->send(&w->c->port, sender(w), f, len, NULL);
}

static void flush(struct world *w)
{
	w->c->port.ops->flush(&w->c->port, sender(w));
}

static int setup(void **state)
{
	static struct world w;
	int sv[2];

	memset(&w, 0, sizeof(w));
	log_reset();
	sb.len = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	w.c = stream_conn_new(sv[0], "qemu1", MTU, &w.cnt);
	assert_non_null(w.c);
	w.peer = sv[1];
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	stream_conn_free(w->c);
	if (w->peer >= 0)
		close(w->peer);
	return 0;
}

/* ---- Receive: framing ---- */

static void test_rx_frames_in_one_write(void **state)
{
	struct world *w = *state;

	assert_string_equal(w->c->port.name, "qemu1");
	assert_string_equal(w->c->port.ops->kind, "qemu");
	/* Nothing written yet: nothing to hand over, and the connection is fine */
	assert_int_equal(recv_once(w), 0);

	add_frame(&sb, 60, 1, false);
	add_frame(&sb, ETH_HLEN_, 2, false);
	add_frame(&sb, MAX_ETH, 3, false);
	add_frame(&sb, MAX_VLAN, 4, true);
	add_frame(&sb, 342, 5, false);
	peer_write(w, sb.b, sb.len);

	assert_int_equal(recv_once(w), 5);
	expect_frame(0, 60, 1, false);
	expect_frame(1, ETH_HLEN_, 2, false);
	expect_frame(2, MAX_ETH, 3, false);
	expect_frame(3, MAX_VLAN, 4, true);
	expect_frame(4, 342, 5, false);
	assert_int_equal(w->cnt.qemu_rx_frames, 5);
	assert_int_equal(w->cnt.qemu_rx_bytes, 60 + ETH_HLEN_ + MAX_ETH + MAX_VLAN + 342);
	assert_int_equal(w->cnt.drop_short, 0);
	assert_int_equal(w->cnt.drop_oversize, 0);
	assert_int_equal(recv_once(w), 0);
	assert_int_equal(w->cnt.qemu_rx_frames, 5);
}

/* Two frames cut in two at every byte: the length header 1+3, 2+2, 3+1, every body split */
static void test_rx_split_at_every_byte(void **state)
{
	struct world *w = *state;
	size_t k;

	add_frame(&sb, 60, 10, false);
	add_frame(&sb, MAX_ETH, 11, false);
	for (k = 1; k < sb.len; k++) {
		log_reset();
		peer_write(w, sb.b, k);
		assert_in_range(recv_once(w), 0, 1);
		assert_int_equal(rlog.n, k >= STREAM_LEN_HDR + 60);
		peer_write(w, sb.b + k, sb.len - k);
		assert_in_range(recv_once(w), 1, 2);
		assert_int_equal(rlog.n, 2);
		expect_frame(0, 60, 10, false);
		expect_frame(1, MAX_ETH, 11, false);
		assert_int_equal(recv_once(w), 0);
	}
	assert_int_equal(w->cnt.qemu_rx_frames, 2 * (sb.len - 1));
	assert_int_equal(w->cnt.qemu_rx_bytes, (60 + MAX_ETH) * (sb.len - 1));
}

/* One byte per read: each frame comes out exactly when its last byte is in */
static void test_rx_byte_by_byte(void **state)
{
	struct world *w = *state;
	size_t k, end[3];

	add_frame(&sb, ETH_HLEN_, 20, false);
	end[0] = sb.len;
	add_frame(&sb, 64, 21, true);
	end[1] = sb.len;
	add_frame(&sb, 100, 22, false);
	end[2] = sb.len;
	for (k = 0; k < sb.len; k++) {
		peer_write(w, sb.b + k, 1);
		assert_int_equal(recv_once(w),
				 k + 1 == end[0] || k + 1 == end[1] || k + 1 == end[2]);
	}
	assert_int_equal(rlog.n, 3);
	expect_frame(0, ETH_HLEN_, 20, false);
	expect_frame(1, 64, 21, true);
	expect_frame(2, 100, 22, false);
}

/*
 * A read full of the shortest frames there are, then one of mixed short lengths: every frame
 * of the read is handed over with its headroom written into, and all of them still hold their
 * bytes when the read is done (recv_once() checks).
 */
static void test_rx_burst_stays_intact(void **state)
{
	struct world *w = *state;
	unsigned int i, n = STREAM_RX_BUF / (STREAM_LEN_HDR + ETH_HLEN_);
	size_t bytes = 0;

	for (i = 0; i < n; i++)
		add_frame(&sb, ETH_HLEN_, i, false);
	peer_write(w, sb.b, sb.len);
	assert_int_equal(recv_once(w), n);
	for (i = 0; i < n; i++)
		expect_frame(i, ETH_HLEN_, i, false);

	log_reset();
	sb.len = 0;
	for (i = 0; i < 2000; i++) {
		add_frame(&sb, ETH_HLEN_ + i % 64, 100000 + i, i % 5 == 0);
		bytes += ETH_HLEN_ + i % 64;
	}
	peer_write(w, sb.b, sb.len);
	assert_int_equal(recv_once(w), 2000);
	for (i = 0; i < 2000; i++)
		expect_frame(i, ETH_HLEN_ + i % 64, 100000 + i, i % 5 == 0);
	assert_int_equal(w->cnt.qemu_rx_frames, n + 2000);
	assert_int_equal(w->cnt.qemu_rx_bytes, (uint64_t)n * ETH_HLEN_ + bytes);
}

/* ---- Receive: drops ---- */

static void test_rx_drop_short(void **state)
{
	struct world *w = *state;
	size_t i;

	add_frame(&sb, 60, 1, false);
	add_len(&sb, 0);
	add_frame(&sb, 60, 2, false);
	add_frame(&sb, 5, 3, false);
	add_frame(&sb, ETH_HLEN_ - 1, 4, false);
	add_frame(&sb, ETH_HLEN_, 5, false);
	peer_write(w, sb.b, sb.len);
	assert_int_equal(recv_once(w), 3);
	expect_frame(0, 60, 1, false);
	expect_frame(1, 60, 2, false);
	expect_frame(2, ETH_HLEN_, 5, false);
	assert_int_equal(w->cnt.drop_short, 3);
	assert_int_equal(w->cnt.drop_oversize, 0);
	assert_int_equal(w->cnt.qemu_rx_frames, 3);
	assert_int_equal(w->cnt.qemu_rx_bytes, 60 + 60 + ETH_HLEN_);

	/* A short frame cut across reads is skipped the same way */
	log_reset();
	sb.len = 0;
	add_frame(&sb, 9, 6, false);
	add_frame(&sb, 70, 7, false);
	for (i = 0; i < sb.len; i += 3) {
		peer_write(w, sb.b + i, sb.len - i < 3 ? sb.len - i : 3);
		assert_in_range(recv_once(w), 0, 1);
	}
	assert_int_equal(rlog.n, 1);
	expect_frame(0, 70, 7, false);
	assert_int_equal(w->cnt.drop_short, 4);
}

/* MTU + 14 bytes, 4 more only for 802.1Q (0x8100 at bytes 12-13) */
static void test_rx_drop_oversize(void **state)
{
	struct world *w = *state;

	add_frame(&sb, 60, 1, false);
	add_frame(&sb, MAX_ETH + 1, 2, false); /* untagged: 1 byte too many */
	add_frame(&sb, 60, 3, false);
	add_frame(&sb, MAX_ETH, 4, false);     /* untagged: just fits */
	add_frame(&sb, MAX_VLAN, 5, true);     /* tagged: just fits */
	add_frame(&sb, MAX_VLAN + 1, 6, true); /* tagged: 1 byte too many */
	add_frame(&sb, MAX_VLAN, 7, false);    /* untagged at the tagged limit */
	add_frame(&sb, 9000, 8, false);	       /* a jumbo frame */
	add_frame(&sb, 61, 9, false);
	peer_write(w, sb.b, sb.len);
	assert_int_equal(recv_once(w), 5);
	expect_frame(0, 60, 1, false);
	expect_frame(1, 60, 3, false);
	expect_frame(2, MAX_ETH, 4, false);
	expect_frame(3, MAX_VLAN, 5, true);
	expect_frame(4, 61, 9, false);
	assert_int_equal(w->cnt.drop_oversize, 4);
	assert_int_equal(w->cnt.drop_short, 0);
	assert_int_equal(w->cnt.qemu_rx_frames, 5);
	assert_int_equal(w->cnt.qemu_rx_bytes, 60 + 60 + MAX_ETH + MAX_VLAN + 61);
}

/* Write @s in pieces of @step bytes, a read after each */
static void write_in_steps(struct world *w, const struct sbuf *s, size_t step)
{
	size_t i, k;

	for (i = 0; i < s->len; i += k) {
		k = s->len - i < step ? s->len - i : step;
		peer_write(w, s->b + i, k);
		assert_true(recv_once(w) >= 0);
	}
}

/* The bytes of an oversize frame come in over several reads: all skipped, and nothing else */
static void test_rx_oversize_across_reads(void **state)
{
	static const size_t steps[] = {1, 2, 3, 5, 7, 100, 1000, 1517, 4096, 65536};
	static const size_t sizes[] = {MAX_ETH + 1, MAX_VLAN, 9000, 65535, STREAM_MAX_LEN};
	struct world *w = *state;
	uint64_t dropped = 0;
	unsigned int i, j;
	size_t tagged;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			/* Byte by byte through 64 KiB takes too long to be worth it */
			if (steps[i] < 100 && sizes[j] > 9000)
				continue;
			log_reset();
			sb.len = 0;
			add_frame(&sb, 60, i, false);
			add_frame(&sb, sizes[j], 1000 + j, false);
			add_frame(&sb, MAX_ETH + 1, 2000 + j, true); /* tagged: fits */
			tagged = sizes[j] + VLAN_HLEN_;
			add_frame(&sb, tagged < STREAM_MAX_LEN ? tagged : STREAM_MAX_LEN, 3000 + j,
				  true);
			add_frame(&sb, 66, 4000 + i, false);
			write_in_steps(w, &sb, steps[i]);
			assert_int_equal(rlog.n, 3);
			expect_frame(0, 60, i, false);
			expect_frame(1, MAX_ETH + 1, 2000 + j, true);
			expect_frame(2, 66, 4000 + i, false);
			dropped += 2;
			assert_int_equal(w->cnt.drop_oversize, dropped);
		}
	}
	assert_int_equal(w->cnt.drop_short, 0);
}

/* A length no NIC sends ends the connection, and says why */
static void test_rx_length_beyond_framing(void **state)
{
	struct world *w = *state;

	add_frame(&sb, 60, 1, false);
	add_len(&sb, STREAM_MAX_LEN + 1);
	add_frame(&sb, 60, 2, false);
	peer_write(w, sb.b, sb.len);
	assert_int_equal(recv_once(w), -1);
	assert_non_null(strstr(w->c->port.err, "65551"));
	assert_int_equal(w->cnt.drop_oversize, 0);
	/* It stays over */
	assert_int_equal(recv_once(w), -1);
	assert_non_null(strstr(w->c->port.err, "65551"));
}

static void test_rx_length_huge(void **state)
{
	struct world *w = *state;

	add_len(&sb, 0xffffffff);
	peer_write(w, sb.b, 2);
	assert_int_equal(recv_once(w), 0);
	peer_write(w, sb.b + 2, 2);
	assert_int_equal(recv_once(w), -1);
	assert_non_null(strstr(w->c->port.err, "4294967295"));
}

static void test_rx_peer_close(void **state)
{
	struct world *w = *state;

	add_frame(&sb, 60, 1, false);
	add_frame(&sb, 80, 2, false);
	add_frame(&sb, 100, 3, false);
	/* The third frame is cut short by the close */
	peer_write(w, sb.b, sb.len - 50);
	close(w->peer);
	w->peer = -1;
	assert_int_equal(recv_once(w), 2);
	expect_frame(0, 60, 1, false);
	expect_frame(1, 80, 2, false);
	assert_int_equal(recv_once(w), -1);
	assert_non_null(strstr(w->c->port.err, "closed by the guest"));
	assert_int_equal(recv_once(w), -1);
	assert_int_equal(w->cnt.qemu_rx_frames, 2);
}

/* Frames good and bad, written in random pieces: the good ones arrive in order, once */
static void test_rx_random_pieces(void **state)
{
	struct world *w = *state;
	static uint32_t tags[4096];
	static size_t lens[4096];
	static bool vlans[4096];
	uint64_t shorts = 0, big = 0, bytes = 0;
	unsigned int i, round, good = 0;
	size_t pos, k;

	for (round = 0; round < 4; round++) {
		log_reset();
		sb.len = 0;
		good = 0;
		for (i = 0; i < 600; i++) {
			uint32_t r = rnd() % 100, tag = round << 16 | i;
			bool vlan = rnd() & 1;
			size_t max = vlan ? MAX_VLAN : MAX_ETH;

			if (r < 8) {
				add_frame(&sb, rnd() % ETH_HLEN_, tag, vlan);
				shorts++;
			} else if (r < 14) {
				add_frame(&sb, max + 1 + rnd() % 3000, tag, vlan);
				big++;
			} else if (r < 15) {
				add_frame(&sb, STREAM_MAX_LEN - rnd() % 100, tag, vlan);
				big++;
			} else {
				lens[good] = ETH_HLEN_ + rnd() % (max - ETH_HLEN_ + 1);
				tags[good] = tag;
				vlans[good] = vlan;
				add_frame(&sb, lens[good], tag, vlan);
				bytes += lens[good];
				good++;
			}
		}
		for (pos = 0; pos < sb.len; pos += k) {
			k = 1 + rnd() % (round < 2 ? 40 : 9000);
			if (k > sb.len - pos)
				k = sb.len - pos;
			peer_write(w, sb.b + pos, k);
			assert_true(recv_once(w) >= 0);
		}
		assert_int_equal(rlog.n, good);
		for (i = 0; i < good; i++)
			expect_frame(i, lens[i], tags[i], vlans[i]);
		assert_int_equal(w->cnt.drop_short, shorts);
		assert_int_equal(w->cnt.drop_oversize, big);
		assert_int_equal(w->cnt.qemu_rx_bytes, bytes);
	}
}

/* ---- Send ---- */

static void test_tx_framing(void **state)
{
	struct world *w = *state;
	static uint8_t got[8192];

	add_frame(&sb, 60, 1, false);
	add_frame(&sb, MAX_ETH, 2, false);
	add_frame(&sb, MAX_VLAN, 3, true);
	add_frame(&sb, ETH_HLEN_, 4, false);
	send_frame(w, 60, 1, false);
	send_frame(w, MAX_ETH, 2, false);
	send_frame(w, MAX_VLAN, 3, true);
	send_frame(w, ETH_HLEN_, 4, false);
	/* A burst is written at its end, in one go */
	peer_nothing(w);
	flush(w);
	peer_read(w, got, sb.len);
	assert_memory_equal(got, sb.b, sb.len);
	peer_nothing(w);
	assert_int_equal(w->cnt.qemu_tx_frames, 4);
	assert_int_equal(w->cnt.qemu_tx_bytes, 60 + MAX_ETH + MAX_VLAN + ETH_HLEN_);
	assert_int_equal(w->cnt.qemu_tx_errors, 0);
	assert_int_equal(w->cnt.qemu_rx_frames, 0);

	/* A flush with nothing queued writes nothing */
	flush(w);
	peer_nothing(w);
}

/* A frame the guest's MTU does not allow is counted and not sent */
static void test_tx_too_long(void **state)
{
	struct world *w = *state;
	static uint8_t got[8192];

	send_frame(w, MAX_ETH + 1, 1, false);
	send_frame(w, MAX_ETH, 2, false);
	send_frame(w, MAX_VLAN, 3, false);
	send_frame(w, MAX_VLAN, 4, true);
	send_frame(w, MAX_VLAN + 1, 5, true);
	send_frame(w, 9000, 6, false);
	send_frame(w, 64, 7, false);
	flush(w);
	add_frame(&sb, MAX_ETH, 2, false);
	add_frame(&sb, MAX_VLAN, 4, true);
	add_frame(&sb, 64, 7, false);
	peer_read(w, got, sb.len);
	assert_memory_equal(got, sb.b, sb.len);
	peer_nothing(w);
	assert_int_equal(w->cnt.qemu_tx_errors, 4);
	assert_int_equal(w->cnt.qemu_tx_frames, 3);
	assert_int_equal(w->cnt.qemu_tx_bytes, MAX_ETH + MAX_VLAN + 64);
}

/* The loop as a guest port sees it: each kick, and what the port wants polled then */
struct want_rec {
	struct port_host host;
	struct qdes_port *port;
	unsigned int calls;
	bool last;
};

static void on_kick(struct port_host *h, struct qdes_port *port)
{
	struct want_rec *r = (struct want_rec *)h;

	r->port = port;
	r->calls++;
	r->last = port_events(port, 0) & PORT_OUT;
	assert_true(port_events(port, 0) & PORT_IN);
}

/* The guest reads until it has @upto bytes in @buf, or all there is once nothing waits */
static size_t guest_reads(struct world *w, const struct want_rec *rec, uint8_t *buf, size_t n,
			  size_t upto)
{
	unsigned int idle = 0;

	while (n < upto) {
		ssize_t r = read(w->peer, buf + n, upto - n);

		if (r > 0) {
			n += (size_t)r;
			idle = 0;
			continue;
		}
		assert_int_equal(r, -1);
		assert_int_equal(errno, EAGAIN);
		if (!rec->last)
			break;
		/* The loop was asked to: the socket is writable again */
		assert_true(++idle < 4);
		assert_int_equal(stream_write(w->c), 0);
	}
	return n;
}

/*
 * A guest that does not read: output waits (the loop is asked to poll for writability), the
 * buffer fills, and frames beyond it are counted and dropped whole. As the guest reads, room
 * comes back; when it has read everything, it got the frames that fit, in order, each one
 * complete, and the loop is told that nothing waits any more.
 */
static void test_tx_full_buffer(void **state)
{
	enum { LEN = 1000, TOTAL = 1200, MORE = 100 };
	struct world *w = *state;
	static uint8_t got[2 * STREAM_TX_BUF], f[LEN];
	struct want_rec rec = {.host.kick = on_kick};
	int small = 4096;
	unsigned int i, k;
	size_t n, pos;

	assert_int_equal(setsockopt(w->c->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(w->peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	w->c->port.host = &rec.host;

	for (i = 0; i < TOTAL; i++) {
		send_frame(w, LEN, i, false);
		if (i % 8 == 7)
			flush(w);
	}
	flush(w);
	assert_int_equal(rec.calls, 1);
	assert_true(rec.last);
	assert_ptr_equal(rec.port, &w->c->port);

	k = (unsigned int)w->cnt.qemu_tx_frames;
	assert_true(k >= STREAM_TX_BUF / (STREAM_LEN_HDR + LEN));
	assert_true(k < TOTAL);
	assert_int_equal(w->cnt.qemu_tx_errors, TOTAL - k);
	assert_int_equal(w->cnt.qemu_tx_bytes, (uint64_t)k * LEN);

	/* The guest reads a part: output still waits, and there is room for more frames */
	n = guest_reads(w, &rec, got, 0, 2 * MORE * (STREAM_LEN_HDR + LEN));
	assert_int_equal(n, 2 * MORE * (STREAM_LEN_HDR + LEN));
	assert_int_equal(rec.calls, 1);
	for (i = 0; i < MORE; i++)
		send_frame(w, LEN, 10000 + i, false);
	flush(w);
	assert_int_equal(w->cnt.qemu_tx_errors, TOTAL - k);
	assert_int_equal(w->cnt.qemu_tx_frames, k + MORE);

	/* ... and all the rest */
	n = guest_reads(w, &rec, got, n, sizeof(got));
	assert_int_equal(rec.calls, 2);
	assert_false(rec.last);

	/* Whole frames, the first k in order, then the later ones: nothing torn, nothing else */
	for (i = 0, pos = 0; i < k + MORE; i++) {
		assert_true(pos + STREAM_LEN_HDR + LEN <= n);
		assert_int_equal(get_be32(got + pos), LEN);
		fill_frame(f, LEN, i < k ? i : 10000 + i - k, false);
		assert_memory_equal(got + pos + STREAM_LEN_HDR, f, LEN);
		pos += STREAM_LEN_HDR + LEN;
	}
	assert_int_equal(pos, n);

	/* Drained: the next frame goes straight out, and the loop is not bothered */
	send_frame(w, 77, 5000, false);
	flush(w);
	sb.len = 0;
	add_frame(&sb, 77, 5000, false);
	peer_read(w, got, sb.len);
	assert_memory_equal(got, sb.b, sb.len);
	peer_nothing(w);
	assert_int_equal(rec.calls, 2);
	assert_int_equal(w->cnt.qemu_tx_errors, TOTAL - k);
	assert_int_equal(w->cnt.qemu_tx_frames, k + MORE + 1);
}

/* Output waits, then the guest goes away: the write fails and the connection is over */
static void test_tx_guest_gone(void **state)
{
	struct world *w = *state;

	close(w->peer);
	w->peer = -1;
	send_frame(w, 60, 1, false);
	flush(w);
	assert_int_equal(recv_once(w), -1);
	assert_true(w->c->port.err[0]);
}

/* ---- Send: TCP super-frames from the TAP ---- */

#define SUPER_PAYLOAD 20000
#define IP_OFF	      ETH_HLEN_
#define TCP_OFF	      (IP_OFF + 20)
#define SUPER_HDR     (TCP_OFF + 32)
#define SUPER_SEQ     0xffffc000u /* wraps within the super-frame */
#define SUPER_ID      0x1234

/*
 * Ethernet + IPv4 (DF) + TCP with timestamps (ACK, PSH) + @plen bytes: the TCP checksum field
 * holds the pseudo-header sum, as the kernel leaves it for NEEDS_CSUM
 */
static size_t build_super(uint8_t *f, size_t plen)
{
	uint8_t *ip = f + IP_OFF, *tcp = f + TCP_OFF;
	size_t i, l4len = SUPER_HDR - TCP_OFF + plen;

	fill_frame(f, ETH_HLEN_, 7, false);
	ip[0] = 0x45;
	ip[1] = 0;
	put_be16(ip + 2, (uint32_t)(20 + l4len));
	put_be16(ip + 4, SUPER_ID);
	put_be16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put_be16(ip + 10, 0);
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	put_be16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, 20)));
	put_be16(tcp, 40000);
	put_be16(tcp + 2, 5201);
	put_be32(tcp + 4, SUPER_SEQ);
	put_be32(tcp + 8, 0x01020304);
	tcp[12] = 8 << 4;
	tcp[13] = 0x18; /* ACK, PSH */
	put_be16(tcp + 14, 502);
	put_be16(tcp + 18, 0);
	memcpy(tcp + 20, "\x01\x01\x08\x0a", 4);
	put_be32(tcp + 24, 0xa1b2c3d4);
	put_be32(tcp + 28, 0x05060708);
	for (i = 0; i < plen; i++)
		f[SUPER_HDR + i] = (uint8_t)(rnd() >> 7);
	put_be16(tcp + 16, ref_fold(ref_pseudo(f, IP_OFF, false, l4len, 6)));
	return SUPER_HDR + plen;
}

static void test_tx_tcp_super_frame(void **state)
{
	static const uint16_t gso_sizes[] = {1448, 1000, 8948, 536};
	struct world *w = *state;
	static uint8_t super[SUPER_HDR + SUPER_PAYLOAD], got[2 * SUPER_PAYLOAD],
		payload[SUPER_PAYLOAD];
	uint64_t frames = 0, bytes = 0;
	unsigned int g;

	for (g = 0; g < sizeof(gso_sizes) / sizeof(gso_sizes[0]); g++) {
		size_t len = build_super(super, SUPER_PAYLOAD);
		size_t mss =
			gso_sizes[g] < MAX_ETH - SUPER_HDR ? gso_sizes[g] : MAX_ETH - SUPER_HDR;
		size_t n = (SUPER_PAYLOAD + mss - 1) / mss, total, pos, plen = 0, i;
		struct virtio_net_hdr vh = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
			.hdr_len = SUPER_HDR,
			.gso_size = gso_sizes[g],
			.csum_start = TCP_OFF,
			.csum_offset = 16,
		};

		w->c->port.ops->send(&w->c->port, sender(w), super, len, &vh);
		flush(w);
		total = n * (STREAM_LEN_HDR + SUPER_HDR) + SUPER_PAYLOAD;
		peer_read(w, got, total);
		peer_nothing(w);

		for (i = 0, pos = 0; i < n; i++) {
			const uint8_t *f = got + pos + STREAM_LEN_HDR, *ip = f + IP_OFF;
			const uint8_t *tcp = f + TCP_OFF;
			size_t flen = get_be32(got + pos), chunk = flen - SUPER_HDR;

			assert_true(flen <= MAX_ETH);
			assert_true(flen > SUPER_HDR);
			assert_int_equal(chunk, i + 1 < n ? mss : SUPER_PAYLOAD - mss * (n - 1));
			/* The same Ethernet header, addresses, ports, ack, window, options */
			assert_memory_equal(f, super, ETH_HLEN_);
			assert_memory_equal(ip + 12, super + IP_OFF + 12, 8);
			assert_memory_equal(tcp, super + TCP_OFF, 4);
			assert_memory_equal(tcp + 8, super + TCP_OFF + 8, 5);
			assert_memory_equal(tcp + 14, super + TCP_OFF + 14, 2);
			assert_memory_equal(tcp + 20, super + TCP_OFF + 20, 12);
			/* IPv4: its own length and id, a valid header checksum */
			assert_int_equal(ip[0], 0x45);
			assert_int_equal(get_be16(ip + 2), flen - ETH_HLEN_);
			assert_int_equal(get_be16(ip + 4), (uint16_t)(SUPER_ID + i));
			assert_int_equal(get_be16(ip + 6), 0x4000);
			assert_int_equal(ip[9], 6);
			assert_int_equal(ref_fold(ref_add(0, ip, 20)), 0xffff);
			/* TCP: the sequence number of its first byte, PSH on the last, checksum */
			assert_int_equal(get_be32(tcp + 4), (uint32_t)(SUPER_SEQ + plen));
			assert_int_equal(tcp[13], i + 1 < n ? 0x10 : 0x18);
			assert_int_equal(ref_fold(ref_pseudo(f, IP_OFF, false, flen - TCP_OFF, 6) +
						  ref_add(0, tcp, flen - TCP_OFF)),
					 0xffff);
			memcpy(payload + plen, f + SUPER_HDR, chunk);
			plen += chunk;
			pos += STREAM_LEN_HDR + flen;
		}
		assert_int_equal(pos, total);
		assert_int_equal(plen, SUPER_PAYLOAD);
		assert_memory_equal(payload, super + SUPER_HDR, SUPER_PAYLOAD);

		frames += n;
		bytes += total - n * STREAM_LEN_HDR;
		assert_int_equal(w->cnt.qemu_tx_frames, frames);
		assert_int_equal(w->cnt.qemu_tx_bytes, bytes);
		assert_int_equal(w->cnt.qemu_tx_errors, 0);
	}
}

/* ---- The listening socket ---- */

struct tmp {
	char dir[64];
	char path[PATH_MAX];
	struct qdes_counters cnt;
};

static int dir_setup(void **state)
{
	static struct tmp t;

	memset(&t, 0, sizeof(t));
	snprintf(t.dir, sizeof(t.dir), "/tmp/test_stream.XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	assert_true(strlen(t.dir) + sizeof("/qemu.sock") <= sizeof(t.path));
	memcpy(t.path, t.dir, strlen(t.dir));
	memcpy(t.path + strlen(t.dir), "/qemu.sock", sizeof("/qemu.sock"));
	*state = &t;
	return 0;
}

static int dir_teardown(void **state)
{
	struct tmp *t = *state;
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(t->dir);

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		assert_true(strlen(t->dir) + 1 + strlen(e->d_name) < sizeof(p));
		strcpy(p, t->dir);
		strcat(p, "/");
		strcat(p, e->d_name);
		if (unlink(p))
			rmdir(p);
	}
	closedir(d);
	assert_int_equal(rmdir(t->dir), 0);
	return 0;
}

static struct sockaddr_un sun_of(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path));
	return sa;
}

/* A guest connecting, as QEMU does */
static int connect_to(const char *path)
{
	struct sockaddr_un sa = sun_of(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	return st.st_ino;
}

static void test_listen_accept(void **state)
{
	struct tmp *t = *state;
	struct stream_listener *l;
	struct stream_conn *c1, *c2;
	char err[256] = "", ready;
	int fd1, pipefd[2], status;
	uint8_t b[128];
	pid_t child;

	l = stream_listen(t->path, MTU, &t->cnt, err, sizeof(err));
	assert_non_null(l);
	assert_true(l->fd >= 0);
	assert_string_equal(l->port.ops->kind, "qemu-listen");
	inode_of(t->path);
	/* Nobody waiting */
	errno = 0;
	assert_null(stream_accept(l));
	assert_int_equal(errno, EAGAIN);

	fd1 = connect_to(t->path);
	c1 = stream_accept(l);
	assert_non_null(c1);
	assert_string_equal(c1->port.name, "qemu1");
	assert_string_equal(c1->port.ops->kind, "qemu");
	assert_int_equal(c1->pid, getpid());
	assert_int_equal(c1->mtu, MTU);

	/* The second guest is another process */
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		struct sockaddr_un sa = sun_of(t->path);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		close(pipefd[0]);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    write(pipefd[1], "x", 1) != 1)
			_exit(1);
		/* Until the port is gone */
		while (read(fd, b, sizeof(b)) > 0)
			;
		_exit(0);
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &ready, 1), 1);
	close(pipefd[0]);
	c2 = stream_accept(l);
	assert_non_null(c2);
	assert_string_equal(c2->port.name, "qemu2");
	assert_int_equal(c2->pid, child);
	stream_conn_free(c2);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Frames flow both ways on an accepted port */
	sb.len = 0;
	add_frame(&sb, 60, 1, false);
	assert_int_equal(write(fd1, sb.b, sb.len), (ssize_t)sb.len);
	log_reset();
	{
		struct world w = {.c = c1, .peer = -1};

		assert_int_equal(recv_once(&w), 1);
		expect_frame(0, 60, 1, false);
		send_frame(&w, 70, 2, false);
		flush(&w);
		/* Sent frames count into the sending worker's counters */
		assert_int_equal(w.cnt.qemu_tx_frames, 1);
	}
	sb.len = 0;
	add_frame(&sb, 70, 2, false);
	assert_int_equal(read(fd1, b, sizeof(b)), (ssize_t)sb.len);
	assert_memory_equal(b, sb.b, sb.len);
	/* ... received ones into the listener's (the first worker's, which reads guests) */
	assert_int_equal(t->cnt.qemu_rx_frames, 1);
	assert_int_equal(t->cnt.qemu_tx_frames, 0);
	stream_conn_free(c1);
	close(fd1);

	/* Gone, file and all */
	stream_unlisten(l);
	errno = 0;
	assert_int_equal(access(t->path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

/* The loop as a listening port sees it: the ports it was given, and whether it takes more */
struct add_rec {
	struct port_host host;
	struct qdes_port *got[4];
	unsigned int n;
	bool full;
};

static int on_add(struct port_host *h, struct qdes_port *port)
{
	struct add_rec *r = (struct add_rec *)h;

	if (r->full || r->n == 4)
		return -1;
	r->got[r->n++] = port;
	return 0;
}

/*
 * The listener is a port: one descriptor, the first worker's; when it is readable, every guest
 * waiting becomes a port handed to the loop, with the listener's loop and log prefix, counted.
 * A guest the loop has no room for is closed and not counted.
 */
static void test_listener_port(void **state)
{
	struct tmp *t = *state;
	struct add_rec rec = {.host.add = on_add};
	struct stream_listener *l;
	char err[256] = "", where[PATH_MAX + 32];
	unsigned int worker = 7, i;
	int fd[3];
	uint8_t b;

	l = stream_listen(t->path, MTU, &t->cnt, err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->port.ops->fd(&l->port, 0, &worker), l->fd);
	assert_int_equal(worker, 0);
	assert_int_equal(l->port.ops->fd(&l->port, 1, &worker), -1);
	assert_null(l->port.ops->send);
	l->port.host = &rec.host;

	fd[0] = connect_to(t->path);
	fd[1] = connect_to(t->path);
	assert_int_equal(l->port.ops->ready(&l->port, 0, PORT_IN, NULL), 0);
	assert_int_equal(rec.n, 2);
	snprintf(where, sizeof(where), "qemu socket %s: guest", t->path);
	for (i = 0; i < 2; i++) {
		struct qdes_port *p = rec.got[i];
		unsigned int wk = 7;

		assert_string_equal(p->name, i ? "qemu2" : "qemu1");
		assert_string_equal(p->where, where);
		assert_ptr_equal(p->host, &rec.host);
		assert_int_equal(p->ops->fd(p, 0, &wk), ((struct stream_conn *)p->priv)->fd);
		assert_int_equal(wk, 0);
		assert_int_equal(port_events(p, 0), PORT_IN);
	}
	assert_int_equal(t->cnt.qemu_connected, 2);
	/* Nobody else waiting: nothing happens */
	assert_int_equal(l->port.ops->ready(&l->port, 0, PORT_IN, NULL), 0);
	assert_int_equal(rec.n, 2);

	/* No room: the guest sees its connection closed */
	rec.full = true;
	fd[2] = connect_to(t->path);
	assert_int_equal(l->port.ops->ready(&l->port, 0, PORT_IN, NULL), 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(t->cnt.qemu_connected, 2);
	assert_int_equal(read(fd[2], &b, 1), 0);

	/* Closing a guest's port counts it gone; closing the listener removes the file */
	for (i = 0; i < 2; i++)
		rec.got[i]->ops->close(rec.got[i]);
	assert_int_equal(t->cnt.qemu_disconnected, 2);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	l->port.ops->close(&l->port);
	assert_int_equal(access(t->path, F_OK), -1);
}

/* A socket file left by a daemon that did not stop cleanly is replaced */
static void test_listen_stale(void **state)
{
	struct tmp *t = *state;
	struct sockaddr_un sa = sun_of(t->path);
	struct stream_listener *l;
	struct stream_conn *c;
	char err[256] = "", old_name[PATH_MAX];
	ino_t old;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	close(fd);
	/* A second name keeps the old inode alive, so a new socket cannot reuse its number */
	assert_true(strlen(t->dir) + sizeof("/old.sock") <= sizeof(old_name));
	memcpy(old_name, t->dir, strlen(t->dir));
	memcpy(old_name + strlen(t->dir), "/old.sock", sizeof("/old.sock"));
	assert_int_equal(link(t->path, old_name), 0);
	old = inode_of(t->path);

	l = stream_listen(t->path, MTU, &t->cnt, err, sizeof(err));
	assert_non_null(l);
	assert_true(inode_of(t->path) != old);
	assert_int_equal(inode_of(old_name), old);
	fd = connect_to(t->path);
	c = stream_accept(l);
	assert_non_null(c);
	assert_string_equal(c->port.name, "qemu1");
	stream_conn_free(c);
	close(fd);
	stream_unlisten(l);
	assert_int_equal(access(t->path, F_OK), -1);
}

/* A socket something listens on is left alone, even when its backlog is full */
static void test_listen_in_use(void **state)
{
	struct tmp *t = *state;
	struct sockaddr_un sa = sun_of(t->path);
	struct stream_listener *l1;
	char err[256] = "";
	int fd, q[16], nq = 0;
	ino_t ino;

	l1 = stream_listen(t->path, MTU, &t->cnt, err, sizeof(err));
	assert_non_null(l1);
	ino = inode_of(t->path);
	assert_null(stream_listen(t->path, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by"));
	assert_non_null(strstr(err, t->path));
	/* The failure took nothing of the other's socket */
	assert_int_equal(inode_of(t->path), ino);
	/* ... which still takes guests */
	fd = connect_to(t->path);
	close(fd);
	stream_unlisten(l1);

	/* A listener that accepts nobody: its backlog fills, and it is still in use */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 0), 0);
	for (;;) {
		assert_true(nq < 16);
		q[nq] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(q[nq] >= 0);
		if (connect(q[nq], (struct sockaddr *)&sa, sizeof(sa))) {
			assert_int_equal(errno, EAGAIN);
			close(q[nq]);
			break;
		}
		nq++;
	}
	err[0] = '\0';
	assert_null(stream_listen(t->path, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by"));
	inode_of(t->path);
	while (nq)
		close(q[--nq]);
	close(fd);
	assert_int_equal(unlink(t->path), 0);

	/* A datagram socket in use (QEMU's -netdev dgram, a logger) accepts no connection at
	 * all, but it is not stale: it stays, and still works */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ino = inode_of(t->path);
	err[0] = '\0';
	assert_null(stream_listen(t->path, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by"));
	assert_int_equal(inode_of(t->path), ino);
	q[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(q[0] >= 0);
	assert_int_equal(sendto(q[0], "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), 1);
	assert_int_equal(recv(fd, err, sizeof(err), 0), 1);
	close(q[0]);
	close(fd);
}

static void test_listen_not_socket(void **state)
{
	struct tmp *t = *state;
	char err[256] = "", b[16];
	int fd;

	fd = open(t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep me", 7), 7);
	close(fd);
	assert_null(stream_listen(t->path, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	/* Untouched */
	fd = open(t->path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, b, sizeof(b)), 7);
	assert_memory_equal(b, "keep me", 7);
	close(fd);
	assert_int_equal(unlink(t->path), 0);

	assert_int_equal(mkdir(t->path, 0700), 0);
	err[0] = '\0';
	assert_null(stream_listen(t->path, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(rmdir(t->path), 0);
}

/* sun_path holds 107 bytes and the terminator: 107 works, 108 is refused, so is nothing */
static void test_listen_path_length(void **state)
{
	struct tmp *t = *state;
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1, dl = strlen(t->dir);
	struct stream_listener *l;
	char err[256] = "", p[PATH_MAX];
	struct stream_conn *c;
	int fd;

	assert_true(dl + 2 < max);
	memcpy(p, t->dir, dl);
	p[dl] = '/';
	memset(p + dl + 1, 'q', max + 1 - dl - 1);
	p[max + 1] = '\0';
	assert_null(stream_listen(p, MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "expected a path"));
	assert_int_equal(access(p, F_OK), -1);

	p[max] = '\0';
	err[0] = '\0';
	l = stream_listen(p, MTU, &t->cnt, err, sizeof(err));
	assert_non_null(l);
	assert_string_equal(err, "");
	fd = connect_to(p);
	c = stream_accept(l);
	assert_non_null(c);
	stream_conn_free(c);
	close(fd);
	stream_unlisten(l);
	assert_int_equal(access(p, F_OK), -1);

	assert_null(stream_listen("", MTU, &t->cnt, err, sizeof(err)));
	assert_non_null(strstr(err, "expected a path"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_frames_in_one_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_split_at_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_byte_by_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_burst_stays_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_drop_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_drop_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_oversize_across_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_length_beyond_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_length_huge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_peer_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_random_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_too_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_full_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_guest_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_tcp_super_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_accept, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_listener_port, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_listen_stale, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_listen_in_use, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_listen_not_socket, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_listen_path_length, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}

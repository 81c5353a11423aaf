// SPDX-License-Identifier: GPL-2.0-or-later
/* test_underlay.c - UDP underlay on loopback: open/close and its errors, batched unicast, floods
 * replicated to peers, TCP super-frames cut into datagrams (UDP GSO, datagram by datagram, the
 * 64-segment cap, the fallback when GSO is refused), receive with UDP GRO splitting, datagrams of
 * the largest size, and the multicast group where loopback carries one
 *
 * Only the public functions of the underlay are used. The other members of the segment are
 * plain UDP sockets on 127.0.0.1 or ::1, so neither root nor a network namespace is needed; what
 * is checked is what those sockets receive and what the receive callback is handed.
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

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "underlay.h"

#include "test_ref.h"

#define ENCAP_LEN 8
#define MAX_FRAME 1514 /* MTU 1500 */
#define TCP_OPT	  12   /* NOP, NOP, timestamps: every segment carries them */
#define TCP_PSH	  0x08
#define TCP_ACK	  0x10

/* UDP payload of the largest datagram: IPv4 total length, IPv6 payload length */
#define MAX_DGRAM4 (65535 - 20 - 8)
#define MAX_DGRAM6 (65535 - 8)

/* What one socket or callback receives in a test */
#define RX_MAXN	 4096
#define RX_BYTES (4 * 1024 * 1024)
/* How long to wait for a datagram that should come, and for one that should not */
#define WAIT_MS 2000
#define IDLE_MS 50

static const uint8_t ENCAP[ENCAP_LEN] = {'Q', 'D', 'E', 'S', 0x01, 0x00, 0x00, 0x2a};

/* Payload bytes that follow from a tag and the offset, with no short period */
static uint8_t pattern(uint32_t tag, size_t i)
{
	return (uint8_t)(tag * 61 + i * 7 + (i >> 8) * 3 + (i >> 16));
}

static void fill(uint8_t *p, size_t len, uint32_t tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern(tag, i);
}

static void check_fill(const uint8_t *p, size_t len, uint32_t tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pattern(tag, i))
			fail_msg("byte %zu of %zu (tag %u): %#x, want %#x", i, len, tag, p[i],
				 pattern(tag, i));
}

/* ---- Addresses and the other members ---- */

static void loopback(union qdes_sockaddr *a, int family, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = (sa_family_t)family;
	if (family == AF_INET)
		a->in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		a->in6.sin6_addr = in6addr_loopback;
	addr_set_port(a, port);
}

static int udp_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), big = 4 << 20;

	assert_true(fd >= 0);
	/* Room for a whole burst: the underlay flushes before anything here reads */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	return fd;
}

/* A port nobody uses now: bind to 0, see what it was, let it go */
static uint16_t free_port(int family)
{
	union qdes_sockaddr a;
	socklen_t alen = sizeof(a);
	int fd = udp_socket(family);

	loopback(&a, family, 0);
	assert_int_equal(bind(fd, &a.sa, addr_len(&a)), 0);
	assert_int_equal(getsockname(fd, &a.sa, &alen), 0);
	close(fd);
	return addr_port(&a);
}

/* Sockets of the test, closed by the teardown if a failed check left them open */
static int tracked[16];

static int track(int fd)
{
	unsigned int i;

	for (i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++) {
		if (tracked[i] < 0) {
			tracked[i] = fd;
			return fd;
		}
	}
	fail_msg("more than %zu sockets", sizeof(tracked) / sizeof(tracked[0]));
	return -1;
}

static void close_fd(int fd)
{
	unsigned int i;

	for (i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
		if (tracked[i] == fd)
			tracked[i] = -1;
	close(fd);
}

/* Another member: a plain UDP socket on the loopback */
struct member {
	int fd;
	union qdes_sockaddr addr;
};

static void member_open(struct member *m, int family)
{
	socklen_t alen = sizeof(m->addr);

	m->fd = track(udp_socket(family));
	loopback(&m->addr, family, 0);
	assert_int_equal(bind(m->fd, &m->addr.sa, addr_len(&m->addr)), 0);
	assert_int_equal(getsockname(m->fd, &m->addr.sa, &alen), 0);
}

static void member_close(struct member *m)
{
	close_fd(m->fd);
	m->fd = -1;
}

static void send_to(int fd, const union qdes_sockaddr *dst, const uint8_t *p, size_t len)
{
	assert_int_equal(sendto(fd, p, len, 0, &dst->sa, addr_len(dst)), (ssize_t)len);
}

/* ---- What arrives ---- */

struct dgrams {
	unsigned int n;
	size_t used;
	size_t off[RX_MAXN];
	size_t len[RX_MAXN];
	union qdes_sockaddr src[RX_MAXN];
	uint8_t data[RX_BYTES];
};

static struct dgrams rxa, rxb, rxc;

static void dg_reset(struct dgrams *d)
{
	d->n = 0;
	d->used = 0;
}

static void dg_add(struct dgrams *d, const union qdes_sockaddr *src, const uint8_t *p, size_t len)
{
	assert_true(d->n < RX_MAXN);
	assert_true(d->used + len <= RX_BYTES);
	d->off[d->n] = d->used;
	d->len[d->n] = len;
	d->src[d->n] = *src;
	memcpy(d->data + d->used, p, len);
	d->used += len;
	d->n++;
}

static const uint8_t *dg(const struct dgrams *d, unsigned int i)
{
	return d->data + d->off[i];
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) > 0;
}

/* All that @fd receives: exactly @want datagrams, then nothing more for a while */
static void member_collect(int fd, struct dgrams *d, unsigned int want)
{
	static uint8_t buf[65536];

	dg_reset(d);
	while (readable(fd, d->n < want ? WAIT_MS : IDLE_MS)) {
		union qdes_sockaddr src;
		socklen_t alen = sizeof(src);
		ssize_t n;

		memset(&src, 0, sizeof(src));
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, &src.sa, &alen);
		if (n < 0 && errno == EAGAIN)
			continue;
		assert_true(n >= 0 && n <= (ssize_t)sizeof(buf));
		dg_add(d, &src, buf, (size_t)n);
		if (d->n > want)
			break;
	}
	assert_int_equal(d->n, want);
}

static void on_rx(void *arg, const union qdes_sockaddr *src, uint8_t *dgram, size_t len)
{
	dg_add(arg, src, dgram, len);
}

/* All that underlay_recv() hands over from @fd: exactly @want datagrams */
static void ul_collect(struct underlay *ul, int fd, struct dgrams *d, unsigned int want)
{
	dg_reset(d);
	while (readable(fd, d->n < want ? WAIT_MS : IDLE_MS)) {
		assert_true(underlay_recv(ul, fd, on_rx, d) >= 0);
		if (d->n > want)
			break;
	}
	assert_int_equal(d->n, want);
}

/* Whether the kernel takes UDP GRO on a socket of @family: then the underlay must use it */
static bool kernel_has_gro(int family)
{
	int fd = udp_socket(family), one = 1;
	bool ok = !setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one));

	close(fd);
	return ok;
}

/* ---- The underlay ---- */

static struct underlay ul, ul2;
static struct qdes_counters cnt, cnt2;

static void opts_init(struct underlay_opts *o, int family, const union qdes_sockaddr *local,
		      uint16_t port, bool offload)
{
	memset(o, 0, sizeof(*o));
	o->family = family;
	o->local = local;
	o->port = port;
	o->offload = offload;
	o->encap_len = ENCAP_LEN;
	o->max_frame = MAX_FRAME;
}

static void ul_open(struct underlay *u, const struct underlay_opts *o, struct qdes_counters *c)
{
	char err[UNDERLAY_ERRLEN] = "";
	int ret;

	memset(c, 0, sizeof(*c));
	ret = underlay_open(u, o, c, err, sizeof(err));
	if (ret)
		print_message("underlay_open: %s\n", err);
	assert_int_equal(ret, 0);
}

/* ---- TCP super-frames as a TAP with TSO hands them over ---- */

/**
 * struct sframe - encapsulation header + a TCP super-frame, and its vnet header
 * @buf:	the datagram as underlay_queue() gets it
 * @frame:	the frame in it, after the encapsulation header
 * @len:	datagram length
 * @l4:		TCP header offset in the frame
 * @hdr:	all headers' length (payload offset)
 * @payload:	TCP payload bytes
 * @v6:		IPv6, else IPv4
 * @seq:	first sequence number
 * @id:		IPv4 id
 * @tag:	payload pattern
 * @max_frame:	longest frame the underlay it is queued on may send
 * @vh:		vnet header (host byte order)
 */
struct sframe {
	uint8_t buf[ENCAP_LEN + 65536];
	uint8_t *frame;
	size_t len, l4, hdr, payload, max_frame;
	bool v6;
	uint32_t seq;
	uint16_t id;
	uint32_t tag;
	struct virtio_net_hdr vh;
};

static struct sframe sf[20];

static void build_sf(struct sframe *s, int family, size_t payload, uint16_t gso_size, uint32_t tag)
{
	uint8_t *f, *ip, *tcp;
	size_t flen;

	memset(s, 0, sizeof(*s));
	s->v6 = family == AF_INET6;
	s->frame = f = s->buf + ENCAP_LEN;
	s->l4 = s->v6 ? 14 + 40 : 14 + 20;
	s->hdr = s->l4 + 20 + TCP_OPT;
	s->payload = payload;
	s->seq = 0xfffff000u + tag * 1000; /* wraps within the larger super-frames */
	s->id = (uint16_t)(0xfff0 + tag);  /* so does the IPv4 id */
	s->tag = tag;
	s->max_frame = MAX_FRAME;
	flen = s->hdr + payload;
	assert_true(flen <= sizeof(s->buf) - ENCAP_LEN);
	s->len = ENCAP_LEN + flen;
	memcpy(s->buf, ENCAP, ENCAP_LEN);

	memcpy(f, (const uint8_t[]){2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}, 12);
	put_be16(f + 12, s->v6 ? 0x86dd : 0x0800);
	ip = f + 14;
	if (s->v6) {
		ip[0] = 0x60;
		ip[2] = 0x12; /* flow label */
		ip[3] = 0x34;
		put_be16(ip + 4, (uint32_t)(flen - s->l4));
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		put_be16(ip + 2, (uint32_t)(flen - 14));
		put_be16(ip + 4, s->id);
		put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, (const uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
		put_be16(ip + 10, (uint16_t)~ref_fold(ref_add(0, ip, 20)));
	}
	tcp = f + s->l4;
	put_be16(tcp, 40000 + tag);
	put_be16(tcp + 2, 5201);
	put_be32(tcp + 4, s->seq);
	put_be32(tcp + 8, 0x01020304);
	tcp[12] = (20 + TCP_OPT) / 4 << 4;
	tcp[13] = TCP_ACK | TCP_PSH;
	put_be16(tcp + 14, 0x2000);
	memcpy(tcp + 20, (const uint8_t[]){1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}, TCP_OPT);
	fill(f + s->hdr, payload, tag);
	/* As the kernel leaves it: the pseudo-header sum, folded, not complemented */
	put_be16(tcp + 16, ref_fold(ref_pseudo(f, 14, s->v6, flen - s->l4, 6)));

	s->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	s->vh.gso_type = s->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	s->vh.hdr_len = (uint16_t)s->hdr;
	s->vh.gso_size = gso_size;
	s->vh.csum_start = (uint16_t)s->l4;
	s->vh.csum_offset = 16;
}

/* Payload per segment: the guest's MSS, or less if the wire's MTU says so */
static size_t sf_mss(const struct sframe *s)
{
	size_t room = s->max_frame - s->hdr;

	return s->vh.gso_size && s->vh.gso_size < room ? s->vh.gso_size : room;
}

static unsigned int sf_segs(const struct sframe *s)
{
	return (unsigned int)((s->payload + sf_mss(s) - 1) / sf_mss(s));
}

/* Bytes of UDP payload all of its datagrams carry together */
static size_t sf_wire_bytes(const struct sframe *s)
{
	return sf_segs(s) * (ENCAP_LEN + s->hdr) + s->payload;
}

/*
 * Datagrams @first... of @d are @s cut as a TCP stack would have sent it: each the
 * encapsulation header and a frame of at most @s->max_frame, every segment but the last of the full
 * MSS, sequence numbers, IP lengths, IPv4 ids and every checksum right, PSH on the last only,
 * all other header bytes as in the super-frame, and the payloads together the original one.
 */
static void check_segments(const struct dgrams *d, unsigned int first, const struct sframe *s)
{
	unsigned int i, n = sf_segs(s);
	size_t off = 0, mss = sf_mss(s);
	const uint8_t *o = s->frame, *oip = o + 14, *otcp = o + s->l4;

	assert_true(first + n <= d->n);
	for (i = 0; i < n; i++) {
		const uint8_t *p = dg(d, first + i), *f = p + ENCAP_LEN, *ip = f + 14;
		const uint8_t *tcp = f + s->l4;
		size_t flen = d->len[first + i] - ENCAP_LEN, seg, l4len;

		assert_true(d->len[first + i] >= ENCAP_LEN + s->hdr);
		assert_memory_equal(p, ENCAP, ENCAP_LEN);
		assert_true(flen <= s->max_frame);
		seg = flen - s->hdr;
		if (i + 1 < n)
			assert_int_equal(seg, mss);
		else
			assert_int_equal(seg, s->payload - off);
		assert_memory_equal(f, o, 14);
		if (s->v6) {
			assert_memory_equal(ip, oip, 4);
			assert_int_equal(get_be16(ip + 4), flen - s->l4);
			assert_memory_equal(ip + 6, oip + 6, 34);
		} else {
			assert_int_equal(ip[0], 0x45);
			assert_int_equal(get_be16(ip + 2), flen - 14);
			assert_int_equal(get_be16(ip + 4), (uint16_t)(s->id + i));
			assert_memory_equal(ip + 6, oip + 6, 4);
			assert_memory_equal(ip + 12, oip + 12, 8);
			assert_int_equal(ref_fold(ref_add(0, ip, 20)), 0xffff);
		}
		assert_memory_equal(tcp, otcp, 4);
		assert_int_equal(get_be32(tcp + 4), (uint32_t)(s->seq + off));
		assert_memory_equal(tcp + 8, otcp + 8, 5);
		assert_int_equal(tcp[13], i + 1 < n ? TCP_ACK : TCP_ACK | TCP_PSH);
		assert_memory_equal(tcp + 14, otcp + 14, 2);
		assert_memory_equal(tcp + 18, otcp + 18, s->hdr - s->l4 - 18);
		l4len = flen - s->l4;
		assert_int_equal(ref_fold(ref_add(ref_pseudo(f, 14, s->v6, l4len, 6), tcp, l4len)),
				 0xffff);
		assert_memory_equal(f + s->hdr, o + s->hdr + off, seg);
		off += seg;
	}
	assert_int_equal(off, s->payload);
}

/* ---- Opening and closing ---- */

static const int V4 = AF_INET, V6 = AF_INET6;

/* Peers only: the port asked for, our own entry left out of the peers, self = bound */
static void test_open_peers_only(void **state)
{
	int family = *(const int *)*state;
	union qdes_sockaddr local, peers[4], me;
	struct underlay_opts o;
	struct member a, b;
	socklen_t alen = sizeof(me);
	uint16_t port = free_port(family);

	member_open(&a, family);
	member_open(&b, family);
	loopback(&local, family, 0);
	peers[0] = a.addr;
	loopback(&peers[1], family, port); /* us: one peer list serves every member */
	peers[2] = b.addr;
	loopback(&peers[3], family, (uint16_t)(port ^ 1)); /* our address, another port */
	opts_init(&o, family, &local, port, false);
	o.peers = peers;
	o.n_peers = 4;
	ul_open(&ul, &o, &cnt);

	assert_true(ul.ucast_fd >= 0);
	assert_int_equal(ul.mcast_fd, -1);
	assert_false(ul.has_group);
	loopback(&me, family, port);
	assert_true(addr_equal(&ul.bound, &me));
	assert_true(addr_equal(&ul.self, &ul.bound));
	assert_int_equal(getsockname(ul.ucast_fd, &me.sa, &alen), 0);
	assert_true(addr_equal(&me, &ul.bound));
	assert_int_equal(ul.n_peers, 3);
	assert_true(addr_equal(&ul.peers[0], &a.addr));
	assert_true(addr_equal(&ul.peers[1], &b.addr));
	assert_true(addr_equal(&ul.peers[2], &peers[3]));
	underlay_close(&ul);
	assert_int_equal(ul.ucast_fd, -1);
	assert_null(ul.rx_buf);
	assert_null(ul.gso_area);
	underlay_close(&ul); /* twice: harmless, as on a half-started gateway's stop */

	/* The wildcard address: our own entry is found by the address the kernel sends from */
	opts_init(&o, family, NULL, port, false);
	o.peers = peers;
	o.n_peers = 3;
	ul_open(&ul, &o, &cnt);
	assert_int_equal(addr_port(&ul.bound), port);
	assert_true(addr_is_any(&ul.bound));
	assert_true(addr_equal(&ul.self, &ul.bound));
	assert_int_equal(ul.n_peers, 2);
	assert_true(addr_equal(&ul.peers[0], &a.addr));
	assert_true(addr_equal(&ul.peers[1], &b.addr));
	underlay_close(&ul);

	/* Port 0: an ephemeral one, which members then learn us by */
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);
	assert_int_not_equal(addr_port(&ul.bound), 0);
	assert_int_equal(ul.n_peers, 0);
	underlay_close(&ul);

	member_close(&a);
	member_close(&b);
}

/* Descriptors this process has open */
static unsigned int open_fds(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void expect_open_error(const struct underlay_opts *o, const char *want)
{
	char err[UNDERLAY_ERRLEN];
	unsigned int fds = open_fds();

	memset(err, 'x', sizeof(err));
	assert_int_equal(underlay_open(&ul2, o, &cnt2, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n'));
	assert_int_equal(ul2.ucast_fd, -1);
	assert_int_equal(ul2.mcast_fd, -1);
	/* Nothing left open or to free (and ASan's leak check says so at exit) */
	assert_int_equal(open_fds(), fds);
	assert_null(ul2.rx_buf);
	assert_null(ul2.gso_area);
	underlay_close(&ul2);
}

/* A port in use, a local address that is not ours: one line naming address and reason */
static void test_open_errors(void **state)
{
	int family = *(const int *)*state;
	union qdes_sockaddr local, any, bad;
	struct underlay_opts o;
	char want[UNDERLAY_ERRLEN], s[ADDR_STRLEN];
	struct member a;
	int fd;

	member_open(&a, family);
	loopback(&local, family, 0);
	opts_init(&o, family, &local, addr_port(&a.addr), false);
	snprintf(want, sizeof(want), "cannot bind unicast socket to %s: %s",
		 addr_str(&a.addr, s, sizeof(s)), strerror(EADDRINUSE));
	expect_open_error(&o, want);

	/* The wildcard address conflicts with the loopback one on the same port */
	memset(&any, 0, sizeof(any));
	any.sa.sa_family = (sa_family_t)family;
	addr_set_port(&any, addr_port(&a.addr));
	opts_init(&o, family, NULL, addr_port(&a.addr), false);
	snprintf(want, sizeof(want), "cannot bind unicast socket to %s: %s",
		 addr_str(&any, s, sizeof(s)), strerror(EADDRINUSE));
	expect_open_error(&o, want);

	/* An address that is not ours (a documentation one, unless this host has it) */
	assert_int_equal(
		addr_parse(family == AF_INET ? "198.51.100.7" : "[2001:db8::7]", 0, false, &bad),
		0);
	fd = udp_socket(family);
	if (bind(fd, &bad.sa, addr_len(&bad)) && errno == EADDRNOTAVAIL) {
		opts_init(&o, family, &bad, 0, false);
		snprintf(want, sizeof(want), "cannot bind unicast socket to %s: %s",
			 addr_str(&bad, s, sizeof(s)), strerror(EADDRNOTAVAIL));
		expect_open_error(&o, want);
	} else {
		print_message("note: %s is ours here: not checked\n", addr_str(&bad, s, sizeof(s)));
	}
	close(fd);
	member_close(&a);

	/* Workers share the port with SO_REUSEPORT; a socket without it cannot join them */
	opts_init(&o, family, &local, free_port(family), false);
	o.reuseport = true;
	ul_open(&ul, &o, &cnt);
	/* A further worker: the first one's port and self */
	o.port = addr_port(&ul.bound);
	o.self = &ul.self;
	ul_open(&ul2, &o, &cnt2);
	assert_true(addr_equal(&ul.bound, &ul2.bound));
	assert_true(addr_equal(&ul.self, &ul2.self));
	assert_int_equal(ul2.mcast_fd, -1);
	underlay_close(&ul2);
	o.self = NULL;
	o.reuseport = false;
	snprintf(want, sizeof(want), "cannot bind unicast socket to %s: %s",
		 addr_str(&ul.bound, s, sizeof(s)), strerror(EADDRINUSE));
	expect_open_error(&o, want);
	underlay_close(&ul);
}

/* ---- Sending ---- */

static uint8_t txbuf[RX_BYTES];

/* Datagrams queued to one peer, more than a batch: each arrives once, whole, in order */
static void test_queue_unicast(void **state)
{
	int family = *(const int *)*state;
	const unsigned int n = 150;
	union qdes_sockaddr local;
	struct underlay_opts o;
	size_t len[150], off = 0, bytes = 0;
	struct member a;
	unsigned int i;

	member_open(&a, family);
	loopback(&local, family, 0);
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);

	for (i = 0; i < n; i++) {
		len[i] = 1 + (i * 397) % 1472;
		fill(txbuf + off, len[i], i);
		/* The payload must stay valid until the flush: each its own */
		underlay_queue(&ul, &a.addr, txbuf + off, len[i], NULL);
		off += len[i];
		bytes += len[i];
	}
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(rxa.len[i], len[i]);
		check_fill(dg(&rxa, i), len[i], i);
		/* Every datagram leaves from the bound port: what members learn us by */
		assert_true(addr_equal(&rxa.src[i], &ul.bound));
	}
	assert_int_equal(cnt.udp_tx_datagrams, n);
	assert_int_equal(cnt.udp_tx_bytes, bytes);
	assert_int_equal(cnt.udp_tx_errors, 0);

	/* A flush with nothing queued sends nothing */
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, 0);
	assert_int_equal(cnt.udp_tx_datagrams, n);
	underlay_close(&ul);
	member_close(&a);
}

/* A datagram the kernel refuses is counted and skipped; the rest of the batch still leaves */
static void test_queue_refused_datagram(void **state)
{
	int family = *(const int *)*state;
	size_t big = (family == AF_INET ? MAX_DGRAM4 : MAX_DGRAM6) + 1;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct member a;

	member_open(&a, family);
	loopback(&local, family, 0);
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);
	fill(txbuf, 100, 1);
	fill(txbuf + 100, big, 2);
	fill(txbuf + 100 + big, 200, 3);
	underlay_queue(&ul, &a.addr, txbuf, 100, NULL);
	underlay_queue(&ul, &a.addr, txbuf + 100, big, NULL);
	underlay_queue(&ul, &a.addr, txbuf + 100 + big, 200, NULL);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, 2);
	assert_int_equal(rxa.len[0], 100);
	check_fill(dg(&rxa, 0), 100, 1);
	assert_int_equal(rxa.len[1], 200);
	check_fill(dg(&rxa, 1), 200, 3);
	assert_int_equal(cnt.udp_tx_datagrams, 2);
	assert_int_equal(cnt.udp_tx_bytes, 300);
	assert_int_equal(cnt.udp_tx_errors, 1);
	underlay_close(&ul);
	member_close(&a);
}

/* ---- The error queue: ICMP for our sends ---- */

static union qdes_sockaddr unreach_dst;
static unsigned int unreach_n;

static void on_unreach(void *arg, const union qdes_sockaddr *dst)
{
	(void)arg;
	unreach_dst = *dst;
	unreach_n++;
}

/* Whether @fd reports POLLERR within @ms */
static bool error_pending(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = 0};

	return poll(&p, 1, ms) == 1 && (p.revents & POLLERR);
}

/*
 * A datagram to a port nobody listens on: the kernel answers with a port unreachable, and the
 * error queue names the destination we sent to. A datagram our own stack refuses (too big) is
 * on the queue too, read but not taken for a port unreachable.
 */
static void test_port_unreachable(void **state)
{
	int family = *(const int *)*state;
	size_t big = (family == AF_INET ? MAX_DGRAM4 : MAX_DGRAM6) + 1;
	union qdes_sockaddr local, gone;
	struct underlay_opts o;

	loopback(&local, family, 0);
	loopback(&gone, family, free_port(family));
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);
	unreach_n = 0;
	assert_int_equal(underlay_recv_errors(ul.ucast_fd, on_unreach, NULL), 0);
	fill(txbuf, 100, 1);
	underlay_queue(&ul, &gone, txbuf, 100, NULL);
	underlay_flush(&ul);
	assert_true(error_pending(ul.ucast_fd, 2000));
	assert_int_equal(underlay_recv_errors(ul.ucast_fd, on_unreach, NULL), 1);
	assert_int_equal(unreach_n, 1);
	assert_true(addr_equal(&unreach_dst, &gone));
	assert_int_equal(underlay_recv_errors(ul.ucast_fd, on_unreach, NULL), 0);

	fill(txbuf, big, 2);
	underlay_queue(&ul, &gone, txbuf, big, NULL);
	underlay_flush(&ul);
	assert_int_equal(cnt.udp_tx_errors, 1);
	assert_true(underlay_recv_errors(ul.ucast_fd, on_unreach, NULL) > 0);
	assert_int_equal(unreach_n, 1);
	underlay_close(&ul);
}

/* A port unreachable still pending on the socket (nobody read it yet) costs no other datagram:
 * the kernel reports it on the next send instead of sending, and that send is made again */
static void test_unreachable_pending(void **state)
{
	int family = *(const int *)*state;
	union qdes_sockaddr local, gone;
	struct underlay_opts o;
	struct member a;

	member_open(&a, family);
	loopback(&local, family, 0);
	loopback(&gone, family, free_port(family));
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);
	fill(txbuf, 100, 1);
	underlay_queue(&ul, &gone, txbuf, 100, NULL);
	underlay_flush(&ul);
	assert_true(error_pending(ul.ucast_fd, 2000));
	fill(txbuf, 200, 2);
	underlay_queue(&ul, &a.addr, txbuf, 200, NULL);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, 1);
	assert_int_equal(rxa.len[0], 200);
	check_fill(dg(&rxa, 0), 200, 2);
	assert_int_equal(cnt.udp_tx_errors, 0);
	assert_int_equal(cnt.udp_tx_datagrams, 2);
	underlay_close(&ul);
	member_close(&a);
}

/* An error message as recvmsg(MSG_ERRQUEUE) gives it: one extended error of @level/@type */
struct errmsg {
	struct msghdr h;
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err))];
		struct cmsghdr align;
	} ctrl;
};

static const struct msghdr *errmsg(struct errmsg *m, int level, int type, uint8_t origin,
				   uint8_t icmp_type, uint8_t icmp_code, size_t len)
{
	struct sock_extended_err ee = {.ee_errno = ECONNREFUSED,
				       .ee_origin = origin,
				       .ee_type = icmp_type,
				       .ee_code = icmp_code};
	struct cmsghdr *cm;

	memset(m, 0, sizeof(*m));
	m->h.msg_control = m->ctrl.buf;
	m->h.msg_controllen = sizeof(m->ctrl.buf);
	cm = CMSG_FIRSTHDR(&m->h);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), &ee, len < sizeof(ee) ? len : sizeof(ee));
	return &m->h;
}

/* Only a port unreachable from the network counts: not another ICMP error, nor our own */
static void test_port_unreach_decode(void **state)
{
	const size_t n = sizeof(struct sock_extended_err);
	struct errmsg m;

	(void)state;
	assert_true(underlay_is_port_unreach(errmsg(&m, IPPROTO_IP, IP_RECVERR, SO_EE_ORIGIN_ICMP,
						    ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, n)));
	assert_true(
		underlay_is_port_unreach(errmsg(&m, IPPROTO_IPV6, IPV6_RECVERR, SO_EE_ORIGIN_ICMP6,
						ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, n)));
	/* host unreachable: a route problem, the member may be fine */
	assert_false(underlay_is_port_unreach(errmsg(&m, IPPROTO_IP, IP_RECVERR, SO_EE_ORIGIN_ICMP,
						     ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, n)));
	assert_false(
		underlay_is_port_unreach(errmsg(&m, IPPROTO_IPV6, IPV6_RECVERR, SO_EE_ORIGIN_ICMP6,
						ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, n)));
	/* the ICMPv4 numbers under the ICMPv6 origin mean something else */
	assert_false(
		underlay_is_port_unreach(errmsg(&m, IPPROTO_IPV6, IPV6_RECVERR, SO_EE_ORIGIN_ICMP6,
						ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, n)));
	assert_false(underlay_is_port_unreach(errmsg(&m, IPPROTO_IP, IP_RECVERR, SO_EE_ORIGIN_LOCAL,
						     ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, n)));
	/* another message, or one too short to hold the error */
	assert_false(underlay_is_port_unreach(errmsg(&m, IPPROTO_IP, IP_TTL, SO_EE_ORIGIN_ICMP,
						     ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, n)));
	assert_false(underlay_is_port_unreach(errmsg(&m, IPPROTO_IP, IP_RECVERR, SO_EE_ORIGIN_ICMP,
						     ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, n - 1)));
	memset(&m, 0, sizeof(m));
	assert_false(underlay_is_port_unreach(&m.h));
}

/* A flood goes to every configured peer exactly once, and never to ourselves */
static void test_flood_to_every_peer(void **state)
{
	int family = *(const int *)*state;
	static const size_t len[3] = {60, 1400, 700};
	union qdes_sockaddr local, peers[4];
	struct member m[3];
	struct underlay_opts o;
	uint16_t port = free_port(family);
	unsigned int i, j;
	size_t off = 0;

	for (i = 0; i < 3; i++)
		member_open(&m[i], family);
	loopback(&local, family, 0);
	peers[0] = m[0].addr;
	loopback(&peers[1], family, port);
	peers[2] = m[1].addr;
	peers[3] = m[2].addr;
	opts_init(&o, family, &local, port, false);
	o.peers = peers;
	o.n_peers = 4;
	ul_open(&ul, &o, &cnt);
	assert_int_equal(ul.n_peers, 3);

	for (i = 0; i < 3; i++) {
		fill(txbuf + off, len[i], 10 + i);
		underlay_queue_flood(&ul, txbuf + off, len[i], NULL);
		off += len[i];
	}
	underlay_flush(&ul);
	for (j = 0; j < 3; j++) {
		member_collect(m[j].fd, &rxa, 3);
		for (i = 0; i < 3; i++) {
			assert_int_equal(rxa.len[i], len[i]);
			check_fill(dg(&rxa, i), len[i], 10 + i);
			assert_true(addr_equal(&rxa.src[i], &ul.bound));
		}
	}
	ul_collect(&ul, ul.ucast_fd, &rxb, 0);
	assert_int_equal(cnt.udp_tx_datagrams, 9);
	assert_int_equal(cnt.udp_tx_bytes, 3 * off);

	/* The leave notice: to every peer, once */
	assert_int_equal(underlay_send_leave(&ul, ENCAP, ENCAP_LEN), 0);
	for (j = 0; j < 3; j++) {
		member_collect(m[j].fd, &rxa, 1);
		assert_int_equal(rxa.len[0], ENCAP_LEN);
		assert_memory_equal(dg(&rxa, 0), ENCAP, ENCAP_LEN);
	}
	ul_collect(&ul, ul.ucast_fd, &rxb, 0);
	underlay_close(&ul);

	/* No group, no peers: a flood has nowhere to go, and goes nowhere */
	opts_init(&o, family, &local, 0, false);
	ul_open(&ul, &o, &cnt);
	underlay_queue_flood(&ul, txbuf, 100, NULL);
	build_sf(&sf[0], family, 5000, 1448, 1);
	underlay_queue_flood(&ul, sf[0].buf, sf[0].len, &sf[0].vh);
	underlay_flush(&ul);
	assert_int_equal(cnt.udp_tx_datagrams, 0);
	assert_int_equal(cnt.drop_offload, 0);
	underlay_close(&ul);
	for (j = 0; j < 3; j++)
		member_close(&m[j]);
}

/* ---- TCP super-frames ---- */

struct gso_case {
	int family;
	bool offload;
	size_t payload;
	uint16_t gso_size;
};

/* IPv4: MSS 1448 as offered; IPv6: 1440 offered, 1428 by the MTU; 201 segments of 300 */
static const struct gso_case gso_v4_on = {AF_INET, true, 20000, 1448};
static const struct gso_case gso_v4_off = {AF_INET, false, 20000, 1448};
static const struct gso_case gso_v6_on = {AF_INET6, true, 30000, 1440};
static const struct gso_case gso_v6_off = {AF_INET6, false, 30000, 1440};
static const struct gso_case gso_v4_many_on = {AF_INET, true, 60100, 300};
static const struct gso_case gso_v4_many_off = {AF_INET, false, 60100, 300};
static const struct gso_case gso_v6_many_on = {AF_INET6, true, 60100, 300};
static const struct gso_case gso_v6_many_off = {AF_INET6, false, 60100, 300};
/* 28 and 29 segments of 1448 and 1428: one send each */
static const struct gso_case u2u_v4_on = {AF_INET, true, 40000, 1448};
static const struct gso_case u2u_v4_off = {AF_INET, false, 40000, 1448};
static const struct gso_case u2u_v6_on = {AF_INET6, true, 40000, 1448};

/*
 * A super-frame to one peer, then flooded to two more: each gets every segment once, in order,
 * as a TCP stack would have sent them. With more segments than one UDP GSO send may carry
 * (64 before Linux 6.2, 128 since), they still all arrive, and without falling back.
 */
static void test_superframe(void **state)
{
	const struct gso_case *c = *state;
	union qdes_sockaddr local, peers[3];
	struct underlay_opts o;
	struct member m[3];
	struct sframe *s = &sf[0];
	uint16_t port = free_port(c->family);
	unsigned int i, n;

	for (i = 0; i < 3; i++)
		member_open(&m[i], c->family);
	loopback(&local, c->family, 0);
	peers[0] = m[1].addr;
	loopback(&peers[1], c->family, port);
	peers[2] = m[2].addr;
	opts_init(&o, c->family, &local, port, c->offload);
	o.peers = peers;
	o.n_peers = 3;
	ul_open(&ul, &o, &cnt);
	assert_int_equal(ul.n_peers, 2);

	build_sf(s, c->family, c->payload, c->gso_size, 1);
	memcpy(&sf[1], s, sizeof(*s));
	n = sf_segs(s);
	underlay_queue(&ul, &m[0].addr, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	member_collect(m[0].fd, &rxa, n);
	check_segments(&rxa, 0, s);
	for (i = 0; i < n; i++)
		assert_true(addr_equal(&rxa.src[i], &ul.bound));
	member_collect(m[1].fd, &rxb, 0);
	assert_int_equal(cnt.udp_tx_datagrams, n);
	assert_int_equal(cnt.udp_tx_bytes, sf_wire_bytes(s));

	/* Segmented once, sent to each peer */
	underlay_queue_flood(&ul, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	member_collect(m[1].fd, &rxb, n);
	check_segments(&rxb, 0, s);
	member_collect(m[2].fd, &rxc, n);
	check_segments(&rxc, 0, s);
	member_collect(m[0].fd, &rxa, 0);
	ul_collect(&ul, ul.ucast_fd, &rxa, 0);

	assert_int_equal(cnt.udp_tx_datagrams, 3 * n);
	assert_int_equal(cnt.udp_tx_bytes, 3 * sf_wire_bytes(s));
	assert_int_equal(cnt.udp_tx_errors, 0);
	assert_int_equal(cnt.drop_offload, 0);
	/* Every send stayed within what the kernel takes: GSO was never refused */
	assert_int_equal(ul.gso, c->offload);
	/* The super-frame and its vnet header are only read */
	assert_memory_equal(s->buf, sf[1].buf, s->len);
	assert_memory_equal(&s->vh, &sf[1].vh, sizeof(s->vh));
	underlay_close(&ul);
	for (i = 0; i < 3; i++)
		member_close(&m[i]);
}

struct small_case {
	int family;
	size_t max_frame;
	uint16_t gso_size;
	size_t payload;
};

/* IPv4 on a 150-byte MTU: 613 segments of 98; IPv6 to a peer with an MSS of 112: 600 of 100 */
static const struct small_case small_v4_mtu = {AF_INET, 150 + 14, 1448, 60000};
static const struct small_case small_v6_mss = {AF_INET6, MAX_FRAME, 100, 60000};

/*
 * Small segments (a low MTU, a small MSS of the far end) carry more headers than a 64 KiB
 * super-frame cut into frames of 1280 bytes does: segmented, it may be larger than one GSO slot.
 * It still leaves whole, without overwriting what the slots after it hold, also when few slots
 * are left free before the flush. Received by a second underlay, with UDP GRO where there is.
 */
static void test_superframe_small_segments(void **state)
{
	const struct small_case *c = *state;
	union qdes_sockaddr local;
	struct underlay_opts o;
	unsigned int i, at, n = 0;
	size_t bytes = 0;

	loopback(&local, c->family, 0);
	opts_init(&o, c->family, &local, 0, true);
	o.max_frame = c->max_frame;
	ul_open(&ul2, &o, &cnt2);
	ul_open(&ul, &o, &cnt);

	/* Short, long, short: three super-frames, one flush */
	for (i = 0; i < 3; i++) {
		if (i == 1)
			build_sf(&sf[i], c->family, c->payload, c->gso_size, i);
		else
			build_sf(&sf[i], c->family, 2000, 1448, i);
		sf[i].max_frame = c->max_frame;
		underlay_queue(&ul, &ul2.bound, sf[i].buf, sf[i].len, &sf[i].vh);
		n += sf_segs(&sf[i]);
		bytes += sf_wire_bytes(&sf[i]);
	}
	assert_true(sf_wire_bytes(&sf[1]) > UNDERLAY_GSO_SLOT);
	underlay_flush(&ul);
	ul_collect(&ul2, ul2.ucast_fd, &rxa, n);
	for (i = 0, at = 0; i < 3; at += sf_segs(&sf[i]), i++)
		check_segments(&rxa, at, &sf[i]);
	assert_true(addr_equal(&rxa.src[0], &ul.bound));
	assert_int_equal(cnt.drop_offload, 0);
	assert_int_equal(cnt.udp_tx_datagrams, n);
	assert_int_equal(cnt.udp_tx_bytes, bytes);

	/* All slots but one taken by short ones: the long one needs more than that one */
	n = 0;
	for (i = 0; i < UNDERLAY_GSO_SLOTS; i++) {
		struct sframe *s = &sf[i == UNDERLAY_GSO_SLOTS - 1 ? 1 : i + 3];

		if (s != &sf[1]) {
			build_sf(s, c->family, 1000, 1448, i + 3);
			s->max_frame = c->max_frame;
		}
		underlay_queue(&ul, &ul2.bound, s->buf, s->len, &s->vh);
		n += sf_segs(s);
	}
	build_sf(&sf[2], c->family, 1500, 1448, 2);
	sf[2].max_frame = c->max_frame;
	underlay_queue(&ul, &ul2.bound, sf[2].buf, sf[2].len, &sf[2].vh);
	n += sf_segs(&sf[2]);
	underlay_flush(&ul);
	ul_collect(&ul2, ul2.ucast_fd, &rxa, n);
	for (i = 0, at = 0; i < UNDERLAY_GSO_SLOTS - 1; at += sf_segs(&sf[i + 3]), i++)
		check_segments(&rxa, at, &sf[i + 3]);
	check_segments(&rxa, at, &sf[1]);
	check_segments(&rxa, at + sf_segs(&sf[1]), &sf[2]);
	assert_int_equal(cnt.drop_offload, 0);
	assert_true(ul.gso);
	underlay_close(&ul);
	underlay_close(&ul2);
}

/*
 * More super-frames than GSO slots, and more datagrams than one batch, before one flush:
 * a slot still queued after a full batch was sent is not reused, so all arrive intact.
 */
static void test_many_superframes_one_flush(void **state)
{
	bool offload = *(const bool *)*state;
	const unsigned int n_plain = 42, n_sf = 20;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct member a;
	unsigned int i, at, total = n_plain;
	size_t bytes = 0;

	member_open(&a, AF_INET);
	loopback(&local, AF_INET, 0);
	opts_init(&o, AF_INET, &local, 0, offload);
	ul_open(&ul, &o, &cnt);
	for (i = 0; i < n_plain; i++) {
		fill(txbuf + 100 * i, 100, 100 + i);
		underlay_queue(&ul, &a.addr, txbuf + 100 * i, 100, NULL);
		bytes += 100;
	}
	for (i = 0; i < n_sf; i++) {
		build_sf(&sf[i], AF_INET, 5000 + 37 * i, 1448, i);
		underlay_queue(&ul, &a.addr, sf[i].buf, sf[i].len, &sf[i].vh);
		total += sf_segs(&sf[i]);
		bytes += sf_wire_bytes(&sf[i]);
	}
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, total);
	for (i = 0; i < n_plain; i++) {
		assert_int_equal(rxa.len[i], 100);
		check_fill(dg(&rxa, i), 100, 100 + i);
	}
	for (i = 0, at = n_plain; i < n_sf; at += sf_segs(&sf[i]), i++)
		check_segments(&rxa, at, &sf[i]);
	assert_int_equal(cnt.udp_tx_datagrams, total);
	assert_int_equal(cnt.udp_tx_bytes, bytes);
	assert_int_equal(cnt.drop_offload, 0);
	underlay_close(&ul);
	member_close(&a);
}

/*
 * The kernel refuses UDP GSO on a socket without UDP checksums (SO_NO_CHECK): every
 * super-frame then leaves datagram by datagram, the first one included, and GSO is not asked
 * for again.
 */
static void test_gso_refused_falls_back(void **state)
{
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct sframe *s = &sf[0];
	struct member a;
	int one = 1;
	unsigned int n;

	(void)state;
	member_open(&a, AF_INET);
	loopback(&local, AF_INET, 0);
	opts_init(&o, AF_INET, &local, 0, true);
	o.peers = &a.addr;
	o.n_peers = 1;
	ul_open(&ul, &o, &cnt);
	assert_true(ul.gso);
	assert_int_equal(setsockopt(ul.ucast_fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);

	build_sf(s, AF_INET, 20000, 1448, 3);
	n = sf_segs(s);
	underlay_queue(&ul, &a.addr, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, n);
	check_segments(&rxa, 0, s);
	assert_false(ul.gso);
	assert_int_equal(cnt.udp_tx_datagrams, n);
	assert_int_equal(cnt.udp_tx_bytes, sf_wire_bytes(s));
	assert_int_equal(cnt.udp_tx_errors, 0);

	underlay_queue_flood(&ul, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, n);
	check_segments(&rxa, 0, s);
	assert_int_equal(cnt.udp_tx_datagrams, 2 * n);
	assert_int_equal(cnt.udp_tx_errors, 0);
	underlay_close(&ul);
	member_close(&a);
}

/* Not a super-frame but a partial checksum: one datagram, checksum completed. Malformed: dropped */
static void test_superframe_edge_cases(void **state)
{
	int family = *(const int *)*state;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct sframe *s = &sf[0];
	struct member a;

	member_open(&a, family);
	loopback(&local, family, 0);
	opts_init(&o, family, &local, 0, true);
	ul_open(&ul, &o, &cnt);

	build_sf(s, family, 700, 0, 4);
	s->vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	underlay_queue(&ul, &a.addr, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, 1);
	check_segments(&rxa, 0, s);

	/* The IP length says one byte more than the frame holds */
	build_sf(s, family, 5000, 1448, 5);
	put_be16(s->frame + 14 + (family == AF_INET ? 2 : 4),
		 get_be16(s->frame + 14 + (family == AF_INET ? 2 : 4)) + 1u);
	underlay_queue(&ul, &a.addr, s->buf, s->len, &s->vh);
	/* Shorter than the encapsulation header */
	underlay_queue(&ul, &a.addr, s->buf, ENCAP_LEN - 1, &s->vh);
	underlay_flush(&ul);
	member_collect(a.fd, &rxa, 0);
	assert_int_equal(cnt.drop_offload, 2);
	assert_int_equal(cnt.udp_tx_datagrams, 1);
	underlay_close(&ul);
	member_close(&a);
}

/* ---- Receiving ---- */

struct rx_case {
	int family;
	bool offload;
};

static const struct rx_case rx_v4_on = {AF_INET, true};
static const struct rx_case rx_v4_off = {AF_INET, false};
static const struct rx_case rx_v6_on = {AF_INET6, true};
static const struct rx_case rx_v6_off = {AF_INET6, false};

/* Each datagram to the callback, whole, with its sender; a burst takes more than one call */
static void test_recv(void **state)
{
	const struct rx_case *c = *state;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct member m[2];
	size_t bytes = 0, len;
	unsigned int i;
	int ret;

	member_open(&m[0], c->family);
	member_open(&m[1], c->family);
	loopback(&local, c->family, 0);
	opts_init(&o, c->family, &local, 0, c->offload);
	ul_open(&ul, &o, &cnt);

	for (i = 0; i < 10; i++) {
		len = 1 + (i * 577) % 1472;
		fill(txbuf, len, 20 + i);
		send_to(m[i & 1].fd, &ul.bound, txbuf, len);
		bytes += len;
	}
	ul_collect(&ul, ul.ucast_fd, &rxa, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(rxa.len[i], 1 + (i * 577) % 1472);
		check_fill(dg(&rxa, i), rxa.len[i], 20 + i);
		assert_true(addr_equal(&rxa.src[i], &m[i & 1].addr));
	}
	assert_int_equal(cnt.udp_rx_datagrams, 10);
	assert_int_equal(cnt.udp_rx_bytes, bytes);
	assert_int_equal(cnt.udp_rx_gro, 0);
	assert_int_equal(cnt.udp_tx_datagrams, 0);

	/* 4 batches of UNDERLAY_BATCH per call at most, so the TAP direction gets its turn */
	for (i = 0; i < 4 * UNDERLAY_BATCH + 4; i++) {
		put_be32(txbuf, i);
		send_to(m[0].fd, &ul.bound, txbuf, 64);
	}
	assert_true(readable(ul.ucast_fd, WAIT_MS));
	nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	dg_reset(&rxa);
	ret = underlay_recv(&ul, ul.ucast_fd, on_rx, &rxa);
	assert_int_equal(ret, 4 * UNDERLAY_BATCH);
	assert_int_equal(rxa.n, 4 * UNDERLAY_BATCH);
	ret = underlay_recv(&ul, ul.ucast_fd, on_rx, &rxa);
	assert_int_equal(ret, 4);
	assert_int_equal(rxa.n, 4 * UNDERLAY_BATCH + 4);
	for (i = 0; i < rxa.n; i++)
		assert_int_equal(get_be32(dg(&rxa, i)), i);
	assert_int_equal(underlay_recv(&ul, ul.ucast_fd, on_rx, &rxa), 0);
	assert_int_equal(cnt.udp_rx_datagrams, 10 + 4 * UNDERLAY_BATCH + 4);
	underlay_close(&ul);
	member_close(&m[0]);
	member_close(&m[1]);
}

/* One send of @len bytes that the kernel cuts into datagrams of @seg: UDP GSO from a member */
static int send_burst(int fd, const union qdes_sockaddr *dst, const uint8_t *p, size_t len,
		      uint16_t seg)
{
	union underlay_cmsg ctrl;
	struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
	struct msghdr h = {.msg_name = (void *)dst,
			   .msg_namelen = addr_len(dst),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = ctrl.buf,
			   .msg_controllen = CMSG_SPACE(sizeof(seg))};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&h);

	memset(&ctrl, 0, sizeof(ctrl));
	cm->cmsg_level = IPPROTO_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return sendmsg(fd, &h, 0) == (ssize_t)len ? 0 : -1;
}

/*
 * A burst of equal datagrams (the last one shorter) from one sender: with UDP GRO they reach
 * the socket as one, and each is handed over on its own; without, the kernel splits them.
 */
static void test_recv_gro_split(void **state)
{
	const struct rx_case *c = *state;
	static const struct {
		size_t len;
		uint16_t seg;
	} bursts[] = {{10 * 1000 + 250, 1000}, {8 * 1200, 1200}, {1000, 1000}};
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct member a;
	unsigned int b, i, n, n_gro = 0, total = 0;
	size_t bytes = 0;

	member_open(&a, c->family);
	loopback(&local, c->family, 0);
	opts_init(&o, c->family, &local, 0, c->offload);
	ul_open(&ul, &o, &cnt);
	if (c->offload && !kernel_has_gro(c->family)) {
		print_message("skipped: the kernel has no UDP GRO\n");
		skip();
	}
	assert_int_equal(ul.gro, c->offload);
	for (b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
		size_t len = bursts[b].len, seg = bursts[b].seg;

		fill(txbuf, len, 30 + b);
		if (send_burst(a.fd, &ul.bound, txbuf, len, bursts[b].seg)) {
			print_message("skipped: the kernel has no UDP GSO to send a burst: %s\n",
				      strerror(errno));
			skip();
		}
		n = (unsigned int)((len + seg - 1) / seg);
		ul_collect(&ul, ul.ucast_fd, &rxa, n);
		for (i = 0; i < n; i++) {
			size_t want = i + 1 < n ? seg : len - seg * i;

			assert_int_equal(rxa.len[i], want);
			assert_memory_equal(dg(&rxa, i), txbuf + seg * i, want);
			assert_true(addr_equal(&rxa.src[i], &a.addr));
		}
		total += n;
		bytes += len;
		n_gro += c->offload && n > 1;
		assert_int_equal(cnt.udp_rx_datagrams, total);
		assert_int_equal(cnt.udp_rx_bytes, bytes);
		/* Proof that the burst came as one and was split here */
		assert_int_equal(cnt.udp_rx_gro, n_gro);
	}
	underlay_close(&ul);
	member_close(&a);
}

/*
 * Underlay to underlay, the receiver with UDP GRO: each GSO send arrives as one, so the sends
 * can be counted. At most 64 segments and one IP datagram's worth of payload per send; none
 * without GSO. Every segment is handed over on its own, intact.
 */
static void test_underlay_to_underlay(void **state)
{
	const struct gso_case *c = *state;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct sframe *s = &sf[0];
	unsigned int n, per_send, sends;
	size_t stride;

	loopback(&local, c->family, 0);
	opts_init(&o, c->family, &local, 0, true);
	ul_open(&ul2, &o, &cnt2);
	if (!kernel_has_gro(c->family)) {
		print_message("skipped: the kernel has no UDP GRO\n");
		skip();
	}
	assert_true(ul2.gro);
	opts_init(&o, c->family, &local, 0, c->offload);
	o.peers = &ul2.bound;
	o.n_peers = 1;
	ul_open(&ul, &o, &cnt);

	build_sf(s, c->family, c->payload, c->gso_size, 6);
	n = sf_segs(s);
	stride = ENCAP_LEN + s->hdr + sf_mss(s);
	per_send = (unsigned int)(MAX_DGRAM4 / stride); /* IPv6 could carry 20 bytes more */
	if (per_send > 64)
		per_send = 64;
	sends = c->offload ? (n + per_send - 1) / per_send : 0;
	/* A last send of one segment is a plain datagram */
	if (c->offload && n % per_send == 1)
		sends--;

	underlay_queue_flood(&ul, s->buf, s->len, &s->vh);
	underlay_flush(&ul);
	ul_collect(&ul2, ul2.ucast_fd, &rxa, n);
	check_segments(&rxa, 0, s);
	assert_true(addr_equal(&rxa.src[0], &ul.bound));
	assert_true(addr_equal(&rxa.src[n - 1], &ul.bound));
	assert_int_equal(cnt2.udp_rx_datagrams, n);
	assert_int_equal(cnt2.udp_rx_bytes, sf_wire_bytes(s));
	assert_int_equal(cnt2.udp_rx_gro, sends);
	assert_int_equal(cnt.udp_tx_datagrams, n);
	assert_int_equal(ul.gso, c->offload);
	underlay_close(&ul);
	underlay_close(&ul2);
}

/* The largest UDP datagram, both ways: whole, never truncated */
static void test_largest_datagram(void **state)
{
	const struct rx_case *c = *state;
	size_t len = c->family == AF_INET ? MAX_DGRAM4 : MAX_DGRAM6;
	union qdes_sockaddr local;
	struct underlay_opts o;
	struct member a;

	assert_true(len <= UNDERLAY_RX_BUF);
	member_open(&a, c->family);
	loopback(&local, c->family, 0);
	opts_init(&o, c->family, &local, 0, c->offload);
	ul_open(&ul, &o, &cnt);

	fill(txbuf, len, 40);
	send_to(a.fd, &ul.bound, txbuf, len);
	fill(txbuf + len, 1, 41);
	send_to(a.fd, &ul.bound, txbuf + len, 1);
	ul_collect(&ul, ul.ucast_fd, &rxa, 2);
	assert_int_equal(rxa.len[0], len);
	check_fill(dg(&rxa, 0), len, 40);
	assert_int_equal(rxa.len[1], 1);
	assert_int_equal(cnt.udp_rx_datagrams, 2);
	assert_int_equal(cnt.udp_rx_bytes, len + 1);
	assert_int_equal(cnt.udp_rx_gro, 0);

	underlay_queue(&ul, &a.addr, txbuf, len, NULL);
	underlay_flush(&ul);
	member_collect(a.fd, &rxb, 1);
	assert_int_equal(rxb.len[0], len);
	check_fill(dg(&rxb, 0), len, 40);
	assert_int_equal(cnt.udp_tx_datagrams, 1);
	assert_int_equal(cnt.udp_tx_bytes, len);
	assert_int_equal(cnt.udp_tx_errors, 0);
	underlay_close(&ul);
	member_close(&a);
}

/* ---- The multicast group, where the loopback carries it ---- */

static void group_addr(union qdes_sockaddr *g, int family, uint16_t port)
{
	char s[64];
	unsigned int pid = (unsigned int)getpid();

	if (family == AF_INET)
		snprintf(s, sizeof(s), "239.255.%u.%u", (pid >> 8) & 0xff, pid & 0xff);
	else
		snprintf(s, sizeof(s), "ff15::5eed:%x", pid & 0xffff);
	assert_int_equal(addr_parse_host(s, g), 0);
	addr_set_port(g, port);
}

/* A member on this host: bound to the group, joined on the loopback. Return: socket, or -1 */
static int group_join(const union qdes_sockaddr *g, int ifindex)
{
	int fd = track(udp_socket(g->sa.sa_family)), one = 1, ret;
	union qdes_sockaddr b = *g;

	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (g->sa.sa_family == AF_INET) {
		struct ip_mreqn mr = {.imr_multiaddr = g->in4.sin_addr, .imr_ifindex = ifindex};

		ret = bind(fd, &b.sa, addr_len(&b)) ||
		      setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
	} else {
		struct ipv6_mreq mr = {.ipv6mr_multiaddr = g->in6.sin6_addr,
				       .ipv6mr_interface = (unsigned int)ifindex};

		b.in6.sin6_scope_id = (uint32_t)ifindex;
		ret = bind(fd, &b.sa, addr_len(&b)) ||
		      setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr));
	}
	if (ret) {
		close_fd(fd);
		return -1;
	}
	return fd;
}

/* A member sending to the group from the loopback */
static void group_sender(struct member *m, int family, int ifindex)
{
	member_open(m, family);
	if (family == AF_INET) {
		struct ip_mreqn mr = {.imr_ifindex = ifindex};

		assert_int_equal(setsockopt(m->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)),
				 0);
	} else {
		assert_int_equal(setsockopt(m->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
					    sizeof(ifindex)),
				 0);
	}
}

/*
 * Floods to the group and to a peer, each once; our own echo comes back from the address we
 * found as ours; what a member sends to the group reaches the multicast socket only.
 */
static void test_group(void **state)
{
	int family = *(const int *)*state, lo = (int)if_nametoindex("lo"), gm;
	union qdes_sockaddr group, local;
	struct underlay_opts o;
	struct member b, snd;

	assert_true(lo > 0);
	group_addr(&group, family, free_port(family));
	/* Whether the loopback carries multicast here, asked without the underlay */
	gm = group_join(&group, lo);
	group_sender(&snd, family, lo);
	fill(txbuf, 500, 51);
	errno = 0;
	if (gm < 0 || sendto(snd.fd, txbuf, 500, 0, &group.sa, addr_len(&group)) != 500 ||
	    !readable(gm, WAIT_MS)) {
		print_message("skipped: the loopback carries no %s multicast here (%s)\n",
			      family == AF_INET ? "IPv4" : "IPv6",
			      gm < 0  ? "cannot join"
			      : errno ? strerror(errno)
				      : "nothing came");
		skip();
	}
	member_collect(gm, &rxa, 1);

	loopback(&local, family, 0);
	member_open(&b, family);
	opts_init(&o, family, &local, 0, false);
	o.group = &group;
	o.ifindex = lo;
	o.peers = &b.addr;
	o.n_peers = 1;
	ul_open(&ul, &o, &cnt);
	assert_true(ul.has_group);
	assert_true(ul.mcast_fd >= 0);
	assert_int_equal(ul.n_peers, 1);
	/* What our floods carry as their source, so their echoes can be told apart */
	assert_true(addr_equal(&ul.self, &ul.bound));

	fill(txbuf, 300, 50);
	underlay_queue_flood(&ul, txbuf, 300, NULL);
	underlay_flush(&ul);
	member_collect(gm, &rxa, 1);
	assert_int_equal(rxa.len[0], 300);
	check_fill(dg(&rxa, 0), 300, 50);
	assert_true(addr_equal(&rxa.src[0], &ul.self));
	member_collect(b.fd, &rxb, 1);
	check_fill(dg(&rxb, 0), 300, 50);
	/* Our own echo, on the multicast socket only */
	ul_collect(&ul, ul.mcast_fd, &rxc, 1);
	assert_true(addr_equal(&rxc.src[0], &ul.self));
	ul_collect(&ul, ul.ucast_fd, &rxc, 0);
	assert_int_equal(cnt.udp_tx_datagrams, 2);

	/* Another member's flood */
	fill(txbuf, 500, 51);
	send_to(snd.fd, &group, txbuf, 500);
	ul_collect(&ul, ul.mcast_fd, &rxc, 1);
	assert_int_equal(rxc.len[0], 500);
	check_fill(dg(&rxc, 0), 500, 51);
	assert_true(addr_equal(&rxc.src[0], &snd.addr));
	ul_collect(&ul, ul.ucast_fd, &rxc, 0);
	member_collect(gm, &rxa, 1);

	/* The leave notice: group and peer */
	assert_int_equal(underlay_send_leave(&ul, ENCAP, ENCAP_LEN), 0);
	member_collect(gm, &rxa, 1);
	member_collect(b.fd, &rxb, 1);
	assert_memory_equal(dg(&rxb, 0), ENCAP, ENCAP_LEN);
	ul_collect(&ul, ul.mcast_fd, &rxc, 1);
	underlay_close(&ul);
	close_fd(gm);
	member_close(&b);

	/*
	 * VXLAN: the unicast socket on the group's port too, on the wildcard address. Floods
	 * still reach the multicast socket alone, unicast the unicast socket alone.
	 */
	group_addr(&group, family, free_port(family));
	opts_init(&o, family, NULL, addr_port(&group), false);
	o.group = &group;
	o.ifindex = lo;
	ul_open(&ul, &o, &cnt);
	assert_int_equal(addr_port(&ul.bound), addr_port(&group));
	assert_true(addr_is_any(&ul.bound));
	/* From the wildcard address, the kernel picks the source: the echo comes from it */
	assert_int_equal(addr_port(&ul.self), addr_port(&group));
	underlay_queue_flood(&ul, txbuf, 200, NULL);
	underlay_flush(&ul);
	ul_collect(&ul, ul.mcast_fd, &rxc, 1);
	assert_true(addr_equal(&rxc.src[0], &ul.self));
	ul_collect(&ul, ul.ucast_fd, &rxc, 0);
	loopback(&local, family, addr_port(&group));
	send_to(snd.fd, &group, txbuf, 500);
	ul_collect(&ul, ul.mcast_fd, &rxc, 1);
	assert_true(addr_equal(&rxc.src[0], &snd.addr));
	ul_collect(&ul, ul.ucast_fd, &rxc, 0);
	send_to(snd.fd, &local, txbuf, 400);
	ul_collect(&ul, ul.ucast_fd, &rxc, 1);
	assert_int_equal(rxc.len[0], 400);
	ul_collect(&ul, ul.mcast_fd, &rxc, 0);
	underlay_close(&ul);
	member_close(&snd);
}

/* Nothing open: the teardown closes only what a test opened */
static int setup(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
		tracked[i] = -1;
	memset(&ul, 0, sizeof(ul));
	memset(&ul2, 0, sizeof(ul2));
	ul.ucast_fd = ul.mcast_fd = ul2.ucast_fd = ul2.mcast_fd = -1;
	return 0;
}

static int teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(tracked) / sizeof(tracked[0]); i++)
		if (tracked[i] >= 0)
			close_fd(tracked[i]);
	underlay_close(&ul);
	underlay_close(&ul2);
	return 0;
}

/* One test function, one case of it: named after both */
#define CASE(f, variant, st)                                                                       \
	{                                                                                          \
#f "(" variant ")", f, setup, teardown, (void *)(st)                               \
	}

int main(void)
{
	static const bool on = true, off = false;
	const struct CMUnitTest tests[] = {
		CASE(test_open_peers_only, "v4", &V4),
		CASE(test_open_peers_only, "v6", &V6),
		CASE(test_open_errors, "v4", &V4),
		CASE(test_open_errors, "v6", &V6),
		CASE(test_queue_unicast, "v4", &V4),
		CASE(test_queue_unicast, "v6", &V6),
		CASE(test_queue_refused_datagram, "v4", &V4),
		CASE(test_queue_refused_datagram, "v6", &V6),
		CASE(test_port_unreachable, "v4", &V4),
		CASE(test_port_unreachable, "v6", &V6),
		CASE(test_unreachable_pending, "v4", &V4),
		CASE(test_unreachable_pending, "v6", &V6),
		CASE(test_port_unreach_decode, "v4 and v6", NULL),
		CASE(test_flood_to_every_peer, "v4", &V4),
		CASE(test_flood_to_every_peer, "v6", &V6),
		CASE(test_superframe, "v4 gso", &gso_v4_on),
		CASE(test_superframe, "v4 no gso", &gso_v4_off),
		CASE(test_superframe, "v6 gso", &gso_v6_on),
		CASE(test_superframe, "v6 no gso", &gso_v6_off),
		CASE(test_superframe, "v4 gso 201 segments", &gso_v4_many_on),
		CASE(test_superframe, "v4 no gso 201 segments", &gso_v4_many_off),
		CASE(test_superframe, "v6 gso 201 segments", &gso_v6_many_on),
		CASE(test_superframe, "v6 no gso 201 segments", &gso_v6_many_off),
		CASE(test_superframe_small_segments, "v4 mtu 150", &small_v4_mtu),
		CASE(test_superframe_small_segments, "v6 mss 100", &small_v6_mss),
		CASE(test_many_superframes_one_flush, "gso", &on),
		CASE(test_many_superframes_one_flush, "no gso", &off),
		CASE(test_gso_refused_falls_back, "v4", NULL),
		CASE(test_superframe_edge_cases, "v4", &V4),
		CASE(test_superframe_edge_cases, "v6", &V6),
		CASE(test_recv, "v4 gro", &rx_v4_on),
		CASE(test_recv, "v4 no gro", &rx_v4_off),
		CASE(test_recv, "v6 gro", &rx_v6_on),
		CASE(test_recv, "v6 no gro", &rx_v6_off),
		CASE(test_recv_gro_split, "v4 gro", &rx_v4_on),
		CASE(test_recv_gro_split, "v4 no gro", &rx_v4_off),
		CASE(test_recv_gro_split, "v6 gro", &rx_v6_on),
		CASE(test_recv_gro_split, "v6 no gro", &rx_v6_off),
		CASE(test_underlay_to_underlay, "v4 gso", &u2u_v4_on),
		CASE(test_underlay_to_underlay, "v4 no gso", &u2u_v4_off),
		CASE(test_underlay_to_underlay, "v6 gso", &u2u_v6_on),
		CASE(test_underlay_to_underlay, "v4 gso 201 segments", &gso_v4_many_on),
		CASE(test_underlay_to_underlay, "v6 gso 201 segments", &gso_v6_many_on),
		CASE(test_underlay_to_underlay, "v4 no gso 201 segments", &gso_v4_many_off),
		CASE(test_largest_datagram, "v4 gro", &rx_v4_on),
		CASE(test_largest_datagram, "v4 no gro", &rx_v4_off),
		CASE(test_largest_datagram, "v6 gro", &rx_v6_on),
		CASE(test_largest_datagram, "v6 no gro", &rx_v6_off),
		CASE(test_group, "v4", &V4),
		CASE(test_group, "v6", &V6),
	};

	return cmocka_run_group_tests_name("underlay", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* offload.c - TCP segmentation and coalescing for TAP offloads (vnet header): pure, no I/O
 *
 * With IFF_VNET_HDR and TSO, the kernel hands the TAP reader TCP super-frames of up to 64 KiB,
 * and takes the same from a writer. The wire carries only frames of the segment MTU, so
 * super-frames are cut here on the way out (as the kernel's GSO would: same headers, sequence
 * numbers advanced, IPv4 ids incremented, checksums completed) and rebuilt on the way in from
 * in-order segments of one flow (as the kernel's GRO would), with a vnet header that lets the
 * TAP's kernel side treat them as one large packet with a partial checksum.
 */

#include <arpa/inet.h>
#include <string.h>

#include "offload.h"

#define ETH_HDR	  14
#define VLAN_TPID 0x8100
#define TCP_FIN	  0x01
#define TCP_SYN	  0x02
#define TCP_RST	  0x04
#define TCP_PSH	  0x08
#define TCP_ACK	  0x10
#define TCP_URG	  0x20
#define TCP_ECE	  0x40
#define TCP_CWR	  0x80

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/**
 * offload_csum_partial() - One's complement sum of @buf, added to @sum
 * @buf:	data, any alignment
 * @len:	its length
 * @sum:	running sum (of 16-bit big-endian words, unfolded)
 *
 * Return: the new running sum; fold it with offload_csum_fold()
 */
uint32_t offload_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* 32-bit big-endian words into a 64-bit accumulator: no carry is lost for 64 KiB. */
	while (len >= 4) {
		acc += rd32(p);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += rd16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

/* Fold to 16 bits (not complemented) */
uint16_t offload_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * offload_csum_complete() - Finish a partial checksum the kernel left to us
 * @vh:		vnet header of the frame
 * @frame:	frame; the checksum field holds the pseudo-header sum
 * @len:	its length
 *
 * Return: 0, or -1 if the header points outside the frame
 */
int offload_csum_complete(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len)
{
	size_t start = vh->csum_start, off = (size_t)vh->csum_start + vh->csum_offset;
	uint16_t c;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || off + 2 > len)
		return -1;
	c = (uint16_t)~offload_csum_fold(offload_csum_partial(frame + start, len - start, 0));
	wr16(frame + off, c);
	return 0;
}

/**
 * struct tcp_layout - where the headers of a TCP frame are
 * @l3:		IP header offset
 * @l4:		TCP header offset
 * @hdr:	headers' total length (payload offset)
 * @v6:		IPv6 (else IPv4)
 */
struct tcp_layout {
	size_t l3, l4, hdr;
	bool v6;
};

/* Ethernet (one optional 802.1Q tag) + IPv4 (options allowed) or IPv6 (no extension headers) +
 * TCP. Return: 0, or -1 for anything else or anything truncated */
static int tcp_parse(const uint8_t *f, size_t len, struct tcp_layout *t)
{
	size_t l3 = ETH_HDR, l4, thl;
	uint16_t type;

	if (len < ETH_HDR)
		return -1;
	type = rd16(f + 12);
	if (type == VLAN_TPID) {
		if (len < ETH_HDR + 4)
			return -1;
		type = rd16(f + 16);
		l3 += 4;
	}
	if (type == 0x0800) {
		size_t ihl;

		if (len < l3 + 20 || (f[l3] >> 4) != 4)
			return -1;
		ihl = (size_t)(f[l3] & 0xf) * 4;
		if (ihl < 20 || f[l3 + 9] != 6)
			return -1;
		l4 = l3 + ihl;
		t->v6 = false;
	} else if (type == 0x86dd) {
		if (len < l3 + 40 || (f[l3] >> 4) != 6 || f[l3 + 6] != 6)
			return -1;
		l4 = l3 + 40;
		t->v6 = true;
	} else {
		return -1;
	}
	if (len < l4 + 20)
		return -1;
	thl = (size_t)(f[l4 + 12] >> 4) * 4;
	if (thl < 20 || len < l4 + thl)
		return -1;
	t->l3 = l3;
	t->l4 = l4;
	t->hdr = l4 + thl;
	return 0;
}

/* Pseudo-header sum for a TCP segment of @l4len bytes */
static uint32_t pseudo_sum(const uint8_t *f, const struct tcp_layout *t, size_t l4len)
{
	uint32_t sum;

	if (t->v6)
		sum = offload_csum_partial(f + t->l3 + 8, 32, 0);
	else
		sum = offload_csum_partial(f + t->l3 + 12, 8, 0);
	sum += 6;
	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return sum;
}

/* Set IP lengths (and the IPv4 header checksum) for @l4len bytes of TCP */
static void fix_ip(uint8_t *f, const struct tcp_layout *t, size_t l4len, uint16_t id)
{
	uint8_t *ip = f + t->l3;

	if (t->v6) {
		wr16(ip + 4, (uint16_t)l4len);
		return;
	}
	wr16(ip + 2, (uint16_t)(t->l4 - t->l3 + l4len));
	wr16(ip + 4, id);
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~offload_csum_fold(offload_csum_partial(ip, t->l4 - t->l3, 0)));
}

static void tcp_csum(uint8_t *f, const struct tcp_layout *t, size_t l4len)
{
	uint8_t *tcp = f + t->l4;

	wr16(tcp + 16, 0);
	wr16(tcp + 16, (uint16_t)~offload_csum_fold(
			       offload_csum_partial(tcp, l4len, pseudo_sum(f, t, l4len))));
}

/**
 * offload_tso_segment() - Cut a frame from the TAP into datagrams for the wire
 * @vh:		its vnet header
 * @frame:	the frame: a TCP super-frame (GSO), a frame with a partial checksum, or neither
 * @len:	its length
 * @encap:	header to put in front of every frame (the encapsulation)
 * @encap_len:	its length
 * @max_frame:	longest frame a datagram may carry
 * @out:	where the datagrams go, back to back
 * @out_size:	its size
 * @res:	how many datagrams, of which stride, how many bytes
 *
 * Return: 0, or -1 for a frame that cannot be segmented (malformed, or no room)
 */
int offload_tso_segment(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
			const uint8_t *encap, size_t encap_len, size_t max_frame, uint8_t *out,
			size_t out_size, struct offload_segs *res)
{
	struct tcp_layout t;
	size_t mss, payload, off, pos = 0;
	uint32_t seq;
	uint16_t id = 0;
	uint8_t flags;
	unsigned int i, n;

	memset(res, 0, sizeof(*res));
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (len > max_frame || encap_len + len > out_size)
			return -1;
		memcpy(out, encap, encap_len);
		memcpy(out + encap_len, frame, len);
		if (offload_csum_complete(vh, out + encap_len, len))
			return -1;
		res->n = 1;
		res->stride = res->total = encap_len + len;
		return 0;
	}
	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV6)
		return -1;
	if (!vh->gso_size || tcp_parse(frame, len, &t))
		return -1;
	if (t.v6 != ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV6))
		return -1;
	if (max_frame <= t.hdr)
		return -1;
	mss = vh->gso_size;
	if (mss > max_frame - t.hdr)
		mss = max_frame - t.hdr;
	payload = len - t.hdr;
	n = payload ? (unsigned int)((payload + mss - 1) / mss) : 1;
	if ((size_t)n * (encap_len + t.hdr + mss) > out_size + mss)
		return -1;
	seq = rd32(frame + t.l4 + 4);
	flags = frame[t.l4 + 13];
	if (!t.v6)
		id = rd16(frame + t.l3 + 4);

	for (i = 0, off = 0; i < n; i++, off += mss) {
		size_t chunk = payload - off < mss ? payload - off : mss;
		uint8_t *d = out + pos, *f = d + encap_len;
		uint8_t fl = flags;

		if (pos + encap_len + t.hdr + chunk > out_size)
			return -1;
		memcpy(d, encap, encap_len);
		memcpy(f, frame, t.hdr);
		memcpy(f + t.hdr, frame + t.hdr + off, chunk);
		if (i)
			fl &= (uint8_t)~TCP_CWR;
		if (i + 1 < n)
			fl &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		f[t.l4 + 13] = fl;
		wr32(f + t.l4 + 4, seq + (uint32_t)off);
		fix_ip(f, &t, t.hdr - t.l4 + chunk, (uint16_t)(id + i));
		tcp_csum(f, &t, t.hdr - t.l4 + chunk);
		pos += encap_len + t.hdr + chunk;
	}
	res->n = n;
	res->stride = encap_len + t.hdr + mss;
	res->total = pos;
	return 0;
}

void offload_gro_init(struct offload_gro *g, uint8_t *buf)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
}

/* A segment that may start or extend a super-frame; fills @t */
static bool coalescable(const uint8_t *f, size_t len, struct tcp_layout *t)
{
	uint8_t fl;

	if (tcp_parse(f, len, t) || len == t->hdr)
		return false;
	if (!t->v6) {
		const uint8_t *ip = f + t->l3;

		/* No options, no fragments, and the length must be the frame's */
		if (t->l4 - t->l3 != 20 || (rd16(ip + 6) & 0x3fff) || rd16(ip + 2) != len - t->l3)
			return false;
	} else if (rd16(f + t->l3 + 4) != len - t->l4) {
		return false;
	}
	fl = f[t->l4 + 13];
	return (fl & ~(TCP_ACK | TCP_PSH)) == 0 && (fl & TCP_ACK);
}

/* Same flow and everything GRO requires to be equal: all headers but lengths, ids, checksums,
 * sequence number and PSH */
static bool same_flow(const struct offload_gro *g, const uint8_t *f, const struct tcp_layout *t)
{
	const uint8_t *a = g->buf, *ip = f + t->l3, *gip = a + g->l3_off;

	if (t->hdr != g->hdr_len || t->l4 != g->l4_off || t->v6 != (g->family == 6))
		return false;
	if (memcmp(a, f, t->l3))
		return false;
	if (!t->v6) {
		/* version/IHL, TOS, TTL, protocol, addresses */
		if (gip[0] != ip[0] || gip[1] != ip[1] || gip[8] != ip[8] ||
		    memcmp(gip + 12, ip + 12, 8))
			return false;
		if ((gip[6] & 0x40) != (ip[6] & 0x40))
			return false;
	} else {
		/* version, traffic class, flow label; hop limit; addresses */
		if (memcmp(gip, ip, 4) || gip[7] != ip[7] || memcmp(gip + 8, ip + 8, 32))
			return false;
	}
	/* ports; ack; data offset; window; urgent; options */
	return !memcmp(a + t->l4, f + t->l4, 4) && !memcmp(a + t->l4 + 8, f + t->l4 + 8, 5) &&
	       !memcmp(a + t->l4 + 14, f + t->l4 + 14, 2) &&
	       !memcmp(a + t->l4 + 18, f + t->l4 + 18, t->hdr - t->l4 - 18);
}

/**
 * offload_gro_add() - Merge a received frame into the super-frame being built
 * @g:		coalescer
 * @frame:	the frame
 * @len:	its length
 *
 * Return: true if merged (or it started the super-frame); false if it does not belong here:
 * then, on an empty coalescer, the frame cannot be merged at all
 */
bool offload_gro_add(struct offload_gro *g, const uint8_t *frame, size_t len)
{
	struct tcp_layout t;
	size_t payload;

	if (!coalescable(frame, len, &t))
		return false;
	payload = len - t.hdr;
	if (!g->len) {
		memcpy(g->buf, frame, len);
		g->len = len;
		g->segs = 1;
		g->l3_off = t.l3;
		g->l4_off = t.l4;
		g->hdr_len = t.hdr;
		g->mss = payload;
		g->family = t.v6 ? 6 : 4;
		g->next_seq = rd32(frame + t.l4 + 4) + (uint32_t)payload;
		return true;
	}
	/* The last segment merged was short, or carried PSH: the run is over. */
	if (g->len - g->hdr_len != (size_t)g->segs * g->mss || (g->buf[g->l4_off + 13] & TCP_PSH))
		return false;
	if (payload > g->mss || rd32(frame + t.l4 + 4) != g->next_seq || !same_flow(g, frame, &t))
		return false;
	/* IP payload of the super-frame stays under 64 KiB */
	if (g->len + payload - g->l4_off > 65535 - (t.v6 ? 0 : g->l4_off - g->l3_off) ||
	    g->len + payload > OFFLOAD_MAX_FRAME)
		return false;
	memcpy(g->buf + g->len, frame + t.hdr, payload);
	g->len += payload;
	g->segs++;
	g->next_seq += (uint32_t)payload;
	g->buf[g->l4_off + 13] = frame[t.l4 + 13];
	return true;
}

/**
 * offload_gro_finish() - Fix the super-frame's headers and make its vnet header
 * @g:		coalescer with at least one frame
 *
 * A single segment goes out complete, with no vnet header flags. Several go out as a GSO
 * frame: lengths fixed, the TCP checksum field holding the pseudo-header sum with
 * NEEDS_CSUM, as the kernel's own CHECKSUM_PARTIAL packets carry it.
 */
void offload_gro_finish(struct offload_gro *g)
{
	struct tcp_layout t = {g->l3_off, g->l4_off, g->hdr_len, g->family == 6};
	size_t l4len = g->len - g->l4_off;

	memset(&g->vh, 0, sizeof(g->vh));
	if (g->segs < 2)
		return;
	fix_ip(g->buf, &t, l4len, t.v6 ? 0 : rd16(g->buf + t.l3 + 4));
	wr16(g->buf + t.l4 + 16, offload_csum_fold(pseudo_sum(g->buf, &t, l4len)));
	g->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->vh.gso_type = t.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	g->vh.gso_size = (uint16_t)g->mss;
	g->vh.hdr_len = (uint16_t)g->hdr_len;
	g->vh.csum_start = (uint16_t)g->l4_off;
	g->vh.csum_offset = 16;
}

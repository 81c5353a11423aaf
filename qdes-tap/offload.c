// SPDX-License-Identifier: GPL-2.0-or-later
/* offload.c - TCP segmentation and coalescing for TAP offloads (vnet header): pure, no I/O
 *
 * Theory of operation
 *
 * With IFF_VNET_HDR and TSO, the kernel hands the TAP reader TCP super-frames of up to 64 KiB,
 * and takes the same from a writer. The wire carries only frames of the segment MTU, so
 * super-frames are cut here on the way out and rebuilt on the way in.
 *
 * Out (offload_tso_segment()) does what the kernel's tcp_gso_segment() does for a device
 * without TSO: the same headers on every segment, the sequence number advanced, IPv4 ids
 * incremented from the original one, FIN and PSH only on the last segment, CWR only on the
 * first, and every checksum complete (nobody on the far side of the wire finishes a partial
 * one). The segments are laid out back to back, each behind the caller's encapsulation
 * header and all of one length but the last, which is exactly what one UDP GSO send wants.
 *
 * In (offload_gro_*()) follows tcp_gro_receive(): only plain data segments (ACK, maybe PSH)
 * of one flow, in order, with every header field equal that GRO requires equal (options byte
 * for byte), each but the last carrying exactly the first one's payload size. Each segment's
 * checksums are verified before it is merged, because the super-frame then goes to the kernel
 * as CHECKSUM_PARTIAL, which its TCP receive path trusts without looking: merging an unverified
 * segment would launder a corrupt one into an accepted one.
 *
 * Every frame here is untrusted (the TAP's from a guest, the wire's from anybody): each offset
 * is checked against the length before it is used, and the vnet header is believed no more
 * than the frame it describes.
 */

#include <string.h>

#include "bytes.h"
#include "ether.h"
#include "offload.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_TCP_   6
#define IPV4_HLEN      20
#define IPV6_HLEN      40
#define TCP_HLEN       20
#define TCP_CSUM_OFF   16
#define IP_DF	       0x4000
#define IP_MF	       0x2000
#define IP_OFFMASK     0x1fff

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

/* Add with end-around carry: a running sum stays a valid one's complement sum in 32 bits */
static uint32_t csum_add(uint32_t sum, uint32_t v)
{
	uint64_t t = (uint64_t)sum + v;

	return (uint32_t)(t + (t >> 32));
}

/**
 * offload_csum_partial() - One's complement sum of @buf, added to @sum
 * @buf:	data, any alignment
 * @len:	its length; an odd length counts as padded with a zero byte, so when sums of
 *		several pieces are chained, every piece but the last must have an even length
 * @sum:	running sum of big-endian 16-bit words, unfolded (0 to start)
 *
 * The sum is taken in the host's byte order, 64 bits per load, and byte-swapped once at the
 * end: a one's complement sum does not care about byte order but for that swap (RFC 1071,
 * 2(B)). Each 64-bit word adds its two 32-bit halves to a 64-bit accumulator, so no carry is
 * lost below 2^32 words; memcpy() loads keep it free of alignment and aliasing trouble, and
 * compilers turn them into plain (or vector) loads.
 *
 * Return: the new running sum; fold it with offload_csum_fold()
 */
uint32_t offload_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t a = 0, b = 0, w[4], t;

	while (len >= sizeof(w)) {
		memcpy(w, p, sizeof(w));
		a += (w[0] & 0xffffffff) + (w[0] >> 32) + (w[1] & 0xffffffff) + (w[1] >> 32);
		b += (w[2] & 0xffffffff) + (w[2] >> 32) + (w[3] & 0xffffffff) + (w[3] >> 32);
		p += sizeof(w);
		len -= sizeof(w);
	}
	while (len >= sizeof(t)) {
		memcpy(&t, p, sizeof(t));
		a += (t & 0xffffffff) + (t >> 32);
		p += sizeof(t);
		len -= sizeof(t);
	}
	if (len) {
		/* The tail, zero-padded: its bytes keep their place in host-order words. */
		t = 0;
		memcpy(&t, p, len);
		a += (t & 0xffffffff) + (t >> 32);
	}
	a += b;
	a = (a & 0xffffffff) + (a >> 32);
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	a = (a >> 8 | a << 8) & 0xffff;
#endif
	return csum_add(sum, (uint32_t)a);
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
 * As skb_checksum_help() does: sum from csum_start to the end (the field's pseudo-header sum
 * included), store the complement at csum_start + csum_offset, and send a result of 0 as
 * 0xffff, which means the same to TCP and keeps a UDP checksum from reading as "none".
 *
 * Return: 0 (also when there is nothing to do), or -1 if the header points outside the frame
 */
int offload_csum_complete(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len)
{
	size_t start = vh->csum_start, field = start + vh->csum_offset;
	uint16_t c;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (field + 2 > len)
		return -1;
	c = (uint16_t)~offload_csum_fold(offload_csum_partial(frame + start, len - start, 0));
	put_be16(frame + field, c ? c : 0xffff);
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

/*
 * Ethernet (one optional 802.1Q tag) + IPv4 (options allowed, not a fragment) or IPv6 (no
 * extension headers) + TCP (options allowed), every header whole within @len and the IP length
 * field saying exactly where the frame ends (no padding, no truncation).
 * Return: 0, or -1 for anything else
 */
static int tcp_parse(const uint8_t *f, size_t len, struct tcp_layout *t)
{
	size_t l3 = ETH_HLEN_, l4, thl;
	uint16_t type;

	if (len < ETH_HLEN_)
		return -1;
	type = get_be16(f + 12);
	if (type == ETHERTYPE_8021Q) {
		if (len < ETH_HLEN_ + VLAN_HLEN_)
			return -1;
		type = get_be16(f + 16);
		l3 += VLAN_HLEN_;
	}
	if (type == ETHERTYPE_IPV4) {
		size_t ihl;

		if (len < l3 + IPV4_HLEN || f[l3] >> 4 != 4)
			return -1;
		ihl = (size_t)(f[l3] & 0xf) * 4;
		if (ihl < IPV4_HLEN || f[l3 + 9] != IPPROTO_TCP_ ||
		    (get_be16(f + l3 + 6) & (IP_MF | IP_OFFMASK)) ||
		    get_be16(f + l3 + 2) != len - l3)
			return -1;
		l4 = l3 + ihl;
		t->v6 = false;
	} else if (type == ETHERTYPE_IPV6) {
		if (len < l3 + IPV6_HLEN || f[l3] >> 4 != 6 || f[l3 + 6] != IPPROTO_TCP_ ||
		    get_be16(f + l3 + 4) != len - l3 - IPV6_HLEN)
			return -1;
		l4 = l3 + IPV6_HLEN;
		t->v6 = true;
	} else {
		return -1;
	}
	if (len < l4 + TCP_HLEN)
		return -1;
	thl = (size_t)(f[l4 + 12] >> 4) * 4;
	if (thl < TCP_HLEN || len < l4 + thl)
		return -1;
	t->l3 = l3;
	t->l4 = l4;
	t->hdr = l4 + thl;
	return 0;
}

/* Pseudo-header sum (addresses, protocol, length) for @l4len bytes of TCP */
static uint32_t pseudo_sum(const uint8_t *f, const struct tcp_layout *t, size_t l4len)
{
	uint32_t sum;

	if (t->v6)
		sum = offload_csum_partial(f + t->l3 + 8, 32, 0);
	else
		sum = offload_csum_partial(f + t->l3 + 12, 8, 0);
	sum = csum_add(sum, IPPROTO_TCP_);
	return csum_add(sum, (uint32_t)l4len);
}

/* Set the IP length for @l4len bytes of TCP; IPv4: also the id and the header checksum */
static void fix_ip(uint8_t *f, const struct tcp_layout *t, size_t l4len, uint16_t id)
{
	uint8_t *ip = f + t->l3;
	size_t ihl = t->l4 - t->l3;

	if (t->v6) {
		put_be16(ip + 4, (uint16_t)l4len);
		return;
	}
	put_be16(ip + 2, (uint16_t)(ihl + l4len));
	put_be16(ip + 4, id);
	put_be16(ip + 10, 0);
	put_be16(ip + 10, (uint16_t)~offload_csum_fold(offload_csum_partial(ip, ihl, 0)));
}

/* One frame that is not a super-frame: copied behind the encapsulation, checksum completed */
static int copy_one(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
		    const uint8_t *encap, size_t encap_len, size_t tail, size_t max_frame,
		    uint8_t *out, size_t out_size, struct offload_segs *res)
{
	if (len < ETH_HLEN_ || len > max_frame || len > out_size - encap_len - tail)
		return -1;
	memcpy(out, encap, encap_len);
	memcpy(out + encap_len, frame, len);
	if (offload_csum_complete(vh, out + encap_len, len))
		return -1;
	res->n = 1;
	res->stride = res->total = encap_len + len + tail;
	return 0;
}

/**
 * offload_tso_segment() - Cut a frame from the TAP into datagrams for the wire
 * @vh:		its vnet header
 * @frame:	the frame: a TCP super-frame (GSO), a frame with a partial checksum, or neither
 * @len:	its length
 * @encap:	header to put in front of every frame (the encapsulation)
 * @encap_len:	its length
 * @tail:	bytes to leave free after every frame (a sealed datagram's tag)
 * @max_frame:	longest frame a datagram may carry
 * @out:	where the datagrams go, back to back (must not overlap @frame)
 * @out_size:	its size
 * @res:	how many datagrams, of which stride, how many bytes
 *
 * A super-frame becomes segments of at most min(gso_size, @max_frame - headers) bytes of
 * payload each. A frame with no GSO goes out as one datagram (its partial checksum, if any,
 * completed), so the caller has one path for everything. vnet header fields are in host byte
 * order, as a TAP without TUNSETVNETLE/TUNSETVNETBE gives and takes them (legacy virtio).
 *
 * hdr_len is only checked to lie within the frame: on a TAP read it is skb_headlen(), a hint
 * of how much was linear, not the length of the headers. The ECN flag needs nothing more
 * than the CWR rule every segmentation follows here (CWR on the first segment only).
 *
 * Return: 0, or -1 for a frame that cannot be segmented (malformed, too long for @max_frame
 * without GSO, or no room in @out); @res is then all zero
 */
int offload_tso_segment(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
			const uint8_t *encap, size_t encap_len, size_t tail, size_t max_frame,
			uint8_t *out, size_t out_size, struct offload_segs *res)
{
	unsigned int type = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	size_t mss, payload, per_seg, n, i, pos = 0;
	struct tcp_layout t;
	uint16_t id = 0;
	uint32_t seq;
	uint8_t flags;

	memset(res, 0, sizeof(*res));
	if (encap_len + tail > out_size)
		return -1;
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return copy_one(vh, frame, len, encap, encap_len, tail, max_frame, out, out_size,
				res);

	if ((type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    !vh->gso_size || vh->hdr_len > len || tcp_parse(frame, len, &t) ||
	    t.v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6))
		return -1;
	/* The kernel only makes TCP super-frames with the checksum at the TCP header's field */
	if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (vh->csum_start != t.l4 || vh->csum_offset != TCP_CSUM_OFF))
		return -1;
	if (max_frame <= t.hdr)
		return -1;
	mss = max_frame - t.hdr < vh->gso_size ? max_frame - t.hdr : vh->gso_size;
	payload = len - t.hdr;
	n = payload ? (payload + mss - 1) / mss : 1;
	per_seg = encap_len + t.hdr + tail;
	if (payload > out_size || per_seg > (out_size - payload) / n)
		return -1;

	seq = get_be32(frame + t.l4 + 4);
	flags = frame[t.l4 + 13];
	if (!t.v6)
		id = get_be16(frame + t.l3 + 4);

	for (i = 0; i < n; i++) {
		size_t off = i * mss, chunk = payload - off < mss ? payload - off : mss;
		size_t l4len = t.hdr - t.l4 + chunk;
		uint8_t *f = out + pos + encap_len, *tcp = f + t.l4;
		uint8_t fl = flags;
		uint32_t sum;

		memcpy(out + pos, encap, encap_len);
		memcpy(f, frame, t.hdr);
		memcpy(f + t.hdr, frame + t.hdr + off, chunk);

		if (i)
			fl &= (uint8_t)~TCP_CWR;
		if (i + 1 < n)
			fl &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		tcp[13] = fl;
		put_be32(tcp + 4, seq + (uint32_t)off);
		fix_ip(f, &t, l4len, (uint16_t)(id + i));

		put_be16(tcp + TCP_CSUM_OFF, 0);
		sum = offload_csum_partial(tcp, l4len, pseudo_sum(f, &t, l4len));
		put_be16(tcp + TCP_CSUM_OFF, (uint16_t)~offload_csum_fold(sum));

		pos += per_seg + chunk;
	}
	res->n = (unsigned int)n;
	res->stride = n > 1 ? per_seg + mss : pos;
	res->total = pos;
	return 0;
}

void offload_gro_init(struct offload_gro *g, uint8_t *buf)
{
	memset(g, 0, sizeof(*g));
	g->buf = buf;
}

/*
 * A segment that may start or extend a super-frame: IPv4 without options, a valid header
 * checksum; only ACK, maybe PSH; some payload. Fills @t
 */
static bool gro_candidate(const uint8_t *f, size_t len, struct tcp_layout *t)
{
	if (tcp_parse(f, len, t) || len == t->hdr)
		return false;
	if (!t->v6 && (t->l4 - t->l3 != IPV4_HLEN ||
		       offload_csum_fold(offload_csum_partial(f + t->l3, IPV4_HLEN, 0)) != 0xffff))
		return false;
	return (f[t->l4 + 13] & ~TCP_PSH) == TCP_ACK;
}

/*
 * Same flow, and every field equal that GRO requires equal: all header bytes but lengths,
 * IPv4 id and checksum, TCP sequence number, flags (checked already) and checksum. Without DF,
 * IPv4 ids must also count up by one, as the kernel's segmentation of our result would make
 * them.
 */
static bool gro_same_flow(const struct offload_gro *g, const uint8_t *f, const struct tcp_layout *t)
{
	const uint8_t *a = g->buf, *ip = f + t->l3, *gip = a + g->l3_off;
	const uint8_t *th = f + t->l4, *gth = a + g->l4_off;

	if (t->l3 != g->l3_off || t->l4 != g->l4_off || t->hdr != g->hdr_len ||
	    t->v6 != (g->family == 6))
		return false;
	/* MACs, VLAN tag, ethertype */
	if (memcmp(a, f, t->l3))
		return false;
	if (!t->v6) {
		/* version/IHL, TOS; flags/fragment word; TTL, protocol; addresses */
		if (memcmp(gip, ip, 2) || memcmp(gip + 6, ip + 6, 4) ||
		    memcmp(gip + 12, ip + 12, 8))
			return false;
		if (!(get_be16(ip + 6) & IP_DF) &&
		    get_be16(ip + 4) != (uint16_t)(get_be16(gip + 4) + g->segs))
			return false;
	} else {
		/* version, traffic class, flow label; next header, hop limit; addresses */
		if (memcmp(gip, ip, 4) || memcmp(gip + 6, ip + 6, 34))
			return false;
	}
	/* ports; ack, data offset; window; urgent pointer and options */
	return !memcmp(gth, th, 4) && !memcmp(gth + 8, th + 8, 5) &&
	       !memcmp(gth + 14, th + 14, 2) && !memcmp(gth + 18, th + 18, t->hdr - t->l4 - 18);
}

/**
 * offload_gro_add() - Merge a received frame into the super-frame being built
 * @g:		coalescer
 * @frame:	the frame
 * @len:	its length
 *
 * Return: true if merged (or it started the super-frame); false if it does not belong here:
 * then, on an empty coalescer, the frame cannot be merged at all (write it as it is: if its
 * checksum was what failed, the kernel drops and counts it as it should)
 */
bool offload_gro_add(struct offload_gro *g, const uint8_t *frame, size_t len)
{
	struct tcp_layout t;
	size_t payload, l4len, limit;
	uint8_t *dst;
	uint32_t sum;

	if (!gro_candidate(frame, len, &t))
		return false;
	payload = len - t.hdr;
	l4len = len - t.l4;

	if (!g->len) {
		if (len > OFFLOAD_MAX_FRAME)
			return false;
		memcpy(g->buf, frame, len);
		/* Verified on the copy, which is in the cache now */
		sum = offload_csum_partial(g->buf + t.l4, l4len, pseudo_sum(g->buf, &t, l4len));
		if (offload_csum_fold(sum) != 0xffff)
			return false;
		g->len = len;
		g->segs = 1;
		g->l3_off = t.l3;
		g->l4_off = t.l4;
		g->hdr_len = t.hdr;
		g->mss = payload;
		g->family = t.v6 ? 6 : 4;
		g->next_seq = get_be32(frame + t.l4 + 4) + (uint32_t)payload;
		g->closed = frame[t.l4 + 13] & TCP_PSH;
		return true;
	}

	/* A short segment or PSH ended the run; a longer one than the first is not this run's */
	if (g->closed || payload > g->mss || get_be32(frame + t.l4 + 4) != g->next_seq ||
	    !gro_same_flow(g, frame, &t))
		return false;
	/* The IP length field must hold the result: 64 KiB of IP payload (with the IPv4 header) */
	limit = t.v6 ? g->l4_off : g->l3_off;
	if (g->len + payload - limit > 65535 || g->len + payload > OFFLOAD_MAX_FRAME)
		return false;

	dst = g->buf + g->len;
	memcpy(dst, frame + t.hdr, payload);
	/* TCP header lengths are multiples of 4, so the two sums chain */
	sum = offload_csum_partial(frame + t.l4, t.hdr - t.l4, pseudo_sum(frame, &t, l4len));
	sum = offload_csum_partial(dst, payload, sum);
	if (offload_csum_fold(sum) != 0xffff)
		return false;

	g->len += payload;
	g->segs++;
	g->next_seq += (uint32_t)payload;
	g->buf[g->l4_off + 13] = frame[t.l4 + 13];
	g->closed = payload < g->mss || (frame[t.l4 + 13] & TCP_PSH);
	return true;
}

/**
 * offload_gro_finish() - Fix the super-frame's headers and make its vnet header
 * @g:		coalescer
 *
 * A single segment goes out as it came, its checksum complete and verified, with an all-zero
 * vnet header. Several go out as a GSO frame: IP lengths (and the IPv4 header checksum)
 * fixed, the first segment's IPv4 id, the last one's flags, and the TCP checksum field holding
 * the folded, uncomplemented pseudo-header sum over the whole TCP length, with NEEDS_CSUM: what
 * tcp4_gro_complete() and __tcp_v4_send_check() leave in a CHECKSUM_PARTIAL skb, so that
 * skb_checksum_help() or the segmentation of a forwarded super-frame computes the right sum.
 */
void offload_gro_finish(struct offload_gro *g)
{
	struct tcp_layout t = {g->l3_off, g->l4_off, g->hdr_len, g->family == 6};
	size_t l4len = g->len - g->l4_off;

	memset(&g->vh, 0, sizeof(g->vh));
	if (g->segs < 2)
		return;
	fix_ip(g->buf, &t, l4len, t.v6 ? 0 : get_be16(g->buf + t.l3 + 4));
	put_be16(g->buf + t.l4 + TCP_CSUM_OFF, offload_csum_fold(pseudo_sum(g->buf, &t, l4len)));
	g->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->vh.gso_type = t.v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	g->vh.gso_size = (uint16_t)g->mss;
	g->vh.hdr_len = (uint16_t)g->hdr_len;
	g->vh.csum_start = (uint16_t)g->l4_off;
	g->vh.csum_offset = TCP_CSUM_OFF;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* underlay.c - UDP sockets of the underlay: unicast + multicast, IPv4/IPv6, batched I/O
 *
 * Two sockets per member. The unicast socket is bound to the local port and does all the
 * sending, multicast included, so every datagram of ours carries the same source address and
 * port: that pair is what other members learn our MACs at, and several members can share a host
 * and a group. The multicast socket is bound to the group itself and only receives floods.
 *
 * VXLAN (encap vxlan) differs in one point: its endpoints send unicast to the well-known port
 * (the group's, 4789) from a flow-hash source port, so our unicast socket is bound to the
 * group's port: the switch learns a sender at (its address, that port). Both sockets then share
 * the port (SO_REUSEADDR on both); the unicast one, bound to the wildcard (or local=) address,
 * sets IP(V6)_MULTICAST_ALL off and joins nothing, so floods still reach only the multicast
 * socket, bound to the group address, once. Our own echoes still come from (our address, our
 * port), now the group's port, and are dropped as before. One VXLAN endpoint per address and
 * port, as with the kernel's device.
 */

#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */
#include <linux/errqueue.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "offload.h"
#include "underlay.h"
#include "util.h"

/* Room for bursts while the loop is busy with the other direction */
#define UNDERLAY_SOCKBUF (4 << 20)

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

static void set_bufs(int fd)
{
	/* FORCE variants pass rmem_max as root; otherwise take what the limits allow. */
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, UNDERLAY_SOCKBUF))
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, UNDERLAY_SOCKBUF);
	if (set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, UNDERLAY_SOCKBUF))
		(void)set_int(fd, SOL_SOCKET, SO_SNDBUF, UNDERLAY_SOCKBUF);
}

/* Outgoing multicast interface, TTL/hops and loopback, for sending from @fd */
static int set_mcast_out(int fd, const struct underlay_opts *o, const char **what)
{
	int family = o->family;
	int mttl = o->ttl ? o->ttl : 1;

	if (family == AF_INET) {
		struct ip_mreqn mr = {.imr_ifindex = o->ifindex};

		if (o->local)
			mr.imr_address = o->local->in4.sin_addr;
		*what = "IP_MULTICAST_IF";
		if ((o->ifindex || o->local) &&
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))
			return -1;
		*what = "IP_MULTICAST_TTL";
		if (set_int(fd, IPPROTO_IP, IP_MULTICAST_TTL, mttl))
			return -1;
		*what = "IP_TTL";
		if (o->ttl && set_int(fd, IPPROTO_IP, IP_TTL, o->ttl))
			return -1;
		/* Other members on this host hear us through the loopback; our own echo is
		 * recognised by its source address and port and dropped. */
		*what = "IP_MULTICAST_LOOP";
		return set_int(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 1);
	}
	*what = "IPV6_MULTICAST_IF";
	if (o->ifindex && set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, o->ifindex))
		return -1;
	*what = "IPV6_MULTICAST_HOPS";
	if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, mttl))
		return -1;
	*what = "IPV6_UNICAST_HOPS";
	if (o->ttl && set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, o->ttl))
		return -1;
	*what = "IPV6_MULTICAST_LOOP";
	return set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
}

static int open_ucast(struct underlay *ul, const struct underlay_opts *o, char *err, size_t errlen)
{
	int family = o->family;
	union qdes_sockaddr a;
	const char *what = "socket";
	socklen_t alen;
	char s[ADDR_STRLEN];
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (family == AF_INET6) {
		what = "IPV6_V6ONLY";
		if (set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1))
			goto fail;
	}
	/* Workers share one port, so peers see one member; the kernel spreads what arrives */
	what = "SO_REUSEPORT";
	if (o->reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1))
		goto fail;
	/* VXLAN: the group's port, shared with the multicast socket, which alone gets floods */
	if (o->group && o->port && o->port == addr_port(o->group)) {
		what = "SO_REUSEADDR";
		if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1))
			goto fail;
		what = family == AF_INET ? "IP_MULTICAST_ALL" : "IPV6_MULTICAST_ALL";
		if (family == AF_INET && set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0))
			goto fail;
#ifdef IPV6_MULTICAST_ALL
		if (family == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0))
			goto fail;
#endif
	}
	memset(&a, 0, sizeof(a));
	if (o->local)
		a = *o->local;
	else
		a.sa.sa_family = (sa_family_t)family;
	if (family == AF_INET6 && !o->local && o->group && o->group->in6.sin6_scope_id)
		a.in6.sin6_scope_id = o->group->in6.sin6_scope_id;
	addr_set_port(&a, o->port);
	if (bind(fd, &a.sa, addr_len(&a))) {
		snprintf(err, errlen, "cannot bind unicast socket to %s: %s",
			 addr_str(&a, s, sizeof(s)), strerror(errno));
		close(fd);
		return -1;
	}
	/* After bind: a local address that is not ours is named by the bind error, not here */
	if (set_mcast_out(fd, o, &what))
		goto fail;
	/* An unconnected socket hears of ICMP errors only on its error queue: a peer's port
	 * unreachable (it restarted elsewhere) then drops what we learnt at it */
	what = family == AF_INET ? "IP_RECVERR" : "IPV6_RECVERR";
	if (family == AF_INET ? set_int(fd, IPPROTO_IP, IP_RECVERR, 1)
			      : set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1))
		goto fail;
	set_bufs(fd);
	alen = sizeof(ul->bound);
	what = "getsockname";
	if (getsockname(fd, &ul->bound.sa, &alen))
		goto fail;
	ul->ucast_fd = fd;
	return 0;
fail:
	snprintf(err, errlen, "unicast socket: %s: %s", what, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_mcast(struct underlay *ul, const struct underlay_opts *o, char *err, size_t errlen)
{
	int family = o->group->sa.sa_family;
	const char *what = "socket";
	char s[ADDR_STRLEN];
	int fd;

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Every member on this host binds the same group and port, and each gets a copy. */
	what = "SO_REUSEADDR";
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1))
		goto fail;
	if (family == AF_INET6) {
		what = "IPV6_V6ONLY";
		if (set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1))
			goto fail;
	}
	set_bufs(fd);
	if (bind(fd, &o->group->sa, addr_len(o->group))) {
		snprintf(err, errlen, "cannot bind to group %s: %s",
			 addr_str(o->group, s, sizeof(s)), strerror(errno));
		close(fd);
		return -1;
	}
	if (family == AF_INET) {
		struct ip_mreqn mr = {.imr_multiaddr = o->group->in4.sin_addr,
				      .imr_ifindex = o->ifindex};

		if (o->local)
			mr.imr_address = o->local->in4.sin_addr;
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)))
			goto join_fail;
		/* Without this, a socket bound to the port gets every group joined on it. */
		what = "IP_MULTICAST_ALL";
		if (set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0))
			goto fail;
	} else {
		struct ipv6_mreq mr = {.ipv6mr_multiaddr = o->group->in6.sin6_addr,
				       .ipv6mr_interface = (unsigned int)o->ifindex};

		if (!mr.ipv6mr_interface)
			mr.ipv6mr_interface = o->group->in6.sin6_scope_id;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)))
			goto join_fail;
#ifdef IPV6_MULTICAST_ALL
		what = "IPV6_MULTICAST_ALL";
		if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0))
			goto fail;
#endif
	}
	ul->mcast_fd = fd;
	return 0;
join_fail:
	snprintf(err, errlen, "cannot join group %s: %s%s", addr_str(o->group, s, sizeof(s)),
		 strerror(errno),
		 errno == ENODEV ? " (no route for it: add one, or set dev= / --dev)" : "");
	close(fd);
	return -1;
fail:
	snprintf(err, errlen, "multicast socket: %s: %s", what, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * The source address our floods carry, as the kernel picks it: connect() a scratch socket with
 * the same multicast settings to the group and ask. Multicast loopback echoes arrive from it.
 */
static int find_self(struct underlay *ul, const struct underlay_opts *o, char *err, size_t errlen)
{
	const char *what = "socket";
	socklen_t alen = sizeof(ul->self);
	int fd = socket(o->group->sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (set_mcast_out(fd, o, &what))
		goto fail;
	what = "bind";
	if (o->local && bind(fd, &o->local->sa, addr_len(o->local)))
		goto fail;
	what = "connect";
	if (connect(fd, &o->group->sa, addr_len(o->group)))
		goto fail;
	what = "getsockname";
	if (getsockname(fd, &ul->self.sa, &alen))
		goto fail;
	addr_set_port(&ul->self, addr_port(&ul->bound));
	close(fd);
	return 0;
fail:
	snprintf(err, errlen, "cannot find our source address towards the group: %s: %s%s", what,
		 strerror(errno),
		 errno == ENETUNREACH ? " (no route for it: add one, or set dev= / --dev)" : "");
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * A peer that is this member itself (one peer list for every member of a segment): its port is
 * ours and the kernel sends to its address from that same address, so the address is local.
 */
static bool is_us(const struct underlay *ul, const union qdes_sockaddr *peer)
{
	union qdes_sockaddr src;
	socklen_t alen = sizeof(src);
	bool us = false;
	int fd;

	if (addr_port(peer) != addr_port(&ul->bound))
		return false;
	if (!addr_is_any(&ul->bound)) {
		src = ul->bound;
		return addr_equal(&src, peer);
	}
	fd = socket(peer->sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (!connect(fd, &peer->sa, addr_len(peer)) && !getsockname(fd, &src.sa, &alen)) {
		addr_set_port(&src, addr_port(peer));
		us = addr_equal(&src, peer);
	}
	close(fd);
	return us;
}

/**
 * underlay_open() - Open, bind and join the underlay sockets
 * @ul:		filled in
 * @o:		options
 * @cnt:	counters
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int underlay_open(struct underlay *ul, const struct underlay_opts *opts, struct qdes_counters *cnt,
		  char *err, size_t errlen)
{
	struct underlay_opts oo = *opts, *o = &oo;
	unsigned int i;

	memset(ul, 0, sizeof(*ul));
	ul->ucast_fd = ul->mcast_fd = -1;
	if (o->group) {
		ul->group = *o->group;
		ul->has_group = true;
		/* A link-local group ([ff02::1%eth0]) is one per link: bind, join and send on the
		 * link given by its scope or by dev= */
		if (ul->group.sa.sa_family == AF_INET6 && !ul->group.in6.sin6_scope_id &&
		    o->ifindex &&
		    (IN6_IS_ADDR_MC_LINKLOCAL(&ul->group.in6.sin6_addr) ||
		     IN6_IS_ADDR_MC_NODELOCAL(&ul->group.in6.sin6_addr)))
			ul->group.in6.sin6_scope_id = (uint32_t)o->ifindex;
		if (ul->group.sa.sa_family == AF_INET6 && ul->group.in6.sin6_scope_id &&
		    !o->ifindex)
			o->ifindex = (int)ul->group.in6.sin6_scope_id;
		o->group = &ul->group;
	}
	ul->cnt = cnt;
	ul->encap_len = o->encap_len;
	ul->tail_len = o->tail_len;
	ul->max_frame = o->max_frame;
	ul->gso = o->offload;
	ul->seal = o->seal;
	if (ul->seal) {
		/* Any frame the TAP gives without GSO: the MTU, and an 802.1Q tag */
		ul->seal_slot = (o->encap_len + o->max_frame + 4 + o->tail_len + 63) & ~(size_t)63;
		ul->seal_area = malloc(UNDERLAY_BATCH * ul->seal_slot);
		if (!ul->seal_area) {
			snprintf(err, errlen, "cannot allocate sealing buffers");
			underlay_close(ul);
			return -1;
		}
	}
	ul->rx_buf = malloc((size_t)UNDERLAY_BATCH * UNDERLAY_RX_BUF);
	ul->gso_area = malloc((size_t)UNDERLAY_GSO_SLOTS * UNDERLAY_GSO_SLOT);
	if (!ul->rx_buf || !ul->gso_area) {
		snprintf(err, errlen, "cannot allocate receive buffers");
		underlay_close(ul);
		return -1;
	}
	for (i = 0; i < UNDERLAY_BATCH; i++) {
		ul->rx_iov[i].iov_base = ul->rx_buf + (size_t)i * UNDERLAY_RX_BUF;
		ul->rx_iov[i].iov_len = UNDERLAY_RX_BUF;
	}
	if (open_ucast(ul, o, err, errlen) ||
	    (!o->self && o->group &&
	     (open_mcast(ul, o, err, errlen) || find_self(ul, o, err, errlen)))) {
		underlay_close(ul);
		return -1;
	}
	if (o->self)
		ul->self = *o->self;
	else if (!o->group)
		ul->self = ul->bound; /* no multicast loopback: nothing of ours comes back */
	for (i = 0; i < o->n_peers && ul->n_peers < UNDERLAY_MAX_PEERS; i++)
		if (!is_us(ul, &o->peers[i]))
			ul->peers[ul->n_peers++] = o->peers[i];
	if (o->offload) {
		/* Both sockets, or neither: a receive must say whether it holds several datagrams
		 */
		ul->gro = !set_int(ul->ucast_fd, IPPROTO_UDP, UDP_GRO, 1) &&
			  (ul->mcast_fd < 0 || !set_int(ul->mcast_fd, IPPROTO_UDP, UDP_GRO, 1));
		if (!ul->gro) {
			(void)set_int(ul->ucast_fd, IPPROTO_UDP, UDP_GRO, 0);
			info("UDP GRO not available: receiving datagram by datagram");
		}
	}
	return 0;
}

void underlay_close(struct underlay *ul)
{
	if (ul->ucast_fd >= 0)
		close(ul->ucast_fd);
	if (ul->mcast_fd >= 0)
		close(ul->mcast_fd);
	ul->ucast_fd = ul->mcast_fd = -1;
	free(ul->rx_buf);
	free(ul->gso_area);
	free(ul->seal_area);
	ul->rx_buf = NULL;
	ul->gso_area = NULL;
	ul->seal_area = NULL;
}

static void queue_msg(struct underlay *ul, const union qdes_sockaddr *dst, const uint8_t *buf,
		      size_t len, unsigned int segs, size_t stride)
{
	struct msghdr *h;
	unsigned int i;

	if (ul->tx_n == UNDERLAY_BATCH)
		underlay_flush(ul);
	i = ul->tx_n++;
	h = &ul->tx_msg[i].msg_hdr;
	ul->tx_addr[i] = *dst;
	ul->tx_iov[i].iov_base = (void *)buf;
	ul->tx_iov[i].iov_len = len;
	ul->tx_segs[i] = (uint16_t)segs;
	ul->tx_stride[i] = (uint16_t)stride;
	memset(h, 0, sizeof(*h));
	h->msg_name = &ul->tx_addr[i];
	h->msg_namelen = addr_len(dst);
	h->msg_iov = &ul->tx_iov[i];
	h->msg_iovlen = 1;
	if (segs > 1) {
		struct cmsghdr *cm = (struct cmsghdr *)ul->tx_ctrl[i].buf;
		uint16_t gso_size = (uint16_t)stride;

		h->msg_control = ul->tx_ctrl[i].buf;
		h->msg_controllen = CMSG_SPACE(sizeof(uint16_t));
		cm->cmsg_level = IPPROTO_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(cm), &gso_size, sizeof(gso_size));
	}
}

/*
 * Cut a super-frame into the free GSO slots from @slot on.
 * Return: how many slots it takes, or 0 if it is malformed or does not fit
 */
static unsigned int segment_into(struct underlay *ul, unsigned int slot, const uint8_t *dgram,
				 size_t len, const struct virtio_net_hdr *vh,
				 struct offload_segs *res)
{
	uint8_t *out = ul->gso_area + (size_t)slot * UNDERLAY_GSO_SLOT;
	size_t room = (size_t)(UNDERLAY_GSO_SLOTS - slot) * UNDERLAY_GSO_SLOT;

	if (offload_tso_segment(vh, dgram + ul->encap_len, len - ul->encap_len, dgram,
				ul->encap_len, ul->tail_len, ul->max_frame, out, room, res) ||
	    !res->n)
		return 0;
	return (unsigned int)((res->total + UNDERLAY_GSO_SLOT - 1) / UNDERLAY_GSO_SLOT);
}

/*
 * Seal each datagram of a segmented super-frame where it lies: the segmenter left room for
 * the tag after each. Return: 0, or -1 (counted) if libcrypto failed
 */
static int seal_segments(struct underlay *ul, uint8_t *out, const struct offload_segs *res)
{
	size_t off;

	for (off = 0; off < res->total; off += res->stride) {
		size_t n = res->total - off < res->stride ? res->total - off : res->stride;

		if (!seal_tx_seal(ul->seal, out + off, out + off, n - ul->tail_len)) {
			CNT_INC(ul->cnt, seal_errors);
			return -1;
		}
	}
	return 0;
}

/*
 * A datagram without GSO, sealed into a slot of our own (not in place: a flood's frame is also
 * read by the local ports, maybe later). The batch is flushed first if @n_dst messages would
 * not fit in it, so no slot is reused while a message still points at it.
 * Return: the sealed datagram, or NULL (counted)
 */
static const uint8_t *seal_one(struct underlay *ul, const uint8_t *dgram, size_t *len,
			       unsigned int n_dst)
{
	uint8_t *out;
	size_t n;

	if (*len + ul->tail_len > ul->seal_slot) {
		CNT_INC(ul->cnt, drop_oversize);
		return NULL;
	}
	if (ul->seal_used == UNDERLAY_BATCH || ul->tx_n + n_dst > UNDERLAY_BATCH)
		underlay_flush(ul);
	out = ul->seal_area + (size_t)ul->seal_used * ul->seal_slot;
	n = seal_tx_seal(ul->seal, out, dgram, *len);
	if (!n) {
		CNT_INC(ul->cnt, seal_errors);
		return NULL;
	}
	ul->seal_used++;
	*len = n;
	return out;
}

/*
 * A TCP super-frame from the TAP: cut into datagrams of the segment MTU, back to back in a
 * buffer of our own, then handed to the kernel as few UDP GSO sends as the 64 KiB limit of one
 * send allows. Without UDP GSO, each datagram is its own message of the batch.
 *
 * One slot holds 64 KiB cut into frames of 1280 bytes or more. Smaller segments (an MTU as low
 * as 68, or the small MSS of a far end) repeat the headers more often: such a super-frame takes
 * as many slots as it needs, all of them after a flush if fewer are free.
 */
static void queue_gso(struct underlay *ul, const union qdes_sockaddr *const *dst,
		      unsigned int n_dst, const uint8_t *dgram, size_t len,
		      const struct virtio_net_hdr *vh)
{
	/* One send carries at most an IP datagram's worth of UDP payload */
	const size_t max_send = 65535 - 20 - 8;
	struct offload_segs res;
	size_t off, per_send;
	unsigned long flushes;
	unsigned int slot, used, d;
	uint8_t *out;

	if (len < ul->encap_len) {
		CNT_INC(ul->cnt, drop_offload);
		return;
	}
	if (ul->gso_used == UNDERLAY_GSO_SLOTS)
		underlay_flush(ul);
	slot = ul->gso_used;
	used = segment_into(ul, slot, dgram, len, vh, &res);
	if (!used && slot) {
		/* Send what the other slots hold and try again (a malformed frame fails again) */
		underlay_flush(ul);
		slot = 0;
		used = segment_into(ul, slot, dgram, len, vh, &res);
	}
	if (!used) {
		CNT_INC(ul->cnt, drop_offload);
		return;
	}
	out = ul->gso_area + (size_t)slot * UNDERLAY_GSO_SLOT;
	ul->gso_used = slot + used;
	if (ul->seal && seal_segments(ul, out, &res))
		return;
	per_send = ul->gso ? max_send / res.stride : 1;
	/* The kernel takes at most UDP_MAX_SEGMENTS per send: 64 before Linux 6.2, 128 since */
	if (per_send > 64)
		per_send = 64;
	if (!per_send)
		per_send = 1;
	/* Segmented once, the same datagrams go to every destination (head-end replication) */
	flushes = ul->flushes;
	for (d = 0; d < n_dst; d++) {
		for (off = 0; off < res.total; off += per_send * res.stride) {
			size_t chunk = res.total - off;
			unsigned int segs;

			if (chunk > per_send * res.stride)
				chunk = per_send * res.stride;
			segs = (unsigned int)((chunk + res.stride - 1) / res.stride);
			queue_msg(ul, dst[d], out + off, chunk, segs, res.stride);
		}
	}
	/* A full batch was sent meanwhile: the slots still hold what is queued after it */
	if (ul->flushes != flushes && ul->gso_used < slot + used)
		ul->gso_used = slot + used;
}

/**
 * underlay_queue() - Queue one datagram for the next sendmmsg()
 * @ul:		underlay
 * @dst:	destination
 * @dgram:	payload: must stay valid until underlay_flush()
 * @len:	its length
 * @vh:		NULL, or the vnet header of the TCP super-frame @dgram holds after its
 *		encapsulation header: then it leaves as datagrams of the segment MTU
 */
void underlay_queue(struct underlay *ul, const union qdes_sockaddr *dst, const uint8_t *dgram,
		    size_t len, const struct virtio_net_hdr *vh)
{
	if (vh) {
		queue_gso(ul, &dst, 1, dgram, len, vh);
		return;
	}
	if (ul->seal && !(dgram = seal_one(ul, dgram, &len, 1)))
		return;
	queue_msg(ul, dst, dgram, len, 1, len);
}

/**
 * underlay_queue_flood() - Queue one datagram for every member: the group and each peer
 * @ul:		underlay
 * @dgram:	payload: must stay valid until underlay_flush()
 * @len:	its length
 * @vh:		as for underlay_queue(): a super-frame is segmented once for all destinations
 */
void underlay_queue_flood(struct underlay *ul, const uint8_t *dgram, size_t len,
			  const struct virtio_net_hdr *vh)
{
	const union qdes_sockaddr *dst[1 + UNDERLAY_MAX_PEERS];
	unsigned int n = 0, i;

	if (ul->has_group)
		dst[n++] = &ul->group;
	for (i = 0; i < ul->n_peers && n < ARRAY_SIZE(dst); i++)
		dst[n++] = &ul->peers[i];
	if (vh) {
		if (n)
			queue_gso(ul, dst, n, dgram, len, vh);
		return;
	}
	if (n && ul->seal && !(dgram = seal_one(ul, dgram, &len, n)))
		return;
	for (i = 0; i < n; i++)
		queue_msg(ul, dst[i], dgram, len, 1, len);
}

/*
 * sendto() that tries once more after an error. With IP_RECVERR, an ICMP error for an earlier
 * datagram stays pending on the socket and the kernel reports it on the next send, which it
 * then does not make; the error is on the error queue too, for underlay_recv_errors(). The
 * second try goes out, or fails for a reason of its own.
 */
static ssize_t send_one(int fd, const void *buf, size_t len, const union qdes_sockaddr *dst)
{
	ssize_t n = sendto(fd, buf, len, 0, &dst->sa, addr_len(dst));

	return n < 0 ? sendto(fd, buf, len, 0, &dst->sa, addr_len(dst)) : n;
}

static void count_tx_error(struct underlay *ul, unsigned int i, int e)
{
	char s[ADDR_STRLEN];
	uint64_t n;

	CNT_INC(ul->cnt, udp_tx_errors);
	n = CNT_GET(ul->cnt, udp_tx_errors);
	/* One line per power of two errors (of this worker's): visible, never a flood. */
	if (!(n & (n - 1)))
		warn("send to %s: %s (%llu errors so far)", addr_str(&ul->tx_addr[i], s, sizeof(s)),
		     strerror(e), (unsigned long long)n);
}

/* The kernel refused a GSO send (a device without checksum offload, say): send it the slow
 * way, and do not ask again. */
static void gso_fallback(struct underlay *ul, unsigned int i)
{
	const uint8_t *p = ul->tx_iov[i].iov_base;
	size_t left = ul->tx_iov[i].iov_len, stride = ul->tx_stride[i];

	if (ul->gso)
		warn("UDP GSO refused by the kernel (%s): sending datagram by datagram",
		     strerror(errno));
	ul->gso = false;
	while (left) {
		size_t n = left < stride ? left : stride;

		if (send_one(ul->ucast_fd, p, n, &ul->tx_addr[i]) < 0) {
			count_tx_error(ul, i, errno);
		} else {
			CNT_INC(ul->cnt, udp_tx_datagrams);
			CNT_ADD(ul->cnt, udp_tx_bytes, n);
		}
		p += n;
		left -= n;
	}
}

/*
 * Send everything queued. The socket blocks when its buffer is full: that pushes back on the
 * TAP, whose queue then drops, which TCP understands better than losses in the middle of a burst.
 * A datagram the kernel refuses (no route, say) is counted and skipped, never retried forever.
 */
void underlay_flush(struct underlay *ul)
{
	unsigned int i = 0;
	bool again = true;

	while (i < ul->tx_n) {
		int n = sendmmsg(ul->ucast_fd, &ul->tx_msg[i], ul->tx_n - i, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Perhaps an earlier datagram's ICMP error, pending: see send_one() */
			if (again) {
				again = false;
				continue;
			}
			again = true;
			if (ul->tx_segs[i] > 1 && (errno == EIO || errno == EINVAL ||
						   errno == ENOPROTOOPT || errno == EOPNOTSUPP))
				gso_fallback(ul, i);
			else
				count_tx_error(ul, i, errno);
			i++;
			continue;
		}
		again = true;
		for (; n > 0; n--, i++) {
			CNT_ADD(ul->cnt, udp_tx_datagrams, ul->tx_segs[i]);
			CNT_ADD(ul->cnt, udp_tx_bytes, ul->tx_iov[i].iov_len);
		}
	}
	ul->tx_n = 0;
	ul->gso_used = 0;
	ul->seal_used = 0;
	ul->flushes++;
}

/* With UDP GRO, one receive may hold several datagrams of one sender: their size is in a cmsg */
static size_t gro_size(const struct msghdr *h)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		if (cm->cmsg_level == IPPROTO_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return v > 0 ? (size_t)v : 0;
		}
	}
	return 0;
}

/**
 * underlay_peer_add() - Replicate floods to one more member, at run time
 * @ul:		underlay, not in a burst on another thread (the caller holds the burst lock)
 * @peer:	the member's address and port
 *
 * Return: 0; -1 with errno EEXIST (listed already), EADDRINUSE (it is us), ENOSPC (full),
 * EAFNOSUPPORT (not the underlay's family)
 */
int underlay_peer_add(struct underlay *ul, const union qdes_sockaddr *peer)
{
	unsigned int i;

	for (i = 0; i < ul->n_peers; i++) {
		if (addr_equal(&ul->peers[i], peer)) {
			errno = EEXIST;
			return -1;
		}
	}
	if (peer->sa.sa_family != ul->bound.sa.sa_family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (is_us(ul, peer)) {
		errno = EADDRINUSE;
		return -1;
	}
	if (ul->n_peers >= UNDERLAY_MAX_PEERS) {
		errno = ENOSPC;
		return -1;
	}
	ul->peers[ul->n_peers++] = *peer;
	return 0;
}

/* Stop replicating floods to @peer. Return: 0, or -1 (errno ENOENT) if it was not listed */
int underlay_peer_del(struct underlay *ul, const union qdes_sockaddr *peer)
{
	unsigned int i;

	for (i = 0; i < ul->n_peers; i++) {
		if (addr_equal(&ul->peers[i], peer)) {
			memmove(&ul->peers[i], &ul->peers[i + 1],
				(ul->n_peers - i - 1) * sizeof(ul->peers[0]));
			ul->n_peers--;
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

/**
 * underlay_recv() - Receive what is waiting on @fd, in batches, and hand each datagram to @fn
 * @ul:		underlay
 * @fd:		ucast_fd or mcast_fd
 * @fn:		called per datagram, with a buffer valid only during the call
 * @arg:	for @fn
 *
 * Stops after a few batches even if more is waiting, so the other direction gets its turn.
 *
 * Return: messages received (with UDP GRO one may hold several datagrams), or -1 on an error
 * other than "nothing more to read"
 */
int underlay_recv(struct underlay *ul, int fd, underlay_rx_fn fn, void *arg)
{
	int total = 0, round;

	for (round = 0; round < 4; round++) {
		unsigned int i;
		int n;

		for (i = 0; i < UNDERLAY_BATCH; i++) {
			struct msghdr *h = &ul->rx_msg[i].msg_hdr;

			h->msg_name = &ul->rx_addr[i];
			h->msg_namelen = sizeof(ul->rx_addr[i]);
			h->msg_iov = &ul->rx_iov[i];
			h->msg_iovlen = 1;
			h->msg_control = ul->gro ? ul->rx_ctrl[i].buf : NULL;
			h->msg_controllen = ul->gro ? sizeof(ul->rx_ctrl[i].buf) : 0;
			h->msg_flags = 0;
		}
		n = recvmmsg(fd, ul->rx_msg, UNDERLAY_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			/* ICMP errors for earlier sends surface here: not fatal. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
				continue;
			return -1;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			uint8_t *p = ul->rx_iov[i].iov_base;
			size_t left = ul->rx_msg[i].msg_len;
			size_t seg = ul->gro ? gro_size(&ul->rx_msg[i].msg_hdr) : 0;

			CNT_ADD(ul->cnt, udp_rx_bytes, left);
			if (!seg || seg >= left) {
				CNT_INC(ul->cnt, udp_rx_datagrams);
				fn(arg, &ul->rx_addr[i], p, left);
				continue;
			}
			CNT_INC(ul->cnt, udp_rx_gro);
			for (; left; p += seg, left -= seg) {
				if (seg > left)
					seg = left;
				CNT_INC(ul->cnt, udp_rx_datagrams);
				fn(arg, &ul->rx_addr[i], p, seg);
			}
		}
		total += n;
		if (n < UNDERLAY_BATCH)
			break;
	}
	return total;
}

/**
 * underlay_is_port_unreach() - Whether a message of the error queue is an ICMP or ICMPv6 port
 * unreachable from the network (not an error of our own stack, such as a local EMSGSIZE)
 * @h:		the message, as recvmsg(MSG_ERRQUEUE) filled it
 *
 * Return: true for a port unreachable; its msg_name is the destination we had sent to
 */
bool underlay_is_port_unreach(const struct msghdr *h)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR((struct msghdr *)h, cm)) {
		struct sock_extended_err ee;

		if (cm->cmsg_len < CMSG_LEN(sizeof(ee)))
			continue;
		if (!(cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR))
			continue;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP)
			return ee.ee_type == ICMP_DEST_UNREACH && ee.ee_code == ICMP_PORT_UNREACH;
		if (ee.ee_origin == SO_EE_ORIGIN_ICMP6)
			return ee.ee_type == ICMP6_DST_UNREACH &&
			       ee.ee_code == ICMP6_DST_UNREACH_NOPORT;
		return false;
	}
	return false;
}

/**
 * underlay_recv_errors() - Read the error queue of @fd: what the network said of our sends
 * @fd:		the unicast socket (it alone sends)
 * @fn:		called with the destination of each datagram a port unreachable answered
 * @arg:	for @fn
 *
 * Return: messages read (0: the queue was empty), or -1 on an error other than "no more"
 */
int underlay_recv_errors(int fd, underlay_unreach_fn fn, void *arg)
{
	/* One extended error and the ICMP sender's address */
	union {
		char buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
				    sizeof(struct sockaddr_in6))];
		struct cmsghdr align;
	} ctrl;
	union qdes_sockaddr dst;
	uint8_t head[64];
	int n = 0;

	for (;;) {
		struct iovec iov = {.iov_base = head, .iov_len = sizeof(head)};
		struct msghdr h = {.msg_name = &dst,
				   .msg_namelen = sizeof(dst),
				   .msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = ctrl.buf,
				   .msg_controllen = sizeof(ctrl.buf)};

		if (recvmsg(fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return n;
			if (errno == EINTR)
				continue;
			return -1;
		}
		n++;
		if (h.msg_namelen >= sizeof(struct sockaddr_in) && underlay_is_port_unreach(&h))
			fn(arg, &dst);
	}
}

/* A leave notice to the group and every peer: sent directly, the loop is about to stop.
 * Return: 0, or -1 (errno set) if any of them could not be sent */
int underlay_send_leave(struct underlay *ul, const uint8_t *hdr, size_t len)
{
	int ret = 0, e = 0;
	unsigned int i;

	if (ul->has_group && send_one(ul->ucast_fd, hdr, len, &ul->group) != (ssize_t)len) {
		e = errno;
		ret = -1;
	}
	for (i = 0; i < ul->n_peers; i++) {
		if (send_one(ul->ucast_fd, hdr, len, &ul->peers[i]) != (ssize_t)len) {
			e = errno;
			ret = -1;
		}
	}
	if (ret)
		errno = e;
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* underlay.h - UDP sockets of the underlay: unicast + multicast, IPv4/IPv6, batched I/O */
#ifndef QDES_UNDERLAY_H
#define QDES_UNDERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/virtio_net.h>

#include "addr.h"
#include "counters.h"
#include "seal.h"

#define UNDERLAY_BATCH 64
/* Any UDP payload fits, so nothing is ever truncated: oversize is judged by length alone. */
#define UNDERLAY_RX_BUF 65536
#define UNDERLAY_ERRLEN 256
/* Peers a flood is replicated to, at most */
#define UNDERLAY_MAX_PEERS 32

/**
 * struct underlay_opts - how to open the underlay
 * @group:	multicast group and port (flood destination, membership), or NULL: none
 * @family:	AF_INET or AF_INET6: the group's, the local address's or the peers'
 * @peers:	unicast members every flood is also sent to (head-end replication)
 * @n_peers:	entries in @peers
 * @local:	local address to bind and send from, or NULL for any
 * @port:	local unicast port, 0 for an ephemeral one
 * @ifindex:	underlay interface for multicast, 0: by route
 * @ttl:	TTL / hop limit, 0: 1 for multicast, system default for unicast
 * @offload:	UDP GSO on send (super-frames leave as one sendmsg), UDP GRO on receive
 * @encap_len:	bytes of encapsulation header in front of each frame
 * @tail_len:	bytes after each frame (a sealed datagram's tag)
 * @seal:	seal every datagram with this session (then @tail_len is its tag's), or NULL
 * @max_frame:	longest frame a datagram may carry (segment MTU + Ethernet header)
 * @reuseport:	share the unicast port with other workers' sockets (SO_REUSEPORT)
 * @self:	NULL: join the group, open the multicast socket and find our own address;
 *		else a further worker's sockets: unicast only, @self as found by the first
 */
struct underlay_opts {
	const union qdes_sockaddr *group;
	int family;
	const union qdes_sockaddr *peers;
	unsigned int n_peers;
	const union qdes_sockaddr *local;
	uint16_t port;
	int ifindex;
	int ttl;
	bool offload;
	size_t encap_len;
	size_t tail_len;
	struct seal_tx *seal;
	size_t max_frame;
	bool reuseport;
	const union qdes_sockaddr *self;
};

/* Super-frames segmented per batch before a flush; each needs its own output buffer */
#define UNDERLAY_GSO_SLOTS 16
/* 64 KiB of TCP payload cut into frames of at least 1280 bytes, each with up to 128 bytes of
 * headers, fits */
#define UNDERLAY_GSO_SLOT (96 * 1024)

union underlay_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/**
 * struct underlay - the two sockets and their batches
 * @ucast_fd:	bound to the local port: receives unicast, sends everything
 * @mcast_fd:	bound to the group: receives floods; -1 without a group
 * @group:	flood destination, if @has_group
 * @has_group:	floods go to the multicast group
 * @peers:	floods also go to each of these, by unicast (configured peers that are not us)
 * @n_peers:	entries in @peers
 * @flushes:	flushes so far (a GSO slot stays in use across one)
 * @bound:	what @ucast_fd is bound to (the port is what members learn us by)
 * @self:	our own source address as others see it (multicast loopback echoes)
 * @tx_*:	datagrams queued for one sendmmsg()
 * @seal:	the sending session that seals every datagram, or NULL
 * @seal_area:	UNDERLAY_BATCH sealed datagrams of @seal_slot bytes (what is not sealed in
 *		place: frames the local ports may still read)
 * @seal_used:	slots of @seal_area queued since the last flush
 * @rx_*:	receive ring for recvmmsg()
 * @cnt:	counters (udp_*)
 */
struct underlay {
	int ucast_fd;
	int mcast_fd;
	union qdes_sockaddr group;
	bool has_group;
	union qdes_sockaddr peers[UNDERLAY_MAX_PEERS];
	unsigned int n_peers;
	unsigned long flushes;
	union qdes_sockaddr bound;
	union qdes_sockaddr self;
	struct mmsghdr tx_msg[UNDERLAY_BATCH];
	struct iovec tx_iov[UNDERLAY_BATCH];
	union qdes_sockaddr tx_addr[UNDERLAY_BATCH];
	union underlay_cmsg tx_ctrl[UNDERLAY_BATCH];
	uint16_t tx_segs[UNDERLAY_BATCH];
	uint16_t tx_stride[UNDERLAY_BATCH];
	unsigned int tx_n;
	uint8_t *gso_area;
	unsigned int gso_used;
	bool gso;
	bool gro;
	size_t encap_len;
	size_t tail_len;
	size_t max_frame;
	struct seal_tx *seal;
	uint8_t *seal_area;
	size_t seal_slot;
	unsigned int seal_used;
	struct mmsghdr rx_msg[UNDERLAY_BATCH];
	struct iovec rx_iov[UNDERLAY_BATCH];
	union qdes_sockaddr rx_addr[UNDERLAY_BATCH];
	union underlay_cmsg rx_ctrl[UNDERLAY_BATCH];
	uint8_t *rx_buf;
	struct qdes_counters *cnt;
	uint64_t tx_err_logged;
};

/* @dgram is the receive buffer's: the callee may change it (open a sealed datagram in place) */
typedef void (*underlay_rx_fn)(void *arg, const union qdes_sockaddr *src, uint8_t *dgram,
			       size_t len);

/* @dst: where a datagram of ours went that an ICMP port unreachable answered */
typedef void (*underlay_unreach_fn)(void *arg, const union qdes_sockaddr *dst);

int underlay_open(struct underlay *ul, const struct underlay_opts *o, struct qdes_counters *cnt,
		  char *err, size_t errlen);
void underlay_close(struct underlay *ul);
void underlay_queue(struct underlay *ul, const union qdes_sockaddr *dst, const uint8_t *dgram,
		    size_t len, const struct virtio_net_hdr *vh);
void underlay_queue_flood(struct underlay *ul, const uint8_t *dgram, size_t len,
			  const struct virtio_net_hdr *vh);
void underlay_flush(struct underlay *ul);
int underlay_recv(struct underlay *ul, int fd, underlay_rx_fn fn, void *arg);
bool underlay_is_port_unreach(const struct msghdr *h);
int underlay_recv_errors(int fd, underlay_unreach_fn fn, void *arg);
int underlay_peer_add(struct underlay *ul, const union qdes_sockaddr *peer);
int underlay_peer_del(struct underlay *ul, const union qdes_sockaddr *peer);
int underlay_send_leave(struct underlay *ul, const uint8_t *hdr, size_t len);

#endif /* QDES_UNDERLAY_H */

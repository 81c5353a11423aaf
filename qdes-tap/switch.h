/* SPDX-License-Identifier: GPL-2.0-or-later */
/* switch.h - The distributed learning switch: forwarding decisions between ports and underlay */
#ifndef QDES_SWITCH_H
#define QDES_SWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "counters.h"
#include "fdb.h"
#include "log.h"
#include "peerstat.h"
#include "port.h"
#include "proto.h"
#include "seal.h"

#define SWITCH_MAX_SELF 4

/**
 * struct switch_tx - the underlay as the switch sees it
 * @unicast:	queue one datagram to one peer
 * @flood:	queue one datagram to every member (the multicast group)
 * @flush:	the end of a burst: send what was queued (may be NULL)
 * @ctx:	passed back to each
 *
 * The datagram buffer stays valid until the caller of the switch flushes the underlay, so the
 * underlay may batch without copying. With a vnet header @vh, the datagram holds a TCP
 * super-frame that the underlay segments into datagrams of the segment MTU.
 */
struct switch_tx {
	void (*unicast)(void *ctx, const union qdes_sockaddr *dst, const uint8_t *dgram, size_t len,
			const struct virtio_net_hdr *vh);
	void (*flood)(void *ctx, const uint8_t *dgram, size_t len, const struct virtio_net_hdr *vh);
	void (*flush)(void *ctx);
	void *ctx;
};

/**
 * struct qdes_switch - one worker's switch; the FDB is the only state both directions share
 * @fdb:	forwarding database, shared by every worker's switch
 * @ports:	the gateway's ports, shared by every worker's switch
 * @worker:	index of the worker this switch serves: ports with a queue per worker (the
 *		TAP) send through its queue
 * @netid:	the network id served (the FDB, which serves this one network, keys on its low
 *		16 bits)
 * @encap:	the encapsulation, chosen at start (QDES unless switch_set_encap())
 * @peer_port:	non-zero: a sender is learnt at (its address, this port), not its source port
 * @mtu:	segment MTU: longer frames from the underlay are dropped
 * @tx:		underlay output
 * @self:	our own underlay addresses: datagrams from them are echoes, not members
 * @n_self:	entries in @self
 * @cnt:	its worker's counters
 * @now:	monotonic ms, set by the event loop before each burst
 * @move_rl:	rate limit for the "MAC moved" log line
 * @flood_peers: configured peers floods are replicated to (shown in the dump)
 * @n_flood_peers: entries in @flood_peers
 * @pstats:	its worker's per-member statistics, or NULL
 * @seal:	the sessions of a sealed segment (shared by the workers), or NULL
 * @seal_scratch: this worker's spare cipher context for sessions not yet known
 */
struct qdes_switch {
	struct fdb *fdb;
	struct port_table *ports;
	unsigned int worker;
	uint32_t netid;
	const struct encap_ops *encap;
	uint16_t peer_port;
	unsigned int mtu;
	struct switch_tx tx;
	union qdes_sockaddr self[SWITCH_MAX_SELF];
	unsigned int n_self;
	struct qdes_counters *cnt;
	uint64_t now;
	struct ratelimit move_rl;
	const union qdes_sockaddr *flood_peers;
	unsigned int n_flood_peers;
	struct peer_table *pstats;
	struct seal_rx *seal;
	EVP_CIPHER_CTX *seal_scratch;
};

void switch_init(struct qdes_switch *sw, struct fdb *fdb, struct port_table *ports, uint32_t netid,
		 unsigned int mtu, const struct switch_tx *tx, struct qdes_counters *cnt);
void switch_set_encap(struct qdes_switch *sw, const struct encap_ops *encap, uint16_t peer_port);
int switch_add_port(struct qdes_switch *sw, struct qdes_port *port);
unsigned int switch_del_port(struct qdes_switch *sw, struct qdes_port *port);
int switch_add_self(struct qdes_switch *sw, const union qdes_sockaddr *self);
void switch_from_port(struct qdes_switch *sw, struct qdes_port *in, uint8_t *frame, size_t len,
		      const struct virtio_net_hdr *vh);
void switch_burst_end(struct qdes_switch *sw);
void switch_from_underlay(struct qdes_switch *sw, const union qdes_sockaddr *src, uint8_t *dgram,
			  size_t len);
void switch_peer_unreachable(struct qdes_switch *sw, const union qdes_sockaddr *dst);
unsigned int switch_age(struct qdes_switch *sw, uint64_t ageing_ms);
void switch_dump(struct qdes_switch *sw, const char *ifname, const struct qdes_counters *total);

#endif /* QDES_SWITCH_H */

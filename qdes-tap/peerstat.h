/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peerstat.h - Per-member statistics of one worker: frames and bytes each way, last datagram */
#ifndef QDES_PEERSTAT_H
#define QDES_PEERSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Members tracked per worker; a power of two. More are not tracked (the table never grows) */
#define PEERSTAT_MAX 256

/**
 * struct peer_stat - what one worker saw of one member
 * @addr:	the member's address and port; set once, before @used
 * @rx_frames:	datagrams received from it that carried a frame
 * @rx_bytes:	their bytes (UDP payload)
 * @tx_frames:	frames sent to it by unicast or head-end replication (a TCP super-frame that
 *		the kernel segments counts once)
 * @tx_bytes:	their bytes
 * @last_rx:	when it last sent anything, ms (monotonic); 0: never
 * @left:	its last datagram was a leave notice
 * @used:	the slot holds a member (published with release: readers on other threads)
 */
struct peer_stat {
	union qdes_sockaddr addr;
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t last_rx;
	uint32_t left;
	uint32_t used;
};

/**
 * struct peer_table - one worker's members: written by that worker only, read by any thread
 * @slot:	open addressing by a hash of the address
 * @n:		slots in use
 * @seed:	keys the hash: the underlay's senders must not choose a probe sequence
 * @last:	the member of the last lookup (a burst mostly comes from one)
 */
struct peer_table {
	struct peer_stat slot[PEERSTAT_MAX];
	uint32_t n;
	uint64_t seed;
	struct peer_stat *last;
};

void peerstat_init(struct peer_table *t, uint64_t seed);
struct peer_stat *peerstat_get(struct peer_table *t, const union qdes_sockaddr *a);
void peerstat_rx(struct peer_table *t, const union qdes_sockaddr *a, size_t len, uint64_t now,
		 bool leave);
void peerstat_tx(struct peer_table *t, const union qdes_sockaddr *a, size_t len);
bool peerstat_read(const struct peer_table *t, unsigned int i, struct peer_stat *out);

#endif /* QDES_PEERSTAT_H */

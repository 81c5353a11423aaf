/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters.h - Every counter of the daemon, named once, dumped by name */
#ifndef QDES_COUNTERS_H
#define QDES_COUNTERS_H

#include <stdint.h>

/* The names are the stable interface (SIGUSR1 dump, man page): append, never rename. */
#define QDES_COUNTERS(X)                                                                           \
	X(tap_rx_frames)                                                                           \
	X(tap_rx_bytes)                                                                            \
	X(tap_tx_frames)                                                                           \
	X(tap_tx_bytes)                                                                            \
	X(tap_tx_errors)                                                                           \
	X(udp_rx_datagrams)                                                                        \
	X(udp_rx_bytes)                                                                            \
	X(udp_tx_datagrams)                                                                        \
	X(udp_tx_bytes)                                                                            \
	X(udp_tx_errors)                                                                           \
	X(tx_unicast)                                                                              \
	X(tx_flood)                                                                                \
	X(drop_short)                                                                              \
	X(drop_magic)                                                                              \
	X(drop_version)                                                                            \
	X(drop_flags)                                                                              \
	X(drop_netid)                                                                              \
	X(drop_oversize)                                                                           \
	X(drop_src_mac)                                                                            \
	X(drop_self)                                                                               \
	X(drop_remote_dst)                                                                         \
	X(fdb_learned)                                                                             \
	X(fdb_moved)                                                                               \
	X(fdb_full)                                                                                \
	X(fdb_conflict)                                                                            \
	X(fdb_aged)                                                                                \
	X(fdb_flushed)                                                                             \
	X(leave_rx)                                                                                \
	X(peer_unreachable)                                                                        \
	X(tap_rx_gso)                                                                              \
	X(tap_tx_gro)                                                                              \
	X(udp_rx_gro)                                                                              \
	X(drop_offload)                                                                            \
	X(qemu_rx_frames)                                                                          \
	X(qemu_rx_bytes)                                                                           \
	X(qemu_tx_frames)                                                                          \
	X(qemu_tx_bytes)                                                                           \
	X(qemu_tx_errors)                                                                          \
	X(qemu_connected)                                                                          \
	X(qemu_disconnected)                                                                       \
	X(drop_sealed)                                                                             \
	X(drop_unsealed)                                                                           \
	X(drop_key)                                                                                \
	X(drop_auth)                                                                               \
	X(drop_replay)                                                                             \
	X(seal_sessions)                                                                           \
	X(seal_evicted)                                                                            \
	X(seal_errors)

struct qdes_counters {
#define QDES_COUNTER_FIELD(name) uint64_t name;
	QDES_COUNTERS(QDES_COUNTER_FIELD)
#undef QDES_COUNTER_FIELD
};

/*
 * Each worker has its own counters, and only that worker's thread writes them: every port and
 * socket counts into the counters of the worker calling it. The dump reads them from another
 * thread while they run, so every access is atomic, and relaxed: with one writer an increment
 * is a load and a store (plain moves on x86, no locked read-modify-write on the data path), and
 * the reader sees each counter at some recent value. Sums over workers are taken when read.
 */
static inline void cnt_add_at(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t cnt_read_at(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

#define CNT_ADD(c, name, n) cnt_add_at(&(c)->name, (uint64_t)(n))
#define CNT_INC(c, name)    cnt_add_at(&(c)->name, 1)
#define CNT_GET(c, name)    cnt_read_at(&(c)->name)

#endif /* QDES_COUNTERS_H */

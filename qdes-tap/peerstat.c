// SPDX-License-Identifier: GPL-2.0-or-later
/* peerstat.c - Per-member statistics of one worker: frames and bytes each way, last datagram */

/*
 * Each worker counts what it receives from and sends to each member in its own table, with
 * no lock: it is the table's only writer. A reader on another thread (the control socket) walks
 * the slots: a slot's address is written once, before the slot is published with a release
 * store, and never changes after; the counters are relaxed atomics, as counters.h's. Members
 * get a slot only for datagrams that decoded (or that we send), and the table is bounded: once
 * it is full, further members are not tracked. Slots are never reused, so a reader never sees
 * an address change under it.
 */

#include <string.h>

#include "counters.h"
#include "peerstat.h"

void peerstat_init(struct peer_table *t, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->seed = seed | 1;
}

/* The address's bytes that name a member: family, port, address */
static uint64_t hash(const struct peer_table *t, const union qdes_sockaddr *a)
{
	const uint8_t *p;
	uint64_t h = t->seed ^ (uint64_t)a->sa.sa_family;
	size_t n, i;

	/* Not the IPv6 scope: addr_equal() takes a missing one for any */
	if (a->sa.sa_family == AF_INET6) {
		p = (const uint8_t *)&a->in6.sin6_addr;
		n = sizeof(a->in6.sin6_addr);
	} else {
		p = (const uint8_t *)&a->in4.sin_addr;
		n = sizeof(a->in4.sin_addr);
	}
	h ^= addr_port(a);
	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

/**
 * peerstat_get() - The slot of member @a, made if it is new and there is room
 * @t:		the worker's table (its thread only)
 * @a:		the member
 *
 * Return: the slot, or NULL when the table is full and @a is not in it
 */
struct peer_stat *peerstat_get(struct peer_table *t, const union qdes_sockaddr *a)
{
	uint32_t i, mask = PEERSTAT_MAX - 1, k;
	struct peer_stat *s;

	if (t->last && addr_equal(&t->last->addr, a))
		return t->last;
	k = (uint32_t)hash(t, a);
	for (i = 0; i < PEERSTAT_MAX; i++) {
		s = &t->slot[(k + i) & mask];
		if (!s->used) {
			/* Full but for this slot: keep it free, so that lookups always end */
			if (t->n + 1 >= PEERSTAT_MAX)
				return NULL;
			s->addr = *a;
			t->n++;
			__atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
			return t->last = s;
		}
		if (addr_equal(&s->addr, a))
			return t->last = s;
	}
	return NULL;
}

/* A datagram of @len bytes from @a: a frame, or a leave notice */
void peerstat_rx(struct peer_table *t, const union qdes_sockaddr *a, size_t len, uint64_t now,
		 bool leave)
{
	struct peer_stat *s = peerstat_get(t, a);

	if (!s)
		return;
	if (!leave) {
		cnt_add_at(&s->rx_frames, 1);
		cnt_add_at(&s->rx_bytes, len);
	}
	__atomic_store_n(&s->last_rx, now ? now : 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->left, leave, __ATOMIC_RELAXED);
}

/* A frame of @len bytes sent to @a */
void peerstat_tx(struct peer_table *t, const union qdes_sockaddr *a, size_t len)
{
	struct peer_stat *s = peerstat_get(t, a);

	if (!s)
		return;
	cnt_add_at(&s->tx_frames, 1);
	cnt_add_at(&s->tx_bytes, len);
}

/**
 * peerstat_read() - Copy slot @i, from any thread
 * @t:		a worker's table
 * @i:		slot, below PEERSTAT_MAX
 * @out:	the member's numbers as of now
 *
 * Return: whether the slot holds a member
 */
bool peerstat_read(const struct peer_table *t, unsigned int i, struct peer_stat *out)
{
	const struct peer_stat *s = &t->slot[i];

	if (!__atomic_load_n(&s->used, __ATOMIC_ACQUIRE))
		return false;
	out->addr = s->addr;
	out->rx_frames = cnt_read_at(&s->rx_frames);
	out->rx_bytes = cnt_read_at(&s->rx_bytes);
	out->tx_frames = cnt_read_at(&s->tx_frames);
	out->tx_bytes = cnt_read_at(&s->tx_bytes);
	out->last_rx = __atomic_load_n(&s->last_rx, __ATOMIC_RELAXED);
	out->left = __atomic_load_n(&s->left, __ATOMIC_RELAXED);
	out->used = 1;
	return true;
}

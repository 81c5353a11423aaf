// SPDX-License-Identifier: GPL-2.0-or-later
/* fdb.c - Forwarding database: (network id, MAC) -> local port or remote peer, with ageing */

/*
 * Layout: every entry lives in one pool of max_entries entries, calloc()ed up front, so the
 * table can never grow past its bound and the data path never allocates. Entries are handed
 * out from the bottom of the pool (pool[0], pool[1], ...) and freed ones are reused first
 * (a free list through @next), so only as many pages become resident as entries were ever
 * live at once. A power-of-two bucket array holds the head of each hash chain; chains and
 * the free list link entries by pool index + 1, so 0 means "none" and a calloc()ed bucket
 * array is an empty table.
 *
 * Walks over all entries (ageing, flushes, dumps) go through the pool from index 0 to the
 * highest index ever handed out, skipping free slots: sequential memory, O(entries), and
 * deleting the entry being looked at cannot disturb the walk. Unlinking an entry from its
 * chain rehashes its key to find the chain.
 *
 * Every worker shares one table. The functions here take no lock themselves: callers hold
 * fdb_rdlock() or fdb_wrlock() (see "Locking" below), so a lookup and the use of its result
 * happen under one lock. The control socket's fdb commands (ctl_serve.c) change the table
 * from the main thread under the write lock, as learning does.
 */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"

/* A pool slot on the free list (never a valid enum fdb_kind) */
#define FDB_KIND_FREE 0xff

/*
 * Bucket array: the next power of two >= max_entries (load factor <= 1 when full), but at most
 * 2^22 buckets (16 MiB). Buckets are hit at random, so their pages all become resident soon
 * after the table starts filling whatever the table holds; the cap bounds that cost for a huge
 * --max-entries, at the price of chains of 4 on average if 2^24 entries are really learned.
 */
#define FDB_BUCKETS_MAX (1U << 22)

/* The hash key is the first 8 bytes of an entry: MAC then network id, no padding between */
static_assert(offsetof(struct fdb_entry, mac) == 0, "key starts the entry");
static_assert(offsetof(struct fdb_entry, netid) == ETH_ALEN_, "netid follows the MAC");
static_assert(ETH_ALEN_ + sizeof(uint16_t) == sizeof(uint64_t), "key is 8 bytes");

/**
 * struct fdb - the table
 * @pool:	max entries, slots [0, @top) have been handed out at least once
 * @buckets:	chain heads, pool index + 1, 0 = empty
 * @mask:	number of buckets - 1
 * @max:	size of @pool
 * @limit:	entries allowed now: @max, or fewer after fdb_set_limit()
 * @count:	entries in use
 * @top:	slots ever handed out; slots from @top on are untouched (zero, not resident)
 * @free:	free list head (pool index + 1, 0 = empty), linked through @next
 * @k0:		SipHash key, first half
 * @k1:		SipHash key, second half
 */
struct fdb {
	pthread_rwlock_t lock;
	struct fdb_entry *pool;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t max;
	uint32_t limit;
	uint32_t count;
	uint32_t top;
	uint32_t free;
	uint64_t k0;
	uint64_t k1;
};

/*
 * Hashing. The MACs and network ids come off the wire, so with a fixed hash function a sender
 * could pick keys that all land in one chain and turn every lookup into a walk of the whole
 * table. SipHash is a keyed pseudo-random function built for exactly this (hash-flooding
 * resistance with a secret key; it is what the Linux kernel, Python and Rust use for their
 * tables). We use SipHash-1-3 (one compression round per block, three finalisation rounds),
 * the reduced variant those tables settled on as enough for this purpose, over one 8-byte
 * block: four rounds plus setup, a few nanoseconds, no division, no memory access.
 *
 * Written from the SipHash paper (Aumasson, Bernstein 2012) and checked against the reference
 * outputs for the message 00..07: ead411e67ebe2eea (1-3, zero key) and, with 2 and 4 rounds,
 * 93f5f5799a932462 (2-4, key 00..0f).
 */

static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND(v0, v1, v2, v3)                                                                   \
	do {                                                                                       \
		(v0) += (v1);                                                                      \
		(v1) = rotl64((v1), 13);                                                           \
		(v1) ^= (v0);                                                                      \
		(v0) = rotl64((v0), 32);                                                           \
		(v2) += (v3);                                                                      \
		(v3) = rotl64((v3), 16);                                                           \
		(v3) ^= (v2);                                                                      \
		(v0) += (v3);                                                                      \
		(v3) = rotl64((v3), 21);                                                           \
		(v3) ^= (v0);                                                                      \
		(v2) += (v1);                                                                      \
		(v1) = rotl64((v1), 17);                                                           \
		(v1) ^= (v2);                                                                      \
		(v2) = rotl64((v2), 32);                                                           \
	} while (0)

/* SipHash-1-3 of exactly 8 bytes, given as a little-endian 64-bit word @m */
static inline uint64_t siphash13_u64(uint64_t k0, uint64_t k1, uint64_t m)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	/* Last block: no bytes left over, message length 8 in the top byte */
	const uint64_t b = (uint64_t)8 << 56;

	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;

	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;

	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* splitmix64 step: spreads the caller's 64-bit seed into the two halves of the 128-bit key */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The key as one word: the 8 bytes MAC + netid as they sit in an entry (native byte order of
 * the netid). Only equality and the keyed hash use it, so the byte order does not matter.
 */
static inline uint64_t fdb_key(uint16_t netid, const uint8_t *mac)
{
	uint8_t b[8];
	uint64_t k;

	memcpy(b, mac, ETH_ALEN_);
	memcpy(b + ETH_ALEN_, &netid, sizeof(netid));
	memcpy(&k, b, sizeof(k));
	return k;
}

static inline uint64_t entry_key(const struct fdb_entry *e)
{
	uint64_t k;

	memcpy(&k, e, sizeof(k));
	return k;
}

static inline uint32_t *fdb_bucket(struct fdb *fdb, uint64_t key)
{
	return &fdb->buckets[siphash13_u64(fdb->k0, fdb->k1, key) & fdb->mask];
}

/*
 * Find @key in the chain that starts at @link; when @linkp is given, also return the link
 * that points at the entry (for unlinking it)
 */
static struct fdb_entry *chain_find(struct fdb *fdb, uint32_t *link, uint64_t key, uint32_t **linkp)
{
	while (*link) {
		struct fdb_entry *e = &fdb->pool[*link - 1];

		if (entry_key(e) == key) {
			if (linkp)
				*linkp = link;
			return e;
		}
		link = &e->next;
	}
	return NULL;
}

/* Take a slot, link it at the head of the chain @link starts, and fill in its key */
static struct fdb_entry *fdb_alloc(struct fdb *fdb, uint32_t *link, uint16_t netid,
				   const uint8_t *mac)
{
	struct fdb_entry *e;
	uint32_t idx;

	if (fdb->count >= fdb->limit) {
		return NULL;
	} else if (fdb->free) {
		idx = fdb->free - 1;
		fdb->free = fdb->pool[idx].next;
	} else if (fdb->top < fdb->max) {
		idx = fdb->top++;
	} else {
		return NULL;
	}
	e = &fdb->pool[idx];
	memset(e, 0, sizeof(*e));
	memcpy(e->mac, mac, ETH_ALEN_);
	e->netid = netid;
	e->next = *link;
	*link = idx + 1;
	fdb->count++;
	return e;
}

/* Unlink @e, which @link points at, and put it on the free list */
static void fdb_release(struct fdb *fdb, uint32_t *link, struct fdb_entry *e)
{
	*link = e->next;
	e->kind = FDB_KIND_FREE;
	e->next = fdb->free;
	fdb->free = (uint32_t)(e - fdb->pool) + 1;
	fdb->count--;
}

/* Unlink @e, found by a walk over the pool: find the link to it in its chain first */
static void fdb_unlink(struct fdb *fdb, struct fdb_entry *e)
{
	uint32_t idx = (uint32_t)(e - fdb->pool) + 1;
	uint32_t *link = fdb_bucket(fdb, entry_key(e));

	while (*link != idx) {
		/* Every entry in use is on the chain of its own key's bucket */
		assert(*link);
		link = &fdb->pool[*link - 1].next;
	}
	fdb_release(fdb, link, e);
}

static bool entry_in_use(const struct fdb_entry *e)
{
	return e->kind != FDB_KIND_FREE;
}

/**
 * fdb_new() - Create an empty table of at most @max_entries entries
 * @max_entries:	bound on the entries held, 1 to FDB_MAX_ENTRIES_LIMIT
 * @seed:		random value keying the hash (e.g. from getrandom()); a peer that cannot
 *			guess it cannot aim its MACs at one hash chain
 *
 * All memory is allocated here; nothing later allocates. The entry pool is calloc()ed, so
 * pages of it that were never used cost no resident memory.
 *
 * Return: the table, or NULL with errno set (EINVAL for a bad @max_entries, ENOMEM)
 */
struct fdb *fdb_new(unsigned int max_entries, uint64_t seed)
{
	uint64_t state = seed;
	uint32_t nbuckets = 1;
	struct fdb *fdb;

	if (max_entries < 1 || max_entries > FDB_MAX_ENTRIES_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	while (nbuckets < max_entries && nbuckets < FDB_BUCKETS_MAX)
		nbuckets <<= 1;

	fdb = calloc(1, sizeof(*fdb));
	if (!fdb)
		return NULL;
	if (pthread_rwlock_init(&fdb->lock, NULL)) {
		free(fdb);
		return NULL;
	}
	fdb->pool = calloc(max_entries, sizeof(*fdb->pool));
	fdb->buckets = calloc(nbuckets, sizeof(*fdb->buckets));
	if (!fdb->pool || !fdb->buckets) {
		fdb_free(fdb);
		errno = ENOMEM;
		return NULL;
	}
	fdb->mask = nbuckets - 1;
	fdb->max = max_entries;
	fdb->limit = max_entries;
	fdb->k0 = splitmix64(&state);
	fdb->k1 = splitmix64(&state);
	return fdb;
}

/**
 * fdb_free() - Release a table and every entry in it
 * @fdb:	table, or NULL
 */
void fdb_free(struct fdb *fdb)
{
	if (!fdb)
		return;
	free(fdb->pool);
	free(fdb->buckets);
	pthread_rwlock_destroy(&fdb->lock);
	free(fdb);
}

/*
 * Locking. The table itself takes no lock: its callers do, so that a lookup and the use of
 * what it found happen under one read lock. Workers look up and refresh under the read lock
 * (a refresh is one atomic store of a timestamp); only a new entry, a move, ageing and flushes
 * take the write lock, each for a few hundred nanoseconds.
 */
void fdb_rdlock(struct fdb *fdb)
{
	pthread_rwlock_rdlock(&fdb->lock);
}

void fdb_wrlock(struct fdb *fdb)
{
	pthread_rwlock_wrlock(&fdb->lock);
}

void fdb_unlock(struct fdb *fdb)
{
	pthread_rwlock_unlock(&fdb->lock);
}

/**
 * fdb_learn_remote() - Learn that @mac in @netid sits behind underlay peer @peer
 * @fdb:	table
 * @netid:	network id
 * @mac:	source MAC of a frame received from @peer (the caller has rejected group and
 *		all-zero addresses)
 * @peer:	address and port the frame came from
 * @now:	current time, ms (monotonic)
 *
 * A MAC that is local (seen on one of our ports) or static is never taken over from the
 * underlay: that would let any peer hijack traffic to our own guests.
 *
 * Return: FDB_NEW, FDB_REFRESH (same peer, @updated set), FDB_MOVED (now points at @peer),
 * FDB_FULL (not learned, the table is full) or FDB_CONFLICT (local or static entry, unchanged)
 */
enum fdb_result fdb_learn_remote(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
				 const union qdes_sockaddr *peer, uint64_t now)
{
	uint64_t key = fdb_key(netid, mac);
	uint32_t *bucket = fdb_bucket(fdb, key);
	struct fdb_entry *e = chain_find(fdb, bucket, key, NULL);

	if (e) {
		if (e->kind != FDB_REMOTE || (e->flags & FDB_F_STATIC))
			return FDB_CONFLICT;
		e->updated = now;
		if (addr_equal(&e->peer, peer))
			return FDB_REFRESH;
		e->peer = *peer;
		return FDB_MOVED;
	}

	e = fdb_alloc(fdb, bucket, netid, mac);
	if (!e)
		return FDB_FULL;
	e->kind = FDB_REMOTE;
	e->peer = *peer;
	e->updated = now;
	e->used = now;
	return FDB_NEW;
}

/**
 * fdb_learn_local() - Learn that @mac in @netid sits behind local port @port
 * @fdb:	table
 * @netid:	network id
 * @mac:	source MAC of a frame read from @port
 * @port:	local port id
 * @now:	current time, ms (monotonic)
 *
 * A local sighting wins over a dynamic remote entry: the guest has migrated here.
 *
 * Return: FDB_NEW, FDB_REFRESH (same port), FDB_MOVED (was remote or on another port, now on
 * @port), FDB_FULL (not learned) or FDB_CONFLICT (a static entry, unchanged)
 */
enum fdb_result fdb_learn_local(struct fdb *fdb, uint16_t netid, const uint8_t *mac, uint16_t port,
				uint64_t now)
{
	uint64_t key = fdb_key(netid, mac);
	uint32_t *bucket = fdb_bucket(fdb, key);
	struct fdb_entry *e = chain_find(fdb, bucket, key, NULL);

	if (e) {
		if (e->flags & FDB_F_STATIC) {
			if (e->kind != FDB_LOCAL || e->port != port)
				return FDB_CONFLICT;
			e->updated = now;
			return FDB_REFRESH;
		}
		e->updated = now;
		if (e->kind == FDB_LOCAL && e->port == port)
			return FDB_REFRESH;
		e->kind = FDB_LOCAL;
		e->port = port;
		memset(&e->peer, 0, sizeof(e->peer));
		return FDB_MOVED;
	}

	e = fdb_alloc(fdb, bucket, netid, mac);
	if (!e)
		return FDB_FULL;
	e->kind = FDB_LOCAL;
	e->port = port;
	e->updated = now;
	e->used = now;
	return FDB_NEW;
}

/**
 * fdb_add_local_static() - Pin @mac in @netid to local @port: the port's own address
 * @fdb:	table
 * @netid:	network id
 * @mac:	MAC address
 * @port:	local port id
 * @now:	current time, ms
 *
 * The TAP's own MAC must never be learned from the underlay, even before the TAP has sent a
 * frame or after a quiet spell longer than the ageing time: so it is in the table from the
 * start, never ages, and any remote claim on it is a conflict. An existing entry is replaced.
 *
 * Return: FDB_NEW, FDB_MOVED (an entry was replaced) or FDB_FULL
 */
enum fdb_result fdb_add_local_static(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
				     uint16_t port, uint64_t now)
{
	uint64_t key = fdb_key(netid, mac);
	uint32_t *bucket = fdb_bucket(fdb, key);
	struct fdb_entry *e = chain_find(fdb, bucket, key, NULL);
	enum fdb_result r = FDB_MOVED;

	if (!e) {
		e = fdb_alloc(fdb, bucket, netid, mac);
		if (!e)
			return FDB_FULL;
		r = FDB_NEW;
	}
	e->kind = FDB_LOCAL;
	e->flags = FDB_F_STATIC;
	e->port = port;
	memset(&e->peer, 0, sizeof(e->peer));
	e->updated = now;
	e->used = now;
	return r;
}

/**
 * fdb_add_static() - Add or replace a static remote entry: @mac in @netid is behind @peer
 * @fdb:	table
 * @netid:	network id
 * @mac:	MAC address
 * @peer:	underlay address and port
 * @now:	current time, ms
 *
 * A static entry never ages and is never moved by learning (local or remote) or flushed by
 * fdb_flush_peer(); only fdb_delete() or another fdb_add_static() changes it. An existing
 * entry of any kind for the same key is replaced.
 *
 * Return: FDB_NEW, FDB_REFRESH (the same static entry existed), FDB_MOVED (an entry was
 * replaced) or FDB_FULL
 */
enum fdb_result fdb_add_static(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
			       const union qdes_sockaddr *peer, uint64_t now)
{
	uint64_t key = fdb_key(netid, mac);
	uint32_t *bucket = fdb_bucket(fdb, key);
	struct fdb_entry *e = chain_find(fdb, bucket, key, NULL);
	enum fdb_result r = FDB_NEW;

	if (e) {
		r = (e->kind == FDB_REMOTE && (e->flags & FDB_F_STATIC) &&
		     addr_equal(&e->peer, peer))
			    ? FDB_REFRESH
			    : FDB_MOVED;
	} else {
		e = fdb_alloc(fdb, bucket, netid, mac);
		if (!e)
			return FDB_FULL;
		e->used = now;
	}
	e->kind = FDB_REMOTE;
	e->flags = FDB_F_STATIC;
	e->port = 0;
	e->peer = *peer;
	e->updated = now;
	return r;
}

/**
 * fdb_lookup() - Find the entry for @mac in @netid
 * @fdb:	table
 * @netid:	network id
 * @mac:	MAC address
 *
 * Timestamps are left alone: a caller that forwards by the entry sets @used itself.
 *
 * Return: the entry, valid until the table is next changed, or NULL
 */
struct fdb_entry *fdb_lookup(struct fdb *fdb, uint16_t netid, const uint8_t *mac)
{
	uint64_t key = fdb_key(netid, mac);

	return chain_find(fdb, fdb_bucket(fdb, key), key, NULL);
}

/**
 * fdb_delete() - Remove the entry for @mac in @netid, static or not
 * @fdb:	table
 * @netid:	network id
 * @mac:	MAC address
 *
 * Return: true if there was one
 */
bool fdb_delete(struct fdb *fdb, uint16_t netid, const uint8_t *mac)
{
	uint64_t key = fdb_key(netid, mac);
	uint32_t *link = NULL;
	struct fdb_entry *e = chain_find(fdb, fdb_bucket(fdb, key), key, &link);

	if (!e)
		return false;
	fdb_release(fdb, link, e);
	return true;
}

/**
 * fdb_age() - Remove dynamic entries not refreshed for @ageing_ms
 * @fdb:	table
 * @now:	current time, ms
 * @ageing_ms:	ageing time, ms
 *
 * An entry goes when @now - @updated >= @ageing_ms. Static entries stay; so does an entry
 * stamped later than @now (a caller's clock that went backwards must not flush the table).
 *
 * Return: how many entries were removed
 */
unsigned int fdb_age(struct fdb *fdb, uint64_t now, uint64_t ageing_ms)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->top; i++) {
		struct fdb_entry *e = &fdb->pool[i];

		if (!entry_in_use(e) || (e->flags & FDB_F_STATIC))
			continue;
		if (now >= e->updated && now - e->updated >= ageing_ms) {
			fdb_unlink(fdb, e);
			n++;
		}
	}
	return n;
}

/**
 * fdb_flush_peer() - Remove the dynamic entries that point at @peer (it left the segment)
 * @fdb:	table
 * @peer:	underlay address and port, compared with addr_equal()
 *
 * Return: how many entries were removed
 */
unsigned int fdb_flush_peer(struct fdb *fdb, const union qdes_sockaddr *peer)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->top; i++) {
		struct fdb_entry *e = &fdb->pool[i];

		if (!entry_in_use(e) || e->kind != FDB_REMOTE || (e->flags & FDB_F_STATIC))
			continue;
		if (addr_equal(&e->peer, peer)) {
			fdb_unlink(fdb, e);
			n++;
		}
	}
	return n;
}

/**
 * fdb_flush_port() - Remove the entries learned on local port @port (it went away)
 * @fdb:	table
 * @port:	local port id
 *
 * Return: how many entries were removed
 */
unsigned int fdb_flush_port(struct fdb *fdb, uint16_t port)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->top; i++) {
		struct fdb_entry *e = &fdb->pool[i];

		if (!entry_in_use(e) || e->kind != FDB_LOCAL || e->port != port)
			continue;
		fdb_unlink(fdb, e);
		n++;
	}
	return n;
}

/**
 * fdb_count() - Number of entries in the table
 * @fdb:	table
 *
 * Return: entries in use, static ones included
 */
unsigned int fdb_count(const struct fdb *fdb)
{
	return fdb->count;
}

/**
 * fdb_max() - The bound on entries now: fdb_new()'s, or fdb_set_limit()'s
 * @fdb:	table
 *
 * Return: the most entries the table holds
 */
unsigned int fdb_max(const struct fdb *fdb)
{
	return fdb->limit;
}

/* Dynamic entries by age, oldest first, for fdb_set_limit() */
struct by_age {
	uint64_t updated;
	uint32_t idx;
};

static int cmp_age(const void *a, const void *b)
{
	const struct by_age *x = a, *y = b;

	return x->updated < y->updated ? -1 : x->updated > y->updated;
}

/**
 * fdb_set_limit() - Change the bound on entries, up to the size fdb_new() was given
 * @fdb:	table
 * @limit:	new bound, 1 to the size at fdb_new()
 * @evicted:	how many dynamic entries went to fit, oldest first
 *
 * Static entries stay even when they alone are more than @limit: nothing new is learnt then.
 *
 * Return: 0, or -1 (errno EINVAL: beyond the pool; ENOMEM: nothing changed)
 */
int fdb_set_limit(struct fdb *fdb, unsigned int limit, unsigned int *evicted)
{
	struct by_age *v = NULL;
	uint32_t i, n = 0, k;

	*evicted = 0;
	if (!limit || limit > fdb->max) {
		errno = EINVAL;
		return -1;
	}
	if (fdb->count > limit) {
		v = malloc((size_t)fdb->count * sizeof(*v));
		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		for (i = 0; i < fdb->top; i++) {
			const struct fdb_entry *e = &fdb->pool[i];

			if (entry_in_use(e) && !(e->flags & FDB_F_STATIC))
				v[n++] = (struct by_age){e->updated, i};
		}
		qsort(v, n, sizeof(*v), cmp_age);
		for (k = 0; k < n && fdb->count > limit; k++) {
			fdb_unlink(fdb, &fdb->pool[v[k].idx]);
			(*evicted)++;
		}
		free(v);
	}
	fdb->limit = limit;
	return 0;
}

/**
 * fdb_flush() - Remove every entry but the local static ones (the ports' own MACs)
 * @fdb:	table
 * @keep_static: keep static remote entries too (fdb flush dynamic)
 *
 * Return: how many entries were removed
 */
unsigned int fdb_flush(struct fdb *fdb, bool keep_static)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < fdb->top; i++) {
		struct fdb_entry *e = &fdb->pool[i];

		if (!entry_in_use(e) ||
		    ((e->flags & FDB_F_STATIC) && (keep_static || e->kind == FDB_LOCAL)))
			continue;
		fdb_unlink(fdb, e);
		n++;
	}
	return n;
}

/**
 * fdb_walk() - Call @fn for the entries of a part of the table, from where the last call ended
 * @fdb:	table
 * @cursor:	0 at the start; where to go on, updated
 * @budget:	slots to look at in this call (a dump holds the lock for one part at a time)
 * @fn:		callback; it must not change the table
 * @arg:	passed to @fn
 *
 * Between calls the table may change: an entry made or removed meanwhile may be seen or not,
 * as with a netlink dump; one that stays all along is seen exactly once.
 *
 * Return: true when the walk has reached the end
 */
bool fdb_walk(struct fdb *fdb, uint32_t *cursor, unsigned int budget,
	      void (*fn)(const struct fdb_entry *e, void *arg), void *arg)
{
	uint32_t i;

	for (i = *cursor; i < fdb->top && budget; i++, budget--)
		if (entry_in_use(&fdb->pool[i]))
			fn(&fdb->pool[i], arg);
	*cursor = i;
	return i >= fdb->top;
}

/**
 * fdb_foreach() - Call @fn for every entry
 * @fdb:	table
 * @fn:		callback; it must not change the table
 * @arg:	passed to @fn
 *
 * Order is that of the pool, not of MACs or age.
 */
void fdb_foreach(struct fdb *fdb, void (*fn)(const struct fdb_entry *e, void *arg), void *arg)
{
	for (uint32_t i = 0; i < fdb->top; i++) {
		const struct fdb_entry *e = &fdb->pool[i];

		if (entry_in_use(e))
			fn(e, arg);
	}
}

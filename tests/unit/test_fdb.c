// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fdb.c - Unit tests of the forwarding database: learning, conflicts, bounds, ageing */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "addr.h"
#include "ether.h"
#include "fdb.h"

#define SEED 0x0123456789abcdefULL

/* A locally administered unicast MAC numbered @n: 02:00:nn:nn:nn:nn */
static void mac_n(uint32_t n, uint8_t mac[ETH_ALEN_])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(n >> 24);
	mac[3] = (uint8_t)(n >> 16);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

static union qdes_sockaddr peer(const char *s)
{
	union qdes_sockaddr a;

	assert_int_equal(addr_parse(s, 0, true, &a), 0);
	return a;
}

static struct fdb *new_fdb(unsigned int max)
{
	struct fdb *fdb = fdb_new(max, SEED);

	assert_non_null(fdb);
	assert_int_equal(fdb_max(fdb), max);
	assert_int_equal(fdb_count(fdb), 0);
	return fdb;
}

/* xorshift64*: deterministic pseudo-random MACs, so a failure reproduces */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void test_new_bounds(void **state)
{
	(void)state;
	errno = 0;
	assert_null(fdb_new(0, SEED));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fdb_new(FDB_MAX_ENTRIES_LIMIT + 1, SEED));
	assert_int_equal(errno, EINVAL);
	fdb_free(NULL);
}

static void test_learn_remote_lookup(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p = peer("10.77.0.2:43512");
	uint8_t mac[ETH_ALEN_], other[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(1, mac);
	mac_n(2, other);
	assert_null(fdb_lookup(fdb, 42, mac));
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p, 1000), FDB_NEW);
	assert_int_equal(fdb_count(fdb), 1);

	e = fdb_lookup(fdb, 42, mac);
	assert_non_null(e);
	assert_memory_equal(e->mac, mac, ETH_ALEN_);
	assert_int_equal(e->netid, 42);
	assert_int_equal(e->kind, FDB_REMOTE);
	assert_int_equal(e->flags, 0);
	assert_true(addr_equal(&e->peer, &p));
	assert_int_equal(e->updated, 1000);
	assert_null(fdb_lookup(fdb, 42, other));

	/* Lookup leaves the timestamps to the caller */
	e->used = 1500;
	e = fdb_lookup(fdb, 42, mac);
	assert_int_equal(e->used, 1500);
	assert_int_equal(e->updated, 1000);
	fdb_free(fdb);
}

static void test_learn_local_lookup(void **state)
{
	struct fdb *fdb = new_fdb(16);
	uint8_t mac[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(7, mac);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 3, 10), FDB_NEW);
	e = fdb_lookup(fdb, 42, mac);
	assert_non_null(e);
	assert_int_equal(e->kind, FDB_LOCAL);
	assert_int_equal(e->port, 3);
	assert_int_equal(e->updated, 10);

	assert_int_equal(fdb_learn_local(fdb, 42, mac, 3, 20), FDB_REFRESH);
	assert_int_equal(e->updated, 20);
	/* Another local port: the MAC moved between ports */
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 4, 30), FDB_MOVED);
	assert_int_equal(e->port, 4);
	assert_int_equal(e->updated, 30);
	assert_int_equal(fdb_count(fdb), 1);
	fdb_free(fdb);
}

static void test_netids_distinct(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000"), p2 = peer("10.77.0.2:5000");
	uint8_t mac[ETH_ALEN_];

	(void)state;
	mac_n(1, mac);
	assert_int_equal(fdb_learn_remote(fdb, 1, mac, &p1, 0), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 2, mac, &p2, 0), FDB_NEW);
	assert_int_equal(fdb_learn_local(fdb, 256, mac, 0, 0), FDB_NEW);
	assert_int_equal(fdb_count(fdb), 3);

	assert_true(addr_equal(&fdb_lookup(fdb, 1, mac)->peer, &p1));
	assert_true(addr_equal(&fdb_lookup(fdb, 2, mac)->peer, &p2));
	assert_int_equal(fdb_lookup(fdb, 256, mac)->kind, FDB_LOCAL);
	assert_null(fdb_lookup(fdb, 3, mac));
	assert_null(fdb_lookup(fdb, 0, mac));

	assert_true(fdb_delete(fdb, 2, mac));
	assert_false(fdb_delete(fdb, 2, mac));
	assert_non_null(fdb_lookup(fdb, 1, mac));
	assert_null(fdb_lookup(fdb, 2, mac));
	assert_int_equal(fdb_count(fdb), 2);
	fdb_free(fdb);
}

static void test_refresh_and_move(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000");
	union qdes_sockaddr p1b = peer("10.77.0.1:5001");
	union qdes_sockaddr p6 = peer("[fd77::3]:5000");
	uint8_t mac[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(1, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 100), FDB_NEW);
	e = fdb_lookup(fdb, 42, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 200), FDB_REFRESH);
	assert_int_equal(e->updated, 200);
	assert_true(addr_equal(&e->peer, &p1));

	/* Same host, another port: another member */
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1b, 300), FDB_MOVED);
	assert_true(addr_equal(&e->peer, &p1b));
	assert_int_equal(e->updated, 300);

	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p6, 400), FDB_MOVED);
	assert_true(addr_equal(&e->peer, &p6));
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p6, 500), FDB_REFRESH);
	assert_int_equal(e->kind, FDB_REMOTE);
	assert_int_equal(fdb_count(fdb), 1);
	fdb_free(fdb);
}

static void test_conflict(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000"), p2 = peer("10.77.0.2:5000");
	uint8_t local[ETH_ALEN_], stat[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(1, local);
	mac_n(2, stat);

	/* A remote claim on a MAC of a local port changes nothing */
	assert_int_equal(fdb_learn_local(fdb, 42, local, 0, 100), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 42, local, &p1, 200), FDB_CONFLICT);
	e = fdb_lookup(fdb, 42, local);
	assert_int_equal(e->kind, FDB_LOCAL);
	assert_int_equal(e->port, 0);
	assert_int_equal(e->updated, 100);

	/* Nor on a static entry, from the underlay or from a local port */
	assert_int_equal(fdb_add_static(fdb, 42, stat, &p1, 100), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 42, stat, &p2, 200), FDB_CONFLICT);
	assert_int_equal(fdb_learn_remote(fdb, 42, stat, &p1, 200), FDB_CONFLICT);
	assert_int_equal(fdb_learn_local(fdb, 42, stat, 0, 200), FDB_CONFLICT);
	e = fdb_lookup(fdb, 42, stat);
	assert_int_equal(e->kind, FDB_REMOTE);
	assert_int_equal(e->flags, FDB_F_STATIC);
	assert_true(addr_equal(&e->peer, &p1));
	assert_int_equal(e->updated, 100);
	assert_int_equal(fdb_count(fdb), 2);
	fdb_free(fdb);
}

static void test_local_takes_over_remote(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000");
	uint8_t mac[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(1, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 100), FDB_NEW);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 5, 200), FDB_MOVED);
	e = fdb_lookup(fdb, 42, mac);
	assert_int_equal(e->kind, FDB_LOCAL);
	assert_int_equal(e->port, 5);
	assert_int_equal(e->updated, 200);
	/* ... and from then on the underlay cannot take it back */
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 300), FDB_CONFLICT);
	assert_int_equal(e->kind, FDB_LOCAL);
	/* Gone from the local port (flushed): the underlay may learn it again */
	assert_int_equal(fdb_flush_port(fdb, 5), 1);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 400), FDB_NEW);
	fdb_free(fdb);
}

static void test_static_replace(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000"), p2 = peer("10.77.0.2:5000");
	uint8_t mac[ETH_ALEN_], mac2[ETH_ALEN_];
	struct fdb_entry *e;

	(void)state;
	mac_n(1, mac);
	mac_n(2, mac2);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 1, 100), FDB_NEW);
	assert_int_equal(fdb_add_static(fdb, 42, mac, &p1, 200), FDB_MOVED);
	e = fdb_lookup(fdb, 42, mac);
	assert_int_equal(e->kind, FDB_REMOTE);
	assert_int_equal(e->flags, FDB_F_STATIC);
	assert_int_equal(e->port, 0);
	assert_true(addr_equal(&e->peer, &p1));
	assert_int_equal(fdb_add_static(fdb, 42, mac, &p1, 300), FDB_REFRESH);
	assert_int_equal(fdb_add_static(fdb, 42, mac, &p2, 400), FDB_MOVED);
	assert_true(addr_equal(&e->peer, &p2));

	assert_int_equal(fdb_learn_remote(fdb, 42, mac2, &p1, 100), FDB_NEW);
	assert_int_equal(fdb_add_static(fdb, 42, mac2, &p2, 200), FDB_MOVED);
	e = fdb_lookup(fdb, 42, mac2);
	assert_int_equal(e->flags, FDB_F_STATIC);
	assert_true(addr_equal(&e->peer, &p2));
	assert_int_equal(fdb_count(fdb), 2);

	assert_true(fdb_delete(fdb, 42, mac));
	assert_null(fdb_lookup(fdb, 42, mac));
	assert_int_equal(fdb_count(fdb), 1);
	fdb_free(fdb);
}

static void test_full(void **state)
{
	struct fdb *fdb = new_fdb(4);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000"), p2 = peer("10.77.0.2:5000");
	uint8_t mac[ETH_ALEN_];
	uint32_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		mac_n(i, mac);
		assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 100), FDB_NEW);
	}
	mac_n(3, mac);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 0, 200), FDB_NEW);
	assert_int_equal(fdb_count(fdb), 4);

	/* Full: new MACs (and new netids of known MACs) are not learned, by any path */
	mac_n(4, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 300), FDB_FULL);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 0, 300), FDB_FULL);
	assert_int_equal(fdb_add_static(fdb, 42, mac, &p1, 300), FDB_FULL);
	assert_null(fdb_lookup(fdb, 42, mac));
	mac_n(0, mac);
	assert_int_equal(fdb_learn_remote(fdb, 43, mac, &p1, 300), FDB_FULL);
	assert_null(fdb_lookup(fdb, 43, mac));
	assert_int_equal(fdb_count(fdb), 4);

	/* Known ones still refresh and move */
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 300), FDB_REFRESH);
	mac_n(1, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p2, 300), FDB_MOVED);

	/* Ageing makes room: the entries of time 100 and 200 that were not refreshed go */
	assert_int_equal(fdb_age(fdb, 1000, 750), 2);
	assert_int_equal(fdb_count(fdb), 2);
	mac_n(4, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 1000), FDB_NEW);
	mac_n(5, mac);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 0, 1000), FDB_NEW);
	mac_n(6, mac);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &p1, 1000), FDB_FULL);
	assert_int_equal(fdb_count(fdb), 4);
	fdb_free(fdb);
}

static void test_one_entry(void **state)
{
	struct fdb *fdb = new_fdb(1);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000");
	uint8_t a[ETH_ALEN_], b[ETH_ALEN_];

	(void)state;
	mac_n(1, a);
	mac_n(2, b);
	assert_int_equal(fdb_learn_remote(fdb, 42, a, &p1, 0), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 42, b, &p1, 0), FDB_FULL);
	assert_true(fdb_delete(fdb, 42, a));
	assert_int_equal(fdb_learn_remote(fdb, 42, b, &p1, 0), FDB_NEW);
	assert_null(fdb_lookup(fdb, 42, a));
	assert_non_null(fdb_lookup(fdb, 42, b));
	fdb_free(fdb);
}

static void test_ageing(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr p1 = peer("10.77.0.1:5000");
	uint8_t old[ETH_ALEN_], fresh[ETH_ALEN_], stat[ETH_ALEN_], loc[ETH_ALEN_], fut[ETH_ALEN_];

	(void)state;
	mac_n(1, old);
	mac_n(2, fresh);
	mac_n(3, stat);
	mac_n(4, loc);
	mac_n(5, fut);
	assert_int_equal(fdb_learn_remote(fdb, 42, old, &p1, 0), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 42, fresh, &p1, 500), FDB_NEW);
	assert_int_equal(fdb_add_static(fdb, 42, stat, &p1, 0), FDB_NEW);
	assert_int_equal(fdb_learn_local(fdb, 42, loc, 0, 0), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 42, fut, &p1, 5000), FDB_NEW);

	assert_int_equal(fdb_age(fdb, 999, 1000), 0);
	assert_int_equal(fdb_count(fdb), 5);
	/* Exactly the ageing time old: gone */
	assert_int_equal(fdb_age(fdb, 1000, 1000), 2);
	assert_null(fdb_lookup(fdb, 42, old));
	assert_null(fdb_lookup(fdb, 42, loc));
	assert_non_null(fdb_lookup(fdb, 42, fresh));
	assert_non_null(fdb_lookup(fdb, 42, stat));
	/* Stamped after "now": the clock went back; keep it */
	assert_non_null(fdb_lookup(fdb, 42, fut));

	/* A refresh resets the age */
	assert_int_equal(fdb_learn_remote(fdb, 42, fresh, &p1, 1400), FDB_REFRESH);
	assert_int_equal(fdb_age(fdb, 1500, 1000), 0);
	assert_int_equal(fdb_age(fdb, 2400, 1000), 1);
	assert_null(fdb_lookup(fdb, 42, fresh));

	/* Static entries never age */
	assert_int_equal(fdb_age(fdb, 1000000, 1000), 1);
	assert_non_null(fdb_lookup(fdb, 42, stat));
	assert_int_equal(fdb_count(fdb), 1);
	fdb_free(fdb);
}

static void test_flush_peer(void **state)
{
	struct fdb *fdb = new_fdb(64);
	union qdes_sockaddr a = peer("10.77.0.1:5000"), a_port = peer("10.77.0.1:5001");
	union qdes_sockaddr b = peer("10.77.0.2:5000"), v6 = peer("[fd77::1]:5000");
	uint8_t mac[ETH_ALEN_];
	uint32_t i;

	(void)state;
	/* 0-9 behind a, 10-19 behind a's other port, 20-29 behind b, 30-39 behind v6 */
	for (i = 0; i < 40; i++) {
		const union qdes_sockaddr *p = i < 10 ? &a : i < 20 ? &a_port : i < 30 ? &b : &v6;

		mac_n(i, mac);
		assert_int_equal(fdb_learn_remote(fdb, 42, mac, p, 0), FDB_NEW);
	}
	mac_n(100, mac);
	assert_int_equal(fdb_add_static(fdb, 42, mac, &a, 0), FDB_NEW);
	mac_n(101, mac);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 0, 0), FDB_NEW);

	assert_int_equal(fdb_flush_peer(fdb, &a), 10);
	assert_int_equal(fdb_count(fdb), 32);
	for (i = 0; i < 40; i++) {
		mac_n(i, mac);
		if (i < 10)
			assert_null(fdb_lookup(fdb, 42, mac));
		else
			assert_non_null(fdb_lookup(fdb, 42, mac));
	}
	mac_n(100, mac);
	assert_non_null(fdb_lookup(fdb, 42, mac));
	mac_n(101, mac);
	assert_non_null(fdb_lookup(fdb, 42, mac));

	assert_int_equal(fdb_flush_peer(fdb, &a), 0);
	assert_int_equal(fdb_flush_peer(fdb, &v6), 10);
	assert_int_equal(fdb_flush_peer(fdb, &b), 10);
	assert_int_equal(fdb_flush_peer(fdb, &a_port), 10);
	assert_int_equal(fdb_count(fdb), 2);
	fdb_free(fdb);
}

static void test_flush_port(void **state)
{
	struct fdb *fdb = new_fdb(64);
	union qdes_sockaddr a = peer("10.77.0.1:5000");
	uint8_t mac[ETH_ALEN_];
	uint32_t i;

	(void)state;
	for (i = 0; i < 30; i++) {
		mac_n(i, mac);
		if (i < 20)
			assert_int_equal(fdb_learn_local(fdb, 42, mac, (uint16_t)(i % 2), 0),
					 FDB_NEW);
		else
			assert_int_equal(fdb_learn_remote(fdb, 42, mac, &a, 0), FDB_NEW);
	}
	assert_int_equal(fdb_flush_port(fdb, 1), 10);
	assert_int_equal(fdb_flush_port(fdb, 7), 0);
	assert_int_equal(fdb_count(fdb), 20);
	for (i = 0; i < 30; i++) {
		mac_n(i, mac);
		if (i < 20 && i % 2)
			assert_null(fdb_lookup(fdb, 42, mac));
		else
			assert_non_null(fdb_lookup(fdb, 42, mac));
	}
	fdb_free(fdb);
}

struct census {
	unsigned int local, remote, stat;
};

static void count_entry(const struct fdb_entry *e, void *arg)
{
	struct census *c = arg;

	if (e->kind == FDB_LOCAL)
		c->local++;
	else if (e->flags & FDB_F_STATIC)
		c->stat++;
	else
		c->remote++;
}

static void test_foreach(void **state)
{
	struct fdb *fdb = new_fdb(16);
	union qdes_sockaddr a = peer("10.77.0.1:5000");
	struct census c = {0};
	uint8_t mac[ETH_ALEN_];
	uint32_t i;

	(void)state;
	for (i = 0; i < 10; i++) {
		mac_n(i, mac);
		if (i < 3)
			fdb_learn_local(fdb, 42, mac, 0, 0);
		else if (i < 8)
			fdb_learn_remote(fdb, 42, mac, &a, 0);
		else
			fdb_add_static(fdb, 42, mac, &a, 0);
	}
	/* Freed slots are skipped */
	mac_n(0, mac);
	assert_true(fdb_delete(fdb, 42, mac));
	mac_n(5, mac);
	assert_true(fdb_delete(fdb, 42, mac));
	fdb_foreach(fdb, count_entry, &c);
	assert_int_equal(c.local, 2);
	assert_int_equal(c.remote, 4);
	assert_int_equal(c.stat, 2);
	fdb_free(fdb);
}

/*
 * Unlinking at every position of every chain: 256 entries in 256 buckets share buckets
 * (birthday bound), so each deletion hits a chain head, middle or tail somewhere.
 */
static void test_delete_in_chains(void **state)
{
	enum { N = 256 };
	union qdes_sockaddr a = peer("10.77.0.1:5000");
	uint8_t mac[ETH_ALEN_];
	uint32_t k, i;

	(void)state;
	for (k = 0; k < N; k++) {
		struct fdb *fdb = new_fdb(N);

		for (i = 0; i < N; i++) {
			mac_n(i, mac);
			assert_int_equal(fdb_learn_remote(fdb, 42, mac, &a, i), FDB_NEW);
		}
		mac_n(k, mac);
		assert_true(fdb_delete(fdb, 42, mac));
		assert_int_equal(fdb_count(fdb), N - 1);
		for (i = 0; i < N; i++) {
			mac_n(i, mac);
			if (i == k)
				assert_null(fdb_lookup(fdb, 42, mac));
			else
				assert_int_equal(fdb_lookup(fdb, 42, mac)->updated, i);
		}
		mac_n(k, mac);
		assert_int_equal(fdb_learn_remote(fdb, 42, mac, &a, 0), FDB_NEW);
		fdb_free(fdb);
	}

	/* Ageing removes every other entry (updated = i, so the even ones are old) */
	{
		struct fdb *fdb = new_fdb(N);

		for (i = 0; i < N; i++) {
			mac_n(i, mac);
			fdb_learn_remote(fdb, 42, mac, &a, i % 2 ? 1000 : 0);
		}
		assert_int_equal(fdb_age(fdb, 1000, 1000), N / 2);
		for (i = 0; i < N; i++) {
			mac_n(i, mac);
			if (i % 2)
				assert_non_null(fdb_lookup(fdb, 42, mac));
			else
				assert_null(fdb_lookup(fdb, 42, mac));
		}
		/* The freed slots are reused */
		for (i = N; i < N + N / 2; i++) {
			mac_n(i, mac);
			assert_int_equal(fdb_learn_remote(fdb, 42, mac, &a, 2000), FDB_NEW);
		}
		mac_n(2 * N, mac);
		assert_int_equal(fdb_learn_remote(fdb, 42, mac, &a, 2000), FDB_FULL);
		for (i = 0; i < N + N / 2; i++) {
			mac_n(i, mac);
			assert_true((fdb_lookup(fdb, 42, mac) != NULL) == (i >= N || i % 2));
		}
		fdb_free(fdb);
	}
}

/*
 * 100000 random MACs into a table of 65536: the count never passes the bound, every MAC that
 * was learned is found with its peer, every one refused is absent; then ageing frees room.
 */
static void test_large(void **state)
{
	enum { N = 100000, MAX = 65536 };
	uint8_t(*macs)[ETH_ALEN_] = calloc(N, ETH_ALEN_);
	bool *learned = calloc(N, sizeof(*learned));
	struct fdb *fdb = new_fdb(MAX);
	unsigned int nlearned = 0, nold = 0, i;
	uint64_t s = 88172645463325252ULL;
	union qdes_sockaddr p;

	(void)state;
	assert_non_null(macs);
	assert_non_null(learned);
	for (i = 0; i < N; i++) {
		uint64_t r = rnd(&s);
		enum fdb_result res;

		memcpy(macs[i], &r, ETH_ALEN_);
		macs[i][0] = (uint8_t)((macs[i][0] & 0xfe) | 0x02);
		p = peer("10.77.0.1:5000");
		p.in4.sin_addr.s_addr = htonl(0x0a4d0000 | (i & 0xffff));
		res = fdb_learn_remote(fdb, (uint16_t)(i & 3), macs[i], &p, i);
		if (res == FDB_NEW) {
			learned[i] = true;
			nlearned++;
		} else {
			/* 2^48 random MACs: a repeat would be a bug in this test, not the table */
			assert_int_equal(res, FDB_FULL);
			assert_int_equal(fdb_count(fdb), MAX);
		}
		assert_true(fdb_count(fdb) <= MAX);
	}
	assert_int_equal(nlearned, MAX);
	assert_int_equal(fdb_count(fdb), MAX);

	for (i = 0; i < N; i++) {
		struct fdb_entry *e = fdb_lookup(fdb, (uint16_t)(i & 3), macs[i]);

		if (!learned[i]) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_memory_equal(e->mac, macs[i], ETH_ALEN_);
		assert_int_equal(e->netid, i & 3);
		assert_int_equal(ntohl(e->peer.in4.sin_addr.s_addr), 0x0a4d0000 | (i & 0xffff));
		assert_int_equal(e->updated, i);
		/* The same MAC in another network is another key */
		assert_null(fdb_lookup(fdb, (uint16_t)((i & 3) + 4), macs[i]));
	}

	/* Age out the ones learned before time 30000 and learn the refused ones instead */
	for (i = 0; i < 30000; i++)
		nold += learned[i];
	/* now - updated >= ageing  <=>  updated <= 29999 */
	assert_int_equal(fdb_age(fdb, N, N - 29999), nold);
	assert_int_equal(fdb_count(fdb), MAX - nold);
	for (i = 0; i < N; i++) {
		struct fdb_entry *e = fdb_lookup(fdb, (uint16_t)(i & 3), macs[i]);

		assert_true((e != NULL) == (learned[i] && i >= 30000));
	}
	for (i = 0; i < N && fdb_count(fdb) < MAX; i++) {
		if (learned[i])
			continue;
		p = peer("10.77.0.2:5000");
		assert_int_equal(fdb_learn_remote(fdb, (uint16_t)(i & 3), macs[i], &p, N), FDB_NEW);
	}
	assert_int_equal(fdb_count(fdb), MAX);

	free(macs);
	free(learned);
	fdb_free(fdb);
}

/* The same keys under two seeds: both tables work (the seed only moves buckets) */
static void test_seeds(void **state)
{
	union qdes_sockaddr a = peer("10.77.0.1:5000");
	uint64_t seeds[] = {0, 1, ~0ULL};
	uint8_t mac[ETH_ALEN_];
	size_t k;
	uint32_t i;

	(void)state;
	for (k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		struct fdb *fdb = fdb_new(1000, seeds[k]);

		assert_non_null(fdb);
		for (i = 0; i < 1000; i++) {
			mac_n(i, mac);
			assert_int_equal(fdb_learn_remote(fdb, 1, mac, &a, 0), FDB_NEW);
		}
		for (i = 0; i < 1000; i++) {
			mac_n(i, mac);
			assert_non_null(fdb_lookup(fdb, 1, mac));
		}
		fdb_free(fdb);
	}
}

/* The TAP's own MAC: never aged, never taken by a remote claim, refreshed by local frames */
static void test_local_static(void **state)
{
	const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x11};
	union qdes_sockaddr peer;
	struct fdb *fdb = fdb_new(16, 7);
	struct fdb_entry *e;

	(void)state;
	assert_non_null(fdb);
	assert_int_equal(addr_parse("10.77.0.9:4000", 0, true, &peer), 0);
	assert_int_equal(fdb_add_local_static(fdb, 42, mac, 0, 1000), FDB_NEW);
	assert_int_equal(fdb_age(fdb, 1000000, 300000), 0);
	assert_int_equal(fdb_learn_remote(fdb, 42, mac, &peer, 1000001), FDB_CONFLICT);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 0, 1000002), FDB_REFRESH);
	assert_int_equal(fdb_learn_local(fdb, 42, mac, 1, 1000003), FDB_CONFLICT);
	e = fdb_lookup(fdb, 42, mac);
	assert_non_null(e);
	assert_int_equal(e->kind, FDB_LOCAL);
	assert_int_equal(e->port, 0);
	assert_int_equal(e->updated, 1000002);
	assert_int_equal(fdb_flush_peer(fdb, &peer), 0);
	fdb_free(fdb);
}

/* Shrinking evicts the oldest dynamic entries first; static ones stay; no growth past the pool */
static void test_set_limit(void **state)
{
	union qdes_sockaddr p = peer("10.0.0.2:5000");
	struct fdb *fdb = new_fdb(8);
	unsigned int evicted, i;
	uint8_t mac[ETH_ALEN_];

	(void)state;
	for (i = 0; i < 6; i++) {
		mac_n(i, mac);
		/* entry i last seen at time 100 + i: 0 is the oldest */
		assert_int_equal(fdb_learn_remote(fdb, 1, mac, &p, 100 + i), FDB_NEW);
	}
	mac_n(100, mac);
	assert_int_equal(fdb_add_static(fdb, 1, mac, &p, 50), FDB_NEW);
	assert_int_equal(fdb_set_limit(fdb, 4, &evicted), 0);
	assert_int_equal(evicted, 3);
	assert_int_equal(fdb_count(fdb), 4);
	assert_int_equal(fdb_max(fdb), 4);
	for (i = 0; i < 6; i++) {
		mac_n(i, mac);
		/* 0, 1, 2 went (the oldest), 3, 4, 5 stay */
		assert_true((fdb_lookup(fdb, 1, mac) != NULL) == (i >= 3));
	}
	mac_n(100, mac);
	assert_non_null(fdb_lookup(fdb, 1, mac));
	/* full at the new bound: nothing more is learnt */
	mac_n(200, mac);
	assert_int_equal(fdb_learn_remote(fdb, 1, mac, &p, 300), FDB_FULL);
	/* back up to the pool's size, not past it */
	assert_int_equal(fdb_set_limit(fdb, 8, &evicted), 0);
	assert_int_equal(evicted, 0);
	assert_int_equal(fdb_learn_remote(fdb, 1, mac, &p, 300), FDB_NEW);
	assert_int_equal(fdb_set_limit(fdb, 9, &evicted), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fdb_set_limit(fdb, 0, &evicted), -1);
	/* static entries alone above the bound stay */
	assert_int_equal(fdb_set_limit(fdb, 1, &evicted), 0);
	assert_int_equal(fdb_count(fdb), 1);
	mac_n(100, mac);
	assert_non_null(fdb_lookup(fdb, 1, mac));
	fdb_free(fdb);
}

/* flush: everything but the ports' own MACs; flush dynamic keeps static remote entries too */
static void test_flush(void **state)
{
	union qdes_sockaddr p = peer("10.0.0.2:5000");
	struct fdb *fdb = new_fdb(16);
	uint8_t own[ETH_ALEN_], dyn[ETH_ALEN_], st[ETH_ALEN_], loc[ETH_ALEN_];

	(void)state;
	mac_n(1, own);
	mac_n(2, dyn);
	mac_n(3, st);
	mac_n(4, loc);
	assert_int_equal(fdb_add_local_static(fdb, 1, own, 0, 10), FDB_NEW);
	assert_int_equal(fdb_learn_remote(fdb, 1, dyn, &p, 10), FDB_NEW);
	assert_int_equal(fdb_add_static(fdb, 1, st, &p, 10), FDB_NEW);
	assert_int_equal(fdb_learn_local(fdb, 1, loc, 2, 10), FDB_NEW);
	assert_int_equal(fdb_flush(fdb, true), 2);
	assert_non_null(fdb_lookup(fdb, 1, own));
	assert_non_null(fdb_lookup(fdb, 1, st));
	assert_null(fdb_lookup(fdb, 1, dyn));
	assert_null(fdb_lookup(fdb, 1, loc));
	assert_int_equal(fdb_flush(fdb, false), 1);
	assert_non_null(fdb_lookup(fdb, 1, own));
	assert_null(fdb_lookup(fdb, 1, st));
	assert_int_equal(fdb_count(fdb), 1);
	fdb_free(fdb);
}

static void walk_seen(const struct fdb_entry *e, void *arg)
{
	unsigned int *seen = arg;

	seen[e->mac[5]]++;
}

/* A walk in parts sees every entry that stays exactly once, whatever the part size */
static void test_walk(void **state)
{
	union qdes_sockaddr p = peer("10.0.0.2:5000");
	struct fdb *fdb = new_fdb(256);
	unsigned int seen[256], i, budget, calls;
	uint8_t mac[ETH_ALEN_];
	uint32_t cursor;

	(void)state;
	for (i = 0; i < 200; i++) {
		mac_n(i, mac);
		assert_int_equal(fdb_learn_remote(fdb, 1, mac, &p, 10), FDB_NEW);
	}
	/* holes in the pool */
	for (i = 0; i < 200; i += 7) {
		mac_n(i, mac);
		assert_true(fdb_delete(fdb, 1, mac));
	}
	for (budget = 1; budget <= 256; budget = budget * 3 + 1) {
		memset(seen, 0, sizeof(seen));
		cursor = 0;
		calls = 0;
		while (!fdb_walk(fdb, &cursor, budget, walk_seen, seen))
			calls++;
		assert_true(calls <= 200 / budget + 1);
		for (i = 0; i < 200; i++)
			assert_int_equal(seen[i], i % 7 ? 1 : 0);
	}
	/* an empty table ends at once */
	fdb_free(fdb);
	fdb = new_fdb(4);
	cursor = 0;
	assert_true(fdb_walk(fdb, &cursor, 1, walk_seen, seen));
	fdb_free(fdb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_static),
		cmocka_unit_test(test_new_bounds),
		cmocka_unit_test(test_learn_remote_lookup),
		cmocka_unit_test(test_learn_local_lookup),
		cmocka_unit_test(test_netids_distinct),
		cmocka_unit_test(test_refresh_and_move),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_local_takes_over_remote),
		cmocka_unit_test(test_static_replace),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_one_entry),
		cmocka_unit_test(test_ageing),
		cmocka_unit_test(test_flush_peer),
		cmocka_unit_test(test_flush_port),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_delete_in_chains),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_set_limit),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_walk),

	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_peerstat.c - Unit tests of the per-member statistics: counting, lookups, the bound */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peerstat.h"

static union qdes_sockaddr member(unsigned int n)
{
	union qdes_sockaddr a;
	char s[32];

	snprintf(s, sizeof(s), "10.%u.%u.1:5000", n >> 8, n & 0xff);
	assert_int_equal(addr_parse(s, 0, true, &a), 0);
	return a;
}

static unsigned int slots_used(const struct peer_table *t)
{
	struct peer_stat st;
	unsigned int i, n = 0;

	for (i = 0; i < PEERSTAT_MAX; i++)
		n += peerstat_read(t, i, &st);
	return n;
}

/* Frames and bytes add up per member, each in its own slot; a leave notice is remembered */
static void test_counts(void **state)
{
	static struct peer_table t;
	union qdes_sockaddr a = member(1), b = member(2), a6;
	struct peer_stat st;
	unsigned int i, found = 0;

	(void)state;
	peerstat_init(&t, 42);
	assert_int_equal(addr_parse("[fd00::1]:5000", 0, true, &a6), 0);
	peerstat_rx(&t, &a, 100, 1000, false);
	peerstat_rx(&t, &b, 10, 1500, false);
	peerstat_rx(&t, &a, 50, 2000, false);
	peerstat_tx(&t, &a, 70);
	peerstat_rx(&t, &a6, 1, 2500, true);
	for (i = 0; i < PEERSTAT_MAX; i++) {
		if (!peerstat_read(&t, i, &st))
			continue;
		found++;
		if (addr_equal(&st.addr, &a)) {
			assert_int_equal(st.rx_frames, 2);
			assert_int_equal(st.rx_bytes, 150);
			assert_int_equal(st.tx_frames, 1);
			assert_int_equal(st.tx_bytes, 70);
			assert_int_equal(st.last_rx, 2000);
			assert_false(st.left);
		} else if (addr_equal(&st.addr, &b)) {
			assert_int_equal(st.rx_frames, 1);
			assert_int_equal(st.last_rx, 1500);
		} else {
			assert_true(addr_equal(&st.addr, &a6));
			/* a leave notice is no frame */
			assert_int_equal(st.rx_frames, 0);
			assert_true(st.left);
		}
	}
	assert_int_equal(found, 3);
	/* a frame after the leave: back */
	peerstat_rx(&t, &a6, 1, 3000, false);
	assert_ptr_equal(peerstat_get(&t, &a6), peerstat_get(&t, &a6));
	assert_false(peerstat_get(&t, &a6)->left);
}

/* The table never grows past its bound: members beyond it are not tracked, lookups still end */
static void test_bound(void **state)
{
	static struct peer_table t;
	union qdes_sockaddr a;
	unsigned int i;

	(void)state;
	peerstat_init(&t, 7);
	for (i = 0; i < 2 * PEERSTAT_MAX; i++) {
		a = member(i);
		peerstat_rx(&t, &a, 1, 1, false);
	}
	assert_int_equal(slots_used(&t), PEERSTAT_MAX - 1);
	a = member(2 * PEERSTAT_MAX + 1);
	assert_null(peerstat_get(&t, &a));
	/* the first ones are all still there, and counted twice now */
	for (i = 0; i < PEERSTAT_MAX - 1; i++) {
		a = member(i);
		peerstat_rx(&t, &a, 1, 2, false);
		assert_non_null(peerstat_get(&t, &a));
		assert_int_equal(peerstat_get(&t, &a)->rx_frames, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_macid.c - Unit tests of the stable MAC: machine-id files, the derivation and its vectors */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "macid.h"

static const char id[] = "0123456789abcdef0123456789abcdef";

static void mac_is(const uint8_t *mac, const char *want)
{
	char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	assert_string_equal(s, want);
}

/* Made with Python's hmac module from the man page's description, not with this code:
 * HMAC-SHA256(machine id, "qdes-tap mac v1\0" SEGMENT "\0" NETNS "\0" IFNAME "\0"), its first
 * six bytes, then the locally administered bit set and the group bit cleared */
static void test_vectors(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_int_equal(macid_derive(id, "qdes 42", "", "qdes0", mac), 0);
	mac_is(mac, "b6:8d:95:af:0e:ac");
	assert_int_equal(macid_derive(id, "qdes 42", "qt-ns1", "eth0", mac), 0);
	mac_is(mac, "86:c2:37:aa:2c:54");
}

static void test_each_part_counts(void **state)
{
	static const char *const tuples[][4] = {
		{id, "qdes 42", "", "qdes0"},
		{id, "qdes 43", "", "qdes0"},
		{id, "vxlan 42", "", "qdes0"},
		{id, "qdes 42", "ns1", "qdes0"},
		{id, "qdes 42", "ns2", "qdes0"},
		{id, "qdes 42", "", "qdes1"},
		{"1123456789abcdef0123456789abcdef", "qdes 42", "", "qdes0"},
		/* the separators keep "ab"+"c" and "a"+"bc" apart */
		{id, "qdes 42", "ab", "c"},
		{id, "qdes 42", "a", "bc"},
	};
	uint8_t mac[sizeof(tuples) / sizeof(tuples[0])][6], again[6];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(tuples) / sizeof(tuples[0]); i++) {
		assert_int_equal(macid_derive(tuples[i][0], tuples[i][1], tuples[i][2],
					      tuples[i][3], mac[i]),
				 0);
		/* unicast and locally administered, never all-zero */
		assert_int_equal(mac[i][0] & 0x03, 0x02);
		assert_int_equal(
			macid_derive(tuples[i][0], tuples[i][1], tuples[i][2], tuples[i][3], again),
			0);
		assert_memory_equal(mac[i], again, 6);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(mac[i], mac[j], 6);
	}
}

static void test_parse_machine_id(void **state)
{
	char out[MACID_MACHINE_LEN + 1];

	(void)state;
	assert_int_equal(macid_parse_machine_id(id, 32, out), 0);
	assert_string_equal(out, id);
	assert_int_equal(macid_parse_machine_id("0123456789abcdef0123456789abcdef\n", 33, out), 0);
	assert_string_equal(out, id);
	/* upper case, short, long, two newlines, a NUL, all zero, systemd's first-boot marker */
	assert_int_equal(macid_parse_machine_id("0123456789ABCDEF0123456789abcdef", 32, out), -1);
	assert_int_equal(macid_parse_machine_id(id, 31, out), -1);
	assert_int_equal(macid_parse_machine_id("0123456789abcdef0123456789abcdef0", 33, out), -1);
	assert_int_equal(macid_parse_machine_id("0123456789abcdef0123456789abcdef\n\n", 34, out),
			 -1);
	assert_int_equal(macid_parse_machine_id("0123456789abcdef\0"
						"123456789abcdef",
						32, out),
			 -1);
	assert_int_equal(macid_parse_machine_id("00000000000000000000000000000000", 32, out), -1);
	assert_int_equal(macid_parse_machine_id("uninitialized\n", 14, out), -1);
	assert_int_equal(macid_parse_machine_id("", 0, out), -1);
}

static void test_read_machine_id(void **state)
{
	char path[] = "/tmp/qt-macid-XXXXXX", out[MACID_MACHINE_LEN + 1];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef\n", 33), 33);
	assert_int_equal(macid_read_machine_id(path, out), 0);
	assert_string_equal(out, id);
	assert_int_equal(ftruncate(fd, 10), 0);
	errno = 0;
	assert_int_equal(macid_read_machine_id(path, out), -1);
	assert_int_equal(errno, EINVAL);
	close(fd);
	unlink(path);
	errno = 0;
	assert_int_equal(macid_read_machine_id(path, out), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_each_part_counts),
		cmocka_unit_test(test_parse_machine_id),
		cmocka_unit_test(test_read_machine_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

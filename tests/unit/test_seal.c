// SPDX-License-Identifier: GPL-2.0-or-later
/* test_seal.c - Unit tests of sealed datagrams: the man page's vectors, tampering, replay
 * windows, the bounded session table, key files */

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keyfile.h"
#include "replay.h"
#include "seal.h"

/* Key 00 01 ... 1f, session 0x0123456789abcdef (man page, PROTOCOL, Sealed datagrams). Made
 * with Python's cryptography (tests/tools/sealtool.py vector), not with this code. */
static const char key_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
#define SESSION 0x0123456789abcdefULL

static const uint8_t arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x0a, 0x2a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x2a, 0x00, 0x02,
};

/* Vector 5: the ARP request, counter 0 */
static const uint8_t vec5[] = {
	0x51, 0x44, 0x01, 0x01, 0x00, 0x2a, 0x15, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
	0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x76, 0x96, 0xca, 0x2c,
	0xfe, 0xc5, 0x28, 0x96, 0x78, 0x13, 0x9e, 0xae, 0x7c, 0x57, 0x2e, 0x49, 0x08, 0x7a,
	0x35, 0x53, 0x6c, 0x98, 0x22, 0xe9, 0x7b, 0x39, 0x1e, 0x9e, 0xc0, 0x8a, 0xed, 0xe8,
	0x98, 0x4d, 0xd1, 0x78, 0x6d, 0x3e, 0x86, 0x5d, 0x2a, 0x49, 0xfd, 0x54, 0xf8, 0xbb,
	0x34, 0xf5, 0xbe, 0xd0, 0x83, 0x97, 0x3b, 0x3a, 0x9f, 0xf3, 0xe3, 0xb0,
};

/* Vector 6: the leave notice, counter 1 */
static const uint8_t vec6[] = {
	0x51, 0x44, 0x01, 0x01, 0x00, 0x2a, 0x15, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
	0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2d, 0x6a, 0x49, 0x36,
	0x64, 0xe5, 0x3c, 0xd6, 0xdc, 0x6d, 0x50, 0xef, 0xc3, 0x57, 0x02, 0x94,
};

static struct seal_keyring ring_of(const char *b64)
{
	struct seal_keyring r = {0};
	uint8_t k[SEAL_KEY_LEN];
	char err[128];

	assert_int_equal(key_parse(b64, strlen(b64), k), 0);
	assert_int_equal(seal_ring_add(&r, k, NULL, err, sizeof(err)), 0);
	return r;
}

/* The 8-byte header sealed_encode() writes, the frame after 24 bytes */
static size_t plain(uint8_t *buf, const uint8_t *frame, size_t len)
{
	memset(buf, 0xee, QDES_SEALED_HDR_LEN);
	memcpy(buf, (const uint8_t[]){0x51, 0x44, 0x01, 0x01, 0x00, 0x2a, 0x00, 0x00}, 8);
	if (len)
		memcpy(buf + QDES_SEALED_HDR_LEN, frame, len);
	return QDES_SEALED_HDR_LEN + len;
}

static void test_vectors_seal(void **state)
{
	struct seal_keyring r = ring_of(key_b64);
	struct seal_tx tx;
	uint8_t in[256], out[256];
	size_t n;

	(void)state;
	assert_int_equal(r.key[0].id, 0x15);
	assert_int_equal(seal_tx_init(&tx, &r.key[0], SESSION), 0);
	/* out of place */
	n = seal_tx_seal(&tx, out, in, plain(in, arp, sizeof(arp)));
	assert_int_equal(n, sizeof(vec5));
	assert_memory_equal(out, vec5, sizeof(vec5));
	/* in place, the next counter: the leave notice */
	n = plain(in, NULL, 0);
	n = seal_tx_seal(&tx, in, in, n);
	assert_int_equal(n, sizeof(vec6));
	assert_memory_equal(in, vec6, sizeof(vec6));
	assert_int_equal(tx.counter, 2);
	seal_tx_free(&tx);
}

static void test_vectors_open_tamper_replay(void **state)
{
	struct seal_keyring r = ring_of(key_b64),
			    other = ring_of("QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=");
	struct seal_open_res res;
	EVP_CIPHER_CTX *scratch = NULL;
	struct seal_rx rx;
	uint8_t d[sizeof(vec5)];
	size_t i;

	(void)state;
	assert_int_equal(seal_rx_init(&rx, &r, 1), 0);
	/* every bit flipped, anywhere: not authentic, and no session is made */
	for (i = 0; i < sizeof(vec5) * 8; i++) {
		memcpy(d, vec5, sizeof(d));
		d[i / 8] ^= (uint8_t)(1u << (i % 8));
		enum proto_verdict v = seal_rx_open(&rx, &scratch, d, sizeof(d), 0, &res);
		/* byte 6 is the key id: another id is a key we do not have */
		assert_int_equal(v, i / 8 == 6 ? PROTO_DROP_KEY : PROTO_DROP_AUTH);
		assert_false(res.new_session);
	}
	assert_int_equal(seal_rx_sessions(&rx), 0);
	memcpy(d, vec5, sizeof(d));
	assert_int_equal(seal_rx_open(&rx, &scratch, d, sizeof(d), 0, &res), PROTO_FRAME);
	assert_true(res.new_session);
	assert_memory_equal(d + QDES_SEALED_HDR_LEN, arp, sizeof(arp));
	assert_int_equal(seal_rx_sessions(&rx), 1);
	/* the same datagram again: a replay */
	memcpy(d, vec5, sizeof(d));
	assert_int_equal(seal_rx_open(&rx, &scratch, d, sizeof(d), 0, &res), PROTO_DROP_REPLAY);
	memcpy(d, vec6, sizeof(vec6));
	assert_int_equal(seal_rx_open(&rx, &scratch, d, sizeof(vec6), 0, &res), PROTO_FRAME);
	assert_false(res.new_session);
	/* a key that is gone: its sessions are forgotten and stay refused */
	assert_int_equal(seal_rx_set_keys(&rx, &other), 1);
	memcpy(d, vec6, sizeof(vec6));
	assert_int_equal(seal_rx_open(&rx, &scratch, d, sizeof(vec6), 0, &res), PROTO_DROP_KEY);
	assert_int_equal(seal_rx_set_keys(&rx, &r), 0);
	memcpy(d, vec6, sizeof(vec6));
	assert_int_equal(seal_rx_open(&rx, &scratch, d, sizeof(vec6), 0, &res), PROTO_DROP_REPLAY);
	/* our own session, sent back to us: refused though our key opens it */
	assert_int_equal(seal_rx_add_own(&rx, SESSION + 1), 0);
	{
		struct seal_tx tx;
		uint8_t buf[128];
		size_t n;

		assert_int_equal(seal_tx_init(&tx, &r.key[0], SESSION + 1), 0);
		n = seal_tx_seal(&tx, buf, buf, plain(buf, arp, sizeof(arp)));
		assert_int_equal(seal_rx_open(&rx, &scratch, buf, n, 0, &res), PROTO_DROP_REPLAY);
		assert_false(res.new_session);
		seal_tx_free(&tx);
	}
	EVP_CIPHER_CTX_free(scratch);
	seal_rx_free(&rx);
}

static void test_session_table_bounded(void **state)
{
	struct seal_keyring r = ring_of(key_b64);
	struct seal_open_res res;
	EVP_CIPHER_CTX *scratch = NULL;
	struct seal_rx rx;
	struct seal_tx tx;
	uint8_t buf[128];
	unsigned int i, evicted = 0;
	uint64_t first = 1000;

	(void)state;
	assert_int_equal(seal_rx_init(&rx, &r, 7), 0);
	for (i = 0; i < SEAL_MAX_SESSIONS + 10; i++) {
		size_t n;

		assert_int_equal(seal_tx_init(&tx, &r.key[0], first + i), 0);
		n = seal_tx_seal(&tx, buf, buf, plain(buf, arp, sizeof(arp)));
		assert_int_equal(seal_rx_open(&rx, &scratch, buf, n, i, &res), PROTO_FRAME);
		assert_true(res.new_session);
		evicted += res.evicted;
		seal_tx_free(&tx);
	}
	assert_int_equal(seal_rx_sessions(&rx), SEAL_MAX_SESSIONS);
	assert_int_equal(evicted, 10);
	/* the least recent went first, and a datagram of it is now refused, not a new session */
	assert_int_equal(seal_tx_init(&tx, &r.key[0], first), 0);
	tx.counter = 5;
	{
		size_t n = seal_tx_seal(&tx, buf, buf, plain(buf, arp, sizeof(arp)));

		assert_int_equal(seal_rx_open(&rx, &scratch, buf, n, 99999, &res),
				 PROTO_DROP_REPLAY);
	}
	seal_tx_free(&tx);
	EVP_CIPHER_CTX_free(scratch);
	seal_rx_free(&rx);
}

static void test_replay_window(void **state)
{
	struct replay w;
	uint64_t c;

	(void)state;
	replay_init(&w);
	assert_true(replay_fresh(&w, 5000));
	replay_accept(&w, 5000);
	assert_false(replay_fresh(&w, 5000));
	/* reordering inside the window is accepted once */
	for (c = 5000 - REPLAY_WINDOW; c < 5000; c += 7) {
		assert_true(replay_fresh(&w, c));
		replay_accept(&w, c);
		assert_false(replay_fresh(&w, c));
	}
	assert_false(replay_fresh(&w, 5000 - REPLAY_WINDOW - 1));
	assert_true(REPLAY_WINDOW >= 1024);
	/* a jump clears what the window moves over, and only that */
	replay_accept(&w, 5000 + 100);
	assert_true(replay_fresh(&w, 5000 + 99));
	assert_false(replay_fresh(&w, 5000));
	replay_accept(&w, 1000000);
	assert_false(replay_fresh(&w, 5000 + 100));
	assert_true(replay_fresh(&w, 1000000 - 1));
	assert_false(replay_fresh(&w, 1000000));
	/* in order, many times round the ring */
	for (c = 1000001; c < 1000001 + 10 * REPLAY_BITS; c++) {
		assert_true(replay_fresh(&w, c));
		replay_accept(&w, c);
		assert_false(replay_fresh(&w, c - 1));
	}
}

static void test_key_parse_and_files(void **state)
{
	char path[] = "/tmp/qt-seal-XXXXXX", text[KEY_TEXT_LEN + 1], err[512];
	uint8_t k[SEAL_KEY_LEN], k2[SEAL_KEY_LEN];
	int fd;

	(void)state;
	assert_int_equal(key_parse(key_b64, strlen(key_b64), k), 0);
	key_format(k, text);
	assert_string_equal(text, key_b64);
	assert_int_equal(key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", 45, k2), 0);
	assert_memory_equal(k, k2, SEAL_KEY_LEN);
	/* not canonical, short, long, not base64 */
	assert_int_equal(key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", 44, k2), -1);
	assert_int_equal(key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=", 43, k2), -1);
	assert_int_equal(key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==", 45, k2), -1);
	assert_int_equal(key_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=", 44, k2), -1);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, key_b64, strlen(key_b64)), (ssize_t)strlen(key_b64));
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(keyfile_read(path, k2, err, sizeof(err)), 0);
	assert_memory_equal(k, k2, SEAL_KEY_LEN);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(keyfile_read(path, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "readable by group or others (mode 0640)"));
	unlink(path);
	assert_int_equal(keyfile_read(path, k2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_seal),
		cmocka_unit_test(test_vectors_open_tamper_replay),
		cmocka_unit_test(test_session_table_bounded),
		cmocka_unit_test(test_replay_window),
		cmocka_unit_test(test_key_parse_and_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* keyfile.c - Segment key files: base64 text, owner-only; genkey
 *
 * A key file holds 32 random bytes in base64 (44 characters) and a newline, as `wg genkey`
 * writes. One readable by group or others is refused, as ssh refuses such a private key: a
 * segment key in a world-readable file is no secret.
 */

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"

/**
 * key_parse() - A key from its base64 text
 * @text:	the text, untrusted; trailing white space (a newline) is allowed
 * @len:	its length
 * @key:	the 32 bytes, on success
 *
 * Only the canonical form is taken (what key_format() writes), so one key has one spelling.
 *
 * Return: 0, or -1 if it is not a key
 */
int key_parse(const char *text, size_t len, uint8_t key[SEAL_KEY_LEN])
{
	uint8_t raw[KEY_TEXT_LEN];
	char again[KEY_TEXT_LEN + 1];
	int n;

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
		       text[len - 1] == '\t'))
		len--;
	if (len != KEY_TEXT_LEN || memchr(text, '\0', len))
		return -1;
	/* 44 characters decode to 33 bytes, the last one the padding's */
	n = EVP_DecodeBlock(raw, (const unsigned char *)text, KEY_TEXT_LEN);
	if (n != SEAL_KEY_LEN + 1)
		goto bad;
	key_format(raw, again);
	if (memcmp(again, text, KEY_TEXT_LEN))
		goto bad;
	memcpy(key, raw, SEAL_KEY_LEN);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
bad:
	OPENSSL_cleanse(raw, sizeof(raw));
	return -1;
}

void key_format(const uint8_t key[SEAL_KEY_LEN], char out[KEY_TEXT_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)out, key, SEAL_KEY_LEN);
	out[KEY_TEXT_LEN] = '\0';
}

/**
 * keyfile_read() - Read a key file
 * @path:	its path
 * @key:	the key, on success
 * @err:	one line on failure, naming the file
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int keyfile_read(const char *path, uint8_t key[SEAL_KEY_LEN], char *err, size_t errlen)
{
	char buf[KEY_TEXT_LEN + 16];
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "key file %s: readable by group or others (mode %04o): chmod 600 it", path,
			 (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		goto out;
	}
	if (key_parse(buf, (size_t)n, key)) {
		snprintf(err, errlen,
			 "key file %s: not a key (one line of 44 base64 characters, as "
			 "'qdes-tap genkey' writes)",
			 path);
		goto out;
	}
	ret = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return ret;
}

/**
 * keyfile_ring() - The keyring of key= and key_next=
 * @key:	path of the key that seals ("" : not sealed, the ring is empty)
 * @key_next:	path of a second key that opens too, or ""
 * @prev:	the ring in use (a reload), or NULL
 * @ring:	filled in
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int keyfile_ring(const char *key, const char *key_next, const struct seal_keyring *prev,
		 struct seal_keyring *ring, char *err, size_t errlen)
{
	uint8_t k[SEAL_KEY_LEN];
	char why[256];
	int ret = -1;

	memset(ring, 0, sizeof(*ring));
	if (!key[0])
		return 0;
	if (keyfile_read(key, k, err, errlen))
		return -1;
	if (seal_ring_add(ring, k, prev, why, sizeof(why))) {
		snprintf(err, errlen, "key %s: %s", key, why);
		goto out;
	}
	if (key_next[0]) {
		if (keyfile_read(key_next, k, err, errlen))
			goto out;
		if (seal_ring_add(ring, k, prev, why, sizeof(why))) {
			snprintf(err, errlen, "key_next %s: %s", key_next, why);
			goto out;
		}
	}
	ret = 0;
out:
	OPENSSL_cleanse(k, sizeof(k));
	if (ret)
		OPENSSL_cleanse(ring, sizeof(*ring));
	return ret;
}

/* qdes-tap genkey: a new key on @out. Return: 0, or -1 (no randomness, or cannot write) */
int keyfile_genkey(FILE *out)
{
	uint8_t k[SEAL_KEY_LEN];
	char text[KEY_TEXT_LEN + 1];
	int ret;

	if (RAND_priv_bytes(k, sizeof(k)) != 1)
		return -1;
	key_format(k, text);
	ret = fprintf(out, "%s\n", text) == KEY_TEXT_LEN + 1 && !fflush(out) ? 0 : -1;
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

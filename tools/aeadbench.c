// SPDX-License-Identifier: GPL-2.0-or-later
/* aeadbench.c - how fast libcrypto's AEADs seal datagrams of the sizes a segment carries: the
 * measurement behind sealed segments' choice of AES-256-GCM (seal.c)
 *
 *	build/aeadbench		one line per (size, cipher): ns per datagram and GB/s
 *
 * Each datagram is sealed the way seal.c does it: a new nonce, 24 bytes of associated data, the
 * payload in place, the tag.
 */

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned char buf[9000 + 16], key[32], ad[24], nonce[12];

static int bench(const char *name, const EVP_CIPHER *c, size_t n)
{
	long i, iters = (long)(2e9 / (double)(n + 200));
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	double t;
	int l;

	if (!x || !EVP_EncryptInit_ex(x, c, NULL, key, NULL))
		return -1;
	t = now();
	for (i = 0; i < iters; i++) {
		memcpy(nonce + 4, &i, sizeof(i));
		if (!EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) ||
		    !EVP_EncryptUpdate(x, NULL, &l, ad, sizeof(ad)) ||
		    !EVP_EncryptUpdate(x, buf, &l, buf, (int)n) ||
		    !EVP_EncryptFinal_ex(x, buf + n, &l) ||
		    !EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, buf + n))
			return -1;
	}
	t = now() - t;
	printf("%5zu B  %-18s %8.1f ns/datagram %6.2f GB/s\n", n, name, t / (double)iters * 1e9,
	       (double)n * (double)iters / t / 1e9);
	EVP_CIPHER_CTX_free(x);
	return 0;
}

int main(void)
{
	static const size_t sizes[] = {64, 1400, 8192};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (bench("AES-256-GCM", EVP_aes_256_gcm(), sizes[i]) ||
		    bench("ChaCha20-Poly1305", EVP_chacha20_poly1305(), sizes[i])) {
			fprintf(stderr, "aeadbench: libcrypto failed\n");
			return 1;
		}
	}
	return 0;
}

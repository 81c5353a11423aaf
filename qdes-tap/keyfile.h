/* SPDX-License-Identifier: GPL-2.0-or-later */
/* keyfile.h - Segment key files: base64 text, owner-only; genkey */
#ifndef QDES_KEYFILE_H
#define QDES_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "seal.h"

/* 32 bytes in base64, with its padding */
#define KEY_TEXT_LEN 44

int key_parse(const char *text, size_t len, uint8_t key[SEAL_KEY_LEN]);
void key_format(const uint8_t key[SEAL_KEY_LEN], char out[KEY_TEXT_LEN + 1]);
int keyfile_read(const char *path, uint8_t key[SEAL_KEY_LEN], char *err, size_t errlen);
int keyfile_ring(const char *key, const char *key_next, const struct seal_keyring *prev,
		 struct seal_keyring *ring, char *err, size_t errlen);
int keyfile_genkey(FILE *out);

#endif /* QDES_KEYFILE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seal.h - Sealed segments: AES-256-GCM per sender session, keys, the receivers' session table */
#ifndef QDES_SEAL_H
#define QDES_SEAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto.h"
#include "replay.h"

#define SEAL_KEY_LEN 32
/* Keys a member accepts at once: the one it seals with, and one more (rotation) */
#define SEAL_MAX_KEYS 2
/* Sender sessions a member remembers; a power of two. Members x workers x restarts */
#define SEAL_MAX_SESSIONS 1024
/* Sessions forgotten (evicted, or their key removed) whose datagrams are still refused */
#define SEAL_RETIRED 1024
/* Our own sending sessions (one per worker), refused when reflected back to us */
#define SEAL_MAX_OWN 64

/**
 * struct seal_key - one segment key
 * @key:	32 bytes, as the key file holds them (base64)
 * @id:		the key id datagrams carry (derived from @key)
 * @serial:	tells keys apart across reloads (sessions keep to the key they authenticated with)
 */
struct seal_key {
	uint8_t key[SEAL_KEY_LEN];
	uint8_t id;
	uint64_t serial;
};

/**
 * struct seal_keyring - the keys of a sealed segment
 * @key:	@key[0] seals; every key opens
 * @n:		keys in @key, 1 or 2 (0: not sealed)
 */
struct seal_keyring {
	struct seal_key key[SEAL_MAX_KEYS];
	unsigned int n;
};

int seal_key_id(const uint8_t key[SEAL_KEY_LEN], uint8_t *id);
int seal_session_key(const uint8_t key[SEAL_KEY_LEN], uint64_t session, uint8_t out[SEAL_KEY_LEN]);

/**
 * struct seal_tx - one worker's sending session
 * @ctx:	AES-256-GCM keyed with the session key
 * @session:	random at start: the nonce space is (session key, counter), never reused
 * @counter:	the next datagram's counter
 * @key_id:	id of the key the session key comes from
 */
struct seal_tx {
	EVP_CIPHER_CTX *ctx;
	uint64_t session;
	uint64_t counter;
	uint8_t key_id;
};

int seal_tx_init(struct seal_tx *tx, const struct seal_key *k, uint64_t session);
int seal_tx_set_key(struct seal_tx *tx, const struct seal_key *k);
void seal_tx_free(struct seal_tx *tx);
size_t seal_tx_seal(struct seal_tx *tx, uint8_t *out, const uint8_t *in, size_t len);

/**
 * struct seal_session - a sender session that authenticated
 * @lock:	held while @ctx and @win are used (workers share the table)
 * @ctx:	AES-256-GCM keyed with its session key
 * @win:	its replay window
 * @id:		session id
 * @key_id:	key id
 * @serial:	which key of the ring
 * @last:	when it last authenticated, ms (eviction: the least recent goes)
 * @next:	hash chain, -1 at its end
 * @used:	the slot holds a session
 */
struct seal_session {
	pthread_mutex_t lock;
	EVP_CIPHER_CTX *ctx;
	struct replay win;
	uint64_t id;
	uint8_t key_id;
	uint64_t serial;
	uint64_t last;
	int next;
	bool used;
};

/**
 * struct seal_rx - what a member knows of the others' sessions; shared by its workers
 * @lock:	held while the table and the ring change, and during lookups
 * @ring:	the keys that open
 * @s:		SEAL_MAX_SESSIONS slots
 * @bucket:	hash heads
 * @n:		slots in use
 * @retired:	(session id, key id) pairs no longer in the table, refused
 * @n_retired:	entries written to @retired so far (it is a ring)
 * @seed:	keys the hash of session ids
 * @own:	our own sessions: a datagram of ours sent back to us by someone else is a replay
 * @n_own:	entries in @own
 */
struct seal_rx {
	pthread_mutex_t lock;
	struct seal_keyring ring;
	struct seal_session *s;
	int bucket[SEAL_MAX_SESSIONS];
	unsigned int n;
	uint64_t retired[SEAL_RETIRED];
	unsigned long n_retired;
	uint64_t seed;
	uint64_t own[SEAL_MAX_OWN];
	unsigned int n_own;
};

/**
 * struct seal_open_res - what seal_rx_open() did besides its verdict
 * @new_session: a session authenticated for the first time and took a slot
 * @evicted:	that took the slot of the least recent one
 */
struct seal_open_res {
	bool new_session;
	bool evicted;
};

int seal_rx_init(struct seal_rx *rx, const struct seal_keyring *ring, uint64_t seed);
void seal_rx_free(struct seal_rx *rx);
unsigned int seal_rx_set_keys(struct seal_rx *rx, const struct seal_keyring *ring);
enum proto_verdict seal_rx_open(struct seal_rx *rx, EVP_CIPHER_CTX **scratch, uint8_t *dgram,
				size_t len, uint64_t now, struct seal_open_res *res);
unsigned int seal_rx_sessions(struct seal_rx *rx);
int seal_rx_add_own(struct seal_rx *rx, uint64_t session);

int seal_ring_add(struct seal_keyring *ring, const uint8_t key[SEAL_KEY_LEN],
		  const struct seal_keyring *prev, char *err, size_t errlen);

#endif /* QDES_SEAL_H */

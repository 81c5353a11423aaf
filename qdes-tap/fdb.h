/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fdb.h - Forwarding database: (network id, MAC) -> local port or remote peer, with ageing */
#ifndef QDES_FDB_H
#define QDES_FDB_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "ether.h"

enum fdb_kind {
	FDB_LOCAL = 0, /* behind a local port (the TAP, later a guest socket) */
	FDB_REMOTE,    /* behind a peer on the underlay */
};

/* Static entries never age and never migrate (as the kernel's vxlan "static") */
#define FDB_F_STATIC 0x1

/* The largest max_entries fdb_new() accepts (the same as --max-entries allows) */
#define FDB_MAX_ENTRIES_LIMIT (1U << 24)

/**
 * struct fdb_entry - one learned or configured address
 * @mac:	Ethernet address
 * @netid:	network id (segment)
 * @kind:	enum fdb_kind
 * @flags:	FDB_F_*
 * @port:	local port id, for FDB_LOCAL
 * @peer:	underlay address and port, for FDB_REMOTE
 * @updated:	when a frame from @mac was last seen, ms (monotonic)
 * @used:	when a frame to @mac was last forwarded by this entry, ms
 * @next:	hash chain (pool index + 1, 0 = end); internal
 */
struct fdb_entry {
	uint8_t mac[ETH_ALEN_];
	uint16_t netid;
	uint8_t kind;
	uint8_t flags;
	uint16_t port;
	union qdes_sockaddr peer;
	uint64_t updated;
	uint64_t used;
	uint32_t next;
};

enum fdb_result {
	FDB_NEW = 0,  /* a new entry was made */
	FDB_REFRESH,  /* same place as before, timestamp updated */
	FDB_MOVED,    /* the MAC moved to another peer or port */
	FDB_FULL,     /* not learned: the table holds max_entries already */
	FDB_CONFLICT, /* not learned: a remote claim on a local (or static) MAC */
};

struct fdb;

struct fdb *fdb_new(unsigned int max_entries, uint64_t seed);
void fdb_free(struct fdb *fdb);
void fdb_rdlock(struct fdb *fdb);
void fdb_wrlock(struct fdb *fdb);
void fdb_unlock(struct fdb *fdb);
enum fdb_result fdb_learn_remote(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
				 const union qdes_sockaddr *peer, uint64_t now);
enum fdb_result fdb_learn_local(struct fdb *fdb, uint16_t netid, const uint8_t *mac, uint16_t port,
				uint64_t now);
enum fdb_result fdb_add_local_static(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
				     uint16_t port, uint64_t now);
enum fdb_result fdb_add_static(struct fdb *fdb, uint16_t netid, const uint8_t *mac,
			       const union qdes_sockaddr *peer, uint64_t now);
struct fdb_entry *fdb_lookup(struct fdb *fdb, uint16_t netid, const uint8_t *mac);
bool fdb_delete(struct fdb *fdb, uint16_t netid, const uint8_t *mac);
unsigned int fdb_age(struct fdb *fdb, uint64_t now, uint64_t ageing_ms);
unsigned int fdb_flush_peer(struct fdb *fdb, const union qdes_sockaddr *peer);
unsigned int fdb_flush_port(struct fdb *fdb, uint16_t port);
unsigned int fdb_count(const struct fdb *fdb);
unsigned int fdb_max(const struct fdb *fdb);
int fdb_set_limit(struct fdb *fdb, unsigned int limit, unsigned int *evicted);
unsigned int fdb_flush(struct fdb *fdb, bool keep_static);
bool fdb_walk(struct fdb *fdb, uint32_t *cursor, unsigned int budget,
	      void (*fn)(const struct fdb_entry *e, void *arg), void *arg);
void fdb_foreach(struct fdb *fdb, void (*fn)(const struct fdb_entry *e, void *arg), void *arg);

#endif /* QDES_FDB_H */

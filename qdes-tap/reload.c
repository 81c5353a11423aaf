// SPDX-License-Identifier: GPL-2.0-or-later
/* reload.c - reload and SIGHUP: read the configuration again, apply what can change live */

/*
 * The new configuration is built exactly as at start (the same command line over the file
 * given with -c), so an option given on the command line still wins. What can change in a
 * running daemon is applied: the flood list, the static FDB entries of the file, ageing,
 * max_entries, the log level. Any other key that differs is refused by name and keeps its
 * running value: it needs a restart (sockets, the interface, privileges). A file that no
 * longer parses changes nothing.
 */

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "gateway.h"
#include "keyfile.h"
#include "log.h"
#include "reload.h"
#include "util.h"

/**
 * struct restart_key - a key whose change needs a restart, as a span of struct qdes_config
 * @key:	ini key
 * @off:	where its value is
 * @size:	the value's size, or of one item of a list
 * @count:	for a list: where its item count is (0: not a list)
 */
struct restart_key {
	const char *key;
	size_t off, size, count;
};

#define KEY(k, m)                                                                                  \
	{                                                                                          \
		k, offsetof(struct qdes_config, m), sizeof(((struct qdes_config *)0)->m), 0        \
	}
#define LIST(k, m, n)                                                                              \
	{                                                                                          \
		k, offsetof(struct qdes_config, m), sizeof(((struct qdes_config *)0)->m[0]),       \
			offsetof(struct qdes_config, n)                                            \
	}

static const struct restart_key restart_keys[] = {
	KEY("interface", ifname),
	KEY("group", group),
	KEY("group", group_set),
	KEY("network_id", network_id),
	KEY("encap", encap),
	LIST("address", addrs, n_addrs),
	KEY("mac", mac),
	KEY("mac", mac_set),
	KEY("mac", mac_random),
	KEY("mtu", mtu),
	KEY("local", local),
	KEY("local", local_set),
	KEY("dev", dev),
	KEY("port", port),
	KEY("ttl", ttl),
	KEY("netns", netns),
	KEY("bridge", bridge),
	KEY("qemu_socket", ports),
	KEY("offload", offload),
	KEY("workers", workers),
	KEY("user", user),
	KEY("control", control),
	KEY("control_group", control_group),
	KEY("metrics", metrics),
	KEY("metrics", metrics_set),
	KEY("syslog", use_syslog),
};

static bool differs(const struct restart_key *k, const struct qdes_config *a,
		    const struct qdes_config *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;
	unsigned int na, nb;

	if (!k->count)
		return memcmp(pa, pb, k->size) != 0;
	memcpy(&na, (const char *)a + k->count, sizeof(na));
	memcpy(&nb, (const char *)b + k->count, sizeof(nb));
	return na != nb || memcmp(pa, pb, na * k->size) != 0;
}

static void applied(json_t *list, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void applied(json_t *list, const char *key, const char *fmt, ...)
{
	char v[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	notice("reload: %s %s", key, v);
	json_array_append_new(list, json_pack("{s:s,s:s}", "key", key, "value", v));
}

static void refused(json_t *list, const char *key, const char *reason)
{
	warn("reload: %s: %s", key, reason);
	json_array_append_new(list, json_pack("{s:s,s:s}", "key", key, "reason", reason));
}

static bool has_peer(const struct qdes_config *c, const union qdes_sockaddr *a)
{
	unsigned int i;

	for (i = 0; i < c->n_peers; i++)
		if (addr_equal(&c->peers[i], a))
			return true;
	return false;
}

/* The flood list: peers gone from the file leave it, new ones join */
static void apply_peers(struct reload *r, const struct qdes_config *next, json_t *ok, json_t *no)
{
	struct qdes_config *cur = r->cfg;
	char a[ADDR_STRLEN], why[ADDR_STRLEN + 64];
	unsigned int i;

	for (i = 0; i < cur->n_peers; i++) {
		if (has_peer(next, &cur->peers[i]))
			continue;
		addr_str(&cur->peers[i], a, sizeof(a));
		/* Already gone (peer del): the file agrees now */
		if (!gateway_peer(r->gw, &cur->peers[i], false) || errno == ENOENT)
			applied(ok, "peer", "del %s", a);
	}
	for (i = 0; i < next->n_peers; i++) {
		if (has_peer(cur, &next->peers[i]))
			continue;
		addr_str(&next->peers[i], a, sizeof(a));
		if (!gateway_peer(r->gw, &next->peers[i], true) || errno == EEXIST ||
		    errno == EADDRINUSE) {
			applied(ok, "peer", "add %s", a);
		} else {
			snprintf(why, sizeof(why), "%s: %s", a, strerror(errno));
			refused(no, "peer", why);
		}
	}
	memcpy(cur->peers, next->peers, sizeof(cur->peers));
	cur->n_peers = next->n_peers;
}

static const struct parse_fdb *find_fdb(const struct qdes_config *c, const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < c->n_fdb; i++)
		if (!memcmp(c->fdb[i].mac, mac, ETH_ALEN_))
			return &c->fdb[i];
	return NULL;
}

/* The file's static entries: those gone from it go (if still as it put them), new ones come */
static void apply_fdb(struct reload *r, const struct qdes_config *next, json_t *ok, json_t *no)
{
	struct qdes_config *cur = r->cfg;
	char m[MAC_STRLEN], a[ADDR_STRLEN], local[IFNAMSIZ], why[128];
	unsigned int i;

	for (i = 0; i < cur->n_fdb; i++) {
		const struct parse_fdb *e = &cur->fdb[i], *n = find_fdb(next, e->mac);

		if (n && addr_equal(&n->dst, &e->dst))
			continue;
		if (!n && gateway_fdb_del_static(r->gw, e->mac, &e->dst))
			applied(ok, "fdb", "del %s", mac_str(e->mac, m));
	}
	for (i = 0; i < next->n_fdb; i++) {
		const struct parse_fdb *e = &next->fdb[i], *o = find_fdb(cur, e->mac);

		if (o && addr_equal(&o->dst, &e->dst))
			continue;
		mac_str(e->mac, m);
		if (!gateway_fdb_add(r->gw, e->mac, &e->dst, monotonic_ms(), local)) {
			applied(ok, "fdb", "%s dst %s", m, addr_str(&e->dst, a, sizeof(a)));
			continue;
		}
		if (errno == EEXIST)
			snprintf(why, sizeof(why), "%s is local (dev %s)", m, local);
		else
			snprintf(why, sizeof(why), "%s: the FDB is full", m);
		refused(no, "fdb", why);
	}
	memcpy(cur->fdb, next->fdb, sizeof(cur->fdb));
	cur->n_fdb = next->n_fdb;
}

static void apply_max_entries(struct reload *r, const struct qdes_config *next, json_t *ok,
			      json_t *no)
{
	unsigned int evicted;
	char why[96];
	int e;

	if (next->max_entries == r->cfg->max_entries)
		return;
	fdb_wrlock(r->gw->fdb);
	e = fdb_set_limit(r->gw->fdb, next->max_entries, &evicted) ? errno : 0;
	fdb_unlock(r->gw->fdb);
	if (e) {
		snprintf(why, sizeof(why), "more than %u at start needs a restart",
			 r->start_max_entries);
		refused(no, "max_entries", why);
		return;
	}
	CNT_ADD(&r->gw->w[0].cnt, fdb_flushed, evicted);
	r->cfg->max_entries = next->max_entries;
	applied(ok, "max_entries", "%u (%u dynamic entries evicted)", next->max_entries, evicted);
}

/*
 * The keys: read again whatever the paths say (a rotation may replace a file's contents), and
 * switch when they changed. Sealing or not is a restart: the header and the MTU change.
 */
static void apply_keys(struct reload *r, const struct qdes_config *next, json_t *ok, json_t *no)
{
	struct qdes_config *cur = r->cfg;
	struct seal_keyring ring;
	unsigned int forgotten;
	char why[512];

	if (!cur->key[0] != !next->key[0]) {
		refused(no, "key", "sealing or not needs a restart; the running keys stay");
		return;
	}
	if (!cur->key[0])
		return;
	if (keyfile_ring(next->key, next->key_next, &r->gw->keys, &ring, why, sizeof(why))) {
		refused(no, "key", why);
		return;
	}
	if (ring.n == r->gw->keys.n && !memcmp(ring.key, r->gw->keys.key, sizeof(ring.key))) {
		OPENSSL_cleanse(&ring, sizeof(ring));
		return;
	}
	if (gateway_set_keys(r->gw, &ring, &forgotten)) {
		refused(no, "key", "cannot set up sealing (libcrypto); the running keys stay");
	} else if (ring.n > 1) {
		applied(ok, "key",
			"sealing with key id %u, opening key ids %u and %u (%u sessions "
			"forgotten)",
			ring.key[0].id, ring.key[0].id, ring.key[1].id, forgotten);
	} else {
		applied(ok, "key", "sealing and opening with key id %u (%u sessions forgotten)",
			ring.key[0].id, forgotten);
	}
	OPENSSL_cleanse(&ring, sizeof(ring));
	memcpy(cur->key, next->key, sizeof(cur->key));
	memcpy(cur->key_next, next->key_next, sizeof(cur->key_next));
}

static const char *level_name(int level)
{
	static const char *const names[] = {
		[LOG_LVL_ERR] = "error", [LOG_LVL_WARN] = "warning", [LOG_LVL_NOTICE] = "notice",
		[LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
	};

	return level >= 0 && (size_t)level < ARRAY_SIZE(names) && names[level] ? names[level] : "?";
}

/**
 * reload_run() - Read the configuration again and apply it (struct ctl_env's reload)
 * @ctx:	struct reload
 * @ok:		array: {"key","value"} for each change applied
 * @no:		array: {"key","reason"} for each change refused
 * @err:	why nothing was applied: the file does not parse
 * @errlen:	its size
 *
 * Main thread.
 *
 * Return: 0, or -1 with @err set and nothing changed
 */
int reload_run(void *ctx, json_t *ok, json_t *no, char *err, size_t errlen)
{
	static struct qdes_config next;
	struct reload *r = ctx;
	enum config_action action;
	unsigned int i;

	if (!r->cfg->config_path[0]) {
		snprintf(err, errlen, "started without a configuration file (-c): nothing to read");
		return -1;
	}
	if (config_from_args(&next, r->argc, r->argv, &action, err, errlen)) {
		warn("reload: %s; nothing changed", err);
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(restart_keys); i++) {
		const struct restart_key *k = &restart_keys[i];

		/* Two spans of one key (group and group_set): one line */
		if (differs(k, r->cfg, &next) && !(i && !strcmp(restart_keys[i - 1].key, k->key) &&
						   differs(&restart_keys[i - 1], r->cfg, &next)))
			refused(no, k->key, "needs a restart; the running value stays");
	}
	apply_peers(r, &next, ok, no);
	apply_fdb(r, &next, ok, no);
	if (next.ageing != r->cfg->ageing) {
		r->cfg->ageing = next.ageing;
		applied(ok, "ageing", "%u", next.ageing);
	}
	apply_max_entries(r, &next, ok, no);
	apply_keys(r, &next, ok, no);
	if (next.log_level != r->cfg->log_level) {
		r->cfg->log_level = next.log_level;
		log_set_level(next.log_level);
		applied(ok, "log_level", "%s", level_name(next.log_level));
	}
	notice("reload: %s: %zu applied, %zu refused", r->cfg->config_path, json_array_size(ok),
	       json_array_size(no));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl_serve.c - The control commands against a running gateway, as JSON reply lines */

/*
 * A reply is JSON lines: zero or more records, then one status line holding "v" and "ok"
 * (and "error" when not ok); records never hold "ok". Each command's record shape is in the
 * man page (CONTROL PROTOCOL). Everything here runs on the main thread, which is worker 0:
 * it changes the FDB under its write lock as learning does, and the flood list under the port
 * table's write lock, which the other workers hold for reading through each burst.
 *
 * An FDB dump is cut into parts of CTL_CHUNK bytes: the transport asks for the next part once
 * the last one is written, so a table of millions of entries never sits in memory as text,
 * and the FDB lock is held for one part at a time.
 */

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_serve.h"
#include "gateway.h"
#include "util.h"

/* FDB slots looked at per part: about CTL_CHUNK bytes of records when the table is full */
#define FDB_PART 512

/* Append @o as one line (and drop it). Return: 0, or -1 out of memory */
static int put(struct ctl_buf *b, json_t *o)
{
	size_t n = 0, room;

	/* One dump into the room there is; a record longer than that is dumped again */
	if (o && !ctl_buf_reserve(b, 512)) {
		room = b->cap - b->len - 1;
		n = json_dumpb(o, b->p + b->len, room, JSON_COMPACT);
		if (n > room)
			n = ctl_buf_reserve(b, n + 1)
				    ? 0
				    : json_dumpb(o, b->p + b->len, n, JSON_COMPACT);
	}
	json_decref(o);
	if (!n)
		return -1;
	b->len += n;
	b->p[b->len++] = '\n';
	return 0;
}

/* The status line: every reply ends with one. @code: what kind of error (ctl_serve.h) */
static void status_code(struct ctl_buf *b, const char *code, const char *error)
{
	json_t *o = json_pack("{s:i,s:b}", "v", CTL_VERSION, "ok", !error);

	if (o && error) {
		json_object_set_new(o, "error", json_string(error));
		json_object_set_new(o, "code", json_string(code));
	}
	if (put(b, o)) {
		/* Out of memory: the client sees the connection close without a status */
		b->len = 0;
	}
}

static void status(struct ctl_buf *b, const char *error)
{
	status_code(b, CTL_E_REQUEST, error);
}

/* A refused request: the client exits 2 */
void ctl_reply_error(struct ctl_buf *out, const char *fmt, ...)
{
	char msg[CTL_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	status(out, msg);
}

/* A request not served at all (@code: CTL_E_ACCESS, CTL_E_BUSY): the client exits 1 */
void ctl_reply_fail(struct ctl_buf *out, const char *code, const char *msg)
{
	status_code(out, code, msg);
}

static json_t *addr_json(const union qdes_sockaddr *a)
{
	char s[ADDR_STRLEN];

	return json_string(addr_str(a, s, sizeof(s)));
}

/* One FDB entry: {"mac","dev"|"dst","state":"local|static|dynamic","age"} */
static json_t *entry_json(struct gateway *gw, const struct fdb_entry *e, uint64_t now)
{
	/* Workers refresh it under the read lock that the dump holds too */
	uint64_t updated = __atomic_load_n(&e->updated, __ATOMIC_RELAXED);
	char m[MAC_STRLEN];
	json_t *o;

	o = json_pack("{s:s}", "mac", mac_str(e->mac, m));
	if (!o)
		return NULL;
	if (e->kind == FDB_LOCAL) {
		json_object_set_new(o, "dev", json_string(port_table_name(&gw->ports, e->port)));
		json_object_set_new(o, "state", json_string("local"));
	} else {
		json_object_set_new(o, "dst", addr_json(&e->peer));
		json_object_set_new(o, "state",
				    json_string(e->flags & FDB_F_STATIC ? "static" : "dynamic"));
	}
	json_object_set_new(o, "age", json_integer(now > updated ? (now - updated) / 1000 : 0));
	return o;
}

struct dump {
	struct gateway *gw;
	struct ctl_buf *out;
	uint64_t now;
	int failed;
};

static void dump_entry(const struct fdb_entry *e, void *arg)
{
	struct dump *d = arg;

	if (!d->failed)
		d->failed = put(d->out, entry_json(d->gw, e, d->now));
}

/* fdb show MAC: that one entry, or an error */
static void fdb_show_one(struct gateway *gw, const struct ctl_req *req, uint64_t now,
			 struct ctl_buf *out)
{
	const struct fdb_entry *e;
	char m[MAC_STRLEN];
	json_t *o = NULL;

	fdb_rdlock(gw->fdb);
	e = fdb_lookup(gw->fdb, (uint16_t)gw->cfg->network_id, req->mac);
	if (e)
		o = entry_json(gw, e, now);
	fdb_unlock(gw->fdb);
	if (!e)
		ctl_reply_error(out, "no fdb entry for %s", mac_str(req->mac, m));
	else if (put(out, o))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

static void fdb_add(struct gateway *gw, const struct ctl_req *req, uint64_t now,
		    struct ctl_buf *out)
{
	char m[MAC_STRLEN], local[IFNAMSIZ];

	if (!gateway_fdb_add(gw, req->mac, &req->dst, now, local))
		status(out, NULL);
	else if (errno == EEXIST)
		ctl_reply_error(out, "%s is local (dev %s): not replaced by a remote entry",
				mac_str(req->mac, m), local);
	else
		ctl_reply_error(out, "fdb full (%u entries)", fdb_max(gw->fdb));
}

static void fdb_del(struct gateway *gw, const struct ctl_req *req, struct ctl_buf *out)
{
	uint16_t net = (uint16_t)gw->cfg->network_id;
	const struct fdb_entry *e;
	bool found, pinned = false;
	char m[MAC_STRLEN];

	fdb_wrlock(gw->fdb);
	e = fdb_lookup(gw->fdb, net, req->mac);
	found = e != NULL;
	/* The interface's own MAC stays pinned: the underlay must never claim it */
	if (e && e->kind == FDB_LOCAL && (e->flags & FDB_F_STATIC))
		pinned = true;
	else if (e)
		fdb_delete(gw->fdb, net, req->mac);
	fdb_unlock(gw->fdb);
	if (!found)
		ctl_reply_error(out, "no fdb entry for %s", mac_str(req->mac, m));
	else if (pinned)
		ctl_reply_error(out, "%s is the address of dev %s: it stays", mac_str(req->mac, m),
				port_table_name(&gw->ports, e->port));
	else
		status(out, NULL);
}

static void fdb_flush_cmd(struct gateway *gw, const struct ctl_req *req, struct ctl_buf *out)
{
	unsigned int n;

	fdb_wrlock(gw->fdb);
	n = fdb_flush(gw->fdb, req->dynamic);
	fdb_unlock(gw->fdb);
	CNT_ADD(&gw->w[0].cnt, fdb_flushed, n);
	if (put(out, json_pack("{s:i}", "flushed", (json_int_t)n)))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

static void peer_change(struct gateway *gw, const struct ctl_req *req, struct ctl_buf *out)
{
	bool add = req->cmd == CTL_PEER_ADD;
	char a[ADDR_STRLEN];
	int e;

	addr_str(&req->dst, a, sizeof(a));
	if (!gateway_peer(gw, &req->dst, add)) {
		notice("%s: peer %s %s", gw->cfg->ifname, a, add ? "added" : "removed");
		status(out, NULL);
		return;
	}
	e = errno;
	switch (e) {
	case EEXIST:
		ctl_reply_error(out, "peer %s: listed already", a);
		break;
	case ENOENT:
		ctl_reply_error(out, "peer %s: not listed", a);
		break;
	case EADDRINUSE:
		ctl_reply_error(out, "peer %s: that is this member", a);
		break;
	case EAFNOSUPPORT:
		ctl_reply_error(out, "peer %s: not of the underlay's address family", a);
		break;
	default:
		ctl_reply_error(out, "peer %s: no room (at most %d peers)", a, UNDERLAY_MAX_PEERS);
		break;
	}
}

/* Members as the FDB knows them: MACs behind each configured peer, and with -s every other */
#define MEMBERS_SEEN_MAX 256

/**
 * struct member - one member, as the FDB and the workers' statistics know it
 * @a:		address and port
 * @macs:	FDB entries behind it
 * @configured:	on the flood list
 * @st:		the workers' statistics, summed (@st.used: some worker has seen it)
 */
struct member {
	union qdes_sockaddr a;
	unsigned int macs;
	bool configured;
	struct peer_stat st;
};

struct members {
	struct member m[UNDERLAY_MAX_PEERS + MEMBERS_SEEN_MAX];
	unsigned int n;
	bool all;
};

/* @a's entry; a new one if @add (and there is room); NULL otherwise */
static struct member *member_of(struct members *ms, const union qdes_sockaddr *a, bool add)
{
	unsigned int i;

	for (i = 0; i < ms->n; i++)
		if (addr_equal(&ms->m[i].a, a))
			return &ms->m[i];
	if (!add || ms->n == ARRAY_SIZE(ms->m))
		return NULL;
	ms->m[ms->n] = (struct member){.a = *a};
	return &ms->m[ms->n++];
}

static void count_member(const struct fdb_entry *e, void *arg)
{
	struct members *ms = arg;
	struct member *m;

	if (e->kind == FDB_REMOTE && (m = member_of(ms, &e->peer, ms->all)))
		m->macs++;
}

/* Add one worker's numbers for a member to its entry */
static void add_stats(struct peer_stat *sum, const struct peer_stat *w)
{
	sum->rx_frames += w->rx_frames;
	sum->rx_bytes += w->rx_bytes;
	sum->tx_frames += w->tx_frames;
	sum->tx_bytes += w->tx_bytes;
	/* the latest datagram of any worker says whether the member left */
	if (w->last_rx > sum->last_rx) {
		sum->last_rx = w->last_rx;
		sum->left = w->left;
	}
	sum->used = 1;
}

static json_t *member_json(const struct member *m, bool details, uint64_t now)
{
	const struct peer_stat *st = &m->st;
	json_t *o = json_pack("{s:o,s:b,s:i}", "peer", addr_json(&m->a), "configured",
			      m->configured, "macs", (json_int_t)m->macs);

	if (!o || !details)
		return o;
	json_object_set_new(o, "rx_frames", json_integer((json_int_t)st->rx_frames));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)st->rx_bytes));
	json_object_set_new(o, "tx_frames", json_integer((json_int_t)st->tx_frames));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)st->tx_bytes));
	json_object_set_new(
		o, "last_rx",
		st->last_rx
			? json_integer(
				  (json_int_t)(now > st->last_rx ? (now - st->last_rx) / 1000 : 0))
			: json_null());
	json_object_set_new(o, "left", json_boolean(st->left));
	return o;
}

/*
 * [{"peer","configured","macs"}]: the configured peers first. With @all (-s), every other
 * member the FDB or a worker knows too, with what the workers counted of it.
 */
static json_t *members(struct gateway *gw, bool all, uint64_t now)
{
	const struct underlay *ul = &gw->w[0].ul;
	struct members *ms = calloc(1, sizeof(*ms));
	json_t *list = json_array();
	struct peer_stat st;
	struct member *m;
	unsigned int i, w;

	if (!ms || !list) {
		free(ms);
		json_decref(list);
		return NULL;
	}
	ms->all = all;
	for (i = 0; i < ul->n_peers; i++)
		member_of(ms, &ul->peers[i], true)->configured = true;
	fdb_rdlock(gw->fdb);
	fdb_foreach(gw->fdb, count_member, ms);
	fdb_unlock(gw->fdb);
	for (w = 0; all && w < gw->n_workers; w++)
		for (i = 0; i < PEERSTAT_MAX; i++)
			if (peerstat_read(&gw->w[w].pstats, i, &st) &&
			    (m = member_of(ms, &st.addr, true)))
				add_stats(&m->st, &st);
	for (i = 0; i < ms->n; i++)
		json_array_append_new(list, member_json(&ms->m[i], all, now));
	free(ms);
	return list;
}

static void peer_show(struct gateway *gw, const struct ctl_req *req, uint64_t now,
		      struct ctl_buf *out)
{
	json_t *list = members(gw, req->details, now), *o;
	size_t i;
	int r = !list;

	json_array_foreach(list, i, o)
	{
		if (!r)
			r = put(out, json_incref(o));
	}
	json_decref(list);
	if (r)
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

static json_t *counters_json(struct gateway *gw)
{
	json_t *o = json_object();
	unsigned int i;

	if (!o)
		return NULL;
#define PUT_COUNTER(name)                                                                          \
	{                                                                                          \
		uint64_t v = 0;                                                                    \
		for (i = 0; i < gw->n_workers; i++)                                                \
			v += CNT_GET(&gw->w[i].cnt, name);                                         \
		json_object_set_new(o, #name, json_integer((json_int_t)v));                        \
	}
	QDES_COUNTERS(PUT_COUNTER)
#undef PUT_COUNTER
	return o;
}

/**
 * ctl_stats_record() - The stats record: {"dev","counters":{...},"fdb_entries","fdb_max"}
 * @gw:		the gateway
 *
 * Any thread: the counters are read by relaxed atomic loads, the FDB's size under its lock.
 *
 * Return: the record, or NULL (out of memory)
 */
json_t *ctl_stats_record(struct gateway *gw)
{
	json_t *o;

	fdb_rdlock(gw->fdb);
	o = json_pack("{s:s,s:o,s:i,s:i}", "dev", gw->cfg->ifname, "counters", counters_json(gw),
		      "fdb_entries", (json_int_t)fdb_count(gw->fdb), "fdb_max",
		      (json_int_t)fdb_max(gw->fdb));
	fdb_unlock(gw->fdb);
	return o;
}

static void stats(struct gateway *gw, const struct ctl_req *req, uint64_t now, struct ctl_buf *out)
{
	json_t *o = ctl_stats_record(gw);

	/* -s: per-member rx/tx, last seen, as wg show gives them */
	if (o && req->details && json_object_set_new(o, "peers", members(gw, true, now))) {
		json_decref(o);
		o = NULL;
	}
	if (put(out, o))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

static void show(struct gateway *gw, const struct ctl_req *req, const struct ctl_env *env,
		 struct ctl_buf *out)
{
	const struct qdes_config *cfg = gw->cfg;
	const struct encap_ops *e = proto_encap(cfg->encap);
	json_t *o, *peers, *ports = json_array();
	unsigned int i;

	for (i = 0; ports && i < gw->ports.end; i++) {
		const struct qdes_port *p = gw->ports.slot[i];

		if (p)
			json_array_append_new(ports, json_pack("{s:s,s:s}", "name", p->name, "kind",
							       p->ops->kind));
	}
	/* members() takes the FDB lock itself: a read lock taken twice can deadlock with a
	 * waiting writer */
	peers = members(gw, req->details, env->now);
	fdb_rdlock(gw->fdb);
	o = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:o,s:o,s:I,s:i,s:s,s:s}", "dev", cfg->ifname,
		      "encap", e->name, "mtu", gw->mtu, "workers", gw->n_workers, "fdb_entries",
		      (json_int_t)fdb_count(gw->fdb), "fdb_max", (json_int_t)fdb_max(gw->fdb),
		      "ageing", cfg->ageing, "ports", ports, "peers", peers, "uptime",
		      (json_int_t)((env->now - env->started) / 1000), "pid", (int)getpid(),
		      "version", QDES_TAP_VERSION, "control", env->socket);
	fdb_unlock(gw->fdb);
	if (o && e->has_netid)
		json_object_set_new(o, "network_id", json_integer(cfg->network_id));
	if (o && cfg->group_set)
		json_object_set_new(o, "group", addr_json(&cfg->group));
	if (o)
		json_object_set_new(o, "local", addr_json(&gw->w[0].ul.bound));
	if (put(out, o))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

/* MACs learnt on each local port, in one pass over the FDB */
struct port_macs {
	unsigned int n[PORT_MAX];
};

static void count_port_mac(const struct fdb_entry *e, void *arg)
{
	struct port_macs *m = arg;

	if (e->kind == FDB_LOCAL && e->port < PORT_MAX)
		m->n[e->port]++;
}

/* One port: {"name","kind","id","macs"} */
static json_t *port_json(const struct qdes_port *p, const struct port_macs *m)
{
	return json_pack("{s:s,s:s,s:i,s:i}", "name", p->name, "kind", p->ops->kind, "id",
			 (int)p->id, "macs", (int)m->n[p->id]);
}

static void ports_macs(struct gateway *gw, struct port_macs *m)
{
	memset(m, 0, sizeof(*m));
	fdb_rdlock(gw->fdb);
	fdb_foreach(gw->fdb, count_port_mac, m);
	fdb_unlock(gw->fdb);
}

static void port_show(struct gateway *gw, struct ctl_buf *out)
{
	struct port_macs m;
	unsigned int i;

	ports_macs(gw, &m);
	for (i = 0; i < gw->ports.end; i++) {
		const struct qdes_port *p = gw->ports.slot[i];

		if (p && put(out, port_json(p, &m))) {
			ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
			return;
		}
	}
	status(out, NULL);
}

static void port_change(struct gateway *gw, const struct ctl_req *req, const struct ctl_env *env,
			struct ctl_buf *out)
{
	char err[CTL_ERRLEN];
	struct qdes_port *p;
	struct port_macs m;

	if (!env->ports) {
		ctl_reply_error(out, "%s: ports cannot change in this daemon",
				ctl_cmd_name(req->cmd));
		return;
	}
	if (req->cmd == CTL_PORT_DEL) {
		if (env->port_del(env->ports, req->name, err, sizeof(err)))
			ctl_reply_error(out, "port del %s: %s", req->name, err);
		else
			status(out, NULL);
		return;
	}
	if (env->port_add(env->ports, req, err, sizeof(err))) {
		ctl_reply_error(out, "port add %s: %s", req->name, err);
		return;
	}
	p = gateway_port_named(gw, req->name);
	ports_macs(gw, &m);
	if (!p || put(out, port_json(p, &m)))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

static void reload(const struct ctl_env *env, struct ctl_buf *out)
{
	json_t *applied = json_array(), *refused = json_array();
	char err[CTL_ERRLEN];

	if (!applied || !refused) {
		json_decref(applied);
		json_decref(refused);
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
		return;
	}
	if (env->reload(env->ctx, applied, refused, err, sizeof(err))) {
		json_decref(applied);
		json_decref(refused);
		ctl_reply_error(out, "reload: %s", err);
		return;
	}
	if (put(out, json_pack("{s:o,s:o}", "applied", applied, "refused", refused)))
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
	else
		status(out, NULL);
}

/**
 * ctl_job_start() - Answer @req, or begin to: ctl_job_more() goes on until @j->done
 * @j:		the job, filled in
 * @gw:		the gateway
 * @req:	the request, for this daemon's interface
 * @env:	clock, reload
 * @out:	where the reply lines go
 */
void ctl_job_start(struct ctl_job *j, struct gateway *gw, const struct ctl_req *req,
		   const struct ctl_env *env, struct ctl_buf *out)
{
	*j = (struct ctl_job){.gw = gw, .req = *req};
	if (req->dev[0] && strcmp(req->dev, gw->cfg->ifname)) {
		ctl_reply_error(out, "no interface %s here (this daemon serves %s)", req->dev,
				gw->cfg->ifname);
		j->done = true;
		return;
	}
	if (req->cmd == CTL_FDB_SHOW && !req->has_mac) {
		ctl_job_more(j, env, out);
		return;
	}
	j->done = true;
	switch (req->cmd) {
	case CTL_SHOW:
		show(gw, req, env, out);
		break;
	case CTL_FDB_SHOW:
		fdb_show_one(gw, req, env->now, out);
		break;
	case CTL_FDB_ADD:
		fdb_add(gw, req, env->now, out);
		break;
	case CTL_FDB_DEL:
		fdb_del(gw, req, out);
		break;
	case CTL_FDB_FLUSH:
		fdb_flush_cmd(gw, req, out);
		break;
	case CTL_PEER_SHOW:
		peer_show(gw, req, env->now, out);
		break;
	case CTL_PEER_ADD:
	case CTL_PEER_DEL:
		peer_change(gw, req, out);
		break;
	case CTL_STATS:
		stats(gw, req, env->now, out);
		break;
	case CTL_RELOAD:
		reload(env, out);
		break;
	case CTL_PORT_SHOW:
		port_show(gw, out);
		break;
	case CTL_PORT_ADD:
	case CTL_PORT_DEL:
		port_change(gw, req, env, out);
		break;
	case CTL_CMD_MAX:
		ctl_reply_error(out, "unknown command");
		break;
	}
}

/**
 * ctl_job_more() - The next part of a long reply (an FDB dump)
 * @j:		the job, not done
 * @env:	clock
 * @out:	where the lines go; about CTL_CHUNK bytes are added, the status line last
 */
void ctl_job_more(struct ctl_job *j, const struct ctl_env *env, struct ctl_buf *out)
{
	struct dump d = {j->gw, out, env->now, 0};
	bool end = false;

	while (!end && !d.failed && out->len < CTL_CHUNK) {
		fdb_rdlock(j->gw->fdb);
		end = fdb_walk(j->gw->fdb, &j->cursor, FDB_PART, dump_entry, &d);
		fdb_unlock(j->gw->fdb);
	}
	if (d.failed) {
		ctl_reply_fail(out, CTL_E_NOMEM, "out of memory");
		j->done = true;
	} else if (end) {
		status(out, NULL);
		j->done = true;
	}
}

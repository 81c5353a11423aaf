// SPDX-License-Identifier: GPL-2.0-or-later
/* ctl_proto.c - The control protocol's requests: the command line's grammar and the JSON line */

/*
 * A request reaches the daemon as one JSON object on one line (the man page's CONTROL
 * PROTOCOL): {"v":1,"cmd":"fdb add","mac":"02:00:00:00:00:01","dst":"10.0.0.2:5000"}. The
 * client builds that line from an iproute2-style command line, and the daemon parses it back;
 * both go through struct ctl_req and the same check of which fields a command takes, so what
 * the client accepts is exactly what the daemon accepts. Nothing here does I/O.
 */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "parse.h"
#include "util.h"

/* What each command takes besides dev and details */
#define NEEDS_MAC 0x1U
#define TAKES_MAC 0x2U
#define NEEDS_DST 0x4U
#define TAKES_DYN 0x8U

static const struct {
	const char *name;
	unsigned int args;
} cmds[CTL_CMD_MAX] = {
	[CTL_SHOW] = {"show", 0},
	[CTL_FDB_SHOW] = {"fdb show", TAKES_MAC},
	[CTL_FDB_ADD] = {"fdb add", NEEDS_MAC | NEEDS_DST},
	[CTL_FDB_DEL] = {"fdb del", NEEDS_MAC},
	[CTL_FDB_FLUSH] = {"fdb flush", TAKES_DYN},
	[CTL_PEER_SHOW] = {"peer show", 0},
	[CTL_PEER_ADD] = {"peer add", NEEDS_DST},
	[CTL_PEER_DEL] = {"peer del", NEEDS_DST},
	[CTL_STATS] = {"stats", 0},
	[CTL_RELOAD] = {"reload", 0},
};

/* Room for @n more bytes in @b (doubling). Return: 0, or -1 out of memory (@b unchanged) */
int ctl_buf_reserve(struct ctl_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->p);
	*b = (struct ctl_buf){0};
}

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return (unsigned int)cmd < CTL_CMD_MAX ? cmds[cmd].name : "?";
}

/* Which fields a command takes: the one check of both the client and the daemon */
static int check_req(const struct ctl_req *r, char *err, size_t errlen)
{
	unsigned int a = cmds[r->cmd].args;
	const char *name = cmds[r->cmd].name;

	if ((a & NEEDS_MAC) && !r->has_mac) {
		snprintf(err, errlen, "%s: missing MAC", name);
		return -1;
	}
	if (r->has_mac && !(a & (NEEDS_MAC | TAKES_MAC))) {
		snprintf(err, errlen, "%s: takes no MAC", name);
		return -1;
	}
	if ((a & NEEDS_DST) && !r->has_dst) {
		snprintf(err, errlen, "%s: missing %sADDR:PORT", name,
			 r->cmd == CTL_FDB_ADD ? "dst " : "");
		return -1;
	}
	if (r->has_dst && !(a & NEEDS_DST)) {
		snprintf(err, errlen, "%s: takes no address", name);
		return -1;
	}
	if (r->dynamic && !(a & TAKES_DYN)) {
		snprintf(err, errlen, "%s: takes no 'dynamic'", name);
		return -1;
	}
	return 0;
}

/* The client's options before the command; the daemon's options are all others */
struct cli_opt {
	const char *s, *l;
	bool arg;
};

static const struct cli_opt cli_opts[] = {
	{"-j", "--json", false},   {"-p", "--pretty", false}, {"-s", "--stats", false},
	{"-S", "--control", true}, {"-h", "--help", false},
};

static const struct cli_opt *cli_opt(const char *a)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cli_opts); i++)
		if (!strcmp(a, cli_opts[i].s) || !strcmp(a, cli_opts[i].l))
			return &cli_opts[i];
	return NULL;
}

/* iproute2's abbreviations: @arg is a prefix of @word */
static bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && !strncmp(arg, word, n);
}

static const char *const words[] = {"show", "fdb", "peer", "stats", "reload", "help"};

/**
 * ctl_is_client() - Whether a command line is the client's rather than the daemon's
 * @argc:	argument count
 * @argv:	arguments
 *
 * The daemon takes options only; the client takes its few options, then a command. A first
 * word that is not an option is a command (qdes-tap shwo: "unknown command"); after the
 * client's options, only a known command is (-p is also the daemon's --port: -p 5000), or
 * nothing after options only the client has (qdes-tap -j: "missing command").
 *
 * Return: true for the client
 */
bool ctl_is_client(int argc, char *const argv[])
{
	const struct cli_opt *o;
	bool only_client = false;
	int i = 1;
	size_t w;

	while (i < argc && (o = cli_opt(argv[i]))) {
		/* -j, --pretty, -s: no daemon option (-p and -S are, -h both) */
		only_client |= o->s[1] == 'j' || o->s[1] == 's' || !strcmp(argv[i], "--pretty");
		i += o->arg ? 2 : 1;
	}
	/* qdes-tap -j: a client without its command, not a daemon with a bad option */
	if (i >= argc)
		return only_client;
	if (argv[i][0] == '-')
		return false;
	if (i == 1)
		return true;
	for (w = 0; w < ARRAY_SIZE(words); w++)
		if (matches(argv[i], words[w]))
			return true;
	return false;
}

/**
 * struct args - the words after the command, as ctl_parse_args() takes them
 * @v:		words
 * @n:		how many are left
 * @cmd:	the command so far, for messages
 */
struct args {
	char *const *v;
	int n;
	const char *cmd;
};

static const char *next(struct args *a)
{
	if (!a->n)
		return NULL;
	a->n--;
	return *a->v++;
}

/* The value after keyword @kw, or NULL with @err set */
static const char *value(struct args *a, const char *kw, const char *what, char *err, size_t errlen)
{
	const char *v = next(a);

	if (!v)
		snprintf(err, errlen, "%s: '%s' needs %s", a->cmd, kw, what);
	return v;
}

static int set_dev(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN];

	if (r->dev[0]) {
		snprintf(err, errlen, "%s: interface given twice", a->cmd);
		return -1;
	}
	if (parse_ifname(r->dev, s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: dev: %s", a->cmd, msg);
		return -1;
	}
	/* JSON strings are UTF-8; the kernel's names are any bytes: take the common part */
	for (; *s; s++) {
		if (*s < 0x21 || *s > 0x7e) {
			char q[QUOTE_MAX + 4];

			snprintf(err, errlen,
				 "%s: dev: invalid value '%s' (expected printable ASCII; "
				 "name the daemon's socket with -S)",
				 a->cmd, parse_quote(r->dev, q));
			r->dev[0] = '\0';
			return -1;
		}
	}
	return 0;
}

static int set_mac(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN];

	if (r->has_mac) {
		snprintf(err, errlen, "%s: MAC given twice", a->cmd);
		return -1;
	}
	if (parse_mac(r->mac, s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: MAC: %s", a->cmd, msg);
		return -1;
	}
	r->has_mac = true;
	return 0;
}

static int set_dst(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN];

	if (r->has_dst) {
		snprintf(err, errlen, "%s: address given twice", a->cmd);
		return -1;
	}
	if (parse_endpoint(&r->dst, s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: address: %s", a->cmd, msg);
		return -1;
	}
	r->has_dst = true;
	return 0;
}

/* The words after a command: keywords, and the one positional value it takes */
static int parse_rest(struct ctl_cli *cli, struct args *a, char *err, size_t errlen)
{
	struct ctl_req *r = &cli->req;
	char q[QUOTE_MAX + 4];
	const char *w, *v;

	while ((w = next(a))) {
		if (!strcmp(w, "dev")) {
			if (!(v = value(a, w, "an interface name", err, errlen)) ||
			    set_dev(r, a, v, err, errlen))
				return -1;
		} else if (!strcmp(w, "dst") && r->cmd == CTL_FDB_ADD) {
			if (!(v = value(a, w, "ADDR:PORT", err, errlen)) ||
			    set_dst(r, a, v, err, errlen))
				return -1;
		} else if (!strcmp(w, "dynamic") && r->cmd == CTL_FDB_FLUSH) {
			r->dynamic = true;
		} else if (!strcmp(w, "-o") && r->cmd == CTL_STATS) {
			if (!(v = value(a, w, "a format (prometheus)", err, errlen)))
				return -1;
			if (strcmp(v, "prometheus")) {
				snprintf(err, errlen,
					 "stats: -o: unknown format '%s' (expected "
					 "prometheus)",
					 parse_quote(v, q));
				return -1;
			}
			cli->output = CTL_OUT_PROMETHEUS;
		} else if (r->cmd == CTL_FDB_SHOW || r->cmd == CTL_FDB_ADD ||
			   r->cmd == CTL_FDB_DEL) {
			if (set_mac(r, a, w, err, errlen))
				return -1;
		} else if (r->cmd == CTL_PEER_ADD || r->cmd == CTL_PEER_DEL) {
			if (set_dst(r, a, w, err, errlen))
				return -1;
		} else if (r->cmd == CTL_SHOW || r->cmd == CTL_RELOAD) {
			if (set_dev(r, a, w, err, errlen))
				return -1;
		} else {
			snprintf(err, errlen, "%s: unexpected argument '%s'", a->cmd,
				 parse_quote(w, q));
			return -1;
		}
	}
	return check_req(r, err, errlen);
}

/* fdb and peer take a verb: show (the default), add, del, and for fdb flush */
static int parse_verb(struct ctl_req *r, struct args *a, const char *obj, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		enum ctl_cmd fdb, peer;
	} verbs[] = {
		{"show", CTL_FDB_SHOW, CTL_PEER_SHOW}, {"list", CTL_FDB_SHOW, CTL_PEER_SHOW},
		{"add", CTL_FDB_ADD, CTL_PEER_ADD},    {"del", CTL_FDB_DEL, CTL_PEER_DEL},
		{"delete", CTL_FDB_DEL, CTL_PEER_DEL}, {"flush", CTL_FDB_FLUSH, CTL_CMD_MAX},
	};
	bool fdb = !strcmp(obj, "fdb");
	char q[QUOTE_MAX + 4];
	const char *w;
	size_t i;

	r->cmd = fdb ? CTL_FDB_SHOW : CTL_PEER_SHOW;
	if (!a->n || !strcmp(a->v[0], "dev"))
		return 0;
	w = next(a);
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		enum ctl_cmd c = fdb ? verbs[i].fdb : verbs[i].peer;

		if (c != CTL_CMD_MAX && matches(w, verbs[i].word)) {
			r->cmd = c;
			a->cmd = cmds[c].name;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: unknown command '%s' (expected show, add, del%s)", obj,
		 parse_quote(w, q), fdb ? " or flush" : "");
	return -1;
}

/**
 * ctl_parse_args() - The client's command line
 * @cli:	result
 * @argc:	argument count
 * @argv:	arguments, ctl_is_client()'s
 * @err:	one line naming what is wrong (the client exits 2 with it)
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int ctl_parse_args(struct ctl_cli *cli, int argc, char *const argv[], char *err, size_t errlen)
{
	const struct cli_opt *o;
	char q[QUOTE_MAX + 4];
	struct args a;
	const char *w;
	int i = 1;

	memset(cli, 0, sizeof(*cli));
	while (i < argc && (o = cli_opt(argv[i]))) {
		switch (o->s[1]) {
		case 'j':
			if (cli->output == CTL_OUT_TEXT)
				cli->output = CTL_OUT_JSON;
			break;
		case 'p':
			cli->pretty = true;
			break;
		case 's':
			cli->req.details = true;
			break;
		case 'h':
			cli->help = true;
			return 0;
		case 'S':
			if (i + 1 >= argc || !argv[i + 1][0]) {
				snprintf(err, errlen, "%s: missing argument (expected PATH)",
					 argv[i]);
				return -1;
			}
			cli->socket = argv[++i];
			break;
		}
		i++;
	}
	if (i >= argc) {
		snprintf(err, errlen, "missing command (try qdes-tap help)");
		return -1;
	}
	a = (struct args){argv + i + 1, argc - i - 1, NULL};
	w = argv[i];
	if (matches(w, "show")) {
		cli->req.cmd = CTL_SHOW;
	} else if (matches(w, "fdb") || matches(w, "peer")) {
		a.cmd = matches(w, "fdb") ? "fdb" : "peer";
		if (parse_verb(&cli->req, &a, a.cmd, err, errlen))
			return -1;
	} else if (matches(w, "stats")) {
		cli->req.cmd = CTL_STATS;
	} else if (matches(w, "reload")) {
		cli->req.cmd = CTL_RELOAD;
	} else if (matches(w, "help")) {
		cli->help = true;
		return 0;
	} else {
		snprintf(err, errlen, "unknown command '%s' (try qdes-tap help)",
			 parse_quote(w, q));
		return -1;
	}
	if (!a.cmd || strchr(a.cmd, ' ') == NULL)
		a.cmd = cmds[cli->req.cmd].name;
	return parse_rest(cli, &a, err, errlen);
}

/* ADDR:PORT with an IPv6 scope as its number: a link-local member keeps its interface */
static const char *endpoint_str(const union qdes_sockaddr *a, char *buf, size_t len)
{
	char host[ADDR_STRLEN];

	if (a->sa.sa_family != AF_INET6 || !a->in6.sin6_scope_id)
		return addr_str(a, buf, len);
	snprintf(buf, len, "[%s%%%u]:%u", addr_host_str(a, host, sizeof(host)),
		 (unsigned int)a->in6.sin6_scope_id, addr_port(a));
	return buf;
}

/**
 * ctl_request_line() - The JSON line of a request, newline included
 * @req:	request, as ctl_parse_args() made it
 * @buf:	result, NUL-terminated
 * @len:	its size
 *
 * Return: its length, or -1 if it does not fit (or out of memory)
 */
int ctl_request_line(const struct ctl_req *req, char *buf, size_t len)
{
	char m[MAC_STRLEN], d[ADDR_STRLEN];
	json_t *o = json_object();
	size_t n;
	int r = 0;

	if (!o)
		return -1;
	r |= json_object_set_new(o, "v", json_integer(CTL_VERSION));
	r |= json_object_set_new(o, "cmd", json_string(cmds[req->cmd].name));
	if (req->dev[0])
		r |= json_object_set_new(o, "dev", json_string(req->dev));
	if (req->has_mac)
		r |= json_object_set_new(o, "mac", json_string(mac_str(req->mac, m)));
	if (req->has_dst)
		r |= json_object_set_new(o, "dst",
					 json_string(endpoint_str(&req->dst, d, sizeof(d))));
	if (req->dynamic)
		r |= json_object_set_new(o, "dynamic", json_true());
	if (req->details)
		r |= json_object_set_new(o, "details", json_true());
	n = r ? 0 : json_dumpb(o, buf, len, JSON_COMPACT);
	json_decref(o);
	if (!n || n + 2 > len)
		return -1;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

/* A string member of the request, or NULL with @err set when it is another type */
static const char *get_string(json_t *v, const char *key, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "\"%s\": expected a string", key);
		return NULL;
	}
	return json_string_value(v);
}

static int get_bool(json_t *v, const char *key, bool *out, char *err, size_t errlen)
{
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "\"%s\": expected true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* The members of a request object, each checked as the command line's words are */
static int request_member(struct ctl_req *r, const char *key, json_t *v, char *err, size_t errlen)
{
	struct args a = {NULL, 0, "request"};
	char q[QUOTE_MAX + 4];
	const char *s;

	if (!strcmp(key, "v")) {
		if (!json_is_integer(v) || json_integer_value(v) != CTL_VERSION) {
			snprintf(err, errlen, "\"v\": unsupported version (expected %d)",
				 CTL_VERSION);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "cmd"))
		return 0;
	if (!strcmp(key, "dynamic"))
		return get_bool(v, key, &r->dynamic, err, errlen);
	if (!strcmp(key, "details"))
		return get_bool(v, key, &r->details, err, errlen);
	if (!strcmp(key, "dev") || !strcmp(key, "mac") || !strcmp(key, "dst")) {
		if (!(s = get_string(v, key, err, errlen)))
			return -1;
		if (key[0] == 'd' && key[1] == 'e')
			return set_dev(r, &a, s, err, errlen);
		return key[0] == 'm' ? set_mac(r, &a, s, err, errlen)
				     : set_dst(r, &a, s, err, errlen);
	}
	snprintf(err, errlen, "unknown key \"%s\"", parse_quote(key, q));
	return -1;
}

/**
 * ctl_parse_request() - One request line, as the daemon reads it
 * @req:	result
 * @line:	the line, without its newline; not NUL-terminated
 * @len:	its length
 * @err:	one line for the error reply
 * @errlen:	its size
 *
 * A request is an object with "v" (the version) and "cmd"; keys that a command does not take,
 * unknown keys and keys given twice are refused, so that a typo is never silently ignored.
 *
 * Return: 0, or -1 with @err set
 */
int ctl_parse_request(struct ctl_req *req, const char *line, size_t len, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 4];
	json_error_t jerr;
	const char *key, *s;
	json_t *o, *v;
	int i, r = -1;

	memset(req, 0, sizeof(*req));
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		snprintf(err, errlen, "not a JSON request: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON request: expected an object");
		goto out;
	}
	if (!json_object_get(o, "v")) {
		snprintf(err, errlen, "missing \"v\" (the protocol version, %d)", CTL_VERSION);
		goto out;
	}
	v = json_object_get(o, "cmd");
	if (!v) {
		snprintf(err, errlen, "missing \"cmd\"");
		goto out;
	}
	if (!(s = get_string(v, "cmd", err, errlen)))
		goto out;
	for (i = 0; i < CTL_CMD_MAX && strcmp(s, cmds[i].name); i++)
		;
	if (i == CTL_CMD_MAX) {
		snprintf(err, errlen, "unknown command \"%s\"", parse_quote(s, q));
		goto out;
	}
	req->cmd = (enum ctl_cmd)i;
	json_object_foreach(o, key, v)
	{
		if (request_member(req, key, v, err, errlen))
			goto out;
	}
	r = check_req(req, err, errlen);
out:
	json_decref(o);
	return r;
}

void ctl_usage(FILE *f)
{
	fputs("Usage: qdes-tap [-j] [-p] [-s] [-S PATH] COMMAND\n"
	      "Ask a running qdes-tap, through its control socket.\n"
	      "\n"
	      "Commands:\n"
	      "  show [IFNAME]                         the segment: encap, group, MTU, ports, "
	      "peers\n"
	      "  fdb show [dev IFNAME] [MAC]           forwarding database\n"
	      "  fdb add MAC dst ADDR:PORT [dev IFNAME] static entry: never moves, never ages\n"
	      "  fdb del MAC [dev IFNAME]\n"
	      "  fdb flush [dynamic] [dev IFNAME]      dynamic: keep the static entries\n"
	      "  peer show [dev IFNAME]                flood list (head-end replication)\n"
	      "  peer add ADDR:PORT [dev IFNAME]\n"
	      "  peer del ADDR:PORT [dev IFNAME]\n"
	      "  stats [dev IFNAME] [-o prometheus]    every counter\n"
	      "  reload [IFNAME]                       re-read the configuration, as SIGHUP\n"
	      "  genkey                                a new key for --key (no daemon asked)\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json           JSON output\n"
	      "  -p, --pretty         indented JSON (with -j)\n"
	      "  -s, --stats          per-peer statistics (show, peer show, stats)\n"
	      "  -S, --control PATH   the daemon's socket (default /run/qdes-tap/IFNAME.ctl)\n"
	      "  -h, --help           show this help and exit\n",
	      f);
}

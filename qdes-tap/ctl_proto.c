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
#define NEEDS_MAC  0x1U
#define TAKES_MAC  0x2U
#define NEEDS_DST  0x4U
#define TAKES_DYN  0x8U
#define NEEDS_NAME 0x10U
#define TAKES_PORT 0x20U /* netns, address, mtu: what a new port is made with */

/* A port's MTU as port add takes it; the daemon also holds it to its segment's */
#define PORT_MIN_MTU 68
#define PORT_MAX_MTU 65000

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
	[CTL_PORT_SHOW] = {"port show", 0},
	[CTL_PORT_ADD] = {"port add", NEEDS_NAME | TAKES_MAC | TAKES_PORT},
	[CTL_PORT_DEL] = {"port del", NEEDS_NAME},
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
	if ((a & TAKES_PORT) && !r->tap) {
		snprintf(err, errlen, "%s: missing the kind of port (tap)", name);
		return -1;
	}
	if (r->tap && !(a & TAKES_PORT)) {
		snprintf(err, errlen, "%s: takes no kind of port", name);
		return -1;
	}
	if ((a & NEEDS_NAME) && !r->name[0]) {
		snprintf(err, errlen, "%s: missing the port's name", name);
		return -1;
	}
	if (r->name[0] && !(a & NEEDS_NAME)) {
		snprintf(err, errlen, "%s: takes no port name", name);
		return -1;
	}
	if ((r->netns[0] || r->n_addrs || r->mtu || r->ifname[0]) && !(a & TAKES_PORT)) {
		snprintf(err, errlen, "%s: takes no netns, ifname, address or mtu", name);
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

static const char *const words[] = {"show", "fdb", "peer", "port", "stats", "reload", "help"};

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

/* A name the kernel takes for an interface, and that JSON carries as it is; @what names it in
 * messages ("interface" for dev, "name" for a port), @hint follows the ASCII rule's */
static int set_name(char dst[IFNAMSIZ], struct args *a, const char *what, const char *hint,
		    const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN], q[QUOTE_MAX + 4];
	const char *c;

	if (dst[0]) {
		snprintf(err, errlen, "%s: %s given twice", a->cmd, what);
		return -1;
	}
	if (parse_ifname(dst, s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s: %s", a->cmd, what[0] == 'i' ? "dev" : what, msg);
		return -1;
	}
	/* JSON strings are UTF-8; the kernel's names are any bytes: take the common part */
	for (c = s; *c; c++) {
		if (*c < 0x21 || *c > 0x7e) {
			snprintf(err, errlen,
				 "%s: %s: invalid value '%s' (expected printable ASCII%s)", a->cmd,
				 what[0] == 'i' ? "dev" : what, parse_quote(dst, q), hint);
			dst[0] = '\0';
			return -1;
		}
	}
	return 0;
}

static int set_dev(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	return set_name(r->dev, a, "interface", "; name the daemon's socket with -S", s, err,
			errlen);
}

static int set_netns(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN], q[QUOTE_MAX + 4];
	const char *c;

	if (r->netns[0]) {
		snprintf(err, errlen, "%s: netns given twice", a->cmd);
		return -1;
	}
	/* What a request line carries: printable ASCII, and room for the rest of it */
	for (c = s; *c && *c >= 0x20 && *c <= 0x7e; c++)
		;
	if (*c || c - s > CTL_NETNS_MAX) {
		snprintf(
			err, errlen,
			"%s: netns: invalid value '%s' (expected printable ASCII, %d characters at "
			"most)",
			a->cmd, parse_quote(s, q), CTL_NETNS_MAX);
		return -1;
	}
	if (parse_netns(r->netns, sizeof(r->netns), s, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: netns: %s", a->cmd, msg);
		return -1;
	}
	return 0;
}

static int add_address(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN];

	if (parse_addresses(r->addrs, &r->n_addrs, s, false, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: address: %s", a->cmd, msg);
		return -1;
	}
	return 0;
}

static int set_mtu(struct ctl_req *r, struct args *a, const char *s, char *err, size_t errlen)
{
	char msg[CTL_ERRLEN];
	unsigned long v;

	if (r->mtu) {
		snprintf(err, errlen, "%s: mtu given twice", a->cmd);
		return -1;
	}
	if (parse_range(s, PORT_MIN_MTU, PORT_MAX_MTU, &v, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: mtu: %s", a->cmd, msg);
		return -1;
	}
	r->mtu = (unsigned int)v;
	return 0;
}

/* The keywords of port add after its NAME */
static const char *const port_options[] = {"ifname", "netns", "address", "mac", "mtu"};

static bool is_port_option(const char *w)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(port_options); i++)
		if (!strcmp(w, port_options[i]))
			return true;
	return false;
}

static int port_option(struct ctl_req *r, struct args *a, const char *w, const char *v, char *err,
		       size_t errlen)
{
	if (!strcmp(w, "ifname"))
		return set_name(r->ifname, a, "ifname", "", v, err, errlen);
	if (!strcmp(w, "netns"))
		return set_netns(r, a, v, err, errlen);
	if (!strcmp(w, "address"))
		return add_address(r, a, v, err, errlen);
	if (!strcmp(w, "mac"))
		return set_mac(r, a, v, err, errlen);
	return set_mtu(r, a, v, err, errlen);
}

/* port add KIND NAME, port del NAME: the positional words */
static int port_word(struct ctl_req *r, struct args *a, const char *w, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 4];

	if (r->cmd == CTL_PORT_ADD && !r->tap) {
		if (strcmp(w, "tap")) {
			snprintf(err, errlen, "port add: unknown kind of port '%s' (expected tap)",
				 parse_quote(w, q));
			return -1;
		}
		r->tap = true;
		return 0;
	}
	return set_name(r->name, a, "name", "", w, err, errlen);
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
		} else if (!strcmp(w, "segment") &&
			   (r->cmd == CTL_PORT_SHOW || r->cmd == CTL_PORT_ADD ||
			    r->cmd == CTL_PORT_DEL)) {
			/* The daemon that serves segment SEG: its interface section's name */
			if (!(v = value(a, w, "a segment name", err, errlen)) ||
			    set_dev(r, a, v, err, errlen))
				return -1;
		} else if (r->cmd == CTL_PORT_ADD && r->name[0] && is_port_option(w)) {
			if (!(v = value(a, w, "a value", err, errlen)) ||
			    port_option(r, a, w, v, err, errlen))
				return -1;
		} else if ((r->cmd == CTL_PORT_ADD && !r->name[0]) ||
			   (r->cmd == CTL_PORT_DEL && !r->name[0])) {
			if (port_word(r, a, w, err, errlen))
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

/* fdb, peer and port take a verb: show (the default), add, del, and for fdb flush */
static int parse_verb(struct ctl_req *r, struct args *a, const char *obj, char *err, size_t errlen)
{
	static const struct {
		const char *word;
		enum ctl_cmd cmd[3]; /* fdb, peer, port */
	} verbs[] = {
		{"show", {CTL_FDB_SHOW, CTL_PEER_SHOW, CTL_PORT_SHOW}},
		{"list", {CTL_FDB_SHOW, CTL_PEER_SHOW, CTL_PORT_SHOW}},
		{"add", {CTL_FDB_ADD, CTL_PEER_ADD, CTL_PORT_ADD}},
		{"del", {CTL_FDB_DEL, CTL_PEER_DEL, CTL_PORT_DEL}},
		{"delete", {CTL_FDB_DEL, CTL_PEER_DEL, CTL_PORT_DEL}},
		{"flush", {CTL_FDB_FLUSH, CTL_CMD_MAX, CTL_CMD_MAX}},
	};
	unsigned int o = !strcmp(obj, "fdb") ? 0 : !strcmp(obj, "peer") ? 1 : 2;
	char q[QUOTE_MAX + 4];
	const char *w;
	size_t i;

	r->cmd = verbs[0].cmd[o];
	if (!a->n || !strcmp(a->v[0], "dev") || (o == 2 && !strcmp(a->v[0], "segment")))
		return 0;
	w = next(a);
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		enum ctl_cmd c = verbs[i].cmd[o];

		if (c != CTL_CMD_MAX && matches(w, verbs[i].word)) {
			r->cmd = c;
			a->cmd = cmds[c].name;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: unknown command '%s' (expected show, add, del%s)", obj,
		 parse_quote(w, q), o == 0 ? " or flush" : "");
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
	} else if (matches(w, "fdb") || matches(w, "peer") || matches(w, "port")) {
		/* "p" alone is peer, as before port came */
		a.cmd = matches(w, "fdb") ? "fdb" : matches(w, "peer") ? "peer" : "port";
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
	if (req->tap)
		r |= json_object_set_new(o, "kind", json_string("tap"));
	if (req->name[0])
		r |= json_object_set_new(o, "name", json_string(req->name));
	if (req->ifname[0])
		r |= json_object_set_new(o, "ifname", json_string(req->ifname));
	if (req->netns[0])
		r |= json_object_set_new(o, "netns", json_string(req->netns));
	if (req->n_addrs) {
		json_t *l = json_array();
		unsigned int i;

		r |= !l;
		for (i = 0; l && i < req->n_addrs; i++) {
			char p[INET6_ADDRSTRLEN + 8];

			r |= json_array_append_new(
				l, json_string(prefix_str(&req->addrs[i], p, sizeof(p))));
		}
		if (l)
			r |= json_object_set_new(o, "address", l);
	}
	if (req->mtu)
		r |= json_object_set_new(o, "mtu", json_integer(req->mtu));
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
	if (!strcmp(key, "kind")) {
		if (!(s = get_string(v, key, err, errlen)))
			return -1;
		if (strcmp(s, "tap")) {
			snprintf(err, errlen,
				 "\"kind\": unknown kind of port \"%s\" (expected tap)",
				 parse_quote(s, q));
			return -1;
		}
		r->tap = true;
		return 0;
	}
	if (!strcmp(key, "name")) {
		if (!(s = get_string(v, key, err, errlen)))
			return -1;
		return set_name(r->name, &a, "name", "", s, err, errlen);
	}
	if (!strcmp(key, "ifname")) {
		if (!(s = get_string(v, key, err, errlen)))
			return -1;
		return set_name(r->ifname, &a, "ifname", "", s, err, errlen);
	}
	if (!strcmp(key, "netns")) {
		if (!(s = get_string(v, key, err, errlen)))
			return -1;
		return set_netns(r, &a, s, err, errlen);
	}
	if (!strcmp(key, "mtu")) {
		char num[24];

		if (!json_is_integer(v)) {
			snprintf(err, errlen, "\"mtu\": expected a number");
			return -1;
		}
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return set_mtu(r, &a, num, err, errlen);
	}
	if (!strcmp(key, "address")) {
		size_t i;
		json_t *e;

		if (!json_is_array(v)) {
			snprintf(err, errlen, "\"address\": expected an array of prefixes");
			return -1;
		}
		json_array_foreach(v, i, e)
		{
			if (!(s = get_string(e, key, err, errlen)) ||
			    add_address(r, &a, s, err, errlen))
				return -1;
		}
		return 0;
	}
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
		char *c;

		/* jansson quotes the bad token as it came, line breaks and all: one line */
		for (c = jerr.text; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
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
	      "  port show [segment SEG]               the switch's ports\n"
	      "  port add tap NAME [ifname IFNAME] [netns NS] [address PREFIX]... [mac MAC]\n"
	      "           [mtu N] [segment SEG]        a TAP port, created (in NS) and up\n"
	      "  port del NAME [segment SEG]           remove it, its MACs and the TAP\n"
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

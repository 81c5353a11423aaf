// SPDX-License-Identifier: GPL-2.0-or-later
/* parse.c - Parsers of configuration values: check one value and say what is wrong with it */

/*
 * The same value can come from the command line or from the ini file: these parsers serve both,
 * know nothing of struct qdes_config, and leave their destination untouched on error, which is
 * what makes config_set() all or nothing.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <strings.h>

#include "log.h"
#include "parse.h"
#include "util.h"

/* The words a value can be, in any case, and what each stands for */
struct word {
	const char *word;
	int value;
};

static const struct word log_levels[] = {
	{"error", LOG_LVL_ERR}, {"warning", LOG_LVL_WARN}, {"notice", LOG_LVL_NOTICE},
	{"info", LOG_LVL_INFO}, {"debug", LOG_LVL_DEBUG},
};

static const struct word booleans[] = {
	{"yes", true}, {"no", false}, {"true", true}, {"false", false},
	{"1", true},   {"0", false},  {"on", true},   {"off", false},
};

/* What @s stands for in the @n words of @t, into @value. Return: 0, or -1 if it is none. */
static int word_value(const struct word *t, size_t n, const char *s, int *value)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcasecmp(s, t[i].word)) {
			*value = t[i].value;
			return 0;
		}
	}
	return -1;
}

/**
 * parse_quote() - A user's value made safe to quote in a one-line message
 * @s:		value
 * @buf:	result, at least QUOTE_MAX + 4 bytes
 *
 * Control characters would break the one-line rule of error messages, and a kilobyte of
 * garbage helps nobody: they become '?', and long values are cut with "...".
 *
 * Return: @buf
 */
const char *parse_quote(const char *s, char buf[QUOTE_MAX + 4])
{
	size_t i, len = strlen(s);

	for (i = 0; i < len && i < QUOTE_MAX; i++)
		buf[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	strcpy(buf + i, len > QUOTE_MAX ? "..." : "");
	return buf;
}

/* "invalid value 'VALUE' (EXPECTED)" in @err. Return: -1, for the caller to return */
int parse_invalid(char *err, size_t errlen, const char *value, const char *expected)
{
	char v[QUOTE_MAX + 4];

	snprintf(err, errlen, "invalid value '%s' (%s)", parse_quote(value, v), expected);
	return -1;
}

/* Decimal digits only: no sign, no spaces, no "0x", no trailing junk. Quiet: no message. */
int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* parse_ulong(), with the range in the message */
int parse_range(const char *s, unsigned long min, unsigned long max, unsigned long *out, char *err,
		size_t errlen)
{
	char expected[64];

	if (!parse_ulong(s, min, max, out))
		return 0;
	snprintf(expected, sizeof(expected), "expected %lu to %lu", min, max);
	return parse_invalid(err, errlen, s, expected);
}

/*
 * Names of things the user refers to (interfaces, namespaces, users): 1 to @size - 1 bytes,
 * none of them in @bad, and no control characters: the kernel or NSS may take those, but they
 * would break the one-line rule of messages, and people don't mean them. A space in @bad stands
 * for all white space, since the rest of it is control characters.
 */
static bool name_ok(const char *s, size_t size, const char *bad)
{
	const char *p;

	if (!*s || strlen(s) >= size)
		return false;
	for (p = s; *p; p++)
		if (iscntrl((unsigned char)*p) || strchr(bad, *p))
			return false;
	return true;
}

/* Whether all of @s is decimal digits: a number, not a name */
static bool all_digits(const char *s)
{
	return strspn(s, "0123456789") == strlen(s);
}

/*
 * The kernel's dev_valid_name(): 1 to IFNAMSIZ - 1 bytes, not "." or "..", no '/', ':' or
 * whitespace. '%' is refused as well: it would make the kernel pick a name from a template
 * (qdes%d).
 */
bool parse_ifname_valid(const char *s)
{
	return name_ok(s, IFNAMSIZ, "/:% ") && strcmp(s, ".") && strcmp(s, "..");
}

int parse_ifname(char dst[IFNAMSIZ], const char *s, char *err, size_t errlen)
{
	if (!parse_ifname_valid(s))
		return parse_invalid(err, errlen, s, IFNAME_EXPECTED);
	strcpy(dst, s);
	return 0;
}

/*
 * As ip-netns(8) takes them: a NAME under /run/netns (not "." or "..", no '/'), a PATH (has a
 * '/'), or the PID of a process whose namespace to join (all digits). @size: of @dst.
 */
int parse_netns(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
	static const char expected[] = "expected a namespace NAME, PATH or PID";
	unsigned long pid;

	if (!name_ok(s, size, ""))
		return parse_invalid(err, errlen, s, expected);
	if (all_digits(s)) {
		if (parse_ulong(s, 1, INT_MAX, &pid))
			return parse_invalid(err, errlen, s, "expected a PID from 1 up");
	} else if (!strchr(s, '/')) {
		if (!strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > NAME_MAX)
			return parse_invalid(err, errlen, s, expected);
	}
	strcpy(dst, s);
	return 0;
}

/*
 * Only the syntax: whether the user exists is a question for the user database (NSS), asked at
 * start. All digits is a UID, as for systemd's User=; (uid_t)-1 means "unchanged" to setresuid().
 * ':' separates passwd fields and '/' would make a path of the home directory: no user has them;
 * a leading '-' would read as an option wherever the name is passed on. @size: of @dst.
 */
int parse_user(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
	static const char expected[] = "expected a user name or UID";
	unsigned long uid;

	if (!name_ok(s, size, ":/ ") || *s == '-')
		return parse_invalid(err, errlen, s, expected);
	if (all_digits(s) && parse_ulong(s, 0, 4294967294UL, &uid))
		return parse_invalid(err, errlen, s, "expected a UID from 0 to 4294967294");
	strcpy(dst, s);
	return 0;
}

/* control_group = NAME | GID, checked as user names are */
int parse_group_name(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
	unsigned long gid;

	if (!name_ok(s, size, ":/ ") || *s == '-')
		return parse_invalid(err, errlen, s, "expected a group name or GID");
	if (all_digits(s) && parse_ulong(s, 0, 4294967294UL, &gid))
		return parse_invalid(err, errlen, s, "expected a GID from 0 to 4294967294");
	strcpy(dst, s);
	return 0;
}

/* control = PATH | none: a unix socket path (sun_path holds 107 bytes and a NUL) */
int parse_socket_path(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	char expected[64];

	if (*s && strlen(s) <= max && strlen(s) < size) {
		strcpy(dst, s);
		return 0;
	}
	snprintf(expected, sizeof(expected), "expected none or a socket path of 1 to %zu bytes",
		 max);
	return parse_invalid(err, errlen, s, expected);
}

/* A file name (key files): not empty, and fits */
int parse_file_path(char *dst, size_t size, const char *s, char *err, size_t errlen)
{
	if (*s && strlen(s) < size) {
		strcpy(dst, s);
		return 0;
	}
	return parse_invalid(err, errlen, s, "expected a file name");
}

/* One static FDB entry, "MAC ADDR:PORT" */
static int parse_fdb_item(struct parse_fdb *e, const char *s, char *err, size_t errlen)
{
	char mac[32], msg[PARSE_ERRLEN];
	size_t n = strcspn(s, " \t");
	const char *dst = s + n + strspn(s + n, " \t");

	if (!n || n >= sizeof(mac) || !*dst || strpbrk(dst, " \t"))
		return parse_invalid(err, errlen, s, "expected MAC ADDR:PORT");
	memcpy(mac, s, n);
	mac[n] = '\0';
	if (parse_mac(e->mac, mac, msg, sizeof(msg)) ||
	    parse_endpoint(&e->dst, dst, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	return 0;
}

/**
 * parse_fdb() - Static FDB entries: fdb = MAC ADDR:PORT, MAC ADDR:PORT ...
 * @v:		PARSE_MAX_FDB entries
 * @n:		how many are set
 * @s:		with @list, entries separated by commas (replacing those so far); else one entry
 *		to add (the command line's repeated --fdb)
 * @list:	the ini form
 * @err:	message buffer
 * @errlen:	its size
 *
 * All or nothing; a MAC given twice is an error.
 *
 * Return: 0 or -1
 */
int parse_fdb(struct parse_fdb *v, unsigned int *n, const char *s, bool list, char *err,
	      size_t errlen)
{
	static struct parse_fdb tmp[PARSE_MAX_FDB];
	unsigned int k = list ? 0 : *n, i;
	char item[256];

	memcpy(tmp, v, sizeof(tmp));
	while (*s) {
		size_t len = list ? strcspn(s, ",") : strlen(s);
		size_t lead = 0;

		while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
			lead++;
		while (len > lead && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len > lead) {
			struct parse_fdb e;

			if (len - lead >= sizeof(item))
				len = lead + sizeof(item) - 1;
			memcpy(item, s + lead, len - lead);
			item[len - lead] = '\0';
			if (parse_fdb_item(&e, item, err, errlen))
				return -1;
			for (i = 0; i < k; i++)
				if (!memcmp(tmp[i].mac, e.mac, ETH_ALEN_))
					return parse_invalid(err, errlen, item, "MAC given twice");
			if (k == PARSE_MAX_FDB)
				return parse_invalid(err, errlen, item, "more than 256 entries");
			tmp[k++] = e;
		}
		s += list ? strcspn(s, ",") : strlen(s);
		if (*s == ',')
			s++;
	}
	memcpy(v, tmp, sizeof(tmp));
	*n = k;
	return 0;
}

/* metrics = [ADDR:]PORT: a port alone is on loopback, 127.0.0.1 */
int parse_metrics(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen)
{
	static const char expected[] = "expected PORT, ADDR:PORT or [ADDR6]:PORT";
	union qdes_sockaddr a;
	unsigned long port;

	if (!parse_ulong(s, 1, 65535, &port)) {
		char lo[32];

		snprintf(lo, sizeof(lo), "127.0.0.1:%lu", port);
		return addr_parse(lo, 0, true, dst) ? parse_invalid(err, errlen, s, expected) : 0;
	}
	if (addr_parse(s, 0, true, &a) || !addr_port(&a))
		return parse_invalid(err, errlen, s, expected);
	if (addr_is_multicast(&a))
		return parse_invalid(err, errlen, s, "expected a unicast address");
	*dst = a;
	return 0;
}

/* "qdes, vxlan or raw": every name of the encapsulation table, for messages and --help */
size_t parse_encap_names(char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ENCAP_MAX && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      !i		   ? ""
				      : i == ENCAP_MAX - 1 ? " or "
							   : ", ",
				      proto_encap((enum encap_mode)i)->name);
	return n;
}

int parse_encap(enum encap_mode *dst, const char *s, char *err, size_t errlen)
{
	char names[64], expected[80];

	if (!proto_encap_by_name(s, dst))
		return 0;
	parse_encap_names(names, sizeof(names));
	snprintf(expected, sizeof(expected), "expected %s", names);
	return parse_invalid(err, errlen, s, expected);
}

/* Whether an address as addr_parse() takes it names a port: "A:P", "[A6]:P" */
static bool has_port(const char *s)
{
	const char *colon = strrchr(s, ':');

	if (*s == '[')
		return colon && colon > strchr(s, ']');
	return colon && strchr(s, ':') == colon;
}

/* A multicast ADDR:PORT; no port leaves it 0, which config_check() allows with encap vxlan */
int parse_group(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen)
{
	union qdes_sockaddr a;

	/* An IPv6 group takes brackets, with or without a port: ff05::42:5000 is ambiguous */
	if (addr_parse(s, 0, false, &a) || (*s != '[' && strchr(s, ':') != strrchr(s, ':')))
		return parse_invalid(err, errlen, s, "expected ADDR:PORT");
	if (!addr_is_multicast(&a))
		return parse_invalid(err, errlen, s, "expected a multicast address");
	/* A datagram cannot be sent to port 0: the segment would be silently deaf. */
	if (!addr_port(&a) && has_port(s))
		return parse_invalid(err, errlen, s, "expected a port from 1 to 65535");
	*dst = a;
	return 0;
}

/* The local underlay address: a unicast host address, no port */
int parse_local(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen)
{
	union qdes_sockaddr a;

	if (addr_parse_host(s, &a))
		return parse_invalid(err, errlen, s, "expected an IPv4 or IPv6 address");
	if (addr_is_multicast(&a))
		return parse_invalid(err, errlen, s, "expected a unicast address");
	*dst = a;
	return 0;
}

int parse_mac(uint8_t dst[ETH_ALEN_], const char *s, char *err, size_t errlen)
{
	uint8_t mac[ETH_ALEN_];

	if (mac_parse(s, mac))
		return parse_invalid(err, errlen, s, "expected xx:xx:xx:xx:xx:xx");
	if (mac_is_multicast(mac))
		return parse_invalid(err, errlen, s, "expected a unicast MAC address");
	if (mac_is_zero(mac))
		return parse_invalid(err, errlen, s, "expected a non-zero MAC address");
	memcpy(dst, mac, ETH_ALEN_);
	return 0;
}

/**
 * for_each_item() - Call @fn for each item of a list value
 * @s:		the value
 * @list:	an ini value: items separated by spaces or commas; else @s is one item (an option
 *		given on the command line, repeatable)
 * @fn:		called per item; its error stops the walk
 * @ctx:	for @fn
 * @err:	@fn's one-line error
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
static int for_each_item(const char *s, bool list,
			 int (*fn)(void *ctx, const char *item, char *err, size_t errlen),
			 void *ctx, char *err, size_t errlen)
{
	static const char seps[] = " \t,";
	char tok[256];

	if (!list)
		return fn(ctx, s, err, errlen);
	for (s += strspn(s, seps); *s; s += strspn(s, seps)) {
		size_t len = strcspn(s, seps);

		/* Far too long for any item: quoting its start is enough */
		if (len >= sizeof(tok))
			len = sizeof(tok) - 1;
		memcpy(tok, s, len);
		tok[len] = '\0';
		if (fn(ctx, tok, err, errlen))
			return -1;
		s += len;
	}
	return 0;
}

/* Room for one item of a list value, of either kind */
union list_item {
	union qdes_sockaddr peer;
	struct qdes_prefix address;
};

/* Room for the copy of either list that parse_list() fills, so that an error leaves it as it was */
union list_items {
	union qdes_sockaddr peers[PARSE_MAX_PEERS];
	struct qdes_prefix addresses[PARSE_MAX_ADDRS];
};

/**
 * struct list_kind - What a list value holds
 * @size:	one item's size
 * @max:	how many items there can be
 * @parse:	checks one item and writes it to @item: 0, or -1 with @err set
 * @same:	whether two items are one and the same
 * @plural:	the items' name, for "more than 32 peers"
 * @twice:	what to say of an item given twice
 */
struct list_kind {
	size_t size;
	unsigned int max;
	int (*parse)(void *item, const char *s, char *err, size_t errlen);
	bool (*same)(const void *a, const void *b);
	const char *plural, *twice;
};

/* The items while parse_list() fills them */
struct list {
	const struct list_kind *kind;
	unsigned char *items;
	unsigned int n;
};

static int list_add(void *ctx, const char *s, char *err, size_t errlen)
{
	struct list *l = ctx;
	const struct list_kind *k = l->kind;
	union list_item item;
	unsigned int i;

	if (k->parse(&item, s, err, errlen))
		return -1;
	for (i = 0; i < l->n; i++)
		if (k->same(l->items + i * k->size, &item))
			return parse_invalid(err, errlen, s, k->twice);
	if (l->n == k->max) {
		char why[32];

		snprintf(why, sizeof(why), "more than %u %s", k->max, k->plural);
		return parse_invalid(err, errlen, s, why);
	}
	memcpy(l->items + l->n++ * k->size, &item, k->size);
	return 0;
}

/**
 * parse_list() - Set or add the items of a list value
 * @items:	the array of @k->max items
 * @n:		how many of them are set
 * @s:		one item, or with @list a list of them separated by spaces or commas
 * @list:	the ini form: the list replaces the items so far, as any key's value replaces
 *		the one from [global]; empty, it leaves none. Without it, @s is added (the command
 *		line's repeated -a or --peer).
 * @k:		what the items are
 * @err:	message buffer
 * @errlen:	its size
 *
 * All or nothing: on error @items and @n are unchanged. The message quotes the one bad item.
 *
 * Return: 0 or -1
 */
static int parse_list(void *items, unsigned int *n, const char *s, bool list,
		      const struct list_kind *k, char *err, size_t errlen)
{
	union list_items tmp;
	struct list l = {k, (unsigned char *)&tmp, list ? 0 : *n};

	memcpy(&tmp, items, k->max * k->size);
	if (for_each_item(s, list, list_add, &l, err, errlen))
		return -1;
	memcpy(items, &tmp, k->max * k->size);
	*n = l.n;
	return 0;
}

/* One unicast member ADDR:PORT (a peer, a static FDB entry's destination) */
int parse_endpoint(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen)
{
	union qdes_sockaddr a;

	if (addr_parse(s, 0, true, &a))
		return parse_invalid(err, errlen, s, "expected ADDR:PORT or [ADDR6]:PORT");
	if (addr_is_multicast(&a) || addr_is_any(&a))
		return parse_invalid(err, errlen, s, "expected a unicast address");
	if (!addr_port(&a))
		return parse_invalid(err, errlen, s, "expected a port from 1 to 65535");
	*dst = a;
	return 0;
}

static int parse_peer(void *item, const char *s, char *err, size_t errlen)
{
	return parse_endpoint(item, s, err, errlen);
}

static bool same_peer(const void *a, const void *b)
{
	return addr_equal(a, b);
}

static const struct list_kind peer_kind = {
	.size = sizeof(union qdes_sockaddr),
	.max = PARSE_MAX_PEERS,
	.parse = parse_peer,
	.same = same_peer,
	.plural = "peers",
	.twice = "peer given twice",
};

/* Unicast ADDR:PORT members to replicate floods to; @peers holds PARSE_MAX_PEERS: parse_list() */
int parse_peers(union qdes_sockaddr *peers, unsigned int *n, const char *s, bool list, char *err,
		size_t errlen)
{
	return parse_list(peers, n, s, list, &peer_kind, err, errlen);
}

static int parse_address(void *item, const char *s, char *err, size_t errlen)
{
	if (addr_parse_prefix(s, item))
		return parse_invalid(err, errlen, s,
				     "expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64");
	return 0;
}

/* One address with two prefix lengths is still one address to the kernel */
static bool same_address(const void *pa, const void *pb)
{
	const struct qdes_prefix *a = pa, *b = pb;

	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static const struct list_kind address_kind = {
	.size = sizeof(struct qdes_prefix),
	.max = PARSE_MAX_ADDRS,
	.parse = parse_address,
	.same = same_address,
	.plural = "addresses",
	.twice = "address given twice",
};

/* The interface's ADDR/LEN prefixes; @addrs holds PARSE_MAX_ADDRS: parse_list() */
int parse_addresses(struct qdes_prefix *addrs, unsigned int *n, const char *s, bool list, char *err,
		    size_t errlen)
{
	return parse_list(addrs, n, s, list, &address_kind, err, errlen);
}

int parse_log_level(int *dst, const char *s, char *err, size_t errlen)
{
	if (word_value(log_levels, ARRAY_SIZE(log_levels), s, dst))
		return parse_invalid(err, errlen, s,
				     "expected error, warning, notice, info or debug");
	return 0;
}

int parse_bool(bool *dst, const char *s, char *err, size_t errlen)
{
	int v;

	if (word_value(booleans, ARRAY_SIZE(booleans), s, &v))
		return parse_invalid(err, errlen, s, "expected yes or no");
	*dst = v;
	return 0;
}

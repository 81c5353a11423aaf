// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - Configuration from the ini file and the command line into struct qdes_config */

/*
 * One table, config_opts[], describes every option: its ini key, long and short option, the
 * argument name and help text for --help, and what it sets. getopt_long()'s option list, the ini
 * key lookup and config_usage() are all generated from it, so an option cannot exist in one of
 * them and be missing from the others.
 *
 * Every value goes through set_value(), whichever way it came in, and error messages are built
 * in two layers: set_value() says what is wrong with the value ("invalid value 'x' (expected
 * ...)"), and the caller prefixes where it came from ("--group: ", "FILE: [qdes0] group: ").
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <sys/types.h>

#include <iniparser.h>

#include "config.h"
#include "log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Longest piece of a user's value quoted back in a message */
#define SHOWN_MAX 96

enum opt_id {
	OPT_CONFIG,
	OPT_INTERFACE,
	OPT_GROUP,
	OPT_PEER,
	OPT_NETWORK_ID,
	OPT_ENCAP,
	OPT_ADDRESS,
	OPT_MAC,
	OPT_MTU,
	OPT_LOCAL,
	OPT_DEV,
	OPT_PORT,
	OPT_TTL,
	OPT_AGEING,
	OPT_MAX_ENTRIES,
	OPT_NETNS,
	OPT_BRIDGE,
	OPT_QEMU_SOCKET,
	OPT_OFFLOAD,
	OPT_WORKERS,
	OPT_USER,
	OPT_LOG_LEVEL,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_SYSLOG,
	OPT_HELP,
	OPT_VERSION,
};

/* Only in [global]: they concern the process, not one interface */
#define OPT_GLOBAL_ONLY 1U

/**
 * struct config_opt - one option, as ini key, command-line option and help line
 * @id:		what it sets
 * @key:	ini key, NULL: command line only
 * @name:	long option
 * @short_opt:	short option, 0: long only
 * @arg:	argument name on the command line, NULL: a flag without argument
 * @min:	smallest value of an integer
 * @max:	largest value of an integer (0: not an integer)
 * @flags:	OPT_GLOBAL_ONLY
 * @help:	one line for --help
 */
struct config_opt {
	enum opt_id id;
	const char *key;
	const char *name;
	char short_opt;
	const char *arg;
	unsigned long min, max;
	unsigned int flags;
	const char *help;
};

static const struct config_opt config_opts[] = {
	{.id = OPT_CONFIG,
	 .name = "config",
	 .short_opt = 'c',
	 .arg = "FILE",
	 .help = "read the configuration from this ini file"},
	{.id = OPT_INTERFACE,
	 .name = "interface",
	 .short_opt = 'i',
	 .arg = "IFNAME",
	 .help = "TAP interface to create or open (default qdes0; none: no TAP), [IFNAME]"},
	{.id = OPT_GROUP,
	 .key = "group",
	 .name = "group",
	 .short_opt = 'g',
	 .arg = "ADDR:PORT",
	 .help = "multicast group and UDP port ([ADDR6]:PORT; vxlan: port 4789 if none)"},
	{.id = OPT_PEER,
	 .key = "peer",
	 .name = "peer",
	 .arg = "ADDR:PORT",
	 .help = "member to replicate floods to by unicast (repeatable; no multicast)"},
	{.id = OPT_NETWORK_ID,
	 .key = "network_id",
	 .name = "network-id",
	 .short_opt = 'n',
	 .arg = "ID",
	 .max = VXLAN_MAX_VNI,
	 .help = "segment's network id, 0 to 65535 (vxlan: VNI to 16777215; raw: none)"},
	{.id = OPT_ENCAP,
	 .key = "encap",
	 .name = "encap",
	 .arg = "MODE",
	 .help = "qdes (default), vxlan (RFC 7348) or raw (bare frames, QEMU sockets)"},
	{.id = OPT_ADDRESS,
	 .key = "address",
	 .name = "address",
	 .short_opt = 'a',
	 .arg = "PREFIX",
	 .help = "address/length to add to the interface (repeatable)"},
	{.id = OPT_MAC,
	 .key = "mac",
	 .name = "mac",
	 .short_opt = 'm',
	 .arg = "MAC",
	 .help = "MAC address of the interface (default: the kernel's)"},
	{.id = OPT_MTU,
	 .key = "mtu",
	 .name = "mtu",
	 .arg = "N",
	 .min = CONFIG_MIN_MTU,
	 .max = CONFIG_MAX_MTU,
	 .help = "interface MTU, 68 to 65000 (default: underlay MTU - 50, IPv6 70)"},
	{.id = OPT_LOCAL,
	 .key = "local",
	 .name = "local",
	 .short_opt = 'l',
	 .arg = "ADDR",
	 .help = "local underlay address to bind to and send from"},
	{.id = OPT_DEV,
	 .key = "dev",
	 .name = "dev",
	 .short_opt = 'd',
	 .arg = "IFNAME",
	 .help = "underlay interface for multicast (default: by route)"},
	{.id = OPT_PORT,
	 .key = "port",
	 .name = "port",
	 .short_opt = 'p',
	 .arg = "PORT",
	 .max = 65535,
	 .help = "local UDP port for unicast (default 0: ephemeral)"},
	{.id = OPT_TTL,
	 .key = "ttl",
	 .name = "ttl",
	 .arg = "N",
	 .min = 1,
	 .max = 255,
	 .help = "TTL / hop limit of sent datagrams, 1 to 255 (default 1)"},
	{.id = OPT_AGEING,
	 .key = "ageing",
	 .name = "ageing",
	 .arg = "SECONDS",
	 .min = 1,
	 .max = 1000000,
	 .help = "FDB ageing time, 1 to 1000000 (default 300)"},
	{.id = OPT_MAX_ENTRIES,
	 .key = "max_entries",
	 .name = "max-entries",
	 .arg = "N",
	 .min = 1,
	 .max = CONFIG_MAX_MAX_ENTRIES,
	 .help = "FDB size limit, 1 to 16777216 (default 65536)"},
	{.id = OPT_NETNS,
	 .key = "netns",
	 .name = "netns",
	 .arg = "NETNS",
	 .help = "move the interface into this namespace: NAME, PATH or PID"},
	{.id = OPT_BRIDGE,
	 .key = "bridge",
	 .name = "bridge",
	 .arg = "IFNAME",
	 .help = "make the interface a port of this existing bridge"},
	{.id = OPT_QEMU_SOCKET,
	 .key = "qemu_socket",
	 .name = "qemu-socket",
	 .arg = "PATH",
	 .help = "unix socket for QEMU guests (-netdev stream), each a switch port"},
	{.id = OPT_OFFLOAD,
	 .key = "offload",
	 .name = "offload",
	 .arg = "yes|no",
	 .help = "TAP checksum/TSO offloads and UDP GSO/GRO (default yes)"},
	{.id = OPT_WORKERS,
	 .key = "workers",
	 .name = "workers",
	 .arg = "N",
	 .min = 1,
	 .max = CONFIG_MAX_WORKERS,
	 .help = "worker threads, each with a TAP queue and a socket, 1 to 64 (default 1)"},
	{.id = OPT_USER,
	 .key = "user",
	 .name = "user",
	 .arg = "USER",
	 .help = "once set up, run as this user (NAME or UID), keeping only CAP_NET_ADMIN"},
	{.id = OPT_LOG_LEVEL,
	 .key = "log_level",
	 .name = "log-level",
	 .arg = "LEVEL",
	 .flags = OPT_GLOBAL_ONLY,
	 .help = "error, warning, notice (default), info or debug"},
	{.id = OPT_VERBOSE,
	 .name = "verbose",
	 .short_opt = 'v',
	 .help = "one more log level (repeatable)"},
	{.id = OPT_QUIET, .name = "quiet", .short_opt = 'q', .help = "log errors only"},
	{.id = OPT_SYSLOG,
	 .key = "syslog",
	 .name = "syslog",
	 .flags = OPT_GLOBAL_ONLY,
	 .help = "log to syslog (daemon facility) instead of stderr"},
	{.id = OPT_HELP, .name = "help", .short_opt = 'h', .help = "show this help and exit"},
	{.id = OPT_VERSION,
	 .name = "version",
	 .short_opt = 'V',
	 .help = "show the version and exit"},
};

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{"error", LOG_LVL_ERR}, {"warning", LOG_LVL_WARN}, {"notice", LOG_LVL_NOTICE},
	{"info", LOG_LVL_INFO}, {"debug", LOG_LVL_DEBUG},
};

static const struct {
	const char *word;
	bool value;
} booleans[] = {
	{"yes", true}, {"no", false}, {"true", true}, {"false", false},
	{"1", true},   {"0", false},  {"on", true},   {"off", false},
};

/* getopt_long() code of an option: its short letter, or a value no character can take */
static int opt_code(const struct config_opt *o)
{
	return o->short_opt ? o->short_opt : 256 + (int)(o - config_opts);
}

static const struct config_opt *opt_by_code(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(config_opts); i++)
		if (opt_code(&config_opts[i]) == code)
			return &config_opts[i];
	return NULL;
}

static const struct config_opt *opt_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(config_opts); i++)
		if (config_opts[i].key && !strcasecmp(config_opts[i].key, key))
			return &config_opts[i];
	return NULL;
}

/**
 * shown() - A user's value made safe to quote in a one-line message
 * @s:		value
 * @buf:	result, at least SHOWN_MAX + 4 bytes
 *
 * Control characters would break the one-line rule of error messages, and a kilobyte of
 * garbage helps nobody: they become '?', and long values are cut with "...".
 *
 * Return: @buf
 */
static const char *shown(const char *s, char buf[SHOWN_MAX + 4])
{
	size_t i, len = strlen(s);

	for (i = 0; i < len && i < SHOWN_MAX; i++)
		buf[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	strcpy(buf + i, len > SHOWN_MAX ? "..." : "");
	return buf;
}

static int invalid(char *err, size_t errlen, const char *value, const char *expected)
{
	char v[SHOWN_MAX + 4];

	snprintf(err, errlen, "invalid value '%s' (%s)", shown(value, v), expected);
	return -1;
}

/* Decimal digits only: no sign, no spaces, no "0x", no trailing junk */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
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

static int parse_range(const struct config_opt *o, const char *s, unsigned long *out, char *err,
		       size_t errlen)
{
	char expected[64];

	if (!parse_ulong(s, o->min, o->max, out))
		return 0;
	snprintf(expected, sizeof(expected), "expected %lu to %lu", o->min, o->max);
	return invalid(err, errlen, s, expected);
}

/*
 * The kernel's dev_valid_name(): 1 to IFNAMSIZ - 1 bytes, not "." or "..", no '/', ':' or
 * whitespace. Control characters are refused as well: the kernel takes them, people don't mean
 * them.
 */
static bool ifname_valid(const char *s)
{
	const char *p;

	if (!*s || strlen(s) >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (p = s; *p; p++)
		/* '%' would make the kernel pick a name from a template (qdes%d) */
		if (*p == '/' || *p == ':' || *p == '%' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p))
			return false;
	return true;
}

#define IFNAME_RULE	"an interface name: 1 to 15 characters, no '/', ':', '%' or spaces"
#define IFNAME_EXPECTED "expected " IFNAME_RULE

static int set_ifname(char dst[IFNAMSIZ], const char *s, char *err, size_t errlen)
{
	if (!ifname_valid(s))
		return invalid(err, errlen, s, IFNAME_EXPECTED);
	strcpy(dst, s);
	return 0;
}

/*
 * As ip-netns(8) takes them: a NAME under /run/netns (not "." or "..", no '/'), a PATH (has a
 * '/'), or the PID of a process whose namespace to join (all digits).
 */
static int set_netns(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	static const char expected[] = "expected a namespace NAME, PATH or PID";
	unsigned long pid;
	const char *p;

	if (!*s || strlen(s) >= sizeof(cfg->netns))
		return invalid(err, errlen, s, expected);
	for (p = s; *p; p++)
		if (iscntrl((unsigned char)*p))
			return invalid(err, errlen, s, expected);
	if (strspn(s, "0123456789") == strlen(s)) {
		if (parse_ulong(s, 1, INT_MAX, &pid))
			return invalid(err, errlen, s, "expected a PID from 1 up");
	} else if (!strchr(s, '/')) {
		if (!strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > NAME_MAX)
			return invalid(err, errlen, s, expected);
	}
	strcpy(cfg->netns, s);
	return 0;
}

/* Whether an address as addr_parse() takes it names a port: "A:P", "[A6]:P" */
static bool has_port(const char *s)
{
	const char *colon = strrchr(s, ':');

	if (*s == '[')
		return colon && colon > strchr(s, ']');
	return colon && strchr(s, ':') == colon;
}

#define NETID_EXPECTED "expected 0 to 65535, or up to 16777215 with encap vxlan"

static int set_encap(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	if (!strcasecmp(s, "qdes"))
		cfg->encap = ENCAP_QDES;
	else if (!strcasecmp(s, "vxlan"))
		cfg->encap = ENCAP_VXLAN;
	else if (!strcasecmp(s, "raw"))
		cfg->encap = ENCAP_RAW;
	else
		return invalid(err, errlen, s, "expected qdes, vxlan or raw");
	return 0;
}

static int set_group(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	union qdes_sockaddr a;

	/* The port may be left out only with encap vxlan: config_check() judges that */
	/* An IPv6 group takes brackets, with or without a port: ff05::42:5000 is ambiguous */
	if (addr_parse(s, 0, false, &a) || (*s != '[' && strchr(s, ':') != strrchr(s, ':')))
		return invalid(err, errlen, s, "expected ADDR:PORT");
	if (!addr_is_multicast(&a))
		return invalid(err, errlen, s, "expected a multicast address");
	/* A datagram cannot be sent to port 0: the segment would be silently deaf. */
	if (!addr_port(&a) && has_port(s))
		return invalid(err, errlen, s, "expected a port from 1 to 65535");
	cfg->group = a;
	cfg->group_set = true;
	return 0;
}

static int add_peer(union qdes_sockaddr *peers, unsigned int *n, const char *s, char *err,
		    size_t errlen)
{
	union qdes_sockaddr a;
	unsigned int i;

	if (addr_parse(s, 0, true, &a))
		return invalid(err, errlen, s, "expected ADDR:PORT or [ADDR6]:PORT");
	if (addr_is_multicast(&a) || addr_is_any(&a))
		return invalid(err, errlen, s, "expected a unicast address");
	if (!addr_port(&a))
		return invalid(err, errlen, s, "expected a port from 1 to 65535");
	for (i = 0; i < *n; i++)
		if (addr_equal(&peers[i], &a))
			return invalid(err, errlen, s, "peer given twice");
	if (*n == CONFIG_MAX_PEERS) {
		char why[32];

		snprintf(why, sizeof(why), "more than %d peers", CONFIG_MAX_PEERS);
		return invalid(err, errlen, s, why);
	}
	peers[(*n)++] = a;
	return 0;
}

struct peer_list {
	union qdes_sockaddr *peers;
	unsigned int *n;
};

static int peer_item(void *ctx, const char *item, char *err, size_t errlen)
{
	struct peer_list *l = ctx;

	return add_peer(l->peers, l->n, item, err, errlen);
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

/* As add_addresses(): the ini form is a list that replaces, the command line adds one */
static int add_peers(struct qdes_config *cfg, const char *s, bool list, char *err, size_t errlen)
{
	union qdes_sockaddr tmp[CONFIG_MAX_PEERS];
	unsigned int n = list ? 0 : cfg->n_peers;
	struct peer_list l = {tmp, &n};

	memcpy(tmp, cfg->peers, sizeof(tmp));
	if (for_each_item(s, list, peer_item, &l, err, errlen))
		return -1;
	memcpy(cfg->peers, tmp, sizeof(tmp));
	cfg->n_peers = n;
	return 0;
}

static int set_local(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	union qdes_sockaddr a;

	if (addr_parse_host(s, &a))
		return invalid(err, errlen, s, "expected an IPv4 or IPv6 address");
	if (addr_is_multicast(&a))
		return invalid(err, errlen, s, "expected a unicast address");
	cfg->local = a;
	cfg->local_set = true;
	return 0;
}

static int set_mac(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	uint8_t mac[ETH_ALEN_];

	if (mac_parse(s, mac))
		return invalid(err, errlen, s, "expected xx:xx:xx:xx:xx:xx");
	if (mac_is_multicast(mac))
		return invalid(err, errlen, s, "expected a unicast MAC address");
	if (mac_is_zero(mac))
		return invalid(err, errlen, s, "expected a non-zero MAC address");
	memcpy(cfg->mac, mac, ETH_ALEN_);
	cfg->mac_set = true;
	return 0;
}

static bool prefix_same_addr(const struct qdes_prefix *a, const struct qdes_prefix *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static int add_address(struct qdes_prefix *addrs, unsigned int *n, const char *s, char *err,
		       size_t errlen)
{
	struct qdes_prefix p;
	unsigned int i;

	if (addr_parse_prefix(s, &p))
		return invalid(err, errlen, s,
			       "expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64");
	for (i = 0; i < *n; i++)
		if (prefix_same_addr(&addrs[i], &p))
			return invalid(err, errlen, s, "address given twice");
	if (*n == CONFIG_MAX_ADDRS) {
		char why[32];

		snprintf(why, sizeof(why), "more than %d addresses", CONFIG_MAX_ADDRS);
		return invalid(err, errlen, s, why);
	}
	addrs[(*n)++] = p;
	return 0;
}

struct address_list {
	struct qdes_prefix *addrs;
	unsigned int *n;
};

static int address_item(void *ctx, const char *item, char *err, size_t errlen)
{
	struct address_list *l = ctx;

	return add_address(l->addrs, l->n, item, err, errlen);
}

/**
 * add_addresses() - Set or add interface addresses
 * @cfg:	configuration
 * @s:		one PREFIX, or with @list a list of them separated by spaces or commas
 * @list:	the ini form: the list replaces the addresses so far, as any key's value replaces
 *		the one from [global]; empty, it leaves none. Without it, @s is added (the command
 *		line's repeated -a).
 * @err:	message buffer
 * @errlen:	its size
 *
 * All or nothing: on error @cfg is unchanged. The message quotes the one bad item.
 *
 * Return: 0 or -1
 */
static int add_addresses(struct qdes_config *cfg, const char *s, bool list, char *err,
			 size_t errlen)
{
	struct qdes_prefix tmp[CONFIG_MAX_ADDRS];
	unsigned int n = list ? 0 : cfg->n_addrs;
	struct address_list l = {tmp, &n};

	memcpy(tmp, cfg->addrs, sizeof(tmp));
	if (for_each_item(s, list, address_item, &l, err, errlen))
		return -1;
	memcpy(cfg->addrs, tmp, sizeof(tmp));
	cfg->n_addrs = n;
	return 0;
}

/*
 * Only the syntax: whether the user exists is a question for the user database (NSS), asked at
 * start. All digits is a UID, as for systemd's User=; (uid_t)-1 means "unchanged" to setresuid().
 * ':' separates passwd fields and '/' would make a path of the home directory: no user has them;
 * a leading '-' would read as an option wherever the name is passed on.
 */
static int set_user(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	static const char expected[] = "expected a user name or UID";
	unsigned long uid;
	const char *p;

	if (!*s || strlen(s) >= sizeof(cfg->user) || *s == '-')
		return invalid(err, errlen, s, expected);
	for (p = s; *p; p++)
		if (*p == ':' || *p == '/' || isspace((unsigned char)*p) ||
		    iscntrl((unsigned char)*p))
			return invalid(err, errlen, s, expected);
	if (strspn(s, "0123456789") == strlen(s) && parse_ulong(s, 0, 4294967294UL, &uid))
		return invalid(err, errlen, s, "expected a UID from 0 to 4294967294");
	strcpy(cfg->user, s);
	return 0;
}

static int set_log_level(struct qdes_config *cfg, const char *s, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_levels); i++) {
		if (!strcasecmp(s, log_levels[i].name)) {
			cfg->log_level = log_levels[i].level;
			return 0;
		}
	}
	return invalid(err, errlen, s, "expected error, warning, notice, info or debug");
}

static int set_bool(bool *dst, const char *s, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(booleans); i++) {
		if (!strcasecmp(s, booleans[i].word)) {
			*dst = booleans[i].value;
			return 0;
		}
	}
	return invalid(err, errlen, s, "expected yes or no");
}

/**
 * set_value() - Check one value of an option or ini key and store it
 * @cfg:	configuration
 * @o:		the option, which takes a value
 * @s:		value
 * @list:	@s is the ini form of a list (address); the command line gives one item at a time
 * @err:	message, without a prefix saying where the value came from
 * @errlen:	its size
 *
 * Return: 0, or -1 with @cfg unchanged and @err set
 */
static int set_value(struct qdes_config *cfg, const struct config_opt *o, const char *s, bool list,
		     char *err, size_t errlen)
{
	unsigned long v;

	switch (o->id) {
	case OPT_INTERFACE:
		return set_ifname(cfg->ifname, s, err, errlen);
	case OPT_GROUP:
		return set_group(cfg, s, err, errlen);
	case OPT_PEER:
		return add_peers(cfg, s, list, err, errlen);
	case OPT_NETWORK_ID:
		/* The range for encap qdes is checked by config_check(), once encap is known */
		if (parse_ulong(s, o->min, o->max, &v))
			return invalid(err, errlen, s, NETID_EXPECTED);
		cfg->network_id = (uint32_t)v;
		cfg->network_id_set = true;
		return 0;
	case OPT_ENCAP:
		return set_encap(cfg, s, err, errlen);
	case OPT_ADDRESS:
		return add_addresses(cfg, s, list, err, errlen);
	case OPT_MAC:
		return set_mac(cfg, s, err, errlen);
	case OPT_MTU:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->mtu = (unsigned int)v;
		return 0;
	case OPT_LOCAL:
		return set_local(cfg, s, err, errlen);
	case OPT_DEV:
		return set_ifname(cfg->dev, s, err, errlen);
	case OPT_PORT:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->port = (uint16_t)v;
		return 0;
	case OPT_TTL:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->ttl = (int)v;
		return 0;
	case OPT_AGEING:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->ageing = (unsigned int)v;
		return 0;
	case OPT_MAX_ENTRIES:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->max_entries = (unsigned int)v;
		return 0;
	case OPT_NETNS:
		return set_netns(cfg, s, err, errlen);
	case OPT_BRIDGE:
		return set_ifname(cfg->bridge, s, err, errlen);
	case OPT_QEMU_SOCKET:
		if (!*s || strlen(s) >= sizeof(cfg->qemu_socket))
			return invalid(err, errlen, s, "expected a socket path of 1 to 107 bytes");
		strcpy(cfg->qemu_socket, s);
		return 0;
	case OPT_OFFLOAD:
		return set_bool(&cfg->offload, s, err, errlen);
	case OPT_WORKERS:
		if (parse_range(o, s, &v, err, errlen))
			return -1;
		cfg->workers = (unsigned int)v;
		return 0;
	case OPT_USER:
		return set_user(cfg, s, err, errlen);
	case OPT_LOG_LEVEL:
		return set_log_level(cfg, s, err, errlen);
	case OPT_SYSLOG:
		return set_bool(&cfg->use_syslog, s, err, errlen);
	case OPT_CONFIG:
	case OPT_VERBOSE:
	case OPT_QUIET:
	case OPT_HELP:
	case OPT_VERSION:
		break;
	}
	snprintf(err, errlen, "takes no value");
	return -1;
}

/* The underlay's address family: the group's, else the local address's, else the first peer's */
int config_family(const struct qdes_config *cfg)
{
	if (cfg->group_set)
		return cfg->group.sa.sa_family;
	if (cfg->local_set)
		return cfg->local.sa.sa_family;
	if (cfg->n_peers)
		return cfg->peers[0].sa.sa_family;
	return AF_INET;
}

/* Whether there is a TAP: interface none runs a switch for QEMU guests only */
bool config_has_tap(const struct qdes_config *cfg)
{
	return strcmp(cfg->ifname, CONFIG_NO_INTERFACE) != 0;
}

void config_init(struct qdes_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->ifname, CONFIG_DEFAULT_IFNAME);
	cfg->ageing = CONFIG_DEFAULT_AGEING;
	cfg->max_entries = CONFIG_DEFAULT_MAX_ENTRIES;
	cfg->offload = true;
	cfg->workers = 1;
	cfg->log_level = LOG_LVL_NOTICE;
}

/**
 * config_set() - Set one ini key, as the file would
 * @cfg:	configuration
 * @key:	ini key (any case)
 * @value:	its value; for address a list separated by spaces or commas
 * @err:	"KEY: what is wrong" on error
 * @errlen:	size of @err
 *
 * Whether the key is allowed in the section it came from is the caller's business: this takes
 * [global] keys (log_level, syslog) too.
 *
 * Return: 0, or -1 with @cfg unchanged and @err set
 */
int config_set(struct qdes_config *cfg, const char *key, const char *value, char *err,
	       size_t errlen)
{
	const struct config_opt *o = opt_by_key(key);
	char msg[CONFIG_ERRLEN], k[SHOWN_MAX + 4];

	if (!o) {
		snprintf(err, errlen, "unknown key '%s'", shown(key, k));
		return -1;
	}
	if (set_value(cfg, o, value, true, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", o->key, msg);
		return -1;
	}
	return 0;
}

const char *config_log_level_name(int level)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(log_levels); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

void config_usage(FILE *f, const char *prog)
{
	size_t i;

	if (!prog)
		prog = "qdes-tap";
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"       %s -c FILE [-i IFNAME] [OPTIONS]\n"
		"Join a TAP interface to a QDES segment: Ethernet over UDP multicast.\n"
		"\n"
		"Options:\n",
		prog, prog);
	for (i = 0; i < ARRAY_SIZE(config_opts); i++) {
		const struct config_opt *o = &config_opts[i];
		char left[64];

		snprintf(left, sizeof(left), "  %c%c%c --%s%s%s", o->short_opt ? '-' : ' ',
			 o->short_opt ? o->short_opt : ' ', o->short_opt ? ',' : ' ', o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "%-26s  %s\n", left, o->help);
	}
	fprintf(f,
		"\n"
		"Ini file keys are the long options with '_' for '-' (network_id = 42), but not\n"
		"-c, -i, -v, -q, -h, -V; address and peer take a list. [IFNAME] holds one "
		"interface's "
		"keys,\n"
		"[global] log_level, syslog and defaults for every interface. Options override "
		"it.\n"
		"\n"
		"Example: %s -i qdes0 -g 239.1.1.1:5000 -n 42\n",
		prog);
}

/*
 * iniparser reports errors through one process-wide callback without a context pointer, so the
 * message about the file being loaded can only be caught in static storage. Thread-local, and
 * used only between the two iniparser_set_error_callback() calls in config_load_ini(): this is
 * the one piece of static mutable state in this file. (The callback itself is iniparser's
 * global: two threads loading files at once could lose a message to stderr.)
 */
static _Thread_local struct {
	char first[CONFIG_ERRLEN];
	unsigned int count;
} ini_error;

/* iniparser 4.1's messages; their arguments are known, so they can be reworded safely */
#define INI_FMT_SYNTAX	 "iniparser: syntax error in %s (%d):\n-> %s\n"
#define INI_FMT_TOO_LONG "iniparser: input line too long in %s (%d)\n"

static int __attribute__((format(printf, 1, 2))) ini_error_cb(const char *fmt, ...)
{
	char *p = ini_error.first, v[SHOWN_MAX + 4];
	va_list ap;

	if (ini_error.count++)
		return 0;
	va_start(ap, fmt);
	if (!strcmp(fmt, INI_FMT_SYNTAX)) {
		const char *file = va_arg(ap, const char *);
		int line = va_arg(ap, int);
		const char *text = va_arg(ap, const char *);

		(void)file;
		snprintf(p, sizeof(ini_error.first), "syntax error at line %d: '%s'", line,
			 shown(text, v));
	} else if (!strcmp(fmt, INI_FMT_TOO_LONG)) {
		const char *file = va_arg(ap, const char *);
		int line = va_arg(ap, int);

		(void)file;
		snprintf(p, sizeof(ini_error.first), "syntax error at line %d: line too long",
			 line);
	} else {
		/* Some other version's wording: keep it, on one line, without its "iniparser: " */
		vsnprintf(p, sizeof(ini_error.first), fmt, ap);
		if (!strncmp(p, "iniparser: ", 11))
			memmove(p, p + 11, strlen(p + 11) + 1);
		for (; *p; p++)
			if (iscntrl((unsigned char)*p))
				*p = ' ';
		while (p > ini_error.first && p[-1] == ' ')
			*--p = '\0';
	}
	va_end(ap);
	return 0;
}

/**
 * struct ini_section - a [section] header as written in the file
 * @name:	its name in the original case (iniparser only keeps it lowercased)
 * @line:	line number, for messages
 */
struct ini_section {
	char *name;
	unsigned int line;
};

struct ini_file {
	const char *path;
	struct ini_section *sec;
	size_t n_sec;
	bool bom;
	dictionary *dict;
};

static void ini_free(struct ini_file *ini)
{
	size_t i;

	for (i = 0; i < ini->n_sec; i++)
		free(ini->sec[i].name);
	free(ini->sec);
	if (ini->dict)
		iniparser_freedict(ini->dict);
}

static char *strip(char *s, size_t *len)
{
	while (*len && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	while (*len && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	return s;
}

/* If the logical line @s is a section header, remember its name as written. */
static int ini_header(struct ini_file *ini, char *s, size_t len, unsigned int line)
{
	struct ini_section *sec;
	char *name, *close;

	s = strip(s, &len);
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return 0;
	/* As iniparser: the name ends at the first ']' and is stripped of spaces */
	s[len - 1] = '\0';
	close = strchr(s + 1, ']');
	len = (size_t)((close ? close : s + len - 1) - (s + 1));
	name = strip(s + 1, &len);
	sec = realloc(ini->sec, (ini->n_sec + 1) * sizeof(*sec));
	if (!sec)
		return -1;
	ini->sec = sec;
	sec[ini->n_sec].name = strndup(name, len);
	if (!sec[ini->n_sec].name)
		return -1;
	sec[ini->n_sec++].line = line;
	return 0;
}

/**
 * ini_scan() - Find the section headers of an ini file in their original case
 * @ini:	file; fills @ini->sec
 * @f:		the file, open
 *
 * iniparser lowercases section names, but a section names an interface and Linux interface
 * names are case-sensitive. So the file is read once more here, joining lines the way
 * iniparser 4.1 does (trailing spaces dropped, a final '\' continues the line on the next one),
 * to learn how each header was written.
 *
 * Return: 0, or -1 with errno set
 */
static int ini_scan(struct ini_file *ini, FILE *f)
{
	char *line = NULL, *logical = NULL;
	size_t cap = 0, lcap = 0, llen = 0;
	unsigned int lineno = 0, start = 0;
	int ret = -1;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		size_t len = (size_t)n;

		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		if (!llen)
			start = lineno + 1;
		if (!lineno++ && !strncmp(line, "\xef\xbb\xbf", 3))
			ini->bom = true;
		if (llen + len + 1 > lcap) {
			char *p = realloc(logical, llen + len + 1);

			if (!p)
				goto out;
			logical = p;
			lcap = llen + len + 1;
		}
		memcpy(logical + llen, line, len);
		llen += len;
		if (len && line[len - 1] == '\\') {
			llen--;
			continue;
		}
		logical[llen] = '\0';
		if (ini_header(ini, logical, llen, start))
			goto out;
		llen = 0;
	}
	if (ferror(f))
		goto out;
	if (llen) {
		logical[llen] = '\0';
		if (ini_header(ini, logical, llen, start))
			goto out;
	}
	ret = 0;
out:
	free(line);
	free(logical);
	return ret;
}

/* The first header of section @lc (lowercase, as iniparser has it), as written in the file */
static const char *ini_original(const struct ini_file *ini, const char *lc)
{
	size_t i;

	for (i = 0; i < ini->n_sec; i++)
		if (!strcasecmp(ini->sec[i].name, lc))
			return ini->sec[i].name;
	return lc;
}

static bool is_global(const char *section)
{
	return !strcasecmp(section, "global");
}

/* Every header names [global] or a valid interface, and no two differ only in case. */
static int ini_check_sections(const struct ini_file *ini, char *err, size_t errlen)
{
	char v[SHOWN_MAX + 4], w[SHOWN_MAX + 4];
	size_t i, j;

	for (i = 0; i < ini->n_sec; i++) {
		const struct ini_section *s = &ini->sec[i];

		if (is_global(s->name))
			continue;
		if (!ifname_valid(s->name)) {
			snprintf(err, errlen,
				 "%s: line %u: invalid section name '[%s]' (expected [global] "
				 "or %s)",
				 ini->path, s->line, shown(s->name, v), IFNAME_RULE);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (!strcasecmp(s->name, ini->sec[j].name) &&
			    strcmp(s->name, ini->sec[j].name)) {
				snprintf(err, errlen,
					 "%s: line %u: section [%s] differs from [%s] on line "
					 "%u only in case (section names are case-insensitive)",
					 ini->path, s->line, shown(s->name, v),
					 shown(ini->sec[j].name, w), ini->sec[j].line);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * A dictionary entry is "section" (value NULL) or "section:key". Section names hold no ':' (an
 * interface name cannot), so the first ':' splits. A key above every section is ":key".
 */
static bool ini_entry(const dictionary *d, ssize_t i, char *sec, size_t seclen, const char **key,
		      const char **val)
{
	const char *colon;
	size_t len;

	if (!d->key[i] || !d->val[i])
		return false;
	colon = strchr(d->key[i], ':');
	if (!colon)
		return false;
	len = (size_t)(colon - d->key[i]);
	/* too long for any section of ours, so cut short it still matches none */
	if (len >= seclen)
		len = seclen - 1;
	memcpy(sec, d->key[i], len);
	sec[len] = '\0';
	*key = colon + 1;
	*val = d->val[i];
	return true;
}

/* Unknown keys, and [global]-only keys elsewhere, are errors in every section, used or not. */
static int ini_check_keys(const struct ini_file *ini, char *err, size_t errlen)
{
	const dictionary *d = ini->dict;
	char sec[IFNAMSIZ + 16], v[SHOWN_MAX + 4], hint[64];
	const char *key, *val;
	ssize_t i;

	for (i = 0; i < d->size; i++) {
		const struct config_opt *o;

		if (!ini_entry(d, i, sec, sizeof(sec), &key, &val))
			continue;
		if (!*sec) {
			snprintf(err, errlen, "%s: key '%s' outside any section", ini->path,
				 shown(key, v));
			return -1;
		}
		o = opt_by_key(key);
		if (!o) {
			char alt[32];
			size_t k;

			/* network-id for network_id: the long option's spelling */
			hint[0] = '\0';
			snprintf(alt, sizeof(alt), "%s", key);
			for (k = 0; alt[k]; k++)
				if (alt[k] == '-')
					alt[k] = '_';
			if (strlen(key) < sizeof(alt) && opt_by_key(alt))
				snprintf(hint, sizeof(hint), " (did you mean '%s'?)", alt);
			snprintf(err, errlen, "%s: [%s] unknown key '%s'%s", ini->path,
				 ini_original(ini, sec), shown(key, v), hint);
			return -1;
		}
		if ((o->flags & OPT_GLOBAL_ONLY) && !is_global(sec)) {
			snprintf(err, errlen, "%s: [%s] %s: only valid in [global]", ini->path,
				 ini_original(ini, sec), o->key);
			return -1;
		}
	}
	return 0;
}

/* Set every key of section @lc (lowercase) in file order */
static int ini_apply(struct qdes_config *cfg, const struct ini_file *ini, const char *lc, char *err,
		     size_t errlen)
{
	const dictionary *d = ini->dict;
	char sec[IFNAMSIZ + 16], msg[CONFIG_ERRLEN];
	const char *key, *val;
	ssize_t i;

	for (i = 0; i < d->size; i++) {
		if (!ini_entry(d, i, sec, sizeof(sec), &key, &val) || strcmp(sec, lc))
			continue;
		if (config_set(cfg, key, val, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: [%s] %s", ini->path, ini_original(ini, lc), msg);
			return -1;
		}
		if (!strcasecmp(key, "group"))
			snprintf(cfg->group_from, sizeof(cfg->group_from), "%s",
				 ini_original(ini, lc));
		else if (!strcasecmp(key, "network_id"))
			snprintf(cfg->network_id_from, sizeof(cfg->network_id_from), "%s",
				 ini_original(ini, lc));
	}
	return 0;
}

/**
 * ini_choose() - The interface section to use
 * @ini:	file
 * @section:	wanted interface (case-sensitive), NULL: the file's only interface section
 * @name:	the section's name as written, which is the interface's name
 * @err:	message
 * @errlen:	its size
 *
 * Return: 0 or -1
 */
static int ini_choose(const struct ini_file *ini, const char *section, const char **name, char *err,
		      size_t errlen)
{
	char v[SHOWN_MAX + 4];
	size_t i, n = 0, len;

	if (section) {
		if (is_global(section)) {
			snprintf(err, errlen, "%s: [%s] is not an interface section", ini->path,
				 shown(section, v));
			return -1;
		}
		for (i = 0; i < ini->n_sec; i++) {
			if (!strcmp(ini->sec[i].name, section)) {
				*name = ini->sec[i].name;
				return 0;
			}
		}
		len = (size_t)snprintf(err, errlen, "%s: no section [%s]", ini->path,
				       shown(section, v));
		for (i = 0; i < ini->n_sec; i++) {
			if (!strcasecmp(ini->sec[i].name, section) && len < errlen) {
				snprintf(err + len, errlen - len,
					 " ([%s] is another interface: names are case-sensitive)",
					 ini->sec[i].name);
				break;
			}
		}
		return -1;
	}
	for (i = 0; i < ini->n_sec; i++) {
		const char *s = ini->sec[i].name;

		if (is_global(s))
			continue;
		if (!n++) {
			*name = s;
		} else if (strcmp(s, *name)) {
			/* (a section opened twice is still one section) */
			snprintf(err, errlen,
				 "%s: more than one interface section ([%s], [%s]); choose one "
				 "with --interface",
				 ini->path, *name, s);
			return -1;
		}
	}
	if (!n) {
		snprintf(err, errlen,
			 "%s: no interface section (name one after the interface, like [%s])",
			 ini->path, CONFIG_DEFAULT_IFNAME);
		return -1;
	}
	return 0;
}

/**
 * config_load_ini() - Apply an ini file's [global] and one interface section to @cfg
 * @cfg:	configuration, usually fresh from config_init()
 * @path:	ini file
 * @section:	interface section to use (case-sensitive, as interface names are); NULL: the
 *		file must have exactly one interface section, and it sets @cfg->ifname
 * @err:	"PATH: what is wrong" on error, one line
 * @errlen:	size of @err
 *
 * [global] keys are applied first, then the section's, so the section wins. Unknown keys,
 * [global]-only keys in an interface section, and invalid section names are errors in any
 * section, even one this process does not use, so a typo is caught wherever it is.
 * [global] is a keyword in any case, so an interface named "global" has no section of its own.
 *
 * Return: 0, or -1 with @err set (@cfg may then be partly set)
 */
int config_load_ini(struct qdes_config *cfg, const char *path, const char *section, char *err,
		    size_t errlen)
{
	struct ini_file ini = {.path = path};
	char v[SHOWN_MAX + 4], lc[IFNAMSIZ];
	const char *name = NULL;
	int ret = -1;
	size_t i;
	FILE *f;

	if (!*path || strlen(path) >= sizeof(cfg->config_path)) {
		snprintf(err, errlen, "--config: invalid value '%s' (expected a file name)",
			 shown(path, v));
		return -1;
	}
	/* iniparser would only say "cannot open", and on stderr */
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	/* /dev/zero or a FIFO would never end */
	{
		struct stat st;

		if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: cannot read: not a regular file", path);
			fclose(f);
			return -1;
		}
	}
	if (ini_scan(&ini, f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		goto out;
	}
	fclose(f);
	/* iniparser would call it a syntax error too, quoting an invisible character */
	if (ini.bom) {
		snprintf(err, errlen,
			 "%s: syntax error at line 1: UTF-8 byte order mark (save the file without "
			 "it)",
			 path);
		goto out;
	}

	ini_error.count = 0;
	ini_error.first[0] = '\0';
	iniparser_set_error_callback(ini_error_cb);
	ini.dict = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (!ini.dict || ini_error.count) {
		if (!ini_error.count)
			snprintf(err, errlen, "%s: cannot parse", path);
		else if (ini_error.count == 1)
			snprintf(err, errlen, "%s: %s", path, ini_error.first);
		else
			snprintf(err, errlen, "%s: %s (and %u more)", path, ini_error.first,
				 ini_error.count - 1);
		goto out;
	}

	if (ini_check_sections(&ini, err, errlen) || ini_check_keys(&ini, err, errlen) ||
	    ini_choose(&ini, section, &name, err, errlen))
		goto out;
	/* Valid interface names are shorter than IFNAMSIZ: ini_check_sections() saw to it */
	for (i = 0; name[i]; i++)
		lc[i] = (char)tolower((unsigned char)name[i]);
	lc[i] = '\0';
	if (ini_apply(cfg, &ini, "global", err, errlen) || ini_apply(cfg, &ini, lc, err, errlen))
		goto out;
	strcpy(cfg->ifname, name);
	strcpy(cfg->config_path, path);
	ret = 0;
out:
	ini_free(&ini);
	return ret;
}

/* The prefix of a message about a key: where it was set, on the command line or in the file */
static void where(const struct qdes_config *cfg, const char *section, const char *opt,
		  const char *key, char *buf, size_t len)
{
	if (section[0])
		snprintf(buf, len, "%s: [%s] %s: ", cfg->config_path, section, key);
	else
		snprintf(buf, len, "%s: ", opt);
}

/**
 * config_check() - Cross-key checks, once everything is set
 * @cfg:	configuration
 * @err:	message
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int config_check(struct qdes_config *cfg, char *err, size_t errlen)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], v[SHOWN_MAX + 4], w[PATH_MAX + IFNAMSIZ + 48];
	unsigned int i;

	if (!ifname_valid(cfg->ifname)) {
		snprintf(err, errlen, "--interface: invalid value '%s' (%s)", shown(cfg->ifname, v),
			 IFNAME_EXPECTED);
		return -1;
	}
	if (!config_has_tap(cfg)) {
		/* What would only concern the interface is a mistake without one */
		static const char *const tap_only[] = {"address", "mac", "netns", "bridge"};
		const bool given[] = {cfg->n_addrs > 0, cfg->mac_set, cfg->netns[0] != '\0',
				      cfg->bridge[0] != '\0'};

		if (!cfg->qemu_socket[0]) {
			snprintf(
				err, errlen,
				"--interface none: needs --qemu-socket (or qemu_socket= in the ini "
				"file): a switch without an interface serves guests only");
			return -1;
		}
		for (i = 0; i < ARRAY_SIZE(given); i++) {
			if (given[i]) {
				snprintf(err, errlen,
					 "--%s (or %s= in the ini file): needs an interface, not "
					 "with --interface none",
					 tap_only[i], tap_only[i]);
				return -1;
			}
		}
	}
	/* Guests' MACs are local to the first worker's switch: the others could not reach them */
	if (cfg->qemu_socket[0] && cfg->workers > 1) {
		snprintf(err, errlen,
			 "--workers: invalid value '%u' with --qemu-socket (guests are served by "
			 "one worker: use 1)",
			 cfg->workers);
		return -1;
	}
	if (!cfg->group_set && !cfg->n_peers) {
		snprintf(err, errlen,
			 "missing --group or --peer (or group= / peer= in the ini file)");
		return -1;
	}
	if (!proto_encap(cfg->encap)->has_netid) {
		/* Saying an id that nothing carries would suggest an isolation there is not */
		if (cfg->network_id_set) {
			where(cfg, cfg->network_id_from, "--network-id", "network_id", w,
			      sizeof(w));
			snprintf(err, errlen,
				 "%snot with encap raw (bare frames carry no network id: one "
				 "segment per group and port)",
				 w);
			return -1;
		}
	} else if (!cfg->network_id_set) {
		snprintf(err, errlen, "missing --network-id (or network_id= in the ini file)");
		return -1;
	}
	/* The encap-dependent ranges, judged now that encap may have come after the values */
	if (cfg->network_id > proto_encap(cfg->encap)->max_netid) {
		where(cfg, cfg->network_id_from, "--network-id", "network_id", w, sizeof(w));
		snprintf(err, errlen, "%sinvalid value '%u' (" NETID_EXPECTED ")", w,
			 cfg->network_id);
		return -1;
	}
	if (cfg->group_set && !addr_port(&cfg->group)) {
		if (cfg->encap != ENCAP_VXLAN) {
			where(cfg, cfg->group_from, "--group", "group", w, sizeof(w));
			snprintf(err, errlen, "%sinvalid value '%s' (expected ADDR:PORT)", w,
				 addr_host_str(&cfg->group, b, sizeof(b)));
			return -1;
		}
		addr_set_port(&cfg->group, VXLAN_DEFAULT_PORT);
	}
	/* One socket family serves both: bind to local, send to the group */
	if (cfg->group_set && cfg->local_set &&
	    cfg->local.sa.sa_family != cfg->group.sa.sa_family) {
		snprintf(err, errlen,
			 "local address %s and group %s are of different address families",
			 addr_host_str(&cfg->local, a, sizeof(a)),
			 addr_str(&cfg->group, b, sizeof(b)));
		return -1;
	}
	for (i = 0; i < cfg->n_peers; i++) {
		if (cfg->peers[i].sa.sa_family == config_family(cfg))
			continue;
		snprintf(err, errlen, "peer %s and %s %s are of different address families",
			 addr_str(&cfg->peers[i], a, sizeof(a)),
			 cfg->group_set	  ? "group"
			 : cfg->local_set ? "local address"
					  : "peer",
			 cfg->group_set	  ? addr_str(&cfg->group, b, sizeof(b))
			 : cfg->local_set ? addr_host_str(&cfg->local, b, sizeof(b))
					  : addr_str(&cfg->peers[0], b, sizeof(b)));
		return -1;
	}
	/* Peers send to the port they are told: an ephemeral one would change at each start */
	if (!cfg->group_set && !cfg->port) {
		snprintf(err, errlen,
			 "missing --port (or port= in the ini file): without a group, "
			 "peers reach this member at a fixed port");
		return -1;
	}
	/*
	 * VXLAN endpoints send to the well-known port and take any source port, so ours receives
	 * unicast on the group's port (see underlay.c): that is the only port it can use.
	 */
	if (cfg->encap == ENCAP_VXLAN && cfg->group_set) {
		if (cfg->port && cfg->port != addr_port(&cfg->group)) {
			snprintf(err, errlen,
				 "--port: invalid value '%u' (with encap vxlan, unicast uses the "
				 "group's port %u)",
				 cfg->port, addr_port(&cfg->group));
			return -1;
		}
		cfg->port = addr_port(&cfg->group);
		return 0;
	}
	/* A socket bound to any address on the group's port would also get every flood */
	if (cfg->group_set && cfg->port && cfg->port == addr_port(&cfg->group)) {
		snprintf(err, errlen,
			 "--port: invalid value '%u' (must differ from the group's port)",
			 cfg->port);
		return -1;
	}
	return 0;
}

static void getopt_tables(struct option *longopts, char *optstring)
{
	size_t i;

	/* '-': non-options come back in order, as 1; ':': a missing argument is ':', not '?' */
	*optstring++ = '-';
	*optstring++ = ':';
	for (i = 0; i < ARRAY_SIZE(config_opts); i++) {
		const struct config_opt *o = &config_opts[i];

		longopts[i] = (struct option){
			.name = o->name,
			.has_arg = o->arg ? required_argument : no_argument,
			.val = opt_code(o),
		};
		if (o->short_opt) {
			*optstring++ = o->short_opt;
			if (o->arg)
				*optstring++ = ':';
		}
	}
	longopts[i] = (struct option){0};
	*optstring = '\0';
}

/* Say what getopt_long() did not like in its '?' case */
static int bad_option(int argc, char *argv[], char *err, size_t errlen)
{
	const struct config_opt *o = optopt ? opt_by_code(optopt) : NULL;
	char v[SHOWN_MAX + 4], name[SHOWN_MAX + 4];
	size_t i, n = 0, len;
	const char *arg;

	if (o) {
		/* only long options can be given a value they do not take: --help=x */
		snprintf(err, errlen, "--%s: takes no argument", o->name);
		return -1;
	}
	if (optopt) {
		snprintf(err, errlen, "unknown option '-%c' (try --help)",
			 isprint(optopt) ? optopt : '?');
		return -1;
	}
	/* A long option, unknown or an ambiguous abbreviation; getopt has stepped past it */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	snprintf(name, sizeof(name), "%s", shown(arg, v));
	name[strcspn(name, "=")] = '\0';
	len = strlen(name);
	if (len > 2) {
		for (i = 0; i < ARRAY_SIZE(config_opts); i++)
			n += !strncmp(config_opts[i].name, name + 2, len - 2);
	}
	if (n > 1) {
		const char *sep = "";

		len = (size_t)snprintf(err, errlen, "ambiguous option '%s' (could be", name);
		for (i = 0; i < ARRAY_SIZE(config_opts) && len < errlen; i++) {
			if (strncmp(config_opts[i].name, name + 2, strlen(name) - 2))
				continue;
			len += (size_t)snprintf(err + len, errlen - len, "%s --%s", sep,
						config_opts[i].name);
			sep = ",";
		}
		if (len < errlen)
			snprintf(err + len, errlen - len, ")");
		return -1;
	}
	snprintf(err, errlen, "unknown option '%s' (try --help)", name);
	return -1;
}

/**
 * config_from_args() - The whole configuration: defaults, ini file, command line
 * @cfg:	result
 * @argc:	argument count
 * @argv:	arguments; not reordered
 * @action:	run, or show help or version (then nothing is loaded or checked)
 * @err:	one line on error, without the "qdes-tap: " prefix
 * @errlen:	size of @err
 *
 * Two passes over the arguments: the first checks their syntax and finds -c and -i, which
 * decide which file and section to read; the second applies the options over the file, in
 * order, so "-v --log-level error" ends at error. The first -a drops the file's addresses.
 *
 * Return: 0, or -1 with @err set
 */
int config_from_args(struct qdes_config *cfg, int argc, char *argv[], enum config_action *action,
		     char *err, size_t errlen)
{
	struct option longopts[ARRAY_SIZE(config_opts) + 1];
	char optstring[3 + 2 * ARRAY_SIZE(config_opts)];
	const char *config = NULL, *ifname = NULL;
	char msg[CONFIG_ERRLEN], v[SHOWN_MAX + 4];
	const struct config_opt *o;
	bool cli_addrs = false, cli_peers = false;
	int c;

	*action = CONFIG_RUN;
	config_init(cfg);
	getopt_tables(longopts, optstring);
	opterr = 0;

	/* optind = 0: glibc's getopt starts over, so this can run more than once per process */
	optind = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (c == 1) {
			snprintf(err, errlen, "unexpected argument '%s'", shown(optarg, v));
			return -1;
		}
		if (c == '?')
			return bad_option(argc, argv, err, errlen);
		if (c == ':') {
			o = opt_by_code(optopt);
			snprintf(err, errlen, "--%s: missing argument (expected %s)",
				 o ? o->name : "?", o && o->arg ? o->arg : "a value");
			return -1;
		}
		o = opt_by_code(c);
		if (!o)
			continue;
		switch (o->id) {
		case OPT_HELP:
			*action = CONFIG_HELP;
			return 0;
		case OPT_VERSION:
			*action = CONFIG_VERSION;
			return 0;
		case OPT_CONFIG:
			config = optarg;
			break;
		case OPT_INTERFACE:
			/* checked now: it names the section to read */
			if (set_value(cfg, o, optarg, false, msg, sizeof(msg))) {
				snprintf(err, errlen, "--%s: %s", o->name, msg);
				return -1;
			}
			ifname = optarg;
			break;
		default:
			break;
		}
	}
	/* What follows "--" */
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", shown(argv[optind], v));
		return -1;
	}

	if (config && config_load_ini(cfg, config, ifname, err, errlen))
		return -1;

	optind = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		o = opt_by_code(c);
		if (!o)
			continue;
		switch (o->id) {
		case OPT_CONFIG:
			continue;
		case OPT_VERBOSE:
			if (cfg->log_level < LOG_LVL_DEBUG)
				cfg->log_level++;
			continue;
		case OPT_QUIET:
			cfg->log_level = LOG_LVL_ERR;
			continue;
		case OPT_SYSLOG:
			cfg->use_syslog = true;
			continue;
		case OPT_ADDRESS:
			/* command-line addresses replace the file's */
			if (!cli_addrs)
				cfg->n_addrs = 0;
			cli_addrs = true;
			break;
		case OPT_PEER:
			/* and so do command-line peers */
			if (!cli_peers)
				cfg->n_peers = 0;
			cli_peers = true;
			break;
		default:
			break;
		}
		if (set_value(cfg, o, optarg, false, msg, sizeof(msg))) {
			snprintf(err, errlen, "--%s: %s", o->name, msg);
			return -1;
		}
		if (o->id == OPT_GROUP)
			cfg->group_from[0] = '\0';
		else if (o->id == OPT_NETWORK_ID)
			cfg->network_id_from[0] = '\0';
	}
	return config_check(cfg, err, errlen);
}

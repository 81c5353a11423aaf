// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - Configuration: the option table, the command line, --help and the cross-key checks */

/*
 * One table, config_opts[], describes every option: its ini key, long and short option, the
 * argument name and help text for --help, and what it sets. getopt_long()'s option list, the ini
 * key lookup and config_usage() are all generated from it, so an option cannot exist in one of
 * them and be missing from the others.
 *
 * Every value goes through set_value(), whichever way it came in, and error messages are built
 * in two layers: set_value() says what is wrong with the value ("invalid value 'x' (expected
 * ...)"), and the caller prefixes where it came from ("--group: ", "FILE: [qdes0] group: ").
 *
 * The values themselves are parsed in parse.c, and the ini file is read in ini.c; what is left
 * here is what needs the table or the whole configuration: set_value(), the command line,
 * --help and the cross-key checks of config_check().
 */

#include <ctype.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ini.h"
#include "log.h"
#include "parse.h"
#include "util.h"

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
	OPT_PORT_KIND,
	OPT_OFFLOAD,
	OPT_WORKERS,
	OPT_USER,
	OPT_FDB,
	OPT_CONTROL,
	OPT_CONTROL_GROUP,
	OPT_KEY,
	OPT_KEY_NEXT,
	OPT_METRICS,
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
 * @help_fn:	writes that line instead, from tables kept elsewhere (the encapsulations)
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
	void (*help_fn)(char *buf, size_t len);
	enum config_port_kind kind;
};

#define PORT_KIND(obj, ...) extern const struct port_kind obj;
#include "port_kinds.h"
#undef PORT_KIND

/* What the encapsulation table says, in words: a new row shows up in messages and --help */
static void netid_expected(char *buf, size_t len)
{
	const struct encap_ops *def = proto_encap(ENCAP_QDES);
	size_t n;
	int i;

	n = (size_t)snprintf(buf, len, "expected 0 to %u", def->max_netid);
	for (i = 0; i < ENCAP_MAX && n < len; i++) {
		const struct encap_ops *e = proto_encap((enum encap_mode)i);

		if (e->has_netid && e->max_netid > def->max_netid)
			n += (size_t)snprintf(buf + n, len - n, ", or up to %u with encap %s",
					      e->max_netid, e->name);
	}
}

static uint32_t netid_max(void)
{
	uint32_t max = 0;
	int i;

	for (i = 0; i < ENCAP_MAX; i++)
		if (proto_encap((enum encap_mode)i)->max_netid > max)
			max = proto_encap((enum encap_mode)i)->max_netid;
	return max;
}

static void netid_help(char *buf, size_t len)
{
	size_t n;
	int i;

	n = (size_t)snprintf(buf, len, "segment's network id:");
	for (i = 0; i < ENCAP_MAX && n < len; i++) {
		const struct encap_ops *e = proto_encap((enum encap_mode)i);

		if (e->has_netid)
			n += (size_t)snprintf(buf + n, len - n, "%s %s 0 to %u", i ? "," : "",
					      e->name, e->max_netid);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s %s none", i ? "," : "",
					      e->name);
	}
}

static void group_help(char *buf, size_t len)
{
	size_t n;
	int i;

	n = (size_t)snprintf(buf, len, "multicast group and UDP port ([ADDR6]:PORT");
	for (i = 0; i < ENCAP_MAX && n < len; i++) {
		const struct encap_ops *e = proto_encap((enum encap_mode)i);

		if (e->default_port)
			n += (size_t)snprintf(buf + n, len - n, "; %s: port %u if none", e->name,
					      e->default_port);
	}
	if (n < len)
		snprintf(buf + n, len - n, ")");
}

static void encap_help(char *buf, size_t len)
{
	char names[64];

	parse_encap_names(names, sizeof(names));
	snprintf(buf, len, "encapsulation: %s (default %s)", names, proto_encap(ENCAP_QDES)->name);
}

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
	 .help_fn = group_help},
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
	 .help_fn = netid_help},
	{.id = OPT_ENCAP, .key = "encap", .name = "encap", .arg = "MODE", .help_fn = encap_help},
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
	 .help = "MAC of the interface, persistent or random (default: persistent)"},
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
#define PORT_KIND(obj, key_, name_, arg_, help_)                                                   \
	{.id = OPT_PORT_KIND,                                                                      \
	 .key = key_,                                                                              \
	 .name = name_,                                                                            \
	 .arg = arg_,                                                                              \
	 .help = help_,                                                                            \
	 .kind = CONFIG_PORT_##obj},
#include "port_kinds.h"
#undef PORT_KIND
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
	{.id = OPT_FDB,
	 .key = "fdb",
	 .name = "fdb",
	 .arg = "'MAC ADDR:PORT'",
	 .help = "static FDB entry: MAC is behind that member (repeatable)"},
	{.id = OPT_CONTROL,
	 .key = "control",
	 .name = "control",
	 .short_opt = 'S',
	 .arg = "PATH",
	 .help = "control socket (default /run/qdes-tap/IFNAME.ctl; none: no socket)"},
	{.id = OPT_CONTROL_GROUP,
	 .key = "control_group",
	 .name = "control-group",
	 .arg = "GROUP",
	 .help = "members of this group may use the control socket too"},
	{.id = OPT_KEY,
	 .key = "key",
	 .name = "key",
	 .arg = "PATH",
	 .help = "seal the segment with the key in this file (qdes-tap genkey; mode 0600)"},
	{.id = OPT_KEY_NEXT,
	 .key = "key_next",
	 .name = "key-next",
	 .arg = "PATH",
	 .help = "a second key that opens too, for rotation (see reload)"},
	{.id = OPT_METRICS,
	 .key = "metrics",
	 .name = "metrics",
	 .arg = "[ADDR:]PORT",
	 .help = "serve GET /metrics (Prometheus) there; a port alone: on 127.0.0.1"},
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

/* The option whose ini key is @key, in any case; NULL: none (or only on the command line) */
static const struct config_opt *config_opt_by_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(config_opts); i++)
		if (config_opts[i].key && !strcasecmp(config_opts[i].key, key))
			return &config_opts[i];
	return NULL;
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
	uint8_t mac[ETH_ALEN_];
	unsigned long v;

	switch (o->id) {
	case OPT_INTERFACE:
		return parse_ifname(cfg->ifname, s, err, errlen);
	case OPT_GROUP:
		/* The port may be left out only with encap vxlan: config_check() judges that */
		if (parse_group(&cfg->group, s, err, errlen))
			return -1;
		cfg->group_set = true;
		return 0;
	case OPT_PEER:
		return parse_peers(cfg->peers, &cfg->n_peers, s, list, err, errlen);
	case OPT_NETWORK_ID:
		/* The range for encap qdes is checked by config_check(), once encap is known */
		if (parse_ulong(s, 0, netid_max(), &v)) {
			char expected[128];

			netid_expected(expected, sizeof(expected));
			return parse_invalid(err, errlen, s, expected);
		}
		cfg->network_id = (uint32_t)v;
		cfg->network_id_set = true;
		return 0;
	case OPT_ENCAP:
		return parse_encap(&cfg->encap, s, err, errlen);
	case OPT_ADDRESS:
		return parse_addresses(cfg->addrs, &cfg->n_addrs, s, list, err, errlen);
	case OPT_MAC:
		/* The last one given counts, as for every other single-valued key; a rejected
		 * value changes nothing */
		if (!strcmp(s, "persistent") || !strcmp(s, "random")) {
			cfg->mac_set = false;
			cfg->mac_random = s[0] == 'r';
			return 0;
		}
		if (mac_parse(s, mac))
			return parse_invalid(err, errlen, s,
					     "expected xx:xx:xx:xx:xx:xx, persistent or random");
		if (parse_mac(cfg->mac, s, err, errlen))
			return -1;
		cfg->mac_set = true;
		cfg->mac_random = false;
		return 0;
	case OPT_MTU:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->mtu = (unsigned int)v;
		return 0;
	case OPT_LOCAL:
		if (parse_local(&cfg->local, s, err, errlen))
			return -1;
		cfg->local_set = true;
		return 0;
	case OPT_DEV:
		return parse_ifname(cfg->dev, s, err, errlen);
	case OPT_PORT:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->port = (uint16_t)v;
		return 0;
	case OPT_TTL:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->ttl = (int)v;
		return 0;
	case OPT_AGEING:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->ageing = (unsigned int)v;
		return 0;
	case OPT_MAX_ENTRIES:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->max_entries = (unsigned int)v;
		return 0;
	case OPT_NETNS:
		return parse_netns(cfg->netns, sizeof(cfg->netns), s, err, errlen);
	case OPT_BRIDGE:
		return parse_ifname(cfg->bridge, s, err, errlen);
	case OPT_PORT_KIND:
		if (strlen(s) >= sizeof(cfg->ports[o->kind])) {
			char q[QUOTE_MAX + 4];

			snprintf(err, errlen, "invalid value '%s' (too long)", parse_quote(s, q));
			return -1;
		}
		if (config_port_kind(o->kind, NULL)->check(s, err, errlen))
			return -1;
		strcpy(cfg->ports[o->kind], s);
		return 0;
	case OPT_OFFLOAD:
		return parse_bool(&cfg->offload, s, err, errlen);
	case OPT_WORKERS:
		if (parse_range(s, o->min, o->max, &v, err, errlen))
			return -1;
		cfg->workers = (unsigned int)v;
		return 0;
	case OPT_USER:
		return parse_user(cfg->user, sizeof(cfg->user), s, err, errlen);
	case OPT_FDB:
		return parse_fdb(cfg->fdb, &cfg->n_fdb, s, list, err, errlen);
	case OPT_CONTROL:
		return parse_socket_path(cfg->control, sizeof(cfg->control), s, err, errlen);
	case OPT_KEY:
		return parse_file_path(cfg->key, sizeof(cfg->key), s, err, errlen);
	case OPT_KEY_NEXT:
		return parse_file_path(cfg->key_next, sizeof(cfg->key_next), s, err, errlen);
	case OPT_METRICS:
		if (parse_metrics(&cfg->metrics, s, err, errlen))
			return -1;
		cfg->metrics_set = true;
		return 0;
	case OPT_CONTROL_GROUP:
		return parse_group_name(cfg->control_group, sizeof(cfg->control_group), s, err,
					errlen);
	case OPT_LOG_LEVEL:
		return parse_log_level(&cfg->log_level, s, err, errlen);
	case OPT_SYSLOG:
		return parse_bool(&cfg->use_syslog, s, err, errlen);
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

/* Whether any port besides the interface is configured */
bool config_has_ports(const struct qdes_config *cfg)
{
	unsigned int i;

	for (i = 0; i < CONFIG_PORT_KINDS; i++)
		if (cfg->ports[i][0])
			return true;
	return false;
}

/**
 * config_port_kind() - A kind of port of port_kinds.h
 * @i:		its number, below CONFIG_PORT_KINDS
 * @key:	its ini key, if not NULL
 *
 * Return: the kind's operations
 */
const struct port_kind *config_port_kind(unsigned int i, const char **key)
{
	static const struct {
		const struct port_kind *kind;
		const char *key;
	} kinds[] = {
#define PORT_KIND(obj, key_, ...) {&obj, key_},
#include "port_kinds.h"
#undef PORT_KIND
	};

	if (i >= ARRAY_SIZE(kinds))
		i = 0;
	if (key)
		*key = kinds[i].key;
	return kinds[i].kind;
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
	const struct config_opt *o = config_opt_by_key(key);
	char msg[CONFIG_ERRLEN], k[QUOTE_MAX + 4];

	if (!o) {
		snprintf(err, errlen, "unknown key '%s'", parse_quote(key, k));
		return -1;
	}
	if (set_value(cfg, o, value, true, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", o->key, msg);
		return -1;
	}
	return 0;
}

/* One ini key: refused anywhere in the file if unknown or misplaced, applied if in use */
static int ini_key(void *ctx, enum ini_pass pass, const struct ini_key *k, char *err, size_t errlen)
{
	const struct config_opt *o = config_opt_by_key(k->key);
	struct qdes_config *cfg = ctx;
	char v[QUOTE_MAX + 4];

	if (pass == INI_APPLY) {
		if (config_set(cfg, k->key, k->value, err, errlen))
			return -1;
		if (o->id == OPT_GROUP)
			snprintf(cfg->group_from, sizeof(cfg->group_from), "%s", k->section);
		else if (o->id == OPT_NETWORK_ID)
			snprintf(cfg->network_id_from, sizeof(cfg->network_id_from), "%s",
				 k->section);
		return 0;
	}
	if (!o) {
		char alt[32], hint[64] = "";
		size_t i;

		/* network-id for network_id: the long option's spelling */
		snprintf(alt, sizeof(alt), "%s", k->key);
		for (i = 0; alt[i]; i++)
			if (alt[i] == '-')
				alt[i] = '_';
		if (strlen(k->key) < sizeof(alt) && config_opt_by_key(alt))
			snprintf(hint, sizeof(hint), " (did you mean '%s'?)", alt);
		snprintf(err, errlen, "unknown key '%s'%s", parse_quote(k->key, v), hint);
		return -1;
	}
	if ((o->flags & OPT_GLOBAL_ONLY) && !k->global) {
		snprintf(err, errlen, "%s: only valid in [global]", o->key);
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
 * Unknown keys and [global]-only keys in an interface section are errors in any section, even
 * one this process does not use (ini_read() hands every key over for checking first).
 *
 * Return: 0, or -1 with @err set (@cfg may then be partly set)
 */
int config_load_ini(struct qdes_config *cfg, const char *path, const char *section, char *err,
		    size_t errlen)
{
	char v[QUOTE_MAX + 4], name[IFNAMSIZ];

	if (!*path || strlen(path) >= sizeof(cfg->config_path)) {
		snprintf(err, errlen, "--config: invalid value '%s' (expected a file name)",
			 parse_quote(path, v));
		return -1;
	}
	if (ini_read(path, section, ini_key, cfg, name, err, errlen))
		return -1;
	strcpy(cfg->ifname, name);
	strcpy(cfg->config_path, path);
	return 0;
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
		char left[64], help[128];

		if (o->help_fn)
			o->help_fn(help, sizeof(help));
		snprintf(left, sizeof(left), "  %c%c%c --%s%s%s", o->short_opt ? '-' : ' ',
			 o->short_opt ? o->short_opt : ' ', o->short_opt ? ',' : ' ', o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "%-26s  %s\n", left, o->help_fn ? help : o->help);
	}
	fprintf(f,
		"\n"
		"Ini file keys are the long options with '_' for '-' (network_id = 42), but not\n"
		"-c, -i, -v, -q, -h, -V; address and peer take a list, fdb one separated by\n"
		"commas. [IFNAME] holds one interface's keys,\n"
		"[global] log_level, syslog and defaults for every interface. Options override "
		"it.\n"
		"\n"
		"Example: %s -i qdes0 -g 239.1.1.1:5000 -n 42\n"
		"A key for --key: %s genkey > FILE (umask 077 first)\n",
		prog, prog);
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

/* The interface's name, and what only an interface can have when there is none */
static int check_interface(const struct qdes_config *cfg, char *err, size_t errlen)
{
	static const char *const tap_only[] = {"address", "mac", "netns", "bridge"};
	const bool given[] = {cfg->n_addrs > 0, cfg->mac_set || cfg->mac_random,
			      cfg->netns[0] != '\0', cfg->bridge[0] != '\0'};
	char v[QUOTE_MAX + 4];
	unsigned int i;

	if (!parse_ifname_valid(cfg->ifname)) {
		snprintf(err, errlen, "--interface: invalid value '%s' (%s)",
			 parse_quote(cfg->ifname, v), IFNAME_EXPECTED);
		return -1;
	}
	if (config_has_tap(cfg))
		return 0;
	if (!config_has_ports(cfg)) {
		size_t n = (size_t)snprintf(err, errlen, "--interface none: needs");
		const char *sep = "";

		for (i = 0; i < ARRAY_SIZE(config_opts) && n < errlen; i++) {
			if (config_opts[i].id != OPT_PORT_KIND)
				continue;
			n += (size_t)snprintf(err + n, errlen - n,
					      "%s --%s (or %s= in the ini file)", sep,
					      config_opts[i].name, config_opts[i].key);
			sep = " or";
		}
		if (n < errlen)
			snprintf(err + n, errlen - n,
				 ": a switch without an interface serves guests only");
		return -1;
	}
	/* What would only concern the interface is a mistake without one */
	for (i = 0; i < ARRAY_SIZE(given); i++) {
		if (given[i]) {
			snprintf(err, errlen,
				 "--%s (or %s= in the ini file): needs an interface, not with "
				 "--interface none",
				 tap_only[i], tap_only[i]);
			return -1;
		}
	}
	return 0;
}

/* The segment: where floods go, its network id as the encapsulation carries it */
static int check_segment(struct qdes_config *cfg, char *err, size_t errlen)
{
	const struct encap_ops *e = proto_encap(cfg->encap);
	char b[ADDR_STRLEN], w[PATH_MAX + IFNAMSIZ + 48], expected[128];

	if (!cfg->group_set && !cfg->n_peers) {
		snprintf(err, errlen,
			 "missing --group or --peer (or group= / peer= in the ini file)");
		return -1;
	}
	if (!e->has_netid) {
		/* Saying an id that nothing carries would suggest an isolation there is not */
		if (cfg->network_id_set) {
			where(cfg, cfg->network_id_from, "--network-id", "network_id", w,
			      sizeof(w));
			snprintf(err, errlen,
				 "%snot with encap %s (its datagrams carry no network id: one "
				 "segment per group and port)",
				 w, e->name);
			return -1;
		}
	} else if (!cfg->network_id_set) {
		snprintf(err, errlen, "missing --network-id (or network_id= in the ini file)");
		return -1;
	}
	/* The encap-dependent ranges, judged now that encap may have come after the values */
	if (cfg->network_id > e->max_netid) {
		where(cfg, cfg->network_id_from, "--network-id", "network_id", w, sizeof(w));
		netid_expected(expected, sizeof(expected));
		snprintf(err, errlen, "%sinvalid value '%u' (%s)", w, cfg->network_id, expected);
		return -1;
	}
	if (cfg->group_set && !addr_port(&cfg->group)) {
		if (!e->default_port) {
			where(cfg, cfg->group_from, "--group", "group", w, sizeof(w));
			snprintf(err, errlen, "%sinvalid value '%s' (expected ADDR:PORT)", w,
				 addr_host_str(&cfg->group, b, sizeof(b)));
			return -1;
		}
		addr_set_port(&cfg->group, e->default_port);
	}
	return 0;
}

/* A key seals an encapsulation that has room for it; never a silent fall back to plaintext */
static int check_key(const struct qdes_config *cfg, char *err, size_t errlen)
{
	const struct encap_ops *e = proto_encap(cfg->encap);

	if (cfg->key_next[0] && !cfg->key[0]) {
		snprintf(err, errlen, "--key-next (or key_next= in the ini file): needs a key");
		return -1;
	}
	if (cfg->key[0] && !e->sealed) {
		snprintf(err, errlen,
			 "--key (or key= in the ini file): not with encap %s (its datagrams have "
			 "no room for a seal; frames would go in the clear)",
			 e->name);
		return -1;
	}
	return 0;
}

/**
 * config_encap() - The encapsulation the segment runs: encap=, sealed if there is a key
 * @cfg:	configuration, checked
 *
 * Return: its operations
 */
const struct encap_ops *config_encap(const struct qdes_config *cfg)
{
	const struct encap_ops *e = proto_encap(cfg->encap);

	return cfg->key[0] && e->sealed ? e->sealed : e;
}

/* One socket family serves all: bind to local, send to the group and the peers */
static int check_families(const struct qdes_config *cfg, char *err, size_t errlen)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	unsigned int i;

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
	return 0;
}

/* The unicast port, which the encapsulation may tie to the group's */
static int check_unicast_port(struct qdes_config *cfg, char *err, size_t errlen)
{
	const struct encap_ops *e = proto_encap(cfg->encap);

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
	if (e->peer_port && cfg->group_set) {
		if (cfg->port && cfg->port != addr_port(&cfg->group)) {
			snprintf(err, errlen,
				 "--port: invalid value '%u' (with encap %s, unicast uses the "
				 "group's port %u)",
				 cfg->port, e->name, addr_port(&cfg->group));
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

/**
 * config_check() - Cross-key checks, once everything is set
 * @cfg:	configuration; the encapsulation's defaults (group port, unicast port) are filled in
 * @err:	message
 * @errlen:	its size
 *
 * Return: 0, or -1 with @err set
 */
int config_check(struct qdes_config *cfg, char *err, size_t errlen)
{
	if (check_interface(cfg, err, errlen) || check_segment(cfg, err, errlen) ||
	    check_families(cfg, err, errlen) || check_unicast_port(cfg, err, errlen) ||
	    check_key(cfg, err, errlen))
		return -1;
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
	char v[QUOTE_MAX + 4], name[QUOTE_MAX + 4];
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
	snprintf(name, sizeof(name), "%s", parse_quote(arg, v));
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
	char msg[CONFIG_ERRLEN], v[QUOTE_MAX + 4];
	const struct config_opt *o;
	bool cli_addrs = false, cli_peers = false, cli_fdb = false;
	int c;

	*action = CONFIG_RUN;
	config_init(cfg);
	getopt_tables(longopts, optstring);
	opterr = 0;

	/* optind = 0: glibc's getopt starts over, so this can run more than once per process */
	optind = 0;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1) {
		if (c == 1) {
			snprintf(err, errlen, "unexpected argument '%s'", parse_quote(optarg, v));
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
		snprintf(err, errlen, "unexpected argument '%s'", parse_quote(argv[optind], v));
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
		case OPT_FDB:
			/* and static FDB entries */
			if (!cli_fdb)
				cfg->n_fdb = 0;
			cli_fdb = true;
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

// SPDX-License-Identifier: GPL-2.0-or-later
/* test_config.c - Unit tests of the configuration: defaults, options, ini files, every error */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define WANT_IFNAME "expected an interface name: 1 to 15 characters, no '/', ':', '%' or spaces"

/* Temporary directory for the ini files of this run, removed at the end */
static char tmpdir[] = "/tmp/test_config.XXXXXX";
static unsigned int n_files;

#define ARGV(...) ((char *[]){"qdes-tap", __VA_ARGS__, NULL})

static int count(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

/* Write @text to a new file in tmpdir; its name goes into @path */
static const char *write_ini(char path[PATH_MAX], const char *text)
{
	FILE *f;

	snprintf(path, PATH_MAX, "%s/%u.ini", tmpdir, n_files++);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/*
 * stderr goes to a file while the module runs: it must never print (iniparser would, unless
 * its messages are caught), since an error is the caller's single line.
 */
struct quiet {
	char path[PATH_MAX];
	int fd, saved;
};

static void quiet_begin(struct quiet *q)
{
	snprintf(q->path, sizeof(q->path), "%s/stderr", tmpdir);
	q->fd = open(q->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(q->fd >= 0);
	fflush(stderr);
	q->saved = dup(2);
	assert_true(q->saved >= 0);
	assert_int_equal(dup2(q->fd, 2), 2);
}

static void quiet_end(struct quiet *q)
{
	struct stat st;

	fflush(stderr);
	dup2(q->saved, 2);
	close(q->saved);
	close(q->fd);
	assert_int_equal(stat(q->path, &st), 0);
	unlink(q->path);
	if (st.st_size)
		fail_msg("%lld bytes written to stderr", (long long)st.st_size);
}

static int run(struct qdes_config *cfg, enum config_action *act, char *err, char **argv)
{
	struct quiet q = {.fd = -1};
	int ret;

	err[0] = '\0';
	quiet_begin(&q);
	ret = config_from_args(cfg, count(argv), argv, act, err, CONFIG_ERRLEN);
	quiet_end(&q);
	return ret;
}

/* Parse @argv, which must succeed with CONFIG_RUN */
static void ok(struct qdes_config *cfg, char **argv)
{
	enum config_action act;
	char err[CONFIG_ERRLEN];

	if (run(cfg, &act, err, argv))
		fail_msg("%s: unexpected error: %s", argv[1], err);
	assert_int_equal(act, CONFIG_RUN);
}

/* Parse @argv, which must fail with exactly @want */
static void fails(const char *want, char **argv)
{
	struct qdes_config cfg;
	enum config_action act;
	char err[CONFIG_ERRLEN];

	if (!run(&cfg, &act, err, argv))
		fail_msg("%s ...: no error, want \"%s\"", argv[1], want);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

static void load_fails(const char *text, const char *section, const char *want_after_path)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN + PATH_MAX], err[CONFIG_ERRLEN];
	struct qdes_config cfg;
	struct quiet q = {.fd = -1};
	int ret;

	write_ini(path, text);
	snprintf(want, sizeof(want), "%s: %s", path, want_after_path);
	config_init(&cfg);
	err[0] = '\0';
	quiet_begin(&q);
	ret = config_load_ini(&cfg, path, section, err, sizeof(err));
	quiet_end(&q);
	if (!ret)
		fail_msg("%s: no error, want \"%s\"", text, want);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

static void load_ok(struct qdes_config *cfg, const char *text, const char *section)
{
	char path[PATH_MAX], err[CONFIG_ERRLEN];

	write_ini(path, text);
	config_init(cfg);
	if (config_load_ini(cfg, path, section, err, sizeof(err)))
		fail_msg("%s: unexpected error: %s", text, err);
	assert_string_equal(cfg->config_path, path);
}

static void set_ok(struct qdes_config *cfg, const char *key, const char *value)
{
	char err[CONFIG_ERRLEN];

	if (config_set(cfg, key, value, err, sizeof(err)))
		fail_msg("%s = %s: unexpected error: %s", key, value, err);
}

static void set_fails(const char *key, const char *value, const char *want)
{
	struct qdes_config cfg, before;
	char err[CONFIG_ERRLEN];

	config_init(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	if (!config_set(&cfg, key, value, err, sizeof(err)))
		fail_msg("%s = '%s': no error, want \"%s\"", key, value, want);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
	/* a rejected value leaves the configuration as it was */
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

static const char *ip(const union qdes_sockaddr *a, char *buf)
{
	return addr_str(a, buf, ADDR_STRLEN);
}

static const char *pfx(const struct qdes_prefix *p, char *buf)
{
	return prefix_str(p, buf, ADDR_STRLEN);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[PATH_MAX];
	unsigned int i;

	(void)state;
	for (i = 0; i < n_files; i++) {
		snprintf(path, sizeof(path), "%s/%u.ini", tmpdir, i);
		unlink(path);
	}
	return rmdir(tmpdir);
}

/* ---- defaults and the canonical command line ---- */

static void test_defaults(void **state)
{
	static const uint8_t zero[ETH_ALEN_];
	struct qdes_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	config_init(&cfg);
	assert_string_equal(cfg.ifname, "qdes0");
	assert_string_equal(cfg.config_path, "");
	assert_false(cfg.group_set);
	assert_false(cfg.network_id_set);
	assert_int_equal(cfg.n_addrs, 0);
	assert_false(cfg.mac_set);
	assert_memory_equal(cfg.mac, zero, ETH_ALEN_);
	assert_int_equal(cfg.mtu, 0);
	assert_false(cfg.local_set);
	assert_string_equal(cfg.dev, "");
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.ttl, 0);
	assert_int_equal(cfg.ageing, 300);
	assert_int_equal(cfg.max_entries, 65536);
	assert_string_equal(cfg.netns, "");
	assert_string_equal(cfg.bridge, "");
	assert_int_equal(cfg.log_level, LOG_LVL_NOTICE);
	assert_false(cfg.use_syslog);
	assert_string_equal(cfg.user, "");
}

static void test_canonical(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	ok(&cfg, ARGV("-i", "qdes0", "-g", "239.1.1.1:5000", "-n", "42"));
	assert_string_equal(cfg.ifname, "qdes0");
	assert_true(cfg.group_set);
	assert_int_equal(cfg.group.sa.sa_family, AF_INET);
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.1:5000");
	assert_true(cfg.network_id_set);
	assert_int_equal(cfg.network_id, 42);
	/* everything else as config_init() left it */
	assert_int_equal(cfg.n_addrs, 0);
	assert_false(cfg.mac_set);
	assert_false(cfg.local_set);
	assert_int_equal(cfg.mtu, 0);
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.ttl, 0);
	assert_int_equal(cfg.ageing, 300);
	assert_int_equal(cfg.max_entries, 65536);
	assert_int_equal(cfg.log_level, LOG_LVL_NOTICE);
	assert_false(cfg.use_syslog);
	assert_string_equal(cfg.config_path, "");
}

static void test_ipv6_group(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	ok(&cfg, ARGV("-g", "[ff05::42]:5000", "-n", "7"));
	assert_int_equal(cfg.group.sa.sa_family, AF_INET6);
	assert_string_equal(ip(&cfg.group, buf), "[ff05::42]:5000");
	assert_int_equal(addr_port(&cfg.group), 5000);

	ok(&cfg, ARGV("-g", "[ff05::42]:5000", "-n", "7", "-l", "fd77::1"));
	assert_true(cfg.local_set);
	assert_int_equal(cfg.local.sa.sa_family, AF_INET6);

	fails("local address 10.77.0.1 and group [ff05::42]:5000 are of different address "
	      "families",
	      ARGV("-g", "[ff05::42]:5000", "-n", "7", "-l", "10.77.0.1"));
	fails("local address fd77::1 and group 239.1.1.1:5000 are of different address families",
	      ARGV("-g", "239.1.1.1:5000", "-n", "7", "-l", "fd77::1"));
}

static void test_peers(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	/* peers without a group: a fixed port is required */
	ok(&cfg,
	   ARGV("--peer", "10.77.0.2:5001", "--peer", "10.77.0.3:5001", "-n", "7", "-p", "5001"));
	assert_false(cfg.group_set);
	assert_int_equal(cfg.n_peers, 2);
	assert_string_equal(ip(&cfg.peers[0], buf), "10.77.0.2:5001");
	assert_string_equal(ip(&cfg.peers[1], buf), "10.77.0.3:5001");
	assert_int_equal(config_family(&cfg), AF_INET);
	fails("missing --port (or port= in the ini file): without a group, peers reach this "
	      "member at a fixed port",
	      ARGV("--peer", "10.77.0.2:5001", "-n", "7"));
	/* and with a group, in addition to it */
	ok(&cfg, ARGV("-g", "[ff05::42]:5000", "--peer", "[fd77::2]:6000", "-n", "7"));
	assert_int_equal(cfg.n_peers, 1);
	assert_int_equal(config_family(&cfg), AF_INET6);
	fails("peer 10.77.0.2:5001 and group [ff05::42]:5000 are of different address families",
	      ARGV("-g", "[ff05::42]:5000", "--peer", "10.77.0.2:5001", "-n", "7"));
	fails("peer [fd77::2]:5001 and peer 10.77.0.2:5001 are of different address families",
	      ARGV("--peer", "10.77.0.2:5001", "--peer", "[fd77::2]:5001", "-n", "7", "-p", "9"));
	fails("--peer: invalid value '239.1.1.1:5000' (expected a unicast address)",
	      ARGV("--peer", "239.1.1.1:5000", "-n", "7", "-p", "9"));
	fails("--peer: invalid value '10.77.0.2' (expected ADDR:PORT or [ADDR6]:PORT)",
	      ARGV("--peer", "10.77.0.2", "-n", "7", "-p", "9"));
	fails("--peer: invalid value '10.77.0.2:0' (expected a port from 1 to 65535)",
	      ARGV("--peer", "10.77.0.2:0", "-n", "7", "-p", "9"));
	fails("--peer: invalid value '10.77.0.2:9' (peer given twice)",
	      ARGV("--peer", "10.77.0.2:9", "--peer", "10.77.0.2:9", "-n", "7", "-p", "9"));
	/* the ini form: a list, spaces or commas */
	config_init(&cfg);
	set_ok(&cfg, "peer", "10.77.0.2:5001, 10.77.0.3:5001 10.77.0.4:5001");
	assert_int_equal(cfg.n_peers, 3);
	assert_string_equal(ip(&cfg.peers[2], buf), "10.77.0.4:5001");
	set_ok(&cfg, "peer", "");
	assert_int_equal(cfg.n_peers, 0);
	set_fails("peer", "10.77.0.2:5001 nope",
		  "peer: invalid value 'nope' (expected ADDR:PORT or [ADDR6]:PORT)");
}

/* ---- every option ---- */

static void test_long_options(void **state)
{
	static const uint8_t mac[ETH_ALEN_] = {0x02, 0, 0, 0, 0, 0xab};
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	ok(&cfg, ARGV("--interface", "qdes7", "--group", "239.1.1.2:4789", "--network-id", "0",
		      "--address", "10.42.0.1/24", "--mac", "02:00:00:00:00:AB", "--mtu", "1450",
		      "--local", "10.77.0.1", "--dev", "ul0", "--port", "4790", "--ttl", "5",
		      "--ageing", "60", "--max-entries", "100", "--netns", "qt-x-h1", "--bridge",
		      "br0", "--log-level", "debug", "--syslog"));
	assert_string_equal(cfg.ifname, "qdes7");
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.2:4789");
	assert_true(cfg.network_id_set);
	assert_int_equal(cfg.network_id, 0);
	assert_int_equal(cfg.n_addrs, 1);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "10.42.0.1/24");
	assert_true(cfg.mac_set);
	assert_memory_equal(cfg.mac, mac, ETH_ALEN_);
	assert_int_equal(cfg.mtu, 1450);
	assert_true(cfg.local_set);
	assert_string_equal(addr_host_str(&cfg.local, buf, sizeof(buf)), "10.77.0.1");
	assert_string_equal(cfg.dev, "ul0");
	assert_int_equal(cfg.port, 4790);
	assert_int_equal(cfg.ttl, 5);
	assert_int_equal(cfg.ageing, 60);
	assert_int_equal(cfg.max_entries, 100);
	assert_string_equal(cfg.netns, "qt-x-h1");
	assert_string_equal(cfg.bridge, "br0");
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_true(cfg.use_syslog);
}

/* mac = persistent (the default), random, or an address; the last one given counts */
static void test_mac_policy(void **state)
{
	static const uint8_t mac[ETH_ALEN_] = {0x02, 0, 0, 0, 0, 0x0a};
	struct qdes_config cfg;

	(void)state;
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42"));
	assert_false(cfg.mac_set);
	assert_false(cfg.mac_random);
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--mac", "random"));
	assert_false(cfg.mac_set);
	assert_true(cfg.mac_random);
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--mac", "random", "--mac",
		      "02:00:00:00:00:0a"));
	assert_true(cfg.mac_set);
	assert_false(cfg.mac_random);
	assert_memory_equal(cfg.mac, mac, ETH_ALEN_);
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--mac", "02:00:00:00:00:0a", "--mac",
		      "persistent"));
	assert_false(cfg.mac_set);
	assert_false(cfg.mac_random);
	fails("--mac: invalid value 'Random' (expected xx:xx:xx:xx:xx:xx, persistent or random)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "42", "--mac", "Random"));
	fails("--mac (or mac= in the ini file): needs an interface, not with --interface none",
	      ARGV("-g", "239.1.1.1:5000", "-n", "42", "-i", "none", "--qemu-socket",
		   "/tmp/qt-x.sock", "--mac", "random"));
}

static void test_short_options(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	ok(&cfg, ARGV("-i", "tap1", "-g", "239.1.1.3:5001", "-n", "65535", "-a", "fd42::1/64", "-m",
		      "02:11:22:33:44:55", "-l", "10.77.0.2", "-d", "ul1", "-p", "0"));
	assert_string_equal(cfg.ifname, "tap1");
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.3:5001");
	assert_int_equal(cfg.network_id, 65535);
	assert_int_equal(cfg.n_addrs, 1);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "fd42::1/64");
	assert_true(cfg.mac_set);
	assert_string_equal(addr_host_str(&cfg.local, buf, sizeof(buf)), "10.77.0.2");
	assert_string_equal(cfg.dev, "ul1");
	assert_int_equal(cfg.port, 0);

	/* attached arguments and --opt=value */
	ok(&cfg, ARGV("-n42", "--group=239.1.1.1:5000", "--ttl=9", "-itap2"));
	assert_int_equal(cfg.network_id, 42);
	assert_int_equal(cfg.ttl, 9);
	assert_string_equal(cfg.ifname, "tap2");
	/* an unambiguous abbreviation, as getopt_long allows */
	ok(&cfg, ARGV("--network=42", "--gr", "239.1.1.1:5000", "--max-e", "5"));
	assert_int_equal(cfg.max_entries, 5);
}

static void test_repeated_address(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "-a", "10.42.0.1/24", "-a", "fd42::1/64",
		      "--address", "10.42.1.1"));
	assert_int_equal(cfg.n_addrs, 3);
	assert_int_equal(cfg.addrs[0].family, AF_INET);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "10.42.0.1/24");
	assert_int_equal(cfg.addrs[1].family, AF_INET6);
	assert_string_equal(pfx(&cfg.addrs[1], buf), "fd42::1/64");
	/* a bare address is a host prefix */
	assert_string_equal(pfx(&cfg.addrs[2], buf), "10.42.1.1/32");
}

static void test_too_many_addresses(void **state)
{
	char *argv[4 + 2 * (CONFIG_MAX_ADDRS + 1) + 2];
	char addr[CONFIG_MAX_ADDRS + 1][32];
	struct qdes_config cfg;
	int i, n = 0;

	(void)state;
	argv[n++] = "qdes-tap";
	argv[n++] = "-g";
	argv[n++] = "239.1.1.1:5000";
	argv[n++] = "-n";
	argv[n++] = "1";
	for (i = 0; i < CONFIG_MAX_ADDRS; i++) {
		snprintf(addr[i], sizeof(addr[i]), "10.0.0.%d/24", i + 1);
		argv[n++] = "-a";
		argv[n++] = addr[i];
	}
	argv[n] = NULL;
	ok(&cfg, argv);
	assert_int_equal(cfg.n_addrs, CONFIG_MAX_ADDRS);

	snprintf(addr[i], sizeof(addr[i]), "10.0.0.%d/24", i + 1);
	argv[n++] = "-a";
	argv[n++] = addr[i];
	argv[n] = NULL;
	fails("--address: invalid value '10.0.0.17/24' (more than 16 addresses)", argv);
}

static void test_verbose_quiet(void **state)
{
	struct qdes_config cfg;

	(void)state;
#define LEVEL(want, ...)                                                                           \
	do {                                                                                       \
		ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "1", __VA_ARGS__));                    \
		assert_int_equal(cfg.log_level, want);                                             \
	} while (0)
	LEVEL(LOG_LVL_INFO, "-v");
	LEVEL(LOG_LVL_DEBUG, "-vv");
	LEVEL(LOG_LVL_DEBUG, "-v", "--verbose", "-vvvv");
	LEVEL(LOG_LVL_ERR, "-q");
	LEVEL(LOG_LVL_ERR, "--quiet");
	LEVEL(LOG_LVL_WARN, "-q", "-v");
	/* in order: the last word wins */
	LEVEL(LOG_LVL_ERR, "-v", "--log-level", "error");
	LEVEL(LOG_LVL_NOTICE, "--log-level", "warning", "-v");
	LEVEL(LOG_LVL_WARN, "--log-level", "WARNING");
#undef LEVEL
}

static void test_help_version(void **state)
{
	struct qdes_config cfg;
	enum config_action act;
	char err[CONFIG_ERRLEN];

	(void)state;
	/* no group, no network id: nothing is checked or loaded */
	assert_int_equal(run(&cfg, &act, err, ARGV("--help")), 0);
	assert_int_equal(act, CONFIG_HELP);
	assert_int_equal(run(&cfg, &act, err, ARGV("-h")), 0);
	assert_int_equal(act, CONFIG_HELP);
	assert_int_equal(
		run(&cfg, &act, err, ARGV("-c", "/nonexistent/x.ini", "-n", "99999", "-h")), 0);
	assert_int_equal(act, CONFIG_HELP);
	assert_int_equal(run(&cfg, &act, err, ARGV("--version")), 0);
	assert_int_equal(act, CONFIG_VERSION);
	assert_int_equal(run(&cfg, &act, err, ARGV("-V")), 0);
	assert_int_equal(act, CONFIG_VERSION);
	/* options are read in order: an error before --help is still an error */
	fails("unknown option '--frobnicate' (try --help)", ARGV("--frobnicate", "--help"));
	assert_int_equal(run(&cfg, &act, err, ARGV("--help", "--frobnicate")), 0);
	assert_int_equal(act, CONFIG_HELP);
}

static void test_usage(void **state)
{
	/* the spec's long options, written out here so the test does not trust the table */
	static const char *const longs[] = {
		"--config FILE",
		"--interface IFNAME",
		"--group ADDR:PORT",
		"--network-id",
		"--address",
		"--mac",
		"--mtu",
		"--local",
		"--dev",
		"--port",
		"--ttl",
		"--ageing",
		"--max-entries",
		"--netns",
		"--bridge",
		"--log-level",
		"--verbose",
		"--quiet",
		"--syslog",
		"--user USER",
		"--help",
		"--version",
	};
	char *text = NULL, *line, *save;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_usage(f, "qdes-tap");
	fclose(f);
	for (i = 0; i < sizeof(longs) / sizeof(longs[0]); i++)
		if (!strstr(text, longs[i]))
			fail_msg("--help does not show %s", longs[i]);
	assert_non_null(strstr(text, "Usage: qdes-tap [OPTIONS]\n"));
	assert_non_null(strstr(
		text, "\n  -g, --group ADDR:PORT     multicast group and UDP port ([ADDR6]:PORT"));
	assert_non_null(strstr(text, "\n  -n, --network-id ID       "));
	assert_non_null(strstr(text, "\n      --mtu N               "));
	assert_non_null(strstr(text, "\n  -v, --verbose             "));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strlen(line) > 100)
			fail_msg("--help line longer than 100 columns: %s", line);
	free(text);
}

/* ---- config_set(): every key, good values at their bounds ---- */

static void test_set_keys(void **state)
{
	static const uint8_t mac[ETH_ALEN_] = {0x02, 0xab, 0xcd, 0xef, 0x01, 0x23};
	struct qdes_config cfg;
	char buf[ADDR_STRLEN];

	(void)state;
	config_init(&cfg);
	set_ok(&cfg, "group", "239.255.255.255:65535");
	assert_string_equal(ip(&cfg.group, buf), "239.255.255.255:65535");
	set_ok(&cfg, "GROUP", "[ff02::1%lo]:1");
	assert_int_equal(cfg.group.sa.sa_family, AF_INET6);
	assert_int_not_equal(cfg.group.in6.sin6_scope_id, 0);
	set_ok(&cfg, "group", "224.0.0.1:5000");
	assert_true(cfg.group_set);

	set_ok(&cfg, "network_id", "0");
	assert_int_equal(cfg.network_id, 0);
	assert_true(cfg.network_id_set);
	set_ok(&cfg, "network_id", "65535");
	assert_int_equal(cfg.network_id, 65535);
	set_ok(&cfg, "Network_ID", "042");
	assert_int_equal(cfg.network_id, 42);

	set_ok(&cfg, "address", "10.42.0.1/24, fd42::1/64\t10.42.0.2/32,,fe80::42/10 ");
	assert_int_equal(cfg.n_addrs, 4);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "10.42.0.1/24");
	assert_string_equal(pfx(&cfg.addrs[1], buf), "fd42::1/64");
	assert_string_equal(pfx(&cfg.addrs[2], buf), "10.42.0.2/32");
	assert_string_equal(pfx(&cfg.addrs[3], buf), "fe80::42/10");
	/* a list replaces the one before; an empty one leaves none (so a section drops [global]'s)
	 */
	set_ok(&cfg, "address", "fd42::2/64");
	assert_int_equal(cfg.n_addrs, 1);
	set_ok(&cfg, "address", "");
	assert_int_equal(cfg.n_addrs, 0);

	set_ok(&cfg, "mac", "02:AB:cd:EF:01:23");
	assert_true(cfg.mac_set);
	assert_memory_equal(cfg.mac, mac, ETH_ALEN_);

	set_ok(&cfg, "mtu", "68");
	assert_int_equal(cfg.mtu, 68);
	set_ok(&cfg, "mtu", "65000");
	assert_int_equal(cfg.mtu, 65000);

	set_ok(&cfg, "local", "0.0.0.0");
	assert_true(cfg.local_set);
	set_ok(&cfg, "local", "fe80::1%lo");
	assert_int_equal(cfg.local.sa.sa_family, AF_INET6);

	set_ok(&cfg, "dev", "0123456789abcde");
	assert_string_equal(cfg.dev, "0123456789abcde");

	set_ok(&cfg, "port", "0");
	assert_int_equal(cfg.port, 0);
	set_ok(&cfg, "port", "65535");
	assert_int_equal(cfg.port, 65535);

	set_ok(&cfg, "ttl", "1");
	assert_int_equal(cfg.ttl, 1);
	set_ok(&cfg, "ttl", "255");
	assert_int_equal(cfg.ttl, 255);

	set_ok(&cfg, "ageing", "1");
	assert_int_equal(cfg.ageing, 1);
	set_ok(&cfg, "ageing", "1000000");
	assert_int_equal(cfg.ageing, 1000000);

	set_ok(&cfg, "max_entries", "1");
	assert_int_equal(cfg.max_entries, 1);
	set_ok(&cfg, "max_entries", "16777216");
	assert_int_equal(cfg.max_entries, 16777216);

	set_ok(&cfg, "netns", "qt-a-h1");
	assert_string_equal(cfg.netns, "qt-a-h1");
	set_ok(&cfg, "netns", "/proc/1/ns/net");
	assert_string_equal(cfg.netns, "/proc/1/ns/net");
	set_ok(&cfg, "netns", "1234");
	assert_string_equal(cfg.netns, "1234");
	set_ok(&cfg, "netns", "ns with spaces");

	set_ok(&cfg, "bridge", "br-lan");
	assert_string_equal(cfg.bridge, "br-lan");

	set_ok(&cfg, "log_level", "error");
	assert_int_equal(cfg.log_level, LOG_LVL_ERR);
	set_ok(&cfg, "log_level", "warning");
	assert_int_equal(cfg.log_level, LOG_LVL_WARN);
	set_ok(&cfg, "log_level", "notice");
	assert_int_equal(cfg.log_level, LOG_LVL_NOTICE);
	set_ok(&cfg, "log_level", "Info");
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	set_ok(&cfg, "log_level", "debug");
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);

	{
		static const char *const yes[] = {"yes", "true", "1", "on", "YES", "On"};
		static const char *const no[] = {"no", "false", "0", "off", "No", "FALSE"};
		size_t i;

		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			cfg.use_syslog = false;
			set_ok(&cfg, "syslog", yes[i]);
			assert_true(cfg.use_syslog);
			set_ok(&cfg, "syslog", no[i]);
			assert_false(cfg.use_syslog);
		}
	}
}

/* ---- bad values, as ini key, as option and through config_set() ---- */

/**
 * struct bad - a bad value and what is said about it
 * @opt:	long option, NULL: not on the command line (syslog is a flag there)
 * @key:	ini key
 * @value:	the value
 * @why:	the message after "KEY: " or "--OPTION: "
 * @not_ini:	iniparser would change the value (surrounding spaces)
 */
struct bad {
	const char *opt, *key, *value, *why;
	bool not_ini;
};

#define EXP(range) "(expected " range ")"
#define NETID_EXP  "(expected 0 to 65535, or up to 16777215 with encap vxlan)"

static const struct bad bad_values[] = {
	{"group", "group", "", "invalid value '' (expected ADDR:PORT)"},
	{"group", "group", "239.1.1.1:", "invalid value '239.1.1.1:' (expected ADDR:PORT)"},
	{"group", "group", "239.1.1.1:70000",
	 "invalid value '239.1.1.1:70000' (expected ADDR:PORT)"},
	{"group", "group", "239.1.1.1:50x", "invalid value '239.1.1.1:50x' (expected ADDR:PORT)"},
	{"group", "group", "239.1.1.256:5000",
	 "invalid value '239.1.1.256:5000' (expected ADDR:PORT)"},
	{"group", "group", "ff05::42:5000", "invalid value 'ff05::42:5000' (expected ADDR:PORT)"},
	{"group", "group", "10.0.0.1:5000",
	 "invalid value '10.0.0.1:5000' (expected a multicast address)"},
	{"group", "group", "[2001:db8::1]:5000",
	 "invalid value '[2001:db8::1]:5000' (expected a multicast address)"},
	{"group", "group", "239.1.1.1:0",
	 "invalid value '239.1.1.1:0' (expected a port from 1 to 65535)"},
	{"network-id", "network_id", "-1", "invalid value '-1' " NETID_EXP},
	{"network-id", "network_id", "+1", "invalid value '+1' " NETID_EXP},
	{"network-id", "network_id", "42x", "invalid value '42x' " NETID_EXP},
	{"network-id", "network_id", "0x10", "invalid value '0x10' " NETID_EXP},
	{"network-id", "network_id", "", "invalid value '' " NETID_EXP},
	{"network-id", "network_id", "4294967338", "invalid value '4294967338' " NETID_EXP},
	{"network-id", "network_id", "99999999999999999999999",
	 "invalid value '99999999999999999999999' " NETID_EXP},
	{"network-id", "network_id", " 42", "invalid value ' 42' " NETID_EXP, true},
	{"network-id", "network_id", "4 2", "invalid value '4 2' " NETID_EXP},
	{"address", "address", "10.42.0.300/24",
	 "invalid value '10.42.0.300/24' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"address", "address", "10.42.0.1/33",
	 "invalid value '10.42.0.1/33' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"address", "address", "fd42::1/129",
	 "invalid value 'fd42::1/129' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"address", "address", "10.42.0.1/",
	 "invalid value '10.42.0.1/' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"address", "address", "10.42.0.1/-1",
	 "invalid value '10.42.0.1/-1' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"address", "address", "host.example",
	 "invalid value 'host.example' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)"},
	{"mac", "mac", "01:00:5e:00:00:01",
	 "invalid value '01:00:5e:00:00:01' (expected a unicast MAC address)"},
	{"mac", "mac", "ff:ff:ff:ff:ff:ff",
	 "invalid value 'ff:ff:ff:ff:ff:ff' (expected a unicast MAC address)"},
	{"mac", "mac", "00:00:00:00:00:00",
	 "invalid value '00:00:00:00:00:00' (expected a non-zero MAC address)"},
	{"mac", "mac", "02:00:00:00:00",
	 "invalid value '02:00:00:00:00' (expected xx:xx:xx:xx:xx:xx, persistent or random)"},
	{"mac", "mac", "02:00:00:00:00:01:02",
	 "invalid value '02:00:00:00:00:01:02' (expected xx:xx:xx:xx:xx:xx, persistent or random)"},
	{"mac", "mac", "0200.0000.0001",
	 "invalid value '0200.0000.0001' (expected xx:xx:xx:xx:xx:xx, persistent or random)"},
	{"mac", "mac", "02:00:00:00:00:0g",
	 "invalid value '02:00:00:00:00:0g' (expected xx:xx:xx:xx:xx:xx, persistent or random)"},
	{"mac", "mac", "", "invalid value '' (expected xx:xx:xx:xx:xx:xx, persistent or random)"},
	{"mtu", "mtu", "67", "invalid value '67' " EXP("68 to 65000")},
	{"mtu", "mtu", "65001", "invalid value '65001' " EXP("68 to 65000")},
	{"mtu", "mtu", "0", "invalid value '0' " EXP("68 to 65000")},
	{"mtu", "mtu", "1500b", "invalid value '1500b' " EXP("68 to 65000")},
	{"local", "local", "239.1.1.1", "invalid value '239.1.1.1' (expected a unicast address)"},
	{"local", "local", "ff05::1", "invalid value 'ff05::1' (expected a unicast address)"},
	{"local", "local", "10.0.0.1:5000",
	 "invalid value '10.0.0.1:5000' (expected an IPv4 or IPv6 address)"},
	{"local", "local", "fe80::1%no-such-if0",
	 "invalid value 'fe80::1%no-such-if0' (expected an IPv4 or IPv6 address)"},
	{"local", "local", "localhost",
	 "invalid value 'localhost' (expected an IPv4 or IPv6 address)"},
	{"local", "local", "", "invalid value '' (expected an IPv4 or IPv6 address)"},
	{"dev", "dev", "", "invalid value '' (" WANT_IFNAME ")"},
	{"dev", "dev", "0123456789abcdef", "invalid value '0123456789abcdef' (" WANT_IFNAME ")"},
	{"dev", "dev", "a/b", "invalid value 'a/b' (" WANT_IFNAME ")"},
	{"dev", "dev", "a b", "invalid value 'a b' (" WANT_IFNAME ")"},
	{"dev", "dev", "eth0:1", "invalid value 'eth0:1' (" WANT_IFNAME ")"},
	{"dev", "dev", ".", "invalid value '.' (" WANT_IFNAME ")"},
	{"dev", "dev", "..", "invalid value '..' (" WANT_IFNAME ")"},
	{"port", "port", "65536", "invalid value '65536' " EXP("0 to 65535")},
	{"port", "port", "-1", "invalid value '-1' " EXP("0 to 65535")},
	{"port", "port", "http", "invalid value 'http' " EXP("0 to 65535")},
	{"ttl", "ttl", "0", "invalid value '0' " EXP("1 to 255")},
	{"ttl", "ttl", "256", "invalid value '256' " EXP("1 to 255")},
	{"ttl", "ttl", "1.5", "invalid value '1.5' " EXP("1 to 255")},
	{"ageing", "ageing", "0", "invalid value '0' " EXP("1 to 1000000")},
	{"ageing", "ageing", "1000001", "invalid value '1000001' " EXP("1 to 1000000")},
	{"ageing", "ageing", "5m", "invalid value '5m' " EXP("1 to 1000000")},
	{"max-entries", "max_entries", "0", "invalid value '0' " EXP("1 to 16777216")},
	{"max-entries", "max_entries", "16777217",
	 "invalid value '16777217' " EXP("1 to 16777216")},
	{"max-entries", "max_entries", "1e6", "invalid value '1e6' " EXP("1 to 16777216")},
	{"netns", "netns", "", "invalid value '' (expected a namespace NAME, PATH or PID)"},
	{"netns", "netns", ".", "invalid value '.' (expected a namespace NAME, PATH or PID)"},
	{"netns", "netns", "..", "invalid value '..' (expected a namespace NAME, PATH or PID)"},
	{"netns", "netns", "0", "invalid value '0' (expected a PID from 1 up)"},
	{"netns", "netns", "99999999999", "invalid value '99999999999' (expected a PID from 1 up)"},
	{"bridge", "bridge", "", "invalid value '' (" WANT_IFNAME ")"},
	{"bridge", "bridge", "br/0", "invalid value 'br/0' (" WANT_IFNAME ")"},
	{"bridge", "bridge", "averyveryverylongbridge",
	 "invalid value 'averyveryverylongbridge' (" WANT_IFNAME ")"},
	{"log-level", "log_level", "loud",
	 "invalid value 'loud' (expected error, warning, notice, info or debug)"},
	{"log-level", "log_level", "3",
	 "invalid value '3' (expected error, warning, notice, info or debug)"},
	{"log-level", "log_level", "",
	 "invalid value '' (expected error, warning, notice, info or debug)"},
	{"user", "user", "", "invalid value '' (expected a user name or UID)"},
	{"user", "user", "-root", "invalid value '-root' (expected a user name or UID)"},
	{"user", "user", "qdes:tap", "invalid value 'qdes:tap' (expected a user name or UID)"},
	{"user", "user", "../root", "invalid value '../root' (expected a user name or UID)"},
	{"user", "user", "qdes tap", "invalid value 'qdes tap' (expected a user name or UID)"},
	{"user", "user", "qdes\ttap", "invalid value 'qdes?tap' (expected a user name or UID)",
	 true},
	{"user", "user", "4294967295",
	 "invalid value '4294967295' (expected a UID from 0 to 4294967294)"},
	{"user", "user", "99999999999999999999",
	 "invalid value '99999999999999999999' (expected a UID from 0 to 4294967294)"},
	{NULL, "syslog", "maybe", "invalid value 'maybe' (expected yes or no)"},
	{NULL, "syslog", "", "invalid value '' (expected yes or no)"},
};

static bool global_only(const char *key)
{
	return !strcmp(key, "log_level") || !strcmp(key, "syslog");
}

static void test_bad_values(void **state)
{
	char want[CONFIG_ERRLEN + PATH_MAX], text[256], opt[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		const struct bad *b = &bad_values[i];

		snprintf(want, sizeof(want), "%s: %s", b->key, b->why);
		set_fails(b->key, b->value, want);

		if (b->opt) {
			snprintf(opt, sizeof(opt), "--%s", b->opt);
			snprintf(want, sizeof(want), "--%s: %s", b->opt, b->why);
			fails(want, ARGV("-g", "239.1.1.1:5000", "-n", "1", opt, (char *)b->value));
		}

		if (b->not_ini)
			continue;
		if (global_only(b->key)) {
			snprintf(text, sizeof(text), "[global]\n%s = %s\n[qdes0]\n", b->key,
				 b->value);
			snprintf(want, sizeof(want), "[global] %s: %s", b->key, b->why);
		} else {
			snprintf(text, sizeof(text), "[qdes0]\n%s = %s\n", b->key, b->value);
			snprintf(want, sizeof(want), "[qdes0] %s: %s", b->key, b->why);
		}
		load_fails(text, NULL, want);
	}
}

/* encap = qdes|vxlan, and the checks that depend on it, whatever order the keys came in */
static void test_encap(void **state)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN + PATH_MAX], err[CONFIG_ERRLEN], buf[64];
	struct qdes_config cfg;
	enum config_action act;

	(void)state;
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42"));
	assert_int_equal(cfg.encap, ENCAP_QDES);
	assert_int_equal(cfg.port, 0);

	/* vxlan: 24-bit VNI, port 4789 when the group has none, unicast on the group's port */
	ok(&cfg, ARGV("-n", "16777215", "-g", "239.1.1.1", "--encap", "vxlan"));
	assert_int_equal(cfg.encap, ENCAP_VXLAN);
	assert_int_equal(cfg.network_id, 16777215);
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.1:4789");
	assert_int_equal(cfg.port, 4789);
	ok(&cfg, ARGV("--encap", "VXLAN", "-g", "[ff05::42]", "-n", "70000"));
	assert_string_equal(ip(&cfg.group, buf), "[ff05::42]:4789");
	ok(&cfg, ARGV("--encap", "vxlan", "-g", "239.1.1.1:8472", "-n", "1", "-p", "8472"));
	assert_int_equal(cfg.port, 8472);
	ok(&cfg, ARGV("--encap", "vxlan", "--encap", "qdes", "-g", "239.1.1.1:5000", "-n", "1"));
	assert_int_equal(cfg.encap, ENCAP_QDES);

	fails("--encap: invalid value 'gre' (expected qdes, vxlan or raw)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "--encap", "gre"));
	fails("--network-id: invalid value '70000' " NETID_EXP,
	      ARGV("-g", "239.1.1.1:5000", "-n", "70000"));
	fails("--network-id: invalid value '65536' " NETID_EXP,
	      ARGV("-g", "239.1.1.1:5000", "-n", "65536", "--encap", "qdes"));
	fails("--network-id: invalid value '16777216' " NETID_EXP,
	      ARGV("-g", "239.1.1.1:5000", "-n", "16777216", "--encap", "vxlan"));
	fails("--group: invalid value '239.1.1.1' (expected ADDR:PORT)",
	      ARGV("-g", "239.1.1.1", "-n", "1"));
	fails("--group: invalid value 'ff05::42' (expected ADDR:PORT)",
	      ARGV("-g", "[ff05::42]", "-n", "1"));
	fails("--port: invalid value '5000' (with encap vxlan, unicast uses the group's port 4789)",
	      ARGV("--encap", "vxlan", "-g", "239.1.1.1", "-n", "1", "-p", "5000"));

	/* from the file: the message names the file and section of the value */
	write_ini(path, "[qdes0]\ngroup = 239.1.1.1\nnetwork_id = 70000\n");
	snprintf(want, sizeof(want), "%s: [qdes0] network_id: invalid value '70000' " NETID_EXP,
		 path);
	if (!run(&cfg, &act, err, ARGV("-c", path)) || strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
	snprintf(want, sizeof(want),
		 "%s: [qdes0] group: invalid value '239.1.1.1' (expected ADDR:PORT)", path);
	if (!run(&cfg, &act, err, ARGV("-c", path, "-n", "1")) || strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
	/* the command line's encap makes the file's values right */
	ok(&cfg, ARGV("-c", path, "--encap", "vxlan"));
	assert_int_equal(cfg.network_id, 70000);
	write_ini(path, "[qdes0]\ngroup = 239.1.1.1\nnetwork_id = 70000\nencap = vxlan\n");
	ok(&cfg, ARGV("-c", path));
	assert_int_equal(cfg.encap, ENCAP_VXLAN);
	set_fails("encap", "", "encap: invalid value '' (expected qdes, vxlan or raw)");

	/* raw: no network id at all, from the command line or a file */
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "--encap", "raw"));
	assert_int_equal(cfg.encap, ENCAP_RAW);
	assert_int_equal(cfg.network_id, 0);
	fails("--network-id: not with encap raw (its datagrams carry no network id: one segment "
	      "per "
	      "group and port)",
	      ARGV("-g", "239.1.1.1:5000", "--encap", "raw", "-n", "0"));
	fails("--group: invalid value '239.1.1.1' (expected ADDR:PORT)",
	      ARGV("-g", "239.1.1.1", "--encap", "raw"));
	write_ini(path, "[qdes0]\ngroup = 239.1.1.1:5000\nnetwork_id = 7\nencap = raw\n");
	snprintf(want, sizeof(want),
		 "%s: [qdes0] network_id: not with encap raw (its datagrams carry no network id: "
		 "one segment per group and port)",
		 path);
	if (!run(&cfg, &act, err, ARGV("-c", path)) || strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

/* user = NAME|UID: only its syntax here; whether the user exists is asked at start */
static void test_user(void **state)
{
	char path[PATH_MAX], name[CONFIG_USER_LEN + 1], want[CONFIG_ERRLEN];
	struct qdes_config cfg;

	(void)state;
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user", "nobody"));
	assert_string_equal(cfg.user, "nobody");
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user=0"));
	assert_string_equal(cfg.user, "0");
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user", "4294967294"));
	assert_string_equal(cfg.user, "4294967294");
	/* the last one wins, as for every option */
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user", "a", "--user", "65534"));
	assert_string_equal(cfg.user, "65534");
	/* unknown users pass: NSS answers at start, where the error is "no such user" */
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user", "qt-no-such-user"));
	assert_string_equal(cfg.user, "qt-no-such-user");

	/* what NSS backends hand out goes through: case, dots, '@', '$' of machine accounts */
	config_init(&cfg);
	set_ok(&cfg, "user", "Jane.Doe@EXAMPLE.ORG");
	assert_string_equal(cfg.user, "Jane.Doe@EXAMPLE.ORG");
	set_ok(&cfg, "USER", "host$");
	assert_string_equal(cfg.user, "host$");
	memset(name, 'u', CONFIG_USER_LEN - 1);
	name[CONFIG_USER_LEN - 1] = '\0';
	set_ok(&cfg, "user", name);
	assert_string_equal(cfg.user, name);
	name[CONFIG_USER_LEN - 1] = 'u';
	name[CONFIG_USER_LEN] = '\0';
	snprintf(want, sizeof(want), "user: invalid value '%.96s...' (expected a user name or UID)",
		 name);
	set_fails("user", name, want);

	/* an interface key: [global] gives the default, a section its own, the command line wins */
	write_ini(path, "[global]\nuser = qdes-tap\n[qdes0]\ngroup = 239.1.1.1:5000\n"
			"network_id = 42\n[qdes1]\ngroup = 239.1.1.1:5000\nnetwork_id = 43\n"
			"user = alice\n");
	ok(&cfg, ARGV("-c", path, "-i", "qdes0"));
	assert_string_equal(cfg.user, "qdes-tap");
	ok(&cfg, ARGV("-c", path, "-i", "qdes1"));
	assert_string_equal(cfg.user, "alice");
	ok(&cfg, ARGV("-c", path, "-i", "qdes1", "--user", "1000"));
	assert_string_equal(cfg.user, "1000");
	load_fails("[qdes0]\nuser = a:b\n", NULL,
		   "[qdes0] user: invalid value 'a:b' (expected a user name or UID)");
	fails("--user: missing argument (expected USER)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "42", "--user"));
}

/* qemu_socket = PATH, and interface none: a switch for guests only, nothing of a TAP */
static void test_qemu_socket(void **state)
{
	char path[PATH_MAX], longp[200];
	struct qdes_config cfg;

	(void)state;
	ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "42", "--qemu-socket", "/run/q.sock"));
	assert_string_equal(cfg.ports[CONFIG_PORT_stream_port_kind], "/run/q.sock");
	assert_true(config_has_tap(&cfg));
	ok(&cfg, ARGV("-i", "none", "--qemu-socket", "q.sock", "-g", "239.1.1.1:5000", "-n", "42"));
	assert_false(config_has_tap(&cfg));
	assert_string_equal(cfg.ifname, "none");

	fails("--interface none: needs --qemu-socket (or qemu_socket= in the ini file): a switch "
	      "without an interface serves guests only",
	      ARGV("-i", "none", "-g", "239.1.1.1:5000", "-n", "42"));
	fails("--address (or address= in the ini file): needs an interface, not with --interface "
	      "none",
	      ARGV("-i", "none", "--qemu-socket", "q", "-g", "239.1.1.1:5000", "-n", "42", "-a",
		   "10.42.0.1/24"));
	fails("--mac (or mac= in the ini file): needs an interface, not with --interface none",
	      ARGV("-i", "none", "--qemu-socket", "q", "-g", "239.1.1.1:5000", "-n", "42", "-m",
		   "02:00:00:00:00:01"));
	fails("--netns (or netns= in the ini file): needs an interface, not with --interface none",
	      ARGV("-i", "none", "--qemu-socket", "q", "-g", "239.1.1.1:5000", "-n", "42",
		   "--netns", "web"));
	fails("--bridge (or bridge= in the ini file): needs an interface, not with --interface "
	      "none",
	      ARGV("-i", "none", "--qemu-socket", "q", "-g", "239.1.1.1:5000", "-n", "42",
		   "--bridge", "br0"));
	/* Guests are ports of the gateway: every worker reaches them */
	ok(&cfg, ARGV("--qemu-socket", "q", "-g", "239.1.1.1:5000", "-n", "42", "--workers", "2"));
	assert_int_equal(cfg.workers, 2);
	fails("--qemu-socket: invalid value '' (expected a socket path of 1 to 107 bytes)",
	      ARGV("--qemu-socket", "", "-g", "239.1.1.1:5000", "-n", "42"));
	memset(longp, 'q', 108);
	longp[108] = '\0';
	fails("--qemu-socket: invalid value "
	      "'qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	      "qq"
	      "qqqqqqqqqqq...' (expected a socket path of 1 to 107 bytes)",
	      ARGV("--qemu-socket", longp, "-g", "239.1.1.1:5000", "-n", "42"));

	/* the section of interface none is [none] */
	write_ini(path, "[none]\ngroup = 239.1.1.1:5000\nnetwork_id = 42\nqemu_socket = /q\n");
	ok(&cfg, ARGV("-c", path));
	assert_false(config_has_tap(&cfg));
	assert_string_equal(cfg.ports[CONFIG_PORT_stream_port_kind], "/q");
}

static void test_bad_interface_and_config(void **state)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN];

	(void)state;
	fails("--interface: invalid value 'a/b' (" WANT_IFNAME ")",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "-i", "a/b"));
	fails("--interface: invalid value '0123456789abcdef' (" WANT_IFNAME ")",
	      ARGV("-i", "0123456789abcdef"));
	fails("--interface: invalid value '' (" WANT_IFNAME ")", ARGV("--interface="));
	/* checked before the file is read: it names the section */
	write_ini(path, "[qdes0]\n");
	fails("--interface: invalid value 'x y' (" WANT_IFNAME ")", ARGV("-c", path, "-i", "x y"));
	fails("--config: invalid value '' (expected a file name)", ARGV("-c", ""));
	/* a control character would break the one-line rule: shown as '?' */
	fails("--network-id: invalid value '4?2' " NETID_EXP,
	      ARGV("-g", "239.1.1.1:5000", "-n", "4\n2"));
	/* as would a very long value */
	memset(path, 'x', 300);
	path[300] = '\0';
	snprintf(want, sizeof(want), "--dev: invalid value '%.96s...' (%s)", path, WANT_IFNAME);
	fails(want, ARGV("-g", "239.1.1.1:5000", "-n", "1", "-d", path));
}

static void test_address_lists(void **state)
{
	struct qdes_config cfg;
	char buf[ADDR_STRLEN], list[1024];
	size_t len = 0;
	int i;

	(void)state;
	/* one PREFIX per -a on the command line */
	fails("--address: invalid value '10.0.0.1/24,10.0.0.2/24' (expected ADDR/LEN, like "
	      "10.42.0.1/24 or fd42::1/64)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "-a", "10.0.0.1/24,10.0.0.2/24"));
	fails("--address: invalid value '' (expected ADDR/LEN, like 10.42.0.1/24 or fd42::1/64)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "-a", ""));
	fails("--address: invalid value '10.0.0.1/16' (address given twice)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "-a", "10.0.0.1/24", "-a", "10.0.0.1/16"));
	/* the list: the bad item is named; nothing is kept */
	config_init(&cfg);
	set_ok(&cfg, "address", "10.9.9.9/8");
	set_fails("address", "10.0.0.1/24, fd42::1/64, 10.0.0.300/24",
		  "address: invalid value '10.0.0.300/24' (expected ADDR/LEN, like 10.42.0.1/24 or "
		  "fd42::1/64)");
	set_fails("address", "fd42::1/64 fd42::1/128",
		  "address: invalid value 'fd42::1/128' "
		  "(address given twice)");
	for (i = 0; i < CONFIG_MAX_ADDRS + 1; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "10.0.%d.1/24 ", i);
	set_fails("address", list,
		  "address: invalid value '10.0.16.1/24' (more than 16 addresses)");
	list[strlen(list) - strlen("10.0.16.1/24 ")] = '\0';
	/* replaces what was there: 16, not 1 + 16 */
	set_ok(&cfg, "address", list);
	assert_int_equal(cfg.n_addrs, CONFIG_MAX_ADDRS);
	assert_string_equal(pfx(&cfg.addrs[15], buf), "10.0.15.1/24");
	load_fails("[qdes0]\naddress = 10.0.0.1/24, 10.0.0.1/25\n", NULL,
		   "[qdes0] address: invalid value '10.0.0.1/25' (address given twice)");
}

/* ---- command-line errors ---- */

static void test_unknown_option(void **state)
{
	(void)state;
	fails("unknown option '--frobnicate' (try --help)", ARGV("--frobnicate"));
	fails("unknown option '--frobnicate' (try --help)", ARGV("--frobnicate=yes"));
	fails("unknown option '--frobnicate' (try --help)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "--frobnicate"));
	fails("unknown option '-Z' (try --help)", ARGV("-Z"));
	fails("unknown option '-Z' (try --help)", ARGV("-vZq"));
	fails("unknown option '---' (try --help)", ARGV("---"));
	fails("ambiguous option '--net' (could be --network-id, --netns)", ARGV("--net", "1"));
	fails("ambiguous option '--m' (could be --mac, --mtu, --max-entries, --metrics)",
	      ARGV("--m=1"));
	fails("--help: takes no argument", ARGV("--help=yes"));
	fails("--syslog: takes no argument", ARGV("--syslog=yes"));
	fails("--verbose: takes no argument", ARGV("--verbose=2"));
}

static void test_missing_argument(void **state)
{
	(void)state;
	fails("--group: missing argument (expected ADDR:PORT)", ARGV("-n", "1", "-g"));
	fails("--group: missing argument (expected ADDR:PORT)", ARGV("--group"));
	fails("--network-id: missing argument (expected ID)", ARGV("-g", "239.1.1.1:5000", "-n"));
	fails("--config: missing argument (expected FILE)", ARGV("-c"));
	fails("--interface: missing argument (expected IFNAME)", ARGV("--interface"));
	fails("--mtu: missing argument (expected N)", ARGV("--mtu"));
	fails("--netns: missing argument (expected NETNS)", ARGV("--netns"));
}

static void test_unexpected_argument(void **state)
{
	(void)state;
	fails("unexpected argument 'foo'", ARGV("foo"));
	fails("unexpected argument 'foo'", ARGV("-g", "239.1.1.1:5000", "foo", "-n", "1"));
	fails("unexpected argument 'foo'", ARGV("-g", "239.1.1.1:5000", "-n", "1", "--", "foo"));
	fails("unexpected argument '-'", ARGV("-"));
	/* "--" alone ends the options, and is fine */
	{
		struct qdes_config cfg;

		ok(&cfg, ARGV("-g", "239.1.1.1:5000", "-n", "1", "--"));
	}
}

static void test_required(void **state)
{
	struct qdes_config cfg;
	char err[CONFIG_ERRLEN];

	(void)state;
	fails("missing --group or --peer (or group= / peer= in the ini file)", ARGV("-n", "42"));
	fails("missing --group or --peer (or group= / peer= in the ini file)", ARGV("-i", "qdes0"));
	fails("missing --network-id (or network_id= in the ini file)",
	      ARGV("-g", "239.1.1.1:5000"));

	config_init(&cfg);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "missing --group or --peer (or group= / peer= in the ini file)");
	set_ok(&cfg, "group", "239.1.1.1:5000");
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "missing --network-id (or network_id= in the ini file)");
	set_ok(&cfg, "network_id", "42");
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);
}

/* config_from_args() can run again after any error, however getopt was left */
static void test_repeat(void **state)
{
	struct qdes_config cfg;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		fails("unknown option '-Z' (try --help)", ARGV("-vZq", "-n", "1"));
		fails("--group: missing argument (expected ADDR:PORT)", ARGV("-g"));
		ok(&cfg, ARGV("-vq", "-g", "239.1.1.1:5000", "-n", "3"));
		assert_int_equal(cfg.network_id, 3);
		assert_int_equal(cfg.log_level, LOG_LVL_ERR);
	}
}

/* ---- ini files ---- */

static void test_ini_basic(void **state)
{
	struct qdes_config cfg;
	char path[PATH_MAX], buf[ADDR_STRLEN];

	(void)state;
	/* keys in any case, quotes, comments, continuation lines */
	load_ok(&cfg,
		"; qdes-tap\n"
		"# comment\n"
		"[qdes0]\n"
		"GROUP = \"239.1.1.1:5000\"\n"
		"Network_Id = 42 ; the segment\n"
		"address = 10.42.0.1/24, \\\n"
		"          fd42::1/64\n"
		"\n",
		NULL);
	assert_string_equal(cfg.ifname, "qdes0");
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.1:5000");
	assert_int_equal(cfg.network_id, 42);
	assert_int_equal(cfg.n_addrs, 2);

	/* through -c, with nothing else on the command line */
	write_ini(path, "[global]\nlog_level = debug\nsyslog = yes\n[tap9]\ngroup = "
			"[ff05::42]:5000\nnetwork_id = 9\n");
	ok(&cfg, ARGV("-c", path));
	assert_string_equal(cfg.ifname, "tap9");
	assert_string_equal(cfg.config_path, path);
	assert_int_equal(cfg.group.sa.sa_family, AF_INET6);
	assert_int_equal(cfg.network_id, 9);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_true(cfg.use_syslog);
	ok(&cfg, ARGV("--config", path, "--interface", "tap9"));
	assert_string_equal(cfg.ifname, "tap9");

	/* an interface name keeps its case, which iniparser would lose */
	load_ok(&cfg, "[Global]\nttl = 3\n[QdesTap0]\nttl = 4\n", NULL);
	assert_string_equal(cfg.ifname, "QdesTap0");
	assert_int_equal(cfg.ttl, 4);
	load_ok(&cfg, "[qdes0]\nttl = 2\n[ QdesTap0 ]\nttl = 4\n", "QdesTap0");
	assert_string_equal(cfg.ifname, "QdesTap0");
	assert_int_equal(cfg.ttl, 4);
	/* a section opened twice is one section */
	load_ok(&cfg, "[qdes0]\nttl = 2\n[global]\nageing = 5\n[qdes0]\nport = 7\n", NULL);
	assert_int_equal(cfg.ttl, 2);
	assert_int_equal(cfg.port, 7);
	assert_int_equal(cfg.ageing, 5);
	/* a section with no keys */
	load_ok(&cfg, "[qdes0]\n", NULL);
	assert_string_equal(cfg.ifname, "qdes0");
}

static void test_precedence(void **state)
{
	static const char text[] = "[global]\n"
				   "ageing = 100\n"
				   "ttl = 2\n"
				   "max_entries = 10\n"
				   "address = 10.0.0.1/24\n"
				   "group = 239.9.9.9:9999\n"
				   "log_level = info\n"
				   "[qdes0]\n"
				   "ageing = 200\n"
				   "ttl = 3\n"
				   "network_id = 42\n"
				   "[qdes1]\n"
				   "group = 239.1.1.1:5000\n"
				   "network_id = 43\n"
				   "address = fd00::1/64 fd00::2/64\n"
				   "[qdes2]\n"
				   "network_id = 44\n"
				   "address =\n";
	struct qdes_config cfg;
	char path[PATH_MAX], buf[ADDR_STRLEN];

	(void)state;
	write_ini(path, text);

	/* defaults < [global] < [qdes0] */
	ok(&cfg, ARGV("-c", path, "-i", "qdes0"));
	assert_string_equal(cfg.ifname, "qdes0");
	assert_int_equal(cfg.ageing, 200);
	assert_int_equal(cfg.ttl, 3);
	assert_int_equal(cfg.max_entries, 10);
	assert_int_equal(cfg.port, 0);
	assert_string_equal(ip(&cfg.group, buf), "239.9.9.9:9999");
	assert_int_equal(cfg.network_id, 42);
	assert_int_equal(cfg.n_addrs, 1);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "10.0.0.1/24");
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);

	/* < command line; command-line addresses replace the file's; -v starts from the file's */
	ok(&cfg, ARGV("-c", path, "-i", "qdes0", "--ttl", "4", "-n", "7", "-a", "10.9.9.9/24", "-a",
		      "fd09::9/64", "-v", "-g", "239.2.2.2:2000"));
	assert_int_equal(cfg.ttl, 4);
	assert_int_equal(cfg.ageing, 200);
	assert_int_equal(cfg.network_id, 7);
	assert_int_equal(cfg.n_addrs, 2);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "10.9.9.9/24");
	assert_string_equal(pfx(&cfg.addrs[1], buf), "fd09::9/64");
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_string_equal(ip(&cfg.group, buf), "239.2.2.2:2000");

	/* a section's address list replaces [global]'s, an empty one leaves none */
	ok(&cfg, ARGV("-c", path, "-i", "qdes1"));
	assert_string_equal(ip(&cfg.group, buf), "239.1.1.1:5000");
	assert_int_equal(cfg.network_id, 43);
	assert_int_equal(cfg.n_addrs, 2);
	assert_string_equal(pfx(&cfg.addrs[0], buf), "fd00::1/64");
	assert_string_equal(pfx(&cfg.addrs[1], buf), "fd00::2/64");
	assert_int_equal(cfg.ttl, 2);
	ok(&cfg, ARGV("-c", path, "-i", "qdes2"));
	assert_int_equal(cfg.n_addrs, 0);
	assert_int_equal(cfg.network_id, 44);

	/* the file's log level, then -q */
	ok(&cfg, ARGV("-c", path, "-i", "qdes0", "-q"));
	assert_int_equal(cfg.log_level, LOG_LVL_ERR);
}

static void test_ini_unknown_key(void **state)
{
	struct qdes_config cfg;
	char err[CONFIG_ERRLEN];

	(void)state;
	load_fails("[qdes0]\ngroup = 239.1.1.1:5000\nfoo = 1\n", NULL, "[qdes0] unknown key 'foo'");
	load_fails("[global]\nfoo = 1\n[qdes0]\n", NULL, "[global] unknown key 'foo'");
	/* checked in every section, used or not; named as written */
	load_fails("[qdes0]\n[Qdes1]\nGrup = 1\n", "qdes0", "[Qdes1] unknown key 'grup'");
	load_fails("[qdes0]\nnetwork-id = 1\n", NULL,
		   "[qdes0] unknown key 'network-id' (did you mean 'network_id'?)");
	/* command-line-only options are no keys */
	load_fails("[qdes0]\ninterface = qdes1\n", NULL, "[qdes0] unknown key 'interface'");
	load_fails("[global]\nconfig = x.ini\n[qdes0]\n", NULL, "[global] unknown key 'config'");
	load_fails("[global]\nverbose = 1\n[qdes0]\n", NULL, "[global] unknown key 'verbose'");

	config_init(&cfg);
	assert_int_equal(config_set(&cfg, "foo", "1", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown key 'foo'");
	assert_int_equal(config_set(&cfg, "interface", "x", err, sizeof(err)), -1);
	assert_string_equal(err, "unknown key 'interface'");
}

static void test_ini_global_only(void **state)
{
	(void)state;
	load_fails("[qdes0]\nlog_level = debug\n", NULL,
		   "[qdes0] log_level: only valid in [global]");
	load_fails("[qdes0]\nsyslog = yes\n", NULL, "[qdes0] syslog: only valid in [global]");
	load_fails("[qdes0]\n[qdes1]\nsyslog = yes\n", "qdes0",
		   "[qdes1] syslog: only valid in [global]");
}

static void test_ini_sections(void **state)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN + PATH_MAX];

	(void)state;
	load_fails(
		"[qdes0]\n[qdes1]\n", NULL,
		"more than one interface section ([qdes0], [qdes1]); choose one with --interface");
	load_fails("[global]\nttl = 1\n", NULL,
		   "no interface section (name one after the interface, like [qdes0])");
	load_fails("", NULL, "no interface section (name one after the interface, like [qdes0])");
	load_fails("[qdes0]\n", "qdes9", "no section [qdes9]");
	load_fails("[global]\n", "qdes0", "no section [qdes0]");
	load_fails("[Qdes0]\n", "qdes0",
		   "no section [qdes0] ([Qdes0] is another interface: names are case-sensitive)");
	load_fails("[qdes0]\n", "global", "[global] is not an interface section");
	load_fails("[qdes0]\n", "GLOBAL", "[GLOBAL] is not an interface section");
	load_fails("[qdes0]\nttl = 1\n[QDES0]\nttl = 2\n", NULL,
		   "line 3: section [QDES0] differs from [qdes0] on line 1 only in case (section "
		   "names are case-insensitive)");
	load_fails(
		"[a:b]\n", NULL,
		"line 1: invalid section name '[a:b]' (expected [global] or an interface name: 1 "
		"to 15 characters, no '/', ':', '%' or spaces)");
	load_fails(
		"[qdes0]\n[]\n", "qdes0",
		"line 2: invalid section name '[]' (expected [global] or an interface name: 1 to "
		"15 characters, no '/', ':', '%' or spaces)");
	load_fails("[0123456789abcdef]\n", NULL,
		   "line 1: invalid section name '[0123456789abcdef]' (expected [global] or an "
		   "interface name: 1 to 15 characters, no '/', ':', '%' or spaces)");
	load_fails("ttl = 1\n[qdes0]\n", NULL, "key 'ttl' outside any section");

	/* the same through the command line */
	write_ini(path, "[qdes0]\n[qdes1]\n");
	snprintf(want, sizeof(want),
		 "%s: more than one interface section ([qdes0], [qdes1]); choose one with "
		 "--interface",
		 path);
	fails(want, ARGV("-c", path, "-g", "239.1.1.1:5000", "-n", "1"));
	snprintf(want, sizeof(want), "%s: no section [qdes2]", path);
	fails(want, ARGV("-c", path, "-i", "qdes2", "-g", "239.1.1.1:5000", "-n", "1"));
	{
		struct qdes_config cfg;

		ok(&cfg, ARGV("-c", path, "-i", "qdes1", "-g", "239.1.1.1:5000", "-n", "1"));
		assert_string_equal(cfg.ifname, "qdes1");
	}
}

static void test_ini_syntax_error(void **state)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN + PATH_MAX], text[2048];

	(void)state;
	load_fails("[qdes0]\nthis is junk\n", NULL, "syntax error at line 2: 'this is junk'");
	load_fails("[qdes0\ngroup = 239.1.1.1:5000\n", NULL, "syntax error at line 1: '[qdes0'");
	load_fails("[qdes0]\nbad one\nbad two\nbad three\n", NULL,
		   "syntax error at line 2: 'bad one' (and 2 more)");
	load_fails("\xef\xbb\xbf[qdes0]\n", NULL,
		   "syntax error at line 1: UTF-8 byte order mark (save the file without it)");
	snprintf(text, sizeof(text), "[qdes0]\nnetns = %01500d\n", 1);
	load_fails(text, NULL, "syntax error at line 2: line too long");

	/* one line through the command line, and nothing from iniparser on stderr (run checks) */
	write_ini(path, "[qdes0]\ngroup 239.1.1.1:5000\n");
	snprintf(want, sizeof(want), "%s: syntax error at line 2: 'group 239.1.1.1:5000'", path);
	fails(want, ARGV("-c", path));
}

static void test_ini_cannot_read(void **state)
{
	char path[PATH_MAX], want[CONFIG_ERRLEN + PATH_MAX];
	struct qdes_config cfg;
	char err[CONFIG_ERRLEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such.ini", tmpdir);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
	fails(want, ARGV("-c", path, "-g", "239.1.1.1:5000", "-n", "1"));
	config_init(&cfg);
	assert_int_equal(config_load_ini(&cfg, path, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", tmpdir);
	fails(want, ARGV("-c", tmpdir));
	/* a file that never ends */
	fails("/dev/zero: cannot read: not a regular file", ARGV("-c", "/dev/zero"));
	/* a FIFO nobody writes to: refused at once, not waited on at open */
	snprintf(path, sizeof(path), "%s/fifo.ini", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(want, sizeof(want), "%s: cannot read: not a regular file", path);
	fails(want, ARGV("-c", path));
	unlink(path);
	/* a kernel name template would pick a name we do not know */
	fails("--interface: invalid value 'q%d' (expected an interface name: 1 to 15 characters, "
	      "no '/', ':', '%' or spaces)",
	      ARGV("-i", "q%d", "-g", "239.1.1.1:5000", "-n", "1"));
	/* the unicast socket on the group's port would receive every flood twice */
	fails("--port: invalid value '5000' (must differ from the group's port)",
	      ARGV("-g", "239.1.1.1:5000", "-n", "1", "-p", "5000"));

	/* root reads anything, so only an unprivileged run can see EACCES */
	if (geteuid()) {
		write_ini(path, "[qdes0]\n");
		assert_int_equal(chmod(path, 0), 0);
		snprintf(want, sizeof(want), "%s: cannot read: Permission denied", path);
		fails(want, ARGV("-c", path));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_ipv6_group),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_repeated_address),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_verbose_quiet),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_usage),

		cmocka_unit_test(test_set_keys),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_interface_and_config),
		cmocka_unit_test(test_encap),
		cmocka_unit_test(test_qemu_socket),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_address_lists),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_unexpected_argument),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_ini_basic),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_mac_policy),
		cmocka_unit_test(test_ini_unknown_key),
		cmocka_unit_test(test_ini_global_only),
		cmocka_unit_test(test_ini_sections),
		cmocka_unit_test(test_ini_syntax_error),
		cmocka_unit_test(test_ini_cannot_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

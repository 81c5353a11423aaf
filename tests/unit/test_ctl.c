// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ctl.c - Unit tests of the control protocol: the client's grammar, the JSON request, the
 * printers */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl_print.h"
#include "ctl_proto.h"

/* "qdes-tap LINE" split at spaces into @argv (32 words at most). Return: argc */
static int split(const char *line, char *argv[32])
{
	static char buf[512];
	char *tok, *save;
	int argc = 0;

	snprintf(buf, sizeof(buf), "qdes-tap %s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 31; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

/* Parse a command line given as one string of words */
static int parse(struct ctl_cli *cli, const char *line, char *err, size_t errlen)
{
	char *argv[32];
	int argc = split(line, argv);

	return ctl_parse_args(cli, argc, argv, err, errlen);
}

static bool is_client(const char *line)
{
	char *argv[32];
	int argc = split(line, argv);

	return ctl_is_client(argc, argv);
}

/* The daemon's command lines stay the daemon's; a command makes the client */
static void test_is_client(void **state)
{
	(void)state;
	assert_true(is_client("show"));
	assert_true(is_client("shwo"));
	assert_true(is_client("-j fdb show"));
	assert_true(is_client("-S /tmp/x.ctl -j -p stats"));
	assert_true(is_client("-p fdb"));
	assert_false(is_client(""));
	assert_false(is_client("-i qdes0 -g 239.1.1.1:5000 -n 42"));
	/* -p is also the daemon's --port */
	assert_false(is_client("-p 5000 -g 239.1.1.1:5000 -n 42"));
	assert_false(is_client("-S /tmp/x.ctl -i qdes0"));
	assert_false(is_client("--help"));
	/* options only the client has, and no command: the client says what is missing */
	assert_true(is_client("-j"));
	assert_true(is_client("-s --pretty"));
	assert_false(is_client("-p"));
	assert_false(is_client("-S /x"));
}

/* Every command, through its request line and back: the same request */
static void test_roundtrip(void **state)
{
	static const char *const lines[] = {
		"show",
		"show qdes1",
		"-s show",
		"fdb",
		"fdb show dev qdes0",
		"fdb show 02:00:00:00:00:01",
		"fdb add 02:00:00:00:00:01 dst 10.0.0.1:5000",
		"fdb add 02:00:00:00:00:01 dst [fd00::1]:5000 dev qdes0",
		"fdb del 02:00:00:00:00:01",
		"fdb flush",
		"fdb flush dynamic dev qdes0",
		"peer",
		"peer show",
		"peer add 10.0.0.2:5000",
		/* a link-local member keeps its scope (found by fuzz_ctl) */
		"peer add [fe80::1%1]:5000",
		"peer del 10.0.0.2:5000 dev qdes0",
		"stats",
		"stats dev qdes0",
		"reload",
		"reload qdes0",
		"fdb sh",
		"st",
		"port",
		"port show segment qdes0",
		"port add tap eth0",
		"port add tap eth0 netns web address 10.42.0.5/24 address fd42::5/64 mac "
		"02:00:00:00:00:05 mtu 1400 segment qdes0",
		"port add tap c1 netns /proc/1234/ns/net",
		"port add tap cni-0123abcd ifname eth0 netns /run/netns/x address 10.42.0.9/24",
		"port del eth0",
		"port del eth0 segment qdes0",
	};
	char err[CTL_ERRLEN], line[CTL_REQ_MAX], err2[CTL_ERRLEN];
	struct ctl_cli cli;
	struct ctl_req back;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (parse(&cli, lines[i], err, sizeof(err)))
			fail_msg("%s: %s", lines[i], err);
		n = ctl_request_line(&cli.req, line, sizeof(line));
		assert_true(n > 0);
		assert_int_equal(line[n - 1], '\n');
		if (ctl_parse_request(&back, line, (size_t)n - 1, err2, sizeof(err2)))
			fail_msg("%s: %s: %s", lines[i], line, err2);
		assert_memory_equal(&back, &cli.req, sizeof(back));
	}
	/* abbreviations, as iproute2's */
	assert_int_equal(parse(&cli, "fdb sh", err, sizeof(err)), 0);
	assert_int_equal(cli.req.cmd, CTL_FDB_SHOW);
	assert_int_equal(parse(&cli, "st", err, sizeof(err)), 0);
	assert_int_equal(cli.req.cmd, CTL_STATS);
	assert_int_equal(parse(&cli, "s", err, sizeof(err)), 0);
	assert_int_equal(cli.req.cmd, CTL_SHOW);
	/* "p" is still peer; "po" is port */
	assert_int_equal(parse(&cli, "p", err, sizeof(err)), 0);
	assert_int_equal(cli.req.cmd, CTL_PEER_SHOW);
	assert_int_equal(parse(&cli, "po a tap x mtu 1300", err, sizeof(err)), 0);
	assert_int_equal(cli.req.cmd, CTL_PORT_ADD);
	assert_true(cli.req.tap);
	assert_string_equal(cli.req.name, "x");
	assert_int_equal(cli.req.mtu, 1300);
	assert_int_equal(parse(&cli, "port add tap eth0 segment qdes7", err, sizeof(err)), 0);
	assert_string_equal(cli.req.dev, "qdes7");
	assert_int_equal(parse(&cli, "-j -p -s stats -o prometheus", err, sizeof(err)), 0);
	assert_int_equal(cli.output, CTL_OUT_PROMETHEUS);
	assert_true(cli.pretty);
	assert_true(cli.req.details);
}

/* Bad command lines: one message naming the bad word */
static void test_args_errors(void **state)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{"", "missing command (try qdes-tap help)"},
		{"frob", "unknown command 'frob' (try qdes-tap help)"},
		{"fdb frob", "fdb: unknown command 'frob' (expected show, add, del or flush)"},
		{"peer flush", "peer: unknown command 'flush' (expected show, add, del)"},
		{"fdb add 02:00:00:00:00:01", "fdb add: missing dst ADDR:PORT"},
		{"fdb add dst 10.0.0.1:5000", "fdb add: missing MAC"},
		{"fdb add 01:00:5e:00:00:01 dst 10.0.0.1:5000",
		 "fdb add: MAC: invalid value '01:00:5e:00:00:01' (expected a unicast MAC "
		 "address)"},
		{"fdb add 02:00:00:00:00:01 dst 239.1.1.1:5000",
		 "fdb add: address: invalid value '239.1.1.1:5000' (expected a unicast address)"},
		{"fdb add 02:00:00:00:00:01 dst", "fdb add: 'dst' needs ADDR:PORT"},
		{"fdb del 02:00:00:00:00:01 02:00:00:00:00:02", "fdb del: MAC given twice"},
		{"fdb show dev", "fdb show: 'dev' needs an interface name"},
		{"fdb show dev a/b", "fdb show: dev: invalid value 'a/b'"},
		{"show qdes0 qdes1", "show: interface given twice"},
		{"stats 5", "stats: unexpected argument '5'"},
		{"stats -o xml", "stats: -o: unknown format 'xml' (expected prometheus)"},
		{"fdb flush 02:00:00:00:00:01",
		 "fdb flush: unexpected argument '02:00:00:00:00:01'"},
		{"peer add", "peer add: missing ADDR:PORT"},
		{"-S", "-S: missing argument (expected PATH)"},
		{"port frob", "port: unknown command 'frob' (expected show, add, del)"},
		{"port add", "port add: missing the kind of port (tap)"},
		{"port add veth x", "port add: unknown kind of port 'veth' (expected tap)"},
		{"port add tap", "port add: missing the port's name"},
		{"port add tap x y", "port add: unexpected argument 'y'"},
		{"port add netns x", "port add: unknown kind of port 'netns' (expected tap)"},
		{"port add tap x mtu 67", "port add: mtu: invalid value '67'"},
		{"port add tap x mtu 1400 mtu 1300", "port add: mtu given twice"},
		{"port add tap x mtu", "port add: 'mtu' needs a value"},
		{"port add tap x address 10.0.0.300/24",
		 "port add: address: invalid value '10.0.0.300/24'"},
		{"port add tap x netns a netns b", "port add: netns given twice"},
		{"port add tap x mac 01:00:5e:00:00:01", "port add: MAC: invalid value"},
		{"port add tap a/b", "port add: name: invalid value 'a/b'"},
		{"port del", "port del: missing the port's name"},
		{"port del x netns y", "port del: unexpected argument 'netns'"},
		{"port show x", "port show: unexpected argument 'x'"},
		/* JSON carries UTF-8 only (found by fuzz_ctl: "request too long" before) */
		{"show qde\xf3", "show: dev: invalid value 'qde"},
	};
	char err[CTL_ERRLEN];
	struct ctl_cli cli;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (!parse(&cli, cases[i].line, err, sizeof(err)))
			fail_msg("'%s' accepted", cases[i].line);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("'%s': got '%s', want '%s'", cases[i].line, err, cases[i].msg);
	}
}

/* JSON requests the daemon refuses, with the reason */
static void test_request_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"", "not a JSON request"},
		/* a bad escape before a line break: the error is still one line (fuzz_ctl) */
		{"{\"v\":0,\"cm\\\n\"}", "not a JSON request: "},
		{"[1]", "not a JSON request: expected an object"},
		{"{\"cmd\":\"show\"}", "missing \"v\""},
		{"{\"v\":1}", "missing \"cmd\""},
		{"{\"v\":2,\"cmd\":\"show\"}", "\"v\": unsupported version (expected 1)"},
		{"{\"v\":\"1\",\"cmd\":\"show\"}", "\"v\": unsupported version"},
		{"{\"v\":1,\"cmd\":\"frob\"}", "unknown command \"frob\""},
		{"{\"v\":1,\"cmd\":7}", "\"cmd\": expected a string"},
		{"{\"v\":1,\"cmd\":\"show\",\"x\":1}", "unknown key \"x\""},
		{"{\"v\":1,\"cmd\":\"show\",\"v\":1}", "not a JSON request"},
		{"{\"v\":1,\"cmd\":\"show\",\"mac\":\"02:00:00:00:00:01\"}", "show: takes no MAC"},
		{"{\"v\":1,\"cmd\":\"fdb add\",\"mac\":\"02:00:00:00:00:01\"}",
		 "fdb add: missing dst"},
		{"{\"v\":1,\"cmd\":\"fdb del\",\"mac\":5}", "\"mac\": expected a string"},
		{"{\"v\":1,\"cmd\":\"fdb del\",\"mac\":\"zz\"}",
		 "request: MAC: invalid value 'zz'"},
		{"{\"v\":1,\"cmd\":\"fdb flush\",\"dynamic\":1}",
		 "\"dynamic\": expected true or false"},
		{"{\"v\":1,\"cmd\":\"stats\",\"dynamic\":true}", "stats: takes no 'dynamic'"},
		{"{\"v\":1,\"cmd\":\"peer add\",\"dst\":\"10.0.0.1\"}",
		 "request: address: invalid"},
		{"{\"v\":1,\"cmd\":\"show\",\"dev\":\"\"}", "request: dev: invalid value ''"},
		{"{\"v\":1,\"cmd\":\"port add\",\"name\":\"x\"}",
		 "port add: missing the kind of port (tap)"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"veth\",\"name\":\"x\"}",
		 "\"kind\": unknown kind of port \"veth\" (expected tap)"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"tap\"}",
		 "port add: missing the port's name"},
		{"{\"v\":1,\"cmd\":\"port del\",\"kind\":\"tap\",\"name\":\"x\"}",
		 "port del: takes no kind of port"},
		{"{\"v\":1,\"cmd\":\"port del\",\"name\":\"x\",\"mtu\":1400}",
		 "port del: takes no netns, ifname, address or mtu"},
		{"{\"v\":1,\"cmd\":\"show\",\"name\":\"x\"}", "show: takes no port name"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"tap\",\"name\":\"x\",\"mtu\":\"1400\"}",
		 "\"mtu\": expected a number"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"tap\",\"name\":\"x\",\"mtu\":99999}",
		 "request: mtu: invalid value '99999'"},
		{"{\"v\":1,\"cmd\":\"port "
		 "add\",\"kind\":\"tap\",\"name\":\"x\",\"address\":\"10.0.0.1/24\"}",
		 "\"address\": expected an array of prefixes"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"tap\",\"name\":\"x\",\"address\":[5]}",
		 "\"address\": expected a string"},
		{"{\"v\":1,\"cmd\":\"port "
		 "add\",\"kind\":\"tap\",\"name\":\"x\",\"address\":[\"10.0.0.1/24\",\"10.0.0.1/"
		 "24\"]}",
		 "request: address: invalid value '10.0.0.1/24' (address given twice)"},
		{"{\"v\":1,\"cmd\":\"port add\",\"kind\":\"tap\",\"name\":\"x\",\"netns\":\"\"}",
		 "request: netns: "},
	};
	char err[CTL_ERRLEN];
	struct ctl_req req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (!ctl_parse_request(&req, cases[i].json, strlen(cases[i].json), err,
				       sizeof(err)))
			fail_msg("'%s' accepted", cases[i].json);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("'%s': got '%s', want '%s'", cases[i].json, err, cases[i].msg);
		if (strchr(err, '\n'))
			fail_msg("'%s': the error is not one line: '%s'", cases[i].json, err);
	}
}

/* Print @records (a JSON array) for @cmd as text into a string */
static char *text(enum ctl_cmd cmd, const char *records)
{
	json_t *r = json_loads(records, 0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(r);
	assert_non_null(f);
	ctl_print_text(f, cmd, r);
	fclose(f);
	json_decref(r);
	return buf;
}

/* Text is printed from the records: each value appears as it is in the JSON */
static void test_print_text(void **state)
{
	char *t;

	(void)state;
	t = text(CTL_FDB_SHOW,
		 "[{\"mac\":\"02:00:00:00:00:01\",\"dev\":\"qdes0\",\"state\":\"local\","
		 "\"age\":3},{\"mac\":\"02:00:00:00:00:02\",\"dst\":\"10.0.0.2:5000\","
		 "\"state\":\"dynamic\",\"age\":7}]");
	assert_string_equal(t, "02:00:00:00:00:01 dev qdes0 local age 3\n"
			       "02:00:00:00:00:02 dst 10.0.0.2:5000 dynamic age 7\n");
	free(t);
	t = text(CTL_PEER_SHOW, "[{\"peer\":\"10.0.0.2:5000\",\"configured\":true,\"macs\":2},"
				"{\"peer\":\"10.0.0.3:5000\",\"configured\":false,\"macs\":1}]");
	assert_string_equal(t, "peer 10.0.0.2:5000 macs 2\npeer 10.0.0.3:5000 macs 1 seen\n");
	free(t);
	t = text(CTL_PORT_SHOW, "[{\"name\":\"qdes0\",\"kind\":\"tap\",\"id\":0,\"macs\":1},"
				"{\"name\":\"eth0\",\"kind\":\"tap\",\"id\":3,\"macs\":2}]");
	assert_string_equal(t, "port qdes0 kind tap id 0 macs 1\nport eth0 kind tap id 3 macs 2\n");
	free(t);
	t = text(CTL_RELOAD, "[{\"applied\":[{\"key\":\"ageing\",\"value\":\"60\"}],"
			     "\"refused\":[{\"key\":\"group\",\"reason\":\"needs a restart\"}]}]");
	assert_string_equal(t, "applied ageing 60\nrefused group: needs a restart\n");
	free(t);
	t = text(CTL_STATS, "[{\"dev\":\"qdes0\",\"counters\":{\"tap_rx_frames\":5,"
			    "\"drop_short\":0},\"fdb_entries\":2,\"fdb_max\":9}]");
	assert_string_equal(t, "tap_rx_frames 5\ndrop_short 0\nfdb_entries 2\nfdb_max 9\n");
	free(t);
	t = text(CTL_SHOW,
		 "[{\"dev\":\"qdes0\",\"encap\":\"qdes\",\"network_id\":42,\"group\":"
		 "\"239.1.1.1:5000\",\"local\":\"0.0.0.0:4000\",\"mtu\":1450,"
		 "\"workers\":2,\"fdb_entries\":1,\"fdb_max\":10,\"ageing\":300,"
		 "\"uptime\":5,\"pid\":9,\"ports\":[{\"name\":\"qdes0\",\"kind\":\"tap\"}],"
		 "\"peers\":[]}]");
	assert_string_equal(t, "qdes0: encap qdes network_id 42 group 239.1.1.1:5000 local "
			       "0.0.0.0:4000 mtu 1450\n"
			       "    workers 2 fdb 1/10 ageing 300 uptime 5s pid 9\n"
			       "    port qdes0 tap\n");
	free(t);
}

/* Prometheus: one family per counter, the drops one family with a reason, label values escaped */
static void test_print_prometheus(void **state)
{
	json_t *r = json_loads("{\"dev\":\"q\\\"0\",\"counters\":{\"drop_short\":1,"
			       "\"tap_rx_frames\":5,\"drop_offload\":2},\"fdb_entries\":3,"
			       "\"fdb_max\":9}",
			       0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ctl_print_prometheus(f, r);
	fclose(f);
	assert_string_equal(buf,
			    "# TYPE qdes_tap_tap_rx_frames_total counter\n"
			    "qdes_tap_tap_rx_frames_total{dev=\"q\\\"0\"} 5\n"
			    "# HELP qdes_tap_drops_total Frames and datagrams dropped, by reason.\n"
			    "# TYPE qdes_tap_drops_total counter\n"
			    "qdes_tap_drops_total{dev=\"q\\\"0\",reason=\"short\"} 1\n"
			    "qdes_tap_drops_total{dev=\"q\\\"0\",reason=\"offload\"} 2\n"
			    "# HELP qdes_tap_fdb_entries Entries in the forwarding database.\n"
			    "# TYPE qdes_tap_fdb_entries gauge\n"
			    "qdes_tap_fdb_entries{dev=\"q\\\"0\"} 3\n"
			    "# HELP qdes_tap_fdb_max_entries The forwarding database's bound.\n"
			    "# TYPE qdes_tap_fdb_max_entries gauge\n"
			    "qdes_tap_fdb_max_entries{dev=\"q\\\"0\"} 9\n");
	free(buf);
	json_decref(r);
}

/* -j: the listing commands print an array, the others one object */
static void test_print_json(void **state)
{
	json_t *r = json_loads("[{\"a\":1},{\"a\":2}]", 0, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(ctl_print_json(f, CTL_FDB_SHOW, r, false), 0);
	assert_int_equal(ctl_print_json(f, CTL_SHOW, r, false), 0);
	/* the records as the daemon wrote them: the same document */
	assert_int_equal(ctl_print_json_text(f, CTL_FDB_SHOW, "{\"a\":1},{\"a\":2}", 2), 0);
	assert_int_equal(ctl_print_json_text(f, CTL_SHOW, "{\"a\":1}", 1), 0);
	assert_int_equal(ctl_print_json_text(f, CTL_PEER_SHOW, NULL, 0), 0);
	assert_int_equal(ctl_print_json_text(f, CTL_FDB_ADD, NULL, 0), 0);
	fclose(f);
	assert_string_equal(buf, "[{\"a\":1},{\"a\":2}]\n{\"a\":1}\n"
				 "[{\"a\":1},{\"a\":2}]\n{\"a\":1}\n[]\n");
	free(buf);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_client),   cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_args_errors), cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_print_text),  cmocka_unit_test(test_print_prometheus),
		cmocka_unit_test(test_print_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

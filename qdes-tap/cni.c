// SPDX-License-Identifier: GPL-2.0-or-later
/* cni.c - The CNI plugin (spec 1.0.0): a container attached to a segment of the running daemon */

/*
 * Installed as the plugin "qdes-tap" (a copy of this binary in the runtime's plugin directory),
 * it runs when a runtime calls it: no arguments, CNI_COMMAND in the environment, the network
 * configuration on stdin. ADD delegates addresses to the IPAM plugin the configuration names
 * (host-local, static: the CNI delegation rules), asks the daemon serving the segment for a
 * TAP port in the container's namespace with those addresses, adds the IPAM routes there and
 * prints the result. DEL removes the port and releases the addresses, and succeeds when they
 * are gone already (the namespace, the daemon). CHECK finds the port and its addresses.
 *
 * The daemon is asked through the client of this same binary (/proc/self/exe -S SOCKET -j
 * port ...), so the plugin speaks exactly the grammar and protocol the manual gives. A port's
 * name in the switch is made from the container id and CNI_IFNAME (every container's
 * interface is eth0); the interface in the namespace is CNI_IFNAME. Errors are CNI error
 * objects on stdout, exit status 1.
 */

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "cni.h"
#include "control.h"
#include "ether.h"
#include "netlink.h"
#include "netns.h"
#include "parse.h"

#define CNI_VERSION   "1.0.0"
#define CNI_INPUT_MAX (1 << 20)
#define CNI_ADDRS_MAX PARSE_MAX_ADDRS

/* The spec's error codes, and ours (100 and up) */
enum {
	CNI_E_VERSION = 1,
	CNI_E_ENV = 4,
	CNI_E_IO = 5,
	CNI_E_DECODE = 6,
	CNI_E_CONFIG = 7,
	CNI_E_TRY_LATER = 11,
	CNI_E_DAEMON = 100, /* the daemon refused the request */
	CNI_E_IPAM = 101,   /* the IPAM plugin failed without an error object */
	CNI_E_NETNS = 102,  /* the container's namespace: routes, the interface */
	CNI_E_CHECK = 103,  /* CHECK found something missing */
};

/* One run of a program: its exit status and what it wrote */
struct run {
	int status;
	char *out;
	char *err;
};

struct cni {
	const char *command, *containerid, *netns, *ifname, *path;
	char *input;
	size_t input_len;
	json_t *conf;
	char control[PATH_MAX];
	char port[IFNAMSIZ];
};

/* A CNI error object on stdout. Return: 1, the exit status */
static int cni_fail(int code, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cni_fail(int code, const char *details, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s,s:i,s:s}", "cniVersion", CNI_VERSION, "code", code, "msg", msg);
	if (o && details && details[0])
		json_object_set_new(o, "details", json_string(details));
	if (!o || json_dumpf(o, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF)
		fprintf(stderr, "qdes-tap (cni): %s\n", msg);
	json_decref(o);
	fflush(stdout);
	return 1;
}

/* Drop a trailing newline: a child's one-line message */
static const char *chomp(char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s ? s : "";
}

/* Append what @fd has to *@buf (at most CNI_INPUT_MAX). Return: 0 at its end, 1 more, -1 */
static int take(int fd, char **buf, size_t *len)
{
	char tmp[4096], *p;
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR ? 1 : -1;
	if (n == 0)
		return 0;
	if (*len + (size_t)n > CNI_INPUT_MAX || !(p = realloc(*buf, *len + (size_t)n + 1)))
		return -1;
	memcpy(p + *len, tmp, (size_t)n);
	*len += (size_t)n;
	p[*len] = '\0';
	*buf = p;
	return 1;
}

/*
 * Run @argv[0] with @input on its stdin, collecting stdout and stderr. Return: 0 with @r
 * filled in (its exit status in @r->status), or -1 if it could not be run
 */
static int run(char *const argv[], const char *input, size_t input_len, struct run *r)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, st;
	size_t olen = 0, elen = 0, done = 0;
	bool oopen = true, eopen = true;
	pid_t pid;

	*r = (struct run){0};
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	signal(SIGPIPE, SIG_IGN);
	/* Small inputs: the child reads them before it answers */
	while (done < input_len) {
		ssize_t n = write(in[1], input + done, input_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(in[1]);
	in[1] = -1;
	while (oopen || eopen) {
		struct pollfd p[2] = {{oopen ? out[0] : -1, POLLIN, 0},
				      {eopen ? err[0] : -1, POLLIN, 0}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (oopen && p[0].revents && take(out[0], &r->out, &olen) <= 0)
			oopen = false;
		if (eopen && p[1].revents && take(err[0], &r->err, &elen) <= 0)
			eopen = false;
	}
	close(out[0]);
	close(err[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return -1;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	*r = (struct run){0};
}

/* The client of this binary against the segment's socket: -S SOCKET -j WORDS... */
static int ask(const struct cni *c, const char *const *words, struct run *r)
{
	char *argv[64];
	int n = 0;

	argv[n++] = (char *)"/proc/self/exe";
	argv[n++] = (char *)"-S";
	argv[n++] = (char *)c->control;
	argv[n++] = (char *)"-j";
	for (; *words && n < 63; words++)
		argv[n++] = (char *)*words;
	argv[n] = NULL;
	return run(argv, "", 0, r);
}

/* The IPAM plugin the configuration names, run for @command. Return: as run(), -2 if none */
static int ipam(const struct cni *c, const char *command, struct run *r)
{
	const char *type =
		json_string_value(json_object_get(json_object_get(c->conf, "ipam"), "type"));
	char path[PATH_MAX], *dirs, *d, *save;
	int ret = -1;

	/* Empty until it runs: a plugin not found leaves nothing to free or quote */
	*r = (struct run){0};
	if (!type)
		return -2;
	if (strchr(type, '/') || !c->path || !(dirs = strdup(c->path)))
		return -1;
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, type);
		if (!access(path, X_OK)) {
			char *argv[] = {path, NULL};

			setenv("CNI_COMMAND", command, 1);
			ret = run(argv, c->input, c->input_len, r);
			setenv("CNI_COMMAND", c->command, 1);
			break;
		}
	}
	free(dirs);
	return ret;
}

/* An IPAM plugin that failed: its own error object if it printed one, else ours */
static int ipam_failed(const char *what, struct run *r, int ret)
{
	json_t *o = ret < 0 ? NULL : json_loads(r->out ? r->out : "", 0, NULL);

	if (json_is_object(o) && json_is_integer(json_object_get(o, "code"))) {
		json_dumpf(o, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(o);
		return 1;
	}
	json_decref(o);
	return cni_fail(CNI_E_IPAM, chomp(r->err), "ipam %s: %s", what,
			ret == -2 ? "no ipam type in the configuration"
			: ret < 0 ? "cannot run the plugin (not in CNI_PATH)"
				  : "failed");
}

/* DEL and CHECK of the IPAM plugin, when the configuration has one. Return: exit status */
static int ipam_release(const struct cni *c, const char *command)
{
	struct run r;
	int ret = ipam(c, command, &r);

	if (ret == -2)
		return 0;
	ret = ret || r.status ? ipam_failed(command, &r, ret) : 0;
	run_free(&r);
	return ret;
}

/* FNV-1a of the container id and interface: the port's name in the switch, "cni-XXXXXXXX" */
static void port_name(struct cni *c)
{
	uint32_t h = 2166136261U;
	const char *parts[] = {c->containerid, "/", c->ifname};

	for (size_t i = 0; i < 3; i++)
		for (const char *s = parts[i]; *s; s++)
			h = (h ^ (uint8_t)*s) * 16777619U;
	snprintf(c->port, sizeof(c->port), "cni-%08x", h);
}

/* Routes of the IPAM result, in the container's namespace through @ifindex */
static int add_routes(struct nl *nl, int ifindex, json_t *routes, char *err, size_t errlen)
{
	size_t i;
	json_t *rt;

	json_array_foreach(routes, i, rt)
	{
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		const char *gw = json_string_value(json_object_get(rt, "gw"));
		struct qdes_prefix d, g;
		char gws[INET6_ADDRSTRLEN + 8];

		if (!dst || addr_parse_prefix(dst, &d)) {
			snprintf(err, errlen, "route %zu: invalid dst", i);
			return -1;
		}
		if (gw) {
			snprintf(gws, sizeof(gws), "%s/%d", gw, d.family == AF_INET ? 32 : 128);
			if (addr_parse_prefix(gws, &g) || g.family != d.family) {
				snprintf(err, errlen, "route %s: invalid gw %s", dst, gw);
				return -1;
			}
		}
		if (nl_route_add(nl, ifindex, &d, gw ? &g : NULL) && errno != EEXIST) {
			snprintf(err, errlen, "%s", nl->err);
			return -1;
		}
	}
	return 0;
}

/* The container's namespace: a netlink socket there and the interface's index and MAC */
static int open_netns(const struct cni *c, struct nl *nl, struct nl_link *link, char *err,
		      size_t errlen)
{
	char path[PATH_MAX];
	int fd = netns_open(c->netns, path, sizeof(path));

	if (fd < 0) {
		snprintf(err, errlen, "netns %s: %s", c->netns, strerror(errno));
		return -1;
	}
	if (nl_open_in_netns(nl, fd)) {
		snprintf(err, errlen, "netlink in %s: %s", c->netns, nl->err);
		close(fd);
		return -1;
	}
	close(fd);
	if (nl_link_get(nl, c->ifname, link)) {
		snprintf(err, errlen, "%s", nl->err);
		nl_close(nl);
		return -1;
	}
	return 0;
}

/* Undo an ADD that failed half-way: the port, then the addresses */
static void undo_add(const struct cni *c, bool port)
{
	const char *del[] = {"port", "del", c->port, NULL};
	struct run r;

	if (port && !ask(c, del, &r))
		run_free(&r);
	if (ipam(c, "DEL", &r) >= 0)
		run_free(&r);
}

static int cmd_add(struct cni *c)
{
	const char *words[16 + 2 * CNI_ADDRS_MAX] = {"port",   "add",	  "tap",   c->port,
						     "ifname", c->ifname, "netns", c->netns};
	json_t *res = NULL, *ips, *ip, *out = NULL;
	char err[512], mac[MAC_STRLEN], mtu[16];
	struct nl_link link;
	unsigned int n = 8;
	struct run r;
	struct nl nl;
	size_t i;
	int ret;

	ret = ipam(c, "ADD", &r);
	if (ret == -2)
		return cni_fail(CNI_E_CONFIG, NULL, "no ipam in the network configuration");
	if (ret || r.status) {
		ret = ipam_failed("ADD", &r, ret);
		run_free(&r);
		return ret;
	}
	res = json_loads(r.out ? r.out : "", 0, NULL);
	run_free(&r);
	ips = json_object_get(res, "ips");
	if (!json_is_array(ips) || json_array_size(ips) > CNI_ADDRS_MAX) {
		undo_add(c, false);
		json_decref(res);
		return cni_fail(CNI_E_IPAM, NULL, "ipam ADD: no ips in its result");
	}
	json_array_foreach(ips, i, ip)
	{
		const char *a = json_string_value(json_object_get(ip, "address"));

		if (!a) {
			undo_add(c, false);
			json_decref(res);
			return cni_fail(CNI_E_IPAM, NULL, "ipam ADD: an ip without an address");
		}
		words[n++] = "address";
		words[n++] = a;
	}
	if (json_is_integer(json_object_get(c->conf, "mtu"))) {
		snprintf(mtu, sizeof(mtu), "%lld",
			 (long long)json_integer_value(json_object_get(c->conf, "mtu")));
		words[n++] = "mtu";
		words[n++] = mtu;
	}
	words[n] = NULL;
	if (ask(c, words, &r) || r.status) {
		/* exit status 1: no daemon there (yet); 2: it refused */
		bool later = r.status == 1;

		snprintf(err, sizeof(err), "%s", chomp(r.err));
		run_free(&r);
		undo_add(c, false);
		json_decref(res);
		return cni_fail(later ? CNI_E_TRY_LATER : CNI_E_DAEMON, c->control, "%s",
				err[0] ? err : "the daemon did not answer");
	}
	run_free(&r);
	ret = open_netns(c, &nl, &link, err, sizeof(err));
	if (!ret) {
		ret = add_routes(&nl, link.ifindex, json_object_get(res, "routes"), err,
				 sizeof(err));
		nl_close(&nl);
	}
	if (ret) {
		undo_add(c, true);
		json_decref(res);
		return cni_fail(CNI_E_NETNS, c->netns, "%s", err);
	}
	/* The result: our interface, and the IPAM's ips (on it), routes and dns */
	json_array_foreach(ips, i, ip)
	{
		json_object_set_new(ip, "interface", json_integer(0));
	}
	out = json_pack("{s:s,s:[{s:s,s:s,s:s}],s:O}", "cniVersion", CNI_VERSION, "interfaces",
			"name", c->ifname, "mac", mac_str(link.mac, mac), "sandbox", c->netns,
			"ips", ips);
	if (out && json_object_get(res, "routes"))
		json_object_set(out, "routes", json_object_get(res, "routes"));
	if (out && json_object_get(res, "dns"))
		json_object_set(out, "dns", json_object_get(res, "dns"));
	json_decref(res);
	if (!out || json_dumpf(out, stdout, JSON_COMPACT) || fputc('\n', stdout) == EOF ||
	    fflush(stdout)) {
		json_decref(out);
		undo_add(c, true);
		return cni_fail(CNI_E_IO, NULL, "cannot write the result");
	}
	json_decref(out);
	return 0;
}

/* DEL: whatever is gone already (the port, the namespace, the daemon) is not an error */
static int cmd_del(struct cni *c)
{
	const char *words[] = {"port", "del", c->port, NULL};
	struct run r;
	int ret;

	if (!ask(c, words, &r)) {
		bool gone = r.status == 0 || r.status == 1 || strstr(chomp(r.err), "no such port");

		if (!gone) {
			ret = cni_fail(CNI_E_DAEMON, c->control, "%s", chomp(r.err));
			run_free(&r);
			return ret;
		}
		run_free(&r);
	}
	return ipam_release(c, "DEL");
}

/* CHECK: the port is there, and the interface has the addresses of the previous result */
static int cmd_check(struct cni *c)
{
	const char *words[] = {"port", "show", NULL};
	json_t *prev = json_object_get(c->conf, "prevResult"), *ports, *p, *ip;
	bool found = false, has;
	char err[512];
	struct nl_link link;
	struct run r;
	struct nl nl;
	size_t i;
	int ret;

	if (!json_is_object(prev))
		return cni_fail(CNI_E_CONFIG, NULL, "CHECK without a prevResult");
	if (ask(c, words, &r) || r.status) {
		ret = cni_fail(r.status == 1 ? CNI_E_TRY_LATER : CNI_E_DAEMON, c->control, "%s",
			       chomp(r.err));
		run_free(&r);
		return ret;
	}
	ports = json_loads(r.out ? r.out : "", 0, NULL);
	run_free(&r);
	json_array_foreach(ports, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));

		found |= name && !strcmp(name, c->port);
	}
	json_decref(ports);
	if (!found)
		return cni_fail(CNI_E_CHECK, c->control, "port %s (%s) is not on the segment",
				c->port, c->ifname);
	if (open_netns(c, &nl, &link, err, sizeof(err)))
		return cni_fail(CNI_E_CHECK, c->netns, "%s", err);
	json_array_foreach(json_object_get(prev, "ips"), i, ip)
	{
		const char *a = json_string_value(json_object_get(ip, "address"));
		struct qdes_prefix pf;

		if (!a || addr_parse_prefix(a, &pf) || nl_addr_has(&nl, link.ifindex, &pf, &has) ||
		    !has) {
			nl_close(&nl);
			return cni_fail(CNI_E_CHECK, c->netns, "%s: address %s missing", c->ifname,
					a ? a : "?");
		}
	}
	nl_close(&nl);
	return ipam_release(c, "CHECK");
}

/* The network configuration: cniVersion, and the segment or the control socket */
static int read_conf(struct cni *c)
{
	const char *v, *seg, *ctl;
	size_t len = 0;
	json_error_t je;
	int t;

	while ((t = take(0, &c->input, &len)) > 0)
		;
	if (t < 0)
		return cni_fail(CNI_E_IO, NULL, "cannot read the network configuration");
	c->input_len = len;
	c->conf = json_loadb(c->input ? c->input : "", len, 0, &je);
	if (!json_is_object(c->conf))
		return cni_fail(CNI_E_DECODE, NULL, "network configuration: %s",
				c->conf ? "not an object" : je.text);
	v = json_string_value(json_object_get(c->conf, "cniVersion"));
	if (!v || strcmp(v, CNI_VERSION))
		return cni_fail(CNI_E_VERSION, NULL, "cniVersion %s: this plugin speaks %s",
				v ? v : "missing", CNI_VERSION);
	seg = json_string_value(json_object_get(c->conf, "segment"));
	ctl = json_string_value(json_object_get(c->conf, "control"));
	if (ctl) {
		if (snprintf(c->control, sizeof(c->control), "%s", ctl) >= (int)sizeof(c->control))
			return cni_fail(CNI_E_CONFIG, NULL, "control: path too long");
	} else if (!seg || !parse_ifname_valid(seg) ||
		   control_path(c->control, sizeof(c->control), seg)) {
		return cni_fail(CNI_E_CONFIG, NULL,
				"segment: %s (the interface section of the daemon serving it)",
				seg ? "not an interface name" : "missing");
	}
	return 0;
}

/**
 * cni_main() - The plugin: CNI_COMMAND ADD, DEL, CHECK or VERSION
 *
 * Return: exit status, 0 or 1 (with a CNI error object on stdout)
 */
int cni_main(void)
{
	struct cni c = {.command = getenv("CNI_COMMAND"),
			.containerid = getenv("CNI_CONTAINERID"),
			.netns = getenv("CNI_NETNS"),
			.ifname = getenv("CNI_IFNAME"),
			.path = getenv("CNI_PATH")};
	int ret;

	if (!strcmp(c.command, "VERSION")) {
		puts("{\"cniVersion\":\"" CNI_VERSION "\",\"supportedVersions\":[\"" CNI_VERSION
		     "\"]}");
		return fflush(stdout) ? 1 : 0;
	}
	if (strcmp(c.command, "ADD") && strcmp(c.command, "DEL") && strcmp(c.command, "CHECK"))
		return cni_fail(CNI_E_ENV, NULL,
				"CNI_COMMAND %s: expected ADD, DEL, CHECK or VERSION", c.command);
	if (!c.containerid || !c.containerid[0] || !c.ifname || !parse_ifname_valid(c.ifname) ||
	    (strcmp(c.command, "DEL") && (!c.netns || !c.netns[0])))
		return cni_fail(CNI_E_ENV, NULL, "%s",
				!c.containerid || !c.containerid[0] ? "CNI_CONTAINERID missing"
				: !c.ifname || !parse_ifname_valid(c.ifname)
					? "CNI_IFNAME missing or not an interface name"
					: "CNI_NETNS missing");
	ret = read_conf(&c);
	if (!ret) {
		port_name(&c);
		ret = !strcmp(c.command, "ADD")	  ? cmd_add(&c)
		      : !strcmp(c.command, "DEL") ? cmd_del(&c)
						  : cmd_check(&c);
	}
	json_decref(c.conf);
	free(c.input);
	return ret;
}

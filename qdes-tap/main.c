// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - qdes-tap: command line, start, run, exit status */

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "cni.h"
#include "config.h"
#include "control.h"
#include "ctl_proto.h"
#include "gateway.h"
#include "keyfile.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "privs.h"
#include "reload.h"

/* ", 2 workers" on the start line when there is more than one */
static const char *workers_note(const struct qdes_config *cfg, char *buf, size_t len)
{
	if (cfg->workers < 2)
		return "";
	snprintf(buf, len, ", %u workers", cfg->workers);
	return buf;
}

/* One line in the log; on stderr as well with syslog, since whoever started us reads that first */
static void start_failed(const struct qdes_config *cfg, const char *msg)
{
	err("%s", msg);
	if (cfg->use_syslog)
		fprintf(stderr, "qdes-tap: %s\n", msg);
}

/*
 * Become cfg->user once everything is open. Ports whose users open something of theirs (the QEMU
 * socket) hand it over first, and say afterwards what the user cannot do.
 */
static int drop_privileges(struct gateway *gw, struct control *ctl, struct privs *pv, char *msg,
			   size_t len)
{
	unsigned int i;

	if (!pv->switch_ids) {
		notice("user %s: already running as uid %u, nothing to drop", pv->name,
		       (unsigned int)pv->uid);
		return 0;
	}
	for (i = 0; i < gw->ports.end; i++) {
		struct qdes_port *p = gw->ports.slot[i];

		if (p && p->ops->give && p->ops->give(p, pv->uid, pv->gid, pv->name, msg, len))
			return -1;
	}
	if (ctl && control_give(ctl, pv->uid, pv->gid, msg, len))
		return -1;
	if (privs_drop(pv, msg, len))
		return -1;
	notice("dropped privileges to %s (uid %u, gid %u), keeping %s", pv->name,
	       (unsigned int)pv->uid, (unsigned int)pv->gid,
	       pv->kept ? "CAP_NET_ADMIN" : "no capabilities");
	for (i = 0; i < gw->ports.end; i++) {
		struct qdes_port *p = gw->ports.slot[i];

		if (p && p->ops->given)
			p->ops->given(p, pv->name);
	}
	if (ctl)
		control_given(ctl, pv->name);
	return 0;
}

/* ", qemu socket PATH" for each port the configuration opened, for the start line */
static const char *ports_note(const struct qdes_config *cfg, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < CONFIG_PORT_KINDS && n < len; i++)
		if (cfg->ports[i][0])
			n += (size_t)snprintf(buf + n, len - n, ", %s %s",
					      config_port_kind(i, NULL)->what, cfg->ports[i]);
	return buf;
}

/* control_group = NAME | GID, resolved before anything is opened. Return: 0, or 2 (unknown) */
static int resolve_group(const char *name, gid_t *gid, char *msg, size_t len)
{
	char buf[4096], *end;
	struct group g, *res = NULL;
	unsigned long v;

	v = strtoul(name, &end, 10);
	if (*name && !*end && v < (gid_t)-1) {
		*gid = (gid_t)v;
		return 0;
	}
	if (getgrnam_r(name, &g, buf, sizeof(buf), &res) || !res) {
		snprintf(msg, len, "control_group: no such group '%s'", name);
		return 2;
	}
	*gid = res->gr_gid;
	return 0;
}

/* The control socket, unless control = none. Return: 0 (*@ctl NULL with none), or -1 */
static int open_control(const struct qdes_config *cfg, bool has_group, gid_t group,
			struct control **ctl, char *msg, size_t len)
{
	char path[PATH_MAX];

	*ctl = NULL;
	if (!strcmp(cfg->control, "none"))
		return 0;
	if (cfg->control[0])
		snprintf(path, sizeof(path), "%s", cfg->control);
	else if (control_path(path, sizeof(path), cfg->ifname)) {
		snprintf(msg, len, "control socket: path too long");
		return -1;
	}
	*ctl = control_open(path, has_group, group, msg, len);
	return *ctl ? 0 : -1;
}

/* qdes-tap genkey: a new segment key on stdout, as `wg genkey` */
static int genkey_main(int argc, char *argv[])
{
	struct stat st;

	if (argc > 2) {
		fprintf(stderr,
			"qdes-tap: genkey: takes no arguments (usage: qdes-tap genkey > FILE)\n");
		return 2;
	}
	(void)argv;
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr, "qdes-tap: warning: writing a key to a file readable by group or "
				"others, which key= refuses: chmod 600 it (or umask 077 first)\n");
	if (keyfile_genkey(stdout)) {
		fprintf(stderr, "qdes-tap: genkey: %s\n",
			errno ? strerror(errno) : "no random bytes (libcrypto)");
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static struct qdes_config cfg;
	static struct gateway gw;
	static struct privs pv;
	static struct seal_keyring keys;
	char msg[CONFIG_ERRLEN > GATEWAY_ERRLEN ? CONFIG_ERRLEN : GATEWAY_ERRLEN];
	char g[ADDR_STRLEN], b[ADDR_STRLEN], w[32], p[32] = "", n[64],
						    q[CONFIG_PORT_KINDS * (PATH_MAX + 32)];
	struct reload rl = {argc, argv, &cfg, &gw, 0};
	struct ctl_env env = {0};
	struct control *ctl = NULL;
	struct metrics *met = NULL;
	enum config_action action;
	bool has_group = false;
	sigset_t stop_sigs;
	gid_t group = 0;
	int ret;

	/* A container runtime runs CNI plugins with no arguments and CNI_COMMAND set */
	if (argc == 1 && getenv("CNI_COMMAND"))
		return cni_main();
	if (argc >= 2 && !strcmp(argv[1], "genkey"))
		return genkey_main(argc, argv);
	if (ctl_is_client(argc, argv))
		return client_main(argc, argv);
	if (config_from_args(&cfg, argc, argv, &action, msg, sizeof(msg))) {
		fprintf(stderr, "qdes-tap: %s\n", msg);
		return 2;
	}
	switch (action) {
	case CONFIG_HELP:
		config_usage(stdout, "qdes-tap");
		return 0;
	case CONFIG_VERSION:
		printf("qdes-tap %s\n", QDES_TAP_VERSION);
		return 0;
	case CONFIG_RUN:
		break;
	}
	log_init("qdes-tap", cfg.log_level, cfg.use_syslog);
	signal(SIGPIPE, SIG_IGN);
	/* A stop request during start-up waits for the loop, which then undoes the start cleanly */
	loop_signals(&stop_sigs);
	sigprocmask(SIG_BLOCK, &stop_sigs, NULL);

	/* Before anything is opened: a key that is not one, or not secret, changes nothing */
	if (keyfile_ring(cfg.key, cfg.key_next, NULL, &keys, msg, sizeof(msg))) {
		start_failed(&cfg, msg);
		return 2;
	}
	/* Before anything is opened, so that a user who does not exist leaves nothing behind */
	if (cfg.user[0]) {
		ret = privs_resolve(&pv, cfg.user, msg, sizeof(msg));
		if (ret) {
			start_failed(&cfg, msg);
			privs_free(&pv);
			return ret == PRIVS_NO_USER ? 2 : 1;
		}
	}
	if (cfg.control_group[0]) {
		ret = resolve_group(cfg.control_group, &group, msg, sizeof(msg));
		if (ret) {
			start_failed(&cfg, msg);
			privs_free(&pv);
			return ret;
		}
		has_group = true;
	}
	/* First: another daemon on the same socket stops us before anything is changed */
	if (open_control(&cfg, has_group, group, &ctl, msg, sizeof(msg)) ||
	    (cfg.metrics_set && !(met = metrics_open(&cfg.metrics, msg, sizeof(msg)))) ||
	    gateway_start(&gw, &cfg, &keys, msg, sizeof(msg))) {
		start_failed(&cfg, msg);
		metrics_close(met);
		control_close(ctl);
		privs_free(&pv);
		return 1;
	}
	/* Before loop_run() starts the workers: capabilities are per thread */
	if ((cfg.user[0] && drop_privileges(&gw, ctl, &pv, msg, sizeof(msg))) ||
	    (met && metrics_start(met, &gw, msg, sizeof(msg)))) {
		start_failed(&cfg, msg);
		metrics_close(met);
		control_close(ctl);
		gateway_stop(&gw);
		privs_free(&pv);
		return 1;
	}
	privs_free(&pv);
	OPENSSL_cleanse(&keys, sizeof(keys));
	if (cfg.n_peers)
		snprintf(p, sizeof(p), ", %u peer%s", cfg.n_peers, cfg.n_peers == 1 ? "" : "s");
	if (proto_encap(cfg.encap)->has_netid)
		snprintf(n, sizeof(n), "network %u", cfg.network_id);
	else
		snprintf(n, sizeof(n), "encap %s", proto_encap(cfg.encap)->name);
	if (gw.keys.n)
		snprintf(n + strlen(n), sizeof(n) - strlen(n), ", sealed (key id %u)",
			 gw.keys.key[0].id);
	notice("%s: up, mtu %u, %s, group %s%s, local %s%s%s", cfg.ifname, gw.mtu, n,
	       cfg.group_set ? addr_str(&cfg.group, g, sizeof(g)) : "none", p,
	       addr_str(&gw.w[0].ul.bound, b, sizeof(b)), workers_note(&cfg, w, sizeof(w)),
	       ports_note(&cfg, q, sizeof(q)));
	rl.start_max_entries = cfg.max_entries;
	env.reload = reload_run;
	env.ctx = &rl;
	ret = loop_run(&gw, ctl, &env);
	metrics_close(met);
	control_close(ctl);
	gateway_stop(&gw);
	notice("%s: stopped", cfg.ifname);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - qdes-tap: command line, start, run, exit status */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "gateway.h"
#include "log.h"
#include "loop.h"

/* ", 2 workers" on the start line when there is more than one */
static const char *workers_note(const struct qdes_config *cfg, char *buf, size_t len)
{
	if (cfg->workers < 2)
		return "";
	snprintf(buf, len, ", %u workers", cfg->workers);
	return buf;
}

int main(int argc, char *argv[])
{
	static struct qdes_config cfg;
	static struct gateway gw;
	char msg[CONFIG_ERRLEN > GATEWAY_ERRLEN ? CONFIG_ERRLEN : GATEWAY_ERRLEN];
	char g[ADDR_STRLEN], b[ADDR_STRLEN], w[32], p[32] = "", n[32];
	enum config_action action;
	sigset_t stop_sigs;
	int ret;

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
	/* A stop request during start-up waits for the loop, which then undoes the start cleanly;
	 * loop_run() unblocks them once its handlers are in place. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGUSR1);
	sigaddset(&stop_sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_sigs, NULL);

	if (gateway_start(&gw, &cfg, msg, sizeof(msg))) {
		err("%s", msg);
		/* Whoever started us reads stderr first: the one line must be there too */
		if (cfg.use_syslog)
			fprintf(stderr, "qdes-tap: %s\n", msg);
		return 1;
	}
	if (cfg.n_peers)
		snprintf(p, sizeof(p), ", %u peer%s", cfg.n_peers, cfg.n_peers == 1 ? "" : "s");
	if (proto_encap(cfg.encap)->has_netid)
		snprintf(n, sizeof(n), "network %u", cfg.network_id);
	else
		snprintf(n, sizeof(n), "encap %s", proto_encap(cfg.encap)->name);
	notice("%s: up, mtu %u, %s, group %s%s, local %s%s%s%s", cfg.ifname, gw.mtu, n,
	       cfg.group_set ? addr_str(&cfg.group, g, sizeof(g)) : "none", p,
	       addr_str(&gw.w[0].ul.bound, b, sizeof(b)), workers_note(&cfg, w, sizeof(w)),
	       cfg.qemu_socket[0] ? ", qemu socket " : "", cfg.qemu_socket);
	ret = loop_run(&gw);
	gateway_stop(&gw);
	notice("%s: stopped", cfg.ifname);
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_config_common.h - The invariants of a configuration read by config_from_args(), for the
 * ini file and command-line harnesses
 *
 *  1. The result is 0 or -1. On -1 the message is one line, not empty, at most CONFIG_ERRLEN.
 *  2. On 0 (a run), the configuration is one the daemon can start from: a valid interface name
 *     (or none, then with a port), a group with a port or peers, a network id the encapsulation
 *     carries, peers and addresses within their limits, at least one worker.
 *  3. The same arguments read twice give the same result and message: nothing is left behind
 *     between runs (getopt's state, static buffers).
 */
#ifndef QDES_FUZZ_CONFIG_COMMON_H
#define QDES_FUZZ_CONFIG_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static void check_config(int argc, char *argv[])
{
	static struct qdes_config cfg, again;
	char err[CONFIG_ERRLEN], err2[CONFIG_ERRLEN];
	enum config_action act, act2;
	int ret, ret2;

	err[0] = err2[0] = '\0';
	ret = config_from_args(&cfg, argc, argv, &act, err, sizeof(err));
	CHECK(ret == 0 || ret == -1);
	if (ret) {
		CHECK(err[0] && !strchr(err, '\n') && strlen(err) < sizeof(err));
	} else if (act == CONFIG_RUN) {
		const struct encap_ops *e = proto_encap(cfg.encap);

		CHECK(!config_has_tap(&cfg) ? config_has_ports(&cfg)
					    : cfg.ifname[0] && strlen(cfg.ifname) < IFNAMSIZ);
		CHECK(cfg.group_set || cfg.n_peers);
		CHECK(!cfg.group_set || addr_port(&cfg.group));
		CHECK(cfg.network_id <= e->max_netid);
		CHECK(e->has_netid || !cfg.network_id_set);
		CHECK(cfg.n_peers <= CONFIG_MAX_PEERS && cfg.n_addrs <= CONFIG_MAX_ADDRS);
		CHECK(cfg.workers >= 1);
	}
	ret2 = config_from_args(&again, argc, argv, &act2, err2, sizeof(err2));
	CHECK(ret2 == ret && !strcmp(err, err2));
	CHECK(ret || act2 == act);
}

#endif /* QDES_FUZZ_CONFIG_COMMON_H */

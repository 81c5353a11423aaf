/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway.h - One interface joined to one segment: set-up, tear-down and the parts it owns */
#ifndef QDES_GATEWAY_H
#define QDES_GATEWAY_H

#include <stdbool.h>

#include "config.h"
#include "counters.h"
#include "fdb.h"
#include "netlink.h"
#include "switch.h"
#include "tap.h"
#include "underlay.h"

#define GATEWAY_ERRLEN 512

/**
 * struct gateway - everything one interface's service holds; no state outside it
 * @cfg:	its configuration
 * @cnt:	counters
 * @tap:	the TAP and its port
 * @ul:		underlay sockets
 * @fdb:	forwarding database
 * @sw:		switch
 * @nl:		rtnetlink in the interface's namespace
 * @netns_fd:	that namespace, or -1 for ours
 * @ifindex:	the interface, in that namespace
 * @mtu:	segment MTU in use
 * @mac:	the interface's MAC at start, pinned in the FDB as local
 * @added:	which of cfg->addrs we added (and so remove from a persistent TAP at exit)
 */
struct gateway {
	const struct qdes_config *cfg;
	struct qdes_counters cnt;
	struct tap tap;
	struct underlay ul;
	struct fdb *fdb;
	struct qdes_switch sw;
	struct nl nl;
	int netns_fd;
	int ifindex;
	unsigned int mtu;
	uint8_t mac[ETH_ALEN_];
	bool added[CONFIG_MAX_ADDRS];
};

int gateway_start(struct gateway *gw, const struct qdes_config *cfg, char *err, size_t errlen);
void gateway_stop(struct gateway *gw);
int gateway_tap_ready(struct gateway *gw, uint64_t now);
int gateway_underlay_ready(struct gateway *gw, int fd, uint64_t now);

#endif /* QDES_GATEWAY_H */

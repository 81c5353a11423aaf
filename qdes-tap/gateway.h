/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gateway.h - One interface joined to one segment: set-up, tear-down and the parts it owns */
#ifndef QDES_GATEWAY_H
#define QDES_GATEWAY_H

#include <stdbool.h>

#include "config.h"
#include "counters.h"
#include "fdb.h"
#include "netlink.h"
#include "seal.h"
#include "switch.h"
#include "tap.h"
#include "underlay.h"

#define GATEWAY_ERRLEN 512

/**
 * struct worker - one thread's share of the data path: a socket, a switch, a TAP queue
 * @gw:		the gateway it works for
 * @index:	0 for the first (which also holds the multicast socket and every port but the
 *		TAP's further queues), 1, ...
 * @cnt:	its counters (summed for the dump)
 * @ul:		its underlay sockets
 * @sw:		its switch, over the shared FDB and port table
 * @pstats:	what it saw of each member (ctl_serve.c sums the workers')
 * @seal_tx:	its sending session, in a sealed segment
 */
struct worker {
	struct gateway *gw;
	unsigned int index;
	struct qdes_counters cnt;
	struct underlay ul;
	struct qdes_switch sw;
	struct peer_table pstats;
	struct seal_tx seal_tx;
};

/**
 * struct gateway - everything one interface's service holds; no state outside it
 * @cfg:	its configuration
 * @fdb:	forwarding database, shared by the workers
 * @ports:	every port (the TAP, the QEMU socket, its guests), shared by the workers
 * @ports_init:	@ports is initialised (its lock exists)
 * @nl:		rtnetlink in the interface's namespace
 * @netns_fd:	that namespace, or -1 for ours
 * @ifindex:	the interface, in that namespace
 * @mtu:	segment MTU in use
 * @mac:	the interface's MAC at start, pinned in the FDB as local
 * @added:	which of cfg->addrs we added (and so remove from a persistent TAP at exit)
 * @n_workers:	workers in @w
 * @w:		the workers
 * @tap:	the interface's port, NULL with -i none
 * @tap_offload: the TAP has offloads, and so the underlay: TAP ports added later ask for them
 * @ports_made:	TAP ports made at run time so far (their names while they are made)
 * @keys:	the segment keys (none: not sealed)
 * @seal:	the other members' sessions, in a sealed segment
 */
struct gateway {
	const struct qdes_config *cfg;
	struct fdb *fdb;
	struct port_table ports;
	bool ports_init;
	struct nl nl;
	int netns_fd;
	int ifindex;
	unsigned int mtu;
	uint8_t mac[ETH_ALEN_];
	bool added[CONFIG_MAX_ADDRS];
	unsigned int n_workers;
	struct worker *w;
	struct tap *tap;
	bool tap_offload;
	unsigned int ports_made;
	struct seal_keyring keys;
	struct seal_rx seal;
};

/**
 * struct port_spec - a TAP port to make at run time
 * @name:	its name in the switch
 * @ifname:	its interface's name
 * @netns:	the namespace to make it in (NAME, PATH or PID), "": ours
 * @addrs:	addresses to give it
 * @n_addrs:	how many
 * @mac:	its MAC, NULL: the stable one (mac = persistent)
 * @mtu:	its MTU, 0: the segment's
 */
struct port_spec {
	const char *name;
	const char *ifname;
	const char *netns;
	const struct qdes_prefix *addrs;
	unsigned int n_addrs;
	const uint8_t *mac;
	unsigned int mtu;
};

int gateway_start(struct gateway *gw, const struct qdes_config *cfg,
		  const struct seal_keyring *keys, char *err, size_t errlen);
int gateway_set_keys(struct gateway *gw, const struct seal_keyring *keys, unsigned int *forgotten);
void gateway_stop(struct gateway *gw);
int gateway_port_ready(struct worker *w, struct qdes_port *port, unsigned int i,
		       unsigned int events, uint64_t now);
int gateway_underlay_ready(struct worker *w, int fd, uint64_t now);
int gateway_underlay_errors(struct worker *w, int fd);
int gateway_port_add(struct gateway *gw, struct qdes_port *port);
struct qdes_port *gateway_port_named(struct gateway *gw, const char *name);
struct qdes_port *gateway_tap_port(struct gateway *gw, const struct port_spec *ps, char *err,
				   size_t errlen);
void gateway_port_del(struct gateway *gw, struct qdes_port *port);
void gateway_age(struct gateway *gw, uint64_t now);
void gateway_dump(struct gateway *gw, uint64_t now);
int gateway_fdb_add(struct gateway *gw, const uint8_t *mac, const union qdes_sockaddr *dst,
		    uint64_t now, char *local);
bool gateway_fdb_del_static(struct gateway *gw, const uint8_t *mac, const union qdes_sockaddr *dst);
int gateway_peer(struct gateway *gw, const union qdes_sockaddr *peer, bool add);

#endif /* QDES_GATEWAY_H */

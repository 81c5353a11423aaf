/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.h - Configuration from the ini file and the command line into struct qdes_config */
#ifndef QDES_CONFIG_H
#define QDES_CONFIG_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "ether.h"
#include "parse.h"
#include "port.h"
#include "proto.h"

#define CONFIG_MAX_ADDRS      PARSE_MAX_ADDRS
#define CONFIG_MAX_PEERS      PARSE_MAX_PEERS
#define CONFIG_DEFAULT_IFNAME "qdes0"

/* The kinds of port of port_kinds.h, numbered in its order */
enum config_port_kind {
#define PORT_KIND(obj, ...) CONFIG_PORT_##obj,
#include "port_kinds.h"
#undef PORT_KIND
	CONFIG_PORT_KINDS,
};
/* -i none: no TAP, a switch for guests on the QEMU socket only */
#define CONFIG_NO_INTERFACE	   "none"
#define CONFIG_DEFAULT_AGEING	   300
#define CONFIG_DEFAULT_MAX_ENTRIES 65536
#define CONFIG_MAX_MAX_ENTRIES	   (1U << 24)
#define CONFIG_MIN_MTU		   68
#define CONFIG_MAX_MTU		   65000
#define CONFIG_ERRLEN		   512
#define CONFIG_MAX_WORKERS	   64
/* Longer than any name useradd(8) or an NSS backend hands out (LOGIN_NAME_MAX is 256) */
#define CONFIG_USER_LEN 256

/**
 * struct qdes_config - everything one qdes-tap process is told to do
 *
 * Interface keys live in a section named after the interface ([qdes0]); the [global] section
 * holds process keys (log_level, syslog) and may give defaults for interface keys.
 * Command-line options override the file.
 */
struct qdes_config {
	char ifname[IFNAMSIZ];	    /* -i, section name */
	char config_path[PATH_MAX]; /* -c, empty: none */

	union qdes_sockaddr
		group; /* group = ADDR:PORT (required without peers; vxlan: port 4789) */
	bool group_set;
	union qdes_sockaddr peers[CONFIG_MAX_PEERS]; /* peer = ADDR:PORT [ADDR:PORT...] */
	unsigned int n_peers;
	uint32_t network_id; /* network_id = 0..65535 (required; vxlan: 0..16777215) */
	bool network_id_set;
	enum encap_mode encap; /* encap = qdes|vxlan */
	/* The ini section group / network_id came from, "" for the command line: checks that
	 * depend on encap run once everything is set, and name where the value was given */
	char group_from[IFNAMSIZ + 16];
	char network_id_from[IFNAMSIZ + 16];
	struct qdes_prefix addrs[CONFIG_MAX_ADDRS]; /* address = PREFIX [PREFIX...] */
	unsigned int n_addrs;
	uint8_t mac[ETH_ALEN_]; /* mac = MAC */
	bool mac_set;
	bool mac_random;	   /* mac = random: the kernel's; neither: derived (persistent) */
	unsigned int mtu;	   /* mtu = N, 0: derived from the underlay */
	union qdes_sockaddr local; /* local = ADDR: bind and send from it */
	bool local_set;
	char dev[IFNAMSIZ];	  /* dev = IFNAME: underlay interface, "": by route */
	uint16_t port;		  /* port = N: local unicast port, 0: ephemeral */
	int ttl;		  /* ttl = 1..255, 0: 1 for multicast, system default */
	unsigned int ageing;	  /* ageing = seconds */
	unsigned int max_entries; /* max_entries = N */
	char netns[PATH_MAX];	  /* netns = NAME | PATH | PID, "": stay */
	char bridge[IFNAMSIZ];	  /* bridge = IFNAME, "": none */
	/* qemu_socket = PATH ...: the value of each kind of port (port_kinds.h), "": none */
	char ports[CONFIG_PORT_KINDS][PATH_MAX];
	bool offload;	      /* offload = yes|no: TAP vnet header, TSO, UDP GSO/GRO */
	unsigned int workers; /* workers = N: threads, each a TAP queue and a socket */

	/* An interface key, since one process serves one interface: [global] gives the default */
	char user[CONFIG_USER_LEN]; /* user = NAME | UID: run as it once set up, "": stay */

	struct parse_fdb fdb[PARSE_MAX_FDB]; /* fdb = MAC ADDR:PORT, ...: static entries */
	unsigned int n_fdb;
	char control[PATH_MAX]; /* control = PATH | none, "": /run/qdes-tap/IFNAME.ctl */
	char control_group[CONFIG_USER_LEN];
	char key[PATH_MAX];	     /* key = PATH: the segment key that seals, "": not sealed */
	char key_next[PATH_MAX];     /* key_next = PATH: a second key that opens too */
	union qdes_sockaddr metrics; /* metrics = [ADDR:]PORT: GET /metrics */
	bool metrics_set;	     /* control_group = GROUP, "": none */

	int log_level;	 /* log_level = error|warning|notice|info|debug; -v, -q */
	bool use_syslog; /* syslog = yes|no */
};

enum config_action {
	CONFIG_RUN = 0,
	CONFIG_HELP,
	CONFIG_VERSION,
};

int config_family(const struct qdes_config *cfg);
bool config_has_tap(const struct qdes_config *cfg);
bool config_has_ports(const struct qdes_config *cfg);
const struct encap_ops *config_encap(const struct qdes_config *cfg);
const struct port_kind *config_port_kind(unsigned int i, const char **key);
void config_init(struct qdes_config *cfg);
int config_set(struct qdes_config *cfg, const char *key, const char *value, char *err,
	       size_t errlen);
int config_load_ini(struct qdes_config *cfg, const char *path, const char *section, char *err,
		    size_t errlen);
int config_check(struct qdes_config *cfg, char *err, size_t errlen);
int config_from_args(struct qdes_config *cfg, int argc, char *argv[], enum config_action *action,
		     char *err, size_t errlen);
void config_usage(FILE *f, const char *prog);

#endif /* QDES_CONFIG_H */

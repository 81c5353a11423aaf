/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_proto.h - The control protocol's requests: the command line's grammar and the JSON line */
#ifndef QDES_CTL_PROTO_H
#define QDES_CTL_PROTO_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "ether.h"
#include "parse.h"

/* The protocol's version: "v" of every request and of every reply's last line */
#define CTL_VERSION 1

/* The longest request line the daemon reads, newline included */
#define CTL_REQ_MAX 4096

#define CTL_ERRLEN 256

/* The longest netns of port add: a path under /proc or /run/netns, with room in a request */
#define CTL_NETNS_MAX 1024

/* Every command, as the request's "cmd" names it (ctl_cmd_name()) */
enum ctl_cmd {
	CTL_SHOW = 0,
	CTL_FDB_SHOW,
	CTL_FDB_ADD,
	CTL_FDB_DEL,
	CTL_FDB_FLUSH,
	CTL_PEER_SHOW,
	CTL_PEER_ADD,
	CTL_PEER_DEL,
	CTL_STATS,
	CTL_RELOAD,
	CTL_PORT_SHOW,
	CTL_PORT_ADD,
	CTL_PORT_DEL,
	CTL_CMD_MAX,
};

/**
 * struct ctl_req - one request, whichever way it came (the client's argv, the JSON line)
 * @cmd:	what to do
 * @dev:	the interface it is meant for, "": whichever the daemon serves
 * @has_mac:	@mac is given (fdb show MAC, add, del)
 * @mac:	the MAC
 * @has_dst:	@dst is given (fdb add, peer add/del)
 * @dst:	a member's underlay address and port
 * @dynamic:	fdb flush dynamic: keep the static entries
 * @details:	-s: per-peer statistics in show, stats and peer show
 * @tap:	port add: the kind is tap (the one kind added at run time)
 * @name:	port add, del: the port's name in the switch
 * @ifname:	port add: its interface's name, "": @name
 * @netns:	port add: the namespace to create it in (NAME, PATH or PID), "": ours
 * @addrs:	port add: addresses to give it
 * @n_addrs:	how many
 * @mtu:	port add: its MTU, 0: the segment's
 */
struct ctl_req {
	enum ctl_cmd cmd;
	char dev[IFNAMSIZ];
	bool has_mac;
	uint8_t mac[ETH_ALEN_];
	bool has_dst;
	union qdes_sockaddr dst;
	bool dynamic;
	bool details;
	bool tap;
	char name[IFNAMSIZ];
	char ifname[IFNAMSIZ];
	char netns[CTL_NETNS_MAX + 1];
	struct qdes_prefix addrs[PARSE_MAX_ADDRS];
	unsigned int n_addrs;
	unsigned int mtu;
};

/* How the client prints a reply */
enum ctl_output {
	CTL_OUT_TEXT = 0,
	CTL_OUT_JSON,
	CTL_OUT_PROMETHEUS,
};

/**
 * struct ctl_cli - a client's command line
 * @req:	the request it makes
 * @output:	text, JSON (-j) or Prometheus (stats -o prometheus)
 * @pretty:	-p: indented JSON
 * @socket:	-S PATH: the daemon's socket; NULL: found by @req.dev in the run directory
 * @help:	help was asked for: print it, make no request
 */
struct ctl_cli {
	struct ctl_req req;
	enum ctl_output output;
	bool pretty;
	const char *socket;
	bool help;
};

/**
 * struct ctl_buf - a growing byte buffer: reply lines, on either side of the socket
 * @p:		the bytes
 * @len:	bytes in @p
 * @cap:	its size
 */
struct ctl_buf {
	char *p;
	size_t len, cap;
};

int ctl_buf_reserve(struct ctl_buf *b, size_t n);
void ctl_buf_free(struct ctl_buf *b);
const char *ctl_cmd_name(enum ctl_cmd cmd);
bool ctl_is_client(int argc, char *const argv[]);
int ctl_parse_args(struct ctl_cli *cli, int argc, char *const argv[], char *err, size_t errlen);
int ctl_request_line(const struct ctl_req *req, char *buf, size_t len);
int ctl_parse_request(struct ctl_req *req, const char *line, size_t len, char *err, size_t errlen);
void ctl_usage(FILE *f);

#endif /* QDES_CTL_PROTO_H */

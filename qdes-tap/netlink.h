/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - Interface configuration over rtnetlink with libmnl */
#ifndef QDES_NETLINK_H
#define QDES_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define NL_ERRLEN 256

struct mnl_socket;

/**
 * struct nl - one rtnetlink socket, bound to the network namespace it was opened in
 * @sock:	libmnl socket
 * @seq:	last sequence number used
 * @err:	after a failed call: one line naming the request, the kernel's extended ack
 *		message if any, and the attribute it points at
 */
struct nl {
	struct mnl_socket *sock;
	uint32_t seq;
	char err[NL_ERRLEN];
};

int nl_open(struct nl *nl);
int nl_open_in_netns(struct nl *nl, int netns_fd);
void nl_close(struct nl *nl);

/**
 * struct nl_link - what we need to know of a link
 * @ifindex:	interface index in the namespace of the socket that asked
 * @mtu:	IFLA_MTU
 * @up:		IFF_UP is set (administratively up)
 * @kind:	IFLA_INFO_KIND: "tun", "bridge", "veth", ... ("" if none)
 * @name:	IFLA_IFNAME (IFNAMSIZ bytes)
 * @mac:	IFLA_ADDRESS if it is 6 bytes long, all zeros otherwise
 * @master:	IFLA_MASTER: ifindex of the bridge (or bond) it is a port of, 0 if none
 */
struct nl_link {
	int ifindex;
	unsigned int mtu;
	bool up;
	char kind[32]; /* IFLA_INFO_KIND: "tun", "bridge", "veth", ... ("" if none) */
	char name[16];
	uint8_t mac[6];
	int master;
};

int nl_link_get(struct nl *nl, const char *ifname, struct nl_link *out);
int nl_link_get_by_index(struct nl *nl, int ifindex, struct nl_link *out);
int nl_link_set_mtu(struct nl *nl, int ifindex, unsigned int mtu);
int nl_link_set_mac(struct nl *nl, int ifindex, const uint8_t mac[6]);
int nl_link_set_arp_notify(struct nl *nl, int ifindex);
int nl_link_set_up(struct nl *nl, int ifindex, bool up);
int nl_link_set_master(struct nl *nl, int ifindex, int master_ifindex);
int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd, const char *name);
int nl_addr_add(struct nl *nl, int ifindex, const struct qdes_prefix *p);
int nl_addr_del(struct nl *nl, int ifindex, const struct qdes_prefix *p);
int nl_route_add(struct nl *nl, int ifindex, const struct qdes_prefix *dst,
		 const struct qdes_prefix *gw);
int nl_addr_has(struct nl *nl, int ifindex, const struct qdes_prefix *p, bool *has);
int nl_route_get_oif(struct nl *nl, const union qdes_sockaddr *dst, int *ifindex);

#endif /* QDES_NETLINK_H */

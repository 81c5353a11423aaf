/* SPDX-License-Identifier: GPL-2.0-or-later */
/* addr.h - Underlay socket addresses (IPv4/IPv6 + port): parse, format, compare */
#ifndef QDES_ADDR_H
#define QDES_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/**
 * union qdes_sockaddr - an underlay endpoint, directly usable with sendmsg()
 *
 * 28 bytes instead of sockaddr_storage's 128: FDB entries hold one each.
 */
union qdes_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* "[ffff:...:ffff%ifname]:65535" plus NUL fits */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + 16 + 8)

/**
 * struct qdes_prefix - an interface address with prefix length (--address)
 */
struct qdes_prefix {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint8_t len;
};

int addr_parse(const char *s, uint16_t default_port, bool need_port, union qdes_sockaddr *out);
int addr_parse_host(const char *s, union qdes_sockaddr *out);
int addr_parse_prefix(const char *s, struct qdes_prefix *out);
const char *addr_str(const union qdes_sockaddr *a, char *buf, size_t len);
const char *addr_host_str(const union qdes_sockaddr *a, char *buf, size_t len);
const char *prefix_str(const struct qdes_prefix *p, char *buf, size_t len);
socklen_t addr_len(const union qdes_sockaddr *a);
uint16_t addr_port(const union qdes_sockaddr *a);
void addr_set_port(union qdes_sockaddr *a, uint16_t port);
bool addr_equal(const union qdes_sockaddr *a, const union qdes_sockaddr *b);
bool addr_is_multicast(const union qdes_sockaddr *a);
bool addr_is_any(const union qdes_sockaddr *a);

#endif /* QDES_ADDR_H */

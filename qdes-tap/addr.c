// SPDX-License-Identifier: GPL-2.0-or-later
/* addr.c - Underlay socket addresses (IPv4/IPv6 + port): parse, format, compare */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int parse_u16(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Parse a bare host: "192.0.2.1", "2001:db8::1", "fe80::1%eth0" */
int addr_parse_host(const char *s, union qdes_sockaddr *out)
{
	char buf[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	char *pct;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->in4.sin_addr) == 1) {
		out->in4.sin_family = AF_INET;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	pct = strchr(buf, '%');
	if (pct)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, buf, &out->in6.sin6_addr) != 1)
		return -1;
	out->in6.sin6_family = AF_INET6;
	if (pct) {
		out->in6.sin6_scope_id = if_nametoindex(pct);
		if (!out->in6.sin6_scope_id && parse_u16(pct, &(uint16_t){0}) == 0)
			out->in6.sin6_scope_id = (uint32_t)strtoul(pct, NULL, 10);
		if (!out->in6.sin6_scope_id)
			return -1;
	}
	return 0;
}

/**
 * addr_parse() - Parse "ADDR:PORT", "[ADDR6]:PORT", or a bare address if a port is optional
 * @s:			text
 * @default_port:	port when none is given and @need_port is false
 * @need_port:		a missing port is an error
 * @out:		result
 *
 * Return: 0 on success, -1 if @s is not an address of that form
 */
int addr_parse(const char *s, uint16_t default_port, bool need_port, union qdes_sockaddr *out)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *port = NULL;
	uint16_t p = default_port;
	size_t hlen;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -1;
		hlen = (size_t)(close - s - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -1;
		s++;
	} else {
		const char *colon = strrchr(s, ':');

		/* One colon: IPv4 with a port. More: a bare IPv6 address. */
		if (colon && colon == strchr(s, ':')) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
		} else {
			hlen = strlen(s);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (addr_parse_host(host, out))
		return -1;
	if (port) {
		if (parse_u16(port, &p))
			return -1;
	} else if (need_port) {
		return -1;
	}
	addr_set_port(out, p);
	return 0;
}

/* "10.0.0.1/24", "2001:db8::1/64"; a bare address gets a host prefix (/32, /128) */
int addr_parse_prefix(const char *s, struct qdes_prefix *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long len;
	int max;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &out->addr.v4) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &out->addr.v6) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	if (!slash) {
		out->len = (uint8_t)max;
		return 0;
	}
	if (!*slash || *slash == '-' || *slash == '+')
		return -1;
	errno = 0;
	len = strtoul(slash, &end, 10);
	if (errno || *end || len > (unsigned long)max)
		return -1;
	out->len = (uint8_t)len;
	return 0;
}

const char *addr_host_str(const union qdes_sockaddr *a, char *buf, size_t len)
{
	const void *src = a->sa.sa_family == AF_INET6 ? (const void *)&a->in6.sin6_addr
						      : (const void *)&a->in4.sin_addr;

	if ((a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6) ||
	    !inet_ntop(a->sa.sa_family, src, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *addr_str(const union qdes_sockaddr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	addr_host_str(a, host, sizeof(host));
	if (a->sa.sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, addr_port(a));
	else
		snprintf(buf, len, "%s:%u", host, addr_port(a));
	return buf;
}

const char *prefix_str(const struct qdes_prefix *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, &p->addr, host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(buf, len, "%s/%u", host, p->len);
	return buf;
}

socklen_t addr_len(const union qdes_sockaddr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in4);
}

uint16_t addr_port(const union qdes_sockaddr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port : a->in4.sin_port);
}

void addr_set_port(union qdes_sockaddr *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons(port);
	else
		a->in4.sin_port = htons(port);
}

/* Same family, address and port; IPv6 scope only where both name one */
bool addr_equal(const union qdes_sockaddr *a, const union qdes_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr)) &&
		       (!a->in6.sin6_scope_id || !b->in6.sin6_scope_id ||
			a->in6.sin6_scope_id == b->in6.sin6_scope_id);
	return false;
}

bool addr_is_multicast(const union qdes_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET)
		return IN_MULTICAST(ntohl(a->in4.sin_addr.s_addr));
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_MULTICAST(&a->in6.sin6_addr);
	return false;
}

bool addr_is_any(const union qdes_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr);
	return true;
}

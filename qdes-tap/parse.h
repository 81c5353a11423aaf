/* SPDX-License-Identifier: GPL-2.0-or-later */
/* parse.h - Parsers of configuration values: check one value and say what is wrong with it */
#ifndef QDES_PARSE_H
#define QDES_PARSE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "ether.h"
#include "proto.h"

/*
 * Every parser takes the value as the user wrote it and writes its result only on success, so a
 * bad value leaves the configuration as it was. On error it returns -1 with @err holding
 * "invalid value 'VALUE' (expected ...)": the caller prefixes where the value came from.
 */

/* The longest lists of peers and of addresses a value may hold */
#define PARSE_MAX_ADDRS 16
#define PARSE_MAX_PEERS 32

/* The most static FDB entries a configuration gives (fdb =) */
#define PARSE_MAX_FDB 256
#define PARSE_ERRLEN  256

/* A static FDB entry: @mac is behind the member at @dst */
struct parse_fdb {
	uint8_t mac[ETH_ALEN_];
	union qdes_sockaddr dst;
};

/* Longest piece of a user's value quoted back in a message */
#define QUOTE_MAX 96

#define IFNAME_RULE	"an interface name: 1 to 15 characters, no '/', ':', '%' or spaces"
#define IFNAME_EXPECTED "expected " IFNAME_RULE

const char *parse_quote(const char *s, char buf[QUOTE_MAX + 4]);
int parse_invalid(char *err, size_t errlen, const char *value, const char *expected);

int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int parse_range(const char *s, unsigned long min, unsigned long max, unsigned long *out, char *err,
		size_t errlen);
bool parse_ifname_valid(const char *s);
int parse_ifname(char dst[IFNAMSIZ], const char *s, char *err, size_t errlen);
int parse_netns(char *dst, size_t size, const char *s, char *err, size_t errlen);
int parse_user(char *dst, size_t size, const char *s, char *err, size_t errlen);
size_t parse_encap_names(char *buf, size_t len);
int parse_encap(enum encap_mode *dst, const char *s, char *err, size_t errlen);
int parse_group(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen);
int parse_local(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen);
int parse_mac(uint8_t dst[ETH_ALEN_], const char *s, char *err, size_t errlen);
int parse_endpoint(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen);
int parse_peers(union qdes_sockaddr *peers, unsigned int *n, const char *s, bool list, char *err,
		size_t errlen);
int parse_addresses(struct qdes_prefix *addrs, unsigned int *n, const char *s, bool list, char *err,
		    size_t errlen);
int parse_group_name(char *dst, size_t size, const char *s, char *err, size_t errlen);
int parse_socket_path(char *dst, size_t size, const char *s, char *err, size_t errlen);
int parse_file_path(char *dst, size_t size, const char *s, char *err, size_t errlen);
int parse_fdb(struct parse_fdb *v, unsigned int *n, const char *s, bool list, char *err,
	      size_t errlen);
int parse_metrics(union qdes_sockaddr *dst, const char *s, char *err, size_t errlen);
int parse_log_level(int *dst, const char *s, char *err, size_t errlen);
int parse_bool(bool *dst, const char *s, char *err, size_t errlen);

#endif /* QDES_PARSE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ether.h - Ethernet header constants and MAC address helpers */
#ifndef QDES_ETHER_H
#define QDES_ETHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"

#define ETH_ALEN_	 6
#define ETH_HLEN_	 14
#define VLAN_HLEN_	 4
#define ETHERTYPE_8021Q	 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define MAC_STRLEN	 18

static inline const uint8_t *eth_dst(const uint8_t *frame)
{
	return frame;
}

static inline const uint8_t *eth_src(const uint8_t *frame)
{
	return frame + ETH_ALEN_;
}

/* Group bit: broadcast and multicast destinations are flooded. */
static inline bool mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

static inline bool mac_is_zero(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN_];

	return !memcmp(mac, zero, ETH_ALEN_);
}

static inline uint16_t eth_type(const uint8_t *frame)
{
	return get_be16(frame + 12);
}

int mac_parse(const char *s, uint8_t mac[ETH_ALEN_]);
const char *mac_str(const uint8_t *mac, char buf[MAC_STRLEN]);

#endif /* QDES_ETHER_H */

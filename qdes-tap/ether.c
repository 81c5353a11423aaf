// SPDX-License-Identifier: GPL-2.0-or-later
/* ether.c - MAC address text form */

#include <stdio.h>

#include "ether.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx" (hex, either case); anything else is an error */
int mac_parse(const char *s, uint8_t mac[ETH_ALEN_])
{
	int i;

	for (i = 0; i < ETH_ALEN_; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < ETH_ALEN_ - 1 && *s++ != ':')
			return -1;
	}
	return *s ? -1 : 0;
}

const char *mac_str(const uint8_t *mac, char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

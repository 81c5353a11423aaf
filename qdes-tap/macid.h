/* SPDX-License-Identifier: GPL-2.0-or-later */
/* macid.h - A stable MAC for a TAP we create: from the machine, the segment and the name */
#ifndef QDES_MACID_H
#define QDES_MACID_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

/* /etc/machine-id: 32 lowercase hexadecimal digits */
#define MACID_MACHINE_LEN  32
#define MACID_MACHINE_PATH "/etc/machine-id"

int macid_parse_machine_id(const char *text, size_t len, char id[MACID_MACHINE_LEN + 1]);
int macid_read_machine_id(const char *path, char id[MACID_MACHINE_LEN + 1]);
int macid_derive(const char *machine_id, const char *segment, const char *netns, const char *ifname,
		 uint8_t mac[ETH_ALEN_]);

#endif /* QDES_MACID_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - The TAP device: open or create it, and the switch port it becomes */
#ifndef QDES_TAP_H
#define QDES_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "port.h"

#define TAP_ERRLEN 256

/**
 * struct tap - one TAP device
 * @fd:		queue file descriptor (non-blocking)
 * @name:	interface name
 * @created:	we created it (non-persistent: it goes away when @fd is closed)
 * @port:	its port on the switch
 * @cnt:	counters (tap_*)
 */
struct tap {
	int fd;
	uint8_t *ring;
	char name[IFNAMSIZ];
	bool created;
	struct qdes_port port;
	struct qdes_counters *cnt;
};

int tap_open(struct tap *tap, const char *name, int netns_fd, struct qdes_counters *cnt, char *err,
	     size_t errlen);
void tap_close(struct tap *tap);

/* Frames read per burst; each has its own slot, so the switch may queue them until the flush */
#define TAP_BATCH 64
/* A slot holds any frame the kernel can hand us, even after an MTU change behind our back */
#define TAP_SLOT 65536

typedef void (*tap_rx_fn)(void *arg, uint8_t *frame, size_t len);
int tap_recv(struct tap *tap, tap_rx_fn fn, void *arg);

#endif /* QDES_TAP_H */

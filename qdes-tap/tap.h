/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - The TAP device: open or create it, offloads, and the switch port it becomes */
#ifndef QDES_TAP_H
#define QDES_TAP_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "offload.h"
#include "port.h"
#include "proto.h"

#define TAP_ERRLEN 256
/* Frames read per burst; each has its own slot, so the switch may queue them until the flush */
#define TAP_BATCH 64
/* A slot holds any frame the kernel can hand us: a TCP super-frame with offloads, or a frame
 * of an MTU changed behind our back */
#define TAP_SLOT (PROTO_HEADROOM + OFFLOAD_MAX_FRAME + 34)

/**
 * struct tap - one TAP device
 * @fd:		queue file descriptor (non-blocking)
 * @ring:	TAP_BATCH receive slots of TAP_SLOT bytes
 * @vh:		the vnet header read with each slot's frame
 * @name:	interface name
 * @created:	we created it (non-persistent: it goes away when @fd is closed)
 * @offload:	IFF_VNET_HDR with checksum and TSO offloads: super-frames both ways
 * @gro:	received TCP segments being merged into one super-frame for the TAP
 * @gro_buf:	its buffer
 * @port:	its port on the switch
 * @cnt:	counters (tap_*)
 */
struct tap {
	int fd;
	uint8_t *ring;
	struct virtio_net_hdr vh[TAP_BATCH];
	char name[IFNAMSIZ];
	bool created;
	bool offload;
	struct offload_gro gro;
	uint8_t *gro_buf;
	struct qdes_port port;
	struct qdes_counters *cnt;
};

int tap_open(struct tap *tap, const char *name, int netns_fd, bool offload, bool multi_queue,
	     struct qdes_counters *cnt, char *err, size_t errlen);
void tap_close(struct tap *tap);

/* @vh: NULL for a complete frame, else the vnet header of a TCP super-frame */
typedef void (*tap_rx_fn)(void *arg, uint8_t *frame, size_t len, const struct virtio_net_hdr *vh);
int tap_recv(struct tap *tap, tap_rx_fn fn, void *arg);

#endif /* QDES_TAP_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - The TAP device: open or create it, offloads, and the switch port it becomes */
#ifndef QDES_TAP_H
#define QDES_TAP_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
 * struct tap_queue - one queue of the TAP: the worker of the same index reads and writes it
 * @fd:		queue file descriptor (non-blocking)
 * @ring:	TAP_BATCH receive slots of TAP_SLOT bytes
 * @vh:		the vnet header read with each slot's frame
 * @gro:	received TCP segments being merged into one super-frame for the TAP
 * @gro_buf:	its buffer
 */
struct tap_queue {
	int fd;
	uint8_t *ring;
	struct virtio_net_hdr vh[TAP_BATCH];
	struct offload_gro gro;
	uint8_t *gro_buf;
};

/**
 * struct tap - one TAP device, a port of the switch
 * @port:	its port (kind "tap", vital: the daemon stops when the TAP fails)
 * @name:	interface name
 * @created:	we created it (non-persistent: it goes away when the last queue is closed)
 * @offload:	IFF_VNET_HDR with checksum and TSO offloads: super-frames both ways
 * @shared:	fewer queues than workers (a port added at run time has one): @lock serialises
 *		what the workers send
 * @lock:	for @shared
 * @n_queues:	queues in @q, one per worker, or one
 * @q:		the queues
 */
struct tap {
	struct qdes_port port;
	char name[IFNAMSIZ];
	bool created;
	bool offload;
	bool shared;
	pthread_mutex_t lock;
	unsigned int n_queues;
	struct tap_queue q[];
};

struct tap *tap_open(const char *name, int netns_fd, bool offload, unsigned int n_queues, char *err,
		     size_t errlen);
int tap_share(struct tap *tap);

#endif /* QDES_TAP_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port.h - A local port of the switch: the TAP now, guest sockets later */
#ifndef QDES_PORT_H
#define QDES_PORT_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct qdes_port;

/**
 * struct port_ops - what the switch needs of a local port
 * @kind:	short name for logs ("tap", ...)
 * @send:	deliver one Ethernet frame out of the port; a failure is the port's to count.
 *		@vh is NULL for a complete frame, or the vnet header of a TCP super-frame
 *		(GSO) that the port must segment or pass on as such
 * @flush:	the end of a burst: write out what the port held back to merge (may be NULL)
 */
struct port_ops {
	const char *kind;
	void (*send)(struct qdes_port *port, const uint8_t *frame, size_t len,
		     const struct virtio_net_hdr *vh);
	void (*flush)(struct qdes_port *port);
};

/**
 * struct qdes_port - a local port
 * @ops:	its kind's operations
 * @id:		switch-wide identifier, stored in FDB entries of local MACs
 * @name:	for logs and the FDB dump
 * @priv:	the kind's own state
 */
struct qdes_port {
	const struct port_ops *ops;
	uint16_t id;
	char name[IFNAMSIZ];
	void *priv;
};

#endif /* QDES_PORT_H */

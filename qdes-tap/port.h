/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port.h - A port of the switch, whatever its kind (TAP, QEMU guest, listening socket), and the
 * table of a gateway's ports
 *
 * A port is one object: the descriptors the event loop polls for it, what to do when one is
 * ready (receive into the switch), how to send it a frame, flush and close it. The loop and the
 * switch know ports only through these operations, so a new kind of port is a new file.
 *
 * Ports belong to the gateway, not to one worker: one table per gateway, and a port's id (its
 * slot) is what FDB entries of its MACs hold, whichever worker learnt them. Any worker's switch
 * may send to any port; a port with state per worker (the TAP: one queue each) picks it by the
 * calling switch's worker index.
 */
#ifndef QDES_PORT_H
#define QDES_PORT_H

#include <linux/virtio_net.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Ports of one gateway at most: the TAP, guests, listening sockets */
#define PORT_MAX    64
#define PORT_ERRLEN 160

/* Events of a port's descriptor, as ready() is told them and events() asks for them */
#define PORT_IN	 0x1U /* readable */
#define PORT_OUT 0x2U /* writable */
#define PORT_HUP 0x4U /* the peer hung up (the loop always reports it) */

/* The daemon cannot go on without it (the TAP): its failure stops the daemon */
#define PORT_F_VITAL 0x1U

struct qdes_port;
struct qdes_counters;
struct qdes_switch;

/**
 * struct port_host - what a port may ask of whoever runs it (the event loop)
 * @add:	a listening port made a new port: give it an id and poll it. First thread only
 *		(where ready() of ports that make ports runs). Return: 0, or -1 (no room):
 *		the caller closes the new port
 * @kick:	what events() answers for @port changed: the loop asks again. Any thread
 */
struct port_host {
	int (*add)(struct port_host *h, struct qdes_port *port);
	void (*kick)(struct port_host *h, struct qdes_port *port);
};

/**
 * struct port_ops - one kind of port
 * @kind:	short name for logs ("tap", "qemu", ...)
 * @fd:		descriptor @i to poll, and in *@worker the worker that polls it; -1 past the
 *		last. Only the first worker (0) polls ports that can finish or make ports
 * @events:	what to poll descriptor @i for now (PORT_IN, PORT_OUT); NULL: PORT_IN always
 * @ready:	descriptor @i is ready for @events: receive into @sw, the polling worker's
 *		switch, closing each burst with switch_burst_end(). Return: 0, or -1 when the port
 *		is finished: its @err says why (or errno, for a vital port)
 * @send:	deliver one Ethernet frame out of the port, from the worker of switch @sw; a
 *		failure is the port's to count. @vh is NULL for a complete frame, or the vnet
 *		header of a TCP super-frame (GSO) that the port must segment or pass on as such.
 *		NULL: the port carries no frames (a listening socket)
 * @flush:	the end of @sw's burst: write out what the port held back (may be NULL)
 * @close:	release everything the port holds, the port itself included
 * @give:	before privileges are dropped: make what the port's users open (a socket file)
 *		@uid's, or -1 with @err set (may be NULL)
 * @given:	after they are dropped: warn of what the new user cannot do (may be NULL)
 */
struct port_ops {
	const char *kind;
	int (*fd)(const struct qdes_port *port, unsigned int i, unsigned int *worker);
	unsigned int (*events)(struct qdes_port *port, unsigned int i);
	int (*ready)(struct qdes_port *port, unsigned int i, unsigned int events,
		     struct qdes_switch *sw);
	void (*send)(struct qdes_port *port, struct qdes_switch *sw, const uint8_t *frame,
		     size_t len, const struct virtio_net_hdr *vh);
	void (*flush)(struct qdes_port *port, struct qdes_switch *sw);
	void (*close)(struct qdes_port *port);
	int (*give)(struct qdes_port *port, uid_t uid, gid_t gid, const char *user, char *err,
		    size_t errlen);
	void (*given)(struct qdes_port *port, const char *user);
};

/**
 * struct port_env - what a configured port is opened with
 * @mtu:	the segment's MTU
 * @cnt:	counters of worker 0, which runs ports that make ports
 */
struct port_env {
	unsigned int mtu;
	struct qdes_counters *cnt;
};

/**
 * struct port_kind - a kind of port the configuration opens by a key (qemu_socket = PATH)
 * @what:	what the value names, for the start line and messages ("qemu socket")
 * @check:	check a value, before anything is opened: 0, or -1 with @err saying what is
 *		expected ("invalid value 'V' (expected ...)")
 * @open:	open the port at start: NULL with @err set on failure
 *
 * Its key, option and help line are its row in port_kinds.h, which is all a new kind adds
 * outside its own file.
 */
struct port_kind {
	const char *what;
	int (*check)(const char *value, char *err, size_t errlen);
	struct qdes_port *(*open)(const char *value, const struct port_env *env, char *err,
				  size_t errlen);
};

/**
 * struct qdes_port - a port
 * @ops:	its kind's operations
 * @id:		its slot in the gateway's table, stored in FDB entries of its MACs
 * @flags:	PORT_F_*
 * @name:	for logs and the FDB dump
 * @where:	prefix of the lines logged about it ("qemu socket PATH: guest"), or NULL
 * @host:	the loop running it, once running
 * @err:	why it finished, once ready() returned -1 (empty: see errno)
 * @priv:	the kind's own state
 */
struct qdes_port {
	const struct port_ops *ops;
	uint16_t id;
	unsigned int flags;
	char name[IFNAMSIZ];
	const char *where;
	struct port_host *host;
	char err[PORT_ERRLEN];
	void *priv;
};

/**
 * struct port_table - a gateway's ports, by id
 * @lock:	the first worker changes the table under the write lock; the other workers hold
 *		the read lock through each burst, so a port they found stays until it ends. The
 *		first worker reads without it: nobody else writes
 * @slot:	ports by id; NULL where free
 * @end:	one past the highest slot in use: loops over the ports stop there
 */
struct port_table {
	pthread_rwlock_t lock;
	struct qdes_port *slot[PORT_MAX];
	unsigned int end;
};

int port_table_init(struct port_table *t);
void port_table_destroy(struct port_table *t);
int port_table_add(struct port_table *t, struct qdes_port *port);
void port_table_remove(struct port_table *t, struct qdes_port *port);
void port_table_rdlock(struct port_table *t);
void port_table_wrlock(struct port_table *t);
void port_table_unlock(struct port_table *t);

/* The port with id @id, or NULL */
static inline struct qdes_port *port_table_get(const struct port_table *t, unsigned int id)
{
	return id < PORT_MAX ? t->slot[id] : NULL;
}

/* The name of port @id for the FDB's listings, "?" if it has gone meanwhile */
static inline const char *port_table_name(const struct port_table *t, unsigned int id)
{
	const struct qdes_port *p = port_table_get(t, id);

	return p ? p->name : "?";
}

/* What a port wants polled on descriptor @i now */
static inline unsigned int port_events(struct qdes_port *port, unsigned int i)
{
	return port->ops->events ? port->ops->events(port, i) : PORT_IN;
}

/* Tell the loop that events() of @port changed, if it runs yet */
static inline void port_kick(struct qdes_port *port)
{
	if (port->host)
		port->host->kick(port->host, port);
}

#endif /* QDES_PORT_H */

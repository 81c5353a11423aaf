// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - The TAP device: open or create it, and the switch port it becomes */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "ether.h"
#include "netns.h"
#include "proto.h"
#include "switch.h"
#include "tap.h"

static int tap_write(struct tap *tap, struct tap_queue *q, struct qdes_counters *cnt,
		     const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	static const struct virtio_net_hdr none;
	struct iovec iov[2] = {
		{.iov_base = (void *)(vh ? vh : &none), .iov_len = sizeof(*vh)},
		{.iov_base = (void *)frame, .iov_len = len},
	};
	ssize_t n;

	do {
		n = tap->offload ? writev(q->fd, iov, 2) : write(q->fd, frame, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		CNT_INC(cnt, tap_tx_errors);
		return -1;
	}
	CNT_INC(cnt, tap_tx_frames);
	CNT_ADD(cnt, tap_tx_bytes, len);
	return 0;
}

/* The queue of the worker whose switch calls: each worker has its own */
static struct tap_queue *queue_of(struct tap *tap, const struct qdes_switch *sw)
{
	return &tap->q[sw->worker < tap->n_queues ? sw->worker : 0];
}

/* Write out the super-frame being merged on @q, if any */
static void queue_flush(struct tap *tap, struct tap_queue *q, struct qdes_counters *cnt)
{
	if (!q->gro.len)
		return;
	offload_gro_finish(&q->gro);
	if (q->gro.segs > 1)
		CNT_INC(cnt, tap_tx_gro);
	tap_write(tap, q, cnt, &q->gro.vh, q->gro.buf, q->gro.len);
	offload_gro_init(&q->gro, q->gro_buf);
}

static void tap_flush(struct qdes_port *port, struct qdes_switch *sw)
{
	struct tap *tap = port->priv;

	if (tap->shared)
		pthread_mutex_lock(&tap->lock);
	queue_flush(tap, queue_of(tap, sw), sw->cnt);
	if (tap->shared)
		pthread_mutex_unlock(&tap->lock);
}

/*
 * With offloads, in-order TCP segments of one flow are merged and written as one super-frame
 * at the end of the burst: the kernel then runs its TCP receive path once per 64 KiB, not once
 * per segment. Anything else is written as it comes, after what was merged before it.
 */
static void send_queue(struct tap *tap, struct qdes_switch *sw, const uint8_t *frame, size_t len,
		       const struct virtio_net_hdr *vh)
{
	struct tap_queue *q = queue_of(tap, sw);

	if (!tap->offload) {
		if (vh) {
			/* A super-frame cannot go to a TAP without a vnet header. */
			CNT_INC(sw->cnt, drop_offload);
			return;
		}
		tap_write(tap, q, sw->cnt, NULL, frame, len);
		return;
	}
	if (!vh) {
		if (offload_gro_add(&q->gro, frame, len))
			return;
		queue_flush(tap, q, sw->cnt);
		if (offload_gro_add(&q->gro, frame, len))
			return;
	} else {
		queue_flush(tap, q, sw->cnt);
	}
	tap_write(tap, q, sw->cnt, vh, frame, len);
}

static void tap_send(struct qdes_port *port, struct qdes_switch *sw, const uint8_t *frame,
		     size_t len, const struct virtio_net_hdr *vh)
{
	struct tap *tap = port->priv;

	if (tap->shared)
		pthread_mutex_lock(&tap->lock);
	send_queue(tap, sw, frame, len, vh);
	if (tap->shared)
		pthread_mutex_unlock(&tap->lock);
}

/*
 * Read the frames waiting on queue @q, one slot each, and hand them to the switch. Each frame
 * has PROTO_HEADROOM writable bytes in front and stays valid until the next read of the queue,
 * so datagrams can be queued and sent as one batch. A frame with a partial checksum is
 * completed here, in place; a TCP super-frame goes on with its vnet header, to be segmented
 * only where it leaves for the underlay.
 *
 * Return: frames read (at most TAP_BATCH), or -1 on a read error other than "no more"
 */
static int queue_recv(struct tap *tap, struct tap_queue *q, struct qdes_switch *sw)
{
	struct qdes_counters *cnt = sw->cnt;
	int i;

	for (i = 0; i < TAP_BATCH; i++) {
		uint8_t *frame = q->ring + (size_t)i * TAP_SLOT + PROTO_HEADROOM;
		struct virtio_net_hdr *vh = &q->vh[i];
		struct iovec iov[2] = {
			{.iov_base = vh, .iov_len = sizeof(*vh)},
			{.iov_base = frame, .iov_len = TAP_SLOT - PROTO_HEADROOM},
		};
		ssize_t n;

		if (tap->offload) {
			n = readv(q->fd, iov, 2);
			if (n >= 0 && (size_t)n < sizeof(*vh) + ETH_HLEN_) {
				CNT_INC(cnt, drop_offload);
				continue;
			}
			if (n >= 0)
				n -= (ssize_t)sizeof(*vh);
		} else {
			n = read(q->fd, frame, TAP_SLOT - PROTO_HEADROOM);
		}
		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* What a queue of a TAP whose device went away reads */
			if (errno == EBADFD)
				snprintf(tap->port.err, sizeof(tap->port.err),
					 "the interface was deleted");
			return -1;
		}
		CNT_INC(cnt, tap_rx_frames);
		CNT_ADD(cnt, tap_rx_bytes, n);
		if (!tap->offload || (!vh->flags && vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)) {
			switch_from_port(sw, &tap->port, frame, (size_t)n, NULL);
			continue;
		}
		if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			if (offload_csum_complete(vh, frame, (size_t)n))
				CNT_INC(cnt, drop_offload);
			else
				switch_from_port(sw, &tap->port, frame, (size_t)n, NULL);
			continue;
		}
		CNT_INC(cnt, tap_rx_gso);
		switch_from_port(sw, &tap->port, frame, (size_t)n, vh);
	}
	return i;
}

/* Queue @i is readable: forward up to a few bursts, each closed by one batched send */
static int tap_ready(struct qdes_port *port, unsigned int i, unsigned int events,
		     struct qdes_switch *sw)
{
	struct tap *tap = port->priv;
	int round, n;

	(void)events;
	for (round = 0; round < 4; round++) {
		n = queue_recv(tap, &tap->q[i], sw);
		switch_burst_end(sw);
		if (n < TAP_BATCH)
			return n < 0 ? -1 : 0;
	}
	return 0;
}

/* Queue @i is polled by worker @i */
static int tap_fd(const struct qdes_port *port, unsigned int i, unsigned int *worker)
{
	const struct tap *tap = port->priv;

	if (i >= tap->n_queues)
		return -1;
	*worker = i;
	return tap->q[i].fd;
}

static void tap_close(struct qdes_port *port)
{
	struct tap *tap = port->priv;
	unsigned int i;

	if (tap->shared)
		pthread_mutex_destroy(&tap->lock);
	for (i = 0; i < tap->n_queues; i++) {
		if (tap->q[i].fd >= 0)
			close(tap->q[i].fd);
		free(tap->q[i].ring);
		free(tap->q[i].gro_buf);
	}
	free(tap);
}

static const struct port_ops tap_port_ops = {
	.kind = "tap",
	.fd = tap_fd,
	.ready = tap_ready,
	.send = tap_send,
	.flush = tap_flush,
	.close = tap_close,
};

/* What we can take from the kernel: partial checksums and TCP super-frames (not UFO/USO) */
static int enable_offloads(int fd, const char *name)
{
	int hdrsz = sizeof(struct virtio_net_hdr);

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
		warn("%s: TAP offloads not available (%s): going on without", name,
		     strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Open one queue of @name (in the current namespace). With @offload, ask for the vnet header;
 * if the kernel refuses the offloads, *@offload becomes false and the queue is reopened without
 * (only for the first queue: every queue of one TAP must agree). Return: the descriptor, or -1
 */
static int open_queue(const char *name, bool *offload, bool multi_queue, bool first,
		      struct ifreq *ifr, char *err, size_t errlen)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open /dev/net/tun: %s", name, strerror(errno));
		return -1;
	}
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	ifr->ifr_flags = IFF_TAP | IFF_NO_PI | (*offload ? IFF_VNET_HDR : 0) |
			 (multi_queue ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, ifr) < 0) {
		switch (errno) {
		case EINVAL:
			snprintf(err, errlen, "%s: exists and is not a %sTAP device", name,
				 multi_queue ? "multi-queue " : "");
			break;
		case EBUSY:
			snprintf(err, errlen, "%s: TAP device is in use by another process", name);
			break;
		case EPERM:
			snprintf(err, errlen,
				 "%s: cannot create or attach TAP: %s (needs CAP_NET_ADMIN, or a "
				 "persistent TAP owned by this user)",
				 name, strerror(errno));
			break;
		default:
			snprintf(err, errlen, "%s: cannot create or attach TAP: %s", name,
				 strerror(errno));
		}
		goto fail;
	}
	if (ioctl(fd, TUNGETIFF, ifr) < 0) {
		snprintf(err, errlen, "%s: TUNGETIFF: %s", name, strerror(errno));
		goto fail;
	}
	if (*offload && enable_offloads(fd, name)) {
		if (!first) {
			snprintf(err, errlen, "%s: offloads refused on a further queue: %s", name,
				 strerror(errno));
			goto fail;
		}
		/* Still a working TAP, just without offloads: go on with plain frames. */
		close(fd);
		*offload = false;
		return open_queue(name, offload, multi_queue, first, ifr, err, errlen);
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/**
 * tap_open() - Attach to the TAP device @name, creating it if there is none
 * @name:	interface name
 * @netns_fd:	namespace the device lives in, or -1 for ours: /dev/net/tun is opened there, so
 *		the device is created (or found) in that namespace while we stay in ours
 * @offload:	ask for a vnet header and checksum/TSO offloads (falls back without, with a note)
 * @n_queues:	queues to open, one per worker: more than one makes it a multi-queue TAP
 * @err:	one line on failure
 * @errlen:	its size
 *
 * A device that already exists is persistent (a non-persistent one would be held by another
 * process, EBUSY), so it is left in place at exit; one we create disappears with our descriptor.
 *
 * Return: the TAP, a port not in any table yet, or NULL with @err set
 */
struct tap *tap_open(const char *name, int netns_fd, bool offload, unsigned int n_queues, char *err,
		     size_t errlen)
{
	struct tap *tap;
	struct ifreq ifr;
	unsigned int i;
	int saved = -1;

	tap = calloc(1, sizeof(*tap) + (size_t)n_queues * sizeof(tap->q[0]));
	if (!tap) {
		snprintf(err, errlen, "%s: cannot allocate %u TAP queues", name, n_queues);
		return NULL;
	}
	tap->n_queues = n_queues;
	for (i = 0; i < n_queues; i++)
		tap->q[i].fd = -1;
	tap->port.ops = &tap_port_ops;
	tap->port.flags = PORT_F_VITAL;
	tap->port.priv = tap;

	if (netns_fd >= 0) {
		saved = netns_enter(netns_fd);
		if (saved < 0) {
			snprintf(err, errlen, "%s: cannot enter network namespace: %s", name,
				 strerror(errno));
			goto fail;
		}
	}
	for (i = 0; i < n_queues; i++) {
		tap->q[i].fd = open_queue(name, &offload, n_queues > 1, !i, &ifr, err, errlen);
		if (tap->q[i].fd < 0)
			goto fail;
		if (!i)
			tap->created = !(ifr.ifr_flags & IFF_PERSIST);
	}
	if (saved >= 0) {
		int r = netns_leave(saved);

		saved = -1;
		if (r) {
			snprintf(err, errlen, "%s: cannot return to our network namespace: %s",
				 name, strerror(errno));
			goto fail;
		}
	}
	tap->offload = offload;
	for (i = 0; i < n_queues; i++) {
		struct tap_queue *q = &tap->q[i];

		q->ring = malloc((size_t)TAP_BATCH * TAP_SLOT);
		q->gro_buf = offload ? malloc(OFFLOAD_MAX_FRAME) : NULL;
		if (!q->ring || (offload && !q->gro_buf)) {
			snprintf(err, errlen, "%s: cannot allocate receive buffers", name);
			goto fail;
		}
		if (offload)
			offload_gro_init(&q->gro, q->gro_buf);
	}
	snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	snprintf(tap->port.name, sizeof(tap->port.name), "%s", tap->name);
	return tap;

fail:
	if (saved >= 0 && netns_leave(saved))
		snprintf(err, errlen, "%s: cannot return to our network namespace: %s", name,
			 strerror(errno));
	tap_close(&tap->port);
	return NULL;
}

/**
 * tap_share() - Let every worker send to this TAP through its one queue (a port added at run
 * time, when there are several workers: the queues of the interface are one per worker)
 * @tap:	the TAP, not running yet
 *
 * Return: 0, or -1 if the lock cannot be made
 */
int tap_share(struct tap *tap)
{
	if (pthread_mutex_init(&tap->lock, NULL))
		return -1;
	tap->shared = true;
	return 0;
}

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
#include "tap.h"

static int tap_write(struct tap *tap, const struct virtio_net_hdr *vh, const uint8_t *frame,
		     size_t len)
{
	static const struct virtio_net_hdr none;
	struct iovec iov[2] = {
		{.iov_base = (void *)(vh ? vh : &none), .iov_len = sizeof(*vh)},
		{.iov_base = (void *)frame, .iov_len = len},
	};
	ssize_t n;

	do {
		n = tap->offload ? writev(tap->fd, iov, 2) : write(tap->fd, frame, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		tap->cnt->tap_tx_errors++;
		return -1;
	}
	tap->cnt->tap_tx_frames++;
	tap->cnt->tap_tx_bytes += len;
	return 0;
}

/* Write out the super-frame being merged, if any */
static void tap_flush(struct qdes_port *port)
{
	struct tap *tap = port->priv;

	if (!tap->gro.len)
		return;
	offload_gro_finish(&tap->gro);
	if (tap->gro.segs > 1)
		tap->cnt->tap_tx_gro++;
	tap_write(tap, &tap->gro.vh, tap->gro.buf, tap->gro.len);
	offload_gro_init(&tap->gro, tap->gro_buf);
}

/*
 * With offloads, in-order TCP segments of one flow are merged and written as one super-frame
 * at the end of the burst: the kernel then runs its TCP receive path once per 64 KiB, not once
 * per segment. Anything else is written as it comes, after what was merged before it.
 */
static void tap_send(struct qdes_port *port, const uint8_t *frame, size_t len,
		     const struct virtio_net_hdr *vh)
{
	struct tap *tap = port->priv;

	if (!tap->offload) {
		if (vh) {
			/* A super-frame cannot go to a TAP without a vnet header. */
			tap->cnt->drop_offload++;
			return;
		}
		tap_write(tap, NULL, frame, len);
		return;
	}
	if (!vh) {
		if (offload_gro_add(&tap->gro, frame, len))
			return;
		tap_flush(port);
		if (offload_gro_add(&tap->gro, frame, len))
			return;
	} else {
		tap_flush(port);
	}
	tap_write(tap, vh, frame, len);
}

static const struct port_ops tap_port_ops = {
	.kind = "tap",
	.send = tap_send,
	.flush = tap_flush,
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

/**
 * tap_open() - Attach to the TAP device @name, creating it if there is none
 * @tap:	filled in
 * @name:	interface name
 * @netns_fd:	namespace the device lives in, or -1 for ours: /dev/net/tun is opened there, so
 *		the device is created (or found) in that namespace while we stay in ours
 * @offload:	ask for a vnet header and checksum/TSO offloads (falls back without, with a note)
 * @multi_queue: open one queue of a multi-queue TAP (a worker's); the first call creates it
 * @cnt:	counters
 * @err:	one line on failure
 * @errlen:	its size
 *
 * A device that already exists is persistent (a non-persistent one would be held by another
 * process, EBUSY), so it is left in place at exit; one we create disappears with our descriptor.
 *
 * Return: 0, or -1 with @err set
 */
int tap_open(struct tap *tap, const char *name, int netns_fd, bool offload, bool multi_queue,
	     struct qdes_counters *cnt, char *err, size_t errlen)
{
	struct ifreq ifr;
	int saved = -1, fd;

	memset(tap, 0, sizeof(*tap));
	tap->fd = -1;
	if (netns_fd >= 0) {
		saved = netns_enter(netns_fd);
		if (saved < 0) {
			snprintf(err, errlen, "%s: cannot enter network namespace: %s", name,
				 strerror(errno));
			return -1;
		}
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open /dev/net/tun: %s", name, strerror(errno));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0) |
			(multi_queue ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
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
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		snprintf(err, errlen, "%s: TUNGETIFF: %s", name, strerror(errno));
		goto fail;
	}
	if (offload && enable_offloads(fd, name)) {
		/* Still a working TAP, just without offloads: go on with plain frames. */
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (multi_queue ? IFF_MULTI_QUEUE : 0);
		offload = false;
		close(fd);
		fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNGETIFF, &ifr) < 0) {
			snprintf(err, errlen, "%s: cannot reattach TAP: %s", name, strerror(errno));
			goto fail;
		}
	}
	if (saved >= 0 && netns_leave(saved)) {
		saved = -1;
		snprintf(err, errlen, "%s: cannot return to our network namespace: %s", name,
			 strerror(errno));
		goto fail_noleave;
	}
	tap->ring = malloc((size_t)TAP_BATCH * TAP_SLOT);
	tap->gro_buf = offload ? malloc(OFFLOAD_MAX_FRAME) : NULL;
	if (!tap->ring || (offload && !tap->gro_buf)) {
		free(tap->ring);
		free(tap->gro_buf);
		snprintf(err, errlen, "%s: cannot allocate receive buffers", name);
		close(fd);
		return -1;
	}
	tap->fd = fd;
	tap->offload = offload;
	if (offload)
		offload_gro_init(&tap->gro, tap->gro_buf);
	tap->created = !(ifr.ifr_flags & IFF_PERSIST);
	snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	tap->cnt = cnt;
	tap->port.ops = &tap_port_ops;
	tap->port.priv = tap;
	snprintf(tap->port.name, sizeof(tap->port.name), "%s", tap->name);
	return 0;

fail:
	if (saved >= 0 && netns_leave(saved))
		snprintf(err, errlen, "%s: cannot return to our network namespace: %s", name,
			 strerror(errno));
fail_noleave:
	if (fd >= 0)
		close(fd);
	return -1;
}

void tap_close(struct tap *tap)
{
	if (tap->fd >= 0)
		close(tap->fd);
	tap->fd = -1;
	free(tap->ring);
	free(tap->gro_buf);
	tap->ring = NULL;
	tap->gro_buf = NULL;
}

/**
 * tap_recv() - Read the frames waiting on the TAP, one slot each, and hand them to @fn
 * @tap:	TAP
 * @fn:		called per frame; the frame has PROTO_HEADROOM writable bytes in front and stays
 *		valid until the next tap_recv(), so datagrams can be queued and sent as one batch
 * @arg:	for @fn
 *
 * A frame with a partial checksum is completed here, in place; a TCP super-frame goes on with
 * its vnet header, to be segmented only where it leaves for the underlay.
 *
 * Return: frames read (at most TAP_BATCH), or -1 on a read error other than "no more"
 */
int tap_recv(struct tap *tap, tap_rx_fn fn, void *arg)
{
	int i;

	for (i = 0; i < TAP_BATCH; i++) {
		uint8_t *frame = tap->ring + (size_t)i * TAP_SLOT + PROTO_HEADROOM;
		struct virtio_net_hdr *vh = &tap->vh[i];
		struct iovec iov[2] = {
			{.iov_base = vh, .iov_len = sizeof(*vh)},
			{.iov_base = frame, .iov_len = TAP_SLOT - PROTO_HEADROOM},
		};
		ssize_t n;

		if (tap->offload) {
			n = readv(tap->fd, iov, 2);
			if (n >= 0 && (size_t)n < sizeof(*vh) + ETH_HLEN_) {
				tap->cnt->drop_offload++;
				continue;
			}
			if (n >= 0)
				n -= (ssize_t)sizeof(*vh);
		} else {
			n = read(tap->fd, frame, TAP_SLOT - PROTO_HEADROOM);
		}
		if (n < 0) {
			if (errno == EINTR) {
				i--;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		tap->cnt->tap_rx_frames++;
		tap->cnt->tap_rx_bytes += (uint64_t)n;
		if (!tap->offload || (!vh->flags && vh->gso_type == VIRTIO_NET_HDR_GSO_NONE)) {
			fn(arg, frame, (size_t)n, NULL);
			continue;
		}
		if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			if (offload_csum_complete(vh, frame, (size_t)n))
				tap->cnt->drop_offload++;
			else
				fn(arg, frame, (size_t)n, NULL);
			continue;
		}
		tap->cnt->tap_rx_gso++;
		fn(arg, frame, (size_t)n, vh);
	}
	return i;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - The TAP device: open or create it, and the switch port it becomes */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "netns.h"
#include "proto.h"
#include "tap.h"

static void tap_send(struct qdes_port *port, const uint8_t *frame, size_t len)
{
	struct tap *tap = port->priv;
	ssize_t n;

	do {
		n = write(tap->fd, frame, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		tap->cnt->tap_tx_errors++;
		return;
	}
	tap->cnt->tap_tx_frames++;
	tap->cnt->tap_tx_bytes += len;
}

static const struct port_ops tap_port_ops = {
	.kind = "tap",
	.send = tap_send,
};

/**
 * tap_open() - Attach to the TAP device @name, creating it if there is none
 * @tap:	filled in
 * @name:	interface name
 * @netns_fd:	namespace the device lives in, or -1 for ours: /dev/net/tun is opened there, so
 *		the device is created (or found) in that namespace while we stay in ours
 * @cnt:	counters
 * @err:	one line on failure
 * @errlen:	its size
 *
 * A device that already exists is persistent (a non-persistent one would be held by another
 * process, EBUSY), so it is left in place at exit; one we create disappears with our descriptor.
 *
 * Return: 0, or -1 with @err set
 */
int tap_open(struct tap *tap, const char *name, int netns_fd, struct qdes_counters *cnt, char *err,
	     size_t errlen)
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		switch (errno) {
		case EINVAL:
			snprintf(err, errlen, "%s: exists and is not a TAP device", name);
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
	if (saved >= 0 && netns_leave(saved)) {
		saved = -1;
		snprintf(err, errlen, "%s: cannot return to our network namespace: %s", name,
			 strerror(errno));
		goto fail_noleave;
	}
	tap->ring = malloc((size_t)TAP_BATCH * TAP_SLOT);
	if (!tap->ring) {
		snprintf(err, errlen, "%s: cannot allocate receive buffers", name);
		close(fd);
		return -1;
	}
	tap->fd = fd;
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
	tap->ring = NULL;
}

/**
 * tap_recv() - Read the frames waiting on the TAP, one slot each, and hand them to @fn
 * @tap:	TAP
 * @fn:		called per frame; the frame has PROTO_HEADROOM writable bytes in front and stays
 *		valid until the next tap_recv(), so datagrams can be queued and sent as one batch
 * @arg:	for @fn
 *
 * Return: frames read (at most TAP_BATCH), or -1 on a read error other than "no more"
 */
int tap_recv(struct tap *tap, tap_rx_fn fn, void *arg)
{
	int i;

	for (i = 0; i < TAP_BATCH; i++) {
		uint8_t *frame = tap->ring + (size_t)i * TAP_SLOT + PROTO_HEADROOM;
		ssize_t n = read(tap->fd, frame, TAP_SLOT - PROTO_HEADROOM);

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
		fn(arg, frame, (size_t)n);
	}
	return i;
}

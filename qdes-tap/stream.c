// SPDX-License-Identifier: GPL-2.0-or-later
/* stream.c - QEMU guests on a unix stream socket (-netdev stream): one switch port per guest
 *
 * QEMU 7.2+ connects a NIC to a unix stream socket with
 *	-netdev stream,id=n0,server=off,addr.type=unix,addr.path=PATH
 * and frames travel as a 4-byte big-endian length followed by the frame, both ways (the format
 * of -netdev socket,connect= too). Every connection becomes a port of the switch.
 *
 * Receive: read as much as fits, cut out every whole frame, copy each into the arena with
 * headroom for the encapsulation (the underlay batches datagrams by pointer until its flush, so
 * frames must not move while a read is parsed), and keep a partial frame for the next read.
 * A length no NIC would send means the stream is not what we think: the guest is disconnected.
 *
 * Send: frames are framed into one output buffer per guest and written at the end of the burst
 * (the port's flush), so a burst is one write. A guest that does not read fills its buffer and
 * then loses frames (counted), as with a full NIC queue; the rest of the switch never waits.
 * A TCP super-frame from the TAP is cut into frames of the segment MTU on the way in, since a
 * QEMU stream carries no vnet header.
 *
 * Threads: the first worker polls the listener and every guest (accepts, reads, writes when
 * the socket is writable again); any worker may send to a guest (a frame from its TAP queue or
 * its socket), so the output buffer is under a mutex. A connection is removed on the first
 * worker's thread only, while no other worker is in a burst (the port table's rule).
 */

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "ether.h"
#include "log.h"
#include "offload.h"
#include "parse.h"
#include "proto.h"
#include "stream.h"
#include "switch.h"
#include "unixsock.h"

/* Frames in the arena start 8-byte aligned, as in the TAP's slots */
#define ARENA_ALIGN 8
/* Worst case of one read: every frame as short as can be, each with headroom and padding */
#define STREAM_ARENA                                                                               \
	(STREAM_RX_BUF +                                                                           \
	 STREAM_RX_BUF / (STREAM_LEN_HDR + ETH_HLEN_) * (PROTO_HEADROOM + ARENA_ALIGN))

/* Both kinds of port are polled by the first worker, on one descriptor */
static int listener_fd(const struct qdes_port *port, unsigned int i, unsigned int *worker)
{
	const struct stream_listener *l = port->priv;

	*worker = 0;
	return i ? -1 : l->fd;
}

static int stream_fd(const struct qdes_port *port, unsigned int i, unsigned int *worker)
{
	const struct stream_conn *c = port->priv;

	*worker = 0;
	return i ? -1 : c->fd;
}

static int listener_ready(struct qdes_port *port, unsigned int i, unsigned int events,
			  struct qdes_switch *sw);

static void listener_close(struct qdes_port *port)
{
	stream_unlisten(port->priv);
}

/*
 * The socket was created by root: the user's unprivileged QEMU needs it to be theirs to connect
 * (connect() wants write permission on it).
 */
static int listener_give(struct qdes_port *port, uid_t uid, gid_t gid, const char *user, char *err,
			 size_t errlen)
{
	struct stream_listener *l = port->priv;

	if (lchown(l->path, uid, gid)) {
		snprintf(err, errlen, "qemu socket %s: cannot give it to user %s: %s", l->path,
			 user, strerror(errno));
		return -1;
	}
	return 0;
}

/* The socket is removed at exit by this user now: say at once if that cannot work */
static void listener_given(struct qdes_port *port, const char *user)
{
	struct stream_listener *l = port->priv;

	unixsock_warn_dir(l->path, "qemu socket", user);
}

static const struct port_ops listener_ops = {
	.kind = "qemu-listen",
	.fd = listener_fd,
	.ready = listener_ready,
	.close = listener_close,
	.give = listener_give,
	.given = listener_given,
};

static int stream_check_path(const char *value, char *err, size_t errlen)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	char expected[64];

	if (*value && strlen(value) <= max)
		return 0;
	snprintf(expected, sizeof(expected), "expected a socket path of 1 to %zu bytes", max);
	return parse_invalid(err, errlen, value, expected);
}

static struct qdes_port *stream_open(const char *value, const struct port_env *env, char *err,
				     size_t errlen)
{
	struct stream_listener *l = stream_listen(value, env->mtu, env->cnt, err, errlen);

	return l ? &l->port : NULL;
}

/* qemu_socket = PATH (port_kinds.h) */
const struct port_kind stream_port_kind = {
	.what = "qemu socket",
	.check = stream_check_path,
	.open = stream_open,
};

/**
 * stream_listen() - Listen for guests on a unix socket
 * @path:	socket path (shorter than sun_path)
 * @mtu:	segment MTU of the guests' ports
 * @cnt:	counters of the first worker
 * @err:	one line on failure
 * @errlen:	its size
 *
 * A socket file left behind by a run that did not stop cleanly is replaced; one that another
 * process listens on, or a file that is not a socket, is an error.
 *
 * Return: the listener, a port not in any table yet, or NULL with @err set
 */
struct stream_listener *stream_listen(const char *path, unsigned int mtu, struct qdes_counters *cnt,
				      char *err, size_t errlen)
{
	struct stream_listener *l;
	int fd;

	if (unixsock_check_path(path, "qemu socket", err, errlen))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "qemu socket %s: out of memory", path);
		return NULL;
	}
	fd = unixsock_listen(path, "qemu socket", UNIXSOCK_UMASK, 16, err, errlen);
	if (fd < 0) {
		free(l);
		return NULL;
	}
	l->fd = fd;
	memcpy(l->path, path, strlen(path) + 1);
	l->mtu = mtu;
	l->cnt = cnt;
	snprintf(l->where, sizeof(l->where), "qemu socket %s: guest", path);
	l->port.ops = &listener_ops;
	l->port.priv = l;
	snprintf(l->port.name, sizeof(l->port.name), "qemu-socket");
	return l;
}

/* Stop listening, remove the socket file, free the listener (its guests stay) */
void stream_unlisten(struct stream_listener *l)
{
	if (!l)
		return;
	close(l->fd);
	unixsock_remove(l->path, "qemu socket");
	free(l);
}

static unsigned int stream_events(struct qdes_port *port, unsigned int i);
static int stream_ready(struct qdes_port *port, unsigned int i, unsigned int events,
			struct qdes_switch *sw);
static void stream_send(struct qdes_port *port, struct qdes_switch *sw, const uint8_t *frame,
			size_t len, const struct virtio_net_hdr *vh);
static void stream_flush(struct qdes_port *port, struct qdes_switch *sw);
static void stream_close(struct qdes_port *port);

static const struct port_ops stream_ops = {
	.kind = "qemu",
	.fd = stream_fd,
	.events = stream_events,
	.ready = stream_ready,
	.send = stream_send,
	.flush = stream_flush,
	.close = stream_close,
};

/**
 * stream_conn_new() - A guest port on a connected stream socket
 * @fd:		the socket, non-blocking; owned by the port from now on (closed on failure)
 * @name:	port name, for logs and the FDB dump
 * @mtu:	segment MTU
 * @cnt:	counters
 *
 * Return: the port, or NULL with errno set (ENOMEM)
 */
struct stream_conn *stream_conn_new(int fd, const char *name, unsigned int mtu,
				    struct qdes_counters *cnt)
{
	struct stream_conn *c = calloc(1, sizeof(*c));

	if (c) {
		c->in = malloc(STREAM_RX_BUF);
		c->arena = malloc(STREAM_ARENA);
		c->out = malloc(STREAM_TX_BUF);
	}
	if (!c || !c->in || !c->arena || !c->out || pthread_mutex_init(&c->lock, NULL)) {
		if (c) {
			free(c->in);
			free(c->arena);
			free(c->out);
			free(c);
		}
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	c->fd = fd;
	c->mtu = mtu;
	c->cnt = cnt;
	c->port.ops = &stream_ops;
	c->port.priv = c;
	snprintf(c->port.name, sizeof(c->port.name), "%s", name);
	return c;
}

/**
 * stream_accept() - Take one waiting connection
 * @l:		listener
 *
 * Return: the new guest port (named qemu1, qemu2, ... in order of arrival), or NULL with errno
 * set: EAGAIN when none is waiting
 */
struct stream_conn *stream_accept(struct stream_listener *l)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct stream_conn *c;
	char name[IFNAMSIZ];
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(name, sizeof(name), "qemu%u", ++l->accepted);
	c = stream_conn_new(fd, name, l->mtu, l->cnt);
	if (!c)
		return NULL;
	c->port.where = l->where;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		c->pid = cred.pid;
	return c;
}

void stream_conn_free(struct stream_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	pthread_mutex_destroy(&c->lock);
	free(c->in);
	free(c->arena);
	free(c->out);
	free(c);
}

/*
 * Guests are waiting on the listening socket: each becomes a port. A full table refuses the
 * guest (it sees its connection closed); a failed accept is logged and the listener goes on.
 */
static int listener_ready(struct qdes_port *port, unsigned int i, unsigned int events,
			  struct qdes_switch *sw)
{
	struct stream_listener *l = port->priv;
	struct stream_conn *c;

	(void)i;
	(void)events;
	(void)sw;
	for (;;) {
		c = stream_accept(l);
		if (!c) {
			if (errno != EAGAIN && errno != EINTR)
				warn("qemu socket %s: cannot accept a guest: %s", l->path,
				     strerror(errno));
			return 0;
		}
		c->port.host = port->host;
		if (!port->host || port->host->add(port->host, &c->port)) {
			warn("qemu socket %s: %s refused: all %d switch ports are taken", l->path,
			     c->port.name, PORT_MAX);
			stream_conn_free(c);
			continue;
		}
		CNT_INC(l->cnt, qemu_connected);
		notice("%s %s connected (pid %d)", l->where, c->port.name, (int)c->pid);
	}
}

/* Why the connection ended: under the lock, since a sender may set it too */
static void set_err(struct stream_conn *c, const char *why)
{
	pthread_mutex_lock(&c->lock);
	if (!c->port.err[0])
		snprintf(c->port.err, sizeof(c->port.err), "%s", why);
	pthread_mutex_unlock(&c->lock);
}

/**
 * stream_recv() - Read from a guest and hand every whole frame to @fn
 * @c:		guest port
 * @fn:		called per frame; the frame has PROTO_HEADROOM writable bytes in front and stays
 *		valid until the next call on @c
 * @arg:	passed to @fn
 *
 * Frames shorter than an Ethernet header or longer than the segment allows are dropped and
 * counted (drop_short, drop_oversize), their bytes skipped.
 *
 * Return: frames handed over (0: nothing to read now), or -1 when the connection is over: the
 * guest closed it, it failed, or the stream is not QEMU's framing (@c->port.err says which)
 */
int stream_recv(struct stream_conn *c, stream_rx_fn fn, void *arg)
{
	size_t off = 0, used = 0, max = (size_t)c->mtu + ETH_HLEN_ + 4;
	int frames = 0;
	ssize_t n;

	/* A write failed since the last read: the connection is over */
	pthread_mutex_lock(&c->lock);
	n = c->port.err[0] ? -1 : 0;
	pthread_mutex_unlock(&c->lock);
	if (n)
		return -1;
	n = read(c->fd, c->in + c->in_len, STREAM_RX_BUF - c->in_len);
	if (n == 0) {
		set_err(c, "closed by the guest");
		return -1;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		set_err(c, strerror(errno));
		return -1;
	}
	c->in_len += (size_t)n;

	for (;;) {
		size_t avail = c->in_len - off;
		uint32_t len;
		uint8_t *frame;

		if (c->skip) {
			size_t k = c->skip < avail ? c->skip : avail;

			off += k;
			c->skip -= k;
			if (c->skip)
				break;
			continue;
		}
		if (avail < STREAM_LEN_HDR)
			break;
		len = get_be32(c->in + off);
		if (len > STREAM_MAX_LEN) {
			char msg[64];

			snprintf(msg, sizeof(msg), "frame length %u: not QEMU's framing", len);
			set_err(c, msg);
			return -1;
		}
		if (len < ETH_HLEN_ || len > max) {
			/* Dropped unread: it may be longer than the buffer */
			if (len < ETH_HLEN_)
				CNT_INC(c->cnt, drop_short);
			else
				CNT_INC(c->cnt, drop_oversize);
			off += STREAM_LEN_HDR;
			c->skip = len;
			continue;
		}
		if (avail < STREAM_LEN_HDR + len)
			break;
		frame = c->in + off + STREAM_LEN_HDR;
		off += STREAM_LEN_HDR + len;
		/* MTU + 14 bytes, 4 more only with an 802.1Q tag */
		if (len > proto_max_frame(c->mtu, frame, len)) {
			CNT_INC(c->cnt, drop_oversize);
			continue;
		}
		memcpy(c->arena + used + PROTO_HEADROOM, frame, len);
		frame = c->arena + used + PROTO_HEADROOM;
		used += (PROTO_HEADROOM + len + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		CNT_INC(c->cnt, qemu_rx_frames);
		CNT_ADD(c->cnt, qemu_rx_bytes, len);
		frames++;
		fn(arg, c, frame, len);
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	return frames;
}

/* Output waits for the socket (or no longer does): the loop asks events() again. Under lock */
static void set_want(struct stream_conn *c, bool want)
{
	if (c->want_write == want)
		return;
	__atomic_store_n(&c->want_write, want, __ATOMIC_RELAXED);
	port_kick(&c->port);
}

static unsigned int stream_events(struct qdes_port *port, unsigned int i)
{
	struct stream_conn *c = port->priv;

	(void)i;
	return PORT_IN | (__atomic_load_n(&c->want_write, __ATOMIC_RELAXED) ? PORT_OUT : 0);
}

/* Room for @need more bytes of output, moving what is waiting to the front if that helps */
static bool out_room(struct stream_conn *c, size_t need)
{
	if (STREAM_TX_BUF - c->out_len >= need)
		return true;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return STREAM_TX_BUF - c->out_len >= need;
}

/*
 * Queue one frame. A frame with a vnet header (from a TAP with offloads) is cut into frames of
 * the segment MTU, its checksums completed, straight into the output buffer: each segment is
 * laid out behind a 4-byte "encapsulation" that is then filled in with its length.
 */
static void queue_frame(struct stream_conn *c, struct qdes_counters *cnt, const uint8_t *frame,
			size_t len, const struct virtio_net_hdr *vh)
{
	static const uint8_t no_len[STREAM_LEN_HDR];
	struct offload_segs res;
	size_t off, seg, max = (size_t)c->mtu + ETH_HLEN_;
	unsigned int i;

	if (!vh) {
		if (len > proto_max_frame(c->mtu, frame, len) ||
		    !out_room(c, STREAM_LEN_HDR + len)) {
			CNT_INC(cnt, qemu_tx_errors);
			return;
		}
		put_be32(c->out + c->out_len, (uint32_t)len);
		memcpy(c->out + c->out_len + STREAM_LEN_HDR, frame, len);
		c->out_len += STREAM_LEN_HDR + len;
		CNT_INC(cnt, qemu_tx_frames);
		CNT_ADD(cnt, qemu_tx_bytes, len);
		return;
	}
	/* A super-frame becomes at most ~64 KiB of segments plus their headers */
	out_room(c, STREAM_TX_BUF / 2);
	if (offload_tso_segment(vh, frame, len, no_len, STREAM_LEN_HDR, 0, max, c->out + c->out_len,
				STREAM_TX_BUF - c->out_len, &res)) {
		CNT_INC(cnt, qemu_tx_errors);
		return;
	}
	for (i = 0, off = 0; i < res.n; i++, off += seg) {
		seg = i + 1 < res.n ? res.stride : res.total - off;
		put_be32(c->out + c->out_len + off, (uint32_t)(seg - STREAM_LEN_HDR));
		CNT_INC(cnt, qemu_tx_frames);
		CNT_ADD(cnt, qemu_tx_bytes, seg - STREAM_LEN_HDR);
	}
	c->out_len += res.total;
}

/* Frames count into the sending worker's counters */
static void stream_send(struct qdes_port *port, struct qdes_switch *sw, const uint8_t *frame,
			size_t len, const struct virtio_net_hdr *vh)
{
	struct stream_conn *c = port->priv;

	pthread_mutex_lock(&c->lock);
	if (c->fd >= 0 && !c->port.err[0])
		queue_frame(c, sw->cnt, frame, len, vh);
	pthread_mutex_unlock(&c->lock);
}

/* stream_write(), @c locked */
static int write_locked(struct stream_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			snprintf(c->port.err, sizeof(c->port.err), "%s", strerror(errno));
			c->out_off = c->out_len = 0;
			set_want(c, false);
			return -1;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	set_want(c, c->out_len > 0);
	return 0;
}

/**
 * stream_write() - Write out what is queued, as far as the socket takes it
 * @c:		guest port
 *
 * What the socket does not take now stays queued, and the loop is told (the port's kick) to
 * poll for writability, and call again then.
 *
 * Return: 0, or -1 if the connection failed (@c->port.err set; what was queued is dropped)
 */
int stream_write(struct stream_conn *c)
{
	int r;

	pthread_mutex_lock(&c->lock);
	r = write_locked(c);
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* The end of a burst: one write for everything queued; a failure shows at the next read */
static void stream_flush(struct qdes_port *port, struct qdes_switch *sw)
{
	struct stream_conn *c = port->priv;

	(void)sw;
	pthread_mutex_lock(&c->lock);
	if (c->out_len > c->out_off && !c->port.err[0])
		write_locked(c);
	pthread_mutex_unlock(&c->lock);
}

static void on_frame(void *arg, struct stream_conn *c, uint8_t *frame, size_t len)
{
	switch_from_port(arg, &c->port, frame, len, NULL);
}

/*
 * The guest's socket is ready: write out what waits if it is writable; if readable, forward
 * up to a few reads' worth of frames, each read closed by one batched send (its frames live in
 * the arena until the next read).
 */
static int stream_ready(struct qdes_port *port, unsigned int i, unsigned int events,
			struct qdes_switch *sw)
{
	struct stream_conn *c = port->priv;
	int round, n = 0;

	(void)i;
	if ((events & PORT_OUT) && stream_write(c))
		return -1;
	if (!(events & (PORT_IN | PORT_HUP)))
		return 0;
	for (round = 0; round < 4; round++) {
		n = stream_recv(c, on_frame, sw);
		switch_burst_end(sw);
		if (n <= 0)
			break;
	}
	return n < 0 ? -1 : 0;
}

/* The first worker's thread, once no other worker can be sending (the table's rule) */
static void stream_close(struct qdes_port *port)
{
	struct stream_conn *c = port->priv;

	CNT_INC(c->cnt, qemu_disconnected);
	stream_conn_free(c);
}

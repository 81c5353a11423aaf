/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.h - QEMU guests on a unix stream socket (-netdev stream): one switch port per guest */
#ifndef QDES_STREAM_H
#define QDES_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "counters.h"
#include "port.h"

/* Each frame on the stream is preceded by its length: 4 bytes, big endian (QEMU's format) */
#define STREAM_LEN_HDR 4
/* Longer than any frame a QEMU NIC sends without a vnet header: a length beyond this is a broken
 * or foreign stream, not a frame, and ends the connection */
#define STREAM_MAX_LEN 65550
/* Bytes read per call: several frames, and always room for one whole frame */
#define STREAM_RX_BUF (128 * 1024)
/* Frames queued for a guest that has not read them yet; beyond this they are dropped, as a full
 * NIC queue would */
#define STREAM_TX_BUF (512 * 1024)

/**
 * struct stream_listener - the listening socket guests connect to: a port that makes ports
 * @port:	its port (kind "qemu-listen"; carries no frames)
 * @fd:		listening socket
 * @path:	its path name
 * @accepted:	connections so far (names the ports: qemu1, qemu2, ...)
 * @mtu:	segment MTU of the guests' ports
 * @cnt:	counters of the first worker, which polls the listener and its guests
 * @where:	"qemu socket PATH: guest", the prefix of lines logged about its guests
 */
struct stream_listener {
	struct qdes_port port;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int accepted;
	unsigned int mtu;
	struct qdes_counters *cnt;
	char where[sizeof(((struct sockaddr_un *)0)->sun_path) + 24];
};

/**
 * struct stream_conn - one connected guest, a port of the switch
 * @port:	its switch port (kind "qemu", name qemuN; why it ended in @port.err)
 * @fd:		connected socket (non-blocking)
 * @pid:	the guest's process, from SO_PEERCRED (0: unknown)
 * @mtu:	segment MTU: longer frames (beyond MTU + 14, +4 with 802.1Q) are dropped both ways
 * @in:		STREAM_RX_BUF bytes read, not parsed yet: a partial frame stays at the front
 * @in_len:	bytes in @in
 * @skip:	bytes still to discard of an oversize frame
 * @arena:	frames handed to the switch, each with PROTO_HEADROOM in front: they stay valid
 *		until the next stream_recv(), so the underlay may batch them
 * @cnt:	counters of receiving (qemu_rx_*, drop_short, drop_oversize): the first worker's,
 *		which reads from the guest; a sender counts into its own worker's
 * @lock:	any worker may send to the guest: the output and @port.err are under it
 * @out:	STREAM_TX_BUF bytes framed for the guest
 * @out_off:	the first byte not written yet
 * @out_len:	the end of what is queued
 * @want_write:	output is waiting for the socket to become writable (events() says so)
 */
struct stream_conn {
	struct qdes_port port;
	int fd;
	pid_t pid;
	unsigned int mtu;
	uint8_t *in;
	size_t in_len;
	size_t skip;
	uint8_t *arena;
	struct qdes_counters *cnt;
	pthread_mutex_t lock;
	uint8_t *out;
	size_t out_off;
	size_t out_len;
	bool want_write;
};

struct stream_listener *stream_listen(const char *path, unsigned int mtu, struct qdes_counters *cnt,
				      char *err, size_t errlen);
void stream_unlisten(struct stream_listener *l);
struct stream_conn *stream_accept(struct stream_listener *l);
struct stream_conn *stream_conn_new(int fd, const char *name, unsigned int mtu,
				    struct qdes_counters *cnt);
void stream_conn_free(struct stream_conn *c);

typedef void (*stream_rx_fn)(void *arg, struct stream_conn *c, uint8_t *frame, size_t len);
int stream_recv(struct stream_conn *c, stream_rx_fn fn, void *arg);
int stream_write(struct stream_conn *c);

#endif /* QDES_STREAM_H */

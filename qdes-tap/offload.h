/* SPDX-License-Identifier: GPL-2.0-or-later */
/* offload.h - TCP segmentation and coalescing for TAP offloads (vnet header): pure, no I/O */
#ifndef QDES_OFFLOAD_H
#define QDES_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The vnet header we ask the TAP for (TUNSETVNETHDRSZ): the plain 10-byte one */
#define OFFLOAD_VNET_HDR_LEN sizeof(struct virtio_net_hdr)
/* The largest super-frame the kernel hands a TAP reader or takes from a writer */
#define OFFLOAD_MAX_FRAME 65550

/**
 * struct offload_segs - where offload_tso_segment() put the datagrams
 * @n:		number of datagrams
 * @stride:	length of every datagram but the last (the UDP GSO segment size)
 * @total:	bytes in all datagrams together, laid out back to back from the output start
 */
struct offload_segs {
	unsigned int n;
	size_t stride;
	size_t total;
};

uint16_t offload_csum_fold(uint32_t sum);
uint32_t offload_csum_partial(const void *buf, size_t len, uint32_t sum);

int offload_csum_complete(const struct virtio_net_hdr *vh, uint8_t *frame, size_t len);

int offload_tso_segment(const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len,
			const uint8_t *encap, size_t encap_len, size_t tail, size_t max_frame,
			uint8_t *out, size_t out_size, struct offload_segs *res);

/**
 * struct offload_gro - one TCP super-frame being built from received segments
 * @buf:	OFFLOAD_MAX_FRAME bytes of the caller's: the super-frame (no vnet header)
 * @len:	bytes in @buf, 0 when empty
 * @vh:		the vnet header to write in front of it, valid after offload_gro_finish()
 * @segs:	segments merged so far
 * (the rest is internal state: header offsets, payload size of the first segment, next
 * sequence number, address family, and whether a short or PSH segment ended the run)
 */
struct offload_gro {
	uint8_t *buf;
	size_t len;
	struct virtio_net_hdr vh;
	unsigned int segs;
	/* internal */
	size_t l3_off, l4_off, hdr_len, mss;
	uint32_t next_seq;
	int family;
	bool closed;
};

void offload_gro_init(struct offload_gro *g, uint8_t *buf);
bool offload_gro_add(struct offload_gro *g, const uint8_t *frame, size_t len);
void offload_gro_finish(struct offload_gro *g);

#endif /* QDES_OFFLOAD_H */

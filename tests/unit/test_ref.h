/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_ref.h - A reference Internet checksum for the unit tests, sharing nothing with offload.c */
#ifndef QDES_TEST_REF_H
#define QDES_TEST_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"

/* RFC 1071 the plain way: 16-bit big-endian byte pairs into a 64-bit accumulator */
static inline uint64_t ref_add(uint64_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint64_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint64_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t ref_fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * The pseudo-header of the IP header at @f + @l3 for @l4len bytes of protocol @proto, written
 * out as bytes and summed
 */
static inline uint64_t ref_pseudo(const uint8_t *f, size_t l3, bool v6, size_t l4len,
				  uint8_t proto)
{
	uint8_t ph[40] = {0};

	if (v6) {
		memcpy(ph, f + l3 + 8, 32);
		put_be32(ph + 32, (uint32_t)l4len);
		ph[39] = proto;
		return ref_add(0, ph, 40);
	}
	memcpy(ph, f + l3 + 12, 8);
	ph[9] = proto;
	put_be16(ph + 10, (uint16_t)l4len);
	return ref_add(0, ph, 12);
}

#endif /* QDES_TEST_REF_H */

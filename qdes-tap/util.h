/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - Small helpers every module may use */
#ifndef QDES_UTIL_H
#define QDES_UTIL_H

#include <stdint.h>
#include <time.h>

/* Number of elements of an array (not a pointer) */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Monotonic ms: the clock libuv's uv_now() reads, so times taken outside the loop (FDB entries
 * made at start or by a reload) compare with its own */
static inline uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* QDES_UTIL_H */

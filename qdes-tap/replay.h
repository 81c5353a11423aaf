/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay.h - Anti-replay sliding window over 64-bit datagram counters (RFC 6479) */
#ifndef QDES_REPLAY_H
#define QDES_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

/* Bits kept; the last word is the one being filled, so REPLAY_WINDOW counters behind the newest
 * are always judged exactly */
#define REPLAY_WORDS  32
#define REPLAY_BITS   (REPLAY_WORDS * 64)
#define REPLAY_WINDOW (REPLAY_BITS - 64)

/**
 * struct replay - which counters of one sender session were accepted
 * @top:	the highest counter accepted
 * @bits:	a ring of bits, counter c at bit c % REPLAY_BITS, valid from @top - REPLAY_WINDOW
 * @any:	a counter was accepted (else @top means nothing)
 */
struct replay {
	uint64_t top;
	uint64_t bits[REPLAY_WORDS];
	bool any;
};

void replay_init(struct replay *r);
bool replay_fresh(const struct replay *r, uint64_t ctr);
void replay_accept(struct replay *r, uint64_t ctr);

#endif /* QDES_REPLAY_H */

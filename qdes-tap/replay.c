// SPDX-License-Identifier: GPL-2.0-or-later
/* replay.c - Anti-replay sliding window over 64-bit datagram counters (RFC 6479)
 *
 * A datagram is checked (replay_fresh()) before it is opened and recorded (replay_accept()) only
 * once it authenticated, so a forged datagram never moves the window. The window is a ring of
 * words: moving it forward clears whole words, never shifts bits, so a jump costs at most
 * REPLAY_WORDS stores and an in-order datagram one. A counter more than REPLAY_WINDOW behind
 * the newest is refused as too old: 1984 datagrams of reordering are tolerated, well beyond what
 * a GSO batch (64) and a second worker cause.
 */

#include <string.h>

#include "replay.h"

void replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

static uint64_t *word(struct replay *r, uint64_t ctr)
{
	return &r->bits[(ctr / 64) % REPLAY_WORDS];
}

/**
 * replay_fresh() - Whether @ctr may be accepted: newer than the newest, or inside the window and
 *		    not seen
 * @r:		window
 * @ctr:	counter of a received datagram
 *
 * Return: true if it is neither a replay nor too old
 */
bool replay_fresh(const struct replay *r, uint64_t ctr)
{
	if (!r->any || ctr > r->top)
		return true;
	if (r->top - ctr > REPLAY_WINDOW)
		return false;
	return !(r->bits[(ctr / 64) % REPLAY_WORDS] & (1ULL << (ctr % 64)));
}

/**
 * replay_accept() - Record @ctr, which replay_fresh() allowed and which authenticated
 * @r:		window
 * @ctr:	its counter
 */
void replay_accept(struct replay *r, uint64_t ctr)
{
	if (!r->any) {
		r->any = true;
		r->top = ctr;
	} else if (ctr > r->top) {
		uint64_t from = r->top / 64, to = ctr / 64, w;

		/* The words the window now moves over held counters REPLAY_BITS older */
		if (to - from >= REPLAY_WORDS)
			memset(r->bits, 0, sizeof(r->bits));
		else
			for (w = from + 1; w <= to; w++)
				r->bits[w % REPLAY_WORDS] = 0;
		r->top = ctr;
	}
	*word(r, ctr) |= 1ULL << (ctr % 64);
}

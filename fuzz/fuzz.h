/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - What every libFuzzer harness of fuzz/ shares: its entry point and invariant checks */
#ifndef QDES_FUZZ_H
#define QDES_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: abort() is what libFuzzer reports as a finding, with the input saved */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#endif /* QDES_FUZZ_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz.h - What every libFuzzer harness of fuzz/ shares: its entry point and invariant checks */
#ifndef QDES_FUZZ_H
#define QDES_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: abort() is what libFuzzer reports as a finding, with the input saved */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

/*
 * argv from the input, as wireguard-tools' fuzzers build it: a copy of the input (freed by the
 * caller), each NUL-terminated piece one argument after argv[0], at most @max of them.
 * Return: argc
 */
static inline int fuzz_argv(const uint8_t *data, size_t size, char **argv, int max, char **buf)
{
	size_t i, start = 0;
	int argc = 1;

	*buf = malloc(size + 1);
	CHECK(*buf);
	memcpy(*buf, data, size);
	(*buf)[size] = '\0';
	argv[0] = "qdes-tap";
	for (i = 0; i <= size && argc <= max; i++) {
		if ((*buf)[i])
			continue;
		argv[argc++] = *buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;
	return argc;
}

#endif /* QDES_FUZZ_H */

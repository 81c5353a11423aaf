// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_cli.c - libFuzzer harness of the command line: argv from the input, split at NUL bytes
 *
 * As wireguard-tools' fuzzers do for their parsers: each NUL-terminated piece of the input is
 * one argument (at most 32), after argv[0]. Arguments that would read a file (-c, --config and
 * its abbreviations) are left out, so the harness reads only what it is given; the ini reader
 * has fuzz_config. The invariants are fuzz_config_common.h's.
 */

#include <stdint.h>

#include "fuzz_config_common.h"

#define MAX_ARGS 32

/* -c, a cluster holding c (-vc), or a prefix of --config */
static int reads_file(const char *a)
{
	if (a[0] != '-')
		return 0;
	if (a[1] != '-')
		return strchr(a, 'c') != NULL;
	return a[2] && !strncmp(a + 2, "config", strcspn(a + 2, "="));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf;
	int argc = fuzz_argv(data, size, argv, MAX_ARGS, &buf), i;

	for (i = 1; i < argc; i++) {
		if (reads_file(argv[i])) {
			free(buf);
			return 0;
		}
	}
	check_config(argc, argv);
	free(buf);
	return 0;
}

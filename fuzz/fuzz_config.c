// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_config.c - libFuzzer harness of the ini reader: the input is the file given to -c
 *
 * The input is written to one memory file (memfd), read as "qdes-tap -c /proc/self/fd/N", then
 * "-c FILE -i qdes0" (a chosen section); the invariants are fuzz_config_common.h's.
 */

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_config_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz_config.ini", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(!ftruncate(fd, 0));
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	{
		char *one[] = {"qdes-tap", "-c", path, NULL};
		char *sec[] = {"qdes-tap", "-c", path, "-i", "qdes0", NULL};

		check_config(3, one);
		check_config(5, sec);
	}
	return 0;
}

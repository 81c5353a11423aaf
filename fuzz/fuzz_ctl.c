// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ctl.c - libFuzzer harness of the control protocol: the JSON request and the client's words
 *
 * The first byte picks the parser: even, the daemon's request line (the rest of the input, as a
 * client could send it); odd, the client's command line (the rest split at NUL bytes, as
 * fuzz_cli does). Invariants: a request either parses, and then its request line, as the client
 * would write it, parses back to the very same request; or it is refused with one non-empty
 * line. No input makes either parser read or write out of bounds, leak, or take long.
 */

#include <string.h>

#include "ctl_proto.h"
#include "fuzz.h"

#define MAX_ARGS 32

static void check_error(const char *err)
{
	CHECK(err[0]);
	CHECK(!strchr(err, '\n'));
}

/* What parsed must survive the trip the client makes it take: request line, then the daemon */
static void check_roundtrip(const struct ctl_req *req)
{
	char line[CTL_REQ_MAX], err[CTL_ERRLEN];
	struct ctl_req back;
	int n = ctl_request_line(req, line, sizeof(line));

	CHECK(n > 0 && line[n - 1] == '\n' && strlen(line) == (size_t)n);
	CHECK(!memchr(line, '\n', (size_t)n - 1));
	CHECK(!ctl_parse_request(&back, line, (size_t)n - 1, err, sizeof(err)));
	CHECK(!memcmp(&back, req, sizeof(back)));
}

static void fuzz_request(const uint8_t *data, size_t size)
{
	char err[CTL_ERRLEN] = "";
	struct ctl_req req;

	if (ctl_parse_request(&req, (const char *)data, size, err, sizeof(err)))
		check_error(err);
	else
		check_roundtrip(&req);
}

static void fuzz_args(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf, err[CTL_ERRLEN] = "";
	int argc = fuzz_argv(data, size, argv, MAX_ARGS, &buf);
	struct ctl_cli cli;

	(void)ctl_is_client(argc, argv);
	if (ctl_parse_args(&cli, argc, argv, err, sizeof(err)))
		check_error(err);
	else if (!cli.help)
		check_roundtrip(&cli.req);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_args(data + 1, size - 1);
	else
		fuzz_request(data + 1, size - 1);
	return 0;
}

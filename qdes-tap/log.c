// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - The one logging API: levels, stderr or syslog, rate limiting */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static struct {
	const char *ident;
	int level;
	bool use_syslog;
} log_state = {"qdes-tap", LOG_LVL_NOTICE, false};

void log_init(const char *ident, int level, bool use_syslog)
{
	log_state.ident = ident;
	log_state.level = level;
	log_state.use_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

/* Workers read the level while a reload may set it: relaxed atomics, any recent value will do */
int log_get_level(void)
{
	return __atomic_load_n(&log_state.level, __ATOMIC_RELAXED);
}

void log_set_level(int level)
{
	__atomic_store_n(&log_state.level, level, __ATOMIC_RELAXED);
}

__attribute__((format(printf, 2, 0))) static void log_line(int level, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_state.use_syslog)
		syslog(level, "%s", line);
	else
		fprintf(stderr, "%s: %s\n", log_state.ident, line);
}

/* One line per message: "qdes-tap: <message>" on stderr, so tests and journald read it whole */
void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_get_level())
		return;
	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

/* What the user asked for (the SIGUSR1 dump): printed whatever the level, as a notice */
void log_always(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(LOG_LVL_NOTICE, fmt, ap);
	va_end(ap);
}

/**
 * ratelimit_ok() - May one more message be printed now?
 * @rl:		limiter state
 * @now_ms:	monotonic time
 *
 * Return: true if within the burst of this interval; suppressed messages are counted and
 * reported with the first message of the next interval.
 */
bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ms)
{
	if (now_ms - rl->begin >= rl->interval_ms) {
		if (rl->missed)
			warn("%u messages suppressed", rl->missed);
		rl->begin = now_ms;
		rl->printed = 0;
		rl->missed = 0;
	}
	if (rl->printed < rl->burst) {
		rl->printed++;
		return true;
	}
	rl->missed++;
	return false;
}

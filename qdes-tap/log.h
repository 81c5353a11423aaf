/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - The one logging API: levels, stderr or syslog, rate limiting */
#ifndef QDES_LOG_H
#define QDES_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* syslog(3) priorities, so a message keeps its level when it goes there */
enum log_level {
	LOG_LVL_ERR = LOG_ERR,
	LOG_LVL_WARN = LOG_WARNING,
	LOG_LVL_NOTICE = LOG_NOTICE,
	LOG_LVL_INFO = LOG_INFO,
	LOG_LVL_DEBUG = LOG_DEBUG,
};

void log_init(const char *ident, int level, bool use_syslog);
int log_get_level(void);
void log_set_level(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define err(...)    log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define warn(...)   log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define info(...)   log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define debug(...)                                                                                 \
	do {                                                                                       \
		if (log_get_level() >= LOG_LVL_DEBUG)                                              \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/**
 * struct ratelimit - at most @burst messages per @interval_ms, then count the rest
 */
struct ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	uint64_t begin;
	unsigned int printed;
	unsigned int missed;
};

#define RATELIMIT_INIT(ms, n)                                                                      \
	{                                                                                          \
		.interval_ms = (ms), .burst = (n)                                                  \
	}

bool ratelimit_ok(struct ratelimit *rl, uint64_t now_ms);

#endif /* QDES_LOG_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config_opts.h - The option table's rows, for config.c (command line, --help) and ini.c (keys) */
#ifndef QDES_CONFIG_OPTS_H
#define QDES_CONFIG_OPTS_H

enum opt_id {
	OPT_CONFIG,
	OPT_INTERFACE,
	OPT_GROUP,
	OPT_PEER,
	OPT_NETWORK_ID,
	OPT_ENCAP,
	OPT_ADDRESS,
	OPT_MAC,
	OPT_MTU,
	OPT_LOCAL,
	OPT_DEV,
	OPT_PORT,
	OPT_TTL,
	OPT_AGEING,
	OPT_MAX_ENTRIES,
	OPT_NETNS,
	OPT_BRIDGE,
	OPT_QEMU_SOCKET,
	OPT_OFFLOAD,
	OPT_WORKERS,
	OPT_USER,
	OPT_LOG_LEVEL,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_SYSLOG,
	OPT_HELP,
	OPT_VERSION,
};

/* Only in [global]: they concern the process, not one interface */
#define OPT_GLOBAL_ONLY 1U

/**
 * struct config_opt - one option, as ini key, command-line option and help line
 * @id:		what it sets
 * @key:	ini key, NULL: command line only
 * @name:	long option
 * @short_opt:	short option, 0: long only
 * @arg:	argument name on the command line, NULL: a flag without argument
 * @min:	smallest value of an integer
 * @max:	largest value of an integer (0: not an integer)
 * @flags:	OPT_GLOBAL_ONLY
 * @help:	one line for --help
 * @help_fn:	writes that line instead, from tables kept elsewhere (the encapsulations)
 */
struct config_opt {
	enum opt_id id;
	const char *key;
	const char *name;
	char short_opt;
	const char *arg;
	unsigned long min, max;
	unsigned int flags;
	const char *help;
	void (*help_fn)(char *buf, size_t len);
};

/*
 * The table itself, config_opts[], stays in config.c: ini.c only looks keys up in it, to refuse
 * unknown keys, and [global]-only keys elsewhere, in every section of the file.
 */
const struct config_opt *config_opt_by_key(const char *key);

#endif /* QDES_CONFIG_OPTS_H */

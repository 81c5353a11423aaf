/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ini.h - Reading an ini file of [global] and interface sections as (section, key, value) */
#ifndef QDES_INI_H
#define QDES_INI_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest message of ini_read() and of its callback */
#define INI_ERRLEN 512

/* The section a message suggests when the file has none */
#define INI_EXAMPLE_SECTION "qdes0"

/**
 * enum ini_pass - why a key is handed over
 * @INI_CHECK:	every key of every section, to refuse what is wrong anywhere in the file
 * @INI_APPLY:	the keys of [global], then of the chosen section, to be applied in that order
 */
enum ini_pass {
	INI_CHECK,
	INI_APPLY,
};

/**
 * struct ini_key - one key of the file
 * @section:	its section's name as written
 * @key:	the key, as written
 * @value:	its value, unquoted
 * @global:	the section is [global]
 */
struct ini_key {
	const char *section;
	const char *key;
	const char *value;
	bool global;
};

/* Return 0, or -1 with @err saying what is wrong with the key (ini_read() adds where) */
typedef int (*ini_key_fn)(void *ctx, enum ini_pass pass, const struct ini_key *k, char *err,
			  size_t errlen);

int ini_read(const char *path, const char *section, ini_key_fn fn, void *ctx, char name[IFNAMSIZ],
	     char *err, size_t errlen);

#endif /* QDES_INI_H */

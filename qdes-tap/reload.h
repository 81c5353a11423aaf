/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload.h - reload and SIGHUP: read the configuration again, apply what can change live */
#ifndef QDES_RELOAD_H
#define QDES_RELOAD_H

#include <jansson.h>

#include "config.h"

struct gateway;

/**
 * struct reload - what a reload reads and changes
 * @argc:	the daemon's command line, read again over the file
 * @argv:	its arguments
 * @cfg:	the running configuration, updated with what is applied
 * @gw:		the running gateway
 * @start_max_entries: the FDB's size at start, beyond which max_entries cannot grow
 */
struct reload {
	int argc;
	char **argv;
	struct qdes_config *cfg;
	struct gateway *gw;
	unsigned int start_max_entries;
};

int reload_run(void *ctx, json_t *ok, json_t *no, char *err, size_t errlen);

#endif /* QDES_RELOAD_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* privs.h - Dropping root once set up: run as a user, keep CAP_NET_ADMIN and nothing else */
#ifndef QDES_PRIVS_H
#define QDES_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* privs_resolve(): the user does not exist, a configuration error (exit status 2) */
#define PRIVS_NO_USER (-2)

/**
 * struct privs - the user to run as, resolved before anything is opened
 * @user:	as configured (a name or a UID)
 * @name:	its name in the user database
 * @uid:	its UID
 * @gid:	its primary group
 * @groups:	its groups, the primary one included (getgrouplist())
 * @n_groups:	how many
 * @switch_ids:	false when the process already runs as @uid: then nothing changes
 * @kept:	capabilities left after privs_drop(): CAP_NET_ADMIN, if the process had it
 */
struct privs {
	char user[CONFIG_USER_LEN];
	char name[CONFIG_USER_LEN];
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool switch_ids;
	uint64_t kept;
};

int privs_resolve(struct privs *p, const char *user, char *err, size_t errlen);
int privs_drop(struct privs *p, char *err, size_t errlen);
void privs_free(struct privs *p);

#endif /* QDES_PRIVS_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/* privs.c - Dropping root once set up: run as a user, keep CAP_NET_ADMIN and nothing else
 *
 * Root is needed to create and configure the TAP; the data path is descriptors that are open
 * already. CAP_NET_ADMIN stays because rtnetlink checks it per message, against the sender as
 * well as the socket's opener: removing the addresses we added to a persistent TAP at exit needs
 * it. The capability calls are the raw syscalls of <linux/capability.h>: two of them do not
 * justify a library.
 */

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

/* A lookup that needs more than this is broken, not big */
#define PW_BUF_MAX (1 << 20)

static int caps_get(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d))
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
		{(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
	};

	return (int)syscall(SYS_capset, &hdr, d);
}

/* getpwnam_r()'s "not found" answers, as its manual lists them */
static bool not_found(int r)
{
	return !r || r == ENOENT || r == ESRCH || r == EBADF || r == EPERM;
}

/* Look @user up (all digits: a UID) and fill @p's ids and groups */
static int lookup(struct privs *p, const char *user, char *err, size_t errlen)
{
	bool by_uid = strspn(user, "0123456789") == strlen(user);
	struct passwd pw, *res = NULL;
	size_t len = 1024;
	char *buf = NULL;
	int r, n = 16;

	for (;;) {
		char *b = realloc(buf, len);

		if (!b) {
			r = ENOMEM;
			break;
		}
		buf = b;
		if (by_uid)
			r = getpwuid_r((uid_t)strtoul(user, NULL, 10), &pw, buf, len, &res);
		else
			r = getpwnam_r(user, &pw, buf, len, &res);
		if (r != ERANGE || len >= PW_BUF_MAX)
			break;
		len *= 2;
	}
	if (!res) {
		free(buf);
		if (not_found(r)) {
			snprintf(err, errlen, "user '%s': no such user", user);
			return PRIVS_NO_USER;
		}
		snprintf(err, errlen, "user '%s': cannot look it up: %s", user, strerror(r));
		return -1;
	}
	snprintf(p->name, sizeof(p->name), "%s", pw.pw_name);
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	/* Now, not at the drop: NSS may need files and sockets we will not be able to open then */
	for (;;) {
		gid_t *g = realloc(p->groups, (size_t)n * sizeof(*g));
		int want = n;

		if (!g) {
			snprintf(err, errlen, "user '%s': cannot list its groups: %s", user,
				 strerror(ENOMEM));
			break;
		}
		p->groups = g;
		if (getgrouplist(pw.pw_name, pw.pw_gid, g, &want) >= 0) {
			p->n_groups = (size_t)want;
			free(buf);
			return 0;
		}
		if (want <= n) {
			snprintf(err, errlen, "user '%s': cannot list its groups", user);
			break;
		}
		n = want;
	}
	free(buf);
	return -1;
}

/**
 * privs_resolve() - Find the user to run as, and whether this process can become it
 * @p:		filled in; privs_free() it whatever this returns
 * @user:	a user name, or a UID (all digits), as the configuration let it through
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Called before anything is opened, so a failure leaves nothing to undo. A process that runs
 * as @user already has nothing to switch: privs_drop() then changes nothing. Any other user
 * needs CAP_SETUID and CAP_SETGID, root's.
 *
 * Return: 0; PRIVS_NO_USER if there is no such user (a configuration error); -1 on any other
 * failure (the lookup failed, or the process cannot switch users)
 */
int privs_resolve(struct privs *p, const char *user, char *err, size_t errlen)
{
	uint64_t eff, perm, inh;
	uid_t r, e, s;
	int ret;

	memset(p, 0, sizeof(*p));
	snprintf(p->user, sizeof(p->user), "%s", user);
	ret = lookup(p, user, err, errlen);
	if (ret)
		return ret;
	if (getresuid(&r, &e, &s)) {
		snprintf(err, errlen, "user '%s': getresuid: %s", user, strerror(errno));
		return -1;
	}
	p->switch_ids = r != p->uid || e != p->uid || s != p->uid;
	if (!p->switch_ids)
		return 0;
	if (caps_get(&eff, &perm, &inh)) {
		snprintf(err, errlen, "user '%s': capget: %s", user, strerror(errno));
		return -1;
	}
	if (!(eff & CAP_BIT(CAP_SETUID)) || !(eff & CAP_BIT(CAP_SETGID))) {
		snprintf(err, errlen,
			 "user '%s': cannot switch from uid %u to uid %u without root "
			 "(CAP_SETUID and CAP_SETGID)",
			 user, (unsigned int)e, (unsigned int)p->uid);
		return -1;
	}
	return 0;
}

/* Threads of this process, 0 if /proc cannot tell */
static int threads(void)
{
	char line[128];
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

static bool in_groups(const struct privs *p, gid_t g)
{
	size_t i;

	for (i = 0; i < p->n_groups; i++)
		if (p->groups[i] == g)
			return true;
	return false;
}

/* Read back what privs_drop() set: a call that did less than it said must not go unnoticed */
static int check(const struct privs *p, char *err, size_t errlen)
{
	uint64_t eff, perm, inh;
	gid_t rg, eg, sg, *g;
	uid_t r, e, s;
	int n, i, cap;

	if (getresuid(&r, &e, &s) || r != p->uid || e != p->uid || s != p->uid) {
		snprintf(err, errlen, "dropping privileges to %s: uids are %u %u %u, not %u",
			 p->name, (unsigned int)r, (unsigned int)e, (unsigned int)s,
			 (unsigned int)p->uid);
		return -1;
	}
	if (getresgid(&rg, &eg, &sg) || rg != p->gid || eg != p->gid || sg != p->gid) {
		snprintf(err, errlen, "dropping privileges to %s: gids are %u %u %u, not %u",
			 p->name, (unsigned int)rg, (unsigned int)eg, (unsigned int)sg,
			 (unsigned int)p->gid);
		return -1;
	}
	n = getgroups(0, NULL);
	g = n > 0 ? calloc((size_t)n, sizeof(*g)) : NULL;
	if (n < 0 || (n > 0 && (!g || getgroups(n, g) != n)) || (size_t)n != p->n_groups) {
		free(g);
		snprintf(err, errlen, "dropping privileges to %s: supplementary groups not set",
			 p->name);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!in_groups(p, g[i])) {
			snprintf(err, errlen, "dropping privileges to %s: still in group %u",
				 p->name, (unsigned int)g[i]);
			free(g);
			return -1;
		}
	}
	free(g);
	if (caps_get(&eff, &perm, &inh) || eff != p->kept || perm != p->kept || inh) {
		snprintf(err, errlen,
			 "dropping privileges to %s: capabilities are effective %#llx, permitted "
			 "%#llx, inheritable %#llx, not %#llx %#llx 0",
			 p->name, (unsigned long long)eff, (unsigned long long)perm,
			 (unsigned long long)inh, (unsigned long long)p->kept,
			 (unsigned long long)p->kept);
		return -1;
	}
	/* Up to the kernel's last capability, where it answers EINVAL */
	for (cap = 0; cap < 64; cap++) {
		int set = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);

		if (set < 0)
			break;
		if (set) {
			snprintf(err, errlen,
				 "dropping privileges to %s: capability %d is still ambient",
				 p->name, cap);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0)) {
		snprintf(err, errlen, "dropping privileges to %s: no_new_privs or keepcaps not set",
			 p->name);
		return -1;
	}
	/* The point of it all: root must be out of reach */
	if (p->uid && !setresuid((uid_t)-1, 0, (uid_t)-1)) {
		snprintf(err, errlen, "dropping privileges to %s: could become root again",
			 p->name);
		return -1;
	}
	return 0;
}

/**
 * privs_drop() - Become the user privs_resolve() found, with CAP_NET_ADMIN only
 * @p:		resolved user; @p->kept says what stayed
 * @err:	one line on failure
 * @errlen:	its size
 *
 * Groups, then gid, then uid (each later step needs the privilege the one after it drops),
 * with PR_SET_KEEPCAPS so that the permitted set survives setresuid() and CAP_NET_ADMIN can be
 * taken back out of it; then no_new_privs, and everything is read back. Capabilities are per
 * thread (setresuid() is for every thread, through glibc): this must run before any other
 * thread exists, and refuses to run after.
 *
 * Return: 0, or -1 with @err set: the caller must not go on, it may be half-way
 */
int privs_drop(struct privs *p, char *err, size_t errlen)
{
	uint64_t eff, perm, inh;
	const char *step;
	int n;

	if (!p->switch_ids)
		return 0;
	n = threads();
	if (n > 1) {
		snprintf(err, errlen,
			 "dropping privileges to %s: %d threads run already (capabilities are "
			 "per thread)",
			 p->name, n);
		return -1;
	}
	step = "capget";
	if (caps_get(&eff, &perm, &inh))
		goto fail;
	/* Without it (-i none, or a container without it) there is nothing to keep */
	p->kept = perm & CAP_BIT(CAP_NET_ADMIN);
	step = "PR_SET_KEEPCAPS";
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		goto fail;
	step = "setgroups";
	if (setgroups(p->n_groups, p->groups))
		goto fail;
	step = "setresgid";
	if (setresgid(p->gid, p->gid, p->gid))
		goto fail;
	step = "setresuid";
	if (setresuid(p->uid, p->uid, p->uid))
		goto fail;
	/* The effective set went with uid 0; the permitted set stayed for this */
	step = "capset";
	if (caps_set(p->kept, p->kept, 0))
		goto fail;
	/* Redundant after capset(), which emptied it with the inheritable set: the drop should
	 * not rest on that rule alone */
	step = "PR_CAP_AMBIENT";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		goto fail;
	step = "PR_SET_KEEPCAPS";
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		goto fail;
	step = "PR_SET_NO_NEW_PRIVS";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	/*
	 * The kernel took the dumpable flag away when the uid changed, and it is not given back:
	 * a dumpable process would hand its /proc files and a core to every process of the user.
	 */
	return check(p, err, errlen);
fail:
	snprintf(err, errlen, "dropping privileges to %s: %s: %s", p->name, step, strerror(errno));
	return -1;
}

void privs_free(struct privs *p)
{
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
}

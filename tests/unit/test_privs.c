// SPDX-License-Identifier: GPL-2.0-or-later
/* test_privs.c - Unit tests of dropping privileges: user lookup, the no-op, a real drop (root) */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privs.h"

static void resolve_fails(const char *user, int want_ret, const char *want)
{
	char err[256] = "";
	struct privs p;
	int ret;

	ret = privs_resolve(&p, user, err, sizeof(err));
	privs_free(&p);
	if (ret != want_ret)
		fail_msg("user %s: returned %d (%s), want %d", user, ret, err, want_ret);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
}

static void test_no_such_user(void **state)
{
	(void)state;
	resolve_fails("qt-no-such-user", PRIVS_NO_USER, "user 'qt-no-such-user': no such user");
	/* all digits is a UID, looked up as one: no name is "4000000000" */
	resolve_fails("4000000000", PRIVS_NO_USER, "user '4000000000': no such user");
}

/* Running as the user already: resolved, nothing to switch, and dropping changes nothing */
static void check_self(const char *user)
{
	struct passwd *pw = getpwuid(getuid());
	uid_t r, e, s, r2, e2, s2;
	char err[256] = "";
	struct privs p;
	size_t i;
	bool primary = false;
	int nnp;

	assert_non_null(pw);
	if (privs_resolve(&p, user, err, sizeof(err)))
		fail_msg("user %s: %s", user, err);
	assert_false(p.switch_ids);
	assert_int_equal(p.uid, getuid());
	assert_int_equal(p.gid, pw->pw_gid);
	assert_string_equal(p.name, pw->pw_name);
	assert_string_equal(p.user, user);
	for (i = 0; i < p.n_groups; i++)
		primary |= p.groups[i] == p.gid;
	assert_true(primary);

	assert_int_equal(getresuid(&r, &e, &s), 0);
	nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	assert_int_equal(privs_drop(&p, err, sizeof(err)), 0);
	assert_int_equal(getresuid(&r2, &e2, &s2), 0);
	assert_int_equal(r, r2);
	assert_int_equal(e, e2);
	assert_int_equal(s, s2);
	assert_int_equal(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), nnp);
	privs_free(&p);
}

static void test_self_by_uid(void **state)
{
	char uid[16];

	(void)state;
	if (getuid() != geteuid())
		skip();
	snprintf(uid, sizeof(uid), "%u", (unsigned int)getuid());
	check_self(uid);
}

static void test_self_by_name(void **state)
{
	struct passwd *pw = getpwuid(getuid());

	(void)state;
	if (!pw || getuid() != geteuid())
		skip();
	check_self(pw->pw_name);
}

/* Without root another user is out of reach, and privs_resolve() says so before anything */
static void test_other_user_unprivileged(void **state)
{
	char want[256];

	(void)state;
	if (!getuid() || !geteuid())
		skip();
	snprintf(want, sizeof(want),
		 "user 'root': cannot switch from uid %u to uid 0 without root (CAP_SETUID and "
		 "CAP_SETGID)",
		 (unsigned int)geteuid());
	resolve_fails("root", -1, want);
}

/* In a child, since it cannot be undone: the drop as the daemon does it, read back from /proc */
static void test_drop_as_root(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() || !pw || !pw->pw_uid)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		static const char *const want[] = {
			"CapInh:\t0000000000000000\n",
			"CapPrm:\t0000000000001000\n",
			"CapEff:\t0000000000001000\n",
			"CapAmb:\t0000000000000000\n",
			"NoNewPrivs:\t1\n",
		};
		char err[256] = "", line[256], ids[64];
		unsigned int found = 0;
		struct privs p;
		size_t i;
		FILE *f;

		if (privs_resolve(&p, "nobody", err, sizeof(err)) || !p.switch_ids ||
		    privs_drop(&p, err, sizeof(err))) {
			fprintf(stderr, "drop: %s\n", err);
			_exit(1);
		}
		if (p.kept != UINT64_C(1) << 12)
			_exit(2);
		privs_free(&p);
		if (!getuid() || setuid(0) == 0 || errno != EPERM)
			_exit(3);
		f = fopen("/proc/self/status", "r");
		if (!f)
			_exit(4);
		snprintf(ids, sizeof(ids), "\t%u\t%u\t%u\t%u\n", (unsigned int)pw->pw_uid,
			 (unsigned int)pw->pw_uid, (unsigned int)pw->pw_uid,
			 (unsigned int)pw->pw_uid);
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "Uid:", 4) && !strcmp(line + 4, ids))
				found |= 1U << 5;
			for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
				if (!strcmp(line, want[i]))
					found |= 1U << i;
		}
		fclose(f);
		_exit(found == 0x3f ? 0 : 5);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_such_user), cmocka_unit_test(test_self_by_uid),
		cmocka_unit_test(test_self_by_name), cmocka_unit_test(test_other_user_unprivileged),
		cmocka_unit_test(test_drop_as_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_userdb.c - the LMDB user store: round trips, case-insensitive
 * names, name validation, and that data survives a reopen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/store/userdb.h"

#define DIR_TEMPLATE "/tmp/dfs-userdb-XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];
static char home[sizeof(dir) + 16];	/* not yet existing: open creates it */

static void setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(home, sizeof(home), "%s/state", dir);
}

static void rm(const char *name)
{
	char path[sizeof(home) + 32];

	snprintf(path, sizeof(path), "%s/%s", home, name);
	unlink(path);
}

static void teardown(void)
{
	rm("users.mdb");
	rm("users.mdb-lock");
	rmdir(home);
	rmdir(dir);
}

static struct dfs_user mkuser(const char *name, unsigned int id, bool disabled)
{
	struct dfs_user u;
	int i;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	for (i = 0; i < 16; i++)
		u.nt_hash[i] = (uint8_t)(id + i);
	u.uid = id;
	u.gid = id + 1;
	u.disabled = disabled;
	return u;
}

static void assert_user_eq(const struct dfs_user *a, const struct dfs_user *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_mem_eq(a->nt_hash, b->nt_hash, 16);
	ck_assert_uint_eq(a->uid, b->uid);
	ck_assert_uint_eq(a->gid, b->gid);
	ck_assert_int_eq(a->disabled, b->disabled);
}

static struct dfs_userdb *open_db(void)
{
	struct dfs_userdb *db = NULL;
	int rc = dfs_userdb_open(home, &db);

	ck_assert_msg(rc == 0, "open: %s", strerror(-rc));
	ck_assert_ptr_nonnull(db);
	return db;
}

START_TEST(test_round_trip)
{
	struct dfs_user alice = mkuser("alice", 1000, false), got;
	struct dfs_userdb *db = open_db();
	struct stat st;

	ck_assert_int_eq(stat(home, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);

	ck_assert_int_eq(dfs_userdb_get(db, "alice", &got), -ENOENT);
	ck_assert_int_eq(dfs_userdb_put(db, &alice), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "alice", &got), 0);
	assert_user_eq(&got, &alice);

	/* Replace: new hash, disabled. */
	alice = mkuser("alice", 2000, true);
	ck_assert_int_eq(dfs_userdb_put(db, &alice), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "alice", &got), 0);
	assert_user_eq(&got, &alice);

	ck_assert_int_eq(dfs_userdb_del(db, "alice"), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "alice", &got), -ENOENT);
	ck_assert_int_eq(dfs_userdb_del(db, "alice"), -ENOENT);
	dfs_userdb_close(db);
}
END_TEST

START_TEST(test_case_insensitive)
{
	struct dfs_user bob = mkuser("Bob", 42, false), got;
	struct dfs_userdb *db = open_db();

	ck_assert_int_eq(dfs_userdb_put(db, &bob), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "BOB", &got), 0);
	/* The name keeps the case it was added with. */
	assert_user_eq(&got, &bob);
	ck_assert_int_eq(dfs_userdb_get(db, "bob", &got), 0);

	/* The same account in another case replaces, not duplicates. */
	bob = mkuser("BOB", 43, false);
	ck_assert_int_eq(dfs_userdb_put(db, &bob), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "bob", &got), 0);
	assert_user_eq(&got, &bob);

	ck_assert_int_eq(dfs_userdb_del(db, "bOb"), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "Bob", &got), -ENOENT);
	dfs_userdb_close(db);
}
END_TEST

START_TEST(test_invalid_names)
{
	static const char *const bad[] = {
		"", "a/b", "a\\b", "[x]", "a:b", "a;b", "a|b", "a=b", "a,b",
		"a+b", "a*b", "a?b", "a<b", "a>b", "a\"b", "tab\there", "nl\n",
		"del\x7f",
	};
	struct dfs_userdb *db = open_db();
	struct dfs_user u, got;
	char longname[129];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u = mkuser(bad[i], 1, false);
		ck_assert_msg(dfs_userdb_put(db, &u) == -EINVAL, "'%s'", bad[i]);
		ck_assert(!dfs_userdb_name_valid(bad[i]));
		ck_assert_int_eq(dfs_userdb_get(db, bad[i], &got), -ENOENT);
	}

	memset(longname, 'a', 128);
	longname[128] = '\0';
	ck_assert(!dfs_userdb_name_valid(longname));
	u = mkuser(longname, 1, false);	/* truncated to 127 by mkuser: valid */
	ck_assert_int_eq(dfs_userdb_put(db, &u), 0);
	longname[127] = '\0';
	ck_assert_int_eq(dfs_userdb_get(db, longname, &got), 0);
	ck_assert_uint_eq(strlen(got.name), 127);

	/* Non-ASCII UTF-8 and spaces are fine. */
	u = mkuser("J\xc3\xbcrgen M\xc3\xbcller", 7, false);
	ck_assert_int_eq(dfs_userdb_put(db, &u), 0);
	ck_assert_int_eq(dfs_userdb_get(db, "j\xc3\xbcrgen m\xc3\xbcller", &got), 0);
	assert_user_eq(&got, &u);
	dfs_userdb_close(db);
}
END_TEST

struct collect {
	char names[8][128];
	int n;
	int stop_after;
};

static int collect_fn(const struct dfs_user *u, void *arg)
{
	struct collect *c = arg;

	ck_assert_int_lt(c->n, 8);
	strcpy(c->names[c->n++], u->name);
	return c->n == c->stop_after ? 99 : 0;
}

START_TEST(test_list)
{
	struct dfs_userdb *db = open_db();
	struct collect c = { .stop_after = -1 };
	struct dfs_user u;

	ck_assert_int_eq(dfs_userdb_list(db, collect_fn, &c), 0);
	ck_assert_int_eq(c.n, 0);

	u = mkuser("carol", 3, false);
	ck_assert_int_eq(dfs_userdb_put(db, &u), 0);
	u = mkuser("Alice", 1, false);
	ck_assert_int_eq(dfs_userdb_put(db, &u), 0);
	u = mkuser("bob", 2, true);
	ck_assert_int_eq(dfs_userdb_put(db, &u), 0);

	ck_assert_int_eq(dfs_userdb_list(db, collect_fn, &c), 0);
	ck_assert_int_eq(c.n, 3);
	ck_assert_str_eq(c.names[0], "Alice");
	ck_assert_str_eq(c.names[1], "bob");
	ck_assert_str_eq(c.names[2], "carol");

	/* fn's non-zero return stops the walk and is passed back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	ck_assert_int_eq(dfs_userdb_list(db, collect_fn, &c), 99);
	ck_assert_int_eq(c.n, 2);
	dfs_userdb_close(db);
}
END_TEST

START_TEST(test_reopen_persists)
{
	struct dfs_user dave = mkuser("dave", 77, true), got;
	struct dfs_userdb *db = open_db();

	ck_assert_int_eq(dfs_userdb_put(db, &dave), 0);
	dfs_userdb_close(db);

	db = open_db();
	ck_assert_int_eq(dfs_userdb_get(db, "DAVE", &got), 0);
	assert_user_eq(&got, &dave);
	dfs_userdb_close(db);
}
END_TEST

/* A reader and a writer on one store, as dittofsd and dittofsctl are. */
START_TEST(test_two_handles)
{
	struct dfs_user erin = mkuser("erin", 5, false), got;
	struct dfs_userdb *reader, *writer;

	reader = open_db();
	writer = NULL;
	/* A second env in one process is not allowed by LMDB: use a child. */
	if (fork() == 0) {
		if (dfs_userdb_open(home, &writer) || dfs_userdb_put(writer, &erin))
			_exit(1);
		dfs_userdb_close(writer);
		_exit(0);
	}
	{
		int status;

		ck_assert_int_ne(wait(&status), -1);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(dfs_userdb_get(reader, "erin", &got), 0);
	assert_user_eq(&got, &erin);
	dfs_userdb_close(reader);
}
END_TEST

START_TEST(test_open_not_a_dir)
{
	struct dfs_userdb *db = (void *)1;
	FILE *f = fopen(home, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(dfs_userdb_open(home, &db), -ENOTDIR);
	ck_assert_ptr_null(db);
	unlink(home);
}
END_TEST

static Suite *userdb_suite(void)
{
	Suite *s = suite_create("userdb");
	TCase *tc = tcase_create("lmdb");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_invalid_names);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_reopen_persists);
	tcase_add_test(tc, test_two_handles);
	tcase_add_test(tc, test_open_not_a_dir);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(userdb_suite)

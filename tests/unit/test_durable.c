// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_durable.c - durable handles: the LMDB record store (round trip,
 * delete, stale records dropped at open) and the parsing and validation
 * of the DHnQ/DH2Q/DHnC/DH2C create contexts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/smb2_durable.h"
#include "userd/store/durable_db.h"

#define DIR_TEMPLATE "/tmp/dfs-durable-XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];

static void setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm(const char *name)
{
	char path[sizeof(dir) + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void teardown(void)
{
	rm("durable.mdb");
	rm("durable.mdb-lock");
	rmdir(dir);
}

static struct dfs_durable_rec mkrec(uint64_t id)
{
	struct dfs_durable_rec r;

	memset(&r, 0, sizeof(r));
	r.persistent_id = id;
	memset(r.create_guid, 0xab, 16);
	r.access = 0x12019f;
	r.timeout_ms = 60000;
	r.version = 2;
	snprintf(r.user, sizeof(r.user), "alice");
	snprintf(r.path, sizeof(r.path), "share/dir/file.txt");
	return r;
}

START_TEST(test_put_del_count)
{
	struct dfs_durable_db *db = NULL;
	struct dfs_durable_rec a = mkrec(0x100000001ull), b = mkrec(7);
	unsigned dropped = 99;

	ck_assert_int_eq(dfs_durable_db_open(dir, &db, &dropped), 0);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(dfs_durable_db_count(db), 0);
	ck_assert_int_eq(dfs_durable_db_put(db, &a), 0);
	ck_assert_int_eq(dfs_durable_db_put(db, &b), 0);
	/* replacing a record keeps one per FileId */
	a.disconnected = true;
	ck_assert_int_eq(dfs_durable_db_put(db, &a), 0);
	ck_assert_int_eq(dfs_durable_db_count(db), 2);
	ck_assert_int_eq(dfs_durable_db_del(db, 7), 0);
	ck_assert_int_eq(dfs_durable_db_del(db, 7), -ENOENT);
	ck_assert_int_eq(dfs_durable_db_count(db), 1);
	dfs_durable_db_close(db);
}
END_TEST

/* A restarted daemon finds the old records and drops them all. */
START_TEST(test_stale_dropped_on_open)
{
	struct dfs_durable_db *db = NULL;
	struct dfs_durable_rec r;
	unsigned dropped = 0;
	uint64_t i;

	ck_assert_int_eq(dfs_durable_db_open(dir, &db, &dropped), 0);
	for (i = 1; i <= 3; i++) {
		r = mkrec(i);
		/* a path longer than the record keeps is cut, not refused */
		memset(r.path, 'p', sizeof(r.path) - 1);
		ck_assert_int_eq(dfs_durable_db_put(db, &r), 0);
	}
	dfs_durable_db_close(db);
	ck_assert_int_eq(dfs_durable_db_open(dir, &db, &dropped), 0);
	ck_assert_uint_eq(dropped, 3);
	ck_assert_int_eq(dfs_durable_db_count(db), 0);
	dfs_durable_db_close(db);
}
END_TEST

START_TEST(test_contexts)
{
	struct dfs_durable_req d;
	u8 data[36];
	u32 st;

	memset(&d, 0, sizeof(d));
	memset(data, 0, sizeof(data));
	/* not ours */
	ck_assert(!dfs_durable_context(&d, (const u8 *)"MxAc", data, 0, &st));
	/* DH2Q: Timeout, Flags, Reserved, CreateGuid */
	dfs_put_le32(data, 1234);
	dfs_put_le32(data + 4, 2);	/* persistent */
	memset(data + 16, 0x5a, 16);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2Q", data, 32, &st));
	ck_assert_uint_eq(st, STATUS_SUCCESS);
	ck_assert(d.v2_req && d.persistent);
	ck_assert_uint_eq(d.timeout, 1234);
	ck_assert_uint_eq(d.create_guid[15], 0x5a);
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_SUCCESS);
	/* short data is refused before it is read */
	memset(&d, 0, sizeof(d));
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2Q", data, 31, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DH2C", data, 35, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
	ck_assert(dfs_durable_context(&d, (const u8 *)"DHnC", data, 15, &st));
	ck_assert_uint_eq(st, STATUS_INVALID_PARAMETER);
}
END_TEST

/* MS-SMB2 3.3.5.9.12, as smbtorture durable-v2-open.create-blob checks */
START_TEST(test_invalid_combinations)
{
	struct dfs_durable_req d;

	memset(&d, 0, sizeof(d));
	d.v2_reconn = d.v1_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v2_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v2_reconn = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	memset(&d, 0, sizeof(d));
	d.v2_reconn = d.v2_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_INVALID_PARAMETER);
	/* a v1 request beside a v1 reconnect is ignored (3.3.5.9.7) */
	memset(&d, 0, sizeof(d));
	d.v1_reconn = d.v1_req = true;
	ck_assert_uint_eq(dfs_durable_validate(&d), STATUS_SUCCESS);
}
END_TEST

static Suite *durable_suite(void)
{
	Suite *s = suite_create("durable");
	TCase *db = tcase_create("lmdb");
	TCase *ctx = tcase_create("contexts");

	tcase_add_checked_fixture(db, setup, teardown);
	tcase_add_test(db, test_put_del_count);
	tcase_add_test(db, test_stale_dropped_on_open);
	tcase_add_test(ctx, test_contexts);
	tcase_add_test(ctx, test_invalid_combinations);
	suite_add_tcase(s, db);
	suite_add_tcase(s, ctx);
	return s;
}

DFS_CHECK_MAIN(durable_suite)

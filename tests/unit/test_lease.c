// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_lease.c - the lease state rules (userd/lease_state.c) against the
 * grant, upgrade and break tables smbtorture's smb2.lease holds Windows
 * to, the RqLs parser's size checks, and the lease table's restore of a
 * durable open's lease after a restart.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "userd/smb2_lease.h"
#include "tests/unit/check_main.h"

#define R SMB2_LEASE_READ
#define H SMB2_LEASE_HANDLE
#define W SMB2_LEASE_WRITE

START_TEST(test_valid_requests)
{
	/* handle or write caching without read caching grants nothing */
	ck_assert_uint_eq(dfs_lease_valid(0), 0);
	ck_assert_uint_eq(dfs_lease_valid(R), R);
	ck_assert_uint_eq(dfs_lease_valid(H), 0);
	ck_assert_uint_eq(dfs_lease_valid(W), 0);
	ck_assert_uint_eq(dfs_lease_valid(H | W), 0);
	ck_assert_uint_eq(dfs_lease_valid(R | H), R | H);
	ck_assert_uint_eq(dfs_lease_valid(R | W), R | W);
	ck_assert_uint_eq(dfs_lease_valid(R | H | W), R | H | W);
	/* bits beyond RWH are dropped */
	ck_assert_uint_eq(dfs_lease_valid(0xF0 | R), R);
}
END_TEST

START_TEST(test_upgrade)
{
	/* alone: only supersets upgrade; nothing downgrades */
	ck_assert_uint_eq(dfs_lease_upgrade(0, R | H, false, false), R | H);
	ck_assert_uint_eq(dfs_lease_upgrade(R, 0, false, false), R);
	ck_assert_uint_eq(dfs_lease_upgrade(R, R | W, false, false), R | W);
	ck_assert_uint_eq(dfs_lease_upgrade(R | H, R | W, false, false), R | H);
	ck_assert_uint_eq(dfs_lease_upgrade(R | H, R | H | W, false, false), R | H | W);
	ck_assert_uint_eq(dfs_lease_upgrade(R | W, R | H, false, false), R | W);
	ck_assert_uint_eq(dfs_lease_upgrade(R | H | W, R | H, false, false), R | H | W);
	/* next to another lease (smb2.lease.upgrade3): all of it or nothing */
	ck_assert_uint_eq(dfs_lease_upgrade(R, R | H, true, false), R | H);
	ck_assert_uint_eq(dfs_lease_upgrade(R, R | W, true, false), R);
	ck_assert_uint_eq(dfs_lease_upgrade(R, R | H | W, true, false), R);
	ck_assert_uint_eq(dfs_lease_upgrade(R | H, R | H | W, true, false), R | H);
	ck_assert_uint_eq(dfs_lease_upgrade(0, R, true, false), R);
	/* next to an oplock: no handle caching either */
	ck_assert_uint_eq(dfs_lease_upgrade(R, R | H, true, true), R);
}
END_TEST

START_TEST(test_contended)
{
	/* another key's open takes write caching only */
	ck_assert_uint_eq(dfs_lease_contended(R, false, false), R);
	ck_assert_uint_eq(dfs_lease_contended(R | H, false, false), R | H);
	ck_assert_uint_eq(dfs_lease_contended(R | W, false, false), R);
	ck_assert_uint_eq(dfs_lease_contended(R | H | W, false, false), R | H);
	ck_assert_uint_eq(dfs_lease_contended(R | H, false, true), R | H);
	/* an overwrite of write-cached data takes it all (breaking2) */
	ck_assert_uint_eq(dfs_lease_contended(R | W, true, false), 0);
	ck_assert_uint_eq(dfs_lease_contended(R | H | W, true, false), 0);
	/* else the truncation's write breaks read caching later (breaking4) */
	ck_assert_uint_eq(dfs_lease_contended(R, true, false), R);
	ck_assert_uint_eq(dfs_lease_contended(R | H, true, false), R | H);
	/* ... but during a waited-for break handles go first (breaking3) */
	ck_assert_uint_eq(dfs_lease_contended(R | H, true, true), R);
}
END_TEST

START_TEST(test_shared_grant)
{
	/* next to another lease: no write caching */
	ck_assert_uint_eq(dfs_lease_shared_grant(R | W, false), R);
	ck_assert_uint_eq(dfs_lease_shared_grant(R | H | W, false), R | H);
	ck_assert_uint_eq(dfs_lease_shared_grant(H | W, false), 0);
	/* next to an oplock: read caching at most */
	ck_assert_uint_eq(dfs_lease_shared_grant(R | H, true), R);
	ck_assert_uint_eq(dfs_lease_shared_grant(R | H | W, true), R);
}
END_TEST

START_TEST(test_break_ack)
{
	/* a break from R alone is told, never acknowledged */
	ck_assert(!dfs_lease_break_needs_ack(R));
	ck_assert(dfs_lease_break_needs_ack(R | H));
	ck_assert(dfs_lease_break_needs_ack(R | W));
	ck_assert(dfs_lease_break_needs_ack(H));
	ck_assert_uint_eq(dfs_lease_ack_status(false, R, R), STATUS_UNSUCCESSFUL);
	ck_assert_uint_eq(dfs_lease_ack_status(true, R | H, R | H), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_lease_ack_status(true, R | H, R), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_lease_ack_status(true, R, R | H),
			  STATUS_REQUEST_NOT_ACCEPTED);
}
END_TEST

START_TEST(test_parse)
{
	u8 data[DFS_LEASE_V2_LEN] = { 0 };
	struct dfs_lease_req lr;
	struct dfs_lease l = { 0 };
	u8 out[DFS_LEASE_V2_LEN];

	memset(data, 0xAB, 16);
	dfs_put_le32(data + 16, R | H);
	dfs_put_le32(data + 20, SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET);
	memset(data + 32, 0xCD, 16);
	dfs_put_le16(data + 48, 0x11);
	ck_assert_uint_eq(dfs_lease_parse(data, 31, true, &lr), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(dfs_lease_parse(data, 40, true, &lr), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(dfs_lease_parse(data, 32, true, &lr), STATUS_SUCCESS);
	ck_assert_uint_eq(lr.version, 1);
	ck_assert_uint_eq(lr.state, R | H);
	ck_assert_uint_eq(lr.epoch, 0);
	ck_assert_uint_eq(dfs_lease_parse(data, 52, true, &lr), STATUS_SUCCESS);
	ck_assert_uint_eq(lr.version, 2);
	ck_assert_uint_eq(lr.epoch, 0x11);
	ck_assert_uint_eq(lr.parent[0], 0xCD);
	/* a 2.1 connection reads a v2 context as v1 */
	ck_assert_uint_eq(dfs_lease_parse(data, 52, false, &lr), STATUS_SUCCESS);
	ck_assert_uint_eq(lr.version, 1);

	memset(l.key, 0x5A, 16);
	l.state = R | H;
	l.epoch = 3;
	l.breaking = true;
	ck_assert_uint_eq(dfs_lease_rsp_data(&l, 1, out), DFS_LEASE_V1_LEN);
	ck_assert_uint_eq(dfs_get_le32(out + 16), R | H);
	ck_assert_uint_eq(dfs_get_le32(out + 20), SMB2_LEASE_FLAG_BREAK_IN_PROGRESS);
	ck_assert_uint_eq(dfs_lease_rsp_data(&l, 2, out), DFS_LEASE_V2_LEN);
	ck_assert_uint_eq(dfs_get_le16(out + 48), 3);
	ck_assert_uint_eq(out[0], 0x5A);
}
END_TEST

/* A restored open's lease: one per (client, key), shared, never lowered */
START_TEST(test_restore_shares)
{
	static struct dfs_server srv;
	struct dfs_lease want = { 0 }, *a = NULL, *b = NULL, *c = NULL;

	memset(want.client_guid, 0xc1, 16);
	memset(want.key, 0x4b, 16);
	want.version = 2;
	want.epoch = 5;
	want.state = R | H;
	want.dev = 1;
	want.ino = 42;
	ck_assert_int_eq(dfs_lease_restore(&srv, &want, &a), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->state, R | H);
	ck_assert_uint_eq(a->epoch, 5);
	ck_assert_uint_eq(a->version, 2);
	/* a second open of the key finds it; the larger state and epoch win */
	want.state = R | W | H;
	want.epoch = 6;
	ck_assert_int_eq(dfs_lease_restore(&srv, &want, &b), 0);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(a->state, R | W | H);
	ck_assert_uint_eq(a->epoch, 6);
	/* an older epoch (wrapping around too) does not go back */
	want.epoch = 0xfffe;
	ck_assert_int_eq(dfs_lease_restore(&srv, &want, &b), 0);
	ck_assert_uint_eq(a->epoch, 6);
	/* the same key naming other data is refused */
	want.ino = 43;
	ck_assert_int_eq(dfs_lease_restore(&srv, &want, &c), -EEXIST);
	/* another client's key of the same bytes is another lease */
	want.ino = 42;
	memset(want.client_guid, 0xc2, 16);
	ck_assert_int_eq(dfs_lease_restore(&srv, &want, &c), 0);
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_eq(dfs_lease_find(&srv, want.client_guid, want.key), c);
	dfs_lease_table_free(&srv);
	ck_assert_ptr_null(srv.leases);
}
END_TEST

static Suite *lease_suite(void)
{
	Suite *s = suite_create("lease");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_valid_requests);
	tcase_add_test(tc, test_upgrade);
	tcase_add_test(tc, test_contended);
	tcase_add_test(tc, test_shared_grant);
	tcase_add_test(tc, test_break_ack);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_restore_shares);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(lease_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_tombstone.c - session tombstones (session_tombstone.c): the
 * signing key of a session that ended moves to its connection and still
 * signs answers that verify with the session's key; a connection keeps
 * the newest few; nothing is kept for a closing connection or in kernel
 * mode.
 */
#include <stdlib.h>
#include <string.h>

#include "common/signing.h"
#include "common/smb2_proto.h"
#include "tests/unit/check_main.h"
#include "userd/crypto_openssl.h"
#include "userd/session_tombstone.h"

static const struct dfs_crypto_ops *ops = &dfs_openssl_crypto_ops;
static struct dfs_server srv;
static struct dfs_conn conn;

static void setup(void)
{
	memset(&srv, 0, sizeof(srv));
	memset(&conn, 0, sizeof(conn));
	srv.crypto = ops;
	conn.srv = &srv;
}

static void teardown(void)
{
	dfs_tombstones_free(&conn);
}

/* A session view with an AES-CMAC key of 16 bytes of seed. */
static void make_dp(struct dfs_dp_session *dp, u64 id, u8 seed)
{
	u8 key[16];

	memset(dp, 0, sizeof(*dp));
	memset(key, seed, sizeof(key));
	dp->id = id;
	dp->sign.alg = DFS_MAC_AES_CMAC;
	dp->sign.key = ops->mac_key_new(DFS_MAC_AES_CMAC, key, sizeof(key));
	ck_assert_ptr_nonnull(dp->sign.key);
}

static void free_dp(struct dfs_dp_session *dp)
{
	if (dp->sign.key)
		ops->mac_key_free(dp->sign.key);
}

START_TEST(test_key_moves_and_signs)
{
	struct dfs_dp_session dp, same;
	struct dfs_dp_session *t;
	u8 pdu[SMB2_HDR_SIZE + 9] = { 0xfe, 'S', 'M', 'B' };

	make_dp(&dp, 0x1122334455667788ull, 0x5a);
	make_dp(&same, 0x1122334455667788ull, 0x5a);
	dfs_tombstone_keep(&conn, &dp);
	ck_assert_ptr_null(dp.sign.key);
	ck_assert_int_eq(dp.sign.alg, -1);
	t = dfs_tombstone_find(&conn, 0x1122334455667788ull);
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_null(dfs_tombstone_find(&conn, 0x1122334455667789ull));
	ck_assert_ptr_null(dfs_tombstone_find(&conn, 0));
	/* what the tombstone signs verifies with the ended session's key */
	dfs_put_le32(pdu + SMB2_HDR_STATUS, STATUS_USER_SESSION_DELETED);
	ck_assert_int_eq(dfs_sign_pdu(ops, &t->sign, pdu, sizeof(pdu)), 0);
	ck_assert(dfs_verify_pdu(ops, &same.sign, pdu, sizeof(pdu)));
	pdu[SMB2_HDR_STATUS] ^= 1;
	ck_assert(!dfs_verify_pdu(ops, &same.sign, pdu, sizeof(pdu)));
	free_dp(&same);
}
END_TEST

START_TEST(test_oldest_makes_room)
{
	struct dfs_dp_session dp;
	u64 id;

	for (id = 1; id <= 5; id++) {
		make_dp(&dp, id, (u8)id);
		dfs_tombstone_keep(&conn, &dp);
		ck_assert_ptr_null(dp.sign.key);
	}
	ck_assert_ptr_null(dfs_tombstone_find(&conn, 1));
	for (id = 2; id <= 5; id++)
		ck_assert_ptr_nonnull(dfs_tombstone_find(&conn, id));
}
END_TEST

START_TEST(test_nothing_kept)
{
	struct dfs_dp_session dp;

	/* a closing connection: the caller keeps and frees the key */
	conn.closing = true;
	make_dp(&dp, 7, 7);
	dfs_tombstone_keep(&conn, &dp);
	ck_assert_ptr_nonnull(dp.sign.key);
	ck_assert_ptr_null(dfs_tombstone_find(&conn, 7));
	conn.closing = false;
	/* kernel mode signs in dittofs.ko, which has no such session */
	srv.kernel = (struct dfs_kernel *)&srv;	/* only tested for NULL */
	dfs_tombstone_keep(&conn, &dp);
	ck_assert_ptr_nonnull(dp.sign.key);
	srv.kernel = NULL;
	free_dp(&dp);
	/* a session that never had a key */
	memset(&dp, 0, sizeof(dp));
	dp.id = 8;
	dp.sign.alg = -1;
	dfs_tombstone_keep(&conn, &dp);
	ck_assert_ptr_null(dfs_tombstone_find(&conn, 8));
}
END_TEST

static Suite *tombstone_suite(void)
{
	Suite *s = suite_create("tombstone");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_moves_and_signs);
	tcase_add_test(tc, test_oldest_makes_room);
	tcase_add_test(tc, test_nothing_kept);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(tombstone_suite)

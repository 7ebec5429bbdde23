// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_lock.c - byte-range lock ranges and conflicts (MS-FSA 2.1.5.7, as
 * smbtorture's smb2.lock expects them): ranges reaching 2^64, zero-byte
 * locks, stacking on one open, and READ/WRITE against held locks.
 */
#include <check.h>
#include <stdint.h>

#include "userd/server.h"
#include "tests/unit/check_main.h"

static const struct dfs_lock excl_0_10 = { 0, 10, true };
static const struct dfs_lock shared_0_10 = { 0, 10, false };

START_TEST(test_range_limits)
{
	ck_assert(dfs_lock_range_ok(0, 0));
	ck_assert(dfs_lock_range_ok(UINT64_MAX, 0));
	/* the last byte may be 2^64 - 1 */
	ck_assert(dfs_lock_range_ok(UINT64_MAX, 1));
	ck_assert(dfs_lock_range_ok(0, UINT64_MAX));
	ck_assert(dfs_lock_range_ok(1, UINT64_MAX));
	ck_assert(!dfs_lock_range_ok(UINT64_MAX, 2));
	ck_assert(!dfs_lock_range_ok(2, UINT64_MAX));
	ck_assert(!dfs_lock_range_ok(UINT64_MAX, UINT64_MAX));
	ck_assert(dfs_lock_range_ok(0xFFFFFFFFull, 0xFFFFFFFFull));
}
END_TEST

START_TEST(test_overlap)
{
	ck_assert(dfs_lock_overlap(0, 10, 9, 1));
	ck_assert(!dfs_lock_overlap(0, 10, 10, 1));
	ck_assert(dfs_lock_overlap(5, 10, 0, 6));
	ck_assert(!dfs_lock_overlap(5, 10, 0, 5));
	/* ranges ending at 2^64 do not wrap */
	ck_assert(dfs_lock_overlap(UINT64_MAX, 1, 0, UINT64_MAX) == false);
	ck_assert(dfs_lock_overlap(UINT64_MAX, 1, 1, UINT64_MAX));
	ck_assert(dfs_lock_overlap(UINT64_MAX, 1, UINT64_MAX, 1));
}
END_TEST

/* smbtorture smb2.lock.zerobytelength's table: 10/0 against the second */
START_TEST(test_zero_byte)
{
	ck_assert(!dfs_lock_overlap(10, 0, 10, 0));
	ck_assert(!dfs_lock_overlap(10, 0, 9, 1));
	ck_assert(!dfs_lock_overlap(10, 0, 10, 1));
	ck_assert(!dfs_lock_overlap(10, 0, 11, 1));
	ck_assert(dfs_lock_overlap(10, 0, 9, 2));
	ck_assert(!dfs_lock_overlap(10, 0, 10, 2));
	ck_assert(dfs_lock_overlap(10, 0, 9, 3));
	/* symmetric */
	ck_assert(dfs_lock_overlap(9, 2, 10, 0));
	ck_assert(dfs_lock_overlap(9, 3, 10, 0));
	ck_assert(!dfs_lock_overlap(10, 2, 10, 0));
	ck_assert(!dfs_lock_overlap(0, 0, 0, 0));
	/* a zero-byte lock at 2^64 - 1 inside a range reaching the end */
	ck_assert(dfs_lock_overlap(UINT64_MAX, 0, 1, UINT64_MAX));
}
END_TEST

START_TEST(test_lock_conflicts)
{
	/* another open: exclusive blocks everything, shared only exclusive */
	ck_assert(dfs_lock_conflicts(&excl_0_10, false, 5, 1, false));
	ck_assert(dfs_lock_conflicts(&excl_0_10, false, 5, 1, true));
	ck_assert(!dfs_lock_conflicts(&shared_0_10, false, 5, 1, false));
	ck_assert(dfs_lock_conflicts(&shared_0_10, false, 5, 1, true));
	/* the same open: shared stacks on anything, exclusive on nothing */
	ck_assert(!dfs_lock_conflicts(&excl_0_10, true, 0, 10, false));
	ck_assert(!dfs_lock_conflicts(&shared_0_10, true, 0, 10, false));
	ck_assert(dfs_lock_conflicts(&excl_0_10, true, 0, 10, true));
	ck_assert(dfs_lock_conflicts(&shared_0_10, true, 0, 10, true));
	/* no overlap, no conflict */
	ck_assert(!dfs_lock_conflicts(&excl_0_10, false, 10, 5, true));
	/* a zero-byte request inside another open's exclusive range */
	ck_assert(dfs_lock_conflicts(&excl_0_10, false, 2, 0, true));
	ck_assert(!dfs_lock_conflicts(&excl_0_10, false, 0, 0, true));
}
END_TEST

START_TEST(test_io_conflicts)
{
	/* smb2.lock.rw-shared: nobody writes, everybody reads */
	ck_assert(dfs_lock_io_conflicts(&shared_0_10, true, 0, 5, true));
	ck_assert(dfs_lock_io_conflicts(&shared_0_10, false, 0, 5, true));
	ck_assert(!dfs_lock_io_conflicts(&shared_0_10, true, 0, 5, false));
	ck_assert(!dfs_lock_io_conflicts(&shared_0_10, false, 0, 5, false));
	/* smb2.lock.rw-exclusive: the owner does both, others neither */
	ck_assert(!dfs_lock_io_conflicts(&excl_0_10, true, 0, 5, true));
	ck_assert(!dfs_lock_io_conflicts(&excl_0_10, true, 0, 5, false));
	ck_assert(dfs_lock_io_conflicts(&excl_0_10, false, 9, 5, true));
	ck_assert(dfs_lock_io_conflicts(&excl_0_10, false, 9, 5, false));
	/* outside the range, or no bytes at all */
	ck_assert(!dfs_lock_io_conflicts(&excl_0_10, false, 10, 5, false));
	ck_assert(!dfs_lock_io_conflicts(&excl_0_10, false, 5, 0, true));
}
END_TEST

static Suite *lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_range_limits);
	tcase_add_test(tc, test_overlap);
	tcase_add_test(tc, test_zero_byte);
	tcase_add_test(tc, test_lock_conflicts);
	tcase_add_test(tc, test_io_conflicts);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(lock_suite)

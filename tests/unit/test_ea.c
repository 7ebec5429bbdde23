// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ea.c - EA lists (userd/ea.c): FILE_FULL_EA_INFORMATION and
 * FILE_GET_EA_INFORMATION chains as Samba's client builds them parse;
 * misaligned, backward, overlapping, out-of-bounds and unterminated
 * entries and invalid names are refused; and the xattr store
 * (userd/ea_store.c) on a temp file: set, delete, the scan flags, lists
 * of names, and buffers too small.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userd/ea.h"
#include "tests/unit/check_main.h"

/* Append a full entry at *off (4-aligned chain, as ea_put_list_chained) */
static void put_full(u8 *b, u32 *off, u32 *prev, const char *name,
		     const char *val)
{
	u32 at = *off, n;

	n = ea_put_entry(b + at, 512 - at, name, (u32)strlen(name),
			 (const u8 *)val, (u32)strlen(val));
	ck_assert_uint_ne(n, 0);
	if (*prev != (u32)-1)
		dfs_put_le32(b + *prev, at - *prev);
	*prev = at;
	*off = EA_ALIGN4(at + n);
}

/* Two EAs "EAONE"="VALUE1", "SecondEA"="ValueTwo"; returns the length */
static u32 two_eas(u8 *b)
{
	u32 off = 0, prev = (u32)-1;

	memset(b, 0, 512);
	put_full(b, &off, &prev, "EAONE", "VALUE1");
	put_full(b, &off, &prev, "SecondEA", "ValueTwo");
	return prev + ea_entry_size(8, 8);
}

START_TEST(test_full_valid)
{
	u8 b[512];
	u32 len = two_eas(b), count, bad, off = 0;
	struct ea_entry e;
	bool more = true;

	ck_assert_uint_eq(ea_full_check(b, len, &count, &bad), STATUS_SUCCESS);
	ck_assert_uint_eq(count, 2);
	ck_assert(ea_full_next(b, len, &off, &more, &e));
	ck_assert_uint_eq(e.name_len, 5);
	ck_assert_mem_eq(e.name, "EAONE", 5);
	ck_assert_uint_eq(e.value_len, 6);
	ck_assert_mem_eq(e.value, "VALUE1", 6);
	ck_assert(ea_full_next(b, len, &off, &more, &e));
	ck_assert_mem_eq(e.name, "SecondEA", 8);
	ck_assert(!ea_full_next(b, len, &off, &more, &e));
	/* slack after the last entry is allowed */
	ck_assert_uint_eq(ea_full_check(b, len + 3, &count, &bad), STATUS_SUCCESS);
}
END_TEST

START_TEST(test_full_malformed)
{
	u8 b[512], c[512];
	u32 len = two_eas(b), count, bad, second = dfs_get_le32(b);

#define BAD(l, expect) do { \
		ck_assert_uint_eq(ea_full_check(c, (l), &count, &bad), (expect)); \
		memcpy(c, b, sizeof(c)); \
	} while (0)
	memcpy(c, b, sizeof(c));
	BAD(0, STATUS_EA_LIST_INCONSISTENT);		/* empty */
	BAD(7, STATUS_EA_LIST_INCONSISTENT);		/* header cut */
	BAD(len - 1, STATUS_EA_LIST_INCONSISTENT);	/* value cut */
	dfs_put_le32(c, second + 1);
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* misaligned next */
	dfs_put_le32(c, 8);
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* next inside the entry */
	dfs_put_le32(c, len + 4);
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* next past the end */
	dfs_put_le32(c, (u32)-4);
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* next wraps */
	c[8 + 5] = 'X';
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* name not NUL-ended */
	c[5] = 200;
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* name past the entry */
	dfs_put_le16(c + second + 6, 0xFFFF);
	BAD(len, STATUS_EA_LIST_INCONSISTENT);		/* value past the end */
	c[8 + 2] = '*';
	BAD(len, STATUS_INVALID_EA_NAME);
	c[second + 8] = 0x01;
	BAD(len, STATUS_INVALID_EA_NAME);		/* control character */
	c[5] = 0;
	c[8] = 0;
	BAD(len, STATUS_INVALID_EA_NAME);		/* empty name */
	ck_assert_uint_eq(ea_full_check(b, len, &count, &bad), STATUS_SUCCESS);
#undef BAD
}
END_TEST

START_TEST(test_get_list)
{
	u8 b[64] = { 0 };
	u32 count, bad, off = 0;
	struct ea_entry e;
	bool more = true;

	/* "eaone" then "missing", 4-aligned */
	dfs_put_le32(b, 12);
	b[4] = 5;
	memcpy(b + 5, "eaone", 6);
	b[12 + 4] = 7;
	memcpy(b + 12 + 5, "missing", 8);
	ck_assert_uint_eq(ea_get_check(b, 25, &count, &bad), STATUS_SUCCESS);
	ck_assert_uint_eq(count, 2);
	ck_assert(ea_get_next(b, 25, &off, &more, &e));
	ck_assert_uint_eq(e.name_len, 5);
	ck_assert(ea_get_next(b, 25, &off, &more, &e));
	ck_assert_mem_eq(e.name, "missing", 7);
	ck_assert(!ea_get_next(b, 25, &off, &more, &e));
	ck_assert_uint_eq(ea_get_check(b, 24, &count, &bad),
			  STATUS_EA_LIST_INCONSISTENT);
	dfs_put_le32(b, 4);
	ck_assert_uint_eq(ea_get_check(b, 25, &count, &bad),
			  STATUS_EA_LIST_INCONSISTENT);
}
END_TEST

START_TEST(test_names)
{
	char up[256];

	ck_assert(ea_name_valid((const u8 *)"user.comment", 12));
	ck_assert(ea_name_valid((const u8 *)"A B", 3));
	ck_assert(!ea_name_valid((const u8 *)"a/b", 3));
	ck_assert(!ea_name_valid((const u8 *)"a:b", 3));
	ck_assert(!ea_name_valid((const u8 *)"\xC3\xA9", 2));
	ck_assert(!ea_name_valid((const u8 *)"", 0));
	ea_name_upper((const u8 *)"SecondEa.x", 10, up);
	ck_assert_str_eq(up, "SECONDEA.X");
}
END_TEST

/* --- the store ----------------------------------------------------------- */

static char dir[64], path[80];

static int temp_file(void)
{
	const char *t = getenv("TMPDIR");
	int fd;

	snprintf(dir, sizeof(dir), "%s/dfs-ea-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static void temp_done(int fd)
{
	close(fd);
	unlink(path);
	rmdir(dir);
}

START_TEST(test_store)
{
	u8 b[512], out[512];
	u32 len = two_eas(b), n, next = 0, count, bad, off = 0;
	struct ea_entry e;
	bool more = true;
	int fd = temp_file();

	ck_assert_uint_eq(ea_query(fd, NULL, 0, 0, 0, &next, out, sizeof(out), &n),
			  STATUS_NO_EAS_ON_FILE);
	ck_assert_uint_eq(ea_size(fd), 0);
	ck_assert_uint_eq(ea_set_list(fd, b, len), STATUS_SUCCESS);
	/* each entry 4-aligned: 8+5+1+6 -> 20, 8+8+1+8 -> 28 */
	ck_assert_uint_eq(ea_size(fd), 48);

	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RESTART_SCAN, 0, &next, out,
				   sizeof(out), &n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_full_check(out, n, &count, &bad), STATUS_SUCCESS);
	ck_assert_uint_eq(count, 2);
	while (ea_full_next(out, n, &off, &more, &e))
		ck_assert(!memcmp(e.name, "EAONE", 5) ||
			  !memcmp(e.name, "SECONDEA", 8));
	/* the scan went to the end: without RESTART there is no more */
	ck_assert_uint_eq(ea_query(fd, NULL, 0, 0, 0, &next, out, sizeof(out), &n),
			  STATUS_NO_MORE_EAS);
	/* one at a time */
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RESTART_SCAN |
				   SL_RETURN_SINGLE_ENTRY, 0, &next, out,
				   sizeof(out), &n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_full_check(out, n, &count, &bad), STATUS_SUCCESS);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RETURN_SINGLE_ENTRY, 0, &next,
				   out, sizeof(out), &n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RETURN_SINGLE_ENTRY, 0, &next,
				   out, sizeof(out), &n), STATUS_NO_MORE_EAS);
	/* by index, counted from 1 */
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_INDEX_SPECIFIED, 2, &next,
				   out, sizeof(out), &n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_INDEX_SPECIFIED, 3, &next,
				   out, sizeof(out), &n), STATUS_NONEXISTENT_EA_ENTRY);
	/* room for one entry only, then for none */
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RESTART_SCAN, 0, &next, out,
				   30, &n), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_le(n, 30);
	ck_assert_uint_eq(ea_full_check(out, n, &count, &bad), STATUS_SUCCESS);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RESTART_SCAN, 0, &next, out,
				   10, &n), STATUS_BUFFER_TOO_SMALL);

	/* a list of names, in any case, a missing one empty */
	memset(b, 0, sizeof(b));
	dfs_put_le32(b, 16);
	b[4] = 8;
	memcpy(b + 5, "secondea", 9);
	b[16 + 4] = 4;
	memcpy(b + 16 + 5, "NONE", 5);
	ck_assert_uint_eq(ea_query(fd, b, 26, 0, 0, &next, out, sizeof(out), &n),
			  STATUS_SUCCESS);
	off = 0;
	more = true;
	ck_assert(ea_full_next(out, n, &off, &more, &e));
	ck_assert_mem_eq(e.value, "ValueTwo", 8);
	ck_assert(ea_full_next(out, n, &off, &more, &e));
	ck_assert_uint_eq(e.value_len, 0);

	/* an empty value deletes; deleting what is not there is fine */
	n = ea_put_entry(b, sizeof(b), "eaone", 5, NULL, 0);
	ck_assert_uint_eq(ea_set_list(fd, b, n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_set_list(fd, b, n), STATUS_SUCCESS);
	n = ea_put_entry(b, sizeof(b), "SECONDEA", 8, NULL, 0);
	ck_assert_uint_eq(ea_set_list(fd, b, n), STATUS_SUCCESS);
	ck_assert_uint_eq(ea_query(fd, NULL, 0, SL_RESTART_SCAN, 0, &next, out,
				   sizeof(out), &n), STATUS_NO_EAS_ON_FILE);
	/* a malformed list changes nothing */
	ck_assert_uint_eq(ea_set_list(fd, b, 5), STATUS_EA_LIST_INCONSISTENT);
	temp_done(fd);
}
END_TEST

static Suite *ea_suite(void)
{
	Suite *s = suite_create("ea");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_full_valid);
	tcase_add_test(tc, test_full_malformed);
	tcase_add_test(tc, test_get_list);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_store);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(ea_suite)

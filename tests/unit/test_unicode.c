// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_unicode.c - the one UTF-16LE <-> UTF-8 converter names and
 * credentials go through must be strict: one encoding per string.
 */
#include <check.h>
#include <string.h>

#include "userd/unicode.h"
#include "tests/unit/check_main.h"

START_TEST(test_round_trip)
{
	/* ASCII, 2-byte, 3-byte and a 4-byte (surrogate pair) character */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	const uint8_t want[] = { 'a', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde };
	uint8_t u16[32];
	char back[32];
	long n;

	n = dfs_utf8_to_utf16(s, u16, sizeof(u16));
	ck_assert_int_eq(n, sizeof(want));
	ck_assert_mem_eq(u16, want, sizeof(want));
	n = dfs_utf16_to_utf8(u16, (size_t)n, back, sizeof(back));
	ck_assert_int_eq(n, (long)strlen(s));
	ck_assert_str_eq(back, s);
}
END_TEST

START_TEST(test_utf16_rejects)
{
	const uint8_t lone_high[] = { 0x3d, 0xd8, 'a', 0 };
	const uint8_t lone_low[] = { 0x00, 0xde };
	const uint8_t high_at_end[] = { 'a', 0, 0x3d, 0xd8 };
	const uint8_t nul[] = { 'a', 0, 0, 0, 'b', 0 };
	const uint8_t odd[] = { 'a', 0, 'b' };
	char out[16];

	ck_assert_int_lt(dfs_utf16_to_utf8(lone_high, sizeof(lone_high), out, sizeof(out)), 0);
	ck_assert_int_lt(dfs_utf16_to_utf8(lone_low, sizeof(lone_low), out, sizeof(out)), 0);
	ck_assert_int_lt(dfs_utf16_to_utf8(high_at_end, sizeof(high_at_end), out, sizeof(out)), 0);
	ck_assert_int_lt(dfs_utf16_to_utf8(nul, sizeof(nul), out, sizeof(out)), 0);
	ck_assert_int_lt(dfs_utf16_to_utf8(odd, sizeof(odd), out, sizeof(out)), 0);
}
END_TEST

START_TEST(test_utf8_rejects)
{
	uint8_t out[16];

	ck_assert_int_lt(dfs_utf8_to_utf16("\xc0\xaf", out, sizeof(out)), 0);	/* overlong '/' */
	ck_assert_int_lt(dfs_utf8_to_utf16("\xed\xa0\x80", out, sizeof(out)), 0);	/* surrogate */
	ck_assert_int_lt(dfs_utf8_to_utf16("\xf4\x90\x80\x80", out, sizeof(out)), 0);	/* > U+10FFFF */
	ck_assert_int_lt(dfs_utf8_to_utf16("\xe2\x82", out, sizeof(out)), 0);	/* truncated */
	ck_assert_int_lt(dfs_utf8_to_utf16("\x80", out, sizeof(out)), 0);	/* stray continuation */
}
END_TEST

START_TEST(test_no_room)
{
	const uint8_t in[] = { 'a', 0, 'b', 0, 'c', 0 };
	uint8_t u16[4];
	char out[3];

	/* "abc" needs 4 bytes with its NUL */
	ck_assert_int_lt(dfs_utf16_to_utf8(in, sizeof(in), out, sizeof(out)), 0);
	ck_assert_int_lt(dfs_utf8_to_utf16("abc", u16, sizeof(u16)), 0);
	ck_assert_int_eq(dfs_utf16_to_utf8(in, 0, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *unicode_suite(void)
{
	Suite *s = suite_create("unicode");
	TCase *tc = tcase_create("convert");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_utf16_rejects);
	tcase_add_test(tc, test_utf8_rejects);
	tcase_add_test(tc, test_no_room);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(unicode_suite)

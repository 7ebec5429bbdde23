// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_kmod_query.c - what dittofsctl prints for "stats" and "conn list"
 * from dittofs.ko's STATS dump (userd/kmod_query.c): the JSON must parse
 * as one object, and the text must carry what tests/vm/guest_kernel.sh
 * and admins grep for. The dump itself runs against the module in the VM.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userd/kmod_query.h"
#include "tests/unit/check_main.h"

static struct dfs_kmod_conn two_conns[2] = {
	{ .id = 7, .peer = "127.0.0.1:40000", .sessions = 1, .stale = true,
	  .st = { .pdus_fast = 3, .pdus_up = 20, .bytes_read = 65536 } },
	{ .id = 12, .peer = "[::1]:5", .sessions = 0,
	  .st = { .pdus_up = 2 } },
};

static char *print(void (*fn)(FILE *, const struct dfs_kmod_info *, bool),
		   const struct dfs_kmod_info *info, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, info, json);
	fclose(f);
	return buf;
}

/* Balanced braces and brackets outside strings, nothing after the end. */
static void assert_one_json_object(const char *s)
{
	int depth = 0;
	bool str = false;
	const char *p;

	ck_assert_int_eq(s[0], '{');
	for (p = s; *p; p++) {
		if (str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				str = false;
			continue;
		}
		if (*p == '"')
			str = true;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		ck_assert_int_ge(depth, 0);
		if (!depth) {
			ck_assert(strspn(p + 1, "\n") == strlen(p + 1));
			return;
		}
	}
	ck_abort_msg("unterminated JSON: %s", s);
}

START_TEST(test_conns_text)
{
	struct dfs_kmod_info info = { .conns = two_conns, .nconns = 2, .epoch = 2 };
	char *out = print(dfs_kmod_print_conns, &info, false);

	ck_assert_ptr_nonnull(strstr(out, "PEER"));
	ck_assert_ptr_nonnull(strstr(out, "127.0.0.1:40000"));
	ck_assert_ptr_nonnull(strstr(out, " previous "));
	ck_assert_ptr_nonnull(strstr(out, " current "));
	/* no daemon: the listing says why requests fail meanwhile */
	ck_assert_ptr_nonnull(strstr(out, "not registered"));
	free(out);
	info.ctl_present = true;
	out = print(dfs_kmod_print_conns, &info, false);
	ck_assert_ptr_null(strstr(out, "not registered"));
	free(out);
}
END_TEST

START_TEST(test_conns_json)
{
	struct dfs_kmod_info info = { .conns = two_conns, .nconns = 2 };
	char *out = print(dfs_kmod_print_conns, &info, true);

	assert_one_json_object(out);
	ck_assert_ptr_nonnull(strstr(out, "\"id\":7,"));
	ck_assert_ptr_nonnull(strstr(out, "\"daemon\":\"previous\""));
	ck_assert_ptr_nonnull(strstr(out, "\"dittofsd_registered\":false"));
	free(out);
	info.nconns = 0;
	out = print(dfs_kmod_print_conns, &info, true);
	assert_one_json_object(out);
	ck_assert_ptr_nonnull(strstr(out, "\"connections\":[]"));
	free(out);
}
END_TEST

START_TEST(test_stats)
{
	struct dfs_kmod_info info = {
		.ctl_present = true, .epoch = 3, .nconns = 1,
		.totals = { .connections = 9, .pdus_fast = 42, .bytes_written = 5 },
	};
	char *out = print(dfs_kmod_print_stats, &info, false);

	ck_assert_ptr_nonnull(strstr(out, "dittofsd registered"));
	ck_assert_ptr_nonnull(strstr(out, "Fast path PDUs:"));
	ck_assert_ptr_nonnull(strstr(out, " 42\n"));
	free(out);
	out = print(dfs_kmod_print_stats, &info, true);
	assert_one_json_object(out);
	ck_assert_ptr_nonnull(strstr(out, "\"pdus_fast\":42"));
	ck_assert_ptr_nonnull(strstr(out, "\"connections_open\":1"));
	ck_assert_ptr_nonnull(strstr(out, "\"daemon_registrations\":3"));
	ck_assert_ptr_nonnull(strstr(out, "\"dittofsd_registered\":true"));
	free(out);
}
END_TEST

static Suite *kmod_query_suite(void)
{
	Suite *s = suite_create("kmod_query");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_conns_text);
	tcase_add_test(tc, test_conns_json);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(kmod_query_suite)

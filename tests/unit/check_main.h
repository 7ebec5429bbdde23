/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_main.h - each tests/unit/test_*.c is its own Check binary; this
 * gives it the same main(): run the suite, print Check's summary line,
 * exit non-zero on any failure.
 */
#ifndef DITTOFS_CHECK_MAIN_H
#define DITTOFS_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define DFS_CHECK_MAIN(suite_fn)					\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(suite_fn());		\
		int failed;						\
									\
		srunner_run_all(sr, CK_NORMAL);				\
		failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;		\
	}

/* Hex string -> bytes; returns the byte count (test helper). */
static inline size_t dfs_test_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;

	while (hex[0] && hex[1] && n < cap) {
		unsigned v;

		if (hex[0] == ' ' || hex[0] == '\n') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (unsigned char)v;
		hex += 2;
	}
	return n;
}

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log.c - timestamped lines on stderr; the service manager keeps them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

int dfs_log_level = DFS_LOG_INFO;

void dfs_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "info", "verbose", "debug" };
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	if (level > dfs_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ dittofsd[%s]: ", when, ts.tv_nsec / 1000000,
		names[level < 0 ? 0 : level > 3 ? 3 : level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

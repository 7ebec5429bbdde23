// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * time.c - Windows FILETIME: 100 ns ticks since 1601-01-01 UTC.
 */
#include <time.h>

#include "userd/server.h"

/* Seconds from 1601-01-01 to 1970-01-01 */
#define DFS_EPOCH_DELTA 11644473600ll

u64 dfs_timespec_to_filetime(long sec, long nsec)
{
	long long s = (long long)sec + DFS_EPOCH_DELTA;

	/* before 1601 cannot be expressed; 0 means "no time" on the wire */
	if (s < 0)
		return 0;
	return (u64)s * 10000000ull + (u64)(nsec / 100);
}

u64 dfs_filetime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return dfs_timespec_to_filetime((long)ts.tv_sec, ts.tv_nsec);
}

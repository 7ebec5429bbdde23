/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - dittofsd's logging: to stderr, with a level from the config.
 */
#ifndef DITTOFSD_LOG_H
#define DITTOFSD_LOG_H

enum { DFS_LOG_ERR = 0, DFS_LOG_INFO = 1, DFS_LOG_VERBOSE = 2, DFS_LOG_DEBUG = 3 };

extern int dfs_log_level;

void dfs_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) dfs_log(DFS_LOG_ERR, __VA_ARGS__)
#define log_info(...) dfs_log(DFS_LOG_INFO, __VA_ARGS__)
#define log_verbose(...) dfs_log(DFS_LOG_VERBOSE, __VA_ARGS__)
#define log_debug(...) dfs_log(DFS_LOG_DEBUG, __VA_ARGS__)

#endif /* DITTOFSD_LOG_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lmdb_env.h - what users.mdb and durable.mdb share: one environment file
 * in the state directory, opened the same way, and LMDB's return codes as
 * negative errno values.
 */
#ifndef DITTOFSD_LMDB_ENV_H
#define DITTOFSD_LMDB_ENV_H

#include <stddef.h>
#include <lmdb.h>

/* 0, or a negative errno for an LMDB or system error code. */
int dfs_lmdb_errno(int rc);

/*
 * Open (creating) dir/file as an environment of mapsize bytes with one
 * named database, mode 0600, and free the reader slots of processes that
 * died holding them. 0 or a negative errno; *env is NULL on failure.
 */
int dfs_lmdb_env_open(const char *dir, const char *file, size_t mapsize,
		      MDB_env **env);

#endif /* DITTOFSD_LMDB_ENV_H */

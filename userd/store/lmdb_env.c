// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lmdb_env.c - the environment handling users.mdb (userdb.c) and
 * durable.mdb (durable_db.c) share. Each is a file of its own: LMDB
 * forbids opening one environment twice in a process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lmdb_env.h"

/* System errors come back as positive errno; LMDB's own are negative. */
int dfs_lmdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
	case MDB_TXN_FULL:
	case MDB_PAGE_FULL:
		return -ENOSPC;
	case MDB_READERS_FULL:
		return -EAGAIN;
	case MDB_MAP_RESIZED:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		return -EPROTO;
	}
	if (rc > 0)
		return -rc;
	/* MDB_CORRUPTED, MDB_PANIC, MDB_INVALID, MDB_PAGE_NOTFOUND, ... */
	return -EIO;
}

int dfs_lmdb_env_open(const char *dir, const char *file, size_t mapsize,
		      MDB_env **env)
{
	size_t dlen = strlen(dir), flen = strlen(file);
	char *path = malloc(dlen + 1 + flen + 1);
	int rc;

	*env = NULL;
	if (!path)
		return -ENOMEM;
	memcpy(path, dir, dlen);
	path[dlen] = '/';
	memcpy(path + dlen + 1, file, flen + 1);
	rc = mdb_env_create(env);
	if (!rc)
		rc = mdb_env_set_mapsize(*env, mapsize);
	if (!rc)
		rc = mdb_env_set_maxdbs(*env, 1);
	/* MDB_NOTLS: dittofsd may call us from more than one thread. */
	if (!rc)
		rc = mdb_env_open(*env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	free(path);
	if (!rc) {
		int dead;

		/* Free reader slots of a dittofsd or dittofsctl that crashed. */
		mdb_reader_check(*env, &dead);
	} else if (*env) {
		mdb_env_close(*env);
		*env = NULL;
	}
	return dfs_lmdb_errno(rc);
}

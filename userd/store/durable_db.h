/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * durable_db.h - durable opens recorded in LMDB (durable.mdb in the state
 * directory), so that an administrator can see them and a restarted
 * daemon knows which ones it lost.
 */
#ifndef DITTOFSD_DURABLE_DB_H
#define DITTOFSD_DURABLE_DB_H

#include <stdbool.h>
#include <stdint.h>

struct dfs_durable_db;

struct dfs_durable_rec {
	uint64_t persistent_id;		/* the key */
	uint8_t create_guid[16];	/* zero for v1 opens */
	uint8_t client_guid[16];
	uint32_t access;
	uint32_t share;
	uint32_t timeout_ms;
	uint8_t version;		/* 1 (DHnQ) or 2 (DH2Q) */
	bool disconnected;
	char user[128];
	char path[1024];		/* "share/path", truncated if longer */
};

/*
 * Open (creating if needed) durable.mdb under dir and drop the records a
 * previous daemon left: their file descriptors died with it. *dropped
 * gets how many there were. 0 or -errno.
 */
int dfs_durable_db_open(const char *dir, struct dfs_durable_db **out,
			unsigned *dropped);
void dfs_durable_db_close(struct dfs_durable_db *db);
/* Insert or replace the record of rec->persistent_id. 0 or -errno. */
int dfs_durable_db_put(struct dfs_durable_db *db,
		       const struct dfs_durable_rec *rec);
/* 0, -ENOENT or -errno. */
int dfs_durable_db_del(struct dfs_durable_db *db, uint64_t persistent_id);
/* How many records there are (for status), or -errno. */
int dfs_durable_db_count(struct dfs_durable_db *db);

#endif /* DITTOFSD_DURABLE_DB_H */

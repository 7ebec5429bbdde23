// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * durable_db.c - durable opens in LMDB: durable.mdb in the state
 * directory, its own environment file beside users.mdb (LMDB forbids
 * opening one environment twice in a process), named database "durable".
 *
 * A user-mode daemon cannot keep a file descriptor across its own
 * restart, so the records do not let a restarted daemon reclaim an open:
 * they show what exists (dittofsctl) and, at start, what was lost (the
 * stale records are counted, logged and dropped).
 *
 * Key: the persistent FileId, 8 bytes little-endian. Value, v1:
 *   [0]      version (1)
 *   [1]      flags: bit 0 = disconnected
 *   [2]      durable version (1 = DHnQ, 2 = DH2Q)
 *   [3]      reserved
 *   [4..19]  CreateGuid
 *   [20..35] ClientGuid
 *   [36..39] access mask
 *   [40..43] share access
 *   [44..47] timeout in ms
 *   [48]     length of the user name, then the name
 *   then     2 bytes length of the path, then the path
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "durable_db.h"
#include "lmdb_env.h"

#define DURABLE_FILE "durable.mdb"
#define DURABLE_MAP_SIZE (16u << 20)
#define REC_VERSION 1
#define REC_FLAG_DISCONNECTED 0x01
#define REC_FIXED 48
#define REC_MAX (REC_FIXED + 1 + 127 + 2 + 1023)

struct dfs_durable_db {
	MDB_env *env;
	MDB_dbi dbi;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void key_of(uint64_t id, uint8_t k[8])
{
	put32(k, (uint32_t)id);
	put32(k + 4, (uint32_t)(id >> 32));
}

static size_t encode(const struct dfs_durable_rec *r, uint8_t *out)
{
	size_t ulen = strnlen(r->user, 127), plen = strnlen(r->path, 1023);
	size_t n = REC_FIXED;

	out[0] = REC_VERSION;
	out[1] = r->disconnected ? REC_FLAG_DISCONNECTED : 0;
	out[2] = r->version;
	out[3] = 0;
	memcpy(out + 4, r->create_guid, 16);
	memcpy(out + 20, r->client_guid, 16);
	put32(out + 36, r->access);
	put32(out + 40, r->share);
	put32(out + 44, r->timeout_ms);
	out[n++] = (uint8_t)ulen;
	memcpy(out + n, r->user, ulen);
	n += ulen;
	out[n++] = (uint8_t)plen;
	out[n++] = (uint8_t)(plen >> 8);
	memcpy(out + n, r->path, plen);
	return n + plen;
}

/* Empty the database, counting what was there. */
static int drop_all(struct dfs_durable_db *db, unsigned *dropped)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_dbi_open(txn, "durable", MDB_CREATE, &db->dbi);
	if (!rc)
		rc = mdb_stat(txn, db->dbi, &st);
	if (!rc)
		rc = mdb_drop(txn, db->dbi, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	*dropped = (unsigned)st.ms_entries;
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_durable_db_open(const char *dir, struct dfs_durable_db **out,
			unsigned *dropped)
{
	struct dfs_durable_db *db = calloc(1, sizeof(*db));
	int rc;

	*dropped = 0;
	if (!db)
		return -ENOMEM;
	rc = dfs_lmdb_env_open(dir, DURABLE_FILE, DURABLE_MAP_SIZE, &db->env);
	if (!rc)
		rc = drop_all(db, dropped);
	if (rc) {
		if (db->env)
			mdb_env_close(db->env);
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void dfs_durable_db_close(struct dfs_durable_db *db)
{
	if (!db)
		return;
	mdb_env_close(db->env);
	free(db);
}

int dfs_durable_db_put(struct dfs_durable_db *db,
		       const struct dfs_durable_rec *rec)
{
	uint8_t k[8], buf[REC_MAX];
	MDB_val key = { sizeof(k), k }, val = { 0, buf };
	MDB_txn *txn;
	int rc;

	key_of(rec->persistent_id, k);
	val.mv_size = encode(rec, buf);
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_put(txn, db->dbi, &key, &val, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_durable_db_del(struct dfs_durable_db *db, uint64_t persistent_id)
{
	uint8_t k[8];
	MDB_val key = { sizeof(k), k };
	MDB_txn *txn;
	int rc;

	key_of(persistent_id, k);
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_del(txn, db->dbi, &key, NULL);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_durable_db_count(struct dfs_durable_db *db)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_stat(txn, db->dbi, &st);
	mdb_txn_abort(txn);
	return rc ? dfs_lmdb_errno(rc) : (int)st.ms_entries;
}

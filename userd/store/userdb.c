// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * userdb.c - the SMB user database: one LMDB environment, users.mdb in the
 * state directory, with a named database "users".
 *
 * It lives in its own environment file (MDB_NOSUBDIR) rather than in the
 * state directory's default data.mdb because LMDB forbids opening one
 * environment twice in a process, and dittofsd keeps durable-handle state
 * in the same directory.
 *
 * dittofsctl writes while dittofsd reads: LMDB serialises writers and gives
 * readers a snapshot, so each call here runs in its own short transaction
 * and no read transaction outlives a call (a long-lived reader would pin
 * old pages and let the file grow).
 *
 * Key: the account name in ASCII lower case. Value, little-endian, v1:
 *   [0]      version (1)
 *   [1]      flags: bit 0 = disabled
 *   [2..17]  NT hash
 *   [18..21] uid
 *   [22..25] gid
 *   [26]     length of the name as written (for display)
 *   [27..]   the name as written
 * A layout change bumps the version, and decode() then learns both.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lmdb_env.h"
#include "userdb.h"

#define USERDB_FILE "users.mdb"
#define USERDB_MAP_SIZE (16u << 20)
#define USERDB_NAME_MAX 127

#define REC_VERSION 1
#define REC_FLAG_DISABLED 0x01
#define REC_FIXED_LEN 27
#define REC_MAX_LEN (REC_FIXED_LEN + USERDB_NAME_MAX)

struct dfs_userdb {
	MDB_env *env;
	MDB_dbi dbi;
};


static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * 1..127 bytes, no control characters and none of the characters Windows
 * and Samba refuse in account names (they would also break smb.conf lists).
 */
bool dfs_userdb_name_valid(const char *name)
{
	size_t len = strnlen(name, USERDB_NAME_MAX + 1);
	const unsigned char *c;

	if (!len || len > USERDB_NAME_MAX)
		return false;
	for (c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return !strpbrk(name, "/\\[]:;|=,+*?<>\"");
}

/* Case-insensitive for ASCII; other UTF-8 bytes are kept as they are. */
static size_t make_key(const char *name, char *key)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		key[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	key[i] = '\0';
	return i;
}

static size_t encode(const struct dfs_user *u, uint8_t *rec)
{
	size_t len = strlen(u->name);

	rec[0] = REC_VERSION;
	rec[1] = u->disabled ? REC_FLAG_DISABLED : 0;
	memcpy(rec + 2, u->nt_hash, 16);
	put_le32(rec + 18, (uint32_t)u->uid);
	put_le32(rec + 22, (uint32_t)u->gid);
	rec[26] = (uint8_t)len;
	memcpy(rec + REC_FIXED_LEN, u->name, len);
	return REC_FIXED_LEN + len;
}

static int decode(const MDB_val *v, struct dfs_user *u)
{
	const uint8_t *rec = v->mv_data;
	size_t nlen;

	if (v->mv_size < REC_FIXED_LEN || rec[0] != REC_VERSION)
		return -EIO;
	nlen = rec[26];
	if (nlen > USERDB_NAME_MAX || v->mv_size != REC_FIXED_LEN + nlen)
		return -EIO;
	memset(u, 0, sizeof(*u));
	u->disabled = rec[1] & REC_FLAG_DISABLED;
	memcpy(u->nt_hash, rec + 2, 16);
	u->uid = (uid_t)get_le32(rec + 18);
	u->gid = (gid_t)get_le32(rec + 22);
	memcpy(u->name, rec + REC_FIXED_LEN, nlen);
	u->name[nlen] = '\0';
	return 0;
}

static int mkdir_private(const char *dir)
{
	struct stat st;

	if (!mkdir(dir, 0700))
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int open_dbi(struct dfs_userdb *db)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_dbi_open(txn, "users", MDB_CREATE, &db->dbi);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_userdb_open(const char *dir, struct dfs_userdb **out)
{
	struct dfs_userdb *db;
	int rc;

	*out = NULL;
	rc = mkdir_private(dir);
	if (rc)
		return rc;
	db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	rc = dfs_lmdb_env_open(dir, USERDB_FILE, USERDB_MAP_SIZE, &db->env);
	if (!rc)
		rc = open_dbi(db);
	if (rc) {
		if (db->env)
			mdb_env_close(db->env);
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void dfs_userdb_close(struct dfs_userdb *db)
{
	if (!db)
		return;
	mdb_env_close(db->env);
	free(db);
}

int dfs_userdb_get(struct dfs_userdb *db, const char *name,
		   struct dfs_user *out)
{
	char key[USERDB_NAME_MAX + 1];
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	if (!dfs_userdb_name_valid(name))
		return -ENOENT;
	k.mv_size = make_key(name, key);
	k.mv_data = key;
	rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_get(txn, db->dbi, &k, &v);
	/* v points into the map: decode before the snapshot goes away. */
	rc = rc ? dfs_lmdb_errno(rc) : decode(&v, out);
	mdb_txn_abort(txn);
	return rc;
}

int dfs_userdb_put(struct dfs_userdb *db, const struct dfs_user *u)
{
	char key[USERDB_NAME_MAX + 1];
	uint8_t rec[REC_MAX_LEN];
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	if (!dfs_userdb_name_valid(u->name))
		return -EINVAL;
	k.mv_size = make_key(u->name, key);
	k.mv_data = key;
	v.mv_size = encode(u, rec);
	v.mv_data = rec;
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_put(txn, db->dbi, &k, &v, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_userdb_del(struct dfs_userdb *db, const char *name)
{
	char key[USERDB_NAME_MAX + 1];
	MDB_txn *txn;
	MDB_val k;
	int rc;

	if (!dfs_userdb_name_valid(name))
		return -ENOENT;
	k.mv_size = make_key(name, key);
	k.mv_data = key;
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_del(txn, db->dbi, &k, NULL);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_userdb_list(struct dfs_userdb *db,
		    int (*fn)(const struct dfs_user *u, void *arg), void *arg)
{
	struct dfs_user u;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_txn *txn;
	int rc, op = MDB_FIRST;

	rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_cursor_open(txn, db->dbi, &cur);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	for (;;) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc) {
			rc = rc == MDB_NOTFOUND ? 0 : dfs_lmdb_errno(rc);
			break;
		}
		op = MDB_NEXT;
		rc = decode(&v, &u);
		if (!rc)
			rc = fn(&u, arg);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

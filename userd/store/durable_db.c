// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * durable_db.c - durable opens in LMDB: durable.mdb in the state
 * directory, its own environment file beside users.mdb (LMDB forbids
 * opening one environment twice in a process), named database "durable".
 *
 * A record holds what a restarted daemon needs to open the file again as
 * its owner and check it is the same file (smb2_durable_restore.c): the
 * share and path, dev/ino, the owner's identity, the granted access,
 * share access and oplock or lease, and when it ends.
 *
 * Key: the persistent FileId, 8 bytes little-endian. Value, format 3
 * (little-endian):
 *   [0]      format (3; format 1 records lack what a reopen needs, 2 the
 *            lease of a leased open)
 *   [1]      flags: disconnected 0x01, guest 0x02, anonymous 0x04,
 *            encrypt data 0x08
 *   [2]      durable version (1 = DHnQ, 2 = DH2Q)
 *   [3]      oplock level
 *   [4..19]  CreateGuid
 *   [20..35] ClientGuid
 *   [36..39] access mask
 *   [40..43] share access
 *   [44..47] timeout in ms
 *   [48..55] deadline, CLOCK_REALTIME ms (disconnected opens)
 *   [56..63] st_dev
 *   [64..71] st_ino
 *   [72..75] uid
 *   [76..79] gid
 *   [80]     number of supplementary groups (at most 64)
 *   [81..87] reserved, zero
 *   [88..95] birth time in ns (statx btime; 0 = unknown)
 *   [96]     lease version (0 = no lease, 1 or 2)
 *   [97]     reserved, zero
 *   [98..99] lease epoch
 *   [100..103] lease state (SMB2_LEASE_* bits)
 *   [104..119] lease key
 *   [120..135] parent lease key
 *   [136..151] ClientGuid of the lease
 *   then     the groups, 4 bytes each
 *   then     user, domain and share name: 1 byte length and the bytes
 *   then     the path: 2 bytes length and the bytes
 *   then     64 bytes of LockSequence buckets
 *   then     2 bytes number of byte-range locks, and per lock 8 bytes
 *            offset, 8 bytes length, 1 byte exclusive (0 or 1); a number
 *            over 64 says the open held more than were kept (no entries)
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "durable_db.h"
#include "lmdb_env.h"

#define DURABLE_FILE "durable.mdb"
#define DURABLE_MAP_SIZE (16u << 20)
#define REC_FORMAT 3
#define REC_FIXED 152
/* Read, Handle and Write caching: the lease state bits there are */
#define LEASE_STATE_BITS 0x07u
#define F_DISCONNECTED 0x01
#define F_GUEST 0x02
#define F_ANONYMOUS 0x04
#define F_ENCRYPT 0x08

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

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- encoding --------------------------------------------------------- */

/* Append a string with a length prefix of lbytes (1 or 2); false if too long */
static bool put_str(uint8_t *out, size_t cap, size_t *n, const char *s,
		    size_t max, unsigned lbytes)
{
	size_t len = strnlen(s, max + 1);

	if (len > max || *n + lbytes + len > cap)
		return false;
	out[(*n)++] = (uint8_t)len;
	if (lbytes == 2)
		out[(*n)++] = (uint8_t)(len >> 8);
	memcpy(out + *n, s, len);
	*n += len;
	return true;
}

static uint8_t flags_of(const struct dfs_durable_rec *r)
{
	return (r->disconnected ? F_DISCONNECTED : 0) |
	       (r->guest ? F_GUEST : 0) | (r->anonymous ? F_ANONYMOUS : 0) |
	       (r->encrypt_data ? F_ENCRYPT : 0);
}

static bool put_locks(const struct dfs_durable_rec *r, uint8_t *out, size_t cap,
		      size_t *n)
{
	unsigned i, kept = r->nlocks > DFS_DURABLE_REC_LOCKS ? 0 : r->nlocks;

	if (*n + 64 + 2 + 17 * (size_t)kept > cap)
		return false;
	memcpy(out + *n, r->lock_seq, 64);
	*n += 64;
	out[(*n)++] = (uint8_t)r->nlocks;
	out[(*n)++] = (uint8_t)(r->nlocks >> 8);
	for (i = 0; i < kept; i++, *n += 17) {
		put64(out + *n, r->locks[i].off);
		put64(out + *n + 8, r->locks[i].len);
		out[*n + 16] = r->locks[i].excl;
	}
	return true;
}

static void put_lease(const struct dfs_durable_rec *r, uint8_t *out)
{
	out[96] = r->lease_version;
	out[98] = (uint8_t)r->lease_epoch;
	out[99] = (uint8_t)(r->lease_epoch >> 8);
	put32(out + 100, r->lease_state);
	memcpy(out + 104, r->lease_key, 16);
	memcpy(out + 120, r->lease_parent, 16);
	memcpy(out + 136, r->lease_client_guid, 16);
}

size_t dfs_durable_rec_encode(const struct dfs_durable_rec *r, uint8_t *out,
			      size_t cap)
{
	size_t n = REC_FIXED;
	unsigned i;

	if (cap < REC_FIXED + 4u * r->ngroups || r->ngroups > DFS_DURABLE_REC_GROUPS)
		return 0;
	memset(out, 0, REC_FIXED);
	out[0] = REC_FORMAT;
	out[1] = flags_of(r);
	out[2] = r->version;
	out[3] = r->oplock;
	memcpy(out + 4, r->create_guid, 16);
	memcpy(out + 20, r->client_guid, 16);
	put32(out + 36, r->access);
	put32(out + 40, r->share);
	put32(out + 44, r->timeout_ms);
	put64(out + 48, r->deadline_wall_ms);
	put64(out + 56, r->dev);
	put64(out + 64, r->ino);
	put32(out + 72, r->uid);
	put32(out + 76, r->gid);
	out[80] = r->ngroups;
	put64(out + 88, r->birth_ns);
	put_lease(r, out);
	for (i = 0; i < r->ngroups; i++, n += 4)
		put32(out + n, r->groups[i]);
	if (!put_str(out, cap, &n, r->user, sizeof(r->user) - 1, 1) ||
	    !put_str(out, cap, &n, r->domain, sizeof(r->domain) - 1, 1) ||
	    !put_str(out, cap, &n, r->share_name, sizeof(r->share_name) - 1, 1) ||
	    !put_str(out, cap, &n, r->path, sizeof(r->path) - 1, 2) ||
	    !put_locks(r, out, cap, &n))
		return 0;
	return n;
}

/* ---- decoding: every length is checked against what is left ---------- */

static bool get_str(const uint8_t *in, size_t len, size_t *n, char *s,
		    size_t cap, unsigned lbytes)
{
	size_t slen;

	if (*n + lbytes > len)
		return false;
	slen = in[*n];
	if (lbytes == 2)
		slen |= (size_t)in[*n + 1] << 8;
	*n += lbytes;
	if (slen >= cap || slen > len - *n || memchr(in + *n, 0, slen))
		return false;
	memcpy(s, in + *n, slen);
	s[slen] = '\0';
	*n += slen;
	return true;
}

static bool get_locks(const uint8_t *in, size_t len, size_t *n,
		      struct dfs_durable_rec *r)
{
	unsigned i, kept;

	if (len - *n < 64 + 2)
		return false;
	memcpy(r->lock_seq, in + *n, 64);
	*n += 64;
	r->nlocks = (uint16_t)(in[*n] | in[*n + 1] << 8);
	*n += 2;
	kept = r->nlocks > DFS_DURABLE_REC_LOCKS ? 0 : r->nlocks;
	if (len - *n < 17 * (size_t)kept)
		return false;
	for (i = 0; i < kept; i++, *n += 17) {
		if (in[*n + 16] > 1)
			return false;
		r->locks[i].off = get64(in + *n);
		r->locks[i].len = get64(in + *n + 8);
		r->locks[i].excl = in[*n + 16];
	}
	return true;
}

static void get_fixed(const uint8_t *in, struct dfs_durable_rec *r)
{
	r->disconnected = in[1] & F_DISCONNECTED;
	r->guest = in[1] & F_GUEST;
	r->anonymous = in[1] & F_ANONYMOUS;
	r->encrypt_data = in[1] & F_ENCRYPT;
	r->version = in[2];
	r->oplock = in[3];
	memcpy(r->create_guid, in + 4, 16);
	memcpy(r->client_guid, in + 20, 16);
	r->access = get32(in + 36);
	r->share = get32(in + 40);
	r->timeout_ms = get32(in + 44);
	r->deadline_wall_ms = get64(in + 48);
	r->dev = get64(in + 56);
	r->ino = get64(in + 64);
	r->uid = get32(in + 72);
	r->gid = get32(in + 76);
	r->ngroups = in[80];
	r->birth_ns = get64(in + 88);
	r->lease_version = in[96];
	r->lease_epoch = (uint16_t)(in[98] | in[99] << 8);
	r->lease_state = get32(in + 100);
	memcpy(r->lease_key, in + 104, 16);
	memcpy(r->lease_parent, in + 120, 16);
	memcpy(r->lease_client_guid, in + 136, 16);
}

int dfs_durable_rec_decode(const uint8_t *in, size_t len,
			   struct dfs_durable_rec *r)
{
	size_t n = REC_FIXED;
	unsigned i;

	if (len < REC_FIXED || in[0] != REC_FORMAT)
		return -EINVAL;
	get_fixed(in, r);
	if ((r->version != 1 && r->version != 2) || r->lease_version > 2 ||
	    (r->lease_state & ~LEASE_STATE_BITS) ||
	    r->ngroups > DFS_DURABLE_REC_GROUPS ||
	    len - n < 4u * r->ngroups)
		return -EINVAL;
	for (i = 0; i < r->ngroups; i++, n += 4)
		r->groups[i] = get32(in + n);
	if (!get_str(in, len, &n, r->user, sizeof(r->user), 1) ||
	    !get_str(in, len, &n, r->domain, sizeof(r->domain), 1) ||
	    !get_str(in, len, &n, r->share_name, sizeof(r->share_name), 1) ||
	    !get_str(in, len, &n, r->path, sizeof(r->path), 2) ||
	    !get_locks(in, len, &n, r) || n != len)
		return -EINVAL;
	return 0;
}

/* ---- the database ----------------------------------------------------- */

static void key_of(uint64_t id, uint8_t k[8])
{
	put64(k, id);
}

static int open_dbi(struct dfs_durable_db *db)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_dbi_open(txn, "durable", MDB_CREATE, &db->dbi);
	if (rc) {
		mdb_txn_abort(txn);
		return dfs_lmdb_errno(rc);
	}
	return dfs_lmdb_errno(mdb_txn_commit(txn));
}

int dfs_durable_db_open(const char *dir, struct dfs_durable_db **out)
{
	struct dfs_durable_db *db = calloc(1, sizeof(*db));
	int rc;

	if (!db)
		return -ENOMEM;
	rc = dfs_lmdb_env_open(dir, DURABLE_FILE, DURABLE_MAP_SIZE, &db->env);
	/*
	 * The records are for a daemon that dies, not a machine: what a
	 * commit wrote is in the page cache for the next daemon to read, so
	 * no fsync per commit (a LOCK on a durable open rewrites its record).
	 */
	if (!rc)
		rc = dfs_lmdb_errno(mdb_env_set_flags(db->env, MDB_NOSYNC, 1));
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

void dfs_durable_db_close(struct dfs_durable_db *db)
{
	if (!db)
		return;
	mdb_env_close(db->env);
	free(db);
}

/* Walk the records in a write transaction, deleting those that do not parse */
static int load_txn(struct dfs_durable_db *db, MDB_txn *txn,
		    struct dfs_durable_rec *recs, size_t cap, size_t *n,
		    unsigned *bad)
{
	MDB_cursor *cur;
	MDB_val key, val;
	int rc;

	rc = mdb_cursor_open(txn, db->dbi, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); !rc;
	     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
		if (*n < cap && key.mv_size == 8 &&
		    !dfs_durable_rec_decode(val.mv_data, val.mv_size, &recs[*n])) {
			recs[*n].persistent_id = get64(key.mv_data);
			(*n)++;
			continue;
		}
		(*bad)++;
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int dfs_durable_db_load(struct dfs_durable_db *db, struct dfs_durable_rec **out,
			size_t *n, unsigned *bad)
{
	struct dfs_durable_rec *recs = NULL;
	MDB_txn *txn;
	MDB_stat st;
	int rc;

	*out = NULL;
	*n = 0;
	*bad = 0;
	rc = mdb_txn_begin(db->env, NULL, 0, &txn);
	if (rc)
		return dfs_lmdb_errno(rc);
	rc = mdb_stat(txn, db->dbi, &st);
	if (!rc && st.ms_entries) {
		recs = calloc(st.ms_entries, sizeof(*recs));
		rc = recs ? load_txn(db, txn, recs, st.ms_entries, n, bad) : ENOMEM;
	}
	if (rc) {
		mdb_txn_abort(txn);
		free(recs);
		*n = 0;
		return dfs_lmdb_errno(rc);
	}
	rc = mdb_txn_commit(txn);
	if (rc) {
		free(recs);
		*n = 0;
		return dfs_lmdb_errno(rc);
	}
	*out = recs;
	return 0;
}

int dfs_durable_db_put(struct dfs_durable_db *db,
		       const struct dfs_durable_rec *rec)
{
	uint8_t k[8], buf[DFS_DURABLE_REC_MAX];
	MDB_val key = { sizeof(k), k }, val = { 0, buf };
	MDB_txn *txn;
	int rc;

	key_of(rec->persistent_id, k);
	val.mv_size = dfs_durable_rec_encode(rec, buf, sizeof(buf));
	if (!val.mv_size)
		return -ENAMETOOLONG;
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

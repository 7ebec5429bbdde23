/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * durable_db.h - durable opens recorded in LMDB (durable.mdb in the state
 * directory): what a restarted daemon needs to open the file again and
 * let its client reclaim it (smb2_durable_restore.c), and what an
 * administrator sees meanwhile.
 */
#ifndef DITTOFSD_DURABLE_DB_H
#define DITTOFSD_DURABLE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dfs_durable_db;

#define DFS_DURABLE_REC_GROUPS 64
/* Byte-range locks a record keeps; an open holding more is not restored */
#define DFS_DURABLE_REC_LOCKS 64

struct dfs_durable_rec_lock {
	uint64_t off, len;
	bool excl;
};

struct dfs_durable_rec {
	uint64_t persistent_id;		/* the key; also the volatile id */
	uint8_t create_guid[16];	/* zero for v1 opens */
	uint8_t client_guid[16];
	uint32_t access;		/* granted access mask */
	uint32_t share;			/* share access */
	uint32_t timeout_ms;		/* granted timeout */
	uint8_t version;		/* 1 (DHnQ) or 2 (DH2Q) */
	uint8_t oplock;			/* SMB2_OPLOCK_LEVEL_* held */
	/* its lease (oplock 0xFF), shared by the opens of the same key */
	uint8_t lease_version;		/* 0: no lease; 1 or 2 */
	uint16_t lease_epoch;		/* v2: as last sent to the client */
	uint32_t lease_state;		/* SMB2_LEASE_* bits it holds */
	uint8_t lease_key[16];
	uint8_t lease_parent[16];
	uint8_t lease_client_guid[16];
	bool disconnected;
	uint64_t deadline_wall_ms;	/* disconnected: CLOCK_REALTIME ms it ends */
	uint64_t dev, ino;		/* the file it must still be */
	uint64_t birth_ns;		/* and its birth time, 0 if unknown */
	/* the owner, as the open's session had it */
	uint32_t uid, gid;
	uint32_t groups[DFS_DURABLE_REC_GROUPS];
	uint8_t ngroups;
	bool guest, anonymous, encrypt_data;
	char user[128];
	char domain[128];
	char share_name[81];		/* [section] of the share */
	char path[4096];		/* share-relative, '/'-separated */
	uint8_t lock_seq[64];		/* LockSequence buckets (server.h) */
	uint16_t nlocks;		/* > DFS_DURABLE_REC_LOCKS: too many kept */
	struct dfs_durable_rec_lock locks[DFS_DURABLE_REC_LOCKS];
};

/* Largest encoded record (bytes) */
#define DFS_DURABLE_REC_MAX \
	(152 + 4 * DFS_DURABLE_REC_GROUPS + 3 * (1 + 127) + 2 + 4095 + 64 + 2 + \
	 17 * DFS_DURABLE_REC_LOCKS)

/*
 * The value stored for rec (the key is its persistent id): length written
 * to out (cap bytes), 0 if a name or the path is too long to be kept.
 */
size_t dfs_durable_rec_encode(const struct dfs_durable_rec *rec, uint8_t *out,
			      size_t cap);
/* Parse a stored value; 0, or -EINVAL for a short, bad or older record. */
int dfs_durable_rec_decode(const uint8_t *in, size_t len,
			   struct dfs_durable_rec *rec);

/* Open (creating if needed) durable.mdb under dir. 0 or -errno. */
int dfs_durable_db_open(const char *dir, struct dfs_durable_db **out);
void dfs_durable_db_close(struct dfs_durable_db *db);
/*
 * Every record, in a malloc'd array (*n of them; free it). Records that
 * cannot be parsed (an older format, damage) are deleted and counted in
 * *bad. 0 or -errno.
 */
int dfs_durable_db_load(struct dfs_durable_db *db, struct dfs_durable_rec **out,
			size_t *n, unsigned *bad);
/* Insert or replace the record of rec->persistent_id. 0 or -errno. */
int dfs_durable_db_put(struct dfs_durable_db *db,
		       const struct dfs_durable_rec *rec);
/* 0, -ENOENT or -errno. */
int dfs_durable_db_del(struct dfs_durable_db *db, uint64_t persistent_id);
/* How many records there are (for status), or -errno. */
int dfs_durable_db_count(struct dfs_durable_db *db);

#endif /* DITTOFSD_DURABLE_DB_H */

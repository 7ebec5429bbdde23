/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smb2_lease.h - SMB2 leases (MS-SMB2 2.2.13.2.8, 2.2.13.2.10, 2.2.23.2,
 * 2.2.24.2, 3.3.1.4, 3.3.4.7, 3.3.5.9.8, 3.3.5.9.11, 3.3.5.22.2).
 *
 * A lease belongs to a client (ClientGuid) and a key it chose, and caches
 * one file's data (or one named stream's): Read, Handle and Write caching.
 * Every open a client makes with the same key shares the lease.
 */
#ifndef DITTOFSD_SMB2_LEASE_H
#define DITTOFSD_SMB2_LEASE_H

#include "userd/server.h"

#define SMB2_LEASE_NONE		0x00u
#define SMB2_LEASE_READ		0x01u
#define SMB2_LEASE_HANDLE	0x02u
#define SMB2_LEASE_WRITE	0x04u
#define SMB2_LEASE_RWH		0x07u

#define SMB2_LEASE_FLAG_BREAK_IN_PROGRESS	0x02u
#define SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET	0x04u
#define SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED 0x01u

/* RqLs data sizes: v1 (2.2.13.2.8) and v2 (2.2.13.2.10) */
#define DFS_LEASE_V1_LEN	32u
#define DFS_LEASE_V2_LEN	52u

/* An RqLs create context as a CREATE sent it */
struct dfs_lease_req {
	bool present;
	u8 version;		/* 1 or 2 */
	u8 key[16];
	u32 state;		/* requested SMB2_LEASE_* bits */
	u32 flags;
	u8 parent[16];		/* v2 with PARENT_LEASE_KEY_SET */
	u16 epoch;		/* v2 */
};

/* One entry of the lease table (3.3.1.4) */
struct dfs_lease {
	struct dfs_lease *next;
	u8 client_guid[16];
	u8 key[16];
	u8 parent[16];
	u8 version;
	u16 epoch;		/* v2: bumped on every state change */
	u32 state;
	bool breaking;		/* a break that needs an ack is out */
	bool blocking;		/* ... and opens wait for it (not a write's) */
	u32 breaking_to;	/* what that break notification announced */
	u32 pending_to;		/* where later conflicts want it (<= breaking_to) */
	u64 break_deadline;	/* monotonic ms: then the break ends anyway */
	u64 dev, ino;		/* the data it caches */
	char *stream;		/* a named stream of it, or NULL */
	u32 nopens;		/* opens sharing it; freed when none is left */
};

/* ---- pure state rules (tests/unit/test_lease.c) ---------------------- */

/* What a lone opener gets for a request: W or H alone mean nothing. */
u32 dfs_lease_valid(u32 requested);
/*
 * A same-key open: the new state if requested is an upgrade that the other
 * opens of the data (others; other_oplock: one holds an oplock) allow.
 */
u32 dfs_lease_upgrade(u32 cur, u32 requested, bool others, bool other_oplock);
/*
 * What a lease of another key (in `state`, being broken with an opener
 * waiting: breaking) keeps when a new open of its data arrives: write
 * caching goes; an overwrite may take more (see lease_state.c).
 */
u32 dfs_lease_contended(u32 state, bool overwrite, bool breaking);
/* What a new lease gets next to other opens (other_oplock: one holds one) */
u32 dfs_lease_shared_grant(u32 requested, bool other_oplock);
/* Must the client acknowledge a break from `from`? (not from R alone) */
bool dfs_lease_break_needs_ack(u32 from);
/* Check an acknowledgment of state `acked` for a break to `to`. */
u32 dfs_lease_ack_status(bool breaking, u32 to, u32 acked);
/*
 * Parse RqLs data (dlen bytes); v2_ok on 3.x connections. STATUS_SUCCESS
 * or STATUS_INVALID_PARAMETER for a size that is neither v1 nor v2.
 */
u32 dfs_lease_parse(const u8 *data, u32 dlen, bool v2_ok,
		    struct dfs_lease_req *out);
/* The RqLs response data of l in `version`; returns its length. */
u32 dfs_lease_rsp_data(const struct dfs_lease *l, u8 version, u8 *out);

/* ---- the lease table (smb2_lease.c) ---------------------------------- */

/* Does this connection take leases (2.1 and later)? */
bool dfs_lease_offered(const struct dfs_req *r);
/* The lease of the connection's client with this key, if any. */
struct dfs_lease *dfs_lease_find(struct dfs_server *srv, const u8 *client_guid,
				 const u8 *key);
/* A key already leasing other data may not name o's (INVALID_PARAMETER). */
u32 dfs_lease_check_file(struct dfs_req *r, const struct dfs_lease_req *lr,
			 const struct dfs_open *o);
/* A new lease for o's data; NULL when out of memory. */
struct dfs_lease *dfs_lease_new(struct dfs_req *r, const struct dfs_lease_req *lr,
				const struct dfs_open *o);
/*
 * The lease of a durable open a previous daemon held (want: its key,
 * client, version, epoch, state and data), for a restored open to attach
 * to: the one of that key already restored, or a new one. 0, -ENOMEM, or
 * -EEXIST when the key already leases other data.
 */
int dfs_lease_restore(struct dfs_server *srv, const struct dfs_lease *want,
		      struct dfs_lease **out);
/* o shares l from now on. */
void dfs_lease_attach(struct dfs_open *o, struct dfs_lease *l);
/* The state conflicts should be judged by: the break target while breaking */
u32 dfs_lease_effective(const struct dfs_lease *l);
/* Is l being broken with opens waiting for the ack? */
bool dfs_lease_blocking(const struct dfs_lease *l);
/*
 * Break l towards `to` (a subset of its state). True when an ack is
 * awaited (a CREATE then waits for it); breaks from R alone end at once.
 */
bool dfs_lease_break(struct dfs_server *srv, struct dfs_lease *l, u32 to);
/* Is a lease on (dev, ino, stream) other than `except` breaking, with
 * opens to wait for it? */
bool dfs_lease_breaking_on(struct dfs_server *srv, u64 dev, u64 ino,
			   const char *stream, const struct dfs_lease *except);
/*
 * Does a lease of another key than o's cache o's data for reading? Then a
 * WRITE through o breaks it (dfs_lease_written), and in kernel mode must
 * not bypass us.
 */
bool dfs_lease_other_reader(struct dfs_server *srv, const struct dfs_open *o);
/* o's data was written, truncated or locked: other R leases go to none. */
void dfs_lease_written(struct dfs_server *srv, const struct dfs_open *o);
/*
 * The same for the truncation of a CREATE that waited for a break: it
 * ends that break, so a v2 epoch does not move again.
 */
void dfs_lease_truncated(struct dfs_server *srv, const struct dfs_open *o);
/*
 * o is about to rename its file: other leases on it lose handle caching
 * (their cached handles would name a moved file). True if an ack is
 * awaited: the rename waits for it (MS-SMB2 3.3.5.21.1).
 */
bool dfs_lease_rename_break(struct dfs_server *srv, const struct dfs_open *o);
/*
 * A CREATE met a sharing violation on that data: leases with handle
 * caching are broken to give their handles up. True if an ack is awaited.
 */
bool dfs_lease_share_conflict(struct dfs_server *srv, u64 dev, u64 ino,
			      const char *stream);
/* Does o hold handle caching (so it may be durable)? */
bool dfs_lease_has_handle(const struct dfs_open *o);
/* o closes: it leaves its lease, freed with its last open. */
void dfs_lease_open_gone(struct dfs_server *srv, struct dfs_open *o);
/* End breaks whose acknowledgment is overdue; true if one ended. */
bool dfs_lease_tick(struct dfs_server *srv, u64 now_ms);
/* LEASE_BREAK acknowledgment (2.2.24.2, 3.3.5.22.2) */
u32 dfs_lease_break_ack(struct dfs_req *r);
/*
 * A durable reconnect: the lease the open holds must be named by the
 * request's RqLs (3.3.5.9.7, 3.3.5.9.12), else OBJECT_NAME_NOT_FOUND;
 * then the request's name (path) must be the open's, else
 * INVALID_PARAMETER (unlike an oplock's reconnect, which ignores it).
 */
u32 dfs_lease_reconnect_check(const struct dfs_req *r, const struct dfs_open *o,
			      const struct dfs_lease_req *lr, const char *path);
/*
 * Append o's RqLs response context to a CREATE response (r->rsp_body), in
 * the version the lease was made with, whatever this request used.
 */
void dfs_lease_append_rsp(struct dfs_req *r, const struct dfs_open *o);
/* Free the whole table (server shutdown). */
void dfs_lease_table_free(struct dfs_server *srv);

#endif /* DITTOFSD_SMB2_LEASE_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smb2_durable.h - durable handles (MS-SMB2 3.3.5.9.6/7/10/12, 3.3.7.1):
 * an open that outlives its connection for a while, so that a client
 * that lost TCP can reclaim it with the same FileId.
 */
#ifndef DITTOFSD_SMB2_DURABLE_H
#define DITTOFSD_SMB2_DURABLE_H

#include "userd/server.h"

/* The durable create contexts of one CREATE request */
struct dfs_durable_req {
	bool v1_req;		/* DHnQ */
	bool v2_req;		/* DH2Q */
	bool v1_reconn;		/* DHnC */
	bool v2_reconn;		/* DH2C */
	bool persistent;	/* DH2Q/DH2C flags ask for a persistent handle */
	u32 timeout;		/* DH2Q Timeout, ms (0 = server's choice) */
	u8 fileid[16];		/* DHnC/DH2C: the open to reclaim */
	u8 create_guid[16];	/* DH2Q/DH2C */
};

/*
 * Take one create context named DHnQ, DH2Q, DHnC or DH2C (name: 4 bytes).
 * Returns true if it was one of them; *st gets an error for bad data.
 */
bool dfs_durable_context(struct dfs_durable_req *d, const u8 *name,
			 const u8 *data, u32 dlen, u32 *st);
/* Invalid combinations of durable contexts (3.3.5.9.7, 3.3.5.9.12). */
u32 dfs_durable_validate(const struct dfs_durable_req *d);

/*
 * A DHnC/DH2C reconnect: finds the disconnected open, checks it is the
 * caller's (and, for a leased one, that lr names its lease and path its
 * file) and attaches it to the request's session and tree.
 */
struct dfs_lease_req;
u32 dfs_durable_reconnect(struct dfs_req *r, const struct dfs_durable_req *d,
			  const struct dfs_lease_req *lr, const char *path,
			  struct dfs_open **out);
/*
 * A DH2Q CREATE's CreateGuid (MS-SMB2 3.3.5.9.10). With
 * SMB2_FLAGS_REPLAY_OPERATION: *out gets the open its first attempt made
 * (then its response is sent again), or NULL when there is none or the
 * client has used it since (the replay is run as a new CREATE);
 * STATUS_FILE_NOT_AVAILABLE while the first attempt still waits for a
 * break. Without: STATUS_DUPLICATE_OBJECTID if an open of the client has
 * that CreateGuid already.
 */
u32 dfs_durable_by_create_guid(struct dfs_req *r,
			       const struct dfs_durable_req *d,
			       struct dfs_open **out);
/*
 * A new open got its oplock: make it durable if asked and allowed. Writes
 * the response context data (8 bytes) to ctx_data and its name to
 * ctx_name and returns true when one must be sent.
 */
bool dfs_durable_grant(struct dfs_req *r, const struct dfs_durable_req *d,
		       struct dfs_open *o, char ctx_name[4], u8 ctx_data[8]);

/*
 * The same for a CREATE that waited for an oplock break and got its
 * oplock late: appends the context to the parked response body (len
 * bytes, room for cap) and returns the new length.
 */
u32 dfs_durable_late_grant(struct dfs_conn *c, const struct dfs_durable_req *d,
			   struct dfs_open *o, u8 *body, u32 len, u32 cap);
/* The timeout (ms) a durable open was granted, 0 if not durable */
u32 dfs_durable_timeout(const struct dfs_open *o);
/* A disconnected durable open (kept for its client to reclaim)? */
bool dfs_durable_disconnected(const struct dfs_open *o);
/*
 * Someone opens path on share: disconnected durable opens of it that hold
 * a batch oplock or a write lease would need a break no one can
 * acknowledge, so they close.
 */
void dfs_durable_evict(struct dfs_server *srv, const void *share,
		       const char *path);
/* A connection is lost: its durable opens go disconnected, not closed. */
void dfs_durable_conn_lost(struct dfs_conn *c);
/* A session a reconnecting client replaces (PreviousSessionId): likewise */
void dfs_durable_session_lost(struct dfs_session *s);
/* Close disconnected opens whose timeout ran out. */
void dfs_durable_tick(struct dfs_server *srv, u64 now_ms);
/* An open is being freed: forget its durable state and record. */
void dfs_durable_open_gone(struct dfs_server *srv, struct dfs_open *o);

/*
 * NETWORK_RESILIENCY_REQUEST (MS-SMB2 2.2.31.3) of in_len bytes: the
 * timeout (ms) it asks for, dflt_ms for 0; STATUS_INVALID_PARAMETER when
 * it is short or asks for more than the server allows (300 s).
 */
u32 dfs_resiliency_parse(const u8 *in, u32 in_len, u32 dflt_ms,
			 u32 *timeout_ms);
/*
 * FSCTL_LMR_REQUEST_RESILIENCY (3.3.5.15.9): o survives the loss of its
 * connection for the timeout asked, as a durable open does (an open that
 * is not durable becomes one, reclaimed by DHnC).
 */
u32 dfs_durable_make_resilient(struct dfs_req *r, struct dfs_open *o,
			       const u8 *in, u32 in_len);
/* Was o made resilient? (its LOCKs then check LockSequence, 3.3.5.14) */
bool dfs_durable_resilient(const struct dfs_open *o);

/* The LMDB record store (state directory), opened and closed by main.c */
int dfs_durable_start(struct dfs_server *srv);
void dfs_durable_stop(struct dfs_server *srv);

/* ---- a restart (smb2_durable_restore.c and what it uses) --------------- */
struct dfs_durable_db;
struct dfs_durable_rec;
/* Reopen the durable opens recorded in db; drop the records that cannot be */
void dfs_durable_restore(struct dfs_server *srv, struct dfs_durable_db *db);
/* The birth time (ns) of the file open at fd, 0 if the filesystem has none */
u64 dfs_durable_birth(int fd);
/* How long a durable open of this timeout (ms) is kept disconnected */
u32 dfs_durable_kept_ms(const struct dfs_server *srv, u32 timeout);
/* The connection disconnected opens' holder sessions point at */
struct dfs_conn *dfs_durable_gone_conn(struct dfs_server *srv);
/*
 * o, opened again from rec with a holder session and tree of its own
 * (o->sess, o->tree), becomes a disconnected durable open until
 * deadline_ms (monotonic). 0, or -1 without memory (o unchanged).
 */
int dfs_durable_adopt(struct dfs_open *o, const struct dfs_durable_rec *rec,
		      u64 deadline_ms);
/*
 * The state or epoch of lease l changed: the records of its durable opens
 * follow, so that a restart restores what the client believes it holds.
 */
struct dfs_lease;
void dfs_durable_lease_changed(struct dfs_server *srv,
			       const struct dfs_lease *l);
/* o's path (a rename), locks or LockSequence changed: its record follows */
void dfs_durable_changed(struct dfs_server *srv, struct dfs_open *o);

#endif /* DITTOFSD_SMB2_DURABLE_H */

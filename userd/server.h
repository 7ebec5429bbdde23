/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h - dittofsd's control-side objects: server, connection, session,
 * tree connect and open, and the request context every command handler
 * receives. One handler file per command family (smb2_*.c) uses these.
 */
#ifndef DITTOFSD_SERVER_H
#define DITTOFSD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/compat.h"
#include "common/smb2_proto.h"
#include "common/dataplane.h"

struct dfs_config;
struct dfs_share_cfg;
struct dfs_userdb;
struct dfs_auth_cfg;
struct dfs_ctl;
struct dfs_kernel;
struct dfs_notify;
struct dfs_channel;
struct dfs_rpc_pipe;
struct dfs_durable;
struct dfs_durable_state;

/* Largest READ/WRITE/TRANSACT we negotiate (LARGE_MTU) */
#define DFS_MAX_IO (8u * 1024 * 1024)
/* Largest NetBIOS frame we accept: one max WRITE plus headers */
#define DFS_MAX_FRAME (DFS_MAX_IO + 64 * 1024)

/* Request counters since start, for "dittofsctl stats" (dispatch.c counts). */
struct dfs_stats {
	u64 requests[SMB2_NR_COMMANDS];	/* PDUs per command */
	u64 errors[SMB2_NR_COMMANDS];	/* ... answered with an error status */
	u64 bytes_read;			/* DataLength of READ responses */
	u64 bytes_written;		/* Length of successful WRITE requests */
	u64 encrypted_frames;		/* frames that came in a transform header */
	u64 signed_requests;		/* PDUs whose signature verified */
	u64 other_requests;		/* command codes past the last known one */
};

struct dfs_server {
	struct dfs_config *cfg;
	struct dfs_userdb *users;
	const struct dfs_auth_cfg *auth;	/* SESSION_SETUP's view of users and names */
	const struct dfs_crypto_ops *crypto;
	u8 server_guid[16];
	u64 start_filetime;
	struct dfs_conn *conns;		/* all live connections */
	unsigned nconns;
	struct dfs_open **opens;	/* open table indexed by volatile id slot */
	u32 opens_cap;
	u32 open_gen;			/* makes volatile ids unguessable-ish and unique */
	struct dfs_stats stats;
	struct dfs_ctl *ctl;		/* control socket and reload state (ctl.c) */
	/* kernel mode (kernel_mode.c): the data plane runs in dittofs.ko */
	struct dfs_kernel *kernel;
	/* a descriptor the loop polls for the mode's own events (netlink) */
	int event_fd;
	void (*on_event)(struct dfs_server *srv);
	/* CHANGE_NOTIFY's inotify instance and watches (notify_watch.c) */
	struct dfs_notify *notify;
	/* durable handles' record store and holders (smb2_durable.c) */
	struct dfs_durable_state *durable;
	/* an oplock break ended: parked CREATEs are re-run (smb2_oplock.c) */
	bool oplock_retry_due;
	/* the lease table (smb2_lease.c) */
	struct dfs_lease *leases;
};

enum dfs_session_state {
	DFS_SESS_IN_PROGRESS,
	DFS_SESS_VALID,
	DFS_SESS_EXPIRED,
};

struct dfs_session {
	struct dfs_dp_session dp;	/* id, signing key, preauth: data plane view */
	struct dfs_conn *conn;
	struct dfs_session *next;
	enum dfs_session_state state;
	u8 kernel_state;		/* kernel mode: what SESSION_SET installed last */
	bool dead;			/* logged off or failed: freed between frames,
					 * since the data plane may still hold it */
	bool guest;
	bool anonymous;
	char user[128];			/* UTF-8 account name */
	char domain[128];
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	bool encrypt_data;		/* Session.EncryptData: refuse plaintext */
	u8 session_key[16];		/* NTLMSSP ExportedSessionKey */
	u8 signing_key[16];
	u8 enc_key[32];			/* raw cipher keys, for the kernel's data plane */
	u8 dec_key[32];
	void *auth;			/* mechanism state while IN_PROGRESS */
	struct dfs_tree *trees;
	u32 next_tree_id;
	/* multichannel (smb2_channel.c): channels bound on other connections */
	struct dfs_channel *channels;
	u8 channel_seq;			/* last channel number handed out */
	bool client_encrypted;		/* the client sent it encrypted requests */
	u32 nopens;			/* its opens, for "max open files" */
	bool leave_tombstone;		/* ended by a failed re-authentication:
					 * its connections keep its signing keys */
};

struct dfs_tree {
	u32 id;
	struct dfs_session *sess;
	struct dfs_tree *next;
	const struct dfs_share_cfg *share;	/* NULL for IPC$ */
	bool ipc;
	bool read_only;
	bool encrypt_data;		/* Share.EncryptData for this tree */
	bool in_kernel;			/* kernel mode: installed with TREE_SET */
	int root_fd;			/* O_PATH|O_DIRECTORY of the share root */
	u32 maximal_access;
};

/* A frame queued for sending that is not the answer to the current frame. */
struct dfs_outbuf {
	struct dfs_outbuf *next;
	u32 len;
	u32 sent;
	u8 data[];
};

/*
 * An operation that answered STATUS_PENDING (MS-SMB2 3.3.4.2) and will
 * complete later: CHANGE_NOTIFY, a CREATE waiting for an oplock break.
 */
struct dfs_async {
	struct dfs_async *next;
	struct dfs_conn *conn;
	u64 async_id;
	u64 message_id;
	u64 session_id;
	u32 tree_id;
	u16 command;
	u16 credit_charge;
	bool sign;			/* the request was signed */
	bool encrypt;			/* the request came encrypted */
	struct dfs_open *open;		/* the open it belongs to, if any */
	/*
	 * A CREATE waiting for a break goes on when its connection is lost
	 * while the session has another channel: the open it makes is the
	 * session's, for a replay to find (orphaned: no one gets the answer)
	 */
	bool outlives_channel;
	bool orphaned;
	u16 channel_seq;		/* the request's ChannelSequence */
	u32 close_status;		/* completion status when that open closes */
	/* called before the operation is completed as cancelled or torn down */
	void (*cancel)(struct dfs_async *a);
	void *priv;
};

struct dfs_open {
	u64 persistent_id;
	u64 volatile_id;
	struct dfs_tree *tree;
	struct dfs_session *sess;
	int fd;				/* O_RDONLY/O_RDWR, or O_PATH for dirs/pipes */
	char *path;			/* share-relative, '/'-separated, "" = root */
	char *stream;			/* a named stream of path, or NULL
					 * (smb2_streams.c); fd is path's */
	bool base_delete;		/* a stream open carrying its base
					 * file's pending delete */
	bool is_dir;
	u32 access;			/* granted access mask */
	u32 share_access;
	u32 create_options;
	bool delete_on_close;
	void *dir;			/* QUERY_DIRECTORY state (smb2_dir.c) */
	u64 dev, ino;			/* file identity, for oplocks */
	u8 oplock;			/* granted SMB2_OPLOCK_LEVEL_* */
	struct dfs_lease *lease;	/* with SMB2_OPLOCK_LEVEL_LEASE: its lease */
	u8 oplock_target;		/* level a break in progress goes to */
	bool oplock_breaking;		/* break sent, acknowledgment awaited */
	u64 break_deadline;		/* monotonic ms: then the break ends anyway */
	bool pending;			/* its CREATE waits for an oplock break */
	/* its CREATE's DH2Q CreateGuid: a replay of it finds the open by it */
	bool has_create_guid;
	u8 create_guid[16];
	u32 create_action;		/* what its CREATE did: a replay repeats it */
	/* a later request used it: the client has the CREATE's answer */
	bool create_seen;
	u16 channel_seq;		/* newest ChannelSequence used on it */
	bool in_kernel;			/* kernel mode: installed with FID_SET */
	u32 kernel_flags;		/* ... with these DITTOFS_FID_F_* now */
	u64 position;			/* FilePositionInformation */
	u32 ea_index;			/* next EA of a FileFullEaInformation scan */
	struct dfs_lock *locks;		/* byte-range locks it holds (smb2_lock.c) */
	u32 nlocks, locks_cap;
	/* LockSequence buckets 1..64: 0x10 | number once a LOCK succeeded */
	u8 lock_seq[64];
	struct dfs_rpc_pipe *pipe;	/* a named pipe on IPC$ (rpc/pipe.c) */
	struct {
		u64 deadline;		/* monotonic ms when the update is due */
		bool triggered;		/* the first WRITE happened */
		bool pending;		/* ... and its delayed update is still due */
		bool on_close;		/* written since the last update */
		bool frozen;		/* write time set explicitly, or -1 */
	} wtime;			/* delayed write time (wtime.c) */
	struct dfs_durable *durable;	/* set when durable (smb2_durable.c) */
};

struct dfs_conn {
	struct dfs_server *srv;
	struct dfs_conn *next;
	struct dfs_dp_conn dp;		/* the data plane of this connection */
	int fd;
	char peer[64];			/* "addr:port" for logs */
	bool negotiated;
	u16 dialect;
	u16 client_security_mode;
	u32 client_caps;
	u32 server_caps;
	u8 client_guid[16];
	u16 client_dialects[16];	/* for VALIDATE_NEGOTIATE_INFO */
	u16 n_client_dialects;
	u16 sign_alg;			/* enum dfs_mac_alg chosen for 3.x */
	u16 cipher;			/* enum dfs_aead_alg agreed, 0 = none */
	bool signing_required;		/* server or client demanded signing */
	struct dfs_session *sessions;
	struct dfs_channel *channels;	/* sessions of other connections bound here */
	struct dfs_tombstones *tombstones;	/* keys of ended sessions (session_tombstone.c) */
	/* dataplane I/O buffers (loop_uring.c) */
	u8 *in;
	size_t in_len, in_cap;
	u8 *out;
	u32 out_cap;
	u32 out_len;			/* bytes of out to send */
	u32 out_sent;			/* bytes of out already sent */
	bool out_busy;			/* out holds a response not yet sent */
	bool drop_after_send;		/* protocol error: close once out is sent */
	bool closing;			/* being torn down: no new I/O */
	bool recv_armed;		/* a recv is in flight */
	bool send_armed;		/* a send is in flight */
	bool sending_out;		/* ... and it sends from out, not outq */
	struct dfs_outbuf *outq;	/* async and unsolicited frames to send */
	struct dfs_async *asyncs;	/* operations answered with STATUS_PENDING */
	u64 kernel_id;			/* kernel mode: dittofs.ko's connection id */
	/* kernel mode: a PDU_UP coming in parts, assembled in in */
	u64 part_cookie;		/* DITTOFS_A_COOKIE of its parts */
	u32 part_total;			/* its length; 0: none in progress */
	u32 part_got;			/* bytes of it in in so far */
	u64 created_ms;			/* monotonic, for the unauthenticated timeout */
	u64 last_rx_ms;			/* monotonic, for the idle timeout */
	bool expired;			/* a timeout ran out: the loop closes it */
	u64 compound_fid[2];		/* FileId a related compound inherits */
	u32 compound_create_err;	/* a CREATE of this compound failed with it */
};

/*
 * The context of one request PDU, as dispatch.c hands it to a command
 * handler. The handler reads req/body, writes its response body at
 * rsp_body (at most rsp_cap bytes) and returns an NTSTATUS; dispatch
 * builds the header and, for error statuses, the error body.
 */
struct dfs_req {
	struct dfs_server *srv;
	struct dfs_conn *conn;
	const struct dfs_pdu_in *in;
	const u8 *hdr;			/* request SMB2 header */
	const u8 *body;			/* after the header */
	u32 body_len;
	u16 command;
	u16 credit_charge;
	u64 message_id;
	u32 flags;
	struct dfs_session *sess;	/* NULL for NEGOTIATE/first SESSION_SETUP */
	struct dfs_tree *tree;		/* NULL for commands without a tree */
	u8 *rsp;			/* response SMB2 header (dispatch fills) */
	u8 *rsp_body;			/* rsp + 64 */
	u32 rsp_cap;			/* room at rsp_body */
	u32 rsp_len;			/* body bytes written by the handler */
	/* handlers may override the response header's ids */
	u64 rsp_session_id;
	u32 rsp_tree_id;
	/* related compounds: FileId inherited from the previous CREATE */
	u64 *compound_fid;		/* [0]=persistent, [1]=volatile */
	struct dfs_pdu_out *out;
	struct dfs_async *async;	/* set by a handler that returns STATUS_PENDING */
	/*
	 * dfs_open_lookup: the request's ChannelSequence is older than the
	 * open's; WRITE, SET_INFO and IOCTL then fail (MS-SMB2 3.3.5.2.10)
	 */
	bool channel_stale;
};

typedef u32 (*dfs_handler_fn)(struct dfs_req *r);

/* Handlers, one file per command family */
u32 smb2_negotiate(struct dfs_req *r);		/* smb2_negotiate.c */
u32 smb2_session_setup(struct dfs_req *r);	/* smb2_session.c */
u32 smb2_logoff(struct dfs_req *r);		/* smb2_session.c */
u32 smb2_tree_connect(struct dfs_req *r);	/* smb2_tree.c */
u32 smb2_tree_disconnect(struct dfs_req *r);	/* smb2_tree.c */
u32 smb2_create(struct dfs_req *r);		/* smb2_create.c */
u32 smb2_close(struct dfs_req *r);		/* smb2_create.c */
u32 smb2_flush(struct dfs_req *r);		/* smb2_rw.c */
u32 smb2_read(struct dfs_req *r);		/* smb2_rw.c */
u32 smb2_write(struct dfs_req *r);		/* smb2_rw.c */
u32 smb2_ioctl(struct dfs_req *r);		/* smb2_ioctl.c */
u32 smb2_echo(struct dfs_req *r);		/* smb2_misc.c */
u32 smb2_query_directory(struct dfs_req *r);	/* smb2_dir.c */
u32 smb2_query_info(struct dfs_req *r);		/* smb2_info.c */
u32 smb2_set_info(struct dfs_req *r);		/* smb2_info.c */
u32 smb2_change_notify(struct dfs_req *r);	/* smb2_notify.c */
u32 smb2_oplock_break(struct dfs_req *r);	/* smb2_oplock.c */
u32 smb2_lock(struct dfs_req *r);		/* smb2_lock.c */

/*
 * Byte-range locks (smb2_lock.c, MS-FSA 2.1.5.7). They belong to one open
 * and apply to every open of the same file (dev/ino). The range logic is
 * pure so that tests/unit/test_lock.c can exercise it.
 */
struct dfs_lock {
	u64 off;
	u64 len;
	bool excl;
};
/* Does [off, off + len) stay within 2^64? (else STATUS_INVALID_LOCK_RANGE) */
bool dfs_lock_range_ok(u64 off, u64 len);
/* Do two lock ranges overlap? Zero-length ranges have their own rule. */
bool dfs_lock_overlap(u64 off1, u64 len1, u64 off2, u64 len2);
/* Does a new lock request conflict with a held lock (same_open: ours)? */
bool dfs_lock_conflicts(const struct dfs_lock *held, bool same_open, u64 off,
			u64 len, bool excl);
/* Does a READ (write false) or WRITE of [off, off + len) conflict with held? */
bool dfs_lock_io_conflicts(const struct dfs_lock *held, bool same_open, u64 off,
			   u64 len, bool write);
/* STATUS_FILE_LOCK_CONFLICT if I/O on o over that range hits a lock, else 0. */
u32 dfs_lock_check_io(struct dfs_server *srv, const struct dfs_open *o,
		      u64 off, u64 len, bool write);
/* Does any open of o's file hold byte-range locks? */
bool dfs_lock_file_locked(struct dfs_server *srv, const struct dfs_open *o);
/* An open is closing: drop its locks and let blocked requests retry. */
void dfs_lock_close(struct dfs_server *srv, struct dfs_open *o);

/*
 * Oplocks (smb2_oplock.c). Called by CREATE once o is open: decides the
 * level granted for `requested` (written to *granted; with a lease request
 * lr, o joins or gets a lease) and breaks other opens' oplocks and leases.
 * Returns true when the CREATE must wait for a break acknowledgment: it
 * then completes the response body it built with dfs_oplock_wait().
 */
struct dfs_lease_req;
bool dfs_oplock_open(struct dfs_req *r, struct dfs_open *o, u8 requested,
		     const struct dfs_lease_req *lr, u8 *granted);
/* A break ended (ack, timeout, holder gone): parked CREATEs may go on. */
void dfs_oplock_release(struct dfs_server *srv);
struct dfs_durable_req;
/*
 * Park the CREATE response (body, len) until the breaks it waits on end;
 * if the file then has no other open, o gets the oplock r asked for, or
 * the lease state lease_want (with a lease), and the durability of dur
 * (which may be NULL).
 */
u32 dfs_oplock_wait(struct dfs_req *r, struct dfs_open *o, const u8 *body,
		    u32 len, const struct dfs_durable_req *dur, u32 lease_want);
/* The data of the create context `name` in a CREATE response, or NULL. */
u8 *dfs_create_rsp_find(u8 *body, u32 len, const char *name);
/* A CREATE request body's DH2Q CreateGuid: false if it has none (smb2_create.c) */
bool dfs_create_req_guid(const u8 *body, u32 len, u8 guid[16]);
/*
 * Append a create context to a CREATE response body of len bytes (room:
 * cap); returns the new length (smb2_create.c).
 */
u32 dfs_create_rsp_append(u8 *body, u32 len, u32 cap, const char *name,
			  const u8 *data, u32 dlen);
/* An open is closing: release what waits on it. */
void dfs_oplock_close(struct dfs_open *o);
/* o's file was written, truncated or locked: level II holders go to none. */
void dfs_oplock_written(struct dfs_server *srv, const struct dfs_open *o);
/* an unsolicited OPLOCK_BREAK (oplock or lease form) with body of size bytes */
void dfs_send_break_notification(struct dfs_session *s, const struct dfs_tree *t,
				 const u8 *body, u32 size);
/* Does an open of o's data (o included) hold level II, or get it on ack? */
bool dfs_oplock_level2_held(struct dfs_server *srv, const struct dfs_open *o);
/* End breaks whose acknowledgment is overdue (35 s, MS-SMB2 3.3.2.1). */
void dfs_oplock_tick(struct dfs_server *srv, u64 now_ms);
/*
 * A CREATE failed the share-mode check on (dev, ino, stream; NULL = the
 * file's data): if an open there holds a batch oplock, break it and park
 * the CREATE to be re-run when the break ends (STATUS_PENDING); else
 * STATUS_SHARING_VIOLATION.
 */
u32 dfs_oplock_share_conflict(struct dfs_req *r, u64 dev, u64 ino,
			      const char *stream, bool overwrite);
/* Is a CREATE of the session with DH2Q CreateGuid guid parked that way? */
bool dfs_oplock_create_parked(struct dfs_server *srv, u64 session_id,
			      const u8 guid[16]);
/*
 * A rename through o broke other leases' handle caching (r a SET_INFO):
 * park it to run again once those breaks end (STATUS_PENDING). Inside a
 * compound, before its last request, it cannot go async: it goes on at
 * once (STATUS_SUCCESS).
 */
u32 dfs_oplock_rename_wait(struct dfs_req *r, const struct dfs_open *o);
/* Re-run the parked requests whose breaks have ended (the loop, between events). */
void dfs_oplock_run_retries(struct dfs_server *srv);

/*
 * Delayed LastWriteTime updates (wtime.c), as Windows and smbd do them.
 * A WRITE saves the mtime before it (dfs_wtime_save) and reports itself
 * with what was saved (NULL if nothing) to dfs_wtime_written.
 */
struct timespec;
bool dfs_wtime_save(const struct dfs_open *o, struct timespec *mtime);
void dfs_wtime_written(struct dfs_open *o, const struct timespec *saved);
/* FLUSH or SET_INFO Basic: a pending update happens now. */
void dfs_wtime_flush(struct dfs_open *o);
/* SET_INFO EndOfFile/Allocation truncated the file (saved: mtime before). */
void dfs_wtime_truncated(struct dfs_open *o, const struct timespec *saved);
/* SET_INFO Basic with a LastWriteTime ft (a time, -1 or -2) on o. */
void dfs_wtime_set(struct dfs_server *srv, struct dfs_open *o, u64 ft);
/* o closes: a WRITE since the last update sets the write time now. */
void dfs_wtime_close(struct dfs_open *o);
/* Apply the delayed updates that are due. */
void dfs_wtime_tick(struct dfs_server *srv, u64 now_ms);

/* Timers (timers.c): called about once a second by the loop */
u64 dfs_monotonic_ms(void);
/* Mark connections whose timeouts ran out (c->expired); end overdue breaks. */
void dfs_server_tick(struct dfs_server *srv);

/* Open table (open_table.c) */
struct dfs_open *dfs_open_new(struct dfs_server *srv, struct dfs_tree *t);
/* An open with a given FileId (persistent = volatile), if its slot is free */
struct dfs_open *dfs_open_at(struct dfs_server *srv, u64 id, struct dfs_tree *t);
/*
 * Resolve a request's FileId, honouring the related-compound 0xFF..FF id;
 * a newer ChannelSequence becomes the open's, an older one sets
 * r->channel_stale.
 */
struct dfs_open *dfs_open_lookup(struct dfs_req *r, const u8 *fileid16);
/*
 * The request's ChannelSequence (SMB 3.x; 0 before, where it is Status);
 * for one the server runs again, the one it came with.
 */
u16 dfs_req_channel_seq(const struct dfs_req *r);
void dfs_open_close(struct dfs_server *srv, struct dfs_open *o);
/* Close every open of a tree / session (tree disconnect, logoff). */
void dfs_open_close_tree(struct dfs_server *srv, struct dfs_tree *t);
/* Share modes (MS-FSA 2.1.5.1.2): does access clash with share_with? */
bool dfs_share_conflict(u32 access, u32 share_with);

/* Sessions and trees (smb2_session.c, smb2_tree.c) */
/* A live session by id (not one that has logged off); NULL if none. */
struct dfs_session *dfs_session_find(struct dfs_conn *c, u64 id);
/* Any session by id, including one whose LOGOFF response is being sent. */
struct dfs_session *dfs_session_find_any(struct dfs_conn *c, u64 id);
void dfs_session_destroy(struct dfs_session *s);
/* Free the dead sessions; called between frames. */
void dfs_session_reap(struct dfs_conn *c);
/* Sessions of c that have not logged off (limits.c) */
unsigned dfs_conn_live_sessions(const struct dfs_conn *c);
struct dfs_tree *dfs_tree_find(struct dfs_session *s, u32 id);
void dfs_tree_destroy(struct dfs_tree *t);

/* Connection lifetime (conn.c) */
struct dfs_conn *dfs_conn_new(struct dfs_server *srv, int fd, const char *peer);
void dfs_conn_free(struct dfs_conn *c);

/* Async operations (async.c) */
/* Make r asynchronous; the handler then returns STATUS_PENDING. NULL on ENOMEM. */
struct dfs_async *dfs_async_new(struct dfs_req *r);
/* Send the final response (body may be NULL for an error body) and free a. */
void dfs_async_complete(struct dfs_async *a, u32 status, const u8 *body, u32 body_len);
/* The pending operation a CANCEL request names, or NULL. */
struct dfs_async *dfs_async_find_cancel(struct dfs_conn *c, const u8 *cancel_hdr);
/* Complete every pending operation on an open with status (close, tree gone). */
void dfs_async_complete_open(struct dfs_open *o, u32 status);
/*
 * Forget every pending operation of a connection that is going away, but
 * those that outlive their channel: another channel of the session keeps
 * them, orphaned.
 */
void dfs_async_drop_conn(struct dfs_conn *c);
/*
 * Queue an unsolicited PDU (built at buf + DFS_DP_ASYNC_ROOM, len bytes),
 * signed or encrypted for session s as asked. Takes buf (malloc'd). 0 or -errno.
 */
int dfs_conn_send_pdu(struct dfs_conn *c, struct dfs_session *s, bool sign,
		      bool encrypt, u8 *buf, u32 len);

/*
 * Kernel mode hooks (kernel_mode.c), no-ops in user mode: objects that go
 * away are forgotten by dittofs.ko too.
 */
void dfs_kernel_session_gone(struct dfs_session *s);
void dfs_kernel_tree_gone(struct dfs_tree *t);
void dfs_kernel_open_gone(struct dfs_open *o);
/* The first byte-range lock on o's file: revoke its opens' fast path. */
void dfs_kernel_file_locked(struct dfs_open *o);
/*
 * Oplocks, leases or write-time state of o's file changed: what the module
 * may do with its opens' WRITEs follows (FID_UPDATE), before the reply
 * goes out.
 */
void dfs_kernel_file_changed(struct dfs_server *srv,
			     const struct dfs_open *o);
/* The same for the file (dev, ino), named by a lease rather than an open */
void dfs_kernel_data_changed(struct dfs_server *srv, u64 dev, u64 ino);
/* A connection the daemon ends (timeouts, session kill). */
void dfs_kernel_conn_gone(struct dfs_conn *c);

/* Start sending queued frames (loop_uring.c; a no-op without a loop) */
void dfs_conn_kick(struct dfs_conn *c);

/* dispatch.c: the dfs_dp_ops the data plane calls in user mode */
extern const struct dfs_dp_ops dfs_user_dp_ops;

/* An SMB1 multi-protocol NEGOTIATE, answered in SMB2 (smb2_negotiate.c) */
int dfs_smb1_negotiate(struct dfs_conn *c, const struct dfs_pdu_in *in,
		       struct dfs_pdu_out *out);

/* The SecurityMode the server advertises on this connection (smb2_negotiate.c) */
u16 dfs_server_security_mode(const struct dfs_conn *c);

/* Current time as a Windows FILETIME (100 ns since 1601) */
u64 dfs_filetime_now(void);
u64 dfs_timespec_to_filetime(long sec, long nsec);	/* time.c */

#endif /* DITTOFSD_SERVER_H */

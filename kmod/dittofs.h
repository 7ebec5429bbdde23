/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dittofs.h - the module's internal objects: connections, their sessions,
 * the global tree and open tables, listeners, and the control socket.
 *
 * Locking, outermost first:
 *   dfs_conns_lock (mutex)   the list of connections
 *   conn->lock (mutex)       the data plane of one connection and the
 *                            contents of its sessions; held by the
 *                            connection's worker while it processes a
 *                            frame, except while it waits for PDU_DOWN
 *   conn->up_lock (mutex)    the PDU_UP in flight (cookie, state, answer)
 *   conn->send_lock (mutex)  writers of the socket, and conn->sock itself
 *   conn->sess_lock (spin)   the list structure of conn->sessions
 *   dfs_state_lock (spin)    the tree and open tables
 *   dfs_ctl_lock (mutex)     the control socket's portid
 */
#ifndef DITTOFS_KMOD_DITTOFS_H
#define DITTOFS_KMOD_DITTOFS_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "../common/dataplane.h"
#include "../common/uapi/dittofs_netlink.h"

/* Default and limits of DITTOFS_A_MAX_FRAME (NetBIOS lengths are 24 bits). */
#define DFS_MAX_FRAME_DEFAULT	(8u * 1024 * 1024 + 64 * 1024)
#define DFS_MAX_FRAME_MIN	(64u * 1024)
#define DFS_MAX_FRAME_MAX	0xffffffu

/* Payload bytes of one DITTOFS_A_PDU attribute (see the uapi header). */
#define DFS_PDU_CHUNK		((u32)DITTOFS_PDU_CHUNK)
#define DFS_PDU_PART		((u32)DITTOFS_PDU_PART)

/* Counters; the module has one set, each connection its own. */
struct dfs_counters {
	atomic64_t connections;
	atomic64_t pdus_up;
	atomic64_t pdus_fast;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
	atomic64_t sign_failures;
	atomic64_t decrypt_failures;
	atomic64_t io_verdicts;
	atomic64_t buffer_bytes;	/* held now, not a running total */
};

extern struct dfs_counters dfs_totals;

/* Count n in a connection's field and in the module's. */
#define dfs_count(conn, field, n) do {				\
	atomic64_add((n), &(conn)->stats.field);		\
	atomic64_add((n), &dfs_totals.field);			\
} while (0)

/* A session as installed on one connection by DITTOFS_CMD_SESSION_SET. */
struct dfs_ksession {
	struct list_head node;		/* conn->sessions or conn->parked */
	struct dfs_dp_session dp;
	u32 flags;			/* enum dittofs_session_flag */
	u32 epoch;			/* dfs_ctl_epoch() of the daemon that set it */
};

enum dfs_up_state {
	DFS_UP_IDLE,
	DFS_UP_WAITING,			/* PDU_UP sent, no answer yet */
	DFS_UP_DONE,			/* PDU_DOWN copied the answer in */
};

struct dfs_conn {
	u64 id;
	refcount_t ref;
	struct list_head node;		/* dfs_conns */
	struct work_struct work;	/* the receive loop */
	u32 epoch;			/* dfs_ctl_epoch() when accepted */
	bool closing;			/* READ_ONCE: stop at the next chance */
	int close_reason;		/* negative errno for CONN_CLOSE */

	struct mutex send_lock;
	struct socket *sock;		/* NULL once released */

	struct mutex lock;
	bool dead;			/* torn down: no new state */
	bool in_frame;			/* the worker is inside dfs_dp_frame */
	struct dfs_dp_conn dp;
	u8 *out;			/* response buffer (outbuf.c), out_cap bytes */
	u32 out_cap;			/* 0 until the first frame */
	u32 max_frame;
	spinlock_t sess_lock;
	struct list_head sessions;	/* struct dfs_ksession */
	struct list_head parked;	/* deleted while in_frame: freed later */

	struct sockaddr_storage peer, local;
	int peer_len, local_len;
	bool announced;			/* PEER/LOCAL went up already */

	struct mutex up_lock;
	wait_queue_head_t up_wq;
	u64 up_seq;			/* cookie of the last PDU_UP */
	enum dfs_up_state up_state;
	struct dfs_pdu_out *up_out;
	int up_err;			/* the answer was unusable */
	u32 up_rsp_flags;
	u64 up_sign_sid;
	u16 up_dialect;			/* 0: unchanged */
	struct dfs_fid *up_fid;		/* an IO_VERDICT is waiting instead */
	u32 up_verdict;			/* its answer: 0 or an NTSTATUS */
	u32 up_verdict_flags;		/* and enum dittofs_verdict_flag */
	/*
	 * Responses PDU_DOWN handed to the worker, and how many of those it
	 * has written out (or given up on): a SEND waits for the difference
	 * (dfs_conn_send_in_order). Both under up_lock; rsp_sent is also
	 * read without it.
	 */
	u64 rsp_given;
	u64 rsp_sent;

	struct dfs_counters stats;
};

/* conn.c */
extern struct mutex dfs_conns_lock;
extern struct list_head dfs_conns;
int dfs_conn_init(void);
void dfs_conn_exit(void);
int dfs_conn_start(struct socket *sock, u32 max_frame);
struct dfs_conn *dfs_conn_get(u64 id);
void dfs_conn_put(struct dfs_conn *conn);
void dfs_conn_close(struct dfs_conn *conn, int reason);
void dfs_conn_close_all(void);
int dfs_conn_send(struct dfs_conn *conn, const u8 *buf, u32 len);
long dfs_up_wait(struct dfs_conn *conn, u64 cookie);
void dfs_conn_caught_up(struct dfs_conn *conn);
void dfs_conn_send_in_order(struct dfs_conn *conn);

/* outbuf.c: what a connection may make the kernel hold (conn->lock held) */
bool dfs_conn_authed(struct dfs_conn *conn);
u32 dfs_frame_limit(struct dfs_conn *conn);	/* takes conn->lock */
int dfs_out_reserve(struct dfs_conn *conn, const u8 *frame, u32 len);
void dfs_out_free(struct dfs_conn *conn);
void dfs_buf_account(struct dfs_conn *conn, s64 bytes);	/* any context */

/* listen.c */
int dfs_listen_add(int fd, u32 max_frame);
void dfs_listen_stop_all(void);

/* state.c: sessions of a connection (conn->lock held unless noted) */
struct dfs_ksession *dfs_session_find(struct dfs_conn *conn, u64 sid);
struct dfs_dp_session *dfs_session_lookup(void *ctl, u64 sid);
struct dfs_session_keys {
	u32 flags;
	int sign_alg;			/* -1: leave the signing key alone */
	const u8 *sign_key;
	int cipher;			/* 0: leave the cipher keys alone */
	const u8 *enc_key, *dec_key;
	u32 key_len;
};
int dfs_session_set(struct dfs_conn *conn, u64 sid,
		    const struct dfs_session_keys *k);
int dfs_session_del(struct dfs_conn *conn, u64 sid);
void dfs_sessions_free(struct dfs_conn *conn, bool all);
bool dfs_session_anywhere(u64 sid);	/* takes the locks it needs */

/* state.c: trees and opens, keyed by SessionId (global) */
struct dfs_fid {
	struct hlist_node node;
	refcount_t ref;
	atomic_t inflight;		/* fast-path I/Os running */
	u64 sid;
	u32 tid;
	u64 persistent, volatile_id;
	struct file *file;
	u32 access;
	u32 flags;			/* enum dittofs_fid_flag */
};

int dfs_tree_set(u64 sid, u32 tid, u32 flags);
int dfs_tree_del(u64 sid, u32 tid);
bool dfs_tree_flags(u64 sid, u32 tid, u32 *flags);
int dfs_fid_set(u64 sid, u32 tid, u64 pers, u64 vol, struct file *file,
		u32 access, u32 flags);
int dfs_fid_del(u64 sid, u64 pers, u64 vol);
int dfs_fid_update(u64 sid, u64 pers, u64 vol, u32 flags);
/*
 * A reference and an in-flight mark when the open allows `need`; with
 * DITTOFS_FID_F_ASK instead (or ASK_WRITE for a WRITE), a reference only
 * and *ask set (the in-flight
 * mark comes with the daemon's verdict: dfs_fid_mark()).
 */
struct dfs_fid *dfs_fid_begin(u64 sid, u32 tid, u64 pers, u64 vol, u32 need,
			      bool *ask);
void dfs_fid_mark(struct dfs_fid *fid);
void dfs_fid_end(struct dfs_fid *fid);		/* after I/O: mark and reference */
void dfs_fid_release(struct dfs_fid *fid);	/* no I/O: the reference only */
void dfs_state_purge_session(u64 sid);
void dfs_state_purge_all(void);

/* fastpath.c: true when the request was answered in the kernel */
bool dfs_fast_try(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		  struct dfs_pdu_out *out);

/* netlink.c: towards the control socket */
int dfs_ctl_send_pdu_up(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			u64 cookie);
void dfs_ctl_send_conn_close(u64 id, int status);
int dfs_ctl_send_verdict(struct dfs_conn *conn, u64 sid, const struct dfs_fid *f,
			 u8 kind, u64 off, u32 len, u64 cookie);

/*
 * verdict.c: 0 go ahead (fid marked in flight, *flags: enum
 * dittofs_verdict_flag), 1 refused (*status), -errno no answer
 */
int dfs_verdict_ask(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		    struct dfs_fid *f, u8 kind, u64 off, u32 len, u32 *status,
		    u32 *flags);
int dfs_verdict_answer(struct dfs_conn *conn, u64 cookie, u32 status,
		       u32 flags);
bool dfs_ctl_present(void);

/* restart.c: connections and sessions of a previous daemon */
u32 dfs_ctl_epoch(void);
int dfs_restart_check(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		      struct dfs_pdu_out *out);
bool dfs_session_stale(const struct dfs_ksession *s);
void dfs_restart_new_epoch(void);
void dfs_conn_wake_all(void);

#endif /* DITTOFS_KMOD_DITTOFS_H */

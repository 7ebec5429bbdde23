// SPDX-License-Identifier: GPL-2.0-only
/*
 * conn.c - one SMB connection: a work item on an unbound workqueue that
 * reads NetBIOS frames, runs them through common/'s data plane and writes
 * the responses back. Requests the kernel does not serve itself go up to
 * the control socket as DITTOFS_CMD_PDU_UP; the worker sleeps until the
 * matching DITTOFS_CMD_PDU_DOWN (same DITTOFS_A_COOKIE) or a timeout.
 *
 * The worker owns the connection: it alone tears it down (socket, buffers,
 * sessions) when the loop ends, and everyone else reaches the struct
 * through dfs_conn_get() and a reference. To end a connection from outside
 * (CONN_CLOSE, rmmod), set ->closing and shut the socket down: the
 * blocking receive returns and the worker finishes. Connections outlive the
 * daemon (restart.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "crypto.h"
#include "dittofs.h"

static unsigned int pdu_timeout_ms = 60000;
module_param(pdu_timeout_ms, uint, 0644);
MODULE_PARM_DESC(pdu_timeout_ms,
		 "How long a request waits for dittofsd's answer before it fails with STATUS_SERVER_UNAVAILABLE (ms)");

/* How long a SEND waits for the worker to write out earlier responses */
#define DFS_SEND_ORDER_MS 5000

DEFINE_MUTEX(dfs_conns_lock);
LIST_HEAD(dfs_conns);
static atomic64_t dfs_conn_ids = ATOMIC64_INIT(0);
static struct workqueue_struct *dfs_conn_wq;

struct dfs_dp_session *dfs_session_lookup(void *ctl, u64 sid)
{
	struct dfs_ksession *s = dfs_session_find(ctl, sid);

	return s ? &s->dp : NULL;
}

static void dfs_conn_log(void *ctl, const char *why)
{
	struct dfs_conn *conn = ctl;

	if (strstr(why, "authentication"))
		dfs_count(conn, decrypt_failures, 1);
	pr_info_ratelimited("connection %llu: %s\n", conn->id, why);
}

/*
 * Wait for the answer to what went up with cookie (PDU_DOWN or IO_VERDICT),
 * with conn->lock dropped so that SESSION_SET, SEND and friends get in. A
 * daemon that dies takes its answers along: stop waiting then. Returns 0
 * on timeout.
 */
long dfs_up_wait(struct dfs_conn *conn, u64 cookie)
{
	long left;

	mutex_unlock(&conn->lock);
	left = wait_event_interruptible_timeout(conn->up_wq,
			READ_ONCE(conn->up_state) != DFS_UP_WAITING ||
			READ_ONCE(conn->closing) || !dfs_ctl_present() ||
			conn->epoch != dfs_ctl_epoch(),
			msecs_to_jiffies(pdu_timeout_ms));
	mutex_lock(&conn->lock);
	if (!left)
		pr_warn_ratelimited("connection %llu: no answer from dittofsd for request %llu\n",
				    conn->id, cookie);
	return left;
}

/*
 * What the daemon answered so far has been written out, or is part of a
 * compound response still being built (the worker goes up again for its
 * next request): SENDs waiting behind it may go.
 */
void dfs_conn_caught_up(struct dfs_conn *conn)
{
	mutex_lock(&conn->up_lock);
	WRITE_ONCE(conn->rsp_sent, conn->rsp_given);
	mutex_unlock(&conn->up_lock);
	wake_up_all(&conn->up_wq);
}

/*
 * A SEND (an unsolicited PDU of the daemon's) goes out behind the responses
 * the daemon handed the worker before it: an async request's final response
 * must not overtake its interim one, which a client would then take for the
 * answer to a request it no longer has, and drop the connection. PDU_DOWN
 * only wakes the worker, which signs and writes the response later, while a
 * SEND writes at once. Bounded: a client that does not read holds up the
 * daemon no longer than that.
 */
void dfs_conn_send_in_order(struct dfs_conn *conn)
{
	u64 given;

	mutex_lock(&conn->up_lock);
	given = conn->rsp_given;
	mutex_unlock(&conn->up_lock);
	wait_event_interruptible_timeout(conn->up_wq,
			READ_ONCE(conn->rsp_sent) >= given ||
			READ_ONCE(conn->closing),
			msecs_to_jiffies(DFS_SEND_ORDER_MS));
}

/*
 * The request goes up to the control side; answer it with an error when
 * there is nobody to ask or no answer in time (MS-SMB2 3.3.4.4 lists
 * STATUS_SERVER_UNAVAILABLE for a server that is not ready to process a
 * request). Returns 0, or -errno to drop the connection.
 */
static int dfs_up(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		  struct dfs_pdu_out *out)
{
	u64 cookie;
	u32 status = STATUS_SERVER_UNAVAILABLE;
	int ret;

	dfs_conn_caught_up(conn);
	mutex_lock(&conn->up_lock);
	cookie = ++conn->up_seq;
	conn->up_state = DFS_UP_WAITING;
	conn->up_out = out;
	conn->up_fid = NULL;
	conn->up_err = 0;
	conn->up_rsp_flags = 0;
	conn->up_sign_sid = 0;
	conn->up_dialect = 0;
	mutex_unlock(&conn->up_lock);

	ret = dfs_ctl_send_pdu_up(conn, in, cookie);
	if (ret == -ENOMEM)
		status = STATUS_INSUFFICIENT_RESOURCES;
	if (!ret) {
		dfs_count(conn, pdus_up, 1);
		dfs_up_wait(conn, cookie);
	}

	mutex_lock(&conn->up_lock);
	if (conn->up_state == DFS_UP_DONE) {
		ret = conn->up_err;
		if (ret)
			status = STATUS_INTERNAL_ERROR;
	} else {
		ret = -ETIMEDOUT;
	}
	conn->up_state = DFS_UP_IDLE;
	conn->up_out = NULL;
	mutex_unlock(&conn->up_lock);

	if (!ret) {
		u32 f = conn->up_rsp_flags;

		if (conn->up_dialect) {
			conn->dp.dialect = conn->up_dialect;
			conn->dp.credits.large_mtu =
				conn->up_dialect >= SMB2_DIALECT_210;
		}
		if (f & DITTOFS_RSP_F_SIGN)
			out->sign_with = dfs_session_lookup(conn,
							    conn->up_sign_sid);
		out->drop = !!(f & DITTOFS_RSP_F_DROP);
		out->no_response = !!(f & DITTOFS_RSP_F_NO_RESPONSE);
		return 0;
	}
	/* an SMB1 NEGOTIATE has no SMB2 header to answer with */
	if (in->len < SMB2_HDR_SIZE || dfs_get_le32(in->buf) != SMB2_PROTO_ID)
		return -ENOTCONN;
	out->len = dfs_smb2_error_rsp(out->buf, out->cap, in->buf, status);
	return 0;
}

static int dfs_handle_pdu(void *ctl, const struct dfs_pdu_in *in,
			  struct dfs_pdu_out *out)
{
	struct dfs_conn *conn = ctl;
	int ret;

	ret = dfs_restart_check(conn, in, out);
	if (ret)
		return ret < 0 ? ret : 0;
	if (dfs_fast_try(conn, in, out))
		return 0;
	return dfs_up(conn, in, out);
}

static const struct dfs_dp_ops dfs_kdp_ops = {
	.session_lookup = dfs_session_lookup,
	.handle_pdu = dfs_handle_pdu,
	.log = dfs_conn_log,
};

static int dfs_recv_full(struct socket *sock, void *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	int ret;

	while (len) {
		iov.iov_base = buf;
		iov.iov_len = len;
		ret = kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_WAITALL);
		if (ret < 0)
			return ret;
		if (!ret)
			return -ECONNRESET;
		buf += ret;
		len -= ret;
	}
	return 0;
}

/* the first piece of a frame; each further one doubles what arrived */
#define DFS_FRAME_FIRST_PIECE	(64 * 1024)

/*
 * Receive a frame of len bytes into a buffer grown as the bytes arrive: a
 * peer that announces max_frame and sends a few bytes holds 64 KiB, not
 * max_frame of kernel memory per connection. The copies on growth add up
 * to less than one frame. On success *framep is the caller's to free with
 * dfs_frame_free(conn, frame, len).
 */
static int dfs_recv_frame(struct dfs_conn *conn, u32 len, u8 **framep)
{
	u32 got = 0, cap = min_t(u32, len, DFS_FRAME_FIRST_PIECE);
	u8 *buf, *bigger;
	int ret;

	buf = kvmalloc(cap, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	dfs_buf_account(conn, cap);
	for (;;) {
		ret = dfs_recv_full(conn->sock, buf + got, cap - got);
		if (ret)
			break;
		got = cap;
		if (got == len) {
			*framep = buf;
			return 0;
		}
		cap = min_t(u32, len, 2 * got);
		bigger = kvmalloc(cap, GFP_KERNEL);
		if (!bigger) {
			ret = -ENOMEM;
			cap = got;
			break;
		}
		dfs_buf_account(conn, cap);
		memcpy(bigger, buf, got);
		kvfree(buf);
		dfs_buf_account(conn, -(s64)got);
		buf = bigger;
	}
	kvfree(buf);
	dfs_buf_account(conn, -(s64)cap);
	return ret;
}

static void dfs_frame_free(struct dfs_conn *conn, u8 *frame, u32 len)
{
	kvfree(frame);
	dfs_buf_account(conn, -(s64)len);
}

/* Write all of buf to the connection's socket. */
int dfs_conn_send(struct dfs_conn *conn, const u8 *buf, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec iov;
	int ret = 0;

	mutex_lock(&conn->send_lock);
	while (len) {
		if (!conn->sock) {
			ret = -ENOTCONN;
			break;
		}
		iov.iov_base = (void *)buf;
		iov.iov_len = len;
		ret = kernel_sendmsg(conn->sock, &msg, &iov, 1, len);
		if (ret <= 0) {
			ret = ret ? ret : -EPIPE;
			break;
		}
		buf += ret;
		len -= ret;
		ret = 0;
	}
	mutex_unlock(&conn->send_lock);
	return ret;
}

/* Read and answer one frame; 0 to go on, -errno to end the connection. */
static int dfs_conn_frame(struct dfs_conn *conn)
{
	u8 nb[DFS_NB_HDR_SIZE];
	u32 len, limit, out_len = 0;
	u8 type, *frame;
	int ret;

	ret = dfs_recv_full(conn->sock, nb, sizeof(nb));
	if (ret)
		return ret;
	/*
	 * The length is checked against max_frame before anything is
	 * allocated, and the buffer grows only with the bytes that arrive.
	 */
	ret = dfs_nb_frame_len(&conn->dp, nb, sizeof(nb), &len, &type);
	if (ret) {
		pr_info_ratelimited("connection %llu: bad NetBIOS header (%d)\n",
				    conn->id, ret);
		return ret;
	}
	if (type == DFS_NB_KEEPALIVE)
		return 0;
	if (len < SMB2_HDR_SIZE) {
		pr_info_ratelimited("connection %llu: frame too short\n",
				    conn->id);
		return -EPROTO;
	}
	limit = dfs_frame_limit(conn);
	if (len > limit) {
		pr_info_ratelimited("connection %llu: %u-byte frame over the %u allowed before authentication\n",
				    conn->id, len, limit);
		return -EMSGSIZE;
	}
	ret = dfs_recv_frame(conn, len, &frame);
	if (ret)
		return ret;

	mutex_lock(&conn->lock);
	ret = dfs_out_reserve(conn, frame, len);
	if (ret) {
		mutex_unlock(&conn->lock);
		dfs_frame_free(conn, frame, len);
		return ret;
	}
	conn->in_frame = true;
	ret = dfs_dp_frame(&conn->dp, frame, len, conn->out, conn->out_cap,
			   &out_len);
	conn->in_frame = false;
	dfs_sessions_free(conn, false);
	mutex_unlock(&conn->lock);
	/* only this worker writes conn->out, so it is stable here */
	if (out_len) {
		int sret = dfs_conn_send(conn, conn->out, out_len);

		ret = ret ? ret : sret;
	}
	dfs_conn_caught_up(conn);
	dfs_frame_free(conn, frame, len);
	return ret;
}

static void dfs_conn_free(struct dfs_conn *conn)
{
	kfree(conn);
}

void dfs_conn_put(struct dfs_conn *conn)
{
	if (refcount_dec_and_test(&conn->ref))
		dfs_conn_free(conn);
}

struct dfs_conn *dfs_conn_get(u64 id)
{
	struct dfs_conn *conn, *found = NULL;

	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node) {
		if (conn->id == id) {
			refcount_inc(&conn->ref);
			found = conn;
			break;
		}
	}
	mutex_unlock(&dfs_conns_lock);
	return found;
}

static void dfs_conn_work(struct work_struct *work)
{
	struct dfs_conn *conn = container_of(work, struct dfs_conn, work);
	struct socket *sock;
	int ret = 0;

	while (!READ_ONCE(conn->closing)) {
		ret = dfs_conn_frame(conn);
		if (ret)
			break;
		cond_resched();
	}
	if (READ_ONCE(conn->closing) && conn->close_reason)
		ret = conn->close_reason;

	mutex_lock(&dfs_conns_lock);
	list_del_init(&conn->node);
	mutex_unlock(&dfs_conns_lock);

	mutex_lock(&conn->lock);
	conn->dead = true;
	dfs_sessions_free(conn, true);
	mutex_unlock(&conn->lock);

	mutex_lock(&conn->send_lock);
	sock = conn->sock;
	conn->sock = NULL;
	mutex_unlock(&conn->send_lock);
	kernel_sock_shutdown(sock, SHUT_RDWR);
	sock_release(sock);

	dfs_out_free(conn);
	dfs_ctl_send_conn_close(conn->id, ret);
	pr_debug("connection %llu closed: %d\n", conn->id, ret);
	dfs_conn_put(conn);
}

/* Take over an accepted socket: a new connection and its worker. */
int dfs_conn_start(struct socket *sock, u32 max_frame)
{
	struct dfs_conn *conn;

	/* no buffer yet: outbuf.c sizes one with the first frame */
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	refcount_set(&conn->ref, 1);
	INIT_LIST_HEAD(&conn->node);
	INIT_WORK(&conn->work, dfs_conn_work);
	mutex_init(&conn->send_lock);
	mutex_init(&conn->lock);
	mutex_init(&conn->up_lock);
	spin_lock_init(&conn->sess_lock);
	INIT_LIST_HEAD(&conn->sessions);
	INIT_LIST_HEAD(&conn->parked);
	init_waitqueue_head(&conn->up_wq);
	conn->sock = sock;
	conn->max_frame = max_frame;
	conn->id = atomic64_inc_return(&dfs_conn_ids);
	conn->epoch = dfs_ctl_epoch();
	dfs_dp_conn_init(&conn->dp, &dfs_kcrypto_ops, &dfs_kdp_ops, conn,
			 max_frame);

	conn->peer_len = kernel_getpeername(sock,
					    (struct sockaddr *)&conn->peer);
	conn->local_len = kernel_getsockname(sock,
					     (struct sockaddr *)&conn->local);
	/* a stuck client must not hold a sender (and its locks) forever */
	sock->sk->sk_sndtimeo = 30 * HZ;
	tcp_sock_set_nodelay(sock->sk);

	mutex_lock(&dfs_conns_lock);
	list_add_tail(&conn->node, &dfs_conns);
	mutex_unlock(&dfs_conns_lock);
	atomic64_inc(&conn->stats.connections);
	atomic64_inc(&dfs_totals.connections);
	queue_work(dfs_conn_wq, &conn->work);
	return 0;
}

void dfs_conn_close(struct dfs_conn *conn, int reason)
{
	WRITE_ONCE(conn->close_reason, reason);
	WRITE_ONCE(conn->closing, true);
	mutex_lock(&conn->send_lock);
	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	mutex_unlock(&conn->send_lock);
	wake_up_all(&conn->up_wq);
}

void dfs_conn_close_all(void)
{
	struct dfs_conn *conn;

	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node)
		dfs_conn_close(conn, -ESHUTDOWN);
	mutex_unlock(&dfs_conns_lock);
}

int __init dfs_conn_init(void)
{
	dfs_conn_wq = alloc_workqueue("dittofs_conn", WQ_UNBOUND,
				      WQ_UNBOUND_MAX_ACTIVE);
	return dfs_conn_wq ? 0 : -ENOMEM;
}

void dfs_conn_exit(void)
{
	dfs_conn_close_all();
	destroy_workqueue(dfs_conn_wq);
}

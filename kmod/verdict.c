// SPDX-License-Identifier: GPL-2.0-only
/*
 * verdict.c - DITTOFS_CMD_IO_VERDICT: a READ or WRITE on an open whose
 * file has byte-range locks (DITTOFS_FID_F_ASK) asks the daemon whether
 * it conflicts, then moves the data in the kernel as the fast path does.
 * A WRITE on an open with DITTOFS_FID_F_ASK_WRITE asks too, so that the
 * daemon breaks level II oplocks and notes the write time first.
 * Only the question and the answer cross netlink, never the data.
 *
 * Ordering is what makes this safe. The open is not marked in flight while
 * the question waits: the daemon may be blocked in a FID_UPDATE that waits
 * for in-flight I/O to drain. The mark is set by the answer itself, in the
 * daemon's sendmsg (dfs_verdict_answer), so it is in place before the
 * daemon can process a LOCK; and before granting a lock the daemon sends
 * FID_UPDATE for the file's opens, which waits for every allowed I/O to
 * finish. An I/O allowed before a lock therefore never overlaps it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "dittofs.h"

int dfs_verdict_ask(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		    struct dfs_fid *f, u8 kind, u64 off, u32 len, u32 *status,
		    u32 *flags)
{
	u64 cookie;
	int ret;

	dfs_conn_caught_up(conn);
	mutex_lock(&conn->up_lock);
	cookie = ++conn->up_seq;
	conn->up_state = DFS_UP_WAITING;
	conn->up_out = NULL;		/* a PDU_DOWN for this cookie is stale */
	conn->up_fid = f;
	conn->up_verdict = 0;
	conn->up_verdict_flags = 0;
	mutex_unlock(&conn->up_lock);

	ret = dfs_ctl_send_verdict(conn, in->session_id, f, kind, off, len,
				   cookie);
	if (!ret) {
		dfs_count(conn, io_verdicts, 1);
		dfs_up_wait(conn, cookie);
	}

	mutex_lock(&conn->up_lock);
	if (conn->up_state == DFS_UP_DONE) {
		*status = conn->up_verdict;
		*flags = conn->up_verdict_flags;
		ret = *status ? 1 : 0;
	} else {
		ret = ret ? ret : -ETIMEDOUT;
	}
	conn->up_state = DFS_UP_IDLE;
	conn->up_fid = NULL;
	mutex_unlock(&conn->up_lock);
	return ret;
}

/* The daemon's answer (netlink.c), in the daemon's context. */
int dfs_verdict_answer(struct dfs_conn *conn, u64 cookie, u32 status,
		       u32 flags)
{
	int ret = 0;

	mutex_lock(&conn->up_lock);
	if (conn->up_state != DFS_UP_WAITING || !conn->up_fid ||
	    cookie != conn->up_seq) {
		ret = -ESTALE;
	} else {
		/* in flight before the daemon can grant anything else */
		if (!status)
			dfs_fid_mark(conn->up_fid);
		conn->up_verdict = status;
		conn->up_verdict_flags = flags;
		conn->up_state = DFS_UP_DONE;
		wake_up_all(&conn->up_wq);
	}
	mutex_unlock(&conn->up_lock);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * restart.c - what the module does when dittofsd goes away and comes back.
 *
 * The module keeps its TCP connections when the control socket closes
 * (kill -9, crash, restart): clients are not disconnected. Until a daemon
 * claims the module again, every request the kernel does not serve itself
 * is answered with STATUS_SERVER_UNAVAILABLE (conn.c), and READ/WRITE on
 * opens still installed keep working in the fast path: the files are held
 * by the module, and nobody can take a conflicting open or lock while no
 * daemon answers CREATE or LOCK.
 *
 * A new daemon has none of the old one's state: not the connections'
 * negotiated parameters, not the sessions, trees or opens. Each successful
 * claim from a new socket therefore starts a new epoch: the trees and opens
 * are dropped at once (file references released), and sessions and
 * connections from an earlier epoch are stale. Stale sessions keep their
 * keys only so that the module can still verify, decrypt and protect the
 * answer it gives for them itself:
 *
 *   - SESSION_SETUP on a stale SessionId: STATUS_USER_SESSION_DELETED (the
 *     new daemon has no such session; MS-SMB2 3.3.5.5);
 *   - anything else on a stale SessionId: STATUS_NETWORK_SESSION_EXPIRED
 *     (MS-SMB2 3.3.5.2.9, Session.State Expired), which makes the Linux
 *     client reconnect and reopen its files, and Windows re-authenticate;
 *   - a request on a stale connection that is not for one of its stale
 *     sessions (NEGOTIATE again, a new SESSION_SETUP, an ECHO) cannot be
 *     served: the daemon never saw this connection's NEGOTIATE. The
 *     connection is closed and the client reconnects from scratch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>

#include "dittofs.h"

/* Bumped under dfs_ctl_lock by every new claim; read locklessly. */
static u32 dfs_epoch;

u32 dfs_ctl_epoch(void)
{
	return READ_ONCE(dfs_epoch);
}

bool dfs_session_stale(const struct dfs_ksession *s)
{
	return s->epoch != dfs_ctl_epoch();
}

/*
 * A daemon is claiming the module from a new socket (the caller holds
 * dfs_ctl_lock and has not published the socket yet, so nothing reaches
 * the new daemon before this is done).
 */
void dfs_restart_new_epoch(void)
{
	dfs_state_purge_all();
	WRITE_ONCE(dfs_epoch, dfs_epoch + 1);
}

/* The control socket is gone: PDU_UPs waiting for it fail now. */
void dfs_conn_wake_all(void)
{
	struct dfs_conn *conn;

	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node)
		wake_up_all(&conn->up_wq);
	mutex_unlock(&dfs_conns_lock);
}

/*
 * Called for every request before the fast path (conn->lock held).
 * 0: carry on; 1: answered in out; -errno: close the connection.
 */
int dfs_restart_check(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		      struct dfs_pdu_out *out)
{
	struct dfs_ksession *s;
	u32 status;
	u16 cmd;

	if (likely(conn->epoch == dfs_ctl_epoch()))
		return 0;
	if (in->len < SMB2_HDR_SIZE || dfs_get_le32(in->buf) != SMB2_PROTO_ID)
		return -ECONNRESET;
	s = in->session_id ? dfs_session_find(conn, in->session_id) : NULL;
	if (!s || !dfs_session_stale(s)) {
		pr_info_ratelimited("connection %llu: from a previous dittofsd, closing it\n",
				    conn->id);
		return -ECONNRESET;
	}
	cmd = dfs_get_le16(in->buf + SMB2_HDR_COMMAND);
	status = cmd == SMB2_SESSION_SETUP ? STATUS_USER_SESSION_DELETED :
		 STATUS_NETWORK_SESSION_EXPIRED;
	out->len = dfs_smb2_error_rsp(out->buf, out->cap, in->buf, status);
	if (!out->len)
		return -EMSGSIZE;
	/* a related request carries 0xFF..: answer with the real ids */
	dfs_put_le64(out->buf + SMB2_HDR_SESSION_ID, in->session_id);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dispatch.c - the control side's entry point for one request PDU.
 *
 * The data plane has already checked framing, credits and signatures. Here
 * we check protocol state (negotiated? session? tree?), call the command's
 * handler and wrap its body in a response header.
 */
#include <stdlib.h>

#include "userd/server.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"

/* Per-command needs, MS-SMB2 3.3.5.2.9 (session) and 3.3.5.2.11 (tree) */
enum { NEED_SESSION = 1, NEED_TREE = 2 };

struct command {
	dfs_handler_fn fn;
	u16 needs;
	const char *name;
};

static const struct command commands[SMB2_NR_COMMANDS] = {
	[SMB2_NEGOTIATE] = { smb2_negotiate, 0, "NEGOTIATE" },
	[SMB2_SESSION_SETUP] = { smb2_session_setup, 0, "SESSION_SETUP" },
	[SMB2_LOGOFF] = { smb2_logoff, NEED_SESSION, "LOGOFF" },
	[SMB2_TREE_CONNECT] = { smb2_tree_connect, NEED_SESSION, "TREE_CONNECT" },
	[SMB2_TREE_DISCONNECT] = { smb2_tree_disconnect, NEED_SESSION | NEED_TREE, "TREE_DISCONNECT" },
	[SMB2_CREATE] = { smb2_create, NEED_SESSION | NEED_TREE, "CREATE" },
	[SMB2_CLOSE] = { smb2_close, NEED_SESSION | NEED_TREE, "CLOSE" },
	[SMB2_FLUSH] = { smb2_flush, NEED_SESSION | NEED_TREE, "FLUSH" },
	[SMB2_READ] = { smb2_read, NEED_SESSION | NEED_TREE, "READ" },
	[SMB2_WRITE] = { smb2_write, NEED_SESSION | NEED_TREE, "WRITE" },
	[SMB2_LOCK] = { smb2_lock, NEED_SESSION | NEED_TREE, "LOCK" },
	[SMB2_IOCTL] = { smb2_ioctl, NEED_SESSION | NEED_TREE, "IOCTL" },
	[SMB2_CANCEL] = { NULL, 0, "CANCEL" },
	[SMB2_ECHO] = { smb2_echo, 0, "ECHO" },
	[SMB2_QUERY_DIRECTORY] = { smb2_query_directory, NEED_SESSION | NEED_TREE, "QUERY_DIRECTORY" },
	[SMB2_CHANGE_NOTIFY] = { smb2_change_notify, NEED_SESSION | NEED_TREE, "CHANGE_NOTIFY" },
	[SMB2_QUERY_INFO] = { smb2_query_info, NEED_SESSION | NEED_TREE, "QUERY_INFO" },
	[SMB2_SET_INFO] = { smb2_set_info, NEED_SESSION | NEED_TREE, "SET_INFO" },
	[SMB2_OPLOCK_BREAK] = { smb2_oplock_break, NEED_SESSION | NEED_TREE, "OPLOCK_BREAK" },
};

static bool is_error(u32 status)
{
	return (status >> 30) == 3;
}

/* Find the session and tree this request runs in; a status if they are missing. */
static u32 resolve_context(struct dfs_req *r, u16 needs)
{
	if (!(needs & NEED_SESSION))
		return STATUS_SUCCESS;
	r->sess = dfs_session_find(r->conn, r->in->session_id);
	/*
	 * A related request has no session of its own: if the one it
	 * inherits is unusable, the request itself is malformed (MS-SMB2
	 * 3.3.5.2.7.2; smbd answers the same).
	 */
	if (r->in->related && (!r->sess || r->sess->state == DFS_SESS_IN_PROGRESS))
		return STATUS_INVALID_PARAMETER;
	if (!r->sess || r->sess->state == DFS_SESS_IN_PROGRESS)
		return STATUS_USER_SESSION_DELETED;
	if (r->sess->state == DFS_SESS_EXPIRED)
		return STATUS_NETWORK_SESSION_EXPIRED;
	if (!(needs & NEED_TREE))
		return STATUS_SUCCESS;
	r->tree = dfs_tree_find(r->sess, r->in->tree_id);
	if (!r->tree)
		return STATUS_NETWORK_NAME_DELETED;
	return STATUS_SUCCESS;
}

/*
 * Plaintext on an encrypted session or share is refused (MS-SMB2 3.3.5.2.9,
 * 3.3.5.2.11: RejectUnencryptedAccess is always on here).
 */
static u32 check_encryption(const struct dfs_req *r)
{
	if (r->in->encrypted) {
		if (r->sess)
			r->sess->client_encrypted = true;
		return STATUS_SUCCESS;
	}
	if (r->sess && r->sess->encrypt_data)
		return STATUS_ACCESS_DENIED;
	if (r->tree && r->tree->encrypt_data)
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}

/* Requests before NEGOTIATE, or a second NEGOTIATE, end the connection. */
static bool out_of_order(struct dfs_conn *c, u16 cmd)
{
	if (cmd == SMB2_NEGOTIATE)
		return c->negotiated;
	return !c->negotiated;
}

/* CANCEL (MS-SMB2 3.3.5.16): the named pending operation ends as cancelled. */
static void cancel(struct dfs_conn *c, const u8 *hdr)
{
	struct dfs_async *a = dfs_async_find_cancel(c, hdr);

	if (!a)
		return;
	a->open = NULL;
	if (a->cancel)
		a->cancel(a);
	dfs_async_complete(a, STATUS_CANCELLED, NULL, 0);
}

/* The interim response of an operation that went async (3.3.4.2). */
static void finish_pending(struct dfs_req *r)
{
	struct dfs_pdu_out *o = r->out;

	o->len = dfs_smb2_error_rsp(r->rsp, o->cap, r->hdr, STATUS_PENDING);
	dfs_put_le32(r->rsp + SMB2_HDR_FLAGS,
		     dfs_get_le32(r->rsp + SMB2_HDR_FLAGS) | SMB2_FLAGS_ASYNC_COMMAND);
	dfs_put_le64(r->rsp + SMB2_HDR_ASYNC_ID, r->async->async_id);
	dfs_put_le64(r->rsp + SMB2_HDR_SESSION_ID, r->rsp_session_id);
}

static void finish(struct dfs_req *r, u32 status)
{
	struct dfs_pdu_out *o = r->out;

	if (status == STATUS_PENDING && r->async) {
		finish_pending(r);
		return;
	}
	if (r->rsp_len == 0 && status != STATUS_SUCCESS) {
		o->len = dfs_smb2_error_rsp(r->rsp, o->cap, r->hdr, status);
	} else {
		dfs_smb2_rsp_hdr(r->rsp, r->hdr, status);
		o->len = SMB2_HDR_SIZE + r->rsp_len;
	}
	dfs_put_le64(r->rsp + SMB2_HDR_SESSION_ID, r->rsp_session_id);
	if (!(dfs_get_le32(r->hdr + SMB2_HDR_FLAGS) & SMB2_FLAGS_ASYNC_COMMAND))
		dfs_put_le32(r->rsp + SMB2_HDR_TREE_ID, r->rsp_tree_id);
}

/*
 * Counters for "dittofsctl stats". Bytes come from the bodies once the
 * handler has run: a READ response's DataLength, a WRITE request's Length.
 */
static void count_request(const struct dfs_req *r, u32 status)
{
	struct dfs_stats *st = &r->srv->stats;

	if (r->command >= SMB2_NR_COMMANDS) {
		st->other_requests++;
		return;
	}
	st->requests[r->command]++;
	/* SESSION_SETUP's "more processing required" is a step, not a failure */
	if (is_error(status) && status != STATUS_MORE_PROCESSING_REQUIRED)
		st->errors[r->command]++;
	if (status != STATUS_SUCCESS)
		return;
	if (r->command == SMB2_READ && r->rsp_len >= 8)
		st->bytes_read += dfs_get_le32(r->rsp_body + 4);
	else if (r->command == SMB2_WRITE && r->body_len >= 8)
		st->bytes_written += dfs_get_le32(r->body + 4);
}

static int handle_pdu(void *ctl, const struct dfs_pdu_in *in,
		      struct dfs_pdu_out *out)
{
	struct dfs_conn *c = ctl;
	struct dfs_req r = { 0 };
	const struct command *cmd;
	u32 status;

	if (dfs_get_le32(in->buf) == SMB1_PROTO_ID)
		return dfs_smb1_negotiate(c, in, out);
	if (out->cap < SMB2_HDR_SIZE + 9)
		return -ENOSPC;
	/*
	 * A related request inherits the open its predecessor used (set by
	 * dfs_open_lookup and CREATE); an unrelated one starts afresh.
	 */
	if (!in->related)
		c->compound_fid[0] = c->compound_fid[1] = ~0ull;
	if (in->first)
		c->compound_create_err = 0;

	r.srv = c->srv;
	r.conn = c;
	r.in = in;
	r.out = out;
	r.hdr = in->buf;
	r.body = in->buf + SMB2_HDR_SIZE;
	r.body_len = in->len - SMB2_HDR_SIZE;
	r.command = dfs_get_le16(r.hdr + SMB2_HDR_COMMAND);
	r.credit_charge = dfs_get_le16(r.hdr + SMB2_HDR_CREDIT_CHARGE);
	r.message_id = dfs_get_le64(r.hdr + SMB2_HDR_MESSAGE_ID);
	r.flags = dfs_get_le32(r.hdr + SMB2_HDR_FLAGS);
	r.rsp = out->buf;
	r.rsp_body = out->buf + SMB2_HDR_SIZE;
	r.rsp_cap = out->cap - SMB2_HDR_SIZE;
	r.rsp_session_id = in->session_id;
	r.rsp_tree_id = in->tree_id;
	r.compound_fid = c->compound_fid;
	if (in->first && in->encrypted)
		c->srv->stats.encrypted_frames++;
	if (in->signed_ok)
		c->srv->stats.signed_requests++;

	if (r.command == SMB2_CANCEL) {
		count_request(&r, STATUS_SUCCESS);
		cancel(c, r.hdr);
		out->no_response = true;	/* CANCEL itself is never answered */
		return 0;
	}
	if (out_of_order(c, r.command)) {
		count_request(&r, STATUS_INVALID_PARAMETER);
		log_info("%s: %s %s negotiation, closing", c->peer,
			 r.command == SMB2_NEGOTIATE ? "second NEGOTIATE after" : "request before",
			 c->negotiated ? "completed" : "any");
		return -EPROTO;
	}
	cmd = r.command < SMB2_NR_COMMANDS ? &commands[r.command] : NULL;
	if (!cmd) {
		status = STATUS_INVALID_PARAMETER;
	} else if (in->related && c->compound_create_err) {
		/*
		 * A failed CREATE fails the related requests after it, which
		 * would otherwise act on its missing FileId; other failures do
		 * not propagate (as Windows and Samba behave).
		 */
		status = c->compound_create_err;
	} else if (!in->first && !in->related &&
		   (r.flags & SMB2_FLAGS_RELATED_OPERATIONS)) {
		status = STATUS_INVALID_PARAMETER;
	} else if (in->first && (r.flags & SMB2_FLAGS_RELATED_OPERATIONS)) {
		/* nothing to relate to: it and the related ones after it fail */
		status = STATUS_INVALID_PARAMETER;
		c->compound_create_err = status;
	} else {
		status = resolve_context(&r, cmd->needs);
		if (status == STATUS_SUCCESS)
			status = check_encryption(&r);
		if (status == STATUS_SUCCESS)
			status = cmd->fn ? cmd->fn(&r) : STATUS_NOT_SUPPORTED;
	}
	if (cmd)
		log_debug("%s: %s mid %llu -> 0x%08x", c->peer, cmd->name,
			  (unsigned long long)r.message_id, status);
	count_request(&r, status);
	if (r.command == SMB2_CREATE && is_error(status))
		c->compound_create_err = status;
	finish(&r, status);
	return 0;
}

static struct dfs_dp_session *session_lookup(void *ctl, u64 id)
{
	/* a bound channel signs with its own key (smb2_channel.c) */
	return dfs_channel_dp_lookup(ctl, id);
}

static void dp_log(void *ctl, const char *why)
{
	struct dfs_conn *c = ctl;

	log_info("%s: %s, closing", c->peer, why);
}

const struct dfs_dp_ops dfs_user_dp_ops = {
	.session_lookup = session_lookup,
	.handle_pdu = handle_pdu,
	.log = dp_log,
	.foreign_session = dfs_channel_foreign_dp,
};

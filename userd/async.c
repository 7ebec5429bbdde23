// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * async.c - operations that complete after their interim response
 * (MS-SMB2 3.3.4.2), CANCEL's lookup of them (3.3.5.16), and the queue of
 * frames a connection sends outside the request/response rhythm.
 */
#include <stdlib.h>

#include "userd/server.h"
#include "userd/crypto_openssl.h"
#include "userd/kernel_mode.h"
#include "userd/limits.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"

struct dfs_async *dfs_async_new(struct dfs_req *r)
{
	struct dfs_async *a;

	/* callers answer STATUS_INSUFFICIENT_RESOURCES, as for no memory */
	if (!dfs_limit_async_ok(r->conn))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	do {
		if (dfs_random(&a->async_id, sizeof(a->async_id))) {
			free(a);
			return NULL;
		}
	} while (a->async_id == 0);
	a->conn = r->conn;
	a->message_id = r->message_id;
	a->session_id = r->in->session_id;
	a->tree_id = r->in->tree_id;
	a->command = r->command;
	a->credit_charge = r->credit_charge;
	a->sign = r->in->signed_ok;
	a->encrypt = r->in->encrypted;
	a->channel_seq = dfs_req_channel_seq(r);
	a->next = r->conn->asyncs;
	r->conn->asyncs = a;
	r->async = a;
	return a;
}

static void unlink_async(struct dfs_async *a)
{
	struct dfs_async **pp;

	for (pp = &a->conn->asyncs; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			return;
		}
	}
}

int dfs_conn_send_pdu(struct dfs_conn *c, struct dfs_session *s, bool sign,
		      bool encrypt, u8 *buf, u32 len)
{
	struct dfs_outbuf *ob, **pp;
	u32 flen;
	int ret;

	if (c->srv->kernel) {
		/* the module frames, signs or encrypts it (DITTOFS_CMD_SEND) */
		ret = dfs_kernel_send_pdu(c, s, sign, encrypt,
					  buf + DFS_DP_ASYNC_ROOM, len);
		free(buf);
		return ret;
	}
	if (c->closing || dfs_dp_async_frame(&c->dp, s ? dfs_session_dp_on(s, c) : NULL, sign,
					     encrypt, buf, len, &flen)) {
		free(buf);
		return -EPIPE;
	}
	/* the frame starts at buf: reuse the allocation as the queue node */
	ob = malloc(sizeof(*ob) + flen);
	if (!ob) {
		free(buf);
		return -ENOMEM;
	}
	ob->next = NULL;
	ob->len = flen;
	ob->sent = 0;
	memcpy(ob->data, buf, flen);
	free(buf);
	for (pp = &c->outq; *pp; pp = &(*pp)->next)
		;
	*pp = ob;
	dfs_conn_kick(c);
	return 0;
}

/* The final response's header (MS-SMB2 2.2.1.1, async form). */
static void put_async_hdr(u8 *h, const struct dfs_async *a, u32 status)
{
	memset(h, 0, SMB2_HDR_SIZE);
	dfs_put_le32(h, SMB2_PROTO_ID);
	dfs_put_le16(h + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(h + SMB2_HDR_CREDIT_CHARGE, a->credit_charge);
	dfs_put_le32(h + SMB2_HDR_STATUS, status);
	dfs_put_le16(h + SMB2_HDR_COMMAND, a->command);
	/* credits were granted with the interim response */
	dfs_put_le16(h + SMB2_HDR_CREDIT, 0);
	dfs_put_le32(h + SMB2_HDR_FLAGS, SMB2_FLAGS_SERVER_TO_REDIR |
		     SMB2_FLAGS_ASYNC_COMMAND);
	dfs_put_le64(h + SMB2_HDR_MESSAGE_ID, a->message_id);
	dfs_put_le64(h + SMB2_HDR_ASYNC_ID, a->async_id);
	dfs_put_le64(h + SMB2_HDR_SESSION_ID, a->session_id);
}

void dfs_async_complete(struct dfs_async *a, u32 status, const u8 *body,
			u32 body_len)
{
	struct dfs_conn *c = a->conn;
	struct dfs_session *s = dfs_session_find(c, a->session_id);
	u32 blen = body ? body_len : 9;
	u8 *buf, *pdu;

	unlink_async(a);
	/* its channel is gone: the client gave the request up */
	if (a->orphaned)
		s = NULL;
	buf = s ? malloc(DFS_DP_ASYNC_ROOM + SMB2_HDR_SIZE + blen) : NULL;
	if (buf) {
		pdu = buf + DFS_DP_ASYNC_ROOM;
		put_async_hdr(pdu, a, status);
		if (body) {
			memcpy(pdu + SMB2_HDR_SIZE, body, body_len);
		} else {
			memset(pdu + SMB2_HDR_SIZE, 0, 9);
			dfs_put_le16(pdu + SMB2_HDR_SIZE, 9);
		}
		dfs_conn_send_pdu(c, s, a->sign || s->dp.signing_required,
				  a->encrypt, buf, SMB2_HDR_SIZE + blen);
	}
	free(a);
}

struct dfs_async *dfs_async_find_cancel(struct dfs_conn *c, const u8 *hdr)
{
	bool by_async = dfs_get_le32(hdr + SMB2_HDR_FLAGS) & SMB2_FLAGS_ASYNC_COMMAND;
	u64 id = dfs_get_le64(hdr + (by_async ? SMB2_HDR_ASYNC_ID : SMB2_HDR_MESSAGE_ID));
	u64 sid = dfs_get_le64(hdr + SMB2_HDR_SESSION_ID);
	struct dfs_async *a;

	for (a = c->asyncs; a; a = a->next) {
		/* message ids of another connection: not this one's to name */
		if (a->orphaned ||
		    (by_async ? a->async_id != id : a->message_id != id))
			continue;
		/* a CANCEL may only reach its own session's operations */
		if (a->session_id == sid)
			return a;
	}
	return NULL;
}

/* A pending operation on o, on any connection (channels share opens). */
static struct dfs_async *find_open_async(struct dfs_server *srv,
					 const struct dfs_open *o)
{
	struct dfs_conn *c;
	struct dfs_async *a;

	for (c = srv->conns; c; c = c->next)
		for (a = c->asyncs; a; a = a->next)
			if (a->open == o)
				return a;
	return NULL;
}

void dfs_async_complete_open(struct dfs_open *o, u32 status)
{
	struct dfs_async *a;

	while ((a = find_open_async(o->sess->conn->srv, o))) {
		/* detach first: cancel() may close the open and come back here */
		a->open = NULL;
		if (a->cancel)
			a->cancel(a);
		dfs_async_complete(a, a->close_status ? a->close_status : status,
				   NULL, 0);
	}
}

/* Hand a to another channel of its session, if it has one; false if not. */
static bool adopt_elsewhere(struct dfs_async *a)
{
	struct dfs_session *s = dfs_session_find(a->conn, a->session_id);
	struct dfs_conn *to = s ? dfs_session_other_conn(s, a->conn) : NULL;

	if (!to)
		return false;
	log_verbose("%s: CREATE %llu goes on without its channel, on %s's",
		    a->conn->peer, (unsigned long long)a->message_id, to->peer);
	a->conn = to;
	a->orphaned = true;
	a->next = to->asyncs;
	to->asyncs = a;
	return true;
}

void dfs_async_drop_conn(struct dfs_conn *c)
{
	while (c->asyncs) {
		struct dfs_async *a = c->asyncs;

		c->asyncs = a->next;
		if (a->outlives_channel && adopt_elsewhere(a))
			continue;
		if (a->cancel)
			a->cancel(a);
		free(a);
	}
}

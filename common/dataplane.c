// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * dataplane.c - frames in, PDUs to the control side, responses out.
 *
 * A frame holds one SMB2 PDU or a compound chain. Each PDU is checked here
 * (header shape, NextCommand bounds, credit window, signature) before the
 * control side sees it; each response is patched here (flags, credits,
 * compound padding, signature) after the control side wrote it. Signing a
 * response waits until we know whether another response follows, because
 * the padding in front of the next one is covered by the signature.
 */
#include "dataplane.h"
#include "smb2_proto.h"
#include "transform.h"

/* The response being assembled and not yet signed. */
struct pending_rsp {
	u8 *buf;
	u32 len;
	const struct dfs_dp_session *sign;
};

/* Everything one request PDU needs while it is being processed. */
struct pdu_walk {
	u32 off;		/* request offset in the frame */
	u32 frame_len;		/* length of the whole chain */
	u32 len;		/* request length */
	u64 sid;
	u32 tid;
	u32 prev_status;
	bool first;
	u8 *base;		/* responses are written from here on */
	u32 cap;		/* bytes available at base */
	u32 rsp_off;		/* where the next response goes, from base */
	bool encrypted;		/* the frame came in a transform header */
	bool not_here;		/* ... of a session of another connection */
	struct pending_rsp pending;
};

void dfs_dp_conn_init(struct dfs_dp_conn *c, const struct dfs_crypto_ops *crypto,
		      const struct dfs_dp_ops *ops, void *ctl, u32 max_frame)
{
	memset(c, 0, sizeof(*c));
	c->crypto = crypto;
	c->ops = ops;
	c->ctl = ctl;
	c->max_frame = max_frame;
	dfs_credits_init(&c->credits, DFS_CREDITS_MAX);
}

int dfs_nb_frame_len(const struct dfs_dp_conn *c, const u8 *buf, size_t avail,
		     u32 *frame_len, u8 *type)
{
	u32 len;

	if (avail < DFS_NB_HDR_SIZE)
		return -EAGAIN;
	/* Direct TCP transport (MS-SMB2 2.1): zero byte + 24-bit length */
	len = ((u32)buf[1] << 16) | ((u32)buf[2] << 8) | buf[3];
	*type = buf[0];
	*frame_len = len;
	if (buf[0] == DFS_NB_KEEPALIVE)
		return len == 0 ? 0 : -EPROTO;
	if (buf[0] != DFS_NB_SESSION_MESSAGE)
		return -EPROTO;
	if (len > c->max_frame)
		return -EMSGSIZE;
	return 0;
}

void dfs_smb2_rsp_hdr(u8 *rsp, const u8 *req, u32 status)
{
	u32 flags = dfs_get_le32(req + SMB2_HDR_FLAGS);

	memcpy(rsp, req, SMB2_HDR_SIZE);
	dfs_put_le32(rsp + SMB2_HDR_STATUS, status);
	flags &= SMB2_FLAGS_ASYNC_COMMAND | SMB2_FLAGS_RELATED_OPERATIONS |
		 SMB2_FLAGS_PRIORITY_MASK;
	dfs_put_le32(rsp + SMB2_HDR_FLAGS, flags | SMB2_FLAGS_SERVER_TO_REDIR);
	dfs_put_le32(rsp + SMB2_HDR_NEXT_COMMAND, 0);
	dfs_put_le16(rsp + SMB2_HDR_CREDIT, 0);
	memset(rsp + SMB2_HDR_SIGNATURE, 0, SMB2_SIG_SIZE);
}

u32 dfs_smb2_error_rsp(u8 *rsp, u32 cap, const u8 *req, u32 status)
{
	u8 *body = rsp + SMB2_HDR_SIZE;

	if (cap < SMB2_HDR_SIZE + 9)
		return 0;
	dfs_smb2_rsp_hdr(rsp, req, status);
	/* StructureSize 9, ErrorContextCount 0, ByteCount 0, one pad byte */
	memset(body, 0, 9);
	dfs_put_le16(body, 9);
	return SMB2_HDR_SIZE + 9;
}

static int drop(struct dfs_dp_conn *c, const char *why)
{
	if (c->ops->log)
		c->ops->log(c->ctl, why);
	return -EPROTO;
}

/*
 * Pad the pending response to 8 bytes (if another follows, or it ends a
 * compound: Windows and smbd pad the last response of a chain too, and
 * clients check it), then sign it.
 */
static int flush_pending(struct dfs_dp_conn *c, struct pdu_walk *w, bool more)
{
	struct pending_rsp *p = &w->pending;
	u32 padded = p->len;
	u32 at;

	if (!p->buf)
		return 0;
	at = (u32)(p->buf - w->base);
	if (more || (!w->first && DFS_ALIGN8(p->len) <= w->cap - at)) {
		padded = DFS_ALIGN8(p->len);
		memset(p->buf + p->len, 0, padded - p->len);
		if (more)
			dfs_put_le32(p->buf + SMB2_HDR_NEXT_COMMAND, padded);
		else
			w->rsp_off = at + padded;
	}
	if (p->sign && dfs_sign_pdu(c->crypto, &p->sign->sign, p->buf, padded))
		return -EINVAL;
	p->buf = NULL;
	return 0;
}

/* Check the header of the PDU at w->off and find its length. */
static int parse_pdu(struct dfs_dp_conn *c, const u8 *frame, u32 len,
		     struct pdu_walk *w, u32 *next)
{
	const u8 *h = frame + w->off;

	if (!dfs_range_ok(w->off, SMB2_HDR_SIZE, len))
		return drop(c, "truncated SMB2 header");
	if (dfs_get_le32(h) != SMB2_PROTO_ID ||
	    dfs_get_le16(h + SMB2_HDR_STRUCT_SIZE) != SMB2_HDR_SIZE)
		return drop(c, "bad SMB2 header");
	*next = dfs_get_le32(h + SMB2_HDR_NEXT_COMMAND);
	if (*next) {
		if (*next < SMB2_HDR_SIZE || (*next & 7) ||
		    !dfs_range_ok(w->off, *next, len))
			return drop(c, "bad NextCommand in compound");
		w->len = *next;
	} else {
		w->len = len - w->off;
	}
	return 0;
}

/*
 * Signature rules of MS-SMB2 3.3.5.2.4: a signed request must verify; an
 * unsigned one on a session that requires signing is refused. Returns the
 * status to answer with (STATUS_SUCCESS to go on) and sets *signed_ok.
 */
static u32 check_signature(struct dfs_dp_conn *c, const u8 *pdu, u32 len,
			   const struct dfs_dp_session *s, bool *signed_ok)
{
	u32 flags = dfs_get_le32(pdu + SMB2_HDR_FLAGS);
	u16 cmd = dfs_get_le16(pdu + SMB2_HDR_COMMAND);

	*signed_ok = false;
	if (cmd == SMB2_NEGOTIATE)
		return STATUS_SUCCESS;
	if (flags & SMB2_FLAGS_SIGNED) {
		if (!s)
			return cmd == SMB2_SESSION_SETUP ? STATUS_SUCCESS :
				STATUS_USER_SESSION_DELETED;
		if (s->sign.alg < 0)
			return cmd == SMB2_SESSION_SETUP ? STATUS_SUCCESS :
				STATUS_ACCESS_DENIED;
		if (!dfs_verify_pdu(c->crypto, &s->sign, pdu, len))
			return STATUS_ACCESS_DENIED;
		*signed_ok = true;
		return STATUS_SUCCESS;
	}
	if (s && s->sign.alg >= 0 && s->signing_required &&
	    cmd != SMB2_SESSION_SETUP)
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}

static int credit_check(struct dfs_dp_conn *c, const u8 *pdu)
{
	u16 cmd = dfs_get_le16(pdu + SMB2_HDR_COMMAND);
	u16 charge = dfs_get_le16(pdu + SMB2_HDR_CREDIT_CHARGE);

	if (cmd == SMB2_CANCEL)
		return 0;	/* CANCEL reuses the id of what it cancels */
	if (!c->credits.large_mtu)
		charge = 1;	/* 2.0.2: CreditCharge is reserved */
	if (dfs_credits_consume(&c->credits,
				dfs_get_le64(pdu + SMB2_HDR_MESSAGE_ID), charge))
		return drop(c, "MessageId outside the credit window or reused");
	return 0;
}

/* Hash updates of the 3.1.1 preauth integrity chain around one PDU. */
struct preauth_step {
	u8 hash[DFS_PREAUTH_HASH_SIZE];
	bool negotiate;
	bool setup;
};

static int preauth_before(struct dfs_dp_conn *c, const u8 *pdu, u32 len,
			  const struct dfs_dp_session *s,
			  struct preauth_step *ps)
{
	static const u8 zero[DFS_PREAUTH_HASH_SIZE];
	u16 cmd = dfs_get_le16(pdu + SMB2_HDR_COMMAND);
	const u8 *base;

	ps->negotiate = cmd == SMB2_NEGOTIATE && c->dialect == 0;
	ps->setup = cmd == SMB2_SESSION_SETUP && c->dialect == SMB2_DIALECT_311;
	if (ps->negotiate)
		base = zero;
	else if (ps->setup)
		base = (s && s->setup_in_progress) ? s->preauth : c->preauth;
	else
		return 0;
	return dfs_preauth_update(c->crypto, base, pdu, len, ps->hash);
}

static int preauth_after(struct dfs_dp_conn *c, const struct preauth_step *ps,
			 const u8 *rsp, u32 len)
{
	struct dfs_dp_session *s;
	u32 status = dfs_get_le32(rsp + SMB2_HDR_STATUS);

	if (ps->negotiate && c->dialect == SMB2_DIALECT_311 &&
	    status == STATUS_SUCCESS)
		return dfs_preauth_update(c->crypto, ps->hash, rsp, len,
					  c->preauth);
	if (!ps->setup)
		return 0;
	s = c->ops->session_lookup(c->ctl, dfs_get_le64(rsp + SMB2_HDR_SESSION_ID));
	if (!s)
		return 0;
	s->setup_in_progress = status == STATUS_MORE_PROCESSING_REQUIRED;
	if (!s->setup_in_progress)
		return 0;
	return dfs_preauth_update(c->crypto, ps->hash, rsp, len, s->preauth);
}

/* Which key, if any, signs this response (MS-SMB2 3.3.4.1.1). */
static const struct dfs_dp_session *
response_signer(const struct dfs_pdu_out *o, const struct dfs_dp_session *s,
		bool signed_ok, const u8 *rsp)
{
	u32 status = dfs_get_le32(rsp + SMB2_HDR_STATUS);

	if (o->sign_with)
		return o->sign_with->sign.alg >= 0 ? o->sign_with : NULL;
	if (!s || s->sign.alg < 0 || status == STATUS_PENDING)
		return NULL;
	if (signed_ok || s->signing_required)
		return s;
	return NULL;
}

/*
 * Process one PDU of the chain: checks, control side, response patching.
 * 0 to go on, 1 to send what we have and then drop, -errno to drop now.
 */
static int one_pdu(struct dfs_dp_conn *c, u8 *frame, struct pdu_walk *w)
{
	u8 *pdu = frame + w->off;
	u32 flags = dfs_get_le32(pdu + SMB2_HDR_FLAGS);
	bool related = !w->first && (flags & SMB2_FLAGS_RELATED_OPERATIONS);
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out o = { 0 };
	struct preauth_step ps = { 0 };
	struct dfs_dp_session *s;
	const struct dfs_dp_session *signer;
	u32 status;
	u16 charge, asked;
	int ret;

	if (credit_check(c, pdu))
		return -EPROTO;
	if (!related) {
		w->sid = dfs_get_le64(pdu + SMB2_HDR_SESSION_ID);
		w->tid = dfs_get_le32(pdu + SMB2_HDR_TREE_ID);
	}
	s = w->sid ? c->ops->session_lookup(c->ctl, w->sid) : NULL;

	in.buf = pdu;
	in.len = w->len;
	in.session_id = w->sid;
	in.tree_id = w->tid;
	in.related = related;
	in.first = w->first;
	in.last = w->off + w->len >= w->frame_len;
	in.prev_status = w->prev_status;
	in.encrypted = w->encrypted;
	/* inside a transform header the AEAD already authenticated it */
	status = w->encrypted ? STATUS_SUCCESS :
		 check_signature(c, pdu, w->len, s, &in.signed_ok);
	/* the key proves the session, but it is not bound here (3.3.5.2.9) */
	if (w->not_here)
		status = STATUS_USER_SESSION_DELETED;
	if (preauth_before(c, pdu, w->len, s, &ps))
		return -EINVAL;
	if (ps.setup)
		in.preauth = ps.hash;

	/* leave room for padding in front of this response */
	w->rsp_off = DFS_ALIGN8(w->rsp_off);
	if (w->rsp_off >= w->cap)
		return drop(c, "response buffer exhausted");
	o.buf = w->base + w->rsp_off;
	o.cap = w->cap - w->rsp_off;

	if (status != STATUS_SUCCESS) {
		o.len = dfs_smb2_error_rsp(o.buf, o.cap, pdu, status);
		if (status == STATUS_USER_SESSION_DELETED && !s &&
		    c->ops->foreign_session)
			o.sign_with = c->ops->foreign_session(c->ctl, w->sid);
	} else {
		ret = c->ops->handle_pdu(c->ctl, &in, &o);
		if (ret)
			return ret;
		if (o.no_response)
			return 0;
		/* the session may have been created by this request */
		if (!s)
			s = c->ops->session_lookup(c->ctl,
				dfs_get_le64(o.buf + SMB2_HDR_SESSION_ID));
	}
	if (o.len < SMB2_HDR_SIZE || o.len > o.cap)
		return drop(c, "control side produced no valid response");

	charge = dfs_get_le16(pdu + SMB2_HDR_CREDIT_CHARGE);
	asked = dfs_get_le16(pdu + SMB2_HDR_CREDIT);
	dfs_put_le16(o.buf + SMB2_HDR_CREDIT,
		     dfs_credits_grant(&c->credits, c->credits.large_mtu ? charge : 1,
				       asked));
	signer = w->encrypted ? NULL : response_signer(&o, s, in.signed_ok, o.buf);
	/*
	 * A signed interim SESSION_SETUP response (session binding) enters
	 * the 3.1.1 preauth hash as sent, signature included: sign it before
	 * hashing. Signing again at flush gives the same bytes.
	 */
	if (ps.setup && signer && in.last &&
	    dfs_sign_pdu(c->crypto, &signer->sign, o.buf, o.len))
		return -EINVAL;
	if (preauth_after(c, &ps, o.buf, o.len))
		return -EINVAL;

	/* the previous response is followed by this one: pad, link, sign it */
	ret = flush_pending(c, w, true);
	if (ret)
		return ret;
	w->pending.buf = o.buf;
	w->pending.len = o.len;
	w->pending.sign = signer;
	w->rsp_off = (u32)(o.buf - w->base) + o.len;
	w->prev_status = dfs_get_le32(o.buf + SMB2_HDR_STATUS);
	return o.drop ? 1 : 0;
}

/*
 * A client that starts with an SMB1 multi-protocol NEGOTIATE gets an SMB2
 * NEGOTIATE response (MS-SMB2 3.3.5.3.1); the control side writes it. The
 * exchange uses MessageId 0, so the window moves on to 1.
 */
static int smb1_negotiate(struct dfs_dp_conn *c, u8 *frame, u32 len, u8 *out,
			  u32 cap, u32 *rsp_len)
{
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out o = { 0 };
	int ret;

	if (c->dialect || c->credits.lo != 0)
		return drop(c, "SMB1 NEGOTIATE after negotiation");
	if (dfs_credits_consume(&c->credits, 0, 1))
		return drop(c, "SMB1 NEGOTIATE outside the credit window");
	in.buf = frame;
	in.len = len;
	in.first = true;
	in.last = true;
	o.buf = out + DFS_NB_HDR_SIZE;
	o.cap = cap - DFS_NB_HDR_SIZE;
	ret = c->ops->handle_pdu(c->ctl, &in, &o);
	if (ret)
		return ret;
	if (o.len < SMB2_HDR_SIZE || o.len > o.cap)
		return drop(c, "no response to SMB1 NEGOTIATE");
	dfs_put_le16(o.buf + SMB2_HDR_CREDIT, dfs_credits_grant(&c->credits, 1, 1));
	*rsp_len = o.len;
	return o.drop ? 1 : 0;
}

static void put_nb_header(u8 *out, u32 len)
{
	out[0] = DFS_NB_SESSION_MESSAGE;
	out[1] = (u8)(len >> 16);
	out[2] = (u8)(len >> 8);
	out[3] = (u8)len;
}

static int smb2_chain(struct dfs_dp_conn *c, u8 *frame, u32 len, u8 *base,
		      u32 cap, bool encrypted, bool not_here, u32 *rsp_len)
{
	struct pdu_walk w = { 0 };
	u32 next;
	int ret = 0;

	w.first = true;
	w.frame_len = len;
	w.base = base;
	w.cap = cap;
	w.encrypted = encrypted;
	w.not_here = not_here;
	for (;;) {
		if (parse_pdu(c, frame, len, &w, &next))
			return -EPROTO;
		ret = one_pdu(c, frame, &w);
		if (ret)
			break;
		if (!next)
			break;
		w.off += next;
		w.first = false;
	}
	if (ret < 0)
		return ret;
	if (flush_pending(c, &w, false))
		return -EINVAL;
	*rsp_len = w.rsp_off;
	return ret;
}

/* The session a transform header names (frame holds its 52 bytes). */
static struct dfs_dp_session *transform_session(struct dfs_dp_conn *c,
						const u8 *frame, bool *not_here)
{
	u64 sid = dfs_transform_session(frame);
	struct dfs_dp_session *s = c->ops->session_lookup(c->ctl, sid);

	*not_here = false;
	if (!s && c->ops->foreign_session) {
		s = c->ops->foreign_session(c->ctl, sid);
		*not_here = s != NULL;
	}
	return s && s->dec.alg ? s : NULL;
}

void dfs_dp_frame_partial(struct dfs_dp_conn *c, u8 *frame, u32 have, u32 len)
{
	struct dfs_dp_session *s;
	bool not_here;

	if (!c->rx.st) {
		if (len < DFS_DP_RX_MIN || have < SMB2_TRANSFORM_HDR_SIZE ||
		    have >= len || dfs_get_le32(frame) != SMB2_TRANSFORM_ID)
			return;
		s = transform_session(c, frame, &not_here);
		/* whatever is wrong here, dfs_dp_frame finds it again and says so */
		if (!s || dfs_transform_rx_begin(c->crypto, &s->dec, &c->rx,
						 frame, have, len))
			return;
	}
	dfs_transform_rx_more(c->crypto, &c->rx, frame, have);
}

void dfs_dp_conn_release(struct dfs_dp_conn *c)
{
	dfs_transform_rx_abort(c->crypto, &c->rx);
}

/*
 * Decrypt a whole frame, or finish one that was decrypted as it arrived.
 * The latter must have been begun with the key the session has now:
 * otherwise the session went away meanwhile, and the frame with it.
 */
static int decrypt_frame(struct dfs_dp_conn *c, struct dfs_dp_session *s,
			 u8 *frame, u32 len, u8 **msg, u32 *msg_len)
{
	if (!c->rx.st)
		return dfs_transform_decrypt(c->crypto, &s->dec, frame, len,
					     msg, msg_len);
	if (c->rx.key != s->dec.key) {
		dfs_transform_rx_abort(c->crypto, &c->rx);
		return -ESTALE;
	}
	return dfs_transform_rx_finish(c->crypto, &c->rx, frame, len, msg,
				       msg_len);
}

/*
 * A frame in a transform header: decrypt with the session's client->server
 * key, run the chain inside, and send all its responses back in one
 * transform (MS-SMB2 3.3.4.1.4). Anything that does not authenticate ends
 * the connection (3.3.5.2.1.1). A session of another connection that is
 * not bound here decrypts too, as the session is looked up server-wide,
 * but each request in it is only answered STATUS_USER_SESSION_DELETED.
 */
static int encrypted_frame(struct dfs_dp_conn *c, u8 *frame, u32 len, u8 *out,
			   u32 cap, u32 *out_len)
{
	const u32 room = DFS_NB_HDR_SIZE + SMB2_TRANSFORM_HDR_SIZE;
	struct dfs_dp_session *s;
	u32 msg_len, rsp_len = 0;
	bool not_here;
	u8 *msg;
	int ret;

	if (len < SMB2_TRANSFORM_HDR_SIZE)
		return drop(c, "truncated transform header");
	s = transform_session(c, frame, &not_here);
	if (!s) {
		dfs_transform_rx_abort(c->crypto, &c->rx);
		return drop(c, "transform header for a session without keys");
	}
	ret = decrypt_frame(c, s, frame, len, &msg, &msg_len);
	if (ret)
		return drop(c, ret == -EBADMSG ? "encrypted message failed authentication" :
			    ret == -ESTALE ? "session key changed while the frame arrived" :
			    "malformed transform header");
	if (dfs_get_le32(msg) != SMB2_PROTO_ID)
		return drop(c, "transform does not hold an SMB2 message");
	ret = smb2_chain(c, msg, msg_len, out + room, cap - room, true, not_here,
			 &rsp_len);
	if (ret < 0)
		return ret;
	if (rsp_len) {
		if (dfs_transform_encrypt(c->crypto, &s->enc, &s->nonce, s->id,
					  out + DFS_NB_HDR_SIZE, rsp_len))
			return drop(c, "cannot encrypt (nonce space exhausted)");
		put_nb_header(out, rsp_len + SMB2_TRANSFORM_HDR_SIZE);
		*out_len = rsp_len + room;
	}
	return ret ? -EPROTO : 0;
}

int dfs_dp_frame(struct dfs_dp_conn *c, u8 *frame, u32 len, u8 *out, u32 cap,
		 u32 *out_len)
{
	u32 rsp_len = 0;
	u32 proto;
	int ret;

	*out_len = 0;
	if (len < 4 || cap < DFS_NB_HDR_SIZE + SMB2_HDR_SIZE + 9)
		return drop(c, "frame too short");
	proto = dfs_get_le32(frame);
	if (proto == SMB2_TRANSFORM_ID)
		return encrypted_frame(c, frame, len, out, cap, out_len);
	/* a frame begun as encrypted cannot turn into another: be safe anyway */
	dfs_transform_rx_abort(c->crypto, &c->rx);
	if (proto == SMB1_PROTO_ID)
		ret = smb1_negotiate(c, frame, len, out, cap, &rsp_len);
	else if (proto == SMB2_PROTO_ID)
		ret = smb2_chain(c, frame, len, out + DFS_NB_HDR_SIZE,
				 cap - DFS_NB_HDR_SIZE, false, false, &rsp_len);
	else
		return drop(c, "unknown protocol id");
	if (ret < 0)
		return ret;
	if (rsp_len) {
		put_nb_header(out, rsp_len);
		*out_len = rsp_len + DFS_NB_HDR_SIZE;
	}
	return ret ? -EPROTO : 0;
}

int dfs_dp_async_frame(struct dfs_dp_conn *c, struct dfs_dp_session *s,
		       bool sign, bool encrypt, u8 *out, u32 len, u32 *out_len)
{
	u8 *pdu = out + DFS_DP_ASYNC_ROOM;
	u32 flags = dfs_get_le32(pdu + SMB2_HDR_FLAGS);

	if (len < SMB2_HDR_SIZE)
		return -EINVAL;
	dfs_put_le32(pdu + SMB2_HDR_FLAGS, flags | SMB2_FLAGS_SERVER_TO_REDIR);
	if (encrypt) {
		if (!s || !s->enc.alg)
			return -EINVAL;
		if (dfs_transform_encrypt(c->crypto, &s->enc, &s->nonce, s->id,
					  out + DFS_NB_HDR_SIZE, len))
			return -ENOSPC;
		put_nb_header(out, len + SMB2_TRANSFORM_HDR_SIZE);
		*out_len = DFS_DP_ASYNC_ROOM + len;
		return 0;
	}
	if (sign && s && s->sign.alg >= 0 &&
	    dfs_sign_pdu(c->crypto, &s->sign, pdu, len))
		return -EINVAL;
	/* plaintext: move the PDU down next to its NetBIOS header */
	memmove(out + DFS_NB_HDR_SIZE, pdu, len);
	put_nb_header(out, len);
	*out_len = DFS_NB_HDR_SIZE + len;
	return 0;
}

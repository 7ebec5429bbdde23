// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dcerpc.c - connection-oriented DCE/RPC server side for named pipes
 * (C706 chapter 12, MS-RPCE 2.2.2 and 3.3.1.5); see dcerpc.h.
 *
 * Input is cut into PDUs by frag_length; each PDU is checked whole
 * (header, auth_length, every count against the bytes present) before
 * anything in it is used. A PDU we cannot make sense of is answered with
 * a FAULT (or a BIND_NAK for a bind), never with silence, so a client
 * does not wait for nothing; when even the framing is lost, everything
 * buffered is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userd/log.h"
#include "userd/rpc/dcerpc.h"

/* Common header offsets (C706 12.6.4) */
#define H_VERS		0
#define H_MINOR		1
#define H_TYPE		2
#define H_FLAGS		3
#define H_DREP		4
#define H_FRAG_LEN	8
#define H_AUTH_LEN	10
#define H_CALL_ID	12

#define DREP_LITTLE_ENDIAN 0x10

/* Transfer syntax NDR 2.0: 8a885d04-1ceb-11c9-9fe8-08002b104860 */
static const u8 ndr20_uuid[16] = {
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,
};
#define NDR20_VERSION 2

/*
 * Bind time feature negotiation (MS-RPCE 3.3.1.5.3): the transfer syntax
 * 6cb71c2c-9812-4540-XXXX-XXXXXXXXXXXX carries a bitmask in its last 8
 * bytes; only these first 8 identify it.
 */
static const u8 btfn_prefix[8] = {
	0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45,
};
/* SecurityContextMultiplexing | KeepConnectionOnOrphan, as Windows answers */
#define BTFN_SUPPORTED 0x03

#define SYNTAX_LEN	20	/* uuid + version */
#define CTX_ITEM_HEAD	4	/* p_cont_id, n_transfer_syn, reserved */
#define BIND_FIXED	12	/* max frags, assoc group, n_context_elem... */
#define RESULT_LEN	24	/* result, reason, transfer syntax */

/* One association group id per bind, as Windows hands them out */
static u32 next_assoc_group = 0x53f0;

struct pdu {
	const u8 *b;
	u32 len;		/* frag_length */
	u8 type;
	u8 flags;
	u16 auth_len;
	u32 call_id;
	const u8 *body;		/* after the common header */
	u32 body_len;		/* without the auth verifier */
};

struct dfs_rpc_pipe *dfs_rpc_pipe_new(const struct dfs_rpc_iface *iface)
{
	struct dfs_rpc_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->iface = iface;
	p->max_xmit = DCERPC_MAX_FRAG;
	return p;
}

static void drop_output(struct dfs_rpc_pipe *p)
{
	struct dfs_rpc_msg *m;

	while ((m = p->out_head)) {
		p->out_head = m->next;
		free(m);
	}
	p->out_tail = NULL;
	p->out_bytes = 0;
}

void dfs_rpc_pipe_free(struct dfs_rpc_pipe *p)
{
	if (!p)
		return;
	drop_output(p);
	free(p->in);
	free(p->req);
	free(p);
}

/* A new output message of len bytes, queued; NULL when out of memory. */
static u8 *queue_msg(struct dfs_rpc_pipe *p, u32 len)
{
	struct dfs_rpc_msg *m = calloc(1, sizeof(*m) + len);

	if (!m)
		return NULL;
	m->len = len;
	if (p->out_tail)
		p->out_tail->next = m;
	else
		p->out_head = m;
	p->out_tail = m;
	p->out_bytes += len;
	return m->data;
}

static void put_hdr(u8 *b, u8 type, u8 flags, u32 frag_len, u32 call_id)
{
	b[H_VERS] = 5;
	b[H_MINOR] = 0;
	b[H_TYPE] = type;
	b[H_FLAGS] = flags;
	b[H_DREP] = DREP_LITTLE_ENDIAN;	/* little-endian, ASCII, IEEE */
	b[H_DREP + 1] = b[H_DREP + 2] = b[H_DREP + 3] = 0;
	dfs_put_le16(b + H_FRAG_LEN, (u16)frag_len);
	dfs_put_le16(b + H_AUTH_LEN, 0);
	dfs_put_le32(b + H_CALL_ID, call_id);
}

/* FAULT (C706 12.6.4.7): 24-byte head, status, 4 reserved bytes */
static int send_fault(struct dfs_rpc_pipe *p, u32 call_id, u16 ctx_id,
		      u32 status, bool not_executed)
{
	u8 *b = queue_msg(p, 32);

	if (!b)
		return -ENOMEM;
	put_hdr(b, DCERPC_FAULT, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG |
		(not_executed ? DCERPC_PFC_DID_NOT_EXECUTE : 0), 32, call_id);
	dfs_put_le32(b + 16, 0);	/* alloc_hint */
	dfs_put_le16(b + 20, ctx_id);
	b[22] = 0;			/* cancel_count */
	b[23] = 0;
	dfs_put_le32(b + 24, status);
	dfs_put_le32(b + 28, 0);
	log_debug("rpc: call %u fault 0x%08x", call_id, status);
	return 0;
}

/* BIND_NAK (C706 12.6.4.4): reason, then the one version we speak, 5.0 */
static int send_bind_nak(struct dfs_rpc_pipe *p, u32 call_id, u16 reason)
{
	u8 *b = queue_msg(p, 24);

	if (!b)
		return -ENOMEM;
	put_hdr(b, DCERPC_BIND_NAK, DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG,
		24, call_id);
	dfs_put_le16(b + 16, reason);
	b[18] = 1;			/* n_protocols */
	b[19] = 5;			/* major */
	b[20] = 0;			/* minor */
	b[21] = b[22] = b[23] = 0;
	log_debug("rpc: call %u bind_nak reason %u", call_id, reason);
	return 0;
}

static u16 clamp_frag(u16 v)
{
	if (v < DCERPC_MIN_FRAG)
		return DCERPC_MIN_FRAG;
	return v > DCERPC_MAX_FRAG ? DCERPC_MAX_FRAG : v;
}

static bool ctx_known(const struct dfs_rpc_pipe *p, u16 id)
{
	u32 i;

	for (i = 0; i < p->n_ctx; i++)
		if (p->ctx_ids[i] == id)
			return true;
	return false;
}

/*
 * Judge one presentation context item (already bounds-checked: the
 * abstract syntax and n_ts transfer syntaxes are inside the PDU) and
 * write its p_result_t at res.
 */
static void judge_context(struct dfs_rpc_pipe *p, const u8 *item, u8 n_ts,
			  u8 *res)
{
	const u8 *abs = item + CTX_ITEM_HEAD, *ts;
	u16 id = dfs_get_le16(item);
	u8 i;

	memset(res, 0, RESULT_LEN);
	dfs_put_le16(res, DCERPC_PROVIDER_REJECTION);
	dfs_put_le16(res + 2, DCERPC_REASON_TRANSFER_SYNTAXES);
	for (i = 0; i < n_ts; i++) {
		ts = abs + SYNTAX_LEN * (1u + i);
		if (!memcmp(ts, btfn_prefix, sizeof(btfn_prefix))) {
			/* the features we honour; the syntax stays zero */
			dfs_put_le16(res, DCERPC_NEGOTIATE_ACK);
			dfs_put_le16(res + 2, ts[8] & BTFN_SUPPORTED);
			return;
		}
	}
	if (memcmp(abs, p->iface->uuid, 16) ||
	    dfs_get_le16(abs + 16) != p->iface->vers_major ||
	    dfs_get_le16(abs + 18) != p->iface->vers_minor) {
		dfs_put_le16(res + 2, DCERPC_REASON_ABSTRACT_SYNTAX);
		return;
	}
	for (i = 0; i < n_ts; i++) {
		ts = abs + SYNTAX_LEN * (1u + i);
		if (memcmp(ts, ndr20_uuid, 16) ||
		    dfs_get_le32(ts + 16) != NDR20_VERSION)
			continue;	/* NDR64 and the rest: not spoken here */
		if (!ctx_known(p, id)) {
			if (p->n_ctx == DCERPC_MAX_CONTEXTS) {
				dfs_put_le16(res + 2, DCERPC_REASON_LOCAL_LIMIT);
				return;
			}
			p->ctx_ids[p->n_ctx++] = id;
		}
		dfs_put_le16(res, DCERPC_ACCEPTANCE);
		dfs_put_le16(res + 2, 0);
		memcpy(res + 4, ts, SYNTAX_LEN);
		return;
	}
}

/* Are all n context items inside body (from off)? Their total size then. */
static bool contexts_fit(const u8 *body, u32 len, u32 off, u8 n)
{
	u32 need;
	u8 i;

	for (i = 0; i < n; i++) {
		if (!dfs_range_ok(off, CTX_ITEM_HEAD, len))
			return false;
		need = CTX_ITEM_HEAD + SYNTAX_LEN * (1u + body[off + 2]);
		if (!dfs_range_ok(off, need, len))
			return false;
		off += need;
	}
	return true;
}

/* The secondary address of a bind_ack: "\PIPE\<name>" with its NUL */
static u32 sec_addr(const struct dfs_rpc_pipe *p, char *out, u32 cap)
{
	int n = snprintf(out, cap, "\\PIPE\\%s", p->iface->pipe_name);

	return n < 0 || (u32)n >= cap ? 0 : (u32)n + 1;
}

/* BIND and ALTER_CONTEXT (C706 12.6.4.3/12.6.4.1, MS-RPCE 3.3.1.5.2) */
static int handle_bind(struct dfs_rpc_pipe *p, const struct pdu *q)
{
	bool alter = q->type == DCERPC_ALTER_CONTEXT;
	u32 off, rlen, addr_len = 0, pos, assoc;
	char addr[64];
	u8 n, i, *b;

	if (q->auth_len)	/* no security providers here */
		return alter ? send_fault(p, q->call_id, 0,
					  DCERPC_NCA_S_PROTO_ERROR, true) :
			       send_bind_nak(p, q->call_id, DCERPC_NAK_AUTH_TYPE);
	if (alter != p->bound || q->body_len < BIND_FIXED)
		return alter ? send_fault(p, q->call_id, 0,
					  DCERPC_NCA_S_PROTO_ERROR, true) :
			       send_bind_nak(p, q->call_id, DCERPC_NAK_NOT_SPECIFIED);
	n = q->body[8];
	if (!n || !contexts_fit(q->body, q->body_len, BIND_FIXED, n))
		return alter ? send_fault(p, q->call_id, 0,
					  DCERPC_NCA_S_PROTO_ERROR, true) :
			       send_bind_nak(p, q->call_id, DCERPC_NAK_NOT_SPECIFIED);
	if (!alter) {
		p->max_xmit = clamp_frag(dfs_get_le16(q->body + 2));
		assoc = dfs_get_le32(q->body + 4);
		p->assoc_group = assoc ? assoc : next_assoc_group++;
		addr_len = sec_addr(p, addr, sizeof(addr));
	}
	/* header, frags, group, sec_addr (length + string), pad to 4, results */
	pos = DCERPC_HDR_LEN + 8 + 2 + addr_len;
	pos = (pos + 3) & ~3u;
	rlen = pos + 4 + RESULT_LEN * n;
	b = queue_msg(p, rlen);
	if (!b)
		return -ENOMEM;
	put_hdr(b, alter ? DCERPC_ALTER_RESP : DCERPC_BIND_ACK,
		DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG, rlen, q->call_id);
	dfs_put_le16(b + 16, p->max_xmit);
	dfs_put_le16(b + 18, clamp_frag(dfs_get_le16(q->body)));
	dfs_put_le32(b + 20, p->assoc_group);
	dfs_put_le16(b + 24, (u16)addr_len);
	memcpy(b + 26, addr, addr_len);
	b[pos] = n;
	for (i = 0, off = BIND_FIXED; i < n; i++) {
		judge_context(p, q->body + off, q->body[off + 2],
			      b + pos + 4 + RESULT_LEN * i);
		off += CTX_ITEM_HEAD + SYNTAX_LEN * (1u + q->body[off + 2]);
	}
	p->bound = true;
	log_debug("rpc: call %u %s, %u context(s)", q->call_id,
		  alter ? "alter_context" : "bind", n);
	return 0;
}

static void req_reset(struct dfs_rpc_pipe *p)
{
	p->req_open = false;
	p->req_len = 0;
}

static int req_append(struct dfs_rpc_pipe *p, const u8 *stub, u32 len)
{
	u32 ncap;
	u8 *n;

	if (len > DCERPC_MAX_REQUEST - p->req_len)
		return -EMSGSIZE;
	if (p->req_len + len > p->req_cap) {
		ncap = p->req_len + len;
		ncap = ncap < 4096 ? 4096 : ncap;
		n = realloc(p->req, ncap);
		if (!n)
			return -ENOMEM;
		p->req = n;
		p->req_cap = ncap;
	}
	if (len)
		memcpy(p->req + p->req_len, stub, len);
	p->req_len += len;
	return 0;
}

/* The response stub, cut at max_xmit (C706 12.6.4.10): 8-byte multiples */
static int send_response(struct dfs_rpc_pipe *p, u32 call_id, u16 ctx_id,
			 const u8 *stub, u32 len)
{
	u32 chunk = (u32)(p->max_xmit - DCERPC_RSP_HDR_LEN) & ~7u;
	u32 done = 0, n;
	u8 flags, *b;

	do {
		n = len - done < chunk ? len - done : chunk;
		flags = (done == 0 ? DCERPC_PFC_FIRST_FRAG : 0) |
			(done + n == len ? DCERPC_PFC_LAST_FRAG : 0);
		b = queue_msg(p, DCERPC_RSP_HDR_LEN + n);
		if (!b)
			return -ENOMEM;
		put_hdr(b, DCERPC_RESPONSE, flags, DCERPC_RSP_HDR_LEN + n, call_id);
		dfs_put_le32(b + 16, len - done);	/* alloc_hint */
		dfs_put_le16(b + 20, ctx_id);
		b[22] = 0;				/* cancel_count */
		b[23] = 0;
		if (n)	/* an empty stub may have no buffer at all */
			memcpy(b + DCERPC_RSP_HDR_LEN, stub + done, n);
		done += n;
	} while (done < len);
	return 0;
}

/* A whole request is in p->req: run it. */
static int run_call(struct dfs_rpc_pipe *p, const void *ctx)
{
	struct ndr_push out;
	u32 status;
	int ret;

	if (!ctx_known(p, p->req_ctx))
		return send_fault(p, p->req_call_id, p->req_ctx,
				  DCERPC_NCA_S_UNKNOWN_IF, true);
	ndr_push_init(&out, DCERPC_MAX_OUTPUT / 2);
	status = p->iface->call(ctx, p->req_opnum, p->req, p->req_len, &out);
	if (!status && out.err)
		status = DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY;
	log_debug("rpc: call %u opnum %u, %u stub bytes -> 0x%08x", p->req_call_id,
		  p->req_opnum, p->req_len, status);
	if (status)
		ret = send_fault(p, p->req_call_id, p->req_ctx, status,
				 status == DCERPC_NCA_S_OP_RNG_ERROR);
	else
		ret = send_response(p, p->req_call_id, p->req_ctx, out.buf, out.len);
	ndr_push_free(&out);
	return ret;
}

/* REQUEST (C706 12.6.4.9): reassemble fragments, then run the call */
static int handle_request(struct dfs_rpc_pipe *p, const void *ctx,
			  const struct pdu *q)
{
	u32 head = 8 + (q->flags & DCERPC_PFC_OBJECT_UUID ? 16 : 0);
	u16 ctx_id = q->body_len >= 8 ? dfs_get_le16(q->body + 4) : 0;
	int ret;

	if (q->auth_len || !p->bound || q->body_len < head) {
		req_reset(p);
		return send_fault(p, q->call_id, ctx_id, DCERPC_NCA_S_PROTO_ERROR,
				  true);
	}
	if (q->flags & DCERPC_PFC_FIRST_FRAG) {
		/* a new call abandons one left half-sent */
		req_reset(p);
		p->req_open = true;
		p->req_call_id = q->call_id;
		p->req_ctx = ctx_id;
		p->req_opnum = dfs_get_le16(q->body + 6);
	} else if (!p->req_open || q->call_id != p->req_call_id) {
		req_reset(p);
		return send_fault(p, q->call_id, ctx_id, DCERPC_NCA_S_PROTO_ERROR,
				  true);
	}
	ret = req_append(p, q->body + head, q->body_len - head);
	if (ret == -EMSGSIZE) {
		req_reset(p);
		return send_fault(p, q->call_id, ctx_id,
				  DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY, true);
	}
	if (ret)
		return ret;
	if (!(q->flags & DCERPC_PFC_LAST_FRAG))
		return 0;
	ret = run_call(p, ctx);
	req_reset(p);
	return ret;
}

/*
 * Check a PDU's header against its length: version 5.0/5.1, little-endian
 * data, an auth verifier (8-byte sec_trailer + auth_length) that fits.
 */
static bool parse_pdu(const u8 *b, u32 len, struct pdu *q)
{
	u32 trailer;

	q->b = b;
	q->len = len;
	q->type = b[H_TYPE];
	q->flags = b[H_FLAGS];
	q->auth_len = dfs_get_le16(b + H_AUTH_LEN);
	q->call_id = dfs_get_le32(b + H_CALL_ID);
	q->body = b + DCERPC_HDR_LEN;
	q->body_len = len - DCERPC_HDR_LEN;
	if (b[H_VERS] != 5 || b[H_MINOR] > 1 ||
	    (b[H_DREP] & 0xF0) != DREP_LITTLE_ENDIAN)
		return false;
	if (q->auth_len) {
		trailer = 8u + q->auth_len;
		if (trailer > q->body_len)
			return false;
		q->body_len -= trailer;
	}
	return true;
}

static int handle_pdu(struct dfs_rpc_pipe *p, const void *ctx, const u8 *b,
		      u32 len)
{
	struct pdu q;

	if (!parse_pdu(b, len, &q)) {
		if (q.type == DCERPC_BIND)
			return send_bind_nak(p, q.call_id,
					     DCERPC_NAK_PROTOCOL_VERSION);
		return send_fault(p, q.call_id, 0, DCERPC_NCA_S_PROTO_ERROR, true);
	}
	switch (q.type) {
	case DCERPC_BIND:
	case DCERPC_ALTER_CONTEXT:
		return handle_bind(p, &q);
	case DCERPC_REQUEST:
		return handle_request(p, ctx, &q);
	case DCERPC_ORPHANED:
	case DCERPC_CO_CANCEL:
		/* the call is abandoned; nothing is answered for either */
		if (p->req_open && q.call_id == p->req_call_id)
			req_reset(p);
		return 0;
	case DCERPC_AUTH3:
		return 0;	/* never asked for: no auth */
	default:
		return send_fault(p, q.call_id, 0, DCERPC_NCA_S_PROTO_ERROR, true);
	}
}

/* frag_length of the PDU at b (16 bytes there), in its data representation */
static u32 frag_length(const u8 *b)
{
	if ((b[H_DREP] & 0xF0) == DREP_LITTLE_ENDIAN)
		return dfs_get_le16(b + H_FRAG_LEN);
	return ((u32)b[H_FRAG_LEN] << 8) | b[H_FRAG_LEN + 1];
}

static int in_append(struct dfs_rpc_pipe *p, const u8 *data, u32 len)
{
	u32 ncap;
	u8 *n;

	if (p->in_len + len > p->in_cap) {
		ncap = p->in_len + len;
		n = realloc(p->in, ncap);
		if (!n)
			return -ENOMEM;
		p->in = n;
		p->in_cap = ncap;
	}
	memcpy(p->in + p->in_len, data, len);
	p->in_len += len;
	return 0;
}

int dfs_rpc_write(struct dfs_rpc_pipe *p, const void *ctx, const u8 *data,
		  u32 len)
{
	u32 pos = 0, flen;
	int ret = 0;

	if (p->out_bytes > DCERPC_MAX_OUTPUT)
		return -ENOBUFS;
	if (!len)
		return 0;
	if (len > UINT32_MAX - p->in_len || in_append(p, data, len))
		return -ENOMEM;
	while (p->in_len - pos >= DCERPC_HDR_LEN) {
		flen = frag_length(p->in + pos);
		if (flen < DCERPC_HDR_LEN) {
			/* the framing is lost: answer once, forget the rest */
			ret = send_fault(p, dfs_get_le32(p->in + pos + H_CALL_ID),
					 0, DCERPC_NCA_S_PROTO_ERROR, true);
			pos = p->in_len;
			req_reset(p);
			break;
		}
		if (flen > p->in_len - pos)
			break;	/* the rest of it comes with the next write */
		ret = handle_pdu(p, ctx, p->in + pos, flen);
		pos += flen;
		if (ret)
			break;
		if (p->out_bytes > DCERPC_MAX_OUTPUT) {
			/* a client that never reads: stop answering it */
			pos = p->in_len;
			ret = -ENOBUFS;
			break;
		}
	}
	memmove(p->in, p->in + pos, p->in_len - pos);
	p->in_len -= pos;
	return ret;
}

u32 dfs_rpc_pending(const struct dfs_rpc_pipe *p)
{
	return p->out_head ? p->out_head->len - p->out_head->off : 0;
}

u32 dfs_rpc_read(struct dfs_rpc_pipe *p, u8 *out, u32 cap, bool *more)
{
	struct dfs_rpc_msg *m = p->out_head;
	u32 n;

	*more = false;
	if (!m)
		return 0;
	n = m->len - m->off < cap ? m->len - m->off : cap;
	memcpy(out, m->data + m->off, n);
	m->off += n;
	p->out_bytes -= n;
	if (m->off < m->len) {
		*more = true;
		return n;
	}
	p->out_head = m->next;
	if (!p->out_head)
		p->out_tail = NULL;
	free(m);
	return n;
}

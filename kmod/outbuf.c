// SPDX-License-Identifier: GPL-2.0-only
/*
 * outbuf.c - how much kernel memory a connection may make us hold.
 *
 * An accepted connection holds no buffer at all. Before a session of the
 * connection is authenticated its frames are capped at what a
 * SESSION_SETUP can carry and its responses at a few KiB, because nothing
 * an unauthenticated peer may ask for is answered with more. Once a
 * session is authenticated, the response buffer grows to what the frame at
 * hand can be answered with: the sum of each PDU's fixed response and the
 * output its request asks for (READ Length, OutputBufferLength, an IOCTL's
 * MaxInput/OutputResponse). The buffer is the one the fast path reads the
 * page cache into, so it grows before the frame is processed and stays
 * grown for the connection's next large READ; the data plane never sees it
 * move.
 *
 * The module's and each connection's buffer_bytes counter is the memory
 * held this way (request frames while they are received, responses).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>

#include "dittofs.h"

/*
 * SESSION_SETUP is the largest request before authentication: header,
 * 24-byte body and a security token of at most 65535 bytes (its length is
 * a 16-bit field, MS-SMB2 2.2.5). Kerberos tickets with large PACs come
 * close to that; NEGOTIATE and the SMB1 NEGOTIATE are far smaller.
 */
#define DFS_PREAUTH_FRAME_MAX	(SMB2_HDR_SIZE + 24 + 65535 + 7)

/*
 * Room for the body of a response that carries no bulk data: NEGOTIATE
 * (contexts and the SPNEGO hint), SESSION_SETUP (an NTLM challenge or a
 * Kerberos AP-REP), CREATE with its contexts, errors with their data, and
 * every other fixed-size response; all of them take a few hundred bytes.
 * With its header and DFS_DP_ASYNC_ROOM one such response fits in 4 KiB.
 */
#define DFS_RSP_PLAIN		3072u

/* The smallest response buffer a connection that sent a frame holds. */
#define DFS_OUT_MIN		4096u

/* The most an unauthenticated connection's responses may need. */
#define DFS_OUT_PREAUTH_MAX	(32u * 1024)

/* Request fields that size a response (offsets in the body, MS-SMB2 2.2). */
#define RD_LENGTH_OFF		4	/* READ Length */
#define RD_RSP_FIXED		16
#define QD_OUTPUT_LEN_OFF	28	/* QUERY_DIRECTORY OutputBufferLength */
#define QI_OUTPUT_LEN_OFF	4	/* QUERY_INFO OutputBufferLength */
#define CN_OUTPUT_LEN_OFF	4	/* CHANGE_NOTIFY OutputBufferLength */
#define LIST_RSP_FIXED		8	/* the three above: offset and length */
#define IOCTL_MAX_IN_OFF	32	/* IOCTL MaxInputResponse */
#define IOCTL_MAX_OUT_OFF	44	/* IOCTL MaxOutputResponse */
#define IOCTL_RSP_FIXED		48

/*
 * A session that finished its setup. One of a previous daemon counts too:
 * its client did authenticate, and its large WRITEs must still be read
 * whole to be answered STATUS_NETWORK_SESSION_EXPIRED (restart.c).
 */
static bool dfs_ksession_authed(const struct dfs_ksession *s)
{
	return s && !(s->flags & DITTOFS_SESSION_F_IN_SETUP);
}

static bool dfs_session_authed(struct dfs_conn *conn, u64 sid)
{
	return sid && dfs_ksession_authed(dfs_session_find(conn, sid));
}

bool dfs_conn_authed(struct dfs_conn *conn)
{
	struct dfs_ksession *s;

	list_for_each_entry(s, &conn->sessions, node)
		if (dfs_ksession_authed(s))
			return true;
	return false;
}

u32 dfs_frame_limit(struct dfs_conn *conn)
{
	u32 limit = conn->max_frame;

	mutex_lock(&conn->lock);
	if (!dfs_conn_authed(conn))
		limit = min_t(u32, limit, DFS_PREAUTH_FRAME_MAX);
	mutex_unlock(&conn->lock);
	return limit;
}

/* A u32 field of a request body, or 0 when the body is too short for it. */
static u64 dfs_body_u32(const u8 *body, u32 body_len, u32 off)
{
	return dfs_range_ok(off, 4, body_len) ? dfs_get_le32(body + off) : 0;
}

/*
 * The largest response body the PDU at pdu (len bytes) can get. Only
 * authenticated requests can be answered with data: anything else gets a
 * NEGOTIATE/SESSION_SETUP response or an error.
 */
static u64 dfs_rsp_body_max(struct dfs_conn *conn, const u8 *pdu, u32 len,
			    u64 sid)
{
	const u8 *b = pdu + SMB2_HDR_SIZE;
	u32 blen = len - SMB2_HDR_SIZE;

	if (!dfs_session_authed(conn, sid))
		return DFS_RSP_PLAIN;
	switch (dfs_get_le16(pdu + SMB2_HDR_COMMAND)) {
	case SMB2_READ:
		return RD_RSP_FIXED + dfs_body_u32(b, blen, RD_LENGTH_OFF);
	case SMB2_QUERY_DIRECTORY:
		return LIST_RSP_FIXED + dfs_body_u32(b, blen, QD_OUTPUT_LEN_OFF);
	case SMB2_QUERY_INFO:
		return LIST_RSP_FIXED + dfs_body_u32(b, blen, QI_OUTPUT_LEN_OFF);
	case SMB2_CHANGE_NOTIFY:
		return LIST_RSP_FIXED + dfs_body_u32(b, blen, CN_OUTPUT_LEN_OFF);
	case SMB2_IOCTL:
		/* the output starts 8-aligned after the input */
		return IOCTL_RSP_FIXED + 8 +
		       dfs_body_u32(b, blen, IOCTL_MAX_IN_OFF) +
		       dfs_body_u32(b, blen, IOCTL_MAX_OUT_OFF);
	default:
		return DFS_RSP_PLAIN;
	}
}

/*
 * What the responses to a plaintext chain can need, PDU by PDU as the data
 * plane lays them out (8-aligned). A chain the data plane will refuse
 * (bad header, NextCommand out of bounds) ends the walk: it is dropped
 * before anything past that point is answered.
 */
static u64 dfs_chain_need(struct dfs_conn *conn, const u8 *frame, u32 len,
			  u64 cap)
{
	u64 need = 0, sid = 0;
	u32 off = 0, next, plen;

	for (;;) {
		const u8 *h = frame + off;

		if (!dfs_range_ok(off, SMB2_HDR_SIZE, len) ||
		    dfs_get_le32(h) != SMB2_PROTO_ID)
			break;
		next = dfs_get_le32(h + SMB2_HDR_NEXT_COMMAND);
		if (next && (next < SMB2_HDR_SIZE || !dfs_range_ok(off, next, len)))
			break;
		plen = next ? next : len - off;
		if (!off || !(dfs_get_le32(h + SMB2_HDR_FLAGS) &
			      SMB2_FLAGS_RELATED_OPERATIONS))
			sid = dfs_get_le64(h + SMB2_HDR_SESSION_ID);
		need += DFS_ALIGN8(SMB2_HDR_SIZE +
				   dfs_rsp_body_max(conn, h, plen, sid));
		if (!next || need >= cap)
			break;
		off += next;
	}
	return need;
}

/* The response buffer a frame needs, before the cap of the connection. */
static u64 dfs_frame_need(struct dfs_conn *conn, const u8 *frame, u32 len,
			  u64 cap)
{
	struct dfs_ksession *s;
	u32 proto = dfs_get_le32(frame);

	if (proto == SMB2_PROTO_ID)
		return DFS_DP_ASYNC_ROOM + dfs_chain_need(conn, frame, len, cap);
	if (proto != SMB2_TRANSFORM_ID || len < SMB2_TRANSFORM_HDR_SIZE)
		return DFS_OUT_MIN;
	/*
	 * The requests are sealed until the data plane decrypts them, in
	 * place: a session that can decrypt is authenticated, so allow it
	 * the largest response.
	 */
	s = dfs_session_find(conn, dfs_transform_session(frame));
	if (s && s->dp.dec.alg && dfs_ksession_authed(s))
		return cap;
	return DFS_OUT_MIN;
}

void dfs_buf_account(struct dfs_conn *conn, s64 bytes)
{
	atomic64_add(bytes, &conn->stats.buffer_bytes);
	atomic64_add(bytes, &dfs_totals.buffer_bytes);
}

int dfs_out_reserve(struct dfs_conn *conn, const u8 *frame, u32 len)
{
	/* a response holds at most a frame's worth plus its headers */
	u64 cap = (u64)conn->max_frame + DFS_DP_ASYNC_ROOM;
	u64 need;
	u8 *buf;

	if (!dfs_conn_authed(conn))
		cap = DFS_OUT_PREAUTH_MAX;
	need = clamp_t(u64, dfs_frame_need(conn, frame, len, cap),
		       DFS_OUT_MIN, cap);
	if (need <= conn->out_cap)
		return 0;
	/* nothing in it is kept between frames: no copy */
	buf = kvmalloc(need, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	dfs_out_free(conn);
	conn->out = buf;
	conn->out_cap = need;
	dfs_buf_account(conn, need);
	return 0;
}

void dfs_out_free(struct dfs_conn *conn)
{
	if (!conn->out)
		return;
	kvfree(conn->out);
	dfs_buf_account(conn, -(s64)conn->out_cap);
	conn->out = NULL;
	conn->out_cap = 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_ioctl.c - SMB2 IOCTL (MS-SMB2 2.2.31/2.2.32, 3.3.5.15): the FSCTLs
 * a file server answers itself. Everything else is refused the way
 * Windows refuses it.
 */
#include <errno.h>
#include <string.h>

#include "userd/log.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"

#define IO_STRUCT_SIZE	57
#define IO_FIXED	56
#define IOR_STRUCT_SIZE	49
#define IOR_FIXED	48

#define VNEG_REQ_FIXED	24
#define VNEG_RSP_SIZE	24
#define RESUME_KEY_RSP	28

struct ioctl_req {
	u32 code;
	const u8 *fileid;
	const u8 *in;
	u32 in_len;
	u32 max_out;
};

/* The response head; output (out_len bytes) is already at body + 48. */
static u32 ioctl_rsp(struct dfs_req *r, const struct ioctl_req *q, u32 out_len)
{
	u8 *p = r->rsp_body;

	memset(p, 0, IOR_FIXED);
	dfs_put_le16(p, IOR_STRUCT_SIZE);
	dfs_put_le32(p + 4, q->code);
	memcpy(p + 8, q->fileid, 16);
	dfs_put_le32(p + 24, SMB2_HDR_SIZE + IOR_FIXED);	/* InputOffset */
	dfs_put_le32(p + 28, 0);				/* InputCount */
	dfs_put_le32(p + 32, out_len ? SMB2_HDR_SIZE + IOR_FIXED : 0);
	dfs_put_le32(p + 36, out_len);
	r->rsp_len = IOR_FIXED + out_len;
	return STATUS_SUCCESS;
}

/* The connection is not what the client negotiated: end it (3.3.5.15.12) */
static u32 vneg_fail(struct dfs_req *r, const char *why)
{
	log_info("%s: VALIDATE_NEGOTIATE_INFO: %s, closing", r->conn->peer, why);
	r->out->drop = true;
	return STATUS_ACCESS_DENIED;
}

static bool vneg_dialects_match(const struct dfs_conn *c, const u8 *d, u16 n)
{
	u16 i;

	if (n != c->n_client_dialects)
		return false;
	for (i = 0; i < n; i++)
		if (dfs_get_le16(d + 2 * i) != c->client_dialects[i])
			return false;
	return true;
}

static u32 validate_negotiate(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_conn *c = r->conn;
	u8 *out = r->rsp_body + IOR_FIXED;
	u16 ndialects;

	/* 3.1.1 has preauth integrity instead: a request here is an attack */
	if (c->dialect == SMB2_DIALECT_311)
		return vneg_fail(r, "sent on 3.1.1");
	if (q->max_out < VNEG_RSP_SIZE)
		return vneg_fail(r, "MaxOutputResponse too small");
	if (q->in_len < VNEG_REQ_FIXED)
		return vneg_fail(r, "short request");
	ndialects = dfs_get_le16(q->in + 22);
	if (!dfs_range_ok(VNEG_REQ_FIXED, (u64)ndialects * 2, q->in_len))
		return vneg_fail(r, "dialect list out of bounds");
	if (!vneg_dialects_match(c, q->in + VNEG_REQ_FIXED, ndialects))
		return vneg_fail(r, "dialects differ");
	if (dfs_get_le32(q->in) != c->client_caps)
		return vneg_fail(r, "capabilities differ");
	if (memcmp(q->in + 4, c->client_guid, 16))
		return vneg_fail(r, "client GUID differs");
	if (dfs_get_le16(q->in + 20) != c->client_security_mode)
		return vneg_fail(r, "security mode differs");

	dfs_put_le32(out, c->server_caps);
	memcpy(out + 4, r->srv->server_guid, 16);
	dfs_put_le16(out + 20, dfs_server_security_mode(c));
	dfs_put_le16(out + 22, c->dialect);
	return ioctl_rsp(r, q, VNEG_RSP_SIZE);
}

static u32 resume_key(struct dfs_req *r, const struct ioctl_req *q)
{
	u8 *out = r->rsp_body + IOR_FIXED;
	struct dfs_open *o = dfs_open_lookup(r, q->fileid);

	if (!o)
		return STATUS_FILE_CLOSED;
	if (q->max_out < RESUME_KEY_RSP)
		return STATUS_INVALID_PARAMETER;
	/* the key names the open; only this server has to understand it */
	dfs_put_le64(out, o->persistent_id);
	dfs_put_le64(out + 8, o->volatile_id);
	memcpy(out + 16, r->srv->server_guid, 8);
	dfs_put_le32(out + 24, 0);			/* ContextLength */
	return ioctl_rsp(r, q, RESUME_KEY_RSP);
}

/* FSCTLs on an open file that we do not implement */
static u32 file_fsctl(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_open *o = dfs_open_lookup(r, q->fileid);

	if (!o)
		return STATUS_FILE_CLOSED;
	switch (q->code) {
	case FSCTL_SET_SPARSE:
		/* every Linux file can be sparse already */
		return o->access & (FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES) ?
		       ioctl_rsp(r, q, 0) : STATUS_ACCESS_DENIED;
	case FSCTL_GET_REPARSE_POINT:
		return STATUS_NOT_A_REPARSE_POINT;
	default:
		return STATUS_INVALID_DEVICE_REQUEST;
	}
}

u32 smb2_ioctl(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct ioctl_req q;
	u32 in_off;

	if (r->body_len < IO_FIXED || dfs_get_le16(b) != IO_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	q.code = dfs_get_le32(b + 4);
	q.fileid = b + 8;
	in_off = dfs_get_le32(b + 24);
	q.in_len = dfs_get_le32(b + 28);
	q.max_out = dfs_get_le32(b + 44);
	if (q.in_len && (in_off < SMB2_HDR_SIZE ||
			 !dfs_range_ok(in_off - SMB2_HDR_SIZE, q.in_len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	q.in = q.in_len ? b + in_off - SMB2_HDR_SIZE : b;
	/* never answer more than the client can take, nor than we can send */
	if (q.max_out > r->rsp_cap - IOR_FIXED)
		q.max_out = r->rsp_cap - IOR_FIXED;
	if (!(dfs_get_le32(b + 48) & SMB2_0_IOCTL_IS_FSCTL))
		return STATUS_NOT_SUPPORTED;

	switch (q.code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		return validate_negotiate(r, &q);
	case FSCTL_SRV_REQUEST_RESUME_KEY:
		return resume_key(r, &q);
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601B0u:	/* FSCTL_DFS_GET_REFERRALS_EX */
		/* no DFS namespace here, as Windows says without the DFS driver */
		return STATUS_FS_DRIVER_REQUIRED;
	case FSCTL_QUERY_NETWORK_INTERFACE_INFO:
		return STATUS_NOT_SUPPORTED;	/* multichannel is off */
	case FSCTL_PIPE_TRANSCEIVE:
		return r->tree->ipc ? STATUS_NOT_SUPPORTED :
		       STATUS_INVALID_DEVICE_REQUEST;
	default:
		return file_fsctl(r, &q);
	}
}

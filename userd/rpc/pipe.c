// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipe.c - named pipes on IPC$ (MS-SMB2 3.3.5.9 for pipes, MS-FSCC
 * 2.3.49 FSCTL_PIPE_TRANSCEIVE): an open of a known pipe name carries a
 * DCE/RPC engine (dcerpc.c); WRITE feeds it, READ and TRANSCEIVE return
 * its answers one message at a time, as a message-mode pipe does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userd/log.h"
#include "userd/unicode.h"
#include "userd/rpc/pipe.h"
#include "userd/rpc/srvsvc.h"

#ifndef STATUS_PIPE_BUSY
#define STATUS_PIPE_BUSY	0xC00000AEu
#endif
#ifndef STATUS_PIPE_EMPTY
#define STATUS_PIPE_EMPTY	0xC00000D9u
#endif

#define CRR_STRUCT_SIZE	89
#define CRR_FIXED	88
#define RDR_STRUCT_SIZE	17
#define RDR_DATA	16
#define WRR_STRUCT_SIZE	17
#define QIR_STRUCT_SIZE	9
#define QIR_DATA	8
#define FILE_STANDARD_INFO_LEN 24

/* The pipes this server has */
static const struct dfs_rpc_iface *const pipes[] = {
	&dfs_srvsvc_iface,
};

/* "srvsvc", "\PIPE\srvsvc" or "PIPE\srvsvc", any case */
static const struct dfs_rpc_iface *find_pipe(const char *name)
{
	size_t i;

	if (!strncasecmp(name, "\\PIPE\\", 6))
		name += 6;
	else if (!strncasecmp(name, "PIPE\\", 5))
		name += 5;
	for (i = 0; i < sizeof(pipes) / sizeof(pipes[0]); i++)
		if (!strcasecmp(name, pipes[i]->pipe_name))
			return pipes[i];
	return NULL;
}

/* What Windows and Samba answer for a pipe: no times, no size, NORMAL */
static void write_create_rsp(struct dfs_req *r, const struct dfs_open *o)
{
	u8 *p = r->rsp_body;

	memset(p, 0, CRR_FIXED + 1);
	dfs_put_le16(p, CRR_STRUCT_SIZE);
	dfs_put_le32(p + 4, FILE_OPENED);
	dfs_put_le32(p + 56, FILE_ATTRIBUTE_NORMAL);
	dfs_put_le64(p + 64, o->persistent_id);
	dfs_put_le64(p + 72, o->volatile_id);
	r->rsp_len = CRR_FIXED + 1;	/* StructureSize counts one byte */
}

u32 dfs_pipe_create(struct dfs_req *r, const u8 *name, u32 name_len,
		    u32 desired, u32 share_access)
{
	const struct dfs_rpc_iface *iface;
	struct dfs_open *o;
	char utf8[64];

	if (dfs_utf16_to_utf8(name, name_len, utf8, sizeof(utf8)) < 0)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	iface = find_pipe(utf8);
	if (!iface) {
		log_debug("%s: no pipe '%s'", r->conn->peer, utf8);
		return STATUS_OBJECT_NAME_NOT_FOUND;
	}
	o = dfs_open_new(r->srv, r->tree);
	if (!o)
		return STATUS_INSUFFICIENT_RESOURCES;
	o->pipe = dfs_rpc_pipe_new(iface);
	o->path = strdup(iface->pipe_name);
	if (!o->pipe || !o->path) {
		dfs_open_close(r->srv, o);
		return STATUS_NO_MEMORY;
	}
	/* whoever may connect to IPC$ may talk to its pipes */
	o->access = desired & MAXIMUM_ALLOWED ?
		    (desired & ~MAXIMUM_ALLOWED) | FILE_READ_DATA |
		    FILE_WRITE_DATA | FILE_READ_ATTRIBUTES :
		    desired;
	o->share_access = share_access;
	if (r->compound_fid) {
		r->compound_fid[0] = o->persistent_id;
		r->compound_fid[1] = o->volatile_id;
	}
	write_create_rsp(r, o);
	log_debug("%s: opened pipe %s", r->conn->peer, iface->pipe_name);
	return STATUS_SUCCESS;
}

/* Feed the pipe; the interface learns who is calling */
static int rpc_write(struct dfs_req *r, struct dfs_open *o, const u8 *data,
		     u32 len)
{
	struct srvsvc_caller who = {
		.srv = r->srv,
		.anonymous = r->sess->anonymous,
	};

	return dfs_rpc_write(o->pipe, &who, data, len);
}

static u32 errno_status(int err)
{
	return err == -ENOBUFS ? STATUS_INSUFFICIENT_RESOURCES : STATUS_NO_MEMORY;
}

u32 dfs_pipe_read(struct dfs_req *r, struct dfs_open *o, u32 len)
{
	u8 *p = r->rsp_body;
	bool more;
	u32 n;

	if (!(o->access & FILE_READ_DATA))
		return STATUS_ACCESS_DENIED;
	if (!dfs_rpc_pending(o->pipe))
		return STATUS_PIPE_EMPTY;	/* we never make a READ wait */
	if (len > r->rsp_cap - RDR_DATA)
		len = r->rsp_cap - RDR_DATA;
	n = dfs_rpc_read(o->pipe, p + RDR_DATA, len, &more);
	dfs_put_le16(p, RDR_STRUCT_SIZE);
	p[2] = SMB2_HDR_SIZE + RDR_DATA;	/* DataOffset */
	p[3] = 0;
	dfs_put_le32(p + 4, n);
	dfs_put_le32(p + 8, 0);			/* DataRemaining */
	dfs_put_le32(p + 12, 0);
	r->rsp_len = RDR_DATA + n;
	return more ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

u32 dfs_pipe_write(struct dfs_req *r, struct dfs_open *o, const u8 *data,
		   u32 len)
{
	u8 *p = r->rsp_body;
	int ret;

	if (!(o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	ret = rpc_write(r, o, data, len);
	if (ret < 0)
		return errno_status(ret);
	dfs_put_le16(p, WRR_STRUCT_SIZE);
	dfs_put_le16(p + 2, 0);
	dfs_put_le32(p + 4, len);
	dfs_put_le32(p + 8, 0);		/* Remaining */
	dfs_put_le32(p + 12, 0);	/* WriteChannelInfo */
	r->rsp_len = 16;
	return STATUS_SUCCESS;
}

u32 dfs_pipe_transceive(struct dfs_req *r, struct dfs_open *o, const u8 *in,
			u32 in_len, u8 *out, u32 max_out, u32 *out_len)
{
	bool more;
	int ret;

	*out_len = 0;
	if (!o->pipe)
		return STATUS_INVALID_DEVICE_REQUEST;
	if ((o->access & (FILE_READ_DATA | FILE_WRITE_DATA)) !=
	    (FILE_READ_DATA | FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	/* a transaction starts on an empty pipe (MS-FSCC 2.3.49) */
	if (dfs_rpc_pending(o->pipe))
		return STATUS_PIPE_BUSY;
	ret = rpc_write(r, o, in, in_len);
	if (ret < 0)
		return errno_status(ret);
	*out_len = dfs_rpc_read(o->pipe, out, max_out, &more);
	return more ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

/*
 * smbclient and Windows ask FileStandardInformation of a pipe; Windows
 * answers a 4 KiB allocation, one link and DeletePending set. Nothing
 * else about a pipe is a file's to tell.
 */
u32 dfs_pipe_query_info(struct dfs_req *r, struct dfs_open *o, u8 info_type,
			u8 info_class, u32 out_len)
{
	u8 *p = r->rsp_body, *d = p + QIR_DATA;

	if (info_type != SMB2_0_INFO_FILE ||
	    info_class != FileStandardInformation)
		return STATUS_NOT_SUPPORTED;
	if (out_len < FILE_STANDARD_INFO_LEN ||
	    r->rsp_cap < QIR_DATA + FILE_STANDARD_INFO_LEN)
		return STATUS_INFO_LENGTH_MISMATCH;
	memset(d, 0, FILE_STANDARD_INFO_LEN);
	dfs_put_le64(d, 4096);		/* AllocationSize */
	dfs_put_le64(d + 8, 0);		/* EndOfFile */
	dfs_put_le32(d + 16, 1);	/* NumberOfLinks */
	d[20] = 1;			/* DeletePending */
	d[21] = 0;			/* Directory */
	dfs_put_le16(p, QIR_STRUCT_SIZE);
	dfs_put_le16(p + 2, SMB2_HDR_SIZE + QIR_DATA);
	dfs_put_le32(p + 4, FILE_STANDARD_INFO_LEN);
	r->rsp_len = QIR_DATA + FILE_STANDARD_INFO_LEN;
	return STATUS_SUCCESS;
}

void dfs_pipe_free(struct dfs_open *o)
{
	dfs_rpc_pipe_free(o->pipe);
	o->pipe = NULL;
}

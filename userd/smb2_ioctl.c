// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_ioctl.c - SMB2 IOCTL (MS-SMB2 2.2.31/2.2.32, 3.3.5.15): the FSCTLs
 * a file server answers itself. Everything else is refused the way
 * Windows refuses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/server.h"
#include "userd/smb2_streams.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"
#include "userd/rpc/pipe.h"
#include "userd/vfs/vfs.h"

#define FSCTL_SET_COMPRESSION_NONE 0

#define IO_STRUCT_SIZE	57
#define IO_FIXED	56
#define IOR_STRUCT_SIZE	49
#define IOR_FIXED	48

#define VNEG_REQ_FIXED	24
#define VNEG_RSP_SIZE	24
#define RESUME_KEY_RSP	32	/* key, ContextLength, 4 bytes of Context */

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
	/*
	 * 2.0.2 reached straight from an SMB1 NEGOTIATE: the client never told
	 * us its capabilities, GUID or SMB2 dialects, so there is nothing to
	 * validate against. Answer as a 2.0.2-only server does.
	 */
	if (c->dialect == SMB2_DIALECT_202 && !c->n_client_dialects)
		return STATUS_FILE_CLOSED;
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
	dfs_put_le32(out + 28, 0);
	return ioctl_rsp(r, q, RESUME_KEY_RSP);
}

/* Server-side copy limits (MS-SMB2 3.3.3: Windows' values) */
#define CC_MAX_CHUNKS	256
#define CC_MAX_CHUNK	(1024u * 1024)
#define CC_MAX_TOTAL	(16u * 1024 * 1024)
#define CC_REQ_FIXED	32
#define CC_CHUNK_SIZE	24
#define CC_RSP_SIZE	12

static u32 copychunk_rsp(struct dfs_req *r, const struct ioctl_req *q,
			 u32 chunks, u32 chunk_bytes, u32 total, u32 status)
{
	u8 *out = r->rsp_body + IOR_FIXED;

	dfs_put_le32(out, chunks);
	dfs_put_le32(out + 4, chunk_bytes);
	dfs_put_le32(out + 8, total);
	ioctl_rsp(r, q, CC_RSP_SIZE);
	return status;
}

/*
 * The open a resume key names. Its ids are guessable and the GUID is
 * public, so the key is no secret: only the session's own opens count.
 */
static struct dfs_open *resume_key_open(struct dfs_req *r, const u8 *key)
{
	u64 vid = dfs_get_le64(key + 8);
	struct dfs_open *o;
	u32 slot = (u32)vid;

	if (slot >= r->srv->opens_cap)
		return NULL;
	o = r->srv->opens[slot];
	if (!o || o->volatile_id != vid || o->persistent_id != dfs_get_le64(key) ||
	    memcmp(key + 16, r->srv->server_guid, 8) || o->sess != r->sess)
		return NULL;
	return o;
}

/*
 * copy_file_range refuses overlapping ranges in one file: go through a
 * buffer, reading the whole chunk (at most CC_MAX_CHUNK) before writing.
 */
static long copy_by_hand(int src, loff_t in, int dst, loff_t out, u32 len,
			 u32 done)
{
	u8 *buf = malloc(len);
	ssize_t n;
	u32 got = 0, put = 0;

	if (!buf)
		return -ENOMEM;
	while (got < len) {
		n = pread(src, buf + got, len - got, in + got);
		if (n <= 0)
			break;
		got += (u32)n;
	}
	while (put < got) {
		n = pwrite(dst, buf + put, got - put, out + put);
		if (n <= 0)
			break;
		put += (u32)n;
	}
	free(buf);
	return put < got ? -EIO : (long)(done + put);
}

/* Copy one chunk; the bytes copied, or -errno */
static long copy_chunk(int src, u64 soff, int dst, u64 doff, u32 len)
{
	loff_t in = (loff_t)soff, out = (loff_t)doff;
	u32 done = 0;
	ssize_t n;

	while (done < len) {
		n = copy_file_range(src, &in, dst, &out, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == EXDEV ||
			      errno == EOPNOTSUPP || errno == ENOSYS))
			return copy_by_hand(src, in, dst, out, len - done, done);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;	/* source ended */
		done += (u32)n;
	}
	return done;
}

static u32 copychunk_check(struct dfs_req *r, const struct ioctl_req *q,
			   u32 count)
{
	u64 total = 0;
	u32 i, len;

	if (count > CC_MAX_CHUNKS)
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < count; i++) {
		len = dfs_get_le32(q->in + CC_REQ_FIXED + i * CC_CHUNK_SIZE + 16);
		if (len == 0 || len > CC_MAX_CHUNK)
			return STATUS_INVALID_PARAMETER;
		total += len;
	}
	return total > CC_MAX_TOTAL ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

/* A chunk must lie inside the source (else INVALID_VIEW_SIZE) */
static bool chunk_in_source(const u8 *c, const struct dfs_open *src)
{
	struct vfs_stat st;

	return dfs_open_fstat(src, &st) == 0 &&
	       dfs_range_ok(dfs_get_le64(c), dfs_get_le32(c + 16), st.size);
}

static u32 copychunk_run(struct dfs_req *r, const struct ioctl_req *q,
			 struct dfs_open *src, struct dfs_open *dst, u32 count)
{
	const u8 *c;
	u32 i, st, total = 0;
	long n;

	for (i = 0; i < count; i++) {
		c = q->in + CC_REQ_FIXED + i * CC_CHUNK_SIZE;
		/* the chunks before one that reads past the source stay done */
		if (!chunk_in_source(c, src))
			return copychunk_rsp(r, q, i, 0, total,
					     STATUS_INVALID_VIEW_SIZE);
		if (dfs_get_le64(c) > (u64)INT64_MAX ||
		    dfs_get_le64(c + 8) > (u64)INT64_MAX)
			return STATUS_INVALID_PARAMETER;
		/* a chunk is a READ of the source and a WRITE of the target */
		st = dfs_lock_check_io(r->srv, src, dfs_get_le64(c),
				       dfs_get_le32(c + 16), false);
		if (!st)
			st = dfs_lock_check_io(r->srv, dst, dfs_get_le64(c + 8),
					       dfs_get_le32(c + 16), true);
		if (st)
			return copychunk_rsp(r, q, i, 0, total, st);
		if (src->stream || dst->stream)
			n = dfs_stream_copy(r->srv, src, dfs_get_le64(c), dst,
					    dfs_get_le64(c + 8),
					    dfs_get_le32(c + 16));
		else
			n = copy_chunk(src->fd, dfs_get_le64(c), dst->fd,
				       dfs_get_le64(c + 8), dfs_get_le32(c + 16));
		if (n < 0)
			return vfs_errno_status((int)-n);
		total += (u32)n;
		if ((u32)n < dfs_get_le32(c + 16))
			return copychunk_rsp(r, q, i, (u32)n, total,
					     STATUS_END_OF_FILE);
	}
	return copychunk_rsp(r, q, count, 0, total, STATUS_SUCCESS);
}

/* FSCTL_SRV_COPYCHUNK(_WRITE): server-side copy (MS-SMB2 3.3.5.15.6) */
static u32 copychunk(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_open *dst = dfs_open_lookup(r, q->fileid), *src;
	u32 count, st;

	if (!dst)
		return STATUS_FILE_CLOSED;
	if (r->channel_stale)
		return STATUS_FILE_NOT_AVAILABLE;
	if (q->in_len < CC_REQ_FIXED || q->max_out < CC_RSP_SIZE)
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le32(q->in + 24);
	if (!dfs_range_ok(CC_REQ_FIXED, (u64)count * CC_CHUNK_SIZE, q->in_len))
		return STATUS_INVALID_PARAMETER;
	st = copychunk_check(r, q, count);
	if (st)		/* tell the client what we accept */
		return copychunk_rsp(r, q, CC_MAX_CHUNKS, CC_MAX_CHUNK,
				     CC_MAX_TOTAL, st);
	src = resume_key_open(r, q->in);
	if (!src)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (src->is_dir || dst->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(src->access & (FILE_READ_DATA | FILE_EXECUTE)) ||
	    !(dst->access & FILE_WRITE_DATA) ||
	    (q->code == FSCTL_SRV_COPYCHUNK && !(dst->access & FILE_READ_DATA)))
		return STATUS_ACCESS_DENIED;
	vfs_become(r->sess);
	st = copychunk_run(r, q, src, dst, count);
	vfs_unbecome();
	return st;
}

/*
 * FSCTL_SET_SPARSE: every Linux file can have holes already, so this only
 * records FILE_ATTRIBUTE_SPARSE_FILE (with the other DOS attributes).
 */
static u32 set_sparse(struct dfs_req *r, const struct ioctl_req *q,
		      struct dfs_open *o)
{
	bool on = q->in_len ? q->in[0] != 0 : true;
	struct vfs_stat st;
	u32 attrs;
	int ret;

	if (o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & (FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES |
			   FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	if (vfs_fstat(o->fd, &st) < 0)
		return vfs_errno_status(errno);
	attrs = on ? st.attrs | FILE_ATTRIBUTE_SPARSE_FILE :
		     st.attrs & ~FILE_ATTRIBUTE_SPARSE_FILE;
	ret = vfs_set_dos(o->fd, attrs, 0, 0);
	if (ret < 0)
		return vfs_errno_status(-ret);
	return ioctl_rsp(r, q, 0);
}

/* Append one FILE_ALLOCATED_RANGE_BUFFER; false when out of room */
static bool put_range(u8 *out, u32 max, u32 *len, u64 off, u64 n)
{
	if (!dfs_range_ok(*len, 16, max))
		return false;
	dfs_put_le64(out + *len, off);
	dfs_put_le64(out + *len + 8, n);
	*len += 16;
	return true;
}

/* FSCTL_QUERY_ALLOCATED_RANGES through SEEK_DATA / SEEK_HOLE */
static u32 query_ranges(struct dfs_req *r, const struct ioctl_req *q,
			struct dfs_open *o)
{
	u8 *out = r->rsp_body + IOR_FIXED;
	u64 off, end, len;
	off_t data, hole;
	struct vfs_stat st;
	u32 used = 0;

	if (q->in_len < 16)
		return STATUS_INVALID_PARAMETER;
	off = dfs_get_le64(q->in);
	len = dfs_get_le64(q->in + 8);
	if ((s64)off < 0 || (s64)len < 0 || len > (u64)INT64_MAX - off)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & (FILE_READ_DATA | FILE_WRITE_DATA)))
		return STATUS_ACCESS_DENIED;
	if (vfs_fstat(o->fd, &st) < 0)
		return vfs_errno_status(errno);
	end = off + len;
	if (!(st.attrs & FILE_ATTRIBUTE_SPARSE_FILE)) {
		/* not sparse: allocated from start to end, like NTFS */
		if (end > st.size)
			end = st.size;
		if (off < end && !put_range(out, q->max_out, &used, off, end - off))
			return STATUS_BUFFER_TOO_SMALL;
		return ioctl_rsp(r, q, used);
	}
	while (off < end) {
		data = lseek(o->fd, (off_t)off, SEEK_DATA);
		if (data < 0 || (u64)data >= end)
			break;	/* ENXIO: no data after off */
		hole = lseek(o->fd, data, SEEK_HOLE);
		if (hole < 0)
			return vfs_errno_status(errno);
		if ((u64)hole > end)
			hole = (off_t)end;
		if (!put_range(out, q->max_out, &used, (u64)data, (u64)(hole - data))) {
			if (!used)
				return STATUS_BUFFER_TOO_SMALL;
			ioctl_rsp(r, q, used);
			return STATUS_BUFFER_OVERFLOW;
		}
		off = (u64)hole;
	}
	return ioctl_rsp(r, q, used);
}

/* FSCTL_SET_ZERO_DATA: holes in sparse files, zeros in the others */
static u32 zero_data(struct dfs_req *r, const struct ioctl_req *q,
		     struct dfs_open *o)
{
	struct vfs_stat st;
	u64 off, beyond;
	int mode;

	if (q->in_len < 16)
		return STATUS_INVALID_PARAMETER;
	off = dfs_get_le64(q->in);
	beyond = dfs_get_le64(q->in + 8);
	if ((s64)off < 0 || (s64)beyond < 0 || off > beyond)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	if (o->is_dir)
		return STATUS_INVALID_PARAMETER;
	/* zeroing is a WRITE of the range: byte-range locks apply */
	if (beyond > off && dfs_lock_check_io(r->srv, o, off, beyond - off, true))
		return STATUS_FILE_LOCK_CONFLICT;
	if (vfs_fstat(o->fd, &st) < 0)
		return vfs_errno_status(errno);
	if (beyond > st.size)
		beyond = st.size;	/* zeroing never grows the file */
	if (off >= beyond)
		return ioctl_rsp(r, q, 0);
	mode = st.attrs & FILE_ATTRIBUTE_SPARSE_FILE ?
	       FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE;
	if (fallocate(o->fd, mode | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)(beyond - off)) < 0)
		return vfs_errno_status(errno);
	return ioctl_rsp(r, q, 0);
}

/* FSCTL_GET/SET_COMPRESSION: nothing is ever compressed here */
static u32 compression(struct dfs_req *r, const struct ioctl_req *q,
		       struct dfs_open *o)
{
	if (q->code == FSCTL_GET_COMPRESSION) {
		if (q->max_out < 2)
			return STATUS_INVALID_PARAMETER;
		dfs_put_le16(r->rsp_body + IOR_FIXED, FSCTL_SET_COMPRESSION_NONE);
		return ioctl_rsp(r, q, 2);
	}
	if (q->in_len < 2)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & (FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES)))
		return STATUS_ACCESS_DENIED;
	if (dfs_get_le16(q->in) != FSCTL_SET_COMPRESSION_NONE)
		return STATUS_NOT_SUPPORTED;
	return ioctl_rsp(r, q, 0);
}

/*
 * FSCTL_(CREATE_OR_)GET_OBJECT_ID: a stable id from the file's identity
 * (device and inode), so nothing needs to be stored.
 */
static u32 object_id(struct dfs_req *r, const struct ioctl_req *q,
		     struct dfs_open *o)
{
	u8 *out = r->rsp_body + IOR_FIXED;

	if (q->max_out < 64)
		return STATUS_INVALID_PARAMETER;
	memset(out, 0, 64);
	dfs_put_le64(out, o->ino);		/* ObjectId */
	dfs_put_le64(out + 8, o->dev);
	memcpy(out + 16, r->srv->server_guid, 16);	/* BirthVolumeId */
	memcpy(out + 32, out, 16);		/* BirthObjectId */
	return ioctl_rsp(r, q, 64);
}

/* FSCTL_SRV_ENUMERATE_SNAPSHOTS: there are no previous versions here */
static u32 snapshots(struct dfs_req *r, const struct ioctl_req *q)
{
	u8 *out = r->rsp_body + IOR_FIXED;

	if (q->max_out < 16)
		return STATUS_INVALID_PARAMETER;
	/* NumberOfSnapShots, NumberOfSnapShotsReturned, SnapShotArraySize */
	memset(out, 0, 16);
	dfs_put_le32(out + 8, 2);	/* just the terminating NUL */
	return ioctl_rsp(r, q, 16);
}

/* FSCTL_PIPE_TRANSCEIVE: one RPC round trip on a pipe (rpc/pipe.c) */
static u32 pipe_transceive(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_open *o = dfs_open_lookup(r, q->fileid);
	u32 out_len, st;

	if (!o)
		return STATUS_FILE_CLOSED;
	st = dfs_pipe_transceive(r, o, q->in, q->in_len, r->rsp_body + IOR_FIXED,
				 q->max_out, &out_len);
	if (st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW)
		ioctl_rsp(r, q, out_len);
	return st;
}

/*
 * FSCTL_LMR_REQUEST_RESILIENCY: the open outlives its connection for a
 * while (smb2_durable.c). Not as the session's user: the durable record
 * store belongs to the daemon.
 */
static u32 request_resiliency(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_open *o = dfs_open_lookup(r, q->fileid);
	u32 st;

	if (!o)
		return STATUS_FILE_CLOSED;
	st = dfs_durable_make_resilient(r, o, q->in, q->in_len);
	return st ? st : ioctl_rsp(r, q, 0);
}

/* FSCTLs on an open file */
static u32 file_fsctl(struct dfs_req *r, const struct ioctl_req *q)
{
	struct dfs_open *o = dfs_open_lookup(r, q->fileid);
	u32 st;

	if (!o)
		return STATUS_FILE_CLOSED;
	if (r->channel_stale)
		return STATUS_FILE_NOT_AVAILABLE;
	vfs_become(r->sess);
	switch (q->code) {
	case FSCTL_SET_SPARSE:
		st = set_sparse(r, q, o);
		break;
	case FSCTL_QUERY_ALLOCATED_RANGES:
		st = query_ranges(r, q, o);
		break;
	case FSCTL_SET_ZERO_DATA:
		st = zero_data(r, q, o);
		break;
	case FSCTL_GET_COMPRESSION:
	case FSCTL_SET_COMPRESSION:
		st = compression(r, q, o);
		break;
	case FSCTL_GET_REPARSE_POINT:
		st = STATUS_NOT_A_REPARSE_POINT;
		break;
	case FSCTL_CREATE_OR_GET_OBJECT_ID:
	case FSCTL_GET_OBJECT_ID:
		st = object_id(r, q, o);
		break;
	case FSCTL_SRV_ENUMERATE_SNAPSHOTS:
		st = o->access & FILE_READ_DATA ? snapshots(r, q) :
		     STATUS_ACCESS_DENIED;
		break;
	default:
		log_debug("FSCTL 0x%08x is not supported", q->code);
		st = STATUS_INVALID_DEVICE_REQUEST;
	}
	vfs_unbecome();
	return st;
}

/* The addresses a multichannel client may bind further channels on. */
static u32 network_interfaces(struct dfs_req *r, const struct ioctl_req *q)
{
	static const u8 no_file[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	u32 len = 0;
	u32 st;

	/* it is about the server, not a file (3.3.5.15) */
	if (memcmp(q->fileid, no_file, sizeof(no_file)))
		return STATUS_INVALID_PARAMETER;
	st = dfs_network_interfaces(r->srv, r->rsp_body + IOR_FIXED,
				    q->max_out, &len);
	return st ? st : ioctl_rsp(r, q, len);
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
	case FSCTL_SRV_COPYCHUNK:
	case FSCTL_SRV_COPYCHUNK_WRITE:
		return copychunk(r, &q);
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601B0u:	/* FSCTL_DFS_GET_REFERRALS_EX */
		/* no DFS namespace here, as Windows says without the DFS driver */
		return STATUS_FS_DRIVER_REQUIRED;
	case FSCTL_QUERY_NETWORK_INTERFACE_INFO:
		return network_interfaces(r, &q);
	case FSCTL_LMR_REQUEST_RESILIENCY:
		return r->tree->ipc ? STATUS_INVALID_DEVICE_REQUEST :
		       request_resiliency(r, &q);
	case FSCTL_PIPE_TRANSCEIVE:
		return r->tree->ipc ? pipe_transceive(r, &q) :
		       STATUS_INVALID_DEVICE_REQUEST;
	default:
		return file_fsctl(r, &q);
	}
}

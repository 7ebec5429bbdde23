// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_rw.c - SMB2 READ, WRITE and FLUSH on the control side (MS-SMB2
 * 2.2.17-2.2.22, 3.3.5.11-3.3.5.13). This is the slow path: the data
 * plane serves READ/WRITE itself when the open allows it.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/server.h"
#include "userd/smb2_streams.h"
#include "userd/rpc/pipe.h"
#include "userd/vfs/vfs.h"

#define RD_STRUCT_SIZE	49
#define RD_FIXED	48
#define RDR_STRUCT_SIZE	17
#define RDR_DATA	16	/* data right after the fixed response */

#define WR_STRUCT_SIZE	49
#define WR_FIXED	48
#define WRR_STRUCT_SIZE	17

#define FL_STRUCT_SIZE	24

#define SMB2_CHANNEL_NONE		0
#define SMB2_WRITEFLAG_WRITE_THROUGH	0x00000001u
#define SMB2_READFLAG_READ_UNBUFFERED	0x01

/*
 * The CreditCharge must pay for the payload (MS-SMB2 3.3.5.2.5): one
 * credit per 64 KiB; 2.0.2 has no multi-credit requests at all.
 */
static bool charge_covers(const struct dfs_req *r, u32 len)
{
	if (r->conn && r->conn->dialect == SMB2_DIALECT_202)
		return len <= 65536;
	if (r->credit_charge == 0)
		return len <= 65536;
	return (u64)r->credit_charge * 65536 >= len;
}

static u32 check_io(const struct dfs_req *r, u32 len, u64 off)
{
	if (len > DFS_MAX_IO || !charge_covers(r, len))
		return STATUS_INVALID_PARAMETER;
	if (off > (u64)INT64_MAX || (u64)len > (u64)INT64_MAX - off)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

static u32 read_locked(struct dfs_req *r, struct dfs_open *o, u32 len, u64 off,
		       u32 min)
{
	u8 *p = r->rsp_body;
	u32 got = 0;
	ssize_t n;

	if (len > r->rsp_cap - RDR_DATA)
		return STATUS_INVALID_PARAMETER;
	while (got < len) {
		if (o->stream)
			n = dfs_stream_read(o, p + RDR_DATA + got, len - got,
					    off + got);
		else
			n = pread(o->fd, p + RDR_DATA + got, len - got,
				  (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vfs_errno_status(o->stream ? (int)-n : errno);
		if (n == 0)
			break;
		got += (u32)n;
	}
	if ((got == 0 && len > 0) || got < min)
		return STATUS_END_OF_FILE;
	/* like Samba, not Windows: a read moves FilePositionInformation */
	o->position = off + got;
	dfs_put_le16(p, RDR_STRUCT_SIZE);
	p[2] = SMB2_HDR_SIZE + RDR_DATA;	/* DataOffset */
	p[3] = 0;
	dfs_put_le32(p + 4, got);
	dfs_put_le32(p + 8, 0);			/* DataRemaining */
	dfs_put_le32(p + 12, 0);		/* Flags */
	r->rsp_len = RDR_DATA + got;
	return STATUS_SUCCESS;
}

u32 smb2_read(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	u32 len, min, st;
	u64 off;

	if (r->body_len < RD_FIXED || dfs_get_le16(b) != RD_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	len = dfs_get_le32(b + 4);
	off = dfs_get_le64(b + 8);
	min = dfs_get_le32(b + 32);
	st = check_io(r, len, off);
	if (st)
		return st;
	if (dfs_get_le32(b + 36) != SMB2_CHANNEL_NONE)
		return STATUS_INVALID_PARAMETER;
	o = dfs_open_lookup(r, b + 16);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (o->pipe)
		return dfs_pipe_read(r, o, len);
	if (o->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(o->access & (FILE_READ_DATA | FILE_EXECUTE)))
		return STATUS_ACCESS_DENIED;
	st = dfs_lock_check_io(r->srv, o, off, len, false);
	if (st)
		return st;
	vfs_become(r->sess);
	st = read_locked(r, o, len, off, min);
	vfs_unbecome();
	return st;
}

static u32 write_all(int fd, const u8 *data, u32 len, u64 off, u32 *done)
{
	ssize_t n;

	*done = 0;
	while (*done < len) {
		n = pwrite(fd, data + *done, len - *done, (off_t)(off + *done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return *done ? STATUS_SUCCESS : vfs_errno_status(errno);
		if (n == 0)
			return *done ? STATUS_SUCCESS : STATUS_DISK_FULL;
		*done += (u32)n;
	}
	return STATUS_SUCCESS;
}

static u32 write_locked(struct dfs_req *r, struct dfs_open *o, const u8 *data,
			u32 len, u64 off, u32 flags)
{
	struct vfs_stat st;
	struct timespec mtime;
	u32 done, status;
	u8 *p = r->rsp_body;
	bool saved;

	/*
	 * Offset all-ones means "at the end" (MS-SMB2 2.2.21), and so does
	 * every write of an open that may only append.
	 */
	if (off == ~0ull || !(o->access & FILE_WRITE_DATA)) {
		if (dfs_open_fstat(o, &st) < 0)
			return vfs_errno_status(errno);
		off = st.size;
	}
	if (check_io(r, len, off))
		return STATUS_INVALID_PARAMETER;
	status = dfs_lock_check_io(r->srv, o, off, len, true);
	if (status)
		return status;
	if (o->stream) {
		status = dfs_stream_write(r->srv, o, data, len, off, &done);
	} else {
		saved = dfs_wtime_save(o, &mtime);
		status = write_all(o->fd, data, len, off, &done);
		if (done)
			dfs_wtime_written(o, saved ? &mtime : NULL);
	}
	if (done)
		dfs_oplock_written(r->srv, o);
	if (status)
		return status;
	if (((flags & SMB2_WRITEFLAG_WRITE_THROUGH) ||
	     (o->create_options & FILE_WRITE_THROUGH)) && fdatasync(o->fd) < 0)
		return vfs_errno_status(errno);
	dfs_put_le16(p, WRR_STRUCT_SIZE);
	dfs_put_le16(p + 2, 0);
	dfs_put_le32(p + 4, done);
	dfs_put_le32(p + 8, 0);		/* Remaining */
	dfs_put_le16(p + 12, 0);	/* WriteChannelInfoOffset */
	dfs_put_le16(p + 14, 0);	/* WriteChannelInfoLength */
	r->rsp_len = 16;
	return STATUS_SUCCESS;
}

u32 smb2_write(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	u32 doff, len, st;
	u64 off;

	if (r->body_len < WR_FIXED || dfs_get_le16(b) != WR_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	doff = dfs_get_le16(b + 2);
	len = dfs_get_le32(b + 4);
	off = dfs_get_le64(b + 8);
	if (off != ~0ull) {
		st = check_io(r, len, off);
		if (st)
			return st;
	} else if (check_io(r, len, 0)) {
		return STATUS_INVALID_PARAMETER;
	}
	if (dfs_get_le32(b + 32) != SMB2_CHANNEL_NONE)
		return STATUS_INVALID_PARAMETER;
	/* the data must lie inside this PDU's body */
	if (len && (doff < SMB2_HDR_SIZE + WR_FIXED ||
		    !dfs_range_ok(doff - SMB2_HDR_SIZE, len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	o = dfs_open_lookup(r, b + 16);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (r->channel_stale)
		return STATUS_FILE_NOT_AVAILABLE;
	if (o->pipe)
		return dfs_pipe_write(r, o, len ? b + doff - SMB2_HDR_SIZE : b, len);
	if (o->is_dir)
		return STATUS_INVALID_DEVICE_REQUEST;
	if (!(o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	if (r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	vfs_become(r->sess);
	st = write_locked(r, o, len ? b + doff - SMB2_HDR_SIZE : b, len, off,
			  dfs_get_le32(b + 44));
	vfs_unbecome();
	return st;
}

u32 smb2_flush(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	u8 *p = r->rsp_body;

	if (r->body_len < FL_STRUCT_SIZE || dfs_get_le16(b) != FL_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	o = dfs_open_lookup(r, b + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (!o->is_dir && !(o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	/* O_PATH fds (directories we could not read) have nothing to flush */
	if (fsync(o->fd) < 0 && errno != EBADF && errno != EINVAL)
		return vfs_errno_status(errno);
	/* a delayed write-time update happens now (as on Windows) */
	vfs_become(r->sess);
	dfs_wtime_flush(o);
	vfs_unbecome();
	dfs_put_le16(p, 4);
	dfs_put_le16(p + 2, 0);
	r->rsp_len = 4;
	return STATUS_SUCCESS;
}

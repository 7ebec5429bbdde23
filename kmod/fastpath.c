// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastpath.c - SMB2 READ and WRITE served in the kernel (MS-SMB2 2.2.19 to
 * 2.2.22, 3.3.5.12, 3.3.5.13) on opens the daemon installed with
 * DITTOFS_FID_F_FAST_READ/WRITE.
 *
 * Only the plain case is taken here: an authenticated session of this
 * connection, the tree and the open installed for it, the granted access
 * allowing the operation, no channel (RDMA) info, a CreditCharge that pays
 * for the length, and for WRITE an explicit offset and data inside the
 * PDU. Anything else goes to the daemon, which knows the whole story.
 *
 * READ data goes from the page cache straight into the response buffer,
 * which is the buffer the response is signed or encrypted and sent from.
 *
 * An open with DITTOFS_FID_F_ASK instead of the FAST_ flag (its file has
 * byte-range locks) takes the same path after the daemon said yes to an
 * IO_VERDICT for exactly this range (verdict.c); so does a WRITE on an
 * open with DITTOFS_FID_F_ASK_WRITE (level II oplocks to break, the
 * delayed write time), which may be told to leave the mtime as it was.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/mount.h>

#include "dittofs.h"

#define RD_STRUCT_SIZE		49
#define RD_FIXED		48
#define RDR_STRUCT_SIZE		17
#define RDR_FIXED		16
#define WR_STRUCT_SIZE		49
#define WR_FIXED		48
#define WRR_STRUCT_SIZE		17
#define WRR_FIXED		16
#define SMB2_CHANNEL_NONE	0
#define SMB2_WRITEFLAG_WRITE_THROUGH	0x00000001u

/* One credit per 64 KiB (MS-SMB2 3.3.5.2.5); 2.0.2 has no multi-credit I/O. */
static bool dfs_charge_covers(const struct dfs_conn *conn, const u8 *hdr,
			      u32 len)
{
	u16 charge = dfs_get_le16(hdr + SMB2_HDR_CREDIT_CHARGE);

	if (conn->dp.dialect == SMB2_DIALECT_202 || !charge)
		return len <= 65536;
	return (u64)charge * 65536 >= len;
}

/* The session, tree and open checks both commands share. */
static struct dfs_fid *dfs_fast_open(struct dfs_conn *conn,
				     const struct dfs_pdu_in *in,
				     const u8 *fileid, u32 need, bool write,
				     bool *ask)
{
	struct dfs_ksession *s;
	struct dfs_fid *f;
	u64 pers = dfs_get_le64(fileid), vol = dfs_get_le64(fileid + 8);
	u32 tflags;

	if (in->related && pers == ~0ull && vol == ~0ull)
		return NULL;	/* the compound's FileId: the daemon tracks it */
	if (!in->session_id)
		return NULL;
	s = dfs_session_find(conn, in->session_id);
	if (!s || dfs_session_stale(s) || s->dp.setup_in_progress ||
	    (s->flags & DITTOFS_SESSION_F_IN_SETUP))
		return NULL;
	if ((s->flags & DITTOFS_SESSION_F_ENCRYPT_DATA) && !in->encrypted)
		return NULL;
	if (s->dp.signing_required && !in->signed_ok && !in->encrypted)
		return NULL;
	if (!dfs_tree_flags(in->session_id, in->tree_id, &tflags))
		return NULL;
	if ((tflags & DITTOFS_TREE_F_ENCRYPT_DATA) && !in->encrypted)
		return NULL;
	if (write && (tflags & DITTOFS_TREE_F_READ_ONLY))
		return NULL;
	f = dfs_fid_begin(in->session_id, in->tree_id, pers, vol, need, ask);
	if (!f)
		return NULL;
	if (!S_ISREG(file_inode(f->file)->i_mode) ||
	    !(f->file->f_mode & (write ? FMODE_WRITE : FMODE_READ)) ||
	    !(f->access & (write ? FILE_WRITE_DATA :
			   FILE_READ_DATA | FILE_EXECUTE))) {
		if (*ask)
			dfs_fid_release(f);
		else
			dfs_fid_end(f);
		return NULL;
	}
	return f;
}

/* The header of a fast-path response: related requests get their ids. */
static void dfs_fast_hdr(u8 *rsp, const struct dfs_pdu_in *in, u32 status)
{
	dfs_smb2_rsp_hdr(rsp, in->buf, status);
	dfs_put_le64(rsp + SMB2_HDR_SESSION_ID, in->session_id);
	if (!(dfs_get_le32(in->buf + SMB2_HDR_FLAGS) & SMB2_FLAGS_ASYNC_COMMAND))
		dfs_put_le32(rsp + SMB2_HDR_TREE_ID, in->tree_id);
}

/*
 * With *ask, get the daemon's verdict on the range. true: go on (f is in
 * flight now); false with out->len set: refused, answered; false with
 * out->len 0: no verdict, the PDU goes up instead.
 */
static bool dfs_fast_verdict(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			     struct dfs_fid *f, u8 kind, u64 off, u32 len,
			     struct dfs_pdu_out *out, u32 *vflags)
{
	u32 status = 0;
	int ret;

	ret = dfs_verdict_ask(conn, in, f, kind, off, len, &status, vflags);
	if (!ret)
		return true;
	dfs_fid_release(f);
	out->len = 0;
	if (ret > 0) {
		out->len = dfs_smb2_error_rsp(out->buf, out->cap, in->buf, status);
		dfs_fast_hdr(out->buf, in, status);
		dfs_count(conn, pdus_fast, 1);
	}
	return false;
}

static bool dfs_fast_read(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			  struct dfs_pdu_out *out)
{
	const u8 *b = in->buf + SMB2_HDR_SIZE;
	u32 len, min, vflags, got = 0;
	struct dfs_fid *f;
	bool ask;
	loff_t pos;
	u64 off;
	u8 *p;

	if (in->len < SMB2_HDR_SIZE + RD_FIXED ||
	    dfs_get_le16(b) != RD_STRUCT_SIZE)
		return false;
	len = dfs_get_le32(b + 4);
	off = dfs_get_le64(b + 8);
	min = dfs_get_le32(b + 32);
	if (dfs_get_le32(b + 36) != SMB2_CHANNEL_NONE ||
	    !dfs_charge_covers(conn, in->buf, len) ||
	    out->cap < SMB2_HDR_SIZE + RDR_FIXED ||
	    len > out->cap - SMB2_HDR_SIZE - RDR_FIXED ||
	    off > (u64)LLONG_MAX - len)
		return false;
	f = dfs_fast_open(conn, in, b + 16, DITTOFS_FID_F_FAST_READ, false, &ask);
	if (!f)
		return false;
	if (ask && !dfs_fast_verdict(conn, in, f, DITTOFS_IO_READ, off, len, out,
				     &vflags))
		return out->len != 0;

	p = out->buf + SMB2_HDR_SIZE + RDR_FIXED;
	pos = off;
	while (got < len) {
		ssize_t n = kernel_read(f->file, p + got, len - got, &pos);

		if (n < 0) {
			if (!got) {
				/* let the daemon produce the status */
				dfs_fid_end(f);
				return false;
			}
			break;
		}
		if (!n)
			break;
		got += n;
	}
	dfs_fid_end(f);

	if ((!got && len) || got < min) {
		out->len = dfs_smb2_error_rsp(out->buf, out->cap, in->buf,
					      STATUS_END_OF_FILE);
		dfs_fast_hdr(out->buf, in, STATUS_END_OF_FILE);
	} else {
		dfs_fast_hdr(out->buf, in, STATUS_SUCCESS);
		p = out->buf + SMB2_HDR_SIZE;
		dfs_put_le16(p, RDR_STRUCT_SIZE);
		p[2] = SMB2_HDR_SIZE + RDR_FIXED;	/* DataOffset 0x50 */
		p[3] = 0;
		dfs_put_le32(p + 4, got);		/* DataLength */
		dfs_put_le32(p + 8, 0);			/* DataRemaining */
		dfs_put_le32(p + 12, 0);		/* Flags */
		out->len = SMB2_HDR_SIZE + RDR_FIXED + got;
	}
	dfs_count(conn, pdus_fast, 1);
	dfs_count(conn, bytes_read, got);
	return true;
}

/*
 * Put back the mtime a file had before a WRITE: the daemon moves the write
 * time itself, later (wtime.c's delayed update), or not at all when the
 * client set it. Best effort, as the daemon's own futimens: when it fails
 * the write time has simply moved at once.
 */
static void dfs_put_mtime_back(struct file *file, struct timespec64 mtime)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = d_inode(dentry);
	struct iattr ia = {
		.ia_valid = ATTR_MTIME | ATTR_MTIME_SET | ATTR_CTIME,
		.ia_mtime = mtime,
	};

	if (mnt_want_write_file(file))
		return;
	inode_lock(inode);
	notify_change(file_mnt_user_ns(file), dentry, &ia, NULL);
	inode_unlock(inode);
	mnt_drop_write_file(file);
}

static bool dfs_fast_write(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			   struct dfs_pdu_out *out)
{
	const u8 *b = in->buf + SMB2_HDR_SIZE;
	u32 doff, len, flags, vflags = 0, done = 0;
	struct timespec64 mtime;
	u32 body_len = in->len - SMB2_HDR_SIZE;
	struct dfs_fid *f;
	bool ask;
	loff_t pos;
	u64 off;
	u8 *p;

	if (in->len < SMB2_HDR_SIZE + WR_FIXED ||
	    dfs_get_le16(b) != WR_STRUCT_SIZE)
		return false;
	doff = dfs_get_le16(b + 2);
	len = dfs_get_le32(b + 4);
	off = dfs_get_le64(b + 8);
	flags = dfs_get_le32(b + 44);
	if (dfs_get_le32(b + 32) != SMB2_CHANNEL_NONE ||
	    dfs_get_le16(b + 42) /* WriteChannelInfoLength */ ||
	    !len || off == ~0ull || off > (u64)LLONG_MAX - len ||
	    !dfs_charge_covers(conn, in->buf, len) ||
	    out->cap < SMB2_HDR_SIZE + WRR_FIXED)
		return false;
	/* the data must lie inside this PDU's body */
	if (doff < SMB2_HDR_SIZE + WR_FIXED ||
	    !dfs_range_ok(doff - SMB2_HDR_SIZE, len, body_len))
		return false;
	f = dfs_fast_open(conn, in, b + 16, DITTOFS_FID_F_FAST_WRITE, true, &ask);
	if (!f)
		return false;
	/*
	 * ASK_WRITE only tells dittofsd about the WRITE (level II, write
	 * time). With no daemon there is nobody to tell, and all it knew of
	 * opens and oplocks goes when the next one claims the module: go on
	 * as the plain fast path does while dittofsd restarts.
	 */
	if (ask && !(READ_ONCE(f->flags) & DITTOFS_FID_F_ASK) &&
	    !dfs_ctl_present()) {
		dfs_fid_mark(f);
		ask = false;
	}
	if (ask && !dfs_fast_verdict(conn, in, f, DITTOFS_IO_WRITE, off, len, out,
				     &vflags))
		return out->len != 0;

	mtime = file_inode(f->file)->i_mtime;
	pos = off;
	while (done < len) {
		ssize_t n = kernel_write(f->file, in->buf + doff + done,
					 len - done, &pos);

		if (n <= 0) {
			if (!done) {
				dfs_fid_end(f);
				return false;
			}
			break;
		}
		done += n;
	}
	if (vflags & DITTOFS_VERDICT_F_KEEP_MTIME)
		dfs_put_mtime_back(f->file, mtime);
	if ((flags & SMB2_WRITEFLAG_WRITE_THROUGH) &&
	    vfs_fsync_range(f->file, off, off + done - 1, 1)) {
		/* the data is written; the daemon reports the sync failure */
		dfs_fid_end(f);
		dfs_count(conn, bytes_written, done);
		return false;
	}
	dfs_fid_end(f);

	dfs_fast_hdr(out->buf, in, STATUS_SUCCESS);
	p = out->buf + SMB2_HDR_SIZE;
	dfs_put_le16(p, WRR_STRUCT_SIZE);
	dfs_put_le16(p + 2, 0);
	dfs_put_le32(p + 4, done);	/* Count */
	dfs_put_le32(p + 8, 0);		/* Remaining */
	dfs_put_le16(p + 12, 0);	/* WriteChannelInfoOffset */
	dfs_put_le16(p + 14, 0);	/* WriteChannelInfoLength */
	out->len = SMB2_HDR_SIZE + WRR_FIXED;
	dfs_count(conn, pdus_fast, 1);
	dfs_count(conn, bytes_written, done);
	return true;
}

bool dfs_fast_try(struct dfs_conn *conn, const struct dfs_pdu_in *in,
		  struct dfs_pdu_out *out)
{
	u16 cmd;

	if (in->len < SMB2_HDR_SIZE || dfs_get_le32(in->buf) != SMB2_PROTO_ID)
		return false;
	if (dfs_get_le32(in->buf + SMB2_HDR_FLAGS) & SMB2_FLAGS_ASYNC_COMMAND)
		return false;
	cmd = dfs_get_le16(in->buf + SMB2_HDR_COMMAND);
	if (cmd == SMB2_READ)
		return dfs_fast_read(conn, in, out);
	if (cmd == SMB2_WRITE)
		return dfs_fast_write(conn, in, out);
	return false;
}

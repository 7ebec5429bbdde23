// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_create.c - SMB2 CREATE and CLOSE (MS-SMB2 2.2.13-2.2.16,
 * 3.3.5.9, 3.3.5.10; semantics from MS-FSA 2.1.5.1).
 *
 * A CREATE resolves the wire name to a share-relative path, applies the
 * disposition with confined opens, and registers the result in the open
 * table. Access rights are checked by the kernel when the file is opened
 * with the matching O_* mode as the session's user; the granted mask we
 * remember is what the client asked for (or the maximal access).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userd/ea.h"
#include "userd/limits.h"
#include "userd/log.h"
#include "userd/secdesc.h"
#include "userd/server.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_lease.h"
#include "userd/smb2_streams.h"
#include "userd/rpc/pipe.h"
#include "userd/vfs/vfs.h"

/* CREATE request fields (offsets in the body) */
#define CR_STRUCT_SIZE		57
#define CR_OPLOCK		3
#define CR_DESIRED_ACCESS	24
#define CR_FILE_ATTRIBUTES	28
#define CR_SHARE_ACCESS		32
#define CR_DISPOSITION		36
#define CR_OPTIONS		40
#define CR_NAME_OFFSET		44
#define CR_NAME_LENGTH		46
#define CR_CTX_OFFSET		48
#define CR_CTX_LENGTH		52
#define CR_FIXED		56

/* CREATE response */
#define CRR_STRUCT_SIZE		89
#define CRR_FIXED		88

#define FILE_GENERIC_READ	0x00120089u
#define FILE_GENERIC_WRITE	0x00120116u
#define FILE_GENERIC_EXECUTE	0x001200A0u

/* Rights that change the file or its metadata: refused on a read-only tree */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | \
		      FILE_WRITE_ATTRIBUTES | FILE_DELETE_CHILD | DELETE | \
		      WRITE_DAC | WRITE_OWNER)
/* Rights checked against the maximal access at open time */
#define CHECKED_RIGHTS (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | \
			FILE_EXECUTE | FILE_READ_EA | FILE_WRITE_EA | \
			FILE_WRITE_ATTRIBUTES | FILE_DELETE_CHILD | WRITE_DAC | \
			WRITE_OWNER)

/* CreateOptions a server must refuse or does not support */
#define CR_OPTS_INVALID 0xFF000000u
/* FILE_CREATE_TREE_CONNECTION, FILE_OPEN_BY_FILE_ID, FILE_RESERVE_OPFILTER */
#define CR_OPTS_UNSUPPORTED 0x00102080u
/* DesiredAccess bits that are reserved (MS-SMB2 3.3.5.9) */
#define CR_ACCESS_INVALID 0x0CE0FE00u

u32 smb2_map_generic(u32 access)
{
	if (access & GENERIC_READ)
		access |= FILE_GENERIC_READ;
	if (access & GENERIC_WRITE)
		access |= FILE_GENERIC_WRITE;
	if (access & GENERIC_EXECUTE)
		access |= FILE_GENERIC_EXECUTE;
	if (access & GENERIC_ALL)
		access |= FILE_ALL_ACCESS;
	return access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE |
			  GENERIC_ALL);
}

u32 smb2_maximal_access(int fd, const struct vfs_stat *st, bool read_only_tree)
{
	u32 a = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES;
	/* no capability overrides this: dittofsd drops them (privs.c) */
	bool owner = st->uid == vfs_fsuid();

	/* execute is reading to a file server, as with "acl allow execute always" */
	if (vfs_fd_access(fd, R_OK))
		a |= FILE_READ_DATA | FILE_READ_EA | FILE_EXECUTE;
	if (vfs_fd_access(fd, X_OK))
		a |= FILE_EXECUTE;
	if (vfs_fd_access(fd, W_OK)) {
		a |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |
		     FILE_WRITE_ATTRIBUTES | DELETE | FILE_DELETE_CHILD;
	}
	/* the owner may chmod and set times, and delete (parent permitting) */
	if (owner)
		a |= FILE_WRITE_ATTRIBUTES | WRITE_DAC | WRITE_OWNER | DELETE;
	if (read_only_tree)
		a &= ~WRITE_RIGHTS;
	return a;
}

/* What a CREATE asks for, after parsing and validation */
struct create_args {
	u32 desired;		/* mapped access, MAXIMUM_ALLOWED kept as a bit */
	u32 attrs;
	u32 share;
	u32 disp;
	u32 opts;
	bool want_mxac;
	bool want_qfid;
	u64 alloc_size;		/* AlSi: space to reserve for a new file */
	const u8 *sd;		/* SecD: descriptor for a new file (in the request) */
	u32 sd_len;
	const u8 *ea;		/* ExtA: EAs for a new or overwritten file */
	u32 ea_len;
	char path[VFS_PATH_MAX];
	char stream[VFS_STREAM_NAME_BYTES];	/* named stream, "" = none */
	struct dfs_durable_req dur;	/* DHnQ/DH2Q/DHnC/DH2C (smb2_durable.c) */
	struct dfs_lease_req lease;	/* RqLs (smb2_lease.c) */
};

/* What CREATE found or made */
struct create_result {
	int fd;
	u32 action;
	u32 granted;
	u32 maximal;
	struct vfs_stat st;
};

/*
 * SecD and ExtA are checked here, before anything is created, and
 * applied once the file exists (secdesc.c, ea.c).
 */
static u32 take_sd_or_ea(struct create_args *a, const u8 *name,
			 const u8 *data, u32 dlen)
{
	struct sd_parsed sd;
	u32 count, bad, st;

	if (!memcmp(name, "SecD", 4)) {
		st = sd_parse(data, dlen, &sd);
		if (st)
			return st;
		if (secdesc_parts(data, dlen) & SD_SACL_INFO)
			return STATUS_PRIVILEGE_NOT_HELD;
		a->sd = data;
		a->sd_len = dlen;
		return STATUS_SUCCESS;
	}
	st = ea_full_check(data, dlen, &count, &bad);
	if (st)
		return st;
	a->ea = data;
	a->ea_len = dlen;
	return STATUS_SUCCESS;
}

/*
 * Walk the create context chain (MS-SMB2 2.2.13.2): every Next is
 * 8-aligned and stays inside the chain, every name and data range stays
 * inside its own context. Unknown contexts are ignored.
 */
static u32 parse_contexts(const u8 *ctx, u32 len, struct create_args *a)
{
	u32 off = 0, next, ext, noff, nlen, doff, dlen, st = STATUS_SUCCESS;
	const u8 *c;

	while (len) {
		if (!dfs_range_ok(off, 16, len))
			return STATUS_INVALID_PARAMETER;
		c = ctx + off;
		next = dfs_get_le32(c);
		noff = dfs_get_le16(c + 4);
		nlen = dfs_get_le16(c + 6);
		doff = dfs_get_le16(c + 10);
		dlen = dfs_get_le32(c + 12);
		if (next && (next & 7 || !dfs_range_ok(off, next, len) || next < 16))
			return STATUS_INVALID_PARAMETER;
		ext = next ? next : len - off;
		if (noff < 16 || !dfs_range_ok(noff, nlen, ext) || nlen < 4)
			return STATUS_INVALID_PARAMETER;
		if (dlen && (doff < 16 || !dfs_range_ok(doff, dlen, ext)))
			return STATUS_INVALID_PARAMETER;
		if (nlen == 4) {
			const u8 *n = c + noff;

			if (dfs_durable_context(&a->dur, n, c + doff, dlen, &st))
				;	/* durable handle contexts */
			else if (!memcmp(n, "MxAc", 4))
				a->want_mxac = true;
			else if (!memcmp(n, "AlSi", 4) && dlen == 8)
				a->alloc_size = dfs_get_le64(c + doff);
			else if (!memcmp(n, "QFid", 4))
				a->want_qfid = true;
			else if (!memcmp(n, "RqLs", 4) &&
				 dfs_lease_parse(c + doff, dlen, true, &a->lease))
				/* a lease request of no known size is no request */
				memset(&a->lease, 0, sizeof(a->lease));
			else if (!memcmp(n, "SecD", 4) || !memcmp(n, "ExtA", 4))
				st = take_sd_or_ea(a, n, c + doff, dlen);
			else if (!memcmp(n, "TWrp", 4))
				/* a snapshot we do not have */
				return STATUS_OBJECT_NAME_NOT_FOUND;
			if (st)
				return st;
		}
		if (!next)
			break;
		off += next;
	}
	return dfs_durable_validate(&a->dur);
}

static u32 parse_create(struct dfs_req *r, struct create_args *a)
{
	const u8 *b = r->body;
	u32 noff, nlen, coff, clen, raw;

	if (r->body_len < CR_FIXED || dfs_get_le16(b) != CR_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	memset(a, 0, sizeof(*a));
	if (dfs_get_le32(b + 4) > 3)	/* ImpersonationLevel: Delegate max */
		return STATUS_BAD_IMPERSONATION_LEVEL;
	raw = dfs_get_le32(b + CR_DESIRED_ACCESS);
	a->attrs = dfs_get_le32(b + CR_FILE_ATTRIBUTES);
	a->share = dfs_get_le32(b + CR_SHARE_ACCESS);
	a->disp = dfs_get_le32(b + CR_DISPOSITION);
	a->opts = dfs_get_le32(b + CR_OPTIONS);
	noff = dfs_get_le16(b + CR_NAME_OFFSET);
	nlen = dfs_get_le16(b + CR_NAME_LENGTH);
	coff = dfs_get_le32(b + CR_CTX_OFFSET);
	clen = dfs_get_le32(b + CR_CTX_LENGTH);

	/* access first: Windows judges the mask before anything else */
	if (raw & CR_ACCESS_INVALID)
		return STATUS_ACCESS_DENIED;
	if (raw & ACCESS_SYSTEM_SECURITY)
		return STATUS_PRIVILEGE_NOT_HELD;
	if (raw == 0)
		return STATUS_ACCESS_DENIED;	/* nothing asked for */
	if (a->disp > FILE_OVERWRITE_IF || a->share > 7 ||
	    (a->attrs & ~0x7FB7u) || (a->opts & CR_OPTS_INVALID) ||
	    ((a->opts & FILE_DIRECTORY_FILE) && (a->opts & FILE_NON_DIRECTORY_FILE)))
		return STATUS_INVALID_PARAMETER;
	/* a file born read-only cannot be deleted on close */
	if ((a->opts & FILE_DELETE_ON_CLOSE) && (a->attrs & FILE_ATTRIBUTE_READONLY) &&
	    a->disp != FILE_OPEN && a->disp != FILE_OVERWRITE)
		return STATUS_CANNOT_DELETE;
	/* no EFS here, as on a standalone Windows server */
	if (a->attrs & FILE_ATTRIBUTE_ENCRYPTED)
		return STATUS_ACCESS_DENIED;
	if ((a->opts & FILE_DIRECTORY_FILE) && a->disp != FILE_CREATE &&
	    a->disp != FILE_OPEN && a->disp != FILE_OPEN_IF)
		return STATUS_INVALID_PARAMETER;
	if (a->opts & CR_OPTS_UNSUPPORTED)
		return STATUS_NOT_SUPPORTED;
	a->desired = smb2_map_generic(raw);
	if ((a->opts & FILE_DELETE_ON_CLOSE) &&
	    !(a->desired & (DELETE | MAXIMUM_ALLOWED)))
		return STATUS_ACCESS_DENIED;

	if (nlen) {
		if (noff < SMB2_HDR_SIZE ||
		    !dfs_range_ok(noff - SMB2_HDR_SIZE, nlen, r->body_len))
			return STATUS_INVALID_PARAMETER;
		if (nlen & 1)
			return STATUS_INVALID_PARAMETER;
	}
	if (clen) {
		if (coff < SMB2_HDR_SIZE ||
		    !dfs_range_ok(coff - SMB2_HDR_SIZE, clen, r->body_len))
			return STATUS_INVALID_PARAMETER;
	}
	return STATUS_SUCCESS;
}

/* ENOENT on the whole path: was it the file or a directory on the way? */
static u32 not_found_status(int root_fd, const char *path)
{
	const char *leaf;
	int dfd = vfs_open_parent(root_fd, path, &leaf);

	if (dfd < 0)
		return STATUS_OBJECT_PATH_NOT_FOUND;
	close(dfd);
	return STATUS_OBJECT_NAME_NOT_FOUND;
}

static u32 errno_open_status(int root_fd, const char *path, int err)
{
	if (err == ENOENT)
		return not_found_status(root_fd, path);
	return vfs_errno_status(err);
}

/* O_* mode for a regular file open with these rights */
static int file_flags(u32 access, bool trunc)
{
	bool w = (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) || trunc;
	bool rd = access & (FILE_READ_DATA | FILE_EXECUTE);

	if (w)
		return (rd ? O_RDWR : O_WRONLY) | (trunc ? O_TRUNC : 0);
	return O_RDONLY;
}

static bool wants_data(u32 access)
{
	return access & (FILE_READ_DATA | FILE_EXECUTE | FILE_WRITE_DATA |
			 FILE_APPEND_DATA);
}

/*
 * The real open of something that exists. Opens that do not touch data
 * fall back to O_PATH, so "read attributes" works on a file the user may
 * not read (as on Windows, where the two rights are separate).
 */
static int reopen(int root_fd, const char *path, bool is_dir, u32 access,
		  bool trunc)
{
	int flags, fd;

	if (is_dir)
		flags = O_RDONLY | O_DIRECTORY;
	else
		flags = file_flags(access, trunc) | O_NONBLOCK | O_NOCTTY;
	fd = vfs_open(root_fd, path, flags, 0);
	if (fd == -EACCES && (is_dir || (!wants_data(access) && !trunc)))
		fd = vfs_open(root_fd, path, O_PATH | (is_dir ? O_DIRECTORY : 0), 0);
	return fd;
}

/* May the current identity remove entries from path's parent? */
static bool parent_writable(int root_fd, const char *path)
{
	const char *leaf;
	int dfd = vfs_open_parent(root_fd, path, &leaf);
	bool ok;

	if (dfd < 0)
		return false;
	ok = vfs_fd_access(dfd, W_OK | X_OK);
	close(dfd);
	return ok;
}

static u32 check_existing(struct dfs_req *r, struct create_args *a,
			  struct create_result *res, int fd0, bool trunc)
{
	bool ro = r->tree->read_only;
	u32 want, st;

	if (a->disp == FILE_CREATE)
		return STATUS_OBJECT_NAME_COLLISION;
	if (!S_ISREG(res->st.mode) && !S_ISDIR(res->st.mode))
		return STATUS_ACCESS_DENIED;	/* fifos, devices, sockets */
	if (res->st.is_dir && (a->opts & FILE_NON_DIRECTORY_FILE))
		return STATUS_FILE_IS_A_DIRECTORY;
	if (!res->st.is_dir && (a->opts & FILE_DIRECTORY_FILE))
		return STATUS_NOT_A_DIRECTORY;
	if (res->st.is_dir && a->disp != FILE_OPEN && a->disp != FILE_OPEN_IF)
		return STATUS_INVALID_PARAMETER;
	if (dfs_open_delete_pending(r->srv, res->st.dev, res->st.ino))
		return STATUS_DELETE_PENDING;

	res->maximal = smb2_maximal_access(fd0, &res->st, ro);
	/* a descriptor a client stored restricts further (secdesc_store.c) */
	res->maximal = secdesc_access_limit(fd0, &res->st, r->sess, res->maximal);
	want = a->desired & ~MAXIMUM_ALLOWED;
	if (ro && (want & WRITE_RIGHTS))
		return STATUS_ACCESS_DENIED;
	if (ro && a->disp != FILE_OPEN && a->disp != FILE_OPEN_IF)
		return STATUS_ACCESS_DENIED;
	if ((want & DELETE) && !(res->maximal & DELETE) &&
	    !parent_writable(r->tree->root_fd, a->path))
		return STATUS_ACCESS_DENIED;
	if (!a->path[0] && (want & DELETE))
		return STATUS_ACCESS_DENIED;	/* never the share root */
	if ((res->st.attrs & FILE_ATTRIBUTE_READONLY) &&
	    (a->opts & FILE_DELETE_ON_CLOSE))
		return STATUS_CANNOT_DELETE;
	/* overwriting must keep HIDDEN and SYSTEM (MS-FSA 2.1.5.1.2.1) */
	if (trunc && (res->st.attrs & ~a->attrs &
		      (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM)))
		return STATUS_ACCESS_DENIED;
	if ((res->st.attrs & FILE_ATTRIBUTE_READONLY) &&
	    (want & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return STATUS_ACCESS_DENIED;
	/* overwriting keeps HIDDEN and SYSTEM only if asked to (MS-FSA 2.1.5.1.2) */
	if (trunc && (res->st.attrs & ~a->attrs &
		      (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM)))
		return STATUS_ACCESS_DENIED;
	/* rights the kernel does not check at open time are checked here */
	if (want & ~res->maximal & CHECKED_RIGHTS)
		return STATUS_ACCESS_DENIED;
	res->granted = a->desired & MAXIMUM_ALLOWED ? want | res->maximal : want;
	st = dfs_open_share_check(r->srv, res->st.dev, res->st.ino,
				  res->granted | (trunc ? FILE_WRITE_DATA : 0),
				  a->share);
	/* a batch oplock holder may close first (MS-FSA 2.1.5.1.2) */
	if (st == STATUS_SHARING_VIOLATION)
		st = dfs_oplock_share_conflict(r, res->st.dev, res->st.ino, NULL,
					       trunc);
	return st;
}

static u32 open_existing(struct dfs_req *r, struct create_args *a,
			 struct create_result *res, int fd0)
{
	bool trunc = a->disp == FILE_SUPERSEDE || a->disp == FILE_OVERWRITE ||
		     a->disp == FILE_OVERWRITE_IF;
	u32 st;
	int fd;

	if (vfs_fstat(fd0, &res->st) < 0)
		return vfs_errno_status(errno);
	st = check_existing(r, a, res, fd0, trunc);
	if (st)
		return st;
	fd = reopen(r->tree->root_fd, a->path, res->st.is_dir, res->granted,
		    trunc && !res->st.is_dir);
	if (fd < 0)
		return errno_open_status(r->tree->root_fd, a->path, -fd);
	res->fd = fd;
	if (vfs_fstat(fd, &res->st) < 0)
		return vfs_errno_status(errno);
	if (!S_ISREG(res->st.mode) && !S_ISDIR(res->st.mode))
		return STATUS_ACCESS_DENIED;	/* swapped under us */
	res->action = a->disp == FILE_SUPERSEDE ? FILE_SUPERSEDED :
		      trunc ? FILE_OVERWRITTEN : FILE_OPENED;
	/* overwriting a file replaces all of it, its named streams too */
	if (trunc && !res->st.is_dir)
		vfs_stream_remove_all(fd);
	return STATUS_SUCCESS;
}

static u32 create_new(struct dfs_req *r, struct create_args *a,
		      struct create_result *res)
{
	bool dir = a->opts & FILE_DIRECTORY_FILE;
	mode_t mode;
	int fd, ret;

	if (a->disp == FILE_OPEN || a->disp == FILE_OVERWRITE)
		return not_found_status(r->tree->root_fd, a->path);
	if (r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	if (dir) {
		ret = vfs_mkdir(r->tree->root_fd, a->path, 0777);
		if (ret < 0)
			return errno_open_status(r->tree->root_fd, a->path, -ret);
		fd = reopen(r->tree->root_fd, a->path, true, 0, false);
	} else {
		mode = a->attrs & FILE_ATTRIBUTE_READONLY ? 0444 : 0666;
		/* the creator may do anything: MAXIMUM_ALLOWED means read-write */
		fd = vfs_create_file(r->tree->root_fd, a->path,
				     file_flags(a->desired & MAXIMUM_ALLOWED ?
						FILE_READ_DATA | FILE_WRITE_DATA :
						a->desired, false) | O_NONBLOCK,
				     mode);
	}
	if (fd < 0)
		return errno_open_status(r->tree->root_fd, a->path, -fd);
	res->fd = fd;
	if (vfs_fstat(fd, &res->st) < 0)
		return vfs_errno_status(errno);
	res->maximal = smb2_maximal_access(fd, &res->st, false);
	/* the creator gets what it asked for, whatever the new mode says */
	res->granted = a->desired & ~MAXIMUM_ALLOWED;
	if (a->desired & MAXIMUM_ALLOWED)
		res->granted |= res->maximal;
	res->maximal |= res->granted;
	res->action = FILE_CREATED;
	return STATUS_SUCCESS;
}

static u32 do_open(struct dfs_req *r, struct create_args *a,
		   struct create_result *res)
{
	int root = r->tree->root_fd, fd0, tries;
	u32 st = STATUS_SUCCESS;

	for (tries = 0; tries < 2; tries++) {
		fd0 = vfs_open(root, a->path, O_PATH, 0);
		if (fd0 == -ENOENT || fd0 == -ENOTDIR) {
			/* "Readme.TXT" finds "README.txt", as on Windows */
			vfs_fix_case(root, a->path, sizeof(a->path));
			fd0 = vfs_open(root, a->path, O_PATH, 0);
		}
		if (fd0 >= 0) {
			st = open_existing(r, a, res, fd0);
			close(fd0);
			return st;
		}
		if (fd0 != -ENOENT)
			return errno_open_status(root, a->path, -fd0);
		st = create_new(r, a, res);
		/* lost a race with another creator: open what it made */
		if (st != STATUS_OBJECT_NAME_COLLISION || a->disp == FILE_CREATE)
			return st;
	}
	return st;
}

/* One create context at p: name (4 bytes) and data; returns its size. */
static u32 put_context(u8 *p, const char *name, const u8 *data, u32 dlen)
{
	memset(p, 0, 24);
	dfs_put_le16(p + 4, 16);	/* NameOffset */
	dfs_put_le16(p + 6, 4);		/* NameLength */
	dfs_put_le16(p + 10, 24);	/* DataOffset */
	dfs_put_le32(p + 12, dlen);
	memcpy(p + 16, name, 4);
	memcpy(p + 24, data, dlen);
	return DFS_ALIGN8(24 + dlen);
}

static u32 put_contexts(struct dfs_req *r, const struct create_args *a,
			const struct create_result *res, u8 *out)
{
	u8 data[32];
	u32 len = 0, prev = 0, n;

	if (a->want_mxac) {
		dfs_put_le32(data, STATUS_SUCCESS);
		dfs_put_le32(data + 4, res->maximal);
		n = put_context(out + len, "MxAc", data, 8);
		prev = len;
		len += n;
	}
	if (a->want_qfid) {
		memset(data, 0, sizeof(data));
		dfs_put_le64(data, res->st.ino);
		dfs_put_le64(data + 8, res->st.dev);
		if (len)
			dfs_put_le32(out + prev, len - prev);
		n = put_context(out + len, "QFid", data, 32);
		len += n;
	}
	return len;
}

static u32 write_create_rsp(struct dfs_req *r, const struct create_args *a,
			    const struct create_result *res,
			    const struct dfs_open *o)
{
	u8 *p = r->rsp_body;
	u32 clen;

	memset(p, 0, CRR_FIXED + 8);
	dfs_put_le16(p, CRR_STRUCT_SIZE);
	p[2] = SMB2_OPLOCK_LEVEL_NONE;
	dfs_put_le32(p + 4, res->action);
	dfs_put_le64(p + 8, res->st.creation);
	dfs_put_le64(p + 16, res->st.last_access);
	dfs_put_le64(p + 24, res->st.last_write);
	dfs_put_le64(p + 32, res->st.change);
	dfs_put_le64(p + 40, res->st.alloc);
	dfs_put_le64(p + 48, res->st.size);
	dfs_put_le32(p + 56, vfs_attrs_for(&res->st, vfs_basename(a->path)));
	dfs_put_le64(p + 64, o->persistent_id);
	dfs_put_le64(p + 72, o->volatile_id);
	clen = put_contexts(r, a, res, p + CRR_FIXED);
	if (clen) {
		dfs_put_le32(p + 80, SMB2_HDR_SIZE + CRR_FIXED);
		dfs_put_le32(p + 84, clen);
		r->rsp_len = CRR_FIXED + clen;
	} else {
		r->rsp_len = CRR_FIXED + 1;	/* StructureSize counts one byte */
	}
	return STATUS_SUCCESS;
}

u32 dfs_create_rsp_append(u8 *p, u32 len, u32 cap, const char *name,
			  const u8 *data, u32 dlen)
{
	u8 *ctx = p + CRR_FIXED;
	u32 clen = dfs_get_le32(p + 84), off = 0, next;

	if (CRR_FIXED + clen + DFS_ALIGN8(24 + dlen) > cap)
		return len;
	if (clen) {
		/* contexts we wrote: each Next is in range and 8-aligned */
		while ((next = dfs_get_le32(ctx + off)))
			off += next;
		dfs_put_le32(ctx + off, clen - off);
	} else {
		dfs_put_le32(p + 80, SMB2_HDR_SIZE + CRR_FIXED);
	}
	clen += put_context(ctx + clen, name, data, dlen);
	dfs_put_le32(p + 84, clen);
	return CRR_FIXED + clen;
}

u8 *dfs_create_rsp_find(u8 *p, u32 len, const char *name)
{
	u32 clen = dfs_get_le32(p + 84), off = 0, next;
	u8 *ctx = p + CRR_FIXED;

	/* contexts we wrote: each Next is in range and 8-aligned */
	if (!clen || CRR_FIXED + clen > len)
		return NULL;
	for (;;) {
		if (!memcmp(ctx + off + 16, name, 4))
			return ctx + off + dfs_get_le16(ctx + off + 10);
		next = dfs_get_le32(ctx + off);
		if (!next)
			return NULL;
		off += next;
	}
}

bool dfs_create_req_guid(const u8 *body, u32 len, u8 guid[16])
{
	struct create_args *a;
	u32 coff, clen;
	bool found;

	if (len < CR_FIXED)
		return false;
	coff = dfs_get_le32(body + CR_CTX_OFFSET);
	clen = dfs_get_le32(body + CR_CTX_LENGTH);
	if (!clen || coff < SMB2_HDR_SIZE ||
	    !dfs_range_ok(coff - SMB2_HDR_SIZE, clen, len))
		return false;
	a = calloc(1, sizeof(*a));
	if (!a)
		return false;
	found = !parse_contexts(body + coff - SMB2_HDR_SIZE, clen, a) &&
		a->dur.v2_req;
	if (found)
		memcpy(guid, a->dur.create_guid, 16);
	free(a);
	return found;
}

/* Add one context to the response write_create_rsp() built. */
static void append_context(struct dfs_req *r, const char *name,
			   const u8 *data, u32 dlen)
{
	r->rsp_len = dfs_create_rsp_append(r->rsp_body, r->rsp_len, r->rsp_cap,
					   name, data, dlen);
}

/*
 * The lease request a CREATE makes, if it makes one we take: it must ask
 * for SMB2_OPLOCK_LEVEL_LEASE on a connection we offered leasing to; v2
 * only on 3.x (MS-SMB2 3.3.5.9.8, 3.3.5.9.11).
 */
static const struct dfs_lease_req *lease_request(struct dfs_req *r,
						 struct create_args *a)
{
	if (!a->lease.present || !dfs_lease_offered(r))
		return NULL;
	if (a->lease.version == 2 && r->conn->dialect < SMB2_DIALECT_300)
		a->lease.version = 1;
	return &a->lease;
}

/*
 * Oplocks and leases are decided once the open exists: other holders are
 * broken, and when one must acknowledge first the finished response waits
 * for it.
 */
static u32 grant_oplock(struct dfs_req *r, struct create_args *a,
			struct dfs_open *o)
{
	const struct dfs_lease_req *lr = NULL;
	char dname[4];
	u8 granted, ddata[8];
	u32 st;

	if (r->body[CR_OPLOCK] == SMB2_OPLOCK_LEVEL_LEASE)
		lr = lease_request(r, a);
	if (!dfs_oplock_open(r, o, r->body[CR_OPLOCK], lr, &granted)) {
		r->rsp_body[2] = granted;
		dfs_lease_append_rsp(r, o);
		/* durability needs the batch oplock or handle lease just given */
		if (dfs_durable_grant(r, &a->dur, o, dname, ddata))
			append_context(r, dname, ddata, sizeof(ddata));
		return STATUS_SUCCESS;
	}
	r->rsp_body[2] = granted;
	dfs_lease_append_rsp(r, o);
	st = dfs_oplock_wait(r, o, r->rsp_body, r->rsp_len, &a->dur,
			     lr ? lr->state : 0);
	r->rsp_len = 0;
	if (st != STATUS_PENDING)
		dfs_open_close(r->srv, o);
	return st;
}

static u32 register_open(struct dfs_req *r, struct create_args *a,
			 struct create_result *res)
{
	struct dfs_open *o = dfs_open_new(r->srv, r->tree);
	u32 st;

	if (!o)
		return STATUS_INSUFFICIENT_RESOURCES;
	o->path = strdup(a->path);
	o->stream = a->stream[0] ? strdup(a->stream) : NULL;
	if (!o->path || (a->stream[0] && !o->stream)) {
		dfs_open_close(r->srv, o);
		return STATUS_NO_MEMORY;
	}
	o->fd = res->fd;
	res->fd = -1;
	o->is_dir = res->st.is_dir;
	o->access = res->granted;
	o->share_access = a->share;
	o->create_options = a->opts;
	o->delete_on_close = a->opts & FILE_DELETE_ON_CLOSE;
	o->dev = res->st.dev;
	o->ino = res->st.ino;
	o->channel_seq = dfs_req_channel_seq(r);
	if (a->dur.v2_req) {
		o->has_create_guid = true;
		memcpy(o->create_guid, a->dur.create_guid, 16);
	}
	/* a lease key already caching other data cannot name this one */
	st = r->body[CR_OPLOCK] == SMB2_OPLOCK_LEVEL_LEASE ?
	     dfs_lease_check_file(r, lease_request(r, a), o) : STATUS_SUCCESS;
	if (st) {
		dfs_open_close(r->srv, o);
		return st;
	}
	if (r->compound_fid) {
		r->compound_fid[0] = o->persistent_id;
		r->compound_fid[1] = o->volatile_id;
	}
	write_create_rsp(r, a, res, o);
	o->create_action = res->action;
	/* a named stream has its own oplock and lease, apart from its file's */
	return grant_oplock(r, a, o);
}

/* Reserve what AlSi asked for in a file we just created or emptied. */
static void apply_alloc_size(const struct create_args *a,
			     struct create_result *res)
{
	if (!a->alloc_size || res->st.is_dir || res->action == FILE_OPENED ||
	    a->alloc_size > (u64)INT64_MAX)
		return;
	/* only a hint: file systems without fallocate just do not reserve */
	if (fallocate(res->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)a->alloc_size) == 0)
		vfs_fstat(res->fd, &res->st);
}

/*
 * An overwritten or superseded file takes READONLY like a new one (whose
 * mode is born without write bits): the write bits go, the descriptor
 * clients see stays.
 */
static void make_readonly(struct create_result *res)
{
	mode_t mode = res->st.mode & 07777 & ~(mode_t)(S_IWUSR | S_IWGRP | S_IWOTH);

	if (res->st.is_dir || mode == (res->st.mode & 07777))
		return;
	secdesc_mode_changing(res->fd, &res->st, mode);
	if (vfs_fd_chmod(res->fd, mode) == 0)
		vfs_fstat(res->fd, &res->st);
}

/*
 * A new or overwritten file takes the attributes the CREATE names (and
 * ARCHIVE, as on NTFS); the ones Linux cannot keep go to an xattr.
 */
static void apply_attributes(const struct create_args *a,
			     struct create_result *res)
{
	u32 want = a->attrs & ~(FILE_ATTRIBUTE_NORMAL | FILE_ATTRIBUTE_DIRECTORY |
				FILE_ATTRIBUTE_READONLY |
				FILE_ATTRIBUTE_SPARSE_FILE);
	int ret;

	if (res->action == FILE_OPENED)
		return;
	if (!res->st.is_dir)
		want |= FILE_ATTRIBUTE_ARCHIVE;
	/* the defaults need no xattr unless an old one must be overwritten */
	if (res->action == FILE_CREATED &&
	    want == (res->st.is_dir ? 0 : FILE_ATTRIBUTE_ARCHIVE))
		return;
	ret = vfs_set_dos(res->fd, want, 0, 0);
	if (ret == 0)
		vfs_fstat(res->fd, &res->st);
	else if (ret != -EBADF)
		log_verbose("cannot keep DOS attributes of '%s': %s", a->path,
			    strerror(-ret));
	if (res->action != FILE_CREATED && (a->attrs & FILE_ATTRIBUTE_READONLY))
		make_readonly(res);
}

/*
 * A new file takes the descriptor of SecD; a new or overwritten one the
 * EAs of ExtA. The creator needs no right for either.
 */
static u32 apply_sd_and_eas(const struct create_args *a,
			    struct create_result *res)
{
	u32 st = STATUS_SUCCESS;

	if (a->sd && res->action != FILE_OPENED && res->action != FILE_OVERWRITTEN)
		st = secdesc_set(res->fd, secdesc_parts(a->sd, a->sd_len),
				 a->sd, a->sd_len);
	if (!st && a->ea && res->action != FILE_OPENED)
		st = ea_set_list(res->fd, a->ea, a->ea_len);
	if (!st && (a->sd || a->ea))
		vfs_fstat(res->fd, &res->st);
	return st;
}

/* A CREATE of a named stream (smb2_streams.c does the work) */
static u32 create_stream(struct dfs_req *r, struct create_args *a)
{
	struct dfs_stream_create c = {
		.path = a->path, .stream = a->stream, .desired = a->desired,
		.share = a->share, .disp = a->disp, .opts = a->opts,
		.attrs = a->attrs,
	};
	struct create_result res = { .fd = -1 };
	u32 st;

	/* "Readme.TXT:s" finds "README.txt", as for the file itself */
	vfs_fix_case(r->tree->root_fd, a->path, sizeof(a->path));
	st = dfs_stream_open(r, &c);
	if (st)
		return st;
	res.fd = c.fd;
	res.action = c.action;
	res.granted = c.granted;
	res.maximal = c.maximal;
	res.st = c.st;
	if ((a->opts & FILE_DELETE_ON_CLOSE) && !(res.granted & DELETE))
		st = STATUS_ACCESS_DENIED;
	if (!st)
		st = register_open(r, a, &res);
	if (res.fd >= 0) {
		c.fd = res.fd;
		dfs_stream_undo(r, &c);
	}
	return st;
}

static u32 create_locked(struct dfs_req *r, struct create_args *a)
{
	struct create_result res = { .fd = -1 };
	u32 st;

	if (a->stream[0])
		return create_stream(r, a);
	st = do_open(r, a, &res);
	if (st == STATUS_SUCCESS) {
		apply_attributes(a, &res);
		apply_alloc_size(a, &res);
		st = apply_sd_and_eas(a, &res);
	}
	if (st == STATUS_SUCCESS && (a->opts & FILE_DELETE_ON_CLOSE) &&
	    !(res.granted & DELETE))
		st = STATUS_ACCESS_DENIED;
	if (st == STATUS_SUCCESS && (a->opts & FILE_DELETE_ON_CLOSE) &&
	    !a->path[0])
		st = STATUS_ACCESS_DENIED;
	if (st == STATUS_SUCCESS)
		st = register_open(r, a, &res);
	if (res.fd >= 0) {
		/* failed after creating: do not leave a half-made file behind */
		if (res.action == FILE_CREATED)
			vfs_unlink(r->tree->root_fd, a->path, res.st.is_dir);
		close(res.fd);
	}
	return st;
}

/*
 * The response for an open that already exists: a reclaimed durable open,
 * or the one a replayed CREATE made; action is the CreateAction to give.
 */
static u32 respond_existing(struct dfs_req *r, struct create_args *a,
			    struct dfs_open *o, u32 action)
{
	struct create_result res = { .fd = -1 };

	if (dfs_open_fstat(o, &res.st) < 0)
		return vfs_errno_status(errno);
	res.action = action;
	res.granted = o->access;
	res.maximal = o->access;
	snprintf(a->path, sizeof(a->path), "%s", o->path ? o->path : "");
	if (r->compound_fid) {
		r->compound_fid[0] = o->persistent_id;
		r->compound_fid[1] = o->volatile_id;
	}
	write_create_rsp(r, a, &res, o);
	r->rsp_body[2] = o->oplock;
	dfs_lease_append_rsp(r, o);
	return STATUS_SUCCESS;
}

/*
 * A replay must name the lease the open holds, and none if it holds none:
 * else it is not the CREATE that made the open (MS-SMB2 3.3.5.9.10).
 */
static bool replay_lease_matches(struct dfs_req *r, struct create_args *a,
				 const struct dfs_open *o)
{
	const struct dfs_lease_req *lr = NULL;

	if (r->body[CR_OPLOCK] == SMB2_OPLOCK_LEVEL_LEASE)
		lr = lease_request(r, a);
	if (!o->lease)
		return !lr;
	return lr && !memcmp(lr->key, o->lease->key, 16);
}

/*
 * Answer a replayed CREATE with the open its first attempt made: what that
 * CREATE did, the lease as it is now, and for an oplock the level the
 * replay asks for where the open holds at least that. The open keeps its
 * oplock; the durable context comes back only with a level that allows
 * durability, as a new CREATE would get it.
 */
static u32 respond_replay(struct dfs_req *r, struct create_args *a,
			  struct dfs_open *o)
{
	u8 level = r->body[CR_OPLOCK], data[8] = { 0 };
	u32 st;

	if (!replay_lease_matches(r, a, o))
		return STATUS_ACCESS_DENIED;
	st = respond_existing(r, a, o, o->create_action);
	if (st)
		return st;
	if (!o->lease) {
		level = level < o->oplock ? level : o->oplock;
		r->rsp_body[2] = level;
	}
	if (dfs_durable_timeout(o) && (o->lease ? dfs_lease_has_handle(o) :
				       level == SMB2_OPLOCK_LEVEL_BATCH)) {
		dfs_put_le32(data, dfs_durable_timeout(o));
		append_context(r, "DH2Q", data, sizeof(data));
	}
	return STATUS_SUCCESS;
}

/*
 * The name a reconnect gives, for the leased opens that must match it
 * (a->path; left "" when it does not parse, which then matches nothing).
 */
static void reconnect_name(struct dfs_req *r, struct create_args *a)
{
	const u8 *b = r->body;
	u32 noff = dfs_get_le16(b + CR_NAME_OFFSET);
	u32 nlen = dfs_get_le16(b + CR_NAME_LENGTH);
	enum vfs_stream_kind kind;

	a->path[0] = '\0';
	if (nlen && (noff < SMB2_HDR_SIZE ||
		     !dfs_range_ok(noff - SMB2_HDR_SIZE, nlen, r->body_len)))
		return;
	if (vfs_stream_split(b + noff - SMB2_HDR_SIZE, nlen, a->path,
			     sizeof(a->path), a->stream, sizeof(a->stream),
			     &kind))
		a->path[0] = '\0';
}

/*
 * A DHnC/DH2C reconnect is judged by its context and the session's user
 * only: the other fields of the CREATE are ignored (as Windows does), so
 * it is handled before they are validated. True if r was one.
 */
static bool try_reconnect(struct dfs_req *r, struct create_args *a, u32 *st)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	u32 coff, clen;

	if (r->body_len < CR_FIXED || r->tree->ipc)
		return false;
	coff = dfs_get_le32(b + CR_CTX_OFFSET);
	clen = dfs_get_le32(b + CR_CTX_LENGTH);
	if (!clen || coff < SMB2_HDR_SIZE ||
	    !dfs_range_ok(coff - SMB2_HDR_SIZE, clen, r->body_len))
		return false;
	*st = parse_contexts(b + coff - SMB2_HDR_SIZE, clen, a);
	if (!a->dur.v1_reconn && !a->dur.v2_reconn) {
		memset(a, 0, sizeof(*a));
		return false;	/* an ordinary CREATE: parsed again below */
	}
	if (!*st)
		reconnect_name(r, a);
	if (!*st)
		*st = dfs_durable_reconnect(r, &a->dur, lease_request(r, a),
					    a->path, &o);
	if (!*st)
		*st = respond_existing(r, a, o, FILE_OPENED);
	return true;
}

u32 smb2_create(struct dfs_req *r)
{
	struct create_args *a;
	struct dfs_open *o;
	enum vfs_stream_kind kind;
	const u8 *b = r->body;
	u32 st;

	a = calloc(1, sizeof(*a));
	if (!a)
		return STATUS_NO_MEMORY;
	if (try_reconnect(r, a, &st)) {
		log_debug("CREATE reconnecting a durable open -> 0x%08x", st);
		free(a);
		return st;
	}
	st = parse_create(r, a);
	if (!st && r->tree->ipc) {	/* named pipes (rpc/pipe.c) */
		u16 nlen = dfs_get_le16(b + CR_NAME_LENGTH);

		st = dfs_pipe_create(r, nlen ? b + dfs_get_le16(b + CR_NAME_OFFSET) -
				     SMB2_HDR_SIZE : b, nlen, a->desired, a->share);
		free(a);
		return st;
	}
	/* Windows refuses a name that starts at the root: it is relative */
	if (!st && dfs_get_le16(b + CR_NAME_LENGTH) >= 2 &&
	    dfs_get_le16(b + dfs_get_le16(b + CR_NAME_OFFSET) - SMB2_HDR_SIZE) == '\\')
		st = STATUS_INVALID_PARAMETER;
	if (!st)
		st = vfs_stream_split(b + dfs_get_le16(b + CR_NAME_OFFSET) -
				      SMB2_HDR_SIZE,
				      dfs_get_le16(b + CR_NAME_LENGTH),
				      a->path, sizeof(a->path), a->stream,
				      sizeof(a->stream), &kind);
	if (!st)
		st = dfs_stream_create_opts(kind, &a->opts);
	if (!st && dfs_get_le32(b + CR_CTX_LENGTH))
		st = parse_contexts(b + dfs_get_le32(b + CR_CTX_OFFSET) -
				    SMB2_HDR_SIZE,
				    dfs_get_le32(b + CR_CTX_LENGTH), a);
	o = NULL;
	if (!st)
		st = dfs_durable_by_create_guid(r, &a->dur, &o);
	if (o) {
		/* a replay of a CREATE that took effect: the same open again */
		st = respond_replay(r, a, o);
		free(a);
		return st;
	}
	if (!st)
		st = dfs_limit_new_open(r->sess);
	/* disconnected durable opens whose batch oplock this would break */
	if (!st)
		dfs_durable_evict(r->srv, r->tree->share, a->path);
	if (!st) {
		vfs_become(r->sess);
		st = create_locked(r, a);
		vfs_unbecome();
	}
	if (r->body_len >= CR_FIXED)	/* else there is nothing to show */
		log_debug("CREATE '%s' disp %u opts 0x%x access 0x%x attrs 0x%x -> 0x%08x",
			  a->path, dfs_get_le32(b + CR_DISPOSITION),
			  dfs_get_le32(b + CR_OPTIONS),
			  dfs_get_le32(b + CR_DESIRED_ACCESS),
			  dfs_get_le32(b + CR_FILE_ATTRIBUTES), st);
	free(a);
	return st;
}

/* --- CLOSE ------------------------------------------------------------ */

#define CL_STRUCT_SIZE		24
#define CLR_STRUCT_SIZE		60
#define SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB 0x0001

u32 smb2_close(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	struct vfs_stat st;
	u8 *p = r->rsp_body;
	u16 flags;

	if (r->body_len < CL_STRUCT_SIZE || dfs_get_le16(b) != CL_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	flags = dfs_get_le16(b + 2);
	o = dfs_open_lookup(r, b + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	memset(p, 0, CLR_STRUCT_SIZE);
	dfs_put_le16(p, CLR_STRUCT_SIZE);
	/* the attributes returned already show the write time closing sets */
	dfs_wtime_close(o);
	if ((flags & SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB) && dfs_open_fstat(o, &st) == 0) {
		dfs_put_le16(p + 2, SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB);
		dfs_put_le64(p + 8, st.creation);
		dfs_put_le64(p + 16, st.last_access);
		dfs_put_le64(p + 24, st.last_write);
		dfs_put_le64(p + 32, st.change);
		dfs_put_le64(p + 40, st.alloc);
		dfs_put_le64(p + 48, st.size);
		dfs_put_le32(p + 56, vfs_attrs_for(&st, vfs_basename(o->path)));
	}
	dfs_open_close(r->srv, o);
	r->rsp_len = CLR_STRUCT_SIZE;
	return STATUS_SUCCESS;
}

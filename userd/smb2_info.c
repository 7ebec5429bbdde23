// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_info.c - SMB2 QUERY_INFO and SET_INFO (MS-SMB2 2.2.37-2.2.40,
 * 3.3.5.20-3.3.5.21; structures MS-FSCC 2.4/2.5, rules MS-FSA 2.1.5.11-
 * 2.1.5.15, security descriptors MS-DTYP 2.4.6).
 *
 * Every class is built in full into the response buffer, then cut to
 * OutputBufferLength: a class of fixed size that does not fit is an
 * INFO_LENGTH_MISMATCH, a variable one answers BUFFER_OVERFLOW with what
 * fits, as Windows does.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/ea.h"
#include "userd/log.h"
#include "userd/secdesc.h"
#include "userd/smb2_lease.h"
#include "userd/server.h"
#include "userd/smb2_streams.h"
#include "userd/rpc/pipe.h"
#include "userd/vfs/vfs.h"

#define QI_STRUCT_SIZE	41
#define QI_FIXED	40
#define QIR_STRUCT_SIZE	9
#define QIR_DATA	8

#define SI_STRUCT_SIZE	33
#define SI_FIXED	32

/* FileFsAttributeInformation flags */
#define FILE_CASE_SENSITIVE_SEARCH	0x00000001u
#define FILE_CASE_PRESERVED_NAMES	0x00000002u
#define FILE_UNICODE_ON_DISK		0x00000004u
#define FILE_SUPPORTS_SPARSE_FILES	0x00000040u

#define FILE_DEVICE_DISK		0x00000007u
#define FILE_DEVICE_IS_MOUNTED		0x00000020u

/* Modes FileModeInformation can carry (MS-FSCC 2.4.26) */
#define FILE_MODE_MASK (FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY | \
			FILE_NO_INTERMEDIATE_BUFFERING | \
			FILE_SYNCHRONOUS_IO_ALERT | \
			FILE_SYNCHRONOUS_IO_NONALERT | FILE_DELETE_ON_CLOSE)

struct qi {
	struct dfs_req *r;
	struct dfs_open *o;
	struct vfs_stat st;
	u8 *buf;		/* where the class is built */
	u32 cap;		/* room there */
	u32 fixed;		/* the part that must fit, for variable classes */
	bool variable;
	const u8 *in;		/* the request's input buffer (EA names) */
	u32 in_len;
	u32 flags;		/* the request's Flags (EA scans) */
	u32 info;		/* AdditionalInformation */
	u32 out_len;		/* OutputBufferLength, capped */
};

/* --- file information -------------------------------------------------- */

static void put_basic(u8 *p, const struct vfs_stat *st)
{
	dfs_put_le64(p, st->creation);
	dfs_put_le64(p + 8, st->last_access);
	dfs_put_le64(p + 16, st->last_write);
	dfs_put_le64(p + 24, st->change);
	dfs_put_le32(p + 32, st->attrs);
	dfs_put_le32(p + 36, 0);
}

/*
 * A pending delete (a disposition, not FILE_DELETE_ON_CLOSE, which acts
 * only when its handle closes) already counts the link as gone.
 */
static bool delete_pending(const struct dfs_open *o)
{
	return o->delete_on_close && !(o->create_options & FILE_DELETE_ON_CLOSE);
}

static void put_standard(u8 *p, const struct dfs_open *o,
			 const struct vfs_stat *st)
{
	bool pending = delete_pending(o);

	dfs_put_le64(p, st->alloc);
	dfs_put_le64(p + 8, st->size);
	dfs_put_le32(p + 16, pending && st->nlink ? st->nlink - 1 : st->nlink);
	p[20] = pending;
	p[21] = st->is_dir;
	p[22] = p[23] = 0;
}

/* "\dir\file" in UTF-16LE at p; returns bytes, -1 if it does not fit */
static long put_path_name(u8 *p, u32 cap, const char *path)
{
	size_t len = strlen(path), i;
	long n;

	if (cap < 2)
		return -1;
	dfs_put_le16(p, '\\');
	n = vfs_utf8_to_utf16(path, len, p + 2, cap - 2);
	if (n < 0)
		return -1;
	for (i = 2; i < (size_t)n + 2; i += 2)
		if (dfs_get_le16(p + i) == '/')
			dfs_put_le16(p + i, '\\');
	return n + 2;
}

static u32 mode_info(const struct dfs_open *o)
{
	u32 m = o->create_options & FILE_MODE_MASK;

	if (o->delete_on_close)
		m |= FILE_DELETE_ON_CLOSE;
	return m;
}

static long q_all(struct qi *q)
{
	u8 *p = q->buf;
	char name[VFS_PATH_MAX + VFS_STREAM_NAME_BYTES];
	long n;

	q->variable = true;
	q->fixed = 104;		/* sizeof(FILE_ALL_INFORMATION), as Windows counts */
	put_basic(p, &q->st);
	put_standard(p + 40, q->o, &q->st);
	dfs_put_le64(p + 64, q->st.ino);
	dfs_put_le32(p + 72, ea_size(q->o->fd));
	dfs_put_le32(p + 76, q->o->access);
	dfs_put_le64(p + 80, q->o->position);
	dfs_put_le32(p + 88, mode_info(q->o));
	dfs_put_le32(p + 92, 0);		/* AlignmentRequirement */
	n = put_path_name(p + 100, q->cap - 100,
			  dfs_open_name(q->o, name, sizeof(name)));
	if (n < 0)
		return -1;
	dfs_put_le32(p + 96, (u32)n);
	return 100 + n;
}

/*
 * FileNameInformation is "\dir\file"; the normalized name has no leading
 * separator, and is empty for the share root.
 */
static long q_name(struct qi *q, bool normalized)
{
	char name[VFS_PATH_MAX + VFS_STREAM_NAME_BYTES];
	long n;

	q->variable = true;
	q->fixed = 8;
	n = put_path_name(q->buf + 4, q->cap - 4,
			  dfs_open_name(q->o, name, sizeof(name)));
	if (n < 0)
		return -1;
	if (normalized) {
		n -= 2;
		memmove(q->buf + 4, q->buf + 6, (size_t)n);
	}
	dfs_put_le32(q->buf, (u32)n);
	return 4 + n;
}

static long q_alt_name(struct qi *q, u32 *status)
{
	char sn[13];
	long n;

	q->variable = true;
	q->fixed = 8;
	if (!q->o->path[0]) {
		*status = STATUS_OBJECT_NAME_NOT_FOUND;	/* the root has none */
		return -1;
	}
	vfs_short_name(vfs_basename(q->o->path), sn);
	n = vfs_utf8_to_utf16(sn, strlen(sn), q->buf + 4, q->cap - 4);
	if (n < 0)
		return -1;
	dfs_put_le32(q->buf, (u32)n);
	return 4 + n;
}

static long q_stream(struct qi *q)
{
	struct vfs_stat base;

	q->variable = true;
	q->fixed = 32;
	/* from a stream's handle too, the list is the base file's */
	if (vfs_fstat(q->o->fd, &base) < 0)
		return -1;
	return dfs_stream_info(q->o->fd, &base, q->buf, q->cap);
}

static long q_network_open(struct qi *q)
{
	u8 *p = q->buf;

	dfs_put_le64(p, q->st.creation);
	dfs_put_le64(p + 8, q->st.last_access);
	dfs_put_le64(p + 16, q->st.last_write);
	dfs_put_le64(p + 24, q->st.change);
	dfs_put_le64(p + 32, q->st.alloc);
	dfs_put_le64(p + 40, q->st.size);
	dfs_put_le32(p + 48, q->st.attrs);
	dfs_put_le32(p + 52, 0);
	return 56;
}

/* Rights a class needs (MS-FSA 2.1.5.12): most want FILE_READ_ATTRIBUTES */
static bool needs_read_attributes(u8 cls)
{
	switch (cls) {
	case FileBasicInformation:
	case FileAllInformation:
	case FileNetworkOpenInformation:
	case FileAttributeTagInformation:
		return true;
	default:
		return false;
	}
}

static long query_file_class(struct qi *q, u8 cls, u32 *status)
{
	u8 *p = q->buf;

	memset(p, 0, 128);
	switch (cls) {
	case FileBasicInformation:
		put_basic(p, &q->st);
		return 40;
	case FileStandardInformation:
		put_standard(p, q->o, &q->st);
		return 24;
	case FileInternalInformation:
		dfs_put_le64(p, q->st.ino);
		return 8;
	case FileEaInformation:
		dfs_put_le32(p, ea_size(q->o->fd));
		return 4;
	case FileAccessInformation:
		dfs_put_le32(p, q->o->access);
		return 4;
	case FilePositionInformation:
		dfs_put_le64(p, q->o->position);
		return 8;
	case FileModeInformation:
		dfs_put_le32(p, mode_info(q->o));
		return 4;
	case FileAlignmentInformation:
		return 4;
	case FileAllInformation:
		return q_all(q);
	case FileNormalizedNameInformation:
		if (q->r->conn->dialect < SMB2_DIALECT_311) {
			*status = STATUS_NOT_SUPPORTED;
			return -1;
		}
		return q_name(q, true);
	case FileNameInformation:
		return q_name(q, false);
	case FileNetworkOpenInformation:
		return q_network_open(q);
	case FileAttributeTagInformation:
		dfs_put_le32(p, q->st.attrs);
		return 8;
	case FileStreamInformation:
		return q_stream(q);
	case FileCompressionInformation:
		dfs_put_le64(p, q->st.size);
		return 16;
	case FileIdInformation:
		dfs_put_le64(p, q->st.dev);
		dfs_put_le64(p + 8, q->st.ino);
		return 24;
	case FileAlternateNameInformation:
		return q_alt_name(q, status);
	default:
		*status = STATUS_INVALID_INFO_CLASS;
		return -1;
	}
}

/*
 * FileFullEaInformation (MS-FSA 2.1.5.12.12): whole entries only, so the
 * list is cut to OutputBufferLength by ea.c itself; the position of an
 * enumeration is kept in the open.
 */
static u32 query_full_ea(struct qi *q, long *len)
{
	u32 n = 0, st;

	if (!(q->o->access & FILE_READ_EA))
		return STATUS_ACCESS_DENIED;
	q->variable = true;
	q->fixed = 0;
	st = ea_query(q->o->fd, q->in, q->in_len, q->flags, q->info,
		      &q->o->ea_index, q->buf, q->out_len, &n);
	if (st == STATUS_SUCCESS || st == STATUS_BUFFER_OVERFLOW)
		*len = n;
	return st;
}

static u32 query_file(struct qi *q, u8 cls, long *len)
{
	u32 status = STATUS_SUCCESS;

	if (needs_read_attributes(cls) && !(q->o->access & FILE_READ_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	if (cls == FileFullEaInformation)
		return query_full_ea(q, len);
	*len = query_file_class(q, cls, &status);
	if (*len < 0 && status == STATUS_SUCCESS)
		status = STATUS_BUFFER_OVERFLOW;
	return status;
}

/* --- file system information ------------------------------------------- */

struct fs_units {
	u64 total, avail, free_units;
	u32 sectors_per_unit;
	u32 bytes_per_sector;
};

static int fs_units(int fd, struct fs_units *u)
{
	struct statvfs sv;
	u64 frsize;

	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	u->bytes_per_sector = 512;
	u->sectors_per_unit = frsize >= 512 ? (u32)(frsize / 512) : 1;
	u->total = sv.f_blocks * frsize / ((u64)u->sectors_per_unit * 512);
	u->avail = sv.f_bavail * frsize / ((u64)u->sectors_per_unit * 512);
	u->free_units = sv.f_bfree * frsize / ((u64)u->sectors_per_unit * 512);
	return 0;
}

static long q_fs_volume(struct qi *q)
{
	const char *label = q->r->tree->share ? q->r->tree->share->name : "IPC$";
	struct vfs_stat root = { 0 };
	u8 *p = q->buf;
	long n;

	q->variable = true;
	q->fixed = 24;
	memset(p, 0, 18);
	if (vfs_fstat(q->r->tree->root_fd, &root) == 0)
		dfs_put_le64(p, root.creation);
	/* a stable serial: the device and inode of the share root */
	dfs_put_le32(p + 8, (u32)(root.dev ^ (root.dev >> 32) ^ root.ino));
	n = vfs_utf8_to_utf16(label, strlen(label), p + 18, q->cap - 18);
	if (n < 0)
		n = 0;
	dfs_put_le32(p + 12, (u32)n);
	return 18 + n;
}

static long q_fs_attribute(struct qi *q)
{
	static const char fsname[] = "NTFS";
	u8 *p = q->buf;
	long n;

	q->variable = true;
	q->fixed = 16;
	dfs_put_le32(p, FILE_CASE_SENSITIVE_SEARCH | FILE_CASE_PRESERVED_NAMES |
		     FILE_UNICODE_ON_DISK | FILE_SUPPORTS_SPARSE_FILES);
	dfs_put_le32(p + 4, VFS_NAME_MAX);
	n = vfs_utf8_to_utf16(fsname, sizeof(fsname) - 1, p + 12, q->cap - 12);
	dfs_put_le32(p + 8, (u32)n);
	return 12 + n;
}

static long q_fs_size(struct qi *q, u8 cls, u32 *status)
{
	struct fs_units u = { 0 };
	u8 *p = q->buf;
	int ret = fs_units(q->o->fd, &u);

	if (ret < 0) {
		*status = vfs_errno_status(-ret);
		return -1;
	}
	dfs_put_le64(p, u.total);
	dfs_put_le64(p + 8, u.avail);
	if (cls == FileFsSizeInformation) {
		dfs_put_le32(p + 16, u.sectors_per_unit);
		dfs_put_le32(p + 20, u.bytes_per_sector);
		return 24;
	}
	dfs_put_le64(p + 16, u.free_units);
	dfs_put_le32(p + 24, u.sectors_per_unit);
	dfs_put_le32(p + 28, u.bytes_per_sector);
	return 32;
}

static long q_fs_sector_size(struct qi *q)
{
	u8 *p = q->buf;

	dfs_put_le32(p, 512);		/* LogicalBytesPerSector */
	dfs_put_le32(p + 4, 512);	/* PhysicalBytesPerSectorForAtomicity */
	dfs_put_le32(p + 8, 512);	/* ...ForPerformance */
	dfs_put_le32(p + 12, 512);	/* FileSystemEffective... */
	dfs_put_le32(p + 16, 0x3);	/* aligned device, partition aligned */
	dfs_put_le32(p + 20, 0);
	dfs_put_le32(p + 24, 0);
	return 28;
}

static u32 query_fs(struct qi *q, u8 cls, long *len)
{
	u32 status = STATUS_SUCCESS;
	u8 *p = q->buf;

	memset(p, 0, 64);
	switch (cls) {
	case FileFsVolumeInformation:
		*len = q_fs_volume(q);
		break;
	case FileFsSizeInformation:
	case FileFsFullSizeInformation:
		*len = q_fs_size(q, cls, &status);
		break;
	case FileFsDeviceInformation:
		dfs_put_le32(p, FILE_DEVICE_DISK);
		dfs_put_le32(p + 4, FILE_DEVICE_IS_MOUNTED);
		*len = 8;
		break;
	case FileFsAttributeInformation:
		*len = q_fs_attribute(q);
		break;
	case FileFsSectorSizeInformation:
		*len = q_fs_sector_size(q);
		break;
	case FileFsControlInformation:
		/* no quotas: no filtering thresholds, no default limits */
		memset(p, 0, 48);
		dfs_put_le64(p + 24, ~0ull);	/* DefaultQuotaThreshold */
		dfs_put_le64(p + 32, ~0ull);	/* DefaultQuotaLimit */
		*len = 48;
		break;
	case FileFsObjectIdInformation:
		dfs_put_le64(p, q->st.dev);
		*len = 64;
		break;
	default:
		*len = -1;
		status = STATUS_INVALID_INFO_CLASS;
	}
	return status;
}

/* --- security: stored or mapped from the mode (secdesc_store.c) --- */

/*
 * A security descriptor that does not fit is STATUS_BUFFER_TOO_SMALL with
 * the size needed as the error data (MS-SMB2 3.3.5.20.3).
 */
static u32 too_small(struct dfs_req *r, u32 need)
{
	u8 *p = r->rsp_body;

	dfs_put_le16(p, 9);
	p[2] = 0;
	p[3] = 0;
	dfs_put_le32(p + 4, 4);
	dfs_put_le32(p + 8, need);
	r->rsp_len = 12;
	return STATUS_BUFFER_TOO_SMALL;
}

static u32 query_security(struct qi *q, u32 info, u32 out_len, long *len)
{
	u32 n = 0, st;

	if (info & SD_SACL_INFO)
		return STATUS_PRIVILEGE_NOT_HELD;
	/* asking for no part needs no right: an empty descriptor */
	if ((info & (SD_OWNER_INFO | SD_GROUP_INFO | SD_DACL_INFO)) &&
	    !(q->o->access & READ_CONTROL))
		return STATUS_ACCESS_DENIED;
	st = secdesc_query(q->o->fd, &q->st, info, q->buf, q->cap, &n);
	if (st)
		return st;
	if (n > out_len || n > q->cap)
		return too_small(q->r, n);
	*len = n;
	return STATUS_SUCCESS;
}

/* --- QUERY_INFO ---------------------------------------------------------- */

static u32 finish_query(struct qi *q, long len, u32 out_len)
{
	struct dfs_req *r = q->r;
	u8 *p = r->rsp_body;
	u32 status = STATUS_SUCCESS;

	if ((u64)len > out_len) {
		if (!q->variable || out_len < q->fixed)
			return STATUS_INFO_LENGTH_MISMATCH;
		len = out_len;
		status = STATUS_BUFFER_OVERFLOW;
	}
	dfs_put_le16(p, QIR_STRUCT_SIZE);
	dfs_put_le16(p + 2, SMB2_HDR_SIZE + QIR_DATA);
	dfs_put_le32(p + 4, (u32)len);
	r->rsp_len = QIR_DATA + (u32)(len ? len : 1);
	if (!len)
		p[QIR_DATA] = 0;
	return status;
}

static u32 query_locked(struct qi *q, u8 type, u8 cls, u32 info, u32 out_len)
{
	long len = -1;
	u32 status, st;

	if (dfs_open_fstat(q->o, &q->st) < 0)
		return vfs_errno_status(errno);
	q->st.attrs = vfs_attrs_for(&q->st, vfs_basename(q->o->path));
	switch (type) {
	case SMB2_0_INFO_FILE:
		status = query_file(q, cls, &len);
		break;
	case SMB2_0_INFO_FILESYSTEM:
		status = query_fs(q, cls, &len);
		break;
	case SMB2_0_INFO_SECURITY:
		status = query_security(q, info, out_len, &len);
		break;
	case SMB2_0_INFO_QUOTA:
		return STATUS_NOT_SUPPORTED;
	default:
		return STATUS_INVALID_PARAMETER;
	}
	/* an EA list cut short carries its BUFFER_OVERFLOW with its data */
	if ((status && status != STATUS_BUFFER_OVERFLOW) || len < 0)
		return status ? status : STATUS_INTERNAL_ERROR;
	st = finish_query(q, len, out_len);
	return st ? st : status;
}

u32 smb2_query_info(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct qi q = { .r = r };
	u32 out_len, in_off, in_len, st;

	if (r->body_len < QI_FIXED || dfs_get_le16(b) != QI_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	out_len = dfs_get_le32(b + 4);
	in_off = dfs_get_le16(b + 8);
	in_len = dfs_get_le32(b + 12);
	if (in_len && (in_off < SMB2_HDR_SIZE ||
		       !dfs_range_ok(in_off - SMB2_HDR_SIZE, in_len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	q.o = dfs_open_lookup(r, b + 24);
	if (!q.o)
		return STATUS_FILE_CLOSED;
	if (q.o->pipe)
		return dfs_pipe_query_info(r, q.o, b[2], b[3], out_len);
	if (r->rsp_cap < QIR_DATA + 64 * 1024)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (out_len > r->rsp_cap - QIR_DATA)
		out_len = r->rsp_cap - QIR_DATA;
	q.buf = r->rsp_body + QIR_DATA;
	q.cap = r->rsp_cap - QIR_DATA;
	q.in = in_len ? b + in_off - SMB2_HDR_SIZE : NULL;
	q.in_len = in_len;
	q.info = dfs_get_le32(b + 16);
	q.flags = dfs_get_le32(b + 20);
	q.out_len = out_len;
	vfs_become(r->sess);
	st = query_locked(&q, b[2], b[3], dfs_get_le32(b + 16), out_len);
	vfs_unbecome();
	return st;
}

/* --- SET_INFO ------------------------------------------------------------ */

struct si {
	struct dfs_req *r;
	struct dfs_open *o;
	const u8 *in;
	u32 len;
};

/* FILETIME from the wire to a timespec for utimensat; false if invalid */
static bool set_time(u64 ft, struct timespec *ts)
{
	const u64 epoch = 116444736000000000ull;	/* 1970 in FILETIME */

	/* 0 keeps the time; -1 and -2 toggle automatic updates: keep too */
	if (ft == 0 || ft == ~0ull || ft == ~0ull - 1) {
		ts->tv_sec = 0;
		ts->tv_nsec = UTIME_OMIT;
		return true;
	}
	if ((s64)ft < 0)
		return false;
	if (ft >= epoch) {
		ts->tv_sec = (time_t)((ft - epoch) / 10000000ull);
		ts->tv_nsec = (long)((ft - epoch) % 10000000ull) * 100;
	} else {
		u64 d = epoch - ft;

		ts->tv_sec = -(time_t)((d + 9999999ull) / 10000000ull);
		ts->tv_nsec = (long)((10000000ull - d % 10000000ull) % 10000000ull) * 100;
	}
	return true;
}

/* A FILETIME to store, or 0 for "leave it" (0, -1, -2 or invalid) */
static u64 stored_time(u64 ft)
{
	return (s64)ft > 0 ? ft : 0;
}

static u32 check_attributes(const struct si *s, u32 attrs)
{
	if (attrs & ~0x7FB7u)
		return STATUS_INVALID_PARAMETER;
	if ((attrs & FILE_ATTRIBUTE_DIRECTORY) && !s->o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if ((attrs & FILE_ATTRIBUTE_TEMPORARY) && s->o->is_dir)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* READONLY is the owner write bit; the other attributes live in an xattr */
static u32 set_readonly(struct si *s, u32 attrs)
{
	struct vfs_stat st;
	mode_t mode;

	if (s->o->is_dir || vfs_fstat(s->o->fd, &st) < 0)
		return STATUS_SUCCESS;	/* READONLY means nothing on a directory */
	mode = st.mode & 07777;
	if (attrs & FILE_ATTRIBUTE_READONLY)
		mode &= (mode_t)~(S_IWUSR | S_IWGRP | S_IWOTH);
	else if (!(mode & S_IWUSR))
		mode |= S_IWUSR;
	if (mode == (st.mode & 07777))
		return STATUS_SUCCESS;
	/* an attribute, not a permission change: the ACL stays as it was */
	secdesc_mode_changing(s->o->fd, &st, mode);
	if (vfs_fd_chmod(s->o->fd, mode) < 0)
		return vfs_errno_status(errno);
	return STATUS_SUCCESS;
}

static u32 set_basic(struct si *s)
{
	struct timespec ts[2], unused;
	u64 creation, change;
	u32 attrs, st;
	int ret;

	if (s->len < 40)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!(s->o->access & FILE_WRITE_ATTRIBUTES))
		return STATUS_ACCESS_DENIED;
	if (!set_time(dfs_get_le64(s->in), &unused) ||
	    !set_time(dfs_get_le64(s->in + 24), &unused) ||
	    !set_time(dfs_get_le64(s->in + 8), &ts[0]) ||
	    !set_time(dfs_get_le64(s->in + 16), &ts[1]))
		return STATUS_INVALID_PARAMETER;
	attrs = dfs_get_le32(s->in + 32);
	st = check_attributes(s, attrs);
	if (st)
		return st;
	/* any SET_INFO Basic applies a pending write-time update first */
	dfs_wtime_flush(s->o);
	if (ts[0].tv_nsec != UTIME_OMIT || ts[1].tv_nsec != UTIME_OMIT) {
		ret = vfs_fd_utimens(s->o->fd, ts);
		if (ret < 0)
			return vfs_errno_status(-ret);
	}
	if (dfs_get_le64(s->in + 16)) {
		dfs_wtime_set(s->r->srv, s->o, dfs_get_le64(s->in + 16));
		/* a frozen write time stops the module's WRITEs on it */
		dfs_kernel_file_changed(s->r->srv, s->o);
	}
	if (attrs) {
		st = set_readonly(s, attrs);
		if (st)
			return st;
	}
	/* CreationTime and ChangeTime cannot be set on Linux: kept aside */
	creation = stored_time(dfs_get_le64(s->in));
	change = stored_time(dfs_get_le64(s->in + 24));
	if (attrs) {
		/* only FSCTL_SET_SPARSE sets or clears SPARSE_FILE */
		struct vfs_stat cur;

		attrs &= ~FILE_ATTRIBUTE_SPARSE_FILE;
		if (vfs_fstat(s->o->fd, &cur) == 0)
			attrs |= cur.attrs & FILE_ATTRIBUTE_SPARSE_FILE;
	}
	if (attrs || creation || change) {
		ret = vfs_set_dos(s->o->fd, attrs ? attrs : VFS_DOS_KEEP,
				  creation, change);
		if (ret < 0)
			log_verbose("cannot keep DOS attributes of '%s': %s",
				    s->o->path, strerror(-ret));
	}
	return STATUS_SUCCESS;
}

static u32 set_eof(struct si *s, bool alloc)
{
	struct vfs_stat st;
	struct timespec mtime;
	bool saved;
	u64 v;

	if (s->len < 8)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!(s->o->access & FILE_WRITE_DATA))
		return STATUS_ACCESS_DENIED;
	if (s->o->is_dir)
		return STATUS_INVALID_PARAMETER;
	v = dfs_get_le64(s->in);
	if ((s64)v < 0)
		return STATUS_INVALID_PARAMETER;
	if (s->o->stream)
		return dfs_stream_set_size(s->r->srv, s->o, v, alloc);
	if (alloc) {
		/* growing reserves space (best effort); shrinking cuts the file */
		if (vfs_fstat(s->o->fd, &st) < 0)
			return vfs_errno_status(errno);
		if (v >= st.size) {
			if (v > st.alloc)
				fallocate(s->o->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)v);
			dfs_oplock_written(s->r->srv, s->o);
			return STATUS_SUCCESS;
		}
	}
	saved = dfs_wtime_save(s->o, &mtime);
	if (ftruncate(s->o->fd, (off_t)v) < 0)
		return vfs_errno_status(errno);
	dfs_wtime_truncated(s->o, saved ? &mtime : NULL);
	dfs_oplock_written(s->r->srv, s->o);
	return STATUS_SUCCESS;
}

static bool dir_is_empty(int fd)
{
	struct dirent *de;
	bool empty = true;
	DIR *d;
	int dfd;

	dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return true;	/* cannot tell: let the rmdir decide */
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return true;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

static u32 set_delete(struct si *s, bool del, bool ignore_ro)
{
	struct vfs_stat st;

	if (!(s->o->access & DELETE))
		return STATUS_ACCESS_DENIED;
	if (!del) {
		/* FILE_DELETE_ON_CLOSE from CREATE cannot be taken back */
		if (!(s->o->create_options & FILE_DELETE_ON_CLOSE))
			s->o->delete_on_close = false;
		return STATUS_SUCCESS;
	}
	if (!s->o->path[0])
		return STATUS_ACCESS_DENIED;	/* the share root */
	if (vfs_fstat(s->o->fd, &st) < 0)
		return vfs_errno_status(errno);
	if (!ignore_ro && !st.is_dir && !(st.mode & S_IWUSR))
		return STATUS_CANNOT_DELETE;
	if (st.is_dir && !dir_is_empty(s->o->fd))
		return STATUS_DIRECTORY_NOT_EMPTY;
	s->o->delete_on_close = true;
	/* from now on it is pending, not merely "on close of this handle" */
	s->o->create_options &= ~FILE_DELETE_ON_CLOSE;
	return STATUS_SUCCESS;
}

static u32 set_disposition(struct si *s, bool ex)
{
	u32 flags;

	if (s->len < (ex ? 4u : 1u))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!ex)
		return set_delete(s, s->in[0] != 0, false);
	flags = dfs_get_le32(s->in);
	/* DELETE 0x1, IGNORE_READONLY_ATTRIBUTE 0x10 */
	return set_delete(s, flags & 0x1, flags & 0x10);
}

static u32 rename_status(int err)
{
	if (err == EXDEV)
		return STATUS_NOT_SAME_DEVICE;
	if (err == ENOTDIR)
		return STATUS_OBJECT_PATH_NOT_FOUND;
	return vfs_errno_status(err);
}

static u32 do_rename(struct si *s, char *to, bool replace)
{
	int root = s->r->tree->root_fd, dfd, ret;
	const char *leaf;
	struct stat tst;
	char *from;
	u32 st;

	if (!strcmp(to, s->o->path))
		return STATUS_SUCCESS;
	st = dfs_open_rename_check(s->r->srv, s->o);
	if (st)
		return st;
	/* the directories on the way may be spelt in another case */
	vfs_fix_case(root, to, VFS_PATH_MAX);
	dfd = vfs_open_parent(root, to, &leaf);
	/* EXDEV: a symlink on the way leads out of the share, as CREATE says */
	if (dfd < 0)
		return dfd == -EXDEV ? STATUS_ACCESS_DENIED :
		       STATUS_OBJECT_PATH_NOT_FOUND;
	ret = fstatat(dfd, leaf, &tst, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	if (ret == 0 && !replace)
		return STATUS_OBJECT_NAME_COLLISION;
	/* Windows never replaces a directory by rename */
	if (ret == 0 && S_ISDIR(tst.st_mode))
		return STATUS_ACCESS_DENIED;
	/* other clients' cached handles would name a moved file: they go first */
	if (dfs_lease_rename_break(s->r->srv, s->o)) {
		st = dfs_oplock_rename_wait(s->r, s->o);
		if (st)
			return st;
	}
	ret = vfs_rename(root, s->o->path, to, replace);
	if (ret < 0)
		return rename_status(-ret);
	from = strdup(s->o->path);
	if (!from)
		return STATUS_NO_MEMORY;
	dfs_open_renamed(s->r->srv, s->r->tree->share, from, to);
	free(from);
	return STATUS_SUCCESS;
}

static u32 set_rename(struct si *s)
{
	char to[VFS_PATH_MAX];
	u32 nlen, st;

	if (s->len < 20)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!(s->o->access & DELETE))
		return STATUS_ACCESS_DENIED;
	if (dfs_get_le64(s->in + 8) != 0)	/* RootDirectory */
		return STATUS_INVALID_PARAMETER;
	nlen = dfs_get_le32(s->in + 16);
	if (!dfs_range_ok(20, nlen, s->len) || nlen == 0)
		return STATUS_INVALID_PARAMETER;
	if (dfs_stream_is_rename(s->o, s->in + 20, nlen))
		return dfs_stream_rename(s->r, s->o, s->in + 20, nlen,
					 s->in[0] != 0);
	st = vfs_path_from_utf16(s->in + 20, nlen, to, sizeof(to));
	if (st)
		return st;
	if (!to[0] || !s->o->path[0])
		return STATUS_ACCESS_DENIED;
	if (s->o->delete_on_close && !(s->o->create_options & FILE_DELETE_ON_CLOSE))
		return STATUS_DELETE_PENDING;
	return do_rename(s, to, s->in[0] != 0);
}

static u32 set_mode(struct si *s)
{
	u32 m;

	if (s->len < 4)
		return STATUS_INFO_LENGTH_MISMATCH;
	m = dfs_get_le32(s->in);
	if (m & ~FILE_MODE_MASK)
		return STATUS_INVALID_PARAMETER;
	/* synchronous-I/O modes are fixed at open time */
	if ((m ^ s->o->create_options) &
	    (FILE_SYNCHRONOUS_IO_ALERT | FILE_SYNCHRONOUS_IO_NONALERT))
		return STATUS_INVALID_PARAMETER;
	s->o->create_options &= ~(FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |
				  FILE_NO_INTERMEDIATE_BUFFERING);
	s->o->create_options |= m & (FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |
				     FILE_NO_INTERMEDIATE_BUFFERING);
	return STATUS_SUCCESS;
}

static u32 set_file(struct si *s, u8 cls)
{
	switch (cls) {
	case FileBasicInformation:
		return set_basic(s);
	case FileEndOfFileInformation:
		return set_eof(s, false);
	case FileAllocationInformation:
		return set_eof(s, true);
	case FileDispositionInformation:
		return set_disposition(s, false);
	case FileDispositionInformationEx:
		return set_disposition(s, true);
	case FileRenameInformation:
		return set_rename(s);
	case FilePositionInformation:
		if (s->len < 8)
			return STATUS_INFO_LENGTH_MISMATCH;
		s->o->position = dfs_get_le64(s->in);
		return STATUS_SUCCESS;
	case FileModeInformation:
		return set_mode(s);
	case FileFullEaInformation:
		if (!(s->o->access & FILE_WRITE_EA))
			return STATUS_ACCESS_DENIED;
		return ea_set_list(s->o->fd, s->in, s->len);
	case FileLinkInformation:
	case FileValidDataLengthInformation:
	case FileShortNameInformation:
		return STATUS_NOT_SUPPORTED;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
}

/*
 * Owner and group go to chown, the DACL to the mode, and the descriptor
 * itself is stored (secdesc_store.c, Documentation/acl-mapping.md).
 */
static u32 set_security(struct si *s, u32 info)
{
	u32 need = 0;

	if (info & (SD_OWNER_INFO | SD_GROUP_INFO))
		need |= WRITE_OWNER;
	if (info & SD_DACL_INFO)
		need |= WRITE_DAC;
	if (info & SD_SACL_INFO)
		return STATUS_PRIVILEGE_NOT_HELD;
	if ((s->o->access & need) != need)
		return STATUS_ACCESS_DENIED;
	if (!need)
		return STATUS_SUCCESS;
	return secdesc_set(s->o->fd, info, s->in, s->len);
}

u32 smb2_set_info(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct si s = { .r = r };
	u32 boff, st;

	if (r->body_len < SI_FIXED || dfs_get_le16(b) != SI_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	s.len = dfs_get_le32(b + 4);
	boff = dfs_get_le16(b + 8);
	if (s.len && (boff < SMB2_HDR_SIZE ||
		      !dfs_range_ok(boff - SMB2_HDR_SIZE, s.len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	s.in = b + (s.len ? boff - SMB2_HDR_SIZE : 0);
	s.o = dfs_open_lookup(r, b + 16);
	if (!s.o)
		return STATUS_FILE_CLOSED;
	if (r->channel_stale)
		return STATUS_FILE_NOT_AVAILABLE;
	/* a read-only tree granted no write rights: the checks below refuse */
	vfs_become(r->sess);
	switch (b[2]) {
	case SMB2_0_INFO_FILE:
		st = set_file(&s, b[3]);
		break;
	case SMB2_0_INFO_SECURITY:
		st = set_security(&s, dfs_get_le32(b + 12));
		break;
	case SMB2_0_INFO_FILESYSTEM:
	case SMB2_0_INFO_QUOTA:
		st = STATUS_NOT_SUPPORTED;
		break;
	default:
		st = STATUS_INVALID_PARAMETER;
	}
	vfs_unbecome();
	if (st == STATUS_SUCCESS) {
		dfs_put_le16(r->rsp_body, 2);
		r->rsp_len = 2;
	}
	return st;
}

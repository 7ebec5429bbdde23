// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_dir.c - SMB2 QUERY_DIRECTORY (MS-SMB2 2.2.33/2.2.34, 3.3.5.18;
 * entry formats MS-FSCC 2.4; enumeration rules MS-FSA 2.1.5.6.3).
 *
 * The open keeps a readdir stream on its own open file description, so
 * each call continues where the last stopped: an entry that did not fit
 * is kept aside for the next call, and nothing is ever rescanned.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userd/ea.h"
#include "userd/log.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"

#define QD_STRUCT_SIZE	33
#define QD_FIXED	32
#define QDR_STRUCT_SIZE	9
#define QDR_DATA	8

#define PATTERN_MAX	(VFS_NAME_MAX * 4 + 1)

enum dir_phase { PH_DOT, PH_DOTDOT, PH_READDIR, PH_EXACT, PH_END };

struct dir_state {
	DIR *d;
	enum dir_phase phase;
	bool returned_any;	/* since the last (re)start */
	bool have_pending;	/* pending[] did not fit last time */
	char pending[NAME_MAX + 1];
	char pattern[PATTERN_MAX];
	char exact[NAME_MAX + 1];	/* PH_EXACT: the entry, as spelled on disk */
};

void smb2_dir_free(void *dir)
{
	struct dir_state *ds = dir;

	if (!ds)
		return;
	if (ds->d)
		closedir(ds->d);
	free(ds);
}

u32 smb2_dir_fixed_size(u8 cls)
{
	switch (cls) {
	case FileDirectoryInformation:
		return 64;
	case FileFullDirectoryInformation:
		return 68;
	case FileBothDirectoryInformation:
		return 94;
	case FileIdBothDirectoryInformation:
		return 104;
	case FileIdFullDirectoryInformation:
		return 80;
	case FileNamesInformation:
		return 12;
	default:
		return 0;
	}
}

/* Times, sizes and attributes shared by all classes but Names */
static void pack_common(u8 *e, const struct vfs_stat *st)
{
	dfs_put_le64(e + 8, st->creation);
	dfs_put_le64(e + 16, st->last_access);
	dfs_put_le64(e + 24, st->last_write);
	dfs_put_le64(e + 32, st->change);
	dfs_put_le64(e + 40, st->size);
	dfs_put_le64(e + 48, st->alloc);
	dfs_put_le32(e + 56, st->attrs);
}

/* ShortNameLength (1 byte) and ShortName (24) at 68: only mangled names */
static void pack_short_name(u8 *buf, const char *name)
{
	char sn[13];
	long n;

	if (!strcmp(name, ".") || !strcmp(name, "..") || !vfs_short_name(name, sn))
		return;
	n = vfs_utf8_to_utf16(sn, strlen(sn), buf + 70, 24);
	if (n > 0)
		buf[68] = (u8)n;
}

long smb2_dir_pack(u8 *buf, u32 cap, u8 cls, const char *name,
		   const struct vfs_stat *st)
{
	u32 fixed = smb2_dir_fixed_size(cls);
	long nlen;

	nlen = vfs_utf8_to_utf16(name, strlen(name), NULL, (size_t)-1);
	if (nlen < 0 || !fixed)
		return -1;
	if (!dfs_range_ok(fixed, (u64)nlen, cap))
		return 0;
	memset(buf, 0, fixed);
	vfs_utf8_to_utf16(name, strlen(name), buf + fixed, (size_t)nlen);
	if (cls == FileNamesInformation) {
		dfs_put_le32(buf + 8, (u32)nlen);
		return fixed + nlen;
	}
	pack_common(buf, st);
	dfs_put_le32(buf + 60, (u32)nlen);	/* FileNameLength */
	if (cls != FileDirectoryInformation)
		dfs_put_le32(buf + 64, st->ea_size);	/* EaSize */
	if (cls == FileBothDirectoryInformation ||
	    cls == FileIdBothDirectoryInformation)
		pack_short_name(buf, name);
	if (cls == FileIdBothDirectoryInformation)
		dfs_put_le64(buf + 96, st->ino);
	else if (cls == FileIdFullDirectoryInformation)
		dfs_put_le64(buf + 72, st->ino);
	return fixed + nlen;
}

/* Stat one entry for the listing; false to leave it out. */
static bool entry_stat(struct dfs_open *o, struct dir_state *ds,
		       const char *name, struct vfs_stat *st)
{
	char path[VFS_PATH_MAX];
	int fd, n;

	if (!strcmp(name, ".") || (!strcmp(name, "..") && !o->path[0]))
		return vfs_fstat(o->fd, st) == 0;	/* never look above the root */
	if (vfs_statx(dirfd(ds->d), name, st) < 0)
		return false;
	if (S_ISLNK(st->mode)) {
		/* show a symlink as what it leads to, if that stays inside */
		n = snprintf(path, sizeof(path), "%s%s%s", o->path,
			     o->path[0] ? "/" : "", name);
		if (n < 0 || (size_t)n >= sizeof(path))
			return false;
		fd = vfs_open(o->tree->root_fd, path, O_PATH, 0);
		if (fd < 0)
			return false;
		n = vfs_fstat(fd, st);
		if (n == 0)
			st->ea_size = ea_size(fd);
		close(fd);
		if (n < 0)
			return false;
	} else if (strcmp(name, "..")) {
		st->ea_size = ea_size_at(dirfd(ds->d), name);
	}
	st->attrs = vfs_attrs_for(st, name);
	return true;
}

/*
 * A pattern without wildcards names at most one entry: look it up (in
 * any case) rather than read a directory of perhaps 100k entries for it,
 * as smbd does. "." and ".." are still found by the walk.
 */
static bool names_one(const char *pattern)
{
	return !strpbrk(pattern, "*?<>\"") && strcmp(pattern, ".") &&
	       strcmp(pattern, "..") && strlen(pattern) <= NAME_MAX;
}

static const char *exact_entry(struct dir_state *ds)
{
	struct stat st;
	int dfd = dirfd(ds->d);

	/* names_one() checked that it fits */
	memcpy(ds->exact, ds->pattern, strlen(ds->pattern) + 1);
	if (fstatat(dfd, ds->exact, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return ds->exact;
	if (errno == ENOENT && vfs_case_find(dfd, ds->exact, sizeof(ds->exact)))
		return ds->exact;
	return NULL;
}

/* The next name of the enumeration, or NULL at the end. */
static const char *next_name(struct dir_state *ds)
{
	struct dirent *de;

	if (ds->have_pending) {
		ds->have_pending = false;
		return ds->pending;
	}
	switch (ds->phase) {
	case PH_DOT:
		ds->phase = PH_DOTDOT;
		return ".";
	case PH_DOTDOT:
		ds->phase = PH_READDIR;
		return "..";
	case PH_EXACT:
		ds->phase = PH_END;
		return exact_entry(ds);
	case PH_READDIR:
		while ((de = readdir(ds->d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				return de->d_name;
		}
		ds->phase = PH_END;
		return NULL;
	default:
		return NULL;
	}
}

static void push_back(struct dir_state *ds, const char *name)
{
	if (name != ds->pending)
		snprintf(ds->pending, sizeof(ds->pending), "%s", name);
	ds->have_pending = true;
}

static u32 dir_start(struct dfs_open *o, struct dir_state **out)
{
	struct dir_state *ds = o->dir;
	int fd;

	if (ds) {
		rewinddir(ds->d);
	} else {
		ds = calloc(1, sizeof(*ds));
		if (!ds)
			return STATUS_NO_MEMORY;
		/* a new open file description: its own offset, readable */
		fd = openat(o->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(ds->d = fdopendir(fd))) {
			u32 st = vfs_errno_status(errno);

			if (fd >= 0)
				close(fd);
			free(ds);
			return st;
		}
		o->dir = ds;
	}
	ds->phase = PH_DOT;
	ds->returned_any = false;
	ds->have_pending = false;
	*out = ds;
	return STATUS_SUCCESS;
}

struct qd_args {
	u8 cls;
	u8 flags;
	u32 out_len;
	const u8 *pat;
	u32 pat_len;
};

/* Fill the output buffer; returns bytes used and sets *status. */
static u32 fill_entries(struct dfs_open *o, struct dir_state *ds,
			const struct qd_args *q, u8 *out, u32 *status)
{
	u32 used = 0, prev = 0, at;
	bool any = false;
	struct vfs_stat st;
	const char *name;
	long n;

	while ((name = next_name(ds))) {
		if (!vfs_wildcard_match(ds->pattern, name) ||
		    !entry_stat(o, ds, name, &st))
			continue;
		at = DFS_ALIGN8(used);
		if (at > q->out_len)
			n = 0;
		else
			n = smb2_dir_pack(out + at, q->out_len - at, q->cls, name, &st);
		if (n < 0)
			continue;	/* not representable in UTF-16 */
		if (n == 0) {
			push_back(ds, name);
			break;
		}
		if (any)
			dfs_put_le32(out + prev, at - prev);
		prev = at;
		used = at + (u32)n;
		any = true;
		if (q->flags & SMB2_RETURN_SINGLE_ENTRY)
			break;
	}
	if (any) {
		ds->returned_any = true;
		*status = STATUS_SUCCESS;
	} else if (ds->have_pending) {
		*status = STATUS_BUFFER_OVERFLOW;	/* not even one fits */
	} else {
		*status = ds->returned_any ? STATUS_NO_MORE_FILES :
					     STATUS_NO_SUCH_FILE;
		ds->returned_any = true;	/* the next call says NO_MORE_FILES */
	}
	return used;
}

static u32 set_pattern(struct dir_state *ds, const struct qd_args *q)
{
	if (q->pat_len == 0) {
		strcpy(ds->pattern, "*");
		return STATUS_SUCCESS;
	}
	if (vfs_utf16_to_utf8(q->pat, q->pat_len, ds->pattern,
			      sizeof(ds->pattern)) < 0)
		return STATUS_OBJECT_NAME_INVALID;
	if (strchr(ds->pattern, '/') || strchr(ds->pattern, '\\'))
		return STATUS_OBJECT_NAME_INVALID;
	return STATUS_SUCCESS;
}

static u32 query_dir_locked(struct dfs_req *r, struct dfs_open *o,
			    const struct qd_args *q)
{
	struct dir_state *ds = o->dir;
	u8 *p = r->rsp_body;
	u32 st, used;

	if (!ds || (q->flags & (SMB2_RESTART_SCANS | SMB2_REOPEN))) {
		st = dir_start(o, &ds);
		if (st)
			return st;
		st = set_pattern(ds, q);
		if (st)
			return st;
		if (names_one(ds->pattern))
			ds->phase = PH_EXACT;
	}
	used = fill_entries(o, ds, q, p + QDR_DATA, &st);
	if (!used)
		return st;
	dfs_put_le16(p, QDR_STRUCT_SIZE);
	dfs_put_le16(p + 2, SMB2_HDR_SIZE + QDR_DATA);
	dfs_put_le32(p + 4, used);
	r->rsp_len = QDR_DATA + used;
	return st;
}

u32 smb2_query_directory(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	struct qd_args q;
	u32 noff, st;

	if (r->body_len < QD_FIXED || dfs_get_le16(b) != QD_STRUCT_SIZE)
		return STATUS_INVALID_PARAMETER;
	q.cls = b[2];
	q.flags = b[3];
	noff = dfs_get_le16(b + 24);
	q.pat_len = dfs_get_le16(b + 26);
	q.out_len = dfs_get_le32(b + 28);
	if (q.pat_len && (noff < SMB2_HDR_SIZE ||
			  !dfs_range_ok(noff - SMB2_HDR_SIZE, q.pat_len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	q.pat = q.pat_len ? b + noff - SMB2_HDR_SIZE : NULL;
	o = dfs_open_lookup(r, b + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (!o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_LIST_DIRECTORY))
		return STATUS_ACCESS_DENIED;
	if (!smb2_dir_fixed_size(q.cls))
		return STATUS_INVALID_INFO_CLASS;
	if (q.out_len < smb2_dir_fixed_size(q.cls))
		return STATUS_INFO_LENGTH_MISMATCH;
	if (q.out_len > r->rsp_cap - QDR_DATA)
		q.out_len = r->rsp_cap - QDR_DATA;
	vfs_become(r->sess);
	st = query_dir_locked(r, o, &q);
	vfs_unbecome();
	return st;
}

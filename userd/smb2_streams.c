// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_streams.c - named streams in CREATE, READ/WRITE, QUERY_INFO and
 * SET_INFO (MS-FSA 2.1.5.1 on streams, MS-FSCC 2.4.44 FileStreamInformation).
 *
 * A stream open holds an fd of its base file and the stream's name; the
 * data is in the base's xattrs (vfs/streams.c). Access to a stream is
 * access to its base file; share modes are per stream, except that an
 * open of the base for DELETE must share with every stream open (the
 * base cannot go while a stream open refuses it), as on Windows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/log.h"
#include "userd/smb2_streams.h"

/* Rights that change the file: refused on a read-only tree */
#define WRITE_RIGHTS (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | \
		      FILE_WRITE_ATTRIBUTES | DELETE | WRITE_DAC | WRITE_OWNER)
/* Rights checked against the maximal access of the base */
#define CHECKED_RIGHTS (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | \
			FILE_EXECUTE | FILE_READ_EA | FILE_WRITE_EA | \
			FILE_WRITE_ATTRIBUTES | WRITE_DAC | WRITE_OWNER | DELETE)
/* Rights that take part in share-mode checks (MS-FSA 2.1.5.1.2) */
#define SHARE_RIGHTS (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | \
		      FILE_EXECUTE | DELETE)
#ifndef STATUS_FILE_TOO_LARGE
#define STATUS_FILE_TOO_LARGE 0xC0000904u
#endif
/* Streams are reported allocated in whole clusters, as NTFS does */
#define CLUSTER 4096ull

static u64 max_size(const struct dfs_server *srv)
{
	return srv && srv->cfg && srv->cfg->max_stream_size ?
	       srv->cfg->max_stream_size : VFS_STREAM_MAX_DEFAULT;
}

/* What an xattr failure means to the client */
static u32 stream_errno_status(int err)
{
	switch (err) {
	case ENOENT:
		return STATUS_OBJECT_NAME_NOT_FOUND;
	case ENOSPC:
	case E2BIG:
		return STATUS_DISK_FULL;
	case EFBIG:
		return STATUS_FILE_TOO_LARGE;
	case ENOTSUP:
		return STATUS_NOT_SUPPORTED;	/* no user xattrs here */
	default:
		return vfs_errno_status(err);
	}
}

u32 dfs_stream_create_opts(enum vfs_stream_kind kind, u32 *opts)
{
	switch (kind) {
	case VFS_STREAM_DEFAULT:
		if (*opts & FILE_DIRECTORY_FILE)
			return STATUS_NOT_A_DIRECTORY;
		*opts |= FILE_NON_DIRECTORY_FILE;
		return STATUS_SUCCESS;
	case VFS_STREAM_NAMED:
		return *opts & FILE_DIRECTORY_FILE ? STATUS_NOT_A_DIRECTORY : 0;
	case VFS_STREAM_DIR_INDEX:
		if (*opts & FILE_NON_DIRECTORY_FILE)
			return STATUS_FILE_IS_A_DIRECTORY;
		*opts |= FILE_DIRECTORY_FILE;
		return STATUS_SUCCESS;
	default:
		return STATUS_SUCCESS;
	}
}

/* --- share modes and opens of a stream ---------------------------------- */

static bool same_stream(const struct dfs_open *o, u64 dev, u64 ino,
			const char *stream)
{
	return o->stream && o->fd >= 0 && o->dev == dev && o->ino == ino &&
	       vfs_stream_name_eq(o->stream, stream);
}

u32 dfs_stream_share_check(struct dfs_server *srv, u64 dev, u64 ino,
			   const char *stream, u32 access, u32 share)
{
	struct dfs_open *o;
	u32 i;

	if (!(access & SHARE_RIGHTS))
		return STATUS_SUCCESS;
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (!o || !(o->access & SHARE_RIGHTS) ||
		    !same_stream(o, dev, ino, stream))
			continue;
		if (dfs_share_conflict(access, o->share_access) ||
		    dfs_share_conflict(o->access, share))
			return STATUS_SHARING_VIOLATION;
	}
	return STATUS_SUCCESS;
}

/* --- CREATE ------------------------------------------------------------- */

/* The base is missing: create it as an empty file, as Windows does. */
static u32 create_base(struct dfs_req *r, struct dfs_stream_create *c,
		       int *fd0)
{
	int root = r->tree->root_fd, fd;
	const char *leaf;

	if (c->disp == FILE_OPEN || c->disp == FILE_OVERWRITE) {
		fd = vfs_open_parent(root, c->path, &leaf);
		if (fd < 0)
			return STATUS_OBJECT_PATH_NOT_FOUND;
		close(fd);
		return STATUS_OBJECT_NAME_NOT_FOUND;
	}
	if (r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	fd = vfs_create_file(root, c->path, O_RDONLY | O_NONBLOCK,
			     c->attrs & FILE_ATTRIBUTE_READONLY ? 0444 : 0666);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return STATUS_OBJECT_PATH_NOT_FOUND;
	if (fd < 0)
		return vfs_errno_status(-fd);
	c->base_created = true;
	*fd0 = fd;
	return STATUS_SUCCESS;
}

/* The rights the open gets on the base it found or made */
static u32 stream_access(struct dfs_req *r, struct dfs_stream_create *c,
			 int fd0)
{
	bool ro = r->tree->read_only;
	u32 want = c->desired & ~MAXIMUM_ALLOWED;

	if (!S_ISREG(c->st.mode) && !S_ISDIR(c->st.mode))
		return STATUS_ACCESS_DENIED;
	if (dfs_open_delete_pending(r->srv, c->st.dev, c->st.ino))
		return STATUS_DELETE_PENDING;
	c->maximal = smb2_maximal_access(fd0, &c->st, ro);
	if (c->base_created) {
		/* the creator gets what it asked for, as for any new file */
		c->maximal |= want;
	} else {
		if (ro && (want & WRITE_RIGHTS))
			return STATUS_ACCESS_DENIED;
		if (want & ~c->maximal & CHECKED_RIGHTS)
			return STATUS_ACCESS_DENIED;
		if ((c->st.attrs & FILE_ATTRIBUTE_READONLY) &&
		    (want & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
			return STATUS_ACCESS_DENIED;
	}
	c->granted = c->desired & MAXIMUM_ALLOWED ? want | c->maximal : want;
	return STATUS_SUCCESS;
}

/* An fd of the base that xattr calls accept; O_PATH if it cannot be read */
static int base_fd(int root, const char *path, bool dir)
{
	int fd = vfs_open(root, path, (dir ? O_DIRECTORY : O_NONBLOCK | O_NOCTTY) |
			  O_RDONLY, 0);

	if (fd == -EACCES)
		fd = vfs_open(root, path, O_PATH | (dir ? O_DIRECTORY : 0), 0);
	return fd;
}

/* Apply the disposition to the stream itself */
static u32 stream_disposition(struct dfs_req *r, struct dfs_stream_create *c)
{
	bool trunc = c->disp == FILE_SUPERSEDE || c->disp == FILE_OVERWRITE ||
		     c->disp == FILE_OVERWRITE_IF;
	u64 size;
	int ret = vfs_stream_size(c->fd, c->stream, &size);
	u32 st;

	if (ret < 0 && ret != -ENOENT)
		return stream_errno_status(-ret);
	if (ret == 0 && c->disp == FILE_CREATE)
		return STATUS_OBJECT_NAME_COLLISION;
	if (ret == -ENOENT && (c->disp == FILE_OPEN || c->disp == FILE_OVERWRITE))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	st = dfs_stream_share_check(r->srv, c->st.dev, c->st.ino, c->stream,
				    c->granted | (trunc ? FILE_WRITE_DATA : 0),
				    c->share);
	if (st == STATUS_SHARING_VIOLATION)
		st = dfs_oplock_share_conflict(r, c->st.dev, c->st.ino,
					       c->stream, trunc);
	if (st)
		return st;
	if ((ret == -ENOENT || trunc) && r->tree->read_only)
		return STATUS_ACCESS_DENIED;
	if (ret == -ENOENT) {
		ret = vfs_stream_create(c->fd, c->stream);
		if (ret < 0)
			return ret == -EEXIST ? STATUS_OBJECT_NAME_COLLISION :
			       stream_errno_status(-ret);
		c->stream_created = true;
		c->action = FILE_CREATED;
		return STATUS_SUCCESS;
	}
	if (trunc) {
		ret = vfs_stream_truncate(c->fd, c->stream, 0, max_size(r->srv));
		if (ret < 0)
			return stream_errno_status(-ret);
	}
	c->action = c->disp == FILE_SUPERSEDE ? FILE_SUPERSEDED :
		    trunc ? FILE_OVERWRITTEN : FILE_OPENED;
	return STATUS_SUCCESS;
}

/* The base's stat with the stream's sizes: what the stream open reports */
static void stream_stat(int fd, const char *stream, struct vfs_stat *st)
{
	u64 size = 0;

	vfs_stream_size(fd, stream, &size);
	st->size = size;
	st->alloc = (size + CLUSTER - 1) / CLUSTER * CLUSTER;
	st->is_dir = false;
	st->attrs &= ~FILE_ATTRIBUTE_DIRECTORY;
}

static u32 open_stream_locked(struct dfs_req *r, struct dfs_stream_create *c)
{
	int root = r->tree->root_fd, fd0;
	u32 st;

	fd0 = vfs_open(root, c->path, O_PATH, 0);
	if (fd0 == -ENOENT) {
		st = create_base(r, c, &fd0);
		if (st)
			return st;
	} else if (fd0 < 0) {
		return fd0 == -ENOTDIR ? STATUS_OBJECT_PATH_NOT_FOUND :
		       vfs_errno_status(-fd0);
	}
	if (vfs_fstat(fd0, &c->st) < 0) {
		close(fd0);
		return vfs_errno_status(errno);
	}
	st = stream_access(r, c, fd0);
	close(fd0);
	if (st)
		return st;
	c->fd = base_fd(root, c->path, c->st.is_dir);
	if (c->fd < 0)
		return vfs_errno_status(-c->fd);
	return stream_disposition(r, c);
}

u32 dfs_stream_open(struct dfs_req *r, struct dfs_stream_create *c)
{
	u32 st;

	c->fd = -1;
	st = open_stream_locked(r, c);
	if (st == STATUS_SUCCESS && vfs_fstat(c->fd, &c->st) == 0) {
		stream_stat(c->fd, c->stream, &c->st);
		return STATUS_SUCCESS;
	}
	if (st == STATUS_SUCCESS)
		st = vfs_errno_status(errno);
	dfs_stream_undo(r, c);
	return st;
}

void dfs_stream_undo(struct dfs_req *r, struct dfs_stream_create *c)
{
	if (c->stream_created && c->fd >= 0)
		vfs_stream_remove(c->fd, c->stream);
	if (c->base_created)
		vfs_unlink(r->tree->root_fd, c->path, false);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->stream_created = c->base_created = false;
}

/* --- I/O and sizes ------------------------------------------------------ */

const char *dfs_open_name(const struct dfs_open *o, char *buf, size_t cap)
{
	char stored[VFS_STREAM_NAME_BYTES];

	if (!o->stream)
		return o->path;
	/* the spelling the stream was created with, as NTFS keeps it */
	if (vfs_stream_stored_name(o->fd, o->stream, stored, sizeof(stored)) < 0)
		snprintf(stored, sizeof(stored), "%s", o->stream);
	snprintf(buf, cap, "%s:%s", o->path, stored);
	return buf;
}

int dfs_open_fstat(const struct dfs_open *o, struct vfs_stat *st)
{
	if (vfs_fstat(o->fd, st) < 0)
		return -1;
	if (o->stream)
		stream_stat(o->fd, o->stream, st);
	return 0;
}

ssize_t dfs_stream_read(struct dfs_open *o, void *buf, size_t len, u64 off)
{
	return vfs_stream_pread(o->fd, o->stream, buf, len, off);
}

u32 dfs_stream_write(struct dfs_server *srv, struct dfs_open *o,
		     const u8 *data, u32 len, u64 off, u32 *done)
{
	ssize_t n = vfs_stream_pwrite(o->fd, o->stream, data, len, off,
				      max_size(srv));

	*done = 0;
	if (n < 0)
		return stream_errno_status((int)-n);
	*done = (u32)n;
	return STATUS_SUCCESS;
}

u32 dfs_stream_set_size(struct dfs_server *srv, struct dfs_open *o, u64 v,
			bool alloc)
{
	u64 size;
	int ret;

	if (alloc) {
		/* nothing to reserve in an xattr: only a cut below EOF acts */
		ret = vfs_stream_size(o->fd, o->stream, &size);
		if (ret < 0)
			return stream_errno_status(-ret);
		if (v >= size)
			return v > max_size(srv) ? STATUS_DISK_FULL : STATUS_SUCCESS;
	}
	ret = vfs_stream_truncate(o->fd, o->stream, v, max_size(srv));
	if (ret == -EFBIG)
		return STATUS_DISK_FULL;
	return ret < 0 ? stream_errno_status(-ret) : STATUS_SUCCESS;
}

/* Read from either kind of open: bytes or -errno */
static ssize_t open_pread(struct dfs_open *o, void *buf, size_t len, u64 off)
{
	ssize_t n;

	if (o->stream)
		return vfs_stream_pread(o->fd, o->stream, buf, len, off);
	n = pread(o->fd, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

static ssize_t open_pwrite(struct dfs_server *srv, struct dfs_open *o,
			   const void *buf, size_t len, u64 off)
{
	ssize_t n;

	if (o->stream)
		return vfs_stream_pwrite(o->fd, o->stream, buf, len, off,
					 max_size(srv));
	n = pwrite(o->fd, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}

long dfs_stream_copy(struct dfs_server *srv, struct dfs_open *src, u64 soff,
		     struct dfs_open *dst, u64 doff, u32 len)
{
	u8 *buf = malloc(len ? len : 1);
	ssize_t got, put = 0;

	if (!buf)
		return -ENOMEM;
	/* through a buffer: overlapping ranges of one stream come out right */
	got = open_pread(src, buf, len, soff);
	if (got > 0)
		put = open_pwrite(srv, dst, buf, (size_t)got, doff);
	free(buf);
	if (got < 0)
		return got;
	if (put < 0)
		return put;
	return put < got ? -ENOSPC : (long)put;
}

/* --- FileStreamInformation ---------------------------------------------- */

struct info_ctx {
	u8 *buf;
	u32 cap;
	u32 len;	/* bytes used */
	u32 last;	/* offset of the last entry, for its NextEntryOffset */
	bool any;
	bool full;
};

/* Append one FILE_STREAM_INFORMATION entry ":name:$DATA" */
static int add_entry(void *arg, const char *name, u64 size)
{
	struct info_ctx *x = arg;
	char full[VFS_STREAM_NAME_BYTES + 8];
	u32 at = DFS_ALIGN8(x->len);
	long n;

	snprintf(full, sizeof(full), ":%s:$DATA", name);
	if (at + 24 > x->cap) {
		x->full = true;
		return 1;
	}
	n = vfs_utf8_to_utf16(full, strlen(full), x->buf + at + 24,
			      x->cap - at - 24);
	if (n < 0) {
		x->full = true;
		return 1;
	}
	memset(x->buf + x->len, 0, at - x->len);
	if (x->any)
		dfs_put_le32(x->buf + x->last, at - x->last);
	dfs_put_le32(x->buf + at, 0);
	dfs_put_le32(x->buf + at + 4, (u32)n);
	dfs_put_le64(x->buf + at + 8, size);
	dfs_put_le64(x->buf + at + 16, (size + CLUSTER - 1) / CLUSTER * CLUSTER);
	x->last = at;
	x->len = at + 24 + (u32)n;
	x->any = true;
	return 0;
}

long dfs_stream_info(int fd, const struct vfs_stat *st, u8 *buf, u32 cap)
{
	struct info_ctx x = { .buf = buf, .cap = cap };
	char def[1] = "";

	/* a directory has no unnamed data stream, only named ones */
	if (!st->is_dir) {
		add_entry(&x, def, st->size);
		/* the default stream's allocation is the file's own */
		if (x.any)
			dfs_put_le64(buf + 16, st->alloc);
	}
	vfs_stream_list(fd, add_entry, &x);
	return x.full ? -1 : (long)x.len;
}

/* --- rename ------------------------------------------------------------- */

/*
 * A stream becomes the file's default stream (MS-FSA 2.1.5.14.11): only
 * over an empty one, and the open is then an open of the file itself.
 */
static u32 rename_to_default(struct dfs_req *r, struct dfs_open *o,
			     bool replace)
{
	struct vfs_stat st;
	u64 size = 0, off = 0;
	char *buf;
	ssize_t n = 0;
	int fd;

	if (!replace)
		return STATUS_OBJECT_NAME_COLLISION;
	if (vfs_fstat(o->fd, &st) < 0 || st.is_dir || st.size)
		return STATUS_INVALID_PARAMETER;
	if (vfs_stream_size(o->fd, o->stream, &size) < 0)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	fd = vfs_open(r->tree->root_fd, o->path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return vfs_errno_status(-fd);
	buf = malloc(VFS_STREAM_CHUNK);
	while (buf && off < size) {
		n = vfs_stream_pread(o->fd, o->stream, buf, VFS_STREAM_CHUNK, off);
		if (n <= 0 || pwrite(fd, buf, (size_t)n, (off_t)off) != n)
			break;
		off += (u64)n;
	}
	free(buf);
	if (off < size) {
		close(fd);
		return n < 0 ? stream_errno_status((int)-n) : STATUS_DISK_FULL;
	}
	vfs_stream_remove(o->fd, o->stream);
	close(o->fd);
	o->fd = fd;
	free(o->stream);
	o->stream = NULL;
	return STATUS_SUCCESS;
}

bool dfs_stream_is_rename(const struct dfs_open *o, const u8 *name, u32 nbytes)
{
	return o->stream || (nbytes >= 2 && dfs_get_le16(name) == ':');
}

u32 dfs_stream_rename(struct dfs_req *r, struct dfs_open *o, const u8 *name,
		      u32 nbytes, bool replace)
{
	char to[VFS_STREAM_NAME_BYTES];
	enum vfs_stream_kind kind;
	u32 st;
	int ret;

	/* a stream moves only within its file: "base:stream" is refused */
	if (nbytes < 2 || dfs_get_le16(name) != ':')
		return o->stream ? STATUS_SHARING_VIOLATION : STATUS_INVALID_PARAMETER;
	st = vfs_stream_parse(name + 2, nbytes - 2, to, sizeof(to), &kind);
	if (st)
		return st;
	if (kind == VFS_STREAM_DEFAULT && o->stream)
		return rename_to_default(r, o, replace);
	/* the default stream cannot become a named one */
	if (kind != VFS_STREAM_NAMED || !o->stream)
		return STATUS_INVALID_PARAMETER;
	if (dfs_stream_share_check(r->srv, o->dev, o->ino, to, DELETE,
				   FILE_SHARE_READ | FILE_SHARE_WRITE |
				   FILE_SHARE_DELETE))
		return STATUS_SHARING_VIOLATION;
	ret = vfs_stream_rename(o->fd, o->stream, to, replace);
	if (ret == -EEXIST)
		return STATUS_OBJECT_NAME_COLLISION;
	if (ret < 0)
		return stream_errno_status(-ret);
	free(o->stream);
	o->stream = strdup(to);
	return o->stream ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* --- delete ------------------------------------------------------------- */

void dfs_stream_delete(struct dfs_server *srv, struct dfs_open *o)
{
	struct dfs_open *x;
	int ret;
	u32 i;

	/* the stream stays until its last open closes: hand the delete on */
	for (i = 0; i < srv->opens_cap; i++) {
		x = srv->opens[i];
		if (x && x != o && same_stream(x, o->dev, o->ino, o->stream)) {
			x->delete_on_close = true;
			x->create_options &= ~FILE_DELETE_ON_CLOSE;
			return;
		}
	}
	vfs_become(o->sess);
	ret = vfs_stream_remove(o->fd, o->stream);
	vfs_unbecome();
	if (ret < 0 && ret != -ENOENT)
		log_verbose("delete on close of '%s:%s': %s", o->path, o->stream,
			    strerror(-ret));
}

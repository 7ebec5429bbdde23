// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * streams.c - named streams: the "file:stream:$TYPE" name parser and the
 * chunked xattr storage described in streams.h.
 *
 * I/O goes straight to the xattrs (read-modify-write of the chunks a
 * request touches) rather than through a per-open buffer written back at
 * close: every open of the stream sees the same bytes without a shared
 * cache, and a full file system is reported by the WRITE that hit it
 * rather than by a CLOSE that cannot say so. A request costs at most one
 * get and one set per 64 KiB chunk it touches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/smb2_proto.h"
#include "userd/vfs/streams.h"
#include "userd/vfs/vfs.h"

#define STREAM_PREFIX "user.dittofs.stream."
#define PREFIX_LEN (sizeof(STREAM_PREFIX) - 1)
/* XATTR_NAME_MAX is 255; leave room for ".<chunk>" */
#define KEY_NAME_MAX (255 - PREFIX_LEN - 12)
#define KEY_MAX 256
#define HDR_VERSION 1u
#define HDR_FIXED 16	/* version, flags, size */
#define HDR_MAX (HDR_FIXED + VFS_STREAM_NAME_BYTES)

static u32 chunk_size = VFS_STREAM_CHUNK;

/* Chunk numbers are u32: a size needing more is too big for any limit */
static bool too_big(u64 end)
{
	return end / chunk_size >= 0xFFFFFFFFull;
}

void vfs_stream_set_chunk(u32 chunk)
{
	chunk_size = chunk ? chunk : VFS_STREAM_CHUNK;
}

/* --- names ------------------------------------------------------------ */

/* Is the UTF-16LE [p, p + nbytes) the ASCII word lit, ignoring case? */
static bool u16_ieq(const u8 *p, u32 nbytes, const char *lit)
{
	size_t n = strlen(lit), i;

	if (nbytes != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		u16 c = dfs_get_le16(p + 2 * i);

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != (u8)lit[i])
			return false;
	}
	return true;
}

/* Index (bytes) of the first ':' at or after from, or nbytes */
static u32 find_colon(const u8 *p, u32 nbytes, u32 from)
{
	for (; from + 1 < nbytes; from += 2)
		if (dfs_get_le16(p + from) == ':')
			return from;
	return nbytes;
}

/* A stream name: 1..255 UTF-16 units, no '\' '/' ':' NUL; to UTF-8. */
static u32 stream_name(const u8 *p, u32 nbytes, char *out, size_t cap)
{
	u32 i;
	long n;

	if (nbytes == 0 || nbytes > 2 * VFS_STREAM_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	for (i = 0; i < nbytes; i += 2) {
		u16 c = dfs_get_le16(p + i);

		if (c == 0 || c == '\\' || c == '/' || c == ':')
			return STATUS_OBJECT_NAME_INVALID;
	}
	n = vfs_utf16_to_utf8(p, nbytes, out, cap);
	if (n < 0)
		return STATUS_OBJECT_NAME_INVALID;
	return STATUS_SUCCESS;
}

u32 vfs_stream_parse(const u8 *spec, u32 nbytes, char *stream, size_t scap,
		     enum vfs_stream_kind *kind)
{
	u32 c = find_colon(spec, nbytes, 0);
	const u8 *type = spec + c + 2;
	u32 tlen = c < nbytes ? nbytes - c - 2 : 0;
	bool has_type = c < nbytes, data, index;

	if (nbytes & 1 || scap == 0)
		return STATUS_OBJECT_NAME_INVALID;
	stream[0] = '\0';
	/* "name:" (an empty type) and a third ':' are both invalid */
	if (has_type && (tlen == 0 || find_colon(type, tlen, 0) < tlen))
		return STATUS_OBJECT_NAME_INVALID;
	data = !has_type || u16_ieq(type, tlen, "$DATA");
	index = has_type && u16_ieq(type, tlen, "$INDEX_ALLOCATION");
	if (!data && !index)
		return STATUS_OBJECT_NAME_INVALID;
	if (index) {
		/* a directory's index, by its default name or "$I30" */
		if (c && !u16_ieq(spec, c, "$I30"))
			return STATUS_OBJECT_NAME_INVALID;
		*kind = VFS_STREAM_DIR_INDEX;
		return STATUS_SUCCESS;
	}
	if (c == 0) {
		/* "file:" names nothing; "file::$DATA" is the default stream */
		if (!has_type)
			return STATUS_OBJECT_NAME_INVALID;
		*kind = VFS_STREAM_DEFAULT;
		return STATUS_SUCCESS;
	}
	*kind = VFS_STREAM_NAMED;
	return stream_name(spec, c, stream, scap);
}

u32 vfs_stream_split(const u8 *name, u32 nbytes, char *path, size_t pcap,
		     char *stream, size_t scap, enum vfs_stream_kind *kind)
{
	u32 c, st;

	if (nbytes & 1 || scap == 0)
		return STATUS_OBJECT_NAME_INVALID;
	c = find_colon(name, nbytes, 0);
	stream[0] = '\0';
	*kind = VFS_STREAM_NONE;
	st = vfs_path_from_utf16(name, c, path, pcap);
	if (st || c == nbytes)
		return st;
	return vfs_stream_parse(name + c + 2, nbytes - c - 2, stream, scap, kind);
}

/* Case-fold a UTF-8 name into out (cap bytes); false if it does not fit. */
static bool fold_name(const char *s, char *out, size_t cap)
{
	u8 w[2 * VFS_STREAM_NAME_MAX + 8];
	long n = vfs_utf8_to_utf16(s, strlen(s), w, sizeof(w)), i;

	if (n < 0)
		return false;
	for (i = 0; i < n; i += 2) {
		u16 c = dfs_get_le16(w + i);

		/* surrogates pass through: fold only the BMP */
		if (c < 0xD800 || c > 0xDFFF)
			dfs_put_le16(w + i, (u16)vfs_fold_char(c));
	}
	return vfs_utf16_to_utf8(w, (u32)n, out, cap) >= 0;
}

bool vfs_stream_name_eq(const char *a, const char *b)
{
	char fa[VFS_STREAM_NAME_BYTES], fb[VFS_STREAM_NAME_BYTES];

	if (!fold_name(a, fa, sizeof(fa)) || !fold_name(b, fb, sizeof(fb)))
		return !strcmp(a, b);
	return !strcmp(fa, fb);
}

/* --- keys --------------------------------------------------------------- */

/* The xattr name of chunk n of stream name; false if it cannot be made. */
static bool stream_key(const char *name, u32 n, char *key)
{
	char folded[VFS_STREAM_NAME_BYTES];
	u64 h = 14695981039346656037ull;	/* FNV-1a: stable on disk */
	const char *c;

	if (!fold_name(name, folded, sizeof(folded)))
		return false;
	if (strlen(folded) <= KEY_NAME_MAX) {
		snprintf(key, KEY_MAX, STREAM_PREFIX "%.*s.%u",
			 (int)KEY_NAME_MAX, folded, n);
		return true;
	}
	for (c = folded; *c; c++)
		h = (h ^ (u8)*c) * 1099511628211ull;
	snprintf(key, KEY_MAX, STREAM_PREFIX "#%016llx.%u",
		 (unsigned long long)h, n);
	return true;
}

/* --- xattr calls that work on any fd, O_PATH included ------------------- */

static void proc_path(int fd, char *buf, size_t cap)
{
	snprintf(buf, cap, "/proc/self/fd/%d", fd);
}

static ssize_t x_get(int fd, const char *key, void *buf, size_t len)
{
	char p[64];
	ssize_t n = fgetxattr(fd, key, buf, len);

	if (n >= 0 || errno != EBADF)
		return n < 0 ? -errno : n;
	proc_path(fd, p, sizeof(p));
	n = getxattr(p, key, buf, len);
	return n < 0 ? -errno : n;
}

static int x_set(int fd, const char *key, const void *buf, size_t len,
		 int flags)
{
	char p[64];

	if (fsetxattr(fd, key, buf, len, flags) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	proc_path(fd, p, sizeof(p));
	return setxattr(p, key, buf, len, flags) ? -errno : 0;
}

static int x_remove(int fd, const char *key)
{
	char p[64];

	if (fremovexattr(fd, key) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	proc_path(fd, p, sizeof(p));
	return removexattr(p, key) ? -errno : 0;
}

static ssize_t x_list(int fd, char *buf, size_t len)
{
	char p[64];
	ssize_t n = flistxattr(fd, buf, len);

	if (n >= 0 || errno != EBADF)
		return n < 0 ? -errno : n;
	proc_path(fd, p, sizeof(p));
	n = listxattr(p, buf, len);
	return n < 0 ? -errno : n;
}

/* No such attribute is a missing stream or chunk */
static int missing(int err)
{
	return err == -ENODATA ? -ENOENT : err;
}

/* --- header ------------------------------------------------------------- */

struct hdr {
	u64 size;
	char name[VFS_STREAM_NAME_BYTES];
};

static int hdr_read_key(int fd, const char *key, struct hdr *h)
{
	u8 v[HDR_MAX];
	ssize_t n = x_get(fd, key, v, sizeof(v));
	size_t nl;

	if (n < 0)
		return missing((int)n);
	if (n < HDR_FIXED || dfs_get_le32(v) != HDR_VERSION)
		return -EIO;
	h->size = dfs_get_le64(v + 8);
	nl = (size_t)n - HDR_FIXED;
	if (nl >= sizeof(h->name))
		return -EIO;
	memcpy(h->name, v + HDR_FIXED, nl);
	h->name[nl] = '\0';
	return 0;
}

static int hdr_read(int fd, const char *name, struct hdr *h)
{
	char key[KEY_MAX];
	int ret;

	if (!stream_key(name, 0, key))
		return -EINVAL;
	ret = hdr_read_key(fd, key, h);
	/* a hashed key shared by another name is not this stream */
	if (ret == 0 && !vfs_stream_name_eq(h->name, name))
		return -ENOENT;
	return ret;
}

static int hdr_write(int fd, const char *name, u64 size, int flags)
{
	u8 v[HDR_MAX];
	char key[KEY_MAX];
	size_t nl = strlen(name);

	if (nl >= VFS_STREAM_NAME_BYTES || !stream_key(name, 0, key))
		return -EINVAL;
	dfs_put_le32(v, HDR_VERSION);
	dfs_put_le32(v + 4, 0);
	dfs_put_le64(v + 8, size);
	memcpy(v + HDR_FIXED, name, nl);
	return x_set(fd, key, v, HDR_FIXED + nl, flags);
}

/* --- data --------------------------------------------------------------- */

int vfs_stream_stored_name(int fd, const char *name, char *out, size_t cap)
{
	struct hdr h;
	int ret = hdr_read(fd, name, &h);

	if (ret < 0)
		return ret;
	if (strlen(h.name) >= cap)
		return -ENAMETOOLONG;
	strcpy(out, h.name);
	return 0;
}

int vfs_stream_size(int fd, const char *name, u64 *size)
{
	struct hdr h;
	int ret = hdr_read(fd, name, &h);

	if (ret == 0)
		*size = h.size;
	return ret;
}

int vfs_stream_create(int fd, const char *name)
{
	struct hdr h;
	int ret = hdr_read(fd, name, &h);

	if (ret == 0)
		return -EEXIST;
	if (ret != -ENOENT)
		return ret;
	ret = hdr_write(fd, name, 0, XATTR_CREATE);
	return ret == -EEXIST ? -EEXIST : ret;
}

/* Read chunk n into buf (chunk_size bytes), zero-filled past its end. */
static int chunk_read(int fd, const char *name, u32 n, u8 *buf, size_t *have)
{
	char key[KEY_MAX];
	ssize_t got;

	if (!stream_key(name, n, key))
		return -EINVAL;
	got = x_get(fd, key, buf, chunk_size);
	if (got == -ENODATA)
		got = 0;
	if (got < 0)
		return (int)got;
	memset(buf + got, 0, chunk_size - (size_t)got);
	*have = (size_t)got;
	return 0;
}

static int chunk_write(int fd, const char *name, u32 n, const u8 *buf,
		       size_t len)
{
	char key[KEY_MAX];

	if (!stream_key(name, n, key))
		return -EINVAL;
	if (len == 0) {
		int ret = x_remove(fd, key);

		return ret == -ENODATA ? 0 : ret;
	}
	return x_set(fd, key, buf, len, 0);
}

ssize_t vfs_stream_pread(int fd, const char *name, void *buf, size_t len,
			 u64 off)
{
	struct hdr h;
	size_t done = 0, have, in, take;
	u8 *chunk;
	int ret = hdr_read(fd, name, &h);

	if (ret < 0)
		return ret;
	if (off >= h.size)
		return 0;
	if (len > h.size - off)
		len = (size_t)(h.size - off);
	chunk = malloc(chunk_size);
	if (!chunk)
		return -ENOMEM;
	while (done < len) {
		u64 pos = off + done;

		ret = chunk_read(fd, name, (u32)(pos / chunk_size) + 1, chunk, &have);
		if (ret < 0)
			break;
		in = (size_t)(pos % chunk_size);
		take = chunk_size - in < len - done ? chunk_size - in : len - done;
		memcpy((u8 *)buf + done, chunk + in, take);
		done += take;
	}
	free(chunk);
	return ret < 0 ? ret : (ssize_t)done;
}

/* Write [in, in + take) of chunk n, keeping what else it holds. */
static int chunk_patch(int fd, const char *name, u32 n, u8 *chunk, size_t in,
		       const u8 *data, size_t take)
{
	size_t have;
	int ret = chunk_read(fd, name, n, chunk, &have);

	if (ret < 0)
		return ret;
	memcpy(chunk + in, data, take);
	return chunk_write(fd, name, n, chunk, in + take > have ? in + take : have);
}

ssize_t vfs_stream_pwrite(int fd, const char *name, const void *buf,
			  size_t len, u64 off, u64 max)
{
	struct hdr h;
	size_t done = 0, in, take;
	u8 *chunk;
	int ret = hdr_read(fd, name, &h);

	if (ret < 0)
		return ret;
	if (off > max || len > max - off || too_big(off + len))
		return -EFBIG;
	if (len == 0)
		return 0;
	chunk = malloc(chunk_size);
	if (!chunk)
		return -ENOMEM;
	while (done < len) {
		u64 pos = off + done;

		in = (size_t)(pos % chunk_size);
		take = chunk_size - in < len - done ? chunk_size - in : len - done;
		ret = chunk_patch(fd, name, (u32)(pos / chunk_size) + 1, chunk, in,
				  (const u8 *)buf + done, take);
		if (ret < 0)
			break;
		done += take;
	}
	free(chunk);
	/* what was written counts, even when a later chunk did not fit */
	if (done && off + done > h.size) {
		int r2 = hdr_write(fd, name, off + done, XATTR_REPLACE);

		if (r2 < 0)
			return r2;
	}
	if (ret < 0 && !done)
		return ret;
	return (ssize_t)done;
}

/* Remove chunks from n on, until one is missing past the last one. */
static void remove_chunks_from(int fd, const char *name, u32 n, u32 last)
{
	char key[KEY_MAX];

	for (;; n++) {
		if (!stream_key(name, n, key))
			return;
		if (x_remove(fd, key) < 0 && n > last)
			return;
	}
}

int vfs_stream_truncate(int fd, const char *name, u64 size, u64 max)
{
	struct hdr h;
	u32 keep;
	int ret = hdr_read(fd, name, &h);

	if (ret < 0)
		return ret;
	if (size > max || too_big(size))
		return -EFBIG;
	if (size < h.size) {
		/* the cut chunk keeps only its head: growing again reads zeros */
		u8 *chunk = malloc(chunk_size);
		size_t have, in = (size_t)(size % chunk_size);

		if (!chunk)
			return -ENOMEM;
		keep = (u32)(size / chunk_size);
		ret = 0;
		if (in) {
			ret = chunk_read(fd, name, keep + 1, chunk, &have);
			if (ret == 0 && have > in)
				ret = chunk_write(fd, name, keep + 1, chunk, in);
			keep++;
		}
		free(chunk);
		if (ret < 0)
			return ret;
		remove_chunks_from(fd, name, keep + 1,
				   (u32)((h.size + chunk_size - 1) / chunk_size));
	}
	return size == h.size ? 0 : hdr_write(fd, name, size, XATTR_REPLACE);
}

int vfs_stream_remove(int fd, const char *name)
{
	char key[KEY_MAX];
	struct hdr h;
	int ret = hdr_read(fd, name, &h);

	if (ret < 0)
		return ret;
	remove_chunks_from(fd, name, 1,
			   (u32)((h.size + chunk_size - 1) / chunk_size));
	if (!stream_key(name, 0, key))
		return -EINVAL;
	return missing(x_remove(fd, key));
}

/* Copy every chunk of from to to, the header last. */
static int copy_stream(int fd, const struct hdr *h, const char *to)
{
	u32 n, last = (u32)((h->size + chunk_size - 1) / chunk_size);
	size_t have;
	u8 *chunk = malloc(chunk_size);
	int ret = 0;

	if (!chunk)
		return -ENOMEM;
	for (n = 1; n <= last && ret == 0; n++) {
		ret = chunk_read(fd, h->name, n, chunk, &have);
		if (ret == 0)
			ret = chunk_write(fd, to, n, chunk, have);
	}
	free(chunk);
	if (ret == 0)
		ret = hdr_write(fd, to, h->size, 0);
	return ret;
}

int vfs_stream_rename(int fd, const char *from, const char *to, bool replace)
{
	struct hdr h, t;
	int ret = hdr_read(fd, from, &h);

	if (ret < 0)
		return ret;
	if (vfs_stream_name_eq(from, to))
		return hdr_write(fd, to, h.size, XATTR_REPLACE);
	ret = hdr_read(fd, to, &t);
	if (ret == 0 && !replace)
		return -EEXIST;
	if (ret == 0)
		ret = vfs_stream_remove(fd, to);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	ret = copy_stream(fd, &h, to);
	if (ret < 0) {
		vfs_stream_remove(fd, to);
		return ret;
	}
	return vfs_stream_remove(fd, from);
}

/* The xattr names of the file: a malloc'd list, NUL-separated */
static ssize_t list_keys(int fd, char **out)
{
	ssize_t n = x_list(fd, NULL, 0);
	char *buf;

	if (n <= 0) {
		*out = NULL;
		return n;
	}
	buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	n = x_list(fd, buf, (size_t)n);
	if (n < 0) {
		free(buf);
		return n;
	}
	buf[n] = '\0';
	*out = buf;
	return n;
}

static bool is_header_key(const char *k)
{
	size_t l = strlen(k);

	return l > PREFIX_LEN + 2 && !strncmp(k, STREAM_PREFIX, PREFIX_LEN) &&
	       !strcmp(k + l - 2, ".0");
}

int vfs_stream_list(int fd, vfs_stream_cb cb, void *arg)
{
	char *keys, *k;
	struct hdr h;
	ssize_t n = list_keys(fd, &keys);
	int ret = 0;

	if (n <= 0)
		return n == -ENOTSUP ? 0 : (int)n;
	for (k = keys; k < keys + n && ret == 0; k += strlen(k) + 1) {
		if (!is_header_key(k) || hdr_read_key(fd, k, &h) < 0)
			continue;
		ret = cb(arg, h.name, h.size);
	}
	free(keys);
	return ret;
}

static int remove_cb(void *arg, const char *name, u64 size)
{
	vfs_stream_remove(*(int *)arg, name);
	return 0;
}

int vfs_stream_remove_all(int fd)
{
	return vfs_stream_list(fd, remove_cb, &fd);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ea_store.c - EAs of a file kept as user xattrs "user.dittofs.ea.NAME",
 * NAME in upper case (EA names are case-insensitive; NTFS also answers
 * them upper-cased). The prefix keeps clients away from every other
 * xattr: the DOS attributes and the stored security descriptor cannot be
 * read or written as EAs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "userd/ea.h"
#include "userd/log.h"
#include "userd/vfs/vfs.h"
#include "userd/xattr_fd.h"

#define PREFIX_LEN	(sizeof(EA_XATTR_PREFIX) - 1)
#define EA_VALUE_MAX	0xFFFFu

static void xattr_name(const char *upper, char out[PREFIX_LEN + 256])
{
	memcpy(out, EA_XATTR_PREFIX, PREFIX_LEN);
	strcpy(out + PREFIX_LEN, upper);
}

static u32 store_status(int err)
{
	switch (err) {
	case ENOTSUP:
		return STATUS_EAS_NOT_SUPPORTED;
	case ENOSPC:
	case E2BIG:
	case ERANGE:
		return STATUS_EA_TOO_LARGE;
	default:
		return vfs_errno_status(err);
	}
}

u32 ea_set_list(int fd, const u8 *buf, u32 len)
{
	char upper[256], name[PREFIX_LEN + 256];
	struct ea_entry e;
	u32 count, bad, off = 0, st;
	bool more = true;
	int ret;

	st = ea_full_check(buf, len, &count, &bad);
	if (st)
		return st;
	/* every name must be storable before anything changes */
	while (ea_full_next(buf, len, &off, &more, &e))
		if (e.name_len > EA_NAME_STORE_MAX)
			return STATUS_INVALID_EA_NAME;
	off = 0;
	more = true;
	while (ea_full_next(buf, len, &off, &more, &e)) {
		ea_name_upper(e.name, e.name_len, upper);
		xattr_name(upper, name);
		/* an empty value deletes the EA (MS-FSCC 2.4.15) */
		if (e.value_len == 0)
			ret = xattr_fd_remove(fd, name);
		else
			ret = xattr_fd_set(fd, name, e.value, e.value_len);
		if (ret < 0)
			return store_status(-ret);
	}
	return STATUS_SUCCESS;
}

/* Where the EAs are read from: an open file, or an entry of a directory */
struct ea_src {
	int fd;
	const char *name;	/* NULL: fd itself */
};

static long src_list(const struct ea_src *s, char *buf, size_t size)
{
	return s->name ? xattr_at_list(s->fd, s->name, buf, size) :
			 xattr_fd_list(s->fd, buf, size);
}

static long src_get(const struct ea_src *s, const char *xname, void *buf,
		    size_t size)
{
	return s->name ? xattr_at_get(s->fd, s->name, xname, buf, size) :
			 xattr_fd_get(s->fd, xname, buf, size);
}

/* The EA names (upper case, without the prefix), NUL-separated */
static long list_names(const struct ea_src *s, char **names)
{
	long n = src_list(s, NULL, 0), m, out = 0, i;
	char *raw;

	*names = NULL;
	if (n <= 0)
		return n == -ENOTSUP ? 0 : n;
	raw = malloc((size_t)n + 1);
	if (!raw)
		return -ENOMEM;
	m = src_list(s, raw, (size_t)n);
	if (m < 0) {
		free(raw);
		return m;
	}
	raw[m] = '\0';
	/* filter in place: only our prefix, prefix stripped */
	for (i = 0; i < m; i += (long)strlen(raw + i) + 1) {
		size_t l = strlen(raw + i);

		if (l > PREFIX_LEN && !strncmp(raw + i, EA_XATTR_PREFIX, PREFIX_LEN)) {
			memmove(raw + out, raw + i + PREFIX_LEN, l - PREFIX_LEN + 1);
			out += (long)(l - PREFIX_LEN) + 1;
		}
	}
	*names = raw;
	return out;
}

/* How many EAs a name list holds */
static u32 count_names(const char *names, long len)
{
	u32 c = 0;
	long i;

	for (i = 0; i < len; i += (long)strlen(names + i) + 1)
		c++;
	return c;
}

static u32 src_size(const struct ea_src *s)
{
	char *names, name[PREFIX_LEN + 256];
	long len = list_names(s, &names), i, v;
	u32 total = 0;

	for (i = 0; i < len; i += (long)strlen(names + i) + 1) {
		xattr_name(names + i, name);
		v = src_get(s, name, NULL, 0);
		if (v > 0 && v <= (long)EA_VALUE_MAX)
			total += EA_ALIGN4(ea_entry_size((u32)strlen(names + i),
							 (u32)v));
	}
	free(names);
	return total;
}

u32 ea_size(int fd)
{
	struct ea_src s = { .fd = fd };

	return src_size(&s);
}

u32 ea_size_at(int dirfd, const char *name)
{
	struct ea_src s = { .fd = dirfd, .name = name };

	return src_size(&s);
}

struct ea_out {
	u8 *out;
	u32 cap;
	u32 len;		/* bytes used, the last entry unpadded */
	u32 last;		/* offset of the last entry written */
	u32 count;
	u8 *val;		/* scratch for one value */
};

/* Append one entry; false when it does not fit. */
static bool emit(struct ea_out *o, const char *name, const u8 *v, u32 vlen)
{
	u32 at = o->count ? EA_ALIGN4(o->len) : 0, n;

	if (at > o->cap)
		return false;
	n = ea_put_entry(o->out + at, o->cap - at, name, (u32)strlen(name), v,
			 vlen);
	if (!n)
		return false;
	if (o->count)
		dfs_put_le32(o->out + o->last, at - o->last);
	/* the padding before this entry must not leak stale bytes */
	if (at > o->len)
		memset(o->out + o->len, 0, at - o->len);
	o->last = at;
	o->len = at + n;
	o->count++;
	return true;
}

/* The value of EA upper (0 bytes when it has none) */
static long read_value(int fd, const char *upper, u8 *val)
{
	char name[PREFIX_LEN + 256];
	long v;

	xattr_name(upper, name);
	v = xattr_fd_get(fd, name, val, EA_VALUE_MAX);
	return v == -ENODATA ? 0 : v;
}

static u32 fit_status(const struct ea_out *o, bool all)
{
	if (all)
		return STATUS_SUCCESS;
	return o->count ? STATUS_BUFFER_OVERFLOW : STATUS_BUFFER_TOO_SMALL;
}

/* The EAs a FILE_GET_EA_INFORMATION list names, missing ones empty */
static u32 query_listed(int fd, const u8 *in, u32 in_len, struct ea_out *o)
{
	struct ea_entry e;
	char upper[256];
	u32 count, bad, off = 0, st;
	bool more = true;
	long v;

	st = ea_get_check(in, in_len, &count, &bad);
	if (st)
		return st;
	while (ea_get_next(in, in_len, &off, &more, &e)) {
		ea_name_upper(e.name, e.name_len, upper);
		v = e.name_len <= EA_NAME_STORE_MAX ? read_value(fd, upper, o->val) : 0;
		if (v < 0)
			return store_status((int)-v);
		if (!emit(o, upper, o->val, (u32)v))
			return fit_status(o, false);
	}
	return STATUS_SUCCESS;
}

/* All EAs from an index on, as the flags ask (MS-FSA 2.1.5.12.12) */
static u32 query_all(int fd, u32 flags, u32 index, u32 *next_index,
		     struct ea_out *o)
{
	struct ea_src src = { .fd = fd };
	char *names;
	long len = list_names(&src, &names), i;
	u32 n, k = 0, start, st = STATUS_SUCCESS;

	if (len < 0)
		return store_status((int)-len);
	n = count_names(names, len);
	if (!n) {
		free(names);
		return STATUS_NO_EAS_ON_FILE;
	}
	start = *next_index;
	if (flags & SL_RESTART_SCAN)
		start = 0;
	if (flags & SL_INDEX_SPECIFIED) {
		/* EaIndex counts from 1 */
		if (index == 0 || index > n) {
			free(names);
			return STATUS_NONEXISTENT_EA_ENTRY;
		}
		start = index - 1;
	}
	if (start >= n) {
		free(names);
		return STATUS_NO_MORE_EAS;
	}
	for (i = 0; i < len; i += (long)strlen(names + i) + 1, k++) {
		long v;

		if (k < start)
			continue;
		v = read_value(fd, names + i, o->val);
		if (v < 0) {
			st = store_status((int)-v);
			break;
		}
		if (!emit(o, names + i, o->val, (u32)v)) {
			st = fit_status(o, false);
			break;
		}
		if (flags & SL_RETURN_SINGLE_ENTRY) {
			k++;
			break;
		}
	}
	*next_index = k;
	free(names);
	return st;
}

u32 ea_query(int fd, const u8 *in, u32 in_len, u32 flags, u32 index,
	     u32 *next_index, u8 *out, u32 out_len, u32 *len)
{
	struct ea_out o = { .out = out, .cap = out_len };
	u32 st;

	o.val = malloc(EA_VALUE_MAX);
	if (!o.val)
		return STATUS_NO_MEMORY;
	if (in_len)
		st = query_listed(fd, in, in_len, &o);
	else
		st = query_all(fd, flags, index, next_index, &o);
	free(o.val);
	*len = o.len;
	return st;
}

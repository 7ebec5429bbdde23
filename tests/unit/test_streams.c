// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_streams.c - named streams without a socket: the "file:stream:$TYPE"
 * parser (vfs_stream_split / vfs_stream_parse) and the chunked xattr
 * storage on a file in a temporary directory, with a small chunk size so
 * that a few KiB (all ext4 gives one inode's xattrs) cross many chunks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/smb2_proto.h"
#include "tests/unit/check_main.h"
#include "userd/vfs/streams.h"
#include "userd/vfs/vfs.h"

/* ASCII to UTF-16LE; returns bytes */
static u32 to_u16(const char *s, u8 *out)
{
	u32 n = 0;

	for (; *s; s++, n += 2)
		dfs_put_le16(out + n, (u8)*s);
	return n;
}

static char path[VFS_PATH_MAX];
static char sname[VFS_STREAM_NAME_BYTES];
static enum vfs_stream_kind kind;

static u32 split(const char *ascii)
{
	u8 w[2048];

	return vfs_stream_split(w, to_u16(ascii, w), path, sizeof(path), sname,
				sizeof(sname), &kind);
}

/* --- names -------------------------------------------------------------- */

START_TEST(test_split_plain_and_default)
{
	ck_assert_uint_eq(split("dir\\file.txt"), STATUS_SUCCESS);
	ck_assert_str_eq(path, "dir/file.txt");
	ck_assert_int_eq(kind, VFS_STREAM_NONE);
	ck_assert_str_eq(sname, "");
	ck_assert_uint_eq(split("file.txt::$DATA"), STATUS_SUCCESS);
	ck_assert_str_eq(path, "file.txt");
	ck_assert_int_eq(kind, VFS_STREAM_DEFAULT);
	ck_assert_uint_eq(split("file.txt::$data"), STATUS_SUCCESS);
	ck_assert_int_eq(kind, VFS_STREAM_DEFAULT);
}
END_TEST

START_TEST(test_split_named)
{
	ck_assert_uint_eq(split("d\\f:Stream One"), STATUS_SUCCESS);
	ck_assert_str_eq(path, "d/f");
	ck_assert_str_eq(sname, "Stream One");
	ck_assert_int_eq(kind, VFS_STREAM_NAMED);
	ck_assert_uint_eq(split("f:Second Stream:$DaTa"), STATUS_SUCCESS);
	ck_assert_str_eq(sname, "Second Stream");
	/* wildcards and control characters are fine in a stream name */
	ck_assert_uint_eq(split("f:?Stream*"), STATUS_SUCCESS);
	ck_assert_str_eq(sname, "?Stream*");
	ck_assert_uint_eq(split("f:\x05Stream\n One"), STATUS_SUCCESS);
	/* a stream of the share root */
	ck_assert_uint_eq(split(":root"), STATUS_SUCCESS);
	ck_assert_str_eq(path, "");
	ck_assert_str_eq(sname, "root");
}
END_TEST

START_TEST(test_split_dir_index)
{
	ck_assert_uint_eq(split("dir::$INDEX_ALLOCATION"), STATUS_SUCCESS);
	ck_assert_int_eq(kind, VFS_STREAM_DIR_INDEX);
	ck_assert_str_eq(path, "dir");
	ck_assert_uint_eq(split("dir:$I30:$index_allocation"), STATUS_SUCCESS);
	ck_assert_int_eq(kind, VFS_STREAM_DIR_INDEX);
	ck_assert_uint_eq(split("dir:other:$INDEX_ALLOCATION"),
			  STATUS_OBJECT_NAME_INVALID);
}
END_TEST

START_TEST(test_split_invalid)
{
	static const char *const bad[] = {
		"f:",			/* no name, no type */
		"f::",			/* empty type */
		"f:s:",			/* empty type */
		"f:s:$FOO",		/* unknown type */
		"f:s:?D*a",
		"f:s:$DATA:x",		/* a third ':' */
		"f:a/b",		/* separators in a stream name */
		"f:a\\b",
		"dir\\stream*:s",	/* wildcards in the base */
		"a:b\\c",		/* a path after a stream */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(split(bad[i]) == STATUS_OBJECT_NAME_INVALID,
			      "'%s' should be invalid", bad[i]);
}
END_TEST

START_TEST(test_split_lengths)
{
	char name[600];
	u8 w[2048];
	u32 n;

	/* 255 code units is the longest stream name */
	memset(name, 0, sizeof(name));
	name[0] = 'f';
	name[1] = ':';
	memset(name + 2, 'x', 255);
	ck_assert_uint_eq(split(name), STATUS_SUCCESS);
	ck_assert_uint_eq(strlen(sname), 255);
	name[2 + 255] = 'x';
	ck_assert_uint_eq(split(name), STATUS_OBJECT_NAME_INVALID);
	/* odd byte counts and unpaired surrogates */
	n = to_u16("f:s", w);
	ck_assert_uint_eq(vfs_stream_split(w, n - 1, path, sizeof(path), sname,
					   sizeof(sname), &kind),
			  STATUS_OBJECT_NAME_INVALID);
	dfs_put_le16(w + n - 2, 0xD800);
	ck_assert_uint_eq(vfs_stream_split(w, n, path, sizeof(path), sname,
					   sizeof(sname), &kind),
			  STATUS_OBJECT_NAME_INVALID);
	/* a NUL inside the stream name */
	dfs_put_le16(w + n - 2, 0);
	ck_assert_uint_eq(vfs_stream_split(w, n, path, sizeof(path), sname,
					   sizeof(sname), &kind),
			  STATUS_OBJECT_NAME_INVALID);
	/* no room for the stream name */
	n = to_u16("f:stream", w);
	ck_assert_uint_eq(vfs_stream_split(w, n, path, sizeof(path), sname, 3,
					   &kind), STATUS_OBJECT_NAME_INVALID);
}
END_TEST

START_TEST(test_names_fold)
{
	ck_assert(vfs_stream_name_eq("Stream One", "STREAM one"));
	ck_assert(vfs_stream_name_eq("\xc3\x89t\xc3\xa9", "\xc3\xa9T\xc3\x89"));
	ck_assert(!vfs_stream_name_eq("a", "b"));
}
END_TEST

/* --- storage -------------------------------------------------------------- */

static char dir[64];
static int fd = -1;

static void store_setup(void)
{
	char file[128];

	snprintf(dir, sizeof(dir), "%s/dfs-streams.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/base", dir);
	fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "base data", 9), 9);
	/* 100-byte chunks: a few KiB of data is many xattrs */
	vfs_stream_set_chunk(100);
}

static void store_teardown(void)
{
	char file[128];

	vfs_stream_set_chunk(0);
	close(fd);
	snprintf(file, sizeof(file), "%s/base", dir);
	unlink(file);
	rmdir(dir);
}

/* The file system may refuse user xattrs: then these tests cannot run */
static void need_xattrs(void)
{
	if (fsetxattr(fd, "user.dittofs.probe", "x", 1, 0) < 0)
		ck_abort_msg("no user xattrs in %s (%s): run with TMPDIR on ext4, xfs or tmpfs",
			     dir, strerror(errno));
	fremovexattr(fd, "user.dittofs.probe");
}

static u8 pattern(size_t i)
{
	return (u8)(i * 7 + 3);
}

START_TEST(test_store_create_write_read)
{
	u8 buf[1500], back[1600];
	u64 size;
	size_t i;

	need_xattrs();
	ck_assert_int_eq(vfs_stream_size(fd, "s", &size), -ENOENT);
	ck_assert_int_eq(vfs_stream_create(fd, "s"), 0);
	ck_assert_int_eq(vfs_stream_create(fd, "S"), -EEXIST);
	ck_assert_int_eq(vfs_stream_size(fd, "s", &size), 0);
	ck_assert_uint_eq(size, 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	/* unaligned, across 16 chunks (ext4 holds about 3 KiB of xattrs) */
	ck_assert_int_eq(vfs_stream_pwrite(fd, "s", buf, sizeof(buf), 50, 1 << 20),
			 sizeof(buf));
	ck_assert_int_eq(vfs_stream_size(fd, "S", &size), 0);
	ck_assert_uint_eq(size, 1550);
	memset(back, 0xAA, sizeof(back));
	ck_assert_int_eq(vfs_stream_pread(fd, "s", back, sizeof(back), 0), 1550);
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(back[i], 0);	/* the hole reads as zeros */
	ck_assert_int_eq(memcmp(back + 50, buf, sizeof(buf)), 0);
	/* reads past the end, and at it */
	ck_assert_int_eq(vfs_stream_pread(fd, "s", back, 100, 1550), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "s", back, 100, 1500), 50);
	/* overwrite in the middle */
	ck_assert_int_eq(vfs_stream_pwrite(fd, "s", "XYZ", 3, 199, 1 << 20), 3);
	ck_assert_int_eq(vfs_stream_pread(fd, "s", back, 5, 198), 5);
	ck_assert_uint_eq(back[0], pattern(148));
	ck_assert_int_eq(memcmp(back + 1, "XYZ", 3), 0);
	ck_assert_uint_eq(back[4], pattern(152));
	/* the base's own data is untouched */
	ck_assert_int_eq(pread(fd, back, 20, 0), 9);
	ck_assert_int_eq(memcmp(back, "base data", 9), 0);
}
END_TEST

START_TEST(test_store_truncate)
{
	u8 buf[450], back[450];
	u64 size;
	size_t i;

	need_xattrs();
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	ck_assert_int_eq(vfs_stream_create(fd, "t"), 0);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "t", buf, sizeof(buf), 0, 1 << 20),
			 sizeof(buf));
	/* cut inside a chunk, then grow: the cut-off bytes read as zeros */
	ck_assert_int_eq(vfs_stream_truncate(fd, "t", 130, 1 << 20), 0);
	ck_assert_int_eq(vfs_stream_size(fd, "t", &size), 0);
	ck_assert_uint_eq(size, 130);
	ck_assert_int_eq(vfs_stream_truncate(fd, "t", 400, 1 << 20), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "t", back, sizeof(back), 0), 400);
	ck_assert_int_eq(memcmp(back, buf, 130), 0);
	for (i = 130; i < 400; i++)
		ck_assert_uint_eq(back[i], 0);
	ck_assert_int_eq(vfs_stream_truncate(fd, "t", 0, 1 << 20), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "t", back, 10, 0), 0);
}
END_TEST

START_TEST(test_store_limits)
{
	u8 buf[200] = { 1 };

	need_xattrs();
	ck_assert_int_eq(vfs_stream_create(fd, "m"), 0);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "m", buf, 200, 0, 150), -EFBIG);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "m", buf, 100, 50, 150), 100);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "m", buf, 1, ~0ull - 1, ~0ull), -EFBIG);
	ck_assert_int_eq(vfs_stream_truncate(fd, "m", 151, 150), -EFBIG);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "nosuch", buf, 1, 0, 150), -ENOENT);
	ck_assert_int_eq(vfs_stream_pread(fd, "nosuch", buf, 1, 0), -ENOENT);
}
END_TEST

struct seen {
	int n;
	char names[8][32];
	u64 sizes[8];
};

static int collect(void *arg, const char *name, u64 size)
{
	struct seen *s = arg;

	if (s->n < 8) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
		s->sizes[s->n] = size;
	}
	s->n++;
	return 0;
}

static int find(const struct seen *s, const char *name)
{
	int i;

	for (i = 0; i < s->n && i < 8; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -1;
}

START_TEST(test_store_list_rename_remove)
{
	struct seen s = { 0 };
	u8 back[16];
	int i;

	need_xattrs();
	/* names that look like chunk keys must not confuse the listing */
	ck_assert_int_eq(vfs_stream_create(fd, "Alpha"), 0);
	ck_assert_int_eq(vfs_stream_create(fd, "a.0"), 0);
	ck_assert_int_eq(vfs_stream_create(fd, "a.10"), 0);
	ck_assert_int_eq(vfs_stream_pwrite(fd, "Alpha", "0123456789abcdef", 16,
					   95, 1 << 20), 16);
	ck_assert_int_eq(vfs_stream_list(fd, collect, &s), 0);
	ck_assert_int_eq(s.n, 3);
	i = find(&s, "Alpha");
	ck_assert_int_ge(i, 0);
	ck_assert_uint_eq(s.sizes[i], 111);
	ck_assert_int_ge(find(&s, "a.0"), 0);
	ck_assert_int_ge(find(&s, "a.10"), 0);

	/* rename: not over an existing one unless asked, data follows */
	ck_assert_int_eq(vfs_stream_rename(fd, "alpha", "a.0", false), -EEXIST);
	ck_assert_int_eq(vfs_stream_rename(fd, "alpha", "Beta", false), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "beta", back, 16, 95), 16);
	ck_assert_int_eq(memcmp(back, "0123456789abcdef", 16), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "Alpha", back, 1, 0), -ENOENT);
	ck_assert_int_eq(vfs_stream_rename(fd, "beta", "a.10", true), 0);
	ck_assert_int_eq(vfs_stream_pread(fd, "a.10", back, 16, 95), 16);

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(vfs_stream_list(fd, collect, &s), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(vfs_stream_remove(fd, "A.10"), 0);
	ck_assert_int_eq(vfs_stream_remove(fd, "A.10"), -ENOENT);
	ck_assert_int_eq(vfs_stream_remove_all(fd), 0);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(vfs_stream_list(fd, collect, &s), 0);
	ck_assert_int_eq(s.n, 0);
	/* no chunk of any stream is left behind */
	ck_assert_int_le(flistxattr(fd, (char *)back, 0), 0);
}
END_TEST

START_TEST(test_store_long_name)
{
	char name[256];
	struct seen s = { 0 };
	u64 size;

	need_xattrs();
	/* too long for an xattr name as such: stored under a hash */
	memset(name, 'L', 255);
	name[255] = '\0';
	ck_assert_int_eq(vfs_stream_create(fd, name), 0);
	ck_assert_int_eq(vfs_stream_pwrite(fd, name, "x", 1, 150, 1 << 20), 1);
	ck_assert_int_eq(vfs_stream_size(fd, name, &size), 0);
	ck_assert_uint_eq(size, 151);
	ck_assert_int_eq(vfs_stream_list(fd, collect, &s), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(vfs_stream_remove(fd, name), 0);
}
END_TEST

START_TEST(test_store_o_path)
{
	char file[128];
	u8 back[4];
	int pfd;

	need_xattrs();
	snprintf(file, sizeof(file), "%s/base", dir);
	pfd = open(file, O_PATH);
	ck_assert_int_ge(pfd, 0);
	/* an O_PATH fd goes through /proc/self/fd */
	ck_assert_int_eq(vfs_stream_create(pfd, "p"), 0);
	ck_assert_int_eq(vfs_stream_pwrite(pfd, "p", "data", 4, 0, 1 << 20), 4);
	ck_assert_int_eq(vfs_stream_pread(fd, "p", back, 4, 0), 4);
	ck_assert_int_eq(memcmp(back, "data", 4), 0);
	close(pfd);
}
END_TEST

static Suite *streams_suite(void)
{
	Suite *s = suite_create("streams");
	TCase *tc = tcase_create("names");
	TCase *st = tcase_create("storage");

	tcase_add_test(tc, test_split_plain_and_default);
	tcase_add_test(tc, test_split_named);
	tcase_add_test(tc, test_split_dir_index);
	tcase_add_test(tc, test_split_invalid);
	tcase_add_test(tc, test_split_lengths);
	tcase_add_test(tc, test_names_fold);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(st, store_setup, store_teardown);
	tcase_add_test(st, test_store_create_write_read);
	tcase_add_test(st, test_store_truncate);
	tcase_add_test(st, test_store_limits);
	tcase_add_test(st, test_store_list_rename_remove);
	tcase_add_test(st, test_store_long_name);
	tcase_add_test(st, test_store_o_path);
	suite_add_tcase(s, st);
	return s;
}

DFS_CHECK_MAIN(streams_suite)

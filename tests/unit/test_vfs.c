// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_vfs.c - the file side of dittofsd without a socket: wire names to
 * paths, wildcards, errno mapping, openat2 confinement, the open table,
 * and CREATE / QUERY_DIRECTORY / QUERY_INFO / SET_INFO / READ / WRITE
 * driven through hand-built requests on a temporary share.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/config.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"

/* --- helpers -------------------------------------------------------------- */

/* ASCII (with \uXXXX-free input) to UTF-16LE; returns bytes */
static u32 to_u16(const char *s, u8 *out)
{
	u32 n = 0;

	for (; *s; s++, n += 2)
		dfs_put_le16(out + n, (u8)*s);
	return n;
}

static u32 conv(const char *ascii, char *out, size_t cap)
{
	u8 w[1024];

	return vfs_path_from_utf16(w, to_u16(ascii, w), out, cap);
}

/* --- names -------------------------------------------------------------- */

START_TEST(test_names_valid)
{
	char p[VFS_PATH_MAX];

	ck_assert_uint_eq(conv("a\\b\\c.txt", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "a/b/c.txt");
	ck_assert_uint_eq(conv("\\dir\\file", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "dir/file");
	ck_assert_uint_eq(conv("", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(conv("\\", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(conv("dir\\", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "dir");
	ck_assert_uint_eq(conv("file.txt::$DATA", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "file.txt");
	ck_assert_uint_eq(conv("...x", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "...x");
	/* '/' separates too, as in smbd */
	ck_assert_uint_eq(conv("a/b\\c.txt", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "a/b/c.txt");
	ck_assert_uint_eq(conv("/dir/", p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "dir");
}
END_TEST

START_TEST(test_names_invalid)
{
	char p[VFS_PATH_MAX];

	ck_assert_uint_eq(conv("..", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("a\\..\\b", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("a\\..", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("a\\.\\b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("a\\\\b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("a*b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("a?", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	/* with '/' as a separator, ".." and empty components stay refused */
	ck_assert_uint_eq(conv("a/../../x", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("a\\../x", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("/..", p, sizeof(p)), STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(conv("a/./b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("a//b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("a\\/b", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("file:stream", p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(conv("file:stream:$DATA", p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
	/* does not fit the output */
	ck_assert_uint_eq(conv("abcdefgh", p, 4), STATUS_NAME_TOO_LONG);
}
END_TEST

START_TEST(test_names_utf16)
{
	char p[64];
	u8 w[16];

	/* U+1F600 as a surrogate pair: 4 UTF-8 bytes */
	dfs_put_le16(w, 0xD83D);
	dfs_put_le16(w + 2, 0xDE00);
	ck_assert_uint_eq(vfs_path_from_utf16(w, 4, p, sizeof(p)), STATUS_SUCCESS);
	ck_assert_str_eq(p, "\xF0\x9F\x98\x80");
	/* unpaired high, unpaired low, high at the end */
	dfs_put_le16(w, 0xD83D);
	dfs_put_le16(w + 2, 'a');
	ck_assert_uint_eq(vfs_path_from_utf16(w, 4, p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
	dfs_put_le16(w, 0xDE00);
	ck_assert_uint_eq(vfs_path_from_utf16(w, 2, p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
	dfs_put_le16(w, 'a');
	dfs_put_le16(w + 2, 0xD83D);
	ck_assert_uint_eq(vfs_path_from_utf16(w, 4, p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
	/* embedded NUL, odd length */
	dfs_put_le16(w, 0);
	ck_assert_uint_eq(vfs_path_from_utf16(w, 2, p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
	ck_assert_uint_eq(vfs_path_from_utf16(w, 3, p, sizeof(p)),
			  STATUS_OBJECT_NAME_INVALID);
}
END_TEST

START_TEST(test_names_too_long)
{
	char p[VFS_PATH_MAX], *s = malloc(600);
	int i;

	for (i = 0; i < 256; i++)
		s[i] = 'x';
	s[256] = '\0';
	ck_assert_uint_eq(conv(s, p, sizeof(p)), STATUS_OBJECT_NAME_INVALID);
	s[255] = '\0';
	ck_assert_uint_eq(conv(s, p, sizeof(p)), STATUS_SUCCESS);
	free(s);
}
END_TEST

START_TEST(test_utf8_to_utf16)
{
	u8 w[16];

	ck_assert_int_eq(vfs_utf8_to_utf16("ab", 2, w, sizeof(w)), 4);
	ck_assert_uint_eq(dfs_get_le16(w + 2), 'b');
	ck_assert_int_eq(vfs_utf8_to_utf16("\xF0\x9F\x98\x80", 4, w, sizeof(w)), 4);
	ck_assert_uint_eq(dfs_get_le16(w), 0xD83D);
	ck_assert_uint_eq(dfs_get_le16(w + 2), 0xDE00);
	ck_assert_int_eq(vfs_utf8_to_utf16("\xC0\xAF", 2, w, sizeof(w)), -1);
	ck_assert_int_eq(vfs_utf8_to_utf16("\x80", 1, w, sizeof(w)), -1);
	ck_assert_int_eq(vfs_utf8_to_utf16("\xED\xA0\x80", 3, w, sizeof(w)), -1);
	ck_assert_int_eq(vfs_utf8_to_utf16("abc", 3, w, 4), -1);
	ck_assert_int_eq(vfs_utf8_to_utf16("abc", 3, NULL, (size_t)-1), 6);
}
END_TEST

START_TEST(test_short_names)
{
	char sn[13];

	vfs_short_name("README.TXT", sn);
	ck_assert_str_eq(sn, "README.TXT");
	vfs_short_name("a long file name.text", sn);
	ck_assert_int_eq((int)strlen(sn), 12);
	ck_assert_int_eq(sn[8], '.');
	ck_assert_int_eq(sn[5], '~');
	ck_assert(!strncmp(sn, "ALONG", 5));
	vfs_short_name(".profile", sn);
	ck_assert(strlen(sn) <= 12);
}
END_TEST

/* --- wildcards -------------------------------------------------------------- */

START_TEST(test_wildcards)
{
	ck_assert(vfs_wildcard_match("*", "anything.at.all"));
	ck_assert(vfs_wildcard_match("*.txt", "README.TXT"));
	ck_assert(!vfs_wildcard_match("*.txt", "README.TXT.bak"));
	ck_assert(vfs_wildcard_match("a?c", "ABC"));
	ck_assert(!vfs_wildcard_match("a?c", "ac"));
	ck_assert(vfs_wildcard_match("readme.txt", "ReadMe.Txt"));
	ck_assert(vfs_wildcard_match("\xC3\x84*", "\xC3\xA4rger"));	/* Ä vs ä */
	/* DOS_STAR: up to the last dot */
	ck_assert(vfs_wildcard_match("<.txt", "foo.bar.txt"));
	ck_assert(!vfs_wildcard_match("<", "foo.bar"));
	ck_assert(vfs_wildcard_match("<", "foo"));
	ck_assert(vfs_wildcard_match("<.*", "foo.bar"));
	/* DOS_QM: one char, or nothing at a dot or the end */
	ck_assert(vfs_wildcard_match("a>>>", "ab"));
	ck_assert(vfs_wildcard_match("a>>.txt", "a.txt"));
	ck_assert(!vfs_wildcard_match("a>", "abc"));
	/* DOS_DOT: a dot, or nothing at the end */
	ck_assert(vfs_wildcard_match("foo\"*", "foo.c"));
	ck_assert(vfs_wildcard_match("foo\"", "foo"));
	ck_assert(!vfs_wildcard_match("foo\"", "foox"));
	/* backtracking-hostile patterns stay fast and right */
	ck_assert(!vfs_wildcard_match("*a*a*a*a*a*a*a*a*a*a*b",
				      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(vfs_wildcard_match("*a*a*a*a*a*a*a*a*a*a*b",
				     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
}
END_TEST

/* Names equal as Windows compares them: by each code point's uppercase. */
START_TEST(test_name_fold)
{
	ck_assert(vfs_name_eq_fold("ReadMe.TXT", "readme.txt"));
	ck_assert(vfs_name_eq_fold("\xC3\x84rger", "\xC3\xA4RGER"));	/* Ä ä */
	ck_assert(vfs_name_eq_fold("\xEF\xBD\x81", "\xEF\xBC\xA1"));	/* U+FF41 U+FF21 */
	ck_assert(vfs_name_eq_fold("\xCF\x83", "\xCE\xA3"));	/* σ Σ */
	ck_assert(!vfs_name_eq_fold("a", "\xEF\xBD\x81"));	/* a, fullwidth a */
	/* dotless i uppercases to 'I', but ASCII only folds within ASCII */
	ck_assert(!vfs_name_eq_fold("i", "\xC4\xB1"));
	ck_assert(!vfs_name_eq_fold("I", "\xC4\xB1"));
}
END_TEST

/* --- errno map ---------------------------------------------------------- */

START_TEST(test_errno_map)
{
	ck_assert_uint_eq(vfs_errno_status(ENOENT), STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(vfs_errno_status(EEXIST), STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(vfs_errno_status(EACCES), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(vfs_errno_status(EPERM), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(vfs_errno_status(EXDEV), STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(vfs_errno_status(ENOTDIR), STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(vfs_errno_status(ELOOP), STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(vfs_errno_status(EISDIR), STATUS_FILE_IS_A_DIRECTORY);
	ck_assert_uint_eq(vfs_errno_status(ENOTEMPTY), STATUS_DIRECTORY_NOT_EMPTY);
	ck_assert_uint_eq(vfs_errno_status(ENOSPC), STATUS_DISK_FULL);
	ck_assert_uint_eq(vfs_errno_status(ENAMETOOLONG), STATUS_NAME_TOO_LONG);
	ck_assert_uint_eq(vfs_errno_status(EPROTO), STATUS_INTERNAL_ERROR);
}
END_TEST

START_TEST(test_become_nests)
{
	struct dfs_session a = { .uid = 65534, .gid = 65534 };
	struct dfs_session b = { .uid = 65533, .gid = 65533 };
	uid_t me = geteuid();

	if (me != 0)
		return;	/* identities only switch for root */
	vfs_become(&a);
	ck_assert_uint_eq(vfs_fsuid(), 65534);
	vfs_become(&b);
	ck_assert_uint_eq(vfs_fsuid(), 65533);
	vfs_become(NULL);	/* no session: keeps who we are */
	ck_assert_uint_eq(vfs_fsuid(), 65533);
	vfs_unbecome();
	vfs_unbecome();
	ck_assert_uint_eq(vfs_fsuid(), 65534);
	vfs_unbecome();
	ck_assert_uint_eq(vfs_fsuid(), me);
}
END_TEST

/* --- a temporary share ------------------------------------------------------ */

#define SHARE_TEMPLATE "/tmp/dfs-vfs-XXXXXX"

static char share[sizeof(SHARE_TEMPLATE)];
static int root_fd = -1;

static void put_file(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", share, rel);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void share_setup(void)
{
	char p[256];

	strcpy(share, SHARE_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(share));
	snprintf(p, sizeof(p), "%s/sub", share);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	put_file("hello.txt", "hello, world\n");
	put_file("sub/inner.txt", "inner");
	snprintf(p, sizeof(p), "%s/escape", share);
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/up", share);
	ck_assert_int_eq(symlink("..", p), 0);
	snprintf(p, sizeof(p), "%s/inside", share);
	ck_assert_int_eq(symlink("sub/inner.txt", p), 0);
	root_fd = open(share, O_PATH | O_DIRECTORY);
	ck_assert_int_ge(root_fd, 0);
}

static void share_teardown(void)
{
	char cmd[300];

	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", share);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_confinement)
{
	int fd;

	fd = vfs_open(root_fd, "hello.txt", O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = vfs_open(root_fd, "inside", O_RDONLY, 0);	/* symlink within */
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(vfs_open(root_fd, "escape", O_RDONLY, 0), -EXDEV);
	ck_assert_int_eq(vfs_open(root_fd, "up/x", O_RDONLY, 0), -EXDEV);
	ck_assert_int_eq(vfs_open(root_fd, "sub/../../etc/passwd", O_RDONLY, 0),
			 -EXDEV);
	ck_assert_int_eq(vfs_open(root_fd, "/etc/passwd", O_RDONLY, 0), -EXDEV);
	ck_assert_int_eq(vfs_open(root_fd, "nope", O_RDONLY, 0), -ENOENT);
	/* unlink removes the link, never what it points to */
	ck_assert_int_eq(vfs_unlink(root_fd, "escape", false), 0);
	ck_assert_int_eq(access("/etc/passwd", F_OK), 0);
	/* creating through an escaping parent fails */
	ck_assert_int_lt(vfs_create_file(root_fd, "up/evil", O_RDWR, 0644), 0);
	ck_assert_int_lt(vfs_mkdir(root_fd, "up/evil", 0755), 0);
	ck_assert_int_eq(vfs_rename(root_fd, "hello.txt", "up/evil", false), -EXDEV);
	ck_assert_int_eq(vfs_rename(root_fd, "hello.txt", "sub/inner.txt", false),
			 -EEXIST);
	ck_assert_int_eq(vfs_rename(root_fd, "hello.txt", "sub/moved", false), 0);
	ck_assert_int_eq(vfs_mkdir(root_fd, "sub/d", 0755), 0);
	ck_assert_int_eq(vfs_unlink(root_fd, "sub/d", true), 0);
}
END_TEST

/* --- request plumbing --------------------------------------------------------- */

static struct dfs_server srv;
static struct dfs_config srv_cfg;	/* defaults: the resource limits read it */
static struct dfs_conn conn;
static struct dfs_session sess;
static struct dfs_tree tree, tree2;
static struct dfs_share_cfg share_cfg;
static u8 reqbuf[70000];
static u8 rspbuf[70000];
static u64 cfid[2];

static void req_init(struct dfs_req *r, u16 cmd, u32 body_len)
{
	memset(r, 0, sizeof(*r));
	r->srv = &srv;
	r->conn = &conn;
	r->hdr = reqbuf;
	r->body = reqbuf + SMB2_HDR_SIZE;
	r->body_len = body_len;
	r->command = cmd;
	r->sess = &sess;
	r->tree = &tree;
	r->rsp = rspbuf;
	r->rsp_body = rspbuf + SMB2_HDR_SIZE;
	r->rsp_cap = sizeof(rspbuf) - SMB2_HDR_SIZE;
	r->compound_fid = cfid;
}

static void plumbing_setup(void)
{
	share_setup();
	memset(&srv, 0, sizeof(srv));
	dfs_config_defaults(&srv_cfg);
	srv.cfg = &srv_cfg;
	conn.srv = &srv;
	conn.dialect = SMB2_DIALECT_311;
	sess.conn = &conn;
	sess.uid = geteuid();
	sess.gid = getegid();
	snprintf(share_cfg.name, sizeof(share_cfg.name), "test");
	tree.sess = &sess;
	tree.share = &share_cfg;
	tree.root_fd = root_fd;
	tree2 = tree;
	tree2.id = 2;
}

static void plumbing_teardown(void)
{
	u32 i;

	for (i = 0; i < srv.opens_cap; i++)
		if (srv.opens[i])
			dfs_open_close(&srv, srv.opens[i]);
	free(srv.opens);
	share_teardown();
}

/* Build a CREATE body; returns the status and the FileId in fid */
static u32 do_create(const char *name, u32 access, u32 disp, u32 opts, u8 fid[16])
{
	struct dfs_req r;
	u8 *b = reqbuf + SMB2_HDR_SIZE;
	u32 nlen, st;

	memset(reqbuf, 0, 256);
	dfs_put_le16(b, 57);
	dfs_put_le32(b + 4, 2);			/* Impersonation */
	dfs_put_le32(b + 24, access);
	dfs_put_le32(b + 32, 7);
	dfs_put_le32(b + 36, disp);
	dfs_put_le32(b + 40, opts);
	nlen = to_u16(name, b + 56);
	dfs_put_le16(b + 44, SMB2_HDR_SIZE + 56);
	dfs_put_le16(b + 46, (u16)nlen);
	req_init(&r, SMB2_CREATE, 56 + (nlen ? nlen : 1));
	st = smb2_create(&r);
	if (st == STATUS_SUCCESS) {
		ck_assert_uint_eq(dfs_get_le16(r.rsp_body), 89);
		if (fid)
			memcpy(fid, r.rsp_body + 64, 16);
	} else {
		ck_assert_uint_eq(r.rsp_len, 0);
	}
	return st;
}

static u32 do_close(const u8 fid[16])
{
	struct dfs_req r;
	u8 *b = reqbuf + SMB2_HDR_SIZE;

	memset(b, 0, 24);
	dfs_put_le16(b, 24);
	dfs_put_le16(b + 2, 1);
	memcpy(b + 8, fid, 16);
	req_init(&r, SMB2_CLOSE, 24);
	return smb2_close(&r);
}

START_TEST(test_open_table)
{
	struct dfs_open *a, *b, *c;
	struct dfs_req r;
	u8 fid[16];
	u64 old;

	a = dfs_open_new(&srv, &tree);
	b = dfs_open_new(&srv, &tree);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert(a->volatile_id != b->volatile_id);
	req_init(&r, SMB2_CLOSE, 24);
	dfs_put_le64(fid, a->persistent_id);
	dfs_put_le64(fid + 8, a->volatile_id);
	ck_assert_ptr_eq(dfs_open_lookup(&r, fid), a);
	/* a different tree (or session) may not use it */
	r.tree = &tree2;
	ck_assert_ptr_null(dfs_open_lookup(&r, fid));
	r.tree = &tree;
	old = a->volatile_id;
	dfs_open_close(&srv, a);
	ck_assert_ptr_null(dfs_open_lookup(&r, fid));
	/* the slot is reused, the old id still does not match */
	c = dfs_open_new(&srv, &tree);
	ck_assert_uint_eq((u32)c->volatile_id, (u32)old);
	ck_assert(c->volatile_id != old);
	ck_assert_ptr_null(dfs_open_lookup(&r, fid));
	/* the related-compound id resolves only with the related flag */
	memset(fid, 0xFF, 16);
	cfid[0] = c->persistent_id;
	cfid[1] = c->volatile_id;
	ck_assert_ptr_null(dfs_open_lookup(&r, fid));
	r.flags = SMB2_FLAGS_RELATED_OPERATIONS;
	ck_assert_ptr_eq(dfs_open_lookup(&r, fid), c);
	dfs_open_close(&srv, b);
	dfs_open_close(&srv, c);
}
END_TEST

START_TEST(test_create_dispositions)
{
	u8 fid[16];

	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(rspbuf + 64 + 4), FILE_OPENED);
	ck_assert_uint_eq(dfs_get_le64(rspbuf + 64 + 48), 13);	/* EndofFile */
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(fid), STATUS_FILE_CLOSED);

	ck_assert_uint_eq(do_create("nope", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_OBJECT_NAME_NOT_FOUND);
	ck_assert_uint_eq(do_create("nodir\\x", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_OBJECT_PATH_NOT_FOUND);
	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_DATA, FILE_CREATE, 0, fid),
			  STATUS_OBJECT_NAME_COLLISION);
	ck_assert_uint_eq(do_create("sub", FILE_READ_DATA, FILE_OPEN,
				    FILE_NON_DIRECTORY_FILE, fid),
			  STATUS_FILE_IS_A_DIRECTORY);
	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_DATA, FILE_OPEN,
				    FILE_DIRECTORY_FILE, fid),
			  STATUS_NOT_A_DIRECTORY);
	ck_assert_uint_eq(do_create("x", FILE_READ_DATA, FILE_OPEN,
				    FILE_DIRECTORY_FILE | FILE_NON_DIRECTORY_FILE, fid),
			  STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(do_create("x", FILE_READ_DATA, 6, 0, fid),
			  STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(do_create("..\\x", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_OBJECT_PATH_SYNTAX_BAD);
	ck_assert_uint_eq(do_create("escape", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(do_create("x", FILE_READ_DATA, FILE_OPEN,
				    FILE_DELETE_ON_CLOSE, fid),
			  STATUS_ACCESS_DENIED);

	/* create, overwrite, supersede */
	ck_assert_uint_eq(do_create("new.txt", GENERIC_WRITE, FILE_CREATE, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(rspbuf + 64 + 4), FILE_CREATED);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_create("new.txt", GENERIC_WRITE, FILE_OVERWRITE_IF, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(rspbuf + 64 + 4), FILE_OVERWRITTEN);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_create("new.txt", GENERIC_WRITE, FILE_SUPERSEDE, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(rspbuf + 64 + 4), FILE_SUPERSEDED);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_create("new2", GENERIC_WRITE, FILE_OVERWRITE, 0, fid),
			  STATUS_OBJECT_NAME_NOT_FOUND);

	/* directories and delete on close */
	ck_assert_uint_eq(do_create("d", GENERIC_READ | DELETE, FILE_CREATE,
				    FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE, fid),
			  STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "d", F_OK, 0), 0);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "d", F_OK, 0), -1);
	ck_assert_uint_eq(do_create("new.txt", DELETE, FILE_OPEN,
				    FILE_DELETE_ON_CLOSE, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "new.txt", F_OK, 0), -1);
}
END_TEST

START_TEST(test_read_only_tree)
{
	u8 fid[16];

	tree.read_only = true;
	ck_assert_uint_eq(do_create("hello.txt", GENERIC_WRITE, FILE_OPEN, 0, fid),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(do_create("z", GENERIC_READ, FILE_CREATE, 0, fid),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(do_create("hello.txt", MAXIMUM_ALLOWED, FILE_OPEN, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	tree.read_only = false;
}
END_TEST

/* QUERY_DIRECTORY with pattern and output size; returns the status */
static u32 do_qdir(const u8 fid[16], u8 cls, u8 flags, const char *pat,
		   u32 out_len, struct dfs_req *r)
{
	u8 *b = reqbuf + SMB2_HDR_SIZE;
	u32 nlen;

	memset(b, 0, 32);
	dfs_put_le16(b, 33);
	b[2] = cls;
	b[3] = flags;
	memcpy(b + 8, fid, 16);
	nlen = to_u16(pat, b + 32);
	dfs_put_le16(b + 24, SMB2_HDR_SIZE + 32);
	dfs_put_le16(b + 26, (u16)nlen);
	dfs_put_le32(b + 28, out_len);
	req_init(r, SMB2_QUERY_DIRECTORY, 32 + nlen);
	return smb2_query_directory(r);
}

/* Count entries in a QUERY_DIRECTORY answer, checking the chain */
static int count_entries(const struct dfs_req *r)
{
	const u8 *p = r->rsp_body + 8;
	u32 len = dfs_get_le32(r->rsp_body + 4), off = 0, next;
	int n = 1;

	ck_assert_uint_eq(dfs_get_le16(r->rsp_body + 2), 72);
	while ((next = dfs_get_le32(p + off))) {
		ck_assert_uint_eq(next % 8, 0);
		off += next;
		ck_assert_uint_lt(off, len);
		n++;
	}
	return n;
}

START_TEST(test_query_directory)
{
	struct dfs_req r;
	u8 fid[16];
	int total = 0;
	u32 st;

	ck_assert_uint_eq(do_create("", GENERIC_READ, FILE_OPEN,
				    FILE_DIRECTORY_FILE, fid), STATUS_SUCCESS);
	/* . .. hello.txt inside sub: "escape" and "up" lead outside */
	st = do_qdir(fid, FileIdBothDirectoryInformation, SMB2_RETURN_SINGLE_ENTRY,
		     "*", 65536, &r);
	while (st == STATUS_SUCCESS) {
		ck_assert_int_eq(count_entries(&r), 1);
		total++;
		st = do_qdir(fid, FileIdBothDirectoryInformation,
			     SMB2_RETURN_SINGLE_ENTRY, "*", 65536, &r);
	}
	ck_assert_uint_eq(st, STATUS_NO_MORE_FILES);
	ck_assert_int_eq(total, 5);

	/* restart with a buffer that holds one entry: the rest waits */
	st = do_qdir(fid, FileDirectoryInformation, SMB2_RESTART_SCANS, "*",
		     64 + 16, &r);
	ck_assert_uint_eq(st, STATUS_SUCCESS);
	ck_assert_int_eq(count_entries(&r), 1);
	st = do_qdir(fid, FileDirectoryInformation, 0, "*", 65536, &r);
	ck_assert_uint_eq(st, STATUS_SUCCESS);
	ck_assert_int_eq(count_entries(&r), 4);
	ck_assert_uint_eq(do_qdir(fid, FileDirectoryInformation, 0, "*", 65536, &r),
			  STATUS_NO_MORE_FILES);

	/* too small for even one name; smaller than the fixed part */
	ck_assert_uint_eq(do_qdir(fid, FileNamesInformation, SMB2_RESTART_SCANS,
				  "*", 12, &r), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(do_qdir(fid, FileDirectoryInformation, SMB2_RESTART_SCANS,
				  "*", 10, &r), STATUS_INFO_LENGTH_MISMATCH);

	/* a pattern matching nothing, then a specific name */
	ck_assert_uint_eq(do_qdir(fid, FileNamesInformation, SMB2_REOPEN,
				  "*.none", 65536, &r), STATUS_NO_SUCH_FILE);
	ck_assert_uint_eq(do_qdir(fid, FileNamesInformation, SMB2_REOPEN,
				  "HELLO.TXT", 65536, &r), STATUS_SUCCESS);
	ck_assert_int_eq(count_entries(&r), 1);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 8 + 8), 18);	/* NameLength */
	ck_assert_uint_eq(do_qdir(fid, 99, 0, "*", 65536, &r),
			  STATUS_INVALID_INFO_CLASS);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
}
END_TEST

START_TEST(test_dir_pack)
{
	struct vfs_stat st = { .size = 5, .ino = 42, .attrs = FILE_ATTRIBUTE_ARCHIVE };
	u8 buf[256];

	ck_assert_int_eq(smb2_dir_pack(buf, 104 + 5, FileIdBothDirectoryInformation,
				       "abc", &st), 0);
	ck_assert_int_eq(smb2_dir_pack(buf, 104 + 6, FileIdBothDirectoryInformation,
				       "abc", &st), 110);
	ck_assert_uint_eq(dfs_get_le32(buf + 60), 6);
	ck_assert_uint_eq(dfs_get_le64(buf + 96), 42);
	ck_assert_uint_eq(dfs_get_le64(buf + 40), 5);
	ck_assert_int_eq(smb2_dir_pack(buf, sizeof(buf), FileNamesInformation,
				       "\xFF", &st), -1);
	/* a long name gets its 8.3 alias in ShortName */
	ck_assert_int_gt(smb2_dir_pack(buf, sizeof(buf), FileBothDirectoryInformation,
				       "a long name.text", &st), 0);
	ck_assert_uint_eq(buf[68], 24);
	ck_assert_uint_eq(dfs_get_le16(buf + 70), 'A');
	ck_assert_int_gt(smb2_dir_pack(buf, sizeof(buf), FileBothDirectoryInformation,
				       "SHORT.TXT", &st), 0);
	ck_assert_uint_eq(buf[68], 0);
}
END_TEST

/* READ/WRITE/QUERY_INFO/SET_INFO on one open */
static u32 do_write(const u8 fid[16], u64 off, const char *data)
{
	u8 *b = reqbuf + SMB2_HDR_SIZE;
	struct dfs_req r;
	u32 len = (u32)strlen(data);

	memset(b, 0, 48);
	dfs_put_le16(b, 49);
	dfs_put_le16(b + 2, SMB2_HDR_SIZE + 48);
	dfs_put_le32(b + 4, len);
	dfs_put_le64(b + 8, off);
	memcpy(b + 16, fid, 16);
	memcpy(b + 48, data, len);
	req_init(&r, SMB2_WRITE, 48 + len);
	return smb2_write(&r);
}

static u32 do_read(const u8 fid[16], u64 off, u32 len, struct dfs_req *r)
{
	u8 *b = reqbuf + SMB2_HDR_SIZE;

	memset(b, 0, 49);
	dfs_put_le16(b, 49);
	dfs_put_le32(b + 4, len);
	dfs_put_le64(b + 8, off);
	memcpy(b + 16, fid, 16);
	req_init(r, SMB2_READ, 49);
	return smb2_read(r);
}

static u32 do_qinfo(const u8 fid[16], u8 type, u8 cls, u32 out_len,
		    struct dfs_req *r)
{
	u8 *b = reqbuf + SMB2_HDR_SIZE;

	memset(b, 0, 41);
	dfs_put_le16(b, 41);
	b[2] = type;
	b[3] = cls;
	dfs_put_le32(b + 4, out_len);
	dfs_put_le32(b + 16, 7);	/* owner, group, DACL */
	memcpy(b + 24, fid, 16);
	req_init(r, SMB2_QUERY_INFO, 41);
	return smb2_query_info(r);
}

static u32 do_setinfo(const u8 fid[16], u8 cls, const u8 *data, u32 len)
{
	u8 *b = reqbuf + SMB2_HDR_SIZE;
	struct dfs_req r;

	memset(b, 0, 32);
	dfs_put_le16(b, 33);
	b[2] = SMB2_0_INFO_FILE;
	b[3] = cls;
	dfs_put_le32(b + 4, len);
	dfs_put_le16(b + 8, SMB2_HDR_SIZE + 32);
	memcpy(b + 16, fid, 16);
	memcpy(b + 32, data, len);
	req_init(&r, SMB2_SET_INFO, 32 + len);
	return smb2_set_info(&r);
}

START_TEST(test_read_write_info)
{
	struct dfs_req r;
	u8 fid[16], in[64];
	u32 n;

	ck_assert_uint_eq(do_create("rw.txt", GENERIC_READ | GENERIC_WRITE | DELETE,
				    FILE_CREATE, 0, fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_write(fid, 0, "0123456789"), STATUS_SUCCESS);
	ck_assert_uint_eq(do_write(fid, ~0ull, "AB"), STATUS_SUCCESS);	/* append */
	ck_assert_uint_eq(do_read(fid, 8, 100, &r), STATUS_SUCCESS);
	ck_assert_uint_eq(r.rsp_body[2], 0x50);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 4), 4);
	ck_assert(!memcmp(r.rsp_body + 16, "89AB", 4));
	ck_assert_uint_eq(do_read(fid, 12, 1, &r), STATUS_END_OF_FILE);
	/* charge 0 cannot pay for more than 64 KiB */
	ck_assert_uint_eq(do_read(fid, 0, 65537, &r), STATUS_INVALID_PARAMETER);

	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILE, FileStandardInformation,
				   100, &r), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 4), 24);
	ck_assert_uint_eq(dfs_get_le64(r.rsp_body + 8 + 8), 12);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILE, FileStandardInformation,
				   10, &r), STATUS_INFO_LENGTH_MISMATCH);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILE, FileAllInformation,
				   4096, &r), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 4), 100 + 14);	/* "\rw.txt" */
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILE, FileAllInformation,
				   104, &r), STATUS_BUFFER_OVERFLOW);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 4), 104);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILE, FileStreamInformation,
				   4096, &r), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 8 + 4), 14);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILESYSTEM,
				   FileFsAttributeInformation, 4096, &r),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_FILESYSTEM,
				   FileFsFullSizeInformation, 4096, &r),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_SECURITY, 0, 4096, &r),
			  STATUS_SUCCESS);
	n = dfs_get_le32(r.rsp_body + 4);
	ck_assert_uint_eq(r.rsp_body[8], 1);			/* SD revision */
	ck_assert_uint_eq(do_qinfo(fid, SMB2_0_INFO_SECURITY, 0, 8, &r),
			  STATUS_BUFFER_TOO_SMALL);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 8), n);

	/* EndOfFile, then rename onto an existing name and a free one */
	dfs_put_le64(in, 3);
	ck_assert_uint_eq(do_setinfo(fid, FileEndOfFileInformation, in, 8),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_read(fid, 0, 100, &r), STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(r.rsp_body + 4), 3);
	memset(in, 0, sizeof(in));
	n = to_u16("hello.txt", in + 20);
	dfs_put_le32(in + 16, n);
	ck_assert_uint_eq(do_setinfo(fid, FileRenameInformation, in, 20 + n),
			  STATUS_OBJECT_NAME_COLLISION);
	n = to_u16("sub\\renamed.txt", in + 20);
	dfs_put_le32(in + 16, n);
	ck_assert_uint_eq(do_setinfo(fid, FileRenameInformation, in, 20 + n),
			  STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "sub/renamed.txt", F_OK, 0), 0);
	/* delete pending via disposition, applied at close */
	in[0] = 1;
	ck_assert_uint_eq(do_setinfo(fid, FileDispositionInformation, in, 1),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "sub/renamed.txt", F_OK, 0), -1);
}
END_TEST

START_TEST(test_rmdir_not_empty)
{
	u8 fid[16], one = 1;

	ck_assert_uint_eq(do_create("sub", DELETE | FILE_READ_ATTRIBUTES, FILE_OPEN,
				    FILE_DIRECTORY_FILE, fid), STATUS_SUCCESS);
	ck_assert_uint_eq(do_setinfo(fid, FileDispositionInformation, &one, 1),
			  STATUS_DIRECTORY_NOT_EMPTY);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
	ck_assert_int_eq(faccessat(root_fd, "sub", F_OK, 0), 0);
}
END_TEST

START_TEST(test_case_insensitive)
{
	char p[VFS_PATH_MAX] = "SUB/Inner.TXT";
	u8 fid[16];

	vfs_fix_case(root_fd, p, sizeof(p));
	ck_assert_str_eq(p, "sub/inner.txt");
	strcpy(p, "Sub/newfile");
	vfs_fix_case(root_fd, p, sizeof(p));
	ck_assert_str_eq(p, "sub/newfile");
	strcpy(p, "nodir/x");
	vfs_fix_case(root_fd, p, sizeof(p));
	ck_assert_str_eq(p, "nodir/x");
	/* the share root (a stream on it) once read an unset buffer */
	p[0] = '\0';
	vfs_fix_case(root_fd, p, sizeof(p));
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(do_create("HELLO.txt", FILE_READ_DATA, FILE_OPEN, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
}
END_TEST

/*
 * A large directory gets a table of its names (case_cache.c): lookups
 * through it, names dittofsd adds or removes, and changes made behind its
 * back all give the same answers as reading the directory.
 */
START_TEST(test_case_cache)
{
	char p[VFS_PATH_MAX], name[NAME_MAX + 1];
	int i, fd, dfd;

	ck_assert_int_eq(mkdirat(root_fd, "big", 0755), 0);
	dfd = openat(root_fd, "big", O_PATH | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "File%04d.txt", i);
		fd = openat(dfd, name, O_CREAT | O_WRONLY, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	strcpy(name, "FILE0123.TXT");
	ck_assert(vfs_case_find(dfd, name, sizeof(name)));
	ck_assert_str_eq(name, "File0123.txt");
	strcpy(name, "file9999.txt");
	ck_assert(!vfs_case_find(dfd, name, sizeof(name)));
	/* created and removed through vfs: the table follows */
	fd = vfs_create_file(root_fd, "big/NewOne", O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	strcpy(name, "NEWONE");
	ck_assert(vfs_case_find(dfd, name, sizeof(name)));
	ck_assert_str_eq(name, "NewOne");
	ck_assert_int_eq(vfs_unlink(root_fd, "big/File0007.txt", false), 0);
	strcpy(name, "file0007.TXT");
	ck_assert(!vfs_case_find(dfd, name, sizeof(name)));
	ck_assert_int_eq(vfs_rename(root_fd, "big/File0008.txt", "big/Moved", false), 0);
	strcpy(name, "file0008.txt");
	ck_assert(!vfs_case_find(dfd, name, sizeof(name)));
	strcpy(name, "MOVED");
	ck_assert(vfs_case_find(dfd, name, sizeof(name)));
	ck_assert_str_eq(name, "Moved");
	/* made behind dittofsd's back: the directory's times give it away */
	fd = openat(dfd, "LocalOne", O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	strcpy(name, "localone");
	ck_assert(vfs_case_find(dfd, name, sizeof(name)));
	ck_assert_str_eq(name, "LocalOne");
	ck_assert_int_eq(unlinkat(dfd, "File0009.txt", 0), 0);
	strcpy(name, "FILE0009.TXT");
	ck_assert(!vfs_case_find(dfd, name, sizeof(name)));
	/* and through the path walk CREATE uses */
	strcpy(p, "BIG/file0500.TXT");
	vfs_fix_case(root_fd, p, sizeof(p));
	ck_assert_str_eq(p, "big/File0500.txt");
	close(dfd);
}
END_TEST

START_TEST(test_sharing_violation)
{
	u8 a[16], b[16];

	/* a reader that lets nobody else write */
	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_DATA, FILE_OPEN, 0, a),
			  STATUS_SUCCESS);
	srv.opens[(u32)dfs_get_le64(a + 8)]->share_access = FILE_SHARE_READ;
	ck_assert_uint_eq(do_create("hello.txt", FILE_WRITE_DATA, FILE_OPEN, 0, b),
			  STATUS_SHARING_VIOLATION);
	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_DATA, FILE_OPEN, 0, b),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(b), STATUS_SUCCESS);
	/* attribute-only opens never conflict */
	ck_assert_uint_eq(do_create("hello.txt", FILE_READ_ATTRIBUTES, FILE_OPEN, 0, b),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(b), STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(a), STATUS_SUCCESS);
	ck_assert_uint_eq(do_create("hello.txt", FILE_WRITE_DATA, FILE_OPEN, 0, b),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(do_close(b), STATUS_SUCCESS);
}
END_TEST

START_TEST(test_dos_attributes)
{
	struct vfs_stat st;
	u8 fid[16];
	int fd, ret;

	fd = vfs_open(root_fd, "hello.txt", O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(vfs_fstat(fd, &st), 0);
	ck_assert_uint_eq(vfs_attrs_for(&st, "hello.txt"), FILE_ATTRIBUTE_ARCHIVE);
	ck_assert_uint_eq(vfs_attrs_for(&st, ".hidden"),
			  FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_HIDDEN);
	/* kept in the xattr: attributes, creation time, a set ChangeTime */
	ret = vfs_set_dos(fd, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM,
			  130000000000000000ull, 130000000000000001ull);
	if (ret == -EOPNOTSUPP) {	/* a temp dir without user xattrs */
		close(fd);
		return;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(vfs_fstat(fd, &st), 0);
	ck_assert_uint_eq(st.attrs, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
	ck_assert_uint_eq(st.creation, 130000000000000000ull);
	ck_assert_uint_eq(st.change, 130000000000000001ull);
	/* the same through the directory, as QUERY_DIRECTORY sees it */
	ck_assert_int_eq(vfs_statx(root_fd, "hello.txt", &st), 0);
	ck_assert_uint_eq(st.attrs, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
	close(fd);
	/* CREATE with attributes stores them; NORMAL stands alone */
	ck_assert_uint_eq(do_create("attr.txt", GENERIC_ALL, FILE_CREATE, 0, fid),
			  STATUS_SUCCESS);
	ck_assert_uint_eq(dfs_get_le32(rspbuf + 64 + 56), FILE_ATTRIBUTE_ARCHIVE);
	ck_assert_uint_eq(do_close(fid), STATUS_SUCCESS);
}
END_TEST

START_TEST(test_create_leading_backslash)
{
	u8 fid[16];

	ck_assert_uint_eq(do_create("\\hello.txt", FILE_READ_DATA, FILE_OPEN, 0,
				    fid), STATUS_INVALID_PARAMETER);
	ck_assert_uint_eq(do_create("hello.txt", 0x08000000, FILE_OPEN, 0, fid),
			  STATUS_ACCESS_DENIED);
	ck_assert_uint_eq(do_create("hello.txt", ACCESS_SYSTEM_SECURITY, FILE_OPEN,
				    0, fid), STATUS_PRIVILEGE_NOT_HELD);
}
END_TEST

static Suite *vfs_suite(void)
{
	Suite *s = suite_create("vfs");
	TCase *tc = tcase_create("names");
	TCase *fs = tcase_create("share");
	TCase *rq = tcase_create("requests");

	tcase_add_test(tc, test_names_valid);
	tcase_add_test(tc, test_name_fold);
	tcase_add_test(tc, test_names_invalid);
	tcase_add_test(tc, test_names_utf16);
	tcase_add_test(tc, test_names_too_long);
	tcase_add_test(tc, test_utf8_to_utf16);
	tcase_add_test(tc, test_short_names);
	tcase_add_test(tc, test_wildcards);
	tcase_add_test(tc, test_errno_map);
	tcase_add_test(tc, test_dir_pack);
	tcase_add_test(tc, test_become_nests);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(fs, share_setup, share_teardown);
	tcase_add_test(fs, test_confinement);
	suite_add_tcase(s, fs);

	tcase_add_checked_fixture(rq, plumbing_setup, plumbing_teardown);
	tcase_add_test(rq, test_open_table);
	tcase_add_test(rq, test_create_dispositions);
	tcase_add_test(rq, test_read_only_tree);
	tcase_add_test(rq, test_query_directory);
	tcase_add_test(rq, test_read_write_info);
	tcase_add_test(rq, test_rmdir_not_empty);
	tcase_add_test(rq, test_case_insensitive);
	tcase_add_test(rq, test_case_cache);
	tcase_add_test(rq, test_sharing_violation);
	tcase_add_test(rq, test_dos_attributes);
	tcase_add_test(rq, test_create_leading_backslash);
	suite_add_tcase(s, rq);
	return s;
}

DFS_CHECK_MAIN(vfs_suite)

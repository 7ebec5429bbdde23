// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config_edit.c - adding and deleting share sections in dittofs.conf
 * text (userd/config_edit.c) touches that section only, and the file
 * replacement (userd/config_file.c) keeps mode, refuses what does not
 * parse and leaves the file alone then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/config.h"
#include "userd/config_edit.h"
#include "userd/config_file.h"

static char err[1024];

static struct dfs_share_spec spec(const char *name, const char *path)
{
	struct dfs_share_spec s = { .name = name, .path = path, .encrypt = -1 };

	return s;
}

/* add to text; the result must equal want */
static void expect_add(const char *text, const struct dfs_share_spec *sp,
		       const char *want)
{
	struct dfs_conf_text out;

	ck_assert_int_eq(dfs_conf_add_share(text, strlen(text), sp, &out, err,
					    sizeof(err)), 0);
	ck_assert_str_eq(out.buf, want);
	ck_assert_uint_eq(out.len, strlen(want));
	dfs_conf_text_free(&out);
}

static void expect_del(const char *text, const char *name, const char *want)
{
	struct dfs_conf_text out;

	ck_assert_int_eq(dfs_conf_del_share(text, strlen(text), name, &out, err,
					    sizeof(err)), 0);
	ck_assert_str_eq(out.buf, want);
	ck_assert_uint_eq(out.len, strlen(want));
	dfs_conf_text_free(&out);
}

#define GLOBAL "[global]\n\tport = 4445\n"
#define A_SECTION "[a]\n\tpath = /srv/a\n"
#define NEW_B "[b]\n\tpath = /srv/b\n\tread only = no\n\tguest ok = no\n"

START_TEST(add_after_trailing_newline)
{
	struct dfs_share_spec b = spec("b", "/srv/b");

	expect_add(GLOBAL A_SECTION, &b, GLOBAL A_SECTION "\n" NEW_B);
	/* a blank line already there is not doubled */
	expect_add(GLOBAL A_SECTION "\n", &b, GLOBAL A_SECTION "\n" NEW_B);
}
END_TEST

START_TEST(add_without_trailing_newline)
{
	struct dfs_share_spec b = spec("b", "/srv/b");

	expect_add(GLOBAL "\tlog level = 1", &b,
		   GLOBAL "\tlog level = 1\n\n" NEW_B);
}
END_TEST

START_TEST(add_to_empty_file)
{
	struct dfs_share_spec b = spec("b", "/srv/b");

	expect_add("", &b, NEW_B);
}
END_TEST

START_TEST(add_crlf_file)
{
	struct dfs_share_spec b = spec("b", "/srv/b");

	expect_add("[global]\r\n\tport = 1\r\n", &b,
		   "[global]\r\n\tport = 1\r\n\r\n[b]\r\n\tpath = /srv/b\r\n"
		   "\tread only = no\r\n\tguest ok = no\r\n");
}
END_TEST

START_TEST(add_every_option)
{
	struct dfs_share_spec b = spec("Data Share", "/srv/data dir ");
	struct dfs_config *cfg;
	const struct dfs_share_cfg *sh;
	struct dfs_conf_text out;

	b.comment = " team files";
	b.read_only = true;
	b.guest_ok = true;
	b.encrypt = DFS_ENCRYPT_DESIRED;
	b.valid_users = "alice, bob,carol";
	ck_assert_int_eq(dfs_conf_add_share(GLOBAL, strlen(GLOBAL), &b, &out,
					    err, sizeof(err)), 0);
	ck_assert_str_eq(out.buf, GLOBAL "\n[Data Share]\n"
			 "\tpath = \"/srv/data dir \"\n"
			 "\tcomment = \" team files\"\n"
			 "\tread only = yes\n\tguest ok = yes\n"
			 "\tsmb encrypt = desired\n"
			 "\tvalid users = alice, bob, carol\n");
	/* the parser reads back exactly what was asked for */
	ck_assert_int_eq(dfs_config_parse_text("t.conf", out.buf, out.len, &cfg,
					       err, sizeof(err)), 0);
	sh = dfs_config_share(cfg, "data share");
	ck_assert_ptr_nonnull(sh);
	ck_assert_str_eq(sh->path, "/srv/data dir ");
	ck_assert_str_eq(sh->comment, " team files");
	ck_assert(sh->read_only && sh->guest_ok);
	ck_assert_int_eq(sh->encrypt, DFS_ENCRYPT_DESIRED);
	ck_assert_str_eq(sh->valid_users[2], "carol");
	ck_assert_ptr_null(sh->valid_users[3]);
	dfs_config_free(cfg);
	dfs_conf_text_free(&out);
}
END_TEST

START_TEST(add_duplicate_any_case)
{
	struct dfs_share_spec a = spec("A", "/srv/x");
	const char *text = GLOBAL "[ a ]\n\tpath = /srv/a\n";
	struct dfs_conf_text out;

	ck_assert_int_eq(dfs_conf_add_share(text, strlen(text), &a, &out, err,
					    sizeof(err)), -EEXIST);
	ck_assert_ptr_null(out.buf);
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
}
END_TEST

/* spec must be refused with a message containing what */
static void expect_bad_spec(const struct dfs_share_spec *sp, const char *what)
{
	struct dfs_conf_text out;

	ck_assert_int_eq(dfs_conf_add_share(GLOBAL, strlen(GLOBAL), sp, &out,
					    err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(out.buf);
	ck_assert_msg(strstr(err, what), "error '%s' lacks '%s'", err, what);
}

START_TEST(add_refuses_bad_names)
{
	static const char *const bad[] = {
		"", "a/b", "a\\b", "x:y", "a|b", "a<b", "a>b", "a+b", "a=b",
		"a;b", "a,b", "a*b", "a?b", "a\"b", "a[b", "a]b", "50%", "tab\tin",
		" lead", "trail ", "\xff\xfe",
	};
	struct dfs_share_spec s = spec("", "/srv/x");
	char longname[82];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.name = bad[i];
		expect_bad_spec(&s, "share name");
	}
	memset(longname, 'n', 81);
	longname[81] = '\0';
	s.name = longname;
	expect_bad_spec(&s, "1 to 80 bytes");
	longname[80] = '\0';
	ck_assert_int_eq(dfs_share_name_check(longname, err, sizeof(err)), 0);
	s.name = "global";
	expect_bad_spec(&s, "reserved");
	s.name = "HOMES";
	expect_bad_spec(&s, "reserved");
	s.name = "printers";
	expect_bad_spec(&s, "reserved");
	s.name = "ipc$";
	expect_bad_spec(&s, "built in");
	ck_assert_int_eq(dfs_share_name_check("Café-2024 (old)", err, sizeof(err)), 0);
}
END_TEST

START_TEST(add_refuses_bad_values)
{
	struct dfs_share_spec s = spec("x", "srv/x");
	char longc[300];

	expect_bad_spec(&s, "absolute");
	s.path = "/srv/x\n[evil]";
	expect_bad_spec(&s, "control");
	s.path = "/srv/x";
	memset(longc, 'c', sizeof(longc) - 1);
	longc[sizeof(longc) - 1] = '\0';
	s.comment = longc;
	expect_bad_spec(&s, "too long");
	s.comment = "a\rb";
	expect_bad_spec(&s, "control");
	s.comment = NULL;
	s.valid_users = "alice,,bob";
	expect_bad_spec(&s, "empty user name");
	s.valid_users = "@staff";
	expect_bad_spec(&s, "groups");
	s.valid_users = "al ice";
	expect_bad_spec(&s, "not a valid user name");
	s.valid_users = "";
	expect_bad_spec(&s, "empty user name");
}
END_TEST

#define B_SECTION "[b]\n\tpath = /srv/b\n"
#define C_SECTION "[c]\n\tpath = /srv/c\n"

START_TEST(del_first_middle_last)
{
	const char *text = A_SECTION "\n" B_SECTION "\n" C_SECTION;

	expect_del(text, "a", B_SECTION "\n" C_SECTION);
	expect_del(text, "b", A_SECTION "\n" C_SECTION);
	/* the last one takes its separating blank line along */
	expect_del(text, "c", A_SECTION "\n" B_SECTION);
	expect_del(A_SECTION, "a", "");
}
END_TEST

START_TEST(del_case_insensitive)
{
	expect_del(GLOBAL "\n[  Projects ]\n\tpath = /p\n", "PROJECTS", GLOBAL);
}
END_TEST

START_TEST(del_with_comments_inside)
{
	const char *text =
		"# top of file\n"
		GLOBAL "\n"
		"# the b share\n"
		"; managed by hand\n"
		"[b]\n"
		"\t# who uses it\n"
		"\tpath = /srv/b\n"
		"\n"
		"\t; read only = yes\n"
		"\n"
		"# the c share\n"
		C_SECTION;

	/* its own comment block and inner comments go; c's comment stays */
	expect_del(text, "b", "# top of file\n" GLOBAL "\n# the c share\n" C_SECTION);
	/* deleting c keeps b's lines, including the comment b ends with */
	expect_del(text, "c",
		   "# top of file\n" GLOBAL "\n# the b share\n; managed by hand\n"
		   "[b]\n\t# who uses it\n\tpath = /srv/b\n\n\t; read only = yes\n");
}
END_TEST

START_TEST(del_keeps_other_formatting)
{
	const char *text = "[global]\r\n  PORT=4445  \r\n\r\n[x]\r\npath=/x\r\n\r\n"
			   "[y]\r\n\tREAD_ONLY = no\r\n\tpath = /y\r\n";

	expect_del(text, "x", "[global]\r\n  PORT=4445  \r\n\r\n"
		   "[y]\r\n\tREAD_ONLY = no\r\n\tpath = /y\r\n");
}
END_TEST

START_TEST(add_then_del_round_trip)
{
	const char *text = GLOBAL "\n" A_SECTION;
	struct dfs_share_spec n = spec("new", "/srv/new");
	struct dfs_conf_text added, back;

	ck_assert_int_eq(dfs_conf_add_share(text, strlen(text), &n, &added, err,
					    sizeof(err)), 0);
	ck_assert_int_eq(dfs_conf_del_share(added.buf, added.len, "NEW", &back,
					    err, sizeof(err)), 0);
	ck_assert_str_eq(back.buf, text);
	dfs_conf_text_free(&added);
	dfs_conf_text_free(&back);
}
END_TEST

START_TEST(del_refusals)
{
	const char *text = GLOBAL A_SECTION;
	struct dfs_conf_text out;

	ck_assert_int_eq(dfs_conf_del_share(text, strlen(text), "nope", &out,
					    err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "no share [nope]"));
	ck_assert_int_eq(dfs_conf_del_share(text, strlen(text), "Global", &out,
					    err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dfs_conf_del_share(text, strlen(text), "IPC$", &out,
					    err, sizeof(err)), -EINVAL);
	/* a name that only appears inside a value or comment is no section */
	text = GLOBAL "\tserver string = [x]\n# [x]\n";
	ck_assert_int_eq(dfs_conf_del_share(text, strlen(text), "x", &out,
					    err, sizeof(err)), -ENOENT);
}
END_TEST

/* ---- the file on disk ---------------------------------------------------- */

#define DIR_TEMPLATE "/tmp/dfs-confedit-XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];
static char file[sizeof(dir) + 32];

static void setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/dittofs.conf", dir);
}

static void teardown(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *text, mode_t mode)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(file, mode), 0);
}

static char *read_back(void)
{
	static char buf[4096];
	FILE *f = fopen(file, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int add_edit(const char *text, size_t len, void *arg,
		    struct dfs_conf_text *out, char *e, size_t elen)
{
	return dfs_conf_add_share(text, len, arg, out, e, elen);
}

/* An edit whose output the parser refuses: the file must not change. */
static int break_edit(const char *text, size_t len, void *arg,
		      struct dfs_conf_text *out, char *e, size_t elen)
{
	out->buf = strdup("[global]\n\tread olny = yes\n");
	out->len = strlen(out->buf);
	return 0;
}

START_TEST(file_add_keeps_mode)
{
	struct dfs_share_spec b = spec("b", "/srv/b");
	struct stat st;

	write_file(GLOBAL, 0640);
	ck_assert_int_eq(dfs_conf_edit_file(file, add_edit, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(read_back(), GLOBAL "\n" NEW_B);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
}
END_TEST

/*
 * An ACL or label on dittofs.conf lives in extended attributes: the new file
 * must carry them. user.* works on ext4/xfs/btrfs; trusted.* (root) also on
 * tmpfs before Linux 6.6.
 */
START_TEST(file_add_keeps_xattrs)
{
	struct dfs_share_spec b = spec("b", "/srv/b");
	const char *names[] = { "user.dittofs-test", "trusted.dittofs-test" };
	const char *name = NULL;
	char val[32];
	ssize_t n;

	write_file(GLOBAL, 0600);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !name; i++)
		if (!setxattr(file, names[i], "kept", 4, 0))
			name = names[i];
	ck_assert_msg(name, "cannot set a user. or trusted. xattr on %s: %s",
		      file, strerror(errno));
	ck_assert_int_eq(dfs_conf_edit_file(file, add_edit, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(read_back(), GLOBAL "\n" NEW_B);
	n = getxattr(file, name, val, sizeof(val));
	ck_assert_int_eq(n, 4);
	ck_assert_mem_eq(val, "kept", 4);
}
END_TEST

START_TEST(file_follows_symlink)
{
	struct dfs_share_spec b = spec("b", "/srv/b");
	char link[sizeof(file) + 8];
	struct stat st;

	write_file(GLOBAL, 0600);
	snprintf(link, sizeof(link), "%s/link.conf", dir);
	ck_assert_int_eq(symlink("dittofs.conf", link), 0);
	ck_assert_int_eq(dfs_conf_edit_file(link, add_edit, &b, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_str_eq(read_back(), GLOBAL "\n" NEW_B);
	unlink(link);
}
END_TEST

START_TEST(file_refusals_leave_it_alone)
{
	struct dfs_share_spec b = spec("b", "/srv/b");
	char missing[sizeof(file) + 8];

	write_file(GLOBAL, 0600);
	ck_assert_int_eq(dfs_conf_edit_file(file, break_edit, NULL, err,
					    sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "would not parse"));
	ck_assert_ptr_nonnull(strstr(err, "dittofs.conf:2:"));
	ck_assert_str_eq(read_back(), GLOBAL);

	/* a file that is already broken is not edited */
	write_file(GLOBAL "\tbogus = 1\n", 0600);
	ck_assert_int_eq(dfs_conf_edit_file(file, add_edit, &b, err, sizeof(err)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "fix the file first"));
	ck_assert_str_eq(read_back(), GLOBAL "\tbogus = 1\n");

	snprintf(missing, sizeof(missing), "%s/none.conf", dir);
	ck_assert_int_eq(dfs_conf_edit_file(missing, add_edit, &b, err,
					    sizeof(err)), -ENOENT);
}
END_TEST

static Suite *config_edit_suite(void)
{
	Suite *s = suite_create("config_edit");
	TCase *tc = tcase_create("text");
	TCase *tf = tcase_create("file");

	tcase_add_test(tc, add_after_trailing_newline);
	tcase_add_test(tc, add_without_trailing_newline);
	tcase_add_test(tc, add_to_empty_file);
	tcase_add_test(tc, add_crlf_file);
	tcase_add_test(tc, add_every_option);
	tcase_add_test(tc, add_duplicate_any_case);
	tcase_add_test(tc, add_refuses_bad_names);
	tcase_add_test(tc, add_refuses_bad_values);
	tcase_add_test(tc, del_first_middle_last);
	tcase_add_test(tc, del_case_insensitive);
	tcase_add_test(tc, del_with_comments_inside);
	tcase_add_test(tc, del_keeps_other_formatting);
	tcase_add_test(tc, add_then_del_round_trip);
	tcase_add_test(tc, del_refusals);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, file_add_keeps_mode);
	tcase_add_test(tf, file_add_keeps_xattrs);
	tcase_add_test(tf, file_follows_symlink);
	tcase_add_test(tf, file_refusals_leave_it_alone);
	suite_add_tcase(s, tf);
	return s;
}

DFS_CHECK_MAIN(config_edit_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_secdesc.c - self-relative security descriptors (userd/secdesc.c):
 * well-formed descriptors parse and rebuild byte for byte, malformed ones
 * (offsets, SIDs, ACL and ACE sizes) are refused with the right status,
 * the Unix mode maps to a DACL and back for every mode, DACL access
 * evaluation, and the xattr store (userd/secdesc_store.c) on a temp file.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userd/secdesc.h"
#include "userd/vfs/vfs.h"
#include "tests/unit/check_main.h"

/* Owner S-1-5-21-1-2-3-500, group S-1-5-32-544, DACL: allow Everyone
 * 0x001F01FF, an object ACE (type 5, both GUIDs) for S-1-5-11, and deny
 * S-1-22-2-100 FILE_WRITE_DATA. Hand-built from MS-DTYP 2.4.6. */
static size_t windows_sd(u8 *b)
{
	size_t n = 20;
	u32 acl;

	memset(b, 0, 512);
	b[0] = 1;
	dfs_put_le16(b + 2, SE_SELF_RELATIVE | SE_DACL_PRESENT |
		     SE_DACL_PROTECTED);
	/* owner */
	dfs_put_le32(b + 4, (u32)n);
	b[n] = 1; b[n + 1] = 5; b[n + 7] = 5;
	dfs_put_le32(b + n + 8, 21);
	dfs_put_le32(b + n + 12, 1);
	dfs_put_le32(b + n + 16, 2);
	dfs_put_le32(b + n + 20, 3);
	dfs_put_le32(b + n + 24, 500);
	n += 28;
	/* group */
	dfs_put_le32(b + 8, (u32)n);
	b[n] = 1; b[n + 1] = 2; b[n + 7] = 5;
	dfs_put_le32(b + n + 8, 32);
	dfs_put_le32(b + n + 12, 544);
	n += 16;
	/* DACL */
	acl = (u32)n;
	dfs_put_le32(b + 16, acl);
	b[n] = 2;
	dfs_put_le16(b + n + 4, 3);
	n += 8;
	/* allow Everyone */
	b[n] = ACE_ACCESS_ALLOWED;
	dfs_put_le16(b + n + 2, 20);
	dfs_put_le32(b + n + 4, 0x001F01FF);
	sd_put_world_sid(b + n + 8);
	n += 20;
	/* ACCESS_ALLOWED_OBJECT: mask, flags 3, two GUIDs, SID S-1-5-11 */
	b[n] = 0x05;
	dfs_put_le16(b + n + 2, 12 + 32 + 12);
	dfs_put_le32(b + n + 4, 0x1);
	dfs_put_le32(b + n + 8, 3);
	memset(b + n + 12, 0xAB, 32);
	b[n + 44] = 1; b[n + 45] = 1; b[n + 51] = 5;
	dfs_put_le32(b + n + 52, 11);
	n += 56;
	/* deny S-1-22-2-100 write */
	b[n] = ACE_ACCESS_DENIED;
	dfs_put_le16(b + n + 2, 24);
	dfs_put_le32(b + n + 4, 0x2);
	sd_put_unix_sid(b + n + 8, SD_UNIX_GROUP, 100);
	n += 24;
	dfs_put_le16(b + acl + 2, (u16)(n - acl));
	return n;
}

START_TEST(test_parse_windows_sd)
{
	u8 b[512], out[512];
	struct sd_parsed sd, again;
	struct sd_ace a;
	size_t n = windows_sd(b);
	u32 off = 0, idx = 0, count = 0, len;

	ck_assert_uint_eq(sd_parse(b, (u32)n, &sd), STATUS_SUCCESS);
	ck_assert_uint_eq(sd.owner_len, 28);
	ck_assert_uint_eq(sd.group_len, 16);
	ck_assert_ptr_nonnull(sd.dacl);
	ck_assert_ptr_null(sd.sacl);
	while (sd_acl_next(sd.dacl, sd.dacl_len, &off, &idx, &a)) {
		ck_assert_ptr_nonnull(a.sid);
		count++;
	}
	ck_assert_uint_eq(count, 3);
	/* rebuilt canonically it is the same bytes (same part order) */
	len = sd_build(out, sizeof(out), &sd);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(out, b, n);
	ck_assert_uint_eq(sd_parse(out, len, &again), STATUS_SUCCESS);
	/* too small a buffer: nothing written, size still told */
	ck_assert_uint_eq(sd_build(out, 10, &sd), n);
	ck_assert_uint_eq(sd_build(NULL, 0, &sd), n);
}
END_TEST

START_TEST(test_parse_malformed)
{
	u8 b[512], c[512];
	struct sd_parsed sd;
	size_t n = windows_sd(b);
	u32 acl = dfs_get_le32(b + 16);

#define BAD(expect) do { \
		ck_assert_uint_eq(sd_parse(c, (u32)n, &sd), (expect)); \
		memcpy(c, b, n); \
	} while (0)
	memcpy(c, b, n);
	ck_assert_uint_eq(sd_parse(c, 19, &sd), STATUS_INVALID_SECURITY_DESCR);
	c[0] = 2;
	BAD(STATUS_INVALID_SECURITY_DESCR);		/* revision */
	dfs_put_le16(c + 2, SE_DACL_PRESENT);
	BAD(STATUS_INVALID_SECURITY_DESCR);		/* not self-relative */
	dfs_put_le32(c + 4, (u32)n);
	BAD(STATUS_INVALID_SECURITY_DESCR);		/* owner past the end */
	dfs_put_le32(c + 4, 8);
	BAD(STATUS_INVALID_SECURITY_DESCR);		/* owner inside the header */
	c[21] = 16;
	BAD(STATUS_INVALID_SID);			/* 16 sub-authorities */
	dfs_put_le32(c + 8, (u32)n - 4);
	BAD(STATUS_INVALID_SID);			/* group cut short */
	c[acl] = 3;
	BAD(STATUS_INVALID_ACL);			/* ACL revision */
	dfs_put_le16(c + acl + 2, (u16)(n - acl + 4));
	BAD(STATUS_INVALID_ACL);			/* AclSize past the end */
	dfs_put_le16(c + acl + 4, 4);
	BAD(STATUS_INVALID_ACL);			/* more ACEs than bytes */
	dfs_put_le16(c + acl + 8 + 2, 0);
	BAD(STATUS_INVALID_ACL);			/* ACE size 0 */
	dfs_put_le16(c + acl + 8 + 2, 18);
	BAD(STATUS_INVALID_ACL);			/* ACE size not 4-aligned */
	dfs_put_le16(c + acl + 8 + 2, 16);
	BAD(STATUS_INVALID_SID);			/* SID cut short by its ACE */
	dfs_put_le16(c + acl + 28 + 2, 12 + 32);
	BAD(STATUS_INVALID_ACL);			/* object ACE: GUIDs eat the SID */
	dfs_put_le16(c + acl + 2, 4);
	BAD(STATUS_INVALID_ACL);			/* AclSize below its header */
	/* an ACL offset only counts when the PRESENT bit says so */
	dfs_put_le16(c + 2, SE_SELF_RELATIVE);
	dfs_put_le32(c + 16, 0xFFFFFFFF);
	ck_assert_uint_eq(sd_parse(c, (u32)n, &sd), STATUS_SUCCESS);
	ck_assert_ptr_null(sd.dacl);
#undef BAD
}
END_TEST

START_TEST(test_unknown_ace_skipped)
{
	u8 b[512];
	struct sd_parsed sd;
	struct sd_ace a;
	size_t n = windows_sd(b);
	u32 acl = dfs_get_le32(b + 16), off = 0, idx = 0, count = 0;

	/* type 0x04 (reserved) with a body we cannot read: kept, skipped */
	b[acl + 8] = 0x04;
	ck_assert_uint_eq(sd_parse(b, (u32)n, &sd), STATUS_SUCCESS);
	while (sd_acl_next(sd.dacl, sd.dacl_len, &off, &idx, &a))
		if (a.type == 0x04)
			ck_assert_ptr_null(a.sid);
		else
			count++;
	ck_assert_uint_eq(count, 2);
}
END_TEST

START_TEST(test_select)
{
	u8 b[512], out[512];
	struct sd_parsed sd;
	size_t n = windows_sd(b);
	u32 len;

	ck_assert_uint_eq(sd_parse(b, (u32)n, &sd), STATUS_SUCCESS);
	sd_select(&sd, 0);
	len = sd_build(out, sizeof(out), &sd);
	/* asking for nothing: a bare self-relative header */
	ck_assert_uint_eq(len, SD_HDR_SIZE);
	ck_assert_uint_eq(dfs_get_le16(out + 2), SE_SELF_RELATIVE);
	ck_assert_uint_eq(dfs_get_le32(out + 4), 0);
	ck_assert_uint_eq(dfs_get_le32(out + 16), 0);
	ck_assert_uint_eq(sd_parse(b, (u32)n, &sd), STATUS_SUCCESS);
	sd_select(&sd, SD_GROUP_INFO);
	len = sd_build(out, sizeof(out), &sd);
	ck_assert_uint_eq(len, SD_HDR_SIZE + 16);
	ck_assert_uint_eq(dfs_get_le32(out + 8), SD_HDR_SIZE);
}
END_TEST

/* Every mode, file and directory: the DACL maps back to the same bits */
START_TEST(test_mode_roundtrip)
{
	u8 b[512];
	struct sd_parsed sd;
	u32 id;
	mode_t m;

	for (m = 0; m <= 0777; m++) {
		u32 len = sd_from_unix(b, sizeof(b), 1000, 100, m, _i);

		ck_assert_uint_le(len, sizeof(b));
		ck_assert_uint_eq(sd_parse(b, len, &sd), STATUS_SUCCESS);
		ck_assert(sd_sid_unix(sd.owner, sd.owner_len, SD_UNIX_USER, &id));
		ck_assert_uint_eq(id, 1000);
		ck_assert(sd_sid_unix(sd.group, sd.group_len, SD_UNIX_GROUP, &id));
		ck_assert_uint_eq(id, 100);
		ck_assert_uint_eq(sd_dacl_to_mode(&sd, 1000, 100, 04000), 04000 | m);
	}
}
END_TEST

START_TEST(test_dacl_to_mode)
{
	u8 b[512];
	struct sd_parsed sd;
	size_t n = windows_sd(b);

	ck_assert_uint_eq(sd_parse(b, (u32)n, &sd), STATUS_SUCCESS);
	/* Everyone full first: everything granted before the group deny */
	ck_assert_uint_eq(sd_dacl_to_mode(&sd, 1000, 100, 0), 0777);
	/* no DACL: the mode stays */
	sd.control &= ~SE_DACL_PRESENT;
	ck_assert_uint_eq(sd_dacl_to_mode(&sd, 1000, 100, 0640), 0640);
	/* NULL DACL: the mode stays too (no chmod to 0777) */
	sd.control |= SE_DACL_PRESENT;
	sd.dacl = NULL;
	ck_assert_uint_eq(sd_dacl_to_mode(&sd, 1000, 100, 0640), 0640);
}
END_TEST

/* One ACE: Authenticated Users (S-1-5-11) may read. */
static u32 authenticated_read_sd(u8 *b)
{
	static const u8 sid[12] = { 1, 1, 0, 0, 0, 0, 0, 5, 11, 0, 0, 0 };

	memset(b, 0, 48);
	b[0] = 1;				/* revision */
	dfs_put_le16(b + 2, 0x8004);		/* self-relative, DACL present */
	dfs_put_le32(b + 16, 20);		/* the DACL's offset */
	b[20] = 2;				/* ACL revision */
	dfs_put_le16(b + 22, 28);		/* ACL size */
	dfs_put_le16(b + 24, 1);		/* one ACE */
	b[28] = 0;				/* ACCESS_ALLOWED */
	dfs_put_le16(b + 30, 20);		/* ACE size */
	dfs_put_le32(b + 32, GENERIC_READ);	/* mapped to the file rights */
	memcpy(b + 36, sid, sizeof(sid));
	return 48;
}

START_TEST(test_dacl_authenticated_users)
{
	u8 b[64];
	struct sd_parsed sd;
	gid_t g100[] = { 100 };
	struct sd_who user = { 2000, g100, 1, false, true };
	struct sd_who guest = { 2000, g100, 1, false, false };

	ck_assert_uint_eq(sd_parse(b, authenticated_read_sd(b), &sd), STATUS_SUCCESS);
	ck_assert(sd_dacl_access(&sd, &user) & FILE_READ_DATA);
	ck_assert(!(sd_dacl_access(&sd, &user) & FILE_WRITE_DATA));
	ck_assert(!(sd_dacl_access(&sd, &guest) & FILE_READ_DATA));
	/* the mode lets every class read; the DACL keeps guests out */
	ck_assert_uint_eq(sd_dacl_to_mode(&sd, 1000, 100, 0600), 0444);
}
END_TEST

START_TEST(test_dacl_access)
{
	u8 b[512];
	struct sd_parsed sd;
	gid_t g100[] = { 100 }, g5[] = { 5 };
	struct sd_who owner = { 1000, g5, 1, true, true };
	struct sd_who member = { 2000, g100, 1, false, true };
	u32 len;

	/* mode 0640: the group reads, others nothing */
	len = sd_from_unix(b, sizeof(b), 1000, 100, 0640, false);
	ck_assert_uint_eq(sd_parse(b, len, &sd), STATUS_SUCCESS);
	ck_assert(sd_dacl_access(&sd, &member) & FILE_READ_DATA);
	ck_assert(!(sd_dacl_access(&sd, &member) & FILE_WRITE_DATA));
	member.gids = g5;
	ck_assert(!(sd_dacl_access(&sd, &member) & FILE_READ_DATA));
	ck_assert(sd_dacl_access(&sd, &owner) & WRITE_DAC);
	/* mode 0407: others' rights must not reach the owner (deny ACE) */
	len = sd_from_unix(b, sizeof(b), 1000, 100, 0407, false);
	ck_assert_uint_eq(sd_parse(b, len, &sd), STATUS_SUCCESS);
	ck_assert(!(sd_dacl_access(&sd, &owner) & FILE_WRITE_DATA));
	ck_assert(sd_dacl_access(&sd, &member) & FILE_WRITE_DATA);
	/* empty DACL: only the owner's implicit rights */
	dfs_put_le16(b + dfs_get_le32(b + 16) + 4, 0);
	sd.dacl_len = 8;
	ck_assert_uint_eq(sd_dacl_access(&sd, &owner), READ_CONTROL | WRITE_DAC);
	ck_assert_uint_eq(sd_dacl_access(&sd, &member), 0);
	/* NULL DACL: everything */
	sd.dacl = NULL;
	ck_assert_uint_eq(sd_dacl_access(&sd, &member), FILE_ALL_ACCESS);
}
END_TEST

/* The store on a real file: what is set comes back; a chmod outside SMB
 * puts the mode back in charge. Needs user xattrs on $TMPDIR. */
START_TEST(test_store)
{
	const char *t = getenv("TMPDIR");
	char dir[64], path[80];
	u8 b[512], out[1024];
	struct vfs_stat st;
	struct sd_parsed sd;
	size_t n;
	u32 len, id;
	int fd;

	snprintf(dir, sizeof(dir), "%s/dfs-sd-XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_RDWR, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(vfs_fstat(fd, &st), 0);

	/* a DACL for this owner: Everyone read only */
	len = sd_from_unix(b, sizeof(b), st.uid, st.gid, 0444, false);
	n = len;
	ck_assert_uint_eq(secdesc_set(fd, SD_DACL_INFO, b, (u32)n), STATUS_SUCCESS);
	ck_assert_int_eq(vfs_fstat(fd, &st), 0);
	/* group/other lost write; the owner keeps its read/write bits */
	ck_assert_uint_eq(st.mode & 0777, 0644);
	ck_assert_uint_eq(secdesc_query(fd, &st, SD_DACL_INFO, out, sizeof(out),
					&len), STATUS_SUCCESS);
	ck_assert_uint_eq(sd_parse(out, len, &sd), STATUS_SUCCESS);
	ck_assert_uint_eq(sd.dacl_len, dfs_get_le16(b + dfs_get_le32(b + 16) + 2));
	ck_assert_mem_eq(sd.dacl, b + dfs_get_le32(b + 16), sd.dacl_len);
	ck_assert_ptr_null(sd.owner);

	/* owner to a SID that maps to nobody we are: refused unless root */
	sd_put_unix_sid(b + dfs_get_le32(b + 4), SD_UNIX_USER, 4242);
	if (vfs_fsuid() != 0)
		ck_assert_uint_eq(secdesc_set(fd, SD_OWNER_INFO, b, (u32)n),
				  STATUS_INVALID_OWNER);
	/* a malformed descriptor changes nothing */
	ck_assert_uint_eq(secdesc_set(fd, SD_DACL_INFO, b, 19),
			  STATUS_INVALID_SECURITY_DESCR);

	/* chmod behind our back: the mapping from the mode is back */
	ck_assert_int_eq(fchmod(fd, 0600), 0);
	ck_assert_int_eq(vfs_fstat(fd, &st), 0);
	ck_assert_uint_eq(secdesc_query(fd, &st, SD_OWNER_INFO | SD_DACL_INFO,
					out, sizeof(out), &len), STATUS_SUCCESS);
	ck_assert_uint_eq(sd_parse(out, len, &sd), STATUS_SUCCESS);
	ck_assert(sd_sid_unix(sd.owner, sd.owner_len, SD_UNIX_USER, &id));
	ck_assert_uint_eq(id, st.uid);
	ck_assert_uint_eq(sd_dacl_to_mode(&sd, st.uid, st.gid, 0), 0600);

	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *secdesc_suite(void)
{
	Suite *s = suite_create("secdesc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse_windows_sd);
	tcase_add_test(tc, test_parse_malformed);
	tcase_add_test(tc, test_unknown_ace_skipped);
	tcase_add_test(tc, test_select);
	tcase_add_loop_test(tc, test_mode_roundtrip, 0, 2);
	tcase_add_test(tc, test_dacl_to_mode);
	tcase_add_test(tc, test_dacl_access);
	tcase_add_test(tc, test_dacl_authenticated_users);
	tcase_add_test(tc, test_store);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(secdesc_suite)

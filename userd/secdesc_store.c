// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secdesc_store.c - security descriptors of files: the one a client set
 * (kept in an xattr, returned as it was stored) or the one mapped from
 * the Unix owner, group and mode (Documentation/acl-mapping.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/smb2_proto.h"
#include "userd/log.h"
#include "userd/secdesc.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"
#include "userd/xattr_fd.h"

#define SD_XATTR_HDR		16
#define SD_XATTR_VERSION	1

/* The stored descriptor, if it is still about this owner/group/mode */
static u32 load_stored(int fd, const struct vfs_stat *st, u8 *buf, u32 cap)
{
	struct sd_parsed sd;
	long n;

	n = xattr_fd_get(fd, SD_XATTR, buf, cap);
	if (n < SD_XATTR_HDR + SD_HDR_SIZE ||
	    dfs_get_le32(buf) != SD_XATTR_VERSION ||
	    dfs_get_le32(buf + 4) != (u32)st->uid ||
	    dfs_get_le32(buf + 8) != (u32)st->gid ||
	    dfs_get_le32(buf + 12) != (u32)(st->mode & 07777))
		return 0;
	/* it was checked when stored; the xattr could have been edited since */
	if (sd_parse(buf + SD_XATTR_HDR, (u32)n - SD_XATTR_HDR, &sd))
		return 0;
	memmove(buf, buf + SD_XATTR_HDR, (size_t)n - SD_XATTR_HDR);
	return (u32)n - SD_XATTR_HDR;
}

/* The descriptor clients see now, into buf (SD_STORE_MAX + header) */
static u32 effective_sd(int fd, const struct vfs_stat *st, u8 *buf)
{
	u32 n = load_stored(fd, st, buf, SD_STORE_MAX + SD_XATTR_HDR);

	if (n)
		return n;
	return sd_from_unix(buf, SD_STORE_MAX, st->uid, st->gid, st->mode,
			    st->is_dir);
}

static int store(int fd, const struct vfs_stat *st, const struct sd_parsed *sd)
{
	u32 need = sd_build(NULL, 0, sd);
	u8 *buf;
	int ret;

	if (need > SD_STORE_MAX)
		return -E2BIG;
	buf = malloc(SD_XATTR_HDR + need);
	if (!buf)
		return -ENOMEM;
	dfs_put_le32(buf, SD_XATTR_VERSION);
	dfs_put_le32(buf + 4, (u32)st->uid);
	dfs_put_le32(buf + 8, (u32)st->gid);
	dfs_put_le32(buf + 12, (u32)(st->mode & 07777));
	sd_build(buf + SD_XATTR_HDR, need, sd);
	ret = xattr_fd_set(fd, SD_XATTR, buf, SD_XATTR_HDR + need);
	free(buf);
	return ret;
}

u32 secdesc_query(int fd, const struct vfs_stat *st, u32 info, u8 *out,
		  u32 cap, u32 *len)
{
	struct sd_parsed sd;
	u8 *buf = malloc(SD_STORE_MAX + SD_XATTR_HDR);
	u32 n;

	if (!buf)
		return STATUS_NO_MEMORY;
	n = effective_sd(fd, st, buf);
	if (sd_parse(buf, n, &sd)) {
		free(buf);
		return STATUS_INTERNAL_ERROR;	/* we built it: cannot be */
	}
	sd_select(&sd, info);
	*len = sd_build(out, cap, &sd);
	free(buf);
	return STATUS_SUCCESS;
}

/* Session uid 0: may name owners it cannot chown to (SeRestorePrivilege) */
static bool root_equivalent(void)
{
	return vfs_fsuid() == 0;
}

/*
 * The owner (kind SD_UNIX_USER) or group a descriptor names: the Unix id
 * to chown to, -1 for "leave it" (the current one, or a SID only a root
 * session may store), or a status.
 */
static u32 wanted_id(const u8 *sid, u32 len, u32 kind, u32 cur, long *id)
{
	u32 v;

	*id = -1;
	if (sd_sid_unix(sid, len, kind, &v)) {
		if (v == cur)
			return STATUS_SUCCESS;
		/* only to oneself: the kernel judges groups by membership */
		if (kind == SD_UNIX_USER && v != vfs_fsuid() && !root_equivalent())
			return STATUS_INVALID_OWNER;
		*id = v;
		return STATUS_SUCCESS;
	}
	if (root_equivalent())
		return STATUS_SUCCESS;
	return kind == SD_UNIX_USER ? STATUS_INVALID_OWNER :
				      STATUS_INVALID_PRIMARY_GROUP;
}

static u32 apply_owners(int fd, const struct sd_parsed *in, u32 info,
			const struct vfs_stat *st)
{
	long uid = -1, gid = -1;
	u32 status;

	if ((info & SD_OWNER_INFO) && in->owner) {
		status = wanted_id(in->owner, in->owner_len, SD_UNIX_USER,
				   (u32)st->uid, &uid);
		if (status)
			return status;
	}
	if ((info & SD_GROUP_INFO) && in->group) {
		status = wanted_id(in->group, in->group_len, SD_UNIX_GROUP,
				   (u32)st->gid, &gid);
		if (status)
			return status;
	}
	if (uid == -1 && gid == -1)
		return STATUS_SUCCESS;
	if (fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) < 0)
		return errno == EPERM ? (uid != -1 ? STATUS_INVALID_OWNER :
					STATUS_INVALID_PRIMARY_GROUP) :
					vfs_errno_status(errno);
	return STATUS_SUCCESS;
}

/* The current descriptor with the parts info names taken from in */
static void merge(struct sd_parsed *cur, const struct sd_parsed *in, u32 info)
{
	if ((info & SD_OWNER_INFO) && in->owner) {
		cur->owner = in->owner;
		cur->owner_len = in->owner_len;
		cur->control = (cur->control & ~SE_OWNER_DEFAULTED) |
			       (in->control & SE_OWNER_DEFAULTED);
	}
	if ((info & SD_GROUP_INFO) && in->group) {
		cur->group = in->group;
		cur->group_len = in->group_len;
		cur->control = (cur->control & ~SE_GROUP_DEFAULTED) |
			       (in->control & SE_GROUP_DEFAULTED);
	}
	if (info & SD_DACL_INFO) {
		cur->dacl = in->dacl;
		cur->dacl_len = in->dacl_len;
		cur->control = (cur->control & ~SE_DACL_BITS) |
			       (in->control & SE_DACL_BITS);
		/* DACL asked for but not present: the NULL DACL */
		cur->control |= SE_DACL_PRESENT;
	}
}

/*
 * The owner's read and write bits are not the DACL's: S_IWUSR is the
 * READONLY attribute, and the owner may always chmod them back anyway.
 * Keeping them also keeps the stored descriptor readable and writable to
 * the owner, which user xattrs require (dittofsd has no DAC override).
 */
#define OWNER_RW (S_IRUSR | S_IWUSR)

static u32 apply_mode(int fd, const struct sd_parsed *sd, struct vfs_stat *st)
{
	mode_t cur = st->mode & 07777;
	mode_t want = sd_dacl_to_mode(sd, st->uid, st->gid, cur);

	want = (want & ~(mode_t)OWNER_RW) | (cur & OWNER_RW);

	if (want == cur)
		return STATUS_SUCCESS;
	if (vfs_fd_chmod(fd, want) < 0)
		return vfs_errno_status(errno);
	return STATUS_SUCCESS;
}

static u32 set_parsed(int fd, u32 info, const struct sd_parsed *in, u8 *buf)
{
	struct sd_parsed cur;
	struct vfs_stat st;
	u32 status, n;
	int ret;

	if (vfs_fstat(fd, &st) < 0)
		return vfs_errno_status(errno);
	n = effective_sd(fd, &st, buf);
	if (sd_parse(buf, n, &cur))
		return STATUS_INTERNAL_ERROR;
	status = apply_owners(fd, in, info, &st);
	if (status)
		return status;
	if (vfs_fstat(fd, &st) < 0)
		return vfs_errno_status(errno);
	merge(&cur, in, info);
	if (info & SD_DACL_INFO) {
		status = apply_mode(fd, &cur, &st);
		if (status)
			return status;
		if (vfs_fstat(fd, &st) < 0)
			return vfs_errno_status(errno);
	}
	ret = store(fd, &st, &cur);
	if (ret < 0) {
		/* the mode carries what it can; the rest is lost, say so */
		log_verbose("cannot store the security descriptor: %s",
			    strerror(-ret));
		if (ret == -E2BIG || ret == -ENOSPC)
			return STATUS_INSUFFICIENT_RESOURCES;
	}
	return STATUS_SUCCESS;
}

u32 secdesc_set(int fd, u32 info, const u8 *in, u32 len)
{
	struct sd_parsed sd;
	u8 *buf;
	u32 status;

	status = sd_parse(in, len, &sd);
	if (status)
		return status;
	buf = malloc(SD_STORE_MAX + SD_XATTR_HDR);
	if (!buf)
		return STATUS_NO_MEMORY;
	status = set_parsed(fd, info & (SD_OWNER_INFO | SD_GROUP_INFO |
					SD_DACL_INFO), &sd, buf);
	free(buf);
	return status;
}

u32 secdesc_parts(const u8 *in, u32 len)
{
	struct sd_parsed sd;
	u32 info = 0;

	if (sd_parse(in, len, &sd))
		return 0;
	if (sd.owner)
		info |= SD_OWNER_INFO;
	if (sd.group)
		info |= SD_GROUP_INFO;
	if (sd.control & SE_DACL_PRESENT)
		info |= SD_DACL_INFO;
	if (sd.control & SE_SACL_PRESENT)
		info |= SD_SACL_INFO;
	return info;
}

void secdesc_mode_changing(int fd, const struct vfs_stat *st, mode_t new_mode)
{
	struct vfs_stat after = *st;
	struct sd_parsed sd;
	u8 *buf = malloc(SD_STORE_MAX + SD_XATTR_HDR);
	u32 n;
	int ret;

	if (!buf)
		return;
	n = effective_sd(fd, st, buf);
	after.mode = (st->mode & ~(mode_t)07777) | (new_mode & 07777);
	if (!sd_parse(buf, n, &sd)) {
		ret = store(fd, &after, &sd);
		if (ret < 0)
			log_debug("cannot keep the security descriptor: %s",
				  strerror(-ret));
	}
	free(buf);
}

u32 secdesc_access_limit(int fd, const struct vfs_stat *st,
			 const struct dfs_session *s, u32 maximal)
{
	gid_t gids[1 + 64];
	struct sd_who who = { .gids = gids };
	struct sd_parsed sd;
	u8 *buf;
	u32 n;
	int i;

	if (!s)
		return maximal;
	buf = malloc(SD_STORE_MAX + SD_XATTR_HDR);
	if (!buf)
		return maximal;
	n = load_stored(fd, st, buf, SD_STORE_MAX + SD_XATTR_HDR);
	if (n && !sd_parse(buf, n, &sd)) {
		who.uid = s->uid;
		who.owner = s->uid == st->uid;
		who.authenticated = !s->guest && !s->anonymous;
		gids[who.ngids++] = s->gid;
		for (i = 0; i < s->ngroups && i < 64; i++)
			gids[who.ngids++] = s->groups[i];
		/* SYNCHRONIZE and READ_ATTRIBUTES follow the mode alone */
		maximal &= sd_dacl_access(&sd, &who) | SYNCHRONIZE |
			   FILE_READ_ATTRIBUTES;
	}
	free(buf);
	return maximal;
}

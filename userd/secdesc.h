/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * secdesc.h - self-relative SECURITY_DESCRIPTORs (MS-DTYP 2.4.6): a
 * bounds-checked parser, a builder of the canonical form we store and
 * return, and the mapping between a Unix owner/group/mode and a DACL
 * (Documentation/acl-mapping.md). Pure functions over byte buffers: the
 * unit tests and tests/fuzz/fuzz_secdesc.c call them directly.
 *
 * The server side (what is stored where, access checks, the SecD create
 * context) is in secdesc_store.c.
 */
#ifndef DITTOFSD_SECDESC_H
#define DITTOFSD_SECDESC_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/compat.h"
#include "common/smb2_proto.h"

/* SECURITY_INFORMATION bits (AdditionalInformation of QUERY/SET_INFO) */
#define SD_OWNER_INFO		0x1u
#define SD_GROUP_INFO		0x2u
#define SD_DACL_INFO		0x4u
#define SD_SACL_INFO		0x8u

/* Control flags (MS-DTYP 2.4.6) */
#define SE_OWNER_DEFAULTED	0x0001u
#define SE_GROUP_DEFAULTED	0x0002u
#define SE_DACL_PRESENT		0x0004u
#define SE_DACL_DEFAULTED	0x0008u
#define SE_SACL_PRESENT		0x0010u
#define SE_SACL_DEFAULTED	0x0020u
#define SE_DACL_AUTO_INHERIT_REQ 0x0100u
#define SE_SACL_AUTO_INHERIT_REQ 0x0200u
#define SE_DACL_AUTO_INHERITED	0x0400u
#define SE_SACL_AUTO_INHERITED	0x0800u
#define SE_DACL_PROTECTED	0x1000u
#define SE_SACL_PROTECTED	0x2000u
#define SE_SELF_RELATIVE	0x8000u
/* the control bits that belong to the DACL / the SACL */
#define SE_DACL_BITS (SE_DACL_PRESENT | SE_DACL_DEFAULTED | \
		      SE_DACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED | \
		      SE_DACL_PROTECTED)
#define SE_SACL_BITS (SE_SACL_PRESENT | SE_SACL_DEFAULTED | \
		      SE_SACL_AUTO_INHERIT_REQ | SE_SACL_AUTO_INHERITED | \
		      SE_SACL_PROTECTED)

/* ACE types and flags we interpret */
#define ACE_ACCESS_ALLOWED	0x00
#define ACE_ACCESS_DENIED	0x01
#define ACE_INHERIT_ONLY	0x08

#define SD_HDR_SIZE		20
#define SD_ACL_HDR_SIZE		8
#define SD_MAX_SUBAUTH		15
#define SD_SID_MAX		(8 + 4 * SD_MAX_SUBAUTH)

/* Statuses these functions return, where smb2_proto.h has none yet */
#ifndef STATUS_INVALID_ACL
#define STATUS_INVALID_ACL		0xC0000077u
#endif
#ifndef STATUS_INVALID_SID
#define STATUS_INVALID_SID		0xC0000078u
#endif
#ifndef STATUS_INVALID_SECURITY_DESCR
#define STATUS_INVALID_SECURITY_DESCR	0xC0000079u
#endif
#ifndef STATUS_INVALID_OWNER
#define STATUS_INVALID_OWNER		0xC000005Au
#endif
#ifndef STATUS_INVALID_PRIMARY_GROUP
#define STATUS_INVALID_PRIMARY_GROUP	0xC000005Bu
#endif

/*
 * A parsed descriptor: pointers into the caller's buffer, each range
 * already checked. A part that is absent has a NULL pointer; a DACL that
 * is present (SE_DACL_PRESENT) but NULL is the "NULL DACL" (no
 * restrictions), told apart from "no DACL" by the control bit.
 */
struct sd_parsed {
	u16 control;
	const u8 *owner;
	u32 owner_len;
	const u8 *group;
	u32 group_len;
	const u8 *dacl;
	u32 dacl_len;		/* the ACL's AclSize */
	const u8 *sacl;
	u32 sacl_len;
};

/* One ACE as sd_acl_next() yields it; sid is NULL for types only skipped. */
struct sd_ace {
	u8 type;
	u8 flags;
	u32 mask;
	const u8 *sid;
	u32 sid_len;
};

/* Length of the SID at p (at most len bytes there), or -1 if invalid. */
long sd_sid_len(const u8 *p, u32 len);

/*
 * Check the ACL at p (len bytes there): header, revision, every ACE's
 * size inside AclSize and its SID. STATUS_SUCCESS and *acl_size, or
 * STATUS_INVALID_ACL / STATUS_INVALID_SID.
 */
u32 sd_acl_check(const u8 *p, u32 len, u32 *acl_size);

/*
 * Next ACE of a checked ACL: *off starts at 0. Returns false at the end
 * (or on anything malformed, so unchecked input cannot walk off the end).
 */
bool sd_acl_next(const u8 *acl, u32 acl_size, u32 *off, u32 *idx,
		 struct sd_ace *ace);

/*
 * Parse a self-relative descriptor of len bytes. STATUS_SUCCESS, or
 * STATUS_INVALID_SECURITY_DESCR / INVALID_ACL / INVALID_SID.
 */
u32 sd_parse(const u8 *buf, u32 len, struct sd_parsed *sd);

/*
 * Write the canonical self-relative form of sd (header, owner, group,
 * SACL, DACL, in that order) to out when it fits cap. Returns the size it
 * needs either way; out may be NULL to measure.
 */
u32 sd_build(u8 *out, u32 cap, const struct sd_parsed *sd);

/* Keep only the parts info asks for (the others and their bits dropped). */
void sd_select(struct sd_parsed *sd, u32 info);

/* --- SIDs and the Unix mapping ---------------------------------------- */

/* S-1-22-1-uid (kind 1) and S-1-22-2-gid (kind 2) as Samba spells them */
#define SD_UNIX_USER	1u
#define SD_UNIX_GROUP	2u

/* Write S-1-22-kind-id at p (16 bytes); returns 16. */
u32 sd_put_unix_sid(u8 *p, u32 kind, u32 id);
/* Write S-1-1-0 (Everyone) at p (12 bytes); returns 12. */
u32 sd_put_world_sid(u8 *p);
/* Is the SID S-1-22-kind-id? Then *id is the id. */
bool sd_sid_unix(const u8 *sid, u32 len, u32 kind, u32 *id);
/* Is the SID Everyone (S-1-1-0)? */
bool sd_sid_is_world(const u8 *sid, u32 len);
/* S-1-5-11, Authenticated Users: every session but guest and anonymous */
bool sd_sid_is_authenticated_users(const u8 *sid, u32 len);
/* Byte-wise equality of two SIDs (NULL equals nothing) */
bool sd_sid_equal(const u8 *a, u32 alen, const u8 *b, u32 blen);

/*
 * The descriptor for a Unix file: owner, group and a DACL from mode
 * (owner, group, Everyone allow ACEs; deny ACEs first where a more
 * general class has a right a narrower one lacks, so the DACL maps back
 * to the same mode). Into out when it fits cap; returns the size needed.
 */
u32 sd_from_unix(u8 *out, u32 cap, uid_t uid, gid_t gid, mode_t mode,
		 bool is_dir);

/*
 * The permission bits (0777) a DACL gives the owner (uid), the group
 * (gid) and others: for each class and each of r/w/x, the first ACE that
 * applies decides (Everyone applies to all three classes). Inherit-only
 * ACEs are skipped. old's other bits (setuid, sticky) are kept; a missing
 * or NULL DACL returns old unchanged.
 */
mode_t sd_dacl_to_mode(const struct sd_parsed *sd, uid_t uid, gid_t gid,
		       mode_t old);

/* Who asks, for sd_dacl_access(): a Unix identity */
struct sd_who {
	uid_t uid;
	const gid_t *gids;	/* primary group first */
	int ngids;
	bool owner;		/* uid owns the file */
	bool authenticated;	/* neither guest nor anonymous: S-1-5-11 */
};

/*
 * The rights a DACL grants who (MS-DTYP 2.5.3.2, without privileges or
 * inheritance): ACEs for S-1-22-1-uid, S-1-22-2-(one of gids), Everyone
 * and, for an authenticated who, Authenticated Users count, in order, a
 * denied bit staying denied; generic bits in ACE masks are mapped to file
 * rights. The owner always has READ_CONTROL
 * and WRITE_DAC. A NULL DACL grants everything (FILE_ALL_ACCESS).
 */
u32 sd_dacl_access(const struct sd_parsed *sd, const struct sd_who *who);

/* --- the server side (secdesc_store.c) -------------------------------- */

struct vfs_stat;

/*
 * Where a client's descriptor is kept: "user.dittofs.sd", a 16-byte
 * header (version 1, then the uid, gid and mode bits it was stored for,
 * little-endian) and the canonical descriptor. It is only believed while
 * the file's owner, group and mode are still those: a chmod or chown made
 * outside SMB puts the mapping from the mode back in charge.
 */
#define SD_XATTR	"user.dittofs.sd"
#define SD_STORE_MAX	(64u * 1024)

/*
 * QUERY_INFO security: the parts info asks for, of the stored descriptor
 * or the one mapped from st, into out when it fits cap; *len = its size.
 */
u32 secdesc_query(int fd, const struct vfs_stat *st, u32 info, u8 *out,
		  u32 cap, u32 *len);

/*
 * SET_INFO security (and the SecD create context): apply the parts info
 * names of the descriptor in (len bytes) to the file behind fd: owner and
 * group with chown (only to the caller's own ids; other SIDs only for a
 * root session, and only in the stored copy), the DACL to the mode; then
 * store the merged descriptor. Access rights are the caller's business.
 */
u32 secdesc_set(int fd, u32 info, const u8 *in, u32 len);

/* Which parts a SecD create context's descriptor carries (for secdesc_set) */
u32 secdesc_parts(const u8 *in, u32 len);

/*
 * The mode of the file is about to change to new_mode for a reason that
 * is not its security (the READONLY attribute): keep the descriptor
 * clients see as it was.
 */
void secdesc_mode_changing(int fd, const struct vfs_stat *st, mode_t new_mode);

struct dfs_session;

/*
 * CREATE: limit the maximal access the Unix permissions give s to what a
 * stored descriptor's DACL grants (both must allow). Without a stored
 * descriptor the mode alone decides and maximal comes back unchanged.
 */
u32 secdesc_access_limit(int fd, const struct vfs_stat *st,
			 const struct dfs_session *s, u32 maximal);

#endif /* DITTOFSD_SECDESC_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secdesc.c - self-relative security descriptors (MS-DTYP 2.4.2 SID,
 * 2.4.4 ACE, 2.4.5 ACL, 2.4.6 SECURITY_DESCRIPTOR) and the Unix mapping.
 *
 * Everything here reads client bytes: every offset and size is checked
 * against the buffer before it is followed, a SID has at most 15
 * sub-authorities, an ACE stays inside its ACL and its SID inside the
 * ACE. The parts of a descriptor may overlap or leave gaps; nothing here
 * assumes otherwise, since each part is copied on its own.
 */
#include <string.h>

#include "common/smb2_proto.h"
#include "userd/secdesc.h"

#define FILE_GENERIC_READ	0x00120089u
#define FILE_GENERIC_WRITE	0x00120116u
#define FILE_GENERIC_EXECUTE	0x001200A0u

/* --- parsing ------------------------------------------------------------ */

long sd_sid_len(const u8 *p, u32 len)
{
	u32 n;

	if (len < 8 || p[0] != 1)
		return -1;
	n = p[1];
	if (n > SD_MAX_SUBAUTH || len < 8 + 4 * n)
		return -1;
	return (long)(8 + 4 * n);
}

/* Object ACEs carry flags and up to two GUIDs before their SID */
static bool ace_is_object(u8 type)
{
	return (type >= 0x05 && type <= 0x08) || type == 0x0B ||
	       type == 0x0C || type == 0x0F || type == 0x10;
}

/* Types whose SID follows the mask directly */
static bool ace_is_plain(u8 type)
{
	return type <= 0x03 || type == 0x09 || type == 0x0A ||
	       (type >= 0x0D && type <= 0x0E) || (type >= 0x11 && type <= 0x13);
}

/* Where the SID of an ACE of size size starts, or 0 when it has none/bad */
static u32 ace_sid_off(const u8 *a, u32 size)
{
	u32 off = 8, flags;

	if (ace_is_plain(a[0]))
		return off;
	if (!ace_is_object(a[0]))
		return 0;
	if (size < 12)
		return 0;
	flags = dfs_get_le32(a + 8);
	off = 12;
	if (flags & 0x1)	/* ACE_OBJECT_TYPE_PRESENT */
		off += 16;
	if (flags & 0x2)	/* ACE_INHERITED_OBJECT_TYPE_PRESENT */
		off += 16;
	return off;
}

/* Check one ACE at a, room bytes left in the ACL; its size or 0 */
static u32 ace_check(const u8 *a, u32 room, u32 *status)
{
	u32 size, soff;
	long sl;

	*status = STATUS_INVALID_ACL;
	if (room < 8)
		return 0;
	size = dfs_get_le16(a + 2);
	if (size < 8 || size > room || size & 3)
		return 0;
	if (!ace_is_plain(a[0]) && !ace_is_object(a[0]))
		return size;	/* a type we do not know: kept, not read */
	soff = ace_sid_off(a, size);
	if (!soff || soff >= size)
		return 0;
	sl = sd_sid_len(a + soff, size - soff);
	if (sl < 0) {
		*status = STATUS_INVALID_SID;
		return 0;
	}
	return size;
}

u32 sd_acl_check(const u8 *p, u32 len, u32 *acl_size)
{
	u32 size, count, off = SD_ACL_HDR_SIZE, i, n, st;

	if (len < SD_ACL_HDR_SIZE || (p[0] != 2 && p[0] != 4))
		return STATUS_INVALID_ACL;
	size = dfs_get_le16(p + 2);
	count = dfs_get_le16(p + 4);
	if (size < SD_ACL_HDR_SIZE || size > len)
		return STATUS_INVALID_ACL;
	for (i = 0; i < count; i++) {
		n = ace_check(p + off, size - off, &st);
		if (!n)
			return st;
		off += n;
	}
	*acl_size = size;
	return STATUS_SUCCESS;
}

bool sd_acl_next(const u8 *acl, u32 acl_size, u32 *off, u32 *idx,
		 struct sd_ace *ace)
{
	u32 size, soff, st;
	const u8 *a;
	long sl;

	if (acl_size < SD_ACL_HDR_SIZE || *idx >= dfs_get_le16(acl + 4))
		return false;
	if (*off < SD_ACL_HDR_SIZE)
		*off = SD_ACL_HDR_SIZE;
	if (*off > acl_size)
		return false;
	a = acl + *off;
	size = ace_check(a, acl_size - *off, &st);
	if (!size)
		return false;
	memset(ace, 0, sizeof(*ace));
	ace->type = a[0];
	ace->flags = a[1];
	ace->mask = dfs_get_le32(a + 4);
	soff = ace_sid_off(a, size);
	if (soff && soff < size) {
		sl = sd_sid_len(a + soff, size - soff);
		if (sl > 0) {
			ace->sid = a + soff;
			ace->sid_len = (u32)sl;
		}
	}
	*off += size;
	(*idx)++;
	return true;
}

static u32 parse_sid_at(const u8 *buf, u32 len, u32 off, const u8 **sid,
			u32 *sid_len)
{
	long sl;

	*sid = NULL;
	*sid_len = 0;
	if (!off)
		return STATUS_SUCCESS;
	if (off < SD_HDR_SIZE || off >= len)
		return STATUS_INVALID_SECURITY_DESCR;
	sl = sd_sid_len(buf + off, len - off);
	if (sl < 0)
		return STATUS_INVALID_SID;
	*sid = buf + off;
	*sid_len = (u32)sl;
	return STATUS_SUCCESS;
}

static u32 parse_acl_at(const u8 *buf, u32 len, u32 off, const u8 **acl,
			u32 *acl_len)
{
	u32 st;

	*acl = NULL;
	*acl_len = 0;
	if (!off)
		return STATUS_SUCCESS;	/* present but NULL */
	if (off < SD_HDR_SIZE || off >= len)
		return STATUS_INVALID_SECURITY_DESCR;
	st = sd_acl_check(buf + off, len - off, acl_len);
	if (st)
		return st;
	*acl = buf + off;
	return STATUS_SUCCESS;
}

u32 sd_parse(const u8 *buf, u32 len, struct sd_parsed *sd)
{
	u32 st;

	memset(sd, 0, sizeof(*sd));
	if (len < SD_HDR_SIZE || buf[0] != 1)
		return STATUS_INVALID_SECURITY_DESCR;
	sd->control = dfs_get_le16(buf + 2);
	if (!(sd->control & SE_SELF_RELATIVE))
		return STATUS_INVALID_SECURITY_DESCR;
	st = parse_sid_at(buf, len, dfs_get_le32(buf + 4), &sd->owner,
			  &sd->owner_len);
	if (!st)
		st = parse_sid_at(buf, len, dfs_get_le32(buf + 8), &sd->group,
				  &sd->group_len);
	/* an ACL offset counts only when its PRESENT bit says so */
	if (!st && (sd->control & SE_SACL_PRESENT))
		st = parse_acl_at(buf, len, dfs_get_le32(buf + 12), &sd->sacl,
				  &sd->sacl_len);
	if (!st && (sd->control & SE_DACL_PRESENT))
		st = parse_acl_at(buf, len, dfs_get_le32(buf + 16), &sd->dacl,
				  &sd->dacl_len);
	return st;
}

/* --- building ----------------------------------------------------------- */

static u32 put_part(u8 *out, u32 cap, u32 *n, const u8 *part, u32 len,
		    u32 field)
{
	if (!part)
		return 0;
	if (out && *n + len <= cap) {
		memcpy(out + *n, part, len);
		dfs_put_le32(out + field, *n);
	}
	*n += len;
	return len;
}

u32 sd_build(u8 *out, u32 cap, const struct sd_parsed *sd)
{
	u32 n = SD_HDR_SIZE, need = SD_HDR_SIZE;

	need += sd->owner ? sd->owner_len : 0;
	need += sd->group ? sd->group_len : 0;
	need += sd->sacl ? sd->sacl_len : 0;
	need += sd->dacl ? sd->dacl_len : 0;
	if (!out || need > cap)
		return need;
	memset(out, 0, SD_HDR_SIZE);
	out[0] = 1;
	dfs_put_le16(out + 2, sd->control | SE_SELF_RELATIVE);
	put_part(out, cap, &n, sd->owner, sd->owner_len, 4);
	put_part(out, cap, &n, sd->group, sd->group_len, 8);
	put_part(out, cap, &n, sd->sacl, sd->sacl_len, 12);
	put_part(out, cap, &n, sd->dacl, sd->dacl_len, 16);
	return n;
}

void sd_select(struct sd_parsed *sd, u32 info)
{
	if (!(info & SD_OWNER_INFO)) {
		sd->owner = NULL;
		sd->control &= ~SE_OWNER_DEFAULTED;
	}
	if (!(info & SD_GROUP_INFO)) {
		sd->group = NULL;
		sd->control &= ~SE_GROUP_DEFAULTED;
	}
	if (!(info & SD_DACL_INFO)) {
		sd->dacl = NULL;
		sd->control &= ~SE_DACL_BITS;
	}
	if (!(info & SD_SACL_INFO)) {
		sd->sacl = NULL;
		sd->control &= ~SE_SACL_BITS;
	}
}

/* --- SIDs ----------------------------------------------------------------- */

u32 sd_put_unix_sid(u8 *p, u32 kind, u32 id)
{
	p[0] = 1;			/* Revision */
	p[1] = 2;			/* SubAuthorityCount */
	memset(p + 2, 0, 6);
	p[7] = 22;			/* IdentifierAuthority: Unix */
	dfs_put_le32(p + 8, kind);
	dfs_put_le32(p + 12, id);
	return 16;
}

u32 sd_put_world_sid(u8 *p)
{
	p[0] = 1;
	p[1] = 1;
	memset(p + 2, 0, 6);
	p[7] = 1;			/* World authority */
	dfs_put_le32(p + 8, 0);
	return 12;
}

static const u8 auth_unix[6] = { 0, 0, 0, 0, 0, 22 };
static const u8 auth_world[6] = { 0, 0, 0, 0, 0, 1 };
static const u8 auth_nt[6] = { 0, 0, 0, 0, 0, 5 };
#define RID_AUTHENTICATED_USERS 11	/* S-1-5-11 (MS-DTYP 2.4.2.4) */

bool sd_sid_unix(const u8 *sid, u32 len, u32 kind, u32 *id)
{
	if (!sid || len < 16 || sid[0] != 1 || sid[1] != 2 ||
	    memcmp(sid + 2, auth_unix, 6) || dfs_get_le32(sid + 8) != kind)
		return false;
	*id = dfs_get_le32(sid + 12);
	return true;
}

bool sd_sid_is_world(const u8 *sid, u32 len)
{
	return sid && len >= 12 && sid[0] == 1 && sid[1] == 1 &&
	       !memcmp(sid + 2, auth_world, 6) && dfs_get_le32(sid + 8) == 0;
}

bool sd_sid_is_authenticated_users(const u8 *sid, u32 len)
{
	return sid && len >= 12 && sid[0] == 1 && sid[1] == 1 &&
	       !memcmp(sid + 2, auth_nt, 6) &&
	       dfs_get_le32(sid + 8) == RID_AUTHENTICATED_USERS;
}

bool sd_sid_equal(const u8 *a, u32 alen, const u8 *b, u32 blen)
{
	return a && b && alen == blen && !memcmp(a, b, alen);
}

/* --- Unix mode <-> DACL ------------------------------------------------- */

/* What r/w/x (bits 4/2/1) of a mode class grant, as the DACL says it */
static u32 rwx_mask(u32 bits, bool dir)
{
	u32 m = READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES;

	if (bits & 4)
		m |= FILE_GENERIC_READ;
	if (bits & 2) {
		m |= FILE_GENERIC_WRITE;
		if (dir)
			m |= FILE_DELETE_CHILD;
	}
	if (bits & 1)
		m |= FILE_GENERIC_EXECUTE;
	return m;
}

/* The rights a deny ACE takes away for missing r/w/x bits */
static u32 deny_mask(u32 bits)
{
	u32 m = 0;

	if (bits & 4)
		m |= FILE_READ_DATA;
	if (bits & 2)
		m |= FILE_WRITE_DATA | FILE_APPEND_DATA;
	if (bits & 1)
		m |= FILE_EXECUTE;
	return m;
}

static u32 put_ace(u8 *p, u8 type, u32 mask, u32 kind, u32 id)
{
	u32 sl;

	p[0] = type;
	p[1] = 0;
	dfs_put_le32(p + 4, mask);
	sl = kind ? sd_put_unix_sid(p + 8, kind, id) : sd_put_world_sid(p + 8);
	dfs_put_le16(p + 2, (u16)(8 + sl));
	return 8 + sl;
}

static u32 put_dacl(u8 *p, uid_t uid, gid_t gid, mode_t mode, bool dir)
{
	u32 u = (mode >> 6) & 7, g = (mode >> 3) & 7, o = mode & 7;
	u32 n = SD_ACL_HDR_SIZE, count = 3, owner;

	/* Everyone's rights reach the owner and group unless denied first */
	if ((g | o) & ~u) {
		n += put_ace(p + n, ACE_ACCESS_DENIED, deny_mask((g | o) & ~u),
			     SD_UNIX_USER, uid);
		count++;
	}
	if (o & ~g) {
		n += put_ace(p + n, ACE_ACCESS_DENIED, deny_mask(o & ~g),
			     SD_UNIX_GROUP, gid);
		count++;
	}
	owner = rwx_mask(u, dir) | WRITE_DAC | WRITE_OWNER |
		FILE_WRITE_ATTRIBUTES | DELETE;
	n += put_ace(p + n, ACE_ACCESS_ALLOWED, owner, SD_UNIX_USER, uid);
	n += put_ace(p + n, ACE_ACCESS_ALLOWED, rwx_mask(g, dir), SD_UNIX_GROUP,
		     gid);
	n += put_ace(p + n, ACE_ACCESS_ALLOWED, rwx_mask(o, dir), 0, 0);
	p[0] = 2;			/* AclRevision */
	p[1] = 0;
	dfs_put_le16(p + 2, (u16)n);
	dfs_put_le16(p + 4, (u16)count);
	dfs_put_le16(p + 6, 0);
	return n;
}

u32 sd_from_unix(u8 *out, u32 cap, uid_t uid, gid_t gid, mode_t mode,
		 bool is_dir)
{
	u8 own[16], grp[16], acl[SD_ACL_HDR_SIZE + 5 * 24];
	struct sd_parsed sd = {
		.control = SE_SELF_RELATIVE | SE_DACL_PRESENT,
		.owner = own, .owner_len = 16,
		.group = grp, .group_len = 16,
		.dacl = acl,
	};

	sd_put_unix_sid(own, SD_UNIX_USER, (u32)uid);
	sd_put_unix_sid(grp, SD_UNIX_GROUP, (u32)gid);
	sd.dacl_len = put_dacl(acl, uid, gid, mode, is_dir);
	return sd_build(out, cap, &sd);
}

/* r/w/x bits an ACE's mask speaks about (generic rights included) */
static u32 mask_bits(u32 mask)
{
	u32 b = 0;

	if (mask & GENERIC_ALL)
		return 7;
	if (mask & (FILE_READ_DATA | GENERIC_READ))
		b |= 4;
	if (mask & (FILE_WRITE_DATA | GENERIC_WRITE))
		b |= 2;
	if (mask & (FILE_EXECUTE | GENERIC_EXECUTE))
		b |= 1;
	return b;
}

/* Which classes (4 owner, 2 group, 1 other) an ACE's SID stands for */
static u32 ace_classes(const struct sd_parsed *sd, const struct sd_ace *a,
		       uid_t uid, gid_t gid)
{
	u32 id, c = 0;

	/*
	 * Authenticated Users is everyone but guests: the mode cannot tell
	 * those apart, so the others bits carry it and the DACL check at
	 * CREATE (sd_dacl_access) keeps guests out.
	 */
	if (sd_sid_is_world(a->sid, a->sid_len) ||
	    sd_sid_is_authenticated_users(a->sid, a->sid_len))
		return 7;
	if ((sd_sid_unix(a->sid, a->sid_len, SD_UNIX_USER, &id) && id == uid) ||
	    sd_sid_equal(a->sid, a->sid_len, sd->owner, sd->owner_len))
		c |= 4;
	if ((sd_sid_unix(a->sid, a->sid_len, SD_UNIX_GROUP, &id) && id == gid) ||
	    sd_sid_equal(a->sid, a->sid_len, sd->group, sd->group_len))
		c |= 2;
	return c;
}

mode_t sd_dacl_to_mode(const struct sd_parsed *sd, uid_t uid, gid_t gid,
		       mode_t old)
{
	u32 decided[3] = { 0 }, granted[3] = { 0 }, off = 0, idx = 0, c, b;
	struct sd_ace a;

	if (!(sd->control & SE_DACL_PRESENT) || !sd->dacl)
		return old;
	while (sd_acl_next(sd->dacl, sd->dacl_len, &off, &idx, &a)) {
		if ((a.type != ACE_ACCESS_ALLOWED && a.type != ACE_ACCESS_DENIED) ||
		    (a.flags & ACE_INHERIT_ONLY) || !a.sid)
			continue;
		b = mask_bits(a.mask);
		c = ace_classes(sd, &a, uid, gid);
		for (int k = 0; k < 3; k++) {
			u32 fresh;

			if (!(c & (4u >> k)))
				continue;
			fresh = b & ~decided[k];
			decided[k] |= fresh;
			if (a.type == ACE_ACCESS_ALLOWED)
				granted[k] |= fresh;
		}
	}
	return (old & ~(mode_t)0777) |
	       (mode_t)(granted[0] << 6 | granted[1] << 3 | granted[2]);
}

/* Generic rights of an ACE mask as file rights (MS-DTYP 2.4.3) */
static u32 map_generic(u32 m)
{
	if (m & GENERIC_READ)
		m |= FILE_GENERIC_READ;
	if (m & GENERIC_WRITE)
		m |= FILE_GENERIC_WRITE;
	if (m & GENERIC_EXECUTE)
		m |= FILE_GENERIC_EXECUTE;
	if (m & GENERIC_ALL)
		m |= FILE_ALL_ACCESS;
	return m & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE |
		     GENERIC_ALL);
}

static bool who_matches(const struct sd_who *who, const struct sd_ace *a)
{
	u32 id;
	int i;

	if (sd_sid_is_world(a->sid, a->sid_len))
		return true;
	if (sd_sid_is_authenticated_users(a->sid, a->sid_len))
		return who->authenticated;
	if (sd_sid_unix(a->sid, a->sid_len, SD_UNIX_USER, &id))
		return id == (u32)who->uid;
	if (sd_sid_unix(a->sid, a->sid_len, SD_UNIX_GROUP, &id))
		for (i = 0; i < who->ngids; i++)
			if ((u32)who->gids[i] == id)
				return true;
	return false;
}

u32 sd_dacl_access(const struct sd_parsed *sd, const struct sd_who *who)
{
	u32 granted = 0, denied = 0, off = 0, idx = 0, m;
	struct sd_ace a;

	if ((sd->control & SE_DACL_PRESENT) && !sd->dacl)
		return FILE_ALL_ACCESS;
	if (who->owner)
		granted = READ_CONTROL | WRITE_DAC;
	if (!sd->dacl)
		return FILE_ALL_ACCESS;	/* no DACL at all: nothing restricts */
	while (sd_acl_next(sd->dacl, sd->dacl_len, &off, &idx, &a)) {
		if ((a.type != ACE_ACCESS_ALLOWED && a.type != ACE_ACCESS_DENIED) ||
		    (a.flags & ACE_INHERIT_ONLY) || !a.sid ||
		    !who_matches(who, &a))
			continue;
		m = map_generic(a.mask);
		if (a.type == ACE_ACCESS_ALLOWED)
			granted |= m & ~denied;
		else
			denied |= m & ~granted;
	}
	return granted;
}

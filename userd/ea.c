// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ea.c - FILE_FULL_EA_INFORMATION and FILE_GET_EA_INFORMATION lists
 * (MS-FSCC 2.4.15, 2.4.15.1). Client bytes: each entry's header, name,
 * NUL and value are checked to lie inside both the buffer and the entry,
 * and NextEntryOffset must move forward past the entry, so a chain can
 * neither loop nor overlap itself.
 */
#include <string.h>

#include "userd/ea.h"

bool ea_name_valid(const u8 *name, u32 len)
{
	static const char bad[] = "\"*+,/:;<=>?[\\]|";
	u32 i;

	if (len == 0 || len > 255)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] < 0x20 || name[i] >= 0x7F || strchr(bad, name[i]))
			return false;
	return true;
}

void ea_name_upper(const u8 *name, u32 len, char out[256])
{
	u32 i;

	if (len > 255)
		len = 255;
	for (i = 0; i < len; i++)
		out[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ?
				name[i] - 'a' + 'A' : name[i]);
	out[len] = '\0';
}

/*
 * One entry at off: fills e, *next (0 = last), and the status. hdr is 8
 * for full entries, 5 for get entries (which have no value).
 */
static u32 entry_at(const u8 *buf, u32 len, u32 off, bool full,
		    struct ea_entry *e, u32 *next)
{
	u32 hdr = full ? 8 : 5, extent, need;
	const u8 *p;

	if (!dfs_range_ok(off, hdr, len))
		return STATUS_EA_LIST_INCONSISTENT;
	p = buf + off;
	*next = dfs_get_le32(p);
	memset(e, 0, sizeof(*e));
	if (full) {
		e->flags = p[4];
		e->name_len = p[5];
		e->value_len = dfs_get_le16(p + 6);
	} else {
		e->name_len = p[4];
	}
	need = hdr + e->name_len + 1u + e->value_len;
	if (*next) {
		/* forward, aligned, past this entry, and leaving a header */
		if (*next & 3 || *next < need || !dfs_range_ok(off, *next, len) ||
		    *next == len - off)
			return STATUS_EA_LIST_INCONSISTENT;
		extent = *next;
	} else {
		extent = len - off;
	}
	if (need > extent)
		return STATUS_EA_LIST_INCONSISTENT;
	e->name = p + hdr;
	e->value = e->name + e->name_len + 1;
	if (e->name[e->name_len] != 0)
		return STATUS_EA_LIST_INCONSISTENT;
	if (!ea_name_valid(e->name, e->name_len))
		return STATUS_INVALID_EA_NAME;
	return STATUS_SUCCESS;
}

static u32 list_check(const u8 *buf, u32 len, bool full, u32 *count,
		      u32 *bad_off)
{
	struct ea_entry e;
	u32 off = 0, next, st;

	*count = 0;
	*bad_off = 0;
	if (!len)
		return STATUS_EA_LIST_INCONSISTENT;
	for (;;) {
		st = entry_at(buf, len, off, full, &e, &next);
		if (st) {
			*bad_off = off;
			return st;
		}
		(*count)++;
		if (!next)
			return STATUS_SUCCESS;
		off += next;
	}
}

u32 ea_full_check(const u8 *buf, u32 len, u32 *count, u32 *bad_off)
{
	return list_check(buf, len, true, count, bad_off);
}

u32 ea_get_check(const u8 *buf, u32 len, u32 *count, u32 *bad_off)
{
	return list_check(buf, len, false, count, bad_off);
}

static bool list_next(const u8 *buf, u32 len, bool full, u32 *off, bool *more,
		      struct ea_entry *e)
{
	u32 next;

	if (!*more || entry_at(buf, len, *off, full, e, &next)) {
		*more = false;
		return false;
	}
	if (next)
		*off += next;
	else
		*more = false;
	return true;
}

bool ea_full_next(const u8 *buf, u32 len, u32 *off, bool *more,
		  struct ea_entry *e)
{
	return list_next(buf, len, true, off, more, e);
}

bool ea_get_next(const u8 *buf, u32 len, u32 *off, bool *more,
		 struct ea_entry *e)
{
	return list_next(buf, len, false, off, more, e);
}

u32 ea_put_entry(u8 *out, u32 cap, const char *name, u32 name_len,
		 const u8 *value, u32 value_len)
{
	u32 n = ea_entry_size(name_len, value_len);

	if (name_len > 255 || value_len > 0xFFFF || n > cap)
		return 0;
	dfs_put_le32(out, 0);
	out[4] = 0;
	out[5] = (u8)name_len;
	dfs_put_le16(out + 6, (u16)value_len);
	memcpy(out + 8, name, name_len);
	out[8 + name_len] = 0;
	if (value_len)
		memcpy(out + 9 + name_len, value, value_len);
	return n;
}

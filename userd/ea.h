/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ea.h - extended attributes (EAs): the FILE_FULL_EA_INFORMATION and
 * FILE_GET_EA_INFORMATION lists of MS-FSCC 2.4.15/2.4.15.1, parsed with
 * every length checked (ea.c, pure, fuzzed by tests/fuzz/fuzz_ea.c), and
 * their storage as user xattrs "user.dittofs.ea.NAME" (ea_store.c).
 */
#ifndef DITTOFSD_EA_H
#define DITTOFSD_EA_H

#include <stdbool.h>

#include "common/compat.h"
#include "common/smb2_proto.h"

#ifndef STATUS_NO_MORE_EAS
#define STATUS_NO_MORE_EAS		0x80000012u
#endif
#ifndef STATUS_INVALID_EA_NAME
#define STATUS_INVALID_EA_NAME		0x80000013u
#endif
#ifndef STATUS_EA_LIST_INCONSISTENT
#define STATUS_EA_LIST_INCONSISTENT	0x80000014u
#endif
#ifndef STATUS_NONEXISTENT_EA_ENTRY
#define STATUS_NONEXISTENT_EA_ENTRY	0xC0000051u
#endif

/* QUERY_INFO Flags for FileFullEaInformation (MS-SMB2 2.2.37) */
#define SL_RESTART_SCAN		0x1u
#define SL_RETURN_SINGLE_ENTRY	0x2u
#define SL_INDEX_SPECIFIED	0x4u

#define EA_XATTR_PREFIX		"user.dittofs.ea."
/* xattr names stop at 255 bytes: what is left for the EA name */
#define EA_NAME_STORE_MAX	(255 - (sizeof(EA_XATTR_PREFIX) - 1))

/* One entry of a list: pointers into the caller's buffer */
struct ea_entry {
	u8 flags;
	u8 name_len;
	u16 value_len;
	const u8 *name;		/* not NUL-terminated in our view */
	const u8 *value;
};

/* Entries of a list start 4-aligned */
#define EA_ALIGN4(x) (((x) + 3u) & ~3u)

/* Size of a FILE_FULL_EA_INFORMATION entry, before padding */
static inline u32 ea_entry_size(u32 name_len, u32 value_len)
{
	return 8 + name_len + 1 + value_len;
}

/* Is name (len bytes) a valid EA name? ASCII, no control or FAT-illegal */
bool ea_name_valid(const u8 *name, u32 len);

/* The case-insensitive form we store and return: upper case, NUL-ended */
void ea_name_upper(const u8 *name, u32 len, char out[256]);

/*
 * Check a whole FILE_FULL_EA_INFORMATION chain of len bytes: every
 * NextEntryOffset 4-aligned, moving forward past its entry, inside the
 * buffer; names NUL-terminated and valid. STATUS_SUCCESS and *count, or
 * STATUS_EA_LIST_INCONSISTENT / STATUS_INVALID_EA_NAME (*bad_off is the
 * offset of the offending entry).
 */
u32 ea_full_check(const u8 *buf, u32 len, u32 *count, u32 *bad_off);

/* The same for a FILE_GET_EA_INFORMATION list (names only). */
u32 ea_get_check(const u8 *buf, u32 len, u32 *count, u32 *bad_off);

/*
 * Iterate a list that passed its check: *off starts at 0, *more at true.
 * false when done.
 */
bool ea_full_next(const u8 *buf, u32 len, u32 *off, bool *more,
		  struct ea_entry *e);
bool ea_get_next(const u8 *buf, u32 len, u32 *off, bool *more,
		 struct ea_entry *e);

/*
 * Write one FILE_FULL_EA_INFORMATION entry (NextEntryOffset 0) at out if
 * it fits cap; returns its size before padding (0 if it does not fit).
 */
u32 ea_put_entry(u8 *out, u32 cap, const char *name, u32 name_len,
		 const u8 *value, u32 value_len);

/* --- storage (ea_store.c) ----------------------------------------------- */

/* SET_INFO FileFullEaInformation / the ExtA create context: check, apply. */
u32 ea_set_list(int fd, const u8 *buf, u32 len);

/*
 * QUERY_INFO FileFullEaInformation: the EAs the FILE_GET_EA_INFORMATION
 * list in (in_len bytes) names, or all of them from *next_index (kept per
 * open) as flags say; into out, at most out_len bytes. *len is what was
 * written; the status is SUCCESS, BUFFER_OVERFLOW (not all fitted),
 * BUFFER_TOO_SMALL (none did), NO_EAS_ON_FILE, NO_MORE_EAS, ...
 */
u32 ea_query(int fd, const u8 *in, u32 in_len, u32 flags, u32 index,
	     u32 *next_index, u8 *out, u32 out_len, u32 *len);

/* EaSize for FileEaInformation and FileAllInformation (0 when none). */
u32 ea_size(int fd);
/* EaSize of the entry name of the directory dirfd (directory listings) */
u32 ea_size_at(int dirfd, const char *name);

#endif /* DITTOFSD_EA_H */

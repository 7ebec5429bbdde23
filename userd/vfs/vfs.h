/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfs.h - how dittofsd touches the exported file system: wire names to
 * share-relative paths, confined opens (openat2 RESOLVE_BENEATH under the
 * share root), single-component path operations through an openat2'd
 * parent, the session user's file system identity, errno -> NTSTATUS, and
 * the stat view the SMB2 info classes are built from.
 *
 * The second half declares the helpers the file command handlers
 * (smb2_create.c, smb2_dir.c, smb2_info.c, ...) share with each other and
 * with the unit tests.
 */
#ifndef DITTOFSD_VFS_H
#define DITTOFSD_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/compat.h"

struct dfs_session;
struct dfs_server;
struct dfs_open;
struct dfs_req;

/* Longest share-relative path we build (bytes, with the NUL) */
#define VFS_PATH_MAX 4096
/* Longest single component, in UTF-16 code units (Windows) and bytes (Linux) */
#define VFS_NAME_MAX 255

/* --- names ---------------------------------------------------------- */

/*
 * Convert a CREATE/rename name (UTF-16LE, nbytes long, no NUL) to a
 * share-relative UTF-8 path: '\' separators become '/', leading '\' are
 * dropped, "" is the share root. Returns STATUS_SUCCESS or the NTSTATUS the
 * client gets: OBJECT_NAME_INVALID (bad UTF-16, empty or "." components,
 * characters Windows forbids, stream syntax other than "::$DATA"),
 * OBJECT_PATH_SYNTAX_BAD (".."), NAME_TOO_LONG (does not fit cap).
 */
u32 vfs_path_from_utf16(const u8 *name, u32 nbytes, char *out, size_t cap);

/*
 * Plain UTF-16LE -> UTF-8 with surrogate checks, no path rules (search
 * patterns). Returns the UTF-8 length, or -1 on bad input / no room.
 */
long vfs_utf16_to_utf8(const u8 *in, u32 nbytes, char *out, size_t cap);

/*
 * UTF-8 -> UTF-16LE. Returns the bytes written, or -1 when s is not valid
 * UTF-8 or the result does not fit cap. out may be NULL to measure.
 */
long vfs_utf8_to_utf16(const char *s, size_t len, u8 *out, size_t cap);

/*
 * Does name (UTF-8) match the search pattern (UTF-8, with the NT wildcards
 * '*', '?', '<', '>', '"')? Case-insensitive.
 */
bool vfs_wildcard_match(const char *pattern, const char *name);

/* The case-insensitive form of one code point (names compare folded) */
u32 vfs_fold_char(u32 c);

/*
 * The 8.3 alternate name of a UTF-8 file name into out (13 bytes): the name
 * itself when it already is one (returns false), else a hashed
 * "BASE~XY.EXT" form (returns true).
 */
bool vfs_short_name(const char *name, char out[13]);

/* The last component of a share-relative path ("" for the root) */
const char *vfs_basename(const char *path);

/*
 * Windows names are case-insensitive: rewrite the components of path
 * that do not exist as given to an existing entry that differs only in
 * case. Components that do not exist at all are left as they are.
 */
void vfs_fix_case(int root_fd, char *path, size_t cap);

/* Equal under case folding? Both UTF-8. */
bool vfs_name_eq_fold(const char *a, const char *b);
/* A hash of the case-folded name; false if it is not valid UTF-8. */
bool vfs_name_fold_hash(const char *s, u32 *hash);
/* Find an entry of directory dfd equal to name but for case by reading
 * the directory; copy it into name (cap bytes). */
bool vfs_find_case_scan(int dfd, char *name, size_t cap);

/*
 * The same through a table of the directory's names kept for large
 * directories (case_cache.c), so that N creates do not read it N times.
 */
bool vfs_case_find(int dfd, char *name, size_t cap);
/* A directory's identity and times before dittofsd changes it. */
struct vfs_dir_mark {
	bool valid;		/* it has a table to keep current */
	u64 dev, ino;
	s64 mtime_sec, ctime_sec;
	u32 mtime_nsec, ctime_nsec;
};
void vfs_case_mark(int dfd, struct vfs_dir_mark *m);
/* dittofsd removed and/or added a name (either may be NULL) in dfd. */
void vfs_case_changed(int dfd, const struct vfs_dir_mark *m,
		      const char *removed, const char *added);

/* --- errors ---------------------------------------------------------- */

/* Map a positive errno from a file system call to an NTSTATUS. */
u32 vfs_errno_status(int err);

/* --- confined path operations (all return >= 0 or -errno) ------------ */

/* openat2(root_fd, path, flags, mode, RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS) */
int vfs_open(int root_fd, const char *path, int flags, mode_t mode);

/*
 * Open the parent directory of path (O_PATH|O_DIRECTORY, confined) and
 * point *leaf at the final component inside path. Fails with -EINVAL for
 * the root itself.
 */
int vfs_open_parent(int root_fd, const char *path, const char **leaf);

/* Create a new regular file exclusively (O_CREAT|O_EXCL) with flags. */
int vfs_create_file(int root_fd, const char *path, int flags, mode_t mode);
int vfs_mkdir(int root_fd, const char *path, mode_t mode);
/* Remove a file or an empty directory; a symlink is removed, not followed. */
int vfs_unlink(int root_fd, const char *path, bool is_dir);
/* Rename within the share; RENAME_NOREPLACE unless replace. */
int vfs_rename(int root_fd, const char *from, const char *to, bool replace);

/* Set times (UTIME_OMIT for "leave") / permission bits on any fd, O_PATH too. */
int vfs_fd_utimens(int fd, const struct timespec ts[2]);
int vfs_fd_chmod(int fd, mode_t mode);
/* access(2) check of an fd as the current fs identity (R_OK/W_OK/X_OK) */
bool vfs_fd_access(int fd, int how);

/* --- identity --------------------------------------------------------- */

/* Act as the session's user (fsuid/fsgid/groups) until vfs_unbecome(). */
void vfs_become(const struct dfs_session *s);
void vfs_unbecome(void);
/* The uid files are currently accessed as */
uid_t vfs_fsuid(void);

/* --- attributes ------------------------------------------------------- */

struct vfs_stat {
	u64 creation;		/* FILETIMEs */
	u64 last_access;
	u64 last_write;
	u64 change;
	u64 size;		/* EndOfFile */
	u64 alloc;		/* AllocationSize */
	u64 ino;		/* FileId / IndexNumber */
	u64 dev;
	u32 nlink;
	u32 attrs;		/* FILE_ATTRIBUTE_* */
	u32 ea_size;		/* EaSize, where a listing fills it in */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	bool is_dir;
};

/* statx of fd (name NULL/"") or of name under dirfd without following. */
int vfs_statx(int dirfd, const char *name, struct vfs_stat *st);
static inline int vfs_fstat(int fd, struct vfs_stat *st)
{
	return vfs_statx(fd, NULL, st);
}

/*
 * Store DOS attributes (HIDDEN, SYSTEM, ARCHIVE, TEMPORARY, ...), the
 * creation time and a client-set ChangeTime of the file behind a non-O_PATH
 * fd in its "user.dittofs.dos" xattr; VFS_DOS_KEEP / 0 keep what is stored.
 * The ChangeTime holds until the file's mtime moves. 0 or -errno (EBADF
 * for O_PATH fds, ENOTSUP where the file system has no user xattrs).
 */
#define VFS_DOS_KEEP 0xFFFFFFFFu
int vfs_set_dos(int fd, u32 attrs, u64 creation, u64 change);

/* The FileAttributes to report for st, named name (dot files are HIDDEN) */
struct vfs_stat;
u32 vfs_attrs_for(const struct vfs_stat *st, const char *name);

/* DOS attributes for a mode and a file name (dot files are HIDDEN) */
u32 vfs_dos_attrs(mode_t mode, const char *name);

/* --- shared by the file command handlers ------------------------------ */

/* Map GENERIC_* bits of an access mask to the specific file rights. */
u32 smb2_map_generic(u32 access);

/* Maximal access of the current identity to the file behind fd. */
u32 smb2_maximal_access(int fd, const struct vfs_stat *st, bool read_only_tree);

/* Release QUERY_DIRECTORY state kept in dfs_open.dir (smb2_dir.c). */
void smb2_dir_free(void *dir);

/*
 * Pack one directory entry of info class cls at buf (cap bytes left).
 * name is UTF-8. Returns the entry size without trailing padding, 0 if it
 * does not fit, or -1 if the name cannot be represented.
 */
long smb2_dir_pack(u8 *buf, u32 cap, u8 cls, const char *name,
		   const struct vfs_stat *st);

/* Fixed part of a directory info class, 0 when not supported. */
u32 smb2_dir_fixed_size(u8 cls);

/*
 * Another open of the same file (dev, ino) has a pending delete
 * (open_table.c); new opens get STATUS_DELETE_PENDING.
 */
bool dfs_open_delete_pending(struct dfs_server *srv, u64 dev, u64 ino);

/*
 * Would an open of (dev, ino) with access and share mode share clash with
 * the opens already there? STATUS_SHARING_VIOLATION or STATUS_SUCCESS.
 */
u32 dfs_open_share_check(struct dfs_server *srv, u64 dev, u64 ino, u32 access,
			 u32 share);

/*
 * May o be renamed? STATUS_ACCESS_DENIED for a directory with opens
 * below it, STATUS_SHARING_VIOLATION when an open of its parent directory
 * holds DELETE or does not share delete.
 */
u32 dfs_open_rename_check(struct dfs_server *srv, const struct dfs_open *o);

/* After a rename, re-point every open path under from to to (open_table.c) */
void dfs_open_renamed(struct dfs_server *srv, const void *share,
		      const char *from, const char *to);

#endif /* DITTOFSD_VFS_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * streams.h - named streams ("file:stream:$DATA", MS-FSCC 2.1.5.1): the
 * wire name parser and the storage of each stream's data in extended
 * attributes of its base file.
 *
 * Storage layout, per stream, on the base file (regular file or directory):
 *
 *   user.dittofs.stream.<key>.0   header: version (u32 = 1), flags (u32,
 *                                 0), size (u64), then the stream name as
 *                                 the client spelt it (UTF-8)
 *   user.dittofs.stream.<key>.<n> bytes [(n - 1) * C, n * C) of the data,
 *                                 n >= 1, C = the chunk size (64 KiB); a
 *                                 chunk may be short or missing (zeros)
 *
 * <key> is the stream name case-folded, so "Foo" and "FOO" are one stream;
 * names whose folded form does not fit an xattr name use "#" and a 64-bit
 * hash instead, and the header's name tells them apart. Header keys are
 * exactly those ending in ".0" (a chunk number never does), which is how a
 * listing finds the streams. The inode carries the xattrs: unlinking the
 * base removes its streams with it.
 */
#ifndef DITTOFSD_VFS_STREAMS_H
#define DITTOFSD_VFS_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/compat.h"

/* Longest stream name: 255 UTF-16 code units, as NTFS; in UTF-8 bytes */
#define VFS_STREAM_NAME_MAX 255
#define VFS_STREAM_NAME_BYTES (3 * VFS_STREAM_NAME_MAX + 1)
/* Data bytes per xattr: XATTR_SIZE_MAX, the most Linux allows per value */
#define VFS_STREAM_CHUNK 65536u
/* Default "max stream size" */
#define VFS_STREAM_MAX_DEFAULT (8ull * 1024 * 1024)

/* --- names ------------------------------------------------------------ */

enum vfs_stream_kind {
	VFS_STREAM_NONE,	/* a plain name: the default data stream */
	VFS_STREAM_DEFAULT,	/* "file::$DATA": the default stream, named */
	VFS_STREAM_NAMED,	/* "file:name" or "file:name:$DATA" */
	VFS_STREAM_DIR_INDEX,	/* "dir::$INDEX_ALLOCATION", "dir:$I30:$INDEX_ALLOCATION" */
};

/*
 * Split a CREATE/rename name (UTF-16LE, nbytes) at its first ':' into the
 * share-relative base path (as vfs_path_from_utf16() makes it) and the
 * stream name (UTF-8, in stream, scap bytes; "" unless NAMED). Returns
 * STATUS_SUCCESS with *kind set, or OBJECT_NAME_INVALID (empty or
 * unknown stream type, '\' '/' ':' or NUL in a stream name, a name of
 * more than 255 code units, more than two ':'), or what the base path
 * parser says.
 */
u32 vfs_stream_split(const u8 *name, u32 nbytes, char *path, size_t pcap,
		     char *stream, size_t scap, enum vfs_stream_kind *kind);

/*
 * Parse only a stream part (what follows the first ':', UTF-16LE), e.g.
 * the ":new:$DATA" of a stream rename without its leading ':'.
 */
u32 vfs_stream_parse(const u8 *spec, u32 nbytes, char *stream, size_t scap,
		     enum vfs_stream_kind *kind);

/* Do two stream names name the same stream? (case-insensitive) */
bool vfs_stream_name_eq(const char *a, const char *b);

/* --- storage (all return >= 0 or -errno) ------------------------------ */

/*
 * Every call takes an fd of the base file. Any fd works, O_PATH too: the
 * xattr calls then go through /proc/self/fd. Missing streams are -ENOENT;
 * a file system without user xattrs gives -EOPNOTSUPP, one that is full
 * (ext4 keeps all xattrs of an inode in one block) -ENOSPC.
 */

/* The name a stream was created with (any spelling finds it), into out. */
int vfs_stream_stored_name(int fd, const char *name, char *out, size_t cap);
/* Size of a stream; -ENOENT if it does not exist. */
int vfs_stream_size(int fd, const char *name, u64 *size);
/* Create an empty stream; -EEXIST if it exists. */
int vfs_stream_create(int fd, const char *name);
/* Read up to len bytes at off; returns the count (0 at or past the end). */
ssize_t vfs_stream_pread(int fd, const char *name, void *buf, size_t len,
			 u64 off);
/* Write len bytes at off, growing the stream; -EFBIG past max bytes. */
ssize_t vfs_stream_pwrite(int fd, const char *name, const void *buf,
			  size_t len, u64 off, u64 max);
/* Set the size (cut or zero-extend); -EFBIG past max. */
int vfs_stream_truncate(int fd, const char *name, u64 size, u64 max);
/* Remove a stream and all its data. */
int vfs_stream_remove(int fd, const char *name);
/* Remove every named stream of the file (overwrite/supersede of the base). */
int vfs_stream_remove_all(int fd);
/*
 * Rename a stream; the target is replaced when replace, else -EEXIST.
 * Renaming onto the same name in another case only changes the spelling.
 */
int vfs_stream_rename(int fd, const char *from, const char *to, bool replace);

/* One stream as a listing reports it */
typedef int (*vfs_stream_cb)(void *arg, const char *name, u64 size);
/* Call cb for every named stream of the file; stops at a non-zero return. */
int vfs_stream_list(int fd, vfs_stream_cb cb, void *arg);

/* Chunk size override for the unit tests (0 = VFS_STREAM_CHUNK) */
void vfs_stream_set_chunk(u32 chunk);

#endif /* DITTOFSD_VFS_STREAMS_H */

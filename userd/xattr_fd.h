/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xattr_fd.h - extended attributes of an open file, whatever kind of
 * descriptor CREATE left in the open (a plain fd, or an O_PATH one for
 * directories and attribute-only opens). Used for stored security
 * descriptors (secdesc_store.c) and EAs (ea_store.c).
 */
#ifndef DITTOFSD_XATTR_FD_H
#define DITTOFSD_XATTR_FD_H

#include <stddef.h>

/* Value length (buf NULL or size 0 measures), or -errno. */
long xattr_fd_get(int fd, const char *name, void *buf, size_t size);
/*
 * Set a value. A read-only file refuses user xattrs even to its owner,
 * who may chmod it anyway: the owner lends itself the write bit for the
 * moment (as vfs_set_dos does). 0 or -errno.
 */
int xattr_fd_set(int fd, const char *name, const void *value, size_t len);
/* Remove; a missing attribute is not an error. 0 or -errno. */
int xattr_fd_remove(int fd, const char *name);
/* The NUL-separated name list (buf NULL measures), or -errno. */
long xattr_fd_list(int fd, char *buf, size_t size);

/*
 * The same for the entry name (one component, never followed) of the
 * directory behind dirfd, as a directory listing sees it; fd -1 / name
 * NULL is not allowed here.
 */
long xattr_at_get(int dirfd, const char *name, const char *xname, void *buf,
		  size_t size);
long xattr_at_list(int dirfd, const char *name, char *buf, size_t size);

#endif /* DITTOFSD_XATTR_FD_H */

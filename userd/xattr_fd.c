// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xattr_fd.c - xattrs through an open descriptor. f*xattr() refuse O_PATH
 * descriptors (EBADF); those go through /proc/self/fd/N, which names the
 * very file the descriptor holds, so nothing is looked up by name again
 * and the share confinement of the original open still holds. Opens are
 * only ever of regular files and directories (smb2_create.c), never of
 * symlinks, so following the magic link cannot lead anywhere else.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "userd/vfs/vfs.h"
#include "userd/xattr_fd.h"

static void proc_path(int fd, char out[32])
{
	snprintf(out, 32, "/proc/self/fd/%d", fd);
}

long xattr_fd_get(int fd, const char *name, void *buf, size_t size)
{
	char p[32];
	ssize_t n;

	n = fgetxattr(fd, name, buf, size);
	if (n < 0 && errno == EBADF) {
		proc_path(fd, p);
		n = getxattr(p, name, buf, size);
	}
	return n < 0 ? -errno : (long)n;
}

static int set_once(int fd, const char *name, const void *value, size_t len,
		    bool remove)
{
	char p[32];
	int ret;

	ret = remove ? fremovexattr(fd, name) :
		       fsetxattr(fd, name, value, len, 0);
	if (ret < 0 && errno == EBADF) {
		proc_path(fd, p);
		ret = remove ? removexattr(p, name) :
			       setxattr(p, name, value, len, 0);
	}
	return ret < 0 ? -errno : 0;
}

static int set_or_remove(int fd, const char *name, const void *value,
			 size_t len, bool remove)
{
	struct stat st;
	int ret;

	ret = set_once(fd, name, value, len, remove);
	if (ret != -EACCES || fstat(fd, &st) < 0 || st.st_uid != vfs_fsuid() ||
	    (st.st_mode & S_IWUSR) ||
	    vfs_fd_chmod(fd, (st.st_mode | S_IWUSR) & 07777) < 0)
		return ret;
	ret = set_once(fd, name, value, len, remove);
	vfs_fd_chmod(fd, st.st_mode & 07777);
	return ret;
}

int xattr_fd_set(int fd, const char *name, const void *value, size_t len)
{
	return set_or_remove(fd, name, value, len, false);
}

int xattr_fd_remove(int fd, const char *name)
{
	int ret = set_or_remove(fd, name, NULL, 0, true);

	return ret == -ENODATA ? 0 : ret;
}

long xattr_fd_list(int fd, char *buf, size_t size)
{
	char p[32];
	ssize_t n;

	n = flistxattr(fd, buf, size);
	if (n < 0 && errno == EBADF) {
		proc_path(fd, p);
		n = listxattr(p, buf, size);
	}
	return n < 0 ? -errno : (long)n;
}

/* "/proc/self/fd/N/name": the entry of that very directory, by one name */
static bool at_path(int dirfd, const char *name, char *out, size_t cap)
{
	int n;

	if (!name[0] || strchr(name, '/'))
		return false;
	n = snprintf(out, cap, "/proc/self/fd/%d/%s", dirfd, name);
	return n > 0 && (size_t)n < cap;
}

long xattr_at_get(int dirfd, const char *name, const char *xname, void *buf,
		  size_t size)
{
	char p[32 + 256 + 1];
	ssize_t n;

	if (!at_path(dirfd, name, p, sizeof(p)))
		return -EINVAL;
	n = lgetxattr(p, xname, buf, size);
	return n < 0 ? -errno : (long)n;
}

long xattr_at_list(int dirfd, const char *name, char *buf, size_t size)
{
	char p[32 + 256 + 1];
	ssize_t n;

	if (!at_path(dirfd, name, p, sizeof(p)))
		return -EINVAL;
	n = llistxattr(p, buf, size);
	return n < 0 ? -errno : (long)n;
}

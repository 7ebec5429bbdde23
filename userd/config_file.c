// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_file.c - read, edit and atomically replace dittofs.conf
 * (see config_file.h for the guarantees).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/config_file.h"

/* Far beyond any real configuration; a bigger file is a mistake. */
#define CONF_FILE_MAX (16u << 20)

/* The file being edited. */
struct edit {
	const char *file;		/* as the admin named it, for messages */
	char real[PATH_MAX];		/* symlinks resolved: what we replace */
	char dir[PATH_MAX];
	int dirfd;
	struct stat st;			/* of the original, when read */
	char *text;
	size_t len;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int efail(struct edit *e, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->err && e->errlen) {
		n = snprintf(e->err, e->errlen, "%s: ", e->file);
		if (n >= 0 && (size_t)n < e->errlen) {
			va_start(ap, fmt);
			vsnprintf(e->err + n, e->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

/* A failed system call: "FILE: what: strerror" (errno read once, first). */
#define SYS_FAIL(e, ...) sys_fail((e), errno, __VA_ARGS__)

__attribute__((format(printf, 3, 4)))
static int sys_fail(struct edit *e, int err, const char *fmt, ...)
{
	char what[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return efail(e, -err, "%s%s%s", what, what[0] ? ": " : "", strerror(err));
}

static int lock_dir(struct edit *e)
{
	char tmp[PATH_MAX];

	if (!realpath(e->file, e->real))
		return SYS_FAIL(e, "%s", "");
	snprintf(tmp, sizeof(tmp), "%s", e->real);
	snprintf(e->dir, sizeof(e->dir), "%s", dirname(tmp));
	e->dirfd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (e->dirfd < 0)
		return SYS_FAIL(e, "cannot open its directory %s", e->dir);
	if (flock(e->dirfd, LOCK_EX))
		return SYS_FAIL(e, "cannot lock its directory");
	return 0;
}

static int read_all(struct edit *e, int fd)
{
	size_t cap = (size_t)e->st.st_size + 1;
	ssize_t k;

	e->text = malloc(cap + 1);
	if (!e->text)
		return efail(e, -ENOMEM, "out of memory");
	for (;;) {
		if (e->len == cap) {
			/* it grew since fstat: take what fits our limit */
			char *n;

			if (cap >= CONF_FILE_MAX)
				return efail(e, -EFBIG, "larger than %u bytes", CONF_FILE_MAX);
			n = realloc(e->text, cap * 2 + 1);
			if (!n)
				return efail(e, -ENOMEM, "out of memory");
			e->text = n;
			cap *= 2;
		}
		k = read(fd, e->text + e->len, cap - e->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return SYS_FAIL(e, "read");
		if (k == 0)
			break;
		e->len += (size_t)k;
	}
	e->text[e->len] = '\0';
	return 0;
}

static int read_file(struct edit *e)
{
	int fd = open(e->real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;

	if (fd < 0)
		return SYS_FAIL(e, "%s", "");
	if (fstat(fd, &e->st)) {
		rc = SYS_FAIL(e, "fstat");
	} else if (!S_ISREG(e->st.st_mode)) {
		rc = efail(e, -EINVAL, "not a regular file");
	} else if ((unsigned long long)e->st.st_size > CONF_FILE_MAX) {
		rc = efail(e, -EFBIG, "larger than %u bytes", CONF_FILE_MAX);
	} else {
		rc = read_all(e, fd);
	}
	close(fd);
	return rc;
}

/* Run the real parser over text; msg says what the text is. */
static int parses(struct edit *e, const char *text, size_t len, const char *msg)
{
	struct dfs_config *cfg;
	char perr[768];

	if (dfs_config_parse_text(e->file, text, len, &cfg, perr, sizeof(perr))) {
		if (e->err && e->errlen)
			snprintf(e->err, e->errlen, "%s (%s)", perr, msg);
		return -EBADMSG;
	}
	dfs_config_free(cfg);
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * The replacement must look like the original to everything but its text:
 * ACLs (system.posix_acl_access), security labels and user attributes live in
 * extended attributes, which a rename would otherwise drop. Any one that
 * cannot be carried over stops the edit, with nothing changed.
 */
/* One attribute NAME from the original onto FD; 0 or -errno. */
static int copy_xattr(const char *path, const char *name, int fd)
{
	ssize_t len = lgetxattr(path, name, NULL, 0), got;
	char *val;
	int rc = 0;

	if (len < 0)
		return -errno;
	val = malloc((size_t)len + 1);
	if (!val)
		return -ENOMEM;
	got = lgetxattr(path, name, val, (size_t)len);
	if (got != len)
		rc = got < 0 ? -errno : -EAGAIN;	/* it changed meanwhile */
	else if (fsetxattr(fd, name, val, (size_t)len, 0))
		rc = -errno;
	free(val);
	return rc;
}

static int copy_xattrs(struct edit *e, int fd)
{
	ssize_t len = llistxattr(e->real, NULL, 0);
	char *names;
	int rc = 0;

	if (len < 0 && errno == ENOTSUP)
		return 0;
	if (len < 0)
		return SYS_FAIL(e, "cannot list its extended attributes");
	if (len == 0)
		return 0;
	names = malloc((size_t)len);
	if (!names)
		return efail(e, -ENOMEM, "out of memory");
	len = llistxattr(e->real, names, (size_t)len);
	if (len < 0)
		rc = SYS_FAIL(e, "cannot list its extended attributes");
	for (char *n = names; !rc && n < names + len; n += strlen(n) + 1) {
		rc = copy_xattr(e->real, n, fd);
		if (rc)
			efail(e, rc, "cannot keep its extended attribute %s on the new file: %s; nothing was changed",
			      n, strerror(-rc));
	}
	free(names);
	return rc;
}

/* A new file beside the original with its mode, owner, attributes and
 * contents. */
static int write_temp(struct edit *e, const struct dfs_conf_text *t,
		      char *tmp, size_t cap)
{
	int fd, rc;

	/* realpath() made e->real absolute: there is a '/' */
	snprintf(tmp, cap, "%s/.%s.XXXXXX", e->dir, strrchr(e->real, '/') + 1);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return SYS_FAIL(e, "cannot create a temporary file in %s", e->dir);
	rc = fchmod(fd, e->st.st_mode & 07777) ? -errno : 0;
	if (!rc && fchown(fd, e->st.st_uid, e->st.st_gid))
		rc = -errno;
	if (rc) {
		efail(e, rc, "cannot give the new file the original's mode and owner (%o, %u:%u): %s",
		      (unsigned)(e->st.st_mode & 07777), (unsigned)e->st.st_uid,
		      (unsigned)e->st.st_gid, strerror(-rc));
		goto fail;
	}
	rc = copy_xattrs(e, fd);
	if (rc)
		goto fail;
	rc = write_all(fd, t->buf, t->len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (rc) {
		efail(e, rc, "cannot write %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	if (close(fd)) {
		fd = -1;
		rc = SYS_FAIL(e, "cannot write %s", tmp);
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* Did someone (an editor) change the file since we read it? */
static bool changed_since(const struct edit *e)
{
	struct stat now;

	if (stat(e->real, &now))
		return true;
	return now.st_ino != e->st.st_ino || now.st_dev != e->st.st_dev ||
	       now.st_size != e->st.st_size ||
	       now.st_mtim.tv_sec != e->st.st_mtim.tv_sec ||
	       now.st_mtim.tv_nsec != e->st.st_mtim.tv_nsec;
}

static int install(struct edit *e, const struct dfs_conf_text *t)
{
	char tmp[PATH_MAX + 16];
	int rc = write_temp(e, t, tmp, sizeof(tmp));

	if (rc)
		return rc;
	if (changed_since(e)) {
		unlink(tmp);
		return efail(e, -EAGAIN, "changed by someone else while being edited; nothing written, try again");
	}
	if (rename(tmp, e->real)) {
		rc = SYS_FAIL(e, "cannot replace it");
		unlink(tmp);
		return rc;
	}
	/* the rename itself must survive a crash too */
	if (fsync(e->dirfd))
		return SYS_FAIL(e, "replaced, but fsync of %s failed", e->dir);
	return 0;
}

int dfs_conf_edit_file(const char *file, dfs_conf_edit_fn edit, void *arg,
		       char *err, size_t errlen)
{
	struct edit e = { .file = file, .dirfd = -1, .err = err,
			  .errlen = errlen };
	struct dfs_conf_text t = { 0 };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	rc = lock_dir(&e);
	if (!rc)
		rc = read_file(&e);
	if (!rc)
		rc = parses(&e, e.text, e.len, "fix the file first; nothing was changed");
	if (!rc)
		rc = edit(e.text, e.len, arg, &t, err, errlen);
	if (!rc)
		rc = parses(&e, t.buf, t.len, "the edited file would not parse; nothing was changed");
	if (!rc)
		rc = install(&e, &t);
	dfs_conf_text_free(&t);
	free(e.text);
	if (e.dirfd >= 0)
		close(e.dirfd);	/* releases the lock */
	return rc;
}

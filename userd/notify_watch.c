// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * notify_watch.c - file system changes for CHANGE_NOTIFY (MS-SMB2 3.3.5.19)
 * from one inotify instance the loop polls.
 *
 * A directory open gets its watches with its first CHANGE_NOTIFY, which
 * also fixes its CompletionFilter, WATCH_TREE and the size of its change
 * buffer (later requests reuse them, as Samba does). From then on changes are buffered per open as
 * FILE_NOTIFY_INFORMATION entries (MS-FSCC 2.7.1): a pending request takes
 * them at once, otherwise the next request does.
 *
 * Limits:
 *  - inotify is not recursive. WATCH_TREE watches the open's directory and
 *    up to DFS_NOTIFY_MAX_DIRS directories below it, found by a walk at the
 *    first request and as directories are created or moved in; changes in
 *    directories past that bound are not reported.
 *  - buffered changes are bounded by the OutputBufferLength of the open's
 *    first request (and 64 KiB); past that, or when the inotify queue
 *    overflows, the next request ends with STATUS_NOTIFY_ENUM_DIR. A
 *    request whose own OutputBufferLength the changes exceed ends with
 *    STATUS_NOTIFY_ENUM_DIR too, but a small request does not shrink the
 *    buffer for the changes after it (smb2.notify.valid-req: a request of
 *    0 bytes, then one of 512 KiB gets the changes made in between).
 *  - a rename is RENAMED_OLD_NAME/RENAMED_NEW_NAME when it stays in one
 *    directory, REMOVED/ADDED when it moves between directories.
 *  - consecutive MODIFIED entries for one name are reported once.
 *  - a handle whose directory is removed (seen through a watch on its
 *    parent) or gets a delete pending (dfs_notify_delete_pending()) ends
 *    its requests with STATUS_DELETE_PENDING.
 *  - the watches of an open closed with no request pending are removed
 *    when the next change or request finds the open gone, unless
 *    dfs_open_close() calls dfs_notify_open_gone().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/notify_watch.h"
#include "userd/unicode.h"
#include "userd/vfs/vfs.h"

/* CompletionFilter bits (MS-SMB2 2.2.35) */
#define FNC_FILE_NAME		0x0001
#define FNC_DIR_NAME		0x0002
#define FNC_ATTRIBUTES		0x0004
#define FNC_SIZE		0x0008
#define FNC_LAST_WRITE		0x0010
#define FNC_LAST_ACCESS		0x0020
#define FNC_CREATION		0x0040
#define FNC_EA			0x0080
#define FNC_SECURITY		0x0100

/* FILE_NOTIFY_INFORMATION.Action (MS-FSCC 2.7.1) */
#define FILE_ACTION_ADDED		1
#define FILE_ACTION_REMOVED		2
#define FILE_ACTION_MODIFIED		3
#define FILE_ACTION_RENAMED_OLD_NAME	4
#define FILE_ACTION_RENAMED_NEW_NAME	5

#define NW_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
		 IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR | \
		 IN_EXCL_UNLINK)
#define NW_BUF_MAX (64u * 1024)
#define NW_NAME_MAX 4096

struct nw_dir {
	int wd;
	char *rel;		/* '/'-separated below the open, "" = itself;
				 * for the parent watch, the open's own name */
	bool parent;		/* the parent: only tells the open's removal */
};

struct nw_wait {
	struct nw_wait *next;
	struct dfs_async *a;
	u32 max;		/* its OutputBufferLength */
};

struct dfs_notify_open {
	struct dfs_notify_open *next;
	struct dfs_open *o;
	u64 vid;		/* o->volatile_id, to tell a reused slot */
	u32 filter;
	bool tree;
	bool overflow;		/* changes were lost: NOTIFY_ENUM_DIR */
	bool deleted;		/* the directory itself was removed */
	u32 bound;		/* buffer limit in bytes */
	u8 *buf;		/* FILE_NOTIFY_INFORMATION list */
	u32 len, cap, last;	/* last = offset of the last entry */
	struct nw_dir *dirs;
	u32 ndirs, dcap;
	struct nw_wait *wait;	/* pending requests, oldest first */
};

struct dfs_notify {
	int fd;
	struct dfs_notify_open *opens;
};

static struct dfs_server *open_srv(const struct dfs_open *o)
{
	return o->sess->conn->srv;
}

static bool nw_alive(const struct dfs_server *srv, const struct dfs_notify_open *n)
{
	u32 slot = (u32)n->vid;

	return slot < srv->opens_cap && srv->opens[slot] == n->o &&
	       n->o->volatile_id == n->vid;
}

static bool wd_used(const struct dfs_notify *nt, int wd)
{
	const struct dfs_notify_open *n;
	u32 i;

	for (n = nt->opens; n; n = n->next)
		for (i = 0; i < n->ndirs; i++)
			if (n->dirs[i].wd == wd)
				return true;
	return false;
}

/* Forget dirs[i]; remove the inotify watch when no other open uses it. */
static void drop_dir(struct dfs_notify *nt, struct dfs_notify_open *n, u32 i,
		     bool rm)
{
	int wd = n->dirs[i].wd;

	free(n->dirs[i].rel);
	n->dirs[i] = n->dirs[--n->ndirs];
	if (rm && !wd_used(nt, wd))
		inotify_rm_watch(nt->fd, wd);
}

static void nw_free(struct dfs_notify *nt, struct dfs_notify_open *n)
{
	struct dfs_notify_open **pp;

	for (pp = &nt->opens; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	while (n->ndirs)
		drop_dir(nt, n, n->ndirs - 1, true);
	while (n->wait) {
		struct nw_wait *w = n->wait;

		n->wait = w->next;
		free(w);
	}
	free(n->dirs);
	free(n->buf);
	free(n);
}

/* Drop the state of opens that have closed. */
static void nw_sweep(struct dfs_server *srv)
{
	struct dfs_notify *nt = srv->notify;
	struct dfs_notify_open *n, *next;

	for (n = nt->opens; n; n = next) {
		next = n->next;
		if (!nw_alive(srv, n))
			nw_free(nt, n);
	}
}

/* Watch the directory fd as rel of n. 0 or -errno. */
static int add_watch(struct dfs_notify *nt, struct dfs_notify_open *n, int fd,
		     const char *rel, bool parent)
{
	char path[32];
	struct nw_dir *d;
	int wd, err;
	u32 i;

	if (n->ndirs >= DFS_NOTIFY_MAX_DIRS)
		return -ENOSPC;
	if (n->ndirs == n->dcap) {
		u32 cap = n->dcap ? n->dcap * 2 : 4;

		d = realloc(n->dirs, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		n->dirs = d;
		n->dcap = cap;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* read permission on the directory, as the session's user */
	vfs_become(n->o->sess);
	wd = inotify_add_watch(nt->fd, path, NW_MASK);
	err = errno;
	vfs_unbecome();
	if (wd < 0)
		return -err;
	for (i = 0; i < n->ndirs; i++)
		if (n->dirs[i].wd == wd)
			return 0;	/* the same directory twice (bind mount) */
	d = &n->dirs[n->ndirs];
	d->rel = strdup(rel);
	if (!d->rel) {
		if (!wd_used(nt, wd))
			inotify_rm_watch(nt->fd, wd);
		return -ENOMEM;
	}
	d->wd = wd;
	d->parent = parent;
	n->ndirs++;
	return 0;
}

static char *join(const char *rel, const char *name)
{
	size_t a = strlen(rel), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		return NULL;
	if (a) {
		memcpy(p, rel, a);
		p[a++] = '/';
	}
	memcpy(p + a, name, b + 1);
	return p;
}

/* Watch the directory rel below n's open (WATCH_TREE). */
static void add_subdir(struct dfs_notify *nt, struct dfs_notify_open *n,
		       const char *rel)
{
	int fd;

	if (n->ndirs >= DFS_NOTIFY_MAX_DIRS)
		return;
	vfs_become(n->o->sess);
	fd = vfs_open(n->o->fd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	vfs_unbecome();
	if (fd < 0)
		return;
	add_watch(nt, n, fd, rel, false);
	close(fd);
}

/* Watch the tree below n's open breadth first: dirs[] is the queue. */
static void add_tree(struct dfs_notify *nt, struct dfs_notify_open *n)
{
	struct dirent *de;
	u32 i;

	for (i = 0; i < n->ndirs && n->ndirs < DFS_NOTIFY_MAX_DIRS; i++) {
		char *rel = strdup(n->dirs[i].rel);
		DIR *dir;
		int fd;

		if (!rel)
			return;
		vfs_become(n->o->sess);
		fd = vfs_open(n->o->fd, rel[0] ? rel : ".",
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		vfs_unbecome();
		dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			free(rel);
			continue;
		}
		while ((de = readdir(dir)) && n->ndirs < DFS_NOTIFY_MAX_DIRS) {
			char *child;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
				continue;
			child = join(rel, de->d_name);
			if (child)
				add_subdir(nt, n, child);
			free(child);
		}
		closedir(dir);
		free(rel);
	}
}

/*
 * inotify reports a directory's own deletion (IN_DELETE_SELF) only once
 * its last reference goes, and the open holds one: watch the parent for
 * the directory's name going away instead.
 */
static void add_parent(struct dfs_notify *nt, struct dfs_notify_open *n)
{
	const char *leaf;
	int fd;

	if (!n->o->path || !n->o->path[0] || !n->o->tree)
		return;
	vfs_become(n->o->sess);
	fd = vfs_open_parent(n->o->tree->root_fd, n->o->path, &leaf);
	vfs_unbecome();
	if (fd < 0)
		return;
	add_watch(nt, n, fd, leaf, true);
	close(fd);
}

int dfs_notify_init(struct dfs_server *srv)
{
	struct dfs_notify *nt = calloc(1, sizeof(*nt));

	if (!nt)
		return -1;
	nt->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (nt->fd < 0) {
		log_err("inotify_init1: %s: CHANGE_NOTIFY reports no changes",
			 strerror(errno));
		free(nt);
		return -1;
	}
	srv->notify = nt;
	return nt->fd;
}

void dfs_notify_exit(struct dfs_server *srv)
{
	struct dfs_notify *nt = srv->notify;

	if (!nt)
		return;
	while (nt->opens)
		nw_free(nt, nt->opens);
	close(nt->fd);
	free(nt);
	srv->notify = NULL;
}

struct dfs_notify_open *dfs_notify_get(struct dfs_open *o, u32 filter,
				       bool tree, u32 max)
{
	struct dfs_server *srv = open_srv(o);
	struct dfs_notify *nt = srv->notify;
	struct dfs_notify_open *n;

	if (!nt || o->fd < 0)
		return NULL;
	nw_sweep(srv);
	for (n = nt->opens; n; n = n->next)
		if (n->o == o)
			return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->o = o;
	n->vid = o->volatile_id;
	n->filter = filter;
	n->tree = tree;
	n->bound = max < NW_BUF_MAX ? max : NW_BUF_MAX;
	n->next = nt->opens;
	nt->opens = n;
	if (add_watch(nt, n, o->fd, "", false)) {
		log_debug("CHANGE_NOTIFY: cannot watch '%s'", o->path);
		nw_free(nt, n);
		return NULL;
	}
	if (tree)
		add_tree(nt, n);
	add_parent(nt, n);
	return n;
}

static void reset(struct dfs_notify_open *n)
{
	n->len = 0;
	n->last = 0;
	n->overflow = false;
}

u32 dfs_notify_take(struct dfs_notify_open *n, u32 max, u8 *out, u32 cap,
		    u32 *len)
{
	if (n->deleted)
		return STATUS_DELETE_PENDING;
	if (!n->len && !n->overflow)
		return STATUS_PENDING;
	if (n->overflow || n->len > max || 8 + n->len > cap) {
		reset(n);
		return STATUS_NOTIFY_ENUM_DIR;
	}
	/* CHANGE_NOTIFY response (MS-SMB2 2.2.36) */
	dfs_put_le16(out, 9);
	dfs_put_le16(out + 2, SMB2_HDR_SIZE + 8);
	dfs_put_le32(out + 4, n->len);
	memcpy(out + 8, n->buf, n->len);
	*len = 8 + n->len;
	reset(n);
	return STATUS_SUCCESS;
}

static void nw_cancel(struct dfs_async *a)
{
	struct dfs_notify *nt = a->conn->srv->notify;
	struct dfs_notify_open *n;
	struct nw_wait **pp, *w;

	for (n = nt ? nt->opens : NULL; n; n = n->next)
		if (n == a->priv)
			break;
	if (!n)
		return;
	for (pp = &n->wait; *pp; pp = &(*pp)->next) {
		if ((*pp)->a == a) {
			w = *pp;
			*pp = w->next;
			free(w);
			break;
		}
	}
	/* dfs_open_close() took the handle out of the table: it is closing */
	if (!nw_alive(a->conn->srv, n))
		nw_free(nt, n);
}

void dfs_notify_park(struct dfs_notify_open *n, struct dfs_async *a, u32 max)
{
	struct nw_wait *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return;		/* it still ends with cancel or close */
	w->a = a;
	w->max = max;
	for (pp = &n->wait; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	a->priv = n;
	a->cancel = nw_cancel;
}

void dfs_notify_open_gone(struct dfs_open *o)
{
	struct dfs_notify *nt = open_srv(o)->notify;
	struct dfs_notify_open *n;

	for (n = nt ? nt->opens : NULL; n; n = n->next) {
		if (n->o == o) {
			nw_free(nt, n);
			return;
		}
	}
}

/* Append one FILE_NOTIFY_INFORMATION entry for rel\name. */
static void add_entry(struct dfs_notify_open *n, u32 action, const char *rel,
		      const char *name)
{
	char path[NW_NAME_MAX];
	u8 *p;
	long nlen;
	u32 need, i;

	if (n->overflow)
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] ? "/" : "",
			     name) >= sizeof(path)) {
		n->overflow = true;
		return;
	}
	for (i = 0; path[i]; i++)
		if (path[i] == '/')
			path[i] = '\\';
	need = n->len + 12 + 2 * (u32)strlen(path) + 3;
	if (need > n->cap) {
		u32 cap = need < 1024 ? 1024 : need * 2;

		p = realloc(n->buf, cap);
		if (!p) {
			n->overflow = true;
			return;
		}
		n->buf = p;
		n->cap = cap;
	}
	/* entries start 4-byte aligned (MS-FSCC 2.7.1) */
	i = (n->len + 3) & ~3u;
	p = n->buf + i;
	nlen = dfs_utf8_to_utf16(path, p + 12, n->cap - i - 12);
	if (nlen < 0)
		return;
	/* a run of writes or attribute changes to one file is one change */
	if (n->len && action == FILE_ACTION_MODIFIED &&
	    dfs_get_le32(n->buf + n->last + 4) == action &&
	    dfs_get_le32(n->buf + n->last + 8) == (u32)nlen &&
	    !memcmp(n->buf + n->last + 12, p + 12, (size_t)nlen))
		return;
	if (i + 12 + (u32)nlen > n->bound) {
		n->overflow = true;
		return;
	}
	memset(n->buf + n->len, 0, i - n->len);
	if (n->len)
		dfs_put_le32(n->buf + n->last, i - n->last);
	dfs_put_le32(p, 0);
	dfs_put_le32(p + 4, action);
	dfs_put_le32(p + 8, (u32)nlen);
	n->last = i;
	n->len = i + 12 + (u32)nlen;
}

/* A directory below a WATCH_TREE open moved away: forget its watches. */
static void drop_subtree(struct dfs_notify *nt, struct dfs_notify_open *n,
			 const char *rel)
{
	size_t l = strlen(rel);
	u32 i = 0;

	while (i < n->ndirs) {
		const char *r = n->dirs[i].rel;

		if (!n->dirs[i].parent && r[0] && !strncmp(r, rel, l) &&
		    (r[l] == 0 || r[l] == '/'))
			drop_dir(nt, n, i, true);
		else
			i++;
	}
}

static void on_change(struct dfs_notify *nt, struct dfs_notify_open *n, u32 di,
		      const struct inotify_event *ev, bool renamed)
{
	bool isdir = ev->mask & IN_ISDIR;
	u32 namef = isdir ? FNC_DIR_NAME : FNC_FILE_NAME;
	u32 action, filter;
	char *rel = n->dirs[di].rel;
	char *child = NULL;

	if (ev->mask & IN_CREATE) {
		action = FILE_ACTION_ADDED;
		filter = namef;
	} else if (ev->mask & IN_DELETE) {
		action = FILE_ACTION_REMOVED;
		filter = namef;
	} else if (ev->mask & IN_MOVED_FROM) {
		action = renamed ? FILE_ACTION_RENAMED_OLD_NAME : FILE_ACTION_REMOVED;
		filter = namef;
	} else if (ev->mask & IN_MOVED_TO) {
		action = renamed ? FILE_ACTION_RENAMED_NEW_NAME : FILE_ACTION_ADDED;
		filter = namef;
	} else if (ev->mask & IN_MODIFY) {
		action = FILE_ACTION_MODIFIED;
		filter = FNC_SIZE | FNC_LAST_WRITE;
	} else if (ev->mask & IN_ATTRIB) {
		action = FILE_ACTION_MODIFIED;
		filter = FNC_ATTRIBUTES | FNC_LAST_WRITE | FNC_LAST_ACCESS |
			 FNC_CREATION | FNC_EA | FNC_SECURITY;
	} else {
		return;
	}
	if (n->filter & filter)
		add_entry(n, action, rel, ev->name);
	if (!n->tree || !isdir || !(ev->mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM)))
		return;
	child = join(rel, ev->name);
	if (!child)
		return;
	if (ev->mask & IN_MOVED_FROM)
		drop_subtree(nt, n, child);	/* rel may be freed after this */
	else
		add_subdir(nt, n, child);
	free(child);
}

/* Give buffered changes to the oldest pending request of each open. */
static void flush(struct dfs_notify *nt)
{
	struct dfs_notify_open *n;
	struct nw_wait *w;
	u32 status, len = 0;
	u8 *body;

	for (n = nt->opens; n; n = n->next) {
		/* after a deletion every request ends, else the oldest one */
		while ((w = n->wait) && (n->len || n->overflow || n->deleted)) {
			n->wait = w->next;
			body = malloc(8 + n->len);
			status = body ? dfs_notify_take(n, w->max, body, 8 + n->len, &len) :
					STATUS_NOTIFY_ENUM_DIR;
			if (status == STATUS_SUCCESS)
				dfs_async_complete(w->a, status, body, len);
			else
				dfs_async_complete(w->a, status, NULL, 0);
			if (!body)
				reset(n);
			free(body);
			free(w);
		}
	}
}

static void on_events(struct dfs_server *srv, const u8 *buf, ssize_t len)
{
	struct dfs_notify *nt = srv->notify;
	const struct inotify_event *ev, *nx;
	struct dfs_notify_open *n;
	u32 from_cookie = 0;
	int from_wd = -1;
	ssize_t off;
	u32 i;

	for (off = 0; off < len; off += sizeof(*ev) + ev->len) {
		bool renamed = false;

		ev = (const struct inotify_event *)(buf + off);
		if (ev->mask & IN_Q_OVERFLOW) {
			for (n = nt->opens; n; n = n->next)
				n->overflow = true;
			continue;
		}
		if (ev->mask & IN_IGNORED) {
			/* the watch is gone (directory removed) */
			for (n = nt->opens; n; n = n->next)
				for (i = 0; i < n->ndirs; i++)
					if (n->dirs[i].wd == ev->wd)
						drop_dir(nt, n, i--, false);
			continue;
		}
		if (ev->mask & IN_DELETE_SELF) {
			/* pending requests end with STATUS_DELETE_PENDING */
			for (n = nt->opens; n; n = n->next)
				for (i = 0; i < n->ndirs; i++)
					if (n->dirs[i].wd == ev->wd &&
					    !n->dirs[i].parent && !n->dirs[i].rel[0])
						n->deleted = true;
			continue;
		}
		if (!ev->len || !ev->name[0])
			continue;
		/* a rename inside one directory: MOVED_FROM, then MOVED_TO */
		if (ev->mask & IN_MOVED_FROM) {
			from_cookie = ev->cookie;
			from_wd = ev->wd;
			if (off + (ssize_t)(sizeof(*ev) + ev->len) < len) {
				nx = (const void *)(buf + off + sizeof(*ev) + ev->len);
				renamed = (nx->mask & IN_MOVED_TO) &&
					  nx->cookie == ev->cookie && nx->wd == ev->wd;
			}
		} else if (ev->mask & IN_MOVED_TO) {
			renamed = from_wd == ev->wd && from_cookie == ev->cookie;
			from_wd = -1;
		}
		for (n = nt->opens; n; n = n->next) {
			if (!nw_alive(srv, n))
				continue;
			for (i = 0; i < n->ndirs; i++) {
				if (n->dirs[i].wd != ev->wd)
					continue;
				if (!n->dirs[i].parent)
					on_change(nt, n, i, ev, renamed);
				else if ((ev->mask & IN_DELETE) &&
					 !strcmp(ev->name, n->dirs[i].rel))
					n->deleted = true;
				break;	/* on_change may reorder dirs[] */
			}
		}
	}
}

void dfs_notify_on_event(struct dfs_server *srv)
{
	struct dfs_notify *nt = srv->notify;
	u8 buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	if (!nt)
		return;
	nw_sweep(srv);
	for (;;) {
		len = read(nt->fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		on_events(srv, buf, len);
	}
	flush(nt);
}

void dfs_notify_delete_pending(struct dfs_open *o)
{
	struct dfs_notify *nt = open_srv(o)->notify;
	struct dfs_notify_open *n;

	for (n = nt ? nt->opens : NULL; n; n = n->next) {
		if (n->o == o) {
			n->deleted = true;
			flush(nt);
			return;
		}
	}
}

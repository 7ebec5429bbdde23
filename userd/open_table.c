// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * open_table.c - the server's table of opens, indexed by FileId.
 *
 * A volatile id is (generation << 32) | slot: the slot finds the open in
 * O(1), and the generation, bumped on every new open, makes an id that
 * outlived its open (closed, then the slot reused) never match again.
 * The persistent id equals the volatile id: a durable open keeps both,
 * and its slot, when it is reclaimed (smb2_durable.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/server.h"
#include "userd/notify_watch.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_streams.h"
#include "userd/rpc/pipe.h"
#include "userd/vfs/vfs.h"

#define OPEN_TABLE_MIN 64
#define OPEN_TABLE_MAX (1u << 20)

static int table_grow(struct dfs_server *srv)
{
	u32 ncap = srv->opens_cap ? srv->opens_cap * 2 : OPEN_TABLE_MIN;
	struct dfs_open **n;

	if (ncap > OPEN_TABLE_MAX)
		return -1;
	n = realloc(srv->opens, ncap * sizeof(*n));
	if (!n)
		return -1;
	memset(n + srv->opens_cap, 0, (ncap - srv->opens_cap) * sizeof(*n));
	srv->opens = n;
	srv->opens_cap = ncap;
	return 0;
}

static u32 next_generation(struct dfs_server *srv)
{
	/* 0 would allow id 0; all-ones would collide with the compound id */
	do {
		srv->open_gen++;
	} while (srv->open_gen == 0 || srv->open_gen == 0xFFFFFFFFu);
	return srv->open_gen;
}

struct dfs_open *dfs_open_new(struct dfs_server *srv, struct dfs_tree *t)
{
	struct dfs_open *o;
	u32 slot;

	for (slot = 0; slot < srv->opens_cap; slot++)
		if (!srv->opens[slot])
			break;
	if (slot == srv->opens_cap && table_grow(srv) < 0)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->volatile_id = ((u64)next_generation(srv) << 32) | slot;
	o->persistent_id = o->volatile_id;
	o->tree = t;
	o->sess = t->sess;
	o->fd = -1;
	srv->opens[slot] = o;
	o->sess->nopens++;
	return o;
}

/*
 * An open under a FileId chosen before (a durable open a previous daemon
 * granted, smb2_durable_restore.c): its slot must be free. New ids then
 * continue past its generation, so none repeats an id still held.
 */
struct dfs_open *dfs_open_at(struct dfs_server *srv, u64 id, struct dfs_tree *t)
{
	u32 slot = (u32)id, gen = (u32)(id >> 32);
	struct dfs_open *o;

	if (slot >= OPEN_TABLE_MAX || !gen || gen == 0xFFFFFFFFu)
		return NULL;
	while (slot >= srv->opens_cap)
		if (table_grow(srv) < 0)
			return NULL;
	if (srv->opens[slot])
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	if (gen > srv->open_gen)
		srv->open_gen = gen;
	o->volatile_id = id;
	o->persistent_id = id;
	o->tree = t;
	o->sess = t->sess;
	o->fd = -1;
	srv->opens[slot] = o;
	o->sess->nopens++;
	return o;
}

u16 dfs_req_channel_seq(const struct dfs_req *r)
{
	if (r->conn->dialect < SMB2_DIALECT_300)
		return 0;
	if (!r->hdr)
		return r->async ? r->async->channel_seq : 0;
	return dfs_get_le16(r->hdr + SMB2_HDR_STATUS);
}

/*
 * ChannelSequence (MS-SMB2 3.3.5.2.10): a client that fails over to
 * another channel bumps it, so a request still in flight on the old one
 * cannot modify the file after those sent since. Compared in 16-bit
 * serial arithmetic: up to 0x7FFF ahead is newer, the rest older.
 */
static void note_channel_seq(struct dfs_req *r, struct dfs_open *o)
{
	u16 seq = dfs_req_channel_seq(r);

	/* a request we run again ourselves passed the check the first time */
	if (!r->hdr)
		return;
	r->channel_stale = (u16)(seq - o->channel_seq) > 0x7FFF;
	if (!r->channel_stale)
		o->channel_seq = seq;
}

struct dfs_open *dfs_open_lookup(struct dfs_req *r, const u8 *fileid16)
{
	struct dfs_server *srv = r->srv;
	u64 pid = dfs_get_le64(fileid16);
	u64 vid = dfs_get_le64(fileid16 + 8);
	struct dfs_open *o;
	u32 slot;

	/* all-ones in a related compound: the open the previous request used */
	if (pid == ~0ull && vid == ~0ull) {
		if (!(r->flags & SMB2_FLAGS_RELATED_OPERATIONS) || !r->compound_fid)
			return NULL;
		pid = r->compound_fid[0];
		vid = r->compound_fid[1];
	}
	slot = (u32)vid;
	if (slot >= srv->opens_cap)
		return NULL;
	o = srv->opens[slot];
	if (!o || o->volatile_id != vid || o->persistent_id != pid)
		return NULL;
	/* an id is only good on the tree and session that opened it */
	if (o->tree != r->tree || o->sess != r->sess)
		return NULL;
	/* related requests after this one act on the same open */
	if (r->compound_fid) {
		r->compound_fid[0] = o->persistent_id;
		r->compound_fid[1] = o->volatile_id;
	}
	note_channel_seq(r, o);
	o->create_seen = true;
	return o;
}

/* Any open of the file, its named streams' included */
static bool same_inode(const struct dfs_open *o, u64 dev, u64 ino)
{
	return o->fd >= 0 && o->dev == dev && o->ino == ino;
}

/*
 * An open of the file's default stream? Compared by device and inode,
 * recorded at CREATE; opens of named streams have their own share modes.
 */
static bool same_file(const struct dfs_open *o, u64 dev, u64 ino)
{
	return same_inode(o, dev, ino) && !o->stream;
}

bool dfs_open_delete_pending(struct dfs_server *srv, u64 dev, u64 ino)
{
	struct dfs_open *o;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		/*
		 * FILE_DELETE_ON_CLOSE alone only marks the file when its handle
		 * closes; a disposition set through SET_INFO marks it now.
		 */
		if (o && o->delete_on_close &&
		    !(o->create_options & FILE_DELETE_ON_CLOSE) &&
		    same_file(o, dev, ino))
			return true;
		/* the base went while a stream of it was open */
		if (o && o->base_delete && same_inode(o, dev, ino))
			return true;
	}
	return false;
}

/* Rights that take part in share-mode checks (MS-FSA 2.1.5.1.2) */
#define SHARE_RIGHTS (FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | \
		      FILE_EXECUTE | DELETE)

/* Does an open with access conflict with one that allows share_with? */
bool dfs_share_conflict(u32 access, u32 share_with)
{
	if ((access & (FILE_READ_DATA | FILE_EXECUTE)) &&
	    !(share_with & FILE_SHARE_READ))
		return true;
	if ((access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) &&
	    !(share_with & FILE_SHARE_WRITE))
		return true;
	return (access & DELETE) && !(share_with & FILE_SHARE_DELETE);
}

u32 dfs_open_share_check(struct dfs_server *srv, u64 dev, u64 ino, u32 access,
			 u32 share)
{
	struct dfs_open *o;
	u32 i;

	/* opens for attributes only never conflict, in either direction */
	if (!(access & SHARE_RIGHTS))
		return STATUS_SUCCESS;
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		/* deleting the file deletes its streams: they must share that */
		if (o && o->stream && (access & DELETE) && same_inode(o, dev, ino) &&
		    !(o->share_access & FILE_SHARE_DELETE))
			return STATUS_SHARING_VIOLATION;
		if (!o || !(o->access & SHARE_RIGHTS) || !same_file(o, dev, ino))
			continue;
		if (dfs_share_conflict(access, o->share_access) ||
		    dfs_share_conflict(o->access, share))
			return STATUS_SHARING_VIOLATION;
	}
	return STATUS_SUCCESS;
}

/*
 * The file stays until its last handle closes: if another open of it
 * exists, hand the pending delete on to that one instead of unlinking.
 */
static bool pass_delete_on(struct dfs_server *srv, struct dfs_open *o)
{
	struct dfs_open *x;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		x = srv->opens[i];
		if (!x || x == o || !same_file(x, o->dev, o->ino))
			continue;
		x->delete_on_close = true;
		x->create_options &= ~FILE_DELETE_ON_CLOSE;
		/* a watched directory is going: its CHANGE_NOTIFYs end now */
		if (x->is_dir)
			dfs_notify_delete_pending(x);
		return true;
	}
	/* only streams of it are open: the last of them deletes the file */
	for (i = 0; i < srv->opens_cap; i++) {
		x = srv->opens[i];
		if (x && x != o && x->stream && same_inode(x, o->dev, o->ino)) {
			x->base_delete = true;
			return true;
		}
	}
	return false;
}

static void apply_delete_on_close(struct dfs_server *srv, struct dfs_open *o)
{
	int ret;

	if (!o->path || !o->path[0] || o->tree->root_fd < 0)
		return;
	if (pass_delete_on(srv, o))
		return;
	vfs_become(o->sess);
	ret = vfs_unlink(o->tree->root_fd, o->path, o->is_dir);
	vfs_unbecome();
	if (ret < 0)
		log_verbose("delete on close of '%s': %s", o->path, strerror(-ret));
}

void dfs_open_close(struct dfs_server *srv, struct dfs_open *o)
{
	u32 slot = (u32)o->volatile_id;

	if (slot < srv->opens_cap && srv->opens[slot] == o) {
		srv->opens[slot] = NULL;
		o->sess->nopens--;
	}
	/* pending CHANGE_NOTIFYs on this handle end now (MS-SMB2 3.3.5.10) */
	dfs_async_complete_open(o, STATUS_NOTIFY_CLEANUP);
	/* and CREATEs waiting for this handle's oplock break may go on */
	dfs_oplock_close(o);
	/* its byte-range locks go, and requests blocked on them may go on */
	dfs_lock_close(srv, o);
	dfs_kernel_open_gone(o);
	dfs_notify_open_gone(o);
	/* a WRITE since the last write-time update: it is due now */
	dfs_wtime_close(o);
	if (o->dir)
		smb2_dir_free(o->dir);
	o->dir = NULL;
	if (o->stream && o->delete_on_close)
		dfs_stream_delete(srv, o);
	if ((o->delete_on_close && !o->stream) || o->base_delete)
		apply_delete_on_close(srv, o);
	if (o->fd >= 0)
		close(o->fd);
	if (o->pipe)
		dfs_pipe_free(o);
	dfs_durable_open_gone(srv, o);
	free(o->path);
	free(o->stream);
	free(o);
}

void dfs_open_close_tree(struct dfs_server *srv, struct dfs_tree *t)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++)
		if (srv->opens[i] && srv->opens[i]->tree == t)
			dfs_open_close(srv, srv->opens[i]);
}

/* Is path a direct child of dir? (both share-relative) */
static bool is_child_of(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;

	return strlen(dir) == dlen && !strncmp(path, dir, dlen);
}

/* Is path below dir, at any depth? */
static bool is_below(const char *path, const char *dir)
{
	size_t dlen = strlen(dir);

	return !strncmp(path, dir, dlen) && path[dlen] == '/';
}

u32 dfs_open_rename_check(struct dfs_server *srv, const struct dfs_open *o)
{
	const struct dfs_open *x;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		x = srv->opens[i];
		if (!x || x == o || !x->path || !x->tree ||
		    x->tree->share != o->tree->share)
			continue;
		/* a directory with open files inside stays where it is */
		if (o->is_dir && is_below(x->path, o->path))
			return STATUS_ACCESS_DENIED;
		/* and so does a file with an open stream */
		if (x->stream && !o->stream && !strcmp(x->path, o->path))
			return STATUS_ACCESS_DENIED;
		/*
		 * Renaming changes the parent: an open of it for data that holds
		 * DELETE, or does not share delete, forbids that (as Samba does).
		 */
		if (x->is_dir && (x->access & SHARE_RIGHTS) &&
		    is_child_of(o->path, x->path) &&
		    ((x->access & DELETE) || !(x->share_access & FILE_SHARE_DELETE)))
			return STATUS_SHARING_VIOLATION;
	}
	return STATUS_SUCCESS;
}

/* Rewrite path p (== from or under from/) to live under to; 0 or -1. */
static int repath(char **p, const char *from, size_t flen, const char *to)
{
	size_t tlen = strlen(to), rest = strlen(*p + flen);
	char *n = malloc(tlen + rest + 1);

	if (!n)
		return -1;
	memcpy(n, to, tlen);
	memcpy(n + tlen, *p + flen, rest + 1);
	free(*p);
	*p = n;
	return 0;
}

void dfs_open_renamed(struct dfs_server *srv, const void *share,
		      const char *from, const char *to)
{
	size_t flen = strlen(from);
	struct dfs_open *o;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (!o || !o->path || !o->tree || (const void *)o->tree->share != share)
			continue;
		if (strncmp(o->path, from, flen) ||
		    (o->path[flen] != '\0' && o->path[flen] != '/'))
			continue;
		if (repath(&o->path, from, flen, to) < 0)
			log_err("out of memory re-pointing an open after rename");
		else
			dfs_durable_changed(srv, o);
	}
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_durable_restore.c - durable opens a previous dittofsd held, brought
 * back at start from their records in durable.mdb.
 *
 * A daemon that died (kill -9, crash) or stopped took its file descriptors
 * along, in either mode: in kernel mode the module drops the old daemon's
 * opens when a new one claims it (kmod/restart.c). Its clients reconnect
 * and send DHnC/DH2C with the FileIds they hold. So that those find their
 * open, each record whose deadline has not passed becomes again what it
 * was: a disconnected durable open in the slot its FileId names, held by a
 * session and tree made from the record. The file is opened again by path
 * beneath the share root (openat2 RESOLVE_BENEATH, as every open is), as
 * the owner, with the access it was granted, and kept only if it is still
 * the same file (dev/ino): a file renamed, deleted or replaced while no
 * daemon ran is a lost handle, and its reconnect fails as one
 * (STATUS_OBJECT_NAME_NOT_FOUND). Its share access, oplock or lease,
 * byte-range locks and LockSequence buckets are in force again from then
 * on, until the deadline, a reconnect, or an open that must break its
 * oplock or write lease (smb2_durable.c). A leased open's lease is made
 * again in the lease table, shared by the restored opens of its key, so
 * that the client's DHnC/DH2C names it (dfs_lease_reconnect_check) and
 * breaks reach it once it is back.
 *
 * Opening as the owner rather than keeping root's view keeps the rule that
 * nothing is opened with rights the user does not have now.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/log.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_lease.h"
#include "userd/store/durable_db.h"
#include "userd/vfs/vfs.h"

static const struct dfs_share_cfg *share_named(const struct dfs_server *srv,
					       const char *name)
{
	const struct dfs_share_cfg *sh;

	for (sh = srv->cfg->shares; sh; sh = sh->next)
		if (!strcasecmp(sh->name, name))
			return sh;
	return NULL;
}

/* The owner's identity, as the open's session had it */
static struct dfs_session *owner_of(struct dfs_server *srv,
				   const struct dfs_durable_rec *rec)
{
	struct dfs_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conn = dfs_durable_gone_conn(srv);
	s->state = DFS_SESS_EXPIRED;
	s->guest = rec->guest;
	s->anonymous = rec->anonymous;
	snprintf(s->user, sizeof(s->user), "%s", rec->user);
	snprintf(s->domain, sizeof(s->domain), "%s", rec->domain);
	s->uid = rec->uid;
	s->gid = rec->gid;
	s->ngroups = rec->ngroups;
	memcpy(s->groups, rec->groups, rec->ngroups * sizeof(s->groups[0]));
	s->encrypt_data = rec->encrypt_data;
	return s;
}

static struct dfs_tree *tree_of(const struct dfs_share_cfg *sh,
				struct dfs_session *s)
{
	struct dfs_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->sess = s;
	t->share = sh;
	t->read_only = sh->read_only;
	t->root_fd = open(sh->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* The open(2) mode for the rights the open was granted */
static int flags_for(u32 access)
{
	bool w = access & (FILE_WRITE_DATA | FILE_APPEND_DATA);
	bool rd = access & (FILE_READ_DATA | FILE_EXECUTE);

	if (!w && !rd)
		return O_PATH;
	return (w ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY) | O_NONBLOCK | O_NOCTTY;
}

u64 dfs_durable_birth(int fd)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &sx) < 0 ||
	    !(sx.stx_mask & STATX_BTIME))
		return 0;
	return (u64)sx.stx_btime.tv_sec * 1000000000u + sx.stx_btime.tv_nsec;
}

/*
 * The same file? dev/ino alone are not enough: a file deleted and another
 * created often gets the freed inode number. Its birth time tells them
 * apart where the filesystem keeps one.
 */
static bool same_file(int fd, const struct dfs_durable_rec *rec)
{
	struct stat st;
	u64 birth;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (u64)st.st_dev != rec->dev || (u64)st.st_ino != rec->ino)
		return false;
	birth = dfs_durable_birth(fd);
	return !birth || !rec->birth_ns || birth == rec->birth_ns;
}

/* Open rec's file as its owner; the fd, or -errno (-ESTALE: another file) */
static int reopen_same_file(const struct dfs_tree *t,
			    const struct dfs_durable_rec *rec)
{
	int fd;

	vfs_become(t->sess);
	fd = vfs_open(t->root_fd, rec->path, flags_for(rec->access), 0);
	vfs_unbecome();
	if (fd < 0)
		return fd;
	if (!same_file(fd, rec)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* The byte-range locks it held, in force again; 0 or -1 without memory */
static int restore_locks(struct dfs_open *o, const struct dfs_durable_rec *rec)
{
	u16 i;

	memcpy(o->lock_seq, rec->lock_seq, sizeof(o->lock_seq));
	if (!rec->nlocks)
		return 0;
	o->locks = calloc(rec->nlocks, sizeof(*o->locks));
	if (!o->locks)
		return -1;
	for (i = 0; i < rec->nlocks; i++) {
		o->locks[i].off = rec->locks[i].off;
		o->locks[i].len = rec->locks[i].len;
		o->locks[i].excl = rec->locks[i].excl;
	}
	o->nlocks = o->locks_cap = rec->nlocks;
	return 0;
}

static void free_tree(struct dfs_tree *t, struct dfs_session *s)
{
	if (t && t->root_fd >= 0)
		close(t->root_fd);
	free(t);
	free(s);
}

/* How long rec may stay disconnected from now (ms), 0 if its time is up */
static u64 time_left(const struct dfs_server *srv,
		     const struct dfs_durable_rec *rec, u64 now_wall)
{
	u64 kept = dfs_durable_kept_ms(srv, rec->timeout_ms);

	/* it was connected when the daemon died: its connection went then */
	if (!rec->disconnected)
		return kept;
	if (rec->deadline_wall_ms <= now_wall)
		return 0;
	/* a clock set back does not lengthen it past what was granted */
	return rec->deadline_wall_ms - now_wall < kept ?
	       rec->deadline_wall_ms - now_wall : kept;
}

/* Why rec cannot be restored at all, or NULL */
static const char *not_restorable(const struct dfs_durable_rec *rec,
				  const struct dfs_share_cfg *sh, u64 left)
{
	if (!left)
		return "its durable handle timeout ran out";
	if (!sh)
		return "its share is no longer configured";
	if (rec->nlocks > DFS_DURABLE_REC_LOCKS)
		return "it held more byte-range locks than a record keeps";
	return NULL;
}

/* What the open was, on the new open o of fd; 0 or -1 without memory */
static int fill_open(struct dfs_open *o, const struct dfs_durable_rec *rec,
		     int fd)
{
	o->fd = fd;
	o->access = rec->access;
	o->share_access = rec->share;
	o->dev = rec->dev;
	o->ino = rec->ino;
	o->oplock = rec->oplock;
	o->path = strdup(rec->path);
	return !o->path || restore_locks(o, rec) ? -1 : 0;
}

/*
 * A leased open gets its lease back, the one of its key if another open
 * restored it already (opens of one key share it), in the state and epoch
 * it was last recorded with: every change rewrote the record, so that is
 * what the client believes it holds. 0, -ENOMEM, -EEXIST (the key leases
 * other data), -EINVAL (a lease open without its lease recorded).
 */
static int restore_lease(struct dfs_server *srv, struct dfs_open *o,
			 const struct dfs_durable_rec *rec)
{
	struct dfs_lease want = { 0 }, *l;
	int rc;

	if (rec->oplock != SMB2_OPLOCK_LEVEL_LEASE)
		return 0;
	if (!rec->lease_version)
		return -EINVAL;
	memcpy(want.client_guid, rec->lease_client_guid, 16);
	memcpy(want.key, rec->lease_key, 16);
	memcpy(want.parent, rec->lease_parent, 16);
	want.version = rec->lease_version;
	want.epoch = rec->lease_epoch;
	want.state = rec->lease_state;
	want.dev = rec->dev;
	want.ino = rec->ino;
	rc = dfs_lease_restore(srv, &want, &l);
	if (!rc)
		dfs_lease_attach(o, l);
	return rc;
}

static const char *restore_failure(int rc)
{
	switch (rc) {
	case -EEXIST:
		return "its lease key leases another file";
	case -EINVAL:
		return "its lease was not recorded";
	default:
		return "out of memory";
	}
}

/* 0, or -errno with *why saying what went wrong */
static int restore_one(struct dfs_server *srv, const struct dfs_durable_rec *rec,
		       u64 now_wall, const char **why)
{
	const struct dfs_share_cfg *sh = share_named(srv, rec->share_name);
	u64 left = time_left(srv, rec, now_wall);
	struct dfs_session *s;
	struct dfs_tree *t;
	struct dfs_open *o;
	int fd, rc;

	*why = not_restorable(rec, sh, left);
	if (*why)
		return -ETIME;
	s = owner_of(srv, rec);
	t = s ? tree_of(sh, s) : NULL;
	fd = t ? reopen_same_file(t, rec) : -ENOMEM;
	o = fd >= 0 ? dfs_open_at(srv, rec->persistent_id, t) : NULL;
	if (!o) {
		*why = !t ? "out of memory or share root missing" :
		       fd == -ESTALE ? "the path names another file now" :
		       fd < 0 ? strerror(-fd) : "its FileId's slot is taken";
		if (fd >= 0)
			close(fd);
		free_tree(t, s);
		return fd < 0 ? fd : -EEXIST;
	}
	rc = fill_open(o, rec, fd) ? -ENOMEM : restore_lease(srv, o, rec);
	if (!rc && dfs_durable_adopt(o, rec, dfs_monotonic_ms() + left))
		rc = -ENOMEM;
	if (rc) {
		/* the open owns fd (and its lease) now; the holders are ours */
		*why = restore_failure(rc);
		dfs_open_close(srv, o);
		free_tree(t, s);
		return rc;
	}
	return 0;
}

static u64 wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

void dfs_durable_restore(struct dfs_server *srv, struct dfs_durable_db *db)
{
	struct dfs_durable_rec *recs;
	u64 now = wall_ms();
	unsigned bad, kept = 0, lost = 0;
	const char *why;
	size_t n, i;
	int rc;

	rc = dfs_durable_db_load(db, &recs, &n, &bad);
	if (rc) {
		log_err("durable.mdb: cannot read the records: %s", strerror(-rc));
		return;
	}
	if (bad)
		log_info("durable.mdb: dropped %u record(s) in an unknown format", bad);
	for (i = 0; i < n; i++) {
		if (!restore_one(srv, &recs[i], now, &why)) {
			kept++;
			continue;
		}
		lost++;
		log_info("durable open %016llx '%s/%s' of a previous dittofsd "
			 "not restored: %s", (unsigned long long)recs[i].persistent_id,
			 recs[i].share_name, recs[i].path, why);
		dfs_durable_db_del(db, recs[i].persistent_id);
	}
	if (kept || lost)
		log_info("restored %u durable open(s) a previous dittofsd held, "
			 "dropped %u", kept, lost);
	free(recs);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wtime.c - delayed LastWriteTime updates, as Windows (NTFS) and Samba's
 * smbd do them and smbtorture's smb2.timestamps.delayed-* tests expect.
 *
 * Per open:
 *  - The first WRITE does not move the write time at once; it schedules an
 *    update about WTIME_DELAY_MS later (dfs_wtime_tick sets it to "now").
 *  - Later WRITEs on the same open do not move it either; they only ask
 *    for one more update when the open closes.
 *  - FLUSH, SET_INFO Basic (even with all times 0) and SET_INFO EndOfFile
 *    apply a pending update at once.
 *  - A write time the client sets explicitly sticks: that open's WRITEs
 *    stop updating it, and pending updates of other opens of the file are
 *    dropped (closing an open that wrote afterwards still sets it, as in
 *    smbd). LastWriteTime -1 freezes updates on the open, -2 thaws them.
 *
 * The file's mtime on disk is the one store: a WRITE puts back the mtime
 * the file had before it (futimens), so every reply (QUERY_INFO, CLOSE,
 * QUERY_DIRECTORY) and local users see the same value. Putting an explicit
 * time back needs the file's owner (utimensat(2)); for anyone else the
 * write time simply moves at once, as before. In kernel mode an open's
 * WRITEs ask us first (IO_VERDICT) until its first one, and while its time
 * is frozen: we note them here and dittofs.ko puts the mtime back after
 * writing. Later WRITEs it serves by itself move the write time at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "userd/log.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"

/* smbd's default ("smbd:writetimeupdatedelay" is 2 s) */
#define WTIME_DELAY_MS 2000
/* the tick runs once a second: fire up to half a tick early, not late */
#define WTIME_SLACK_MS 500

bool dfs_wtime_save(const struct dfs_open *o, struct timespec *mtime)
{
	struct stat st;

	if (o->is_dir || fstat(o->fd, &st) < 0)
		return false;
	*mtime = st.st_mtim;
	return true;
}

/*
 * Set the file's mtime to mtime, or to now when mtime is NULL. "Now" is
 * read from the clock: UTIME_NOW takes the kernel's coarse clock, which
 * can lag the time a client just read by a few milliseconds. Only the
 * owner may set an explicit time; anyone who may write gets UTIME_NOW.
 */
static void set_mtime(struct dfs_open *o, const struct timespec *mtime)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT } };
	int ret;

	if (mtime)
		ts[1] = *mtime;
	else
		clock_gettime(CLOCK_REALTIME, &ts[1]);
	ret = vfs_fd_utimens(o->fd, ts);
	if (ret == -EPERM && !mtime) {
		ts[1].tv_nsec = UTIME_NOW;
		ret = vfs_fd_utimens(o->fd, ts);
	}
	if (ret < 0)
		log_debug("write time of '%s' not %s: %s", o->path,
			  mtime ? "kept" : "updated", strerror(-ret));
}

void dfs_wtime_written(struct dfs_open *o, const struct timespec *saved)
{
	/* whatever this open does, the WRITE itself does not move it */
	if (saved)
		set_mtime(o, saved);
	if (o->wtime.frozen)
		return;
	o->wtime.on_close = true;
	if (o->wtime.triggered)
		return;
	o->wtime.triggered = true;
	o->wtime.pending = true;
	o->wtime.deadline = dfs_monotonic_ms() + WTIME_DELAY_MS;
}

void dfs_wtime_flush(struct dfs_open *o)
{
	if (!o->wtime.pending && !o->wtime.on_close)
		return;
	o->wtime.pending = false;
	o->wtime.on_close = false;
	if (!o->wtime.frozen)
		set_mtime(o, NULL);
}

void dfs_wtime_truncated(struct dfs_open *o, const struct timespec *saved)
{
	/* ftruncate(2) moved the mtime: that is the update, unless frozen */
	if (o->wtime.frozen && saved)
		set_mtime(o, saved);
	o->wtime.pending = false;
	o->wtime.on_close = false;
}

void dfs_wtime_set(struct dfs_server *srv, struct dfs_open *o, u64 ft)
{
	u32 i;

	if (ft == ~0ull - 1) {		/* -2: automatic updates again */
		o->wtime.frozen = false;
		return;
	}
	o->wtime.frozen = true;		/* an explicit time or -1 */
	o->wtime.pending = false;
	o->wtime.on_close = false;
	if (ft == ~0ull)
		return;
	/* a timer of another open must not undo the time just set */
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *x = srv->opens[i];

		if (x && x->fd >= 0 && x->dev == o->dev && x->ino == o->ino)
			x->wtime.pending = false;
	}
}

void dfs_wtime_close(struct dfs_open *o)
{
	o->wtime.pending = false;
	if (!o->wtime.on_close || o->wtime.frozen || o->fd < 0)
		return;
	o->wtime.on_close = false;
	vfs_become(o->sess);
	set_mtime(o, NULL);
	vfs_unbecome();
}

void dfs_wtime_tick(struct dfs_server *srv, u64 now_ms)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *o = srv->opens[i];

		if (!o || !o->wtime.pending ||
		    now_ms + WTIME_SLACK_MS < o->wtime.deadline)
			continue;
		o->wtime.pending = false;
		o->wtime.on_close = false;
		vfs_become(o->sess);
		set_mtime(o, NULL);
		vfs_unbecome();
	}
}

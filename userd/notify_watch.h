/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * notify_watch.h - CHANGE_NOTIFY's view of file system changes: one
 * inotify instance for the server, watches per directory open that asked
 * for notifications, and the FILE_NOTIFY_INFORMATION entries (MS-FSCC
 * 2.7.1) buffered for each such open (MS-SMB2 3.3.5.19).
 */
#ifndef DITTOFSD_NOTIFY_WATCH_H
#define DITTOFSD_NOTIFY_WATCH_H

#include "userd/server.h"

/* Directories a WATCH_TREE request watches below its open, at most */
#define DFS_NOTIFY_MAX_DIRS 256

struct dfs_notify_open;

/* Create the server's inotify instance; returns its fd for the loop, or -1. */
int dfs_notify_init(struct dfs_server *srv);
/* Free the watches and close the inotify instance (the loop ends). */
void dfs_notify_exit(struct dfs_server *srv);
/* The inotify fd is readable: read events, buffer them, complete requests. */
void dfs_notify_on_event(struct dfs_server *srv);
/*
 * The notification state of o, created (with its watches) by the first
 * CHANGE_NOTIFY with filter, tree and OutputBufferLength max, which bounds
 * the changes buffered from then on; NULL when it cannot be watched.
 */
struct dfs_notify_open *dfs_notify_get(struct dfs_open *o, u32 filter,
				       bool tree, u32 max);
/*
 * Changes buffered for a request allowing max bytes: writes the
 * CHANGE_NOTIFY response body (MS-SMB2 2.2.36) with the
 * FILE_NOTIFY_INFORMATION list to out (cap bytes) and returns
 * STATUS_SUCCESS with *len set, STATUS_NOTIFY_ENUM_DIR when they do not
 * fit or were lost, STATUS_DELETE_PENDING when the directory is going
 * away, or STATUS_PENDING when none are buffered.
 */
u32 dfs_notify_take(struct dfs_notify_open *n, u32 max, u8 *out, u32 cap,
		    u32 *len);
/* Park the async request a on n until changes arrive. */
void dfs_notify_park(struct dfs_notify_open *n, struct dfs_async *a, u32 max);
/*
 * The directory of o is to be deleted when its handles close (another
 * handle's delete-on-close passed to it): its requests end, now and from
 * now on, with STATUS_DELETE_PENDING. For pass_delete_on() in open_table.c.
 */
void dfs_notify_delete_pending(struct dfs_open *o);
/* o is closing: drop its watches and buffered changes (idempotent). */
void dfs_notify_open_gone(struct dfs_open *o);

#endif /* DITTOFSD_NOTIFY_WATCH_H */

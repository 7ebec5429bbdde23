// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_notify.c - CHANGE_NOTIFY (MS-SMB2 3.3.5.19). The request goes
 * asynchronous at once; it ends when cancelled (STATUS_CANCELLED), when its
 * handle closes (STATUS_NOTIFY_CLEANUP), or when its session or connection
 * goes away. Change events from the file system are not delivered yet.
 */
#include "userd/server.h"

#define NOTIFY_REQ_SIZE 32
#define SMB2_WATCH_TREE 0x0001

u32 smb2_change_notify(struct dfs_req *r)
{
	struct dfs_async *a;
	struct dfs_open *o;

	if (r->body_len < NOTIFY_REQ_SIZE || dfs_get_le16(r->body) != NOTIFY_REQ_SIZE)
		return STATUS_INVALID_PARAMETER;
	/*
	 * Only the last request of a compound may go async; Windows fails a
	 * CHANGE_NOTIFY elsewhere in a chain with STATUS_INTERNAL_ERROR and
	 * answers the rest (MS-SMB2 3.3.4.4, note on compounded async requests).
	 */
	if (!r->in->last)
		return STATUS_INTERNAL_ERROR;
	o = dfs_open_lookup(r, r->body + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (!o->is_dir)
		return STATUS_INVALID_PARAMETER;
	if (!(o->access & FILE_LIST_DIRECTORY))
		return STATUS_ACCESS_DENIED;
	a = dfs_async_new(r);
	if (!a)
		return STATUS_INSUFFICIENT_RESOURCES;
	a->open = o;
	a->close_status = STATUS_NOTIFY_CLEANUP;
	return STATUS_PENDING;
}

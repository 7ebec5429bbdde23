// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_notify.c - CHANGE_NOTIFY (MS-SMB2 3.3.5.19). Changes buffered on
 * the handle since its last request (notify_watch.c) answer at once;
 * otherwise the request goes asynchronous and ends when changes arrive,
 * when cancelled (STATUS_CANCELLED), when its handle closes
 * (STATUS_NOTIFY_CLEANUP), or when its session or connection goes away.
 */
#include "userd/server.h"
#include "userd/notify_watch.h"

#define NOTIFY_REQ_SIZE 32
#define SMB2_WATCH_TREE 0x0001

u32 smb2_change_notify(struct dfs_req *r)
{
	struct dfs_notify_open *n;
	struct dfs_async *a;
	struct dfs_open *o;
	u32 max, filter, status, len = 0;
	bool tree;

	if (r->body_len < NOTIFY_REQ_SIZE || dfs_get_le16(r->body) != NOTIFY_REQ_SIZE)
		return STATUS_INVALID_PARAMETER;
	tree = dfs_get_le16(r->body + 2) & SMB2_WATCH_TREE;
	max = dfs_get_le32(r->body + 4);
	filter = dfs_get_le32(r->body + 24);
	/* no larger than the MaxTransactSize NEGOTIATE announced */
	if (max > (r->conn->dialect == SMB2_DIALECT_202 ? 65536 : DFS_MAX_IO))
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
	n = dfs_notify_get(o, filter, tree, max);
	if (n) {
		status = dfs_notify_take(n, max, r->rsp_body, r->rsp_cap, &len);
		if (status != STATUS_PENDING) {
			r->rsp_len = status == STATUS_SUCCESS ? len : 0;
			return status;
		}
	}
	a = dfs_async_new(r);
	if (!a)
		return STATUS_INSUFFICIENT_RESOURCES;
	a->open = o;
	a->close_status = STATUS_NOTIFY_CLEANUP;
	if (n)
		dfs_notify_park(n, a, max);
	return STATUS_PENDING;
}

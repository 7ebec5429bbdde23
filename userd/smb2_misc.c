// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_misc.c - small commands: ECHO (MS-SMB2 3.3.5.17).
 */
#include "userd/server.h"

u32 smb2_echo(struct dfs_req *r)
{
	if (r->body_len < 4 || dfs_get_le16(r->body) != 4)
		return STATUS_INVALID_PARAMETER;
	dfs_put_le16(r->rsp_body, 4);
	dfs_put_le16(r->rsp_body + 2, 0);
	r->rsp_len = 4;
	return STATUS_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lease_state.c - the rules of lease states, apart from the table so that
 * tests/unit/test_lease.c can check them. They follow what Windows grants
 * and smbtorture's smb2.lease expects (MS-SMB2 3.3.5.9.8, 3.3.4.7).
 */
#include "userd/smb2_lease.h"

u32 dfs_lease_valid(u32 requested)
{
	requested &= SMB2_LEASE_RWH;
	/* handle or write caching without read caching is not a lease state */
	if (!(requested & SMB2_LEASE_READ))
		return SMB2_LEASE_NONE;
	return requested;
}

u32 dfs_lease_upgrade(u32 cur, u32 requested, bool others, bool other_oplock)
{
	u32 want = dfs_lease_valid(requested);

	/* only a strict superset upgrades: RH asking RW stays RH */
	if ((want & cur) != cur || want == cur)
		return cur;
	/*
	 * Next to other opens all of it must be shareable with them, or
	 * nothing changes (no partial upgrade, unlike a first open).
	 */
	if (others && ((want & SMB2_LEASE_WRITE) ||
		       (other_oplock && (want & SMB2_LEASE_HANDLE))))
		return cur;
	return want;
}

u32 dfs_lease_contended(u32 state, bool overwrite, bool breaking)
{
	u32 to = state & ~SMB2_LEASE_WRITE;

	/*
	 * An overwrite of data cached for writing takes everything at once.
	 * Else the truncation is the write that takes read caching, without
	 * making anyone wait (dfs_lease_written); but one that comes while
	 * a break is being waited for also takes handle caching first
	 * (smb2.lease.breaking2, breaking3, breaking4).
	 */
	if (overwrite && (state & SMB2_LEASE_WRITE))
		to = SMB2_LEASE_NONE;
	else if (overwrite && breaking)
		to &= ~SMB2_LEASE_HANDLE;
	return to;
}

u32 dfs_lease_shared_grant(u32 requested, bool other_oplock)
{
	u32 to = dfs_lease_valid(requested) & ~SMB2_LEASE_WRITE;

	/* an oplock holder cannot be told about handle caching: read only */
	if (other_oplock)
		to &= SMB2_LEASE_READ;
	return to;
}

bool dfs_lease_break_needs_ack(u32 from)
{
	return from != SMB2_LEASE_READ && from != SMB2_LEASE_NONE;
}

u32 dfs_lease_ack_status(bool breaking, u32 to, u32 acked)
{
	if (!breaking)
		return STATUS_UNSUCCESSFUL;
	if (acked & ~to)
		return STATUS_REQUEST_NOT_ACCEPTED;
	return STATUS_SUCCESS;
}

u32 dfs_lease_parse(const u8 *data, u32 dlen, bool v2_ok,
		    struct dfs_lease_req *out)
{
	memset(out, 0, sizeof(*out));
	if (dlen != DFS_LEASE_V1_LEN && dlen != DFS_LEASE_V2_LEN)
		return STATUS_INVALID_PARAMETER;
	out->present = true;
	out->version = (dlen == DFS_LEASE_V2_LEN && v2_ok) ? 2 : 1;
	memcpy(out->key, data, 16);
	out->state = dfs_get_le32(data + 16);
	out->flags = dfs_get_le32(data + 20);
	/* data + 24: LeaseDuration, reserved */
	if (out->version == 2) {
		if (out->flags & SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET)
			memcpy(out->parent, data + 32, 16);
		out->epoch = dfs_get_le16(data + 48);
	}
	return STATUS_SUCCESS;
}

u32 dfs_lease_rsp_data(const struct dfs_lease *l, u8 version, u8 *out)
{
	u32 len = version == 2 ? DFS_LEASE_V2_LEN : DFS_LEASE_V1_LEN;

	memset(out, 0, len);
	memcpy(out, l->key, 16);
	dfs_put_le32(out + 16, l->state);
	if (l->breaking)
		dfs_put_le32(out + 20, SMB2_LEASE_FLAG_BREAK_IN_PROGRESS);
	if (version == 2)
		dfs_put_le16(out + 48, l->epoch);
	return len;
}

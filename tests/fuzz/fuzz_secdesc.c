// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_secdesc.c - security descriptors from the wire (SET_INFO security,
 * the SecD create context) through userd/secdesc.c: the parser, the
 * canonical rebuild (which must parse again to the same bytes), part
 * selection, the ACE walk, and the DACL -> mode and DACL -> access
 * mappings. The input is the descriptor; its first byte also picks the
 * parts to select and the output capacity.
 */
#include "tests/fuzz/fuzz_common.h"
#include "userd/secdesc.h"

static void walk(const struct sd_parsed *sd)
{
	gid_t gids[2] = { 100, 0 };
	struct sd_who who = { 1000, gids, 2, true, true };
	struct sd_ace a;
	u32 off = 0, idx = 0;

	if (sd->dacl)
		while (sd_acl_next(sd->dacl, sd->dacl_len, &off, &idx, &a))
			if (a.sid && sd_sid_len(a.sid, a.sid_len) != (long)a.sid_len)
				abort();	/* a yielded SID is whole */
	sd_dacl_to_mode(sd, 1000, 100, 0644);
	sd_dacl_access(sd, &who);
}

int dfs_fuzz_secdesc(const uint8_t *data, size_t size)
{
	static const u32 caps[4] = { 0, 20, 64, 1 << 17 };
	struct sd_parsed sd, again;
	u32 need, need2, acl_size;
	u8 *out, *out2;

	if (size > (1u << 16))
		return 0;
	/* the pieces on their own, on raw bytes */
	sd_sid_len(data, (u32)size);
	if (sd_acl_check(data, (u32)size, &acl_size) == STATUS_SUCCESS &&
	    acl_size > size)
		abort();
	if (sd_parse(data, (u32)size, &sd) != STATUS_SUCCESS)
		return 0;
	walk(&sd);
	if (size)
		sd_select(&sd, data[0] & 0xF);
	need = sd_build(NULL, 0, &sd);
	out = malloc(need);
	out2 = malloc(need);
	if (!out || !out2)
		abort();
	if (sd_build(out, need, &sd) != need)
		abort();
	/* the canonical form parses, and rebuilds to the same bytes */
	if (sd_parse(out, need, &again) != STATUS_SUCCESS)
		abort();
	need2 = sd_build(out2, need, &again);
	if (need2 != need || memcmp(out, out2, need))
		abort();
	/* a buffer too small is never written past */
	sd_build(out2, size ? caps[data[size - 1] & 3] < need ?
		 caps[data[size - 1] & 3] : need : 0, &again);
	free(out);
	free(out2);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_secdesc(data, size);
}
#endif

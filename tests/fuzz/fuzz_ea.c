// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ea.c - EA lists from the wire (SET_INFO FileFullEaInformation, the
 * ExtA create context, the name list of QUERY_INFO) through userd/ea.c.
 * Byte 0 picks the list kind (full or get); the rest is the list. A list
 * that passes its check must walk to exactly the entries it counted,
 * each inside the buffer with a valid name, and re-packing the entries
 * must give a list that checks too.
 */
#include "tests/fuzz/fuzz_common.h"
#include "userd/ea.h"

static void repack(const u8 *buf, u32 len, u32 count)
{
	u8 *out = malloc(len + 4 * (size_t)count + 4);
	u32 off = 0, at = 0, prev = 0, n, c2, bad;
	struct ea_entry e;
	bool more = true;
	char up[256];

	if (!out)
		abort();
	while (ea_full_next(buf, len, &off, &more, &e)) {
		ea_name_upper(e.name, e.name_len, up);
		n = ea_put_entry(out + at, len + 4 * count + 4 - at, up,
				 e.name_len, e.value, e.value_len);
		if (!n)
			abort();
		if (at)
			dfs_put_le32(out + prev, at - prev);
		prev = at;
		at = EA_ALIGN4(at + n);
	}
	if (ea_full_check(out, prev + ea_entry_size(e.name_len, e.value_len),
			  &c2, &bad) != STATUS_SUCCESS || c2 != count)
		abort();
	free(out);
}

int dfs_fuzz_ea(const uint8_t *data, size_t size)
{
	const u8 *buf = data + 1;
	u32 len, count, bad, off = 0, seen = 0;
	struct ea_entry e;
	bool full, more = true, ok;

	if (size < 1 || size > (1u << 17))
		return 0;
	full = !(data[0] & 1);
	len = (u32)size - 1;
	ok = (full ? ea_full_check(buf, len, &count, &bad) :
		     ea_get_check(buf, len, &count, &bad)) == STATUS_SUCCESS;
	if (!ok) {
		if (bad >= len && len)
			abort();	/* the bad entry is inside the list */
		return 0;
	}
	while (full ? ea_full_next(buf, len, &off, &more, &e) :
		      ea_get_next(buf, len, &off, &more, &e)) {
		if (e.name < buf || e.name + e.name_len + 1 > buf + len ||
		    (full && e.value + e.value_len > buf + len) ||
		    !ea_name_valid(e.name, e.name_len))
			abort();
		seen++;
	}
	if (seen != count)
		abort();
	if (full)
		repack(buf, len, count);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_ea(data, size);
}
#endif

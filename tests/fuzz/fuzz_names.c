// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_names.c - names from the wire: vfs_path_from_utf16() (CREATE and
 * rename targets), vfs_stream_split()/vfs_stream_parse() (named streams,
 * "file:stream:$TYPE"), vfs_utf16_to_utf8() (search patterns), the UTF-16/UTF-8
 * converters of userd/unicode.c and userd/vfs/vfs.c, and the wildcard
 * matcher, with output buffers of a size the input picks (so the "does it
 * fit" edges are hit).
 *
 * Input: byte 0 = output capacity selector; the rest is UTF-16LE (or, for
 * the UTF-8 direction and the pattern, the same bytes read as UTF-8).
 */
#include "tests/fuzz/fuzz_common.h"
#include "userd/unicode.h"
#include "userd/vfs/streams.h"
#include "userd/vfs/vfs.h"

/*
 * The stream parser: whatever it accepts is a terminated path and a
 * stream name that a valid "file:name" never contains a separator or ':'
 * in, and that equals itself case-insensitively.
 */
static void fuzz_streams(const u8 *in, u32 n, size_t cap)
{
	char *path = malloc(cap), *sname = malloc(cap);
	enum vfs_stream_kind kind;

	if (!path || !sname)
		abort();
	if (vfs_stream_split(in, n, path, cap, sname, cap, &kind) ==
	    STATUS_SUCCESS) {
		if (strnlen(path, cap) == cap || strnlen(sname, cap) == cap)
			abort();
		if ((kind == VFS_STREAM_NAMED) != (sname[0] != '\0'))
			abort();
		if (strpbrk(sname, "/\\:"))
			abort();
		if (kind == VFS_STREAM_NAMED && !vfs_stream_name_eq(sname, sname))
			abort();
	}
	if (vfs_stream_parse(in, n, sname, cap, &kind) == STATUS_SUCCESS &&
	    strnlen(sname, cap) == cap)
		abort();
	free(path);
	free(sname);
}

int dfs_fuzz_names(const uint8_t *data, size_t size)
{
	static const size_t caps[8] = { 1, 2, 3, 8, 64, 255, 256, VFS_PATH_MAX };
	const u8 *in = data + 1;
	size_t cap, n;
	char *out, *s;
	u8 *w;
	long l;

	if (size < 1)
		return 0;
	cap = caps[data[0] & 7];
	n = size - 1;
	out = malloc(cap);
	s = malloc(n + 1);
	w = malloc(2 * (n + 1) + 2);
	if (!out || !s || !w)
		abort();

	if (vfs_path_from_utf16(in, (u32)n, out, cap) == STATUS_SUCCESS &&
	    strnlen(out, cap) == cap)
		abort();	/* success must leave a terminated string */
	fuzz_streams(in, (u32)n, cap);
	l = vfs_utf16_to_utf8(in, (u32)n, out, cap);
	if (l >= (long)cap)
		abort();
	l = dfs_utf16_to_utf8(in, n, out, cap);
	if (l >= (long)cap)
		abort();

	/* the other direction, and round trips */
	memcpy(s, in, n);
	s[n] = '\0';
	l = dfs_utf8_to_utf16(s, w, (data[0] & 8) ? 2 * (n + 1) : cap);
	if (l > 0) {
		char *back = malloc(n + 1);

		if (!back)
			abort();
		if (dfs_utf16_to_utf8(w, (size_t)l, back, n + 1) >= 0 &&
		    strcmp(back, s))
			abort();	/* valid UTF-8 must come back unchanged */
		free(back);
	}
	l = vfs_utf8_to_utf16(s, strlen(s), NULL, 0);
	if (l > 0 && vfs_utf8_to_utf16(s, strlen(s), w, 2 * (n + 1) + 2) != l)
		abort();
	/* the input as a pattern against itself and a fixed name */
	vfs_wildcard_match(s, "README.TXT");
	vfs_wildcard_match(s, s);
	vfs_wildcard_match("*.t?t", s);

	free(out);
	free(s);
	free(w);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_names(data, size);
}
#endif

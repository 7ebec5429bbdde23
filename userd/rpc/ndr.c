// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ndr.c - NDR 2.0 decoding and encoding for the RPC pipes (see ndr.h).
 *
 * Alignment is relative to the start of the stub, which is itself 8-byte
 * aligned in the PDU (the request and response headers are 24 bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "userd/rpc/ndr.h"
#include "userd/unicode.h"

/* Referent ids as Windows numbers them; any non-zero value would do */
#define NDR_FIRST_REF	0x00020000u

void ndr_pull_init(struct ndr_pull *n, const u8 *p, u32 len)
{
	n->p = p;
	n->len = len;
	n->off = 0;
	n->err = false;
}

/* Are count more bytes there? Sets err when not. */
static bool pull_need(struct ndr_pull *n, u32 count)
{
	if (n->err || count > n->len - n->off) {
		n->err = true;
		return false;
	}
	return true;
}

void ndr_pull_align(struct ndr_pull *n, u32 align)
{
	u32 pad = (align - (n->off & (align - 1))) & (align - 1);

	if (pull_need(n, pad))
		n->off += pad;
}

u16 ndr_pull_u16(struct ndr_pull *n)
{
	u16 v;

	ndr_pull_align(n, 2);
	if (!pull_need(n, 2))
		return 0;
	v = dfs_get_le16(n->p + n->off);
	n->off += 2;
	return v;
}

u32 ndr_pull_u32(struct ndr_pull *n)
{
	u32 v;

	ndr_pull_align(n, 4);
	if (!pull_need(n, 4))
		return 0;
	v = dfs_get_le32(n->p + n->off);
	n->off += 4;
	return v;
}

bool ndr_pull_ptr(struct ndr_pull *n)
{
	return ndr_pull_u32(n) != 0;
}

void ndr_pull_wstring(struct ndr_pull *n, char *out, size_t cap)
{
	u32 max = ndr_pull_u32(n), offset = ndr_pull_u32(n);
	u32 actual = ndr_pull_u32(n);
	const u8 *s;

	if (cap)
		out[0] = '\0';
	if (n->err || offset != 0 || actual > max || actual == 0 ||
	    actual > NDR_MAX_STRING || !pull_need(n, actual * 2)) {
		n->err = true;
		return;
	}
	s = n->p + n->off;
	n->off += actual * 2;
	/* exactly one NUL, at the end; the converter refuses embedded ones */
	if (dfs_get_le16(s + (actual - 1) * 2) != 0 ||
	    dfs_utf16_to_utf8(s, (actual - 1) * 2, out, cap) < 0)
		n->err = true;
}

void ndr_push_init(struct ndr_push *n, u32 max)
{
	memset(n, 0, sizeof(*n));
	n->max = max;
	n->next_ref = NDR_FIRST_REF;
}

void ndr_push_free(struct ndr_push *n)
{
	free(n->buf);
	n->buf = NULL;
	n->len = n->cap = 0;
}

/* Room for count more bytes; false (and err) past max or out of memory. */
static bool push_need(struct ndr_push *n, u32 count)
{
	u32 ncap;
	u8 *b;

	if (n->err || count > n->max - n->len) {
		n->err = true;
		return false;
	}
	if (n->len + count <= n->cap)
		return true;
	ncap = n->cap ? n->cap : 256;
	while (ncap < n->len + count)
		ncap = ncap > n->max / 2 ? n->max : ncap * 2;
	b = realloc(n->buf, ncap);
	if (!b) {
		n->err = true;
		return false;
	}
	n->buf = b;
	n->cap = ncap;
	return true;
}

void ndr_push_align(struct ndr_push *n, u32 align)
{
	u32 pad = (align - (n->len & (align - 1))) & (align - 1);

	/* nothing to do, and buf may still be NULL (first push) */
	if (!pad || !push_need(n, pad))
		return;
	memset(n->buf + n->len, 0, pad);
	n->len += pad;
}

void ndr_push_u16(struct ndr_push *n, u16 v)
{
	ndr_push_align(n, 2);
	if (!push_need(n, 2))
		return;
	dfs_put_le16(n->buf + n->len, v);
	n->len += 2;
}

void ndr_push_u32(struct ndr_push *n, u32 v)
{
	ndr_push_align(n, 4);
	if (!push_need(n, 4))
		return;
	dfs_put_le32(n->buf + n->len, v);
	n->len += 4;
}

void ndr_push_ptr(struct ndr_push *n, bool nonnull)
{
	if (!nonnull) {
		ndr_push_u32(n, 0);
		return;
	}
	ndr_push_u32(n, n->next_ref);
	n->next_ref += 4;
}

void ndr_push_wstring(struct ndr_push *n, const char *s)
{
	u8 tmp[NDR_MAX_STRING * 2];
	long bytes = dfs_utf8_to_utf16(s, tmp, sizeof(tmp) - 2);
	u32 count;

	if (bytes < 0) {
		n->err = true;
		return;
	}
	count = (u32)bytes / 2 + 1;	/* the NUL is counted and sent */
	ndr_push_u32(n, count);		/* MaxCount */
	ndr_push_u32(n, 0);		/* Offset */
	ndr_push_u32(n, count);		/* ActualCount */
	if (!push_need(n, count * 2))
		return;
	memcpy(n->buf + n->len, tmp, (size_t)bytes);
	dfs_put_le16(n->buf + n->len + bytes, 0);
	n->len += count * 2;
}

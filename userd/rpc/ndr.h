/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ndr.h - the little of NDR 2.0 (C706 chapter 14, little-endian data
 * representation only) that srvsvc needs: aligned integers, unique
 * pointers with referent ids, conformant varying UTF-16 strings.
 *
 * A pull (decoder) never reads past its buffer: every read checks the
 * bytes left and on failure sets err, after which every read returns 0.
 * A push (encoder) grows its buffer up to a bound, with the same sticky
 * err. Callers check err once at the end.
 */
#ifndef DITTOFSD_RPC_NDR_H
#define DITTOFSD_RPC_NDR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/compat.h"

/* Largest string (in UTF-16 code units, NUL included) we decode or encode */
#define NDR_MAX_STRING	1024

struct ndr_pull {
	const u8 *p;
	u32 len;
	u32 off;
	bool err;
};

void ndr_pull_init(struct ndr_pull *n, const u8 *p, u32 len);
void ndr_pull_align(struct ndr_pull *n, u32 align);
u16 ndr_pull_u16(struct ndr_pull *n);
u32 ndr_pull_u32(struct ndr_pull *n);
/* A unique (or full) pointer: true when non-NULL. */
bool ndr_pull_ptr(struct ndr_pull *n);
/*
 * A conformant varying UTF-16 string ([string] wchar_t *): MaxCount,
 * Offset (must be 0), ActualCount (<= MaxCount), the characters, one
 * terminating NUL which must be the last one. Converted to UTF-8 into
 * out (cap bytes). Any violation sets err.
 */
void ndr_pull_wstring(struct ndr_pull *n, char *out, size_t cap);

struct ndr_push {
	u8 *buf;
	u32 len;
	u32 cap;
	u32 max;		/* never grow past this */
	u32 next_ref;		/* next referent id */
	bool err;
};

/* An empty encoder that may grow to max bytes. */
void ndr_push_init(struct ndr_push *n, u32 max);
void ndr_push_free(struct ndr_push *n);
void ndr_push_align(struct ndr_push *n, u32 align);
void ndr_push_u16(struct ndr_push *n, u16 v);
void ndr_push_u32(struct ndr_push *n, u32 v);
/* A unique pointer: a fresh referent id, or 0 for NULL. */
void ndr_push_ptr(struct ndr_push *n, bool nonnull);
/* The deferred referent of a [string] wchar_t *, from UTF-8. */
void ndr_push_wstring(struct ndr_push *n, const char *s);

#endif /* DITTOFSD_RPC_NDR_H */

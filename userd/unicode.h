/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unicode.h - UTF-16LE (the wire) <-> UTF-8 (Linux names) conversion.
 */
#ifndef DITTOFSD_UNICODE_H
#define DITTOFSD_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Convert len bytes of UTF-16LE to NUL-terminated UTF-8 in out (cap bytes).
 * Returns the UTF-8 length, or -1 for odd length, unpaired surrogates, an
 * embedded NUL, or no room.
 */
long dfs_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * Convert NUL-terminated UTF-8 to UTF-16LE in out (cap bytes, no NUL
 * written). Returns the byte length, or -1 for invalid UTF-8 or no room.
 */
long dfs_utf8_to_utf16(const char *in, uint8_t *out, size_t cap);

#endif /* DITTOFSD_UNICODE_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unicode.c - strict UTF-16LE <-> UTF-8. Strict because names become
 * paths: an unpaired surrogate or an overlong UTF-8 form must not let two
 * different wire names reach the same file.
 */
#include "userd/unicode.h"

static int put_utf8(uint32_t cp, char *out, size_t cap, size_t *n)
{
	uint8_t b[4];
	size_t k, i;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = 0xC0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3F);
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xE0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3F);
		b[2] = 0x80 | (cp & 0x3F);
		k = 3;
	} else {
		b[0] = 0xF0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3F);
		b[2] = 0x80 | ((cp >> 6) & 0x3F);
		b[3] = 0x80 | (cp & 0x3F);
		k = 4;
	}
	if (cap - *n < k + 1)
		return -1;
	for (i = 0; i < k; i++)
		out[(*n)++] = (char)b[i];
	return 0;
}

long dfs_utf16_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, n = 0;

	if ((len & 1) || cap == 0)
		return -1;
	while (i < len) {
		uint32_t cp = in[i] | (in[i + 1] << 8);

		i += 2;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;

			if (i + 2 > len)
				return -1;
			lo = in[i] | (in[i + 1] << 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			i += 2;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp == 0 || put_utf8(cp, out, cap, &n))
			return -1;
	}
	out[n] = '\0';
	return (long)n;
}

/* Decode one UTF-8 sequence at *s; -1 on invalid or overlong forms. */
static long get_utf8(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t cp, min;
	int k, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	} else if ((p[0] & 0xE0) == 0xC0) {
		cp = p[0] & 0x1F, k = 1, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		cp = p[0] & 0x0F, k = 2, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		cp = p[0] & 0x07, k = 3, min = 0x10000;
	} else {
		return -1;
	}
	for (i = 1; i <= k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + k + 1;
	return cp;
}

long dfs_utf8_to_utf16(const char *in, uint8_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;

	while (*s) {
		long cp = get_utf8(&s);

		if (cp < 0)
			return -1;
		if (cp >= 0x10000) {
			uint32_t v = (uint32_t)cp - 0x10000;
			uint16_t hi = 0xD800 | (v >> 10), lo = 0xDC00 | (v & 0x3FF);

			if (cap - n < 4)
				return -1;
			out[n++] = hi & 0xFF;
			out[n++] = hi >> 8;
			out[n++] = lo & 0xFF;
			out[n++] = lo >> 8;
		} else {
			if (cap - n < 2)
				return -1;
			out[n++] = cp & 0xFF;
			out[n++] = (uint8_t)(cp >> 8);
		}
	}
	return (long)n;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * asn1.c - minimal DER reader and writer for SPNEGO tokens.
 *
 * Everything read here comes straight off the network, so every length is
 * compared with what is left before it is used, lengths are capped at four
 * octets (a token is never near 4 GiB, and it keeps size_t arithmetic far
 * from wrapping), and BER's indefinite length is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "userd/auth/asn1.h"

/* Decode tag and length at a->p; *hdr gets the header size. */
static int asn1_header(const struct dfs_asn1 *a, uint8_t *tag, size_t *hdr,
		       size_t *clen)
{
	const uint8_t *p = a->p;
	size_t n, i, len;

	if (a->len < 2)
		return -EBADMSG;
	/* high tag numbers (low five bits all set) never occur in SPNEGO */
	if ((p[0] & 0x1f) == 0x1f)
		return -EBADMSG;
	*tag = p[0];
	if (p[1] < 0x80) {
		*hdr = 2;
		*clen = p[1];
	} else {
		/* 0x80 is the indefinite form: not DER, refuse it */
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || a->len - 2 < n)
			return -EBADMSG;
		len = 0;
		for (i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		*hdr = 2 + n;
		*clen = len;
	}
	if (*clen > a->len - *hdr)
		return -EBADMSG;
	return 0;
}

int dfs_asn1_next(struct dfs_asn1 *a, uint8_t *tag, struct dfs_asn1 *val,
		  struct dfs_asn1 *whole)
{
	size_t hdr, clen;
	int ret;

	ret = asn1_header(a, tag, &hdr, &clen);
	if (ret)
		return ret;
	if (whole)
		dfs_asn1_init(whole, a->p, hdr + clen);
	dfs_asn1_init(val, a->p + hdr, clen);
	a->p += hdr + clen;
	a->len -= hdr + clen;
	return 0;
}

int dfs_asn1_expect(struct dfs_asn1 *a, uint8_t tag, struct dfs_asn1 *val)
{
	struct dfs_asn1 save = *a;
	uint8_t t;

	if (dfs_asn1_next(a, &t, val, NULL))
		return -EBADMSG;
	if (t != tag) {
		*a = save;
		return -EBADMSG;
	}
	return 0;
}

int dfs_asn1_peek(const struct dfs_asn1 *a, uint8_t *tag)
{
	if (a->len == 0)
		return -ENODATA;
	*tag = a->p[0];
	return 0;
}

/* Check one element at the front of *a and everything inside it. */
static int asn1_check_elem(struct dfs_asn1 *a, unsigned int depth)
{
	struct dfs_asn1 val;
	uint8_t tag;

	if (depth == 0)
		return -EBADMSG;
	if (dfs_asn1_next(a, &tag, &val, NULL))
		return -EBADMSG;
	if (!(tag & DFS_ASN1_CONSTRUCTED))
		return 0;
	/* depth is bounded by the caller's max_depth, so recursion is too */
	while (!dfs_asn1_empty(&val))
		if (asn1_check_elem(&val, depth - 1))
			return -EBADMSG;
	return 0;
}

int dfs_asn1_check(const uint8_t *p, size_t len, unsigned int max_depth,
		   size_t *used)
{
	struct dfs_asn1 a;

	dfs_asn1_init(&a, p, len);
	if (asn1_check_elem(&a, max_depth))
		return -EBADMSG;
	if (used)
		*used = len - a.len;
	return 0;
}

void dfs_asn1_w_init(struct dfs_asn1_w *w)
{
	memset(w, 0, sizeof(*w));
}

void dfs_asn1_w_free(struct dfs_asn1_w *w)
{
	free(w->buf);
	dfs_asn1_w_init(w);
}

static bool asn1_w_reserve(struct dfs_asn1_w *w, size_t more)
{
	size_t cap;
	uint8_t *nb;

	if (w->err)
		return false;
	/* our tokens are a few hundred bytes; anything huge is a bug */
	if (more > (1u << 24) || w->len + more > (1u << 24)) {
		w->err = true;
		return false;
	}
	if (w->len + more <= w->cap)
		return true;
	cap = w->cap ? w->cap : 128;
	while (cap < w->len + more)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->err = true;
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

void dfs_asn1_w_raw(struct dfs_asn1_w *w, const void *p, size_t len)
{
	if (!asn1_w_reserve(w, len))
		return;
	if (len)
		memcpy(w->buf + w->len, p, len);
	w->len += len;
}

/* Encode tag and length into hdr (at most 6 bytes); returns its size. */
static size_t asn1_put_header(uint8_t *hdr, uint8_t tag, size_t len)
{
	size_t n = 0, i;

	hdr[0] = tag;
	if (len < 0x80) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	while (n < 4 && (len >> (8 * n)))
		n++;
	hdr[1] = (uint8_t)(0x80 | n);
	for (i = 0; i < n; i++)
		hdr[2 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
	return 2 + n;
}

void dfs_asn1_w_prim(struct dfs_asn1_w *w, uint8_t tag, const void *p,
		     size_t len)
{
	uint8_t hdr[6];
	size_t h = asn1_put_header(hdr, tag, len);

	dfs_asn1_w_raw(w, hdr, h);
	dfs_asn1_w_raw(w, p, len);
}

size_t dfs_asn1_w_begin(struct dfs_asn1_w *w)
{
	return w->len;
}

void dfs_asn1_w_end(struct dfs_asn1_w *w, size_t mark, uint8_t tag)
{
	uint8_t hdr[6];
	size_t h, clen;

	if (w->err || mark > w->len) {
		w->err = true;
		return;
	}
	clen = w->len - mark;
	h = asn1_put_header(hdr, tag, clen);
	if (!asn1_w_reserve(w, h))
		return;
	memmove(w->buf + mark + h, w->buf + mark, clen);
	memcpy(w->buf + mark, hdr, h);
	w->len += h;
}

int dfs_asn1_w_finish(struct dfs_asn1_w *w, uint8_t **out, size_t *outlen)
{
	if (w->err) {
		dfs_asn1_w_free(w);
		return -ENOMEM;
	}
	*out = w->buf;
	*outlen = w->len;
	dfs_asn1_w_init(w);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * asn1.h - the little DER that SPNEGO needs: a bounds-checked TLV reader
 * (definite lengths only, single-byte tags, bounded nesting) and a writer
 * that wraps content after it is written, so no length is ever guessed.
 */
#ifndef DITTOFSD_ASN1_H
#define DITTOFSD_ASN1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DFS_ASN1_BOOL		0x01
#define DFS_ASN1_INT		0x02
#define DFS_ASN1_BITSTR		0x03
#define DFS_ASN1_OCTSTR		0x04
#define DFS_ASN1_OID		0x06
#define DFS_ASN1_ENUM		0x0a
#define DFS_ASN1_GENSTR		0x1b
#define DFS_ASN1_SEQ		0x30
#define DFS_ASN1_CONSTRUCTED	0x20
#define DFS_ASN1_CTX(n)		(0xa0 | (n))	/* [n] constructed */
#define DFS_ASN1_APP(n)		(0x60 | (n))	/* [APPLICATION n] */

/* Deepest nesting dfs_asn1_check() accepts; SPNEGO needs 7. */
#define DFS_ASN1_MAX_DEPTH	12

/* A window into a DER buffer; reading advances p and shrinks len. */
struct dfs_asn1 {
	const uint8_t *p;
	size_t len;
};

static inline void dfs_asn1_init(struct dfs_asn1 *a, const uint8_t *p,
				 size_t len)
{
	a->p = p;
	a->len = len;
}

static inline bool dfs_asn1_empty(const struct dfs_asn1 *a)
{
	return a->len == 0;
}

/*
 * Read the next element. *val gets its content; *whole (may be NULL) the
 * element including tag and length. 0 or -EBADMSG (nothing is consumed on
 * error).
 */
int dfs_asn1_next(struct dfs_asn1 *a, uint8_t *tag, struct dfs_asn1 *val,
		  struct dfs_asn1 *whole);

/* dfs_asn1_next() that also requires the tag. 0 or -EBADMSG. */
int dfs_asn1_expect(struct dfs_asn1 *a, uint8_t tag, struct dfs_asn1 *val);

/* The next element's tag without consuming it. 0, -ENODATA at the end. */
int dfs_asn1_peek(const struct dfs_asn1 *a, uint8_t *tag);

/*
 * Walk one whole element tree: every length definite and inside its
 * parent, constructed contents exactly filled, at most max_depth levels.
 * *used gets the element's size (bytes after it are not looked at).
 * 0 or -EBADMSG.
 */
int dfs_asn1_check(const uint8_t *p, size_t len, unsigned int max_depth,
		   size_t *used);

/* Growing output buffer. Errors stick: check once in dfs_asn1_w_finish(). */
struct dfs_asn1_w {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool err;
};

void dfs_asn1_w_init(struct dfs_asn1_w *w);
void dfs_asn1_w_free(struct dfs_asn1_w *w);
void dfs_asn1_w_raw(struct dfs_asn1_w *w, const void *p, size_t len);
/* A primitive element: tag, length, content. */
void dfs_asn1_w_prim(struct dfs_asn1_w *w, uint8_t tag, const void *p,
		     size_t len);
/* Start a constructed element; returns the mark to pass to _end(). */
size_t dfs_asn1_w_begin(struct dfs_asn1_w *w);
/* Put tag and length in front of everything written since mark. */
void dfs_asn1_w_end(struct dfs_asn1_w *w, size_t mark, uint8_t tag);
/* Hand the buffer over (caller frees). 0 or -ENOMEM. */
int dfs_asn1_w_finish(struct dfs_asn1_w *w, uint8_t **out, size_t *outlen);

#endif /* DITTOFSD_ASN1_H */

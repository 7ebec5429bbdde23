// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spnego.c - SPNEGO token parsing and building (RFC 4178, MS-SPNG).
 *
 * Each token is first walked whole by dfs_asn1_check() (bounds, definite
 * lengths, nesting depth); the parsers below then only pick fields out of
 * a structure already known to be sound, and still check every tag.
 */
#include <errno.h>
#include <string.h>

#include "userd/auth/auth.h"
#include "userd/auth/spnego.h"

const uint8_t dfs_oid_spnego[6] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
const uint8_t dfs_oid_ntlmssp[10] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};
const uint8_t dfs_oid_krb5[9] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};
const uint8_t dfs_oid_mskrb5[9] = {
	0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02
};

/* MS-SPNG 3.2.5.2: Windows ignores it, but clients expect to see it */
static const char negotiate_hint[] = "not_defined_in_RFC4178@please_ignore";

bool dfs_spnego_is_init(const uint8_t *in, size_t len)
{
	return len > 0 && in[0] == DFS_ASN1_APP(0);
}

bool dfs_spnego_is_resp(const uint8_t *in, size_t len)
{
	return len > 0 && in[0] == DFS_ASN1_CTX(1);
}

/*
 * Every element of a MechTypeList must be an OID; checking that here
 * lets the mechanism loop trust the list.
 */
static int spnego_check_mech_list(const struct dfs_asn1 *list)
{
	struct dfs_asn1 it = *list, oid;

	while (!dfs_asn1_empty(&it))
		if (dfs_asn1_expect(&it, DFS_ASN1_OID, &oid) || oid.len == 0)
			return -EBADMSG;
	return 0;
}

/* One field of NegTokenInit; unknown context tags are an error. */
static int spnego_init_field(uint8_t tag, struct dfs_asn1 *val,
			     struct dfs_spnego_init *out)
{
	struct dfs_asn1 list, whole, tok;
	uint8_t t;

	switch (tag) {
	case DFS_ASN1_CTX(0):
		if (dfs_asn1_next(val, &t, &list, &whole) || t != DFS_ASN1_SEQ)
			return -EBADMSG;
		if (spnego_check_mech_list(&list))
			return -EBADMSG;
		out->mech_types = whole.p;
		out->mech_types_len = whole.len;
		return 0;
	case DFS_ASN1_CTX(2):
		if (dfs_asn1_expect(val, DFS_ASN1_OCTSTR, &tok))
			return -EBADMSG;
		out->mech_token = tok.p;
		out->mech_token_len = tok.len;
		return 0;
	case DFS_ASN1_CTX(1):	/* reqFlags: advisory, ignored */
	case DFS_ASN1_CTX(3):	/* mechListMIC, or negHints in Init2 */
	case DFS_ASN1_CTX(4):	/* mechListMIC in NegTokenInit2 */
		return 0;
	default:
		return -EBADMSG;
	}
}

int dfs_spnego_parse_init(const uint8_t *in, size_t len,
			  struct dfs_spnego_init *out)
{
	struct dfs_asn1 a, app, oid, choice, seq, val;
	uint8_t tag, last = 0;
	bool first = true;

	memset(out, 0, sizeof(*out));
	/* bytes after the token are ignored, as other servers do */
	if (dfs_asn1_check(in, len, DFS_ASN1_MAX_DEPTH, &len))
		return -EBADMSG;
	dfs_asn1_init(&a, in, len);
	if (dfs_asn1_expect(&a, DFS_ASN1_APP(0), &app) ||
	    dfs_asn1_expect(&app, DFS_ASN1_OID, &oid) ||
	    oid.len != sizeof(dfs_oid_spnego) ||
	    memcmp(oid.p, dfs_oid_spnego, oid.len) ||
	    dfs_asn1_expect(&app, DFS_ASN1_CTX(0), &choice) ||
	    dfs_asn1_expect(&choice, DFS_ASN1_SEQ, &seq))
		return -EBADMSG;
	while (!dfs_asn1_empty(&seq)) {
		if (dfs_asn1_next(&seq, &tag, &val, NULL))
			return -EBADMSG;
		/* DER puts the fields in tag order, each at most once */
		if (!first && tag <= last)
			return -EBADMSG;
		if (spnego_init_field(tag, &val, out))
			return -EBADMSG;
		first = false;
		last = tag;
	}
	return out->mech_types ? 0 : -EBADMSG;
}

static int spnego_resp_field(uint8_t tag, struct dfs_asn1 *val,
			     struct dfs_spnego_resp *out)
{
	struct dfs_asn1 v;

	switch (tag) {
	case DFS_ASN1_CTX(0):
		if (dfs_asn1_expect(val, DFS_ASN1_ENUM, &v) || v.len != 1 ||
		    v.p[0] > DFS_SPNEGO_REQUEST_MIC)
			return -EBADMSG;
		out->neg_state = v.p[0];
		return 0;
	case DFS_ASN1_CTX(1):
		if (dfs_asn1_expect(val, DFS_ASN1_OID, &v))
			return -EBADMSG;
		out->supported_mech = v.p;
		out->supported_mech_len = v.len;
		return 0;
	case DFS_ASN1_CTX(2):
		if (dfs_asn1_expect(val, DFS_ASN1_OCTSTR, &v))
			return -EBADMSG;
		out->token = v.p;
		out->token_len = v.len;
		return 0;
	case DFS_ASN1_CTX(3):
		if (dfs_asn1_expect(val, DFS_ASN1_OCTSTR, &v))
			return -EBADMSG;
		out->mic = v.p;
		out->mic_len = v.len;
		return 0;
	default:
		return -EBADMSG;
	}
}

int dfs_spnego_parse_resp(const uint8_t *in, size_t len,
			  struct dfs_spnego_resp *out)
{
	struct dfs_asn1 a, choice, seq, val;
	uint8_t tag, last = 0;
	bool first = true;

	memset(out, 0, sizeof(*out));
	out->neg_state = DFS_SPNEGO_NO_STATE;
	if (dfs_asn1_check(in, len, DFS_ASN1_MAX_DEPTH, &len))
		return -EBADMSG;
	dfs_asn1_init(&a, in, len);
	if (dfs_asn1_expect(&a, DFS_ASN1_CTX(1), &choice) ||
	    dfs_asn1_expect(&choice, DFS_ASN1_SEQ, &seq))
		return -EBADMSG;
	while (!dfs_asn1_empty(&seq)) {
		if (dfs_asn1_next(&seq, &tag, &val, NULL))
			return -EBADMSG;
		if (!first && tag <= last)
			return -EBADMSG;
		if (spnego_resp_field(tag, &val, out))
			return -EBADMSG;
		first = false;
		last = tag;
	}
	return 0;
}

int dfs_spnego_mech_list(const struct dfs_spnego_init *init,
			 struct dfs_asn1 *it)
{
	struct dfs_asn1 whole;

	dfs_asn1_init(&whole, init->mech_types, init->mech_types_len);
	return dfs_asn1_expect(&whole, DFS_ASN1_SEQ, it);
}

int dfs_spnego_mech_next(struct dfs_asn1 *it, const uint8_t **oid,
			 size_t *oid_len)
{
	struct dfs_asn1 v;

	if (dfs_asn1_empty(it))
		return -ENODATA;
	if (dfs_asn1_expect(it, DFS_ASN1_OID, &v))
		return -EBADMSG;
	*oid = v.p;
	*oid_len = v.len;
	return 0;
}

/* [n] { prim } : the explicit tagging every SPNEGO field uses */
static void spnego_w_field(struct dfs_asn1_w *w, unsigned int n, uint8_t tag,
			   const void *p, size_t len)
{
	size_t m = dfs_asn1_w_begin(w);

	dfs_asn1_w_prim(w, tag, p, len);
	dfs_asn1_w_end(w, m, DFS_ASN1_CTX(n));
}

int dfs_spnego_build_resp(int neg_state, const uint8_t *mech, size_t mech_len,
			  const uint8_t *token, size_t token_len,
			  const uint8_t *mic, size_t mic_len,
			  uint8_t **out, size_t *outlen)
{
	struct dfs_asn1_w w;
	size_t choice, seq;
	uint8_t st = (uint8_t)neg_state;

	dfs_asn1_w_init(&w);
	choice = dfs_asn1_w_begin(&w);
	seq = dfs_asn1_w_begin(&w);
	if (neg_state != DFS_SPNEGO_NO_STATE)
		spnego_w_field(&w, 0, DFS_ASN1_ENUM, &st, 1);
	if (mech)
		spnego_w_field(&w, 1, DFS_ASN1_OID, mech, mech_len);
	if (token)
		spnego_w_field(&w, 2, DFS_ASN1_OCTSTR, token, token_len);
	if (mic)
		spnego_w_field(&w, 3, DFS_ASN1_OCTSTR, mic, mic_len);
	dfs_asn1_w_end(&w, seq, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, choice, DFS_ASN1_CTX(1));
	return dfs_asn1_w_finish(&w, out, outlen);
}

int dfs_spnego_negotiate_token(uint8_t **out, size_t *outlen)
{
	struct dfs_asn1_w w;
	size_t app, choice, seq, types, list, hints, hseq;

	dfs_asn1_w_init(&w);
	app = dfs_asn1_w_begin(&w);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_spnego,
			sizeof(dfs_oid_spnego));
	choice = dfs_asn1_w_begin(&w);
	seq = dfs_asn1_w_begin(&w);

	types = dfs_asn1_w_begin(&w);
	list = dfs_asn1_w_begin(&w);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_ntlmssp,
			sizeof(dfs_oid_ntlmssp));
	dfs_asn1_w_end(&w, list, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, types, DFS_ASN1_CTX(0));

	hints = dfs_asn1_w_begin(&w);
	hseq = dfs_asn1_w_begin(&w);
	spnego_w_field(&w, 0, DFS_ASN1_GENSTR, negotiate_hint,
		       sizeof(negotiate_hint) - 1);
	dfs_asn1_w_end(&w, hseq, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, hints, DFS_ASN1_CTX(3));

	dfs_asn1_w_end(&w, seq, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, choice, DFS_ASN1_CTX(0));
	dfs_asn1_w_end(&w, app, DFS_ASN1_APP(0));
	return dfs_asn1_w_finish(&w, out, outlen);
}

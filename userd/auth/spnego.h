/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * spnego.h - SPNEGO tokens (RFC 4178, MS-SPNG): parse the client's
 * NegTokenInit and NegTokenResp, build the server's NegTokenResp and the
 * NegTokenInit2 of the NEGOTIATE response.
 */
#ifndef DITTOFSD_SPNEGO_H
#define DITTOFSD_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "userd/auth/asn1.h"

/* OIDs as DER content octets (no tag, no length). */
extern const uint8_t dfs_oid_spnego[6];		/* 1.3.6.1.5.5.2 */
extern const uint8_t dfs_oid_ntlmssp[10];	/* 1.3.6.1.4.1.311.2.2.10 */
extern const uint8_t dfs_oid_krb5[9];		/* 1.2.840.113554.1.2.2 */
extern const uint8_t dfs_oid_mskrb5[9];		/* 1.2.840.48018.1.2.2 */

/* negState (RFC 4178 4.2.2) */
enum {
	DFS_SPNEGO_ACCEPT_COMPLETED = 0,
	DFS_SPNEGO_ACCEPT_INCOMPLETE = 1,
	DFS_SPNEGO_REJECT = 2,
	DFS_SPNEGO_REQUEST_MIC = 3,
	DFS_SPNEGO_NO_STATE = -1,	/* field absent */
};

/* Views into the caller's buffer; nothing is copied. */
struct dfs_spnego_init {
	/* the MechTypeList as sent (SEQUENCE OF OID): mechListMIC covers it */
	const uint8_t *mech_types;
	size_t mech_types_len;
	const uint8_t *mech_token;	/* NULL if absent */
	size_t mech_token_len;
};

struct dfs_spnego_resp {
	int neg_state;			/* DFS_SPNEGO_NO_STATE if absent */
	const uint8_t *supported_mech;	/* OID content or NULL */
	size_t supported_mech_len;
	const uint8_t *token;		/* responseToken or NULL */
	size_t token_len;
	const uint8_t *mic;		/* mechListMIC or NULL */
	size_t mic_len;
};

/* Does the buffer start like an InitialContextToken / a NegTokenResp? */
bool dfs_spnego_is_init(const uint8_t *in, size_t len);
bool dfs_spnego_is_resp(const uint8_t *in, size_t len);

/* 0 or -EBADMSG. mechTypes must be present and hold only OIDs. */
int dfs_spnego_parse_init(const uint8_t *in, size_t len,
			  struct dfs_spnego_init *out);
int dfs_spnego_parse_resp(const uint8_t *in, size_t len,
			  struct dfs_spnego_resp *out);

/*
 * Walk the OIDs of a MechTypeList: start with it = the list content (see
 * dfs_spnego_mech_list()), call until it returns -ENODATA. 0 or -EBADMSG.
 */
int dfs_spnego_mech_list(const struct dfs_spnego_init *init,
			 struct dfs_asn1 *it);
int dfs_spnego_mech_next(struct dfs_asn1 *it, const uint8_t **oid,
			 size_t *oid_len);

/*
 * Build a NegTokenResp. neg_state DFS_SPNEGO_NO_STATE, mech NULL, token
 * NULL or mic NULL leave that field out. 0 or -ENOMEM.
 */
int dfs_spnego_build_resp(int neg_state, const uint8_t *mech, size_t mech_len,
			  const uint8_t *token, size_t token_len,
			  const uint8_t *mic, size_t mic_len,
			  uint8_t **out, size_t *outlen);

#endif /* DITTOFSD_SPNEGO_H */

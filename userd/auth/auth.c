// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * auth.c - one SESSION_SETUP exchange: unwrap SPNEGO (or take a bare
 * NTLMSSP token), pick a mechanism by OID, run it, and wrap its answers,
 * adding the mechListMIC once the mechanism has a key.
 *
 * Mechanisms sit behind a small ops table so Kerberos can be added next to
 * NTLMSSP: its OIDs are already recognised, and skipped until it exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/compat.h"
#include "common/smb2_proto.h"
#include "userd/auth/auth.h"
#include "userd/auth/ntlmssp.h"
#include "userd/auth/spnego.h"

struct dfs_mech_ops {
	void *(*create)(const struct dfs_auth_cfg *cfg);
	void (*destroy)(void *st);
	uint32_t (*step)(void *st, const uint8_t *in, size_t inlen,
			 uint8_t **out, size_t *outlen,
			 struct dfs_auth_result *res);
	bool (*have_key)(const void *st);
	int (*verify_mic)(void *st, const uint8_t *data, size_t len,
			  const uint8_t *mic, size_t mic_len);
	int (*sign_mic)(void *st, const uint8_t *data, size_t len,
			uint8_t mic[16]);
};

struct dfs_mech {
	const char *name;
	const uint8_t *oid;
	size_t oid_len;
	const struct dfs_mech_ops *ops;	/* NULL: known, not implemented */
};

static void *ntlm_create(const struct dfs_auth_cfg *cfg)
{
	return dfs_ntlmssp_new(cfg);
}

static void ntlm_destroy(void *st)
{
	dfs_ntlmssp_free(st);
}

static uint32_t ntlm_step(void *st, const uint8_t *in, size_t inlen,
			  uint8_t **out, size_t *outlen,
			  struct dfs_auth_result *res)
{
	return dfs_ntlmssp_step(st, in, inlen, out, outlen, res);
}

static bool ntlm_have_key(const void *st)
{
	return dfs_ntlmssp_have_key(st);
}

static int ntlm_verify_mic(void *st, const uint8_t *data, size_t len,
			   const uint8_t *mic, size_t mic_len)
{
	return dfs_ntlmssp_verify_mic(st, data, len, mic, mic_len);
}

static int ntlm_sign_mic(void *st, const uint8_t *data, size_t len,
			 uint8_t mic[16])
{
	return dfs_ntlmssp_sign_mic(st, data, len, mic);
}

static const struct dfs_mech_ops ntlmssp_ops = {
	.create = ntlm_create,
	.destroy = ntlm_destroy,
	.step = ntlm_step,
	.have_key = ntlm_have_key,
	.verify_mic = ntlm_verify_mic,
	.sign_mic = ntlm_sign_mic,
};

static const struct dfs_mech mechs[] = {
	{ "kerberos", dfs_oid_krb5, sizeof(dfs_oid_krb5), NULL },
	{ "ms-kerberos", dfs_oid_mskrb5, sizeof(dfs_oid_mskrb5), NULL },
	{ "ntlmssp", dfs_oid_ntlmssp, sizeof(dfs_oid_ntlmssp), &ntlmssp_ops },
};

enum auth_state {
	AUTH_START,
	AUTH_RUNNING,
	AUTH_DONE,
	AUTH_FAILED,
};

struct dfs_auth {
	struct dfs_auth_cfg cfg;
	enum auth_state state;
	bool spnego;
	const struct dfs_mech *mech;
	void *mech_state;
	uint8_t *mech_types;		/* client's MechTypeList, for the MIC */
	size_t mech_types_len;
};

struct dfs_auth *dfs_auth_new(const struct dfs_auth_cfg *cfg)
{
	struct dfs_auth *a = calloc(1, sizeof(*a));

	if (a)
		a->cfg = *cfg;
	return a;
}

void dfs_auth_free(struct dfs_auth *a)
{
	if (!a)
		return;
	if (a->mech && a->mech_state)
		a->mech->ops->destroy(a->mech_state);
	free(a->mech_types);
	free(a);
}

static const struct dfs_mech *auth_find_mech(const uint8_t *oid, size_t len)
{
	size_t i;

	for (i = 0; i < DFS_ARRAY_SIZE(mechs); i++)
		if (mechs[i].ops && mechs[i].oid_len == len &&
		    !memcmp(mechs[i].oid, oid, len))
			return &mechs[i];
	return NULL;
}

static uint32_t auth_use_mech(struct dfs_auth *a, const struct dfs_mech *m)
{
	a->mech = m;
	a->mech_state = m->ops->create(&a->cfg);
	return a->mech_state ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/*
 * The first mechanism in the client's preference order that we have.
 * *first says whether it was the client's first choice, which is what
 * the optimistic mechToken was made for.
 */
static uint32_t auth_select(const struct dfs_spnego_init *init,
			    const struct dfs_mech **mech, bool *first)
{
	const uint8_t *oid;
	size_t oid_len;
	struct dfs_asn1 it;
	bool is_first = true;
	int ret;

	if (dfs_spnego_mech_list(init, &it))
		return STATUS_INVALID_PARAMETER;
	while ((ret = dfs_spnego_mech_next(&it, &oid, &oid_len)) == 0) {
		*mech = auth_find_mech(oid, oid_len);
		if (*mech) {
			*first = is_first;
			return STATUS_SUCCESS;
		}
		is_first = false;
	}
	return ret == -ENODATA ? STATUS_NOT_SUPPORTED :
				 STATUS_INVALID_PARAMETER;
}

/* Wrap a mechanism's answer in a NegTokenResp (st is its status). */
static uint32_t auth_wrap(uint32_t st, bool with_mech,
			  const struct dfs_mech *m, uint8_t *tok,
			  size_t tok_len, const uint8_t *mic, uint8_t **out,
			  size_t *outlen)
{
	int state = st == STATUS_SUCCESS ? DFS_SPNEGO_ACCEPT_COMPLETED :
					   DFS_SPNEGO_ACCEPT_INCOMPLETE;
	int ret;

	ret = dfs_spnego_build_resp(state, with_mech ? m->oid : NULL,
				    m->oid_len, tok, tok_len, mic,
				    mic ? 16 : 0, out, outlen);
	free(tok);
	return ret ? STATUS_NO_MEMORY : st;
}

static uint32_t auth_start_spnego(struct dfs_auth *a, const uint8_t *in,
				  size_t inlen, uint8_t **out, size_t *outlen,
				  struct dfs_auth_result *res)
{
	struct dfs_spnego_init init;
	const struct dfs_mech *m;
	uint8_t *tok = NULL;
	size_t tok_len = 0;
	bool first = false;
	uint32_t st;

	if (dfs_spnego_parse_init(in, inlen, &init))
		return STATUS_INVALID_PARAMETER;
	st = auth_select(&init, &m, &first);
	if (st != STATUS_SUCCESS)
		return st;
	a->spnego = true;
	a->mech_types = malloc(init.mech_types_len);
	if (!a->mech_types)
		return STATUS_NO_MEMORY;
	memcpy(a->mech_types, init.mech_types, init.mech_types_len);
	a->mech_types_len = init.mech_types_len;
	st = auth_use_mech(a, m);
	if (st != STATUS_SUCCESS)
		return st;
	/*
	 * A token meant for the client's first choice is useless to any
	 * other mechanism: answer with just the mechanism and wait for its
	 * first token.
	 */
	if (!first || !init.mech_token)
		return auth_wrap(STATUS_MORE_PROCESSING_REQUIRED, true, m,
				 NULL, 0, NULL, out, outlen);
	st = m->ops->step(a->mech_state, init.mech_token, init.mech_token_len,
			  &tok, &tok_len, res);
	if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
		free(tok);
		return st;
	}
	return auth_wrap(st, true, m, tok, tok_len, NULL, out, outlen);
}

static uint32_t auth_start(struct dfs_auth *a, const uint8_t *in,
			   size_t inlen, uint8_t **out, size_t *outlen,
			   struct dfs_auth_result *res)
{
	uint32_t st;

	if (inlen >= 8 && !memcmp(in, dfs_ntlmssp_sig, 8)) {
		st = auth_use_mech(a, auth_find_mech(dfs_oid_ntlmssp,
						     sizeof(dfs_oid_ntlmssp)));
		if (st != STATUS_SUCCESS)
			return st;
		return a->mech->ops->step(a->mech_state, in, inlen, out,
					  outlen, res);
	}
	if (dfs_spnego_is_init(in, inlen))
		return auth_start_spnego(a, in, inlen, out, outlen, res);
	return STATUS_INVALID_PARAMETER;
}

/* The mechanism finished: check the client's mechListMIC, add ours. */
static uint32_t auth_finish_spnego(struct dfs_auth *a,
				   const struct dfs_spnego_resp *resp,
				   uint8_t *tok, size_t tok_len,
				   uint8_t **out, size_t *outlen)
{
	const struct dfs_mech_ops *ops = a->mech->ops;
	uint8_t mic[16];
	bool with_mic = false;

	/* no key (guest, anonymous): there is nothing to sign with */
	if (resp->mic && ops->have_key(a->mech_state)) {
		if (ops->verify_mic(a->mech_state, a->mech_types,
				    a->mech_types_len, resp->mic,
				    resp->mic_len)) {
			free(tok);
			return STATUS_LOGON_FAILURE;
		}
		if (ops->sign_mic(a->mech_state, a->mech_types,
				  a->mech_types_len, mic)) {
			free(tok);
			return STATUS_INTERNAL_ERROR;
		}
		with_mic = true;
	}
	return auth_wrap(STATUS_SUCCESS, false, a->mech, tok, tok_len,
			 with_mic ? mic : NULL, out, outlen);
}

static uint32_t auth_continue(struct dfs_auth *a, const uint8_t *in,
			      size_t inlen, uint8_t **out, size_t *outlen,
			      struct dfs_auth_result *res)
{
	const struct dfs_mech_ops *ops = a->mech->ops;
	struct dfs_spnego_resp resp;
	uint8_t *tok = NULL;
	size_t tok_len = 0;
	uint32_t st;

	if (!a->spnego)
		return ops->step(a->mech_state, in, inlen, out, outlen, res);
	if (!dfs_spnego_is_resp(in, inlen) ||
	    dfs_spnego_parse_resp(in, inlen, &resp) || !resp.token)
		return STATUS_INVALID_PARAMETER;
	st = ops->step(a->mech_state, resp.token, resp.token_len, &tok,
		       &tok_len, res);
	if (st == STATUS_MORE_PROCESSING_REQUIRED)
		return auth_wrap(st, false, a->mech, tok, tok_len, NULL, out,
				 outlen);
	if (st == STATUS_SUCCESS)
		return auth_finish_spnego(a, &resp, tok, tok_len, out, outlen);
	free(tok);
	return st;
}

uint32_t dfs_auth_step(struct dfs_auth *a, const uint8_t *in, size_t inlen,
		       uint8_t **out, size_t *outlen,
		       struct dfs_auth_result *res)
{
	struct dfs_auth_result r;
	uint32_t st;

	*out = NULL;
	*outlen = 0;
	memset(&r, 0, sizeof(r));
	if (!in && inlen)
		return STATUS_INVALID_PARAMETER;
	if (a->state == AUTH_START)
		st = auth_start(a, in, inlen, out, outlen, &r);
	else if (a->state == AUTH_RUNNING)
		st = auth_continue(a, in, inlen, out, outlen, &r);
	else
		st = STATUS_INVALID_PARAMETER;

	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		a->state = AUTH_RUNNING;
	} else if (st == STATUS_SUCCESS) {
		a->state = AUTH_DONE;
		if (res)
			*res = r;
	} else {
		/* one failure ends the exchange; no token goes back */
		a->state = AUTH_FAILED;
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	OPENSSL_cleanse(&r, sizeof(r));
	return st;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * auth.h - SESSION_SETUP authentication: SPNEGO (RFC 4178, MS-SPNG) around
 * NTLMSSP (MS-NLMP), with the mechanism dispatch ready for Kerberos.
 */
#ifndef DITTOFSD_AUTH_H
#define DITTOFSD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct dfs_user;

struct dfs_auth_cfg {
	/* account lookup (store/userdb.c in dittofsd): 0, -ENOENT, -errno */
	int (*lookup)(void *arg, const char *name, struct dfs_user *out);
	void *lookup_arg;
	const char *netbios_name;	/* server NetBIOS name (upper case) */
	const char *workgroup;		/* NetBIOS domain */
	const char *dns_name;		/* DNS host name */
	bool map_bad_user_to_guest;	/* "map to guest = bad user" */
	uid_t guest_uid;
	gid_t guest_gid;
};

struct dfs_auth_result {
	bool anonymous;			/* NULL session: no key, no signing */
	bool guest;			/* mapped to guest: no key */
	char user[128];			/* UTF-8 */
	char domain[128];
	uid_t uid;
	gid_t gid;
	uint8_t session_key[16];	/* ExportedSessionKey, if have_key */
	bool have_key;
};

struct dfs_auth;

/* A mechanism state for one session setup exchange. NULL on ENOMEM. */
struct dfs_auth *dfs_auth_new(const struct dfs_auth_cfg *cfg);
void dfs_auth_free(struct dfs_auth *a);

/*
 * Process one SESSION_SETUP security buffer (SPNEGO NegTokenInit or
 * NegTokenResp, or a raw NTLMSSP message). Returns an NTSTATUS:
 *  STATUS_MORE_PROCESSING_REQUIRED, with *out and *outlen the token to send;
 *  STATUS_SUCCESS, with *res filled and *out the final token (may be empty);
 *  STATUS_LOGON_FAILURE for a wrong password or unknown user;
 *  STATUS_INVALID_PARAMETER for a malformed token;
 *  STATUS_NOT_SUPPORTED when no offered mechanism is supported.
 * *out is malloc'd (or NULL); the caller frees it.
 */
uint32_t dfs_auth_step(struct dfs_auth *a, const uint8_t *in, size_t inlen,
		       uint8_t **out, size_t *outlen,
		       struct dfs_auth_result *res);

/*
 * The SPNEGO NegTokenInit2 the server puts in its NEGOTIATE response
 * (mechTypes: NTLMSSP, plus "not_defined_in_RFC4178@please_ignore" hint).
 * malloc'd; 0 or -errno.
 */
int dfs_spnego_negotiate_token(uint8_t **out, size_t *outlen);

/* NT hash of a UTF-8 password: MD4 of its UTF-16LE form. 0 or -errno. */
int dfs_nt_hash(const char *password, uint8_t out[16]);

#endif /* DITTOFSD_AUTH_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntlmssp.h - the NTLMSSP server (MS-NLMP): NEGOTIATE -> CHALLENGE,
 * AUTHENTICATE -> NTLMv2 verification, session key, NTLM signing for the
 * SPNEGO mechListMIC. The crypto helpers are exported for the unit tests
 * (and for a test client that has to compute the same things).
 */
#ifndef DITTOFSD_NTLMSSP_H
#define DITTOFSD_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto_ops.h"

#include "userd/auth/auth.h"

/* NegotiateFlags (MS-NLMP 2.2.2.5) */
#define NTLMSSP_NEGOTIATE_UNICODE		0x00000001u
#define NTLMSSP_NEGOTIATE_OEM			0x00000002u
#define NTLMSSP_REQUEST_TARGET			0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN			0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL			0x00000020u
#define NTLMSSP_NEGOTIATE_LM_KEY		0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM			0x00000200u
#define NTLMSSP_ANONYMOUS			0x00000800u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN		0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN		0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER		0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO		0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION		0x02000000u
#define NTLMSSP_NEGOTIATE_128			0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH		0x40000000u
#define NTLMSSP_NEGOTIATE_56			0x80000000u

/* MessageType */
#define NTLMSSP_NEGOTIATE	1u
#define NTLMSSP_CHALLENGE	2u
#define NTLMSSP_AUTH		3u

/* AV_PAIR ids (MS-NLMP 2.2.2.1) */
#define MSV_AV_EOL		0
#define MSV_AV_NB_COMPUTER	1
#define MSV_AV_NB_DOMAIN	2
#define MSV_AV_DNS_COMPUTER	3
#define MSV_AV_DNS_DOMAIN	4
#define MSV_AV_FLAGS		6
#define MSV_AV_TIMESTAMP	7
#define MSV_AV_FLAG_MIC		0x00000002u

/* Fixed offsets in the messages (MS-NLMP 2.2.1) */
#define NTLMSSP_NEG_MIN		16	/* signature, type, flags */
#define NTLMSSP_CHAL_HDR	56
#define NTLMSSP_AUTH_MIN	64	/* up to NegotiateFlags */
#define NTLMSSP_AUTH_MIC_OFF	72	/* after the Version field */
#define NTLMSSP_AUTH_MIC_END	88
#define NTLMV2_BLOB_HDR		28	/* RespType .. Reserved3 */

extern const uint8_t dfs_ntlmssp_sig[8];	/* "NTLMSSP\0" */

/* A server exchange: one NEGOTIATE, then one AUTHENTICATE. */
struct dfs_ntlmssp;

struct dfs_ntlmssp *dfs_ntlmssp_new(const struct dfs_auth_cfg *cfg);
void dfs_ntlmssp_free(struct dfs_ntlmssp *n);

/*
 * Feed one NTLMSSP message; same statuses as dfs_auth_step(). *out is the
 * CHALLENGE after a NEGOTIATE, NULL after an AUTHENTICATE.
 */
uint32_t dfs_ntlmssp_step(struct dfs_ntlmssp *n, const uint8_t *in,
			  size_t inlen, uint8_t **out, size_t *outlen,
			  struct dfs_auth_result *res);

/* After a successful step with a key: can sign/verify a mechListMIC. */
bool dfs_ntlmssp_have_key(const struct dfs_ntlmssp *n);
/* The client's MIC over data, with its sequence number 0. 0 or -EBADMSG. */
int dfs_ntlmssp_verify_mic(struct dfs_ntlmssp *n, const uint8_t *data,
			   size_t len, const uint8_t *mic, size_t mic_len);
/* The server's MIC over data, with its sequence number 0. 0 or -EIO. */
int dfs_ntlmssp_sign_mic(struct dfs_ntlmssp *n, const uint8_t *data,
			 size_t len, uint8_t mic[16]);

/* --- crypto and string helpers (nthash.c, ntlmssp.c) --- */

/* struct dfs_iov is common/crypto_ops.h's: one scatter element type for all MACs */
/* 0 or -EIO (-ENOMEM). */
int dfs_md5(const struct dfs_iov *v, int n, uint8_t out[16]);
int dfs_hmac_md5(const uint8_t *key, size_t keylen, const struct dfs_iov *v,
		 int n, uint8_t out[16]);
/* RC4 of len bytes with a fresh key schedule (in == out is fine). */
int dfs_rc4(const uint8_t *key, size_t keylen, const uint8_t *in,
	    uint8_t *out, size_t len);

/* MD4 and RC4 live in OpenSSL's legacy provider; these load it once. */
struct evp_md_st;
struct evp_cipher_st;
struct evp_md_st *dfs_auth_fetch_md4(void);
struct evp_cipher_st *dfs_auth_fetch_rc4(void);

/*
 * UTF-8 -> UTF-16LE, malloc'd (*out is never NULL on success, even for
 * ""). Invalid UTF-8 is -EINVAL.
 */
int dfs_utf8_to_utf16le(const char *s, uint8_t **out, size_t *outlen);
/* UTF-16LE -> NUL-terminated UTF-8 in out[cap]. -EINVAL, -ENAMETOOLONG. */
int dfs_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * NTOWFv2 = HMAC_MD5(NT hash, UPPER(user) || domain), both UTF-16LE as
 * on the wire (the user name is upper-cased here).
 */
int dfs_ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16,
		     size_t user_len, const uint8_t *dom16, size_t dom_len,
		     uint8_t out[16]);
/* NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || blob). */
int dfs_ntlm_proof(const uint8_t ntowfv2[16], const uint8_t chal[8],
		   const uint8_t *blob, size_t blob_len, uint8_t out[16]);
/* SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr). */
int dfs_ntlm_session_base_key(const uint8_t ntowfv2[16],
			      const uint8_t proof[16], uint8_t out[16]);
/*
 * SIGNKEY/SEALKEY (MS-NLMP 3.4.5.2/3.4.5.3) with ESS: the 56/40-bit cut
 * applies to the MD5 input, so the RC4 key is always 16 bytes.
 */
int dfs_ntlm_sign_key(const uint8_t key[16], bool client, uint8_t out[16]);
int dfs_ntlm_seal_key(const uint8_t key[16], uint32_t flags, bool client,
		      uint8_t out[16]);
/*
 * NTLMSSP_MESSAGE_SIGNATURE with ESS (MS-NLMP 3.4.4.2) using a fresh RC4
 * seal handle: version 1 || checksum || seqnum.
 */
int dfs_ntlm_signature(const uint8_t sign_key[16],
		       const uint8_t seal_key[16], bool key_exch,
		       uint32_t seqnum, const uint8_t *data, size_t len,
		       uint8_t out[16]);

#endif /* DITTOFSD_NTLMSSP_H */

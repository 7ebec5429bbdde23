// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kdf.c - SMB3 key derivation (MS-SMB2 3.1.4.2): NIST SP800-108 in
 * counter mode with HMAC-SHA256 as the PRF, via OpenSSL's "KBKDF".
 *
 * OpenSSL's KBKDF feeds the PRF, for i = 1, 2, ...,
 *	[i]_32 || Label || 0x00 || Context || [L]_32
 * with i and L big-endian and L the output length in bits: the SP800-108
 * layout with r = 32 that MS-SMB2 asks for. The SMB3 labels carry their
 * own trailing NUL, so the separator byte comes after it, as on Windows.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "common/smb2_proto.h"
#include "userd/kdf.h"

int dfs_kdf(const uint8_t *key, size_t keylen, const uint8_t *label,
	    size_t labellen, const uint8_t *ctx, size_t ctxlen, uint8_t *out,
	    size_t outlen)
{
	OSSL_PARAM params[9], *p = params;
	int use_l = 1, use_sep = 1;
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int ok;

	if (!key || !keylen || !out || !outlen || (!label && labellen) ||
	    (!ctx && ctxlen))
		return -1;
	kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_KBKDF, NULL);
	if (!kdf)
		return -1;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!kctx)
		return -1;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE,
						"counter", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						 (void *)key, keylen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						 (void *)label, labellen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						 (void *)ctx, ctxlen);
	/* OpenSSL's defaults, spelled out because SMB3 depends on both */
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &use_l);
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR,
					&use_sep);
	*p = OSSL_PARAM_construct_end();

	ok = EVP_KDF_derive(kctx, out, outlen, params) > 0;
	EVP_KDF_CTX_free(kctx);
	if (!ok)
		OPENSSL_cleanse(out, outlen);
	return ok ? 0 : -1;
}

/* sizeof a string literal counts its NUL, which the SMB3 labels include */
#define DFS_LIT(s) ((const uint8_t *)(s)), sizeof(s)

/* SMB2 Session.SessionKey is always 16 bytes (MS-SMB2 3.2.1.3). */
static int dfs_kdf16(const uint8_t key[16], const uint8_t *label,
		     size_t labellen, const uint8_t *ctx, size_t ctxlen,
		     uint8_t *out, size_t outlen)
{
	return dfs_kdf(key, 16, label, labellen, ctx, ctxlen, out, outlen);
}

/* 3.0 and 3.0.2: fixed labels and contexts (MS-SMB2 3.3.5.5.3). */
static int dfs_derive_300(const uint8_t key[16], struct dfs_smb3_keys *k)
{
	return dfs_kdf16(key, DFS_LIT("SMB2AESCMAC"), DFS_LIT("SmbSign"),
			   k->signing, 16) ||
	       dfs_kdf16(key, DFS_LIT("SMB2APP"), DFS_LIT("SmbRpc"),
			   k->application, 16) ||
	       dfs_kdf16(key, DFS_LIT("SMB2AESCCM"), DFS_LIT("ServerOut"),
			   k->encryption, 16) ||
	       /* the client-to-server context really ends in a space */
	       dfs_kdf16(key, DFS_LIT("SMB2AESCCM"), DFS_LIT("ServerIn "),
			   k->decryption, 16);
}

/*
 * 3.1.1: the context is the session's preauth integrity hash. Signing and
 * application keys stay 128 bits; the cipher keys follow the cipher.
 */
static int dfs_derive_311(const uint8_t key[16], const uint8_t *preauth,
			  size_t enc_keylen, struct dfs_smb3_keys *k)
{
	const size_t h = 64;

	return dfs_kdf16(key, DFS_LIT("SMBSigningKey"), preauth, h,
			   k->signing, 16) ||
	       dfs_kdf16(key, DFS_LIT("SMBAppKey"), preauth, h,
			   k->application, 16) ||
	       dfs_kdf16(key, DFS_LIT("SMBS2CCipherKey"), preauth, h,
			   k->encryption, enc_keylen) ||
	       dfs_kdf16(key, DFS_LIT("SMBC2SCipherKey"), preauth, h,
			   k->decryption, enc_keylen);
}

int dfs_smb3_derive_keys(uint16_t dialect, const uint8_t session_key[16],
			 const uint8_t *preauth, size_t enc_keylen,
			 struct dfs_smb3_keys *out)
{
	int ret = -1;

	if (!session_key || !out)
		return -1;
	memset(out, 0, sizeof(*out));
	switch (dialect) {
	case SMB2_DIALECT_300:
	case SMB2_DIALECT_302:
		/* AES-256 ciphers exist only from 3.1.1 on */
		if (enc_keylen == 16)
			ret = dfs_derive_300(session_key, out);
		break;
	case SMB2_DIALECT_311:
		if (preauth && (enc_keylen == 16 || enc_keylen == 32))
			ret = dfs_derive_311(session_key, preauth, enc_keylen,
					     out);
		break;
	}
	if (ret) {
		OPENSSL_cleanse(out, sizeof(*out));
		return -1;
	}
	return 0;
}

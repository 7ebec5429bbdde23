// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto_openssl.c - common/'s crypto ops (struct dfs_crypto_ops) on
 * OpenSSL 3 EVP, for the user-mode data plane and for dittofsd itself.
 *
 * Keys are prepared once: a key handle holds an EVP context that already
 * carries the key schedule, and each message works on a duplicate of it.
 * Duplicating is a copy, so the AES key expansion is not redone per
 * message, and the prepared context is only ever read, which lets several
 * threads use one session key at the same time.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "userd/crypto_openssl.h"

/* EVP takes int lengths; feed larger buffers in pieces of this size. */
#define DFS_EVP_CHUNK (1u << 30)

#define DFS_TAG_SIZE 16
#define DFS_CCM_NONCE_SIZE 11
#define DFS_GCM_NONCE_SIZE 12

struct dfs_ossl_mac_key {
	int alg;
	EVP_MAC_CTX *mac;	/* HMAC-SHA256 and AES-CMAC, keyed */
	EVP_CIPHER_CTX *gcm;	/* AES-GMAC: AES-128-GCM, keyed, no IV */
};

struct dfs_ossl_aead_key {
	int alg;
	bool ccm;
	EVP_CIPHER_CTX *enc;	/* keyed for encryption */
	EVP_CIPHER_CTX *dec;	/* keyed for decryption */
};

/* ---- SHA-512 ---------------------------------------------------------- */

static int ossl_sha512(const struct dfs_iov *iov, int niov, u8 out[64])
{
	EVP_MD_CTX *ctx;
	unsigned int outlen = 0;
	int i, ok;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha512(), NULL);
	for (i = 0; ok && i < niov; i++)
		if (iov[i].len)
			ok = EVP_DigestUpdate(ctx, iov[i].base, iov[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &outlen);
	EVP_MD_CTX_free(ctx);
	return ok && outlen == 64 ? 0 : -EINVAL;
}

/* ---- MACs ------------------------------------------------------------- */

static EVP_MAC_CTX *ossl_mac_prepare(const char *name, const char *pname,
				     const char *pval, const u8 *key,
				     size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	EVP_MAC *mac;

	mac = EVP_MAC_fetch(NULL, name, NULL);
	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	/* the context holds its own reference to the algorithm */
	EVP_MAC_free(mac);
	if (!ctx)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(pname, (char *)pval, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, key, keylen, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_CIPHER_CTX *ossl_gmac_prepare(const u8 *key, size_t keylen)
{
	EVP_CIPHER_CTX *ctx;

	if (keylen != 16)
		return NULL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	if (!EVP_EncryptInit_ex2(ctx, EVP_aes_128_gcm(), key, NULL, NULL)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void ossl_mac_key_free(void *key)
{
	struct dfs_ossl_mac_key *k = key;

	if (!k)
		return;
	EVP_MAC_CTX_free(k->mac);
	EVP_CIPHER_CTX_free(k->gcm);
	free(k);
}

static void *ossl_mac_key_new(int alg, const u8 *key, size_t keylen)
{
	struct dfs_ossl_mac_key *k;

	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->alg = alg;
	switch (alg) {
	case DFS_MAC_HMAC_SHA256:
		k->mac = ossl_mac_prepare("HMAC", OSSL_MAC_PARAM_DIGEST,
					  "SHA256", key, keylen);
		break;
	case DFS_MAC_AES_CMAC:
		/* SMB3 signing keys are always 128 bits (MS-SMB2 3.1.4.2) */
		if (keylen == 16)
			k->mac = ossl_mac_prepare("CMAC", OSSL_MAC_PARAM_CIPHER,
						  "AES-128-CBC", key, keylen);
		break;
	case DFS_MAC_AES_GMAC:
		k->gcm = ossl_gmac_prepare(key, keylen);
		break;
	}
	if (!k->mac && !k->gcm) {
		ossl_mac_key_free(k);
		return NULL;
	}
	return k;
}

static int ossl_mac_update(EVP_MAC_CTX *ctx, const struct dfs_iov *iov,
			   int niov)
{
	int i;

	for (i = 0; i < niov; i++)
		if (iov[i].len && !EVP_MAC_update(ctx, iov[i].base, iov[i].len))
			return 0;
	return 1;
}

static int ossl_hmac_cmac(struct dfs_ossl_mac_key *k,
			  const struct dfs_iov *iov, int niov, u8 tag[16])
{
	u8 full[EVP_MAX_MD_SIZE];
	size_t outlen = 0;
	EVP_MAC_CTX *ctx;
	int ok;

	ctx = EVP_MAC_CTX_dup(k->mac);
	if (!ctx)
		return -ENOMEM;
	ok = ossl_mac_update(ctx, iov, niov) &&
	     EVP_MAC_final(ctx, full, &outlen, sizeof(full));
	EVP_MAC_CTX_free(ctx);
	/* HMAC-SHA256 gives 32 bytes; SMB2 keeps the first 16 */
	if (!ok || outlen < DFS_TAG_SIZE)
		return -EINVAL;
	memcpy(tag, full, DFS_TAG_SIZE);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

/* Feed len bytes of GCM/CCM associated data (out == NULL) or payload. */
static int ossl_cipher_update(EVP_CIPHER_CTX *ctx, u8 *out, const u8 *in,
			      size_t len)
{
	while (len) {
		int chunk = (int)(len < DFS_EVP_CHUNK ? len : DFS_EVP_CHUNK);
		int outl;

		if (!EVP_CipherUpdate(ctx, out, &outl, in, chunk))
			return 0;
		in += chunk;
		if (out)
			out += chunk;
		len -= (size_t)chunk;
	}
	return 1;
}

/* AES-GMAC (RFC 4543): AES-GCM with the whole message as AAD, no payload. */
static int ossl_gmac(struct dfs_ossl_mac_key *k, const u8 *nonce12,
		     const struct dfs_iov *iov, int niov, u8 tag[16])
{
	EVP_CIPHER_CTX *ctx;
	int ok, outl, i;

	if (!nonce12)
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_CIPHER_CTX_copy(ctx, k->gcm) &&
	     EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce12, NULL);
	for (i = 0; ok && i < niov; i++)
		ok = ossl_cipher_update(ctx, NULL, iov[i].base, iov[i].len);
	ok = ok && EVP_EncryptFinal_ex(ctx, NULL, &outl) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, DFS_TAG_SIZE,
				 tag) > 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

static int ossl_mac(void *key, const u8 *nonce12, const struct dfs_iov *iov,
		    int niov, u8 tag[16])
{
	struct dfs_ossl_mac_key *k = key;

	if (!k || niov < 0)
		return -EINVAL;
	if (k->alg == DFS_MAC_AES_GMAC)
		return ossl_gmac(k, nonce12, iov, niov, tag);
	return ossl_hmac_cmac(k, iov, niov, tag);
}

/* ---- AEAD ------------------------------------------------------------- */

static const EVP_CIPHER *ossl_aead_cipher(int alg, size_t keylen)
{
	switch (alg) {
	case DFS_AEAD_AES128_CCM:
		return keylen == 16 ? EVP_aes_128_ccm() : NULL;
	case DFS_AEAD_AES128_GCM:
		return keylen == 16 ? EVP_aes_128_gcm() : NULL;
	case DFS_AEAD_AES256_CCM:
		return keylen == 32 ? EVP_aes_256_ccm() : NULL;
	case DFS_AEAD_AES256_GCM:
		return keylen == 32 ? EVP_aes_256_gcm() : NULL;
	}
	return NULL;
}

/*
 * CCM fixes its nonce and tag sizes into the key setup (they select the
 * flags byte of every block), so they are set before the key; GCM keeps
 * the default 12-byte IV and takes the tag size at the end.
 */
static EVP_CIPHER_CTX *ossl_aead_prepare(const EVP_CIPHER *cipher, bool ccm,
					 const u8 *key, int enc)
{
	EVP_CIPHER_CTX *ctx;
	int ok;

	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	ok = EVP_CipherInit_ex2(ctx, cipher, NULL, NULL, enc, NULL);
	if (ok && ccm)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
					 DFS_CCM_NONCE_SIZE, NULL) > 0 &&
		     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 DFS_TAG_SIZE, NULL) > 0;
	ok = ok && EVP_CipherInit_ex2(ctx, NULL, key, NULL, enc, NULL);
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static void ossl_aead_key_free(void *key)
{
	struct dfs_ossl_aead_key *k = key;

	if (!k)
		return;
	EVP_CIPHER_CTX_free(k->enc);
	EVP_CIPHER_CTX_free(k->dec);
	free(k);
}

static void *ossl_aead_key_new(int alg, const u8 *key, size_t keylen)
{
	const EVP_CIPHER *cipher = ossl_aead_cipher(alg, keylen);
	struct dfs_ossl_aead_key *k;

	if (!cipher)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->alg = alg;
	k->ccm = alg == DFS_AEAD_AES128_CCM || alg == DFS_AEAD_AES256_CCM;
	k->enc = ossl_aead_prepare(cipher, k->ccm, key, 1);
	k->dec = ossl_aead_prepare(cipher, k->ccm, key, 0);
	if (!k->enc || !k->dec) {
		ossl_aead_key_free(k);
		return NULL;
	}
	return k;
}

/*
 * A per-message copy of the prepared context with the nonce in place.
 * CCM also needs the payload length before any associated data, and on
 * decryption the expected tag before the payload.
 */
static EVP_CIPHER_CTX *ossl_aead_start(const struct dfs_ossl_aead_key *k,
				       int enc, const u8 *nonce,
				       size_t noncelen, size_t len,
				       const u8 *tag)
{
	size_t want = k->ccm ? DFS_CCM_NONCE_SIZE : DFS_GCM_NONCE_SIZE;
	EVP_CIPHER_CTX *ctx;
	int ok, outl;

	/* SMB2 never encrypts an empty message; CCM could not take one */
	if (noncelen != want || !len || len > INT_MAX || !nonce ||
	    (!enc && k->ccm && !tag))
		return NULL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return NULL;
	ok = EVP_CIPHER_CTX_copy(ctx, enc ? k->enc : k->dec);
	if (ok && k->ccm && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 DFS_TAG_SIZE, (void *)tag) > 0;
	ok = ok && EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL);
	if (ok && k->ccm)
		ok = EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len);
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int ossl_aead_encrypt(void *key, const u8 *nonce, size_t noncelen,
			     const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			     u8 tag[16])
{
	struct dfs_ossl_aead_key *k = key;
	EVP_CIPHER_CTX *ctx;
	int ok, outl;

	if (!k)
		return -EINVAL;
	ctx = ossl_aead_start(k, 1, nonce, noncelen, len, NULL);
	if (!ctx)
		return -EINVAL;
	ok = ossl_cipher_update(ctx, NULL, aad, aadlen) &&
	     ossl_cipher_update(ctx, buf, buf, len) &&
	     EVP_CipherFinal_ex(ctx, buf + len, &outl) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, DFS_TAG_SIZE,
				 tag) > 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EINVAL;
}

static int ossl_aead_decrypt(void *key, const u8 *nonce, size_t noncelen,
			     const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			     const u8 tag[16])
{
	struct dfs_ossl_aead_key *k = key;
	EVP_CIPHER_CTX *ctx;
	int ok, outl;

	if (!k)
		return -EINVAL;
	ctx = ossl_aead_start(k, 0, nonce, noncelen, len, tag);
	if (!ctx)
		return -EINVAL;
	ok = ossl_cipher_update(ctx, NULL, aad, aadlen);
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return -EINVAL;
	}
	/* CCM checks the tag inside the (single) payload update */
	ok = ossl_cipher_update(ctx, buf, buf, len);
	if (ok && !k->ccm)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 DFS_TAG_SIZE, (void *)tag) > 0 &&
		     EVP_CipherFinal_ex(ctx, buf + len, &outl) > 0;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		/* never hand unauthenticated plaintext to a parser */
		OPENSSL_cleanse(buf, len);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Piecewise GCM decryption: the state is the per-message context itself.
 * The length is not known to OpenSSL up front, which only GCM allows.
 */
static void *ossl_aead_dec_begin(void *key, const u8 *nonce, size_t noncelen,
				 const u8 *aad, size_t aadlen)
{
	struct dfs_ossl_aead_key *k = key;
	EVP_CIPHER_CTX *ctx;

	if (!k || k->ccm)
		return NULL;
	/* GCM takes the tag at the end and does not need the length */
	ctx = ossl_aead_start(k, 0, nonce, noncelen, 1, NULL);
	if (!ctx)
		return NULL;
	if (!ossl_cipher_update(ctx, NULL, aad, aadlen)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int ossl_aead_dec_update(void *st, u8 *buf, size_t len)
{
	return ossl_cipher_update(st, buf, buf, len) ? 0 : -EINVAL;
}

static int ossl_aead_dec_end(void *st, const u8 tag[16])
{
	EVP_CIPHER_CTX *ctx = st;
	u8 none[16];
	int ok, outl;

	ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, DFS_TAG_SIZE,
				 (void *)tag) > 0 &&
	     EVP_CipherFinal_ex(ctx, none, &outl) > 0;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EBADMSG;
}

static void ossl_aead_dec_abort(void *st)
{
	EVP_CIPHER_CTX_free(st);
}

const struct dfs_crypto_ops dfs_openssl_crypto_ops = {
	.sha512 = ossl_sha512,
	.mac_key_new = ossl_mac_key_new,
	.mac_key_free = ossl_mac_key_free,
	.mac = ossl_mac,
	.aead_key_new = ossl_aead_key_new,
	.aead_key_free = ossl_aead_key_free,
	.aead_encrypt = ossl_aead_encrypt,
	.aead_decrypt = ossl_aead_decrypt,
	.aead_dec_begin = ossl_aead_dec_begin,
	.aead_dec_update = ossl_aead_dec_update,
	.aead_dec_end = ossl_aead_dec_end,
	.aead_dec_abort = ossl_aead_dec_abort,
};

/* ---- process-wide setup ----------------------------------------------- */

static OSSL_PROVIDER *dfs_prov_default;
static OSSL_PROVIDER *dfs_prov_legacy;

/*
 * Loading any provider explicitly stops OpenSSL from loading "default"
 * on its own, so both are loaded here. Only NTLM needs "legacy" (MD4,
 * RC4); without it Kerberos and the data plane still work.
 */
int dfs_crypto_init(void)
{
	if (!dfs_prov_default)
		dfs_prov_default = OSSL_PROVIDER_load(NULL, "default");
	if (!dfs_prov_default) {
		fprintf(stderr, "dittofs: no OpenSSL default provider\n");
		return -1;
	}
	if (!dfs_prov_legacy)
		dfs_prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	if (!dfs_prov_legacy)
		fprintf(stderr, "dittofs: no OpenSSL legacy provider: NTLM (MD4, RC4) will fail\n");
	return 0;
}

int dfs_random(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len) {
		int chunk = (int)(len < DFS_EVP_CHUNK ? len : DFS_EVP_CHUNK);

		if (RAND_bytes(p, chunk) != 1)
			return -1;
		p += chunk;
		len -= (size_t)chunk;
	}
	return 0;
}

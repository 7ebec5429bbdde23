// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nthash.c - the NT hash and the primitives under NTLM: MD4, MD5,
 * HMAC-MD5, RC4 (OpenSSL EVP), and the UTF-8 <-> UTF-16LE conversions
 * that decide which bytes get hashed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "userd/auth/auth.h"
#include "userd/auth/ntlmssp.h"
#include "userd/unicode.h"

static pthread_once_t legacy_once = PTHREAD_ONCE_INIT;
static EVP_MD *md4_md;
static EVP_CIPHER *rc4_cipher;

/*
 * MD4 and RC4 are only in the legacy provider. Loading a provider by hand
 * stops OpenSSL from loading "default" implicitly, so load both; the
 * providers and fetched algorithms live as long as the process.
 */
static void legacy_load(void)
{
	md4_md = EVP_MD_fetch(NULL, "MD4", NULL);
	rc4_cipher = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	if (md4_md && rc4_cipher)
		return;
	if (!OSSL_PROVIDER_load(NULL, "legacy"))
		return;
	OSSL_PROVIDER_load(NULL, "default");
	if (!md4_md)
		md4_md = EVP_MD_fetch(NULL, "MD4", NULL);
	if (!rc4_cipher)
		rc4_cipher = EVP_CIPHER_fetch(NULL, "RC4", NULL);
}

/* Shared, never freed: do not EVP_MD_free() the result. */
EVP_MD *dfs_auth_fetch_md4(void)
{
	pthread_once(&legacy_once, legacy_load);
	return md4_md;
}

EVP_CIPHER *dfs_auth_fetch_rc4(void)
{
	pthread_once(&legacy_once, legacy_load);
	return rc4_cipher;
}

static int digest_iov(const EVP_MD *md, const struct dfs_iov *v, int n,
		      uint8_t *out)
{
	EVP_MD_CTX *ctx;
	int i, ok;

	if (!md)
		return -EIO;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, v[i].base, v[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int dfs_md5(const struct dfs_iov *v, int n, uint8_t out[16])
{
	return digest_iov(EVP_md5(), v, n, out);
}

int dfs_hmac_md5(const uint8_t *key, size_t keylen, const struct dfs_iov *v,
		 int n, uint8_t out[16])
{
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	size_t outl = 0;
	int i, ok = 0;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac)
		ctx = EVP_MAC_CTX_new(mac);
	if (ctx) {
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0);
		params[1] = OSSL_PARAM_construct_end();
		ok = EVP_MAC_init(ctx, key, keylen, params);
		for (i = 0; ok && i < n; i++)
			ok = EVP_MAC_update(ctx, v[i].base, v[i].len);
		if (ok)
			ok = EVP_MAC_final(ctx, out, &outl, 16) && outl == 16;
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : -EIO;
}

int dfs_rc4(const uint8_t *key, size_t keylen, const uint8_t *in,
	    uint8_t *out, size_t len)
{
	EVP_CIPHER *rc4 = dfs_auth_fetch_rc4();
	EVP_CIPHER_CTX *ctx;
	int outl, ok;

	if (!rc4 || keylen == 0 || keylen > 256 || len > INT32_MAX)
		return -EIO;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* key length first: the 40- and 56-bit seal keys are not 16 bytes */
	ok = EVP_EncryptInit_ex2(ctx, rc4, NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_key_length(ctx, (int)keylen) &&
	     EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL) &&
	     EVP_EncryptUpdate(ctx, out, &outl, in, (int)len) &&
	     (size_t)outl == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/*
 * The auth code's string conversions are userd/unicode.c's strict ones
 * (one encoding per string: no overlongs, surrogates or NULs), in the
 * shapes the NTLMSSP code wants.
 */
int dfs_utf8_to_utf16le(const char *str, uint8_t **out, size_t *outlen)
{
	/* never more UTF-16 units than UTF-8 bytes */
	size_t cap = 2 * strlen(str) + 2;
	uint8_t *buf = malloc(cap);
	long n;

	if (!buf)
		return -ENOMEM;
	n = dfs_utf8_to_utf16(str, buf, cap);
	if (n < 0) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*outlen = (size_t)n;
	return 0;
}

int dfs_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t cap)
{
	return dfs_utf16_to_utf8(in, len, out, cap) < 0 ? -EINVAL : 0;
}

int dfs_nt_hash(const char *password, uint8_t out[16])
{
	struct dfs_iov v;
	uint8_t *wide;
	size_t len;
	int ret;

	ret = dfs_utf8_to_utf16le(password, &wide, &len);
	if (ret)
		return ret;
	v.base = wide;
	v.len = len;
	ret = digest_iov(dfs_auth_fetch_md4(), &v, 1, out);
	OPENSSL_cleanse(wide, len);
	free(wide);
	return ret;
}

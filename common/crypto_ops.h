/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * crypto_ops.h - the crypto primitives common/ needs, as an ops table.
 *
 * dittofsd fills it from OpenSSL EVP (userd/crypto_openssl.c), dittofs.ko
 * from the kernel crypto API. Keys are prepared once per session key
 * ("key_new") and reused per message, so neither side allocates a
 * transform on the hot path.
 */
#ifndef DITTOFS_CRYPTO_OPS_H
#define DITTOFS_CRYPTO_OPS_H

#include "compat.h"

/* MAC algorithms, numbered as SIGNING_CAPABILITIES ids (MS-SMB2 2.2.3.1.7) */
enum dfs_mac_alg {
	DFS_MAC_HMAC_SHA256 = 0,
	DFS_MAC_AES_CMAC = 1,
	DFS_MAC_AES_GMAC = 2,
};

/* AEAD ciphers, numbered as ENCRYPTION_CAPABILITIES ids (2.2.3.1.2) */
enum dfs_aead_alg {
	DFS_AEAD_AES128_CCM = 1,
	DFS_AEAD_AES128_GCM = 2,
	DFS_AEAD_AES256_CCM = 3,
	DFS_AEAD_AES256_GCM = 4,
};

/* A scatter list element: MACs are computed over several pieces without copying. */
struct dfs_iov {
	const u8 *base;
	size_t len;
};

struct dfs_crypto_ops {
	/* SHA-512 over the concatenation of iov[0..niov). 0 or -errno. */
	int (*sha512)(const struct dfs_iov *iov, int niov, u8 out[64]);

	/* Prepare a MAC key (alg = enum dfs_mac_alg). NULL on failure. */
	void *(*mac_key_new)(int alg, const u8 *key, size_t keylen);
	void (*mac_key_free)(void *key);
	/*
	 * MAC over iov. HMAC-SHA256 is truncated to 16 bytes; CMAC is 16
	 * bytes; GMAC uses the 12-byte nonce (ignored by the others).
	 */
	int (*mac)(void *key, const u8 *nonce12, const struct dfs_iov *iov,
		   int niov, u8 tag[16]);

	/* Prepare an AEAD key (alg = enum dfs_aead_alg). NULL on failure. */
	void *(*aead_key_new)(int alg, const u8 *key, size_t keylen);
	void (*aead_key_free)(void *key);
	/* In-place AEAD; nonce is 11 bytes for CCM, 12 for GCM. 0 or -errno. */
	int (*aead_encrypt)(void *key, const u8 *nonce, size_t noncelen,
			    const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			    u8 tag[16]);
	/* Returns -EBADMSG when the tag does not authenticate. */
	int (*aead_decrypt)(void *key, const u8 *nonce, size_t noncelen,
			    const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			    const u8 tag[16]);

	/*
	 * Optional (NULL when not offered; GCM only, as CCM needs the whole
	 * message at once): decrypt one message in place piece by piece as
	 * it arrives, so that the work overlaps reception. dec_begin returns
	 * the message's state or NULL; dec_update takes any number of bytes;
	 * dec_end checks the tag (-EBADMSG) and frees the state, dec_abort
	 * frees it unchecked. No plaintext may be used before dec_end
	 * returned 0.
	 */
	void *(*aead_dec_begin)(void *key, const u8 *nonce, size_t noncelen,
				const u8 *aad, size_t aadlen);
	int (*aead_dec_update)(void *st, u8 *buf, size_t len);
	int (*aead_dec_end)(void *st, const u8 tag[16]);
	void (*aead_dec_abort)(void *st);
};

#endif /* DITTOFS_CRYPTO_OPS_H */

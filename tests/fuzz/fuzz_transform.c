// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_transform.c - the SMB2 TRANSFORM_HEADER alone, with the real
 * (OpenSSL) AEAD ciphers and a fixed key: dfs_transform_decrypt() on the
 * fuzzer's bytes as they are, or an encrypt/decrypt round trip of the
 * fuzzer's plaintext with one byte of the result flipped.
 *
 * fuzz_frame gets inside encrypted frames with a fake cipher that accepts
 * a zero tag; this target is the one that runs the header checks against
 * the real CCM/GCM code, where every size and offset reaches OpenSSL.
 *
 * Input: byte 0 bits 0-1 pick the cipher (AES-128-CCM, -128-GCM, -256-CCM,
 * -256-GCM). Bit 7 clear: the rest is a transform message, decrypted in a
 * buffer of exactly its size. Bit 7 set: byte 1 and 2 say where to flip a
 * byte (bit 6 of byte 0 clear: no flip), the rest is the plaintext, which
 * is encrypted for session 0x1122334455667788 and decrypted again: without
 * a flip it must come back unchanged (or be refused as too short for an
 * SMB2 header), with one it must be refused.
 */
#include "tests/fuzz/fuzz_common.h"
#include "common/transform.h"

#define FT_SESSION 0x1122334455667788ull

static void *ft_key(int alg)
{
	static void *keys[5];
	u8 raw[32];

	if (!keys[alg]) {
		if (dfs_crypto_init())
			abort();
		memset(raw, 0xA5, sizeof(raw));
		keys[alg] = dfs_openssl_crypto_ops.aead_key_new(alg, raw,
							dfs_cipher_key_len(alg));
		if (!keys[alg])
			abort();
	}
	return keys[alg];
}

/* Decrypt len bytes as they came; a success must point inside them. */
static void ft_as_is(const struct dfs_cipher_key *k, const u8 *d, size_t len)
{
	u8 *buf = malloc(len ? len : 1), *msg = NULL;
	u32 mlen = 0;

	if (!buf)
		abort();
	memcpy(buf, d, len);
	if (dfs_transform_decrypt(&dfs_openssl_crypto_ops, k, buf, (u32)len,
				  &msg, &mlen) == 0 &&
	    (msg != buf + SMB2_TRANSFORM_HDR_SIZE ||
	     mlen != len - SMB2_TRANSFORM_HDR_SIZE))
		abort();
	free(buf);
}

static void ft_round_trip(const struct dfs_cipher_key *k, bool flip,
			  size_t where, const u8 *plain, size_t plen)
{
	struct dfs_nonce_gen ng = { .counter = where, .salt = { 1, 2, 3, 4 } };
	size_t len = SMB2_TRANSFORM_HDR_SIZE + plen;
	u8 *buf = malloc(len), *msg = NULL;
	u32 mlen = 0;
	int ret;

	if (!buf)
		abort();
	memcpy(buf + SMB2_TRANSFORM_HDR_SIZE, plain, plen);
	ret = dfs_transform_encrypt(&dfs_openssl_crypto_ops, k, &ng, FT_SESSION,
				    buf, (u32)plen);
	/* SMB2 never encrypts an empty message, and the ciphers refuse one */
	if (ret ? plen != 0 : plen == 0)
		abort();
	if (ret) {
		free(buf);
		return;
	}
	if (dfs_transform_session(buf) != FT_SESSION)
		abort();
	if (flip)
		buf[where % len] ^= 0x01;
	ret = dfs_transform_decrypt(&dfs_openssl_crypto_ops, k, buf, (u32)len,
				    &msg, &mlen);
	if (flip && ret == 0)
		abort();	/* a changed byte went unnoticed */
	if (!flip && plen < SMB2_HDR_SIZE && ret != -EPROTO)
		abort();
	if (!flip && plen >= SMB2_HDR_SIZE &&
	    (ret || mlen != plen || memcmp(msg, plain, plen)))
		abort();
	free(buf);
}

int dfs_fuzz_transform(const uint8_t *data, size_t size)
{
	struct dfs_cipher_key k;

	if (size < 1)
		return 0;
	k.alg = 1 + (data[0] & 3);
	k.key = ft_key(k.alg);
	if (!(data[0] & 0x80)) {
		ft_as_is(&k, data + 1, size - 1);
		return 0;
	}
	if (size < 3)
		return 0;
	ft_round_trip(&k, data[0] & 0x40, (size_t)data[1] | (size_t)data[2] << 8,
		      data + 3, size - 3);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_transform(data, size);
}
#endif

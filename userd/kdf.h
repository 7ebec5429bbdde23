/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kdf.h - SMB3 key derivation: SP800-108 counter mode with HMAC-SHA256
 * (MS-SMB2 3.1.4.2), via OpenSSL's KBKDF.
 */
#ifndef DITTOFSD_KDF_H
#define DITTOFSD_KDF_H

#include <stddef.h>
#include <stdint.h>

/*
 * out = KDF(key, label, context), outlen bytes (L = outlen * 8). Label and
 * context are used as given (the SMB3 labels include their NUL). 0 or -1.
 */
int dfs_kdf(const uint8_t *key, size_t keylen, const uint8_t *label,
	    size_t labellen, const uint8_t *ctx, size_t ctxlen, uint8_t *out,
	    size_t outlen);

/*
 * The SMB 3.x session keys. preauth (64 bytes) is used for 3.1.1 and
 * ignored for 3.0/3.0.2. enc_keylen is 16 or 32 (AES-256 ciphers).
 */
struct dfs_smb3_keys {
	uint8_t signing[16];
	uint8_t application[16];
	uint8_t encryption[32];		/* server -> client ("ServerOut"/S2C) */
	uint8_t decryption[32];		/* client -> server ("ServerIn "/C2S) */
};

int dfs_smb3_derive_keys(uint16_t dialect, const uint8_t session_key[16],
			 const uint8_t *preauth, size_t enc_keylen,
			 struct dfs_smb3_keys *out);

#endif /* DITTOFSD_KDF_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crypto_openssl.h - common/'s crypto ops implemented with OpenSSL 3 EVP.
 */
#ifndef DITTOFSD_CRYPTO_OPENSSL_H
#define DITTOFSD_CRYPTO_OPENSSL_H

#include "common/crypto_ops.h"

extern const struct dfs_crypto_ops dfs_openssl_crypto_ops;

/* Load the default and legacy (MD4, RC4 for NTLM) providers. 0 or -1. */
int dfs_crypto_init(void);

/* Fill buf with cryptographically random bytes. 0 or -1. */
int dfs_random(void *buf, size_t len);

#endif /* DITTOFSD_CRYPTO_OPENSSL_H */

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * crypto.h - common/'s crypto ops (struct dfs_crypto_ops) on the kernel
 * crypto API.
 */
#ifndef DITTOFS_KMOD_CRYPTO_H
#define DITTOFS_KMOD_CRYPTO_H

#include "../common/crypto_ops.h"

extern const struct dfs_crypto_ops dfs_kcrypto_ops;

int dfs_crypto_init(void);
void dfs_crypto_exit(void);

/* Known-answer tests of the ops and of common/ on them; 0 or -errno. */
int dfs_crypto_selftest(void);

#endif /* DITTOFS_KMOD_CRYPTO_H */

/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * preauth.h - SMB 3.1.1 preauthentication integrity hash (MS-SMB2 3.3.5.4,
 * 3.3.5.5): H' = SHA-512(H || message), over the exact wire bytes.
 */
#ifndef DITTOFS_PREAUTH_H
#define DITTOFS_PREAUTH_H

#include "crypto_ops.h"

#define DFS_PREAUTH_HASH_SIZE 64

/* out = SHA-512(in || msg); out may equal in. 0 or -errno. */
int dfs_preauth_update(const struct dfs_crypto_ops *ops, const u8 *in,
		       const u8 *msg, size_t len, u8 *out);

#endif /* DITTOFS_PREAUTH_H */

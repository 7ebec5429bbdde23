// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * preauth.c - SMB 3.1.1 preauthentication integrity hash (MS-SMB2 3.3.5.4,
 * 3.3.5.5): each NEGOTIATE and SESSION_SETUP message, as it was on the
 * wire, is chained into H' = SHA-512(H || message).
 */
#include "preauth.h"

int dfs_preauth_update(const struct dfs_crypto_ops *ops, const u8 *in,
		       const u8 *msg, size_t len, u8 *out)
{
	struct dfs_iov iov[2];

	if (!ops || !in || !out || (!msg && len))
		return -EINVAL;
	/*
	 * Two pieces, no copy. out may alias in: the digest is written only
	 * after every input byte has been consumed.
	 */
	iov[0].base = in;
	iov[0].len = DFS_PREAUTH_HASH_SIZE;
	iov[1].base = msg;
	iov[1].len = len;
	return ops->sha512(iov, 2, out);
}

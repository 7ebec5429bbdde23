/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * signing.h - SMB2 message signing and verification (MS-SMB2 3.1.4.1).
 */
#ifndef DITTOFS_SIGNING_H
#define DITTOFS_SIGNING_H

#include "crypto_ops.h"

struct dfs_sign_key {
	int alg;	/* enum dfs_mac_alg, or -1 when no key is installed */
	void *key;	/* from ops->mac_key_new */
};

/*
 * Sign one PDU in place: pdu points at its SMB2 header, len covers the
 * header, body and any compound padding (up to NextCommand). Sets
 * SMB2_FLAGS_SIGNED and writes the 16-byte signature. 0 or -errno.
 */
int dfs_sign_pdu(const struct dfs_crypto_ops *ops,
		 const struct dfs_sign_key *k, u8 *pdu, size_t len);

/*
 * Verify one PDU's signature without changing it (the signature field is
 * treated as zero while computing). true when it matches.
 */
bool dfs_verify_pdu(const struct dfs_crypto_ops *ops,
		    const struct dfs_sign_key *k, const u8 *pdu, size_t len);

/* The 12-byte AES-GMAC nonce for a PDU (MessageId, role and CANCEL bits). */
void dfs_gmac_nonce(const u8 *pdu, u8 nonce[12]);

#endif /* DITTOFS_SIGNING_H */

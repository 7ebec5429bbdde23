// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * signing.c - SMB2 message signing and verification (MS-SMB2 3.1.4.1,
 * 3.1.5.1).
 *
 * The signature covers the whole PDU (header, body and any compound
 * padding) with the 16-byte Signature field taken as zero. Rather than
 * copy the PDU or write zeros into it (verification must not change the
 * buffer, and a received buffer may be shared), the MAC runs over three
 * pieces: header bytes 0..47, sixteen zero bytes, and the rest.
 */
#include "signing.h"
#include "smb2_proto.h"

/* Stands in for the Signature field while the MAC is computed. */
static const u8 dfs_zero_sig[SMB2_SIG_SIZE];

/*
 * AES-GMAC nonce (MS-SMB2 3.1.4.1): MessageId, then a 32-bit little-endian
 * word whose bit 0 says the sender is the server and bit 1 that the
 * message is a CANCEL request; the other 30 bits are zero. The sender's
 * role is read from SMB2_FLAGS_SERVER_TO_REDIR so that both sides derive
 * the same nonce from the same bytes.
 */
void dfs_gmac_nonce(const u8 *pdu, u8 nonce[12])
{
	u32 flags = dfs_get_le32(pdu + SMB2_HDR_FLAGS);
	u16 cmd = dfs_get_le16(pdu + SMB2_HDR_COMMAND);
	u32 word = 0;

	if (flags & SMB2_FLAGS_SERVER_TO_REDIR)
		word |= 1u << 0;
	if (cmd == SMB2_CANCEL)
		word |= 1u << 1;
	memcpy(nonce, pdu + SMB2_HDR_MESSAGE_ID, 8);
	dfs_put_le32(nonce + 8, word);
}

static bool dfs_sign_key_ok(const struct dfs_sign_key *k)
{
	return k && k->key && (k->alg == DFS_MAC_HMAC_SHA256 ||
			       k->alg == DFS_MAC_AES_CMAC ||
			       k->alg == DFS_MAC_AES_GMAC);
}

/* The 16-byte signature of pdu[0..len) with the Signature field as zero. */
static int dfs_pdu_mac(const struct dfs_crypto_ops *ops,
		       const struct dfs_sign_key *k, const u8 *pdu, size_t len,
		       u8 sig[SMB2_SIG_SIZE])
{
	struct dfs_iov iov[3];
	u8 nonce[12];
	const u8 *np = NULL;

	if (!ops || !pdu || len < SMB2_HDR_SIZE || !dfs_sign_key_ok(k))
		return -EINVAL;

	iov[0].base = pdu;
	iov[0].len = SMB2_SIG_OFFSET;
	iov[1].base = dfs_zero_sig;
	iov[1].len = SMB2_SIG_SIZE;
	iov[2].base = pdu + SMB2_HDR_SIZE;
	iov[2].len = len - SMB2_HDR_SIZE;

	if (k->alg == DFS_MAC_AES_GMAC) {
		dfs_gmac_nonce(pdu, nonce);
		np = nonce;
	}
	return ops->mac(k->key, np, iov, 3, sig);
}

int dfs_sign_pdu(const struct dfs_crypto_ops *ops,
		 const struct dfs_sign_key *k, u8 *pdu, size_t len)
{
	u8 sig[SMB2_SIG_SIZE];
	int ret;

	if (!ops || !pdu || len < SMB2_HDR_SIZE || !dfs_sign_key_ok(k))
		return -EINVAL;
	/* the flag is covered by the signature, so it goes in first */
	dfs_put_le32(pdu + SMB2_HDR_FLAGS,
		     dfs_get_le32(pdu + SMB2_HDR_FLAGS) | SMB2_FLAGS_SIGNED);
	ret = dfs_pdu_mac(ops, k, pdu, len, sig);
	if (ret)
		return ret;
	memcpy(pdu + SMB2_SIG_OFFSET, sig, SMB2_SIG_SIZE);
	return 0;
}

bool dfs_verify_pdu(const struct dfs_crypto_ops *ops,
		    const struct dfs_sign_key *k, const u8 *pdu, size_t len)
{
	u8 sig[SMB2_SIG_SIZE];

	if (dfs_pdu_mac(ops, k, pdu, len, sig))
		return false;
	return dfs_ct_equal(sig, pdu + SMB2_SIG_OFFSET, SMB2_SIG_SIZE);
}

// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * transform.c - the SMB2_TRANSFORM_HEADER (MS-SMB2 2.2.41).
 */
#include "transform.h"
#include "smb2_proto.h"

/* Keep the counter far from wrap: the session ends long before reuse. */
#define DFS_NONCE_LIMIT (~0ull - 1)

u64 dfs_transform_session(const u8 *buf)
{
	return dfs_get_le64(buf + DFS_TF_SESSION_ID);
}

int dfs_transform_decrypt(const struct dfs_crypto_ops *ops,
			  const struct dfs_cipher_key *k, u8 *buf, u32 len,
			  u8 **msg, u32 *msg_len)
{
	u32 orig;
	size_t nlen;
	int ret;

	if (len < SMB2_TRANSFORM_HDR_SIZE + SMB2_HDR_SIZE ||
	    dfs_get_le32(buf) != SMB2_TRANSFORM_ID)
		return -EPROTO;
	orig = dfs_get_le32(buf + DFS_TF_ORIG_SIZE);
	/* the size must describe exactly what follows: no trailing bytes */
	if (orig != len - SMB2_TRANSFORM_HDR_SIZE ||
	    dfs_get_le16(buf + DFS_TF_FLAGS) != SMB2_TRANSFORM_FLAG_ENCRYPTED)
		return -EPROTO;
	if (!k || !k->alg || !k->key)
		return -EPROTO;
	nlen = dfs_cipher_nonce_len(k->alg);
	ret = ops->aead_decrypt(k->key, buf + DFS_TF_NONCE, nlen,
				buf + DFS_TF_AAD_OFFSET, DFS_TF_AAD_SIZE,
				buf + SMB2_TRANSFORM_HDR_SIZE, orig,
				buf + DFS_TF_SIGNATURE);
	if (ret)
		return -EBADMSG;
	*msg = buf + SMB2_TRANSFORM_HDR_SIZE;
	*msg_len = orig;
	return 0;
}

int dfs_transform_encrypt(const struct dfs_crypto_ops *ops,
			  const struct dfs_cipher_key *k, struct dfs_nonce_gen *ng,
			  u64 session_id, u8 *buf, u32 msg_len)
{
	size_t nlen = dfs_cipher_nonce_len(k->alg);

	if (ng->counter >= DFS_NONCE_LIMIT)
		return -ENOSPC;
	memset(buf, 0, SMB2_TRANSFORM_HDR_SIZE);
	dfs_put_le32(buf, SMB2_TRANSFORM_ID);
	/*
	 * Nonce = 64-bit message counter || per-session random salt. The
	 * counter alone guarantees uniqueness for this key; the salt only
	 * fills the remaining bytes (3 for CCM's 11, 4 for GCM's 12).
	 */
	dfs_put_le64(buf + DFS_TF_NONCE, ng->counter++);
	memcpy(buf + DFS_TF_NONCE + 8, ng->salt, nlen - 8);
	dfs_put_le32(buf + DFS_TF_ORIG_SIZE, msg_len);
	dfs_put_le16(buf + DFS_TF_FLAGS, SMB2_TRANSFORM_FLAG_ENCRYPTED);
	dfs_put_le64(buf + DFS_TF_SESSION_ID, session_id);
	return ops->aead_encrypt(k->key, buf + DFS_TF_NONCE, nlen,
				 buf + DFS_TF_AAD_OFFSET, DFS_TF_AAD_SIZE,
				 buf + SMB2_TRANSFORM_HDR_SIZE, msg_len,
				 buf + DFS_TF_SIGNATURE);
}

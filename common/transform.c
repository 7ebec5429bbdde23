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

/* The header of a len-byte transform message (at least its 52 bytes are in). */
static int header_ok(const struct dfs_cipher_key *k, const u8 *buf, u32 len)
{
	u32 orig;

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
	return 0;
}

int dfs_transform_decrypt(const struct dfs_crypto_ops *ops,
			  const struct dfs_cipher_key *k, u8 *buf, u32 len,
			  u8 **msg, u32 *msg_len)
{
	u32 orig = len - SMB2_TRANSFORM_HDR_SIZE;
	size_t nlen;
	int ret;

	ret = header_ok(k, buf, len);
	if (ret)
		return ret;
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

int dfs_transform_rx_begin(const struct dfs_crypto_ops *ops,
			   const struct dfs_cipher_key *k,
			   struct dfs_transform_rx *rx, const u8 *buf,
			   u32 have, u32 len)
{
	int ret;

	if (have < SMB2_TRANSFORM_HDR_SIZE || have > len)
		return -EINVAL;
	ret = header_ok(k, buf, len);
	if (ret)
		return ret;
	if (!ops->aead_dec_begin)
		return -EOPNOTSUPP;
	rx->st = ops->aead_dec_begin(k->key, buf + DFS_TF_NONCE,
				     dfs_cipher_nonce_len(k->alg),
				     buf + DFS_TF_AAD_OFFSET, DFS_TF_AAD_SIZE);
	if (!rx->st)
		return -EOPNOTSUPP;
	rx->key = k->key;
	rx->len = len;
	rx->done = 0;
	rx->broken = false;
	return 0;
}

void dfs_transform_rx_more(const struct dfs_crypto_ops *ops,
			   struct dfs_transform_rx *rx, u8 *buf, u32 have)
{
	u32 from = SMB2_TRANSFORM_HDR_SIZE + rx->done;

	if (!rx->st || rx->broken || have > rx->len || have <= from)
		return;
	if (ops->aead_dec_update(rx->st, buf + from, have - from))
		rx->broken = true;
	else
		rx->done = have - SMB2_TRANSFORM_HDR_SIZE;
}

int dfs_transform_rx_finish(const struct dfs_crypto_ops *ops,
			    struct dfs_transform_rx *rx, u8 *buf, u32 len,
			    u8 **msg, u32 *msg_len)
{
	void *st = rx->st;
	int ret;

	if (!st || len != rx->len) {
		dfs_transform_rx_abort(ops, rx);
		return -EPROTO;
	}
	dfs_transform_rx_more(ops, rx, buf, len);
	rx->st = NULL;
	if (rx->broken) {
		ops->aead_dec_abort(st);
		ret = -EBADMSG;
	} else {
		ret = ops->aead_dec_end(st, buf + DFS_TF_SIGNATURE);
	}
	rx->broken = false;
	if (ret) {
		/* never hand unauthenticated plaintext to a parser */
		memset(buf + SMB2_TRANSFORM_HDR_SIZE, 0, len - SMB2_TRANSFORM_HDR_SIZE);
		return -EBADMSG;
	}
	*msg = buf + SMB2_TRANSFORM_HDR_SIZE;
	*msg_len = len - SMB2_TRANSFORM_HDR_SIZE;
	return 0;
}

void dfs_transform_rx_abort(const struct dfs_crypto_ops *ops,
			    struct dfs_transform_rx *rx)
{
	if (rx->st)
		ops->aead_dec_abort(rx->st);
	rx->st = NULL;
	rx->broken = false;
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

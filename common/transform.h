/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * transform.h - SMB2_TRANSFORM_HEADER encryption and decryption
 * (MS-SMB2 2.2.41, 3.1.4.3, 3.3.4.1.4, 3.3.5.2.1.1).
 *
 * The header is 52 bytes; the AEAD's additional data is its bytes 20..51
 * (Nonce, OriginalMessageSize, Flags, SessionId) and the tag goes into
 * its Signature field.
 */
#ifndef DITTOFS_TRANSFORM_H
#define DITTOFS_TRANSFORM_H

#include "crypto_ops.h"

#define DFS_TF_SIGNATURE	4
#define DFS_TF_NONCE		20
#define DFS_TF_ORIG_SIZE	36
#define DFS_TF_FLAGS		42
#define DFS_TF_SESSION_ID	44
#define DFS_TF_AAD_OFFSET	20
#define DFS_TF_AAD_SIZE		32

/* One direction of a session's encryption. */
struct dfs_cipher_key {
	int alg;		/* enum dfs_aead_alg, or 0 when none */
	void *key;		/* from ops->aead_key_new */
};

/* Nonce state for the server -> client key: never reused (3.1.4.3). */
struct dfs_nonce_gen {
	u64 counter;		/* messages encrypted so far */
	u8 salt[4];		/* random per session: fills the rest of the nonce */
};

static inline size_t dfs_cipher_nonce_len(int alg)
{
	return (alg == DFS_AEAD_AES128_CCM || alg == DFS_AEAD_AES256_CCM) ? 11 : 12;
}

static inline size_t dfs_cipher_key_len(int alg)
{
	return (alg == DFS_AEAD_AES256_CCM || alg == DFS_AEAD_AES256_GCM) ? 32 : 16;
}

/*
 * Parse and decrypt a transform message in place. buf holds the whole
 * message (header + ciphertext), len its length. On success *msg and
 * *msg_len describe the plaintext (inside buf) and 0 is returned; -EPROTO
 * for a malformed header, -EBADMSG when authentication fails.
 */
int dfs_transform_decrypt(const struct dfs_crypto_ops *ops,
			  const struct dfs_cipher_key *k, u8 *buf, u32 len,
			  u8 **msg, u32 *msg_len);

/*
 * A transform message decrypted while it arrives (ops->aead_dec_begin):
 * by the time its last byte is in, only that last piece is left to do.
 */
struct dfs_transform_rx {
	void *st;		/* from ops->aead_dec_begin; NULL when idle */
	void *key;		/* the key it was begun with */
	u32 len;		/* the whole message: header + ciphertext */
	u32 done;		/* bytes of it decrypted (from the header's end) */
	bool broken;		/* a piece failed: the message cannot be used */
};

/*
 * Start on the message at buf (len bytes in all) once its header is in.
 * 0 when started; -EPROTO for a header dfs_transform_decrypt would refuse
 * too, -EOPNOTSUPP when the cipher cannot do it (the caller then simply
 * decrypts the whole message at the end).
 */
int dfs_transform_rx_begin(const struct dfs_crypto_ops *ops,
			   const struct dfs_cipher_key *k,
			   struct dfs_transform_rx *rx, const u8 *buf,
			   u32 have, u32 len);

/* Decrypt what has arrived since: buf holds the message's first have bytes. */
void dfs_transform_rx_more(const struct dfs_crypto_ops *ops,
			   struct dfs_transform_rx *rx, u8 *buf, u32 have);

/*
 * The whole message (len bytes) is in: decrypt the rest and check the
 * tag. Results as dfs_transform_decrypt; rx is idle afterwards either way.
 */
int dfs_transform_rx_finish(const struct dfs_crypto_ops *ops,
			    struct dfs_transform_rx *rx, u8 *buf, u32 len,
			    u8 **msg, u32 *msg_len);

/* Forget a started message (connection gone, or its key went away). */
void dfs_transform_rx_abort(const struct dfs_crypto_ops *ops,
			    struct dfs_transform_rx *rx);

/* The SessionId of a transform header (len must be >= 52). */
u64 dfs_transform_session(const u8 *buf);

/*
 * Encrypt msg_len bytes at buf + 52 in place and write the header at buf.
 * -ENOSPC when the nonce space is exhausted (the session must end).
 */
int dfs_transform_encrypt(const struct dfs_crypto_ops *ops,
			  const struct dfs_cipher_key *k, struct dfs_nonce_gen *ng,
			  u64 session_id, u8 *buf, u32 msg_len);

#endif /* DITTOFS_TRANSFORM_H */

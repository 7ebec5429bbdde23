// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_frame.c - the data plane alone (common/dataplane.c, credits.c,
 * signing.c, transform.c, preauth.c): NetBIOS framing, SMB2 header checks,
 * compound chains, the credit window, signature checks and transform
 * headers, with a fake control side that answers every PDU with an error
 * response.
 *
 * The crypto is fake too, so the fuzzer can get past it: every MAC is 16
 * zero bytes (a PDU whose signature is zero "verifies"), and the AEAD is
 * the identity with an all-zero tag. That lets the input reach the chain
 * inside a transform header and the signed-response paths.
 *
 * Input: byte 0 picks the dialect the fake NEGOTIATE settles on (bits 0-2)
 * and the fake sessions' policy (bits 3-5); the rest is a byte stream as
 * it would arrive on the socket (NetBIOS header, frame, ...).
 *
 * Fake sessions: id 1 has signing and encryption keys, id 2 is mid-setup
 * without keys; every other id is unknown. The response the fake control
 * writes is chosen by the request's ProcessId field: bits 0-1 the status
 * (NOT_SUPPORTED, SUCCESS, MORE_PROCESSING_REQUIRED, PENDING), bit 4 no
 * response, bit 5 drop after it, bit 6 sign with session 1, bit 7 a large
 * response (fills the output buffer).
 */
#include "tests/fuzz/fuzz_common.h"

#define FF_OUT_CAP (64 * 1024)
#define FF_MAX_FRAME (1024 * 1024)

static const u8 ff_zero_tag[16];
static int ff_key_dummy;
static volatile u8 ff_sink;	/* reads land here, so ASan checks them */

static void *ff_mac_key_new(int alg, const u8 *key, size_t keylen)
{
	(void)alg;
	(void)key;
	(void)keylen;
	return &ff_key_dummy;
}

static void ff_key_free(void *key)
{
	(void)key;
}

static int ff_mac(void *key, const u8 *nonce12, const struct dfs_iov *iov,
		  int niov, u8 tag[16])
{
	int i;

	(void)key;
	(void)nonce12;
	/* touch every byte so ASan sees the ranges the data plane passes */
	for (i = 0; i < niov; i++)
		if (iov[i].len)
			ff_sink ^= iov[i].base[0] ^ iov[i].base[iov[i].len - 1];
	memset(tag, 0, 16);
	return 0;
}

static void *ff_aead_key_new(int alg, const u8 *key, size_t keylen)
{
	(void)alg;
	(void)key;
	(void)keylen;
	return &ff_key_dummy;
}

static int ff_aead_encrypt(void *key, const u8 *nonce, size_t noncelen,
			   const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			   u8 tag[16])
{
	(void)key;
	(void)nonce;
	(void)noncelen;
	(void)aad;
	(void)aadlen;
	if (len)
		buf[len - 1] ^= 0;
	memset(tag, 0, 16);
	return 0;
}

static int ff_aead_decrypt(void *key, const u8 *nonce, size_t noncelen,
			   const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			   const u8 tag[16])
{
	(void)key;
	(void)aad;
	if (noncelen)
		ff_sink ^= nonce[0] ^ nonce[noncelen - 1];
	if (aadlen)
		ff_sink ^= aad[0] ^ aad[aadlen - 1];
	if (len)
		buf[len - 1] ^= 0;
	return memcmp(tag, ff_zero_tag, 16) ? -EBADMSG : 0;
}

static int ff_sha512(const struct dfs_iov *iov, int niov, u8 out[64])
{
	return dfs_openssl_crypto_ops.sha512(iov, niov, out);
}

static const struct dfs_crypto_ops ff_crypto = {
	.sha512 = ff_sha512,
	.mac_key_new = ff_mac_key_new,
	.mac_key_free = ff_key_free,
	.mac = ff_mac,
	.aead_key_new = ff_aead_key_new,
	.aead_key_free = ff_key_free,
	.aead_encrypt = ff_aead_encrypt,
	.aead_decrypt = ff_aead_decrypt,
};

struct ff_ctl {
	struct dfs_dp_conn dp;
	struct dfs_dp_session s1, s2;
	u16 dialect;
};

static struct dfs_dp_session *ff_lookup(void *ctl, u64 id)
{
	struct ff_ctl *c = ctl;

	if (id == 1)
		return &c->s1;
	if (id == 2)
		return &c->s2;
	return NULL;
}

static int ff_handle(void *ctl, const struct dfs_pdu_in *in,
		     struct dfs_pdu_out *out)
{
	static const u32 statuses[4] = {
		STATUS_NOT_SUPPORTED, STATUS_SUCCESS,
		STATUS_MORE_PROCESSING_REQUIRED, STATUS_PENDING,
	};
	struct ff_ctl *c = ctl;
	u32 pid;
	u16 cmd;

	if (in->len < SMB2_HDR_SIZE || dfs_get_le32(in->buf) == SMB1_PROTO_ID) {
		/* an SMB1 NEGOTIATE: answer with a bare SMB2 header */
		if (out->cap < SMB2_HDR_SIZE)
			return -ENOSPC;
		memset(out->buf, 0, SMB2_HDR_SIZE);
		dfs_put_le32(out->buf, SMB2_PROTO_ID);
		out->len = SMB2_HDR_SIZE;
		return 0;
	}
	pid = dfs_get_le32(in->buf + SMB2_HDR_PROCESS_ID);
	cmd = dfs_get_le16(in->buf + SMB2_HDR_COMMAND);
	if (cmd == SMB2_NEGOTIATE && !c->dp.dialect) {
		c->dp.dialect = c->dialect;
		c->dp.credits.large_mtu = c->dialect >= SMB2_DIALECT_210;
	}
	if (pid & 0x10) {
		out->no_response = true;
		return 0;
	}
	out->len = dfs_smb2_error_rsp(out->buf, out->cap, in->buf,
				      statuses[pid & 3]);
	if (!out->len)
		return -ENOSPC;
	if (pid & 0x80) {
		u32 n = out->cap - (out->cap > 8192 ? (pid >> 8 & 0xfff) : 0);

		if (n > out->len) {
			memset(out->buf + out->len, 0xab, n - out->len);
			out->len = n;
		}
	}
	out->drop = pid & 0x20;
	if (pid & 0x40)
		out->sign_with = &c->s1;
	return 0;
}

static void ff_log(void *ctl, const char *why)
{
	(void)ctl;
	(void)why;
}

static const struct dfs_dp_ops ff_ops = {
	.session_lookup = ff_lookup,
	.handle_pdu = ff_handle,
	.log = ff_log,
};

int dfs_fuzz_frame(const uint8_t *data, size_t size)
{
	static const u16 dialects[8] = {
		SMB2_DIALECT_202, SMB2_DIALECT_210, SMB2_DIALECT_300,
		SMB2_DIALECT_302, SMB2_DIALECT_311, SMB2_DIALECT_311,
		SMB2_DIALECT_311, SMB2_DIALECT_210,
	};
	struct ff_ctl *c;
	u8 *out;
	size_t pos = 1;

	if (size < 1)
		return 0;
	fz_server();	/* crypto init, quiet logs */
	c = calloc(1, sizeof(*c));
	out = malloc(FF_OUT_CAP);
	if (!c || !out)
		abort();
	dfs_dp_conn_init(&c->dp, &ff_crypto, &ff_ops, c, FF_MAX_FRAME);
	c->dialect = dialects[data[0] & 7];
	c->s1.id = 1;
	c->s1.sign.alg = DFS_MAC_AES_CMAC;
	c->s1.sign.key = &ff_key_dummy;
	c->s1.signing_required = data[0] & 0x08;
	if (!(data[0] & 0x10)) {
		c->s1.enc.alg = (data[0] & 0x20) ? DFS_AEAD_AES128_CCM :
						   DFS_AEAD_AES128_GCM;
		c->s1.enc.key = &ff_key_dummy;
		c->s1.dec = c->s1.enc;
	}
	c->s2.id = 2;
	c->s2.sign.alg = -1;
	c->s2.setup_in_progress = true;

	while (pos < size) {
		u32 flen, olen = 0;
		u8 type, *frame;
		int ret = dfs_nb_frame_len(&c->dp, data + pos, size - pos,
					   &flen, &type);

		if (ret || size - pos - DFS_NB_HDR_SIZE < flen)
			break;
		pos += DFS_NB_HDR_SIZE;
		if (type == DFS_NB_KEEPALIVE)
			continue;
		frame = malloc(flen ? flen : 1);
		if (!frame)
			abort();
		memcpy(frame, data + pos, flen);
		pos += flen;
		ret = dfs_dp_frame(&c->dp, frame, flen, out, FF_OUT_CAP, &olen);
		free(frame);
		if (olen > FF_OUT_CAP)
			abort();
		if (ret < 0)
			break;
	}
	free(out);
	free(c);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_frame(data, size);
}
#endif

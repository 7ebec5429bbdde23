// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_auth.c - SESSION_SETUP security buffers through dfs_auth_step():
 * SPNEGO NegTokenInit/NegTokenResp (userd/auth/spnego.c, asn1.c) and raw
 * or wrapped NTLMSSP (ntlmssp.c), one to three tokens in a row on one
 * exchange, as a client would send them across SESSION_SETUP round trips.
 *
 * Input: byte 0 = token count - 1 (low 2 bits, 0..2) and "map to guest"
 * (bit 2); then a 16-bit little-endian length per token but the last, then
 * the tokens back to back (the last takes the rest).
 */
#include "tests/fuzz/fuzz_common.h"

static volatile u8 fa_sink;

int dfs_fuzz_auth(const uint8_t *data, size_t size)
{
	struct dfs_auth_cfg cfg;
	struct dfs_auth *a;
	u32 lens[3];
	size_t pos = 1;
	int n, i;

	if (size < 1)
		return 0;
	fz_server();
	cfg = fz_env.auth;
	cfg.map_bad_user_to_guest = data[0] & 4;
	n = 1 + (data[0] & 3) % 3;
	for (i = 0; i < n - 1; i++) {
		if (size - pos < 2)
			break;
		lens[i] = dfs_get_le16(data + pos);
		pos += 2;
	}
	n = i + 1;
	a = dfs_auth_new(&cfg);
	if (!a)
		abort();
	for (i = 0; i < n; i++) {
		struct dfs_auth_result res;
		u8 *out = NULL, *tok;
		size_t outlen = 0, len = size - pos;
		u32 st;

		if (i < n - 1 && lens[i] < len)
			len = lens[i];
		/* an exact copy: ASan then sees any read past the token */
		tok = malloc(len ? len : 1);
		if (!tok)
			abort();
		memcpy(tok, data + pos, len);
		pos += len;
		memset(&res, 0, sizeof(res));
		st = dfs_auth_step(a, tok, len, &out, &outlen, &res);
		free(tok);
		if (out && outlen)	/* the ends of the token must be readable */
			fa_sink ^= out[0] ^ out[outlen - 1];
		free(out);
		if (st != STATUS_MORE_PROCESSING_REQUIRED)
			break;
	}
	dfs_auth_free(a);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_auth(data, size);
}
#endif

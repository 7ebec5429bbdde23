// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_server.c - the whole user-mode server path, stateful: a fresh
 * connection on a shared server (one share in a temp dir, a fake user
 * database), optionally logged in by the harness, then the fuzzer's frames
 * through dfs_dp_frame -> dfs_user_dp_ops -> every command handler.
 *
 * Session and tree ids are random, so the fuzzer cannot guess them; the
 * harness can log in itself and then patch the ids (and the MessageIds,
 * which must follow the credit window) into the fuzzer's PDUs.
 *
 * Input, byte 0 (flags):
 *   bits 0-1  login: 0 none (the input starts from scratch), 1 NEGOTIATE
 *             only, 2 + guest (or anonymous, bit 5) session and TREE_CONNECT,
 *             3 + NTLMv2 session of the known user and TREE_CONNECT
 *   bit 2     the harness negotiates 3.1.1 (with contexts) instead of 2.1
 *   bit 3     patch SessionId/TreeId: non-zero fields get the harness's ids
 *   bit 4     patch MessageIds to follow the window
 *   bit 5     anonymous instead of guest (login 2)
 *   bit 6     connect IPC$ instead of the share ("enc" if bit 2 is also set
 *             and login is 3: a share with "smb encrypt = required")
 *   bit 7     split mode: byte 1 = frame count - 1 (low 3 bits), then a
 *             16-bit length per frame but the last; the harness writes the
 *             NetBIOS headers. Otherwise the rest is a raw socket stream.
 */
#include "tests/fuzz/fuzz_common.h"
#include "userd/auth/ntlmssp.h"

#define FS_NTLM_NEGOTIATE 1u
#define FS_NTLM_AUTH 3u
/* UNICODE, REQUEST_TARGET, SIGN, NTLM, EXTENDED_SESSIONSECURITY, 128 */
#define FS_NTLM_FLAGS 0x20080215u

#define FS_MAX_FRAMES 16

struct fs_state {
	struct dfs_conn *c;
	u64 mid;
	u64 sid;
	u32 tid;
	bool large_mtu;
	u32 rsp_len;	/* SMB2 bytes of the last harness response */
};

/* Send one harness PDU; the response's header, or NULL if none came. */
static const u8 *fs_exchange(struct fs_state *st, struct fz_pdu *p)
{
	u32 olen;
	const u8 *h;

	if (fz_feed(st->c, p->buf, p->len, &olen) != 1 ||
	    olen < DFS_NB_HDR_SIZE + SMB2_HDR_SIZE)
		return NULL;
	h = st->c->out + DFS_NB_HDR_SIZE;
	if (dfs_get_le32(h) != SMB2_PROTO_ID)
		return NULL;
	st->rsp_len = olen - DFS_NB_HDR_SIZE;
	st->mid++;
	return h;
}

static bool fs_negotiate(struct fs_state *st, bool smb311)
{
	static const u16 dialects[5] = { 0x0202, 0x0210, 0x0300, 0x0302, 0x0311 };
	struct fz_pdu p;
	u8 *b = fz_pdu_begin(&p, SMB2_NEGOTIATE, st->mid, 0, 0);
	u32 n = smb311 ? 5 : 2, off, i;
	const u8 *h;

	dfs_put_le16(b, 36);
	dfs_put_le16(b + 2, (u16)n);
	dfs_put_le16(b + 4, 1);		/* signing enabled */
	dfs_put_le32(b + 8, 0x7f);	/* all the capabilities */
	memset(b + 12, 0x11, 16);	/* ClientGuid */
	for (i = 0; i < n; i++)
		dfs_put_le16(b + 36 + 2 * i, dialects[i]);
	off = 36 + 2 * n;
	if (smb311) {
		off = DFS_ALIGN8(SMB2_HDR_SIZE + off) - SMB2_HDR_SIZE;
		dfs_put_le32(b + 28, SMB2_HDR_SIZE + off);
		dfs_put_le16(b + 32, 2);
		/* PREAUTH_INTEGRITY_CAPABILITIES: SHA-512, 32-byte salt */
		dfs_put_le16(b + off, 1);
		dfs_put_le16(b + off + 2, 38);
		dfs_put_le16(b + off + 8, 1);
		dfs_put_le16(b + off + 10, 32);
		dfs_put_le16(b + off + 12, 1);
		memset(b + off + 14, 0x22, 32);
		off = DFS_ALIGN8(SMB2_HDR_SIZE + off + 46) - SMB2_HDR_SIZE;
		/* ENCRYPTION_CAPABILITIES: AES-128-GCM */
		dfs_put_le16(b + off, 2);
		dfs_put_le16(b + off + 2, 4);
		dfs_put_le16(b + off + 8, 1);
		dfs_put_le16(b + off + 10, 2);
		off += 12;
	}
	fz_pdu_end(&p, off);
	h = fs_exchange(st, &p);
	if (!h || dfs_get_le32(h + SMB2_HDR_STATUS) != STATUS_SUCCESS)
		return false;
	st->large_mtu = st->c->dp.credits.large_mtu;
	return true;
}

/* SESSION_SETUP with a bare NTLMSSP token; the response's token in *tok. */
static u32 fs_setup(struct fs_state *st, const u8 *tok, u32 toklen,
		    const u8 **rtok, u32 *rtoklen)
{
	struct fz_pdu p;
	u8 *b = fz_pdu_begin(&p, SMB2_SESSION_SETUP, st->mid, st->sid, 0);
	const u8 *h;
	u32 status, off, len;

	dfs_put_le16(b, 25);
	b[3] = 1;
	dfs_put_le16(b + 12, SMB2_HDR_SIZE + 24);
	dfs_put_le16(b + 14, (u16)toklen);
	memcpy(b + 24, tok, toklen);
	fz_pdu_end(&p, 24 + toklen);
	h = fs_exchange(st, &p);
	if (!h)
		return STATUS_INVALID_PARAMETER;
	status = dfs_get_le32(h + SMB2_HDR_STATUS);
	st->sid = dfs_get_le64(h + SMB2_HDR_SESSION_ID);
	off = dfs_get_le16(h + SMB2_HDR_SIZE + 4);
	len = dfs_get_le16(h + SMB2_HDR_SIZE + 6);
	*rtok = NULL;
	*rtoklen = 0;
	if (len && off + len <= st->rsp_len) {
		*rtok = h + off;
		*rtoklen = len;
	}
	return status;
}

static u32 fs_ntlm_buf(u8 *m, u32 field, u32 *payload, const u8 *data, u32 len)
{
	dfs_put_le16(m + field, (u16)len);
	dfs_put_le16(m + field + 2, (u16)len);
	dfs_put_le32(m + field + 4, *payload);
	if (len)
		memcpy(m + *payload, data, len);
	*payload += len;
	return len;
}

/*
 * NTLMSSP NEGOTIATE, CHALLENGE, AUTHENTICATE. kind 0: guest (an unknown
 * name, mapped by "map to guest = bad user"), 1: anonymous, 2: the known
 * user with a real NTLMv2 response (no key exchange, no MIC).
 */
static bool fs_login(struct fs_state *st, int kind)
{
	static const u8 sig[8] = "NTLMSSP";
	const u32 flags = FS_NTLM_FLAGS;
	u8 neg[32] = { 0 }, auth[512] = { 0 }, nt[16 + 32] = { 0 };
	u8 user16[64], chal[8], owf[16];
	const u8 *rtok;
	u32 rlen, payload = 64, ulen = 0, ntlen = 0;

	memcpy(neg, sig, 8);
	dfs_put_le32(neg + 8, FS_NTLM_NEGOTIATE);
	dfs_put_le32(neg + 12, flags);
	if (fs_setup(st, neg, sizeof(neg), &rtok, &rlen) !=
		    STATUS_MORE_PROCESSING_REQUIRED ||
	    !rtok || rlen < 32 || memcmp(rtok, sig, 8))
		return false;
	memcpy(chal, rtok + 24, 8);

	memcpy(auth, sig, 8);
	dfs_put_le32(auth + 8, FS_NTLM_AUTH);
	if (kind == 0) {
		ulen = fz_put_utf16(user16, "fuzzguest");
		ntlen = sizeof(nt);	/* zeros: never checked for a guest */
	} else if (kind == 2) {
		u8 *temp = nt + 16;

		ulen = fz_put_utf16(user16, FZ_USER);
		temp[0] = 1;
		temp[1] = 1;
		memset(temp + 16, 0x33, 8);	/* client challenge */
		if (dfs_ntlm_ntowfv2(fz_env.nt_hash, user16, ulen, NULL, 0, owf) ||
		    dfs_ntlm_proof(owf, chal, temp, 32, nt))
			return false;
		ntlen = sizeof(nt);
	}
	fs_ntlm_buf(auth, 12, &payload, NULL, 0);
	fs_ntlm_buf(auth, 20, &payload, nt, ntlen);
	fs_ntlm_buf(auth, 28, &payload, NULL, 0);
	fs_ntlm_buf(auth, 36, &payload, user16, ulen);
	fs_ntlm_buf(auth, 44, &payload, NULL, 0);
	fs_ntlm_buf(auth, 52, &payload, NULL, 0);
	dfs_put_le32(auth + 60, flags);
	return fs_setup(st, auth, payload, &rtok, &rlen) == STATUS_SUCCESS;
}

static bool fs_tree(struct fs_state *st, const char *share)
{
	char unc[64];
	struct fz_pdu p;
	u8 *b = fz_pdu_begin(&p, SMB2_TREE_CONNECT, st->mid, st->sid, 0);
	const u8 *h;
	u32 n;

	snprintf(unc, sizeof(unc), "\\\\127.0.0.1\\%s", share);
	dfs_put_le16(b, 9);
	dfs_put_le16(b + 4, SMB2_HDR_SIZE + 8);
	n = fz_put_utf16(b + 8, unc);
	dfs_put_le16(b + 6, (u16)n);
	fz_pdu_end(&p, 8 + n);
	h = fs_exchange(st, &p);
	if (!h || dfs_get_le32(h + SMB2_HDR_STATUS) != STATUS_SUCCESS)
		return false;
	st->tid = dfs_get_le32(h + SMB2_HDR_TREE_ID);
	return true;
}

/* Give the PDUs of a plain (not transform) frame the harness's ids. */
static void fs_patch(struct fs_state *st, u8 *f, u32 len, bool ids, bool mids)
{
	u32 off = 0, n;
	int i;

	for (i = 0; i < 64 && len - off >= SMB2_HDR_SIZE; i++) {
		u8 *h = f + off;

		if (dfs_get_le32(h) != SMB2_PROTO_ID)
			return;
		if (mids && dfs_get_le16(h + SMB2_HDR_COMMAND) != SMB2_CANCEL) {
			u16 charge = dfs_get_le16(h + SMB2_HDR_CREDIT_CHARGE);

			dfs_put_le64(h + SMB2_HDR_MESSAGE_ID, st->mid);
			st->mid += st->large_mtu && charge ? charge : 1;
		}
		if (ids && dfs_get_le64(h + SMB2_HDR_SESSION_ID))
			dfs_put_le64(h + SMB2_HDR_SESSION_ID, st->sid);
		if (ids && dfs_get_le32(h + SMB2_HDR_TREE_ID) &&
		    !(dfs_get_le32(h + SMB2_HDR_FLAGS) & SMB2_FLAGS_ASYNC_COMMAND))
			dfs_put_le32(h + SMB2_HDR_TREE_ID, st->tid);
		n = dfs_get_le32(h + SMB2_HDR_NEXT_COMMAND);
		if (!n || n > len - off)
			return;
		off += n;
	}
}

struct fs_frame {
	const u8 *p;
	u32 len;
};

/* Cut the fuzzer's bytes into frames (see the flags at the top). */
static int fs_cut(struct fs_state *st, const u8 *d, size_t size, bool split,
		  struct fs_frame *fr)
{
	size_t pos = 0;
	int n = 0, want, i;

	if (split) {
		if (size < 1)
			return 0;
		want = 1 + (d[0] & 7);
		pos = 1;
		for (i = 0; i < want - 1 && size - pos >= 2; i++) {
			fr[i].len = dfs_get_le16(d + pos);
			pos += 2;
		}
		want = i + 1;
		for (i = 0; i < want; i++) {
			if (i == want - 1 || fr[i].len > size - pos)
				fr[i].len = (u32)(size - pos);
			fr[i].p = d + pos;
			pos += fr[i].len;
		}
		return want;
	}
	while (n < FS_MAX_FRAMES && pos < size) {
		u32 flen;
		u8 type;

		if (dfs_nb_frame_len(&st->c->dp, d + pos, size - pos, &flen, &type))
			return n;	/* the real loop drops here */
		if (size - pos - DFS_NB_HDR_SIZE < flen)
			return n;
		pos += DFS_NB_HDR_SIZE;
		if (type == DFS_NB_KEEPALIVE)
			continue;
		fr[n].p = d + pos;
		fr[n].len = flen;
		pos += flen;
		n++;
	}
	return n;
}

int dfs_fuzz_server(const uint8_t *data, size_t size)
{
	struct dfs_server *srv = fz_server();
	struct fs_frame fr[FS_MAX_FRAMES];
	struct fs_state st = { 0 };
	u8 flags;
	int login, nfr, i;
	bool ok = true;

	if (size < 1)
		return 0;
	flags = data[0];
	login = flags & 3;
	fz_share_reset();
	st.c = dfs_conn_new(srv, -1, "fuzz");
	if (!st.c)
		abort();
	if (login >= 1)
		ok = fs_negotiate(&st, flags & 4);
	if (ok && login >= 2)
		ok = fs_login(&st, login == 3 ? 2 : (flags & 0x20) ? 1 : 0);
	if (ok && login >= 2)
		ok = fs_tree(&st, !(flags & 0x40) ? FZ_SHARE :
			     (login == 3 && (flags & 4)) ? "enc" : "IPC$");
	nfr = fs_cut(&st, data + 1, size - 1, flags & 0x80, fr);
	for (i = 0; i < nfr; i++) {
		u32 olen = 0;
		u8 *f = malloc(fr[i].len ? fr[i].len : 1);
		int ret;

		if (!f)
			abort();
		memcpy(f, fr[i].p, fr[i].len);
		fs_patch(&st, f, fr[i].len, flags & 8, flags & 0x10);
		ret = dfs_dp_frame(&st.c->dp, f, fr[i].len, st.c->out,
				   st.c->out_cap, &olen);
		free(f);
		dfs_session_reap(st.c);
		if (olen > st.c->out_cap)
			abort();
		if (ret < 0)
			break;
	}
	dfs_conn_free(st.c);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_server(data, size);
}
#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_dp_partial.c - a large encrypted frame decrypted while it arrives
 * (dfs_dp_frame_partial), seen through the data plane with the OpenSSL
 * ops and a stand-in control side: the PDU reaches the control side
 * exactly as it was sent, and only after its tag was checked; a tampered
 * frame, a session that lost its key or went away meanwhile, and a frame
 * from a CCM session or a small one take the paths they took before.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/dataplane.h"
#include "common/smb2_proto.h"
#include "common/transform.h"
#include "tests/unit/check_main.h"
#include "userd/crypto_openssl.h"

#define SID		7
#define BIG_PDU		(300 * 1024)	/* above DFS_DP_RX_MIN */
#define OUT_CAP		(64 * 1024)

static const struct dfs_crypto_ops *ops = &dfs_openssl_crypto_ops;

struct fake_ctl {
	struct dfs_dp_conn dp;
	struct dfs_dp_session s;
	bool session_gone;
	u32 pdus;		/* requests the control side was handed */
	u8 *seen;		/* a copy of the last one */
	u32 seen_len;
	const char *why;	/* the last drop reason */
};

static struct dfs_dp_session *fake_lookup(void *ctl, u64 id)
{
	struct fake_ctl *f = ctl;

	return id == SID && !f->session_gone ? &f->s : NULL;
}

static int fake_handle(void *ctl, const struct dfs_pdu_in *in,
		       struct dfs_pdu_out *out)
{
	struct fake_ctl *f = ctl;

	f->pdus++;
	free(f->seen);
	f->seen = malloc(in->len);
	ck_assert_ptr_nonnull(f->seen);
	memcpy(f->seen, in->buf, in->len);
	f->seen_len = in->len;
	out->no_response = true;
	return 0;
}

static void fake_log(void *ctl, const char *why)
{
	((struct fake_ctl *)ctl)->why = why;
}

static const struct dfs_dp_ops fake_ops = {
	.session_lookup = fake_lookup,
	.handle_pdu = fake_handle,
	.log = fake_log,
};

static void setup(void)
{
	ck_assert_int_eq(dfs_crypto_init(), 0);
}

static struct fake_ctl *fake_new(int alg)
{
	struct fake_ctl *f = calloc(1, sizeof(*f));
	u8 key[16];

	ck_assert_ptr_nonnull(f);
	memset(key, 0x5a, sizeof(key));
	dfs_dp_conn_init(&f->dp, ops, &fake_ops, f, 16u << 20);
	f->s.id = SID;
	f->s.sign.alg = -1;
	f->s.dec.alg = alg;
	f->s.dec.key = ops->aead_key_new(alg, key, sizeof(key));
	ck_assert_ptr_nonnull(f->s.dec.key);
	return f;
}

static void fake_free(struct fake_ctl *f)
{
	dfs_dp_conn_release(&f->dp);
	ops->aead_key_free(f->s.dec.key);
	free(f->seen);
	free(f);
}

/* One ECHO of len bytes (MessageId 0, the only one a new connection may use). */
static u8 *make_pdu(u32 len)
{
	u8 *p = malloc(len);
	u32 i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (u8)(i * 7 + 3);
	memset(p, 0, SMB2_HDR_SIZE);
	dfs_put_le32(p, SMB2_PROTO_ID);
	dfs_put_le16(p + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(p + SMB2_HDR_COMMAND, SMB2_ECHO);
	dfs_put_le64(p + SMB2_HDR_SESSION_ID, SID);
	return p;
}

/* The frame that carries pdu encrypted with the session's key. */
static u8 *make_frame(struct fake_ctl *f, const u8 *pdu, u32 len)
{
	struct dfs_nonce_gen ng = { .counter = 1, .salt = { 1, 2, 3, 4 } };
	u8 *fr = malloc(SMB2_TRANSFORM_HDR_SIZE + len);

	ck_assert_ptr_nonnull(fr);
	memcpy(fr + SMB2_TRANSFORM_HDR_SIZE, pdu, len);
	ck_assert_int_eq(dfs_transform_encrypt(ops, &f->s.dec, &ng, SID, fr, len), 0);
	return fr;
}

/* Hand the transport's view of the frame's first `upto` bytes over, in 64 KiB steps. */
static void arrive(struct fake_ctl *f, u8 *fr, u32 flen, u32 upto)
{
	u32 have;

	for (have = 100; have < upto; have += 65536)
		dfs_dp_frame_partial(&f->dp, fr, have, flen);
	dfs_dp_frame_partial(&f->dp, fr, upto, flen);
}

static int run_frame(struct fake_ctl *f, u8 *fr, u32 flen)
{
	u8 *out = malloc(OUT_CAP);
	u32 olen = 0;
	int ret;

	ck_assert_ptr_nonnull(out);
	ret = dfs_dp_frame(&f->dp, fr, flen, out, OUT_CAP, &olen);
	free(out);
	return ret;
}

/* A connection and one ECHO of len bytes, sent encrypted in one frame. */
struct sent {
	struct fake_ctl *f;
	u8 *pdu, *fr;
	u32 len, flen;
};

static struct sent sent_new(int alg, u32 len)
{
	struct sent t = { .f = fake_new(alg), .pdu = make_pdu(len), .len = len,
			  .flen = SMB2_TRANSFORM_HDR_SIZE + len };

	t.fr = make_frame(t.f, t.pdu, len);
	return t;
}

static void sent_free(struct sent *t)
{
	free(t->pdu);
	free(t->fr);
	fake_free(t->f);
}

/* The rest arrives: the connection is dropped for `why`, nothing handed on. */
static void expect_dropped(struct sent *t, const char *why)
{
	ck_assert_int_eq(run_frame(t->f, t->fr, t->flen), -EPROTO);
	ck_assert_str_eq(t->f->why, why);
	ck_assert_uint_eq(t->f->pdus, 0);
	ck_assert(!dfs_dp_frame_partial_active(&t->f->dp));
}

START_TEST(test_partial_delivers)
{
	struct sent t = sent_new(DFS_AEAD_AES128_GCM, BIG_PDU);

	arrive(t.f, t.fr, t.flen, t.flen - 1000);
	ck_assert(dfs_dp_frame_partial_active(&t.f->dp));
	/* mostly decrypted already, but nothing handed on yet */
	ck_assert_uint_eq(t.f->pdus, 0);
	ck_assert_int_eq(run_frame(t.f, t.fr, t.flen), 0);
	ck_assert(!dfs_dp_frame_partial_active(&t.f->dp));
	ck_assert_uint_eq(t.f->pdus, 1);
	ck_assert_uint_eq(t.f->seen_len, BIG_PDU);
	ck_assert(memcmp(t.f->seen, t.pdu, BIG_PDU) == 0);
	sent_free(&t);
}
END_TEST

START_TEST(test_partial_tampered)
{
	struct sent t = sent_new(DFS_AEAD_AES128_GCM, BIG_PDU);

	arrive(t.f, t.fr, t.flen, t.flen / 2);
	t.fr[t.flen - 1] ^= 0x40;	/* in the part still to come */
	expect_dropped(&t, "encrypted message failed authentication");
	sent_free(&t);
}
END_TEST

/* The session's key object replaced meanwhile: the frame is not finished with the old one. */
START_TEST(test_partial_key_changed)
{
	struct sent t = sent_new(DFS_AEAD_AES128_GCM, BIG_PDU);
	void *old = t.f->s.dec.key;
	u8 key[16];

	arrive(t.f, t.fr, t.flen, t.flen / 2);
	memset(key, 0x5a, sizeof(key));
	t.f->s.dec.key = ops->aead_key_new(DFS_AEAD_AES128_GCM, key, sizeof(key));
	ops->aead_key_free(old);
	expect_dropped(&t, "session key changed while the frame arrived");
	sent_free(&t);
}
END_TEST

START_TEST(test_partial_session_gone)
{
	struct sent t = sent_new(DFS_AEAD_AES128_GCM, BIG_PDU);

	arrive(t.f, t.fr, t.flen, t.flen / 2);
	t.f->session_gone = true;
	expect_dropped(&t, "transform header for a session without keys");
	sent_free(&t);
}
END_TEST

/* CCM cannot go piecewise and a small frame is not worth it: both decrypt at the end. */
START_TEST(test_partial_not_used)
{
	static const struct { int alg; u32 len; } cases[] = {
		{ DFS_AEAD_AES128_CCM, BIG_PDU },
		{ DFS_AEAD_AES128_GCM, DFS_DP_RX_MIN / 2 },
	};
	u32 i;

	for (i = 0; i < DFS_ARRAY_SIZE(cases); i++) {
		struct sent t = sent_new(cases[i].alg, cases[i].len);

		arrive(t.f, t.fr, t.flen, t.flen / 2);
		ck_assert(!dfs_dp_frame_partial_active(&t.f->dp));
		ck_assert_int_eq(run_frame(t.f, t.fr, t.flen), 0);
		ck_assert_uint_eq(t.f->pdus, 1);
		ck_assert(memcmp(t.f->seen, t.pdu, t.len) == 0);
		sent_free(&t);
	}
}
END_TEST

/* A connection that goes away mid-frame frees the state (ASan's leak check). */
START_TEST(test_partial_abandoned)
{
	struct sent t = sent_new(DFS_AEAD_AES128_GCM, BIG_PDU);

	arrive(t.f, t.fr, t.flen, t.flen / 3);
	ck_assert(dfs_dp_frame_partial_active(&t.f->dp));
	dfs_dp_conn_release(&t.f->dp);
	ck_assert(!dfs_dp_frame_partial_active(&t.f->dp));
	sent_free(&t);
}
END_TEST

static Suite *dp_partial_suite(void)
{
	Suite *s = suite_create("dp_partial");
	TCase *tc = tcase_create("partial");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_partial_delivers);
	tcase_add_test(tc, test_partial_tampered);
	tcase_add_test(tc, test_partial_key_changed);
	tcase_add_test(tc, test_partial_session_gone);
	tcase_add_test(tc, test_partial_not_used);
	tcase_add_test(tc, test_partial_abandoned);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(dp_partial_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_auth.c - NT hash and NTLMv2 against the published vectors, full
 * NTLMSSP/SPNEGO exchanges against a small client written here, and the
 * parsers fed broken input (run under ASan/UBSan too).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "common/compat.h"
#include "common/smb2_proto.h"
#include "tests/unit/check_main.h"
#include "userd/auth/asn1.h"
#include "userd/auth/auth.h"
#include "userd/auth/ntlmssp.h"
#include "userd/auth/spnego.h"
#include "userd/store/userdb.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	return dfs_test_unhex(hex, out, cap);
}

static void ck_hex(const uint8_t *got, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	ck_assert_mem_eq(got, want, n);
}

/* --- vectors --- */

START_TEST(test_nt_hash)
{
	uint8_t h[16];

	ck_assert_int_eq(dfs_nt_hash("Password", h), 0);
	ck_hex(h, "a4f49c406510bdcab6824ee7c30fd852");
	ck_assert_int_eq(dfs_nt_hash("Password01!", h), 0);
	ck_hex(h, "7C4FE5EADA682714A036E39378362BAB");
	/* invalid UTF-8 is refused, not hashed */
	ck_assert_int_ne(dfs_nt_hash("\xc3\x28", h), 0);
	ck_assert_int_ne(dfs_nt_hash("\xed\xa0\x80", h), 0);
}
END_TEST

static void to16(const char *s, uint8_t **p, size_t *len)
{
	ck_assert_int_eq(dfs_utf8_to_utf16le(s, p, len), 0);
}

START_TEST(test_ntlmv2_nlmp_424)
{
	uint8_t h[16], owf[16], proof[16], base[16], chal[8], temp[128];
	uint8_t rsk[16], ekey[16], k[16], buf[32];
	uint8_t *user, *dom;
	size_t ul, dl, tl;

	ck_assert_int_eq(dfs_nt_hash("Password", h), 0);
	to16("User", &user, &ul);
	to16("Domain", &dom, &dl);
	ck_assert_int_eq(dfs_ntlm_ntowfv2(h, user, ul, dom, dl, owf), 0);
	ck_hex(owf, "0C868A403BFD7A93A3001EF22EF02E3F");
	unhex("0123456789ABCDEF", chal, 8);
	tl = unhex("01010000000000000000000000000000AAAAAAAAAAAAAAAA00000000"
		   "02000C0044006F006D00610069006E0001000C005300650072007600"
		   "650072000000000000000000", temp, sizeof(temp));
	ck_assert_int_eq(dfs_ntlm_proof(owf, chal, temp, tl, proof), 0);
	ck_hex(proof, "68CD0AB851E51C96AABC927BEBEF6A1C");
	ck_assert_int_eq(dfs_ntlm_session_base_key(owf, proof, base), 0);
	ck_hex(base, "8DE40CCADBC14A82F15CB0AD0DE95CA3");
	/* key exchange both ways */
	memset(rsk, 0x55, 16);
	ck_assert_int_eq(dfs_rc4(base, 16, rsk, ekey, 16), 0);
	ck_hex(ekey, "C5DAD2544FC9799094CE1CE90BC9D03E");
	ck_assert_int_eq(dfs_rc4(base, 16, ekey, k, 16), 0);
	ck_assert_mem_eq(k, rsk, 16);

	/* 4.2.4.4: sign and seal keys, GSS_WrapEx of "Plaintext" */
	ck_assert_int_eq(dfs_ntlm_sign_key(rsk, true, k), 0);
	ck_hex(k, "4788DC861B4782F35D43FD98FE1A2D39");
	ck_assert_int_eq(dfs_ntlm_sign_key(rsk, false, k), 0);
	ck_hex(k, "D04D6F10741041D1D246D64188D7A8AD");
	ck_assert_int_eq(dfs_ntlm_seal_key(rsk, 0xE28A8233u, false, k), 0);
	ck_hex(k, "9355F3A957C1583D25C4C2F11E40390E");
	ck_assert_int_eq(dfs_ntlm_seal_key(rsk, 0xE28A8233u, true, k), 0);
	ck_hex(k, "59F600973CC4960A25480A7C196E4C58");
	{
		/* one RC4 stream seals the data, then the checksum */
		uint8_t sk[16], msg[18], mac[16];
		struct dfs_iov v[2] = { { (const u8 *)"\0\0\0\0", 4 }, { msg, 18 } };

		ck_assert_int_eq(dfs_ntlm_sign_key(rsk, true, sk), 0);
		unhex("50006C00610069006E007400650078007400", msg, 18);
		ck_assert_int_eq(dfs_hmac_md5(sk, 16, v, 2, mac), 0);
		ck_hex(mac, "70352851F2564309");
		memcpy(buf, msg, 18);
		memcpy(buf + 18, mac, 8);
		ck_assert_int_eq(dfs_rc4(k, 16, buf, buf, 26), 0);
		ck_hex(buf, "54E50165BF1936DC996020C1811B0F06FB5F"
			    "7FB38EC5C55D4976");
	}
	free(user);
	free(dom);
}
END_TEST

START_TEST(test_ntlmv2_anatomy)
{
	uint8_t h[16], owf[16], proof[16], base[16], chal[8], nt[300];
	uint8_t ekey[16], key[16], k[16];
	uint8_t *user, *dom;
	size_t ul, dl, nl;
	const uint32_t flags = 0xE2888215u;

	ck_assert_int_eq(dfs_nt_hash("Password01!", h), 0);
	/* sent lower case: NTOWFv2 must upper-case it */
	to16("administrator", &user, &ul);
	to16("SUT311", &dom, &dl);
	ck_assert_int_eq(dfs_ntlm_ntowfv2(h, user, ul, dom, dl, owf), 0);
	ck_hex(owf, "AEE3959B44A815F1EB28C9511B4F533B");
	unhex("0D1D8BA31179D008", chal, 8);
	nl = unhex("63078EB639FE03E20A231C3AE3BF23080101000000000000A1A1F5AD"
		   "CBAED001BC4AD05F223CC90F0000000002000C005300550054003300"
		   "3100310001000C0053005500540033003100310004000C0053005500"
		   "540033003100310003000C0053005500540033003100310007000800"
		   "A1A1F5ADCBAED0010600040002000000080030003000000000000000"
		   "0000000000300000B61FEFCAA857EA57BF1EDCEBF8974B8E0EBA5A6D"
		   "FD9D07A31D11B548F8C9D0CC0A001000000000000000000000000000"
		   "000000000900160063006900660073002F0053005500540033003100"
		   "3100000000000000000000000000", nt, sizeof(nt));
	ck_assert_uint_eq(nl, 238);
	ck_assert_int_eq(dfs_ntlm_proof(owf, chal, nt + 16, nl - 16, proof), 0);
	ck_hex(proof, "63078EB639FE03E20A231C3AE3BF2308");
	ck_assert_mem_eq(proof, nt, 16);
	ck_assert_int_eq(dfs_ntlm_session_base_key(owf, proof, base), 0);
	ck_hex(base, "B4CF22566926B1C069ACD80E4D73C814");
	unhex("3B9BDFF38F5EE8F9663F11A0F4C03A78", ekey, 16);
	ck_assert_int_eq(dfs_rc4(base, 16, ekey, key, 16), 0);
	ck_hex(key, "270E1BA896585EEB7AF3472D3B4C75A7");
	ck_assert_int_eq(dfs_ntlm_sign_key(key, false, k), 0);
	ck_hex(k, "E1BD8B416B0B709D295E12F2CF18E6C5");
	ck_assert_int_eq(dfs_ntlm_sign_key(key, true, k), 0);
	ck_hex(k, "D43F36C44BCE0630250A09EA0C2E8C2C");
	ck_assert_int_eq(dfs_ntlm_seal_key(key, flags, false, k), 0);
	ck_hex(k, "B0F5A0B32C81FF34A878E1409B3B0EF2");
	ck_assert_int_eq(dfs_ntlm_seal_key(key, flags, true, k), 0);
	ck_hex(k, "31E5557D99BE13F1B2665C7C7C52CE70");
	free(user);
	free(dom);
}
END_TEST

START_TEST(test_utf16)
{
	char out[16];
	uint8_t *p;
	size_t n;

	/* U+00E9 and U+1F600 (a surrogate pair) round trip */
	to16("\xc3\xa9\xf0\x9f\x98\x80", &p, &n);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(dfs_utf16le_to_utf8(p, n, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\xc3\xa9\xf0\x9f\x98\x80");
	/* lone surrogate, odd length, embedded NUL, too long */
	ck_assert_int_ne(dfs_utf16le_to_utf8(p, 4, out, sizeof(out)), 0);
	ck_assert_int_ne(dfs_utf16le_to_utf8(p, 5, out, sizeof(out)), 0);
	ck_assert_int_ne(dfs_utf16le_to_utf8((const uint8_t *)"a\0\0\0", 4,
					     out, sizeof(out)), 0);
	ck_assert_int_ne(dfs_utf16le_to_utf8(p, n, out, 4), 0);
	free(p);
}
END_TEST

/* --- a test client --- */

static const char *const db_users[][2] = {
	{ "Alice", "Secret123" },
	{ "bob", "hunter2" },	/* disabled */
};

static int test_lookup(void *arg, const char *name, struct dfs_user *out)
{
	size_t i;

	for (i = 0; i < DFS_ARRAY_SIZE(db_users); i++) {
		if (strcasecmp(name, db_users[i][0]))
			continue;
		memset(out, 0, sizeof(*out));
		strcpy(out->name, db_users[i][0]);
		ck_assert_int_eq(dfs_nt_hash(db_users[i][1], out->nt_hash), 0);
		out->uid = 1000 + (uid_t)i;
		out->gid = 100 + (gid_t)i;
		out->disabled = i == 1;
		return 0;
	}
	return -ENOENT;
}

static struct dfs_auth_cfg test_cfg = {
	.lookup = test_lookup,
	.netbios_name = "DITTOFS",
	.workgroup = "WORKGROUP",
	.dns_name = "dittofs.example.com",
	.guest_uid = 65534,
	.guest_gid = 65533,
};

#define CLI_FLAGS (NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | \
		   NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_NTLM | \
		   NTLMSSP_NEGOTIATE_ALWAYS_SIGN | \
		   NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | \
		   NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION | \
		   NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56)

struct cli {
	/* inputs */
	const char *user, *domain, *password;
	uint32_t flags;
	bool spnego, mic, krb5_first, anonymous, ntlmv1;
	bool bad_mic, bad_mech_mic, no_ekey;
	/* state */
	uint8_t neg[40];
	uint8_t *chal;
	size_t chal_len;
	uint8_t *mech_types;
	size_t mech_types_len;
	uint8_t key[16];
	uint32_t neg_flags;
};

static void cli_negotiate(struct cli *c)
{
	memset(c->neg, 0, sizeof(c->neg));
	memcpy(c->neg, "NTLMSSP", 8);
	dfs_put_le32(c->neg + 8, NTLMSSP_NEGOTIATE);
	dfs_put_le32(c->neg + 12, c->flags);
	memcpy(c->neg + 32, "\x0a\x00\x63\x45\x00\x00\x00\x0f", 8);
}

/* The NegTokenInit carrying the NEGOTIATE (as smbclient sends it). */
static void cli_spnego_init(struct cli *c, uint8_t **out, size_t *outlen)
{
	struct dfs_asn1_w w;
	size_t app, ch, seq, t, l, m;

	dfs_asn1_w_init(&w);
	app = dfs_asn1_w_begin(&w);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_spnego, 6);
	ch = dfs_asn1_w_begin(&w);
	seq = dfs_asn1_w_begin(&w);
	t = dfs_asn1_w_begin(&w);
	l = dfs_asn1_w_begin(&w);
	if (c->krb5_first) {
		dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_mskrb5, 9);
		dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_krb5, 9);
	}
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_ntlmssp, 10);
	dfs_asn1_w_end(&w, l, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, t, DFS_ASN1_CTX(0));
	m = dfs_asn1_w_begin(&w);
	/* with Kerberos first, the optimistic token would be Kerberos' */
	if (c->krb5_first)
		dfs_asn1_w_prim(&w, DFS_ASN1_OCTSTR, "\x60\x02\x05\x00", 4);
	else
		dfs_asn1_w_prim(&w, DFS_ASN1_OCTSTR, c->neg, sizeof(c->neg));
	dfs_asn1_w_end(&w, m, DFS_ASN1_CTX(2));
	dfs_asn1_w_end(&w, seq, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, ch, DFS_ASN1_CTX(0));
	dfs_asn1_w_end(&w, app, DFS_ASN1_APP(0));
	ck_assert_int_eq(dfs_asn1_w_finish(&w, out, outlen), 0);
	/* keep the MechTypeList bytes, as a client must for the MIC */
	{
		struct dfs_spnego_init init;

		ck_assert_int_eq(dfs_spnego_parse_init(*out, *outlen, &init),
				 0);
		c->mech_types = malloc(init.mech_types_len);
		memcpy(c->mech_types, init.mech_types, init.mech_types_len);
		c->mech_types_len = init.mech_types_len;
	}
}

/* The target info of the CHALLENGE, minus MsvAvEOL, plus our AVs. */
static size_t cli_blob(struct cli *c, const uint8_t *info, size_t info_len,
		       uint8_t *blob)
{
	size_t n = 0, off = 0;
	uint64_t ts = 0;

	blob[n++] = 1;
	blob[n++] = 1;
	memset(blob + n, 0, 6);
	n += 6;
	while (off + 4 <= info_len) {
		uint16_t id = dfs_get_le16(info + off);
		uint16_t len = dfs_get_le16(info + off + 2);

		if (id == MSV_AV_TIMESTAMP)
			ts = dfs_get_le64(info + off + 4);
		if (id == MSV_AV_EOL)
			break;
		off += 4 + len;
	}
	ck_assert_uint_ne(ts, 0);
	dfs_put_le64(blob + n, ts);
	n += 8;
	RAND_bytes(blob + n, 8);
	n += 8;
	memset(blob + n, 0, 4);
	n += 4;
	memcpy(blob + n, info, off);
	n += off;
	if (c->mic) {
		dfs_put_le16(blob + n, MSV_AV_FLAGS);
		dfs_put_le16(blob + n + 2, 4);
		dfs_put_le32(blob + n + 4, MSV_AV_FLAG_MIC);
		n += 8;
	}
	memset(blob + n, 0, 8);		/* MsvAvEOL, then Z(4) */
	return n + 8;
}

struct abuf {
	uint8_t p[2048];
	size_t len;
};

static void put_field(struct abuf *m, size_t field, const void *p, size_t len)
{
	dfs_put_le16(m->p + field, (uint16_t)len);
	dfs_put_le16(m->p + field + 2, (uint16_t)len);
	dfs_put_le32(m->p + field + 4, (uint32_t)m->len);
	if (len)
		memcpy(m->p + m->len, p, len);
	m->len += len;
}

/* Build the AUTHENTICATE for the CHALLENGE in c->chal. */
static void cli_authenticate(struct cli *c, struct abuf *m)
{
	uint8_t h[16], owf[16], nt[1024], base[16], ekey[16], lm[24] = { 0 };
	const uint8_t *chal = c->chal, *info;
	uint8_t *user, *dom, *ws;
	size_t ul, dl, wl, bl, nl, info_len;
	bool kx;

	ck_assert_uint_ge(c->chal_len, 56);
	ck_assert_mem_eq(chal, "NTLMSSP", 8);
	ck_assert_uint_eq(dfs_get_le32(chal + 8), NTLMSSP_CHALLENGE);
	c->neg_flags = dfs_get_le32(chal + 20) & c->flags;
	info_len = dfs_get_le16(chal + 40);
	ck_assert(dfs_range_ok(dfs_get_le32(chal + 44), info_len,
			       c->chal_len));
	info = chal + dfs_get_le32(chal + 44);
	to16(c->anonymous ? "" : c->user, &user, &ul);
	to16(c->anonymous ? "" : c->domain, &dom, &dl);
	to16("CLIENT", &ws, &wl);

	memset(m, 0, sizeof(*m));
	m->len = 88;
	memcpy(m->p, "NTLMSSP", 8);
	dfs_put_le32(m->p + 8, NTLMSSP_AUTH);
	dfs_put_le32(m->p + 60, c->neg_flags);
	memcpy(m->p + 64, "\x0a\x00\x63\x45\x00\x00\x00\x0f", 8);
	memset(c->key, 0, 16);
	if (c->anonymous) {
		put_field(m, 12, "", 1);
		put_field(m, 20, NULL, 0);
		put_field(m, 28, NULL, 0);
		put_field(m, 36, NULL, 0);
		put_field(m, 44, ws, wl);
		put_field(m, 52, NULL, 0);
		goto out;
	}
	ck_assert_int_eq(dfs_nt_hash(c->password, h), 0);
	ck_assert_int_eq(dfs_ntlm_ntowfv2(h, user, ul, dom, dl, owf), 0);
	if (c->ntlmv1) {
		/* the shape of a v1 response is all the server looks at */
		RAND_bytes(nt, 24);
		nl = 24;
	} else {
		bl = cli_blob(c, info, info_len, nt + 16);
		ck_assert_int_eq(dfs_ntlm_proof(owf, chal + 24, nt + 16, bl,
						nt), 0);
		nl = 16 + bl;
	}
	ck_assert_int_eq(dfs_ntlm_session_base_key(owf, nt, base), 0);
	kx = c->neg_flags & NTLMSSP_NEGOTIATE_KEY_EXCH;
	if (kx) {
		RAND_bytes(c->key, 16);
		ck_assert_int_eq(dfs_rc4(base, 16, c->key, ekey, 16), 0);
	} else {
		memcpy(c->key, base, 16);
	}
	put_field(m, 12, lm, 24);
	put_field(m, 20, nt, nl);
	put_field(m, 28, dom, dl);
	put_field(m, 36, user, ul);
	put_field(m, 44, ws, wl);
	put_field(m, 52, ekey, kx && !c->no_ekey ? 16 : 0);
	if (c->mic) {
		struct dfs_iov v[3] = {
			{ c->neg, sizeof(c->neg) },
			{ c->chal, c->chal_len },
			{ m->p, m->len },
		};

		ck_assert_int_eq(dfs_hmac_md5(c->key, 16, v, 3, m->p + 72), 0);
		if (c->bad_mic)
			m->p[80] ^= 1;
	}
out:
	free(user);
	free(dom);
	free(ws);
}

static void cli_sig(struct cli *c, bool client, uint8_t out[16])
{
	uint8_t sk[16], ek[16];

	ck_assert_int_eq(dfs_ntlm_sign_key(c->key, client, sk), 0);
	ck_assert_int_eq(dfs_ntlm_seal_key(c->key, c->neg_flags, client, ek),
			 0);
	ck_assert_int_eq(dfs_ntlm_signature(sk, ek, c->neg_flags &
					    NTLMSSP_NEGOTIATE_KEY_EXCH, 0,
					    c->mech_types, c->mech_types_len,
					    out), 0);
}

/* Pull the NTLMSSP token out of a server NegTokenResp. */
static void cli_unwrap(const uint8_t *in, size_t len, int want_state,
		       struct dfs_spnego_resp *r)
{
	ck_assert_int_eq(dfs_spnego_parse_resp(in, len, r), 0);
	ck_assert_int_eq(r->neg_state, want_state);
}

/*
 * Run a whole exchange; returns the final status, with *res filled.
 * On success with a key, checks both sides agree on it.
 */
static uint32_t run_exchange(struct cli *c, const struct dfs_auth_cfg *cfg,
			     struct dfs_auth_result *res)
{
	struct dfs_auth *a = dfs_auth_new(cfg);
	struct dfs_spnego_resp r;
	struct abuf m;
	uint8_t *in = NULL, *out = NULL, mic[16];
	size_t inlen = 0, outlen = 0;
	uint32_t st;

	ck_assert_ptr_nonnull(a);
	memset(res, 0, sizeof(*res));
	cli_negotiate(c);
	if (c->spnego)
		cli_spnego_init(c, &in, &inlen);
	st = dfs_auth_step(a, c->spnego ? in : c->neg,
			   c->spnego ? inlen : sizeof(c->neg), &out, &outlen,
			   res);
	free(in);
	in = NULL;
	ck_assert_uint_eq(st, STATUS_MORE_PROCESSING_REQUIRED);
	if (c->spnego) {
		cli_unwrap(out, outlen, DFS_SPNEGO_ACCEPT_INCOMPLETE, &r);
		ck_assert_uint_eq(r.supported_mech_len, 10);
		ck_assert_mem_eq(r.supported_mech, dfs_oid_ntlmssp, 10);
		if (c->krb5_first) {
			/* no NTLM token yet: send the NEGOTIATE now */
			ck_assert_ptr_null(r.token);
			free(out);
			ck_assert_int_eq(dfs_spnego_build_resp(
				DFS_SPNEGO_NO_STATE, NULL, 0, c->neg,
				sizeof(c->neg), NULL, 0, &in, &inlen), 0);
			st = dfs_auth_step(a, in, inlen, &out, &outlen, res);
			free(in);
			ck_assert_uint_eq(st, STATUS_MORE_PROCESSING_REQUIRED);
			cli_unwrap(out, outlen, DFS_SPNEGO_ACCEPT_INCOMPLETE,
				   &r);
		}
		ck_assert_ptr_nonnull(r.token);
		c->chal = malloc(r.token_len);
		memcpy(c->chal, r.token, r.token_len);
		c->chal_len = r.token_len;
		free(out);
	} else {
		c->chal = out;
		c->chal_len = outlen;
	}
	out = NULL;

	cli_authenticate(c, &m);
	if (c->spnego) {
		bool sign = c->mic && !c->anonymous;

		if (sign) {
			cli_sig(c, true, mic);
			if (c->bad_mech_mic)
				mic[6] ^= 0x40;
		}
		ck_assert_int_eq(dfs_spnego_build_resp(DFS_SPNEGO_NO_STATE,
			NULL, 0, m.p, m.len, sign ? mic : NULL, 16, &in,
			&inlen), 0);
		st = dfs_auth_step(a, in, inlen, &out, &outlen, res);
		free(in);
		if (st == STATUS_SUCCESS) {
			cli_unwrap(out, outlen, DFS_SPNEGO_ACCEPT_COMPLETED,
				   &r);
			if (sign && res->have_key) {
				/* the server's MIC, with its own keys */
				ck_assert_uint_eq(r.mic_len, 16);
				cli_sig(c, false, mic);
				ck_assert_mem_eq(r.mic, mic, 16);
			} else {
				ck_assert_ptr_null(r.mic);
			}
		}
	} else {
		st = dfs_auth_step(a, m.p, m.len, &out, &outlen, res);
		ck_assert_ptr_null(out);
	}
	if (st != STATUS_SUCCESS)
		ck_assert_ptr_null(out);
	if (st == STATUS_SUCCESS && res->have_key)
		ck_assert_mem_eq(res->session_key, c->key, 16);
	free(out);
	free(c->chal);
	free(c->mech_types);
	c->chal = NULL;
	c->mech_types = NULL;
	/* once finished, the exchange takes no more input */
	ck_assert_uint_ne(dfs_auth_step(a, m.p, m.len, &out, &outlen, res),
			  STATUS_MORE_PROCESSING_REQUIRED);
	free(out);
	dfs_auth_free(a);
	return st;
}

static struct cli alice(bool spnego, bool kx, bool mic)
{
	struct cli c = {
		.user = "alice", .domain = "WORKGROUP",
		.password = "Secret123", .spnego = spnego, .mic = mic,
		.flags = CLI_FLAGS | (kx ? NTLMSSP_NEGOTIATE_KEY_EXCH : 0),
	};

	return c;
}

START_TEST(test_exchange_matrix)
{
	/* _i: bit 0 SPNEGO, bit 1 KEY_EXCH, bit 2 MIC */
	struct cli c = alice(_i & 1, _i & 2, _i & 4);
	struct dfs_auth_result res;

	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);
	ck_assert(res.have_key);
	ck_assert(!res.guest && !res.anonymous);
	ck_assert_str_eq(res.user, "Alice");
	ck_assert_str_eq(res.domain, "WORKGROUP");
	ck_assert_uint_eq(res.uid, 1000);
	ck_assert_uint_eq(res.gid, 100);
}
END_TEST

START_TEST(test_exchange_variants)
{
	struct cli c = alice(true, true, true);
	struct dfs_auth_result res;

	/* Kerberos preferred: skipped, NTLMSSP picked, MIC still good */
	c.krb5_first = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);
	ck_assert(res.have_key);

	/* no domain, upper-case name */
	c = alice(true, true, true);
	c.domain = "";
	c.user = "ALICE";
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);

	/* seal asked and granted; 56-bit only */
	c = alice(false, true, true);
	c.flags = (c.flags | NTLMSSP_NEGOTIATE_SEAL) & ~NTLMSSP_NEGOTIATE_128;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);
	c.spnego = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);
}
END_TEST

START_TEST(test_exchange_failures)
{
	struct dfs_auth_cfg guest_cfg = test_cfg;
	struct dfs_auth_result res;
	struct cli c;

	c = alice(_i & 1, true, true);
	c.password = "secret123";
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_LOGON_FAILURE);
	ck_assert(!res.have_key);

	/* wrong password is not rescued by guest mapping */
	guest_cfg.map_bad_user_to_guest = true;
	ck_assert_uint_eq(run_exchange(&c, &guest_cfg, &res),
			  STATUS_LOGON_FAILURE);

	c = alice(_i & 1, true, true);
	c.user = "mallory";
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_LOGON_FAILURE);
	ck_assert_uint_eq(run_exchange(&c, &guest_cfg, &res), STATUS_SUCCESS);
	ck_assert(res.guest && !res.have_key && !res.anonymous);
	ck_assert_uint_eq(res.uid, 65534);
	ck_assert_uint_eq(res.gid, 65533);

	c = alice(_i & 1, true, true);
	c.user = "bob";
	c.password = "hunter2";
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_LOGON_FAILURE);

	c = alice(_i & 1, true, true);
	c.ntlmv1 = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_LOGON_FAILURE);

	c = alice(_i & 1, true, true);
	c.bad_mic = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_LOGON_FAILURE);

	/* KEY_EXCH without an encrypted key */
	c = alice(_i & 1, true, true);
	c.no_ekey = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
			  STATUS_INVALID_PARAMETER);

	/* a wrong SPNEGO mechListMIC */
	if (_i & 1) {
		c = alice(true, true, true);
		c.bad_mech_mic = true;
		ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res),
				  STATUS_LOGON_FAILURE);
	}
}
END_TEST

START_TEST(test_anonymous)
{
	struct cli c = alice(_i & 1, true, false);
	struct dfs_auth_result res;

	c.anonymous = true;
	ck_assert_uint_eq(run_exchange(&c, &test_cfg, &res), STATUS_SUCCESS);
	ck_assert(res.anonymous && !res.have_key && !res.guest);
	ck_assert_str_eq(res.user, "");
}
END_TEST

START_TEST(test_negotiate_token)
{
	struct dfs_spnego_init init;
	struct dfs_asn1 it;
	const uint8_t *oid;
	uint8_t *tok;
	size_t len, oid_len;

	ck_assert_int_eq(dfs_spnego_negotiate_token(&tok, &len), 0);
	ck_assert_int_eq(dfs_spnego_parse_init(tok, len, &init), 0);
	ck_assert_ptr_null(init.mech_token);
	ck_assert_int_eq(dfs_spnego_mech_list(&init, &it), 0);
	ck_assert_int_eq(dfs_spnego_mech_next(&it, &oid, &oid_len), 0);
	ck_assert_uint_eq(oid_len, 10);
	ck_assert_mem_eq(oid, dfs_oid_ntlmssp, 10);
	ck_assert_int_eq(dfs_spnego_mech_next(&it, &oid, &oid_len), -ENODATA);
	ck_assert(memmem(tok, len, "not_defined_in_RFC4178@please_ignore",
			 36) != NULL);
	/* byte-exact header: APPLICATION 0, then the SPNEGO OID */
	ck_assert_uint_eq(tok[0], 0x60);
	ck_assert_uint_eq(tok[1], len - 2);
	ck_assert_mem_eq(tok + 2, "\x06\x06\x2b\x06\x01\x05\x05\x02", 8);
	free(tok);
}
END_TEST

/* --- parser rejections --- */

static uint32_t one_step(const struct dfs_auth_cfg *cfg, const void *in,
			 size_t len)
{
	struct dfs_auth *a = dfs_auth_new(cfg);
	struct dfs_auth_result res;
	uint8_t *out = NULL;
	size_t outlen = 0;
	uint32_t st;

	st = dfs_auth_step(a, in, len, &out, &outlen, &res);
	free(out);
	dfs_auth_free(a);
	return st;
}

/* NEGOTIATE, then the given message as AUTHENTICATE; its status. */
static uint32_t auth_step_with(const void *msg, size_t len)
{
	struct dfs_auth *a = dfs_auth_new(&test_cfg);
	struct dfs_auth_result res;
	struct cli c = alice(false, true, true);
	uint8_t *out = NULL;
	size_t outlen = 0;
	uint32_t st;

	cli_negotiate(&c);
	st = dfs_auth_step(a, c.neg, sizeof(c.neg), &out, &outlen, &res);
	ck_assert_uint_eq(st, STATUS_MORE_PROCESSING_REQUIRED);
	free(out);
	st = dfs_auth_step(a, msg, len, &out, &outlen, &res);
	ck_assert_ptr_null(out);
	dfs_auth_free(a);
	return st;
}

START_TEST(test_reject_ntlmssp)
{
	struct cli c = alice(false, true, true);
	uint8_t neg[40], big[200];
	size_t i;

	cli_negotiate(&c);
	memcpy(neg, c.neg, sizeof(neg));
	/* truncated NEGOTIATE */
	for (i = 0; i < 16; i++)
		ck_assert_uint_ne(one_step(&test_cfg, neg, i),
				  STATUS_MORE_PROCESSING_REQUIRED);
	ck_assert_uint_eq(one_step(&test_cfg, neg, 16),
			  STATUS_MORE_PROCESSING_REQUIRED);
	/* bad signature, wrong first message types */
	neg[3] = 'X';
	ck_assert_uint_eq(one_step(&test_cfg, neg, sizeof(neg)),
			  STATUS_INVALID_PARAMETER);
	memcpy(neg, c.neg, sizeof(neg));
	for (i = 0; i < 5; i++) {
		if (i == NTLMSSP_NEGOTIATE)
			continue;
		dfs_put_le32(neg + 8, (uint32_t)i);
		ck_assert_uint_eq(one_step(&test_cfg, neg, sizeof(neg)),
				  STATUS_INVALID_PARAMETER);
	}
	/* a second NEGOTIATE instead of AUTHENTICATE */
	ck_assert_uint_eq(auth_step_with(c.neg, sizeof(c.neg)),
			  STATUS_INVALID_PARAMETER);

	/* AUTHENTICATE: short, and buffers past the end or wrapping */
	memset(big, 0, sizeof(big));
	memcpy(big, "NTLMSSP", 8);
	dfs_put_le32(big + 8, NTLMSSP_AUTH);
	for (i = 0; i < 64; i++)
		ck_assert_uint_eq(auth_step_with(big, i),
				  STATUS_INVALID_PARAMETER);
	for (i = 12; i <= 52; i += 8) {
		uint8_t m[200];

		memcpy(m, big, sizeof(m));
		dfs_put_le16(m + i, 16);
		dfs_put_le32(m + i + 4, 190);	/* 190 + 16 > 200 */
		ck_assert_uint_eq(auth_step_with(m, sizeof(m)),
				  STATUS_INVALID_PARAMETER);
		dfs_put_le32(m + i + 4, 0xfffffff8u);	/* wraps */
		ck_assert_uint_eq(auth_step_with(m, sizeof(m)),
				  STATUS_INVALID_PARAMETER);
		dfs_put_le16(m + i, 0xffff);
		dfs_put_le32(m + i + 4, 88);
		ck_assert_uint_eq(auth_step_with(m, sizeof(m)),
				  STATUS_INVALID_PARAMETER);
	}
}
END_TEST

/* Every prefix of a real AUTHENTICATE fails cleanly. */
START_TEST(test_reject_truncated_auth)
{
	struct dfs_auth *a;
	struct cli c = alice(false, true, true);
	struct dfs_auth_result res;
	struct abuf m;
	uint8_t *out;
	size_t outlen, len;

	for (len = 0; len < 400; len++) {
		a = dfs_auth_new(&test_cfg);
		cli_negotiate(&c);
		ck_assert_uint_eq(dfs_auth_step(a, c.neg, sizeof(c.neg), &out,
						&outlen, &res),
				  STATUS_MORE_PROCESSING_REQUIRED);
		c.chal = out;
		c.chal_len = outlen;
		cli_authenticate(&c, &m);
		free(c.chal);
		if (len >= m.len) {
			dfs_auth_free(a);
			break;
		}
		ck_assert_uint_ne(dfs_auth_step(a, m.p, len, &out, &outlen,
						&res), STATUS_SUCCESS);
		ck_assert_ptr_null(out);
		dfs_auth_free(a);
	}
	ck_assert_uint_lt(len, 400);
}
END_TEST

START_TEST(test_reject_asn1)
{
	static const struct {
		const char *hex;
	} bad[] = {
		{ "" },
		{ "60" },
		{ "6080" },				/* indefinite */
		{ "60800606" },
		{ "6085000000000a" },			/* 5 length octets */
		{ "6084ffffffff0606" },			/* past the buffer */
		{ "6082" },				/* length cut */
		{ "60050606" },				/* content cut */
		{ "7f0100" },				/* high tag */
		{ "60020500" },				/* not the SPNEGO OID */
		{ "600806062b0601050502" },		/* no NegTokenInit */
		{ "600a06062b0601050502a000" },		/* empty [0] */
		{ "600c06062b0601050502a0023000" },	/* no mechTypes */
		/* mechTypes holding a non-OID */
		{ "601206062b0601050502a008300 6a00430020500" },
		/* fields out of order: [2] before [0] */
		{ "601a06062b0601050502a01030 0ea2020400a008 3006060"
		  "42b060102" },
		{ "a1" },				/* resp: cut */
		{ "a10430023000" },			/* unknown field */
		{ "a1053003a00100" },			/* negState not ENUM */
		{ "a1073005a0030a0109" },		/* negState 9 */
	};
	uint8_t buf[256] = { 0 }, *out;
	size_t i, n, outlen;
	struct dfs_spnego_init init;
	struct dfs_spnego_resp resp;

	for (i = 0; i < DFS_ARRAY_SIZE(bad); i++) {
		char hex[200];
		size_t j, k = 0;

		/* the table allows spaces for readability */
		for (j = 0; bad[i].hex[j]; j++)
			if (bad[i].hex[j] != ' ')
				hex[k++] = bad[i].hex[j];
		hex[k] = 0;
		n = unhex(hex, buf, sizeof(buf));
		ck_assert_msg(dfs_spnego_parse_init(buf, n, &init) != 0 ||
			      buf[0] != 0x60, "init %zu accepted", i);
		ck_assert_msg(dfs_spnego_parse_resp(buf, n, &resp) != 0 ||
			      buf[0] != 0xa1, "resp %zu accepted", i);
		ck_assert_msg(one_step(&test_cfg, buf, n) ==
			      STATUS_INVALID_PARAMETER, "step %zu", i);
	}

	/* a NegTokenResp as the first token is refused */
	ck_assert_int_eq(dfs_spnego_build_resp(1, NULL, 0, (const uint8_t *)
					       "NTLMSSP", 8, NULL, 0, &out,
					       &outlen), 0);
	ck_assert_uint_eq(one_step(&test_cfg, out, outlen),
			  STATUS_INVALID_PARAMETER);
	free(out);
}
END_TEST

START_TEST(test_reject_deep_nesting)
{
	uint8_t buf[400];
	size_t depth, i, n;

	/* [0] { [0] { ... } } nested depth times (short lengths only) */
	for (depth = 1; depth <= 60; depth++) {
		n = 2 * depth;
		for (i = 0; i < depth; i++) {
			buf[2 * i] = 0xa0;
			buf[2 * i + 1] = (uint8_t)(n - 2 * i - 2);
		}
		if (depth <= DFS_ASN1_MAX_DEPTH)
			ck_assert_int_eq(dfs_asn1_check(buf, n,
					 DFS_ASN1_MAX_DEPTH, NULL), 0);
		else
			ck_assert_int_ne(dfs_asn1_check(buf, n,
					 DFS_ASN1_MAX_DEPTH, NULL), 0);
	}
	/* the same under an InitialContextToken and a NegTokenResp */
	buf[0] = 0x60;
	ck_assert_uint_eq(one_step(&test_cfg, buf, 2 * 60),
			  STATUS_INVALID_PARAMETER);
	buf[0] = 0xa1;
	ck_assert_int_ne(dfs_asn1_check(buf, 2 * 60, DFS_ASN1_MAX_DEPTH,
					NULL), 0);
}
END_TEST

START_TEST(test_not_supported)
{
	struct dfs_asn1_w w;
	size_t app, ch, seq, t, l;
	uint8_t *tok;
	size_t len;

	dfs_asn1_w_init(&w);
	app = dfs_asn1_w_begin(&w);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_spnego, 6);
	ch = dfs_asn1_w_begin(&w);
	seq = dfs_asn1_w_begin(&w);
	t = dfs_asn1_w_begin(&w);
	l = dfs_asn1_w_begin(&w);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_krb5, 9);
	dfs_asn1_w_prim(&w, DFS_ASN1_OID, dfs_oid_mskrb5, 9);
	dfs_asn1_w_end(&w, l, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, t, DFS_ASN1_CTX(0));
	dfs_asn1_w_end(&w, seq, DFS_ASN1_SEQ);
	dfs_asn1_w_end(&w, ch, DFS_ASN1_CTX(0));
	dfs_asn1_w_end(&w, app, DFS_ASN1_APP(0));
	ck_assert_int_eq(dfs_asn1_w_finish(&w, &tok, &len), 0);
	ck_assert_uint_eq(one_step(&test_cfg, tok, len), STATUS_NOT_SUPPORTED);
	free(tok);
}
END_TEST

static void flip(uint8_t *p, size_t n, unsigned int *seed)
{
	size_t at = (size_t)rand_r(seed) % n;

	p[at] ^= (uint8_t)(1 + rand_r(seed) % 255);
}

/* Random corruption of real tokens: never a crash, never a success. */
START_TEST(test_mutations)
{
	struct cli c = alice(true, true, true);
	struct dfs_auth_result res;
	struct abuf m;
	uint8_t *init, *out, *chal, mut[2048];
	size_t init_len, outlen, chal_len, i;
	unsigned int seed = 12345;
	struct dfs_auth *a;

	cli_negotiate(&c);
	cli_spnego_init(&c, &init, &init_len);
	for (i = 0; i < 3000; i++) {
		size_t n = init_len, k, flips = 1 + rand_r(&seed) % 4;

		memcpy(mut, init, n);
		for (k = 0; k < flips; k++)
			flip(mut, n, &seed);
		if (rand_r(&seed) % 3 == 0)
			n = rand_r(&seed) % n;
		a = dfs_auth_new(&test_cfg);
		dfs_auth_step(a, mut, n, &out, &outlen, &res);
		free(out);
		dfs_auth_free(a);
	}
	/* and of the AUTHENTICATE, past a good CHALLENGE */
	for (i = 0; i < 1000; i++) {
		size_t n, k, flips = 1 + rand_r(&seed) % 3;

		a = dfs_auth_new(&test_cfg);
		ck_assert_uint_eq(dfs_auth_step(a, c.neg, sizeof(c.neg), &chal,
						&chal_len, &res),
				  STATUS_MORE_PROCESSING_REQUIRED);
		c.chal = chal;
		c.chal_len = chal_len;
		cli_authenticate(&c, &m);
		n = m.len;
		memcpy(mut, m.p, n);
		for (k = 0; k < flips; k++)
			flip(mut, n, &seed);
		/* the MIC covers every byte: any real change must fail */
		if (dfs_auth_step(a, mut, n, &out, &outlen, &res) ==
		    STATUS_SUCCESS)
			ck_assert(memcmp(mut, m.p, n) == 0);
		free(out);
		free(chal);
		dfs_auth_free(a);
	}
	free(init);
	free(c.mech_types);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("vectors");

	tcase_add_test(tc, test_nt_hash);
	tcase_add_test(tc, test_ntlmv2_nlmp_424);
	tcase_add_test(tc, test_ntlmv2_anatomy);
	tcase_add_test(tc, test_utf16);
	suite_add_tcase(s, tc);

	tc = tcase_create("exchange");
	tcase_add_loop_test(tc, test_exchange_matrix, 0, 8);
	tcase_add_test(tc, test_exchange_variants);
	tcase_add_loop_test(tc, test_exchange_failures, 0, 2);
	tcase_add_loop_test(tc, test_anonymous, 0, 2);
	tcase_add_test(tc, test_negotiate_token);
	tcase_add_test(tc, test_not_supported);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reject_ntlmssp);
	tcase_add_test(tc, test_reject_truncated_auth);
	tcase_add_test(tc, test_reject_asn1);
	tcase_add_test(tc, test_reject_deep_nesting);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(auth_suite)

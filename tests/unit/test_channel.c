// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_channel.c - multichannel session binding keys (smb2_channel.c)
 * against the published SMB 3.1.1 binding exchange: the binding requests
 * and the interim response are signed with the session's key, the
 * preauth chain over them starts at the new connection's hash, and the
 * channel key derived from the binding's session key and that hash signs
 * the final response.
 *
 * Values copied from shared/vectors/ beside the checkout:
 * ms_anatomy_smb311_preauth_binding.txt (packets, hashes) and
 * ms_anatomy_smb311_kdf.txt (keys); SMB 3.0 from ms_anatomy_smb300_kdf.txt.
 */
#include <string.h>

#include "common/preauth.h"
#include "common/signing.h"
#include "common/smb2_proto.h"
#include "tests/unit/check_main.h"
#include "userd/crypto_openssl.h"
#include "userd/smb2_channel.h"

static const struct dfs_crypto_ops *ops = &dfs_openssl_crypto_ops;

/* ms_anatomy_smb311_kdf.txt [master_session_first_channel] SigningKey */
static const char MASTER_SIGNING[] = "73FE7A9A77BEF0BDE49C650D8CCB5F76";
/* ms_anatomy_smb311_kdf.txt [second_channel_session_binding] */
static const char BIND_SESSION_KEY[] = "84B9DBB730116A8FA6E9889555C265F9";
static const char CHANNEL_SIGNING[] = "C962BCA1A9DD1697B030644199705431";

/* H2_after_negotiate_response_Connection.PreauthIntegrityHashValue */
static const char H2[] =
	"E267AB1AA0403082AA2A9FEB0224AF3EA92E53CAA50A893A9635F065"
	"9F93591F81391737E68DB0C9AD878C56449C36A6895EBCF435A7D970"
	"72C7B596B8AF3817";

/* session_setup_request_1_binding_signed */
static const char REQ1[] =
	"FE534D42400001000000000001008000080000000000000002000000"
	"00000000FFFE000000000000190000000010000068BD0C58F613CE13"
	"34B1EB51C68D39EA19000101010000000000000058004A0000000000"
	"00000000604806062B0601050502A03E303CA00E300C060A2B060104"
	"01823702020AA22A04284E544C4D5353500001000000978208E20000"
	"0000000000000000000000000000060380250000000F";

/* H3_after_session_setup_request_1 */
static const char H3[] =
	"8346469934A59E951A3F2DA7FA4C2C29F0F6B13A6B0951D4CD5279F8"
	"D40FD84FF98157937613C6BE9514582E44344B1710DD5BFCE3BB023D"
	"28C6EA512E0ADEBD";

/* session_setup_response_1_more_processing_signed */
static const char RSP1[] =
	"FE534D4240000100160000C001000100090000000000000002000000"
	"00000000FFFE0000000000001900000000100000014A71CAE724995E"
	"612430E2BE87578C090000004800B300A181B03081ADA0030A0101A1"
	"0C060A2B06010401823702020AA281970481944E544C4D5353500002"
	"0000000C000C003800000015828AE23823DA68E32D2FE10000000000"
	"00000050005000440000000A0092270000000F530055005400330031"
	"00310002000C0053005500540033003100310001000C005300550054"
	"0033003100310004000C0053005500540033003100310003000C0053"
	"005500540033003100310007000800413B42AECBAED00100000000";

/* H4_after_session_setup_response_1 */
static const char H4[] =
	"6DAD1BA61CAF5FDFBB46D995463FF5780F7248D692E70CE87D8B58B2"
	"FBEFD438937E1BCBEC3676F26F7EE374E169F8AFB17671FB9A47AB88"
	"EE2C079DB2B2C7D3";

/* session_setup_request_2_binding_signed */
static const char REQ2[] =
	"FE534D42400001000000000001008000080000000000000003000000"
	"00000000FFFE00000000000019000000001000003CA64529ACAE57B2"
	"6DCEC17B14E477D71900010101000000000000005800CF0100000000"
	"00000000A18201CB308201C7A0030A0101A28201AA048201A64E544C"
	"4D53535000030000001800180090000000EE00EE00A80000000C000C"
	"00580000001A001A0064000000120012007E00000010001000960100"
	"00158288E2060380250000000FED00E0F3D901F7B77E98071474F830"
	"09530055005400330031003100610064006D0069006E006900730074"
	"007200610074006F0072004400520049005600450052003300310031"
	"00000000000000000000000000000000000000000000000000A46794"
	"DA5D2033965D5339E1A675B79B0101000000000000413B42AECBAED0"
	"018E4D343661BA6A750000000002000C005300550054003300310031"
	"0001000C0053005500540033003100310004000C0053005500540033"
	"003100310003000C0053005500540033003100310007000800413B42"
	"AECBAED0010600040002000000080030003000000000000000000000"
	"0000300000B61FEFCAA857EA57BF1EDCEBF8974B8E0EBA5A6DFD9D07"
	"A31D11B548F8C9D0CC0A001000000000000000000000000000000000"
	"000900160063006900660073002F0053005500540033003100310000"
	"0000000000000000000000C8C61D67CE697693891336917655DDD3A3"
	"120410010000005122F070A7314A9B00000000";

/* H5_final_PreauthSession.PreauthIntegrityHashValue */
static const char H5[] =
	"EA3BF912B11CBFEC5B1889E8209614218687F82FA5294521AD306342"
	"5E49E88A10BD022124CE25123BC9111F52D9566BA88BF46344E6063D"
	"C5E3FF0389026F6C";

/* session_setup_response_final_success */
static const char RSP_FINAL[] =
	"FE534D42400001000000000001008000090000000000000003000000"
	"00000000FFFE00000000000019000000001000008D604217FFBACF40"
	"635BF9D8729921500900000048001D00A11B3019A0030A0100A31204"
	"1001000000CFB046FC5D368E2200000000";

static size_t unhex(const char *hex, u8 *out, size_t cap)
{
	size_t n = dfs_test_unhex(hex, out, cap);

	ck_assert_uint_eq(n * 2, strlen(hex));
	return n;
}

static void assert_hex(const u8 *got, size_t len, const char *hex)
{
	u8 want[64];

	ck_assert_uint_eq(unhex(hex, want, sizeof(want)), len);
	ck_assert_mem_eq(got, want, len);
}

static struct dfs_sign_key cmac_key(const char *hex)
{
	struct dfs_sign_key k = { .alg = DFS_MAC_AES_CMAC };
	u8 raw[16];

	unhex(hex, raw, sizeof(raw));
	k.key = ops->mac_key_new(DFS_MAC_AES_CMAC, raw, 16);
	ck_assert_ptr_nonnull(k.key);
	return k;
}

/* Does the packet's signature verify with k? */
static bool verifies(const struct dfs_sign_key *k, const char *hex)
{
	u8 pkt[1024];
	size_t len = unhex(hex, pkt, sizeof(pkt));

	return dfs_verify_pdu(ops, k, pkt, len);
}

/* h = SHA-512(h || packet) */
static void chain(u8 h[64], const char *hex)
{
	u8 pkt[1024];
	size_t len = unhex(hex, pkt, sizeof(pkt));

	ck_assert_int_eq(dfs_preauth_update(ops, h, pkt, len, h), 0);
}

START_TEST(test_channel_key_311)
{
	u8 sk[16], pre[64], key[16];

	unhex(BIND_SESSION_KEY, sk, sizeof(sk));
	unhex(H5, pre, sizeof(pre));
	ck_assert_int_eq(dfs_channel_signing_key(SMB2_DIALECT_311, sk, pre, key), 0);
	assert_hex(key, 16, CHANNEL_SIGNING);
}
END_TEST

/* 3.0 has no preauth: the channel key is the bind's "SmbSign" key. */
START_TEST(test_channel_key_300)
{
	u8 sk[16], key[16];

	/* ms_anatomy_smb300_kdf.txt */
	unhex("4E01A2B313BCF660CC250BEF021AEDE6", sk, sizeof(sk));
	ck_assert_int_eq(dfs_channel_signing_key(SMB2_DIALECT_300, sk, NULL, key), 0);
	assert_hex(key, 16, "BA1A17DBBFEC349BCA105563D598952F");
	/* 2.x sessions cannot bind: no channel key */
	ck_assert_int_eq(dfs_channel_signing_key(SMB2_DIALECT_210, sk, NULL, key), -1);
}
END_TEST

/* The binding requests and the interim answer carry the session's signature. */
START_TEST(test_binding_signed_with_session_key)
{
	struct dfs_sign_key master = cmac_key(MASTER_SIGNING);
	struct dfs_sign_key channel = cmac_key(CHANNEL_SIGNING);

	ck_assert(verifies(&master, REQ1));
	ck_assert(verifies(&master, RSP1));
	ck_assert(verifies(&master, REQ2));
	/* ... and not with the channel's, which only the final answer uses */
	ck_assert(!verifies(&channel, REQ1));
	ck_assert(!verifies(&channel, REQ2));
	ops->mac_key_free(master.key);
	ops->mac_key_free(channel.key);
}
END_TEST

/*
 * The whole exchange: the new connection's hash, chained over the signed
 * packets as sent, gives the context from which the channel key is
 * derived, and that key verifies the final response.
 */
START_TEST(test_binding_exchange)
{
	struct dfs_sign_key master = cmac_key(MASTER_SIGNING);
	struct dfs_sign_key channel;
	u8 h[64], sk[16], key[16], pkt[1024];
	size_t len;

	unhex(H2, h, sizeof(h));
	chain(h, REQ1);
	assert_hex(h, 64, H3);
	chain(h, RSP1);
	assert_hex(h, 64, H4);
	chain(h, REQ2);
	assert_hex(h, 64, H5);

	unhex(BIND_SESSION_KEY, sk, sizeof(sk));
	ck_assert_int_eq(dfs_channel_signing_key(SMB2_DIALECT_311, sk, h, key), 0);
	channel.alg = DFS_MAC_AES_CMAC;
	channel.key = ops->mac_key_new(DFS_MAC_AES_CMAC, key, 16);
	ck_assert_ptr_nonnull(channel.key);
	ck_assert(verifies(&channel, RSP_FINAL));
	ck_assert(!verifies(&master, RSP_FINAL));

	/* signing the final answer ourselves gives the published bytes */
	len = unhex(RSP_FINAL, pkt, sizeof(pkt));
	memset(pkt + SMB2_HDR_SIGNATURE, 0, SMB2_SIG_SIZE);
	ck_assert_int_eq(dfs_sign_pdu(ops, &channel, pkt, len), 0);
	assert_hex(pkt + SMB2_HDR_SIGNATURE, 16, "8D604217FFBACF40635BF9D872992150");

	/* a flipped bit anywhere fails */
	pkt[len - 1] ^= 1;
	ck_assert(!dfs_verify_pdu(ops, &channel, pkt, len));
	ops->mac_key_free(master.key);
	ops->mac_key_free(channel.key);
}
END_TEST

static Suite *channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("binding");

	tcase_add_test(tc, test_channel_key_311);
	tcase_add_test(tc, test_channel_key_300);
	tcase_add_test(tc, test_binding_signed_with_session_key);
	tcase_add_test(tc, test_binding_exchange);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(channel_suite)

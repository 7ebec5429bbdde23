// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_transform.c - the SMB2_TRANSFORM_HEADER layer (common/transform.c)
 * with the OpenSSL ops: round trips for the four ciphers, the published
 * transform messages decrypted through dfs_transform_decrypt (and the
 * 3.1.1 ones reproduced byte for byte by dfs_transform_encrypt), tamper
 * detection over every header bit, malformed headers, nonce uniqueness
 * over a million messages and the nonce counter limit.
 *
 * test_crypto.c checks the raw AEAD ops; this file checks the framing
 * around them: where the nonce, AAD and tag live and what is refused.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/smb2_proto.h"
#include "common/transform.h"
#include "tests/unit/check_main.h"
#include "userd/crypto_openssl.h"

#define BUF_SIZE	4096
#define NONCE_MESSAGES	1000000u

static const struct dfs_crypto_ops *ops = &dfs_openssl_crypto_ops;

static const int algs[] = {
	DFS_AEAD_AES128_CCM, DFS_AEAD_AES128_GCM,
	DFS_AEAD_AES256_CCM, DFS_AEAD_AES256_GCM,
};

struct xform_vec {
	const char *name;
	int alg;
	/*
	 * The nonce field is counter || salt || zeros, so that
	 * dfs_transform_encrypt can be made to produce it (the 3.0 client
	 * put random bytes past the 11 CCM nonce bytes: decrypt only).
	 */
	bool reproducible;
	const char *key;
	const char *transformed;
	const char *plaintext;
};

/*
 * Published messages, copied from shared/vectors/ beside the checkout (file and
 * section named above each). The blogs' EncryptionKey is the client's
 * (client -> server), used for the requests; responses use the other.
 */
static const struct xform_vec ms_vecs[] = {
	/* ms_smb311_encryption_gcm.txt [write_request_encrypt] */
	{
		.name = "3.1.1 AES-128-GCM write_request_encrypt",
		.alg = DFS_AEAD_AES128_GCM,
		.reproducible = true,
		.key = "A2F5E80E5D59103034F32E52F698E5EC",
		.transformed =
			"FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48"
			"904C664C00000000870000000000010025000000001000006ECDD2A7"
			"AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02D14EF247"
			"F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBF"
			"AA75E49A4A394BB44576545567C24D4C014D47C9FBDFDAFD2C4F9B72"
			"F8D256452620A299F48E29E53D6B61D1C13A19E91AF013F00D17E3AB"
			"C2FC3D36C8C1B6B93973253852DBD442E46EE8",
		.plaintext =
			"FE534D42400001000000000009000100080000000000000005000000"
			"00000000FFFE00000100000025000000001000000000000000000000"
			"00000000000000003100700017000000000000000000000006000000"
			"04000000010000000400000000000000000000007000000000000000"
			"536D623320656E6372797074696F6E2074657374696E67",
	},
	/* ms_smb311_encryption_gcm.txt [write_response_decrypt] */
	{
		.name = "3.1.1 AES-128-GCM write_response_decrypt",
		.alg = DFS_AEAD_AES128_GCM,
		.reproducible = true,
		.key = "748C50868C90F302962A5C35F5F9A8BF",
		.transformed =
			"FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B4"
			"00000000000000005000000000000100250000000010000026BBBF94"
			"9983A6C1C796559D0F2C510CB651D1F7B6AC8DED32A2A0B8F2D793A8"
			"15C6F6B848D69767A215841A42D400AE6DDB5F0B44173A014973321F"
			"DD7950DA6179159B82E03C9E18A050FF0EA1C967",
		.plaintext =
			"FE534D42400001000000000009000100010000000000000005000000"
			"00000000FFFE00000100000025000000001000000000000000000000"
			"000000000000000011000000170000000000000000000000",
	},
	/* ms_smb311_encryption_gcm.txt [read_request_encrypt] */
	{
		.name = "3.1.1 AES-128-GCM read_request_encrypt",
		.alg = DFS_AEAD_AES128_GCM,
		.reproducible = true,
		.key = "A2F5E80E5D59103034F32E52F698E5EC",
		.transformed =
			"FD534D426DAC0B6FD85A3ED42BB917DA38FE0386D7AA8C6D36859243"
			"B715E0A6000000007100000000000100250000000010000088A47BF0"
			"9CA3C3141CDD7306BE9D9475AB24FCCB833D77461C041F8FB983D0C1"
			"88F0729272B31D9D3D0DC6B687C069EEE0CC8EACA2C536D019ACC9E1"
			"85D1EB630E0FCB793EEECEB06D82A1D77706E700DBEBFB4FEB54D7AD"
			"2D97E7288804F90757FE4D08D6A84A3FF433E7451E768E4699",
		.plaintext =
			"FE534D42400001000000000008000100080000000000000006000000"
			"00000000FFFE00000100000025000000001000000000000000000000"
			"00000000000000003100000017000000000000000000000006000000"
			"04000000010000000400000000000000000000000000000000000000"
			"00",
	},
	/* ms_smb311_encryption_gcm.txt [read_response_decrypt] */
	{
		.name = "3.1.1 AES-128-GCM read_response_decrypt",
		.alg = DFS_AEAD_AES128_GCM,
		.reproducible = true,
		.key = "748C50868C90F302962A5C35F5F9A8BF",
		.transformed =
			"FD534D427F714B3B9D8FA1198584E71C2BAA1CB6E16831DD2E8EB7B4"
			"000000000000000067000000000001002500000000100000FECEDF4D"
			"03BB11A6CC5D8A53BE33D6D8701986342B4197D306E16F9CBB218E92"
			"F7F8281F51CE68BB85A20D87DE90EBBF80538066D1C37513C0A58D70"
			"936D537B624F5500202A612B6CD30D448A82791A0B2E049ED512AFAE"
			"FB06E98AB3D6F931D7D50DB2DBD36A",
		.plaintext =
			"FE534D42400001000000000008000100010000000000000006000000"
			"00000000FFFE00000100000025000000001000000000000000000000"
			"000000000000000011005000170000000000000000000000536D6233"
			"20656E6372797074696F6E2074657374696E67",
	},
	/* ms_smb311_encryption_ccm.txt [write_request_encrypt] */
	{
		.name = "3.1.1 AES-128-CCM write_request_encrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = true,
		.key = "DFAAA31AAE40A2485D47AC4DF09FDA1D",
		.transformed =
			"FD534D42E89551D666DAB8993488F5A97103116C9F6F1EAAD7E9F24A"
			"ACD38F00000000008700000000000100210000000010000056A74778"
			"199A9D2B6E9C3A376FD88D27680694FED253A313BEB07381AE8689F9"
			"73ACDB8D716E4477803BCE53A92E1B81FA3E965AD9AF2C89C08CE66A"
			"344664453B8FC88118EDC9814CF58E92AA465E6EFB09958A9FDAD96F"
			"BD55B36A710C30D5E7C64AD7B9449F9F17EDD024FE8BA79154F340A8"
			"2740D1D5180C69B0A2DE6A4BA893BD55D3210E",
		.plaintext =
			"FE534D42400001000000000009000100080000000000000005000000"
			"00000000FFFE00000100000021000000001000000000000000000000"
			"00000000000000003100700017000000000000000000000005000000"
			"04000000010000000400000000000000000000007000000000000000"
			"536D623320656E6372797074696F6E2074657374696E67",
	},
	/* ms_smb311_encryption_ccm.txt [write_response_decrypt] */
	{
		.name = "3.1.1 AES-128-CCM write_response_decrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = true,
		.key = "95C544AEF6072680DA1CE49A68A97FA6",
		.transformed =
			"FD534D42DD33EC41A927DD51476FE887C2D3C136D96831DD2E8EB7B4"
			"000000000000000050000000000001002100000000100000F783157E"
			"0F6F1C055D746753CA16D20C21088E2A67564E056C2F68A7F14F226C"
			"3BD809B7A2D52E5FE4ECF49821BC6001733430CF174E2764B3CCB213"
			"AAD8BB9FBAF6C15E13D9120965390E004A96A3F7",
		.plaintext =
			"FE534D42400001000000000009000100010000000000000005000000"
			"00000000FFFE00000100000021000000001000000000000000000000"
			"000000000000000011000000170000000000000000000000",
	},
	/* ms_smb311_encryption_ccm.txt [read_request_encrypt] */
	{
		.name = "3.1.1 AES-128-CCM read_request_encrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = true,
		.key = "DFAAA31AAE40A2485D47AC4DF09FDA1D",
		.transformed =
			"FD534D4235BF9600C841F0CDA9BD1BC3727B7E36A0F92E964EDC3049"
			"B86E19000000000071000000000001002100000000100000C4CCD3EB"
			"483A0638E69C99E391E7F64BCC10D6BEE46FEEA258C4BCAF792CB5A6"
			"E69283924081806DAB64827E9D14A5345D5221AB6DAFCB0E89FC2606"
			"B63D92163F4F6C93D1213D86ABF123B93EAD3AEF9A3471EFD68A423A"
			"00A6E0064D9AE3C842EFFFAD236A3BF25D37F4CD054C97DE18",
		.plaintext =
			"FE534D42400001000000000008000100080000000000000006000000"
			"00000000FFFE00000100000021000000001000000000000000000000"
			"00000000000000003100000017000000000000000000000005000000"
			"04000000010000000400000000000000000000000000000000000000"
			"00",
	},
	/* ms_smb311_encryption_ccm.txt [read_response_decrypt] */
	{
		.name = "3.1.1 AES-128-CCM read_response_decrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = true,
		.key = "95C544AEF6072680DA1CE49A68A97FA6",
		.transformed =
			"FD534D42E241A13C7E1EE42ECF1FD69F3B8668C6DA6831DD2E8EB7B4"
			"00000000000000006700000000000100210000000010000015D67234"
			"FC8358D7BA1BF037ABC8EFD41A0A8F9BB04B16DEB1E85606BD8C2770"
			"823FE6239A286CB3E3D5762ABBD53FD8DE11ED491FE905E146A8FFCE"
			"09414AB741103D637E28B19C6BA759B399DCC21FAE24CF2A455A13B2"
			"15FC2857ABB513927F9F271D1C208B",
		.plaintext =
			"FE534D42400001000000000008000100010000000000000006000000"
			"00000000FFFE00000100000021000000001000000000000000000000"
			"000000000000000011005000170000000000000000000000536D6233"
			"20656E6372797074696F6E2074657374696E67",
	},
	/* ms_smb300_encryption_ccm.txt [write_request_encrypt] */
	{
		.name = "3.0 AES-128-CCM write_request_encrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = false,
		.key = "261B72350558F2E9DCF613070383EDBF",
		.transformed =
			"FD534D4281A286535415445DAE393921E44FA42E66E69A111892584F"
			"B5ED524A744DA3EE87000000000001001100001400E4080025C8FEE1"
			"6605A437832D1CD52DA9F4645333482A175FE5384563F45FCDAFAEF3"
			"8BC62BA4D5C62897996625A44C29BE5658DE2E6117585779E7B59FFD"
			"971278D08580D7FA899E410E910EABF5AA1DB43050B33B4918263775"
			"9AC15D84BFCDF5B6B238993C0F4CF4D6012023F6C627297075D84B78"
			"03912D0A9639634453595EF3E33FFE4E7AC2AB",
		.plaintext =
			"FE534D42400001000000000009004000080000000000000004000000"
			"00000000FFFE0000010000001100001400E408000000000000000000"
			"00000000000000003100700017000000000000000000000015010000"
			"39000002010000003902000000000000000000007000000000000000"
			"536D623320656E6372797074696F6E2074657374696E67",
	},
	/* ms_smb300_encryption_ccm.txt [write_response_decrypt] */
	{
		.name = "3.0 AES-128-CCM write_response_decrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = false,
		.key = "8FE2B57EC34D2DB5B1A9727F526BBDB5",
		.transformed =
			"FD534D42A6015530A18F6D9AFFE22AFAE8E664848600000000000000"
			"1100001400E4080050000000000001001100001400E40800DBF46435"
			"C5F14169293CE079E344479BF670227E49873F458672C3098DAC467D"
			"D5809F369D674091665157871483E01F7BECD02064EAC3E235F91366"
			"8BBC2F097980D4B378F1993EFF6E60D177309E5B",
		.plaintext =
			"FE534D42400001000000000009002100090000000000000004000000"
			"00000000FFFE0000010000001100001400E408000000000000000000"
			"000000000000000011000000170000000000000000000000",
	},
	/* ms_smb300_encryption_ccm.txt [read_request_encrypt] */
	{
		.name = "3.0 AES-128-CCM read_request_encrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = false,
		.key = "261B72350558F2E9DCF613070383EDBF",
		.transformed =
			"FD534D42E93601498B76D6F7A72D5EF9B6C79FAFA5123A25F983E245"
			"983F413B8B429AF271000000000001001100001400E408009A464F70"
			"9AA663F8C2FC3907D63CBF6F98B1E3DD649ED366009FD0B40A365224"
			"718E5440E053F6E01AE462FDB721BF91C3A6E52E14F9EFF005F44576"
			"1289FF1272908B52754C8FCB949F228AC104A66204289A205BCBC475"
			"09D04AF9A907002B96863358B3B7CBA5E377930074FCDF3550",
		.plaintext =
			"FE534D42400001000000000008004000080000000000000005000000"
			"00000000FFFE0000010000001100001400E408000000000000000000"
			"00000000000000003100000017000000000000000000000015010000"
			"39000002010000003902000000000000000000000000000000000000"
			"00",
	},
	/* ms_smb300_encryption_ccm.txt [read_response_decrypt] */
	{
		.name = "3.0 AES-128-CCM read_response_decrypt",
		.alg = DFS_AEAD_AES128_CCM,
		.reproducible = false,
		.key = "8FE2B57EC34D2DB5B1A9727F526BBDB5",
		.transformed =
			"FD534D42ABD518B68C2F04D7879F482B689EB83F8700000000000000"
			"1100001400E4080067000000000001001100001400E40800493D6FE2"
			"BDBEB435CF5F546970C7BB57BF20E713C75A3D045507E0D68E5C0346"
			"659D6FFB8AC1504A786CA2BB89C9E7FE4F313E910A04180D2D0EA7DF"
			"636329E5A3285984500EF86FE9D55DA4FAB9531CFDD4C551D47F3C73"
			"124BB4590A45052B694048B991CCF5",
		.plaintext =
			"FE534D42400001000000000008002100090000000000000005000000"
			"00000000FFFE0000010000001100001400E408000000000000000000"
			"000000000000000011005000170000000000000000000000536D6233"
			"20656E6372797074696F6E2074657374696E67",
	},
};

/*
 * AES-256: no published transform message holds a whole SMB2 header (the
 * smbprotocol vectors below carry 4 bytes, which dfs_transform_decrypt
 * rightly refuses as too short for a PDU). These two were computed
 * independently with python3-cryptography 38 (AESCCM/AESGCM, 16-byte
 * tag), key 20..3F, over the plaintext of the 3.1.1 GCM WRITE request,
 * AAD = header bytes 20..51 as MS-SMB2 3.1.4.3 describes.
 */
/* The plaintext of the 3.1.1 GCM WRITE request (ms_smb311_encryption_gcm.txt). */
#define WRITE_REQ_GCM_PT \
	"FE534D42400001000000000009000100080000000000000005000000" \
	"00000000FFFE00000100000025000000001000000000000000000000" \
	"00000000000000003100700017000000000000000000000006000000" \
	"04000000010000000400000000000000000000007000000000000000" \
	"536D623320656E6372797074696F6E2074657374696E67"

static const struct xform_vec indep_vecs[] = {
	{
		.name = "independent AES-256-CCM",
		.alg = DFS_AEAD_AES256_CCM,
		.key = "202122232425262728292A2B2C2D2E2F"
		       "303132333435363738393A3B3C3D3E3F",
		.transformed =
			"FD534D42A06E7F10726A5B087D3664A6AE64CCA70123456789ABCDEF"
			"0011220000000000870000000000010025000000001000004A593FF1"
			"A4F10101638058433D10A1492A3F15612AC0DC63D1D011ECB596C601"
			"3419264FB353DEF04D9F1CF8E2132A4F1ACB4ACBEB4A66D5E7FB1339"
			"146D35CD4B85C0A0290E71CFA0C63F750FCE5E9264241023A40241A9"
			"5395D56CC34D6C48B5D64AD29CEA5198B33B81C2BCB1E2813C95C103"
			"00EFC8BD2F0A72D95778BCA5EF03F39E34A23C",
		.plaintext = WRITE_REQ_GCM_PT,
	},
	{
		.name = "independent AES-256-GCM",
		.alg = DFS_AEAD_AES256_GCM,
		.key = "202122232425262728292A2B2C2D2E2F"
		       "303132333435363738393A3B3C3D3E3F",
		.transformed =
			"FD534D42DE757959C98D7BF9B4FE86DCEEBE57630123456789ABCDEF"
			"001122330000000087000000000001002500000000100000EBFD63E4"
			"5E4283F00A9268FD60A50F20AD7CC52E1B55687519B6AFAF16FCFFFE"
			"07446C27DED3DA1B60DDC911DAAAD505868EDD7F1B7C1CA09CCDA3D1"
			"C1CCBEA568595D3A96F9C07ECCA8CB1129F4F9195C71778C40EAB6F0"
			"9D4EDF23ACEB912DA3449CB6B387B3403061B1E204153B0006F35231"
			"7838AD4F7362791F84D04A93DF5B9141F2C6ED",
		.plaintext = WRITE_REQ_GCM_PT,
	},
};

/*
 * smbprotocol_transform_regression_supplementary.txt (not Microsoft's;
 * the only published AES-256 transforms): FD534D42 | Signature | Nonce |
 * OriginalMessageSize 4 | Reserved 0 | Flags 1 | SessionId 1 | 4 bytes.
 */
static const struct xform_vec short_vecs[] = {
	/* [AES_128_CCM] */
	{
		.name = "smbprotocol AES_128_CCM",
		.alg = DFS_AEAD_AES128_CCM,
		.key =
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		.transformed =
			"FD534D42C8730C9BA7E59F1CFD3751A195F2B3ACFFFFFFFFFFFFFFFF"
			"FFFFFF0000000000040000000000010001000000000000002191E30E",
		.plaintext = "01020304",
	},
	/* [AES_256_CCM] */
	{
		.name = "smbprotocol AES_256_CCM",
		.alg = DFS_AEAD_AES256_CCM,
		.key =
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
			"FFFFFFFF",
		.transformed =
			"FD534D423EFB4797518AAB05C548A7FC2074F593FFFFFFFFFFFFFFFF"
			"FFFFFF0000000000040000000000010001000000000000002F5841D7",
		.plaintext = "01020304",
	},
	/* [AES_128_GCM] */
	{
		.name = "smbprotocol AES_128_GCM",
		.alg = DFS_AEAD_AES128_GCM,
		.key =
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		.transformed =
			"FD534D4239D83234D753D08EC0FCBE33015F19BDFFFFFFFFFFFFFFFF"
			"FFFFFFFF0000000004000000000001000100000000000000DA265733",
		.plaintext = "01020304",
	},
	/* [AES_256_GCM] */
	{
		.name = "smbprotocol AES_256_GCM",
		.alg = DFS_AEAD_AES256_GCM,
		.key =
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
			"FFFFFFFF",
		.transformed =
			"FD534D4245E5B723052ECAD01EEFAD6F0487E32DFFFFFFFFFFFFFFFF"
			"FFFFFFFF0000000004000000000001000100000000000000BC39BD81",
		.plaintext = "01020304",
	},
};

/* ---- helpers ---------------------------------------------------------- */

static size_t unhex(const char *hex, u8 *out, size_t cap)
{
	return dfs_test_unhex(hex, out, cap);
}

static void key_init(struct dfs_cipher_key *k, int alg, const u8 *key)
{
	k->alg = alg;
	k->key = ops->aead_key_new(alg, key, dfs_cipher_key_len(alg));
	ck_assert_ptr_nonnull(k->key);
}

static void key_from_hex(struct dfs_cipher_key *k, int alg, const char *hex)
{
	u8 key[32];

	ck_assert_uint_eq(unhex(hex, key, sizeof(key)), dfs_cipher_key_len(alg));
	key_init(k, alg, key);
}

static void key_free(struct dfs_cipher_key *k)
{
	ops->aead_key_free(k->key);
	k->key = NULL;
}

static void fill(u8 *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(seed * 131 + i * 7 + (i >> 8));
}

/* A plaintext that looks like an SMB2 PDU: ProtocolId 0xFE 'SMB' first. */
static void fill_pdu(u8 *p, size_t len, unsigned int seed)
{
	fill(p, len, seed);
	dfs_put_le32(p, SMB2_PROTO_ID);
}

static void flip(u8 *p, size_t bit)
{
	p[bit / 8] ^= (u8)(1u << (bit % 8));
}

static const char *alg_name(int alg)
{
	switch (alg) {
	case DFS_AEAD_AES128_CCM: return "AES-128-CCM";
	case DFS_AEAD_AES128_GCM: return "AES-128-GCM";
	case DFS_AEAD_AES256_CCM: return "AES-256-CCM";
	case DFS_AEAD_AES256_GCM: return "AES-256-GCM";
	}
	return "?";
}

/* ---- round trips ------------------------------------------------------ */

START_TEST(test_roundtrip)
{
	static const u32 sizes[] = { 64, 65, 100, 1000, 4000, 65536 + 13,
				     1024 * 1024 + 64 };
	const int alg = algs[_i];
	const size_t nlen = dfs_cipher_nonce_len(alg);
	struct dfs_nonce_gen ng = { .counter = 0x1122334455667788ull,
				    .salt = { 0xa1, 0xb2, 0xc3, 0xd4 } };
	const u64 sid = 0x0000400000000051ull;
	struct dfs_cipher_key k;
	u8 key[32], *buf, *pt, *msg;
	u32 msg_len;
	size_t s;

	fill(key, sizeof(key), alg);
	key_init(&k, alg, key);
	buf = malloc(SMB2_TRANSFORM_HDR_SIZE + sizes[6]);
	pt = malloc(sizes[6]);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(pt);

	for (s = 0; s < DFS_ARRAY_SIZE(sizes); s++) {
		u32 len = sizes[s];
		u64 counter = ng.counter;

		fill_pdu(pt, len, (unsigned int)s);
		memset(buf, 0xee, SMB2_TRANSFORM_HDR_SIZE);
		memcpy(buf + SMB2_TRANSFORM_HDR_SIZE, pt, len);
		ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, sid, buf,
						       len), 0);
		ck_assert_uint_eq(ng.counter, counter + 1);

		/* the header, field by field (MS-SMB2 2.2.41) */
		ck_assert_uint_eq(dfs_get_le32(buf), SMB2_TRANSFORM_ID);
		ck_assert_uint_eq(dfs_get_le64(buf + DFS_TF_NONCE), counter);
		ck_assert_mem_eq(buf + DFS_TF_NONCE + 8, ng.salt, nlen - 8);
		for (size_t z = DFS_TF_NONCE + nlen; z < DFS_TF_ORIG_SIZE; z++)
			ck_assert_uint_eq(buf[z], 0);
		ck_assert_uint_eq(dfs_get_le32(buf + DFS_TF_ORIG_SIZE), len);
		ck_assert_uint_eq(dfs_get_le16(buf + 40), 0);	/* Reserved */
		ck_assert_uint_eq(dfs_get_le16(buf + DFS_TF_FLAGS),
				  SMB2_TRANSFORM_FLAG_ENCRYPTED);
		ck_assert_uint_eq(dfs_transform_session(buf), sid);
		/* the payload really is encrypted */
		ck_assert(memcmp(buf + SMB2_TRANSFORM_HDR_SIZE, pt, len) != 0);
		ck_assert(dfs_get_le32(buf + SMB2_TRANSFORM_HDR_SIZE) !=
			  SMB2_PROTO_ID);

		msg = NULL;
		msg_len = 0;
		ck_assert_int_eq(dfs_transform_decrypt(ops, &k, buf,
						       SMB2_TRANSFORM_HDR_SIZE + len,
						       &msg, &msg_len), 0);
		ck_assert_ptr_eq(msg, buf + SMB2_TRANSFORM_HDR_SIZE);
		ck_assert_uint_eq(msg_len, len);
		ck_assert_msg(memcmp(msg, pt, len) == 0, "%s size %u",
			      alg_name(alg), len);
	}

	/* the same plaintext twice: different nonces, different ciphertext */
	{
		u8 a[SMB2_TRANSFORM_HDR_SIZE + 128], b[sizeof(a)];

		fill_pdu(a + SMB2_TRANSFORM_HDR_SIZE, 128, 9);
		memcpy(b, a, sizeof(a));
		ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, sid, a, 128), 0);
		ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, sid, b, 128), 0);
		ck_assert(memcmp(a + DFS_TF_NONCE, b + DFS_TF_NONCE, 16) != 0);
		ck_assert(memcmp(a + SMB2_TRANSFORM_HDR_SIZE,
				 b + SMB2_TRANSFORM_HDR_SIZE, 128) != 0);
	}

	/* a different key of the same cipher cannot decrypt */
	{
		struct dfs_cipher_key k2;
		u8 m[SMB2_TRANSFORM_HDR_SIZE + 200];

		key[0] ^= 1;
		key_init(&k2, alg, key);
		fill_pdu(m + SMB2_TRANSFORM_HDR_SIZE, 200, 3);
		ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, sid, m, 200), 0);
		ck_assert_int_eq(dfs_transform_decrypt(ops, &k2, m, sizeof(m),
						       &msg, &msg_len), -EBADMSG);
		key_free(&k2);
	}
	free(buf);
	free(pt);
	key_free(&k);
}
END_TEST

/* Each cipher's messages are refused by the other three (same key bytes). */
START_TEST(test_cross_cipher)
{
	u8 key[32], m[SMB2_TRANSFORM_HDR_SIZE + 300], c[sizeof(m)], *msg;
	struct dfs_nonce_gen ng = { .counter = 5 };
	struct dfs_cipher_key k, o;
	u32 msg_len;
	size_t a, b;

	fill(key, sizeof(key), 77);
	for (a = 0; a < DFS_ARRAY_SIZE(algs); a++) {
		key_init(&k, algs[a], key);
		fill_pdu(m + SMB2_TRANSFORM_HDR_SIZE, 300, 1);
		ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, 7, m, 300), 0);
		for (b = 0; b < DFS_ARRAY_SIZE(algs); b++) {
			if (a == b)
				continue;
			key_init(&o, algs[b], key);
			memcpy(c, m, sizeof(m));
			ck_assert_msg(dfs_transform_decrypt(ops, &o, c, sizeof(c),
							    &msg, &msg_len) ==
				      -EBADMSG, "%s decrypted by %s",
				      alg_name(algs[a]), alg_name(algs[b]));
			key_free(&o);
		}
		key_free(&k);
	}
}
END_TEST

/* ---- published messages ------------------------------------------------ */

static void check_vec_decrypt(const struct xform_vec *v)
{
	u8 t[BUF_SIZE], pt[BUF_SIZE], *msg = NULL;
	struct dfs_cipher_key k;
	size_t tlen, plen;
	u32 msg_len = 0;

	tlen = unhex(v->transformed, t, sizeof(t));
	plen = unhex(v->plaintext, pt, sizeof(pt));
	ck_assert_uint_eq(tlen, SMB2_TRANSFORM_HDR_SIZE + plen);
	key_from_hex(&k, v->alg, v->key);
	ck_assert_msg(dfs_transform_decrypt(ops, &k, t, (u32)tlen, &msg,
					    &msg_len) == 0, "%s", v->name);
	ck_assert_ptr_eq(msg, t + SMB2_TRANSFORM_HDR_SIZE);
	ck_assert_uint_eq(msg_len, plen);
	ck_assert_msg(memcmp(msg, pt, plen) == 0, "%s: wrong plaintext",
		      v->name);
	key_free(&k);
}

/*
 * dfs_transform_encrypt with the counter and salt set from the published
 * nonce must give the published message byte for byte.
 */
static void check_vec_encrypt(const struct xform_vec *v)
{
	u8 t[BUF_SIZE], pt[BUF_SIZE], buf[BUF_SIZE];
	size_t tlen, plen, nlen = dfs_cipher_nonce_len(v->alg);
	struct dfs_nonce_gen ng = { 0 };
	struct dfs_cipher_key k;

	tlen = unhex(v->transformed, t, sizeof(t));
	plen = unhex(v->plaintext, pt, sizeof(pt));
	ng.counter = dfs_get_le64(t + DFS_TF_NONCE);
	memcpy(ng.salt, t + DFS_TF_NONCE + 8, nlen - 8);
	key_from_hex(&k, v->alg, v->key);
	memcpy(buf + SMB2_TRANSFORM_HDR_SIZE, pt, plen);
	ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng,
					       dfs_transform_session(t), buf,
					       (u32)plen), 0);
	ck_assert_msg(memcmp(buf, t, tlen) == 0, "%s: encryption differs",
		      v->name);
	key_free(&k);
}

START_TEST(test_ms_vectors_decrypt)
{
	size_t i;

	for (i = 0; i < DFS_ARRAY_SIZE(ms_vecs); i++)
		check_vec_decrypt(&ms_vecs[i]);
}
END_TEST

START_TEST(test_ms_vectors_encrypt)
{
	size_t i, n = 0;

	for (i = 0; i < DFS_ARRAY_SIZE(ms_vecs); i++) {
		if (!ms_vecs[i].reproducible)
			continue;
		check_vec_encrypt(&ms_vecs[i]);
		n++;
	}
	ck_assert_uint_eq(n, 8);
}
END_TEST

START_TEST(test_aes256_vectors)
{
	size_t i;

	for (i = 0; i < DFS_ARRAY_SIZE(indep_vecs); i++) {
		check_vec_decrypt(&indep_vecs[i]);
		check_vec_encrypt(&indep_vecs[i]);
	}
}
END_TEST

/*
 * The smbprotocol messages carry 4 bytes: no SMB2 header fits, so the
 * transform layer refuses them before any crypto (-EPROTO). Their
 * framing is still checked: the AEAD over the header's own nonce, AAD
 * (bytes 20..51) and signature gives the published plaintext.
 */
START_TEST(test_smbprotocol_vectors)
{
	size_t i;

	for (i = 0; i < DFS_ARRAY_SIZE(short_vecs); i++) {
		const struct xform_vec *v = &short_vecs[i];
		u8 t[128], pt[16], *msg;
		struct dfs_cipher_key k;
		size_t tlen, plen;
		u32 msg_len;

		tlen = unhex(v->transformed, t, sizeof(t));
		plen = unhex(v->plaintext, pt, sizeof(pt));
		ck_assert_uint_eq(tlen, SMB2_TRANSFORM_HDR_SIZE + plen);
		ck_assert_uint_eq(dfs_get_le32(t + DFS_TF_ORIG_SIZE), plen);
		key_from_hex(&k, v->alg, v->key);
		ck_assert_int_eq(dfs_transform_decrypt(ops, &k, t, (u32)tlen,
						       &msg, &msg_len), -EPROTO);
		ck_assert_msg(ops->aead_decrypt(k.key, t + DFS_TF_NONCE,
						dfs_cipher_nonce_len(v->alg),
						t + DFS_TF_AAD_OFFSET,
						DFS_TF_AAD_SIZE,
						t + SMB2_TRANSFORM_HDR_SIZE,
						plen, t + DFS_TF_SIGNATURE) == 0,
			      "%s", v->name);
		ck_assert_mem_eq(t + SMB2_TRANSFORM_HDR_SIZE, pt, plen);
		key_free(&k);
	}
}
END_TEST

/* ---- tampering ---------------------------------------------------------- */

/* What a one-bit change at header byte off must give. */
static int tamper_expect(size_t off)
{
	if (off < DFS_TF_SIGNATURE)
		return -EPROTO;			/* ProtocolId */
	if (off >= DFS_TF_ORIG_SIZE && off < DFS_TF_ORIG_SIZE + 4)
		return -EPROTO;			/* size no longer matches */
	if (off >= DFS_TF_FLAGS && off < DFS_TF_FLAGS + 2)
		return -EPROTO;			/* Flags != 0x0001 */
	return -EBADMSG;			/* signature, nonce, Reserved, SessionId */
}

START_TEST(test_tamper)
{
	enum { LEN = 333 };
	const int alg = algs[_i];
	u8 key[32], orig[SMB2_TRANSFORM_HDR_SIZE + LEN], buf[sizeof(orig)];
	u8 pt[LEN], *msg;
	struct dfs_nonce_gen ng = { .counter = 42, .salt = { 1, 2, 3, 4 } };
	struct dfs_cipher_key k;
	size_t bit;
	u32 msg_len;

	fill(key, sizeof(key), 5);
	key_init(&k, alg, key);
	fill_pdu(pt, LEN, 8);
	memcpy(orig + SMB2_TRANSFORM_HDR_SIZE, pt, LEN);
	ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, 0x1234, orig, LEN), 0);

	/* every bit of the header */
	for (bit = 0; bit < SMB2_TRANSFORM_HDR_SIZE * 8; bit++) {
		int ret;

		memcpy(buf, orig, sizeof(buf));
		flip(buf, bit);
		ret = dfs_transform_decrypt(ops, &k, buf, sizeof(buf), &msg,
					    &msg_len);
		ck_assert_msg(ret == tamper_expect(bit / 8),
			      "%s: header bit %zu gave %d", alg_name(alg), bit,
			      ret);
	}
	/* every bit of the first and last 16 ciphertext bytes, and some between */
	for (bit = 0; bit < LEN * 8; bit++) {
		size_t byte = bit / 8;

		if (byte >= 16 && byte < LEN - 16 && bit % 61)
			continue;
		memcpy(buf, orig, sizeof(buf));
		flip(buf + SMB2_TRANSFORM_HDR_SIZE, bit);
		ck_assert_msg(dfs_transform_decrypt(ops, &k, buf, sizeof(buf),
						    &msg, &msg_len) == -EBADMSG,
			      "%s: ciphertext bit %zu accepted", alg_name(alg),
			      bit);
	}
	/* a changed SessionId with the size adjusted is still refused */
	memcpy(buf, orig, sizeof(buf));
	dfs_put_le64(buf + DFS_TF_SESSION_ID, 0x1235);
	ck_assert_int_eq(dfs_transform_decrypt(ops, &k, buf, sizeof(buf), &msg,
					       &msg_len), -EBADMSG);
	/* a truncated message whose size field was made to match */
	memcpy(buf, orig, sizeof(buf));
	dfs_put_le32(buf + DFS_TF_ORIG_SIZE, LEN - 1);
	ck_assert_int_eq(dfs_transform_decrypt(ops, &k, buf, sizeof(buf) - 1,
					       &msg, &msg_len), -EBADMSG);

	/* untouched, it still decrypts */
	memcpy(buf, orig, sizeof(buf));
	ck_assert_int_eq(dfs_transform_decrypt(ops, &k, buf, sizeof(buf), &msg,
					       &msg_len), 0);
	ck_assert_mem_eq(msg, pt, LEN);
	key_free(&k);
}
END_TEST

/* ---- malformed headers ------------------------------------------------- */

START_TEST(test_malformed)
{
	enum { LEN = 100 };
	u8 key[16], orig[SMB2_TRANSFORM_HDR_SIZE + LEN + 8], buf[sizeof(orig)];
	const u32 full = SMB2_TRANSFORM_HDR_SIZE + LEN;
	struct dfs_nonce_gen ng = { 0 };
	struct dfs_cipher_key k, none = { 0 };
	static const u16 bad_flags[] = { 0x0000, 0x0002, 0x0003, 0x0101,
					 0x8001, 0xffff };
	u8 *msg;
	u32 msg_len, l;
	size_t i;

	fill(key, sizeof(key), 11);
	key_init(&k, DFS_AEAD_AES128_GCM, key);
	memset(orig, 0, sizeof(orig));
	fill_pdu(orig + SMB2_TRANSFORM_HDR_SIZE, LEN, 2);
	ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, 1, orig, LEN), 0);

#define DEC(len) dfs_transform_decrypt(ops, &k, buf, (len), &msg, &msg_len)

	/* too short: nothing, a partial header, a header without a PDU */
	for (l = 0; l < SMB2_TRANSFORM_HDR_SIZE + SMB2_HDR_SIZE; l++) {
		memcpy(buf, orig, sizeof(buf));
		dfs_put_le32(buf + DFS_TF_ORIG_SIZE,
			     l > SMB2_TRANSFORM_HDR_SIZE ?
			     l - SMB2_TRANSFORM_HDR_SIZE : 0);
		ck_assert_msg(DEC(l) == -EPROTO, "length %u accepted", l);
	}

	/* OriginalMessageSize != what follows the header */
	{
		static const u32 sizes[] = { 0, 1, LEN - 1, LEN + 1, LEN + 8,
					     0x7fffffff, 0xffffffff };

		for (i = 0; i < DFS_ARRAY_SIZE(sizes); i++) {
			memcpy(buf, orig, sizeof(buf));
			dfs_put_le32(buf + DFS_TF_ORIG_SIZE, sizes[i]);
			ck_assert_msg(DEC(full) == -EPROTO, "size %u accepted",
				      sizes[i]);
		}
		/* trailing bytes after the ciphertext */
		memcpy(buf, orig, sizeof(buf));
		ck_assert_int_eq(DEC(full + 1), -EPROTO);
		ck_assert_int_eq(DEC(full + 8), -EPROTO);
		ck_assert_int_eq(DEC(full - 1), -EPROTO);
	}

	/* wrong flags (in 3.0, EncryptionAlgorithm: only 0x0001 exists) */
	for (i = 0; i < DFS_ARRAY_SIZE(bad_flags); i++) {
		memcpy(buf, orig, sizeof(buf));
		dfs_put_le16(buf + DFS_TF_FLAGS, bad_flags[i]);
		ck_assert_msg(DEC(full) == -EPROTO, "flags %#x accepted",
			      bad_flags[i]);
	}

	/* wrong protocol ids: a plain SMB2 header, SMB1, compression */
	{
		static const u32 ids[] = { SMB2_PROTO_ID, SMB1_PROTO_ID,
					   SMB2_COMPRESS_ID, 0, 0xfd534d42u };

		for (i = 0; i < DFS_ARRAY_SIZE(ids); i++) {
			memcpy(buf, orig, sizeof(buf));
			dfs_put_le32(buf, ids[i]);
			ck_assert_msg(DEC(full) == -EPROTO, "id %#x accepted",
				      ids[i]);
		}
	}

	/* no key (a session without encryption keys) */
	memcpy(buf, orig, sizeof(buf));
	ck_assert_int_eq(dfs_transform_decrypt(ops, NULL, buf, full, &msg,
					       &msg_len), -EPROTO);
	ck_assert_int_eq(dfs_transform_decrypt(ops, &none, buf, full, &msg,
					       &msg_len), -EPROTO);

	/* and the untouched message is fine */
	memcpy(buf, orig, sizeof(buf));
	ck_assert_int_eq(DEC(full), 0);
	ck_assert_uint_eq(msg_len, LEN);
#undef DEC
	key_free(&k);
}
END_TEST

/* ---- nonces ------------------------------------------------------------ */

static int cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/*
 * One key, a million messages: every Nonce field differs (sorted, then
 * neighbours compared) and the counter advanced once per message.
 */
START_TEST(test_nonce_unique)
{
	const int alg = _i ? DFS_AEAD_AES128_CCM : DFS_AEAD_AES128_GCM;
	u8 key[16], m[SMB2_TRANSFORM_HDR_SIZE + SMB2_HDR_SIZE], *nonces;
	struct dfs_nonce_gen ng = { .counter = 0, .salt = { 9, 8, 7, 6 } };
	struct dfs_cipher_key k;
	u32 i;

	fill(key, sizeof(key), 3);
	key_init(&k, alg, key);
	nonces = malloc((size_t)NONCE_MESSAGES * 16);
	ck_assert_ptr_nonnull(nonces);
	for (i = 0; i < NONCE_MESSAGES; i++) {
		fill_pdu(m + SMB2_TRANSFORM_HDR_SIZE, SMB2_HDR_SIZE, 1);
		if (dfs_transform_encrypt(ops, &k, &ng, 1, m, SMB2_HDR_SIZE))
			ck_abort_msg("message %u not encrypted", i);
		memcpy(nonces + (size_t)i * 16, m + DFS_TF_NONCE, 16);
	}
	ck_assert_uint_eq(ng.counter, NONCE_MESSAGES);
	qsort(nonces, NONCE_MESSAGES, 16, cmp_nonce);
	for (i = 1; i < NONCE_MESSAGES; i++)
		if (!memcmp(nonces + (size_t)(i - 1) * 16,
			    nonces + (size_t)i * 16, 16))
			ck_abort_msg("%s: nonce reused (sorted index %u)",
				     alg_name(alg), i);
	free(nonces);
	key_free(&k);
}
END_TEST

/*
 * The counter stops short of wrapping: the last counter values are
 * refused with -ENOSPC, nothing is written, and it stays refused.
 */
START_TEST(test_nonce_limit)
{
	u8 key[16], m[SMB2_TRANSFORM_HDR_SIZE + SMB2_HDR_SIZE], before[sizeof(m)];
	struct dfs_nonce_gen ng = { .counter = ~0ull - 3 };
	struct dfs_cipher_key k;
	int i, ok = 0, ret = 0;

	fill(key, sizeof(key), 4);
	key_init(&k, algs[_i], key);
	for (i = 0; i < 4; i++) {
		fill_pdu(m + SMB2_TRANSFORM_HDR_SIZE, SMB2_HDR_SIZE, 1);
		ret = dfs_transform_encrypt(ops, &k, &ng, 1, m, SMB2_HDR_SIZE);
		if (ret)
			break;
		ck_assert_uint_eq(dfs_get_le64(m + DFS_TF_NONCE), ~0ull - 3 + i);
		ok++;
	}
	/* ~0 - 3 and ~0 - 2 are used; ~0 - 1 (the limit) is not */
	ck_assert_int_eq(ret, -ENOSPC);
	ck_assert_int_eq(ok, 2);
	ck_assert_uint_eq(ng.counter, ~0ull - 1);
	memcpy(before, m, sizeof(m));
	ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, 1, m, SMB2_HDR_SIZE),
			 -ENOSPC);
	ck_assert_mem_eq(m, before, sizeof(m));
	ck_assert_uint_eq(ng.counter, ~0ull - 1);
	ng.counter = ~0ull;
	ck_assert_int_eq(dfs_transform_encrypt(ops, &k, &ng, 1, m, SMB2_HDR_SIZE),
			 -ENOSPC);
	key_free(&k);
}
END_TEST

/* ---- decryption while the message arrives ----------------------------- */

static bool is_gcm(int alg)
{
	return alg == DFS_AEAD_AES128_GCM || alg == DFS_AEAD_AES256_GCM;
}

/* An encrypted message of len payload bytes in a new buffer; pt gets the plaintext. */
static u8 *rx_message(const struct dfs_cipher_key *k, u8 *pt, u32 len)
{
	struct dfs_nonce_gen ng = { .counter = 77, .salt = { 9, 8, 7, 6 } };
	u8 *buf = malloc(SMB2_TRANSFORM_HDR_SIZE + len);

	ck_assert_ptr_nonnull(buf);
	fill_pdu(pt, len, len);
	memcpy(buf + SMB2_TRANSFORM_HDR_SIZE, pt, len);
	ck_assert_int_eq(dfs_transform_encrypt(ops, k, &ng, 0x51, buf, len), 0);
	return buf;
}

/*
 * Fed in pieces of awkward sizes (not multiples of the AES block), the
 * message decrypts to what one dfs_transform_decrypt gives; CCM, which
 * cannot work piecewise, declines at the start and leaves nothing begun.
 */
START_TEST(test_rx_pieces)
{
	static const u32 steps[] = { 1, 15, 17, 4096, 65537, 300001 };
	const u32 len = 1024 * 1024 + 13, full = SMB2_TRANSFORM_HDR_SIZE + len;
	const int alg = algs[_i];
	struct dfs_transform_rx rx = { 0 };
	struct dfs_cipher_key k;
	u8 key[32], *buf, *pt = malloc(len), *msg = NULL;
	u32 have = SMB2_TRANSFORM_HDR_SIZE, msg_len = 0, n = 0;

	ck_assert_ptr_nonnull(pt);
	fill(key, sizeof(key), 31);
	key_init(&k, alg, key);
	buf = rx_message(&k, pt, len);
	if (!is_gcm(alg)) {
		ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, have,
							full), -EOPNOTSUPP);
		ck_assert_ptr_null(rx.st);
		goto out;
	}
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, have, full), 0);
	while (have < full) {
		u32 step = steps[n++ % DFS_ARRAY_SIZE(steps)];

		have = full - have < step ? full : have + step;
		/* the same amount twice: the second call has nothing new to do */
		dfs_transform_rx_more(ops, &rx, buf, have);
		dfs_transform_rx_more(ops, &rx, buf, have);
		ck_assert_uint_eq(rx.done, have - SMB2_TRANSFORM_HDR_SIZE);
	}
	ck_assert_int_eq(dfs_transform_rx_finish(ops, &rx, buf, full, &msg,
						 &msg_len), 0);
	ck_assert_ptr_null(rx.st);
	ck_assert_ptr_eq(msg, buf + SMB2_TRANSFORM_HDR_SIZE);
	ck_assert_uint_eq(msg_len, len);
	ck_assert_msg(memcmp(msg, pt, len) == 0, "%s", alg_name(alg));
out:
	free(buf);
	free(pt);
	key_free(&k);
}
END_TEST

/* Finish a message begun at have bytes after flipping bit of the buffer at when. */
static int rx_tampered(const struct dfs_cipher_key *k, const u8 *orig, u32 full,
		       size_t bit, u32 when, u8 *pt_out)
{
	struct dfs_transform_rx rx = { 0 };
	u8 *buf = malloc(full), *msg;
	u32 msg_len, mid = full / 2;
	int ret;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, orig, full);
	if (when == 0)
		flip(buf, bit);
	ck_assert_int_eq(dfs_transform_rx_begin(ops, k, &rx, buf, mid, full), 0);
	dfs_transform_rx_more(ops, &rx, buf, mid);
	if (when == 1)
		flip(buf, bit);
	ret = dfs_transform_rx_finish(ops, &rx, buf, full, &msg, &msg_len);
	ck_assert_ptr_null(rx.st);
	memcpy(pt_out, buf + SMB2_TRANSFORM_HDR_SIZE, full - SMB2_TRANSFORM_HDR_SIZE);
	free(buf);
	return ret;
}

/*
 * A flipped bit anywhere, in a piece already decrypted or in the last
 * one, in the AAD or in the tag, fails at the end, and what had been
 * decrypted is wiped rather than left for a parser.
 */
START_TEST(test_rx_tamper)
{
	const u32 len = 4000, full = SMB2_TRANSFORM_HDR_SIZE + len;
	static const size_t bits[] = {
		DFS_TF_SIGNATURE * 8 + 3,		/* the tag */
		DFS_TF_SESSION_ID * 8 + 1,		/* the AAD */
		SMB2_TRANSFORM_HDR_SIZE * 8 + 5,	/* first piece */
		(SMB2_TRANSFORM_HDR_SIZE + 3500) * 8,	/* last piece */
	};
	const int alg = algs[_i];
	struct dfs_cipher_key k;
	u8 key[32], pt[4000], got[4000], zero[4000] = { 0 }, *orig;
	size_t b;

	if (!is_gcm(alg))
		return;
	fill(key, sizeof(key), 32);
	key_init(&k, alg, key);
	orig = rx_message(&k, pt, len);
	for (b = 0; b < DFS_ARRAY_SIZE(bits); b++) {
		/*
		 * As received: bits of the header and the first half before
		 * the start, bits of the second half once the first half is
		 * decrypted (flipping an already decrypted byte would only
		 * change plaintext, which no tag covers).
		 */
		u32 when = bits[b] < full / 2 * 8 ? 0 : 1;

		ck_assert_msg(rx_tampered(&k, orig, full, bits[b], when, got) == -EBADMSG,
			      "%s: bit %zu accepted", alg_name(alg), bits[b]);
		ck_assert_mem_eq(got, zero, len);
	}
	/* untouched, it still decrypts */
	ck_assert_int_eq(rx_tampered(&k, orig, full, 0, 2, got), 0);
	ck_assert_mem_eq(got, pt, len);
	free(orig);
	key_free(&k);
}
END_TEST

/* What dfs_transform_decrypt refuses is refused at the start too. */
START_TEST(test_rx_refusals)
{
	const u32 len = 500, full = SMB2_TRANSFORM_HDR_SIZE + len;
	struct dfs_transform_rx rx = { 0 };
	struct dfs_cipher_key k, none = { 0 };
	u8 key[16], pt[500], *buf, *msg;
	u32 msg_len;

	fill(key, sizeof(key), 33);
	key_init(&k, DFS_AEAD_AES128_GCM, key);
	buf = rx_message(&k, pt, len);
	/* the header not all in yet, or more in than the message holds */
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf,
						SMB2_TRANSFORM_HDR_SIZE - 1, full), -EINVAL);
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, full + 1,
						full), -EINVAL);
	/* a size field that does not match the frame */
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, 100, full + 1),
			 -EPROTO);
	/* no key */
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &none, &rx, buf, 100, full),
			 -EPROTO);
	ck_assert_ptr_null(rx.st);
	/* finishing what was never begun */
	ck_assert_int_eq(dfs_transform_rx_finish(ops, &rx, buf, full, &msg,
						 &msg_len), -EPROTO);
	/* finishing with another length than begun with */
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, 100, full), 0);
	ck_assert_int_eq(dfs_transform_rx_finish(ops, &rx, buf, full - 1, &msg,
						 &msg_len), -EPROTO);
	ck_assert_ptr_null(rx.st);
	/* begun and abandoned: freed (ASan's leak check watches) */
	ck_assert_int_eq(dfs_transform_rx_begin(ops, &k, &rx, buf, 100, full), 0);
	ck_assert_ptr_nonnull(rx.st);
	dfs_transform_rx_abort(ops, &rx);
	ck_assert_ptr_null(rx.st);
	free(buf);
	key_free(&k);
}
END_TEST

static void setup(void)
{
	ck_assert_int_eq(dfs_crypto_init(), 0);
}

static Suite *transform_suite(void)
{
	Suite *s = suite_create("transform");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_roundtrip, 0, DFS_ARRAY_SIZE(algs));
	tcase_add_test(tc, test_cross_cipher);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_ms_vectors_decrypt);
	tcase_add_test(tc, test_ms_vectors_encrypt);
	tcase_add_test(tc, test_aes256_vectors);
	tcase_add_test(tc, test_smbprotocol_vectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_tamper, 0, DFS_ARRAY_SIZE(algs));
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("pieces");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_rx_pieces, 0, DFS_ARRAY_SIZE(algs));
	tcase_add_loop_test(tc, test_rx_tamper, 0, DFS_ARRAY_SIZE(algs));
	tcase_add_test(tc, test_rx_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("nonces");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_nonce_unique, 0, 2);
	tcase_add_loop_test(tc, test_nonce_limit, 0, DFS_ARRAY_SIZE(algs));
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(transform_suite)

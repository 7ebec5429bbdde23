// SPDX-License-Identifier: GPL-2.0-only
/*
 * selftest.c - known-answer tests run at module load: the kernel crypto
 * glue (crypto.c) and common/'s signing and transform code on top of it
 * must give the published answers before the module serves anything.
 *
 * Vectors (hex): SHA-512 of "abc" (FIPS 180-2), AES-CMAC (RFC 4493 section
 * 4), HMAC-SHA256 (RFC 4231 test case 2), an SMB 3.1.1 signed SESSION_SETUP
 * response and SMB 3.1.1 AES-128-GCM and AES-128-CCM encrypted WRITE
 * responses (Microsoft Open Specifications blog; shared/vectors/ beside
 * the checkout).
 * AES-GMAC has no published SMB vector: the signing PDU above signed with
 * AES-GMAC under the same key was computed independently with OpenSSL's
 * AES-128-GCM (empty plaintext, the PDU as AAD; host-side, not published).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crypto.h"
#include "../common/signing.h"
#include "../common/transform.h"

struct dfs_kat_mac {
	const char *name;
	int alg;
	const char *key;
	const char *msg;
	const char *tag;	/* first 16 bytes */
};

static const struct dfs_kat_mac dfs_kat_macs[] = {
	{ "cmac rfc4493 len 0", DFS_MAC_AES_CMAC,
	  "2b7e151628aed2a6abf7158809cf4f3c", "",
	  "bb1d6929e95937287fa37d129b756746" },
	{ "cmac rfc4493 len 16", DFS_MAC_AES_CMAC,
	  "2b7e151628aed2a6abf7158809cf4f3c",
	  "6bc1bee22e409f96e93d7e117393172a",
	  "070a16b46b4d4144f79bdd9dd04a287c" },
	{ "cmac rfc4493 len 40", DFS_MAC_AES_CMAC,
	  "2b7e151628aed2a6abf7158809cf4f3c",
	  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	  "30c81c46a35ce411",
	  "dfa66747de9ae63030ca32611497c827" },
	{ "cmac rfc4493 len 64", DFS_MAC_AES_CMAC,
	  "2b7e151628aed2a6abf7158809cf4f3c",
	  "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	  "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	  "51f0bebf7e3b9d92fc49741779363cfe" },
	{ "hmac-sha256 rfc4231 case 2", DFS_MAC_HMAC_SHA256,
	  "4a656665",
	  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c7" },
};

/* SMB 3.1.1 final SESSION_SETUP response, signed with AES-CMAC. */
static const char dfs_kat_sign_key[] = "73fe7a9a77bef0bde49c650d8ccb5f76";
static const char dfs_kat_sign_msg[] =
	"fe534d4240000100000000000100800009000000000000000300000000000000"
	"fffe0000000000001900000000100000ebe146da120ba25fc3376a49dfe31bc1"
	"0900000048001d00a11b3019a0030a0100a3120410010000003b453cdc35241642"
	"00000000";

/* dfs_kat_sign_msg signed with AES-GMAC, nonce MessageId 3 | server bit */
static const char dfs_kat_gmac_sig[] = "75d05bac99ff7fcc52a44c354381d559";

struct dfs_kat_tf {
	const char *name;
	int alg;
	const char *key;	/* the server's DecryptionKey */
	const char *msg;	/* transform header + ciphertext */
	const char *plain;
};

static const struct dfs_kat_tf dfs_kat_tfs[] = {
	{ "smb3.1.1 aes-128-gcm decrypt", DFS_AEAD_AES128_GCM,
	  "748c50868c90f302962a5c35f5f9a8bf",
	  "fd534d42acbe1cb7ed343adf1725ef144d90d4b0e06831dd2e8eb7b400000000"
	  "0000000050000000000001002500000000100000"
	  "26bbbf949983a6c1c796559d0f2c510cb651d1f7b6ac8ded32a2a0b8f2d793a8"
	  "15c6f6b848d69767a215841a42d400ae6ddb5f0b44173a014973321fdd7950da"
	  "6179159b82e03c9e18a050ff0ea1c967",
	  "fe534d4240000100000000000900010001000000000000000500000000000000"
	  "fffe000001000000250000000010000000000000000000000000000000000000"
	  "11000000170000000000000000000000" },
	{ "smb3.1.1 aes-128-ccm decrypt", DFS_AEAD_AES128_CCM,
	  "95c544aef6072680da1ce49a68a97fa6",
	  "fd534d42dd33ec41a927dd51476fe887c2d3c136d96831dd2e8eb7b400000000"
	  "0000000050000000000001002100000000100000"
	  "f783157e0f6f1c055d746753ca16d20c21088e2a67564e056c2f68a7f14f226c"
	  "3bd809b7a2d52e5fe4ecf49821bc6001733430cf174e2764b3ccb213aad8bb9f"
	  "baf6c15e13d9120965390e004a96a3f7",
	  "fe534d4240000100000000000900010001000000000000000500000000000000"
	  "fffe000001000000210000000010000000000000000000000000000000000000"
	  "11000000170000000000000000000000" },
};

static const char dfs_kat_sha512_abc[] =
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

/* A kmalloc'd copy of a hex string's bytes; *len set. NULL on failure. */
static u8 *dfs_unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	u8 *b;

	b = kmalloc(n ? n : 1, GFP_KERNEL);
	if (!b)
		return NULL;
	if (n && hex2bin(b, hex, n)) {
		kfree(b);
		return NULL;
	}
	*len = n;
	return b;
}

static bool dfs_kat_sha512(void)
{
	static const u8 abc[] = { 'a', 'b', 'c' };
	struct dfs_iov iov = { abc, sizeof(abc) };
	u8 want[64], got[64];

	if (hex2bin(want, dfs_kat_sha512_abc, sizeof(want)))
		return false;
	return !dfs_kcrypto_ops.sha512(&iov, 1, got) &&
	       !memcmp(got, want, sizeof(want));
}

static bool dfs_kat_mac_one(const struct dfs_kat_mac *t)
{
	u8 *key, *msg, want[16], got[16];
	size_t klen, mlen;
	struct dfs_iov iov[2];
	bool ok = false;
	void *k;

	key = dfs_unhex(t->key, &klen);
	msg = dfs_unhex(t->msg, &mlen);
	if (!key || !msg || hex2bin(want, t->tag, sizeof(want)))
		goto out;
	k = dfs_kcrypto_ops.mac_key_new(t->alg, key, klen);
	if (!k)
		goto out;
	/* in two pieces, to exercise the multi-piece path */
	iov[0].base = msg;
	iov[0].len = mlen / 2;
	iov[1].base = msg + mlen / 2;
	iov[1].len = mlen - mlen / 2;
	ok = !dfs_kcrypto_ops.mac(k, NULL, iov, 2, got) &&
	     !memcmp(got, want, sizeof(want));
	dfs_kcrypto_ops.mac_key_free(k);
out:
	kfree(msg);
	kfree(key);
	return ok;
}

/* common/signing.c over the kernel ops: verify, tamper, sign again. */
static bool dfs_kat_signing(void)
{
	struct dfs_sign_key sk = { .alg = DFS_MAC_AES_CMAC };
	u8 *key, *msg, sig[16];
	size_t klen, mlen;
	bool ok = false;

	key = dfs_unhex(dfs_kat_sign_key, &klen);
	msg = dfs_unhex(dfs_kat_sign_msg, &mlen);
	if (!key || !msg || mlen < 64)
		goto out;
	sk.key = dfs_kcrypto_ops.mac_key_new(sk.alg, key, klen);
	if (!sk.key)
		goto out;
	if (!dfs_verify_pdu(&dfs_kcrypto_ops, &sk, msg, mlen))
		goto free_key;
	msg[mlen - 1] ^= 1;
	if (dfs_verify_pdu(&dfs_kcrypto_ops, &sk, msg, mlen))
		goto free_key;
	msg[mlen - 1] ^= 1;
	memcpy(sig, msg + 48, sizeof(sig));
	memset(msg + 48, 0, sizeof(sig));
	ok = !dfs_sign_pdu(&dfs_kcrypto_ops, &sk, msg, mlen) &&
	     !memcmp(msg + 48, sig, sizeof(sig));
free_key:
	dfs_kcrypto_ops.mac_key_free(sk.key);
out:
	kfree(msg);
	kfree(key);
	return ok;
}

/* AES-GMAC signing of the same PDU, then verify, then a tampered copy. */
static bool dfs_kat_gmac(void)
{
	struct dfs_sign_key sk = { .alg = DFS_MAC_AES_GMAC };
	u8 *key, *msg, want[16];
	size_t klen, mlen;
	bool ok = false;

	key = dfs_unhex(dfs_kat_sign_key, &klen);
	msg = dfs_unhex(dfs_kat_sign_msg, &mlen);
	if (!key || !msg || mlen < 64 ||
	    hex2bin(want, dfs_kat_gmac_sig, sizeof(want)))
		goto out;
	sk.key = dfs_kcrypto_ops.mac_key_new(sk.alg, key, klen);
	if (!sk.key)
		goto out;
	memset(msg + 48, 0, sizeof(want));
	ok = !dfs_sign_pdu(&dfs_kcrypto_ops, &sk, msg, mlen) &&
	     !memcmp(msg + 48, want, sizeof(want)) &&
	     dfs_verify_pdu(&dfs_kcrypto_ops, &sk, msg, mlen);
	msg[20] ^= 1;	/* MessageId: changes the GMAC nonce too */
	ok = ok && !dfs_verify_pdu(&dfs_kcrypto_ops, &sk, msg, mlen);
	dfs_kcrypto_ops.mac_key_free(sk.key);
out:
	kfree(msg);
	kfree(key);
	return ok;
}

/* common/transform.c over the kernel ops: decrypt, then a tampered copy. */
static bool dfs_kat_tf_one(const struct dfs_kat_tf *t)
{
	struct dfs_cipher_key ck = { .alg = t->alg };
	u8 *key, *msg, *plain, *out, *copy = NULL;
	size_t klen, mlen, plen;
	bool ok = false;
	u32 out_len;

	key = dfs_unhex(t->key, &klen);
	msg = dfs_unhex(t->msg, &mlen);
	plain = dfs_unhex(t->plain, &plen);
	if (!key || !msg || !plain)
		goto out;
	copy = kmemdup(msg, mlen, GFP_KERNEL);
	if (!copy)
		goto out;
	ck.key = dfs_kcrypto_ops.aead_key_new(ck.alg, key, klen);
	if (!ck.key)
		goto out;
	if (dfs_transform_decrypt(&dfs_kcrypto_ops, &ck, msg, mlen, &out,
				  &out_len) ||
	    out_len != plen || memcmp(out, plain, plen))
		goto free_key;
	copy[mlen - 1] ^= 1;
	ok = dfs_transform_decrypt(&dfs_kcrypto_ops, &ck, copy, mlen, &out,
				   &out_len) == -EBADMSG;
free_key:
	dfs_kcrypto_ops.aead_key_free(ck.key);
out:
	kfree(copy);
	kfree(plain);
	kfree(msg);
	kfree(key);
	return ok;
}

int dfs_crypto_selftest(void)
{
	unsigned int passed = 0, total = 0, i;

#define DFS_KAT(name, expr)						\
	do {								\
		total++;						\
		if (expr)						\
			passed++;					\
		else							\
			pr_err("crypto self-test failed: %s\n", name);	\
	} while (0)

	DFS_KAT("sha512 abc", dfs_kat_sha512());
	for (i = 0; i < ARRAY_SIZE(dfs_kat_macs); i++)
		DFS_KAT(dfs_kat_macs[i].name, dfs_kat_mac_one(&dfs_kat_macs[i]));
	DFS_KAT("smb3.1.1 cmac signing", dfs_kat_signing());
	DFS_KAT("smb3.1.1 gmac signing", dfs_kat_gmac());
	for (i = 0; i < ARRAY_SIZE(dfs_kat_tfs); i++)
		DFS_KAT(dfs_kat_tfs[i].name, dfs_kat_tf_one(&dfs_kat_tfs[i]));
#undef DFS_KAT

	if (passed != total) {
		pr_err("crypto self-test: %u/%u passed\n", passed, total);
		return -ENOTRECOVERABLE;
	}
	pr_info("crypto self-test: %u/%u passed\n", passed, total);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * crypto.c - struct dfs_crypto_ops for common/ on the kernel crypto API:
 * sha512, hmac(sha256) and cmac(aes) as shash, gcm(aes) for AES-GMAC and
 * for AES-GCM, ccm(aes) for AES-CCM.
 *
 * A key handle owns one transform, allocated and keyed when the session's
 * keys are installed; per message only a request (AEAD) or a descriptor on
 * the stack (shash) is needed. A keyed transform is only read after
 * setkey, so concurrent messages of one session may share it.
 *
 * The AEADs take scatterlists. Message pieces may live anywhere: in the
 * linear map (kmalloc, pages), or in vmalloc space (vmalloc buffers, this
 * module's read-only data, a virtually mapped stack), so each piece is
 * mapped page by page when it is not in the linear map.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "crypto.h"

#define DFS_TAG_SIZE		16
#define DFS_GCM_NONCE_SIZE	12
#define DFS_CCM_NONCE_SIZE	11
/* scatterlist entries kept on the stack before falling back to kmalloc */
#define DFS_SG_INLINE		8

struct dfs_kmac_key {
	int alg;
	struct crypto_shash *shash;	/* hmac(sha256) or cmac(aes) */
	struct crypto_aead *gmac;	/* gcm(aes), for AES-GMAC */
};

struct dfs_kaead_key {
	int alg;
	struct crypto_aead *tfm;	/* gcm(aes) or ccm(aes) */
};

/* Unkeyed, so one transform serves every caller. */
static struct crypto_shash *dfs_sha512_tfm;

/* ---- shash: SHA-512, HMAC-SHA256, AES-CMAC ------------------------------ */

static int dfs_shash_iov(struct crypto_shash *tfm, const struct dfs_iov *iov,
			 int niov, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int ret, i;

	desc->tfm = tfm;
	ret = crypto_shash_init(desc);
	for (i = 0; !ret && i < niov; i++)
		if (iov[i].len)
			ret = crypto_shash_update(desc, iov[i].base,
						  iov[i].len);
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

static int dfs_k_sha512(const struct dfs_iov *iov, int niov, u8 out[64])
{
	if (!dfs_sha512_tfm || niov < 0)
		return -EINVAL;
	return dfs_shash_iov(dfs_sha512_tfm, iov, niov, out);
}

/* ---- scatterlists over arbitrary kernel memory -------------------------- */

struct dfs_sgl {
	struct scatterlist *sg;
	unsigned int n;
	unsigned int max;
	struct scatterlist inline_sg[DFS_SG_INLINE];
};

/* Entries a piece needs: one in the linear map, else one per page. */
static int dfs_sg_count(const void *p, size_t len)
{
	if (!len)
		return 0;
	if (len > UINT_MAX)
		return -EINVAL;
	if (virt_addr_valid(p))
		return 1;
	/* vmalloc or module space: dfs_sgl_add() looks the pages up */
	return DIV_ROUND_UP(offset_in_page(p) + len, PAGE_SIZE);
}

static int dfs_sgl_init(struct dfs_sgl *s, unsigned int nents)
{
	s->n = 0;
	s->max = nents;
	if (nents <= DFS_SG_INLINE) {
		s->sg = s->inline_sg;
	} else {
		s->sg = kmalloc_array(nents, sizeof(*s->sg), GFP_KERNEL);
		if (!s->sg)
			return -ENOMEM;
	}
	sg_init_table(s->sg, nents);
	return 0;
}

static void dfs_sgl_free(struct dfs_sgl *s)
{
	if (s->sg != s->inline_sg)
		kfree(s->sg);
}

static int dfs_sgl_add(struct dfs_sgl *s, const void *buf, size_t len)
{
	const u8 *p = buf;

	if (!len)
		return 0;
	if (virt_addr_valid(p)) {
		if (s->n >= s->max)
			return -EINVAL;
		sg_set_buf(&s->sg[s->n++], p, len);
		return 0;
	}
	while (len) {
		unsigned int off = offset_in_page(p);
		unsigned int chunk = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page = vmalloc_to_page(p);

		if (!page || s->n >= s->max)
			return -EFAULT;
		sg_set_page(&s->sg[s->n++], page, chunk, off);
		p += chunk;
		len -= chunk;
	}
	return 0;
}

static int dfs_aead_run(struct crypto_aead *tfm, bool encrypt,
			struct scatterlist *sg, unsigned int assoclen,
			unsigned int cryptlen, u8 *iv)
{
	struct aead_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				       CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	/* in place: source and destination are the same pages */
	aead_request_set_crypt(req, sg, sg, cryptlen, iv);
	aead_request_set_ad(req, assoclen);
	ret = crypto_wait_req(encrypt ? crypto_aead_encrypt(req) :
					crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return ret;
}

static struct crypto_aead *dfs_aead_prepare(const char *name, const u8 *key,
					    size_t keylen)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_aead_setkey(tfm, key, keylen);
	if (!ret)
		ret = crypto_aead_setauthsize(tfm, DFS_TAG_SIZE);
	if (ret) {
		crypto_free_aead(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

/* ---- MACs ----------------------------------------------------------------- */

static struct crypto_shash *dfs_shash_prepare(const char *name, const u8 *key,
					      size_t keylen)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash(name, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	ret = crypto_shash_setkey(tfm, key, keylen);
	if (!ret && crypto_shash_digestsize(tfm) > SHA256_DIGEST_SIZE)
		ret = -EINVAL;
	if (ret) {
		crypto_free_shash(tfm);
		return ERR_PTR(ret);
	}
	return tfm;
}

static void dfs_k_mac_key_free(void *key)
{
	struct dfs_kmac_key *k = key;

	if (!k)
		return;
	if (k->shash)
		crypto_free_shash(k->shash);
	if (k->gmac)
		crypto_free_aead(k->gmac);
	kfree_sensitive(k);
}

static void *dfs_k_mac_key_new(int alg, const u8 *key, size_t keylen)
{
	struct crypto_shash *shash = NULL;
	struct crypto_aead *gmac = NULL;
	struct dfs_kmac_key *k;

	/* SMB3 signing keys are 128 bits (MS-SMB2 3.1.4.2) */
	switch (alg) {
	case DFS_MAC_HMAC_SHA256:
		shash = dfs_shash_prepare("hmac(sha256)", key, keylen);
		break;
	case DFS_MAC_AES_CMAC:
		if (keylen != 16)
			return NULL;
		shash = dfs_shash_prepare("cmac(aes)", key, keylen);
		break;
	case DFS_MAC_AES_GMAC:
		if (keylen != 16)
			return NULL;
		gmac = dfs_aead_prepare("gcm(aes)", key, keylen);
		break;
	default:
		return NULL;
	}
	if (IS_ERR(shash) || IS_ERR(gmac))
		return NULL;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		if (shash)
			crypto_free_shash(shash);
		if (gmac)
			crypto_free_aead(gmac);
		return NULL;
	}
	k->alg = alg;
	k->shash = shash;
	k->gmac = gmac;
	return k;
}

/* AES-GMAC (RFC 4543): GCM with the whole message as associated data. */
static int dfs_k_gmac(struct dfs_kmac_key *k, const u8 *nonce12,
		      const struct dfs_iov *iov, int niov, u8 tag[16])
{
	u8 iv[DFS_GCM_NONCE_SIZE];
	unsigned int nents = 1;
	size_t total = 0;
	struct dfs_sgl s;
	int ret, i, c;

	if (!nonce12)
		return -EINVAL;
	for (i = 0; i < niov; i++) {
		c = dfs_sg_count(iov[i].base, iov[i].len);
		if (c < 0)
			return c;
		nents += c;
		total += iov[i].len;
	}
	if (total > UINT_MAX - DFS_TAG_SIZE)
		return -EINVAL;
	ret = dfs_sgl_init(&s, nents);
	if (ret)
		return ret;
	for (i = 0; !ret && i < niov; i++)
		ret = dfs_sgl_add(&s, iov[i].base, iov[i].len);
	if (!ret)
		ret = dfs_sgl_add(&s, tag, DFS_TAG_SIZE);
	if (!ret) {
		sg_mark_end(&s.sg[s.n - 1]);
		memcpy(iv, nonce12, sizeof(iv));
		ret = dfs_aead_run(k->gmac, true, s.sg, total, 0, iv);
	}
	dfs_sgl_free(&s);
	return ret;
}

static int dfs_k_mac(void *key, const u8 *nonce12, const struct dfs_iov *iov,
		     int niov, u8 tag[16])
{
	struct dfs_kmac_key *k = key;
	u8 full[SHA256_DIGEST_SIZE];
	int ret;

	if (!k || niov < 0)
		return -EINVAL;
	if (k->alg == DFS_MAC_AES_GMAC)
		return dfs_k_gmac(k, nonce12, iov, niov, tag);
	/* HMAC-SHA256 gives 32 bytes and SMB2 keeps the first 16 */
	ret = dfs_shash_iov(k->shash, iov, niov, full);
	if (!ret)
		memcpy(tag, full, DFS_TAG_SIZE);
	memzero_explicit(full, sizeof(full));
	return ret;
}

/* ---- AEAD ------------------------------------------------------------------ */

static void dfs_k_aead_key_free(void *key)
{
	struct dfs_kaead_key *k = key;

	if (!k)
		return;
	crypto_free_aead(k->tfm);
	kfree_sensitive(k);
}

static bool dfs_aead_is_ccm(int alg)
{
	return alg == DFS_AEAD_AES128_CCM || alg == DFS_AEAD_AES256_CCM;
}

static void *dfs_k_aead_key_new(int alg, const u8 *key, size_t keylen)
{
	struct crypto_aead *tfm;
	struct dfs_kaead_key *k;

	switch (alg) {
	case DFS_AEAD_AES128_CCM:
	case DFS_AEAD_AES128_GCM:
		if (keylen != 16)
			return NULL;
		break;
	case DFS_AEAD_AES256_CCM:
	case DFS_AEAD_AES256_GCM:
		if (keylen != 32)
			return NULL;
		break;
	default:
		return NULL;
	}
	tfm = dfs_aead_prepare(dfs_aead_is_ccm(alg) ? "ccm(aes)" : "gcm(aes)",
			       key, keylen);
	if (IS_ERR(tfm))
		return NULL;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		crypto_free_aead(tfm);
		return NULL;
	}
	k->alg = alg;
	k->tfm = tfm;
	return k;
}

/*
 * The request's IV: GCM takes the 12-byte nonce as is; ccm(aes) takes the
 * RFC 3610 counter block, whose first byte is L - 1 (L = 15 - nonce length).
 */
static int dfs_aead_iv(const struct dfs_kaead_key *k, const u8 *nonce,
		       size_t noncelen, u8 iv[16])
{
	memset(iv, 0, 16);
	if (dfs_aead_is_ccm(k->alg)) {
		if (noncelen != DFS_CCM_NONCE_SIZE)
			return -EINVAL;
		iv[0] = 15 - DFS_CCM_NONCE_SIZE - 1;
		memcpy(iv + 1, nonce, noncelen);
	} else {
		if (noncelen != DFS_GCM_NONCE_SIZE)
			return -EINVAL;
		memcpy(iv, nonce, noncelen);
	}
	return 0;
}

/* AAD, then the message, then the tag: one list, used in place. */
static int dfs_aead_crypt(struct dfs_kaead_key *k, bool encrypt,
			  const u8 *nonce, size_t noncelen, const u8 *aad,
			  size_t aadlen, u8 *buf, size_t len, u8 *tag)
{
	struct dfs_sgl s;
	u8 iv[16];
	int ret, a, b, t;

	if (!k || !nonce || (!aad && aadlen) || (!buf && len) || !tag)
		return -EINVAL;
	if (aadlen > UINT_MAX || len > UINT_MAX - DFS_TAG_SIZE)
		return -EINVAL;
	ret = dfs_aead_iv(k, nonce, noncelen, iv);
	if (ret)
		return ret;
	a = dfs_sg_count(aad, aadlen);
	b = dfs_sg_count(buf, len);
	t = dfs_sg_count(tag, DFS_TAG_SIZE);
	if (a < 0 || b < 0 || t < 0)
		return -EFAULT;
	ret = dfs_sgl_init(&s, a + b + t);
	if (ret)
		return ret;
	ret = dfs_sgl_add(&s, aad, aadlen);
	if (!ret)
		ret = dfs_sgl_add(&s, buf, len);
	if (!ret)
		ret = dfs_sgl_add(&s, tag, DFS_TAG_SIZE);
	if (!ret) {
		sg_mark_end(&s.sg[s.n - 1]);
		ret = dfs_aead_run(k->tfm, encrypt, s.sg, aadlen,
				   encrypt ? len : len + DFS_TAG_SIZE, iv);
	}
	dfs_sgl_free(&s);
	memzero_explicit(iv, sizeof(iv));
	return ret;
}

static int dfs_k_aead_encrypt(void *key, const u8 *nonce, size_t noncelen,
			      const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			      u8 tag[16])
{
	return dfs_aead_crypt(key, true, nonce, noncelen, aad, aadlen, buf,
			      len, tag);
}

static int dfs_k_aead_decrypt(void *key, const u8 *nonce, size_t noncelen,
			      const u8 *aad, size_t aadlen, u8 *buf, size_t len,
			      const u8 tag[16])
{
	/*
	 * Decryption reads the tag and never writes it; ccm(aes) and
	 * gcm(aes) return -EBADMSG when it does not authenticate.
	 */
	return dfs_aead_crypt(key, false, nonce, noncelen, aad, aadlen, buf,
			      len, (u8 *)tag);
}

const struct dfs_crypto_ops dfs_kcrypto_ops = {
	.sha512		= dfs_k_sha512,
	.mac_key_new	= dfs_k_mac_key_new,
	.mac_key_free	= dfs_k_mac_key_free,
	.mac		= dfs_k_mac,
	.aead_key_new	= dfs_k_aead_key_new,
	.aead_key_free	= dfs_k_aead_key_free,
	.aead_encrypt	= dfs_k_aead_encrypt,
	.aead_decrypt	= dfs_k_aead_decrypt,
};

int dfs_crypto_init(void)
{
	struct crypto_shash *tfm;

	tfm = crypto_alloc_shash("sha512", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	dfs_sha512_tfm = tfm;
	return 0;
}

void dfs_crypto_exit(void)
{
	crypto_free_shash(dfs_sha512_tfm);
	dfs_sha512_tfm = NULL;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntlmssp.c - NTLMSSP server side (MS-NLMP 3.2.5), NTLMv2 only.
 *
 * Messages come from an unauthenticated peer: every security buffer is
 * range-checked against the message before it is touched, and nothing is
 * trusted until NTProofStr (and the MIC, when the client says it sent one)
 * has been verified in constant time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/compat.h"
#include "common/smb2_proto.h"
#include "userd/auth/ntlmssp.h"
#include "userd/store/userdb.h"

const uint8_t dfs_ntlmssp_sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* Our Version field: 6.1 build 7600, NTLMSSP_REVISION_W2K3 (15). */
static const uint8_t ntlm_version[8] = { 6, 1, 0xb0, 0x1d, 0, 0, 0, 15 };

/* Seconds from 1601-01-01 (FILETIME epoch) to 1970-01-01. */
#define FILETIME_UNIX_DELTA 11644473600ull

enum ntlm_state {
	NTLM_WANT_NEGOTIATE,
	NTLM_WANT_AUTH,
	NTLM_DONE,
	NTLM_FAILED,
};

struct dfs_ntlmssp {
	const struct dfs_auth_cfg *cfg;
	enum ntlm_state state;
	uint32_t chal_flags;		/* what we offered in CHALLENGE */
	uint32_t flags;			/* offered AND accepted by the client */
	uint8_t chal[8];
	uint8_t *neg_msg;		/* kept for the AUTHENTICATE MIC */
	size_t neg_len;
	uint8_t *chal_msg;
	size_t chal_len;
	bool have_key;
	uint8_t key[16];		/* ExportedSessionKey */
};

/* A security buffer resolved to bytes inside the message. */
struct ntlm_buf {
	const uint8_t *p;
	size_t len;
};

struct ntlm_auth {
	struct ntlm_buf lm, nt, dom, user, ws, ekey;
	uint32_t flags;
};

struct dfs_ntlmssp *dfs_ntlmssp_new(const struct dfs_auth_cfg *cfg)
{
	struct dfs_ntlmssp *n = calloc(1, sizeof(*n));

	if (n)
		n->cfg = cfg;
	return n;
}

void dfs_ntlmssp_free(struct dfs_ntlmssp *n)
{
	if (!n)
		return;
	free(n->neg_msg);
	free(n->chal_msg);
	OPENSSL_cleanse(n, sizeof(*n));
	free(n);
}

bool dfs_ntlmssp_have_key(const struct dfs_ntlmssp *n)
{
	return n->have_key;
}

/* --- key derivation (MS-NLMP 3.3.2, 3.4.4, 3.4.5) --- */

/*
 * Windows upper-cases with its own table; this covers ASCII, Latin-1,
 * Latin Extended-A, Greek, Cyrillic and full-width Latin, which is where
 * account names live. Surrogate halves pass through unchanged.
 */
static uint16_t ntlm_upcase(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c < 0xe0)
		return c;
	if (c <= 0xfe)
		return c == 0xf7 ? c : c - 0x20;
	if (c == 0xff)
		return 0x178;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c & ~1u;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1u) ? c : c - 1;
	if (c >= 0x3b1 && c <= 0x3cb && c != 0x3c2)
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44f)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	if (c >= 0xff41 && c <= 0xff5a)
		return c - 0x20;
	return c;
}

int dfs_ntlm_ntowfv2(const uint8_t nt_hash[16], const uint8_t *user16,
		     size_t user_len, const uint8_t *dom16, size_t dom_len,
		     uint8_t out[16])
{
	struct dfs_iov v[2];
	uint8_t *up;
	size_t i;
	int ret;

	if (user_len & 1)
		return -EINVAL;
	up = malloc(user_len + 1);
	if (!up)
		return -ENOMEM;
	for (i = 0; i < user_len; i += 2) {
		uint16_t c = ntlm_upcase(dfs_get_le16(user16 + i));

		dfs_put_le16(up + i, c);
	}
	v[0].base = up;
	v[0].len = user_len;
	v[1].base = dom16;
	v[1].len = dom_len;
	ret = dfs_hmac_md5(nt_hash, 16, v, 2, out);
	free(up);
	return ret;
}

int dfs_ntlm_proof(const uint8_t ntowfv2[16], const uint8_t chal[8],
		   const uint8_t *blob, size_t blob_len, uint8_t out[16])
{
	struct dfs_iov v[2] = { { chal, 8 }, { blob, blob_len } };

	return dfs_hmac_md5(ntowfv2, 16, v, 2, out);
}

int dfs_ntlm_session_base_key(const uint8_t ntowfv2[16],
			      const uint8_t proof[16], uint8_t out[16])
{
	struct dfs_iov v = { proof, 16 };

	return dfs_hmac_md5(ntowfv2, 16, &v, 1, out);
}

/* The magic constants are hashed with their terminating NUL. */
static const u8 sign_c2s[] =
	"session key to client-to-server signing key magic constant";
static const u8 sign_s2c[] =
	"session key to server-to-client signing key magic constant";
static const u8 seal_c2s[] =
	"session key to client-to-server sealing key magic constant";
static const u8 seal_s2c[] =
	"session key to server-to-client sealing key magic constant";

int dfs_ntlm_sign_key(const uint8_t key[16], bool client, uint8_t out[16])
{
	struct dfs_iov v[2] = {
		{ key, 16 },
		{ client ? sign_c2s : sign_s2c, sizeof(sign_c2s) },
	};

	return dfs_md5(v, 2, out);
}

int dfs_ntlm_seal_key(const uint8_t key[16], uint32_t flags, bool client,
		      uint8_t out[16])
{
	size_t klen = 5;
	struct dfs_iov v[2];

	if (flags & NTLMSSP_NEGOTIATE_128)
		klen = 16;
	else if (flags & NTLMSSP_NEGOTIATE_56)
		klen = 7;
	v[0].base = key;
	v[0].len = klen;
	v[1].base = client ? seal_c2s : seal_s2c;
	v[1].len = sizeof(seal_c2s);
	return dfs_md5(v, 2, out);
}

int dfs_ntlm_signature(const uint8_t sign_key[16],
		       const uint8_t seal_key[16], bool key_exch,
		       uint32_t seqnum, const uint8_t *data, size_t len,
		       uint8_t out[16])
{
	uint8_t seq[4], mac[16];
	struct dfs_iov v[2] = { { seq, 4 }, { data, len } };
	int ret;

	dfs_put_le32(seq, seqnum);
	ret = dfs_hmac_md5(sign_key, 16, v, 2, mac);
	if (ret)
		return ret;
	dfs_put_le32(out, 1);
	if (key_exch) {
		ret = dfs_rc4(seal_key, 16, mac, out + 4, 8);
		if (ret)
			return ret;
	} else {
		memcpy(out + 4, mac, 8);
	}
	dfs_put_le32(out + 12, seqnum);
	return 0;
}

static int ntlm_mic(struct dfs_ntlmssp *n, bool client, const uint8_t *data,
		    size_t len, uint8_t out[16])
{
	uint8_t sign[16], seal[16];
	int ret;

	ret = dfs_ntlm_sign_key(n->key, client, sign);
	if (!ret)
		ret = dfs_ntlm_seal_key(n->key, n->flags, client, seal);
	if (!ret)
		ret = dfs_ntlm_signature(sign, seal,
					 n->flags & NTLMSSP_NEGOTIATE_KEY_EXCH,
					 0, data, len, out);
	OPENSSL_cleanse(sign, sizeof(sign));
	OPENSSL_cleanse(seal, sizeof(seal));
	return ret;
}

int dfs_ntlmssp_verify_mic(struct dfs_ntlmssp *n, const uint8_t *data,
			   size_t len, const uint8_t *mic, size_t mic_len)
{
	uint8_t want[16];

	if (!n->have_key || mic_len != 16)
		return -EBADMSG;
	if (ntlm_mic(n, true, data, len, want))
		return -EBADMSG;
	return dfs_ct_equal(want, mic, 16) ? 0 : -EBADMSG;
}

int dfs_ntlmssp_sign_mic(struct dfs_ntlmssp *n, const uint8_t *data,
			 size_t len, uint8_t mic[16])
{
	if (!n->have_key)
		return -EIO;
	return ntlm_mic(n, false, data, len, mic) ? -EIO : 0;
}

/* --- CHALLENGE (MS-NLMP 2.2.1.2) --- */

static uint32_t ntlm_choose_flags(uint32_t c)
{
	/*
	 * Always Unicode (OEM-only clients are long gone), always NTLM,
	 * target info and version; the security options only if asked.
	 */
	uint32_t f = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
		     NTLMSSP_REQUEST_TARGET | NTLMSSP_TARGET_TYPE_DOMAIN |
		     NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION;

	f |= c & (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
		  NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
		  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
		  NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 |
		  NTLMSSP_NEGOTIATE_KEY_EXCH);
	return f;
}

/* The names that go into TargetName and the AV pairs, as UTF-16LE. */
struct ntlm_names {
	struct dfs_iov nb_domain, nb_computer, dns_domain, dns_computer;
	uint8_t *bufs[4];
};

static void ntlm_names_free(struct ntlm_names *nm)
{
	int i;

	for (i = 0; i < 4; i++)
		free(nm->bufs[i]);
}

static int ntlm_name16(const char *s, struct dfs_iov *v, uint8_t **buf)
{
	size_t len;
	int ret = dfs_utf8_to_utf16le(s, buf, &len);

	if (ret)
		return ret;
	/* AV_PAIR lengths are 16 bits; real names are far shorter */
	if (len > 1024)
		return -ENAMETOOLONG;
	v->base = *buf;
	v->len = len;
	return 0;
}

static int ntlm_names_get(const struct dfs_auth_cfg *cfg,
			  struct ntlm_names *nm)
{
	const char *wg = cfg->workgroup ? cfg->workgroup : "WORKGROUP";
	const char *nb = cfg->netbios_name ? cfg->netbios_name : "DITTOFS";
	const char *dns = cfg->dns_name ? cfg->dns_name : "localhost";
	const char *dot = strchr(dns, '.');
	/* a host "srv.example.com" is in DNS domain "example.com" */
	const char *dns_dom = dot && dot[1] ? dot + 1 : dns;

	memset(nm, 0, sizeof(*nm));
	if (ntlm_name16(wg, &nm->nb_domain, &nm->bufs[0]) ||
	    ntlm_name16(nb, &nm->nb_computer, &nm->bufs[1]) ||
	    ntlm_name16(dns_dom, &nm->dns_domain, &nm->bufs[2]) ||
	    ntlm_name16(dns, &nm->dns_computer, &nm->bufs[3])) {
		ntlm_names_free(nm);
		return -EINVAL;
	}
	return 0;
}

static uint8_t *ntlm_put_av(uint8_t *p, uint16_t id, const void *val,
			    size_t len)
{
	dfs_put_le16(p, id);
	dfs_put_le16(p + 2, (uint16_t)len);
	if (len)
		memcpy(p + 4, val, len);
	return p + 4 + len;
}

static uint64_t ntlm_filetime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + FILETIME_UNIX_DELTA) * 10000000u +
	       (uint64_t)ts.tv_nsec / 100;
}

static int ntlm_build_challenge(struct dfs_ntlmssp *n, uint8_t **out,
				size_t *outlen)
{
	struct ntlm_names nm;
	uint8_t ts[8], *m, *p;
	size_t info_len, len;

	if (ntlm_names_get(n->cfg, &nm))
		return -EINVAL;
	info_len = 4 * 4 + nm.nb_domain.len + nm.nb_computer.len +
		   nm.dns_domain.len + nm.dns_computer.len + 4 + 8 + 4;
	len = NTLMSSP_CHAL_HDR + nm.nb_domain.len + info_len;
	m = calloc(1, len);
	if (!m) {
		ntlm_names_free(&nm);
		return -ENOMEM;
	}
	memcpy(m, dfs_ntlmssp_sig, 8);
	dfs_put_le32(m + 8, NTLMSSP_CHALLENGE);
	/* TargetName: the workgroup, right after the fixed header */
	dfs_put_le16(m + 12, (uint16_t)nm.nb_domain.len);
	dfs_put_le16(m + 14, (uint16_t)nm.nb_domain.len);
	dfs_put_le32(m + 16, NTLMSSP_CHAL_HDR);
	dfs_put_le32(m + 20, n->chal_flags);
	memcpy(m + 24, n->chal, 8);
	dfs_put_le16(m + 40, (uint16_t)info_len);
	dfs_put_le16(m + 42, (uint16_t)info_len);
	dfs_put_le32(m + 44, (uint32_t)(NTLMSSP_CHAL_HDR + nm.nb_domain.len));
	memcpy(m + 48, ntlm_version, 8);
	p = m + NTLMSSP_CHAL_HDR;
	memcpy(p, nm.nb_domain.base, nm.nb_domain.len);
	p += nm.nb_domain.len;
	p = ntlm_put_av(p, MSV_AV_NB_DOMAIN, nm.nb_domain.base, nm.nb_domain.len);
	p = ntlm_put_av(p, MSV_AV_NB_COMPUTER, nm.nb_computer.base,
			nm.nb_computer.len);
	p = ntlm_put_av(p, MSV_AV_DNS_DOMAIN, nm.dns_domain.base,
			nm.dns_domain.len);
	p = ntlm_put_av(p, MSV_AV_DNS_COMPUTER, nm.dns_computer.base,
			nm.dns_computer.len);
	dfs_put_le64(ts, ntlm_filetime_now());
	p = ntlm_put_av(p, MSV_AV_TIMESTAMP, ts, 8);
	ntlm_put_av(p, MSV_AV_EOL, NULL, 0);
	ntlm_names_free(&nm);
	*out = m;
	*outlen = len;
	return 0;
}

static uint32_t ntlm_negotiate(struct dfs_ntlmssp *n, const uint8_t *m,
			       size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *chal;
	size_t chal_len;

	if (len < NTLMSSP_NEG_MIN)
		return STATUS_INVALID_PARAMETER;
	n->chal_flags = ntlm_choose_flags(dfs_get_le32(m + 12));
	if (RAND_bytes(n->chal, sizeof(n->chal)) != 1)
		return STATUS_INTERNAL_ERROR;
	n->neg_msg = malloc(len);
	if (!n->neg_msg)
		return STATUS_NO_MEMORY;
	memcpy(n->neg_msg, m, len);
	n->neg_len = len;
	if (ntlm_build_challenge(n, &chal, &chal_len))
		return STATUS_NO_MEMORY;
	/* the copy kept for the MIC is separate from the one handed out */
	n->chal_msg = malloc(chal_len);
	if (!n->chal_msg) {
		free(chal);
		return STATUS_NO_MEMORY;
	}
	memcpy(n->chal_msg, chal, chal_len);
	n->chal_len = chal_len;
	*out = chal;
	*outlen = chal_len;
	return STATUS_MORE_PROCESSING_REQUIRED;
}

/* --- AUTHENTICATE (MS-NLMP 2.2.1.3, 3.2.5.1.2) --- */

static int ntlm_get_buf(const uint8_t *m, size_t len, size_t field,
			struct ntlm_buf *b)
{
	uint16_t blen = dfs_get_le16(m + field);
	uint32_t off = dfs_get_le32(m + field + 4);

	b->p = NULL;
	b->len = 0;
	/* an empty buffer's offset is meaningless; clients leave junk */
	if (blen == 0)
		return 0;
	if (!dfs_range_ok(off, blen, len))
		return -EBADMSG;
	b->p = m + off;
	b->len = blen;
	return 0;
}

static int ntlm_parse_auth(const uint8_t *m, size_t len, struct ntlm_auth *a)
{
	if (len < NTLMSSP_AUTH_MIN)
		return -EBADMSG;
	if (ntlm_get_buf(m, len, 12, &a->lm) ||
	    ntlm_get_buf(m, len, 20, &a->nt) ||
	    ntlm_get_buf(m, len, 28, &a->dom) ||
	    ntlm_get_buf(m, len, 36, &a->user) ||
	    ntlm_get_buf(m, len, 44, &a->ws) ||
	    ntlm_get_buf(m, len, 52, &a->ekey))
		return -EBADMSG;
	a->flags = dfs_get_le32(m + 60);
	return 0;
}

/*
 * A name field to UTF-16LE (in w16, which must hold 2 * 127 bytes) and
 * UTF-8 (in utf8[cap], cap <= 128). OEM strings are accepted only as
 * ASCII, since the client's code page is unknown.
 */
static int ntlm_name(const struct ntlm_buf *b, bool unicode, uint8_t *w16,
		     size_t *w16_len, char *utf8, size_t cap)
{
	size_t i;
	int ret;

	if (cap > 128)
		return -EINVAL;
	if (!unicode) {
		if (b->len >= cap)
			return -ENAMETOOLONG;
		for (i = 0; i < b->len; i++) {
			if (b->p[i] == 0 || b->p[i] >= 0x80)
				return -EINVAL;
			dfs_put_le16(w16 + 2 * i, b->p[i]);
		}
		*w16_len = 2 * b->len;
		return dfs_utf16le_to_utf8(w16, *w16_len, utf8, cap);
	}
	ret = dfs_utf16le_to_utf8(b->p, b->len, utf8, cap);
	if (ret)
		return ret;
	/* every UTF-16 unit became at least one UTF-8 byte: it fits */
	if (b->len)
		memcpy(w16, b->p, b->len);
	*w16_len = b->len;
	return 0;
}

static bool ntlm_is_anonymous(const struct ntlm_auth *a)
{
	return a->user.len == 0 && a->nt.len == 0 &&
	       (a->lm.len == 0 || (a->lm.len == 1 && a->lm.p[0] == 0));
}

/* MsvAvFlags from the AV pairs at the end of the NTLMv2 blob. */
static int ntlm_blob_av_flags(const struct ntlm_buf *nt, uint32_t *flags)
{
	const uint8_t *p = nt->p + 16 + NTLMV2_BLOB_HDR;
	size_t left = nt->len - 16 - NTLMV2_BLOB_HDR;
	uint16_t id, alen;

	*flags = 0;
	while (left >= 4) {
		id = dfs_get_le16(p);
		alen = dfs_get_le16(p + 2);
		if (id == MSV_AV_EOL)
			return 0;
		if (alen > left - 4)
			return -EBADMSG;
		if (id == MSV_AV_FLAGS) {
			if (alen != 4)
				return -EBADMSG;
			*flags = dfs_get_le32(p + 4);
		}
		p += 4 + alen;
		left -= 4 + alen;
	}
	/* no MsvAvEOL: tolerated, the list is covered by NTProofStr anyway */
	return 0;
}

/*
 * Check NTProofStr against the domain as sent, then the empty domain
 * (some clients hash with no domain but send one). 0 and *base = the
 * SessionBaseKey on a match.
 */
static int ntlm_verify_v2(const struct dfs_ntlmssp *n,
			  const uint8_t nt_hash[16], const uint8_t *user16,
			  size_t user_len, const uint8_t *dom16,
			  size_t dom_len, const struct ntlm_buf *nt,
			  uint8_t base[16])
{
	uint8_t owf[16], proof[16];
	int tries = dom_len ? 2 : 1, i, ret = -EACCES;

	for (i = 0; i < tries && ret; i++) {
		size_t dl = i == 0 ? dom_len : 0;

		if (dfs_ntlm_ntowfv2(nt_hash, user16, user_len, dom16, dl,
				     owf) ||
		    dfs_ntlm_proof(owf, n->chal, nt->p + 16, nt->len - 16,
				   proof))
			break;
		if (dfs_ct_equal(proof, nt->p, 16))
			ret = dfs_ntlm_session_base_key(owf, proof, base);
	}
	OPENSSL_cleanse(owf, sizeof(owf));
	return ret ? -EACCES : 0;
}

/* MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTH'). */
static int ntlm_check_auth_mic(const struct dfs_ntlmssp *n, const uint8_t *m,
			       size_t len)
{
	uint8_t *copy, mic[16];
	struct dfs_iov v[3];
	int ret;

	if (len < NTLMSSP_AUTH_MIC_END)
		return -EBADMSG;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, m, len);
	memset(copy + NTLMSSP_AUTH_MIC_OFF, 0, 16);
	v[0].base = n->neg_msg;
	v[0].len = n->neg_len;
	v[1].base = n->chal_msg;
	v[1].len = n->chal_len;
	v[2].base = copy;
	v[2].len = len;
	ret = dfs_hmac_md5(n->key, 16, v, 3, mic);
	free(copy);
	if (ret)
		return ret;
	return dfs_ct_equal(mic, m + NTLMSSP_AUTH_MIC_OFF, 16) ? 0 : -EACCES;
}

/* ExportedSessionKey from the KeyExchangeKey (= SessionBaseKey in v2). */
static uint32_t ntlm_exported_key(struct dfs_ntlmssp *n,
				  const struct ntlm_auth *a,
				  const uint8_t base[16])
{
	if (!(n->flags & NTLMSSP_NEGOTIATE_KEY_EXCH)) {
		memcpy(n->key, base, 16);
		return STATUS_SUCCESS;
	}
	if (a->ekey.len != 16)
		return STATUS_INVALID_PARAMETER;
	if (dfs_rc4(base, 16, a->ekey.p, n->key, 16))
		return STATUS_INTERNAL_ERROR;
	return STATUS_SUCCESS;
}

/* The user was found: prove the password, then derive the keys. */
static uint32_t ntlm_auth_user(struct dfs_ntlmssp *n, const uint8_t *m,
			       size_t len, const struct ntlm_auth *a,
			       const uint8_t *user16, size_t user_len,
			       const uint8_t *dom16, size_t dom_len,
			       struct dfs_user *u, struct dfs_auth_result *res)
{
	uint8_t base[16];
	uint32_t av_flags, st;

	if (ntlm_blob_av_flags(&a->nt, &av_flags))
		return STATUS_INVALID_PARAMETER;
	if (ntlm_verify_v2(n, u->nt_hash, user16, user_len, dom16, dom_len,
			   &a->nt, base))
		return STATUS_LOGON_FAILURE;
	if (u->disabled)
		return STATUS_LOGON_FAILURE;
	st = ntlm_exported_key(n, a, base);
	OPENSSL_cleanse(base, sizeof(base));
	if (st != STATUS_SUCCESS)
		return st;
	if ((av_flags & MSV_AV_FLAG_MIC) && ntlm_check_auth_mic(n, m, len))
		return STATUS_LOGON_FAILURE;
	n->have_key = true;
	memcpy(res->session_key, n->key, 16);
	res->have_key = true;
	res->uid = u->uid;
	res->gid = u->gid;
	/* the account's own spelling of the name, not the client's case */
	if (u->name[0] && strnlen(u->name, sizeof(u->name)) < sizeof(res->user))
		memcpy(res->user, u->name, strlen(u->name) + 1);
	return STATUS_SUCCESS;
}

static uint32_t ntlm_lookup(struct dfs_ntlmssp *n, const char *name,
			    struct dfs_user *u)
{
	const struct dfs_auth_cfg *cfg = n->cfg;
	int ret = -ENOENT;

	memset(u, 0, sizeof(*u));
	if (cfg->lookup)
		ret = cfg->lookup(cfg->lookup_arg, name, u);
	if (ret == 0)
		return STATUS_SUCCESS;
	/* only a missing account maps to guest, never a database error */
	if (ret == -ENOENT && cfg->map_bad_user_to_guest)
		return STATUS_MORE_PROCESSING_REQUIRED;
	return STATUS_LOGON_FAILURE;
}

static uint32_t ntlm_authenticate(struct dfs_ntlmssp *n, const uint8_t *m,
				  size_t len, struct dfs_auth_result *res)
{
	uint8_t user16[256], dom16[256];
	size_t user_len, dom_len;
	struct ntlm_auth a;
	struct dfs_user u;
	bool unicode;
	uint32_t st;

	if (ntlm_parse_auth(m, len, &a))
		return STATUS_INVALID_PARAMETER;
	n->flags = n->chal_flags & a.flags;
	unicode = a.flags & NTLMSSP_NEGOTIATE_UNICODE;
	if (ntlm_name(&a.user, unicode, user16, &user_len, res->user,
		      sizeof(res->user)) ||
	    ntlm_name(&a.dom, unicode, dom16, &dom_len, res->domain,
		      sizeof(res->domain)))
		return STATUS_LOGON_FAILURE;
	if (ntlm_is_anonymous(&a)) {
		res->anonymous = true;
		/* files are touched as the guest account, never as uid 0 */
		res->uid = n->cfg->guest_uid;
		res->gid = n->cfg->guest_gid;
		return STATUS_SUCCESS;
	}
	/* 24 bytes is NTLMv1 (or LM); v2 is NTProofStr + blob header + AVs */
	if (a.user.len == 0 || a.nt.len < 16 + NTLMV2_BLOB_HDR)
		return STATUS_LOGON_FAILURE;
	st = ntlm_lookup(n, res->user, &u);
	if (st == STATUS_MORE_PROCESSING_REQUIRED) {
		res->guest = true;
		res->uid = n->cfg->guest_uid;
		res->gid = n->cfg->guest_gid;
		return STATUS_SUCCESS;
	}
	if (st == STATUS_SUCCESS)
		st = ntlm_auth_user(n, m, len, &a, user16, user_len, dom16,
				    dom_len, &u, res);
	OPENSSL_cleanse(&u, sizeof(u));
	return st;
}

uint32_t dfs_ntlmssp_step(struct dfs_ntlmssp *n, const uint8_t *in,
			  size_t inlen, uint8_t **out, size_t *outlen,
			  struct dfs_auth_result *res)
{
	uint32_t type, st;

	*out = NULL;
	*outlen = 0;
	if (inlen < 12 || memcmp(in, dfs_ntlmssp_sig, 8))
		return STATUS_INVALID_PARAMETER;
	type = dfs_get_le32(in + 8);
	if (n->state == NTLM_WANT_NEGOTIATE && type == NTLMSSP_NEGOTIATE) {
		st = ntlm_negotiate(n, in, inlen, out, outlen);
		n->state = st == STATUS_MORE_PROCESSING_REQUIRED ?
			   NTLM_WANT_AUTH : NTLM_FAILED;
		return st;
	}
	if (n->state == NTLM_WANT_AUTH && type == NTLMSSP_AUTH) {
		st = ntlm_authenticate(n, in, inlen, res);
		n->state = st == STATUS_SUCCESS ? NTLM_DONE : NTLM_FAILED;
		return st;
	}
	n->state = NTLM_FAILED;
	return STATUS_INVALID_PARAMETER;
}

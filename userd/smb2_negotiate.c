// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_negotiate.c - NEGOTIATE (MS-SMB2 2.2.3/2.2.4, 3.3.5.3, 3.3.5.4):
 * dialect selection, 3.1.1 negotiate contexts, and the SMB1
 * multi-protocol NEGOTIATE that older clients open with.
 */
#include <stdlib.h>

#include "userd/server.h"
#include "userd/config.h"
#include "userd/crypto_openssl.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/auth/auth.h"

#define NEG_REQ_FIXED 36
#define NEG_RSP_FIXED 64
#define NEG_CTX_HDR 8
#define PREAUTH_SALT_LEN 32

/* Dialects we speak, best first */
static const u16 dialects[] = {
	SMB2_DIALECT_311, SMB2_DIALECT_302, SMB2_DIALECT_300,
	SMB2_DIALECT_210, SMB2_DIALECT_202,
};

/* What the client's 3.1.1 contexts asked for */
struct neg_ctx {
	bool preauth;
	bool sha512;
	bool encryption;		/* ENCRYPTION_CAPABILITIES was sent */
	u16 cipher;			/* chosen, 0 = no common cipher */
	bool signing;			/* SIGNING_CAPABILITIES was sent */
	u16 sign_alg;
	u32 seen;			/* bitmap of context types seen, for duplicates */
};

u16 dfs_server_security_mode(const struct dfs_conn *c)
{
	u16 mode = SMB2_NEGOTIATE_SIGNING_ENABLED;

	if (c->srv->cfg->server_signing == DFS_SIGNING_MANDATORY)
		mode |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
	return mode;
}

static u16 pick_dialect(const struct dfs_config *cfg, const u8 *list, u16 count)
{
	size_t i;
	u16 j;

	for (i = 0; i < DFS_ARRAY_SIZE(dialects); i++) {
		if (dialects[i] > cfg->max_protocol || dialects[i] < cfg->min_protocol)
			continue;
		for (j = 0; j < count; j++)
			if (dfs_get_le16(list + 2 * j) == dialects[i])
				return dialects[i];
	}
	return 0;
}

static u32 parse_preauth(const u8 *d, u16 len, struct neg_ctx *nc)
{
	u16 count, salt, i;

	if (len < 4)
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le16(d);
	salt = dfs_get_le16(d + 2);
	if (count == 0 || 4u + 2u * count + salt > len)
		return STATUS_INVALID_PARAMETER;
	nc->preauth = true;
	for (i = 0; i < count; i++)
		if (dfs_get_le16(d + 4 + 2 * i) == SMB2_PREAUTH_INTEGRITY_SHA512)
			nc->sha512 = true;
	return STATUS_SUCCESS;
}

/*
 * The first of the server's preferences (config order) that the client's
 * list of count ids at d also holds; 0xffff if none.
 */
static u16 pick_pref(const u16 *prefs, int nprefs, const u8 *d, u16 count)
{
	int p;
	u16 i;

	for (p = 0; p < nprefs; p++)
		for (i = 0; i < count; i++)
			if (dfs_get_le16(d + 2 * i) == prefs[p])
				return prefs[p];
	return 0xffff;
}

/* A context holding a count and that many elem-byte entries: well formed? */
static u32 parse_counted(const u8 *d, u16 len, u16 elem)
{
	u16 count;

	if (len < 2)
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le16(d);
	if (count == 0 || 2u + (u32)elem * count > len)
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

static u32 parse_signing(const struct dfs_config *cfg, const u8 *d, u16 len,
			 struct neg_ctx *nc)
{
	u16 count, alg;

	if (parse_counted(d, len, 2))
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le16(d);
	nc->signing = true;
	alg = pick_pref(cfg->sign_algs, cfg->n_sign_algs, d + 2, count);
	/* no overlap: AES-CMAC, the 3.x default (3.3.5.4) */
	nc->sign_alg = alg == 0xffff ? SMB2_SIGNING_AES_CMAC : alg;
	return STATUS_SUCCESS;
}

static u32 parse_encryption(const struct dfs_config *cfg, const u8 *d, u16 len,
			    struct neg_ctx *nc)
{
	u16 count, cipher;

	if (parse_counted(d, len, 2))
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le16(d);
	nc->encryption = true;
	if (cfg->smb_encrypt == DFS_ENCRYPT_OFF)
		return STATUS_SUCCESS;
	cipher = pick_pref(cfg->ciphers, cfg->n_ciphers, d + 2, count);
	nc->cipher = cipher == 0xffff ? 0 : cipher;
	return STATUS_SUCCESS;
}

static u32 parse_one_ctx(const struct dfs_config *cfg, u16 type, const u8 *d,
			 u16 len, struct neg_ctx *nc)
{
	if (type < 32) {
		if (nc->seen & (1u << type))
			return STATUS_INVALID_PARAMETER;	/* duplicate */
		nc->seen |= 1u << type;
	}
	switch (type) {
	case SMB2_PREAUTH_INTEGRITY_CAPABILITIES:
		return parse_preauth(d, len, nc);
	case SMB2_SIGNING_CAPABILITIES:
		return parse_signing(cfg, d, len, nc);
	case SMB2_ENCRYPTION_CAPABILITIES:
		return parse_encryption(cfg, d, len, nc);
	case SMB2_COMPRESSION_CAPABILITIES:
		return len < 8 ? STATUS_INVALID_PARAMETER : parse_counted(d, len, 2);
	default:
		return STATUS_SUCCESS;	/* netname, transport, RDMA, unknown: ignored */
	}
}

/* Walk the NegotiateContextList of a 3.1.1 request (2.2.3.1). */
static u32 parse_contexts(const struct dfs_req *r, u16 ndialects, struct neg_ctx *nc)
{
	u32 off = dfs_get_le32(r->body + 28);
	u16 count = dfs_get_le16(r->body + 32);
	u32 min_off = SMB2_HDR_SIZE + NEG_REQ_FIXED + 2u * ndialects;
	u32 total = SMB2_HDR_SIZE + r->body_len;
	u16 i;

	if (count == 0 || off < min_off || (off & 7))
		return STATUS_INVALID_PARAMETER;
	for (i = 0; i < count; i++) {
		u16 type, len;
		u32 st;

		if (i)
			off = DFS_ALIGN8(off);
		if (!dfs_range_ok(off, NEG_CTX_HDR, total))
			return STATUS_INVALID_PARAMETER;
		type = dfs_get_le16(r->hdr + off);
		len = dfs_get_le16(r->hdr + off + 2);
		off += NEG_CTX_HDR;
		if (!dfs_range_ok(off, len, total))
			return STATUS_INVALID_PARAMETER;
		st = parse_one_ctx(r->srv->cfg, type, r->hdr + off, len, nc);
		if (st)
			return st;
		off += len;
	}
	if (!nc->preauth)
		return STATUS_INVALID_PARAMETER;
	if (!nc->sha512)
		return STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP;
	return STATUS_SUCCESS;
}

static u8 *put_ctx(u8 *p, u16 type, u16 len)
{
	dfs_put_le16(p, type);
	dfs_put_le16(p + 2, len);
	dfs_put_le32(p + 4, 0);
	return p + NEG_CTX_HDR;
}

/* Append the response contexts at body offset *len (8-aligned first). */
static int put_contexts(struct dfs_conn *c, u8 *body, u32 cap, u32 *len,
			const struct neg_ctx *nc, u16 *count)
{
	u32 off = DFS_ALIGN8(*len);
	u8 *p;

	if (off + 3 * (NEG_CTX_HDR + 40) > cap)
		return -1;
	memset(body + *len, 0, off - *len);
	dfs_put_le32(body + 60, SMB2_HDR_SIZE + off);
	p = put_ctx(body + off, SMB2_PREAUTH_INTEGRITY_CAPABILITIES,
		    6 + PREAUTH_SALT_LEN);
	dfs_put_le16(p, 1);
	dfs_put_le16(p + 2, PREAUTH_SALT_LEN);
	dfs_put_le16(p + 4, SMB2_PREAUTH_INTEGRITY_SHA512);
	if (dfs_random(p + 6, PREAUTH_SALT_LEN))
		return -1;
	p += 6 + PREAUTH_SALT_LEN;
	*count = 1;
	if (nc->encryption) {
		/* CipherCount 1; Ciphers[0] 0 says "no common cipher" (3.3.5.4) */
		u32 at = DFS_ALIGN8((u32)(p - body));

		memset(p, 0, body + at - p);
		p = put_ctx(body + at, SMB2_ENCRYPTION_CAPABILITIES, 4);
		dfs_put_le16(p, 1);
		dfs_put_le16(p + 2, nc->cipher);
		p += 4;
		(*count)++;
	}
	if (nc->signing) {
		u32 at = DFS_ALIGN8((u32)(p - body));

		memset(p, 0, body + at - p);
		p = put_ctx(body + at, SMB2_SIGNING_CAPABILITIES, 4);
		dfs_put_le16(p, 1);
		dfs_put_le16(p + 2, c->sign_alg);
		p += 4;
		(*count)++;
	}
	*len = (u32)(p - body);
	return 0;
}

/*
 * The fixed part and security blob of a NEGOTIATE response, shared by the
 * SMB2 and SMB1-initiated paths. Returns the body length or 0.
 */
static u32 build_response(struct dfs_conn *c, u16 dialect, u8 *body, u32 cap)
{
	struct dfs_server *srv = c->srv;
	u32 max_io = dialect == SMB2_DIALECT_202 || dialect == SMB2_DIALECT_WILDCARD ?
		     65536 : DFS_MAX_IO;
	u8 *blob = NULL;
	size_t bloblen = 0;

	if (cap < NEG_RSP_FIXED || dfs_spnego_negotiate_token(&blob, &bloblen))
		return 0;
	if (bloblen > cap - NEG_RSP_FIXED) {
		free(blob);
		return 0;
	}
	memset(body, 0, NEG_RSP_FIXED);
	dfs_put_le16(body, 65);
	dfs_put_le16(body + 2, dfs_server_security_mode(c));
	dfs_put_le16(body + 4, dialect);
	memcpy(body + 8, srv->server_guid, 16);
	dfs_put_le32(body + 24, c->server_caps);
	dfs_put_le32(body + 28, max_io);
	dfs_put_le32(body + 32, max_io);
	dfs_put_le32(body + 36, max_io);
	dfs_put_le64(body + 40, dfs_filetime_now());
	dfs_put_le64(body + 48, 0);	/* ServerStartTime: 0, as Windows/Samba send */
	dfs_put_le16(body + 56, SMB2_HDR_SIZE + NEG_RSP_FIXED);
	dfs_put_le16(body + 58, (u16)bloblen);
	memcpy(body + NEG_RSP_FIXED, blob, bloblen);
	free(blob);
	return NEG_RSP_FIXED + (u32)bloblen;
}

static void commit_dialect(struct dfs_conn *c, u16 dialect)
{
	c->dialect = dialect;
	c->dp.dialect = dialect;
	c->negotiated = true;
	c->dp.credits.large_mtu = dialect >= SMB2_DIALECT_210;
	c->signing_required =
		c->srv->cfg->server_signing == DFS_SIGNING_MANDATORY ||
		(c->client_security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED);
	log_verbose("%s: negotiated dialect %x.%x.%x, signing %s", c->peer,
		    dialect >> 8, (dialect >> 4) & 0xf, dialect & 0xf,
		    c->signing_required ? "required" : "optional");
}

static void remember_client(struct dfs_conn *c, const struct dfs_req *r, u16 n)
{
	u16 i;

	c->client_security_mode = dfs_get_le16(r->body + 4);
	c->client_caps = dfs_get_le32(r->body + 8);
	memcpy(c->client_guid, r->body + 12, 16);
	c->n_client_dialects = n < DFS_ARRAY_SIZE(c->client_dialects) ?
			       n : DFS_ARRAY_SIZE(c->client_dialects);
	for (i = 0; i < c->n_client_dialects; i++)
		c->client_dialects[i] = dfs_get_le16(r->body + NEG_REQ_FIXED + 2 * i);
}

static bool ccm128_allowed(const struct dfs_config *cfg)
{
	int i;

	for (i = 0; i < cfg->n_ciphers; i++)
		if (cfg->ciphers[i] == SMB2_ENCRYPTION_AES128_CCM)
			return true;
	return false;
}

u32 smb2_negotiate(struct dfs_req *r)
{
	struct dfs_conn *c = r->conn;
	struct neg_ctx nc = { 0 };
	u16 ndialects, dialect, nctx = 0;
	u32 len, st;

	if (r->body_len < NEG_REQ_FIXED || dfs_get_le16(r->body) != NEG_REQ_FIXED)
		return STATUS_INVALID_PARAMETER;
	ndialects = dfs_get_le16(r->body + 2);
	if (ndialects == 0 || NEG_REQ_FIXED + 2u * ndialects > r->body_len)
		return STATUS_INVALID_PARAMETER;
	remember_client(c, r, ndialects);
	dialect = pick_dialect(r->srv->cfg, r->body + NEG_REQ_FIXED, ndialects);
	if (!dialect) {
		log_info("%s: no common dialect (server min/max protocol)", c->peer);
		return STATUS_NOT_SUPPORTED;
	}
	c->sign_alg = dialect >= SMB2_DIALECT_300 ? SMB2_SIGNING_AES_CMAC :
						    SMB2_SIGNING_HMAC_SHA256;
	if (dialect == SMB2_DIALECT_311) {
		st = parse_contexts(r, ndialects, &nc);
		if (st)
			return st;
		if (nc.signing)
			c->sign_alg = nc.sign_alg;
		c->cipher = nc.cipher;
	}
	c->server_caps = dialect >= SMB2_DIALECT_210 ? SMB2_GLOBAL_CAP_LARGE_MTU : 0;
	/* file leases, in kernel mode too: WRITEs that break them ask us */
	if (dialect >= SMB2_DIALECT_210)
		c->server_caps |= SMB2_GLOBAL_CAP_LEASING;
	if (dialect >= SMB2_DIALECT_300 && dfs_multichannel_enabled(r->srv))
		c->server_caps |= SMB2_GLOBAL_CAP_MULTI_CHANNEL;
	/* 3.0/3.0.2 have one cipher, agreed by capability bits (3.3.5.4) */
	if ((dialect == SMB2_DIALECT_300 || dialect == SMB2_DIALECT_302) &&
	    (c->client_caps & SMB2_GLOBAL_CAP_ENCRYPTION) &&
	    r->srv->cfg->smb_encrypt != DFS_ENCRYPT_OFF && ccm128_allowed(r->srv->cfg)) {
		c->server_caps |= SMB2_GLOBAL_CAP_ENCRYPTION;
		c->cipher = SMB2_ENCRYPTION_AES128_CCM;
	}
	len = build_response(c, dialect, r->rsp_body, r->rsp_cap);
	if (!len)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (dialect == SMB2_DIALECT_311) {
		if (put_contexts(c, r->rsp_body, r->rsp_cap, &len, &nc, &nctx))
			return STATUS_INSUFFICIENT_RESOURCES;
		dfs_put_le16(r->rsp_body + 6, nctx);
	}
	r->rsp_len = len;
	commit_dialect(c, dialect);
	return STATUS_SUCCESS;
}

/* Does the SMB1 dialect list (0x02 "name" NUL ...) contain name? */
static bool smb1_offers(const u8 *p, u32 len, const char *name)
{
	size_t n = strlen(name);
	u32 i = 0;

	while (i < len) {
		u32 j;

		if (p[i] != 0x02)
			return false;
		for (j = i + 1; j < len && p[j]; j++)
			;
		if (j >= len)
			return false;
		if (j - i - 1 == n && !memcmp(p + i + 1, name, n))
			return true;
		i = j + 1;
	}
	return false;
}

int dfs_smb1_negotiate(struct dfs_conn *c, const struct dfs_pdu_in *in,
		       struct dfs_pdu_out *out)
{
	const struct dfs_config *cfg = c->srv->cfg;
	const u8 *p = in->buf;
	u16 dialect, bytes;
	u32 len;

	/* SMB1 header is 32 bytes, then WordCount (0) and ByteCount */
	if (in->len < 35 || p[4] != 0x72 || p[32] != 0)
		return -EPROTO;
	bytes = dfs_get_le16(p + 33);
	if (bytes > in->len - 35)
		return -EPROTO;
	if (smb1_offers(p + 35, bytes, "SMB 2.???") && cfg->max_protocol > SMB2_DIALECT_202)
		dialect = SMB2_DIALECT_WILDCARD;
	else if (smb1_offers(p + 35, bytes, "SMB 2.002") &&
		 cfg->min_protocol <= SMB2_DIALECT_202)
		dialect = SMB2_DIALECT_202;
	else {
		log_info("%s: SMB1-only client (SMB1 is not served), closing", c->peer);
		return -EPROTO;
	}
	if (out->cap < SMB2_HDR_SIZE)
		return -ENOSPC;
	memset(out->buf, 0, SMB2_HDR_SIZE);
	dfs_put_le32(out->buf, SMB2_PROTO_ID);
	dfs_put_le16(out->buf + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(out->buf + SMB2_HDR_COMMAND, SMB2_NEGOTIATE);
	dfs_put_le32(out->buf + SMB2_HDR_FLAGS, SMB2_FLAGS_SERVER_TO_REDIR);
	c->server_caps = 0;
	len = build_response(c, dialect, out->buf + SMB2_HDR_SIZE,
			     out->cap - SMB2_HDR_SIZE);
	if (!len)
		return -ENOMEM;
	out->len = SMB2_HDR_SIZE + len;
	if (dialect == SMB2_DIALECT_202)
		commit_dialect(c, dialect);
	return 0;
}

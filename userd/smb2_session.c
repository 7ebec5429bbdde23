// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_session.c - SESSION_SETUP and LOGOFF (MS-SMB2 3.3.5.5, 3.3.5.6):
 * session objects, the authentication exchange, and key installation.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "userd/server.h"
#include "userd/config.h"
#include "userd/auth/auth.h"
#include "userd/crypto_openssl.h"
#include "userd/kdf.h"
#include "userd/limits.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/session_tombstone.h"
#include "userd/smb2_durable.h"

#define SETUP_REQ_FIXED 24
#define SETUP_RSP_FIXED 8

static struct dfs_session *find(struct dfs_conn *c, u64 id, bool any)
{
	struct dfs_session *s;

	if (!id)
		return NULL;
	for (s = c->sessions; s; s = s->next)
		if (s->dp.id == id && (any || !s->dead))
			return s;
	return dfs_channel_session(c, id, any);	/* bound here from elsewhere */
}

struct dfs_session *dfs_session_find(struct dfs_conn *c, u64 id)
{
	return find(c, id, false);
}

struct dfs_session *dfs_session_find_any(struct dfs_conn *c, u64 id)
{
	return find(c, id, true);
}

static void close_trees(struct dfs_session *s)
{
	while (s->trees)
		dfs_tree_destroy(s->trees);
}

/* A live session on any connection (binding, PreviousSessionId). */
static struct dfs_session *find_server_wide(struct dfs_server *srv, u64 id)
{
	struct dfs_conn *c;
	struct dfs_session *s;

	for (c = srv->conns; c; c = c->next) {
		s = find(c, id, false);
		if (s)
			return s;
	}
	return NULL;
}

/*
 * A reconnecting client names the session it had before (MS-SMB2
 * 3.3.5.5.3): if the same user owned it, it ends now, with its opens, so
 * nothing of it lingers on a dead connection.
 */
static void end_previous_session(struct dfs_req *r, struct dfs_session *s)
{
	u64 prev = dfs_get_le64(r->body + 16);
	struct dfs_session *old;

	if (!prev || prev == s->dp.id)
		return;
	old = find_server_wide(r->srv, prev);
	if (!old || old->state != DFS_SESS_VALID || old->anonymous ||
	    strcasecmp(old->user, s->user) || strcasecmp(old->domain, s->domain))
		return;
	log_info("%s: session %016llx replaces %016llx of %s", r->conn->peer,
		 (unsigned long long)s->dp.id, (unsigned long long)prev, s->user);
	/* the client means to reclaim its durable opens: keep them */
	dfs_durable_session_lost(old);
	close_trees(old);
	old->dead = true;
}

/*
 * Multichannel is off, so binding is refused; the refusal is signed
 * with the bound session's key, as a client that signed the request
 * verifies the answer (3.3.5.5.2).
 */
static u32 refuse_binding(struct dfs_req *r)
{
	struct dfs_session *s = find_server_wide(r->srv, r->in->session_id);

	if (s && s->dp.sign.alg >= 0)
		r->out->sign_with = &s->dp;
	return STATUS_REQUEST_NOT_ACCEPTED;
}

void dfs_session_destroy(struct dfs_session *s)
{
	struct dfs_session **pp;

	close_trees(s);
	dfs_kernel_session_gone(s);
	dfs_channels_session_gone(s);
	for (pp = &s->conn->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->leave_tombstone)
		dfs_tombstone_keep(s->conn, &s->dp);
	if (s->dp.sign.key)
		s->conn->srv->crypto->mac_key_free(s->dp.sign.key);
	if (s->dp.enc.key)
		s->conn->srv->crypto->aead_key_free(s->dp.enc.key);
	if (s->dp.dec.key)
		s->conn->srv->crypto->aead_key_free(s->dp.dec.key);
	dfs_auth_free(s->auth);
	/* keys must not linger in freed memory */
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void dfs_session_reap(struct dfs_conn *c)
{
	struct dfs_session *s, *next;

	dfs_channels_reap(c);
	for (s = c->sessions; s; s = next) {
		next = s->next;
		if (s->dead)
			dfs_session_destroy(s);
	}
}

/* A new session with a random, unused, non-zero id. */
static struct dfs_session *session_new(struct dfs_conn *c)
{
	struct dfs_session *s = calloc(1, sizeof(*s));
	u64 id;

	if (!s)
		return NULL;
	do {
		if (dfs_random(&id, sizeof(id))) {
			free(s);
			return NULL;
		}
	} while (id == 0 || id == ~0ull || dfs_session_find_any(c, id));
	s->dp.id = id;
	s->dp.sign.alg = -1;
	s->conn = c;
	s->state = DFS_SESS_IN_PROGRESS;
	s->next_tree_id = 1;
	s->next = c->sessions;
	c->sessions = s;
	return s;
}

/* The agreed cipher's keys, each direction prepared once (3.3.5.5.3). */
static int install_cipher(struct dfs_session *s, const struct dfs_smb3_keys *keys)
{
	const struct dfs_crypto_ops *ops = s->conn->srv->crypto;
	int alg = s->conn->cipher;
	size_t klen = dfs_cipher_key_len(alg);

	memcpy(s->enc_key, keys->encryption, klen);
	memcpy(s->dec_key, keys->decryption, klen);
	s->dp.enc.key = ops->aead_key_new(alg, keys->encryption, klen);
	s->dp.dec.key = ops->aead_key_new(alg, keys->decryption, klen);
	if (!s->dp.enc.key || !s->dp.dec.key)
		return -1;
	s->dp.enc.alg = alg;
	s->dp.dec.alg = alg;
	return dfs_random(s->dp.nonce.salt, sizeof(s->dp.nonce.salt));
}

/* Derive and install the signing and encryption keys (MS-SMB2 3.3.5.5.3). */
static int install_keys(struct dfs_session *s, const u8 *preauth)
{
	struct dfs_conn *c = s->conn;
	const struct dfs_crypto_ops *ops = c->srv->crypto;
	struct dfs_smb3_keys keys;
	int alg, ret = 0;

	if (c->dialect >= SMB2_DIALECT_300) {
		size_t klen = c->cipher ? dfs_cipher_key_len(c->cipher) : 16;

		if (dfs_smb3_derive_keys(c->dialect, s->session_key, preauth, klen, &keys))
			return -1;
		memcpy(s->signing_key, keys.signing, 16);
		if (c->cipher)
			ret = install_cipher(s, &keys);
		explicit_bzero(&keys, sizeof(keys));
		if (ret)
			return -1;
		alg = c->sign_alg;
	} else {
		memcpy(s->signing_key, s->session_key, 16);
		alg = DFS_MAC_HMAC_SHA256;
	}
	s->dp.sign.key = ops->mac_key_new(alg, s->signing_key, 16);
	if (!s->dp.sign.key)
		return -1;
	s->dp.sign.alg = alg;
	s->dp.signing_required = c->signing_required;
	return 0;
}

/*
 * Supplementary groups of the Unix account behind uid, so group permissions
 * work as they do for that user locally; just the primary group if the uid
 * has no account.
 */
static void load_groups(struct dfs_session *s)
{
	struct passwd *pw = getpwuid(s->uid);
	int n = (int)DFS_ARRAY_SIZE(s->groups);

	s->groups[0] = s->gid;
	s->ngroups = 1;
	if (pw && getgrouplist(pw->pw_name, s->gid, s->groups, &n) >= 0)
		s->ngroups = n;
}

static void take_identity(struct dfs_session *s, const struct dfs_auth_result *res)
{
	s->anonymous = res->anonymous;
	s->guest = res->guest;
	snprintf(s->user, sizeof(s->user), "%s", res->user);
	snprintf(s->domain, sizeof(s->domain), "%s", res->domain);
	s->uid = res->uid;
	s->gid = res->gid;
	load_groups(s);
}

/*
 * Session.EncryptData from "smb encrypt" (MS-SMB2 3.3.5.5.3): required
 * refuses sessions that cannot encrypt, desired encrypts when it can.
 */
static u32 encryption_policy(struct dfs_session *s, const struct dfs_auth_result *res)
{
	int policy = s->conn->srv->cfg->smb_encrypt;
	bool can = s->conn->cipher && res->have_key && !res->anonymous && !res->guest;

	if (policy == DFS_ENCRYPT_REQUIRED && !can) {
		log_info("%s: 'smb encrypt = required' refuses a session that cannot encrypt",
			 s->conn->peer);
		return STATUS_ACCESS_DENIED;
	}
	s->encrypt_data = can && policy >= DFS_ENCRYPT_DESIRED;
	return STATUS_SUCCESS;
}

/* The authentication finished: the session becomes valid. */
static u32 setup_done(struct dfs_req *r, struct dfs_session *s,
		      const struct dfs_auth_result *res, bool reauth)
{
	u16 flags = 0;
	u32 st;

	if (reauth) {
		/* re-authentication refreshes identity, never keys (3.3.5.5.3) */
		take_identity(s, res);
		return STATUS_SUCCESS;
	}
	st = encryption_policy(s, res);
	if (st)
		return st;
	take_identity(s, res);
	if (res->have_key && !res->anonymous && !res->guest) {
		memcpy(s->session_key, res->session_key, 16);
		if (install_keys(s, r->in->preauth))
			return STATUS_INTERNAL_ERROR;
		if (r->conn->dialect == SMB2_DIALECT_311 || s->dp.signing_required)
			r->out->sign_with = &s->dp;
	}
	if (res->anonymous)
		flags |= SMB2_SESSION_FLAG_IS_NULL;
	else if (res->guest)
		flags |= SMB2_SESSION_FLAG_IS_GUEST;
	if (s->encrypt_data)
		flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
	dfs_put_le16(r->rsp_body + 2, flags);
	s->state = DFS_SESS_VALID;
	end_previous_session(r, s);
	log_info("%s: session %016llx: %s%s%s%s", r->conn->peer,
		 (unsigned long long)s->dp.id, res->anonymous ? "anonymous" : s->domain,
		 res->anonymous ? "" : "\\", res->anonymous ? "" : s->user,
		 res->guest ? " (guest)" : "");
	return STATUS_SUCCESS;
}

/* Write the response body with the mechanism's output token. */
static u32 put_token(struct dfs_req *r, const u8 *tok, size_t len)
{
	if (len > r->rsp_cap - SETUP_RSP_FIXED || len > 0xffff)
		return STATUS_INSUFFICIENT_RESOURCES;
	memset(r->rsp_body, 0, SETUP_RSP_FIXED);
	dfs_put_le16(r->rsp_body, 9);
	dfs_put_le16(r->rsp_body + 4, len ? SMB2_HDR_SIZE + SETUP_RSP_FIXED : 0);
	dfs_put_le16(r->rsp_body + 6, (u16)len);
	if (len)
		memcpy(r->rsp_body + SETUP_RSP_FIXED, tok, len);
	r->rsp_len = SETUP_RSP_FIXED + (u32)(len ? len : 1);
	if (!len)
		r->rsp_body[SETUP_RSP_FIXED] = 0;
	return STATUS_SUCCESS;
}

/* Find or make the session this SESSION_SETUP is about. */
static u32 setup_session(struct dfs_req *r, struct dfs_session **sp, bool *reauth)
{
	u64 id = r->in->session_id;
	struct dfs_session *s;

	*reauth = false;
	if (id == 0) {
		u32 st = dfs_limit_new_session(r->conn);

		if (st)
			return st;
		s = session_new(r->conn);
		if (!s)
			return STATUS_INSUFFICIENT_RESOURCES;
	} else {
		s = dfs_session_find(r->conn, id);
		if (!s)
			return STATUS_USER_SESSION_DELETED;
		*reauth = s->state == DFS_SESS_VALID;
	}
	if (!s->auth) {
		s->auth = dfs_auth_new(r->srv->auth);
		if (!s->auth) {
			if (s->state == DFS_SESS_IN_PROGRESS)
				s->dead = true;
			return STATUS_INSUFFICIENT_RESOURCES;
		}
	}
	*sp = s;
	return STATUS_SUCCESS;
}

u32 smb2_session_setup(struct dfs_req *r)
{
	struct dfs_auth_result res = { 0 };
	struct dfs_session *s;
	u16 off, len;
	u8 *tok = NULL;
	size_t toklen = 0;
	bool reauth;
	u32 st;

	if (r->body_len < SETUP_REQ_FIXED || dfs_get_le16(r->body) != 25)
		return STATUS_INVALID_PARAMETER;
	if (r->body[2] & SMB2_SESSION_FLAG_BINDING)
		return dfs_multichannel_enabled(r->srv) ? dfs_channel_bind(r) :
			refuse_binding(r);
	st = dfs_channel_setup_check(r);
	if (st)
		return st;
	off = dfs_get_le16(r->body + 12);
	len = dfs_get_le16(r->body + 14);
	if (len && (off < SMB2_HDR_SIZE + SETUP_REQ_FIXED ||
		    !dfs_range_ok(off - SMB2_HDR_SIZE, len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	st = setup_session(r, &s, &reauth);
	if (st)
		return st;
	r->rsp_session_id = s->dp.id;
	st = dfs_auth_step(s->auth, r->hdr + off, len, &tok, &toklen, &res);
	if (st == STATUS_MORE_PROCESSING_REQUIRED || st == STATUS_SUCCESS) {
		u32 wst = put_token(r, tok, toklen);

		if (wst)
			st = wst;
		else if (st == STATUS_SUCCESS)
			st = setup_done(r, s, &res, reauth);
	}
	free(tok);
	explicit_bzero(&res, sizeof(res));
	if (st != STATUS_MORE_PROCESSING_REQUIRED) {
		dfs_auth_free(s->auth);
		s->auth = NULL;
	}
	if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
		log_info("%s: session setup failed: 0x%08x", r->conn->peer, st);
		r->rsp_len = 0;
		close_trees(s);
		s->dead = true;
		/* the client did not end it: tell it so, signed (3.3.4.1.1) */
		s->leave_tombstone = reauth;
	}
	return st;
}

u32 smb2_logoff(struct dfs_req *r)
{
	if (r->body_len < 4 || dfs_get_le16(r->body) != 4)
		return STATUS_INVALID_PARAMETER;
	/* as Samba and smbtorture's durable-open.reopen4: durable opens stay */
	dfs_durable_session_lost(r->sess);
	close_trees(r->sess);
	/* freed after this frame: the response may still need its key */
	r->sess->dead = true;
	dfs_put_le16(r->rsp_body, 4);
	dfs_put_le16(r->rsp_body + 2, 0);
	r->rsp_len = 4;
	return STATUS_SUCCESS;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_channel.c - multichannel session binding (MS-SMB2 3.3.5.5.2,
 * 3.3.5.5.3): SESSION_SETUP with SMB2_SESSION_FLAG_BINDING adds a channel
 * on the connection it arrives on to a session of another connection.
 *
 * The checks answer what Windows and Samba answer (smbtorture's
 * smb2.session.bind_negative_* tests): a GMAC session only binds a GMAC
 * connection (STATUS_REQUEST_OUT_OF_SEQUENCE), a GMAC connection only a GMAC
 * session (STATUS_NOT_SUPPORTED), 2.x connections cannot bind
 * (STATUS_REQUEST_NOT_ACCEPTED), dialect and cipher must equal the
 * session's (STATUS_INVALID_PARAMETER), guest and anonymous sessions cannot
 * bind (STATUS_NOT_SUPPORTED). The ClientGuid is not compared: MS-SMB2
 * makes that optional and Samba does not either. The request must be
 * signed with the session's signing key and the same user must
 * authenticate again.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userd/smb2_channel.h"
#include "userd/config.h"
#include "userd/auth/auth.h"
#include "userd/kdf.h"
#include "userd/log.h"
#include "userd/session_tombstone.h"

#ifndef STATUS_REQUEST_OUT_OF_SEQUENCE
#define STATUS_REQUEST_OUT_OF_SEQUENCE 0xC000042Au
#endif

#define SETUP_REQ_FIXED 24
#define SETUP_RSP_FIXED 8
/* channel numbers make nonce salts distinct; never reused in a session */
#define MAX_CHANNEL_SEQ 255

bool dfs_multichannel_enabled(const struct dfs_server *srv)
{
	/* dittofs.ko keeps one signing key per session and connection */
	return srv->cfg->multi_channel && !srv->kernel;
}

/* A live session by id in the lists of the connections that own them. */
static struct dfs_session *owner_find(struct dfs_server *srv, u64 id)
{
	struct dfs_conn *c;
	struct dfs_session *s;

	for (c = srv->conns; c; c = c->next)
		for (s = c->sessions; s; s = s->next)
			if (s->dp.id == id && !s->dead)
				return s;
	return NULL;
}

/* The channel of session id on c that is not a failed binding. */
static struct dfs_channel *chan_on(struct dfs_conn *c, u64 id)
{
	struct dfs_channel *ch;

	for (ch = c->channels; ch; ch = ch->conn_next)
		if (ch->sess->dp.id == id && !ch->dead)
			return ch;
	return NULL;
}

struct dfs_session *dfs_channel_session(struct dfs_conn *c, u64 id, bool any)
{
	struct dfs_channel *ch;

	if (!id)
		return NULL;
	for (ch = c->channels; ch; ch = ch->conn_next) {
		if (ch->sess->dp.id != id)
			continue;
		/* a binding in progress gives no access to the session yet */
		if (any || (ch->bound && !ch->dead && !ch->sess->dead))
			return ch->sess;
	}
	return NULL;
}

struct dfs_dp_session *dfs_channel_dp_lookup(struct dfs_conn *c, u64 id)
{
	struct dfs_channel *ch = id ? chan_on(c, id) : NULL;
	struct dfs_session *s;

	if (ch)
		return &ch->dp;
	s = dfs_session_find_any(c, id);
	return s && s->conn == c ? &s->dp : NULL;
}

struct dfs_dp_session *dfs_channel_foreign_dp(void *ctl, u64 id)
{
	struct dfs_conn *c = ctl;
	struct dfs_session *s = owner_find(c->srv, id);

	if (!s || s->dp.sign.alg < 0 || !dfs_multichannel_enabled(c->srv))
		return dfs_tombstone_find(c, id);	/* ended, not logged off */
	return &s->dp;
}

struct dfs_dp_session *dfs_session_dp_on(struct dfs_session *s,
					 struct dfs_conn *c)
{
	struct dfs_channel *ch;

	for (ch = s->channels; ch; ch = ch->sess_next)
		if (ch->conn == c && ch->bound)
			return &ch->dp;
	return &s->dp;
}

struct dfs_conn *dfs_session_conn(struct dfs_session *s)
{
	struct dfs_channel *ch;

	if (!s->conn->closing)
		return s->conn;
	for (ch = s->channels; ch; ch = ch->sess_next)
		if (ch->bound && !ch->dead && !ch->conn->closing)
			return ch->conn;
	return s->conn;
}

struct dfs_conn *dfs_session_other_conn(struct dfs_session *s,
					const struct dfs_conn *c)
{
	struct dfs_channel *ch;

	if (s->conn != c && !s->conn->closing)
		return s->conn;
	for (ch = s->channels; ch; ch = ch->sess_next)
		if (ch->conn != c && ch->bound && !ch->dead && !ch->conn->closing)
			return ch->conn;
	return NULL;
}

bool dfs_channel_any(const struct dfs_conn *c)
{
	const struct dfs_channel *ch;

	for (ch = c->channels; ch; ch = ch->conn_next)
		if (ch->bound && !ch->dead && !ch->sess->dead)
			return true;
	return false;
}

static void unlink_chan(struct dfs_channel *ch)
{
	struct dfs_channel **pp;

	for (pp = &ch->conn->channels; *pp; pp = &(*pp)->conn_next) {
		if (*pp == ch) {
			*pp = ch->conn_next;
			break;
		}
	}
	for (pp = &ch->sess->channels; *pp; pp = &(*pp)->sess_next) {
		if (*pp == ch) {
			*pp = ch->sess_next;
			break;
		}
	}
}

/* enc/dec belong to the session: only the channel's own key is freed. */
static void channel_free(struct dfs_channel *ch)
{
	unlink_chan(ch);
	if (ch->dp.sign.key)
		ch->conn->srv->crypto->mac_key_free(ch->dp.sign.key);
	dfs_auth_free(ch->auth);
	explicit_bzero(ch, sizeof(*ch));
	free(ch);
}

/*
 * A session has at most this many channels, its own connection included:
 * every channel holds a key and keeps a connection busy, so one client must
 * not bind without bound. Windows and smbd stop at 32 too, answering the
 * binding that would exceed it with STATUS_INSUFFICIENT_RESOURCES.
 */
#define MAX_SESSION_CHANNELS 32

static unsigned live_channels(const struct dfs_session *s)
{
	const struct dfs_channel *ch;
	unsigned n = 1;		/* the owner's connection */

	for (ch = s->channels; ch; ch = ch->sess_next)
		if (!ch->dead)
			n++;
	return n;
}

static struct dfs_channel *channel_new(struct dfs_conn *c, struct dfs_session *s)
{
	struct dfs_channel *ch;

	if (s->channel_seq >= MAX_CHANNEL_SEQ)
		return NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ch->dp.id = s->dp.id;
	ch->dp.sign.alg = -1;
	ch->sess = s;
	ch->conn = c;
	ch->conn_next = c->channels;
	c->channels = ch;
	ch->sess_next = s->channels;
	s->channels = ch;
	return ch;
}

void dfs_channels_expire(struct dfs_session *s)
{
	struct dfs_channel *ch;

	for (ch = s->channels; ch; ch = ch->sess_next)
		ch->conn->expired = true;
}

void dfs_channels_session_gone(struct dfs_session *s)
{
	while (s->channels) {
		if (s->leave_tombstone && s->channels->bound)
			dfs_tombstone_keep(s->channels->conn, &s->channels->dp);
		channel_free(s->channels);
	}
}

/* The owner connection goes: a bound channel's connection takes over. */
static void migrate(struct dfs_session *s)
{
	struct dfs_conn *from = s->conn, *to = NULL;
	struct dfs_session **pp;
	struct dfs_channel *ch;

	for (ch = s->channels; ch && !to; ch = ch->sess_next)
		if (ch->bound && !ch->dead && !ch->conn->closing)
			to = ch->conn;
	if (!to)
		return;
	for (pp = &from->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	s->conn = to;
	s->next = to->sessions;
	to->sessions = s;
	log_info("%s: session %016llx lives on in its channel from %s",
		 from->peer, (unsigned long long)s->dp.id, to->peer);
}

void dfs_channels_conn_gone(struct dfs_conn *c)
{
	struct dfs_session *s, *next;

	while (c->channels)
		channel_free(c->channels);
	for (s = c->sessions; s; s = next) {
		next = s->next;
		if (!s->dead && s->channels)
			migrate(s);
	}
}

void dfs_channels_reap(struct dfs_conn *c)
{
	struct dfs_channel *ch;

again:
	for (ch = c->channels; ch; ch = ch->conn_next) {
		if (ch->dead) {
			channel_free(ch);
			goto again;
		}
		/* logged off through this channel: the owner frees it now */
		if (ch->sess->dead && ch->sess->conn != c) {
			dfs_session_destroy(ch->sess);
			goto again;
		}
	}
}

int dfs_channel_signing_key(u16 dialect, const u8 session_key[16],
			    const u8 *preauth, u8 out[16])
{
	struct dfs_smb3_keys keys;

	if (dialect < SMB2_DIALECT_300)
		return -1;
	if (dfs_smb3_derive_keys(dialect, session_key, preauth, 16, &keys))
		return -1;
	memcpy(out, keys.signing, 16);
	explicit_bzero(&keys, sizeof(keys));
	return 0;
}

/* Errors to a signed binding request go back signed, as the client checks. */
static void sign_errors_with(struct dfs_req *r, struct dfs_session *s,
			     struct dfs_channel *ch)
{
	if (ch && ch->bound)
		r->out->sign_with = &ch->dp;
	else if (s->dp.sign.alg >= 0)
		r->out->sign_with = &s->dp;
}

/* Can this connection carry a channel of s at all? (order as Samba's) */
static u32 bind_checks(struct dfs_req *r, struct dfs_session *s)
{
	struct dfs_conn *c = r->conn;
	int salg = s->dp.sign.alg, calg = c->sign_alg;

	if (!(r->flags & SMB2_FLAGS_SIGNED))
		return STATUS_INVALID_PARAMETER;
	if (salg >= DFS_MAC_AES_GMAC && calg != salg)
		return STATUS_REQUEST_OUT_OF_SEQUENCE;
	if (calg >= DFS_MAC_AES_GMAC && calg != salg)
		return STATUS_NOT_SUPPORTED;
	if (c->dialect < SMB2_DIALECT_300 || !dfs_multichannel_enabled(r->srv))
		return STATUS_REQUEST_NOT_ACCEPTED;
	if (s->conn == c)
		return STATUS_REQUEST_NOT_ACCEPTED;	/* already its connection */
	if (s->conn->dialect != c->dialect || s->conn->cipher != c->cipher)
		return STATUS_INVALID_PARAMETER;
	if (s->guest || s->anonymous || s->dp.sign.alg < 0)
		return STATUS_NOT_SUPPORTED;
	/* until the channel has a key, requests are signed with the session's */
	if (!dfs_verify_pdu(r->srv->crypto, &s->dp.sign, r->hdr, r->in->len))
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}

/* The response body around the mechanism's token (2.2.6). */
static u32 put_token(struct dfs_req *r, const u8 *tok, size_t len)
{
	if (len > r->rsp_cap - SETUP_RSP_FIXED - 1 || len > 0xffff)
		return STATUS_INSUFFICIENT_RESOURCES;
	memset(r->rsp_body, 0, SETUP_RSP_FIXED + 1);
	dfs_put_le16(r->rsp_body, 9);
	dfs_put_le16(r->rsp_body + 4, len ? SMB2_HDR_SIZE + SETUP_RSP_FIXED : 0);
	dfs_put_le16(r->rsp_body + 6, (u16)len);
	if (len)
		memcpy(r->rsp_body + SETUP_RSP_FIXED, tok, len);
	r->rsp_len = SETUP_RSP_FIXED + (u32)(len ? len : 1);
	return STATUS_SUCCESS;
}

/*
 * The binding authenticated: the same user, a fresh session key. The
 * channel signs with a key of its own (3.3.5.5.3) under this connection's
 * signing algorithm, and shares the session's cipher keys; its nonces use
 * a salt that differs from every other channel's in the first byte, so
 * two channels never produce the same nonce for the shared key.
 */
static u32 bind_done(struct dfs_req *r, struct dfs_session *s,
		     struct dfs_channel *ch, const struct dfs_auth_result *res)
{
	const struct dfs_crypto_ops *ops = r->srv->crypto;
	u8 key[16];

	if (!res->have_key || res->anonymous || res->guest ||
	    strcasecmp(res->user, s->user) || strcasecmp(res->domain, s->domain)) {
		log_info("%s: binding to session %016llx of %s\\%s as %s\\%s refused",
			 r->conn->peer, (unsigned long long)s->dp.id, s->domain,
			 s->user, res->domain, res->user);
		return STATUS_ACCESS_DENIED;
	}
	if (dfs_channel_signing_key(r->conn->dialect, res->session_key,
				    r->in->preauth, key))
		return STATUS_INTERNAL_ERROR;
	ch->dp.sign.key = ops->mac_key_new(r->conn->sign_alg, key, 16);
	explicit_bzero(key, sizeof(key));
	if (!ch->dp.sign.key)
		return STATUS_INSUFFICIENT_RESOURCES;
	ch->dp.sign.alg = r->conn->sign_alg;
	ch->dp.signing_required = s->dp.signing_required;
	ch->dp.enc = s->dp.enc;
	ch->dp.dec = s->dp.dec;
	memcpy(ch->dp.nonce.salt, s->dp.nonce.salt, sizeof(ch->dp.nonce.salt));
	ch->dp.nonce.salt[0] ^= ++s->channel_seq;
	ch->dp.nonce.counter = 0;
	ch->bound = true;
	r->out->sign_with = &ch->dp;
	log_info("%s: bound to session %016llx of %s\\%s (channel %u)",
		 r->conn->peer, (unsigned long long)s->dp.id, s->domain, s->user,
		 s->channel_seq);
	return STATUS_SUCCESS;
}

/* Validate the security buffer of the request; its offset and length. */
static u32 token_of(const struct dfs_req *r, u16 *off, u16 *len)
{
	if (r->body_len < SETUP_REQ_FIXED || dfs_get_le16(r->body) != 25)
		return STATUS_INVALID_PARAMETER;
	*off = dfs_get_le16(r->body + 12);
	*len = dfs_get_le16(r->body + 14);
	if (*len && (*off < SMB2_HDR_SIZE + SETUP_REQ_FIXED ||
		     !dfs_range_ok(*off - SMB2_HDR_SIZE, *len, r->body_len)))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* One leg of the binding's authentication on channel ch. */
static u32 bind_step(struct dfs_req *r, struct dfs_session *s,
		     struct dfs_channel *ch, u16 off, u16 len)
{
	struct dfs_auth_result res = { 0 };
	u8 *tok = NULL;
	size_t toklen = 0;
	u32 st, wst;

	if (!ch->auth)
		ch->auth = dfs_auth_new(r->srv->auth);
	if (!ch->auth)
		return STATUS_INSUFFICIENT_RESOURCES;
	st = dfs_auth_step(ch->auth, r->hdr + off, len, &tok, &toklen, &res);
	if (st == STATUS_MORE_PROCESSING_REQUIRED || st == STATUS_SUCCESS) {
		wst = put_token(r, tok, toklen);
		if (wst)
			st = wst;
		else if (st == STATUS_SUCCESS)
			st = bind_done(r, s, ch, &res);
	}
	free(tok);
	explicit_bzero(&res, sizeof(res));
	return st;
}

u32 dfs_channel_bind(struct dfs_req *r)
{
	u64 id = r->in->session_id;
	struct dfs_session *s;
	struct dfs_channel *ch;
	u16 off, len;
	u32 st;

	st = token_of(r, &off, &len);
	if (st)
		return st;
	if (!id)
		return STATUS_INVALID_PARAMETER;
	s = owner_find(r->srv, id);
	if (!s || s->state != DFS_SESS_VALID)
		return STATUS_USER_SESSION_DELETED;
	ch = chan_on(r->conn, id);
	sign_errors_with(r, s, ch);
	if (ch && ch->bound)
		return STATUS_REQUEST_NOT_ACCEPTED;	/* bound already */
	st = bind_checks(r, s);
	if (st)
		return st;
	if (!ch && live_channels(s) >= MAX_SESSION_CHANNELS)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (!ch)
		ch = channel_new(r->conn, s);
	if (!ch)
		return STATUS_INSUFFICIENT_RESOURCES;
	r->rsp_session_id = s->dp.id;
	st = bind_step(r, s, ch, off, len);
	if (st != STATUS_MORE_PROCESSING_REQUIRED) {
		dfs_auth_free(ch->auth);
		ch->auth = NULL;
	}
	if (st != STATUS_SUCCESS && st != STATUS_MORE_PROCESSING_REQUIRED) {
		log_info("%s: binding to session %016llx failed: 0x%08x",
			 r->conn->peer, (unsigned long long)id, st);
		r->rsp_len = 0;
		ch->dead = true;	/* the session itself is untouched */
	}
	return st;
}

u32 dfs_channel_setup_check(struct dfs_req *r)
{
	u64 id = r->in->session_id;
	struct dfs_channel *ch;
	struct dfs_session *g;

	if (!id)
		return STATUS_SUCCESS;
	ch = chan_on(r->conn, id);
	/*
	 * Re-authentication on a channel: in plaintext only where the
	 * session's traffic may be plaintext (as Samba answers).
	 */
	if (ch && ch->bound)
		return r->in->signed_ok || r->in->encrypted ||
			!(ch->sess->encrypt_data || ch->sess->client_encrypted) ?
			STATUS_SUCCESS : STATUS_ACCESS_DENIED;
	if (ch || dfs_session_find(r->conn, id))
		return STATUS_SUCCESS;
	/*
	 * A session of another connection, not bound here: it is deleted
	 * as far as this connection goes, and the answer is signed with its
	 * key so that the client believes it.
	 */
	g = owner_find(r->srv, id);
	if (!g)
		return STATUS_SUCCESS;
	if ((r->flags & SMB2_FLAGS_SIGNED) && g->dp.sign.alg >= 0)
		r->out->sign_with = &g->dp;
	return STATUS_USER_SESSION_DELETED;
}

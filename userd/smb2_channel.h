/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smb2_channel.h - multichannel (MS-SMB2 3.3.5.5.2): a session created on
 * one connection bound to further connections of the same client.
 *
 * The session stays in the list of one connection (its owner, s->conn);
 * every other connection it is bound to holds a dfs_channel. A channel has
 * its own signing key and preauth hash (the data plane's view of the
 * session on that connection); the encryption keys are the session's. A
 * connection that closes takes only its channel with it; when the owner
 * closes, the session moves to a connection that still has a channel.
 */
#ifndef DITTOFSD_SMB2_CHANNEL_H
#define DITTOFSD_SMB2_CHANNEL_H

#include "userd/server.h"

struct dfs_channel {
	/*
	 * The session as the data plane sees it on this connection: own
	 * signing key and preauth; enc/dec are the session's key objects
	 * (owned by the session), the nonce generator is the channel's own
	 * with a salt no other channel of the session uses.
	 */
	struct dfs_dp_session dp;
	struct dfs_session *sess;
	struct dfs_conn *conn;
	struct dfs_channel *conn_next;	/* on conn->channels */
	struct dfs_channel *sess_next;	/* on sess->channels */
	void *auth;			/* mechanism state while binding */
	bool bound;			/* binding done: signing key installed */
	bool dead;			/* binding failed: freed between frames */
};

/* Is session binding offered? ("server multi channel support", user mode) */
bool dfs_multichannel_enabled(const struct dfs_server *srv);

/* SESSION_SETUP with SMB2_SESSION_FLAG_BINDING. */
u32 dfs_channel_bind(struct dfs_req *r);

/*
 * A SESSION_SETUP without the binding flag, before the usual handling:
 * STATUS_SUCCESS to go on, or the status to answer with (an unsigned
 * re-authentication on a bound channel, a session of another connection).
 */
u32 dfs_channel_setup_check(struct dfs_req *r);

/* The session bound to c as a channel, by id (dead ones if any). */
struct dfs_session *dfs_channel_session(struct dfs_conn *c, u64 id, bool any);

/* The data plane's view of session id on c: a channel's, or the owner's. */
struct dfs_dp_session *dfs_channel_dp_lookup(struct dfs_conn *c, u64 id);

/* A live session with a key that c does not carry (dfs_dp_ops). */
struct dfs_dp_session *dfs_channel_foreign_dp(void *ctl, u64 id);

/* The keys to protect s's messages on c with (channel or session). */
struct dfs_dp_session *dfs_session_dp_on(struct dfs_session *s,
					 struct dfs_conn *c);

/* A live connection of s to send unsolicited messages on. */
struct dfs_conn *dfs_session_conn(struct dfs_session *s);

/* Another live connection of s than c (the owner's or a channel's), or NULL. */
struct dfs_conn *dfs_session_other_conn(struct dfs_session *s,
					const struct dfs_conn *c);

/* Does c carry a bound channel (it is authenticated)? */
bool dfs_channel_any(const struct dfs_conn *c);

/* dittofsctl kills s: close the connections of its channels too. */
void dfs_channels_expire(struct dfs_session *s);

/* s is being destroyed: free its channels. */
void dfs_channels_session_gone(struct dfs_session *s);

/* c is closing: drop its channels, move the sessions it owns elsewhere. */
void dfs_channels_conn_gone(struct dfs_conn *c);

/* Between frames: free failed bindings and sessions logged off via c. */
void dfs_channels_reap(struct dfs_conn *c);

/*
 * FSCTL_QUERY_NETWORK_INTERFACE_INFO output (netif.c): NETWORK_INTERFACE_INFO
 * entries at out (cap bytes), *out_len set. STATUS_SUCCESS, or
 * STATUS_NOT_SUPPORTED when multichannel is off or nothing is listed.
 */
u32 dfs_network_interfaces(const struct dfs_server *srv, u8 *out, u32 cap,
			   u32 *out_len);

/*
 * Channel.SigningKey (MS-SMB2 3.3.5.5.3): from the session key the binding
 * authentication produced; 3.1.1 uses the binding's preauth hash (64
 * bytes), 3.0/3.0.2 ignore it. 0 or -1.
 */
int dfs_channel_signing_key(u16 dialect, const u8 session_key[16],
			    const u8 *preauth, u8 out[16]);

#endif /* DITTOFSD_SMB2_CHANNEL_H */

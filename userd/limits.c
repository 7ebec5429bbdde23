// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * limits.c - resource limits from dittofs.conf (Documentation/security.md,
 * "Limits").
 *
 * Each check runs before the request allocates what it would count, so a
 * client at a limit costs the server nothing more. Counts are taken from
 * the live objects (connections on srv->conns, sessions on c->sessions,
 * operations on c->asyncs) rather than kept in separate counters: nothing
 * can then drift out of step when an object is torn down on an error path.
 * Only opens, which can number in the tens of thousands, keep a counter
 * in their session (dfs_open_new/dfs_open_close).
 *
 * The limits are read from srv->cfg at each check, so a reload applies to
 * the next connection, session, open or operation.
 */
#include <string.h>

#include "userd/limits.h"
#include "userd/config.h"
#include "userd/log.h"

size_t dfs_peer_host_len(const char *peer)
{
	const char *colon = strrchr(peer, ':');

	return colon ? (size_t)(colon - peer) : strlen(peer);
}

/* Connections from the same address as peer, not counting closed ones. */
static unsigned conns_from(const struct dfs_server *srv, const char *peer)
{
	size_t hl = dfs_peer_host_len(peer);
	const struct dfs_conn *c;
	unsigned n = 0;

	for (c = srv->conns; c; c = c->next)
		if (dfs_peer_host_len(c->peer) == hl &&
		    !memcmp(c->peer, peer, hl))
			n++;
	return n;
}

bool dfs_limit_conn_ok(struct dfs_server *srv, const char *peer)
{
	const struct dfs_config *cfg = srv->cfg;

	if (srv->nconns >= cfg->max_connections) {
		log_info("%s: refused: 'max connections' (%u) reached", peer,
			 cfg->max_connections);
		return false;
	}
	if (cfg->max_conns_per_ip &&
	    conns_from(srv, peer) >= cfg->max_conns_per_ip) {
		log_info("%s: refused: 'max connections per ip' (%u) reached",
			 peer, cfg->max_conns_per_ip);
		return false;
	}
	return true;
}

unsigned dfs_conn_live_sessions(const struct dfs_conn *c)
{
	const struct dfs_session *s;
	unsigned n = 0;

	for (s = c->sessions; s; s = s->next)
		if (!s->dead)
			n++;
	return n;
}

/*
 * Half-done sessions count: a SESSION_SETUP flood is exactly a pile of
 * sessions that never finish authenticating.
 */
u32 dfs_limit_new_session(struct dfs_conn *c)
{
	const struct dfs_config *cfg = c->srv->cfg;
	const struct dfs_conn *x;
	unsigned total = 0;

	if (dfs_conn_live_sessions(c) >= cfg->max_sessions_per_conn) {
		log_info("%s: session refused: 'max sessions per connection' (%u) reached",
			 c->peer, cfg->max_sessions_per_conn);
		return STATUS_REQUEST_NOT_ACCEPTED;
	}
	for (x = c->srv->conns; x; x = x->next)
		total += dfs_conn_live_sessions(x);
	if (total >= cfg->max_sessions) {
		log_info("%s: session refused: 'max sessions' (%u) reached",
			 c->peer, cfg->max_sessions);
		return STATUS_REQUEST_NOT_ACCEPTED;
	}
	return STATUS_SUCCESS;
}

u32 dfs_limit_new_open(const struct dfs_session *s)
{
	unsigned max = s->conn->srv->cfg->max_open_files;

	if (s->nopens < max)
		return STATUS_SUCCESS;
	log_verbose("%s: CREATE refused: 'max open files' (%u) reached on session %016llx",
		    s->conn->peer, max, (unsigned long long)s->dp.id);
	return STATUS_TOO_MANY_OPENED_FILES;
}

bool dfs_limit_async_ok(const struct dfs_conn *c)
{
	unsigned max = c->srv->cfg->max_async_ops, n = 0;
	const struct dfs_async *a;

	for (a = c->asyncs; a; a = a->next)
		if (++n >= max) {
			log_verbose("%s: 'max async operations' (%u) reached",
				    c->peer, max);
			return false;
		}
	return true;
}

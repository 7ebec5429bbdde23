/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * limits.h - the resource limits of dittofs.conf ("max connections",
 * "max connections per ip", "max sessions", "max sessions per connection",
 * "max open files", "max async operations"), checked before anything is
 * allocated for the request that would exceed them. Both modes call the
 * same checks: in kernel mode the daemon sees every connection, session,
 * open and async operation too.
 */
#ifndef DITTOFSD_LIMITS_H
#define DITTOFSD_LIMITS_H

#include <stdbool.h>

#include "userd/server.h"

/*
 * May a new connection from peer ("address:port") be served? false when
 * "max connections" or "max connections per ip" is reached (logged).
 */
bool dfs_limit_conn_ok(struct dfs_server *srv, const char *peer);

/*
 * A SESSION_SETUP that would create a session on c: STATUS_SUCCESS, or
 * STATUS_REQUEST_NOT_ACCEPTED at "max sessions" / "max sessions per
 * connection".
 */
u32 dfs_limit_new_session(struct dfs_conn *c);

/* A CREATE on session s: STATUS_SUCCESS or STATUS_TOO_MANY_OPENED_FILES. */
u32 dfs_limit_new_open(const struct dfs_session *s);

/* May c park one more operation (STATUS_PENDING)? ("max async operations") */
bool dfs_limit_async_ok(const struct dfs_conn *c);

/* Length of the address part of "address:port" (IPv6 has colons too). */
size_t dfs_peer_host_len(const char *peer);

#endif /* DITTOFSD_LIMITS_H */

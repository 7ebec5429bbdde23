/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session_tombstone.h - what a connection keeps of a session that ended
 * without the client asking for it (a failed re-authentication, MS-SMB2
 * 3.3.5.5.3): the session id and the signing key this connection used for
 * it, so that STATUS_USER_SESSION_DELETED answers to the client's further
 * signed requests are signed too (3.3.4.1.1), as smbd's are. A client that
 * requires signing takes an unsigned answer for a forgery (smbXcli:
 * NT_STATUS_ACCESS_DENIED) and cannot tell that the session is gone.
 */
#ifndef DITTOFSD_SESSION_TOMBSTONE_H
#define DITTOFSD_SESSION_TOMBSTONE_H

#include "userd/server.h"

/*
 * dp's session ends on c: move its signing key into c's tombstones
 * (dp->sign.key becomes NULL, alg -1). Nothing is kept for a closing
 * connection, a session without a key, in kernel mode, or when memory is
 * short; then dp is left as it was for the caller to free.
 */
void dfs_tombstone_keep(struct dfs_conn *c, struct dfs_dp_session *dp);

/* The tombstone of session id on c (id and signing key only), or NULL. */
struct dfs_dp_session *dfs_tombstone_find(struct dfs_conn *c, u64 id);

/* c is freed: free its tombstones and their keys. */
void dfs_tombstones_free(struct dfs_conn *c);

#endif /* DITTOFSD_SESSION_TOMBSTONE_H */

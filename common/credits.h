/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * credits.h - the per-connection command sequence window (MS-SMB2 3.3.1.1,
 * 3.3.5.2.3). A MessageId may be used once, only inside the window the
 * server granted; a request outside it ends the connection.
 */
#ifndef DITTOFS_CREDITS_H
#define DITTOFS_CREDITS_H

#include "compat.h"

/* Most credits a client may hold at once (Samba's "smb2 max credits" default). */
#define DFS_CREDITS_MAX 8192u

struct dfs_credits {
	u64 lo;		/* lowest MessageId not yet used */
	u64 hi;		/* first MessageId past the granted window */
	/* used[] bit i <=> MessageId lo + i has been consumed (i < hi - lo) */
	u64 used[DFS_CREDITS_MAX / 64];
	u32 max;	/* window cap, <= DFS_CREDITS_MAX */
	bool large_mtu;	/* dialect > 2.0.2 and CAP_LARGE_MTU: charges count */
};

/* A new connection: only MessageId 0 (the first NEGOTIATE) is allowed. */
void dfs_credits_init(struct dfs_credits *c, u32 max);

/*
 * Consume [mid, mid + charge). charge 0 counts as 1. -EINVAL when any of
 * it is outside the window or used before: the caller drops the connection.
 */
int dfs_credits_consume(struct dfs_credits *c, u64 mid, u16 charge);

/*
 * How many credits to grant in a response that charged `charge` and asked
 * for `requested`, and widen the window by that many. Never lets the
 * client hold more than c->max; grants at least one while it holds none.
 */
u16 dfs_credits_grant(struct dfs_credits *c, u16 charge, u16 requested);

/* Credits the client holds now (granted and not yet used). */
u32 dfs_credits_outstanding(const struct dfs_credits *c);

#endif /* DITTOFS_CREDITS_H */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session_tombstone.c - signing keys of ended sessions, per connection
 * (see session_tombstone.h). A handful per connection is plenty: a client
 * notices a deleted session with its next request or two, so the oldest
 * tombstone makes room for a new one, and all go with the connection.
 */
#include <stdlib.h>
#include <string.h>

#include "userd/session_tombstone.h"

#define TOMBSTONES_PER_CONN 4

struct dfs_tombstones {
	struct dfs_dp_session dp[TOMBSTONES_PER_CONN];
	unsigned int next;	/* the slot to fill next: empty or the oldest */
};

static void slot_clear(struct dfs_conn *c, struct dfs_dp_session *dp)
{
	if (dp->sign.key)
		c->srv->crypto->mac_key_free(dp->sign.key);
	memset(dp, 0, sizeof(*dp));
	dp->sign.alg = -1;
}

void dfs_tombstone_keep(struct dfs_conn *c, struct dfs_dp_session *dp)
{
	struct dfs_tombstones *t = c->tombstones;
	struct dfs_dp_session *slot;
	unsigned int i;

	if (c->closing || c->srv->kernel || !dp->id || dp->sign.alg < 0 ||
	    !dp->sign.key)
		return;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		for (i = 0; i < TOMBSTONES_PER_CONN; i++)
			t->dp[i].sign.alg = -1;
		c->tombstones = t;
	}
	slot = &t->dp[t->next];
	t->next = (t->next + 1) % TOMBSTONES_PER_CONN;
	slot_clear(c, slot);
	/* only what signing needs: no cipher keys, no preauth */
	slot->id = dp->id;
	slot->sign = dp->sign;
	dp->sign.key = NULL;
	dp->sign.alg = -1;
}

struct dfs_dp_session *dfs_tombstone_find(struct dfs_conn *c, u64 id)
{
	struct dfs_tombstones *t = c->tombstones;
	unsigned int i;

	if (!t || !id)
		return NULL;
	for (i = 0; i < TOMBSTONES_PER_CONN; i++)
		if (t->dp[i].id == id && t->dp[i].sign.alg >= 0)
			return &t->dp[i];
	return NULL;
}

void dfs_tombstones_free(struct dfs_conn *c)
{
	struct dfs_tombstones *t = c->tombstones;
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < TOMBSTONES_PER_CONN; i++)
		slot_clear(c, &t->dp[i]);
	free(t);
	c->tombstones = NULL;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timers.c - what must happen with time, not with traffic: connections
 * that never authenticate or go idle are closed, oplock breaks that are
 * never acknowledged end, and delayed write-time updates fall due. The
 * loop calls dfs_server_tick() about once a second; a second's slack is
 * fine for timeouts measured in tens (wtime.c allows for it).
 */
#include <time.h>

#include "userd/server.h"
#include "userd/config.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"

u64 dfs_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

static bool authenticated(const struct dfs_conn *c)
{
	const struct dfs_session *s;

	for (s = c->sessions; s; s = s->next)
		if (s->state == DFS_SESS_VALID && !s->dead)
			return true;
	return dfs_channel_any(c);
}

static void check_conn(const struct dfs_config *cfg, struct dfs_conn *c, u64 now)
{
	if (cfg->unauth_timeout && !authenticated(c) &&
	    now - c->created_ms > (u64)cfg->unauth_timeout * 1000) {
		log_info("%s: no session after %u s ('unauthenticated timeout'), closing",
			 c->peer, cfg->unauth_timeout);
		c->expired = true;
	} else if (cfg->idle_timeout &&
		   now - c->last_rx_ms > (u64)cfg->idle_timeout * 1000) {
		log_info("%s: idle for %u s ('idle timeout'), closing", c->peer,
			 cfg->idle_timeout);
		c->expired = true;
	}
}

void dfs_server_tick(struct dfs_server *srv)
{
	u64 now = dfs_monotonic_ms();
	struct dfs_conn *c;

	for (c = srv->conns; c; c = c->next)
		if (!c->expired)
			check_conn(srv->cfg, c, now);
	dfs_oplock_tick(srv, now);
	dfs_wtime_tick(srv, now);
	dfs_durable_tick(srv, now);
}

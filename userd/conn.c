// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conn.c - a client connection's control-side state and its teardown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userd/server.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/session_tombstone.h"
#include "userd/smb2_durable.h"

#define DFS_IN_INITIAL (64 * 1024)

struct dfs_conn *dfs_conn_new(struct dfs_server *srv, int fd, const char *peer)
{
	struct dfs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->in_cap = DFS_IN_INITIAL;
	c->in = malloc(c->in_cap);
	/* room for the largest READ response plus a compound's worth of headers */
	c->out_cap = DFS_MAX_FRAME + 4;
	c->out = malloc(c->out_cap);
	if (!c->in || !c->out) {
		free(c->in);
		free(c->out);
		free(c);
		return NULL;
	}
	c->srv = srv;
	c->fd = fd;
	c->created_ms = dfs_monotonic_ms();
	c->last_rx_ms = c->created_ms;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	dfs_dp_conn_init(&c->dp, srv->crypto, &dfs_user_dp_ops, c, DFS_MAX_FRAME);
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
	return c;
}

/* Sessions own trees and trees own opens: tear down from the leaves. */
void dfs_conn_free(struct dfs_conn *c)
{
	struct dfs_conn **pp;

	dfs_kernel_conn_gone(c);
	dfs_async_drop_conn(c);
	/* only this connection's channels end; sessions with others move */
	dfs_channels_conn_gone(c);
	/* durable opens outlive the connection, to be reclaimed */
	dfs_durable_conn_lost(c);
	while (c->sessions)
		dfs_session_destroy(c->sessions);
	dfs_tombstones_free(c);
	dfs_dp_conn_release(&c->dp);
	while (c->outq) {
		struct dfs_outbuf *ob = c->outq;

		c->outq = ob->next;
		free(ob);
	}
	for (pp = &c->srv->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->srv->nconns--;
			break;
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	log_verbose("%s: connection closed", c->peer);
	free(c->in);
	free(c->out);
	free(c);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl.h - administration of a running dittofsd (dittofsctl's daemon side).
 *
 * Two layers. The command layer, dfs_ctl_run(), takes one request line
 * "FORMAT CMD [ARGS...]" and writes its answer into a memory buffer; it
 * knows nothing about how the line arrived. The transport in user mode is
 * a unix stream socket, STATE_DIR/dittofsd.sock, served by the io_uring
 * loop (loop_uring.c) with the helpers below; in kernel mode the same
 * command layer will sit behind generic netlink.
 *
 * Wire protocol of the socket: the client sends one line
 * "text|json CMD [ARGS...]\n"; the server answers "0\n" (success) or "1\n"
 * (failure) followed by the output, and closes the connection.
 */
#ifndef DITTOFSD_CTL_H
#define DITTOFSD_CTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "userd/server.h"

#define DITTOFS_VERSION "0.1.0"
#define DFS_CTL_SOCK_NAME "dittofsd.sock"
/* A request line is at most this long, line end included. */
#define DFS_CTL_REQ_MAX 4096
/* A client that has not sent its whole line after this many recvs is dropped. */
#define DFS_CTL_MAX_RECVS 4
/* ... or after this many milliseconds. */
#define DFS_CTL_TIMEOUT_MS 5000
/* At most this many control clients at once; more are refused. */
#define DFS_CTL_MAX_CLIENTS 16

struct dfs_config;

/* The daemon's control state, hung off struct dfs_server. */
struct dfs_ctl {
	int fd;				/* listening unix socket, -1 if none */
	char sock_path[PATH_MAX];
	char config_path[PATH_MAX];	/* -c, re-read by "reload" */
	u64 start_ms;			/* monotonic, for the uptime */
	/*
	 * Configurations replaced by "reload". Trees and the auth settings
	 * keep pointers into them, so they live until dittofsd exits.
	 */
	struct dfs_config **retired;
	unsigned nretired;
};

/* ---- command layer ---------------------------------------------------- */

/* The answer being built: text or JSON, in a growing buffer. */
struct dfs_ctl_out {
	char *buf;
	size_t len, cap;
	bool oom;			/* an allocation failed: answer is cut */
};

/*
 * Run one request line (without its '\n'). Writes the output into out and
 * returns 0 on success, 1 on failure (out then holds the error message).
 */
int dfs_ctl_run(struct dfs_server *srv, const char *line, struct dfs_ctl_out *out);
void dfs_ctl_out_free(struct dfs_ctl_out *out);

/* ---- unix socket transport (user mode) -------------------------------- */

/*
 * Allocate srv->ctl and listen on STATE_DIR/dittofsd.sock (a stale socket
 * is removed first; mode 0600). Call while still privileged. A failure to
 * create the socket is logged and leaves ctl->fd at -1: the SMB service
 * does not depend on it. -1 only when out of memory.
 */
int dfs_ctl_start(struct dfs_server *srv, const char *config_path);
/* Close and remove the socket; free the retired configurations. */
void dfs_ctl_stop(struct dfs_server *srv);

/* One connected control client, while its request line arrives. */
struct dfs_ctl_client {
	struct dfs_ctl_client *next;
	int fd;
	u32 len;			/* bytes in buf */
	u32 nrecv;			/* recvs completed */
	u64 created_ms;
	bool recv_armed;
	char buf[DFS_CTL_REQ_MAX];
};

/* Is the peer of an accepted socket allowed (root or our own uid)? */
bool dfs_ctl_peer_ok(int fd);
/*
 * n bytes arrived in c->buf: 1 when the line is complete, 0 to read more,
 * -1 when the request is bad (too long, too many recvs); *why says why.
 */
int dfs_ctl_client_input(struct dfs_ctl_client *c, u32 n, const char **why);
/*
 * Run the complete line and send the answer without blocking: a client
 * that does not read loses it. The caller closes c->fd afterwards.
 */
void dfs_ctl_client_answer(struct dfs_server *srv, struct dfs_ctl_client *c);
/* Send "1\n<why>\n" the same way. */
void dfs_ctl_client_error(struct dfs_ctl_client *c, const char *why);

#endif /* DITTOFSD_CTL_H */

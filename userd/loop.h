/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loop.h - user mode transport: the liburing event loop.
 */
#ifndef DITTOFSD_LOOP_H
#define DITTOFSD_LOOP_H

#include "userd/server.h"

/* Bind and listen on addr (IPv4 or IPv6 literal) and port; fd or -1. */
int dfs_listen(const char *addr, uint16_t port);

/* Serve until SIGINT/SIGTERM. 0 on a clean stop, -1 on error. */
int dfs_loop_run(struct dfs_server *srv, int listen_fd);

#endif /* DITTOFSD_LOOP_H */

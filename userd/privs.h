/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs.h - dropping the capabilities dittofsd does not need.
 */
#ifndef DITTOFSD_PRIVS_H
#define DITTOFSD_PRIVS_H

#include <stdbool.h>

/*
 * Keep only CAP_SETUID/CAP_SETGID (when root), and CAP_NET_ADMIN when
 * keep_net_admin (kernel mode: the DITTOFS netlink family demands it on
 * every message). 0 or -1.
 */
int dfs_drop_privileges(bool keep_net_admin);

#endif /* DITTOFSD_PRIVS_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kmod_query.h - read what dittofs.ko owns (its connections and counters)
 * straight from the module over generic netlink, without dittofsd: this is
 * how dittofsctl answers "stats" and "conn list" in kernel mode, even while
 * the daemon is down. Needs CAP_NET_ADMIN.
 */
#ifndef DITTOFSD_KMOD_QUERY_H
#define DITTOFSD_KMOD_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "userd/kernel_mode.h"

struct dfs_kmod_conn {
	unsigned long long id;
	char peer[64];			/* "address:port", "?" when unknown */
	unsigned int sessions;
	bool stale;			/* accepted under an earlier dittofsd */
	struct dfs_kernel_stats st;
};

struct dfs_kmod_info {
	bool ctl_present;		/* a dittofsd holds the control socket */
	unsigned int epoch;		/* claims by a dittofsd since load */
	struct dfs_kernel_stats totals;
	struct dfs_kmod_conn *conns;
	size_t nconns;
};

/*
 * One STATS dump of the module. 0, or a negative errno: -ENOENT when
 * dittofs.ko is not loaded, -EPERM without CAP_NET_ADMIN. Free with
 * dfs_kmod_info_free() after success.
 */
int dfs_kmod_query(struct dfs_kmod_info *out);
void dfs_kmod_info_free(struct dfs_kmod_info *info);

/* The counters of a DITTOFS_A_STATS nest (NULL: -EPROTO). */
struct nlattr;
int dfs_kstats_parse(struct nlattr *nest, struct dfs_kernel_stats *o);

/* dittofsctl's "stats" (module part) and "conn list", text or JSON. */
void dfs_kmod_print_stats(FILE *f, const struct dfs_kmod_info *info, bool json);
void dfs_kmod_print_conns(FILE *f, const struct dfs_kmod_info *info, bool json);

#endif /* DITTOFSD_KMOD_QUERY_H */

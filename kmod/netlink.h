/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netlink.h - the DITTOFS generic netlink family.
 */
#ifndef DITTOFS_KMOD_NETLINK_H
#define DITTOFS_KMOD_NETLINK_H

int dfs_genl_init(void);
void dfs_genl_exit(void);

#endif /* DITTOFS_KMOD_NETLINK_H */

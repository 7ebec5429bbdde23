/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs.h - dropping the capabilities dittofsd does not need.
 */
#ifndef DITTOFSD_PRIVS_H
#define DITTOFSD_PRIVS_H

/* Keep only CAP_SETUID/CAP_SETGID (when root). 0 or -1. */
int dfs_drop_privileges(void);

#endif /* DITTOFSD_PRIVS_H */

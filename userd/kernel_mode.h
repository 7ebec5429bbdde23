/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel_mode.h - dittofsd as the control side of dittofs.ko over generic
 * netlink (common/uapi/dittofs_netlink.h).
 */
#ifndef DITTOFSD_KERNEL_MODE_H
#define DITTOFSD_KERNEL_MODE_H

#include "userd/server.h"

/* Is dittofs.ko loaded? (what --mode=auto decides by) */
bool dfs_kernel_module_loaded(void);

/*
 * Claim the module's control socket (HELLO, version check) and hand it the
 * listening socket listen_fd (LISTEN). Sets srv->kernel and the event fd
 * the loop polls. 0 or -1 with the reason logged.
 */
int dfs_kernel_start(struct dfs_server *srv, int listen_fd);
void dfs_kernel_stop(struct dfs_server *srv);

/* An async or unsolicited PDU, framed and protected by the module (SEND). */
int dfs_kernel_send_pdu(struct dfs_conn *c, struct dfs_session *s, bool sign,
			bool encrypt, const u8 *pdu, u32 len);

/* dittofs.ko's counters since load (DITTOFS_CMD_STATS) */
struct dfs_kernel_stats {
	u64 connections;
	u64 pdus_up;		/* handed to dittofsd */
	u64 pdus_fast;		/* READ/WRITE served in the kernel */
	u64 bytes_read;
	u64 bytes_written;
	u64 sign_failures;
	u64 decrypt_failures;
	u64 io_verdicts;	/* READ/WRITE on locked files the module asked about */
	u64 buffer_bytes;	/* request/response buffers held now */
};

/* 0, or -1 when not in kernel mode or the module did not answer. */
int dfs_kernel_stats(struct dfs_server *srv, struct dfs_kernel_stats *out);

#endif /* DITTOFSD_KERNEL_MODE_H */

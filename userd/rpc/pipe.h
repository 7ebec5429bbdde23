/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pipe.h - named pipes on IPC$: the SMB2 side of the RPC pipes. CREATE,
 * READ, WRITE, IOCTL (FSCTL_PIPE_TRANSCEIVE), QUERY_INFO and CLOSE on an
 * open whose o->pipe is set come here from their handlers.
 */
#ifndef DITTOFSD_RPC_PIPE_H
#define DITTOFSD_RPC_PIPE_H

#include "userd/server.h"

/* CREATE on IPC$ of the UTF-16 name (name_len bytes); writes the response. */
u32 dfs_pipe_create(struct dfs_req *r, const u8 *name, u32 name_len,
		    u32 desired, u32 share_access);
/* READ of up to len bytes: one message, or its start (BUFFER_OVERFLOW). */
u32 dfs_pipe_read(struct dfs_req *r, struct dfs_open *o, u32 len);
u32 dfs_pipe_write(struct dfs_req *r, struct dfs_open *o, const u8 *data,
		   u32 len);
/*
 * FSCTL_PIPE_TRANSCEIVE: write in, then read one message of at most
 * max_out bytes into out (*out_len). STATUS_BUFFER_OVERFLOW when the
 * message was longer; its rest stays readable.
 */
u32 dfs_pipe_transceive(struct dfs_req *r, struct dfs_open *o, const u8 *in,
			u32 in_len, u8 *out, u32 max_out, u32 *out_len);
/* QUERY_INFO on a pipe handle; writes the whole response body. */
u32 dfs_pipe_query_info(struct dfs_req *r, struct dfs_open *o, u8 info_type,
			u8 info_class, u32 out_len);
/* CLOSE (or any teardown) of a pipe open. */
void dfs_pipe_free(struct dfs_open *o);

#endif /* DITTOFSD_RPC_PIPE_H */

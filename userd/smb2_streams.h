/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smb2_streams.h - named streams in the SMB2 commands: CREATE of
 * "file:stream", I/O, sizes, listing, rename and delete of a stream. An
 * open of a stream is a dfs_open whose fd is its base file and whose
 * stream field names the stream; the data lives in the base's xattrs
 * (vfs/streams.h). The command handlers call in here when o->stream is
 * set, so their own code stays about the default stream.
 */
#ifndef DITTOFSD_SMB2_STREAMS_H
#define DITTOFSD_SMB2_STREAMS_H

#include <stdbool.h>

#include "userd/server.h"
#include "userd/vfs/streams.h"
#include "userd/vfs/vfs.h"

/* A CREATE of a named stream, as smb2_create.c parsed it */
struct dfs_stream_create {
	const char *path;	/* the base file, share-relative */
	const char *stream;	/* the stream name, UTF-8 */
	u32 desired;		/* mapped access, MAXIMUM_ALLOWED kept as a bit */
	u32 share;
	u32 disp;
	u32 opts;
	u32 attrs;
	/* results */
	int fd;			/* of the base file; -1 on failure */
	u32 action;		/* FILE_CREATED, FILE_OPENED, ... (of the stream) */
	u32 granted;
	u32 maximal;
	struct vfs_stat st;	/* the base's, with the stream's sizes */
	bool base_created;	/* undo on a later failure: unlink the base */
	bool stream_created;	/* ... remove the stream */
};

/*
 * What a stream kind means for the CreateOptions: "::$DATA" is a file,
 * "::$INDEX_ALLOCATION" a directory, and neither a named stream nor the
 * default one can be opened as a directory. 0 or the NTSTATUS.
 */
u32 dfs_stream_create_opts(enum vfs_stream_kind kind, u32 *opts);

/* Open or create c->stream on c->path (as the session user). */
u32 dfs_stream_open(struct dfs_req *r, struct dfs_stream_create *c);
/* Undo what a successful dfs_stream_open made, when the CREATE fails later. */
void dfs_stream_undo(struct dfs_req *r, struct dfs_stream_create *c);

/* The name an open reports: "dir/file", or "dir/file:stream" */
const char *dfs_open_name(const struct dfs_open *o, char *buf, size_t cap);

/* fstat of an open; a stream open reports its stream's sizes. */
int dfs_open_fstat(const struct dfs_open *o, struct vfs_stat *st);

/* READ of a stream open: bytes read or -errno */
ssize_t dfs_stream_read(struct dfs_open *o, void *buf, size_t len, u64 off);
/* WRITE of a stream open; *done bytes. 0 or the NTSTATUS. */
u32 dfs_stream_write(struct dfs_server *srv, struct dfs_open *o,
		     const u8 *data, u32 len, u64 off, u32 *done);
/* SET_INFO EndOfFile (alloc false) / Allocation (true) on a stream open */
u32 dfs_stream_set_size(struct dfs_server *srv, struct dfs_open *o, u64 v,
			bool alloc);

/*
 * FSCTL_SRV_COPYCHUNK of len bytes where the source or the target is a
 * stream: bytes copied (short at the source's end) or -errno.
 */
long dfs_stream_copy(struct dfs_server *srv, struct dfs_open *src, u64 soff,
		     struct dfs_open *dst, u64 doff, u32 len);

/*
 * FileStreamInformation of the file behind fd (st: its stat): "::$DATA"
 * for a regular file, then every named stream. Returns the bytes built
 * at buf (cap bytes), or -1 when they do not fit.
 */
long dfs_stream_info(int fd, const struct vfs_stat *st, u8 *buf, u32 cap);

/*
 * SET_INFO FileRenameInformation whose target is a stream (":name"), or
 * any rename of a stream open. The name is the wire's (UTF-16LE).
 */
u32 dfs_stream_rename(struct dfs_req *r, struct dfs_open *o, const u8 *name,
		      u32 nbytes, bool replace);
/* Is this rename one dfs_stream_rename() handles? */
bool dfs_stream_is_rename(const struct dfs_open *o, const u8 *name, u32 nbytes);

/*
 * Would an open of stream on (dev, ino) with access and share clash with
 * the opens of the same stream there? STATUS_SHARING_VIOLATION or 0.
 */
u32 dfs_stream_share_check(struct dfs_server *srv, u64 dev, u64 ino,
			   const char *stream, u32 access, u32 share);

/* A stream open closes with delete-on-close: remove the stream. */
void dfs_stream_delete(struct dfs_server *srv, struct dfs_open *o);

#endif /* DITTOFSD_SMB2_STREAMS_H */

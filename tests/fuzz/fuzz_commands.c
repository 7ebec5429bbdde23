// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_commands.c - each command's request parser, straight into its
 * handler: the body comes from the fuzzer, the session, tree and one open
 * (README.txt or the share root) are built by the harness
 * (fz_direct_conn), and the open's FileId can be written into the body
 * where the command carries one, so the handlers get past "file closed".
 *
 * fuzz_server reaches the handlers only through a negotiated, logged-in
 * connection and its smbclient seeds; in a 60 s run it never reached
 * ECHO, LOGOFF, TREE_DISCONNECT, LOCK, CHANGE_NOTIFY or OPLOCK_BREAK
 * (libFuzzer -print_coverage=1). This target gives every command the same
 * share of the inputs.
 *
 * Input: byte 0 bits 0-3 pick the command (fc_cmds below), bit 4 opens
 * the share root instead of README.txt, bit 5 writes the open's FileId at
 * the command's FileId offset, bit 6 gives the open a batch oplock with a
 * break to level II in progress (for OPLOCK_BREAK). Byte 1 bit 0 marks the
 * request related, with the open as the compound's FileId. The rest is the
 * body, at the end of a request buffer of exactly its size.
 */
#include "tests/fuzz/fuzz_common.h"

#define FM_RSP_CAP (1u << 20)

static const struct {
	u16 cmd;
	u8 fid_off;		/* FileId offset in the body, 0 = none */
	dfs_handler_fn fn;
} fm_cmds[16] = {
	{ SMB2_LOGOFF, 0, smb2_logoff },
	{ SMB2_TREE_DISCONNECT, 0, smb2_tree_disconnect },
	{ SMB2_CREATE, 0, smb2_create },
	{ SMB2_CLOSE, 8, smb2_close },
	{ SMB2_FLUSH, 8, smb2_flush },
	{ SMB2_READ, 16, smb2_read },
	{ SMB2_WRITE, 16, smb2_write },
	{ SMB2_LOCK, 8, smb2_lock },
	{ SMB2_IOCTL, 8, smb2_ioctl },
	{ SMB2_ECHO, 0, smb2_echo },
	{ SMB2_QUERY_DIRECTORY, 8, smb2_query_directory },
	{ SMB2_CHANGE_NOTIFY, 8, smb2_change_notify },
	{ SMB2_QUERY_INFO, 24, smb2_query_info },
	{ SMB2_SET_INFO, 16, smb2_set_info },
	{ SMB2_OPLOCK_BREAK, 8, smb2_oplock_break },
	{ SMB2_TREE_CONNECT, 0, smb2_tree_connect },
};

/* README.txt read-write, or the share root, as CREATE would have opened it. */
static struct dfs_open *fm_open(struct dfs_server *srv, struct dfs_tree *t,
				bool dir, bool oplock)
{
	struct dfs_open *o = dfs_open_new(srv, t);
	struct stat st;

	if (!o)
		abort();
	o->is_dir = dir;
	o->path = strdup(dir ? "" : "README.txt");
	o->fd = dir ? openat(t->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) :
		      openat(t->root_fd, "README.txt", O_RDWR | O_CLOEXEC);
	if (!o->path || o->fd < 0 || fstat(o->fd, &st))
		abort();
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	o->access = 0x001F01FF;
	o->share_access = 7;
	if (oplock && !dir) {
		o->oplock = SMB2_OPLOCK_LEVEL_BATCH;
		o->oplock_target = SMB2_OPLOCK_LEVEL_II;
		o->oplock_breaking = true;
		o->break_deadline = dfs_monotonic_ms() + 35000;
	}
	return o;
}

int dfs_fuzz_commands(const uint8_t *data, size_t size)
{
	struct dfs_server *srv = fz_server();
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out out = { 0 };
	unsigned i;
	u32 st;
	struct dfs_req r;
	struct dfs_open *o;
	struct dfs_tree *t;
	struct dfs_conn *c;
	u8 *req, *rsp;
	u32 len;

	if (size < 2 || size - 2 > FM_RSP_CAP)
		return 0;
	i = data[0] & 15;
	fz_share_reset();
	c = fz_direct_conn(srv, &t);
	o = fm_open(srv, t, data[0] & 0x10, data[0] & 0x40);
	len = SMB2_HDR_SIZE + (u32)(size - 2);
	req = fz_direct_req(fm_cmds[i].cmd, len);
	memcpy(req + SMB2_HDR_SIZE, data + 2, size - 2);
	if ((data[0] & 0x20) && fm_cmds[i].fid_off &&
	    len >= SMB2_HDR_SIZE + fm_cmds[i].fid_off + 16u) {
		dfs_put_le64(req + SMB2_HDR_SIZE + fm_cmds[i].fid_off, o->persistent_id);
		dfs_put_le64(req + SMB2_HDR_SIZE + fm_cmds[i].fid_off + 8, o->volatile_id);
	}
	rsp = malloc(FM_RSP_CAP);
	if (!rsp)
		abort();
	fz_direct_setup(&r, &in, &out, c, t, req, len, rsp, FM_RSP_CAP);
	if (data[1] & 1) {
		dfs_put_le32(req + SMB2_HDR_FLAGS, SMB2_FLAGS_RELATED_OPERATIONS);
		r.flags = SMB2_FLAGS_RELATED_OPERATIONS;
		in.related = true;
		c->compound_fid[0] = o->persistent_id;
		c->compound_fid[1] = o->volatile_id;
	}
	st = fm_cmds[i].fn(&r);
	if (r.rsp_len > r.rsp_cap)
		abort();
	if (getenv("DFS_FUZZ_LOG"))
		fprintf(stderr, "fuzz_commands: command %u -> 0x%08x\n",
			fm_cmds[i].cmd, st);
	fz_direct_free(c);
	free(req);
	free(rsp);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_commands(data, size);
}
#endif

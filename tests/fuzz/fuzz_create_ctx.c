// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_create_ctx.c - the create contexts of a CREATE (MS-SMB2 2.2.13.2:
 * the Next chain, name and data ranges, MxAc, QFid, AlSi, durable and
 * lease contexts, whatever smb2_create.c understands) through
 * smb2_create() on a session and tree of the shared fuzz server, built
 * directly rather than negotiated so that every input goes straight to
 * CREATE. The opens it makes are closed after each input.
 *
 * Input: byte 0 bits 0-2 CreateDisposition (6 and 7 are invalid ones),
 * bit 3 FILE_DIRECTORY_FILE, bit 4 a batch oplock, bit 5 MAXIMUM_ALLOWED
 * instead of read/write, bit 6 "raw": bytes 2-9 are the CreateContextsOffset
 * and CreateContextsLength as sent (else the harness points them at the
 * blob). Byte 1 picks the name (ctx.txt, README.txt, the root, dir\sub).
 * The rest is the context blob, placed 8-aligned after the name at the end
 * of a request buffer of exactly its size.
 */
#include <fcntl.h>

#include "tests/fuzz/fuzz_common.h"

#define FC_RSP_CAP 65536

struct fc_state {
	bool ready;
	struct dfs_conn conn;
	struct dfs_session sess;
	struct dfs_tree tree;
};

static struct fc_state fc;

static void fc_init(struct dfs_server *srv)
{
	if (fc.ready)
		return;
	fc.conn.srv = srv;
	fc.conn.fd = -1;
	fc.conn.dialect = SMB2_DIALECT_311;
	snprintf(fc.conn.peer, sizeof(fc.conn.peer), "fuzz:0");
	dfs_dp_conn_init(&fc.conn.dp, srv->crypto, &dfs_user_dp_ops, &fc.conn,
			 DFS_MAX_FRAME);
	fc.sess.conn = &fc.conn;
	fc.sess.dp.id = 0x1234;
	fc.sess.dp.sign.alg = -1;
	fc.sess.state = DFS_SESS_VALID;
	fc.sess.uid = getuid();
	fc.sess.gid = getgid();
	fc.sess.groups[0] = getgid();
	fc.sess.ngroups = 1;
	snprintf(fc.sess.user, sizeof(fc.sess.user), "%s", FZ_USER);
	fc.tree.id = 1;
	fc.tree.sess = &fc.sess;
	fc.tree.share = dfs_config_share(srv->cfg, FZ_SHARE);
	fc.tree.maximal_access = 0x001F01FF;
	fc.ready = true;
}

static const char *const fc_names[4] = {
	"ctx.txt", "README.txt", "", "dir\\sub"
};

/* The request: header, fixed body, name, contexts; exactly its size. */
static u8 *fc_request(const uint8_t *data, size_t size, u32 *len)
{
	const char *name = fc_names[data[1] & 3];
	bool raw = data[0] & 0x40;
	const u8 *blob = data + (raw ? 10 : 2);
	size_t blen = size - (raw ? 10 : 2);
	u32 nlen = 2 * (u32)strlen(name), coff, total;
	u8 *req, *b;

	coff = DFS_ALIGN8(SMB2_HDR_SIZE + 56 + (nlen ? nlen : 1));
	total = coff + (u32)blen;
	req = calloc(1, total);
	if (!req)
		abort();
	dfs_put_le32(req, SMB2_PROTO_ID);
	dfs_put_le16(req + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(req + SMB2_HDR_COMMAND, SMB2_CREATE);
	b = req + SMB2_HDR_SIZE;
	dfs_put_le16(b, 57);
	b[3] = (data[0] & 0x10) ? 0x09 : 0;		/* batch oplock */
	dfs_put_le32(b + 4, 2);				/* impersonation */
	dfs_put_le32(b + 24, (data[0] & 0x20) ? 0x02000000u : 0x0012019Fu);
	dfs_put_le32(b + 32, 7);			/* share everything */
	dfs_put_le32(b + 36, data[0] & 7);
	dfs_put_le32(b + 40, (data[0] & 8) ? 1u : 0u);
	dfs_put_le16(b + 44, SMB2_HDR_SIZE + 56);
	dfs_put_le16(b + 46, (u16)nlen);
	fz_put_utf16(b + 56, name);
	if (raw) {
		dfs_put_le32(b + 48, dfs_get_le32(data + 2));
		dfs_put_le32(b + 52, dfs_get_le32(data + 6));
	} else if (blen) {
		dfs_put_le32(b + 48, coff);
		dfs_put_le32(b + 52, (u32)blen);
	}
	memcpy(req + coff, blob, blen);
	*len = total;
	return req;
}

int dfs_fuzz_create_ctx(const uint8_t *data, size_t size)
{
	struct dfs_server *srv = fz_server();
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out out = { 0 };
	struct dfs_req r = { 0 };
	u8 *req, *rsp;
	u32 len;

	if (size < 2 || ((data[0] & 0x40) && size < 10))
		return 0;
	fc_init(srv);
	fz_share_reset();
	fc.tree.root_fd = open(fz_env.share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fc.tree.root_fd < 0)
		abort();
	req = fc_request(data, size, &len);
	rsp = malloc(FC_RSP_CAP);
	if (!rsp)
		abort();
	in.buf = req;
	in.len = len;
	in.first = in.last = true;
	out.buf = rsp;
	out.cap = FC_RSP_CAP;
	r.srv = srv;
	r.conn = &fc.conn;
	r.in = &in;
	r.out = &out;
	r.hdr = req;
	r.body = req + SMB2_HDR_SIZE;
	r.body_len = len - SMB2_HDR_SIZE;
	r.command = SMB2_CREATE;
	r.sess = &fc.sess;
	r.tree = &fc.tree;
	r.rsp = rsp;
	r.rsp_body = rsp + SMB2_HDR_SIZE;
	r.rsp_cap = FC_RSP_CAP - SMB2_HDR_SIZE;
	r.compound_fid = fc.conn.compound_fid;
	smb2_create(&r);
	if (r.rsp_len > r.rsp_cap)
		abort();
	/* what a connection's end would do: pending work, then the opens */
	dfs_async_drop_conn(&fc.conn);
	dfs_open_close_tree(srv, &fc.tree);
	if (fc.sess.nopens)
		abort();	/* an open escaped the tree's teardown */
	close(fc.tree.root_fd);
	free(req);
	free(rsp);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_create_ctx(data, size);
}
#endif

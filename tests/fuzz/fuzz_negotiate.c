// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_negotiate.c - a NEGOTIATE request body (dialects, negotiate
 * contexts: preauth, ciphers, signing, compression, netname, ...) through
 * smb2_negotiate(), or an SMB1 multi-protocol NEGOTIATE through
 * dfs_smb1_negotiate(), on a fresh connection of the shared server.
 *
 * Input: byte 0 varies the server configuration (bits 0-1 min protocol,
 * 2-3 max protocol, 4-5 "smb encrypt", bit 7 "server signing =
 * mandatory"); bit 6 sends the rest as an SMB1 frame instead. The rest is
 * the NEGOTIATE body placed after a harness-written SMB2 header.
 */
#include "tests/fuzz/fuzz_common.h"

#define FN_RSP_CAP 4096

int dfs_fuzz_negotiate(const uint8_t *data, size_t size)
{
	static const u16 protos[4] = { 0x0202, 0x0210, 0x0300, 0x0311 };
	struct dfs_server *srv = fz_server();
	struct dfs_config *cfg = srv->cfg;
	struct dfs_config saved = *cfg;
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out out = { 0 };
	struct dfs_req r = { 0 };
	struct dfs_conn *c;
	u8 *req, *rsp;
	u32 len;

	if (size < 1)
		return 0;
	cfg->min_protocol = protos[data[0] & 3];
	cfg->max_protocol = protos[(data[0] >> 2) & 3];
	cfg->smb_encrypt = (data[0] >> 4) & 3;
	cfg->server_signing = (data[0] & 0x80) ? DFS_SIGNING_MANDATORY :
						 DFS_SIGNING_AUTO;
	/*
	 * Not dfs_conn_new(): its 8 MiB I/O buffers would cost more than the
	 * negotiation itself, and NEGOTIATE does not use them.
	 */
	c = calloc(1, sizeof(*c));
	if (c) {
		c->srv = srv;
		c->fd = -1;
		dfs_dp_conn_init(&c->dp, srv->crypto, &dfs_user_dp_ops, c, DFS_MAX_FRAME);
	}
	len = (u32)(size - 1) + ((data[0] & 0x40) ? 0 : SMB2_HDR_SIZE);
	req = malloc(len ? len : 1);
	rsp = malloc(FN_RSP_CAP);
	if (!c || !req || !rsp)
		abort();
	out.buf = rsp;
	out.cap = FN_RSP_CAP;
	in.buf = req;
	in.len = len;
	in.first = true;
	if (data[0] & 0x40) {
		memcpy(req, data + 1, size - 1);
		if (dfs_smb1_negotiate(c, &in, &out) == 0 &&
		    (out.len < SMB2_HDR_SIZE || out.len > out.cap))
			abort();
	} else {
		memset(req, 0, SMB2_HDR_SIZE);
		dfs_put_le32(req, SMB2_PROTO_ID);
		dfs_put_le16(req + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
		dfs_put_le16(req + SMB2_HDR_COMMAND, SMB2_NEGOTIATE);
		memcpy(req + SMB2_HDR_SIZE, data + 1, size - 1);
		r.srv = srv;
		r.conn = c;
		r.in = &in;
		r.out = &out;
		r.hdr = req;
		r.body = req + SMB2_HDR_SIZE;
		r.body_len = len - SMB2_HDR_SIZE;
		r.command = SMB2_NEGOTIATE;
		r.rsp = rsp;
		r.rsp_body = rsp + SMB2_HDR_SIZE;
		r.rsp_cap = FN_RSP_CAP - SMB2_HDR_SIZE;
		r.compound_fid = c->compound_fid;
		smb2_negotiate(&r);
		if (r.rsp_len > r.rsp_cap)
			abort();
	}
	free(c);
	free(req);
	free(rsp);
	*cfg = saved;
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_negotiate(data, size);
}
#endif

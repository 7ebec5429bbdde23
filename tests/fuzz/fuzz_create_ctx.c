// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_create_ctx.c - the create contexts of a CREATE (MS-SMB2 2.2.13.2:
 * the Next chain, name and data ranges, MxAc, QFid, AlSi, durable and
 * lease contexts, whatever smb2_create.c understands) through
 * smb2_create() on a session and tree of the shared fuzz server, built
 * directly rather than negotiated (fz_direct_conn) so that every input goes
 * straight to CREATE. The connection is torn down after each input, which
 * closes what it opened.
 *
 * Input: byte 0 bits 0-2 CreateDisposition (6 and 7 are invalid ones),
 * bit 3 FILE_DIRECTORY_FILE, bit 4 a batch oplock, bit 5 MAXIMUM_ALLOWED
 * instead of read/write, bit 7 SMB2_OPLOCK_LEVEL_LEASE (so that an RqLs
 * context is taken; over bit 4), bit 6 "raw": bytes 2-9 are the
 * CreateContextsOffset and CreateContextsLength as sent (else the harness
 * points them at the blob). Byte 1 picks the name (ctx.txt, README.txt, the root, dir\sub).
 * The rest is the context blob, placed 8-aligned after the name at the end
 * of a request buffer of exactly its size.
 */
#include "tests/fuzz/fuzz_common.h"

#define FC_RSP_CAP 65536

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
	req = fz_direct_req(SMB2_CREATE, total);
	b = req + SMB2_HDR_SIZE;
	dfs_put_le16(b, 57);
	b[3] = (data[0] & 0x10) ? 0x09 : 0;		/* batch oplock */
	if (data[0] & 0x80)
		b[3] = 0xFF;				/* a lease */
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
	struct dfs_req r;
	struct dfs_tree *t;
	struct dfs_conn *c;
	u8 *req, *rsp;
	u32 len;

	if (size < 2 || ((data[0] & 0x40) && size < 10))
		return 0;
	fz_share_reset();
	c = fz_direct_conn(srv, &t);
	req = fc_request(data, size, &len);
	rsp = malloc(FC_RSP_CAP);
	if (!rsp)
		abort();
	fz_direct_setup(&r, &in, &out, c, t, req, len, rsp, FC_RSP_CAP);
	smb2_create(&r);
	if (r.rsp_len > r.rsp_cap)
		abort();
	fz_direct_free(c);
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

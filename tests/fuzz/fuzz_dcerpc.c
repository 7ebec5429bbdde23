// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dcerpc.c - bytes a client writes to the srvsvc pipe, through the
 * DCE/RPC engine (userd/rpc/dcerpc.c: PDU framing, bind, fragment
 * reassembly) into srvsvc's NDR decoding, with the answers read back in
 * pieces the way READ and TRANSCEIVE take them.
 *
 * Input: byte 0 = flags. Bit 0: the harness binds first (a valid BIND,
 * so the rest reaches srvsvc at once); bits 1-3: the size of the pieces
 * the rest is written in (all at once, 1, 7, 16, 24, 100, 1432, 4280);
 * bits 4-6: the size of each read (1, 16, 24, 100, 1432, 4280, 65536,
 * 8 MiB). Bit 7: read only after the last write (output piles up). The
 * rest: any number of PDUs; the low bit of the last byte makes the caller
 * a null session (srvsvc then refuses the levels with paths).
 */
#include "tests/fuzz/fuzz_common.h"
#include "userd/rpc/dcerpc.h"
#include "userd/rpc/srvsvc.h"

/* smbclient's BIND for srvsvc v3.0 over NDR 2.0 */
static const u8 fd_bind[72] = {
	0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xb8, 0x10, 0xb8, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc8, 0x4f, 0x32, 0x4b,
	0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88,
	0x03, 0x00, 0x00, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
};

/* A message is one PDU, and frag_length is 16 bits */
static u8 fd_buf[65536];

/* Read every message out in pieces of rsz; each must be a whole PDU. */
static void fd_drain(struct dfs_rpc_pipe *p, u32 rsz)
{
	u32 n, got, want, cap;
	bool more;

	while ((want = dfs_rpc_pending(p))) {
		if (want > sizeof(fd_buf))
			abort();
		got = 0;
		do {
			cap = rsz < sizeof(fd_buf) - got ? rsz :
			      (u32)sizeof(fd_buf) - got;
			n = dfs_rpc_read(p, fd_buf + got, cap, &more);
			if (n > cap || (!n && more))
				abort();
			got += n;
		} while (more);
		if (got != want || got < DCERPC_HDR_LEN ||
		    dfs_get_le16(fd_buf + 8) != got || fd_buf[0] != 5)
			abort();
	}
}

int dfs_fuzz_dcerpc(const uint8_t *data, size_t size)
{
	static const u32 wsizes[8] = { 0, 1, 7, 16, 24, 100, 1432, 4280 };
	static const u32 rsizes[8] = { 1, 16, 24, 100, 1432, 4280, 65536,
				       8u << 20 };
	struct srvsvc_caller who = { .srv = fz_server() };
	struct dfs_rpc_pipe *p;
	u32 wsz, rsz, off = 1, n;

	if (size < 1)
		return 0;
	who.anonymous = size > 1 && (data[size - 1] & 1);	/* any byte will do */
	wsz = wsizes[(data[0] >> 1) & 7];
	rsz = rsizes[(data[0] >> 4) & 7];
	p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	if (!p)
		abort();
	if ((data[0] & 1) && dfs_rpc_write(p, &who, fd_bind, sizeof(fd_bind)))
		abort();
	while (off < size) {
		n = wsz && size - off > wsz ? wsz : (u32)(size - off);
		if (dfs_rpc_write(p, &who, data + off, n) == -ENOMEM)
			abort();
		off += n;
		if (!(data[0] & 0x80))
			fd_drain(p, rsz);
	}
	fd_drain(p, rsz);
	dfs_rpc_pipe_free(p);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_dcerpc(data, size);
}
#endif

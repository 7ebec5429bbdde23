// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_rpc.c - the DCE/RPC engine, NDR and srvsvc (userd/rpc/) against
 * bytes checked by hand: smbclient's own BIND and NetShareEnumAll request
 * (captured from "smbclient -L" against Samba), the answers C706, MS-RPCE
 * and MS-SRVS prescribe, and malformed input that must fail cleanly.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "userd/config.h"
#include "userd/server.h"
#include "userd/rpc/dcerpc.h"
#include "userd/rpc/ndr.h"
#include "userd/rpc/srvsvc.h"
#include "tests/unit/check_main.h"

/* smbclient 4.17's BIND: call 1, srvsvc v3.0 over NDR 2.0, 4280/4280 */
#define BIND_HEX \
	"05000b03100000004800000001000000b810b81000000000" \
	"0100000000000100c84f324b7016d30112785a47bf6ee18803000000" \
	"045d888aeb1cc9119fe808002b10486002000000"
static const char bind_hex[] = BIND_HEX;

/* ... and its NetShareEnumAll: call 2, level 1, server "127.0.0.1" */
static const char enum_hex[] =
	"05000003100000005c000000020000004400000000000f00"
	"00000200" "0a000000" "00000000" "0a000000"
	"3100320037002e0030002e0030002e0031000000"
	"01000000" "01000000" "04000200" "00000000" "00000000"
	"ffffffff" "08000200" "00000000";

/*
 * The response stub for one share "share" (comment "c") and IPC$, at
 * level 1, worked out by hand from MS-SRVS 2.2.4.38 and NDR's rules:
 * fixed parts first, then the strings in pointer order, 4-byte aligned.
 */
static const char enum_rsp_stub_hex[] =
	"01000000" "01000000"			/* level, union switch */
	"00000200"				/* container pointer */
	"02000000" "04000200"			/* EntriesRead, buffer pointer */
	"02000000"				/* array conformance */
	"08000200" "00000000" "0c000200"	/* share: name, DISKTREE, remark */
	"10000200" "03000080" "14000200"	/* IPC$: name, IPC|SPECIAL, remark */
	"06000000" "00000000" "06000000" "730068006100720065000000"
	"02000000" "00000000" "02000000" "63000000"
	"05000000" "00000000" "05000000" "49005000430024000000" "0000"
	"16000000" "00000000" "16000000"	/* "IPC Service (DittoFS)" */
	"4900500043002000530065007200760069006300650020002800"
	"44006900740074006f004600530029000000"
	"02000000"				/* TotalEntries */
	"18000200" "00000000"			/* resume handle */
	"00000000";				/* WERR_OK */

static struct dfs_server srv;
static struct srvsvc_caller who = { .srv = &srv };

static void add_share(const char *name, const char *comment, bool browseable)
{
	struct dfs_share_cfg *sh = calloc(1, sizeof(*sh)), **tail;

	ck_assert_ptr_nonnull(sh);
	snprintf(sh->name, sizeof(sh->name), "%s", name);
	snprintf(sh->path, sizeof(sh->path), "/srv/%s", name);
	snprintf(sh->comment, sizeof(sh->comment), "%s", comment);
	sh->browseable = browseable;
	sh->encrypt = -1;
	for (tail = &srv.cfg->shares; *tail; tail = &(*tail)->next)
		;
	*tail = sh;
}

static void setup(void)
{
	memset(&srv, 0, sizeof(srv));
	srv.cfg = calloc(1, sizeof(*srv.cfg));
	ck_assert_ptr_nonnull(srv.cfg);
	dfs_config_defaults(srv.cfg);
	snprintf(srv.cfg->server_string, sizeof(srv.cfg->server_string), "DittoFS");
	snprintf(srv.cfg->netbios_name, sizeof(srv.cfg->netbios_name), "DITTO");
	add_share("share", "c", true);
}

static void teardown(void)
{
	who.anonymous = false;
	dfs_config_free(srv.cfg);
	srv.cfg = NULL;
}

static size_t unhex(const char *hex, u8 *out, size_t cap)
{
	return dfs_test_unhex(hex, out, cap);
}

/* Write hex to the pipe; expect success. */
static void feed(struct dfs_rpc_pipe *p, const char *hex)
{
	u8 buf[4096];
	size_t n = unhex(hex, buf, sizeof(buf));

	ck_assert_int_eq(dfs_rpc_write(p, &who, buf, (u32)n), 0);
}

/* The next whole output message; its length, 0 if none. */
static u32 next_msg(struct dfs_rpc_pipe *p, u8 *out, u32 cap)
{
	bool more;
	u32 n = dfs_rpc_read(p, out, cap, &more);

	ck_assert(!more);
	return n;
}

static struct dfs_rpc_pipe *bound_pipe(void)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 ack[256];

	ck_assert_ptr_nonnull(p);
	feed(p, bind_hex);
	ck_assert_uint_eq(next_msg(p, ack, sizeof(ack)), 68);
	ck_assert_uint_eq(ack[2], DCERPC_BIND_ACK);
	return p;
}

START_TEST(test_bind_ack_bytes)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 ack[256], want[256];
	size_t wlen;
	u32 n;

	/* everything but the association group id, which the server picks */
	wlen = unhex("05000c03100000004400000001000000b810b810", want, sizeof(want));
	wlen += unhex("0d005c504950455c73727673766300" "00"	/* \PIPE\srvsvc, pad */
		      "01000000"				/* one result */
		      "00000000"				/* acceptance */
		      "045d888aeb1cc9119fe808002b10486002000000",
		      want + wlen + 4, sizeof(want) - wlen - 4) + 4;
	feed(p, bind_hex);
	n = next_msg(p, ack, sizeof(ack));
	ck_assert_uint_eq(n, wlen);
	ck_assert_mem_eq(ack, want, 20);
	ck_assert_uint_ne(dfs_get_le32(ack + 20), 0);
	ck_assert_mem_eq(ack + 24, want + 24, wlen - 24);
	ck_assert_uint_eq(dfs_rpc_pending(p), 0);
	dfs_rpc_pipe_free(p);
}
END_TEST

static size_t expected_enum_stub(u8 *out, size_t cap)
{
	return unhex(enum_rsp_stub_hex, out, cap);
}

START_TEST(test_share_enum_level1_bytes)
{
	struct dfs_rpc_pipe *p = bound_pipe();
	u8 rsp[1024], stub[1024];
	size_t slen = expected_enum_stub(stub, sizeof(stub));
	u32 n;

	ck_assert_uint_eq(slen, 184);
	feed(p, enum_hex);
	n = next_msg(p, rsp, sizeof(rsp));
	ck_assert_uint_eq(n, DCERPC_RSP_HDR_LEN + slen);
	ck_assert_uint_eq(rsp[0], 5);
	ck_assert_uint_eq(rsp[2], DCERPC_RESPONSE);
	ck_assert_uint_eq(rsp[3], DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG);
	ck_assert_uint_eq(dfs_get_le16(rsp + 8), n);		/* frag_length */
	ck_assert_uint_eq(dfs_get_le32(rsp + 12), 2);		/* call_id */
	ck_assert_uint_eq(dfs_get_le32(rsp + 16), slen);	/* alloc_hint */
	ck_assert_uint_eq(dfs_get_le16(rsp + 20), 0);		/* context */
	ck_assert_mem_eq(rsp + DCERPC_RSP_HDR_LEN, stub, slen);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* The same request in two fragments, and the bytes one at a time */
START_TEST(test_request_fragments)
{
	struct dfs_rpc_pipe *p = bound_pipe();
	u8 req[256], f1[256], f2[256], rsp[1024], stub[1024];
	size_t len = unhex(enum_hex, req, sizeof(req)), slen, cut = 24 + 32;
	u32 i, n;

	slen = expected_enum_stub(stub, sizeof(stub));
	/* fragment 1: header + first 32 stub bytes; fragment 2: the rest */
	memcpy(f1, req, cut);
	f1[3] = DCERPC_PFC_FIRST_FRAG;
	dfs_put_le16(f1 + 8, (u16)cut);
	memcpy(f2, req, 24);
	memcpy(f2 + 24, req + cut, len - cut);
	f2[3] = DCERPC_PFC_LAST_FRAG;
	dfs_put_le16(f2 + 8, (u16)(24 + len - cut));
	for (i = 0; i < cut; i++)
		ck_assert_int_eq(dfs_rpc_write(p, &who, f1 + i, 1), 0);
	ck_assert_uint_eq(dfs_rpc_pending(p), 0);	/* not complete yet */
	ck_assert_int_eq(dfs_rpc_write(p, &who, f2, (u32)(24 + len - cut)), 0);
	n = next_msg(p, rsp, sizeof(rsp));
	ck_assert_uint_eq(n, DCERPC_RSP_HDR_LEN + slen);
	ck_assert_mem_eq(rsp + DCERPC_RSP_HDR_LEN, stub, slen);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* A short read leaves the rest of the message; nothing is lost */
START_TEST(test_short_read)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 a[16], b[256];
	bool more;

	feed(p, bind_hex);
	ck_assert_uint_eq(dfs_rpc_pending(p), 68);
	ck_assert_uint_eq(dfs_rpc_read(p, a, sizeof(a), &more), 16);
	ck_assert(more);
	ck_assert_uint_eq(dfs_rpc_pending(p), 52);
	ck_assert_uint_eq(dfs_rpc_read(p, b, sizeof(b), &more), 52);
	ck_assert(!more);
	ck_assert_uint_eq(a[2], DCERPC_BIND_ACK);
	ck_assert_uint_eq(dfs_rpc_pending(p), 0);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* Responses longer than the client's max_recv_frag come in fragments */
START_TEST(test_response_fragments)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 bind[128], rsp[8192];
	size_t blen = unhex(bind_hex, bind, sizeof(bind));
	u32 i, n, frags = 0, stub = 0, hint;
	char name[32];

	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "share%02u", i);
		add_share(name, "a longer comment to fill fragments", true);
	}
	dfs_put_le16(bind + 18, 100);	/* max_recv_frag below the minimum */
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)blen), 0);
	n = next_msg(p, rsp, sizeof(rsp));
	ck_assert_uint_eq(dfs_get_le16(rsp + 16), DCERPC_MIN_FRAG);
	feed(p, enum_hex);
	while ((n = next_msg(p, rsp, sizeof(rsp)))) {
		ck_assert_uint_le(n, DCERPC_MIN_FRAG);
		ck_assert_uint_eq(rsp[2], DCERPC_RESPONSE);
		ck_assert_uint_eq(!!(rsp[3] & DCERPC_PFC_FIRST_FRAG), frags == 0);
		hint = dfs_get_le32(rsp + 16);
		if (frags == 0)
			stub = hint;
		ck_assert_uint_eq(hint, stub);		/* what is left */
		stub -= n - DCERPC_RSP_HDR_LEN;
		if (rsp[3] & DCERPC_PFC_LAST_FRAG)
			ck_assert_uint_eq(stub, 0);
		else
			ck_assert_uint_eq((n - DCERPC_RSP_HDR_LEN) % 8, 0);
		frags++;
	}
	ck_assert_uint_gt(frags, 2);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* Check the one result of a bind_ack for context item 0. */
static void bind_result(const char *abstract, const char *transfer,
			u16 result, u16 reason)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	char hex[512];
	u8 ack[256];
	u32 n;

	snprintf(hex, sizeof(hex),
		 "05000b03100000004800000001000000b810b81000000000"
		 "01000000" "00000100" "%s" "%s", abstract, transfer);
	feed(p, hex);
	n = next_msg(p, ack, sizeof(ack));
	ck_assert_uint_eq(n, 68);
	ck_assert_uint_eq(ack[2], DCERPC_BIND_ACK);
	ck_assert_uint_eq(ack[40], 1);
	ck_assert_uint_eq(dfs_get_le16(ack + 44), result);
	ck_assert_uint_eq(dfs_get_le16(ack + 46), reason);
	dfs_rpc_pipe_free(p);
}

#define SRVSVC_V3 "c84f324b7016d30112785a47bf6ee18803000000"
#define NDR20 "045d888aeb1cc9119fe808002b10486002000000"

START_TEST(test_bind_results)
{
	/* lsarpc's uuid: not an interface of this pipe */
	bind_result("785734127856341212345678" "9abcdef0" "00000000", NDR20,
		    DCERPC_PROVIDER_REJECTION, DCERPC_REASON_ABSTRACT_SYNTAX);
	/* srvsvc v2.0: wrong version */
	bind_result("c84f324b7016d30112785a47bf6ee18802000000", NDR20,
		    DCERPC_PROVIDER_REJECTION, DCERPC_REASON_ABSTRACT_SYNTAX);
	/* NDR64 only */
	bind_result(SRVSVC_V3, "33057171babe37498319b5dbef9ccc3601000000",
		    DCERPC_PROVIDER_REJECTION, DCERPC_REASON_TRANSFER_SYNTAXES);
	/* NDR 1.0 */
	bind_result(SRVSVC_V3, "045d888aeb1cc9119fe808002b10486001000000",
		    DCERPC_PROVIDER_REJECTION, DCERPC_REASON_TRANSFER_SYNTAXES);
	/* bind time feature negotiation, both features asked: both acked */
	bind_result(SRVSVC_V3, "2c1cb76c12984045" "0300000000000000" "01000000",
		    DCERPC_NEGOTIATE_ACK, 3);
	bind_result(SRVSVC_V3, "2c1cb76c12984045" "0200000000000000" "01000000",
		    DCERPC_NEGOTIATE_ACK, 2);
}
END_TEST

/* A Windows-style bind: NDR, NDR64 and feature negotiation together */
START_TEST(test_bind_three_contexts)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 ack[256];
	u32 n;

	feed(p, "05000b0310000000" "a000" "0000" "02000000" "b810b81000000000"
		"03000000"
		"0000" "0100" SRVSVC_V3 NDR20
		"0100" "0100" SRVSVC_V3 "33057171babe37498319b5dbef9ccc3601000000"
		"0200" "0100" SRVSVC_V3 "2c1cb76c12984045" "0300000000000000" "01000000");
	n = next_msg(p, ack, sizeof(ack));
	ck_assert_uint_eq(n, 40 + 4 + 3 * 24);
	ck_assert_uint_eq(ack[40], 3);
	ck_assert_uint_eq(dfs_get_le16(ack + 44), DCERPC_ACCEPTANCE);
	ck_assert_uint_eq(dfs_get_le16(ack + 44 + 24), DCERPC_PROVIDER_REJECTION);
	ck_assert_uint_eq(dfs_get_le16(ack + 46 + 24), DCERPC_REASON_TRANSFER_SYNTAXES);
	ck_assert_uint_eq(dfs_get_le16(ack + 44 + 48), DCERPC_NEGOTIATE_ACK);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* A single-fragment REQUEST of opnum carrying stub (hex), context 0 */
static void request(struct dfs_rpc_pipe *p, u32 call_id, u16 opnum,
		    const char *stub_hex)
{
	u8 pdu[2048];
	size_t n = unhex(stub_hex, pdu + 24, sizeof(pdu) - 24);

	memset(pdu, 0, 24);
	pdu[0] = 5;
	pdu[2] = DCERPC_REQUEST;
	pdu[3] = DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG;
	pdu[4] = 0x10;
	dfs_put_le16(pdu + 8, (u16)(24 + n));
	dfs_put_le32(pdu + 12, call_id);
	dfs_put_le32(pdu + 16, (u32)n);
	dfs_put_le16(pdu + 22, opnum);
	ck_assert_int_eq(dfs_rpc_write(p, &who, pdu, (u32)(24 + n)), 0);
}

/* The next message must be a FAULT for call_id with status. */
static void expect_fault(struct dfs_rpc_pipe *p, u32 call_id, u32 status,
			 bool not_executed)
{
	u8 m[256];
	u32 n = next_msg(p, m, sizeof(m));

	ck_assert_msg(n == 32, "call %u: no fault (%u bytes)", call_id, n);
	ck_assert_uint_eq(m[2], DCERPC_FAULT);
	ck_assert_uint_eq(dfs_get_le16(m + 8), 32);
	ck_assert_uint_eq(dfs_get_le32(m + 12), call_id);
	ck_assert_uint_eq(dfs_get_le32(m + 24), status);
	ck_assert_uint_eq(!!(m[3] & DCERPC_PFC_DID_NOT_EXECUTE), not_executed);
}

static void expect_nak(struct dfs_rpc_pipe *p, u16 reason)
{
	u8 m[256];
	u32 n = next_msg(p, m, sizeof(m));

	ck_assert_uint_eq(n, 24);
	ck_assert_uint_eq(m[2], DCERPC_BIND_NAK);
	ck_assert_uint_eq(dfs_get_le16(m + 16), reason);
}

START_TEST(test_faults)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);

	/* a request before any bind */
	request(p, 7, 15, "00000000");
	expect_fault(p, 7, DCERPC_NCA_S_PROTO_ERROR, true);
	feed(p, bind_hex);
	ck_assert_uint_eq(dfs_rpc_pending(p), 68);
	next_msg(p, (u8[256]){ 0 }, 256);
	/* opnum 99: no such operation */
	request(p, 8, 99, "");
	expect_fault(p, 8, DCERPC_NCA_S_OP_RNG_ERROR, true);
	/* NetShareEnumAll cut short; a union whose switch disagrees */
	request(p, 9, 15, "00000000" "01000000");
	expect_fault(p, 9, DCERPC_NCA_S_FAULT_NDR, false);
	request(p, 10, 15, "00000000" "01000000" "02000000" "00000000"
		"ffffffff" "00000000");
	expect_fault(p, 10, DCERPC_NCA_S_FAULT_NDR, false);
	/* string counts that lie: offset, actual > max, past the end, no NUL */
	request(p, 11, 16, "00000000" "02000000" "01000000" "01000000" "6100"
		"0000" "01000000");
	expect_fault(p, 11, DCERPC_NCA_S_FAULT_NDR, false);
	request(p, 12, 16, "00000000" "01000000" "00000000" "02000000"
		"61000000" "01000000");
	expect_fault(p, 12, DCERPC_NCA_S_FAULT_NDR, false);
	request(p, 13, 16, "00000000" "ffffffff" "00000000" "ffffffff" "6100");
	expect_fault(p, 13, DCERPC_NCA_S_FAULT_NDR, false);
	request(p, 14, 16, "00000000" "02000000" "00000000" "02000000"
		"61006200" "01000000");
	expect_fault(p, 14, DCERPC_NCA_S_FAULT_NDR, false);
	/* an embedded NUL */
	request(p, 15, 16, "00000000" "03000000" "00000000" "03000000"
		"610000000000" "0000" "01000000");
	expect_fault(p, 15, DCERPC_NCA_S_FAULT_NDR, false);
	/* an unknown presentation context */
	feed(p, "05000003100000001c000000100000000000000005000f00" "00000000");
	expect_fault(p, 16, DCERPC_NCA_S_UNKNOWN_IF, true);
	/* a continuation fragment of no call */
	feed(p, "05000002100000001c000000110000000000000000000f00" "00000000");
	expect_fault(p, 17, DCERPC_NCA_S_PROTO_ERROR, true);
	/* an auth verifier longer than the PDU; then one that fits */
	feed(p, "05000003100000001c000800120000000000000000000f00" "00000000");
	expect_fault(p, 18, DCERPC_NCA_S_PROTO_ERROR, true);
	feed(p, "050000031000000024000400130000000000000000000f00"
		"0a020000" "00000000" "00000000");
	expect_fault(p, 19, DCERPC_NCA_S_PROTO_ERROR, true);
	/* a PDU type a client never sends */
	feed(p, "050002031000000018000000140000000000000000000000");
	expect_fault(p, 20, DCERPC_NCA_S_PROTO_ERROR, true);
	ck_assert_uint_eq(dfs_rpc_pending(p), 0);
	/* after all that the pipe still works */
	feed(p, enum_hex);
	ck_assert_uint_eq(dfs_rpc_pending(p), 24 + 184);
	dfs_rpc_pipe_free(p);
}
END_TEST

START_TEST(test_bind_naks)
{
	struct dfs_rpc_pipe *p = dfs_rpc_pipe_new(&dfs_srvsvc_iface);
	u8 bind[128];
	size_t n = unhex(bind_hex, bind, sizeof(bind));

	/* version 4 */
	bind[0] = 4;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_PROTOCOL_VERSION);
	bind[0] = 5;
	/* big-endian data representation: we speak little-endian only */
	bind[4] = 0x00;
	bind[8] = 0x00;
	bind[9] = (u8)n;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_PROTOCOL_VERSION);
	n = unhex(bind_hex, bind, sizeof(bind));
	/* no context items */
	bind[24] = 0;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_NOT_SPECIFIED);
	/* five context items announced, one present */
	bind[24] = 5;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_NOT_SPECIFIED);
	/* transfer syntax count past the end */
	bind[24] = 1;
	bind[30] = 200;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_NOT_SPECIFIED);
	/* an auth verifier: no security providers here */
	n = unhex(BIND_HEX "0a020000" "00000000" "0000000000000000", bind,
		  sizeof(bind));
	dfs_put_le16(bind + 8, (u16)n);
	dfs_put_le16(bind + 10, 8);
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	expect_nak(p, DCERPC_NAK_AUTH_TYPE);
	/* a proper bind, then a second one */
	feed(p, bind_hex);
	ck_assert_uint_eq(next_msg(p, bind, sizeof(bind)), 68);
	feed(p, bind_hex);
	expect_nak(p, DCERPC_NAK_NOT_SPECIFIED);
	/* ALTER_CONTEXT works on a bound pipe; the sec_addr is empty */
	n = unhex(bind_hex, bind, sizeof(bind));
	bind[2] = DCERPC_ALTER_CONTEXT;
	ck_assert_int_eq(dfs_rpc_write(p, &who, bind, (u32)n), 0);
	ck_assert_uint_eq(next_msg(p, bind, sizeof(bind)), 56);
	ck_assert_uint_eq(bind[2], DCERPC_ALTER_RESP);
	ck_assert_uint_eq(dfs_get_le16(bind + 24), 0);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* A frag_length below the header: the framing is gone, input dropped */
START_TEST(test_lost_framing)
{
	struct dfs_rpc_pipe *p = bound_pipe();

	feed(p, "050000031000000008000000210000000000000000000f00" "00000000");
	expect_fault(p, 0x21, DCERPC_NCA_S_PROTO_ERROR, true);
	ck_assert_uint_eq(dfs_rpc_pending(p), 0);
	ck_assert_uint_eq(p->in_len, 0);
	/* a request larger than the reassembly bound gets a fault */
	{
		u8 *frag = calloc(1, 65535);
		u32 i, calls = DCERPC_MAX_REQUEST / (65535 - 24) + 1;

		ck_assert_ptr_nonnull(frag);
		frag[0] = 5;
		frag[2] = DCERPC_REQUEST;
		frag[4] = 0x10;
		dfs_put_le16(frag + 8, 65535);
		dfs_put_le32(frag + 12, 0x22);
		dfs_put_le16(frag + 22, 15);
		for (i = 0; i <= calls; i++) {
			frag[3] = i == 0 ? DCERPC_PFC_FIRST_FRAG : 0;
			ck_assert_int_eq(dfs_rpc_write(p, &who, frag, 65535), 0);
			if (dfs_rpc_pending(p))
				break;
		}
		free(frag);
		expect_fault(p, 0x22, DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY, true);
	}
	dfs_rpc_pipe_free(p);
}
END_TEST

/* The last u32 of the response stub of the next message */
static u32 werror_of_next(struct dfs_rpc_pipe *p, u8 *m, u32 cap, u32 *len)
{
	u32 n = next_msg(p, m, cap);

	ck_assert_uint_eq(m[2], DCERPC_RESPONSE);
	*len = n;
	return dfs_get_le32(m + n - 4);
}

START_TEST(test_share_get_info)
{
	struct dfs_rpc_pipe *p = bound_pipe();
	u8 m[1024], want[256];
	size_t wlen;
	u32 n;

	/* level 1 of "SHARE" (any case) */
	request(p, 2, 16, "00000000" "06000000" "00000000" "06000000"
		"530048004100520045000000" "01000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	wlen = unhex("01000000" "00000200"		/* level, pointer */
		     "04000200" "00000000" "08000200"	/* name, type, remark */
		     "06000000" "00000000" "06000000" "730068006100720065000000"
		     "02000000" "00000000" "02000000" "63000000"
		     "00000000", want, sizeof(want));
	ck_assert_uint_eq(n, 24 + wlen);
	ck_assert_mem_eq(m + 24, want, wlen);
	/* level 1005: flags only */
	request(p, 3, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "ed030000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	wlen = unhex("ed030000" "00000200" "00000000" "00000000", want, sizeof(want));
	ck_assert_uint_eq(n, 24 + wlen);
	ck_assert_mem_eq(m + 24, want, wlen);
	/* levels 0, 2, 501, 502 answer; IPC$ too */
	request(p, 4, 16, "00000000" "05000000" "00000000" "05000000"
		"49005000430024000000" "0000" "02000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	ck_assert_uint_eq(dfs_get_le32(m + 24 + 12), STYPE_IPC | STYPE_SPECIAL);
	request(p, 5, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "f6010000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	/* an unknown share, an unknown level */
	request(p, 6, 16, "00000000" "03000000" "00000000" "03000000"
		"6e006f000000" "0000" "01000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n),
			  WERR_NERR_NETNAMENOTFOUND);
	ck_assert_uint_eq(n, 24 + 12);
	request(p, 7, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "03000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_INVALID_LEVEL);
	dfs_rpc_pipe_free(p);
}
END_TEST

START_TEST(test_server_get_info)
{
	struct dfs_rpc_pipe *p = bound_pipe();
	u8 m[1024], want[256];
	size_t wlen;
	u32 n;

	/* smbclient's srvinfo request, level 101 */
	request(p, 2, 21, "00000200" "0c000000" "00000000" "0c000000"
		"5c005c003100320037002e0030002e0030002e0031000000" "65000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	wlen = unhex("65000000" "00000200"		/* level, pointer */
		     "f4010000" "04000200"		/* platform NT, name */
		     "06000000" "01000000" "03900000"	/* 6.1, server type */
		     "08000200"				/* comment */
		     "06000000" "00000000" "06000000"	/* "DITTO" */
		     "44004900540054004f000000"
		     "08000000" "00000000" "08000000"	/* "DittoFS" */
		     "44006900740074006f00460053000000"
		     "00000000", want, sizeof(want));
	ck_assert_uint_eq(wlen, 88);
	ck_assert_uint_eq(n, 24 + wlen);
	ck_assert_mem_eq(m + 24, want, wlen);
	/* levels 100 and 102 answer, 103 does not */
	request(p, 3, 21, "00000000" "66000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	request(p, 4, 21, "00000000" "64000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	request(p, 5, 21, "00000000" "67000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_INVALID_LEVEL);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* A null session sees names, not paths; sticky enumerations have no 501 */
START_TEST(test_levels_and_callers)
{
	struct dfs_rpc_pipe *p = bound_pipe();
	u8 m[1024];
	u32 n;

	who.anonymous = true;
	request(p, 2, 15, "00000000" "01000000" "01000000" "00000000"
		"ffffffff" "00000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	request(p, 3, 15, "00000000" "02000000" "02000000" "00000000"
		"ffffffff" "00000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_ACCESS_DENIED);
	ck_assert_uint_eq(n, 24 + 4 * 6);	/* level, switch, NULL, total, NULL, werr */
	request(p, 4, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "f6010000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_ACCESS_DENIED);
	request(p, 5, 21, "00000000" "66000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_ACCESS_DENIED);
	who.anonymous = false;
	request(p, 6, 15, "00000000" "02000000" "02000000" "00000000"
		"ffffffff" "00000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	/* NetrShareEnumSticky: 501 is not one of its levels; IPC$ is not listed */
	request(p, 7, 36, "00000000" "f5010000" "f5010000" "00000000"
		"ffffffff" "00000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_INVALID_LEVEL);
	request(p, 8, 36, "00000000" "00000000" "00000000" "00000000"
		"ffffffff" "00000000");
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	ck_assert_uint_eq(dfs_get_le32(m + 24 + 12), 1);	/* EntriesRead */
	/* GetInfo levels an enumeration does not have */
	request(p, 9, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "ec030000");		/* 1004 */
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	ck_assert_uint_eq(n, 24 + 8 + 4 + 12 + 4 + 4);	/* remark "c" */
	request(p, 10, 16, "00000000" "06000000" "00000000" "06000000"
		"730068006100720065000000" "dd050000");	/* 1501 */
	ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), WERR_OK);
	dfs_rpc_pipe_free(p);
}
END_TEST

/* NetrShareCheck: a share's local path (or its drive) is shared */
START_TEST(test_share_check)
{
	static const struct {
		const char *dev_hex;	/* conformant varying string */
		u32 werr;
	} cases[] = {
		/* "C:\srv\share" */
		{ "0d000000" "00000000" "0d000000"
		  "43003a005c007300720076005c00730068006100720065000000" "0000",
		  WERR_OK },
		/* "c:\SRV" (a directory above it, any case) */
		{ "07000000" "00000000" "07000000" "63003a005c00530052005600" "0000",
		  WERR_OK },
		/* "C:\sr": not a directory of the path */
		{ "06000000" "00000000" "06000000" "43003a005c00730072000000",
		  WERR_NERR_DEVICENOTSHARED },
		/* "D:" */
		{ "03000000" "00000000" "03000000" "44003a000000" "0000",
		  WERR_NERR_DEVICENOTSHARED },
	};
	struct dfs_rpc_pipe *p = bound_pipe();
	char hex[256];
	u8 m[256];
	u32 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(hex, sizeof(hex), "00000000%s", cases[i].dev_hex);
		request(p, 2 + i, 20, hex);
		ck_assert_uint_eq(werror_of_next(p, m, sizeof(m), &n), cases[i].werr);
		ck_assert_uint_eq(n, 24 + 8);
	}
	dfs_rpc_pipe_free(p);
}
END_TEST

START_TEST(test_ndr_push)
{
	struct ndr_push n;
	u8 want[64];
	size_t wlen;

	ndr_push_init(&n, 64);
	ndr_push_u16(&n, 0x1234);
	ndr_push_ptr(&n, true);			/* aligned to 4 first */
	ndr_push_ptr(&n, false);
	ndr_push_ptr(&n, true);
	ndr_push_wstring(&n, "ab");
	ndr_push_u32(&n, 7);			/* after 2 pad bytes */
	ck_assert(!n.err);
	wlen = unhex("3412" "0000" "00000200" "00000000" "04000200"
		     "03000000" "00000000" "03000000" "610062000000" "0000"
		     "07000000", want, sizeof(want));
	ck_assert_uint_eq(n.len, wlen);
	ck_assert_mem_eq(n.buf, want, wlen);
	/* past the bound: err, and it stays; nothing more is written */
	ndr_push_wstring(&n, "a string that does not fit in what is left");
	ck_assert(n.err);
	wlen = n.len;
	ck_assert_uint_le(wlen, 64);
	ndr_push_u32(&n, 1);
	ck_assert_uint_eq(n.len, wlen);
	ndr_push_free(&n);
	/* not UTF-8 */
	ndr_push_init(&n, 64);
	ndr_push_wstring(&n, "\xc0\xaf");	/* an overlong '/' */
	ck_assert(n.err);
	ndr_push_free(&n);
}
END_TEST

START_TEST(test_ndr_pull)
{
	struct ndr_pull n;
	u8 in[64];
	char s[16];
	size_t len;

	len = unhex("0100" "0000" "05000000" "03000000" "00000000" "03000000"
		    "e900620000000000", in, sizeof(in));
	ndr_pull_init(&n, in, (u32)len);
	ck_assert_uint_eq(ndr_pull_u16(&n), 1);
	ck_assert_uint_eq(ndr_pull_u32(&n), 5);	/* after 2 pad bytes */
	ndr_pull_wstring(&n, s, sizeof(s));
	ck_assert(!n.err);
	ck_assert_str_eq(s, "\xc3\xa9" "b");
	ndr_pull_align(&n, 4);
	ck_assert_uint_eq(n.off, len);
	ck_assert_uint_eq(ndr_pull_u32(&n), 0);	/* nothing left */
	ck_assert(n.err);
	ck_assert_uint_eq(ndr_pull_u16(&n), 0);	/* and it stays */
	/* no room for the UTF-8 */
	len = unhex("03000000" "00000000" "03000000" "610062000000", in, sizeof(in));
	ndr_pull_init(&n, in, (u32)len);
	ndr_pull_wstring(&n, s, 2);
	ck_assert(n.err);
	/* ActualCount 0: not even the NUL */
	len = unhex("00000000" "00000000" "00000000", in, sizeof(in));
	ndr_pull_init(&n, in, (u32)len);
	ndr_pull_wstring(&n, s, sizeof(s));
	ck_assert(n.err);
	/* a count that would wrap a 32-bit length */
	len = unhex("00000080" "00000000" "00000080" "6100", in, sizeof(in));
	ndr_pull_init(&n, in, (u32)len);
	ndr_pull_wstring(&n, s, sizeof(s));
	ck_assert(n.err);
}
END_TEST

static Suite *rpc_suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bind_ack_bytes);
	tcase_add_test(tc, test_share_enum_level1_bytes);
	tcase_add_test(tc, test_request_fragments);
	tcase_add_test(tc, test_short_read);
	tcase_add_test(tc, test_response_fragments);
	tcase_add_test(tc, test_bind_results);
	tcase_add_test(tc, test_bind_three_contexts);
	tcase_add_test(tc, test_faults);
	tcase_add_test(tc, test_bind_naks);
	tcase_add_test(tc, test_lost_framing);
	tcase_add_test(tc, test_share_get_info);
	tcase_add_test(tc, test_server_get_info);
	tcase_add_test(tc, test_levels_and_callers);
	tcase_add_test(tc, test_share_check);
	tcase_add_test(tc, test_ndr_push);
	tcase_add_test(tc, test_ndr_pull);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(rpc_suite)

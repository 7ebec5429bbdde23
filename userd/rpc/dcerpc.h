/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dcerpc.h - connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2)
 * over one named pipe: BIND / ALTER_CONTEXT, REQUEST -> RESPONSE or FAULT.
 *
 * The engine is a byte stream in and a queue of messages out, with no
 * knowledge of SMB, so unit tests and tests/fuzz/fuzz_dcerpc.c drive it
 * directly. Each PDU it sends is one message: a pipe READ or TRANSCEIVE
 * returns at most one, and a short read leaves the rest of it pending
 * (named pipes in message mode, as Windows serves RPC).
 *
 * No authentication: a PDU with an auth verifier is refused.
 */
#ifndef DITTOFSD_RPC_DCERPC_H
#define DITTOFSD_RPC_DCERPC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/compat.h"
#include "userd/rpc/ndr.h"

/* PDU types (C706 12.6.4.x) */
#define DCERPC_REQUEST		0
#define DCERPC_RESPONSE		2
#define DCERPC_FAULT		3
#define DCERPC_BIND		11
#define DCERPC_BIND_ACK		12
#define DCERPC_BIND_NAK		13
#define DCERPC_ALTER_CONTEXT	14
#define DCERPC_ALTER_RESP	15
#define DCERPC_AUTH3		16
#define DCERPC_SHUTDOWN		17
#define DCERPC_CO_CANCEL	18
#define DCERPC_ORPHANED		19

/* pfc_flags */
#define DCERPC_PFC_FIRST_FRAG	0x01
#define DCERPC_PFC_LAST_FRAG	0x02
#define DCERPC_PFC_DID_NOT_EXECUTE 0x20
#define DCERPC_PFC_OBJECT_UUID	0x80

#define DCERPC_HDR_LEN		16
#define DCERPC_REQ_HDR_LEN	24	/* + alloc_hint, p_cont_id, opnum */
#define DCERPC_RSP_HDR_LEN	24

/* Fault status codes (C706 appendix E, MS-RPCE 2.2.2.11) */
#define DCERPC_NCA_S_OP_RNG_ERROR	0x1C010002u
#define DCERPC_NCA_S_UNKNOWN_IF		0x1C010003u
#define DCERPC_NCA_S_PROTO_ERROR	0x1C01000Bu
#define DCERPC_NCA_S_FAULT_NDR		0x000006F7u
#define DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY 0x1C000011u
#define DCERPC_FAULT_ACCESS_DENIED	0x00000005u

/* p_cont_def_result_t and provider_reason_t (C706 12.6.3.1) */
#define DCERPC_ACCEPTANCE		0
#define DCERPC_PROVIDER_REJECTION	2
#define DCERPC_NEGOTIATE_ACK		3	/* MS-RPCE 2.2.2.4 */
#define DCERPC_REASON_NOT_SPECIFIED	0
#define DCERPC_REASON_ABSTRACT_SYNTAX	1
#define DCERPC_REASON_TRANSFER_SYNTAXES	2
#define DCERPC_REASON_LOCAL_LIMIT	3
/* BIND_NAK reasons */
#define DCERPC_NAK_NOT_SPECIFIED	0
#define DCERPC_NAK_PROTOCOL_VERSION	4
#define DCERPC_NAK_AUTH_TYPE		8

/* Fragment sizes: C706's MustRecvFragSize, and what we offer at most */
#define DCERPC_MIN_FRAG		1432
#define DCERPC_MAX_FRAG		4280
/* Largest reassembled request stub, and output queued before a read */
#define DCERPC_MAX_REQUEST	(64u * 1024)
#define DCERPC_MAX_OUTPUT	(1024u * 1024)
/* Presentation contexts one pipe remembers */
#define DCERPC_MAX_CONTEXTS	8

/*
 * An RPC interface served on a pipe. call() decodes the stub of opnum
 * and encodes the response stub into out; it returns 0, or a fault status
 * (DCERPC_NCA_S_OP_RNG_ERROR for an opnum it does not know,
 * DCERPC_NCA_S_FAULT_NDR for a stub it cannot decode).
 */
struct dfs_rpc_iface {
	const char *pipe_name;		/* e.g. "srvsvc" */
	u8 uuid[16];			/* wire order */
	u16 vers_major, vers_minor;
	u32 (*call)(const void *ctx, u16 opnum, const u8 *stub, u32 len,
		    struct ndr_push *out);
};

struct dfs_rpc_msg {
	struct dfs_rpc_msg *next;
	u32 len;
	u32 off;			/* bytes already read */
	u8 data[];
};

struct dfs_rpc_pipe {
	const struct dfs_rpc_iface *iface;
	/* bytes written but not yet a whole PDU */
	u8 *in;
	u32 in_len, in_cap;
	/* a request being reassembled from fragments */
	u8 *req;
	u32 req_len, req_cap;
	u32 req_call_id;
	u16 req_ctx, req_opnum;
	bool req_open;
	/* bound presentation contexts */
	u16 ctx_ids[DCERPC_MAX_CONTEXTS];
	u32 n_ctx;
	bool bound;
	u16 max_xmit;			/* largest fragment we send */
	u32 assoc_group;
	/* PDUs to be read */
	struct dfs_rpc_msg *out_head, *out_tail;
	u32 out_bytes;
};

struct dfs_rpc_pipe *dfs_rpc_pipe_new(const struct dfs_rpc_iface *iface);
void dfs_rpc_pipe_free(struct dfs_rpc_pipe *p);

/*
 * Bytes a client wrote to the pipe. Every complete PDU is answered (ctx
 * goes to the interface's call()). Returns 0, or -ENOMEM, or -ENOBUFS
 * when more output is queued than DCERPC_MAX_OUTPUT (nothing is consumed).
 */
int dfs_rpc_write(struct dfs_rpc_pipe *p, const void *ctx, const u8 *data,
		  u32 len);

/* Bytes left of the message at the head of the output queue (0: none). */
u32 dfs_rpc_pending(const struct dfs_rpc_pipe *p);

/*
 * Read up to cap bytes of the head message into out. Returns the byte
 * count; *more is set when that message has bytes left after this read.
 */
u32 dfs_rpc_read(struct dfs_rpc_pipe *p, u8 *out, u32 cap, bool *more);

#endif /* DITTOFSD_RPC_DCERPC_H */

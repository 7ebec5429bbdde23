/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * dataplane.h - one connection's data plane: NetBIOS frames in, SMB2 PDUs
 * to the control side one at a time, responses out.
 *
 * It owns every byte on the wire: framing, the credit window, signature
 * verification and signing, the 3.1.1 preauth hash over NEGOTIATE and
 * SESSION_SETUP, and compound splitting/joining. The control side
 * (dittofsd's handlers, in-process in user mode or over netlink in kernel
 * mode) answers each request PDU with one response PDU.
 */
#ifndef DITTOFS_DATAPLANE_H
#define DITTOFS_DATAPLANE_H

#include "compat.h"
#include "credits.h"
#include "signing.h"
#include "preauth.h"
#include "transform.h"
#include "smb2_proto.h"

#define DFS_NB_HDR_SIZE 4
/* NetBIOS session message type; keepalives (0x85) are consumed silently */
#define DFS_NB_SESSION_MESSAGE 0x00
#define DFS_NB_KEEPALIVE 0x85

/* What the data plane knows of a session; embedded in the control's. */
struct dfs_dp_session {
	u64 id;
	struct dfs_sign_key sign;	/* alg -1 until keys are installed */
	bool signing_required;		/* Session.SigningRequired */
	bool setup_in_progress;		/* preauth below is live */
	u8 preauth[DFS_PREAUTH_HASH_SIZE];
	struct dfs_cipher_key enc;	/* server -> client; alg 0 = none */
	struct dfs_cipher_key dec;	/* client -> server */
	struct dfs_nonce_gen nonce;	/* for enc */
};

struct dfs_dp_conn;

/* One request PDU as handed to the control side. */
struct dfs_pdu_in {
	const u8 *buf;		/* SMB2 header of this request */
	u32 len;		/* header + body, up to NextCommand or frame end */
	u64 session_id;		/* inherited from the previous PDU if related */
	u32 tree_id;		/* likewise */
	bool related;		/* SMB2_FLAGS_RELATED_OPERATIONS, not first */
	bool first;		/* first PDU of its frame */
	bool last;		/* last PDU of its frame */
	u32 prev_status;	/* status of the previous PDU in this compound */
	bool signed_ok;		/* carried a signature that verified */
	bool encrypted;		/* arrived inside a transform header */
	/* SESSION_SETUP on 3.1.1: hash including this request, else NULL */
	const u8 *preauth;
};

/* The control side's answer. */
struct dfs_pdu_out {
	u8 *buf;		/* where to write the response header + body */
	u32 cap;		/* bytes available at buf */
	u32 len;		/* bytes written (>= 64 + body) */
	/* sign with this session's key even if the request was unsigned */
	struct dfs_dp_session *sign_with;
	bool drop;		/* end the connection after sending */
	bool no_response;	/* nothing to send for this PDU (e.g. CANCEL) */
};

struct dfs_dp_ops {
	/* Find a session of this connection by id; NULL if none. */
	struct dfs_dp_session *(*session_lookup)(void *ctl, u64 id);
	/* Handle one request; 0, or -errno to drop the connection. */
	int (*handle_pdu)(void *ctl, const struct dfs_pdu_in *in,
			  struct dfs_pdu_out *out);
	/* Log a protocol violation that ends the connection. */
	void (*log)(void *ctl, const char *why);
	/*
	 * Optional (multichannel): a session of another connection by id,
	 * or what is left of one that ended (its signing key only). Its
	 * keys sign or encrypt the STATUS_USER_SESSION_DELETED that answers
	 * a request naming it here, since the client checks that signature
	 * (MS-SMB2 3.3.5.2.4 looks sessions up server-wide).
	 */
	struct dfs_dp_session *(*foreign_session)(void *ctl, u64 id);
};

struct dfs_dp_conn {
	const struct dfs_crypto_ops *crypto;
	const struct dfs_dp_ops *ops;
	void *ctl;			/* the control side's connection */
	struct dfs_credits credits;
	u16 dialect;			/* set by the control side on NEGOTIATE */
	u32 max_frame;			/* largest NetBIOS payload accepted */
	u8 preauth[DFS_PREAUTH_HASH_SIZE];	/* Connection.PreauthIntegrityHashValue */
	struct dfs_transform_rx rx;	/* an encrypted frame still arriving */
};

void dfs_dp_conn_init(struct dfs_dp_conn *c, const struct dfs_crypto_ops *crypto,
		      const struct dfs_dp_ops *ops, void *ctl, u32 max_frame);

/*
 * How long is the frame at the start of buf? Returns 0 and sets *frame_len
 * (payload bytes after the 4-byte header) when the header is complete,
 * -EAGAIN when fewer than 4 bytes are there, -EMSGSIZE/-EPROTO when the
 * header is bad (too long, not a session message or keepalive).
 */
int dfs_nb_frame_len(const struct dfs_dp_conn *c, const u8 *buf, size_t avail,
		     u32 *frame_len, u8 *type);

/*
 * Process one complete frame payload (after the NetBIOS header). Writes
 * the NetBIOS-framed response(s) to out (capacity cap) and sets *out_len
 * (0 when nothing is to be sent). Returns 0, or -errno when the connection
 * must be dropped (after sending *out_len bytes, if any).
 */
int dfs_dp_frame(struct dfs_dp_conn *c, u8 *frame, u32 len, u8 *out, u32 cap,
		 u32 *out_len);

/*
 * Encrypted frames at least this long are decrypted while they arrive:
 * below it the AEAD work is too short to be worth the extra receives.
 */
#define DFS_DP_RX_MIN (256 * 1024)

/*
 * The transport calls this while a frame is still arriving: frame holds
 * the first have of its len payload bytes. A large encrypted frame is
 * decrypted in place as far as it has come, so that dfs_dp_frame has only
 * the rest to do; it checks the tag before anything is parsed. Frames it
 * cannot do this for are left to dfs_dp_frame as they are.
 */
void dfs_dp_frame_partial(struct dfs_dp_conn *c, u8 *frame, u32 have, u32 len);

/* Is a frame being decrypted as it arrives? (receive it in pieces, then) */
static inline bool dfs_dp_frame_partial_active(const struct dfs_dp_conn *c)
{
	return c->rx.st != NULL;
}

/* Free what the connection holds (before the connection itself goes). */
void dfs_dp_conn_release(struct dfs_dp_conn *c);

/*
 * Frame one response that is not the direct answer to a frame: the final
 * response of an async operation, or an unsolicited message (oplock break,
 * MessageId 0xFFFFFFFFFFFFFFFF). pdu (len bytes, header + body) is written
 * by the control side at out + DFS_DP_ASYNC_ROOM; this signs it with s (if
 * sign and s has a key) or encrypts it for s (if encrypt), and writes the
 * NetBIOS header. Returns 0 and sets *out_len, or -errno.
 */
#define DFS_DP_ASYNC_ROOM (DFS_NB_HDR_SIZE + SMB2_TRANSFORM_HDR_SIZE)
int dfs_dp_async_frame(struct dfs_dp_conn *c, struct dfs_dp_session *s,
		       bool sign, bool encrypt, u8 *out, u32 len, u32 *out_len);

/* Helpers for the control side to build responses. */

/* Write the response header for request req at rsp (Status and fields copied). */
void dfs_smb2_rsp_hdr(u8 *rsp, const u8 *req, u32 status);

/*
 * Write an error response (header + 9-byte error body) for req; returns
 * its length (73), or 0 if cap is too small.
 */
u32 dfs_smb2_error_rsp(u8 *rsp, u32 cap, const u8 *req, u32 status);

#endif /* DITTOFS_DATAPLANE_H */

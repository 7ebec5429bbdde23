/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * dittofs_netlink.h - the generic netlink contract between dittofs.ko (the
 * kernel data plane) and dittofsd (the control side) and dittofsctl.
 *
 * Overview
 * ========
 *
 * The family is named DITTOFS_GENL_NAME and has version DITTOFS_GENL_VERSION.
 * All attributes live in one flat space (enum dittofs_attr) and are in host
 * byte order, except where an attribute says it carries wire bytes. Every
 * command needs CAP_NET_ADMIN (GENL_ADMIN_PERM); the family exists in the
 * initial network namespace only.
 *
 * Bulk file data never crosses this interface: READ and WRITE payloads move
 * between sockets and files inside the kernel. What crosses it is one SMB2
 * PDU at a time (decrypted and verified on the way up, unprotected on the
 * way down), per-session/tree/open state installed by the daemon, and
 * verdicts.
 *
 * Directions: "daemon -> kernel" commands are requests the daemon sends
 * (NLM_F_REQUEST, usually with NLM_F_ACK); "kernel -> daemon" commands are
 * unicast by the kernel to the netlink socket that completed
 * DITTOFS_CMD_HELLO with DITTOFS_HELLO_F_CLAIM (the "control socket"). When
 * the control socket closes, the kernel stops accepting connections (its
 * listeners are released) but keeps the ones it has; see "Daemon restart"
 * below. Daemon -> kernel commands are accepted
 * from any socket with CAP_NET_ADMIN, not only from the control socket, so
 * the daemon may use one socket for events and another for requests.
 *
 * Long PDUs: an attribute holds at most 65531 bytes, so a PDU longer than
 * DITTOFS_PDU_CHUNK bytes is carried as several DITTOFS_A_PDU attributes
 * in the same message, in order, each DITTOFS_PDU_CHUNK bytes long except
 * the last; the receiver concatenates every DITTOFS_A_PDU of the message
 * (both directions: PDU_UP, PDU_DOWN, SEND). Parse them by walking the
 * attributes (nla_for_each_attr), not with a parse-into-table call, which
 * keeps only the last. A daemon sending big PDU_DOWNs needs
 * SO_SNDBUF(FORCE) above the message size.
 *
 * PDU_UP in parts: the kernel builds each message in one linear buffer,
 * and a multi-MiB one (a WRITE that is not on the fast path) may find no
 * such memory. So a PDU longer than DITTOFS_PDU_PART bytes goes up as
 * several PDU_UP messages with the same DITTOFS_A_CONN_ID and
 * DITTOFS_A_COOKIE, sent in order, each carrying the next (at most
 * DITTOFS_PDU_PART) bytes of the PDU in its DITTOFS_A_PDU chunks, plus
 * DITTOFS_A_PDU_TOTAL (the whole PDU's length, the same in every part) and
 * DITTOFS_A_PDU_OFFSET (where this part's bytes start: 0 in the first
 * part, then exactly the bytes received so far). Every part repeats the
 * request's other attributes (PDU_FLAGS, SESSION_ID, ...); PEER and LOCAL
 * come only in the first. The PDU is complete when offset + part length
 * reaches the total; only then is it handled, and only then is it
 * answered (one PDU_DOWN for the whole). A message without
 * DITTOFS_A_PDU_TOTAL is a whole PDU. The receiver checks the total
 * against the largest frame it accepts, drops a part whose offset is not
 * the next expected one or whose cookie is not the one being assembled (a
 * part at offset 0 always starts over), and forgets a partial PDU when its
 * connection closes. Give the control socket a large SO_RCVBUF
 * (SO_RCVBUFFORCE, a few MiB at least) and receive with a buffer as big as
 * the largest message (MSG_PEEK|MSG_TRUNC to size it); a part the kernel
 * cannot allocate even so is answered to the client with
 * STATUS_INSUFFICIENT_RESOURCES.
 *
 * Daemon restart
 * ==============
 *
 * While no control socket is registered (the daemon died or was killed),
 * the kernel keeps every client connection and its sessions' keys:
 *
 *   - a request that needs the daemon is answered by the kernel with
 *     STATUS_SERVER_UNAVAILABLE (MS-SMB2 3.3.4.4: the server is not ready
 *     to process the request: a transient condition, not an error of
 *     the request), signed or encrypted like any response; a request already
 *     waiting for the dead daemon gets the same answer at once;
 *   - READ/WRITE on opens installed with FID_SET keep being served in the
 *     fast path: the module holds the files, and no conflicting open or
 *     byte-range lock can appear while nobody answers CREATE or LOCK;
 *   - new TCP connections are refused (the listeners went with the daemon).
 *
 * A HELLO with DITTOFS_HELLO_F_CLAIM from a socket that is not the current
 * control socket starts a new epoch (DITTOFS_A_EPOCH counts them) before it
 * is answered: every tree and open is forgotten (the kernel drops its file
 * references), and every connection and session from before is stale. The
 * kernel answers for them itself and never sends their PDUs up:
 *
 *   - SESSION_SETUP on a stale SessionId: STATUS_USER_SESSION_DELETED
 *     (MS-SMB2 3.3.5.5: no such session);
 *   - any other request on a stale SessionId:
 *     STATUS_NETWORK_SESSION_EXPIRED (MS-SMB2 3.3.5.2.9), protected with
 *     the old keys. Linux cifs reconnects and reopens its files; Windows
 *     re-authenticates;
 *   - any other request on a stale connection (the new daemon never saw
 *     its NEGOTIATE): the connection is closed, the client reconnects.
 *
 * So a restarted daemon never has to hand state back: it starts empty, and
 * clients come back to it through a new NEGOTIATE and SESSION_SETUP. The
 * CONN_CLOSE of a stale connection goes to the new daemon like any other;
 * it does not know the connection and ignores it. Trees and opens of
 * connections that close while no daemon is registered stay until the next
 * claim (or rmmod).
 *
 * Status in this build
 * ====================
 *
 * Every command is implemented. DITTOFS_A_FEATURES in the HELLO reply
 * says which commands a loaded module implements (bit N set = command N
 * implemented).
 *
 * Commands
 * ========
 *
 * DITTOFS_CMD_HELLO (daemon -> kernel; implemented)
 *   The version handshake; the first message of any user of the family.
 *   Request:  DITTOFS_A_VERSION (required), DITTOFS_A_HELLO_FLAGS (optional).
 *   Reply:    DITTOFS_A_VERSION, DITTOFS_A_FEATURES, DITTOFS_A_MODULE_VERSION.
 *   Fails with -EPROTONOSUPPORT (and an extack message) when the versions
 *   differ. With DITTOFS_HELLO_F_CLAIM the sending socket becomes the
 *   control socket; -EBUSY while another socket holds it (claiming again
 *   from the same socket is fine and changes nothing). The claim ends when
 *   the socket closes. A claim by a new socket starts a new epoch (see
 *   "Daemon restart").
 *
 * DITTOFS_CMD_LISTEN (daemon -> kernel; implemented)
 *   Hand the kernel a bound, listening TCP socket to accept SMB connections
 *   on. Attributes: DITTOFS_A_LISTEN_FD (required), DITTOFS_A_MAX_FRAME
 *   (default 8 MiB + 64 KiB; 64 KiB to 16 MiB - 1, else -ERANGE). The
 *   kernel takes its own reference on the socket: the daemon may close its
 *   fd. Sending it again with another fd adds a listener (-EEXIST for the
 *   same socket; -EINVAL when it is not a listening TCP socket). Listeners
 *   stay until the control socket closes or the module is unloaded; a
 *   listener installed while no control socket is registered accepts
 *   connections whose requests fail (see PDU_UP).
 *
 * DITTOFS_CMD_PDU_UP (kernel -> daemon; implemented)
 *   One request PDU for the control side, already decrypted, its signature
 *   verified, split out of its compound. Attributes: DITTOFS_A_CONN_ID,
 *   DITTOFS_A_COOKIE (a per-connection sequence number, shared with
 *   IO_VERDICT questions: 1, 2, 3, ...),
 *   DITTOFS_A_PDU, DITTOFS_A_PDU_FLAGS, DITTOFS_A_SESSION_ID,
 *   DITTOFS_A_TREE_ID, DITTOFS_A_PREV_STATUS, DITTOFS_A_PREAUTH (only for
 *   SESSION_SETUP on 3.1.1), DITTOFS_A_PEER and DITTOFS_A_LOCAL (only in the
 *   first PDU_UP of a connection), DITTOFS_A_PDU_TOTAL and
 *   DITTOFS_A_PDU_OFFSET (only for a PDU sent in parts, see "PDU_UP in
 *   parts" above). A client's SMB1 multi-protocol
 *   NEGOTIATE comes up as it is (DITTOFS_A_PDU starts with 0xFF 'SMB'; the
 *   answer is an SMB2 NEGOTIATE response). A connection has at most one
 *   PDU_UP outstanding: it waits for the PDU_DOWN with the same cookie.
 *   When no control socket is registered, it closes while the request
 *   waits, or no answer comes within the module parameter pdu_timeout_ms
 *   (default 60000), the kernel answers the client itself with
 *   STATUS_SERVER_UNAVAILABLE (MS-SMB2 3.3.4.4: the server is not ready to
 *   process the request); a late PDU_DOWN then fails with -ESTALE. PDUs of
 *   stale connections (see "Daemon restart") never come up.
 *
 * DITTOFS_CMD_PDU_DOWN (daemon -> kernel; implemented)
 *   The response to one PDU_UP. Attributes: DITTOFS_A_CONN_ID and
 *   DITTOFS_A_COOKIE (required: the PDU_UP's), DITTOFS_A_PDU (absent with
 *   DITTOFS_RSP_F_NO_RESPONSE; at least the 64-byte header), DITTOFS_A_RSP_FLAGS,
 *   DITTOFS_A_SESSION_ID (required with DITTOFS_RSP_F_SIGN: the session of
 *   this connection whose key signs it), DITTOFS_A_DIALECT (on the
 *   NEGOTIATE response: the connection's dialect from now on; the kernel
 *   also counts CreditCharge from 2.1 on). -ESTALE when no request with
 *   that cookie is waiting (answered already, timed out); -EMSGSIZE when
 *   the PDU does not fit the response buffer (the client then gets
 *   STATUS_INTERNAL_ERROR). DITTOFS_RSP_F_ENCRYPT is ignored here: a
 *   response is encrypted exactly when its request was (the whole
 *   compound goes back in one transform).
 *
 * DITTOFS_CMD_SEND (daemon -> kernel; implemented)
 *   An unsolicited PDU: lease/oplock break, interim or async response.
 *   Attributes: DITTOFS_A_CONN_ID, DITTOFS_A_PDU, DITTOFS_A_RSP_FLAGS,
 *   DITTOFS_A_SESSION_ID. The kernel signs it (DITTOFS_RSP_F_SIGN) or
 *   encrypts it (DITTOFS_RSP_F_ENCRYPT) with that session's keys on this
 *   connection (-ENOENT without such a session), sets
 *   SMB2_FLAGS_SERVER_TO_REDIR, frames and sends it before the reply;
 *   DITTOFS_RSP_F_DROP closes the connection afterwards. It goes out on
 *   the wire behind the responses of the PDU_DOWNs sent for the
 *   connection before it (an async request's final response after its
 *   interim one); the kernel waits up to 5 s for those to be written.
 *
 * DITTOFS_CMD_SESSION_SET (daemon -> kernel; implemented)
 *   Install or replace a session's keys and policy on a connection (a bound
 *   channel is a SESSION_SET on another DITTOFS_A_CONN_ID). Attributes:
 *   DITTOFS_A_CONN_ID, DITTOFS_A_SESSION_ID (both required),
 *   DITTOFS_A_SESSION_FLAGS, DITTOFS_A_SIGN_ALG + DITTOFS_A_SIGN_KEY,
 *   DITTOFS_A_CIPHER + DITTOFS_A_ENC_KEY + DITTOFS_A_DEC_KEY (each group
 *   optional; keys not sent stay as they are). Send it with
 *   DITTOFS_SESSION_F_IN_SETUP and no keys before the PDU_DOWN of the first
 *   SESSION_SETUP response that creates the session (STATUS_MORE_PROCESSING_
 *   REQUIRED), so the kernel can carry the session's preauth hash; send it
 *   again with the keys (without IN_SETUP) before the PDU_DOWN of the final
 *   SESSION_SETUP response, which is signed with the new key. The flags are
 *   replaced by each SESSION_SET.
 *
 * DITTOFS_CMD_SESSION_DEL (daemon -> kernel; implemented)
 *   Forget a session (logoff, expiry). Attributes: DITTOFS_A_CONN_ID (absent:
 *   on every channel), DITTOFS_A_SESSION_ID. Its trees and opens go too
 *   once no channel has the session any more. A connection that ends
 *   drops its own sessions; trees and opens stay until the daemon deletes
 *   them (they are keyed by SessionId, not by connection).
 *
 * DITTOFS_CMD_TREE_SET / DITTOFS_CMD_TREE_DEL (daemon -> kernel; implemented)
 *   Install or forget a tree connect. Attributes: DITTOFS_A_SESSION_ID,
 *   DITTOFS_A_TREE_ID, DITTOFS_A_TREE_FLAGS (TREE_SET only).
 *
 * DITTOFS_CMD_FID_SET (daemon -> kernel; implemented)
 *   Install an open for the READ/WRITE fast path. The kernel takes its own
 *   reference on the file behind DITTOFS_A_FD (an fd of the sending
 *   process); the daemon may close its fd afterwards. Attributes:
 *   DITTOFS_A_SESSION_ID, DITTOFS_A_TREE_ID, DITTOFS_A_FID_PERSISTENT,
 *   DITTOFS_A_FID_VOLATILE, DITTOFS_A_FD, DITTOFS_A_ACCESS,
 *   DITTOFS_A_FID_FLAGS. All but the last two are required; setting the
 *   same {SessionId, FileId} again replaces the open. The fast path serves
 *   READ/WRITE on it when the request is plain (no channel info, explicit
 *   WRITE offset, data inside the PDU, CreditCharge paying for the
 *   length), its session is installed on the connection and out of setup,
 *   the tree {SessionId, TreeId} is installed, encryption/read-only policy
 *   is met, the granted access allows it and the file was opened for it;
 *   everything else goes up as PDU_UP. A fast READ does not move the
 *   daemon's notion of the file position.
 *
 * DITTOFS_CMD_FID_UPDATE (daemon -> kernel; implemented)
 *   Change DITTOFS_A_FID_FLAGS of an open. It is synchronous: the kernel
 *   processes it (and answers, with NLM_F_ACK) only once no fast-path or
 *   verdict-allowed I/O on the open is in flight. Attributes: the FileId pair, DITTOFS_A_SESSION_ID,
 *   DITTOFS_A_FID_FLAGS.
 *
 * DITTOFS_CMD_FID_DEL (daemon -> kernel; implemented)
 *   Close an open: the kernel drops its file reference once in-flight I/O is
 *   done. Attributes: DITTOFS_A_SESSION_ID, the FileId pair.
 *
 * DITTOFS_CMD_IO_VERDICT (both directions; implemented)
 *   For opens whose file has byte-range locks, installed or updated with
 *   DITTOFS_FID_F_ASK instead of the FAST_ flags: the data still moves in
 *   the kernel, but each READ/WRITE first asks the daemon.
 *   kernel -> daemon: the question. Attributes: DITTOFS_A_CONN_ID,
 *   DITTOFS_A_COOKIE (from the connection's PDU_UP sequence; a connection
 *   has one question or one PDU_UP outstanding), DITTOFS_A_SESSION_ID, the
 *   FileId pair, DITTOFS_A_IO_KIND, DITTOFS_A_OFFSET, DITTOFS_A_LENGTH.
 *   daemon -> kernel: the answer, DITTOFS_A_CONN_ID, DITTOFS_A_COOKIE and
 *   DITTOFS_A_STATUS (0 = go ahead; otherwise the NTSTATUS the request
 *   fails with, e.g. STATUS_FILE_LOCK_CONFLICT), optionally
 *   DITTOFS_A_VERDICT_FLAGS (DITTOFS_VERDICT_F_KEEP_MTIME: an allowed
 *   WRITE puts the file's mtime back as it was before it, as dittofsd's
 *   own WRITE does for the delayed write time); -ESTALE when no question
 *   with that cookie waits. Opens installed with DITTOFS_FID_F_ASK_WRITE
 *   ask the same question for WRITEs only (their READs follow
 *   DITTOFS_FID_F_FAST_READ): dittofsd uses it while a WRITE has work of
 *   its own to do first, breaking other opens' level II oplocks or
 *   starting the delayed write-time update. Without an answer (timeout, daemon gone) the
 *   request goes up as a PDU_UP, and fails like one.
 *   Ordering, which keeps an allowed I/O from overlapping a new lock: the
 *   kernel marks the open in flight while it handles a "go ahead" answer,
 *   in the daemon's sendmsg, and never holds that mark while it waits for
 *   the daemon; before granting any lock the daemon sends FID_UPDATE (with
 *   DITTOFS_FID_F_ASK) for the file's opens, and FID_UPDATE returns only
 *   once in-flight I/O is done. DITTOFS_STATS_A_IO_VERDICTS counts the
 *   questions.
 *
 * DITTOFS_CMD_CONN_CLOSE (both directions; implemented)
 *   daemon -> kernel: close DITTOFS_A_CONN_ID. kernel -> daemon: the
 *   connection is gone (peer closed, protocol violation, or closed by the
 *   daemon: sent for every connection that ends while a control socket is
 *   registered); DITTOFS_A_STATUS holds the negative errno that ended it
 *   (-ECONNRESET peer closed, -EPROTO protocol violation, -ECONNABORTED
 *   closed by the daemon, -ESHUTDOWN module or control side going away).
 *
 * DITTOFS_CMD_STATS (daemon or dittofsctl -> kernel; implemented)
 *   Counters, in DITTOFS_A_STATS (nested, enum dittofs_stats_attr). Without
 *   NLM_F_DUMP: the module's (or DITTOFS_A_CONN_ID's, when given). With
 *   NLM_F_DUMP: one message per connection (with DITTOFS_A_CONN_ID), then
 *   one for the module as a whole (without). A connection's message also
 *   has DITTOFS_A_SESSION_COUNT, DITTOFS_A_CONN_FLAGS and, when known,
 *   DITTOFS_A_PEER and DITTOFS_A_LOCAL; the module's has DITTOFS_A_EPOCH
 *   and DITTOFS_A_CTL_PRESENT. This is what dittofsctl's "stats" and "conn
 *   list" read in kernel mode, with or without a daemon running.
 *
 * Attributes
 * ==========
 *
 * Listed in enum dittofs_attr below with their netlink types.
 */
#ifndef _UAPI_DITTOFS_NETLINK_H
#define _UAPI_DITTOFS_NETLINK_H

#define DITTOFS_GENL_NAME "DITTOFS"
#define DITTOFS_GENL_VERSION 1

/* Bytes of a PDU per DITTOFS_A_PDU attribute (all chunks but the last). */
#define DITTOFS_PDU_CHUNK 65528

/*
 * Most bytes of a PDU in one PDU_UP message (longer PDUs go in parts, see
 * "PDU_UP in parts"); with its attributes a part stays below 256 KiB.
 */
#define DITTOFS_PDU_PART (256 * 1024 - 4096)

enum dittofs_cmd {
	DITTOFS_CMD_UNSPEC,
	DITTOFS_CMD_HELLO,		/* implemented */
	DITTOFS_CMD_LISTEN,		/* implemented */
	DITTOFS_CMD_PDU_UP,		/* implemented */
	DITTOFS_CMD_PDU_DOWN,		/* implemented */
	DITTOFS_CMD_SEND,		/* implemented */
	DITTOFS_CMD_SESSION_SET,	/* implemented */
	DITTOFS_CMD_SESSION_DEL,	/* implemented */
	DITTOFS_CMD_TREE_SET,		/* implemented */
	DITTOFS_CMD_TREE_DEL,		/* implemented */
	DITTOFS_CMD_FID_SET,		/* implemented */
	DITTOFS_CMD_FID_DEL,		/* implemented */
	DITTOFS_CMD_FID_UPDATE,		/* implemented */
	DITTOFS_CMD_IO_VERDICT,		/* implemented */
	DITTOFS_CMD_CONN_CLOSE,		/* implemented */
	DITTOFS_CMD_STATS,		/* implemented */
	__DITTOFS_CMD_MAX
};
#define DITTOFS_CMD_MAX (__DITTOFS_CMD_MAX - 1)

enum dittofs_attr {
	DITTOFS_A_UNSPEC,
	/* NLA_U64 alignment padding; never sent on its own */
	DITTOFS_A_PAD,
	/* NLA_U32: DITTOFS_GENL_VERSION of the sender */
	DITTOFS_A_VERSION,
	/* NLA_U32: enum dittofs_hello_flag */
	DITTOFS_A_HELLO_FLAGS,
	/* NLA_U64: bit N set when command N is implemented by the module */
	DITTOFS_A_FEATURES,
	/* NLA_NUL_STRING: the module's version string, for logs */
	DITTOFS_A_MODULE_VERSION,
	/* NLA_U32: a listening TCP socket, as an fd of the sending process */
	DITTOFS_A_LISTEN_FD,
	/* NLA_U32: largest NetBIOS payload accepted on a connection */
	DITTOFS_A_MAX_FRAME,
	/* NLA_U64: the kernel's id of a connection; never reused while loaded */
	DITTOFS_A_CONN_ID,
	/* NLA_BINARY: struct sockaddr_in or sockaddr_in6 of the client */
	DITTOFS_A_PEER,
	/* NLA_BINARY: struct sockaddr_in or sockaddr_in6 the client reached */
	DITTOFS_A_LOCAL,
	/*
	 * NLA_BINARY: one SMB2 PDU in wire byte order, from its 64-byte header
	 * to the end of its body (no NetBIOS header, no compound padding);
	 * repeated in chunks of DITTOFS_PDU_CHUNK bytes when longer
	 */
	DITTOFS_A_PDU,
	/* NLA_U32: enum dittofs_pdu_flag, about a PDU_UP */
	DITTOFS_A_PDU_FLAGS,
	/* NLA_U64: SMB2 SessionId (inherited from the previous PDU if related) */
	DITTOFS_A_SESSION_ID,
	/* NLA_U32: SMB2 TreeId (likewise) */
	DITTOFS_A_TREE_ID,
	/* NLA_U32: NTSTATUS of the previous PDU of the same compound */
	DITTOFS_A_PREV_STATUS,
	/* NLA_BINARY, 64 bytes: SHA-512 preauth integrity hash incl. this PDU */
	DITTOFS_A_PREAUTH,
	/* NLA_U32: enum dittofs_rsp_flag, about a PDU_DOWN or SEND */
	DITTOFS_A_RSP_FLAGS,
	/* NLA_U16: the negotiated dialect, e.g. 0x0311 */
	DITTOFS_A_DIALECT,
	/* NLA_U32: enum dittofs_session_flag */
	DITTOFS_A_SESSION_FLAGS,
	/*
	 * NLA_U16: signing algorithm, numbered as in SIGNING_CAPABILITIES:
	 * 0 HMAC-SHA256, 1 AES-CMAC, 2 AES-GMAC
	 */
	DITTOFS_A_SIGN_ALG,
	/* NLA_BINARY, 16 bytes: Session.SigningKey (Channel.SigningKey for a binding) */
	DITTOFS_A_SIGN_KEY,
	/*
	 * NLA_U16: cipher, numbered as in ENCRYPTION_CAPABILITIES:
	 * 1 AES-128-CCM, 2 AES-128-GCM, 3 AES-256-CCM, 4 AES-256-GCM
	 */
	DITTOFS_A_CIPHER,
	/* NLA_BINARY, 16 or 32 bytes: the server's EncryptionKey (server -> client) */
	DITTOFS_A_ENC_KEY,
	/* NLA_BINARY, 16 or 32 bytes: the server's DecryptionKey (client -> server) */
	DITTOFS_A_DEC_KEY,
	/* NLA_U32: enum dittofs_tree_flag */
	DITTOFS_A_TREE_FLAGS,
	/* NLA_U64: FileId.Persistent */
	DITTOFS_A_FID_PERSISTENT,
	/* NLA_U64: FileId.Volatile */
	DITTOFS_A_FID_VOLATILE,
	/* NLA_U32: an open file, as an fd of the sending process */
	DITTOFS_A_FD,
	/* NLA_U32: the open's granted access mask (MS-SMB2 2.2.13.1) */
	DITTOFS_A_ACCESS,
	/* NLA_U32: enum dittofs_fid_flag */
	DITTOFS_A_FID_FLAGS,
	/* NLA_U8: enum dittofs_io_kind */
	DITTOFS_A_IO_KIND,
	/* NLA_U64: file offset of an I/O */
	DITTOFS_A_OFFSET,
	/* NLA_U32: length of an I/O */
	DITTOFS_A_LENGTH,
	/* NLA_U64: matches a PDU_DOWN (IO_VERDICT) answer to its PDU_UP (question) */
	DITTOFS_A_COOKIE,
	/* NLA_U32: an NTSTATUS (IO_VERDICT) or a negative errno (CONN_CLOSE) */
	DITTOFS_A_STATUS,
	/* NLA_NESTED: enum dittofs_stats_attr */
	DITTOFS_A_STATS,
	/* NLA_U32: enum dittofs_conn_flag, in a connection's STATS message */
	DITTOFS_A_CONN_FLAGS,
	/* NLA_U32: sessions installed on a connection (STATS) */
	DITTOFS_A_SESSION_COUNT,
	/* NLA_U32: claims since load; the module's STATS message */
	DITTOFS_A_EPOCH,
	/* NLA_U8: 1 while a control socket is registered (module's STATS) */
	DITTOFS_A_CTL_PRESENT,
	/* NLA_U32: enum dittofs_verdict_flag, with an IO_VERDICT answer */
	DITTOFS_A_VERDICT_FLAGS,
	/* NLA_U32: length of the whole PDU, in every part of a PDU_UP in parts */
	DITTOFS_A_PDU_TOTAL,
	/* NLA_U32: offset in the PDU of this part's first byte (PDU_UP in parts) */
	DITTOFS_A_PDU_OFFSET,
	__DITTOFS_A_LAST
};
#define DITTOFS_A_MAX (__DITTOFS_A_LAST - 1)

enum dittofs_hello_flag {
	/* make this socket the control socket (one at a time; -EBUSY) */
	DITTOFS_HELLO_F_CLAIM = 1U << 0,
	__DITTOFS_HELLO_F_ALL = DITTOFS_HELLO_F_CLAIM
};

enum dittofs_pdu_flag {
	/* SMB2_FLAGS_RELATED_OPERATIONS set and not the first of its compound */
	DITTOFS_PDU_F_RELATED = 1U << 0,
	/* the first PDU of its NetBIOS frame */
	DITTOFS_PDU_F_FIRST = 1U << 1,
	/* carried a signature, and it verified */
	DITTOFS_PDU_F_SIGNED_OK = 1U << 2,
	/* arrived inside an SMB2_TRANSFORM_HEADER and authenticated */
	DITTOFS_PDU_F_ENCRYPTED = 1U << 3,
	/* the last PDU of its compound (an async request elsewhere fails) */
	DITTOFS_PDU_F_LAST = 1U << 4,
	__DITTOFS_PDU_F_ALL = DITTOFS_PDU_F_RELATED | DITTOFS_PDU_F_FIRST |
			      DITTOFS_PDU_F_SIGNED_OK | DITTOFS_PDU_F_ENCRYPTED |
			      DITTOFS_PDU_F_LAST
};

enum dittofs_rsp_flag {
	/* sign with DITTOFS_A_SESSION_ID's key even if the request was not signed */
	DITTOFS_RSP_F_SIGN = 1U << 0,
	/* encrypt with DITTOFS_A_SESSION_ID's key */
	DITTOFS_RSP_F_ENCRYPT = 1U << 1,
	/* close the connection after sending */
	DITTOFS_RSP_F_DROP = 1U << 2,
	/* nothing is sent for this request (e.g. CANCEL) */
	DITTOFS_RSP_F_NO_RESPONSE = 1U << 3,
	__DITTOFS_RSP_F_ALL = DITTOFS_RSP_F_SIGN | DITTOFS_RSP_F_ENCRYPT |
			      DITTOFS_RSP_F_DROP | DITTOFS_RSP_F_NO_RESPONSE
};

enum dittofs_session_flag {
	/* Session.SigningRequired: unsigned requests are refused */
	DITTOFS_SESSION_F_SIGNING_REQUIRED = 1U << 0,
	/* Session.EncryptData: unencrypted requests are refused */
	DITTOFS_SESSION_F_ENCRYPT_DATA = 1U << 1,
	/* the SESSION_SETUP exchange is still running (preauth hash is live) */
	DITTOFS_SESSION_F_IN_SETUP = 1U << 2,
	__DITTOFS_SESSION_F_ALL = DITTOFS_SESSION_F_SIGNING_REQUIRED |
				  DITTOFS_SESSION_F_ENCRYPT_DATA |
				  DITTOFS_SESSION_F_IN_SETUP
};

enum dittofs_tree_flag {
	/* Share.EncryptData: requests on the tree must be encrypted */
	DITTOFS_TREE_F_ENCRYPT_DATA = 1U << 0,
	/* the share is read-only: the fast path refuses WRITE */
	DITTOFS_TREE_F_READ_ONLY = 1U << 1,
	__DITTOFS_TREE_F_ALL = DITTOFS_TREE_F_ENCRYPT_DATA |
			       DITTOFS_TREE_F_READ_ONLY
};

enum dittofs_fid_flag {
	/* READ may run in the kernel without asking (no locks, no break) */
	DITTOFS_FID_F_FAST_READ = 1U << 0,
	/* WRITE likewise */
	DITTOFS_FID_F_FAST_WRITE = 1U << 1,
	/*
	 * READ/WRITE without their FAST_ flag still run in the kernel, each
	 * after an IO_VERDICT from the daemon (the file has byte-range locks)
	 */
	DITTOFS_FID_F_ASK = 1U << 2,
	/*
	 * WRITE (only) runs in the kernel after an IO_VERDICT: the daemon has
	 * work to do first (level II oplocks to break, the delayed write
	 * time). While no control socket is registered it runs without asking.
	 */
	DITTOFS_FID_F_ASK_WRITE = 1U << 3,
	__DITTOFS_FID_F_ALL = DITTOFS_FID_F_FAST_READ | DITTOFS_FID_F_FAST_WRITE |
			      DITTOFS_FID_F_ASK | DITTOFS_FID_F_ASK_WRITE
};

enum dittofs_verdict_flag {
	/*
	 * the allowed WRITE must leave the file's mtime as it was before it
	 * (the daemon moves the write time itself, later: delayed update)
	 */
	DITTOFS_VERDICT_F_KEEP_MTIME = 1U << 0,
	__DITTOFS_VERDICT_F_ALL = DITTOFS_VERDICT_F_KEEP_MTIME
};

enum dittofs_conn_flag {
	/*
	 * accepted while an earlier daemon held the control socket: the
	 * current one never saw it (see "Daemon restart" above)
	 */
	DITTOFS_CONN_F_STALE = 1U << 0,
};

enum dittofs_io_kind {
	DITTOFS_IO_READ = 1,
	DITTOFS_IO_WRITE = 2,
};

/* Inside DITTOFS_A_STATS; all NLA_U64 counters since load (or connect). */
enum dittofs_stats_attr {
	DITTOFS_STATS_A_UNSPEC,
	DITTOFS_STATS_A_PAD,
	DITTOFS_STATS_A_CONNECTIONS,	/* accepted (module) or 1 (connection) */
	DITTOFS_STATS_A_PDUS_UP,	/* PDUs handed to the daemon */
	DITTOFS_STATS_A_PDUS_FAST,	/* READ/WRITE served in the kernel */
	DITTOFS_STATS_A_BYTES_READ,	/* file bytes sent by fast-path READ */
	DITTOFS_STATS_A_BYTES_WRITTEN,	/* file bytes stored by fast-path WRITE */
	DITTOFS_STATS_A_SIGN_FAILURES,	/* requests whose signature did not verify */
	DITTOFS_STATS_A_DECRYPT_FAILURES, /* transform messages that did not authenticate */
	DITTOFS_STATS_A_IO_VERDICTS,	/* IO_VERDICT questions sent to the daemon */
	/*
	 * Not a running total: bytes of request and response buffers the
	 * module holds now (all connections, or this one)
	 */
	DITTOFS_STATS_A_BUFFER_BYTES,
	__DITTOFS_STATS_A_LAST
};
#define DITTOFS_STATS_A_MAX (__DITTOFS_STATS_A_LAST - 1)

#endif /* _UAPI_DITTOFS_NETLINK_H */

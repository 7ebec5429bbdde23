// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel_mode.c - dittofsd as the control side of dittofs.ko.
 *
 * The module owns the sockets and the data plane; it hands us one request
 * PDU at a time (DITTOFS_CMD_PDU_UP) and we answer with DITTOFS_CMD_PDU_DOWN,
 * running exactly the handlers user mode runs (dfs_user_dp_ops). Around
 * each answer we install in the module what its data plane needs to sign,
 * encrypt and serve READ/WRITE itself: session keys (SESSION_SET), trees
 * (TREE_SET) and opens (FID_SET). Everything goes over one generic netlink
 * socket, without acknowledgments once running: the module processes our
 * messages in order, so a SESSION_SET sent before a PDU_DOWN is in place
 * when the response is signed. Errors come back as netlink error messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "common/uapi/dittofs_netlink.h"
#include "userd/server.h"
#include "userd/config.h"
#include "userd/kernel_mode.h"
#include "userd/kmod_query.h"
#include "userd/limits.h"
#include "userd/log.h"
#include "userd/smb2_lease.h"

/* Large enough for one PDU of DFS_MAX_FRAME plus attributes */
#define NL_BUF_SIZE (DFS_MAX_FRAME + 64 * 1024)

enum { KSTATE_NONE, KSTATE_SETUP, KSTATE_VALID };

struct dfs_kernel {
	struct nl_sock *sk;
	int family;
	struct dfs_server *srv;
};

static struct nla_policy policy[DITTOFS_A_MAX + 1] = {
	[DITTOFS_A_VERSION] = { .type = NLA_U32 },
	[DITTOFS_A_CONN_ID] = { .type = NLA_U64 },
	[DITTOFS_A_COOKIE] = { .type = NLA_U64 },
	[DITTOFS_A_PDU] = { .type = NLA_UNSPEC },
	[DITTOFS_A_PDU_FLAGS] = { .type = NLA_U32 },
	[DITTOFS_A_SESSION_ID] = { .type = NLA_U64 },
	[DITTOFS_A_TREE_ID] = { .type = NLA_U32 },
	[DITTOFS_A_PREV_STATUS] = { .type = NLA_U32 },
	[DITTOFS_A_PREAUTH] = { .type = NLA_UNSPEC },
	[DITTOFS_A_PEER] = { .type = NLA_UNSPEC },
	[DITTOFS_A_STATUS] = { .type = NLA_U32 },
	[DITTOFS_A_FID_PERSISTENT] = { .type = NLA_U64 },
	[DITTOFS_A_FID_VOLATILE] = { .type = NLA_U64 },
	[DITTOFS_A_IO_KIND] = { .type = NLA_U8 },
	[DITTOFS_A_OFFSET] = { .type = NLA_U64 },
	[DITTOFS_A_LENGTH] = { .type = NLA_U32 },
	[DITTOFS_A_PDU_TOTAL] = { .type = NLA_U32 },
	[DITTOFS_A_PDU_OFFSET] = { .type = NLA_U32 },
};

bool dfs_kernel_module_loaded(void)
{
	return access("/sys/module/dittofs", F_OK) == 0;
}

static struct nl_msg *new_msg(struct dfs_kernel *k, u8 cmd, size_t payload)
{
	struct nl_msg *msg = nlmsg_alloc_size(payload + 4096);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0,
				NLM_F_REQUEST, cmd, DITTOFS_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		log_err("kernel mode: out of memory for a netlink message");
	return msg;
}

static int send_msg(struct dfs_kernel *k, struct nl_msg *msg)
{
	int rc = nl_send_auto(k->sk, msg);

	nlmsg_free(msg);
	if (rc < 0) {
		log_err("kernel mode: netlink send: %s", nl_geterror(rc));
		return -1;
	}
	return 0;
}

/*
 * A PDU may be longer than one netlink attribute can be (16-bit length):
 * it goes as consecutive DITTOFS_A_PDU chunks, joined in order by the
 * receiver (common/uapi/dittofs_netlink.h).
 */
static int put_pdu(struct nl_msg *msg, const u8 *pdu, u32 len)
{
	u32 off = 0;

	while (off < len) {
		u32 n = len - off > DITTOFS_PDU_CHUNK ? DITTOFS_PDU_CHUNK : len - off;

		if (nla_put(msg, DITTOFS_A_PDU, (int)n, pdu + off) < 0)
			return -1;
		off += n;
	}
	return 0;
}

/*
 * Append the DITTOFS_A_PDU chunks of a message to c->in (unused by the
 * connection in kernel mode) at off, the PDU being at most limit bytes
 * long. Returns the bytes appended, -1 when they would pass limit.
 */
static long join_pdu(struct dfs_conn *c, struct nlmsghdr *nlh, size_t off,
		     size_t limit)
{
	struct nlattr *a;
	size_t len = off;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		size_t n = (size_t)nla_len(a);

		if (nla_type(a) != DITTOFS_A_PDU)
			continue;
		if (n > limit || len > limit - n)
			return -1;
		if (len + n > c->in_cap) {
			u8 *p = realloc(c->in, len + n);

			if (!p)
				return -1;
			c->in = p;
			c->in_cap = len + n;
		}
		memcpy(c->in + len, nla_data(a), n);
		len += n;
	}
	return (long)(len - off);
}

/*
 * Take the PDU, or the part of it, a PDU_UP carries into c->in
 * (common/uapi/dittofs_netlink.h, "PDU_UP in parts"). Returns 1 with *len
 * set when the PDU is whole, 0 when more parts are to come, -1 when the
 * message does not fit what came before (the connection is beyond repair).
 */
static int take_pdu(struct dfs_conn *c, struct nlmsghdr *nlh,
		    struct nlattr **tb, u32 *len)
{
	u64 cookie = tb[DITTOFS_A_COOKIE] ? nla_get_u64(tb[DITTOFS_A_COOKIE]) : 0;
	u32 total, off;
	long n;

	if (!tb[DITTOFS_A_PDU_TOTAL]) {
		c->part_total = 0;
		n = join_pdu(c, nlh, 0, DFS_MAX_FRAME);
		if (n < 0)
			return -1;
		*len = (u32)n;
		return 1;
	}
	total = nla_get_u32(tb[DITTOFS_A_PDU_TOTAL]);
	off = tb[DITTOFS_A_PDU_OFFSET] ? nla_get_u32(tb[DITTOFS_A_PDU_OFFSET]) :
	      UINT32_MAX;
	if (off == 0) {
		c->part_cookie = cookie;
		c->part_total = total;
		c->part_got = 0;
	}
	if (!c->part_total || total != c->part_total || total > DFS_MAX_FRAME ||
	    cookie != c->part_cookie || off != c->part_got) {
		log_err("%s: PDU_UP part at %u of %u bytes (request %llu) does not "
			"follow the %u bytes of request %llu", c->peer, off, total,
			(unsigned long long)cookie, c->part_got,
			(unsigned long long)c->part_cookie);
		c->part_total = 0;
		return -1;
	}
	n = join_pdu(c, nlh, off, total);
	if (n <= 0) {
		c->part_total = 0;
		return -1;
	}
	c->part_got += (u32)n;
	if (c->part_got < total)
		return 0;
	c->part_total = 0;
	*len = total;
	return 1;
}

/* ---- state the module's data plane needs ------------------------------- */

static void push_session(struct dfs_kernel *k, struct dfs_session *s, u8 state)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_SESSION_SET, 256);
	u32 flags = 0;

	if (!msg)
		return;
	if (state == KSTATE_SETUP)
		flags |= DITTOFS_SESSION_F_IN_SETUP;
	if (s->dp.signing_required)
		flags |= DITTOFS_SESSION_F_SIGNING_REQUIRED;
	if (s->encrypt_data)
		flags |= DITTOFS_SESSION_F_ENCRYPT_DATA;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, s->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, s->dp.id);
	nla_put_u32(msg, DITTOFS_A_SESSION_FLAGS, flags);
	if (state == KSTATE_VALID && s->dp.sign.alg >= 0) {
		nla_put_u16(msg, DITTOFS_A_SIGN_ALG, (u16)s->dp.sign.alg);
		nla_put(msg, DITTOFS_A_SIGN_KEY, 16, s->signing_key);
	}
	if (state == KSTATE_VALID && s->dp.enc.alg) {
		size_t klen = dfs_cipher_key_len(s->dp.enc.alg);

		nla_put_u16(msg, DITTOFS_A_CIPHER, (u16)s->dp.enc.alg);
		nla_put(msg, DITTOFS_A_ENC_KEY, (int)klen, s->enc_key);
		nla_put(msg, DITTOFS_A_DEC_KEY, (int)klen, s->dec_key);
	}
	if (!send_msg(k, msg))
		s->kernel_state = state;
}

static void push_tree(struct dfs_kernel *k, struct dfs_tree *t)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_TREE_SET, 64);
	u32 flags = (t->encrypt_data ? DITTOFS_TREE_F_ENCRYPT_DATA : 0) |
		    (t->read_only ? DITTOFS_TREE_F_READ_ONLY : 0);

	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, t->sess->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, t->sess->dp.id);
	nla_put_u32(msg, DITTOFS_A_TREE_ID, t->id);
	nla_put_u32(msg, DITTOFS_A_TREE_FLAGS, flags);
	if (!send_msg(k, msg))
		t->in_kernel = true;
}

/*
 * A WRITE on o has work only we do: breaking the level II oplocks on its
 * data (smb2_oplock.c) or the read caching other lease keys hold on it
 * (smb2_lease.c, MS-SMB2 3.3.4.7), or the delayed write time of o
 * (wtime.c), whose first WRITE schedules the update and whose WRITEs must
 * not move a time the client set. Such WRITEs ask first (ASK_WRITE): the
 * data still moves in the module, cheaper than carrying up to 8 MiB up in
 * PDU_UP parts. READs break nothing, leases included: they stay fast.
 */
static bool write_needs_us(struct dfs_server *srv, const struct dfs_open *o)
{
	return !o->wtime.triggered || o->wtime.frozen ||
	       dfs_oplock_level2_held(srv, o) || dfs_lease_other_reader(srv, o);
}

/*
 * What the module may do with READ/WRITE on o: by itself, or after asking
 * us with IO_VERDICT each time (all I/O when the file has byte-range
 * locks, WRITEs while write_needs_us()).
 */
static u32 fast_flags(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 flags = 0;

	if (o->access & FILE_READ_DATA)
		flags |= DITTOFS_FID_F_FAST_READ;
	if ((o->access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) && !o->tree->read_only)
		flags |= write_needs_us(srv, o) ? DITTOFS_FID_F_ASK_WRITE :
			 DITTOFS_FID_F_FAST_WRITE;
	if (flags && dfs_lock_file_locked(srv, o))
		flags = DITTOFS_FID_F_ASK;
	return flags;
}

/* Regular files only: the fast path reads and writes file data. */
static void push_open(struct dfs_kernel *k, struct dfs_open *o)
{
	struct nl_msg *msg;
	u32 flags;

	if (o->is_dir || o->pending || o->fd < 0 || o->tree->ipc || o->stream)
		return;
	/* an open without data access holds an O_PATH fd: nothing to read */
	if (fcntl(o->fd, F_GETFL) & O_PATH)
		return;
	flags = fast_flags(k->srv, o);
	msg = new_msg(k, DITTOFS_CMD_FID_SET, 128);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, o->sess->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, o->sess->dp.id);
	nla_put_u32(msg, DITTOFS_A_TREE_ID, o->tree->id);
	nla_put_u64(msg, DITTOFS_A_FID_PERSISTENT, o->persistent_id);
	nla_put_u64(msg, DITTOFS_A_FID_VOLATILE, o->volatile_id);
	nla_put_u32(msg, DITTOFS_A_FD, (u32)o->fd);
	nla_put_u32(msg, DITTOFS_A_ACCESS, o->access);
	nla_put_u32(msg, DITTOFS_A_FID_FLAGS, flags);
	if (!send_msg(k, msg)) {
		o->in_kernel = true;
		o->kernel_flags = flags;
	}
}

/* Bring the module up to date with what the last request changed. */
static void sync_conn(struct dfs_kernel *k, struct dfs_conn *c, u16 cmd)
{
	struct dfs_server *srv = c->srv;
	struct dfs_session *s;
	struct dfs_tree *t;
	u32 i;

	for (s = c->sessions; s; s = s->next) {
		u8 want = s->state == DFS_SESS_VALID ? KSTATE_VALID : KSTATE_SETUP;

		if (!s->dead && s->kernel_state != want)
			push_session(k, s, want);
		for (t = s->trees; t; t = t->next)
			if (!t->in_kernel && !t->ipc)
				push_tree(k, t);
	}
	if (cmd != SMB2_CREATE)
		return;
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *o = srv->opens[i];

		if (o && !o->in_kernel && o->sess->conn == c)
			push_open(k, o);
	}
}

void dfs_kernel_session_gone(struct dfs_session *s)
{
	struct dfs_kernel *k = s->conn->srv->kernel;
	struct nl_msg *msg;

	if (!k || s->kernel_state == KSTATE_NONE || !s->conn->kernel_id)
		return;
	msg = new_msg(k, DITTOFS_CMD_SESSION_DEL, 64);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, s->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, s->dp.id);
	send_msg(k, msg);
	s->kernel_state = KSTATE_NONE;
}

void dfs_kernel_tree_gone(struct dfs_tree *t)
{
	struct dfs_kernel *k = t->sess->conn->srv->kernel;
	struct nl_msg *msg;

	if (!k || !t->in_kernel)
		return;
	msg = new_msg(k, DITTOFS_CMD_TREE_DEL, 64);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, t->sess->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, t->sess->dp.id);
	nla_put_u32(msg, DITTOFS_A_TREE_ID, t->id);
	send_msg(k, msg);
	t->in_kernel = false;
}

void dfs_kernel_open_gone(struct dfs_open *o)
{
	struct dfs_kernel *k = o->sess->conn->srv->kernel;
	struct nl_msg *msg;

	if (!k || !o->in_kernel)
		return;
	msg = new_msg(k, DITTOFS_CMD_FID_DEL, 64);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, o->sess->conn->kernel_id);
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, o->sess->dp.id);
	nla_put_u64(msg, DITTOFS_A_FID_PERSISTENT, o->persistent_id);
	nla_put_u64(msg, DITTOFS_A_FID_VOLATILE, o->volatile_id);
	send_msg(k, msg);
	o->in_kernel = false;
}

/*
 * Change what the module may do with x. FID_UPDATE is synchronous: when it
 * returns, no READ/WRITE the old flags allowed is still running.
 */
static void fid_update(struct dfs_kernel *k, struct dfs_open *x, u32 flags)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_FID_UPDATE, 64);

	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_SESSION_ID, x->sess->dp.id);
	nla_put_u64(msg, DITTOFS_A_FID_PERSISTENT, x->persistent_id);
	nla_put_u64(msg, DITTOFS_A_FID_VOLATILE, x->volatile_id);
	nla_put_u32(msg, DITTOFS_A_FID_FLAGS, flags);
	if (!send_msg(k, msg))
		x->kernel_flags = flags;
}

/*
 * A lock is about to be granted on o's file: its opens go from the fast
 * path to asking (IO_VERDICT) before each READ/WRITE. FID_UPDATE is
 * synchronous: it returns once every READ/WRITE the module was already
 * allowed has finished, so none of them overlaps the new lock. Sent for
 * every lock, before it is recorded and answered.
 */
void dfs_kernel_file_locked(struct dfs_open *o)
{
	struct dfs_server *srv = o->sess->conn->srv;
	struct dfs_kernel *k = srv->kernel;
	u32 i;

	if (!k)
		return;
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *x = srv->opens[i];

		if (!x || !x->in_kernel || x->is_dir ||
		    (x != o && (x->dev != o->dev || x->ino != o->ino)))
			continue;
		fid_update(k, x, fast_flags(srv, x) ? DITTOFS_FID_F_ASK : 0);
	}
}

void dfs_kernel_data_changed(struct dfs_server *srv, u64 dev, u64 ino)
{
	struct dfs_kernel *k = srv->kernel;
	u32 i, flags;

	if (!k)
		return;
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *x = srv->opens[i];

		if (!x || !x->in_kernel || x->dev != dev || x->ino != ino)
			continue;
		flags = fast_flags(srv, x);
		if (flags != x->kernel_flags)
			fid_update(k, x, flags);
	}
}

void dfs_kernel_file_changed(struct dfs_server *srv, const struct dfs_open *o)
{
	dfs_kernel_data_changed(srv, o->dev, o->ino);
}

void dfs_kernel_conn_gone(struct dfs_conn *c)
{
	struct dfs_kernel *k = c->srv->kernel;
	struct nl_msg *msg;

	/* kernel_id is cleared when the module told us it is gone already */
	if (!k || !c->kernel_id)
		return;
	msg = new_msg(k, DITTOFS_CMD_CONN_CLOSE, 32);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, c->kernel_id);
	send_msg(k, msg);
}

int dfs_kernel_send_pdu(struct dfs_conn *c, struct dfs_session *s, bool sign,
			bool encrypt, const u8 *pdu, u32 len)
{
	struct dfs_kernel *k = c->srv->kernel;
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_SEND, len);
	u32 flags = (sign ? DITTOFS_RSP_F_SIGN : 0) | (encrypt ? DITTOFS_RSP_F_ENCRYPT : 0);

	if (!msg)
		return -ENOMEM;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, c->kernel_id);
	if (put_pdu(msg, pdu, len)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_put_u32(msg, DITTOFS_A_RSP_FLAGS, flags);
	if (s)
		nla_put_u64(msg, DITTOFS_A_SESSION_ID, s->dp.id);
	return send_msg(k, msg) ? -EIO : 0;
}

/* ---- requests from the module ------------------------------------------ */

static struct dfs_conn *find_conn(struct dfs_server *srv, u64 id)
{
	struct dfs_conn *c;

	for (c = srv->conns; c; c = c->next)
		if (c->kernel_id == id)
			return c;
	return NULL;
}

static void peer_name(struct nlattr *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	u16 port = 0;

	if (a && nla_len(a) >= (int)sizeof(struct sockaddr_in6) &&
	    ((struct sockaddr *)nla_data(a))->sa_family == AF_INET6) {
		struct sockaddr_in6 *s6 = nla_data(a);

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	} else if (a && nla_len(a) >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *s4 = nla_data(a);

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	}
	snprintf(out, len, "%s:%u", host, port);
}

static struct dfs_conn *conn_for(struct dfs_server *srv, u64 id, struct nlattr *peer)
{
	struct dfs_conn *c = find_conn(srv, id);
	char name[64];

	if (c)
		return c;
	/* the module drops the connection when we do not answer its first PDU */
	peer_name(peer, name, sizeof(name));
	if (!dfs_limit_conn_ok(srv, name))
		return NULL;
	c = dfs_conn_new(srv, -1, name);
	if (c) {
		c->kernel_id = id;
		log_verbose("%s: connected (kernel connection %llu)", name,
			    (unsigned long long)id);
	}
	return c;
}

static void pdu_down(struct dfs_kernel *k, struct dfs_conn *c, u64 conn_id,
		     struct nlattr *cookie, const struct dfs_pdu_out *out,
		     bool drop, bool negotiate)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_PDU_DOWN, out->len);
	u32 flags = 0;

	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, conn_id);
	if (cookie)
		nla_put_u64(msg, DITTOFS_A_COOKIE, nla_get_u64(cookie));
	if (out->no_response || !out->len)
		flags |= DITTOFS_RSP_F_NO_RESPONSE;
	else if (put_pdu(msg, out->buf, out->len))
		flags |= DITTOFS_RSP_F_DROP;	/* cannot happen below DFS_MAX_FRAME */
	if (out->sign_with) {
		flags |= DITTOFS_RSP_F_SIGN;
		nla_put_u64(msg, DITTOFS_A_SESSION_ID, out->sign_with->id);
	}
	if (drop)
		flags |= DITTOFS_RSP_F_DROP;
	nla_put_u32(msg, DITTOFS_A_RSP_FLAGS, flags);
	if (negotiate && c && c->negotiated)
		nla_put_u16(msg, DITTOFS_A_DIALECT, c->dialect);
	send_msg(k, msg);
}

static void fill_in(struct dfs_pdu_in *in, struct nlattr **tb, const u8 *pdu,
		    u32 len)
{
	u32 flags = tb[DITTOFS_A_PDU_FLAGS] ? nla_get_u32(tb[DITTOFS_A_PDU_FLAGS]) : 0;

	in->buf = pdu;
	in->len = len;
	in->session_id = tb[DITTOFS_A_SESSION_ID] ? nla_get_u64(tb[DITTOFS_A_SESSION_ID]) : 0;
	in->tree_id = tb[DITTOFS_A_TREE_ID] ? nla_get_u32(tb[DITTOFS_A_TREE_ID]) : 0;
	in->prev_status = tb[DITTOFS_A_PREV_STATUS] ? nla_get_u32(tb[DITTOFS_A_PREV_STATUS]) : 0;
	in->related = flags & DITTOFS_PDU_F_RELATED;
	in->first = flags & DITTOFS_PDU_F_FIRST;
	in->signed_ok = flags & DITTOFS_PDU_F_SIGNED_OK;
	in->encrypted = flags & DITTOFS_PDU_F_ENCRYPTED;
	in->last = flags & DITTOFS_PDU_F_LAST;
	if (tb[DITTOFS_A_PREAUTH] && nla_len(tb[DITTOFS_A_PREAUTH]) == DFS_PREAUTH_HASH_SIZE)
		in->preauth = nla_data(tb[DITTOFS_A_PREAUTH]);
}

/* A whole PDU, or the first of its parts: it may open the connection. */
static bool first_part(struct nlattr **tb)
{
	return !tb[DITTOFS_A_PDU_OFFSET] ||
	       nla_get_u32(tb[DITTOFS_A_PDU_OFFSET]) == 0;
}

/*
 * One PDU up (in one message or in parts), one PDU down: the same
 * handlers as user mode.
 */
static void on_pdu_up(struct dfs_kernel *k, struct nlmsghdr *nlh,
		      struct nlattr **tb)
{
	struct dfs_pdu_in in = { 0 };
	struct dfs_pdu_out out = { 0 };
	struct dfs_conn *c;
	u32 len = 0;
	u64 id;
	u16 cmd;
	int ret, rc;

	if (!tb[DITTOFS_A_CONN_ID] || !tb[DITTOFS_A_PDU]) {
		log_err("kernel mode: PDU_UP without a connection or a PDU");
		return;
	}
	id = nla_get_u64(tb[DITTOFS_A_CONN_ID]);
	if (!first_part(tb)) {
		/* a later part: its connection was refused or has gone */
		c = find_conn(k->srv, id);
		if (!c)
			return;
	} else {
		c = conn_for(k->srv, id, tb[DITTOFS_A_PEER]);
		if (!c) {
			pdu_down(k, NULL, id, tb[DITTOFS_A_COOKIE], &out, true, false);
			return;
		}
	}
	rc = take_pdu(c, nlh, tb, &len);
	if (rc == 0)
		return;
	if (rc < 0 || len < SMB2_HDR_SIZE) {
		if (rc > 0)
			log_err("%s: PDU_UP with a PDU of %u bytes", c->peer, len);
		out.buf = c->out;
		pdu_down(k, c, id, tb[DITTOFS_A_COOKIE], &out, true, false);
		c->expired = true;
		return;
	}
	fill_in(&in, tb, c->in, len);
	out.buf = c->out;
	out.cap = c->out_cap;
	cmd = dfs_get_le32(in.buf) == SMB1_PROTO_ID ? SMB2_NEGOTIATE :
	      dfs_get_le16(in.buf + SMB2_HDR_COMMAND);
	c->last_rx_ms = dfs_monotonic_ms();
	ret = dfs_user_dp_ops.handle_pdu(c, &in, &out);
	sync_conn(k, c, cmd);
	pdu_down(k, c, id, tb[DITTOFS_A_COOKIE], &out, ret < 0 || out.drop,
		 cmd == SMB2_NEGOTIATE);
	dfs_session_reap(c);
	if (ret < 0 || out.drop)
		c->expired = true;	/* the module drops it; forget it too */
}

/*
 * May this READ/WRITE run in the module? The same byte-range lock check
 * smb2_rw.c makes (MS-SMB2 3.3.5.12, 3.3.5.13), answered with the cookie.
 */
static void on_io_verdict(struct dfs_kernel *k, struct nlattr **tb)
{
	struct dfs_server *srv = k->srv;
	u32 status = STATUS_FILE_CLOSED, slot;
	struct dfs_open *o = NULL;
	struct nl_msg *msg;
	bool write;
	u64 vol;

	if (!tb[DITTOFS_A_CONN_ID] || !tb[DITTOFS_A_COOKIE] ||
	    !tb[DITTOFS_A_SESSION_ID] || !tb[DITTOFS_A_FID_PERSISTENT] ||
	    !tb[DITTOFS_A_FID_VOLATILE] || !tb[DITTOFS_A_IO_KIND] ||
	    !tb[DITTOFS_A_OFFSET] || !tb[DITTOFS_A_LENGTH]) {
		log_err("kernel mode: IO_VERDICT without its attributes");
		return;
	}
	write = nla_get_u8(tb[DITTOFS_A_IO_KIND]) == DITTOFS_IO_WRITE;
	vol = nla_get_u64(tb[DITTOFS_A_FID_VOLATILE]);
	slot = (u32)vol;
	if (slot < srv->opens_cap)
		o = srv->opens[slot];
	if (o && o->volatile_id == vol &&
	    o->persistent_id == nla_get_u64(tb[DITTOFS_A_FID_PERSISTENT]) &&
	    o->sess->dp.id == nla_get_u64(tb[DITTOFS_A_SESSION_ID]))
		status = dfs_lock_check_io(srv, o, nla_get_u64(tb[DITTOFS_A_OFFSET]),
					   nla_get_u32(tb[DITTOFS_A_LENGTH]), write);
	/*
	 * An allowed WRITE does what a WRITE through us does: level II holders
	 * and other keys' read leases are broken before the data changes, and
	 * the write time is ours to move (the module puts the mtime back after
	 * writing).
	 */
	if (!status && write) {
		dfs_wtime_written(o, NULL);
		dfs_oplock_written(srv, o);
	}
	log_debug("IO_VERDICT %s on %s: 0x%08x", write ? "WRITE" : "READ",
		  o ? o->path : "(no open)", status);
	msg = new_msg(k, DITTOFS_CMD_IO_VERDICT, 64);
	if (!msg)
		return;
	nla_put_u64(msg, DITTOFS_A_CONN_ID, nla_get_u64(tb[DITTOFS_A_CONN_ID]));
	nla_put_u64(msg, DITTOFS_A_COOKIE, nla_get_u64(tb[DITTOFS_A_COOKIE]));
	nla_put_u32(msg, DITTOFS_A_STATUS, status);
	if (!status && write)
		nla_put_u32(msg, DITTOFS_A_VERDICT_FLAGS,
			    DITTOFS_VERDICT_F_KEEP_MTIME);
	send_msg(k, msg);
}

static void on_conn_close(struct dfs_kernel *k, struct nlattr **tb)
{
	struct dfs_conn *c;

	if (!tb[DITTOFS_A_CONN_ID])
		return;
	c = find_conn(k->srv, nla_get_u64(tb[DITTOFS_A_CONN_ID]));
	if (!c)
		return;
	c->kernel_id = 0;	/* gone in the module: nothing to tell it */
	dfs_conn_free(c);
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct dfs_kernel *k = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[DITTOFS_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, DITTOFS_A_MAX, policy) < 0) {
		log_err("kernel mode: malformed message from dittofs.ko");
		return NL_SKIP;
	}
	switch (gh->cmd) {
	case DITTOFS_CMD_PDU_UP:
		on_pdu_up(k, nlh, tb);
		break;
	case DITTOFS_CMD_CONN_CLOSE:
		on_conn_close(k, tb);
		break;
	case DITTOFS_CMD_IO_VERDICT:
		on_io_verdict(k, tb);
		break;
	default:
		break;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	(void)nla;
	(void)arg;
	log_err("kernel mode: dittofs.ko refused a request: %s", strerror(-err->error));
	return NL_SKIP;
}

static void on_readable(struct dfs_server *srv)
{
	struct dfs_kernel *k = srv->kernel;
	int rc = nl_recvmsgs_default(k->sk);

	if (rc < 0 && rc != -NLE_AGAIN)
		log_err("kernel mode: netlink receive: %s", nl_geterror(rc));
}

/* ---- module statistics ------------------------------------------------- */

struct stats_reply {
	struct dfs_kernel_stats *out;
	bool got;
};

static int on_stats(struct nl_msg *msg, void *arg)
{
	struct stats_reply *sr = arg;
	struct nlattr *tb[DITTOFS_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DITTOFS_A_MAX, NULL) < 0 ||
	    dfs_kstats_parse(tb[DITTOFS_A_STATS], sr->out) < 0)
		return NL_SKIP;
	sr->got = true;
	return NL_OK;
}

/*
 * The module's counters, on a socket of their own: the control socket is
 * busy with PDUs the module sends whenever it likes, so a request and its
 * reply there could interleave with them.
 */
int dfs_kernel_stats(struct dfs_server *srv, struct dfs_kernel_stats *out)
{
	struct stats_reply sr = { .out = out };
	struct nl_sock *sk;
	struct nl_msg *msg;
	int fam, rc = -1;

	if (!srv->kernel)
		return -1;
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		goto out;
	fam = genl_ctrl_resolve(sk, DITTOFS_GENL_NAME);
	msg = fam < 0 ? NULL : nlmsg_alloc();
	if (!msg)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, NLM_F_REQUEST,
			 DITTOFS_CMD_STATS, DITTOFS_GENL_VERSION)) {
		nlmsg_free(msg);
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_stats, &sr);
	if (nl_send_auto(sk, msg) >= 0 && nl_recvmsgs_default(sk) >= 0 && sr.got)
		rc = 0;
	nlmsg_free(msg);
out:
	if (sk)
		nl_socket_free(sk);
	return rc;
}

/* ---- start and stop ------------------------------------------------------ */

/* Synchronous request with an acknowledgment: only before PDUs flow. */
static int request(struct dfs_kernel *k, struct nl_msg *msg)
{
	int rc;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	rc = nl_send_auto(k->sk, msg);
	nlmsg_free(msg);
	if (rc >= 0)
		rc = nl_wait_for_ack(k->sk);
	return rc;
}

static int hello(struct dfs_kernel *k)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_HELLO, 32);
	int rc;

	if (!msg)
		return -1;
	nla_put_u32(msg, DITTOFS_A_VERSION, DITTOFS_GENL_VERSION);
	nla_put_u32(msg, DITTOFS_A_HELLO_FLAGS, DITTOFS_HELLO_F_CLAIM);
	rc = request(k, msg);
	if (rc < 0) {
		log_err("kernel mode: dittofs.ko refused HELLO: %s%s", nl_geterror(rc),
			rc == -NLE_OPNOTSUPP || rc == -NLE_PROTO_MISMATCH ?
			" (the module and dittofsd are from different versions: "
			"rebuild and reload both)" :
			rc == -NLE_BUSY ? " (another dittofsd is running)" : "");
		return -1;
	}
	return 0;
}

static int listen_on(struct dfs_kernel *k, int fd)
{
	struct nl_msg *msg = new_msg(k, DITTOFS_CMD_LISTEN, 32);
	int rc;

	if (!msg)
		return -1;
	nla_put_u32(msg, DITTOFS_A_LISTEN_FD, (u32)fd);
	nla_put_u32(msg, DITTOFS_A_MAX_FRAME, DFS_MAX_FRAME);
	rc = request(k, msg);
	if (rc < 0) {
		log_err("kernel mode: dittofs.ko refused LISTEN: %s", nl_geterror(rc));
		return -1;
	}
	return 0;
}

/* Room for whole PDUs in both directions (needs CAP_NET_ADMIN). */
static void size_buffers(struct dfs_kernel *k)
{
	int fd = nl_socket_get_fd(k->sk), size = 4 * NL_BUF_SIZE;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		log_err("kernel mode: netlink buffers: %s", strerror(errno));
	nl_socket_set_msg_buf_size(k->sk, NL_BUF_SIZE);
	nl_socket_enable_msg_peek(k->sk);
}

int dfs_kernel_start(struct dfs_server *srv, int listen_fd)
{
	struct dfs_kernel *k = calloc(1, sizeof(*k));

	if (!k)
		return -1;
	k->srv = srv;
	k->sk = nl_socket_alloc();
	if (!k->sk || genl_connect(k->sk)) {
		log_err("kernel mode: cannot open a generic netlink socket");
		goto fail;
	}
	k->family = genl_ctrl_resolve(k->sk, DITTOFS_GENL_NAME);
	if (k->family < 0) {
		log_err("kernel mode: the DITTOFS netlink family is missing: "
			"load the module first (insmod dittofs.ko) or use --mode=user");
		goto fail;
	}
	size_buffers(k);
	nl_socket_modify_cb(k->sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, k);
	if (hello(k) || listen_on(k, listen_fd))
		goto fail;
	/* from here on the module talks first: no sequence numbers to match */
	nl_socket_disable_seq_check(k->sk);
	nl_socket_modify_err_cb(k->sk, NL_CB_CUSTOM, on_error, k);
	nl_socket_set_nonblocking(k->sk);
	srv->kernel = k;
	srv->event_fd = nl_socket_get_fd(k->sk);
	srv->on_event = on_readable;
	return 0;
fail:
	if (k->sk)
		nl_socket_free(k->sk);
	free(k);
	return -1;
}

void dfs_kernel_stop(struct dfs_server *srv)
{
	struct dfs_kernel *k = srv->kernel;

	if (!k)
		return;
	/* closing the claimed socket tells the module the daemon is gone */
	nl_socket_free(k->sk);
	free(k);
	srv->kernel = NULL;
	srv->event_fd = -1;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - the DITTOFS generic netlink family, the only way in from
 * userspace. The contract (commands, attributes, who sends what) is
 * documented in common/uapi/dittofs_netlink.h.
 *
 * The control socket is the one that sent HELLO with DITTOFS_HELLO_F_CLAIM;
 * kernel -> daemon messages are unicast to it. A netlink notifier sees it
 * close; then the listeners stop and requests waiting for the daemon fail,
 * but the connections stay. A later claim from a new socket starts a new
 * epoch (restart.c): what the old daemon installed is forgotten and its
 * sessions are answered as expired.
 *
 * Operations run in parallel (parallel_ops): a SEND blocked on a slow
 * client must not hold up the whole genetlink bus. Every operation needs
 * CAP_NET_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "dittofs.h"
#include "netlink.h"
#include "version.h"
#include "../common/uapi/dittofs_netlink.h"

/* One policy for the whole flat attribute space. */
static const struct nla_policy dfs_genl_policy[DITTOFS_A_MAX + 1] = {
	[DITTOFS_A_VERSION]		= { .type = NLA_U32 },
	[DITTOFS_A_HELLO_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __DITTOFS_HELLO_F_ALL),
	[DITTOFS_A_FEATURES]		= { .type = NLA_U64 },
	[DITTOFS_A_MODULE_VERSION]	= { .type = NLA_NUL_STRING, .len = 64 },
	[DITTOFS_A_LISTEN_FD]		= { .type = NLA_U32 },
	[DITTOFS_A_MAX_FRAME]		= { .type = NLA_U32 },
	[DITTOFS_A_CONN_ID]		= { .type = NLA_U64 },
	[DITTOFS_A_PEER]		= NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	[DITTOFS_A_LOCAL]		= NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	/* may repeat: a long PDU comes in chunks, checked as a whole */
	[DITTOFS_A_PDU]			= { .type = NLA_BINARY },
	[DITTOFS_A_PDU_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __DITTOFS_PDU_F_ALL),
	[DITTOFS_A_SESSION_ID]		= { .type = NLA_U64 },
	[DITTOFS_A_TREE_ID]		= { .type = NLA_U32 },
	[DITTOFS_A_PREV_STATUS]		= { .type = NLA_U32 },
	[DITTOFS_A_PREAUTH]		= NLA_POLICY_EXACT_LEN(64),
	[DITTOFS_A_RSP_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __DITTOFS_RSP_F_ALL),
	[DITTOFS_A_DIALECT]		= { .type = NLA_U16 },
	[DITTOFS_A_SESSION_FLAGS]	= NLA_POLICY_MASK(NLA_U32, __DITTOFS_SESSION_F_ALL),
	[DITTOFS_A_SIGN_ALG]		= NLA_POLICY_MAX(NLA_U16, 2),
	[DITTOFS_A_SIGN_KEY]		= NLA_POLICY_EXACT_LEN(16),
	[DITTOFS_A_CIPHER]		= NLA_POLICY_RANGE(NLA_U16, 1, 4),
	[DITTOFS_A_ENC_KEY]		= NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[DITTOFS_A_DEC_KEY]		= NLA_POLICY_RANGE(NLA_BINARY, 16, 32),
	[DITTOFS_A_TREE_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __DITTOFS_TREE_F_ALL),
	[DITTOFS_A_FID_PERSISTENT]	= { .type = NLA_U64 },
	[DITTOFS_A_FID_VOLATILE]	= { .type = NLA_U64 },
	[DITTOFS_A_FD]			= { .type = NLA_U32 },
	[DITTOFS_A_ACCESS]		= { .type = NLA_U32 },
	[DITTOFS_A_FID_FLAGS]		= NLA_POLICY_MASK(NLA_U32, __DITTOFS_FID_F_ALL),
	[DITTOFS_A_IO_KIND]		= NLA_POLICY_RANGE(NLA_U8, DITTOFS_IO_READ,
							   DITTOFS_IO_WRITE),
	[DITTOFS_A_OFFSET]		= { .type = NLA_U64 },
	[DITTOFS_A_LENGTH]		= { .type = NLA_U32 },
	[DITTOFS_A_COOKIE]		= { .type = NLA_U64 },
	[DITTOFS_A_STATUS]		= { .type = NLA_U32 },
	[DITTOFS_A_STATS]		= { .type = NLA_NESTED },
	/* kernel -> userspace only; typed so that nothing odd gets in */
	[DITTOFS_A_CONN_FLAGS]		= { .type = NLA_U32 },
	[DITTOFS_A_SESSION_COUNT]	= { .type = NLA_U32 },
	[DITTOFS_A_EPOCH]		= { .type = NLA_U32 },
	[DITTOFS_A_CTL_PRESENT]		= { .type = NLA_U8 },
	[DITTOFS_A_VERDICT_FLAGS]	= NLA_POLICY_MASK(NLA_U32, __DITTOFS_VERDICT_F_ALL),
	/* kernel -> userspace only (PDU_UP in parts) */
	[DITTOFS_A_PDU_TOTAL]		= { .type = NLA_U32 },
	[DITTOFS_A_PDU_OFFSET]		= { .type = NLA_U32 },
};


static struct genl_family dfs_genl_family;

struct dfs_counters dfs_totals;

/* ---- the control socket ------------------------------------------------- */

static DEFINE_MUTEX(dfs_ctl_lock);
static u32 dfs_ctl_portid;		/* 0: none */
static bool dfs_ctl_closed;		/* module unloading: never again */

/*
 * The control socket is gone. Its listening sockets go (the next daemon
 * binds its own; meanwhile new clients are refused at once), requests
 * waiting for an answer fail with STATUS_SERVER_UNAVAILABLE, and the
 * connections stay open (restart.c).
 */
static void dfs_ctl_lost(struct work_struct *work)
{
	dfs_listen_stop_all();
	dfs_conn_wake_all();
}

static DECLARE_WORK(dfs_ctl_lost_work, dfs_ctl_lost);

bool dfs_ctl_present(void)
{
	return READ_ONCE(dfs_ctl_portid) != 0;
}

/* Unicast msg to the control socket; consumes msg. */
static int dfs_ctl_unicast(struct sk_buff *msg)
{
	int ret;

	mutex_lock(&dfs_ctl_lock);
	if (!dfs_ctl_portid) {
		mutex_unlock(&dfs_ctl_lock);
		nlmsg_free(msg);
		return -ENOTCONN;
	}
	ret = genlmsg_unicast(&init_net, msg, dfs_ctl_portid);
	mutex_unlock(&dfs_ctl_lock);
	return ret;
}

static int dfs_put_pdu(struct sk_buff *msg, const u8 *pdu, u32 len)
{
	u32 n;

	while (len) {
		n = min(len, DFS_PDU_CHUNK);
		if (nla_put(msg, DITTOFS_A_PDU, n, pdu))
			return -EMSGSIZE;
		pdu += n;
		len -= n;
	}
	return 0;
}

/* Exactly what dfs_put_pdu() adds: a part must fit one 256 KiB buffer. */
static size_t dfs_pdu_attrs_size(u32 len)
{
	size_t size = (len / DFS_PDU_CHUNK) * nla_total_size(DFS_PDU_CHUNK);

	if (len % DFS_PDU_CHUNK)
		size += nla_total_size(len % DFS_PDU_CHUNK);
	return size;
}

static u32 dfs_pdu_up_flags(const struct dfs_pdu_in *in)
{
	u32 flags = 0;

	if (in->related)
		flags |= DITTOFS_PDU_F_RELATED;
	if (in->first)
		flags |= DITTOFS_PDU_F_FIRST;
	if (in->signed_ok)
		flags |= DITTOFS_PDU_F_SIGNED_OK;
	if (in->encrypted)
		flags |= DITTOFS_PDU_F_ENCRYPTED;
	if (in->last)
		flags |= DITTOFS_PDU_F_LAST;
	return flags;
}

/*
 * One PDU_UP message with bytes [off, off + n) of the PDU. A PDU longer
 * than DFS_PDU_PART goes in parts, each saying where it belongs
 * (PDU_TOTAL, PDU_OFFSET); the request's other attributes go in every
 * part, PEER and LOCAL in the first only.
 */
static struct sk_buff *dfs_build_pdu_up(struct dfs_conn *conn,
					const struct dfs_pdu_in *in, u64 cookie,
					u32 off, u32 n)
{
	bool parted = in->len > DFS_PDU_PART;
	struct sk_buff *msg;
	size_t size;
	void *hdr;

	size = dfs_pdu_attrs_size(n) + 4 * nla_total_size_64bit(sizeof(u64)) +
	       6 * nla_total_size(sizeof(u32)) +
	       nla_total_size(DFS_PREAUTH_HASH_SIZE) +
	       2 * nla_total_size(sizeof(struct sockaddr_storage));
	msg = genlmsg_new(size, GFP_KERNEL | __GFP_NOWARN);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &dfs_genl_family, 0, DITTOFS_CMD_PDU_UP);
	if (!hdr)
		goto fail;
	if (nla_put_u64_64bit(msg, DITTOFS_A_CONN_ID, conn->id, DITTOFS_A_PAD) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_COOKIE, cookie, DITTOFS_A_PAD) ||
	    nla_put_u32(msg, DITTOFS_A_PDU_FLAGS, dfs_pdu_up_flags(in)) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_SESSION_ID, in->session_id,
			      DITTOFS_A_PAD) ||
	    nla_put_u32(msg, DITTOFS_A_TREE_ID, in->tree_id) ||
	    nla_put_u32(msg, DITTOFS_A_PREV_STATUS, in->prev_status))
		goto fail;
	if (parted && (nla_put_u32(msg, DITTOFS_A_PDU_TOTAL, in->len) ||
		       nla_put_u32(msg, DITTOFS_A_PDU_OFFSET, off)))
		goto fail;
	if (in->preauth && nla_put(msg, DITTOFS_A_PREAUTH,
				   DFS_PREAUTH_HASH_SIZE, in->preauth))
		goto fail;
	if (!conn->announced && off == 0) {
		if (conn->peer_len > 0 &&
		    nla_put(msg, DITTOFS_A_PEER, conn->peer_len, &conn->peer))
			goto fail;
		if (conn->local_len > 0 &&
		    nla_put(msg, DITTOFS_A_LOCAL, conn->local_len, &conn->local))
			goto fail;
	}
	if (dfs_put_pdu(msg, in->buf + off, n))
		goto fail;
	genlmsg_end(msg, hdr);
	return msg;

fail:
	nlmsg_free(msg);
	return NULL;
}

/*
 * Send one part up. The daemon's receive queue may be full for a moment
 * (-EAGAIN: netlink never blocks a kernel sender), so try again for up to
 * a second before giving up.
 */
static int dfs_send_pdu_part(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			     u64 cookie, u32 off, u32 n)
{
	struct sk_buff *msg;
	int ret = -EAGAIN, tries;

	for (tries = 0; tries < 50; tries++) {
		/* a connection from before the current daemon never goes up */
		if (!dfs_ctl_present() || conn->epoch != dfs_ctl_epoch())
			return -ENOTCONN;
		msg = dfs_build_pdu_up(conn, in, cookie, off, n);
		if (!msg)
			return -ENOMEM;
		ret = dfs_ctl_unicast(msg);
		if (ret != -EAGAIN && ret != -ENOBUFS)
			break;
		msleep(20);
	}
	return ret;
}

/*
 * Send one request up, in parts of at most DFS_PDU_PART bytes: one
 * multi-MiB message would need that much contiguous memory.
 */
int dfs_ctl_send_pdu_up(struct dfs_conn *conn, const struct dfs_pdu_in *in,
			u64 cookie)
{
	u32 off = 0, n;
	int ret;

	do {
		n = min(in->len - off, DFS_PDU_PART);
		ret = dfs_send_pdu_part(conn, in, cookie, off, n);
		if (ret < 0)
			return ret;
		off += n;
	} while (off < in->len);
	conn->announced = true;
	return 0;
}

void dfs_ctl_send_conn_close(u64 id, int status)
{
	struct sk_buff *msg;
	void *hdr;

	if (!dfs_ctl_present())
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &dfs_genl_family, 0,
			  DITTOFS_CMD_CONN_CLOSE);
	if (!hdr ||
	    nla_put_u64_64bit(msg, DITTOFS_A_CONN_ID, id, DITTOFS_A_PAD) ||
	    nla_put_u32(msg, DITTOFS_A_STATUS, (u32)status)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	dfs_ctl_unicast(msg);
}

/* The question of verdict.c: may this READ/WRITE on f run? */
int dfs_ctl_send_verdict(struct dfs_conn *conn, u64 sid, const struct dfs_fid *f,
			 u8 kind, u64 off, u32 len, u64 cookie)
{
	struct sk_buff *msg;
	void *hdr;

	if (!dfs_ctl_present() || conn->epoch != dfs_ctl_epoch())
		return -ENOTCONN;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &dfs_genl_family, 0,
			  DITTOFS_CMD_IO_VERDICT);
	if (!hdr ||
	    nla_put_u64_64bit(msg, DITTOFS_A_CONN_ID, conn->id, DITTOFS_A_PAD) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_COOKIE, cookie, DITTOFS_A_PAD) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_SESSION_ID, sid, DITTOFS_A_PAD) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_FID_PERSISTENT, f->persistent,
			      DITTOFS_A_PAD) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_FID_VOLATILE, f->volatile_id,
			      DITTOFS_A_PAD) ||
	    nla_put_u8(msg, DITTOFS_A_IO_KIND, kind) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_OFFSET, off, DITTOFS_A_PAD) ||
	    nla_put_u32(msg, DITTOFS_A_LENGTH, len)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return dfs_ctl_unicast(msg);
}

static int dfs_nl_notify(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct netlink_notify *n = ptr;
	bool lost = false;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	mutex_lock(&dfs_ctl_lock);
	if (dfs_ctl_portid && n->portid == dfs_ctl_portid) {
		dfs_ctl_portid = 0;
		lost = true;
	}
	mutex_unlock(&dfs_ctl_lock);
	if (lost) {
		pr_info("control socket closed: connections kept, requests fail until dittofsd returns\n");
		schedule_work(&dfs_ctl_lost_work);
	}
	return NOTIFY_DONE;
}

static struct notifier_block dfs_nl_notifier = {
	.notifier_call = dfs_nl_notify,
};

/* ---- helpers for the operations ----------------------------------------- */

static int dfs_need(struct genl_info *info, int attr)
{
	if (info->attrs[attr])
		return 0;
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
	NL_SET_ERR_MSG(info->extack, "dittofs: missing attribute");
	return -EINVAL;
}

static u64 dfs_u64(struct genl_info *info, int attr, u64 def)
{
	return info->attrs[attr] ? nla_get_u64(info->attrs[attr]) : def;
}

static u32 dfs_u32(struct genl_info *info, int attr, u32 def)
{
	return info->attrs[attr] ? nla_get_u32(info->attrs[attr]) : def;
}

/* The total length of the (possibly chunked) DITTOFS_A_PDU. */
static u32 dfs_pdu_len(struct genl_info *info)
{
	const struct nlattr *a;
	u32 total = 0;
	int rem;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		if (nla_type(a) == DITTOFS_A_PDU)
			total += nla_len(a);
	return total;
}

/* Copy the chunks of DITTOFS_A_PDU to dst (which holds dfs_pdu_len()). */
static void dfs_pdu_copy(struct genl_info *info, u8 *dst)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(a) == DITTOFS_A_PDU) {
			memcpy(dst, nla_data(a), nla_len(a));
			dst += nla_len(a);
		}
	}
}

static struct dfs_conn *dfs_conn_of(struct genl_info *info)
{
	struct dfs_conn *conn;

	if (dfs_need(info, DITTOFS_A_CONN_ID))
		return ERR_PTR(-EINVAL);
	conn = dfs_conn_get(nla_get_u64(info->attrs[DITTOFS_A_CONN_ID]));
	if (!conn) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DITTOFS_A_CONN_ID],
				    "dittofs: no such connection");
		return ERR_PTR(-ENOENT);
	}
	return conn;
}

/* ---- operations --------------------------------------------------------- */

/* Bit N: command N is implemented by this build. */
#define DFS_GENL_FEATURES (BIT_ULL(DITTOFS_CMD_HELLO) |			\
	BIT_ULL(DITTOFS_CMD_LISTEN) | BIT_ULL(DITTOFS_CMD_PDU_UP) |	\
	BIT_ULL(DITTOFS_CMD_PDU_DOWN) | BIT_ULL(DITTOFS_CMD_SEND) |	\
	BIT_ULL(DITTOFS_CMD_SESSION_SET) | BIT_ULL(DITTOFS_CMD_SESSION_DEL) | \
	BIT_ULL(DITTOFS_CMD_TREE_SET) | BIT_ULL(DITTOFS_CMD_TREE_DEL) |	\
	BIT_ULL(DITTOFS_CMD_FID_SET) | BIT_ULL(DITTOFS_CMD_FID_DEL) |	\
	BIT_ULL(DITTOFS_CMD_FID_UPDATE) | BIT_ULL(DITTOFS_CMD_CONN_CLOSE) | \
	BIT_ULL(DITTOFS_CMD_STATS) | BIT_ULL(DITTOFS_CMD_IO_VERDICT))

static int dfs_genl_hello(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	u32 version;

	if (GENL_REQ_ATTR_CHECK(info, DITTOFS_A_VERSION))
		return -EINVAL;
	version = nla_get_u32(info->attrs[DITTOFS_A_VERSION]);
	if (version != DITTOFS_GENL_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DITTOFS_A_VERSION],
				    "dittofs: unsupported protocol version");
		return -EPROTONOSUPPORT;
	}

	if (dfs_u32(info, DITTOFS_A_HELLO_FLAGS, 0) & DITTOFS_HELLO_F_CLAIM) {
		/* what the previous daemon left must be gone first */
		flush_work(&dfs_ctl_lost_work);
		mutex_lock(&dfs_ctl_lock);
		if (dfs_ctl_closed || (dfs_ctl_portid &&
				       dfs_ctl_portid != info->snd_portid)) {
			mutex_unlock(&dfs_ctl_lock);
			NL_SET_ERR_MSG(info->extack,
				       "dittofs: another control socket is registered");
			return -EBUSY;
		}
		if (dfs_ctl_portid != info->snd_portid) {
			/* a new daemon knows nothing of the old one's state */
			dfs_restart_new_epoch();
			pr_info("control socket registered (port %u, epoch %u)\n",
				info->snd_portid, dfs_ctl_epoch());
		}
		dfs_ctl_portid = info->snd_portid;
		mutex_unlock(&dfs_ctl_lock);
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dfs_genl_family, 0,
				DITTOFS_CMD_HELLO);
	if (!hdr)
		goto nla_put_failure;
	if (nla_put_u32(msg, DITTOFS_A_VERSION, DITTOFS_GENL_VERSION) ||
	    nla_put_u64_64bit(msg, DITTOFS_A_FEATURES, DFS_GENL_FEATURES,
			      DITTOFS_A_PAD) ||
	    nla_put_string(msg, DITTOFS_A_MODULE_VERSION,
			   DITTOFS_MODULE_VERSION))
		goto nla_put_failure;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int dfs_genl_listen(struct sk_buff *skb, struct genl_info *info)
{
	u32 max_frame = dfs_u32(info, DITTOFS_A_MAX_FRAME,
				DFS_MAX_FRAME_DEFAULT);
	int ret;

	if (dfs_need(info, DITTOFS_A_LISTEN_FD))
		return -EINVAL;
	if (max_frame < DFS_MAX_FRAME_MIN || max_frame > DFS_MAX_FRAME_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DITTOFS_A_MAX_FRAME],
				    "dittofs: max frame out of range");
		return -ERANGE;
	}
	ret = dfs_listen_add(nla_get_u32(info->attrs[DITTOFS_A_LISTEN_FD]),
			     max_frame);
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DITTOFS_A_LISTEN_FD],
				    "dittofs: not a listening TCP socket");
	return ret;
}

static int dfs_genl_pdu_down(struct sk_buff *skb, struct genl_info *info)
{
	u32 flags = dfs_u32(info, DITTOFS_A_RSP_FLAGS, 0);
	struct dfs_pdu_out *out;
	struct dfs_conn *conn;
	u32 len;
	int ret = 0;

	if (dfs_need(info, DITTOFS_A_COOKIE))
		return -EINVAL;
	if ((flags & DITTOFS_RSP_F_SIGN) && dfs_need(info, DITTOFS_A_SESSION_ID))
		return -EINVAL;
	len = dfs_pdu_len(info);
	if (!(flags & DITTOFS_RSP_F_NO_RESPONSE) && len < SMB2_HDR_SIZE) {
		NL_SET_ERR_MSG(info->extack, "dittofs: no response PDU");
		return -EINVAL;
	}
	conn = dfs_conn_of(info);
	if (IS_ERR(conn))
		return PTR_ERR(conn);

	mutex_lock(&conn->up_lock);
	out = conn->up_out;
	if (conn->up_state != DFS_UP_WAITING || !out ||
	    nla_get_u64(info->attrs[DITTOFS_A_COOKIE]) != conn->up_seq) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DITTOFS_A_COOKIE],
				    "dittofs: no request with this cookie is waiting");
		ret = -ESTALE;
		goto out;
	}
	if (!(flags & DITTOFS_RSP_F_NO_RESPONSE)) {
		if (len > out->cap) {
			/* the request fails; the daemon hears why */
			NL_SET_ERR_MSG(info->extack, "dittofs: response too long");
			conn->up_err = -EMSGSIZE;
			ret = -EMSGSIZE;
			goto done;
		}
		dfs_pdu_copy(info, out->buf);
		out->len = len;
	}
	conn->up_rsp_flags = flags;
	conn->up_sign_sid = dfs_u64(info, DITTOFS_A_SESSION_ID, 0);
	conn->up_dialect = info->attrs[DITTOFS_A_DIALECT] ?
			   nla_get_u16(info->attrs[DITTOFS_A_DIALECT]) : 0;
done:
	conn->up_state = DFS_UP_DONE;
	conn->rsp_given++;
	wake_up_all(&conn->up_wq);
out:
	mutex_unlock(&conn->up_lock);
	dfs_conn_put(conn);
	return ret;
}

static int dfs_genl_send(struct sk_buff *skb, struct genl_info *info)
{
	u32 flags = dfs_u32(info, DITTOFS_A_RSP_FLAGS, 0);
	u64 sid = dfs_u64(info, DITTOFS_A_SESSION_ID, 0);
	struct dfs_ksession *s;
	struct dfs_conn *conn;
	u32 len, out_len = 0;
	u8 *buf;
	int ret;

	len = dfs_pdu_len(info);
	if (len < SMB2_HDR_SIZE) {
		NL_SET_ERR_MSG(info->extack, "dittofs: no PDU to send");
		return -EINVAL;
	}
	conn = dfs_conn_of(info);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	if (len > conn->max_frame - SMB2_TRANSFORM_HDR_SIZE) {
		ret = -EMSGSIZE;
		goto out_put;
	}
	buf = kvmalloc(DFS_DP_ASYNC_ROOM + len, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_put;
	}
	dfs_pdu_copy(info, buf + DFS_DP_ASYNC_ROOM);

	dfs_conn_send_in_order(conn);
	mutex_lock(&conn->lock);
	if (conn->dead) {
		ret = -ENOTCONN;
	} else {
		s = sid ? dfs_session_find(conn, sid) : NULL;
		if ((flags & (DITTOFS_RSP_F_SIGN | DITTOFS_RSP_F_ENCRYPT)) && !s)
			ret = -ENOENT;
		else
			ret = dfs_dp_async_frame(&conn->dp, s ? &s->dp : NULL,
						 flags & DITTOFS_RSP_F_SIGN,
						 flags & DITTOFS_RSP_F_ENCRYPT,
						 buf, len, &out_len);
	}
	mutex_unlock(&conn->lock);
	if (!ret)
		ret = dfs_conn_send(conn, buf, out_len);
	if (!ret && (flags & DITTOFS_RSP_F_DROP))
		dfs_conn_close(conn, -ECONNABORTED);
	kvfree(buf);
out_put:
	dfs_conn_put(conn);
	return ret;
}

static int dfs_genl_session_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dfs_session_keys k = { .sign_alg = -1 };
	struct nlattr **a = info->attrs;
	struct dfs_conn *conn;
	int ret;

	if (dfs_need(info, DITTOFS_A_SESSION_ID))
		return -EINVAL;
	k.flags = dfs_u32(info, DITTOFS_A_SESSION_FLAGS, 0);
	if (!!a[DITTOFS_A_SIGN_ALG] != !!a[DITTOFS_A_SIGN_KEY]) {
		NL_SET_ERR_MSG(info->extack,
			       "dittofs: SIGN_ALG and SIGN_KEY go together");
		return -EINVAL;
	}
	if (a[DITTOFS_A_SIGN_ALG]) {
		k.sign_alg = nla_get_u16(a[DITTOFS_A_SIGN_ALG]);
		k.sign_key = nla_data(a[DITTOFS_A_SIGN_KEY]);
	}
	if (a[DITTOFS_A_CIPHER] || a[DITTOFS_A_ENC_KEY] || a[DITTOFS_A_DEC_KEY]) {
		if (!a[DITTOFS_A_CIPHER] || !a[DITTOFS_A_ENC_KEY] ||
		    !a[DITTOFS_A_DEC_KEY]) {
			NL_SET_ERR_MSG(info->extack,
				       "dittofs: CIPHER, ENC_KEY and DEC_KEY go together");
			return -EINVAL;
		}
		k.cipher = nla_get_u16(a[DITTOFS_A_CIPHER]);
		k.key_len = dfs_cipher_key_len(k.cipher);
		if (nla_len(a[DITTOFS_A_ENC_KEY]) != k.key_len ||
		    nla_len(a[DITTOFS_A_DEC_KEY]) != k.key_len) {
			NL_SET_ERR_MSG(info->extack,
				       "dittofs: key length does not match the cipher");
			return -EINVAL;
		}
		k.enc_key = nla_data(a[DITTOFS_A_ENC_KEY]);
		k.dec_key = nla_data(a[DITTOFS_A_DEC_KEY]);
	}
	conn = dfs_conn_of(info);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	ret = dfs_session_set(conn, nla_get_u64(a[DITTOFS_A_SESSION_ID]), &k);
	dfs_conn_put(conn);
	return ret;
}

static int dfs_genl_session_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dfs_conn *conn;
	int ret = -ENOENT;
	u64 sid;

	if (dfs_need(info, DITTOFS_A_SESSION_ID))
		return -EINVAL;
	sid = nla_get_u64(info->attrs[DITTOFS_A_SESSION_ID]);
	if (info->attrs[DITTOFS_A_CONN_ID]) {
		conn = dfs_conn_of(info);
		if (IS_ERR(conn))
			return PTR_ERR(conn);
		ret = dfs_session_del(conn, sid);
		dfs_conn_put(conn);
		/* the last channel took the session's trees and opens along */
		if (!dfs_session_anywhere(sid))
			dfs_state_purge_session(sid);
		return ret;
	}
	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node)
		if (!dfs_session_del(conn, sid))
			ret = 0;
	mutex_unlock(&dfs_conns_lock);
	dfs_state_purge_session(sid);
	return ret;
}

static int dfs_genl_tree_set(struct sk_buff *skb, struct genl_info *info)
{
	if (dfs_need(info, DITTOFS_A_SESSION_ID) ||
	    dfs_need(info, DITTOFS_A_TREE_ID))
		return -EINVAL;
	return dfs_tree_set(nla_get_u64(info->attrs[DITTOFS_A_SESSION_ID]),
			    nla_get_u32(info->attrs[DITTOFS_A_TREE_ID]),
			    dfs_u32(info, DITTOFS_A_TREE_FLAGS, 0));
}

static int dfs_genl_tree_del(struct sk_buff *skb, struct genl_info *info)
{
	if (dfs_need(info, DITTOFS_A_SESSION_ID) ||
	    dfs_need(info, DITTOFS_A_TREE_ID))
		return -EINVAL;
	return dfs_tree_del(nla_get_u64(info->attrs[DITTOFS_A_SESSION_ID]),
			    nla_get_u32(info->attrs[DITTOFS_A_TREE_ID]));
}

static int dfs_need_fid(struct genl_info *info)
{
	if (dfs_need(info, DITTOFS_A_SESSION_ID) ||
	    dfs_need(info, DITTOFS_A_FID_PERSISTENT) ||
	    dfs_need(info, DITTOFS_A_FID_VOLATILE))
		return -EINVAL;
	return 0;
}

static int dfs_genl_fid_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct file *file;
	int ret;

	if (dfs_need_fid(info) || dfs_need(info, DITTOFS_A_TREE_ID) ||
	    dfs_need(info, DITTOFS_A_FD))
		return -EINVAL;
	/* we run in the sender's context: the fd is one of the daemon's */
	file = fget(nla_get_u32(a[DITTOFS_A_FD]));
	if (!file) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[DITTOFS_A_FD],
				    "dittofs: bad file descriptor");
		return -EBADF;
	}
	ret = dfs_fid_set(nla_get_u64(a[DITTOFS_A_SESSION_ID]),
			  nla_get_u32(a[DITTOFS_A_TREE_ID]),
			  nla_get_u64(a[DITTOFS_A_FID_PERSISTENT]),
			  nla_get_u64(a[DITTOFS_A_FID_VOLATILE]), file,
			  dfs_u32(info, DITTOFS_A_ACCESS, 0),
			  dfs_u32(info, DITTOFS_A_FID_FLAGS, 0));
	if (ret)
		fput(file);
	return ret;
}

static int dfs_genl_fid_del(struct sk_buff *skb, struct genl_info *info)
{
	if (dfs_need_fid(info))
		return -EINVAL;
	return dfs_fid_del(nla_get_u64(info->attrs[DITTOFS_A_SESSION_ID]),
			   nla_get_u64(info->attrs[DITTOFS_A_FID_PERSISTENT]),
			   nla_get_u64(info->attrs[DITTOFS_A_FID_VOLATILE]));
}

static int dfs_genl_fid_update(struct sk_buff *skb, struct genl_info *info)
{
	if (dfs_need_fid(info) || dfs_need(info, DITTOFS_A_FID_FLAGS))
		return -EINVAL;
	return dfs_fid_update(nla_get_u64(info->attrs[DITTOFS_A_SESSION_ID]),
			      nla_get_u64(info->attrs[DITTOFS_A_FID_PERSISTENT]),
			      nla_get_u64(info->attrs[DITTOFS_A_FID_VOLATILE]),
			      nla_get_u32(info->attrs[DITTOFS_A_FID_FLAGS]));
}

static int dfs_genl_io_verdict(struct sk_buff *skb, struct genl_info *info)
{
	struct dfs_conn *conn;
	int ret;

	if (dfs_need(info, DITTOFS_A_COOKIE) || dfs_need(info, DITTOFS_A_STATUS))
		return -EINVAL;
	conn = dfs_conn_of(info);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	ret = dfs_verdict_answer(conn, nla_get_u64(info->attrs[DITTOFS_A_COOKIE]),
				 nla_get_u32(info->attrs[DITTOFS_A_STATUS]),
				 dfs_u32(info, DITTOFS_A_VERDICT_FLAGS, 0));
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DITTOFS_A_COOKIE],
				    "dittofs: no question with this cookie is waiting");
	dfs_conn_put(conn);
	return ret;
}

static int dfs_genl_conn_close(struct sk_buff *skb, struct genl_info *info)
{
	struct dfs_conn *conn = dfs_conn_of(info);

	if (IS_ERR(conn))
		return PTR_ERR(conn);
	dfs_conn_close(conn, -ECONNABORTED);
	dfs_conn_put(conn);
	return 0;
}

static int dfs_put_stats(struct sk_buff *msg, const struct dfs_counters *c)
{
	static const struct {
		int attr;
		size_t off;
	} f[] = {
		{ DITTOFS_STATS_A_CONNECTIONS, offsetof(struct dfs_counters, connections) },
		{ DITTOFS_STATS_A_PDUS_UP, offsetof(struct dfs_counters, pdus_up) },
		{ DITTOFS_STATS_A_PDUS_FAST, offsetof(struct dfs_counters, pdus_fast) },
		{ DITTOFS_STATS_A_BYTES_READ, offsetof(struct dfs_counters, bytes_read) },
		{ DITTOFS_STATS_A_BYTES_WRITTEN, offsetof(struct dfs_counters, bytes_written) },
		{ DITTOFS_STATS_A_SIGN_FAILURES, offsetof(struct dfs_counters, sign_failures) },
		{ DITTOFS_STATS_A_DECRYPT_FAILURES, offsetof(struct dfs_counters, decrypt_failures) },
		{ DITTOFS_STATS_A_IO_VERDICTS, offsetof(struct dfs_counters, io_verdicts) },
		{ DITTOFS_STATS_A_BUFFER_BYTES, offsetof(struct dfs_counters, buffer_bytes) },
	};
	struct nlattr *nest;
	size_t i;

	nest = nla_nest_start(msg, DITTOFS_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		const atomic64_t *v = (const void *)c + f[i].off;

		if (nla_put_u64_64bit(msg, f[i].attr, atomic64_read(v),
				      DITTOFS_STATS_A_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* What dittofsctl's "conn list" shows about a connection besides counters. */
static int dfs_put_conn_info(struct sk_buff *msg, struct dfs_conn *conn)
{
	struct dfs_ksession *s;
	u32 n = 0;

	spin_lock(&conn->sess_lock);
	list_for_each_entry(s, &conn->sessions, node)
		n++;
	spin_unlock(&conn->sess_lock);
	if (nla_put_u64_64bit(msg, DITTOFS_A_CONN_ID, conn->id, DITTOFS_A_PAD) ||
	    nla_put_u32(msg, DITTOFS_A_SESSION_COUNT, n) ||
	    nla_put_u32(msg, DITTOFS_A_CONN_FLAGS,
			conn->epoch != dfs_ctl_epoch() ? DITTOFS_CONN_F_STALE : 0))
		return -EMSGSIZE;
	if (conn->peer_len > 0 &&
	    nla_put(msg, DITTOFS_A_PEER, conn->peer_len, &conn->peer))
		return -EMSGSIZE;
	if (conn->local_len > 0 &&
	    nla_put(msg, DITTOFS_A_LOCAL, conn->local_len, &conn->local))
		return -EMSGSIZE;
	return 0;
}

/* One STATS message: a connection's (conn != NULL) or the module's. */
static int dfs_fill_stats(struct sk_buff *msg, u32 portid, u32 seq, int flags,
			  struct dfs_conn *conn)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(msg, portid, seq, &dfs_genl_family, flags,
			  DITTOFS_CMD_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (conn)
		ret = dfs_put_conn_info(msg, conn) ||
		      dfs_put_stats(msg, &conn->stats);
	else
		ret = nla_put_u32(msg, DITTOFS_A_EPOCH, dfs_ctl_epoch()) ||
		      nla_put_u8(msg, DITTOFS_A_CTL_PRESENT, dfs_ctl_present()) ||
		      dfs_put_stats(msg, &dfs_totals);
	if (ret) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

static int dfs_genl_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct dfs_conn *conn = NULL;
	struct sk_buff *msg;
	int ret;

	if (info->attrs[DITTOFS_A_CONN_ID]) {
		conn = dfs_conn_of(info);
		if (IS_ERR(conn))
			return PTR_ERR(conn);
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	ret = dfs_fill_stats(msg, info->snd_portid, info->snd_seq, 0, conn);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	if (conn)
		dfs_conn_put(conn);
	return ret;
}

/* cb->args[0]: connections already dumped; args[1]: totals dumped. */
static int dfs_genl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	u32 portid = NETLINK_CB(cb->skb).portid, seq = cb->nlh->nlmsg_seq;
	struct dfs_conn *conn;
	long i = 0;

	if (cb->args[1])
		return 0;
	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node) {
		if (i++ < cb->args[0])
			continue;
		if (dfs_fill_stats(skb, portid, seq, NLM_F_MULTI, conn)) {
			mutex_unlock(&dfs_conns_lock);
			return skb->len;
		}
		cb->args[0] = i;
	}
	mutex_unlock(&dfs_conns_lock);
	if (dfs_fill_stats(skb, portid, seq, NLM_F_MULTI, NULL))
		return skb->len;
	cb->args[1] = 1;
	return skb->len;
}

#define DFS_OP(c, fn) { .cmd = (c), .doit = (fn), .flags = GENL_ADMIN_PERM }

static const struct genl_small_ops dfs_genl_ops[] = {
	DFS_OP(DITTOFS_CMD_HELLO, dfs_genl_hello),
	DFS_OP(DITTOFS_CMD_LISTEN, dfs_genl_listen),
	DFS_OP(DITTOFS_CMD_PDU_DOWN, dfs_genl_pdu_down),
	DFS_OP(DITTOFS_CMD_SEND, dfs_genl_send),
	DFS_OP(DITTOFS_CMD_SESSION_SET, dfs_genl_session_set),
	DFS_OP(DITTOFS_CMD_SESSION_DEL, dfs_genl_session_del),
	DFS_OP(DITTOFS_CMD_TREE_SET, dfs_genl_tree_set),
	DFS_OP(DITTOFS_CMD_TREE_DEL, dfs_genl_tree_del),
	DFS_OP(DITTOFS_CMD_FID_SET, dfs_genl_fid_set),
	DFS_OP(DITTOFS_CMD_FID_DEL, dfs_genl_fid_del),
	DFS_OP(DITTOFS_CMD_FID_UPDATE, dfs_genl_fid_update),
	DFS_OP(DITTOFS_CMD_IO_VERDICT, dfs_genl_io_verdict),
	DFS_OP(DITTOFS_CMD_CONN_CLOSE, dfs_genl_conn_close),
	{
		.cmd = DITTOFS_CMD_STATS,
		.doit = dfs_genl_stats,
		.dumpit = dfs_genl_stats_dump,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family dfs_genl_family __ro_after_init = {
	.name = DITTOFS_GENL_NAME,
	.version = DITTOFS_GENL_VERSION,
	.maxattr = DITTOFS_A_MAX,
	.policy = dfs_genl_policy,
	.small_ops = dfs_genl_ops,
	.n_small_ops = ARRAY_SIZE(dfs_genl_ops),
	.parallel_ops = true,
	.module = THIS_MODULE,
};

int __init dfs_genl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&dfs_nl_notifier);
	if (ret)
		return ret;
	ret = genl_register_family(&dfs_genl_family);
	if (ret)
		netlink_unregister_notifier(&dfs_nl_notifier);
	return ret;
}

/* After this, nothing reaches the daemon and no operation runs. */
void dfs_genl_exit(void)
{
	mutex_lock(&dfs_ctl_lock);
	dfs_ctl_portid = 0;
	dfs_ctl_closed = true;
	mutex_unlock(&dfs_ctl_lock);
	genl_unregister_family(&dfs_genl_family);
	netlink_unregister_notifier(&dfs_nl_notifier);
	cancel_work_sync(&dfs_ctl_lost_work);
}

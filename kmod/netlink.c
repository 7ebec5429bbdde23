// SPDX-License-Identifier: GPL-2.0-only
/*
 * netlink.c - the DITTOFS generic netlink family, the only way in from
 * userspace. The contract (commands, attributes, who sends what) is
 * documented in common/uapi/dittofs_netlink.h.
 *
 * This build implements the version handshake, DITTOFS_CMD_HELLO; the
 * other commands are not registered yet, so the genetlink core answers them
 * with -EOPNOTSUPP. Every operation needs CAP_NET_ADMIN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

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
	[DITTOFS_A_PDU]			= NLA_POLICY_MIN_LEN(64),
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
};

static struct genl_family dfs_genl_family;

/* Bit N: command N is implemented by this build. */
#define DFS_GENL_FEATURES	BIT_ULL(DITTOFS_CMD_HELLO)

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

static const struct genl_small_ops dfs_genl_ops[] = {
	{
		.cmd = DITTOFS_CMD_HELLO,
		.doit = dfs_genl_hello,
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
	.module = THIS_MODULE,
};

int __init dfs_genl_init(void)
{
	return genl_register_family(&dfs_genl_family);
}

void dfs_genl_exit(void)
{
	genl_unregister_family(&dfs_genl_family);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod_query.c - DITTOFS_CMD_STATS as a dump (common/uapi/dittofs_netlink.h):
 * one message per connection, then one for the module, collected into a
 * struct dfs_kmod_info. A socket of its own, never dittofsd's control
 * socket, so it works with or without a daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "common/uapi/dittofs_netlink.h"
#include "userd/kmod_query.h"

struct query {
	struct dfs_kmod_info *info;
	int err;			/* -errno from the first bad message */
};

static void sockaddr_name(struct nlattr *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;
	const struct sockaddr *sa = a ? nla_data(a) : NULL;

	if (sa && nla_len(a) >= (int)sizeof(struct sockaddr_in6) &&
	    sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = nla_data(a);

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	} else if (sa && nla_len(a) >= (int)sizeof(struct sockaddr_in) &&
		   sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = nla_data(a);

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	}
	snprintf(out, len, "%s:%u", host, port);
}

/* The STATS nest both dittofsctl and the daemon read (kernel_mode.c). */
int dfs_kstats_parse(struct nlattr *nest, struct dfs_kernel_stats *o)
{
	static struct nla_policy sp[DITTOFS_STATS_A_MAX + 1] = {
		[DITTOFS_STATS_A_CONNECTIONS] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_PDUS_UP] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_PDUS_FAST] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_BYTES_READ] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_BYTES_WRITTEN] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_SIGN_FAILURES] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_DECRYPT_FAILURES] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_IO_VERDICTS] = { .type = NLA_U64 },
		[DITTOFS_STATS_A_BUFFER_BYTES] = { .type = NLA_U64 },
	};
	struct nlattr *st[DITTOFS_STATS_A_MAX + 1];

	if (!nest || nla_parse_nested(st, DITTOFS_STATS_A_MAX, nest, sp) < 0)
		return -EPROTO;
#define GET(a) (st[a] ? nla_get_u64(st[a]) : 0)
	o->connections = GET(DITTOFS_STATS_A_CONNECTIONS);
	o->pdus_up = GET(DITTOFS_STATS_A_PDUS_UP);
	o->pdus_fast = GET(DITTOFS_STATS_A_PDUS_FAST);
	o->bytes_read = GET(DITTOFS_STATS_A_BYTES_READ);
	o->bytes_written = GET(DITTOFS_STATS_A_BYTES_WRITTEN);
	o->sign_failures = GET(DITTOFS_STATS_A_SIGN_FAILURES);
	o->decrypt_failures = GET(DITTOFS_STATS_A_DECRYPT_FAILURES);
	o->io_verdicts = GET(DITTOFS_STATS_A_IO_VERDICTS);
	o->buffer_bytes = GET(DITTOFS_STATS_A_BUFFER_BYTES);
#undef GET
	return 0;
}

static int add_conn(struct dfs_kmod_info *info, struct nlattr **tb)
{
	struct dfs_kmod_conn *c, *more;

	more = realloc(info->conns, (info->nconns + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	info->conns = more;
	c = &more[info->nconns];
	memset(c, 0, sizeof(*c));
	c->id = nla_get_u64(tb[DITTOFS_A_CONN_ID]);
	sockaddr_name(tb[DITTOFS_A_PEER], c->peer, sizeof(c->peer));
	if (tb[DITTOFS_A_SESSION_COUNT])
		c->sessions = nla_get_u32(tb[DITTOFS_A_SESSION_COUNT]);
	if (tb[DITTOFS_A_CONN_FLAGS])
		c->stale = nla_get_u32(tb[DITTOFS_A_CONN_FLAGS]) &
			   DITTOFS_CONN_F_STALE;
	if (dfs_kstats_parse(tb[DITTOFS_A_STATS], &c->st))
		return -EPROTO;
	info->nconns++;
	return 0;
}

static int on_stats(struct nl_msg *msg, void *arg)
{
	static struct nla_policy p[DITTOFS_A_MAX + 1] = {
		[DITTOFS_A_CONN_ID] = { .type = NLA_U64 },
		[DITTOFS_A_STATS] = { .type = NLA_NESTED },
		[DITTOFS_A_SESSION_COUNT] = { .type = NLA_U32 },
		[DITTOFS_A_CONN_FLAGS] = { .type = NLA_U32 },
		[DITTOFS_A_EPOCH] = { .type = NLA_U32 },
		[DITTOFS_A_CTL_PRESENT] = { .type = NLA_U8 },
	};
	struct nlattr *tb[DITTOFS_A_MAX + 1];
	struct query *q = arg;
	int err;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, DITTOFS_A_MAX, p) < 0) {
		err = -EPROTO;
	} else if (tb[DITTOFS_A_CONN_ID]) {
		err = add_conn(q->info, tb);
	} else {
		q->info->epoch = tb[DITTOFS_A_EPOCH] ?
				 nla_get_u32(tb[DITTOFS_A_EPOCH]) : 0;
		q->info->ctl_present = tb[DITTOFS_A_CTL_PRESENT] &&
				       nla_get_u8(tb[DITTOFS_A_CTL_PRESENT]);
		err = dfs_kstats_parse(tb[DITTOFS_A_STATS], &q->info->totals);
	}
	if (err && !q->err)
		q->err = err;
	return NL_OK;
}

/* libnl's error codes for what a caller can act on; the rest is EIO. */
static int nl_errno(int rc)
{
	switch (-rc) {
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	default:
		return -EIO;
	}
}

int dfs_kmod_query(struct dfs_kmod_info *out)
{
	struct query q = { .info = out };
	struct nl_sock *sk;
	struct nl_msg *msg = NULL;
	int fam, rc;

	memset(out, 0, sizeof(*out));
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	rc = genl_connect(sk);
	if (rc < 0)
		goto out;
	fam = genl_ctrl_resolve(sk, DITTOFS_GENL_NAME);
	if (fam < 0) {
		rc = -NLE_OBJ_NOTFOUND;
		goto out;
	}
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0,
				 NLM_F_REQUEST | NLM_F_DUMP, DITTOFS_CMD_STATS,
				 DITTOFS_GENL_VERSION)) {
		rc = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_stats, &q);
	rc = nl_send_auto(sk, msg);
	if (rc >= 0)
		rc = nl_recvmsgs_default(sk);
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (rc < 0 || q.err) {
		dfs_kmod_info_free(out);
		return rc < 0 ? nl_errno(rc) : q.err;
	}
	return 0;
}

void dfs_kmod_info_free(struct dfs_kmod_info *info)
{
	free(info->conns);
	info->conns = NULL;
	info->nconns = 0;
}

/* ---- output for dittofsctl ---------------------------------------------- */

static void kv(FILE *f, bool json, bool *first, const char *key,
	       const char *label, unsigned long long v)
{
	if (json)
		fprintf(f, "%s\"%s\":%llu", *first ? "" : ",", key, v);
	else
		fprintf(f, "%-32s %llu\n", label, v);
	*first = false;
}

void dfs_kmod_print_stats(FILE *f, const struct dfs_kmod_info *info, bool json)
{
	const struct dfs_kernel_stats *t = &info->totals;
	bool first = true;

	if (json)
		fputc('{', f);
	else
		fprintf(f, "dittofs.ko (%s):\n", info->ctl_present ?
			"dittofsd registered" : "no dittofsd registered");
	kv(f, json, &first, "connections_accepted", "Kernel connections accepted:",
	   t->connections);
	kv(f, json, &first, "connections_open", "Kernel connections open:",
	   info->nconns);
	kv(f, json, &first, "pdus_fast", "Fast path PDUs:", t->pdus_fast);
	kv(f, json, &first, "pdus_forwarded", "PDUs forwarded to dittofsd:",
	   t->pdus_up);
	kv(f, json, &first, "bytes_read", "Fast path bytes read:", t->bytes_read);
	kv(f, json, &first, "bytes_written", "Fast path bytes written:",
	   t->bytes_written);
	kv(f, json, &first, "io_verdicts", "IO verdicts (locked files):",
	   t->io_verdicts);
	kv(f, json, &first, "buffer_bytes", "Kernel buffer bytes held now:",
	   t->buffer_bytes);
	kv(f, json, &first, "sign_failures", "Signature failures:",
	   t->sign_failures);
	kv(f, json, &first, "decrypt_failures", "Decryption failures:",
	   t->decrypt_failures);
	kv(f, json, &first, "daemon_registrations", "dittofsd registrations:",
	   info->epoch);
	if (json)
		fprintf(f, ",\"dittofsd_registered\":%s}",
			info->ctl_present ? "true" : "false");
}

void dfs_kmod_print_conns(FILE *f, const struct dfs_kmod_info *info, bool json)
{
	size_t i;

	if (!json)
		fprintf(f, "%-20s %-24s %8s %-8s %10s %10s %14s %14s\n", "ID",
			"PEER", "SESSIONS", "DAEMON", "FAST", "FORWARDED",
			"BYTES_READ", "BYTES_WRITTEN");
	else
		fprintf(f, "{\"dittofsd_registered\":%s,\"connections\":[",
			info->ctl_present ? "true" : "false");
	for (i = 0; i < info->nconns; i++) {
		const struct dfs_kmod_conn *c = &info->conns[i];

		if (json)
			fprintf(f, "%s{\"id\":%llu,\"peer\":\"%s\",\"sessions\":%u,"
				"\"daemon\":\"%s\",\"pdus_fast\":%llu,"
				"\"pdus_forwarded\":%llu,\"bytes_read\":%llu,"
				"\"bytes_written\":%llu}", i ? "," : "", c->id,
				c->peer, c->sessions,
				c->stale ? "previous" : "current",
				(unsigned long long)c->st.pdus_fast,
				(unsigned long long)c->st.pdus_up,
				(unsigned long long)c->st.bytes_read,
				(unsigned long long)c->st.bytes_written);
		else
			fprintf(f, "%-20llu %-24s %8u %-8s %10llu %10llu %14llu %14llu\n",
				c->id, c->peer, c->sessions,
				c->stale ? "previous" : "current",
				(unsigned long long)c->st.pdus_fast,
				(unsigned long long)c->st.pdus_up,
				(unsigned long long)c->st.bytes_read,
				(unsigned long long)c->st.bytes_written);
	}
	if (json)
		fputs("]}\n", f);
	else if (!info->ctl_present)
		fputs("(dittofsd is not registered: dittofs.ko keeps these connections and answers STATUS_SERVER_UNAVAILABLE)\n",
		      f);
}

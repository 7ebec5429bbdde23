// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * srvsvc.c - MS-SRVS on the srvsvc pipe: NetrShareEnum (opnum 15),
 * NetrShareGetInfo (16), NetrShareCheck (20), NetrServerGetInfo (21)
 * and NetrShareEnumSticky (36). Other opnums get an
 * op_rng_error fault, as from a server that does not have them.
 *
 * Every response stub is written in NDR order: a structure's fixed part
 * (pointers as referent ids) first, then what its pointers point to, in
 * the same order, each conformant varying string 4-byte aligned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userd/config.h"
#include "userd/server.h"
#include "userd/rpc/srvsvc.h"

#define PLATFORM_ID_NT		500
/* SV_TYPE_WORKSTATION | SV_TYPE_SERVER | SV_TYPE_NT | SV_TYPE_SERVER_NT */
#define SERVER_TYPE		0x00009003u
#define SERVER_VERSION_MAJOR	6
#define SERVER_VERSION_MINOR	1
/* SHI1005_FLAGS_ENCRYPT_DATA (MS-SRVS 2.2.4.29); caching: manual (0) */
#define SHI1005_FLAGS_ENCRYPT_DATA 0x00008000u
/* a bound for the list we build, far above any real configuration */
#define MAX_SHARES		4096

/* What a share looks like to srvsvc */
struct share_view {
	const struct dfs_share_cfg *sh;	/* NULL for IPC$ */
	const char *name;
	const char *remark;
	u32 type;
	u32 flags;
	u32 uses;
	char path[PATH_MAX + 4];
	char ipc_remark[160];
};

/* Trees connected to sh (NULL: IPC$) right now, for shi2_current_uses */
static u32 current_uses(const struct dfs_server *srv,
			const struct dfs_share_cfg *sh)
{
	const struct dfs_session *s;
	const struct dfs_tree *t;
	const struct dfs_conn *c;
	u32 n = 0;

	for (c = srv->conns; c; c = c->next)
		for (s = c->sessions; s; s = s->next)
			for (t = s->trees; t; t = t->next)
				if (sh ? t->share == sh : t->ipc)
					n++;
	return n;
}

/* "C:\dir\sub" for /dir/sub, the way Windows clients expect a local path */
static void windows_path(const char *unix_path, char *out, size_t cap)
{
	size_t i;

	snprintf(out, cap, "C:%s", unix_path);
	for (i = 0; out[i]; i++)
		if (out[i] == '/')
			out[i] = '\\';
}

/* How sh looks at level; the use count (a walk of all trees) only if shown */
static void view_of(const struct dfs_server *srv,
		    const struct dfs_share_cfg *sh, u32 level,
		    struct share_view *v)
{
	const struct dfs_config *cfg = srv->cfg;
	int enc;

	memset(v, 0, sizeof(*v));
	v->sh = sh;
	if (level == 2 || level == 502)
		v->uses = current_uses(srv, sh);
	if (!sh) {
		/* as Samba shows it: an administrative, hidden IPC share */
		v->name = "IPC$";
		snprintf(v->ipc_remark, sizeof(v->ipc_remark), "IPC Service (%s)",
			 cfg->server_string);
		v->remark = v->ipc_remark;
		v->type = STYPE_IPC | STYPE_SPECIAL;
		return;
	}
	v->name = sh->name;
	v->remark = sh->comment;
	v->type = STYPE_DISKTREE;
	windows_path(sh->path, v->path, sizeof(v->path));
	enc = sh->encrypt >= 0 ? sh->encrypt : cfg->smb_encrypt;
	if (enc == DFS_ENCRYPT_REQUIRED)
		v->flags |= SHI1005_FLAGS_ENCRYPT_DATA;
}

/*
 * Levels that show local paths or a security descriptor are not for
 * null sessions (as Windows and Samba answer, and smbtorture checks).
 */
static bool level_needs_account(u32 level)
{
	return level == 2 || level == 502 || level == 1501;
}

static bool level_known(u32 level)
{
	return level == 0 || level == 1 || level == 2 || level == 501 ||
	       level == 502;
}

/* The fixed part of SHARE_INFO_<level> (0, 1, 2, 501, 502) */
static void push_share_fixed(struct ndr_push *n, u32 level,
			     const struct share_view *v)
{
	ndr_push_ptr(n, true);			/* netname */
	if (level == 0)
		return;
	ndr_push_u32(n, v->type);
	ndr_push_ptr(n, true);			/* remark */
	if (level == 501) {
		ndr_push_u32(n, v->flags);
	} else if (level == 2 || level == 502) {
		ndr_push_u32(n, 0);		/* permissions: user-level security */
		ndr_push_u32(n, 0xFFFFFFFFu);	/* max_uses: unlimited */
		ndr_push_u32(n, v->uses);
		ndr_push_ptr(n, true);		/* path */
		ndr_push_ptr(n, true);		/* passwd */
	}
	if (level == 502) {
		/* no share ACL: access is the file system's business */
		ndr_push_u32(n, 0);		/* reserved: SD size */
		ndr_push_ptr(n, false);		/* security_descriptor */
	}
}

/* ... and what its pointers point to, in the same order */
static void push_share_deferred(struct ndr_push *n, u32 level,
				const struct share_view *v)
{
	ndr_push_wstring(n, v->name);
	if (level == 0)
		return;
	ndr_push_wstring(n, v->remark);
	if (level == 2 || level == 502) {
		ndr_push_wstring(n, v->path);
		ndr_push_wstring(n, "");	/* no share passwords */
	}
}

/* [in, string, unique] SRVSVC_HANDLE ServerName: read and ignored */
static void pull_server_name(struct ndr_pull *n)
{
	char name[NDR_MAX_STRING * 3 + 1];

	if (ndr_pull_ptr(n))
		ndr_pull_wstring(n, name, sizeof(name));
}

/* Does an enumeration show sh? sticky: only ordinary, persistent shares */
static bool listed(const struct dfs_share_cfg *sh, bool sticky)
{
	size_t len = strlen(sh->name);

	if (!sh->browseable)
		return false;
	return !sticky || !len || sh->name[len - 1] != '$';
}

/*
 * The shares an enumeration shows: browseable ones, then IPC$ (a NULL
 * entry) unless sticky. A malloc'd array (*count entries), NULL on ENOMEM.
 */
static const struct dfs_share_cfg **list_shares(const struct dfs_config *cfg,
						bool sticky, u32 *count)
{
	const struct dfs_share_cfg *sh, **list;
	u32 n = sticky ? 0 : 1;

	for (sh = cfg->shares; sh && n < MAX_SHARES; sh = sh->next)
		n += listed(sh, sticky);
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return NULL;
	*count = 0;
	for (sh = cfg->shares; sh && *count < n; sh = sh->next)
		if (listed(sh, sticky))
			list[(*count)++] = sh;
	if (!sticky && *count < n)
		list[(*count)++] = NULL;
	return list;
}

static void push_share_array(struct ndr_push *n, const struct dfs_server *srv,
			     u32 level, const struct dfs_share_cfg **list,
			     u32 count)
{
	struct share_view v;
	u32 i;

	ndr_push_u32(n, count);			/* conformance */
	for (i = 0; i < count && !n->err; i++) {
		view_of(srv, list[i], level, &v);
		push_share_fixed(n, level, &v);
	}
	for (i = 0; i < count && !n->err; i++) {
		view_of(srv, list[i], level, &v);
		push_share_deferred(n, level, &v);
	}
}

/*
 * NetrShareEnum (MS-SRVS 3.1.4.8) and NetrShareEnumSticky (3.1.4.28,
 * sticky: no special shares): ServerName, InfoStruct {Level, union with a
 * container pointer}, PreferedMaximumLength, ResumeHandle. The container
 * must come empty. Everything from the resume handle on is returned at
 * once (the preferred length is a hint).
 */
static u32 share_enum(const struct dfs_server *srv, bool anon,
		      struct ndr_pull *in, struct ndr_push *out, bool sticky)
{
	const struct dfs_share_cfg **list;
	u32 level, total, start = 0, count;
	bool has_resume, known, denied;

	pull_server_name(in);
	level = ndr_pull_u32(in);
	if (ndr_pull_u32(in) != level)		/* union discriminant */
		return DCERPC_NCA_S_FAULT_NDR;
	if (ndr_pull_ptr(in)) {
		ndr_pull_u32(in);		/* EntriesRead */
		if (ndr_pull_ptr(in))		/* a buffer on input: no */
			return DCERPC_NCA_S_FAULT_NDR;
	}
	ndr_pull_u32(in);			/* PreferedMaximumLength */
	has_resume = ndr_pull_ptr(in);
	if (has_resume)
		start = ndr_pull_u32(in);
	if (in->err)
		return DCERPC_NCA_S_FAULT_NDR;

	/* NetrShareEnumSticky has no level 501 (smbtorture rpc.srvsvc agrees) */
	known = level_known(level) && !(sticky && level == 501);
	/* a null session enumerates at 0 and 1 only (GetInfo allows 501) */
	denied = known && anon && (level_needs_account(level) || level == 501);
	known = known && !denied;
	list = list_shares(srv->cfg, sticky, &total);
	if (!list)
		return DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY;
	count = start < total ? total - start : 0;
	ndr_push_u32(out, level);
	ndr_push_u32(out, level);
	ndr_push_ptr(out, known);		/* the container */
	if (known) {
		ndr_push_u32(out, count);		/* EntriesRead */
		ndr_push_ptr(out, count > 0);
		if (count)
			push_share_array(out, srv, level, list + start, count);
	}
	ndr_push_u32(out, known ? total : 0);		/* TotalEntries */
	ndr_push_ptr(out, has_resume);
	if (has_resume)
		ndr_push_u32(out, 0);			/* nothing left */
	ndr_push_u32(out, known ? WERR_OK :
			  denied ? WERR_ACCESS_DENIED : WERR_INVALID_LEVEL);
	free(list);
	return 0;
}

/* Levels NetrShareGetInfo has and an enumeration does not (2.2.3.6) */
static bool info_only_level(u32 level)
{
	return level == 1004 || level == 1005 || level == 1006 ||
	       level == 1007 || level == 1501;
}

/* SHARE_INFO_1004 (remark), 1005 (flags), 1006 (max uses), 1007, 1501 */
static void push_share_info_only(struct ndr_push *n, u32 level,
				 const struct share_view *v)
{
	switch (level) {
	case 1004:
		ndr_push_ptr(n, true);
		ndr_push_wstring(n, v->remark);
		break;
	case 1005:
		ndr_push_u32(n, v->flags);
		break;
	case 1006:
		ndr_push_u32(n, 0xFFFFFFFFu);		/* unlimited */
		break;
	case 1007:
		ndr_push_u32(n, v->flags);
		ndr_push_ptr(n, true);			/* AlternateDirectoryName */
		ndr_push_wstring(n, "");
		break;
	case 1501:
		/* no share ACL: an empty security descriptor buffer */
		ndr_push_u32(n, 0);
		ndr_push_ptr(n, false);
		break;
	}
}

/*
 * Is device (a Windows path, "C:" or "C:\dir") the local path of sh, or
 * a drive or directory that holds it? Compared without case, as on NTFS.
 */
static bool device_holds(const char *device, const struct dfs_share_cfg *sh)
{
	char path[PATH_MAX + 4];
	size_t n = strlen(device);

	windows_path(sh->path, path, sizeof(path));
	while (n > 2 && device[n - 1] == '\\')
		n--;			/* "C:\dir\" is "C:\dir" */
	return n && !strncasecmp(path, device, n) &&
	       (path[n] == '\0' || path[n] == '\\' || device[n - 1] == '\\');
}

/* NetrShareCheck (MS-SRVS 3.1.4.15): is a local device shared? */
static u32 share_check(const struct dfs_server *srv, struct ndr_pull *in,
		       struct ndr_push *out)
{
	char device[NDR_MAX_STRING * 3 + 1];
	const struct dfs_share_cfg *sh;

	pull_server_name(in);
	ndr_pull_wstring(in, device, sizeof(device));
	if (in->err)
		return DCERPC_NCA_S_FAULT_NDR;
	/* IPC$, whose local path (levels 2, 502) is empty, holds "" */
	if (!device[0]) {
		ndr_push_u32(out, STYPE_IPC | STYPE_SPECIAL);
		ndr_push_u32(out, WERR_OK);
		return 0;
	}
	for (sh = srv->cfg->shares; sh; sh = sh->next)
		if (device_holds(device, sh))
			break;
	ndr_push_u32(out, STYPE_DISKTREE);		/* Type */
	ndr_push_u32(out, sh ? WERR_OK : WERR_NERR_DEVICENOTSHARED);
	return 0;
}

/* NetrShareGetInfo (MS-SRVS 3.1.4.10): ServerName, NetName, Level */
static u32 share_get_info(const struct dfs_server *srv, bool anon,
			  struct ndr_pull *in, struct ndr_push *out)
{
	char name[NDR_MAX_STRING * 3 + 1];
	const struct dfs_share_cfg *sh = NULL;
	struct share_view v;
	u32 level, werr = WERR_OK;

	pull_server_name(in);
	ndr_pull_wstring(in, name, sizeof(name));	/* [in, string] WCHAR * */
	level = ndr_pull_u32(in);
	if (in->err)
		return DCERPC_NCA_S_FAULT_NDR;
	if (strcasecmp(name, "IPC$")) {
		sh = dfs_config_share(srv->cfg, name);
		if (!sh)
			werr = WERR_NERR_NETNAMENOTFOUND;
	}
	if (!werr && !level_known(level) && !info_only_level(level))
		werr = WERR_INVALID_LEVEL;
	if (!werr && anon && level_needs_account(level))
		werr = WERR_ACCESS_DENIED;
	ndr_push_u32(out, level);			/* union discriminant */
	ndr_push_ptr(out, !werr);
	if (!werr) {
		view_of(srv, sh, level, &v);
		if (info_only_level(level)) {
			push_share_info_only(out, level, &v);
		} else {
			push_share_fixed(out, level, &v);
			push_share_deferred(out, level, &v);
		}
	}
	ndr_push_u32(out, werr);
	return 0;
}

/* NetrServerGetInfo (MS-SRVS 3.1.4.17): ServerName, Level 100/101/102 */
static u32 server_get_info(const struct dfs_server *srv, bool anon,
			   struct ndr_pull *in, struct ndr_push *out)
{
	const struct dfs_config *cfg = srv->cfg;
	u32 level;
	bool known;

	pull_server_name(in);
	level = ndr_pull_u32(in);
	if (in->err)
		return DCERPC_NCA_S_FAULT_NDR;
	known = level == 100 || level == 101 || level == 102;
	ndr_push_u32(out, level);
	ndr_push_ptr(out, known && !(anon && level == 102));
	if (!known || (anon && level == 102)) {	/* 102 has the user path */
		ndr_push_u32(out, known ? WERR_ACCESS_DENIED : WERR_INVALID_LEVEL);
		return 0;
	}
	ndr_push_u32(out, PLATFORM_ID_NT);
	ndr_push_ptr(out, true);			/* name */
	if (level >= 101) {
		ndr_push_u32(out, SERVER_VERSION_MAJOR);
		ndr_push_u32(out, SERVER_VERSION_MINOR);
		ndr_push_u32(out, SERVER_TYPE);
		ndr_push_ptr(out, true);		/* comment */
	}
	if (level == 102) {
		ndr_push_u32(out, cfg->max_connections);	/* users */
		ndr_push_u32(out, 0xFFFFFFFFu);	/* disc: never auto-disconnect */
		ndr_push_u32(out, 0);		/* hidden: no */
		ndr_push_u32(out, 240);		/* announce (s), Windows' default */
		ndr_push_u32(out, 3000);	/* anndelta (ms) */
		ndr_push_u32(out, 0);		/* licenses */
		ndr_push_ptr(out, true);	/* userpath */
	}
	ndr_push_wstring(out, cfg->netbios_name);
	if (level >= 101)
		ndr_push_wstring(out, cfg->server_string);
	if (level == 102)
		ndr_push_wstring(out, "C:\\");
	ndr_push_u32(out, WERR_OK);
	return 0;
}

static u32 srvsvc_call(const void *ctx, u16 opnum, const u8 *stub, u32 len,
		       struct ndr_push *out)
{
	const struct srvsvc_caller *who = ctx;
	const struct dfs_server *srv = who->srv;
	bool anon = who->anonymous;
	struct ndr_pull in;

	ndr_pull_init(&in, stub, len);
	switch (opnum) {
	case SRVSVC_OPNUM_NETSHAREENUMALL:
		return share_enum(srv, anon, &in, out, false);
	case SRVSVC_OPNUM_NETSHAREENUMSTICKY:
		return share_enum(srv, anon, &in, out, true);
	case SRVSVC_OPNUM_NETSHAREGETINFO:
		return share_get_info(srv, anon, &in, out);
	case SRVSVC_OPNUM_NETSHARECHECK:
		return share_check(srv, &in, out);
	case SRVSVC_OPNUM_NETSERVERGETINFO:
		return server_get_info(srv, anon, &in, out);
	default:
		return DCERPC_NCA_S_OP_RNG_ERROR;
	}
}

const struct dfs_rpc_iface dfs_srvsvc_iface = {
	.pipe_name = "srvsvc",
	/* 4b324fc8-1670-01d3-1278-5a47bf6ee188, fields little-endian */
	.uuid = { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01,
		  0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 },
	.vers_major = 3,
	.vers_minor = 0,
	.call = srvsvc_call,
};

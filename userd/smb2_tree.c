// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_tree.c - TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8):
 * share lookup, share access policy, and the share root fd every open
 * under the tree is resolved beneath.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "userd/server.h"
#include "userd/config.h"
#include "userd/log.h"
#include "userd/unicode.h"

#define TREE_REQ_FIXED 8
#define TREE_RSP_SIZE 16
/* read, execute, read attributes/EA, READ_CONTROL, SYNCHRONIZE */
#define ACCESS_READ_ONLY 0x001200a9u

struct dfs_tree *dfs_tree_find(struct dfs_session *s, u32 id)
{
	struct dfs_tree *t;

	for (t = s->trees; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

void dfs_tree_destroy(struct dfs_tree *t)
{
	struct dfs_tree **pp;

	dfs_open_close_tree(t->sess->conn->srv, t);
	dfs_kernel_tree_gone(t);
	for (pp = &t->sess->trees; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	if (t->root_fd >= 0)
		close(t->root_fd);
	free(t);
}

/* "\\server\share" -> "share"; NULL when there is no share component. */
static const char *share_part(const char *unc)
{
	const char *p;

	if (unc[0] != '\\' || unc[1] != '\\')
		return NULL;
	p = strchr(unc + 2, '\\');
	if (!p || !p[1] || strchr(p + 1, '\\'))
		return NULL;
	return p + 1;
}

/* May this session use this share? (guest ok, valid users) */
static u32 share_access(const struct dfs_session *s, const struct dfs_share_cfg *sh)
{
	if ((s->guest || s->anonymous) && !sh->guest_ok)
		return STATUS_ACCESS_DENIED;
	if (!s->guest && !s->anonymous && !dfs_share_user_ok(sh, s->user))
		return STATUS_ACCESS_DENIED;
	return STATUS_SUCCESS;
}

static struct dfs_tree *tree_new(struct dfs_session *s)
{
	struct dfs_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->id = s->next_tree_id++;
	if (s->next_tree_id == 0 || s->next_tree_id == ~0u)
		s->next_tree_id = 1;
	t->sess = s;
	t->root_fd = -1;
	t->next = s->trees;
	s->trees = t;
	return t;
}

/* Share.EncryptData (MS-SMB2 3.3.5.7): "smb encrypt" of the share or global */
static u32 share_encryption(struct dfs_req *r, struct dfs_tree *t,
			    const struct dfs_share_cfg *sh)
{
	int policy = sh->encrypt >= 0 ? sh->encrypt : r->srv->cfg->smb_encrypt;
	bool can = r->conn->cipher && r->sess->dp.enc.alg;

	if (policy == DFS_ENCRYPT_REQUIRED && !can) {
		log_info("%s: share [%s] requires encryption; this session cannot encrypt",
			 r->conn->peer, sh->name);
		return STATUS_ACCESS_DENIED;
	}
	t->encrypt_data = can && policy >= DFS_ENCRYPT_DESIRED;
	return STATUS_SUCCESS;
}

static u32 connect_share(struct dfs_req *r, struct dfs_tree *t,
			 const struct dfs_share_cfg *sh)
{
	u32 st = share_encryption(r, t, sh);

	if (st)
		return st;
	t->share = sh;
	t->read_only = sh->read_only;
	t->maximal_access = sh->read_only ? ACCESS_READ_ONLY : FILE_ALL_ACCESS;
	t->root_fd = open(sh->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0) {
		log_err("share [%s]: cannot open path %s: %m (fix 'path' or create it)",
			sh->name, sh->path);
		return STATUS_BAD_NETWORK_NAME;
	}
	r->rsp_body[2] = SMB2_SHARE_TYPE_DISK;
	return STATUS_SUCCESS;
}

u32 smb2_tree_connect(struct dfs_req *r)
{
	const struct dfs_share_cfg *sh = NULL;
	char unc[1024];
	const char *name;
	struct dfs_tree *t;
	u16 off, len;
	bool ipc;
	u32 st;

	if (r->body_len < TREE_REQ_FIXED || dfs_get_le16(r->body) != 9)
		return STATUS_INVALID_PARAMETER;
	off = dfs_get_le16(r->body + 4);
	len = dfs_get_le16(r->body + 6);
	if (off < SMB2_HDR_SIZE + TREE_REQ_FIXED ||
	    !dfs_range_ok(off - SMB2_HDR_SIZE, len, r->body_len) ||
	    dfs_utf16_to_utf8(r->hdr + off, len, unc, sizeof(unc)) < 0)
		return STATUS_INVALID_PARAMETER;
	name = share_part(unc);
	if (!name)
		return STATUS_BAD_NETWORK_NAME;
	ipc = !strcasecmp(name, "IPC$");
	if (!ipc) {
		sh = dfs_config_share(r->srv->cfg, name);
		if (!sh)
			return STATUS_BAD_NETWORK_NAME;
		st = share_access(r->sess, sh);
		if (st) {
			log_info("%s: %s denied on share [%s]", r->conn->peer,
				 r->sess->user, sh->name);
			return st;
		}
	}
	t = tree_new(r->sess);
	if (!t)
		return STATUS_INSUFFICIENT_RESOURCES;
	memset(r->rsp_body, 0, TREE_RSP_SIZE);
	dfs_put_le16(r->rsp_body, TREE_RSP_SIZE);
	if (ipc) {
		t->ipc = true;
		t->maximal_access = ACCESS_READ_ONLY;
		r->rsp_body[2] = SMB2_SHARE_TYPE_PIPE;
	} else {
		st = connect_share(r, t, sh);
		if (st) {
			dfs_tree_destroy(t);
			return st;
		}
	}
	dfs_put_le32(r->rsp_body + 4, SMB2_SHAREFLAG_MANUAL_CACHING |
		     (t->encrypt_data ? SMB2_SHAREFLAG_ENCRYPT_DATA : 0));
	dfs_put_le32(r->rsp_body + 8, 0);
	dfs_put_le32(r->rsp_body + 12, t->maximal_access);
	r->rsp_len = TREE_RSP_SIZE;
	r->rsp_tree_id = t->id;
	return STATUS_SUCCESS;
}

u32 smb2_tree_disconnect(struct dfs_req *r)
{
	if (r->body_len < 4 || dfs_get_le16(r->body) != 4)
		return STATUS_INVALID_PARAMETER;
	dfs_tree_destroy(r->tree);
	r->tree = NULL;
	dfs_put_le16(r->rsp_body, 4);
	dfs_put_le16(r->rsp_body + 2, 0);
	r->rsp_len = 4;
	return STATUS_SUCCESS;
}

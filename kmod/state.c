// SPDX-License-Identifier: GPL-2.0-only
/*
 * state.c - what the daemon installs: sessions (per connection, with their
 * keys), trees and opens (global, keyed by SessionId, so every channel of
 * a session sees them).
 *
 * A session's keys are used by the connection's worker under conn->lock;
 * SESSION_SET takes the same lock to replace them. A session deleted while
 * the worker is inside a frame (it may still hold a pointer to it, e.g. to
 * sign the LOGOFF response) is parked on conn->parked and freed when the
 * frame is done.
 *
 * An open holds a reference on the daemon's struct file. A fast-path I/O
 * takes a reference and an in-flight mark; FID_UPDATE waits for in-flight
 * I/O to drain after revoking, FID_DEL drops the table's reference and the
 * last I/O drops the file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "crypto.h"
#include "dittofs.h"

/* ---- sessions ----------------------------------------------------------- */

struct dfs_ksession *dfs_session_find(struct dfs_conn *conn, u64 sid)
{
	struct dfs_ksession *s;

	list_for_each_entry(s, &conn->sessions, node)
		if (s->dp.id == sid)
			return s;
	return NULL;
}

static void dfs_session_free_keys(struct dfs_ksession *s)
{
	if (s->dp.sign.key)
		dfs_kcrypto_ops.mac_key_free(s->dp.sign.key);
	if (s->dp.enc.key)
		dfs_kcrypto_ops.aead_key_free(s->dp.enc.key);
	if (s->dp.dec.key)
		dfs_kcrypto_ops.aead_key_free(s->dp.dec.key);
	s->dp.sign.key = NULL;
	s->dp.enc.key = NULL;
	s->dp.dec.key = NULL;
}

static void dfs_session_free(struct dfs_ksession *s)
{
	dfs_session_free_keys(s);
	kfree_sensitive(s);
}

int dfs_session_set(struct dfs_conn *conn, u64 sid,
		    const struct dfs_session_keys *k)
{
	void *sign = NULL, *enc = NULL, *dec = NULL;
	struct dfs_ksession *s;
	bool created = false;
	int ret = 0;

	/* prepare the keys first: no allocation failure halfway through */
	if (k->sign_alg >= 0) {
		sign = dfs_kcrypto_ops.mac_key_new(k->sign_alg, k->sign_key, 16);
		if (!sign)
			return -ENOMEM;
	}
	if (k->cipher) {
		enc = dfs_kcrypto_ops.aead_key_new(k->cipher, k->enc_key,
						   k->key_len);
		dec = dfs_kcrypto_ops.aead_key_new(k->cipher, k->dec_key,
						   k->key_len);
		if (!enc || !dec) {
			ret = -ENOMEM;
			goto err;
		}
	}

	mutex_lock(&conn->lock);
	if (conn->dead) {
		ret = -ENOTCONN;
		goto err_unlock;
	}
	s = dfs_session_find(conn, sid);
	if (!s) {
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (!s) {
			ret = -ENOMEM;
			goto err_unlock;
		}
		s->dp.id = sid;
		s->dp.sign.alg = -1;
		created = true;
	}
	s->flags = k->flags;
	s->epoch = dfs_ctl_epoch();
	s->dp.signing_required = !!(k->flags & DITTOFS_SESSION_F_SIGNING_REQUIRED);
	if (sign) {
		if (s->dp.sign.key)
			dfs_kcrypto_ops.mac_key_free(s->dp.sign.key);
		s->dp.sign.key = sign;
		s->dp.sign.alg = k->sign_alg;
	}
	if (enc) {
		if (s->dp.enc.key)
			dfs_kcrypto_ops.aead_key_free(s->dp.enc.key);
		if (s->dp.dec.key)
			dfs_kcrypto_ops.aead_key_free(s->dp.dec.key);
		s->dp.enc.key = enc;
		s->dp.enc.alg = k->cipher;
		s->dp.dec.key = dec;
		s->dp.dec.alg = k->cipher;
		/* a new key starts a new nonce sequence */
		s->dp.nonce.counter = 0;
		get_random_bytes(s->dp.nonce.salt, sizeof(s->dp.nonce.salt));
	}
	if (created) {
		spin_lock(&conn->sess_lock);
		list_add_tail(&s->node, &conn->sessions);
		spin_unlock(&conn->sess_lock);
	}
	mutex_unlock(&conn->lock);
	return 0;

err_unlock:
	mutex_unlock(&conn->lock);
err:
	if (sign)
		dfs_kcrypto_ops.mac_key_free(sign);
	if (enc)
		dfs_kcrypto_ops.aead_key_free(enc);
	if (dec)
		dfs_kcrypto_ops.aead_key_free(dec);
	return ret;
}

int dfs_session_del(struct dfs_conn *conn, u64 sid)
{
	struct dfs_ksession *s;
	int ret = 0;

	mutex_lock(&conn->lock);
	s = dfs_session_find(conn, sid);
	if (!s) {
		ret = -ENOENT;
	} else {
		spin_lock(&conn->sess_lock);
		list_del(&s->node);
		if (conn->in_frame)
			list_add_tail(&s->node, &conn->parked);
		spin_unlock(&conn->sess_lock);
		if (!conn->in_frame)
			dfs_session_free(s);
	}
	mutex_unlock(&conn->lock);
	return ret;
}

/* Free the parked sessions, and with all the live ones too. conn->lock held. */
void dfs_sessions_free(struct dfs_conn *conn, bool all)
{
	struct dfs_ksession *s, *tmp;
	LIST_HEAD(gone);

	spin_lock(&conn->sess_lock);
	list_splice_init(&conn->parked, &gone);
	if (all)
		list_splice_init(&conn->sessions, &gone);
	spin_unlock(&conn->sess_lock);
	list_for_each_entry_safe(s, tmp, &gone, node)
		dfs_session_free(s);
}

bool dfs_session_anywhere(u64 sid)
{
	struct dfs_ksession *s;
	struct dfs_conn *conn;
	bool found = false;

	mutex_lock(&dfs_conns_lock);
	list_for_each_entry(conn, &dfs_conns, node) {
		spin_lock(&conn->sess_lock);
		list_for_each_entry(s, &conn->sessions, node)
			if (s->dp.id == sid)
				found = true;
		spin_unlock(&conn->sess_lock);
		if (found)
			break;
	}
	mutex_unlock(&dfs_conns_lock);
	return found;
}

/* ---- trees and opens ---------------------------------------------------- */

struct dfs_tree {
	struct hlist_node node;
	u64 sid;
	u32 tid;
	u32 flags;
};

static DEFINE_SPINLOCK(dfs_state_lock);
static DEFINE_HASHTABLE(dfs_trees, 8);
static DEFINE_HASHTABLE(dfs_fids, 10);

static u64 dfs_tree_key(u64 sid, u32 tid)
{
	return sid ^ ((u64)tid << 32) ^ tid;
}

static struct dfs_tree *dfs_tree_find(u64 sid, u32 tid)
{
	struct dfs_tree *t;

	hash_for_each_possible(dfs_trees, t, node, dfs_tree_key(sid, tid))
		if (t->sid == sid && t->tid == tid)
			return t;
	return NULL;
}

int dfs_tree_set(u64 sid, u32 tid, u32 flags)
{
	struct dfs_tree *t, *n;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	if (!n)
		return -ENOMEM;
	spin_lock(&dfs_state_lock);
	t = dfs_tree_find(sid, tid);
	if (t) {
		t->flags = flags;
		kfree(n);
	} else {
		n->sid = sid;
		n->tid = tid;
		n->flags = flags;
		hash_add(dfs_trees, &n->node, dfs_tree_key(sid, tid));
	}
	spin_unlock(&dfs_state_lock);
	return 0;
}

int dfs_tree_del(u64 sid, u32 tid)
{
	struct dfs_tree *t;

	spin_lock(&dfs_state_lock);
	t = dfs_tree_find(sid, tid);
	if (t)
		hash_del(&t->node);
	spin_unlock(&dfs_state_lock);
	kfree(t);
	return t ? 0 : -ENOENT;
}

bool dfs_tree_flags(u64 sid, u32 tid, u32 *flags)
{
	struct dfs_tree *t;

	spin_lock(&dfs_state_lock);
	t = dfs_tree_find(sid, tid);
	if (t)
		*flags = t->flags;
	spin_unlock(&dfs_state_lock);
	return t;
}

static struct dfs_fid *dfs_fid_find(u64 sid, u64 pers, u64 vol)
{
	struct dfs_fid *f;

	hash_for_each_possible(dfs_fids, f, node, vol)
		if (f->volatile_id == vol && f->persistent == pers &&
		    f->sid == sid)
			return f;
	return NULL;
}

static void dfs_fid_put(struct dfs_fid *f)
{
	if (refcount_dec_and_test(&f->ref)) {
		fput(f->file);
		kfree(f);
	}
}

int dfs_fid_set(u64 sid, u32 tid, u64 pers, u64 vol, struct file *file,
		u32 access, u32 flags)
{
	struct dfs_fid *f, *old;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	refcount_set(&f->ref, 1);
	atomic_set(&f->inflight, 0);
	f->sid = sid;
	f->tid = tid;
	f->persistent = pers;
	f->volatile_id = vol;
	f->file = file;
	f->access = access;
	f->flags = flags;
	spin_lock(&dfs_state_lock);
	old = dfs_fid_find(sid, pers, vol);
	if (old)
		hash_del(&old->node);
	hash_add(dfs_fids, &f->node, vol);
	spin_unlock(&dfs_state_lock);
	if (old)
		dfs_fid_put(old);
	return 0;
}

int dfs_fid_del(u64 sid, u64 pers, u64 vol)
{
	struct dfs_fid *f;

	spin_lock(&dfs_state_lock);
	f = dfs_fid_find(sid, pers, vol);
	if (f)
		hash_del(&f->node);
	spin_unlock(&dfs_state_lock);
	if (!f)
		return -ENOENT;
	dfs_fid_put(f);
	return 0;
}

int dfs_fid_update(u64 sid, u64 pers, u64 vol, u32 flags)
{
	struct dfs_fid *f;

	spin_lock(&dfs_state_lock);
	f = dfs_fid_find(sid, pers, vol);
	if (f) {
		f->flags = flags;
		refcount_inc(&f->ref);
	}
	spin_unlock(&dfs_state_lock);
	if (!f)
		return -ENOENT;
	/* revoking is synchronous: no fast-path I/O may still be running */
	wait_var_event(&f->inflight, !atomic_read(&f->inflight));
	dfs_fid_put(f);
	return 0;
}

struct dfs_fid *dfs_fid_begin(u64 sid, u32 tid, u64 pers, u64 vol, u32 need,
			      bool *ask)
{
	struct dfs_fid *f;

	*ask = false;
	spin_lock(&dfs_state_lock);
	f = dfs_fid_find(sid, pers, vol);
	if (f && f->tid == tid && (f->flags & need) == need) {
		refcount_inc(&f->ref);
		atomic_inc(&f->inflight);
	} else if (f && f->tid == tid &&
		   ((f->flags & DITTOFS_FID_F_ASK) ||
		    (need == DITTOFS_FID_F_FAST_WRITE &&
		     (f->flags & DITTOFS_FID_F_ASK_WRITE)))) {
		/* no in-flight mark while the daemon is asked: FID_UPDATE waits for those */
		refcount_inc(&f->ref);
		*ask = true;
	} else {
		f = NULL;
	}
	spin_unlock(&dfs_state_lock);
	return f;
}

void dfs_fid_mark(struct dfs_fid *f)
{
	atomic_inc(&f->inflight);
}

void dfs_fid_release(struct dfs_fid *f)
{
	dfs_fid_put(f);
}

void dfs_fid_end(struct dfs_fid *f)
{
	if (atomic_dec_and_test(&f->inflight))
		wake_up_var(&f->inflight);
	dfs_fid_put(f);
}

static void dfs_state_purge(bool all, u64 sid)
{
	struct dfs_fid *f;
	struct dfs_tree *t;
	struct hlist_node *tmp;
	HLIST_HEAD(fids);
	HLIST_HEAD(trees);
	int bkt;

	spin_lock(&dfs_state_lock);
	hash_for_each_safe(dfs_fids, bkt, tmp, f, node) {
		if (all || f->sid == sid) {
			hash_del(&f->node);
			hlist_add_head(&f->node, &fids);
		}
	}
	hash_for_each_safe(dfs_trees, bkt, tmp, t, node) {
		if (all || t->sid == sid) {
			hash_del(&t->node);
			hlist_add_head(&t->node, &trees);
		}
	}
	spin_unlock(&dfs_state_lock);
	hlist_for_each_entry_safe(f, tmp, &fids, node)
		dfs_fid_put(f);
	hlist_for_each_entry_safe(t, tmp, &trees, node)
		kfree(t);
}

void dfs_state_purge_session(u64 sid)
{
	dfs_state_purge(false, sid);
}

void dfs_state_purge_all(void)
{
	dfs_state_purge(true, 0);
}

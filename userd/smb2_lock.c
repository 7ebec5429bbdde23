// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_lock.c - SMB2 LOCK (MS-SMB2 2.2.26, 3.3.5.14) and byte-range lock
 * semantics (MS-FSA 2.1.5.7, 2.1.4.10).
 *
 * A lock belongs to the open that took it and applies to every open of the
 * same file on this server (dev/ino); the locks live in their open
 * (o->locks), so the file's set is the union over its opens. Shared locks
 * stack with anything but another open's exclusive lock; an exclusive lock
 * conflicts with every overlapping lock, the open's own included. A
 * single blocking lock that conflicts goes asynchronous and is retried
 * whenever a lock of its file goes away.
 */
#include <stdlib.h>
#include <string.h>

#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"
#include "userd/server.h"

#ifndef STATUS_INVALID_LOCK_RANGE
#define STATUS_INVALID_LOCK_RANGE	0xC00001A1u
#endif

#define LOCK_REQ_SIZE	48
#define LOCK_FIXED	24	/* the body before the Locks array */
#define LOCK_ELEM_SIZE	24
#define LOCK_RSP_SIZE	4

#define SMB2_LOCKFLAG_SHARED		0x01u
#define SMB2_LOCKFLAG_EXCLUSIVE		0x02u
#define SMB2_LOCKFLAG_UNLOCK		0x04u
#define SMB2_LOCKFLAG_FAIL_IMMEDIATELY	0x10u

/* A blocking lock waiting for a conflicting one to go away. */
struct lock_wait {
	struct dfs_open *o;
	struct dfs_lock l;
};

/* ---- range logic (pure) ---- */

bool dfs_lock_range_ok(u64 off, u64 len)
{
	/* the last byte, off + len - 1, must be representable */
	return len == 0 || len - 1 <= ~0ull - off;
}

/* Is the point p inside the non-empty range, past its first byte? */
static bool point_inside(u64 p, u64 off, u64 len)
{
	return p > off && p - off < len;
}

bool dfs_lock_overlap(u64 off1, u64 len1, u64 off2, u64 len2)
{
	if (len1 == 0 && len2 == 0)
		return false;
	/* a zero-byte lock only meets a range that strictly contains it */
	if (len1 == 0)
		return point_inside(off1, off2, len2);
	if (len2 == 0)
		return point_inside(off2, off1, len1);
	/* compare last bytes: off + len may be 2^64 */
	return off1 <= off2 + (len2 - 1) && off2 <= off1 + (len1 - 1);
}

bool dfs_lock_conflicts(const struct dfs_lock *held, bool same_open, u64 off,
			u64 len, bool excl)
{
	if (!dfs_lock_overlap(held->off, held->len, off, len))
		return false;
	if (excl)
		return true;
	return held->excl && !same_open;
}

bool dfs_lock_io_conflicts(const struct dfs_lock *held, bool same_open, u64 off,
			   u64 len, bool write)
{
	if (len == 0 || held->len == 0 ||
	    !dfs_lock_overlap(held->off, held->len, off, len))
		return false;
	/* a shared lock keeps everyone from writing, its owner too */
	if (write && !held->excl)
		return true;
	return held->excl && !same_open;
}

/* ---- the file's locks ---- */

static bool same_file(const struct dfs_open *a, const struct dfs_open *b)
{
	return a->fd >= 0 && b->fd >= 0 && !a->is_dir && !b->is_dir &&
	       a->dev == b->dev && a->ino == b->ino;
}

/* Does [off, off + len) as (excl) conflict with any lock of o's file? */
static bool lock_conflict(struct dfs_server *srv, const struct dfs_open *o,
			  const struct dfs_lock *l)
{
	u32 i, j;

	for (i = 0; i < srv->opens_cap; i++) {
		const struct dfs_open *h = srv->opens[i];

		if (!h || !h->nlocks || (h != o && !same_file(h, o)))
			continue;
		for (j = 0; j < h->nlocks; j++)
			if (dfs_lock_conflicts(&h->locks[j], h == o, l->off,
					       l->len, l->excl))
				return true;
	}
	return false;
}

bool dfs_lock_file_locked(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 i;

	if (o->nlocks)
		return true;
	for (i = 0; i < srv->opens_cap; i++) {
		const struct dfs_open *h = srv->opens[i];

		if (h && h->nlocks && h != o && same_file(h, o))
			return true;
	}
	return false;
}

u32 dfs_lock_check_io(struct dfs_server *srv, const struct dfs_open *o,
		      u64 off, u64 len, bool write)
{
	u32 i, j;

	if (len == 0)
		return STATUS_SUCCESS;
	for (i = 0; i < srv->opens_cap; i++) {
		const struct dfs_open *h = srv->opens[i];

		if (!h || !h->nlocks || (h != o && !same_file(h, o)))
			continue;
		for (j = 0; j < h->nlocks; j++)
			if (dfs_lock_io_conflicts(&h->locks[j], h == o, off,
						  len, write))
				return STATUS_FILE_LOCK_CONFLICT;
	}
	return STATUS_SUCCESS;
}

static int lock_add(struct dfs_server *srv, struct dfs_open *o,
		    const struct dfs_lock *l)
{
	if (o->nlocks == o->locks_cap) {
		u32 ncap = o->locks_cap ? o->locks_cap * 2 : 4;
		struct dfs_lock *n;

		if (ncap > (1u << 20))
			return -1;
		n = realloc(o->locks, ncap * sizeof(*n));
		if (!n)
			return -1;
		o->locks = n;
		o->locks_cap = ncap;
	}
	/* kernel mode: READ/WRITE already allowed finish before the lock */
	dfs_kernel_file_locked(o);
	o->locks[o->nlocks++] = *l;
	/* level II oplocks cannot survive a byte-range lock (MS-FSA 2.1.5.7) */
	dfs_oplock_written(srv, o);
	return 0;
}

static void lock_remove_at(struct dfs_open *o, u32 i)
{
	o->nlocks--;
	if (i < o->nlocks)
		memmove(&o->locks[i], &o->locks[i + 1],
			(o->nlocks - i) * sizeof(o->locks[0]));
}

/* Remove o's lock on exactly [off, off + len); an exclusive one first. */
static bool lock_remove(struct dfs_open *o, u64 off, u64 len)
{
	u32 i, found = o->nlocks;

	for (i = o->nlocks; i-- > 0;) {
		const struct dfs_lock *l = &o->locks[i];

		if (l->off != off || l->len != len)
			continue;
		if (l->excl) {
			found = i;
			break;
		}
		if (found == o->nlocks)
			found = i;
	}
	if (found == o->nlocks)
		return false;
	lock_remove_at(o, found);
	return true;
}

/* ---- blocking locks ---- */

static void wait_cancel(struct dfs_async *a)
{
	free(a->priv);
	a->priv = NULL;
}

static void lock_rsp(u8 *p)
{
	dfs_put_le16(p, LOCK_RSP_SIZE);
	dfs_put_le16(p + 2, 0);
}

/* Grant the blocked requests on the file of o that no longer conflict. */
static void retry_waiters(struct dfs_server *srv, const struct dfs_open *o)
{
	u64 dev = o->dev, ino = o->ino;
	struct dfs_conn *c;
	struct dfs_async *a;
	u8 body[LOCK_RSP_SIZE];

again:
	for (c = srv->conns; c; c = c->next) {
		for (a = c->asyncs; a; a = a->next) {
			struct lock_wait *w = a->priv;

			if (a->cancel != wait_cancel || !w || !w->o ||
			    w->o->dev != dev || w->o->ino != ino)
				continue;
			if (lock_conflict(srv, w->o, &w->l))
				continue;
			if (lock_add(srv, w->o, &w->l))
				continue;
			dfs_durable_changed(srv, w->o);
			a->priv = NULL;
			free(w);
			lock_rsp(body);
			dfs_async_complete(a, STATUS_SUCCESS, body, sizeof(body));
			goto again;	/* the list changed under us */
		}
	}
}

void dfs_lock_close(struct dfs_server *srv, struct dfs_open *o)
{
	bool had = o->nlocks != 0;

	free(o->locks);
	o->locks = NULL;
	o->nlocks = o->locks_cap = 0;
	if (had)
		retry_waiters(srv, o);
}

static u32 lock_wait(struct dfs_req *r, struct dfs_open *o,
		     const struct dfs_lock *l)
{
	struct lock_wait *w;
	struct dfs_async *a;

	/* only the last request of a compound may go async */
	if (!r->in->last)
		return STATUS_LOCK_NOT_GRANTED;
	w = malloc(sizeof(*w));
	if (!w)
		return STATUS_INSUFFICIENT_RESOURCES;
	a = dfs_async_new(r);
	if (!a) {
		free(w);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	w->o = o;
	w->l = *l;
	a->priv = w;
	a->cancel = wait_cancel;
	a->open = o;
	/* its handle closing ends it (as Windows and Samba answer) */
	a->close_status = STATUS_RANGE_NOT_LOCKED;
	return STATUS_PENDING;
}

/* ---- the request ---- */

static void read_elem(const u8 *e, struct dfs_lock *l, u32 *flags)
{
	l->off = dfs_get_le64(e);
	l->len = dfs_get_le64(e + 8);
	*flags = dfs_get_le32(e + 16);
	l->excl = *flags & SMB2_LOCKFLAG_EXCLUSIVE;
}

/* Unlock requests are processed in order and stop at the first failure. */
static u32 do_unlock(struct dfs_req *r, struct dfs_open *o, const u8 *elems,
		     u16 count)
{
	struct dfs_lock l;
	u32 flags, st = STATUS_SUCCESS;
	bool any = false;
	u16 i;

	for (i = 0; i < count; i++) {
		read_elem(elems + (u32)i * LOCK_ELEM_SIZE, &l, &flags);
		if (flags != SMB2_LOCKFLAG_UNLOCK) {
			st = STATUS_INVALID_PARAMETER;
			break;
		}
		if (!lock_remove(o, l.off, l.len)) {
			st = STATUS_RANGE_NOT_LOCKED;
			break;
		}
		any = true;
	}
	if (any)
		retry_waiters(r->srv, o);
	return st;
}

/* Only a request of one element may block (MS-SMB2 3.3.5.14.2). */
static bool lock_flags_ok(u32 flags, u16 count)
{
	switch (flags) {
	case SMB2_LOCKFLAG_SHARED:
	case SMB2_LOCKFLAG_EXCLUSIVE:
		return count == 1;
	case SMB2_LOCKFLAG_SHARED | SMB2_LOCKFLAG_FAIL_IMMEDIATELY:
	case SMB2_LOCKFLAG_EXCLUSIVE | SMB2_LOCKFLAG_FAIL_IMMEDIATELY:
		return true;
	default:
		return false;
	}
}

/* Lock requests are all or nothing: a failure undoes the earlier elements. */
static u32 do_lock(struct dfs_req *r, struct dfs_open *o, const u8 *elems,
		   u16 count)
{
	u32 base = o->nlocks, flags, st = STATUS_SUCCESS;
	struct dfs_lock l;
	u16 i;

	for (i = 0; i < count; i++) {
		read_elem(elems + (u32)i * LOCK_ELEM_SIZE, &l, &flags);
		if (!lock_flags_ok(flags, count)) {
			st = STATUS_INVALID_PARAMETER;
			break;
		}
		if (!dfs_lock_range_ok(l.off, l.len)) {
			st = STATUS_INVALID_LOCK_RANGE;
			break;
		}
		if (lock_conflict(r->srv, o, &l)) {
			if (count == 1 && !(flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY))
				return lock_wait(r, o, &l);
			st = STATUS_LOCK_NOT_GRANTED;
			break;
		}
		if (lock_add(r->srv, o, &l)) {
			st = STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
	}
	if (st != STATUS_SUCCESS && o->nlocks > base) {
		/* the elements granted by this request are the last ones */
		o->nlocks = base;
		retry_waiters(r->srv, o);
	}
	return st;
}

/*
 * LockSequence (MS-SMB2 3.3.5.14): a multichannel client replays a LOCK
 * on another channel when the first one failed; the replay of one that
 * took effect must succeed without locking again. Windows and Samba check
 * it on every 3.x open when multichannel is on, and on durable opens
 * (a client replays after reclaiming one), and on resilient ones from
 * 2.1 on. Returns the bucket (1..64), or 0 when none applies.
 */
static u32 lock_seq_bucket(const struct dfs_req *r, const struct dfs_open *o,
			   u32 seq)
{
	u32 bucket = seq >> 4;

	if (!dfs_durable_resilient(o) &&
	    (r->conn->dialect < SMB2_DIALECT_300 ||
	     (!dfs_multichannel_enabled(r->srv) && !o->durable)))
		return 0;
	return bucket >= 1 && bucket <= 64 ? bucket : 0;
}

u32 smb2_lock(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_open *o;
	u16 count;
	u32 st, seq, bucket;

	if (r->body_len < LOCK_REQ_SIZE || dfs_get_le16(b) != LOCK_REQ_SIZE)
		return STATUS_INVALID_PARAMETER;
	count = dfs_get_le16(b + 2);
	if (count == 0)
		return STATUS_INVALID_PARAMETER;
	/* every element must lie inside the body */
	if ((u64)count * LOCK_ELEM_SIZE > r->body_len - LOCK_FIXED)
		return STATUS_INVALID_PARAMETER;
	o = dfs_open_lookup(r, b + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (o->is_dir || o->fd < 0)
		return STATUS_INVALID_PARAMETER;
	seq = dfs_get_le32(b + 4);
	bucket = lock_seq_bucket(r, o, seq);
	if (bucket && o->lock_seq[bucket - 1] == (0x10 | (seq & 0xf)))
		goto done;	/* a replay of a LOCK that took effect */
	if (bucket)
		o->lock_seq[bucket - 1] = 0;
	if (dfs_get_le32(b + LOCK_FIXED + 16) & SMB2_LOCKFLAG_UNLOCK)
		st = do_unlock(r, o, b + LOCK_FIXED, count);
	else
		st = do_lock(r, o, b + LOCK_FIXED, count);
	if (st != STATUS_SUCCESS)
		return st;
	if (bucket)
		o->lock_seq[bucket - 1] = 0x10 | (seq & 0xf);
	/* a durable open's record keeps its locks for a restarted daemon */
	dfs_durable_changed(r->srv, o);
done:
	lock_rsp(r->rsp_body);
	r->rsp_len = LOCK_RSP_SIZE;
	return STATUS_SUCCESS;
}

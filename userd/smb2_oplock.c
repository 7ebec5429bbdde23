// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_oplock.c - oplocks (MS-SMB2 3.3.1.10, 3.3.4.6, 3.3.5.22.1).
 *
 * Policy, as Windows and smbd behave: the only open of a file gets the
 * level it asks for (II, exclusive or batch). A second open breaks an
 * exclusive or batch holder to level II, or to none when it supersedes or
 * overwrites the file, and itself gets level II if it asked for any
 * oplock. An exclusive or batch holder must acknowledge or close first,
 * so the new CREATE goes asynchronous and its response waits until then.
 * Opens for attributes only ("stat opens") neither break nor get oplocks.
 * A CREATE that fails the share-mode check against a batch holder first
 * breaks it and waits (the holder may close), then is evaluated again
 * (MS-FSA 2.1.5.1.2); exclusive holders are not broken for that. A
 * rename that takes handle caching from other leases waits for their
 * acknowledgments the same way, parked and run again (MS-SMB2 3.3.5.21.1).
 * A named stream's oplock is its own, apart from its file's.
 * Level II holders are broken to none (no acknowledgment exists for that)
 * when the file is written, truncated or byte-range locked through any
 * open, the writer's own included. In kernel mode the module asks us
 * before each WRITE (IO_VERDICT) while an open of the data holds level
 * II, and we break it then: every change here ends with
 * dfs_kernel_file_changed(), which tells the module (kernel_mode.c).
 * Leases (smb2_lease.c) are judged here too, with the oplocks of the same
 * data, as smbtorture's smb2.lease expects Windows to: a new open of
 * another key takes write caching from a lease (read caching too when it
 * overwrites), and itself gets no write caching, and only read caching
 * next to an oplock; an oplock requester gets none next to a handle lease,
 * level II next to any other. Opens with the same lease key never break
 * each other, and a lone one upgrades its lease to a superset it asks for.
 * In kernel mode the same goes for leases: while another key's lease caches
 * the data for reading, the module asks before each WRITE, and we break
 * that read caching then (dfs_lease_other_reader, smb2_lease.c).
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "userd/server.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_lease.h"
#include "userd/vfs/streams.h"

#define BREAK_SIZE 24
/* Windows' oplock break acknowledgment timer (MS-SMB2 3.3.2.1) */
#define OPLOCK_BREAK_TIMEOUT_MS 35000

/* A CREATE whose response waits for oplock breaks to end. */
struct waiter {
	struct dfs_open *o;	/* the new open; NULL once it is closed */
	u8 requested;		/* the oplock level its CREATE asked for */
	bool overwrite;		/* it truncates: read leases go once it is done */
	u32 lease_want;		/* with a lease: the state it asked for */
	bool lease_unseen;	/* ... made by this CREATE: its client has
				 * not seen an epoch of it yet */
	struct dfs_durable_req dur;	/* and its durable contexts */
	u32 len;
	u32 cap;		/* room in body: len + a durable context */
	u8 body[];
};

/* Room a durable response context takes in a parked response */
#define WAITER_SLACK 32

/*
 * A request that waits for breaks on some data, run again once the
 * holders acknowledged or closed: a CREATE that met a sharing violation
 * against a batch oplock or handle lease, or a rename (SET_INFO) that
 * took other leases' handle caching.
 */
struct retry {
	u64 dev, ino;
	char *stream;		/* the named stream it conflicted on, or NULL */
	u16 command;		/* SMB2_CREATE or SMB2_SET_INFO */
	u32 len;
	u8 body[];		/* the request body */
};

/* Room for a re-run request's response: CREATE's fixed part, MxAc, QFid */
#define RETRY_RSP_ROOM 512

/* Where SET_INFO's FileId is in its body (MS-SMB2 2.2.39) */
#define SET_INFO_FILEID_OFF 16

/* The same data: a file's own, or one named stream of it (NULL = none) */
static bool same_data(const struct dfs_open *o, u64 dev, u64 ino,
		      const char *stream)
{
	if (o->dev != dev || o->ino != ino || !o->stream != !stream)
		return false;
	return !stream || vfs_stream_name_eq(o->stream, stream);
}

/* Oplocks are per stream: a file's and each named stream's are apart. */
static bool same_file(const struct dfs_open *a, const struct dfs_open *b)
{
	return a != b && same_data(a, b->dev, b->ino, b->stream);
}

/*
 * Send an unsolicited OPLOCK_BREAK (MS-SMB2 2.2.23: the oplock or the lease
 * form, `body` of `size` bytes) to session s about an open of tree t.
 */
void dfs_send_break_notification(struct dfs_session *s, const struct dfs_tree *t,
				 const u8 *body, u32 size)
{
	u8 *buf = malloc(DFS_DP_ASYNC_ROOM + SMB2_HDR_SIZE + size);
	u8 *p;

	if (!buf)
		return;
	p = buf + DFS_DP_ASYNC_ROOM;
	memset(p, 0, SMB2_HDR_SIZE);
	dfs_put_le32(p, SMB2_PROTO_ID);
	dfs_put_le16(p + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(p + SMB2_HDR_COMMAND, SMB2_OPLOCK_BREAK);
	dfs_put_le32(p + SMB2_HDR_FLAGS, SMB2_FLAGS_SERVER_TO_REDIR);
	dfs_put_le64(p + SMB2_HDR_MESSAGE_ID, ~0ull);
	memcpy(p + SMB2_HDR_SIZE, body, size);
	/* notifications are never signed; they are encrypted where data is */
	dfs_conn_send_pdu(dfs_session_conn(s), s, false,
			  s->encrypt_data || t->encrypt_data, buf,
			  SMB2_HDR_SIZE + size);
}

/* Tell a holder its oplock is now `level` (an unsolicited OPLOCK_BREAK). */
static void send_break(struct dfs_open *h, u8 level)
{
	u8 b[BREAK_SIZE] = { 0 };

	dfs_put_le16(b, BREAK_SIZE);
	b[2] = level;
	dfs_put_le64(b + 8, h->persistent_id);
	dfs_put_le64(b + 16, h->volatile_id);
	dfs_send_break_notification(h->sess, h->tree, b, sizeof(b));
}

/*
 * Break one other open of the file to `to` (II, or none when the new open
 * overwrites); true if we must wait for its acknowledgment.
 */
static bool break_holder(struct dfs_open *h, u8 to)
{
	if (h->lease)
		return false;	/* leases break as a whole (dfs_lease_break) */
	if (h->oplock_breaking)
		return true;
	if (h->oplock == SMB2_OPLOCK_LEVEL_NONE || h->oplock == to)
		return false;
	send_break(h, to);
	if (h->oplock == SMB2_OPLOCK_LEVEL_II) {
		h->oplock = SMB2_OPLOCK_LEVEL_NONE;	/* II to none: no ack */
		return false;
	}
	h->oplock_breaking = true;
	h->oplock_target = to;
	h->break_deadline = dfs_monotonic_ms() + OPLOCK_BREAK_TIMEOUT_MS;
	return true;
}

/* Rights of an open that touches neither data nor the file's existence */
#define STAT_RIGHTS (FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE)

static bool stat_open(const struct dfs_open *o)
{
	return !(o->access & ~STAT_RIGHTS);
}

/*
 * Is o a stat open as far as holder h is concerned? Reading the security
 * descriptor breaks an oplock (smb2.oplock.statopen1) but not a lease
 * (smb2.lease.statopen4).
 */
static bool stat_open_for(const struct dfs_open *o, const struct dfs_open *h)
{
	u32 rights = STAT_RIGHTS | (h->lease ? READ_CONTROL : 0);

	return !(o->access & ~rights);
}

/* Does the CREATE replace the file's data (SUPERSEDE, OVERWRITE[_IF])? */
static bool overwrites(const struct dfs_req *r)
{
	u32 disp = dfs_get_le32(r->body + 36);	/* CreateDisposition */

	return disp == FILE_SUPERSEDE || disp == FILE_OVERWRITE ||
	       disp == FILE_OVERWRITE_IF;
}

static u8 sole_grant(u8 requested)
{
	switch (requested) {
	case SMB2_OPLOCK_LEVEL_II:
	case SMB2_OPLOCK_LEVEL_EXCLUSIVE:
	case SMB2_OPLOCK_LEVEL_BATCH:
		return requested;
	default:
		return SMB2_OPLOCK_LEVEL_NONE;
	}
}

/* What the other opens of a file hold, once the new open broke them */
struct others {
	bool any;		/* one that counts (not a bare stat open) */
	bool oplock;		/* one keeps an oplock (level II or more) */
	bool handle_lease;	/* a lease of another key keeps handle caching */
	bool wait;		/* a break needs an ack first */
};

/* Break one other open h of o's data for the new open; note what it keeps. */
static void contend(struct dfs_server *srv, struct dfs_open *h, bool over,
		    struct others *ot)
{
	u8 to = over ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II;

	if (h->lease) {
		if (dfs_lease_break(srv, h->lease,
				    dfs_lease_contended(dfs_lease_effective(h->lease),
							over,
							dfs_lease_blocking(h->lease))))
			ot->wait = true;
		if (dfs_lease_effective(h->lease) & SMB2_LEASE_HANDLE)
			ot->handle_lease = true;
		return;
	}
	if (break_holder(h, to))
		ot->wait = true;
	if ((h->oplock_breaking ? h->oplock_target : h->oplock) !=
	    SMB2_OPLOCK_LEVEL_NONE)
		ot->oplock = true;
}

/* o asked for a lease: join or make it, at the state the others allow. */
static void grant_lease(struct dfs_req *r, struct dfs_open *o,
			const struct dfs_lease_req *lr, struct dfs_lease *l,
			const struct others *ot)
{
	u32 st;

	if (!l) {
		l = dfs_lease_new(r, lr, o);
		if (!l)
			return;		/* no memory: no lease, no oplock */
		l->state = ot->any ? dfs_lease_shared_grant(lr->state, ot->oplock) :
				     dfs_lease_valid(lr->state);
	} else if (!l->breaking) {
		st = dfs_lease_upgrade(l->state, lr->state, ot->any, ot->oplock);
		if (st != l->state) {
			if (l->version == 2)
				l->epoch++;
			l->state = st;
			dfs_durable_lease_changed(r->srv, l);
		}
	}
	dfs_lease_attach(o, l);
}

bool dfs_oplock_open(struct dfs_req *r, struct dfs_open *o, u8 requested,
		     const struct dfs_lease_req *lr, u8 *granted)
{
	struct dfs_server *srv = r->srv;
	bool over = overwrites(r), stat_only = false;
	struct dfs_lease *mine = NULL;
	struct others ot = { 0 };
	struct stat st;
	u32 i;

	*granted = SMB2_OPLOCK_LEVEL_NONE;
	if (fstat(o->fd, &st))
		return false;
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	if (lr)
		mine = dfs_lease_find(srv, r->conn->client_guid, lr->key);
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		/* an attributes-only open without an oplock does not count */
		if (!h || !same_file(h, o) || h->pending ||
		    (stat_open(h) && h->oplock == SMB2_OPLOCK_LEVEL_NONE))
			continue;
		/* nor does one that shares the new open's lease */
		if (mine && h->lease == mine)
			continue;
		ot.any = true;
		/* and one that does not overwrite breaks nothing, gets nothing */
		if (!over && stat_open_for(o, h)) {
			stat_only = true;
			continue;
		}
		contend(srv, h, over, &ot);
	}
	if (stat_only)
		return ot.wait;
	/* directories get no oplocks and, without directory leasing, no lease */
	if (o->is_dir)
		*granted = SMB2_OPLOCK_LEVEL_NONE;
	else if (lr)
		grant_lease(r, o, lr, mine, &ot);
	else if (!ot.any)
		*granted = sole_grant(requested);
	else if (ot.handle_lease)
		*granted = SMB2_OPLOCK_LEVEL_NONE;
	else if (sole_grant(requested) != SMB2_OPLOCK_LEVEL_NONE)
		*granted = SMB2_OPLOCK_LEVEL_II;	/* shared: read caching */
	if (o->lease)
		*granted = SMB2_OPLOCK_LEVEL_LEASE;
	else
		o->oplock = *granted;
	/* the truncation is a write: read caching of other leases ends */
	if (over && !ot.wait)
		dfs_lease_written(srv, o);
	dfs_kernel_file_changed(srv, o);
	return ot.wait;
}

static void waiter_cancel(struct dfs_async *a)
{
	struct waiter *w = a->priv;

	a->priv = NULL;
	if (!w)
		return;
	if (w->o) {
		struct dfs_open *o = w->o;

		w->o = NULL;
		o->pending = false;
		dfs_open_close(a->conn->srv, o);
	}
	free(w);
}

/* The async of r: a re-run CREATE keeps the one its client already knows. */
static struct dfs_async *req_async(struct dfs_req *r)
{
	return r->async ? r->async : dfs_async_new(r);
}

u32 dfs_oplock_wait(struct dfs_req *r, struct dfs_open *o, const u8 *body,
		    u32 len, const struct dfs_durable_req *dur, u32 lease_want)
{
	struct dfs_async *a;
	struct waiter *w = calloc(1, sizeof(*w) + len + WAITER_SLACK);

	if (!w)
		return STATUS_INSUFFICIENT_RESOURCES;
	a = req_async(r);
	if (!a) {
		free(w);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	w->o = o;
	w->requested = r->body[3];	/* CREATE's RequestedOplockLevel */
	w->overwrite = overwrites(r);
	w->lease_want = lease_want;
	w->lease_unseen = o->lease && o->lease->nopens == 1;
	if (dur)
		w->dur = *dur;
	w->len = len;
	w->cap = len + WAITER_SLACK;
	memcpy(w->body, body, len);
	o->pending = true;
	a->priv = w;
	a->cancel = waiter_cancel;
	a->outlives_channel = true;
	log_debug("CREATE waits for an oplock break on inode %llu",
		  (unsigned long long)o->ino);
	return STATUS_PENDING;
}

/* Is any other open of o's file still breaking? */
static bool still_breaking(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (h && same_file(h, o) && h->oplock_breaking)
			return true;
	}
	return dfs_lease_breaking_on(srv, o->dev, o->ino, o->stream, o->lease);
}

/* Any other open of o's file left? */
static bool others_open(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (h && same_file(h, o))
			return true;
	}
	return false;
}

/* Alone now, a lease of o's own key gets what it asked for after all. */
static void late_lease(struct dfs_server *srv, struct dfs_lease *l,
		       struct waiter *w)
{
	u8 *data = dfs_create_rsp_find(w->body, w->len, "RqLs");
	u32 st;

	if (l->nopens != 1 || l->breaking || !data)
		return;
	st = dfs_lease_upgrade(l->state, w->lease_want, false, false);
	if (st == l->state)
		return;
	/* the response is the first the client hears of it: one epoch */
	if (l->version == 2 && !w->lease_unseen)
		l->epoch++;
	l->state = st;
	dfs_durable_lease_changed(srv, l);
	dfs_lease_rsp_data(l, l->version, data);
}

/*
 * The holders closed instead of acknowledging (or their connection went):
 * the parked open is now the only one and gets the oplock it asked for,
 * as if it had come a moment later.
 */
static void late_grant(struct dfs_async *a, struct waiter *w)
{
	struct dfs_open *o = w->o;

	if (o->is_dir || others_open(a->conn->srv, o))
		return;
	if (o->lease)
		late_lease(a->conn->srv, o->lease, w);
	else {
		o->oplock = sole_grant(w->requested);
		w->body[2] = o->oplock;
	}
	w->len = dfs_durable_late_grant(a->conn, &w->dur, o, w->body, w->len,
					w->cap);
}

/* Send the parked CREATE responses whose breaks have all ended. */
void dfs_oplock_release(struct dfs_server *srv)
{
	struct dfs_conn *c;
	struct dfs_async *a;

	/* parked requests run again between events (dfs_oplock_run_retries) */
	srv->oplock_retry_due = true;
again:
	for (c = srv->conns; c; c = c->next) {
		for (a = c->asyncs; a; a = a->next) {
			struct waiter *w = a->priv;

			if (a->cancel != waiter_cancel || !w || !w->o ||
			    still_breaking(srv, w->o))
				continue;
			w->o->pending = false;
			late_grant(a, w);
			if (w->overwrite)
				dfs_lease_truncated(srv, w->o);
			a->priv = NULL;
			dfs_async_complete(a, STATUS_SUCCESS, w->body, w->len);
			free(w);
			goto again;	/* the list changed under us */
		}
	}
}

void dfs_oplock_written(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (h && h->oplock == SMB2_OPLOCK_LEVEL_II && !h->oplock_breaking &&
		    same_data(h, o->dev, o->ino, o->stream) && h->fd >= 0) {
			send_break(h, SMB2_OPLOCK_LEVEL_NONE);
			h->oplock = SMB2_OPLOCK_LEVEL_NONE;
		}
	}
	dfs_lease_written(srv, o);
	dfs_kernel_file_changed(srv, o);
}

bool dfs_oplock_level2_held(struct dfs_server *srv, const struct dfs_open *o)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		const struct dfs_open *h = srv->opens[i];

		if (!h || !same_data(h, o->dev, o->ino, o->stream))
			continue;
		if (h->oplock == SMB2_OPLOCK_LEVEL_II ||
		    (h->oplock_breaking &&
		     h->oplock_target == SMB2_OPLOCK_LEVEL_II))
			return true;
	}
	return false;
}

/* The parked CREATE of o, on whichever channel it came (any connection). */
static void cancel_waiter(struct dfs_server *srv, struct dfs_open *o)
{
	struct dfs_conn *c;
	struct dfs_async *a;

	for (c = srv->conns; c; c = c->next) {
		for (a = c->asyncs; a; a = a->next) {
			struct waiter *w = a->priv;

			if (a->cancel == waiter_cancel && w && w->o == o) {
				w->o = NULL;
				waiter_cancel(a);
				dfs_async_complete(a, STATUS_CANCELLED, NULL, 0);
				return;
			}
		}
	}
}

void dfs_oplock_close(struct dfs_open *o)
{
	struct dfs_server *srv = o->sess->conn->srv;

	dfs_lease_open_gone(srv, o);
	if (o->pending) {
		/* a parked CREATE whose open goes away (tree or session gone) */
		cancel_waiter(srv, o);
		o->pending = false;
		return;
	}
	if (o->oplock_breaking) {
		o->oplock_breaking = false;
		o->oplock = SMB2_OPLOCK_LEVEL_NONE;
		/* it left the open table already: closing ends its break */
		dfs_oplock_release(srv);
	}
	/* a level II holder gone may give the other opens fast WRITEs back */
	dfs_kernel_file_changed(srv, o);
}

void dfs_oplock_tick(struct dfs_server *srv, u64 now_ms)
{
	bool ended = false;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (!h || !h->oplock_breaking || now_ms < h->break_deadline)
			continue;
		/* no acknowledgment in time: the holder is at the target level */
		log_info("oplock break on inode %llu not acknowledged in %d s",
			 (unsigned long long)h->ino, OPLOCK_BREAK_TIMEOUT_MS / 1000);
		h->oplock_breaking = false;
		h->oplock = h->oplock_target;
		dfs_kernel_file_changed(srv, h);
		ended = true;
	}
	if (dfs_lease_tick(srv, now_ms))
		ended = true;
	if (ended)
		dfs_oplock_release(srv);
}

/* OPLOCK_BREAK acknowledgment (3.3.5.22.1) */
u32 smb2_oplock_break(struct dfs_req *r)
{
	struct dfs_open *o;
	u8 level;

	/* the StructureSize tells a lease acknowledgment from an oplock one */
	if (r->body_len >= 2 && dfs_get_le16(r->body) == 36)
		return dfs_lease_break_ack(r);
	if (r->body_len < BREAK_SIZE || dfs_get_le16(r->body) != BREAK_SIZE)
		return STATUS_INVALID_PARAMETER;
	level = r->body[2];
	o = dfs_open_lookup(r, r->body + 8);
	if (!o)
		return STATUS_FILE_CLOSED;
	if (!o->oplock_breaking)
		return STATUS_INVALID_OPLOCK_PROTOCOL;
	if (level != SMB2_OPLOCK_LEVEL_NONE && level != SMB2_OPLOCK_LEVEL_II)
		return STATUS_INVALID_PARAMETER;
	if (level > o->oplock_target) {
		/* acknowledged above what we broke to: the break still ends at target */
		level = o->oplock_target;
	}
	o->oplock = level;
	o->oplock_breaking = false;
	dfs_kernel_file_changed(r->srv, o);
	memset(r->rsp_body, 0, BREAK_SIZE);
	dfs_put_le16(r->rsp_body, BREAK_SIZE);
	r->rsp_body[2] = level;
	memcpy(r->rsp_body + 8, r->body + 8, 16);
	r->rsp_len = BREAK_SIZE;
	dfs_oplock_release(r->srv);
	return STATUS_SUCCESS;
}

/* --- batch oplocks before the share-mode check (MS-FSA 2.1.5.1.2) ------ */

static void retry_free(struct retry *w)
{
	if (!w)
		return;
	free(w->stream);
	free(w);
}

static void retry_cancel(struct dfs_async *a)
{
	retry_free(a->priv);
	a->priv = NULL;
}

static u32 park_retry(struct dfs_req *r, u64 dev, u64 ino, const char *stream)
{
	struct retry *w;
	struct dfs_async *a;

	/* only the last request of a compound may go async */
	if (r->in && !r->in->last)
		return STATUS_SHARING_VIOLATION;
	w = calloc(1, sizeof(*w) + r->body_len);
	if (!w)
		return STATUS_INSUFFICIENT_RESOURCES;
	w->dev = dev;
	w->ino = ino;
	w->stream = stream ? strdup(stream) : NULL;
	w->command = r->command;
	w->len = r->body_len;
	memcpy(w->body, r->body, r->body_len);
	a = (stream && !w->stream) ? NULL : req_async(r);
	if (!a) {
		retry_free(w);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	a->priv = w;
	a->cancel = retry_cancel;
	a->outlives_channel = r->command == SMB2_CREATE;
	log_debug("%s waits for a break on inode %llu",
		  r->command == SMB2_CREATE ? "CREATE" : "SET_INFO",
		  (unsigned long long)ino);
	return STATUS_PENDING;
}

u32 dfs_oplock_rename_wait(struct dfs_req *r, const struct dfs_open *o)
{
	struct retry *w;
	u32 st;

	if (r->in && !r->in->last)
		return STATUS_SUCCESS;
	st = park_retry(r, o->dev, o->ino, o->stream);
	if (st != STATUS_PENDING)
		return st;
	/*
	 * A related compound's all-ones FileId means nothing on the re-run:
	 * keep the open's own id in the parked body.
	 */
	w = r->async->priv;
	dfs_put_le64(w->body + SET_INFO_FILEID_OFF, o->persistent_id);
	dfs_put_le64(w->body + SET_INFO_FILEID_OFF + 8, o->volatile_id);
	return STATUS_PENDING;
}

/*
 * Disconnected durable opens of the data with a batch oplock or a handle
 * lease: the break a sharing violation needs could never be acknowledged,
 * so they close (MS-SMB2 3.3.4.6/3.3.4.7 let the server do so).
 */
static bool close_disconnected_holders(struct dfs_server *srv, u64 dev,
				       u64 ino, const char *stream)
{
	bool closed = false;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (!h || !dfs_durable_disconnected(h) ||
		    !same_data(h, dev, ino, stream) ||
		    (h->oplock != SMB2_OPLOCK_LEVEL_BATCH &&
		     !dfs_lease_has_handle(h)))
			continue;
		log_verbose("durable open %016llx closed: a sharing violation "
			    "needs its handle", (unsigned long long)h->persistent_id);
		dfs_open_close(srv, h);
		closed = true;
	}
	return closed;
}

u32 dfs_oplock_share_conflict(struct dfs_req *r, u64 dev, u64 ino,
			      const char *stream, bool overwrite)
{
	struct dfs_server *srv = r->srv;
	u8 to = overwrite ? SMB2_OPLOCK_LEVEL_NONE : SMB2_OPLOCK_LEVEL_II;
	bool wait = false;
	u32 i;

	/* a disconnected durable open no one can break gives way at once */
	if (close_disconnected_holders(srv, dev, ino, stream)) {
		srv->oplock_retry_due = true;
		return park_retry(r, dev, ino, stream);
	}
	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		/* only batch: an exclusive holder's conflict fails at once */
		if (!h || h->pending || h->oplock != SMB2_OPLOCK_LEVEL_BATCH ||
		    !same_data(h, dev, ino, stream))
			continue;
		if (break_holder(h, to))
			wait = true;
	}
	/* and handle leases give their handles up (they may close) */
	if (dfs_lease_share_conflict(srv, dev, ino, stream))
		wait = true;
	return wait ? park_retry(r, dev, ino, stream) : STATUS_SHARING_VIOLATION;
}

bool dfs_oplock_create_parked(struct dfs_server *srv, u64 session_id,
			      const u8 guid[16])
{
	struct dfs_conn *c;
	struct dfs_async *a;
	u8 g[16];

	for (c = srv->conns; c; c = c->next) {
		for (a = c->asyncs; a; a = a->next) {
			const struct retry *w = a->priv;

			if (a->cancel == retry_cancel && w &&
			    w->command == SMB2_CREATE &&
			    a->session_id == session_id &&
			    dfs_create_req_guid(w->body, w->len, g) &&
			    !memcmp(g, guid, 16))
				return true;
		}
	}
	return false;
}

static bool retry_blocked(struct dfs_server *srv, const struct retry *w)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *h = srv->opens[i];

		if (h && h->oplock_breaking && same_data(h, w->dev, w->ino, w->stream))
			return true;
	}
	return dfs_lease_breaking_on(srv, w->dev, w->ino, w->stream, NULL);
}

/* Run a parked request again, as the session that sent it, on its async. */
static void rerun(struct dfs_server *srv, struct dfs_async *a, struct retry *w)
{
	struct dfs_session *s = dfs_session_find(a->conn, a->session_id);
	struct dfs_tree *t = s ? dfs_tree_find(s, a->tree_id) : NULL;
	struct dfs_req r = { 0 };
	u8 *rsp;
	u32 st;

	rsp = t ? calloc(1, SMB2_HDR_SIZE + RETRY_RSP_ROOM) : NULL;
	if (!rsp) {
		dfs_async_complete(a, t ? STATUS_INSUFFICIENT_RESOURCES :
				   STATUS_NETWORK_NAME_DELETED, NULL, 0);
		return;
	}
	r.srv = srv;
	r.conn = a->conn;
	r.sess = s;
	r.tree = t;
	r.body = w->body;
	r.body_len = w->len;
	r.command = w->command;
	r.credit_charge = a->credit_charge;
	r.message_id = a->message_id;
	r.rsp = rsp;
	r.rsp_body = rsp + SMB2_HDR_SIZE;
	r.rsp_cap = RETRY_RSP_ROOM;
	r.async = a;
	st = w->command == SMB2_CREATE ? smb2_create(&r) : smb2_set_info(&r);
	/* STATUS_PENDING: parked again on the same async */
	if (st != STATUS_PENDING)
		dfs_async_complete(a, st, st == STATUS_SUCCESS ? r.rsp_body : NULL,
				   r.rsp_len);
	free(rsp);
}

void dfs_oplock_run_retries(struct dfs_server *srv)
{
	struct dfs_conn *c;
	struct dfs_async *a;

	srv->oplock_retry_due = false;
again:
	for (c = srv->conns; c; c = c->next) {
		for (a = c->asyncs; a; a = a->next) {
			struct retry *w = a->priv;

			if (a->cancel != retry_cancel || !w || retry_blocked(srv, w))
				continue;
			a->priv = NULL;
			a->cancel = NULL;
			rerun(srv, a, w);
			retry_free(w);
			goto again;	/* the lists changed under us */
		}
	}
}

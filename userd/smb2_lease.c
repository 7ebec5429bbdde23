// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_lease.c - the lease table (MS-SMB2 3.3.1.4), lease breaks (3.3.4.7)
 * and their acknowledgments (3.3.5.22.2).
 *
 * Leases live in a list on the server, keyed by (ClientGuid, LeaseKey),
 * each tied to the data it caches (dev, ino and named stream). Opens point
 * at their lease; the last one to close frees it. Which state a CREATE
 * gets, and whom it breaks, is decided with the oplocks of the same file
 * in smb2_oplock.c; the rules themselves are in lease_state.c.
 *
 * A break that needs an acknowledgment (from anything but R alone) leaves
 * the lease "breaking" until the client acks or 35 s pass, like an oplock
 * break; conflicts that arrive meanwhile only lower where it must end
 * (pending_to), and the ack starts the next break if that is lower still.
 * In kernel mode a WRITE that must break other keys' read caching goes
 * through us: while dfs_lease_other_reader() holds for an open, dittofs.ko
 * asks before each of its WRITEs (kernel_mode.c), and every change of a
 * lease's state here tells the module so (dfs_kernel_data_changed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_lease.h"
#include "userd/vfs/streams.h"

#define LEASE_BREAK_SIZE	44
#define LEASE_ACK_SIZE		36
/* as for oplocks: Windows' break acknowledgment timer (3.3.2.1) */
#define LEASE_BREAK_TIMEOUT_MS	35000

bool dfs_lease_offered(const struct dfs_req *r)
{
	return r->conn->server_caps & SMB2_GLOBAL_CAP_LEASING;
}

struct dfs_lease *dfs_lease_find(struct dfs_server *srv, const u8 *client_guid,
				 const u8 *key)
{
	struct dfs_lease *l;

	for (l = srv->leases; l; l = l->next)
		if (!memcmp(l->key, key, 16) &&
		    !memcmp(l->client_guid, client_guid, 16))
			return l;
	return NULL;
}

static bool lease_on(const struct dfs_lease *l, u64 dev, u64 ino,
		     const char *stream)
{
	if (l->dev != dev || l->ino != ino || !l->stream != !stream)
		return false;
	return !stream || vfs_stream_name_eq(l->stream, stream);
}

u32 dfs_lease_check_file(struct dfs_req *r, const struct dfs_lease_req *lr,
			 const struct dfs_open *o)
{
	struct dfs_lease *l;

	if (!lr || !lr->present)
		return STATUS_SUCCESS;
	l = dfs_lease_find(r->srv, r->conn->client_guid, lr->key);
	if (l && !lease_on(l, o->dev, o->ino, o->stream))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* A lease like `want`, on the named stream `stream` or the file, in the table */
static struct dfs_lease *lease_add(struct dfs_server *srv,
				   const struct dfs_lease *want,
				   const char *stream)
{
	struct dfs_lease *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (stream && !(l->stream = strdup(stream))) {
		free(l);
		return NULL;
	}
	memcpy(l->client_guid, want->client_guid, 16);
	memcpy(l->key, want->key, 16);
	memcpy(l->parent, want->parent, 16);
	l->version = want->version;
	l->epoch = want->epoch;
	l->state = want->state;
	l->dev = want->dev;
	l->ino = want->ino;
	l->next = srv->leases;
	srv->leases = l;
	return l;
}

struct dfs_lease *dfs_lease_new(struct dfs_req *r, const struct dfs_lease_req *lr,
				const struct dfs_open *o)
{
	struct dfs_lease want = {
		.version = lr->version,
		/* a v2 lease starts one past the epoch the client sent (3.3.5.9.11) */
		.epoch = lr->version == 2 ? (u16)(lr->epoch + 1) : 0,
		.dev = o->dev,
		.ino = o->ino,
	};

	memcpy(want.client_guid, r->conn->client_guid, 16);
	memcpy(want.key, lr->key, 16);
	memcpy(want.parent, lr->parent, 16);
	return lease_add(r->srv, &want, o->stream);
}

/* Is epoch a later than b? (v2 epochs wrap around) */
static bool epoch_after(u16 a, u16 b)
{
	return (int16_t)(u16)(a - b) > 0;
}

int dfs_lease_restore(struct dfs_server *srv, const struct dfs_lease *want,
		      struct dfs_lease **out)
{
	struct dfs_lease *l = dfs_lease_find(srv, want->client_guid, want->key);

	if (l) {
		if (!lease_on(l, want->dev, want->ino, NULL))
			return -EEXIST;
		/*
		 * Records of one lease are rewritten together, so they agree;
		 * should they not, the larger state is the one a client may
		 * still act on.
		 */
		l->state |= want->state;
		if (epoch_after(want->epoch, l->epoch))
			l->epoch = want->epoch;
		*out = l;
		return 0;
	}
	l = lease_add(srv, want, NULL);
	if (!l)
		return -ENOMEM;
	*out = l;
	return 0;
}

void dfs_lease_attach(struct dfs_open *o, struct dfs_lease *l)
{
	o->lease = l;
	o->oplock = SMB2_OPLOCK_LEVEL_LEASE;
	l->nopens++;
}

u32 dfs_lease_effective(const struct dfs_lease *l)
{
	return l->breaking ? l->pending_to : l->state;
}

/* An open of l whose connection can carry a notification */
static struct dfs_open *notify_target(struct dfs_server *srv,
				      const struct dfs_lease *l)
{
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		struct dfs_open *o = srv->opens[i];

		if (o && o->lease == l && !o->pending &&
		    !dfs_durable_disconnected(o) && !o->sess->conn->closing)
			return o;
	}
	return NULL;
}

static struct dfs_session *valid_session(struct dfs_conn *c)
{
	struct dfs_session *s;

	for (s = c->sessions; s; s = s->next)
		if (s->state == DFS_SESS_VALID && !s->dead)
			return s;
	return NULL;
}

/*
 * A lease belongs to the client, not to one connection: the break goes
 * to the client's oldest connection (as Windows and smbd send it, see
 * smb2.lease.v2_complex1), else to the session of the open found.
 */
static struct dfs_session *break_session(struct dfs_server *srv,
					 const struct dfs_lease *l,
					 struct dfs_open *o)
{
	struct dfs_session *best = NULL, *s;
	struct dfs_conn *c;

	/* new connections go to the head of the list: the last is oldest */
	for (c = srv->conns; c; c = c->next) {
		if (c->closing || !c->negotiated ||
		    memcmp(c->client_guid, l->client_guid, 16))
			continue;
		s = valid_session(c);
		if (s)
			best = s;
	}
	return best ? best : o->sess;
}

/* The LEASE_BREAK notification (2.2.23.2) */
static void send_lease_break(struct dfs_server *srv, struct dfs_open *o,
			     const struct dfs_lease *l, u32 to, bool ack)
{
	u8 b[LEASE_BREAK_SIZE] = { 0 };

	dfs_put_le16(b, LEASE_BREAK_SIZE);
	if (l->version == 2)
		dfs_put_le16(b + 2, l->epoch);
	dfs_put_le32(b + 4, ack ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED : 0);
	memcpy(b + 8, l->key, 16);
	dfs_put_le32(b + 24, l->state);
	dfs_put_le32(b + 28, to);
	dfs_send_break_notification(break_session(srv, l, o), o->tree, b, sizeof(b));
}

/*
 * Send the break of l to `to`. A v2 lease's epoch moves when a break
 * starts afresh; the next steps of one already going on (after an ack)
 * keep it, as smbtorture's v2_breaking3 and v2_complex1 see Windows do.
 */
static bool send_or_note_break(struct dfs_server *srv, struct dfs_lease *l,
			       u32 to, bool fresh, bool blocking)
{
	struct dfs_open *o;
	bool ack;

	if (l->breaking) {
		/* nothing more to take: wait only if this break is waited for */
		if (!(l->pending_to & ~to))
			return blocking && l->blocking;
		/* one notification at a time: the ack starts the next one */
		l->pending_to &= to;
		l->blocking |= blocking;
		return blocking;
	}
	to &= l->state;
	if (to == l->state)
		return false;
	o = notify_target(srv, l);
	if (!o) {
		/* no one to tell (all its opens are disconnected): it just is */
		l->state = to;
		dfs_durable_lease_changed(srv, l);
		return false;
	}
	ack = dfs_lease_break_needs_ack(l->state);
	if (l->version == 2 && fresh)
		l->epoch++;
	send_lease_break(srv, o, l, to, ack);
	if (!ack) {
		l->state = to;
		dfs_durable_lease_changed(srv, l);
		return false;
	}
	l->breaking = true;
	l->blocking = blocking;
	l->breaking_to = to;
	l->pending_to = to;
	l->break_deadline = dfs_monotonic_ms() + LEASE_BREAK_TIMEOUT_MS;
	/* the new epoch; the state kept is the one before, until the ack */
	dfs_durable_lease_changed(srv, l);
	return true;
}

/*
 * A break lowers what conflicts are judged by at once (the target, while
 * it waits for the ack): in kernel mode, the WRITEs of other opens of the
 * data may no longer need to ask us (kernel_mode.c).
 */
static bool start_break(struct dfs_server *srv, struct dfs_lease *l, u32 to,
			bool fresh, bool blocking)
{
	bool wait = send_or_note_break(srv, l, to, fresh, blocking);

	dfs_kernel_data_changed(srv, l->dev, l->ino);
	return wait;
}

bool dfs_lease_break(struct dfs_server *srv, struct dfs_lease *l, u32 to)
{
	return start_break(srv, l, to, true, true);
}

bool dfs_lease_blocking(const struct dfs_lease *l)
{
	return l->breaking && l->blocking;
}

bool dfs_lease_breaking_on(struct dfs_server *srv, u64 dev, u64 ino,
			   const char *stream, const struct dfs_lease *except)
{
	struct dfs_lease *l;

	for (l = srv->leases; l; l = l->next)
		if (l != except && dfs_lease_blocking(l) &&
		    lease_on(l, dev, ino, stream))
			return true;
	return false;
}

/* Does l cache o's data for reading, under another key than o's? */
static bool reads_for_other(const struct dfs_lease *l, const struct dfs_open *o)
{
	return l != o->lease && (dfs_lease_effective(l) & SMB2_LEASE_READ) &&
	       lease_on(l, o->dev, o->ino, o->stream);
}

bool dfs_lease_other_reader(struct dfs_server *srv, const struct dfs_open *o)
{
	struct dfs_lease *l;

	for (l = srv->leases; l; l = l->next)
		if (reads_for_other(l, o))
			return true;
	return false;
}

static void break_readers(struct dfs_server *srv, const struct dfs_open *o,
			  bool fresh)
{
	struct dfs_lease *l;

	for (l = srv->leases; l; l = l->next)
		if (reads_for_other(l, o))
			/* the writer does not wait for the ack */
			start_break(srv, l, SMB2_LEASE_NONE, fresh, false);
}

void dfs_lease_written(struct dfs_server *srv, const struct dfs_open *o)
{
	break_readers(srv, o, true);
}

void dfs_lease_truncated(struct dfs_server *srv, const struct dfs_open *o)
{
	break_readers(srv, o, false);
}

bool dfs_lease_rename_break(struct dfs_server *srv, const struct dfs_open *o)
{
	struct dfs_lease *l;
	bool wait = false;

	for (l = srv->leases; l; l = l->next) {
		u32 eff = dfs_lease_effective(l);

		if (l != o->lease && (eff & SMB2_LEASE_HANDLE) &&
		    lease_on(l, o->dev, o->ino, o->stream) &&
		    dfs_lease_break(srv, l, eff & ~SMB2_LEASE_HANDLE))
			wait = true;
	}
	return wait;
}

bool dfs_lease_share_conflict(struct dfs_server *srv, u64 dev, u64 ino,
			      const char *stream)
{
	struct dfs_lease *l;
	bool wait = false;

	for (l = srv->leases; l; l = l->next) {
		u32 eff = dfs_lease_effective(l);

		if (!(eff & SMB2_LEASE_HANDLE) || !lease_on(l, dev, ino, stream))
			continue;
		if (dfs_lease_break(srv, l, eff & ~SMB2_LEASE_HANDLE))
			wait = true;
	}
	return wait;
}

bool dfs_lease_has_handle(const struct dfs_open *o)
{
	return o->lease && (o->lease->state & SMB2_LEASE_HANDLE);
}

static void lease_free(struct dfs_server *srv, struct dfs_lease *l)
{
	struct dfs_lease **pp;

	for (pp = &srv->leases; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l->stream);
	free(l);
}

void dfs_lease_open_gone(struct dfs_server *srv, struct dfs_open *o)
{
	struct dfs_lease *l = o->lease;
	bool was_breaking;

	if (!l)
		return;
	o->lease = NULL;
	if (--l->nopens)
		return;
	was_breaking = l->breaking;
	lease_free(srv, l);
	/* its read caching gone, other opens' WRITEs may go fast again */
	dfs_kernel_data_changed(srv, o->dev, o->ino);
	/* a break no one will acknowledge now: those waiting on it go on */
	if (was_breaking)
		dfs_oplock_release(srv);
}

/* A break ended at `state`: a lower target since then starts the next one. */
static void break_ended(struct dfs_server *srv, struct dfs_lease *l, u32 state)
{
	bool blocking = l->blocking;

	l->state = state;
	l->breaking = false;
	l->blocking = false;
	dfs_durable_lease_changed(srv, l);
	if (l->state & ~l->pending_to)
		start_break(srv, l, l->pending_to, false, blocking);
	else
		dfs_kernel_data_changed(srv, l->dev, l->ino);
}

bool dfs_lease_tick(struct dfs_server *srv, u64 now_ms)
{
	struct dfs_lease *l;
	bool ended = false;

	for (l = srv->leases; l; l = l->next) {
		if (!l->breaking || now_ms < l->break_deadline)
			continue;
		log_info("lease break on inode %llu not acknowledged in %d s",
			 (unsigned long long)l->ino, LEASE_BREAK_TIMEOUT_MS / 1000);
		/* a client that does not answer keeps nothing (smb2.lease.timeout) */
		l->pending_to = SMB2_LEASE_NONE;
		l->blocking = false;
		break_ended(srv, l, SMB2_LEASE_NONE);
		ended = true;
	}
	return ended;
}

u32 dfs_lease_break_ack(struct dfs_req *r)
{
	const u8 *b = r->body;
	struct dfs_lease *l;
	u32 acked, st;

	if (r->body_len < LEASE_ACK_SIZE)
		return STATUS_INVALID_PARAMETER;
	acked = dfs_get_le32(b + 24);
	l = dfs_lease_find(r->srv, r->conn->client_guid, b + 8);
	if (!l)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	st = dfs_lease_ack_status(l->breaking, l->breaking_to, acked);
	if (st)
		return st;
	break_ended(r->srv, l, acked);
	memset(r->rsp_body, 0, LEASE_ACK_SIZE);
	dfs_put_le16(r->rsp_body, LEASE_ACK_SIZE);
	memcpy(r->rsp_body + 8, l->key, 16);
	dfs_put_le32(r->rsp_body + 24, acked);
	r->rsp_len = LEASE_ACK_SIZE;
	dfs_oplock_release(r->srv);
	return STATUS_SUCCESS;
}

u32 dfs_lease_reconnect_check(const struct dfs_req *r, const struct dfs_open *o,
			      const struct dfs_lease_req *lr, const char *path)
{
	const struct dfs_lease *l = o->lease;

	/* a leased open comes back only with its lease, and a plain one without */
	if (!l != !(lr && lr->present))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (l && (memcmp(l->key, lr->key, 16) ||
		  memcmp(l->client_guid, r->conn->client_guid, 16)))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (l && (!o->path || strcasecmp(o->path, path)))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

void dfs_lease_append_rsp(struct dfs_req *r, const struct dfs_open *o)
{
	u8 data[DFS_LEASE_V2_LEN];
	u32 dlen;

	if (!o->lease)
		return;
	dlen = dfs_lease_rsp_data(o->lease, o->lease->version, data);
	r->rsp_len = dfs_create_rsp_append(r->rsp_body, r->rsp_len, r->rsp_cap,
					   "RqLs", data, dlen);
}

void dfs_lease_table_free(struct dfs_server *srv)
{
	while (srv->leases)
		lease_free(srv, srv->leases);
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smb2_durable.c - durable handles (MS-SMB2 3.3.5.9.6, 3.3.5.9.7,
 * 3.3.5.9.10, 3.3.5.9.12, 3.3.7.1).
 *
 * A durable open is an ordinary open with a struct dfs_durable. When its
 * connection is lost (not on LOGOFF, TREE_DISCONNECT or CLOSE) it is not
 * closed: it moves to a holder session and tree of its own (a copy of the
 * user's identity and of the share, so that every path that looks at
 * o->sess or o->tree keeps working), its fd, share modes and byte-range
 * locks stay, and a deadline starts. A DHnC/DH2C reconnect of the same
 * user moves it to the new session and tree; the deadline closes it; a
 * new open of the file that would break its batch oplock closes it too
 * (no one is there to acknowledge, and MS-SMB2 3.3.4.6 lets the server
 * close a disconnected open instead of breaking it).
 *
 * Persistent handles need continuously available shares, which we do not
 * have: a persistent request gets at most a durable handle. Kernel mode
 * grants them too: a lost connection's durable opens leave the module's
 * FileId table (FID_DEL) with the session that owned them, and a reconnect
 * installs them again with the new session (FID_SET, kernel_mode.c).
 *
 * Every durable open is also recorded in durable.mdb (store/durable_db.c),
 * and rewritten when it disconnects, reconnects, is renamed or its locks
 * change (smb2_lock.c): a restarted daemon opens the recorded files again
 * (smb2_durable_restore.c). Records outlive a stop as they outlive a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/log.h"
#include "userd/smb2_durable.h"
#include "userd/smb2_lease.h"
#include "userd/store/durable_db.h"

/* DH2Q timeouts we accept (ms): 0 asks for ours; larger ones are capped */
#define V2_MAX_TIMEOUT_MS (300u * 1000)
#define DH2_FLAG_PERSISTENT 0x00000002u
/* NETWORK_RESILIENCY_REQUEST: Timeout (ms) and Reserved (MS-SMB2 2.2.31.3) */
#define RESILIENCY_REQ_SIZE 8

struct dfs_durable {
	u8 version;			/* 1 = DHnQ, 2 = DH2Q */
	u8 create_guid[16];
	u8 client_guid[16];
	u32 timeout_ms;			/* how long it may stay disconnected */
	bool resilient;			/* FSCTL_LMR_REQUEST_RESILIENCY made it so */
	u32 resilient_ms;		/* ... and then this timeout applies */
	bool disconnected;
	u64 deadline_ms;		/* monotonic: then it closes */
	/* while disconnected: the owner o->sess and o->tree point at */
	struct dfs_session *hold_sess;
	struct dfs_tree *hold_tree;
};

/* Per server: the record store and the connection holders point at */
struct dfs_durable_state {
	struct dfs_durable_db *db;
	struct dfs_conn gone;		/* "(disconnected)": never in srv->conns */
	bool stopping;			/* closing for a stop: records stay */
};

static struct dfs_durable_state *state_of(struct dfs_server *srv)
{
	return srv->durable;
}

/* How long it may stay disconnected: a resilient open's own timeout wins */
static u32 keep_timeout(const struct dfs_durable *d)
{
	return d->resilient ? d->resilient_ms : d->timeout_ms;
}

/* ---- request parsing -------------------------------------------------- */

bool dfs_durable_context(struct dfs_durable_req *d, const u8 *name,
			 const u8 *data, u32 dlen, u32 *st)
{
	*st = STATUS_SUCCESS;
	if (!memcmp(name, "DHnQ", 4)) {
		if (dlen < 16)
			*st = STATUS_INVALID_PARAMETER;
		d->v1_req = true;
	} else if (!memcmp(name, "DH2Q", 4)) {
		if (dlen < 32) {
			*st = STATUS_INVALID_PARAMETER;
			return true;
		}
		d->v2_req = true;
		d->timeout = dfs_get_le32(data);
		d->persistent = dfs_get_le32(data + 4) & DH2_FLAG_PERSISTENT;
		memcpy(d->create_guid, data + 16, 16);
	} else if (!memcmp(name, "DHnC", 4)) {
		if (dlen < 16) {
			*st = STATUS_INVALID_PARAMETER;
			return true;
		}
		d->v1_reconn = true;
		memcpy(d->fileid, data, 16);
	} else if (!memcmp(name, "DH2C", 4)) {
		if (dlen < 36) {
			*st = STATUS_INVALID_PARAMETER;
			return true;
		}
		d->v2_reconn = true;
		memcpy(d->fileid, data, 16);
		memcpy(d->create_guid, data + 16, 16);
		d->persistent = dfs_get_le32(data + 32) & DH2_FLAG_PERSISTENT;
	} else {
		return false;
	}
	return true;
}

u32 dfs_durable_validate(const struct dfs_durable_req *d)
{
	/* a v2 context with any other durable one is a contradiction */
	if (d->v2_req && (d->v1_req || d->v1_reconn || d->v2_reconn))
		return STATUS_INVALID_PARAMETER;
	if (d->v2_reconn && (d->v1_req || d->v1_reconn))
		return STATUS_INVALID_PARAMETER;
	return STATUS_SUCCESS;
}

/* ---- the record store ------------------------------------------------- */

static u64 wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/* Its byte-range locks and LockSequence buckets, so a restart keeps them */
static void fill_locks(const struct dfs_open *o, struct dfs_durable_rec *rec)
{
	u32 i;

	memcpy(rec->lock_seq, o->lock_seq, sizeof(rec->lock_seq));
	rec->nlocks = o->nlocks > 0xffff ? 0xffff : (u16)o->nlocks;
	if (o->nlocks > DFS_DURABLE_REC_LOCKS)
		return;	/* too many: the record says so, and keeps none */
	for (i = 0; i < o->nlocks; i++) {
		rec->locks[i].off = o->locks[i].off;
		rec->locks[i].len = o->locks[i].len;
		rec->locks[i].excl = o->locks[i].excl;
	}
}

/*
 * Its lease, as it is now: the record follows every change of its state
 * (dfs_durable_lease_changed), so a restarted daemon never believes the
 * client caches less than it does.
 */
static void fill_lease(const struct dfs_lease *l, struct dfs_durable_rec *rec)
{
	rec->lease_version = l->version;
	rec->lease_epoch = l->epoch;
	rec->lease_state = l->state;
	memcpy(rec->lease_key, l->key, 16);
	memcpy(rec->lease_parent, l->parent, 16);
	memcpy(rec->lease_client_guid, l->client_guid, 16);
}

/* What a restarted daemon needs to open o again for its owner */
static void fill_record(const struct dfs_open *o, struct dfs_durable_rec *rec)
{
	const struct dfs_durable *d = o->durable;
	const struct dfs_session *s = o->sess;
	u64 now = dfs_monotonic_ms();

	memset(rec, 0, sizeof(*rec));
	rec->persistent_id = o->persistent_id;
	memcpy(rec->create_guid, d->create_guid, 16);
	memcpy(rec->client_guid, d->client_guid, 16);
	rec->access = o->access;
	rec->share = o->share_access;
	rec->timeout_ms = keep_timeout(d);
	rec->version = d->version;
	rec->oplock = o->oplock;
	if (o->lease)
		fill_lease(o->lease, rec);
	rec->disconnected = d->disconnected;
	if (d->disconnected)
		rec->deadline_wall_ms = wall_ms() +
			(d->deadline_ms > now ? d->deadline_ms - now : 0);
	rec->dev = o->dev;
	rec->ino = o->ino;
	rec->birth_ns = dfs_durable_birth(o->fd);
	rec->uid = s->uid;
	rec->gid = s->gid;
	rec->ngroups = s->ngroups > 0 && s->ngroups <= DFS_DURABLE_REC_GROUPS ?
		       (u8)s->ngroups : 0;
	memcpy(rec->groups, s->groups, rec->ngroups * sizeof(rec->groups[0]));
	rec->guest = s->guest;
	rec->anonymous = s->anonymous;
	rec->encrypt_data = s->encrypt_data;
	snprintf(rec->user, sizeof(rec->user), "%s", s->user);
	snprintf(rec->domain, sizeof(rec->domain), "%s", s->domain);
	snprintf(rec->share_name, sizeof(rec->share_name), "%s",
		 o->tree->share ? o->tree->share->name : "IPC$");
	snprintf(rec->path, sizeof(rec->path), "%s", o->path ? o->path : "");
	fill_locks(o, rec);
}

static void record(struct dfs_open *o)
{
	struct dfs_durable_state *ds = state_of(o->sess->conn->srv);
	struct dfs_durable_rec *rec;
	int rc;

	if (!ds || !ds->db)
		return;
	rec = malloc(sizeof(*rec));
	if (!rec) {
		log_err("durable.mdb: out of memory recording an open");
		return;
	}
	fill_record(o, rec);
	rc = dfs_durable_db_put(ds->db, rec);
	if (rc)
		log_err("durable.mdb: cannot record open %016llx: %s",
			(unsigned long long)o->persistent_id, strerror(-rc));
	free(rec);
}

void dfs_durable_changed(struct dfs_server *srv, struct dfs_open *o)
{
	if (o->durable)
		record(o);
}

void dfs_durable_lease_changed(struct dfs_server *srv,
			       const struct dfs_lease *l)
{
	struct dfs_open *o;
	u32 i;

	if (!state_of(srv))
		return;
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (o && o->lease == l && o->durable)
			record(o);
	}
}

int dfs_durable_start(struct dfs_server *srv)
{
	struct dfs_durable_state *ds = calloc(1, sizeof(*ds));
	int rc;

	if (!ds)
		return -1;
	ds->gone.srv = srv;
	ds->gone.fd = -1;
	ds->gone.closing = true;
	snprintf(ds->gone.peer, sizeof(ds->gone.peer), "(disconnected)");
	srv->durable = ds;
	rc = dfs_durable_db_open(srv->cfg->state_dir, &ds->db);
	if (rc) {
		/* durable handles still work; only the records are missing */
		log_err("durable.mdb in %s: %s", srv->cfg->state_dir, strerror(-rc));
		ds->db = NULL;
		return 0;
	}
	/* the durable opens a previous daemon granted, for their clients */
	dfs_durable_restore(srv, ds->db);
	return 0;
}

void dfs_durable_stop(struct dfs_server *srv)
{
	struct dfs_durable_state *ds = state_of(srv);
	struct dfs_open *o;
	u32 i;

	if (!ds)
		return;
	/*
	 * The daemon stops: its disconnected opens close, but their records
	 * stay, so that the next daemon reopens them for their clients.
	 */
	ds->stopping = true;
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (o && dfs_durable_disconnected(o))
			dfs_open_close(srv, o);
	}
	dfs_durable_db_close(ds->db);
	free(ds);
	srv->durable = NULL;
}

struct dfs_conn *dfs_durable_gone_conn(struct dfs_server *srv)
{
	return &state_of(srv)->gone;
}

int dfs_durable_adopt(struct dfs_open *o, const struct dfs_durable_rec *rec,
		      u64 deadline_ms)
{
	struct dfs_durable *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->version = rec->version;
	memcpy(d->create_guid, rec->create_guid, 16);
	/* once reclaimed, a replay of its CREATE finds it as before the restart */
	o->has_create_guid = d->version == 2;
	memcpy(o->create_guid, rec->create_guid, 16);
	memcpy(d->client_guid, rec->client_guid, 16);
	d->timeout_ms = rec->timeout_ms;
	o->create_action = FILE_OPENED;
	d->disconnected = true;
	d->deadline_ms = deadline_ms;
	d->hold_sess = o->sess;
	d->hold_tree = o->tree;
	o->durable = d;
	/* the record now says disconnected, with the deadline it has here */
	record(o);
	return 0;
}

/* ---- granting --------------------------------------------------------- */

/* The timeout a new durable open gets (ms) */
static u32 grant_timeout(const struct dfs_server *srv,
			 const struct dfs_durable_req *d)
{
	u32 dflt = srv->cfg->durable_timeout * 1000u;

	if (d->v1_req || !d->timeout)
		return dflt;
	return d->timeout < V2_MAX_TIMEOUT_MS ? d->timeout : V2_MAX_TIMEOUT_MS;
}

/* How long the server really keeps it: a client cannot ask for days */
u32 dfs_durable_kept_ms(const struct dfs_server *srv, u32 timeout)
{
	u32 cap = srv->cfg->durable_timeout * 1000u;

	if (cap < V2_MAX_TIMEOUT_MS)
		cap = V2_MAX_TIMEOUT_MS;
	return timeout < cap ? timeout : cap;
}

static bool grant(struct dfs_server *srv, const struct dfs_conn *c,
		  const struct dfs_durable_req *d, struct dfs_open *o,
		  char ctx_name[4], u8 ctx_data[8])
{
	struct dfs_durable *dur;

	if (!d->v1_req && !d->v2_req)
		return false;
	/*
	 * Only with a batch oplock or a handle lease, on a 2.1+ connection
	 * for v1 and 3.x for v2, and not when switched off.
	 */
	if ((o->oplock != SMB2_OPLOCK_LEVEL_BATCH && !dfs_lease_has_handle(o)) ||
	    !srv->cfg->durable_timeout || o->stream || o->is_dir ||
	    c->dialect < SMB2_DIALECT_210 ||
	    (d->v2_req && c->dialect < SMB2_DIALECT_300))
		return false;
	dur = calloc(1, sizeof(*dur));
	if (!dur)
		return false;
	dur->version = d->v2_req ? 2 : 1;
	memcpy(dur->create_guid, d->create_guid, 16);
	memcpy(dur->client_guid, c->client_guid, 16);
	dur->timeout_ms = grant_timeout(srv, d);
	o->durable = dur;
	record(o);
	memset(ctx_data, 0, 8);
	if (dur->version == 1) {
		memcpy(ctx_name, "DHnQ", 4);
	} else {
		memcpy(ctx_name, "DH2Q", 4);
		/* Flags stay 0: never persistent without CA shares */
		dfs_put_le32(ctx_data, dur->timeout_ms);
	}
	return true;
}

bool dfs_durable_grant(struct dfs_req *r, const struct dfs_durable_req *d,
		       struct dfs_open *o, char ctx_name[4], u8 ctx_data[8])
{
	return grant(r->srv, r->conn, d, o, ctx_name, ctx_data);
}

u32 dfs_durable_late_grant(struct dfs_conn *c, const struct dfs_durable_req *d,
			   struct dfs_open *o, u8 *body, u32 len, u32 cap)
{
	char name[4];
	u8 data[8];

	if (!grant(c->srv, c, d, o, name, data))
		return len;
	return dfs_create_rsp_append(body, len, cap, name, data, sizeof(data));
}

bool dfs_durable_disconnected(const struct dfs_open *o)
{
	return o->durable && o->durable->disconnected;
}

/* ---- disconnecting ---------------------------------------------------- */

/* The identity and share of o, copied so they outlive its connection */
static int make_holders(struct dfs_durable_state *ds, struct dfs_open *o)
{
	struct dfs_durable *d = o->durable;
	struct dfs_session *s = calloc(1, sizeof(*s));
	struct dfs_tree *t = calloc(1, sizeof(*t));
	const struct dfs_session *os = o->sess;
	const struct dfs_tree *ot = o->tree;

	if (!s || !t) {
		free(s);
		free(t);
		return -1;
	}
	s->dp.id = os->dp.id;
	s->conn = &ds->gone;
	s->state = DFS_SESS_EXPIRED;
	s->guest = os->guest;
	s->anonymous = os->anonymous;
	memcpy(s->user, os->user, sizeof(s->user));
	memcpy(s->domain, os->domain, sizeof(s->domain));
	s->uid = os->uid;
	s->gid = os->gid;
	memcpy(s->groups, os->groups, sizeof(s->groups));
	s->ngroups = os->ngroups;
	s->encrypt_data = os->encrypt_data;
	t->id = ot->id;
	t->sess = s;
	t->share = ot->share;
	t->read_only = ot->read_only;
	t->encrypt_data = ot->encrypt_data;
	t->maximal_access = ot->maximal_access;
	t->root_fd = ot->root_fd >= 0 ? dup(ot->root_fd) : -1;
	d->hold_sess = s;
	d->hold_tree = t;
	return 0;
}

static void free_holders(struct dfs_durable *d)
{
	if (d->hold_tree && d->hold_tree->root_fd >= 0)
		close(d->hold_tree->root_fd);
	free(d->hold_tree);
	free(d->hold_sess);
	d->hold_tree = NULL;
	d->hold_sess = NULL;
}

static void close_disconnected(struct dfs_server *srv, struct dfs_open *o,
			       const char *why);

static void disconnect_one(struct dfs_durable_state *ds, struct dfs_open *o)
{
	struct dfs_durable *d = o->durable;

	/*
	 * A break sent before the connection went can never be acknowledged
	 * now: the opener waiting on it should not wait 35 s, so the open
	 * closes as a disconnected one would on a new break.
	 */
	if (o->oplock_breaking || (o->lease && dfs_lease_blocking(o->lease))) {
		close_disconnected(ds->gone.srv, o,
				   "lost during an oplock or lease break");
		return;
	}
	/* requests pending on it (a blocked LOCK) had their session: they end */
	dfs_async_complete_open(o, STATUS_CANCELLED);
	/* kernel mode: the module forgets it with its session's id */
	dfs_kernel_open_gone(o);
	if (make_holders(ds, o) < 0) {
		log_err("out of memory keeping durable open %016llx",
			(unsigned long long)o->persistent_id);
		return;	/* it closes with its session */
	}
	o->sess->nopens--;
	o->sess = d->hold_sess;
	o->sess->nopens = 1;
	o->tree = d->hold_tree;
	d->disconnected = true;
	d->deadline_ms = dfs_monotonic_ms() +
			 dfs_durable_kept_ms(ds->gone.srv, keep_timeout(d));
	record(o);
	log_verbose("%s open %016llx '%s' kept for %u ms",
		    d->resilient ? "resilient" : "durable",
		    (unsigned long long)o->persistent_id, o->path,
		    dfs_durable_kept_ms(ds->gone.srv, keep_timeout(d)));
}

/* Disconnect the durable opens of connection c, or of session s */
static void disconnect_all(struct dfs_server *srv, const struct dfs_conn *c,
			   const struct dfs_session *s)
{
	struct dfs_durable_state *ds = state_of(srv);
	struct dfs_open *o;
	u32 i;

	if (!ds)
		return;
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (!o || !o->durable || o->durable->disconnected || o->pending ||
		    o->sess->dead || (c && o->sess->conn != c) ||
		    (s && o->sess != s))
			continue;
		disconnect_one(ds, o);
	}
}

void dfs_durable_conn_lost(struct dfs_conn *c)
{
	disconnect_all(c->srv, c, NULL);
}

void dfs_durable_session_lost(struct dfs_session *s)
{
	disconnect_all(s->conn->srv, NULL, s);
}

static void close_disconnected(struct dfs_server *srv, struct dfs_open *o,
			       const char *why)
{
	log_verbose("durable open %016llx '%s' closed: %s",
		    (unsigned long long)o->persistent_id, o->path, why);
	dfs_open_close(srv, o);
}

void dfs_durable_tick(struct dfs_server *srv, u64 now_ms)
{
	struct dfs_open *o;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (o && dfs_durable_disconnected(o) &&
		    now_ms >= o->durable->deadline_ms)
			close_disconnected(srv, o, "durable handle timeout");
	}
}

void dfs_durable_evict(struct dfs_server *srv, const void *share,
		       const char *path)
{
	struct dfs_open *o;
	u32 i;

	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (!o || !dfs_durable_disconnected(o) || !o->path ||
		    (const void *)o->tree->share != share ||
		    (o->oplock != SMB2_OPLOCK_LEVEL_BATCH &&
		     !(o->lease && (o->lease->state & SMB2_LEASE_WRITE))) ||
		    strcasecmp(o->path, path))
			continue;
		close_disconnected(srv, o, "another open needs its oplock broken");
	}
}

void dfs_durable_open_gone(struct dfs_server *srv, struct dfs_open *o)
{
	struct dfs_durable *d = o->durable;
	struct dfs_durable_state *ds = state_of(srv);

	if (!d)
		return;
	if (ds && ds->db && !ds->stopping)
		dfs_durable_db_del(ds->db, o->persistent_id);
	free_holders(d);
	o->durable = NULL;
	free(d);
}

/* ---- reconnecting ----------------------------------------------------- */

/* The open a FileId names, whatever session holds it */
static struct dfs_open *find_by_id(struct dfs_server *srv, const u8 *fileid)
{
	u64 pid = dfs_get_le64(fileid);
	u32 slot = (u32)pid;
	struct dfs_open *o;

	if (slot >= srv->opens_cap)
		return NULL;
	o = srv->opens[slot];
	if (!o || o->persistent_id != pid || !o->durable)
		return NULL;
	return o;
}

static bool same_user(const struct dfs_session *a, const struct dfs_session *b)
{
	return a->uid == b->uid && a->guest == b->guest &&
	       a->anonymous == b->anonymous && !strcasecmp(a->user, b->user) &&
	       !strcasecmp(a->domain, b->domain);
}

u32 dfs_durable_reconnect(struct dfs_req *r, const struct dfs_durable_req *d,
			  const struct dfs_lease_req *lr, const char *path,
			  struct dfs_open **out)
{
	struct dfs_open *o = find_by_id(r->srv, d->fileid);
	struct dfs_durable *dur;
	u32 st;

	/*
	 * Not there or still connected; DH2C reclaims only v2 opens, or a
	 * leased v1 one, which its lease key names well enough (DHnC any:
	 * Windows and Samba let a v1 reconnect take a v2 open; see
	 * smb2.durable-open.reopen2-lease).
	 */
	if (!o || !o->durable->disconnected ||
	    (d->v2_reconn && o->durable->version != 2 && !o->lease))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	dur = o->durable;
	if (d->v2_reconn && memcmp(dur->create_guid, d->create_guid, 16))
		return STATUS_OBJECT_NAME_NOT_FOUND;
	if (o->tree->share != r->tree->share)
		return STATUS_OBJECT_NAME_NOT_FOUND;
	st = dfs_lease_reconnect_check(r, o, lr, path);
	if (st)
		return st;
	if (!same_user(o->sess, r->sess))
		return STATUS_ACCESS_DENIED;
	o->sess = r->sess;
	o->tree = r->tree;
	r->sess->nopens++;
	free_holders(dur);
	dur->disconnected = false;
	memcpy(dur->client_guid, r->conn->client_guid, 16);
	record(o);
	log_verbose("durable open %016llx '%s' reconnected",
		    (unsigned long long)o->persistent_id, o->path);
	*out = o;
	return STATUS_SUCCESS;
}

/* The open a replayed CREATE repeats, if o is it */
static bool replays(const struct dfs_req *r, const struct dfs_open *o)
{
	return o->sess == r->sess && o->tree == r->tree && !o->create_seen;
}

u32 dfs_durable_by_create_guid(struct dfs_req *r,
			       const struct dfs_durable_req *d,
			       struct dfs_open **out)
{
	static const u8 zero[16];
	bool replay = r->flags & SMB2_FLAGS_REPLAY_OPERATION;
	struct dfs_server *srv = r->srv;
	struct dfs_open *o;
	u32 i;

	*out = NULL;
	if (!d->v2_req || !memcmp(d->create_guid, zero, 16))
		return STATUS_SUCCESS;
	/* a disconnected open is reclaimed by DH2C, not by a replay */
	for (i = 0; i < srv->opens_cap; i++) {
		o = srv->opens[i];
		if (!o || !o->has_create_guid || dfs_durable_disconnected(o) ||
		    memcmp(o->create_guid, d->create_guid, 16))
			continue;
		if (!replay) {
			if (!memcmp(o->sess->conn->client_guid,
				    r->conn->client_guid, 16))
				return STATUS_DUPLICATE_OBJECTID;
			continue;
		}
		if (!replays(r, o))
			continue;
		if (o->pending)
			return STATUS_FILE_NOT_AVAILABLE;
		*out = o;
		return STATUS_SUCCESS;
	}
	/* the first attempt met a sharing violation and waits to run again */
	if (replay && dfs_oplock_create_parked(srv, r->sess->dp.id,
					       d->create_guid))
		return STATUS_FILE_NOT_AVAILABLE;
	return STATUS_SUCCESS;
}

u32 dfs_durable_timeout(const struct dfs_open *o)
{
	return o->durable ? o->durable->timeout_ms : 0;
}

/* ---- resilient handles (MS-SMB2 3.3.5.15.9) --------------------------- */

u32 dfs_resiliency_parse(const u8 *in, u32 in_len, u32 dflt_ms,
			 u32 *timeout_ms)
{
	u32 t;

	if (!in || in_len < RESILIENCY_REQ_SIZE)
		return STATUS_INVALID_PARAMETER;
	t = dfs_get_le32(in);
	/* more than the server allows is refused, not cut down (3.3.5.15.9) */
	if (t > V2_MAX_TIMEOUT_MS)
		return STATUS_INVALID_PARAMETER;
	/* 0 leaves the choice to the server */
	*timeout_ms = t ? t : (dflt_ms < V2_MAX_TIMEOUT_MS ? dflt_ms :
			       V2_MAX_TIMEOUT_MS);
	return STATUS_SUCCESS;
}

u32 dfs_durable_make_resilient(struct dfs_req *r, struct dfs_open *o,
			       const u8 *in, u32 in_len)
{
	struct dfs_durable *d = o->durable;
	u32 timeout, st;

	/* 2.0.2 has no resilient handles; nor has a server with durability off */
	if (r->conn->dialect < SMB2_DIALECT_210 || !r->srv->cfg->durable_timeout ||
	    o->is_dir || o->stream || o->fd < 0)
		return STATUS_INVALID_DEVICE_REQUEST;
	st = dfs_resiliency_parse(in, in_len, r->srv->cfg->durable_timeout * 1000u,
				  &timeout);
	if (st)
		return st;
	if (!d) {
		/* kept like a v1 durable open: DHnC reclaims it */
		d = calloc(1, sizeof(*d));
		if (!d)
			return STATUS_INSUFFICIENT_RESOURCES;
		d->version = 1;
		memcpy(d->client_guid, r->conn->client_guid, 16);
		d->timeout_ms = timeout;
		o->durable = d;
	}
	d->resilient = true;
	d->resilient_ms = timeout;
	record(o);
	log_debug("open %016llx '%s' resilient for %u ms",
		  (unsigned long long)o->persistent_id, o->path, timeout);
	return STATUS_SUCCESS;
}

bool dfs_durable_resilient(const struct dfs_open *o)
{
	return o->durable && o->durable->resilient;
}

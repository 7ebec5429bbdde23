// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl.c - what dittofsctl can ask a running dittofsd: status, connections,
 * sessions, shares, open files, statistics, reload, and closing a session
 * or an open.
 *
 * The first part is the command layer: one request line in, one answer
 * (text or JSON) out, with no knowledge of the transport. Each command is
 * a small function that describes its result as key/value fields and
 * tables; the report helpers render those as aligned text columns or as
 * one JSON object. The last part is the user mode transport: the unix
 * socket in the state directory, whose I/O the io_uring loop drives.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "userd/ctl.h"
#include "userd/kernel_mode.h"
#include "userd/config.h"
#include "userd/log.h"
#include "userd/smb2_channel.h"
#include "userd/smb2_durable.h"

/* An answer larger than this is cut (and reported as such). */
#define OUT_MAX (16u * 1024 * 1024)
/* Most words in a request line: FORMAT CMD SUBCMD ARG plus slack. */
#define MAX_WORDS 8

/* ---- output buffer ------------------------------------------------------ */

static bool out_reserve(struct dfs_ctl_out *o, size_t more)
{
	size_t ncap;
	char *n;

	if (o->oom)
		return false;
	if (o->len + more + 1 <= o->cap)
		return true;
	ncap = o->cap ? o->cap : 1024;
	while (ncap < o->len + more + 1)
		ncap *= 2;
	if (ncap > OUT_MAX) {
		o->oom = true;
		return false;
	}
	n = realloc(o->buf, ncap);
	if (!n) {
		o->oom = true;
		return false;
	}
	o->buf = n;
	o->cap = ncap;
	return true;
}

static void out_write(struct dfs_ctl_out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_puts(struct dfs_ctl_out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void out_printf(struct dfs_ctl_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !out_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void out_json_str(struct dfs_ctl_out *o, const char *s)
{
	out_puts(o, "\"");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			out_printf(o, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			out_printf(o, "\\u%04x", ch);
		else
			out_write(o, s, 1);
	}
	out_puts(o, "\"");
}

void dfs_ctl_out_free(struct dfs_ctl_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/* ---- reports: key/value fields and tables, as text or JSON ------------- */

/* How a value is written in JSON; text always prints the string. */
enum val_type {
	V_STR,		/* "..." */
	V_NUM,		/* the digits as they are */
	V_BOOL,		/* "yes"/"no" -> true/false */
};

struct col {
	const char *key;	/* JSON member name */
	const char *title;	/* text column header */
	enum val_type type;
	bool right;		/* right-align in text (numbers) */
};

#define MAX_COLS 12
#define CELL_MAX 320

struct report {
	struct dfs_ctl_out *out;
	bool json;
	int depth;		/* JSON objects open */
	bool first[4];		/* no member written yet at this depth */
	/* the table being collected (text needs every row for the widths) */
	const struct col *cols;
	int ncols;
	char **cells;
	size_t ncells, cells_cap;
	bool first_row;
};

static void json_member(struct report *r, const char *key)
{
	if (!r->first[r->depth])
		out_puts(r->out, ",");
	r->first[r->depth] = false;
	if (key) {
		out_json_str(r->out, key);
		out_puts(r->out, ":");
	}
}

static void json_value(struct report *r, enum val_type t, const char *v)
{
	if (t == V_NUM)
		out_puts(r->out, v);
	else if (t == V_BOOL)
		out_puts(r->out, strcmp(v, "yes") ? "false" : "true");
	else
		out_json_str(r->out, v);
}

static void obj_begin(struct report *r, const char *key)
{
	if (!r->json)
		return;
	if (r->depth > 0)
		json_member(r, key);
	out_puts(r->out, "{");
	r->depth++;
	r->first[r->depth] = true;
}

static void obj_end(struct report *r)
{
	if (!r->json)
		return;
	out_puts(r->out, "}");
	r->depth--;
	if (r->depth == 0)
		out_puts(r->out, "\n");
}

/* One "Title:  value" line, or one JSON member. */
static void kv(struct report *r, const char *key, const char *title,
	       enum val_type t, const char *v)
{
	if (r->json) {
		json_member(r, key);
		json_value(r, t, v);
	} else {
		out_printf(r->out, "%-20s %s\n", title, v);
	}
}

__attribute__((format(printf, 4, 5)))
static void kvf(struct report *r, const char *key, const char *title,
		const char *fmt, ...)
{
	char v[CELL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	kv(r, key, title, V_NUM, v);
}

static void kv_u64(struct report *r, const char *key, const char *title, u64 n)
{
	kvf(r, key, title, "%llu", (unsigned long long)n);
}

/* A blank line between the parts of a text report. */
static void text_gap(struct report *r)
{
	if (!r->json)
		out_puts(r->out, "\n");
}

static void tab_begin(struct report *r, const char *key, const struct col *cols,
		      int ncols)
{
	r->cols = cols;
	r->ncols = ncols;
	r->ncells = 0;
	r->first_row = true;
	if (r->json) {
		json_member(r, key);
		out_puts(r->out, "[");
	}
}

/* One row: ncols strings, in the order of the columns. */
static void tab_row(struct report *r, const char *const *v)
{
	int i;

	if (r->json) {
		if (!r->first_row)
			out_puts(r->out, ",");
		r->first_row = false;
		out_puts(r->out, "{");
		for (i = 0; i < r->ncols; i++) {
			if (i)
				out_puts(r->out, ",");
			out_json_str(r->out, r->cols[i].key);
			out_puts(r->out, ":");
			json_value(r, r->cols[i].type, v[i]);
		}
		out_puts(r->out, "}");
		return;
	}
	if (r->ncells + (size_t)r->ncols > r->cells_cap) {
		size_t ncap = r->cells_cap ? r->cells_cap * 2 : 64;
		char **n;

		while (ncap < r->ncells + (size_t)r->ncols)
			ncap *= 2;
		n = realloc(r->cells, ncap * sizeof(*n));
		if (!n) {
			r->out->oom = true;
			return;
		}
		r->cells = n;
		r->cells_cap = ncap;
	}
	for (i = 0; i < r->ncols; i++) {
		r->cells[r->ncells] = strdup(v[i]);
		if (!r->cells[r->ncells]) {
			r->out->oom = true;
			return;
		}
		r->ncells++;
	}
}

static void tab_line(struct report *r, const int *w, const char *const *v)
{
	int i;

	for (i = 0; i < r->ncols; i++) {
		bool last = i == r->ncols - 1;

		if (r->cols[i].right)
			out_printf(r->out, "%*s", w[i], v[i]);
		else if (last)
			out_puts(r->out, v[i]);
		else
			out_printf(r->out, "%-*s", w[i], v[i]);
		out_puts(r->out, last ? "\n" : "  ");
	}
}

static void tab_end(struct report *r)
{
	const char *hdr[MAX_COLS];
	int w[MAX_COLS];
	size_t row, nrows;
	int i;

	if (r->json) {
		out_puts(r->out, "]");
		return;
	}
	nrows = r->ncells / (size_t)r->ncols;
	for (i = 0; i < r->ncols; i++) {
		hdr[i] = r->cols[i].title;
		w[i] = (int)strlen(hdr[i]);
	}
	for (row = 0; row < nrows; row++)
		for (i = 0; i < r->ncols; i++) {
			int len = (int)strlen(r->cells[row * (size_t)r->ncols + (size_t)i]);

			if (len > w[i])
				w[i] = len;
		}
	tab_line(r, w, hdr);
	for (row = 0; row < nrows; row++)
		tab_line(r, w, (const char *const *)r->cells + row * (size_t)r->ncols);
	for (row = 0; row < r->ncells; row++)
		free(r->cells[row]);
	r->ncells = 0;
}

static void report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->ncells; i++)
		free(r->cells[i]);
	free(r->cells);
}

/* ---- names ------------------------------------------------------------- */

static const char *const command_names[SMB2_NR_COMMANDS] = {
	[SMB2_NEGOTIATE] = "NEGOTIATE",
	[SMB2_SESSION_SETUP] = "SESSION_SETUP",
	[SMB2_LOGOFF] = "LOGOFF",
	[SMB2_TREE_CONNECT] = "TREE_CONNECT",
	[SMB2_TREE_DISCONNECT] = "TREE_DISCONNECT",
	[SMB2_CREATE] = "CREATE",
	[SMB2_CLOSE] = "CLOSE",
	[SMB2_FLUSH] = "FLUSH",
	[SMB2_READ] = "READ",
	[SMB2_WRITE] = "WRITE",
	[SMB2_LOCK] = "LOCK",
	[SMB2_IOCTL] = "IOCTL",
	[SMB2_CANCEL] = "CANCEL",
	[SMB2_ECHO] = "ECHO",
	[SMB2_QUERY_DIRECTORY] = "QUERY_DIRECTORY",
	[SMB2_CHANGE_NOTIFY] = "CHANGE_NOTIFY",
	[SMB2_QUERY_INFO] = "QUERY_INFO",
	[SMB2_SET_INFO] = "SET_INFO",
	[SMB2_OPLOCK_BREAK] = "OPLOCK_BREAK",
};

static const char *dialect_name(const struct dfs_conn *c)
{
	if (!c->negotiated)
		return "-";
	switch (c->dialect) {
	case SMB2_DIALECT_202:
		return "2.0.2";
	case SMB2_DIALECT_210:
		return "2.1";
	case SMB2_DIALECT_300:
		return "3.0";
	case SMB2_DIALECT_302:
		return "3.0.2";
	case SMB2_DIALECT_311:
		return "3.1.1";
	}
	return "?";
}

static const char *cipher_name(int alg)
{
	switch (alg) {
	case DFS_AEAD_AES128_CCM:
		return "AES-128-CCM";
	case DFS_AEAD_AES128_GCM:
		return "AES-128-GCM";
	case DFS_AEAD_AES256_CCM:
		return "AES-256-CCM";
	case DFS_AEAD_AES256_GCM:
		return "AES-256-GCM";
	}
	return "-";
}

static const char *mac_name(int alg)
{
	switch (alg) {
	case DFS_MAC_HMAC_SHA256:
		return "HMAC-SHA256";
	case DFS_MAC_AES_CMAC:
		return "AES-128-CMAC";
	case DFS_MAC_AES_GMAC:
		return "AES-128-GMAC";
	}
	return "-";
}

static const char *state_name(enum dfs_session_state s)
{
	switch (s) {
	case DFS_SESS_IN_PROGRESS:
		return "in-progress";
	case DFS_SESS_VALID:
		return "valid";
	case DFS_SESS_EXPIRED:
		return "expired";
	}
	return "?";
}

static const char *encrypt_name(int policy)
{
	switch (policy) {
	case DFS_ENCRYPT_OFF:
		return "off";
	case DFS_ENCRYPT_IF_REQUIRED:
		return "if_required";
	case DFS_ENCRYPT_DESIRED:
		return "desired";
	case DFS_ENCRYPT_REQUIRED:
		return "required";
	}
	return "?";
}

static const char *oplock_name(u8 level)
{
	switch (level) {
	case SMB2_OPLOCK_LEVEL_NONE:
		return "none";
	case SMB2_OPLOCK_LEVEL_II:
		return "level2";
	case SMB2_OPLOCK_LEVEL_EXCLUSIVE:
		return "exclusive";
	case SMB2_OPLOCK_LEVEL_BATCH:
		return "batch";
	case SMB2_OPLOCK_LEVEL_LEASE:
		return "lease";
	}
	return "?";
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

/* ---- walking the server's objects ------------------------------------- */

/* Connections being torn down are gone as far as the admin is concerned. */
static bool conn_live(const struct dfs_conn *c)
{
	return !c->closing && !c->expired;
}

static bool open_live(const struct dfs_open *o)
{
	/* a disconnected durable open is kept for its client: show it */
	if (o && dfs_durable_disconnected(o))
		return true;
	return o && o->sess && o->sess->conn && conn_live(o->sess->conn);
}

static unsigned session_trees(const struct dfs_session *s)
{
	const struct dfs_tree *t;
	unsigned n = 0;

	for (t = s->trees; t; t = t->next)
		n++;
	return n;
}

static const char *share_name(const struct dfs_tree *t)
{
	return t && t->share ? t->share->name : "IPC$";
}

static u64 uptime_s(const struct dfs_server *srv)
{
	u64 now;

	if (srv->ctl)
		return (dfs_monotonic_ms() - srv->ctl->start_ms) / 1000;
	now = dfs_filetime_now();
	return now > srv->start_filetime ? (now - srv->start_filetime) / 10000000 : 0;
}

/* "1a2b" or "0x1a2b" -> id; -1 if it is not a 64-bit hex number. */
static int parse_hex_id(const char *s, u64 *id)
{
	unsigned long long v;
	char *end;

	if (!strncasecmp(s, "0x", 2))
		s += 2;
	if (!*s || strlen(s) > 16 || strspn(s, "0123456789abcdefABCDEF") != strlen(s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || *end)
		return -1;
	*id = v;
	return 0;
}

/* ---- commands ----------------------------------------------------------- */

struct cmd_ctx {
	struct dfs_server *srv;
	struct report *r;
	char **args;
	int nargs;
	char err[1024];			/* the message of a failure */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct cmd_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, sizeof(x->err), fmt, ap);
	va_end(ap);
	return 1;
}

/* The resource limits in force (userd/limits.c); 0 per IP = no limit. */
static void status_limits(struct report *r, const struct dfs_config *cfg)
{
	kv_u64(r, "max_connections", "Max connections:", cfg->max_connections);
	kv_u64(r, "max_connections_per_ip", "Max connections per IP:",
	       cfg->max_conns_per_ip);
	kv_u64(r, "max_sessions", "Max sessions:", cfg->max_sessions);
	kv_u64(r, "max_sessions_per_connection", "Max sessions per connection:",
	       cfg->max_sessions_per_conn);
	kv_u64(r, "max_open_files", "Max open files per session:",
	       cfg->max_open_files);
	kv_u64(r, "max_async_operations", "Max async operations per connection:",
	       cfg->max_async_ops);
}

static int cmd_status(struct cmd_ctx *x)
{
	struct dfs_server *srv = x->srv;
	const struct dfs_config *cfg = srv->cfg;
	unsigned nconn = 0, nsess = 0, ntree = 0, nopen = 0;
	const struct dfs_session *s;
	const struct dfs_conn *c;
	struct report *r = x->r;
	u32 i;

	for (c = srv->conns; c; c = c->next) {
		if (!conn_live(c))
			continue;
		nconn++;
		for (s = c->sessions; s; s = s->next) {
			if (s->dead)
				continue;
			nsess++;
			ntree += session_trees(s);
		}
	}
	for (i = 0; i < srv->opens_cap; i++)
		if (open_live(srv->opens[i]))
			nopen++;

	obj_begin(r, NULL);
	kv(r, "version", "Version:", V_STR, DITTOFS_VERSION);
	kv(r, "mode", "Mode:", V_STR, "user");
	kv_u64(r, "pid", "PID:", (u64)getpid());
	kv_u64(r, "uptime_seconds", "Uptime (s):", uptime_s(srv));
	kv(r, "listen_address", "Listen address:", V_STR, cfg->listen_addr);
	kv_u64(r, "port", "Port:", cfg->port);
	kv(r, "config", "Configuration:", V_STR,
	   srv->ctl && srv->ctl->config_path[0] ? srv->ctl->config_path : "-");
	kv(r, "state_directory", "State directory:", V_STR, cfg->state_dir);
	kv_u64(r, "connections", "Connections:", nconn);
	kv_u64(r, "sessions", "Sessions:", nsess);
	kv_u64(r, "trees", "Tree connects:", ntree);
	kv_u64(r, "opens", "Open files:", nopen);
	status_limits(r, cfg);
	obj_end(r);
	return 0;
}

static int cmd_conn_list(struct cmd_ctx *x)
{
	static const struct col cols[] = {
		{ "peer", "PEER", V_STR, false },
		{ "dialect", "DIALECT", V_STR, false },
		{ "signing_required", "SIGNING", V_BOOL, false },
		{ "cipher", "CIPHER", V_STR, false },
		{ "sessions", "SESSIONS", V_NUM, true },
		{ "connected_seconds", "CONNECTED(s)", V_NUM, true },
	};
	u64 now = dfs_monotonic_ms();
	const struct dfs_conn *c;
	struct report *r = x->r;

	obj_begin(r, NULL);
	tab_begin(r, "connections", cols, 6);
	for (c = x->srv->conns; c; c = c->next) {
		char nsess[16], age[24];
		const char *v[6];

		if (!conn_live(c))
			continue;
		snprintf(nsess, sizeof(nsess), "%u", dfs_conn_live_sessions(c));
		snprintf(age, sizeof(age), "%llu",
			 (unsigned long long)((now - c->created_ms) / 1000));
		v[0] = c->peer;
		v[1] = dialect_name(c);
		v[2] = yn(c->signing_required);
		v[3] = cipher_name(c->cipher);
		v[4] = nsess;
		v[5] = age;
		tab_row(r, v);
	}
	tab_end(r);
	obj_end(r);
	return 0;
}

static int cmd_session_list(struct cmd_ctx *x)
{
	static const struct col cols[] = {
		{ "id", "ID", V_STR, false },
		{ "user", "USER", V_STR, false },
		{ "domain", "DOMAIN", V_STR, false },
		{ "peer", "PEER", V_STR, false },
		{ "state", "STATE", V_STR, false },
		{ "guest", "GUEST", V_BOOL, false },
		{ "anonymous", "ANON", V_BOOL, false },
		{ "signing", "SIGNING", V_STR, false },
		{ "encrypted", "ENCRYPTED", V_BOOL, false },
		{ "trees", "TREES", V_NUM, true },
	};
	const struct dfs_session *s;
	const struct dfs_conn *c;
	struct report *r = x->r;

	obj_begin(r, NULL);
	tab_begin(r, "sessions", cols, 10);
	for (c = x->srv->conns; c; c = c->next) {
		if (!conn_live(c))
			continue;
		for (s = c->sessions; s; s = s->next) {
			char id[20], ntree[16];
			const char *v[10];

			if (s->dead)
				continue;
			snprintf(id, sizeof(id), "%016llx", (unsigned long long)s->dp.id);
			snprintf(ntree, sizeof(ntree), "%u", session_trees(s));
			v[0] = id;
			v[1] = s->user[0] ? s->user : "-";
			v[2] = s->domain[0] ? s->domain : "-";
			v[3] = c->peer;
			v[4] = state_name(s->state);
			v[5] = yn(s->guest);
			v[6] = yn(s->anonymous);
			v[7] = mac_name(s->dp.sign.alg);
			v[8] = yn(s->encrypt_data);
			v[9] = ntree;
			tab_row(r, v);
		}
	}
	tab_end(r);
	obj_end(r);
	return 0;
}

/*
 * The connection that carries the session is marked expired; the loop
 * closes expired connections right after answering (and on every tick),
 * never while one of their frames is being processed.
 */
static int cmd_session_kill(struct cmd_ctx *x)
{
	struct dfs_session *s;
	struct dfs_conn *c;
	unsigned n = 0;
	u64 id;

	if (parse_hex_id(x->args[0], &id))
		return fail(x, "invalid session id '%s' (expected hex, as 'session list' shows)",
			    x->args[0]);
	for (c = x->srv->conns; c; c = c->next) {
		if (!conn_live(c))
			continue;
		for (s = c->sessions; s; s = s->next) {
			if (s->dead || s->dp.id != id)
				continue;
			log_info("%s: session %016llx (%s) killed by dittofsctl, closing",
				 c->peer, (unsigned long long)id,
				 s->user[0] ? s->user : "-");
			c->expired = true;
			/* its channels' connections too, or it lives on there */
			dfs_channels_expire(s);
			n++;
			if (!x->r->json)
				out_printf(x->r->out, "Closed the connection from %s that carried session %016llx.\n",
					   c->peer, (unsigned long long)id);
			break;
		}
	}
	if (!n)
		return fail(x, "no session %s", x->args[0]);
	if (x->r->json) {
		char idstr[20];

		snprintf(idstr, sizeof(idstr), "%016llx", (unsigned long long)id);
		obj_begin(x->r, NULL);
		kv(x->r, "id", "", V_STR, idstr);
		kv_u64(x->r, "connections_closed", "", n);
		obj_end(x->r);
	}
	return 0;
}

static void share_row(struct report *r, const char *name, const char *path,
		      bool ro, bool guest, const char *enc, bool browse)
{
	const char *v[6] = { name, path, yn(ro), yn(guest), enc, yn(browse) };

	tab_row(r, v);
}

static int cmd_share_list(struct cmd_ctx *x)
{
	static const struct col cols[] = {
		{ "name", "NAME", V_STR, false },
		{ "path", "PATH", V_STR, false },
		{ "read_only", "READ ONLY", V_BOOL, false },
		{ "guest_ok", "GUEST OK", V_BOOL, false },
		{ "smb_encrypt", "SMB ENCRYPT", V_STR, false },
		{ "browseable", "BROWSEABLE", V_BOOL, false },
	};
	const struct dfs_config *cfg = x->srv->cfg;
	const struct dfs_share_cfg *sh;
	struct report *r = x->r;

	obj_begin(r, NULL);
	tab_begin(r, "shares", cols, 6);
	for (sh = cfg->shares; sh; sh = sh->next)
		share_row(r, sh->name, sh->path, sh->read_only, sh->guest_ok,
			  encrypt_name(sh->encrypt >= 0 ? sh->encrypt : cfg->smb_encrypt),
			  sh->browseable);
	/* built in: named pipes for RPC, any session, never listed by clients */
	share_row(r, "IPC$", "-", true, true, "off", false);
	tab_end(r);
	obj_end(r);
	return 0;
}

static int cmd_file_list(struct cmd_ctx *x)
{
	static const struct col cols[] = {
		{ "id", "ID", V_STR, false },
		{ "session", "SESSION", V_STR, false },
		{ "user", "USER", V_STR, false },
		{ "share", "SHARE", V_STR, false },
		{ "access", "ACCESS", V_STR, false },
		{ "oplock", "OPLOCK", V_STR, false },
		{ "path", "PATH", V_STR, false },
	};
	struct dfs_server *srv = x->srv;
	struct report *r = x->r;
	u32 i;

	obj_begin(r, NULL);
	tab_begin(r, "files", cols, 7);
	for (i = 0; i < srv->opens_cap; i++) {
		const struct dfs_open *o = srv->opens[i];
		char id[20], sid[20], access[12], path[CELL_MAX];
		const char *v[7];

		if (!open_live(o))
			continue;
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)o->volatile_id);
		snprintf(sid, sizeof(sid), "%016llx", (unsigned long long)o->sess->dp.id);
		snprintf(access, sizeof(access), "0x%08x", o->access);
		snprintf(path, sizeof(path), "/%s", o->path ? o->path : "");
		v[0] = id;
		v[1] = sid;
		v[2] = o->sess->user[0] ? o->sess->user : "-";
		v[3] = share_name(o->tree);
		v[4] = access;
		v[5] = oplock_name(o->oplock);
		v[6] = path;
		tab_row(r, v);
	}
	tab_end(r);
	obj_end(r);
	return 0;
}

/*
 * Close an open as SMB2 CLOSE would: the client's next request on that
 * FileId gets STATUS_FILE_CLOSED. An open whose CREATE still waits for an
 * oplock break is not a handle the client has yet: refuse those.
 */
static int cmd_file_close(struct cmd_ctx *x)
{
	struct dfs_server *srv = x->srv;
	struct dfs_open *o;
	char desc[CELL_MAX];
	u64 id;
	u32 slot;

	if (parse_hex_id(x->args[0], &id))
		return fail(x, "invalid file id '%s' (expected hex, as 'file list' shows)",
			    x->args[0]);
	slot = (u32)id;
	o = slot < srv->opens_cap ? srv->opens[slot] : NULL;
	if (!o || o->volatile_id != id || !open_live(o))
		return fail(x, "no open file %s", x->args[0]);
	if (o->pending)
		return fail(x, "open %s is still being created (waiting for an oplock break); try again",
			    x->args[0]);
	snprintf(desc, sizeof(desc), "[%s]/%s", share_name(o->tree),
		 o->path ? o->path : "");
	log_info("%s: open %016llx %s closed by dittofsctl", o->sess->conn->peer,
		 (unsigned long long)id, desc);
	dfs_open_close(srv, o);
	if (x->r->json) {
		char idstr[20];

		snprintf(idstr, sizeof(idstr), "%016llx", (unsigned long long)id);
		obj_begin(x->r, NULL);
		kv(x->r, "id", "", V_STR, idstr);
		kv(x->r, "path", "", V_STR, desc);
		obj_end(x->r);
	} else {
		out_printf(x->r->out, "Closed open %016llx (%s).\n",
			   (unsigned long long)id, desc);
	}
	return 0;
}

/*
 * The kernel fast path's share: in kernel mode from the module's counters;
 * user mode has none, and says so rather than hide it.
 */
static void stats_fastpath(struct cmd_ctx *x)
{
	struct dfs_kernel_stats ks = { 0 };
	struct report *r = x->r;
	bool kernel = x->srv->kernel && !dfs_kernel_stats(x->srv, &ks);

	obj_begin(r, "fastpath");
	kv(r, "note", "Fast path:", V_STR,
	   kernel ? "kernel mode: READ/WRITE on registered opens served by dittofs.ko" :
	   x->srv->kernel ? "kernel mode: dittofs.ko did not answer STATS" :
	   "user mode: every request is handled in dittofsd");
	kv_u64(r, "pdus", "Fast path PDUs:", ks.pdus_fast);
	kv_u64(r, "forwarded", "PDUs forwarded to dittofsd:", ks.pdus_up);
	kv_u64(r, "bytes_read", "Fast path bytes read:", ks.bytes_read);
	kv_u64(r, "bytes_written", "Fast path bytes written:", ks.bytes_written);
	kv_u64(r, "connections", "Kernel connections accepted:", ks.connections);
	obj_end(r);
}

static int cmd_stats(struct cmd_ctx *x)
{
	static const struct col cols[] = {
		{ "command", "COMMAND", V_STR, false },
		{ "requests", "REQUESTS", V_NUM, true },
		{ "errors", "ERRORS", V_NUM, true },
	};
	const struct dfs_stats *st = &x->srv->stats;
	struct report *r = x->r;
	int i;

	obj_begin(r, NULL);
	tab_begin(r, "commands", cols, 3);
	for (i = 0; i < SMB2_NR_COMMANDS; i++) {
		char req[24], err[24];
		const char *v[3] = { command_names[i], req, err };

		snprintf(req, sizeof(req), "%llu", (unsigned long long)st->requests[i]);
		snprintf(err, sizeof(err), "%llu", (unsigned long long)st->errors[i]);
		tab_row(r, v);
	}
	tab_end(r);
	text_gap(r);
	kv_u64(r, "unknown_commands", "Unknown commands:", st->other_requests);
	kv_u64(r, "bytes_read", "Bytes read:", st->bytes_read);
	kv_u64(r, "bytes_written", "Bytes written:", st->bytes_written);
	kv_u64(r, "encrypted_frames", "Encrypted frames:", st->encrypted_frames);
	kv_u64(r, "signed_requests", "Signed requests:", st->signed_requests);
	text_gap(r);
	stats_fastpath(x);
	obj_end(r);
	return 0;
}

/* ---- reload -------------------------------------------------------------- */

static bool str_lists_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return false;
	return !*a && !*b;
}

static bool share_changed(const struct dfs_share_cfg *a, const struct dfs_share_cfg *b)
{
	return strcmp(a->name, b->name) || strcmp(a->path, b->path) ||
	       strcmp(a->comment, b->comment) || a->read_only != b->read_only ||
	       a->guest_ok != b->guest_ok || a->browseable != b->browseable ||
	       a->encrypt != b->encrypt ||
	       !str_lists_equal(a->valid_users, b->valid_users);
}

/* Is sh, from one configuration, added/removed (changed: altered) in other? */
static bool share_differs(const struct dfs_share_cfg *sh,
			  const struct dfs_config *other, bool changed)
{
	const struct dfs_share_cfg *o = dfs_config_share(other, sh->name);

	return changed ? o && share_changed(sh, o) : !o;
}

/* The shares of `from` that differ in `other`: a JSON array or one text line. */
static void share_diff(struct report *r, const char *key, const char *title,
		       const struct dfs_config *from,
		       const struct dfs_config *other, bool changed)
{
	const struct dfs_share_cfg *sh;
	bool any = false;

	if (r->json) {
		json_member(r, key);
		out_puts(r->out, "[");
	}
	for (sh = from->shares; sh; sh = sh->next) {
		if (!share_differs(sh, other, changed))
			continue;
		if (r->json) {
			if (any)
				out_puts(r->out, ",");
			out_json_str(r->out, sh->name);
		} else {
			if (any)
				out_printf(r->out, ", %s", sh->name);
			else
				out_printf(r->out, "%-20s %s", title, sh->name);
		}
		any = true;
	}
	if (r->json)
		out_puts(r->out, "]");
	else if (any)
		out_puts(r->out, "\n");
}

/*
 * Options that were used once at start (the socket, the state directory,
 * what NTLM announces and maps guests to): a new value waits for a
 * restart, the running value stays.
 */
static void keep_restart_options(struct report *r, struct dfs_config *nw,
				 const struct dfs_config *old)
{
	struct {
		const char *name;
		void *nv;
		const void *ov;
		size_t size;
		bool string;
	} opts[] = {
		{ "listen address", nw->listen_addr, old->listen_addr, sizeof(nw->listen_addr), true },
		{ "port", &nw->port, &old->port, sizeof(nw->port), false },
		{ "state directory", nw->state_dir, old->state_dir, sizeof(nw->state_dir), true },
		{ "netbios name", nw->netbios_name, old->netbios_name, sizeof(nw->netbios_name), true },
		{ "workgroup", nw->workgroup, old->workgroup, sizeof(nw->workgroup), true },
		{ "guest account", nw->guest_account, old->guest_account, sizeof(nw->guest_account), true },
		{ "map to guest", &nw->map_to_guest, &old->map_to_guest, sizeof(nw->map_to_guest), false },
	};
	bool any = false;
	size_t i;

	if (r->json) {
		json_member(r, "restart_needed");
		out_puts(r->out, "[");
	}
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		bool differs = opts[i].string ? strcmp(opts[i].nv, opts[i].ov) != 0
					      : memcmp(opts[i].nv, opts[i].ov, opts[i].size) != 0;

		if (!differs)
			continue;
		memcpy(opts[i].nv, opts[i].ov, opts[i].size);
		log_info("reload: changed '%s' needs a restart; keeping the running value",
			 opts[i].name);
		if (r->json) {
			if (any)
				out_puts(r->out, ",");
			out_json_str(r->out, opts[i].name);
		} else {
			out_printf(r->out, "changed '%s' needs a restart; keeping the running value\n",
				   opts[i].name);
		}
		any = true;
	}
	if (r->json)
		out_puts(r->out, "]");
}

/* Tree connects on live sessions to the share called name. */
static unsigned trees_on_share(const struct dfs_server *srv, const char *name)
{
	const struct dfs_session *s;
	const struct dfs_conn *c;
	const struct dfs_tree *t;
	unsigned n = 0;

	for (c = srv->conns; c; c = c->next) {
		if (!conn_live(c))
			continue;
		for (s = c->sessions; s; s = s->next) {
			if (s->dead)
				continue;
			for (t = s->trees; t; t = t->next)
				if (t->share && !strcasecmp(t->share->name, name))
					n++;
		}
	}
	return n;
}

/*
 * Removed shares that still have tree connects: those keep working (they
 * hold the old configuration) until the client disconnects them, which
 * an admin who just removed the share needs to know.
 */
static void still_connected(struct report *r, const struct dfs_server *srv,
			    const struct dfs_config *old,
			    const struct dfs_config *nw)
{
	const struct dfs_share_cfg *sh;
	bool any = false;
	unsigned n;

	if (r->json) {
		json_member(r, "still_connected");
		out_puts(r->out, "[");
	}
	for (sh = old->shares; sh; sh = sh->next) {
		if (!share_differs(sh, nw, false))
			continue;
		n = trees_on_share(srv, sh->name);
		if (!n)
			continue;
		if (r->json) {
			out_printf(r->out, "%s{\"share\":", any ? "," : "");
			out_json_str(r->out, sh->name);
			out_printf(r->out, ",\"trees\":%u}", n);
		} else {
			out_printf(r->out, "%-20s %s: %u tree connect%s keep%s working until disconnected\n",
				   "Still connected:", sh->name, n, n == 1 ? "" : "s",
				   n == 1 ? "s" : "");
		}
		any = true;
	}
	if (r->json)
		out_puts(r->out, "]");
}

static unsigned count_shares(const struct dfs_config *cfg)
{
	const struct dfs_share_cfg *sh;
	unsigned n = 0;

	for (sh = cfg->shares; sh; sh = sh->next)
		n++;
	return n;
}

/*
 * Re-read the configuration file. A file with an error changes nothing.
 * Otherwise the new configuration serves every NEGOTIATE, SESSION_SETUP
 * and TREE_CONNECT from now on; trees connected before keep the share
 * settings they were connected with, so the old configuration stays
 * allocated (ctl->retired) until dittofsd exits.
 */
static int cmd_reload(struct cmd_ctx *x)
{
	struct dfs_server *srv = x->srv;
	struct dfs_ctl *ctl = srv->ctl;
	struct dfs_config *old = srv->cfg, *nw, **ret;
	struct report *r = x->r;
	char err[600];

	if (!ctl || !ctl->config_path[0])
		return fail(x, "dittofsd was started without a configuration file to reload");
	if (dfs_config_load(ctl->config_path, &nw, err, sizeof(err))) {
		log_info("reload: %s; keeping the running configuration", err);
		return fail(x, "%s; keeping the running configuration", err);
	}
	ret = realloc(ctl->retired, (ctl->nretired + 1) * sizeof(*ret));
	if (!ret) {
		dfs_config_free(nw);
		return fail(x, "out of memory; keeping the running configuration");
	}
	ctl->retired = ret;

	obj_begin(r, NULL);
	if (r->json) {
		kv(r, "config", "", V_STR, ctl->config_path);
		kv_u64(r, "shares", "", count_shares(nw));
	} else {
		out_printf(r->out, "Reloaded %s: %u share%s.\n", ctl->config_path,
			   count_shares(nw), count_shares(nw) == 1 ? "" : "s");
	}
	share_diff(r, "added", "Added shares:", nw, old, false);
	share_diff(r, "removed", "Removed shares:", old, nw, false);
	share_diff(r, "changed", "Changed shares:", nw, old, true);
	still_connected(r, srv, old, nw);
	keep_restart_options(r, nw, old);
	obj_end(r);

	/* the log level follows the file unless -d overrode it at start */
	if (dfs_log_level == old->log_level)
		dfs_log_level = nw->log_level;
	ctl->retired[ctl->nretired++] = old;
	srv->cfg = nw;
	log_info("reloaded %s: %u shares", ctl->config_path, count_shares(nw));
	return 0;
}

/* ---- request lines -------------------------------------------------------- */

struct ctl_command {
	const char *words[2];
	int nargs;
	const char *args;		/* for the usage message */
	int (*run)(struct cmd_ctx *x);
};

static const struct ctl_command ctl_commands[] = {
	{ { "status", NULL }, 0, "", cmd_status },
	{ { "conn", "list" }, 0, "", cmd_conn_list },
	{ { "session", "list" }, 0, "", cmd_session_list },
	{ { "session", "kill" }, 1, " ID", cmd_session_kill },
	{ { "share", "list" }, 0, "", cmd_share_list },
	{ { "file", "list" }, 0, "", cmd_file_list },
	{ { "file", "close" }, 1, " ID", cmd_file_close },
	{ { "stats", NULL }, 0, "", cmd_stats },
	{ { "reload", NULL }, 0, "", cmd_reload },
};

/* Split line in place on spaces and tabs; the number of words, or -1. */
static int split_words(char *line, char **w, int max)
{
	int n = 0;
	char *save = NULL, *tok;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		w[n++] = tok;
	}
	return n;
}

int dfs_ctl_run(struct dfs_server *srv, const char *line, struct dfs_ctl_out *out)
{
	struct report r = { .out = out };
	struct cmd_ctx x = { .srv = srv, .r = &r };
	const struct ctl_command *cmd = NULL;
	char copy[DFS_CTL_REQ_MAX], *w[MAX_WORDS];
	int n, used = 0, rc;
	size_t i;

	snprintf(copy, sizeof(copy), "%s", line);
	n = split_words(copy, w, MAX_WORDS);
	if (n < 2) {
		out_puts(out, n < 0 ? "too many words in the request\n"
				    : "empty request: expected 'text|json COMMAND [ARGS]'\n");
		return 1;
	}
	if (!strcmp(w[0], "json")) {
		r.json = true;
	} else if (strcmp(w[0], "text")) {
		out_printf(out, "unknown output format '%s' (text or json)\n", w[0]);
		return 1;
	}
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++) {
		const struct ctl_command *c = &ctl_commands[i];

		if (strcmp(c->words[0], w[1]))
			continue;
		if (!c->words[1]) {
			cmd = c;
			used = 2;
			break;
		}
		if (n > 2 && !strcmp(c->words[1], w[2])) {
			cmd = c;
			used = 3;
			break;
		}
	}
	if (!cmd) {
		out_printf(out, "unknown command '%s%s%s'\n", w[1], n > 2 ? " " : "",
			   n > 2 ? w[2] : "");
		return 1;
	}
	if (n - used != cmd->nargs) {
		out_printf(out, "usage: %s%s%s%s\n", cmd->words[0],
			   cmd->words[1] ? " " : "", cmd->words[1] ? cmd->words[1] : "",
			   cmd->args);
		return 1;
	}
	x.args = w + used;
	x.nargs = n - used;
	log_verbose("control: %s", line);
	rc = cmd->run(&x);
	report_free(&r);
	if (rc) {
		/* a failure answers with its message only */
		out->len = 0;
		if (out->buf)
			out->buf[0] = '\0';
		out->oom = false;
		out_printf(out, "%s\n", x.err);
		return 1;
	}
	if (out->oom) {
		dfs_ctl_out_free(out);
		out_puts(out, "answer too large or out of memory\n");
		return 1;
	}
	return 0;
}

/* ---- unix socket transport ---------------------------------------------- */

/* Is something answering on path? Then it belongs to a running dittofsd. */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

static int ctl_listen(struct dfs_ctl *ctl, const char *state_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", state_dir,
		     DFS_CTL_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		log_err("control socket: '%s/%s' is longer than a unix socket path may be; dittofsctl cannot reach this server (use a shorter 'state directory')",
			state_dir, DFS_CTL_SOCK_NAME);
		return -1;
	}
	if (lstat(sa.sun_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("control socket: %s exists and is not a socket; remove it", sa.sun_path);
			return -1;
		}
		if (socket_alive(sa.sun_path)) {
			log_err("control socket: another dittofsd answers on %s (same 'state directory'); dittofsctl will talk to that one",
				sa.sun_path);
			return -1;
		}
		/* left behind by a dittofsd that did not exit cleanly */
		unlink(sa.sun_path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("control socket: %s", strerror(errno));
		return -1;
	}
	/* created 0600 from the start: no window where others may connect */
	old_mask = umask(0177);
	n = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (n || chmod(sa.sun_path, 0600) || listen(fd, 16)) {
		log_err("control socket %s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(ctl->sock_path, sizeof(ctl->sock_path), "%s", sa.sun_path);
	ctl->fd = fd;
	log_verbose("control socket %s", sa.sun_path);
	return 0;
}

int dfs_ctl_start(struct dfs_server *srv, const char *config_path)
{
	struct dfs_ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl) {
		log_err("out of memory for the control socket");
		return -1;
	}
	ctl->fd = -1;
	ctl->start_ms = dfs_monotonic_ms();
	/* absolute: a reload must find the same file whatever the cwd */
	if (config_path && !realpath(config_path, ctl->config_path))
		snprintf(ctl->config_path, sizeof(ctl->config_path), "%s", config_path);
	srv->ctl = ctl;
	ctl_listen(ctl, srv->cfg->state_dir);
	return 0;
}

void dfs_ctl_stop(struct dfs_server *srv)
{
	struct dfs_ctl *ctl = srv->ctl;
	unsigned i;

	if (!ctl)
		return;
	if (ctl->fd >= 0) {
		close(ctl->fd);
		unlink(ctl->sock_path);
	}
	for (i = 0; i < ctl->nretired; i++)
		dfs_config_free(ctl->retired[i]);
	free(ctl->retired);
	free(ctl);
	srv->ctl = NULL;
}

bool dfs_ctl_peer_ok(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

int dfs_ctl_client_input(struct dfs_ctl_client *c, u32 n, const char **why)
{
	char *nl;

	c->len += n;
	c->nrecv++;
	nl = memchr(c->buf, '\n', c->len);
	if (nl) {
		if (memchr(c->buf, '\0', (size_t)(nl - c->buf))) {
			*why = "NUL byte in the request";
			return -1;
		}
		*nl = '\0';
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = '\0';
		return 1;
	}
	if (c->len >= sizeof(c->buf)) {
		*why = "request line longer than 4096 bytes";
		return -1;
	}
	if (c->nrecv >= DFS_CTL_MAX_RECVS) {
		*why = "request line not complete";
		return -1;
	}
	return 0;
}

/* Send without ever blocking; false when the client did not take it all. */
static bool send_nb(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static void answer(int fd, int rc, const char *body, size_t len)
{
	int sndbuf = (int)(len < OUT_MAX ? len + 64 : OUT_MAX);

	/* a larger answer fits at once if the kernel allows the buffer */
	if (len > 64 * 1024)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (!send_nb(fd, rc ? "1\n" : "0\n", 2) || !send_nb(fd, body, len))
		log_info("control: client did not read its %zu byte answer; dropped it",
			 len + 2);
}

void dfs_ctl_client_answer(struct dfs_server *srv, struct dfs_ctl_client *c)
{
	struct dfs_ctl_out out = { 0 };
	int rc = dfs_ctl_run(srv, c->buf, &out);

	answer(c->fd, rc, out.buf ? out.buf : "", out.len);
	dfs_ctl_out_free(&out);
}

void dfs_ctl_client_error(struct dfs_ctl_client *c, const char *why)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%s\n", why);

	log_info("control: %s", why);
	answer(c->fd, 1, msg, (size_t)n);
}

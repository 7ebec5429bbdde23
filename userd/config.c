// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config.c - the dittofs.conf parser.
 *
 * The file has the smb.conf shape admins know from Samba and ksmbd: a
 * [global] section and one [name] section per share, "option = value"
 * lines, '#' and ';' comment lines. Unlike smbd we refuse anything we do
 * not understand, with FILE:LINE, because a silently ignored "read only"
 * typo exports data the admin meant to protect.
 *
 * Option names compare case-insensitively with spaces and underscores
 * ignored, so "read only", "readonly" and "READ_ONLY" are one option.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

/* Longest line we accept, without its newline. */
#define CONF_LINE_MAX 4095

enum opt_id {
	OPT_LISTEN,
	OPT_PORT,
	OPT_SIGNING,
	OPT_ENCRYPT,
	OPT_MIN_PROTO,
	OPT_MAX_PROTO,
	OPT_MAP_TO_GUEST,
	OPT_GUEST_ACCOUNT,
	OPT_STATE_DIR,
	OPT_NETBIOS_NAME,
	OPT_WORKGROUP,
	OPT_SERVER_STRING,
	OPT_LOG_LEVEL,
	OPT_MAX_CONN,
	OPT_CIPHERS,
	OPT_UNAUTH_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_DURABLE_TIMEOUT,
	OPT_SIGN_ALGS,
	OPT_MAX_STREAM,
	OPT_MULTI_CHANNEL,
	OPT_MAX_CONN_PER_IP,
	OPT_MAX_SESSIONS,
	OPT_MAX_SESS_PER_CONN,
	OPT_MAX_OPEN_FILES,
	OPT_MAX_ASYNC,
	OPT_PATH,
	OPT_COMMENT,
	OPT_READ_ONLY,
	OPT_GUEST_OK,
	OPT_BROWSEABLE,
	OPT_VALID_USERS,
	OPT_COUNT
};

/* Where an option may appear. */
#define SC_GLOBAL 1u
#define SC_SHARE 2u
/* A share option that [global] may set as the default for later shares. */
#define SC_BOTH (SC_GLOBAL | SC_SHARE)

struct parser {
	const char *file;
	int line;
	char *err;
	size_t errlen;
	struct dfs_config *cfg;
	bool in_section;
	bool in_global;
	struct dfs_share_cfg *sh;	/* current share, or &tmpl in [global] */
	struct dfs_share_cfg tmpl;	/* share defaults set in [global] */
	struct dfs_share_cfg **tail;	/* where the next share is linked */
	int global_lines[OPT_COUNT];	/* line each option was set on, 0 = not */
	int share_lines[OPT_COUNT];
	int *lines;			/* global_lines or share_lines */
};

struct option_def {
	const char *name;		/* canonical spelling, used in messages */
	enum opt_id id;			/* aliases share an id */
	unsigned int scope;
	int (*set)(struct parser *p, const char *name, const char *val);
};

struct name_val {
	const char *name;
	int val;
};

static int perr(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record "FILE:LINE: message" and return -1 so callers can `return perr()`. */
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return -1;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- value parsers ------------------------------------------------------ */

static int parse_bool(const char *val, bool *out)
{
	static const struct name_val bools[] = {
		{ "yes", 1 }, { "true", 1 }, { "1", 1 },
		{ "no", 0 }, { "false", 0 }, { "0", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		if (!strcasecmp(val, bools[i].name)) {
			*out = bools[i].val;
			return 0;
		}
	}
	return -1;
}

/* Plain decimal only: "0x10", "+5" or "1e3" in a config are mistakes. */
static int parse_uint(const char *val, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	unsigned long v = 0;
	const char *c;

	if (!*val)
		return -1;
	for (c = val; *c; c++) {
		unsigned long d = (unsigned long)(*c - '0');

		if (*c < '0' || *c > '9')
			return -1;
		/* v * 10 + d > max, without overflowing */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min)
		return -1;
	*out = v;
	return 0;
}

static int lookup(const struct name_val *tab, size_t n, const char *val)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(val, tab[i].name))
			return tab[i].val;
	return -1;
}

#define LOOKUP(tab, val) lookup(tab, sizeof(tab) / sizeof(tab[0]), val)

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static int copy_str(struct parser *p, const char *name, const char *val,
		    char *dst, size_t cap)
{
	size_t len = strlen(val);

	if (len >= cap)
		return perr(p, "'%s' is too long (%zu bytes, at most %zu)",
			    name, len, cap - 1);
	if (has_ctrl(val))
		return perr(p, "'%s' contains a control character", name);
	memcpy(dst, val, len + 1);
	return 0;
}

static int set_bool(struct parser *p, const char *name, const char *val,
		    bool *dst)
{
	if (parse_bool(val, dst))
		return perr(p, "'%s' must be yes or no, not '%s'", name, val);
	return 0;
}

/* ---- global options ----------------------------------------------------- */

static int set_listen(struct parser *p, const char *name, const char *val)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, val, buf) != 1 &&
	    inet_pton(AF_INET6, val, buf) != 1)
		return perr(p, "'%s' must be an IPv4 or IPv6 address such as 0.0.0.0 or ::, not '%s'",
			    name, val);
	return copy_str(p, name, val, p->cfg->listen_addr,
			sizeof(p->cfg->listen_addr));
}

static int set_port(struct parser *p, const char *name, const char *val)
{
	unsigned long v;

	if (parse_uint(val, 1, 65535, &v))
		return perr(p, "'%s' must be a number from 1 to 65535, not '%s'",
			    name, val);
	p->cfg->port = (uint16_t)v;
	return 0;
}

static int set_signing(struct parser *p, const char *name, const char *val)
{
	static const struct name_val tab[] = {
		{ "auto", DFS_SIGNING_AUTO },
		{ "default", DFS_SIGNING_AUTO },
		{ "mandatory", DFS_SIGNING_MANDATORY },
		{ "required", DFS_SIGNING_MANDATORY },
		{ "disabled", DFS_SIGNING_DISABLED },
	};
	int v = LOOKUP(tab, val);

	if (v < 0)
		return perr(p, "'%s' must be auto, mandatory or disabled, not '%s'",
			    name, val);
	p->cfg->server_signing = v;
	return 0;
}

static int parse_encrypt(const char *val)
{
	static const struct name_val tab[] = {
		{ "off", DFS_ENCRYPT_OFF },
		{ "disabled", DFS_ENCRYPT_OFF },
		{ "if_required", DFS_ENCRYPT_IF_REQUIRED },
		{ "auto", DFS_ENCRYPT_IF_REQUIRED },
		{ "default", DFS_ENCRYPT_IF_REQUIRED },
		{ "desired", DFS_ENCRYPT_DESIRED },
		{ "required", DFS_ENCRYPT_REQUIRED },
		{ "mandatory", DFS_ENCRYPT_REQUIRED },
	};

	return LOOKUP(tab, val);
}

/* Global policy in [global], per-share override in a share section. */
static int set_encrypt(struct parser *p, const char *name, const char *val)
{
	int v = parse_encrypt(val);

	if (v < 0)
		return perr(p, "'%s' must be off, if_required, desired or required, not '%s'",
			    name, val);
	if (p->in_global)
		p->cfg->smb_encrypt = v;
	else
		p->sh->encrypt = v;
	return 0;
}

/*
 * "SMB2" and "SMB3" name a family: as a minimum they mean its lowest
 * dialect, as a maximum its highest, which is what an admin writing
 * "server min protocol = SMB3" wants.
 */
static int set_protocol(struct parser *p, const char *name, const char *val,
			bool is_min, uint16_t *dst)
{
	uint16_t d = dfs_protocol_from_name(val);

	if (!strcasecmp(val, "SMB2"))
		d = is_min ? 0x0202 : 0x0210;
	else if (!strcasecmp(val, "SMB3"))
		d = is_min ? 0x0300 : 0x0311;
	if (d)
		goto ok;
	if (!strcasecmp(val, "NT1") || !strcasecmp(val, "LANMAN1") ||
	    !strcasecmp(val, "LANMAN2") || !strcasecmp(val, "CORE") ||
	    !strcasecmp(val, "COREPLUS"))
		return perr(p, "'%s': SMB1 (%s) is not supported; use SMB2_02 or later",
			    name, val);
	return perr(p, "'%s' must be one of SMB2_02, SMB2_10, SMB3_00, SMB3_02, SMB3_11 (or SMB2, SMB3), not '%s'",
		    name, val);
ok:
	*dst = d;
	return 0;
}

static int set_min_proto(struct parser *p, const char *name, const char *val)
{
	return set_protocol(p, name, val, true, &p->cfg->min_protocol);
}

static int set_max_proto(struct parser *p, const char *name, const char *val)
{
	return set_protocol(p, name, val, false, &p->cfg->max_protocol);
}

static int set_map_to_guest(struct parser *p, const char *name,
			    const char *val)
{
	static const struct name_val tab[] = {
		{ "never", DFS_GUEST_NEVER },
		{ "bad user", DFS_GUEST_BAD_USER },
	};
	int v = LOOKUP(tab, val);

	if (v < 0)
		return perr(p, "'%s' must be 'never' or 'bad user', not '%s'",
			    name, val);
	p->cfg->map_to_guest = v;
	return 0;
}

/* A Unix login name; resolved with getpwnam() by dittofsd at start. */
static int set_guest_account(struct parser *p, const char *name,
			     const char *val)
{
	if (!*val || strpbrk(val, " \t:/,"))
		return perr(p, "'%s' must be a Unix user name, not '%s'",
			    name, val);
	return copy_str(p, name, val, p->cfg->guest_account,
			sizeof(p->cfg->guest_account));
}

static int set_abs_path(struct parser *p, const char *name, const char *val,
			char *dst, size_t cap)
{
	if (val[0] != '/')
		return perr(p, "'%s' must be an absolute path (starting with '/'), not '%s'",
			    name, val);
	return copy_str(p, name, val, dst, cap);
}

static int set_state_dir(struct parser *p, const char *name, const char *val)
{
	return set_abs_path(p, name, val, p->cfg->state_dir,
			    sizeof(p->cfg->state_dir));
}

/* NetBIOS names travel upper-cased; reject what Windows rejects in them. */
static int set_nb_name(struct parser *p, const char *name, const char *val,
		       char *dst)
{
	size_t i, len = strlen(val);

	if (!len || len > 15)
		return perr(p, "'%s' must be 1 to 15 characters, not '%s'",
			    name, val);
	if (strpbrk(val, "\\/:*?\"<>| \t.") || has_ctrl(val))
		return perr(p, "'%s' may not contain spaces, dots or any of \\/:*?\"<>|",
			    name);
	for (i = 0; i <= len; i++)
		dst[i] = (char)toupper((unsigned char)val[i]);
	return 0;
}

static int set_netbios_name(struct parser *p, const char *name,
			    const char *val)
{
	return set_nb_name(p, name, val, p->cfg->netbios_name);
}

static int set_workgroup(struct parser *p, const char *name, const char *val)
{
	return set_nb_name(p, name, val, p->cfg->workgroup);
}

static int set_server_string(struct parser *p, const char *name,
			     const char *val)
{
	return copy_str(p, name, val, p->cfg->server_string,
			sizeof(p->cfg->server_string));
}

static int set_log_level(struct parser *p, const char *name, const char *val)
{
	unsigned long v;

	if (parse_uint(val, 0, 3, &v))
		return perr(p, "'%s' must be 0 (errors), 1 (info), 2 (verbose) or 3 (debug), not '%s'",
			    name, val);
	p->cfg->log_level = (int)v;
	return 0;
}

static int set_max_conn(struct parser *p, const char *name, const char *val)
{
	unsigned long v;

	if (parse_uint(val, 1, 1048576, &v))
		return perr(p, "'%s' must be a number from 1 to 1048576, not '%s'",
			    name, val);
	p->cfg->max_connections = (unsigned int)v;
	return 0;
}

/* Bytes a named stream may hold: 1 to 1 GiB, with a K/M/G suffix. */
static int set_max_stream(struct parser *p, const char *name, const char *val)
{
	char num[32];
	size_t len = strlen(val);
	unsigned long v, mult = 1;

	if (len && len < sizeof(num) && strchr("kKmMgG", val[len - 1])) {
		mult = strchr("kK", val[len - 1]) ? 1ul << 10 :
		       strchr("mM", val[len - 1]) ? 1ul << 20 : 1ul << 30;
		len--;
	}
	if (len >= sizeof(num))
		return perr(p, "'%s': '%s' is too long", name, val);
	memcpy(num, val, len);
	num[len] = '\0';
	if (parse_uint(num, 1, (1ul << 30) / mult, &v))
		return perr(p, "'%s' must be a size from 1 to 1G (bytes, or with K, M or G), not '%s'",
			    name, val);
	p->cfg->max_stream_size = (uint64_t)v * mult;
	return 0;
}

/* A count from min to max; the message says what 0 means if it is allowed. */
static int set_count(struct parser *p, const char *name, const char *val,
		     unsigned long min, unsigned long max, unsigned int *dst)
{
	unsigned long v;

	if (parse_uint(val, min, max, &v)) {
		if (min == 0)
			return perr(p, "'%s' must be a number from 0 (no limit) to %lu, not '%s'",
				    name, max, val);
		return perr(p, "'%s' must be a number from %lu to %lu, not '%s'",
			    name, min, max, val);
	}
	*dst = (unsigned int)v;
	return 0;
}

static int set_max_conn_per_ip(struct parser *p, const char *name,
			       const char *val)
{
	return set_count(p, name, val, 0, 1048576, &p->cfg->max_conns_per_ip);
}

static int set_max_sessions(struct parser *p, const char *name, const char *val)
{
	return set_count(p, name, val, 1, 1048576, &p->cfg->max_sessions);
}

static int set_max_sess_per_conn(struct parser *p, const char *name,
				 const char *val)
{
	return set_count(p, name, val, 1, 65536, &p->cfg->max_sessions_per_conn);
}

/* At most the open table's size (open_table.c: 2^20 slots). */
static int set_max_open_files(struct parser *p, const char *name,
			      const char *val)
{
	return set_count(p, name, val, 1, 1048576, &p->cfg->max_open_files);
}

static int set_max_async(struct parser *p, const char *name, const char *val)
{
	return set_count(p, name, val, 1, 65536, &p->cfg->max_async_ops);
}

/* ---- share options ------------------------------------------------------ */

/* Seconds, 0 (off) to one day. */
static int set_seconds(struct parser *p, const char *name, const char *val,
		       unsigned int *dst)
{
	unsigned long v;

	if (parse_uint(val, 0, 86400, &v))
		return perr(p, "'%s' must be seconds from 0 (off) to 86400, not '%s'",
			    name, val);
	*dst = (unsigned int)v;
	return 0;
}

static int set_unauth_timeout(struct parser *p, const char *name, const char *val)
{
	return set_seconds(p, name, val, &p->cfg->unauth_timeout);
}

static int set_idle_timeout(struct parser *p, const char *name, const char *val)
{
	return set_seconds(p, name, val, &p->cfg->idle_timeout);
}

static int set_durable_timeout(struct parser *p, const char *name, const char *val)
{
	return set_seconds(p, name, val, &p->cfg->durable_timeout);
}

static int set_multi_channel(struct parser *p, const char *name, const char *val)
{
	return set_bool(p, name, val, &p->cfg->multi_channel);
}

/*
 * A preference list of algorithm names ("AES-128-GCM, AES-256-GCM"): each
 * known once, at least one. Names are Samba's, so smb.conf lines carry over.
 */
static int set_alg_list(struct parser *p, const char *name, const char *val,
			const struct name_val *tab, size_t ntab, uint16_t *dst,
			int cap, int *n)
{
	char buf[256], *tok, *save = NULL;
	int i, v;

	if (strlen(val) >= sizeof(buf))
		return perr(p, "'%s' is too long", name);
	strcpy(buf, val);
	*n = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		v = lookup(tab, ntab, tok);
		if (v < 0)
			return perr(p, "'%s': unknown algorithm '%s'", name, tok);
		for (i = 0; i < *n; i++)
			if (dst[i] == v)
				return perr(p, "'%s': '%s' is listed twice", name, tok);
		if (*n == cap)
			return perr(p, "'%s': too many algorithms", name);
		dst[(*n)++] = (uint16_t)v;
	}
	if (*n == 0)
		return perr(p, "'%s' needs at least one algorithm", name);
	return 0;
}

static int set_ciphers(struct parser *p, const char *name, const char *val)
{
	static const struct name_val tab[] = {
		{ "AES-128-CCM", 1 }, { "AES-128-GCM", 2 },
		{ "AES-256-CCM", 3 }, { "AES-256-GCM", 4 },
	};

	return set_alg_list(p, name, val, tab, sizeof(tab) / sizeof(tab[0]),
			    p->cfg->ciphers, 4, &p->cfg->n_ciphers);
}

static int set_sign_algs(struct parser *p, const char *name, const char *val)
{
	static const struct name_val tab[] = {
		{ "HMAC-SHA256", 0 }, { "AES-128-CMAC", 1 }, { "AES-128-GMAC", 2 },
	};

	return set_alg_list(p, name, val, tab, sizeof(tab) / sizeof(tab[0]),
			    p->cfg->sign_algs, 3, &p->cfg->n_sign_algs);
}

static int set_path(struct parser *p, const char *name, const char *val)
{
	return set_abs_path(p, name, val, p->sh->path, sizeof(p->sh->path));
}

static int set_comment(struct parser *p, const char *name, const char *val)
{
	return copy_str(p, name, val, p->sh->comment, sizeof(p->sh->comment));
}

static int set_read_only(struct parser *p, const char *name, const char *val)
{
	return set_bool(p, name, val, &p->sh->read_only);
}

static int set_writeable(struct parser *p, const char *name, const char *val)
{
	bool w;

	if (set_bool(p, name, val, &w))
		return -1;
	p->sh->read_only = !w;
	return 0;
}

static int set_guest_ok(struct parser *p, const char *name, const char *val)
{
	return set_bool(p, name, val, &p->sh->guest_ok);
}

static int set_browseable(struct parser *p, const char *name, const char *val)
{
	return set_bool(p, name, val, &p->sh->browseable);
}

static void free_list(char **list)
{
	char **it;

	if (!list)
		return;
	for (it = list; *it; it++)
		free(*it);
	free(list);
}

/* Split on commas and white space; an empty list means everyone. */
static int set_valid_users(struct parser *p, const char *name,
			   const char *val)
{
	static const char seps[] = ", \t";
	size_t n = 0, i = 0;
	const char *c;
	char **list;

	for (c = val; *c; c += strcspn(c, seps)) {
		c += strspn(c, seps);
		if (*c)
			n++;
	}
	if (!n)
		return 0;
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		return perr(p, "out of memory");
	for (c = val + strspn(val, seps); *c; c += strspn(c, seps)) {
		size_t len = strcspn(c, seps);

		if (*c == '@' || *c == '+' || *c == '&') {
			free_list(list);
			return perr(p, "'%s': groups ('%.*s') are not supported yet; list user names",
				    name, (int)len, c);
		}
		list[i] = strndup(c, len);
		if (!list[i++]) {
			free_list(list);
			return perr(p, "out of memory");
		}
		c += len;
	}
	p->sh->valid_users = list;
	return 0;
}

static const struct option_def options[] = {
	{ "listen address",	 OPT_LISTEN,	    SC_GLOBAL, set_listen },
	{ "port",		 OPT_PORT,	    SC_GLOBAL, set_port },
	{ "server signing",	 OPT_SIGNING,	    SC_GLOBAL, set_signing },
	{ "smb encrypt",	 OPT_ENCRYPT,	    SC_BOTH,   set_encrypt },
	{ "server smb encrypt",	 OPT_ENCRYPT,	    SC_BOTH,   set_encrypt },
	{ "server min protocol", OPT_MIN_PROTO,	    SC_GLOBAL, set_min_proto },
	{ "min protocol",	 OPT_MIN_PROTO,	    SC_GLOBAL, set_min_proto },
	{ "server max protocol", OPT_MAX_PROTO,	    SC_GLOBAL, set_max_proto },
	{ "max protocol",	 OPT_MAX_PROTO,	    SC_GLOBAL, set_max_proto },
	{ "map to guest",	 OPT_MAP_TO_GUEST,  SC_GLOBAL, set_map_to_guest },
	{ "guest account",	 OPT_GUEST_ACCOUNT, SC_GLOBAL, set_guest_account },
	{ "state directory",	 OPT_STATE_DIR,	    SC_GLOBAL, set_state_dir },
	{ "netbios name",	 OPT_NETBIOS_NAME,  SC_GLOBAL, set_netbios_name },
	{ "workgroup",		 OPT_WORKGROUP,	    SC_GLOBAL, set_workgroup },
	{ "server string",	 OPT_SERVER_STRING, SC_GLOBAL, set_server_string },
	{ "log level",		 OPT_LOG_LEVEL,	    SC_GLOBAL, set_log_level },
	{ "max connections",	 OPT_MAX_CONN,	    SC_GLOBAL, set_max_conn },
	{ "server smb3 encryption algorithms", OPT_CIPHERS, SC_GLOBAL, set_ciphers },
	{ "unauthenticated timeout", OPT_UNAUTH_TIMEOUT, SC_GLOBAL, set_unauth_timeout },
	{ "idle timeout",	 OPT_IDLE_TIMEOUT,  SC_GLOBAL, set_idle_timeout },
	{ "durable handle timeout", OPT_DURABLE_TIMEOUT, SC_GLOBAL, set_durable_timeout },
	{ "server smb3 signing algorithms", OPT_SIGN_ALGS, SC_GLOBAL, set_sign_algs },
	{ "max stream size",	 OPT_MAX_STREAM,    SC_GLOBAL, set_max_stream },
	{ "server multi channel support", OPT_MULTI_CHANNEL, SC_GLOBAL, set_multi_channel },
	{ "max connections per ip", OPT_MAX_CONN_PER_IP, SC_GLOBAL, set_max_conn_per_ip },
	{ "max sessions",	 OPT_MAX_SESSIONS,  SC_GLOBAL, set_max_sessions },
	{ "max sessions per connection", OPT_MAX_SESS_PER_CONN, SC_GLOBAL, set_max_sess_per_conn },
	{ "max open files",	 OPT_MAX_OPEN_FILES, SC_GLOBAL, set_max_open_files },
	{ "max async operations", OPT_MAX_ASYNC,    SC_GLOBAL, set_max_async },
	{ "path",		 OPT_PATH,	    SC_SHARE,  set_path },
	{ "comment",		 OPT_COMMENT,	    SC_SHARE,  set_comment },
	{ "read only",		 OPT_READ_ONLY,	    SC_BOTH,   set_read_only },
	{ "writeable",		 OPT_READ_ONLY,	    SC_BOTH,   set_writeable },
	{ "writable",		 OPT_READ_ONLY,	    SC_BOTH,   set_writeable },
	{ "guest ok",		 OPT_GUEST_OK,	    SC_BOTH,   set_guest_ok },
	{ "public",		 OPT_GUEST_OK,	    SC_BOTH,   set_guest_ok },
	{ "browseable",		 OPT_BROWSEABLE,    SC_BOTH,   set_browseable },
	{ "browsable",		 OPT_BROWSEABLE,    SC_BOTH,   set_browseable },
	{ "valid users",	 OPT_VALID_USERS,   SC_SHARE,  set_valid_users },
};

bool dfs_config_key_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t' || *a == '_')
			a++;
		while (*b == ' ' || *b == '\t' || *b == '_')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static const struct option_def *find_option(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (dfs_config_key_eq(key, options[i].name))
			return &options[i];
	return NULL;
}

/* ---- public helpers ----------------------------------------------------- */

uint16_t dfs_protocol_from_name(const char *name)
{
	static const struct name_val tab[] = {
		{ "SMB2_02", 0x0202 },
		{ "SMB2_10", 0x0210 },
		{ "SMB3_00", 0x0300 },
		{ "SMB3_02", 0x0302 },
		{ "SMB3_11", 0x0311 },
	};
	int v = LOOKUP(tab, name);

	return v < 0 ? 0 : (uint16_t)v;
}

static void default_netbios_name(char *dst)
{
	char host[256];
	size_t i;

	if (gethostname(host, sizeof(host)) || !host[0]) {
		strcpy(dst, "DITTOFS");
		return;
	}
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < 15 && host[i] && host[i] != '.'; i++)
		dst[i] = (char)toupper((unsigned char)host[i]);
	dst[i] = '\0';
}

void dfs_config_defaults(struct dfs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen_addr, "127.0.0.1");
	cfg->port = 445;
	cfg->server_signing = DFS_SIGNING_AUTO;
	cfg->smb_encrypt = DFS_ENCRYPT_IF_REQUIRED;
	cfg->min_protocol = 0x0202;
	cfg->max_protocol = 0x0311;
	cfg->map_to_guest = DFS_GUEST_NEVER;
	strcpy(cfg->guest_account, "nobody");
	strcpy(cfg->state_dir, "/var/lib/dittofs");
	default_netbios_name(cfg->netbios_name);
	strcpy(cfg->workgroup, "WORKGROUP");
	strcpy(cfg->server_string, "DittoFS");
	cfg->log_level = 1;
	cfg->max_connections = 1024;
	cfg->max_conns_per_ip = 64;
	cfg->max_sessions = 4096;
	cfg->max_sessions_per_conn = 64;
	cfg->max_open_files = 16384;
	cfg->max_async_ops = 512;
	cfg->unauth_timeout = 60;
	cfg->idle_timeout = 0;
	cfg->durable_timeout = 60;
	cfg->max_stream_size = 8u << 20;	/* VFS_STREAM_MAX_DEFAULT */
	cfg->multi_channel = true;	/* as Samba 4.15+ on Linux */
	/* the order the issue and Windows use: fast GCM first, 256-bit last */
	cfg->ciphers[0] = 2;	/* AES-128-GCM */
	cfg->ciphers[1] = 1;	/* AES-128-CCM */
	cfg->ciphers[2] = 4;	/* AES-256-GCM */
	cfg->ciphers[3] = 3;	/* AES-256-CCM */
	cfg->n_ciphers = 4;
	cfg->sign_algs[0] = 2;	/* AES-128-GMAC */
	cfg->sign_algs[1] = 1;	/* AES-128-CMAC */
	cfg->sign_algs[2] = 0;	/* HMAC-SHA256 */
	cfg->n_sign_algs = 3;
}

static void share_defaults(struct dfs_share_cfg *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->read_only = true;
	sh->browseable = true;
	sh->encrypt = -1;
}

const struct dfs_share_cfg *dfs_config_share(const struct dfs_config *cfg,
					     const char *name)
{
	const struct dfs_share_cfg *sh;

	for (sh = cfg->shares; sh; sh = sh->next)
		if (!strcasecmp(sh->name, name))
			return sh;
	return NULL;
}

bool dfs_share_user_ok(const struct dfs_share_cfg *sh, const char *user)
{
	char **it;

	if (!sh)
		return false;
	if (!sh->valid_users)
		return true;
	for (it = sh->valid_users; *it; it++)
		if (!strcasecmp(*it, user))
			return true;
	return false;
}

void dfs_config_free(struct dfs_config *cfg)
{
	struct dfs_share_cfg *sh, *next;

	if (!cfg)
		return;
	for (sh = cfg->shares; sh; sh = next) {
		next = sh->next;
		free_list(sh->valid_users);
		free(sh);
	}
	free(cfg);
}

/* ---- the line parser ---------------------------------------------------- */

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* A share without a path would export nothing; say so where it started. */
static int finish_share(struct parser *p)
{
	if (!p->in_section || p->in_global)
		return 0;
	if (!p->sh->path[0]) {
		p->line = p->sh->line;
		return perr(p, "share [%s] has no 'path'; add a line such as 'path = /srv/%s'",
			    p->sh->name, p->sh->name);
	}
	return 0;
}

static int check_share_name(struct parser *p, const char *name)
{
	size_t len = strlen(name);

	if (!len)
		return perr(p, "empty section name '[]'");
	if (len >= sizeof(p->sh->name))
		return perr(p, "share name '%s' is too long (at most %zu characters)",
			    name, sizeof(p->sh->name) - 1);
	if (strpbrk(name, "\\/[]:|<>+=;,*?\"") || has_ctrl(name))
		return perr(p, "share name '%s' may not contain any of \\/[]:|<>+=;,*?\"",
			    name);
	if (!strcasecmp(name, "IPC$"))
		return perr(p, "[IPC$] is built in and cannot be defined; remove this section");
	if (dfs_config_share(p->cfg, name))
		return perr(p, "share [%s] is defined twice; share names are case-insensitive",
			    name);
	return 0;
}

static int begin_section(struct parser *p, char *line)
{
	char *close = strchr(line, ']');
	struct dfs_share_cfg *sh;
	char *name;

	if (!close)
		return perr(p, "unterminated section header; expected ']'");
	if (*trim(close + 1))
		return perr(p, "unexpected text after ']'");
	*close = '\0';
	name = trim(line + 1);
	if (finish_share(p))
		return -1;
	p->in_section = true;
	if (!strcasecmp(name, "global")) {
		/* Samba allows [global] more than once; options still count once. */
		p->in_global = true;
		p->sh = &p->tmpl;
		p->lines = p->global_lines;
		return 0;
	}
	if (check_share_name(p, name))
		return -1;
	sh = malloc(sizeof(*sh));
	if (!sh)
		return perr(p, "out of memory");
	*sh = p->tmpl;
	strcpy(sh->name, name);
	sh->line = p->line;
	*p->tail = sh;
	p->tail = &sh->next;
	p->in_global = false;
	p->sh = sh;
	p->lines = p->share_lines;
	memset(p->share_lines, 0, sizeof(p->share_lines));
	return 0;
}

/* One matching pair of double quotes around a value is dropped. */
static char *unquote(char *val)
{
	size_t len = strlen(val);

	if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
		val[len - 1] = '\0';
		return val + 1;
	}
	return val;
}

static int set_option(struct parser *p, char *line)
{
	const struct option_def *opt;
	char *eq = strchr(line, '=');
	char *key, *val;

	if (!eq)
		return perr(p, "expected 'option = value' or '[section]'");
	*eq = '\0';
	key = trim(line);
	val = unquote(trim(eq + 1));
	if (!*key)
		return perr(p, "missing option name before '='");
	opt = find_option(key);
	if (!opt)
		return perr(p, "unknown option '%s'; see Documentation/configuration.md for the options dittofs knows",
			    key);
	if (!p->in_section)
		return perr(p, "'%s' appears before any section; put it under [global] or a [share]",
			    opt->name);
	if (p->in_global && !(opt->scope & SC_GLOBAL))
		return perr(p, "'%s' is a share option; it cannot be set in [global]",
			    opt->name);
	if (!p->in_global && !(opt->scope & SC_SHARE))
		return perr(p, "'%s' is a global option; move it to [global]",
			    opt->name);
	if (p->lines[opt->id])
		return perr(p, "'%s' is already set in this section on line %d; keep only one",
			    opt->name, p->lines[opt->id]);
	p->lines[opt->id] = p->line;
	return opt->set(p, opt->name, val);
}

/*
 * Read one line into buf without its newline. Returns 1 for a line, 0 at
 * end of file, -1 if it is longer than CONF_LINE_MAX (the rest of it is
 * consumed), -2 if it holds a NUL byte.
 */
static int read_line(FILE *f, char *buf)
{
	size_t len = 0;
	bool nul = false;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		if (len < CONF_LINE_MAX + 1)
			buf[len] = (char)c;
		len++;
	}
	if (c == EOF && !len)
		return 0;
	if (len > CONF_LINE_MAX)
		return -1;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	return nul ? -2 : 1;
}

static int parse_line(struct parser *p, char *raw)
{
	char *line = trim(raw);

	/* A UTF-8 byte order mark is what some editors start files with. */
	if (p->line == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
		line = trim(line + 3);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (*line == '[')
		return begin_section(p, line);
	return set_option(p, line);
}

static const char *protocol_name(uint16_t d)
{
	switch (d) {
	case 0x0202: return "SMB2_02";
	case 0x0210: return "SMB2_10";
	case 0x0300: return "SMB3_00";
	case 0x0302: return "SMB3_02";
	default: return "SMB3_11";
	}
}

static int check_protocols(struct parser *p)
{
	const struct dfs_config *cfg = p->cfg;

	if (cfg->min_protocol <= cfg->max_protocol)
		return 0;
	p->line = p->global_lines[OPT_MAX_PROTO];
	if (!p->line)
		p->line = p->global_lines[OPT_MIN_PROTO];
	return perr(p, "server min protocol (%s) is above server max protocol (%s); lower the minimum or raise the maximum",
		    protocol_name(cfg->min_protocol),
		    protocol_name(cfg->max_protocol));
}

static int parse_file(struct parser *p, FILE *f)
{
	char buf[CONF_LINE_MAX + 2];
	int rc;

	for (;;) {
		p->line++;
		rc = read_line(f, buf);
		if (rc == 0)
			break;
		if (rc == -1)
			return perr(p, "line is longer than %d characters",
				    CONF_LINE_MAX);
		if (rc == -2)
			return perr(p, "line contains a NUL byte");
		if (parse_line(p, buf))
			return -1;
	}
	if (ferror(f))
		return perr(p, "read error: %s", strerror(errno));
	if (finish_share(p))
		return -1;
	return check_protocols(p);
}

/* Parse an open stream; `name` is what FILE:LINE messages call it. */
static int load_stream(FILE *f, const char *name, struct dfs_config **out,
		       char *err, size_t errlen)
{
	struct parser *p;
	int rc;

	/* The parser carries a PATH_MAX share template: keep it off the stack. */
	p = calloc(1, sizeof(*p));
	if (p)
		p->cfg = malloc(sizeof(*p->cfg));
	if (!p || !p->cfg) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		free(p);
		return -1;
	}
	dfs_config_defaults(p->cfg);
	snprintf(p->cfg->path, sizeof(p->cfg->path), "%s", name);
	p->file = name;
	p->err = err;
	p->errlen = errlen;
	p->tail = &p->cfg->shares;
	p->lines = p->global_lines;
	share_defaults(&p->tmpl);

	rc = parse_file(p, f);
	if (rc)
		dfs_config_free(p->cfg);
	else
		*out = p->cfg;
	free(p);
	return rc;
}

int dfs_config_load(const char *file, struct dfs_config **out, char *err,
		    size_t errlen)
{
	FILE *f;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	f = fopen(file, "re");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	rc = load_stream(f, file, out, err, errlen);
	fclose(f);
	return rc;
}

int dfs_config_parse_text(const char *name, const char *text, size_t len,
			  struct dfs_config **out, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	/* "r" mode reads len bytes whatever they hold, NULs included */
	f = fmemopen((void *)text, len, "r");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	rc = load_stream(f, name, out, err, errlen);
	fclose(f);
	return rc;
}

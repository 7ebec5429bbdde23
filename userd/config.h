/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - dittofs.conf: smb.conf-shaped [global] and share sections.
 * Every option is documented in Documentation/configuration.md.
 */
#ifndef DITTOFSD_CONFIG_H
#define DITTOFSD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum dfs_signing_policy {
	DFS_SIGNING_AUTO = 0,		/* sign when the client asks */
	DFS_SIGNING_MANDATORY = 1,	/* every session signs */
	DFS_SIGNING_DISABLED = 2,	/* accepted as "auto": SMB2 cannot disable it */
};

enum dfs_encrypt_policy {
	DFS_ENCRYPT_OFF = 0,
	DFS_ENCRYPT_IF_REQUIRED = 1,	/* default: encrypt when the client asks */
	DFS_ENCRYPT_DESIRED = 2,
	DFS_ENCRYPT_REQUIRED = 3,
};

enum dfs_map_to_guest {
	DFS_GUEST_NEVER = 0,
	DFS_GUEST_BAD_USER = 1,		/* unknown user names log in as guest */
};

struct dfs_share_cfg {
	struct dfs_share_cfg *next;
	char name[81];			/* as written; compared case-insensitively */
	char path[PATH_MAX];
	char comment[256];
	bool read_only;			/* "read only" / "writeable" (inverse) */
	bool guest_ok;
	bool browseable;
	int encrypt;			/* enum dfs_encrypt_policy, -1 = inherit global */
	char **valid_users;		/* NULL = everyone; else names, NULL-terminated */
	int line;			/* where the section started, for messages */
};

struct dfs_config {
	char path[PATH_MAX];		/* file it was loaded from ("" = defaults) */
	char listen_addr[64];		/* "listen address", default 127.0.0.1 */
	uint16_t port;			/* "port", default 445 */
	int server_signing;		/* enum dfs_signing_policy */
	int smb_encrypt;		/* enum dfs_encrypt_policy */
	uint16_t min_protocol;		/* dialect number, default 0x0202 */
	uint16_t max_protocol;		/* default 0x0311 */
	int map_to_guest;		/* enum dfs_map_to_guest */
	char guest_account[64];		/* Unix user for guest, default "nobody" */
	char state_dir[PATH_MAX];	/* LMDB home, default /var/lib/dittofs */
	char netbios_name[16];		/* default: upper-case hostname, <= 15 chars */
	char workgroup[16];		/* default WORKGROUP */
	char server_string[128];	/* default "DittoFS" */
	int log_level;			/* 0 errors .. 3 debug, default 1 */
	unsigned max_connections;	/* default 1024 */
	/* resource limits (userd/limits.c, Documentation/security.md) */
	unsigned max_conns_per_ip;	/* "max connections per ip", 0 = off, default 64 */
	unsigned max_sessions;		/* server-wide, default 4096 */
	unsigned max_sessions_per_conn;	/* default 64 */
	unsigned max_open_files;	/* per session, default 16384 */
	unsigned max_async_ops;		/* pending operations per connection, default 512 */
	unsigned unauth_timeout;	/* s without a valid session; 0 = off, default 60 */
	unsigned idle_timeout;		/* s without a request; 0 = off (default) */
	unsigned durable_timeout;	/* s a durable open outlives its connection; 0 = no durable handles, default 60 */
	uint64_t max_stream_size;	/* bytes per named stream, default 8 MiB */
	/* "server smb3 encryption algorithms": cipher ids, preference order */
	uint16_t ciphers[4];
	int n_ciphers;
	/* "server smb3 signing algorithms": signing ids, preference order */
	uint16_t sign_algs[3];
	int n_sign_algs;
	/* "server multi channel support": session binding (user mode only) */
	bool multi_channel;
	struct dfs_share_cfg *shares;
};

/* Fill cfg with the built-in defaults (no shares). */
void dfs_config_defaults(struct dfs_config *cfg);

/*
 * Parse FILE into a new config (defaults first). On error returns -1 and
 * writes "FILE:LINE: what is wrong" into err. Unknown options, bad values,
 * options outside a section and duplicate share names are errors.
 */
int dfs_config_load(const char *file, struct dfs_config **out, char *err,
		    size_t errlen);

/*
 * The same for text in memory (what an edit is about to write): messages
 * say "NAME:LINE", so pass the file the text is meant for.
 */
int dfs_config_parse_text(const char *name, const char *text, size_t len,
			  struct dfs_config **out, char *err, size_t errlen);

void dfs_config_free(struct dfs_config *cfg);

/* Option names match ignoring case, spaces, tabs and underscores. */
bool dfs_config_key_eq(const char *a, const char *b);

/* Share by name, case-insensitive; NULL if none. */
const struct dfs_share_cfg *dfs_config_share(const struct dfs_config *cfg,
					     const char *name);

/* Is user allowed on share by "valid users"? (case-insensitive) */
bool dfs_share_user_ok(const struct dfs_share_cfg *sh, const char *user);

/* "SMB3_11" / "SMB2_02" / "NT1"-style names to dialect numbers, 0 if unknown */
uint16_t dfs_protocol_from_name(const char *name);

#endif /* DITTOFSD_CONFIG_H */

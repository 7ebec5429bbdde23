/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * userdb.h - the user database in LMDB: account name -> NT hash and the
 * Unix identity its files are accessed with (like smbpasswd/passdb.tdb).
 */
#ifndef DITTOFSD_USERDB_H
#define DITTOFSD_USERDB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct dfs_userdb;

struct dfs_user {
	char name[128];		/* stored and looked up case-insensitively */
	uint8_t nt_hash[16];	/* MD4(UTF-16LE(password)) */
	uid_t uid;
	gid_t gid;
	bool disabled;
};

/*
 * Open (creating if needed) the database under dir (a directory; created
 * 0700 if missing). Returns 0 or -errno.
 */
int dfs_userdb_open(const char *dir, struct dfs_userdb **out);
void dfs_userdb_close(struct dfs_userdb *db);

/*
 * Is name acceptable as an account name? 1..127 bytes, no control
 * characters, none of / \ [ ] : ; | = , + * ? < > "
 */
bool dfs_userdb_name_valid(const char *name);

/* 0, -ENOENT if no such user, other -errno on failure. */
int dfs_userdb_get(struct dfs_userdb *db, const char *name, struct dfs_user *out);
/* Insert or replace. 0 or -errno (-EINVAL for an invalid name). */
int dfs_userdb_put(struct dfs_userdb *db, const struct dfs_user *u);
/* 0, -ENOENT, or -errno. */
int dfs_userdb_del(struct dfs_userdb *db, const char *name);
/*
 * Calls fn for each user in (lower-cased) name order; stops early if fn
 * returns non-zero and returns that value. 0 or -errno otherwise. fn runs
 * inside a read snapshot: it may call dfs_userdb_get() but should be quick.
 */
int dfs_userdb_list(struct dfs_userdb *db,
		    int (*fn)(const struct dfs_user *u, void *arg), void *arg);

#endif /* DITTOFSD_USERDB_H */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_edit.h - add and remove share sections in dittofs.conf text.
 *
 * These work on the text of the file, not on a parsed configuration, so
 * that everything outside the edited section (other sections, comments,
 * blank lines, spellings of options) stays byte for byte as the admin
 * wrote it. What a section is follows the parser (userd/config.c): a line
 * whose first non-blank character is '[' starts one, it runs to the next
 * such line. One refinement: comment lines directly above a header (no
 * blank line between) describe that section, so they go with it when it
 * is deleted and stay when the section above it is deleted.
 *
 * Writing the result to disk is userd/config_file.c's job.
 */
#ifndef DITTOFSD_CONFIG_EDIT_H
#define DITTOFSD_CONFIG_EDIT_H

#include <stdbool.h>
#include <stddef.h>

/* A share to append, as "dittofsctl share add" takes it. */
struct dfs_share_spec {
	const char *name;
	const char *path;		/* absolute */
	const char *comment;		/* NULL or "": no comment line */
	const char *valid_users;	/* "u1,u2"; NULL: everyone */
	int encrypt;			/* enum dfs_encrypt_policy; -1: as [global] */
	bool read_only;
	bool guest_ok;
};

/* Text an edit made: malloc'd, NUL-terminated, len without the NUL. */
struct dfs_conf_text {
	char *buf;
	size_t len;
};

void dfs_conf_text_free(struct dfs_conf_text *t);

/*
 * Is name acceptable for a new share? 0, or -1 with the reason in err:
 * 1 to 80 bytes of valid UTF-8, no control characters, none of the
 * characters Windows refuses in share names (\/[]:|<>+=;,*?") nor '%'
 * (smb.conf substitutions), no leading or trailing blank, and not a
 * reserved section name (global, homes, printers) or the built-in IPC$.
 */
int dfs_share_name_check(const char *name, char *err, size_t errlen);

/* Check every field of spec (the path only as text). 0 or -1 with err. */
int dfs_share_spec_check(const struct dfs_share_spec *spec, char *err,
			 size_t errlen);

/* Does text have a section named name (case-insensitive)? */
bool dfs_conf_has_section(const char *text, size_t len, const char *name);

/*
 * Append spec's section to text (after a blank line; a missing final
 * newline is added; CRLF files get CRLF lines). -EEXIST when a section of
 * that name exists (case-insensitive), -EINVAL for a bad spec, -ENOMEM.
 * err says why.
 */
int dfs_conf_add_share(const char *text, size_t len,
		       const struct dfs_share_spec *spec,
		       struct dfs_conf_text *out, char *err, size_t errlen);

/*
 * Remove the section named name (case-insensitive) and only it; when it
 * is the last section, the blank lines that separated it go too. -ENOENT
 * when there is no such section, -EINVAL for a reserved name, -ENOMEM.
 */
int dfs_conf_del_share(const char *text, size_t len, const char *name,
		       struct dfs_conf_text *out, char *err, size_t errlen);

#endif /* DITTOFSD_CONFIG_EDIT_H */

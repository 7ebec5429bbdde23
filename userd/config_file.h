/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_file.h - change dittofs.conf on disk safely.
 *
 * The file is the single source of truth for shares, so an edit must
 * never leave it half written, unparsable, or with another owner or mode;
 * and two editors must not lose each other's change.
 */
#ifndef DITTOFSD_CONFIG_FILE_H
#define DITTOFSD_CONFIG_FILE_H

#include <stddef.h>

#include "userd/config_edit.h"

/* Turns the current text into the new one; 0 or a negative errno, err set. */
typedef int (*dfs_conf_edit_fn)(const char *text, size_t len, void *arg,
				struct dfs_conf_text *out, char *err,
				size_t errlen);

/*
 * Edit file in place, atomically: with its directory locked (flock, so
 * concurrent dittofsctl runs take turns), read it and refuse it if it does
 * not parse; let edit() make the new text; refuse that if it does not
 * parse; write it to a temporary file in the same directory with the
 * original's mode and owner, fsync, rename over the original (a symlink
 * is followed: its target is replaced), fsync the directory. If the file
 * changed while we worked, nothing is written.
 *
 * Returns 0; -EBADMSG when the old or the new text does not parse; the
 * edit's own negative errno; or another negative errno (-ENOENT: no such
 * file). err says why.
 */
int dfs_conf_edit_file(const char *file, dfs_conf_edit_fn edit, void *arg,
		       char *err, size_t errlen);

#endif /* DITTOFSD_CONFIG_FILE_H */

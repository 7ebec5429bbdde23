// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_config.c - dittofs.conf through dfs_config_load(): the input is the
 * file, handed over as a memfd's /proc/self/fd path so nothing is written
 * to disk. Also looks the parsed shares up and checks "valid users".
 */
#include <sys/mman.h>

#include "tests/fuzz/fuzz_common.h"

int dfs_fuzz_config(const uint8_t *data, size_t size)
{
	struct dfs_config *cfg = NULL;
	const struct dfs_share_cfg *sh;
	char path[64], err[512];
	int fd;

	fz_server();	/* quiet logs */
	fd = memfd_create("dittofs.conf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if (dfs_config_load(path, &cfg, err, sizeof(err)) == 0) {
		for (sh = cfg->shares; sh; sh = sh->next) {
			if (dfs_config_share(cfg, sh->name) == NULL)
				abort();	/* a parsed share must be found */
			dfs_share_user_ok(sh, "fuzz");
		}
		dfs_config_free(cfg);
	} else if (!memchr(err, '\0', sizeof(err)) || cfg) {
		abort();
	}
	close(fd);
	return 0;
}

#ifndef DFS_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return dfs_fuzz_config(data, size);
}
#endif

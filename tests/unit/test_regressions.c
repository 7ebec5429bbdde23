// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_regressions.c - every input a fuzz target once crashed on (and the
 * seed corpora), replayed through the same entry point the libFuzzer
 * target uses, without libFuzzer: the targets are included here with
 * DFS_FUZZ_REPLAY, which leaves out their LLVMFuzzerTestOneInput.
 *
 * Inputs are found under $DFS_SRCDIR/tests/fuzz/{regressions,corpus}/
 * <target>/ (DFS_SRCDIR defaults to the current directory: `make check`
 * runs from the repository root). A missing directory is not an error; an
 * input that crashes is (under ASan in `make check SANITIZE=1`).
 */
#include <dirent.h>

#define DFS_FUZZ_REPLAY 1
#include "tests/fuzz/fuzz_common.h"
#include "tests/fuzz/fuzz_frame.c"
#include "tests/fuzz/fuzz_server.c"
#include "tests/fuzz/fuzz_negotiate.c"
#include "tests/fuzz/fuzz_auth.c"
#include "tests/fuzz/fuzz_config.c"
#include "tests/fuzz/fuzz_names.c"
#include "tests/fuzz/fuzz_dcerpc.c"
#include "tests/fuzz/fuzz_secdesc.c"
#include "tests/fuzz/fuzz_ea.c"
#include "tests/fuzz/fuzz_transform.c"
#include "tests/fuzz/fuzz_create_ctx.c"
#include "tests/fuzz/fuzz_commands.c"

#include "tests/unit/check_main.h"

typedef int (*replay_fn)(const uint8_t *data, size_t size);

static const struct {
	const char *name;
	replay_fn fn;
} replay_targets[] = {
	{ "fuzz_frame", dfs_fuzz_frame },
	{ "fuzz_server", dfs_fuzz_server },
	{ "fuzz_negotiate", dfs_fuzz_negotiate },
	{ "fuzz_auth", dfs_fuzz_auth },
	{ "fuzz_config", dfs_fuzz_config },
	{ "fuzz_names", dfs_fuzz_names },
	{ "fuzz_dcerpc", dfs_fuzz_dcerpc },
	{ "fuzz_secdesc", dfs_fuzz_secdesc },
	{ "fuzz_ea", dfs_fuzz_ea },
	{ "fuzz_transform", dfs_fuzz_transform },
	{ "fuzz_create_ctx", dfs_fuzz_create_ctx },
	{ "fuzz_commands", dfs_fuzz_commands },
};

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Replay every file of DIR/<target>; returns how many ran. */
static int replay_dir(const char *kind, int t)
{
	const char *src = getenv("DFS_SRCDIR");
	char dir[1024], path[1536];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", src && *src ? src : ".",
		 kind, replay_targets[t].name);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		uint8_t *buf;
		size_t len = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = slurp(path, &len);
		ck_assert_msg(buf != NULL, "cannot read %s", path);
		ck_assert_int_eq(replay_targets[t].fn(buf, len), 0);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(test_replay_regressions)
{
	replay_dir("regressions", _i);
}
END_TEST

START_TEST(test_replay_corpus)
{
	replay_dir("corpus", _i);
}
END_TEST

/* Some inputs must exist, or the test proves nothing (wrong DFS_SRCDIR). */
START_TEST(test_inputs_found)
{
	int t, n = 0;

	for (t = 0; t < (int)DFS_ARRAY_SIZE(replay_targets); t++) {
		const char *src = getenv("DFS_SRCDIR");
		char dir[1024];
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
			 src && *src ? src : ".", replay_targets[t].name);
		d = opendir(dir);
		if (d) {
			n++;
			closedir(d);
		}
	}
	ck_assert_msg(n > 0, "no tests/fuzz/corpus under DFS_SRCDIR or '.'");
}
END_TEST

/*
 * The fuzz_transform seeds valid_alg1/2 were encrypted (outside this code,
 * with Python's AES) under the harness's fixed key: they must decrypt, or
 * the target never reaches its success path from them.
 */
START_TEST(test_transform_seeds_decrypt)
{
	static const char *const names[] = { "valid_alg1", "valid_alg2" };
	const char *src = getenv("DFS_SRCDIR");
	char path[1024];
	size_t i, len = 0;

	for (i = 0; i < DFS_ARRAY_SIZE(names); i++) {
		struct dfs_cipher_key k;
		uint8_t *buf;
		u8 *msg;
		u32 mlen;

		snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_transform/%s",
			 src && *src ? src : ".", names[i]);
		buf = slurp(path, &len);
		ck_assert_msg(buf && len > 1, "cannot read %s", path);
		k.alg = 1 + (buf[0] & 3);
		k.key = ft_key(k.alg);
		ck_assert_int_eq(dfs_transform_decrypt(&dfs_openssl_crypto_ops, &k,
						       buf + 1, (u32)(len - 1),
						       &msg, &mlen), 0);
		ck_assert_uint_eq(dfs_get_le32(msg), SMB2_PROTO_ID);
		free(buf);
	}
}
END_TEST

static Suite *regressions_suite(void)
{
	Suite *s = suite_create("fuzz regressions");
	TCase *tc = tcase_create("replay");
	int n = (int)DFS_ARRAY_SIZE(replay_targets);

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_inputs_found);
	tcase_add_test(tc, test_transform_seeds_decrypt);
	tcase_add_loop_test(tc, test_replay_regressions, 0, n);
	tcase_add_loop_test(tc, test_replay_corpus, 0, n);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(regressions_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_config.c - dittofs.conf parsing: a full file gives the right
 * values, and every kind of mistake is refused with FILE:LINE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/check_main.h"
#include "userd/config.h"

#define DIR_TEMPLATE "/tmp/dfs-config-XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];
static char file[sizeof(dir) + 32];
static char err[1024];

static void setup(void)
{
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/dittofs.conf", dir);
}

static void teardown(void)
{
	unlink(file);
	rmdir(dir);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int load(const char *text, struct dfs_config **cfg)
{
	write_conf(text);
	err[0] = '\0';
	return dfs_config_load(file, cfg, err, sizeof(err));
}

/* The text must be refused, blaming `line` of the file. */
static void expect_error(const char *text, int line, const char *what)
{
	struct dfs_config *cfg = (void *)1;
	char where[sizeof(file) + 16];

	ck_assert_int_eq(load(text, &cfg), -1);
	ck_assert_ptr_null(cfg);
	snprintf(where, sizeof(where), "%s:%d: ", file, line);
	ck_assert_msg(!strncmp(err, where, strlen(where)),
		      "error '%s' does not start with '%s'", err, where);
	ck_assert_msg(strstr(err, what), "error '%s' lacks '%s'", err, what);
}

static const char good[] =
	"# a comment\n"
	"; another comment\n"
	"\n"
	"[global]\n"
	"\tlisten address = ::1\n"
	"   PORT=4445   \n"
	"server signing = required\n"
	"smb encrypt = desired\n"
	"server min protocol = SMB3\n"
	"server_max_protocol = SMB3_11\n"
	"map to guest = Bad User\n"
	"guest account = smbguest\n"
	"state directory = /tmp/dittofs-state\n"
	"netbios name = fileserver1\n"
	"workgroup = example\n"
	"server string = \"Ditto file server\"\n"
	"log level = 3\n"
	"max connections = 64\n"
	"read only = no\n"
	"\n"
	"[Public]\n"
	"path = /srv/public\n"
	"comment = Everyone's files\n"
	"guest ok = yes\n"
	"READONLY = yes\n"
	"\n"
	"[team]\r\n"
	"path = /srv/team\r\n"
	"writable = true\r\n"
	"browseable = 0\r\n"
	"smb encrypt = mandatory\r\n"
	"valid users = alice, Bob\tcarol\r\n";

START_TEST(test_good)
{
	const struct dfs_share_cfg *pub, *team;
	struct dfs_config *cfg;

	ck_assert_msg(load(good, &cfg) == 0, "%s", err);
	ck_assert_str_eq(cfg->path, file);
	ck_assert_str_eq(cfg->listen_addr, "::1");
	ck_assert_uint_eq(cfg->port, 4445);
	ck_assert_int_eq(cfg->server_signing, DFS_SIGNING_MANDATORY);
	ck_assert_int_eq(cfg->smb_encrypt, DFS_ENCRYPT_DESIRED);
	ck_assert_uint_eq(cfg->min_protocol, 0x0300);
	ck_assert_uint_eq(cfg->max_protocol, 0x0311);
	ck_assert_int_eq(cfg->map_to_guest, DFS_GUEST_BAD_USER);
	ck_assert_str_eq(cfg->guest_account, "smbguest");
	ck_assert_str_eq(cfg->state_dir, "/tmp/dittofs-state");
	ck_assert_str_eq(cfg->netbios_name, "FILESERVER1");
	ck_assert_str_eq(cfg->workgroup, "EXAMPLE");
	ck_assert_str_eq(cfg->server_string, "Ditto file server");
	ck_assert_int_eq(cfg->log_level, 3);
	ck_assert_uint_eq(cfg->max_connections, 64);

	pub = dfs_config_share(cfg, "PUBLIC");
	ck_assert_ptr_nonnull(pub);
	ck_assert_ptr_eq(cfg->shares, pub);
	ck_assert_str_eq(pub->name, "Public");
	ck_assert_str_eq(pub->path, "/srv/public");
	ck_assert_str_eq(pub->comment, "Everyone's files");
	ck_assert(pub->guest_ok);
	ck_assert(pub->read_only);
	ck_assert(pub->browseable);
	ck_assert_int_eq(pub->encrypt, -1);
	ck_assert_ptr_null(pub->valid_users);
	ck_assert_int_eq(pub->line, 21);
	ck_assert(dfs_share_user_ok(pub, "anyone"));

	team = dfs_config_share(cfg, "team");
	ck_assert_ptr_nonnull(team);
	ck_assert_ptr_eq(pub->next, team);
	ck_assert_ptr_null(team->next);
	ck_assert_str_eq(team->path, "/srv/team");
	ck_assert(!team->read_only);
	ck_assert(!team->guest_ok);
	ck_assert(!team->browseable);
	ck_assert_int_eq(team->encrypt, DFS_ENCRYPT_REQUIRED);
	ck_assert_ptr_nonnull(team->valid_users);
	ck_assert_str_eq(team->valid_users[0], "alice");
	ck_assert_str_eq(team->valid_users[1], "Bob");
	ck_assert_str_eq(team->valid_users[2], "carol");
	ck_assert_ptr_null(team->valid_users[3]);
	ck_assert(dfs_share_user_ok(team, "BOB"));
	ck_assert(!dfs_share_user_ok(team, "mallory"));

	ck_assert_ptr_null(dfs_config_share(cfg, "IPC$"));
	dfs_config_free(cfg);
}
END_TEST

START_TEST(test_defaults)
{
	struct dfs_config *cfg;
	const struct dfs_share_cfg *sh;

	ck_assert_msg(load("[global]\n[data]\npath = /srv/data\n", &cfg) == 0,
		      "%s", err);
	ck_assert_str_eq(cfg->listen_addr, "127.0.0.1");
	ck_assert_uint_eq(cfg->port, 445);
	ck_assert_int_eq(cfg->server_signing, DFS_SIGNING_AUTO);
	ck_assert_int_eq(cfg->smb_encrypt, DFS_ENCRYPT_IF_REQUIRED);
	ck_assert_uint_eq(cfg->min_protocol, 0x0202);
	ck_assert_uint_eq(cfg->max_protocol, 0x0311);
	ck_assert_int_eq(cfg->map_to_guest, DFS_GUEST_NEVER);
	ck_assert_str_eq(cfg->guest_account, "nobody");
	ck_assert_str_eq(cfg->state_dir, "/var/lib/dittofs");
	ck_assert_str_eq(cfg->workgroup, "WORKGROUP");
	ck_assert_str_eq(cfg->server_string, "DittoFS");
	ck_assert_int_eq(cfg->log_level, 1);
	ck_assert_uint_eq(cfg->max_connections, 1024);
	ck_assert(cfg->netbios_name[0]);
	ck_assert_uint_le(strlen(cfg->netbios_name), 15);
	ck_assert(!strpbrk(cfg->netbios_name, ".abcdefghijklmnopqrstuvwxyz"));
	sh = cfg->shares;
	ck_assert_ptr_nonnull(sh);
	ck_assert(sh->read_only);
	ck_assert(!sh->guest_ok);
	ck_assert(sh->browseable);
	ck_assert_int_eq(sh->encrypt, -1);
	dfs_config_free(cfg);
}
END_TEST

START_TEST(test_aliases)
{
	struct dfs_config *cfg;

	ck_assert_msg(load("[global]\n"
			   "smb encrypt = auto\n"
			   "server signing = disabled\n"
			   "server min protocol = SMB2\n"
			   "server max protocol = SMB2\n"
			   "[a]\npath=/a\nsmb encrypt = disabled\n", &cfg) == 0,
		      "%s", err);
	ck_assert_int_eq(cfg->smb_encrypt, DFS_ENCRYPT_IF_REQUIRED);
	ck_assert_int_eq(cfg->server_signing, DFS_SIGNING_DISABLED);
	ck_assert_uint_eq(cfg->min_protocol, 0x0202);
	ck_assert_uint_eq(cfg->max_protocol, 0x0210);
	ck_assert_int_eq(cfg->shares->encrypt, DFS_ENCRYPT_OFF);
	dfs_config_free(cfg);

	ck_assert_uint_eq(dfs_protocol_from_name("smb3_02"), 0x0302);
	ck_assert_uint_eq(dfs_protocol_from_name("NT1"), 0);
	ck_assert_uint_eq(dfs_protocol_from_name("SMB4"), 0);
}
END_TEST

START_TEST(test_empty_file)
{
	struct dfs_config *cfg;

	ck_assert_msg(load("", &cfg) == 0, "%s", err);
	ck_assert_ptr_null(cfg->shares);
	dfs_config_free(cfg);
}
END_TEST

START_TEST(test_missing_file)
{
	struct dfs_config *cfg;

	ck_assert_int_eq(dfs_config_load("/nonexistent/dittofs.conf", &cfg,
					 err, sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dittofs.conf"));
}
END_TEST

START_TEST(test_unknown_option)
{
	expect_error("[global]\nport = 445\nfrobnicate = yes\n", 3,
		     "unknown option 'frobnicate'");
}
END_TEST

START_TEST(test_bad_bool)
{
	expect_error("[a]\npath = /a\nread only = maybe\n", 3, "yes or no");
}
END_TEST

START_TEST(test_bad_port)
{
	expect_error("[global]\nport = 0\n", 2, "1 to 65535");
	expect_error("[global]\nport = 65536\n", 2, "1 to 65535");
	expect_error("[global]\nport = 44x\n", 2, "1 to 65535");
	expect_error("[global]\nport =\n", 2, "1 to 65535");
}
END_TEST

START_TEST(test_max_stream_size)
{
	struct dfs_config *cfg;

	ck_assert_int_eq(load("[global]\n", &cfg), 0);
	ck_assert_uint_eq(cfg->max_stream_size, 8u << 20);
	dfs_config_free(cfg);
	ck_assert_int_eq(load("[global]\nmax stream size = 64K\n", &cfg), 0);
	ck_assert_uint_eq(cfg->max_stream_size, 65536);
	dfs_config_free(cfg);
	ck_assert_int_eq(load("[global]\nmax stream size = 1G\n", &cfg), 0);
	ck_assert_uint_eq(cfg->max_stream_size, 1u << 30);
	dfs_config_free(cfg);
	ck_assert_int_eq(load("[global]\nmax stream size = 1000\n", &cfg), 0);
	ck_assert_uint_eq(cfg->max_stream_size, 1000);
	dfs_config_free(cfg);
	expect_error("[global]\nmax stream size = 0\n", 2, "1 to 1G");
	expect_error("[global]\nmax stream size = 2G\n", 2, "1 to 1G");
	expect_error("[global]\nmax stream size = 5T\n", 2, "1 to 1G");
	expect_error("[global]\nmax stream size = M\n", 2, "1 to 1G");
	expect_error("[s]\npath = /s\nmax stream size = 1M\n", 3, "max stream size");
}
END_TEST

START_TEST(test_bad_protocol)
{
	expect_error("[global]\nserver max protocol = SMB4\n", 2, "SMB3_11");
	expect_error("[global]\nserver min protocol = NT1\n", 2,
		     "not supported");
}
END_TEST

START_TEST(test_min_above_max)
{
	expect_error("[global]\nserver max protocol = SMB2_10\n"
		     "log level = 2\nserver min protocol = SMB3_00\n",
		     2, "above server max protocol");
}
END_TEST

START_TEST(test_option_before_section)
{
	expect_error("# header\nport = 445\n[global]\n", 2,
		     "before any section");
}
END_TEST

START_TEST(test_duplicate_share)
{
	expect_error("[Data]\npath = /a\n\n[data]\npath = /b\n", 4,
		     "defined twice");
}
END_TEST

START_TEST(test_share_without_path)
{
	expect_error("[global]\n[empty]\ncomment = nothing\n[b]\npath = /b\n",
		     2, "no 'path'");
	expect_error("[last]\nread only = no\n", 1, "no 'path'");
}
END_TEST

START_TEST(test_overlong_line)
{
	char *text = malloc(8192);
	size_t n;

	ck_assert_ptr_nonnull(text);
	n = (size_t)sprintf(text, "[global]\nserver string = ");
	memset(text + n, 'x', 4096 - n + 9);
	strcpy(text + 4096 + 9, "\n");
	expect_error(text, 2, "longer than 4095");
	free(text);
}
END_TEST

START_TEST(test_longest_line_ok)
{
	struct dfs_config *cfg;
	char *text = malloc(8192);
	size_t n;

	/* Exactly 4095 characters on line 2: accepted (a comment). */
	ck_assert_ptr_nonnull(text);
	n = (size_t)sprintf(text, "[global]\n#");
	memset(text + n, 'x', 4094);
	strcpy(text + n + 4094, "\n");
	ck_assert_msg(load(text, &cfg) == 0, "%s", err);
	dfs_config_free(cfg);
	free(text);
}
END_TEST

START_TEST(test_unterminated_section)
{
	expect_error("[global]\nport = 445\n[share\npath = /x\n", 3,
		     "expected ']'");
}
END_TEST

START_TEST(test_duplicate_option)
{
	expect_error("[a]\npath = /a\nread only = yes\nwriteable = yes\n", 4,
		     "already set in this section on line 3");
}
END_TEST

START_TEST(test_scope_errors)
{
	expect_error("[a]\npath = /a\nport = 1\n", 3, "global option");
	expect_error("[global]\npath = /a\n", 2, "share option");
	expect_error("[IPC$]\npath = /a\n", 1, "built in");
}
END_TEST

START_TEST(test_bad_values)
{
	expect_error("[global]\nlisten address = localhost\n", 2, "IPv4 or IPv6");
	expect_error("[global]\nserver signing = sometimes\n", 2, "mandatory");
	expect_error("[global]\nsmb encrypt = always\n", 2, "if_required");
	expect_error("[global]\nmap to guest = bad password\n", 2, "never");
	expect_error("[global]\nlog level = 4\n", 2, "0 (errors)");
	expect_error("[global]\nnetbios name = sixteen-chars-xx\n", 2, "1 to 15");
	expect_error("[global]\nstate directory = var/lib\n", 2, "absolute");
	expect_error("[a]\npath = srv\n", 2, "absolute");
	expect_error("[a]\npath = /a\nvalid users = alice @staff\n", 3,
		     "groups");
	expect_error("[global]\njunk\n", 2, "option = value");
	expect_error("[a] x\npath = /a\n", 1, "after ']'");
}
END_TEST

/* [global] share options are the defaults of the shares after it. */
START_TEST(test_global_share_defaults)
{
	struct dfs_config *cfg;

	ck_assert_msg(load("[global]\nread only = no\nguest ok = yes\n"
			   "[a]\npath = /a\n"
			   "[b]\npath = /b\nread only = yes\n", &cfg) == 0,
		      "%s", err);
	ck_assert(!dfs_config_share(cfg, "a")->read_only);
	ck_assert(dfs_config_share(cfg, "a")->guest_ok);
	ck_assert(dfs_config_share(cfg, "b")->read_only);
	dfs_config_free(cfg);
}
END_TEST

START_TEST(test_algorithm_lists)
{
	struct dfs_config *cfg;

	ck_assert_int_eq(load("[global]\n"
			      "server smb3 encryption algorithms = aes-256-gcm, AES-128-CCM\n"
			      "server smb3 signing algorithms = AES-128-CMAC HMAC-SHA256\n",
			      &cfg), 0);
	ck_assert_int_eq(cfg->n_ciphers, 2);
	ck_assert_int_eq(cfg->ciphers[0], 4);
	ck_assert_int_eq(cfg->ciphers[1], 1);
	ck_assert_int_eq(cfg->n_sign_algs, 2);
	ck_assert_int_eq(cfg->sign_algs[0], 1);
	ck_assert_int_eq(cfg->sign_algs[1], 0);
	dfs_config_free(cfg);

	/* defaults: GCM first, 256-bit last; GMAC first */
	ck_assert_int_eq(load("[global]\n", &cfg), 0);
	ck_assert_int_eq(cfg->n_ciphers, 4);
	ck_assert_int_eq(cfg->ciphers[0], 2);
	ck_assert_int_eq(cfg->ciphers[3], 3);
	ck_assert_int_eq(cfg->sign_algs[0], 2);
	dfs_config_free(cfg);

	expect_error("[global]\nserver smb3 encryption algorithms = AES-512-GCM\n", 2,
		     "unknown algorithm");
	expect_error("[global]\nserver smb3 encryption algorithms = AES-128-GCM AES-128-GCM\n",
		     2, "listed twice");
	expect_error("[global]\nserver smb3 signing algorithms = ,\n", 2, "at least one");
	expect_error("[s]\npath = /s\nserver smb3 signing algorithms = AES-128-CMAC\n", 3, "");
}
END_TEST

START_TEST(test_timeouts)
{
	struct dfs_config *cfg;

	ck_assert_int_eq(load("[global]\n", &cfg), 0);
	ck_assert_uint_eq(cfg->unauth_timeout, 60);
	ck_assert_uint_eq(cfg->idle_timeout, 0);
	dfs_config_free(cfg);
	ck_assert_int_eq(load("[global]\nunauthenticated timeout = 0\nidle timeout = 3600\n",
			      &cfg), 0);
	ck_assert_uint_eq(cfg->unauth_timeout, 0);
	ck_assert_uint_eq(cfg->idle_timeout, 3600);
	dfs_config_free(cfg);
	expect_error("[global]\nidle timeout = 86401\n", 2, "0 (off) to 86400");
	expect_error("[global]\nunauthenticated timeout = -1\n", 2, "0 (off) to 86400");
}
END_TEST

START_TEST(test_limits)
{
	struct dfs_config *cfg;

	ck_assert_int_eq(load("[global]\n", &cfg), 0);
	ck_assert_uint_eq(cfg->max_conns_per_ip, 64);
	ck_assert_uint_eq(cfg->max_sessions, 4096);
	ck_assert_uint_eq(cfg->max_sessions_per_conn, 64);
	ck_assert_uint_eq(cfg->max_open_files, 16384);
	ck_assert_uint_eq(cfg->max_async_ops, 512);
	dfs_config_free(cfg);
	ck_assert_msg(load("[global]\nmax connections per ip = 0\n"
			   "max sessions = 10\nmax_sessions_per_connection = 2\n"
			   "MAX OPEN FILES = 1048576\nmax async operations = 1\n",
			   &cfg) == 0, "%s", err);
	ck_assert_uint_eq(cfg->max_conns_per_ip, 0);
	ck_assert_uint_eq(cfg->max_sessions, 10);
	ck_assert_uint_eq(cfg->max_sessions_per_conn, 2);
	ck_assert_uint_eq(cfg->max_open_files, 1048576);
	ck_assert_uint_eq(cfg->max_async_ops, 1);
	dfs_config_free(cfg);
	expect_error("[global]\nmax connections per ip = -1\n", 2, "0 (no limit) to 1048576");
	expect_error("[global]\n\nmax sessions = 0\n", 3, "from 1 to 1048576");
	expect_error("[global]\nmax sessions per connection = 65537\n", 2,
		     "from 1 to 65536");
	expect_error("[global]\nmax open files = 1048577\n", 2, "from 1 to 1048576");
	expect_error("[global]\nmax open files = 1k\n", 2, "not '1k'");
	expect_error("[global]\nmax async operations = 0\n", 2, "from 1 to 65536");
	expect_error("[a]\npath = /a\nmax open files = 5\n", 3, "global option");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_aliases);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_unknown_option);
	tcase_add_test(tc, test_bad_bool);
	tcase_add_test(tc, test_bad_port);
	tcase_add_test(tc, test_max_stream_size);
	tcase_add_test(tc, test_bad_protocol);
	tcase_add_test(tc, test_min_above_max);
	tcase_add_test(tc, test_option_before_section);
	tcase_add_test(tc, test_duplicate_share);
	tcase_add_test(tc, test_share_without_path);
	tcase_add_test(tc, test_overlong_line);
	tcase_add_test(tc, test_longest_line_ok);
	tcase_add_test(tc, test_unterminated_section);
	tcase_add_test(tc, test_duplicate_option);
	tcase_add_test(tc, test_scope_errors);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_global_share_defaults);
	tcase_add_test(tc, test_algorithm_lists);
	tcase_add_test(tc, test_timeouts);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

DFS_CHECK_MAIN(config_suite)

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - dittofsd: load the configuration, open the user database, and
 * serve SMB2/3 until told to stop.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userd/server.h"
#include "userd/smb2_lease.h"
#include "userd/auth/auth.h"
#include "userd/config.h"
#include "userd/crypto_openssl.h"
#include "userd/ctl.h"
#include "userd/log.h"
#include "userd/kernel_mode.h"
#include "userd/loop.h"
#include "userd/privs.h"
#include "userd/smb2_durable.h"
#include "userd/store/userdb.h"

#define DEFAULT_CONFIG "/etc/dittofs/dittofs.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dittofsd [-c CONFIG] [--mode=user|kernel] [-d LEVEL]\n"
		"  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		"      --mode MODE     user: serve from this process;\n"
		"                      kernel: hand the data plane to dittofs.ko;\n"
		"                      auto (default): kernel if dittofs.ko is loaded\n"
		"  -d, --debug LEVEL   log level 0-3, overrides 'log level'\n"
		"  -h, --help          this text\n"
		"dittofsd runs in the foreground and logs to stderr.\n");
}

struct options {
	const char *config;
	const char *mode;
	int debug;
};

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "debug", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->config = DEFAULT_CONFIG;
	o->mode = "auto";
	o->debug = -1;
	while ((ch = getopt_long(argc, argv, "c:d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'm':
			o->mode = optarg;
			break;
		case 'd':
			o->debug = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if (strcmp(o->mode, "user") && strcmp(o->mode, "kernel") &&
	    strcmp(o->mode, "auto")) {
		fprintf(stderr, "dittofsd: --mode must be user, kernel or auto, not '%s'\n",
			o->mode);
		return -1;
	}
	return 0;
}

static int userdb_lookup(void *arg, const char *name, struct dfs_user *out)
{
	return dfs_userdb_get(arg, name, out);
}

static void fill_auth_cfg(struct dfs_auth_cfg *a, const struct dfs_config *cfg,
			  struct dfs_userdb *db, char *dns, size_t dnslen)
{
	struct passwd *pw = getpwnam(cfg->guest_account);

	if (gethostname(dns, dnslen))
		snprintf(dns, dnslen, "localhost");
	dns[dnslen - 1] = '\0';
	a->lookup = userdb_lookup;
	a->lookup_arg = db;
	a->netbios_name = cfg->netbios_name;
	a->workgroup = cfg->workgroup;
	a->dns_name = dns;
	a->map_bad_user_to_guest = cfg->map_to_guest == DFS_GUEST_BAD_USER;
	a->guest_uid = pw ? pw->pw_uid : 65534;
	a->guest_gid = pw ? pw->pw_gid : 65534;
	if (!pw)
		log_info("guest account '%s' does not exist; guests map to uid 65534",
			 cfg->guest_account);
}

static int serve(struct dfs_server *srv, const char *config_path, bool kernel)
{
	const struct dfs_config *cfg = srv->cfg;
	int fd = dfs_listen(cfg->listen_addr, cfg->port);
	int ret = -1;

	srv->event_fd = -1;
	if (fd < 0)
		return -1;
	/* dittofs.ko takes its own reference on the socket: we keep none */
	if (kernel && dfs_kernel_start(srv, fd))
		goto out;
	if (kernel) {
		close(fd);
		fd = -1;
	}
	/* dittofsctl's socket in the state directory, while we may still create it */
	if (dfs_ctl_start(srv, config_path))
		goto out;
	/* durable.mdb beside users.mdb; stale records of a dead daemon go */
	if (dfs_durable_start(srv))
		goto out;
	/* the port is bound and the user database open: nothing else needs root */
	if (dfs_drop_privileges(kernel))
		goto out;
	log_info("listening on %s:%u (%s mode)", cfg->listen_addr, cfg->port,
		 kernel ? "kernel" : "user");
	ret = dfs_loop_run(srv, fd);
out:
	dfs_ctl_stop(srv);
	dfs_kernel_stop(srv);
	dfs_durable_stop(srv);
	if (fd >= 0)
		close(fd);
	return ret;
}

static bool want_kernel(const struct options *o)
{
	if (!strcmp(o->mode, "kernel"))
		return true;
	return !strcmp(o->mode, "auto") && dfs_kernel_module_loaded();
}

int main(int argc, char **argv)
{
	struct dfs_server srv = { 0 };
	struct dfs_auth_cfg auth = { 0 };
	struct dfs_config *cfg;
	struct dfs_userdb *db;
	struct options o;
	char err[512], dns[256];
	int rc;

	if (parse_args(argc, argv, &o))
		return 2;
	if (dfs_config_load(o.config, &cfg, err, sizeof(err))) {
		fprintf(stderr, "dittofsd: %s\n", err);
		return 1;
	}
	dfs_log_level = o.debug >= 0 ? o.debug : cfg->log_level;
	if (dfs_crypto_init()) {
		log_err("OpenSSL initialisation failed");
		return 1;
	}
	rc = dfs_userdb_open(cfg->state_dir, &db);
	if (rc) {
		log_err("user database in %s: %s (set 'state directory')",
			cfg->state_dir, strerror(-rc));
		return 1;
	}
	fill_auth_cfg(&auth, cfg, db, dns, sizeof(dns));
	srv.cfg = cfg;
	srv.users = db;
	srv.auth = &auth;
	srv.crypto = &dfs_openssl_crypto_ops;
	srv.start_filetime = dfs_filetime_now();
	if (dfs_random(srv.server_guid, sizeof(srv.server_guid))) {
		log_err("no randomness for the server GUID");
		return 1;
	}
	rc = serve(&srv, o.config, want_kernel(&o));
	dfs_userdb_close(db);
	/* a reload may have replaced cfg; dfs_ctl_stop freed the replaced ones */
	dfs_config_free(srv.cfg);
	free(srv.opens);
	dfs_lease_table_free(&srv);
	return rc ? 1 : 0;
}

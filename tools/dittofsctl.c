// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dittofsctl - administer a DittoFS server.
 *
 * Commands are rows in one table of { words, handler, synopsis }. Every
 * handler gets the argv that follows its words and returns the exit code:
 * 0 success, 1 failure, 2 usage error.
 *
 * "user ..." commands edit the user database in the state directory
 * directly. In kernel mode (dittofs.ko loaded and claimed by a dittofsd at
 * least once), "stats" and "conn list" read what the module owns over
 * generic netlink (userd/kmod_query.c), so they answer even while the
 * daemon is down. "share add|del" edit the configuration file and then
 * ask dittofsd to reload it (tools/ctl_share.c). The others ask the
 * running dittofsd over its control socket,
 * STATE_DIR/dittofsd.sock: one line "text|json COMMAND [ARGS]" out, and
 * back "0" or "1" (success or failure) on a line of its own followed by
 * the output (see userd/ctl.h).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "userd/auth/auth.h"
#include "userd/config.h"
#include "userd/ctl.h"
#include "userd/kmod_query.h"
#include "userd/store/userdb.h"
#include "tools/dittofsctl.h"

/* NTLM passwords are at most 256 UTF-16 units; leave room for UTF-8. */
#define PASSWORD_MAX 1024

struct command {
	const char *words[2];		/* words[1] NULL for one-word commands */
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;		/* synopsis after the words */
	const char *help;
};

/* ---- common helpers ----------------------------------------------------- */

/*
 * Find "state directory" in [global] of a file the parser refused. This is
 * how the daemon commands still reach dittofsd while the file has an error
 * (the admin's next step is usually "reload", which reports it).
 */
static bool scan_state_dir(const char *file, char *out, size_t outlen)
{
	char line[4096], *p, *eq, *v, *end;
	bool global = false, found = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " \t");
		if (!strncmp(p, "\xef\xbb\xbf", 3))
			p += 3;
		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '[') {
			global = !strncasecmp(p, "[global]", 8);
			continue;
		}
		eq = strchr(p, '=');
		if (!global || *p == '#' || *p == ';' || !eq)
			continue;
		*eq = '\0';
		for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		if (!dfs_config_key_eq(p, "state directory"))
			continue;
		v = eq + 1 + strspn(eq + 1, " \t");
		for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		snprintf(out, outlen, "%s", v);
		found = true;
	}
	fclose(f);
	return found;
}

/*
 * --state-dir wins; else the config's "state directory", from -c or the
 * default config if that exists; else the built-in default. With lenient,
 * a configuration with an error still yields its state directory (or the
 * default) instead of failing.
 */
static int resolve_state_dir_how(struct ctl *ctl, bool lenient)
{
	const char *file = ctl->config;
	struct dfs_config *cfg;
	char err[512];

	if (ctl->state_dir)
		return 0;
	if (!file && !access(DEFAULT_CONFIG, F_OK))
		file = DEFAULT_CONFIG;
	if (!file) {
		struct dfs_config def;

		dfs_config_defaults(&def);
		snprintf(ctl->state_buf, sizeof(ctl->state_buf), "%s",
			 def.state_dir);
		ctl->state_dir = ctl->state_buf;
		return 0;
	}
	if (dfs_config_load(file, &cfg, err, sizeof(err))) {
		struct dfs_config def;

		if (!lenient) {
			fprintf(stderr, "%s: %s\n", PROG, err);
			return -1;
		}
		if (!scan_state_dir(file, ctl->state_buf, sizeof(ctl->state_buf))) {
			dfs_config_defaults(&def);
			snprintf(ctl->state_buf, sizeof(ctl->state_buf), "%s",
				 def.state_dir);
		}
		ctl->state_dir = ctl->state_buf;
		return 0;
	}
	snprintf(ctl->state_buf, sizeof(ctl->state_buf), "%s", cfg->state_dir);
	ctl->state_dir = ctl->state_buf;
	dfs_config_free(cfg);
	return 0;
}

static int resolve_state_dir(struct ctl *ctl)
{
	return resolve_state_dir_how(ctl, false);
}

static struct dfs_userdb *open_userdb(struct ctl *ctl)
{
	struct dfs_userdb *db;
	int rc;

	if (resolve_state_dir(ctl))
		return NULL;
	rc = dfs_userdb_open(ctl->state_dir, &db);
	if (rc) {
		fprintf(stderr, "%s: cannot open the user database in %s: %s\n",
			PROG, ctl->state_dir, strerror(-rc));
		return NULL;
	}
	return db;
}

static int parse_id(const char *s, const char *what, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v >= 0xffffffffUL) {
		fprintf(stderr, "%s: invalid %s '%s'\n", PROG, what, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/* ---- password input ----------------------------------------------------- */

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

/* Never leave the admin's terminal without echo. */
static void restore_echo(int sig)
{
	if (echo_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from stdin, without its line end. 0, or -1 on EOF/too long. */
static int read_password_line(char *buf, size_t cap)
{
	size_t len;

	if (!fgets(buf, (int)cap, stdin))
		return -1;
	len = strcspn(buf, "\r\n");
	if (len == cap - 1 && buf[len] == '\0')
		return -1;
	buf[len] = '\0';
	return 0;
}

static int prompt_noecho(const char *prompt, char *buf, size_t cap)
{
	struct termios tio;
	int rc;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &saved_tio))
		return read_password_line(buf, cap);
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	signal(SIGINT, restore_echo);
	signal(SIGTERM, restore_echo);
	signal(SIGHUP, restore_echo);
	echo_off = 1;
	tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	rc = read_password_line(buf, cap);
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	echo_off = 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	return rc;
}

/*
 * The NT hash of a new password: from stdin if asked to or if stdin is not
 * a terminal (scripts, pipes), else prompted twice without echo.
 */
static int get_nt_hash(bool from_stdin, uint8_t hash[16])
{
	char pw[PASSWORD_MAX], again[PASSWORD_MAX];
	int rc = -1;

	if (from_stdin || !isatty(STDIN_FILENO)) {
		if (read_password_line(pw, sizeof(pw))) {
			fprintf(stderr, "%s: no password on standard input (or longer than %d bytes)\n",
				PROG, PASSWORD_MAX - 2);
			goto out;
		}
	} else {
		if (prompt_noecho("New SMB password: ", pw, sizeof(pw)) ||
		    prompt_noecho("Retype new SMB password: ", again,
				  sizeof(again))) {
			fprintf(stderr, "%s: no password entered\n", PROG);
			goto out;
		}
		if (strcmp(pw, again)) {
			fprintf(stderr, "%s: passwords do not match\n", PROG);
			goto out;
		}
	}
	if (!pw[0]) {
		fprintf(stderr, "%s: the password is empty\n", PROG);
		goto out;
	}
	rc = dfs_nt_hash(pw, hash);
	if (rc)
		fprintf(stderr, "%s: cannot hash the password: %s\n", PROG,
			strerror(-rc));
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc ? -1 : 0;
}

/* ---- user commands ------------------------------------------------------ */

/* Refuse a bad name before asking for a password, not after. */
static int check_user_name(const char *name)
{
	if (dfs_userdb_name_valid(name))
		return 0;
	fprintf(stderr, "%s: invalid user name '%s': use 1 to 127 bytes, no control characters and none of /\\[]:;|=,+*?<>\"\n",
		PROG, name);
	return -1;
}

/*
 * uid: --uid, else the Unix user of the same name, else the caller's.
 * gid: --gid, else that Unix user's group, else the --uid user's group,
 * else the caller's. Never root by default: an SMB account that silently
 * maps to uid 0 would bypass every permission on the share.
 */
static int pick_ids(const char *name, long uid_opt, long gid_opt,
		    struct dfs_user *u)
{
	struct passwd *pw = getpwnam(name);

	if (uid_opt >= 0)
		u->uid = (uid_t)uid_opt;
	else
		u->uid = pw ? pw->pw_uid : getuid();
	if (gid_opt >= 0) {
		u->gid = (gid_t)gid_opt;
	} else if (pw) {
		u->gid = pw->pw_gid;
	} else {
		struct passwd *byuid = uid_opt >= 0 ? getpwuid(u->uid) : NULL;

		u->gid = byuid ? byuid->pw_gid : getgid();
	}
	if (uid_opt < 0 && !pw && u->uid == 0) {
		fprintf(stderr, "%s: there is no Unix user '%s'; refusing to map it to root by default, pass --uid and --gid\n",
			PROG, name);
		return -1;
	}
	return 0;
}

static int user_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct dfs_user u = { 0 }, old;
	long uid = -1, gid = -1;
	bool from_stdin = false;
	struct dfs_userdb *db;
	unsigned int id;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (parse_id(optarg, "uid", &id))
				return EXIT_USAGE;
			uid = id;
			break;
		case 'g':
			if (parse_id(optarg, "gid", &id))
				return EXIT_USAGE;
			gid = id;
			break;
		case 'p':
			from_stdin = true;
			break;
		case 'h':
			return usage_of("user", "add", stdout);
		default:
			return usage_of("user", "add", stderr);
		}
	}
	if (argc - optind != 1)
		return usage_of("user", "add", stderr);
	if (check_user_name(argv[optind]))
		return EXIT_USAGE;
	snprintf(u.name, sizeof(u.name), "%s", argv[optind]);

	db = open_userdb(ctl);
	if (!db)
		return EXIT_FAIL;
	rc = dfs_userdb_get(db, u.name, &old);
	if (!rc) {
		fprintf(stderr, "%s: user '%s' already exists; use '%s user passwd %s' to change its password\n",
			PROG, old.name, PROG, old.name);
		goto fail;
	}
	if (rc != -ENOENT) {
		fprintf(stderr, "%s: cannot read user '%s': %s\n", PROG,
			u.name, strerror(-rc));
		goto fail;
	}
	if (pick_ids(u.name, uid, gid, &u) || get_nt_hash(from_stdin, u.nt_hash))
		goto fail;
	rc = dfs_userdb_put(db, &u);
	explicit_bzero(u.nt_hash, sizeof(u.nt_hash));
	if (rc) {
		fprintf(stderr, "%s: cannot add user '%s': %s\n", PROG, u.name,
			strerror(-rc));
		goto fail;
	}
	dfs_userdb_close(db);
	printf("Added user %s (uid %u, gid %u).\n", u.name, (unsigned)u.uid,
	       (unsigned)u.gid);
	return EXIT_OK;
fail:
	dfs_userdb_close(db);
	return EXIT_FAIL;
}

/* Shared by the commands that take exactly NAME and --help. */
static int one_name(int argc, char **argv, const char *sub, const char **name)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage_of("user", sub, stdout);
			return EXIT_OK;
		}
		return usage_of("user", sub, stderr);
	}
	if (argc - optind != 1)
		return usage_of("user", sub, stderr);
	*name = argv[optind];
	return -1;
}

/* Load NAME for a command that changes it; prints the error itself. */
static int load_user(struct dfs_userdb *db, const char *name,
		     struct dfs_user *u)
{
	int rc = dfs_userdb_get(db, name, u);

	if (rc == -ENOENT)
		fprintf(stderr, "%s: user '%s' does not exist\n", PROG, name);
	else if (rc)
		fprintf(stderr, "%s: cannot read user '%s': %s\n", PROG, name,
			strerror(-rc));
	return rc;
}

static int user_del(struct ctl *ctl, int argc, char **argv)
{
	struct dfs_userdb *db;
	const char *name;
	int rc;

	rc = one_name(argc, argv, "del", &name);
	if (rc >= 0)
		return rc;
	db = open_userdb(ctl);
	if (!db)
		return EXIT_FAIL;
	rc = dfs_userdb_del(db, name);
	dfs_userdb_close(db);
	if (rc == -ENOENT) {
		fprintf(stderr, "%s: user '%s' does not exist\n", PROG, name);
		return EXIT_FAIL;
	}
	if (rc) {
		fprintf(stderr, "%s: cannot delete user '%s': %s\n", PROG, name,
			strerror(-rc));
		return EXIT_FAIL;
	}
	printf("Deleted user %s.\n", name);
	return EXIT_OK;
}

static int user_passwd(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool from_stdin = false;
	struct dfs_userdb *db;
	struct dfs_user u;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'p')
			from_stdin = true;
		else if (c == 'h')
			return usage_of("user", "passwd", stdout);
		else
			return usage_of("user", "passwd", stderr);
	}
	if (argc - optind != 1)
		return usage_of("user", "passwd", stderr);
	db = open_userdb(ctl);
	if (!db)
		return EXIT_FAIL;
	if (load_user(db, argv[optind], &u) || get_nt_hash(from_stdin, u.nt_hash))
		goto fail;
	rc = dfs_userdb_put(db, &u);
	explicit_bzero(u.nt_hash, sizeof(u.nt_hash));
	if (rc) {
		fprintf(stderr, "%s: cannot update user '%s': %s\n", PROG,
			u.name, strerror(-rc));
		goto fail;
	}
	dfs_userdb_close(db);
	printf("Changed the password of user %s.\n", u.name);
	return EXIT_OK;
fail:
	dfs_userdb_close(db);
	return EXIT_FAIL;
}

static int set_disabled(struct ctl *ctl, int argc, char **argv, bool disabled)
{
	const char *sub = disabled ? "disable" : "enable";
	struct dfs_userdb *db;
	const char *name;
	struct dfs_user u;
	int rc;

	rc = one_name(argc, argv, sub, &name);
	if (rc >= 0)
		return rc;
	db = open_userdb(ctl);
	if (!db)
		return EXIT_FAIL;
	rc = load_user(db, name, &u);
	if (!rc) {
		u.disabled = disabled;
		rc = dfs_userdb_put(db, &u);
		if (rc)
			fprintf(stderr, "%s: cannot update user '%s': %s\n",
				PROG, u.name, strerror(-rc));
	}
	dfs_userdb_close(db);
	if (rc)
		return EXIT_FAIL;
	printf("%s user %s.\n", disabled ? "Disabled" : "Enabled", u.name);
	return EXIT_OK;
}

static int user_disable(struct ctl *ctl, int argc, char **argv)
{
	return set_disabled(ctl, argc, argv, true);
}

static int user_enable(struct ctl *ctl, int argc, char **argv)
{
	return set_disabled(ctl, argc, argv, false);
}

static int print_user(const struct dfs_user *u, void *arg)
{
	printf("%-24s %10u %10u  %s\n", u->name, (unsigned)u->uid,
	       (unsigned)u->gid, u->disabled ? "yes" : "no");
	return 0;
}

static int user_list(struct ctl *ctl, int argc, char **argv)
{
	struct dfs_userdb *db;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage_of("user", "list", stdout);
	if (argc != 1)
		return usage_of("user", "list", stderr);
	db = open_userdb(ctl);
	if (!db)
		return EXIT_FAIL;
	printf("%-24s %10s %10s  %s\n", "NAME", "UID", "GID", "DISABLED");
	rc = dfs_userdb_list(db, print_user, NULL);
	dfs_userdb_close(db);
	if (rc) {
		fprintf(stderr, "%s: cannot list users: %s\n", PROG,
			strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- commands answered by the running dittofsd ------------------------- */

/* How long dittofsd may take to answer (a reload reads the config). */
#define DAEMON_TIMEOUT_S 30
/* Largest answer accepted: far more than any listing. */
#define ANSWER_MAX (64u * 1024 * 1024)

static int connect_daemon(struct ctl *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = DAEMON_TIMEOUT_S };
	int fd, n;

	if (resolve_state_dir_how(ctl, true))
		return -1;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", ctl->state_dir,
		     DFS_CTL_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: the state directory %s is too long a path for dittofsd's control socket\n",
			PROG, ctl->state_dir);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", PROG, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	ctl->not_running = errno == ENOENT || errno == ENOTDIR ||
			   errno == ECONNREFUSED;
	if (ctl->quiet && ctl->not_running) {
		close(fd);
		return -1;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		fprintf(stderr, "%s: dittofsd is not running (no %s)\n", PROG, sa.sun_path);
	else if (errno == ECONNREFUSED)
		fprintf(stderr, "%s: dittofsd is not running (%s is left over from an earlier run)\n",
			PROG, sa.sun_path);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "%s: permission denied on %s: run dittofsctl as root (or as the user dittofsd runs as)\n",
			PROG, sa.sun_path);
	else
		fprintf(stderr, "%s: cannot connect to dittofsd at %s: %s\n", PROG,
			sa.sun_path, strerror(errno));
	close(fd);
	return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read until dittofsd closes; the answer, NUL-terminated, or NULL. */
static char *read_answer(int fd, size_t *len)
{
	size_t cap = 4096;
	char *buf = malloc(cap), *n;
	ssize_t k;

	*len = 0;
	while (buf) {
		if (*len + 1 == cap) {
			if (cap >= ANSWER_MAX) {
				errno = EFBIG;
				break;
			}
			n = realloc(buf, cap * 2);
			if (!n)
				break;
			buf = n;
			cap *= 2;
		}
		k = recv(fd, buf + *len, cap - 1 - *len, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			break;
		if (k == 0) {
			buf[*len] = '\0';
			return buf;
		}
		*len += (size_t)k;
	}
	free(buf);
	return NULL;
}

int daemon_request(struct ctl *ctl, bool json, const char *request,
		   char **body)
{
	char line[DFS_CTL_REQ_MAX];
	size_t len;
	char *ans;
	int fd, n, rc;

	*body = NULL;
	n = snprintf(line, sizeof(line), "%s %s\n", json ? "json" : "text", request);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		fprintf(stderr, "%s: request too long\n", PROG);
		return -1;
	}
	fd = connect_daemon(ctl);
	if (fd < 0)
		return -1;
	if (send_all(fd, line, (size_t)n)) {
		fprintf(stderr, "%s: cannot send to dittofsd: %s\n", PROG, strerror(errno));
		close(fd);
		return -1;
	}
	ans = read_answer(fd, &len);
	close(fd);
	if (!ans) {
		fprintf(stderr, "%s: no answer from dittofsd: %s\n", PROG,
			errno == EAGAIN ? "timed out" : strerror(errno));
		return -1;
	}
	if (len < 2 || (ans[0] != '0' && ans[0] != '1') || ans[1] != '\n') {
		fprintf(stderr, "%s: dittofsd closed the connection without a valid answer\n",
			PROG);
		free(ans);
		return -1;
	}
	rc = ans[0] == '0' ? EXIT_OK : EXIT_FAIL;
	memmove(ans, ans + 2, len - 1);
	*body = ans;
	return rc;
}

void print_daemon_error(const char *body)
{
	const char *p, *nl;

	for (p = body; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			fprintf(stderr, "%s: %s\n", PROG, p);
			break;
		}
		fprintf(stderr, "%s: %.*s\n", PROG, (int)(nl - p), p);
	}
}

/* Send one request; print the answer (output or error); the exit code. */
static int daemon_call(struct ctl *ctl, const char *request)
{
	char *body;
	int rc = daemon_request(ctl, ctl->json, request, &body);

	if (rc < 0)
		return EXIT_FAIL;
	if (rc == EXIT_OK)
		fputs(body, stdout);
	else
		print_daemon_error(body);
	free(body);
	return rc;
}

/*
 * A daemon command: options --json and --help, then exactly nargs words,
 * which must be single words (the request line is split on spaces).
 */
static int remote(struct ctl *ctl, int argc, char **argv, const char *w0,
		  const char *w1, int nargs)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char req[DFS_CTL_REQ_MAX];
	size_t len;
	int c, i;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			ctl->json = true;
		else if (c == 'h')
			return usage_of(w0, w1, stdout);
		else
			return usage_of(w0, w1, stderr);
	}
	if (argc - optind != nargs)
		return usage_of(w0, w1, stderr);
	len = (size_t)snprintf(req, sizeof(req), "%s%s%s", w0, w1 ? " " : "",
			       w1 ? w1 : "");
	for (i = optind; i < argc; i++) {
		const char *a = argv[i];
		const char *q;

		for (q = a; *q; q++) {
			if ((unsigned char)*q <= ' ' || *q == 0x7f) {
				fprintf(stderr, "%s: invalid argument '%s'\n", PROG, a);
				return EXIT_USAGE;
			}
		}
		if (!*a || len + 1 + strlen(a) >= sizeof(req) - 8) {
			fprintf(stderr, "%s: invalid argument '%s'\n", PROG, a);
			return EXIT_USAGE;
		}
		len += (size_t)snprintf(req + len, sizeof(req) - len, " %s", a);
	}
	return daemon_call(ctl, req);
}

static int status(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "status", NULL, 0);
}

/*
 * Kernel mode: 1 and info filled when dittofs.ko is loaded and has had a
 * daemon (a module nobody claimed is not serving anything); 0 otherwise,
 * and the command goes to the daemon as in user mode.
 */
static int kernel_mode(struct dfs_kmod_info *info)
{
	if (dfs_kmod_query(info))
		return 0;
	if (info->epoch)
		return 1;
	dfs_kmod_info_free(info);
	return 0;
}

/* --json and --help as remote() takes them, for the kernel-mode commands. */
static int kernel_opts(struct ctl *ctl, int argc, char **argv, const char *w0,
		       const char *w1)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			ctl->json = true;
		else if (c == 'h')
			return usage_of(w0, w1, stdout);
		else
			return usage_of(w0, w1, stderr);
	}
	/* -1: go on */
	return argc != optind ? usage_of(w0, w1, stderr) : -1;
}

static int conn_list(struct ctl *ctl, int argc, char **argv)
{
	struct dfs_kmod_info info;
	int rc;

	if (!kernel_mode(&info))
		return remote(ctl, argc, argv, "conn", "list", 0);
	rc = kernel_opts(ctl, argc, argv, "conn", "list");
	if (rc < 0) {
		/* the module owns the connections: no daemon needed */
		dfs_kmod_print_conns(stdout, &info, ctl->json);
		rc = EXIT_OK;
	}
	dfs_kmod_info_free(&info);
	return rc;
}

static int session_list(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "session", "list", 0);
}

static int session_kill(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "session", "kill", 1);
}

static int share_list(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "share", "list", 0);
}

static int file_list(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "file", "list", 0);
}

static int file_close(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "file", "close", 1);
}

/*
 * Kernel mode: the module's counters from the module, then the daemon's
 * per-command counts when it runs ({"kernel":...,"daemon":...|null} in
 * JSON).
 */
static int stats(struct ctl *ctl, int argc, char **argv)
{
	struct dfs_kmod_info info;
	int rc;

	if (!kernel_mode(&info))
		return remote(ctl, argc, argv, "stats", NULL, 0);
	rc = kernel_opts(ctl, argc, argv, "stats", NULL);
	if (rc < 0) {
		if (ctl->json)
			fputs("{\"kernel\":", stdout);
		dfs_kmod_print_stats(stdout, &info, ctl->json);
		fputs(ctl->json ? ",\"daemon\":" : "\n", stdout);
		fflush(stdout);
		ctl->quiet = true;
		if (daemon_call(ctl, "stats") != EXIT_OK)
			fputs(ctl->json ? "null" :
			      "dittofsd: not running (per-command counts need it)\n",
			      stdout);
		if (ctl->json)
			fputs("}\n", stdout);
		rc = EXIT_OK;
	}
	dfs_kmod_info_free(&info);
	return rc;
}

static int reload(struct ctl *ctl, int argc, char **argv)
{
	return remote(ctl, argc, argv, "reload", NULL, 0);
}

/* ---- the command table and dispatch ------------------------------------- */

static const struct command commands[] = {
	{ { "user", "add" }, user_add,
	  "NAME [--uid UID] [--gid GID] [--password-stdin]",
	  "Add an SMB user with a new password" },
	{ { "user", "del" }, user_del, "NAME", "Delete an SMB user" },
	{ { "user", "list" }, user_list, "", "List SMB users" },
	{ { "user", "passwd" }, user_passwd, "NAME [--password-stdin]",
	  "Change an SMB user's password" },
	{ { "user", "disable" }, user_disable, "NAME",
	  "Refuse logons of an SMB user, keeping the account" },
	{ { "user", "enable" }, user_enable, "NAME",
	  "Allow logons of a disabled SMB user again" },
	{ { "status" }, status, "", "Show the running server's version, uptime and counts" },
	{ { "conn", "list" }, conn_list, "", "List client connections" },
	{ { "session", "list" }, session_list, "", "List sessions" },
	{ { "session", "kill" }, session_kill, "ID",
	  "Close the connection that carries session ID" },
	{ { "share", "list" }, share_list, "", "List the shares being served" },
	{ { "share", "add" }, share_add,
	  "NAME PATH [--read-only] [--guest-ok] [--comment TEXT] [--encrypt off|if_required|desired|required] [--valid-users U1,U2]",
	  "Add a share to the configuration file and reload" },
	{ { "share", "del" }, share_del, "NAME",
	  "Delete a share from the configuration file and reload" },
	{ { "file", "list" }, file_list, "", "List open files" },
	{ { "file", "close" }, file_close, "ID", "Close open file ID" },
	{ { "stats" }, stats, "", "Show per-command request and error counts" },
	{ { "reload" }, reload, "",
	  "Re-read the configuration file (shares apply to new connects)" },
	{ { NULL }, NULL, NULL, NULL }
};

int usage_of(const char *w0, const char *w1, FILE *f)
{
	const struct command *cmd;

	for (cmd = commands; cmd->words[0]; cmd++) {
		if (strcmp(cmd->words[0], w0) ||
		    (w1 && (!cmd->words[1] || strcmp(cmd->words[1], w1))))
			continue;
		bool daemon = strcmp(cmd->words[0], "user") != 0;

		fprintf(f, "Usage: %s [-c CONFIG] [--state-dir DIR]%s %s%s%s%s%s\n",
			PROG, daemon ? " [--json]" : "", cmd->words[0],
			cmd->words[1] ? " " : "", cmd->words[1] ? cmd->words[1] : "",
			cmd->args[0] ? " " : "", cmd->args);
	}
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

static int usage(FILE *f)
{
	const struct command *cmd;

	fprintf(f, "Usage: %s [-c CONFIG] [--state-dir DIR] [--json] COMMAND [ARGS]\n\n", PROG);
	fprintf(f, "Options:\n"
		"  -c, --config CONFIG  configuration file (default %s if it exists)\n"
		"  --state-dir DIR      state directory; overrides the configuration's\n"
		"                       'state directory' (default /var/lib/dittofs)\n"
		"  --json               answers of the running server as one JSON object\n"
		"  -h, --help           show this help\n\n"
		"Commands:\n", DEFAULT_CONFIG);
	for (cmd = commands; cmd->words[0]; cmd++) {
		char words[64];

		snprintf(words, sizeof(words), "%s%s%s", cmd->words[0],
			 cmd->words[1] ? " " : "",
			 cmd->words[1] ? cmd->words[1] : "");
		fprintf(f, "  %-14s %s\n", words, cmd->help);
	}
	fprintf(f, "\nRun '%s COMMAND --help' for the arguments of a command.\n",
		PROG);
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

static const struct command *find_command(int argc, char **argv, int *used)
{
	const struct command *cmd;

	for (cmd = commands; cmd->words[0]; cmd++) {
		if (strcmp(cmd->words[0], argv[0]))
			continue;
		if (!cmd->words[1]) {
			*used = 1;
			return cmd;
		}
		if (argc > 1 && !strcmp(cmd->words[1], argv[1])) {
			*used = 2;
			return cmd;
		}
	}
	return NULL;
}

static bool is_group(const char *word)
{
	const struct command *cmd;

	for (cmd = commands; cmd->words[0]; cmd++)
		if (!strcmp(cmd->words[0], word))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct ctl ctl = { 0 };
	const struct command *cmd;
	int c, used;

	/* '+': stop at the command word, its options are its own. */
	while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctl.config = optarg;
			break;
		case 's':
			ctl.state_dir = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	argc -= optind;
	argv += optind;
	if (!argc)
		return usage(stderr);
	if (!strcmp(argv[0], "help"))
		return usage(stdout);
	cmd = find_command(argc, argv, &used);
	if (!cmd) {
		if (!is_group(argv[0])) {
			fprintf(stderr, "%s: unknown command '%s'\n", PROG, argv[0]);
			return usage(stderr);
		}
		if (argc > 1 && strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))
			fprintf(stderr, "%s: unknown command '%s %s'\n", PROG,
				argv[0], argv[1]);
		return usage_of(argv[0], NULL,
				argc > 1 && (!strcmp(argv[1], "--help") ||
					     !strcmp(argv[1], "-h")) ? stdout : stderr);
	}
	/* The handler sees its own name as argv[0], like a main(). */
	return cmd->run(&ctl, argc - used + 1, argv + used - 1);
}

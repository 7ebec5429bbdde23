// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_share.c - "dittofsctl share add" and "share del".
 *
 * The configuration file is the single source of truth for shares: these
 * commands edit it (userd/config_edit.c, userd/config_file.c: validated,
 * parsed before it is installed, replaced atomically) and then ask the
 * running dittofsd to reload it, exactly as "dittofsctl reload" does. A
 * dittofsd that is not running reads the file when it starts; one that
 * reads another file (or none) is pointed out, since it will not see the
 * change.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "tools/dittofsctl.h"
#include "userd/config.h"
#include "userd/config_edit.h"
#include "userd/config_file.h"

/* What a share command did, for its report. */
struct outcome {
	const char *action;		/* "added" / "deleted" */
	const char *name;
	const char *path;		/* NULL for del */
	const char *file;		/* the configuration file edited */
	char *reload;			/* dittofsd's reload answer, or NULL */
	const char *note;		/* why it was not reloaded, or NULL */
	bool warn;			/* the note is a warning (stderr) */
	char note_buf[PATH_MAX * 2 + 256];
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* ---- the file to edit ----------------------------------------------------- */

/*
 * -c, else the default file. There is nothing to edit without one: the
 * shares of a dittofsd started without -c exist only in its memory.
 */
static const char *config_file(const struct ctl *ctl)
{
	const char *file = ctl->config ? ctl->config : DEFAULT_CONFIG;
	struct stat st;

	if (!stat(file, &st))
		return file;
	if (ctl->config)
		fprintf(stderr, "%s: cannot use the configuration file %s: %s\n",
			PROG, file, strerror(errno));
	else
		fprintf(stderr, "%s: there is no configuration file %s\n", PROG,
			file);
	fprintf(stderr, "%s: shares live in the file dittofsd reads; pass it with -c FILE, or create one (see dittofs.conf(5)) and start dittofsd with -c FILE\n",
		PROG);
	return NULL;
}

static int edit_add(const char *text, size_t len, void *arg,
		    struct dfs_conf_text *out, char *err, size_t errlen)
{
	return dfs_conf_add_share(text, len, arg, out, err, errlen);
}

static int edit_del(const char *text, size_t len, void *arg,
		    struct dfs_conf_text *out, char *err, size_t errlen)
{
	return dfs_conf_del_share(text, len, arg, out, err, errlen);
}

/* Run the edit; prints the error. EXIT_OK, EXIT_FAIL or EXIT_USAGE. */
static int edit_file(const char *file, dfs_conf_edit_fn fn, void *arg)
{
	char err[1024];
	int rc = dfs_conf_edit_file(file, fn, arg, err, sizeof(err));

	if (!rc)
		return EXIT_OK;
	/* messages about the file name it; an edit's own do not */
	if (strncmp(err, file, strlen(file)))
		fprintf(stderr, "%s: %s: %s\n", PROG, file, err);
	else
		fprintf(stderr, "%s: %s\n", PROG, err);
	if (rc != -EBADMSG)
		fprintf(stderr, "%s: %s is unchanged\n", PROG, file);
	return rc == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
}

/* ---- telling dittofsd ----------------------------------------------------- */

/* The "Configuration:" value of dittofsd's text status, into out. */
static int daemon_config(const char *status, char *out, size_t cap)
{
	static const char key[] = "Configuration:";
	const char *p = status, *v;
	size_t n;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, sizeof(key) - 1))
			continue;
		v = p + sizeof(key) - 1;
		v += strspn(v, " ");
		n = strcspn(v, "\n");
		if (n >= cap)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/*
 * Is the running dittofsd (if any) serving from the file we edited? 1
 * yes, 0 no (o->note says why; not a failure), -1 failure (printed).
 */
static int daemon_reads_file(struct ctl *ctl, struct outcome *o)
{
	char running[PATH_MAX], edited[PATH_MAX];
	char *body;
	int rc;

	ctl->quiet = true;
	rc = daemon_request(ctl, false, "status", &body);
	if (rc < 0 && ctl->not_running) {
		o->note = "dittofsd is not running; it will serve the change when it starts";
		return 0;
	}
	if (rc != EXIT_OK) {
		if (body)
			print_daemon_error(body);
		free(body);
		return -1;
	}
	rc = daemon_config(body, running, sizeof(running));
	free(body);
	o->warn = true;
	if (rc || !strcmp(running, "-")) {
		o->note = "warning: dittofsd runs without a configuration file and cannot reload; restart it with 'dittofsd -c FILE'";
		return 0;
	}
	if (!realpath(o->file, edited) || strcmp(edited, running)) {
		snprintf(o->note_buf, sizeof(o->note_buf),
			 "warning: the running dittofsd reads %s, not %s: it does not see this change (not reloaded)",
			 running, o->file);
		o->note = o->note_buf;
		return 0;
	}
	return 1;
}

/* Reload a dittofsd serving the edited file. EXIT_OK or EXIT_FAIL. */
static int tell_daemon(struct ctl *ctl, struct outcome *o)
{
	char *body;
	int rc = daemon_reads_file(ctl, o);

	if (rc <= 0)
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	rc = daemon_request(ctl, ctl->json, "reload", &body);
	if (rc == EXIT_OK) {
		o->reload = body;
		return EXIT_OK;
	}
	fprintf(stderr, "%s: %s was changed, but dittofsd did not reload it:\n",
		PROG, o->file);
	if (body)
		print_daemon_error(body);
	free(body);
	return EXIT_FAIL;
}

static void report_edit(const struct outcome *o)
{
	if (o->path)
		printf("Added share %s (%s) to %s.\n", o->name, o->path, o->file);
	else
		printf("Deleted share %s from %s.\n", o->name, o->file);
	fflush(stdout);
}

static void report_daemon(const struct outcome *o)
{
	if (o->reload)
		fputs(o->reload, stdout);
	if (o->note && o->warn)
		fprintf(stderr, "%s: %s\n", PROG, o->note);
	else if (o->note)
		printf("%s\n", o->note);
}

/* {"action":..,"share":..,"path":..,"config":..,"reload":{..}|null,"note":..} */
static void report_json(const struct outcome *o)
{
	size_t n;

	printf("{\"action\":\"%s\",\"share\":", o->action);
	json_str(stdout, o->name);
	if (o->path) {
		fputs(",\"path\":", stdout);
		json_str(stdout, o->path);
	}
	fputs(",\"config\":", stdout);
	json_str(stdout, o->file);
	fputs(",\"reload\":", stdout);
	if (o->reload) {
		n = strcspn(o->reload, "\n");
		fwrite(o->reload, 1, n, stdout);
	} else {
		fputs("null", stdout);
	}
	if (o->note) {
		fputs(",\"note\":", stdout);
		json_str(stdout, o->note);
	}
	fputs("}\n", stdout);
}

/* Say what the edit did, tell dittofsd, say what it did. */
static int finish(struct ctl *ctl, struct outcome *o)
{
	int rc;

	if (!ctl->json)
		report_edit(o);
	rc = tell_daemon(ctl, o);
	if (rc == EXIT_OK) {
		if (ctl->json)
			report_json(o);
		else
			report_daemon(o);
	} else {
		fprintf(stderr, "%s: the configuration change is saved; run '%s reload' once dittofsd can be reached\n",
			PROG, PROG);
	}
	free(o->reload);
	return rc;
}

/* ---- share add ------------------------------------------------------------ */

static int parse_encrypt(const char *v, int *out)
{
	static const char *const words[] = { "off", "if_required", "desired",
					     "required" };
	int i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, words[i])) {
			*out = i;	/* enum dfs_encrypt_policy order */
			return 0;
		}
	}
	fprintf(stderr, "%s: --encrypt must be off, if_required, desired or required, not '%s'\n",
		PROG, v);
	return -1;
}

/* The directory to share must exist now: a typo should fail here, not at TREE_CONNECT. */
static int check_dir(const char *path)
{
	struct stat st;

	if (path[0] != '/') {
		fprintf(stderr, "%s: path '%s' must be absolute (start with '/')\n",
			PROG, path);
		return -1;
	}
	if (stat(path, &st)) {
		fprintf(stderr, "%s: path %s: %s\n", PROG, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: path %s is not a directory\n", PROG, path);
		return -1;
	}
	return 0;
}

/* Options into spec; -1 to go on, else the exit code. */
static int add_options(struct ctl *ctl, int argc, char **argv,
		       struct dfs_share_spec *sp)
{
	static const struct option opts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ "guest-ok", no_argument, NULL, 'g' },
		{ "comment", required_argument, NULL, 'c' },
		{ "encrypt", required_argument, NULL, 'e' },
		{ "valid-users", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': sp->read_only = true; break;
		case 'g': sp->guest_ok = true; break;
		case 'c': sp->comment = optarg; break;
		case 'u': sp->valid_users = optarg; break;
		case 'j': ctl->json = true; break;
		case 'e':
			if (parse_encrypt(optarg, &sp->encrypt))
				return EXIT_USAGE;
			break;
		case 'h':
			return usage_of("share", "add", stdout);
		default:
			return usage_of("share", "add", stderr);
		}
	}
	if (argc - optind != 2)
		return usage_of("share", "add", stderr);
	sp->name = argv[optind];
	sp->path = argv[optind + 1];
	return -1;
}

int share_add(struct ctl *ctl, int argc, char **argv)
{
	struct dfs_share_spec sp = { .encrypt = -1 };
	struct outcome o = { .action = "added" };
	char err[512];
	int rc;

	rc = add_options(ctl, argc, argv, &sp);
	if (rc >= 0)
		return rc;
	if (dfs_share_name_check(sp.name, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_USAGE;
	}
	if (check_dir(sp.path))
		return EXIT_FAIL;
	if (dfs_share_spec_check(&sp, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", PROG, err);
		return EXIT_USAGE;
	}
	o.file = config_file(ctl);
	if (!o.file)
		return EXIT_FAIL;
	rc = edit_file(o.file, edit_add, &sp);
	if (rc)
		return rc;
	o.name = sp.name;
	o.path = sp.path;
	return finish(ctl, &o);
}

/* ---- share del ------------------------------------------------------------ */

int share_del(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct outcome o = { .action = "deleted" };
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			ctl->json = true;
		else if (c == 'h')
			return usage_of("share", "del", stdout);
		else
			return usage_of("share", "del", stderr);
	}
	if (argc - optind != 1)
		return usage_of("share", "del", stderr);
	o.name = argv[optind];
	o.file = config_file(ctl);
	if (!o.file)
		return EXIT_FAIL;
	rc = edit_file(o.file, edit_del, argv[optind]);
	if (rc)
		return rc;
	return finish(ctl, &o);
}

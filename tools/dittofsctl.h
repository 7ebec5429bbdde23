/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dittofsctl.h - what the command files of dittofsctl share: the options
 * every command sees, the exit codes, and the way to ask the running
 * dittofsd (tools/dittofsctl.c).
 */
#ifndef DITTOFSCTL_H
#define DITTOFSCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#define PROG "dittofsctl"
#define DEFAULT_CONFIG "/etc/dittofs/dittofs.conf"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct ctl {
	const char *config;		/* -c, or NULL */
	const char *state_dir;		/* --state-dir, or NULL */
	char state_buf[PATH_MAX];
	bool json;			/* --json: daemon commands answer in JSON */
	bool quiet;			/* no "dittofsd is not running" message */
	bool not_running;		/* the last connect found no dittofsd */
};

/* Print the synopsis of the command w0 [w1]; EXIT_OK for stdout, else EXIT_USAGE. */
int usage_of(const char *w0, const char *w1, FILE *f);

/*
 * Send one request ("share list", ...) and wait for the answer. Returns
 * EXIT_OK or EXIT_FAIL as dittofsd answered, *body (malloc'd) holding its
 * output or its error message; -1 when there was no answer (the reason is
 * printed, except "not running" with ctl->quiet; ctl->not_running says
 * which).
 */
int daemon_request(struct ctl *ctl, bool json, const char *request,
		   char **body);
/* dittofsd's error message, one "dittofsctl: " line per line, on stderr. */
void print_daemon_error(const char *body);

/* tools/ctl_share.c */
int share_add(struct ctl *ctl, int argc, char **argv);
int share_del(struct ctl *ctl, int argc, char **argv);

#endif /* DITTOFSCTL_H */

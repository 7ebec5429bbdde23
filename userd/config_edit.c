// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * config_edit.c - add and remove share sections in dittofs.conf text
 * (see config_edit.h for what a section is and why we edit text).
 *
 * The line rules copy the parser's (userd/config.c): blanks are spaces and
 * tabs, a line may end in CRLF, line 1 may start with a UTF-8 BOM, '#' and
 * ';' start comments, '[' a section header whose name is trimmed.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "userd/config.h"
#include "userd/config_edit.h"
#include "userd/store/userdb.h"
#include "userd/unicode.h"

/* Longest share name: what Windows allows (NetShareAdd) and the parser keeps. */
#define SHARE_NAME_MAX 80
/* The parser takes lines up to 4095 bytes; leave room for "\tpath = ". */
#define VALUE_MAX 4064
#define COMMENT_MAX 255
#define NONE SIZE_MAX

__attribute__((format(printf, 3, 4)))
static int say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void dfs_conf_text_free(struct dfs_conf_text *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
}

/* ---- validation ------------------------------------------------------- */

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool valid_utf8(const char *s)
{
	uint8_t buf[2 * (SHARE_NAME_MAX + 1)];

	return dfs_utf8_to_utf16(s, buf, sizeof(buf)) >= 0;
}

int dfs_share_name_check(const char *name, char *err, size_t errlen)
{
	static const char *const reserved[] = { "global", "homes", "printers" };
	size_t i, len = strlen(name);

	if (!len || len > SHARE_NAME_MAX)
		return say(err, errlen, "share name '%s' must be 1 to %d bytes long",
			   name, SHARE_NAME_MAX);
	if (has_ctrl(name) || strpbrk(name, "\\/[]:|<>+=;,*?\"%"))
		return say(err, errlen, "share name '%s' may not contain control characters or any of \\/[]:|<>+=;,*?\"%%",
			   name);
	if (is_blank(name[0]) || is_blank(name[len - 1]))
		return say(err, errlen, "share name '%s' may not start or end with a blank",
			   name);
	if (!valid_utf8(name))
		return say(err, errlen, "share name '%s' is not valid UTF-8", name);
	if (!strcasecmp(name, "IPC$"))
		return say(err, errlen, "IPC$ is built in; it cannot be added or deleted");
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcasecmp(name, reserved[i]))
			return say(err, errlen, "[%s] is a reserved section name, not a share name",
				   reserved[i]);
	return 0;
}

static int check_value(const char *what, const char *v, size_t max,
		       char *err, size_t errlen)
{
	if (strlen(v) > max)
		return say(err, errlen, "%s is too long (at most %zu bytes)", what, max);
	if (has_ctrl(v))
		return say(err, errlen, "%s may not contain control characters", what);
	return 0;
}

/* Calls fn on each comma-separated, blank-trimmed element of list. */
static int each_user(const char *list,
		     int (*fn)(const char *u, size_t n, void *arg), void *arg)
{
	const char *c = list, *end;
	size_t n;

	for (;;) {
		while (is_blank(*c))
			c++;
		end = c + strcspn(c, ",");
		n = (size_t)(end - c);
		while (n && is_blank(c[n - 1]))
			n--;
		if (fn(c, n, arg))
			return -1;
		if (!*end)
			return 0;
		c = end + 1;
	}
}

struct user_check {
	char *err;
	size_t errlen;
};

static int check_user(const char *u, size_t n, void *arg)
{
	struct user_check *uc = arg;
	char name[256];

	if (!n)
		return say(uc->err, uc->errlen, "valid users: empty user name in the list");
	if (n >= sizeof(name))
		return say(uc->err, uc->errlen, "valid users: user name '%.*s' is too long",
			   (int)n, u);
	memcpy(name, u, n);
	name[n] = '\0';
	if (*name == '@' || *name == '+' || *name == '&')
		return say(uc->err, uc->errlen, "valid users: groups ('%s') are not supported; list user names",
			   name);
	if (strpbrk(name, " \t") || !dfs_userdb_name_valid(name))
		return say(uc->err, uc->errlen, "valid users: '%s' is not a valid user name",
			   name);
	return 0;
}

int dfs_share_spec_check(const struct dfs_share_spec *spec, char *err,
			 size_t errlen)
{
	struct user_check uc = { err, errlen };

	if (dfs_share_name_check(spec->name, err, errlen))
		return -1;
	if (spec->path[0] != '/')
		return say(err, errlen, "path '%s' must be absolute (start with '/')",
			   spec->path);
	if (check_value("path", spec->path, VALUE_MAX, err, errlen))
		return -1;
	if (spec->comment &&
	    check_value("comment", spec->comment, COMMENT_MAX, err, errlen))
		return -1;
	if (spec->encrypt < -1 || spec->encrypt > DFS_ENCRYPT_REQUIRED)
		return say(err, errlen, "unknown encryption policy %d", spec->encrypt);
	if (spec->valid_users) {
		if (strlen(spec->valid_users) > VALUE_MAX)
			return say(err, errlen, "valid users: the list is too long");
		if (each_user(spec->valid_users, check_user, &uc))
			return -1;
	}
	return 0;
}

/* ---- lines and sections ----------------------------------------------- */

struct line {
	size_t start, end;		/* the text, without the line end */
	size_t next;			/* where the following line starts */
};

enum line_kind { LINE_BLANK, LINE_COMMENT, LINE_HEADER, LINE_OPTION };

static bool line_at(const char *text, size_t len, size_t pos, struct line *l)
{
	const char *nl;

	if (pos >= len)
		return false;
	nl = memchr(text + pos, '\n', len - pos);
	l->start = pos;
	l->end = nl ? (size_t)(nl - text) : len;
	l->next = nl ? l->end + 1 : len;
	if (l->end > l->start && text[l->end - 1] == '\r')
		l->end--;
	return true;
}

static const char *skip_blanks(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

/* The kind of line l; for a header, its trimmed name in *name, *nlen. */
static enum line_kind classify(const char *text, const struct line *l,
			       const char **name, size_t *nlen)
{
	const char *p = text + l->start, *e = text + l->end, *close;

	p = skip_blanks(p, e);
	if (l->start == 0 && e - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p = skip_blanks(p + 3, e);
	if (p == e)
		return LINE_BLANK;
	if (*p == '#' || *p == ';')
		return LINE_COMMENT;
	if (*p != '[')
		return LINE_OPTION;
	close = memchr(p, ']', (size_t)(e - p));
	if (!close)
		close = e;
	p = skip_blanks(p + 1, close);
	while (close > p && is_blank(close[-1]))
		close--;
	*name = p;
	*nlen = (size_t)(close - p);
	return LINE_HEADER;
}

static bool name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(s, name, n);
}

/*
 * Where a section lies: [start, end) are its bytes, its own leading
 * comment block included; pre_blank is where the blank lines right
 * before that start.
 */
struct span {
	bool found;
	size_t start, end, pre_blank;
};

/* Walks the lines, tracking the blank and comment runs above each header. */
struct walker {
	size_t blank_start;		/* first of the current blank run, or NONE */
	size_t comment_start;		/* first of the comment run, or NONE */
};

/* Feed one line; for a header, where its section (with comments) starts. */
static void walk(struct walker *w, enum line_kind k, const struct line *l,
		 size_t *attached, size_t *pre_blank)
{
	switch (k) {
	case LINE_BLANK:
		if (w->comment_start != NONE) {
			w->comment_start = NONE;
			w->blank_start = l->start;
		} else if (w->blank_start == NONE) {
			w->blank_start = l->start;
		}
		break;
	case LINE_COMMENT:
		if (w->comment_start == NONE)
			w->comment_start = l->start;
		break;
	case LINE_HEADER:
		*attached = w->comment_start != NONE ? w->comment_start : l->start;
		*pre_blank = w->blank_start != NONE ? w->blank_start : *attached;
		w->blank_start = w->comment_start = NONE;
		break;
	case LINE_OPTION:
		w->blank_start = w->comment_start = NONE;
		break;
	}
}

static void find_section(const char *text, size_t len, const char *name,
			 struct span *s)
{
	struct walker w = { NONE, NONE };
	size_t pos = 0, attached = 0, pre_blank = 0, nlen = 0;
	const char *hname = NULL;
	struct line l;

	memset(s, 0, sizeof(*s));
	for (; line_at(text, len, pos, &l); pos = l.next) {
		enum line_kind k = classify(text, &l, &hname, &nlen);

		walk(&w, k, &l, &attached, &pre_blank);
		if (k != LINE_HEADER)
			continue;
		if (s->found) {
			s->end = attached;
			return;
		}
		if (name_is(hname, nlen, name)) {
			s->found = true;
			s->start = attached;
			s->pre_blank = pre_blank;
		}
	}
	s->end = len;
}

bool dfs_conf_has_section(const char *text, size_t len, const char *name)
{
	struct span s;

	find_section(text, len, name, &s);
	return s.found;
}

/* ---- add ------------------------------------------------------------------ */

/* CRLF if the file's first line ends so, else LF. */
static const char *newline_of(const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len);

	return nl && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
}

/* Is the last line of text (which ends with a line end) blank? */
static bool ends_blank(const char *text, size_t len)
{
	size_t i = len - 1;

	while (i > 0 && text[i - 1] != '\n') {
		char c = text[i - 1];

		if (!is_blank(c) && c != '\r')
			return false;
		i--;
	}
	return true;
}

/*
 * "\tkey = value": the parser trims blanks around a value and drops one
 * pair of enclosing quotes, so a value that would lose something is quoted.
 */
static void put_opt(FILE *m, const char *nl, const char *key, const char *v)
{
	size_t n = strlen(v);
	bool quote = n && (is_blank(v[0]) || is_blank(v[n - 1]) ||
			   (n >= 2 && v[0] == '"' && v[n - 1] == '"'));

	fprintf(m, "\t%s = %s%s%s%s", key, quote ? "\"" : "", v,
		quote ? "\"" : "", nl);
}

struct user_join {
	FILE *m;
	bool first;
};

static int join_user(const char *u, size_t n, void *arg)
{
	struct user_join *j = arg;

	fprintf(j->m, "%s%.*s", j->first ? "" : ", ", (int)n, u);
	j->first = false;
	return 0;
}

static const char *encrypt_word(int policy)
{
	static const char *const words[] = { "off", "if_required", "desired",
					     "required" };

	return words[policy];
}

static void put_section(FILE *m, const char *nl, const struct dfs_share_spec *sp)
{
	struct user_join j = { m, true };

	fprintf(m, "[%s]%s", sp->name, nl);
	put_opt(m, nl, "path", sp->path);
	if (sp->comment && sp->comment[0])
		put_opt(m, nl, "comment", sp->comment);
	put_opt(m, nl, "read only", sp->read_only ? "yes" : "no");
	put_opt(m, nl, "guest ok", sp->guest_ok ? "yes" : "no");
	if (sp->encrypt >= 0)
		put_opt(m, nl, "smb encrypt", encrypt_word(sp->encrypt));
	if (sp->valid_users) {
		fputs("\tvalid users = ", m);
		each_user(sp->valid_users, join_user, &j);
		fputs(nl, m);
	}
}

/*
 * open_memstream's result as a dfs_conf_text; -ENOMEM on failure. buf and
 * size are only final after fclose, hence the pointers.
 */
static int close_text(FILE *m, char **buf, size_t *size,
		      struct dfs_conf_text *out, char *err, size_t errlen)
{
	bool bad = ferror(m);

	if (fclose(m) || bad) {
		free(*buf);
		say(err, errlen, "out of memory");
		return -ENOMEM;
	}
	out->buf = *buf;
	out->len = *size;
	return 0;
}

int dfs_conf_add_share(const char *text, size_t len,
		       const struct dfs_share_spec *spec,
		       struct dfs_conf_text *out, char *err, size_t errlen)
{
	const char *nl = newline_of(text, len);
	char *buf = NULL;
	size_t size = 0;
	FILE *m;

	out->buf = NULL;
	out->len = 0;
	if (dfs_share_spec_check(spec, err, errlen))
		return -EINVAL;
	if (dfs_conf_has_section(text, len, spec->name)) {
		say(err, errlen, "share [%s] already exists (share names are case-insensitive)",
		    spec->name);
		return -EEXIST;
	}
	m = open_memstream(&buf, &size);
	if (!m)
		return say(err, errlen, "out of memory"), -ENOMEM;
	fwrite(text, 1, len, m);
	if (len && text[len - 1] != '\n')
		fputs(nl, m);
	if (len && !ends_blank(text, len))
		fputs(nl, m);
	put_section(m, nl, spec);
	return close_text(m, &buf, &size, out, err, errlen);
}

/* ---- delete --------------------------------------------------------------- */

int dfs_conf_del_share(const char *text, size_t len, const char *name,
		       struct dfs_conf_text *out, char *err, size_t errlen)
{
	size_t from, n;
	struct span s;

	out->buf = NULL;
	out->len = 0;
	if (!strcasecmp(name, "global") || !strcasecmp(name, "IPC$")) {
		say(err, errlen, "[%s] is not a share that can be deleted", name);
		return -EINVAL;
	}
	find_section(text, len, name, &s);
	if (!s.found) {
		say(err, errlen, "there is no share [%s]", name);
		return -ENOENT;
	}
	/* the last section takes the blank lines that set it apart along */
	from = s.end == len ? s.pre_blank : s.start;
	n = len - (s.end - from);
	out->buf = malloc(n + 1);
	if (!out->buf) {
		say(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(out->buf, text, from);
	memcpy(out->buf + from, text + s.end, len - s.end);
	out->buf[n] = '\0';
	out->len = n;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfs.c - names, confinement, identity and attributes for the file
 * commands. Everything that resolves a client-supplied path goes through
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS) under the share root, and
 * every operation that takes a name (mkdir, unlink, rename) works on one
 * final component relative to such a confined parent, so neither ".." nor
 * a symlink can lead outside the share.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>

#include "common/smb2_proto.h"
#include "userd/log.h"
#include "userd/server.h"
#include "userd/vfs/vfs.h"
#include "userd/xattr_fd.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
/* the *xattrat calls (Linux 6.13); numbers are the same on every arch */
#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif

/*
 * What Linux cannot keep of a Windows file, kept in an extended attribute,
 * all little-endian: version (1, 4 bytes), the DOS attributes (4), the
 * creation time, a ChangeTime set by a client and the mtime it was set at
 * (FILETIMEs, 8 each).
 */
#define DOS_XATTR "user.dittofs.dos"
#define DOS_XATTR_SIZE 32
#define DOS_XATTR_VERSION 1
/* the attributes stored there; READONLY and DIRECTORY come from the mode */
#define DOS_STORED (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM | \
		    FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_TEMPORARY | \
		    FILE_ATTRIBUTE_OFFLINE | FILE_ATTRIBUTE_NOT_CONTENT_INDEXED | \
		    FILE_ATTRIBUTE_SPARSE_FILE)

struct vfs_xattr_args {
	u64 value;
	u32 size;
	u32 flags;
};

/* --- UTF-16 / UTF-8 -------------------------------------------------- */

/* Append code point cp as UTF-8; returns bytes or 0 when no room. */
static size_t put_utf8(char *out, size_t room, u32 cp)
{
	if (cp < 0x80) {
		if (room < 1)
			return 0;
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		if (room < 2)
			return 0;
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		if (room < 3)
			return 0;
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (room < 4)
		return 0;
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Next code point of UTF-16LE at *pos; -1 on an unpaired surrogate. */
static long next_utf16(const u8 *in, u32 nbytes, u32 *pos)
{
	u32 hi, lo;

	hi = dfs_get_le16(in + *pos);
	*pos += 2;
	if (hi < 0xD800 || hi > 0xDFFF)
		return hi;
	if (hi > 0xDBFF || *pos + 2 > nbytes)
		return -1;
	lo = dfs_get_le16(in + *pos);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return -1;
	*pos += 2;
	return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* Next code point of NUL-less UTF-8 at *pos (len bytes); -1 if invalid. */
static long next_utf8(const char *s, size_t len, size_t *pos)
{
	const u8 *p = (const u8 *)s + *pos;
	size_t left = len - *pos, n, i;
	u32 cp, min;

	if (p[0] < 0x80) {
		*pos += 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, cp = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, cp = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (left < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates and beyond-Unicode are not UTF-8 */
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*pos += n;
	return cp;
}

long vfs_utf16_to_utf8(const u8 *in, u32 nbytes, char *out, size_t cap)
{
	size_t o = 0, n;
	u32 pos = 0;
	long cp;

	if (nbytes & 1 || cap == 0)
		return -1;
	while (pos < nbytes) {
		cp = next_utf16(in, nbytes, &pos);
		if (cp <= 0)
			return -1;
		n = put_utf8(out + o, cap - 1 - o, (u32)cp);
		if (!n)
			return -1;
		o += n;
	}
	out[o] = '\0';
	return (long)o;
}

long vfs_utf8_to_utf16(const char *s, size_t len, u8 *out, size_t cap)
{
	size_t pos = 0, o = 0;
	long cp;

	while (pos < len) {
		cp = next_utf8(s, len, &pos);
		if (cp <= 0)
			return -1;
		if (cp >= 0x10000) {
			u32 v = (u32)cp - 0x10000;

			if (cap - o < 4)
				return -1;
			if (out) {
				dfs_put_le16(out + o, (u16)(0xD800 + (v >> 10)));
				dfs_put_le16(out + o + 2, (u16)(0xDC00 + (v & 0x3FF)));
			}
			o += 4;
		} else {
			if (cap - o < 2)
				return -1;
			if (out)
				dfs_put_le16(out + o, (u16)cp);
			o += 2;
		}
	}
	return (long)o;
}

/* Characters Windows refuses in a file name component (MS-FSCC 2.1.5.2) */
static bool bad_name_char(u32 cp)
{
	return cp < 0x20 || cp == '"' || cp == '*' || cp == '/' || cp == ':' ||
	       cp == '<' || cp == '>' || cp == '?' || cp == '|';
}

/* Check one finished component [start, end) of out; 0 or NTSTATUS. */
static u32 check_component(const char *c, size_t len, u32 units)
{
	if (len == 0)
		return STATUS_OBJECT_NAME_INVALID;
	if (len == 2 && c[0] == '.' && c[1] == '.')
		return STATUS_OBJECT_PATH_SYNTAX_BAD;
	if (len == 1 && c[0] == '.')
		return STATUS_OBJECT_NAME_INVALID;
	if (units > VFS_NAME_MAX || len > VFS_NAME_MAX)
		return STATUS_OBJECT_NAME_INVALID;
	return STATUS_SUCCESS;
}

/*
 * A path separator. Windows refuses '/' in names; smbd takes it as a
 * separator and clients (smbtorture among them) rely on that. It cannot
 * be part of a name either way, every component is checked the same
 * whichever separator ends it (so ".." stays refused), and openat2
 * RESOLVE_BENEATH confines the rest.
 */
static bool is_sep(long cp)
{
	return cp == '\\' || cp == '/';
}

/* Strip a trailing "::$DATA" (the default stream) from the wire name. */
static u32 strip_default_stream(const u8 *name, u32 *nbytes)
{
	static const char suffix[] = "::$DATA";
	const u32 slen = 2 * (sizeof(suffix) - 1);
	u32 i;

	if (*nbytes < slen)
		return *nbytes;
	for (i = 0; i < sizeof(suffix) - 1; i++) {
		u16 c = dfs_get_le16(name + *nbytes - slen + 2 * i);

		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c != (u8)suffix[i])
			return *nbytes;
	}
	*nbytes -= slen;
	return *nbytes;
}

u32 vfs_path_from_utf16(const u8 *name, u32 nbytes, char *out, size_t cap)
{
	size_t o = 0, cstart = 0, n;
	u32 pos = 0, units = 0, st;
	long cp;

	if (nbytes & 1)
		return STATUS_OBJECT_NAME_INVALID;
	strip_default_stream(name, &nbytes);
	/* a leading separator means "from the share root" */
	while (pos < nbytes && is_sep(dfs_get_le16(name + pos)))
		pos += 2;
	/* and a single trailing one is tolerated, as on Windows */
	if (nbytes > pos && is_sep(dfs_get_le16(name + nbytes - 2)))
		nbytes -= 2;
	if (cap == 0)
		return STATUS_NAME_TOO_LONG;
	while (pos < nbytes) {
		cp = next_utf16(name, nbytes, &pos);
		if (cp < 0 || cp == 0)
			return STATUS_OBJECT_NAME_INVALID;
		if (is_sep(cp)) {
			st = check_component(out + cstart, o - cstart, units);
			if (st)
				return st;
			if (o + 1 >= cap)
				return STATUS_NAME_TOO_LONG;
			out[o++] = '/';
			cstart = o;
			units = 0;
			continue;
		}
		if (bad_name_char((u32)cp))
			return STATUS_OBJECT_NAME_INVALID;
		n = put_utf8(out + o, cap - 1 - o, (u32)cp);
		if (!n)
			return STATUS_NAME_TOO_LONG;
		o += n;
		units += cp >= 0x10000 ? 2 : 1;
	}
	out[o] = '\0';
	if (o == 0)
		return STATUS_SUCCESS;
	return check_component(out + cstart, o - cstart, units);
}

/* A character an 8.3 name may hold (MS-FSCC 2.1.5.2.1), any case */
static bool is_83_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'()-@^_`{}~", c));
}

static bool is_83_name(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name), i;

	if (base == 0 || base > 8 || (dot && (strchr(dot + 1, '.') ||
					      strlen(dot + 1) > 3)))
		return false;
	for (i = 0; name[i]; i++)
		if (name[i] != '.' && !is_83_char((unsigned char)name[i]))
			return false;
	return true;
}

/* Up to max 8.3-legal characters of s (upper-cased) into out; returns count */
static size_t take_83(const char *s, const char *end, char *out, size_t max)
{
	size_t n = 0;

	for (; s < end && *s && n < max; s++)
		if (is_83_char((unsigned char)*s))
			out[n++] = (char)((*s >= 'a' && *s <= 'z') ? *s - 32 : *s);
	return n;
}

bool vfs_short_name(const char *name, char out[13])
{
	static const char b36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	const char *dot = strrchr(name, '.');
	u32 h = 2166136261u;	/* FNV-1a: stable across restarts */
	const char *s;
	size_t n;

	if (is_83_name(name)) {
		snprintf(out, 13, "%s", name);
		return false;
	}
	for (s = name; *s; s++)
		h = (h ^ (u8)*s) * 16777619u;
	if (dot == name)
		dot = NULL;	/* ".profile": no base, all extension */
	n = take_83(name, dot ? dot : name + strlen(name), out, 5);
	if (n == 0)
		out[n++] = '_';
	out[n++] = '~';
	out[n++] = b36[h % 36];
	out[n++] = b36[(h / 36) % 36];
	if (dot && dot[1]) {
		size_t e = n + 1;

		e += take_83(dot + 1, dot + strlen(dot), out + e, 3);
		if (e > n + 1) {
			out[n] = '.';
			n = e;
		}
	}
	out[n] = '\0';
	return true;
}

const char *vfs_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* --- wildcards ------------------------------------------------------- */

/* Simple case folding: ASCII, Latin-1, Greek and Cyrillic capitals. */
/* The fallback where the C library has no C.UTF-8: the common alphabets. */
static u32 fold_table(u32 c)
{
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
	    (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x100 && c <= 0x17F && !(c & 1))
		return c + 1;
	return c;
}

static locale_t utf8_locale;

static void utf8_locale_load(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/*
 * Names are equal when Windows finds them equal: it compares the simple
 * uppercase mapping of every code point (NTFS's upcase table), so U+FF41
 * and U+FF21 (fullwidth a and A) are one name, like 'a' and 'A'. ASCII
 * folds to lowercase by hand, the rest through the C library's Unicode
 * tables (C.UTF-8). A mapping that would leave non-ASCII for ASCII (U+0131
 * dotless i, U+017F long s, to 'I' and 'S') is not taken: the ASCII letters
 * fold among themselves only, and 'i' must not equal U+0131. A BMP code
 * point stays in the BMP (stream names fold UTF-16 units).
 */
static u32 fold(u32 c)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	wint_t u;

	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	pthread_once(&once, utf8_locale_load);
	if (!utf8_locale)
		return fold_table(c);
	u = towupper_l((wint_t)c, utf8_locale);
	if (u < 0x80 || (c <= 0xFFFF && u > 0xFFFF))
		return c;
	return (u32)u;
}

u32 vfs_fold_char(u32 c)
{
	return fold(c);
}

/* Decode UTF-8 into folded code points; -1 if invalid or too long. */
static int decode_folded(const char *s, u32 *out, int max)
{
	size_t len = strlen(s), pos = 0;
	int n = 0;
	long cp;

	while (pos < len) {
		cp = next_utf8(s, len, &pos);
		if (cp <= 0 || n == max)
			return -1;
		out[n++] = fold((u32)cp);
	}
	return n;
}

#define WC_MAX 512

struct wc_ctx {
	const u32 *p, *s;
	int np, ns, last_dot;
	u8 memo[WC_MAX + 1][(WC_MAX + 1 + 7) / 8];	/* (pi, si) known false */
};

static bool wc_match(struct wc_ctx *c, int pi, int si);

/* '<': any run that does not swallow the name's last '.' */
static bool wc_dos_star(struct wc_ctx *c, int pi, int si)
{
	int k;

	for (k = si; k <= c->ns; k++) {
		if (wc_match(c, pi + 1, k))
			return true;
		if (k < c->ns && k == c->last_dot)
			break;
	}
	return false;
}

static bool wc_step(struct wc_ctx *c, int pi, int si)
{
	u32 pc = c->p[pi];
	bool more = si < c->ns;

	switch (pc) {
	case '*':
		return wc_match(c, pi + 1, si) || (more && wc_match(c, pi, si + 1));
	case '?':
		return more && wc_match(c, pi + 1, si + 1);
	case '>':	/* one char, or nothing at a '.' or the end */
		if (more && c->s[si] != '.')
			return wc_match(c, pi + 1, si + 1);
		return wc_match(c, pi + 1, si);
	case '"':	/* a '.', or nothing at the end */
		if (more && c->s[si] == '.')
			return wc_match(c, pi + 1, si + 1);
		return !more && wc_match(c, pi + 1, si);
	case '<':
		return wc_dos_star(c, pi, si);
	default:
		return more && c->s[si] == pc && wc_match(c, pi + 1, si + 1);
	}
}

static bool wc_match(struct wc_ctx *c, int pi, int si)
{
	if (pi == c->np)
		return si == c->ns;
	if (c->memo[pi][si / 8] & (1u << (si % 8)))
		return false;
	if (wc_step(c, pi, si))
		return true;
	c->memo[pi][si / 8] |= (u8)(1u << (si % 8));
	return false;
}

bool vfs_wildcard_match(const char *pattern, const char *name)
{
	static __thread struct wc_ctx c;
	static __thread u32 pbuf[WC_MAX], sbuf[WC_MAX];
	int i;

	if (!strcmp(pattern, "*"))
		return true;
	c.np = decode_folded(pattern, pbuf, WC_MAX);
	c.ns = decode_folded(name, sbuf, WC_MAX);
	if (c.np < 0 || c.ns < 0)
		return false;
	c.p = pbuf;
	c.s = sbuf;
	c.last_dot = -1;
	for (i = 0; i < c.ns; i++)
		if (sbuf[i] == '.')
			c.last_dot = i;
	for (i = 0; i <= c.np; i++)
		memset(c.memo[i], 0, (size_t)c.ns / 8 + 1);
	return wc_match(&c, 0, 0);
}

/* Equal under case folding? Both UTF-8. */
static bool name_eq_fold(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), pa = 0, pb = 0;
	long ca, cb;

	while (pa < la && pb < lb) {
		ca = next_utf8(a, la, &pa);
		cb = next_utf8(b, lb, &pb);
		if (ca < 0 || cb < 0 || fold((u32)ca) != fold((u32)cb))
			return false;
	}
	return pa == la && pb == lb;
}

bool vfs_name_eq_fold(const char *a, const char *b)
{
	return name_eq_fold(a, b);
}

bool vfs_name_fold_hash(const char *s, u32 *hash)
{
	size_t len = strlen(s), pos = 0;
	u32 h = 2166136261u;	/* FNV-1a over the folded code points */
	long cp;

	while (pos < len) {
		cp = next_utf8(s, len, &pos);
		if (cp < 0)
			return false;
		h = (h ^ fold((u32)cp)) * 16777619u;
	}
	*hash = h;
	return true;
}

/* Find an entry of dfd equal to name but for case; copy it into name. */
bool vfs_find_case_scan(int dfd, char *name, size_t cap)
{
	struct dirent *de;
	bool found = false;
	DIR *d;
	int fd;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while ((de = readdir(d)))
		if (name_eq_fold(de->d_name, name) && strlen(de->d_name) < cap) {
			strcpy(name, de->d_name);
			found = true;
			break;
		}
	closedir(d);
	return found;
}

/* Fix the case of one component in dir dfd; false when it does not exist. */
static bool fix_component(int dfd, char *name, size_t cap)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	return errno == ENOENT && vfs_case_find(dfd, name, cap);
}

void vfs_fix_case(int root_fd, char *path, size_t cap)
{
	char *out = malloc(VFS_PATH_MAX), name[NAME_MAX + 1];
	const char *comp = path, *end;
	size_t o = 0, len;
	int dfd;

	dfd = vfs_open(root_fd, "", O_PATH | O_DIRECTORY, 0);
	if (!out || dfd < 0)
		goto done;
	/* "" (the share root, as in "::$DATA" on it) has nothing to fix */
	out[0] = '\0';
	while (*comp) {
		end = strchr(comp, '/');
		len = end ? (size_t)(end - comp) : strlen(comp);
		if (len > NAME_MAX || o + len + 2 > VFS_PATH_MAX)
			goto done;
		memcpy(name, comp, len);
		name[len] = '\0';
		if (!fix_component(dfd, name, sizeof(name)))
			break;	/* missing for real: keep the rest as given */
		len = strlen(name);
		if (o)
			out[o++] = '/';
		memcpy(out + o, name, len + 1);
		o += len;
		comp += end ? (size_t)(end - comp) + 1 : strlen(comp);
		if (!*comp)
			break;
		close(dfd);
		dfd = vfs_open(root_fd, out, O_PATH | O_DIRECTORY, 0);
		if (dfd < 0)
			break;
	}
	/* the fixed prefix, then whatever could not be matched */
	if (*comp && o + 1 + strlen(comp) + 1 > VFS_PATH_MAX)
		goto done;
	if (*comp)
		snprintf(out + o, VFS_PATH_MAX - o, "%s%s", o ? "/" : "", comp);
	if (strlen(out) < cap && strlen(out) == strlen(path))
		strcpy(path, out);
done:
	if (dfd >= 0)
		close(dfd);
	free(out);
}

/* --- errno -> NTSTATUS ----------------------------------------------- */

u32 vfs_errno_status(int err)
{
	switch (err) {
	case 0:
		return STATUS_SUCCESS;
	case ENOENT:
		return STATUS_OBJECT_NAME_NOT_FOUND;
	case ENOTDIR:
	case ELOOP:
		return STATUS_OBJECT_PATH_NOT_FOUND;
	case EEXIST:
		return STATUS_OBJECT_NAME_COLLISION;
	case EACCES:
	case EPERM:
	case EXDEV:	/* RESOLVE_BENEATH: the path tried to leave the share */
	case EROFS:
		return STATUS_ACCESS_DENIED;
	case EISDIR:
		return STATUS_FILE_IS_A_DIRECTORY;
	case ENOTEMPTY:
		return STATUS_DIRECTORY_NOT_EMPTY;
	case ENOSPC:
		return STATUS_DISK_FULL;
	case EDQUOT:
		return STATUS_DISK_QUOTA_EXCEEDED;
	case ENAMETOOLONG:
		return STATUS_NAME_TOO_LONG;
	case EINVAL:
		return STATUS_INVALID_PARAMETER;
	case EBADF:
		return STATUS_INVALID_HANDLE;
	case EMFILE:
	case ENFILE:
		return STATUS_TOO_MANY_OPENED_FILES;
	case ENOMEM:
		return STATUS_NO_MEMORY;
	case EBUSY:
	case ETXTBSY:
		return STATUS_SHARING_VIOLATION;
	case EFBIG:
		return STATUS_DISK_FULL;
	case EMLINK:
		return STATUS_TOO_MANY_LINKS;
	case EOPNOTSUPP:
		return STATUS_NOT_SUPPORTED;
	case EAGAIN:
		return STATUS_FILE_LOCK_CONFLICT;
	case EIO:
		return STATUS_UNSUCCESSFUL;
	default:
		return STATUS_INTERNAL_ERROR;
	}
}

/* --- confined opens ---------------------------------------------------- */

int vfs_open(int root_fd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (u64)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!path[0])
		path = ".";
	do {
		fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	} while (fd < 0 && errno == EAGAIN);	/* rename race under resolve */
	return fd < 0 ? -errno : (int)fd;
}

int vfs_open_parent(int root_fd, const char *path, const char **leaf)
{
	char parent[VFS_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!path[0])
		return -EINVAL;
	if (!slash) {
		*leaf = path;
		return vfs_open(root_fd, "", O_PATH | O_DIRECTORY, 0);
	}
	n = (size_t)(slash - path);
	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, path, n);
	parent[n] = '\0';
	*leaf = slash + 1;
	return vfs_open(root_fd, parent, O_PATH | O_DIRECTORY, 0);
}

int vfs_create_file(int root_fd, const char *path, int flags, mode_t mode)
{
	struct vfs_dir_mark mark;
	const char *leaf;
	int dfd, fd, err;

	dfd = vfs_open_parent(root_fd, path, &leaf);
	if (dfd < 0)
		return dfd;
	vfs_case_mark(dfd, &mark);
	/* O_EXCL never follows a symlink at leaf, and leaf is one component */
	fd = openat(dfd, leaf, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    mode);
	err = errno;
	if (fd >= 0)
		vfs_case_changed(dfd, &mark, NULL, leaf);
	close(dfd);
	return fd < 0 ? -err : fd;
}

int vfs_mkdir(int root_fd, const char *path, mode_t mode)
{
	struct vfs_dir_mark mark;
	const char *leaf;
	int dfd, ret, err;

	dfd = vfs_open_parent(root_fd, path, &leaf);
	if (dfd < 0)
		return dfd;
	vfs_case_mark(dfd, &mark);
	ret = mkdirat(dfd, leaf, mode);
	err = errno;
	if (ret == 0)
		vfs_case_changed(dfd, &mark, NULL, leaf);
	close(dfd);
	return ret < 0 ? -err : 0;
}

int vfs_unlink(int root_fd, const char *path, bool is_dir)
{
	struct vfs_dir_mark mark;
	const char *leaf;
	struct stat st;
	int dfd, ret, err;

	dfd = vfs_open_parent(root_fd, path, &leaf);
	if (dfd < 0)
		return dfd;
	/* unlinkat never follows leaf; just make the type match the intent */
	ret = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW);
	if (ret == 0 && is_dir && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		ret = -1;
	}
	vfs_case_mark(dfd, &mark);
	if (ret == 0)
		ret = unlinkat(dfd, leaf, is_dir && S_ISDIR(st.st_mode) ?
			       AT_REMOVEDIR : 0);
	err = errno;
	if (ret == 0)
		vfs_case_changed(dfd, &mark, leaf, NULL);
	close(dfd);
	return ret < 0 ? -err : 0;
}

int vfs_rename(int root_fd, const char *from, const char *to, bool replace)
{
	struct vfs_dir_mark fmark, tmark;
	const char *fleaf, *tleaf;
	int fdir, tdir, ret, err;

	fdir = vfs_open_parent(root_fd, from, &fleaf);
	if (fdir < 0)
		return fdir;
	tdir = vfs_open_parent(root_fd, to, &tleaf);
	if (tdir < 0) {
		close(fdir);
		return tdir == -ENOENT ? -ENOTDIR : tdir;
	}
	vfs_case_mark(fdir, &fmark);
	vfs_case_mark(tdir, &tmark);
	/* renameat2 acts on the links themselves, never their targets */
	ret = renameat2(fdir, fleaf, tdir, tleaf, replace ? 0 : RENAME_NOREPLACE);
	err = errno;
	if (ret == 0 && fmark.dev == tmark.dev && fmark.ino == tmark.ino) {
		vfs_case_changed(fdir, &fmark, fleaf, tleaf);
	} else if (ret == 0) {
		vfs_case_changed(fdir, &fmark, fleaf, NULL);
		vfs_case_changed(tdir, &tmark, NULL, tleaf);
	}
	close(fdir);
	close(tdir);
	return ret < 0 ? -err : 0;
}

int vfs_fd_utimens(int fd, const struct timespec ts[2])
{
	/* AT_EMPTY_PATH works on O_PATH fds too, where futimens does not */
	if (utimensat(fd, "", ts, AT_EMPTY_PATH) == 0)
		return 0;
	return -errno;
}

int vfs_fd_chmod(int fd, mode_t mode)
{
	if (fchmod(fd, mode) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	return -errno;
}

bool vfs_fd_access(int fd, int how)
{
	/* AT_EACCESS: check as the fsuid/fsgid, not the real ids */
	return faccessat(fd, "", how, AT_EACCESS | AT_EMPTY_PATH) == 0;
}

/* --- identity -------------------------------------------------------- */

static bool can_switch(void)
{
	static int state = -1;

	if (state < 0) {
		state = geteuid() == 0;
		if (!state)
			log_info("not running as root: files are accessed as uid %u",
				 (unsigned)geteuid());
	}
	return state;
}

static gid_t saved_groups[256];
static int n_saved_groups = -1;

/*
 * Identities nest: closing an open inside a handler (delete on close as
 * that open's user) must hand the handler its own user back afterwards.
 */
#define BECOME_DEPTH 4
static const struct dfs_session *become_stack[BECOME_DEPTH];
static int become_depth;

static void switch_to(const struct dfs_session *s)
{
	if (n_saved_groups < 0) {
		n_saved_groups = getgroups(DFS_ARRAY_SIZE(saved_groups),
					   saved_groups);
		if (n_saved_groups < 0)
			n_saved_groups = 0;
	}
	/* groups and fsgid first: after setfsuid we hold no fs capabilities */
	setfsgid(s->gid);
	if (setgroups((size_t)(s->ngroups > 0 ? s->ngroups : 0), s->groups) < 0)
		log_err("setgroups for %s: %s", s->user, strerror(errno));
	setfsuid(s->uid);
}

static void switch_back(void)
{
	if (n_saved_groups < 0)
		return;
	setfsuid(geteuid());
	setfsgid(getegid());
	if (setgroups((size_t)n_saved_groups, saved_groups) < 0)
		log_err("setgroups restore: %s", strerror(errno));
}

void vfs_become(const struct dfs_session *s)
{
	if (become_depth < BECOME_DEPTH)
		become_stack[become_depth] = s;
	become_depth++;
	if (s && can_switch())
		switch_to(s);
}

void vfs_unbecome(void)
{
	const struct dfs_session *outer = NULL;
	int i;

	if (become_depth > 0)
		become_depth--;
	if (!can_switch())
		return;
	/* the nearest enclosing identity, or the daemon's own */
	for (i = become_depth - 1; i >= 0 && !outer; i--)
		if (i < BECOME_DEPTH)
			outer = become_stack[i];
	if (outer)
		switch_to(outer);
	else
		switch_back();
}

uid_t vfs_fsuid(void)
{
	/* an invalid id changes nothing and returns the current fsuid */
	return (uid_t)setfsuid((uid_t)-1);
}

/* --- attributes -------------------------------------------------------- */

static u64 sx_time(const struct statx_timestamp *t)
{
	return dfs_timespec_to_filetime((long)t->tv_sec, (long)t->tv_nsec);
}

u32 vfs_attrs_for(const struct vfs_stat *st, const char *name)
{
	u32 a = st->attrs;

	/* dot files look hidden, as with Samba's "hide dot files" */
	if (name && name[0] == '.' && strcmp(name, ".") && strcmp(name, ".."))
		a |= FILE_ATTRIBUTE_HIDDEN;
	/* NORMAL only ever stands alone */
	if (a & ~FILE_ATTRIBUTE_NORMAL)
		a &= ~FILE_ATTRIBUTE_NORMAL;
	return a ? a : FILE_ATTRIBUTE_NORMAL;
}

u32 vfs_dos_attrs(mode_t mode, const char *name)
{
	u32 a = 0;

	if (S_ISDIR(mode))
		a |= FILE_ATTRIBUTE_DIRECTORY;
	else
		a |= FILE_ATTRIBUTE_ARCHIVE;
	if (!(mode & S_IWUSR) && !S_ISDIR(mode))
		a |= FILE_ATTRIBUTE_READONLY;
	if (name && name[0] == '.' && strcmp(name, ".") && strcmp(name, ".."))
		a |= FILE_ATTRIBUTE_HIDDEN;
	return a;
}

struct dos_meta {
	u32 attrs;
	u64 creation;		/* 0: none stored */
	u64 change;		/* a ChangeTime the client set, 0: none */
	u64 change_mtime;	/* the mtime it was set at: valid while equal */
};

/* Read the DOS xattr of fd, or of name under fd; false if there is none. */
static bool dos_get(int fd, const char *name, struct dos_meta *m)
{
	u8 v[DOS_XATTR_SIZE];
	long n = -1;

	if (name && name[0]) {
		struct vfs_xattr_args a = { .value = (uintptr_t)v, .size = sizeof(v) };
		int efd;

		n = syscall(SYS_getxattrat, fd, name, AT_SYMLINK_NOFOLLOW,
			    DOS_XATTR, &a, sizeof(a));
		if (n < 0 && errno == ENOSYS) {
			/* older kernels: open the entry itself, never following */
			efd = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
				     O_NOCTTY | O_CLOEXEC);
			if (efd < 0)
				return false;
			n = fgetxattr(efd, DOS_XATTR, v, sizeof(v));
			close(efd);
		}
	} else {
		/* O_PATH descriptors too (CREATE looks at those first) */
		n = xattr_fd_get(fd, DOS_XATTR, v, sizeof(v));
	}
	if (n != DOS_XATTR_SIZE || dfs_get_le32(v) != DOS_XATTR_VERSION)
		return false;
	m->attrs = dfs_get_le32(v + 4);
	m->creation = dfs_get_le64(v + 8);
	m->change = dfs_get_le64(v + 16);
	m->change_mtime = dfs_get_le64(v + 24);
	return true;
}

static u64 sx_time(const struct statx_timestamp *t);

/*
 * Write the xattr. A read-only file refuses user xattrs even to its owner,
 * yet Windows lets WRITE_ATTRIBUTES change a read-only file's attributes:
 * the owner lends itself the write bit for the moment.
 */
static int set_dos_xattr(int fd, const u8 *v)
{
	struct stat st;
	int ret, err;

	if (fsetxattr(fd, DOS_XATTR, v, DOS_XATTR_SIZE, 0) == 0)
		return 0;
	err = errno;
	if (err != EACCES || fstat(fd, &st) < 0 || st.st_uid != vfs_fsuid() ||
	    (st.st_mode & S_IWUSR) || vfs_fd_chmod(fd, st.st_mode | S_IWUSR) < 0)
		return -err;
	ret = fsetxattr(fd, DOS_XATTR, v, DOS_XATTR_SIZE, 0);
	err = errno;
	vfs_fd_chmod(fd, st.st_mode & 07777);
	return ret < 0 ? -err : 0;
}

int vfs_set_dos(int fd, u32 attrs, u64 creation, u64 change)
{
	struct dos_meta m = { .attrs = FILE_ATTRIBUTE_ARCHIVE };
	struct statx sx;
	struct stat fst;
	u8 v[DOS_XATTR_SIZE];
	bool dir = fstat(fd, &fst) == 0 && S_ISDIR(fst.st_mode);

	/* a directory is not ARCHIVE unless a client makes it so */
	if (dir)
		m.attrs = 0;
	dos_get(fd, NULL, &m);
	if (attrs != VFS_DOS_KEEP)
		m.attrs = attrs;
	if (creation)
		m.creation = creation;
	if (change) {
		/* remember the mtime it goes with: a later write outdates it */
		if (statx(fd, "", AT_EMPTY_PATH, STATX_MTIME, &sx) < 0)
			return -errno;
		m.change = change;
		m.change_mtime = sx_time(&sx.stx_mtime);
	}
	dfs_put_le32(v, DOS_XATTR_VERSION);
	/* READONLY is the mode's write bit, except on a directory */
	dfs_put_le32(v + 4, m.attrs & (DOS_STORED |
				       (dir ? FILE_ATTRIBUTE_READONLY : 0)));
	dfs_put_le64(v + 8, m.creation);
	dfs_put_le64(v + 16, m.change);
	dfs_put_le64(v + 24, m.change_mtime);
	return set_dos_xattr(fd, v);
}

/* Fold the DOS xattr, when there is one, into st. */
static void apply_dos(int dirfd, const char *name, struct vfs_stat *st)
{
	struct dos_meta m;

	if (!dos_get(dirfd, name, &m))
		return;
	if (m.creation)
		st->creation = m.creation;
	if (m.change && m.change_mtime == st->last_write)
		st->change = m.change;
	st->attrs = (st->attrs & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_READONLY)) |
		    (m.attrs & DOS_STORED);
	if (st->is_dir)
		st->attrs |= m.attrs & FILE_ATTRIBUTE_READONLY;
}

int vfs_statx(int dirfd, const char *name, struct vfs_stat *st)
{
	struct statx sx;
	int flags = AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT;
	u64 c, m;

	if (!name || !name[0]) {
		name = "";
		flags |= AT_EMPTY_PATH;
	}
	if (statx(dirfd, name, flags, STATX_BASIC_STATS | STATX_BTIME, &sx) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->last_access = sx_time(&sx.stx_atime);
	st->last_write = sx_time(&sx.stx_mtime);
	/*
	 * NTFS ChangeTime is what Unix calls mtime plus metadata changes, but
	 * ctime also moves when Windows would not (and cannot be set): like
	 * Samba, report mtime, which SET_INFO can set.
	 */
	st->change = st->last_write;
	c = sx_time(&sx.stx_ctime);
	m = st->last_write;
	if (sx.stx_mask & STATX_BTIME)
		st->creation = sx_time(&sx.stx_btime);
	else
		st->creation = c < m ? c : m;
	st->mode = sx.stx_mode;
	st->is_dir = S_ISDIR(sx.stx_mode);
	st->size = st->is_dir ? 0 : sx.stx_size;
	st->alloc = st->is_dir ? 0 : sx.stx_blocks * 512;
	st->ino = sx.stx_ino;
	/* the same encoding as stat()'s st_dev, which other code compares */
	st->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->nlink = sx.stx_nlink;
	st->uid = sx.stx_uid;
	st->gid = sx.stx_gid;
	st->attrs = vfs_dos_attrs(sx.stx_mode, NULL);
	if (S_ISREG(sx.stx_mode) || S_ISDIR(sx.stx_mode))
		apply_dos(dirfd, name, st);
	return 0;
}

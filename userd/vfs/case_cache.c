// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * case_cache.c - case-insensitive name lookup in large directories without
 * reading the whole directory for every name.
 *
 * CREATE of a name that does not exist as given must learn whether an
 * entry differing only in case exists ("Readme.TXT" finds "README.txt").
 * Scanning the directory each time makes creating N files cost O(N^2).
 * Instead, a directory of at least CASE_MIN entries gets a hash table of
 * its names, keyed by their case-folded hash, built by one scan.
 *
 * The table is valid while the directory's mtime and ctime are the ones
 * read just before that scan. dittofsd's own creates, unlinks and renames
 * update the table in place, and move the recorded times on, when the
 * times before the change were still the recorded ones; any other change
 * (a local process, another path) moves the times and the next lookup
 * scans again. On kernels with multigrain timestamps (6.13+: ext4, xfs,
 * btrfs, tmpfs) a change right after a statx always gets a new ctime; on
 * older ones, a local change within the same clock tick as our statx can
 * go unseen until the directory changes again (it can then create a name
 * differing only in case from that entry, as any lookup racing a local
 * create could).
 *
 * A user who may not read the directory gets no answer from the table:
 * the scan could not have been done as that user either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/vfs/vfs.h"

#define CASE_DIRS	8		/* directories with a table */
#define CASE_MIN	256		/* smaller ones are scanned each time */
#define CASE_MAX	(1u << 22)	/* larger ones too: bound the memory */
#define NIL		0xFFFFFFFFu

struct case_ent {
	u32 hash;
	u32 next;			/* next in the bucket, or free list */
	char *name;			/* NULL: free */
};

struct case_dir {
	bool used;
	u64 dev, ino;
	struct statx_timestamp mtime, ctime;
	u64 last_use;
	u32 nbuckets;			/* power of two */
	u32 *buckets;
	struct case_ent *ents;
	u32 nents, cap, free_head, count;
};

static struct case_dir dirs[CASE_DIRS];
static u64 use_clock;

struct dir_id {
	u64 dev, ino;
	struct statx_timestamp mtime, ctime;
};

static bool dir_id_of(int dfd, struct dir_id *id)
{
	struct statx sx;

	if (statx(dfd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT,
		  STATX_INO | STATX_MTIME | STATX_CTIME, &sx) < 0)
		return false;
	id->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	id->ino = sx.stx_ino;
	id->mtime = sx.stx_mtime;
	id->ctime = sx.stx_ctime;
	return true;
}

static bool ts_eq(const struct statx_timestamp *a, const struct statx_timestamp *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool times_match(const struct case_dir *c, const struct dir_id *id)
{
	return ts_eq(&c->mtime, &id->mtime) && ts_eq(&c->ctime, &id->ctime);
}

static void dir_free(struct case_dir *c)
{
	u32 i;

	for (i = 0; i < c->nents; i++)
		free(c->ents[i].name);
	free(c->ents);
	free(c->buckets);
	memset(c, 0, sizeof(*c));
}

static struct case_dir *dir_find(const struct dir_id *id)
{
	int i;

	for (i = 0; i < CASE_DIRS; i++)
		if (dirs[i].used && dirs[i].dev == id->dev && dirs[i].ino == id->ino)
			return &dirs[i];
	return NULL;
}

static int rehash(struct case_dir *c, u32 nbuckets)
{
	u32 *b = malloc(nbuckets * sizeof(*b)), i, h;

	if (!b)
		return -1;
	memset(b, 0xFF, nbuckets * sizeof(*b));
	for (i = 0; i < c->nents; i++) {
		if (!c->ents[i].name)
			continue;
		h = c->ents[i].hash & (nbuckets - 1);
		c->ents[i].next = b[h];
		b[h] = i;
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = nbuckets;
	return 0;
}

/* Add name to c; -1 when out of memory or past CASE_MAX. */
static int dir_add(struct case_dir *c, const char *name)
{
	struct case_ent *e;
	u32 hash, i;

	if (!vfs_name_fold_hash(name, &hash))
		return 0;	/* not UTF-8: no name can match it anyway */
	if (c->count >= CASE_MAX)
		return -1;
	if (c->free_head != NIL) {
		i = c->free_head;
		c->free_head = c->ents[i].next;
	} else {
		if (c->nents == c->cap) {
			u32 ncap = c->cap ? c->cap * 2 : 1024;

			e = realloc(c->ents, ncap * sizeof(*e));
			if (!e)
				return -1;
			c->ents = e;
			c->cap = ncap;
		}
		i = c->nents++;
	}
	e = &c->ents[i];
	e->name = strdup(name);
	if (!e->name) {
		e->next = c->free_head;
		c->free_head = i;
		return -1;
	}
	e->hash = hash;
	e->next = c->buckets[hash & (c->nbuckets - 1)];
	c->buckets[hash & (c->nbuckets - 1)] = i;
	c->count++;
	/* keep chains short: about one name per bucket */
	if (c->count > c->nbuckets && rehash(c, c->nbuckets * 2) < 0)
		return -1;
	return 0;
}

/* Remove the entry spelled exactly name, if present. */
static void dir_remove(struct case_dir *c, const char *name)
{
	u32 hash, *link, i;

	if (!vfs_name_fold_hash(name, &hash))
		return;
	for (link = &c->buckets[hash & (c->nbuckets - 1)]; *link != NIL;
	     link = &c->ents[*link].next) {
		i = *link;
		if (c->ents[i].hash != hash || strcmp(c->ents[i].name, name))
			continue;
		*link = c->ents[i].next;
		free(c->ents[i].name);
		c->ents[i].name = NULL;
		c->ents[i].next = c->free_head;
		c->free_head = i;
		c->count--;
		return;
	}
}

/* An entry equal to name but for case, or NULL. */
static const char *dir_lookup(const struct case_dir *c, const char *name)
{
	u32 hash, i;

	if (!vfs_name_fold_hash(name, &hash))
		return NULL;
	for (i = c->buckets[hash & (c->nbuckets - 1)]; i != NIL; i = c->ents[i].next)
		if (c->ents[i].hash == hash && vfs_name_eq_fold(c->ents[i].name, name))
			return c->ents[i].name;
	return NULL;
}

/* The slot for a new table: a free one, else the least recently used. */
static struct case_dir *dir_slot(void)
{
	struct case_dir *best = &dirs[0];
	int i;

	for (i = 0; i < CASE_DIRS; i++) {
		if (!dirs[i].used)
			return &dirs[i];
		if (dirs[i].last_use < best->last_use)
			best = &dirs[i];
	}
	dir_free(best);
	return best;
}

/*
 * Read every name of dfd into a new table recorded with id's times (read
 * before the scan, so a change during it shows next time). Small
 * directories get no table. Returns it, or NULL.
 */
static struct case_dir *dir_build(int dfd, const struct dir_id *id)
{
	struct case_dir tmp = { .free_head = NIL }, *c;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return NULL;
	}
	if (rehash(&tmp, 1024) < 0)
		goto fail;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    dir_add(&tmp, de->d_name) < 0)
			goto fail;
	closedir(d);
	log_debug("case table of directory %llu: %u names",
		  (unsigned long long)id->ino, tmp.count);
	if (tmp.count < CASE_MIN) {
		dir_free(&tmp);
		return NULL;
	}
	c = dir_slot();
	*c = tmp;
	c->used = true;
	c->dev = id->dev;
	c->ino = id->ino;
	c->mtime = id->mtime;
	c->ctime = id->ctime;
	return c;
fail:
	closedir(d);
	dir_free(&tmp);
	return NULL;
}

bool vfs_case_find(int dfd, char *name, size_t cap)
{
	struct case_dir *c;
	struct dir_id id;
	const char *hit;

	if (!dir_id_of(dfd, &id) || !vfs_fd_access(dfd, R_OK | X_OK))
		return vfs_find_case_scan(dfd, name, cap);
	c = dir_find(&id);
	if (c && !times_match(c, &id)) {
		dir_free(c);
		c = NULL;
	}
	if (!c)
		c = dir_build(dfd, &id);
	if (!c)
		return vfs_find_case_scan(dfd, name, cap);
	c->last_use = ++use_clock;
	hit = dir_lookup(c, name);
	if (!hit || strlen(hit) >= cap)
		return false;
	strcpy(name, hit);
	return true;
}

void vfs_case_mark(int dfd, struct vfs_dir_mark *m)
{
	struct dir_id id;

	m->valid = false;
	if (!dir_id_of(dfd, &id))
		return;
	/* without a table there is nothing to keep current */
	m->valid = dir_find(&id) != NULL;
	m->dev = id.dev;
	m->ino = id.ino;
	m->mtime_sec = id.mtime.tv_sec;
	m->mtime_nsec = id.mtime.tv_nsec;
	m->ctime_sec = id.ctime.tv_sec;
	m->ctime_nsec = id.ctime.tv_nsec;
}

void vfs_case_changed(int dfd, const struct vfs_dir_mark *m,
		      const char *removed, const char *added)
{
	struct case_dir *c;
	struct dir_id before, now;

	if (!m->valid)
		return;
	before.dev = m->dev;
	before.ino = m->ino;
	before.mtime.tv_sec = m->mtime_sec;
	before.mtime.tv_nsec = m->mtime_nsec;
	before.ctime.tv_sec = m->ctime_sec;
	before.ctime.tv_nsec = m->ctime_nsec;
	c = dir_find(&before);
	if (!c)
		return;
	/* someone else changed it before us, or the times cannot be read */
	if (!times_match(c, &before) || !dir_id_of(dfd, &now) ||
	    now.dev != c->dev || now.ino != c->ino) {
		dir_free(c);
		return;
	}
	if (removed)
		dir_remove(c, removed);
	if (added && dir_add(c, added) < 0) {
		dir_free(c);
		return;
	}
	c->mtime = now.mtime;
	c->ctime = now.ctime;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_common.h - what the fuzz targets share: a server with one share in a
 * temp dir and a fake user database, the frame loop dittofsd's event loop
 * runs (NetBIOS length, dfs_dp_frame, session reaping), and small writers
 * for SMB2 headers.
 *
 * Every tests/fuzz/fuzz_*.c defines dfs_fuzz_<name>(data, size) and, unless
 * DFS_FUZZ_REPLAY is defined, LLVMFuzzerTestOneInput calling it. The unit
 * test tests/unit/test_regressions.c defines DFS_FUZZ_REPLAY and includes
 * every target, so a regression input runs through the same code in
 * `make check`, without libFuzzer.
 */
#ifndef DFS_FUZZ_COMMON_H
#define DFS_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/compat.h"
#include "common/smb2_proto.h"
#include "common/dataplane.h"
#include "userd/server.h"
#include "userd/config.h"
#include "userd/auth/auth.h"
#include "userd/crypto_openssl.h"
#include "userd/log.h"
#include "userd/store/userdb.h"

#define FZ_USER "fuzz"
#define FZ_PASS "fuzzpass"
#define FZ_SHARE "share"

struct fz_env {
	bool ready;
	struct dfs_server srv;
	struct dfs_auth_cfg auth;
	struct dfs_config *cfg;
	u8 nt_hash[16];
	char dir[128];		/* temp dir: share/ and state/ below */
	char share[160];
	struct timespec share_ctime, readme_ctime;	/* after the last reset */
};

static struct fz_env fz_env;

/* The one account the fake user database knows. */
static inline int fz_lookup(void *arg, const char *name, struct dfs_user *out)
{
	(void)arg;
	if (strcasecmp(name, FZ_USER))
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", FZ_USER);
	memcpy(out->nt_hash, fz_env.nt_hash, 16);
	out->uid = getuid();
	out->gid = getgid();
	return 0;
}

static inline int fz_rm_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline bool fz_ctimes(struct timespec *share, struct timespec *readme)
{
	char path[192];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/README.txt", fz_env.share) >=
	    (int)sizeof(path))
		abort();
	if (stat(fz_env.share, &st))
		return false;
	*share = st.st_ctim;
	if (stat(path, &st))
		return false;
	*readme = st.st_ctim;
	return true;
}

/*
 * Put the share back as it was: empty but for README.txt. Anything that
 * changes the share (a new, deleted or renamed entry at the top, a write
 * or attribute change of README.txt; deeper changes need a top-level
 * mkdir first) changes one of the two ctimes, which cannot be set from
 * outside, so an unchanged share is left alone (that is the common case,
 * and wiping it each time would be most of the cost of an iteration).
 */
static inline void fz_share_reset(void)
{
	struct timespec a, b;
	char readme[192];
	FILE *f;

	if (fz_ctimes(&a, &b) &&
	    !memcmp(&a, &fz_env.share_ctime, sizeof(a)) &&
	    !memcmp(&b, &fz_env.readme_ctime, sizeof(b)))
		return;
	nftw(fz_env.share, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(fz_env.share, 0700);
	if (snprintf(readme, sizeof(readme), "%s/README.txt", fz_env.share) >=
	    (int)sizeof(readme))
		abort();
	f = fopen(readme, "w");
	if (f) {
		fputs("DittoFS fuzz share\n", f);
		fclose(f);
	}
	if (!fz_ctimes(&fz_env.share_ctime, &fz_env.readme_ctime))
		abort();
}

static inline void fz_env_cleanup(void)
{
	if (!fz_env.ready)
		return;
	nftw(fz_env.dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	dfs_config_free(fz_env.cfg);
	free(fz_env.srv.opens);
	fz_env.ready = false;
}

static inline struct dfs_share_cfg *fz_add_share(struct dfs_config *cfg,
					  const char *name, const char *path,
					  int encrypt)
{
	struct dfs_share_cfg *sh = calloc(1, sizeof(*sh));

	if (!sh)
		abort();
	snprintf(sh->name, sizeof(sh->name), "%s", name);
	snprintf(sh->path, sizeof(sh->path), "%s", path);
	sh->guest_ok = true;
	sh->browseable = true;
	sh->encrypt = encrypt;
	sh->next = cfg->shares;
	cfg->shares = sh;
	return sh;
}

/* The server every stateful target uses; created on first use. */
static inline struct dfs_server *fz_server(void)
{
	struct fz_env *e = &fz_env;

	if (e->ready)
		return &e->srv;
	dfs_log_level = getenv("DFS_FUZZ_LOG") ? atoi(getenv("DFS_FUZZ_LOG")) : -1;
	if (dfs_crypto_init() || dfs_nt_hash(FZ_PASS, e->nt_hash))
		abort();
	if (snprintf(e->dir, sizeof(e->dir), "%s/dfs-fuzz-XXXXXX",
		     getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") >=
	    (int)sizeof(e->dir))
		abort();
	if (!mkdtemp(e->dir))
		abort();
	if (snprintf(e->share, sizeof(e->share), "%s/share", e->dir) >=
	    (int)sizeof(e->share))
		abort();
	e->cfg = calloc(1, sizeof(*e->cfg));
	if (!e->cfg)
		abort();
	dfs_config_defaults(e->cfg);
	snprintf(e->cfg->state_dir, sizeof(e->cfg->state_dir), "%s/state", e->dir);
	e->cfg->map_to_guest = DFS_GUEST_BAD_USER;
	fz_add_share(e->cfg, "enc", e->share, DFS_ENCRYPT_REQUIRED);
	fz_add_share(e->cfg, FZ_SHARE, e->share, -1);

	e->auth.lookup = fz_lookup;
	e->auth.netbios_name = "DITTOFUZZ";
	e->auth.workgroup = "WORKGROUP";
	e->auth.dns_name = "localhost";
	e->auth.map_bad_user_to_guest = true;
	e->auth.guest_uid = getuid();
	e->auth.guest_gid = getgid();

	e->srv.cfg = e->cfg;
	e->srv.auth = &e->auth;
	e->srv.crypto = &dfs_openssl_crypto_ops;
	e->srv.start_filetime = dfs_filetime_now();
	memset(e->srv.server_guid, 0x5a, sizeof(e->srv.server_guid));
	e->ready = true;
	fz_share_reset();
	atexit(fz_env_cleanup);
	return &e->srv;
}

/*
 * What dittofsd's loop does with received bytes: cut NetBIOS frames, hand
 * each complete one (copied to a buffer of exactly its size, so ASan sees
 * any over-read) to the data plane, reap dead sessions. Stops at the first
 * error, at an incomplete frame, or when the data plane drops the
 * connection. Returns the number of frames processed, -1 on a drop.
 * *rsp_len gets the length of the last response (in c->out).
 */
static inline int fz_feed(struct dfs_conn *c, const u8 *data, size_t size,
		   u32 *rsp_len)
{
	size_t pos = 0;
	int frames = 0;

	*rsp_len = 0;
	while (pos < size) {
		u32 flen, olen = 0;
		u8 type, *frame;
		int ret = dfs_nb_frame_len(&c->dp, data + pos, size - pos,
					   &flen, &type);

		if (ret)
			return ret == -EAGAIN ? frames : -1;
		if (size - pos - DFS_NB_HDR_SIZE < flen)
			return frames;	/* the rest never arrives */
		pos += DFS_NB_HDR_SIZE;
		if (type == DFS_NB_KEEPALIVE)
			continue;
		frame = malloc(flen ? flen : 1);
		if (!frame)
			abort();
		memcpy(frame, data + pos, flen);
		pos += flen;
		ret = dfs_dp_frame(&c->dp, frame, flen, c->out, c->out_cap, &olen);
		free(frame);
		dfs_session_reap(c);
		if (olen > c->out_cap)
			abort();	/* the data plane overran its buffer */
		*rsp_len = olen;
		frames++;
		if (ret < 0)
			return -1;
	}
	return frames;
}

/* One NetBIOS-framed PDU, built by the harness (not fuzzed). */
struct fz_pdu {
	u8 buf[1024];
	u32 len;	/* bytes used, NetBIOS header included */
};

/* Start a PDU: NetBIOS header (patched by fz_pdu_end) and SMB2 header. */
static inline u8 *fz_pdu_begin(struct fz_pdu *p, u16 cmd, u64 mid, u64 sid, u32 tid)
{
	u8 *h = p->buf + DFS_NB_HDR_SIZE;

	memset(p->buf, 0, sizeof(p->buf));
	dfs_put_le32(h, SMB2_PROTO_ID);
	dfs_put_le16(h + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(h + SMB2_HDR_CREDIT_CHARGE, 1);
	dfs_put_le16(h + SMB2_HDR_COMMAND, cmd);
	dfs_put_le16(h + SMB2_HDR_CREDIT, 64);
	dfs_put_le64(h + SMB2_HDR_MESSAGE_ID, mid);
	dfs_put_le32(h + SMB2_HDR_PROCESS_ID, 0xfeff);
	dfs_put_le32(h + SMB2_HDR_TREE_ID, tid);
	dfs_put_le64(h + SMB2_HDR_SESSION_ID, sid);
	p->len = DFS_NB_HDR_SIZE + SMB2_HDR_SIZE;
	return h + SMB2_HDR_SIZE;
}

static inline void fz_pdu_end(struct fz_pdu *p, u32 body_len)
{
	u32 n = SMB2_HDR_SIZE + body_len;

	p->len = DFS_NB_HDR_SIZE + n;
	p->buf[0] = 0;
	p->buf[1] = (u8)(n >> 16);
	p->buf[2] = (u8)(n >> 8);
	p->buf[3] = (u8)n;
}

/* ASCII to UTF-16LE; returns bytes written. */
static inline u32 fz_put_utf16(u8 *out, const char *s)
{
	u32 n = 0;

	for (; *s; s++, n += 2)
		dfs_put_le16(out + n, (u8)*s);
	return n;
}

/*
 * A connection with one valid session (the fuzz user) and one tree on the
 * share, built directly on the heap instead of negotiated, for targets
 * that hand a request straight to one handler. Not dfs_conn_new(): its
 * 8 MiB response buffer would cost more than the request. Free it with
 * fz_direct_free(), which tears down as a closing connection does.
 */
static inline struct dfs_conn *fz_direct_conn(struct dfs_server *srv,
					      struct dfs_tree **tree)
{
	struct dfs_conn *c = calloc(1, sizeof(*c));
	struct dfs_session *s = calloc(1, sizeof(*s));
	struct dfs_tree *t = calloc(1, sizeof(*t));

	if (!c || !s || !t)
		abort();
	c->srv = srv;
	c->fd = -1;
	c->negotiated = true;
	c->dialect = SMB2_DIALECT_311;
	snprintf(c->peer, sizeof(c->peer), "fuzz:0");
	dfs_dp_conn_init(&c->dp, srv->crypto, &dfs_user_dp_ops, c, DFS_MAX_FRAME);
	s->conn = c;
	s->dp.id = 0x1234;
	s->dp.sign.alg = -1;
	s->state = DFS_SESS_VALID;
	s->uid = getuid();
	s->gid = getgid();
	s->groups[0] = getgid();
	s->ngroups = 1;
	s->next_tree_id = 2;
	snprintf(s->user, sizeof(s->user), "%s", FZ_USER);
	c->sessions = s;
	t->id = 1;
	t->sess = s;
	t->share = dfs_config_share(srv->cfg, FZ_SHARE);
	t->maximal_access = 0x001F01FF;
	t->root_fd = open(fz_env.share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd < 0)
		abort();
	s->trees = t;
	*tree = t;
	return c;
}

static inline void fz_direct_free(struct dfs_conn *c)
{
	dfs_async_drop_conn(c);
	while (c->sessions)
		dfs_session_destroy(c->sessions);
	while (c->outq) {
		struct dfs_outbuf *ob = c->outq;

		c->outq = ob->next;
		free(ob);
	}
	free(c);
}

/* A request of exactly len bytes: an SMB2 header for cmd, then zeros. */
static inline u8 *fz_direct_req(u16 cmd, u32 len)
{
	u8 *req = calloc(1, len);

	if (!req)
		abort();
	dfs_put_le32(req, SMB2_PROTO_ID);
	dfs_put_le16(req + SMB2_HDR_STRUCT_SIZE, SMB2_HDR_SIZE);
	dfs_put_le16(req + SMB2_HDR_COMMAND, cmd);
	dfs_put_le64(req + SMB2_HDR_SESSION_ID, 0x1234);
	return req;
}

/* Fill r (and in/out) for one request on c's first session and tree t. */
static inline void fz_direct_setup(struct dfs_req *r, struct dfs_pdu_in *in,
				   struct dfs_pdu_out *out, struct dfs_conn *c,
				   struct dfs_tree *t, u8 *req, u32 len,
				   u8 *rsp, u32 rsp_cap)
{
	in->buf = req;
	in->len = len;
	in->first = in->last = true;
	in->session_id = 0x1234;
	in->tree_id = t->id;
	out->buf = rsp;
	out->cap = rsp_cap;
	memset(r, 0, sizeof(*r));
	r->srv = c->srv;
	r->conn = c;
	r->in = in;
	r->out = out;
	r->hdr = req;
	r->body = req + SMB2_HDR_SIZE;
	r->body_len = len - SMB2_HDR_SIZE;
	r->command = dfs_get_le16(req + SMB2_HDR_COMMAND);
	r->credit_charge = 1;
	r->message_id = 1;
	r->sess = c->sessions;
	r->tree = t;
	r->rsp = rsp;
	r->rsp_body = rsp + SMB2_HDR_SIZE;
	r->rsp_cap = rsp_cap - SMB2_HDR_SIZE;
	r->rsp_session_id = 0x1234;
	r->rsp_tree_id = t->id;
	r->compound_fid = c->compound_fid;
}

#endif /* DFS_FUZZ_COMMON_H */

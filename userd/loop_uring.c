// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop_uring.c - user mode transport on one io_uring.
 *
 * Each connection has at most one operation in flight, a recv or a send,
 * so a completion can free the connection without racing another one.
 * Frames are processed as soon as they are complete; while a response is
 * being sent no new frame is processed, which is also our back-pressure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "userd/config.h"
#include "userd/ctl.h"
#include "userd/loop.h"
#include "userd/limits.h"
#include "userd/log.h"
#include "userd/notify_watch.h"

/*
 * user_data: the object (a dfs_conn or a dfs_ctl_client, both malloc'd and
 * so at least 8-aligned) with the operation in the low 3 bits.
 */
enum {
	OP_ACCEPT = 0,
	OP_RECV = 1,
	OP_SEND = 2,
	OP_TIMER = 3,
	OP_CTL_ACCEPT = 4,		/* dittofsctl's unix socket (ctl.c) */
	OP_CTL_RECV = 5,
	OP_EVENT = 6,			/* srv->event_fd readable (kernel mode) */
	OP_NOTIFY = 7,			/* inotify fd readable (notify_watch.c) */
	OP_MASK = 7,
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
/* the running loop, for frames queued from outside a completion (kick) */
static struct loop *running;

struct loop {
	struct io_uring ring;
	struct dfs_server *srv;
	int lfd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct __kernel_timespec tick;
	int cfd;			/* control socket, -1 if none */
	struct dfs_ctl_client *ctl_clients;
	unsigned nctl;
	int nfd;			/* CHANGE_NOTIFY's inotify fd, -1 if none */
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/* SIGHUP re-reads the configuration, as "dittofsctl reload" does. */
static void reload_on_hup(struct dfs_server *srv)
{
	struct dfs_ctl_out out = { 0 };
	int rc;

	reload_requested = 0;
	rc = dfs_ctl_run(srv, "text reload", &out);
	log_info("SIGHUP: reload %s%s%.*s", rc ? "failed" : "done",
		 out.len ? ": " : "", (int)out.len, out.buf ? out.buf : "");
	dfs_ctl_out_free(&out);
}

int dfs_listen(const char *addr, uint16_t port)
{
	struct addrinfo hints = { 0 }, *ai;
	char service[8];
	int fd, one = 1, rc;

	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(addr, service, &hints, &ai);
	if (rc) {
		log_err("listen address '%s': %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
		log_err("cannot listen on %s port %u: %s%s", addr, port,
			strerror(errno),
			errno == EADDRINUSE ? " (another server uses it: stop it or set 'port')" :
			errno == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "");
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static struct io_uring_sqe *get_sqe(struct loop *l)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (!sqe) {
		io_uring_submit(&l->ring);
		sqe = io_uring_get_sqe(&l->ring);
	}
	return sqe;
}

static void arm_accept(struct loop *l)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	l->peer_len = sizeof(l->peer);
	io_uring_prep_accept(sqe, l->lfd, (struct sockaddr *)&l->peer,
			     &l->peer_len, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void arm_event(struct loop *l)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	io_uring_prep_poll_add(sqe, l->srv->event_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, OP_EVENT);
}

static void arm_notify(struct loop *l)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	io_uring_prep_poll_add(sqe, l->nfd, POLLIN);
	io_uring_sqe_set_data64(sqe, OP_NOTIFY);
}

static void arm_timer(struct loop *l)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	l->tick.tv_sec = 1;
	l->tick.tv_nsec = 0;
	io_uring_prep_timeout(sqe, &l->tick, 0, 0);
	io_uring_sqe_set_data64(sqe, OP_TIMER);
}

/* Below this many missing bytes a frame is read like any other data. */
#define DFS_RECV_WAITALL_MIN (64 * 1024)
/*
 * An encrypted frame that is decrypted as it arrives comes in pieces of
 * this size: each is decrypted while the kernel receives the next, and
 * only the last one is left when the frame is complete.
 */
#define DFS_RECV_PIECE (1024 * 1024)

/*
 * How much of a large frame (a big WRITE) to wait for, or 0. Asking for
 * that with MSG_WAITALL lets the kernel gather it in one request instead
 * of returning each scrap to us to be asked for again.
 */
static u32 frame_missing(const struct dfs_conn *c)
{
	u32 flen, missing;
	u8 type;

	if (dfs_nb_frame_len(&c->dp, c->in, c->in_len, &flen, &type))
		return 0;
	if (DFS_NB_HDR_SIZE + (size_t)flen <= c->in_len ||
	    DFS_NB_HDR_SIZE + (size_t)flen > c->in_cap)
		return 0;
	missing = (u32)(DFS_NB_HDR_SIZE + (size_t)flen - c->in_len);
	if (missing < DFS_RECV_WAITALL_MIN)
		return 0;
	if (dfs_dp_frame_partial_active(&c->dp) && missing > DFS_RECV_PIECE)
		return DFS_RECV_PIECE;
	return missing;
}

static void arm_recv(struct loop *l, struct dfs_conn *c)
{
	struct io_uring_sqe *sqe = get_sqe(l);
	u32 missing = frame_missing(c);

	c->recv_armed = true;
	if (missing)
		io_uring_prep_recv(sqe, c->fd, c->in + c->in_len, missing,
				   MSG_WAITALL);
	else
		io_uring_prep_recv(sqe, c->fd, c->in + c->in_len,
				   c->in_cap - c->in_len, 0);
	io_uring_sqe_set_data64(sqe, (uintptr_t)c | OP_RECV);
}

/* Send the current response first, then queued async/unsolicited frames. */
static void kick_send(struct loop *l, struct dfs_conn *c)
{
	struct io_uring_sqe *sqe;
	const u8 *p;
	u32 n;

	if (c->send_armed || c->closing)
		return;
	if (c->out_busy) {
		p = c->out + c->out_sent;
		n = c->out_len - c->out_sent;
		c->sending_out = true;
	} else if (c->outq) {
		p = c->outq->data + c->outq->sent;
		n = c->outq->len - c->outq->sent;
		c->sending_out = false;
	} else {
		return;
	}
	sqe = get_sqe(l);
	c->send_armed = true;
	/* the kernel keeps sending as the socket drains: one completion per frame */
	io_uring_prep_send(sqe, c->fd, p, n, MSG_NOSIGNAL | MSG_WAITALL);
	io_uring_sqe_set_data64(sqe, (uintptr_t)c | OP_SEND);
}

/*
 * Tear a connection down. Its recv or send may still be in flight: shut
 * the socket so they complete, and free it when the last one has.
 */
static void close_conn(struct dfs_conn *c)
{
	if (!c->closing) {
		c->closing = true;
		shutdown(c->fd, SHUT_RDWR);
	}
	if (!c->recv_armed && !c->send_armed)
		dfs_conn_free(c);
}

/* Make room for a whole frame of `need` bytes; frames are bounded by max_frame. */
static int grow_in(struct dfs_conn *c, size_t need)
{
	u8 *p;

	if (need <= c->in_cap)
		return 0;
	p = realloc(c->in, need);
	if (!p)
		return -1;
	c->in = p;
	c->in_cap = need;
	return 0;
}

static void consume_in(struct dfs_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/*
 * Run the complete frames in the input buffer until one produces a
 * response (which occupies c->out until sent). -1 to close now.
 */
static int run_frames(struct dfs_conn *c)
{
	while (!c->out_busy) {
		u32 flen, olen = 0;
		u8 type;
		int ret = dfs_nb_frame_len(&c->dp, c->in, c->in_len, &flen, &type);

		if (ret == -EAGAIN)
			return 0;
		if (ret < 0) {
			log_info("%s: bad frame header (%s), closing", c->peer,
				 ret == -EMSGSIZE ? "too long" : "not a session message");
			return -1;
		}
		if (c->in_len < DFS_NB_HDR_SIZE + (size_t)flen) {
			if (grow_in(c, DFS_NB_HDR_SIZE + (size_t)flen))
				return -1;
			if (type == DFS_NB_SESSION_MESSAGE)
				dfs_dp_frame_partial(&c->dp, c->in + DFS_NB_HDR_SIZE,
						     (u32)(c->in_len - DFS_NB_HDR_SIZE),
						     flen);
			return 0;
		}
		if (type == DFS_NB_KEEPALIVE) {
			consume_in(c, DFS_NB_HDR_SIZE);
			continue;
		}
		ret = dfs_dp_frame(&c->dp, c->in + DFS_NB_HDR_SIZE, flen, c->out,
				   c->out_cap, &olen);
		consume_in(c, DFS_NB_HDR_SIZE + (size_t)flen);
		dfs_session_reap(c);
		if (olen) {
			c->out_len = olen;
			c->out_sent = 0;
			c->out_busy = true;
			c->drop_after_send = ret < 0;
		} else if (ret < 0) {
			return -1;
		}
	}
	return 0;
}

/* Process what has arrived, then wait for more or send what was produced. */
static void process_input(struct loop *l, struct dfs_conn *c)
{
	if (run_frames(c) < 0) {
		close_conn(c);
		return;
	}
	if (!c->out_busy && !c->recv_armed) {
		if (c->in_len == c->in_cap && grow_in(c, c->in_cap * 2)) {
			close_conn(c);
			return;
		}
		arm_recv(l, c);
	}
	kick_send(l, c);
}

void dfs_conn_kick(struct dfs_conn *c)
{
	if (running)
		kick_send(running, c);
}

static void on_accept(struct loop *l, int res)
{
	char host[INET6_ADDRSTRLEN], peer[64];
	struct dfs_conn *c;
	int one = 1;

	arm_accept(l);
	if (res < 0) {
		log_err("accept: %s", strerror(-res));
		return;
	}
	if (getnameinfo((struct sockaddr *)&l->peer, l->peer_len, host,
			sizeof(host), NULL, 0, NI_NUMERICHOST))
		snprintf(host, sizeof(host), "?");
	snprintf(peer, sizeof(peer), "%s:%u", host,
		 ntohs(((struct sockaddr_in *)&l->peer)->sin_port));
	/* over a limit: closed before a byte is read */
	if (!dfs_limit_conn_ok(l->srv, peer)) {
		close(res);
		return;
	}
	setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = dfs_conn_new(l->srv, res, peer);
	if (!c) {
		log_err("%s: out of memory for a new connection", peer);
		close(res);
		return;
	}
	log_verbose("%s: connected", peer);
	arm_recv(l, c);
}

static void on_recv(struct loop *l, struct dfs_conn *c, int res)
{
	c->recv_armed = false;
	if (c->closing || res <= 0) {
		if (res < 0 && !c->closing)
			log_verbose("%s: recv: %s", c->peer, strerror(-res));
		close_conn(c);
		return;
	}
	c->in_len += (size_t)res;
	c->last_rx_ms = dfs_monotonic_ms();
	process_input(l, c);
}

static void on_send(struct loop *l, struct dfs_conn *c, int res)
{
	c->send_armed = false;
	if (c->closing || res < 0) {
		if (res < 0 && !c->closing)
			log_verbose("%s: send: %s", c->peer, strerror(-res));
		close_conn(c);
		return;
	}
	if (c->sending_out) {
		c->out_sent += (u32)res;
		if (c->out_sent == c->out_len) {
			c->out_busy = false;
			if (c->drop_after_send) {
				close_conn(c);
				return;
			}
			process_input(l, c);
			return;
		}
	} else {
		struct dfs_outbuf *ob = c->outq;

		ob->sent += (u32)res;
		if (ob->sent == ob->len) {
			c->outq = ob->next;
			free(ob);
		}
	}
	kick_send(l, c);
}

static void close_expired(struct loop *l)
{
	struct dfs_conn *c, *next;

	for (c = l->srv->conns; c; c = next) {
		next = c->next;
		if (c->expired && !c->closing)
			close_conn(c);
	}
}

/*
 * Control clients (dittofsctl): read one request line, answer it with a
 * non-blocking send, close. Only the recv goes through the ring.
 */
static void arm_ctl_accept(struct loop *l)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	io_uring_prep_accept(sqe, l->cfd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, OP_CTL_ACCEPT);
}

static void arm_ctl_recv(struct loop *l, struct dfs_ctl_client *cc)
{
	struct io_uring_sqe *sqe = get_sqe(l);

	cc->recv_armed = true;
	io_uring_prep_recv(sqe, cc->fd, cc->buf + cc->len, sizeof(cc->buf) - cc->len, 0);
	io_uring_sqe_set_data64(sqe, (uintptr_t)cc | OP_CTL_RECV);
}

static void ctl_client_free(struct loop *l, struct dfs_ctl_client *cc)
{
	struct dfs_ctl_client **pp;

	for (pp = &l->ctl_clients; *pp; pp = &(*pp)->next) {
		if (*pp == cc) {
			*pp = cc->next;
			l->nctl--;
			break;
		}
	}
	close(cc->fd);
	free(cc);
}

static void on_ctl_accept(struct loop *l, int res)
{
	struct dfs_ctl_client *cc;

	arm_ctl_accept(l);
	if (res < 0) {
		log_err("control socket accept: %s", strerror(-res));
		return;
	}
	if (!dfs_ctl_peer_ok(res)) {
		log_info("control: refused a client that is neither root nor our user");
		close(res);
		return;
	}
	cc = l->nctl < DFS_CTL_MAX_CLIENTS ? calloc(1, sizeof(*cc)) : NULL;
	if (!cc) {
		struct dfs_ctl_client tmp = { .fd = res };

		dfs_ctl_client_error(&tmp, "too many dittofsctl clients at once; try again");
		close(res);
		return;
	}
	cc->fd = res;
	cc->created_ms = dfs_monotonic_ms();
	cc->next = l->ctl_clients;
	l->ctl_clients = cc;
	l->nctl++;
	arm_ctl_recv(l, cc);
}

static void on_ctl_recv(struct loop *l, struct dfs_ctl_client *cc, int res)
{
	const char *why = NULL;
	int rc;

	cc->recv_armed = false;
	if (res <= 0) {
		ctl_client_free(l, cc);
		return;
	}
	rc = dfs_ctl_client_input(cc, (u32)res, &why);
	if (rc == 0) {
		arm_ctl_recv(l, cc);
		return;
	}
	if (rc < 0) {
		dfs_ctl_client_error(cc, why);
	} else {
		dfs_ctl_client_answer(l->srv, cc);
		/* "session kill" marks connections: close them now, not at the tick */
		close_expired(l);
	}
	ctl_client_free(l, cc);
}

/* A control client that never finishes its line is cut off. */
static void ctl_timeouts(struct loop *l)
{
	u64 now = dfs_monotonic_ms();
	struct dfs_ctl_client *cc;

	for (cc = l->ctl_clients; cc; cc = cc->next)
		if (now - cc->created_ms > DFS_CTL_TIMEOUT_MS)
			shutdown(cc->fd, SHUT_RDWR);	/* its recv completes with 0 */
}

static void on_timer(struct loop *l)
{
	arm_timer(l);
	dfs_server_tick(l->srv);
	close_expired(l);
	ctl_timeouts(l);
}

static void dispatch_cqe(struct loop *l, struct io_uring_cqe *cqe)
{
	uint64_t data = io_uring_cqe_get_data64(cqe);
	void *obj = (void *)(uintptr_t)(data & ~(uint64_t)OP_MASK);
	struct dfs_conn *c = obj;

	switch (data & OP_MASK) {
	case OP_ACCEPT:
		on_accept(l, cqe->res);
		break;
	case OP_TIMER:
		on_timer(l);
		break;
	case OP_EVENT:
		l->srv->on_event(l->srv);
		arm_event(l);
		break;
	case OP_NOTIFY:
		dfs_notify_on_event(l->srv);
		arm_notify(l);
		break;
	case OP_RECV:
		on_recv(l, c, cqe->res);
		break;
	case OP_SEND:
		on_send(l, c, cqe->res);
		break;
	case OP_CTL_ACCEPT:
		on_ctl_accept(l, cqe->res);
		break;
	case OP_CTL_RECV:
		on_ctl_recv(l, obj, cqe->res);
		break;
	}
}

int dfs_loop_run(struct dfs_server *srv, int listen_fd)
{
	struct sigaction sa = { 0 };
	struct loop l = { 0 };
	int rc;

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = io_uring_queue_init(256, &l.ring, 0);
	if (rc) {
		log_err("io_uring_queue_init: %s (is io_uring disabled by sysctl or seccomp?)",
			strerror(-rc));
		return -1;
	}
	l.srv = srv;
	l.lfd = listen_fd;
	l.cfd = srv->ctl ? srv->ctl->fd : -1;
	running = &l;
	/* in kernel mode dittofs.ko accepts: we only hear its events */
	if (l.lfd >= 0)
		arm_accept(&l);
	if (srv->on_event && srv->event_fd >= 0)
		arm_event(&l);
	l.nfd = dfs_notify_init(srv);
	if (l.nfd >= 0)
		arm_notify(&l);
	arm_timer(&l);
	if (l.cfd >= 0)
		arm_ctl_accept(&l);
	while (!stop_requested) {
		struct io_uring_cqe *cqe;

		io_uring_submit(&l.ring);
		rc = io_uring_wait_cqe(&l.ring, &cqe);
		if (reload_requested)
			reload_on_hup(srv);
		if (rc == -EINTR)
			continue;
		if (rc) {
			log_err("io_uring_wait_cqe: %s", strerror(-rc));
			break;
		}
		dispatch_cqe(&l, cqe);
		io_uring_cqe_seen(&l.ring, cqe);
		/* outside any handler: the closing holder is fully gone */
		if (srv->oplock_retry_due)
			dfs_oplock_run_retries(srv);
	}
	log_info("stopping");
	running = NULL;
	while (srv->conns)
		dfs_conn_free(srv->conns);
	io_uring_queue_exit(&l.ring);
	dfs_notify_exit(srv);
	/* their recvs ended with the ring */
	while (l.ctl_clients)
		ctl_client_free(&l, l.ctl_clients);
	return stop_requested ? 0 : -1;
}

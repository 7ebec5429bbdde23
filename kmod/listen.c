// SPDX-License-Identifier: GPL-2.0-only
/*
 * listen.c - listening sockets handed over by DITTOFS_CMD_LISTEN. The
 * daemon binds and listens (so it picks addresses, ports and socket
 * options); the kernel takes a reference on the socket and runs one accept
 * kthread per listener. Each accepted socket becomes a connection.
 *
 * The accept is non-blocking and the thread sleeps on the socket's wait
 * queue, so kthread_stop() ends it at once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/in.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "dittofs.h"

struct dfs_listener {
	struct list_head node;
	struct socket *sock;		/* sockfd_lookup() reference */
	struct task_struct *task;
	u32 max_frame;
};

static DEFINE_MUTEX(dfs_listen_lock);
static LIST_HEAD(dfs_listeners);

static bool dfs_accept_ready(struct sock *sk)
{
	return !reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue);
}

static int dfs_accept_thread(void *arg)
{
	struct dfs_listener *l = arg;
	struct sock *sk = l->sock->sk;
	struct socket *newsock;
	int ret;

	while (!kthread_should_stop()) {
		ret = kernel_accept(l->sock, &newsock, O_NONBLOCK);
		if (ret == -EAGAIN) {
			wait_event_interruptible_timeout(*sk_sleep(sk),
				kthread_should_stop() || dfs_accept_ready(sk),
				HZ);
			continue;
		}
		if (ret) {
			/* e.g. the daemon shut the socket down: wait to be stopped */
			pr_info_ratelimited("accept: %d\n", ret);
			schedule_timeout_interruptible(HZ / 4);
			continue;
		}
		ret = dfs_conn_start(newsock, l->max_frame);
		if (ret) {
			pr_warn_ratelimited("cannot start a connection: %d\n", ret);
			sock_release(newsock);
		}
	}
	return 0;
}

int dfs_listen_add(int fd, u32 max_frame)
{
	struct dfs_listener *l, *old;
	struct socket *sock;
	struct sock *sk;
	int ret;

	sock = sockfd_lookup(fd, &ret);
	if (!sock)
		return ret;
	sk = sock->sk;
	if (!sk || (sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN) {
		ret = -EINVAL;
		goto err_sock;
	}
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		ret = -ENOMEM;
		goto err_sock;
	}
	l->sock = sock;
	l->max_frame = max_frame;

	mutex_lock(&dfs_listen_lock);
	list_for_each_entry(old, &dfs_listeners, node) {
		if (old->sock == sock) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	l->task = kthread_run(dfs_accept_thread, l, "dittofs-accept");
	if (IS_ERR(l->task)) {
		ret = PTR_ERR(l->task);
		goto err_unlock;
	}
	list_add_tail(&l->node, &dfs_listeners);
	mutex_unlock(&dfs_listen_lock);
	return 0;

err_unlock:
	mutex_unlock(&dfs_listen_lock);
	kfree(l);
err_sock:
	sockfd_put(sock);
	return ret;
}

void dfs_listen_stop_all(void)
{
	struct dfs_listener *l, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&dfs_listen_lock);
	list_splice_init(&dfs_listeners, &gone);
	mutex_unlock(&dfs_listen_lock);
	list_for_each_entry_safe(l, tmp, &gone, node) {
		kthread_stop(l->task);
		sockfd_put(l->sock);
		kfree(l);
	}
}

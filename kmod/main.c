// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - dittofs.ko: the SMB3 server's kernel data plane.
 *
 * At load: the crypto glue is set up and must pass its known-answer tests,
 * then the DITTOFS generic netlink family is registered. dittofsd finds the
 * family, claims the control socket and hands listening sockets over; the
 * module then owns the connections and asks the daemon about every request
 * it does not serve itself. The design is in Documentation/architecture.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>

#include "crypto.h"
#include "dittofs.h"
#include "netlink.h"
#include "version.h"

static int __init dfs_mod_init(void)
{
	int ret;

	ret = dfs_crypto_init();
	if (ret) {
		pr_err("crypto setup failed: %d\n", ret);
		return ret;
	}
	ret = dfs_crypto_selftest();
	if (ret)
		goto err_crypto;
	ret = dfs_conn_init();
	if (ret)
		goto err_crypto;
	ret = dfs_genl_init();
	if (ret) {
		pr_err("cannot register the netlink family: %d\n", ret);
		goto err_conn;
	}
	pr_info("DittoFS " DITTOFS_MODULE_VERSION " loaded\n");
	return 0;

err_conn:
	dfs_conn_exit();
err_crypto:
	dfs_crypto_exit();
	return ret;
}

/*
 * The daemon first (no operation runs and nothing goes up after this), then
 * the listeners, then every connection (their workers release sockets and
 * session keys), then the trees and opens (file references).
 */
static void __exit dfs_mod_exit(void)
{
	dfs_genl_exit();
	dfs_listen_stop_all();
	dfs_conn_exit();
	dfs_state_purge_all();
	dfs_crypto_exit();
	pr_info("unloaded\n");
}

module_init(dfs_mod_init);
module_exit(dfs_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DittoFS SMB3 server kernel data plane");
MODULE_VERSION(DITTOFS_MODULE_VERSION);

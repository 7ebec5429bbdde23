// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * privs.c - once listening, dittofsd keeps only the capabilities it needs
 * to act as each session's user: CAP_SETUID and CAP_SETGID (setfsuid,
 * setfsgid, setgroups), plus CAP_NET_ADMIN in kernel mode, which the
 * module's netlink family requires of every message. Everything else goes, from the effective,
 * permitted, inheritable and bounding sets, so a file system operation done
 * as fsuid 0 gets no DAC override either: a user mapped to root is held to
 * the permission bits like anyone else. no_new_privs stops execve gaining
 * any back.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "userd/log.h"
#include "userd/privs.h"

#define KEEP ((1u << CAP_SETUID) | (1u << CAP_SETGID))
#define KEEP_KERNEL (KEEP | (1u << CAP_NET_ADMIN))

static int set_caps(unsigned int keep)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = keep;
	data[0].permitted = keep;
	return (int)syscall(SYS_capset, &hdr, data);
}

static void drop_bounding_set(unsigned int keep)
{
	int cap;

	for (cap = 0; cap <= 63; cap++) {
		if (cap < 32 && (keep & (1u << cap)))
			continue;
		/* EINVAL past the kernel's last capability: stop there */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;
	}
}

int dfs_drop_privileges(bool keep_net_admin)
{
	unsigned int keep = keep_net_admin ? KEEP_KERNEL : KEEP;

	if (geteuid() != 0) {
		log_info("not running as root: files are accessed as uid %u for every user",
			 (unsigned int)geteuid());
		return 0;
	}
	drop_bounding_set(keep);
	if (set_caps(keep)) {
		log_err("capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	log_verbose("capabilities dropped to CAP_SETUID, CAP_SETGID%s",
		    keep_net_admin ? ", CAP_NET_ADMIN" : "");
	return 0;
}

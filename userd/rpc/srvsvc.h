/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srvsvc.h - the Server Service Remote Protocol (MS-SRVS) on the srvsvc
 * pipe: share enumeration and share/server information, which is what
 * "smbclient -L" and Windows Explorer ask of a server.
 *
 * The call context (the ctx of dfs_rpc_write) is a struct srvsvc_caller:
 * the server, read at call time so a reloaded configuration is what is
 * listed, and whether the caller has no account at all.
 */
#ifndef DITTOFSD_RPC_SRVSVC_H
#define DITTOFSD_RPC_SRVSVC_H

#include "userd/rpc/dcerpc.h"

#define SRVSVC_OPNUM_NETSHAREENUMALL	15
#define SRVSVC_OPNUM_NETSHAREGETINFO	16
#define SRVSVC_OPNUM_NETSHARECHECK	20
#define SRVSVC_OPNUM_NETSERVERGETINFO	21
#define SRVSVC_OPNUM_NETSHAREENUMSTICKY	36

/* Win32 error codes srvsvc answers with (the WERROR at the stub's end) */
#define WERR_OK			0x00000000u
#define WERR_ACCESS_DENIED	0x00000005u
#define WERR_INVALID_LEVEL	0x0000007Cu
#define WERR_NERR_NETNAMENOTFOUND 0x00000906u
#define WERR_NERR_DEVICENOTSHARED 0x00000907u

/* shi*_type (MS-SRVS 2.2.2.4) */
#define STYPE_DISKTREE		0x00000000u
#define STYPE_IPC		0x00000003u
#define STYPE_SPECIAL		0x80000000u

struct dfs_server;

struct srvsvc_caller {
	const struct dfs_server *srv;
	bool anonymous;		/* a null session: names, but no paths */
};

/* The srvsvc interface: 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 */
extern const struct dfs_rpc_iface dfs_srvsvc_iface;

#endif /* DITTOFSD_RPC_SRVSVC_H */

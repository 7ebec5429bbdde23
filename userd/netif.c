// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * netif.c - FSCTL_QUERY_NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5,
 * 3.3.5.15.11): the addresses a multichannel client may open further
 * channels to.
 *
 * With a specific "listen address" only the interface that carries it is
 * listed (other addresses would not answer); with a wildcard address every
 * interface that is up, of the listening family (both for "::"), apart
 * from loopback. Link speed comes from /sys/class/net/IF/speed (Mb/s) and
 * is 1 Gb/s where that is unreadable (loopback, virtual interfaces).
 * Capability is 0: no RSS, no RDMA.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "userd/smb2_channel.h"
#include "userd/config.h"

#define NETIF_ENTRY 152		/* NETWORK_INTERFACE_INFO with its SockAddr_Storage */
#define NETIF_DEFAULT_SPEED 1000000000ull
#define AF_WIRE_INET 0x0002
#define AF_WIRE_INET6 0x0017

/* Bits per second of interface name, or the documented default. */
static u64 link_speed(const char *name)
{
	char path[64 + IF_NAMESIZE];
	long mbps = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/speed", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &mbps) != 1)
			mbps = -1;
		fclose(f);
	}
	return mbps > 0 ? (u64)mbps * 1000000ull : NETIF_DEFAULT_SPEED;
}

/* What the listening socket accepts: one address, or any of families. */
struct listen_filter {
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC for "::" */
	bool any;
	struct in_addr v4;
	struct in6_addr v6;
};

static void parse_listen(const char *addr, struct listen_filter *lf)
{
	memset(lf, 0, sizeof(*lf));
	if (inet_pton(AF_INET, addr, &lf->v4) == 1) {
		lf->family = AF_INET;
		lf->any = lf->v4.s_addr == htonl(INADDR_ANY);
	} else if (inet_pton(AF_INET6, addr, &lf->v6) == 1) {
		lf->any = IN6_IS_ADDR_UNSPECIFIED(&lf->v6);
		lf->family = lf->any ? AF_UNSPEC : AF_INET6;
	} else {
		lf->family = AF_UNSPEC;	/* a name: offer everything */
		lf->any = true;
	}
}

static bool wanted(const struct ifaddrs *ifa, const struct listen_filter *lf)
{
	int fam;

	if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP))
		return false;
	fam = ifa->ifa_addr->sa_family;
	if (fam != AF_INET && fam != AF_INET6)
		return false;
	if (lf->family != AF_UNSPEC && fam != lf->family)
		return false;
	if (lf->any)
		return !(ifa->ifa_flags & IFF_LOOPBACK);
	if (fam == AF_INET)
		return ((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr.s_addr ==
		       lf->v4.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr,
		       &lf->v6, sizeof(lf->v6));
}

/* One NETWORK_INTERFACE_INFO at p (zeroed, NETIF_ENTRY bytes). */
static void put_entry(u8 *p, const struct ifaddrs *ifa)
{
	u8 *sa = p + 24;

	dfs_put_le32(p + 4, if_nametoindex(ifa->ifa_name));
	dfs_put_le32(p + 8, 0);				/* Capability */
	dfs_put_le64(p + 16, link_speed(ifa->ifa_name));
	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ifa->ifa_addr;

		dfs_put_le16(sa, AF_WIRE_INET);
		memcpy(sa + 4, &in->sin_addr, 4);	/* Port stays 0 */
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ifa->ifa_addr;

		dfs_put_le16(sa, AF_WIRE_INET6);
		memcpy(sa + 8, &in6->sin6_addr, 16);
	}
}

u32 dfs_network_interfaces(const struct dfs_server *srv, u8 *out, u32 cap,
			   u32 *out_len)
{
	struct listen_filter lf;
	struct ifaddrs *list, *ifa;
	u8 *prev = NULL;
	u32 used = 0;
	bool truncated = false;

	if (!dfs_multichannel_enabled(srv))
		return STATUS_NOT_SUPPORTED;
	if (getifaddrs(&list))
		return STATUS_INSUFFICIENT_RESOURCES;
	parse_listen(srv->cfg->listen_addr, &lf);
	for (ifa = list; ifa; ifa = ifa->ifa_next) {
		if (!wanted(ifa, &lf))
			continue;
		if (cap - used < NETIF_ENTRY) {
			truncated = true;
			break;
		}
		memset(out + used, 0, NETIF_ENTRY);
		put_entry(out + used, ifa);
		if (prev)
			dfs_put_le32(prev, NETIF_ENTRY);	/* Next */
		prev = out + used;
		used += NETIF_ENTRY;
	}
	freeifaddrs(list);
	*out_len = used;
	if (!used)
		return truncated ? STATUS_BUFFER_TOO_SMALL : STATUS_NOT_SUPPORTED;
	return STATUS_SUCCESS;
}

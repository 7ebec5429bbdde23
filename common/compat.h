/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * compat.h - the only header common/ includes from outside itself.
 *
 * common/ is compiled into dittofs.ko and into dittofsd. In the kernel the
 * types and string helpers come from <linux/...>; in userspace we build it
 * with libc, and `make freestanding` builds it with -ffreestanding -nostdinc,
 * where everything here is spelled with compiler builtins.
 */
#ifndef DITTOFS_COMPAT_H
#define DITTOFS_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#elif __STDC_HOSTED__
/* dittofsd, its tools and tests: the ordinary C library headers */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
#else
/* the -ffreestanding -nostdinc check build: compiler builtins only */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT32_TYPE__ s32;
typedef __INT64_TYPE__ s64;
typedef __SIZE_TYPE__ size_t;
#ifndef __cplusplus
typedef _Bool bool;
#define true 1
#define false 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif
#define memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define memset(d, c, n) __builtin_memset((d), (c), (n))
#define memcmp(a, b, n) __builtin_memcmp((a), (b), (n))
#define memmove(d, s, n) __builtin_memmove((d), (s), (n))
/* errno values common/ returns (negated), same numbers as Linux */
#define EINVAL 22
#define ENOMEM 12
#define EAGAIN 11
#define EMSGSIZE 90
#define EBADMSG 74
#define EPROTO 71
#define ENOSPC 28
#define EPERM 1
#define EACCES 13
#define ENOENT 2
#define EOPNOTSUPP 95
#define ESTALE 116
#endif

#define DFS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DFS_ALIGN8(x) (((x) + 7u) & ~7u)

/* Little-endian accessors: wire fields are unaligned, so go byte by byte. */
static inline u16 dfs_get_le16(const u8 *p)
{
	return (u16)(p[0] | (p[1] << 8));
}

static inline u32 dfs_get_le32(const u8 *p)
{
	return (u32)p[0] | ((u32)p[1] << 8) | ((u32)p[2] << 16) |
	       ((u32)p[3] << 24);
}

static inline u64 dfs_get_le64(const u8 *p)
{
	return (u64)dfs_get_le32(p) | ((u64)dfs_get_le32(p + 4) << 32);
}

static inline u32 dfs_get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) |
	       (u32)p[3];
}

static inline void dfs_put_le16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void dfs_put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

static inline void dfs_put_le64(u8 *p, u64 v)
{
	dfs_put_le32(p, (u32)v);
	dfs_put_le32(p + 4, (u32)(v >> 32));
}

static inline void dfs_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

/*
 * Is [off, off+len) inside a buffer of size total? Written so that no
 * addition can wrap: every wire length goes through this before use.
 */
static inline bool dfs_range_ok(u64 off, u64 len, u64 total)
{
	return off <= total && len <= total - off;
}

/* Constant-time compare for MACs and signatures. */
static inline bool dfs_ct_equal(const u8 *a, const u8 *b, size_t n)
{
	u8 d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

#endif /* DITTOFS_COMPAT_H */

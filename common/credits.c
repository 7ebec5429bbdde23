// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * credits.c - command sequence window.
 *
 * The window is [lo, hi). A bitmap remembers which ids inside it were used,
 * so ids may arrive out of order (compounds, multi-credit requests) yet none
 * is accepted twice. lo advances past every used id at the bottom.
 */
#include "credits.h"

static bool bit_test(const struct dfs_credits *c, u64 i)
{
	return c->used[(i / 64) % DFS_ARRAY_SIZE(c->used)] & (1ull << (i % 64));
}

static void bit_set(struct dfs_credits *c, u64 i)
{
	c->used[(i / 64) % DFS_ARRAY_SIZE(c->used)] |= 1ull << (i % 64);
}

static void bit_clear(struct dfs_credits *c, u64 i)
{
	c->used[(i / 64) % DFS_ARRAY_SIZE(c->used)] &= ~(1ull << (i % 64));
}

void dfs_credits_init(struct dfs_credits *c, u32 max)
{
	memset(c, 0, sizeof(*c));
	c->lo = 0;
	c->hi = 1;
	c->max = (max == 0 || max > DFS_CREDITS_MAX) ? DFS_CREDITS_MAX : max;
}

int dfs_credits_consume(struct dfs_credits *c, u64 mid, u16 charge)
{
	u64 n = charge ? charge : 1;
	u64 i;

	if (mid < c->lo || mid >= c->hi || n > c->hi - mid)
		return -EINVAL;
	/*
	 * Bits are indexed by absolute MessageId modulo the bitmap size;
	 * hi - lo never exceeds the bitmap, so ids in the window never alias.
	 */
	for (i = mid; i < mid + n; i++)
		if (bit_test(c, i))
			return -EINVAL;
	for (i = mid; i < mid + n; i++)
		bit_set(c, i);
	while (c->lo < c->hi && bit_test(c, c->lo)) {
		bit_clear(c, c->lo);
		c->lo++;
	}
	return 0;
}

u32 dfs_credits_outstanding(const struct dfs_credits *c)
{
	u64 i, n = 0;

	for (i = c->lo; i < c->hi; i++)
		if (!bit_test(c, i))
			n++;
	return (u32)n;
}

u16 dfs_credits_grant(struct dfs_credits *c, u16 charge, u16 requested)
{
	u64 span = c->hi - c->lo;
	u64 room, want;

	/*
	 * Grant what was asked (at least what the request cost, so a client
	 * that asks for nothing does not starve), bounded so the window never
	 * spans more than max ids.
	 */
	want = requested;
	if (want < (charge ? charge : 1))
		want = charge ? charge : 1;
	room = span >= c->max ? 0 : c->max - span;
	if (want > room)
		want = room;
	if (want == 0 && dfs_credits_outstanding(c) == 0 && span < DFS_CREDITS_MAX)
		want = 1;
	c->hi += want;
	return (u16)want;
}

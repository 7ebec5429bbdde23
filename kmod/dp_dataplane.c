// SPDX-License-Identifier: GPL-2.0-only
/*
 * common/dataplane.c, the freestanding data plane shared with dittofsd, compiled
 * into dittofs.ko (common/compat.h maps it onto <linux/...>).
 */
#include "../common/dataplane.c"

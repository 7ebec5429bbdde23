/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef DITTOFS_KMOD_VERSION_H
#define DITTOFS_KMOD_VERSION_H

#define DITTOFS_MODULE_VERSION "0.1.0"

#endif /* DITTOFS_KMOD_VERSION_H */

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_smoke.sh - the harness's own check: the guest sees the checkout,
# has loopback and a private /tmp. "tests/vm/run.sh smoke" times a boot.
set -u
echo "smoke: $(uname -r) on $(nproc) CPUs, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB"
[[ -d $VMTEST_REPO/tests/vm ]] || { echo "smoke: checkout not visible"; exit 1; }
ip link show lo | grep -q "[<,]UP[,>]" || { echo "smoke: lo is down"; exit 1; }
[[ $(stat -f -c %T /tmp) == tmpfs ]] || { echo "smoke: /tmp is not a tmpfs"; exit 1; }
echo "smoke: ok"

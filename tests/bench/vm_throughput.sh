#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vm_throughput.sh - a benchmark, not a test: encrypted SMB 3.1.1 write and
# read throughput of dittofsd in kernel mode (dittofs.ko), dittofsd in user
# mode and Samba's smbd, through the Linux cifs client and through
# smbclient, all inside one boot of the vmtest guest (tests/vm/run.sh bench,
# which runs tests/vm/guest_bench.sh). Prints the guest's table of medians
# and ratios at the end.
#
#   tests/bench/vm_throughput.sh
#   SIZE_MB=16 N=5 tests/bench/vm_throughput.sh
#   SERVERS="kernel samba" tests/bench/vm_throughput.sh
#
# Environment:
#   SIZE_MB      file size in MiB (default 32)
#   N            rounds (default 3)
#   SERVERS      subset of "kernel user samba" (default all three)
#   VM_TIMEOUT   seconds for the whole VM run (default 1800)
#   STEP_TIMEOUT seconds per transfer, mount or server start in the guest
#                (default 300)
#   BUILD, KVER, VM_MEM, VM_SMP, VM_ACCEL, ...   as for tests/vm/run.sh
#
# Under TCG the guest runs 10-50x slower than the host and the numbers move
# with the host's load: compare the servers within one run, not runs with
# each other. The exit status is run.sh's (0 only for VMTEST RESULT: PASS).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$REPO_DIR/$BUILD ;;
esac

# run.sh hands KERNEL_* and STEP_TIMEOUT variables on to the guest
export KERNEL_BENCH_SIZE_MB=${SIZE_MB:-32}
export KERNEL_BENCH_N=${N:-3}
export KERNEL_BENCH_SERVERS=${SERVERS:-kernel user samba}
export STEP_TIMEOUT=${STEP_TIMEOUT:-300}
export VM_TIMEOUT=${VM_TIMEOUT:-1800}
export BUILD

[[ $KERNEL_BENCH_SIZE_MB =~ ^[1-9][0-9]*$ && $KERNEL_BENCH_N =~ ^[1-9][0-9]*$ ]] || {
	echo "vm_throughput: SIZE_MB and N must be positive integers" >&2
	exit 2
}

rc=0
"$REPO_DIR/tests/vm/run.sh" bench || rc=$?

console=$BUILD_DIR/vm/console.log
echo
if [[ -f $console ]] && grep -q '^BENCH TABLE BEGIN' "$console"; then
	awk '/^BENCH TABLE BEGIN/ { on = 1; next } /^BENCH TABLE END/ { on = 0 } on' "$console"
	echo "(ratio = dittofs / samba; in one TCG guest, compare within this run only;"
	echo " rounds and timings: ${console#"$REPO_DIR"/})"
else
	echo "vm_throughput: no table in ${console#"$REPO_DIR"/}; the guest did not get that far" >&2
	((rc != 0)) || rc=1
fi
exit "$rc"

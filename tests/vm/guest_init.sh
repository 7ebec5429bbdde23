#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_init.sh - PID 1 of the vmtest guest after switch_root (the host's root,
# read-only, under a tmpfs overlay). Sets up a minimal system, runs each
# script of vmtest.scripts= (comma separated) in order, writes the verdict,
# the kernel log and timings to the "results" 9p share, prints
# "VMTEST GUEST RESULT: PASS|FAIL" and powers off.
#
# A guest script passes by exiting 0; its output goes to the console.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

up=$(cut -d' ' -f1 /proc/uptime)

mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm
# devtmpfs has no /dev/fd (udev makes it): bash process substitution needs it
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /vmresults
mount -t 9p -o trans=virtio,version=9p2000.L results /vmresults ||
	echo "guest_init: cannot mount the results share"
hostname vmtest
ip link set lo up
# keep kernel messages off the console so the test output stays readable;
# the full log is saved at the end
dmesg -n 1

scripts='' repo='' build=''
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmtest.scripts=*) scripts=${arg#vmtest.scripts=} ;;
	vmtest.repo=*) repo=${arg#vmtest.repo=} ;;
	vmtest.build=*) build=${arg#vmtest.build=} ;;
	esac
done
export VMTEST_REPO=$repo VMTEST_BUILD=$build VMTEST_RESULTS=/vmresults
# settings from the host (run.sh writes the file)
[[ -f /vmresults/env ]] && . /vmresults/env

echo "guest_init: up after ${up}s; kernel $(uname -r)"
result=PASS
timing=()
IFS=, read -r -a list <<<"$scripts"
for s in "${list[@]}"; do
	name=$(basename "$s" .sh)
	echo "===== $name"
	t0=$(cut -d' ' -f1 /proc/uptime)
	rc=0
	(cd /tmp && bash "$s") || rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	timing+=("vmtest: $name took ${took}s (guest clock), exit $rc")
	echo "===== $name: exit $rc after ${took}s"
	((rc == 0)) || result=FAIL
done

{
	echo "vmtest: guest kernel booted to the test init in ${up}s (guest clock)"
	printf '%s\n' "${timing[@]}"
} >/vmresults/timing
dmesg >/vmresults/dmesg.txt 2>&1
echo "$result" >/vmresults/result
sync
umount /vmresults 2>/dev/null
echo "VMTEST GUEST RESULT: $result"
# not the distribution's poweroff: systemd is not running
/bin/busybox poweroff -f
echo o >/proc/sysrq-trigger

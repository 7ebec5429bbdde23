#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_ktorture.sh - the smbtorture conformance suites of tests/integration
# against the kernel mode inside the vmtest guest: dittofs.ko loaded, and
# tests/integration/test_conformance.sh run once per suite with
# DITTOFSD_MODE=kernel, so each suite gets a `dittofsd --mode=kernel` of its
# own (fresh share, state directory, port) whose listening socket the module
# takes over. Every subtest is judged as in user mode (tests/knownfail,
# tests/knownfail.samba) plus tests/knownfail.kernel for what fails only in
# kernel mode; a crash of the daemon is never a known failure.
#
# Around each suite the module's counters (`dittofsctl --json stats`, asked
# with no daemon running, so answered by dittofs.ko) are read: the suite's
# fast-path PDUs, forwarded PDUs, IO verdicts and bytes are printed, and
# the run must have served READ/WRITE in the fast path. Then: the module
# still live, rmmod, no oops/BUG/WARNING in the kernel log. The last line
# is "ktorture: N passed, N failed" (subtest passes included); exit 1 on
# any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO, VMTEST_BUILD.
#   KERNEL_TORTURE_SUITES  the suites (default below)
#   KERNEL_TORTURE_LIMIT   seconds smbtorture may take per suite (default 240;
#                          at least 480 for smb2.lease, whose two 35 s break
#                          timeouts and waits for breaks that must not come
#                          take 221-242 s in the guest; at least 360 for
#                          smb2.oplock, whose break timeouts take 110 s on
#                          the host and 125 s in the guest)
#   KERNEL_TORTURE_FS_MIB  size of the ext4 image the shares live on (512)
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
BUILD_DIR=${VMTEST_BUILD:-$REPO/build}
DITTOFSCTL=$BUILD_DIR/dittofsctl
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
CONFORMANCE=$REPO/tests/integration/test_conformance.sh
SUITES=${KERNEL_TORTURE_SUITES:-smb2.connect smb2.read smb2.rw smb2.credits smb2.compound
smb2.lock smb2.getinfo smb2.ioctl smb2.durable-open smb2.durable-v2-open smb2.lease
smb2.oplock smb2.timestamps smb2.streams}
LIMIT=${KERNEL_TORTURE_LIMIT:-240}
declare -A SUITE_MIN_LIMIT=([smb2.lease]=480 [smb2.oplock]=360)

T=/tmp/ktorture
FS=$T/fs
FS_MIB=${KERNEL_TORTURE_FS_MIB:-512}
TALLY=$T/tally
GUEST_NAME=ktorture
# shellcheck source=tests/vm/guest_lib.sh
. "$REPO/tests/vm/guest_lib.sh"

n_known=0
n_skip=0
declare -A fast_total

COUNTERS=(pdus_fast pdus_forwarded io_verdicts bytes_read bytes_written)

# module_counters: the module's COUNTERS, space separated. No daemon runs
# between suites, so dittofs.ko answers; before any daemon claimed it,
# dittofsctl asks for a daemon and fails, and the counters are all 0.
# Parsed with builtins: a python3 start costs seconds under TCG.
module_counters() {
	local json c v=()
	json=$("$DITTOFSCTL" -c "$T/ctl.conf" --json stats 2>/dev/null) || json=
	for c in "${COUNTERS[@]}"; do
		if [[ $json =~ \"$c\":([0-9]+) ]]; then v+=("${BASH_REMATCH[1]}"); else v+=(0); fi
	done
	echo "${v[*]}"
}

# The suites' shares must keep user.* xattrs (named streams, EAs, DOS
# attributes, security descriptors), as the host's file system does; the
# guest's tmpfs has none before Linux 6.6, so they live on an ext4 image.
scratch_fs() {
	modprobe -q loop
	modprobe -q ext4
	truncate -s "${FS_MIB}M" "$T/fs.img" && mkfs.ext4 -q -F "$T/fs.img" &&
		mkdir -p "$FS" && mount -o loop "$T/fs.img" "$FS" && chmod 1777 "$FS"
}

# run_suite SUITE: test_conformance.sh for SUITE in kernel mode; its
# verdict lines are shown (passes only counted), its counts added up.
run_suite() {
	local suite=$1 out rc=0 t0 t1 after tally name p f k s limit=$LIMIT
	local -a b a
	((limit >= ${SUITE_MIN_LIMIT[$suite]:-0})) || limit=${SUITE_MIN_LIMIT[$suite]}
	read -r t0 _ </proc/uptime
	# Under TCG dittofsd takes seconds to start and to stop: wider bounds
	# than on the host. The suite's smbtorture limit replaces torture.sh's.
	out=$(cd "$FS" && env TMPDIR="$FS" DITTOFSD_MODE=kernel BUILD="$BUILD_DIR" \
		CONFORMANCE_SUITES="$suite" DITTOFS_TALLY="$TALLY" SUITE_NAME=conformance \
		"TORTURE_TIMEOUT_${suite//[.-]/_}=$limit" START_TIMEOUT=120 STOP_TIMEOUT=60 \
		CONFORMANCE_TIMEOUT=$((limit + 300)) KEEP_TMP=0 \
		bash "$CONFORMANCE" 2>&1) || rc=$?
	read -r t1 _ </proc/uptime
	after=$(module_counters)
	read -r -a b <<<"$counters"
	read -r -a a <<<"$after"
	counters=$after
	grep -E '^(FAIL|KNOWNFAIL|SKIP|PASS \(listed)|^    \| ' <<<"$out" | head -n 200 |
		sed "s/^/$GUEST_NAME: /"
	tally=$(tail -n 1 "$TALLY" 2>/dev/null)
	rm -f "$TALLY"
	if ! read -r name p f k s <<<"$tally" || [[ $name != conformance ]]; then
		fail "$suite" "test_conformance.sh exited with status $rc and no counts:" \
			"$(tail -n 30 <<<"$out")"
		return
	fi
	n_pass=$((n_pass + p))
	n_fail=$((n_fail + f))
	n_known=$((n_known + k))
	n_skip=$((n_skip + s))
	((f == 0)) || failed+=("$suite")
	fast_total[pdus]=$((${fast_total[pdus]:-0} + a[0] - b[0]))
	fast_total[bytes]=$((${fast_total[bytes]:-0} + a[3] - b[3] + a[4] - b[4]))
	t0=$((10#${t1/./} - 10#${t0/./}))	# /proc/uptime has centiseconds
	log "$(printf '%-18s %3d passed %2d failed %2d known %2d skipped %4d.%02ds' "$suite" \
		"$p" "$f" "$k" "$s" $((t0 / 100)) $((t0 % 100)))" \
		"$(printf '| fast %d fwd %d verdicts %d read %d written %d' \
			$((a[0] - b[0])) $((a[1] - b[1])) $((a[2] - b[2])) $((a[3] - b[3])) \
			$((a[4] - b[4])))"
}

# --- main ----------------------------------------------------------------

need_files "$BUILD_DIR/dittofsd" "$DITTOFSCTL" "$KO" "$CONFORMANCE"
command -v smbtorture >/dev/null || give_up "smbtorture is missing (package samba-testsuite)"
mkdir -p "$T/state"
chmod 0700 "$T/state"
printf '[global]\nstate directory = %s\n\n[share]\npath = %s\n' "$T/state" "$T" >"$T/ctl.conf"
kernel_log_mark
scratch_fs || give_up "cannot make and mount an ext4 image for the shares"

if [[ -e /sys/module/dittofs ]] || insmod "$KO"; then
	counters=$(module_counters)
	for suite in $SUITES; do
		run_suite "$suite"
	done
	log "$n_known known failures, $n_skip skipped (fail on Samba too)"
	if ((${fast_total[pdus]:-0} > 0 && ${fast_total[bytes]:-0} > 0)); then
		pass "the fast path served READ/WRITE (${fast_total[pdus]} PDUs, ${fast_total[bytes]} bytes)"
	else
		fail "the fast path served READ/WRITE" "dittofs.ko counted ${fast_total[pdus]:-0} PDUs," \
			"${fast_total[bytes]:-0} bytes in all suites" "$("$DITTOFSCTL" -c "$T/ctl.conf" stats 2>&1)"
	fi
	if grep -qx live /sys/module/dittofs/initstate; then pass "dittofs.ko still live"; else
		fail "dittofs.ko is not live"
	fi
	if rmmod dittofs; then pass "rmmod"; else fail "rmmod"; fi
else
	fail "insmod dittofs.ko"
fi
umount "$FS"
kernel_log_check
summary

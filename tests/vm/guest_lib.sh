# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# guest_lib.sh - what the vmtest guest scripts share (source it, do not run
# it). Set GUEST_NAME first: it prefixes every line, and the last line of a
# script is "$GUEST_NAME: N passed, N failed", which run.sh adds up.
#
#   log MSG...                 one line of output
#   pass NAME / fail NAME [DETAIL...]   count a result; DETAIL lines are
#                              printed indented under a failure
#   give_up MSG...             end the script now, as one failure
#   need_files FILE...         every FILE exists, or give_up
#   kernel_log_mark            remember where the kernel log is now
#   kernel_log_check           one result: no oops/BUG/WARNING since the mark;
#                              the new lines are left in KERNEL_LOG_NEW
#   summary                    the failed names and the counts; its status is
#                              the script's verdict
#   vm_keep FILE NAME          copy FILE to the results share as NAME

n_pass=0
n_fail=0
failed=()
KERNEL_LOG_START=0
KERNEL_LOG_NEW=

# what counts as the kernel having gone wrong (run.sh checks the same)
KERNEL_LOG_BAD='Oops|BUG:|WARNING:|KASAN|lockdep|Call Trace'

log() { printf '%s: %s\n' "$GUEST_NAME" "$*"; }

pass() {
	log "PASS: $1"
	n_pass=$((n_pass + 1))
}

fail() { # NAME [DETAIL...]
	log "FAIL: $1"
	n_fail=$((n_fail + 1))
	failed+=("$1")
	shift
	(($# == 0)) || printf '%s\n' "$@" | head -n 30 | sed 's/^/    | /'
}

summary() {
	((n_fail == 0)) || log "failed: $(printf '[%s] ' "${failed[@]}")"
	echo "$GUEST_NAME: $n_pass passed, $n_fail failed"
	((n_fail == 0))
}

# give_up MSG: the script cannot run at all; that is one failure
give_up() {
	log "$*"
	echo "$GUEST_NAME: 0 passed, 1 failed"
	exit 1
}

need_files() { # FILE...
	local f
	for f in "$@"; do
		[[ -e $f ]] || give_up "$f is missing; build first (make, make -C kmod)"
	done
}

kernel_log_mark() { KERNEL_LOG_START=$(dmesg | wc -l); }

kernel_log_check() {
	KERNEL_LOG_NEW=$(dmesg | tail -n +"$((KERNEL_LOG_START + 1))")
	if grep -qE "$KERNEL_LOG_BAD" <<<"$KERNEL_LOG_NEW"; then
		fail "kernel log shows a problem" \
			"$(grep -E -A15 "$KERNEL_LOG_BAD" <<<"$KERNEL_LOG_NEW")"
	else
		pass "no oops or warning in the kernel log"
	fi
}

vm_keep() { # FILE NAME
	[[ -d ${VMTEST_RESULTS:-} && -f $1 ]] && cp "$1" "$VMTEST_RESULTS/$2"
	return 0
}

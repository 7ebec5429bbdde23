#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_kmod.sh - dittofs.ko inside the vmtest guest: insmod, the crypto
# self-test line, the DITTOFS generic netlink family and its HELLO
# handshake (as root, with a wrong version, without CAP_NET_ADMIN), rmmod,
# and no oops/WARNING in the kernel log. Exit 1 on any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO.
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
HELLO=$REPO/tests/vm/genl_hello.py
n_pass=0
n_fail=0

log() { printf 'kmod: %s\n' "$*"; }

check() { # NAME CMD...
	local name=$1 out rc=0
	shift
	out=$(timeout -k 5 60 "$@" 2>&1) || rc=$?
	if ((rc == 0)); then
		log "PASS: $name"
		n_pass=$((n_pass + 1))
	else
		log "FAIL: $name (exit $rc)"
		n_fail=$((n_fail + 1))
	fi
	[[ -n $out ]] && printf '    | %s\n' "${out//$'\n'/$'\n'    | }"
	return "$rc"
}

[[ -f $KO ]] || {
	log "FAIL: $KO is missing (make -C kmod)"
	exit 1
}
if [[ $(modinfo -F vermagic "$KO" | cut -d' ' -f1) != "$(uname -r)" ]]; then
	log "FAIL: $KO was built for $(modinfo -F vermagic "$KO" | cut -d' ' -f1), this is $(uname -r)"
	exit 1
fi

dmesg_before=$(dmesg | wc -l)
t0=$(date +%s.%N)
if check "insmod" insmod "$KO"; then
	t1=$(date +%s.%N)
	log "insmod took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
	check "module is live" grep -qx live /sys/module/dittofs/initstate
	check "crypto self-test passed" bash -c \
		"dmesg | grep -E 'dittofs: crypto self-test: [0-9]+/[0-9]+ passed' | tail -n 1 | grep -v failed"
	if command -v genl >/dev/null; then
		check "genl ctrl lists DITTOFS" bash -c 'genl ctrl get name DITTOFS'
	fi
	check "HELLO handshake" python3 "$HELLO"
	check "HELLO with a wrong version is refused" python3 "$HELLO" --version 99 \
		--expect-errno EPROTONOSUPPORT
	check "HELLO without CAP_NET_ADMIN is refused" setpriv --reuid=65534 \
		--regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		python3 "$HELLO" --expect-errno EPERM
	check "rmmod" rmmod dittofs
	check "module is gone" bash -c '! test -e /sys/module/dittofs'
	check "family is gone" python3 "$HELLO" --expect-errno ENOENT
	# once more: a second load/unload finds everything released
	check "insmod again" insmod "$KO" && check "rmmod again" rmmod dittofs
fi

new=$(dmesg | tail -n +"$((dmesg_before + 1))")
printf '%s\n' "$new" | sed 's/^/    | dmesg: /'
if grep -qE 'Oops|BUG:|WARNING:|KASAN|lockdep|Call Trace' <<<"$new"; then
	log "FAIL: kernel log shows a problem"
	n_fail=$((n_fail + 1))
else
	log "PASS: no oops or warning in the kernel log"
	n_pass=$((n_pass + 1))
fi
echo "kmod: $n_pass passed, $n_fail failed"
((n_fail == 0))

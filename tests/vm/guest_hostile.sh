#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_hostile.sh - the hostile client (tests/integration/test_hostile.py)
# against the kernel mode inside the vmtest guest: dittofs.ko owns the
# socket, frames and credits, signing and the transform, so the cases that
# attack those reach the module's code, not dittofsd's event loop.
#
#   - "plain" group (default policy): truncated frames, a length past the
#     bytes sent, 0-byte and 16 MiB+ frames, bad protocol ids and NetBIOS
#     types, 20 connections announcing 8 MiB frames and sending 100 bytes
#     (MemAvailable must not fall by 40 MiB), MessageId replay and outside the window, a CreditCharge lie,
#     compounds pointing past the end / unaligned / 1000 PDUs long / first
#     PDU related, another user's SessionId/TreeId/FileId, a SESSION_SETUP
#     flood, idle connections, a slow sender
#   - "signing" group (server signing = mandatory): a stripped and a forged
#     signature
#   - "encrypt" group (smb encrypt = required): plaintext on a sealed session
#   - kernel memory per connection (conn_memory.py): 200 idle connections,
#     then 50 that completed a NEGOTIATE; Slab + VmallocUsed and the
#     module's buffer_bytes may grow by at most 64 KiB a connection
# After each case test_hostile.py checks a fresh impacket client still reads
# README.txt unchanged. Then: smbclient put/get compared byte for byte, the
# module still live, and no oops/BUG/WARNING/KASAN in the kernel log.
# The last line is "hostile: N passed, N failed"; exit 1 on any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO, VMTEST_BUILD.
#   KERNEL_HOSTILE_FLOOD  SESSION_SETUP flood size (default 40)
#   KERNEL_HOSTILE_IDLE   idle connections (default 30)
#   KERNEL_MEM_IDLE, KERNEL_MEM_NEG, KERNEL_MEM_LIMIT_KIB  conn_memory.py's
#                         idle and negotiated connections and bound (200,
#                         50, 64)
#   STEP_TIMEOUT          seconds per group (default 120)
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
BUILD_DIR=${VMTEST_BUILD:-$REPO/build}
DITTOFSD=$BUILD_DIR/dittofsd
DITTOFSCTL=$BUILD_DIR/dittofsctl
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
HOSTILE_PY=$REPO/tests/integration/test_hostile.py
CONN_MEMORY_PY=$REPO/tests/vm/conn_memory.py
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
FLOOD=${KERNEL_HOSTILE_FLOOD:-40}
IDLE=${KERNEL_HOSTILE_IDLE:-30}

T=/tmp/hostile
SHARE=$T/share
CONF=$T/dittofs.conf
SERVER_LOG=$T/dittofsd.log
SMB_USER=ditto
SMB_PASS=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
BOB_PASS=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)

server_pid=
GUEST_NAME=hostile
# shellcheck source=tests/vm/guest_lib.sh
. "$REPO/tests/vm/guest_lib.sh"

write_conf() { # [GLOBAL_LINE...]
	{
		printf '[global]\nlisten address = 127.0.0.1\nport = 445\n'
		printf 'state directory = %s\nlog level = 1\n' "$T/state"
		printf '%s\n' "$@"
		printf '\n[share]\npath = %s\nread only = no\nguest ok = no\n' "$SHARE"
	} >"$CONF"
}

ctl() { "$DITTOFSCTL" -c "$CONF" "$@"; }

# The module keeps listening while no daemon runs, so a connect alone does
# not prove the new dittofsd has claimed it: wait for stats to show both.
start_server() {
	"$DITTOFSD" -c "$CONF" --mode=kernel 2>>"$SERVER_LOG" &
	server_pid=$!
	for _ in $(seq 300); do
		kill -0 "$server_pid" 2>/dev/null || break
		ctl --json stats 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(not (d["daemon"] and d["kernel"]["dittofsd_registered"]))' 2>/dev/null && return 0
		sleep 0.2
	done
	echo "dittofsd --mode=kernel did not register with dittofs.ko; its log:"
	tail -n 30 "$SERVER_LOG"
	return 1
}

stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}

# run_group GROUP: test_hostile.py's cases of GROUP, one result per line.
# --pid is dittofsd's: its RSS must not grow with the flood (in kernel mode
# the SESSION_SETUPs go up to it; oversized frames must not). --kernel: the
# frames are dittofs.ko's, so announced-but-unsent ones are also measured
# by the guest's MemAvailable.
run_group() {
	local group=$1 out rc=0 line name t0 t1
	read -r t0 _ </proc/uptime
	out=$(timeout -k 5 "$STEP_TIMEOUT" /usr/bin/python3 "$HOSTILE_PY" --port 445 \
		--pid "$server_pid" --user "$SMB_USER" --password "$SMB_PASS" \
		--user2 bob --password2 "$BOB_PASS" --share share --share-dir "$SHARE" \
		--group "$group" --flood "$FLOOD" --idle "$IDLE" --kernel 2>&1) || rc=$?
	read -r t1 _ </proc/uptime
	while IFS= read -r line; do
		case $line in
		"PASS "*) pass "$group.${line#PASS }" ;;
		"  "*) log "  $line" ;;
		"FAIL "*)
			name=${line#FAIL }
			fail "$group.${name%%:*}" "${name#*: }"
			;;
		esac
	done <<<"$out"
	log "    group $group took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
	if ((rc != 0)) && ! grep -q '^FAIL ' <<<"$out"; then
		fail "$group.runner" "test_hostile.py exited with $rc:" "$(tail -n 20 <<<"$out")"
	fi
}

restart_with() { # GLOBAL_LINE...
	stop_server
	write_conf "$@"
	start_server && return 0
	fail "dittofsd restart with: $*" "$(tail -n 20 "$SERVER_LOG")"
	return 1
}

# What a connection that has not authenticated costs the kernel.
conn_memory() {
	local out rc=0
	out=$(timeout -k 5 "$STEP_TIMEOUT" /usr/bin/python3 "$CONN_MEMORY_PY" \
		--ctl "$DITTOFSCTL" --conf "$CONF" --idle "${KERNEL_MEM_IDLE:-200}" \
		--neg "${KERNEL_MEM_NEG:-50}" --limit-kib "${KERNEL_MEM_LIMIT_KIB:-64}" 2>&1) || rc=$?
	while IFS= read -r line; do log "    $line"; done <<<"$out"
	if ((rc == 0)); then pass "kernel memory per unauthenticated connection"; else
		fail "kernel memory per unauthenticated connection" "$(tail -n 5 <<<"$out")"
	fi
}

smb_roundtrip() {
	head -c $((1 << 20)) /dev/urandom >"$T/src.bin"
	rm -f "$T/got.bin"
	timeout "$STEP_TIMEOUT" smbclient //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -m SMB3_11 \
		-c "put $T/src.bin after.bin; get after.bin $T/got.bin; del after.bin" >"$T/smb.out" 2>&1 &&
		cmp -s "$T/src.bin" "$T/got.bin"
}

# --- main ----------------------------------------------------------------

need_files "$DITTOFSD" "$DITTOFSCTL" "$KO" "$HOSTILE_PY"
/usr/bin/python3 -c 'import impacket.smbconnection' 2>/dev/null ||
	give_up "/usr/bin/python3 has no impacket (apt install python3-impacket)"
mkdir -p "$T/state" "$SHARE"
chmod 0700 "$T/state"
chmod 0777 "$SHARE"
: >"$SERVER_LOG"
head -c 8192 /dev/urandom >"$T/README.orig"
cp "$T/README.orig" "$SHARE/README.txt"
write_conf
kernel_log_mark

if ! printf '%s\n' "$SMB_PASS" | ctl user add "$SMB_USER" --password-stdin --uid 0 --gid 0 >/dev/null ||
	! printf '%s\n' "$BOB_PASS" | ctl user add bob --password-stdin --uid 65534 --gid 65534 >/dev/null; then
	fail "dittofsctl user add"
fi
[[ -e /sys/module/dittofs ]] || insmod "$KO" || fail "insmod dittofs.ko"
if ((n_fail == 0)) && start_server; then
	run_group plain
	restart_with "server signing = mandatory" && run_group signing
	restart_with "smb encrypt = required" && run_group encrypt
	restart_with
	conn_memory
	if smb_roundtrip; then pass "smbclient put/get after the cases"; else
		fail "smbclient put/get after the cases" "$(tail -n 20 "$T/smb.out")"
	fi
	if cmp -s "$T/README.orig" "$SHARE/README.txt"; then
		pass "README.txt intact on the server's disk"
	else
		fail "README.txt changed on the server's disk"
	fi
	if grep -qx live /sys/module/dittofs/initstate; then pass "dittofs.ko still live"; else
		fail "dittofs.ko is not live"
	fi
else
	fail "dittofsd --mode=kernel starts" "$(tail -n 20 "$SERVER_LOG")"
fi
stop_server
if [[ -e /sys/module/dittofs ]]; then
	if rmmod dittofs; then pass "rmmod"; else fail "rmmod"; fi
fi

kernel_log_check
# what the module made of the cases: its distinct complaints, counted
log "dittofs.ko's kernel log lines during the run, by kind:"
grep -o 'dittofs: .*' <<<"$KERNEL_LOG_NEW" | sed -E 's/connection [0-9]+/connection N/g; s/[0-9]+/N/g' |
	sort | uniq -c | sort -rn | head -n 20 | sed 's/^/    | /'
vm_keep "$SERVER_LOG" dittofsd-hostile.log
summary

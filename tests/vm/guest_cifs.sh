#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_cifs.sh - the Linux kernel's SMB client (cifs.ko) against dittofsd in
# user mode, inside the vmtest guest (run by tests/vm/guest_init.sh).
#
# dittofsd serves a tmpfs share on 127.0.0.1:445; the share is mounted once
# per variant (3.1.1, 3.1.1 with seal, 3.0, 2.1) and each mount runs: a 20 MiB
# random file written and read back (SHA-256 on the client and on the
# server's disk), cp -a of a tree of 50 small files with diff -r, ls -l, mv,
# rm, mkdir, rmdir, rm -r, umount; before that, a wrong password must be
# refused. A failing step prints the command, its exit status and output,
# the new kernel log lines and the new server log lines. The last line is
# "cifs: N passed, N failed"; exit 1 on any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO, VMTEST_BUILD.
#   CIFS_VARIANTS  space-separated subset of: 3.1.1 3.1.1-seal 3.0 2.1
#   CIFS_BIG_MIB   size of the big file in MiB (default 20)
#   STEP_TIMEOUT   seconds per step (default 120)
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
BUILD_DIR=${VMTEST_BUILD:-$REPO/build}
DITTOFSD=$BUILD_DIR/dittofsd
DITTOFSCTL=$BUILD_DIR/dittofsctl
VARIANTS=${CIFS_VARIANTS:-3.1.1 3.1.1-seal 3.0 2.1}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
BIG_MIB=${CIFS_BIG_MIB:-20}
BIG_SIZE=$((BIG_MIB * 1024 * 1024))

T=/tmp/cifs
SHARE=$T/share
SRC=$T/src
MNT=/mnt/x
SERVER_LOG=$T/dittofsd.log
SMB_USER=ditto
SMB_PASS=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)

n_pass=0
n_fail=0
failed=()
server_pid=

log() { printf 'cifs: %s\n' "$*"; }

# The log positions a failing step reports from: the kernel log by its
# timestamps, the server log by its line count. Builtins only: under TCG
# every exec costs about a second, and there are ~85 steps.
mark() {
	local lines
	read -r mark_up _ </proc/uptime
	mapfile -t lines <"$SERVER_LOG" 2>/dev/null
	mark_srv=${#lines[@]}
}

report_logs() {
	local l
	while IFS= read -r l; do
		printf '    | kernel: %s\n' "$l"
	done < <(dmesg | awk -v t="$mark_up" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t) print }' | tail -n 25)
	while IFS= read -r l; do
		printf '    | server: %s\n' "$l"
	done < <(tail -n +"$((mark_srv + 1))" "$SERVER_LOG" 2>/dev/null | tail -n 25)
	return 0
}

# step NAME CMD...: run CMD (a command or a function below), killed after
# STEP_TIMEOUT seconds; PASS, or FAIL with the command, status, output and
# the new log lines. The watchdog is a forked subshell waiting on a FIFO
# nobody writes (fd 9), so a step costs no exec beyond CMD itself.
step() {
	local name=$1 out rc=0 t0=$SECONDS pid wd timed_out=0
	shift
	mark
	"$@" >"$T/step.out" 2>&1 &
	pid=$!
	(
		read -r -t "$STEP_TIMEOUT" -u 9
		kill -KILL "$pid" 2>/dev/null
	) &
	wd=$!
	wait "$pid" || rc=$?
	if kill -0 "$wd" 2>/dev/null; then
		kill "$wd" 2>/dev/null
	else
		timed_out=1
	fi
	wait "$wd" 2>/dev/null
	if ((rc == 0)); then
		log "PASS: $name ($((SECONDS - t0))s)"
		n_pass=$((n_pass + 1))
		return 0
	fi
	log "FAIL: $name ($((SECONDS - t0))s)"
	n_fail=$((n_fail + 1))
	failed+=("$name")
	printf '    | command: %s\n' "$*"
	if ((timed_out)); then
		printf '    | killed after %ss\n' "$STEP_TIMEOUT"
	else
		printf '    | exit status %d\n' "$rc"
	fi
	mapfile -t -n 20 out <"$T/step.out"
	((${#out[@]})) && printf '    | output: %s\n' "${out[@]}"
	report_logs
	return 1
}

# --- checks run by step ----------------------------------------------------

same_sha() { # FILE1 FILE2
	local a b
	read -r a _ < <(sha256sum <"$1") && [[ -n $a ]] || return 1
	read -r b _ < <(sha256sum <"$2") && [[ -n $b ]] || return 1
	[[ $a == "$b" ]] || {
		echo "sha256 differs: $1 $a, $2 $b"
		return 1
	}
}

read_back() { # FILE ORIG: read FILE from the server, not the page cache
	sync
	echo 3 >/proc/sys/vm/drop_caches
	same_sha "$1" "$2"
}

size_is() { # FILE SIZE
	local s
	s=$(stat -c %s "$1") || return 1
	[[ $s == "$2" ]] || {
		echo "size of $1 is $s, expected $2"
		return 1
	}
}

lists() { # DIR NAME...: ls -l DIR shows every NAME
	local out n
	out=$(ls -la "$1") || return 1
	echo "$out"
	shift
	for n in "$@"; do
		[[ $'\n'$out$'\n' == *" $n"$'\n'* ]] || {
			echo "ls -l does not show $n"
			return 1
		}
	done
}

gone() { # PATH...: none of them exists (checked on the server's disk)
	local p
	for p; do
		[[ -e $p ]] && {
			echo "$p still exists"
			return 1
		}
	done
	return 0
}

moved() { # OLD NEW (server side paths)
	[[ ! -e $1 && -f $2 ]] || {
		ls -la "${1%/*}"
		echo "after mv: $1 exists=$([[ -e $1 ]] && echo yes || echo no), $2 exists=$([[ -e $2 ]] && echo yes || echo no)"
		return 1
	}
}

# mount with a wrong password must fail with EACCES (mount.cifs exit 32)
refused() { # MOUNTPOINT OPTS
	local out rc=0
	out=$(mount -t cifs //127.0.0.1/share "$1" -o "$2" 2>&1) || rc=$?
	if ((rc == 0)); then
		umount "$1"
		echo "mount succeeded"
		return 1
	fi
	echo "$out"
	[[ $out == *"Permission denied"* ]]
}

isdir() { [[ -d $1 ]] || { echo "$1 is not a directory"; return 1; }; }

# --- server --------------------------------------------------------------

stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$server_pid" 2>/dev/null; then
		log "dittofsd ignored SIGTERM for 10s; killing it"
		kill -KILL "$server_pid" 2>/dev/null
	fi
	wait "$server_pid"
	server_rc=$?
	server_pid=
}

start_server() {
	mkdir -p "$SHARE" "$T/state"
	chmod 0777 "$SHARE"
	chmod 0700 "$T/state"
	cat >"$T/dittofs.conf" <<-EOF
		[global]
		listen address = 127.0.0.1
		port = 445
		state directory = $T/state
		log level = 2

		[share]
		path = $SHARE
		read only = no
		guest ok = no
	EOF
	local out
	if ! out=$(printf '%s\n' "$SMB_PASS" | timeout 30 "$DITTOFSCTL" -c "$T/dittofs.conf" \
		user add "$SMB_USER" --password-stdin --uid 0 --gid 0 2>&1); then
		log "dittofsctl user add failed: $out"
		return 1
	fi
	"$DITTOFSD" -c "$T/dittofs.conf" --mode=user 2>"$SERVER_LOG" &
	server_pid=$!
	for _ in $(seq 300); do
		if timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/445' 2>/dev/null; then
			return 0
		fi
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	log "dittofsd is not listening on 127.0.0.1:445; its log:"
	sed 's/^/    | /' "$SERVER_LOG"
	return 1
}

# --- one mount -----------------------------------------------------------

run_variant() {
	local v=$1 opts d m=$MNT
	case $v in
	3.1.1) opts=vers=3.1.1 ;;
	3.1.1-seal) opts=vers=3.1.1,seal ;;
	3.0) opts=vers=3.0 ;;
	2.1) opts=vers=2.1 ;;
	*)
		log "unknown variant $v"
		return 1
		;;
	esac
	log "--- $v ($opts)"
	# each variant works in its own directory, made on the server's disk,
	# so one variant's leftovers do not fail the next
	d=$SHARE/$v
	mkdir -p "$d"
	mkdir -p "$m"
	step "$v mount" mount -t cifs "//127.0.0.1/share" "$m" \
		-o "username=$SMB_USER,password=$SMB_PASS,$opts,soft,actimeo=1" ||
		return 1
	m=$m/$v
	step "$v mount shows the variant dir" isdir "$m"
	step "$v write ${BIG_MIB}MiB" dd if="$SRC/big.bin" of="$m/big.bin" bs=1M conv=fsync status=none &&
		step "$v ${BIG_MIB}MiB on the server's disk" same_sha "$d/big.bin" "$SRC/big.bin"
	step "$v stat size" size_is "$m/big.bin" "$BIG_SIZE"
	step "$v read ${BIG_MIB}MiB back" read_back "$m/big.bin" "$SRC/big.bin"
	step "$v cp -a tree" cp -a "$SRC/tree" "$m/tree"
	step "$v tree on the server's disk" diff -r "$SRC/tree" "$d/tree"
	step "$v diff -r tree" diff -r "$SRC/tree" "$m/tree"
	step "$v ls -l" lists "$m" big.bin tree
	step "$v mv" mv "$m/big.bin" "$m/big2.bin" &&
		step "$v mv on the server's disk" moved "$d/big.bin" "$d/big2.bin"
	step "$v rm" rm "$m/big2.bin" && step "$v rm on the server's disk" gone "$d/big2.bin"
	step "$v mkdir" mkdir "$m/newdir" && step "$v mkdir on the server's disk" isdir "$d/newdir"
	step "$v rmdir" rmdir "$m/newdir" && step "$v rmdir on the server's disk" gone "$d/newdir"
	step "$v rm -r tree" rm -r "$m/tree" && step "$v rm -r on the server's disk" gone "$d/tree"
	step "$v umount" umount "$MNT" || umount -l "$MNT" 2>/dev/null
	return 0
}

# --- main ----------------------------------------------------------------

for b in "$DITTOFSD" "$DITTOFSCTL"; do
	[[ -x $b ]] || {
		log "$b is missing; build first (make)"
		exit 1
	}
done
mkdir -p "$T" "$SRC/tree"
: >"$SERVER_LOG"
mkfifo "$T/watchdog"
exec 9<>"$T/watchdog"
mark

# the data, made once: 20 MiB random, and 50 small files over nested dirs
head -c "$BIG_SIZE" /dev/urandom >"$SRC/big.bin"
for i in $(seq 1 50); do
	sub=$SRC/tree/d$((i % 5))/s$((i % 3))
	mkdir -p "$sub"
	head -c $((i * 97)) /dev/urandom >"$sub/f$i.dat"
done
echo "hello from dittofs vmtest" >"$SRC/tree/hello.txt"

step "modprobe cifs" modprobe cifs || exit 1
start_server || exit 1
log "dittofsd $(sed -n 's/.*dittofsd\[info\]: \(listening .*\)/\1/p' "$SERVER_LOG" | head -n 1)"

t_all=$SECONDS
mkdir -p "$MNT"
step "wrong password is refused" refused "$MNT" \
	"username=$SMB_USER,password=wrong-$SMB_PASS,vers=3.1.1"
for v in $VARIANTS; do
	t0=$SECONDS
	run_variant "$v"
	log "--- $v took $((SECONDS - t0))s"
done

mountpoint -q "$MNT" && umount -l "$MNT"
mark
stop_server
if [[ $server_rc != 0 && $server_rc != 143 ]]; then
	log "FAIL: dittofsd exited with status $server_rc"
	report_logs
	n_fail=$((n_fail + 1))
	failed+=("dittofsd exit")
fi
if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$SERVER_LOG"; then
	log "FAIL: sanitizer report in the server log"
	grep -A20 -E 'ERROR: AddressSanitizer|runtime error:' "$SERVER_LOG" | sed 's/^/    | /'
	n_fail=$((n_fail + 1))
	failed+=("sanitizer")
fi
# keep the server log for the host (build/vm/results/)
[[ -d ${VMTEST_RESULTS:-} ]] && cp "$SERVER_LOG" "$VMTEST_RESULTS/dittofsd-cifs.log"
log "all variants took $((SECONDS - t_all))s"
((n_fail == 0)) || log "failed: $(printf '[%s] ' "${failed[@]}")"
echo "cifs: $n_pass passed, $n_fail failed"
((n_fail == 0))

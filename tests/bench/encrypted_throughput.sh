#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# encrypted_throughput.sh - a benchmark, not a test: encrypted SMB3 put/get
# throughput of dittofsd (user mode) next to Samba's smbd, both on loopback,
# both with "smb encrypt = required", measured with smbclient.
#
# Both servers run side by side (own temp config, state, share, port); the
# rounds alternate between them (dittofsd put, dittofsd get, smbd put, smbd
# get, ...) so that drift in the machine's state hits both alike, and which
# server goes first alternates from round to round. Each put and
# get is timed with date +%s.%N around smbclient (connection setup included).
# Prints the median MiB/s per server and direction and the ratio
# dittofsd/smbd, and the median CPU seconds per GiB each server used (from
# /proc/PID/stat around each smbclient run), each with the slowest and
# fastest round so that the noise shows, and in how many rounds dittofsd
# was the faster of the two. Everything is removed at the end.
#
#   tests/bench/encrypted_throughput.sh
#   SIZE_MB=256 N=3 CIPHER=AES-256-GCM tests/bench/encrypted_throughput.sh
#
# Environment:
#   SIZE_MB  file size in MiB (default 1024)
#   N        rounds per server (default 7)
#   CIPHER   client smb3 encryption algorithms (default AES-128-GCM)
#   BUILD    build directory (default build)
#   SINK     where the timed gets write: null (default) = /dev/null, so
#            that smbclient's own page-cache writes of the copy are not
#            timed; file = a local file, as before. Either way the last
#            round's data is fetched into a file and compared.
#   DROP_CACHES=1  drop the page cache before every transfer (root only)
#   ROUND_TIMEOUT  seconds per smbclient run (default 900)
set -euo pipefail

SIZE_MB=${SIZE_MB:-1024}
N=${N:-7}
CIPHER=${CIPHER:-AES-128-GCM}
DROP_CACHES=${DROP_CACHES:-0}
SINK=${SINK:-null}
[[ $SINK == null || $SINK == file ]] || {
	echo "encrypted_throughput: SINK must be null or file" >&2
	exit 1
}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-900}

# lib.sh gives the config writers, free_port, random_password, the wait
# helpers and the temp dir (removed on exit); the servers are managed here
# because lib.sh runs one server at a time.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

for tool in smbclient smbd smbpasswd; do
	command -v "$tool" >/dev/null || {
		echo "encrypted_throughput: $tool is not installed" >&2
		exit 1
	}
done
[[ -x $DITTOFSD && -x $DITTOFSCTL ]] || {
	echo "encrypted_throughput: build dittofsd and dittofsctl first (make)" >&2
	exit 1
}

make_test_tmp
D_PID=
S_PID=

# stop_pid PID [CHILDREN...]: SIGTERM, bounded wait, SIGKILL.
stop_pid() {
	local pid=$1 deadline=$((SECONDS + STOP_TIMEOUT)) c
	shift
	for c in "$@"; do kill -TERM "$c" 2>/dev/null || true; done
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for c in "$@"; do kill -KILL "$c" 2>/dev/null || true; done
}

bench_cleanup() {
	local rc=$? kids
	set +e
	if [[ -n $D_PID ]]; then
		stop_pid "$D_PID"
		D_PID=
	fi
	if [[ -n $S_PID ]]; then
		# smbd's helpers and per-connection children, by pid
		kids=$(pgrep -P "$S_PID" 2>/dev/null)
		# shellcheck disable=SC2086 # one pid per word
		stop_pid "$S_PID" $kids
		S_PID=
	fi
	(exit "$rc")
	lib_exit
}
trap bench_cleanup EXIT

SMB_SHARE=bench
PASS=$(random_password)
CLIENT_CONF=$TEST_TMP/client.conf
write_client_conf "$CLIENT_CONF" "$TEST_TMP/client"

# --- dittofsd --------------------------------------------------------------
D_DIR=$TEST_TMP/dittofs
mkdir -p "$D_DIR/share" "$D_DIR/state"
D_PORT=$(free_port)
D_USER=bench
write_dittofs_conf "$D_DIR/server.conf" "$D_PORT" "$D_DIR/share" "$D_DIR/state" \
	"smb encrypt = required"
printf '%s\n' "$PASS" | timeout 30 "$DITTOFSCTL" -c "$D_DIR/server.conf" \
	user add "$D_USER" --password-stdin --uid "$(id -u)" --gid "$(id -g)" >/dev/null
# In its own session, as smbd puts itself: with autogroup scheduling a
# session shares one slice of CPU, so a dittofsd left in the script's
# session would share its slice with smbclient (and whatever else runs in
# that session) while smbd had one of its own. No fork: the background job
# is not a process group leader, so setsid execs dittofsd in place.
setsid "$DITTOFSD" -c "$D_DIR/server.conf" --mode=user >"$D_DIR/log" 2>&1 &
D_PID=$!
wait_for_log_line "$D_DIR/log" 'listening on' "$D_PID" || {
	echo "encrypted_throughput: dittofsd did not start:" >&2
	cat "$D_DIR/log" >&2
	exit 1
}
# the CPU accounting below reads /proc/$D_PID: it must be dittofsd itself
[[ $(cat "/proc/$D_PID/comm") == dittofsd ]] || {
	echo "encrypted_throughput: $D_PID is not dittofsd (did setsid fork?)" >&2
	exit 1
}

# --- smbd ------------------------------------------------------------------
S_DIR=$TEST_TMP/samba
mkdir -p "$S_DIR/share" "$S_DIR/state"
S_PORT=$(free_port)
S_USER=$(id -un)
write_samba_conf "$S_DIR/server.conf" "$S_PORT" "$S_DIR/share" "$S_DIR/state" \
	"smb encrypt = required"
printf '%s\n%s\n' "$PASS" "$PASS" |
	timeout 30 smbpasswd -c "$S_DIR/server.conf" -a -s "$S_USER" >/dev/null
smbd -F --debug-stdout --configfile="$S_DIR/server.conf" -d 0 >"$S_DIR/log" 2>&1 &
S_PID=$!
wait_for_port "$S_PORT" "$S_PID" || {
	echo "encrypted_throughput: smbd did not start:" >&2
	cat "$S_DIR/log" >&2
	exit 1
}

# --- the rounds ------------------------------------------------------------
SRC=$TEST_TMP/src.bin
echo "# creating a $SIZE_MB MiB random file" >&2
head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$SRC"

HZ=$(getconf CLK_TCK)

# cpu_ticks PID: user + system time of PID and of its reaped children (smbd
# serves each connection in a child it reaps when the client is gone).
cpu_ticks() {
	awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"
}

# settle PID N: wait (up to 5 s) until PID has at most N children again, so
# that the connection's child has been reaped and counted.
settle() {
	local i
	for ((i = 0; i < 50; i++)); do
		(($(pgrep -c -P "$1" || true) <= $2)) && return 0
		sleep 0.1
	done
}

# xfer PID PORT USER CMDS: run one smbclient against the server PID; prints
# the elapsed seconds and, on a second line, the CPU seconds the server
# spent meanwhile.
xfer() {
	local pid=$1 port=$2 user=$3 cmds=$4 t0 t1 c0 c1 kids out rc=0
	if [[ $DROP_CACHES == 1 ]]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
	fi
	kids=$(pgrep -c -P "$pid" || true)
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s.%N)
	out=$(timeout "$ROUND_TIMEOUT" smbclient "//127.0.0.1/$SMB_SHARE" \
		-s "$CLIENT_CONF" -p "$port" -U "$user%$PASS" \
		--option="client smb encrypt = required" \
		--option="client smb3 encryption algorithms = $CIPHER" \
		--option="client min protocol = SMB3_11" \
		--option="client max protocol = SMB3_11" \
		-c "$cmds" 2>&1) || rc=$?
	t1=$(date +%s.%N)
	settle "$pid" "$kids"
	c1=$(cpu_ticks "$pid")
	if [[ $rc != 0 ]] || grep -q NT_STATUS_ <<<"$out"; then
		echo "encrypted_throughput: smbclient on port $port failed ($rc): $out" >&2
		return 1
	fi
	echo "$t1 - $t0" | bc -l
	echo "($c1 - $c0) / $HZ" | bc -l
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# spread DECIMALS: "min-max" of the numbers on stdin
spread() {
	sort -g | awk -v d="$1" 'NR == 1 { lo = $1 } { hi = $1 }
		END { printf "%.*f-%.*f", d, lo, d, hi }'
}

# faster A1 A2 ... -- B1 B2 ...: in how many rounds i Ai > Bi
faster() {
	local -a a=() b=()
	local i n=0
	while [[ $1 != -- ]]; do a+=("$1"); shift; done
	shift
	b=("$@")
	for i in "${!a[@]}"; do
		(($(echo "${a[i]} > ${b[i]}" | bc -l))) && n=$((n + 1))
	done
	echo "$n"
}

mibs() { echo "$SIZE_MB / $1" | bc -l; }
per_gib() { echo "$1 * 1024 / $SIZE_MB" | bc -l; }

# Which server goes first alternates from round to round. On the reference
# VM the order alone moved pwrite() of the same 8 MiB from ~2 ms to ~30 ms,
# probably because the server that runs right after the other one freed
# page cache gets recently freed pages, while the first one gets pages the
# host has to back again (not proven). Alternating gives each server that
# advantage in every other round.
declare -A RES=() CPU=()
for ((r = 1; r <= N; r++)); do
	order="dittofsd smbd"
	((r % 2)) || order="smbd dittofsd"
	for srv in $order; do
		if [[ $srv == dittofsd ]]; then
			pid=$D_PID port=$D_PORT user=$D_USER
		else
			pid=$S_PID port=$S_PORT user=$S_USER
		fi
		dst=$TEST_TMP/back-$srv.bin
		rm -f "$dst"
		get_to=$dst
		[[ $SINK == file ]] || get_to=/dev/null
		w=$(xfer "$pid" "$port" "$user" "put $SRC bench.bin")
		rd=$(xfer "$pid" "$port" "$user" "get bench.bin $get_to")
		{ read -r wt; read -r wc; } <<<"$w"
		{ read -r rt; read -r rc; } <<<"$rd"
		RES[$srv.write]+="$(mibs "$wt") "
		RES[$srv.read]+="$(mibs "$rt") "
		CPU[$srv.write]+="$(per_gib "$wc") "
		CPU[$srv.read]+="$(per_gib "$rc") "
		printf '# round %d %-8s put %6.2fs %7.1f MiB/s cpu %5.2fs   get %6.2fs %7.1f MiB/s cpu %5.2fs\n' \
			"$r" "$srv" "$wt" "$(mibs "$wt")" "$wc" "$rt" "$(mibs "$rt")" "$rc" >&2
		if ((r == N)); then
			# with SINK=null the data is checked by one more, untimed get
			[[ $SINK == file ]] ||
				xfer "$pid" "$port" "$user" "get bench.bin $dst" >/dev/null
			cmp -s "$SRC" "$dst" || {
				echo "encrypted_throughput: $srv returned different data" >&2
				exit 1
			}
		fi
	done
done

printf '\n%s MiB, %d rounds, %s, SMB3_11, client and server encryption required, gets to %s\n' \
	"$SIZE_MB" "$N" "$CIPHER" "$([[ $SINK == null ]] && echo /dev/null || echo a file)"
printf '%-10s %14s %14s %16s %16s\n' server "write MiB/s" "read MiB/s" \
	"write min-max" "read min-max"
declare -A MED=()
for srv in dittofsd smbd; do
	for dir in write read; do
		# shellcheck disable=SC2086 # one number per word
		MED[$srv.$dir]=$(printf '%s\n' ${RES[$srv.$dir]} | median)
	done
	# shellcheck disable=SC2086 # one number per word
	printf '%-10s %14.1f %14.1f %16s %16s\n' "$srv" "${MED[$srv.write]}" \
		"${MED[$srv.read]}" \
		"$(printf '%s\n' ${RES[$srv.write]} | spread 1)" \
		"$(printf '%s\n' ${RES[$srv.read]} | spread 1)"
done
printf '%-10s %14.2f %14.2f\n' "ratio" \
	"$(echo "${MED[dittofsd.write]} / ${MED[smbd.write]}" | bc -l)" \
	"$(echo "${MED[dittofsd.read]} / ${MED[smbd.read]}" | bc -l)"
echo "(ratio = dittofsd / smbd; medians over $N rounds)"
# shellcheck disable=SC2086 # one number per word
printf 'rounds in which dittofsd was the faster: write %d/%d, read %d/%d\n' \
	"$(faster ${RES[dittofsd.write]} -- ${RES[smbd.write]})" "$N" \
	"$(faster ${RES[dittofsd.read]} -- ${RES[smbd.read]})" "$N"

# CPU time is less at the mercy of other load than elapsed time.
printf '\n%-10s %16s %16s %16s %16s\n' server "write cpu s/GiB" \
	"read cpu s/GiB" "write min-max" "read min-max"
for srv in dittofsd smbd; do
	for dir in write read; do
		# shellcheck disable=SC2086 # one number per word
		MED[$srv.cpu.$dir]=$(printf '%s\n' ${CPU[$srv.$dir]} | median)
	done
	# shellcheck disable=SC2086 # one number per word
	printf '%-10s %16.2f %16.2f %16s %16s\n' "$srv" "${MED[$srv.cpu.write]}" \
		"${MED[$srv.cpu.read]}" \
		"$(printf '%s\n' ${CPU[$srv.write]} | spread 2)" \
		"$(printf '%s\n' ${CPU[$srv.read]} | spread 2)"
done
echo "(server user+system CPU seconds per GiB moved, medians over $N rounds;"
echo " smbd's include the per-connection child it reaps)"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_bench.sh - a benchmark, not a test: sequential encrypted SMB 3.1.1
# write and read throughput inside the vmtest guest, for three servers on
# loopback, side by side:
#
#   kernel  dittofsd --mode=kernel behind dittofs.ko   127.0.0.1:445
#   user    dittofsd --mode=user (module loaded too)   127.0.0.1:4445
#   samba   Samba's smbd, throwaway config in /tmp     127.0.0.1:4446
#
# Every server has "smb encrypt = required" and offers only AES-128-GCM, so
# both clients end up on AES-128-GCM. Two clients:
#
#   cifs       mount -t cifs vers=3.1.1,seal; write: dd conv=fsync of the
#              file; read: umount, drop the page cache, fresh mount, dd the
#              file back. The time is dd's own (from after the open to
#              after fsync and close; process start is not counted).
#   smbclient  one run per round: put, get, del, with client smb encrypt =
#              required and AES-128-GCM; the rates are the ones smbclient
#              prints (the transfer only, not process start or session
#              setup).
#
# N rounds; each round visits the servers in turn (kernel, user, samba) so
# that drift in the host's load hits all of them alike. Every transfer is
# checked (cmp against the source). At the end: medians in MiB/s and the
# ratios dittofs-kernel/Samba and dittofs-user/Samba, as a table between
# the lines "BENCH TABLE BEGIN" and "BENCH TABLE END" (tests/bench/
# vm_throughput.sh prints it on the host). Exit 1 when a server did not
# start or a transfer failed; the table is printed either way.
#
# Under TCG the absolute numbers are meaningless outside this one run; only
# the ratios within one run compare.
#
# Environment (set by guest_init.sh from results/env): VMTEST_REPO,
# VMTEST_BUILD, and
#   KERNEL_BENCH_SIZE_MB  file size in MiB (default 32)
#   KERNEL_BENCH_N        rounds (default 3)
#   KERNEL_BENCH_SERVERS  subset of "kernel user samba" (default all three)
#   STEP_TIMEOUT          seconds per transfer, mount or start (default 300)
#   DITTOFS_KO            the module (default $VMTEST_REPO/kmod/dittofs.ko)
set -euo pipefail
export LC_ALL=C

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
BUILD_DIR=${VMTEST_BUILD:-$REPO/build}
DITTOFSD=$BUILD_DIR/dittofsd
DITTOFSCTL=$BUILD_DIR/dittofsctl
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
SIZE_MB=${KERNEL_BENCH_SIZE_MB:-32}
N=${KERNEL_BENCH_N:-3}
SERVERS=${KERNEL_BENCH_SERVERS:-kernel user samba}
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
CIPHER=AES-128-GCM

T=/tmp/bench
SRC=$T/src.bin
RESULTS=$T/results
CLIENT_CONF=$T/client.conf
MNT=/mnt/bench
# no "tr </dev/urandom | head": under pipefail its SIGPIPE would end the script
SMB_PASS=$(head -c 48 /dev/urandom | base64 -w 0 | tr -dc 'A-Za-z0-9')
SMB_PASS=${SMB_PASS:0:16}

declare -A PORT=([kernel]=445 [user]=4445 [samba]=4446)
declare -A USER_OF=([kernel]=ditto [user]=ditto [samba]=root)
declare -A PID_OF=()
declare -A UP=()
module_loaded=0
n_err=0

log() { printf 'bench: %s\n' "$*"; }

err() {
	log "ERROR: $*"
	n_err=$((n_err + 1))
}

# a bounded run of an external command
run() { timeout -k 5 "$STEP_TIMEOUT" "$@"; }

# --- servers ---------------------------------------------------------------

# wait_port PORT PID: true once 127.0.0.1:PORT accepts a connection (at most
# STEP_TIMEOUT seconds; a loopback connect to a closed port fails at once)
wait_port() {
	local port=$1 pid=$2 i
	for ((i = 0; i < STEP_TIMEOUT * 10; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_pid PID: SIGTERM, up to 10 s, SIGKILL, up to 5 s more; never waits
# for a process that does not go away
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid does not go away"
	else
		wait "$pid" 2>/dev/null || true
	fi
}

write_dittofs_conf() { # NAME
	local d=$T/$1
	mkdir -p "$d/share" "$d/state"
	chmod 0777 "$d/share"
	chmod 0700 "$d/state"
	cat >"$d/dittofs.conf" <<-EOF
		[global]
		listen address = 127.0.0.1
		port = ${PORT[$1]}
		state directory = $d/state
		smb encrypt = required
		server smb3 encryption algorithms = $CIPHER

		[bench]
		path = $d/share
		read only = no
		guest ok = no
	EOF
}

start_dittofsd() { # kernel|user
	local name=$1 d=$T/$1
	write_dittofs_conf "$name"
	if ! printf '%s\n' "$SMB_PASS" | run "$DITTOFSCTL" -c "$d/dittofs.conf" \
		user add ditto --password-stdin --uid 0 --gid 0 >"$d/useradd.log" 2>&1; then
		err "$name: dittofsctl user add failed: $(<"$d/useradd.log")"
		return 1
	fi
	"$DITTOFSD" -c "$d/dittofs.conf" --mode="$name" </dev/null >"$d/log" 2>&1 &
	PID_OF[$name]=$!
	if ! wait_port "${PORT[$name]}" "${PID_OF[$name]}"; then
		err "$name: dittofsd --mode=$name is not listening on port ${PORT[$name]}; its log:"
		sed 's/^/    | /' "$d/log"
		return 1
	fi
}

start_samba() {
	local d=$T/samba s
	for s in share private lock state cache pid ncalrpc; do
		mkdir -p "$d/$s"
	done
	chmod 0700 "$d/private"
	chmod 0777 "$d/share"
	cat >"$d/smb.conf" <<-EOF
		[global]
		server role = standalone server
		workgroup = WORKGROUP
		netbios name = DITTOBENCH
		interfaces = 127.0.0.1
		bind interfaces only = yes
		smb ports = ${PORT[samba]}
		disable netbios = yes
		private dir = $d/private
		lock directory = $d/lock
		state directory = $d/state
		cache directory = $d/cache
		pid directory = $d/pid
		ncalrpc dir = $d/ncalrpc
		passdb backend = tdbsam:$d/private/passdb.tdb
		log file = $d/log.smbd
		load printers = no
		printing = bsd
		printcap name = /dev/null
		disable spoolss = yes
		map to guest = never
		usershare max shares = 0
		smb encrypt = required
		server smb3 encryption algorithms = $CIPHER

		[bench]
		path = $d/share
		read only = no
		guest ok = no
	EOF
	if ! printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" |
		run smbpasswd -c "$d/smb.conf" -a -s root >"$d/smbpasswd.log" 2>&1; then
		err "samba: smbpasswd -a failed: $(<"$d/smbpasswd.log")"
		return 1
	fi
	smbd -F --debug-stdout --configfile="$d/smb.conf" -d 0 </dev/null >"$d/log" 2>&1 &
	PID_OF[samba]=$!
	if ! wait_port "${PORT[samba]}" "${PID_OF[samba]}"; then
		err "samba: smbd is not listening on port ${PORT[samba]}; its log:"
		sed 's/^/    | /' "$d/log"
		return 1
	fi
}

share_dir() { echo "$T/$1/share"; }

cleanup() {
	local rc=$? s kids
	set +e
	mountpoint -q "$MNT" 2>/dev/null && timeout -k 2 10 umount -f -l "$MNT"
	for s in samba user kernel; do
		[[ -n ${PID_OF[$s]:-} ]] || continue
		if [[ $s == samba ]]; then
			# smbd's per-connection children, by pid
			kids=$(pgrep -P "${PID_OF[samba]}")
			for k in $kids; do stop_pid "$k"; done
		fi
		stop_pid "${PID_OF[$s]}"
	done
	((module_loaded)) && timeout -k 2 30 rmmod dittofs
	exit "$rc"
}
trap cleanup EXIT

# --- measurements ----------------------------------------------------------

# record SERVER CLIENT DIRECTION MIBS SECONDS
record() {
	printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
	printf 'bench: round %d %-6s %-9s %-5s %8.2f MiB/s  (%ss)\n' \
		"$round" "$1" "$2" "$3" "$4" "$5"
}

# dd_secs FILE: the seconds dd reported in its last line
dd_secs() {
	local line re='copied, ([0-9.]+) s,'
	line=$(tail -n 1 "$1")
	[[ $line =~ $re ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

mibs_of() { awk -v m="$SIZE_MB" -v s="$1" 'BEGIN { printf "%.3f", (s > 0 ? m / s : 0) }'; }

cifs_mount() { # SERVER
	mkdir -p "$MNT"
	run mount -t cifs //127.0.0.1/bench "$MNT" \
		-o "username=${USER_OF[$1]},password=$SMB_PASS,port=${PORT[$1]},vers=3.1.1,seal,soft"
}

cifs_round() { # SERVER
	local s=$1 secs dir
	dir=$(share_dir "$s")
	rm -f "$dir/cifs.bin" "$T/back.bin"
	cifs_mount "$s" || {
		err "$s: cifs mount failed"
		return 1
	}
	if ! run dd if="$SRC" of="$MNT/cifs.bin" bs=1M conv=fsync 2>"$T/dd.err"; then
		err "$s: cifs write failed: $(<"$T/dd.err")"
		run umount "$MNT" || umount -l "$MNT"
		return 1
	fi
	run umount "$MNT" || {
		err "$s: umount after the write failed"
		umount -l "$MNT"
		return 1
	}
	secs=$(dd_secs "$T/dd.err") || {
		err "$s: no time in dd's output: $(<"$T/dd.err")"
		return 1
	}
	cmp -s "$SRC" "$dir/cifs.bin" || {
		err "$s: the file on the server's disk differs from the source"
		return 1
	}
	record "$s" cifs write "$(mibs_of "$secs")" "$secs"

	sync
	echo 3 >/proc/sys/vm/drop_caches
	cifs_mount "$s" || {
		err "$s: cifs mount for the read failed"
		return 1
	}
	if ! run dd if="$MNT/cifs.bin" of="$T/back.bin" bs=1M 2>"$T/dd.err"; then
		err "$s: cifs read failed: $(<"$T/dd.err")"
		run umount "$MNT" || umount -l "$MNT"
		return 1
	fi
	run umount "$MNT" || umount -l "$MNT"
	secs=$(dd_secs "$T/dd.err") || {
		err "$s: no time in dd's output: $(<"$T/dd.err")"
		return 1
	}
	cmp -s "$SRC" "$T/back.bin" || {
		err "$s: the data read back differs from the source"
		return 1
	}
	record "$s" cifs read "$(mibs_of "$secs")" "$secs"
	rm -f "$dir/cifs.bin" "$T/back.bin"
}

smbclient_round() { # SERVER
	local s=$1 out rc=0 kib re_put re_get
	re_put='putting file [^(]*\(([0-9.]+) kb/s\)'
	re_get='getting file [^(]*\(([0-9.]+) KiloBytes/sec\)'
	rm -f "$T/back.bin"
	out=$(run smbclient //127.0.0.1/bench -s "$CLIENT_CONF" -p "${PORT[$s]}" \
		-U "${USER_OF[$s]}%$SMB_PASS" \
		--option="client smb encrypt = required" \
		--option="client smb3 encryption algorithms = $CIPHER" \
		--option="client min protocol = SMB3_11" \
		--option="client max protocol = SMB3_11" \
		-c "put $SRC smbclient.bin; get smbclient.bin $T/back.bin; del smbclient.bin" 2>&1) || rc=$?
	if ((rc != 0)) || [[ $out == *NT_STATUS_* ]]; then
		err "$s: smbclient failed (exit $rc):"
		printf '    | %s\n' "$out"
		return 1
	fi
	cmp -s "$SRC" "$T/back.bin" || {
		err "$s: smbclient get returned different data"
		return 1
	}
	[[ $out =~ $re_put ]] || {
		err "$s: no rate in smbclient's put line: $out"
		return 1
	}
	kib=${BASH_REMATCH[1]}
	record "$s" smbclient put "$(awk -v k="$kib" 'BEGIN { printf "%.3f", k / 1024 }')" \
		"$(awk -v k="$kib" -v m="$SIZE_MB" 'BEGIN { printf "%.2f", m * 1024 / k }')"
	[[ $out =~ $re_get ]] || {
		err "$s: no rate in smbclient's get line: $out"
		return 1
	}
	kib=${BASH_REMATCH[1]}
	record "$s" smbclient get "$(awk -v k="$kib" 'BEGIN { printf "%.3f", k / 1024 }')" \
		"$(awk -v k="$kib" -v m="$SIZE_MB" 'BEGIN { printf "%.2f", m * 1024 / k }')"
	rm -f "$T/back.bin"
}

# the module's own counters (generic netlink STATS, with the helpers of
# tests/vm/genl_hello.py); fails when the fast path served nothing
module_stats() {
	run python3 - <<-'EOF'
		import os, socket, struct, sys
		sys.path.insert(0, os.environ["VMTEST_REPO"] + "/tests/vm")
		import genl_hello as gh
		c = gh.uapi()
		s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, gh.NETLINK_GENERIC)
		s.bind((0, 0))
		err, rep = gh.request(s, gh.GENL_ID_CTRL, gh.CTRL_CMD_GETFAMILY, 1,
		                      gh.attr(gh.CTRL_ATTR_FAMILY_NAME, c["NAME"].encode() + b"\0"), 1)
		if err:
		    sys.exit("GETFAMILY: " + os.strerror(err))
		fam = struct.unpack("=H", rep[0][gh.CTRL_ATTR_FAMILY_ID][:2])[0]
		err, rep = gh.request(s, fam, c["DITTOFS_CMD_STATS"], c["VERSION"], b"", 2)
		if err:
		    sys.exit("STATS: " + os.strerror(err))
		names = ["UNSPEC", "PAD", "CONNECTIONS", "PDUS_UP", "PDUS_FAST", "BYTES_READ",
		         "BYTES_WRITTEN", "SIGN_FAILURES", "DECRYPT_FAILURES", "IO_VERDICTS",
		         "BUFFER_BYTES"]
		st = {names[t] if t < len(names) else str(t): struct.unpack("=Q", v)[0]
		      for t, v in gh.parse_attrs(rep[0][c["DITTOFS_A_STATS"]]).items()}
		print("dittofs.ko STATS: " + ", ".join("%s=%d" % kv for kv in st.items()))
		sys.exit(0 if st.get("PDUS_FAST", 0) > 0 else 1)
	EOF
}

# --- the table -------------------------------------------------------------

print_table() {
	echo "BENCH TABLE BEGIN"
	printf '%s MiB, %s rounds, SMB 3.1.1, %s, encryption required; medians in MiB/s\n' \
		"$SIZE_MB" "$N" "$CIPHER"
	awk '
		{ key = $2 " " $3 " " $1; v[key, ++n[key]] = $4 }
		function med(key,   i, j, t, c, a) {
			c = n[key]
			if (!c) return -1
			for (i = 1; i <= c; i++) a[i] = v[key, i]
			for (i = 2; i <= c; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
		}
		function range(key,   i, lo, hi, x) {
			if (!n[key]) return "n/a"
			lo = hi = v[key, 1]
			for (i = 2; i <= n[key]; i++) {
				x = v[key, i]
				if (x < lo) lo = x
				if (x > hi) hi = x
			}
			return sprintf("%.1f-%.1f", lo, hi)
		}
		function num(x) { return x < 0 ? "n/a" : sprintf("%.2f", x) }
		function ratio(a, b) { return (a < 0 || b <= 0) ? "n/a" : sprintf("%.2f", a / b) }
		END {
			split("cifs write,cifs read,smbclient put,smbclient get", rows, ",")
			printf "%-10s %-5s %14s %12s %8s %13s %11s\n", "client", "dir",
				"dittofs-kernel", "dittofs-user", "samba", "kernel/samba", "user/samba"
			for (r = 1; r <= 4; r++) {
				k = med(rows[r] " kernel"); u = med(rows[r] " user"); s = med(rows[r] " samba")
				split(rows[r], cd, " ")
				printf "%-10s %-5s %14s %12s %8s %13s %11s\n", cd[1], cd[2],
					num(k), num(u), num(s), ratio(k, s), ratio(u, s)
			}
			printf "range over the rounds (MiB/s, slowest-fastest):\n"
			for (r = 1; r <= 4; r++) {
				split(rows[r], cd, " ")
				printf "%-10s %-5s %14s %12s %8s\n", cd[1], cd[2],
					range(rows[r] " kernel"), range(rows[r] " user"), range(rows[r] " samba")
			}
		}' "$RESULTS"
	echo "BENCH TABLE END"
}

# --- main ------------------------------------------------------------------

for b in "$DITTOFSD" "$DITTOFSCTL"; do
	[[ -x $b ]] || {
		log "$b is missing; build first (make)"
		exit 1
	}
done
for tool in smbd smbclient smbpasswd mount.cifs; do
	command -v "$tool" >/dev/null || {
		log "$tool is not installed"
		exit 1
	}
done
mkdir -p "$T/client"
: >"$RESULTS"
cat >"$CLIENT_CONF" <<-EOF
	[global]
	lock directory = $T/client
	state directory = $T/client
	cache directory = $T/client
	private dir = $T/client
	ncalrpc dir = $T/client
EOF
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$SRC"
log "$SIZE_MB MiB, $N rounds, servers: $SERVERS; $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
run modprobe cifs || {
	log "modprobe cifs failed"
	exit 1
}

active=()
for s in $SERVERS; do
	case $s in
	kernel)
		[[ -e $KO ]] || {
			err "kernel: $KO is missing (make -C kmod)"
			continue
		}
		t0=$SECONDS
		if ! run insmod "$KO"; then
			err "kernel: insmod $KO failed"
			continue
		fi
		module_loaded=1
		log "insmod took $((SECONDS - t0))s"
		start_dittofsd kernel || continue
		;;
	user) start_dittofsd user || continue ;;
	samba) start_samba || continue ;;
	*)
		err "unknown server $s (kernel, user, samba)"
		continue
		;;
	esac
	UP[$s]=1
	active+=("$s")
	log "$s listening on 127.0.0.1:${PORT[$s]}"
done

t_all=$SECONDS
if ((${#active[@]})); then
	for ((round = 1; round <= N; round++)); do
		for s in "${active[@]}"; do
			cifs_round "$s" || true
			smbclient_round "$s" || true
		done
	done
fi
log "the rounds took $((SECONDS - t_all))s"

if [[ -n ${UP[kernel]:-} ]]; then
	# evidence that the kernel-mode numbers went through the fast path
	module_stats 2>&1 | sed 's/^/bench: /' || err "kernel: no module STATS"
fi
print_table
for s in kernel user; do
	if [[ -f $T/$s/log && -d ${VMTEST_RESULTS:-} ]]; then
		cp "$T/$s/log" "$VMTEST_RESULTS/dittofsd-bench-$s.log"
	fi
done
((n_err == 0)) || {
	log "$n_err errors"
	exit 1
}
log "done"

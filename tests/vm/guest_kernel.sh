#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_kernel.sh - the full kernel mode inside the vmtest guest: dittofs.ko
# loaded, `dittofsd --mode=kernel` as its control side, real clients.
#
#   - smbclient put/get of a 5 MiB file on SMB 3.1.1 with signing required,
#     and once per cipher with encryption required (AES-128-CCM,
#     AES-128-GCM, AES-256-CCM, AES-256-GCM), SHA-256 compared
#   - mount -t cifs vers=3.1.1,seal: a 50 MiB random file written, checked
#     on the server's disk, read back after dropping the page cache; cp -a
#     of a small tree and diff -r (client and server side); umount
#   - smbclient put/get of an 8 MiB named stream (WRITEs the fast path
#     never serves, up to dittofsd in PDU_UP parts) on an XFS share,
#     SHA-256 compared; the forwarded PDU count shows multi-MiB WRITEs
#   - the module's counters (`dittofsctl stats` and the kernel's STATS
#     through tests/vm/genl_hello.py's helpers): fast-path READ/WRITE count
#   - smbtorture smb2.lock.rw-shared and rw-exclusive: READ/WRITE on a
#     file with byte-range locks, checked through IO_VERDICT (the module's
#     count of questions must grow)
#   - tests/vm/levelii_write.py: a WRITE dittofs.ko would serve breaks
#     another open's level II oplock to none (the module hands it up while
#     level II is held, and serves WRITEs again once it is gone); a WRITE
#     after an explicit LastWriteTime keeps it; an open's first WRITE does
#     not move the write time at once
#   - tests/vm/lease_write.py: a WRITE dittofs.ko would serve breaks the
#     RH and R leases other keys hold on the file to none (the module hands
#     it up while such a lease is held, and serves WRITEs again once the
#     break went out); the writer's own lease breaks nothing
#   - kill -9 of dittofsd in the middle of a copy to a sealed cifs mount:
#     the module stays live and keeps the client's connection (dittofsctl
#     conn list and stats answer from the module meanwhile), a restarted
#     dittofsd claims it, the client reconnects on its own, the copy
#     completes (or fails cleanly and a retry succeeds: the step says
#     which), and a checksum round trip through the same mount works
#   - a process holding an fd on the mount across kill -9 + restart of
#     dittofsd: the new daemon reopens the file from durable.mdb, the
#     client reclaims its durable handle, writes and reads through the
#     held fd return the right bytes, and the module's fast path serves the
#     reclaimed open again (its fast-path PDU count grows)
#   - resource limits after a reload: a third connection from 127.0.0.1
#     over "max connections per ip = 2" is closed unanswered, 127.0.0.2 is
#     served, a second session on one connection gets REQUEST_NOT_ACCEPTED
#   - rmmod while a client has the share mounted: no oops
# and no oops/BUG/WARNING in the kernel log. The last line is
# "kernel: N passed, N failed"; exit 1 on any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO, VMTEST_BUILD.
#   KERNEL_BIG_MIB  size of the mounted round trip in MiB (default 50)
#   KERNEL_KILL_MIB size of the copy dittofsd is killed in (default 30)
#   STEP_TIMEOUT    seconds per step (default 120)
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
BUILD_DIR=${VMTEST_BUILD:-$REPO/build}
DITTOFSD=$BUILD_DIR/dittofsd
DITTOFSCTL=$BUILD_DIR/dittofsctl
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
BIG_MIB=${KERNEL_BIG_MIB:-50}
KILL_MIB=${KERNEL_KILL_MIB:-30}
CIPHERS="AES-128-CCM AES-128-GCM AES-256-CCM AES-256-GCM"

T=/tmp/kernel
SHARE=$T/share
SRC=$T/src
MNT=/mnt/k
XFS=$T/xfs
SERVER_LOG=$T/dittofsd.log
SMB_USER=ditto
SMB_PASS=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)

server_pid=
GUEST_NAME=kernel
# shellcheck source=tests/vm/guest_lib.sh
. "$REPO/tests/vm/guest_lib.sh"

mark() {
	read -r mark_up _ </proc/uptime
	mark_srv=$(wc -l <"$SERVER_LOG" 2>/dev/null || echo 0)
}

report_logs() {
	dmesg | awk -v t="$mark_up" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t) print }' |
		tail -n 25 | sed 's/^/    | kernel: /'
	tail -n +"$((mark_srv + 1))" "$SERVER_LOG" 2>/dev/null | tail -n 25 |
		sed 's/^/    | server: /'
	return 0
}

# step NAME CMD...: run CMD (a command or a function) in the background,
# killed after STEP_TIMEOUT seconds; PASS, or FAIL with its output and the
# new kernel and server log lines. here NAME CMD... runs CMD in this shell
# (for functions that change its variables), without a timeout.
step() {
	local name=$1 pid wd
	shift
	mark
	"$@" >"$T/step.out" 2>&1 &
	pid=$!
	(
		sleep "$STEP_TIMEOUT"
		kill -KILL "$pid" 2>/dev/null
	) &
	wd=$!
	wait "$pid"
	verdict "$name" $? "$@"
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	return "$verdict_rc"
}

here() {
	local name=$1
	shift
	mark
	"$@" >"$T/step.out" 2>&1
	verdict "$name" $? "$@"
	return "$verdict_rc"
}

verdict() { # NAME RC CMD...
	local name=$1 rc=$2 t0=$mark_up t1
	shift 2
	verdict_rc=$rc
	read -r t1 _ </proc/uptime
	t0=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if ((rc == 0)); then
		log "PASS: $name (${t0}s)"
		n_pass=$((n_pass + 1))
		return 0
	fi
	log "FAIL: $name (${t0}s, exit $rc)"
	n_fail=$((n_fail + 1))
	failed+=("$name")
	printf '    | command: %s\n' "$*"
	head -n 20 "$T/step.out" | sed 's/^/    | output: /'
	report_logs
	return 1
}

same_sha() { # FILE1 FILE2
	local a b
	a=$(sha256sum <"$1" | cut -d' ' -f1) && b=$(sha256sum <"$2" | cut -d' ' -f1) || return 1
	[[ -n $a && $a == "$b" ]] || {
		echo "sha256 differs: $1 $a, $2 $b"
		return 1
	}
}

read_back() { # FILE ORIG
	sync
	echo 3 >/proc/sys/vm/drop_caches
	same_sha "$1" "$2"
}

# smbclient put + get on 3.1.1; extra smbclient options follow
smb_roundtrip() { # NAME OPTION...
	local name=$1
	shift
	rm -f "$T/got.bin"
	smbclient //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" -m SMB3_11 "$@" \
		-c "put $SRC/mid.bin $name; get $name $T/got.bin; del $name" || return 1
	same_sha "$T/got.bin" "$SRC/mid.bin"
}

module_live() { grep -qx live /sys/module/dittofs/initstate; }

# the module's counters: a fast path must have served something
fast_counts() {
	local out
	out=$("$DITTOFSCTL" -c "$T/dittofs.conf" stats 2>&1) && echo "$out"
	# dittofsctl reports the module's share too (the daemon asks it for STATS)
	grep -q "kernel mode: READ/WRITE on registered opens served by dittofs.ko" <<<"$out" ||
		{ echo "dittofsctl stats does not show the kernel fast path"; return 1; }
	grep -Eq "Fast path PDUs: +[1-9]" <<<"$out" ||
		{ echo "dittofsctl stats shows no fast-path PDUs"; return 1; }
	python3 - <<-'EOF'
		import os, struct, sys
		sys.path.insert(0, os.environ["VMTEST_REPO"] + "/tests/vm")
		import genl_hello as gh, socket
		c = gh.uapi()
		s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, gh.NETLINK_GENERIC)
		s.bind((0, 0))
		err, rep = gh.request(s, gh.GENL_ID_CTRL, gh.CTRL_CMD_GETFAMILY, 1,
		                      gh.attr(gh.CTRL_ATTR_FAMILY_NAME, c["NAME"].encode() + b"\0"), 1)
		fam = struct.unpack("=H", rep[0][gh.CTRL_ATTR_FAMILY_ID][:2])[0]
		err, rep = gh.request(s, fam, c["DITTOFS_CMD_STATS"], c["VERSION"], b"", 2)
		if err:
		    sys.exit("STATS: " + os.strerror(err))
		names = ["UNSPEC", "PAD", "CONNECTIONS", "PDUS_UP", "PDUS_FAST", "BYTES_READ",
		         "BYTES_WRITTEN", "SIGN_FAILURES", "DECRYPT_FAILURES", "IO_VERDICTS",
		         "BUFFER_BYTES"]
		st = {names[t]: struct.unpack("=Q", v)[0]
		      for t, v in gh.parse_attrs(rep[0][c["DITTOFS_A_STATS"]]).items()}
		print("module STATS:", st)
		sys.exit(0 if st.get("PDUS_FAST", 0) > 0 else 1)
	EOF
}

start_server() {
	"$DITTOFSD" -c "$T/dittofs.conf" --mode=kernel 2>>"$SERVER_LOG" &
	server_pid=$!
	for _ in $(seq 300); do
		timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/445' 2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "dittofsd --mode=kernel is not listening on 127.0.0.1:445; its log:"
	tail -n 30 "$SERVER_LOG"
	return 1
}

# Never waits unboundedly: after rmmod the daemon may be stuck on a dead
# family, and a process in D state cannot be reaped.
stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$server_pid" 2>/dev/null && {
		log "dittofsd (pid $server_pid) does not go away:"
		cat "/proc/$server_pid/stack" "/proc/$server_pid/wchan" 2>/dev/null | sed 's/^/    | /'
	}
	server_pid=
}

kill9_server() {
	kill -KILL "$server_pid" && wait "$server_pid" 2>/dev/null
	server_pid=
	sleep 1
	module_live
}

ctl() { "$DITTOFSCTL" -c "$T/dittofs.conf" "$@"; }

fast_pdus() {
	ctl --json stats | python3 -c 'import json, sys
print(json.load(sys.stdin)["kernel"]["pdus_fast"])'
}

io_verdicts() {
	ctl --json stats | python3 -c 'import json, sys
print(json.load(sys.stdin)["kernel"]["io_verdicts"])'
}

forwarded_pdus() {
	ctl --json stats | python3 -c 'import json, sys
print(json.load(sys.stdin)["kernel"]["pdus_forwarded"])'
}

# An 8 MiB WRITE the fast path never serves (a named stream) goes up to
# dittofsd in PDU_UP parts and comes back byte-identical. The put must
# take at most 16 forwarded PDUs: then at least one WRITE was longer than
# a part (256 KiB), i.e. the parts were used. Streams live in user
# xattrs, which tmpfs lacks here: the share "xfs" is an XFS image.
big_stream() {
	local n0 n1 opts=(-U "$SMB_USER%$SMB_PASS" -m SMB3_11)

	mountpoint -q "$XFS" || { echo "no XFS mounted on $XFS"; return 1; }
	rm -f "$T/stream.got"
	head -c 1024 /dev/urandom >"$T/base.bin"
	smbclient //127.0.0.1/xfs "${opts[@]}" -c "put $T/base.bin base.bin" || return 1
	n0=$(forwarded_pdus) || return 1
	smbclient //127.0.0.1/xfs "${opts[@]}" -c "put $SRC/stream.bin base.bin:big" || return 1
	n1=$(forwarded_pdus) || return 1
	smbclient //127.0.0.1/xfs "${opts[@]}" \
		-c "get base.bin:big $T/stream.got; get base.bin $T/base.got" || return 1
	echo "forwarded PDUs for the 8 MiB stream put: $((n1 - n0))"
	((n1 > n0 && n1 - n0 <= 16)) || { echo "not a few multi-MiB WRITEs"; return 1; }
	same_sha "$T/stream.got" "$SRC/stream.bin" && cmp "$T/base.got" "$T/base.bin"
}

# READ/WRITE against byte-range locks: the module asks dittofsd about each
# one (IO_VERDICT) and moves the data itself; smbtorture checks the
# conflicts are reported as they should be.
lock_verdicts() {
	local n0 n1 out rc=0
	n0=$(io_verdicts) || return 1
	out=$(cd "$T" && smbtorture //127.0.0.1/share -U "$SMB_USER%$SMB_PASS" \
		smb2.lock.rw-shared smb2.lock.rw-exclusive 2>&1) || rc=$?
	grep -E '^(success|failure|error|skip)' <<<"$out"
	((rc == 0)) && grep -q '^success: .*rw-shared' <<<"$out" &&
		grep -q '^success: .*rw-exclusive' <<<"$out" ||
		{ tail -n 20 <<<"$out"; return 1; }
	n1=$(io_verdicts) || return 1
	echo "IO verdicts asked: $n0 -> $n1"
	((n1 > n0))
}

# WRITEs against level II oplocks and the delayed write time (the module
# hands them to dittofsd while it has work to do for them).
levelii_write() {
	/usr/bin/python3 "$REPO/tests/vm/levelii_write.py" --user "$SMB_USER" \
		--password "$SMB_PASS" --share share --share-dir "$SHARE" \
		--ctl "$DITTOFSCTL" --conf "$T/dittofs.conf"
}

# WRITEs against other keys' read leases (handed to dittofsd while one is held).
lease_write() {
	/usr/bin/python3 "$REPO/tests/vm/lease_write.py" --user "$SMB_USER" \
		--password "$SMB_PASS" --share share --share-dir "$SHARE" \
		--ctl "$DITTOFSCTL" --conf "$T/dittofs.conf"
}

# The copy to the mount runs in the background; dittofsd is killed once its
# data reaches the server's disk, and restarted after the module was asked
# (without a daemon) about the connection it kept. Writes $T/restart.note.
restart_mid_copy() {
	local pid wd rc size=0
	rm -f "$SHARE/kill.bin" "$T/restart.note"
	dd if="$SRC/kill.bin" of="$MNT/kill.bin" bs=1M conv=fsync status=none 2>"$T/copy.err" &
	pid=$!
	for _ in $(seq 300); do
		size=$(stat -c %s "$SHARE/kill.bin" 2>/dev/null || echo 0)
		((size > 0)) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null || {
		echo "the copy ended before dittofsd could be killed"
		wait "$pid"
		return 1
	}
	echo "kill -9 of dittofsd with $size of $((KILL_MIB << 20)) bytes on the server"
	kill9_server || { echo "dittofs.ko is not live after the kill"; return 1; }
	ctl conn list >"$T/conns.out" 2>&1 && cat "$T/conns.out" &&
		grep -q '^[0-9].* 127\.0\.0\.1:.* current ' "$T/conns.out" ||
		{ cat "$T/conns.out"; echo "conn list without dittofsd: no kept connection"; return 1; }
	ctl stats >"$T/stats.out" 2>&1 && grep -q 'no dittofsd registered' "$T/stats.out" ||
		{ cat "$T/stats.out"; echo "stats without dittofsd failed"; return 1; }
	ctl --json stats | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(d["daemon"] is not None or d["kernel"]["dittofsd_registered"] or
         d["kernel"]["connections_open"] < 1)' ||
		{ echo "stats --json without dittofsd is wrong"; return 1; }
	start_server || return 1
	(
		sleep "$STEP_TIMEOUT"
		kill -KILL "$pid" 2>/dev/null
	) &
	wd=$!
	wait "$pid"
	rc=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	if ((rc == 0)); then
		echo "the copy finished across the restart" >"$T/restart.note"
		return 0
	fi
	echo "the copy failed (exit $rc: $(tr '\n' ' ' <"$T/copy.err")); retrying"
	timeout "$STEP_TIMEOUT" dd if="$SRC/kill.bin" of="$MNT/kill.bin" bs=1M conv=fsync \
		status=none || return 1
	echo "the copy failed cleanly (exit $rc: $(tr '\n' ' ' <"$T/copy.err")) and a retry succeeded" \
		>"$T/restart.note"
}

# After the restart: the client is back on a connection of the new daemon,
# and stats has both halves again.
reconnected() {
	ctl conn list | tee "$T/conns.out"
	grep -q '^[0-9].* 127\.0\.0\.1:.* current ' "$T/conns.out" || return 1
	ctl --json stats | python3 -c 'import json, sys
d = json.load(sys.stdin)
print("kernel:", d["kernel"])
sys.exit(not (d["kernel"]["dittofsd_registered"] and d["daemon"]))'
}

# A durable open across kill -9 + restart: a process keeps an fd open on
# the mount (cifs asks for a durable handle with its batch oplock), the
# daemon is killed and restarted, and the same fd writes and reads again.
# The new daemon must have reopened the file from durable.mdb and the
# client reclaimed it (DHnC/DH2C), not opened it anew.
held_fd_restart() {
	local pid rc=0 i fast0 fast1
	rm -f "$T/held.ready" "$T/held.go" "$MNT/held.txt"
	mark
	python3 - "$MNT/held.txt" "$T" >"$T/held.out" 2>&1 <<-'EOF' &
		import os, sys, time
		path, t = sys.argv[1:3]
		fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
		os.pwrite(fd, b"written before the restart;", 0)
		os.fsync(fd)
		open(t + "/held.ready", "w").close()
		while not os.path.exists(t + "/held.go"):
		    time.sleep(0.1)
		os.pwrite(fd, b"after", 27)
		os.fsync(fd)
		got = os.pread(fd, 64, 0)
		print("read through the held fd:", got)
		sys.exit(0 if got == b"written before the restart;after" else 1)
	EOF
	pid=$!
	for ((i = 0; i < 300; i++)); do
		[[ -e $T/held.ready ]] && break
		sleep 0.1
	done
	[[ -e $T/held.ready ]] || { cat "$T/held.out"; echo "the holder did not open"; return 1; }
	kill9_server || { echo "dittofs.ko is not live after the kill"; return 1; }
	start_server || return 1
	fast0=$(fast_pdus) || return 1
	touch "$T/held.go"
	timeout "$STEP_TIMEOUT" tail --pid="$pid" -f /dev/null || kill -KILL "$pid"
	wait "$pid" || rc=$?
	cat "$T/held.out"
	((rc == 0)) || return 1
	# the reclaimed open is installed again (FID_SET): the module serves it
	fast1=$(fast_pdus) || return 1
	echo "fast-path PDUs around the I/O after the restart: $fast0 -> $fast1"
	((fast1 > fast0)) || { echo "the module served none of it"; return 1; }
	tail -n +"$((mark_srv + 1))" "$SERVER_LOG" | grep -E "restored|held.txt" || true
	tail -n +"$((mark_srv + 1))" "$SERVER_LOG" | grep -q "restored [1-9][0-9]* durable open" ||
		{ echo "the new dittofsd restored no durable open"; return 1; }
	tail -n +"$((mark_srv + 1))" "$SERVER_LOG" | grep -q "'held.txt' reconnected" ||
		{ echo "the client did not reclaim held.txt's durable open"; return 1; }
	[[ $(cat "$SHARE/held.txt") == "written before the restart;after" ]] ||
		{ echo "on the server's disk: $(cat "$SHARE/held.txt")"; return 1; }
}

# Resource limits in kernel mode: dittofsd refuses a connection over
# "max connections per ip" at its first PDU_UP (dittofs.ko then closes it)
# and a session over "max sessions per connection" in SESSION_SETUP. Set by
# a reload, put back afterwards.
kernel_limits() {
	local rc=0
	cp "$T/dittofs.conf" "$T/dittofs.conf.orig"
	sed -i '/^\[global\]$/a max connections per ip = 2\nmax sessions per connection = 1' \
		"$T/dittofs.conf"
	"$DITTOFSCTL" -c "$T/dittofs.conf" reload || rc=1
	((rc == 0)) && python3 - <<-'EOF' || rc=1
		import socket, struct, sys
		def pdu(cmd, mid, body):
		    h = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 1, 0, cmd, 64, 0, 0,
		                    mid, 0xFEFF, 0, 0, b"\0" * 16)
		    return struct.pack(">I", 64 + len(body)) + h + body
		dialects = (0x0202, 0x0210, 0x0300, 0x0302)
		neg = pdu(0, 0, struct.pack("<HHHHI16sQ", 36, len(dialects), 1, 0, 0x7F,
		                            b"\x42" * 16, 0) +
		          b"".join(struct.pack("<H", d) for d in dialects))
		tok = b"NTLMSSP\0" + struct.pack("<II", 1, 0x20080215) + b"\0" * 16
		def setup(mid):
		    return pdu(1, mid, struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 64 + 24,
		                                   len(tok), 0) + tok)
		def ask(s, data):
		    try:
		        s.sendall(data)
		        f = s.recv(65536)
		    except OSError:
		        return None
		    return struct.unpack_from("<I", f, 12)[0] if len(f) >= 16 else None
		def connect(src):
		    return socket.create_connection(("127.0.0.1", 445), timeout=10,
		                                    source_address=(src, 0))
		socks = [connect("127.0.0.1") for _ in range(3)]
		got = [ask(s, neg) for s in socks]
		print("NEGOTIATE from 127.0.0.1 x3:", got)
		if got[:2] != [0, 0] or got[2] is not None:
		    sys.exit("want two answered, the third closed unanswered")
		other = connect("127.0.0.2")
		if ask(other, neg) != 0:
		    sys.exit("127.0.0.2 was not served")
		st = [ask(socks[0], setup(1)), ask(socks[0], setup(2))]
		print("SESSION_SETUP x2 on one connection:", [hex(x) for x in st if x is not None])
		if st != [0xC0000016, 0xC00000D0]:
		    sys.exit("want MORE_PROCESSING_REQUIRED, then REQUEST_NOT_ACCEPTED")
		for s in socks + [other]:
		    s.close()
	EOF
	mv "$T/dittofs.conf.orig" "$T/dittofs.conf"
	"$DITTOFSCTL" -c "$T/dittofs.conf" reload || rc=1
	return $rc
}

mount_seal() {
	mkdir -p "$MNT"
	mount -t cifs //127.0.0.1/share "$MNT" \
		-o "username=$SMB_USER,password=$SMB_PASS,vers=3.1.1,seal,soft,actimeo=1"
}

# --- main ----------------------------------------------------------------

need_files "$DITTOFSD" "$DITTOFSCTL" "$KO"
mkdir -p "$T" "$SHARE" "$T/state" "$SRC/tree" "$XFS"
chmod 0777 "$SHARE"
chmod 0700 "$T/state"
: >"$SERVER_LOG"
mark
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

	[xfs]
	path = $XFS
	read only = no
	guest ok = no
EOF
head -c $((8 * 1024 * 1024)) /dev/urandom >"$SRC/stream.bin"
# named streams need user xattrs of 64 KiB: XFS has them, tmpfs has not
# (the image is sparse; XFS wants 300 MB at least). mount -o loop cannot
# load the loop module here: load it and attach the image first.
xfs_dev=
truncate -s 320M "$T/xfs.img" && mkfs.xfs -q "$T/xfs.img" &&
	modprobe loop && modprobe xfs &&
	xfs_dev=$(losetup -f --show "$T/xfs.img") &&
	mount -t xfs "$xfs_dev" "$XFS" && chmod 0777 "$XFS" ||
	log "cannot mount an XFS image on $XFS (the stream step fails)"
head -c $((5 * 1024 * 1024)) /dev/urandom >"$SRC/mid.bin"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$SRC/big.bin"
head -c $((KILL_MIB * 1024 * 1024)) /dev/urandom >"$SRC/kill.bin"
for i in $(seq 1 30); do
	sub=$SRC/tree/d$((i % 4))/s$((i % 3))
	mkdir -p "$sub"
	head -c $((i * 131)) /dev/urandom >"$sub/f$i.dat"
done
kernel_log_mark

step "user add" bash -c "printf '%s\n' '$SMB_PASS' | '$DITTOFSCTL' -c '$T/dittofs.conf' \
	user add '$SMB_USER' --password-stdin --uid 0 --gid 0" || exit 1
step "modprobe cifs" modprobe cifs
step "insmod dittofs.ko" insmod "$KO" || {
	summary
	exit 1
}
if here "dittofsd --mode=kernel starts" start_server; then
	step "smbclient 3.1.1 signed put/get" smb_roundtrip signed.bin \
		--option='client signing=required'
	for c in $CIPHERS; do
		step "smbclient 3.1.1 encrypted $c put/get" smb_roundtrip "enc-$c.bin" \
			--option='client smb encrypt=required' \
			--option="client smb3 encryption algorithms=$c"
	done

	if step "mount vers=3.1.1,seal" mount_seal; then
		step "write ${BIG_MIB}MiB" dd if="$SRC/big.bin" of="$MNT/big.bin" bs=1M conv=fsync status=none &&
			step "${BIG_MIB}MiB on the server's disk" same_sha "$SHARE/big.bin" "$SRC/big.bin"
		step "read ${BIG_MIB}MiB back" read_back "$MNT/big.bin" "$SRC/big.bin"
		step "cp -a tree" cp -a "$SRC/tree" "$MNT/tree"
		step "diff -r tree (client)" diff -r "$SRC/tree" "$MNT/tree"
		step "diff -r tree (server)" diff -r "$SRC/tree" "$SHARE/tree"
		step "rm" rm -r "$MNT/tree" "$MNT/big.bin"
		step "umount" umount "$MNT" || umount -l "$MNT"
	fi
	step "8 MiB named stream put/get (PDU_UP in parts)" big_stream
	grep -E 'forwarded' "$T/step.out" | sed 's/^/    | /'
	step "fast path served READ/WRITE (STATS)" fast_counts
	grep -E 'STATS|fast' "$T/step.out" | sed 's/^/    | /'
	step "smbtorture smb2.lock rw-shared, rw-exclusive (IO verdicts)" lock_verdicts
	grep -E 'verdicts|success' "$T/step.out" | sed 's/^/    | /'
	step "WRITEs vs level II oplocks and write time (levelii_write.py)" levelii_write
	sed 's/^/    | /' "$T/step.out"
	step "WRITEs vs other keys' read leases (lease_write.py)" lease_write
	sed 's/^/    | /' "$T/step.out"

	step "limits: per-IP connections, sessions per connection" kernel_limits

	if step "mount for the restart" mount_seal; then
		# a failure before the restart must not leave the rest without a server
		here "kill -9 dittofsd mid-copy, restart" restart_mid_copy ||
			{ [[ -n $server_pid ]] || here "dittofsd restarts" start_server; }
		[[ -s $T/restart.note ]] && log "    $(cat "$T/restart.note")"
		step "${KILL_MIB}MiB copy on the server's disk" same_sha "$SHARE/kill.bin" "$SRC/kill.bin"
		step "round trip through the same mount" bash -c "cp '$SRC/mid.bin' '$MNT/after.bin' &&
			sync -f '$MNT/after.bin' && echo 3 >/proc/sys/vm/drop_caches &&
			cmp '$MNT/after.bin' '$SRC/mid.bin' && cmp '$SHARE/after.bin' '$SRC/mid.bin'"
		step "the client reconnected to the new dittofsd" reconnected
		here "held fd across kill -9 + restart (durable reopen)" held_fd_restart ||
			{ [[ -n $server_pid ]] || here "dittofsd restarts" start_server; }
		grep -E 'fast-path PDUs|read through' "$T/step.out" | sed 's/^/    | /'
		# flushed before rmmod: dirty pages on a mount whose server is
		# gone would hang the guest's final sync
		step "I/O on the mount" bash -c "cp '$SRC/mid.bin' '$MNT/mid.bin' && sync -f '$MNT/mid.bin'"
		step "rmmod with a mounted client" rmmod dittofs
		# cifs keeps reconnecting to the vanished server; detach it
		timeout -k 2 10 umount -f -l "$MNT" >/dev/null 2>&1
	fi
fi
stop_server
mountpoint -q "$XFS" && umount "$XFS"
[[ -n $xfs_dev ]] && losetup -d "$xfs_dev"
[[ -e /sys/module/dittofs ]] && rmmod dittofs 2>/dev/null

kernel_log_check
vm_keep "$SERVER_LOG" dittofsd-kernel.log
summary

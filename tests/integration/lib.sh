# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# lib.sh - helpers shared by the integration suites (source it, do not run it).
#
# What it gives a suite:
#   server_setup [GLOBAL_LINE...]  temp dirs, a config, user "ditto" with a random
#                                  password, a started server; sets SMB_PORT,
#                                  SMB_USER, SMB_PASS, SMB_SHARE, SHARE_DIR,
#                                  CLIENT_CONF, TEST_TMP
#   start_dittofsd CONF / stop_dittofsd
#   start_samba CONF / stop_samba     (SERVER_KIND=samba, for side-by-side runs)
#   free_port                      prints a free loopback TCP port
#   pass NAME / fail NAME [DETAIL...] / skip NAME REASON / record NAME RC [DETAIL]
#   finish                         prints "N passed, N failed" and exits
#
# Environment:
#   BUILD        build directory (default: build), relative to the repository
#   SERVER_KIND  dittofs (default) or samba: run the same checks against smbd
#   DITTOFSD_MODE  user (default) or kernel: dittofsd --mode=kernel behind a
#                loaded dittofs.ko (root; in the VM, tests/vm/guest_ktorture.sh)
#   KEEP_TMP=1   keep the temp directory (logs, configs) for a post-mortem
#   START_TIMEOUT  seconds to wait for a server to listen (default 30)
#   DITTOFS_TALLY  set by run.sh: counts are appended there instead of being
#                  the last line of the output
#
# Known failures: tests/knownfail (for dittofsd) and tests/knownfail.samba
# (for SERVER_KIND=samba) hold lines "TESTNAME  # reason"; TESTNAME may be a
# shell glob. In kernel mode tests/knownfail.kernel applies as well (what
# fails only there). A listed test that fails is counted as a known failure,
# not a failure; a listed test that passes is counted as a pass and reported
# so the line can be removed. KNOWNFAIL_FILE set by the caller replaces them.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LIB_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$REPO_DIR/$BUILD ;;
esac
DITTOFSD=${DITTOFSD:-$BUILD_DIR/dittofsd}
DITTOFSCTL=${DITTOFSCTL:-$BUILD_DIR/dittofsctl}
SERVER_KIND=${SERVER_KIND:-dittofs}
DITTOFSD_MODE=${DITTOFSD_MODE:-user}
START_TIMEOUT=${START_TIMEOUT:-30}
STOP_TIMEOUT=${STOP_TIMEOUT:-15}
SUITE_NAME=${SUITE_NAME:-$(basename "$0" .sh)}

# Sanitizer builds: stop at the first report, keep stacks readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

N_PASS=0
N_FAIL=0
N_KNOWN=0
N_SKIP=0
FAILED_NAMES=()
XPASS_NAMES=()
KNOWNFAIL_PATTERNS=()

TEST_TMP=
SERVER_PID=
SERVER_LOG=
SERVER_STOPPED=1

case $DITTOFSD_MODE in
user | kernel) ;;
*)
	echo "lib.sh: DITTOFSD_MODE must be user or kernel, not '$DITTOFSD_MODE'" >&2
	exit 2
	;;
esac
KNOWNFAIL_FILES=()
case $SERVER_KIND in
dittofs)
	KNOWNFAIL_FILES=("${KNOWNFAIL_FILE:-$REPO_DIR/tests/knownfail}")
	[[ -z ${KNOWNFAIL_FILE:-} && $DITTOFSD_MODE == kernel ]] &&
		KNOWNFAIL_FILES+=("$REPO_DIR/tests/knownfail.kernel")
	;;
samba) KNOWNFAIL_FILES=("${KNOWNFAIL_FILE:-$REPO_DIR/tests/knownfail.samba}") ;;
*)
	echo "lib.sh: SERVER_KIND must be dittofs or samba, not '$SERVER_KIND'" >&2
	exit 2
	;;
esac
KNOWNFAIL_FILE=${KNOWNFAIL_FILES[0]}

# Patterns, and beside each the file it came from (for the reports).
KNOWNFAIL_SOURCES=()
KNOWNFAIL_MATCH=
for kf_file in "${KNOWNFAIL_FILES[@]}"; do
	[[ -f $kf_file ]] || continue
	while IFS= read -r kf_line || [[ -n $kf_line ]]; do
		kf_line=${kf_line%%#*}
		read -r kf_name _ <<<"$kf_line" || true
		[[ -n ${kf_name:-} ]] || continue
		KNOWNFAIL_PATTERNS+=("$kf_name")
		KNOWNFAIL_SOURCES+=("${kf_file#"$REPO_DIR"/}")
	done <"$kf_file"
done
unset kf_file kf_line kf_name

# --- reporting -----------------------------------------------------------

log() { printf '%s\n' "$*"; }

# is_knownfail NAME: true when a known-failure line matches NAME; sets
# KNOWNFAIL_MATCH to the file that line is in.
is_knownfail() {
	local name=$1 i pat
	for i in "${!KNOWNFAIL_PATTERNS[@]}"; do
		pat=${KNOWNFAIL_PATTERNS[i]}
		# A glob on purpose; smbtorture names may be listed without the
		# "torture." prefix the suite adds.
		# shellcheck disable=SC2053
		if [[ $name == $pat || ${name#torture.} == $pat ]]; then
			KNOWNFAIL_MATCH=${KNOWNFAIL_SOURCES[i]}
			return 0
		fi
	done
	return 1
}

pass() {
	local name=$1
	if is_knownfail "$name"; then
		XPASS_NAMES+=("$name")
		log "PASS (listed in $KNOWNFAIL_MATCH, remove it): $name"
	else
		log "PASS: $name"
	fi
	N_PASS=$((N_PASS + 1))
}

# fail NAME [DETAIL...]: DETAIL lines are printed indented under the verdict.
fail() {
	local name=$1
	shift
	if is_knownfail "$name"; then
		log "KNOWNFAIL: $name"
		N_KNOWN=$((N_KNOWN + 1))
	else
		log "FAIL: $name"
		N_FAIL=$((N_FAIL + 1))
		FAILED_NAMES+=("$name")
	fi
	if (($# > 0)); then
		printf '%s\n' "$@" | sed 's/^/    | /'
	fi
}

skip() {
	log "SKIP: $1 (${2:-no reason given})"
	N_SKIP=$((N_SKIP + 1))
}

# record NAME RC [DETAIL...]: pass when RC is 0.
record() {
	local name=$1 rc=$2
	shift 2
	if [[ $rc == 0 ]]; then
		pass "$name"
	else
		fail "$name" "$@"
	fi
}

# check NAME CMD...: run CMD, pass if it succeeds, otherwise fail with its output.
check() {
	local name=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	record "$name" "$rc" "$out"
}

# expect NAME OUTPUT CMD...: pass when CMD succeeds, else fail showing OUTPUT
# (the client output the check was made on)
expect() {
	local name=$1 out=$2 rc=0
	shift 2
	"$@" >/dev/null 2>&1 || rc=$?
	record "$name" "$rc" "$out"
}

# has ERE TEXT: TEXT has a line matching ERE
has() { grep -qE -- "$1" <<<"$2"; }

finish() {
	server_cleanup
	local name
	if ((${#XPASS_NAMES[@]} > 0)); then
		log "Listed as known failures but passed (shrink the list):"
		for name in "${XPASS_NAMES[@]}"; do log "    $name"; done
	fi
	if ((${#FAILED_NAMES[@]} > 0)); then
		log "Failed in $SUITE_NAME:"
		for name in "${FAILED_NAMES[@]}"; do log "    $name"; done
	fi
	if [[ -n ${DITTOFS_TALLY:-} ]]; then
		printf '%s %d %d %d %d\n' "$SUITE_NAME" "$N_PASS" "$N_FAIL" \
			"$N_KNOWN" "$N_SKIP" >>"$DITTOFS_TALLY"
		log "-- $SUITE_NAME: passed=$N_PASS failed=$N_FAIL knownfail=$N_KNOWN skipped=$N_SKIP"
	else
		((N_KNOWN + N_SKIP == 0)) ||
			log "($N_KNOWN known failures, $N_SKIP skipped)"
		log "$N_PASS passed, $N_FAIL failed"
	fi
	((N_FAIL == 0))
	exit $?
}

# --- temp dirs, ports ----------------------------------------------------

# Make TEST_TMP (once) and arrange for cleanup on exit.
make_test_tmp() {
	[[ -n $TEST_TMP ]] && return 0
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dittofs-it.XXXXXX")
	chmod 0755 "$TEST_TMP"
	trap lib_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

lib_exit() {
	local rc=$?
	server_cleanup
	if [[ -n $TEST_TMP && -d $TEST_TMP ]]; then
		if [[ ${KEEP_TMP:-0} == 1 ]]; then
			echo "lib.sh: kept $TEST_TMP" >&2
		else
			rm -rf -- "$TEST_TMP"
		fi
	fi
	exit "$rc"
}

# port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
port_in_use() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# free_port: a random unused loopback port outside the kernel's ephemeral
# range (ip_local_port_range, 32768..60999 by default). Ports inside it can be
# taken at any moment as the source port of some client's connection, which
# port_in_use cannot see and which makes the server's bind fail with
# EADDRINUSE (seen once in CI); below it only listeners compete.
free_port() {
	local i port lo=32768 hi=60999 range
	range=$(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) &&
		read -r lo hi <<<"$range"
	for ((i = 0; i < 200; i++)); do
		port=$((10000 + (RANDOM * 32768 + RANDOM) % 55000))
		((port >= lo && port <= hi)) && continue
		if ! port_in_use "$port"; then
			echo "$port"
			return 0
		fi
	done
	echo "free_port: no free port found outside the ephemeral range $lo..$hi" >&2
	return 1
}

random_password() {
	local pw
	pw=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16) || true
	[[ ${#pw} == 16 ]] || return 1
	printf '%s\n' "$pw"
}

# --- server lifecycle ----------------------------------------------------

# wait_for_log_line LOG PATTERN PID: true once PATTERN is in LOG; false on
# timeout or when PID died first.
wait_for_log_line() {
	local logf=$1 pattern=$2 pid=$3 deadline=$((SECONDS + START_TIMEOUT))
	while ((SECONDS < deadline)); do
		grep -q -- "$pattern" "$logf" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_for_port PORT PID: true once PORT accepts connections.
wait_for_port() {
	local port=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT))
	while ((SECONDS < deadline)); do
		port_in_use "$port" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

start_failed() {
	echo "lib.sh: $1; server log ($SERVER_LOG):" >&2
	sed 's/^/    | /' "$SERVER_LOG" >&2 || true
	if [[ -n $SERVER_PID ]]; then
		kill -KILL "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	SERVER_PID=
	SERVER_STOPPED=1
	return 1
}

# start_dittofsd CONF: run dittofsd in the background until it reports
# "listening on"; on timeout or early exit print its log and fail.
start_dittofsd() {
	local conf=$1
	make_test_tmp
	[[ -x $DITTOFSD ]] || {
		echo "lib.sh: $DITTOFSD not built" >&2
		return 1
	}
	SERVER_LOG=$TEST_TMP/dittofsd.log
	: >"$SERVER_LOG"
	"$DITTOFSD" -c "$conf" --mode="$DITTOFSD_MODE" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	SERVER_STOPPED=0
	wait_for_log_line "$SERVER_LOG" 'listening on' "$SERVER_PID" ||
		start_failed "dittofsd did not report 'listening on' within ${START_TIMEOUT}s"
}

# sanitizer_errors LOG: print sanitizer reports found in LOG (nothing if clean).
sanitizer_errors() {
	grep -n -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" 2>/dev/null |
		head -20 || true
}

# stop_dittofsd: SIGTERM, bounded wait, then judge. Records one result,
# "<suite>.server-exit", failing if the server had died before (a crash), did
# not exit in time, exited with an unexpected status, or logged a sanitizer
# report.
stop_dittofsd() {
	[[ $SERVER_STOPPED == 1 ]] && return 0
	SERVER_STOPPED=1
	local pid=$SERVER_PID rc=0 problems=() san deadline
	SERVER_PID=
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || rc=$?
		problems+=("server died during the suite (exit status $rc)")
	else
		kill -TERM "$pid" 2>/dev/null || true
		deadline=$((SECONDS + STOP_TIMEOUT))
		while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			problems+=("server still running ${STOP_TIMEOUT}s after SIGTERM; killed")
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || rc=$?
		# 0: clean shutdown; 143: terminated by the SIGTERM we sent.
		if [[ $rc != 0 && $rc != 143 && $rc != 137 ]]; then
			problems+=("server exited with status $rc after SIGTERM")
		fi
	fi
	san=$(sanitizer_errors "$SERVER_LOG")
	[[ -n $san ]] && problems+=("sanitizer report in the server log:" "$san")
	if ((${#problems[@]} > 0)); then
		fail "$SUITE_NAME.server-exit" "${problems[@]}" "--- last 60 log lines:" \
			"$(tail -n 60 "$SERVER_LOG")"
	else
		pass "$SUITE_NAME.server-exit"
	fi
}

# start_samba CONF PORT: smbd in the foreground, ready when PORT accepts.
start_samba() {
	local conf=$1 port=$2
	make_test_tmp
	SERVER_LOG=$TEST_TMP/smbd.log
	: >"$SERVER_LOG"
	# Not -i: interactive smbd exits when stdin closes and stays in our process
	# group, which it signals on exit. -F alone makes it a session leader.
	smbd -F --debug-stdout --configfile="$conf" -d 1 >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	SERVER_STOPPED=0
	wait_for_port "$port" "$SERVER_PID" ||
		start_failed "smbd did not listen on $port within ${START_TIMEOUT}s"
}

stop_samba() {
	[[ $SERVER_STOPPED == 1 ]] && return 0
	SERVER_STOPPED=1
	local pid=$SERVER_PID deadline children child
	SERVER_PID=
	# smbd forks helpers (notifyd, cleanupd) and one child per connection.
	# Stop those first, by pid, so the parent can still reap them; then the
	# parent.
	children=$(pgrep -P "$pid" 2>/dev/null || true)
	for child in $children; do
		kill -TERM "$child" 2>/dev/null || true
	done
	sleep 0.3
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_TIMEOUT))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for child in $children; do
		kill -KILL "$child" 2>/dev/null || true
	done
}

stop_server() {
	case $SERVER_KIND in
	dittofs) stop_dittofsd ;;
	samba) stop_samba ;;
	esac
}

# server_cleanup: stop whatever is running (used on every exit path).
server_cleanup() {
	[[ $SERVER_STOPPED == 1 ]] && return 0
	stop_server || true
}

# write_dittofs_conf FILE PORT SHARE STATE [GLOBAL_LINE...]
write_dittofs_conf() {
	local file=$1 port=$2 share=$3 state=$4 line
	shift 4
	{
		echo "# written by tests/integration/lib.sh"
		echo "[global]"
		echo "	listen address = 127.0.0.1"
		echo "	port = $port"
		echo "	state directory = $state"
		echo "	log level = ${DITTOFS_LOG_LEVEL:-1}"
		for line in "$@"; do echo "	$line"; done
		echo
		echo "[$SMB_SHARE]"
		echo "	path = $share"
		echo "	read only = no"
		echo "	guest ok = no"
		echo "	comment = integration test share"
	} >"$file"
}

# write_samba_conf FILE PORT SHARE STATE [GLOBAL_LINE...]: a private smbd that
# touches nothing outside STATE.
write_samba_conf() {
	local file=$1 port=$2 share=$3 state=$4 line d
	shift 4
	for d in private lock state cache pid ncalrpc; do
		mkdir -p "$state/$d"
	done
	chmod 0700 "$state/private"
	{
		echo "# written by tests/integration/lib.sh"
		echo "[global]"
		echo "	server role = standalone server"
		echo "	workgroup = WORKGROUP"
		echo "	netbios name = DITTOTEST"
		echo "	interfaces = 127.0.0.1"
		echo "	bind interfaces only = yes"
		echo "	smb ports = $port"
		echo "	disable netbios = yes"
		echo "	private dir = $state/private"
		echo "	lock directory = $state/lock"
		echo "	state directory = $state/state"
		echo "	cache directory = $state/cache"
		echo "	pid directory = $state/pid"
		echo "	ncalrpc dir = $state/ncalrpc"
		echo "	passdb backend = tdbsam:$state/private/passdb.tdb"
		echo "	log file = $state/log.smbd"
		echo "	load printers = no"
		echo "	printing = bsd"
		echo "	printcap name = /dev/null"
		echo "	disable spoolss = yes"
		echo "	map to guest = never"
		echo "	server min protocol = SMB2_02"
		echo "	usershare max shares = 0"
		for line in "$@"; do echo "	$line"; done
		echo
		echo "[$SMB_SHARE]"
		echo "	path = $share"
		echo "	read only = no"
		echo "	guest ok = no"
		echo "	comment = integration test share"
		# named streams in xattrs, as dittofsd keeps them: like with like
		echo "	vfs objects = streams_xattr"
	} >"$file"
}

# A client smb.conf so smbclient/smbtorture ignore /etc/samba/smb.conf and
# keep their caches in the temp dir.
write_client_conf() {
	local file=$1 dir=$2
	mkdir -p "$dir"
	{
		echo "[global]"
		echo "	lock directory = $dir"
		echo "	state directory = $dir"
		echo "	cache directory = $dir"
		echo "	private dir = $dir"
		echo "	ncalrpc dir = $dir"
		echo "	client min protocol = SMB2_02"
	} >"$file"
}

# server_setup [GLOBAL_LINE...]: the usual fixture. Extra lines go into
# [global] of the server's config ("server signing = mandatory", ...).
server_setup() {
	make_test_tmp
	SMB_SHARE=${SMB_SHARE:-share}
	SHARE_DIR=$TEST_TMP/share
	STATE_DIR=$TEST_TMP/state
	SERVER_CONF=$TEST_TMP/server.conf
	CLIENT_CONF=$TEST_TMP/client.conf
	mkdir -p "$SHARE_DIR" "$STATE_DIR"
	chmod 0777 "$SHARE_DIR"
	echo "DittoFS integration test share" >"$SHARE_DIR/README.txt"
	write_client_conf "$CLIENT_CONF" "$TEST_TMP/client"
	SMB_PORT=$(free_port)
	SMB_PASS=$(random_password)
	case $SERVER_KIND in
	dittofs)
		SMB_USER=${SMB_USER:-ditto}
		write_dittofs_conf "$SERVER_CONF" "$SMB_PORT" "$SHARE_DIR" "$STATE_DIR" "$@"
		local out rc=0
		out=$(printf '%s\n' "$SMB_PASS" |
			timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" user add "$SMB_USER" \
				--password-stdin --uid "$(id -u)" --gid "$(id -g)" 2>&1) || rc=$?
		if [[ $rc != 0 ]]; then
			echo "lib.sh: dittofsctl user add failed ($rc): $out" >&2
			return 1
		fi
		start_dittofsd "$SERVER_CONF"
		;;
	samba)
		# smbd maps SMB users to Unix accounts: use the one running the tests.
		SMB_USER=$(id -un)
		write_samba_conf "$SERVER_CONF" "$SMB_PORT" "$SHARE_DIR" "$STATE_DIR" "$@"
		printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" |
			timeout 30 smbpasswd -c "$SERVER_CONF" -a -s "$SMB_USER" >/dev/null
		start_samba "$SERVER_CONF" "$SMB_PORT"
		;;
	esac
	log "# $SUITE_NAME: $SERVER_KIND on 127.0.0.1:$SMB_PORT, share $SHARE_DIR"
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_hostile.sh - a hostile client (tests/integration/test_hostile.py):
# truncated and oversized frames, bad NetBIOS types and protocol ids,
# MessageId replay and window abuse, CreditCharge lies, broken compounds,
# other sessions' ids, stripped and bad signatures, plaintext on an
# encrypted session, a SESSION_SETUP flood, idle connections and a slow
# sender, and the resource limits. After every case a fresh normal client
# must still work and the share's data must be intact.
#
# The server runs four times: default policy (two users, "ditto" and
# "bob"), "server signing = mandatory", "smb encrypt = required", and low
# resource limits (4 connections per IP, 6 sessions, ...); each run gets the cases that need that policy. Run it under the sanitizer
# build too (BUILD=build-asan): stop_dittofsd fails the suite on any ASan,
# LeakSanitizer or UBSan report in the server log.
#
# Environment: PYTHON (default /usr/bin/python3, which has impacket),
# HOSTILE_ONLY (substring: run only matching cases), plus what lib.sh reads.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}
HOSTILE_PY=$LIB_DIR/test_hostile.py
HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-600}

if [[ $SERVER_KIND != dittofs ]]; then
	skip hostile "only meaningful against dittofsd"
	finish
fi
"$PYTHON" -c 'import impacket.smbconnection' 2>/dev/null || {
	echo "test_hostile: $PYTHON has no impacket (apt install python3-impacket)" >&2
	exit 1
}

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

BOB_PASS=$(random_password)
add_bob() {
	printf '%s\n' "$BOB_PASS" |
		timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" user add bob \
			--password-stdin --uid "$(id -u)" --gid "$(id -g)" >/dev/null
}

# run_group GROUP: the python cases of GROUP against the running server,
# each of its PASS/FAIL lines becoming one result.
run_group() {
	local group=$1 out rc=0 line name
	out=$(timeout "$HOSTILE_TIMEOUT" "$PYTHON" "$HOSTILE_PY" \
		--port "$SMB_PORT" --pid "$SERVER_PID" \
		--user "$SMB_USER" --password "$SMB_PASS" \
		--user2 bob --password2 "$BOB_PASS" \
		--share "$SMB_SHARE" --share-dir "$SHARE_DIR" \
		--group "$group" --only "${HOSTILE_ONLY:-}" 2>&1) || rc=$?
	while IFS= read -r line; do
		case $line in
		"PASS "*)
			pass "hostile.$group.${line#PASS }"
			;;
		"FAIL "*)
			name=${line#FAIL }
			fail "hostile.$group.${name%%:*}" "${name#*: }"
			;;
		esac
	done <<<"$out"
	if [[ $rc != 0 ]] && ! grep -q '^FAIL ' <<<"$out"; then
		fail "hostile.$group.runner" "test_hostile.py exited with $rc:" "$out"
	fi
}

# restart_with GLOBAL_LINE...: the same share, users and port, new policy.
restart_with() {
	stop_dittofsd
	write_dittofs_conf "$SERVER_CONF" "$SMB_PORT" "$SHARE_DIR" "$STATE_DIR" "$@"
	start_dittofsd "$SERVER_CONF"
}

add_bob || fail hostile.setup "dittofsctl user add bob failed"
run_group plain
restart_with "server signing = mandatory"
run_group signing
restart_with "smb encrypt = required"
run_group encrypt
# low limits, so that each can be reached with a handful of requests
restart_with "max connections per ip = 4" "max sessions = 6" \
	"max sessions per connection = 3" "max open files = 8" \
	"max async operations = 4"
run_group limits

stop_server
finish

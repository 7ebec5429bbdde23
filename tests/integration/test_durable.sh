#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The check helpers run through expect "$@":
# shellcheck disable=SC2317
#
# test_durable.sh - durable handles seen from the administrator's side:
# smbtorture's durable-open-disconnect leaves a durable open behind when its
# connection drops; dittofsctl file list must show it, durable.mdb must hold
# its record, the 'durable handle timeout' must close it, and after a kill -9
# the restarted daemon must report and drop the stale record. (Reconnecting
# is judged by smbtorture smb2.durable-open / durable-v2-open in
# test_conformance.sh.)
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $SERVER_KIND != dittofs ]]; then
	echo "test_durable: dittofsctl and durable.mdb are dittofsd's; nothing to compare with Samba"
	finish
fi
if ! command -v smbtorture >/dev/null; then
	skip "durable" "smbtorture is not installed (package samba-testsuite)"
	finish
fi

TIMEOUT_S=4
server_setup "durable handle timeout = $TIMEOUT_S"

ctl() {
	CTL_RC=0
	CTL_OUT=$(timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" "$@" 2>&1) || CTL_RC=$?
}

# leave_durable: smbtorture opens a file durable with a batch oplock and
# drops its connection without closing it.
leave_durable() {
	(cd "$TEST_TMP" && timeout 60 smbtorture "//127.0.0.1/$SMB_SHARE" \
		-s "$CLIENT_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PASS" \
		smb2.durable-open-disconnect 2>&1) || true
}

out=$(leave_durable)
expect "durable.disconnect-test-passes" "$out" has '^success: open-oplock-disconnect' "$out"
ctl file list
expect "durable.file-list-shows-disconnected-open" "$CTL_OUT" \
	has 'durable_open_oplock_disconnect_' "$CTL_OUT"
check "durable.mdb-exists" test -s "$STATE_DIR/durable.mdb"

# the timer closes it once the timeout has run out (ticks are ~1 s)
gone=0
for _ in $(seq 1 $((TIMEOUT_S * 4 + 8))); do
	sleep 0.5
	ctl file list
	if ! has 'durable_open_oplock_disconnect_' "$CTL_OUT"; then
		gone=1
		break
	fi
done
check "durable.closed-after-timeout" test "$gone" = 1

# a daemon killed with durable opens left records; its successor drops them
out=$(leave_durable)
expect "durable.disconnect-test-passes-again" "$out" has '^success: open-oplock-disconnect' "$out"
ctl file list
expect "durable.file-list-shows-second-open" "$CTL_OUT" \
	has 'durable_open_oplock_disconnect_' "$CTL_OUT"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
# the killed daemon's io_uring may hold the listening socket for a moment
for _ in $(seq 1 100); do
	port_in_use "$SMB_PORT" || ss -Hltn "sport = :$SMB_PORT" 2>/dev/null | grep -q . || break
	sleep 0.2
done
start_dittofsd "$SERVER_CONF"
expect "durable.restart-drops-stale-record" "$(cat "$SERVER_LOG")" \
	grep -q 'dropped 1 durable open' "$SERVER_LOG"
ctl file list
expect "durable.restart-file-list-empty" "$CTL_OUT" \
	bash -c '! grep -q durable_open_oplock_disconnect_ <<<"$1"' _ "$CTL_OUT"

finish

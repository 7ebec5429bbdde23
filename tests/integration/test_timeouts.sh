#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_timeouts.sh - 'unauthenticated timeout' and 'idle timeout' close the
# connections they should and no others (tests/integration/test_timeouts.py).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}

if [[ $SERVER_KIND != dittofs ]]; then
	skip timeouts "dittofsd's own options"
	finish
fi

server_setup "unauthenticated timeout = 2" "idle timeout = 2"

out=$(timeout 120 "$PYTHON" "$LIB_DIR/test_timeouts.py" "$SMB_PORT" "$SMB_USER" "$SMB_PASS" 2>&1) || true
while IFS= read -r line; do
	case $line in
	PASS:\ *) pass "${line#PASS: }" ;;
	FAIL:\ *) fail "${line#FAIL: }" "$out" ;;
	esac
done <<<"$out"
grep -q "^PASS: timeouts.active-session-kept" <<<"$out" ||
	grep -q "^FAIL: timeouts.active-session-kept" <<<"$out" ||
	fail "timeouts.script-ran" "$out"

stop_server
finish

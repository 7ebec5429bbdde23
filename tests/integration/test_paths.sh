#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_paths.sh - path safety (tests/integration/test_paths.py): a table of
# hostile names for CREATE and rename ("..", a leading separator, drive
# letters, symlinks and hard links out of the share, devices and FIFOs,
# stream syntax, invalid UTF-16, reserved and overlong names, wildcards),
# each with its expected NTSTATUS, and two symlink-swap races. Nothing
# outside the share may be read, created or changed. The table with the
# expected and actual status of each case goes to the log.
#
# Environment: PYTHON (default /usr/bin/python3, which has impacket),
# PATHS_RACE_SECONDS (default 3), plus what lib.sh reads.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=${PYTHON:-/usr/bin/python3}

if [[ $SERVER_KIND != dittofs ]]; then
	skip paths "the expected statuses are dittofsd's"
	finish
fi
"$PYTHON" -c 'import impacket.smbconnection' 2>/dev/null || {
	echo "test_paths: $PYTHON has no impacket (apt install python3-impacket)" >&2
	exit 1
}

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

rc=0
out=$(timeout 300 "$PYTHON" "$LIB_DIR/test_paths.py" \
	--port "$SMB_PORT" --user "$SMB_USER" --password "$SMB_PASS" \
	--share "$SMB_SHARE" --share-dir "$SHARE_DIR" \
	--race-seconds "${PATHS_RACE_SECONDS:-3}" 2>&1) || rc=$?
while IFS= read -r line; do
	case $line in
	"PASS "*) pass "paths.${line#PASS }" ;;
	"FAIL "*)
		name=${line#FAIL }
		fail "paths.${name%%:*}" "${name#*: }"
		;;
	"SKIP "*) skip paths.root-only "${line#SKIP }" ;;
	"|"*) log "$line" ;;
	esac
done <<<"$out"
if [[ $rc != 0 ]] && ! grep -q '^FAIL ' <<<"$out"; then
	fail paths.runner "test_paths.py exited with $rc:" "$out"
fi

stop_server
finish

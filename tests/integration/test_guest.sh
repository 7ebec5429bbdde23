#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_guest.sh - anonymous and guest sessions: they reach "guest ok"
# shares only, act as the guest account there, and get no signing key; an
# unknown user becomes a guest only with "map to guest = bad user".
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $SERVER_KIND != dittofs ]]; then
	skip guest "written against dittofsd's configuration"
	finish
fi

# the usual fixture, plus a guest share, and unknown users mapped to guest
server_setup "map to guest = bad user" "guest account = nobody"
stop_server
PUBLIC_DIR=$TEST_TMP/public
mkdir -p "$PUBLIC_DIR"
chmod 0777 "$PUBLIC_DIR"
echo "for everyone" >"$PUBLIC_DIR/hello.txt"
{
	echo
	echo "[public]"
	echo "	path = $PUBLIC_DIR"
	echo "	guest ok = yes"
	echo "	read only = no"
} >>"$SERVER_CONF"
start_dittofsd "$SERVER_CONF"

# client SHARE ARGS... CMD: output of one smbclient command
client() {
	local share=$1
	shift
	local cmd=${*: -1}
	set -- "${@:1:$#-1}"
	timeout 60 smbclient "//127.0.0.1/$share" -p "$SMB_PORT" -s "$CLIENT_CONF" \
		"$@" -c "$cmd" 2>&1 || true
}
out=$(client public -N "ls")
expect guest.anonymous-lists-guest-share "$out" has hello.txt "$out"
out=$(client "$SMB_SHARE" -N "ls")
expect guest.anonymous-refused-elsewhere "$out" has NT_STATUS_ACCESS_DENIED "$out"

echo "from a guest" >"$TEST_TMP/up.txt"
out=$(client public -U "nosuchuser%whatever" "put $TEST_TMP/up.txt up.txt")
expect guest.bad-user-mapped-to-guest "$out" test -f "$PUBLIC_DIR/up.txt"
expect guest.files-owned-by-guest-account "uid $(stat -c %u "$PUBLIC_DIR/up.txt" 2>&1)" \
	test "$(stat -c %u "$PUBLIC_DIR/up.txt" 2>/dev/null)" = "$(id -u nobody)"
out=$(client "$SMB_SHARE" -U "nosuchuser%whatever" "ls")
expect guest.guest-refused-elsewhere "$out" has NT_STATUS_ACCESS_DENIED "$out"

# a guest has no session key: a client that insists on signing must fail
out=$(client public -N --option="client signing=required" "ls")
expect guest.no-signing-for-anonymous "$out" has NT_STATUS_ "$out"

# a real user with a wrong password is not turned into a guest
out=$(client public -U "$SMB_USER%wrong-$SMB_PASS" "ls")
expect guest.wrong-password-not-guest "$out" has NT_STATUS_LOGON_FAILURE "$out"

stop_server
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_privs.sh - dittofsd's privileges: after start it holds only
# CAP_SETUID/CAP_SETGID with no_new_privs, and every file access is checked
# against the session user's Unix identity, root-mapped users included.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $SERVER_KIND != dittofs ]]; then
	echo "test_privs: checks dittofsd's own process; nothing to compare with Samba"
	finish
fi

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

# client USER PASS CMD: one smbclient command, output on stdout
client() {
	timeout 60 smbclient "//127.0.0.1/$SMB_SHARE" -p "$SMB_PORT" -s "$CLIENT_CONF" \
		-U "$1%$2" -c "$3" 2>&1 || true
}

# A second, unprivileged user
BOB_PASS=$(random_password)
printf '%s\n' "$BOB_PASS" | "$DITTOFSCTL" -c "$SERVER_CONF" user add bob \
	--password-stdin --uid 65534 --gid 65534 >/dev/null

mkdir -p "$SHARE_DIR/private"
chmod 0755 "$SHARE_DIR/private"
echo "owner only" >"$SHARE_DIR/private/secret.txt"
chmod 0600 "$SHARE_DIR/private/secret.txt"
echo "nobody at all" >"$SHARE_DIR/private/locked.txt"
chmod 0000 "$SHARE_DIR/private/locked.txt"
echo "upload" >"$TEST_TMP/upload.txt"

if [[ $(id -u) == 0 ]]; then
	status=/proc/$SERVER_PID/status
	# CAP_SETGID is bit 6, CAP_SETUID bit 7
	for f in CapEff CapPrm CapBnd; do
		v=$(awk -v k="$f:" '$1 == k { print $2 }' "$status")
		check "privs.$f-setuid-setgid-only" test "$v" = 00000000000000c0
	done
	check "privs.CapInh-empty" test "$(awk '$1 == "CapInh:" { print $2 }' "$status")" = 0000000000000000
	check "privs.no-new-privs" test "$(awk '$1 == "NoNewPrivs:" { print $2 }' "$status")" = 1

	# the root-mapped user owns secret.txt, but has no DAC override for locked.txt
	out=$(client "$SMB_USER" "$SMB_PASS" "get private/secret.txt $TEST_TMP/got.txt")
	expect "privs.owner-reads-0600" "$out" test "$(cat "$TEST_TMP/got.txt" 2>/dev/null)" = "owner only"
	out=$(client "$SMB_USER" "$SMB_PASS" "get private/locked.txt $TEST_TMP/locked.txt")
	expect "privs.root-user-no-dac-override" "$out" has NT_STATUS_ACCESS_DENIED "$out"
else
	skip "privs.capabilities" "dittofsd is not running as root"
fi

out=$(client bob "$BOB_PASS" "get private/secret.txt $TEST_TMP/bob.txt")
expect "privs.other-user-denied-read" "$out" has NT_STATUS_ACCESS_DENIED "$out"
out=$(client bob "$BOB_PASS" "put $TEST_TMP/upload.txt private/bob.txt")
expect "privs.other-user-denied-create" "$out" has NT_STATUS_ACCESS_DENIED "$out"
check "privs.nothing-created" test ! -e "$SHARE_DIR/private/bob.txt"
out=$(client bob "$BOB_PASS" "put $TEST_TMP/upload.txt bob.txt")
expect "privs.other-user-creates-where-allowed" "$out" test -f "$SHARE_DIR/bob.txt"
check "privs.created-as-bob" test "$(stat -c %u "$SHARE_DIR/bob.txt" 2>/dev/null)" = 65534

stop_server
finish

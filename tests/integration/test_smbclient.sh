#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The on-disk checks are called indirectly, through smbc_ok:
# shellcheck disable=SC2317
#
# test_smbclient.sh - Samba's smbclient against the server, once per SMB2/3
# dialect (client min = max protocol, so the dialect is really that one), with
# and without "client signing = required": ls, put/get of a 20 MiB random file
# with checksums compared on both ends and on disk, mkdir, put into it,
# rename, del, rmdir. Then the error paths: wrong password, unknown share,
# and allinfo's size.
#
# Environment: DIALECTS (default "SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11"),
# SIGNING_MODES (default "default required"), BIG_MIB (default 20), plus
# everything lib.sh reads (BUILD, SERVER_KIND, KEEP_TMP).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIALECTS=${DIALECTS:-SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11}
SIGNING_MODES=${SIGNING_MODES:-default required}
BIG_MIB=${BIG_MIB:-20}
SMBCLIENT_TIMEOUT=${SMBCLIENT_TIMEOUT:-300}

command -v smbclient >/dev/null || {
	echo "test_smbclient: smbclient is not installed (tools/install-deps.sh)" >&2
	exit 1
}

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

CLIENT_OPTS=()
SMBC_OUT=
SMBC_RC=0

# smbc CMDS [USER%PASS] [SHARE]: run smbclient -c CMDS with CLIENT_OPTS;
# output in SMBC_OUT, exit status in SMBC_RC.
smbc() {
	local cmds=$1 cred=${2:-$SMB_USER%$SMB_PASS} share=${3:-$SMB_SHARE}
	SMBC_RC=0
	SMBC_OUT=$(timeout "$SMBCLIENT_TIMEOUT" smbclient "//127.0.0.1/$share" \
		-s "$CLIENT_CONF" -p "$SMB_PORT" -U "$cred" "${CLIENT_OPTS[@]}" \
		-c "$cmds" 2>&1) || SMBC_RC=$?
}

# smbc_ok NAME CMDS [EXTRA_CHECK...]: one result; fails when smbclient exits
# non-zero, prints any NT_STATUS_ error (smbclient does not always exit
# non-zero on them), or when EXTRA_CHECK (a command) fails.
smbc_ok() {
	local name=$1 cmds=$2 why=
	shift 2
	smbc "$cmds"
	if [[ $SMBC_RC != 0 ]]; then
		why="smbclient exited with status $SMBC_RC"
	elif grep -q 'NT_STATUS_' <<<"$SMBC_OUT"; then
		why="smbclient reported an NT_STATUS error"
	elif (($# > 0)) && ! "$@"; then
		why="check failed: $*"
	fi
	if [[ -n $why ]]; then
		fail "$name" "$why" "command: $cmds" "$SMBC_OUT"
		return 1
	fi
	pass "$name"
}

# smbc_expect NAME STATUS CMDS [CRED] [SHARE]: one result; passes when the
# output names STATUS.
smbc_expect() {
	local name=$1 status=$2 cmds=$3
	smbc "$cmds" "${4:-$SMB_USER%$SMB_PASS}" "${5:-$SMB_SHARE}"
	if grep -q -- "$status" <<<"$SMBC_OUT"; then
		pass "$name"
	else
		fail "$name" "expected $status (exit status $SMBC_RC), got:" "$SMBC_OUT"
	fi
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# On-disk checks, run as the EXTRA_CHECK of smbc_ok.
disk_same() { [[ -f $SHARE_DIR/$1 ]] && [[ $(sha "$SHARE_DIR/$1") == "$BIG_SHA" ]]; }
disk_gone() { [[ ! -e $SHARE_DIR/$1 ]]; }
disk_dir() { [[ -d $SHARE_DIR/$1 ]]; }
local_same() { [[ -f $1 ]] && cmp -s "$BIG" "$1"; }
out_has() { grep -q -- "$1" <<<"$SMBC_OUT"; }
renamed_ok() { disk_gone "$1" && disk_same "$2"; }
both_gone() { disk_gone "$1" && disk_gone "$2"; }

BIG=$TEST_TMP/big.bin
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$BIG"
BIG_SHA=$(sha "$BIG")
BIG_SIZE=$(stat -c %s "$BIG")

for dialect in $DIALECTS; do
	for signing in $SIGNING_MODES; do
		CLIENT_OPTS=(--option="client min protocol=$dialect"
			--option="client max protocol=$dialect")
		[[ $signing == required ]] &&
			CLIENT_OPTS+=(--option="client signing=required")
		t="smbclient.$dialect.sign-$signing"
		f="f_${dialect}_$signing.bin"
		d="d_${dialect}_$signing"
		back=$TEST_TMP/back_${dialect}_$signing.bin

		smbc_ok "$t.ls" "ls" out_has README.txt || continue
		smbc_ok "$t.put" "put $BIG $f" disk_same "$f" || true
		smbc_ok "$t.get" "get $f $back" local_same "$back" || true
		rm -f "$back"
		smbc_ok "$t.mkdir" "mkdir $d" disk_dir "$d" || true
		smbc_ok "$t.put-into-dir" "put $BIG $d\\in.bin" disk_same "$d/in.bin" || true
		smbc_ok "$t.ls-dir" "ls $d\\*" out_has in.bin || true
		smbc_ok "$t.rename" "rename $d\\in.bin $d\\moved.bin" \
			renamed_ok "$d/in.bin" "$d/moved.bin" || true
		smbc_ok "$t.allinfo" "allinfo $d\\moved.bin" out_has "$BIG_SIZE bytes" || true
		smbc_ok "$t.del" "del $d\\moved.bin; del $f" \
			both_gone "$d/moved.bin" "$f" || true
		smbc_ok "$t.rmdir" "rmdir $d" disk_gone "$d" || true
	done
done

# Error paths, default dialect negotiation.
CLIENT_OPTS=()
smbc_expect smbclient.wrong-password NT_STATUS_LOGON_FAILURE "ls" \
	"$SMB_USER%not-$SMB_PASS"
smbc_expect smbclient.unknown-user NT_STATUS_LOGON_FAILURE "ls" \
	"nosuchuser%$SMB_PASS"
smbc_expect smbclient.bad-share NT_STATUS_BAD_NETWORK_NAME "ls" \
	"$SMB_USER%$SMB_PASS" no-such-share
smbc_ok smbclient.allinfo-readme "allinfo README.txt" \
	out_has "$(stat -c %s "$SHARE_DIR/README.txt") bytes" || true
smbc_expect smbclient.get-missing NT_STATUS_OBJECT_NAME_NOT_FOUND \
	"get no-such-file $TEST_TMP/nothing"

# A client that still opens with an SMB1 multi-protocol NEGOTIATE: answered
# with the SMB2 wildcard (then a real SMB2 NEGOTIATE to 3.1.1), or straight
# with 2.0.2 when that is all it offers.
CLIENT_OPTS=(--option="client min protocol=NT1" --option="client max protocol=SMB3")
smbc_ok smbclient.smb1-negotiate-to-smb3 "ls" out_has README.txt || true
CLIENT_OPTS=(--option="client min protocol=NT1" --option="client max protocol=SMB2_02")
smbc_ok smbclient.smb1-negotiate-to-2.0.2 "get README.txt $TEST_TMP/readme.smb1" \
	cmp -s "$SHARE_DIR/README.txt" "$TEST_TMP/readme.smb1" || true
CLIENT_OPTS=()

stop_server
finish

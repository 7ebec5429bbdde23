#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The on-disk checks are called indirectly, through smbc_ok:
# shellcheck disable=SC2317
# "$DATA" in single quotes is a stream type, not a variable:
# shellcheck disable=SC2016
#
# test_streams.sh - named streams ("file:stream") through Samba's smbclient:
# put a random file into a stream of an existing file and get it back with
# equal checksums, see the stream (and its size) in allinfo and the bytes in
# the base file's xattrs on disk, leave the base's own data alone, refuse
# what the file system cannot hold, and see the streams go with their file.
# Where xattr values may be large (tmpfs, XFS: run with TMPDIR=/dev/shm) a
# 1 MiB stream goes through the chunked storage; on ext4, whose xattrs share
# one block per inode, a 64 KiB stream must fail with NT_STATUS_DISK_FULL.
#
# Environment: everything lib.sh reads (BUILD, SERVER_KIND, KEEP_TMP).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v smbclient >/dev/null || {
	echo "test_streams: smbclient is not installed (tools/install-deps.sh)" >&2
	exit 1
}
command -v python3 >/dev/null || {
	echo "test_streams: python3 is needed to look at xattrs" >&2
	exit 1
}

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

SMBC_OUT=
SMBC_RC=0

smbc() {
	SMBC_RC=0
	SMBC_OUT=$(timeout 120 smbclient "//127.0.0.1/$SMB_SHARE" \
		-s "$CLIENT_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PASS" \
		-c "$1" 2>&1) || SMBC_RC=$?
}

# smbc_ok NAME CMDS [CHECK...]: smbclient succeeds, prints no NT_STATUS_
# error, and CHECK (a command) holds.
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

sha() { sha256sum <"$1" | cut -d' ' -f1; }
out_has() { grep -qF -- "$1" <<<"$SMBC_OUT"; }
out_re() { grep -qE -- "$1" <<<"$SMBC_OUT"; }
same() { cmp -s "$1" "$2"; }
# the stream's header xattr on the base file, as streams.h describes it
xattr_there() {
	python3 -c 'import os, sys; sys.exit(sys.argv[2] not in os.listxattr(sys.argv[1]))' \
		"$SHARE_DIR/$1" "user.dittofs.stream.$2.0"
}
xattr_gone() { ! xattr_there "$@"; }
base_intact() { [[ $(sha "$SHARE_DIR/base.txt") == "$BASE_SHA" ]]; }

printf 'the default stream of base.txt\n' >"$SHARE_DIR/base.txt"
BASE_SHA=$(sha "$SHARE_DIR/base.txt")
SMALL=$TEST_TMP/small.bin
head -c 2000 /dev/urandom >"$SMALL"

# put into a named stream, get it back, see it in allinfo and on disk
smbc_ok streams.put "put $SMALL base.txt:Data1" xattr_there base.txt data1 || true
smbc_ok streams.get "get base.txt:Data1 $TEST_TMP/back1.bin" \
	same "$SMALL" "$TEST_TMP/back1.bin" || true
smbc_ok streams.get-other-case "get base.txt:DATA1:\$DATA $TEST_TMP/back2.bin" \
	same "$SMALL" "$TEST_TMP/back2.bin" || true
smbc_ok streams.allinfo "allinfo base.txt" out_has ':Data1:$DATA' || true
smbc_ok streams.allinfo-size "allinfo base.txt" \
	out_re '^stream: \[:Data1:\$DATA\], 2000 bytes' || true
record streams.base-untouched "$(base_intact && echo 0 || echo 1)" \
	"base.txt changed on disk"
smbc_ok streams.get-base "get base.txt $TEST_TMP/base.back" \
	same "$SHARE_DIR/base.txt" "$TEST_TMP/base.back" || true

# a stream on a file that does not exist creates the file
smbc_ok streams.put-new-base "put $SMALL newbase.txt:s" \
	xattr_there newbase.txt s || true
record streams.new-base-empty "$([[ -f $SHARE_DIR/newbase.txt && ! -s $SHARE_DIR/newbase.txt ]] && echo 0 || echo 1)" \
	"newbase.txt should exist, empty"

# a directory has named streams too (and no unnamed data stream)
smbc_ok streams.dir-put "mkdir sdir; put $SMALL sdir:ds" xattr_there sdir ds || true
smbc_ok streams.dir-get "get sdir:ds $TEST_TMP/back4.bin" \
	same "$SMALL" "$TEST_TMP/back4.bin" || true
record streams.dir-still-dir "$([[ -d $SHARE_DIR/sdir ]] && echo 0 || echo 1)" \
	"sdir is no longer a directory"

# names the parser refuses
smbc "get base.txt:bad\$type:\$FOO $TEST_TMP/x"
record streams.bad-type "$(out_has NT_STATUS_OBJECT_NAME_INVALID && echo 0 || echo 1)" "$SMBC_OUT"
smbc "get base.txt:nosuch $TEST_TMP/x"
record streams.missing "$(out_has NT_STATUS_OBJECT_NAME_NOT_FOUND && echo 0 || echo 1)" "$SMBC_OUT"

# as big a stream as the file system takes; ext4 keeps one block of xattrs
big_ok=0
probe=$SHARE_DIR/.probe
: >"$probe"
if python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.dittofs.probe", bytes(65536))' \
	"$probe" 2>/dev/null; then
	big_ok=1
fi
rm -f "$probe"
BIG=$TEST_TMP/big.bin
if ((big_ok)); then
	head -c $((1024 * 1024)) /dev/urandom >"$BIG"
	smbc_ok streams.put-1MiB "put $BIG base.txt:big" xattr_there base.txt big || true
	smbc_ok streams.get-1MiB "get base.txt:big $TEST_TMP/big.back" \
		same "$BIG" "$TEST_TMP/big.back" || true
else
	# 64 KiB does not fit: refused cleanly, the stream stays usable
	head -c 65536 /dev/urandom >"$BIG"
	smbc "put $BIG base.txt:big"
	record streams.too-big-refused "$(out_has NT_STATUS_DISK_FULL && echo 0 || echo 1)" "$SMBC_OUT"
	smbc_ok streams.get-after-full "get base.txt:Data1 $TEST_TMP/back3.bin" \
		same "$SMALL" "$TEST_TMP/back3.bin" || true
fi

# deleting the base deletes its streams (smbclient's del lists a pattern,
# so a stream itself is deleted by smbtorture's smb2.streams, not here)
smbc_ok streams.del-base "del base.txt" test ! -e "$SHARE_DIR/base.txt" || true
smbc_ok streams.recreated-has-none "put $SMALL base.txt; allinfo base.txt" \
	xattr_gone base.txt data1 || true
record streams.recreated-no-stream "$(out_has 'Data1' && echo 1 || echo 0)" "$SMBC_OUT"

stop_server
finish

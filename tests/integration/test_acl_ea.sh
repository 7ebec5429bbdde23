#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The checks are called indirectly, through expect:
# shellcheck disable=SC2317
#
# test_acl_ea.sh - security descriptors and EAs as Samba's smbclient sees
# them (Documentation/acl-mapping.md): "showacls; ls" reads the descriptor
# mapped from the Unix owner, group and mode (and follows a chmod made on
# disk), "setmode +r" leaves it alone; "setea"/"geteas" store EAs in
# user.dittofs.ea.NAME xattrs (checked on disk), case-insensitively, delete
# one given no value, refuse an invalid name, and work on a directory.
#
# Environment: everything lib.sh reads (BUILD, SERVER_KIND, KEEP_TMP).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v smbclient >/dev/null || {
	echo "test_acl_ea: smbclient is not installed (tools/install-deps.sh)" >&2
	exit 1
}

if [[ $SERVER_KIND != dittofs ]]; then
	skip acl_ea "checks dittofsd's SIDs and xattr names on disk"
	finish
fi

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

OUT=
# lacks ERE TEXT: no line of TEXT matches ERE
lacks() { ! grep -qE -- "$1" <<<"$2"; }

# smbc CMDS: smbclient -c CMDS; output (stdout and stderr) in OUT.
smbc() {
	OUT=$(timeout 60 smbclient "//127.0.0.1/$SMB_SHARE" -s "$CLIENT_CONF" \
		-p "$SMB_PORT" -U "$SMB_USER%$SMB_PASS" -c "$1" 2>&1) || true
}

# xattr FILE NAME: the value of a user xattr on disk ("" when absent)
xattr() {
	python3 -c 'import os, sys
try:
    sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())
except OSError:
    pass' "$1" "$2"
}

# The descriptor part of a "showacls; ls" listing
acl_text() { sed -n '/revision:/,/Group SID/p' <<<"$OUT"; }

# The ACE of SID in a "showacls; ls" listing: "TYPE MASK" per ACE, one line
aces_of() {
	awk -v sid="$1" '
		/type:/ { t = $3 }
		/Permissions:/ { m = $2 }
		/SID:/ { if ($2 == sid) print t, m }
	' <<<"$OUT"
}

uid=$(stat -c %u "$SHARE_DIR")
gid=$(stat -c %g "$SHARE_DIR")
F=acl.txt
echo hello >"$SHARE_DIR/$F"
chmod 0640 "$SHARE_DIR/$F"

# --- security descriptors mapped from the mode ---------------------------

smbc "showacls; ls $F"
expect acl_ea.sd-owner "$OUT" has "Owner SID:[[:space:]]+S-1-22-1-$uid$" "$OUT"
expect acl_ea.sd-group "$OUT" has "Group SID:[[:space:]]+S-1-22-2-$gid$" "$OUT"
# 0640: the group reads (FILE_GENERIC_READ), Everyone only the basics
expect acl_ea.sd-group-read "$OUT" \
	test "$(aces_of "S-1-22-2-$gid")" = "ALLOWED 0x120089:"
expect acl_ea.sd-everyone-none "$OUT" \
	test "$(aces_of S-1-1-0)" = "ALLOWED 0x120080:"
before=$(acl_text)

# a chmod on disk shows at once; others' read needs a deny for the group
chmod 0604 "$SHARE_DIR/$F"
smbc "showacls; ls $F"
expect acl_ea.sd-follows-chmod "$OUT" \
	test "$(aces_of S-1-1-0)" = "ALLOWED 0x120089:"
expect acl_ea.sd-deny-group "$OUT" has "type: ACCESS DENIED" "$OUT"
chmod 0640 "$SHARE_DIR/$F"

# READONLY is an attribute: the mode loses its write bits, the ACL stays
smbc "setmode $F +r"
ro_mode=$(stat -c %a "$SHARE_DIR/$F")
smbc "showacls; ls $F"
expect acl_ea.readonly-keeps-acl "$OUT mode $ro_mode" \
	test "$(acl_text)" = "$before" -a "$ro_mode" = 440
smbc "setmode $F -r"

# --- EAs --------------------------------------------------------------------

smbc "geteas $F"
expect acl_ea.no-eas "$OUT" has NT_STATUS_NO_EAS_ON_FILE "$OUT"

smbc "setea $F Comment \"hello world\"; setea $F two 2"
expect acl_ea.setea "$OUT" test -z "$OUT"
expect acl_ea.setea-on-disk "$(xattr "$SHARE_DIR/$F" user.dittofs.ea.COMMENT)" \
	test "$(xattr "$SHARE_DIR/$F" user.dittofs.ea.COMMENT)" = "hello world"
smbc "geteas $F"
expect acl_ea.geteas "$OUT" has "^COMMENT \(0\) =" "$OUT"
expect acl_ea.geteas-two "$OUT" has "^TWO \(0\) =" "$OUT"

# names are case-insensitive: "comment" is the same EA
smbc "setea $F comment again"
expect acl_ea.case-insensitive "$(xattr "$SHARE_DIR/$F" user.dittofs.ea.COMMENT)" \
	test "$(xattr "$SHARE_DIR/$F" user.dittofs.ea.COMMENT)" = again
expect acl_ea.no-lowercase-copy "$OUT" \
	test -z "$(xattr "$SHARE_DIR/$F" user.dittofs.ea.comment)"

# no value deletes
smbc "setea $F two"
smbc "geteas $F"
expect acl_ea.delete "$OUT" lacks "^TWO " "$OUT"

smbc "setea $F bad:name x"
expect acl_ea.invalid-name "$OUT" has STATUS_INVALID_EA_NAME "$OUT"

# the other xattrs are not EAs
smbc "geteas $F"
expect acl_ea.internal-hidden "$OUT" lacks "[Dd][Ii][Tt][Tt][Oo]|DOS" "$OUT"

smbc "mkdir eadir; setea eadir Color blue; geteas eadir"
expect acl_ea.directory "$OUT" has "^COLOR \(0\) =" "$OUT"
expect acl_ea.directory-on-disk "$OUT" \
	test "$(xattr "$SHARE_DIR/eadir" user.dittofs.ea.COLOR)" = blue

stop_server
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_large_dir.sh - large directories through smbclient: a 20000-entry
# directory lists completely (exact count), and in a directory large enough
# for dittofsd's table of names (userd/vfs/case_cache.c) case-insensitive
# lookups find entries made over SMB and entries made behind the server's
# back, and a create in another case opens the existing file instead of
# adding a second one. Timings are tests/bench/large_dir.sh's business.
#
# Environment: LIST_N (default 20000), CREATE_N (default 1500).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LIST_N=${LIST_N:-20000}
CREATE_N=${CREATE_N:-1500}

server_setup

# smb CMD: output of one smbclient session running CMD (";"-separated)
smb() {
	timeout 300 smbclient "//127.0.0.1/$SMB_SHARE" -p "$SMB_PORT" \
		-s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" -c "$1" 2>&1 || true
}

# --- listing: every entry, once ---------------------------------------
mkdir "$SHARE_DIR/list"
(cd "$SHARE_DIR/list" && seq -f 'e%06g' 1 "$LIST_N" | xargs touch)
out=$(smb "cd list; ls")
got=$(grep -c ' e[0-9]\{6\} ' <<<"$out" || true)
uniq=$(grep -o ' e[0-9]\{6\} ' <<<"$out" | sort -u | wc -l)
expect large_dir.list-all "listed $got ($uniq distinct) of $LIST_N" \
	test "$got" = "$LIST_N" -a "$uniq" = "$LIST_N"
out=$(smb "cd list; ls E001234")
expect large_dir.list-exact-name-any-case "$out" has ' e001234 ' "$out"
out=$(smb "cd list; ls e999999")
expect large_dir.list-missing-name "$out" has NT_STATUS_NO_SUCH_FILE "$out"

# --- creating over SMB, then case-insensitive lookups -----------------
: >"$TEST_TMP/empty"
echo "new content" >"$TEST_TMP/data"
mkdir "$SHARE_DIR/mk"
{
	echo "cd mk"
	seq -f "put $TEST_TMP/empty Name%05g" 1 "$CREATE_N"
} | timeout 300 smbclient "//127.0.0.1/$SMB_SHARE" -p "$SMB_PORT" \
	-s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" >/dev/null 2>&1 || true
got=$(find "$SHARE_DIR/mk" -type f | wc -l)
expect large_dir.create-all "created $got of $CREATE_N" test "$got" = "$CREATE_N"

# a put under another case overwrites the existing file, adds none
out=$(smb "cd mk; put $TEST_TMP/data NAME00042")
expect large_dir.create-other-case-opens-existing \
	"$out; files: $(find "$SHARE_DIR/mk" -type f | wc -l); $(cat "$SHARE_DIR/mk/Name00042" 2>&1)" \
	test "$(find "$SHARE_DIR/mk" -type f | wc -l)" = "$CREATE_N" -a \
	"$(cat "$SHARE_DIR/mk/Name00042" 2>/dev/null)" = "new content"

# made locally, after the server built its table: still found in any case
echo "local" >"$SHARE_DIR/mk/LocalFile"
rm -f "$SHARE_DIR/mk/Name00007"
out=$(smb "cd mk; get LOCALFILE $TEST_TMP/got-local; get name00007 $TEST_TMP/got-gone")
expect large_dir.local-create-seen "$out" test "$(cat "$TEST_TMP/got-local" 2>/dev/null)" = local
expect large_dir.local-delete-seen "$out" has NT_STATUS_OBJECT_NAME_NOT_FOUND "$out"

# renamed over SMB: the new name in another case, not the old one
out=$(smb "cd mk; rename Name00100 Renamed100; get RENAMED100 $TEST_TMP/got-ren; get NAME00100 $TEST_TMP/got-old")
expect large_dir.rename-seen "$out" test -f "$TEST_TMP/got-ren" -a ! -e "$TEST_TMP/got-old"

stop_server
finish

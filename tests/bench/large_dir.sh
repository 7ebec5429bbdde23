#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# large_dir.sh - a benchmark, not a test: how listing and filling a large
# directory scales, measured with real clients against one server (dittofsd
# in user mode by default, or SERVER_KIND=samba for smbd) on loopback.
#
# For each size N (default 10000 50000 100000):
#   list    N files made directly in the share (not over SMB), then one
#           "smbclient ls" of that directory; the entry count is checked.
#   find    "ls *5" in the same directory: a wildcard pattern, so the
#           server still walks every entry but returns a tenth of them.
#   create  N new files created over SMB in an empty directory by one
#           smbclient session (one "put" of an empty file per name, each
#           a CREATE of a name that does not exist yet, so the server must
#           look for it in any case), then the count on disk is checked.
# Prints seconds per step and per 1000 entries: flat per-1000 figures mean
# linear scaling, growing ones mean a per-entry cost that grows with N.
# smbclient's own time is included; on a busy machine expect noise.
#
#   tests/bench/large_dir.sh
#   SIZES="1000 5000" STEPS="list create" tests/bench/large_dir.sh
#   SERVER_KIND=samba tests/bench/large_dir.sh      # the same against smbd
#
# Environment:
#   SIZES        entry counts (default "10000 50000 100000")
#   STEPS        any of list find create (default all three)
#   STEP_TIMEOUT seconds per smbclient run (default 1800)
#   BUILD, DITTOFSD, DITTOFSCTL, SERVER_KIND, KEEP_TMP: as for lib.sh
set -euo pipefail

SIZES=${SIZES:-10000 50000 100000}
STEPS=${STEPS:-list find create}
STEP_TIMEOUT=${STEP_TIMEOUT:-1800}
SUITE_NAME=large_dir

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

command -v smbclient >/dev/null || {
	echo "large_dir: smbclient is not installed" >&2
	exit 1
}

server_setup

now() { date +%s.%N; }
# per1k SECONDS N: seconds per 1000 entries
per1k() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.3f", s * 1000 / n }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# smb CMD...: one smbclient session running CMD (from stdin if "-")
smb() {
	timeout "$STEP_TIMEOUT" smbclient "//127.0.0.1/$SMB_SHARE" -p "$SMB_PORT" \
		-s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" "$@"
}

# make_files DIR N: N empty files f0000001.. made locally, fast
make_files() {
	mkdir -p "$1"
	(cd "$1" && seq -f 'f%07g' 1 "$2" | xargs touch)
}

report() {
	printf '%-8s %8d entries  %8s s  %7s s/1000\n' "$1" "$2" "$3" "$(per1k "$3" "$2")"
}

step_list() {
	local n=$1 dir=$SHARE_DIR/ls$1 t0 t1 out got
	make_files "$dir" "$n"
	t0=$(now)
	out=$(smb -c "cd ls$n; ls" 2>&1)
	t1=$(now)
	got=$(grep -c ' f[0-9]\{7\} ' <<<"$out" || true)
	[[ $got == "$n" ]] || echo "large_dir: ls of ls$n listed $got of $n files" >&2
	report list "$n" "$(elapsed "$t0" "$t1")"
}

step_find() {
	local n=$1 t0 t1 out got
	[[ -d $SHARE_DIR/ls$n ]] || make_files "$SHARE_DIR/ls$n" "$n"
	t0=$(now)
	out=$(smb -c "cd ls$n; ls *5" 2>&1)
	t1=$(now)
	got=$(grep -c ' f[0-9]\{6\}5 ' <<<"$out" || true)
	[[ $got == "$((n / 10))" ]] ||
		echo "large_dir: ls *5 in ls$n listed $got of $((n / 10)) files" >&2
	report find "$n" "$(elapsed "$t0" "$t1")"
}

step_create() {
	local n=$1 empty=$TEST_TMP/empty t0 t1 got
	: >"$empty"
	mkdir -p "$SHARE_DIR/mk$n"
	t0=$(now)
	{
		echo "cd mk$n"
		seq -f "put $empty f%07g" 1 "$n"
	} | smb >/dev/null 2>&1 || true
	t1=$(now)
	got=$(find "$SHARE_DIR/mk$n" -type f | wc -l)
	[[ $got == "$n" ]] || echo "large_dir: created $got of $n files in mk$n" >&2
	report create "$n" "$(elapsed "$t0" "$t1")"
}

log "# large_dir: $SERVER_KIND, sizes: $SIZES"
for n in $SIZES; do
	for s in $STEPS; do
		"step_$s" "$n"
	done
done
stop_server

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# torture.sh - run smbtorture's SMB2 conformance suites against dittofsd, Samba's
# smbd, or both one after the other, and print how many subtests each passes.
#
#   tests/integration/torture.sh [dittofs|samba|both] [SUITE...]
#
# Each suite is one smbtorture invocation through test_torture.sh, against a
# server of its own (fresh temp share, state directory and loopback port), so
# a crash is charged to the suite that caused it. Per server KIND the results
# go to $TORTURE_OUT/results-KIND.tsv, one line per subtest:
#
#   SUITE <TAB> TEST <TAB> RESULT <TAB> REASON
#
# RESULT is pass, fail, skip (smbtorture skipped it), noresult (started, no
# verdict: smbtorture died or hit the time limit), notrun (listed by
# "smbtorture --list" but never started), or, on the line whose TEST
# is SUITE.server-exit, pass or crash (the server died, hung on SIGTERM or
# logged a sanitizer report). The raw output of every suite is kept in
# $TORTURE_OUT/KIND/SUITE.log. tests/knownfail is NOT applied here: the files
# hold what the servers did; test_conformance.sh judges them.
#
# Environment:
#   TORTURE_SUITES   default suite list (the one below)
#   TORTURE_TIMEOUT  seconds smbtorture may run per suite (default 120;
#                    60 for smb2.compound, 200 for smb2.notify, 240 for
#                    smb2.oplock, whose passing run needs ~110 s, 360
#                    for smb2.lease, ~190 s with two 35 s break
#                    timeouts, 300 for smb2.replay, ~140 s on
#                    dittofsd and smbd alike: see SUITE_LIMIT);
#                    TORTURE_TIMEOUT_<suite> (dots and dashes as _) overrides
#                    it for one suite, e.g. TORTURE_TIMEOUT_smb2_notify=300
#   TORTURE_OUT      where results and logs go (default $BUILD/torture)
#   BUILD, DITTOFSD, DITTOFSCTL, KEEP_TMP: as for the other suites (lib.sh)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_NAME=torture
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

DEFAULT_SUITES="smb2.connect smb2.read smb2.rw smb2.credits smb2.compound
smb2.compound_find smb2.compound_async smb2.getinfo smb2.setinfo smb2.dir
smb2.create smb2.lock smb2.rename smb2.sharemode smb2.delete-on-close-perms
smb2.notify smb2.timestamps smb2.maxfid smb2.openattr smb2.winattr
smb2.streams smb2.ioctl smb2.session smb2.oplock smb2.lease smb2.durable-open
smb2.durable-v2-open smb2.replay smb2.acls smb2.fileid smb2.sdread
smb2.secleak smb2.maximum_allowed smb2.dosmode smb2.charset smb2.tcon
smb2.session-id smb2.check-sharemode smb2.durable-v2-delay
smb2.multichannel"
TORTURE_TIMEOUT=${TORTURE_TIMEOUT:-120}
TORTURE_OUT=${TORTURE_OUT:-$BUILD_DIR/torture}

usage() {
	echo "usage: $0 [dittofs|samba|both] [SUITE...]" >&2
	exit 2
}

mode=dittofs
case ${1:-} in
dittofs | samba | both)
	mode=$1
	shift
	;;
-h | --help) usage ;;
-*) usage ;;
esac
if (($# > 0)); then
	suites=("$@")
else
	read -r -d '' -a suites <<<"${TORTURE_SUITES:-$DEFAULT_SUITES}" || true
fi
case $mode in
both) kinds=(dittofs samba) ;;
*) kinds=("$mode") ;;
esac

command -v smbtorture >/dev/null || {
	echo "torture.sh: smbtorture is not installed (package samba-testsuite)" >&2
	exit 1
}
if [[ " ${kinds[*]} " == *" dittofs "* && ! -x $DITTOFSD ]]; then
	echo "torture.sh: $DITTOFSD is not built (make)" >&2
	exit 1
fi
if [[ " ${kinds[*]} " == *" samba "* ]] && ! command -v smbd >/dev/null; then
	echo "torture.sh: smbd is not installed (package samba)" >&2
	exit 1
fi

make_test_tmp
mkdir -p "$TORTURE_OUT"

# Built-in limits for suites where dittofsd (or Samba here) leaves a request
# unanswered and smbtorture waits until it is killed: a hang costs the whole
# limit, so these are a few times what a passing server needs.
declare -A SUITE_LIMIT=([smb2.compound]=60 [smb2.notify]=200 [smb2.oplock]=240
	[smb2.lease]=360 [smb2.replay]=300)

# suite_timeout SUITE: the smbtorture time limit for SUITE, in seconds.
suite_timeout() {
	local var=TORTURE_TIMEOUT_${1//[.-]/_}
	echo "${!var:-${SUITE_LIMIT[$1]:-$TORTURE_TIMEOUT}}"
}

# to_tsv SUITE LOG: turn test_torture.sh's verdict lines into TSV rows. Its
# failure details follow a FAIL line as "    | kind: reason"; the first one
# is the reason.
to_tsv() {
	awk -v suite="$1" '
	function out(name, res, why) {
		sub(/^torture\./, "", name)
		gsub(/\t/, " ", why)
		printf "%s\t%s\t%s\t%s\n", suite, name, res, substr(why, 1, 300)
	}
	function flush() { if (pn != "") out(pn, pr, pw); pn = "" }
	pn != "" && /^    \| / {
		if (pw == "") { pw = $0; sub(/^    \| /, "", pw)
			if (pw ~ /^noresult: /) pr = "noresult"
			if (pw ~ /^skipped by smbtorture: /) pr = "skip"
			if (pn ~ /\.server-exit$/) pr = "crash" }
		next
	}
	{ flush() }
	/^PASS( \(listed[^)]*\))?: / {
		n = $0; sub(/^[^:]*: /, "", n)
		if (n ~ /\.server-exit$/) n = suite ".server-exit"
		out(n, "pass", ""); next
	}
	/^(FAIL|KNOWNFAIL): / {
		pn = $0; sub(/^[^:]*: /, "", pn); pr = "fail"; pw = ""
		if (pn ~ /\.server-exit$/) { pn = suite ".server-exit"; pr = "crash" }
		next
	}
	/^SKIP: / {
		n = $0; sub(/^SKIP: /, "", n); w = n
		sub(/ \(.*$/, "", n); sub(/^[^(]*\(/, "", w); sub(/\)$/, "", w)
		out(n, "skip", w); next
	}
	END { flush() }' "$2"
}

# expected_tests SUITE: the subtests smbtorture has for SUITE. "--list"
# prints SUITE.CASE.TEST; the results name a case's only test SUITE.CASE.
expected_tests() {
	(cd "$TEST_TMP" && timeout 30 smbtorture //127.0.0.1/none --list "$1") 2>/dev/null |
		awk -v s="$1." '
		index($0, s) != 1 { next }
		{ n = split($0, c, "."); if (n > 2 && c[n] == c[n - 1]) sub(/\.[^.]*$/, "")
		  print }'
}

# run_suite KIND SUITE RESULTS: one smbtorture run of SUITE against a fresh
# server of KIND; appends its rows to RESULTS. Prints the seconds it took.
run_suite() {
	local kind=$1 suite=$2 results=$3 limit rc=0 t0=$SECONDS logf rows
	limit=$(suite_timeout "$suite")
	logf=$TORTURE_OUT/$kind/$suite.log
	mkdir -p "$TORTURE_OUT/$kind" "$TEST_TMP/cwd-$kind"
	# smbtorture leaves smbtortureXXXXXX directories in its working
	# directory: give it one that goes away with TEST_TMP. The known-failure
	# lists are not applied here (KNOWNFAIL_FILE=/dev/null): raw results.
	(
		cd "$TEST_TMP/cwd-$kind"
		SERVER_KIND=$kind TORTURE_TESTS=$suite SUITE_NAME=$suite \
			TORTURE_TIMEOUT=$limit KNOWNFAIL_FILE=/dev/null KEEP_TMP=0 \
			DITTOFS_TALLY='' \
			timeout --kill-after=30 "$((limit + 90))" \
			bash "$HERE/test_torture.sh"
	) >"$logf" 2>&1 || rc=$?
	rows=$(to_tsv "$suite" "$logf")
	# Subtests that never reported (the time limit, or smbtorture gave up on
	# the suite) still count, as "notrun".
	rows+=$(expected_tests "$suite" | awk -F '\t' -v s="$suite" '
		NR == FNR { seen[$2] = 1; next }
		!($0 in seen) { printf "\n%s\t%s\tnotrun\t%s", s, $0,
			"no verdict: smbtorture stopped before it (time limit or earlier error)" }' \
		<(printf '%s\n' "$rows") -)
	# Only dittofsd is judged on its exit (lib.sh's stop_samba records none).
	if [[ $kind == dittofs ]] &&
		! grep -q -F "$(printf '\t%s.server-exit\t' "$suite")" <<<"$rows"; then
		# test_torture.sh itself did not finish (setup failed, or the
		# outer time limit): nothing proves the server survived.
		rows+=${rows:+$'\n'}$(printf '%s\t%s.server-exit\tcrash\t%s' "$suite" \
			"$suite" "test_torture.sh exited with status $rc before stopping the server")
	fi
	printf '%s\n' "$rows" | sed '/^$/d' >>"$results"
	echo $((SECONDS - t0))
}

# counts RESULTS SUITE: "passed total crashed" for SUITE (server-exit apart).
counts() {
	awk -F '\t' -v s="$2" '
	$1 != s { next }
	$2 == s ".server-exit" { if ($3 != "pass") c = 1; next }
	{ t++; if ($3 == "pass") p++ }
	END { printf "%d %d %d\n", p, t, c }' "$1"
}

declare -A secs
for kind in "${kinds[@]}"; do
	results=$TORTURE_OUT/results-$kind.tsv
	: >"$results"
	echo "== $kind: ${#suites[@]} suites, results in $results"
	for suite in "${suites[@]}"; do
		s=$(run_suite "$kind" "$suite" "$results")
		secs[$kind/$suite]=$s
		read -r p t c < <(counts "$results" "$suite")
		printf '  %-28s %3d/%-3d %4ds%s\n' "$suite" "$p" "$t" "$s" \
			"$( ((c)) && echo '  SERVER CRASHED')"
	done
done

# The table: one line per suite, a column pair per server kind.
echo
hdr=$(printf '%-28s' suite)
for kind in "${kinds[@]}"; do
	label=$kind
	[[ $kind == dittofs ]] && label=dittofsd
	hdr+=$(printf ' %12s %6s' "$label" secs)
done
echo "$hdr"
declare -A tp tt
for suite in "${suites[@]}"; do
	line=$(printf '%-28s' "$suite")
	for kind in "${kinds[@]}"; do
		read -r p t c < <(counts "$TORTURE_OUT/results-$kind.tsv" "$suite")
		tp[$kind]=$((${tp[$kind]:-0} + p))
		tt[$kind]=$((${tt[$kind]:-0} + t))
		cell="$p/$t"
		((c)) && cell+="!"
		line+=$(printf ' %12s %6s' "$cell" "${secs[$kind/$suite]}")
	done
	echo "$line"
done
line=$(printf '%-28s' total)
for kind in "${kinds[@]}"; do
	line+=$(printf ' %12s %6s' "${tp[$kind]}/${tt[$kind]}" "")
done
echo "$line"
echo "(! = the server crashed, hung on SIGTERM or logged a sanitizer report)"

crashed=0
for kind in "${kinds[@]}"; do
	if awk -F '\t' '$2 ~ /\.server-exit$/ && $3 != "pass" { f = 1 } END { exit !f }' \
		"$TORTURE_OUT/results-$kind.tsv"; then
		echo "torture.sh: $kind crashed in:" \
			"$(awk -F '\t' '$2 ~ /\.server-exit$/ && $3 != "pass" { printf " %s", $1 }' \
				"$TORTURE_OUT/results-$kind.tsv")" >&2
		[[ $kind == dittofs ]] && crashed=1
	fi
done
exit "$crashed"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_conformance.sh - the smbtorture conformance suites against dittofsd, as
# part of `make check`. It runs the dittofsd side of torture.sh and judges
# every subtest it reports:
#
#   - a pass passes;
#   - a failure listed in tests/knownfail is a known failure;
#   - a failure of a test that Samba fails too in the same setup (listed in
#     tests/knownfail.samba) is reported as skipped, "fails on Samba too";
#   - any other failure is a regression and fails the run;
#   - a crash (the server died, hung on SIGTERM or logged a sanitizer report
#     during a suite) always fails, as "conformance.SUITE.server-exit", a name
#     no knownfail line may match.
#
# Suites: all of torture.sh's list, in the plain and in the sanitizer build
# alike: 8 to 10 minutes on two cores before smb2.replay joined with its
# ~140 s, most of it smb2.oplock's, smb2.lease's, smb2.replay's and
# smb2.notify's waiting (Documentation/conformance.md has the timings).
#
# Environment:
#   CONFORMANCE_SUITES   space-separated suites to run instead of all
#   CONFORMANCE_TIMEOUT  bound on the whole torture.sh run (default 1500 s)
#   TORTURE_TIMEOUT...   per-suite limits, passed on to torture.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$HERE/lib.sh"

CONFORMANCE_TIMEOUT=${CONFORMANCE_TIMEOUT:-1500}

suites=()
if [[ -n ${CONFORMANCE_SUITES:-} ]]; then
	read -r -d '' -a suites <<<"$CONFORMANCE_SUITES" || true
fi

command -v smbtorture >/dev/null || {
	echo "test_conformance: smbtorture is not installed (package samba-testsuite;" \
		"tools/install-deps.sh)" >&2
	exit 1
}

make_test_tmp
OUT=$TEST_TMP/torture
RESULTS=$OUT/results-dittofs.tsv

# Tests Samba fails in the same setup: not ours to fix, not regressions.
SAMBA_FAILS=()
if [[ -f $REPO_DIR/tests/knownfail.samba ]]; then
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%%#*}
		read -r name _ <<<"$line" || true
		[[ -n ${name:-} ]] && SAMBA_FAILS+=("$name")
	done <"$REPO_DIR/tests/knownfail.samba"
fi

fails_on_samba() {
	local name=$1 pat
	for pat in "${SAMBA_FAILS[@]}"; do
		# shellcheck disable=SC2053 # a glob on purpose, as in lib.sh
		[[ $name == $pat || ${name#torture.} == $pat ]] && return 0
	done
	return 1
}

# details SUITE NAME: what test_torture.sh printed under "FAIL: NAME".
details() {
	awk -v n="$2" '
	on && /^    \| / { sub(/^    \| /, ""); print; if (++k >= 70) exit; next }
	on { exit }
	$0 == "FAIL: " n { on = 1 }' "$OUT/dittofs/$1.log"
}

log "# $SUITE_NAME: torture.sh dittofs ${suites[*]:-(all suites)}"
rc=0
TORTURE_OUT=$OUT timeout --kill-after=30 "$CONFORMANCE_TIMEOUT" \
	bash "$HERE/torture.sh" dittofs "${suites[@]}" >"$TEST_TMP/torture.out" 2>&1 || rc=$?
sed 's/^/# /' "$TEST_TMP/torture.out"
[[ $rc == 124 ]] &&
	fail "conformance.timeout" "torture.sh did not finish within ${CONFORMANCE_TIMEOUT}s"

if [[ ! -s $RESULTS ]]; then
	fail "conformance.results" "torture.sh (exit status $rc) wrote no results:" \
		"$(tail -n 40 "$TEST_TMP/torture.out")"
	finish
fi

# Every suite that ran must have its server-exit line; with no suite list the
# suites are whatever torture.sh ran.
if ((${#suites[@]} == 0)); then
	read -r -d '' -a suites < <(cut -f 1 "$RESULTS" | awk '!seen[$0]++') || true
fi
for suite in "${suites[@]}"; do
	if is_knownfail "conformance.$suite.server-exit"; then
		fail "conformance.knownfail" "a line of $KNOWNFAIL_MATCH matches" \
			"conformance.$suite.server-exit: crashes may never be known failures"
	fi
	grep -q -F "$(printf '\t%s.server-exit\t' "$suite")" "$RESULTS" ||
		fail "conformance.$suite.server-exit" "suite $suite did not run to the end"
done

while IFS=$'\t' read -r suite test result why; do
	if [[ $test == "$suite.server-exit" ]]; then
		# No knownfail line matches these names (checked above).
		if [[ $result == pass ]]; then
			pass "conformance.$test"
		else
			d=$(details "$suite" "$test")
			fail "conformance.$test" "${d:-$why}" \
				"log: $OUT/dittofs/$suite.log (KEEP_TMP=1 keeps it)"
		fi
		continue
	fi
	name=torture.$test
	case $result in
	pass) pass "$name" ;;
	*)
		if is_knownfail "$name"; then
			fail "$name" "$result: $why"
		elif fails_on_samba "$name"; then
			skip "$name" "fails on Samba too; here $result: $why"
		else
			d=$(details "$suite" "$name")
			fail "$name" "${d:-$result: $why}"
		fi
		;;
	esac
done <"$RESULTS"

finish

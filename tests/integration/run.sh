#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh - run every integration suite (tests/integration/test_*.sh), print
# the totals as the last line, "N passed, N failed", and exit non-zero when
# anything failed. A suite that dies without reporting counts as one failure.
#
#   BUILD=build tests/integration/run.sh [SUITE...]
#
# SUITE is a file name or a short name (smbclient = test_smbclient.sh);
# without one, every suite runs. SUITE_TIMEOUT bounds each suite (seconds,
# default 2400). SERVER_KIND=samba runs the same suites against Samba's smbd.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_TIMEOUT=${SUITE_TIMEOUT:-2400}
export BUILD=${BUILD:-build}

suites=()
if (($# > 0)); then
	for s in "$@"; do
		s=${s##*/}
		s=${s%.sh}
		s=${s#test_}
		[[ -f $HERE/test_$s.sh ]] || {
			echo "run.sh: no suite $HERE/test_$s.sh" >&2
			exit 2
		}
		suites+=("$HERE/test_$s.sh")
	done
else
	for s in "$HERE"/test_*.sh; do
		[[ -f $s ]] && suites+=("$s")
	done
fi

tally=$(mktemp "${TMPDIR:-/tmp}/dittofs-tally.XXXXXX")
trap 'rm -f -- "$tally"' EXIT

total_pass=0
total_fail=0
total_known=0
total_skip=0
broken=()

for s in "${suites[@]}"; do
	name=$(basename "$s" .sh)
	echo "== $name"
	lines_before=$(wc -l <"$tally")
	rc=0
	DITTOFS_TALLY=$tally SUITE_NAME=$name \
		timeout --kill-after=30 "$SUITE_TIMEOUT" bash "$s" || rc=$?
	if [[ $(wc -l <"$tally") == "$lines_before" ]]; then
		# No report: the suite crashed, could not set up, or timed out.
		if [[ $rc == 124 ]]; then
			echo "FAIL: $name (timed out after ${SUITE_TIMEOUT}s)"
		else
			echo "FAIL: $name (exited with status $rc before reporting)"
		fi
		total_fail=$((total_fail + 1))
		broken+=("$name")
		continue
	fi
	read -r _ p f k sk < <(tail -n 1 "$tally")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_known=$((total_known + k))
	total_skip=$((total_skip + sk))
	if [[ $rc != 0 && $f == 0 ]]; then
		echo "FAIL: $name (exited with status $rc)"
		total_fail=$((total_fail + 1))
		broken+=("$name")
	fi
done

echo "== summary"
while read -r n p f k sk; do
	printf '  %-24s passed=%-4d failed=%-4d knownfail=%-4d skipped=%d\n' \
		"$n" "$p" "$f" "$k" "$sk"
done <"$tally"
for n in "${broken[@]}"; do
	printf '  %-24s did not finish\n' "$n"
done
((total_known + total_skip == 0)) ||
	echo "($total_known known failures, $total_skip skipped)"
echo "$total_pass passed, $total_fail failed"
((total_fail == 0))

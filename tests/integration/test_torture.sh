#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_torture.sh - Samba's smbtorture against the server. Every subtest that
# smbtorture reports becomes one result: "success" is a pass; "failure",
# "error", a test that started but never reported (smbtorture died), and
# "skip" are failures (a skipped conformance test proves nothing; set
# TORTURE_SKIP_OK=1 to count skips as skipped instead). Lines of
# tests/knownfail turn expected failures into known failures.
#
# Environment:
#   TORTURE_TESTS  space-separated smbtorture test names (suites or single
#                  tests; default below). List them with
#                  "smbtorture --list-tests" or "smbtorture //x/y SUITE --list".
#   TORTURE_OPTS   extra smbtorture arguments (e.g. --option=torture:foo=bar)
#   TORTURE_TIMEOUT  seconds per test name (default 600)
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TORTURE_TESTS=${TORTURE_TESTS:-smb2.connect smb2.session.signing-hmac-sha-256 smb2.session.signing-aes-128-cmac smb2.session.signing-aes-128-gmac}
TORTURE_TIMEOUT=${TORTURE_TIMEOUT:-600}
TORTURE_SKIP_OK=${TORTURE_SKIP_OK:-0}
read -r -a EXTRA_OPTS <<<"${TORTURE_OPTS:-}"

command -v smbtorture >/dev/null || {
	echo "test_torture: smbtorture is not installed (package samba-testsuite;" \
		"tools/install-deps.sh)" >&2
	exit 1
}

# smbtorture runs a suite's tests in one process, all from 127.0.0.1, and
# some tests keep their connections until the suite ends (the 32 channels
# of smb2.multichannel.generic.num_channels): dittofsd's per-address limit
# (64 by default, a guard for deployments; test_hostile.sh tests it) would
# refuse the later tests' connections. smbd has no such limit: off here too.
if [[ $SERVER_KIND == dittofs ]]; then
	server_setup "max connections per ip = 0"
else
	# shellcheck disable=SC2119 # no extra [global] lines
	server_setup
fi

# parse_torture OUTFILE: one line per result, "KIND<TAB>NAME<TAB>REASON",
# where KIND is success, failure, error, skip, xfail, uxsuccess or noresult
# (a "test:" line with no verdict after it).
parse_torture() {
	awk '
	function flush_reason() {
		if (pending != "") {
			printf "%s\t%s\t%s\n", pkind, pname, reason
			pending = ""
		}
	}
	inreason {
		if ($0 ~ /^\]$/) { inreason = 0; flush_reason(); next }
		if (reason == "") reason = $0; else if (length(reason) < 300) reason = reason " / " $0
		next
	}
	/^test: / { started[substr($0, 7)] = 1; next }
	/^(success|failure|fail|error|skip|xfail|uxsuccess|xfail): / {
		kind = $1; sub(/:$/, "", kind)
		if (kind == "fail") kind = "failure"
		name = $0; sub(/^[a-z]+: /, "", name)
		reason = ""
		if (name ~ / \[$/) {
			sub(/ \[$/, "", name); inreason = 1
		} else if (name ~ / \[.*\]$/) {
			reason = name; sub(/ \[.*$/, "", name)
			sub(/^[^[]*\[ */, "", reason); sub(/ *\]$/, "", reason)
		}
		delete started[name]
		pkind = kind; pname = name; pending = 1
		if (!inreason) flush_reason()
		next
	}
	END {
		flush_reason()
		for (n in started) printf "noresult\t%s\t%s\n", n, "started but no verdict"
	}' "$1"
}

# torture_block OUTFILE NAME: what smbtorture printed while running NAME
# (at most 60 lines, timestamps dropped).
torture_block() {
	awk -v n="$2" '
	$0 == "test: " n { on = 1 }
	on && !/^time: / { print; if (++k >= 60) exit }
	on && $0 ~ ("^[a-z]+: " n "( |$)") && $0 != "test: " n { exit }' "$1"
}

for t in $TORTURE_TESTS; do
	out=$TEST_TMP/torture-$t.out
	rc=0
	# smbtorture leaves smbtortureXXXXXX dirs in its cwd: keep them in the temp dir
	(cd "$TEST_TMP" && timeout "$TORTURE_TIMEOUT" smbtorture "//127.0.0.1/$SMB_SHARE" \
		-s "$CLIENT_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PASS" \
		--fullname "${EXTRA_OPTS[@]}" "$t") >"$out" 2>&1 || rc=$?
	n=0
	bad=0
	while IFS=$'\t' read -r kind name reason; do
		n=$((n + 1))
		case $kind in
		success) pass "torture.$name" ;;
		skip)
			if [[ $TORTURE_SKIP_OK == 1 ]]; then
				skip "torture.$name" "$reason"
			else
				fail "torture.$name" "skipped by smbtorture: $reason"
			fi
			;;
		xfail) skip "torture.$name" "smbtorture-internal expected failure: $reason" ;;
		*)
			bad=1
			fail "torture.$name" "$kind: $reason" "--- smbtorture output for it:" \
				"$(torture_block "$out" "$name")"
			;;
		esac
	done < <(parse_torture "$out")
	if ((n == 0)); then
		fail "torture.$t" "smbtorture exited with status $rc and reported no result:" \
			"$(grep -v -E '^time: ' "$out" | tail -n 40)"
	elif [[ $rc != 0 && $bad == 0 ]]; then
		fail "torture.$t.exit" "smbtorture exited with status $rc:" \
			"$(grep -v -E '^time: ' "$out" | tail -n 20)"
	fi
done

stop_server
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The check helpers run through expect "$@":
# shellcheck disable=SC2317
#
# test_ctl.sh - dittofsctl against a running dittofsd over its control
# socket: status, conn/session/share/file list, stats, --json, file close,
# session kill, reload (a new share; a broken file; a restart-only option),
# share add/del (served or refused at once, refusals leave the file alone,
# a connected tree outlives del), and a control socket that bad clients
# cannot wedge.
#
# A long-lived client (impacket, /usr/bin/python3) holds README.txt open
# while the checks run; it is driven through files in its work directory.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ $SERVER_KIND != dittofs ]]; then
	echo "test_ctl: dittofsctl administers dittofsd only; nothing to compare with Samba"
	finish
fi

PY=/usr/bin/python3
if ! "$PY" -c 'import impacket' 2>/dev/null; then
	skip "ctl" "python3-impacket is not installed (tools/install-deps.sh)"
	finish
fi

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

# hasnt ERE TEXT (has and expect come from lib.sh)
hasnt() { ! grep -qE -- "$1" <<<"$2"; }
# rc_has RC ERE TEXT: the last dittofsctl exited RC and said ERE
rc_has() { [[ $CTL_RC == "$1" ]] && grep -qE -- "$2" <<<"$3"; }

# ctl ARGS...: run dittofsctl; its output (stdout and stderr) in CTL_OUT,
# its exit status in CTL_RC
ctl() {
	CTL_RC=0
	CTL_OUT=$(timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" "$@" 2>&1) || CTL_RC=$?
}

# status_field KEY: a value of "dittofsctl --json status"
status_field() {
	timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" --json status |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# client SHARE CMD: one smbclient command
client() {
	timeout 60 smbclient "//127.0.0.1/$1" -p "$SMB_PORT" -s "$CLIENT_CONF" \
		-U "$SMB_USER%$SMB_PASS" -c "$2" 2>&1 || true
}

# --- the control socket itself --------------------------------------------

SOCK=$STATE_DIR/dittofsd.sock
check "ctl.socket-exists" test -S "$SOCK"
check "ctl.socket-mode-0600" test "$(stat -c %a "$SOCK")" = 600

CTL_RC=0
CTL_OUT=$(timeout 10 "$DITTOFSCTL" --state-dir "$TEST_TMP/nowhere" status 2>&1) || CTL_RC=$?
expect "ctl.not-running-message" "$CTL_RC: $CTL_OUT" \
	rc_has 1 "dittofsd is not running \(no .*/nowhere/dittofsd\.sock\)" "$CTL_OUT"

# --- a client that keeps README.txt open ------------------------------------

HOLD=$TEST_TMP/holder
mkdir -p "$HOLD"
cat >"$HOLD/holder.py" <<'EOF'
# Log on, open README.txt, read it, then wait for orders in the work dir:
# "read" -> read again and write the outcome to "result"; "quit" -> leave.
import os, sys, time
from impacket.smbconnection import SMBConnection

port, user, pw, share, work = sys.argv[1:6]
def put(name, text):
    with open(os.path.join(work, name + ".tmp"), "w") as f:
        f.write(text + "\n")
    os.rename(os.path.join(work, name + ".tmp"), os.path.join(work, name))
try:
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port), timeout=15)
    c.login(user, pw)
    tid = c.connectTree(share)
    fid = c.openFile(tid, "README.txt")
    c.readFile(tid, fid, 0, 16)
except Exception as e:
    put("ready", "error " + str(e))
    sys.exit(1)
put("ready", "ok")
deadline = time.time() + 240
while time.time() < deadline:
    if os.path.exists(os.path.join(work, "quit")):
        break
    order = os.path.join(work, "read")
    if os.path.exists(order):
        os.unlink(order)
        try:
            c.readFile(tid, fid, 0, 16)
            put("result", "ok")
        except Exception as e:
            put("result", "error " + str(e))
    time.sleep(0.1)
EOF
"$PY" "$HOLD/holder.py" "$SMB_PORT" "$SMB_USER" "$SMB_PASS" "$SMB_SHARE" "$HOLD" \
	>"$HOLD/log" 2>&1 &
HOLDER_PID=$!
holder_stop() {
	touch "$HOLD/quit"
	kill "$HOLDER_PID" 2>/dev/null || true
	wait "$HOLDER_PID" 2>/dev/null || true
}
trap 'holder_stop; lib_exit' EXIT

# wait_file FILE: true once FILE exists (10 s at most)
wait_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -f $1 ]] && return 0
		sleep 0.1
	done
	return 1
}

# holder_read: ask the holder to read README.txt again; its outcome
holder_read() {
	rm -f "$HOLD/result"
	touch "$HOLD/read"
	wait_file "$HOLD/result" && cat "$HOLD/result" || echo "no answer"
}

wait_file "$HOLD/ready" || true
check "ctl.holder-ready" grep -qx ok "$HOLD/ready"

# --- listings ---------------------------------------------------------------

ctl status
STATUS=$CTL_OUT
expect "ctl.status-version" "$STATUS" has "^Version: *0\.1\.0$" "$STATUS"
expect "ctl.status-mode" "$STATUS" has "^Mode: *user$" "$STATUS"
expect "ctl.status-port" "$STATUS" has "^Port: *$SMB_PORT$" "$STATUS"
for k in connections sessions trees opens; do
	v=$(status_field "$k" 2>&1 || true)
	expect "ctl.status-$k" "$k=$v" test "$v" -ge 1
done
v=$(status_field pid 2>&1 || true)
expect "ctl.status-pid" "pid=$v, server $SERVER_PID" test "$v" = "$SERVER_PID"
# the resource limits in force (defaults: this config sets none)
expect "ctl.status-limit-per-ip" "$STATUS" has "^Max connections per IP: *64$" "$STATUS"
v=$(status_field max_open_files 2>&1 || true)
expect "ctl.status-limit-open-files" "max_open_files=$v" test "$v" = 16384

ctl conn list
CONNS=$CTL_OUT
expect "ctl.conn-list-header" "$CONNS" has "^PEER +DIALECT +SIGNING +CIPHER +SESSIONS +CONNECTED" "$CONNS"
expect "ctl.conn-list-peer" "$CONNS" has "^127\.0\.0\.1:[0-9]+ +[23]\.[0-9.]+ +(yes|no) " "$CONNS"

ctl session list
SESSIONS=$CTL_OUT
expect "ctl.session-list-user" "$SESSIONS" has "^[0-9a-f]{16} +$SMB_USER .* valid " "$SESSIONS"
SID=$(awk -v u="$SMB_USER" '$2 == u { print $1; exit }' <<<"$SESSIONS")

ctl share list
SHARES=$CTL_OUT
expect "ctl.share-list" "$SHARES" has "^$SMB_SHARE +$SHARE_DIR +no +no +if_required +yes$" "$SHARES"
expect "ctl.share-list-ipc" "$SHARES" has "^IPC\\$ " "$SHARES"

ctl file list
FILES=$CTL_OUT
expect "ctl.file-list-path" "$FILES" \
	has "^[0-9a-f]{16} +$SID +$SMB_USER +$SMB_SHARE +0x[0-9a-f]{8} +[a-z0-9]+ +/README\.txt$" "$FILES"
FID=$(awk '/\/README\.txt$/ { print $1; exit }' <<<"$FILES")

# column COMMAND N TEXT: the Nth number on COMMAND's line of "stats" is > 0
counted() { awk -v c="$1" -v n="$2" '$1 == c && $n > 0 { f = 1 } END { exit !f }' <<<"$3"; }
ctl stats
STATS=$CTL_OUT
expect "ctl.stats-create" "$STATS" counted CREATE 2 "$STATS"
expect "ctl.stats-read" "$STATS" counted READ 2 "$STATS"
expect "ctl.stats-tree-connect" "$STATS" counted TREE_CONNECT 2 "$STATS"
expect "ctl.stats-bytes-read" "$STATS" counted Bytes 3 "$(grep "^Bytes read:" <<<"$STATS")"
expect "ctl.stats-fastpath-user-mode" "$STATS" has "user mode: every request is handled in dittofsd" "$STATS"

# json_ok TEXT: TEXT is valid JSON
json_ok() { "$PY" -m json.tool <<<"$1" >/dev/null; }
# json_true EXPR TEXT: the Python expression EXPR holds for d = TEXT parsed
json_true() { "$PY" -c "import json,sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)" <<<"$2"; }
for c in status "conn list" "session list" "share list" "file list" stats; do
	# shellcheck disable=SC2086 # the command is two words on purpose
	ctl --json $c
	expect "ctl.json-${c// /-}" "$CTL_OUT" json_ok "$CTL_OUT"
done
ctl file list --json
expect "ctl.json-after-command" "$CTL_OUT" \
	json_true 'any(f["path"] == "/README.txt" for f in d["files"])' "$CTL_OUT"
ctl --json stats
expect "ctl.json-stats-create" "$CTL_OUT" \
	json_true '[c["requests"] for c in d["commands"] if c["command"] == "CREATE"][0] > 0 and d["fastpath"]["pdus"] == 0' "$CTL_OUT"

# --- errors -------------------------------------------------------------------

ctl session kill 0123456789abcdef
expect "ctl.session-kill-unknown" "$CTL_RC: $CTL_OUT" rc_has 1 "no session 0123456789abcdef" "$CTL_OUT"
ctl file close 0123456789abcdef
expect "ctl.file-close-unknown" "$CTL_RC: $CTL_OUT" rc_has 1 "no open file" "$CTL_OUT"
ctl file close
expect "ctl.usage-exit-2" "$CTL_RC: $CTL_OUT" rc_has 2 "Usage: .*file close ID" "$CTL_OUT"

# --- bad control clients do not wedge the loop --------------------------------

# one that connects and says nothing, one that sends too much, one with no line end
"$PY" - "$SOCK" >"$TEST_TMP/raw.out" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(8)
EOF
SILENT_PID=$!
sleep 0.3
ctl status
out=$CTL_OUT
expect "ctl.silent-client-does-not-block" "$out" has "Version:" "$out"
out=$("$PY" - "$SOCK" 2>&1 <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 5000)
except OSError:
    pass
d = b""
while True:
    try:
        k = s.recv(4096)
    except OSError:
        break
    if not k:
        break
    d += k
print(d.decode(errors="replace"))
EOF
)
expect "ctl.long-request-refused" "$out" has "^1" "$out"
out=$("$PY" - "$SOCK" 2>&1 <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b"text sta"); s.shutdown(socket.SHUT_WR)
print(repr(s.recv(4096)))
EOF
)
expect "ctl.partial-request-closed" "$out" has "^b''" "$out"
kill "$SILENT_PID" 2>/dev/null || true
wait "$SILENT_PID" 2>/dev/null || true

# --- file close -----------------------------------------------------------------

ctl file close "$FID"
out=$CTL_OUT
record "ctl.file-close" "$CTL_RC" "$out"
ctl file list
out=$CTL_OUT
expect "ctl.file-close-gone" "$out" hasnt "/README.txt" "$out"
out=$(holder_read)
expect "ctl.file-close-client-sees-closed" "$out" has "STATUS_FILE_CLOSED" "$out"

# --- session kill ---------------------------------------------------------------

ctl session kill "$SID"
out=$CTL_OUT
record "ctl.session-kill" "$CTL_RC" "$out"
ctl conn list
out=$CTL_OUT
expect "ctl.session-kill-conn-gone" "$out" hasnt "^127\.0\.0\.1:" "$out"
v=$(status_field sessions 2>&1 || true)
expect "ctl.session-kill-no-sessions" "sessions=$v" test "$v" = 0
out=$(holder_read)
expect "ctl.session-kill-client-disconnected" "$out" has "^error" "$out"
holder_stop

# --- reload -------------------------------------------------------------------

EXTRA_DIR=$TEST_TMP/extra
mkdir -p "$EXTRA_DIR"
echo "extra share" >"$EXTRA_DIR/extra.txt"
cp "$SERVER_CONF" "$TEST_TMP/server.conf.orig"

out=$(client extra "ls")
expect "ctl.reload-before-no-share" "$out" has "NT_STATUS_BAD_NETWORK_NAME" "$out"
{
	cat "$TEST_TMP/server.conf.orig"
	echo
	echo "[extra]"
	echo "	path = $EXTRA_DIR"
	echo "	read only = yes"
} >"$SERVER_CONF"
ctl reload
out=$CTL_OUT
expect "ctl.reload-adds-share" "$CTL_RC: $out" rc_has 0 "^Added shares: +extra$" "$out"
out=$(client extra "ls")
expect "ctl.reload-new-share-connects" "$out" has "extra.txt" "$out"
ctl share list
out=$CTL_OUT
expect "ctl.reload-share-listed" "$out" has "^extra " "$out"

# a broken file: FILE:LINE, nothing changes, service goes on
cp "$SERVER_CONF" "$TEST_TMP/server.conf.good"
echo "	read olny = yes" >>"$SERVER_CONF"
line=$(wc -l <"$SERVER_CONF")
ctl reload
out=$CTL_OUT
expect "ctl.reload-broken-fails" "$CTL_RC: $out" \
	rc_has 1 "/$(basename "$SERVER_CONF"):$line: .*keeping the running configuration" "$out"
out=$(client extra "ls")
expect "ctl.reload-broken-keeps-serving" "$out" has "extra.txt" "$out"
out=$(client "$SMB_SHARE" "get README.txt $TEST_TMP/got.txt")
expect "ctl.reload-broken-old-share-works" "$out" cmp -s "$SHARE_DIR/README.txt" "$TEST_TMP/got.txt"

# an option that needs a restart is reported and kept
sed "s/port = $SMB_PORT/port = $((SMB_PORT + 1))/" "$TEST_TMP/server.conf.good" >"$SERVER_CONF"
ctl reload
out=$CTL_OUT
expect "ctl.reload-port-needs-restart" "$CTL_RC: $out" rc_has 0 "changed 'port' needs a restart" "$out"
cp "$TEST_TMP/server.conf.good" "$SERVER_CONF"
v=$(status_field port 2>&1 || true)
expect "ctl.reload-port-kept" "port=$v" test "$v" = "$SMB_PORT"

# removing a share: new connects fail
cp "$TEST_TMP/server.conf.orig" "$SERVER_CONF"
ctl --json reload
out=$CTL_OUT
expect "ctl.reload-removes-share-json" "$out" json_true 'd["removed"] == ["extra"]' "$out"
out=$(client extra "ls")
expect "ctl.reload-removed-share-refused" "$out" has "NT_STATUS_BAD_NETWORK_NAME" "$out"

# SIGHUP reloads too: the share comes back without dittofsctl
cp "$TEST_TMP/server.conf.good" "$SERVER_CONF"
kill -HUP "$SERVER_PID"
out=
for _ in $(seq 50); do
	out=$(client extra "ls")
	has "extra.txt" "$out" && break
	sleep 0.1
done
expect "ctl.sighup-reloads" "$out" has "extra.txt" "$out"

# --- share add / share del -------------------------------------------------------

ADD_DIR=$TEST_TMP/added
mkdir -p "$ADD_DIR"
chmod 0777 "$ADD_DIR"
echo "added share" >"$ADD_DIR/README.txt"
chmod 0640 "$SERVER_CONF"

out=$(client added "ls")
expect "ctl.share-add-before-absent" "$out" has "NT_STATUS_BAD_NETWORK_NAME" "$out"
ctl share add added "$ADD_DIR" --comment "made by test_ctl"
out=$CTL_OUT
expect "ctl.share-add" "$CTL_RC: $out" rc_has 0 "^Added shares: +added$" "$out"
expect "ctl.share-add-says-file" "$out" has "^Added share added \\($ADD_DIR\\) to $SERVER_CONF\\.$" "$out"
check "ctl.share-add-in-file" grep -qx "\\[added\\]" "$SERVER_CONF"
check "ctl.share-add-keeps-mode" test "$(stat -c %a "$SERVER_CONF")" = 640
# no restart: smbclient uses it at once
out=$(client added "ls")
expect "ctl.share-add-ls" "$out" has "README\\.txt" "$out"
echo "written over SMB" >"$TEST_TMP/put.txt"
out=$(client added "put $TEST_TMP/put.txt put.txt")
expect "ctl.share-add-put" "$out" cmp -s "$TEST_TMP/put.txt" "$ADD_DIR/put.txt"
out=$(client added "get README.txt $TEST_TMP/added-got.txt")
expect "ctl.share-add-get" "$out" cmp -s "$ADD_DIR/README.txt" "$TEST_TMP/added-got.txt"
ctl share list
out=$CTL_OUT
expect "ctl.share-add-listed" "$out" has "^added +$ADD_DIR +no +no +if_required +yes$" "$out"
ctl --json share list
out=$CTL_OUT
expect "ctl.share-add-listed-json" "$out" \
	json_true "any(s['name'] == 'added' and s['path'] == '$ADD_DIR' and not s['read_only'] for s in d['shares'])" "$out"

# refusals: a clear message, exit 1 (2 for usage), and the file unchanged
cp "$SERVER_CONF" "$TEST_TMP/before-refusals.conf"
ctl share add ADDED "$ADD_DIR"
expect "ctl.share-add-duplicate" "$CTL_RC: $CTL_OUT" rc_has 1 "share \\[ADDED\\] already exists" "$CTL_OUT"
ctl share add other "$TEST_TMP/missing"
expect "ctl.share-add-missing-path" "$CTL_RC: $CTL_OUT" rc_has 1 "missing: No such file or directory" "$CTL_OUT"
ctl share add other "$ADD_DIR/README.txt"
expect "ctl.share-add-path-not-dir" "$CTL_RC: $CTL_OUT" rc_has 1 "is not a directory" "$CTL_OUT"
ctl share add other relative/dir
expect "ctl.share-add-relative-path" "$CTL_RC: $CTL_OUT" rc_has 1 "must be absolute" "$CTL_OUT"
ctl share add "bad:name" "$ADD_DIR"
expect "ctl.share-add-bad-name" "$CTL_RC: $CTL_OUT" rc_has 2 "share name 'bad:name' may not contain" "$CTL_OUT"
ctl share add Homes "$ADD_DIR"
expect "ctl.share-add-reserved" "$CTL_RC: $CTL_OUT" rc_has 2 "\\[homes\\] is a reserved section name" "$CTL_OUT"
ctl share add other "$ADD_DIR" --encrypt sometimes
expect "ctl.share-add-bad-encrypt" "$CTL_RC: $CTL_OUT" rc_has 2 "--encrypt must be off, if_required, desired or required" "$CTL_OUT"
ctl share add other
expect "ctl.share-add-usage" "$CTL_RC: $CTL_OUT" rc_has 2 "Usage: .*share add NAME PATH" "$CTL_OUT"
ctl share del nosuch
expect "ctl.share-del-unknown" "$CTL_RC: $CTL_OUT" rc_has 1 "there is no share \\[nosuch\\]" "$CTL_OUT"
ctl share del global
expect "ctl.share-del-global" "$CTL_RC: $CTL_OUT" rc_has 2 "\\[global\\] is not a share" "$CTL_OUT"
check "ctl.share-refusals-file-unchanged" cmp "$SERVER_CONF" "$TEST_TMP/before-refusals.conf"
CTL_RC=0
CTL_OUT=$(timeout 30 "$DITTOFSCTL" -c "$TEST_TMP/none.conf" share add other "$ADD_DIR" 2>&1) || CTL_RC=$?
expect "ctl.share-add-no-config" "$CTL_RC: $CTL_OUT" rc_has 1 "none\\.conf: No such file.*" "$CTL_OUT"
expect "ctl.share-add-no-config-says-fix" "$CTL_OUT" has "pass it with -c FILE" "$CTL_OUT"
# a file that already has an error is not edited
cp "$SERVER_CONF" "$TEST_TMP/broken.conf"
echo "	read olny = yes" >>"$TEST_TMP/broken.conf"
cp "$TEST_TMP/broken.conf" "$SERVER_CONF"
ctl share add other "$ADD_DIR"
expect "ctl.share-add-broken-file" "$CTL_RC: $CTL_OUT" rc_has 1 "read olny.*fix the file first" "$CTL_OUT"
check "ctl.share-add-broken-file-unchanged" cmp "$SERVER_CONF" "$TEST_TMP/broken.conf"
cp "$TEST_TMP/before-refusals.conf" "$SERVER_CONF"

# another file than the one dittofsd reads: edited, with a warning, no reload
cp "$SERVER_CONF" "$TEST_TMP/other.conf"
CTL_RC=0
CTL_OUT=$(timeout 30 "$DITTOFSCTL" -c "$TEST_TMP/other.conf" share add elsewhere "$ADD_DIR" 2>&1) || CTL_RC=$?
expect "ctl.share-add-other-config-warns" "$CTL_RC: $CTL_OUT" \
	rc_has 0 "warning: the running dittofsd reads .*/server\\.conf, not .*/other\\.conf" "$CTL_OUT"
check "ctl.share-add-other-config-edited" grep -qx "\\[elsewhere\\]" "$TEST_TMP/other.conf"
out=$(client elsewhere "ls")
expect "ctl.share-add-other-config-not-served" "$out" has "NT_STATUS_BAD_NETWORK_NAME" "$out"

# --json, both ways
ctl --json share add jsonshare "$ADD_DIR" --read-only --encrypt desired --valid-users "$SMB_USER"
out=$CTL_OUT
expect "ctl.share-add-json" "$out" \
	json_true 'd["action"] == "added" and d["share"] == "jsonshare" and d["reload"]["added"] == ["jsonshare"]' "$out"
ctl share list
out=$CTL_OUT
expect "ctl.share-add-options" "$out" has "^jsonshare +$ADD_DIR +yes +no +desired +yes$" "$out"
ctl share del jsonshare --json
out=$CTL_OUT
expect "ctl.share-del-json" "$out" \
	json_true 'd["action"] == "deleted" and d["reload"]["removed"] == ["jsonshare"] and d["reload"]["still_connected"] == []' "$out"

# del while a client has the share connected: its tree keeps working,
# new tree connects are refused
HOLD=$TEST_TMP/holder2
mkdir -p "$HOLD"
"$PY" "$TEST_TMP/holder/holder.py" "$SMB_PORT" "$SMB_USER" "$SMB_PASS" added "$HOLD" \
	>"$HOLD/log" 2>&1 &
HOLDER_PID=$!
wait_file "$HOLD/ready" || true
check "ctl.share-del-holder-ready" grep -qx ok "$HOLD/ready"
ctl share del added
out=$CTL_OUT
expect "ctl.share-del" "$CTL_RC: $out" rc_has 0 "^Removed shares: +added$" "$out"
expect "ctl.share-del-still-connected" "$out" \
	has "^Still connected: +added: 1 tree connect keeps working until disconnected$" "$out"
check "ctl.share-del-gone-from-file" bash -c "! grep -q '^\\[added\\]' '$SERVER_CONF'"
check "ctl.share-del-rest-of-file" cmp "$SERVER_CONF" "$TEST_TMP/server.conf.good"
out=$(holder_read)
expect "ctl.share-del-connected-tree-works" "$out" test "$out" = ok
out=$(client added "ls")
expect "ctl.share-del-new-connect-refused" "$out" has "NT_STATUS_BAD_NETWORK_NAME" "$out"
ctl share list
out=$CTL_OUT
expect "ctl.share-del-not-listed" "$out" hasnt "^added " "$out"
holder_stop

# no dittofsd: the file edit alone, with a note
stop_server
ctl share add offline "$ADD_DIR"
out=$CTL_OUT
expect "ctl.share-add-not-running" "$CTL_RC: $out" rc_has 0 "dittofsd is not running; it will serve the change when it starts" "$out"
check "ctl.share-add-not-running-edited" grep -qx "\\[offline\\]" "$SERVER_CONF"
ctl share del offline
expect "ctl.share-del-not-running" "$CTL_RC: $CTL_OUT" rc_has 0 "^Deleted share offline from " "$CTL_OUT"
check "ctl.share-add-del-round-trip" cmp "$SERVER_CONF" "$TEST_TMP/server.conf.good"
# concurrent edits take turns: none is lost, no temporary file is left
for i in $(seq 10); do
	timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" share add "par$i" "$ADD_DIR" >/dev/null 2>&1 &
done
wait
n=$(grep -c '^\[par[0-9]*\]$' "$SERVER_CONF" || true)
expect "ctl.share-add-concurrent" "$n of 10 sections" test "$n" = 10
for i in $(seq 10); do
	timeout 30 "$DITTOFSCTL" -c "$SERVER_CONF" share del "par$i" >/dev/null 2>&1 &
done
wait
check "ctl.share-del-concurrent" cmp "$SERVER_CONF" "$TEST_TMP/server.conf.good"
left=$(find "$(dirname "$SERVER_CONF")" -maxdepth 1 -name ".$(basename "$SERVER_CONF").*")
expect "ctl.share-edit-no-temp-left" "$left" test -z "$left"

check "ctl.socket-removed-at-exit" test ! -e "$SOCK"
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_rpc.sh - IPC$ named pipes and srvsvc against real clients:
# "smbclient -L" lists the browseable shares with their comments (at every
# dialect, signed, and encrypted), fails with a wrong password, and
# rpcclient's srvsvc commands (NetShareEnumAll at levels 1 and 2,
# NetShareGetInfo, NetServerGetInfo) answer what the configuration says.
# Pipes other than srvsvc do not exist.
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# the usual fixture, plus a share with a comment and one not browseable
server_setup
stop_server
DOCS_DIR=$TEST_TMP/docs
HIDDEN_DIR=$TEST_TMP/hidden
mkdir -p "$DOCS_DIR" "$HIDDEN_DIR"
{
	echo
	echo "[docs]"
	echo "	path = $DOCS_DIR"
	echo "	comment = Project documents"
	echo "	read only = yes"
	echo
	echo "[secret]"
	echo "	path = $HIDDEN_DIR"
	echo "	browseable = no"
} >>"$SERVER_CONF"
case $SERVER_KIND in
dittofs) start_dittofsd "$SERVER_CONF" ;;
samba) start_samba "$SERVER_CONF" "$SMB_PORT" ;;
esac

# list ARGS...: smbclient -L output (and its status in LIST_RC)
list() {
	LIST_RC=0
	LIST_OUT=$(timeout 60 smbclient -L //127.0.0.1 -p "$SMB_PORT" \
		-s "$CLIENT_CONF" "$@" 2>&1) || LIST_RC=$?
}

# share_row NAME TYPE [COMMENT]: the listing has that row
share_row() {
	local re="^[[:space:]]+$1[[:space:]]+$2"
	[[ -n ${3:-} ]] && re="$re[[:space:]]+$3"
	has "$re" "$LIST_OUT"
}

# listing_ok NAME: exit 0, no NT_STATUS, the three shares, not the hidden one
listing_ok() {
	local name=$1
	if [[ $LIST_RC != 0 ]] || has 'NT_STATUS_' "$LIST_OUT" ||
		! share_row "$SMB_SHARE" Disk "integration test share" ||
		! share_row docs Disk "Project documents" ||
		! share_row 'IPC\$' IPC || has secret "$LIST_OUT"; then
		fail "$name" "exit status $LIST_RC" "$LIST_OUT"
	else
		pass "$name"
	fi
}

for d in ${DIALECTS:-SMB2_02 SMB2_10 SMB3_00 SMB3_02 SMB3_11}; do
	list -U "$SMB_USER%$SMB_PASS" --option="client min protocol=$d" \
		--option="client max protocol=$d"
	listing_ok "rpc.list.$d"
done
list -U "$SMB_USER%$SMB_PASS" --option="client signing=required"
listing_ok rpc.list.signed
list -U "$SMB_USER%$SMB_PASS" --option="client smb encrypt=required"
listing_ok rpc.list.encrypted

list -U "$SMB_USER%wrong-$SMB_PASS"
if [[ $LIST_RC != 0 ]] && has NT_STATUS_LOGON_FAILURE "$LIST_OUT" &&
	! has "$SMB_SHARE" "$LIST_OUT"; then
	pass rpc.list.wrong-password
else
	fail rpc.list.wrong-password "exit status $LIST_RC" "$LIST_OUT"
fi

# a null session lists names and comments (levels 0 and 1), as on Samba
# and Windows with anonymous enumeration allowed; paths need an account
# (checked by smbtorture's "anonymous access" tests below)
list -N
listing_ok rpc.list.anonymous

# rpc CMD: rpcclient's output for one command (status in RPC_RC)
rpc() {
	RPC_RC=0
	RPC_OUT=$(timeout 60 rpcclient -p "$SMB_PORT" -s "$CLIENT_CONF" \
		-U "$SMB_USER%$SMB_PASS" -c "$1" 127.0.0.1 2>&1) || RPC_RC=$?
}

# rpc_expect NAME CMD ERE...: exit 0 and every ERE matches a line
rpc_expect() {
	local name=$1 cmd=$2 re
	shift 2
	rpc "$cmd"
	for re in "$@"; do
		if [[ $RPC_RC != 0 ]] || ! has "$re" "$RPC_OUT"; then
			fail "$name" "exit status $RPC_RC, no line matching '$re'" "$RPC_OUT"
			return
		fi
	done
	pass "$name"
}

if ! command -v rpcclient >/dev/null; then
	skip rpc.rpcclient "rpcclient is not installed"
else
	# level 2 by default: names, remarks, Windows-style paths
	rpc_expect rpc.netshareenumall "netshareenumall" \
		"^netname: $SMB_SHARE\$" "remark:[[:space:]]+integration test share" \
		'^netname: docs$' 'remark:[[:space:]]+Project documents' \
		'^netname: IPC\$$' "path:[[:space:]]+C:.*\\\\docs\$"
	if has secret "$RPC_OUT"; then
		fail rpc.netshareenumall.hidden "a browseable = no share is listed" "$RPC_OUT"
	else
		pass rpc.netshareenumall.hidden
	fi
	rpc_expect rpc.netshareenumall.level1 "netshareenumall 1" \
		"^netname: $SMB_SHARE\$" '^netname: IPC\$$' \
		'remark:[[:space:]]+Project documents'
	rpc_expect rpc.netsharegetinfo "netsharegetinfo docs 502" \
		'^netname: docs$' 'remark:[[:space:]]+Project documents' \
		'type:[[:space:]]+0x0$' 'max_uses:[[:space:]]+-1'
	# a share that is not listed can still be asked about by name
	rpc_expect rpc.netsharegetinfo.hidden "netsharegetinfo secret 1" \
		'^netname: secret$'
	rpc "netsharegetinfo nosuchshare 1"
	if has WERR_NERR_NETNAMENOTFOUND "$RPC_OUT"; then
		pass rpc.netsharegetinfo.unknown
	else
		fail rpc.netsharegetinfo.unknown "$RPC_OUT"
	fi
	rpc_expect rpc.srvinfo "srvinfo" 'platform_id[[:space:]]+:[[:space:]]+500' \
		'server type[[:space:]]+:[[:space:]]+0x'
fi

# other pipes do not exist (dittofsd has no lsarpc); Samba has them
if [[ $SERVER_KIND == dittofs ]]; then
	rpc "lsaquery"
	if [[ $RPC_RC != 0 ]] && has NT_STATUS_OBJECT_NAME_NOT_FOUND "$RPC_OUT"; then
		pass rpc.unknown-pipe
	else
		fail rpc.unknown-pipe "exit status $RPC_RC" "$RPC_OUT"
	fi
fi

# smbtorture's srvsvc tests for the calls the server implements, with an
# account and as a null session (the others: opnums it does not have)
TORTURE_RPC=(
	"srvsvc (admin access).NetShareEnumAll"
	"srvsvc (admin access).NetShareEnum"
	"srvsvc (admin access).NetShareGetInfo"
	"srvsvc (admin access).NetSrvGetInfo"
	"srvsvc anonymous access.NetShareEnumAll"
	"srvsvc anonymous access.NetShareEnum"
	"srvsvc anonymous access.NetShareGetInfo"
)
if command -v smbtorture >/dev/null; then
	args=()
	for t in "${TORTURE_RPC[@]}"; do args+=("rpc.srvsvc.$t"); done
	out=$(timeout 300 smbtorture "ncacn_np:127.0.0.1" -p "$SMB_PORT" \
		-s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" \
		--option="torture:share=$SMB_SHARE" "${args[@]}" 2>&1) || true
	for t in "${TORTURE_RPC[@]}"; do
		name="rpc.torture.${t//[ ()]/_}"
		if grep -qxF "success: $t" <<<"$out"; then
			pass "$name"
		else
			fail "$name" "$(grep -F -A3 "failure: $t [" <<<"$out" | head -8)"
		fi
	done
else
	skip rpc.torture "smbtorture is not installed"
fi

# message-mode details smbclient never provokes (raw PDUs through impacket)
PIPE_OUT=$(timeout 120 /usr/bin/python3 "$LIB_DIR/test_rpc_pipe.py" \
	--port "$SMB_PORT" --user "$SMB_USER" --password "$SMB_PASS" \
	--share "$SMB_SHARE" 2>&1) || true
for c in transceive-overflow read-remainder read-overflow query-standard-info; do
	if grep -qx "PASS $c" <<<"$PIPE_OUT"; then
		pass "rpc.pipe.$c"
	else
		fail "rpc.pipe.$c" "$PIPE_OUT"
	fi
done

# A listing far larger than one fragment (4280 bytes): the client reads
# the later fragments with READ after the first came back in TRANSCEIVE.
stop_server
BULK=${BULK_SHARES:-200}
for ((i = 0; i < BULK; i++)); do
	printf '\n[bulk%03d]\n\tpath = %s\n\tcomment = bulk share number %d of many\n' \
		"$i" "$DOCS_DIR" "$i"
done >>"$SERVER_CONF"
case $SERVER_KIND in
dittofs) start_dittofsd "$SERVER_CONF" ;;
samba) start_samba "$SERVER_CONF" "$SMB_PORT" ;;
esac
list -U "$SMB_USER%$SMB_PASS"
n=$(grep -cE '^[[:space:]]+bulk[0-9]{3}[[:space:]]+Disk[[:space:]]+bulk share number' \
	<<<"$LIST_OUT" || true)
if [[ $LIST_RC == 0 && $n == "$BULK" ]] && share_row 'IPC\$' IPC &&
	! has 'NT_STATUS_' "$LIST_OUT"; then
	pass rpc.list.fragmented
else
	fail rpc.list.fragmented "exit status $LIST_RC, $n of $BULK shares listed" \
		"$(head -c 3000 <<<"$LIST_OUT")"
fi

stop_server
finish

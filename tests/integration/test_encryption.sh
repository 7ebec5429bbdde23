#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_encryption.sh - SMB3 encryption (SMB2_TRANSFORM_HEADER) with Samba's
# smbclient:
#   - per cipher (AES-128-CCM, AES-128-GCM, AES-256-CCM, AES-256-GCM on
#     SMB3_11, and SMB3_00 whose only cipher is AES-128-CCM): put and get
#     of a random file with "client smb encrypt = required", checksums
#     compared; a loopback capture taken during the transfer holds transform
#     headers, names the negotiated dialect/cipher, and holds none of eight
#     64-byte pieces of the file. The same check on an unencrypted transfer
#     must find them (the control that shows the check can fail).
#   - a share with "smb encrypt = required": refused to clients that cannot
#     encrypt (SMB2_02, SMB2_10: NT_STATUS_ACCESS_DENIED at tree connect);
#     a 3.x client is made to encrypt on it (capture shows no plaintext).
#   - global "smb encrypt = required": an SMB2_10 client (no encryption in
#     that dialect) is refused; an SMB3_11 client that encrypts works.
#
# Environment: BIG_MIB (default 20), CIPHERS (default the four above),
# CAPTURE=0 to skip the tshark checks, plus everything lib.sh reads (BUILD,
# SERVER_KIND, KEEP_TMP). tshark must be able to capture on lo (root, or
# dumpcap with capabilities).
set -euo pipefail

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIG_MIB=${BIG_MIB:-20}
CIPHERS=${CIPHERS:-AES-128-CCM AES-128-GCM AES-256-CCM AES-256-GCM}
CAPTURE=${CAPTURE:-1}
SMBCLIENT_TIMEOUT=${SMBCLIENT_TIMEOUT:-300}
CAPTURE_TIMEOUT=${CAPTURE_TIMEOUT:-20}
SECURE_SHARE=secure

command -v smbclient >/dev/null || {
	echo "test_encryption: smbclient is not installed (tools/install-deps.sh)" >&2
	exit 1
}
if [[ $CAPTURE == 1 ]] && ! command -v tshark >/dev/null; then
	echo "test_encryption: tshark is not installed; set CAPTURE=0 to skip" \
		"the wire checks" >&2
	exit 1
fi

# shellcheck disable=SC2119 # no extra [global] lines
server_setup

# A second share that requires encryption, next to the ordinary one.
SECURE_DIR=$TEST_TMP/secure
mkdir -p "$SECURE_DIR"
chmod 0777 "$SECURE_DIR"
echo "encrypted share" >"$SECURE_DIR/README.txt"
add_secure_share() {
	{
		echo
		echo "[$SECURE_SHARE]"
		echo "	path = $SECURE_DIR"
		echo "	read only = no"
		echo "	guest ok = no"
		echo "	smb encrypt = required"
	} >>"$1"
}

start_server() {
	case $SERVER_KIND in
	dittofs) start_dittofsd "$SERVER_CONF" ;;
	samba) start_samba "$SERVER_CONF" "$SMB_PORT" ;;
	esac
}

# restart_with [GLOBAL_LINE...]: rewrite the server config (both shares,
# extra [global] lines) and restart the server on the same port.
restart_with() {
	stop_server
	case $SERVER_KIND in
	dittofs) write_dittofs_conf "$SERVER_CONF" "$SMB_PORT" "$SHARE_DIR" "$STATE_DIR" "$@" ;;
	samba) write_samba_conf "$SERVER_CONF" "$SMB_PORT" "$SHARE_DIR" "$STATE_DIR" "$@" ;;
	esac
	add_secure_share "$SERVER_CONF"
	start_server
}

restart_with

SMBC_OUT=
SMBC_RC=0

# smbc SHARE CMDS OPTION...: smbclient -c CMDS on SHARE with --option=OPTION
# for each OPTION; output in SMBC_OUT, exit status in SMBC_RC.
smbc() {
	local share=$1 cmds=$2 opt args=()
	shift 2
	for opt in "$@"; do args+=("--option=$opt"); done
	SMBC_RC=0
	SMBC_OUT=$(timeout "$SMBCLIENT_TIMEOUT" smbclient "//127.0.0.1/$share" \
		-s "$CLIENT_CONF" -p "$SMB_PORT" -U "$SMB_USER%$SMB_PASS" \
		"${args[@]}" -c "$cmds" 2>&1) || SMBC_RC=$?
}

# smbc_fails_with NAME STATUS SHARE CMDS OPTION...: one result; passes when
# smbclient fails and names STATUS.
smbc_fails_with() {
	local name=$1 status=$2
	shift 2
	smbc "$@"
	if [[ $SMBC_RC != 0 ]] && grep -q -- "$status" <<<"$SMBC_OUT"; then
		pass "$name"
	else
		fail "$name" "expected failure with $status (exit status $SMBC_RC), got:" \
			"$SMBC_OUT"
	fi
}

# smbc_works NAME SHARE CMDS OPTION...: one result; passes when smbclient
# exits 0 and reports no NT_STATUS error.
smbc_works() {
	local name=$1
	shift
	smbc "$@"
	if [[ $SMBC_RC != 0 ]] || grep -q 'NT_STATUS_' <<<"$SMBC_OUT"; then
		fail "$name" "smbclient exited with status $SMBC_RC" "$SMBC_OUT"
		return 1
	fi
	pass "$name"
}

# --- loopback capture ------------------------------------------------------

CAP_PID=
CAP_FILE=
CAP_LOG=

capture_start() {
	CAP_FILE=$TEST_TMP/$1.pcap
	CAP_LOG=$TEST_TMP/$1.tshark.log
	: >"$CAP_LOG"
	# -B: a large kernel buffer so that a fast loopback transfer is not
	# dropped; -q: no per-packet output.
	tshark -i lo -f "tcp port $SMB_PORT" -B 64 -q -w "$CAP_FILE" \
		>"$CAP_LOG" 2>&1 &
	CAP_PID=$!
	local deadline=$((SECONDS + CAPTURE_TIMEOUT))
	while ((SECONDS < deadline)); do
		grep -q "Capturing on" "$CAP_LOG" 2>/dev/null && return 0
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	capture_stop
	return 1
}

capture_stop() {
	[[ -n $CAP_PID ]] || return 0
	local pid=$CAP_PID deadline=$((SECONDS + CAPTURE_TIMEOUT))
	CAP_PID=
	# Let the last segments reach the capture buffer, then stop it.
	sleep 1
	kill -INT "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # run from the EXIT trap
capture_cleanup() {
	local rc=$?
	set +e
	capture_stop
	(exit "$rc")
	lib_exit
}
trap capture_cleanup EXIT

# Eight 64-byte pieces of the file, from its middle half.
NEEDLES=$TEST_TMP/needles
make_needles() {
	local file=$1 size i off
	size=$(stat -c %s "$file")
	: >"$NEEDLES"
	for ((i = 0; i < 8; i++)); do
		off=$((size / 4 + i * (size / 16) + 4093 * i))
		dd if="$file" bs=1 skip="$off" count=64 status=none |
			od -An -v -tx1 | tr -d ' \n' >>"$NEEDLES"
		echo >>"$NEEDLES"
	done
}

# capture_stats PCAP: "HITS TRANSFORMS BYTES": how often any needle occurs,
# how many transform header ids (FD 'S' 'M' 'B') the capture holds, and its
# size.
capture_stats() {
	python3 - "$1" "$NEEDLES" <<'EOF'
import os
import sys

data = open(sys.argv[1], "rb").read()
hits = 0
for line in open(sys.argv[2]):
    line = line.strip()
    if line:
        hits += data.count(bytes.fromhex(line))
print(hits, data.count(b"\xfdSMB"), os.path.getsize(sys.argv[1]))
EOF
}

# negotiated PCAP: "DIALECT CIPHER" from the NEGOTIATE response in the capture.
negotiated() {
	timeout 120 tshark -r "$1" -d "tcp.port==$SMB_PORT,nbss" \
		-Y 'smb2.cmd == 0 && smb2.flags.response == 1' -T fields -e smb2.dialect -e smb2.negotiate_context.cipher_id \
		2>/dev/null | head -n 1
}

# --- transfers ---------------------------------------------------------------

BIG=$TEST_TMP/big.bin
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$BIG"
BIG_SUM=$(sha256sum <"$BIG" | cut -d' ' -f1)
make_needles "$BIG"
MIN_CAPTURE=$((2 * BIG_MIB * 1024 * 1024))

# transfer NAME SHARE ENCRYPTED EXPECT_DIALECT EXPECT_CIPHER OPTION...: put
# and get the big file under a loopback capture and judge both.
transfer() {
	local name=$1 share=$2 encrypted=$3 want_dialect=$4 want_cipher=$5
	local got sum hits transforms bytes neg got_dialect got_cipher
	shift 5
	rm -f "$TEST_TMP/back.bin"
	if [[ $CAPTURE == 1 ]] && ! capture_start "$name"; then
		fail "$name.capture" "tshark did not start:" "$(cat "$CAP_LOG")"
		return 0
	fi
	smbc_works "$name.put-get" "$share" \
		"put $BIG $name.bin; get $name.bin $TEST_TMP/back.bin; del $name.bin" \
		"$@" || true
	capture_stop
	if [[ -f $TEST_TMP/back.bin ]]; then
		sum=$(sha256sum <"$TEST_TMP/back.bin" | cut -d' ' -f1)
		if [[ $sum == "$BIG_SUM" ]]; then
			pass "$name.checksum"
		else
			fail "$name.checksum" "sent $BIG_SUM, got back $sum"
		fi
	else
		fail "$name.checksum" "nothing came back"
	fi
	[[ $CAPTURE == 1 ]] || return 0

	read -r hits transforms bytes < <(capture_stats "$CAP_FILE")
	if ((bytes < MIN_CAPTURE)); then
		fail "$name.capture" "the capture holds $bytes bytes, less than the" \
			"$MIN_CAPTURE the transfer needs: packets were lost" \
			"$(cat "$CAP_LOG")"
	elif [[ $encrypted == yes ]]; then
		if ((hits == 0 && transforms > 0)); then
			pass "$name.no-plaintext-on-wire"
		else
			fail "$name.no-plaintext-on-wire" \
				"$hits plaintext hits, $transforms transform headers in $bytes bytes"
		fi
	else
		if ((hits > 0 && transforms == 0)); then
			pass "$name.plaintext-visible"
		else
			fail "$name.plaintext-visible" \
				"$hits plaintext hits, $transforms transform headers in $bytes bytes"
		fi
	fi
	neg=$(negotiated "$CAP_FILE")
	read -r got_dialect got_cipher <<<"$neg"
	got="${got_dialect:-?}/${got_cipher:-none}"
	if [[ $got == "$want_dialect/$want_cipher" ]]; then
		pass "$name.negotiated"
	else
		fail "$name.negotiated" "want $want_dialect/$want_cipher, saw $got"
	fi
	rm -f "$CAP_FILE"
}

cipher_id() {
	case $1 in
	AES-128-CCM) echo 0x0001 ;;
	AES-128-GCM) echo 0x0002 ;;
	AES-256-CCM) echo 0x0003 ;;
	AES-256-GCM) echo 0x0004 ;;
	*) echo "?" ;;
	esac
}

SMB311=("client min protocol = SMB3_11" "client max protocol = SMB3_11")

# Control first: without encryption the file is on the wire in clear. (The
# client still offers its ciphers, and the server picks AES-128-GCM.)
transfer "plain-smb3_11" "$SMB_SHARE" no 0x0311 0x0002 "${SMB311[@]}" \
	"client smb encrypt = off"

for c in $CIPHERS; do
	transfer "encrypt-$c" "$SMB_SHARE" yes 0x0311 "$(cipher_id "$c")" \
		"${SMB311[@]}" "client smb encrypt = required" \
		"client smb3 encryption algorithms = $c"
done

# SMB 3.0: no negotiate contexts; AES-128-CCM by the ENCRYPTION capability.
transfer "encrypt-smb3_00" "$SMB_SHARE" yes 0x0300 none \
	"client min protocol = SMB3_00" "client max protocol = SMB3_00" \
	"client smb encrypt = required"

# --- share policy ----------------------------------------------------------------

# Clients that cannot encrypt (SMB 2.x has no transform header) are refused
# at TREE_CONNECT of the share that requires it (MS-SMB2 3.3.5.7).
for d in SMB2_02 SMB2_10; do
	smbc_fails_with "share-required.refuses-$d" NT_STATUS_ACCESS_DENIED \
		"$SECURE_SHARE" "ls" "client min protocol = $d" \
		"client max protocol = $d"
done
# A 3.1.1 client with "client smb encrypt = off" still offers ciphers (Samba
# 4.17 only stops asking for encryption), so the server accepts the tree
# connect with SMB2_SHAREFLAG_ENCRYPT_DATA and the client must then encrypt
# everything on that share: the capture must show no plaintext.
transfer "share-required.off-client" "$SECURE_SHARE" yes 0x0311 0x0002 \
	"${SMB311[@]}" "client smb encrypt = off"
smbc_works "share-required.encrypting-client" "$SECURE_SHARE" \
	"ls; get README.txt $TEST_TMP/readme" \
	"${SMB311[@]}" "client smb encrypt = required" || true
smbc_works "share-required.smb3_00-client" "$SECURE_SHARE" "ls" \
	"client min protocol = SMB3_00" "client max protocol = SMB3_00" || true
# the other share does not ask for encryption
smbc_works "share-plain.smb2_10-client" "$SMB_SHARE" "ls" \
	"client min protocol = SMB2_10" "client max protocol = SMB2_10" || true

# --- global policy -----------------------------------------------------------------

restart_with "smb encrypt = required"

smbc_fails_with "global-required.refuses-smb2_10" NT_STATUS_ACCESS_DENIED \
	"$SMB_SHARE" "ls" "client min protocol = SMB2_10" \
	"client max protocol = SMB2_10"
smbc_works "global-required.encrypting-client" "$SMB_SHARE" "ls" \
	"${SMB311[@]}" "client smb encrypt = required" || true
# a client that does not ask still gets an encrypted session (the server
# sets SMB2_SESSION_FLAG_ENCRYPT_DATA) and must work
smbc_works "global-required.default-client" "$SMB_SHARE" "ls" \
	"${SMB311[@]}" || true

stop_server
finish

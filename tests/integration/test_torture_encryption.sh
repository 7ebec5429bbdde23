#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_torture_encryption.sh - smbtorture's SMB3 encryption tests, one per
# cipher: each negotiates SMB3_11 offering only that cipher, opens a session
# with encryption required and does I/O through the transform header.
#
# This is test_torture.sh with another test list (its server setup, result
# parsing and known-failure handling are reused as they are, not copied).
#
# Environment: TORTURE_ENCRYPTION_TESTS replaces the list below; everything
# test_torture.sh and lib.sh read (TORTURE_OPTS, TORTURE_TIMEOUT, BUILD,
# SERVER_KIND, KEEP_TMP) applies.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

TORTURE_TESTS=${TORTURE_ENCRYPTION_TESTS:-smb2.session.encryption-aes-128-ccm smb2.session.encryption-aes-128-gcm smb2.session.encryption-aes-256-ccm smb2.session.encryption-aes-256-gcm}
SUITE_NAME=${SUITE_NAME:-$(basename "$0" .sh)}
export TORTURE_TESTS SUITE_NAME
exec bash "$HERE/test_torture.sh"

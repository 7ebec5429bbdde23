#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_torture_encrypted_session.sh - smbtorture's session binding and
# failed re-authentication tests with the client requiring encryption
# ("client smb encrypt = required"): a request encrypted with the key of a
# session that is not bound to its connection is answered
# STATUS_USER_SESSION_DELETED inside a transform, and once a failed
# re-authentication has ended the session, its encrypted requests end the
# connection on every channel (smb2.session.bind_invalid_auth, reauth6).
#
# This is test_torture.sh with another test list and client option (its
# server setup, result parsing and known-failure handling are reused).
#
# Environment: TORTURE_ENCRYPTED_SESSION_TESTS replaces the list below;
# everything test_torture.sh and lib.sh read applies.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

TORTURE_TESTS=${TORTURE_ENCRYPTED_SESSION_TESTS:-smb2.session.bind1 smb2.session.bind2 smb2.session.bind_invalid_auth smb2.session.reauth6}
TORTURE_OPTS="${TORTURE_OPTS:-} --option=clientsmbencrypt=required"
SUITE_NAME=${SUITE_NAME:-$(basename "$0" .sh)}
export TORTURE_TESTS TORTURE_OPTS SUITE_NAME
exec bash "$HERE/test_torture.sh"

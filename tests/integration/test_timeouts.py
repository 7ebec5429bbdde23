#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test_timeouts.py PORT USER PASSWORD - the server closes connections that
# never authenticate ('unauthenticated timeout') and sessions that go quiet
# ('idle timeout'); test_timeouts.sh starts it with both set to 2 s.
import socket
import sys
import time

from impacket.smbconnection import SMBConnection

PORT, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3]
results = []


def report(name, ok, detail=""):
    print(("PASS" if ok else "FAIL") + ": " + name + ("" if ok else " (" + detail + ")"))
    results.append(ok)


def closed_within(sock, seconds):
    """Seconds until the server closed sock, or None if it did not."""
    sock.settimeout(seconds)
    start = time.monotonic()
    try:
        data = sock.recv(1)
    except socket.timeout:
        return None
    except ConnectionResetError:
        data = b""
    return time.monotonic() - start if data == b"" else None


# a client that connects and says nothing
s = socket.create_connection(("127.0.0.1", PORT))
t = closed_within(s, 8)
report("timeouts.silent-client-closed", t is not None and t < 6, "open after 8 s")
s.close()

# an authenticated session that goes quiet is closed too (idle timeout)
c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=PORT)
c.login(USER, PASSWORD)
c.listPath("share", "*")
time.sleep(5)
try:
    c.listPath("share", "*")
    report("timeouts.idle-session-closed", False, "still answered after 5 s idle")
except Exception:  # the connection is gone: that is the point
    report("timeouts.idle-session-closed", True)

# an active session survives: requests every second for 5 s
c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=PORT)
c.login(USER, PASSWORD)
ok = True
for _ in range(5):
    time.sleep(1)
    try:
        c.listPath("share", "*")
    except Exception as e:  # noqa: BLE001 - any failure is the finding
        ok = False
        detail = str(e)
        break
report("timeouts.active-session-kept", ok, "" if ok else detail)
sys.exit(0 if all(results) else 1)

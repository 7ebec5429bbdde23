# SPDX-License-Identifier: GPL-2.0-or-later
"""write_probe.py - what the VM's WRITE-coherence checks share
(levelii_write.py, lease_write.py): their options, PASS/FAIL reporting,
impacket logins against dittofsd --mode=kernel on 127.0.0.1, and dittofs.ko's
counters, which tell whether the module served a WRITE alone (pdus_fast)
or asked dittofsd first (io_verdicts).
"""
import argparse
import json
import subprocess

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

OPT = None
FAILED = []


def parse_args():
    global OPT
    p = argparse.ArgumentParser()
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--port", type=int, default=445)
    p.add_argument("--share", default="share")
    p.add_argument("--share-dir", required=True)
    p.add_argument("--ctl", required=True)
    p.add_argument("--conf", required=True)
    OPT = p.parse_args()
    return OPT


def check(name, why):
    """Report one check: why is None when it passed."""
    if why:
        print(f"FAIL {name}: {why}", flush=True)
        FAILED.append(name)
    else:
        print(f"PASS {name}", flush=True)


def run_cases(*cases):
    """Run each case, an exception failing only that one; the exit status."""
    for case in cases:
        try:
            case()
        except Exception as e:  # noqa: BLE001 - report and go on
            check(case.__name__, f"{type(e).__name__}: {e}")
    return 1 if FAILED else 0


def counters():
    """dittofs.ko's (pdus_fast, io_verdicts)."""
    out = subprocess.check_output([OPT.ctl, "-c", OPT.conf, "--json", "stats"])
    k = json.loads(out)["kernel"]
    return k["pdus_fast"], k["io_verdicts"]


def served_fast(before, after):
    """None when the module served one WRITE without asking dittofsd."""
    if after[0] > before[0] and after[1] == before[1]:
        return None
    return f"(pdus_fast, io_verdicts) {before} -> {after}"


def asked(before, after):
    """None when dittofsd was asked about the WRITE (IO_VERDICT)."""
    return None if after[1] > before[1] else f"io_verdicts {before[1]} -> {after[1]}"


def login():
    """A new connection (own ClientGuid) and its tree on the share."""
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=OPT.port)
    c.login(OPT.user, OPT.password)
    return c, c.connectTree(OPT.share)


def write(conn, tid, fid, data, off):
    conn.getSMBServer().write(tid, fid, data, off, len(data))


def check_write(name, verdict, conn, tid, fid, data, off):
    """WRITE data at off; check name by verdict (served_fast or asked) of
    the module's counters before and after it."""
    before = counters()
    write(conn, tid, fid, data, off)
    check(name, verdict(before, counters()))


def check_on_disk(name, path, off, data):
    """check name: the file at path holds data at off."""
    with open(path, "rb") as f:
        f.seek(off)
        got = f.read(len(data))
    check(name, None if got == data else "data differs")


def recv_break(conn, timeout):
    """The body of the next unsolicited OPLOCK_BREAK on conn (an oplock or a
    lease break notification), or None when none came in time."""
    s = conn.getSMBServer()
    try:
        pkt = s3.SMB2Packet(s._NetBIOSSession.recv_packet(timeout).get_trailer())
    except Exception:  # noqa: BLE001 - impacket raises its own timeout types
        return None
    if pkt["Command"] != s3.SMB2_OPLOCK_BREAK or pkt["MessageID"] != 2**64 - 1:
        return None
    return pkt["Data"]

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""levelii_write.py - kernel mode: WRITEs the module could serve itself keep
level II oplocks and write times as dittofsd's own WRITE does.

Against dittofsd --mode=kernel on 127.0.0.1:445 (share --share, its
directory --share-dir), with dittofs.ko's counters (dittofsctl stats)
telling which WRITEs the module served (pdus_fast) and for which it asked
dittofsd first (io_verdicts):

 1. B opens coh.bin for writing (no oplock) and writes twice: the second
    WRITE is served by dittofs.ko without asking, so the fast path is in
    play
 2. A opens coh.bin for reading with a level II oplock
 3. B writes: dittofsd is asked, A gets an OPLOCK_BREAK to none, the data
    is on disk
 4. B writes again: dittofs.ko serves it without asking (no level II left)
 5. B sets LastWriteTime explicitly, then writes: the mtime on disk stays
 6. C opens wt.bin (mtime 2020 on disk) and writes once: the mtime does
    not move at once (the delayed write-time update comes later)

Prints "PASS name" / "FAIL name: why" per check; exit 1 on any failure.
"""
import os
import struct
import sys

from impacket import smb3structs as s3

import write_probe as wp
from write_probe import (asked, check, check_on_disk, check_write, login,
                         served_fast, write)

BREAK_NONE = 0
T2020 = 1577836800		# 2020-01-01T00:00:00Z
FILETIME_1601 = 11644473600


def open_file(conn, tid, name, access, disposition, oplock=0):
    return conn.getSMBServer().create(
        tid, name, access, s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE,
        s3.FILE_NON_DIRECTORY_FILE, disposition, s3.FILE_ATTRIBUTE_NORMAL,
        oplockLevel=oplock)


def recv_break(conn, timeout):
    """The OplockLevel of the next OPLOCK_BREAK on conn, or None."""
    d = wp.recv_break(conn, timeout)
    return None if d is None or len(d) < 3 else d[2]


def set_write_time(conn, tid, fid, unix):
    ft = (unix + FILETIME_1601) * 10**7
    blob = struct.pack("<QQQQI4x", 0, 0, ft, 0, 0)	# FileBasicInformation
    conn.getSMBServer().setInfo(tid, fid, blob, s3.SMB2_0_INFO_FILE, 4)


def levelii_case():
    rw = (s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES |
          s3.FILE_WRITE_ATTRIBUTES)
    path = os.path.join(wp.OPT.share_dir, "coh.bin")
    b, btid = login()
    a, atid = login()
    bfid = open_file(b, btid, "coh.bin", rw, s3.FILE_OVERWRITE_IF)
    write(b, btid, bfid, b"1" * 4096, 0)
    check_write("a WRITE with no level II held is served by dittofs.ko",
                served_fast, b, btid, bfid, b"2" * 4096, 4096)

    afid = open_file(a, atid, "coh.bin", s3.FILE_READ_DATA, s3.FILE_OPEN,
                     s3.SMB2_OPLOCK_LEVEL_II)
    check_write("a WRITE while another open holds level II asks dittofsd",
                asked, b, btid, bfid, b"3" * 4096, 8192)
    level = recv_break(a, 10)
    check("a WRITE breaks another open's level II to none",
          None if level == BREAK_NONE else f"break seen: {level}")
    check_on_disk("the WRITE that broke level II is on disk", path, 8192, b"3" * 4096)

    check_write("with level II gone, WRITEs are served by dittofs.ko again",
                served_fast, b, btid, bfid, b"4" * 4096, 12288)

    set_write_time(b, btid, bfid, T2020)
    write(b, btid, bfid, b"5" * 4096, 16384)
    mtime = int(os.stat(path).st_mtime)
    check("a WRITE after an explicit LastWriteTime keeps it",
          None if mtime == T2020 else f"mtime {mtime}, set {T2020}")
    a.getSMBServer().close(atid, afid)
    b.getSMBServer().close(btid, bfid)


def delayed_write_time_case():
    path = os.path.join(wp.OPT.share_dir, "wt.bin")
    with open(path, "wb") as f:
        f.write(b"x" * 4096)
    os.utime(path, (T2020, T2020))
    c, tid = login()
    fid = open_file(c, tid, "wt.bin", s3.FILE_READ_DATA | s3.FILE_WRITE_DATA,
                    s3.FILE_OPEN)
    write(c, tid, fid, b"y" * 4096, 0)
    mtime = int(os.stat(path).st_mtime)
    check("the first WRITE of an open does not move the write time at once",
          None if mtime == T2020 else f"mtime {mtime}, was {T2020}")
    c.getSMBServer().close(tid, fid)


def main():
    wp.parse_args()
    return wp.run_cases(levelii_case, delayed_write_time_case)


if __name__ == "__main__":
    sys.exit(main())

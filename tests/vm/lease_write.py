#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""lease_write.py - kernel mode: a WRITE dittofs.ko could serve itself breaks
the read caching of other lease keys as dittofsd's own WRITE does
(MS-SMB2 3.3.4.7).

Against dittofsd --mode=kernel on 127.0.0.1 (share --share, its directory
--share-dir), with dittofs.ko's counters (dittofsctl stats) telling which
WRITEs the module served (pdus_fast) and for which it asked dittofsd
first (io_verdicts). Each client is its own connection (own ClientGuid):

 1. B opens lease.bin for writing with an R lease of its own key and
    writes twice: the second WRITE is served by dittofs.ko without asking
    (a lease of the writer's own key breaks nothing)
 2. A opens lease.bin for reading with an RH lease (granted RH: B's R
    shares)
 3. B writes: dittofsd is asked, A gets a LEASE_BREAK RH -> none that
    wants an acknowledgment, the data is on disk
 4. B writes again: dittofs.ko serves it without asking (A's read caching
    is gone as soon as the break went out); A acknowledges the break
 5. C opens lease.bin with an R lease; B writes: dittofsd is asked, C gets
    a LEASE_BREAK R -> none without acknowledgment; B's next WRITE is
    served by dittofs.ko again

Prints "PASS name" / "FAIL name: why" per check; exit 1 on any failure.
"""
import os
import struct
import sys

from impacket import smb3structs as s3

import write_probe as wp
from write_probe import (asked, check, check_on_disk, check_write, login,
                         served_fast, write)

LEASE_R = 0x1
LEASE_RH = 0x3
ACK_REQUIRED = 0x1
STATUS_SUCCESS = 0


class LeaseContext:
    """An RqLs create context with SMB2_CREATE_REQUEST_LEASE (v1) data."""

    def __init__(self, key, state):
        name = b"RqLs"
        data = struct.pack("<16sIIQ", key, state, 0, 0)
        # header 16 bytes, name 4, data 8-aligned at 24
        self.raw = (struct.pack("<IHHHHI", 0, 16, len(name), 0, 24, len(data)) +
                    name + b"\0" * 4 + data)

    def getData(self):  # noqa: N802 - the name impacket calls
        return self.raw


def open_leased(conn, tid, name, access, disposition, key, state):
    return conn.getSMBServer().create(
        tid, name, access, s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE,
        s3.FILE_NON_DIRECTORY_FILE, disposition, s3.FILE_ATTRIBUTE_NORMAL,
        oplockLevel=s3.SMB2_OPLOCK_LEVEL_LEASE,
        createContexts=[LeaseContext(key, state)])


def recv_lease_break(conn, timeout):
    """(flags, key, current, new) of the next LEASE_BREAK on conn, or None."""
    d = wp.recv_break(conn, timeout)
    if d is None or len(d) < 32 or struct.unpack_from("<H", d)[0] != 44:
        return None
    flags = struct.unpack_from("<I", d, 4)[0]
    cur, new = struct.unpack_from("<II", d, 24)
    return flags, bytes(d[8:24]), cur, new


def ack_lease_break(conn, tid, key, state):
    """Send a LEASE_BREAK acknowledgment (2.2.24.2); None when it succeeded."""
    s = conn.getSMBServer()
    pkt = s3.SMB2Packet()
    pkt["Command"] = s3.SMB2_OPLOCK_BREAK
    pkt["TreeID"] = tid
    pkt["Data"] = struct.pack("<HHI16sIQ", 36, 0, 0, key, state, 0)
    ans = s.recvSMB(s.sendSMB(pkt))
    status = ans["Status"]
    return None if status == STATUS_SUCCESS else f"status 0x{status:08x}"


def expect_break(name, got, key, cur, ack):
    if got is None:
        check(name, "no LEASE_BREAK")
        return
    flags, gkey, gcur, gnew = got
    want = (ACK_REQUIRED if ack else 0, key, cur, 0)
    check(name, None if (flags & ACK_REQUIRED, gkey, gcur, gnew) == want else
          f"break (flags, current, new) ({flags}, {gcur}, {gnew}), key ok: {gkey == key}")


def lease_case():
    rw = s3.FILE_READ_DATA | s3.FILE_WRITE_DATA | s3.FILE_READ_ATTRIBUTES
    path = os.path.join(wp.OPT.share_dir, "lease.bin")
    key_a, key_b, key_c = (bytes([n]) * 16 for n in (0xa1, 0xb2, 0xc3))
    b, btid = login()
    a, atid = login()
    c, ctid = login()
    bfid = open_leased(b, btid, "lease.bin", rw, s3.FILE_OVERWRITE_IF, key_b, LEASE_R)
    write(b, btid, bfid, b"1" * 4096, 0)
    check_write("a WRITE under the writer's own R lease is served by dittofs.ko",
                served_fast, b, btid, bfid, b"2" * 4096, 4096)

    afid = open_leased(a, atid, "lease.bin", s3.FILE_READ_DATA, s3.FILE_OPEN,
                       key_a, LEASE_RH)
    check_write("a WRITE while another key holds an RH lease asks dittofsd",
                asked, b, btid, bfid, b"3" * 4096, 8192)
    expect_break("the WRITE breaks the other key's RH lease to none (ack wanted)",
                 recv_lease_break(a, 10), key_a, LEASE_RH, True)
    check_on_disk("the WRITE that broke the lease is on disk", path, 8192, b"3" * 4096)
    check_write("with that break sent, WRITEs are served by dittofs.ko again",
                served_fast, b, btid, bfid, b"4" * 4096, 12288)
    check("the break to none is acknowledged", ack_lease_break(a, atid, key_a, 0))

    cfid = open_leased(c, ctid, "lease.bin", s3.FILE_READ_DATA, s3.FILE_OPEN,
                       key_c, LEASE_R)
    check_write("a WRITE while another key holds an R lease asks dittofsd",
                asked, b, btid, bfid, b"5" * 4096, 16384)
    expect_break("the WRITE breaks the other key's R lease to none (no ack)",
                 recv_lease_break(c, 10), key_c, LEASE_R, False)
    check_write("with no other key's read lease left, WRITEs are fast again",
                served_fast, b, btid, bfid, b"6" * 4096, 20480)
    for conn, tid, fid in ((a, atid, afid), (b, btid, bfid), (c, ctid, cfid)):
        conn.getSMBServer().close(tid, fid)


def main():
    wp.parse_args()
    return wp.run_cases(lease_case)


if __name__ == "__main__":
    sys.exit(main())

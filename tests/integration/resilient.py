# SPDX-License-Identifier: GPL-2.0-or-later
"""resilient.py - a client that makes opens resilient and loses its
connection (driven by test_durable.sh).

  python3 resilient.py PORT USER PASS SHARE

It opens res.txt, short.txt and plain.txt with no oplock and no durable
context, sharing read only, and writes DATA to each. Then it sends
FSCTL_LMR_REQUEST_RESILIENCY (MS-SMB2 2.2.31.3) on res.txt with a 4-byte
input and with a Timeout above the server's limit, both to be refused,
then with 20 s (res.txt) and 1 s (short.txt); plain.txt stays as it is.
It drops its TCP connection without closing anything, and on a new
connection another client opens res.txt for writing (the kept open shares
read only). After 3 s it reclaims the three with DHnC (FileId only). One
line per outcome on stdout:
  short-input <status>      over-limit <status>
  resilient <status>        resilient-short <status>
  other-opener <status>     reconnect-res <status>
  same-fileid <yes|no>      read <hex>
  reconnect-short <status>  reconnect-plain <status>
"""
import struct
import sys
import time

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

from smb_status import ACCESS, FILE_SHARE_READ, FILE_WRITE_DATA, SYNCHRONIZE, try_status

DATA = b"resilient across a lost connection: " + bytes(range(48, 80))
FSCTL_LMR_REQUEST_RESILIENCY = 0x001401D4
SMB2_0_IOCTL_IS_FSCTL = 0x1

port, user, pw, share = sys.argv[1:5]


def logon():
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port), timeout=60)
    c.login(user, pw)
    return c, c.connectTree(share)


def create(c, tid, name, ctxs=None, access=ACCESS, disposition=3):
    return c.getSMBServer().create(tid, name, access, FILE_SHARE_READ, 0x40,
                                   disposition, 0x80, oplockLevel=0,
                                   createContexts=ctxs)


def resiliency(c, tid, fid, blob):
    c.getSMBServer().ioctl(tid, fid, FSCTL_LMR_REQUEST_RESILIENCY,
                           SMB2_0_IOCTL_IS_FSCTL, blob, maxOutputResponse=0)


def request(timeout_ms):
    """NETWORK_RESILIENCY_REQUEST: Timeout (ms), Reserved."""
    return struct.pack("<II", timeout_ms, 0)


def dhnc(fid):
    """A DHnC context: header, name padded to 8, the FileId to reclaim."""
    ctx = s3.SMB2CreateContext()
    ctx["NameOffset"] = 16
    ctx["NameLength"] = 4
    ctx["DataOffset"] = 24
    ctx["DataLength"] = 16
    ctx["Buffer"] = b"DHnC" + b"\0" * 4 + fid
    return ctx


def main():
    out = []
    c, tid = logon()
    fids = {}
    for name in ("res.txt", "short.txt", "plain.txt"):
        fids[name] = create(c, tid, name, disposition=5)  # OVERWRITE_IF
        c.writeFile(tid, fids[name], DATA, 0)
    res = fids["res.txt"]
    out.append("short-input %s" % try_status(
        lambda: resiliency(c, tid, res, struct.pack("<I", 20000))))
    out.append("over-limit %s" % try_status(
        lambda: resiliency(c, tid, res, request(300001))))
    out.append("resilient %s" % try_status(
        lambda: resiliency(c, tid, res, request(20000))))
    out.append("resilient-short %s" % try_status(
        lambda: resiliency(c, tid, fids["short.txt"], request(1000))))
    # the connection is lost: no CLOSE, no LOGOFF
    c.getSMBServer()._NetBIOSSession.close()
    time.sleep(0.5)

    o, otid = logon()
    out.append("other-opener %s" % try_status(
        lambda: create(o, otid, "res.txt", access=FILE_WRITE_DATA | SYNCHRONIZE,
                       disposition=1)))
    time.sleep(3)
    got = {}
    for name in ("res.txt", "short.txt", "plain.txt"):
        def reclaim(n=name):
            got[n] = create(o, otid, n, [dhnc(fids[n])], disposition=1)
        out.append("reconnect-%s %s" % (name[:-4], try_status(reclaim)))
    fid = got.get("res.txt")
    out.append("same-fileid %s" % ("yes" if fid == res else "no"))
    if fid is not None:
        out.append("read %s" % o.readFile(otid, fid, 0, len(DATA)).hex())
        o.getSMBServer().close(otid, fid)
    print("\n".join(out))
    print("data %s" % DATA.hex())


try:
    main()
except Exception as e:  # the shell test reports what was missing
    print("error %r" % e)

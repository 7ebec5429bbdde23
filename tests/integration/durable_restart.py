# SPDX-License-Identifier: GPL-2.0-or-later
"""durable_restart.py - a client that holds durable opens across a restart
of the server (driven by test_durable.sh through files in a work dir).

  python3 durable_restart.py PORT USER PASS SHARE WORKDIR

Phase 1: log on, open kept.txt and replaced.txt with a DH2Q (durable v2)
context and a batch oplock, sharing read only, write DATA to both, then
write "ready" and wait for "restarted" (the server is killed and started
again meanwhile; the connection dies with it).
Phase 2: on a new connection and session, reclaim both with DH2C, read
kept.txt through the reclaimed handle, and have a second client open it
for writing (it must get STATUS_SHARING_VIOLATION once the holder has
acknowledged the oplock break). The byte-range lock the holder took in
phase 1 must still stand. One line per outcome goes to "result":
  reconnect-kept <status>       reconnect-replaced <status>
  same-fileid <yes|no>          read <hex of what was read>
  second-opener <status>        write-after <status>
  lock-held <status>            read-locked <status>
(the last two: a third client's LOCK and READ of the range the holder
locked before the restart).
"""
import os
import struct
import sys
import threading
import time
import uuid

from impacket import smb3
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection, SessionError

DATA = b"durable across a restart: " + bytes(range(32, 96))
FILE_READ_DATA, FILE_WRITE_DATA = 0x1, 0x2
SYNCHRONIZE, READ_ATTRS = 0x100000, 0x80
ACCESS = FILE_READ_DATA | FILE_WRITE_DATA | READ_ATTRS | SYNCHRONIZE
FILE_SHARE_READ = 0x1
STATUS = {0: "SUCCESS", 0xC0000034: "OBJECT_NAME_NOT_FOUND",
          0xC0000043: "SHARING_VIOLATION", 0xC0000022: "ACCESS_DENIED",
          0xC0000054: "FILE_LOCK_CONFLICT", 0xC0000055: "LOCK_NOT_GRANTED"}
LOCK_EXCLUSIVE, LOCK_FAIL_IMMEDIATELY = 0x2, 0x10
LOCKED = 10         # kept.txt's first bytes, locked before the restart

port, user, pw, share, work = sys.argv[1:6]


def put(name, text):
    tmp = os.path.join(work, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, os.path.join(work, name))


def status_name(code):
    return STATUS.get(code, "0x%08x" % code)


def context(name, data):
    """One create context: header, 4-byte name padded to 8, then data."""
    ctx = s3.SMB2CreateContext()
    ctx["NameOffset"] = 16
    ctx["NameLength"] = 4
    ctx["DataOffset"] = 24
    ctx["DataLength"] = len(data)
    ctx["Buffer"] = name + b"\0" * 4 + data
    return ctx


def dh2q(guid):
    # Timeout (0: the server's), Flags, Reserved (8), CreateGuid
    return context(b"DH2Q", struct.pack("<II8s16s", 0, 0, b"", guid))


def dh2c(fid, guid):
    return context(b"DH2C", fid + guid + struct.pack("<I", 0))


def logon():
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port), timeout=60)
    c.login(user, pw)
    return c, c.connectTree(share)


def create(c, tid, name, ctxs, share_mode=FILE_SHARE_READ, oplock=0x09):
    return c.getSMBServer().create(tid, name, ACCESS, share_mode, 0x40, 3, 0x80,
                                   oplockLevel=oplock, createContexts=ctxs)


def try_status(fn):
    try:
        fn()
        return "SUCCESS"
    except SessionError as e:
        return status_name(e.getErrorCode())
    except smb3.SessionError as e:
        return status_name(e.get_error_code())


def wait_for(name, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(os.path.join(work, name)):
            return True
        time.sleep(0.1)
    return False


def ack_break(c, tid, fid):
    """Wait for the oplock break the second opener causes; go to none."""
    srv = c.getSMBServer()
    window = srv._Connection["SequenceWindow"]
    pkt = srv.recvSMB()
    # impacket takes the notification's CreditCharge (0) as a response's
    # and steps its MessageId counter back: the ack would reuse an id
    srv._Connection["SequenceWindow"] = window
    if pkt["Command"] != s3.SMB2_OPLOCK_BREAK:
        return False
    ack = s3.SMB2OplockBreakAcknowledgment()
    ack["OplockLevel"] = 0
    ack["FileID"] = fid
    req = srv.SMB_PACKET()
    req["Command"] = s3.SMB2_OPLOCK_BREAK
    req["TreeID"] = tid
    req["Data"] = ack
    srv.recvSMB(srv.sendSMB(req))
    return True


def lock(c, tid, fid, off, length):
    """LOCK one range exclusively, failing at once (impacket's lock() is
    Python 2 only)."""
    srv = c.getSMBServer()
    req = srv.SMB_PACKET()
    req["Command"] = s3.SMB2_LOCK
    req["TreeID"] = tid
    body = s3.SMB2Lock()
    body["FileID"] = fid
    body["LockCount"] = 1
    body["LockSequence"] = 0
    body["Locks"] = struct.pack("<QQII", off, length,
                                LOCK_EXCLUSIVE | LOCK_FAIL_IMMEDIATELY, 0)
    req["Data"] = body
    ans = srv.recvSMB(srv.sendSMB(req))
    if ans["Status"]:
        raise smb3.SessionError(ans["Status"], ans)


def third_opener():
    """Another client reads kept.txt (sharing all): the lock taken before
    the restart must still stand against it."""
    c, tid = logon()
    fid = c.getSMBServer().create(tid, "kept.txt", FILE_READ_DATA | SYNCHRONIZE,
                                  7, 0x40, 1, 0x80)
    res = ["lock-held %s" % try_status(lambda: lock(c, tid, fid, 0, LOCKED)),
           "read-locked %s" % try_status(lambda: c.readFile(tid, fid, 0, LOCKED))]
    c.close()
    return res


def second_opener(out):
    c, tid = logon()
    out.append(try_status(lambda: create(c, tid, "kept.txt", None,
                                         share_mode=7, oplock=0)))
    c.close()


def phase2(fids, guids):
    res = []
    c, tid = logon()
    got = {}
    for name in ("kept.txt", "replaced.txt"):
        def reclaim(n=name):
            got[n] = create(c, tid, n, [dh2c(fids[n], guids[n])])
        res.append("reconnect-%s %s" % (name[:-4], try_status(reclaim)))
    fid = got.get("kept.txt")
    res.append("same-fileid %s" % ("yes" if fid == fids["kept.txt"] else "no"))
    if fid is None:
        return res
    res.append("read %s" % c.readFile(tid, fid, 0, len(DATA)).hex())
    # a second client asks to write: the holder shares read only
    out = []
    t = threading.Thread(target=second_opener, args=(out,))
    t.start()
    acked = ack_break(c, tid, fid)
    t.join(60)
    res.append("second-opener %s%s" % (out[0] if out else "none",
                                        "" if acked else " (no break seen)"))
    res.append("write-after %s" % try_status(
        lambda: c.writeFile(tid, fid, b"again", len(DATA))))
    res += third_opener()
    c.getSMBServer().close(tid, fid)
    return res


def main():
    c, tid = logon()
    fids, guids = {}, {}
    for name in ("kept.txt", "replaced.txt"):
        guids[name] = uuid.uuid4().bytes
        fids[name] = create(c, tid, name, [dh2q(guids[name])])
        c.writeFile(tid, fids[name], DATA, 0)
    lock(c, tid, fids["kept.txt"], 0, LOCKED)
    put("ready", "ok %s" % DATA.hex())
    if not wait_for("restarted", 120):
        return
    put("result", "\n".join(phase2(fids, guids)))


try:
    main()
except Exception as e:  # the shell test reports what was missing
    put("ready" if not os.path.exists(os.path.join(work, "ready")) else "result",
        "error %r" % e)

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

Leases: in phase 1 the holder also opens leased.txt and broken.txt with a
DH2Q context and a v2 lease (RWH, a key of each), sharing all, and writes
DATA. Another client then opens broken.txt, which breaks its lease to RH
(the holder acknowledges) before the restart. In phase 2 the holder, with
the same ClientGuid, reclaims both with DH2C and its lease context, reads
leased.txt, and another client's open of leased.txt must break the
reclaimed lease (RWH to RH; the holder acknowledges, the opener succeeds).
evicted.txt, held the same way, is opened by another client before its
holder reclaims it: as for any disconnected open with write caching, no
one can acknowledge that break, so it is closed and the opener goes on at
once; the holder's reconnect then finds nothing:
  evicted-opener <status> at-once       reconnect-evicted <status>
  pre-break <cur>-><new> epoch <e>      pre-break-opener <status>
  reconnect-leased <status>             reconnect-broken <status>
  lease-leased oplock <level> state <s> epoch <e>   (also lease-broken)
  read-leased <hex>
  leased-break <cur>-><new> epoch <e>   leased-opener <status>
"""
import os
import struct
import sys
import threading
import time
import uuid

from impacket import smb3
from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

from smb_status import (ACCESS, FILE_READ_DATA, FILE_SHARE_READ, SYNCHRONIZE,
                        status_name, try_status)

DATA = b"durable across a restart: " + bytes(range(32, 96))
LOCK_EXCLUSIVE, LOCK_FAIL_IMMEDIATELY = 0x2, 0x10
LOCKED = 10         # kept.txt's first bytes, locked before the restart

LEASE_RWH, LEASE_RH = 0x7, 0x3
HOLDER_GUID = "dittofs-restart!"   # impacket takes a 16-character str
LEASED = ("leased.txt", "broken.txt", "evicted.txt")
LEASE_KEYS = {name: uuid.uuid4().bytes for name in LEASED}

port, user, pw, share, work = sys.argv[1:6]

# the ClientGuid the next connection negotiates with (None: impacket's own)
next_guid = [None]
_negotiate = smb3.SMB3.negotiateSession


def negotiate_with_guid(self, *args, **kwargs):
    """A lease belongs to its ClientGuid: the holder must keep it across
    its connections, which impacket draws at random for each."""
    if next_guid[0] is not None:
        self.ClientGuid = next_guid[0]
    return _negotiate(self, *args, **kwargs)


smb3.SMB3.negotiateSession = negotiate_with_guid


def put(name, text):
    tmp = os.path.join(work, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, os.path.join(work, name))


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


def logon(guid=None):
    next_guid[0] = guid
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port), timeout=60)
    next_guid[0] = None
    c.login(user, pw)
    return c, c.connectTree(share)


def rqls(key, state):
    """A v2 lease request: key, state, flags, duration, parent, epoch 0."""
    return context(b"RqLs", struct.pack("<16sIIQ16sHH", key, state, 0, 0,
                                        b"\0" * 16, 0, 0))


def chain(ctxs):
    """Create contexts one after another: each 8-aligned, Next set."""
    for ctx in ctxs[:-1]:
        buf = ctx["Buffer"]
        ctx["Buffer"] = buf + b"\0" * (-(16 + len(buf)) % 8)
        ctx["Next"] = 16 + len(ctx["Buffer"])
    return ctxs


def response_contexts(data):
    """name -> data of the create contexts in a CREATE response body."""
    rsp = s3.SMB2Create_Response(data)
    buf, out, off = rsp["Buffer"], {}, 0
    while off + 16 <= len(buf):
        nxt, noff, nlen, _, doff, dlen = struct.unpack_from("<IHHHHI", buf, off)
        out[bytes(buf[off + noff:off + noff + nlen])] = \
            bytes(buf[off + doff:off + doff + dlen])
        if not nxt:
            break
        off += nxt
    return rsp["OplockLevel"], out


def create_leased(c, tid, name, ctxs):
    """CREATE asking for a lease; the FileId, oplock level and contexts."""
    srv = c.getSMBServer()
    seen = []

    def capture(pid=None):
        pkt = srv.__class__.recvSMB(srv, pid)
        seen.append(pkt)
        return pkt
    srv.recvSMB = capture
    try:
        fid = create(c, tid, name, chain(ctxs), share_mode=7, oplock=0xFF)
    finally:
        del srv.recvSMB
    level, got = response_contexts(seen[-1]["Data"])
    return fid, level, got


def lease_of(level, got):
    if b"RqLs" not in got or len(got[b"RqLs"]) < 52:
        return "oplock 0x%02x no lease" % level
    state, = struct.unpack_from("<I", got[b"RqLs"], 16)
    epoch, = struct.unpack_from("<H", got[b"RqLs"], 48)
    return "oplock 0x%02x state %d epoch %d" % (level, state, epoch)


def create(c, tid, name, ctxs, share_mode=FILE_SHARE_READ, oplock=0x09):
    return c.getSMBServer().create(tid, name, ACCESS, share_mode, 0x40, 3, 0x80,
                                   oplockLevel=oplock, createContexts=ctxs)


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


def ack_lease(c, tid, to):
    """Wait for a lease break; acknowledge it at `to`. What it said."""
    srv = c.getSMBServer()
    window = srv._Connection["SequenceWindow"]
    pkt = srv.recvSMB()
    srv._Connection["SequenceWindow"] = window
    if pkt["Command"] != s3.SMB2_OPLOCK_BREAK or len(pkt["Data"]) < 44:
        return "none"
    note = s3.SMB2LeaseBreakNotification(pkt["Data"])
    ack = s3.SMB2LeaseBreakAcknowledgement()
    ack["LeaseKey"] = note["LeaseKey"]
    ack["LeaseState"] = to
    req = srv.SMB_PACKET()
    req["Command"] = s3.SMB2_OPLOCK_BREAK
    req["TreeID"] = tid
    req["Data"] = ack
    ans = srv.recvSMB(srv.sendSMB(req))
    return "%d->%d epoch %d%s" % (note["CurrentLeaseState"],
                                  note["NewLeaseState"], note["NewEpoch"],
                                  "" if not ans["Status"] else
                                  " ack " + status_name(ans["Status"]))


def other_opener(name, out):
    """Another client opens name for reading and writing, sharing all."""
    c, tid = logon()
    out.append(try_status(lambda: create(c, tid, name, None, share_mode=7,
                                         oplock=0)))
    c.close()


def lease_conflict(c, tid, name):
    """Another client's open of name breaks the holder's lease to RH."""
    out = []
    t = threading.Thread(target=other_opener, args=(name, out))
    t.start()
    seen = ack_lease(c, tid, LEASE_RH)
    t.join(60)
    return seen, out[0] if out else "none"


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


def evict(c, tid, fids, guids):
    """Another client opens evicted.txt before its holder is back."""
    out, start = [], time.time()
    other_opener("evicted.txt", out)
    took = time.time() - start
    # not after the 35 s a break no one acknowledges would take
    res = ["evicted-opener %s %s" % (out[0] if out else "none",
                                     "at-once" if took < 10 else
                                     "after %.0f s" % took)]
    res.append("reconnect-evicted %s" % try_status(lambda: create_leased(
        c, tid, "evicted.txt", [dh2c(fids["evicted.txt"], guids["evicted.txt"]),
                                rqls(LEASE_KEYS["evicted.txt"], LEASE_RWH)])))
    return res


def phase2_leased(c, tid, fids, guids):
    res, got = evict(c, tid, fids, guids), {}
    for name in ("leased.txt", "broken.txt"):
        def reclaim(n=name):
            got[n] = create_leased(c, tid, n, [dh2c(fids[n], guids[n]),
                                               rqls(LEASE_KEYS[n], LEASE_RWH)])
        res.append("reconnect-%s %s" % (name[:-4], try_status(reclaim)))
        if name in got:
            res.append("lease-%s %s" % (name[:-4], lease_of(*got[name][1:])))
    if "leased.txt" not in got:
        return res
    fid = got["leased.txt"][0]
    res.append("read-leased %s" % c.readFile(tid, fid, 0, len(DATA)).hex())
    seen, opener = lease_conflict(c, tid, "leased.txt")
    res += ["leased-break %s" % seen, "leased-opener %s" % opener]
    for name in got:
        c.getSMBServer().close(tid, got[name][0])
    return res


def phase2(fids, guids):
    res = []
    c, tid = logon(HOLDER_GUID)
    res += phase2_leased(c, tid, fids, guids)
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


def phase1_leased(c, tid, fids, guids):
    """Leased durable opens; broken.txt's lease is broken to RH."""
    for name in LEASED:
        guids[name] = uuid.uuid4().bytes
        fids[name] = create_leased(c, tid, name, [
            dh2q(guids[name]), rqls(LEASE_KEYS[name], LEASE_RWH)])[0]
        c.writeFile(tid, fids[name], DATA, 0)
    seen, opener = lease_conflict(c, tid, "broken.txt")
    return ["pre-break %s" % seen, "pre-break-opener %s" % opener]


def main():
    c, tid = logon(HOLDER_GUID)
    fids, guids = {}, {}
    for name in ("kept.txt", "replaced.txt"):
        guids[name] = uuid.uuid4().bytes
        fids[name] = create(c, tid, name, [dh2q(guids[name])])
        c.writeFile(tid, fids[name], DATA, 0)
    lock(c, tid, fids["kept.txt"], 0, LOCKED)
    before = phase1_leased(c, tid, fids, guids)
    put("ready", "ok %s" % DATA.hex())
    if not wait_for("restarted", 120):
        return
    put("result", "\n".join(before + phase2(fids, guids)))


try:
    main()
except Exception as e:  # the shell test reports what was missing
    put("ready" if not os.path.exists(os.path.join(work, "ready")) else "result",
        "error %r" % e)

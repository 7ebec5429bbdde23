#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest_kmod.sh - dittofs.ko inside the vmtest guest: insmod, the crypto
# self-test line, the DITTOFS generic netlink family and its HELLO
# handshake (as root, with a wrong version, without CAP_NET_ADMIN), then
# the transport without dittofsd (a Python stand-in, written to /tmp):
# one control socket at a time (HELLO CLAIM, EBUSY), LISTEN on a socket
# the script made, a raw NEGOTIATE that must be answered with
# STATUS_SERVER_UNAVAILABLE when no daemon is there, an oversized NetBIOS
# length, PDU_UP/PDU_DOWN with cookies, a 200 KiB response refused before
# authentication (the response buffer stays small), SEND,
# CONN_CLOSE both ways, a request the "daemon" never answers, the control
# socket closing (the connection stays, its waiting request fails at once)
# and a new claim (the old connection is closed on its next request,
# nothing reaches the new daemon), the READ/WRITE fast path on an installed session, tree
# and open (and its revocation with FID_UPDATE, the READ then answered by
# the daemon in chunks); rmmod with a connection open, and no oops/WARNING in the
# kernel log. Exit 1 on any failure.
#
# Environment (set by guest_init.sh): VMTEST_REPO.
set -u

REPO=${VMTEST_REPO:?run me inside the vmtest guest}
KO=${DITTOFS_KO:-$REPO/kmod/dittofs.ko}
HELLO=$REPO/tests/vm/genl_hello.py
KNL=/tmp/kmod_nl.py
n_pass=0
n_fail=0

log() { printf 'kmod: %s\n' "$*"; }

check() { # NAME CMD...
	local name=$1 out rc=0
	shift
	out=$(timeout -k 5 60 "$@" 2>&1) || rc=$?
	if ((rc == 0)); then
		log "PASS: $name"
		n_pass=$((n_pass + 1))
	else
		log "FAIL: $name (exit $rc)"
		n_fail=$((n_fail + 1))
	fi
	[[ -n $out ]] && printf '    | %s\n' "${out//$'\n'/$'\n'    | }"
	return "$rc"
}

# The stand-in control side, kept here so the test is one file.
write_kmod_nl() {
	cat >"$KNL" <<'PYEOF'
#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# kmod_nl.py - drive dittofs.ko's netlink family and transport without
# dittofsd: the control socket claim, LISTEN, PDU_UP/PDU_DOWN, SEND,
# CONN_CLOSE, STATS. Written out and run by tests/vm/guest_kmod.sh.
import errno, os, select, socket, struct, sys, time
sys.path.insert(0, os.environ["VMTEST_REPO"] + "/tests/vm")
import genl_hello as gh

C = gh.uapi()
NLMSG_ERROR, NLMSG_DONE = 2, 3
STATUS_SERVER_UNAVAILABLE = 0xC0000466
STATUS_NOT_SUPPORTED = 0xC00000BB
STATUS_INTERNAL_ERROR = 0xC00000E5


def fail(msg):
    print("kmod_nl: FAIL: " + msg)
    sys.exit(1)


def attrs_list(data):
    out = []
    while len(data) >= 4:
        alen, atype = struct.unpack("=HH", data[:4])
        if alen < 4:
            break
        out.append((atype & 0x3FFF, data[4:alen]))
        data = data[(alen + 3) & ~3:]
    return out


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, gh.NETLINK_GENERIC)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.bind((0, 0))
        self.seq = 10
        err, rep = gh.request(self.s, gh.GENL_ID_CTRL, gh.CTRL_CMD_GETFAMILY, 1,
                              gh.attr(gh.CTRL_ATTR_FAMILY_NAME, C["NAME"].encode() + b"\0"), 1)
        if err:
            fail("no family: " + os.strerror(err))
        self.fam = struct.unpack("=H", rep[0][gh.CTRL_ATTR_FAMILY_ID][:2])[0]
        self.pending = []

    def cmd(self, name, attrs=b"", dump=False):
        self.seq += 1
        flags = gh.NLM_F_REQUEST | gh.NLM_F_ACK | (0x300 if dump else 0)
        payload = struct.pack("=BBH", C["DITTOFS_CMD_" + name], C["VERSION"], 0) + attrs
        self.s.send(struct.pack("=IHHII", 16 + len(payload), self.fam, flags, self.seq, 0) + payload)
        replies = []
        while True:
            for mtype, mseq, body in self.recv_msgs():
                if mseq != self.seq:
                    self.pending.append((mtype, body))
                    continue
                if mtype == NLMSG_ERROR:
                    return -struct.unpack("=i", body[:4])[0], replies
                if mtype == NLMSG_DONE:
                    return 0, replies
                replies.append(attrs_list(body[4:]))

    def recv_msgs(self, timeout=None):
        if timeout is not None:
            r, _, _ = select.select([self.s], [], [], timeout)
            if not r:
                return []
        data = self.s.recv(16 << 20)
        out = []
        while len(data) >= 16:
            mlen, mtype, _f, mseq, _pid = struct.unpack("=IHHII", data[:16])
            out.append((mtype, mseq, data[16:mlen]))
            data = data[(mlen + 3) & ~3:]
        return out

    def event(self, timeout=10):
        """The next kernel -> daemon message: (cmd, [(attr, value)])."""
        end = time.time() + timeout
        while True:
            if self.pending:
                mtype, body = self.pending.pop(0)
                if mtype == self.fam:
                    return body[0], attrs_list(body[4:])
                continue
            left = end - time.time()
            if left <= 0:
                return None, []
            for mtype, mseq, body in self.recv_msgs(left):
                self.pending.append((mtype, body))


def a32(name, v):
    return gh.attr(C["DITTOFS_A_" + name], struct.pack("=I", v))


def a64(name, v):
    return gh.attr(C["DITTOFS_A_" + name], struct.pack("=Q", v))


def a16(name, v):
    return gh.attr(C["DITTOFS_A_" + name], struct.pack("=H", v))


def hello(g, claim):
    return g.cmd("HELLO", a32("VERSION", C["VERSION"]) + (a32("HELLO_FLAGS", 1) if claim else b""))[0]


def get(attrs, name):
    vals = [v for t, v in attrs if t == C["DITTOFS_A_" + name]]
    return vals[0] if vals else None


def smb2_hdr(cmd, mid, charge=0, credits=1, tid=0, sid=0):
    return struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, charge, 0, cmd, credits, 0, 0, mid, 0, tid, sid, b"\0" * 16)


def nb(pdu):
    return struct.pack(">I", len(pdu)) + pdu


def t_fast():
    """READ/WRITE on an installed open are served without the daemon."""
    g = Genl()
    l = listener()
    port = l.getsockname()[1]
    if hello(g, True):
        fail("CLAIM refused")
    if g.cmd("LISTEN", a32("LISTEN_FD", l.fileno()))[0]:
        fail("LISTEN")
    l.close()
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    neg = smb2_hdr(0, 0, credits=64) + negotiate()[4 + 64:]
    c.sendall(nb(neg))
    cmd, at = g.event()
    conn = struct.unpack("=Q", get(at, "CONN_ID"))[0]
    cookie = struct.unpack("=Q", get(at, "COOKIE"))[0]
    rsp = bytearray(neg[:64]) + bytes(65)
    struct.pack_into("<H", rsp, 64, 65)
    e, _ = g.cmd("PDU_DOWN", a64("CONN_ID", conn) + a64("COOKIE", cookie) +
                 a16("DIALECT", 0x0210) + gh.attr(C["DITTOFS_A_PDU"], bytes(rsp)))
    if e:
        fail("PDU_DOWN: " + os.strerror(e))
    r = recv_frame(c)
    granted = struct.unpack_from("<H", r, 14)[0]
    sid, tid, pers, vol = 0x1122334455, 5, 7, 9
    path = "/tmp/fast.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    for name, attrs in (
            ("SESSION_SET", a64("CONN_ID", conn) + a64("SESSION_ID", sid)),
            ("TREE_SET", a64("SESSION_ID", sid) + a32("TREE_ID", tid)),
            ("FID_SET", a64("SESSION_ID", sid) + a32("TREE_ID", tid) + a64("FID_PERSISTENT", pers) +
             a64("FID_VOLATILE", vol) + a32("FD", fd) + a32("ACCESS", 0x3) + a32("FID_FLAGS", 3))):
        e, _ = g.cmd(name, attrs)
        if e:
            fail("%s: %s" % (name, os.strerror(e)))
    os.close(fd)   # the kernel holds its own reference
    data = os.urandom(100000)
    mid = 1
    w = smb2_hdr(9, mid, charge=2, credits=8, tid=tid, sid=sid) + \
        struct.pack("<HHIQQQIIHHI", 49, 112, len(data), 4096, pers, vol, 0, 0, 0, 0, 0) + data
    c.sendall(nb(w))
    r = recv_frame(c)
    if r is None or struct.unpack_from("<I", r, 8)[0] != 0 or struct.unpack_from("<I", r, 68)[0] != len(data):
        fail("fast WRITE: %r" % (r[:80] if r else None))
    with open(path, "rb") as f:
        f.seek(4096)
        if f.read() != data:
            fail("fast WRITE: file content differs")
    mid += 2
    rd = smb2_hdr(8, mid, charge=2, credits=8, tid=tid, sid=sid) + \
        struct.pack("<HBBIQQQIIIHH", 49, 0x50, 0, len(data), 4096, pers, vol, 0, 0, 0, 0, 0) + b"\0"
    c.sendall(nb(rd))
    r = recv_frame(c)
    if r is None or struct.unpack_from("<I", r, 8)[0] != 0 or r[66] != 0x50 or r[80:] != data:
        fail("fast READ: %r" % (r[:80] if r else None))
    s = stats(g, conn)
    if s["PDUS_FAST"] != 2 or s["BYTES_READ"] != len(data) or s["BYTES_WRITTEN"] != len(data):
        fail("fast STATS %s" % s)
    print("kmod_nl: fast WRITE + READ of %d bytes in the kernel (granted %d credits); %s" % (len(data), granted, s))
    # revoked: the same READ goes up to the daemon
    if g.cmd("FID_UPDATE", a64("SESSION_ID", sid) + a64("FID_PERSISTENT", pers) +
             a64("FID_VOLATILE", vol) + a32("FID_FLAGS", 0))[0]:
        fail("FID_UPDATE")
    mid += 2
    rd = smb2_hdr(8, mid, charge=2, credits=8, tid=tid, sid=sid) + rd[64:]
    c.sendall(nb(rd))
    cmd, at = g.event()
    if cmd != C["DITTOFS_CMD_PDU_UP"]:
        fail("revoked READ did not go up")
    cookie = struct.unpack("=Q", get(at, "COOKIE"))[0]
    # the daemon's READ response, longer than one attribute: in chunks; the
    # response buffer was sized for the READ's Length (outbuf.c)
    rsp = bytes(rd[:64]) + struct.pack("<HBBIII", 17, 0x50, 0, len(data), 0, 0) + data
    chunks = b"".join(gh.attr(C["DITTOFS_A_PDU"], rsp[i:i + 65528]) for i in range(0, len(rsp), 65528))
    g.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    e, _ = g.cmd("PDU_DOWN", a64("CONN_ID", conn) + a64("COOKIE", cookie) + chunks)
    if e:
        fail("chunked PDU_DOWN: " + os.strerror(e))
    r = recv_frame(c)
    if r is None or struct.unpack_from("<I", r, 8)[0] != 0 or r[80:] != data:
        fail("revoked READ: the daemon's chunked answer did not reach the client")
    print("kmod_nl: revoked READ answered by the daemon in %d chunks" % ((len(rsp) + 65527) // 65528))
    for name, attrs, want in (
            ("FID_DEL", a64("SESSION_ID", sid) + a64("FID_PERSISTENT", pers) + a64("FID_VOLATILE", vol), 0),
            ("FID_DEL", a64("SESSION_ID", sid) + a64("FID_PERSISTENT", pers) + a64("FID_VOLATILE", vol), errno.ENOENT),
            ("TREE_DEL", a64("SESSION_ID", sid) + a32("TREE_ID", tid), 0),
            ("SESSION_DEL", a64("CONN_ID", conn) + a64("SESSION_ID", sid), 0)):
        e, _ = g.cmd(name, attrs)
        if e != want:
            fail("%s: %s" % (name, errno.errorcode.get(e, e)))
    print("kmod_nl: FID_UPDATE revokes (READ went up), FID_DEL/TREE_DEL/SESSION_DEL ok")


def negotiate(mid=0):
    hdr = struct.pack("<4sHHIHHIIQIIQ16s", b"\xfeSMB", 64, 0, 0, 0, 1, 0, 0, mid, 0, 0, 0, b"\0" * 16)
    body = struct.pack("<HHHHI16sQ", 36, 2, 1, 0, 0, b"G" * 16, 0) + struct.pack("<HH", 0x0202, 0x0210)
    pdu = hdr + body
    return struct.pack(">I", len(pdu)) + pdu


def recv_frame(c, timeout=20):
    try:
        return recv_frame_(c, timeout)
    except OSError:
        return None


def recv_frame_(c, timeout):
    c.settimeout(timeout)
    h = b""
    while len(h) < 4:
        d = c.recv(4 - len(h))
        if not d:
            return None
        h += d
    n = struct.unpack(">I", h)[0] & 0xFFFFFF
    body = b""
    while len(body) < n:
        d = c.recv(n - len(body))
        if not d:
            return None
        body += d
    return body


def listener():
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 0))
    l.listen(16)
    return l


def stats(g, conn=None):
    err, rep = g.cmd("STATS", a64("CONN_ID", conn) if conn else b"")
    if err:
        fail("STATS: " + os.strerror(err))
    nested = attrs_list(get(rep[0], "STATS"))
    names = ["UNSPEC", "PAD", "CONNECTIONS", "PDUS_UP", "PDUS_FAST", "BYTES_READ",
             "BYTES_WRITTEN", "SIGN_FAILURES", "DECRYPT_FAILURES", "IO_VERDICTS",
             "BUFFER_BYTES"]
    return {names[t]: struct.unpack("=Q", v)[0] for t, v in nested}


def t_claim():
    a, b = Genl(), Genl()
    if hello(a, True):
        fail("first CLAIM refused")
    if hello(a, True):
        fail("CLAIM again from the same socket refused")
    e = hello(b, True)
    if e != errno.EBUSY:
        fail("second CLAIM: %s, expected EBUSY" % errno.errorcode.get(e, e))
    a.s.close()
    time.sleep(0.3)
    if hello(b, True):
        fail("CLAIM after the first socket closed refused")
    print("kmod_nl: claim: ok (EBUSY while held, free after close)")


def main():
    what = sys.argv[1]
    if what == "claim":
        t_claim()
    elif what == "fast":
        t_fast()
    elif what in ("nodaemon", "daemon", "hold"):
        g = Genl()
        l = listener()
        port = l.getsockname()[1]
        if what == "daemon" and hello(g, True):
            fail("CLAIM refused")
        err, _ = g.cmd("LISTEN", a32("LISTEN_FD", l.fileno()))
        if err:
            fail("LISTEN: " + os.strerror(err))
        l.close()   # the kernel keeps its own reference
        e, _ = g.cmd("LISTEN", a32("LISTEN_FD", 0))
        if e not in (errno.EINVAL, errno.ENOTSOCK, errno.EBADF):
            fail("LISTEN of a non-socket: %s" % errno.errorcode.get(e, e))
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        if what == "hold":
            c.sendall(negotiate())
            print("kmod_nl: holding a connection on port %d" % port, flush=True)
            time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 60)
            return
        t0 = time.time()
        c.sendall(negotiate())
        if what == "nodaemon":
            rsp = recv_frame(c)
            if rsp is None or len(rsp) < 73:
                fail("no answer to NEGOTIATE without a daemon")
            st = struct.unpack_from("<I", rsp, 8)[0]
            fl = struct.unpack_from("<I", rsp, 16)[0]
            if st != STATUS_SERVER_UNAVAILABLE or not fl & 1:
                fail("answer status 0x%08x flags 0x%x" % (st, fl))
            print("kmod_nl: NEGOTIATE without a daemon -> 0x%08x in %.2fs" % (st, time.time() - t0))
            # a frame longer than max_frame is refused before any allocation
            c2 = socket.create_connection(("127.0.0.1", port), timeout=10)
            c2.sendall(struct.pack(">I", 0x00FFFFFF))
            if recv_frame(c2, 10) is not None:
                fail("oversized frame was not refused")
            print("kmod_nl: oversized NetBIOS length: connection closed")
            s = stats(g)
            if s["CONNECTIONS"] < 2:
                fail("STATS connections %d" % s["CONNECTIONS"])
            print("kmod_nl: STATS %s" % s)
            return
        # daemon: we are the control side
        cmd, at = g.event()
        if cmd != C["DITTOFS_CMD_PDU_UP"]:
            fail("expected PDU_UP, got %r" % cmd)
        conn = struct.unpack("=Q", get(at, "CONN_ID"))[0]
        cookie = struct.unpack("=Q", get(at, "COOKIE"))[0]
        pdu = b"".join(v for t, v in at if t == C["DITTOFS_A_PDU"])
        if pdu != negotiate()[4:]:
            fail("PDU_UP carries other bytes than were sent")
        if get(at, "PEER") is None or get(at, "LOCAL") is None:
            fail("first PDU_UP lacks PEER/LOCAL")
        print("kmod_nl: PDU_UP conn %d cookie %d, %d bytes, peer+local present" % (conn, cookie, len(pdu)))
        e, _ = g.cmd("PDU_DOWN", a64("CONN_ID", conn) + a64("COOKIE", cookie + 7) + gh.attr(C["DITTOFS_A_PDU"], pdu))
        if e != errno.ESTALE:
            fail("PDU_DOWN with a wrong cookie: %s" % errno.errorcode.get(e, e))
        rsp = bytearray(pdu[:64]) + struct.pack("<HBBI", 9, 0, 0, 0) + b"\0"
        struct.pack_into("<I", rsp, 8, STATUS_NOT_SUPPORTED)
        e, _ = g.cmd("PDU_DOWN", a64("CONN_ID", conn) + a64("COOKIE", cookie) + gh.attr(C["DITTOFS_A_PDU"], bytes(rsp)))
        if e:
            fail("PDU_DOWN: " + os.strerror(e))
        r = recv_frame(c)
        if r is None or struct.unpack_from("<I", r, 8)[0] != STATUS_NOT_SUPPORTED:
            fail("the daemon's answer did not reach the client")
        print("kmod_nl: PDU_DOWN answer reached the client")
        # an unsolicited PDU
        brk = bytearray(64 + 24)
        struct.pack_into("<4sHHIHH", brk, 0, b"\xfeSMB", 64, 0, 0, 0x12, 0)
        struct.pack_into("<Q", brk, 24, 0xFFFFFFFFFFFFFFFF)
        struct.pack_into("<H", brk, 64, 24)
        e, _ = g.cmd("SEND", a64("CONN_ID", conn) + gh.attr(C["DITTOFS_A_PDU"], bytes(brk)))
        if e:
            fail("SEND: " + os.strerror(e))
        r = recv_frame(c)
        if r is None or len(r) != len(brk) or struct.unpack_from("<H", r, 12)[0] != 0x12:
            fail("SEND did not reach the client")
        print("kmod_nl: SEND reached the client")
        # before a session is authenticated the response buffer stays
        # small (outbuf.c): a 200 KiB answer to a NEGOTIATE is refused and
        # the client gets an error instead (chunks are tested in t_fast)
        c.sendall(negotiate(mid=1))
        cmd, at = g.event()
        cookie = struct.unpack("=Q", get(at, "COOKIE"))[0]
        big = bytearray(pdu[:64]) + bytes(200 * 1024)
        struct.pack_into("<Q", big, 24, 1)
        chunks = b"".join(gh.attr(C["DITTOFS_A_PDU"], bytes(big[i:i + 65528])) for i in range(0, len(big), 65528))
        g.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        e, _ = g.cmd("PDU_DOWN", a64("CONN_ID", conn) + a64("COOKIE", cookie) + chunks)
        if e != errno.EMSGSIZE:
            fail("200 KiB PDU_DOWN before authentication: %s" % errno.errorcode.get(e, e))
        r = recv_frame(c)
        if r is None or struct.unpack_from("<I", r, 8)[0] != STATUS_INTERNAL_ERROR:
            fail("refused PDU_DOWN: the client got %r" % (None if r is None else r[:12]))
        print("kmod_nl: 200 KiB answer to an unauthenticated NEGOTIATE refused (EMSGSIZE)")
        s = stats(g, conn)
        if s["PDUS_UP"] != 2:
            fail("connection STATS %s" % s)
        # the daemon closes the connection; the kernel reports it back
        e, _ = g.cmd("CONN_CLOSE", a64("CONN_ID", conn))
        if e:
            fail("CONN_CLOSE: " + os.strerror(e))
        if recv_frame(c, 10) is not None:
            fail("connection still open after CONN_CLOSE")
        cmd, at = g.event()
        if cmd != C["DITTOFS_CMD_CONN_CLOSE"] or struct.unpack("=Q", get(at, "CONN_ID"))[0] != conn:
            fail("no CONN_CLOSE from the kernel")
        print("kmod_nl: CONN_CLOSE both ways, status %d" % struct.unpack("=i", get(at, "STATUS"))[0])
        # a connection whose request is never answered gets an error in time
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(negotiate())
        cmd, at = g.event()
        t0 = time.time()
        r = recv_frame(c, 30)
        if r is None or struct.unpack_from("<I", r, 8)[0] != STATUS_SERVER_UNAVAILABLE:
            fail("unanswered request: no STATUS_SERVER_UNAVAILABLE")
        print("kmod_nl: unanswered request failed after %.1fs" % (time.time() - t0))
        # the control socket goes away: the connection stays, the request
        # waiting for the daemon fails at once (not after pdu_timeout_ms),
        # and so does the next one
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(negotiate())
        cmd, at = g.event()
        t0 = time.time()
        g.s.close()
        r = recv_frame(c, 10)
        if r is None or struct.unpack_from("<I", r, 8)[0] != STATUS_SERVER_UNAVAILABLE:
            fail("request waiting when the control socket closed: no STATUS_SERVER_UNAVAILABLE")
        waited = time.time() - t0
        if waited > 2.5:
            fail("the waiting request failed only after %.1fs" % waited)
        c.sendall(negotiate(mid=1))
        r = recv_frame(c, 10)
        if r is None or struct.unpack_from("<I", r, 8)[0] != STATUS_SERVER_UNAVAILABLE:
            fail("no daemon: the kept connection's next request got no STATUS_SERVER_UNAVAILABLE")
        print("kmod_nl: control socket closed -> connection kept, waiting request failed in %.1fs" % waited)
        # a new daemon never saw this connection: its next request (no
        # session to expire) closes it, and nothing goes up
        g2 = Genl()
        if hello(g2, True):
            fail("CLAIM by a new socket refused")
        c.sendall(negotiate(mid=2))
        c.settimeout(10)
        try:
            d = c.recv(4)
        except OSError:
            d = b"?"
        if d:
            fail("a connection of the previous daemon was answered, not closed")
        while True:
            cmd, at = g2.event(1)
            if cmd is None:
                break
            if cmd == C["DITTOFS_CMD_PDU_UP"]:
                fail("a request of a previous daemon's connection reached the new one")
        print("kmod_nl: new claim -> the previous daemon's connection is closed on its next request")


if __name__ == "__main__":
    main()
PYEOF
}

[[ -f $KO ]] || {
	log "FAIL: $KO is missing (make -C kmod)"
	exit 1
}
if [[ $(modinfo -F vermagic "$KO" | cut -d' ' -f1) != "$(uname -r)" ]]; then
	log "FAIL: $KO was built for $(modinfo -F vermagic "$KO" | cut -d' ' -f1), this is $(uname -r)"
	exit 1
fi

dmesg_before=$(dmesg | wc -l)
t0=$(date +%s.%N)
if check "insmod" insmod "$KO"; then
	t1=$(date +%s.%N)
	log "insmod took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
	check "module is live" grep -qx live /sys/module/dittofs/initstate
	check "crypto self-test passed" bash -c \
		"dmesg | grep -E 'dittofs: crypto self-test: [0-9]+/[0-9]+ passed' | tail -n 1 | grep -v failed"
	if command -v genl >/dev/null; then
		check "genl ctrl lists DITTOFS" bash -c 'genl ctrl get name DITTOFS'
	fi
	check "HELLO handshake" python3 "$HELLO"
	check "HELLO with a wrong version is refused" python3 "$HELLO" --version 99 \
		--expect-errno EPROTONOSUPPORT
	check "HELLO without CAP_NET_ADMIN is refused" setpriv --reuid=65534 \
		--regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
		python3 "$HELLO" --expect-errno EPERM
	write_kmod_nl
	check "HELLO CLAIM: one control socket at a time" python3 "$KNL" claim
	check "no daemon: NEGOTIATE gets STATUS_SERVER_UNAVAILABLE" \
		python3 "$KNL" nodaemon
	echo 3000 >/sys/module/dittofs/parameters/pdu_timeout_ms
	check "stand-in daemon: PDU_UP/PDU_DOWN, SEND, CONN_CLOSE, timeout, restart" \
		python3 "$KNL" daemon
	check "fast path: READ/WRITE on an installed open, FID_UPDATE, *_DEL" \
		python3 "$KNL" fast
	python3 "$KNL" hold 120 >/tmp/hold.out 2>&1 &
	hold_pid=$!
	for _ in $(seq 50); do
		grep -q holding /tmp/hold.out && break
		sleep 0.2
	done
	check "a connection is open" grep -q holding /tmp/hold.out
	check "rmmod with a connection open" rmmod dittofs
	kill "$hold_pid" 2>/dev/null
	wait "$hold_pid" 2>/dev/null
	check "module is gone" bash -c '! test -e /sys/module/dittofs'
	check "family is gone" python3 "$HELLO" --expect-errno ENOENT
	# once more: a second load/unload finds everything released
	check "insmod again" insmod "$KO" && check "rmmod again" rmmod dittofs
fi

new=$(dmesg | tail -n +"$((dmesg_before + 1))")
printf '%s\n' "$new" | sed 's/^/    | dmesg: /'
if grep -qE 'Oops|BUG:|WARNING:|KASAN|lockdep|Call Trace' <<<"$new"; then
	log "FAIL: kernel log shows a problem"
	n_fail=$((n_fail + 1))
else
	log "PASS: no oops or warning in the kernel log"
	n_pass=$((n_pass + 1))
fi
echo "kmod: $n_pass passed, $n_fail failed"
((n_fail == 0))

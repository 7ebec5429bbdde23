#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test_paths.py - path safety: a table of names a client may send to CREATE
(and to a rename), each with what must come back, against a running server.

Next to the share directory the test makes an "outside" directory holding
secret.txt; nothing a client does may read it, create anything next to it
or change it. Each table row is (case, setup, wire name, expected statuses);
a row whose open succeeds also reads the file, and reading the secret (or
the zeros of a device) fails the row whatever the status. Two race cases
swap a symlink to the outside in and out (renameat2 RENAME_EXCHANGE) while
the client opens and reads through the name for a few seconds.

Prints the table ("| case | expected | actual | verdict |"), then one
"PASS name" / "FAIL name: why" line a case; exit status 1 on any failure.

    test_paths.py --port P --user U --password PW --share S --share-dir DIR
"""
import argparse
import ctypes
import os
import stat
import struct
import sys
import threading
import time

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

SUCCESS = 0
STATUS_NAMES = {
    0x00000000: "SUCCESS",
    0xC0000022: "ACCESS_DENIED",
    0xC0000033: "OBJECT_NAME_INVALID",
    0xC0000034: "OBJECT_NAME_NOT_FOUND",
    0xC000003A: "OBJECT_PATH_NOT_FOUND",
    0xC000003B: "OBJECT_PATH_SYNTAX_BAD",
    0xC000000D: "INVALID_PARAMETER",
    0xC0000106: "NAME_TOO_LONG",
    0xC0000035: "OBJECT_NAME_COLLISION",
    0x8000002D: "STOPPED_ON_SYMLINK",
    0xC00000BA: "FILE_IS_A_DIRECTORY",
}
BY_NAME = {v: k for k, v in STATUS_NAMES.items()}
SECRET = b"SECRET: outside the share, never to be served\n"
INSIDE = b"inside the share\n"
OPT = None
failures = 0
rows = []


def st_name(st):
    return STATUS_NAMES.get(st, f"0x{st:08x}")


def u16(text):
    """UTF-16LE of text; lone surrogates pass through (surrogatepass)."""
    return text.encode("utf-16-le", "surrogatepass")


# --- raw SMB2 requests through impacket (its own helpers normalise names) ----

def send(conn, cmd, tid, body):
    s = conn.getSMBServer()
    p = s.SMB_PACKET()
    p["Command"] = cmd
    p["TreeID"] = tid
    p["Data"] = body
    return s.recvSMB(s.sendSMB(p))


def raw_create(conn, tid, name, access=s3.FILE_READ_DATA | s3.FILE_READ_ATTRIBUTES,
               disp=s3.FILE_OPEN, opts=0, attrs=0):
    """CREATE with the name bytes as given: (status, FileId or None)."""
    c = s3.SMB2Create()
    c["ImpersonationLevel"] = s3.SMB2_IL_IMPERSONATION
    c["DesiredAccess"] = access
    c["FileAttributes"] = attrs
    c["ShareAccess"] = s3.FILE_SHARE_READ | s3.FILE_SHARE_WRITE | s3.FILE_SHARE_DELETE
    c["CreateDisposition"] = disp
    c["CreateOptions"] = opts
    c["NameLength"] = len(name)
    c["Buffer"] = name if name else b"\0"
    ans = send(conn, s3.SMB2_CREATE, tid, c)
    if ans["Status"] != SUCCESS:
        return ans["Status"], None
    return SUCCESS, s3.SMB2Create_Response(ans["Data"])["FileID"]


def raw_read(conn, tid, fid, n=4096):
    r = s3.SMB2Read()
    r["Length"] = n
    r["FileID"] = fid
    r["Buffer"] = b"\0"
    ans = send(conn, s3.SMB2_READ, tid, r)
    if ans["Status"] != SUCCESS:
        return b""
    return s3.SMB2Read_Response(ans["Data"])["Buffer"]


def raw_close(conn, tid, fid):
    c = s3.SMB2Close()
    c["FileID"] = fid
    send(conn, s3.SMB2_CLOSE, tid, c)


def raw_delete(conn, tid, name):
    """Open with DELETE_ON_CLOSE and close: removes what a case created."""
    st, fid = raw_create(conn, tid, name, access=s3.DELETE | s3.FILE_READ_ATTRIBUTES,
                         opts=s3.FILE_DELETE_ON_CLOSE)
    if fid is not None:
        raw_close(conn, tid, fid)
    return st


def raw_rename(conn, tid, fid, target):
    """SET_INFO FileRenameInformation (class 10) to the wire name target."""
    info = struct.pack("<B7sQI", 0, b"\0" * 7, 0, len(target)) + target
    si = s3.SMB2SetInfo()
    si["InfoType"] = s3.SMB2_0_INFO_FILE
    si["FileInfoClass"] = s3.SMB2_FILE_RENAME_INFO
    si["BufferLength"] = len(info)
    si["FileID"] = fid
    si["Buffer"] = info
    return send(conn, s3.SMB2_SET_INFO, tid, si)["Status"]


# --- the share and the outside -----------------------------------------------

def share(*p):
    return os.path.join(OPT.share_dir, *p)


def outside(*p):
    return os.path.join(OPT.outside_dir, *p)


def snapshot_outside():
    """Names, sizes and contents under the outside directory."""
    snap = {}
    for root, dirs, files in os.walk(OPT.outside_dir):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            data = b""
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read()
            snap[p] = (st.st_mode, st.st_size, data)
    return snap


def mk(path, data=INSIDE):
    with open(path, "wb") as f:
        f.write(data)


def setup_outside():
    os.makedirs(OPT.outside_dir, exist_ok=True)
    mk(outside("secret.txt"), SECRET)
    os.makedirs(outside("dir"), exist_ok=True)
    mk(outside("dir", "secret.txt"), SECRET)


libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2


def exchange(a, b):
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


# --- the table ---------------------------------------------------------------

def symlink(target, name):
    def make():
        if os.path.lexists(share(name)):
            os.unlink(share(name))
        os.symlink(target, share(name))
    return make


def hardlink_other_user():
    """A link in the share to a 0600 file of another user outside it."""
    p = outside("other-user.txt")
    mk(p, SECRET)
    os.chown(p, 65534, 65534)
    os.chmod(p, 0o600)
    if os.path.exists(share("hardlink")):
        os.unlink(share("hardlink"))
    os.link(p, share("hardlink"))


def chardev():
    if not os.path.exists(share("zero-dev")):
        os.mknod(share("zero-dev"), 0o666 | stat.S_IFCHR, os.makedev(1, 5))


def fifo():
    if not os.path.exists(share("fifo")):
        os.mkfifo(share("fifo"), 0o666)


def subdir_link():
    os.makedirs(share("sub"), exist_ok=True)
    symlink("../README.txt", os.path.join("sub", "up-link"))()


def nothing():
    pass


LONG_255 = "n" * 255
E = BY_NAME
# (case, setup, wire name, expected statuses, what to do: open | create)
TABLE = [
    ("dotdot", nothing, u16("..\\paths-outside\\secret.txt"),
     ["OBJECT_PATH_SYNTAX_BAD"], "open"),
    ("dotdot-after-dir", nothing, u16("sub\\..\\..\\paths-outside\\secret.txt"),
     ["OBJECT_PATH_SYNTAX_BAD"], "open"),
    # "/" separates components too (as in smbd), so ".." is caught alike
    ("dotdot-forward-slashes", nothing, u16("../paths-outside/secret.txt"),
     ["OBJECT_PATH_SYNTAX_BAD"], "open"),
    ("dotdot-mixed-separators", nothing, u16("sub/..\../paths-outside/secret.txt"),
     ["OBJECT_PATH_SYNTAX_BAD"], "open"),
    ("dot-component", nothing, u16("sub\\.\\x"), ["OBJECT_NAME_INVALID"], "open"),
    ("leading-separator", nothing, u16("\\README.txt"), ["INVALID_PARAMETER"], "open"),
    ("drive-letter", nothing, u16("C:\\README.txt"), ["OBJECT_NAME_INVALID"], "open"),
    ("symlink-absolute-outside", symlink(None, "abs-link"), u16("abs-link"),
     ["ACCESS_DENIED"], "open"),
    ("symlink-relative-outside", symlink("../paths-outside/secret.txt", "rel-link"),
     u16("rel-link"), ["ACCESS_DENIED"], "open"),
    ("symlink-dir-outside", symlink("../paths-outside/dir", "dir-link"),
     u16("dir-link\\secret.txt"), ["ACCESS_DENIED"], "open"),
    ("create-through-symlink-dir", symlink("../paths-outside/dir", "dir-link"),
     u16("dir-link\\created.txt"), ["ACCESS_DENIED"], "create"),
    ("dangling-symlink-to-outside", symlink("../paths-outside/made-by-client", "dangling"),
     u16("dangling"), ["ACCESS_DENIED"], "create"),
    ("symlink-loop", symlink("loop", "loop"), u16("loop"),
     ["OBJECT_PATH_NOT_FOUND"], "open"),
    ("symlink-to-file-inside", symlink("README.txt", "in-link"), u16("in-link"),
     ["SUCCESS"], "open"),
    ("symlink-up-but-inside", subdir_link, u16("sub\\up-link"), ["SUCCESS"], "open"),
    ("hardlink-other-users-0600-file", hardlink_other_user, u16("hardlink"),
     ["ACCESS_DENIED"], "open"),
    ("char-device", chardev, u16("zero-dev"), ["ACCESS_DENIED"], "open"),
    ("fifo", fifo, u16("fifo"), ["ACCESS_DENIED"], "open"),
    ("stream-default-data", nothing, u16("README.txt::$DATA"), ["SUCCESS"], "open"),
    ("stream-name-with-dotdot", nothing, u16("README.txt:..\\..\\x"),
     ["OBJECT_NAME_INVALID"], "create"),
    ("stream-on-outside-symlink", symlink("../paths-outside/secret.txt", "rel-link"),
     u16("rel-link:s"), ["OBJECT_NAME_INVALID", "ACCESS_DENIED"], "open"),
    ("stream-dotdot-data", nothing, u16("..::$DATA"), ["OBJECT_PATH_SYNTAX_BAD"], "open"),
    ("lone-high-surrogate", nothing, u16("bad\ud800name"), ["OBJECT_NAME_INVALID"], "create"),
    ("lone-low-surrogate", nothing, u16("bad\udc00name"), ["OBJECT_NAME_INVALID"], "create"),
    ("reversed-surrogates", nothing, u16("bad\udc00\ud800"), ["OBJECT_NAME_INVALID"], "create"),
    # NameLength must be even (MS-SMB2 2.2.13): the request itself is bad
    ("odd-byte-length", nothing, u16("odd") + b"x", ["INVALID_PARAMETER"], "create"),
    ("embedded-nul", nothing, u16("a\0b"), ["OBJECT_NAME_INVALID"], "create"),
    ("name-255", nothing, u16(LONG_255), ["SUCCESS"], "create"),
    ("name-256", nothing, u16("n" * 256), ["OBJECT_NAME_INVALID"], "create"),
    ("name-128-euro-signs-384-bytes", nothing, u16("\u20ac" * 128),
     ["OBJECT_NAME_INVALID"], "create"),
    ("trailing-dot", nothing, u16("trail."), ["SUCCESS"], "create"),
    ("trailing-space", nothing, u16("trail "), ["SUCCESS"], "create"),
    ("three-dots", nothing, u16("..."), ["SUCCESS"], "create"),
    ("wildcard-star", nothing, u16("a*b"), ["OBJECT_NAME_INVALID"], "create"),
    ("wildcard-question", nothing, u16("a?b"), ["OBJECT_NAME_INVALID"], "create"),
    ("dos-wildcard-lt", nothing, u16("a<b"), ["OBJECT_NAME_INVALID"], "create"),
    ("dos-wildcard-gt", nothing, u16("a>b"), ["OBJECT_NAME_INVALID"], "create"),
    ("dos-wildcard-quote", nothing, u16('a"b'), ["OBJECT_NAME_INVALID"], "create"),
    ("pipe-char", nothing, u16("a|b"), ["OBJECT_NAME_INVALID"], "create"),
] + [
    # Samba on Linux allows them too: they are plain files here
    (f"reserved-{n}", nothing, u16(n), ["SUCCESS"], "create")
    for n in ("CON", "NUL", "AUX", "COM1", "LPT1", "con.txt")
]


def record(case, expected, actual, why):
    global failures
    verdict = "ok" if why is None else "FAIL"
    rows.append((case, "/".join(expected), actual, verdict))
    if why is None:
        print(f"PASS {case}", flush=True)
    else:
        failures += 1
        print(f"FAIL {case}: {why}", flush=True)


def run_row(conn, tid, case, setup, name, expected, kind):
    setup()
    before = snapshot_outside()
    if kind == "create":
        st, fid = raw_create(conn, tid, name, access=s3.FILE_READ_DATA | s3.FILE_WRITE_DATA,
                             disp=s3.FILE_CREATE)
    else:
        st, fid = raw_create(conn, tid, name)
    why = None
    if fid is not None:
        data = raw_read(conn, tid, fid) if kind == "open" else b""
        raw_close(conn, tid, fid)
        if SECRET[:8] in data:
            why = "read the secret from outside the share"
        elif case == "char-device" and data:
            why = f"read {len(data)} bytes from a device"
        elif kind == "open" and data != INSIDE_README:
            why = f"read {data[:40]!r}, not README.txt"
        if kind == "create":
            raw_delete(conn, tid, name)
    if why is None and st_name(st) not in expected:
        why = f"answered {st_name(st)}, expected {' or '.join(expected)}"
    if why is None and snapshot_outside() != before:
        why = "something outside the share changed"
    record(case, expected, st_name(st), why)


def rename_rows(conn, tid):
    """A file in the share renamed towards the outside."""
    for case, target, expected in (
            ("rename-to-dotdot", "..\\paths-outside\\renamed.txt", ["OBJECT_PATH_SYNTAX_BAD"]),
            ("rename-into-symlink-dir", "dir-link\\renamed.txt", ["ACCESS_DENIED"])):
        symlink("../paths-outside/dir", "dir-link")()
        mk(share("to-rename.txt"))
        before = snapshot_outside()
        st, fid = raw_create(conn, tid, u16("to-rename.txt"),
                             access=s3.DELETE | s3.FILE_READ_ATTRIBUTES)
        if fid is None:
            record(case, expected, st_name(st), "could not open the file to rename")
            continue
        st = raw_rename(conn, tid, fid, u16(target))
        raw_close(conn, tid, fid)
        why = None
        if st_name(st) not in expected:
            why = f"answered {st_name(st)}, expected {' or '.join(expected)}"
        if snapshot_outside() != before:
            why = "something outside the share changed"
        if not os.path.exists(share("to-rename.txt")):
            why = why or "the file left its place"
        record(case, expected, st_name(st), why)


def race(conn, tid, case, name, alt, make_real, make_link, seconds):
    """Swap name with a symlink to the outside while opening it."""
    make_real(share(name))
    if os.path.lexists(share(alt)):
        os.unlink(share(alt))
    make_link(share(alt))
    stop = threading.Event()
    swaps = [0]

    def swapper():
        while not stop.is_set():
            exchange(share(name), share(alt))
            swaps[0] += 1

    t = threading.Thread(target=swapper)
    t.start()
    seen, why = {}, None
    deadline = time.time() + seconds
    try:
        while time.time() < deadline and why is None:
            wire = u16(name if not case.startswith("race-dir") else name + "\\secret.txt")
            st, fid = raw_create(conn, tid, wire)
            seen[st_name(st)] = seen.get(st_name(st), 0) + 1
            if fid is None:
                continue
            data = raw_read(conn, tid, fid)
            raw_close(conn, tid, fid)
            if SECRET[:8] in data:
                why = "served the secret from outside the share"
    finally:
        stop.set()
        t.join()
    actual = ", ".join(f"{k} x{v}" for k, v in sorted(seen.items()))
    if why is None and seen.get("SUCCESS", 0) == 0:
        why = f"the inside file was never served ({actual}); the race did not run"
    record(case, ["never the secret"], f"{actual}; {swaps[0]} swaps", why)


def main():
    global OPT, INSIDE_README
    ap = argparse.ArgumentParser()
    for a in ("--user", "--password", "--share", "--share-dir"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--race-seconds", type=float, default=3.0)
    OPT = ap.parse_args()
    OPT.outside_dir = os.path.join(os.path.dirname(os.path.abspath(OPT.share_dir)),
                                   "paths-outside")
    setup_outside()
    with open(share("README.txt"), "rb") as f:
        INSIDE_README = f.read()
    # the absolute link's target is only known now: patch its row by name
    i = next(n for n, row in enumerate(TABLE) if row[0] == "symlink-absolute-outside")
    TABLE[i] = (TABLE[i][0], symlink(outside("secret.txt"), "abs-link"), *TABLE[i][2:])
    if os.geteuid() != 0:
        print("SKIP root-only cases: not root (chown, mknod)", flush=True)
    conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=OPT.port, timeout=15)
    conn.login(OPT.user, OPT.password)
    tid = conn.connectTree(OPT.share)
    for case, setup, name, expected, kind in TABLE:
        if os.geteuid() != 0 and case in ("hardlink-other-users-0600-file", "char-device"):
            continue
        try:
            run_row(conn, tid, case, setup, name, expected, kind)
        except Exception as e:  # noqa: BLE001 - any failure is the verdict
            record(case, expected, "exception", repr(e))
    rename_rows(conn, tid)

    def real_file(p):
        mk(p)

    def real_dir(p):
        os.makedirs(p, exist_ok=True)
        mk(os.path.join(p, "secret.txt"))

    race(conn, tid, "race-file-symlink-swap", "race", "race.alt", real_file,
         lambda p: os.symlink(outside("secret.txt"), p), OPT.race_seconds)
    race(conn, tid, "race-dir-symlink-swap", "racedir", "racedir.alt", real_dir,
         lambda p: os.symlink(outside("dir"), p), OPT.race_seconds)
    conn.close()
    with open(outside("secret.txt"), "rb") as f:
        if f.read() != SECRET:
            record("outside-intact", ["unchanged"], "changed", "secret.txt changed")

    w = max(len(r[0]) for r in rows)
    print(f"| {'case':<{w}} | expected | actual | verdict |")
    for case, exp, act, verdict in rows:
        print(f"| {case:<{w}} | {exp} | {act} | {verdict} |")
    return 1 if failures else 0


INSIDE_README = b""

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""test_rpc_pipe.py - the srvsvc pipe's message-mode behaviour, which
smbclient never provokes, with raw SMB2 PDUs on an impacket session:

  transceive-overflow  FSCTL_PIPE_TRANSCEIVE of a BIND with a 20-byte
                       MaxOutputResponse: STATUS_BUFFER_OVERFLOW and the
                       first 20 bytes of the bind_ack
  read-remainder       READ then returns the other 48 bytes, SUCCESS
  read-overflow        WRITE of a NetShareEnumAll, READ of 16 bytes:
                       BUFFER_OVERFLOW; the next READ gets the rest, whose
                       frag_length matches and whose stub lists the share
  query-standard-info  QUERY_INFO FileStandardInformation on the pipe:
                       AllocationSize 4096, EndOfFile 0, 1 link,
                       DeletePending 1, not a directory (as Windows)

One line per case, "PASS name" or "FAIL name: why"; exit 1 on a failure.

    test_rpc_pipe.py --port P --user U --password PW --share S
"""
import argparse
import struct
import sys

from impacket import smb3structs as s3
from impacket.smbconnection import SMBConnection

READ, WRITE, IOCTL, QUERY_INFO = 8, 9, 11, 16
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
STATUS_SUCCESS, STATUS_BUFFER_OVERFLOW = 0, 0x80000005

BIND = bytes.fromhex(
    "05000b03100000004800000001000000b810b81000000000"
    "0100000000000100c84f324b7016d30112785a47bf6ee18803000000"
    "045d888aeb1cc9119fe808002b10486002000000")
# NetShareEnumAll, level 1, server name "x"
ENUM = bytes.fromhex(
    "05000003100000004800000002000000300000000000" "0f00"
    "00000200" "02000000" "00000000" "02000000" "78000000"
    "01000000" "01000000" "04000200" "00000000" "00000000"
    "ffffffff" "00000000")
failures = 0


def verdict(name, why):
    global failures
    if why:
        failures += 1
        print(f"FAIL {name}: {why}", flush=True)
    else:
        print(f"PASS {name}", flush=True)


class Session:
    """Raw PDUs on an impacket-made session and IPC$ tree."""

    def __init__(self, opt):
        self.conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=opt.port,
                                  timeout=15)
        self.conn.login(opt.user, opt.password)
        self.s = self.conn.getSMBServer()
        self.tid = self.conn.connectTree("IPC$")
        self.fid = self.conn.openFile(self.tid, "srvsvc", desiredAccess=0x2019f,
                                      shareMode=3, creationOption=0)

    def pdu(self, cmd, body):
        """Send one request (signed if the session signs), return (status,
        response with a blank 64-byte header: offsets count from it)."""
        pkt = s3.SMB2Packet()
        pkt["Command"] = cmd
        pkt["TreeID"] = self.tid
        pkt["Data"] = body
        ans = self.s.recvSMB(self.s.sendSMB(pkt))
        return ans["Status"], b"\0" * 64 + ans["Data"]

    def transceive(self, data, max_out):
        body = struct.pack("<HHI16sIIIIIIII", 57, 0, FSCTL_PIPE_TRANSCEIVE,
                           self.fid, 64 + 56, len(data), 0, 0, 0, max_out, 1, 0)
        st, f = self.pdu(IOCTL, body + data)
        if len(f) < 64 + 48:
            return st, b""
        off, cnt = struct.unpack_from("<II", f, 64 + 32)
        return st, f[off:off + cnt]

    def read(self, length):
        body = struct.pack("<HBBIQ16sIIIHHB", 49, 0, 0, length, 0, self.fid,
                           0, 0, 0, 0, 0, 0)
        st, f = self.pdu(READ, body)
        if len(f) < 64 + 16:
            return st, b""
        off = f[64 + 2]
        cnt = struct.unpack_from("<I", f, 64 + 4)[0]
        return st, f[off:off + cnt]

    def write(self, data):
        body = struct.pack("<HHIQ16sIIHHI", 49, 64 + 48, len(data), 0, self.fid,
                           0, 0, 0, 0, 0)
        st, _ = self.pdu(WRITE, body + data)
        return st

    def query_info(self, info_type, cls, length):
        body = struct.pack("<HBBIHHIII16s", 41, info_type, cls, length, 0, 0, 0,
                           0, 0, self.fid)
        st, f = self.pdu(QUERY_INFO, body)
        if st or len(f) < 64 + 8:
            return st, b""
        off, cnt = struct.unpack_from("<HI", f, 64 + 2)
        return st, f[off:off + cnt]


def main():
    ap = argparse.ArgumentParser()
    for a in ("--user", "--password", "--share"):
        ap.add_argument(a, required=True)
    ap.add_argument("--port", type=int, required=True)
    opt = ap.parse_args()
    p = Session(opt)

    st, out = p.transceive(BIND, 20)
    verdict("transceive-overflow",
            None if st == STATUS_BUFFER_OVERFLOW and len(out) == 20 and
            out[:4] == b"\x05\x00\x0c\x03" else
            f"status 0x{st:08x}, {len(out)} bytes {out[:4].hex()}")
    frag = struct.unpack_from("<H", out, 8)[0] if len(out) >= 10 else 0
    st, rest = p.read(4096)
    verdict("read-remainder",
            None if st == STATUS_SUCCESS and frag and len(rest) == frag - 20 else
            f"status 0x{st:08x}, {len(rest)} bytes, bind_ack of {frag}")

    st = p.write(ENUM)
    st1, head = p.read(16)
    st2, tail = p.read(8192)
    msg = head + tail
    why = None
    if st or st1 != STATUS_BUFFER_OVERFLOW or len(head) != 16 or st2:
        why = f"write 0x{st:08x}, reads 0x{st1:08x}/{len(head)} 0x{st2:08x}"
    elif msg[2] != 2 or struct.unpack_from("<H", msg, 8)[0] != len(msg):
        why = f"not one RESPONSE PDU: type {msg[2]}, {len(msg)} bytes"
    elif opt.share.encode("utf-16-le") not in msg:
        why = f"share '{opt.share}' not in the response"
    verdict("read-overflow", why)

    st, info = p.query_info(1, 5, 24)
    want = struct.pack("<QQIBBH", 4096, 0, 1, 1, 0, 0)
    verdict("query-standard-info",
            None if st == STATUS_SUCCESS and info[:22] == want[:22] else
            f"status 0x{st:08x}, {info.hex()}")

    p.conn.closeFile(p.tid, p.fid)
    p.conn.logoff()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

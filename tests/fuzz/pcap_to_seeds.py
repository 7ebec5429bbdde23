#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pcap_to_seeds.py - cut a capture of real clients talking to dittofsd into
seed inputs for the fuzz targets in tests/fuzz/.

    tshark -i lo -w cap.pcap 'tcp port 4445'   # while smbclient runs
    tests/fuzz/pcap_to_seeds.py cap.pcap 4445 tests/fuzz/corpus

The client-to-server bytes of each TCP stream (tshark -T fields -e
tcp.payload) are cut into NetBIOS frames, and written as:

  fuzz_frame/      byte 0 = dialect selector, then one frame (NetBIOS
                   header included); the first frames of each connection
                   also as one stream
  fuzz_server/     flags 0x00 + a whole connection's stream (the fuzzer
                   starts from scratch), and flags 0x1b/0x1f (harness login,
                   ids and MessageIds patched) + each frame after the
                   client's TREE_CONNECT
  fuzz_negotiate/  config byte + each NEGOTIATE body
  fuzz_auth/       the SESSION_SETUP security buffers of one connection,
                   in fuzz_auth's token-list format
  fuzz_dcerpc/     flags 0x00 + the DCE/RPC bytes written to one pipe handle
                   (FSCTL_PIPE_TRANSCEIVE input and WRITE data, bind first),
                   and flags 0x01 (harness binds) + each request PDU

Files are named by content hash, so running it twice adds nothing new.
Signed or encrypted frames are kept too: they exercise the refusal paths.
"""
import hashlib
import os
import struct
import subprocess
import sys

SMB2_MAGIC = b"\xfeSMB"
NEGOTIATE, SESSION_SETUP, TREE_CONNECT = 0, 1, 3
WRITE, IOCTL = 9, 11
FSCTL_PIPE_TRANSCEIVE = 0x0011C017


def streams(pcap, port):
    """{stream id: client->server bytes}, in capture order."""
    out = subprocess.run(
        ["tshark", "-r", pcap, "-Y", f"tcp.dstport=={port} && tcp.len>0",
         "-T", "fields", "-e", "tcp.stream", "-e", "tcp.payload"],
        check=True, capture_output=True, text=True, timeout=120).stdout
    data = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1]:
            continue
        sid = int(parts[0])
        data[sid] = data.get(sid, b"") + bytes.fromhex(parts[1].replace(":", ""))
    return data


def frames(stream):
    """NetBIOS frames (header included) of one stream."""
    pos, out = 0, []
    while pos + 4 <= len(stream):
        n = struct.unpack(">I", b"\0" + stream[pos + 1:pos + 4])[0]
        if pos + 4 + n > len(stream):
            break
        out.append(stream[pos:pos + 4 + n])
        pos += 4 + n
    return out


def command(frame):
    body = frame[4:]
    if len(body) < 64 or body[:4] != SMB2_MAGIC:
        return None
    return struct.unpack_from("<H", body, 12)[0]


def setup_token(frame):
    pdu = frame[4:]
    off, ln = struct.unpack_from("<HH", pdu, 64 + 12)
    return pdu[off:off + ln]


def pdus(frame):
    """The SMB2 PDUs of a frame's compound chain."""
    pdu, out = frame[4:], []
    while len(pdu) >= 64 and pdu[:4] == SMB2_MAGIC:
        nxt = struct.unpack_from("<I", pdu, 20)[0]
        out.append(pdu[:nxt] if nxt else pdu)
        if not nxt or nxt >= len(pdu):
            break
        pdu = pdu[nxt:]
    return out


def pipe_bytes(frames_):
    """{FileId: DCE/RPC bytes a client wrote to that pipe handle}."""
    out = {}
    for f in frames_:
        for pdu in pdus(f):
            cmd = struct.unpack_from("<H", pdu, 12)[0]
            body = pdu[64:]
            if cmd == IOCTL and len(body) >= 56 and \
                    struct.unpack_from("<I", body, 4)[0] == FSCTL_PIPE_TRANSCEIVE:
                fid = body[8:24]
                off, ln = struct.unpack_from("<II", body, 24)
            elif cmd == WRITE and len(body) >= 48:
                fid = body[16:32]
                off = struct.unpack_from("<H", body, 2)[0]
                ln = struct.unpack_from("<I", body, 4)[0]
            else:
                continue
            out[fid] = out.get(fid, b"") + pdu[off:off + ln]
    return out


def save(outdir, target, blob, limit):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    if len(os.listdir(d)) >= limit:
        return
    name = hashlib.sha1(blob).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: pcap_to_seeds.py CAPTURE PORT OUTDIR")
    pcap, port, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for sid, data in sorted(streams(pcap, port).items()):
        fr = frames(data)
        if not fr:
            continue
        cmds = [command(f) for f in fr]
        save(outdir, "fuzz_server", b"\x00" + b"".join(fr[:24]), 40)
        save(outdir, "fuzz_frame", b"\x04" + b"".join(fr[:6]), 60)
        for f in fr:
            save(outdir, "fuzz_frame", b"\x04" + f, 60)
        tokens = [setup_token(f) for f, c in zip(fr, cmds) if c == SESSION_SETUP]
        if tokens:
            tokens = tokens[:3]
            hdr = bytes([len(tokens) - 1])
            for t in tokens[:-1]:
                hdr += struct.pack("<H", len(t))
            save(outdir, "fuzz_auth", hdr + b"".join(tokens), 40)
        for f, c in zip(fr, cmds):
            if c == NEGOTIATE:
                save(outdir, "fuzz_negotiate", b"\x0c" + f[4 + 64:], 20)
        for data in pipe_bytes(fr).values():
            save(outdir, "fuzz_dcerpc", b"\x00" + data, 40)
            pos = 0
            while pos + 16 <= len(data):
                flen = struct.unpack_from("<H", data, pos + 8)[0]
                if flen < 16:
                    break
                if data[pos + 2] == 0:      # a REQUEST
                    save(outdir, "fuzz_dcerpc", b"\x01" + data[pos:pos + flen], 40)
                pos += flen
        if TREE_CONNECT in cmds:
            after = fr[cmds.index(TREE_CONNECT) + 1:]
            for f in after:
                save(outdir, "fuzz_server", b"\x1b" + f, 80)
                save(outdir, "fuzz_server", b"\x1f" + f, 80)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""conn_memory.py - what idle and negotiated connections cost the kernel.

Opens --idle TCP connections to 127.0.0.1:445 that send nothing, then --neg
connections that each complete an SMB2 NEGOTIATE and stay open, and reports
per connection the growth of the guest's Slab + VmallocUsed (/proc/meminfo,
after dropping the page cache; with CONFIG_VMAP_STACK a kworker's stack is
in VmallocUsed) and of dittofs.ko's buffer_bytes (dittofsctl stats). Both
ends of each loopback connection live in the guest, so the client's socket
is counted too: the figures are upper bounds for the server's share.

Prints one line per kind and exits 1 when a connection of either kind costs
more than --limit-kib, or a NEGOTIATE is not answered.

usage: conn_memory.py --ctl DITTOFSCTL --conf CONF [--idle N] [--neg N]
                      [--limit-kib K]
"""
import argparse
import json
import socket
import struct
import subprocess
import sys
import time

SMB2_MAGIC = b"\xfeSMB"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--ctl", required=True)
    p.add_argument("--conf", required=True)
    p.add_argument("--idle", type=int, default=200)
    p.add_argument("--neg", type=int, default=50)
    p.add_argument("--limit-kib", type=int, default=64)
    return p.parse_args()


def kernel_mem_kib():
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    time.sleep(0.5)
    fields = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0])
    return fields["Slab"] + fields["VmallocUsed"]


def module_stats(opt):
    out = subprocess.check_output([opt.ctl, "-c", opt.conf, "--json", "stats"])
    return json.loads(out)["kernel"]


def negotiate_pdu():
    # SMB 2.0.2 and 2.1 need no negotiate contexts
    hdr = struct.pack("<4sHHIHHIIQIIQ16s", SMB2_MAGIC, 64, 0, 0, 0, 1, 0, 0,
                      0, 0, 0, 0, b"\0" * 16)
    body = struct.pack("<HHHHI16sQ", 36, 2, 1, 0, 0, b"conn_memory.py..", 0)
    return hdr + body + struct.pack("<HH", 0x0202, 0x0210)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        got = s.recv(n - len(buf))
        if not got:
            raise ConnectionError("closed by the server")
        buf += got
    return buf


def connect(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(60)
    s.bind((src, 0))
    s.connect(("127.0.0.1", 445))
    return s


def negotiated(src):
    s = connect(src)
    pdu = negotiate_pdu()
    s.sendall(struct.pack(">I", len(pdu)) + pdu)
    length = struct.unpack(">I", recv_exact(s, 4))[0] & 0xFFFFFF
    rsp = recv_exact(s, length)
    status = struct.unpack("<I", rsp[8:12])[0] if len(rsp) >= 12 else -1
    if rsp[:4] != SMB2_MAGIC or status != 0:
        raise RuntimeError(f"NEGOTIATE answered with status 0x{status:08x}")
    return s


def wait_open(opt, n):
    for _ in range(100):
        if module_stats(opt)["connections_open"] >= n:
            return
        time.sleep(0.2)
    raise RuntimeError(f"dittofs.ko does not show {n} open connections")


def report(kind, n, kib, buf_bytes, limit):
    per = kib / n
    print(f"{n} {kind} connections: Slab+VmallocUsed +{kib} KiB "
          f"({per:.1f} KiB each), dittofs.ko buffers +{buf_bytes} bytes "
          f"({buf_bytes / n / 1024:.1f} KiB each); limit {limit} KiB each",
          flush=True)
    return per <= limit


def main():
    opt = parse_args()
    socks = []
    ok = True
    try:
        base = module_stats(opt)["connections_open"]
        m0, b0 = kernel_mem_kib(), module_stats(opt)["buffer_bytes"]
        # 50 a source address keeps under "max connections per ip"
        for i in range(opt.idle):
            socks.append(connect(f"127.0.0.{31 + i // 50}"))
        wait_open(opt, base + opt.idle)
        time.sleep(1)
        m1, b1 = kernel_mem_kib(), module_stats(opt)["buffer_bytes"]
        for i in range(opt.neg):
            socks.append(negotiated(f"127.0.0.{61 + i // 50}"))
        time.sleep(1)
        m2, b2 = kernel_mem_kib(), module_stats(opt)["buffer_bytes"]
        ok &= report("idle", opt.idle, m1 - m0, b1 - b0, opt.limit_kib)
        ok &= report("negotiated", opt.neg, m2 - m1, b2 - b1, opt.limit_kib)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        print(f"conn_memory.py: {e}", flush=True)
        ok = False
    finally:
        for s in socks:
            s.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

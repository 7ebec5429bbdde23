#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# genl_hello.py - speak DITTOFS_CMD_HELLO to dittofs.ko over generic netlink
# with nothing but the Python standard library (the guest has no libnl
# tools of ours yet). Numbers come from common/uapi/dittofs_netlink.h.
#
#   genl_hello.py [--version N] [--expect-errno NAME]
#
# Prints the reply's attributes; exits 0 when the outcome is the expected
# one (a reply, or the given errno such as EPERM or EPROTONOSUPPORT).
import argparse
import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def uapi():
    """Constants parsed from the uapi header, so they never drift."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "common", "uapi", "dittofs_netlink.h")
    text = open(path).read()
    consts = {}
    for enum in ("dittofs_cmd", "dittofs_attr"):
        body = re.search(r"enum %s \{(.*?)\};" % enum, text, re.S).group(1)
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        for i, name in enumerate(n.strip() for n in body.split(",") if n.strip()):
            consts[name] = i
    consts["NAME"] = re.search(r'#define DITTOFS_GENL_NAME "(\w+)"', text).group(1)
    consts["VERSION"] = int(re.search(r"#define DITTOFS_GENL_VERSION (\d+)", text).group(1))
    return consts


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad


def parse_attrs(data):
    out = {}
    while len(data) >= 4:
        alen, atype = struct.unpack("=HH", data[:4])
        if alen < 4:
            break
        out[atype & 0x3FFF] = data[4:alen]
        data = data[(alen + 3) & ~3:]
    return out


def request(sock, family, cmd, version, attrs, seq):
    payload = struct.pack("=BBH", cmd, version, 0) + attrs
    msg = struct.pack("=IHHII", 16 + len(payload), family, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + payload
    sock.send(msg)
    replies = []
    while True:
        data = sock.recv(65536)
        while data:
            mlen, mtype, _flags, _seq, _pid = struct.unpack("=IHHII", data[:16])
            body = data[16:mlen]
            if mtype == NLMSG_ERROR:
                err = -struct.unpack("=i", body[:4])[0]
                return err, replies
            replies.append(parse_attrs(body[4:]))
            data = data[(mlen + 3) & ~3:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", type=int)
    ap.add_argument("--expect-errno")
    args = ap.parse_args()
    c = uapi()
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    err, rep = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
                       attr(CTRL_ATTR_FAMILY_NAME, c["NAME"].encode() + b"\0"), 1)
    if err or not rep:
        print("genl_hello: family %s not found: %s" % (c["NAME"], os.strerror(err)))
        return 0 if args.expect_errno == "ENOENT" and err == errno.ENOENT else 1
    fam = struct.unpack("=H", rep[0][CTRL_ATTR_FAMILY_ID][:2])[0]
    print("genl_hello: family %s has id %d" % (c["NAME"], fam))
    version = c["VERSION"] if args.version is None else args.version
    err, rep = request(sock, fam, c["DITTOFS_CMD_HELLO"], c["VERSION"],
                       attr(c["DITTOFS_A_VERSION"], struct.pack("=I", version)), 2)
    if args.expect_errno:
        want = getattr(errno, args.expect_errno)
        print("genl_hello: HELLO version %d -> %s (expected %s)"
              % (version, errno.errorcode.get(err, "success") if err else "success",
                 args.expect_errno))
        return 0 if err == want else 1
    if err:
        print("genl_hello: HELLO failed: %s" % os.strerror(err))
        return 1
    a = rep[0]
    v = struct.unpack("=I", a[c["DITTOFS_A_VERSION"]])[0]
    feat = struct.unpack("=Q", a[c["DITTOFS_A_FEATURES"]])[0]
    modv = a[c["DITTOFS_A_MODULE_VERSION"]].rstrip(b"\0").decode()
    print("genl_hello: HELLO ok: version %d, features 0x%x, module %s" % (v, feat, modv))
    ok = v == c["VERSION"] and feat & (1 << c["DITTOFS_CMD_HELLO"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

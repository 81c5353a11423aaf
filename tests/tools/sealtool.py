#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# sealtool.py - an independent implementation of sealed QDES datagrams (Python's cryptography),
# to check that what qdes-tap seals is what the man page says, and to play the attacker in tests
#
#   sealtool.py open KEYFILE PCAP [MARKER]  open every sealed datagram of a capture; print JSON:
#                                           counts, (session, counter) repeats, marker in clear
#   sealtool.py vector KEYB64 SESSION COUNTER NETID KEYID? FRAMEHEX   one sealed datagram in hex
#   sealtool.py replay PCAP ADDR PORT       send every UDP payload of PCAP again, to ADDR:PORT
#   sealtool.py fake ADDR PORT COUNT NETID  COUNT sealed-looking datagrams of random sessions
#   sealtool.py flip PCAP ADDR PORT         each datagram again with one random bit flipped
#   sealtool.py forge-leave KEYFILE ADDR PORT NETID  a leave notice sealed with KEYFILE's key
import base64
import json
import os
import random
import socket
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HDR = 24
TAG = 16


def hkdf(key, info, n):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=None, info=info).derive(key)


def key_id(key):
    return hkdf(key, b"qdes-tap v1 key id", 1)[0]


def session_key(key, session):
    return hkdf(key, b"qdes-tap v1 session key" + struct.pack(">Q", session), 32)


def seal(key, session, counter, netid, frame):
    hdr = bytes([0x51, 0x44, 1, 0x01]) + struct.pack(">HBB", netid, key_id(key), 0)
    hdr += struct.pack(">QQ", session, counter)
    nonce = b"\0" * 4 + struct.pack(">Q", counter)
    return hdr + AESGCM(session_key(key, session)).encrypt(nonce, frame, hdr)


def open_dgram(key, d):
    """The frame of a sealed datagram, or None if it does not authenticate"""
    session, counter = struct.unpack(">QQ", d[8:24])
    nonce = b"\0" * 4 + struct.pack(">Q", counter)
    try:
        return AESGCM(session_key(key, session)).decrypt(nonce, d[HDR:], d[:HDR])
    except Exception:
        return None


def read_key(path):
    return base64.b64decode(open(path).read().strip(), validate=True)


def udp_payloads(path):
    """(src, dst port, payload) of every IPv4/IPv6 UDP packet of an Ethernet or cooked pcap"""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:
            et, p = struct.unpack(">H", pkt[12:14])[0], 14
        elif link == 113:
            et, p = struct.unpack(">H", pkt[14:16])[0], 16
        else:
            continue
        if et == 0x0800 and len(pkt) >= p + 20 and pkt[p + 9] == 17:
            src = socket.inet_ntop(socket.AF_INET, pkt[p + 12:p + 16])
            p += (pkt[p] & 15) * 4
        elif et == 0x86DD and len(pkt) >= p + 40 and pkt[p + 6] == 17:
            src = socket.inet_ntop(socket.AF_INET6, pkt[p + 8:p + 24])
            p += 40
        else:
            continue
        sport, dport, ulen = struct.unpack(">HHH", pkt[p:p + 6])
        yield src, sport, dport, pkt[p + 8:p + ulen]


def sealed(d):
    return len(d) >= HDR + TAG and d[:3] == b"QD\x01" and d[3] & 1


def cmd_open(keyfile, pcap, marker=None):
    key = read_key(keyfile)
    res = {"udp": 0, "sealed": 0, "opened": 0, "failed": 0, "repeats": 0, "sessions": 0,
           "marker_in_clear": 0, "marker_in_capture": 0}
    seen = set()
    sessions = set()
    for _, _, _, d in udp_payloads(pcap):
        res["udp"] += 1
        if marker and marker.encode() in d:
            res["marker_in_capture"] += 1
        if not sealed(d):
            continue
        res["sealed"] += 1
        sc = d[8:24]
        if sc in seen:
            res["repeats"] += 1
        seen.add(sc)
        sessions.add(sc[:8])
        f = open_dgram(key, d)
        if f is None:
            res["failed"] += 1
            continue
        res["opened"] += 1
        if marker and marker.encode() in f:
            res["marker_in_clear"] += 1
    res["sessions"] = len(sessions)
    print(json.dumps(res))


def sock_for(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.socket(fam, socket.SOCK_DGRAM)


def cmd_replay(pcap, addr, port, flip=False):
    s = sock_for(addr)
    n = 0
    for _, _, _, d in udp_payloads(pcap):
        if not sealed(d):
            continue
        if flip:
            b = bytearray(d)
            i = random.randrange(len(b) * 8)
            b[i // 8] ^= 1 << (i % 8)
            d = bytes(b)
        s.sendto(d, (addr, int(port)))
        n += 1
    print(n)


def cmd_fake(addr, port, count, netid):
    s = sock_for(addr)
    frame = os.urandom(64)
    for i in range(int(count)):
        hdr = bytes([0x51, 0x44, 1, 1]) + struct.pack(">HBB", int(netid), i % 256, 0)
        s.sendto(hdr + os.urandom(16) + frame + os.urandom(16), (addr, int(port)))
    print(count)


def cmd_forge_leave(keyfile, addr, port, netid):
    s = sock_for(addr)
    d = seal(read_key(keyfile), random.getrandbits(64), 0, int(netid), b"")
    s.sendto(d, (addr, int(port)))
    print(len(d))


def main(argv):
    cmds = {
        "open": cmd_open,
        "replay": cmd_replay,
        "flip": lambda p, a, port: cmd_replay(p, a, port, True),
        "fake": cmd_fake,
        "forge-leave": cmd_forge_leave,
        "vector": lambda k, s, c, n, f: print(seal(base64.b64decode(k), int(s, 0), int(c, 0),
                                                   int(n, 0), bytes.fromhex(f)).hex()),
    }
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit("usage: sealtool.py open|vector|replay|flip|fake|forge-leave ...")
    cmds[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# make-corpus.py - write the seed corpora of the fuzz harnesses, fuzz/corpus/NAME/
#
# Few, small, meaningful inputs: the manual's PROTOCOL test vectors (read from man/qdes-tap.8, so
# they cannot drift) and variants of them, one per drop reason. The files are committed; run this
# again (from anywhere) after changing it. It only writes the seeds it makes, so inputs that
# a finding left in a corpus directory stay.

import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def man_vectors():
    """The numbered test vectors of the manual's PROTOCOL section, as bytes"""
    with open(os.path.join(ROOT, "man", "qdes-tap.8")) as f:
        text = f.read()
    sec = text.split(".SS Test vectors", 1)[1].split("\n.SS ", 1)[0]
    blocks = re.findall(r"^\.nf\n(.*?)^\.fi$", sec, re.S | re.M)
    vecs = [bytes.fromhex(b.replace("\n", " ")) for b in blocks]
    if len(vecs) != 4:
        sys.exit("make-corpus: expected 4 test vectors in man/qdes-tap.8, found %d" % len(vecs))
    return vecs


def man_sealed_vectors():
    """Vectors 5 and 6 (sealed) of the manual, as bytes: the hex blocks of its section"""
    with open(os.path.join(ROOT, "man", "qdes-tap.8")) as f:
        text = f.read()
    sec = text.split(".SS Sealed datagrams", 1)[1].split("\n.SS ", 1)[0]
    blocks = re.findall(r"^\.nf\n(.*?)^\.fi$", sec, re.S | re.M)
    vecs = [bytes.fromhex(b.replace("\n", " ")) for b in blocks if re.fullmatch(r"[0-9a-f \n]+", b)]
    if len(vecs) != 2:
        sys.exit("make-corpus: expected 2 sealed vectors in man/qdes-tap.8, found %d" % len(vecs))
    return vecs


def put(b, off, val):
    b = bytearray(b)
    b[off : off + len(val)] = val
    return bytes(b)


def proto(vec):
    v1, v2, v3, v4 = vec
    write("fuzz_proto", "vec1-qdes-arp", v1)
    write("fuzz_proto", "vec2-leave-42", v2)
    write("fuzz_proto", "vec3-leave-65535", v3)
    write("fuzz_proto", "vec4-vxlan-arp", v4)
    write("fuzz_proto", "raw-arp", v1[8:])
    # vector 1 tagged 802.1Q: fits MTU 24, not 23
    write("fuzz_proto", "qdes-vlan", put(v1, 20, b"\x81\x00"))
    write("fuzz_proto", "qdes-reserved", put(v1, 6, b"\xde\xad"))
    write("fuzz_proto", "qdes-flag", put(v1, 3, b"\x80"))
    write("fuzz_proto", "qdes-src-bcast", put(v1, 14, b"\xff" * 6))
    write("fuzz_proto", "qdes-min-frame", v1[:22])
    # every reserved bit of the VXLAN header set: still a frame
    write("fuzz_proto", "vxlan-reserved", put(put(v4, 0, b"\xff\xff\xff\xff"), 7, b"\xff"))
    write("fuzz_proto", "vxlan-no-i-flag", put(v4, 0, b"\x00"))
    write("fuzz_proto", "vxlan-vni-max", put(v4, 4, b"\xff\xff\xff"))
    v5, v6 = man_sealed_vectors()
    write("fuzz_proto", "vec5-sealed-arp", v5)
    write("fuzz_proto", "vec6-sealed-leave", v6)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


ETH_SRC = bytes.fromhex("020000000001")
ETH_DST = bytes.fromhex("020000000002")


def tcp_frame(payload, v6=False, seq=1000, flags=0x18, vlan=False):
    """An Ethernet frame holding TCP over IPv4 or IPv6, checksums right"""
    tcp = struct.pack("!HHIIBBHHH", 40000, 5001, seq, 1, 5 << 4, flags, 65535, 0, 0)
    if v6:
        src, dst = bytes(15) + b"\1", bytes(15) + b"\2"
        ip = struct.pack("!IHBB", 6 << 28, len(tcp) + len(payload), 6, 64) + src + dst
        pseudo = src + dst + struct.pack("!IxxxB", len(tcp) + len(payload), 6)
        etype = b"\x86\xdd"
    else:
        src, dst = bytes([10, 42, 0, 1]), bytes([10, 42, 0, 2])
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(tcp) + len(payload), 7, 0x4000, 64, 6, 0)
        ip = ip + src + dst
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        pseudo = src + dst + struct.pack("!xBH", 6, len(tcp) + len(payload))
        etype = b"\x08\x00"
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
    eth = ETH_DST + ETH_SRC + (b"\x81\x00\x00\x2a" if vlan else b"") + etype
    return eth + ip + tcp + payload


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0):
    return struct.pack("=BBHHHH", flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def offload():
    data = bytes(range(256)) * 12
    for v6 in (False, True):
        name = "v6" if v6 else "v4"
        f = tcp_frame(data[:3000], v6)
        l4 = 14 + (40 if v6 else 20)
        gso = vnet(1, 4 if v6 else 1, l4 + 20, 1448, l4, 16)
        # segment: control byte 0 (max_frame 0 refuses), 6 = 1514, 0x16 = 1514 behind 8 bytes
        write("fuzz_offload", "tso-" + name, b"\x06" + gso + f)
        write("fuzz_offload", "tso-encap-" + name, b"\x16" + gso + f)
        write("fuzz_offload", "tso-ecn-" + name, b"\x06" + put(gso, 1, bytes([gso[1] | 0x80])) + f)
        write("fuzz_offload", "csum-" + name, b"\x06" + vnet(1, 0, 0, 0, l4, 16) + tcp_frame(b"x" * 100, v6))
        # coalesce: three segments of one flow, then one of another
        segs = [tcp_frame(data[i * 1448 : (i + 1) * 1448], v6, 1000 + i * 1448, 0x10) for i in range(3)]
        segs.append(tcp_frame(b"end", v6, 1000 + 3 * 1448, 0x18))
        body = b"".join(struct.pack("<H", len(x)) + x for x in segs)
        write("fuzz_offload", "gro-" + name, b"\x01" + vnet() + body)
    write("fuzz_offload", "plain-arp", b"\x06" + vnet() + bytes.fromhex("ffffffffffff020000000001") + b"\x08\x06" + bytes(28))
    write("fuzz_offload", "tso-vlan", b"\x06" + vnet(1, 1, 58, 1448, 38, 16) + tcp_frame(data[:3000], vlan=True))


def framed(*frames, lens=None):
    out = b""
    for i, f in enumerate(frames):
        n = len(f) if lens is None or lens[i] is None else lens[i]
        out += struct.pack("!I", n) + f
    return out


def stream(vec):
    arp = vec[0][8:]
    # first byte: MTU (bits 0-1: 68, 1500, 9000, 65000) and the seed of the pieces' sizes
    write("fuzz_stream", "two-frames", b"\x01" + framed(arp, arp))
    write("fuzz_stream", "zero-length", b"\x01" + framed(b"", arp))
    write("fuzz_stream", "too-long", b"\x01" + framed(arp) + b"\xff\xff\xff\xff" + arp)
    write("fuzz_stream", "short-then-frame", b"\x05" + framed(arp[:10], arp))
    write("fuzz_stream", "oversize-68", b"\x00" + framed(arp + bytes(60), arp))
    write("fuzz_stream", "vlan-68", b"\x00" + framed(put(arp + bytes(54), 12, b"\x81\x00"), arp))
    write("fuzz_stream", "cut-frame", b"\x09" + framed(arp, arp)[:70])
    write("fuzz_stream", "big-1500", b"\x01" + framed(tcp_frame(bytes(1446)), arp))


def config():
    with open(os.path.join(ROOT, "etc", "qdes-tap.ini")) as f:
        write("fuzz_config", "etc-qdes-tap.ini", f.read())
    base = "[qdes0]\ngroup = 239.1.1.1:5000\nnetwork_id = 42\n"
    write("fuzz_config", "minimal", base)
    write("fuzz_config", "global", "[global]\nlog_level = debug\nsyslog = no\n" + base)
    write("fuzz_config", "every-key", base + "address = 10.42.0.1/24 fd42::1/64\nmac = 02:00:00:00:00:01\n"
          "mtu = 1400\nport = 5001\nttl = 2\nageing = 300\nmax_entries = 1000\nnetns = qt-x\n"
          "bridge = br0\nqemu_socket = /run/q.sock\noffload = no\nworkers = 2\nuser = nobody\n"
          "encap = qdes\nlocal = 10.77.0.1\ndev = eth0\n")
    write("fuzz_config", "vxlan", "[qdes0]\ngroup = 239.1.1.1\nencap = vxlan\nnetwork_id = 16777215\n")
    write("fuzz_config", "peers", "[qdes0]\npeer = 10.77.0.2:5000, 10.77.0.3:5000\nport = 5000\nnetwork_id = 1\n")
    write("fuzz_config", "two-sections", base + "[qdes1]\ngroup = [ff05::1]:5000\nnetwork_id = 7\n")
    write("fuzz_config", "none", "[none]\nqemu_socket = /q\ngroup = 239.1.1.1:5000\nnetwork_id = 1\n")


def cli():
    cmds = [
        "-i qdes0 -g 239.1.1.1:5000 -n 42",
        "-i qdes0 -g [ff05::42]:5000 -n 42 -a fd42::1/64 -m 02:00:00:00:00:01 --mtu 1400",
        "--interface none --qemu-socket /run/q.sock -g 239.1.1.1:5000 -n 1 --user nobody",
        "--encap vxlan -g 239.1.1.1 -n 16777215 --workers 2 --offload no",
        "--peer 10.77.0.2:5000 --peer 10.77.0.3:5000 --port 5000 -n 1 -vv",
        "--encap raw -g 239.1.1.1:5000 --netns qt-a --bridge br0 --ttl 2 --ageing 10",
        "--help",
        "--version",
        "-q --log-level=debug --syslog yes --max-entries 10 --local 10.77.0.1 --dev ul0 -g 239.1.1.1:1 -n 0",
    ]
    for i, c in enumerate(cmds):
        write("fuzz_cli", "cmd%d" % i, "\0".join(c.split(" ")))


def ctl():
    reqs = [
        '{"v":1,"cmd":"show"}',
        '{"v":1,"cmd":"fdb show","dev":"qdes0","mac":"02:00:00:00:00:01"}',
        '{"v":1,"cmd":"fdb add","mac":"02:00:00:00:00:09","dst":"10.0.0.9:5000"}',
        '{"v":1,"cmd":"fdb add","mac":"02:00:00:00:00:09","dst":"[fd00::9]:5000"}',
        '{"v":1,"cmd":"fdb flush","dynamic":true}',
        '{"v":1,"cmd":"peer del","dst":"10.0.0.2:5000","details":false}',
        '{"v":1,"cmd":"stats","details":true}',
        '{"v":1,"cmd":"port add","kind":"tap","name":"eth0","netns":"web",'
        '"address":["10.42.0.5/24","fd42::5/64"],"mac":"02:00:00:00:00:05","mtu":1400}',
        '{"v":1,"cmd":"port del","name":"eth0","dev":"qdes0"}',
    ]
    for i, r in enumerate(reqs):
        write("fuzz_ctl", "req%d" % i, "\0" + r)
    cmds = [
        "-j -p show qdes0",
        "fdb add 02:00:00:00:00:09 dst 10.0.0.9:5000 dev qdes0",
        "fdb flush dynamic",
        "-s peer add [fd00::2]:5000",
        "-S /run/x.ctl stats -o prometheus",
        "reload",
        "port add tap eth0 netns web address 10.42.0.5/24 mtu 1400 segment qdes0",
        "-j port show",
    ]
    for i, c in enumerate(cmds):
        write("fuzz_ctl", "cmd%d" % i, "\1" + "\0".join(c.split(" ")))


def main():
    vec = man_vectors()
    proto(vec)
    offload()
    stream(vec)
    config()
    cli()
    ctl()


if __name__ == "__main__":
    main()

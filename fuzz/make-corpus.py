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


def main():
    vec = man_vectors()
    proto(vec)


if __name__ == "__main__":
    main()

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 70-bad-datagrams.bats - malformed and foreign datagrams, to the group and to a member's unicast
# port, during a transfer: each is dropped and counted, the transfer arrives intact

QT_HOSTS=3
load helpers

setup()
{
	qt_test_setup || return 1
	cat >"$TB/bad.py" <<'EOF2'
# bad.py GROUP PORT UADDR UPORT MTU REPS: send REPS of each bad kind to the group and to UADDR:UPORT;
# print "KIND COUNT" per drop counter (datagrams that reach one receiver's sockets)
import socket, struct, sys, time

group, gport, uaddr, uport, mtu, reps = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

def hdr(netid=42, ver=1, flags=0, magic=b"QD"):
    return magic + bytes([ver, flags]) + struct.pack("!HH", netid, 0)

DST = bytes.fromhex("020000000099")          # a unicast MAC nobody has
SRC = bytes.fromhex("02000000009a")

def eth(src=SRC, payload_len=46, etype=0x0800):
    return DST + src + struct.pack("!H", etype) + bytes(payload_len)

kinds = {
    "drop_short": [b"QD\x01\x00\x00", hdr() + bytes(13)],
    "drop_magic": [hdr(magic=b"XD") + eth()],
    "drop_version": [hdr(ver=2) + eth()],
    "drop_flags": [hdr(flags=0x80) + eth()],
    "drop_netid": [hdr(netid=43) + eth()],
    "drop_oversize": [hdr() + eth(payload_len=mtu + 1)],    # a frame of MTU + 15 bytes
    "drop_src_mac": [hdr() + eth(src=bytes.fromhex("01005e000001")),
                     hdr() + eth(src=bytes(6)),
                     hdr() + eth(src=b"\xff" * 6)],
}
assert len(kinds["drop_short"][1]) == 21
assert len(kinds["drop_oversize"][0]) == 8 + mtu + 15

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
s.setsockopt(socket.IPPROTO_IP, 10, 0)       # IP_MTU_DISCOVER = IP_PMTUDISC_DONT: fragment
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for _ in range(reps):
    for datagrams in kinds.values():
        for d in datagrams:
            s.sendto(d, (group, gport))
            s.sendto(d, (uaddr, uport))
            time.sleep(0.001)
for kind, datagrams in kinds.items():
    print(kind, 2 * reps * len(datagrams))
EOF2
}

# pace.py FILE HOST PORT MBPS: send FILE over TCP at about MBPS MB/s, so the transfer lasts a
# known time whatever the segment's speed
write_pacer()
{
	cat >"$TB/pace.py" <<'EOF2'
import socket, sys, time
path, host, port, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]) * 1e6
s = socket.create_connection((host, port), timeout=10)
chunk, sent, t0 = 65536, 0, time.monotonic()
with open(path, "rb") as f:
    while data := f.read(chunk):
        s.sendall(data)
        sent += len(data)
        ahead = sent / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
s.shutdown(socket.SHUT_WR)
s.recv(1)
s.close()
EOF2
}

udp_rcvbuf_errors()
{
	tb_exec "$TAG" "$1" awk '/^Udp:/ && ++n == 2 { print $6 }' /proc/net/snmp
}

@test "bad datagrams: each kind is dropped and counted on h2; transfer intact, daemons alive" {
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	port2=$(tb_port "$TAG" 2)
	qt_ping 1 10.42.0.2
	qt_randfile data 30M
	write_pacer
	bufe0=$(udp_rcvbuf_errors 2)

	# during a transfer
	tb_bg "$TAG" 2 tcp-recv timeout 60 socat -u TCP-LISTEN:7000,reuseaddr "OPEN:$TB/recv,creat,trunc"
	tb_wait 5 eval "ss -N $(tb_ns "$TAG" 2) -Hltn 'sport = :7000' | grep -q LISTEN"
	# about 3 s at 10 MB/s: the bad datagrams (well under a second) arrive in the middle of it
	tb_bg "$TAG" 1 tcp-send timeout 60 "$TB_PY" "$TB/pace.py" "$TB/data" 10.42.0.2 7000 10
	sleep 0.5
	tb_exec "$TAG" 3 timeout 30 "$TB_PY" "$TB/bad.py" 239.1.1.1 5000 10.77.0.2 "$port2" 1450 10 \
		>"$TB/sent1"
	# the transfer was still running when the last bad datagram went out
	[ ! -s "$TB/bg-tcp-send.rc" ]
	tb_bg_wait "$TAG" tcp-send 60
	tb_bg_wait "$TAG" tcp-recv 10
	[ "$(qt_sha "$TB/data")" = "$(qt_sha "$TB/recv")" ]

	# and once more on a quiet segment, where none can be lost to a full socket buffer
	tb_exec "$TAG" 3 timeout 30 "$TB_PY" "$TB/bad.py" 239.1.1.1 5000 10.77.0.2 "$port2" 1450 5 \
		>"$TB/sent2"
	sleep 0.5
	bufe=$(($(udp_rcvbuf_errors 2) - bufe0))
	tb_running "$TAG" 1
	tb_running "$TAG" 2
	tb_dump "$TAG" 2
	echo "UDP receive buffer errors in h2 during the test: $bufe"
	while read -r kind n2; do
		n1=$(awk -v k="$kind" '$1 == k { print $2 }' "$TB/sent1")
		got=$(qt_counter 2 "$kind")
		echo "$kind: sent $n1 during the transfer + $n2 after, counted $got"
		[ "$got" -ge "$n2" ]
		if [ "$bufe" -eq 0 ]; then
			[ "$got" -ge $((n1 + n2)) ]
		fi
	done <"$TB/sent2"
	# none of it was learned or delivered
	if tb_fdb "$TAG" 2 | grep -Eq '^(02:00:00:00:00:9a|01:00:5e:00:00:01|00:00:00:00:00:00|ff:ff:ff:ff:ff:ff) '; then
		tb_fdb "$TAG" 2
		false
	fi
	# h2 still works
	qt_ping 1 10.42.0.2
}

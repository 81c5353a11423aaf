#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 20-segment.bats - three members form one Ethernet segment: ARP, ping (IPv4, IPv6 global and
# link-local), and a 50 MiB TCP transfer that arrives intact

QT_HOSTS=3
load helpers

@test "segment: start line, interface up with address and MTU 1450" {
	qt_start_all 3
	for i in 1 2 3; do
		grep -Eq "qdes-tap: qdes0: up, mtu 1450, network 42, group 239.1.1.1:5000, local 0.0.0.0:[0-9]+$" \
			"$TB/h$i.log"
		ns=$(tb_ns "$TAG" "$i")
		ip -n "$ns" -o link show qdes0 | grep -q 'mtu 1450'
		ip -n "$ns" -4 -o addr show dev qdes0 | grep -q "inet 10.42.0.$i/24"
		ip -n "$ns" -6 -o addr show dev qdes0 | grep -q "inet6 fd42::$i/64"
	done
}

@test "segment: ARP resolves and every host pings every other (IPv4, IPv6, link-local)" {
	qt_start_all 3
	declare -A ll
	for i in 1 2 3; do
		ll[$i]=$(tb_lladdr "$TAG" "$i")
	done
	for i in 1 2 3; do
		for j in 1 2 3; do
			((i == j)) && continue
			qt_ping "$i" "10.42.0.$j"
			qt_ping "$i" "fd42::$j"
			qt_ping "$i" "${ll[$j]}%qdes0"
		done
	done
	# ARP learned the peers' real MACs
	mac2=$(tb_mac "$TAG" 2)
	ip -n "$(tb_ns "$TAG" 1)" neigh show 10.42.0.2 dev qdes0 | grep -q "lladdr $mac2"
}

@test "segment: 50 MiB TCP transfer h1 -> h2 arrives intact" {
	qt_start_all 3
	qt_bulk
}

@test "segment: a small MTU (120): TCP super-frames cut into ~800 segments still flow" {
	# 64 KiB of TCP cut at MSS 80 repeats the headers some 800 times: more than one GSO slot
	# (IPv4 only: IPv6 needs an MTU of 1280)
	tb_start "$TAG" 1 -- -i qdes0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.1/24 --mtu 120
	tb_start "$TAG" 2 -- -i qdes0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.2/24 --mtu 120
	qt_ping 1 10.42.0.2
	qt_randfile data 4M
	qt_transfer 1 2 >/dev/null
	tb_dump "$TAG" 1
	[ "$(tb_counter "$TAG" 1 drop_offload)" -eq 0 ]
	[ "$(tb_counter "$TAG" 1 tap_rx_gso)" -gt 0 ] || [ -n "${QDES_TAP_ARGS-}" ]
}

@test "segment: members with and without offloads interoperate (50 MiB both ways)" {
	tb_start "$TAG" 1 --offload no
	tb_start "$TAG" 2 --offload yes
	qt_ping 1 10.42.0.2
	qt_randfile data 50M
	qt_transfer 1 2 >/dev/null
	qt_transfer 2 1 >/dev/null
	tb_dump "$TAG" 2
	# Only the member with offloads sees TCP super-frames and merges what it receives
	[ "$(tb_counter "$TAG" 2 tap_rx_gso)" -gt 0 ] || [ -n "${QDES_TAP_ARGS-}" ]
	[ "$(tb_counter "$TAG" 2 drop_offload)" -eq 0 ]
}

@test "segment: over an IPv6 underlay ([ff15::4242]:5000), MTU 1430" {
	tb_destroy "$TAG"
	tb_create "$TAG" 2 --ipv6
	qt_start_all 2
	grep -q "qdes0: up, mtu 1430, network 42, group \[ff15::4242\]:5000" "$TB/h1.log"
	qt_ping 1 10.42.0.2
	qt_ping 2 fd42::1
	qt_randfile data 5M
	qt_transfer 1 2 7000 30 >/dev/null
}

@test "segment: SIGUSR1 dump has the FDB and every counter of the spec, in its format" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	qt_ping 1 10.42.0.3
	tb_dump_log "$TAG" 1
	dump=$(tb__since "$TAG" 1 dump)
	echo "$dump"
	mac1=$(tb_mac "$TAG" 1)
	mac2=$(tb_mac "$TAG" 2)
	mac3=$(tb_mac "$TAG" 3)
	n=$(grep -cE '^qdes-tap: fdb ([0-9a-f]{2}:){5}[0-9a-f]{2} ' <<<"$dump")
	grep -qx "qdes-tap: fdb qdes0: $n entries (max 65536)" <<<"$dump"
	grep -Eqx "qdes-tap: fdb $mac1 netid 42 dev qdes0 local age [0-9]+" <<<"$dump"
	grep -Eqx "qdes-tap: fdb $mac2 netid 42 dst 10.77.0.2:$(tb_port "$TAG" 2) dynamic age [0-9]+" <<<"$dump"
	grep -Eqx "qdes-tap: fdb $mac3 netid 42 dst 10.77.0.3:$(tb_port "$TAG" 3) dynamic age [0-9]+" <<<"$dump"
	missing=
	for c in $TB_COUNTERS; do
		[ "$(grep -Ecx "qdes-tap: counter $c [0-9]+" <<<"$dump")" -eq 1 ] || missing+=" $c"
	done
	extra=$(grep -E '^qdes-tap: counter ' <<<"$dump" | awk '{ print $3 }' |
		grep -vxF "$(tr ' ' '\n' <<<"$TB_COUNTERS")" | tr '\n' ' ')
	echo "counters missing:${missing:- none}; not in the spec: ${extra:-none}"
	[ -z "$missing" ]
	[ "$(tb_counter "$TAG" 1 fdb_learned)" -ge 2 ]
	[ "$(tb_counter "$TAG" 1 tx_unicast)" -gt 0 ]
	[ "$(tb_counter "$TAG" 1 tx_flood)" -gt 0 ]
	[ "$(tb_counter "$TAG" 1 tap_rx_frames)" -gt 0 ]
	[ "$(tb_counter "$TAG" 1 udp_rx_datagrams)" -gt 0 ]
}

# udp_payloads PCAP - "SRC:SPORT DST:DPORT HEX" for each unfragmented IPv4/UDP packet of a pcap
udp_payloads()
{
	"$TB_PY" - "$1" <<'EOF2'
import struct, sys
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
off = 24
while off + 16 <= len(data):
    _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(pkt) < 42 or pkt[12:14] != b"\x08\x00":
        continue
    ip = pkt[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 17 or struct.unpack("!H", ip[6:8])[0] & 0x3fff:
        continue
    sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
    payload = ip[ihl + 8:ihl + ulen]
    src = ".".join(map(str, ip[12:16]))
    dst = ".".join(map(str, ip[16:20]))
    print(f"{src}:{sport} {dst}:{dport} {payload.hex()}")
EOF2
}

@test "wire: ARP request is the spec's test vector 1, leave notice is test vector 2" {
	tb_start "$TAG" 1 -m 02:00:00:00:00:01
	tb_start "$TAG" 2 -m 02:00:00:00:00:02
	port1=$(tb_port "$TAG" 1)
	qt_tcpdump 3 ul3 ul0 udp
	qt_ping 1 10.42.0.2
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	sleep 0.2
	qt_tcpdump_count ul3
	udp_payloads "$TB/ul3.pcap" >"$TB/payloads"
	cat "$TB/payloads"
	v1=51440100002a0000ffffffffffff020000000001080600010800060400010200000000010a2a0001000000000000
	v1+=0a2a0002
	# h3's underlay saw h1's ARP request, to the group, from h1's unicast port, byte for byte
	grep -qx "10.77.0.1:$port1 239.1.1.1:5000 $v1" "$TB/payloads"
	# and h1's leave notice
	grep -qx "10.77.0.1:$port1 239.1.1.1:5000 51440100002a0000" "$TB/payloads"
	# every datagram carries the QDES v1 header of network 42
	[ -z "$(grep -v ' 51440100002a0000' "$TB/payloads")" ]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 96-raw.bats - encap raw: bare frames on the group, with qdes-tap members and stock QEMU guests
#
# Raw members and QEMU's multicast backends (-netdev socket,mcast= and -netdev dgram with a
# multicast remote) share one segment per group and port. QEMU's socket is bound to the group
# address, so nothing may be sent to it by unicast: in raw mode every frame goes to the group.

QT_HOSTS=3
load helpers
load qemu

# raw_start I [ARGS...] - qdes-tap in raw mode in host I, 10.42.0.I/24
raw_start()
{
	local i=$1
	shift
	tb_start "$TAG" "$i" -- -i qdes0 --encap raw -g 239.1.1.1:5000 -a "10.42.0.$i/24" "$@"
}

@test "raw: members ping and copy; known unicast goes to the group, other TAPs see none of it" {
	raw_start 1
	raw_start 2
	raw_start 3
	grep -q "qdes0: up, mtu 1458, encap raw, group 239.1.1.1:5000" "$TB/h1.log"
	[ "$(tb_exec "$TAG" 1 cat /sys/class/net/qdes0/mtu)" -eq 1458 ]
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.3

	# bare frames: the payload of a datagram to the group starts with an Ethernet header
	qt_tcpdump 3 ul3 ul0 udp port 5000
	qt_ping 1 10.42.0.2
	qt_tcpdump_count ul3 >/dev/null
	tcpdump -n -r "$TB/ul3.pcap" -x 2>/dev/null | head -n 12
	tcpdump -n -r "$TB/ul3.pcap" 2>/dev/null | grep -q '> 239.1.1.1.5000: UDP, length 98'

	qt_randfile data 10M
	qt_tcpdump 3 tap3 qdes0 tcp port 7000
	qt_transfer 1 2 >/dev/null
	n=$(qt_tcpdump_count tap3)
	echo "h3 qdes0 saw $n packets of the h1 -> h2 transfer"
	[ "$n" -eq 0 ]
	tb_dump "$TAG" 1
	tb_dump "$TAG" 3
	# no unicast at all, known MACs included; h3 dropped what was for h2 before its TAP
	[ "$(qt_counter 1 tx_unicast)" -eq 0 ]
	[ "$(qt_counter 1 tx_flood)" -gt 100 ]
	[ "$(qt_counter 1 udp_tx_datagrams)" -gt 5000 ]
	[ "$(qt_counter 3 drop_remote_dst)" -gt 1000 ]
	# own echoes are recognised and never learnt; nothing was malformed
	[ "$(qt_counter 1 fdb_conflict)" -eq 0 ]
	for c in drop_short drop_oversize drop_src_mac; do
		[ "$(qt_counter 1 $c)" -eq 0 ]
	done
	tb_fdb "$TAG" 1
	mac1=$(tb_mac "$TAG" 1)
	mac2=$(tb_mac "$TAG" 2)
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 0 dst 10.77.0.2:[0-9]+ dynamic"
	qt_fdb_lacks 1 "^$mac1 .* dst "
	# no leave notice in raw mode: raw has none, so one would be a datagram too short for a frame
	tb_stop "$TAG" 2
	sleep 0.3
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 leave_rx)" -eq 0 ]
	[ "$(qt_counter 1 drop_short)" -eq 0 ]
}

@test "raw: a network id is refused (exit 2, one line)" {
	run --separate-stderr "$QDES_TAP" -i qt-raw0 --encap raw -g 239.1.1.1:5000 -n 42
	[ "$status" -eq 2 ]
	[ "$stderr" = "qdes-tap: --network-id: not with encap raw (its datagrams carry no network id: one segment per group and port)" ]
}

@test "raw: QEMU guests on -netdev socket,mcast= and -netdev dgram reach a member: ping, TCP both ways" {
	local bs rx
	qt_qemu_require
	raw_start 1
	# guest A: the old socket backend; guest B: dgram with a multicast remote (QEMU 7.2+)
	qt_guest_start "$TAG" 2 ga --ip 10.42.0.12/24 --mtu 1458 --ping 10.42.0.1 -- \
		socket,mcast=239.1.1.1:5000,localaddr=10.77.0.2
	echo "guest A up after $QT_GUEST_UP s"
	qt_guest_start "$TAG" 3 gb --ip 10.42.0.13/24 --mtu 1458 --ping 10.42.0.12 -- \
		dgram,remote.type=inet,remote.host=239.1.1.1,remote.port=5000,local.type=inet,local.host=10.77.0.3,local.port=0
	echo "guest B up after $QT_GUEST_UP s"

	qt_guest_wait "$TAG" ga '^qt-guest: ping 10.42.0.1 (ok|fail)$' | grep -q ' ok$'
	qt_guest_wait "$TAG" gb '^qt-guest: ping 10.42.0.12 (ok|fail)$' | grep -q ' ok$'
	qt_ping 1 10.42.0.12
	qt_ping 1 10.42.0.13

	# member -> guest A: the guest reports what it received
	qt_randfile data 4M
	tb_exec "$TAG" 1 timeout 60 socat -u "OPEN:$TB/data" TCP:10.42.0.12:7002,connect-timeout=5
	rx=$(qt_guest_wait "$TAG" ga '^qt-guest: rx sha256 ' 60)
	echo "$rx"
	[ "$rx" = "qt-guest: rx sha256 $(qt_sha "$TB/data") bytes 4194304" ]

	# guest B -> member: the guest's blob, checked against the hash it printed
	bs=$(qt_guest_wait "$TAG" gb '^qt-guest: blob sha256 ' | awk '{ print $4 }')
	tb_exec "$TAG" 1 timeout 60 socat -u TCP:10.42.0.13:7001,connect-timeout=5 "OPEN:$TB/blob,creat,trunc"
	[ "$(qt_sha "$TB/blob")" = "$bs" ]

	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	# QEMU sends from (its interface address, the group's port): that is where the guests are
	# learnt, and nothing is sent there by unicast (QEMU's socket only takes the group's traffic)
	tb_fdb "$TAG" 1 | grep -Eq "^52:54:00:2a:00:0c netid 0 dst 10.77.0.2:5000 dynamic"
	tb_fdb "$TAG" 1 | grep -Eq "^52:54:00:2a:00:0d netid 0 dst 10.77.0.3:5000 dynamic"
	[ "$(qt_counter 1 tx_unicast)" -eq 0 ]
	[ "$(qt_counter 1 fdb_conflict)" -eq 0 ]
	for c in drop_short drop_oversize drop_src_mac; do
		[ "$(qt_counter 1 $c)" -eq 0 ]
	done
}

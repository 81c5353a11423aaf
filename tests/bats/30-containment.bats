#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 30-containment.bats - learned unicast traffic between two members never reaches a third

QT_HOSTS=3
load helpers

@test "containment: h1 -> h2 TCP transfer: nothing on h3's qdes0, < 1% of the bytes on h3's ul0" {
	qt_start_all 3
	qt_containment
}

@test "containment: h1 and h2 send the transfer by unicast (tx_unicast >> tx_flood)" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_randfile data 5M
	tb_dump "$TAG" 1
	u0=$(qt_counter 1 tx_unicast)
	f0=$(qt_counter 1 tx_flood)
	tb_tcp_send "$TAG" 1 2 10.42.0.2 "$TB/data" "$TB/recv" 7000 30
	tb_dump "$TAG" 1
	u1=$(qt_counter 1 tx_unicast)
	f1=$(qt_counter 1 tx_flood)
	echo "h1: tx_unicast +$((u1 - u0)), tx_flood +$((f1 - f0))"
	# thousands of frames, or ~80 TCP super-frames with offloads
	[ $((u1 - u0)) -gt 50 ]
	[ $((f1 - f0)) -lt 10 ]
	# h1's FDB has h2's MAC at h2's underlay address and port
	mac2=$(tb_mac "$TAG" 2)
	port2=$(tb_port "$TAG" 2)
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 42 dst 10.77.0.2:$port2 dynamic age [0-9]+"
	# and its own MAC as local
	mac1=$(tb_mac "$TAG" 1)
	tb_fdb "$TAG" 1
	tb_fdb "$TAG" 1 | grep -Eq "^$mac1 netid 42 dev qdes0 local age [0-9]+$"
}

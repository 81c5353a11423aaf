#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 40-isolation.bats - a member of network 43 on the same group and port sees nothing of network 42

load helpers

setup_file() { qt_setup_file; }
teardown_file() { qt_teardown_file; }

setup()
{
	qt_require_binary
	qt_setup 3
}

teardown() { qt_teardown; }

@test "isolation: network 43 on the same group is a separate segment" {
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	tb_start "$TAG" 3 -n 43
	grep -q "qdes0: up, mtu 1450, network 43, group 239.1.1.1:5000" "$TB/h3.log"
	mac1=$(tb_mac "$TAG" 1)
	qt_tcpdump 3 dump3 qdes0 ether src "$mac1"
	qt_tcpdump 2 dump2 qdes0 ether src "$mac1"  # control: h2 does see h1's frames
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_noping 1 10.42.0.3
	qt_noping 3 10.42.0.1
	n=$(qt_tcpdump_count dump3)
	n2=$(qt_tcpdump_count dump2)
	echo "h3's qdes0 saw $n frames from $mac1, h2's $n2"
	[ "$n2" -gt 0 ]
	[ "$n" -eq 0 ]
	tb_dump "$TAG" 3
	drop=$(qt_counter 3 drop_netid)
	echo "h3 drop_netid $drop"
	[ "$drop" -gt 0 ]
	# h3 learned none of network 42's MACs
	if tb_fdb "$TAG" 3 | grep -q "$mac1"; then
		tb_fdb "$TAG" 3
		false
	fi
	# and h1 counted h3's ARP requests as foreign
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 drop_netid)" -gt 0 ]
	tb_running "$TAG" 3
}

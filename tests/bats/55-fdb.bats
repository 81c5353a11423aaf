#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 55-fdb.bats - the FDB's bounds as a user sees them: a full table, a remote member that claims a
# local MAC, and two members on one host that hear their own multicast echoes

QT_HOSTS=3
load helpers

@test "fdb: --max-entries 2 caps the FDB, counts fdb_full, and forwarding goes on by flooding" {
	tb_start "$TAG" 1 --max-entries 2
	tb_start "$TAG" 2
	tb_start "$TAG" 3
	# h1 sees three MACs: its own (pinned at start), h2's (learned), h3's (no room)
	qt_ping 1 10.42.0.2
	qt_ping 1 10.42.0.3
	qt_ping 2 10.42.0.1
	qt_ping 3 10.42.0.1
	tb_dump_log "$TAG" 1
	tb_fdb "$TAG" 1
	grep -qx 'qdes-tap: fdb qdes0: 2 entries (max 2)' <(tb__since "$TAG" 1 dump)
	[ "$(tb_fdb "$TAG" 1 | wc -l)" -eq 2 ]
	[ "$(qt_counter 1 fdb_full)" -gt 0 ]
	[ "$(qt_counter 1 fdb_learned)" -eq 1 ]
	tb_running "$TAG" 1
}

@test "fdb: a member claiming h1's MAC is a conflict on h1: never learned or delivered there" {
	local mac=02:00:00:00:00:01
	tb_start "$TAG" 1 -m "$mac"
	tb_start "$TAG" 3
	# h1's MAC is local to h1, and h3 has learned it at h1
	qt_ping 1 10.42.0.3
	tb_start "$TAG" 2 -m "$mac"
	# frames from h1's MAC that h1's TAP receives: there must be none (h2's are all dropped)
	qt_tcpdump 1 in1 qdes0 -Q in ether src "$mac"
	# control: the same capture does see what h3 sends to h1
	qt_tcpdump 1 ctl1 qdes0 -Q in ether src "$(tb_mac "$TAG" 3)"
	# h2 floods ARP and IPv6 from the same MAC
	tb_exec "$TAG" 2 timeout 5 ping -n -c 3 -i 0.2 -W 1 10.42.0.3 >/dev/null || true
	# (a broadcast: h3 now sends h1's unicast MAC to h2, where it saw that MAC last)
	tb_exec "$TAG" 3 timeout 5 ping -n -c 2 -i 0.2 -W 1 10.42.0.99 >/dev/null || true
	n=$(qt_tcpdump_count in1)
	nc=$(qt_tcpdump_count ctl1)
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	echo "h1's TAP received $n frames from its own MAC, $nc from h3's"
	[ "$nc" -gt 0 ]
	[ "$n" -eq 0 ]
	[ "$(qt_counter 1 fdb_conflict)" -gt 0 ]
	tb_fdb "$TAG" 1 | grep -Eq "^$mac netid 42 dev qdes0 local age [0-9]+$"
	# a third member sees the MAC move between the two claimants, as a switch would
	tb_dump "$TAG" 3
	[ "$(qt_counter 3 fdb_moved)" -gt 0 ]
	tb_running "$TAG" 1
}

@test "loopback: two members on one host hear each other and drop their own echoes unlearned" {
	local ns1 c1 c2 extra=() port2 log2
	ns1=$(tb_ns "$TAG" 1)
	tb_addns "$TAG" c1
	tb_addns "$TAG" c2
	c1=$(tb_ns "$TAG" c1)
	c2=$(tb_ns "$TAG" c2)
	read -ra extra <<<"${QDES_TAP_ARGS-}"
	# member A through the test bed, member B beside it in the same host namespace
	tb_start "$TAG" 1 -- -i qdes1 -g 239.1.1.1:5000 -n 42 --netns "$c1" -a 10.42.0.11/24 \
		-m 02:00:00:00:00:11
	tb_bg "$TAG" 1 b "$QDES_TAP" -i qdes2 -g 239.1.1.1:5000 -n 42 --netns "$c2" \
		-a 10.42.0.12/24 -m 02:00:00:00:00:12 --control "$TB/b.ctl" "${extra[@]}"
	log2=$TB/bg-b.out
	tb_wait 5 grep -q 'qdes2: up,' "$log2" || {
		cat "$log2"
		false
	}
	port2=$(sed -nE 's/.*qdes2: up,.*local .*:([0-9]+)$/\1/p' "$log2")
	qt_ping c1 10.42.0.12
	qt_ping c2 10.42.0.11
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	# A's multicast came back to A through the loopback and was dropped as its own
	[ "$(qt_counter 1 drop_self)" -gt 0 ]
	[ "$(qt_counter 1 fdb_conflict)" -eq 0 ]
	tb_fdb "$TAG" 1 | grep -Eq '^02:00:00:00:00:11 netid 42 dev qdes1 local age [0-9]+$'
	tb_fdb "$TAG" 1 | grep -Eq "^02:00:00:00:00:12 netid 42 dst 10.77.0.1:$port2 dynamic age [0-9]+$"
	# A never learned a MAC at its own address and port
	port1=$(tb_port "$TAG" 1)
	if tb_fdb "$TAG" 1 | grep -q "dst 10.77.0.1:$port1 "; then
		false
	fi
	[ -z "$(ip -n "$ns1" -o link show | grep -E 'qdes[12]')" ]
	tb_bg_kill "$TAG" b
	[ "$(cat "$TB/bg-b.rc")" -eq 0 ]
	grep -q 'qdes2: stopped' "$log2"
}

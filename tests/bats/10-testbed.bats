#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 10-testbed.bats - the test bed itself (no daemon): namespaces, underlay, multicast, cleanup

QT_HOSTS=3
load helpers

@test "testbed: hosts have ul0 with 10.77.0.N and fd77::N, routes, rp_filter 0" {
	for i in 1 2 3; do
		ns=$(tb_ns "$TAG" "$i")
		ip -n "$ns" -4 -o addr show dev ul0 | grep -q "inet 10.77.0.$i/24"
		ip -n "$ns" -6 -o addr show dev ul0 | grep -q "inet6 fd77::$i/64"
		ip -n "$ns" route show | grep -q '^224.0.0.0/4 dev ul0'
		ip -n "$ns" route show | grep -q '^default dev ul0'
		[ "$(tb_exec "$TAG" "$i" sysctl -n net.ipv4.conf.all.rp_filter)" = 0 ]
		ip -n "$ns" -o link show lo | grep -q 'UP'
	done
	ip -n "$(tb_ns "$TAG" sw)" -d link show qt-br | grep -q 'mcast_snooping 0'
	ip -n "$(tb_ns "$TAG" sw)" -d link show qt-br | grep -q 'mcast_querier 0'
	# nothing of the test bed in the root namespace
	[ -z "$(ip -o link show | grep 'qt-')" ]
}

@test "testbed: unicast over the underlay, IPv4 and IPv6" {
	tb_exec "$TAG" 1 ping -n -c 1 -W 1 10.77.0.2
	tb_exec "$TAG" 3 ping -n -c 1 -W 1 fd77::1
}

@test "testbed: multicast 239.1.1.1:5000 reaches the other hosts over the bridge" {
	tb_mcast_probe "$TAG" 1 2
	tb_mcast_probe "$TAG" 3 1
}

@test "testbed: tb_destroy removes namespaces, processes and the state directory" {
	tb_bg "$TAG" 2 sleeper sleep 300
	pid=$TB_PID
	kill -0 "$pid"
	tb_destroy "$TAG"
	[ -z "$(ip netns list | grep "^qt-$TAG-")" ]
	[ ! -e "$TB" ]
	if kill -0 "$pid" 2>/dev/null; then false; fi
}

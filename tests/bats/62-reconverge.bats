#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 62-reconverge.bats - a stable MAC for a created TAP, and a member killed and restarted is
# reachable again at once: its MAC is the same, and the kernel announces it when it comes up

QT_HOSTS=3
load helpers

# mac_bits MAC - "2" for a unicast, locally administered MAC (the low two bits of octet one)
mac_bits() { echo $((0x${1%%:*} & 3)); }

@test "reconverge: a TAP qdes-tap creates has a stable MAC of its own, per namespace" {
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	mac1=$(tb_mac "$TAG" 1)
	mac2=$(tb_mac "$TAG" 2)
	[ "$mac1" != "$mac2" ]
	[ "$(mac_bits "$mac1")" -eq 2 ]
	[ "$(mac_bits "$mac2")" -eq 2 ]
	qt_ping 1 10.42.0.2
	# the same at the next start, however it ended
	tb_stop "$TAG" 1
	tb_start "$TAG" 1
	[ "$(tb_mac "$TAG" 1)" = "$mac1" ]
	tb_stop "$TAG" 1 KILL || true
	tb_start "$TAG" 1
	[ "$(tb_mac "$TAG" 1)" = "$mac1" ]
	tb_stop "$TAG" 1
	# another segment or another name is another station
	tb_start "$TAG" 1 -- -i qdes0 -g "$(tb_group "$TAG")" -n 43
	[ "$(tb_mac "$TAG" 1)" != "$mac1" ]
	tb_stop "$TAG" 1
	tb_start "$TAG" 1 -- -i qt-other -g "$(tb_group "$TAG")" -n 42
	[ "$(tb_mac "$TAG" 1 qt-other)" != "$mac1" ]
	tb_stop "$TAG" 1
	# mac = random: the kernel's, new at every start; mac = MAC: that one
	tb_start "$TAG" 1 --mac random
	r1=$(tb_mac "$TAG" 1)
	tb_stop "$TAG" 1
	tb_start "$TAG" 1 --mac random
	r2=$(tb_mac "$TAG" 1)
	[ "$r1" != "$mac1" ] && [ "$r2" != "$mac1" ] && [ "$r1" != "$r2" ]
	tb_stop "$TAG" 1
	tb_start "$TAG" 1 --mac 02:00:00:00:62:01
	[ "$(tb_mac "$TAG" 1)" = 02:00:00:00:62:01 ]
}

@test "reconverge: a TAP that exists keeps its MAC; the kernel announces the addresses" {
	ns=$(tb_ns "$TAG" 1)
	ip -n "$ns" tuntap add dev qdes0 mode tap
	ip -n "$ns" link set qdes0 address 02:00:00:00:62:07
	tb_start "$TAG" 1
	[ "$(tb_mac "$TAG" 1)" = 02:00:00:00:62:07 ]
	[ "$(tb_exec "$TAG" 1 cat /proc/sys/net/ipv4/conf/qdes0/arp_notify)" = 1 ]
	[ "$(tb_exec "$TAG" 1 cat /proc/sys/net/ipv6/conf/qdes0/ndisc_notify)" = 1 ]
	tb_stop "$TAG" 1
	ip -n "$ns" link del qdes0
}

# kill_restart MACOPT... - h2 and h3 know h1; h1 is SIGKILLed and started again (with the
# options given); prints the milliseconds from h1's restart to a reply to h2's and then h3's
# pings, and from h1 being up to them, and fails beyond 3 s after up
kill_restart()
{
	local t0 tup i ms=()
	for i in 1 2 3; do
		tb_start "$TAG" "$i" "$@"
	done
	qt_ping 2 10.42.0.1
	qt_ping 3 10.42.0.1
	qt_ping 2 fd42::1
	tb_stop "$TAG" 1 KILL || true
	t0=$EPOCHREALTIME
	tb_start "$TAG" 1 "$@"
	tup=$EPOCHREALTIME
	for i in 2 3; do
		tb_wait 10 tb_exec "$TAG" "$i" timeout 2 ping -n -q -c 1 -W 0.1 10.42.0.1 >/dev/null
		ms+=("$(ms_since "$tup")")
	done
	tb_wait 10 tb_exec "$TAG" 2 timeout 2 ping -n -q -c 1 -W 0.1 fd42::1 >/dev/null
	ms+=("$(ms_since "$tup")")
	echo "# reconverge $*: up $(((${tup/./} - ${t0/./}) / 1000)) ms after the restart;" \
		"h2 ${ms[0]} ms, h3 ${ms[1]} ms, h2 over IPv6 ${ms[2]} ms after up" >&3
	for i in 0 1 2; do
		[ "${ms[i]}" -le 3000 ]
	done
}

@test "reconverge: SIGKILL and restart with the default MAC: reachable again at once" {
	kill_restart
}

@test "reconverge: SIGKILL and restart with mac = random: the announcement moves the caches" {
	kill_restart --mac random
	# h2's neighbour entry for h1 is the new MAC, not the one before the restart
	tb_exec "$TAG" 2 ip neigh show 10.42.0.1 dev qdes0 | grep -q "lladdr $(tb_mac "$TAG" 1) "
}

@test "reconverge: a member killed: its old port's ICMP port unreachable flushes its MACs" {
	qt_start_all 2
	qt_gone_member 10.42.0.2
}

@test "reconverge: the same with workers = 2 (the ICMP error may reach either worker's socket)" {
	qt_start_all 2 --workers 2
	qt_gone_member 10.42.0.2
}

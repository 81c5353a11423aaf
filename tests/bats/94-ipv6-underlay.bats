#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 94-ipv6-underlay.bats - the segment's checks (ping, transfer, containment, isolation) over an
# underlay that has IPv6 only: the test bed's IPv4 addresses and routes are removed from ul0.
# Group [ff15::4242]:5000 (site-local scope), and the link-local group ff02::4242 with its scope
# given in the address (%ul0) or by --dev ul0. Segment MTU 1500 - 40 - 8 - 8 - 14 = 1430.

QT_HOSTS=3
QT_BED_ARGS=(--ipv6)
load helpers

setup()
{
	qt_test_setup || return 1
	local i ns
	for i in 1 2 3; do
		ns=$(tb_ns "$TAG" "$i")
		ip -n "$ns" -4 route flush dev ul0 || return 1
		ip -n "$ns" -4 addr flush dev ul0 || return 1
		[ -z "$(ip -n "$ns" -4 -o addr show dev ul0)" ] || return 1
	done
}

# check_segment - every host pings every other, 50 MiB h1 -> h2 intact; learnt at fd77::N
check_segment()
{
	local i j mac2
	for i in 1 2 3; do
		for j in 1 2 3; do
			((i == j)) && continue
			qt_ping "$i" "10.42.0.$j" || return 1
			qt_ping "$i" "fd42::$j" || return 1
		done
	done
	qt_randfile data 50M
	qt_transfer 1 2 >/dev/null || return 1
	tb_dump "$TAG" 1 || return 1
	[ "$(qt_counter 1 udp_tx_errors)" -eq 0 ] || return 1
	[ "$(qt_counter 1 drop_offload)" -eq 0 ] || return 1
}

@test "ipv6 underlay: start line, MTU 1430, ping all pairs, 50 MiB intact" {
	qt_start_all 3
	for i in 1 2 3; do
		grep -Eq "qdes0: up, mtu 1430, network 42, group \[ff15::4242\]:5000, local \[::\]:[0-9]+$" \
			"$TB/h$i.log"
		ip -n "$(tb_ns "$TAG" "$i")" -o link show qdes0 | grep -q 'mtu 1430'
	done
	check_segment
	# h1 learnt h2's MAC at h2's IPv6 underlay address and port
	mac2=$(tb_mac "$TAG" 2)
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 42 dst \[fd77::2\]:$(tb_port "$TAG" 2) dynamic age [0-9]+$"
}

@test "ipv6 underlay: containment: h1 -> h2 transfer: nothing on h3's qdes0, < 1% on h3's ul0" {
	qt_start_all 3
	qt_containment "over IPv6"
}

@test "ipv6 underlay: isolation: network 43 on the same group is a separate segment" {
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	tb_start "$TAG" 3 -n 43
	qt_isolation
}

@test "ipv6 underlay: a member killed: its old port's ICMPv6 port unreachable flushes its MACs" {
	qt_start_all 2
	qt_gone_member 10.42.0.2
}

@test "ipv6 underlay: link-local group [ff02::4242%ul0]:5000" {
	qt_start_all 3 -g '[ff02::4242%ul0]:5000'
	grep -Eq "qdes0: up, mtu 1430, network 42, group \[ff02::4242\]:5000, " "$TB/h1.log"
	check_segment
}

@test "ipv6 underlay: link-local group [ff02::4242]:5000 with --dev ul0" {
	qt_start_all 3 -g '[ff02::4242]:5000' --dev ul0
	grep -Eq "qdes0: up, mtu 1430, network 42, group \[ff02::4242\]:5000, " "$TB/h1.log"
	check_segment
}

@test "ipv6 underlay: peers without a group ([fd77::N]:5000)" {
	local i j peers
	for i in 1 2 3; do
		peers=()
		for j in 1 2 3; do
			((i == j)) || peers+=(--peer "[fd77::$j]:5000")
		done
		tb_start "$TAG" "$i" -- -i qdes0 -n 42 -a "10.42.0.$i/24" -a "fd42::$i/64" \
			--port 5000 "${peers[@]}"
	done
	grep -Eq "qdes0: up, mtu 1430, network 42, group none, 2 peers, local \[::\]:5000$" "$TB/h1.log"
	check_segment
	tb_ctl "$TAG" 1 peer show | grep -Eqx 'peer \[fd77::3\]:5000 macs [0-9]+'
	tb_dump_log "$TAG" 1
	grep -qx "qdes-tap: fdb 00:00:00:00:00:00 netid 42 dst \[fd77::3\]:5000 static" \
		<<<"$(tb__since "$TAG" 1 dump)"
}

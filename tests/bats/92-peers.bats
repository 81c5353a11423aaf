#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 92-peers.bats - an underlay without multicast: the switch namespace's bridge floods no multicast
# to its ports (bridge link ... mcast_flood off; broadcast, so ARP of the underlay, still passes),
# and each member lists the two others with --peer and listens on a fixed --port

QT_HOSTS=3
load helpers

PEER_PORT=5000

setup()
{
	qt_test_setup || return 1
	local i sw
	sw=$(tb_ns "$TAG" sw)
	for i in 1 2 3; do
		ip -n "$sw" link set dev "qt-p$i" type bridge_slave mcast_flood off || return 1
	done
}

# start_peer I [ARGS...] - member I without a group, the two others as peers, plus ARGS
start_peer()
{
	local i=$1 j peers=()
	shift
	for j in 1 2 3; do
		((j == i)) || peers+=(--peer "10.77.0.$j:$PEER_PORT")
	done
	tb_start "$TAG" "$i" -- -i qdes0 -n 42 -a "10.42.0.$i/24" -a "fd42::$i/64" \
		--port "$PEER_PORT" "${peers[@]}" "$@"
}

start_peers()
{
	local i
	for i in 1 2 3; do
		start_peer "$i" || return 1
	done
}

@test "peers: control: with the group alone, multicast is dropped and nobody pings" {
	qt_start_all 3 --port 5001
	qt_noping 1 10.42.0.2
	qt_noping 2 10.42.0.3
	tb_dump "$TAG" 2
	# nothing arrived from the others (only our own multicast loopback)
	if tb_fdb "$TAG" 2 | grep -q " dst "; then
		tb_fdb "$TAG" 2
		false
	fi
	[ "$(qt_counter 2 udp_rx_datagrams)" -eq "$(qt_counter 2 drop_self)" ]
}

@test "peers: without a group, start line and every host pings every other" {
	start_peers
	for i in 1 2 3; do
		grep -Eq "qdes-tap: qdes0: up, mtu 1450, network 42, group none, 2 peers, local 0.0.0.0:$PEER_PORT$" \
			"$TB/h$i.log"
		# no multicast socket: one UDP socket, on the port
		pid=$(tb_pid "$TAG" "$i")
		[ "$(tb_exec "$TAG" "$i" ss -Hunap | grep -c "pid=$pid,")" -eq 1 ]
	done
	for i in 1 2 3; do
		for j in 1 2 3; do
			((i == j)) && continue
			qt_ping "$i" "10.42.0.$j"
			qt_ping "$i" "fd42::$j"
		done
	done
}

@test "peers: 50 MiB TCP transfer h1 -> h2 arrives intact" {
	start_peers
	qt_bulk "over peers"
}

@test "peers: flooded TCP super-frames are segmented once and reach every peer intact" {
	# h1's FDB holds only its own MAC: it learns nobody, so it floods everything it sends
	start_peer 1 --max-entries 1
	start_peer 2
	start_peer 3
	qt_ping 1 10.42.0.2
	qt_randfile data 5M
	tb_dump "$TAG" 1
	f0=$(qt_counter 1 tx_flood)
	rx3=$(tb_rx_bytes "$TAG" 3)
	tb_tcp_send "$TAG" 1 2 10.42.0.2 "$TB/data" "$TB/recv" 7000 30
	rx3=$(($(tb_rx_bytes "$TAG" 3) - rx3))
	[ "$(qt_sha "$TB/data")" = "$(qt_sha "$TB/recv")" ]
	tb_dump "$TAG" 1
	echo "h1 tx_flood +$(($(qt_counter 1 tx_flood) - f0)), tap_rx_gso $(qt_counter 1 tap_rx_gso)," \
		"h3 ul0 rx $rx3 bytes"
	[ $(($(qt_counter 1 tx_flood) - f0)) -gt 50 ]
	[ "$(qt_counter 1 fdb_full)" -gt 0 ]
	[ "$(qt_counter 1 drop_offload)" -eq 0 ]
	[ "$(qt_counter 1 udp_tx_errors)" -eq 0 ]
	# the replica reached h3 as well
	[ "$rx3" -gt $((5 * 1024 * 1024)) ]
}

@test "peers: containment: h1 -> h2 transfer: nothing on h3's qdes0, < 1% on h3's ul0" {
	start_peers
	qt_containment "over peers"
}

@test "peers: isolation: network 43 among the same peers is a separate segment" {
	start_peer 1
	start_peer 2
	start_peer 3 -n 43
	grep -q "qdes0: up, mtu 1450, network 43, group none, 2 peers" "$TB/h3.log"
	qt_isolation
}

@test "peers: the FDB dump lists the flood list as static all-zero entries" {
	start_peers
	qt_ping 1 10.42.0.2
	tb_dump_log "$TAG" 1
	dump=$(tb__since "$TAG" 1 dump)
	echo "$dump"
	grep -qx "qdes-tap: fdb 00:00:00:00:00:00 netid 42 dst 10.77.0.2:$PEER_PORT static" <<<"$dump"
	grep -qx "qdes-tap: fdb 00:00:00:00:00:00 netid 42 dst 10.77.0.3:$PEER_PORT static" <<<"$dump"
	[ "$(grep -c 'fdb 00:00:00:00:00:00' <<<"$dump")" -eq 2 ]
	# the learned entry is as before
	mac2=$(tb_mac "$TAG" 2)
	grep -Eqx "qdes-tap: fdb $mac2 netid 42 dst 10.77.0.2:$PEER_PORT dynamic age [0-9]+" <<<"$dump"
	# and the entry count counts MACs only
	n=$(grep -cE '^qdes-tap: fdb ([0-9a-f]{2}:){5}[0-9a-f]{2} ' <<<"$dump")
	grep -qx "qdes-tap: fdb qdes0: $((n - 2)) entries (max 65536)" <<<"$dump"
}

@test "peers: the leave notice goes to every peer" {
	start_peers
	qt_ping 1 10.42.0.2
	qt_ping 3 10.42.0.1
	mac1=$(tb_mac "$TAG" 1)
	tb_dump "$TAG" 2
	tb_fdb "$TAG" 2 | grep -q "^$mac1 netid 42 dst 10.77.0.1:$PEER_PORT dynamic"
	tb_stop "$TAG" 1
	for i in 2 3; do
		tb_dump "$TAG" "$i"
		[ "$(qt_counter "$i" leave_rx)" -eq 1 ]
		if tb_fdb "$TAG" "$i" | grep -q "^$mac1 "; then
			tb_fdb "$TAG" "$i"
			false
		fi
	done
}

@test "peers: one ini file (peer = a list) for every member: a member leaves itself out" {
	printf '[qdes0]\nnetwork_id = 42\nport = %s\npeer = %s, %s %s\n' "$PEER_PORT" \
		"10.77.0.1:$PEER_PORT" "10.77.0.2:$PEER_PORT" "10.77.0.3:$PEER_PORT" >"$TB/seg.ini"
	for i in 1 2 3; do
		tb_start "$TAG" "$i" -- -c "$TB/seg.ini" -i qdes0 -a "10.42.0.$i/24"
	done
	grep -q "group none, 3 peers" "$TB/h1.log"
	for i in 1 2 3; do
		for j in 1 2 3; do
			((i == j)) || qt_ping "$i" "10.42.0.$j"
		done
	done
	tb_dump_log "$TAG" 2
	dump=$(tb__since "$TAG" 2 dump)
	[ "$(grep -c 'fdb 00:00:00:00:00:00' <<<"$dump")" -eq 2 ]
	if grep -q "fdb 00:00:00:00:00:00 netid 42 dst 10.77.0.2:" <<<"$dump"; then
		echo "$dump"
		false
	fi
	[ "$(qt_counter 2 fdb_conflict)" -eq 0 ]
	[ "$(qt_counter 2 drop_self)" -eq 0 ]
}

@test "peers: a missing --port without a group is a one-line usage error" {
	run --separate-stderr "$QDES_TAP" -n 42 --peer 10.77.0.2:5000
	[ "$status" -eq 2 ]
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[[ $stderr == "qdes-tap: missing --port"* ]]
}

@test "peers: with --workers 2, every worker replicates floods" {
	for i in 1 2 3; do
		start_peer "$i" --workers 2
	done
	for i in 1 2 3; do
		for j in 1 2 3; do
			((i == j)) || qt_ping "$i" "10.42.0.$j"
		done
	done
	qt_randfile data 20M
	qt_transfer 1 2 >/dev/null
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 65-workers.bats - several worker threads (multi-queue TAP, SO_REUSEPORT sockets, shared FDB)
# behave as one member: same segment, same containment, counters summed, clean stop

QT_HOSTS=3
load helpers

@test "workers: --workers 2 makes a multi-queue TAP; ping and 50 MiB both ways arrive intact" {
	tb_start "$TAG" 1 --workers 2
	tb_start "$TAG" 2 --workers 2
	tb_start "$TAG" 3
	grep -q 'qdes0: up, mtu 1450, .*, 2 workers$' "$TB/h1.log"
	ip -n "$(tb_ns "$TAG" 1)" -d link show qdes0 | grep -q 'multi_queue'
	qt_ping 1 10.42.0.2
	qt_ping 3 10.42.0.1
	qt_ping 2 fd42::3
	qt_randfile data 50M
	qt_transfer 1 2 >/dev/null
	qt_transfer 2 1 >/dev/null
}

@test "workers: four parallel transfers spread over the queues stay intact and contained" {
	local p pids=() rx3
	tb_start "$TAG" 1 --workers 2
	tb_start "$TAG" 2 --workers 2
	tb_start "$TAG" 3
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_randfile data 20M
	rx3=$(tb_rx_bytes "$TAG" 3)
	for p in 1 2 3 4; do
		tb_tcp_send "$TAG" 1 2 10.42.0.2 "$TB/data" "$TB/recv$p" $((7100 + p)) 60 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	rx3=$(($(tb_rx_bytes "$TAG" 3) - rx3))
	for p in 1 2 3 4; do
		[ "$(qt_sha "$TB/data")" = "$(qt_sha "$TB/recv$p")" ]
	done
	echo "h3 underlay received $rx3 bytes during 80 MiB of h1 -> h2"
	[ "$rx3" -lt $((800 * 1024)) ]
	# the counters of both workers add up in one dump, the FDB is shared
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 udp_rx_datagrams)" -gt 10000 ]
	tb_fdb "$TAG" 2 | grep -Eq "^$(tb_mac "$TAG" 1) netid 42 dst 10.77.0.1:$(tb_port "$TAG" 1) dynamic"
}

@test "workers: stop is clean (status 0, leave notice, created TAP removed)" {
	tb_start "$TAG" 1 --workers 3
	tb_start "$TAG" 2
	qt_ping 2 10.42.0.1
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h1.log"
	run ! ip -n "$(tb_ns "$TAG" 1)" link show qdes0
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 leave_rx)" -ge 1 ]
}

@test "workers: a persistent TAP without multi_queue is refused with a clear message, exit 1" {
	local ns1
	ns1=$(tb_ns "$TAG" 1)
	ip -n "$ns1" tuntap add mode tap name qdes0
	run ip netns exec "$ns1" timeout 10 "$QDES_TAP" -i qdes0 -g 239.1.1.1:5000 -n 42 --workers 2 \
		--control none
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "qdes-tap: qdes0: exists and is not a multi-queue TAP device" ]
	ip -n "$ns1" -d link show qdes0 | grep -q 'tun type tap'
}

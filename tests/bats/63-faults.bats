#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 63-faults.bats - faults a running member survives: its underlay link down and up, its underlay
# address removed and added again, the daemon stopped for seconds, a broadcast storm from another
# member; and the one it does not, its TAP deleted (exit 1, one line). Each prints how long
# until traffic is back.

QT_HOSTS=3
load helpers

# back_after WHAT NODE DST - NODE's ping of DST is answered within 20 s; print the time since T0
back_after()
{
	tb_wait 20 tb_exec "$TAG" "$2" timeout 2 ping -n -q -c 1 -W 0.2 "$3" >/dev/null || {
		echo "$1: h$2 cannot reach $3 after 20 s" >&2
		return 1
	}
	echo "# faults: $1: h$2 -> $3 back $(ms_since "$T0") ms after" >&3
}

# routes NS - the routes the test bed gave ul0 besides its subnet's, as a host's network
# configuration puts them back when the link or its address returns (the kernel drops them)
routes()
{
	ip -n "$1" route replace 224.0.0.0/4 dev ul0 &&
		ip -n "$1" route replace default dev ul0
}

# both_ways WHAT - h1 and h2 reach each other again, and h1 still floods (h3 learns a new MAC)
both_ways()
{
	back_after "$1" 1 10.42.0.2 || return 1
	back_after "$1" 2 10.42.0.1 || return 1
	tb_exec "$TAG" 1 ip neigh flush dev qdes0
	tb_exec "$TAG" 3 ip neigh flush dev qdes0
	qt_ping 3 10.42.0.1 || return 1
	tb_running "$TAG" 1
}

@test "faults: the underlay link goes down for 2 s and comes back" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	ns=$(tb_ns "$TAG" 1)
	ip -n "$ns" link set ul0 down
	qt_noping 2 10.42.0.1
	sleep 1
	ip -n "$ns" link set ul0 up
	routes "$ns"
	T0=$EPOCHREALTIME
	both_ways "underlay link down and up"
}

@test "faults: the underlay address is removed and added again" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	ns=$(tb_ns "$TAG" 1)
	ip -n "$ns" addr del 10.77.0.1/24 dev ul0
	qt_noping 1 10.42.0.2
	ip -n "$ns" addr add 10.77.0.1/24 dev ul0
	routes "$ns"
	T0=$EPOCHREALTIME
	both_ways "underlay address removed and re-added"
}

@test "faults: the daemon stopped (SIGSTOP) for 3 s while pinged, then continued" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	kill -STOP "$(tb_pid "$TAG" 1)"
	tb_exec "$TAG" 2 timeout 4 ping -n -q -i 0.01 -c 300 10.42.0.1 >/dev/null || true
	kill -CONT "$(tb_pid "$TAG" 1)"
	T0=$EPOCHREALTIME
	both_ways "SIGSTOP for 3 s"
}

# storm NODE SECONDS - broadcast frames as fast as NODE's qdes0 takes them, from one MAC
storm()
{
	tb_bg "$TAG" "$1" storm timeout "$2" python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("qdes0", 0))
f = b"\xff" * 6 + bytes.fromhex("020000006303") + b"\x88\xb5" + b"qt-storm".ljust(46, b".")
while True:
    try:
        s.send(f)
    except BlockingIOError:
        pass
    except OSError:
        pass
'
}

@test "faults: a broadcast storm from another member: the others still talk, and at once after" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	tb_dump "$TAG" 1
	before=$(qt_counter 1 tap_tx_frames)
	storm 3 6
	sleep 1
	# during the storm: h1 and h2 still answer each other
	out=$(tb_exec "$TAG" 1 timeout 6 ping -n -q -i 0.1 -c 30 -W 1 10.42.0.2 || true)
	loss=$(sed -nE 's/.* ([0-9.]+)% packet loss.*/\1/p' <<<"$out")
	tb_dump "$TAG" 1
	storm_frames=$(($(qt_counter 1 tap_tx_frames) - before))
	echo "# faults: broadcast storm: h1 wrote $storm_frames frames to its TAP, ping h1 -> h2 lost $loss%" >&3
	[ "$storm_frames" -gt 10000 ]
	[ -n "$loss" ] && [ "${loss%.*}" -le 50 ]
	tb_bg_wait "$TAG" storm 10 || true
	T0=$EPOCHREALTIME
	both_ways "after a broadcast storm"
	tb_running "$TAG" 2
	tb_running "$TAG" 3
}

@test "faults: the TAP deleted under a running daemon: exit 1 with one line, the others go on" {
	qt_start_all 3
	qt_ping 1 10.42.0.2
	tb_exec "$TAG" 1 ip link del qdes0
	tb_wait 10 test -s "$(tb_dir "$TAG")/h1.rc"
	[ "$(cat "$(tb_dir "$TAG")/h1.rc")" -eq 1 ]
	grep -Fx 'qdes-tap: qdes0: tap failed: the interface was deleted' "$TB/h1.log"
	qt_ping 2 10.42.0.3
}

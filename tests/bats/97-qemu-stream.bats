#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 97-qemu-stream.bats - QEMU guests on qdes-tap's stream socket (-netdev stream), with and
# without a TAP, against real QEMU guests
#
# h1: qdes-tap with --qemu-socket; two guests (10.42.0.11, .12) connect to it
# h2: a plain qdes-tap member, 10.42.0.2/24

QT_HOSTS=2
load helpers
load qemu

setup()
{
	qt_test_setup || return 1
	SOCK_DIR=$TB/qs
	mkdir -p "$SOCK_DIR"
	SOCK=$SOCK_DIR/guests.sock
}

# guest NAME N [RUN-OPTIONS...] - a guest 10.42.0.N on h1's socket, MTU of the segment
guest()
{
	local name=$1 n=$2
	shift 2
	qt_guest_start "$TAG" 1 "$name" --ip "10.42.0.$n/24" --mtu 1450 "$@" -- \
		"stream,server=off,addr.type=unix,addr.path=$SOCK"
}

@test "stream: -i none as nobody: two guests and a member on another host ping; guest traffic stays local" {
	local blob got rx1
	qt_qemu_require
	# no privileges at all: an unprivileged user, no capabilities, no TAP
	chown 65534 "$SOCK_DIR"
	TB_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all" \
		tb_start "$TAG" 1 -- -i none --qemu-socket "$SOCK" -g 239.1.1.1:5000 -n 42
	grep -q "none: up, mtu 1450, network 42, group 239.1.1.1:5000, local .*, qemu socket $SOCK" "$TB/h1.log"
	[ "$(stat -c %u "$SOCK")" -eq 65534 ]
	[ "$(ps -o uid= -p "$(tb_pid "$TAG" 1)" | tr -d ' ')" -eq 65534 ]
	tb_start "$TAG" 2

	guest ga 11 --ping 10.42.0.2
	echo "guest A up after $QT_GUEST_UP s"
	# B copies A's blob: guest to guest, through qdes-tap's switch only
	rx1=$(tb_rx_bytes "$TAG" 2)
	guest gb 12 --ping 10.42.0.11 --fetch 10.42.0.11
	echo "guest B up after $QT_GUEST_UP s"
	qt_guest_wait "$TAG" ga '^qt-guest: ping 10.42.0.2 (ok|fail)$' | grep -q ' ok$'
	qt_guest_wait "$TAG" gb '^qt-guest: ping 10.42.0.11 (ok|fail)$' | grep -q ' ok$'
	blob=$(qt_guest_wait "$TAG" ga '^qt-guest: blob sha256 ' | awk '{ print $4 }')
	got=$(qt_guest_wait "$TAG" gb '^qt-guest: fetch 10.42.0.11 ' 90)
	echo "$got"
	[ "$got" = "qt-guest: fetch 10.42.0.11 sha256 $blob bytes 4194304" ]
	# 4 MiB went from A to B; h2's underlay got only floods (ARP) and the pings
	rx1=$(($(tb_rx_bytes "$TAG" 2) - rx1))
	echo "h2 underlay received $rx1 bytes during the guest-to-guest copy"
	[ "$rx1" -lt 200000 ]

	qt_ping 2 10.42.0.11
	qt_ping 2 10.42.0.12

	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	tb_fdb "$TAG" 1 | grep -Eq '^52:54:00:2a:00:0b netid 42 dev qemu1 local age'
	tb_fdb "$TAG" 1 | grep -Eq '^52:54:00:2a:00:0c netid 42 dev qemu2 local age'
	[ "$(qt_counter 1 qemu_connected)" -eq 2 ]
	[ "$(qt_counter 1 qemu_tx_errors)" -eq 0 ]
	[ "$(qt_counter 1 qemu_rx_frames)" -gt 2000 ]
	grep -Eq "guest qemu1 connected \(pid [0-9]+\)" "$TB/h1.log"

	# A goes away: its port and MAC with it; B and the member carry on
	qt_guest_stop "$TAG" ga
	tb_wait 5 grep -q 'guest qemu1 disconnected: closed by the guest; 1 fdb entries flushed' "$TB/h1.log"
	tb_dump "$TAG" 1
	qt_fdb_lacks 1 '^52:54:00:2a:00:0b '
	[ "$(qt_counter 1 qemu_disconnected)" -eq 1 ]
	qt_noping 2 10.42.0.11
	qt_ping 2 10.42.0.12

	# a clean stop removes the socket file
	tb_stop "$TAG" 1
	[ ! -e "$SOCK" ]
}

@test "stream: guests next to a TAP: TCP both ways with the host (TSO super-frames cut for the guest)" {
	local blob rx
	qt_qemu_require
	tb_start "$TAG" 1 --qemu-socket "$SOCK"
	tb_start "$TAG" 2
	guest ga 11 --ping 10.42.0.1
	qt_guest_wait "$TAG" ga '^qt-guest: ping 10.42.0.1 (ok|fail)$' | grep -q ' ok$'
	qt_ping 1 10.42.0.11
	qt_ping 2 10.42.0.11

	# host -> guest: with offloads the TAP hands over 64 KiB super-frames
	qt_randfile data 4M
	tb_exec "$TAG" 1 timeout 60 socat -u "OPEN:$TB/data" TCP:10.42.0.11:7002,connect-timeout=5
	rx=$(qt_guest_wait "$TAG" ga '^qt-guest: rx sha256 ' 60)
	[ "$rx" = "qt-guest: rx sha256 $(qt_sha "$TB/data") bytes 4194304" ]
	# guest -> the member on the other host, over the segment
	blob=$(qt_guest_wait "$TAG" ga '^qt-guest: blob sha256 ' | awk '{ print $4 }')
	tb_exec "$TAG" 2 timeout 60 socat -u TCP:10.42.0.11:7001,connect-timeout=5 "OPEN:$TB/blob,creat,trunc"
	[ "$(qt_sha "$TB/blob")" = "$blob" ]

	tb_dump "$TAG" 1
	[ "$(qt_counter 1 qemu_tx_errors)" -eq 0 ]
	[ "$(qt_counter 1 drop_oversize)" -eq 0 ]
	[ "$(qt_counter 1 drop_offload)" -eq 0 ]
	[ "$(qt_counter 1 tx_unicast)" -gt 1000 ]
}

@test "stream: --workers 2: guests are every worker's ports; eight flows both ways arrive intact" {
	local blob h i n
	qt_qemu_require
	tb_start "$TAG" 1 --workers 2 --qemu-socket "$SOCK"
	tb_start "$TAG" 2 --workers 2
	grep -q "qdes0: up, mtu 1450, .*, 2 workers, qemu socket $SOCK" "$TB/h1.log"
	guest ga 11 --ping 10.42.0.1
	qt_guest_wait "$TAG" ga '^qt-guest: ping 10.42.0.1 (ok|fail)$' | grep -q ' ok$'
	qt_ping 1 10.42.0.11
	qt_ping 2 10.42.0.11

	# Eight flows, each on its own hash, so that both TAP queues and (by chance) both sockets of
	# h1 carry some: four from h1's TAP, four from h2 over the segment, each fetching the
	# guest's blob. One after another: the guest's busybox nc -ll loses connections that
	# arrive while it serves one (with any qdes-tap, seen with 0.1.0 and one worker too)
	blob=$(qt_guest_wait "$TAG" ga '^qt-guest: blob sha256 ' | awk '{ print $4 }')
	for i in 1 2 3 4; do
		for h in 1 2; do
			tb_exec "$TAG" "$h" timeout 60 socat -u TCP:10.42.0.11:7001,connect-timeout=5 \
				"OPEN:$TB/b$h-$i,creat,trunc"
			[ "$(qt_sha "$TB/b$h-$i")" = "$blob" ]
		done
	done

	# ... and towards the guest: four flows from h1's TAP, super-frames cut for the guest
	qt_randfile data 1M
	for i in 1 2 3 4; do
		tb_exec "$TAG" 1 timeout 60 socat -u "OPEN:$TB/data" \
			TCP:10.42.0.11:7002,connect-timeout=5
		tb_wait 60 bash -c '[ "$(grep -c "^qt-guest: rx sha256 $1 bytes 1048576" \
			< <(tr -d "\r" <"$2"))" -eq "$3" ]' _ "$(qt_sha "$TB/data")" \
			"$(qt__guest_base "$TAG" ga).out" "$i"
	done

	tb_dump "$TAG" 1
	[ "$(qt_counter 1 qemu_connected)" -eq 1 ]
	[ "$(qt_counter 1 drop_offload)" -eq 0 ]
	n=$(qt_counter 1 qemu_tx_frames)
	echo "h1 sent $n frames to the guest"
	[ "$n" -gt 4000 ]
	tb_stop "$TAG" 1
	[ ! -e "$SOCK" ]
}

@test "stream: socket errors: in use, not a socket, stale file replaced; broken framing disconnects" {
	tb_start "$TAG" 1 --qemu-socket "$SOCK"
	# a second daemon on the same path: one line, exit 1
	run --separate-stderr tb_exec "$TAG" 2 "$QDES_TAP" -i none --qemu-socket "$SOCK" -g 239.1.1.1:5000 -n 42 --control none
	[ "$status" -eq 1 ]
	[[ $stderr == *"qdes-tap: qemu socket $SOCK: in use by pid $(tb_pid "$TAG" 1)" ]]
	run --separate-stderr "$QDES_TAP" -i none --qemu-socket "$TB" -g 239.1.1.1:5000 -n 42 --control none
	[ "$status" -eq 1 ]
	[[ $stderr == *"qdes-tap: qemu socket $TB: exists and is not a socket" ]]

	# a guest that sends a length no NIC would: disconnected, the daemon carries on
	tb_exec "$TAG" 1 "$TB_PY" -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", 1 << 20))
s.settimeout(5)
assert s.recv(1) == b""
' "$SOCK"
	tb_wait 5 grep -Eq "guest qemu[0-9]+ disconnected: frame length 1048576: not QEMU's framing" "$TB/h1.log"
	tb_running "$TAG" 1

	# killed without a clean stop, the socket file stays; the next start replaces it
	tb_stop "$TAG" 1 KILL || true
	[ -S "$SOCK" ]
	tb_start "$TAG" 1 --qemu-socket "$SOCK"
	tb_stop "$TAG" 1
	[ ! -e "$SOCK" ]
}

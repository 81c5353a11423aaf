#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 93-sealed.bats - sealed segments (key=): members with the key talk, in ciphertext only; members
# without it, or with another, hear nothing; replays, altered datagrams and forged leave notices
# are dropped and counted; keys rotate under a running ping; key files are checked

QT_HOSTS=3
load helpers

SEALTOOL="$REPO/tests/tools/sealtool.py"

# newkey NAME - a key file $TB/NAME.key, mode 0600
newkey()
{
	(umask 077 && "$QDES_TAP" genkey >"$TB/$1.key")
}

# capture_dgrams I - host I's kernel segments its UDP GSO sends itself, so that a capture on the
# underlay holds one datagram per packet (the daemon's sending path is unchanged)
capture_dgrams()
{
	tb_exec "$TAG" "$1" ethtool -K ul0 tx-udp-segmentation off
}

# start_sealed I KEY [ARGS...] - member I sealed with $TB/KEY.key
start_sealed()
{
	local i=$1 k=$2
	shift 2
	tb_start "$TAG" "$i" --key "$TB/$k.key" "$@"
}

@test "sealed: genkey writes one base64 key of 32 bytes, a new one each time" {
	run "$QDES_TAP" genkey
	[ "$status" -eq 0 ]
	[[ $output =~ ^[A-Za-z0-9+/]{43}=$ ]]
	[ "$(base64 -d <<<"$output" | wc -c)" -eq 32 ]
	first=$output
	run "$QDES_TAP" genkey
	[ "$output" != "$first" ]
	run "$QDES_TAP" genkey extra
	[ "$status" -eq 2 ]
	[[ $output == *"takes no arguments"* ]]
}

@test "sealed: a key file readable by others, not a key, or missing is refused (exit 2, nothing opened)" {
	newkey a
	chmod 644 "$TB/a.key"
	run tb_exec "$TAG" 1 "$QDES_TAP" -i qt-sk0 -g 239.1.1.1:5000 -n 42 --key "$TB/a.key" -S none
	[ "$status" -eq 2 ]
	[[ $output == *"key file $TB/a.key: readable by group or others (mode 0644): chmod 600 it"* ]]
	run tb_exec "$TAG" 1 ip link show qt-sk0
	[ "$status" -ne 0 ]
	echo "not a key" >"$TB/b.key"
	chmod 600 "$TB/b.key"
	run tb_exec "$TAG" 1 "$QDES_TAP" -i qt-sk0 -g 239.1.1.1:5000 -n 42 --key "$TB/b.key" -S none
	[ "$status" -eq 2 ]
	[[ $output == *"key file $TB/b.key: not a key"* ]]
	run tb_exec "$TAG" 1 "$QDES_TAP" -i qt-sk0 -g 239.1.1.1:5000 -n 42 --key "$TB/none.key" -S none
	[ "$status" -eq 2 ]
	[[ $output == *"key file $TB/none.key: No such file or directory"* ]]
	chmod 600 "$TB/a.key"
	run tb_exec "$TAG" 1 "$QDES_TAP" -i qt-sk0 -g 239.1.1.1:5000 -n 42 --encap vxlan --key "$TB/a.key" -S none
	[ "$status" -eq 2 ]
	[[ $output == *"not with encap vxlan"* ]]
	run tb_exec "$TAG" 1 "$QDES_TAP" -i qt-sk0 -g 239.1.1.1:5000 -n 42 --key-next "$TB/a.key" -S none
	[ "$status" -eq 2 ]
	[[ $output == *"needs a key"* ]]
	run tb_exec "$TAG" 1 ip link show qt-sk0
	[ "$status" -ne 0 ]
}

@test "sealed: two members ping and carry 50 MiB intact; the underlay never shows the payload" {
	newkey k
	start_sealed 1 k
	start_sealed 2 k
	grep -q "up, mtu 1418, network 42, sealed (key id" "$TB/h1.log"
	qt_ping 1 10.42.0.2
	# the payload repeats a marker; a capture of the underlay must not contain it
	python3 -c '
import os, sys
with open(sys.argv[1], "wb") as f:
    for _ in range(50 * 1024):
        f.write(b"QT-SEALED-MARKER" + os.urandom(1008))' "$TB/data"
	grep -qa QT-SEALED-MARKER "$TB/data"
	capture_dgrams 1
	qt_tcpdump 2 ul2 ul0 -B 32768 udp
	secs=$(qt_transfer 1 2)
	tb_bg_kill "$TAG" ul2 INT
	echo "# sealed: 50 MiB in $secs s" >&3
	run python3 "$SEALTOOL" open "$TB/k.key" "$TB/ul2.pcap" QT-SEALED-MARKER
	echo "$output"
	res=$output
	# the capture holds the transfer, sealed, and an independent implementation opens it
	py() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$res"; }
	[ "$(py marker_in_capture)" -eq 0 ]
	[ "$(py marker_in_clear)" -gt 1000 ]
	[ "$(py sealed)" -gt 10000 ]
	[ "$(py failed)" -eq 0 ]
	[ "$(py repeats)" -eq 0 ]
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 drop_auth)" -eq 0 ]
	[ "$(qt_counter 2 drop_replay)" -eq 0 ]
	[ "$(qt_counter 2 seal_sessions)" -ge 1 ]
}

@test "sealed: a member with another key, or none, sees nothing and counts why" {
	newkey k
	newkey other
	start_sealed 1 k
	start_sealed 2 k
	start_sealed 3 other
	qt_ping 1 10.42.0.2
	qt_noping 1 10.42.0.3
	qt_noping 3 10.42.0.1
	tb_dump "$TAG" 3
	[ "$(qt_counter 3 tap_tx_frames)" -eq 0 ]
	# another key has another key id (or, 1 in 256, the same id and a failed authentication)
	[ $(($(qt_counter 3 drop_key) + $(qt_counter 3 drop_auth))) -gt 0 ]
	tb_stop "$TAG" 3
	tb_start "$TAG" 3
	qt_noping 3 10.42.0.1
	tb_dump "$TAG" 3
	[ "$(qt_counter 3 tap_tx_frames)" -eq 0 ]
	[ "$(qt_counter 3 drop_sealed)" -gt 0 ]
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 drop_unsealed)" -gt 0 ]
}

# counters_sum I NAME... - the sum of host I's counters NAME... in its latest dump
counters_sum()
{
	local i=$1 c s=0
	shift
	for c in "$@"; do
		s=$((s + $(qt_counter "$i" "$c")))
	done
	echo "$s"
}

DROPS="drop_short drop_magic drop_version drop_flags drop_netid drop_oversize drop_src_mac
drop_sealed drop_unsealed drop_key drop_auth drop_replay"

@test "sealed: replayed, altered and reflected datagrams and forged leave notices are dropped, counted, harmless" {
	newkey k
	newkey other
	start_sealed 1 k
	start_sealed 2 k
	capture_dgrams 1
	capture_dgrams 2
	qt_tcpdump 2 cap ul0 udp and src host 10.77.0.1
	qt_ping 1 10.42.0.2
	qt_randfile data 5M
	qt_transfer 1 2 >/dev/null
	tb_bg_kill "$TAG" cap INT
	port=$(tb_port "$TAG" 2)
	tb_dump "$TAG" 2
	r0=$(qt_counter 2 drop_replay)
	# every captured datagram again, from a third host, while a transfer runs: all refused
	qt_randfile data 20M
	tb_bg "$TAG" 3 replay python3 "$SEALTOOL" replay "$TB/cap.pcap" 10.77.0.2 "$port"
	qt_transfer 1 2 >/dev/null
	tb_bg_wait "$TAG" replay 60
	n=$(tb_bg_out "$TAG" replay)
	echo "replayed $n"
	[ "$n" -gt 1000 ]
	tb_dump "$TAG" 2
	[ $(($(qt_counter 2 drop_replay) - r0)) -eq "$n" ]
	# one bit flipped anywhere: dropped, under some reason
	d0=$(counters_sum 2 $DROPS)
	tap0=$(qt_counter 2 tap_tx_frames)
	n=$(tb_exec "$TAG" 3 python3 "$SEALTOOL" flip "$TB/cap.pcap" 10.77.0.2 "$port")
	tb_wait 5 true
	sleep 0.5
	tb_dump "$TAG" 2
	[ $(($(counters_sum 2 $DROPS) - d0)) -eq "$n" ]
	[ "$(qt_counter 2 tap_tx_frames)" -eq "$tap0" ]
	# h2's own datagrams, sent back to it: ours, refused
	qt_tcpdump 1 cap2 ul0 udp and src host 10.77.0.2
	qt_ping 2 10.42.0.1
	tb_bg_kill "$TAG" cap2 INT
	r0=$(qt_counter 2 drop_replay)
	n=$(tb_exec "$TAG" 3 python3 "$SEALTOOL" replay "$TB/cap2.pcap" 10.77.0.2 "$port")
	sleep 0.5
	tb_dump "$TAG" 2
	[ "$n" -gt 0 ]
	[ $(($(qt_counter 2 drop_replay) - r0)) -eq "$n" ]
	# forged leave notices: plain, and sealed with another key; h1's MAC stays learnt
	mac1=$(tb_mac "$TAG" 1)
	tb_exec "$TAG" 3 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes.fromhex("51440100002a0000"), (sys.argv[1], int(sys.argv[2])))' 10.77.0.2 "$port"
	tb_exec "$TAG" 3 python3 "$SEALTOOL" forge-leave "$TB/other.key" 10.77.0.2 "$port" 42
	sleep 0.5
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 leave_rx)" -eq 0 ]
	[ "$(qt_counter 2 fdb_flushed)" -eq 0 ]
	tb_fdb "$TAG" 2 | grep -q "^$mac1 "
	# and a real one does flush
	tb_stop "$TAG" 1
	tb_wait 5 true
	sleep 0.3
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 leave_rx)" -eq 1 ]
	qt_fdb_lacks 2 "^$mac1 "
}

@test "sealed: a member restarted five times never repeats a (session, counter) pair" {
	newkey k
	start_sealed 2 k
	capture_dgrams 1
	qt_tcpdump 2 cap ul0 udp and src host 10.77.0.1
	for r in 1 2 3 4 5 6; do
		start_sealed 1 k
		qt_ping 1 10.42.0.2
		tb_stop "$TAG" 1
	done
	tb_bg_kill "$TAG" cap INT
	run python3 "$SEALTOOL" open "$TB/k.key" "$TB/cap.pcap"
	echo "$output"
	res=$output
	py() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$res"; }
	[ "$(py sealed)" -gt 30 ]
	[ "$(py failed)" -eq 0 ]
	[ "$(py repeats)" -eq 0 ]
	[ "$(py sessions)" -eq 6 ]
}

@test "sealed: 100,000 datagrams of random sessions leave RSS flat and take no session" {
	newkey k
	# ASan's quarantine keeps freed blocks (each failed open frees what it allocated): without it
	# the sanitized daemon's RSS measures the allocations that stay, as the plain one's does
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	start_sealed 1 k
	start_sealed 2 k
	qt_ping 1 10.42.0.2
	port=$(tb_port "$TAG" 2)
	pid=$(tb_pid "$TAG" 2)
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	tb_dump "$TAG" 2
	s0=$(qt_counter 2 seal_sessions)
	d0=$(counters_sum 2 drop_key drop_auth)
	# a first round warms up what every failed open uses once (libcrypto's provider caches);
	# the second, as large, must find nothing more to allocate
	tb_exec "$TAG" 3 python3 "$SEALTOOL" fake 10.77.0.2 "$port" 50000 42
	sleep 1
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	tb_exec "$TAG" 3 python3 "$SEALTOOL" fake 10.77.0.2 "$port" 50000 42
	sleep 1
	rss2=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	tb_dump "$TAG" 2
	d=$(($(counters_sum 2 drop_key drop_auth) - d0))
	echo "# sealed: RSS $rss0 -> $rss1 -> $rss2 KiB over $d fake datagrams" >&3
	[ "$d" -gt 90000 ]
	[ "$(qt_counter 2 seal_sessions)" -eq "$s0" ]
	[ "$rss1" -lt $((rss0 + 4096)) ]
	# (plain: 0 KiB here; ASan's allocator, a few hundred)
	[ "$rss2" -lt $((rss1 + 1024)) ]
	qt_ping 1 10.42.0.2
}

# ini_keys I KEY [NEXT] - host I's configuration file: key = KEY, key_next = NEXT
ini_keys()
{
	{
		echo "[qdes0]"
		echo "key = $TB/$2.key"
		[[ -z ${3-} ]] || echo "key_next = $TB/$3.key"
	} >"$TB/h$1.ini"
}

@test "sealed: keys rotate across three members by reload while a ping every 10 ms loses nothing" {
	newkey a
	newkey b
	for i in 1 2 3; do
		ini_keys "$i" a
		tb_start "$TAG" "$i" -c "$TB/h$i.ini"
	done
	qt_ping 1 10.42.0.3
	qt_ping 2 10.42.0.1
	tb_bg "$TAG" 1 ping13 ping -n -c 500 -i 0.01 -W 1 10.42.0.3
	tb_bg "$TAG" 2 ping21 ping -n -c 500 -i 0.01 -W 1 10.42.0.1
	for i in 1 2 3; do ini_keys "$i" a b && tb_ctl "$TAG" "$i" reload >/dev/null; done
	sleep 0.5
	for i in 1 2 3; do ini_keys "$i" b a && tb_ctl "$TAG" "$i" reload >/dev/null; done
	sleep 0.5
	for i in 1 2 3; do ini_keys "$i" b && tb_ctl "$TAG" "$i" reload >/dev/null; done
	tb_bg_wait "$TAG" ping13 30
	tb_bg_wait "$TAG" ping21 30
	tb_bg_out "$TAG" ping13 | tail -n 3
	tb_bg_out "$TAG" ping21 | grep -q ' 0% packet loss'
	tb_bg_out "$TAG" ping13 | grep -q ' 0% packet loss'
	idb=$(grep -o 'sealing and opening with key id [0-9]*' "$TB/h1.log" | tail -n 1)
	[ -n "$idb" ]
	# the old key is gone: a member with it alone hears nothing
	tb_stop "$TAG" 3
	ini_keys 3 a
	tb_start "$TAG" 3 -c "$TB/h3.ini"
	qt_noping 3 10.42.0.1
}

@test "sealed: with 2 workers, and with --offload no, 50 MiB arrive intact" {
	newkey k
	start_sealed 1 k --workers 2
	start_sealed 2 k --workers 2
	qt_bulk "(sealed, 2 workers)"
	tb_stop "$TAG" 1
	tb_stop "$TAG" 2
	start_sealed 1 k --offload no
	start_sealed 2 k --offload no
	qt_bulk "(sealed, --offload no)"
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 drop_auth)" -eq 0 ]
	[ "$(qt_counter 2 drop_replay)" -eq 0 ]
}

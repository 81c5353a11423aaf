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

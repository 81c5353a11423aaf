#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 99-control.bats - the control socket and the client: show, fdb, peer, stats, reload against
# running daemons; who may ask; what a misbehaving client cannot do

QT_HOSTS=3
load helpers

setup()
{
	qt_test_setup || return 1
	# flood.py ADDR PORT N: N datagrams to a member, each from another source MAC (02:01:..)
	cat >"$TB/flood.py" <<'EOF2'
import socket, struct, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hdr = b"QD\x01\x00" + struct.pack("!HH", 42, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
for i in range(n):
    src = b"\x02\x01" + struct.pack("!I", i)
    s.sendto(hdr + b"\xff" * 6 + src + b"\x08\x06" + bytes(46), (addr, port))
    if i % 500 == 499:
        time.sleep(0.005)
EOF2
}

# ctl NODE ARGS... - the client against NODE's daemon
ctl() { tb_ctl "$TAG" "$@"; }

# fdb_at_least NODE N - NODE's FDB holds N entries or more
fdb_at_least() { [ "$(ctl "$1" -j stats | jq_py "j['fdb_entries']")" -ge "$2" ]; }

# jq_py EXPR - evaluate a Python expression over the JSON on stdin (as j)
jq_py() { "$TB_PY" -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

@test "control: show, fdb show and stats in text and JSON agree with the traffic" {
	qt_start_all 2
	qt_ping 1 10.42.0.2
	mac2=$(tb_mac "$TAG" 2)
	port2=$(tb_port "$TAG" 2)
	# after h1 pings h2, h1's FDB has h2's MAC at h2's address and port
	ctl 1 -j fdb show >"$TB/fdb.json"
	cat "$TB/fdb.json"
	[ "$(jq_py "[e['dst'] for e in j if e['mac'] == '$mac2'][0]" <"$TB/fdb.json")" = "10.77.0.2:$port2" ]
	[ "$(jq_py "[e['state'] for e in j if e['mac'] == '$mac2'][0]" <"$TB/fdb.json")" = dynamic ]
	ctl 1 fdb show | tee "$TB/fdb.txt"
	grep -Eq "^$mac2 dst 10.77.0.2:$port2 dynamic age [0-9]+$" "$TB/fdb.txt"
	grep -Eq "^$(tb_mac "$TAG" 1) dev qdes0 local age [0-9]+$" "$TB/fdb.txt"
	# one entry: fdb show MAC; and -p is the same JSON, indented
	[ "$(ctl 1 -j fdb show "$mac2" | jq_py "j[0]['dst']")" = "10.77.0.2:$port2" ]
	[ "$(ctl 1 -j -p fdb show | wc -l)" -gt 5 ]
	[ "$(ctl 1 -j -p fdb show | jq_py 'len(j)')" = "$(jq_py 'len(j)' <"$TB/fdb.json")" ]
	run ctl 1 fdb show 02:00:00:00:00:99
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: no fdb entry for 02:00:00:00:00:99" ]

	# show: what the segment is
	ctl 1 -j show >"$TB/show.json"
	cat "$TB/show.json"
	[ "$(jq_py "j['dev'], j['encap'], j['network_id'], j['group']" <"$TB/show.json")" = "('qdes0', 'qdes', 42, '239.1.1.1:5000')" ]
	[ "$(jq_py "j['pid']" <"$TB/show.json")" = "$(tb_pid "$TAG" 1)" ]
	ctl 1 show | head -n 1 | grep -Eq "^qdes0: encap qdes network_id 42 group 239.1.1.1:5000 local .* mtu [0-9]+$"

	# stats: counters move with traffic, text, JSON and Prometheus give one value
	before=$(ctl 1 -j stats | jq_py "j['counters']['udp_rx_datagrams']")
	qt_ping 1 10.42.0.2
	after=$(ctl 1 -j stats | jq_py "j['counters']['udp_rx_datagrams']")
	echo "udp_rx_datagrams $before -> $after"
	[ "$after" -gt "$before" ]
	# SIGUSR1 still dumps into the log, with the same FDB
	tb_dump_log "$TAG" 1
	tb_fdb "$TAG" 1 | grep -q "^$mac2 netid 42 dst 10.77.0.2:$port2 dynamic"
	# a counter that no longer moves once h2 is gone: the three forms give the same value
	tb_stop "$TAG" 2
	n=$(ctl 1 -j stats | jq_py "j['counters']['fdb_learned']")
	[ "$n" -gt 0 ]
	[ "$(ctl 1 stats | awk '$1 == "fdb_learned" { print $2 }')" = "$n" ]
	ctl 1 stats -o prometheus | grep -qx "qdes_tap_fdb_learned_total{dev=\"qdes0\"} $n"
	ctl 1 stats -o prometheus | grep -qx 'qdes_tap_drops_total{dev="qdes0",reason="netid"} 0'
}

@test "control: -s gives per-member frames, bytes, last datagram and leave, as wg show" {
	qt_start_all 2
	qt_ping 1 10.42.0.2
	port2=$(tb_port "$TAG" 2)
	sel="[p for p in j['peers'] if p['peer'] == '10.77.0.2:$port2'][0]"
	ctl 1 -j -s stats | tee "$TB/s.json"
	[ "$(jq_py "$sel['rx_frames'] > 0, $sel['tx_frames'] > 0, $sel['macs'], $sel['left']" <"$TB/s.json")" = "(True, True, 1, False)" ]
	[ "$(jq_py "$sel['rx_bytes'] >= 60 * $sel['rx_frames']" <"$TB/s.json")" = True ]
	[ "$(jq_py "$sel['last_rx']" <"$TB/s.json")" -le 5 ]
	# the same numbers as h2's own counters of what it sent to h1 (h2 sends to nobody else)
	tb_dump "$TAG" 2
	[ "$(jq_py "$sel['rx_frames']" <"$TB/s.json")" -le "$(qt_counter 2 udp_tx_datagrams)" ]
	ctl 1 -s peer show | grep -Eq "^peer 10.77.0.2:$port2 macs 1 seen rx [0-9]+ frames [0-9]+ bytes tx [0-9]+ frames [0-9]+ bytes last_rx [0-9]+s ago$"
	# without -s: the flood list only (here none), no statistics
	[ "$(ctl 1 -j peer show)" = "[]" ]
	# h2 leaves: its leave notice is the last thing h1 heard from it
	tb_stop "$TAG" 2
	tb_wait 5 eval "ctl 1 -j -s stats | jq_py \"$sel['left']\" | grep -qx True"
}

@test "control: fdb add steers frames to a member that never sent anything; del and flush flood again" {
	qt_start_all 2
	qt_ping 1 10.42.0.2
	# h3's namespace runs no daemon: the static entry alone sends frames there
	ctl 1 fdb add 02:00:00:00:00:99 dst 10.77.0.3:5555
	ctl 1 fdb show | grep -Eqx '02:00:00:00:00:99 dst 10.77.0.3:5555 static age [0-9]+'
	tb_exec "$TAG" 1 ip neigh replace 10.42.0.99 lladdr 02:00:00:00:00:99 dev qdes0
	qt_tcpdump 3 st3 ul0 udp dst port 5555
	tb_exec "$TAG" 1 ping -c 3 -i 0.2 -W 1 10.42.0.99 || true
	[ "$(qt_tcpdump_count st3)" -ge 3 ]
	# deleted: the frames flood to the group again, none to h3's port
	ctl 1 fdb del 02:00:00:00:00:99
	run ctl 1 fdb show 02:00:00:00:00:99
	[ "$status" -eq 2 ]
	qt_tcpdump 3 st3b ul0 udp
	tb_exec "$TAG" 1 ping -c 3 -i 0.2 -W 1 10.42.0.99 || true
	[ "$(qt_tcpdump_count st3b 'dst port 5555')" -eq 0 ]
	[ "$(qt_tcpdump_count st3b 'dst host 239.1.1.1')" -ge 3 ]
	# flush: h2's learned entry goes, the TAP's own stays; flush dynamic keeps static entries
	ctl 1 fdb add 02:00:00:00:00:98 dst 10.77.0.3:5555
	[ "$(ctl 1 fdb flush dynamic)" = "flushed 1 entries" ]
	[ "$(ctl 1 -j fdb show | jq_py "sorted(e['state'] for e in j)")" = "['local', 'static']" ]
	ctl 1 fdb flush
	[ "$(ctl 1 -j fdb show | jq_py "[e['state'] for e in j]")" = "['local']" ]
	# a local MAC is refused, and so are bad words, with exit 2 and a line naming them
	run ctl 1 fdb add "$(tb_mac "$TAG" 1)" dst 10.77.0.3:5555
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: $(tb_mac "$TAG" 1) is local (dev qdes0): not replaced by a remote entry" ]
	run ctl 1 fdb add 02:00:00:00:00:zz dst 10.77.0.3:5555
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: fdb add: MAC: invalid value '02:00:00:00:00:zz' (expected xx:xx:xx:xx:xx:xx)" ]
	run ctl 1 fdb add 02:00:00:00:00:97 dst 10.77.0.3
	[ "$status" -eq 2 ]
	[[ $output == "qdes-tap: fdb add: address: invalid value '10.77.0.3' (expected ADDR:PORT"* ]]
	run ctl 1 fdb frob
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: fdb: unknown command 'frob' (expected show, add, del or flush)" ]
	run "$QDES_TAP" shwo
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: unknown command 'shwo' (try qdes-tap help)" ]
}

@test "control: a static entry survives ageing and a spoofed datagram (counted)" {
	tb_start "$TAG" 1 --ageing 2
	tb_start "$TAG" 2
	mac2=$(tb_mac "$TAG" 2)
	ctl 1 fdb add "$mac2" dst 10.77.0.3:5555
	# h2's own frames carry its MAC from another member: the entry stays, the claim is counted
	tb_exec "$TAG" 2 ping -c 3 -i 0.2 -W 1 10.42.0.1 || true
	sleep 3
	ctl 1 fdb show "$mac2" | grep -Eqx "$mac2 dst 10.77.0.3:5555 static age [0-9]+"
	[ "$(ctl 1 -j stats | jq_py "j['counters']['fdb_conflict']")" -gt 0 ]
}

@test "control: peer add brings a member in without multicast, and without a restart" {
	local i sw
	sw=$(tb_ns "$TAG" sw)
	for i in 1 2 3; do
		ip -n "$sw" link set dev "qt-p$i" type bridge_slave mcast_flood off
	done
	tb_start "$TAG" 1 -- -i qdes0 -n 42 -a 10.42.0.1/24 --port 5000 --peer 10.77.0.2:5000
	tb_start "$TAG" 2 -- -i qdes0 -n 42 -a 10.42.0.2/24 --port 5000 --peer 10.77.0.1:5000
	tb_start "$TAG" 3 -- -i qdes0 -n 42 -a 10.42.0.3/24 --port 5000 --peer 10.77.0.1:5000 \
		--peer 10.77.0.2:5000
	qt_ping 1 10.42.0.2
	# h1 floods to h2 only: its ARP for h3 never gets there
	qt_noping 1 10.42.0.3
	ctl 1 peer add 10.77.0.3:5000
	ctl 2 peer add 10.77.0.3:5000
	qt_ping 1 10.42.0.3
	qt_ping 2 10.42.0.3
	ctl 1 -j peer show | tee "$TB/peers.json"
	[ "$(jq_py "[p['peer'] for p in j if p['configured']]" <"$TB/peers.json")" = "['10.77.0.2:5000', '10.77.0.3:5000']" ]
	[ "$(jq_py "[p['macs'] for p in j if p['peer'] == '10.77.0.3:5000'][0]" <"$TB/peers.json")" -ge 1 ]
	ctl 1 peer show | grep -qx 'peer 10.77.0.3:5000 macs [0-9]*'
	run ctl 1 peer add 10.77.0.3:5000
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: peer 10.77.0.3:5000: listed already" ]
	ctl 1 peer del 10.77.0.3:5000
	[ "$(ctl 1 -j peer show | jq_py "[p['peer'] for p in j]")" = "['10.77.0.2:5000']" ]
	run ctl 1 peer del 10.77.0.3:5000
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: peer 10.77.0.3:5000: not listed" ]
}

@test "control: reload (and SIGHUP) apply ageing, peers and static entries, refuse a new group, keep forwarding" {
	cat >"$TB/qt.ini" <<EOF2
[qdes0]
group = 239.1.1.1:5000
network_id = 42
address = 10.42.0.1/24
ageing = 300
fdb = 02:00:00:00:00:77 10.77.0.3:5555
EOF2
	tb_start "$TAG" 1 -- -c "$TB/qt.ini"
	tb_start "$TAG" 2
	ctl 1 fdb show 02:00:00:00:00:77 | grep -Eqx '02:00:00:00:00:77 dst 10.77.0.3:5555 static age [0-9]+'
	sed -i -e 's/^ageing = 300/ageing = 60/' -e 's/^group = .*/group = 239.1.1.2:5000/' \
		-e 's/^fdb = .*/fdb = 02:00:00:00:00:78 10.77.0.3:5556/' "$TB/qt.ini"
	echo 'peer = 10.77.0.3:5000' >>"$TB/qt.ini"
	ctl 1 reload | tee "$TB/reload.txt"
	grep -qx 'applied ageing 60' "$TB/reload.txt"
	grep -qx 'applied peer add 10.77.0.3:5000' "$TB/reload.txt"
	grep -qx 'applied fdb del 02:00:00:00:00:77' "$TB/reload.txt"
	grep -qx 'applied fdb 02:00:00:00:00:78 dst 10.77.0.3:5556' "$TB/reload.txt"
	grep -qx 'refused group: needs a restart; the running value stays' "$TB/reload.txt"
	[ "$(ctl 1 -j show | jq_py "j['ageing'], j['group']")" = "(60, '239.1.1.1:5000')" ]
	[ "$(ctl 1 -j peer show | jq_py "[p['peer'] for p in j]")" = "['10.77.0.3:5000']" ]
	run ctl 1 fdb show 02:00:00:00:00:77
	[ "$status" -eq 2 ]
	ctl 1 fdb show 02:00:00:00:00:78
	qt_ping 1 10.42.0.2
	# SIGHUP is the same reload, logged
	sed -i 's/^ageing = 60/ageing = 30/' "$TB/qt.ini"
	kill -HUP "$(tb_pid "$TAG" 1)"
	tb_wait 5 grep -q 'reload: ageing 30' "$TB/h1.log"
	[ "$(ctl 1 -j show | jq_py "j['ageing']")" = 30 ]
	# a file that no longer parses changes nothing
	sed -i 's/^ageing = 30/ageing = soon/' "$TB/qt.ini"
	run ctl 1 reload
	[ "$status" -eq 2 ]
	[[ $output == "qdes-tap: reload: $TB/qt.ini: "*"ageing"* ]]
	[ "$(ctl 1 -j show | jq_py "j['ageing']")" = 30 ]
	qt_ping 1 10.42.0.2
}

@test "control: root and control_group members are served, other users refused; the socket goes at exit" {
	tb_start "$TAG" 1 --control-group nogroup
	sock=$(tb_ctl_path "$TAG" 1)
	[ "$(stat -c '%a %U %G' "$sock")" = "660 root nogroup" ]
	# a member of the group (here its primary group) is served
	setpriv --reuid 65534 --regid 65534 --clear-groups "$QDES_TAP" -S "$sock" show | grep -q '^qdes0: '
	# and as a supplementary group
	setpriv --reuid 65534 --regid 4242 --groups 65534 "$QDES_TAP" -S "$sock" show | grep -q '^qdes0: '
	# anyone else: the file's mode says no, and with the mode opened, the daemon does
	run setpriv --reuid 65534 --regid 4242 --clear-groups "$QDES_TAP" -S "$sock" show
	[ "$status" -eq 1 ]
	[ "$output" = "qdes-tap: control socket $sock: Permission denied" ]
	chmod 666 "$sock"
	run setpriv --reuid 65534 --regid 4242 --clear-groups "$QDES_TAP" -S "$sock" show
	[ "$status" -eq 1 ]
	[ "$output" = "qdes-tap: permission denied: not root, the daemon's user or in control_group" ]
	# a second daemon on the same socket: one line naming the first
	run --separate-stderr tb_exec "$TAG" 2 "$QDES_TAP" -i qdes0 -g 239.1.1.1:5000 -n 42 --control "$sock"
	[ "$status" -eq 1 ]
	[ "$stderr" = "qdes-tap: control socket $sock: in use by pid $(tb_pid "$TAG" 1)" ]
	tb_exec "$TAG" 2 sh -c '! ip link show qdes0 2>/dev/null'
	tb_stop "$TAG" 1
	[ ! -e "$sock" ]
	run "$QDES_TAP" -S "$sock" show
	[ "$status" -eq 1 ]
	[ "$output" = "qdes-tap: no qdes-tap daemon is running at $sock (no such socket)" ]
	run "$QDES_TAP" show qt-nothere
	[ "$status" -eq 1 ]
	[ "$output" = "qdes-tap: no qdes-tap daemon is running at /run/qdes-tap/qt-nothere.ctl (no such socket)" ]
}

@test "control: GET /metrics serves stats -o prometheus, from a thread without privileges" {
	tb_start "$TAG" 1 --metrics 9100 --user nobody --workers 2
	pid=$(tb_pid "$TAG" 1)
	get() {
		tb_exec "$TAG" 1 "$TB_PY" -c 'import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:9100" + sys.argv[1], timeout=5)
    print(r.status, r.headers["Content-Type"])
    sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)' "$1"
	}
	get /metrics >"$TB/m.txt"
	head -n 3 "$TB/m.txt"
	[ "$(head -n 1 "$TB/m.txt")" = "200 text/plain; version=0.0.4; charset=utf-8" ]
	# the same families and the same FDB bound as the client prints
	tail -n +2 "$TB/m.txt" | sed -n 's/^# TYPE //p' >"$TB/m.types"
	ctl 1 stats -o prometheus | sed -n 's/^# TYPE //p' >"$TB/c.types"
	[ "$(wc -l <"$TB/m.types")" -ge 30 ]
	diff "$TB/m.types" "$TB/c.types"
	grep -qx 'qdes_tap_fdb_max_entries{dev="qdes0"} 65536' "$TB/m.txt"
	grep -qx 'qdes_tap_drops_total{dev="qdes0",reason="short"} 0' "$TB/m.txt"
	[ "$(get /)" = 404 ]
	# every thread, the HTTP server's too, runs as nobody
	n=0
	for t in /proc/"$pid"/task/*/status; do
		grep -qP '^Uid:\t65534\t65534\t65534\t65534$' "$t"
		# capabilities are per thread: one made before the drop would still have them all
		grep -qP '^CapEff:\t0000000000001000$' "$t"
		grep -qP '^CapPrm:\t0000000000001000$' "$t"
		n=$((n + 1))
	done
	echo "$n threads"
	[ "$n" -ge 3 ]
	# on loopback only: not on the underlay's address
	run tb_exec "$TAG" 1 "$TB_PY" -c 'import socket; socket.create_connection(("10.77.0.1", 9100), 2)'
	[ "$status" -ne 0 ]
}

@test "control: with 2 workers, peer add/del, fdb add/flush, stats -s and dumps while 50 MiB flow" {
	# (make e2e-tsan runs this one: the flood list, the FDB and the per-member tables change or
	# are read on the main thread while the second worker forwards)
	tb_start "$TAG" 1 --workers 2
	tb_start "$TAG" 2 --workers 2
	qt_ping 1 10.42.0.2
	(
		for i in $(seq 40); do
			ctl 1 peer add "10.77.0.3:$((6000 + i))" >/dev/null
			ctl 1 -j -s stats >/dev/null
			ctl 1 fdb add "02:00:00:00:01:$(printf %02x "$i")" dst 10.77.0.3:5555 >/dev/null
			ctl 1 -j fdb show >/dev/null
			ctl 1 -s peer show >/dev/null
			ctl 1 peer del "10.77.0.3:$((6000 + i))" >/dev/null
			ctl 2 -j -s show >/dev/null
			((i % 10)) || ctl 1 fdb flush dynamic >/dev/null
		done
	) &
	queries=$!
	# transfers, one after another, for as long as the queries go on
	qt_randfile data 50M
	n=0
	while kill -0 "$queries" 2>/dev/null || ((n == 0)); do
		qt_transfer 1 2 >/dev/null
		n=$((n + 1))
	done
	wait "$queries"
	echo "# $n transfers of 50 MiB during the queries" >&3
	tb_running "$TAG" 1
	tb_running "$TAG" 2
	[ "$(ctl 1 -j show | jq_py "j['workers']")" = 2 ]
	[ "$(ctl 1 -j peer show)" = "[]" ]
	# both workers' tables summed: all that h1 sent to h2 went somewhere in them
	port2=$(tb_port "$TAG" 2)
	[ "$(ctl 1 -j -s stats | jq_py "[p['tx_bytes'] for p in j['peers'] if p['peer'] == '10.77.0.2:$port2'][0] > 50 << 20")" = True ]
}

@test "control: 16 clients and a 17th, a client that never reads, bad requests, the daemon killed mid-reply" {
	qt_start_all 2
	port1=$(tb_port "$TAG" 1)
	# 20000 MACs in h1's FDB: an FDB dump far larger than a socket's buffer
	tb_exec "$TAG" 2 "$TB_PY" "$TB/flood.py" 10.77.0.1 "$port1" 25000
	tb_wait 10 fdb_at_least 1 20000
	tb_exec "$TAG" 1 "$TB_PY" - "$(tb_ctl_path "$TAG" 1)" <<'EOF2'
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(8)
    return s
# 15 idle clients and one that asks for the whole FDB but never reads
idle = [conn() for _ in range(15)]
stuck = conn()
stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
stuck.sendall(b'{"v":1,"cmd":"fdb show"}\n')
time.sleep(0.5)
extra = conn()
r = extra.recv(200)
assert b'"ok":false' in r and b'busy' in r and b'EBUSY' in r, r
# all of them are dropped after the timeout: the idle ones see the end of the stream
t = time.time()
assert idle[0].recv(10) == b"", "idle client not dropped"
took = time.time() - t
assert 3 < took < 8, took
# the stuck one was cut off mid-reply
time.sleep(0.5)
got = b""
while True:
    try:
        d = stuck.recv(1 << 20)
    except socket.timeout:
        raise SystemExit("stuck client never closed")
    if not d:
        break
    got += d
assert 0 < len(got) and b'"ok"' not in got, len(got)
# bad requests: one line each, exit of the connection
for req, want in [(b'x' * 5000, b'request longer than 4096 bytes'),
                  (b'\x00\xff\xfe\n', b'not a JSON request'),
                  (b'{"v":2,"cmd":"show"}\n', b'unsupported version'),
                  (b'{"v":1,"cmd":"show","mac":"02:00:00:00:00:01"}\n', b'show: takes no MAC'),
                  (b'{"v":1,"cmd":"fdb add","mac":"02:00:00:00:00:01"}\n', b'missing dst'),
                  (b'[1,2]\n', b'expected an object')]:
    s = conn()
    s.sendall(req)
    r = s.recv(300)
    assert want in r and b'EINVAL' in r, (req, r)
print("ok")
EOF2
	# forwarding went on all along, and the daemon serves again
	qt_ping 1 10.42.0.2
	[ "$(ctl 1 -j fdb show | jq_py 'len(j)')" -ge 20000 ]
	# killed while a client waits for its reply: the client says so, exit 1, no hang
	tb_exec "$TAG" 1 kill -STOP "$(tb_pid "$TAG" 1)"
	(sleep 1 && kill -KILL "$(tb_pid "$TAG" 1)") &
	killer=$!
	run timeout 20 "$QDES_TAP" -S "$(tb_ctl_path "$TAG" 1)" fdb show
	wait "$killer"
	[ "$status" -eq 1 ]
	[[ ${lines[-1]} == "qdes-tap: the daemon closed the connection before its reply ended" ]]
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 64-ports.bats - TAP ports added and removed at run time through the control socket (port add,
# port del, port show): containers of one host switched inside the daemon, never over the
# underlay; what a port owns goes with it

QT_HOSTS=2
load helpers

# container NAME - a namespace qt-TAG-NAME for a container, IPv6 off (no solicitations: the
# underlay must stay silent while two containers talk)
container()
{
	tb_addns "$TAG" "$1" &&
		tb_sysctl "$(tb_ns "$TAG" "$1")" net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
}

# port_add NAME ARGS... - port add tap NAME ARGS... on h1's daemon
port_add() { tb_ctl "$TAG" 1 port add tap "$@"; }

@test "ports: two containers' TAPs added at run time reach each other, inside the daemon only" {
	qt_start_all 2
	container c1
	container c2
	run port_add eth0 netns "$(tb_ns "$TAG" c1)" address 10.42.0.11/24
	[ "$status" -eq 0 ]
	[[ $output =~ ^port\ eth0\ kind\ tap\ id\ [0-9]+\ macs\ 0$ ]]
	port_add eth0x netns "$(tb_ns "$TAG" c2)" address 10.42.0.12/24 mtu 1400
	tb_exec "$TAG" c1 ip -o link show eth0 | grep -q 'UP,LOWER_UP> mtu 1450 '
	tb_exec "$TAG" c2 ip -o link show eth0x | grep -q 'mtu 1400 '
	tb_exec "$TAG" c1 ip -o addr show dev eth0 | grep -q 'inet 10.42.0.11/24'
	qt_ping c1 10.42.0.12
	qt_ping c1 10.42.0.2
	qt_ping 2 10.42.0.12
	qt_ping 2 10.42.0.1
	# after ARP and learning: a container-to-container copy puts nothing on h1's underlay
	qt_tcpdump 1 ul1 ul0 udp
	qt_randfile data 20M
	tb_tcp_send "$TAG" c1 c2 10.42.0.12 "$TB/data" "$TB/recv-c" 7000 60 >/dev/null
	[ "$(qt_sha "$TB/recv-c")" = "$(qt_sha "$TB/data")" ]
	n=$(qt_tcpdump_count ul1)
	echo "# ports: 20 MiB container to container, $n datagrams on the underlay" >&3
	[ "$n" -eq 0 ]
	run tb_ctl "$TAG" 1 -j port show
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
ports = {p["name"]: p for p in json.loads(sys.argv[1])}
assert ports["qdes0"]["kind"] == "tap", ports
assert ports["eth0"]["macs"] >= 1 and ports["eth0x"]["macs"] >= 1, ports
' "$output"
	# the ports' TAPs go with the daemon
	tb_stop "$TAG" 1
	run tb_exec "$TAG" c1 ip link show eth0
	[ "$status" -ne 0 ]
	run tb_exec "$TAG" c2 ip link show eth0x
	[ "$status" -ne 0 ]
}

@test "ports: port del takes the TAP and its MACs; the MAC is stable; errors are one line" {
	qt_start_all 2
	container c1
	ns=$(tb_ns "$TAG" c1)
	port_add eth0 netns "$ns" address 10.42.0.11/24
	mac=$(tb_exec "$TAG" c1 cat /sys/class/net/eth0/address)
	[ $((0x${mac%%:*} & 3)) -eq 2 ]
	qt_ping c1 10.42.0.2
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1 | grep -q "^$mac "
	tb_dump "$TAG" 2
	tb_fdb "$TAG" 2 | grep -q "^$mac "
	run port_add eth0 netns "$ns"
	[ "$status" -eq 2 ]
	[ "$output" = "qdes-tap: port add eth0: a port of that name exists" ]
	tb_ctl "$TAG" 1 port del eth0
	run tb_exec "$TAG" c1 ip link show eth0
	[ "$status" -ne 0 ]
	tb_dump "$TAG" 1
	qt_fdb_lacks 1 "^$mac "
	grep -q "port eth0 (tap) removed: deleted by request; 1 fdb entries flushed" "$TB/h1.log"
	# the same name in the same namespace and segment: the same MAC
	port_add eth0 netns "$ns"
	[ "$(tb_exec "$TAG" c1 cat /sys/class/net/eth0/address)" = "$mac" ]
	port_add eth1 netns "$ns" mac 02:00:00:00:64:01
	[ "$(tb_exec "$TAG" c1 cat /sys/class/net/eth1/address)" = 02:00:00:00:64:01 ]
	# refusals: one line each, exit 2, nothing made
	for args in "port del nosuch|port del nosuch: no such port" \
		"port del qdes0|port del qdes0: is the daemon's interface (stop the daemon)" \
		"port add tap eth2 netns qt-$TAG-nosuch|port add eth2: netns qt-$TAG-nosuch: cannot open /run/netns/qt-$TAG-nosuch: No such file or directory" \
		"port add tap eth2 netns $ns mtu 1451|port add eth2: mtu 1451 is over the segment's, 1450" \
		"port add tap eth2 netns $ns segment qdes9|no interface qdes9 here (this daemon serves qdes0)" \
		"port add veth eth2|port add: unknown kind of port 'veth' (expected tap)" \
		"port add tap|port add: missing the port's name" \
		"port del|port del: missing the port's name"; do
		read -ra words <<<"${args%%|*}"
		run tb_ctl "$TAG" 1 "${words[@]}"
		echo "$output"
		[ "$status" -eq 2 ]
		[ "$output" = "qdes-tap: ${args#*|}" ]
	done
	run tb_exec "$TAG" c1 ip link show eth2
	[ "$status" -ne 0 ]
	tb_running "$TAG" 1
}

@test "ports: a port's TAP deleted under it goes alone; the daemon goes on" {
	qt_start_all 2
	container c1
	port_add eth0 netns "$(tb_ns "$TAG" c1)" address 10.42.0.11/24
	qt_ping c1 10.42.0.2
	tb_exec "$TAG" c1 ip link del eth0
	tb_wait 5 grep -q "port eth0 (tap) removed: the interface was deleted" "$TB/h1.log"
	run tb_ctl "$TAG" 1 port show
	[[ $output != *eth0\ * ]]
	qt_ping 2 10.42.0.1
}

@test "ports: a container's namespace deleted takes its port alone: the daemon does not hold it" {
	qt_start_all 2
	container c1
	port_add eth0 netns "$(tb_ns "$TAG" c1)" address 10.42.0.11/24
	qt_ping c1 10.42.0.2
	mac=$(tb_exec "$TAG" c1 cat /sys/class/net/eth0/address)
	ip netns del "$(tb_ns "$TAG" c1)"
	tb_wait 10 grep -q "port eth0 (tap) removed: the interface was deleted" "$TB/h1.log"
	tb_dump "$TAG" 1
	qt_fdb_lacks 1 "^$mac "
	run tb_ctl "$TAG" 1 port show
	[[ $output != *eth0\ * ]]
	qt_ping 2 10.42.0.1
}

@test "ports: 200 ports added and removed leave the daemon's descriptors and RSS as they were" {
	# ASan's quarantine keeps what each port freed: without it the sanitized daemon's RSS
	# measures what stays, as the plain one's does
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	qt_start_all 1
	container c1
	ns=$(tb_ns "$TAG" c1)
	pid=$(tb_pid "$TAG" 1)
	# one round first: what the first port allocates for good (the FDB's pages, say) is not a leak
	port_add p0 netns "$ns" address 10.42.1.1/24 >/dev/null
	tb_ctl "$TAG" 1 port del p0
	fds0=$(ls "/proc/$pid/fd" | wc -l)
	rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	t0=$EPOCHREALTIME
	for ((i = 1; i <= 200; i++)); do
		port_add "p$i" netns "$ns" address 10.42.1.1/24 >/dev/null
		tb_ctl "$TAG" 1 port del "p$i"
	done
	ms=$(ms_since "$t0")
	fds1=$(ls "/proc/$pid/fd" | wc -l)
	rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	echo "# ports: 200 add + del in $ms ms; descriptors $fds0 -> $fds1, RSS $rss0 -> $rss1 KiB" >&3
	[ "$fds1" -eq "$fds0" ]
	[ "$rss1" -le $((rss0 + 1024)) ]
	[ -z "$(tb_exec "$TAG" c1 ip -o link show type tun)" ]
	tb_running "$TAG" 1
}

@test "ports: with workers = 2, a port added at run time carries 50 MiB to another member" {
	qt_start_all 2 --workers 2
	container c1
	port_add eth0 netns "$(tb_ns "$TAG" c1)" address 10.42.0.11/24
	qt_ping c1 10.42.0.2
	qt_randfile data 50M
	tb_tcp_send "$TAG" c1 2 10.42.0.2 "$TB/data" "$TB/recv-c" 7000 60 >/dev/null
	[ "$(qt_sha "$TB/recv-c")" = "$(qt_sha "$TB/data")" ]
	tb_tcp_send "$TAG" 2 c1 10.42.0.11 "$TB/data" "$TB/recv-c2" 7001 60 >/dev/null
	[ "$(qt_sha "$TB/recv-c2")" = "$(qt_sha "$TB/data")" ]
	tb_running "$TAG" 1
}

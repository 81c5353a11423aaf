#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 50-ageing.bats - FDB entries age out after --ageing seconds of silence and are learned again
#
# IPv6 is off on the overlay and the neighbours are static, so no ND/MLD/ARP traffic refreshes
# the entries while the test waits.

QT_HOSTS=2
load helpers

# fdb_has NODE MAC - MAC is in NODE's FDB (a fresh dump)
fdb_has()
{
	tb_dump "$TAG" "$1" >/dev/null && tb_fdb "$TAG" "$1" | grep -q "^$2 "
}

fdb_lacks() { ! fdb_has "$@"; }

@test "ageing: --ageing 3 ages an idle peer out, the next frame floods and re-learns it" {
	for i in 1 2; do
		tb_exec "$TAG" "$i" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		tb_start "$TAG" "$i" -- -i qdes0 -g 239.1.1.1:5000 -n 42 -a "10.42.0.$i/24" --ageing 3
	done
	mac1=$(tb_mac "$TAG" 1)
	mac2=$(tb_mac "$TAG" 2)
	port2=$(tb_port "$TAG" 2)
	# static neighbours: after this ping, nothing but the test's own pings crosses the segment
	tb_exec "$TAG" 1 ip neigh replace 10.42.0.2 lladdr "$mac2" dev qdes0 nud permanent
	tb_exec "$TAG" 2 ip neigh replace 10.42.0.1 lladdr "$mac1" dev qdes0 nud permanent
	qt_ping 1 10.42.0.2
	t0=$EPOCHREALTIME
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 42 dst 10.77.0.2:$port2 dynamic age [0-9]+"
	[ "$(qt_counter 1 fdb_aged)" -eq 0 ]

	# gone after the ageing time (with slack for the ageing timer), but not long before it
	tb_wait 10 fdb_lacks 1 "$mac2"
	el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "h2's MAC aged out of h1's FDB after $el s"
	awk -v e="$el" 'BEGIN { exit !(e >= 2.5) }'
	# a dump reads the counters before the FDB: the one that missed the entry may predate
	# the ageing tick in its counters, a later one cannot
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 fdb_aged)" -gt 0 ]
	flood0=$(qt_counter 1 tx_flood)

	# the next ping goes to an unknown MAC: flooded, answered, learned again
	qt_ping 1 10.42.0.2 -c 1
	tb_dump "$TAG" 1
	flood1=$(qt_counter 1 tx_flood)
	echo "h1 tx_flood $flood0 -> $flood1"
	[ "$flood1" -gt "$flood0" ]
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 42 dst 10.77.0.2:$port2 dynamic age [0-9]+"
}

@test "ageing: a peer that keeps talking does not age out" {
	for i in 1 2; do
		tb_start "$TAG" "$i" --ageing 2
	done
	mac2=$(tb_mac "$TAG" 2)
	tb_bg "$TAG" 1 pinger timeout 20 ping -n -q -i 0.5 -w 6 10.42.0.2
	sleep 5
	fdb_has 1 "$mac2"
	tb_bg_wait "$TAG" pinger 10
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 60-restart.bats - a member stops cleanly (leave notice, status 0) and comes back

QT_HOSTS=3
load helpers

@test "restart: stop h2 (leave notice flushes it from h1), start again, ping recovers" {
	for i in 1 2 3; do
		tb_start "$TAG" "$i" -m "02:00:00:00:00:0$i"
	done
	qt_ping 1 10.42.0.2
	qt_ping 3 10.42.0.2
	port2=$(tb_port "$TAG" 2)
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1 | grep -q "^02:00:00:00:00:02 netid 42 dst 10.77.0.2:$port2 "

	rc=0
	tb_stop "$TAG" 2 || rc=$?
	cat "$TB/h2.log"
	[ "$rc" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h2.log"
	# the TAP it created is gone
	[ -z "$(ip -n "$(tb_ns "$TAG" 2)" -o link show 2>/dev/null | grep qdes0)" ]

	# h1 and h3 got the leave notice and dropped everything pointing at h2
	for i in 1 3; do
		tb_wait 3 eval "tb_dump $TAG $i && [ \"\$(tb_counter $TAG $i leave_rx)\" -gt 0 ]"
		tb_fdb "$TAG" "$i"
		[ -z "$(tb_fdb "$TAG" "$i" | grep "dst 10.77.0.2:$port2")" ]
		[ "$(qt_counter "$i" leave_rx)" -gt 0 ]
		[ "$(qt_counter "$i" fdb_flushed)" -gt 0 ]
	done
	qt_noping 1 10.42.0.2

	tb_start "$TAG" 2 -m 02:00:00:00:00:02
	tb_ping_until "$TAG" 1 10.42.0.2 5
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.3
	port2b=$(tb_port "$TAG" 2)
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1 | grep -q "^02:00:00:00:00:02 netid 42 dst 10.77.0.2:$port2b "
}

@test "restart: SIGINT also stops cleanly with status 0" {
	tb_start "$TAG" 1
	rc=0
	tb_stop "$TAG" 1 INT || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h1.log"
}

@test "restart: a second SIGTERM during shutdown (as timeout(1) sends) still stops cleanly" {
	local pid i
	tb_start "$TAG" 1 --workers 2
	tb_start "$TAG" 2
	qt_ping 2 10.42.0.1
	pid=$(tb_pid "$TAG" 1)
	for i in 1 2 3 4 5; do
		kill -TERM "$pid" 2>/dev/null || break
		sleep 0.002
	done
	rc=0
	tb_stop "$TAG" 1 TERM 2>/dev/null || rc=$?
	# already gone by the time tb_stop looks: its status is the daemon's
	[ "$(cat "$TB/h1.rc")" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h1.log"
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 leave_rx)" -ge 1 ]
}

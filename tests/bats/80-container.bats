#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 80-container.bats - attach a container: --netns moves the TAP there, --bridge makes it a port

load helpers

setup_file() { qt_setup_file; }
teardown_file() { qt_teardown_file; }

setup()
{
	qt_require_binary
	qt_setup 2
	NS1=$(tb_ns "$TAG" 1)
}

teardown() { qt_teardown; }

@test "container: --netns puts the configured qdes0 into a namespace that has only lo" {
	tb_addns "$TAG" ct
	CT=$(tb_ns "$TAG" ct)
	tb_start "$TAG" 1 --netns "$CT"
	tb_start "$TAG" 2
	[ -z "$(ip -n "$NS1" -o link show | grep qdes0)" ]
	ip -n "$CT" -4 -o addr show dev qdes0 | grep -q 'inet 10.42.0.1/24'
	qt_ping ct 10.42.0.2
	qt_ping ct fd42::2
	qt_ping 2 10.42.0.1
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	[ -z "$(ip -n "$CT" -o link show | grep qdes0)" ]
}

@test "container: --bridge makes qdes0 a port of an existing bridge" {
	ip -n "$NS1" link add qt-br1 type bridge stp_state 0
	ip -n "$NS1" link set qt-br1 up
	tb_addns "$TAG" c1
	C1=$(tb_ns "$TAG" c1)
	ip link add qt-v1 netns "$NS1" mtu 1450 type veth peer name eth0 netns "$C1" mtu 1450
	ip -n "$NS1" link set qt-v1 master qt-br1 up
	ip -n "$C1" addr add 10.42.0.11/24 dev eth0
	ip -n "$C1" addr add fd42::11/64 dev eth0 nodad
	ip -n "$C1" link set eth0 up
	tb_start "$TAG" 1 -- -i qdes0 -g 239.1.1.1:5000 -n 42 --bridge qt-br1
	tb_start "$TAG" 2
	ip -n "$NS1" -o link show qdes0 | grep -q 'master qt-br1'
	[ -z "$(ip -n "$NS1" -o addr show dev qdes0 | grep -E 'inet6? (10.42|fd42)')" ]
	qt_ping c1 10.42.0.2
	qt_ping c1 fd42::2
	qt_ping 2 10.42.0.11
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	ip -n "$NS1" -o link show qt-br1
}

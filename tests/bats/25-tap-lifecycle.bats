#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 25-tap-lifecycle.bats - a pre-existing TAP is used and left; a created one is removed; a
# non-TAP interface of that name is refused

QT_HOSTS=2
load helpers

setup()
{
	qt_test_setup || return 1
	NS1=$(tb_ns "$TAG" 1)
}

@test "tap: a persistent TAP that exists is used and still exists after stop" {
	ip -n "$NS1" tuntap add mode tap name qdes0
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	qt_ping 1 10.42.0.2
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h1.log"
	ip -n "$NS1" -d link show qdes0 | grep -q 'tun type tap'
	# usable again by the next daemon
	tb_start "$TAG" 1
	qt_ping 1 10.42.0.2
}

@test "tap: a TAP the daemon created is gone after stop" {
	tb_start "$TAG" 1
	ip -n "$NS1" -d link show qdes0 | grep -q 'tun type tap'
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	[ -z "$(ip -n "$NS1" -o link show | grep qdes0)" ]
}

# not_a_tap TYPE... - an interface qdes0 of another kind makes qdes-tap exit 1 and stay
not_a_tap()
{
	ip -n "$NS1" link add qdes0 "$@"
	rc=0
	timeout 5 ip netns exec "$NS1" "$QDES_TAP" -i qdes0 -g 239.1.1.1:5000 -n 42 \
		-a 10.42.0.1/24 --control none >"$TB/out" 2>"$TB/err" || rc=$?
	echo "status $rc, stderr:"
	cat "$TB/err"
	[ "$rc" -eq 1 ]
	grep -q '^qdes-tap: .*qdes0' "$TB/err"
	[ "$(wc -l <"$TB/err")" -le 2 ]
	# the other interface is left alone
	ip -n "$NS1" -o link show qdes0
	[ -z "$(ip -n "$NS1" -o addr show dev qdes0 | grep 10.42.0.1)" ]
	ip -n "$NS1" link del qdes0
}

@test "tap: a bridge named qdes0 is refused with exit 1" {
	not_a_tap type bridge
}

@test "tap: a veth named qdes0 is refused with exit 1" {
	not_a_tap type veth peer name qt-v0
}

@test "tap: --mac and --mtu are applied" {
	tb_start "$TAG" 1 --mac 02:00:00:00:42:01 --mtu 1400
	grep -q 'qdes0: up, mtu 1400,' "$TB/h1.log"
	[ "$(tb_mac "$TAG" 1)" = 02:00:00:00:42:01 ]
	ip -n "$NS1" -o link show qdes0 | grep -q 'mtu 1400'
}

@test "tap: on a persistent TAP, the addresses qdes-tap added go at stop, one it found stays" {
	ip -n "$NS1" tuntap add mode tap name qdes0
	ip -n "$NS1" addr add 10.42.0.1/24 dev qdes0
	# the defaults ask for 10.42.0.1/24 (already there: accepted) and fd42::1/64; and one more
	tb_start "$TAG" 1 -a 10.42.1.1/24
	tb_start "$TAG" 2
	qt_ping 1 10.42.0.2
	ip -n "$NS1" -o addr show dev qdes0 | grep -q 'inet 10.42.1.1/24'
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	ip -n "$NS1" -o addr show dev qdes0
	ip -n "$NS1" -d link show qdes0 | grep -q 'tun type tap'
	ip -n "$NS1" -o addr show dev qdes0 | grep -q 'inet 10.42.0.1/24'
	[ -z "$(ip -n "$NS1" -o addr show dev qdes0 | grep -E 'inet 10.42.1.1/|inet6 fd42::1/')" ]
}

@test "tap: a TUN (not TAP) device named qdes0 is refused with exit 1" {
	ip -n "$NS1" tuntap add mode tun name qdes0
	rc=0
	timeout 5 ip netns exec "$NS1" "$QDES_TAP" -i qdes0 -g 239.1.1.1:5000 -n 42 \
		--control none >"$TB/out" 2>"$TB/err" || rc=$?
	echo "status $rc, stderr:"
	cat "$TB/err"
	[ "$rc" -eq 1 ]
	[ "$(wc -l <"$TB/err")" -eq 1 ]
	grep -q '^qdes-tap: qdes0: .*not a TAP' "$TB/err"
	ip -n "$NS1" -d link show qdes0 | grep -q 'tun type tun'
}

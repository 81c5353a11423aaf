#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 80-container.bats - attach a container: --netns / netns= (a name, a path or a PID) puts the TAP
# into its namespace, --bridge / bridge= makes it a port of a bridge; and what fails, how

QT_HOSTS=2
load helpers

setup()
{
	qt_test_setup || return 1
	NS1=$(tb_ns "$TAG" 1)
}

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

# start_bg NAME NS IFNAME ARGS... - run qdes-tap ARGS in host 1's namespace in the background
# (output in $TB/bg-NAME.out) and wait until IFNAME is up in namespace NS and the start line is in
# the output; for what tb_start cannot follow: a namespace given in the ini file or as a PID
start_bg()
{
	local name=$1 ns=$2 ifname=$3 extra=()
	shift 3
	read -ra extra <<<"${QDES_TAP_ARGS-}"
	tb_bg "$TAG" 1 "$name" "$QDES_TAP" "$@" --control "$TB/bg-$name.ctl" "${extra[@]}"
	if ! tb_wait 5 eval "ip -n $ns -o link show $ifname 2>/dev/null | grep -q ',UP' &&
		grep -q '$ifname: up,' $TB/bg-$name.out"; then
		echo "qdes-tap did not bring $ifname up in $ns:" >&2
		cat "$TB/bg-$name.out" >&2
		return 1
	fi
}

@test "container: netns= (a path) and bridge= from the ini file: a port of the container's bridge" {
	tb_addns "$TAG" ct
	CT=$(tb_ns "$TAG" ct)
	ip -n "$CT" link add qt-brc type bridge stp_state 0
	ip -n "$CT" addr add 10.42.0.21/24 dev qt-brc
	ip -n "$CT" addr add fd42::21/64 dev qt-brc nodad
	ip -n "$CT" link set qt-brc up
	cat >"$TB/ct.ini" <<EOF2
[qdes0]
group = 239.1.1.1:5000
network_id = 42
netns = /run/netns/$CT
bridge = qt-brc
EOF2
	start_bg d1 "$CT" qdes0 -c "$TB/ct.ini"
	tb_start "$TAG" 2
	[ -z "$(ip -n "$NS1" -o link show | grep qdes0)" ]
	ip -n "$CT" -o link show qdes0 | grep -q 'master qt-brc'
	qt_ping ct 10.42.0.2
	qt_ping ct fd42::2
	qt_ping 2 10.42.0.21
	tb_bg_kill "$TAG" d1
	[ "$(cat "$TB/bg-d1.rc")" -eq 0 ]
	[ -z "$(ip -n "$CT" -o link show | grep qdes0)" ]
	ip -n "$CT" -o link show qt-brc
}

@test "container: --netns PID puts qdes0 into that process's namespace" {
	tb_addns "$TAG" ct
	CT=$(tb_ns "$TAG" ct)
	tb_bg "$TAG" ct sleeper sleep 60
	pid=$TB_PID
	[ "$(ip netns identify "$pid")" = "$CT" ]
	start_bg d1 "$CT" qdes0 -i qdes0 -g 239.1.1.1:5000 -n 42 --netns "$pid" -a 10.42.0.1/24
	tb_start "$TAG" 2
	[ -z "$(ip -n "$NS1" -o link show | grep qdes0)" ]
	qt_ping ct 10.42.0.2
	tb_bg_kill "$TAG" d1
	[ "$(cat "$TB/bg-d1.rc")" -eq 0 ]
	[ -z "$(ip -n "$CT" -o link show | grep qdes0)" ]
}

# attach_fails WORD... - qdes-tap with the options after "--" exits 1 with one line on stderr
# that holds every WORD, and leaves no qdes0 behind in host 1
attach_fails()
{
	local words=() w
	while [[ $1 != -- ]]; do
		words+=("$1")
		shift
	done
	shift
	rc=0
	timeout 5 ip netns exec "$NS1" "$QDES_TAP" -i qdes0 -g 239.1.1.1:5000 -n 42 "$@" \
		--control none >"$TB/out" 2>"$TB/err" || rc=$?
	echo "qdes-tap $*: status $rc, stderr:"
	cat "$TB/err"
	[ "$rc" -eq 1 ]
	[ "$(wc -l <"$TB/err")" -eq 1 ]
	for w in "${words[@]}"; do
		grep -qF -- "$w" "$TB/err"
	done
	[ -z "$(ip -n "$NS1" -o link show | grep qdes0)" ]
}

@test "container: a missing namespace or bridge, or a bridge that is not one: exit 1, one line" {
	attach_fails netns "qt-$TAG-nosuch" -- --netns "qt-$TAG-nosuch"
	attach_fails bridge qt-nosuch -- --bridge qt-nosuch
	ip -n "$NS1" link add qt-v1 type veth peer name qt-v2
	attach_fails bridge qt-v1 'not a bridge' -- --bridge qt-v1
}

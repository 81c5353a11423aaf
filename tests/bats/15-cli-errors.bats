#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 15-cli-errors.bats - bad command lines and ini files: exit 2, one line naming key and value
#
# The daemon runs in an empty namespace of its own, so a bad command line that is wrongly
# accepted cannot touch the host's network.

load helpers

setup()
{
	qt_test_setup || return 1
	tb_addns "$TAG" h1
}

# cli ARGS... - run qdes-tap in the empty namespace; sets rc, err (stderr), out (stdout)
cli()
{
	local ns
	ns=$(tb_ns "$TAG" 1)
	rc=0
	timeout 5 ip netns exec "$ns" "$QDES_TAP" "$@" >"$TB/out" 2>"$TB/err" || rc=$?
	err=$(cat "$TB/err")
	out=$(cat "$TB/out")
	# the daemon must not have got as far as creating an interface
	if ip -n "$ns" link show qdes0 >/dev/null 2>&1; then
		echo "qdes-tap created qdes0 despite the error"
		return 1
	fi
}

# usage_error STRING... - exit status 2, exactly one line on stderr starting "qdes-tap: "
# and containing every STRING
usage_error()
{
	local s
	[[ ${1-} == -- ]] && shift
	echo "status $rc, stderr:"
	echo "$err"
	[ "$rc" -eq 2 ]
	[ "$(wc -l <"$TB/err")" -eq 1 ]
	[[ $err == "qdes-tap: "* ]]
	for s in "$@"; do
		[[ $err == *"$s"* ]] || {
			echo "stderr does not contain: $s"
			return 1
		}
	done
}

ini()
{
	cat >"$TB/qt.ini"
}

@test "cli: network id out of range (-n 70000)" {
	cli -g 239.1.1.1:5000 -n 70000
	usage_error -- "--network-id" "'70000'" "0 to 65535"
}

@test "cli: group without a port" {
	cli -g 239.1.1.1 -n 42
	usage_error -- "--group" "'239.1.1.1'" "ADDR:PORT"
}

@test "cli: group that is not multicast" {
	cli -g 10.0.0.1:5000 -n 42
	usage_error -- "--group" "10.0.0.1"
}

@test "cli: broadcast MAC" {
	cli -g 239.1.1.1:5000 -n 42 --mac ff:ff:ff:ff:ff:ff
	usage_error -- "--mac" "'ff:ff:ff:ff:ff:ff'"
}

@test "cli: all-zero MAC" {
	cli -g 239.1.1.1:5000 -n 42 --mac 00:00:00:00:00:00
	usage_error -- "--mac" "'00:00:00:00:00:00'"
}

@test "cli: unknown option" {
	cli -g 239.1.1.1:5000 -n 42 --frobnicate
	usage_error -- "unknown option '--frobnicate'"
}

@test "cli: unexpected argument" {
	cli -g 239.1.1.1:5000 -n 42 foo
	usage_error -- "unexpected argument 'foo'"
}

@test "cli: missing --group" {
	cli -n 42
	usage_error -- "missing --group"
}

@test "cli: missing --network-id" {
	cli -g 239.1.1.1:5000
	usage_error -- "missing --network-id"
}

@test "cli: values out of range (mtu, ttl, ageing, port, max-entries, log-level)" {
	cli -g 239.1.1.1:5000 -n 42 --mtu 67
	usage_error -- "--mtu" "'67'"
	cli -g 239.1.1.1:5000 -n 42 --mtu 65001
	usage_error -- "--mtu" "'65001'"
	cli -g 239.1.1.1:5000 -n 42 --ttl 256
	usage_error -- "--ttl" "'256'"
	cli -g 239.1.1.1:5000 -n 42 --ageing 0
	usage_error -- "--ageing" "'0'"
	cli -g 239.1.1.1:5000 -n 42 -p 65536
	usage_error -- "--port" "'65536'"
	cli -g 239.1.1.1:5000 -n 42 --max-entries 16777217
	usage_error -- "--max-entries" "'16777217'"
	cli -g 239.1.1.1:5000 -n 42 --log-level chatty
	usage_error -- "--log-level" "'chatty'"
	cli -g 239.1.1.1:5000 -n 42x
	usage_error -- "--network-id" "'42x'"
	cli -g 239.1.1.1:5000 -n 42 -a 10.42.0.1/33
	usage_error -- "--address" "10.42.0.1/33"
}

@test "ini: unknown key" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 42
foo = bar
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "[qdes0]" "unknown key 'foo'"
}

@test "ini: unknown key in [global]" {
	ini <<'EOF2'
[global]
colour = blue
[qdes0]
group = 239.1.1.1:5000
network_id = 42
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "[global]" "unknown key 'colour'"
}

@test "ini: bad value" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1
network_id = 42
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini: [qdes0] group: invalid value '239.1.1.1' (expected ADDR:PORT)"
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 70000
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "network_id" "'70000'"
}

@test "ini: syntax error" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
this line is not ini
network_id = 42
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "syntax error"
}

@test "ini: missing file" {
	cli -c "$TB/missing.ini"
	usage_error -- "$TB/missing.ini: cannot read: No such file or directory"
}

@test "ini: two interface sections and no -i" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 42
[qdes1]
group = 239.1.1.1:5000
network_id = 43
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini"
}

@test "ini: -i names a section the file does not have" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 42
EOF2
	cli -c "$TB/qt.ini" -i qdes7
	usage_error -- "$TB/qt.ini" "qdes7"
}

@test "cli: bad names and words (interface, mac, local, netns, address, missing argument)" {
	cli -i 'qdes 0' -g 239.1.1.1:5000 -n 42
	usage_error -- "--interface" "'qdes 0'"
	cli -i qdes0123456789ab -g 239.1.1.1:5000 -n 42
	usage_error -- "--interface" "'qdes0123456789ab'"
	cli -g 239.1.1.1:5000 -n 42 --mtu abc
	usage_error -- "--mtu" "'abc'" "68 to 65000"
	cli -g 239.1.1.1:5000 -n 42 --mac 02:00:00:00:00
	usage_error -- "--mac" "'02:00:00:00:00'"
	cli -g 239.1.1.1:5000 -n 42 --local 10.0.0.300
	usage_error -- "--local" "'10.0.0.300'"
	cli -g 239.1.1.1:5000 -n 42 --local fd77::1
	usage_error -- "fd77::1" "239.1.1.1:5000"
	cli -g 239.1.1.1:5000 -n 42 --netns ''
	usage_error -- "--netns" "''"
	cli -g 239.1.1.1:5000 -n 42 -a 10.42.0.1/24 -a 10.42.0.1/24
	usage_error -- "--address" "'10.42.0.1/24'"
	cli -g 239.1.1.1:5000 -n
	usage_error -- "--network-id" "missing argument"
}

@test "ini: [global]-only key in an interface section, key outside any section, option spelling" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 42
log_level = debug
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini: [qdes0] log_level: only valid in [global]"
	ini <<'EOF2'
network_id = 42
[qdes0]
group = 239.1.1.1:5000
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "'network_id'" "outside any section"
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network-id = 42
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "[qdes0]" "unknown key 'network-id'"
	ini <<'EOF2'
[global]
ageing = 0
[qdes0]
group = 239.1.1.1:5000
network_id = 42
EOF2
	cli -c "$TB/qt.ini"
	usage_error -- "$TB/qt.ini" "[global]" "ageing" "'0'"
}

@test "ini: the command line overrides the file, and its errors name the option" {
	ini <<'EOF2'
[qdes0]
group = 239.1.1.1:5000
network_id = 42
EOF2
	cli -c "$TB/qt.ini" -n 70000
	usage_error -- "--network-id" "'70000'"
	cli -c "$TB/qt.ini" -g 10.1.1.1:5000
	usage_error -- "--group" "'10.1.1.1:5000'"
}

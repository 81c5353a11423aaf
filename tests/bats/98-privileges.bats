#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 98-privileges.bats - --user: root only to set up; the data path, the dump and the clean stop as
# an unprivileged user holding CAP_NET_ADMIN alone, in every thread; failures exit, never as root

QT_HOSTS=2
load helpers

setup()
{
	qt_test_setup || return 1
	NS1=$(tb_ns "$TAG" 1)
}

# refute CMD... - CMD must fail (a bare "! CMD" would not fail the test: errexit ignores it)
refute()
{
	if "$@"; then
		echo "unexpectedly succeeded: $*" >&2
		return 1
	fi
}

# has_line FILE LINE - FILE has exactly this line
has_line()
{
	grep -qxF -- "$2" "$1" && return 0
	echo "$1: no line '$2'; it has:" >&2
	grep -E "^${2%%:*}:" "$1" >&2
	return 1
}

# as_nobody FILE - a /proc status file of a thread that runs as nobody (all four uids and gids,
# nobody's groups), with CAP_NET_ADMIN the only capability, and no_new_privs
as_nobody()
{
	local f=$1 want got bad=0
	# each check on its own: a caller's "||" turns errexit off in here
	has_line "$f" $'Uid:\t65534\t65534\t65534\t65534' || bad=1
	has_line "$f" $'Gid:\t65534\t65534\t65534\t65534' || bad=1
	want=$(id -G nobody | xargs -n 1 | sort -n | xargs)
	got=$(sed -n 's/^Groups://p' "$f" | xargs -n 1 | sort -n | xargs)
	if [[ $got != "$want" ]]; then
		echo "$f: groups '$got', want '$want'" >&2
		bad=1
	fi
	has_line "$f" $'CapInh:\t0000000000000000' || bad=1
	has_line "$f" $'CapPrm:\t0000000000001000' || bad=1
	has_line "$f" $'CapEff:\t0000000000001000' || bad=1
	has_line "$f" $'CapAmb:\t0000000000000000' || bad=1
	has_line "$f" $'NoNewPrivs:\t1' || bad=1
	return "$bad"
}

# threads_as_nobody I - every thread of host I's daemon runs as nobody; prints how many there are
threads_as_nobody()
{
	local pid t n=0
	pid=$(tb_pid "$TAG" "$1")
	[[ -n $pid ]] || return 1
	for t in /proc/"$pid"/task/*/status; do
		as_nobody "$t" || return 1
		n=$((n + 1))
	done
	((n > 0)) || return 1
	echo "$n"
}

# daemon ARGS... - run qdes-tap in h1 in the foreground with the defaults plus ARGS (5 s at most);
# sets rc and err (stderr)
daemon()
{
	local a=()
	read -ra a <<<"${QDES_TAP_ARGS-}"
	rc=0
	timeout 5 ip netns exec "$NS1" "$@" "${a[@]}" --control none >"$TB/out" 2>"$TB/err" || rc=$?
	err=$(cat "$TB/err")
	echo "status $rc, stderr:"
	echo "$err"
}

DEFAULTS=(-i qdes0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.1/24)

@test "privileges: --user nobody: uids, gids, groups, CAP_NET_ADMIN only, no_new_privs; ping, TCP, dump, stop" {
	tb_start "$TAG" 1 --user nobody
	tb_start "$TAG" 2 --user nobody
	grep -qx 'qdes-tap: dropped privileges to nobody (uid 65534, gid 65534), keeping CAP_NET_ADMIN' \
		"$TB/h1.log"
	# dropped before it said it was up: nothing is served as root
	[ "$(grep -n -m 1 'dropped privileges' "$TB/h1.log" | cut -d: -f1)" -lt \
		"$(grep -n -m 1 'qdes0: up' "$TB/h1.log" | cut -d: -f1)" ]
	threads_as_nobody 1
	threads_as_nobody 2

	qt_ping 1 10.42.0.2
	qt_ping 2 fd42::1
	qt_randfile data 8M
	qt_transfer 1 2 >/dev/null

	# SIGUSR1 from root still reaches it, and the dump is complete
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 udp_rx_datagrams)" -gt 1000 ]
	tb_fdb "$TAG" 2 | grep -q "^$(tb_mac "$TAG" 1) netid 42 dst 10.77.0.1:"
	threads_as_nobody 2

	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q 'qdes-tap: qdes0: stopped' "$TB/h1.log"
	# the TAP it created went with its descriptors; the leave notice went out
	refute ip -n "$NS1" link show qdes0 2>/dev/null
	tb_dump "$TAG" 2
	[ "$(qt_counter 2 leave_rx)" -ge 1 ]
	refute grep -Eq 'warning|cannot|Operation not permitted' "$TB/h1.log"
}

@test "privileges: --user 65534 --workers 2: every thread is nobody with CAP_NET_ADMIN only" {
	local n
	tb_start "$TAG" 1 --user 65534 --workers 2
	tb_start "$TAG" 2 --workers 2
	grep -q 'dropped privileges to nobody (uid 65534, gid 65534), keeping CAP_NET_ADMIN' \
		"$TB/h1.log"
	n=$(threads_as_nobody 1)
	echo "$n threads"
	[ "$n" -ge 2 ]
	qt_ping 1 10.42.0.2
	qt_randfile data 8M
	qt_transfer 2 1 >/dev/null
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 tap_tx_frames)" -gt 100 ]
	[ "$(threads_as_nobody 1)" -eq "$n" ]
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
}

@test "privileges: on a persistent TAP, the addresses added go at stop, after the drop too" {
	ip -n "$NS1" tuntap add mode tap name qdes0
	ip -n "$NS1" addr add 10.42.0.1/24 dev qdes0
	# 10.42.0.1/24 was there (it stays), fd42::1/64 and 10.42.1.1/24 are added
	tb_start "$TAG" 1 --user nobody -a 10.42.1.1/24
	tb_start "$TAG" 2
	threads_as_nobody 1
	qt_ping 2 10.42.0.1
	ip -n "$NS1" -o addr show dev qdes0 | grep -q 'inet 10.42.1.1/24'
	ip -n "$NS1" -o addr show dev qdes0 | grep -q 'inet6 fd42::1/64'
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	cat "$TB/h1.log"
	ip -n "$NS1" -o addr show dev qdes0
	refute grep -q 'Operation not permitted' "$TB/h1.log"
	ip -n "$NS1" -d link show qdes0 | grep -q 'tun type tap'
	ip -n "$NS1" -o addr show dev qdes0 | grep -q 'inet 10.42.0.1/24'
	[ -z "$(ip -n "$NS1" -o addr show dev qdes0 | grep -E 'inet 10.42.1.1/|inet6 fd42::1/')" ]
}

@test "privileges: an unknown user is a configuration error: one line, exit 2, nothing set up" {
	daemon "$QDES_TAP" "${DEFAULTS[@]}" --user qt-no-such-user
	[ "$rc" -eq 2 ]
	[ "$err" = "qdes-tap: user 'qt-no-such-user': no such user" ]
	refute ip -n "$NS1" link show qdes0 2>/dev/null
	# a UID is looked up as well: it gives the primary group
	daemon "$QDES_TAP" "${DEFAULTS[@]}" --user 3999999999
	[ "$rc" -eq 2 ]
	[ "$err" = "qdes-tap: user '3999999999': no such user" ]
	refute ip -n "$NS1" link show qdes0 2>/dev/null
	# a persistent TAP is not touched
	ip -n "$NS1" tuntap add mode tap name qdes0
	daemon "$QDES_TAP" "${DEFAULTS[@]}" --user qt-no-such-user
	[ "$rc" -eq 2 ]
	[ -z "$(ip -n "$NS1" -o addr show dev qdes0 | grep 10.42.0.1)" ]
	# and from the ini file, where it is an interface key that [global] may give
	printf '[global]\nuser = qt-no-such-user\n[qdes0]\ngroup = 239.1.1.1:5000\nnetwork_id = 42\n' \
		>"$TB/qt.ini"
	daemon "$QDES_TAP" -c "$TB/qt.ini"
	[ "$rc" -eq 2 ]
	[ "$err" = "qdes-tap: user 'qt-no-such-user': no such user" ]
	# a bad name is a usage error before that
	daemon "$QDES_TAP" "${DEFAULTS[@]}" --user 'a:b'
	[ "$rc" -eq 2 ]
	[ "$err" = "qdes-tap: --user: invalid value 'a:b' (expected a user name or UID)" ]
}

@test "privileges: not root: --user naming itself changes nothing; another user is exit 1" {
	local wrap="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
	mkdir -p "$TB/qs"
	chown 65534 "$TB/qs"
	TB_WRAP=$wrap tb_start "$TAG" 1 -- -i none --qemu-socket "$TB/qs/q.sock" \
		-g 239.1.1.1:5000 -n 42 --user nobody
	grep -qx 'qdes-tap: user nobody: already running as uid 65534, nothing to drop' "$TB/h1.log"
	has_line "/proc/$(tb_pid "$TAG" 1)/status" $'Uid:\t65534\t65534\t65534\t65534'
	has_line "/proc/$(tb_pid "$TAG" 1)/status" $'CapEff:\t0000000000000000'
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	[ ! -e "$TB/qs/q.sock" ]

	# shellcheck disable=SC2086
	daemon $wrap "$QDES_TAP" -i none --qemu-socket "$TB/qs/q.sock" -g 239.1.1.1:5000 -n 42 \
		--user root
	[ "$rc" -eq 1 ]
	[ "$err" = "qdes-tap: user 'root': cannot switch from uid 65534 to uid 0 without root (CAP_SETUID and CAP_SETGID)" ]
	# found before anything was opened
	[ ! -e "$TB/qs/q.sock" ]
}

@test "privileges: a drop that fails after set-up undoes it: one line, exit 1, never on as root" {
	# root of a user namespace without setgroups() (unshare --map-root-user denies it): the
	# set-up works, the drop fails at its first step. Everything in the namespaces of unshare,
	# which go with it.
	unshare --user --map-root-user --net true 2>/dev/null || skip "no user namespaces here"
	run --separate-stderr timeout 20 unshare --user --map-root-user --net bash -c '
		ip link set lo up
		ip link add qt-v0 type veth peer name qt-v1
		ip link set qt-v0 up
		ip link set qt-v1 up
		ip addr add 10.77.0.1/24 dev qt-v0
		ip route add 224.0.0.0/4 dev qt-v0
		ip tuntap add mode tap name qdes0
		rc=0
		timeout 5 "$@" -i qdes0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.1/24 --user nobody \
			--control none || rc=$?
		echo "status $rc"
		ip -o addr show dev qdes0
		timeout 5 "$@" -i qdes1 -g 239.1.1.1:5000 -n 42 --user nobody --control none 2>/dev/null
		echo "status $?"
		ip -o link show qdes1 2>/dev/null || echo "qdes1 gone"
	' qt-bash "$QDES_TAP" ${QDES_TAP_ARGS-}
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "$stderr" = "qdes-tap: dropping privileges to nobody: setgroups: Operation not permitted" ]
	[[ ${lines[0]} == "status 1" ]]
	# the address it had added to the persistent TAP is gone again, as is a TAP it created
	refute grep -q '10.42.0.1' <<<"$output"
	[[ ${lines[-2]} == "status 1" ]]
	[[ ${lines[-1]} == "qdes1 gone" ]]
}

@test "privileges: the QEMU socket is the user's: it connects, others cannot; removed or left with a warning" {
	local sock=$TB/qs/q.sock frame=$TB/frame
	umask 022
	mkdir -p "$TB/qs" "$TB/qr"
	chown 65534 "$TB/qs"
	# one broadcast frame in QEMU's stream framing: 4-byte length, then 60 bytes
	printf '\x00\x00\x00\x3c\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x99\x88\xb5' >"$frame"
	head -c 46 /dev/zero >>"$frame"
	tb_start "$TAG" 1 --qemu-socket "$sock" --user nobody
	[ "$(stat -c %U:%G "$sock")" = "nobody:$(id -gn nobody)" ]
	refute grep -q 'not writable' "$TB/h1.log"
	# another unprivileged user may not connect; nobody may, and is a switch port
	refute tb_exec "$TAG" 1 setpriv --reuid=12345 --regid=12345 --clear-groups \
		socat -u OPEN:/dev/null "UNIX-CONNECT:$sock" 2>"$TB/connect.err"
	cat "$TB/connect.err"
	grep -q 'Permission denied' "$TB/connect.err"
	tb_exec "$TAG" 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		socat -u STDIN "UNIX-CONNECT:$sock" <"$frame"
	tb_wait 5 grep -q 'guest qemu1 disconnected' "$TB/h1.log"
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 qemu_connected)" -eq 1 ]
	[ "$(qt_counter 1 qemu_rx_frames)" -eq 1 ]
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	[ ! -e "$sock" ]
	refute grep -q 'cannot remove' "$TB/h1.log"

	# in a directory only root may write: said at start and at exit, and the file stays
	tb_start "$TAG" 1 --qemu-socket "$TB/qr/q.sock" --user nobody
	grep -q "qemu socket $TB/qr/q.sock: directory $TB/qr is not writable by nobody" "$TB/h1.log"
	rc=0
	tb_stop "$TAG" 1 || rc=$?
	[ "$rc" -eq 0 ]
	grep -q "qemu socket $TB/qr/q.sock: cannot remove: Permission denied" "$TB/h1.log"
	[ -S "$TB/qr/q.sock" ]
	# the next start replaces it
	tb_start "$TAG" 1 --qemu-socket "$TB/qr/q.sock"
	tb_stop "$TAG" 1
	[ ! -e "$TB/qr/q.sock" ]
}

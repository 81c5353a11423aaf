# SPDX-License-Identifier: GPL-2.0-or-later
# helpers.bash - common setup for the end-to-end tests: test bed library, per-test tags, cleanup
#
# In a test file:
#   QT_HOSTS=3                  # a fresh 3-host test bed named $TAG for every test
#   QT_BED_ARGS=(--ipv6)        # (optional) more arguments of tb_create
#   load helpers
# Loading defines the four hooks (setup_file, teardown_file, setup, teardown). A file that needs
# more in setup() defines its own after the load and calls qt_test_setup first; without
# QT_HOSTS a test gets only its tag and state directory.
#
# Every test gets its own TAG ("<file id>t<test number>"), so namespaces are qt-$TAG-h1 ... and
# the state directory is $TB_TMP/qt-$TAG (per-daemon logs hI.log: shown when a test fails).

# run ! (a command that must fail) and run's other flags
bats_require_minimum_version 1.5.0

REPO=$(cd "$(dirname "${BATS_TEST_FILENAME}")/../.." && pwd)
export TB_REPO=$REPO
# shellcheck source=../../scripts/testbed.sh
source "$REPO/scripts/testbed.sh"

# The hooks, unless the file defines its own after loading this one
setup_file() { qt_setup_file; }
teardown_file() { qt_teardown_file; }
setup() { qt_test_setup; }
teardown() { qt_teardown; }

# qt_test_setup - what every test starts with: the daemon exists, a fresh test bed
qt_test_setup()
{
	qt_require_binary || return 1
	if [[ -n ${QT_HOSTS-} ]]; then
		qt_setup "$QT_HOSTS" ${QT_BED_ARGS[@]+"${QT_BED_ARGS[@]}"}
	else
		qt_setup
	fi
}

# qt_setup_file - pick this file's tag prefix: 4 hex digits of the bats file runner's PID
qt_setup_file()
{
	QT_FTAG=$(printf '%04x' $(($$ % 65536)))
	export QT_FTAG
}

# qt_teardown_file - safety net: remove any test bed of this file a test left behind
qt_teardown_file()
{
	local ns tag
	[[ -n ${QT_FTAG-} ]] || return 0
	for ns in $(ip netns list | awk '{ print $1 }' | grep "^qt-${QT_FTAG}t[0-9]*-"); do
		tag=${ns#qt-}
		tag=${tag%%-*}
		tb_destroy "$tag"
	done
	return 0
}

# qt_require_binary - fail (not skip: a missing daemon is a broken build) without the binary
qt_require_binary()
{
	if [[ ! -x $QDES_TAP ]]; then
		echo "qdes-tap binary not found at $QDES_TAP (run make build/qdes-tap)" >&2
		return 1
	fi
}

# qt_setup [N] - tag for this test; with N, build an N-host test bed
qt_setup()
{
	[[ -n ${QT_FTAG-} ]] || qt_setup_file
	TAG="${QT_FTAG}t${BATS_TEST_NUMBER}"
	TB=$(tb_dir "$TAG")
	export TAG TB
	# run-bats.sh checks that this run's tags leave no namespace behind
	[[ -n ${QT_TAG_LOG-} ]] && echo "$TAG" >>"$QT_TAG_LOG"
	tb_destroy "$TAG" 2>/dev/null
	if [[ -n ${1-} ]]; then
		tb_create "$TAG" "$@"
	else
		mkdir -p "$TB"
	fi
}

# qt_teardown - on failure show the daemon logs, then remove the test bed
qt_teardown()
{
	local f
	if [[ -z ${BATS_TEST_COMPLETED-} ]] && [[ -d ${TB-} ]]; then
		for f in "$TB"/h*.log "$TB"/bg-*.out; do
			[[ -s $f ]] || continue
			echo "--- ${f##*/} (last 40 lines)"
			tail -n 40 "$f"
		done >&2
	fi
	tb_destroy "$TAG"
}

# qt_start_all N [ARGS...] - start the daemon in hosts 1..N with the defaults plus ARGS
qt_start_all()
{
	local n=$1 i
	shift
	for ((i = 1; i <= n; i++)); do
		tb_start "$TAG" "$i" "$@" || return 1
	done
}

# qt_ping NODE DST [ARGS...] - 3 pings must all be answered (prints ping's output on failure)
qt_ping()
{
	local out rc
	out=$(tb_ping "$TAG" "$@" 2>&1)
	rc=$?
	if ((rc)) || ! grep -q ' 0% packet loss' <<<"$out"; then
		echo "ping from $1 to $2 failed (status $rc):" >&2
		echo "$out" >&2
		return 1
	fi
}

# qt_noping NODE DST - no reply to 2 pings
qt_noping()
{
	local out
	if out=$(tb_exec "$TAG" "$1" timeout 5 ping -n -c 2 -i 0.2 -W 1 "$2" 2>&1); then
		echo "ping from $1 to $2 unexpectedly answered:" >&2
		echo "$out" >&2
		return 1
	fi
	return 0
}

# qt_tcpdump NODE NAME IFNAME FILTER - start tcpdump in the background (pcap in $TB/NAME.pcap)
# and wait until it captures (immediate mode: no packet waits in a kernel buffer when it stops)
qt_tcpdump()
{
	local node=$1 name=$2 ifname=$3
	shift 3
	tb_bg "$TAG" "$node" "$name" timeout 120 tcpdump -n -U --immediate-mode -i "$ifname" -w "$TB/$name.pcap" \
		"$@" || return 1
	tb_wait 5 grep -q 'listening on' "$TB/bg-$name.out" || {
		echo "tcpdump $name did not start:" >&2
		cat "$TB/bg-$name.out" >&2
		return 1
	}
}

# qt_tcpdump_count NAME [FILTER] - stop tcpdump NAME and print how many packets it captured (that
# match FILTER); fail if the capture cannot be read: "0" must mean it saw none
qt_tcpdump_count()
{
	local out name=$1
	shift
	tb_bg_kill "$TAG" "$name" INT
	out=$(tcpdump -n -r "$TB/$name.pcap" "$@" 2>"$TB/$name.err") || {
		echo "capture $name unreadable:" >&2
		cat "$TB/$name.err" >&2
		return 1
	}
	if [[ -z $out ]]; then
		echo 0
	else
		wc -l <<<"$out"
	fi
}

# qt_fdb_lacks NODE ERE - no entry of NODE's latest dump (tb_dump first) matches ERE; else show
# the FDB and fail
qt_fdb_lacks()
{
	if tb_fdb "$TAG" "$1" | grep -Eq -- "$2"; then
		echo "host $1: an FDB entry matches '$2':" >&2
		tb_fdb "$TAG" "$1" >&2
		return 1
	fi
}

# qt_counter NODE NAME - counter from the latest dump (dump first with tb_dump)
qt_counter() { tb_counter "$TAG" "$@"; }

# qt_randfile NAME SIZE - random data in $TB/NAME
qt_randfile() { head -c "$2" /dev/urandom >"$TB/$1"; }

# qt_sha FILE - sha256 of a file
qt_sha() { sha256sum "$1" | awk '{ print $1 }'; }

# qt_transfer FROM TO [PORT] [TIMEOUT] - send $TB/data over TCP from host FROM to 10.42.0.TO
# (PORT: default 7000, or 7001 from a higher host to a lower one; TIMEOUT 60 s); it must arrive
# whole and intact. Prints the seconds it took.
qt_transfer()
{
	local from=$1 to=$2 port=${3:-} tmo=${4:-60} secs recv
	[[ -n $port ]] || port=$((from < to ? 7000 : 7001))
	recv="$TB/recv-$from-$to-$port"
	secs=$(tb_tcp_send "$TAG" "$from" "$to" "10.42.0.$to" "$TB/data" "$recv" "$port" "$tmo") ||
		return 1
	if [[ $(stat -c %s "$recv") != "$(stat -c %s "$TB/data")" ||
		$(qt_sha "$recv") != "$(qt_sha "$TB/data")" ]]; then
		echo "transfer $from -> $to: $(stat -c %s "$recv") of $(stat -c %s "$TB/data") bytes" \
			"arrived, or not intact" >&2
		return 1
	fi
	echo "$secs"
}

# qt_bulk [LABEL] - with members 1 and 2 running: 50 MiB h1 -> h2 over TCP arrive intact (the
# time on the TAP stream), and both daemons still run
qt_bulk()
{
	local secs
	qt_ping 1 10.42.0.2 || return 1
	qt_randfile data 50M
	secs=$(qt_transfer 1 2) || return 1
	echo "# 50 MiB in $secs s${1:+ $1}" >&3
	tb_running "$TAG" 1 && tb_running "$TAG" 2
}

# qt_containment [LABEL] - with members 1..3 running: after ARP and learning, a 20 MiB TCP
# transfer h1 -> h2 arrives intact, h3's qdes0 sees none of it (h2's does: the control), h3's
# daemon writes almost nothing to its TAP, and h3's underlay receives under 1% of the bytes h2's
# does
qt_containment()
{
	local rx2 rx3 n n2 tap3
	# learn both directions (ARP and the FDB) before the measurement
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_randfile data 20M
	qt_tcpdump 3 dump3 qdes0 tcp port 7000
	qt_tcpdump 2 dump2 qdes0 tcp port 7000 # control: the same capture on h2 sees it
	tb_dump "$TAG" 3
	tap3=$(qt_counter 3 tap_tx_frames)
	rx2=$(tb_rx_bytes "$TAG" 2)
	rx3=$(tb_rx_bytes "$TAG" 3)
	tb_tcp_send "$TAG" 1 2 10.42.0.2 "$TB/data" "$TB/recv" 7000 60
	rx2=$(($(tb_rx_bytes "$TAG" 2) - rx2))
	rx3=$(($(tb_rx_bytes "$TAG" 3) - rx3))
	[ "$(qt_sha "$TB/data")" = "$(qt_sha "$TB/recv")" ]
	n=$(qt_tcpdump_count dump3)
	n2=$(qt_tcpdump_count dump2)
	tb_dump "$TAG" 3
	tap3=$(($(qt_counter 3 tap_tx_frames) - tap3))
	echo "h2 ul0 rx $rx2 bytes, h3 ul0 rx $rx3 bytes, h3 qdes0 saw $n TCP packets (h2: $n2)," \
		"h3 wrote $tap3 frames to its TAP"
	echo "# containment${1:+ $1}: h3/h2 underlay rx = $rx3/$rx2 bytes" >&3
	[ "$rx2" -gt $((20 * 1024 * 1024)) ]
	# h2 did see the transfer (fewer, larger frames when the TAPs use offloads)
	[ "$n2" -gt 100 ]
	[ "$n" -eq 0 ]
	[ $((rx3 * 100)) -lt "$rx2" ]
	# h3's daemon forwarded (almost) nothing to its TAP: at most a few flooded frames
	[ "$tap3" -lt 20 ]
}

# qt_isolation - with members 1 and 2 on network 42 and member 3 on 43 (same group or peers):
# 1 and 2 ping, neither reaches 3; h3's qdes0 sees none of h1's frames (h2's does: the control),
# h3 drops h1's datagrams as drop_netid and learns none of its MACs, h1 drops h3's likewise
qt_isolation()
{
	local mac1 n n2
	mac1=$(tb_mac "$TAG" 1)
	qt_tcpdump 3 dump3 qdes0 ether src "$mac1"
	qt_tcpdump 2 dump2 qdes0 ether src "$mac1"
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_noping 1 10.42.0.3
	qt_noping 3 10.42.0.1
	n=$(qt_tcpdump_count dump3)
	n2=$(qt_tcpdump_count dump2)
	echo "h3's qdes0 saw $n frames from $mac1, h2's $n2"
	[ "$n2" -gt 0 ]
	[ "$n" -eq 0 ]
	tb_dump "$TAG" 3
	[ "$(qt_counter 3 drop_netid)" -gt 0 ]
	if tb_fdb "$TAG" 3 | grep -q "$mac1"; then
		tb_fdb "$TAG" 3
		return 1
	fi
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 drop_netid)" -gt 0 ]
	tb_running "$TAG" 3
}

# qt_gone_member V4OR6 - h1 knows h2 at its unicast port; h2 is killed (no leave notice) and its
# port goes unanswered: h1's next frame to it meets an ICMP port unreachable, which flushes h2's
# MAC (counted), and frames to it flood; h1 goes on and meets h2 again when it is back
qt_gone_member()
{
	local dst=$1 mac2 n
	qt_ping 1 "$dst" || return 1
	mac2=$(tb_mac "$TAG" 2)
	tb_dump "$TAG" 1 || return 1
	tb_fdb "$TAG" 1 | grep -q "^$mac2 " || return 1
	tb_stop "$TAG" 2 KILL || true
	qt_noping 1 "$dst" || return 1
	tb_dump "$TAG" 1 || return 1
	qt_fdb_lacks 1 "^$mac2 " || return 1
	n=$(qt_counter 1 peer_unreachable)
	echo "h1: $n port unreachables, $(qt_counter 1 fdb_flushed) entries flushed"
	[ "$n" -ge 1 ] && [ "$(qt_counter 1 fdb_flushed)" -ge 1 ] || return 1
	tb_running "$TAG" 1 || return 1
	tb_start "$TAG" 2 || return 1
	qt_ping 1 "$dst"
}

# ms_since T - milliseconds since $EPOCHREALTIME was T
ms_since()
{
	local now=$EPOCHREALTIME
	echo $(((${now/./} - ${1/./}) / 1000))
}

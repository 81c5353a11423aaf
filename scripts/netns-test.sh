#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# netns-test.sh - build N network namespaces on one underlay, run qdes-tap in each, check them
#
#   scripts/netns-test.sh [-n N] [--keep] [--size MIB]
#
# Every host pings every other over the overlay (IPv4, IPv6 global, IPv6 link-local); then a TCP
# transfer host 1 -> host 2 measures throughput and, with N >= 3, the containment ratio: bytes
# host 3's underlay receives / bytes host 2's underlay receives during the transfer (learned
# unicast should keep it near 0). Needs root. Everything lives in namespaces qt-<tag>-*, removed
# on exit unless --keep. Exit status 0 only if every check passed. QDES_TAP selects the binary.

set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=testbed.sh
source "$repo/scripts/testbed.sh"

n=3
keep=0
size=100

usage()
{
	echo "usage: $0 [-n N] [--keep] [--size MIB]"
	echo "  -n N        number of hosts (2..20, default 3)"
	echo "  --keep      leave the namespaces and daemons running and print how to use them"
	echo "  --size MIB  TCP transfer size for the throughput check (default 100)"
}

while (($#)); do
	case $1 in
	-n)
		n=${2-}
		shift
		;;
	--keep) keep=1 ;;
	--size)
		size=${2-}
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
	shift
done
if [[ ! $n =~ ^[0-9]+$ ]] || ((n < 2 || n > 20)) || [[ ! $size =~ ^[0-9]+$ ]] || ((size < 1)); then
	usage >&2
	exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "netns-test.sh: needs root (network namespaces)" >&2
	exit 1
fi
if [[ ! -x $QDES_TAP ]]; then
	echo "netns-test.sh: no binary at $QDES_TAP (make build/qdes-tap)" >&2
	exit 1
fi
for tool in ip ping socat sha256sum; do
	command -v "$tool" >/dev/null || {
		echo "netns-test.sh: $tool not found" >&2
		exit 1
	}
done

tag=n$(printf '%x' $(($$ % 65536)))
failures=0
results=()
dir=

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup()
{
	local rc=$?
	if ((keep)) && [[ -d $dir ]]; then
		echo
		echo "Kept test bed '$tag' (daemon logs in $dir/h*.log). Enter a host with e.g.:"
		echo "  ip netns exec qt-$tag-h1 bash"
		echo "  ip netns exec qt-$tag-h1 ping 10.42.0.2"
		echo "  $QDES_TAP -S $dir/ctl/h1.ctl fdb show   # FDB; also show, stats, peer show"
		echo "Remove it with:"
		echo "  bash -c '. $repo/scripts/testbed.sh && tb_destroy $tag'"
		return
	fi
	tb_destroy "$tag" || rc=1
	if ip netns list | grep -q "^qt-$tag-"; then
		echo "netns-test.sh: namespaces left behind:" >&2
		ip netns list | grep "^qt-$tag-" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check NAME CMD... - run a check, record PASS/FAIL
check()
{
	local name=$1
	shift
	if "$@"; then
		results+=("PASS  $name")
	else
		results+=("FAIL  $name")
		failures=$((failures + 1))
		echo "FAIL: $name" >&2
	fi
}

echo "== test bed qt-$tag-*: $n hosts, binary $QDES_TAP"
tb_create "$tag" "$n" || exit 1
dir=$(tb_dir "$tag")
check "multicast on the underlay (h1 -> h2)" tb_mcast_probe "$tag" 1 2

echo "== starting qdes-tap in each host"
started=1
for ((i = 1; i <= n; i++)); do
	if ! tb_start "$tag" "$i"; then
		started=0
		break
	fi
	sed -n 's/^qdes-tap: /  h'"$i"': /p' "$(tb_log "$tag" "$i")" | head -n 1
done
check "qdes-tap starts in $n hosts" test "$started" = 1
((started)) || exit 1

declare -A ll
for ((i = 1; i <= n; i++)); do
	ll[$i]=$(tb_lladdr "$tag" "$i") || ll[$i]=none
done

# ping_pair I DST - 3 pings from host I; collect the RTTs
rtts=()
ping_pair()
{
	local out
	out=$(tb_ping "$tag" "$1" "$2" 2>&1) || {
		echo "$out" >&2
		return 1
	}
	grep -q ' 0% packet loss' <<<"$out" || {
		echo "$out" >&2
		return 1
	}
	rtts+=("$(sed -nE 's|^rtt min/avg/max/mdev = ([0-9.]+)/([0-9.]+)/([0-9.]+)/.*|\1 \2 \3|p' <<<"$out")")
}

echo "== ping every pair (IPv4, IPv6, IPv6 link-local)"
for fam in ipv4 ipv6 ll; do
	ok=1
	for ((i = 1; i <= n; i++)); do
		for ((j = 1; j <= n; j++)); do
			((i == j)) && continue
			case $fam in
			ipv4) dst=10.42.0.$j ;;
			ipv6) dst=fd42::$j ;;
			ll) dst=${ll[$j]}%qdes0 ;;
			esac
			ping_pair "$i" "$dst" || {
				echo "  h$i -> $dst failed" >&2
				ok=0
			}
		done
	done
	check "ping every pair over the overlay ($fam)" test "$ok" = 1
done
rtt=$(printf '%s\n' "${rtts[@]}" | awk 'NF == 3 {
	if (min == "" || $1 < min) min = $1; if ($3 > max) max = $3; sum += $2; k++ }
	END { if (k) printf "%.3f/%.3f/%.3f ms (%d runs)", min, sum / k, max, k; else print "none" }')
echo "  RTT min/avg/max: $rtt"

echo "== TCP transfer h1 -> h2, $size MiB"
head -c "${size}M" /dev/urandom >"$dir/data"
rx2=$(tb_rx_bytes "$tag" 2)
rx3=0
((n >= 3)) && rx3=$(tb_rx_bytes "$tag" 3)
secs=$(tb_tcp_send "$tag" 1 2 10.42.0.2 "$dir/data" "$dir/recv" 7000 120)
tcp_ok=$?
rx2=$(($(tb_rx_bytes "$tag" 2) - rx2))
((n >= 3)) && rx3=$(($(tb_rx_bytes "$tag" 3) - rx3))
if ((tcp_ok == 0)) && [[ $(sha256sum <"$dir/data") == $(sha256sum <"$dir/recv") ]]; then
	mbs=$(awk -v b=$((size * 1048576)) -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / s }')
	echo "  $size MiB in $secs s: $mbs MB/s, checksum matches"
	check "TCP transfer intact ($mbs MB/s)" true
else
	mbs=n/a
	check "TCP transfer intact" false
fi
rm -f "$dir/data" "$dir/recv"

ratio=n/a
if ((n >= 3)); then
	ratio=$(awk -v a="$rx3" -v b="$rx2" 'BEGIN { if (b > 0) printf "%.5f", a / b; else print "n/a" }')
	echo "  underlay rx during the transfer: h2 $rx2 bytes, h3 $rx3 bytes, ratio $ratio"
	check "containment: h3/h2 underlay bytes < 1% ($ratio)" \
		awk -v r="$ratio" 'BEGIN { exit !(r != "n/a" && r < 0.01) }'
fi

for ((i = 1; i <= n; i++)); do
	check "h$i daemon still running" tb_running "$tag" "$i"
done
if ((!keep)); then
	stop_ok=1
	for ((i = 1; i <= n; i++)); do
		tb_stop "$tag" "$i" || stop_ok=0
	done
	check "every daemon stops with status 0" test "$stop_ok" = 1
fi

echo
echo "== summary ($n hosts)"
printf '  %s\n' "${results[@]}"
echo "  ping RTT min/avg/max: $rtt"
echo "  TCP throughput h1 -> h2: $mbs MB/s"
echo "  containment ratio h3/h2: $ratio"
if ((failures)); then
	echo "netns-test: $failures check(s) FAILED"
	exit 1
fi
echo "netns-test: all checks passed"
exit 0

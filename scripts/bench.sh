#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench.sh - qdes-tap side by side with veth, the kernel's vxlan, vde_plug and the encrypted peers (make bench)
#
# Builds its own test bed of network namespaces and measures, one variant after another in one
# run and on the same overlay MTU (1450):
#   veth   no overlay: the underlay itself (ul0 set to MTU 1450), the ceiling of the test bed
#   vxlan  the kernel's vxlan device, multicast learning mode (id 42, group 239.1.1.1, port 5000)
#   vde    vde_plug tap://qt-vde0 vxvde://239.1.1.1/port=5000/vni=42/if=ul0 (Debian's vdeplug)
#   qdes   build/qdes-tap -i qt-q0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.N/24 -d ul0
#   sealed the same with --key (a fresh segment key): AES-256-GCM, MTU 1418
# and the encrypted peers of sealed segments, each with the cipher a user would choose:
#   tinc   tinc 1.0 in switch mode (Mode = switch, TAP), Cipher = aes-256-cbc, Digest = sha256,
#          a full mesh of ConnectTo, 2048-bit RSA host keys
#   ovpn   OpenVPN 2.6 --dev-type tap, UDP, TLS with self-signed certificates pinned by
#          --peer-fingerprint, data channel AES-256-GCM, no DCO (it has no TAP mode); point to
#          point, so hosts 1 and 2 only (no bystander: the flooding ratio does not apply); MTU 1420
#   wgvx   wireguard-go (the userspace WireGuard, ChaCha20-Poly1305) with the kernel's vxlan over
#          it for Ethernet: head-end replication to the two others (no multicast over WireGuard),
#          MTU 1370 (1420 of WireGuard less vxlan's 50); its CPU and RSS are wireguard-go's
# Per variant: ping RTT (min, mean, p99 of 200 pings 10 ms apart), TCP request/response rate
# (build/rr: 1-byte transactions on one connection, 5 s), TCP throughput and
# retransmits (iperf3, one stream, 10 s), UDP 64-byte packets per second delivered and loss
# (iperf3 -u -l 64 -b 0, 5 s: as fast as the sender goes; that rate differs per variant, so the
# loss is also measured at the same fixed 50 kpps for every variant, 3 s), CPU seconds of the
# overlay process per GiB moved by the TCP test (utime+stime from /proc/PID/stat), its peak RSS
# (VmHWM) and the flooding ratio: bytes host 3's underlay received during the host 1 -> host 2
# TCP test over the bytes host 2's received.
# One table with the ratios qdes/vxlan and qdes/vde, the environment on top. --runs N repeats the
# whole sequence and reports median (min-max); ratios are taken within each run, never across.
#
# Test bed: namespaces qt-bench-sw (bridge qt-br, mcast_snooping 0) and qt-bench-h1..h3, each host
# with ul0 = 10.77.0.N/24, routes 224.0.0.0/4 and default via ul0; the overlay interface gets
# 10.42.0.N/24. Host 3 is a member of the segment that takes no part in the traffic. Nothing is
# created in the root namespace, traffic stays inside these namespaces, and on any exit a trap
# stops, by PID, every process this script started and deletes every namespace it created.
#
# Exit status: 0 when everything ran, 1 when something failed to run (the table still shows the
# rest), 2 on a bad command line. Never because a number is low.

# functions run from traps, wait_for and by name (setup_$VARIANT) look unreachable to shellcheck
# shellcheck disable=SC2317
set -euo pipefail

usage()
{
	cat <<EOF
Usage: scripts/bench.sh [OPTIONS]
Benchmark qdes-tap against veth, the kernel's vxlan, vde_plug vxvde, tinc, OpenVPN and
wireguard-go with vxlan, in network namespaces.

  --runs N             repeat the whole sequence N times, report median (min-max) (default 1)
  --only V[,V...]      variants to run, of: veth vxlan vde qdes sealed tinc ovpn wgvx
                       (default: all, in that order)
  --json FILE          also write every number (per run, summary, ratios) to FILE
  --tcp-secs S         length of the TCP test (default 10)
  --udp-secs S         length of the UDP test (default 5)
  --udp-rate RATE      iperf3 -b of the UDP test (default 0: as fast as the sender goes)
  --udp-fixed-kpps N   rate of the second UDP test, the same for every variant (default 50;
                       0: skip it)
  --cc ALGO            TCP congestion control for the test (iperf3 -C; default: the kernel's)
  --qdes-args "ARGS"   extra options for qdes-tap (e.g. "--offload no")
  --no-install         do not install missing packages (iperf3, vdeplug) with apt-get
  --keep               keep the work directory (logs, raw iperf3 JSON) and print its path
  -h, --help           this help

Environment: QDES_TAP (binary, default build/qdes-tap), RR (the request/response tool, default
build/rr), BENCH_ARGS (options prepended to the command line: make bench BENCH_ARGS="--runs 3").
Needs root. One run takes about 6 minutes.
EOF
}

die()
{
	echo "bench: $*" >&2
	exit 1
}

log() { echo "bench: $*" >&2; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QDES_TAP=${QDES_TAP:-$REPO/build/qdes-tap}
RR=${RR:-$REPO/build/rr}
REPORT=$REPO/scripts/bench-report.py

RUNS=1
ONLY=veth,vxlan,vde,qdes,sealed,tinc,ovpn,wgvx
JSON_OUT=
TCP_SECS=10
UDP_SECS=5
UDP_RATE=0
UDP_FIXED_KPPS=50
UDP_FIXED_SECS=3
CC=
QDES_ARGS=
INSTALL=1
KEEP=0

args=()
if [[ -n ${BENCH_ARGS-} ]]; then
	read -ra args <<<"$BENCH_ARGS"
fi
args+=("$@")
set -- "${args[@]+"${args[@]}"}"
while (($#)); do
	case $1 in
	--runs | --only | --json | --tcp-secs | --udp-secs | --udp-rate | --udp-fixed-kpps | --cc | \
		--qdes-args)
		(($# >= 2)) || {
			echo "bench: $1 needs an argument" >&2
			exit 2
		}
		case $1 in
		--runs) RUNS=$2 ;;
		--only) ONLY=$2 ;;
		--json) JSON_OUT=$2 ;;
		--tcp-secs) TCP_SECS=$2 ;;
		--udp-secs) UDP_SECS=$2 ;;
		--udp-rate) UDP_RATE=$2 ;;
		--udp-fixed-kpps) UDP_FIXED_KPPS=$2 ;;
		--cc) CC=$2 ;;
		--qdes-args) QDES_ARGS=$2 ;;
		esac
		shift 2
		;;
	--no-install) INSTALL=0 && shift ;;
	--keep) KEEP=1 && shift ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "bench: unknown option '$1' (try --help)" >&2
		exit 2
		;;
	esac
done
for n in RUNS TCP_SECS UDP_SECS; do
	if [[ ! ${!n} =~ ^[1-9][0-9]{0,3}$ ]]; then
		echo "bench: --$(tr 'A-Z_' 'a-z-' <<<"$n"): invalid value '${!n}' (expected 1 to 9999)" >&2
		exit 2
	fi
done
[[ $UDP_FIXED_KPPS =~ ^(0|[1-9][0-9]{0,4})$ ]] || {
	echo "bench: --udp-fixed-kpps: invalid value '$UDP_FIXED_KPPS' (expected 0 to 99999)" >&2
	exit 2
}
[[ $UDP_RATE =~ ^[0-9]+[KMG]?$ ]] || {
	echo "bench: --udp-rate: invalid value '$UDP_RATE' (expected a number, optionally K, M or G)" >&2
	exit 2
}
[[ -z $CC || $CC =~ ^[a-z0-9_]+$ ]] || {
	echo "bench: --cc: invalid value '$CC'" >&2
	exit 2
}
VARIANTS=()
IFS=, read -ra only <<<"$ONLY"
for v in "${only[@]}"; do
	case $v in
	veth | vxlan | vde | qdes | sealed | tinc | ovpn | wgvx) VARIANTS+=("$v") ;;
	*)
		echo "bench: --only: unknown variant '$v' (expected veth, vxlan, vde, qdes, sealed," \
			"tinc, ovpn, wgvx)" >&2
		exit 2
		;;
	esac
done
((${#VARIANTS[@]})) || {
	echo "bench: --only: no variant" >&2
	exit 2
}
wants() { [[ " ${VARIANTS[*]} " == *" $1 "* ]]; }

[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TAP and vxlan devices)"
[[ -x $RR ]] || die "$RR not found (make build/rr)"

NS_SW=qt-bench-sw
HOSTS=(1 2 3)
hns() { echo "qt-bench-h$1"; }
GROUP=239.1.1.1
PORT=5000
NETID=42
MTU=1450
IPERF_PORT=5201
RR_PORT=5202
RR_SECS=5
VDE_URL="vxvde://$GROUP/port=$PORT/vni=$NETID/if=ul0"
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/qt-bench.XXXXXX")
PIDFILE=$WORK/pids # "PID STARTTIME ROLE" of everything started in the background
RAW=$WORK/raw      # "RUN VARIANT METRIC VALUE" lines
ENVF=$WORK/env
: >"$PIDFILE"
: >"$RAW"
: >"$ENVF"
CREATED_NS=()

# starttime PID - kernel start time of a process (field 22 of /proc/PID/stat), so that a recycled
# PID is never signalled by mistake
starttime()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# alive PID STARTTIME - the process still runs (a zombie does not count) and is the same one
alive()
{
	local stat want=$2
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	[[ $1 != Z && ${20} == "$want" ]]
}

# kill_recorded ROLE SIG - signal every recorded process of ROLE that is still the same process
kill_recorded()
{
	local pid st role
	while read -r pid st role; do
		[[ $role == "$1" ]] && alive "$pid" "$st" && kill "-$2" "$pid" 2>/dev/null
	done <"$PIDFILE"
	return 0
}

any_recorded_alive()
{
	local pid st role
	while read -r pid st role; do
		alive "$pid" "$st" && return 0
	done <"$PIDFILE"
	return 1
}

cleanup()
{
	local rc=$? i ns p
	set +e
	trap - EXIT INT TERM HUP
	# the variant's subshell first (so it starts nothing new), then the overlay processes
	# themselves (one SIGTERM: a clean stop), then their timeout wrappers and the rest, then
	# SIGKILL for whatever is left
	kill_recorded variant TERM
	kill_recorded main TERM
	for ((i = 0; i < 20; i++)); do any_recorded_alive || break; sleep 0.1; done
	kill_recorded wrapper TERM
	for ((i = 0; i < 20; i++)); do any_recorded_alive || break; sleep 0.1; done
	kill_recorded variant KILL
	kill_recorded main KILL
	kill_recorded wrapper KILL
	for ns in "${CREATED_NS[@]+"${CREATED_NS[@]}"}"; do
		# only this script's children can run in namespaces it created
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
	done
	if ((KEEP)); then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# spawn NAME NS SECONDS CMD... - run CMD in namespace NS in the background under a timeout of
# SECONDS, output to WORK/NAME.log; sets SPAWN_PID (the timeout wrapper, recorded for cleanup)
spawn()
{
	local name=$1 ns=$2 secs=$3 st
	shift 3
	ip netns exec "$ns" timeout -k 2 "$secs" "$@" </dev/null >"$WORK/$name.log" 2>&1 &
	SPAWN_PID=$!
	SPAWN_ST=$(starttime "$SPAWN_PID") || SPAWN_ST=gone
	echo "$SPAWN_PID $SPAWN_ST wrapper" >>"$PIDFILE"
}

gone() { ! alive "$1" "$2"; }

# main_pid WRAPPER - PID of the command that the timeout wrapper runs (recorded for cleanup)
main_pid()
{
	local w=$1 i c st
	for ((i = 0; i < 50; i++)); do
		c=$(cat "/proc/$w/task/$w/children" 2>/dev/null) || c=
		c=${c%% *}
		if [[ -n $c ]]; then
			st=$(starttime "$c") || return 1
			echo "$c $st main" >>"$PIDFILE"
			echo "$c"
			return 0
		fi
		sleep 0.02
	done
	return 1
}

# stop WRAPPER [MAIN] - SIGTERM to the command itself (timeout would signal it twice: to it and
# to its process group), wait up to 3 s, then SIGKILL; return the command's exit status
stop()
{
	local w=$1 m=${2-} st i rc=0
	if [[ -n $m ]] && st=$(starttime "$m") && alive "$m" "$st"; then
		kill -TERM "$m" 2>/dev/null || true
	else
		st=$(starttime "$w") && alive "$w" "$st" && kill -TERM "$w" 2>/dev/null
	fi
	st=$(starttime "$w") || st=
	for ((i = 0; i < 30; i++)); do
		if [[ -z $st ]] || ! alive "$w" "$st"; then
			break
		fi
		sleep 0.1
	done
	if [[ -n $st ]] && alive "$w" "$st"; then
		log "pid $w did not stop on SIGTERM: SIGKILL"
		[[ -n $m ]] && kill -KILL "$m" 2>/dev/null
		kill -KILL "$w" 2>/dev/null || true
	fi
	wait "$w" 2>/dev/null || rc=$?
	return "$rc"
}

# wait_for SECONDS CMD... - poll CMD every 0.05 s until it succeeds; fail after SECONDS
wait_for()
{
	local secs=$1 end
	shift
	end=$((SECONDS + secs))
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.05
	done
}

listening() { [[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null) ]]; }
link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
link_up() { [[ $(ip -n "$1" -o link show dev "$2" 2>/dev/null) =~ [\<,]UP[,\>] ]]; }
sysfs() { ip netns exec "$1" cat "/sys/class/net/$2/$3"; }

# cpu_ticks PID - utime + stime of a process (all its threads), in clock ticks
cpu_ticks()
{
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo $((${12} + ${13}))
}

hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

pkg_installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

# install what the benchmark needs and a fresh Debian lacks (noninteractive, bounded)
install_packages()
{
	local want=() missing=() p
	command -v iperf3 >/dev/null || want+=(iperf3)
	command -v ping >/dev/null || want+=(iputils-ping)
	command -v ss >/dev/null || want+=(iproute2)
	command -v python3 >/dev/null || want+=(python3)
	if wants vde && ! command -v vde_plug >/dev/null; then
		want+=(vdeplug)
	fi
	wants tinc && ! command -v tincd >/dev/null && want+=(tinc)
	if wants ovpn; then
		command -v openvpn >/dev/null || want+=(openvpn)
		command -v openssl >/dev/null || want+=(openssl)
	fi
	if wants wgvx; then
		command -v wireguard-go >/dev/null || want+=(wireguard-go)
		command -v wg >/dev/null || want+=(wireguard-tools)
	fi
	for p in "${want[@]+"${want[@]}"}"; do
		pkg_installed "$p" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if ((!INSTALL)); then
		log "missing: ${missing[*]} (--no-install given)"
		return 0
	fi
	if ! command -v apt-get >/dev/null; then
		log "missing: ${missing[*]}, and no apt-get to install them"
		return 0
	fi
	log "installing ${missing[*]} (apt-get, noninteractive)"
	# iperf3 asks whether to start a system-wide server: no
	if command -v debconf-set-selections >/dev/null; then
		echo 'iperf3 iperf3/start_daemon boolean false' | debconf-set-selections || true
	fi
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -q >&2 ||
		log "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -q -y --no-install-recommends \
		-o Dpkg::Use-Pty=0 "${missing[@]}" >&2 || log "apt-get install failed"
}

install_packages
for c in iperf3 ping ss python3 ip timeout; do
	command -v "$c" >/dev/null || die "$c not found"
done
# the real interpreter, not a pyenv shim: it starts faster and runs under any environment
PY=$(python3 -c 'import sys; print(sys.executable)')

# ---- environment (printed on top of the table) ----
env_set() { printf '%s\t%s\n' "$1" "$2" >>"$ENVF"; }
qdes_version=missing
if [[ -x $QDES_TAP ]]; then
	qdes_version=$(timeout 5 "$QDES_TAP" --version 2>/dev/null || echo "?")
	rev=$(git -C "$REPO" describe --always --dirty 2>/dev/null || true)
	[[ -n $rev ]] && qdes_version+=" (git $rev)"
fi
vde_version=missing
if command -v vde_plug >/dev/null; then
	vde_version="vdeplug $(dpkg-query -W -f='${Version}' vdeplug 2>/dev/null || echo '?')"
fi
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo missing; }
env_set peers "tinc $(pkg_version tinc), openvpn $(pkg_version openvpn), wireguard-go $(
	pkg_version wireguard-go)"
env_set date "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
env_set kernel "$(uname -r)"
env_set cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
env_set nproc "$(nproc)"
env_set loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
env_set qdes_tap "$qdes_version $QDES_TAP${QDES_ARGS:+ $QDES_ARGS}"
env_set iperf3 "$(iperf3 --version 2>/dev/null | head -n 1)"
env_set vdeplug "$vde_version"
env_set vde_url "vde_plug tap://qt-vde0 $VDE_URL"
env_set runs "$RUNS"
env_set tcp_secs "$TCP_SECS"
env_set udp_secs "$UDP_SECS (64-byte payload, -b $UDP_RATE)$(
	((UDP_FIXED_KPPS)) && echo "; then $UDP_FIXED_SECS at $UDP_FIXED_KPPS kpps")"
env_set udp_fixed_kpps "$UDP_FIXED_KPPS"
env_set mtu "overlay $MTU, underlay 1500 (veth variant: ul0 at $MTU)"

# ---- test bed ----
for ns in $NS_SW $(for i in "${HOSTS[@]}"; do hns "$i"; done); do
	if ip netns list | grep -q "^$ns\( \|$\)"; then
		die "namespace $ns exists already: another bench runs, or a killed one left it" \
			"(remove it with: ip netns del $ns)"
	fi
done

addns()
{
	ip netns add "$1"
	CREATED_NS+=("$1")
	ip -n "$1" link set lo up
}

log "building the test bed (qt-bench-sw, qt-bench-h1..h${#HOSTS[@]})"
addns "$NS_SW"
ip -n "$NS_SW" link add qt-br type bridge mcast_snooping 0 mcast_querier 0 stp_state 0
ip -n "$NS_SW" link set qt-br up
for i in "${HOSTS[@]}"; do
	h=$(hns "$i")
	addns "$h"
	ip netns exec "$h" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
	# both ends created in their namespaces: nothing appears in the root namespace
	ip link add ul0 netns "$h" type veth peer name "qt-p$i" netns "$NS_SW"
	ip -n "$NS_SW" link set "qt-p$i" master qt-br up
	ip -n "$h" link set ul0 up
	ip -n "$h" addr add "10.77.0.$i/24" dev ul0
	ip -n "$h" route add 224.0.0.0/4 dev ul0
	ip -n "$h" route add default dev ul0
done
wait_for 5 timeout 3 ip netns exec "$(hns 1)" ping -n -q -c 1 -W 1 10.77.0.2 >/dev/null ||
	die "the underlay does not pass traffic (ping 10.77.0.1 -> 10.77.0.2)"
cc=$(ip netns exec "$(hns 1)" sysctl -n net.ipv4.tcp_congestion_control)
if [[ -n $CC ]]; then
	env_set tcp_cc "$CC (--cc; the namespace's default is $cc)"
else
	env_set tcp_cc "$cc (the kernel's default, as found in the namespaces)"
fi

# ---- one variant of one run, in a subshell with errexit: any failure ends only this variant ----
STEPFILE=$WORK/step
step() { echo "$*" >"$STEPFILE"; }
record() { echo "$RUN $VARIANT $1 $2" >>"$RAW"; }

# per variant: the overlay interface, target address and the processes that carry the overlay
declare -A OPID OWRAP # host -> main PID / wrapper PID of the overlay process
IFACE=
DST=

setup_veth()
{
	local i
	IFACE=ul0
	DST=10.77.0.2
	for i in "${HOSTS[@]}"; do
		ip -n "$(hns "$i")" link set ul0 mtu "$MTU"
	done
}

setup_vxlan()
{
	local i h
	IFACE=qt-vx0
	DST=10.42.0.2
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		ip -n "$h" link add qt-vx0 type vxlan id "$NETID" group "$GROUP" dev ul0 dstport "$PORT"
		ip -n "$h" link set qt-vx0 mtu "$MTU" up
		ip -n "$h" addr add "10.42.0.$i/24" dev qt-vx0
	done
}

# the daemons get a timeout well beyond the variant's length, in case this script is SIGKILLed
daemon_secs() { echo $((TCP_SECS + UDP_SECS + UDP_FIXED_SECS + 120)); }

# overlay_started I - host I's overlay process is the one spawn just started
overlay_started()
{
	OWRAP[$1]=$SPAWN_PID
	OPID[$1]=$(main_pid "$SPAWN_PID")
}

# overlay_tap H I IFACE MTU - the TAP the overlay made in namespace H: once it exists, its MTU
# (before any traffic, or the underlay fragments), up, and address 10.42.0.I
overlay_tap()
{
	wait_for 5 link_exists "$1" "$3" &&
		ip -n "$1" link set "$3" mtu "$4" up &&
		ip -n "$1" addr add "10.42.0.$2/24" dev "$3"
}

setup_vde()
{
	local i h
	IFACE=qt-vde0
	DST=10.42.0.2
	command -v vde_plug >/dev/null || {
		step "finding vde_plug (install Debian's vdeplug)"
		return 1
	}
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		step "starting vde_plug in $h"
		spawn "vde-$RUN-h$i" "$h" "$(daemon_secs)" vde_plug tap://qt-vde0 "$VDE_URL"
		overlay_started "$i"
		# the TAP exists only while vde_plug runs, and comes up with MTU 1500
		overlay_tap "$h" "$i" qt-vde0 "$MTU" || return 1
	done
}

# qdes-tap with a segment key (key=): its MTU is 32 bytes less, as a user gets it
setup_sealed()
{
	(umask 077 && "$QDES_TAP" genkey >"$WORK/seal.key") || return 1
	VARIANT_MTU=$((MTU - 32))
	SEAL_ARGS=(--key "$WORK/seal.key")
	setup_qdes
}

setup_qdes()
{
	local i h args=()
	IFACE=qt-q0
	DST=10.42.0.2
	[[ -x $QDES_TAP ]] || {
		step "finding $QDES_TAP (make build/qdes-tap)"
		return 1
	}
	[[ -n $QDES_ARGS ]] && read -ra args <<<"$QDES_ARGS"
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		step "starting qdes-tap in $h (log: qdes-$RUN-h$i.log)"
		# each its own control socket: the three serve interfaces of one name
		spawn "qdes-$RUN-h$i" "$h" "$(daemon_secs)" "$QDES_TAP" -i qt-q0 -g "$GROUP:$PORT" \
			-n "$NETID" -a "10.42.0.$i/24" -d ul0 --control "$WORK/qdes-$RUN-h$i.ctl" \
			${SEAL_ARGS[@]+"${SEAL_ARGS[@]}"} "${args[@]+"${args[@]}"}"
		overlay_started "$i"
		wait_for 5 link_up "$h" qt-q0 || {
			cat "$WORK/qdes-$RUN-h$i.log" >&2
			return 1
		}
		wait_for 5 grep -q "qt-q0: up" "$WORK/qdes-$RUN-h$i.log"
	done
}

# tinc 1.0 in switch mode, each host a ConnectTo of the two others, with the cipher and digest a
# user of tinc would set for a real segment
setup_tinc()
{
	local i j h d
	IFACE=qt-tinc0
	DST=10.42.0.2
	command -v tincd >/dev/null || {
		step "finding tincd (install Debian's tinc)"
		return 1
	}
	step "making tinc's host keys"
	for i in "${HOSTS[@]}"; do
		d=$WORK/tinc-$RUN-h$i
		mkdir -p "$d/hosts"
		{
			echo "Name = h$i"
			echo "Mode = switch"
			echo "DeviceType = tap"
			echo "Interface = qt-tinc0"
			echo "AddressFamily = ipv4"
			echo "BindToAddress = 10.77.0.$i"
			for j in "${HOSTS[@]}"; do
				((j == i)) || echo "ConnectTo = h$j"
			done
		} >"$d/tinc.conf"
		printf 'Address = 10.77.0.%s\nPort = 655\nCipher = aes-256-cbc\nDigest = sha256\n' \
			"$i" >"$d/hosts/h$i"
		tincd -c "$d" -K 2048 </dev/null >"$WORK/tinc-$RUN-keygen.log" 2>&1 || {
			cat "$WORK/tinc-$RUN-keygen.log" >&2
			return 1
		}
	done
	for i in "${HOSTS[@]}"; do
		for j in "${HOSTS[@]}"; do
			((j == i)) || cp "$WORK/tinc-$RUN-h$j/hosts/h$j" "$WORK/tinc-$RUN-h$i/hosts/h$j"
		done
	done
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		d=$WORK/tinc-$RUN-h$i
		step "starting tincd in $h (log: tinc-$RUN-h$i.log)"
		spawn "tinc-$RUN-h$i" "$h" "$(daemon_secs)" tincd -c "$d" -D --pidfile="$d/pid"
		overlay_started "$i"
		overlay_tap "$h" "$i" qt-tinc0 "$MTU" || return 1
	done
}

# OpenVPN is point to point in its simplest TAP setup (a server for three would add a hub):
# hosts 1 and 2, TLS with a self-signed certificate each, pinned by fingerprint (no CA to make),
# and the data channel it negotiates by default in 2.6, AES-256-GCM
setup_ovpn()
{
	local i h d fp=() role peer
	IFACE=qt-ovpn0
	DST=10.42.0.2
	VARIANT_HOSTS=(1 2)
	VARIANT_MTU=1420 # 14 Ethernet + 24 OpenVPN (opcode, peer id, packet id, tag) + 28 IP/UDP
	command -v openvpn >/dev/null || {
		step "finding openvpn (install Debian's openvpn)"
		return 1
	}
	step "making OpenVPN's certificates"
	for i in 1 2; do
		d=$WORK/ovpn-$RUN-h$i
		mkdir -p "$d"
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj "/CN=qt-h$i" -keyout "$d/key.pem" -out "$d/cert.pem" 2>"$d/openssl.log" || {
			cat "$d/openssl.log" >&2
			return 1
		}
		fp[i]=$(openssl x509 -in "$d/cert.pem" -noout -fingerprint -sha256)
		fp[i]=${fp[i]#*=}
	done
	for i in 1 2; do
		h=$(hns "$i")
		d=$WORK/ovpn-$RUN-h$i
		peer=$((3 - i))
		role=--tls-server
		((i == 2)) && role=--tls-client
		step "starting openvpn in $h (log: ovpn-$RUN-h$i.log)"
		spawn "ovpn-$RUN-h$i" "$h" "$(daemon_secs)" openvpn --dev qt-ovpn0 --dev-type tap \
			--proto udp --local "10.77.0.$i" --lport 1194 --remote "10.77.0.$peer" --rport 1194 \
			"$role" --dh none --cert "$d/cert.pem" --key "$d/key.pem" \
			--peer-fingerprint "${fp[peer]}" --data-ciphers AES-256-GCM --disable-dco \
			--tun-mtu "$VARIANT_MTU" --verb 3
		overlay_started "$i"
		overlay_tap "$h" "$i" qt-ovpn0 "$VARIANT_MTU" || return 1
	done
	step "waiting for OpenVPN's TLS handshake"
	for i in 1 2; do
		wait_for 15 grep -q "Initialization Sequence Completed" "$WORK/ovpn-$RUN-h$i.log" || {
			cat "$WORK/ovpn-$RUN-h$i.log" >&2
			return 1
		}
	done
	grep -q "AES-256-GCM" "$WORK/ovpn-$RUN-h1.log" || {
		log "openvpn did not negotiate AES-256-GCM"
		return 1
	}
}

# wireguard-go carries IP only: the kernel's vxlan over it makes the Ethernet segment. Each
# host's WireGuard interface has its own name, since wireguard-go's control sockets live in
# /var/run/wireguard, which the namespaces share.
setup_wgvx()
{
	local i j h peers
	IFACE=qt-vx0
	DST=10.42.0.2
	VARIANT_MTU=1370
	if ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
		step "finding wireguard-go and wg (install Debian's wireguard-go and wireguard-tools)"
		return 1
	fi
	step "making WireGuard keys"
	for i in "${HOSTS[@]}"; do
		(umask 077 && wg genkey >"$WORK/wg-$RUN-h$i.key")
		wg pubkey <"$WORK/wg-$RUN-h$i.key" >"$WORK/wg-$RUN-h$i.pub"
	done
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		step "starting wireguard-go in $h (log: wg-$RUN-h$i.log)"
		[[ ! -e /var/run/wireguard/qt-wg$i.sock ]] || {
			log "/var/run/wireguard/qt-wg$i.sock exists: another wireguard-go runs qt-wg$i"
			return 1
		}
		spawn "wg-$RUN-h$i" "$h" "$(daemon_secs)" wireguard-go -f "qt-wg$i"
		overlay_started "$i"
		wait_for 5 test -S "/var/run/wireguard/qt-wg$i.sock"
		peers=()
		for j in "${HOSTS[@]}"; do
			((j == i)) || peers+=(peer "$(cat "$WORK/wg-$RUN-h$j.pub")" \
				allowed-ips "10.78.0.$j/32" endpoint "10.77.0.$j:51820")
		done
		ip netns exec "$h" wg set "qt-wg$i" private-key "$WORK/wg-$RUN-h$i.key" \
			listen-port 51820 "${peers[@]}"
		ip -n "$h" addr add "10.78.0.$i/24" dev "qt-wg$i"
		ip -n "$h" link set "qt-wg$i" mtu 1420 up
		ip -n "$h" link add qt-vx0 type vxlan id "$NETID" local "10.78.0.$i" dev "qt-wg$i" \
			dstport 4789
		for j in "${HOSTS[@]}"; do
			((j == i)) || bridge -n "$h" fdb append 00:00:00:00:00:00 dev qt-vx0 dst "10.78.0.$j"
		done
		ip -n "$h" link set qt-vx0 mtu "$VARIANT_MTU" up
		ip -n "$h" addr add "10.42.0.$i/24" dev qt-vx0
	done
}

teardown()
{
	local i h rc
	set +e
	for i in "${!OWRAP[@]}"; do
		rc=0
		stop "${OWRAP[$i]}" "${OPID[$i]-}" || rc=$?
		if [[ $VARIANT == qdes || $VARIANT == sealed ]] && ((rc != 0)); then
			log "run $RUN: qdes-tap in $(hns "$i") exited with status $rc on SIGTERM"
		fi
	done
	for i in "${HOSTS[@]}"; do
		h=$(hns "$i")
		case $VARIANT in
		veth) ip -n "$h" link set ul0 mtu 1500 ;;
		vxlan) ip -n "$h" link del qt-vx0 2>/dev/null ;;
		vde) ip -n "$h" link del qt-vde0 2>/dev/null ;;
		qdes | sealed) ip -n "$h" link del qt-q0 2>/dev/null ;;
		tinc) ip -n "$h" link del qt-tinc0 2>/dev/null ;;
		ovpn) ip -n "$h" link del qt-ovpn0 2>/dev/null ;;
		wgvx) ip -n "$h" link del qt-vx0 2>/dev/null && ip -n "$h" link del "qt-wg$i" 2>/dev/null ;;
		esac
	done
	return 0
}

# iperf3 NAME ARGS... - one iperf3 test from host 1 to host 2: a one-shot server (killed by PID
# if no client came: iperf3 -s -1 would wait forever) and the client, both JSON
iperf3_test()
{
	local name=$1 srv srv_st rc=0
	shift
	local h1 h2
	h1=$(hns 1)
	h2=$(hns 2)
	spawn "$name-srv" "$h2" 60 iperf3 -s -1 -B "$DST" -p "$IPERF_PORT" --json
	srv=$SPAWN_PID
	srv_st=$SPAWN_ST
	wait_for 5 listening "$h2" "$IPERF_PORT" || {
		stop "$srv" || true
		cat "$WORK/$name-srv.log" >&2
		return 1
	}
	ip netns exec "$h1" timeout 60 iperf3 -c "$DST" -p "$IPERF_PORT" --connect-timeout 3000 \
		--json "$@" >"$WORK/$name-cli.json" 2>"$WORK/$name-cli.err" || rc=$?
	# the server ends by itself after its one test and writes its JSON then
	wait_for 5 gone "$srv" "$srv_st" || true
	stop "$srv" || true
	if ((rc)); then
		log "iperf3 client failed (status $rc):"
		cat "$WORK/$name-cli.err" "$WORK/$name-cli.json" >&2
		return 1
	fi
}

# rr_test NAME - 1-byte TCP transactions over one connection, host 1 -> host 2, for RR_SECS
rr_test()
{
	local name=$1 srv out
	spawn "$name-srv" "$(hns 2)" $((RR_SECS + 30)) "$RR" server "$DST" "$RR_PORT"
	srv=$SPAWN_PID
	wait_for 5 listening "$(hns 2)" "$RR_PORT" || {
		cat "$WORK/$name-srv.log" >&2
		return 1
	}
	out=$(ip netns exec "$(hns 1)" timeout $((RR_SECS + 20)) "$RR" client "$DST" "$RR_PORT" \
		"$RR_SECS") || {
		log "rr client failed: $out"
		return 1
	}
	stop "$srv" || true
	record rr_ktps "$(calc "$(awk '{ print $6 }' <<<"$out") / 1000")"
}

# rec_parsed CMD... - record the "METRIC VALUE" lines that bench-report.py prints; each value
# is also left in PARSED_METRIC
rec_parsed()
{
	local out k v
	out=$("$PY" "$REPORT" "$@")
	while read -r k v; do
		record "$k" "$v"
		declare -g "PARSED_$k=$v"
	done <<<"$out"
}

measure()
{
	local h1 h2 h3 i name c0=() c1=() rx2a rx3a rx2b rx3b bytes hwm=0 m cc_args=() vhosts
	if [[ -n ${VARIANT_HOSTS+set} ]]; then
		vhosts=("${VARIANT_HOSTS[@]}")
	else
		vhosts=("${HOSTS[@]}")
	fi
	h1=$(hns 1)
	h2=$(hns 2)
	h3=$(hns 3)
	name="$VARIANT-$RUN"

	step "checking the interface MTU"
	for i in "${vhosts[@]}"; do
		m=$(sysfs "$(hns "$i")" "$IFACE" mtu)
		[[ $m == "${VARIANT_MTU:-$MTU}" ]] || {
			log "$IFACE in $(hns "$i") has MTU $m, not ${VARIANT_MTU:-$MTU}"
			return 1
		}
	done

	# the first pings also teach the learning switches where everybody is; host 3 included,
	# so that the flooding check sees a member that knows the others, not a stranger
	step "waiting for host 1 to reach host 3 and host 2 over $IFACE"
	if ((${#vhosts[@]} == 3)); then
		wait_for 10 timeout 3 ip netns exec "$h1" ping -n -q -c 1 -W 1 "${DST%.2}.3" >/dev/null
	fi
	wait_for 10 timeout 3 ip netns exec "$h1" ping -n -q -c 1 -W 1 "$DST" >/dev/null

	step "ping"
	log "run $RUN/$RUNS $VARIANT: ping"
	timeout 20 ip netns exec "$h1" ping -n -c 200 -i 0.01 -W 1 "$DST" >"$WORK/$name-ping.out" ||
		true # some loss is a number, not a failure; no reply at all fails in the parser
	rec_parsed ping "$WORK/$name-ping.out"

	step "TCP request/response (build/rr)"
	log "run $RUN/$RUNS $VARIANT: TCP request/response, 1 byte, $RR_SECS s"
	rr_test "$name-rr"

	step "TCP (iperf3)"
	log "run $RUN/$RUNS $VARIANT: TCP, $TCP_SECS s"
	[[ -n $CC ]] && cc_args=(-C "$CC")
	for i in "${HOSTS[@]}"; do
		c0[i]=NA
		[[ -n ${OPID[$i]-} ]] && c0[i]=$(cpu_ticks "${OPID[$i]}")
	done
	rx2a=$(sysfs "$h2" ul0 statistics/rx_bytes)
	rx3a=$(sysfs "$h3" ul0 statistics/rx_bytes)
	iperf3_test "$name-tcp" -t "$TCP_SECS" "${cc_args[@]+"${cc_args[@]}"}"
	rx2b=$(sysfs "$h2" ul0 statistics/rx_bytes)
	rx3b=$(sysfs "$h3" ul0 statistics/rx_bytes)
	for i in "${HOSTS[@]}"; do
		c1[i]=NA
		[[ -n ${OPID[$i]-} ]] && c1[i]=$(cpu_ticks "${OPID[$i]}")
	done
	rec_parsed tcp "$WORK/$name-tcp-cli.json"
	# shellcheck disable=SC2154 # set by rec_parsed tcp
	bytes=${PARSED_tcp_bytes:?}
	if ((${#vhosts[@]} < 3)); then
		record flood NA # no bystander member
	elif ((rx2b > rx2a)); then
		record flood "$(calc "100 * ($rx3b - $rx3a) / ($rx2b - $rx2a)")"
	else
		record flood NA
	fi
	if [[ ${c0[1]} == NA ]]; then
		record cpu_tx NA
		record cpu_rx NA
	else
		record cpu_tx "$(calc "(${c1[1]} - ${c0[1]}) / $CLK_TCK / ($bytes / 1073741824)")"
		record cpu_rx "$(calc "(${c1[2]} - ${c0[2]}) / $CLK_TCK / ($bytes / 1073741824)")"
		if [[ ${c0[3]} == NA ]]; then
			record cpu_h3_s NA
		else
			record cpu_h3_s "$(calc "(${c1[3]} - ${c0[3]}) / $CLK_TCK")"
		fi
	fi

	step "UDP 64 B (iperf3)"
	log "run $RUN/$RUNS $VARIANT: UDP 64 B, $UDP_SECS s"
	iperf3_test "$name-udp" -u -l 64 -b "$UDP_RATE" -t "$UDP_SECS"
	rec_parsed udp "$WORK/$name-udp-cli.json" "$WORK/$name-udp-srv.log"

	if ((UDP_FIXED_KPPS)); then
		step "UDP 64 B at $UDP_FIXED_KPPS kpps (iperf3)"
		log "run $RUN/$RUNS $VARIANT: UDP 64 B at $UDP_FIXED_KPPS kpps, $UDP_FIXED_SECS s"
		iperf3_test "$name-udpfix" -u -l 64 -b $((UDP_FIXED_KPPS * 1000 * 64 * 8)) \
			-t "$UDP_FIXED_SECS"
		rec_parsed udpfix "$WORK/$name-udpfix-cli.json" "$WORK/$name-udpfix-srv.log"
	fi

	if [[ -n ${OPID[1]-} ]]; then
		for i in "${vhosts[@]}"; do
			m=$(hwm_kib "${OPID[$i]}")
			((m > hwm)) && hwm=$m
		done
		record rss "$(calc "$hwm / 1024")"
	else
		record rss NA
	fi
}

# tcp_queried SOCKET NAME - TCP while a client asks the daemon at SOCKET for stats -j and fdb
# show -j 20 times a second; prints that throughput over the plain TCP test's
tcp_queried()
{
	local ctl=$1 name=$2 qpid pyout
	(
		end=$((SECONDS + TCP_SECS + 3))
		while ((SECONDS < end)); do
			"$QDES_TAP" -S "$ctl" -j stats >/dev/null || exit 1
			"$QDES_TAP" -S "$ctl" -j fdb show >/dev/null || exit 1
			sleep 0.05
		done
	) &
	qpid=$!
	echo "$qpid $(starttime "$qpid" || echo gone) queries" >>"$PIDFILE"
	iperf3_test "$name" -t "$TCP_SECS" >&2
	wait "$qpid" || {
		log "control queries failed during the TCP test"
		return 1
	}
	pyout=$("$PY" "$REPORT" tcp "$WORK/$name-cli.json")
	calc "$(awk '$1 == "tcp_gbps" { print $2 }' <<<"$pyout") / ${PARSED_tcp_gbps:?}"
}

# measure_control - qdes only: TCP while a client queries host 1's daemon (in the traffic's
# path) and, as the control, host 3's (a bystander: what the client's own processes cost the
# 2 CPUs), over the TCP of measure(); then the time and memory to dump a full FDB
measure_control()
{
	local ctl=$WORK/qdes-$RUN-h1.ctl name="$VARIANT-$RUN" t0 t1 n port r
	step "TCP (iperf3) under control queries"
	log "run $RUN/$RUNS $VARIANT: TCP with stats and fdb show 20/s to h1, then to h3, $TCP_SECS s each"
	r=$(tcp_queried "$ctl" "$name-tcpctl")
	record tcp_ctl_ratio "$r"
	r=$(tcp_queried "$WORK/qdes-$RUN-h3.ctl" "$name-tcpctl3")
	record tcp_ctl3_ratio "$r"

	step "filling host 1's FDB (65536 entries) and dumping it"
	port=$(ip netns exec "$(hns 1)" ss -Hunap | awk -v p="pid=${OPID[1]}," \
		'index($0, p) && $4 !~ /:'"$PORT"'$/ { n = split($4, a, ":"); print a[n]; exit }')
	[[ -n $port ]] || {
		log "host 1's unicast port not found"
		return 1
	}
	ip netns exec "$(hns 2)" "$PY" - 10.77.0.1 "$port" 70000 <<'PY'
import socket, struct, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hdr = b"QD\x01\x00" + struct.pack("!HH", 42, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
for i in range(n):
    s.sendto(hdr + b"\xff" * 6 + b"\x02\x01" + struct.pack("!I", i) + b"\x08\x06" + bytes(46),
             (addr, port))
    if i % 500 == 499:
        time.sleep(0.004)
PY
	wait_for 10 fdb_full "$ctl"
	t0=$EPOCHREALTIME
	"$QDES_TAP" -S "$ctl" -j fdb show >"$WORK/$name-fdb.json"
	t1=$EPOCHREALTIME
	n=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/$name-fdb.json")
	log "run $RUN/$RUNS $VARIANT: fdb show -j of $n entries"
	((n >= 65536)) || return 1
	record fdb_dump_ms "$(calc "(${t1/./} - ${t0/./}) / 1000")"
	record rss_fdb "$(calc "$(hwm_kib "${OPID[1]}") / 1024")"

	# the small-frames issue's check of lookups in a large table: 64-byte UDP again, h1 -> h2
	# through an FDB of 65536 entries (the sender's), against measure()'s run with three
	step "UDP 64 B (iperf3) with a full FDB"
	log "run $RUN/$RUNS $VARIANT: UDP 64 B with 65536 MACs in h1's FDB, $UDP_SECS s"
	iperf3_test "$name-udpfdb" -u -l 64 -b "$UDP_RATE" -t "$UDP_SECS"
	r=$("$PY" "$REPORT" udpfdb "$WORK/$name-udpfdb-cli.json" "$WORK/$name-udpfdb-srv.log" |
		awk '$1 == "udpfdb_kpps" { print $2 }')
	record udpfdb_ratio "$(calc "$r / ${PARSED_udp_kpps:?}")"
}

fdb_full() { "$QDES_TAP" -S "$1" -j stats | "$PY" -c 'import json, sys; j = json.load(sys.stdin); sys.exit(j["fdb_entries"] < j["fdb_max"])'; }

run_variant()
{
	trap teardown EXIT
	step "setting up"
	"setup_$VARIANT"
	measure
	[[ $VARIANT != qdes ]] || measure_control
}

fail=0
for ((RUN = 1; RUN <= RUNS; RUN++)); do
	for VARIANT in "${VARIANTS[@]}"; do
		log "run $RUN/$RUNS $VARIANT: setting up"
		: >"$STEPFILE"
		t0=$SECONDS
		# in the background, so that a signal to this script acts at once (bash runs traps only
		# between foreground commands); errexit holds inside (no || or if around the subshell)
		(
			set -e
			trap - INT TERM HUP
			run_variant
		) &
		vpid=$!
		echo "$vpid $(starttime "$vpid" || echo gone) variant" >>"$PIDFILE"
		rc=0
		wait "$vpid" || rc=$?
		if ((rc)); then
			fail=1
			what=$(cat "$STEPFILE")
			log "run $RUN/$RUNS $VARIANT: FAILED while ${what:-setting up} (status $rc)"
			echo "$RUN $VARIANT !error failed while ${what:-setting up}" >>"$RAW"
		else
			log "run $RUN/$RUNS $VARIANT: done in $((SECONDS - t0)) s"
		fi
	done
done
env_set loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"

report_args=(report "$RAW" "$ENVF")
[[ -n $JSON_OUT ]] && report_args+=(--json "$JSON_OUT")
"$PY" "$REPORT" "${report_args[@]}" || fail=1
exit "$fail"

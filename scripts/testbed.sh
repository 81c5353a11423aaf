# SPDX-License-Identifier: GPL-2.0-or-later
# testbed.sh - network-namespace test bed for qdes-tap (a bash library: source it, don't run it)
#
# One test bed is named by a short TAG. It consists of
#   qt-TAG-sw          a "switch" namespace with the bridge qt-br (mcast_snooping 0, no querier)
#                      and one veth port qt-pN per host
#   qt-TAG-h1..hN      hosts: underlay ul0 = 10.77.0.N/24 + fd77::N/64, routes 224.0.0.0/4 and
#                      default via ul0, lo up, rp_filter 0, IPv6 DAD off (addresses usable at once)
#   qt-TAG-NAME        extra namespaces (tb_addns), e.g. containers
# and a state directory $TB_TMP/qt-TAG holding per-daemon logs (hI.log), PID files and the output
# of background helpers. Every namespace, interface and bridge created here is named qt-* or lives
# inside a qt-* namespace: nothing is created in the root namespace. tb_destroy removes it all and
# kills, by PID, only processes this library started or that run inside the test bed's namespaces.
#
# Functions return non-zero and explain on stderr when something fails; every wait is bounded.
# They run their bodies with errexit off ("local -"), so they behave the same under set -e (bats).
#
#   tb_create TAG N [--ipv6]    build it (--ipv6: the daemon's default group is [ff15::4242]:5000)
#   tb_start TAG I [ARGS...]    start qdes-tap in host I with the defaults plus ARGS
#   tb_start TAG I -- ARGS...   ... with exactly ARGS (no defaults); TB_WRAP="CMD ARGS": run
#                               the daemon under CMD (setpriv ...: without privileges)
#   tb_stop TAG I [SIG]         SIGTERM (or SIG), wait, print nothing, return the exit status
#   tb_dump TAG I               SIGUSR1 and wait for the dump in the log
#   tb_counter TAG I NAME       a counter's value in the latest dump
#   tb_fdb TAG I                the FDB entry lines of the latest dump ("MAC netid N dst ...")
#   tb_destroy TAG              kill what is left, delete namespaces and the state directory
#
# The binary is ${QDES_TAP:-REPO/build/qdes-tap}. Defaults for daemon I:
#   -i qdes0 -g 239.1.1.1:5000 -n 42 -a 10.42.0.I/24 -a fd42::I/64

TB_REPO=${TB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
QDES_TAP=${QDES_TAP:-$TB_REPO/build/qdes-tap}
TB_TMP=${TB_TMP:-${TMPDIR:-/tmp}}
TB_TIMEOUT=${TB_TIMEOUT:-5}     # seconds to wait for a daemon to come up, stop, or dump
TB_GROUP4=239.1.1.1:5000
TB_GROUP6='[ff15::4242]:5000'
TB_COUNTERS="tap_rx_frames tap_rx_bytes tap_tx_frames tap_tx_bytes tap_tx_errors
udp_rx_datagrams udp_rx_bytes udp_tx_datagrams udp_tx_bytes udp_tx_errors tx_unicast tx_flood
drop_short drop_magic drop_version drop_flags drop_netid drop_oversize drop_src_mac drop_self
drop_remote_dst fdb_learned fdb_moved fdb_full fdb_conflict fdb_aged fdb_flushed leave_rx"

# The real interpreter, not a pyenv shim: it starts faster and works under any environment.
TB_PY=${TB_PY:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)}

tb_err() { echo "testbed: $*" >&2; }

# tb_ns TAG NODE - namespace name of a node: a number is host hN, anything else qt-TAG-NODE
tb_ns()
{
	if [[ $2 =~ ^[0-9]+$ ]]; then
		echo "qt-$1-h$2"
	else
		echo "qt-$1-$2"
	fi
}

tb_dir() { echo "$TB_TMP/qt-$1"; }
tb_log() { echo "$TB_TMP/qt-$1/h$2.log"; }

# tb_exec TAG NODE CMD... - run a command in a node's namespace
tb_exec()
{
	local ns
	ns=$(tb_ns "$1" "$2")
	shift 2
	ip netns exec "$ns" "$@"
}

# tb__ds START - tenths of a second elapsed since START (an EPOCHREALTIME value)
tb__ds()
{
	local now=$EPOCHREALTIME
	echo $(( (${now%.*} - ${1%.*}) * 10 + (10#${now#*.} - 10#${1#*.}) / 100000 ))
}

# tb_wait SECONDS CMD... - poll CMD every 0.1 s until it succeeds; fail after SECONDS
tb_wait()
{
	local -
	set +e
	local secs=$1 start=$EPOCHREALTIME
	shift
	while :; do
		"$@" && return 0
		(($(tb__ds "$start") >= secs * 10)) && return 1
		sleep 0.1
	done
}

tb_sysctl()
{
	local ns=$1
	shift
	ip netns exec "$ns" sysctl -qw "$@" >/dev/null
}

# tb_addns TAG NAME - an extra namespace qt-TAG-NAME with only lo up
tb_addns()
{
	local -
	set +e
	local ns
	ns=$(tb_ns "$1" "$2")
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	tb_sysctl "$ns" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# tb_create TAG N [--ipv6] - switch namespace with a bridge and N hosts on it
tb_create()
{
	local -
	set +e
	local tag=$1 n=$2 ipv6=0 i sw host dir
	shift 2
	[[ ${1-} == --ipv6 ]] && ipv6=1
	if [[ ! $tag =~ ^[a-z0-9]+$ ]] || ((${#tag} > 8)); then
		tb_err "tag '$tag': use 1 to 8 lowercase letters and digits"
		return 1
	fi
	if ((n < 1 || n > 99)); then
		tb_err "host count $n out of range"
		return 1
	fi
	if ip netns list | grep -q "^qt-$tag-"; then
		tb_err "namespaces qt-$tag-* exist already"
		return 1
	fi
	dir=$(tb_dir "$tag")
	rm -rf "$dir"
	mkdir -p "$dir" || return 1
	echo "$n" >"$dir/hosts"
	if ((ipv6)); then echo "$TB_GROUP6" >"$dir/group"; else echo "$TB_GROUP4" >"$dir/group"; fi

	sw=$(tb_ns "$tag" sw)
	ip netns add "$sw" || return 1
	ip -n "$sw" link set lo up
	tb_sysctl "$sw" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$sw" link add qt-br type bridge mcast_snooping 0 mcast_querier 0 stp_state 0 ||
		return 1
	ip -n "$sw" link set qt-br up
	for ((i = 1; i <= n; i++)); do
		host=$(tb_ns "$tag" "$i")
		ip netns add "$host" || return 1
		ip -n "$host" link set lo up
		tb_sysctl "$host" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip link add ul0 netns "$host" type veth peer name "qt-p$i" netns "$sw" || return 1
		ip -n "$sw" link set "qt-p$i" master qt-br up || return 1
		ip -n "$host" link set ul0 up
		tb_sysctl "$host" net.ipv4.conf.ul0.rp_filter=0
		ip -n "$host" addr add "10.77.0.$i/24" dev ul0 || return 1
		ip -n "$host" addr add "fd77::$i/64" dev ul0 nodad || return 1
		ip -n "$host" route add 224.0.0.0/4 dev ul0 || return 1
		ip -n "$host" route add default dev ul0 || return 1
		ip -n "$host" -6 route add default dev ul0 || return 1
	done
}

# tb_nodes TAG - every namespace of the test bed (and extras), one per line
tb_nodes() { ip netns list | awk -v p="qt-$1-" 'index($1, p) == 1 { print $1 }'; }

# tb__starttime PID - kernel start time of a process (field 22 of /proc/PID/stat): a PID file
# records "PID STARTTIME" so a recycled PID is never signalled by mistake
tb__starttime()
{
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# tb__pid PIDFILE - the PID in PIDFILE if that process still runs, else fail
tb__pid()
{
	local pid st
	[[ -s $1 ]] || return 1
	read -r pid st <"$1" || return 1
	[[ $(tb__starttime "$pid") == "$st" ]] || return 1
	echo "$pid"
}

# tb__spawn BASE CMD... - run CMD in the background with stdin /dev/null and stdout+stderr
# appended to BASE.out (or BASE.log if it exists); BASE.pid gets "PID STARTTIME" and BASE.rc
# the exit status when it ends. Sets TB_PID.
tb__spawn()
{
	local -
	set +e
	local base=$1 out
	shift
	out=$base.out
	[[ -e $base.log ]] && out=$base.log
	rm -f "$base.pid" "$base.rc"
	(
		"$@" </dev/null >>"$out" 2>&1 &
		p=$!
		echo "$p $(tb__starttime "$p")" >"$base.pid.tmp" && mv "$base.pid.tmp" "$base.pid"
		wait "$p"
		echo $? >"$base.rc"
	) </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- &
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $base.pid ]] && break
		sleep 0.02
	done
	if [[ ! -s $base.pid ]]; then
		tb_err "could not start $*"
		return 1
	fi
	read -r TB_PID _ <"$base.pid"
}

# tb__wait_rc BASE SECONDS - wait for the exit status file of a spawned command and print it
tb__wait_rc()
{
	tb_wait "$2" test -s "$1.rc" || return 1
	cat "$1.rc"
}

# tb_bg TAG NODE NAME CMD... - run CMD in NODE's namespace in the background, remembered as NAME
# (output in DIR/bg-NAME.out, PID in TB_PID); tb_destroy kills it if still running
tb_bg()
{
	local tag=$1 node=$2 name=$3 ns dir
	shift 3
	ns=$(tb_ns "$tag" "$node")
	dir=$(tb_dir "$tag")
	rm -f "$dir/bg-$name.out"
	tb__spawn "$dir/bg-$name" ip netns exec "$ns" "$@"
}

# tb_bg_wait TAG NAME [SECONDS] - wait for background command NAME to end; return its status
tb_bg_wait()
{
	local -
	set +e
	local base rc
	base=$(tb_dir "$1")/bg-$2
	if ! rc=$(tb__wait_rc "$base" "${3:-$TB_TIMEOUT}"); then
		tb_err "background command $2 did not end within ${3:-$TB_TIMEOUT} s"
		return 124
	fi
	return "$rc"
}

# tb_bg_kill TAG NAME [SIG] - signal background command NAME (default TERM) and wait for it
tb_bg_kill()
{
	local -
	set +e
	local base pid
	base=$(tb_dir "$1")/bg-$2
	pid=$(tb__pid "$base.pid") || return 0
	kill "-${3:-TERM}" "$pid" 2>/dev/null
	tb__wait_rc "$base" "$TB_TIMEOUT" >/dev/null || {
		kill -KILL "$pid" 2>/dev/null
		return 1
	}
	return 0
}

tb_bg_out() { cat "$(tb_dir "$1")/bg-$2.out"; }

# tb_pid TAG I - PID of host I's daemon if it runs
tb_pid() { tb__pid "$(tb_dir "$1")/h$2.pid"; }

tb_running() { tb_pid "$1" "$2" >/dev/null; }

# tb_group TAG - the test bed's default group
tb_group() { cat "$(tb_dir "$1")/group" 2>/dev/null || echo "$TB_GROUP4"; }

# tb__since TAG I FILE - the daemon log from the line recorded in FILE (hI.FILE) on
tb__since()
{
	local dir from
	dir=$(tb_dir "$1")
	from=$(cat "$dir/h$2.$3" 2>/dev/null || echo 0)
	tail -n "+$((from + 1))" "$dir/h$2.log" 2>/dev/null
}

tb__iface_up()
{
	local flags
	flags=$(ip -n "$1" -o link show dev "$2" 2>/dev/null) || return 1
	[[ $flags =~ \<([A-Z_,]*,)?UP[,\>] ]]
}

tb__no_tentative() { [[ -z $(ip -n "$1" addr show dev "$2" tentative 2>/dev/null) ]]; }

# tb_start TAG I [ARGS...] | tb_start TAG I -- ARGS... - start qdes-tap in host I's namespace
# and wait until its interface is up (in the namespace given with --netns, if any) and the
# start line is in the log. On failure show the log and return 1 (a daemon that exited early is
# reaped; its status is in hI.rc).
tb_start()
{
	local -
	set +e
	local tag=$1 i=$2 dir ns log args=() a ifname=qdes0 wns quiet=0 n ctl
	shift 2
	dir=$(tb_dir "$tag")
	ns=$(tb_ns "$tag" "$i")
	log=$dir/h$i.log
	if [[ ! -x $QDES_TAP ]]; then
		tb_err "qdes-tap binary not found at $QDES_TAP (make build/qdes-tap)"
		return 1
	fi
	if tb_running "$tag" "$i"; then
		tb_err "host $i: daemon already running"
		return 1
	fi
	if [[ ${1-} == -- ]]; then
		shift
		args=("$@")
	else
		args=(-i qdes0 -g "$(tb_group "$tag")" -n 42 -a "10.42.0.$i/24" -a "fd42::$i/64" "$@")
	fi
	# QDES_TAP_ARGS: options for every daemon of a run (make e2e-nooffload: --offload no)
	if [[ -n ${QDES_TAP_ARGS-} ]]; then
		read -ra a <<<"$QDES_TAP_ARGS"
		args+=("${a[@]}")
	fi
	wns=$ns
	ctl=1
	for ((n = 0; n < ${#args[@]}; n++)); do
		a=${args[n]}
		case $a in
		-S | --control | --control=*) ctl=0 ;;
		-i | --interface) ifname=${args[n + 1]} ;;
		--interface=*) ifname=${a#*=} ;;
		--netns) wns=${args[n + 1]} ;;
		--netns=*) wns=${a#*=} ;;
		-q | --quiet) quiet=1 ;;
		esac
	done
	# Each daemon its own control socket: daemons in other namespaces serve the same name. The
	# directory is sticky and open to all, as /tmp: a daemon that runs as another user (TB_WRAP,
	# --user) creates and removes its socket there too
	if ((ctl)); then
		mkdir -p "$dir/ctl" && chmod 1777 "$dir/ctl" || return 1
		args+=(--control "$(tb_ctl_path "$tag" "$i")")
	fi
	touch "$log"
	wc -l <"$log" >"$dir/h$i.start"
	echo "$ifname" >"$dir/h$i.ifname"
	echo "$wns" >"$dir/h$i.netns"
	# TB_WRAP: a command prefix for the daemon, e.g. setpriv to run it without privileges
	read -ra a <<<"${TB_WRAP-}"
	tb__spawn "$dir/h$i" ip netns exec "$ns" "${a[@]}" "$QDES_TAP" "${args[@]}" || return 1
	local pid=$TB_PID start=$EPOCHREALTIME ok=0
	while :; do
		if [[ -s $dir/h$i.rc ]]; then
			tb_err "host $i: qdes-tap exited with status $(cat "$dir/h$i.rc") on start:"
			tb__since "$tag" "$i" start >&2
			return 1
		fi
		# -i none: no interface to wait for, only the start line
		if { [[ $ifname == none ]] ||
			{ tb__iface_up "$wns" "$ifname" && tb__no_tentative "$wns" "$ifname"; }; } &&
			{ ((quiet)) || tb__since "$tag" "$i" start | grep -q "$ifname: up"; }; then
			ok=1
			break
		fi
		(($(tb__ds "$start") >= TB_TIMEOUT * 10)) && break
		sleep 0.05
	done
	if ((!ok)); then
		tb_err "host $i: $ifname not up in $wns within $TB_TIMEOUT s (pid $pid); log:"
		tb__since "$tag" "$i" start >&2
		ip -n "$wns" link show dev "$ifname" >&2
		return 1
	fi
}

# tb_stop TAG I [SIG] - send SIGTERM (or SIG) to host I's daemon, wait for it to exit and return
# its exit status (124 if it did not exit in time: then it is killed)
tb_stop()
{
	local -
	set +e
	local tag=$1 i=$2 dir pid rc
	dir=$(tb_dir "$tag")
	if ! pid=$(tb_pid "$tag" "$i"); then
		if [[ -s $dir/h$i.rc ]]; then
			tb_err "host $i: daemon had already exited with status $(cat "$dir/h$i.rc")"
			return "$(cat "$dir/h$i.rc")"
		fi
		tb_err "host $i: no daemon"
		return 1
	fi
	kill "-${3:-TERM}" "$pid"
	if ! rc=$(tb__wait_rc "$dir/h$i" "$TB_TIMEOUT"); then
		tb_err "host $i: qdes-tap (pid $pid) did not exit within $TB_TIMEOUT s after SIG${3:-TERM}"
		kill -KILL "$pid" 2>/dev/null
		tb__wait_rc "$dir/h$i" 2 >/dev/null
		return 124
	fi
	return "$rc"
}

# tb__dump_state TAG I - "complete", or the number of counter lines so far in the latest dump
tb__dump_state()
{
	local text c
	text=$(tb__since "$1" "$2" dump)
	if ! grep -q 'fdb [^ ]*: [0-9]* entries' <<<"$text"; then
		echo 0
		return
	fi
	for c in $TB_COUNTERS; do
		if ! grep -q "counter $c " <<<"$text"; then
			grep -c 'counter ' <<<"$text"
			return
		fi
	done
	echo complete
}

# tb_ctl_path TAG I - host I's control socket (unless the test gave it another --control)
tb_ctl_path() { echo "$(tb_dir "$1")/ctl/h$2.ctl"; }

# tb_ctl TAG I ARGS... - the client against host I's daemon (qdes-tap -S its socket ARGS...)
tb_ctl() { "$QDES_TAP" -S "$(tb_ctl_path "$1" "$2")" "${@:3}"; }

# tb_dump TAG I - host I's FDB and counters, as the client reads them (stats -j, fdb show -j,
# show -j), kept until the next dump for tb_fdb and tb_counter. A daemon without a control
# socket of the test bed's (started with its own --control) is dumped by SIGUSR1 instead.
tb_dump()
{
	local -
	set +e
	local tag=$1 i=$2 dir
	dir=$(tb_dir "$tag")
	if [[ ! -S $(tb_ctl_path "$tag" "$i") ]]; then
		tb_dump_log "$@"
		return
	fi
	if ! tb_ctl "$tag" "$i" -j show >"$dir/h$i.show.json" ||
		! tb_ctl "$tag" "$i" -j stats >"$dir/h$i.stats.json" ||
		! tb_ctl "$tag" "$i" -j fdb show >"$dir/h$i.fdb.json"; then
		tb_err "host $i: the control socket did not answer"
		return 1
	fi
	# The SIGUSR1 dump's line format, which the tests match
	python3 - "$dir/h$i" <<'PY' || return 1
import json, sys
base = sys.argv[1]
show = json.load(open(base + ".show.json"))
stats = json.load(open(base + ".stats.json"))
fdb = json.load(open(base + ".fdb.json"))
net = show.get("network_id", 0)
with open(base + ".fdb", "w") as f:
    for e in fdb:
        where = "dev %s" % e["dev"] if "dev" in e else "dst %s" % e["dst"]
        f.write("%s netid %d %s %s age %d\n" % (e["mac"], net, where, e["state"], e["age"]))
with open(base + ".counters", "w") as f:
    for k, v in stats["counters"].items():
        f.write("counter %s %d\n" % (k, v))
PY
	echo ctl >"$dir/h$i.dumped"
}

# tb_dump_log TAG I - SIGUSR1 to host I's daemon; wait until the FDB header and every counter of
# the spec are in the log after that point. If some counter of the spec never comes, the dump
# counts as done once its counter lines stop growing (0.3 s): warn and succeed (tb_counter then
# fails for the missing name only).
tb_dump_log()
{
	local -
	set +e
	local tag=$1 i=$2 dir pid st last=-1 stable=0 start=$EPOCHREALTIME c missing=
	dir=$(tb_dir "$tag")
	pid=$(tb_pid "$tag" "$i") || {
		tb_err "host $i: no daemon to dump"
		return 1
	}
	wc -l <"$dir/h$i.log" >"$dir/h$i.dump"
	echo log >"$dir/h$i.dumped"
	kill -USR1 "$pid" || return 1
	while (($(tb__ds "$start") < TB_TIMEOUT * 10)); do
		st=$(tb__dump_state "$tag" "$i")
		[[ $st == complete ]] && return 0
		if ((st > 0 && st == last)); then
			((++stable >= 3)) && break
		else
			stable=0
		fi
		last=$st
		sleep 0.1
	done
	if ((last > 0)); then
		for c in $TB_COUNTERS; do
			tb__since "$tag" "$i" dump | grep -q "counter $c " || missing+=" $c"
		done
		tb_err "host $i: dump lacks counters of the spec:$missing"
		return 0
	fi
	tb_err "host $i: no dump in the log within $TB_TIMEOUT s after SIGUSR1; log tail:"
	tail -n 20 "$dir/h$i.log" >&2
	return 1
}

# tb__dumped TAG I fdb|counters - what the latest dump gave, from the client or the log
tb__dumped()
{
	local dir
	dir=$(tb_dir "$1")
	if [[ $(cat "$dir/h$2.dumped" 2>/dev/null) == ctl ]]; then
		[[ $3 == fdb ]] && sed 's/^/fdb /' "$dir/h$2.fdb" || cat "$dir/h$2.counters"
	else
		tb__since "$1" "$2" dump
	fi
}

# tb_counter TAG I NAME - value of counter NAME in host I's latest dump (fails if absent)
tb_counter()
{
	local v
	v=$(tb__dumped "$1" "$2" counters | sed -nE "s/.*(^|[: ])counter $3 ([0-9]+).*/\2/p" | tail -n 1)
	if [[ -z $v ]]; then
		tb_err "host $2: counter $3 not in the latest dump"
		return 1
	fi
	echo "$v"
}

# tb_fdb TAG I - FDB entry lines of host I's latest dump, without the "qdes-tap: fdb " prefix
tb_fdb()
{
	tb__dumped "$1" "$2" fdb | sed -nE 's/.*(^|[: ])fdb (([0-9a-f]{2}:){5}[0-9a-f]{2} .*)/\2/p'
}

# tb_port TAG I - host I's daemon's local unicast port (from its start line, else from ss)
tb_port()
{
	local -
	set +e
	local p pid
	p=$(tb__since "$1" "$2" start | sed -nE 's/.*: up,.*local [^ ]*:([0-9]+)(,.*)?$/\1/p' | tail -n 1)
	if [[ -z $p ]] && pid=$(tb_pid "$1" "$2"); then
		p=$(tb_exec "$1" "$2" ss -Hunap | grep "pid=$pid," | grep -v ':5000 ' |
			awk '{ n = split($4, a, ":"); print a[n]; exit }')
	fi
	[[ -n $p ]] || {
		tb_err "host $2: unicast port not found"
		return 1
	}
	echo "$p"
}

# tb_mac TAG NODE [IFNAME] - MAC address of an interface (default qdes0)
tb_mac() { tb_exec "$1" "$2" cat "/sys/class/net/${3:-qdes0}/address"; }

# tb_lladdr TAG NODE [IFNAME] - IPv6 link-local address (waits up to TB_TIMEOUT for it)
tb_lladdr()
{
	local -
	set +e
	local ns a
	ns=$(tb_ns "$1" "$2")
	tb_wait "$TB_TIMEOUT" eval "ip -n $ns -6 -o addr show dev ${3:-qdes0} scope link | grep -q fe80" ||
		{
			tb_err "no link-local address on ${3:-qdes0} in $ns"
			return 1
		}
	a=$(ip -n "$ns" -6 -o addr show dev "${3:-qdes0}" scope link | awk '{ print $4; exit }')
	echo "${a%/*}"
}

# tb_rx_bytes TAG NODE [IFNAME] / tb_tx_bytes - interface byte counters (default ul0)
tb_rx_bytes() { tb_exec "$1" "$2" cat "/sys/class/net/${3:-ul0}/statistics/rx_bytes"; }
tb_tx_bytes() { tb_exec "$1" "$2" cat "/sys/class/net/${3:-ul0}/statistics/tx_bytes"; }

# tb_ping TAG NODE DST [PING ARGS...] - 3 pings, 0.2 s apart, 1 s wait; output kept for the caller
tb_ping()
{
	local tag=$1 node=$2 dst=$3
	shift 3
	tb_exec "$tag" "$node" timeout 10 ping -n -c 3 -i 0.2 -W 1 "$@" "$dst"
}

# tb_ping_until TAG NODE DST SECONDS - retry single pings until one answers (for convergence)
tb_ping_until()
{
	tb_wait "$4" tb_exec "$1" "$2" timeout 3 ping -n -q -c 1 -W 1 "$3" >/dev/null
}

# tb_mcast_probe TAG FROM TO [GROUP PORT] - send UDP datagrams from host FROM to the group and
# check host TO receives one (checks the underlay carries multicast)
tb_mcast_probe()
{
	local -
	set +e
	local tag=$1 from=$2 to=$3 group=${4:-239.1.1.1} port=${5:-5000} dir
	dir=$(tb_dir "$tag")
	cat >"$dir/mcast-recv.py" <<'EOF'
import socket, struct, sys
group, port, ifaddr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton(group), socket.inet_aton(ifaddr)))
open(sys.argv[4], "w").close()          # tell the caller we are listening
s.settimeout(5)
data, src = s.recvfrom(2048)
print(src[0], data.decode())
EOF
	cat >"$dir/mcast-send.py" <<'EOF'
import socket, sys, time
group, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for i in range(20):
    s.sendto(b"qt-probe", (group, port))
    time.sleep(0.1)
EOF
	rm -f "$dir/mcast-ready"
	tb_bg "$tag" "$to" mcast-recv timeout 8 "$TB_PY" "$dir/mcast-recv.py" "$group" "$port" \
		"10.77.0.$to" "$dir/mcast-ready" || return 1
	tb_wait 5 test -e "$dir/mcast-ready" || {
		tb_err "multicast receiver did not start"
		tb_bg_out "$tag" mcast-recv >&2
		return 1
	}
	tb_bg "$tag" "$from" mcast-send timeout 5 "$TB_PY" "$dir/mcast-send.py" "$group" "$port" ||
		return 1
	local rc=0
	tb_bg_wait "$tag" mcast-recv 8 || rc=1
	tb_bg_kill "$tag" mcast-send
	if ((rc)) || ! grep -q "^10.77.0.$from qt-probe" "$dir/bg-mcast-recv.out"; then
		tb_err "host $to received no multicast from host $from:"
		tb_bg_out "$tag" mcast-recv >&2
		return 1
	fi
}

# tb_tcp_send TAG FROM TO DSTADDR FILE OUTFILE [PORT] [SECONDS] - copy FILE over TCP from node
# FROM to node TO (socat) into OUTFILE; prints the elapsed seconds of the transfer. Transfers on
# different ports may run at the same time.
tb_tcp_send()
{
	local -
	set +e
	local tag=$1 from=$2 to=$3 dst=$4 file=$5 out=$6 port=${7:-7000} secs=${8:-60}
	local ns_to t0 t1 rc
	ns_to=$(tb_ns "$tag" "$to")
	tb_bg "$tag" "$to" "tcp-recv-$port" timeout "$secs" socat -u \
		"TCP-LISTEN:$port,reuseaddr" "OPEN:$out,creat,trunc" || return 1
	tb_wait 5 eval "ss -N $ns_to -Hltn 'sport = :$port' | grep -q LISTEN" || {
		tb_err "TCP receiver in $ns_to did not listen"
		tb_bg_out "$tag" "tcp-recv-$port" >&2
		return 1
	}
	[[ $dst == *:* ]] && dst="[$dst]"
	t0=$EPOCHREALTIME
	tb_exec "$tag" "$from" timeout "$secs" socat -u "OPEN:$file" "TCP:$dst:$port,connect-timeout=5"
	rc=$?
	if ((rc)); then
		tb_err "TCP sender failed (status $rc)"
		tb_bg_kill "$tag" "tcp-recv-$port"
		return 1
	fi
	tb_bg_wait "$tag" "tcp-recv-$port" 10 || {
		tb_err "TCP receiver failed:"
		tb_bg_out "$tag" "tcp-recv-$port" >&2
		return 1
	}
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# tb__kill_pidfile PIDFILE - SIGTERM the process in PIDFILE (if it still is that process)
tb__kill_pidfile()
{
	local pid
	pid=$(tb__pid "$1") || return 0
	kill -TERM "$pid" 2>/dev/null
	echo "$pid"
}

# tb_destroy TAG - stop daemons and helpers (by PID), kill whatever else still runs in the
# test bed's namespaces (by PID), delete the namespaces and the state directory. Idempotent.
tb_destroy()
{
	local -
	set +e
	local tag=$1 dir f ns pids=() p i
	[[ -n $tag ]] || return 1
	dir=$(tb_dir "$tag")
	if [[ -d $dir ]]; then
		for f in "$dir"/*.pid; do
			[[ -e $f ]] || continue
			p=$(tb__kill_pidfile "$f") && [[ -n $p ]] && pids+=("$p")
		done
	fi
	for ns in $(tb_nodes "$tag"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$p" 2>/dev/null && pids+=("$p")
		done
	done
	for ((i = 0; i < 30; i++)); do
		local alive=0
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		((alive)) || break
		sleep 0.1
	done
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for ns in $(tb_nodes "$tag"); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null || tb_err "could not delete namespace $ns"
	done
	[[ -d $dir ]] && rm -rf "$dir"
	[[ -z $(tb_nodes "$tag") ]]
}

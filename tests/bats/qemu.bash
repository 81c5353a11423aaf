# SPDX-License-Identifier: GPL-2.0-or-later
# qemu.bash - QEMU guests in the test bed's namespaces (a bats helper: load it after helpers)
#
# In a test file:
#   load helpers
#   load qemu
#   setup() { qt_setup 2; qt_qemu_require; }    # skips only without QEMU (not in setup_file:
#                                               # bats 1.8 cannot skip from there)
#   ...
#   qt_guest_start "$TAG" 1 a --ip 10.88.0.1/24 -- socket,mcast=239.2.2.2:6000,localaddr=10.77.0.1
#   qt_guest_wait "$TAG" a '^qt-guest: blob sha256 '
#
# A guest is scripts/qemu-guest.sh run (see there for its options and console lines) started
# with tb_bg as background command guest-NAME: its console is $TB_TMP/qt-TAG/bg-guest-NAME.out,
# tb_destroy kills it by PID. The console has CR LF line ends; the functions here strip the CR.
# Each guest takes about 220 MiB of RSS and boots in 2 to 3 s under TCG (more on a busy host).
#
# Netdevs, as QEMU 7.2 has them: socket,mcast=GROUP:PORT,localaddr=ADDR and dgram with a
# multicast remote (remote.type=inet,remote.host=GROUP,remote.port=PORT,local.type=inet,
# local.host=ADDR,local.port=N: QEMU insists on local.port but ignores it) both bind GROUP:PORT,
# send from ADDR:PORT and loop their own frames back to the guest; they interoperate. A route to
# 224.0.0.0/4 is needed (tb_create adds it). stream,server=off needs the server listening
# before QEMU starts: QEMU 7.2 connects once and never retries (the guest boots unconnected).
#
#   qt_qemu_require                       skip without qemu-system-x86_64, else build the guest
#   qt_guest_start TAG NODE NAME [RUN-OPTIONS] -- NETDEV-OPTIONS
#                                         start it in NODE's namespace, wait for "qt-guest: up"
#   qt_guest_wait TAG NAME REGEX [SECONDS]   wait for a console line matching REGEX (ERE); print it
#   qt_guest_console TAG NAME             the console so far
#   qt_guest_pid TAG NAME                 QEMU's PID while it runs
#   qt_guest_stop TAG NAME                SIGTERM, wait for QEMU to exit
#
# QT_GUEST_TIMEOUT (default 90 s) bounds the waits; QT_GUEST_UP holds the seconds the last
# qt_guest_start took to see "qt-guest: up".

QT_GUEST_SCRIPT=${QT_GUEST_SCRIPT:-$TB_REPO/scripts/qemu-guest.sh}
QT_GUEST_TIMEOUT=${QT_GUEST_TIMEOUT:-90}

qt__guest_err() { echo "qemu guest: $*" >&2; }

# qt_qemu_require - skip the test when QEMU is not installed; otherwise build or reuse
# the guest (a failing build fails: the kernel download or busybox is broken, not absent)
qt_qemu_require()
{
	local dir
	if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
		skip "qemu-system-x86 is not installed: run scripts/install-deps.sh"
	fi
	if ! dir=$("$QT_GUEST_SCRIPT" build); then
		qt__guest_err "could not build the guest ($QT_GUEST_SCRIPT build failed)"
		return 1
	fi
	QT_GUEST_DIR=$dir
	export QT_GUEST_DIR
}

qt__guest_base() { echo "$(tb_dir "$1")/bg-guest-$2"; }

# qt_guest_console TAG NAME - the guest's console so far, without the CRs of the serial line
qt_guest_console()
{
	local f
	f=$(qt__guest_base "$1" "$2").out
	[[ -e $f ]] || {
		qt__guest_err "no guest $2 in test bed $1"
		return 1
	}
	tr -d '\r' <"$f"
}

# qt__guest_show TAG NAME WHY - explain a failure with the console (last 40 lines)
qt__guest_show()
{
	qt__guest_err "guest $2: $3; console:"
	qt_guest_console "$1" "$2" | tail -n 40 | sed 's/^/    /' >&2
}

# qt_guest_pid TAG NAME - PID of the guest's QEMU if it runs
qt_guest_pid() { tb__pid "$(qt__guest_base "$1" "$2").pid"; }

# qt_guest_wait TAG NAME REGEX [SECONDS] - wait until a console line matches REGEX (grep -E) and
# print the first such line; fail at once if QEMU exited
qt_guest_wait()
{
	local -
	set +e
	local tag=$1 name=$2 re=$3 secs=${4:-$QT_GUEST_TIMEOUT} base line start=$EPOCHREALTIME
	base=$(qt__guest_base "$tag" "$name")
	while :; do
		line=$(qt_guest_console "$tag" "$name" | grep -E -m 1 -e "$re")
		if [[ -n $line ]]; then
			echo "$line"
			return 0
		fi
		if [[ -s $base.rc ]]; then
			qt__guest_show "$tag" "$name" "QEMU exited (status $(cat "$base.rc")) before a line matched '$re'"
			return 1
		fi
		if (($(tb__ds "$start") >= secs * 10)); then
			qt__guest_show "$tag" "$name" "no line matched '$re' within $secs s"
			return 1
		fi
		sleep 0.1
	done
}

# qt_guest_start TAG NODE NAME [RUN-OPTIONS] -- NETDEV-OPTIONS - start a guest named NAME (also
# its hostname and QEMU's -name) in NODE's namespace; wait for its "qt-guest: up" line
qt_guest_start()
{
	local -
	set +e
	local tag=$1 node=$2 name=$3 start=$EPOCHREALTIME ds
	shift 3
	if qt_guest_pid "$tag" "$name" >/dev/null; then
		qt__guest_err "guest $name already runs in test bed $tag"
		return 1
	fi
	tb_bg "$tag" "$node" "guest-$name" "$QT_GUEST_SCRIPT" run --name "$name" "$@" || return 1
	qt_guest_wait "$tag" "$name" '^qt-guest: up ' >/dev/null || return 1
	ds=$(tb__ds "$start")
	# shellcheck disable=SC2034  # for the tests (boot time reports)
	QT_GUEST_UP=$((ds / 10)).$((ds % 10))
}

# qt_guest_stop TAG NAME - SIGTERM to the guest's QEMU and wait for it to exit
qt_guest_stop()
{
	tb_bg_kill "$1" "guest-$2" || {
		qt__guest_err "guest $2 did not stop on SIGTERM (killed)"
		return 1
	}
}

#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 66-cni.bats - the CNI plugin: called directly (VERSION, errors, DEL when all is gone), and under
# a real container runtime: podman 4.3 with its CNI backend, from a private configuration
# (containers.conf, storage, CNI networks, plugin and IPAM data directories under the test's
# directory), runc, and a busybox rootfs. The machine's /etc/cni and /etc/containers are not read
# or written. Daemons run in the test bed's namespaces; podman moves nothing but its containers'
# namespaces, which the daemons' ports join. (libcni keeps each running container's result under
# /var/lib/cni/results; podman rm, and the teardown, remove them.)

QT_HOSTS=3
load helpers

setup()
{
	qt_test_setup || return 1
	if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
		echo "podman and runc are not installed (scripts/install-deps.sh installs them)" >&2
		return 1
	fi
	POD=$TB/pod
	mkdir -p "$POD"/{rootfs/bin,rootfs/proc,rootfs/sys,rootfs/dev,rootfs/etc,rootfs/tmp} \
		"$POD"/{net,cni,storage,run,ipam,tmp}
	# a static busybox: busybox-static's, or fetched into the guest cache as for the QEMU tests
	bb=$("$BATS_TEST_DIRNAME/../../scripts/qemu-guest.sh" busybox) || return 1
	cp "$bb" "$POD/rootfs/bin/busybox"
	local c
	for c in sh ip ping sleep cat nc dd; do
		ln -s busybox "$POD/rootfs/bin/$c"
	done
	cp "$QDES_TAP" "$POD/cni/qdes-tap"
	cat >"$POD/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
		[network]
		network_backend = "cni"
		cni_plugin_dirs = ["$POD/cni", "/usr/lib/cni"]
		network_config_dir = "$POD/net"
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$POD/events.log"
		tmp_dir = "$POD/tmp"
	EOF
	cat >"$POD/storage.conf" <<-EOF
		[storage]
		driver = "vfs"
		graphroot = "$POD/storage"
		runroot = "$POD/run"
	EOF
	export CONTAINERS_CONF=$POD/containers.conf CONTAINERS_STORAGE_CONF=$POD/storage.conf
	# seg42: the daemon of h1 (qdes0, network 42); seg43: h3's (network 43)
	network seg42 "$(tb_ctl_path "$TAG" 1)" 10.42.0.100 10.42.0.150
	network seg43 "$(tb_ctl_path "$TAG" 3)" 10.42.0.200 10.42.0.250
}

teardown()
{
	local c
	for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^qt-$TAG-"); do
		podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	qt_teardown
}

# network NAME SOCKET FIRST LAST - a CNI network of the plugin, host-local IPAM in a range
network()
{
	cat >"$POD/net/$1.conflist" <<-EOF
		{"cniVersion":"1.0.0","name":"$1","plugins":[{"type":"qdes-tap","control":"$2",
		 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.42.0.0/24","rangeStart":"$3",
		 "rangeEnd":"$4"}]],"dataDir":"$POD/ipam"}}]}
	EOF
}

# pod NAME NETWORK - a container on that network, sleeping
pod() { podman run -d --name "qt-$TAG-$1" --network "$2" --rootfs "$POD/rootfs" sleep 600; }

# pod_ip NAME - its eth0 address
pod_ip() { podman exec "qt-$TAG-$1" ip -4 -o addr show eth0 | sed -nE 's/.* inet ([0-9.]+)\/.*/\1/p'; }

# pod_ping NAME DST - 3 answered pings from the container
pod_ping() { podman exec "qt-$TAG-$1" ping -c 3 -i 0.2 -W 1 "$2" >/dev/null; }

# plugin CMD CONFIG [ENV...] - the plugin called directly
plugin()
{
	local cmd=$1 conf=$2
	shift 2
	env CNI_COMMAND="$cmd" CNI_CONTAINERID=qt-direct CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		"$@" "$QDES_TAP" <<<"$conf"
}

@test "cni: VERSION, and errors as CNI error objects (exit 1)" {
	run plugin VERSION ''
	[ "$status" -eq 0 ]
	[ "$output" = '{"cniVersion":"1.0.0","supportedVersions":["1.0.0"]}' ]
	run plugin ADD '{"cniVersion":"1.0.0","name":"n","type":"qdes-tap"}' CNI_NETNS=/run/netns/x
	[ "$status" -eq 1 ]
	[[ $output == '{"cniVersion":"1.0.0","code":7,"msg":"segment: missing'* ]]
	run plugin ADD '{"cniVersion":"0.3.1","name":"n","type":"qdes-tap","segment":"qdes0"}' \
		CNI_NETNS=/run/netns/x
	[ "$status" -eq 1 ]
	[[ $output == *'"code":1,'* ]]
	run plugin ADD 'nonsense' CNI_NETNS=/run/netns/x
	[ "$status" -eq 1 ]
	[[ $output == *'"code":6,'* ]]
	run plugin ADD '{"cniVersion":"1.0.0","segment":"qdes0"}'
	[ "$status" -eq 1 ]
	[[ $output == *'"code":4,"msg":"CNI_NETNS missing"'* ]]
	# an IPAM plugin that is not in CNI_PATH
	run plugin ADD '{"cniVersion":"1.0.0","segment":"qdes0","ipam":{"type":"qt-none"}}' \
		CNI_NETNS=/run/netns/x
	[ "$status" -eq 1 ]
	[[ $output == *'"code":101,"msg":"ipam ADD: cannot run the plugin (not in CNI_PATH)"'* ]]
	# no daemon: ADD says try again later (and leaves no address taken); DEL succeeds
	conf='{"cniVersion":"1.0.0","name":"n","type":"qdes-tap","control":"'$TB/none.ctl'",
	       "ipam":{"type":"host-local","subnet":"10.42.0.0/24","dataDir":"'$TB/ipam'"}}'
	tb_addns "$TAG" c1
	run plugin ADD "$conf" CNI_NETNS="/run/netns/$(tb_ns "$TAG" c1)"
	[ "$status" -eq 1 ]
	[[ $output == *'"code":11,'* ]]
	[ -z "$(ls "$TB/ipam"/*/10.* 2>/dev/null)" ]
	run plugin DEL "$conf"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "cni: ADD, CHECK and DEL called directly: the port, its addresses, and nothing left" {
	qt_start_all 2
	tb_addns "$TAG" c1
	ns=/run/netns/$(tb_ns "$TAG" c1)
	conf='{"cniVersion":"1.0.0","name":"n","type":"qdes-tap","control":"'$(tb_ctl_path "$TAG" 1)'",
	       "ipam":{"type":"host-local","subnet":"10.42.0.0/24","rangeStart":"10.42.0.100",
	       "routes":[{"dst":"10.99.0.0/16"}],"dataDir":"'$TB/ipam'"}}'
	run plugin ADD "$conf" CNI_NETNS="$ns"
	echo "$output"
	[ "$status" -eq 0 ]
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["cniVersion"] == "1.0.0", r
assert r["interfaces"][0]["name"] == "eth0" and r["interfaces"][0]["sandbox"] == sys.argv[2], r
assert r["ips"][0]["address"] == "10.42.0.100/24" and r["ips"][0]["interface"] == 0, r
' "$output" "$ns"
	result=$output
	tb_exec "$TAG" c1 ip -o addr show dev eth0 | grep -q 'inet 10.42.0.100/24'
	tb_exec "$TAG" c1 ip route show 10.99.0.0/16 | grep -q 'dev eth0'
	qt_ping c1 10.42.0.2
	prev=$(python3 -c '
import json, sys
c = json.loads(sys.argv[1]); c["prevResult"] = json.loads(sys.argv[2]); print(json.dumps(c))
' "$conf" "$result")
	run plugin CHECK "$prev" CNI_NETNS="$ns"
	[ "$status" -eq 0 ]
	# CHECK sees an address gone
	tb_exec "$TAG" c1 ip addr del 10.42.0.100/24 dev eth0
	run plugin CHECK "$prev" CNI_NETNS="$ns"
	[ "$status" -eq 1 ]
	[[ $output == *'"code":103,'*'address 10.42.0.100/24 missing'* ]]
	run plugin DEL "$conf" CNI_NETNS="$ns"
	[ "$status" -eq 0 ]
	run tb_exec "$TAG" c1 ip link show eth0
	[ "$status" -ne 0 ]
	[ -z "$(ls "$TB/ipam"/n/10.* 2>/dev/null)" ]
	# DEL again, and DEL with the namespace gone: still success
	run plugin DEL "$conf" CNI_NETNS="$ns"
	[ "$status" -eq 0 ]
	ip netns del "$(tb_ns "$TAG" c1)"
	run plugin DEL "$conf" CNI_NETNS="$ns"
	[ "$status" -eq 0 ]
	tb_running "$TAG" 1
}

@test "cni: podman containers on segment 42 with a member; segment 43 apart; podman rm takes the port" {
	qt_start_all 2
	tb_start "$TAG" 3 -n 43
	pod c1 seg42 >/dev/null
	pod c2 seg42 >/dev/null
	pod c3 seg43 >/dev/null
	ip1=$(pod_ip c1)
	ip2=$(pod_ip c2)
	ip3=$(pod_ip c3)
	echo "# cni: podman containers at $ip1, $ip2 (segment 42) and $ip3 (43)" >&3
	[ -n "$ip1" ] && [ -n "$ip2" ] && [ -n "$ip3" ]
	pod_ping c1 "$ip2"
	pod_ping c2 "$ip1"
	pod_ping c1 10.42.0.2
	qt_ping 2 "$ip1"
	qt_ping 2 "$ip2"
	# container to container stays inside h1's daemon
	qt_tcpdump 1 ul1 ul0 udp
	pod_ping c1 "$ip2"
	podman exec "qt-$TAG-c2" sh -c 'nc -l -p 7000 >/tmp/got & sleep 0.3' >/dev/null
	podman exec "qt-$TAG-c1" sh -c "dd if=/dev/zero bs=64k count=80 2>/dev/null | nc $ip2 7000"
	# (the containers' own IPv6 solicitations may flood meanwhile: small datagrams)
	n=$(qt_tcpdump_count ul1 greater 500)
	echo "# cni: 5 MiB container to container, $n large datagrams on h1's underlay" \
		"($(tcpdump -n -r "$TB/ul1.pcap" 2>/dev/null | wc -l) in all)" >&3
	[ "$n" -eq 0 ]
	# segment 43 sees none of 42
	run podman exec "qt-$TAG-c3" ping -c 2 -W 1 "$ip1"
	[ "$status" -ne 0 ]
	run podman exec "qt-$TAG-c1" ping -c 2 -W 1 "$ip3"
	[ "$status" -ne 0 ]
	# podman rm: the port and its MACs go
	mac2=$(podman exec "qt-$TAG-c2" cat /sys/class/net/eth0/address)
	tb_dump "$TAG" 2
	tb_fdb "$TAG" 2 | grep -q "^$mac2 "
	[ "$(tb_ctl "$TAG" 1 -j port show | grep -o '"name":"cni-' | wc -l)" -eq 2 ]
	podman rm -f -t 0 "qt-$TAG-c2" >/dev/null
	[ "$(tb_ctl "$TAG" 1 -j port show | grep -o '"name":"cni-' | wc -l)" -eq 1 ]
	tb_dump "$TAG" 1
	qt_fdb_lacks 1 "^$mac2 "
	pod_ping c1 10.42.0.2
}

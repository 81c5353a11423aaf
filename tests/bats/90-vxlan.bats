#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 90-vxlan.bats - encap vxlan against the Linux kernel's own vxlan device
#
# h1: qdes-tap --encap vxlan, VNI 42, group 239.1.1.1:4789, 10.42.0.1/24
# h2: the kernel's vxlan device vx0 (id 42, same group, dstport 4789), 10.42.0.2/24
# h3: qdes-tap --encap vxlan like h1, 10.42.0.3/24: must see none of the h1 <-> h2 unicast
#
# The kernel sends from a flow-hash source port to port 4789 and takes any source port, so
# qdes-tap must learn h2 at (10.77.0.2, 4789) and receive unicast on 4789 itself.

QT_HOSTS=3
load helpers

# vx_start I - qdes-tap in vxlan mode in host I
vx_start()
{
	tb_start "$TAG" "$1" -- -i qdes0 --encap vxlan -n 42 -g 239.1.1.1:4789 -a "10.42.0.$1/24"
}

# tx_csum_off I IFNAME - ethtool -K IFNAME tx off in host I (SIOCETHTOOL: no ethtool needed)
tx_csum_off()
{
	tb_exec "$TAG" "$1" "$TB_PY" -c '
import ctypes, fcntl, socket, struct, sys
val = ctypes.create_string_buffer(struct.pack("II", 0x17, 0), 8)   # ETHTOOL_STXCSUM, off
ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(val)) + bytes(16)
fcntl.ioctl(socket.socket(), 0x8946, ifr)                           # SIOCETHTOOL
' "$2"
}

# kernel_vxlan I - the kernel's vxlan device in host I, as an administrator would set it up
#
# Its TX checksum offload is turned off: over veth, an offloaded inner TCP checksum is never
# filled in (the kernel's own vxlan receiver trusts the skb's checksum state, which crosses the
# veth; a UDP socket only sees the bytes). A real NIC, or the kernel without offload, fills it.
kernel_vxlan()
{
	local ns
	ns=$(tb_ns "$TAG" "$1")
	ip -n "$ns" link add vx0 type vxlan id 42 group 239.1.1.1 dev ul0 dstport 4789 || return 1
	ip -n "$ns" link set vx0 mtu 1450 up || return 1
	ip -n "$ns" addr add "10.42.0.$1/24" dev vx0 || return 1
	tx_csum_off "$1" vx0
}

@test "vxlan: qdes-tap and the kernel's vxlan ping both ways, TCP both ways, kernel FDB learns" {
	vx_start 1
	kernel_vxlan 2
	vx_start 3
	ns2=$(tb_ns "$TAG" 2)
	# the MTU is 1450, as with QDES: the VXLAN header is 8 bytes too
	[ "$(tb_exec "$TAG" 1 cat /sys/class/net/qdes0/mtu)" -eq 1450 ]
	qt_ping 1 10.42.0.2
	qt_ping 2 10.42.0.1
	qt_ping 2 10.42.0.3

	# the kernel learnt qdes-tap's MAC at h1's underlay address
	mac1=$(tb_mac "$TAG" 1)
	ip netns exec "$ns2" bridge fdb show dev vx0
	ip netns exec "$ns2" bridge fdb show dev vx0 | grep -q "^$mac1 dst 10.77.0.1 "

	# qdes-tap learnt the kernel's MAC at (h2's address, the VXLAN port), not its source port
	mac2=$(tb_mac "$TAG" 2 vx0)
	tb_dump "$TAG" 1
	tb_fdb "$TAG" 1
	tb_fdb "$TAG" 1 | grep -Eq "^$mac2 netid 42 dst 10.77.0.2:4789 dynamic age [0-9]+"

	qt_randfile data 20M
	qt_tcpdump 3 dump3 qdes0 tcp
	tb_dump "$TAG" 1
	u0=$(qt_counter 1 tx_unicast)
	qt_transfer 1 2 >/dev/null
	qt_transfer 2 1 >/dev/null
	n=$(qt_tcpdump_count dump3)
	tb_dump "$TAG" 1
	u1=$(qt_counter 1 tx_unicast)
	echo "h3 qdes0 saw $n TCP packets; h1 tx_unicast +$((u1 - u0))"
	# known unicast stays point to point: h3 sees none of it
	[ "$n" -eq 0 ]
	[ $((u1 - u0)) -gt 50 ]
	# nothing from the kernel was dropped as malformed
	for c in drop_short drop_flags drop_netid drop_oversize drop_src_mac drop_magic; do
		[ "$(qt_counter 1 $c)" -eq 0 ]
	done
}

@test "vxlan: drops another VNI and datagrams without the I flag; no leave notice on stop" {
	vx_start 1
	kernel_vxlan 2
	ns2=$(tb_ns "$TAG" 2)
	# a kernel device of another VNI on the same group and port: its floods are drop_netid
	ip -n "$ns2" link add vx1 type vxlan id 43 group 239.1.1.1 dev ul0 dstport 4789
	ip -n "$ns2" link set vx1 up
	ip -n "$ns2" addr add 10.43.0.2/24 dev vx1
	tb_exec "$TAG" 2 ping -n -c 2 -i 0.2 -W 1 10.43.0.9 || true
	# a datagram with flags 0 to the group: drop_flags
	tb_exec "$TAG" 2 "$TB_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
frame = bytes.fromhex("ffffffffffff020000000009" "0806") + bytes(28)
s.sendto(bytes.fromhex("000000000000 2a00".replace(" ", "")) + frame, ("239.1.1.1", 4789))
s.sendto(bytes.fromhex("0800000000002a00"), ("239.1.1.1", 4789))
'
	sleep 0.3
	tb_dump "$TAG" 1
	[ "$(qt_counter 1 drop_netid)" -ge 1 ]
	[ "$(qt_counter 1 drop_flags)" -eq 1 ]
	[ "$(qt_counter 1 drop_short)" -eq 1 ]
	[ "$(qt_counter 1 leave_rx)" -eq 0 ]
	# no leave notice on stop: h2's underlay sees no header-only datagram (8 bytes of UDP
	# payload) from h1, and h1 did not try and fail to send one
	qt_tcpdump 2 ul2 ul0 udp and src host 10.77.0.1
	tb_stop "$TAG" 1
	sleep 0.2
	n=$(qt_tcpdump_count ul2 'udp[4:2] = 16')
	echo "h2's underlay saw $n header-only datagrams from h1 at its stop"
	[ "$n" -eq 0 ]
	run ! grep -q "leave notice" "$(tb_log "$TAG" 1)"
}

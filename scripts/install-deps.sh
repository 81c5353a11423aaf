#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# install-deps.sh - install the Debian packages qdes-tap needs to build, run and test (Debian 12)
#
# Idempotent and non-interactive: when every package is installed already it touches nothing (no
# apt-get update), so re-runs are fast and work offline. Needs root (or sudo) only to install.
set -euo pipefail

# What make, make test and scripts/netns-test.sh use beyond an essential Debian system (bash,
# coreutils, util-linux's unshare, mawk, sed, grep). Developer tools that no test needs are not
# here: cppcheck (make lint), clang-format (make format, make check-format).
PACKAGES=(
	# build; gcc brings the ASan/UBSan runtimes of the unit tests and build/qdes-tap-san
	gcc make pkg-config libc6-dev
	libmnl-dev libuv1-dev libiniparser-dev libcmocka-dev
	# JSON of the control socket (requests, replies, -j)
	libjansson-dev
	# GET /metrics (metrics = ADDR:PORT): Prometheus over HTTP
	libmicrohttpd-dev
	# sealed segments (key=): AES-256-GCM and HKDF from libcrypto; the tests open what the
	# daemon sealed with an independent implementation (Python's cryptography), and capture
	# datagram by datagram (ethtool: the sender's UDP segmentation off)
	libssl-dev python3-cryptography ethtool
	# the libFuzzer harnesses in fuzz/ (make fuzz-ci, part of make test): clang-14 and its
	# runtimes (-fsanitize=fuzzer,address,undefined)
	clang libclang-rt-14-dev
	# run and test: ip, ss and bridge; ping; sysctl; packet capture; TCP copies; UDP injection
	iproute2 iputils-ping procps tcpdump socat python3 bats
	# modprobe: the kernel runs it to load tun, veth and bridge on first use
	kmod
	# groff renders man/qdes-tap.8, which tests/bats/00-cli.bats checks against --help
	groff-base
	# the CNI plugin's end-to-end test: a real container runtime (podman with its CNI backend and
	# runc, from a private configuration) and the standard IPAM plugins (host-local)
	podman runc containernetworking-plugins
	# QEMU guests of the end-to-end tests. scripts/qemu-guest.sh downloads (apt-get download,
	# into a cache) their kernel and, unless installed, busybox-static: that package conflicts
	# with busybox, which we leave alone
	qemu-system-x86
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: run as root to install: ${missing[*]}" >&2
		exit 1
	fi
	as_root=(sudo)
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: no apt-get (Debian 12 expected); install: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends \
	-o Dpkg::Use-Pty=0 "${missing[@]}"

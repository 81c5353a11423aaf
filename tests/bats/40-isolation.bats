#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 40-isolation.bats - a member of network 43 on the same group and port sees nothing of network 42

QT_HOSTS=3
load helpers

@test "isolation: network 43 on the same group is a separate segment" {
	tb_start "$TAG" 1
	tb_start "$TAG" 2
	tb_start "$TAG" 3 -n 43
	grep -q "qdes0: up, mtu 1450, network 43, group 239.1.1.1:5000" "$TB/h3.log"
	qt_isolation
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* port_kinds.h - Every kind of port the configuration can open: one line each */

/*
 * PORT_KIND(object, ini key, long option, argument, help line): the object is the kind's
 * struct port_kind, defined in its own file. config.c makes each line an option and an ini
 * key, gateway.c opens what they name. No include guard: it is read once per expansion.
 */
PORT_KIND(stream_port_kind, "qemu_socket", "qemu-socket", "PATH",
	  "unix socket for QEMU guests (-netdev stream), each a switch port")

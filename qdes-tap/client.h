/* SPDX-License-Identifier: GPL-2.0-or-later */
/* client.h - qdes-tap COMMAND: ask a running daemon through its control socket */
#ifndef QDES_CLIENT_H
#define QDES_CLIENT_H

int client_main(int argc, char *argv[]);

#endif /* QDES_CLIENT_H */

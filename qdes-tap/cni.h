/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cni.h - The CNI plugin: this binary run by a container runtime (CNI_COMMAND set, no arguments) */
#ifndef QDES_CNI_H
#define QDES_CNI_H

int cni_main(void);

#endif /* QDES_CNI_H */

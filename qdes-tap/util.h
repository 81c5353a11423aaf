/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - Small helpers every module may use */
#ifndef QDES_UTIL_H
#define QDES_UTIL_H

/* Number of elements of an array (not a pointer) */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* QDES_UTIL_H */

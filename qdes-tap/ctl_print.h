/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_print.h - The client's output: text for a person, JSON, Prometheus, from the same records */
#ifndef QDES_CTL_PRINT_H
#define QDES_CTL_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctl_proto.h"

void ctl_print_text(FILE *f, enum ctl_cmd cmd, json_t *records);
int ctl_print_json(FILE *f, enum ctl_cmd cmd, json_t *records, bool pretty);
int ctl_print_json_text(FILE *f, enum ctl_cmd cmd, const char *text, size_t n);
void ctl_print_prometheus(FILE *f, json_t *stats);

#endif /* QDES_CTL_PRINT_H */

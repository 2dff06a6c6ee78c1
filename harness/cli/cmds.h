/* SPDX-License-Identifier: MIT */
#ifndef VCL_CMDS_H
#define VCL_CMDS_H

/*
 * CLI verbs. Each lives in its own file and is found by main.c through a
 * weak reference, so a verb is offered exactly when its file is built.
 * A verb returns its exit status (0, 1, 2), or <0 with *err set; only
 * main() prints errors.
 */

#include "core/error.h"

typedef int (*vcl_cmd_fn)(int argc, char **argv, struct vcl_error **err);

int vcl_cmd_doctor(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_bench(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_gc(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_report(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_advise(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_check(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_baseline(int argc, char **argv, struct vcl_error **err);

#endif

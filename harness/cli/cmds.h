/* SPDX-License-Identifier: MIT */
#ifndef VCL_CMDS_H
#define VCL_CMDS_H

/*
 * CLI verbs, one small file each (cli/<verb>.c), listed in the verb table
 * of cli/main.c. A verb parses its options through its table (core/opt.h)
 * and calls the library; it returns its exit status (0, 1, 2), or <0 with
 * *err set. Only main() prints errors and exits.
 */

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "core/opt.h"

typedef int (*vcl_cmd_fn)(int argc, char **argv, struct vcl_error **err);

int vcl_cmd_doctor(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_bench(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_report(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_advise(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_check(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_baseline(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_gc(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_calibrate(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_export(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_man(int argc, char **argv, struct vcl_error **err);
int vcl_cmd_completion(int argc, char **argv, struct vcl_error **err);

/*
 * The verb table (cli/verbs.c), in the order `vclab --help` lists them.
 * main() dispatches from it; the man pages and the shell completion are
 * generated from it and each verb's option table (cli/man.c), so neither
 * can drift from what the parser accepts. Hidden verbs (the generators
 * themselves) are left out of the help, the man pages and the completion.
 */
struct vcl_verb {
	const char *name;
	vcl_cmd_fn fn;
	const char *summary;
	const struct vcl_optset *set; /* NULL for hidden verbs */
	bool hidden;
};
extern const struct vcl_verb vcl_verbs[];
extern const size_t vcl_nverbs;

/* Parse a verb's options (vcl_opt_parse); on -h/--help print the help on
 * stdout. 0: go on; 1: help printed, the verb returns 0; -1: *err set. */
static inline int vcl_cmd_parse(const struct vcl_optset *set, int argc, char **argv, void *dst,
				int *first_operand, struct vcl_error **err)
{
	int r = vcl_opt_parse(set, argc, argv, dst, first_operand, err);

	if (r > 0)
		vcl_opt_help(stdout, set);
	return r;
}

/* Each verb's option table (bench's is vcl_bench_optset in bench/bench.h). */
extern const struct vcl_optset vcl_doctor_optset;
extern const struct vcl_optset vcl_report_optset;
extern const struct vcl_optset vcl_advise_optset;
extern const struct vcl_optset vcl_check_optset;
extern const struct vcl_optset vcl_baseline_optset;
extern const struct vcl_optset vcl_gc_optset;
extern const struct vcl_optset vcl_export_optset;
extern const struct vcl_optset vcl_calibrate_optset;

#endif

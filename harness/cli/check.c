/* SPDX-License-Identifier: MIT */
/* `vclab check`: the CI gate (gate/gate.h, docs/ci.md). */
#include <stdio.h>

#include "cli/cmds.h"
#include "core/cleanup.h"
#include "gate/gate.h"

struct check_args {
	char **baseline;
	const char *junit;
	bool force;
};

static const struct vcl_opt check_opts[] = {
    VCL_OPT_APPEND_ROW(struct check_args, baseline, "baseline", 'b', "BASELINE.yaml",
		       "the baseline to judge by (required); repeated: one per host class, each "
		       "results file judged by its class's (host.class)"),
    VCL_OPT_STR_ROW(struct check_args, junit, "junit", 'j', "FILE",
		    "also write one JUnit testcase per metric"),
    VCL_OPT_FLAG_ROW(struct check_args, force, "force", 0,
		     "judge incomplete runs and other host classes anyway"),
};

const struct vcl_optset vcl_check_optset = {
    .verb = "check",
    .usage = "check --baseline BASELINE.yaml... RESULTS.json... [--junit FILE] [--force]",
    .about = "Judges results against a baseline and prints metric, baseline, bounds,\n"
	     "measured, delta and verdict. Exit 0: all pass (improved counts as pass);\n"
	     "1: a metric regressed or is missing, or the run is incomplete; 2: bad input or\n"
	     "results from another host class. With several --baseline, one per host class\n"
	     "(host.class in each), every RESULTS.json is judged by its class's baseline.",
    .operands = true,
    .opts = check_opts,
    .n = ARRAY_SIZE(check_opts),
    .size = sizeof(struct check_args),
};

static void release(struct check_args *a)
{
	vcl_opt_free(&vcl_check_optset, a);
}

int vcl_cmd_check(int argc, char **argv, struct vcl_error **err)
{
	__attribute__((cleanup(release))) struct check_args a = {0};
	int first, r = vcl_cmd_parse(&vcl_check_optset, argc, argv, &a, &first, err);
	size_t nb = 0;

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (a.baseline == NULL)
		return vcl_usage(err, "No baseline given: --baseline BASELINE.yaml (try --help)");
	if (first >= argc)
		return vcl_usage(err, "Expected a RESULTS.json (try --help)");
	while (a.baseline[nb] != NULL)
		nb++;
	/* One of each: the gate as it always was. */
	if (nb == 1 && first + 1 == argc)
		return vcl_check_run(a.baseline[0], argv[first], a.junit, a.force, stdout, err);
	return vcl_check_run_classes((const char *const *)a.baseline, nb,
				     (const char *const *)(argv + first), (size_t)(argc - first),
				     a.junit, a.force, stdout, err);
}

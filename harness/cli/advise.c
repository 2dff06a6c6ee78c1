/* SPDX-License-Identifier: MIT */
/* `vclab advise`: the verb over the advisor library (advise/advise.h). */
#include <stdio.h>

#include "advise/advise.h"
#include "cli/cmds.h"
#include "core/cleanup.h"

#define DEFAULT_RESULTS "results/latest/results.json"

struct advise_args {
	const char *results;
	bool explain, json;
};

static const struct vcl_opt advise_opts[] = {
    VCL_OPT_STR_ROW(struct advise_args, results, "results", 'r', "R",
		    "results.json to judge by (default " DEFAULT_RESULTS ")"),
    VCL_OPT_FLAG_ROW(struct advise_args, explain, "explain", 'e',
		     "print the full trace of every rule"),
    VCL_OPT_FLAG_ROW(struct advise_args, json, "json", 'j',
		     "machine-readable output (schema vclab.advice/1)"),
};

const struct vcl_optset vcl_advise_optset = {
    .verb = "advise",
    .usage = "advise [--results R] [--explain] [--json] INPUT...",
    .about = "Recommend vm, ctr or bare for each service, from measured numbers.\n"
	     "INPUT is a vclab service profile or a Kubernetes manifest (YAML);\n"
	     "docs/advisor.md describes both and the decision model.",
    .operands = true,
    .opts = advise_opts,
    .n = ARRAY_SIZE(advise_opts),
    .size = sizeof(struct advise_args),
};

int vcl_cmd_advise(int argc, char **argv, struct vcl_error **err)
{
	struct advise_args a = {.results = DEFAULT_RESULTS};
	int first, r = vcl_cmd_parse(&vcl_advise_optset, argc, argv, &a, &first, err);

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (first >= argc) {
		vcl_opt_help(stderr, &vcl_advise_optset);
		return 2;
	}
	if (vcl_advise_run(a.results, (const char *const *)(argv + first), (size_t)(argc - first),
			   (a.json ? VCL_ADVISE_JSON : 0) | (a.explain ? VCL_ADVISE_EXPLAIN : 0),
			   stdout, stderr, err) < 0)
		return -1;
	return 0;
}

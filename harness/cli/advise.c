/* SPDX-License-Identifier: MIT */
/* `vclab advise`: the verb over the advisor library (advise/advise.h). */
#include <stdio.h>
#include <string.h>

#include "advise/advise.h"
#include "cli/cmds.h"
#include "core/cleanup.h"

#define DEFAULT_RESULTS "results/latest/results.json"

struct advise_args {
	char **results;
	bool explain, json, verbose;
	const char *map;
	const char *emit;
};

static const struct vcl_opt advise_opts[] = {
    VCL_OPT_APPEND_ROW(struct advise_args, results, "results", 'r', "R",
		       "results.json to judge by (default " DEFAULT_RESULTS
		       "); repeated: results from several hosts, advice per host class"),
    VCL_OPT_FLAG_ROW(struct advise_args, explain, "explain", 'e',
		     "print the full trace of every rule"),
    VCL_OPT_FLAG_ROW(struct advise_args, json, "json", 'j',
		     "machine-readable output (schema vclab.advice/1)"),
    VCL_OPT_FLAG_ROW(struct advise_args, verbose, "verbose", 'v',
		     "one note per skipped object that is not a workload (default: one summary)"),
    VCL_OPT_STR_ROW(struct advise_args, map, "map", 0, "FILE",
		    "YAML mapping image -> measured service (results services.<name>)"),
    VCL_OPT_STR_ROW(struct advise_args, emit, "emit", 0, "kustomize DIR",
		    "also write a kustomize overlay applying the advice to DIR"),
};

const struct vcl_optset vcl_advise_optset = {
    .verb = "advise",
    .usage = "advise [--results R]... [--explain] [--json] [--verbose] [--map FILE] "
	     "[--emit kustomize DIR] INPUT...",
    .about = "Recommend vm, ctr or bare for each service, from measured numbers.\n"
	     "INPUT is a vclab service profile or a Kubernetes manifest (YAML);\n"
	     "docs/advisor.md describes both and the decision model.",
    .operands = true,
    .opts = advise_opts,
    .n = ARRAY_SIZE(advise_opts),
    .size = sizeof(struct advise_args),
};

static void release(struct advise_args *a)
{
	vcl_opt_free(&vcl_advise_optset, a);
}

/* --emit takes two words, "kustomize DIR", which a table row cannot say:
 * take DIR out of argv before parsing, so it is not read as an INPUT. */
static const char *emit_dir(int *argc, char **argv)
{
	for (int i = 1; i + 2 < *argc; i++) {
		if ((strcmp(argv[i], "--emit") == 0 && strcmp(argv[i + 1], "kustomize") == 0) ||
		    (strcmp(argv[i], "--emit=kustomize") == 0)) {
			int at = strcmp(argv[i], "--emit") == 0 ? i + 2 : i + 1;
			const char *dir = argv[at];

			memmove(&argv[at], &argv[at + 1], (size_t)(*argc - at) * sizeof(*argv));
			(*argc)--;
			return dir;
		}
	}
	return NULL;
}

int vcl_cmd_advise(int argc, char **argv, struct vcl_error **err)
{
	__attribute__((cleanup(release))) struct advise_args a = {0};
	const char *dir = emit_dir(&argc, argv);
	int first, r = vcl_cmd_parse(&vcl_advise_optset, argc, argv, &a, &first, err);
	size_t nres = 0;

	if (r != 0)
		return r > 0 ? 0 : -1;
	while (a.results != NULL && a.results[nres] != NULL)
		nres++;
	if (a.emit != NULL && strncmp(a.emit, "kustomize=", 10) == 0 && a.emit[10] != '\0')
		dir = a.emit + 10;
	else if (a.emit != NULL && (strcmp(a.emit, "kustomize") != 0 || dir == NULL))
		return vcl_usage(err, "--emit takes 'kustomize DIR' (got '%s')", a.emit);
	if (first >= argc) {
		vcl_opt_help(stderr, &vcl_advise_optset);
		return 2;
	}
	{
		struct vcl_advise_opts o = {
		    .results = nres > 0 ? a.results[0] : DEFAULT_RESULTS,
		    .inputs = (const char *const *)(argv + first),
		    .ninputs = (size_t)(argc - first),
		    .flags = (a.json ? VCL_ADVISE_JSON : 0) | (a.explain ? VCL_ADVISE_EXPLAIN : 0) |
			     (a.verbose ? VCL_ADVISE_VERBOSE : 0),
		    .map = a.map,
		    .emit = a.emit != NULL ? dir : NULL,
		};

		if (nres > 1 ? vcl_advise_run_classes(&o, (const char *const *)a.results, nres,
						      stdout, stderr, err) < 0
			     : vcl_advise_run_opts(&o, stdout, stderr, err) < 0)
			return -1;
	}
	return 0;
}

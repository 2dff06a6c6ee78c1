/* SPDX-License-Identifier: MIT */
/* `vclab baseline`: derive a CI gate's bounds from runs (gate/gate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/backends.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "gate/gate.h"

struct baseline_args {
	char **from, **metric;
	const char *output;
	struct vcl_derive_opts d;
};

static const struct vcl_opt baseline_opts[] = {
    VCL_OPT_APPEND_ROW(struct baseline_args, from, "from", 'f', "RESULTS.json",
		       "a run to derive from (repeatable; files after it count too)"),
    VCL_OPT_STR_ROW(struct baseline_args, output, "output", 'o', "BASELINE.yaml",
		    "where to write (required)"),
    VCL_OPT_APPEND_ROW(struct baseline_args, metric, "metric", 'm', "PATH[/PATH][:lower|:higher]",
		       "gate this metric (repeatable; default: the standard set)"),
    VCL_OPT_DOUBLE_ROW(struct baseline_args, d.k, "k", 0, 1e6, "K", "MADs of half-width"),
    VCL_OPT_DOUBLE_ROW(struct baseline_args, d.floor_pct, "floor-pct", 0, 1e6, "P",
		       "least half-width, percent of the median"),
    VCL_OPT_STR_ROW(struct baseline_args, d.name, "name", 0, "NAME",
		    "host class name (default: the output's file name)"),
    VCL_OPT_FLAG_ROW(struct baseline_args, d.force, "force", 0,
		     "accept incomplete runs and mixed host classes"),
};

const struct vcl_optset vcl_baseline_optset = {
    .verb = "baseline",
    .usage = "baseline --from RESULTS.json [RESULTS.json...] -o BASELINE.yaml\n"
	     "                      [--metric PATH[/PATH][:lower|:higher]]... [--k K]\n"
	     "                      [--floor-pct P] [--name NAME] [--force]",
    .about = "Derives bounds median +- max(K*MAD, P% of median) per metric across the runs.\n"
	     "Without --metric a default set is used: startup ratios, memory overhead and\n"
	     "PSS, startup CV, density. All runs must come from one host class; --force\n"
	     "also accepts incomplete runs.",
    .operands = true,
    .opts = baseline_opts,
    .n = ARRAY_SIZE(baseline_opts),
    .size = sizeof(struct baseline_args),
};

static void release(struct baseline_args *a)
{
	vcl_opt_free(&vcl_baseline_optset, a);
}

/* The --from files, then the operands ("--from a.json b.json c.json"). */
static const char **results_files(char **from, int argc, char **argv, int first, size_t *n)
{
	size_t nfrom = from != NULL ? vcl_strv_len(from) : 0;
	const char **files = calloc(nfrom + (size_t)(argc - first) + 1, sizeof(*files));

	if (files == NULL)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < nfrom; i++)
		files[(*n)++] = from[i];
	for (int i = first; i < argc; i++)
		files[(*n)++] = argv[i];
	return files;
}

int vcl_cmd_baseline(int argc, char **argv, struct vcl_error **err)
{
	__attribute__((cleanup(release))) struct baseline_args a = {
	    .d = {.k = VCL_BASELINE_K,
		  .floor_pct = VCL_BASELINE_FLOOR_PCT,
		  .backends = vcl_backends},
	};
	cleanup_free const char **files = NULL;
	size_t nfiles = 0;
	int first, r = vcl_cmd_parse(&vcl_baseline_optset, argc, argv, &a, &first, err);

	if (r > 0)
		printf("\nDefaults: K=%g, P=%g; startup CVs use at least P=%g.\n", VCL_BASELINE_K,
		       VCL_BASELINE_FLOOR_PCT, VCL_BASELINE_CV_FLOOR_PCT);
	if (r != 0)
		return r > 0 ? 0 : -1;
	files = results_files(a.from, argc, argv, first, &nfiles);
	if (files == NULL)
		return vcl_fail(err, ENOMEM, "baseline");
	if (nfiles == 0)
		return vcl_usage(err, "No results given: --from RESULTS.json (try --help)");
	if (a.output == NULL)
		return vcl_usage(err, "No output given: -o results/baselines/NAME.yaml");
	a.d.exprs = a.metric;
	return vcl_baseline_make(files, nfiles, &a.d, a.output, stdout, err);
}

/* SPDX-License-Identifier: MIT */
/*
 * `vclab calibrate`: the run's own calibration alone (docs/metrics.md,
 * "Order, settling and calibration"): bare against bare in shuffled rounds
 * (A/A, the noise floor of every ratio) and the probe floor (the first 200
 * from an instance already listening). It is the startup scenario on bare
 * with no peers, so the figures are exactly those a bench run records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/results.h"

struct vcl_calibrate_opts {
	unsigned runs;
	const char *out;
	uint64_t seed;
	bool seed_given;
	bool quiet;
};

static const struct vcl_opt calibrate_opts[] = {
    VCL_OPT_UINT_ROW(struct vcl_calibrate_opts, runs, "runs", 2, 100000, "N",
		     "measured launches per series (default 40)"),
    VCL_OPT_STR_ROW(struct vcl_calibrate_opts, out, "out", 0, "DIR",
		    "results folder (default results/<timestamp>-<host>)"),
    VCL_OPT_U64_GIVEN_ROW(struct vcl_calibrate_opts, seed, seed_given, "seed", 0, UINT64_MAX, "N",
			  "launch-order seed (default: from the clock; recorded)"),
    VCL_OPT_FLAG_ROW(struct vcl_calibrate_opts, quiet, "quiet", 'q', "no progress bar"),
};

const struct vcl_optset vcl_calibrate_optset = {
    .verb = "calibrate",
    .usage = "calibrate [--runs N] [--out DIR] [--seed N]",
    .about = "Measures what every comparison of a run rests on, alone: bare against bare\n"
	     "(A/A: the noise floor of ratios) and the probe floor (readiness detection's own\n"
	     "cost). Writes results.json with calibration.{aa,probe_floor_ms,settle_ms}.",
    .opts = calibrate_opts,
    .n = ARRAY_SIZE(calibrate_opts),
    .size = sizeof(struct vcl_calibrate_opts),
};

static void print_calibration(struct json_object *root)
{
	double v, lo, hi;

	if (vcl_json_path_double(root, "calibration.aa.ratio", &v) == 0 &&
	    vcl_json_path_double(root, "calibration.aa.ci95.0", &lo) == 0 &&
	    vcl_json_path_double(root, "calibration.aa.ci95.1", &hi) == 0)
		printf("A/A (bare-aa / bare): x%.3f [%.3f-%.3f]\n", v, lo, hi);
	else
		printf("A/A: no ratio (too few bare launches succeeded)\n");
	if (vcl_json_path_double(root, "calibration.probe_floor_ms.p50", &v) == 0)
		printf("probe floor: p50 %.3f ms\n", v);
	if (vcl_json_path_double(root, "calibration.settle_ms.p50", &v) == 0)
		printf("settle before each launch: p50 %.3f ms\n", v);
}

int vcl_cmd_calibrate(int argc, char **argv, struct vcl_error **err)
{
	struct vcl_calibrate_opts c = {.runs = 40};
	char runs[24], seed[24];
	char *bargv[16];
	int bargc = 0, r = vcl_cmd_parse(&vcl_calibrate_optset, argc, argv, &c, NULL, err);
	struct vcl_bench_opts o;
	struct vcl_bench b;
	bool help = false;

	if (r != 0)
		return r > 0 ? 0 : -1;
	snprintf(runs, sizeof(runs), "%u", c.runs);
	snprintf(seed, sizeof(seed), "%" PRIu64, c.seed);
	bargv[bargc++] = (char *)"bench";
	bargv[bargc++] = (char *)"--backends=bare";
	bargv[bargc++] = (char *)"--peer=none";
	bargv[bargc++] = (char *)"--scenarios=startup";
	bargv[bargc++] = (char *)"--runs";
	bargv[bargc++] = runs;
	bargv[bargc++] = (char *)"--no-report";
	bargv[bargc++] = (char *)"--quiet";
	if (c.out != NULL) {
		bargv[bargc++] = (char *)"--out";
		bargv[bargc++] = (char *)c.out;
	}
	if (c.seed_given) {
		bargv[bargc++] = (char *)"--seed";
		bargv[bargc++] = seed;
	}
	bargv[bargc] = NULL;
	if (vcl_bench_opts_parse(bargc, bargv, &o, &help, err) < 0) {
		vcl_bench_opts_free(&o);
		return -1;
	}
	r = vcl_bench_run(&b, &o, err);
	if (r == 0)
		print_calibration(b.root);
	vcl_bench_release(&b);
	vcl_bench_opts_free(&o);
	return r;
}

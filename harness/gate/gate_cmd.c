/* SPDX-License-Identifier: MIT */
/*
 * `vclab check --baseline B RESULTS.json [--junit FILE] [--force]`: the I/O
 * around the pure gate in check.c. Exit 0 pass, 1 regression / missing
 * metric / incomplete run, 2 bad input or host class mismatch (docs/ci.md).
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gate/gate.h"
#include "core/cleanup.h"
#include "cli/cmds.h"
#include "core/results.h"
#include "core/util.h"

static void check_usage(FILE *f)
{
	fprintf(f,
		"usage: vclab check --baseline BASELINE.yaml RESULTS.json [--junit FILE] "
		"[--force]\n\n"
		"Judges one results.json against a baseline and prints metric, baseline, bounds,\n"
		"measured, delta and verdict. Exit 0: all pass (improved counts as pass);\n"
		"1: a metric regressed or is missing, or the run is incomplete; 2: bad input or\n"
		"results from another host class. --force judges incomplete runs and other host\n"
		"classes anyway. --junit writes one JUnit testcase per metric.\n");
}

int vcl_cmd_check(int argc, char **argv, struct vcl_error **err)
{
	static const struct option opts[] = {
	    {"baseline", required_argument, NULL, 'b'},
	    {"junit", required_argument, NULL, 'j'},
	    {"force", no_argument, NULL, 'F'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *baseline_path = NULL, *junit = NULL, *results_path;
	struct vcl_baseline *b = NULL;
	struct json_object *results = NULL;
	struct vcl_check_report rep = {0};
	cleanup_free char *xml = NULL;
	uint64_t t0 = vcl_now_ns();
	bool force = false;
	char ts[32];
	int c, ret = -1;

	optind = 0; /* callable more than once (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:j:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			baseline_path = optarg;
			break;
		case 'j':
			junit = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		case ':':
			return vcl_usage(err, "%s needs a value (try --help)", argv[optind - 1]);
		default:
			return vcl_usage(err, "Unknown option %s (try --help)", argv[optind - 1]);
		}
	}
	if (baseline_path == NULL)
		return vcl_usage(err, "No baseline given: --baseline BASELINE.yaml (try --help)");
	if (optind + 1 != argc)
		return vcl_usage(err, "Expected exactly one RESULTS.json, got %d (try --help)",
				 argc - optind);
	results_path = argv[optind];

	if (vcl_baseline_load(baseline_path, &b, err) < 0)
		return -1;
	if (vcl_results_load(results_path, &results, err) < 0)
		goto out;
	if (vcl_check_evaluate(b, results, force, &rep, err) < 0)
		goto out;
	if (rep.host_diff != NULL && !force) {
		vcl_usage(err,
			  "%s comes from another host class than baseline %s: %s (a baseline "
			  "gates one host class; use --force to judge anyway)",
			  results_path, baseline_path, rep.host_diff);
		goto out;
	}
	vcl_check_print(stdout, b, baseline_path, &rep, results_path);
	fflush(stdout);
	if (junit != NULL) {
		char *z;

		/* JUnit's timestamp is a local-less ISO 8601 date-time. */
		vcl_iso8601_now(ts, sizeof(ts));
		z = strchr(ts, 'Z');
		if (z != NULL)
			*z = '\0';
		xml =
		    vcl_junit_format(b, &rep, results_path, ts, (double)(vcl_now_ns() - t0) / 1e9);
		if (xml == NULL) {
			vcl_fail(err, 0, "Format JUnit XML: out of memory");
			goto out;
		}
		if (vcl_write_atomic(junit, xml, strlen(xml), err) < 0) {
			vcl_error_set_kind(err, VCL_E_ENV);
			vcl_error_wrap(err, "JUnit report");
			goto out;
		}
		printf("junit: %s\n", junit);
	}
	ret = vcl_check_exit_code(&rep);
out:
	vcl_check_report_clear(&rep);
	json_object_put(results);
	vcl_baseline_free(b);
	return ret;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

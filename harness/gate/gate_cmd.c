/* SPDX-License-Identifier: MIT */
/*
 * vcl_check_run(), the I/O around the pure gate in check.c behind
 * `vclab check --baseline B RESULTS.json [--junit FILE] [--force]`
 * (cli/check.c). Exit 0 pass, 1 regression / missing
 * metric / incomplete run, 2 bad input or host class mismatch (docs/ci.md).
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <stdio.h>
#include <string.h>

#include "gate/gate.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

/* JUnit's timestamp is a local-less ISO 8601 date-time. */
static int write_junit(const struct vcl_baseline *b, const struct vcl_check_report *rep,
		       const char *results_path, const char *junit, uint64_t t0,
		       struct vcl_error **err)
{
	cleanup_free char *xml = NULL;
	char ts[32], *z;

	vcl_iso8601_now(ts, sizeof(ts));
	z = strchr(ts, 'Z');
	if (z != NULL)
		*z = '\0';
	xml = vcl_junit_format(b, rep, results_path, ts, (double)(vcl_now_ns() - t0) / 1e9);
	if (xml == NULL)
		return vcl_fail(err, 0, "Format JUnit XML: out of memory");
	if (vcl_write_atomic(junit, xml, strlen(xml), err) < 0) {
		vcl_error_set_kind(err, VCL_E_ENV);
		return vcl_error_wrap(err, "JUnit report");
	}
	return 0;
}

int vcl_check_run(const char *baseline_path, const char *results_path, const char *junit,
		  bool force, FILE *out, struct vcl_error **err)
{
	struct vcl_baseline *b = NULL;
	struct json_object *results = NULL;
	struct vcl_check_report rep = {0};
	uint64_t t0 = vcl_now_ns();
	int ret = -1;

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
	vcl_check_print(out, b, baseline_path, &rep, results_path);
	fflush(out);
	if (junit != NULL) {
		if (write_junit(b, &rep, results_path, junit, t0, err) < 0)
			goto out;
		fprintf(out, "junit: %s\n", junit);
	}
	ret = vcl_check_exit_code(&rep);
out:
	vcl_check_report_clear(&rep);
	json_object_put(results);
	vcl_baseline_free(b);
	return ret;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

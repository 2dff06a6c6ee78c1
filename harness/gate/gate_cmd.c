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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int vcl_baseline_pick(const struct vcl_baseline *const *b, size_t n, const char *klass)
{
	if (n == 1)
		return 0;
	for (size_t i = 0; klass != NULL && i < n; i++)
		if (b[i]->host.name != NULL && strcmp(b[i]->host.name, klass) == 0)
			return (int)i;
	return -1;
}

#define MAX_BASELINES 64

static void free_baselines(struct vcl_baseline **b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vcl_baseline_free(b[i]);
}

/* One results file of a fleet check: its status, or -1 when unreadable. */
static int check_one(struct vcl_baseline *const *b, const char *const *paths, size_t nb,
		     const char *results_path, const char *junit, bool force, FILE *out,
		     struct vcl_error **err)
{
	struct json_object *results = NULL;
	struct vcl_host_class have;
	const char *why;
	int k, ret;

	if (vcl_results_load(results_path, &results, err) < 0)
		return -1;
	if (vcl_host_class_from_results(results, &have, err) < 0) {
		json_object_put(results);
		return -1;
	}
	why = json_object_get_string(vcl_json_path(results, "error"));
	k = vcl_baseline_pick((const struct vcl_baseline *const *)b, nb, have.name);
	if (vcl_json_path(results, "error") != NULL) {
		fprintf(out, "%s: class %s: the host gave no results: %s\nverdict: FAIL\n\n",
			results_path, have.name != NULL ? have.name : "(none)", why);
		ret = 1;
	} else if (k < 0) {
		fprintf(out, "%s: class %s: no baseline for this class\nverdict: FAIL (usage)\n\n",
			results_path, have.name != NULL ? have.name : "(none)");
		ret = 2;
	} else {
		struct vcl_error *e = NULL;

		fprintf(out, "%s: class %s: baseline %s\n", results_path,
			have.name != NULL ? have.name : "(none)", paths[k]);
		ret = vcl_check_run(paths[k], results_path, junit, force, out, &e);
		if (ret < 0) {
			fprintf(out, "%s\nverdict: FAIL (usage)\n", e != NULL ? e->msg : "error");
			ret = e != NULL ? vcl_error_exit_code(e) : 2;
			vcl_error_free(e);
		}
		fputc('\n', out);
	}
	vcl_host_class_clear(&have);
	json_object_put(results);
	return ret;
}

int vcl_check_run_classes(const char *const *baselines, size_t nb, const char *const *results,
			  size_t nr, const char *junit, bool force, FILE *out,
			  struct vcl_error **err)
{
	struct vcl_baseline *b[MAX_BASELINES] = {0};
	int worst = 0;

	if (nb > MAX_BASELINES)
		return vcl_usage(err, "More than %d baselines", MAX_BASELINES);
	if (junit != NULL && nr > 1)
		return vcl_usage(err, "--junit takes one RESULTS.json, got %zu", nr);
	for (size_t i = 0; i < nb; i++)
		if (vcl_baseline_load(baselines[i], &b[i], err) < 0) {
			free_baselines(b, i);
			return -1;
		}
	for (size_t i = 1; i < nb; i++)
		for (size_t j = 0; j < i; j++)
			if (b[i]->host.name == NULL ||
			    (b[j]->host.name != NULL &&
			     strcmp(b[i]->host.name, b[j]->host.name) == 0)) {
				free_baselines(b, nb);
				return vcl_usage(err,
						 "%s: with several baselines each needs its own "
						 "host.class (one baseline per class)",
						 baselines[i]);
			}
	if (nb > 1 && b[0]->host.name == NULL) {
		free_baselines(b, nb);
		return vcl_usage(err, "%s: with several baselines each needs its own host.class",
				 baselines[0]);
	}
	for (size_t i = 0; i < nr; i++) {
		int r = check_one(b, baselines, nb, results[i], junit, force, out, err);

		if (r < 0) {
			free_baselines(b, nb);
			return -1;
		}
		worst = r > worst ? r : worst;
	}
	free_baselines(b, nb);
	return worst;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

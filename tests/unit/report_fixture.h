/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_REPORT_FIXTURE_H
#define VCL_TEST_REPORT_FIXTURE_H

/*
 * What the report suites (test_report_*.c) share: the fixture
 * tests/data/results-sample.json as a run, the source tree found from the
 * test binary, the golden compare under tests/data/report/ (tests/golden.h),
 * and building a report document from runs.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "core/cleanup.h"
#include "report/report.h"
#include "core/results.h"
#include "core/util.h"
#include "tests/golden.h"

#define FIXTURE "tests/data/results-sample.json"
#define GOLDEN	"tests/data/report"
#define HREF	"../../docs/metrics.md"

/* The source tree: the current folder when run from it (make unit), else
 * found from the test binary (build/tests/x or build/asan/tests/x). */
__attribute__((unused)) static char root[PATH_MAX + 64];

static inline void find_root(void)
{
	static const char *const up[] = {".", "..", "../..", "../../..", "../../../.."};
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (access(FIXTURE, R_OK) == 0) {
		snprintf(root, sizeof(root), ".");
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		char cand[PATH_MAX + 64];

		snprintf(cand, sizeof(cand), "%s/%s/%s", self, up[i], FIXTURE);
		if (access(cand, R_OK) == 0) {
			snprintf(root, sizeof(root), "%s/%s", self, up[i]);
			return;
		}
	}
	ck_abort_msg("Cannot find %s from the current folder or the test binary", FIXTURE);
}

static inline char *src_path(const char *rel)
{
	if (root[0] == '\0')
		find_root();
	return vcl_rxasprintf("%s/%s", root, rel);
}

static inline struct json_object *load_fixture(void)
{
	cleanup_free char *p = src_path(FIXTURE);
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;

	ck_assert_msg(vcl_results_load(p, &o, &err) == 0, "load %s: %s", p,
		      err != NULL ? err->msg : "?");
	return o;
}

/* Compare text with the golden file tests/data/report/<name>. */
static inline void golden(const char *name, const char *text)
{
	cleanup_free char *rel = vcl_rxasprintf("%s/%s", GOLDEN, name);
	cleanup_free char *path = src_path(rel);

	golden_check(path, text, strlen(text));
}

static inline struct vcl_report_run fixture_run(struct json_object *o)
{
	struct vcl_report_run r = {.label = "fx01", .file = "results-sample.json", .root = o};

	return r;
}

static inline char **build(const struct vcl_report_run *runs, size_t n,
			   struct vcl_report_figs *figs, const char *missing, struct vcl_rdoc *doc)
{
	struct vcl_report_ctx c = {
	    .runs = runs,
	    .n = n,
	    .figs = figs,
	    .gnuplot_missing = missing,
	    .metrics_href = HREF,
	    .advisor_md = NULL,
	    .advisor_note = NULL,
	};
	char **warnings = NULL;

	vcl_report_build(&c, doc, &warnings);
	return warnings;
}

static inline void free_warnings(char **w)
{
	for (size_t i = 0; w != NULL && w[i] != NULL; i++)
		free(w[i]);
	free(w);
}

#endif

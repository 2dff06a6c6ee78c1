/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_CHECK_FIXTURE_H
#define VCL_TEST_CHECK_FIXTURE_H

/*
 * What both regression-gate suites use (test_check.c, the pure parts, and
 * test_check_cli.c, the verbs end to end): the results fixture
 * tests/data/results-sample.json and small edits to it. Each test file is
 * its own binary, so these are static inline here rather than in a library.
 */

#include <check.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "tests/suite_main.h"

/* argv strings: the verbs take char ** as main() does. */
#define S(x) ((char *)(x))

/* A repository file, found from the working directory or from the test
 * binary's place (build/tests/ or build/asan/tests/). */
static inline char *data_path(const char *rel)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *p = NULL;

	if (access(rel, R_OK) == 0)
		return strdup(rel);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	for (int up = 0; up < 4; up++) {
		char *d = dirname(exe);

		memmove(exe, d, strlen(d) + 1);
		free(p);
		ck_assert_int_ge(asprintf(&p, "%s/%s", exe, rel), 0);
		if (access(p, R_OK) == 0)
			return p;
	}
	ck_abort_msg("Cannot find %s", rel);
	return NULL;
}

static inline struct json_object *sample_results(void)
{
	cleanup_free char *path = data_path("tests/data/results-sample.json");
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;

	ck_assert_msg(vcl_results_load(path, &o, &err) == 0, "%s", err ? err->msg : "");
	return o;
}

static inline void set_number(struct json_object *root, const char *parent, const char *key,
			      double v)
{
	struct json_object *p = vcl_json_path(root, parent);

	ck_assert_ptr_nonnull(p);
	json_object_object_add(p, key, json_object_new_double(v));
}

#endif

/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_KEEP_RESULTS_H
#define VCL_TEST_KEEP_RESULTS_H

/*
 * Keep a copy of a results.json a suite produced as build/produced/NAME.json:
 * `make integ` validates every one against docs/results.schema.json with an
 * outside validator once the suites are done (scripts/validate-results.py),
 * after the suites have removed their own output folders.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static inline void keep_results(const char *path, const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p build/produced && cp '%s' 'build/produced/%s.json'",
		 path, name);
	ck_assert_int_eq(system(cmd), 0);
}

#endif

/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_SUITE_MAIN_H
#define VCL_TEST_SUITE_MAIN_H

/*
 * The one main() body of every Check suite (tests/unit, tests/integ): run the
 * suite with Check's normal output, the "Running suite(s): NAME" and
 * "100%: Checks: N, Failures: 0, Errors: 0" lines runners read, and turn its
 * failures into the exit status scripts/run-tests.sh checks (0 when every
 * test passed, 1 otherwise). Each test file is its own binary, so this is
 * static inline rather than in a library.
 */

#include <check.h>
#include <stdlib.h>

static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif

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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Automake's "skipped" exit status: scripts/run-tests.sh counts a suite
 * that exits with it as skipped, never as passed, and under CI=true as
 * failed (CI must not go green on a machine that could not run a test). */
#define VCL_TEST_SKIP 77

/* A whole suite that cannot run here (no root, no libvirtd, no guest
 * image): say why and return VCL_TEST_SKIP from main. */
static inline int skip_suite(const char *suite, const char *why)
{
	printf("SKIP: %s: %s\n", suite, why);
	fflush(stdout);
	return VCL_TEST_SKIP;
}

/* One test that cannot run here: say why and append a line to
 * $VCLAB_SKIP_LOG, which scripts/run-tests.sh counts (and fails on under
 * CI=true). The test then returns. */
__attribute__((format(printf, 2, 3))) static inline void note_skip(const char *test,
								   const char *fmt, ...)
{
	const char *log = getenv("VCLAB_SKIP_LOG");
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("SKIP: %s: %s\n", test, why);
	fflush(stdout);
	if (log != NULL && *log != '\0') {
		FILE *f = fopen(log, "ae");

		if (f != NULL) {
			fprintf(f, "%s: %s\n", test, why);
			fclose(f);
		}
	}
}

/* Add to s a test case named name holding the n tests, with a time-out in
 * seconds (0: Check's default); returns the case, for a fixture. */
static inline TCase *tcase_of(Suite *s, const char *name, double timeout, const TTest *const *tests,
			      size_t n)
{
	TCase *c = tcase_create(name);

	if (timeout > 0)
		tcase_set_timeout(c, timeout);
	for (size_t i = 0; i < n; i++)
		tcase_add_test(c, tests[i]);
	suite_add_tcase(s, c);
	return c;
}

/* A suite of one test case of the same name holding the n tests, with a
 * time-out in seconds (0: Check's default); *tc (when not NULL) is that
 * case, for a fixture. */
static inline Suite *suite_of(const char *name, double timeout, const TTest *const *tests, size_t n,
			      TCase **tc)
{
	Suite *s = suite_create(name);
	TCase *c = tcase_of(s, name, timeout, tests, n);

	if (tc != NULL)
		*tc = c;
	return s;
}

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

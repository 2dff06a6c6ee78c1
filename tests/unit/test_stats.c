/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "core/stats.h"
#include "tests/suite_main.h"

static const double one_to_ten[] = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6}; /* shuffled 1..10 */

START_TEST(test_known_values)
{
	struct vcl_stats st;

	vcl_stats_compute(one_to_ten, 10, 1000, 42, &st);
	ck_assert_uint_eq(st.n, 10);
	/* Reference values: numpy.percentile(range(1, 11), q) (linear), R type 7. */
	ck_assert_double_eq_tol(st.p50, 5.5, 1e-12);
	ck_assert_double_eq_tol(st.p90, 9.1, 1e-12);
	ck_assert_double_eq_tol(st.p95, 9.55, 1e-12);
	ck_assert_double_eq_tol(st.p99, 9.91, 1e-12);
	ck_assert_double_eq_tol(st.mean, 5.5, 1e-12);
	ck_assert_double_eq_tol(st.stddev, 3.0276503540974917, 1e-12); /* sample sd */
	ck_assert_double_eq_tol(st.cv, 3.0276503540974917 / 5.5, 1e-12);
	ck_assert_double_eq(st.min, 1);
	ck_assert_double_eq(st.max, 10);
	ck_assert_double_eq_tol(st.mad, 2.5, 1e-12);
}
END_TEST

START_TEST(test_percentile_edges)
{
	const double one[] = {42};
	const double two[] = {1, 3};

	ck_assert_double_eq(vcl_percentile_sorted(one, 1, 0.5), 42);
	ck_assert_double_eq(vcl_percentile_sorted(one, 1, 0.99), 42);
	ck_assert_double_eq(vcl_percentile_sorted(two, 2, 0.5), 2);
	ck_assert_double_eq(vcl_percentile_sorted(two, 2, 0), 1);
	ck_assert_double_eq(vcl_percentile_sorted(two, 2, 1), 3);
	ck_assert_double_eq(vcl_percentile_sorted(two, 2, 0.25), 1.5);
}
END_TEST

START_TEST(test_empty_and_single)
{
	struct vcl_stats st;
	const double x[] = {3.5};

	vcl_stats_compute(NULL, 0, 100, 1, &st);
	ck_assert_uint_eq(st.n, 0);
	ck_assert_double_eq(st.mean, 0);
	vcl_stats_compute(x, 1, 100, 1, &st);
	ck_assert_double_eq(st.p50, 3.5);
	ck_assert_double_eq(st.stddev, 0);
	ck_assert_double_eq(st.ci95_lo, 3.5);
	ck_assert_double_eq(st.ci95_hi, 3.5);
}
END_TEST

START_TEST(test_bootstrap_ci)
{
	struct vcl_stats a, b, c;
	double x[200];

	/* A skewed sample: the CI must hold the median and be reproducible. */
	for (int i = 0; i < 200; i++)
		x[i] = 10 + (i % 17) * (i % 5) * 0.25;
	vcl_stats_compute(x, 200, 2000, 7, &a);
	vcl_stats_compute(x, 200, 2000, 7, &b);
	vcl_stats_compute(x, 200, 2000, 8, &c);
	ck_assert(a.ci95_lo <= a.p50 && a.p50 <= a.ci95_hi);
	ck_assert(a.ci95_lo >= a.min && a.ci95_hi <= a.max);
	ck_assert(a.ci95_hi - a.ci95_lo < a.max - a.min);
	ck_assert_double_eq(a.ci95_lo, b.ci95_lo);
	ck_assert_double_eq(a.ci95_hi, b.ci95_hi);
	/* Another seed gives a close, not necessarily equal, interval. */
	ck_assert(fabs(c.ci95_lo - a.ci95_lo) <= 1.0);
}
END_TEST

START_TEST(test_bootstrap_constant)
{
	struct vcl_stats st;
	double x[50];

	for (int i = 0; i < 50; i++)
		x[i] = 2.0;
	vcl_stats_compute(x, 50, 500, 1, &st);
	ck_assert_double_eq(st.ci95_lo, 2.0);
	ck_assert_double_eq(st.ci95_hi, 2.0);
	ck_assert_double_eq(st.cv, 0);
	ck_assert_double_eq(st.mad, 0);
}
END_TEST

START_TEST(test_input_untouched)
{
	double x[] = {3, 1, 2};
	struct vcl_stats st;

	vcl_stats_compute(x, 3, 10, 1, &st);
	ck_assert_double_eq(x[0], 3);
	ck_assert_double_eq(x[1], 1);
	ck_assert_double_eq(x[2], 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_percentile_edges);
	tcase_add_test(tc, test_empty_and_single);
	tcase_add_test(tc, test_bootstrap_ci);
	tcase_add_test(tc, test_bootstrap_constant);
	tcase_add_test(tc, test_input_untouched);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

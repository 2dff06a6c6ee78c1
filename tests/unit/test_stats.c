/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	/* One sample has no interval: never the degenerate [x, x]. */
	ck_assert(!st.ci95_ok);
	ck_assert(isnan(st.ci95_lo) && isnan(st.ci95_hi));
	ck_assert_ptr_nonnull(st.ci95_why);
}
END_TEST

START_TEST(test_median_ci_sample)
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
	/* The interval is exact: the seed does not move it. */
	ck_assert_double_eq(c.ci95_lo, a.ci95_lo);
}
END_TEST

/* Ranks and coverage from the exact binomial: for n in (6, 10, 20, 40, 100,
 * 1000), Python's math.comb summing P(B <= k-1) for B ~ Binomial(n, 1/2)
 * gives k = 1, 2, 6, 14, 40, 469 with coverages 0.96875, 0.978515625,
 * 0.9586105346679688, 0.9615226917157997, 0.9647997997822952,
 * 0.9537088026395019 (n = 100: the 40th and 61st order statistics, as the
 * published tables of the sign-test interval give). */
START_TEST(test_median_ci_exact)
{
	static const struct {
		size_t n, k;
		double cov;
	} ref[] = {{6, 1, 0.96875},
		   {10, 2, 0.978515625},
		   {20, 6, 0.9586105346679688},
		   {40, 14, 0.9615226917157997},
		   {100, 40, 0.9647997997822952},
		   {1000, 469, 0.9537088026395019}};
	double cov, lo, hi, sorted[10];
	struct vcl_stats st;

	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		ck_assert_uint_eq(vcl_median_ci_rank(ref[i].n, 0.95, &cov), ref[i].k);
		ck_assert_double_eq_tol(cov, ref[i].cov, 1e-9);
	}
	/* n <= 5: [min, max] covers 1 - 2/32 = 0.9375 at best: no 95% CI. */
	for (size_t n = 0; n <= 5; n++)
		ck_assert_uint_eq(vcl_median_ci_rank(n, 0.95, NULL), 0);
	for (int i = 0; i < 10; i++)
		sorted[i] = i + 1;
	ck_assert(vcl_median_ci(sorted, 10, 0.95, &lo, &hi));
	ck_assert_double_eq(lo, 2);
	ck_assert_double_eq(hi, 9);
	ck_assert(!vcl_median_ci(sorted, 5, 0.95, &lo, &hi));
	ck_assert(isnan(lo) && isnan(hi));
	vcl_stats_compute(one_to_ten, 10, 0, 0, &st);
	ck_assert(st.ci95_ok);
	ck_assert_double_eq(st.ci95_lo, 2);
	ck_assert_double_eq(st.ci95_hi, 9);
}
END_TEST

START_TEST(test_ratio_ci)
{
	double a[40], b[40], c[3] = {4, 4, 4}, d[3] = {2, 2, 2}, r, lo, hi, r2, lo2, hi2;

	for (int i = 0; i < 40; i++)
		b[i] = 10 + (i * 7 % 13) * 0.5;
	for (int i = 0; i < 40; i++)
		a[i] = 2 * b[(i * 11) % 40];
	/* a is b doubled (another order): the ratio of medians is exactly 2
	 * and its interval holds it. */
	ck_assert(vcl_ratio_ci(a, 40, b, 40, 2000, 3, &r, &lo, &hi));
	ck_assert_double_eq_tol(r, 2, 1e-12);
	ck_assert(lo <= 2 && 2 <= hi && lo < hi);
	/* Reproducible from the seed. */
	ck_assert(vcl_ratio_ci(a, 40, b, 40, 2000, 3, &r2, &lo2, &hi2));
	ck_assert_double_eq(lo, lo2);
	ck_assert_double_eq(hi, hi2);
	/* A/A: a sample against itself holds 1. */
	ck_assert(vcl_ratio_ci(b, 40, b, 40, 2000, 5, &r, &lo, &hi));
	ck_assert_double_eq(r, 1);
	ck_assert(lo <= 1 && 1 <= hi);
	/* Constants: no spread, the interval is the point. */
	ck_assert(vcl_ratio_ci(c, 3, d, 3, 500, 1, &r, &lo, &hi));
	ck_assert_double_eq(r, 2);
	ck_assert_double_eq(lo, 2);
	ck_assert_double_eq(hi, 2);
	/* Nothing to compare, or a zero denominator: no ratio. */
	ck_assert(!vcl_ratio_ci(a, 0, b, 40, 100, 1, &r, &lo, &hi));
	ck_assert(isnan(r) && isnan(lo));
	d[0] = d[1] = d[2] = 0;
	ck_assert(!vcl_ratio_ci(c, 3, d, 3, 100, 1, &r, &lo, &hi));
}
END_TEST

START_TEST(test_shuffle)
{
	unsigned idx[5], first[5] = {0}, again[5];
	uint64_t s = 99, s2 = 99;
	int differs = 0;

	for (int trial = 0; trial < 5000; trial++) {
		unsigned seen = 0;

		for (unsigned i = 0; i < 5; i++)
			idx[i] = i;
		vcl_shuffle(idx, 5, &s);
		for (unsigned i = 0; i < 5; i++)
			seen |= 1u << idx[i];
		ck_assert_uint_eq(seen, 0x1f); /* a permutation */
		first[idx[0]]++;
	}
	/* Each element leads about 1000 times in 5000 (binomial sd ~28). */
	for (unsigned i = 0; i < 5; i++)
		ck_assert(first[i] > 850 && first[i] < 1150);
	/* The same seed gives the same order; another seed another. */
	for (unsigned i = 0; i < 5; i++)
		idx[i] = again[i] = i;
	vcl_shuffle(idx, 5, &s2);
	s2 = 99;
	vcl_shuffle(again, 5, &s2);
	ck_assert_mem_eq(idx, again, sizeof(idx));
	s2 = 100;
	for (int t = 0; t < 8 && !differs; t++) {
		for (unsigned i = 0; i < 5; i++)
			again[i] = i;
		vcl_shuffle(again, 5, &s2);
		differs = memcmp(idx, again, sizeof(idx)) != 0;
	}
	ck_assert(differs);
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

/* Three steps of four launches: the median launch is the mean of the two
 * middle launches by total (ranks 1 and 2 of 0..3), step by step, and adds
 * up to the median total exactly. */
START_TEST(test_median_launch)
{
	double a[] = {1, 2, 3, 4}, b[] = {10, 0, 5, 1}, c[] = {0, 1, 0, 30};
	double *x[] = {a, b, c}, med[3], tot[4];
	struct vcl_stats st;

	/* totals 11, 3, 8, 35: middle launches are 2 (8) and 0 (11) */
	ck_assert(vcl_median_launch(x, 3, 4, med));
	ck_assert_double_eq_tol(med[0], (3 + 1) / 2.0, 1e-12);
	ck_assert_double_eq_tol(med[1], (5 + 10) / 2.0, 1e-12);
	ck_assert_double_eq_tol(med[2], (0 + 0) / 2.0, 1e-12);
	for (int i = 0; i < 4; i++)
		tot[i] = a[i] + b[i] + c[i];
	vcl_stats_compute(tot, 4, 0, 0, &st);
	ck_assert_double_eq_tol(med[0] + med[1] + med[2], st.p50, 1e-12);
	/* odd n: one launch, the middle one (totals 11, 3, 8: launch 2) */
	ck_assert(vcl_median_launch(x, 3, 3, med));
	ck_assert_double_eq(med[0], 3);
	ck_assert_double_eq(med[1], 5);
	ck_assert(!vcl_median_launch(x, 3, 0, med));
	ck_assert(!vcl_median_launch(x, 0, 4, med));
}
END_TEST

/* Skewed steps: each of five small steps is slow (+5) in a different
 * launch of ten, so no step's median sees it but half the launches carry
 * one: the medians add up to less than the median total. Steps without a
 * tail add up exactly. */
START_TEST(test_steps_gap)
{
	double big[10], small[5][10], *x[6], gap, lo, hi;

	for (int i = 0; i < 10; i++) {
		big[i] = 10;
		for (int k = 0; k < 5; k++)
			small[k][i] = 1 + (i == k ? 5 : 0);
	}
	x[0] = big;
	for (int k = 0; k < 5; k++)
		x[k + 1] = small[k];
	/* totals: 20 in five launches, 15 in five: median 17.5; medians 10 + 5 */
	ck_assert(vcl_steps_gap(x, 6, 10, 500, 7, &gap, &lo, &hi));
	ck_assert_double_eq_tol(gap, 100.0 * (15 - 17.5) / 17.5, 1e-9);
	ck_assert(lo <= gap && gap <= hi);
	ck_assert(hi <= 0);
	/* the same steps without the tails: no gap, and no spread */
	for (int k = 0; k < 5; k++)
		small[k][k] = 1;
	ck_assert(vcl_steps_gap(x, 6, 10, 500, 7, &gap, &lo, &hi));
	ck_assert_double_eq_tol(gap, 0, 1e-12);
	ck_assert_double_eq_tol(lo, 0, 1e-12);
	ck_assert_double_eq_tol(hi, 0, 1e-12);
	ck_assert(!vcl_steps_gap(x, 6, 0, 500, 7, &gap, &lo, &hi));
	ck_assert(isnan(gap));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_percentile_edges);
	tcase_add_test(tc, test_empty_and_single);
	tcase_add_test(tc, test_median_ci_sample);
	tcase_add_test(tc, test_median_ci_exact);
	tcase_add_test(tc, test_ratio_ci);
	tcase_add_test(tc, test_shuffle);
	tcase_add_test(tc, test_bootstrap_constant);
	tcase_add_test(tc, test_input_untouched);
	tcase_add_test(tc, test_median_launch);
	tcase_add_test(tc, test_steps_gap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

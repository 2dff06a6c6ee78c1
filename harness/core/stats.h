/* SPDX-License-Identifier: MIT */
#ifndef VCL_STATS_H
#define VCL_STATS_H

/* Descriptive statistics, pure (no I/O, deterministic), unit-tested. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vcl_stats {
	size_t n;
	double p50, p90, p95, p99;
	double mean, stddev, cv; /* sample stddev (n-1); cv = stddev / mean */
	double min, max;
	double mad; /* median absolute deviation (unscaled) */
	/* Distribution-free 95% CI of the median from order statistics
	 * (binomial, see vcl_median_ci). ci95_ok is false when n is too small
	 * for 95% coverage (n <= 5): then lo/hi are NaN and ci95_why says so. */
	bool ci95_ok;
	double ci95_lo, ci95_hi;
	const char *ci95_why;
};

/* Percentile q in [0,1] of sorted x by linear interpolation between closest
 * ranks (Hyndman & Fan type 7, as R's default and numpy's "linear"). */
double vcl_percentile_sorted(const double *sorted, size_t n, double q);
/* Median absolute deviation of x (any order). */
double vcl_mad(const double *x, size_t n);
/* Fill st from x (any order, not modified). n == 0 gives all zeros and no
 * CI. resamples and seed are unused by the median CI (it is exact) and kept
 * for callers that pass them on to vcl_ratio_ci. */
void vcl_stats_compute(const double *x, size_t n, unsigned resamples, uint64_t seed,
		       struct vcl_stats *st);

/* Exact distribution-free CI of the median: the order statistics
 * [x(k), x(n+1-k)] (1-based, sorted) with the largest k whose coverage
 * 1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2), is at least conf. Returns the
 * 1-based k and the achieved coverage, or 0 when even [min, max] covers
 * less than conf (n <= 5 for 95%). Pure. */
size_t vcl_median_ci_rank(size_t n, double conf, double *coverage);
/* Fill lo/hi from sorted[]; false (lo = hi = NaN) when n is too small. */
bool vcl_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi);

/* Ratio of medians median(a) / median(b) with a percentile-bootstrap 95%
 * CI: a and b are resampled independently `resamples` times with a fixed
 * seed (reproducible). Returns false (all NaN) when either side is empty
 * or b's median is 0. Pure. */
bool vcl_ratio_ci(const double *a, size_t na, const double *b, size_t nb, unsigned resamples,
		  uint64_t seed, double *ratio, double *lo, double *hi);

/* Launch steps that tile each launch: x[k][i] is step k (k < nk) of
 * launch i (i < n), and a launch's total is the sum of its steps
 * (results: steps_ms; docs/ctr.md, "Where a launch goes"). */

/* The median launch, step by step: med[k] is step k of the launches at
 * the median's ranks by total, weighted as vcl_percentile_sorted weights
 * them, so med[] adds up to the median total exactly (the step medians
 * need not: skewed steps sum to less). false when n or nk is 0. Pure. */
bool vcl_median_launch(double *const *x, size_t nk, size_t n, double *med);

/* How far the step medians add up from the median total, in % of it:
 * 100 * (sum_k median(x[k]) - median(total)) / median(total), with a
 * percentile-bootstrap 95% CI (launches resampled whole, fixed seed).
 * false (all NaN) when n or nk is 0 or the median total is 0. Pure. */
bool vcl_steps_gap(double *const *x, size_t nk, size_t n, unsigned resamples, uint64_t seed,
		   double *gap, double *lo, double *hi);

/* Fisher-Yates shuffle of idx[0..n) driven by *state (splitmix64), so an
 * order is reproducible from its seed. Pure. */
void vcl_shuffle(unsigned *idx, size_t n, uint64_t *state);
uint64_t vcl_rand_next(uint64_t *state);

#define VCL_BOOTSTRAP_RESAMPLES 2000
#define VCL_BOOTSTRAP_SEED	0x5eed5eedULL

#endif

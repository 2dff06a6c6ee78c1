/* SPDX-License-Identifier: MIT */
#ifndef VCL_STATS_H
#define VCL_STATS_H

/* Descriptive statistics, pure (no I/O, deterministic), unit-tested. */

#include <stddef.h>
#include <stdint.h>

struct vcl_stats {
	size_t n;
	double p50, p90, p95, p99;
	double mean, stddev, cv; /* sample stddev (n-1); cv = stddev / mean */
	double min, max;
	double mad;		 /* median absolute deviation (unscaled) */
	double ci95_lo, ci95_hi; /* bootstrap 95% CI of the median */
};

/* Percentile q in [0,1] of sorted x by linear interpolation between closest
 * ranks (Hyndman & Fan type 7, as R's default and numpy's "linear"). */
double vcl_percentile_sorted(const double *sorted, size_t n, double q);
/* Median absolute deviation of x (any order). */
double vcl_mad(const double *x, size_t n);
/* Fill st from x (any order, not modified). n == 0 gives all zeros.
 * The bootstrap uses `resamples` resamples and a fixed seed, so the same
 * input always gives the same interval. */
void vcl_stats_compute(const double *x, size_t n, unsigned resamples, uint64_t seed,
		       struct vcl_stats *st);
#define VCL_BOOTSTRAP_RESAMPLES 2000
#define VCL_BOOTSTRAP_SEED	0x5eed5eedULL

#endif

/* SPDX-License-Identifier: MIT */
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double vcl_percentile_sorted(const double *sorted, size_t n, double q)
{
	double h;
	size_t lo;

	if (n == 0)
		return 0;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static double median_of(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return vcl_percentile_sorted(x, n, 0.5);
}

double vcl_mad(const double *x, size_t n)
{
	double *d, med, mad;

	if (n == 0)
		return 0;
	d = malloc(n * sizeof(*d));
	if (d == NULL)
		return NAN;
	memcpy(d, x, n * sizeof(*d));
	med = median_of(d, n);
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(x[i] - med);
	mad = median_of(d, n);
	free(d);
	return mad;
}

/* splitmix64: small, good enough for resampling, and reproducible. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void bootstrap_median_ci(const double *x, size_t n, unsigned resamples, uint64_t seed,
				double *lo, double *hi)
{
	double *meds, *buf;
	uint64_t s = seed;

	*lo = *hi = 0;
	if (n == 0 || resamples == 0)
		return;
	meds = malloc(resamples * sizeof(*meds));
	buf = malloc(n * sizeof(*buf));
	if (meds == NULL || buf == NULL) {
		free(meds);
		free(buf);
		*lo = *hi = NAN;
		return;
	}
	for (unsigned r = 0; r < resamples; r++) {
		for (size_t i = 0; i < n; i++)
			buf[i] = x[next_rand(&s) % n];
		meds[r] = median_of(buf, n);
	}
	qsort(meds, resamples, sizeof(*meds), cmp_double);
	/* Percentile interval: the 2.5th and 97.5th percentiles of the
	 * bootstrap distribution of the median. */
	*lo = vcl_percentile_sorted(meds, resamples, 0.025);
	*hi = vcl_percentile_sorted(meds, resamples, 0.975);
	free(meds);
	free(buf);
}

void vcl_stats_compute(const double *x, size_t n, unsigned resamples, uint64_t seed,
		       struct vcl_stats *st)
{
	double *s, sum = 0, ss = 0;

	memset(st, 0, sizeof(*st));
	if (n == 0)
		return;
	s = malloc(n * sizeof(*s));
	if (s == NULL) {
		st->n = 0;
		return;
	}
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	st->n = n;
	st->min = s[0];
	st->max = s[n - 1];
	st->p50 = vcl_percentile_sorted(s, n, 0.50);
	st->p90 = vcl_percentile_sorted(s, n, 0.90);
	st->p95 = vcl_percentile_sorted(s, n, 0.95);
	st->p99 = vcl_percentile_sorted(s, n, 0.99);
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	st->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - st->mean) * (s[i] - st->mean);
	st->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	st->cv = st->mean != 0 ? st->stddev / st->mean : 0;
	st->mad = vcl_mad(s, n);
	bootstrap_median_ci(s, n, resamples, seed, &st->ci95_lo, &st->ci95_hi);
	free(s);
}

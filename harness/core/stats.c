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
uint64_t vcl_rand_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void vcl_shuffle(unsigned *idx, size_t n, uint64_t *state)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(vcl_rand_next(state) % i);
		unsigned t = idx[i - 1];

		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

/* log P(B = k) for B ~ Binomial(n, 1/2): lgamma keeps n in the thousands
 * from underflowing 2^-n. */
static double log_binom_half(size_t n, size_t k)
{
	return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1) -
	       (double)n * log(2.0);
}

size_t vcl_median_ci_rank(size_t n, double conf, double *coverage)
{
	double tail = 0; /* P(B <= k-1) */
	size_t best = 0;
	double best_cov = 0;

	for (size_t k = 1; 2 * k <= n + 1; k++) {
		double cov;

		tail += exp(log_binom_half(n, k - 1));
		cov = 1 - 2 * tail;
		if (cov < conf)
			break;
		best = k;
		best_cov = cov;
	}
	if (coverage != NULL)
		*coverage = best_cov;
	return best;
}

bool vcl_median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi)
{
	size_t k = vcl_median_ci_rank(n, conf, NULL);

	if (k == 0) {
		*lo = *hi = NAN;
		return false;
	}
	*lo = sorted[k - 1];
	*hi = sorted[n - k];
	return true;
}

static double resampled_median(const double *x, size_t n, double *buf, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = x[vcl_rand_next(s) % n];
	return median_of(buf, n);
}

bool vcl_ratio_ci(const double *a, size_t na, const double *b, size_t nb, unsigned resamples,
		  uint64_t seed, double *ratio, double *lo, double *hi)
{
	double *ra = NULL, *buf = NULL, ma, mb;
	uint64_t s = seed;
	size_t nr = 0;

	*ratio = *lo = *hi = NAN;
	if (na == 0 || nb == 0 || resamples == 0)
		return false;
	buf = malloc((na > nb ? na : nb) * sizeof(*buf));
	ra = malloc(resamples * sizeof(*ra));
	if (buf == NULL || ra == NULL)
		goto out;
	memcpy(buf, a, na * sizeof(*buf));
	ma = median_of(buf, na);
	memcpy(buf, b, nb * sizeof(*buf));
	mb = median_of(buf, nb);
	if (mb == 0)
		goto out;
	*ratio = ma / mb;
	for (unsigned r = 0; r < resamples; r++) {
		double x = resampled_median(a, na, buf, &s);
		double y = resampled_median(b, nb, buf, &s);

		if (y != 0)
			ra[nr++] = x / y;
	}
	if (nr > 0) {
		qsort(ra, nr, sizeof(*ra), cmp_double);
		/* Percentile interval of the bootstrap distribution. */
		*lo = vcl_percentile_sorted(ra, nr, 0.025);
		*hi = vcl_percentile_sorted(ra, nr, 0.975);
	}
out:
	free(buf);
	free(ra);
	return isfinite(*lo);
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
	(void)resamples;
	(void)seed;
	st->ci95_ok = vcl_median_ci(s, n, 0.95, &st->ci95_lo, &st->ci95_hi);
	st->ci95_why =
	    st->ci95_ok ? NULL : "n <= 5: even [min, max] covers the median with less than 95%";
	free(s);
}

/* Launch i's total: the sum of its steps. */
static double launch_total(double *const *x, size_t nk, size_t i)
{
	double t = 0;

	for (size_t k = 0; k < nk; k++)
		t += x[k][i];
	return t;
}

/* The ranks that make the median of totals t[0..n), ordered by
 * (value, index): *lo, *hi and the weight of *hi, as
 * vcl_percentile_sorted interpolates. */
static void median_ranks(const double *t, size_t n, size_t *lo, size_t *hi, double *w)
{
	size_t *idx = malloc(n * sizeof(*idx));
	double h = (double)(n - 1) * 0.5;
	size_t r = (size_t)floor(h);

	*w = h - (double)r;
	if (idx == NULL) {
		*lo = *hi = SIZE_MAX;
		return;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	/* Insertion sort by total: n is a run's launch count. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && t[idx[j]] < t[idx[j - 1]]; j--) {
			size_t s = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = s;
		}
	*lo = idx[r];
	*hi = idx[r + 1 < n ? r + 1 : r];
	free(idx);
}

bool vcl_median_launch(double *const *x, size_t nk, size_t n, double *med)
{
	double *t, w;
	size_t lo, hi;

	if (n == 0 || nk == 0)
		return false;
	t = malloc(n * sizeof(*t));
	if (t == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		t[i] = launch_total(x, nk, i);
	median_ranks(t, n, &lo, &hi, &w);
	free(t);
	if (lo == SIZE_MAX)
		return false;
	for (size_t k = 0; k < nk; k++)
		med[k] = x[k][lo] + w * (x[k][hi] - x[k][lo]);
	return true;
}

/* 100 * (sum of the step medians - median total) / median total over the
 * launches pick[0..n); buf holds n doubles. NaN when the median total is 0. */
static double gap_of(double *const *x, size_t nk, const size_t *pick, size_t n, double *buf)
{
	double sum = 0, total;

	for (size_t k = 0; k < nk; k++) {
		for (size_t i = 0; i < n; i++)
			buf[i] = x[k][pick[i]];
		sum += median_of(buf, n);
	}
	for (size_t i = 0; i < n; i++)
		buf[i] = launch_total(x, nk, pick[i]);
	total = median_of(buf, n);
	return total != 0 ? 100.0 * (sum - total) / total : NAN;
}

bool vcl_steps_gap(double *const *x, size_t nk, size_t n, unsigned resamples, uint64_t seed,
		   double *gap, double *lo, double *hi)
{
	double *buf = NULL, *g = NULL;
	size_t *pick = NULL, ng = 0;
	uint64_t s = seed;

	*gap = *lo = *hi = NAN;
	if (n == 0 || nk == 0)
		return false;
	buf = malloc(n * sizeof(*buf));
	pick = malloc(n * sizeof(*pick));
	g = malloc((resamples > 0 ? resamples : 1) * sizeof(*g));
	if (buf == NULL || pick == NULL || g == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		pick[i] = i;
	*gap = gap_of(x, nk, pick, n, buf);
	for (unsigned r = 0; r < resamples; r++) {
		double v;

		for (size_t i = 0; i < n; i++)
			pick[i] = (size_t)(vcl_rand_next(&s) % n);
		v = gap_of(x, nk, pick, n, buf);
		if (isfinite(v))
			g[ng++] = v;
	}
	if (ng > 0) {
		qsort(g, ng, sizeof(*g), cmp_double);
		*lo = vcl_percentile_sorted(g, ng, 0.025);
		*hi = vcl_percentile_sorted(g, ng, 0.975);
	}
out:
	free(buf);
	free(pick);
	free(g);
	return isfinite(*gap);
}

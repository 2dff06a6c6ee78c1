/* SPDX-License-Identifier: MIT */
#include "core/hdr.h"

#include <math.h>
#include <string.h>

#define SUB_HALF (1U << VCL_HDR_SUB_BITS)	/* 128 */
#define SUB_FULL (1U << (VCL_HDR_SUB_BITS + 1)) /* 256: the exact range */

void vcl_hdr_init(struct vcl_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->min_us = UINT64_MAX;
}

unsigned vcl_hdr_bucket(uint64_t us)
{
	unsigned msb, shift;

	if (us > VCL_HDR_MAX_US)
		us = VCL_HDR_MAX_US;
	if (us < SUB_FULL)
		return (unsigned)us;
	/* us in [2^msb, 2^(msb+1)), msb >= 8: keep its top 8 bits. */
	msb = 63U - (unsigned)__builtin_clzll(us);
	shift = msb - VCL_HDR_SUB_BITS;
	return SUB_FULL + (shift - 1U) * SUB_HALF + (unsigned)((us >> shift) - SUB_HALF);
}

void vcl_hdr_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi)
{
	unsigned shift, sub;

	if (idx < SUB_FULL) {
		*lo = *hi = idx;
		return;
	}
	shift = (idx - SUB_FULL) / SUB_HALF + 1U;
	sub = (idx - SUB_FULL) % SUB_HALF + SUB_HALF;
	*lo = (uint64_t)sub << shift;
	*hi = *lo + (1ULL << shift) - 1U;
}

void vcl_hdr_record(struct vcl_hdr *h, uint64_t us)
{
	if (us == 0)
		us = 1;
	h->counts[vcl_hdr_bucket(us)]++;
	h->n++;
	h->sum_us += (double)us;
	if (us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	if (us > VCL_HDR_MAX_US)
		h->above++;
}

void vcl_hdr_record_ns(struct vcl_hdr *h, uint64_t ns)
{
	vcl_hdr_record(h, (ns + 500U) / 1000U);
}

void vcl_hdr_merge(struct vcl_hdr *dst, const struct vcl_hdr *src)
{
	for (unsigned i = 0; i < VCL_HDR_NBUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->n += src->n;
	dst->sum_us += src->sum_us;
	dst->above += src->above;
	if (src->min_us < dst->min_us)
		dst->min_us = src->min_us;
	if (src->max_us > dst->max_us)
		dst->max_us = src->max_us;
}

uint64_t vcl_hdr_count(const struct vcl_hdr *h)
{
	return h->n;
}

uint64_t vcl_hdr_max(const struct vcl_hdr *h)
{
	return h->max_us;
}

double vcl_hdr_mean(const struct vcl_hdr *h)
{
	return h->n > 0 ? h->sum_us / (double)h->n : 0;
}

double vcl_hdr_percentile(const struct vcl_hdr *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->n == 0)
		return 0;
	if (!(q > 0))
		return (double)h->min_us;
	if (q >= 1)
		return (double)h->max_us;
	/* The epsilon keeps 0.29 * 100 (28.999...) at rank 29. */
	rank = (uint64_t)ceil(q * (double)h->n - 1e-9);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < VCL_HDR_NBUCKETS; i++) {
		uint64_t lo, hi;
		double mid;

		seen += h->counts[i];
		if (seen < rank)
			continue;
		vcl_hdr_bucket_range(i, &lo, &hi);
		mid = ((double)lo + (double)hi) / 2;
		if (mid < (double)h->min_us)
			mid = (double)h->min_us;
		if (mid > (double)h->max_us)
			mid = (double)h->max_us;
		return mid;
	}
	return (double)h->max_us;
}

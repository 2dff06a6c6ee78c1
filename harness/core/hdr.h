/* SPDX-License-Identifier: MIT */
#ifndef VCL_HDR_H
#define VCL_HDR_H

/*
 * An HDR-style latency histogram, pure (no I/O, no allocation).
 *
 * Values are whole microseconds from 1 µs to 60 s (VCL_HDR_MAX_US); larger
 * values are counted in the top bucket and still set max exactly. Buckets are
 * log-linear, as in Gil Tene's HdrHistogram with 2 significant digits: below
 * 256 µs one bucket per microsecond (exact); above, every power-of-two range
 * [2^k, 2^(k+1)) is cut into 128 equal buckets, so a bucket is never wider
 * than 1/128 of its lower bound. Percentiles return the bucket's midpoint
 * (clamped to the exact min and max), so a reported value is within 1/256
 * (0.4%) of a value that was recorded at that rank, and exact below 256 µs.
 * 2,560 buckets of 8 bytes: 20 KiB per histogram, whatever the count.
 */

#include <stdint.h>

#define VCL_HDR_SUB_BITS 7		  /* 128 sub-buckets per power of two */
#define VCL_HDR_MAX_US	 60000000ULL	  /* 60 s */
#define VCL_HDR_NBUCKETS (256 + 18 * 128) /* 2^25 < 60 s in µs < 2^26 */

struct vcl_hdr {
	uint64_t counts[VCL_HDR_NBUCKETS];
	uint64_t n;	 /* values recorded */
	uint64_t min_us; /* exact; UINT64_MAX while empty */
	uint64_t max_us; /* exact, even beyond VCL_HDR_MAX_US */
	uint64_t above;	 /* values beyond VCL_HDR_MAX_US (in the top bucket) */
	double sum_us;
};

void vcl_hdr_init(struct vcl_hdr *h);
/* Record one value in µs (0 counts as 1 µs, the lowest trackable value). */
void vcl_hdr_record(struct vcl_hdr *h, uint64_t us);
/* Record a nanosecond duration, rounded to the nearest µs. */
void vcl_hdr_record_ns(struct vcl_hdr *h, uint64_t ns);
/* dst += src: afterwards dst answers as if it had recorded both. */
void vcl_hdr_merge(struct vcl_hdr *dst, const struct vcl_hdr *src);
uint64_t vcl_hdr_count(const struct vcl_hdr *h);
/* Exact largest value recorded, 0 when empty. */
uint64_t vcl_hdr_max(const struct vcl_hdr *h);
double vcl_hdr_mean(const struct vcl_hdr *h);
/* Percentile q in [0,1] by nearest rank (the smallest recorded value with at
 * least ceil(q*n) values at or below it; q = 0 gives min), in µs, with the
 * resolution above. 0 when empty. */
double vcl_hdr_percentile(const struct vcl_hdr *h, double q);

/* Bucket of a value and the bucket's range [lo, hi] in µs, for tests and
 * for documenting the resolution. */
unsigned vcl_hdr_bucket(uint64_t us);
void vcl_hdr_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi);

#endif

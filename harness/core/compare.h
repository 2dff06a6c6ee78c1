/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_COMPARE_H
#define VCL_CORE_COMPARE_H

/*
 * Same-run comparisons: ratios of medians with bootstrap CIs, built from
 * the samples a results.json already holds. Pure (no I/O), so `vclab
 * bench` writes them and report/check can recompute them from any file.
 *
 * The pairings: every placement and every peer against bare, and each
 * peer's own placement against it (ctr/runc, ctr/crun, vm/qemu-direct),
 * and the sandbox between them: gvisor/ctr, gvisor/runc, vm/gvisor.
 */

#include <json-c/json.h>
#include <stdbool.h>

/* What a comparison says, from its CI and the run's A/A noise floor. */
enum vcl_cmp_verdict {
	VCL_CMP_NONE,	/* no CI: too few samples on a side */
	VCL_CMP_SAME,	/* CI holds 1, or lies inside the A/A floor */
	VCL_CMP_HIGHER, /* a costs more than b: the whole CI is above 1 */
	VCL_CMP_LOWER,	/* the whole CI is below 1 */
};

/* Judge ratio CI [lo, hi] against the A/A floor [aa_lo, aa_hi] (pass NaN
 * for no floor): a difference counts only when the CI excludes 1 and is
 * not inside the floor. */
enum vcl_cmp_verdict vcl_cmp_verdict_of(double lo, double hi, double aa_lo, double aa_hi);
const char *vcl_cmp_verdict_name(enum vcl_cmp_verdict v);

/* The `comparisons` array for root (a results.json object): one
 * {"metric","a","b","ratio","ci95","verdict"} per pairing whose two sides
 * both have samples. aa (may be NULL) is calibration.aa {ratio, ci95}. */
struct json_object *vcl_comparisons_build(struct json_object *root);
/* The same for one service of a run (entries: services.<name>, holding its
 * backends and peers), judged against run's A/A floor: bench writes it as
 * services.<name>.comparisons. */
struct json_object *vcl_comparisons_build_in(struct json_object *entries, struct json_object *run);

/* Add ratio, ci95 and verdict to o: median(x)/median(y) with its
 * bootstrap CI (vcl_ratio_ci), judged against the A/A floor. false (ratio
 * and ci95 null) when a side is empty or y's median is 0. */
bool vcl_ratio_fill(struct json_object *o, const double *x, size_t nx, const double *y, size_t ny,
		    double aa_lo, double aa_hi);
/* One comparisons[] entry's ratio, CI (NaN when null) and verdict text;
 * false when it has no ratio (the CI is still filled where present). */
bool vcl_cmp_entry(struct json_object *c, double *ratio, double *lo, double *hi,
		   const char **verdict);
/* The startup_ms.p50 entry a/b of a comparisons array, as vcl_cmp_entry;
 * false when there is none (nothing is computed). */
bool vcl_cmp_lookup(struct json_object *arr, const char *a, const char *b, double *ratio,
		    double *lo, double *hi, const char **verdict);
/* Find the comparison a/b (metric startup_ms.p50) in root's comparisons[]:
 * true with ratio, lo/hi (NaN when no CI) and its verdict text. */
bool vcl_cmp_find(struct json_object *root, const char *a, const char *b, double *ratio, double *lo,
		  double *hi, const char **verdict);
/* "×1.49 [1.31–1.70]", with " no measurable difference" appended when the
 * verdict says so; "×1.49 (no CI)" without an interval. ASCII '-' when
 * ascii is set (terminals), else an en dash. */
void vcl_cmp_format(char *buf, size_t len, double ratio, double lo, double hi, const char *verdict,
		    bool ascii);

#endif

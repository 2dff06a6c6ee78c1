/* SPDX-License-Identifier: MIT */
#ifndef VCL_GATE_H
#define VCL_GATE_H

/*
 * The CI regression gate: baselines (results/baselines/<class>.yaml), the
 * bounds they hold, and the judgement of one results.json against them.
 * docs/ci.md documents the baseline format, exit codes and JUnit output.
 *
 * Everything here is pure (memory in, memory out) except vcl_baseline_load()
 * and the two CLI verbs, so Check can test it without files or root:
 *   expressions  "backends.ctr.startup_ms / backends.bare.startup_ms"
 *   bounds       median ± max(k·MAD, floor% of |median|), or mid ± percent
 *   evaluation   value against bounds and direction -> verdict
 *   baselines    parsed from / formatted to YAML text
 *   reports      table text and JUnit XML text
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

struct vcl_backend_ops;

#define VCL_BASELINE_SCHEMA "vclab.baseline/1"

/* Defaults of `vclab baseline`: k times the (unscaled) MAD across runs, and
 * never narrower than floor_pct percent of the median. */
#define VCL_BASELINE_K	       3.0
#define VCL_BASELINE_FLOOR_PCT 10.0
/* A CV from 20 launches has a relative standard error near 16% (≈1/√(2n)),
 * so a ±10% band on it would fail healthy runs: CVs get a wider floor. */
#define VCL_BASELINE_CV_FLOOR_PCT 50.0

/*
 * The check type. A metric's path names a *statistics object* (an object
 * such as startup_ms {n, p50, p95, mean, cv, max, ...}) and the type picks
 * its field; the type `value` says the path names a number itself
 * (memory.overhead_kib, density.instances_per_gib). For a ratio the type
 * picks the same field on both sides: p50(A) / p50(B).
 */
enum vcl_stat {
	VCL_STAT_P50 = 0,
	VCL_STAT_P95,
	VCL_STAT_MEAN,
	VCL_STAT_CV,
	VCL_STAT_MAX,
	VCL_STAT_VALUE,
};
/* "p50", ..., "value". */
const char *vcl_stat_name(enum vcl_stat s);
/* 0 and *out set, or -1 for an unknown name. */
int vcl_stat_parse(const char *s, enum vcl_stat *out);

enum vcl_direction {
	VCL_DIR_LOWER = 0, /* lower is better: startup, memory, cv */
	VCL_DIR_HIGHER,	   /* higher is better: density, throughput */
};
const char *vcl_direction_name(enum vcl_direction d); /* "lower" | "higher" */

enum vcl_verdict {
	VCL_V_PASS = 0,
	VCL_V_IMPROVED,	 /* beyond the bound on the good side: passes, baseline can tighten */
	VCL_V_REGRESSED, /* beyond the bound on the bad side: fails */
	VCL_V_MISSING,	 /* not in the results (or not a usable number): fails */
};
const char *vcl_verdict_name(enum vcl_verdict v); /* "pass", "improved", ... */

/*
 * Bounds. mid is the reference the delta is measured from (NAN when the
 * baseline gives only min/max); lo/hi are -INFINITY/INFINITY when open.
 * A value exactly on a bound is inside.
 */
struct vcl_bounds {
	double mid;
	double lo;
	double hi;
};

/* Median of v and half-width max(k·MAD, floor_pct/100·|median|): -1 when
 * n == 0, a value is not finite, or k/floor_pct is negative. One value
 * gives MAD 0, so the floor decides. v is not modified. */
int vcl_bounds_derive(const double *v, size_t n, double k, double floor_pct,
		      struct vcl_bounds *out);
/* mid ± pct% of |mid|: -1 when pct < 0 or a value is not finite. */
int vcl_bounds_from_percent(double mid, double pct, struct vcl_bounds *out);
/* The verdict for a measured value; a non-finite value is MISSING. */
enum vcl_verdict vcl_bounds_eval(const struct vcl_bounds *b, enum vcl_direction d, double measured);
/* The same with the measured value's 95% CI [ci_lo, ci_hi] (finite): a
 * regression (or an improvement) only when the WHOLE interval lies beyond
 * the bound, so run-to-run noise cannot fail the gate. A point beyond the
 * bound whose CI reaches back inside passes; *within_noise then says so.
 * Non-finite ci_lo/ci_hi fall back to vcl_bounds_eval. */
enum vcl_verdict vcl_bounds_eval_ci(const struct vcl_bounds *b, enum vcl_direction d,
				    double measured, double ci_lo, double ci_hi,
				    bool *within_noise);
/* 100·(measured − mid)/|mid|; NAN when mid is NAN or 0. */
double vcl_delta_pct(double mid, double measured);

/*
 * A metric expression: one dotted path, or "PATH / PATH" (spaces optional).
 * Paths are dot-separated keys of [A-Za-z0-9_-]; an array index is a number.
 * On success *num (and *den for a ratio, else NULL) are malloc'd; on failure
 * -1 and *why is a static explanation.
 */
int vcl_metric_expr_parse(const char *s, char **num, char **den, const char **why);

/* One gated metric of a baseline. */
struct vcl_metric {
	char *name; /* display and JUnit testcase name */
	char *num;  /* dotted path (the numerator of a ratio) */
	char *den;  /* denominator path, NULL when not a ratio */
	enum vcl_stat stat;
	enum vcl_direction dir;
	struct vcl_bounds b;
	double *values; /* per-run values the bounds came from (informative), may be NULL */
	size_t nvalues;
	size_t line; /* 1-based line in the baseline file, 0 when made in memory */
};

/* "backends.ctr.startup_ms / backends.bare.startup_ms" (malloc'd). */
char *vcl_metric_expr(const struct vcl_metric *m);
/* A short readable name: "ctr/bare startup_ms.p50", "vm.memory.overhead_kib". */
char *vcl_metric_default_name(const char *num, const char *den, enum vcl_stat stat);

/*
 * The value of metric m in a results document. 0 and *out on success;
 * -1 with *why (malloc'd) saying exactly what is missing: an absent key, a
 * skipped peer and its reason, a null (unmeasured) value, a zero denominator.
 */
int vcl_metric_measure(struct json_object *results, const struct vcl_metric *m, double *out,
		       char **why);

/* The host class a baseline belongs to. NULL / -1 means "not recorded": a
 * baseline without a field does not compare it. */
struct vcl_host_class {
	char *accelerator; /* kvm | tcg */
	char *cgroup;	   /* v1 | v2 | hybrid */
	char *cpu_model;
	long cores;
	char *name; /* the fleet class (bench --host-class, results host.class) */
};
/* Copy host.{accelerator,cgroup,cpu_model,cores,class} out of results. */
int vcl_host_class_from_results(struct json_object *results, struct vcl_host_class *out,
				struct vcl_error **err);
/* NULL when `have` belongs to class `want`, else a malloc'd list of the
 * differences: "accelerator: baseline tcg, results kvm; cores: ...". A field
 * want leaves unset is not compared; one have lacks is a difference. */
char *vcl_host_class_diff(const struct vcl_host_class *want, const struct vcl_host_class *have);
void vcl_host_class_clear(struct vcl_host_class *h);

struct vcl_baseline {
	char *name;
	char *created;
	double k, floor_pct; /* derivation parameters (informative) */
	char **sources;	     /* NULL-terminated "run_id (file)" list (informative), may be NULL */
	bool has_host;
	struct vcl_host_class host;
	struct vcl_metric *metrics;
	size_t nmetrics;
};

/* Parse baseline YAML text; name is used in messages. Every rejection is a
 * VCL_E_USAGE error "NAME:LINE:COL: what" (syntax, unknown key or check
 * type, missing path/check/direction/bounds, min > max, percent < 0, ...). */
int vcl_baseline_parse(const char *name, const char *buf, size_t len, struct vcl_baseline **out,
		       struct vcl_error **err);
/* Read and parse a baseline file. */
int vcl_baseline_load(const char *path, struct vcl_baseline **out, struct vcl_error **err);
/* The YAML text of a baseline (malloc'd); parses back to the same baseline. */
char *vcl_baseline_format(const struct vcl_baseline *b);
void vcl_baseline_free(struct vcl_baseline *b);
static inline void vcl_baseline_freep(struct vcl_baseline **b)
{
	vcl_baseline_free(*b);
	*b = NULL;
}
#define cleanup_baseline __attribute__((cleanup(vcl_baseline_freep)))

/* One row of a check. */
struct vcl_check_row {
	const struct vcl_metric *m;
	double measured; /* NAN when missing */
	double delta_pct;
	double ci_lo, ci_hi; /* the ratio's 95% CI from results' comparisons[], NAN if none */
	bool within_noise;   /* the point is beyond a bound, its CI is not */
	enum vcl_verdict verdict;
	char *why; /* for MISSING: what is missing */
};

struct vcl_check_report {
	struct vcl_check_row *rows;
	size_t nrows;
	size_t npass, nimproved, nregressed, nmissing;
	char *run_id;
	char *hostname;	 /* host.hostname of the results (JUnit), may be NULL */
	char *host_diff; /* NULL when the host class matches */
	bool incomplete; /* complete is not true */
	char *incomplete_reason;
	bool forced; /* --force: host mismatch and incompleteness do not fail */
};

/* Judge results against baseline b. Never fails on the results' content
 * (missing metrics become MISSING rows); -1 only when out of memory. */
int vcl_check_evaluate(const struct vcl_baseline *b, struct json_object *results, bool force,
		       struct vcl_check_report *out, struct vcl_error **err);
/* 0 all pass (improved counts as pass), 1 a regression, missing metric or
 * incomplete run (unless forced), 2 host class mismatch (unless forced). */
int vcl_check_exit_code(const struct vcl_check_report *r);
/* The human table and the summary lines. */
void vcl_check_print(FILE *f, const struct vcl_baseline *b, const char *baseline_path,
		     const struct vcl_check_report *r, const char *results_path);
/* JUnit XML (one testcase per metric, plus one for run completeness),
 * readable by Jenkins and GitLab. malloc'd. */
char *vcl_junit_format(const struct vcl_baseline *b, const struct vcl_check_report *r,
		       const char *results_path, const char *timestamp, double elapsed_s);
void vcl_check_report_clear(struct vcl_check_report *r);

/* `vclab check` without its command line: judge the results file against
 * the baseline file, print the table on out, write JUnit XML to junit
 * (NULL: none). Returns the exit status (vcl_check_exit_code), or -1 with
 * *err (bad input and a host class mismatch without force: VCL_E_USAGE). */
int vcl_check_run(const char *baseline_path, const char *results_path, const char *junit,
		  bool force, FILE *out, struct vcl_error **err);

/* A baseline per host class: the index in b[0..n) of the baseline for
 * results of class klass (NULL: the results name none). One baseline
 * judges every class (its own host facts still have to match); among
 * several, the one whose host.class is klass. -1 when none is. Pure. */
int vcl_baseline_pick(const struct vcl_baseline *const *b, size_t n, const char *klass);

/* `vclab check` on results from several hosts: each results file is judged
 * by the baseline its class picks (vcl_baseline_pick) and printed in turn;
 * a fleet host that gave no results (results "error") is a failure. junit
 * only with one results file. Returns the worst exit status, or -1 with
 * *err when a file cannot be read. */
int vcl_check_run_classes(const char *const *baselines, size_t nb, const char *const *results,
			  size_t nr, const char *junit, bool force, FILE *out,
			  struct vcl_error **err);

/* XML-escape s (also drops characters XML 1.0 cannot carry). malloc'd. */
char *vcl_xml_escape(const char *s);

/*
 * Derivation (vclab baseline). runs[i] are loaded results documents, files[i]
 * their names (for messages and `sources`). exprs is a NULL-terminated list
 * of "PATH[/PATH][:lower|:higher]" or NULL for the default set (only those
 * metrics present in every run), which backends' traits give: the
 * registry (bench/backends.h's vcl_backends, handed down by the CLI: the
 * gate knows no backend). All runs must share one host class.
 */
struct vcl_derive_opts {
	double k;
	double floor_pct;
	char **exprs;
	const struct vcl_backend_ops *const *backends;
	const char *name;
	bool force; /* accept incomplete runs */
};
int vcl_baseline_derive(struct json_object **runs, const char *const *files, size_t n,
			const struct vcl_derive_opts *o, struct vcl_baseline **out,
			struct vcl_error **err);

/* `vclab baseline` without its command line: load the results files,
 * derive, write the baseline to output (its folder made; the text parsed
 * back first), print the bounds table on out. o->name NULL: the output's
 * file name without folder and extension. */
int vcl_baseline_make(const char *const *files, size_t nfiles, const struct vcl_derive_opts *o,
		      const char *output, FILE *out, struct vcl_error **err);

#endif

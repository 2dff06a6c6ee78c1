/* SPDX-License-Identifier: MIT */
/*
 * `vclab baseline`: derive gate bounds from one or more results.json.
 *
 * Bounds are median ± max(k·MAD, floor% of |median|) over the runs' values of
 * each metric. The spread comes from *between runs* only: a run's samples
 * array describes how single launches scatter, not how its p50 (or a ratio
 * of two p50s, which has no per-sample pairing) moves from run to run, and
 * run-to-run drift on a shared host is what a gate must tolerate. With one
 * run the MAD is 0 and the floor decides; docs/ci.md says to use 3-5 runs.
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"
#include "core/backend.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

struct candidate {
	char num[160];
	char den[160]; /* "" for none */
	enum vcl_stat stat;
	enum vcl_direction dir;
};

/* At most this many default metrics: a few per backend. */
#define MAX_DEFAULTS 64

struct defaults {
	struct candidate c[MAX_DEFAULTS];
	size_t n;
};

static void add_default(struct defaults *d, enum vcl_stat stat, enum vcl_direction dir,
			const char *num_group, const char *num, const char *what,
			const char *den_group, const char *den)
{
	struct candidate *c;

	if (d->n >= MAX_DEFAULTS)
		return;
	c = &d->c[d->n++];
	snprintf(c->num, sizeof(c->num), "%s.%s.%s", num_group, num, what);
	c->den[0] = '\0';
	if (den != NULL)
		snprintf(c->den, sizeof(c->den), "%s.%s.%s", den_group, den, what);
	c->stat = stat;
	c->dir = dir;
}

/* A placement of the quick profile's defaults (bare, ctr, vm). */
static bool core_placement(const struct vcl_backend_ops *ops)
{
	return !ops->is_peer && !ops->not_quick;
}

/*
 * The default set, from the backends' traits (be: the registry,
 * bench/backends.h), so that a new placement joins it with no edit here:
 * ratios within one run (they hold across noisy hosts), memory overhead
 * and PSS, startup spread, density. Only those present in every input
 * are kept (derive_default_metric).
 *  - startup against the baseline (bare) for the quick placements whose
 *    speed does not hang on the accelerator (a VM's ratio to bare moves
 *    with KVM or TCG: it is bounded against its peer instead);
 *  - each peer of a default run against its placement (ctr/runc,
 *    vm/qemu-direct);
 *  - a sandbox against the container it hardens (issue 27), and its
 *    memory overhead;
 *  - the memory overhead of the quick placements but the baseline (0 by
 *    definition: bare is the reference), their PSS, startup CV, density.
 */
static void default_candidates(const struct vcl_backend_ops *const *be, struct defaults *d)
{
	static const struct {
		const char *what;
		enum vcl_stat stat;
		enum vcl_direction dir;
	} per_core[] = {
	    {"memory.pss_kib", VCL_STAT_VALUE, VCL_DIR_LOWER},
	    {"startup_ms", VCL_STAT_CV, VCL_DIR_LOWER},
	    {"density.instances_per_gib", VCL_STAT_VALUE, VCL_DIR_HIGHER},
	};
	const struct vcl_backend_ops *const *b;
	const char *base = NULL, *container = NULL;

	d->n = 0;
	for (b = be; *b != NULL; b++) {
		if ((*b)->baseline)
			base = (*b)->name;
		if (container == NULL && core_placement(*b) && (*b)->family == VCL_FAMILY_CONTAINER)
			container = (*b)->name;
	}
	for (b = be; *b != NULL && base != NULL; b++)
		if (core_placement(*b) && !(*b)->baseline && !(*b)->accel_labelled)
			add_default(d, VCL_STAT_P50, VCL_DIR_LOWER, "backends", (*b)->name,
				    "startup_ms", "backends", base);
	for (b = be; *b != NULL; b++)
		if ((*b)->is_peer && (*b)->peer_of != NULL && !(*b)->opt_in && !(*b)->not_quick)
			add_default(d, VCL_STAT_P50, VCL_DIR_LOWER, "backends", (*b)->peer_of,
				    "startup_ms", "peers", (*b)->name);
	for (b = be; *b != NULL; b++) {
		if ((*b)->is_peer || (*b)->family != VCL_FAMILY_SANDBOX)
			continue;
		if (container != NULL)
			add_default(d, VCL_STAT_P50, VCL_DIR_LOWER, "backends", (*b)->name,
				    "startup_ms", "backends", container);
		add_default(d, VCL_STAT_VALUE, VCL_DIR_LOWER, "backends", (*b)->name,
			    "memory.overhead_kib", NULL, NULL);
	}
	for (b = be; *b != NULL; b++)
		if (core_placement(*b) && !(*b)->baseline)
			add_default(d, VCL_STAT_VALUE, VCL_DIR_LOWER, "backends", (*b)->name,
				    "memory.overhead_kib", NULL, NULL);
	for (size_t k = 0; k < ARRAY_SIZE(per_core); k++)
		for (b = be; *b != NULL; b++)
			if (core_placement(*b))
				add_default(d, per_core[k].stat, per_core[k].dir, "backends",
					    (*b)->name, per_core[k].what, NULL, NULL);
}

/* Keys whose larger values are better; everything else vclab measures
 * (times, memory, spread) is better smaller. */
static enum vcl_direction guess_direction(const char *num)
{
	static const char *const higher[] = {"per_gib", "per_s", "rps", "max_instances"};

	for (size_t i = 0; i < ARRAY_SIZE(higher); i++)
		if (strstr(num, higher[i]) != NULL)
			return VCL_DIR_HIGHER;
	return VCL_DIR_LOWER;
}

/* "a.b.p50" where a.b is an object in results: split off the stat. */
static int split_stat(struct json_object *results, char *path, enum vcl_stat *stat)
{
	char *dot = strrchr(path, '.');
	enum vcl_stat s;
	struct json_object *parent;

	if (dot == NULL || vcl_stat_parse(dot + 1, &s) < 0 || s == VCL_STAT_VALUE)
		return -1;
	*dot = '\0';
	parent = vcl_json_path(results, path);
	if (parent == NULL || !json_object_is_type(parent, json_type_object)) {
		*dot = '.';
		return -1;
	}
	*stat = s;
	return 0;
}

/*
 * "--metric PATH[/PATH][:lower|:higher]" into a metric. Paths may name the
 * number itself ("backends.ctr.startup_ms.p50"): when the last key is a check
 * type and its parent is an object, the baseline stores the canonical form
 * (path = the statistics object, check = that field).
 */
static int metric_from_expr(struct json_object *first, const char *arg, struct vcl_metric *m,
			    struct vcl_error **err)
{
	const char *colon = strrchr(arg, ':');
	cleanup_free char *expr = NULL;
	const char *why = NULL;
	bool dir_given = false;
	enum vcl_stat sn, sd;
	int rn, rd;

	if (colon != NULL) {
		if (strcmp(colon + 1, "lower") == 0)
			m->dir = VCL_DIR_LOWER;
		else if (strcmp(colon + 1, "higher") == 0)
			m->dir = VCL_DIR_HIGHER;
		else
			return vcl_usage(err,
					 "--metric %s: direction after ':' must be lower or "
					 "higher",
					 arg);
		dir_given = true;
	}
	expr = strndup(arg, colon != NULL ? (size_t)(colon - arg) : strlen(arg));
	if (expr == NULL)
		return vcl_fail(err, ENOMEM, "Parse --metric");
	if (vcl_metric_expr_parse(expr, &m->num, &m->den, &why) < 0)
		return vcl_usage(err, "--metric %s: %s", arg, why);
	rn = split_stat(first, m->num, &sn);
	rd = m->den != NULL ? split_stat(first, m->den, &sd) : rn;
	if (m->den != NULL && rn == 0 && rd == 0 && sn != sd)
		return vcl_usage(err, "--metric %s: a ratio compares the same field on both sides",
				 arg);
	if (m->den != NULL && (rn == 0) != (rd == 0))
		return vcl_usage(
		    err,
		    "--metric %s: one side names a statistics field and the other does "
		    "not",
		    arg);
	m->stat = rn == 0 ? sn : VCL_STAT_VALUE;
	if (!dir_given)
		m->dir = guess_direction(m->num);
	m->name = vcl_metric_default_name(m->num, m->den, m->stat);
	if (m->name == NULL)
		return vcl_fail(err, ENOMEM, "Parse --metric");
	return 0;
}

/* Values of m in every run; -1 with *why when a run lacks it. */
static int gather(struct json_object **runs, size_t n, const struct vcl_metric *m, double *vals,
		  size_t *bad, char **why)
{
	for (size_t i = 0; i < n; i++) {
		if (vcl_metric_measure(runs[i], m, &vals[i], why) < 0) {
			*bad = i;
			return -1;
		}
	}
	return 0;
}

static void metric_clear(struct vcl_metric *m)
{
	free(m->name);
	free(m->num);
	free(m->den);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* Bounds and values for m (already named and typed); -1 and *why, *bad
 * when a run lacks it. */
static int fill_metric(struct json_object **runs, size_t n, const struct vcl_derive_opts *o,
		       struct vcl_metric *m, size_t *bad, char **why, struct vcl_error **err)
{
	double floor_pct = o->floor_pct;

	m->values = calloc(n, sizeof(*m->values));
	if (m->values == NULL)
		return vcl_fail(err, ENOMEM, "Derive baseline");
	m->nvalues = n;
	if (gather(runs, n, m, m->values, bad, why) < 0)
		return 1;
	if (m->stat == VCL_STAT_CV && floor_pct < VCL_BASELINE_CV_FLOOR_PCT)
		floor_pct = VCL_BASELINE_CV_FLOOR_PCT;
	if (vcl_bounds_derive(m->values, n, o->k, floor_pct, &m->b) < 0)
		return vcl_usage(err, "Cannot derive bounds for %s", m->name);
	/* Everything vclab gates is a count, a size, a time or a ratio of
	 * them: a band reaching below 0 says nothing more than 0 does. */
	{
		bool nonneg = true;

		for (size_t i = 0; i < n; i++)
			nonneg = nonneg && m->values[i] >= 0;
		if (nonneg && m->b.lo < 0)
			m->b.lo = 0;
	}
	/* A wide band from the runs' own spread gates loosely: say so, so
	 * the noise is fixed (quieter runner, more launches) rather than
	 * hidden. */
	if (o->k * vcl_mad(m->values, n) > floor_pct / 100.0 * fabs(m->b.mid) &&
	    m->b.hi - m->b.mid > 0.5 * fabs(m->b.mid))
		vcl_warn("%s varies widely between the runs (median %g, MAD %g): its "
			 "bounds [%g, %g] gate loosely",
			 m->name, m->b.mid, vcl_mad(m->values, n), m->b.lo, m->b.hi);
	return 0;
}

/* The inputs derive shares between its steps. */
struct derive_in {
	struct json_object **runs;
	const char *const *files;
	size_t n;
	const struct vcl_derive_opts *o;
};

/* One host class for all runs: a baseline mixing kvm and tcg runs would
 * gate nothing real. Fills b->host and b->sources. */
static int derive_sources(struct vcl_baseline *b, const struct derive_in *in,
			  struct vcl_error **err)
{
	for (size_t i = 0; i < in->n; i++) {
		struct vcl_host_class h;
		struct json_object *id = NULL, *complete = NULL;

		if (vcl_host_class_from_results(in->runs[i], &h, err) < 0)
			return vcl_error_wrap(err, "%s", in->files[i]);
		if (i == 0) {
			b->host = h;
			b->has_host = true;
		} else {
			cleanup_free char *diff = vcl_host_class_diff(&b->host, &h);

			vcl_host_class_clear(&h);
			if (diff != NULL && !in->o->force)
				return vcl_usage(err,
						 "%s comes from another host class than %s: %s "
						 "(--force to mix them)",
						 in->files[i], in->files[0], diff);
			if (diff != NULL)
				vcl_warn("%s: other host class: %s", in->files[i], diff);
		}
		if (!json_object_object_get_ex(in->runs[i], "complete", &complete) ||
		    complete == NULL || !json_object_is_type(complete, json_type_boolean) ||
		    !json_object_get_boolean(complete)) {
			if (!in->o->force)
				return vcl_usage(
				    err,
				    "%s is an incomplete run: a baseline from it would "
				    "gate on partial data (--force to use it anyway)",
				    in->files[i]);
			vcl_warn("%s is an incomplete run (--force)", in->files[i]);
		}
		json_object_object_get_ex(in->runs[i], "run_id", &id);
		if (asprintf(&b->sources[i], "%s (%s)",
			     id != NULL ? json_object_get_string(id) : "?", in->files[i]) < 0) {
			b->sources[i] = NULL;
			return vcl_fail(err, ENOMEM, "Derive baseline");
		}
	}
	return 0;
}

/* The i-th --metric: every run must have it. */
static int derive_expr_metric(struct vcl_baseline *b, const struct derive_in *in, size_t i,
			      struct vcl_error **err)
{
	struct vcl_metric *m = &b->metrics[b->nmetrics];
	cleanup_free char *why = NULL;
	size_t bad = 0;
	int r;

	b->nmetrics++; /* owned by b from here, freed with it */
	if (metric_from_expr(in->runs[0], in->o->exprs[i], m, err) < 0)
		return -1;
	r = fill_metric(in->runs, in->n, in->o, m, &bad, &why, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return vcl_usage(err, "%s: --metric %s: %s", in->files[bad], in->o->exprs[i],
				 why != NULL ? why : "not found");
	return 0;
}

/* The i-th default metric: kept only when every run has it. */
static int derive_default_metric(struct vcl_baseline *b, const struct derive_in *in,
				 const struct candidate *d, struct vcl_error **err)
{
	struct vcl_metric *m = &b->metrics[b->nmetrics];
	cleanup_free char *why = NULL;
	size_t bad = 0;
	int r;

	m->num = strdup(d->num);
	m->den = d->den[0] != '\0' ? strdup(d->den) : NULL;
	m->stat = d->stat;
	m->dir = d->dir;
	m->name = vcl_metric_default_name(m->num, m->den, m->stat);
	if (m->num == NULL || m->name == NULL || (d->den[0] != '\0' && m->den == NULL)) {
		metric_clear(m);
		return vcl_fail(err, ENOMEM, "Derive baseline");
	}
	r = fill_metric(in->runs, in->n, in->o, m, &bad, &why, err);
	if (r < 0) {
		metric_clear(m);
		return -1;
	}
	if (r > 0) {
		/* Absent everywhere: not measured, say nothing. Absent in
		 * some runs only: leave it out, but say so. */
		if (bad > 0)
			vcl_warn("leaving out %s: %s: %s", m->name, in->files[bad],
				 why != NULL ? why : "missing");
		metric_clear(m);
		return 0;
	}
	if (m->b.lo == m->b.hi)
		vcl_warn("%s has zero-width bounds [%g, %g]: any change fails it", m->name, m->b.lo,
			 m->b.hi);
	b->nmetrics++;
	return 0;
}

int vcl_baseline_derive(struct json_object **runs, const char *const *files, size_t n,
			const struct vcl_derive_opts *o, struct vcl_baseline **out,
			struct vcl_error **err)
{
	const struct derive_in in = {.runs = runs, .files = files, .n = n, .o = o};
	cleanup_baseline struct vcl_baseline *b = NULL;
	struct defaults defs = {.n = 0};
	size_t cap;
	char ts[32];

	*out = NULL;
	if (n == 0)
		return vcl_usage(err, "No results given (--from RESULTS.json)");
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return vcl_fail(err, ENOMEM, "Derive baseline");
	b->k = o->k;
	b->floor_pct = o->floor_pct;
	b->host.cores = -1;
	vcl_iso8601_now(ts, sizeof(ts));
	b->created = strdup(ts);
	b->name = strdup(o->name != NULL ? o->name : "baseline");
	b->sources = calloc(n + 1, sizeof(*b->sources));
	if (b->created == NULL || b->name == NULL || b->sources == NULL)
		return vcl_fail(err, ENOMEM, "Derive baseline");
	if (derive_sources(b, &in, err) < 0)
		return -1;

	if (o->exprs == NULL && o->backends == NULL)
		return vcl_usage(err, "Derive baseline: no --metric and no backends to take the "
				      "default set from");
	if (o->exprs == NULL)
		default_candidates(o->backends, &defs);
	cap = o->exprs != NULL ? vcl_strv_len(o->exprs) : defs.n;
	b->metrics = calloc(cap > 0 ? cap : 1, sizeof(*b->metrics));
	if (b->metrics == NULL)
		return vcl_fail(err, ENOMEM, "Derive baseline");
	for (size_t i = 0; i < cap; i++)
		if ((o->exprs != NULL ? derive_expr_metric(b, &in, i, err)
				      : derive_default_metric(b, &in, &defs.c[i], err)) < 0)
			return -1;
	if (b->nmetrics == 0)
		return vcl_usage(err, "None of the default metrics is present in every input; "
				      "choose some with --metric PATH[/PATH]");
	*out = steal_ptr(b);
	return 0;
}

/* ---- behind `vclab baseline` (cli/baseline.c) ------------------------- */

static void free_runs(struct json_object **runs, size_t n)
{
	for (size_t i = 0; runs != NULL && i < n; i++)
		json_object_put(runs[i]);
	free(runs);
}

/* The output's file name without folder and extension (malloc'd). */
static char *name_from_output(const char *output, struct vcl_error **err)
{
	cleanup_free char *copy = strdup(output);
	char *base, *dot, *name;

	if (copy == NULL) {
		vcl_fail(err, ENOMEM, "baseline");
		return NULL;
	}
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot != NULL && dot != base)
		*dot = '\0';
	name = strdup(base);
	if (name == NULL)
		vcl_fail(err, ENOMEM, "baseline");
	return name;
}

/* What we write must load: parse it back before it replaces anything. */
static int write_baseline(const struct vcl_baseline *b, const char *output, struct vcl_error **err)
{
	cleanup_free char *text = vcl_baseline_format(b);
	cleanup_free char *dir = strdup(output);
	struct vcl_baseline *check = NULL;

	if (text == NULL || dir == NULL)
		return vcl_fail(err, ENOMEM, "Format baseline");
	if (vcl_baseline_parse(output, text, strlen(text), &check, err) < 0) {
		vcl_error_wrap(err, "Internal error: the derived baseline does not parse");
		vcl_error_set_kind(err, VCL_E_FAIL);
		return -1;
	}
	vcl_baseline_free(check);
	if (strchr(dir, '/') != NULL && vcl_mkdir_p(dirname(dir), err) < 0)
		return -1;
	if (vcl_write_atomic(output, text, strlen(text), err) < 0) {
		vcl_error_set_kind(err, VCL_E_ENV);
		return -1;
	}
	return 0;
}

static void print_bounds(FILE *out, const struct vcl_baseline *b, const char *output, size_t nfiles)
{
	fprintf(out, "%-34s  %-10s  %-10s  %-10s  %s\n", "metric", "median", "min", "max",
		"better");
	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct vcl_metric *m = &b->metrics[i];

		fprintf(out, "%-34s  %-10.6g  %-10.6g  %-10.6g  %s\n", m->name, m->b.mid, m->b.lo,
			m->b.hi, vcl_direction_name(m->dir));
	}
	fprintf(out, "\nwrote %s: %zu metrics from %zu run%s, host class %s/%s/'%s'/%ld cores%s\n",
		output, b->nmetrics, nfiles, nfiles == 1 ? "" : "s",
		b->host.accelerator != NULL ? b->host.accelerator : "?",
		b->host.cgroup != NULL ? b->host.cgroup : "?",
		b->host.cpu_model != NULL ? b->host.cpu_model : "?", b->host.cores,
		nfiles == 1 ? "\n(one run: MAD is 0, so every band is the floor; 3-5 runs give "
			      "bounds that follow the real run-to-run spread)"
			    : "");
}

int vcl_baseline_make(const char *const *files, size_t nfiles, const struct vcl_derive_opts *o,
		      const char *output, FILE *out, struct vcl_error **err)
{
	struct vcl_derive_opts d = *o;
	cleanup_free char *name = NULL;
	struct json_object **runs = NULL;
	struct vcl_baseline *b = NULL;
	int ret = -1;

	if (d.name == NULL) {
		name = name_from_output(output, err);
		if (name == NULL)
			return -1;
		d.name = name;
	}
	runs = calloc(nfiles > 0 ? nfiles : 1, sizeof(struct json_object *));
	if (runs == NULL)
		return vcl_fail(err, ENOMEM, "baseline");
	for (size_t i = 0; i < nfiles; i++) {
		if (vcl_results_load(files[i], &runs[i], err) < 0)
			goto out;
	}
	if (vcl_baseline_derive(runs, files, nfiles, &d, &b, err) < 0 || b == NULL ||
	    write_baseline(b, output, err) < 0)
		goto out;
	print_bounds(out, b, output, nfiles);
	ret = 0;
out:
	vcl_baseline_free(b);
	free_runs(runs, nfiles);
	return ret;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

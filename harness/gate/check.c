/* SPDX-License-Identifier: MIT */
/*
 * The pure core of the regression gate: metric expressions, bounds, verdicts,
 * host classes, and the evaluation of one results document. No file or
 * terminal I/O here. Baseline YAML in and out is in baseline_yaml.c.
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include "gate/gate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/compare.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

static const char *const stat_names[] = {
    [VCL_STAT_P50] = "p50", [VCL_STAT_P95] = "p95", [VCL_STAT_MEAN] = "mean",
    [VCL_STAT_CV] = "cv",   [VCL_STAT_MAX] = "max", [VCL_STAT_VALUE] = "value",
};

const char *vcl_stat_name(enum vcl_stat s)
{
	if ((size_t)s >= ARRAY_SIZE(stat_names))
		return "?";
	return stat_names[s];
}

int vcl_stat_parse(const char *s, enum vcl_stat *out)
{
	for (size_t i = 0; s != NULL && i < ARRAY_SIZE(stat_names); i++) {
		if (strcmp(s, stat_names[i]) == 0) {
			*out = (enum vcl_stat)i;
			return 0;
		}
	}
	return -1;
}

const char *vcl_direction_name(enum vcl_direction d)
{
	return d == VCL_DIR_HIGHER ? "higher" : "lower";
}

const char *vcl_verdict_name(enum vcl_verdict v)
{
	switch (v) {
	case VCL_V_PASS:
		return "pass";
	case VCL_V_IMPROVED:
		return "improved";
	case VCL_V_REGRESSED:
		return "REGRESSED";
	case VCL_V_MISSING:
		return "MISSING";
	}
	return "?";
}

/* ---- bounds ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int vcl_bounds_derive(const double *v, size_t n, double k, double floor_pct, struct vcl_bounds *out)
{
	cleanup_free double *sorted = NULL;
	double mid, mad, half;

	if (n == 0 || !isfinite(k) || k < 0 || !isfinite(floor_pct) || floor_pct < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return -1;
	sorted = malloc(n * sizeof(*sorted));
	if (sorted == NULL)
		return -1;
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	mid = vcl_percentile_sorted(sorted, n, 0.5);
	mad = vcl_mad(v, n);
	half = fmax(k * mad, floor_pct / 100.0 * fabs(mid));
	out->mid = mid;
	out->lo = mid - half;
	out->hi = mid + half;
	return 0;
}

int vcl_bounds_from_percent(double mid, double pct, struct vcl_bounds *out)
{
	double half;

	if (!isfinite(mid) || !isfinite(pct) || pct < 0)
		return -1;
	half = pct / 100.0 * fabs(mid);
	out->mid = mid;
	out->lo = mid - half;
	out->hi = mid + half;
	return 0;
}

enum vcl_verdict vcl_bounds_eval(const struct vcl_bounds *b, enum vcl_direction d, double measured)
{
	if (!isfinite(measured))
		return VCL_V_MISSING;
	if (measured > b->hi)
		return d == VCL_DIR_LOWER ? VCL_V_REGRESSED : VCL_V_IMPROVED;
	if (measured < b->lo)
		return d == VCL_DIR_LOWER ? VCL_V_IMPROVED : VCL_V_REGRESSED;
	return VCL_V_PASS;
}

enum vcl_verdict vcl_bounds_eval_ci(const struct vcl_bounds *b, enum vcl_direction d,
				    double measured, double ci_lo, double ci_hi, bool *within_noise)
{
	enum vcl_verdict point = vcl_bounds_eval(b, d, measured);

	*within_noise = false;
	if (!isfinite(ci_lo) || !isfinite(ci_hi) || point == VCL_V_MISSING || point == VCL_V_PASS)
		return point;
	if (ci_lo > b->hi)
		return d == VCL_DIR_LOWER ? VCL_V_REGRESSED : VCL_V_IMPROVED;
	if (ci_hi < b->lo)
		return d == VCL_DIR_LOWER ? VCL_V_IMPROVED : VCL_V_REGRESSED;
	*within_noise = true;
	return VCL_V_PASS;
}

/* "backends.ctr.startup_ms" -> "ctr": the placement or peer a path names. */
static bool path_subject(const char *path, const char *field, char *out, size_t len)
{
	const char *dot, *rest;
	size_t n;

	if (strncmp(path, "backends.", 9) == 0)
		rest = path + 9;
	else if (strncmp(path, "peers.", 6) == 0)
		rest = path + 6;
	else
		return false;
	dot = strchr(rest, '.');
	if (dot == NULL || strcmp(dot + 1, field) != 0)
		return false;
	n = (size_t)(dot - rest);
	if (n == 0 || n >= len)
		return false;
	memcpy(out, rest, n);
	out[n] = '\0';
	return true;
}

/* The CI of a number the results give one for: a sibling NAME_ci95
 * [lo, hi] (e.g. steps_check.off_pct and off_pct_ci95). */
static void value_ci(struct json_object *results, const char *path, double *lo, double *hi)
{
	cleanup_free char *ci = NULL;
	struct json_object *a;

	if (asprintf(&ci, "%s_ci95", path) < 0)
		return;
	a = vcl_json_path(results, ci);
	if (a == NULL || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != 2)
		return;
	*lo = json_object_get_double(json_object_array_get_idx(a, 0));
	*hi = json_object_get_double(json_object_array_get_idx(a, 1));
}

/* The CI of a p50 startup ratio from the results' comparisons[] (as the
 * run wrote them: a file without them is judged on the point alone), or
 * of a number that carries its own (value_ci). */
static void ratio_ci(struct json_object *results, const struct vcl_metric *m, double *lo,
		     double *hi)
{
	char a[64], b[64];
	const char *verdict;
	double ratio;

	*lo = *hi = NAN;
	if (m->den == NULL && m->stat == VCL_STAT_VALUE) {
		value_ci(results, m->num, lo, hi);
		return;
	}
	if (m->den == NULL || m->stat != VCL_STAT_P50 ||
	    !path_subject(m->num, "startup_ms", a, sizeof(a)) ||
	    !path_subject(m->den, "startup_ms", b, sizeof(b)))
		return;
	(void)vcl_cmp_lookup(vcl_json_path(results, "comparisons"), a, b, &ratio, lo, hi, &verdict);
}

double vcl_delta_pct(double mid, double measured)
{
	if (!isfinite(mid) || mid == 0 || !isfinite(measured))
		return NAN;
	return 100.0 * (measured - mid) / fabs(mid);
}

/* ---- expressions ----------------------------------------------------- */

static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Trimmed copy of [s, s+len) when it is a well-formed dotted path. */
static char *parse_path(const char *s, size_t len, const char **why)
{
	bool seg_empty = true;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0) {
		*why = "empty path";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (seg_empty) {
				*why = "empty key between dots";
				return NULL;
			}
			seg_empty = true;
		} else if (path_char(s[i])) {
			seg_empty = false;
		} else {
			*why = "a path holds keys of letters, digits, '_' and '-' joined by '.'";
			return NULL;
		}
	}
	if (seg_empty) {
		*why = "path ends with '.'";
		return NULL;
	}
	return strndup(s, len);
}

int vcl_metric_expr_parse(const char *s, char **num, char **den, const char **why)
{
	const char *slash;
	cleanup_free char *a = NULL;
	cleanup_free char *b = NULL;

	*num = NULL;
	*den = NULL;
	if (s == NULL) {
		*why = "empty path";
		return -1;
	}
	slash = strchr(s, '/');
	if (slash == NULL) {
		a = parse_path(s, strlen(s), why);
		if (a == NULL)
			return -1;
		*num = steal_ptr(a);
		return 0;
	}
	if (strchr(slash + 1, '/') != NULL) {
		*why = "a ratio has exactly one '/'";
		return -1;
	}
	a = parse_path(s, (size_t)(slash - s), why);
	if (a == NULL)
		return -1;
	b = parse_path(slash + 1, strlen(slash + 1), why);
	if (b == NULL)
		return -1;
	*num = steal_ptr(a);
	*den = steal_ptr(b);
	return 0;
}

char *vcl_metric_expr(const struct vcl_metric *m)
{
	char *s = NULL;

	if (m->den == NULL)
		return strdup(m->num);
	if (asprintf(&s, "%s / %s", m->num, m->den) < 0)
		return NULL;
	return s;
}

/* "backends.ctr.startup_ms" -> "ctr.startup_ms": the prefix says nothing
 * a reader of the table needs. */
static const char *short_path(const char *p)
{
	if (strncmp(p, "backends.", 9) == 0)
		return p + 9;
	if (strncmp(p, "peers.", 6) == 0)
		return p + 6;
	return p;
}

char *vcl_metric_default_name(const char *num, const char *den, enum vcl_stat stat)
{
	const char *a = short_path(num);
	const char *suffix = stat == VCL_STAT_VALUE ? "" : vcl_stat_name(stat);
	const char *dot = stat == VCL_STAT_VALUE ? "" : ".";
	char *s = NULL;
	int r;

	if (den == NULL) {
		r = asprintf(&s, "%s%s%s", a, dot, suffix);
	} else {
		const char *b = short_path(den);
		const char *ra = strchr(a, '.'), *rb = strchr(b, '.');

		/* Same remainder on both sides: "ctr/bare startup_ms.p50". */
		if (ra != NULL && rb != NULL && strcmp(ra, rb) == 0)
			r = asprintf(&s, "%.*s/%.*s %s%s%s", (int)(ra - a), a, (int)(rb - b), b,
				     ra + 1, dot, suffix);
		else
			r = asprintf(&s, "%s%s%s / %s%s%s", a, dot, suffix, b, dot, suffix);
	}
	return r < 0 ? NULL : s;
}

/* ---- measuring --------------------------------------------------------- */

static bool is_number(struct json_object *o)
{
	return json_object_is_type(o, json_type_double) || json_object_is_type(o, json_type_int);
}

/* The number path (+ stat field) names in root, or -1 and *why. */
/* The number at cur (the value at path) for stat: cur itself (VCL_STAT_VALUE)
 * or its stat field; else -1 with *why saying what is there instead. */
static int read_stat(struct json_object *cur, const char *path, enum vcl_stat stat, double *out,
		     char **why)
{
	int r;

	if (stat == VCL_STAT_VALUE) {
		if (is_number(cur)) {
			*out = json_object_get_double(cur);
			return 0;
		}
		r = asprintf(why,
			     json_object_is_type(cur, json_type_object)
				 ? "%s is a statistics object, not a number (check: value needs "
				   "a number; pick a field with check: p50, p95, mean, cv or max)"
				 : "%s is not a number",
			     path);
		if (r < 0)
			*why = NULL;
		return -1;
	}
	if (!json_object_is_type(cur, json_type_object)) {
		if (asprintf(why, "%s is not a statistics object (for a number use check: value)",
			     path) < 0)
			*why = NULL;
		return -1;
	}
	{
		struct json_object *f = NULL;
		const char *field = vcl_stat_name(stat);

		if (!json_object_object_get_ex(cur, field, &f))
			r = asprintf(why, "%s has no '%s'", path, field);
		else if (f == NULL)
			r = asprintf(why, "%s.%s is null (not measured in this run)", path, field);
		else if (!is_number(f))
			r = asprintf(why, "%s.%s is not a number", path, field);
		else {
			*out = json_object_get_double(f);
			return 0;
		}
		if (r < 0)
			*why = NULL;
	}
	return -1;
}

static int resolve(struct json_object *root, const char *path, enum vcl_stat stat, double *out,
		   char **why)
{
	struct json_object *cur = root;
	const char *p = path;
	int r;

	*why = NULL;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		int plen = p == path ? 0 : (int)(p - path) - 1; /* prefix walked, no dot */
		cleanup_free char *key = strndup(p, len);
		struct json_object *next = NULL;

		if (key == NULL)
			return -1;
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, key, &next)) {
				struct json_object *sk = NULL, *reason = NULL;

				if (json_object_object_get_ex(cur, "skipped", &sk) &&
				    json_object_get_boolean(sk)) {
					json_object_object_get_ex(cur, "reason", &reason);
					r = asprintf(why, "%.*s was skipped in this run: %s", plen,
						     path,
						     reason != NULL ? json_object_get_string(reason)
								    : "no reason given");
				} else if (plen == 0) {
					r = asprintf(why, "the results have no '%s'", key);
				} else {
					r = asprintf(why, "%.*s has no '%s'", plen, path, key);
				}
				if (r < 0)
					*why = NULL;
				return -1;
			}
		} else if (json_object_is_type(cur, json_type_array)) {
			uint64_t idx;

			if (vcl_parse_u64(key, 0, SIZE_MAX, &idx) < 0 ||
			    idx >= json_object_array_length(cur)) {
				if (asprintf(why, "%.*s has no element '%s'", plen, path, key) < 0)
					*why = NULL;
				return -1;
			}
			next = json_object_array_get_idx(cur, (size_t)idx);
		} else {
			if (asprintf(why, "%.*s is not an object", plen, path) < 0)
				*why = NULL;
			return -1;
		}
		if (next == NULL) {
			if (asprintf(why, "%.*s is null (not measured in this run)",
				     (int)(p - path) + (int)len, path) < 0)
				*why = NULL;
			return -1;
		}
		cur = next;
		p += len;
		if (*p == '.')
			p++;
	}
	return read_stat(cur, path, stat, out, why);
}

int vcl_metric_measure(struct json_object *results, const struct vcl_metric *m, double *out,
		       char **why)
{
	double a, b;

	if (resolve(results, m->num, m->stat, &a, why) < 0)
		return -1;
	if (m->den == NULL) {
		*out = a;
		return 0;
	}
	if (resolve(results, m->den, m->stat, &b, why) < 0)
		return -1;
	if (b == 0) {
		if (asprintf(why, "the denominator %s%s%s is 0", m->den,
			     m->stat == VCL_STAT_VALUE ? "" : ".",
			     m->stat == VCL_STAT_VALUE ? "" : vcl_stat_name(m->stat)) < 0)
			*why = NULL;
		return -1;
	}
	*out = a / b;
	return 0;
}

/* ---- host class -------------------------------------------------------- */

static char *json_str_dup(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return strdup(json_object_get_string(v));
}

int vcl_host_class_from_results(struct json_object *results, struct vcl_host_class *out,
				struct vcl_error **err)
{
	struct json_object *host = NULL, *cores = NULL;

	memset(out, 0, sizeof(*out));
	out->cores = -1;
	if (!json_object_object_get_ex(results, "host", &host) ||
	    !json_object_is_type(host, json_type_object))
		return vcl_usage(err, "The results have no host object");
	out->accelerator = json_str_dup(host, "accelerator");
	out->cgroup = json_str_dup(host, "cgroup");
	out->cpu_model = json_str_dup(host, "cpu_model");
	out->name = json_str_dup(host, "class");
	if (json_object_object_get_ex(host, "cores", &cores) &&
	    json_object_is_type(cores, json_type_int))
		out->cores = (long)json_object_get_int64(cores);
	return 0;
}

void vcl_host_class_clear(struct vcl_host_class *h)
{
	free(h->accelerator);
	free(h->cgroup);
	free(h->cpu_model);
	free(h->name);
	h->accelerator = h->cgroup = h->cpu_model = h->name = NULL;
	h->cores = -1;
}

static void diff_str(FILE *f, bool *first, const char *key, const char *want, const char *have)
{
	if (want == NULL || (have != NULL && strcmp(want, have) == 0))
		return;
	fprintf(f, "%s%s: baseline '%s', results '%s'", *first ? "" : "; ", key, want,
		have != NULL ? have : "(not recorded)");
	*first = false;
}

char *vcl_host_class_diff(const struct vcl_host_class *want, const struct vcl_host_class *have)
{
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return strdup("out of memory");
	diff_str(f, &first, "class", want->name, have->name);
	diff_str(f, &first, "accelerator", want->accelerator, have->accelerator);
	diff_str(f, &first, "cgroup", want->cgroup, have->cgroup);
	diff_str(f, &first, "cpu_model", want->cpu_model, have->cpu_model);
	if (want->cores >= 0 && want->cores != have->cores) {
		if (have->cores >= 0)
			fprintf(f, "%scores: baseline %ld, results %ld", first ? "" : "; ",
				want->cores, have->cores);
		else
			fprintf(f, "%scores: baseline %ld, results (not recorded)",
				first ? "" : "; ", want->cores);
		first = false;
	}
	fclose(f);
	if (first) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- evaluation -------------------------------------------------------- */

void vcl_check_report_clear(struct vcl_check_report *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		free(r->rows[i].why);
	free(r->rows);
	free(r->run_id);
	free(r->hostname);
	free(r->host_diff);
	free(r->incomplete_reason);
	memset(r, 0, sizeof(*r));
}

int vcl_check_evaluate(const struct vcl_baseline *b, struct json_object *results, bool force,
		       struct vcl_check_report *out, struct vcl_error **err)
{
	struct json_object *o = NULL;

	memset(out, 0, sizeof(*out));
	out->forced = force;
	out->rows = calloc(b->nmetrics > 0 ? b->nmetrics : 1, sizeof(*out->rows));
	if (out->rows == NULL)
		return vcl_fail(err, ENOMEM, "Check results");
	out->nrows = b->nmetrics;
	for (size_t i = 0; i < b->nmetrics; i++) {
		struct vcl_check_row *row = &out->rows[i];
		const struct vcl_metric *m = &b->metrics[i];

		row->m = m;
		row->measured = NAN;
		if (vcl_metric_measure(results, m, &row->measured, &row->why) < 0) {
			row->measured = NAN;
			if (row->why == NULL)
				row->why = strdup("not found in the results");
		}
		ratio_ci(results, m, &row->ci_lo, &row->ci_hi);
		row->verdict = vcl_bounds_eval_ci(&m->b, m->dir, row->measured, row->ci_lo,
						  row->ci_hi, &row->within_noise);
		row->delta_pct = vcl_delta_pct(m->b.mid, row->measured);
		switch (row->verdict) {
		case VCL_V_PASS:
			out->npass++;
			break;
		case VCL_V_IMPROVED:
			out->nimproved++;
			break;
		case VCL_V_REGRESSED:
			out->nregressed++;
			break;
		case VCL_V_MISSING:
			out->nmissing++;
			break;
		}
	}
	if (json_object_object_get_ex(results, "run_id", &o) && o != NULL)
		out->run_id = strdup(json_object_get_string(o));
	o = vcl_json_path(results, "host.hostname");
	if (o != NULL && json_object_is_type(o, json_type_string))
		out->hostname = strdup(json_object_get_string(o));

	if (b->has_host) {
		struct vcl_host_class have;

		if (vcl_host_class_from_results(results, &have, NULL) < 0)
			out->host_diff = strdup("the results have no host object");
		else
			out->host_diff = vcl_host_class_diff(&b->host, &have);
		vcl_host_class_clear(&have);
	}

	/* Only an explicit `complete: true` counts: a run that stopped before
	 * writing it has not shown that every scenario finished. */
	o = NULL;
	if (!json_object_object_get_ex(results, "complete", &o) || o == NULL ||
	    !json_object_is_type(o, json_type_boolean) || !json_object_get_boolean(o)) {
		struct json_object *why = NULL;

		out->incomplete = true;
		if (json_object_object_get_ex(results, "incomplete_reason", &why) && why != NULL)
			out->incomplete_reason = strdup(json_object_get_string(why));
		else if (o == NULL)
			out->incomplete_reason = strdup("the results do not say complete: true");
		else
			out->incomplete_reason = strdup("no reason recorded");
	}
	return 0;
}

int vcl_check_exit_code(const struct vcl_check_report *r)
{
	if (r->host_diff != NULL && !r->forced)
		return 2;
	if (r->nregressed > 0 || r->nmissing > 0)
		return 1;
	if (r->incomplete && !r->forced)
		return 1;
	return 0;
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

/* SPDX-License-Identifier: MIT */
/*
 * The pure core of the regression gate: metric expressions, bounds, verdicts,
 * host classes, baseline YAML in and out, and the evaluation of one results
 * document. No file or terminal I/O here except vcl_baseline_load().
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include "gate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "results.h"
#include "stats.h"
#include "util.h"
#include "yamldoc.h"

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
	h->accelerator = h->cgroup = h->cpu_model = NULL;
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

/* ---- baseline YAML ----------------------------------------------------- */

void vcl_baseline_free(struct vcl_baseline *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nmetrics; i++) {
		free(b->metrics[i].name);
		free(b->metrics[i].num);
		free(b->metrics[i].den);
		free(b->metrics[i].values);
	}
	free(b->metrics);
	if (b->sources != NULL)
		for (char **s = b->sources; *s != NULL; s++)
			free(*s);
	free(b->sources);
	vcl_host_class_clear(&b->host);
	free(b->name);
	free(b->created);
	free(b);
}

/* Reject keys a mapping may not hold, and duplicates: a misspelt "mx:"
 * must not silently leave a metric unbounded. */
static int check_keys(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *map, const char *what,
		      const char *const *allowed, struct vcl_error **err)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return vcl_yaml_error(err, y, map, "%s must be a mapping", what);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		const char *ks = vcl_yaml_str(k);
		bool ok = false;

		if (ks == NULL)
			return vcl_yaml_error(err, y, k, "%s keys must be plain words", what);
		for (const char *const *a = allowed; *a != NULL; a++)
			ok = ok || strcmp(*a, ks) == 0;
		if (!ok)
			return vcl_yaml_error(err, y, k, "unknown key '%s' in %s", ks, what);
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			const char *qs = vcl_yaml_str(yaml_document_get_node(doc, q->key));

			if (qs != NULL && strcmp(qs, ks) == 0)
				return vcl_yaml_error(err, y, k, "duplicate key '%s' in %s", ks,
						      what);
		}
	}
	return 0;
}

static int yaml_strdup(struct vcl_yaml *y, yaml_node_t *n, const char *what, char **out,
		       struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);

	if (s == NULL)
		return vcl_yaml_error(err, y, n, "%s must be a string", what);
	*out = strdup(s);
	if (*out == NULL)
		return vcl_fail(err, ENOMEM, "Parse %s", y->name);
	return 0;
}

static int yaml_num(struct vcl_yaml *y, yaml_node_t *n, const char *what, double *out,
		    struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);

	if (s == NULL)
		return vcl_yaml_error(err, y, n, "%s must be a number", what);
	if (vcl_parse_double(s, -INFINITY, INFINITY, out) < 0)
		return vcl_yaml_error(err, y, n, "%s: '%s' is not a number", what, s);
	if (!isfinite(*out))
		return vcl_yaml_error(err, y, n, "%s must be a finite number", what);
	return 0;
}

/* A stats-object field name at the end of a path used with a stat check is
 * almost always "path names the number" confusion; say how to write it. */
static const char *stat_leaf(const char *path)
{
	static const char *const fields[] = {"n",  "p50",    "p90", "p95", "p99", "mean",
					     "cv", "stddev", "min", "max", "mad"};
	const char *last = strrchr(path, '.');

	last = last != NULL ? last + 1 : path;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(last, fields[i]) == 0)
			return last;
	return NULL;
}

static int parse_metric(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
			struct vcl_metric *m, struct vcl_error **err)
{
	static const char *const keys[] = {"name",     "path", "check", "direction",
					   "baseline", "min",  "max",	"percent",
					   "values",   "note", NULL};
	yaml_node_t *n;
	const char *s, *why = NULL;
	bool has_min = false, has_max = false, has_mid = false;
	double mn = -INFINITY, mx = INFINITY, mid = NAN, pct = 0;

	if (check_keys(y, doc, node, "a metric", keys, err) < 0)
		return -1;
	m->line = node->start_mark.line + 1;

	n = vcl_yaml_get(doc, node, "path");
	if (n == NULL)
		return vcl_yaml_error(err, y, node, "metric has no path");
	s = vcl_yaml_str(n);
	if (s == NULL || vcl_metric_expr_parse(s, &m->num, &m->den, &why) < 0)
		return vcl_yaml_error(err, y, n, "bad path '%s': %s", s != NULL ? s : "",
				      s != NULL ? why : "expected a string");

	n = vcl_yaml_get(doc, node, "check");
	if (n == NULL)
		return vcl_yaml_error(err, y, node,
				      "metric %s has no check (p50, p95, mean, cv, max or value)",
				      m->num);
	s = vcl_yaml_str(n);
	if (vcl_stat_parse(s, &m->stat) < 0)
		return vcl_yaml_error(err, y, n,
				      "unknown check type '%s' (expected p50, p95, mean, cv, max "
				      "or value)",
				      s != NULL ? s : "");
	if (m->stat != VCL_STAT_VALUE) {
		const char *leaf = stat_leaf(m->num);

		if (leaf == NULL && m->den != NULL)
			leaf = stat_leaf(m->den);
		if (leaf != NULL)
			return vcl_yaml_error(
			    err, y, vcl_yaml_get(doc, node, "path"),
			    "with check: %s the path names the statistics object, so drop "
			    "'.%s' from it (or use check: value to gate that number as is)",
			    vcl_stat_name(m->stat), leaf);
	}

	n = vcl_yaml_get(doc, node, "direction");
	if (n == NULL)
		return vcl_yaml_error(err, y, node, "metric %s has no direction (lower or higher)",
				      m->num);
	s = vcl_yaml_str(n);
	if (s != NULL && strcmp(s, "lower") == 0)
		m->dir = VCL_DIR_LOWER;
	else if (s != NULL && strcmp(s, "higher") == 0)
		m->dir = VCL_DIR_HIGHER;
	else
		return vcl_yaml_error(err, y, n,
				      "direction must be 'lower' (lower is better) or 'higher' "
				      "(higher is better)");

	if ((n = vcl_yaml_get(doc, node, "baseline")) != NULL) {
		if (yaml_num(y, n, "baseline", &mid, err) < 0)
			return -1;
		has_mid = true;
	}
	if ((n = vcl_yaml_get(doc, node, "min")) != NULL) {
		if (yaml_num(y, n, "min", &mn, err) < 0)
			return -1;
		has_min = true;
	}
	if ((n = vcl_yaml_get(doc, node, "max")) != NULL) {
		if (yaml_num(y, n, "max", &mx, err) < 0)
			return -1;
		has_max = true;
	}
	if ((n = vcl_yaml_get(doc, node, "percent")) != NULL) {
		if (yaml_num(y, n, "percent", &pct, err) < 0)
			return -1;
		if (pct < 0)
			return vcl_yaml_error(err, y, n, "percent %g is negative", pct);
		if (has_min || has_max)
			return vcl_yaml_error(err, y, n,
					      "give bounds either as min/max or as baseline and "
					      "percent, not both");
		if (!has_mid)
			return vcl_yaml_error(err, y, n,
					      "percent needs a baseline value to be a percent of");
		vcl_bounds_from_percent(mid, pct, &m->b);
	} else {
		if (!has_min && !has_max)
			return vcl_yaml_error(
			    err, y, node,
			    "metric %s has no bounds (min and/or max, or baseline "
			    "and percent)",
			    m->num);
		if (mn > mx)
			return vcl_yaml_error(err, y, vcl_yaml_get(doc, node, "min"),
					      "min %g is greater than max %g", mn, mx);
		m->b.mid = mid;
		m->b.lo = mn;
		m->b.hi = mx;
		if (has_mid && (mid < mn || mid > mx))
			return vcl_yaml_error(err, y, vcl_yaml_get(doc, node, "baseline"),
					      "baseline %g lies outside [min, max]", mid);
	}

	if ((n = vcl_yaml_get(doc, node, "values")) != NULL) {
		size_t len = vcl_yaml_seq_len(n);

		if (n->type != YAML_SEQUENCE_NODE)
			return vcl_yaml_error(err, y, n, "values must be a list of numbers");
		m->values = calloc(len + 1, sizeof(*m->values));
		if (m->values == NULL)
			return vcl_fail(err, ENOMEM, "Parse %s", y->name);
		for (size_t i = 0; i < len; i++)
			if (yaml_num(y, vcl_yaml_seq_at(doc, n, i), "values", &m->values[i], err) <
			    0)
				return -1;
		m->nvalues = len;
	}

	if ((n = vcl_yaml_get(doc, node, "name")) != NULL)
		return yaml_strdup(y, n, "name", &m->name, err);
	m->name = vcl_metric_default_name(m->num, m->den, m->stat);
	if (m->name == NULL)
		return vcl_fail(err, ENOMEM, "Parse %s", y->name);
	return 0;
}

static int parse_host(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
		      struct vcl_host_class *h, struct vcl_error **err)
{
	static const char *const keys[] = {"accelerator", "cgroup", "cpu_model", "cores", NULL};
	yaml_node_t *n;
	double cores = 0;

	if (check_keys(y, doc, node, "host", keys, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "accelerator")) != NULL &&
	    yaml_strdup(y, n, "accelerator", &h->accelerator, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "cgroup")) != NULL &&
	    yaml_strdup(y, n, "cgroup", &h->cgroup, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "cpu_model")) != NULL &&
	    yaml_strdup(y, n, "cpu_model", &h->cpu_model, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "cores")) != NULL) {
		if (yaml_num(y, n, "cores", &cores, err) < 0)
			return -1;
		/* Bounded before the cast: a double beyond long's range is UB
		 * (found by fuzz_baseline). */
		if (cores < 1 || cores > 1048576 || cores != floor(cores))
			return vcl_yaml_error(err, y, n, "cores must be a whole number in 1..1048576");
		h->cores = (long)cores;
	}
	return 0;
}

static int parse_sources(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
			 struct vcl_baseline *b, struct vcl_error **err)
{
	static const char *const keys[] = {"run_id", "file", NULL};
	size_t len = vcl_yaml_seq_len(node);

	if (node->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(err, y, node, "sources must be a list");
	b->sources = calloc(len + 1, sizeof(*b->sources));
	if (b->sources == NULL)
		return vcl_fail(err, ENOMEM, "Parse %s", y->name);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(doc, node, i);
		const char *run, *file;

		if (check_keys(y, doc, it, "a source", keys, err) < 0)
			return -1;
		run = vcl_yaml_str(vcl_yaml_get(doc, it, "run_id"));
		file = vcl_yaml_str(vcl_yaml_get(doc, it, "file"));
		if (asprintf(&b->sources[i], "%s (%s)", run != NULL ? run : "?",
			     file != NULL ? file : "?") < 0) {
			b->sources[i] = NULL;
			return vcl_fail(err, ENOMEM, "Parse %s", y->name);
		}
	}
	return 0;
}

static int parse_derivation(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
			    struct vcl_baseline *b, struct vcl_error **err)
{
	static const char *const keys[] = {"method", "k", "floor_pct", "runs", NULL};
	yaml_node_t *n;

	if (check_keys(y, doc, node, "derivation", keys, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "k")) != NULL && yaml_num(y, n, "k", &b->k, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "floor_pct")) != NULL &&
	    yaml_num(y, n, "floor_pct", &b->floor_pct, err) < 0)
		return -1;
	return 0;
}

static int parse_doc(struct vcl_yaml *y, struct vcl_baseline *b, struct vcl_error **err)
{
	static const char *const keys[] = {"schema", "name",	"created", "derivation", "sources",
					   "host",   "metrics", "note",	   NULL};
	yaml_document_t *doc;
	yaml_node_t *root, *n, *metrics;
	const char *s;
	size_t len;

	if (y->ndocs != 1)
		return vcl_yaml_error(err, y, NULL, "expected exactly one YAML document, found %zu",
				      y->ndocs);
	doc = &y->docs[0];
	root = vcl_yaml_root(y, 0);
	if (check_keys(y, doc, root, "a baseline", keys, err) < 0)
		return -1;
	n = vcl_yaml_get(doc, root, "schema");
	s = vcl_yaml_str(n);
	if (n == NULL)
		return vcl_yaml_error(err, y, root, "missing schema: %s", VCL_BASELINE_SCHEMA);
	if (s == NULL || strcmp(s, VCL_BASELINE_SCHEMA) != 0)
		return vcl_yaml_error(err, y, n, "schema is not %s", VCL_BASELINE_SCHEMA);
	if ((n = vcl_yaml_get(doc, root, "name")) != NULL &&
	    yaml_strdup(y, n, "name", &b->name, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, root, "created")) != NULL &&
	    yaml_strdup(y, n, "created", &b->created, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, root, "derivation")) != NULL &&
	    parse_derivation(y, doc, n, b, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, root, "sources")) != NULL &&
	    parse_sources(y, doc, n, b, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, root, "host")) != NULL) {
		if (parse_host(y, doc, n, &b->host, err) < 0)
			return -1;
		b->has_host = true;
	}
	metrics = vcl_yaml_get(doc, root, "metrics");
	if (metrics == NULL)
		return vcl_yaml_error(err, y, root, "missing metrics: the list of gated metrics");
	if (metrics->type != YAML_SEQUENCE_NODE)
		return vcl_yaml_error(err, y, metrics, "metrics must be a list");
	len = vcl_yaml_seq_len(metrics);
	if (len == 0)
		return vcl_yaml_error(err, y, metrics, "metrics is empty: nothing would be gated");
	b->metrics = calloc(len, sizeof(*b->metrics));
	if (b->metrics == NULL)
		return vcl_fail(err, ENOMEM, "Parse %s", y->name);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *it = vcl_yaml_seq_at(doc, metrics, i);

		b->nmetrics = i + 1; /* so a half-parsed metric is freed too */
		if (parse_metric(y, doc, it, &b->metrics[i], err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (b->metrics[j].name != NULL && b->metrics[i].name != NULL &&
			    strcmp(b->metrics[j].name, b->metrics[i].name) == 0)
				return vcl_yaml_error(err, y, it,
						      "metric name '%s' is already used at line "
						      "%zu; give one of them a name:",
						      b->metrics[i].name, b->metrics[j].line);
	}
	return 0;
}

int vcl_baseline_parse(const char *name, const char *buf, size_t len, struct vcl_baseline **out,
		       struct vcl_error **err)
{
	struct vcl_yaml *y = NULL;
	struct vcl_baseline *b;
	int r;

	if (vcl_yaml_load_buffer(name, buf, len, &y, err) < 0)
		return -1;
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		vcl_yaml_free(y);
		return vcl_fail(err, ENOMEM, "Parse %s", name);
	}
	b->k = NAN;
	b->floor_pct = NAN;
	b->host.cores = -1;
	r = parse_doc(y, b, err);
	vcl_yaml_free(y);
	if (r < 0) {
		vcl_baseline_free(b);
		return -1;
	}
	if (b->name == NULL) {
		/* "results/baselines/kvm-v2.yaml" -> "kvm-v2" */
		const char *base = strrchr(name, '/');
		const char *dot;

		base = base != NULL ? base + 1 : name;
		dot = strrchr(base, '.');
		b->name =
		    dot != NULL && dot != base ? strndup(base, (size_t)(dot - base)) : strdup(base);
		if (b->name == NULL) {
			vcl_baseline_free(b);
			return vcl_fail(err, ENOMEM, "Parse %s", name);
		}
	}
	*out = b;
	return 0;
}

int vcl_baseline_load(const char *path, struct vcl_baseline **out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (vcl_read_file(path, &buf, &len, err) < 0) {
		(*err)->kind = VCL_E_USAGE;
		return vcl_error_wrap(err, "Baseline");
	}
	return vcl_baseline_parse(path, buf, len, out, err);
}

/* A YAML double-quoted scalar. */
static void yaml_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* %.9g keeps a value readable and within a part in 1e9 of the computed one. */
#define NUMFMT "%.9g"

char *vcl_baseline_format(const struct vcl_baseline *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fprintf(f, "# vclab baseline: the bounds a results.json must stay within (docs/ci.md).\n");
	fprintf(f,
		"# Each path names a statistics object and check picks its field (check: value:\n"
		"# the path is the number). A ratio divides the same field of two paths.\n");
	fprintf(f, "# Regenerate: vclab baseline --from RUN/results.json... -o THIS_FILE\n");
	fprintf(f, "schema: %s\n", VCL_BASELINE_SCHEMA);
	if (b->name != NULL) {
		fprintf(f, "name: ");
		yaml_quote(f, b->name);
		fputc('\n', f);
	}
	if (b->created != NULL) {
		fprintf(f, "created: ");
		yaml_quote(f, b->created);
		fputc('\n', f);
	}
	if (isfinite(b->k) || isfinite(b->floor_pct)) {
		fprintf(f,
			"derivation:\n  method: \"median +- max(k*MAD, floor_pct%% of median)\"\n");
		if (isfinite(b->k))
			fprintf(f, "  k: " NUMFMT "\n", b->k);
		if (isfinite(b->floor_pct))
			fprintf(f, "  floor_pct: " NUMFMT "\n", b->floor_pct);
	}
	if (b->sources != NULL && b->sources[0] != NULL) {
		fprintf(f, "sources:\n");
		for (char **s = b->sources; *s != NULL; s++) {
			/* Stored as "run (file)"; split back for the file. */
			const char *open = strstr(*s, " (");
			size_t rl = open != NULL ? (size_t)(open - *s) : strlen(*s);
			cleanup_free char *run = strndup(*s, rl);
			cleanup_free char *file =
			    open != NULL ? strndup(open + 2, strlen(open + 2) - 1) : NULL;

			fprintf(f, "  - run_id: ");
			yaml_quote(f, run != NULL ? run : "?");
			if (file != NULL) {
				fprintf(f, "\n    file: ");
				yaml_quote(f, file);
			}
			fputc('\n', f);
		}
	}
	if (b->has_host) {
		fprintf(f, "host:\n");
		if (b->host.accelerator != NULL) {
			fprintf(f, "  accelerator: ");
			yaml_quote(f, b->host.accelerator);
			fputc('\n', f);
		}
		if (b->host.cgroup != NULL) {
			fprintf(f, "  cgroup: ");
			yaml_quote(f, b->host.cgroup);
			fputc('\n', f);
		}
		if (b->host.cpu_model != NULL) {
			fprintf(f, "  cpu_model: ");
			yaml_quote(f, b->host.cpu_model);
			fputc('\n', f);
		}
		if (b->host.cores >= 0)
			fprintf(f, "  cores: %ld\n", b->host.cores);
	}
	fprintf(f, "metrics:\n");
	for (size_t i = 0; i < b->nmetrics; i++) {
		const struct vcl_metric *m = &b->metrics[i];
		cleanup_free char *expr = vcl_metric_expr(m);

		fprintf(f, "  - name: ");
		yaml_quote(f, m->name);
		fprintf(f, "\n    path: ");
		yaml_quote(f, expr != NULL ? expr : m->num);
		fprintf(f, "\n    check: %s\n    direction: %s\n", vcl_stat_name(m->stat),
			vcl_direction_name(m->dir));
		if (isfinite(m->b.mid))
			fprintf(f, "    baseline: " NUMFMT "\n", m->b.mid);
		if (isfinite(m->b.lo))
			fprintf(f, "    min: " NUMFMT "\n", m->b.lo);
		if (isfinite(m->b.hi))
			fprintf(f, "    max: " NUMFMT "\n", m->b.hi);
		if (m->nvalues > 0) {
			fprintf(f, "    values: [");
			for (size_t j = 0; j < m->nvalues; j++)
				fprintf(f, "%s" NUMFMT, j > 0 ? ", " : "", m->values[j]);
			fprintf(f, "]\n");
		}
	}
	if (fclose(f) != 0) {
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
		row->verdict = vcl_bounds_eval(&m->b, m->dir, row->measured);
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

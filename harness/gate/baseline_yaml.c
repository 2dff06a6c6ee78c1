/* SPDX-License-Identifier: MIT */
/*
 * Baseline YAML in and out for the regression gate (pure except
 * vcl_baseline_load()): every rejection names file:line:column, and
 * vcl_baseline_format() writes text that parses back to the same baseline.
 * The bounds, expressions and evaluation are in check.c.
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include "gate/gate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"
#include "core/yamldoc.h"

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

/* A metric's bounds: min and/or max (with an optional baseline inside
 * them), or baseline and percent. */
static int parse_bounds(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
			struct vcl_metric *m, struct vcl_error **err)
{
	bool has_min = false, has_max = false, has_mid = false;
	double mn = -INFINITY, mx = INFINITY, mid = NAN, pct = 0;
	yaml_node_t *n;

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
	return 0;
}

static int parse_metric(struct vcl_yaml *y, yaml_document_t *doc, yaml_node_t *node,
			struct vcl_metric *m, struct vcl_error **err)
{
	static const char *const keys[] = {"name",     "path", "check", "direction",
					   "baseline", "min",  "max",	"percent",
					   "values",   "note", NULL};
	yaml_node_t *n;
	const char *s, *why = NULL;

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

	if (parse_bounds(y, doc, node, m, err) < 0)
		return -1;

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
	static const char *const keys[] = {"class",	"accelerator", "cgroup",
					   "cpu_model", "cores",       NULL};
	yaml_node_t *n;
	double cores = 0;

	if (check_keys(y, doc, node, "host", keys, err) < 0)
		return -1;
	if ((n = vcl_yaml_get(doc, node, "class")) != NULL &&
	    yaml_strdup(y, n, "class", &h->name, err) < 0)
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
			return vcl_yaml_error(err, y, n,
					      "cores must be a whole number in 1..1048576");
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
		vcl_error_set_kind(err, VCL_E_USAGE);
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

/* "key: "value"" on a line of its own (key holds its indent), when v is set. */
static void yaml_line(FILE *f, const char *key, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, "%s: ", key);
	yaml_quote(f, v);
	fputc('\n', f);
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
	yaml_line(f, "name", b->name);
	yaml_line(f, "created", b->created);
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
		yaml_line(f, "  class", b->host.name);
		yaml_line(f, "  accelerator", b->host.accelerator);
		yaml_line(f, "  cgroup", b->host.cgroup);
		yaml_line(f, "  cpu_model", b->host.cpu_model);
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
/* NOLINTEND(clang-analyzer-unix.Malloc) */

/* SPDX-License-Identifier: MIT */
#include "core/results.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/jsonpos.h"
#include "core/results_read.h"
#include "core/util.h"

/* JSON has no NaN/Inf: such values are written as null. */
static struct json_object *num(double v)
{
	if (!isfinite(v))
		return NULL;
	return json_object_new_double(v);
}

struct json_object *vcl_stats_json(const struct vcl_stats *st, const double *samples, size_t n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ci = json_object_new_array();

	json_object_object_add(o, "n", json_object_new_int64((int64_t)st->n));
	json_object_object_add(o, "p50", num(st->p50));
	json_object_object_add(o, "p90", num(st->p90));
	json_object_object_add(o, "p95", num(st->p95));
	json_object_object_add(o, "p99", num(st->p99));
	json_object_object_add(o, "mean", num(st->mean));
	json_object_object_add(o, "stddev", num(st->stddev));
	json_object_object_add(o, "cv", num(st->cv));
	json_object_object_add(o, "min", num(st->min));
	json_object_object_add(o, "max", num(st->max));
	json_object_object_add(o, "mad", num(st->mad));
	if (st->ci95_ok) {
		json_object_array_add(ci, num(st->ci95_lo));
		json_object_array_add(ci, num(st->ci95_hi));
		json_object_object_add(o, "ci95", ci);
	} else {
		json_object_put(ci);
		json_object_object_add(o, "ci95", NULL);
		if (st->n > 0 && st->ci95_why != NULL)
			json_object_object_add(o, "ci95_reason",
					       json_object_new_string(st->ci95_why));
	}
	if (samples != NULL) {
		struct json_object *a = json_object_new_array_ext((int)n);

		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, num(samples[i]));
		json_object_object_add(o, "samples", a);
	}
	return o;
}

int vcl_results_write(const char *dir, struct json_object *root, struct vcl_error **err)
{
	cleanup_free char *path = NULL;
	const char *text;
	size_t len;

	if (asprintf(&path, "%s/results.json", dir) < 0)
		return vcl_fail(err, ENOMEM, "Write results");
	text = json_object_to_json_string_length(root,
						 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE,
						 &len);
	if (text == NULL)
		return vcl_fail(err, ENOMEM, "Serialise %s", path);
	/* Text plus a final newline, written in one atomic replace. */
	{
		cleanup_free char *buf = malloc(len + 2);

		if (buf == NULL)
			return vcl_fail(err, ENOMEM, "Write %s", path);
		memcpy(buf, text, len);
		buf[len] = '\n';
		buf[len + 1] = '\0';
		return vcl_write_atomic(path, buf, len + 1, err);
	}
}

int vcl_json_parse_buffer(const char *name, const char *text, size_t len, struct json_object **out,
			  struct vcl_error **err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t line, col, end;

	if (len > INT32_MAX)
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s: file too large", name);
	if (memchr(text, '\0', len) != NULL) {
		vcl_text_line_col(text, len, strlen(text), &line, &col);
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s:%zu:%zu: NUL byte in JSON text", name,
				     line, col);
	}
	tok = json_tokener_new();
	if (tok == NULL)
		return vcl_fail(err, ENOMEM, "Parse %s", name);
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		/* An incomplete document reports "continue": say it ended early. */
		vcl_text_line_col(text, len, end, &line, &col);
		json_object_put(o);
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s:%zu:%zu: %s", name, line, col,
				     jerr == json_tokener_continue ? "unexpected end of file"
								   : json_tokener_error_desc(jerr));
	}
	/* Trailing garbage after the document is an error too. */
	while (end < len &&
	       (text[end] == ' ' || text[end] == '\n' || text[end] == '\t' || text[end] == '\r'))
		end++;
	if (end < len) {
		vcl_text_line_col(text, len, end, &line, &col);
		json_object_put(o);
		return vcl_error_set(err, VCL_E_USAGE, 0,
				     "%s:%zu:%zu: unexpected text after the JSON document", name,
				     line, col);
	}
	*out = o;
	return 0;
}

/* A file's text; a file that cannot be read is bad input (exit 2). */
static int read_text(const char *path, char **text, size_t *len, struct vcl_error **err)
{
	if (vcl_read_file(path, text, len, err) < 0) {
		return vcl_error_set_kind(err, VCL_E_USAGE);
	}
	return 0;
}

int vcl_json_load(const char *path, struct json_object **out, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (read_text(path, &text, &len, err) < 0)
		return -1;
	return vcl_json_parse_buffer(path, text, len, out, err);
}

int vcl_results_parse_buffer(const char *name, const char *text, size_t len, FILE *warn,
			     struct json_object **out, struct vcl_error **err)
{
	cleanup_json struct json_object *o = NULL;

	if (vcl_json_parse_buffer(name, text, len, &o, err) < 0 ||
	    vcl_results_check(name, text, len, o, warn, err) < 0)
		return -1;
	*out = steal_ptr(o);
	return 0;
}

int vcl_results_load(const char *path, struct json_object **out, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;

	if (read_text(path, &text, &len, err) < 0)
		return -1;
	return vcl_results_parse_buffer(path, text, len, stderr, out, err);
}

struct json_object *vcl_json_path(struct json_object *root, const char *dotted)
{
	struct json_object *cur = root;
	const char *p = dotted;

	while (cur != NULL && *p != '\0') {
		const char *dot = strchr(p, '.');
		size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		char key[128];

		if (len == 0 || len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = '\0';
		if (json_object_is_type(cur, json_type_object)) {
			struct json_object *next = NULL;

			if (!json_object_object_get_ex(cur, key, &next))
				return NULL;
			cur = next;
		} else if (json_object_is_type(cur, json_type_array)) {
			uint64_t idx;

			if (vcl_parse_u64(key, 0, SIZE_MAX, &idx) < 0 ||
			    idx >= json_object_array_length(cur))
				return NULL;
			cur = json_object_array_get_idx(cur, (size_t)idx);
		} else {
			return NULL;
		}
		p = dot != NULL ? dot + 1 : p + len;
	}
	return cur;
}

int vcl_json_path_double(struct json_object *root, const char *dotted, double *out)
{
	struct json_object *o = vcl_json_path(root, dotted);

	if (o == NULL ||
	    !(json_object_is_type(o, json_type_double) || json_object_is_type(o, json_type_int)))
		return -1;
	*out = json_object_get_double(o);
	return 0;
}

struct json_object *vcl_json_obj(struct json_object *parent, const char *key)
{
	struct json_object *o = NULL;

	if (json_object_object_get_ex(parent, key, &o) && json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(parent, key, o);
	return o;
}

void vcl_iso8601_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A [lo, hi] pair, or NULL (JSON null) when either is not finite. */
static struct json_object *ci_pair(double lo, double hi)
{
	struct json_object *a;

	if (!isfinite(lo) || !isfinite(hi))
		return NULL;
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_double(lo));
	json_object_array_add(a, json_object_new_double(hi));
	return a;
}

static struct json_object *num_or_null(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

struct json_object *vcl_steps_check_json(double *const *x, size_t nk, size_t n, const double *total,
					 double startup_p50, const double *med)
{
	struct json_object *c = json_object_new_object();
	double sum = 0, mlsum = 0, gap, lo, hi;
	unsigned tiled = 0;

	for (size_t k = 0; k < nk; k++) {
		struct vcl_stats st;

		vcl_stats_compute(x[k], n, 0, 0, &st);
		sum += st.p50;
		mlsum += med[k];
	}
	for (size_t i = 0; i < n; i++) {
		double t = 0;

		for (size_t k = 0; k < nk; k++)
			t += x[k][i];
		tiled += fabs(t - total[i]) < 1e-6;
	}
	/* The CI from the launches with steps; the point against the
	 * startup median of every launch (the same launches in a normal run). */
	(void)vcl_steps_gap(x, nk, n, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &gap, &lo, &hi);
	gap = startup_p50 > 0 ? 100.0 * (sum - startup_p50) / startup_p50 : NAN;
	json_object_object_add(c, "launches", json_object_new_int((int)n));
	json_object_object_add(c, "tiled", json_object_new_int((int)tiled));
	json_object_object_add(c, "sum_of_medians_ms", json_object_new_double(sum));
	json_object_object_add(c, "median_launch_ms", json_object_new_double(mlsum));
	json_object_object_add(c, "startup_p50_ms", json_object_new_double(startup_p50));
	json_object_object_add(c, "gap_pct", num_or_null(gap));
	json_object_object_add(c, "gap_pct_ci95", ci_pair(lo, hi));
	json_object_object_add(c, "off_pct", num_or_null(fabs(gap)));
	/* |gap| over the CI: from 0 when the CI holds 0. */
	json_object_object_add(
	    c, "off_pct_ci95",
	    ci_pair(lo <= 0 && hi >= 0 ? 0 : fmin(fabs(lo), fabs(hi)), fmax(fabs(lo), fabs(hi))));
	return c;
}

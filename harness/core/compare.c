/* SPDX-License-Identifier: MIT */
#include "core/compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/results.h"
#include "core/stats.h"

enum vcl_cmp_verdict vcl_cmp_verdict_of(double lo, double hi, double aa_lo, double aa_hi)
{
	if (!isfinite(lo) || !isfinite(hi))
		return VCL_CMP_NONE;
	if (lo <= 1 && 1 <= hi)
		return VCL_CMP_SAME;
	/* Inside the noise floor: bare against bare moved as much. */
	if (isfinite(aa_lo) && isfinite(aa_hi) && lo >= aa_lo && hi <= aa_hi)
		return VCL_CMP_SAME;
	return lo > 1 ? VCL_CMP_HIGHER : VCL_CMP_LOWER;
}

const char *vcl_cmp_verdict_name(enum vcl_cmp_verdict v)
{
	switch (v) {
	case VCL_CMP_SAME:
		return "no measurable difference";
	case VCL_CMP_HIGHER:
		return "higher";
	case VCL_CMP_LOWER:
		return "lower";
	case VCL_CMP_NONE:
		break;
	}
	return "no CI";
}

/* The samples of <group>.<name>.startup_ms, or 0 when there are none. */
static size_t samples_of(struct json_object *root, const char *group, const char *name,
			 double **out)
{
	struct json_object *g, *b, *st, *a;
	size_t n, k = 0;

	*out = NULL;
	if (!json_object_object_get_ex(root, group, &g) ||
	    !json_object_object_get_ex(g, name, &b) ||
	    !json_object_object_get_ex(b, "startup_ms", &st) ||
	    !json_object_object_get_ex(st, "samples", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	n = json_object_array_length(a);
	if (n == 0 || (*out = malloc(n * sizeof(double))) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int))
			(*out)[k++] = json_object_get_double(v);
	}
	if (k == 0) {
		free(*out);
		*out = NULL;
	}
	return k;
}

static struct json_object *num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

bool vcl_ratio_fill(struct json_object *o, const double *x, size_t nx, const double *y, size_t ny,
		    double aa_lo, double aa_hi)
{
	struct json_object *ci;
	double r, lo, hi;
	bool ok =
	    vcl_ratio_ci(x, nx, y, ny, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &r, &lo, &hi);

	json_object_object_add(o, "ratio", num(r));
	if (ok) {
		ci = json_object_new_array();
		json_object_array_add(ci, num(lo));
		json_object_array_add(ci, num(hi));
		json_object_object_add(o, "ci95", ci);
	} else {
		json_object_object_add(o, "ci95", NULL);
	}
	json_object_object_add(
	    o, "verdict",
	    json_object_new_string(vcl_cmp_verdict_name(vcl_cmp_verdict_of(lo, hi, aa_lo, aa_hi))));
	return ok;
}

static void add_pair(struct json_object *arr, struct json_object *root, const char *ga,
		     const char *a, const char *gb, const char *b, double aa_lo, double aa_hi)
{
	double *x = NULL, *y = NULL;
	size_t nx = samples_of(root, ga, a, &x), ny = samples_of(root, gb, b, &y);
	struct json_object *o;

	if (nx == 0 || ny == 0) {
		free(x);
		free(y);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "metric", json_object_new_string("startup_ms.p50"));
	json_object_object_add(o, "a", json_object_new_string(a));
	json_object_object_add(o, "b", json_object_new_string(b));
	vcl_ratio_fill(o, x, nx, y, ny, aa_lo, aa_hi);
	json_object_object_add(o, "n_a", json_object_new_int64((int64_t)nx));
	json_object_object_add(o, "n_b", json_object_new_int64((int64_t)ny));
	json_object_array_add(arr, o);
	free(x);
	free(y);
}

/* Placements against each other where the question is which to pick: the
 * sandbox against the container it hardens and the VM it would replace
 * (issue 27). Added when both sides ran. */
static const struct {
	const char *ga, *a, *gb, *b;
} cross[] = {
    {"backends", "gvisor", "backends", "ctr"},
    {"backends", "gvisor", "peers", "runc"},
    {"backends", "vm", "backends", "gvisor"},
};

/* The pairings of one set of backends and peers (the run's, or one
 * service's), judged against the run's A/A floor. */
static struct json_object *build_in(struct json_object *root, double aa_lo, double aa_hi)
{
	struct json_object *arr = json_object_new_array(), *g;

	if (json_object_object_get_ex(root, "backends", &g)) {
		json_object_object_foreach(g, name, v)
		{
			(void)v;
			if (strcmp(name, "bare") != 0)
				add_pair(arr, root, "backends", name, "backends", "bare", aa_lo,
					 aa_hi);
		}
	}
	if (json_object_object_get_ex(root, "peers", &g)) {
		json_object_object_foreach(g, name, v)
		{
			struct json_object *fam;

			add_pair(arr, root, "peers", name, "backends", "bare", aa_lo, aa_hi);
			/* The placement against its peer: ctr/runc, vm/qemu-direct. */
			if (json_object_object_get_ex(v, "family", &fam))
				add_pair(arr, root, "backends", json_object_get_string(fam),
					 "peers", name, aa_lo, aa_hi);
		}
	}
	for (size_t i = 0; i < sizeof(cross) / sizeof(cross[0]); i++)
		add_pair(arr, root, cross[i].ga, cross[i].a, cross[i].gb, cross[i].b, aa_lo, aa_hi);
	return arr;
}

struct json_object *vcl_comparisons_build_in(struct json_object *entries, struct json_object *run)
{
	double aa_lo = NAN, aa_hi = NAN;

	(void)vcl_json_path_double(run, "calibration.aa.ci95.0", &aa_lo);
	(void)vcl_json_path_double(run, "calibration.aa.ci95.1", &aa_hi);
	return build_in(entries, aa_lo, aa_hi);
}

struct json_object *vcl_comparisons_build(struct json_object *root)
{
	return vcl_comparisons_build_in(root, root);
}

bool vcl_cmp_entry(struct json_object *c, double *ratio, double *lo, double *hi,
		   const char **verdict)
{
	struct json_object *v;

	*ratio = *lo = *hi = NAN;
	*verdict = NULL;
	if (vcl_json_path_double(c, "ci95.0", lo) < 0 || vcl_json_path_double(c, "ci95.1", hi) < 0)
		*lo = *hi = NAN;
	if (json_object_object_get_ex(c, "verdict", &v))
		*verdict = json_object_get_string(v);
	if (vcl_json_path_double(c, "ratio", ratio) < 0) {
		*ratio = NAN;
		return false;
	}
	return true;
}

bool vcl_cmp_lookup(struct json_object *arr, const char *a, const char *b, double *ratio,
		    double *lo, double *hi, const char **verdict)
{
	*ratio = *lo = *hi = NAN;
	*verdict = NULL;
	if (arr == NULL || !json_object_is_type(arr, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *x, *y, *m;

		if (!json_object_object_get_ex(c, "a", &x) ||
		    !json_object_object_get_ex(c, "b", &y) ||
		    !json_object_object_get_ex(c, "metric", &m) ||
		    strcmp(json_object_get_string(m), "startup_ms.p50") != 0 ||
		    strcmp(json_object_get_string(x), a) != 0 ||
		    strcmp(json_object_get_string(y), b) != 0)
			continue;
		return vcl_cmp_entry(c, ratio, lo, hi, verdict);
	}
	return false;
}

bool vcl_cmp_find(struct json_object *root, const char *a, const char *b, double *ratio, double *lo,
		  double *hi, const char **verdict)
{
	struct json_object *arr = NULL;

	*ratio = *lo = *hi = NAN;
	*verdict = NULL;
	if (!json_object_object_get_ex(root, "comparisons", &arr)) {
		/* A file from before comparisons[] existed: compute them from its
		 * samples. The verdict is mapped to static text before the
		 * temporary array goes. */
		struct json_object *tmp = vcl_comparisons_build(root);
		bool found = vcl_cmp_lookup(tmp, a, b, ratio, lo, hi, verdict);

		if (found && *verdict != NULL)
			*verdict = strcmp(*verdict, vcl_cmp_verdict_name(VCL_CMP_SAME)) == 0
				       ? vcl_cmp_verdict_name(VCL_CMP_SAME)
				       : "";
		json_object_put(tmp);
		return found;
	}
	return vcl_cmp_lookup(arr, a, b, ratio, lo, hi, verdict);
}

static void fmt2(char *buf, size_t len, double v)
{
	/* Three significant figures, as ratios are read. */
	if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
}

void vcl_cmp_format(char *buf, size_t len, double ratio, double lo, double hi, const char *verdict,
		    bool ascii)
{
	char r[32], l[32], h[32];
	bool same = verdict != NULL && strcmp(verdict, vcl_cmp_verdict_name(VCL_CMP_SAME)) == 0;

	fmt2(r, sizeof(r), ratio);
	if (!isfinite(lo) || !isfinite(hi)) {
		snprintf(buf, len, "%s%s (no CI)", ascii ? "x" : "×", r);
		return;
	}
	fmt2(l, sizeof(l), lo);
	fmt2(h, sizeof(h), hi);
	snprintf(buf, len, "%s%s [%s%s%s]%s", ascii ? "x" : "×", r, l, ascii ? "-" : "–", h,
		 same ? " no measurable difference" : "");
}

/* SPDX-License-Identifier: MIT */
/*
 * Fleet advice: `vclab advise --results R1 --results R2 ...` on results from
 * several hosts. Each host class (results host.class) is judged by its own
 * numbers; where the classes agree one table says so, where they disagree
 * each class gets its table and vcl_advise_class_why() says which measured
 * facts made them differ (pure, tested on literal input).
 */
#include "advise/advise.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/results.h"

#define MAX_CLASSES 32

/* ---- why classes differ (pure) ---- */

static bool ci_apart(const struct vcl_meas_cmp *a, const struct vcl_meas_cmp *b)
{
	if (!a->present || !b->present || isnan(a->lo) || isnan(a->hi) || isnan(b->lo) ||
	    isnan(b->hi))
		return false;
	return a->hi < b->lo || b->hi < a->lo;
}

/* The accelerator: what no KVM does to vm's startup against bare. */
static size_t why_accel(FILE *out, const struct vcl_class_view *v, size_t n)
{
	size_t lines = 0;
	const struct vcl_class_view *kvm = NULL;

	for (size_t i = 0; i < n; i++)
		if (v[i].m != NULL && strcmp(v[i].m->accel, "kvm") == 0)
			kvm = &v[i];
	for (size_t i = 0; i < n; i++) {
		const struct vcl_meas_cmp *a;

		if (kvm == NULL || v[i].m == NULL || &v[i] == kvm ||
		    strcmp(v[i].m->accel, "kvm") == 0)
			continue;
		a = &v[i].m->cmp[VCL_VM];
		lines++;
		if (a->present && kvm->m->cmp[VCL_VM].present && kvm->m->cmp[VCL_VM].ratio > 0)
			fprintf(
			    out,
			    "  - no KVM on class %s (accelerator %s): vm starts x%.3g bare there "
			    "against x%.3g on class %s (kvm), so vm costs %.3g times more there\n",
			    v[i].name, v[i].m->accel, a->ratio, kvm->m->cmp[VCL_VM].ratio,
			    kvm->name, a->ratio / kvm->m->cmp[VCL_VM].ratio);
		else
			fprintf(out, "  - no KVM on class %s (accelerator %s), class %s has it\n",
				v[i].name, v[i].m->accel, kvm->name);
	}
	return lines;
}

/* Placements one class measured and another did not. */
static size_t why_measured(FILE *out, const struct vcl_class_view *v, size_t n)
{
	size_t lines = 0;

	for (int p = VCL_CTR; p < VCL_NPLACE; p++) {
		bool some = false;

		for (size_t i = 0; i < n; i++)
			some = some || v[i].m->b[p].has_startup;
		for (size_t i = 0; some && i < n; i++) {
			char why[400];

			if (v[i].m->b[p].has_startup)
				continue;
			vcl_advise_not_measured(v[i].m, (enum vcl_place)p, why, sizeof(why));
			fprintf(out, "  - class %s: %s, so it cannot be advised there\n", v[i].name,
				why);
			lines++;
		}
	}
	return lines;
}

/* Same-run ratios against bare whose CIs do not overlap, and memory
 * overheads apart by more than a quarter. */
static size_t why_costs(FILE *out, const struct vcl_class_view *v, size_t n)
{
	size_t lines = 0;

	for (int p = VCL_CTR; p < VCL_NPLACE; p++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				const struct vcl_meas_backend *a = &v[i].m->b[p],
							      *b = &v[j].m->b[p];
				double hi, lo;

				if (ci_apart(&v[i].m->cmp[p], &v[j].m->cmp[p])) {
					fprintf(out,
						"  - %s starts x%.3g bare on class %s, x%.3g on "
						"class %s (95%% CIs do not overlap)\n",
						vcl_place_name((enum vcl_place)p),
						v[i].m->cmp[p].ratio, v[i].name,
						v[j].m->cmp[p].ratio, v[j].name);
					lines++;
				}
				if (!a->has_overhead || !b->has_overhead)
					continue;
				hi = fmax(a->overhead_kib, b->overhead_kib);
				lo = fmin(a->overhead_kib, b->overhead_kib);
				if (hi > 1024 && hi > 1.25 * lo) {
					fprintf(
					    out,
					    "  - %s's memory overhead per instance: %.1f MiB on "
					    "class %s, %.1f MiB on class %s\n",
					    vcl_place_name((enum vcl_place)p),
					    a->overhead_kib / 1024, v[i].name,
					    b->overhead_kib / 1024, v[j].name);
					lines++;
				}
			}
	return lines;
}

/* One host fact across the classes: a line when not all alike. vals[i]
 * NULL: not recorded. */
static size_t why_fact(FILE *out, const struct vcl_class_view *v, size_t n, const char *what,
		       const char *const *vals)
{
	bool differ = false;

	for (size_t i = 1; i < n; i++)
		differ = differ || (vals[i] == NULL) != (vals[0] == NULL) ||
			 (vals[i] != NULL && vals[0] != NULL && strcmp(vals[i], vals[0]) != 0);
	if (!differ)
		return 0;
	fprintf(out, "  - %s:", what);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %s on %s", i > 0 ? "," : "",
			vals[i] != NULL ? vals[i] : "not recorded", v[i].name);
	fputc('\n', out);
	return 1;
}

static size_t why_facts(FILE *out, const struct vcl_class_view *v, size_t n)
{
	const char *cg[MAX_CLASSES] = {0}, *kern[MAX_CLASSES] = {0}, *cpus[MAX_CLASSES] = {0},
		   *mem[MAX_CLASSES] = {0};
	char nbuf[2][MAX_CLASSES][24];
	size_t lines;

	n = n > MAX_CLASSES ? MAX_CLASSES : n;
	for (size_t i = 0; i < n; i++) {
		cg[i] = v[i].cgroup;
		kern[i] = v[i].kernel;
		snprintf(nbuf[0][i], sizeof(nbuf[0][i]), "%ld", v[i].cpus);
		snprintf(nbuf[1][i], sizeof(nbuf[1][i]), "%ld", v[i].mem_mib);
		cpus[i] = v[i].cpus >= 0 ? nbuf[0][i] : NULL;
		mem[i] = v[i].mem_mib >= 0 ? nbuf[1][i] : NULL;
	}
	lines = why_fact(out, v, n, "cgroup mode", cg);
	lines += why_fact(out, v, n, "kernel", kern);
	lines += why_fact(out, v, n, "CPUs", cpus);
	lines += why_fact(out, v, n, "memory (MiB)", mem);
	return lines;
}

size_t vcl_advise_class_why(FILE *out, const struct vcl_class_view *v, size_t n)
{
	size_t lines;

	if (n < 2)
		return 0;
	lines = why_accel(out, v, n) + why_measured(out, v, n) + why_costs(out, v, n) +
		why_facts(out, v, n);
	if (lines == 0)
		fputs("  - no measured fact differs beyond noise: the costs lie close and tip "
		      "the other way (see each class's reasons)\n",
		      out);
	return lines;
}

/* ---- the verb on several results ---- */

struct judged {
	struct json_object *root;
	const char *path;
	struct vcl_class_view v;
	struct vcl_measured *m;
	/* The inputs, loaded once per class: deciding adds facts to the
	 * services (which measured service's numbers were used), and those
	 * are this class's. */
	struct vcl_advise_input in;
	struct vcl_decision *d;
};

struct fleet {
	struct judged c[MAX_CLASSES];
	size_t n;
	char *failed; /* "host (class c): why" lines */
	char *extra;  /* results of a class already judged */
};

static void fleet_free(struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		json_object_put(f->c[i].root);
		vcl_advise_input_free(&f->c[i].in);
		free(f->c[i].m);
		free(f->c[i].d);
	}
	free(f->failed);
	free(f->extra);
}

/* s (may be NULL) with a formatted line appended. */
static char *append(char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *append(char *s, const char *fmt, ...)
{
	char *line = NULL, *t = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&t, "%s%s", s != NULL ? s : "", line) < 0)
		abort();
	free(line);
	free(s);
	return t;
}

static const char *jstr(struct json_object *root, const char *path)
{
	struct json_object *o = vcl_json_path(root, path);

	return o != NULL && json_object_is_type(o, json_type_string) ? json_object_get_string(o)
								     : NULL;
}

static long jlong(struct json_object *root, const char *path)
{
	struct json_object *o = vcl_json_path(root, path);

	return o != NULL && json_object_is_type(o, json_type_int) ? (long)json_object_get_int64(o)
								  : -1;
}

/* Load one results file into its class (or the failed/extra lists). */
static int fleet_add(struct fleet *f, const char *path, struct vcl_error **err)
{
	struct json_object *root = NULL;
	const char *klass, *host, *why;
	struct judged *j;

	if (access(path, R_OK) != 0)
		return vcl_error_set(err, VCL_E_USAGE, errno, "Cannot read results %s", path);
	if (vcl_results_load(path, &root, err) < 0)
		return -1;
	host = jstr(root, "host.hostname");
	host = host != NULL ? host : path;
	klass = jstr(root, "host.class");
	klass = klass != NULL ? klass : host;
	why = jstr(root, "error");
	if (why != NULL) {
		f->failed = append(f->failed, "  no results from host %s (class %s): %s\n", host,
				   klass, why);
		json_object_put(root);
		return 0;
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->c[i].v.name != NULL && strcmp(f->c[i].v.name, klass) == 0) {
			f->extra = append(f->extra, "  class %s: judged by %s; %s not used\n",
					  klass, f->c[i].path, path);
			json_object_put(root);
			return 0;
		}
	if (f->n == MAX_CLASSES) {
		json_object_put(root);
		return vcl_usage(err, "More than %d host classes", MAX_CLASSES);
	}
	j = &f->c[f->n];
	j->m = malloc(sizeof(*j->m));
	if (j->m == NULL) {
		json_object_put(root);
		return vcl_fail(err, ENOMEM, "Advise");
	}
	f->n++;
	j->root = root;
	j->path = path;
	vcl_measured_from_json(root, path, j->m);
	j->v = (struct vcl_class_view){.name = klass,
				       .host = host,
				       .cgroup = jstr(root, "host.cgroup"),
				       .kernel = jstr(root, "host.kernel"),
				       .cpus = jlong(root, "host.cpus"),
				       .mem_mib = jlong(root, "host.mem_mib"),
				       .m = j->m};
	return 0;
}

/* Services the classes place differently, one line each, to out. */
static size_t disagreements(FILE *out, const struct fleet *f, const struct vcl_advise_input *in)
{
	size_t differ = 0;

	for (size_t s = 0; s < in->nsvc; s++) {
		const char *first = vcl_advise_text(&f->c[0].d[s]);
		bool same = true;

		for (size_t k = 1; k < f->n; k++)
			same = same && strcmp(vcl_advise_text(&f->c[k].d[s]), first) == 0;
		if (same)
			continue;
		differ++;
		if (out == NULL)
			continue;
		fprintf(out, "  %s:", in->svc[s].name);
		for (size_t k = 0; k < f->n; k++)
			fprintf(out, "%s %s on %s", k > 0 ? "," : "",
				vcl_advise_text(&f->c[k].d[s]), f->c[k].v.name);
		fputc('\n', out);
	}
	return differ;
}

static int render_text(FILE *out, struct fleet *f, const struct vcl_advise_input *in,
		       const struct vcl_advise_opts *o, struct vcl_error **err)
{
	size_t differ = disagreements(NULL, f, in);
	bool explain = o->flags & VCL_ADVISE_EXPLAIN;

	fprintf(out, "vclab advise: %zu host class%s:", f->n, f->n == 1 ? "" : "es");
	for (size_t k = 0; k < f->n; k++)
		fprintf(out, "%s %s (host %s, accelerator %s)", k > 0 ? "," : "", f->c[k].v.name,
			f->c[k].v.host, f->c[k].m->accel);
	fputc('\n', out);
	if (f->failed != NULL)
		fprintf(out, "%s", f->failed);
	if (f->extra != NULL)
		fprintf(out, "%s", f->extra);
	if (differ == 0) {
		fprintf(out,
			"All %zu classes give every service the same placement: one table, "
			"judged by class %s's results.\n\n",
			f->n, f->c[0].v.name);
		return vcl_advise_render_table(out, f->c[0].m, in, f->c[0].d, explain, err);
	}
	fprintf(out, "The classes disagree on %zu of %zu service%s:\n", differ, in->nsvc,
		in->nsvc == 1 ? "" : "s");
	disagreements(out, f, in);
	fputs("Why the classes differ:\n", out);
	{
		struct vcl_class_view v[MAX_CLASSES];

		for (size_t k = 0; k < f->n; k++)
			v[k] = f->c[k].v;
		vcl_advise_class_why(out, v, f->n);
	}
	for (size_t k = 0; k < f->n; k++) {
		fprintf(out, "\n== class %s ==\n", f->c[k].v.name);
		if (vcl_advise_render_table(out, f->c[k].m, &f->c[k].in, f->c[k].d, explain, err) <
		    0)
			return -1;
	}
	return 0;
}

/* One class's JSON advice, parsed back from the renderer's text. */
static struct json_object *class_json(const struct judged *j, bool explain, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json_object *o;
	int r;

	if (mem == NULL)
		return vcl_fail(err, errno, "Advise"), NULL;
	r = vcl_advise_render_json(mem, j->m, &j->in, j->d, explain, err);
	fclose(mem);
	if (r < 0)
		return NULL;
	o = json_tokener_parse(buf);
	if (o == NULL)
		vcl_fail(err, EINVAL, "Advise: the renderer's JSON does not parse");
	return o;
}

static int render_json(FILE *out, struct fleet *f, const struct vcl_advise_input *in,
		       const struct vcl_advise_opts *o, struct vcl_error **err)
{
	cleanup_json struct json_object *root = json_object_new_object();
	struct json_object *classes = json_object_new_array();
	cleanup_free char *why = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&why, &len);
	struct vcl_class_view v[MAX_CLASSES];

	if (mem == NULL)
		return vcl_fail(err, errno, "Advise");
	for (size_t k = 0; k < f->n; k++)
		v[k] = f->c[k].v;
	if (disagreements(NULL, f, in) > 0)
		vcl_advise_class_why(mem, v, f->n);
	fclose(mem);
	json_object_object_add(root, "schema", json_object_new_string("vclab.advice-classes/1"));
	json_object_object_add(root, "agree",
			       json_object_new_boolean(disagreements(NULL, f, in) == 0));
	json_object_object_add(root, "classes", classes);
	for (size_t k = 0; k < f->n; k++) {
		struct json_object *c = json_object_new_object();
		struct json_object *adv = class_json(&f->c[k], o->flags & VCL_ADVISE_EXPLAIN, err);

		if (adv == NULL) {
			json_object_put(c);
			return -1;
		}
		json_object_object_add(c, "class", json_object_new_string(f->c[k].v.name));
		json_object_object_add(c, "host", json_object_new_string(f->c[k].v.host));
		json_object_object_add(c, "advice", adv);
		json_object_array_add(classes, c);
	}
	json_object_object_add(root, "why", json_object_new_string(why != NULL ? why : ""));
	json_object_object_add(root, "failed",
			       json_object_new_string(f->failed != NULL ? f->failed : ""));
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

int vcl_advise_run_classes(const struct vcl_advise_opts *o, const char *const *results,
			   size_t nresults, FILE *out, FILE *diag, struct vcl_error **err)
{
	struct fleet f;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	if (o->ninputs == 0)
		return vcl_usage(err, "No INPUT given (service profiles or Kubernetes manifests)");
	if (o->emit != NULL)
		return vcl_usage(err, "--emit takes one --results: a kustomize overlay is for "
				      "one class");
	for (size_t i = 0; i < nresults; i++)
		if (fleet_add(&f, results[i], err) < 0)
			goto out;
	if (f.n == 0) {
		vcl_usage(err, "No host gave results: every --results file holds an error");
		if (diag != NULL && f.failed != NULL)
			fprintf(diag, "%s", f.failed);
		goto out;
	}
	for (size_t k = 0; k < f.n; k++) {
		struct vcl_advise_input *in = &f.c[k].in;

		/* The notes once: every class reads the same files. */
		if (vcl_advise_load_inputs(o, in, k == 0 ? diag : NULL, err) < 0)
			goto out;
		f.c[k].d = calloc(in->nsvc, sizeof(*f.c[k].d));
		if (f.c[k].d == NULL) {
			vcl_fail(err, ENOMEM, "Advise");
			goto out;
		}
		vcl_advise_decide_all(in, f.c[k].m, f.c[k].d);
	}
	ret = o->flags & VCL_ADVISE_JSON ? render_json(out, &f, &f.c[0].in, o, err)
					 : render_text(out, &f, &f.c[0].in, o, err);
out:
	fleet_free(&f);
	return ret;
}

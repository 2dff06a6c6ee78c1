/* SPDX-License-Identifier: MIT */
/* Exports of results.json: OpenMetrics, hyperfine JSON, tidy CSV (export.h). */
#include "report/export.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/compare.h"
#include "core/results.h"

const char *const vcl_export_format_names[] = {"openmetrics", "hyperfine", "csv", NULL};

int vcl_export_format_parse(const char *name, enum vcl_export_format *out)
{
	for (int i = 0; vcl_export_format_names[i] != NULL; i++)
		if (strcmp(name, vcl_export_format_names[i]) == 0) {
			*out = (enum vcl_export_format)i;
			return 0;
		}
	return -1;
}

/* ---- what is exported ------------------------------------------------------ */

#define DEFAULT_SERVICE "vclab-payload"

/* One run's labels. */
struct run {
	struct json_object *doc;
	const char *run_id, *host, *accelerator, *profile;
};

/* One placement or peer of one service of one run. */
struct entity {
	const struct run *run;
	const char *service;
	const char *placement;
	const char *kind; /* "backend" | "peer" */
	struct json_object *o;
};

struct model {
	struct run *runs;
	size_t nruns;
	struct entity *ents;
	size_t nents, cap;
};

static const char *str_at(struct json_object *root, const char *path, const char *dflt)
{
	struct json_object *o = vcl_json_path(root, path);

	return o != NULL && json_object_is_type(o, json_type_string) ? json_object_get_string(o)
								     : dflt;
}

static int add_entity(struct model *m, const struct entity *e)
{
	if (m->nents == m->cap) {
		size_t cap = m->cap != 0 ? 2 * m->cap : 16;
		struct entity *n = realloc(m->ents, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		m->ents = n;
		m->cap = cap;
	}
	m->ents[m->nents++] = *e;
	return 0;
}

/* backends.<b> and the peers that ran (skipped ones have no numbers). */
static int add_service(struct model *m, const struct run *r, const char *service,
		       struct json_object *svc)
{
	static const char *const groups[][2] = {{"backends", "backend"}, {"peers", "peer"}};

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		struct json_object *grp = NULL;

		if (!json_object_object_get_ex(svc, groups[g][0], &grp) ||
		    !json_object_is_type(grp, json_type_object))
			continue;
		json_object_object_foreach(grp, name, o)
		{
			struct json_object *skipped = NULL;
			struct entity e = {r, service, name, groups[g][1], o};

			if (!json_object_is_type(o, json_type_object))
				continue;
			if (json_object_object_get_ex(o, "skipped", &skipped) &&
			    json_object_get_boolean(skipped))
				continue;
			if (add_entity(m, &e) < 0)
				return -1;
		}
	}
	return 0;
}

static int model_build(struct model *m, struct json_object *const *docs, size_t n,
		       struct vcl_error **err)
{
	struct json_object *svcs = NULL;

	m->runs = calloc(n, sizeof(*m->runs));
	if (m->runs == NULL)
		return vcl_fail(err, ENOMEM, "Export");
	m->nruns = n;
	for (size_t i = 0; i < n; i++) {
		struct run *r = &m->runs[i];

		*r = (struct run){
		    docs[i], str_at(docs[i], "run_id", ""), str_at(docs[i], "host.hostname", ""),
		    str_at(docs[i], "host.accelerator", ""), str_at(docs[i], "config.profile", "")};
		if (json_object_object_get_ex(docs[i], "services", &svcs) &&
		    json_object_is_type(svcs, json_type_object)) {
			json_object_object_foreach(svcs, name, svc)
			{
				if (json_object_is_type(svc, json_type_object) &&
				    add_service(m, r, name, svc) < 0)
					return vcl_fail(err, ENOMEM, "Export");
			}
		} else if (add_service(m, r, DEFAULT_SERVICE, docs[i]) < 0) {
			return vcl_fail(err, ENOMEM, "Export");
		}
	}
	return 0;
}

static void model_free(struct model *m)
{
	free(m->runs);
	free(m->ents);
}

/*
 * The measured quantities, in the order they are written. Values are
 * converted to base units (ms -> s, KiB and MiB -> bytes).
 *   STATS      a stats object {n, p50, ..., mean, samples}
 *   PHASES     an object of stats objects, one per phase
 *   QUANTILES  {p50, p90, p99} without samples (steady-state latency)
 *   VALUE      one number
 */
enum shape { STATS, PHASES, QUANTILES, VALUE };

static const struct quantity {
	const char *scenario;
	const char *path;
	enum shape shape;
	double scale;
	const char *metric; /* CSV metric name */
	const char *unit;   /* CSV unit */
	const char *family; /* OpenMetrics family */
	const char *om_unit;
	const char *help;
} quantities[] = {
    {"startup", "startup_ms", STATS, 1e-3, "startup", "s", "vclab_startup_seconds", "seconds",
     "Startup: from just before the create call to the first good readiness answer, seen from "
     "the host"},
    {"startup", "phases_ms", PHASES, 1e-3, "phase", "s", "vclab_startup_phase_seconds", "seconds",
     "Startup phases: time from t0 to the end of each phase"},
    {"memory", "memory.overhead_kib", VALUE, 1024, "overhead", "bytes",
     "vclab_memory_overhead_bytes", "bytes",
     "Host memory one instance costs beyond the same service run bare"},
    {"memory", "memory.pss_kib", VALUE, 1024, "pss", "bytes", "vclab_memory_pss_bytes", "bytes",
     "PSS of all host processes of one instance"},
    {"memory", "memory.rss_kib", VALUE, 1024, "rss", "bytes", "vclab_memory_rss_bytes", "bytes",
     "RSS of all host processes of one instance"},
    {"memory", "memory.cgroup_kib", VALUE, 1024, "cgroup", "bytes", "vclab_memory_cgroup_bytes",
     "bytes", "cgroup memory charged to one instance, kernel memory included"},
    {"memory", "memory.memavail_drop_kib", VALUE, 1024, "memavail_drop", "bytes",
     "vclab_memory_available_drop_bytes", "bytes", "MemAvailable drop per instance"},
    {"density", "density.max_instances", VALUE, 1, "max_instances", "instances",
     "vclab_density_instances", NULL,
     "Instances that reached ready and stayed healthy under the memory budget"},
    {"density", "density.used_mib", VALUE, 1048576, "used", "bytes",
     "vclab_density_memory_used_bytes", "bytes", "Memory the instances used at density"},
    {"density", "density.scaleout_per_s", VALUE, 1, "scaleout_rate", "1/s",
     "vclab_density_scaleout_instances_per_second", NULL,
     "Scale-out rate of concurrent bursts, instances ready per second"},
    {"autoscale", "autoscale.reaction_ms", STATS, 1e-3, "reaction", "s",
     "vclab_autoscale_reaction_seconds", "seconds",
     "Autoscale: from load above the threshold to the new instance serving"},
    {"autoscale", "autoscale.detect_ms", STATS, 1e-3, "detect", "s",
     "vclab_autoscale_detect_seconds", "seconds",
     "Autoscale: from load above the threshold to its detection"},
    {"steady", "steady.rps", VALUE, 1, "rps", "1/s", "vclab_steady_requests_per_second", NULL,
     "Steady state: requests served per second"},
    {"steady", "steady.lat_ms", QUANTILES, 1e-3, "latency", "s", "vclab_steady_latency_seconds",
     "seconds", "Steady state: request latency"},
    {"steady", "steady.errors", VALUE, 1, "errors", "requests", "vclab_steady_errors", NULL,
     "Steady state: failed requests"},
};

/* The stats quantile keys and their OpenMetrics quantile label. */
static const char *const qkeys[][2] = {
    {"p50", "0.5"}, {"p90", "0.9"}, {"p95", "0.95"}, {"p99", "0.99"}};

static bool number(struct json_object *o, const char *key, double *out)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out);
}

static struct json_object *samples_of(struct json_object *st)
{
	struct json_object *s = NULL;

	return json_object_object_get_ex(st, "samples", &s) &&
		       json_object_is_type(s, json_type_array)
		   ? s
		   : NULL;
}

/* A number as text: shortest that keeps 15 digits, never "nan". */
static const char *fmt(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.15g", v);
	return buf;
}

/* ---- OpenMetrics ------------------------------------------------------------ */

/* A label value: backslash, double quote and newline escaped. */
static void om_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void om_label(FILE *f, const char *name, const char *value, bool *first)
{
	fprintf(f, "%s%s=\"", *first ? "" : ",", name);
	om_value(f, value);
	fputc('"', f);
	*first = false;
}

static void om_run_labels(FILE *f, const struct run *r, bool *first)
{
	om_label(f, "host", r->host, first);
	om_label(f, "accelerator", r->accelerator, first);
	om_label(f, "run_id", r->run_id, first);
	om_label(f, "profile", r->profile, first);
}

/* What a sandbox's figures depend on, as a VM's on its accelerator: its
 * platform (gvisor: ptrace, kvm, systrap) and its network mode (sandbox,
 * netstack; host, the host kernel's stack in the sandbox's namespace).
 * Labels of its samples, hyperfine parameters, CSV columns; other
 * placements have none. */
static const char *const sandbox_keys[] = {"platform", "network"};

/* name{run labels, service, placement, kind[, platform, network][, xname=xval][, quantile=q]} v */
static void om_sample(FILE *f, const char *name, const char *suffix, const struct entity *e,
		      const char *xname, const char *xval, const char *q, double v)
{
	char buf[64];
	bool first = true;

	fprintf(f, "%s%s{", name, suffix);
	om_run_labels(f, e->run, &first);
	om_label(f, "service", e->service, &first);
	om_label(f, "placement", e->placement, &first);
	om_label(f, "kind", e->kind, &first);
	for (size_t i = 0; i < ARRAY_SIZE(sandbox_keys); i++)
		if (str_at(e->o, sandbox_keys[i], NULL) != NULL)
			om_label(f, sandbox_keys[i], str_at(e->o, sandbox_keys[i], NULL), &first);
	if (xname != NULL)
		om_label(f, xname, xval, &first);
	if (q != NULL)
		om_label(f, "quantile", q, &first);
	fprintf(f, "} %s\n", fmt(v, buf, sizeof(buf)));
}

static void om_header(FILE *f, const char *name, const char *type, const char *unit,
		      const char *help)
{
	fprintf(f, "# TYPE %s %s\n", name, type);
	if (unit != NULL)
		fprintf(f, "# UNIT %s %s\n", name, unit);
	fprintf(f, "# HELP %s %s.\n", name, help);
}

/* A summary from a stats object: quantiles, and _sum/_count when it has a
 * count (the sum from the samples when present, else mean * n). */
static bool om_stats(FILE *f, const struct quantity *q, const struct entity *e, const char *xname,
		     const char *xval, struct json_object *st, bool dry)
{
	double v, n, mean;
	bool any = false;
	struct json_object *s = samples_of(st);

	for (size_t k = 0; k < ARRAY_SIZE(qkeys); k++) {
		if (!number(st, qkeys[k][0], &v))
			continue;
		if (!dry)
			om_sample(f, q->family, "", e, xname, xval, qkeys[k][1], v * q->scale);
		any = true;
	}
	if (!any || !number(st, "n", &n))
		return any;
	if (!dry) {
		double sum = 0;

		if (s != NULL && json_object_array_length(s) == (size_t)n) {
			for (size_t i = 0; i < json_object_array_length(s); i++)
				sum += json_object_get_double(json_object_array_get_idx(s, i));
		} else if (number(st, "mean", &mean)) {
			sum = mean * n;
		}
		om_sample(f, q->family, "_sum", e, xname, xval, NULL, sum * q->scale);
		om_sample(f, q->family, "_count", e, xname, xval, NULL, n);
	}
	return true;
}

/* One entity's samples of a quantity; dry: only say whether there are any. */
static bool om_entity(FILE *f, const struct quantity *q, const struct entity *e, bool dry)
{
	struct json_object *o = vcl_json_path(e->o, q->path);
	double v;
	bool any = false;

	if (o == NULL || json_object_is_type(o, json_type_null))
		return false;
	switch (q->shape) {
	case STATS:
	case QUANTILES:
		return json_object_is_type(o, json_type_object) &&
		       om_stats(f, q, e, NULL, NULL, o, dry);
	case PHASES:
		if (!json_object_is_type(o, json_type_object))
			return false;
		json_object_object_foreach(o, phase, st)
		{
			if (json_object_is_type(st, json_type_object))
				any |= om_stats(f, q, e, "phase", phase, st, dry);
		}
		return any;
	case VALUE:
		if (vcl_json_path_double(e->o, q->path, &v) < 0 || !isfinite(v))
			return false;
		if (!dry)
			om_sample(f, q->family, "", e, NULL, NULL, NULL, v * q->scale);
		return true;
	}
	return false;
}

static void om_runs(FILE *f, const struct model *m)
{
	char buf[64];

	om_header(f, "vclab_run_info", "gauge", NULL,
		  "One results file: its run, host and the vclab that measured it");
	for (size_t i = 0; i < m->nruns; i++) {
		const struct run *r = &m->runs[i];
		bool first = true;

		fputs("vclab_run_info{", f);
		om_run_labels(f, r, &first);
		om_label(f, "version", str_at(r->doc, "vclab_version", ""), &first);
		om_label(f, "complete",
			 json_object_get_boolean(vcl_json_path(r->doc, "complete")) ? "true"
										    : "false",
			 &first);
		fputs("} 1\n", f);
	}
	om_header(f, "vclab_run_finished_timestamp_seconds", "gauge", "seconds",
		  "When the run finished, Unix time");
	for (size_t i = 0; i < m->nruns; i++) {
		const struct run *r = &m->runs[i];
		struct tm tm = {0};
		const char *fin = str_at(r->doc, "finished", NULL);
		const char *end;
		bool first = true;

		if (fin == NULL || (end = strptime(fin, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
		    *end != 'Z')
			continue;
		fputs("vclab_run_finished_timestamp_seconds{", f);
		om_run_labels(f, r, &first);
		fprintf(f, "} %s\n", fmt((double)timegm(&tm), buf, sizeof(buf)));
	}
}

/* comparisons[] (recomputed from the samples for files without it): the
 * startup median ratio of each pairing and its 95% CI bounds. */
static void om_ratios(FILE *f, const struct model *m)
{
	bool header = false;
	char buf[64];

	for (size_t i = 0; i < m->nruns; i++) {
		const struct run *r = &m->runs[i];
		struct json_object *own = vcl_json_path(r->doc, "comparisons");
		struct json_object *built = NULL, *cmps;

		if (own == NULL || !json_object_is_type(own, json_type_array))
			own = built = vcl_comparisons_build(r->doc);
		cmps = own;
		for (size_t k = 0; cmps != NULL && k < json_object_array_length(cmps); k++) {
			struct json_object *c = json_object_array_get_idx(cmps, k);
			const char *est[] = {"ratio", "ci95.0", "ci95.1"};
			const char *name[] = {"point", "ci95_lower", "ci95_upper"};

			if (strcmp(str_at(c, "metric", ""), "startup_ms.p50") != 0)
				continue;
			for (size_t j = 0; j < ARRAY_SIZE(est); j++) {
				double v;
				bool first = true;

				if (vcl_json_path_double(c, est[j], &v) < 0 || !isfinite(v))
					continue;
				if (!header)
					om_header(f, "vclab_startup_median_ratio", "gauge", "ratio",
						  "Startup median of placement a over placement b, "
						  "with the bounds of its bootstrap 95% CI");
				header = true;
				fputs("vclab_startup_median_ratio{", f);
				om_run_labels(f, r, &first);
				om_label(f, "service", DEFAULT_SERVICE, &first);
				om_label(f, "a", str_at(c, "a", ""), &first);
				om_label(f, "b", str_at(c, "b", ""), &first);
				om_label(f, "verdict", str_at(c, "verdict", ""), &first);
				om_label(f, "estimate", name[j], &first);
				fprintf(f, "} %s\n", fmt(v, buf, sizeof(buf)));
			}
		}
		if (built != NULL)
			json_object_put(built);
	}
}

static void openmetrics(FILE *f, const struct model *m)
{
	om_runs(f, m);
	for (size_t k = 0; k < ARRAY_SIZE(quantities); k++) {
		const struct quantity *q = &quantities[k];
		bool any = false;

		for (size_t i = 0; i < m->nents && !any; i++)
			any = om_entity(f, q, &m->ents[i], true);
		if (!any)
			continue;
		om_header(f, q->family,
			  q->shape == STATS || q->shape == PHASES || q->shape == QUANTILES
			      ? "summary"
			      : "gauge",
			  q->om_unit, q->help);
		for (size_t i = 0; i < m->nents; i++)
			om_entity(f, q, &m->ents[i], false);
	}
	om_ratios(f, m);
	fputs("# EOF\n", f);
}

/* ---- hyperfine JSON -------------------------------------------------------------- */

static struct json_object *jnum(double v)
{
	char buf[64];

	return json_object_new_double_s(v, fmt(v, buf, sizeof(buf)));
}

/* "vclab-payload on ctr", "vclab-payload on runc (peer)"; with several
 * files the run id follows in brackets, so every command is unique. */
static char *command_name(const struct entity *e, size_t nruns)
{
	char *s = NULL;

	if (asprintf(&s, "%s on %s%s%s%s%s", e->service, e->placement,
		     strcmp(e->kind, "peer") == 0 ? " (peer)" : "", nruns > 1 ? " [" : "",
		     nruns > 1 ? e->run->run_id : "", nruns > 1 ? "]" : "") < 0)
		return NULL;
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One hyperfine result from the entity's startup samples; NULL without. */
static struct json_object *hf_result(const struct entity *e, size_t nruns, int *oom)
{
	struct json_object *st = vcl_json_path(e->o, "startup_ms");
	struct json_object *s = st != NULL ? samples_of(st) : NULL;
	size_t n = s != NULL ? json_object_array_length(s) : 0;
	cleanup_free double *t = NULL;
	cleanup_free char *cmd = NULL;
	struct json_object *r, *times, *codes, *params;
	double sum = 0, ss = 0, mean, median;

	if (n == 0)
		return NULL;
	t = calloc(n, sizeof(*t));
	cmd = command_name(e, nruns);
	if (t == NULL || cmd == NULL) {
		*oom = 1;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		t[i] = json_object_get_double(json_object_array_get_idx(s, i)) / 1e3;
		sum += t[i];
	}
	mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (t[i] - mean) * (t[i] - mean);
	r = json_object_new_object();
	times = json_object_new_array();
	codes = json_object_new_array();
	params = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		json_object_array_add(times, jnum(t[i]));
		json_object_array_add(codes, json_object_new_int(0));
	}
	/* hyperfine's stddev is the sample standard deviation (n - 1), null
	 * for a single run. */
	qsort(t, n, sizeof(*t), cmp_double);
	median = n % 2 != 0 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	json_object_object_add(r, "command", json_object_new_string(cmd));
	json_object_object_add(r, "mean", jnum(mean));
	json_object_object_add(r, "stddev", n > 1 ? jnum(sqrt(ss / (double)(n - 1))) : NULL);
	json_object_object_add(r, "median", jnum(median));
	json_object_object_add(r, "min", jnum(t[0]));
	json_object_object_add(r, "max", jnum(t[n - 1]));
	json_object_object_add(r, "times", times);
	/* Every sample is a good readiness answer: failed launches are errors
	 * of the run, not samples. */
	json_object_object_add(r, "exit_codes", codes);
	json_object_object_add(params, "service", json_object_new_string(e->service));
	json_object_object_add(params, "placement", json_object_new_string(e->placement));
	json_object_object_add(params, "kind", json_object_new_string(e->kind));
	for (size_t i = 0; i < ARRAY_SIZE(sandbox_keys); i++)
		if (str_at(e->o, sandbox_keys[i], NULL) != NULL)
			json_object_object_add(
			    params, sandbox_keys[i],
			    json_object_new_string(str_at(e->o, sandbox_keys[i], NULL)));
	json_object_object_add(params, "run_id", json_object_new_string(e->run->run_id));
	json_object_object_add(r, "parameters", params);
	return r;
}

static int hyperfine(FILE *f, const struct model *m, struct vcl_error **err)
{
	struct json_object *root = json_object_new_object();
	struct json_object *results = json_object_new_array();
	int oom = 0;

	json_object_object_add(root, "results", results);
	for (size_t i = 0; i < m->nents && !oom; i++) {
		struct json_object *r = hf_result(&m->ents[i], m->nruns, &oom);

		if (r != NULL)
			json_object_array_add(results, r);
	}
	if (oom || json_object_array_length(results) == 0) {
		json_object_put(root);
		return oom ? vcl_fail(err, ENOMEM, "Export")
			   : vcl_usage(err, "No startup samples to export as hyperfine JSON");
	}
	fprintf(f, "%s\n",
		json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

/* ---- CSV ---------------------------------------------------------------------------- */

/* RFC 4180: a field with a comma, quote or line break is quoted, its
 * quotes doubled. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void csv_row(FILE *f, const struct entity *e, const struct quantity *q, const char *metric,
		    size_t index, double v)
{
	char idx[32], buf[64];

	snprintf(idx, sizeof(idx), "%zu", index);
	csv_field(f, e->run->run_id, false);
	csv_field(f, e->run->host, false);
	csv_field(f, e->run->accelerator, false);
	csv_field(f, e->service, false);
	csv_field(f, e->placement, false);
	csv_field(f, e->kind, false);
	for (size_t i = 0; i < ARRAY_SIZE(sandbox_keys); i++)
		csv_field(f, str_at(e->o, sandbox_keys[i], ""), false);
	csv_field(f, q->scenario, false);
	csv_field(f, metric, false);
	csv_field(f, idx, false);
	csv_field(f, fmt(v * q->scale, buf, sizeof(buf)), false);
	csv_field(f, q->unit, true);
}

static void csv_samples(FILE *f, const struct entity *e, const struct quantity *q,
			const char *metric, struct json_object *st)
{
	struct json_object *s = samples_of(st);

	for (size_t i = 0; s != NULL && i < json_object_array_length(s); i++) {
		struct json_object *v = json_object_array_get_idx(s, i);

		if (json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int))
			csv_row(f, e, q, metric, i, json_object_get_double(v));
	}
}

static void csv(FILE *f, const struct model *m)
{
	fputs("run_id,host,accelerator,service,placement,kind,platform,network,scenario,metric,"
	      "sample_index,value,unit\n",
	      f);
	for (size_t i = 0; i < m->nents; i++) {
		const struct entity *e = &m->ents[i];

		for (size_t k = 0; k < ARRAY_SIZE(quantities); k++) {
			const struct quantity *q = &quantities[k];
			struct json_object *o = vcl_json_path(e->o, q->path);
			double v;

			if (o == NULL)
				continue;
			switch (q->shape) {
			case STATS:
				csv_samples(f, e, q, q->metric, o);
				break;
			case PHASES:
				if (!json_object_is_type(o, json_type_object))
					break;
				json_object_object_foreach(o, phase, st)
				{
					char metric[128];

					snprintf(metric, sizeof(metric), "%s_%s", q->metric, phase);
					csv_samples(f, e, q, metric, st);
				}
				break;
			case QUANTILES: /* no samples kept: nothing tidy to give */
				break;
			case VALUE:
				if (vcl_json_path_double(e->o, q->path, &v) == 0 && isfinite(v))
					csv_row(f, e, q, q->metric, 0, v);
				break;
			}
		}
	}
}

/* ---- entry ------------------------------------------------------------------------------- */

int vcl_export_write(FILE *f, enum vcl_export_format fmt_, struct json_object *const *docs,
		     size_t n, struct vcl_error **err)
{
	struct model m = {0};
	int r = 0;

	if (n == 0)
		return vcl_usage(err, "No results to export");
	if (model_build(&m, docs, n, err) < 0) {
		model_free(&m);
		return -1;
	}
	switch (fmt_) {
	case VCL_EXPORT_OPENMETRICS:
		openmetrics(f, &m);
		break;
	case VCL_EXPORT_HYPERFINE:
		r = hyperfine(f, &m, err);
		break;
	case VCL_EXPORT_CSV:
		csv(f, &m);
		break;
	}
	model_free(&m);
	if (r == 0 && (fflush(f) != 0 || ferror(f)))
		return vcl_fail(err, errno, "Write the export");
	return r;
}

/* SPDX-License-Identifier: MIT */
/*
 * The services section of the report (issue 14): a table across services
 * (startup p50 and memory overhead per placement per service), then one
 * section per service with its image, its figures per placement, what was
 * skipped and the errors recorded for it. Built from services.<name> of
 * results.json; the built-in payload, when a --services run lists it
 * (config.services), is the top level's backends/peers. Pure, like the
 * rest of the document model: markdown and HTML both render it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/compare.h"
#include "core/results.h"
#include "core/util.h"
#include "report/report_int.h"

#define PAYLOAD_SERVICE "vclab-payload"

/* The object holding service name's backends/peers in run r, or NULL. */
static struct json_object *service_obj(const struct vcl_report_run *run, const char *name)
{
	struct json_object *svcs = vcl_json_path(run->root, "services"), *o = NULL;

	if (strcmp(name, PAYLOAD_SERVICE) == 0 &&
	    (svcs == NULL || !json_object_object_get_ex(svcs, name, NULL)))
		return run->root;
	if (svcs == NULL || !json_object_is_type(svcs, json_type_object) ||
	    !json_object_object_get_ex(svcs, name, &o) || !json_object_is_type(o, json_type_object))
		return NULL;
	return o;
}

static bool listed(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Append s to the growing list v (n entries) unless already there. */
static const char **add_name(const char **v, size_t *n, const char *s)
{
	if (listed(v, *n, s))
		return v;
	v = vcl_rxrealloc(v, (*n + 2) * sizeof(*v));
	v[(*n)++] = s;
	v[*n] = NULL;
	return v;
}

/* Service names across runs: config.services' order first (a --services
 * run), then the other keys of services. NULL-terminated, borrowed
 * strings; free the array. */
static const char **service_names(const struct vcl_report_ctx *c, size_t *n)
{
	const char **v = vcl_rxrealloc(NULL, sizeof(*v));

	*n = 0;
	v[0] = NULL;
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *cfg = vcl_json_path(c->runs[r].root, "config.services");
		struct json_object *svcs = vcl_json_path(c->runs[r].root, "services");

		for (size_t i = 0; cfg != NULL && json_object_is_type(cfg, json_type_array) &&
				   i < json_object_array_length(cfg);
		     i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(cfg, i));

			if (s != NULL)
				v = add_name(v, n, s);
		}
		if (svcs == NULL || !json_object_is_type(svcs, json_type_object))
			continue;
		json_object_object_foreach(svcs, name, val)
		{
			(void)val;
			v = add_name(v, n, name);
		}
	}
	return v;
}

/* The placements (section "backends") or peers of the services, across
 * runs: in the registry's order (placements first, then peers), then any
 * other name as it comes. */
static const char **placement_names(const struct vcl_report_ctx *c, const char *const *svcs,
				    size_t nsvcs, const char *section, size_t *n)
{
	const char **all = vcl_rxrealloc(NULL, sizeof(*all)), **v;
	size_t nall = 0;

	all[0] = NULL;
	for (size_t r = 0; r < c->n; r++)
		for (size_t s = 0; s < nsvcs; s++) {
			struct json_object *g =
			    vcl_json_path(service_obj(&c->runs[r], svcs[s]), section);

			if (g == NULL || !json_object_is_type(g, json_type_object))
				continue;
			json_object_object_foreach(g, name, val)
			{
				(void)val;
				all = add_name(all, &nall, name);
			}
		}
	v = vcl_rxrealloc(NULL, sizeof(*v));
	*n = 0;
	v[0] = NULL;
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if (listed(all, nall, (*b)->name))
			v = add_name(v, n, (*b)->name);
	for (size_t i = 0; i < nall; i++)
		v = add_name(v, n, all[i]);
	free(all);
	return v;
}

static struct json_object *svc_entry(const struct vcl_report_run *run, const char *svc,
				     const char *section, const char *name)
{
	struct json_object *g = vcl_json_path(service_obj(run, svc), section), *o = NULL;

	if (g == NULL || !json_object_is_type(g, json_type_object) ||
	    !json_object_object_get_ex(g, name, &o) || !json_object_is_type(o, json_type_object))
		return NULL;
	return o;
}

/* The cross-service table: a row per service (and run), for every
 * placement its startup p50 (ms) and memory overhead against the same
 * service run bare (MiB). */
static void services_table(struct vcl_rdoc *d, const struct vcl_report_ctx *c,
			   const char *const *svcs, size_t nsvcs, const char *const *pl, size_t npl)
{
	const char **hdr = vcl_rxrealloc(NULL, (2 * npl + 2) * sizeof(*hdr));
	char **owned = vcl_rxrealloc(NULL, (2 * npl + 1) * sizeof(*owned));
	unsigned numeric = 0;
	struct tab t;

	hdr[0] = "service";
	for (size_t p = 0; p < npl; p++) {
		char lab[96];

		vcl_report_plabel(&c->runs[0], "backends", pl[p], lab, sizeof(lab));
		owned[2 * p] = vcl_rxasprintf("%s startup p50 (ms)", lab);
		owned[2 * p + 1] = vcl_rxasprintf("%s memory overhead (MiB)", lab);
		hdr[1 + 2 * p] = owned[2 * p];
		hdr[2 + 2 * p] = owned[2 * p + 1];
		numeric |= 3u << (1 + 2 * p);
	}
	hdr[1 + 2 * npl] = NULL;
	vcl_rtab_init(&t, c, numeric, hdr);
	for (size_t r = 0; r < c->n; r++)
		for (size_t s = 0; s < nsvcs; s++) {
			if (service_obj(&c->runs[r], svcs[s]) == NULL)
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_rtab_own(&t, vcl_rxasprintf("[%s](#service-%s)", svcs[s], svcs[s]));
			for (size_t p = 0; p < npl; p++) {
				struct json_object *e =
				    svc_entry(&c->runs[r], svcs[s], "backends", pl[p]);

				vcl_rtab_j(&t, e, "startup_ms.p50", 1);
				vcl_rtab_j(&t, e, "memory.overhead_kib", 1.0 / 1024);
			}
		}
	vcl_rdoc_table(d, &t);
	for (size_t p = 0; p < 2 * npl; p++)
		free(owned[p]);
	free(owned);
	free(hdr);
}

/* A --manifest workload: where it is, and why it was not measured. */
static void manifest_facts(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *svc)
{
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *o = service_obj(&c->runs[r], svc);
		const char *at = vcl_rjstr(vcl_json_path(o, "manifest"), "at");
		const char *why = vcl_rjstr(o, "reason");
		char *e;

		if (at == NULL && why == NULL)
			continue;
		if (at != NULL) {
			e = vcl_resc(at);
			vcl_rdoc_block(d, VCL_RB_PARA, "From the manifest at `%s`.", e);
			free(e);
		}
		if (why != NULL) {
			e = vcl_resc(why);
			vcl_rdoc_block(d, VCL_RB_PARA, "Not measured: %s", e);
			free(e);
		}
		return;
	}
}

static void image_facts(struct vcl_rdoc *d, struct json_object *img)
{
	struct vcl_rblock *l = NULL;
	struct json_object *ep = vcl_json_path(img, "entrypoint");
	double v;
	const char *s;

	if (img == NULL)
		return;
	if ((s = vcl_rjstr(img, "reference")) != NULL) {
		char *e = vcl_resc(s);

		vcl_rdoc_list_item(d, &l, "Reference: `%s`", e);
		free(e);
	}
	if ((s = vcl_rjstr(img, "digest")) != NULL && s[0] != '\0')
		vcl_rdoc_list_item(d, &l, "Digest: `%s`", s);
	if (vcl_rjnum(img, "size", &v) && v > 0)
		vcl_rdoc_list_item(d, &l, "Size: %.1f MiB (config and layers as stored)",
				   v / 1048576.0);
	if (ep != NULL && json_object_is_type(ep, json_type_array)) {
		char *cmd = vcl_rxstrdup("");

		for (size_t i = 0; i < json_object_array_length(ep); i++) {
			char *p = cmd,
			     *e =
				 vcl_resc(json_object_get_string(json_object_array_get_idx(ep, i)));

			cmd = vcl_rxasprintf("%s%s%s", p, i > 0 ? " " : "", e);
			free(p);
			free(e);
		}
		vcl_rdoc_list_item(d, &l, "Runs: `%s`", cmd);
		free(cmd);
	}
	if (vcl_rjnum(img, "port", &v))
		vcl_rdoc_list_item(d, &l, "Port: %.0f", v);
}

/* The per-placement figures of one service. */
static void service_figures(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *svc,
			    const char *const *pl, size_t npl, const char *const *pe, size_t npe)
{
	static const char *const hdr[] = {"placement",
					  "n",
					  "startup p50 (ms)",
					  "p90 (ms)",
					  "port accepts p50 (ms)",
					  "first good answer p50 (ms)",
					  "PSS (MiB)",
					  "processes",
					  "overhead vs bare (MiB)",
					  "steady rps",
					  "steady p99 (ms)",
					  NULL};
	struct vcl_rblock *skipped = NULL;
	struct tab t;

	vcl_rtab_init(&t, c, 0x7feu, hdr);
	for (size_t r = 0; r < c->n; r++)
		for (int g = 0; g < 2; g++) {
			const char *section = g == 0 ? "backends" : "peers";
			const char *const *names = g == 0 ? pl : pe;
			size_t nn = g == 0 ? npl : npe;

			for (size_t p = 0; p < nn; p++) {
				struct json_object *e =
				    svc_entry(&c->runs[r], svc, section, names[p]);
				const char *why = vcl_rjstr(e, "reason");
				char lab[96];

				if (e == NULL)
					continue;
				vcl_report_plabel(&c->runs[r], section, names[p], lab, sizeof(lab));
				if (why != NULL) {
					char *w = vcl_resc(why);

					vcl_rdoc_list_item(d, &skipped, "%s%s%s skipped: %s",
							   c->n > 1 ? c->runs[r].label : "",
							   c->n > 1 ? ": " : "", lab, w);
					free(w);
					continue;
				}
				vcl_rtab_row(&t, c, r);
				vcl_rtab_own(&t, vcl_rxasprintf("%s%s", g ? "peer " : "", lab));
				vcl_rtab_count(&t, e, "startup_ms.n");
				vcl_rtab_j(&t, e, "startup_ms.p50", 1);
				vcl_rtab_j(&t, e, "startup_ms.p90", 1);
				vcl_rtab_j(&t, e, "phases_ms.ready.p50", 1);
				vcl_rtab_j(&t, e, "phases_ms.first_200.p50", 1);
				vcl_rtab_j(&t, e, "memory.pss_kib", 1.0 / 1024);
				vcl_rtab_count(&t, e, "memory.processes");
				vcl_rtab_j(&t, e, "memory.overhead_kib", 1.0 / 1024);
				vcl_rtab_j(&t, e, "steady.rps", 1);
				vcl_rtab_j(&t, e, "steady.lat_ms.p99", 1);
			}
		}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No figures for this service.");
}

/* The service's same-run ratios (services.<name>.comparisons): each
 * placement against bare, against its peers, and gvisor against ctr and
 * runc, vm against gvisor, with their bootstrap 95% CIs. */
static void service_ratios(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *svc)
{
	static const char *const hdr[] = {"startup p50", "ratio [95% CI]", NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *so = service_obj(&c->runs[r], svc);
		struct json_object *arr = vcl_json_path(so, "comparisons"), *built = NULL;

		/* A file from before services had comparisons: from the samples. */
		if (arr == NULL && so != NULL && vcl_json_path(so, "backends") != NULL)
			arr = built = vcl_comparisons_build_in(so, c->runs[r].root);

		for (size_t i = 0; arr != NULL && json_object_is_type(arr, json_type_array) &&
				   i < json_object_array_length(arr);
		     i++) {
			struct json_object *cmp = json_object_array_get_idx(arr, i);
			const char *a = vcl_rjstr(cmp, "a"), *b = vcl_rjstr(cmp, "b"), *verdict;
			double ratio, lo, hi;
			char buf[96], la[96], lb[96];

			if (a == NULL || b == NULL ||
			    !vcl_cmp_entry(cmp, &ratio, &lo, &hi, &verdict))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", a, la, sizeof(la));
			vcl_report_plabel(&c->runs[r], "backends", b, lb, sizeof(lb));
			vcl_cmp_format(buf, sizeof(buf), ratio, lo, hi, verdict, false);
			vcl_rtab_row(&t, c, r);
			vcl_rtab_own(&t, vcl_rxasprintf("%s vs %s", la, lb));
			vcl_rtab_own(&t, vcl_resc(buf));
		}
		json_object_put(built);
	}
	if (vcl_rtab_rows(&t) > 1)
		vcl_rdoc_block(d, VCL_RB_PARA,
			       "Same-run startup ratios of %s (medians, bootstrap 95%% CI):", svc);
	vcl_rdoc_table(d, &t);
}

/* Errors recorded for one service (errors[].service). */
static void service_errors(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char *svc)
{
	static const char *const hdr[] = {"placement", "scenario", "message", NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *errs = vcl_json_path(c->runs[r].root, "errors");

		for (size_t i = 0; errs != NULL && json_object_is_type(errs, json_type_array) &&
				   i < json_object_array_length(errs);
		     i++) {
			struct json_object *e = json_object_array_get_idx(errs, i);
			const char *s = vcl_rjstr(e, "service");
			const char *b = vcl_rjstr(e, "backend"), *sc = vcl_rjstr(e, "scenario");
			const char *m = vcl_rjstr(e, "message");

			if (s == NULL || strcmp(s, svc) != 0)
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_rtab_own(&t, vcl_resc(b != NULL ? b : "—"));
			vcl_rtab_own(&t, vcl_resc(sc != NULL ? sc : "—"));
			vcl_rtab_own(&t, vcl_resc(m != NULL ? m : "—"));
		}
	}
	if (vcl_rtab_rows(&t) > 1)
		vcl_rdoc_block(d, VCL_RB_PARA, "Errors recorded for %s:", svc);
	vcl_rdoc_table(d, &t);
}

void vcl_rsec_services(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	size_t nsvcs = 0, npl = 0, npe = 0;
	const char **svcs = service_names(c, &nsvcs);
	const char **pl = NULL, **pe = NULL;

	if (nsvcs == 0) {
		free(svcs);
		return;
	}
	pl = placement_names(c, svcs, nsvcs, "backends", &npl);
	pe = placement_names(c, svcs, nsvcs, "peers", &npe);
	vcl_rdoc_heading(d, 2, "services", "Services");
	vcl_rdoc_block(d, VCL_RB_PARA,
		       "Each service measured in each placement. Startup is launch to the first "
		       "good answer of the service's readiness probe (an HTTP status, a TCP "
		       "connection, or a request/response such as redis `PING` → `+PONG`), the "
		       "same probe for every placement. Memory overhead is the footprint (PSS of "
		       "all the service's processes plus cgroup kernel memory) beyond the same "
		       "service run bare ([definition](%s#memory-overhead)).",
		       c->metrics_href);
	services_table(d, c, svcs, nsvcs, pl, npl);
	for (size_t s = 0; s < nsvcs; s++) {
		struct json_object *img = NULL;

		for (size_t r = 0; r < c->n && img == NULL; r++)
			img = vcl_json_path(service_obj(&c->runs[r], svcs[s]), "image");
		char *id = vcl_rxasprintf("service-%s", svcs[s]);

		vcl_rdoc_heading(d, 3, id, "Service %s", svcs[s]);
		free(id);
		if (strcmp(svcs[s], PAYLOAD_SERVICE) == 0 && img == NULL)
			vcl_rdoc_block(d, VCL_RB_PARA,
				       "The built-in payload (its figures are also the top-level "
				       "sections above).");
		manifest_facts(d, c, svcs[s]);
		image_facts(d, img);
		service_figures(d, c, svcs[s], pl, npl, pe, npe);
		service_ratios(d, c, svcs[s]);
		service_errors(d, c, svcs[s]);
	}
	free(pl);
	free(pe);
	free(svcs);
}

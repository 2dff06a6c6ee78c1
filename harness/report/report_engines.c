/* SPDX-License-Identifier: MIT */
/*
 * The engines section (issue 20): what a user gives up, or pays, by
 * starting the service with `podman run` or `docker run` instead of ctr or
 * plain runc. One table per measured service (the built-in payload, then
 * each services.<name>) with startup p50, the engine's create phase, the
 * ratios to ctr and to runc with bootstrap CIs (core/stats, the same
 * resampling as comparisons[]), and memory per instance with the engine's
 * per-container helper stated apart. The engine daemons (dockerd and
 * containerd; podman has none) are listed after it, never folded in.
 * Reads results only.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/compare.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

/* The entry of placement or peer name in a results group (the run's root,
 * or services.<name>). */
static struct json_object *entry_of(struct json_object *group, const char *section,
				    const char *name)
{
	struct json_object *s, *e;

	if (group == NULL || name == NULL || !json_object_object_get_ex(group, section, &s) ||
	    !json_object_object_get_ex(s, name, &e) || !json_object_is_type(e, json_type_object))
		return NULL;
	return e;
}

/* Does the group hold an engine peer (ops->engine), measured or skipped? */
static bool has_engine(struct json_object *group)
{
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if ((*b)->engine && entry_of(group, "peers", (*b)->name) != NULL)
			return true;
	return false;
}

/* What the engines are weighed against: the placement they are peers of
 * (ctr), and the plain runtime they run containers with (runc: the
 * engines' engine.runtime; in a group where none says, the first other
 * peer of that placement in the registry). */
struct engine_refs {
	const char *placement, *runtime;
};

static struct engine_refs engine_refs(struct json_object *group)
{
	struct engine_refs r = {NULL, NULL};

	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++) {
		if (!(*b)->engine)
			continue;
		if (r.placement == NULL)
			r.placement = (*b)->peer_of;
		if (r.runtime == NULL)
			r.runtime =
			    vcl_rjstr(entry_of(group, "peers", (*b)->name), "engine.runtime");
	}
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if (r.runtime == NULL && r.placement != NULL && !(*b)->engine &&
		    (*b)->peer_of != NULL && strcmp((*b)->peer_of, r.placement) == 0)
			r.runtime = (*b)->name;
	return r;
}

/* startup_ms.samples of an entry (malloc'd), 0 when none. */
static size_t samples(struct json_object *e, double **out)
{
	struct json_object *a = vcl_json_path(e, "startup_ms.samples");
	size_t n, k = 0;

	*out = NULL;
	if (a == NULL || !json_object_is_type(a, json_type_array) ||
	    (n = json_object_array_length(a)) == 0)
		return 0;
	*out = vcl_rxrealloc(NULL, n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int))
			(*out)[k++] = json_object_get_double(v);
	}
	return k;
}

/* "×8.3 [6.1–10.2]" of a over b, judged against the run's A/A floor; a
 * dash when either side has no samples. */
static void ratio_cell(struct tab *t, struct json_object *root, struct json_object *a,
		       struct json_object *b)
{
	double *x = NULL, *y = NULL, r = NAN, lo = NAN, hi = NAN, aa_lo = NAN, aa_hi = NAN;
	size_t nx = a != NULL ? samples(a, &x) : 0, ny = b != NULL ? samples(b, &y) : 0;
	char buf[96];

	if (a == b || nx == 0 || ny == 0) {
		vcl_rtab_add(t, "%s", a == b && nx > 0 ? "1" : "—");
	} else {
		(void)vcl_ratio_ci(x, nx, y, ny, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &r,
				   &lo, &hi);
		(void)vcl_rjnum(root, "calibration.aa.ci95.0", &aa_lo);
		(void)vcl_rjnum(root, "calibration.aa.ci95.1", &aa_hi);
		vcl_cmp_format(buf, sizeof(buf), r, lo, hi,
			       vcl_cmp_verdict_name(vcl_cmp_verdict_of(lo, hi, aa_lo, aa_hi)),
			       false);
		vcl_rtab_add(t, "%s", buf);
	}
	free(x);
	free(y);
}

static void engine_row(struct tab *t, const struct vcl_report_ctx *c, size_t r,
		       struct json_object *group, const struct engine_refs *refs,
		       const char *section, const char *name)
{
	struct json_object *root = c->runs[r].root;
	struct json_object *e = entry_of(group, section, name);
	struct json_object *ctr = entry_of(group, "backends", refs->placement);
	struct json_object *runc = entry_of(group, "peers", refs->runtime);
	bool skipped = false;

	if (e == NULL || (vcl_rjbool(e, "skipped", &skipped) && skipped) ||
	    vcl_json_path(e, "startup_ms") == NULL)
		return;
	vcl_rtab_row(t, c, r);
	vcl_rtab_add(t, "%s%s", name, strcmp(section, "peers") == 0 ? " (peer)" : "");
	vcl_rtab_j(t, e, "startup_ms.p50", 1);
	vcl_rtab_j(t, e, "phases_ms.create.p50", 1);
	ratio_cell(t, root, e, ctr);
	ratio_cell(t, root, e, runc);
	vcl_rtab_j(t, e, "memory.pss_kib", 1);
	vcl_rtab_j(t, e, "memory.helpers_pss_kib", 1);
	vcl_rtab_j(t, e, "memory.kmem_kib", 1);
}

/* After the table: skipped engines, the daemons, the adjustments. */
static void engine_notes(struct vcl_rdoc *d, struct json_object *group)
{
	struct vcl_rblock *lst = NULL;

	for (const struct vcl_backend_ops *const *it = vcl_backends; *it != NULL; it++) {
		const char *name = (*it)->name;
		struct json_object *e = (*it)->engine ? entry_of(group, "peers", name) : NULL;
		struct json_object *dm = vcl_json_path(e, "memory.daemons");
		struct json_object *adj = vcl_json_path(e, "adjustments");
		const char *helper = vcl_rjstr(e, "engine.helper");
		bool skipped = false;
		double a = 0, b = 0, g = 0;
		char n1[32], n2[32], n3[32];

		if (e == NULL)
			continue;
		if (vcl_rjbool(e, "skipped", &skipped) && skipped) {
			char *why = vcl_resc(vcl_rjstr(e, "reason") ? vcl_rjstr(e, "reason") : "?");

			vcl_rdoc_list_item(d, &lst, "**%s**: skipped — %s", name, why);
			free(why);
			continue;
		}
		if (helper != NULL && vcl_rjnum(e, "memory.helpers_pss_kib", &a))
			vcl_rdoc_list_item(d, &lst,
					   "**%s**: its per-container helper (%s) is %s KiB of the "
					   "PSS above",
					   name, helper, vcl_rnum(a, n1, sizeof(n1)));
		if (dm != NULL && vcl_rjnum(dm, "dockerd_pss_kib_during", &a) &&
		    vcl_rjnum(dm, "containerd_pss_kib_during", &b)) {
			bool growth = vcl_rjnum(dm, "growth_per_instance_kib", &g);

			vcl_rdoc_list_item(
			    d, &lst,
			    "**%s daemons, recorded apart (not in the figures above)**: dockerd "
			    "%s MiB and containerd %s MiB of PSS while the containers ran%s%s%s",
			    name, vcl_rnum(a / 1024, n1, sizeof(n1)),
			    vcl_rnum(b / 1024, n2, sizeof(n2)), growth ? ", growing by " : "",
			    growth ? vcl_rnum(g, n3, sizeof(n3)) : "",
			    growth ? " KiB per running container" : "");
		} else if ((*it)->daemons == NULL) {
			vcl_rdoc_list_item(d, &lst,
					   "**%s** has no daemon: between runs nothing of it "
					   "stays, and while a container runs only its %s, "
					   "counted above",
					   name, helper != NULL ? helper : "helper");
		}
		for (size_t k = 0; adj != NULL && json_object_is_type(adj, json_type_array) &&
				   k < json_object_array_length(adj);
		     k++) {
			struct json_object *o = json_object_array_get_idx(adj, k);
			char *why = vcl_resc(vcl_rjstr(o, "reason") ? vcl_rjstr(o, "reason") : "");

			vcl_rdoc_list_item(d, &lst, "**%s** adjustment: `%s` — %s", name,
					   vcl_rjstr(o, "option") ? vcl_rjstr(o, "option") : "?",
					   why);
			free(why);
		}
	}
}

static void engine_table(struct vcl_rdoc *d, const struct vcl_report_ctx *c, size_t r,
			 struct json_object *group)
{
	struct engine_refs refs = engine_refs(group);
	char x_placement[64], x_runtime[64];
	const char *hdr[] = {
	    "placement", "startup p50 (ms)",	   "create p50 (ms)",	    x_placement,
	    x_runtime,	 "PSS incl. helper (KiB)", "of which helper (KiB)", "cgroup kernel (KiB)",
	    NULL};
	struct tab t;

	snprintf(x_placement, sizeof(x_placement), "× %s [95%% CI]",
		 refs.placement != NULL ? refs.placement : "?");
	snprintf(x_runtime, sizeof(x_runtime), "× %s [95%% CI]",
		 refs.runtime != NULL ? refs.runtime : "?");
	vcl_rtab_init(&t, c, 0xe6u, hdr);
	engine_row(&t, c, r, group, &refs, "backends", refs.placement);
	engine_row(&t, c, r, group, &refs, "peers", refs.runtime);
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if ((*b)->engine)
			engine_row(&t, c, r, group, &refs, "peers", (*b)->name);
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No engine was measured here.");
	engine_notes(d, group);
}

void vcl_rsec_engines(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	bool any = false;

	for (size_t r = 0; r < c->n && !any; r++) {
		struct json_object *svcs = vcl_json_path(c->runs[r].root, "services");

		any = has_engine(c->runs[r].root);
		if (svcs != NULL && json_object_is_type(svcs, json_type_object)) {
			json_object_object_foreach(svcs, name, g)
			{
				(void)name;
				any = any || has_engine(g);
			}
		}
	}
	if (!any)
		return;
	vcl_rdoc_heading(d, 2, "engines", "Engines: podman and docker beside ctr and runc");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "What a full engine costs over ctr and plain runc on the same image, limits, "
	    "seccomp filter and network arrangement. Startup is `run -d` to the first good "
	    "answer; create is the engine's CLI returning. Ratios are of startup medians with "
	    "95%% bootstrap CIs. PSS includes the engine's per-container helper (conmon, "
	    "containerd-shim), stated apart; the engine daemons are listed below the table, "
	    "not in it ([definition](%s#engines)).",
	    c->metrics_href);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		struct json_object *svcs = vcl_json_path(root, "services");

		if (has_engine(root)) {
			vcl_rdoc_heading(d, 3, NULL, "Built-in payload%s%s", c->n > 1 ? " — " : "",
					 c->n > 1 ? c->runs[r].label : "");
			engine_table(d, c, r, root);
		}
		if (svcs == NULL || !json_object_is_type(svcs, json_type_object))
			continue;
		json_object_object_foreach(svcs, name, g)
		{
			char *ref;

			if (!has_engine(g))
				continue;
			ref = vcl_resc(vcl_rjstr(g, "image.reference")
					   ? vcl_rjstr(g, "image.reference")
					   : name);
			vcl_rdoc_heading(d, 3, NULL, "Service %s (%s)%s%s", name, ref,
					 c->n > 1 ? " — " : "", c->n > 1 ? c->runs[r].label : "");
			free(ref);
			engine_table(d, c, r, g);
		}
	}
}

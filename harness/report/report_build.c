/* SPDX-License-Identifier: MIT */
/*
 * vclab report: the side-by-side comparison of runs, the closing sections
 * (errors, advisor, definitions), and vcl_report_build(), which puts every
 * section in document order (pure).
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

static void cmp_cell(struct tab *t, bool have, double v, bool count)
{
	if (have && count)
		vcl_rtab_add(t, "%.0f", v);
	else
		vcl_rtab_num(t, have, v);
}

/* Side by side: each metric of each placement, later runs against the first. */
static void sec_compare(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const struct {
		const char *section, *path, *name;
		double scale; /* 0: a count, shown whole */
	} metrics[] = {
	    {"backends", "startup_ms.p50", "startup p50 (ms)", 1},
	    {"backends", "startup_ms.p99", "startup p99 (ms)", 1},
	    {"backends", "phases_ms.create.p50", "create call p50 (ms)", 1},
	    {"backends", "phases_ms.ready.p50", "READY line p50 (ms)", 1},
	    {"peers", "startup_ms.p50", "startup p50 (ms)", 1},
	    {"backends", "memory.pss_kib", "PSS per instance (MiB)", 1.0 / 1024},
	    {"backends", "memory.overhead_kib", "overhead per instance (MiB)", 1.0 / 1024},
	    {"backends", "memory.memavail_drop_kib", "MemAvailable drop per instance (MiB)",
	     1.0 / 1024},
	    {"backends", "density.max_instances", "max instances", 0},
	    {"backends", "density.scaleout_per_s", "scale-out (instances/s)", 1},
	    {"backends", "autoscale.reaction_ms.p50", "autoscale reaction p50 (ms)", 1},
	    {"backends", "steady.rps", "throughput (req/s)", 1},
	    {"backends", "steady.lat_ms.p50", "latency p50 (ms)", 1},
	    {"backends", "steady.lat_ms.p99", "latency p99 (ms)", 1},
	};
	struct tab t;

	vcl_rdoc_heading(d, 2, "comparison", "Comparison");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Every run against the first (%s): Δ is the later run minus the first, × the later "
	    "run divided by the first. Runs from different hosts or accelerators are compared "
	    "only with the warnings above in mind.",
	    c->runs[0].label);
	memset(&t, 0, sizeof(t));
	vcl_rtab_add(&t, "placement");
	vcl_rtab_add(&t, "metric");
	for (size_t r = 0; r < c->n; r++) {
		const char *a = vcl_report_vm_accel(&c->runs[r]);
		char acc[16];
		char *e = vcl_resc(c->runs[r].label);

		vcl_rupper(a != NULL ? a : "?", acc, sizeof(acc));
		vcl_rtab_add(&t, "%s (VMs: %s)", e, acc);
		if (r > 0) {
			vcl_rtab_add(&t, "Δ %s", e);
			vcl_rtab_add(&t, "× %s", e);
		}
		free(e);
	}
	t.cols = t.n;
	t.numeric = ~0u << 2;
	for (size_t s = 0; s < 2; s++) {
		const char *section = s == 0 ? "backends" : "peers";
		const char **names = vcl_report_names(c->runs, c->n, section);

		for (size_t i = 0; names[i] != NULL; i++) {
			for (size_t m = 0; m < ARRAY_SIZE(metrics); m++) {
				double v0 = 0, v;
				bool h0, any = false;

				if (strcmp(metrics[m].section, section) != 0)
					continue;
				for (size_t r = 0; r < c->n; r++)
					any = any ||
					      vcl_rjnum(vcl_rentry(&c->runs[r], section, names[i]),
							metrics[m].path, &v);
				if (!any)
					continue;
				vcl_rtab_own(&t, vcl_resc(names[i]));
				vcl_rtab_add(&t, "%s", metrics[m].name);
				h0 = vcl_rjnum(vcl_rentry(&c->runs[0], section, names[i]),
					       metrics[m].path, &v0);
				if (metrics[m].scale != 0)
					v0 *= metrics[m].scale;
				cmp_cell(&t, h0, v0, metrics[m].scale == 0);
				for (size_t r = 1; r < c->n; r++) {
					bool h =
					    vcl_rjnum(vcl_rentry(&c->runs[r], section, names[i]),
						      metrics[m].path, &v);
					char b[32];

					if (metrics[m].scale != 0)
						v *= metrics[m].scale;
					cmp_cell(&t, h, v, metrics[m].scale == 0);
					if (h && h0)
						vcl_rtab_add(&t, "%s%s", v - v0 >= 0 ? "+" : "",
							     vcl_rnum(v - v0, b, sizeof(b)));
					else
						vcl_rtab_add(&t, "—");
					if (h && h0 && v0 != 0)
						vcl_rtab_add(&t, "×%s",
							     vcl_rnum(v / v0, b, sizeof(b)));
					else
						vcl_rtab_add(&t, "—");
				}
			}
		}
		free(names);
	}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "The runs share no metric to compare.");
}

static void sec_errors(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement", "scenario", "kind", "message", NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *errs = vcl_json_path(c->runs[r].root, "errors");

		for (size_t i = 0; errs != NULL && json_object_is_type(errs, json_type_array) &&
				   i < json_object_array_length(errs);
		     i++) {
			struct json_object *e = json_object_array_get_idx(errs, i);
			static const char *const keys[] = {"backend", "scenario", "kind",
							   "message"};

			vcl_rtab_row(&t, c, r);
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
				const char *s = vcl_rjstr(e, keys[k]);

				vcl_rtab_own(&t, vcl_resc(s != NULL ? s : "—"));
			}
		}
	}
	vcl_rdoc_heading(d, 2, "errors", "Errors recorded");
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "None: every scenario that was asked for finished.");
}

static void sec_advisor(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	vcl_rdoc_heading(d, 2, "advisor", "Advisor summary");
	for (size_t r = 0; r < c->n; r++) {
		if (c->n > 1)
			vcl_rdoc_heading(d, 3, "", "Run %s", c->runs[r].label);
		if (c->advisor_md != NULL && c->advisor_md[r] != NULL)
			vcl_rdoc_block(d, VCL_RB_MARKDOWN, "%s", c->advisor_md[r]);
		else
			vcl_rdoc_block(d, VCL_RB_PARA, "%s",
				       c->advisor_note != NULL
					   ? c->advisor_note
					   : "The advisor was not built into this vclab, "
					     "so there is no placement advice here.");
	}
}

static void sec_definitions(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	struct vcl_rblock *l = NULL;
	const char *h = c->metrics_href;

	vcl_rdoc_heading(d, 2, "definitions", "Definitions");
	vcl_rdoc_block(d, VCL_RB_PARA, "Short forms; the full text is in [docs/metrics.md](%s).",
		       h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Startup** ([more](%s#startup)): t0 just before the create call "
	    "(virDomainCreateXML, clone, fork) to the first `200` from `GET /healthz`, seen "
	    "from the host. Phases from the same t0: the create call returned; the payload's "
	    "READY line was seen; the first 200.",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Memory overhead** ([more](%s#memory-overhead)): host memory one idle instance "
	    "costs beyond the same payload run bare — PSS of all its host processes (plus "
	    "cgroup kernel memory) and, at density, the drop in MemAvailable per instance. "
	    "Both are reported.",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Density** ([more](%s#density)): instances that reach ready and stay healthy "
	    "under a memory budget. **Scale-out rate**: instances per second for a burst of k "
	    "instances to all be ready.",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Autoscale reaction** ([more](%s#autoscale-reaction)): from the instance's CPU "
	    "use crossing the threshold to the first 200 of the instance launched in "
	    "response; *detect* is the time from load start to the crossing.",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Steady state** ([more](%s#steady-state)): latency percentiles and throughput "
	    "of the same `/work` request against each placement: closed-loop at a fixed "
	    "concurrency (peak throughput), and open-loop at a fixed rate with latency from "
	    "the intended send time.",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Statistics** ([more](%s#statistics)): n samples in launch order; percentiles "
	    "by linear interpolation (type 7); CV = standard deviation / mean; 95%% CI is a "
	    "percentile bootstrap of the median (2000 resamples, fixed seed).",
	    h);
	vcl_rdoc_list_item(
	    d, &l,
	    "**Accelerator** ([more](%s#accelerator)): KVM is hardware virtualisation; TCG "
	    "is QEMU's software emulation, used when KVM is not usable. A TCG number is never "
	    "a KVM number.",
	    h);
}

void vcl_report_build(const struct vcl_report_ctx *c, struct vcl_rdoc *d, char ***warnings)
{
	size_t nw = 0;

	memset(d, 0, sizeof(*d));
	*warnings = vcl_rxrealloc(NULL, sizeof(char *));
	(*warnings)[0] = NULL;
	if (c->n == 1) {
		d->title = vcl_rxasprintf("vclab report — run %s", c->runs[0].label);
	} else {
		char *t = vcl_rxstrdup("vclab comparison —");

		for (size_t r = 0; r < c->n; r++) {
			char *p = t;

			t = vcl_rxasprintf("%s%s %s", p, r > 0 ? " vs" : "", c->runs[r].label);
			free(p);
		}
		d->title = t;
	}
	vcl_rdoc_heading(d, 1, "top", "%s", d->title);
	vcl_rsec_header(d, c);
	vcl_rsec_host(d, c, warnings, &nw);
	vcl_rsec_classes(d, c);
	if (c->n > 1)
		sec_compare(d, c);
	vcl_rsec_startup(d, c);
	vcl_rsec_memory(d, c);
	vcl_rsec_engines(d, c);
	vcl_rsec_density(d, c);
	vcl_rsec_autoscale(d, c);
	vcl_rsec_steady(d, c);
	vcl_rsec_resources(d, c);
	vcl_rsec_isolation(d, c);
	vcl_rsec_services(d, c);
	sec_errors(d, c);
	sec_advisor(d, c);
	sec_definitions(d, c);
}

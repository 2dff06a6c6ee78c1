/* SPDX-License-Identifier: MIT */
/*
 * vclab report: one section per scenario (pure): startup, memory, density,
 * autoscale and steady state, each a table per run plus its figures.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/compare.h"
#include "core/results.h"
#include "core/util.h"

/* ---- scenario sections ---- */

static void startup_row(struct tab *t, const struct vcl_report_ctx *c, size_t r,
			const char *section, const char *name, struct json_object *st,
			const char *ref_name, struct json_object *ref_st)
{
	char lab[128], b1[32], b2[32];
	double v, lo, hi, ref;

	vcl_rtab_row(t, c, r);
	vcl_report_plabel(&c->runs[r], section, name, lab, sizeof(lab));
	if (strcmp(section, "peers") == 0) {
		const char *fam = vcl_rjstr(vcl_rentry(&c->runs[r], section, name), "family");
		char *e = vcl_resc(lab), *f = vcl_resc(fam != NULL ? fam : "?");

		vcl_rtab_add(t, "%s (peer of %s)", e, f);
		free(e);
		free(f);
	} else {
		vcl_rtab_own(t, vcl_resc(lab));
	}
	vcl_rtab_count(t, st, "n");
	vcl_rtab_j(t, st, "p50", 1);
	vcl_rtab_j(t, st, "p90", 1);
	vcl_rtab_j(t, st, "p99", 1);
	if (vcl_rjnum(st, "min", &lo) && vcl_rjnum(st, "max", &hi))
		vcl_rtab_add(t, "%s–%s", vcl_rnum(lo, b1, sizeof(b1)),
			     vcl_rnum(hi, b2, sizeof(b2)));
	else
		vcl_rtab_add(t, "—");
	vcl_rtab_j(t, st, "cv", 1);
	if (vcl_rjnum(st, "ci95.0", &lo) && vcl_rjnum(st, "ci95.1", &hi))
		vcl_rtab_add(t, "%s–%s", vcl_rnum(lo, b1, sizeof(b1)),
			     vcl_rnum(hi, b2, sizeof(b2)));
	else
		vcl_rtab_add(t, "—");
	if (ref_st != NULL && st != ref_st && vcl_rjnum(st, "p50", &v) &&
	    vcl_rjnum(ref_st, "p50", &ref) && ref > 0) {
		char *e = vcl_resc(ref_name), cmp[128];
		double ratio;
		const char *verdict;

		/* The run's own comparison carries the bootstrap CI. */
		bool found =
		    vcl_cmp_find(c->runs[r].root, name, ref_name, &ratio, &lo, &hi, &verdict);

		if (!found &&
		    vcl_cmp_find(c->runs[r].root, ref_name, name, &ratio, &lo, &hi, &verdict)) {
			/* Stored as placement/peer: this row reads peer/placement. */
			double l = lo;

			found = true;
			ratio = 1 / ratio;
			lo = 1 / hi;
			hi = 1 / l;
		}
		if (found) {
			vcl_cmp_format(cmp, sizeof(cmp), ratio, lo, hi, verdict, false);
			vcl_rtab_add(t, "%s vs %s", cmp, e);
		} else {
			vcl_rtab_add(t, "×%s vs %s (no CI)", vcl_rnum(v / ref, b1, sizeof(b1)), e);
		}
		free(e);
	} else {
		vcl_rtab_add(t, "—");
	}
}

/* The page-cache state every run's startup was measured with
 * (config.cache): "cold", "warm", "mixed", or NULL where no run recorded it
 * (results from before --cache: a warm cache, but not stated). */
static const char *startup_cache(const struct vcl_report_ctx *c)
{
	const char *all = NULL;

	for (size_t r = 0; r < c->n; r++) {
		const char *s = vcl_rjstr(c->runs[r].root, "config.cache");

		if (s == NULL)
			continue;
		if (all != NULL && strcmp(all, s) != 0)
			return "mixed";
		all = s;
	}
	return all;
}

/* What the ratios can resolve: the A/A floor and what readiness costs. */
static void startup_calibration(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *root = c->runs[r].root;
		double v, lo, hi, floor_p50, seed;
		char aa[128] = "", b1[32];

		if (vcl_json_path_double(root, "calibration.aa.ratio", &v) < 0)
			continue;
		if (vcl_json_path_double(root, "calibration.aa.ci95.0", &lo) < 0 ||
		    vcl_json_path_double(root, "calibration.aa.ci95.1", &hi) < 0)
			lo = hi = NAN;
		vcl_cmp_format(aa, sizeof(aa), v, lo, hi, NULL, false);
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Calibration%s%s: bare against bare in the same rounds (A/A) gave %s, the "
		    "noise "
		    "floor of every ratio above; a ratio whose CI holds 1 or lies inside it reads "
		    "\"no measurable difference\". Readiness detection itself (the first 200 from "
		    "an "
		    "instance already listening) took %s ms (p50). Launch order shuffled per round "
		    "(seed %.0f).",
		    c->n > 1 ? " of " : "", c->n > 1 ? c->runs[r].label : "", aa,
		    vcl_json_path_double(root, "calibration.probe_floor_ms.p50", &floor_p50) == 0
			? vcl_rnum(floor_p50, b1, sizeof(b1))
			: "—",
		    vcl_json_path_double(root, "order.seed", &seed) == 0 ? seed : NAN);
	}
}

/* The heading and what the figures mean (the page cache they ran with). */
static void startup_intro(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	const char *cache = startup_cache(c);

	if (cache == NULL)
		vcl_rdoc_heading(d, 2, "startup", "Startup");
	else if (strcmp(cache, "mixed") == 0)
		vcl_rdoc_heading(d, 2, "startup", "Startup (cold and warm page cache runs mixed)");
	else
		vcl_rdoc_heading(d, 2, "startup", "Startup (%s page cache)", cache);
	if (cache != NULL)
		vcl_rdoc_block(
		    d, VCL_RB_PARA, "%s ([definition](%s#cold-and-warm)).",
		    strcmp(cache, "cold") == 0
			? "Cold: the page cache (guest image, payload binary, libraries) "
			  "was dropped before each measured launch, outside the timed "
			  "window"
		    : strcmp(cache, "warm") == 0
			? "Warm: the page cache was left as the previous launch left it"
			: "The runs compared here differ in their page cache: compare "
			  "their figures with care",
		    c->metrics_href);
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Time from t0, just before the create call, to the first `200` from `GET /healthz`, "
	    "seen from the host ([definition](%s#startup)). Ratios compare medians of the same "
	    "run: placements against bare, peers against the placement of their family.",
	    c->metrics_href);
}

/* When entry e (placement or peer name of run r) was skipped, add
 * "name: skipped — reason" to the list and return true. */
static bool skipped_item(const struct vcl_report_ctx *c, size_t r, const char *name,
			 struct json_object *e, char ***list, size_t *n)
{
	const char *why = vcl_rjstr(e, "reason");
	bool skip = false;
	char *en, *w;

	if (!vcl_rjbool(e, "skipped", &skip) || !skip)
		return false;
	en = vcl_resc(name);
	w = vcl_resc(why != NULL ? why : "no reason given");
	*list = vcl_rxrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = vcl_rxasprintf("%s%s%s: skipped — %s", en, c->n > 1 ? " in " : "",
					 c->n > 1 ? c->runs[r].label : "", w);
	free(en);
	free(w);
	return true;
}

/* The startup table: placements against bare, peers against their
 * placement; then the placements and peers that did not run. */
static void startup_table(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk,
			  const char **pe)
{
	static const char *const hdr[] = {
	    "placement",    "n",  "p50 (ms)",		"p90 (ms)",	 "p99 (ms)",
	    "min–max (ms)", "CV", "95% CI of p50 (ms)", "ratio of p50s", NULL};
	char **skipped = NULL;
	size_t nskipped = 0;
	struct tab t;
	bool any;

	vcl_rtab_init(&t, c, 0x1feu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		const char *base = vcl_backends_baseline();
		struct json_object *bare =
		    vcl_json_path(vcl_rentry(&c->runs[r], "backends", base), "startup_ms");

		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *b = vcl_rentry(&c->runs[r], "backends", bk[i]);
			struct json_object *st = vcl_json_path(b, "startup_ms");

			if (skipped_item(c, r, bk[i], b, &skipped, &nskipped))
				continue;
			if (st != NULL && json_object_is_type(st, json_type_object))
				startup_row(&t, c, r, "backends", bk[i], st, base, bare);
		}
		for (size_t i = 0; pe[i] != NULL; i++) {
			struct json_object *p = vcl_rentry(&c->runs[r], "peers", pe[i]);
			struct json_object *st = vcl_json_path(p, "startup_ms");
			const char *fam = vcl_rjstr(p, "family");

			if (skipped_item(c, r, pe[i], p, &skipped, &nskipped))
				continue;
			if (st == NULL || !json_object_is_type(st, json_type_object))
				continue;
			startup_row(&t, c, r, "peers", pe[i], st, fam != NULL ? fam : "?",
				    fam != NULL
					? vcl_json_path(vcl_rentry(&c->runs[r], "backends", fam),
							"startup_ms")
					: NULL);
		}
	}
	any = vcl_rdoc_table(d, &t);
	if (nskipped > 0) {
		struct vcl_rblock *lst = NULL;

		vcl_rdoc_block(d, VCL_RB_PARA, "Placements and peers that did not run:");
		for (size_t i = 0; i < nskipped; i++) {
			vcl_rdoc_list_item(d, &lst, "%s", skipped[i]);
			free(skipped[i]);
		}
	}
	free(skipped);
	if (!any)
		vcl_rdoc_block(d, VCL_RB_PARA, "No startup results in %s.",
			       c->n > 1 ? "these runs" : "this run");
}

/* Launches that failed and are not in the statistics. */
static void startup_failures(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	for (size_t r = 0; r < c->n; r++) {
		for (size_t s = 0; s < 2; s++) {
			const char *section = s == 0 ? "backends" : "peers";
			const char **names = vcl_report_names(&c->runs[r], 1, section);

			for (size_t i = 0; names[i] != NULL; i++) {
				double f;
				char lab[128];

				if (!vcl_rjnum(vcl_rentry(&c->runs[r], section, names[i]),
					       "startup_failures", &f) ||
				    f <= 0)
					continue;
				vcl_report_plabel(&c->runs[r], section, names[i], lab, sizeof(lab));
				vcl_rdoc_block(
				    d, VCL_RB_PARA,
				    "%s%s%s: %.0f launch%s failed and %s not in the statistics "
				    "(see Errors).",
				    c->n > 1 ? c->runs[r].label : "", c->n > 1 ? ": " : "", lab, f,
				    f == 1 ? "" : "es", f == 1 ? "is" : "are");
			}
			free(names);
		}
	}
}

/* Phases: create call, create -> READY, READY -> first 200. */
static void startup_phases(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	static const char *const phdr[] = {"placement",
					   "n",
					   "create call (ms)",
					   "boot/exec: create → READY (ms)",
					   "READY → first 200 (ms)",
					   "first 200 (ms)",
					   NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0x3eu, phdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *ph =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "phases_ms");
			double cr, rd, f2, n;
			bool hc = vcl_rjnum(ph, "create.p50", &cr),
			     hr = vcl_rjnum(ph, "ready.p50", &rd),
			     hf = vcl_rjnum(ph, "first_200.p50", &f2);
			char lab[128];

			if (ph == NULL || !(hc || hr || hf))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			if (vcl_rjnum(ph, "first_200.n", &n) || vcl_rjnum(ph, "create.n", &n))
				vcl_rtab_add(&t, "%.0f", n);
			else
				vcl_rtab_add(&t, "—");
			vcl_rtab_num(&t, hc, cr);
			vcl_rtab_num(&t, hc && hr, rd - cr);
			vcl_rtab_num(&t, hr && hf, f2 - rd);
			vcl_rtab_num(&t, hf, f2);
		}
	}
	if (vcl_rtab_rows(&t) > 1) {
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Phases, medians from the same t0. The middle columns are differences of "
		    "medians, so they need not add up exactly to the median total.");
		vcl_rdoc_table(d, &t);
	} else {
		vcl_rdoc_table(d, &t);
	}
}

void vcl_rsec_startup(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	const char **pe = vcl_report_names(c->runs, c->n, "peers");

	startup_intro(d, c);
	startup_table(d, c, bk, pe);
	vcl_rdoc_not_measured(d, c, "startup", "startup_ms");
	startup_calibration(d, c);
	startup_failures(d, c);
	startup_phases(d, c, bk);
	vcl_rsec_startup_steps(d, c, bk);
	vcl_rdoc_figures(d, c, "startup");
	free(bk);
	free(pe);
}

/* Figures a run recorded as null: "<key>": null with "<key>_reason"
 * beside it. Listed with their reasons, so a dash is never read as 0. */
static void memory_absent(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	struct vcl_rblock *lst = NULL;

	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "memory");
			char lab[128];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			json_object_object_foreach(m, key, val)
			{
				size_t kl = strlen(key);
				cleanup_free char *el = NULL, *ek = NULL, *ev = NULL;

				if (kl <= 7 || strcmp(key + kl - 7, "_reason") != 0 ||
				    !json_object_is_type(val, json_type_string))
					continue;
				el = vcl_resc(lab);
				ek = vcl_rxasprintf("%.*s", (int)(kl - 7), key);
				ev = vcl_resc(json_object_get_string(val));
				if (lst == NULL)
					vcl_rdoc_block(d, VCL_RB_PARA,
						       "Not measured (shown as —, never as 0):");
				vcl_rdoc_list_item(d, &lst, "%s%s%s: `%s`: %s",
						   c->n > 1 ? c->runs[r].label : "",
						   c->n > 1 ? ", " : "", el, ek, ev);
			}
		}
	}
}

/* What the VM figure covers, and libvirt's daemons beside it. */

/* One row of the memory table: backends.<name> or peers.<name>. */
static void memory_row(struct tab *t, const struct vcl_report_ctx *c, size_t r, const char *section,
		       const char *name)
{
	static const char *const keys[] = {"pss_kib", "rss_kib", "cgroup_kib", "kmem_kib"};
	struct json_object *m = vcl_json_path(vcl_rentry(&c->runs[r], section, name), "memory");
	struct json_object *res = vcl_json_path(m, "memavail_resolved");
	double noise;
	char nb[32];
	char lab[128];

	if (m == NULL || !json_object_is_type(m, json_type_object))
		return;
	vcl_rtab_row(t, c, r);
	vcl_report_plabel(&c->runs[r], section, name, lab, sizeof(lab));
	vcl_rtab_own(t, vcl_resc(lab));
	vcl_rtab_count(t, m, "instances");
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		vcl_rtab_j(t, m, keys[k], 1.0 / 1024);
	/* A drop within MemAvailable's own spread is not a figure. */
	if (res != NULL && !json_object_get_boolean(res) &&
	    vcl_rjnum(m, "memavail_noise_kib", &noise))
		vcl_rtab_add(t, "< %s (noise)", vcl_rnum(noise / 1024, nb, sizeof(nb)));
	else
		vcl_rtab_j(t, m, "memavail_drop_kib", 1.0 / 1024);
}

/* An engine peer's figure includes its per-container helper: say how much,
 * and where its daemons are. */
static void memory_helpers(struct vcl_rdoc *d, const struct vcl_report_ctx *c, size_t r,
			   const char *name)
{
	struct json_object *e = vcl_rentry(&c->runs[r], "peers", name);
	struct json_object *m = vcl_json_path(e, "memory");
	const char *helper = vcl_rjstr(vcl_json_path(e, "engine"), "helper");
	const char *covers;
	cleanup_free char *ename = NULL;
	cleanup_free char *ehelper = NULL;
	cleanup_free char *ecovers = NULL;
	double h;
	char nb[32];

	if (m == NULL || !vcl_rjnum(m, "helpers_pss_kib", &h))
		return;
	covers = vcl_rjstr(m, "covers");
	ename = vcl_resc(name);
	ehelper = vcl_resc(helper != NULL ? helper : "its helper");
	ecovers = vcl_resc(covers != NULL ? covers : "see results.json");
	vcl_rdoc_block(d, VCL_RB_PARA,
		       "%s: %s MiB of its PSS is %s, the engine's per-container "
		       "helper; %s.",
		       ename, vcl_rnum(h / 1024, nb, sizeof(nb)), ehelper, ecovers);
}

static void memory_daemons(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	static const char *const hdr[] = {"placement",
					  "libvirtd before (MiB)",
					  "libvirtd during (MiB)",
					  "virtlogd before (MiB)",
					  "virtlogd during (MiB)",
					  "daemons' growth per VM (MiB)",
					  NULL};
	static const char *const keys[] = {"libvirtd_pss_kib_before", "libvirtd_pss_kib_during",
					   "virtlogd_pss_kib_before", "virtlogd_pss_kib_during",
					   "growth_per_vm_kib"};
	struct tab t;
	bool vm = false;

	vcl_rtab_init(&t, c, 0x3eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "memory");
			struct json_object *dm = vcl_json_path(m, "daemons");
			char lab[128];

			const struct vcl_backend_ops *ops =
			    vcl_report_ops(&c->runs[r], "backends", bk[i]);

			/* libvirt's daemons: the VM placement whose ops name them */
			vm |= m != NULL && ops != NULL && vcl_backend_is_vm(ops) &&
			      ops->daemons != NULL;
			if (dm == NULL || !json_object_is_type(dm, json_type_object))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
				vcl_rtab_j(&t, dm, keys[k], 1.0 / 1024);
		}
	}
	if (!vm) {
		vcl_rdoc_table(d, &t);
		return;
	}
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "The vm figure covers QEMU's host processes only: their PSS plus the "
	    "kernel memory of QEMU's cgroup. libvirtd and virtlogd, which manage the "
	    "VMs, are not in it; %s ([definition](%s#what-the-vm-figure-covers)).",
	    vcl_rtab_rows(&t) > 1
		? "their PSS before the VMs started and while they ran, and the growth "
		  "per VM, are below (not added to the figure). PSS divides shared pages "
		  "among the processes mapping them, so a negative growth means pages "
		  "the daemons shared moved into QEMU's PSS"
	    : c->n > 1 ? "their growth was not measured in these runs"
		       : "their growth was not measured in this run",
	    c->metrics_href);
	vcl_rdoc_table(d, &t);
}

void vcl_rsec_memory(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",
					  "instances",
					  "PSS (MiB)",
					  "RSS (MiB)",
					  "cgroup (MiB)",
					  "kernel (MiB)",
					  "MemAvailable drop (MiB)",
					  NULL};
	static const char *const ohdr[] = {"placement",
					   "payload's own (MiB)",
					   "overhead: PSS + kernel (MiB)",
					   "overhead: MemAvailable (MiB)",
					   "overhead vs payload",
					   NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	const char **pe = vcl_report_names(c->runs, c->n, "peers");
	struct tab t;
	bool any;

	vcl_rdoc_heading(d, 2, "memory", "Memory");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Per idle instance, averaged over the instances started together. PSS sums all of "
	    "the instance's host processes; kernel is the cgroup's kernel memory. A MemAvailable "
	    "drop shown as \"< x (noise)\" was below what MemAvailable resolves in that run "
	    "([definition](%s#memory-overhead)).",
	    c->metrics_href);
	vcl_rtab_init(&t, c, 0x7eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++)
			memory_row(&t, c, r, "backends", bk[i]);
		/* The peers measured beside them (podman, docker), whose
		 * figure includes the engine's per-container helper. */
		for (size_t i = 0; pe[i] != NULL; i++)
			memory_row(&t, c, r, "peers", pe[i]);
	}
	any = vcl_rdoc_table(d, &t);
	for (size_t r = 0; r < c->n; r++)
		for (size_t i = 0; pe[i] != NULL; i++)
			memory_helpers(d, c, r, pe[i]);
	if (!any)
		vcl_rdoc_block(d, VCL_RB_PARA, "No memory results in %s.",
			       c->n > 1 ? "these runs" : "this run");
	memory_absent(d, c, bk);
	memory_daemons(d, c, bk);

	vcl_rtab_init(&t, c, 0x1eu, ohdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "memory");
			double pay, ovh;
			char lab[128], b[32];

			/* A null payload_kib (bare's kernel memory unknown) still
			 * gets its row, with dashes. */
			if (m == NULL || !json_object_is_type(m, json_type_object) ||
			    !json_object_object_get_ex(m, "payload_kib", NULL))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			vcl_rtab_j(&t, m, "payload_kib", 1.0 / 1024);
			vcl_rtab_j(&t, m, "overhead_kib", 1.0 / 1024);
			vcl_rtab_j(&t, m, "overhead_memavail_kib", 1.0 / 1024);
			if (vcl_rjnum(m, "payload_kib", &pay) &&
			    vcl_rjnum(m, "overhead_kib", &ovh) && pay > 0)
				vcl_rtab_add(&t, "×%s", vcl_rnum(ovh / pay, b, sizeof(b)));
			else
				vcl_rtab_add(&t, "—");
		}
	}
	if (vcl_rtab_rows(&t) > 1)
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Overhead: what an instance costs beyond the same payload run bare in the same "
		    "run, by footprint (PSS plus cgroup kernel memory) and by the drop in "
		    "MemAvailable. Both are reported because neither alone is the whole truth.");
	else if (any)
		vcl_rdoc_block(d, VCL_RB_PARA,
			       "No overhead figures: bare was not measured in this scenario, "
			       "so there is nothing to subtract.");
	vcl_rdoc_table(d, &t);
	vcl_rdoc_not_measured(d, c, "memory", "memory");
	vcl_rdoc_figures(d, c, "memory");
	free(bk);
	free(pe);
}

void vcl_rsec_density(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",
					  "max n",
					  "per GiB",
					  "scale-out (/s)",
					  "budget (MiB)",
					  "footprint (MiB)",
					  "MemAvailable drop (MiB)",
					  "stopped by",
					  NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	vcl_rdoc_heading(d, 2, "density", "Density and scale-out");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Instances that reach ready and stay healthy under a memory budget, charged with "
	    "the instances' own footprint (PSS of their host processes plus their cgroups' "
	    "kernel memory); the host's MemAvailable drop is shown beside it. Max n: instances "
	    "still healthy at the end; per GiB: instances "
	    "per GiB of footprint. The scale-out rate (instances/s) is how fast a burst of "
	    "instances all become ready "
	    "([definition](%s#density)).",
	    c->metrics_href);
	vcl_rtab_init(&t, c, 0x7eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "density");
			const char *why;
			char lab[128];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			vcl_rtab_count(&t, m, "max_instances");
			vcl_rtab_j(&t, m, "instances_per_gib", 1);
			vcl_rtab_j(&t, m, "scaleout_per_s", 1);
			vcl_rtab_count(&t, m, "budget_mib");
			vcl_rtab_j(&t, m, "used_mib", 1);
			vcl_rtab_j(&t, m, "memavail_drop_mib", 1);
			why = vcl_rjstr(m, "stop_reason");
			vcl_rtab_own(&t, vcl_resc(why != NULL ? why : "—"));
		}
	}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No density results in %s.",
			       c->n > 1 ? "these runs" : "this run");
	vcl_rdoc_not_measured(d, c, "density", "density");
	vcl_rsec_density_notes(d, c);
	vcl_rsec_density_cgcost(d, c);
	vcl_rsec_density_ksm(d, c);
	vcl_rdoc_figures(d, c, "density");
	vcl_rsec_density_bursts(d, c);
	free(bk);
}

void vcl_rsec_autoscale(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {
	    "placement", "threshold",	    "n", "reaction p50 (ms)", "min–max (ms)",
	    "CV",	 "detect p50 (ms)", NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	vcl_rdoc_heading(d, 2, "autoscale", "Autoscale reaction");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Load is driven at one instance; when its CPU use crosses the threshold (a fraction "
	    "of its CPU limit) one more instance of the same placement is launched. Reaction: "
	    "crossing → the new instance's first 200. Detect: load start → crossing, which "
	    "depends on the sampling window rather than the placement "
	    "([definition](%s#autoscale-reaction)).",
	    c->metrics_href);
	vcl_rtab_init(&t, c, 0x7eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "autoscale");
			double lo, hi;
			char lab[128], b1[32], b2[32];

			if (m == NULL || !json_object_is_type(m, json_type_object))
				continue;
			vcl_rtab_row(&t, c, r);
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_own(&t, vcl_resc(lab));
			vcl_rtab_j(&t, m, "threshold", 1);
			vcl_rtab_count(&t, m, "reaction_ms.n");
			vcl_rtab_j(&t, m, "reaction_ms.p50", 1);
			if (vcl_rjnum(m, "reaction_ms.min", &lo) &&
			    vcl_rjnum(m, "reaction_ms.max", &hi))
				vcl_rtab_add(&t, "%s–%s", vcl_rnum(lo, b1, sizeof(b1)),
					     vcl_rnum(hi, b2, sizeof(b2)));
			else
				vcl_rtab_add(&t, "—");
			vcl_rtab_j(&t, m, "reaction_ms.cv", 1);
			vcl_rtab_j(&t, m, "detect_ms.p50", 1);
		}
	}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No autoscale results in %s.",
			       c->n > 1 ? "these runs" : "this run");
	vcl_rdoc_not_measured(d, c, "autoscale", "autoscale");
	vcl_rdoc_figures(d, c, "autoscale");
	free(bk);
}

/* Which mode a steady row used. Results from before open-loop existed have
 * no "mode": they were all closed-loop. */
static char *steady_mode(struct json_object *s)
{
	const char *mode = vcl_rjstr(s, "mode");
	double target;
	char b[32];

	if (mode == NULL)
		mode = "closed-loop";
	if ((strcmp(mode, "open-loop") == 0 || strcmp(mode, "paced") == 0) &&
	    vcl_rjnum(s, "target_rps", &target))
		return vcl_rxasprintf("%s at %s req/s", mode, vcl_rnum(target, b, sizeof(b)));
	return vcl_rxstrdup(mode);
}

static void steady_row(struct tab *t, const struct vcl_report_ctx *c, size_t r, const char *lab,
		       struct json_object *s, struct json_object *bare_s)
{
	double v, ref;
	const char *tool = vcl_rjstr(s, "tool");
	char b[32];

	vcl_rtab_row(t, c, r);
	vcl_rtab_own(t, vcl_resc(lab));
	vcl_rtab_own(t, vcl_resc(tool != NULL ? tool : "—"));
	{
		char *mode = steady_mode(s);

		vcl_rtab_own(t, vcl_resc(mode));
		free(mode);
	}
	vcl_rtab_count(t, s, "concurrency");
	vcl_rtab_j(t, s, "duration_s", 1);
	vcl_rtab_count(t, s, "requests");
	vcl_rtab_j(t, s, "rps", 1);
	vcl_rtab_j(t, s, "lat_ms.p50", 1);
	vcl_rtab_j(t, s, "lat_ms.p90", 1);
	vcl_rtab_j(t, s, "lat_ms.p99", 1);
	vcl_rtab_count(t, s, "errors");
	/* Open-loop throughput is the offered rate, not a capacity: no ratio. */
	if (bare_s != NULL && bare_s != s && !vcl_rjnum(s, "target_rps", &v) &&
	    vcl_rjnum(s, "rps", &v) && vcl_rjnum(bare_s, "rps", &ref) && ref > 0)
		vcl_rtab_add(t, "×%s", vcl_rnum(v / ref, b, sizeof(b)));
	else
		vcl_rtab_add(t, "—");
}

/* Beside the table: what a burst of connections met in each placement, and
 * the placements where a handshake was retried (>= 900 ms on loopback is
 * TCP's 1 s initial RTO, never a slow accept). */
static void steady_bursts(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	char *text = vcl_rxstrdup(""), *slow = vcl_rxstrdup("");

	for (size_t r = 0; r < c->n; r++)
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *cb = vcl_json_path(
			    vcl_rentry(&c->runs[r], "backends", bk[i]), "steady.connect_burst");
			double ms, conns, syn;
			char lab[128], b1[32], *t;

			if (!vcl_rjnum(cb, "slowest_ms", &ms) ||
			    !vcl_rjnum(cb, "connections", &conns))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			t = vcl_rxasprintf("%s%s%s %s ms", text, text[0] ? ", " : "", lab,
					   vcl_rnum(ms, b1, sizeof(b1)));
			free(text);
			text = t;
			if (ms < 900)
				continue;
			if (vcl_rjnum(cb, "host_syn_retrans", &syn))
				t = vcl_rxasprintf("%s%s%s (the host counted %.0f SYN "
						   "retransmissions meanwhile)",
						   slow, slow[0] ? "; " : "", lab, syn);
			else
				t = vcl_rxasprintf("%s%s%s", slow, slow[0] ? "; " : "", lab);
			free(slow);
			slow = t;
		}
	if (text[0] != '\0')
		vcl_rdoc_block(
		    d, VCL_RB_PARA,
		    "Connection burst: before the load, each placement met its connections "
		    "opened at once, as a client pool opens them; the slowest handshake took "
		    "%s.%s%s%s "
		    "The rows above open their connections one at a time, outside the measured "
		    "window, so no handshake is in their latency ([why](%s#steady-state)).",
		    text, slow[0] ? " In " : "", slow,
		    slow[0] ? " a SYN was dropped and retried after TCP's 1 s initial "
			      "retransmission timeout: a client opening several connections at "
			      "once waits a second there."
			    : "",
		    c->metrics_href);
	free(text);
	free(slow);
}

void vcl_rsec_steady(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement",
					  "tool",
					  "mode",
					  "concurrency",
					  "duration (s)",
					  "requests",
					  "throughput (req/s)",
					  "p50 (ms)",
					  "p90 (ms)",
					  "p99 (ms)",
					  "errors",
					  "throughput vs bare",
					  NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	vcl_rdoc_heading(d, 2, "steady", "Steady state");
	vcl_rdoc_block(
	    d, VCL_RB_PARA,
	    "Latency percentiles and throughput of the same `/work` request against each "
	    "placement ([definition](%s#steady-state)). Closed-loop rows send each request "
	    "as soon as the previous answer is in: peak throughput, latency from the actual "
	    "send. Open-loop rows send at a fixed rate, the same for every placement, and "
	    "count latency from the intended send time, so a stall shows in every request "
	    "it delayed (no coordinated omission). Rows marked wrk come from wrk "
	    "(closed-loop) run against the same instance, where it is installed.",
	    c->metrics_href);
	vcl_rtab_init(&t, c, 0xff8u, hdr);
	for (size_t r = 0; r < c->n; r++) {
		struct json_object *bare_s = vcl_json_path(
		    vcl_rentry(&c->runs[r], "backends", vcl_backends_baseline()), "steady");

		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *s =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "steady");
			static const char *const sub[][2] = {{"open_loop", "open-loop"},
							     {"wrk", "wrk"},
							     {"wrk_paced", "wrk, paced"}};
			char lab[128], wl[160];

			if (s == NULL || !json_object_is_type(s, json_type_object))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			steady_row(&t, c, r, lab, s, bare_s);
			for (size_t k = 0; k < ARRAY_SIZE(sub); k++) {
				struct json_object *x = vcl_json_path(s, sub[k][0]);

				if (x == NULL || !json_object_is_type(x, json_type_object))
					continue;
				snprintf(wl, sizeof(wl), "%s (%s)", lab, sub[k][1]);
				steady_row(&t, c, r, wl, x, vcl_json_path(bare_s, sub[k][0]));
			}
		}
	}
	if (!vcl_rdoc_table(d, &t))
		vcl_rdoc_block(d, VCL_RB_PARA, "No steady-state results in %s.",
			       c->n > 1 ? "these runs" : "this run");
	else
		steady_bursts(d, c, bk);
	vcl_rdoc_not_measured(d, c, "steady", "steady");
	vcl_rdoc_figures(d, c, "steady");
	free(bk);
}

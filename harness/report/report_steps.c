/* SPDX-License-Identifier: MIT */
/*
 * A placement's own launch steps (results: steps_ms, for ctr the child's
 * stamps; docs/ctr.md, "Where a launch goes"): one table row per step with
 * its median, p90, its part of the median launch and its share, and a
 * figure stacking the medians and the median launch per placement, beside
 * how both add up to the startup median (results: steps_check).
 */
#include "report/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/results.h"

#define MAX_PARTS (sizeof(((struct stackrow *)0)->part) / sizeof(double))

/* The sum of the step medians of e, or NAN without steps. */
static double steps_sum(struct json_object *steps)
{
	double sum = 0, v;
	size_t len;

	if (steps == NULL || !json_object_is_type(steps, json_type_array))
		return NAN;
	len = json_object_array_length(steps);
	for (size_t k = 0; k < len; k++)
		if (vcl_rjnum(json_object_array_get_idx(steps, k), "ms.p50", &v))
			sum += v;
	return len > 0 ? sum : NAN;
}

/* How the steps add up, in words: per launch, as medians (the gap with
 * its CI) and as the median launch (results: steps_check). */
static void steps_para(struct vcl_rdoc *d, const char *run, const char *lab, struct json_object *e,
		       double sum, double p50)
{
	double tiled, launches, ml, lo, hi;
	char more[384] = "", ci[96] = "";

	if (vcl_rjnum(e, "steps_check.gap_pct_ci95.0", &lo) &&
	    vcl_rjnum(e, "steps_check.gap_pct_ci95.1", &hi))
		snprintf(ci, sizeof(ci), " (95%% CI over resampled launches %+.1f%% to %+.1f%%)",
			 lo, hi);
	if (vcl_rjnum(e, "steps_check.tiled", &tiled) &&
	    vcl_rjnum(e, "steps_check.launches", &launches) &&
	    vcl_rjnum(e, "steps_check.median_launch_ms", &ml))
		snprintf(more, sizeof(more),
			 " The steps of %.0f of %.0f launches add up to that launch's own "
			 "startup, and those of the median launch (column \"median launch\") to "
			 "%.2f ms. A slow step sits in its own tail, so the medians of skewed "
			 "steps add up to less than the median launch.",
			 tiled, launches, ml);
	vcl_rdoc_block(d, VCL_RB_PARA,
		       "%s%s%s: its own steps, stamped by the placement itself; their medians "
		       "add up to %.2f ms, %+.1f%% off its startup median of %.2f ms%s.%s",
		       run != NULL ? run : "", run != NULL ? ": " : "", lab, sum,
		       100 * (sum - p50) / p50, p50, ci, more);
}

void vcl_rsec_startup_steps(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	static const char *const hdr[] = {"placement",	      "step",	  "n",
					  "p50 (ms)",	      "p90 (ms)", "median launch (ms)",
					  "share of the sum", NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0x7cu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *e = vcl_rentry(&c->runs[r], "backends", bk[i]);
			struct json_object *steps = vcl_json_path(e, "steps_ms");
			double sum = steps_sum(steps), p50;
			char lab[128];

			if (isnan(sum))
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			for (size_t k = 0; k < json_object_array_length(steps); k++) {
				struct json_object *s = json_object_array_get_idx(steps, k);
				const char *name = vcl_rjstr(s, "step");
				bool h = vcl_rjnum(s, "ms.p50", &p50);

				vcl_rtab_row(&t, c, r);
				vcl_rtab_own(&t, vcl_resc(lab));
				vcl_rtab_own(&t, vcl_resc(name != NULL ? name : "?"));
				vcl_rtab_count(&t, s, "ms.n");
				vcl_rtab_num(&t, h, p50);
				vcl_rtab_j(&t, s, "ms.p90", 1);
				vcl_rtab_j(&t, s, "median_launch_ms", 1);
				if (h && sum > 0)
					vcl_rtab_add(&t, "%.0f%%", 100 * p50 / sum);
				else
					vcl_rtab_add(&t, "—");
			}
			if (vcl_rjnum(e, "startup_ms.p50", &p50) && p50 > 0)
				steps_para(d, c->n > 1 ? c->runs[r].label : NULL, lab, e, sum, p50);
		}
	}
	vcl_rdoc_table(d, &t);
}

/* The step names of the first placement with steps: the figure's parts. */
static size_t part_names(const struct vcl_report_run *runs, size_t n, const char **bk,
			 const char **names)
{
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *steps =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "steps_ms");
			size_t m = 0;

			if (isnan(steps_sum(steps)))
				continue;
			for (size_t k = 0; k < json_object_array_length(steps) && m < MAX_PARTS;
			     k++) {
				const char *s =
				    vcl_rjstr(json_object_array_get_idx(steps, k), "step");

				names[m++] = s != NULL ? s : "?";
			}
			return m;
		}
	return 0;
}

/* A figure row of steps' key ("ms.p50" or "median_launch_ms") in the
 * parts' order; false when no step has it. */
static bool fill_row(struct stackrow *row, struct json_object *steps, const char *const *names,
		     size_t np, const char *key)
{
	bool any = false;

	for (size_t k = 0; k < json_object_array_length(steps); k++) {
		struct json_object *s = json_object_array_get_idx(steps, k);
		const char *name = vcl_rjstr(s, "step");
		double v;

		for (size_t p = 0; name != NULL && p < np; p++)
			if (strcmp(names[p], name) == 0 && vcl_rjnum(s, key, &v)) {
				row->part[p] = fmax(0, v);
				any = true;
			}
		(void)vcl_rjnum(s, "ms.n", &row->n);
	}
	return any;
}

void vcl_rp_fig_startup_steps(const struct vcl_report_run *runs, size_t n,
			      struct vcl_report_figs *out)
{
	static const char *const colors[] = {"#4e79a7", "#a0cbe8", "#f28e2b", "#ffbe7d",
					     "#59a14f", "#8cd17d", "#b6992d", "#e15759",
					     "#ff9d9a", "#79706e", "#d37295", "#9d7660"};
	const char **bk = vcl_report_names(runs, n, "backends");
	const char *names[MAX_PARTS];
	size_t np = part_names(runs, n, bk, names), nrows = 0;
	struct stackrow *rows = NULL;
	struct figbuf b;
	FILE *f;

	for (size_t r = 0; np > 0 && r < n; r++)
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *steps =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "steps_ms");
			struct series tmp = {0};
			struct stackrow *row;

			if (isnan(steps_sum(steps)))
				continue;
			rows = vcl_rxrealloc(rows, (nrows + 2) * sizeof(*rows));
			row = memset(&rows[nrows++], 0, sizeof(*rows));
			vcl_rp_series_label(runs, n, r, "backends", bk[i], ": medians", &tmp);
			snprintf(row->label, sizeof(row->label), "%s", tmp.label);
			(void)fill_row(row, steps, names, np, "ms.p50");
			row = memset(&rows[nrows], 0, sizeof(*rows));
			vcl_rp_series_label(runs, n, r, "backends", bk[i], ": median launch", &tmp);
			snprintf(row->label, sizeof(row->label), "%s", tmp.label);
			if (fill_row(row, steps, names, np, "median_launch_ms"))
				nrows++;
		}
	free(bk);
	if (nrows == 0) {
		free(rows);
		return;
	}
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "startup_steps", "Startup steps (medians and the median launch)", runs,
			n);
	vcl_rp_stacked(f, rows, nrows, np, names, colors, "ms", false);
	vcl_rp_postamble(f, "startup_steps");
	vcl_rp_fig_add(out, &b, "startup_steps", "startup",
		       vcl_rxasprintf("Startup of each placement that stamps its own launch, split "
				      "into its steps (ctr: the cgroup, the clone, joining the "
				      "cgroup, the namespaces, the mounts and pivot_root, "
				      "capabilities and seccomp, the exec, the payload's own "
				      "start to READY, READY to the first 200). Per placement, "
				      "two bars: the median of each step, stacked, and the "
				      "steps of the median launch, whose sum is the startup "
				      "median; the label on each bar is its sum."));
	free(rows);
}

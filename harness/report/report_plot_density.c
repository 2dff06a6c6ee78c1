/* SPDX-License-Identifier: MIT */
/*
 * Density figures at the host's scale (pure): the density curve of every
 * placement (total footprint, footprint per instance and, under
 * --density-load, p99 latency against the number of instances, one panel
 * each) and the KSM burndown (footprint per VM over time once merging has
 * started, with the unmerged footprint as a reference line).
 *
 * The curve is a gnuplot multiplot. `replot` does not redraw a multiplot,
 * so the panels are written once as a string and run for each terminal.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/results.h"
#include "core/util.h"

/* Panels: total footprint, footprint per instance, p99, CPU, and the
 * harness's own time per burst (flat when the lab scales linearly). */
#define NPANELS 5

/* One panel of the density curve: its label and series. */
struct panel {
	const char *ylabel;
	struct serieslist l;
};

/* The value a panel plots for one burst, or false when the burst has none. */
static bool panel_value(int which, struct json_object *o, double *v)
{
	double per, n;

	switch (which) {
	case 0: /* total footprint, MiB */
		if (!vcl_rjnum(o, "mem_per_instance_kib", &per) || !vcl_rjnum(o, "instances", &n))
			return false;
		*v = per * n / 1024;
		return true;
	case 1: /* footprint per instance, MiB */
		if (!vcl_rjnum(o, "mem_per_instance_kib", &per))
			return false;
		*v = per / 1024;
		return true;
	case 2: /* p99 under --density-load, ms */
		return vcl_rjnum(o, "load_p99_ms", v);
	case 3: /* CPU the instances used since the last burst, cores */
		return vcl_rjnum(o, "cpu_cores", v);
	default: /* the harness's own time around the burst, ms */
		return vcl_rjnum(o, "harness_ms", v);
	}
}

/* Whether the series' largest values (x or y) differ by more than
 * LOG_SPAN: a curve that grows with n spans much anyway, and a log axis
 * is only needed when one placement's curve would flatten another's
 * (VMs end at tens of instances, processes at thousands). */
static bool maxima_want_log(const struct serieslist *l, bool use_x)
{
	double lo = INFINITY, hi = 0;

	for (size_t i = 0; i < l->n; i++) {
		double m = 0;

		for (size_t k = 0; k < l->v[i].n; k++)
			m = fmax(m, use_x ? l->v[i].x[k] : l->v[i].y[k]);
		if (m <= 0)
			return false;
		lo = fmin(lo, m);
		hi = fmax(hi, m);
	}
	return hi > 0 && lo < INFINITY && hi / lo > LOG_SPAN;
}

static void panel_plot(FILE *f, const struct panel *p, size_t idx, bool logx)
{
	/* The total grows with n: log only for placements apart. */
	bool logy = idx == 0 ? maxima_want_log(&p->l, false) : vcl_rp_wants_log(&p->l, false);

	fprintf(f, "set ylabel '%s%s'\n", p->ylabel, logy ? ", log scale" : "");
	if (logy)
		fprintf(f, "set logscale y 10\nset format y '%%g'\nset yrange [*:*]\n");
	else
		fprintf(f, "unset logscale y\nset format y '%%g'\nset yrange [0:*]\n");
	if (logx)
		fprintf(f, "set logscale x 10\nset xrange [*:*]\n");
	else
		fprintf(f, "unset logscale x\nset xrange [0:*]\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < p->l.n; i++)
		fprintf(f,
			"%s$p%zus%zu using 1:2 with linespoints lw 2 pt 7 ps 0.6 dt %d "
			"lc rgb '%s' title '%s'",
			i > 0 ? ", \\\n     " : "", idx, i, p->l.v[i].dash, p->l.v[i].color,
			p->l.v[i].label);
	fprintf(f, "\n");
}

/* Each placement's bursts into the panels' series. */
static void density_collect(const struct vcl_report_run *runs, size_t n, const char **bk,
			    struct panel *pn)
{
	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *bs = vcl_json_path(
			    vcl_rentry(&runs[r], "backends", bk[i]), "density.bursts");

			if (bs == NULL || !json_object_is_type(bs, json_type_array))
				continue;
			for (int p = 0; p < NPANELS; p++) {
				struct series *s = NULL;

				for (size_t k = 0; k < json_object_array_length(bs); k++) {
					struct json_object *o = json_object_array_get_idx(bs, k);
					double x, y;

					if (!vcl_rjnum(o, "instances", &x) ||
					    !panel_value(p, o, &y))
						continue;
					if (s == NULL) {
						s = vcl_rp_add_series(&pn[p].l);
						vcl_rp_series_label(runs, n, r, "backends", bk[i],
								    "", s);
					}
					vcl_rp_add_point(s, x, y);
				}
			}
		}
	}
}

/* The plot commands of the npanels panels act[], shared by the SVG and the
 * PNG (malloc'd). */
static char *density_body(struct panel *pn, const size_t *act, size_t npanels, bool load, bool logx)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *bf;

	bf = open_memstream(&body, &blen);
	if (bf == NULL)
		abort();
	fprintf(bf, "set multiplot layout %zu,1 title 'Density: footprint%s against instances'\n",
		npanels, load ? " and p99 under load" : "");
	fprintf(bf, "set key outside right top\n");
	for (size_t i = 0; i < npanels; i++) {
		if (i + 1 == npanels)
			fprintf(bf, "set xlabel 'instances running after the burst%s'\n",
				logx ? ", log scale" : "");
		else
			fprintf(bf, "unset xlabel\n");
		panel_plot(bf, &pn[act[i]], act[i], logx);
	}
	fprintf(bf, "unset multiplot\n");
	fclose(bf);

	return body;
}

void vcl_rp_fig_density_curve(const struct vcl_report_run *runs, size_t n,
			      struct vcl_report_figs *out)
{
	struct panel pn[NPANELS] = {{.ylabel = "total footprint, MiB"},
				    {.ylabel = "footprint per instance, MiB"},
				    {.ylabel = "p99 under load, ms"},
				    {.ylabel = "host CPU the instances used, cores"},
				    {.ylabel = "harness time per burst, ms"}};
	const char **bk = vcl_report_names(runs, n, "backends");
	size_t act[NPANELS], npanels = 0;
	bool logx, load, cpu = false;
	struct figbuf b;
	char *body, *cnt;
	FILE *f;

	density_collect(runs, n, bk, pn);
	free(bk);
	/* The CPU panel when some burst cost CPU (idle TCG guests do). */
	for (size_t i = 0; i < pn[3].l.n; i++)
		for (size_t k = 0; k < pn[3].l.v[i].n; k++)
			cpu = cpu || pn[3].l.v[i].y[k] > 0;
	if (!cpu)
		vcl_rp_serieslist_free(&pn[3].l);
	if (pn[0].l.n == 0 && pn[1].l.n == 0) {
		for (int p = 0; p < NPANELS; p++)
			vcl_rp_serieslist_free(&pn[p].l);
		return;
	}
	/* Panels with data only; the x axis is the same for all of them. */
	for (size_t p = 0; p < NPANELS; p++)
		if (pn[p].l.n > 0)
			act[npanels++] = p;
	load = pn[2].l.n > 0;
	logx = maxima_want_log(&pn[act[0]].l, true);

	body = density_body(pn, act, npanels, load, logx);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "density_curve", "Density curve", runs, n);
	/* Taller than the one-panel figures: one row per panel. */
	fprintf(f,
		"set terminal svg size 900,%zu dynamic noenhanced font 'sans-serif,13' "
		"background '#ffffff'\n",
		300 * npanels);
	fprintf(f, "unset title\n");
	for (size_t i = 0; i < npanels; i++) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "p%zus", act[i]);
		vcl_rp_datablocks(f, prefix, &pn[act[i]].l);
	}
	fputs(body, f);
	fprintf(f,
		"set terminal pngcairo size 1200,%zu noenhanced font 'sans-serif,12' "
		"background '#ffffff'\n",
		400 * npanels);
	fprintf(f, "set output 'density_curve.png'\n");
	fputs(body, f);
	fprintf(f, "unset output\n");
	free(body);
	cnt = vcl_rp_counts(&pn[pn[1].l.n > 0 ? 1 : 0].l);
	vcl_rp_fig_add(
	    out, &b, "density_curve", "density",
	    vcl_rxasprintf(
		"Density curve of each placement, one point per burst: the total footprint of "
		"the instances up (PSS plus cgroup kernel memory, MiB) and the footprint per "
		"instance%s%s, against the number of instances running%s. %s Bursts per "
		"placement: %s.",
		load ? ", and the p99 latency of the light load every instance served "
		       "after the burst (--density-load)"
		     : "",
		cpu ? ", and the host CPU the instances used since the previous burst (cores; "
		      "idle TCG guests keep using it)"
		    : "",
		logx ? " (log scale)" : "",
		load ? "Where p99 turns up before the footprint reaches the budget, the "
		       "host's CPU is the limit, not its memory."
		     : "No latency panel: the run had no --density-load.",
		cnt));
	free(cnt);
	for (int p = 0; p < NPANELS; p++)
		vcl_rp_serieslist_free(&pn[p].l);
}

/* ---- KSM burndown ---- */

void vcl_rp_fig_density_ksm(const struct vcl_report_run *runs, size_t n,
			    struct vcl_report_figs *out)
{
	const char **bk = vcl_report_names(runs, n, "backends");
	struct serieslist l = {0};
	double *offv = NULL;
	struct figbuf b;
	FILE *f;
	char *cnt, *refs = vcl_rxstrdup("");
	bool merged_along = false; /* --ksm on: merging ran during the growth */

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *k =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "density.ksm");
			struct json_object *bd = vcl_json_path(k, "burndown");
			struct series *s = NULL;
			const char *mode = vcl_rjstr(k, "mode");
			double off;

			if (bd == NULL || !json_object_is_type(bd, json_type_array))
				continue;
			merged_along = merged_along || (mode != NULL && strcmp(mode, "on") == 0);
			for (size_t j = 0; j < json_object_array_length(bd); j++) {
				struct json_object *o = json_object_array_get_idx(bd, j);
				double t, v;

				if (!vcl_rjnum(o, "t_s", &t) ||
				    !vcl_rjnum(o, "per_instance_kib", &v))
					continue;
				if (s == NULL) {
					s = vcl_rp_add_series(&l);
					vcl_rp_series_label(runs, n, r, "backends", bk[i], "", s);
					offv = vcl_rxrealloc(offv, l.n * sizeof(*offv));
					offv[l.n - 1] = vcl_rjnum(k, "per_instance_kib_off", &off)
							    ? off / 1024
							    : -1;
				}
				vcl_rp_add_point(s, t, v / 1024);
			}
		}
	}
	free(bk);
	if (l.n == 0) {
		free(refs);
		return;
	}
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "density_ksm", "KSM burndown: footprint per VM", runs, n);
	vcl_rp_datablocks(f, "k", &l);
	fprintf(f, "set xlabel '%s'\n",
		merged_along
		    ? "seconds since the last VM was up (merging ran during the growth too)"
		    : "seconds since merging started");
	fprintf(f, "set ylabel 'footprint per VM (MiB)'\n");
	fprintf(f, "set yrange [0:*]\nset xrange [0:*]\n");
	fprintf(f, "set key outside right top\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < l.n; i++) {
		fprintf(f,
			"%s$k%zu using 1:2 with linespoints lw 2 pt 7 ps 0.6 dt %d lc rgb '%s' "
			"title '%s, merged'",
			i > 0 ? ", \\\n     " : "", i, l.v[i].dash, l.v[i].color, l.v[i].label);
		if (offv[i] >= 0) {
			char nb[32], *p = refs;

			fprintf(f, ", \\\n     ");
			vcl_rp_gp_num(f, offv[i]);
			fprintf(f, " with lines lw 1 dt 3 lc rgb '%s' title '%s, unmerged'",
				l.v[i].color, l.v[i].label);
			vcl_report_fmt_num(offv[i], nb, sizeof(nb));
			refs = vcl_rxasprintf("%s%s%s %s MiB", p, *p != '\0' ? ", " : "",
					      l.v[i].label, nb);
			free(p);
		}
	}
	fprintf(f, "\n");
	vcl_rp_postamble(f, "density_ksm");
	cnt = vcl_rp_counts(&l);
	vcl_rp_fig_add(
	    out, &b, "density_ksm", "density",
	    vcl_rxasprintf(
		"KSM burndown: footprint per VM (PSS of its host processes plus cgroup kernel "
		"memory, MiB) sampled every 0.5 s from the moment merging started (--ksm both) "
		"or the last VM was up (--ksm on, which merged during the growth too) until "
		"pages_sharing held steady over 3 full scans or the wait ran out. The dotted "
		"line is the footprint without merging%s%s. Samples per placement: %s.",
		*refs != '\0' ? ": " : " (not measured)", refs, cnt));
	free(cnt);
	free(refs);
	free(offv);
	vcl_rp_serieslist_free(&l);
}

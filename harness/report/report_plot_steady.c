/* SPDX-License-Identifier: MIT */
/*
 * Autoscale and steady-state figures (pure): scale-out reaction, and latency
 * and throughput under a steady load.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

/* ---- autoscale ---- */

void vcl_rp_fig_autoscale(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out)
{
	const char **bk = vcl_report_names(runs, n, "backends");
	struct serieslist l = {0};
	struct figbuf b;
	FILE *f;
	bool logy;
	char *cnt;

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *a =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]),
					  "autoscale.reaction_ms.samples");
			struct series *s = NULL;

			if (a == NULL || !json_object_is_type(a, json_type_array))
				continue;
			for (size_t k = 0; k < json_object_array_length(a); k++) {
				struct json_object *x = json_object_array_get_idx(a, k);

				if (x == NULL || !(json_object_is_type(x, json_type_double) ||
						   json_object_is_type(x, json_type_int)))
					continue;
				if (s == NULL) {
					s = vcl_rp_add_series(&l);
					vcl_rp_series_label(runs, n, r, "backends", bk[i], "", s);
				}
				vcl_rp_add_point(s, (double)l.n, json_object_get_double(x));
			}
		}
	}
	free(bk);
	if (l.n == 0)
		return;
	logy = vcl_rp_wants_log(&l, false);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "autoscale", "Autoscale reaction time", runs, n);
	for (size_t i = 0; i < l.n; i++) {
		char dname[32];

		snprintf(dname, sizeof(dname), "a%zu", i);
		vcl_rp_datablock_xy(f, dname, &l.v[i]);
	}
	/* Boxes computed here rather than by gnuplot's boxplot, which refuses
	 * fewer than four points (and autoscale repeats are often three). */
	fprintf(f, "$box << EOD\n");
	for (size_t i = 0; i < l.n; i++) {
		double *v = vcl_rxrealloc(NULL, l.v[i].n * sizeof(double));

		memcpy(v, l.v[i].y, l.v[i].n * sizeof(double));
		qsort(v, l.v[i].n, sizeof(double), vcl_rp_cmp_double);
		fprintf(f, "%zu", i + 1);
		for (size_t q = 0; q < 5; q++) {
			static const double qs[] = {0.25, 0.0, 1.0, 0.75, 0.5};

			fputc(' ', f);
			vcl_rp_gp_num(f, vcl_percentile_sorted(v, l.v[i].n, qs[q]));
		}
		fprintf(f, " %u\n", vcl_rp_color_int(l.v[i].color));
		free(v);
	}
	fprintf(f, "EOD\n");
	fprintf(f, "set style fill solid 0.35 border\n");
	fprintf(f, "set boxwidth 0.5 absolute\n");
	fprintf(f, "set xrange [0.4:%.1f]\n", (double)l.n + 0.6);
	fprintf(f, "set xtics (");
	for (size_t i = 0; i < l.n; i++)
		fprintf(f, "%s'%s' %zu", i > 0 ? ", " : "", l.v[i].label, i + 1);
	fprintf(f, ")\n");
	fprintf(f, "set ylabel 'reaction time (ms%s)'\n", logy ? ", log scale" : "");
	if (logy)
		fprintf(f, "set logscale y 10\nset format y '%%g'\n");
	else
		fprintf(f, "set yrange [0:*]\n");
	fprintf(f, "unset key\n");
	/* columns: x q1 min max q3 median colour */
	fprintf(f, "plot $box using 1:2:3:4:5:7 with candlesticks whiskerbars 0.5 lw 1.5 "
		   "lc rgb variable, \\\n"
		   "     $box using 1:6:6:6:6:7 with candlesticks lw 3 lc rgb variable");
	for (size_t i = 0; i < l.n; i++)
		fprintf(f, ", \\\n     $a%zu using 1:2 with points pt 7 ps 0.9 lc rgb '#222222'",
			i);
	fprintf(f, "\n");
	vcl_rp_postamble(f, "autoscale");
	cnt = vcl_rp_counts(&l);
	vcl_rp_fig_add(
	    out, &b, "autoscale", "autoscale",
	    vcl_rxasprintf("Autoscale reaction time per placement: box from the first to the "
			   "third quartile (type 7) with a thick median line, whiskers to the "
			   "smallest and largest value, and every "
			   "repeat drawn as a dot%s. Repeats: %s.",
			   logy ? "; y axis on a log scale" : "", cnt));
	free(cnt);
	vcl_rp_serieslist_free(&l);
}

/* ---- steady state ---- */

/* desc (freed) with one more load run described: "label: tool mode at R
 * req/s, C connections, D s". s is the run's object, st the steady one. */
static char *steady_describe(char *desc, struct json_object *s, struct json_object *st,
			     const char *label)
{
	double c = 0, dur = 0, target = 0;
	const char *tool = json_object_get_string(vcl_json_path(s, "tool"));
	/* No "mode": results from before open-loop, all closed. */
	const char *mode = json_object_get_string(vcl_json_path(s, "mode"));
	char rate[48] = "";
	char *out;

	if (mode == NULL)
		mode = "closed-loop";
	(void)vcl_rjnum(s, "target_rps", &target);
	if (!vcl_rjnum(s, "concurrency", &c))
		(void)vcl_rjnum(st, "concurrency", &c);
	if (!vcl_rjnum(s, "duration_s", &dur))
		(void)vcl_rjnum(st, "duration_s", &dur);
	if (target > 0)
		snprintf(rate, sizeof(rate), " at %.0f req/s", target);
	out = vcl_rxasprintf("%s%s%s: %s %s%s, %.0f connections, %.0f s", desc,
			     *desc != '\0' ? "; " : "", label,
			     tool != NULL ? tool : "load generator", mode, rate, c, dur);
	free(desc);
	return out;
}

void vcl_rp_fig_steady_latency(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out)
{
	static const char *const pct[] = {"p50", "p90", "p99"};
	const char **bk = vcl_report_names(runs, n, "backends");
	struct serieslist l = {0};
	struct figbuf b;
	FILE *f;
	bool logy;
	char *desc = vcl_rxstrdup("");

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *st =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "steady");

			/* Our closed-loop run, wrk's, then our open-loop run. */
			for (size_t w = 0; w < 3 && st != NULL; w++) {
				static const char *const sub[] = {NULL, "wrk", "open_loop"};
				static const char *const suffix[] = {"", " (wrk)", " (open-loop)"};
				struct json_object *s = w == 0 ? st : vcl_json_path(st, sub[w]);
				struct series *se = NULL;

				if (s == NULL || !json_object_is_type(s, json_type_object))
					continue;
				for (size_t p = 0; p < ARRAY_SIZE(pct); p++) {
					char key[16];
					double v;

					snprintf(key, sizeof(key), "lat_ms.%s", pct[p]);
					if (!vcl_rjnum(s, key, &v))
						continue;
					if (se == NULL) {
						se = vcl_rp_add_series(&l);
						vcl_rp_series_label(runs, n, r, "backends", bk[i],
								    suffix[w], se);
						if (w > 0)
							se->dash = 2 * (int)w + (int)r;
					}
					vcl_rp_add_point(se, (double)(p + 1), v);
				}
				if (se == NULL)
					continue;
				desc = steady_describe(desc, s, st, se->label);
			}
		}
	}
	free(bk);
	if (l.n == 0) {
		free(desc);
		return;
	}
	logy = vcl_rp_wants_log(&l, false);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "steady_latency", "Steady-state request latency", runs, n);
	for (size_t i = 0; i < l.n; i++) {
		char dname[32];

		snprintf(dname, sizeof(dname), "l%zu", i);
		vcl_rp_datablock_xy(f, dname, &l.v[i]);
	}
	fprintf(f, "set xrange [0.7:3.3]\n");
	fprintf(f, "set xtics ('p50' 1, 'p90' 2, 'p99' 3)\n");
	fprintf(f, "set xlabel 'percentile of request latency'\n");
	fprintf(f, "set ylabel 'latency (ms%s)'\n", logy ? ", log scale" : "");
	if (logy)
		fprintf(f, "set logscale y 10\nset format y '%%g'\n");
	else
		fprintf(f, "set yrange [0:*]\n");
	fprintf(f, "set key outside right top\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < l.n; i++)
		fprintf(f,
			"%s$l%zu using 1:2 with linespoints lw 2 pt 7 ps 1 dt %d lc rgb '%s' "
			"title '%s'",
			i > 0 ? ", \\\n     " : "", i, l.v[i].dash, l.v[i].color, l.v[i].label);
	fprintf(f, "\n");
	vcl_rp_postamble(f, "steady_latency");
	vcl_rp_fig_add(
	    out, &b, "steady_latency", "steady",
	    vcl_rxasprintf("Latency percentiles of the same /work request per placement%s; "
			   "each line is one load run (percentiles over all its requests); "
			   "open-loop latency counts from the intended send time. %s.",
			   logy ? "; y axis on a log scale" : "", desc));
	free(desc);
	vcl_rp_serieslist_free(&l);
}

void vcl_rp_fig_steady_rps(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out)
{
	const char **bk = vcl_report_names(runs, n, "backends");
	struct serieslist l = {0};
	struct figbuf b;
	FILE *f;
	double hi = 0;
	char *cnt;

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *st =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "steady");

			for (size_t w = 0; w < 2 && st != NULL; w++) {
				struct json_object *s = w == 0 ? st : vcl_json_path(st, "wrk");
				struct series *se;
				double v;

				if (!vcl_rjnum(s, "rps", &v))
					continue;
				se = vcl_rp_add_series(&l);
				vcl_rp_series_label(runs, n, r, "backends", bk[i],
						    w == 1 ? " (wrk)" : "", se);
				vcl_rp_add_point(se, (double)l.n - 1, v);
				hi = fmax(hi, v);
			}
		}
	}
	free(bk);
	if (l.n == 0)
		return;
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "steady_rps", "Steady-state throughput", runs, n);
	fprintf(f, "$rps << EOD\n");
	for (size_t i = 0; i < l.n; i++) {
		char tb[32];

		vcl_report_fmt_num(l.v[i].y[0], tb, sizeof(tb));
		fprintf(f, "\"%s\" ", l.v[i].label);
		vcl_rp_gp_num(f, l.v[i].y[0]);
		fprintf(f, " %u \"%s\"\n", vcl_rp_color_int(l.v[i].color), tb);
	}
	fprintf(f, "EOD\n");
	fprintf(f, "set style fill solid 0.85 border rgb '#333333'\n");
	fprintf(f, "set ylabel 'requests per second'\n");
	fprintf(f, "set yrange [0:");
	vcl_rp_gp_num(f, hi > 0 ? hi * 1.15 : 1);
	fprintf(f, "]\n");
	fprintf(f, "set xrange [-0.6:%.1f]\n", (double)l.n - 0.4);
	fprintf(f, "set xtics rotate by -20 left\n");
	fprintf(f, "unset key\n");
	fprintf(f, "plot $rps using 0:2:(0.6):3:xtic(1) with boxes lc rgb variable, \\\n"
		   "     $rps using 0:2:4 with labels offset 0,0.8\n");
	vcl_rp_postamble(f, "steady_rps");
	cnt = vcl_rxstrdup("");
	for (size_t i = 0; i < l.n; i++) {
		char *p = cnt;

		cnt = vcl_rxasprintf("%s%s%s", p, i > 0 ? ", " : "", l.v[i].label);
		free(p);
	}
	vcl_rp_fig_add(
	    out, &b, "steady_rps", "steady",
	    vcl_rxasprintf("Throughput of the same /work request per placement, requests per "
			   "second; one load run each (%s), so there is no spread to show.",
			   cnt));
	free(cnt);
	vcl_rp_serieslist_free(&l);
}

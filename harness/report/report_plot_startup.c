/* SPDX-License-Identifier: MIT */
/*
 * Startup figures (pure): the CDF of time to first 200 per placement, and the
 * phases of a start (create, ready, first 200) as stacked bars.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

/* ---- startup ---- */

void vcl_rp_fig_startup_cdf(const struct vcl_report_run *runs, size_t n,
			    struct vcl_report_figs *out)
{
	struct serieslist l = {0};
	struct figbuf b;
	FILE *f;
	bool logx;
	char *cnt;

	for (size_t pass = 0; pass < 2; pass++) {
		const char *section = pass == 0 ? "backends" : "peers";
		const char **names = vcl_report_names(runs, n, section);

		for (size_t r = 0; r < n; r++) {
			for (size_t i = 0; names[i] != NULL; i++) {
				struct json_object *a = vcl_json_path(
				    vcl_rentry(&runs[r], section, names[i]), "startup_ms.samples");
				struct series *s;
				double *v;
				size_t m = 0, len;

				if (a == NULL || !json_object_is_type(a, json_type_array) ||
				    json_object_array_length(a) == 0)
					continue;
				len = json_object_array_length(a);
				v = vcl_rxrealloc(NULL, len * sizeof(double));
				for (size_t k = 0; k < len; k++) {
					struct json_object *x = json_object_array_get_idx(a, k);

					if (x != NULL &&
					    (json_object_is_type(x, json_type_double) ||
					     json_object_is_type(x, json_type_int)))
						v[m++] = json_object_get_double(x);
				}
				if (m == 0) {
					free(v);
					continue;
				}
				qsort(v, m, sizeof(double), vcl_rp_cmp_double);
				s = vcl_rp_add_series(&l);
				vcl_rp_series_label(runs, n, r, section, names[i], "", s);
				if (pass == 1)
					s->dash = 2 + (int)r;
				for (size_t k = 0; k < m; k++)
					vcl_rp_add_point(s, v[k], (double)(k + 1) / (double)m);
				free(v);
			}
		}
		free(names);
	}
	if (l.n == 0)
		return;
	logx = vcl_rp_wants_log(&l, true);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "startup_cdf", "Startup: launch to first HTTP 200", runs, n);
	for (size_t i = 0; i < l.n; i++) {
		char dname[32];

		snprintf(dname, sizeof(dname), "s%zu", i);
		/* A leading (min, 0) point draws the first step up from zero. */
		fprintf(f, "$%s << EOD\n", dname);
		vcl_rp_gp_num(f, l.v[i].x[0]);
		fprintf(f, " 0\n");
		for (size_t k = 0; k < l.v[i].n; k++) {
			vcl_rp_gp_num(f, l.v[i].x[k]);
			fputc(' ', f);
			vcl_rp_gp_num(f, l.v[i].y[k]);
			fputc('\n', f);
		}
		fprintf(f, "EOD\n");
	}
	if (logx)
		fprintf(f, "set logscale x 10\nset format x '%%g'\n"
			   "set xlabel 'startup time (ms, log scale)'\n");
	else
		fprintf(f, "set xlabel 'startup time (ms)'\n");
	fprintf(f, "set ylabel 'fraction of launches ready by then'\n");
	fprintf(f, "set yrange [0:1.05]\n");
	fprintf(f, "set grid xtics ytics lc rgb '#dddddd'\n");
	fprintf(f, "set key bottom right opaque box lc rgb '#cccccc'\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < l.n; i++)
		fprintf(f, "%s$s%zu using 1:2 with steps lw 2 dt %d lc rgb '%s' title '%s (n=%zu)'",
			i > 0 ? ", \\\n     " : "", i, l.v[i].dash, l.v[i].color, l.v[i].label,
			l.v[i].n);
	fprintf(f, "\n");
	vcl_rp_postamble(f, "startup_cdf");
	cnt = vcl_rp_counts(&l);
	vcl_rp_fig_add(
	    out, &b, "startup_cdf", "startup",
	    vcl_rxasprintf("Empirical CDF of startup time (launch → first HTTP 200 from "
			   "GET /healthz), one line per placement%s; x axis %s. Samples: %s.",
			   n > 1 ? " and run" : "", logx ? "on a log scale" : "linear", cnt));
	free(cnt);
	vcl_rp_serieslist_free(&l);
}

void vcl_rp_fig_startup_phases(const struct vcl_report_run *runs, size_t n,
			       struct vcl_report_figs *out)
{
	static const char *const names[] = {"create call", "boot/exec: create → READY line",
					    "READY → first 200"};
	static const char *const colors[] = {"#4e79a7", "#f28e2b", "#59a14f"};
	const char **bk = vcl_report_names(runs, n, "backends");
	struct stackrow *rows = NULL;
	size_t nrows = 0;
	double lo = INFINITY, hi = 0;
	bool percent, clamped = false;
	struct figbuf b;
	FILE *f;
	char *cnt = vcl_rxstrdup("");

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *ph =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "phases_ms");
			double c, rd, f2, nn = 0;
			struct series tmp = {0};
			char *p = cnt;

			if (!vcl_rjnum(ph, "create.p50", &c) || !vcl_rjnum(ph, "ready.p50", &rd) ||
			    !vcl_rjnum(ph, "first_200.p50", &f2))
				continue;
			(void)vcl_rjnum(ph, "first_200.n", &nn);
			rows = vcl_rxrealloc(rows, (nrows + 1) * sizeof(*rows));
			vcl_rp_series_label(runs, n, r, "backends", bk[i], "", &tmp);
			snprintf(rows[nrows].label, sizeof(rows[nrows].label), "%s", tmp.label);
			rows[nrows].part[0] = c;
			rows[nrows].part[1] = fmax(0, rd - c);
			rows[nrows].part[2] = fmax(0, f2 - rd);
			clamped = clamped || rd < c || f2 < rd;
			rows[nrows].n = nn;
			lo = fmin(lo, f2);
			hi = fmax(hi, f2);
			cnt = vcl_rxasprintf("%s%s%s n=%.0f", p, nrows > 0 ? ", " : "", tmp.label,
					     nn);
			free(p);
			nrows++;
		}
	}
	free(bk);
	if (nrows == 0) {
		free(cnt);
		return;
	}
	percent = lo > 0 && hi / lo > LOG_SPAN;
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, "startup_phases", "Startup phases (medians)", runs, n);
	vcl_rp_stacked(f, rows, nrows, 3, names, colors, "ms", percent);
	vcl_rp_postamble(f, "startup_phases");
	vcl_rp_fig_add(
	    out, &b, "startup_phases", "startup",
	    vcl_rxasprintf("Startup split into phases per placement: create call, boot or exec "
			   "until the payload's READY line, then until the first HTTP 200. "
			   "Medians of each phase's samples, stacked as differences of medians%s; "
			   "%s. The label on each bar is the median total. Samples: %s.",
			   clamped ? " (a negative difference is drawn as 0)" : "",
			   percent ? "bars are shown as shares of their total because the totals "
				     "differ by more than 20×"
				   : "bar heights in ms",
			   cnt));
	free(cnt);
	free(rows);
}

/* SPDX-License-Identifier: MIT */
/*
 * Memory and density figures (pure): payload and placement overhead as
 * stacked bars, and burst ready time and memory per instance against the
 * number of instances.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

/* ---- memory ---- */

void vcl_rp_fig_memory(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out)
{
	static const char *const names[] = {"payload (own footprint)", "placement overhead"};
	static const char *const colors[] = {"#59a14f", "#e15759"};
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
			struct json_object *m =
			    vcl_json_path(vcl_rentry(&runs[r], "backends", bk[i]), "memory");
			double pay, ovh, inst = 0, total;
			struct series tmp = {0};
			char *p = cnt;

			if (!vcl_rjnum(m, "payload_kib", &pay) ||
			    !vcl_rjnum(m, "overhead_kib", &ovh))
				continue;
			(void)vcl_rjnum(m, "instances", &inst);
			rows = vcl_rxrealloc(rows, (nrows + 1) * sizeof(*rows));
			memset(&rows[nrows], 0, sizeof(rows[nrows]));
			vcl_rp_series_label(runs, n, r, "backends", bk[i], "", &tmp);
			snprintf(rows[nrows].label, sizeof(rows[nrows].label), "%s", tmp.label);
			rows[nrows].part[0] = fmax(0, pay) / 1024.0;
			rows[nrows].part[1] = fmax(0, ovh) / 1024.0;
			clamped = clamped || ovh < 0;
			total = rows[nrows].part[0] + rows[nrows].part[1];
			lo = fmin(lo, total);
			hi = fmax(hi, total);
			cnt = vcl_rxasprintf("%s%s%s %.0f instance%s", p, nrows > 0 ? ", " : "",
					     tmp.label, inst, inst == 1 ? "" : "s");
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
	vcl_rp_preamble(f, "memory", "Memory per idle instance", runs, n);
	vcl_rp_stacked(f, rows, nrows, 2, names, colors, "MiB", percent);
	vcl_rp_postamble(f, "memory");
	vcl_rp_fig_add(
	    out, &b, "memory", "memory",
	    vcl_rxasprintf("Host memory per idle instance, split into the payload's own "
			   "footprint (its PSS plus cgroup kernel memory, run bare) and the "
			   "placement's overhead beyond it%s; "
			   "%s. The label on each bar is the total in MiB. Measured over: %s.",
			   clamped ? " (a negative overhead is drawn as 0)" : "",
			   percent ? "bars are shown as shares of their total because the totals "
				     "differ by more than 20×"
				   : "bar heights in MiB",
			   cnt));
	free(cnt);
	free(rows);
}

/* ---- density ---- */

void vcl_rp_fig_density(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out,
			const char *name, const char *key, double scale, const char *title,
			const char *ylabel, const char *what)
{
	const char **bk = vcl_report_names(runs, n, "backends");
	struct serieslist l = {0};
	struct figbuf b;
	FILE *f;
	bool logy;
	char *cnt;

	for (size_t r = 0; r < n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *bs = vcl_json_path(
			    vcl_rentry(&runs[r], "backends", bk[i]), "density.bursts");
			struct series *s = NULL;

			if (bs == NULL || !json_object_is_type(bs, json_type_array))
				continue;
			for (size_t k = 0; k < json_object_array_length(bs); k++) {
				struct json_object *o = json_object_array_get_idx(bs, k);
				double x, y;

				if (!vcl_rjnum(o, "instances", &x) || !vcl_rjnum(o, key, &y))
					continue;
				if (s == NULL) {
					s = vcl_rp_add_series(&l);
					vcl_rp_series_label(runs, n, r, "backends", bk[i], "", s);
				}
				vcl_rp_add_point(s, x, y * scale);
			}
		}
	}
	free(bk);
	if (l.n == 0)
		return;
	logy = vcl_rp_wants_log(&l, false);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, name, title, runs, n);
	for (size_t i = 0; i < l.n; i++) {
		char dname[32];

		snprintf(dname, sizeof(dname), "d%zu", i);
		vcl_rp_datablock_xy(f, dname, &l.v[i]);
	}
	fprintf(f, "set xlabel 'instances running after the burst'\n");
	fprintf(f, "set ylabel '%s%s)'\n", ylabel, logy ? ", log scale" : "");
	if (logy)
		fprintf(f, "set logscale y 10\nset format y '%%g'\n");
	else
		fprintf(f, "set yrange [0:*]\n");
	fprintf(f, "set xrange [0:*]\n");
	fprintf(f, "set key outside right top\n");
	fprintf(f, "plot ");
	for (size_t i = 0; i < l.n; i++)
		fprintf(f,
			"%s$d%zu using 1:2 with linespoints lw 2 pt 7 ps 1 dt %d lc rgb '%s' "
			"title '%s'",
			i > 0 ? ", \\\n     " : "", i, l.v[i].dash, l.v[i].color, l.v[i].label);
	fprintf(f, "\n");
	vcl_rp_postamble(f, name);
	cnt = vcl_rp_counts(&l);
	vcl_rp_fig_add(
	    out, &b, name, "density",
	    vcl_rxasprintf("%s against the number of instances running, one point per burst%s. "
			   "Bursts per placement: %s.",
			   what, logy ? "; y axis on a log scale" : "", cnt));
	free(cnt);
	vcl_rp_serieslist_free(&l);
}

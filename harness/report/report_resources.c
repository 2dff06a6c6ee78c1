/* SPDX-License-Identifier: MIT */
/*
 * The resources section (issue 29; docs/resources.md): the tax table, one
 * row per placement and one narrow column per resource, and one figure per
 * resource (each figure's ratio to bare with its CI, placements side by
 * side). Pure: reads the runs, writes the document and the scripts.
 */
#include "report/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"

static const struct {
	const char *name, *title, *headline, *what;
	bool lower_better;
} res[] = {
    {"cpu", "CPU", "event_us", "sysbench cpu, time per event", true},
    {"membw", "Memory bandwidth", "read_mib_s", "sysbench memory, read MiB/s", false},
    {"disk", "Disk", "randread_iops", "fio 4k random read IOPS", false},
    {"net", "Network", "send_mbit_s", "iperf3 host to placement, Mbit/s", false},
};

/* backends.<p>.<res>.metrics.<fig>.x_bare: ratio and CI (NaN when none). */
static bool ratio_of(struct json_object *e, const char *r, const char *fig, double *x, double *lo,
		     double *hi)
{
	char k[160];

	snprintf(k, sizeof(k), "%s.metrics.%s.x_bare.ratio", r, fig);
	if (!vcl_rjnum(e, k, x))
		return false;
	snprintf(k, sizeof(k), "%s.metrics.%s.x_bare.ci95.0", r, fig);
	if (!vcl_rjnum(e, k, lo))
		*lo = NAN;
	snprintf(k, sizeof(k), "%s.metrics.%s.x_bare.ci95.1", r, fig);
	if (!vcl_rjnum(e, k, hi))
		*hi = NAN;
	return true;
}

/* "×2.44 [1.48–4.37]": the tax, more than 1 worse (a rate inverted). */
static char *tax_cell(struct json_object *e, size_t i)
{
	double x, lo, hi;

	if (!ratio_of(e, res[i].name, res[i].headline, &x, &lo, &hi) || !(x > 0))
		return vcl_rxstrdup("-");
	if (!res[i].lower_better) {
		double l = lo;

		x = 1.0 / x;
		lo = 1.0 / hi;
		hi = 1.0 / l;
	}
	if (isfinite(lo) && isfinite(hi))
		return vcl_rxasprintf("×%.2f [%.2f–%.2f]", x, lo, hi);
	return vcl_rxasprintf("×%.2f", x);
}

/* t under a level-3 heading id with its paragraph, when it has body rows
 * (freed always). */
static void titled_table(struct vcl_rdoc *d, struct tab *t, const char *id, const char *title,
			 const char *para)
{
	if (vcl_rtab_rows(t) >= 2) {
		vcl_rdoc_heading(d, 3, id, "%s", title);
		vcl_rdoc_block(d, VCL_RB_PARA, "%s", para);
	}
	vcl_rdoc_table(d, t);
}

/* One row of the paths table: a path's label and its figures, prefix ""
 * for the placement's own path, "loopback_" for its loopback beside it. */
static void net_row(struct tab *t, const struct vcl_report_ctx *c, size_t r, const char *lab,
		    struct json_object *net, const char *pfx)
{
	static const char *const figs[] = {"send_mbit_s", "recv_mbit_s", "rtt_p50_us"};
	char k[96];
	const char *path;

	snprintf(k, sizeof(k), "tool.%spath", pfx);
	path = vcl_rjstr(net, k);
	vcl_rtab_row(t, c, r);
	vcl_rtab_add(t, "%s", lab);
	vcl_rtab_add(t, "%s", path != NULL ? path : "—");
	for (size_t i = 0; i < ARRAY_SIZE(figs); i++) {
		snprintf(k, sizeof(k), "metrics.%s%s.p50", pfx, figs[i]);
		vcl_rtab_j(t, net, k, 1.0);
	}
}

/* The network paths: each placement's own path and, where vclab measured
 * it beside (a container on a veth), its loopback: the veth's tax. */
static void net_paths(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	static const char *const hdr[] = {"placement",	 "path",	 "send Mbit/s",
					  "recv Mbit/s", "/ping p50 µs", NULL};
	struct tab t;

	vcl_rtab_init(&t, c, 0x1cu, hdr);
	for (size_t r = 0; r < c->n; r++)
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *net =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "net");
			char lab[128];

			if (vcl_json_path(net, "metrics") == NULL)
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			net_row(&t, c, r, lab, net, "");
			if (vcl_json_path(net, "metrics.loopback_send_mbit_s") != NULL)
				net_row(&t, c, r, lab, net, "loopback_");
		}
	titled_table(d, &t, "resources-net", "Network: the path each placement used",
		     "iperf3 medians over the path named (tool.path in results.json). A "
		     "container on a veth is measured over its own loopback too (the second "
		     "row, tool.loopback_path): the veth's cost is the difference.");
}

/* The disk targets: where each lives (tool.<target>_storage) and whether
 * fio ran O_DIRECT there (tool.direct.<target>, else tool.direct_why). */
static void disk_storage(struct vcl_rdoc *d, const struct vcl_report_ctx *c, const char **bk)
{
	static const char *const hdr[] = {"placement", "target", "storage", "O_DIRECT", NULL};
	static const char *const tg[] = {"read", "scratch", "overlay"};
	struct tab t;

	vcl_rtab_init(&t, c, 0, hdr);
	for (size_t r = 0; r < c->n; r++)
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *tool =
			    vcl_json_path(vcl_rentry(&c->runs[r], "backends", bk[i]), "disk.tool");
			char lab[128], k[64];

			if (tool == NULL)
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			for (size_t j = 0; j < ARRAY_SIZE(tg); j++) {
				const char *st, *why;
				bool direct;

				snprintf(k, sizeof(k), "%s_storage", tg[j]);
				if ((st = vcl_rjstr(tool, k)) == NULL)
					continue;
				snprintf(k, sizeof(k), "direct_why.%s", tg[j]);
				why = vcl_rjstr(tool, k);
				snprintf(k, sizeof(k), "direct.%s", tg[j]);
				vcl_rtab_row(&t, c, r);
				vcl_rtab_add(&t, "%s", lab);
				vcl_rtab_add(&t, "%s", tg[j]);
				vcl_rtab_add(&t, "%s", st);
				if (!vcl_rjbool(tool, k, &direct))
					vcl_rtab_add(&t, "—");
				else
					vcl_rtab_add(&t, "%s%s%s", direct ? "yes" : "no",
						     why != NULL ? ": " : "",
						     why != NULL ? why : "");
			}
		}
	titled_table(d, &t, "resources-disk", "Disk: where each target lives",
		     "fio's targets: read (sequential and random reads), scratch (the volume "
		     "at /scratch) and overlay (the container's own writable layer); O_DIRECT "
		     "as fio's probe found it, and why not where the storage refused it "
		     "(buffered then: the page cache is in the figure).");
}

void vcl_rsec_resources(struct vcl_rdoc *d, const struct vcl_report_ctx *c)
{
	static const char *const hdr[] = {"placement", "cpu", "membw", "disk", "net", NULL};
	const char **bk = vcl_report_names(c->runs, c->n, "backends");
	struct tab t;

	vcl_rtab_init(&t, c, 0x1eu, hdr);
	for (size_t r = 0; r < c->n; r++) {
		for (size_t i = 0; bk[i] != NULL; i++) {
			struct json_object *e = vcl_rentry(&c->runs[r], "backends", bk[i]);
			char lab[128];
			bool any = false;

			for (size_t k = 0; k < ARRAY_SIZE(res); k++)
				any = any || vcl_json_path(e, res[k].name) != NULL;
			if (!any)
				continue;
			vcl_report_plabel(&c->runs[r], "backends", bk[i], lab, sizeof(lab));
			vcl_rtab_row(&t, c, r);
			vcl_rtab_add(&t, "%s", lab);
			for (size_t k = 0; k < ARRAY_SIZE(res); k++)
				vcl_rtab_own(&t, tax_cell(e, k));
		}
	}
	if (vcl_rtab_rows(&t) < 2) { /* the header alone: nothing measured */
		vcl_rdoc_table(d, &t);
		free(bk);
		return;
	}
	vcl_rdoc_heading(d, 2, "resources", "Resources: the tax table");
	vcl_rdoc_block(d, VCL_RB_PARA,
		       "What each placement costs a working service, measured inside it with the "
		       "field's own tools from one tools image (docs/resources.md): how many "
		       "times bare's cost it pays, more than 1 worse, with the bootstrap 95%% CI. "
		       "cpu: %s; membw: %s; disk: %s; net: %s. Under TCG the VM row is a "
		       "software-emulation figure.",
		       res[0].what, res[1].what, res[2].what, res[3].what);
	vcl_rdoc_table(d, &t);
	vcl_rdoc_figures(d, c, "resources");
	net_paths(d, c, bk);
	disk_storage(d, c, bk);
	free(bk);
}

/* One figure: the resource's figures (x), one bar per placement with its
 * CI, as the ratio to bare's median. */
static void fig_one(const struct vcl_report_run *runs, size_t n, size_t ri, const char **bk,
		    struct vcl_report_figs *out)
{
	struct json_object *m0 = NULL;
	struct figbuf b;
	char name[32];
	size_t nb = 0, col = 2;
	double vmin = INFINITY, vmax = 0;
	FILE *f;

	for (size_t i = 0; bk[i] != NULL && m0 == NULL; i++)
		m0 = vcl_json_path(vcl_rentry(&runs[0], "backends", bk[i]), res[ri].name);
	m0 = vcl_json_path(m0, "metrics");
	if (m0 == NULL || !json_object_is_type(m0, json_type_object))
		return;
	snprintf(name, sizeof(name), "resources_%s", res[ri].name);
	f = vcl_rp_fig_open(&b);
	vcl_rp_preamble(f, name, res[ri].title, runs, n);
	fprintf(f, "$r << EOD\n");
	json_object_object_foreach(m0, fig, v)
	{
		(void)v;
		fprintf(f, "\"%s\"", fig);
		for (size_t i = 0; bk[i] != NULL; i++) {
			double x = NAN, lo = NAN, hi = NAN;

			if (vcl_json_path(vcl_rentry(&runs[0], "backends", bk[i]), res[ri].name) ==
			    NULL)
				continue;
			ratio_of(vcl_rentry(&runs[0], "backends", bk[i]), res[ri].name, fig, &x,
				 &lo, &hi);
			if (isfinite(x) && x > 0) {
				vmin = fmin(vmin, isfinite(lo) && lo > 0 ? lo : x);
				vmax = fmax(vmax, isfinite(hi) ? hi : x);
			}
			fprintf(f, " ");
			vcl_rp_gp_num(f, isfinite(x) ? x : 0);
			fprintf(f, " ");
			vcl_rp_gp_num(f, isfinite(lo) ? lo : (isfinite(x) ? x : 0));
			fprintf(f, " ");
			vcl_rp_gp_num(f, isfinite(hi) ? hi : (isfinite(x) ? x : 0));
		}
		fprintf(f, "\n");
	}
	fprintf(f, "EOD\n");
	fprintf(f, "set style data histograms\nset style histogram errorbars gap 2 lw 1\n");
	fprintf(f, "set style fill solid 0.8 border rgb '#333333'\n");
	/* A TCG guest's network is tens of times bare's: a linear axis
	 * flattens every other bar to nothing. */
	if (vmax / vmin > LOG_SPAN)
		fprintf(f, "set ylabel 'ratio to bare (median, 95%% CI; log scale)'\n"
			   "set logscale y 10\nset format y '%%g'\n");
	else
		fprintf(f, "set ylabel 'ratio to bare (median, 95%% CI)'\nset yrange [0:*]\n");
	fprintf(f, "set xtics rotate by -25 left noenhanced\nset key top left noenhanced\n");
	fprintf(f, "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2\n");
	fprintf(f, "plot");
	for (size_t i = 0; bk[i] != NULL; i++) {
		struct series s = {0};

		if (vcl_json_path(vcl_rentry(&runs[0], "backends", bk[i]), res[ri].name) == NULL)
			continue;
		vcl_rp_series_label(runs, n, 0, "backends", bk[i], "", &s);
		fprintf(f, "%s $r using %zu:%zu:%zu%s title \"%s\" lc rgb '%s'", nb > 0 ? "," : "",
			col, col + 1, col + 2, nb == 0 ? ":xtic(1)" : "", s.label, s.color);
		col += 3;
		nb++;
	}
	fprintf(f, "\n");
	vcl_rp_postamble(f, name);
	vcl_rp_fig_add(out, &b, name, "resources",
		       vcl_rxasprintf("%s: each figure of the %s scenario as the ratio of the "
				      "placement's median to bare's in the same run, with its "
				      "bootstrap 95%% CI (bare is 1, the dashed line). For rates "
				      "(_per_s, _mib_s, _iops, _mbit_s) below 1 is slower; for "
				      "times (_us) above 1 is slower. Tool, version and command "
				      "lines: results.json backends.<placement>.%s.tool.",
				      res[ri].title, res[ri].name, res[ri].name));
}

void vcl_rp_fig_resources(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *out)
{
	const char **bk = vcl_report_names(runs, n, "backends");

	for (size_t i = 0; i < ARRAY_SIZE(res) && n > 0; i++)
		fig_one(runs, n, i, bk, out);
	free(bk);
}

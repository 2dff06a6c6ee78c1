/* SPDX-License-Identifier: MIT */
/*
 * Report tests of single sections and pieces: the density figures (present
 * and absent), the CLI, the advisor's section, number format and SVG
 * inlining.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "core/cleanup.h"
#include "report/report.h"
#include "core/results.h"
#include "core/util.h"
#include "tests/golden.h"
#include "tests/suite_main.h"
#include "tests/unit/report_fixture.h"

/* Density at the host's scale: --density-load and --ksm on for the fixture's
 * VMs, as the scenario writes them. */
static void add_density_load_ksm(struct json_object *o)
{
	static const char *const bk[] = {"bare", "ctr", "vm"};
	struct json_object *ksm = json_object_new_object(), *burn = json_object_new_array();

	for (size_t i = 0; i < 3; i++) {
		cleanup_free char *path = vcl_rxasprintf("backends.%s.density.bursts", bk[i]);
		struct json_object *bs = vcl_json_path(o, path);

		ck_assert_ptr_nonnull(bs);
		for (size_t k = 0; k < json_object_array_length(bs); k++) {
			struct json_object *b = json_object_array_get_idx(bs, k);

			json_object_object_add(b, "healthy", json_object_new_int(8));
			json_object_object_add(b, "load_p99_ms",
					       json_object_new_double(1.25 + (double)k));
			json_object_object_add(b, "cpu_cores",
					       json_object_new_double(0.5 * (double)k));
		}
	}
	for (int t = 0; t < 4; t++) {
		struct json_object *pt = json_object_new_object();

		json_object_object_add(pt, "t_s", json_object_new_double(0.5 * (t + 1)));
		json_object_object_add(pt, "per_instance_kib",
				       json_object_new_double(138000 - 10000.0 * t));
		json_object_object_add(pt, "pages_sharing", json_object_new_int(2000 * t));
		json_object_array_add(burn, pt);
	}
	json_object_object_add(ksm, "mode", json_object_new_string("on"));
	json_object_object_add(ksm, "pages_sharing", json_object_new_int(6000));
	json_object_object_add(ksm, "per_instance_kib_on", json_object_new_double(102400));
	json_object_object_add(ksm, "per_instance_kib_off", json_object_new_double(143360));
	json_object_object_add(ksm, "settle_s", json_object_new_double(2));
	json_object_object_add(ksm, "settled", json_object_new_boolean(true));
	json_object_object_add(ksm, "ksmd_cpu_s", json_object_new_double(0.75));
	json_object_object_add(ksm, "burndown", burn);
	json_object_object_add(vcl_json_path(o, "backends.vm.density"), "ksm", ksm);
	json_object_object_add(vcl_json_path(o, "backends.ctr.density"), "stop_detail",
			       json_object_new_string("launch ctr-9: fork: EAGAIN"));
}

static const struct vcl_report_fig *find_fig(const struct vcl_report_figs *figs, const char *name)
{
	for (size_t i = 0; i < figs->n; i++)
		if (strcmp(figs->v[i].name, name) == 0)
			return &figs->v[i];
	return NULL;
}

/* With density data: the density curve (with its p99 panel under load), the
 * KSM burndown and its table, and the bursts collapsed in <details> in both
 * renderings. */
START_TEST(test_density_figures)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	const struct vcl_report_fig *curve, *ksm;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;

	add_density_load_ksm(o);
	vcl_report_plan_figures(&run, 1, &figs);
	curve = find_fig(&figs, "density_curve");
	ksm = find_fig(&figs, "density_ksm");
	ck_assert_ptr_nonnull(curve);
	ck_assert_ptr_nonnull(ksm);
	ck_assert_str_eq(curve->section, "density");
	/* Four panels: total, per instance, p99, CPU; drawn for both terminals. */
	ck_assert_ptr_nonnull(strstr(curve->script, "set multiplot layout 4,1"));
	ck_assert_ptr_nonnull(strstr(curve->script, "host CPU the instances used, cores"));
	ck_assert_ptr_nonnull(strstr(curve->script, "p99 under load, ms"));
	ck_assert_ptr_nonnull(strstr(curve->script, "total footprint, MiB"));
	ck_assert_ptr_nonnull(strstr(curve->script, "set output 'density_curve.png'"));
	/* The bare total after the second burst: 16 x 1290 KiB. */
	ck_assert_ptr_nonnull(strstr(curve->script, "\n16 20.1562\n"));
	ck_assert_ptr_nonnull(strstr(curve->script, "'vm (TCG)'"));
	ck_assert_ptr_nonnull(strstr(curve->caption, "p99 latency"));
	/* Burndown: 138000 KiB at 0.5 s, the unmerged line at 140 MiB. */
	ck_assert_ptr_nonnull(strstr(ksm->script, "0.5 134.766\n"));
	ck_assert_ptr_nonnull(strstr(ksm->script, "     140 with lines"));
	ck_assert_ptr_nonnull(strstr(ksm->caption, "vm (TCG) 140 MiB"));
	/* --ksm on merged during the growth: the clock starts at the last VM. */
	ck_assert_ptr_nonnull(strstr(ksm->script, "seconds since the last VM was up"));

	for (size_t i = 0; i < figs.n; i++)
		figs.v[i].svg = vcl_rxstrdup("<svg viewBox='0 0 10 10'></svg>");
	w = build(&run, 1, &figs, NULL, &doc);
	md = vcl_report_markdown(&doc);
	html = vcl_report_html(&doc);
	ck_assert_ptr_nonnull(strstr(md, "](figures/density_curve.png)"));
	ck_assert_ptr_nonnull(strstr(md, "](figures/density_ksm.png)"));
	ck_assert_ptr_nonnull(
	    strstr(md, "<details>\n<summary>Every burst, in the order they were launched "
		       "(6 rows)</summary>\n\n| placement | burst of k |"));
	ck_assert_ptr_nonnull(strstr(md,
				     "| bare | 8 | 16 | 21.0 | 20.2 | 1.26 | 1.36 | 0.500 | 8 | "
				     "2.25 |\n"));
	ck_assert_ptr_nonnull(
	    strstr(md, "| vm (TCG) | on | 6000 | 100 | 140 | 29% | 2.00 | yes |"));
	ck_assert_ptr_nonnull(strstr(md, "- ctr: `stop_detail`: launch ctr-9: fork: EAGAIN\n"));
	ck_assert_ptr_nonnull(strstr(html, "<details>\n<summary>Every burst"));
	ck_assert_ptr_nonnull(strstr(html, "</table></div>\n</details>"));
	/* The figure comes before the collapsed table. */
	ck_assert(strstr(md, "density_curve.png") < strstr(md, "<details>"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

/* Without density data there is no density figure and no <details>, and the
 * section says so; without --ksm and --density-load the figures and tables
 * say what was not measured. */
START_TEST(test_density_absent)
{
	struct json_object *o = load_fixture();
	struct json_object *be = vcl_json_path(o, "backends");
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	const struct vcl_report_fig *curve;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;
	cleanup_free char *md2 = NULL;

	/* The fixture as it is: density, but neither KSM nor load. */
	vcl_report_plan_figures(&run, 1, &figs);
	curve = find_fig(&figs, "density_curve");
	ck_assert_ptr_nonnull(curve);
	ck_assert_ptr_null(find_fig(&figs, "density_ksm"));
	ck_assert_ptr_nonnull(strstr(curve->script, "set multiplot layout 2,1"));
	ck_assert_ptr_null(strstr(curve->script, "p99"));
	ck_assert_ptr_null(strstr(curve->script, "host CPU")); /* no cpu_cores */
	ck_assert_ptr_nonnull(strstr(curve->caption, "No latency panel"));
	w = build(&run, 1, &figs, "gnuplot is not on PATH", &doc);
	md2 = vcl_report_markdown(&doc);
	ck_assert_ptr_nonnull(strstr(md2, "KSM was not measured (`--ksm off`)"));
	ck_assert_ptr_nonnull(strstr(md2, "<details>"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);

	json_object_object_foreach(be, k, v)
	{
		(void)k;
		json_object_object_del(v, "density");
	}
	vcl_report_plan_figures(&run, 1, &figs);
	for (size_t i = 0; i < figs.n; i++)
		ck_assert_msg(strncmp(figs.v[i].name, "density", 7) != 0,
			      "figure %s without density data", figs.v[i].name);
	for (size_t i = 0; i < figs.n; i++)
		figs.v[i].svg = vcl_rxstrdup("<svg viewBox='0 0 10 10'></svg>");
	w = build(&run, 1, &figs, NULL, &doc);
	md = vcl_report_markdown(&doc);
	html = vcl_report_html(&doc);
	ck_assert_ptr_nonnull(strstr(md, "No density results in this run."));
	ck_assert_ptr_null(strstr(md, "<details>"));
	ck_assert_ptr_null(strstr(html, "<details>"));
	ck_assert_ptr_null(strstr(md, "figures/density_"));
	ck_assert_ptr_null(strstr(md, "KSM was not measured"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

START_TEST(test_cli)
{
	char a0[] = "report", a1[] = "--help", a2[] = "--bogus", a3[] = "x.json";
	char *noargs[] = {a0, NULL};
	char *help[] = {a0, a1, NULL};
	char *badopt[] = {a0, a2, a3, NULL};
	struct vcl_error *err = NULL;

	ck_assert_int_lt(vcl_cmd_report(1, noargs, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_free(err);
	err = NULL;
	ck_assert_int_lt(vcl_cmd_report(3, badopt, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_free(err);
	err = NULL;
	{
		/* --help prints usage on stdout: keep the test log readable. */
		int saved = dup(1), null = open("/dev/null", O_WRONLY);

		fflush(stdout);
		dup2(null, 1);
		ck_assert_int_eq(vcl_cmd_report(2, help, &err), 0);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		close(null);
	}
}
END_TEST

START_TEST(test_advisor_section)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	const char *adv[] = {"## Advice\n\n- **web**: ctr (startup 4 ms)\n- batch: vm\n\n"
			     "| service | placement |\n|---|---|\n| web | ctr |\n\nWhy: <see> "
			     "[docs](docs/advisor.md).\n"};
	struct vcl_report_ctx c = {.runs = &run, .n = 1, .metrics_href = HREF, .advisor_md = adv};
	struct vcl_rdoc doc;
	char **w = NULL;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;

	vcl_report_build(&c, &doc, &w);
	md = vcl_report_markdown(&doc);
	html = vcl_report_html(&doc);
	ck_assert_ptr_nonnull(strstr(md, "- **web**: ctr (startup 4 ms)\n- batch: vm\n"));
	ck_assert_ptr_null(strstr(md, "advisor was not built"));
	ck_assert_ptr_nonnull(strstr(html, "<h4>Advice</h4>"));
	ck_assert_ptr_nonnull(strstr(html, "<li><strong>web</strong>: ctr (startup 4 ms)</li>"));
	ck_assert_ptr_nonnull(strstr(html, "<tr><th>service</th><th>placement</th></tr>"));
	ck_assert_ptr_nonnull(strstr(html, "<tr><td>web</td><td>ctr</td></tr>"));
	ck_assert_ptr_nonnull(
	    strstr(html, "Why: &lt;see&gt; <a href=\"docs/advisor.md\">docs</a>."));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	json_object_put(o);
}
END_TEST

START_TEST(test_fmt_num)
{
	char b[32];

	vcl_report_fmt_num(2414.363, b, sizeof(b));
	ck_assert_str_eq(b, "2414");
	vcl_report_fmt_num(37.663, b, sizeof(b));
	ck_assert_str_eq(b, "37.7");
	vcl_report_fmt_num(1.597, b, sizeof(b));
	ck_assert_str_eq(b, "1.60");
	vcl_report_fmt_num(0.16, b, sizeof(b));
	ck_assert_str_eq(b, "0.160");
	vcl_report_fmt_num(0, b, sizeof(b));
	ck_assert_str_eq(b, "0");
	vcl_report_fmt_num(-2173.0, b, sizeof(b));
	ck_assert_str_eq(b, "-2173");
}
END_TEST

START_TEST(test_svg_inline)
{
	const char *in = "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 1 1\">\n"
			 "<g id=\"gnuplot_canvas\"><path id='gpPt0' d=''/>"
			 "<use xlink:href='#gpPt0' gridid='x' filter='url(#textbox)'/></g></svg>\n";
	cleanup_free char *out = vcl_report_svg_inline(in, "f1");

	ck_assert_str_eq(out,
			 "<svg viewBox=\"0 0 1 1\">\n"
			 "<g id=\"f1-gnuplot_canvas\"><path id='f1-gpPt0' d=''/>"
			 "<use xlink:href='#f1-gpPt0' gridid='x' filter='url(#f1-textbox)'/></g>"
			 "</svg>\n");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_density_figures, test_density_absent, test_cli,
				      test_advisor_section, test_fmt_num,	 test_svg_inline};

	return run_suite(suite_of("report_sections", 60, tests, ARRAY_SIZE(tests), NULL));
}

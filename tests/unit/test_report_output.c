/* SPDX-License-Identifier: MIT */
/*
 * Report tests of what `vclab report` writes: without gnuplot, when gnuplot
 * fails, with it (inline SVGs), bad input leaving nothing behind, and a
 * missing scenario.
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

/* Run fn with stderr sent to a file; return what it printed. */
static char *capture_stderr(int (*fn)(void *), void *arg, int *ret)
{
	char tmpl[] = "/tmp/vclab-test-stderr.XXXXXX";
	int fd = mkstemp(tmpl), saved;
	char *text = NULL;
	size_t len;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	*ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	ck_assert_int_eq(vcl_read_file(tmpl, &text, &len, NULL), 0);
	unlink(tmpl);
	return text;
}

struct write_args {
	const char *const *paths;
	size_t n;
	const char *out;
	struct vcl_error *err;
};

static int call_write(void *p)
{
	struct write_args *a = p;

	return vcl_report_write(a->paths, a->n, a->out, &a->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/vclab-test-report.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	return vcl_rxstrdup(tmpl);
}

static char *slurp(const char *dir, const char *name)
{
	cleanup_free char *p = vcl_rxasprintf("%s/%s", dir, name);
	char *t = NULL;
	size_t len;

	ck_assert_msg(vcl_read_file(p, &t, &len, NULL) == 0, "missing %s", p);
	return t;
}

START_TEST(test_no_gnuplot)
{
	cleanup_free char *fx = src_path(FIXTURE);
	cleanup_free char *dir = tmpdir();
	cleanup_free char *out = NULL;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;
	cleanup_free char *svg = vcl_rxasprintf("%s/figures/startup_cdf.svg", dir);
	cleanup_free char *gp = vcl_rxasprintf("%s/figures/startup_cdf.gp", dir);
	const char *paths[] = {fx};
	struct write_args a = {paths, 1, dir, NULL};
	int ret;

	setenv("VCLAB_GNUPLOT", "/nonexistent/gnuplot", 1);
	out = capture_stderr(call_write, &a, &ret);
	ck_assert_msg(ret == 0, "report failed: %s", a.err != NULL ? a.err->msg : "?");
	ck_assert_msg(count_lines(out) == 1, "want one warning line, got: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "vclab: warning: VCLAB_GNUPLOT=/nonexistent/gnuplot"));
	md = slurp(dir, "report.md");
	html = slurp(dir, "report.html");
	ck_assert_ptr_nonnull(strstr(md, "**No figures:**"));
	ck_assert_ptr_null(strstr(html, "<svg"));
	ck_assert_int_eq(access(gp, R_OK), 0); /* scripts kept for a later draw */
	ck_assert_int_ne(access(svg, R_OK), 0);
	(void)vcl_rm_rf(dir, NULL);
}
END_TEST

START_TEST(test_gnuplot_fails)
{
	cleanup_free char *fx = src_path(FIXTURE);
	cleanup_free char *dir = tmpdir();
	cleanup_free char *out = NULL;
	cleanup_free char *md = NULL;
	cleanup_free char *svg = vcl_rxasprintf("%s/figures/memory.svg", dir);
	const char *paths[] = {fx};
	struct write_args a = {paths, 1, dir, NULL};
	int ret;

	if (access("/bin/false", X_OK) != 0)
		return;
	/* A gnuplot that fails every figure: the report still stands. */
	setenv("VCLAB_GNUPLOT", "/bin/false", 1);
	out = capture_stderr(call_write, &a, &ret);
	ck_assert_msg(ret == 0, "report failed: %s", a.err != NULL ? a.err->msg : "?");
	ck_assert_uint_eq(count_lines(out), 8);
	ck_assert_ptr_nonnull(strstr(out, "figure memory not drawn: gnuplot failed (exit 1)"));
	md = slurp(dir, "report.md");
	ck_assert_ptr_nonnull(
	    strstr(md, "*Figure 3 (memory) was not drawn: gnuplot failed (exit 1)"));
	ck_assert_int_ne(access(svg, F_OK), 0);
	(void)vcl_rm_rf(dir, NULL);
}
END_TEST

START_TEST(test_with_gnuplot)
{
	cleanup_free char *fx = src_path(FIXTURE);
	cleanup_free char *dir = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *html = NULL;
	cleanup_free char *why = NULL;
	cleanup_free char *gnuplot = NULL;
	const char *paths[] = {fx};
	struct write_args a = {paths, 1, NULL, NULL};
	size_t svgs = 0;
	int ret;

	unsetenv("VCLAB_GNUPLOT");
	gnuplot = vcl_report_find_gnuplot(&why);
	if (gnuplot == NULL) {
		fprintf(stderr, "test_with_gnuplot: skipped: %s\n", why);
		return;
	}
	dir = tmpdir();
	a.out = dir;
	out = capture_stderr(call_write, &a, &ret);
	ck_assert_msg(ret == 0, "report failed: %s", a.err != NULL ? a.err->msg : "?");
	ck_assert_msg(out[0] == '\0', "unexpected warnings: %s", out);
	html = slurp(dir, "report.html");
	for (const char *p = html; (p = strstr(p, "<svg")) != NULL; p++)
		svgs++;
	ck_assert_uint_eq(svgs, 8);
	/* Self-contained: no fetchable reference anywhere. */
	ck_assert_ptr_null(strstr(html, "src="));
	ck_assert_ptr_null(strstr(html, "href=\"http"));
	ck_assert_ptr_null(strstr(html, "href='http"));
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "@import"));
	/* Ids of the inline SVGs were made unique per figure. */
	ck_assert_ptr_nonnull(strstr(html, "id='startup_cdf-gpPt0'"));
	ck_assert_ptr_null(strstr(html, "id='gpPt0'"));
	{
		cleanup_free char *png = vcl_rxasprintf("%s/figures/memory.png", dir);

		ck_assert_int_eq(access(png, R_OK), 0);
	}
	(void)vcl_rm_rf(dir, NULL);
}
END_TEST

START_TEST(test_bad_input_leaves_nothing)
{
	cleanup_free char *dir = tmpdir();
	cleanup_free char *out = vcl_rxasprintf("%s/out", dir);
	cleanup_free char *bad = vcl_rxasprintf("%s/bad.json", dir);
	const char *paths[] = {bad};
	struct vcl_error *err = NULL;

	const char *text = "{\"schema\": \"vclab.results/1\",\n  oops}\n";

	ck_assert_int_eq(vcl_write_atomic(bad, text, strlen(text), NULL), 0);
	ck_assert_int_lt(vcl_report_write(paths, 1, out, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_msg(strstr(err->msg, "bad.json:2:") != NULL, "no file:line in: %s", err->msg);
	ck_assert_int_ne(access(out, F_OK), 0);
	vcl_error_free(err);
	(void)vcl_rm_rf(dir, NULL);
}
END_TEST

START_TEST(test_missing_scenario)
{
	struct json_object *o = load_fixture();
	struct json_object *be = vcl_json_path(o, "backends");
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;

	/* Memory measured nowhere, steady missing for vm only. */
	json_object_object_foreach(be, k, v)
	{
		(void)k;
		json_object_object_del(v, "memory");
	}
	json_object_object_del(vcl_json_path(o, "backends.vm"), "steady");
	vcl_report_plan_figures(&run, 1, &figs);
	for (size_t i = 0; i < figs.n; i++)
		ck_assert_str_ne(figs.v[i].name, "memory");
	w = build(&run, 1, &figs, NULL, &doc);
	md = vcl_report_markdown(&doc);
	ck_assert_ptr_nonnull(strstr(md, "No memory results in this run."));
	ck_assert_ptr_nonnull(strstr(md, "Not measured: bare, ctr, vm"));
	ck_assert_ptr_nonnull(strstr(md, "Not measured: vm (asked for"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_no_gnuplot, test_gnuplot_fails, test_with_gnuplot,
				      test_bad_input_leaves_nothing, test_missing_scenario};

	return run_suite(suite_of("report_output", 60, tests, ARRAY_SIZE(tests), NULL));
}

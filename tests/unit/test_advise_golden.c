/* SPDX-License-Identifier: MIT */
/*
 * Golden tests of the advisor's output: every docs/examples YAML file and the shop
 * manifest against tests/data/results-sample.json, rendered exactly as the
 * CLI prints them, compared with tests/data/advise/<name>.
 *
 * Run from the repo root (make unit does). Updating the golden files after
 * an intended change: tests/golden.h.
 */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "tests/golden.h"
#include "tests/suite_main.h"

#define FIXTURE	   "tests/data/results-sample.json"
#define GOLDEN_DIR "tests/data/advise"

static void compare(const char *name, const char *actual, size_t len)
{
	cleanup_free char *gpath = NULL;

	ck_assert_int_ge(asprintf(&gpath, "%s/%s", GOLDEN_DIR, name), 0);
	golden_check(gpath, actual, len);
}

/* Render inputs as the CLI would; compare stdout with name and, when
 * diag_name is set, the warnings/notes with diag_name. */
static void golden(const char *name, const char *diag_name, const char *const *inputs, size_t n,
		   unsigned flags)
{
	cleanup_free char *out = NULL, *diag = NULL;
	size_t olen = 0, dlen = 0;
	struct vcl_error *err = NULL;
	FILE *fo = open_memstream(&out, &olen);
	FILE *fd = open_memstream(&diag, &dlen);
	int r;

	ck_assert_ptr_nonnull(fo);
	ck_assert_ptr_nonnull(fd);
	r = vcl_advise_run(FIXTURE, inputs, n, flags, fo, fd, &err);
	fclose(fo);
	fclose(fd);
	ck_assert_msg(r == 0, "advise failed: %s", err != NULL ? err->msg : "?");
	compare(name, out, olen);
	if (diag_name != NULL)
		compare(diag_name, diag, dlen);
}

static glob_t examples;

static void load_examples(void)
{
	ck_assert_int_eq(glob("docs/examples/*.yaml", 0, NULL, &examples), 0);
	/* One example per typical service, as docs/advisor.md promises. */
	ck_assert_uint_ge(examples.gl_pathc, 8);
}

static void free_examples(void)
{
	globfree(&examples);
}

START_TEST(examples_table)
{
	golden("examples.txt", "examples.notes.txt", (const char *const *)examples.gl_pathv,
	       examples.gl_pathc, 0);
}
END_TEST

START_TEST(examples_explain)
{
	golden("examples.explain.txt", NULL, (const char *const *)examples.gl_pathv,
	       examples.gl_pathc, VCL_ADVISE_EXPLAIN);
}
END_TEST

START_TEST(examples_json)
{
	golden("examples.json", NULL, (const char *const *)examples.gl_pathv, examples.gl_pathc,
	       VCL_ADVISE_JSON);
}
END_TEST

static const char *const shop[] = {GOLDEN_DIR "/shop.yaml"};

START_TEST(shop_table)
{
	golden("shop.txt", "shop.notes.txt", shop, 1, 0);
}
END_TEST

START_TEST(shop_json)
{
	golden("shop.json", NULL, shop, 1, VCL_ADVISE_JSON | VCL_ADVISE_EXPLAIN);
}
END_TEST

/* The shop manifest is the realistic input the issue asks for: check its
 * shape here, so the golden cannot silently shrink. */
START_TEST(shop_shape)
{
	struct vcl_advise_input in = {0};
	struct vcl_error *err = NULL;
	size_t deploy = 0, sts = 0, ds = 0, pods = 0, skipped = 0;
	bool tenancy[VCL_TEN_HOSTILE + 1] = {false};

	ck_assert_int_eq(vcl_advise_load_file(shop[0], &in, &err), 0);
	for (size_t i = 0; i < in.nsvc; i++) {
		deploy += strcmp(in.svc[i].kind, "Deployment") == 0;
		sts += strcmp(in.svc[i].kind, "StatefulSet") == 0;
		ds += strcmp(in.svc[i].kind, "DaemonSet") == 0;
		pods += strcmp(in.svc[i].kind, "Pod") == 0;
		ck_assert_msg(in.svc[i].mem_given, "%s has no memory request", in.svc[i].name);
		tenancy[in.svc[i].tenancy] = true;
	}
	for (size_t i = 0; i < in.nskipped; i++)
		skipped += strstr(in.skipped[i].line, ": note: skipped ") != NULL;
	ck_assert_uint_ge(deploy, 8);
	ck_assert_uint_ge(sts, 1);
	ck_assert_uint_ge(ds, 1);
	ck_assert_uint_ge(pods, 1);
	ck_assert_uint_ge(skipped, 2);
	for (int t = 0; t <= VCL_TEN_HOSTILE; t++)
		ck_assert_msg(tenancy[t], "no %s service", vcl_tenancy_name((enum vcl_tenancy)t));
	vcl_advise_input_free(&in);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("advise_golden");
	TCase *ex = tcase_create("examples");
	TCase *sh = tcase_create("shop");

	tcase_add_checked_fixture(ex, load_examples, free_examples);
	tcase_add_test(ex, examples_table);
	tcase_add_test(ex, examples_explain);
	tcase_add_test(ex, examples_json);
	suite_add_tcase(s, ex);
	tcase_add_test(sh, shop_shape);
	tcase_add_test(sh, shop_table);
	tcase_add_test(sh, shop_json);
	suite_add_tcase(s, sh);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

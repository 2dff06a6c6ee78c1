/* SPDX-License-Identifier: MIT */
/* Man pages and bash completion come from the verb and option tables:
 * every option of every table is in its page and in the completion. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "cli/man.h"
#include "core/cleanup.h"
#include "tests/suite_main.h"

static char *page(const char *verb)
{
	char *buf = NULL;
	size_t len = 0;
	struct vcl_error *err = NULL;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(vcl_man_write(f, verb, "2026-01-01", &err), 0);
	fclose(f);
	return buf;
}

static char *completion(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	vcl_completion_bash(f);
	fclose(f);
	return buf;
}

/* The option as the page writes it: \fB\-\-runs\fR. */
static void expect_name(const char *text, const char *verb, const char *name)
{
	char want[128];

	snprintf(want, sizeof(want), "\\fB\\-\\-%s\\fR", name);
	for (char *c = want + 8; *c != '\0'; c++)
		if (*c == '-') /* "vm-runs" is written vm\-runs */
			memmove(c + 1, c, strlen(c) + 1), *c++ = '\\';
	ck_assert_msg(strstr(text, want) != NULL, "vclab-%s(1) lacks --%s", verb, name);
}

START_TEST(test_every_option_in_its_page)
{
	size_t checked = 0;

	for (size_t i = 0; i < vcl_nverbs; i++) {
		const struct vcl_verb *v = &vcl_verbs[i];
		cleanup_free char *t = NULL;
		char th[64];

		if (v->hidden)
			continue;
		t = page(v->name);
		snprintf(th, sizeof(th), ".TH \"VCLAB-");
		ck_assert_msg(strncmp(t, th, strlen(th)) == 0, "%s: no .TH", v->name);
		ck_assert_ptr_nonnull(strstr(t, ".SH SYNOPSIS"));
		ck_assert_ptr_nonnull(strstr(t, ".SH OPTIONS"));
		for (size_t k = 0; k < v->set->n; k++) {
			const struct vcl_opt *o = &v->set->opts[k];

			expect_name(t, v->name, o->name);
			if (o->alias != NULL)
				expect_name(t, v->name, o->alias);
			if (o->letter != 0) {
				char l[16];

				snprintf(l, sizeof(l), "\\fB\\-%c\\fR", o->letter);
				ck_assert_msg(strstr(t, l) != NULL, "vclab-%s(1) lacks -%c",
					      v->name, o->letter);
			}
			checked++;
		}
		expect_name(t, v->name, "help");
	}
	ck_assert_uint_gt(checked, 40);
}
END_TEST

START_TEST(test_runs_documented)
{
	cleanup_free char *t = page("bench");

	ck_assert_ptr_nonnull(strstr(t, "\\fB\\-\\-runs\\fR \\fIN\\fR\n"));
	ck_assert_ptr_nonnull(strstr(t, "Range: 1..100000.\n"));
	ck_assert_ptr_nonnull(strstr(t, "A comma list of: bare, ctr, vm, vm\\-iaas, gvisor.\n"));
}
END_TEST

START_TEST(test_index_page)
{
	cleanup_free char *t = page(NULL);
	struct vcl_error *err = NULL;

	ck_assert(strncmp(t, ".TH \"VCLAB\" 1 \"2026-01-01\"", 26) == 0);
	for (size_t i = 0; i < vcl_nverbs; i++) {
		char want[64];

		snprintf(want, sizeof(want), ".BR vclab\\-%s (1)", vcl_verbs[i].name);
		ck_assert_msg((strstr(t, want) != NULL) == !vcl_verbs[i].hidden, "%s",
			      vcl_verbs[i].name);
	}
	ck_assert_int_eq(vcl_man_write(stdout, "__man", NULL, &err), -1);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_free(err);
}
END_TEST

START_TEST(test_completion_from_tables)
{
	cleanup_free char *t = completion();

	for (size_t i = 0; i < vcl_nverbs; i++) {
		const struct vcl_verb *v = &vcl_verbs[i];
		char want[128];

		snprintf(want, sizeof(want), "\t%s)\n", v->name);
		ck_assert_msg((strstr(t, want) != NULL) == !v->hidden, "%s", v->name);
		if (v->hidden)
			continue;
		for (size_t k = 0; k < v->set->n; k++) {
			const struct vcl_opt *o = &v->set->opts[k];
			const char *at = strstr(t, want);

			snprintf(want, sizeof(want), "--%s ", o->name);
			ck_assert_msg(strstr(at, want) != NULL, "%s: no %s", v->name, want);
			const char *const *words = vcl_opt_words(o);

			for (size_t w = 0; words != NULL && words[w] != NULL; w++)
				ck_assert_msg(strstr(at, words[w]) != NULL, "%s --%s: no %s",
					      v->name, o->name, words[w]);
			snprintf(want, sizeof(want), "\t%s)\n", v->name);
		}
	}
	ck_assert_ptr_nonnull(strstr(t, "--profile) words=\"quick standard full\" ;;"));
	ck_assert_ptr_nonnull(
	    strstr(t, "--backends) words=\"bare ctr vm vm-iaas gvisor\" list=1 ;;"));
	ck_assert_ptr_nonnull(strstr(t, "complete -F _vclab vclab\n"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("man");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_every_option_in_its_page);
	tcase_add_test(tc, test_runs_documented);
	tcase_add_test(tc, test_index_page);
	tcase_add_test(tc, test_completion_from_tables);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

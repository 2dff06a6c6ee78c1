/* SPDX-License-Identifier: MIT */
/*
 * The option layer (core/opt.h) and every verb's table: each option the
 * parser accepts is in the help and each option the help lists parses,
 * range errors are one line and exit 2, and every verb takes -h/--help.
 * Tested through the real functions: the help text as vcl_opt_help writes
 * it, the getopt_long array as vcl_opt_parse builds it.
 */
#include <check.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/opt.h"
#include "core/util.h"
#include "tests/suite_main.h"

static const struct {
	const struct vcl_optset *set;
	vcl_cmd_fn fn;
} verbs[] = {
    {&vcl_doctor_optset, vcl_cmd_doctor}, {&vcl_bench_optset, vcl_cmd_bench},
    {&vcl_report_optset, vcl_cmd_report}, {&vcl_advise_optset, vcl_cmd_advise},
    {&vcl_check_optset, vcl_cmd_check},	  {&vcl_baseline_optset, vcl_cmd_baseline},
    {&vcl_gc_optset, vcl_cmd_gc},	  {&vcl_export_optset, vcl_cmd_export},
};

static char *help_text(const struct vcl_optset *set)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	vcl_opt_help(f, set);
	fclose(f);
	return buf;
}

/* The option names the help lists ("-q", "--quiet", "--peers"), in order,
 * NULL-terminated: the dash-words that open each line of the options
 * section, up to the metavar. */
static char **help_options(const char *help)
{
	const char *p = strstr(help, "\noptions:\n");
	char **v = calloc(256, sizeof(*v));
	size_t n = 0;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(v);
	p += strlen("\noptions:\n");
	while (*p != '\0' && *p != '\n') {
		const char *eol = strchrnul(p, '\n');
		const char *q = p + strspn(p, " ");

		/* Options start at column 2 ("-q, --quiet") or 6 ("--runs");
		 * wrapped help continues at a deeper column. */
		if (*q == '-' && (q - p == 2 || q - p == 6)) {
			while (q < eol && *q == '-') {
				size_t w = strcspn(q, " ,\n");

				ck_assert_uint_lt(n, 255);
				v[n++] = strndup(q, w);
				q += w;
				q += strspn(q, " ,");
			}
		}
		p = *eol != '\0' ? eol + 1 : eol;
	}
	return v;
}

/* The table row of an option as written on the command line. */
static const struct vcl_opt *row(const struct vcl_optset *set, const char *arg)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];

		if (arg[1] != '-' ? arg[1] == o->letter && arg[2] == '\0'
				  : strcmp(arg + 2, o->name) == 0 ||
					(o->alias != NULL && strcmp(arg + 2, o->alias) == 0))
			return o;
	}
	return NULL;
}

/* A value the option accepts. */
static const char *good_value(const struct vcl_opt *o, char *buf, size_t len)
{
	switch (o->kind) {
	case VCL_OPT_UINT:
	case VCL_OPT_U64:
		snprintf(buf, len, "%" PRIu64, o->ulo);
		return buf;
	case VCL_OPT_DOUBLE:
		snprintf(buf, len, "%g", o->lo);
		return buf;
	case VCL_OPT_ENUM:
	case VCL_OPT_LIST:
		return vcl_opt_words(o)[0];
	default:
		return "x";
	}
}

static int parse(const struct vcl_optset *set, char **argv, void **dst, struct vcl_error **err)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	*dst = calloc(1, set->size);
	ck_assert_ptr_nonnull(*dst);
	return vcl_opt_parse(set, argc, argv, *dst, NULL, err);
}

static void release(const struct vcl_optset *set, void *dst)
{
	vcl_opt_free(set, dst);
	free(dst);
}

/* Every option in the help parses, with a value when it takes one. */
START_TEST(test_help_options_parse)
{
	const struct vcl_optset *set = verbs[_i].set;
	cleanup_free char *help = help_text(set);
	char **names = help_options(help);
	char verb[32], name[64], value[64];

	ck_assert_ptr_nonnull(names[0]);
	for (size_t i = 0; names[i] != NULL; i++) {
		const struct vcl_opt *o = row(set, names[i]);
		char *argv[4] = {verb, name, NULL, NULL};
		struct vcl_error *err = NULL;
		bool is_help = strcmp(names[i], "-h") == 0 || strcmp(names[i], "--help") == 0;
		void *dst;
		int r;

		snprintf(verb, sizeof(verb), "%s", set->verb);
		snprintf(name, sizeof(name), "%s", names[i]);
		ck_assert_msg(is_help || o != NULL, "%s: %s is in the help but not in the table",
			      set->verb, names[i]);
		if (o != NULL && o->kind != VCL_OPT_FLAG) {
			char buf[64];

			snprintf(value, sizeof(value), "%s", good_value(o, buf, sizeof(buf)));
			argv[2] = value;
		}
		r = parse(set, argv, &dst, &err);
		ck_assert_msg(r == (is_help ? 1 : 0), "vclab %s %s %s: %d (%s)", set->verb,
			      names[i], argv[2] != NULL ? argv[2] : "", r,
			      err != NULL ? err->msg : "no error");
		if (o != NULL && o->kind == VCL_OPT_FLAG)
			ck_assert(*(bool *)((char *)dst + o->offset));
		release(set, dst);
		vcl_error_free(err);
	}
	vcl_strvfreep(&names);
}
END_TEST

static bool listed(char **names, const char *s)
{
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return true;
	return false;
}

/* Every option in the getopt_long array, long and short, is in the help,
 * and the help lists nothing else. */
START_TEST(test_parser_options_in_help)
{
	const struct vcl_optset *set = verbs[_i].set;
	cleanup_free char *help = help_text(set);
	char **names = help_options(help);
	char shorts[128];
	struct vcl_error *err = NULL;
	struct option *lo = vcl_opt_getopt_table(set, shorts, sizeof(shorts), &err);
	size_t n = 0;

	ck_assert_msg(lo != NULL, "%s", err != NULL ? err->msg : "");
	for (struct option *o = lo; o->name != NULL; o++, n++) {
		char want[64];

		snprintf(want, sizeof(want), "--%s", o->name);
		ck_assert_msg(listed(names, want), "%s: %s parses but is not in the help",
			      set->verb, want);
	}
	for (const char *c = shorts; *c != '\0'; c++) {
		char want[3] = {'-', *c, '\0'};

		if (*c == ':')
			continue;
		ck_assert_msg(listed(names, want), "%s: %s parses but is not in the help",
			      set->verb, want);
		n++;
	}
	ck_assert_uint_eq(vcl_strv_len(names), n);
	free(lo);
	vcl_strvfreep(&names);
}
END_TEST

/* No name or letter twice, none clashing with -h/--help. */
START_TEST(test_tables_unique)
{
	const struct vcl_optset *set = verbs[_i].set;

	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *a = &set->opts[i];

		ck_assert_str_ne(a->name, "help");
		ck_assert_int_ne(a->letter, 'h');
		ck_assert_ptr_nonnull(a->help);
		ck_assert(a->kind != VCL_OPT_ENUM || vcl_opt_words(a) != NULL);
		ck_assert(a->kind != VCL_OPT_LIST || vcl_opt_words(a) != NULL);
		/* An unsigned field cannot hold more. */
		ck_assert(a->kind != VCL_OPT_UINT || a->uhi <= UINT_MAX);
		ck_assert(a->ulo <= a->uhi && a->lo <= a->hi);
		for (size_t j = i + 1; j < set->n; j++) {
			const struct vcl_opt *b = &set->opts[j];

			ck_assert_str_ne(a->name, b->name);
			ck_assert(a->alias == NULL || strcmp(a->alias, b->name) != 0);
			ck_assert(a->letter == 0 || a->letter != b->letter);
		}
	}
}
END_TEST

static void expect_usage(const struct vcl_optset *set, const char *name, const char *value,
			 const char *want)
{
	char verb[32], n[64], v[64];
	char *argv[] = {verb, n, v, NULL};
	struct vcl_error *err = NULL;
	void *dst;

	snprintf(verb, sizeof(verb), "%s", set->verb);
	snprintf(n, sizeof(n), "%s", name);
	snprintf(v, sizeof(v), "%s", value);
	ck_assert_int_eq(parse(set, argv, &dst, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	ck_assert_msg(strstr(err->msg, want) != NULL, "vclab %s %s %s: '%s' lacks '%s'", set->verb,
		      name, value, err->msg, want);
	vcl_error_free(err);
	release(set, dst);
}

/* Just outside each range is refused, one line, exit 2. */
START_TEST(test_range_errors)
{
	const struct vcl_optset *set = verbs[_i].set;

	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];
		char name[64], below[64], above[64];

		snprintf(name, sizeof(name), "--%s", o->name);
		if (o->kind == VCL_OPT_UINT || o->kind == VCL_OPT_U64) {
			/* "-1" when the range starts at 0: negative is out of range too. */
			if (o->ulo > 0)
				snprintf(below, sizeof(below), "%" PRIu64, o->ulo - 1);
			else
				snprintf(below, sizeof(below), "-1");
			expect_usage(set, name, below, "is out of range");
			if (o->uhi < UINT64_MAX) {
				snprintf(above, sizeof(above), "%" PRIu64, o->uhi + 1);
				expect_usage(set, name, above, "is out of range");
			}
		} else if (o->kind == VCL_OPT_DOUBLE) {
			snprintf(below, sizeof(below), "%.17g", o->lo - 1);
			snprintf(above, sizeof(above), "%.17g", o->hi + 1);
			expect_usage(set, name, below, "is out of range");
			expect_usage(set, name, above, "is out of range");
		} else {
			continue;
		}
		expect_usage(set, name, "many", "not a");
	}
	expect_usage(set, "--no-such-option", "x", "Unknown option '--no-such-option'");
}
END_TEST

START_TEST(test_range_message)
{
	expect_usage(&vcl_bench_optset, "--runs", "0", "--runs: 0 is out of range 1..100000");
	expect_usage(&vcl_bench_optset, "--cpus", "0", "--cpus: 0 is out of range 0.01..3600");
	expect_usage(&vcl_bench_optset, "--backends", "bare,kvm", "unknown item 'kvm'");
	expect_usage(&vcl_bench_optset, "--vm-net", "network:", "unknown value 'network:'");
	expect_usage(&vcl_baseline_optset, "--k", "-1", "--k: -1 is out of range 0..1000000");
}
END_TEST

/* -h and --help: the parser says so, and the verb prints help and exits 0
 * before it does anything else (no root, no files needed). */
START_TEST(test_verb_help)
{
	static const char *const flags[] = {"-h", "--help"};

	for (size_t k = 0; k < ARRAY_SIZE(flags); k++) {
		char verb[32], flag[16];
		char *argv[] = {verb, flag, NULL};
		struct vcl_error *err = NULL;
		int saved, null, r;
		void *dst;

		snprintf(verb, sizeof(verb), "%s", verbs[_i].set->verb);
		snprintf(flag, sizeof(flag), "%s", flags[k]);
		ck_assert_int_eq(parse(verbs[_i].set, argv, &dst, &err), 1);
		release(verbs[_i].set, dst);
		fflush(stdout);
		saved = dup(1);
		null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		r = verbs[_i].fn(2, argv, &err);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
		close(null);
		ck_assert_msg(r == 0, "vclab %s %s: %d (%s)", verb, flag, r,
			      err != NULL ? err->msg : "");
	}
}
END_TEST

/* The profile table fills the counts the command line left unset. */
START_TEST(test_profiles)
{
	static const struct {
		const char *profile;
		unsigned runs, vm_runs, burst;
		uint64_t vm_budget_mib;
		double steady_seconds;
	} want[] = {
	    {"quick", 20, 5, 8, 384, 2},
	    {"standard", 100, 20, 64, 4096, 10},
	    {"full", 500, 50, 128, 16384, 30},
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		char a0[] = "bench", a1[] = "--profile", a3[] = "--burst", a4[] = "3";
		char a2[16];
		char *argv[] = {a0, a3, a4, a1, a2, NULL};
		struct vcl_bench_opts o;
		struct vcl_error *err = NULL;
		bool help;

		snprintf(a2, sizeof(a2), "%s", want[i].profile);
		ck_assert_int_eq(vcl_bench_opts_parse(5, argv, &o, &help, &err), 0);
		ck_assert_str_eq(o.profile, want[i].profile);
		ck_assert_uint_eq(o.runs, want[i].runs);
		ck_assert_uint_eq(o.vm_runs, want[i].vm_runs);
		ck_assert_uint_eq(o.burst, 3); /* explicit, before --profile */
		ck_assert_uint_eq(o.vm_budget_mib, want[i].vm_budget_mib);
		ck_assert_double_eq(o.steady_seconds, want[i].steady_seconds);
		ck_assert(o.vm_mem_instances <= o.mem_instances);
		vcl_bench_opts_free(&o);
	}
}
END_TEST

/* An explicit budget above the profile's scales its density time limit;
 * an explicit --density-seconds always wins. */
START_TEST(test_density_seconds_scale)
{
	static const struct {
		const char *flag, *val;
		double want;
	} cases[] = {
	    {"--budget-mib", "1024", 1920},   /* 60 s x 1024/32 */
	    {"--budget-mib", "16", 60},	      /* smaller: the profile's */
	    {"--vm-budget-mib", "1536", 240}, /* 60 s x 1536/384 */
	    {"--burst", "64", 60},	      /* not a budget */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char a0[] = "bench", a1[32], a2[32], a3[] = "--density-seconds", a4[] = "5";
		char *argv[] = {a0, a1, a2, a3, a4, NULL};
		struct vcl_bench_opts o;
		struct vcl_error *err = NULL;
		bool help;

		snprintf(a1, sizeof(a1), "%s", cases[i].flag);
		snprintf(a2, sizeof(a2), "%s", cases[i].val);
		ck_assert_int_eq(vcl_bench_opts_parse(3, argv, &o, &help, &err), 0);
		ck_assert_double_eq(o.density_seconds, cases[i].want);
		vcl_bench_opts_free(&o);
		ck_assert_int_eq(vcl_bench_opts_parse(5, argv, &o, &help, &err), 0);
		ck_assert_double_eq(o.density_seconds, 5);
		vcl_bench_opts_free(&o);
	}
}
END_TEST

/* --seed takes every uint64 value, so "given" is a field of its own. */
START_TEST(test_seed_given)
{
	char a0[] = "bench", a1[] = "--seed", a2[] = "18446744073709551615";
	char *argv[] = {a0, a1, a2, NULL};
	struct vcl_bench_opts o;
	struct vcl_error *err = NULL;
	bool help;

	ck_assert_int_eq(vcl_bench_opts_parse(1, argv, &o, &help, &err), 0);
	ck_assert(!o.seed_given);
	vcl_bench_opts_free(&o);
	ck_assert_int_eq(vcl_bench_opts_parse(3, argv, &o, &help, &err), 0);
	ck_assert(o.seed_given);
	ck_assert_uint_eq(o.seed, UINT64_MAX);
	vcl_bench_opts_free(&o);
}
END_TEST

/* The layer on a table of its own: options and operands mix, APPEND
 * collects, LIST replaces, and parsing twice in one process starts afresh. */
struct demo {
	char **from, **words;
	const char *output;
};
static const char *const demo_words[] = {"a", "b", NULL};
static const struct vcl_opt demo_opts[] = {
    VCL_OPT_APPEND_ROW(struct demo, from, "from", 'f', "FILE", "input"),
    VCL_OPT_STR_ROW(struct demo, output, "output", 'o', "FILE", "output"),
    VCL_OPT_LIST_ROW(struct demo, words, "words", NULL, demo_words, "words"),
};
static const struct vcl_optset demo_set = {
    .verb = "demo",
    .usage = "demo",
    .operands = true,
    .opts = demo_opts,
    .n = ARRAY_SIZE(demo_opts),
    .size = sizeof(struct demo),
};

START_TEST(test_operands)
{
	for (int round = 0; round < 2; round++) {
		char a0[] = "demo", a1[] = "x.json", a2[] = "-o", a3[] = "out.yaml",
		     a4[] = "--from", a5[] = "b.json", a6[] = "c.json", a7[] = "-fd.json",
		     a8[] = "--words=a", a9[] = "--words", a10[] = "b,a";
		char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, NULL};
		struct demo d = {0};
		struct vcl_error *err = NULL;
		int first = -1;

		ck_assert_int_eq(vcl_opt_parse(&demo_set, 11, argv, &d, &first, &err), 0);
		ck_assert_int_eq(first, 9);
		ck_assert_str_eq(argv[9], "x.json");
		ck_assert_str_eq(argv[10], "c.json");
		ck_assert_str_eq(d.from[0], "b.json");
		ck_assert_str_eq(d.from[1], "d.json");
		ck_assert_ptr_null(d.from[2]);
		ck_assert_str_eq(d.output, "out.yaml");
		ck_assert_uint_eq(vcl_strv_len(d.words), 2);
		ck_assert_str_eq(d.words[0], "b");
		vcl_opt_free(&demo_set, &d);
		ck_assert_ptr_null(d.from);
		ck_assert_ptr_null(d.words);
	}
}
END_TEST

/* The short-option string sized exactly: ":f:o:h" and its NUL fit in 7
 * bytes; in 6 the parser says so (it said "out of memory" before). */
START_TEST(test_shorts_buffer)
{
	char shorts[7];
	struct vcl_error *err = NULL;
	struct option *lo = vcl_opt_getopt_table(&demo_set, shorts, sizeof(shorts), &err);

	ck_assert_ptr_nonnull(lo);
	ck_assert_str_eq(shorts, ":f:o:h");
	free(lo);
	ck_assert_ptr_null(vcl_opt_getopt_table(&demo_set, shorts, 6, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_FAIL);
	ck_assert_int_eq(err->errnum, 0);
	ck_assert_str_eq(err->msg, "Options of vclab demo: the short-option string needs 7 bytes, "
				   "the parser has 6");
	vcl_error_free(err);
}
END_TEST

/* A set without operands refuses them. */
START_TEST(test_no_operands)
{
	expect_usage(&vcl_gc_optset, "--dry-run", "stray", "Unexpected argument 'stray'");
	expect_usage(&vcl_bench_optset, "--quiet", "stray", "Unexpected argument 'stray'");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("tables");
	int n = (int)ARRAY_SIZE(verbs);

	tcase_add_loop_test(tc, test_help_options_parse, 0, n);
	tcase_add_loop_test(tc, test_parser_options_in_help, 0, n);
	tcase_add_loop_test(tc, test_tables_unique, 0, n);
	tcase_add_loop_test(tc, test_range_errors, 0, n);
	tcase_add_loop_test(tc, test_verb_help, 0, n);
	tcase_add_test(tc, test_range_message);
	tcase_add_test(tc, test_profiles);
	tcase_add_test(tc, test_density_seconds_scale);
	tcase_add_test(tc, test_seed_given);
	tcase_add_test(tc, test_operands);
	tcase_add_test(tc, test_no_operands);
	tcase_add_test(tc, test_shorts_buffer);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

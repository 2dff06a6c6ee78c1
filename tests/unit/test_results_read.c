/* SPDX-License-Identifier: MIT */
/* The typed results reader: the path -> line:col locator on literal JSON,
 * the typed accessors, and the wrongly typed fixtures under
 * tests/data/bad-types/ refused with one exact line and exit 2 by every verb
 * that reads results (report, advise, check, baseline). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_fixture.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/jsonpos.h"
#include "core/results.h"
#include "core/results_read.h"
#include "core/util.h"

/* line:col of the path (dotted, "" for the document) in text, "-" when the
 * scanner gives up, with "(n)" appended when only n steps were found. */
static void locate(const char *text, const char *dotted, char *buf, size_t len)
{
	char keys[256];
	const char *steps[16];
	size_t n = 0, off, line, col;
	int found;
	char *s = keys, *dot;

	snprintf(keys, sizeof(keys), "%s", dotted);
	while (*s != '\0' && n < 16) {
		steps[n++] = s;
		dot = strchr(s, '.');
		if (dot == NULL)
			break;
		*dot = '\0';
		s = dot + 1;
	}
	found = vcl_json_locate(text, strlen(text), steps, n, &off);
	if (found < 0) {
		snprintf(buf, len, "-");
		return;
	}
	vcl_text_line_col(text, strlen(text), off, &line, &col);
	if ((size_t)found == n)
		snprintf(buf, len, "%zu:%zu", line, col);
	else
		snprintf(buf, len, "%zu:%zu(%d)", line, col, found);
}

#define ck_locate(text, path, want)                                                                \
	do {                                                                                       \
		char got_[64];                                                                     \
		locate((text), (path), got_, sizeof(got_));                                        \
		ck_assert_msg(strcmp(got_, (want)) == 0, "%s in %s: got %s, want %s", (path),      \
			      (text), got_, (want));                                               \
	} while (0)

START_TEST(test_locate_literals)
{
	const char *nested = "{\"a\": {\"b\": [1, {\"c\": \"x\"}]}}";
	const char *lines =
	    "{\n  \"a\": 1,\n  \"b\": {\n    \"c\": true,\n    \"d\": [null, -1.5e3]\n  }\n}\n";

	ck_locate(nested, "", "1:1");
	ck_locate(nested, "a", "1:7");
	ck_locate(nested, "a.b", "1:13");
	ck_locate(nested, "a.b.0", "1:14");
	ck_locate(nested, "a.b.1.c", "1:23");
	ck_locate(lines, "b.c", "4:10");
	ck_locate(lines, "b.d.1", "5:17");
	ck_locate(lines, "a", "2:8");
	/* Missing steps: the deepest value that exists, and how many steps. */
	ck_locate(lines, "b.zz", "3:8(1)");
	ck_locate(lines, "b.d.7", "5:10(2)");
	ck_locate(lines, "a.x", "2:8(1)");
	ck_locate(lines, "nope", "1:1(0)");
	/* Leading white space: the document starts at its first token. */
	ck_locate("\n\n  [1, 2]", "1", "3:7");
}
END_TEST

START_TEST(test_locate_strings)
{
	/* Keys compare after unescaping, as json-c stores them. */
	ck_locate("{\"a\\u00e9\\\"\": 5}", "a\xc3\xa9\"", "1:15");
	ck_locate("{\"\\ud83d\\ude00\": 1}", "\xf0\x9f\x98\x80", "1:18");
	ck_locate("{\"a\\/b\": 1}", "a/b", "1:10");
	/* A key that is a prefix of another, or longer, is not it. */
	ck_locate("{\"ab\": 1, \"a\": 2}", "a", "1:16");
	ck_locate("{\"a\": 1}", "ab", "1:1(0)");
	/* Braces, brackets and quotes inside strings are text. */
	ck_locate("{\"s\": \"}{[\\\"\", \"t\": 3}", "t", "1:21");
	/* The last of duplicate names counts, as in json-c. */
	ck_locate("{\"a\": {\"x\": 1}, \"a\": 2}", "a", "1:22");
	ck_locate("{\"a\": {\"x\": 1}, \"a\": 2}", "a.x", "1:22(1)");
	/* What json-c's non-strict mode accepts: comments, single quotes,
	 * trailing commas. */
	ck_locate("{/* c */ \"a\": // d\n 1}", "a", "2:2");
	ck_locate("{'a': 'x', \"b\": [1, 2,],}", "b.1", "1:21");
}
END_TEST

START_TEST(test_locate_malformed)
{
	ck_locate("", "", "-");
	ck_locate("{\"a\": }", "a", "-");
	ck_locate("{\"a\" 1}", "a", "-");
	ck_locate("[1, 2", "1", "-");
	ck_locate("{\"a\": \"unterminated}", "a", "-");
	ck_locate("{\"a\": \"\\q\"}", "a", "-");
	{
		/* Nesting beyond the limit is refused, not recursed into. */
		char deep[2 * VCL_JSONPOS_MAX_DEPTH + 8];
		size_t n = VCL_JSONPOS_MAX_DEPTH + 2;

		memset(deep, '[', n);
		memset(deep + n, ']', n);
		deep[2 * n] = '\0';
		ck_locate(deep, "", "-");
	}
}
END_TEST

static const char doc_text[] = "{\n"
			       "  \"s\": \"x\",\n"
			       "  \"i\": 5.0,\n"
			       "  \"f\": 5.5,\n"
			       "  \"z\": null,\n"
			       "  \"o\": {\"a\": [1, \"two\"]}\n"
			       "}\n";

START_TEST(test_jdoc_get)
{
	struct json_object *root = json_tokener_parse(doc_text), *v = NULL;
	struct vcl_jdoc d = {
	    .name = "d.json", .text = doc_text, .len = strlen(doc_text), .root = root};
	struct vcl_error *err = NULL;
	const char *s = NULL;
	double x = 0;

	ck_assert_int_eq(vcl_jdoc_string(&d, "s", VCL_JT_STRING, &s, &err), 1);
	ck_assert_str_eq(s, "x");
	/* Integer takes a number without a fraction, as JSON Schema does. */
	ck_assert_int_eq(vcl_jdoc_double(&d, "i", VCL_JT_INTEGER, &x, &err), 1);
	ck_assert_double_eq(x, 5);
	ck_assert_int_lt(vcl_jdoc_double(&d, "f", VCL_JT_INTEGER, &x, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:4:8: f: expected integer, got number");
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_freep(&err);
	ck_assert_int_eq(vcl_jdoc_double(&d, "f", VCL_JT_NUMBER, &x, &err), 1);
	ck_assert_double_eq(x, 5.5);
	/* Null only where allowed; a null leaves *out alone. */
	x = 7;
	ck_assert_int_eq(vcl_jdoc_double(&d, "z", VCL_JT_NUMBER | VCL_JT_NULL, &x, &err), 1);
	ck_assert_double_eq(x, 7);
	ck_assert_int_lt(vcl_jdoc_double(&d, "z", VCL_JT_NUMBER, &x, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:5:8: z: expected number, got null");
	vcl_error_freep(&err);
	ck_assert_int_lt(vcl_jdoc_get(&d, "o.a.1", VCL_JT_NUMBER | VCL_JT_NULL, &v, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:6:18: o.a.1: expected number or null, got string");
	vcl_error_freep(&err);
	ck_assert_int_lt(
	    vcl_jdoc_get(&d, "s", VCL_JT_OBJECT | VCL_JT_ARRAY | VCL_JT_BOOL, &v, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:2:8: s: expected object, array or boolean, got string");
	vcl_error_freep(&err);
	/* Absent: 0 when optional, the parent's position when required. */
	ck_assert_int_eq(vcl_jdoc_get(&d, "o.b", VCL_JT_OBJECT, &v, &err), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(vcl_jdoc_get(&d, "o.a.9", VCL_JT_NUMBER, &v, &err), 0);
	ck_assert_int_lt(vcl_jdoc_get(&d, "o.b", VCL_JT_OBJECT | VCL_JT_REQUIRED, &v, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:6:8: o.b: required key missing (expected object)");
	vcl_error_freep(&err);
	/* A step through a scalar: that step was meant to be an object. */
	ck_assert_int_lt(vcl_jdoc_get(&d, "s.x.y", VCL_JT_NUMBER, &v, &err), 0);
	ck_assert_str_eq(err->msg, "d.json:2:8: s: expected object, got string");
	vcl_error_freep(&err);
	/* Without the text: the same message, no position. */
	d.text = NULL;
	ck_assert_int_lt(vcl_jdoc_get(&d, "s", VCL_JT_BOOL, &v, &err), 0);
	ck_assert_str_eq(err->msg, "d.json: s: expected boolean, got string");
	vcl_error_freep(&err);
	json_object_put(root);
}
END_TEST

/* Parse text as results, warnings into *warned (malloc'd, "" when none). */
static int parse_results(const char *text, char **warned, struct vcl_error **err)
{
	struct json_object *o = NULL;
	size_t len = 0;
	FILE *w = open_memstream(warned, &len);
	int r;

	ck_assert_ptr_nonnull(w);
	r = vcl_results_parse_buffer("r.json", text, strlen(text), w, &o, err);
	fclose(w);
	json_object_put(o);
	return r;
}

START_TEST(test_results_unknown_and_versions)
{
	cleanup_free char *path = data_path("tests/data/results-sample.json");
	cleanup_free char *text = NULL, *newer = NULL, *warned = NULL;
	struct vcl_error *err = NULL;
	size_t len;
	char *at;

	ck_assert_int_eq(vcl_read_file(path, &text, &len, &err), 0);
	/* The committed fixture: every key known, no warning. */
	ck_assert_int_eq(parse_results(text, &warned, &err), 0);
	ck_assert_str_eq(warned, "");
	free(warned);
	warned = NULL;
	/* A key a newer writer added is a warning with its place, not an error. */
	at = strstr(text, "\"peers\": {");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_ge(
	    asprintf(&newer, "%.*s\"x_newer_key\": {\"x\": 1},\n  %s", (int)(at - text), text, at),
	    0);
	ck_assert_int_eq(parse_results(newer, &warned, &err), 0);
	ck_assert_ptr_nonnull(strstr(warned, ": warning: x_newer_key: unknown key, ignored"));
	ck_assert_ptr_nonnull(strstr(warned, "r.json:"));
	free(warned);
	warned = NULL;
	/* gvisor's own keys (docs/gvisor.md) are known: no warning; a wrong
	 * type in platform_why is an error at its place. */
	at = strstr(text, "\"backends\": {");
	ck_assert_ptr_nonnull(at);
	free(newer);
	ck_assert_int_ge(asprintf(&newer,
				  "%.*s\"backends\": {\"gvisor\": {\"platform\": \"ptrace\", "
				  "\"platform_why\": {\"systrap\": \"unknown\"}, \"network\": "
				  "\"host\", \"network_why\": \"x\", \"runsc\": \"v\"},%s",
				  (int)(at - text), text, at + strlen("\"backends\": {")),
			 0);
	ck_assert_int_eq(parse_results(newer, &warned, &err), 0);
	ck_assert_str_eq(warned, "");
	free(warned);
	warned = NULL;
	free(newer);
	ck_assert_int_ge(asprintf(&newer,
				  "%.*s\"backends\": {\"gvisor\": {\"platform_why\": {\"kvm\": "
				  "1}},%s",
				  (int)(at - text), text, at + strlen("\"backends\": {")),
			 0);
	ck_assert_int_lt(parse_results(newer, &warned, &err), 0);
	ck_assert_msg(strstr(err->msg, "backends.gvisor.platform_why.kvm") != NULL, "%s", err->msg);
	vcl_error_freep(&err);
	free(warned);
	warned = NULL;
	/* A later schema version is refused as newer; another schema is not ours. */
	ck_assert_int_lt(parse_results("{\n  \"schema\": \"vclab.results/2\"\n}\n", &warned, &err),
			 0);
	ck_assert_str_eq(err->msg, "r.json:2:13: schema: \"vclab.results/2\" is newer than this "
				   "vclab reads (\"vclab.results/1\"); use a newer vclab");
	vcl_error_freep(&err);
	free(warned);
	warned = NULL;
	ck_assert_int_lt(parse_results("{\"schema\": 1}", &warned, &err), 0);
	ck_assert_str_eq(err->msg, "r.json:1:12: schema: expected string, got number");
	vcl_error_freep(&err);
	free(warned);
	warned = NULL;
	ck_assert_int_lt(parse_results("[1]", &warned, &err), 0);
	ck_assert_str_eq(err->msg, "r.json:1:1: (document): expected object, got array");
	vcl_error_freep(&err);
}
END_TEST

/* One wrongly typed fixture per top-level section, and its one line. */
static const struct {
	const char *file, *msg;
} bad[] = {
    {"top", "8:15: complete: expected boolean, got string"},
    {"missing", "1:1: run_id: required key missing (expected string)"},
    {"host", "12:14: host.cores: expected integer, got string"},
    {"config", "22:18: config.scenarios: expected array, got string"},
    {"backends", "35:21: backends.bare.startup_ms: expected object, got string"},
    {"peers", "59:16: peers.runc.startup_ms.p50: expected number or null, got string"},
    {"errors", "67:15: errors.0.kind: expected string, got number"},
};

/* Run a verb; its exit status (an error's exit code), *msg its error line. */
static int run_verb(vcl_cmd_fn fn, char **argv, char **msg)
{
	struct vcl_error *err = NULL;
	int argc = 0, ret;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;
	ret = fn(argc, argv, &err);
	*msg = err != NULL && err->msg != NULL ? strdup(err->msg) : NULL;
	if (ret < 0)
		ret = vcl_error_exit_code(err);
	vcl_error_free(err);
	return ret;
}

/* A real run of the resource scenarios (tests/data/results-resources.json:
 * the disk scenario's tool.direct and tool.direct_why are objects per
 * target) reads with no error and no warning. */
START_TEST(test_results_resources)
{
	cleanup_free char *path = data_path("tests/data/results-resources.json");
	cleanup_free char *text = NULL, *warned = NULL;
	struct vcl_error *err = NULL;
	size_t len;

	ck_assert_int_eq(vcl_read_file(path, &text, &len, &err), 0);
	ck_assert_ptr_nonnull(strstr(text, "\"direct_why\": {"));
	ck_assert_msg(parse_results(text, &warned, &err) == 0, "%s", err != NULL ? err->msg : "?");
	ck_assert_str_eq(warned, "");
}
END_TEST

START_TEST(test_bad_types_verbs)
{
	cleanup_free char *rel = NULL, *file = NULL, *want = NULL;
	cleanup_free char *profile = data_path("docs/examples/web-api.yaml");
	cleanup_free char *baseline = data_path("results/baselines/lab-tcg-hybrid-2cpu.yaml");
	char outdir[] = "/tmp/vclab-bad-types-XXXXXX";
	cleanup_free char *out = NULL;

	ck_assert_int_ge(asprintf(&rel, "tests/data/bad-types/%s.json", bad[_i].file), 0);
	file = data_path(rel);
	ck_assert_int_ge(asprintf(&want, "%s:%s", file, bad[_i].msg), 0);
	ck_assert_ptr_nonnull(mkdtemp(outdir));
	ck_assert_int_ge(asprintf(&out, "%s/baseline.yaml", outdir), 0);
	{
		char *report[] = {S("report"), file, S("-o"), outdir, NULL};
		char *advise[] = {S("advise"), S("--results"), file, profile, NULL};
		char *check[] = {S("check"), S("--baseline"), baseline, file, NULL};
		char *base[] = {S("baseline"), S("--from"), file, S("-o"), out, NULL};
		char **verbs[] = {report, advise, check, base};
		vcl_cmd_fn fns[] = {vcl_cmd_report, vcl_cmd_advise, vcl_cmd_check,
				    vcl_cmd_baseline};

		for (size_t v = 0; v < ARRAY_SIZE(fns); v++) {
			cleanup_free char *msg = NULL;

			ck_assert_int_eq(run_verb(fns[v], verbs[v], &msg), 2);
			ck_assert_msg(msg != NULL && strcmp(msg, want) == 0,
				      "%s: got \"%s\", want \"%s\"", verbs[v][0], msg, want);
		}
	}
	ck_assert_int_eq(access(out, F_OK), -1);
	ck_assert_int_eq(rmdir(outdir), 0);
}
END_TEST

static Suite *results_read_suite(void)
{
	Suite *s = suite_create("results_read");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_locate_literals);
	tcase_add_test(tc, test_locate_strings);
	tcase_add_test(tc, test_locate_malformed);
	tcase_add_test(tc, test_jdoc_get);
	tcase_add_test(tc, test_results_unknown_and_versions);
	tcase_add_test(tc, test_results_resources);
	tcase_add_loop_test(tc, test_bad_types_verbs, 0, (int)ARRAY_SIZE(bad));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(results_read_suite());
}

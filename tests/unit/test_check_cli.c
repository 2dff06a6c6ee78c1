/* SPDX-License-Identifier: MIT */
/*
 * The regression gate, end to end: `vclab baseline` and `vclab check` run
 * as verbs on files made from tests/data/results-sample.json, with their
 * output, exit codes and JUnit files checked. The pure parts are in
 * test_check.c.
 */
/* clang-analyzer 14 does not model __attribute__((cleanup)), so every
 * cleanup_free variable looks leaked to it; LSan in `make asan` checks leaks. */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate/gate.h"
#include "check_fixture.h"
#include "core/cleanup.h"
#include "cli/cmds.h"
#include "core/results.h"
#include "core/util.h"

/* ---- helpers ------------------------------------------------------------ */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vclab-test-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	struct vcl_error *err = NULL;

	if (tmpdir[0] != '\0')
		vcl_rm_rf(tmpdir, &err);
	vcl_error_free(err);
	tmpdir[0] = '\0';
}

static char *tmpfile_path(const char *name)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", tmpdir, name), 0);
	return p;
}

static void write_json(const char *path, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_write_atomic(path, text, strlen(text), &err), 0);
}

static void write_text(const char *path, const char *text)
{
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_write_atomic(path, text, strlen(text), &err), 0);
}

/* Run a verb with stdout captured into *out; returns the exit status
 * main() would give (error kinds mapped as main() maps them). */
static int run_verb(vcl_cmd_fn fn, char **argv, char **out, char **errmsg)
{
	cleanup_free char *cap = tmpfile_path("stdout.txt");
	struct vcl_error *err = NULL;
	int argc = 0, saved, fd, ret;
	size_t len;

	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ret = fn(argc, argv, &err);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	if (out != NULL) {
		struct vcl_error *rerr = NULL;

		ck_assert_int_eq(vcl_read_file(cap, out, &len, &rerr), 0);
	}
	if (errmsg != NULL)
		*errmsg = err != NULL && err->msg != NULL ? strdup(err->msg) : NULL;
	if (ret < 0) {
		ck_assert_ptr_nonnull(err);
		ret = vcl_error_exit_code(err);
	}
	vcl_error_free(err);
	return ret;
}

/*
 * A small strict XML reader for the JUnit file: checks that every tag is
 * closed in order and attributes are quoted, and records, per testcase name
 * (entities decoded), whether it holds a <failure> or <error>.
 */
struct junit_case {
	char name[256];
	bool failure, error;
	char failure_type[32];
};
struct junit {
	struct junit_case cases[64];
	size_t ncases;
	long tests, failures, errors;
};

static void xml_unescape(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'},   {"&lt;", '<'},   {"&gt;", '>'},  {"&quot;", '"'},
		    {"&apos;", '\''}, {"&#10;", '\n'}, {"&#9;", '\t'}, {"&#13;", '\r'}};
	char *w = s;

	for (char *r = s; *r != '\0';) {
		bool done = false;

		if (*r == '&') {
			for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t l = strlen(ents[i].ent);

				if (strncmp(r, ents[i].ent, l) == 0) {
					*w++ = ents[i].c;
					r += l;
					done = true;
					break;
				}
			}
			ck_assert_msg(done, "Unknown entity at %.10s", r);
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Value of attribute key in the tag text [tag, end); "" when absent. */
static void xml_attr(const char *tag, const char *end, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), " %s=\"", key);
	p = strstr(tag, pat);
	if (p == NULL || p >= end)
		return;
	p += strlen(pat);
	{
		const char *q = strchr(p, '"');

		ck_assert_ptr_nonnull(q);
		ck_assert(q < end);
		ck_assert_uint_lt((size_t)(q - p), len);
		memcpy(out, p, (size_t)(q - p));
		out[q - p] = '\0';
	}
	ck_assert_ptr_null(strchr(out, '<'));
	xml_unescape(out);
}

static void junit_parse(const char *text, struct junit *j)
{
	char stack[16][32];
	int depth = 0;
	const char *p = text;
	struct junit_case *cur = NULL;
	char buf[256];

	memset(j, 0, sizeof(*j));
	ck_assert_msg(strncmp(p, "<?xml ", 6) == 0, "No XML declaration");
	p = strstr(p, "?>");
	ck_assert_ptr_nonnull(p);
	while ((p = strchr(p, '<')) != NULL) {
		const char *end = strchr(p, '>');
		bool closing = p[1] == '/';
		bool selfclose;
		char name[32];
		size_t nl;
		const char *ns = p + (closing ? 2 : 1);

		ck_assert_ptr_nonnull(end);
		selfclose = end[-1] == '/';
		nl = strcspn(ns, " />");
		ck_assert_uint_lt(nl, sizeof(name));
		memcpy(name, ns, nl);
		name[nl] = '\0';
		if (closing) {
			ck_assert_int_gt(depth, 0);
			ck_assert_str_eq(stack[depth - 1], name);
			depth--;
			if (strcmp(name, "testcase") == 0)
				cur = NULL;
		} else {
			if (strcmp(name, "testsuite") == 0) {
				xml_attr(p, end, "tests", buf, sizeof(buf));
				j->tests = strtol(buf, NULL, 10);
				xml_attr(p, end, "failures", buf, sizeof(buf));
				j->failures = strtol(buf, NULL, 10);
				xml_attr(p, end, "errors", buf, sizeof(buf));
				j->errors = strtol(buf, NULL, 10);
			} else if (strcmp(name, "testcase") == 0) {
				ck_assert_uint_lt(j->ncases, 64);
				cur = &j->cases[j->ncases++];
				xml_attr(p, end, "name", cur->name, sizeof(cur->name));
				xml_attr(p, end, "classname", buf, sizeof(buf));
				ck_assert_msg(buf[0] != '\0', "testcase without classname");
				xml_attr(p, end, "time", buf, sizeof(buf));
				ck_assert_msg(buf[0] != '\0', "testcase without time");
			} else if (strcmp(name, "failure") == 0 || strcmp(name, "error") == 0) {
				ck_assert_ptr_nonnull(cur);
				xml_attr(p, end, "message", buf, sizeof(buf));
				ck_assert_msg(buf[0] != '\0', "failure without message");
				if (name[0] == 'f') {
					cur->failure = true;
					xml_attr(p, end, "type", cur->failure_type,
						 sizeof(cur->failure_type));
				} else {
					cur->error = true;
				}
			}
			if (!selfclose) {
				ck_assert_int_lt(depth, 16);
				snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
			}
		}
		/* Text between tags must not hold a raw '&' that is no entity. */
		p = end + 1;
	}
	ck_assert_int_eq(depth, 0);
}

static const struct junit_case *junit_case(const struct junit *j, const char *name)
{
	for (size_t i = 0; i < j->ncases; i++)
		if (strcmp(j->cases[i].name, name) == 0)
			return &j->cases[i];
	ck_abort_msg("No testcase '%s' in the JUnit file", name);
	return NULL;
}

/* ---- the verbs end to end ----------------------------------------------- */

/* A baseline from the fixture, written to tmpdir/base.yaml by the verb. */
static char *make_baseline(void)
{
	cleanup_free char *fixture = data_path("tests/data/results-sample.json");
	char *out = tmpfile_path("baselines/tcg-fixture.yaml");
	char *argv[] = {S("baseline"), S("--from"), fixture, S("-o"), out, NULL};
	cleanup_free char *text = NULL;

	ck_assert_int_eq(run_verb(vcl_cmd_baseline, argv, &text, NULL), 0);
	ck_assert_ptr_nonnull(strstr(text, "wrote "));
	return out;
}

START_TEST(test_cli_pass)
{
	cleanup_free char *base = NULL;
	cleanup_free char *fixture = data_path("tests/data/results-sample.json");
	cleanup_free char *junit = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *xml = NULL;
	struct vcl_error *err = NULL;
	struct junit j;
	size_t len;

	make_tmpdir();
	base = make_baseline();
	junit = tmpfile_path("junit.xml");
	{
		char *argv[] = {S("check"),   S("--baseline"), base, fixture,
				S("--junit"), junit,	       NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, NULL), 0);
	}
	ck_assert_ptr_nonnull(strstr(out, "verdict"));
	ck_assert_ptr_nonnull(strstr(out, "-> PASS (exit 0)"));
	ck_assert_ptr_null(strstr(out, "tightened"));
	ck_assert_int_eq(vcl_read_file(junit, &xml, &len, &err), 0);
	junit_parse(xml, &j);
	ck_assert_int_eq(j.failures, 0);
	ck_assert_int_eq(j.errors, 0);
	ck_assert_int_eq(j.tests, (long)j.ncases);
	ck_assert(!junit_case(&j, "ctr/bare startup_ms.p50")->failure);
	remove_tmpdir();
}
END_TEST

START_TEST(test_cli_seeded_regression)
{
	cleanup_free char *base = NULL;
	cleanup_free char *regressed = NULL;
	cleanup_free char *junit = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *xml = NULL;
	struct json_object *r = sample_results();
	struct vcl_error *err = NULL;
	const struct junit_case *c;
	struct junit j;
	size_t len;

	make_tmpdir();
	base = make_baseline();
	/* ctr startup doubled: every statistic of it twice as large */
	{
		struct json_object *st = vcl_json_path(r, "backends.ctr.startup_ms");

		json_object_object_foreach(st, key, val)
		{
			if (json_object_is_type(val, json_type_double) && strcmp(key, "cv") != 0)
				json_object_object_add(
				    st, key,
				    json_object_new_double(2 * json_object_get_double(val)));
		}
	}
	/* runc skipped, with a reason that needs escaping in the JUnit file */
	json_object_object_add(vcl_json_path(r, "peers"), "runc",
			       json_tokener_parse("{\"family\":\"ctr\",\"skipped\":true,"
						  "\"reason\":\"<&\\\"odd\\\"> 'x'\"}"));
	regressed = tmpfile_path("regressed.json");
	write_json(regressed, r);
	json_object_put(r);
	junit = tmpfile_path("junit.xml");
	{
		char *argv[] = {S("check"),   S("--baseline"), base, regressed,
				S("--junit"), junit,	       NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, NULL), 1);
	}
	ck_assert_ptr_nonnull(strstr(out, "REGRESSED ctr/bare startup_ms.p50: 5.198 is above max "
					  "2.859 (lower is better)"));
	ck_assert_ptr_nonnull(strstr(out, "-> FAIL (exit 1)"));
	ck_assert_ptr_nonnull(strstr(out, "MISSING ctr/runc startup_ms.p50"));

	ck_assert_int_eq(vcl_read_file(junit, &xml, &len, &err), 0);
	junit_parse(xml, &j);
	c = junit_case(&j, "ctr/bare startup_ms.p50");
	ck_assert(c->failure);
	ck_assert_str_eq(c->failure_type, "regression");
	c = junit_case(&j, "ctr/runc startup_ms.p50");
	ck_assert(c->failure);
	ck_assert_str_eq(c->failure_type, "missing");
	ck_assert_ptr_nonnull(strstr(xml, "was skipped in this run: &lt;&amp;&quot;odd&quot;&gt; "
					  "&apos;x&apos;"));
	ck_assert(!junit_case(&j, "bare.memory.pss_kib")->failure);
	ck_assert_int_eq(j.failures, 2);
	ck_assert_int_eq(j.tests, (long)j.ncases);
	remove_tmpdir();
}
END_TEST

START_TEST(test_cli_improved)
{
	cleanup_free char *base = NULL;
	cleanup_free char *better = NULL;
	cleanup_free char *out = NULL;
	struct json_object *r = sample_results();

	make_tmpdir();
	base = make_baseline();
	set_number(r, "backends.ctr.startup_ms", "p50", 4.151 / 2);
	set_number(r, "backends.ctr.density", "instances_per_gib", 500);
	better = tmpfile_path("better.json");
	write_json(better, r);
	json_object_put(r);
	{
		char *argv[] = {S("check"), S("--baseline"), base, better, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, NULL), 0);
	}
	ck_assert_ptr_nonnull(strstr(out,
				     "improved beyond bounds, so the baseline can be "
				     "tightened: ctr/bare startup_ms.p50, "
				     "ctr/runc startup_ms.p50, ctr.density.instances_per_gib"));
	ck_assert_ptr_nonnull(strstr(out, "vclab baseline --from"));
	ck_assert_ptr_nonnull(strstr(out, "3 improved"));
	ck_assert_ptr_nonnull(strstr(out, "-> PASS (exit 0)"));
	remove_tmpdir();
}
END_TEST

START_TEST(test_cli_host_mismatch)
{
	cleanup_free char *base = NULL;
	cleanup_free char *kvm = NULL;
	cleanup_free char *junit = NULL;
	cleanup_free char *out = NULL;
	cleanup_free char *msg = NULL;
	struct json_object *r = sample_results();

	make_tmpdir();
	base = make_baseline();
	json_object_object_add(vcl_json_path(r, "host"), "accelerator",
			       json_object_new_string("kvm"));
	kvm = tmpfile_path("kvm.json");
	write_json(kvm, r);
	json_object_put(r);
	junit = tmpfile_path("junit.xml");
	{
		char *argv[] = {S("check"), S("--baseline"), base, kvm, S("--junit"), junit, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, &msg), 2);
	}
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "accelerator: baseline 'tcg', results 'kvm'"));
	ck_assert_int_ne(access(junit, F_OK), 0); /* nothing left behind */
	free(out);
	out = NULL;
	{
		char *argv[] = {S("check"), S("--force"), S("--baseline"), base,
				kvm,	    S("--junit"), junit,	   NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, NULL), 0);
	}
	ck_assert_ptr_nonnull(strstr(out, "warning: the results come from another host class"));
	ck_assert_int_eq(access(junit, F_OK), 0);
	remove_tmpdir();
}
END_TEST

START_TEST(test_cli_bad_inputs)
{
	cleanup_free char *fixture = data_path("tests/data/results-sample.json");
	cleanup_free char *bad = NULL;
	cleanup_free char *msg = NULL;
	cleanup_free char *incomplete = NULL;
	cleanup_free char *base = NULL;
	cleanup_free char *out = NULL;
	struct json_object *r = sample_results();

	make_tmpdir();
	bad = tmpfile_path("bad.yaml");
	write_text(bad, "schema: vclab.baseline/1\nmetrics:\n  - path: a.b\n    check: p50\n"
			"    direction: lower\n    min: 5\n    max: 3\n");
	{
		char *argv[] = {S("check"), S("--baseline"), bad, fixture, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, NULL, &msg), 2);
	}
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "bad.yaml:6:10: min 5 is greater than max 3"));
	free(msg);
	msg = NULL;
	{
		char *argv[] = {S("check"), S("--baseline"), bad, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, NULL, NULL), 2);
	}
	{
		char *argv[] = {S("check"), S("--baseline"), S("/nonexistent.yaml"), fixture, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, NULL, NULL), 2);
	}
	{
		char *argv[] = {S("baseline"), S("--from"),	     bad,
				S("-o"),       S("/tmp/never.yaml"), NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_baseline, argv, NULL, &msg), 2);
		ck_assert_int_ne(access("/tmp/never.yaml", F_OK), 0);
	}
	/* an incomplete run fails the gate (1) unless --force */
	base = make_baseline();
	json_object_object_add(r, "complete", json_object_new_boolean(0));
	json_object_object_add(r, "incomplete_reason", json_object_new_string("SIGINT"));
	incomplete = tmpfile_path("incomplete.json");
	write_json(incomplete, r);
	json_object_put(r);
	{
		char *argv[] = {S("check"), S("--baseline"), base, incomplete, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, &out, NULL), 1);
		ck_assert_ptr_nonnull(strstr(out, "the run is incomplete: SIGINT"));
	}
	{
		char *argv[] = {S("check"), S("--force"), S("--baseline"), base, incomplete, NULL};

		ck_assert_int_eq(run_verb(vcl_cmd_check, argv, NULL, NULL), 0);
	}
	remove_tmpdir();
}
END_TEST

static Suite *check_cli_suite(void)
{
	Suite *s = suite_create("check_cli");
	TCase *cli = tcase_create("cli");

	tcase_add_test(cli, test_cli_pass);
	tcase_add_test(cli, test_cli_seeded_regression);
	tcase_add_test(cli, test_cli_improved);
	tcase_add_test(cli, test_cli_host_mismatch);
	tcase_add_test(cli, test_cli_bad_inputs);
	suite_add_tcase(s, cli);
	return s;
}

int main(void)
{
	return run_suite(check_cli_suite());
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

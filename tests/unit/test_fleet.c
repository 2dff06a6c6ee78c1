/* SPDX-License-Identifier: MIT */
/*
 * Fleet runs, the pure parts, on literal input: the host class name and its
 * place in results.json (bench --host-class), a host that gave no results
 * ("error"), the report's view by class, the advisor's reasons why classes
 * differ. The gate's baseline per class is tested in test_check.c.
 */
/* NOLINTBEGIN(clang-analyzer-unix.Malloc) */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "bench/bench.h"
#include "core/host.h"
#include "core/results.h"
#include "report/report.h"
#include "tests/suite_main.h"

static void has(const char *text, const char *want)
{
	ck_assert_msg(text != NULL && strstr(text, want) != NULL, "missing: %s\nin:\n%s", want,
		      text != NULL ? text : "(null)");
}

/* ---- host.class ---- */

START_TEST(test_class_name)
{
	ck_assert(vcl_host_class_name_ok("metal"));
	ck_assert(vcl_host_class_name_ok("cloud-vm_2.large"));
	ck_assert(vcl_host_class_name_ok("7"));
	ck_assert(!vcl_host_class_name_ok(""));
	ck_assert(!vcl_host_class_name_ok(NULL));
	ck_assert(!vcl_host_class_name_ok("-x"));
	ck_assert(!vcl_host_class_name_ok("a b"));
	ck_assert(!vcl_host_class_name_ok("a/b"));
	ck_assert(vcl_host_class_name_ok(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	ck_assert(!vcl_host_class_name_ok(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}
END_TEST

START_TEST(test_host_json_class)
{
	struct vcl_host h;
	struct json_object *o;

	memset(&h, 0, sizeof(h));
	o = vcl_host_json(&h);
	ck_assert_ptr_null(vcl_json_path(o, "class"));
	json_object_put(o);
	snprintf(h.host_class, sizeof(h.host_class), "metal");
	o = vcl_host_json(&h);
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "class")), "metal");
	json_object_put(o);
}
END_TEST

START_TEST(test_bench_option)
{
	struct vcl_bench_opts o;
	struct vcl_error *err = NULL;
	bool help;
	char a0[] = "bench", a1[] = "--host-class", a2[] = "metal", b2[] = "no/slash";
	char *ok[] = {a0, a1, a2, NULL};
	char *bad[] = {a0, a1, b2, NULL};

	ck_assert_int_eq(vcl_bench_opts_parse(3, ok, &o, &help, &err), 0);
	ck_assert_str_eq(o.host_class, "metal");
	vcl_bench_opts_free(&o);
	ck_assert_int_lt(vcl_bench_opts_parse(3, bad, &o, &help, &err), 0);
	ck_assert_ptr_nonnull(err);
	has(err->msg, "--host-class 'no/slash'");
	vcl_error_free(err);
	vcl_bench_opts_free(&o);
}
END_TEST

/* A host that gave no results: what the fleet playbook writes. */
static const char failed[] =
    "{\"schema\":\"vclab.results/1\",\"vclab_version\":\"0.1\",\"run_id\":\"fleet-old-1\","
    "\"started\":\"2026-12-07T04:00:00Z\",\"complete\":false,"
    "\"incomplete_reason\":\"host unreachable\","
    "\"host\":{\"hostname\":\"old-1\",\"class\":\"v1\"},\"config\":{},\"errors\":[],"
    "\"error\":\"unreachable: ssh: connect to host 127.0.0.1 port 9: Connection refused\"}";

START_TEST(test_results_accept_class_and_error)
{
	struct json_object *root = NULL;
	struct vcl_error *err = NULL;
	static const char bad[] =
	    "{\"schema\":\"vclab.results/1\",\"vclab_version\":\"0.1\",\"run_id\":\"x\","
	    "\"started\":\"s\",\"complete\":false,\"host\":{\"class\":7},\"config\":{},"
	    "\"errors\":[]}";

	ck_assert_int_eq(
	    vcl_results_parse_buffer("f.json", failed, strlen(failed), NULL, &root, &err), 0);
	json_object_put(root);
	root = NULL;
	ck_assert_int_lt(vcl_results_parse_buffer("b.json", bad, strlen(bad), NULL, &root, &err),
			 0);
	has(err->msg, "host.class");
	vcl_error_free(err);
}
END_TEST

/* ---- the report by class ---- */

#define RUN(host, klass, accel, vm_p50, ratio, lo, hi)                                             \
	"{\"run_id\":\"" host "\",\"complete\":true,\"host\":{\"hostname\":\"" host                \
	"\",\"class\":\"" klass "\",\"accelerator\":\"" accel "\",\"cgroup\":\"v2\"},"             \
	"\"backends\":{\"bare\":{\"startup_ms\":{\"n\":5,\"p50\":2}},"                             \
	"\"vm\":{\"accelerator\":\"" accel "\",\"startup_ms\":{\"n\":5,\"p50\":" vm_p50 "},"       \
	"\"memory\":{\"overhead_kib\":61440},\"density\":{\"max_instances\":4,"                    \
	"\"budget_mib\":512}}},"                                                                   \
	"\"comparisons\":[{\"metric\":\"startup_ms.p50\",\"a\":\"vm\",\"b\":\"bare\","             \
	"\"ratio\":" ratio ",\"ci95\":[" lo "," hi "],\"verdict\":\"higher\"}],\"errors\":[]}"

static char *render(const char *const *texts, size_t n, char ***warnings)
{
	struct vcl_report_run runs[4];
	struct vcl_report_figs figs = {0};
	struct vcl_report_ctx c = {.runs = runs, .n = n, .figs = &figs, .metrics_href = "m.md"};
	struct vcl_rdoc doc;
	char *out;

	for (size_t i = 0; i < n; i++) {
		runs[i] = (struct vcl_report_run){
		    .label = "r", .file = "results.json", .root = json_tokener_parse(texts[i])};
		ck_assert_ptr_nonnull(runs[i].root);
	}
	vcl_report_build(&c, &doc, warnings);
	out = vcl_report_markdown(&doc);
	vcl_rdoc_free(&doc);
	for (size_t i = 0; i < n; i++)
		json_object_put(runs[i].root);
	return out;
}

static void free_warnings(char **w)
{
	for (size_t i = 0; w != NULL && w[i] != NULL; i++)
		free(w[i]);
	free(w);
}

START_TEST(test_report_by_class)
{
	const char *const texts[] = {
	    RUN("cloud-1", "cloud", "tcg", "1500", "750", "700", "800"),
	    RUN("metal-1", "metal", "kvm", "150", "75", "70", "80"),
	    RUN("metal-2", "metal", "kvm", "160", "80", "72", "86"),
	    failed,
	};
	char **w = NULL;
	char *md = render(texts, 4, &w);
	const char *sec = strstr(md, "## Host classes");

	ck_assert_ptr_nonnull(sec);
	has(sec, "4 hosts in 3 classes");
	has(sec, "- class **cloud**: cloud-1");
	has(sec, "- class **metal**: metal-1, metal-2");
	has(sec, "- class **v1**: old-1 (no results)");
	has(sec, "Host old-1 (class v1) gave no results: unreachable: ssh: connect to host "
		 "127.0.0.1 port 9: Connection refused.");
	has(sec, "| placement | cloud | metal | v1 |");
	/* One column per class; two hosts of a class share its cell. */
	has(sec, "| vm | 1500 ms (TCG), ×750 \\[700–800\\] | metal-1: 150 ms (KVM), ×75.0 "
		 "\\[70.0–80.0\\]; metal-2: 160 ms (KVM), ×80.0 \\[72.0–86.0\\] | — |");
	has(sec, "| bare | 2.00 ms | metal-1: 2.00 ms; metal-2: 2.00 ms | — |");
	has(sec, "| vm | 60.0 MiB | metal-1: 60.0 MiB; metal-2: 60.0 MiB | — |");
	has(sec, "| vm | 4 in 512 MiB |");
	/* The host facts side by side name the class and the error. */
	has(md, "| host class | cloud | metal | metal | v1 |");
	has(md, "| no results: why | — | — | — | unreachable");
	/* The failed host has no facts to warn about. */
	for (size_t i = 0; w[i] != NULL; i++)
		ck_assert_msg(strstr(w[i], "—") == NULL, "warning about a failed host: %s", w[i]);
	free_warnings(w);
	free(md);
}
END_TEST

START_TEST(test_report_no_class)
{
	const char *const texts[] = {
	    "{\"run_id\":\"x\",\"host\":{\"hostname\":\"h\"},\"errors\":[]}",
	};
	char **w = NULL;
	char *md = render(texts, 1, &w);

	ck_assert_ptr_null(strstr(md, "## Host classes"));
	free_warnings(w);
	free(md);
}
END_TEST

/* ---- why classes differ ---- */

static void measured(struct vcl_measured *m, const char *accel, double vm_ratio, bool vm)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->accel, sizeof(m->accel), "%s", accel);
	m->tcg = strcmp(accel, "tcg") == 0;
	snprintf(m->source, sizeof(m->source), "R-%s.json", accel);
	for (int p = 0; p < VCL_NPLACE; p++) {
		m->b[p].present = p != VCL_VM || vm;
		m->b[p].has_startup = m->b[p].present;
		m->b[p].has_overhead = m->b[p].present;
		m->b[p].overhead_kib = p == VCL_VM ? 60000 : p == VCL_CTR ? 900 : 0;
	}
	m->cmp[VCL_CTR] = (struct vcl_meas_cmp){true, 3, 2.5, 3.5, "higher"};
	if (vm)
		m->cmp[VCL_VM] =
		    (struct vcl_meas_cmp){true, vm_ratio, vm_ratio * 0.9, vm_ratio * 1.1, "higher"};
	else
		snprintf(m->b[VCL_VM].absent, sizeof(m->b[VCL_VM].absent), "backends.vm missing");
}

static char *why(const struct vcl_class_view *v, size_t n, size_t *lines)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	*lines = vcl_advise_class_why(f, v, n);
	fclose(f);
	return buf;
}

START_TEST(test_why_no_kvm)
{
	struct vcl_measured a, b;
	struct vcl_class_view v[2] = {
	    {.name = "cloud",
	     .host = "c1",
	     .cgroup = "v2",
	     .kernel = "6.1",
	     .cpus = 2,
	     .mem_mib = 4096,
	     .m = &a},
	    {.name = "metal",
	     .host = "m1",
	     .cgroup = "v2",
	     .kernel = "6.1",
	     .cpus = 2,
	     .mem_mib = 4096,
	     .m = &b},
	};
	size_t lines;
	char *out;

	measured(&a, "tcg", 750, true);
	measured(&b, "kvm", 75, true);
	out = why(v, 2, &lines);
	has(out, "  - no KVM on class cloud (accelerator tcg): vm starts x750 bare there against "
		 "x75 on class metal (kvm), so vm costs 10 times more there\n");
	has(out, "  - vm starts x750 bare on class cloud, x75 on class metal (95% CIs do not "
		 "overlap)\n");
	ck_assert_ptr_null(strstr(out, "cgroup"));
	ck_assert_ptr_null(strstr(out, "memory overhead"));
	ck_assert_uint_eq(lines, 2);
	free(out);
}
END_TEST

START_TEST(test_why_not_measured_and_facts)
{
	struct vcl_measured a, b;
	struct vcl_class_view v[2] = {
	    {.name = "old",
	     .host = "o1",
	     .cgroup = "v1",
	     .kernel = "4.19",
	     .cpus = 4,
	     .mem_mib = -1,
	     .m = &a},
	    {.name = "new",
	     .host = "n1",
	     .cgroup = "v2",
	     .kernel = "6.1",
	     .cpus = 4,
	     .mem_mib = 8192,
	     .m = &b},
	};
	size_t lines;
	char *out;

	measured(&a, "tcg", 0, false);
	measured(&b, "tcg", 700, true);
	b.b[VCL_CTR].overhead_kib = 4096; /* 4.5x old's 900 KiB */
	out = why(v, 2, &lines);
	has(out, "  - class old: vm: not measured in results R-tcg.json (backends.vm missing), "
		 "so it cannot be advised there\n");
	has(out, "  - ctr's memory overhead per instance: 0.9 MiB on class old, 4.0 MiB on class "
		 "new\n");
	has(out, "  - cgroup mode: v1 on old, v2 on new\n");
	has(out, "  - kernel: 4.19 on old, 6.1 on new\n");
	has(out, "  - memory (MiB): not recorded on old, 8192 on new\n");
	ck_assert_ptr_null(strstr(out, "CPUs"));
	ck_assert_ptr_null(strstr(out, "KVM"));
	ck_assert_uint_eq(lines, 5);
	free(out);
}
END_TEST

START_TEST(test_why_nothing_measurable)
{
	struct vcl_measured a, b;
	struct vcl_class_view v[2] = {{.name = "a", .cpus = 2, .mem_mib = 1, .m = &a},
				      {.name = "b", .cpus = 2, .mem_mib = 1, .m = &b}};
	size_t lines;
	char *out;

	measured(&a, "kvm", 10, true);
	measured(&b, "kvm", 10.5, true);
	out = why(v, 2, &lines);
	ck_assert_uint_eq(lines, 0);
	has(out, "no measured fact differs beyond noise");
	free(out);
	ck_assert_uint_eq(vcl_advise_class_why(stdout, v, 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fleet");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_class_name);
	tcase_add_test(tc, test_host_json_class);
	tcase_add_test(tc, test_bench_option);
	tcase_add_test(tc, test_results_accept_class_and_error);
	tcase_add_test(tc, test_report_by_class);
	tcase_add_test(tc, test_report_no_class);
	tcase_add_test(tc, test_why_no_kvm);
	tcase_add_test(tc, test_why_not_measured_and_facts);
	tcase_add_test(tc, test_why_nothing_measurable);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
/* NOLINTEND(clang-analyzer-unix.Malloc) */

/* SPDX-License-Identifier: MIT */
/*
 * Report tests against golden files: gnuplot scripts, markdown and HTML
 * from the fixed fixture tests/data/results-sample.json, the VM boot figure,
 * memory nulls, the engines section and comparison warnings.
 *
 * Goldens live in tests/data/report/ (updating them: tests/golden.h).
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

START_TEST(test_scripts_golden)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	static const char *const expect[] = {"startup_cdf",    "startup_phases", "memory",
					     "density_ready",  "density_curve",	 "autoscale",
					     "steady_latency", "steady_rps"};

	vcl_report_plan_figures(&run, 1, &figs);
	ck_assert_uint_eq(figs.n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < figs.n; i++) {
		cleanup_free char *name = vcl_rxasprintf("%s.gp", figs.v[i].name);

		ck_assert_str_eq(figs.v[i].name, expect[i]);
		/* Every figure says from how many samples it is drawn. */
		ck_assert_msg(strstr(figs.v[i].caption, "n=") != NULL ||
				  strstr(figs.v[i].caption, "instances") != NULL ||
				  strstr(figs.v[i].caption, "one load run") != NULL,
			      "caption of %s has no sample count: %s", figs.v[i].name,
			      figs.v[i].caption);
		/* Scripts are self-contained and write both formats. */
		ck_assert_ptr_nonnull(strstr(figs.v[i].script, "set terminal svg"));
		ck_assert_ptr_nonnull(strstr(figs.v[i].script, "set terminal pngcairo"));
		ck_assert_ptr_null(strstr(figs.v[i].script, "/tmp"));
		golden(name, figs.v[i].script);
	}
	/* The TCG VM is labelled as such in the figures. */
	ck_assert_ptr_nonnull(strstr(figs.v[0].script, "vm (TCG)"));
	ck_assert_ptr_null(strstr(figs.v[0].script, "'vm (n="));
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

/* Boot phases of VM placements and peers (vm, vm-iaas, qemu-direct,
 * qemu-direct-iaas) make the VM boot figure; without them it is absent. */
static void add_phases(struct json_object *entry, double fw, double k, double u)
{
	struct json_object *ph = NULL;
	const char *names[] = {"firmware", "kernel", "userspace"};
	double v[] = {fw, k, u};

	if (!json_object_object_get_ex(entry, "phases_ms", &ph)) {
		ph = json_object_new_object();
		json_object_object_add(entry, "phases_ms", ph);
	}
	for (size_t i = 0; i < 3; i++) {
		struct json_object *st = json_object_new_object();

		json_object_object_add(st, "p50", json_object_new_double(v[i]));
		json_object_object_add(st, "n", json_object_new_int(5));
		json_object_object_add(ph, names[i], st);
	}
}

START_TEST(test_vm_boot_figure)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	struct json_object *bk, *peers, *vm, *qd, *iaas, *qdi;
	const char *script = NULL;

	vcl_report_plan_figures(&run, 1, &figs);
	for (size_t i = 0; i < figs.n; i++)
		ck_assert_str_ne(figs.v[i].name, "vm_boot_phases");
	vcl_report_figs_free(&figs);

	ck_assert(json_object_object_get_ex(o, "backends", &bk));
	ck_assert(json_object_object_get_ex(o, "peers", &peers));
	ck_assert(json_object_object_get_ex(bk, "vm", &vm));
	ck_assert(json_object_object_get_ex(peers, "qemu-direct", &qd));
	add_phases(vm, 160, 380, 40);
	add_phases(qd, 110, 360, 50);
	iaas = json_object_new_object();
	json_object_object_add(bk, "vm-iaas", iaas);
	add_phases(iaas, 900, 2700, 5200);
	qdi = json_object_new_object();
	json_object_object_add(qdi, "family", json_object_new_string("vm-iaas"));
	json_object_object_add(peers, "qemu-direct-iaas", qdi);
	add_phases(qdi, 700, 2600, 5100);
	vcl_report_plan_figures(&run, 1, &figs);
	for (size_t i = 0; i < figs.n; i++)
		if (strcmp(figs.v[i].name, "vm_boot_phases") == 0) {
			script = figs.v[i].script;
			ck_assert_ptr_nonnull(strstr(figs.v[i].caption, "vm-iaas (TCG) n=5"));
			ck_assert_ptr_nonnull(
			    strstr(figs.v[i].caption, "qemu-direct-iaas (TCG) n=5"));
		}
	ck_assert_ptr_nonnull(script);
	ck_assert_ptr_nonnull(strstr(script, "firmware: t0"));
	ck_assert_ptr_nonnull(strstr(script, "userspace: /init"));
	/* vm: 160 + 380 + 40 = 580 ms, vm-iaas 8800 ms, in this order. */
	ck_assert_ptr_nonnull(strstr(script, "\"vm (TCG)\" 160 380 40"));
	ck_assert_ptr_nonnull(strstr(script, "\"vm-iaas (TCG)\" 900 2700 5200"));
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

START_TEST(test_markdown_golden)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;

	vcl_report_plan_figures(&run, 1, &figs);
	/* As if gnuplot drew every figure. */
	for (size_t i = 0; i < figs.n; i++)
		figs.v[i].svg = vcl_rxstrdup("<svg viewBox='0 0 10 10'></svg>");
	w = build(&run, 1, &figs, NULL, &doc);
	ck_assert_ptr_null(w[0]); /* one run: nothing to warn about */
	md = vcl_report_markdown(&doc);
	golden("report.md", md);
	ck_assert_ptr_nonnull(strstr(md, "Accelerator: TCG"));
	ck_assert_ptr_nonnull(strstr(md, "**Caveat.**"));
	ck_assert_ptr_nonnull(strstr(md, "crun: skipped"));
	ck_assert_ptr_nonnull(
	    strstr(md, "×9.07 [8.33–10.1] vs ctr")); /* runc against ctr, with its CI */
	ck_assert_ptr_nonnull(strstr(md, "](figures/startup_cdf.png)"));
	ck_assert_ptr_nonnull(strstr(md, "advisor was not built"));
	ck_assert_ptr_nonnull(strstr(md, HREF "#startup"));
	ck_assert_ptr_null(strstr(md, "| vm |")); /* never an unlabelled VM */
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

/* Null memory figures (a failed reading) read as dashes with their reason,
 * never as 0; the VM figure says what it covers, with libvirt's daemons
 * beside it; the startup heading names the page cache. */
START_TEST(test_memory_nulls)
{
	struct json_object *o = load_fixture();
	struct json_object *vm = vcl_json_path(o, "backends.vm.memory");
	struct json_object *ctr = vcl_json_path(o, "backends.ctr.memory");
	struct json_object *dm = json_object_new_object();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;

	ck_assert_ptr_nonnull(vm);
	ck_assert_ptr_nonnull(ctr);
	json_object_object_add(vcl_json_path(o, "config"), "cache", json_object_new_string("cold"));
	json_object_object_add(vm, "kmem_kib", NULL);
	json_object_object_add(
	    vm, "kmem_kib_reason",
	    json_object_new_string("memory.kmem.usage_in_bytes unreadable: EIO"));
	json_object_object_add(vm, "overhead_kib", NULL);
	json_object_object_add(ctr, "payload_kib", NULL);
	json_object_object_add(ctr, "overhead_kib", NULL);
	json_object_object_add(dm, "libvirtd_pss_kib_before", json_object_new_double(20480));
	json_object_object_add(dm, "libvirtd_pss_kib_during", json_object_new_double(22528));
	json_object_object_add(dm, "virtlogd_pss_kib_before", NULL);
	json_object_object_add(dm, "virtlogd_pss_kib_during", NULL);
	json_object_object_add(dm, "growth_per_vm_kib", json_object_new_double(1024));
	json_object_object_add(vm, "daemons", dm);

	w = build(&run, 1, NULL, "gnuplot not installed", &doc);
	md = vcl_report_markdown(&doc);
	ck_assert_ptr_nonnull(strstr(md, "## Startup (cold page cache)"));
	ck_assert_ptr_nonnull(
	    strstr(md, "vm (TCG): `kmem_kib`: memory.kmem.usage\\_in\\_bytes unreadable: EIO"));
	ck_assert_ptr_nonnull(strstr(md, "covers QEMU's host processes only"));
	/* libvirtd 20 -> 22 MiB, virtlogd not read, 1 MiB per VM. */
	ck_assert_ptr_nonnull(strstr(md, "| vm (TCG) | 20.0 | 22.0 | — | — | 1.00 |"));
	/* ctr's null payload and overhead: a row of dashes, not zeros. */
	ck_assert_ptr_nonnull(strstr(md, "| ctr | — | — |"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	json_object_put(o);
}
END_TEST

/* An engine peer's entry: 20 launch samples around p50 ms, memory with a
 * helper, docker's daemons. */
static struct json_object *engine_entry(double p50, double pss, double helper, bool daemons)
{
	struct json_object *e = json_object_new_object(), *st = json_object_new_object();
	struct json_object *sm = json_object_new_array(), *m = json_object_new_object();
	struct json_object *ph = json_object_new_object(), *cr = json_object_new_object();

	for (int i = 0; i < 20; i++)
		json_object_array_add(sm, json_object_new_double(p50 + (i % 5) - 2));
	json_object_object_add(st, "p50", json_object_new_double(p50));
	json_object_object_add(st, "samples", sm);
	json_object_object_add(e, "family", json_object_new_string("ctr"));
	json_object_object_add(e, "startup_ms", st);
	json_object_object_add(cr, "p50", json_object_new_double(p50 - 1));
	json_object_object_add(ph, "create", cr);
	json_object_object_add(e, "phases_ms", ph);
	json_object_object_add(m, "pss_kib", json_object_new_double(pss));
	json_object_object_add(m, "helpers_pss_kib", json_object_new_double(helper));
	json_object_object_add(m, "kmem_kib", json_object_new_double(280));
	if (daemons) {
		struct json_object *dm = json_object_new_object();

		json_object_object_add(dm, "dockerd_pss_kib_during", json_object_new_double(81920));
		json_object_object_add(dm, "containerd_pss_kib_during",
				       json_object_new_double(40960));
		json_object_object_add(dm, "growth_per_instance_kib", json_object_new_double(28));
		json_object_object_add(m, "daemons", dm);
	}
	json_object_object_add(e, "memory", m);
	json_object_object_add(e, "engine", json_object_new_object());
	json_object_object_add(
	    vcl_json_path(e, "engine"), "helper",
	    json_object_new_string(daemons ? "containerd-shim-runc-v2" : "conmon"));
	return e;
}

/* The engines section: ratios to ctr and runc, the helper apart, the
 * daemons listed apart, a skipped engine with its reason; per service. */
START_TEST(test_engines_section)
{
	struct json_object *o = load_fixture();
	struct json_object *svcs = json_object_new_object(), *svc = json_object_new_object();
	struct json_object *sb = json_object_new_object(), *sp = json_object_new_object();
	struct json_object *skipped = json_object_new_object();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;

	/* Without an engine peer there is no section at all. */
	w = build(&run, 1, NULL, "gnuplot not installed", &doc);
	md = vcl_report_markdown(&doc);
	ck_assert_ptr_null(strstr(md, "## Engines"));
	free(md);
	free_warnings(w);
	vcl_rdoc_free(&doc);

	json_object_object_add(vcl_json_path(o, "peers"), "podman",
			       engine_entry(170, 737, 472, false));
	json_object_object_add(vcl_json_path(o, "peers"), "docker",
			       engine_entry(274, 5832, 5564, true));
	json_object_object_add(skipped, "skipped", json_object_new_boolean(1));
	json_object_object_add(skipped, "reason", json_object_new_string("No docker daemon here"));
	json_object_object_add(sb, "ctr", json_object_get(vcl_json_path(o, "backends.ctr")));
	json_object_object_add(sp, "podman", engine_entry(120, 2080, 560, false));
	json_object_object_add(sp, "docker", skipped);
	json_object_object_add(svc, "backends", sb);
	json_object_object_add(svc, "peers", sp);
	json_object_object_add(svcs, "bbhttpd", svc);
	json_object_object_add(o, "services", svcs);

	w = build(&run, 1, NULL, "gnuplot not installed", &doc);
	md = vcl_report_markdown(&doc);
	ck_assert_ptr_nonnull(strstr(md, "## Engines: podman and docker beside ctr and runc"));
	ck_assert_ptr_nonnull(strstr(md, "### Built-in payload"));
	ck_assert_ptr_nonnull(strstr(md, "### Service bbhttpd"));
	/* podman: 170 ms, create 169, ratio to ctr (~4.2 ms) and runc (37.7). */
	ck_assert_ptr_nonnull(strstr(md, "| podman (peer) | 170 | 169 | ×"));
	ck_assert_ptr_nonnull(strstr(md, "| 737 | 472 | 280 |"));
	ck_assert_ptr_nonnull(strstr(md, "| docker (peer) | 274 | 273 | ×"));
	ck_assert_ptr_nonnull(strstr(md, "dockerd 80.0 MiB and containerd 40.0 MiB"));
	ck_assert_ptr_nonnull(strstr(md, "**podman** has no daemon"));
	ck_assert_ptr_nonnull(strstr(md, "**docker**: skipped — No docker daemon here"));
	/* The service has no runc: its ratio to runc is a dash. */
	ck_assert_ptr_nonnull(strstr(md, "| podman (peer) | 120 | 119 | ×"));
	ck_assert_ptr_nonnull(strstr(md, "| — | 2080 | 560 |"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	json_object_put(o);
}
END_TEST

START_TEST(test_tables_only_golden)
{
	struct json_object *o = load_fixture();
	struct vcl_report_run run = fixture_run(o);
	struct vcl_report_figs figs;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;
	cleanup_free char *html = NULL;

	vcl_report_plan_figures(&run, 1, &figs);
	w = build(&run, 1, &figs, "gnuplot is not on PATH", &doc);
	md = vcl_report_markdown(&doc);
	html = vcl_report_html(&doc);
	golden("report-tables-only.md", md);
	golden("report-tables-only.html", html);
	ck_assert_ptr_null(strstr(md, "!["));
	ck_assert_ptr_nonnull(strstr(md, "**No figures:**"));
	ck_assert_ptr_null(strstr(html, "<svg"));
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(o);
}
END_TEST

/* A second run of the fixture on a KVM host with another CPU. */
static struct json_object *kvm_variant(void)
{
	struct json_object *o = load_fixture();

	json_object_object_add(o, "run_id", json_object_new_string("fx02"));
	json_object_object_add(vcl_json_obj(o, "host"), "accelerator",
			       json_object_new_string("kvm"));
	json_object_object_add(vcl_json_obj(o, "host"), "cpu_model",
			       json_object_new_string("Intel Xeon"));
	json_object_object_add(vcl_json_path(o, "backends.vm"), "accelerator",
			       json_object_new_string("kvm"));
	json_object_object_add(vcl_json_path(o, "backends.vm.startup_ms"), "p50",
			       json_object_new_double(241.4));
	return o;
}

START_TEST(test_compare_warns)
{
	struct json_object *a = load_fixture(), *b = kvm_variant();
	struct vcl_report_run runs[2] = {fixture_run(a),
					 {.label = "fx02", .file = "b.json", .root = b}};
	struct vcl_report_figs figs;
	struct vcl_rdoc doc;
	char **w;
	cleanup_free char *md = NULL;
	bool accel = false, cpu = false;
	size_t nw = 0;

	vcl_report_plan_figures(runs, 2, &figs);
	w = build(runs, 2, &figs, "gnuplot is not on PATH", &doc);
	for (; w[nw] != NULL; nw++) {
		accel = accel || strstr(w[nw], "Accelerators differ") != NULL;
		cpu = cpu || strstr(w[nw], "CPU models differ") != NULL;
	}
	ck_assert_msg(accel, "no accelerator warning");
	ck_assert_msg(cpu, "no CPU model warning");
	ck_assert_uint_eq(nw, 2); /* cgroup and cores are the same */
	md = vcl_report_markdown(&doc);
	golden("compare.md", md);
	ck_assert_ptr_nonnull(strstr(md, "> **Warning.** Accelerators differ"));
	ck_assert_ptr_nonnull(strstr(md, "## Comparison"));
	ck_assert_ptr_nonnull(strstr(md, "| fx02 | vm (KVM) |"));
	ck_assert_ptr_nonnull(strstr(md, "| fx01 | vm (TCG) |"));
	ck_assert_ptr_nonnull(strstr(md, "VMs ran under TCG in fx01**"));
	/* startup p50 of vm: 2414 -> 241 is ×0.1 and a delta of −2173. */
	ck_assert_ptr_nonnull(
	    strstr(md, "| vm | startup p50 (ms) | 2414 | 241 | -2173 | ×0.100 |"));
	/* Figures carry the run in their series names. */
	ck_assert_ptr_nonnull(strstr(figs.v[0].script, "fx02: vm (KVM)"));
	free_warnings(w);
	vcl_rdoc_free(&doc);
	vcl_report_figs_free(&figs);
	json_object_put(a);
	json_object_put(b);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    test_scripts_golden,  test_vm_boot_figure,	   test_markdown_golden, test_memory_nulls,
	    test_engines_section, test_tables_only_golden, test_compare_warns};

	return run_suite(suite_of("report_golden", 60, tests, ARRAY_SIZE(tests), NULL));
}

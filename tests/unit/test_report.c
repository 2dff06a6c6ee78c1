/* SPDX-License-Identifier: MIT */
/*
 * Report tests: golden gnuplot scripts and markdown/HTML from the fixed
 * fixture tests/data/results-sample.json, comparison warnings, the
 * no-gnuplot path, and the pieces (number format, SVG inlining).
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

#define FIXTURE "tests/data/results-sample.json"
#define GOLDEN	"tests/data/report"
#define HREF	"../../docs/metrics.md"

/* The source tree: the current folder when run from it (make unit), else
 * found from the test binary (build/tests/x or build/asan/tests/x). */
static char root[PATH_MAX + 64];

static void find_root(void)
{
	static const char *const up[] = {".", "..", "../..", "../../..", "../../../.."};
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (access(FIXTURE, R_OK) == 0) {
		snprintf(root, sizeof(root), ".");
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ck_assert_int_gt(n, 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		char cand[PATH_MAX + 64];

		snprintf(cand, sizeof(cand), "%s/%s/%s", self, up[i], FIXTURE);
		if (access(cand, R_OK) == 0) {
			snprintf(root, sizeof(root), "%s/%s", self, up[i]);
			return;
		}
	}
	ck_abort_msg("Cannot find %s from the current folder or the test binary", FIXTURE);
}

static char *src_path(const char *rel)
{
	if (root[0] == '\0')
		find_root();
	return vcl_rxasprintf("%s/%s", root, rel);
}

static struct json_object *load_fixture(void)
{
	cleanup_free char *p = src_path(FIXTURE);
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;

	ck_assert_msg(vcl_results_load(p, &o, &err) == 0, "load %s: %s", p,
		      err != NULL ? err->msg : "?");
	return o;
}

/* Compare text with the golden file tests/data/report/<name>. */
static void golden(const char *name, const char *text)
{
	cleanup_free char *rel = vcl_rxasprintf("%s/%s", GOLDEN, name);
	cleanup_free char *path = src_path(rel);

	golden_check(path, text, strlen(text));
}

static struct vcl_report_run fixture_run(struct json_object *o)
{
	struct vcl_report_run r = {.label = "fx01", .file = "results-sample.json", .root = o};

	return r;
}

static char **build(const struct vcl_report_run *runs, size_t n, struct vcl_report_figs *figs,
		    const char *missing, struct vcl_rdoc *doc)
{
	struct vcl_report_ctx c = {
	    .runs = runs,
	    .n = n,
	    .figs = figs,
	    .gnuplot_missing = missing,
	    .metrics_href = HREF,
	    .advisor_md = NULL,
	    .advisor_note = NULL,
	};
	char **warnings = NULL;

	vcl_report_build(&c, doc, &warnings);
	return warnings;
}

static void free_warnings(char **w)
{
	for (size_t i = 0; w != NULL && w[i] != NULL; i++)
		free(w[i]);
	free(w);
}

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

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_scripts_golden);
	tcase_add_test(tc, test_vm_boot_figure);
	tcase_add_test(tc, test_markdown_golden);
	tcase_add_test(tc, test_tables_only_golden);
	tcase_add_test(tc, test_memory_nulls);
	tcase_add_test(tc, test_compare_warns);
	tcase_add_test(tc, test_no_gnuplot);
	tcase_add_test(tc, test_gnuplot_fails);
	tcase_add_test(tc, test_with_gnuplot);
	tcase_add_test(tc, test_bad_input_leaves_nothing);
	tcase_add_test(tc, test_missing_scenario);
	tcase_add_test(tc, test_density_figures);
	tcase_add_test(tc, test_density_absent);
	tcase_add_test(tc, test_cli);
	tcase_add_test(tc, test_advisor_section);
	tcase_add_test(tc, test_fmt_num);
	tcase_add_test(tc, test_svg_inline);
	tcase_add_test(tc, test_engines_section);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(report_suite());
}

/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the gvisor placement (ctr/gvisor.c): the built-in
 * payload once in a runsc sandbox (200, phases, the platform probed, the
 * sandbox's own network namespace, memory of the sandbox, gofer and stubs
 * from its cgroup, nothing left); a run killed with SIGKILL whose sandbox
 * `vclab gc` removes through the ledger's "runsc" record; and the user's
 * image (a busybox httpd OCI layout, tests/image/build-busybox.sh) through
 * `vclab bench` beside ctr and runc; a platform that cannot run here,
 * named, recorded as skipped with its reason and nothing left. Needs root
 * and runsc; skips without.
 */
#include <check.h>
#include <dirent.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/compare.h"
#include "core/host.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/util.h"
#include "ctr/ctr.h"
#include "integ_util.h"
#include "tests/suite_main.h"

static char *payload;

#define IMG_DIR "/tmp/vclab-test-gvisor"
#define IMG	IMG_DIR "/oci"
#define CACHE	IMG_DIR "/cache"
#define OUT	IMG_DIR "/out"

static struct vcl_spec spec_of(struct vcl_ledger *ledger, const char *run_id, unsigned index)
{
	return integ_spec_in(ledger, run_id, payload, index, 256, 64);
}

/* No process whose command line holds needle, no file matching glob,
 * no cgroup folder (any hierarchy) that find's test cg_test matches. */
static void no_process_file_cgroup(const char *needle, const char *glob, const char *cg_test)
{
	char cmd[600];

	ck_assert_msg(integ_processes_matching(needle) == 0, "a process of %s is left", needle);
	snprintf(cmd, sizeof(cmd),
		 "! ls -d %s 2>/dev/null | grep -q . && "
		 "! find /sys/fs/cgroup -maxdepth 4 %s | grep -q .",
		 glob, cg_test);
	ck_assert_msg(run(cmd) == 0, "%s left a file or a cgroup (%s)", needle, cmd);
}

/* No process, cgroup (any hierarchy) or state folder of run rid. */
static void nothing_left(const char *rid)
{
	char needle[64], dir[96], cg[96];

	snprintf(needle, sizeof(needle), "vclab-%s-", rid);
	snprintf(dir, sizeof(dir), "/run/vclab/%s", rid);
	snprintf(cg, sizeof(cg), "-path '*vclab/%s*'", rid);
	no_process_file_cgroup(needle, dir, cg);
}

/* Processes in the cgroup vclab/<rid>/1 (sandbox, gofer, stubs); -1
 * when it does not exist. */
static int cgroup_procs(const char *rid)
{
	char rel[96], path[600];
	cleanup_free char *dir = NULL;
	cleanup_free char *text = NULL;
	int n = 0;

	snprintf(rel, sizeof(rel), "vclab/%s/1", rid);
	dir = vcl_cgroup_dir("pids", rel);
	if (dir == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (vcl_read_file(path, &text, NULL, NULL) < 0)
		return -1;
	for (const char *c = text; *c != '\0'; c++)
		n += *c == '\n';
	return n;
}

static struct vcl_host host;

/* Whether gvisor can run here; when not, noted as skipped with its reason. */
static bool usable(const char *test)
{
	struct vcl_error *e = NULL;

	if (vcl_host_probe(&host, NULL, &vcl_backends_host_hooks, &e) < 0 ||
	    vcl_gvisor_ops.probe(&host, &e) < 0) {
		note_skip(test, "%s", e->msg);
		vcl_error_free(e);
		return false;
	}
	return true;
}

START_TEST(test_payload)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = &vcl_gvisor_ops;
	struct vcl_instance *inst = NULL;
	struct vcl_mem mem = {0};
	struct vcl_error *e = NULL;
	char rid[32], cg[256], a[64], b[64];
	pid_t pid;

	if (!usable("test_payload"))
		return;
	snprintf(rid, sizeof(rid), "gv%d", (int)getpid());
	struct vcl_ledger *ledger = NULL;

	OK(vcl_ledger_open(&ledger, rid, &integ_kinds, err));
	struct vcl_spec spec = spec_of(ledger, rid, 1);

	spec.cpuset = "0"; /* pinned, as bench pins workloads */

	ck_assert(!ops->is_peer);
	ck_assert_ptr_nonnull(vcl_gvisor_platform());
	OK(ops->prepare(&spec, &run, err));
	/* create (sandbox boot included) <= port open <= first 200 */
	inst = integ_launch_healthy(ops, run, &spec, 20000);
	printf("gvisor (%s): create %.1f ms, port %.1f ms, first 200 %.1f ms\n",
	       vcl_gvisor_platform(), vcl_ns_to_ms(inst->t.created - inst->t.start),
	       vcl_ns_to_ms(inst->t.ready - inst->t.start),
	       vcl_ns_to_ms(inst->t.first_200 - inst->t.start));
	pid = inst->pid;
	/* The sandbox has its own network namespace, not the host's. */
	snprintf(cg, sizeof(cg), "/proc/%d/ns/net", (int)pid);
	ck_assert(readlink("/proc/self/ns/net", a, sizeof(a)) > 0);
	ck_assert(readlink(cg, b, sizeof(b)) > 0);
	ck_assert_msg(strcmp(a, b) != 0, "the sandbox runs in the host's network namespace");
	/* Memory: sandbox, gofer and stubs, all in the cgroup; a sentry alone
	 * is ~17 MiB PSS (measured by hand), the gofer ~11 MiB. */
	OK(ops->sample(inst, &mem, err));
	ck_assert(mem.known & VCL_MEM_PSS);
	ck_assert(mem.known & VCL_MEM_CGROUP);
	ck_assert_uint_ge(mem.nprocs, 2);
	ck_assert_uint_gt(mem.pss_kib, 10240); /* 10 MiB */
	printf("gvisor: PSS %llu KiB over %u processes, cgroup %llu KiB\n",
	       (unsigned long long)mem.pss_kib, mem.nprocs, (unsigned long long)mem.cgroup_kib);
	snprintf(cg, sizeof(cg), "%s", inst->cgroup);
	{
		cleanup_free char *dir = vcl_cgroup_dir("cpuset", cg);
		cleanup_free char *cpus = NULL;
		char path[600];

		ck_assert_ptr_nonnull(dir);
		snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
		ck_assert_int_eq(vcl_read_file(path, &cpus, NULL, NULL), 0);
		ck_assert_msg(strcmp(cpus, "0\n") == 0, "sandbox cpuset %s", cpus);
	}
	OK(ops->destroy(inst, err));
	ck_assert_int_eq(kill(pid, 0), -1);
	ops->cleanup(run, &spec);
	if (vcl_ledger_close(&ledger, &e) < 0)
		ck_abort_msg("Ledger teardown: %s", e->msg);
	nothing_left(rid);
}
END_TEST

/* Sandboxes 1 and 11 of one run side by side, 1 destroyed first: runsc
 * takes an ID as a prefix of the IDs it knows, so "vclab-R-1" was
 * ambiguous while "vclab-R-11" ran (a density run of 12 failed to delete
 * sandbox 1); the IDs carry a suffix now (ctr/runtime.h, id_suffix). */
START_TEST(test_prefix_ids)
{
	const struct vcl_backend_ops *ops = &vcl_gvisor_ops;
	struct vcl_instance *one, *eleven;
	struct vcl_ledger *ledger = NULL;
	struct vcl_error *e = NULL;
	char rid[32];

	if (!usable("test_prefix_ids"))
		return;
	snprintf(rid, sizeof(rid), "gp%d", (int)getpid());
	OK(vcl_ledger_open(&ledger, rid, &integ_kinds, err));
	struct vcl_spec s1 = spec_of(ledger, rid, 1), s11 = spec_of(ledger, rid, 11);

	void *run = NULL;

	OK(ops->prepare(&s1, &run, err));
	one = integ_launch_healthy(ops, run, &s1, 20000);
	eleven = integ_launch_healthy(ops, run, &s11, 20000);
	ck_assert_msg(ops->destroy(one, &e) == 0, "destroy sandbox 1: %s", e->msg);
	ck_assert_msg(ops->destroy(eleven, &e) == 0, "destroy sandbox 11: %s", e->msg);
	ops->cleanup(run, &s1);
	if (vcl_ledger_close(&ledger, &e) < 0)
		ck_abort_msg("Ledger teardown: %s", e->msg);
	nothing_left(rid);
}
END_TEST

/* A run that dies by SIGKILL with a sandbox up: `vclab gc` removes the
 * sandbox, its gofer, its cgroup and runsc's state through the ledger. */
START_TEST(test_gc_after_sigkill)
{
	char rid[32];
	pid_t sandbox;

	if (!usable("test_gc_after_sigkill"))
		return;
	snprintf(rid, sizeof(rid), "gk%d", (int)getpid());
	sandbox = integ_launch_then_sigkill(&vcl_gvisor_ops, spec_of(NULL, rid, 1), 20000);
	/* The sandbox, its gofer and stubs outlive the run, in their cgroup. */
	ck_assert_int_eq(kill(sandbox, 0), 0);
	ck_assert_int_ge(integ_processes_of(rid), 1);
	ck_assert_int_ge(cgroup_procs(rid), 2);
	ck_assert_int_eq(run("bin/vclab gc --dry-run | grep -q 'would delete gVisor sandbox'"), 0);
	ck_assert_int_ge(cgroup_procs(rid), 2); /* a dry run touches nothing */
	ck_assert_int_eq(run("bin/vclab gc >/dev/null"), 0);
	for (int i = 0; i < 50 && integ_processes_of(rid) > 0; i++)
		usleep(100000);
	ck_assert_int_eq(kill(sandbox, 0), -1);
	ck_assert_int_eq(cgroup_procs(rid), -1);
	nothing_left(rid);
}
END_TEST

/* A platform that cannot run here, named: gvisor is recorded as skipped
 * with runsc's reason, bare runs, the exit status is 0 (as for any skipped
 * placement), the report lists it, and the trial sandbox is gone (no
 * runsc or sandbox process of the probe's container, no state, no
 * cgroup). kvm on a host whose KVM boot check fails (this PVM host: the
 * sandbox hangs until the probe's 10 s limit); systrap where this runsc
 * does not know it. A platform name that is none is bad input: exit 2. */
START_TEST(test_unrunnable_platform)
{
	char cmd[900], id[64], cg[64];
	const char *platform;
	struct json_object *r, *g;
	const char *why;
	int pid = 0;
	FILE *f;

	if (!usable("test_unrunnable_platform"))
		return;
	platform = strcmp(host.accelerator, "kvm") != 0 ? "kvm" : "systrap";
	ck_assert_msg(strcmp(platform, "kvm") == 0 || strcmp(vcl_gvisor_platform(), "systrap") != 0,
		      "systrap and KVM both run here: no platform that cannot run");
	snprintf(cmd, sizeof(cmd),
		 "rm -rf " OUT " && sh -c 'echo $$ > " IMG_DIR "/pid; exec bin/vclab bench "
		 "--backends bare,gvisor --gvisor-platform %s --peers none --scenarios startup "
		 "--runs 2 --warmup 0 --out " OUT "' >" IMG_DIR "/skip.log 2>&1",
		 platform);
	ck_assert_int_eq(run("mkdir -p " IMG_DIR), 0);
	ck_assert_msg(run(cmd) == 0, "bench with an unrunnable platform failed: see %s",
		      IMG_DIR "/skip.log");
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	g = at(r, "backends.gvisor");
	ck_assert_ptr_nonnull(g);
	ck_assert(json_object_get_boolean(at(g, "skipped")));
	why = json_object_get_string(at(g, "reason"));
	printf("gvisor --gvisor-platform %s: skipped: %s\n", platform, why);
	ck_assert_ptr_nonnull(strstr(why, "--gvisor-platform"));
	ck_assert_ptr_nonnull(strstr(why, platform));
	if (strcmp(platform, "kvm") == 0)
		ck_assert_msg(strstr(why, "hung") != NULL || strstr(why, "failed") != NULL,
			      "no runsc outcome in: %s", why);
	ck_assert_ptr_null(at(g, "startup_ms"));
	ck_assert_int_eq(json_object_get_int(at(r, "backends.bare.startup_ms.n")), 2);
	ck_assert_str_eq(json_object_get_string(at(r, "config.gvisor_platform")), platform);
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	ck_assert_int_eq(run("grep -q 'gvisor: skipped — gVisor platform' " OUT "/report.md"), 0);
	ck_assert_int_eq(run("grep -q '^gvisor .*skipped: ' " IMG_DIR "/skip.log"), 0);
	nothing_left(json_object_get_string(at(r, "run_id")));
	json_object_put(r);
	/* The probe's trial container (ctr/runtime.c: vclab-probe-PID) */
	f = fopen(IMG_DIR "/pid", "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	snprintf(id, sizeof(id), "vclab-probe-%d", pid);
	snprintf(cmd, sizeof(cmd), "/tmp/vclab-probe-*/state/*%s*", id);
	snprintf(cg, sizeof(cg), "-name probe-%d", pid);
	no_process_file_cgroup(id, cmd, cg);

	/* Not a platform: bad input, one line, exit 2, no results folder. */
	ck_assert_int_eq(run("rm -rf " OUT " && bin/vclab bench --backends bare,gvisor "
			     "--gvisor-platform kvmm --out " OUT " 2>" IMG_DIR "/bad.log; "
			     "test $? -eq 2"),
			 0);
	ck_assert_int_eq(run("grep -q 'gvisor-platform.*kvmm' " IMG_DIR "/bad.log && "
			     "test $(wc -l <" IMG_DIR "/bad.log) -eq 1 && test ! -e " OUT),
			 0);
}
END_TEST

/* `vclab bench --backends ctr,gvisor --peer runc --image ...`: the user's
 * image in a sandbox, beside ctr and runc, with its platform and network
 * mode recorded, and nothing left. */
/* The busybox OCI layout, built once for the cases that run images. */
static void busybox_image(void)
{
	ck_assert_int_eq(run("test -e " IMG "/index.json || (mkdir -p " IMG_DIR
			     " && tests/image/build-busybox.sh " IMG " >/dev/null)"),
			 0);
}

START_TEST(test_image_bench)
{
	struct json_object *r, *g;
	const char *rid;
	double p50, create, lo, hi;

	if (!usable("test_image_bench"))
		return;
	busybox_image();
	ck_assert_int_eq(run("rm -rf " OUT " && VCLAB_CACHE=" CACHE
			     " bin/vclab bench --image oci:" IMG ":latest --name bbhttpd "
			     "--ready http:/ --backends ctr,gvisor --peer runc "
			     "--scenarios startup,memory --runs 3 --warmup 1 --no-report -q "
			     "--out " OUT " >/dev/null"),
			 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	rid = json_object_get_string(at(r, "run_id"));
	ck_assert_ptr_nonnull(rid);
	g = at(r, "services.bbhttpd.backends.gvisor");
	ck_assert_ptr_nonnull(g);
	ck_assert_msg(at(g, "skipped") == NULL, "gvisor skipped: %s",
		      json_object_get_string(at(g, "reason")));
	ck_assert_str_eq(json_object_get_string(at(g, "platform")), vcl_gvisor_platform());
	ck_assert_ptr_nonnull(json_object_get_string(at(g, "network")));
	ck_assert_int_eq(json_object_get_int(at(g, "startup_ms.n")), 3);
	p50 = json_object_get_double(at(g, "startup_ms.p50"));
	create = json_object_get_double(at(g, "phases_ms.create.p50"));
	ck_assert(create > 0 && p50 >= create);
	ck_assert(json_object_get_double(at(g, "memory.pss_kib")) > 10 * 1024);
	printf("gvisor --image (%s, network %s): p50 %.1f ms (create %.1f), PSS %.0f KiB\n",
	       vcl_gvisor_platform(), json_object_get_string(at(g, "network")), p50, create,
	       json_object_get_double(at(g, "memory.pss_kib")));
	ck_assert_ptr_nonnull(at(r, "services.bbhttpd.backends.ctr.startup_ms.p50"));
	ck_assert_ptr_nonnull(at(r, "services.bbhttpd.peers.runc.startup_ms.p50"));
	/* The service's own same-run ratios, with their CIs. */
	ck_assert(vcl_cmp_lookup(at(r, "services.bbhttpd.comparisons"), "gvisor", "ctr", &p50, &lo,
				 &hi, &(const char *){NULL}));
	ck_assert(lo <= p50 && p50 <= hi);
	nothing_left(rid);
	json_object_put(r);
}
END_TEST

/* gvisor under --services (two services: one answering HTTP, one a shell
 * wrapper and its child, ready by TCP) and under --manifest (a Deployment
 * whose image a map names): each measured in the sandbox beside ctr,
 * sampled, labelled, nothing left. (Steady is left out: since main's
 * a92af2f the load generator waits for its connections to stay up, and
 * busybox httpd closes each after one answer, in ctr as in gvisor.) */
static const char services_yaml[] = "services:\n"
				    "  - name: web\n"
				    "    image: oci:" IMG ":latest\n"
				    "    ready: http:/\n"
				    "  - name: wrapped\n"
				    "    image: oci:" IMG ":shell\n"
				    "    port: 8080\n"
				    "    ready: tcp\n";
static const char manifest_yaml[] = "apiVersion: apps/v1\n"
				    "kind: Deployment\n"
				    "metadata: {name: web, namespace: shop}\n"
				    "spec:\n"
				    "  replicas: 2\n"
				    "  selector: {matchLabels: {app: web}}\n"
				    "  template:\n"
				    "    metadata: {labels: {app: web}}\n"
				    "    spec:\n"
				    "      containers:\n"
				    "      - name: httpd\n"
				    "        image: registry.example/busybox:1.36\n"
				    "        ports: [{containerPort: 8080}]\n"
				    "        readinessProbe:\n"
				    "          httpGet: {path: /index.html, port: 8080}\n"
				    "        resources:\n"
				    "          limits: {memory: 64Mi, cpu: 500m}\n";

/* services.SVC.backends.gvisor ran (not skipped), labelled, sampled. */
static void sandboxed(struct json_object *r, const char *svc)
{
	char path[256];
	struct json_object *g;

	snprintf(path, sizeof(path), "services.%s.backends.gvisor", svc);
	g = at(r, path);
	ck_assert_msg(g != NULL, "%s missing", path);
	ck_assert_msg(at(g, "skipped") == NULL, "%s skipped: %s", path,
		      json_object_get_string(at(g, "reason")));
	ck_assert_str_eq(json_object_get_string(at(g, "platform")), vcl_gvisor_platform());
	ck_assert_ptr_nonnull(json_object_get_string(at(g, "network")));
	ck_assert_int_eq(json_object_get_int(at(g, "startup_ms.n")), 2);
	ck_assert(json_object_get_double(at(g, "memory.pss_kib")) > 10 * 1024);
	ck_assert(integ_svc_num(r, svc, "backends", "ctr", "startup_ms.p50") > 0);
	printf("gvisor %s: p50 %.1f ms, PSS %.0f KiB\n", svc,
	       json_object_get_double(at(g, "startup_ms.p50")),
	       json_object_get_double(at(g, "memory.pss_kib")));
}

START_TEST(test_services_manifest)
{
	struct json_object *r;
	FILE *f;

	if (!usable("test_services_manifest"))
		return;
	busybox_image();
	f = fopen(IMG_DIR "/services.yaml", "w");
	ck_assert_ptr_nonnull(f);
	fputs(services_yaml, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(
	    run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --services " IMG_DIR
		"/services.yaml --backends ctr,gvisor --peers none "
		"--scenarios startup,memory --runs 2 --warmup 0 "
		"--mem-instances 1 --no-report -q --out " OUT " >" IMG_DIR "/services.log 2>&1"),
	    0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	sandboxed(r, "web");
	sandboxed(r, "wrapped");
	nothing_left(json_object_get_string(at(r, "run_id")));
	json_object_put(r);

	f = fopen(IMG_DIR "/app.yaml", "w");
	ck_assert_ptr_nonnull(f);
	fputs(manifest_yaml, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(
	    run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --manifest " IMG_DIR
		"/app.yaml --image-map registry.example/busybox:1.36=oci:" IMG
		":latest --backends ctr,gvisor --peers none --scenarios startup,memory "
		"--runs 2 --warmup 0 --mem-instances 1 --no-report -q --out " OUT " >" IMG_DIR
		"/manifest.log 2>&1"),
	    0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	sandboxed(r, "shop/Deployment/web");
	/* Read from the manifest: the Deployment and its replicas. */
	ck_assert_int_eq(
	    json_object_get_int(at(r, "services.shop/Deployment/web.manifest.replicas")), 2);
	nothing_left(json_object_get_string(at(r, "run_id")));
	json_object_put(r);
}
END_TEST

static Suite *suite(void)
{
	const TTest *const tests[] = {test_payload, test_gc_after_sigkill, test_prefix_ids};
	const TTest *const image[] = {test_image_bench, test_services_manifest};
	const TTest *const platform[] = {test_unrunnable_platform};
	Suite *s = suite_of("gvisor", 300, tests, ARRAY_SIZE(tests), NULL);

	/* A platform forced that cannot run: a bench run (CK_RUN_CASE=platform). */
	tcase_of(s, "platform", 300, platform, ARRAY_SIZE(platform));
	/* The user's image: a whole bench run. */
	tcase_of(s, "image", 300, image, ARRAY_SIZE(image));
	return s;
}

int main(void)
{
	int ret;

	ret = integ_payload_main("test_gvisor", "needs root (runsc)", &payload);
	if (ret != 0)
		return ret;
	ret = run_suite(suite());
	run("rm -rf " IMG_DIR);
	free(payload);
	return ret;
}

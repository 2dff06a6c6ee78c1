/* SPDX-License-Identifier: MIT */
/* The bare placement end to end (root): launch, probe, serve, sample,
 * destroy, nothing left; failures reported; the ledger and gc; the CLI. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "bare/bare.h"
#include "core/backend.h"
#include "core/cgroup.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/util.h"
#include "keep_results.h"
#include "integ_util.h"
#include "tests/suite_main.h"

static char payload[4096];

static struct vcl_spec spec(unsigned index)
{
	return (struct vcl_spec){
	    .run_id = "tbare",
	    .index = index,
	    .payload = payload,
	    .limits = {.mem_mib = 256, .cpus = 1, .pids = 64},
	    .accounting = true,
	};
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static bool cgroup_exists(const char *path)
{
	char *dir = vcl_cgroup_dir("memory", path);
	struct stat st;
	bool r = dir != NULL && stat(dir, &st) == 0;

	free(dir);
	return r;
}

START_TEST(test_serves_and_cleans)
{
	struct vcl_spec s = spec(1);
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;
	struct vcl_mem mem = {0};
	char body[256], cg[256];
	int status = 0;
	pid_t pid;

	ck_assert_int_eq(vcl_bare_ops.launch(NULL, &s, &inst, &err), 0);
	ck_assert_int_eq(vcl_probe_wait(inst, 5000, &err), 0);
	ck_assert(inst->t.start < inst->t.created);
	ck_assert(inst->t.created <= inst->t.ready);
	ck_assert(inst->t.ready < inst->t.first_200);
	ck_assert_str_eq(inst->ep.addr, "127.0.0.1");
	ck_assert_uint_gt(inst->ep.port, 0);

	ck_assert_int_eq(
	    vcl_http_get(&inst->ep, "/healthz", 2000, &status, body, sizeof(body), &err), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(
	    vcl_http_get(&inst->ep, "/work?iters=1000", 2000, &status, body, sizeof(body), &err),
	    0);
	ck_assert_int_eq(status, 200);
	ck_assert_uint_eq(strlen(body), 17);
	ck_assert_int_eq(vcl_http_get(&inst->ep, "/nope", 2000, &status, body, sizeof(body), &err),
			 0);
	ck_assert_int_eq(status, 404);
	ck_assert_int_eq(
	    vcl_http_get(&inst->ep, "/alloc?mib=16", 5000, &status, body, sizeof(body), &err), 0);
	ck_assert_int_eq(status, 200);

	ck_assert_int_eq(vcl_bare_ops.sample(inst, &mem, &err), 0);
	ck_assert_uint_eq(mem.nprocs, 1);
	/* 16 MiB touched: PSS and the cgroup both see it. */
	ck_assert_uint_gt(mem.pss_kib, 16384U);
	ck_assert_uint_gt(mem.cgroup_kib, 16384U);

	pid = inst->pid;
	snprintf(cg, sizeof(cg), "%s", inst->cgroup);
	ck_assert(cgroup_exists(cg));
	ck_assert_int_eq(vcl_bare_ops.destroy(inst, &err), 0);
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert(!cgroup_exists(cg));
}
END_TEST

/* A service (here a host binary, --binary) runs as a unit with
 * PrivateNetwork=yes: a network namespace of its own with its loopback up,
 * where the probe reaches it; a packaged config that binds every address
 * binds only there. */
START_TEST(test_service_private_network)
{
	static char a0[] = "/bin/busybox", a1[] = "httpd", a2[] = "-f", a3[] = "-p",
		    a4[] = "127.0.0.1:18090", a5[] = "-h", a6[] = "/tmp";
	static char *const argv[] = {a0, a1, a2, a3, a4, a5, a6, NULL};
	static char *const envp[] = {NULL};
	struct vcl_svc_spec svc = {
	    .name = "bbnet",
	    .argv = argv,
	    .envp = envp,
	    .cwd = "/",
	    .port = 18090,
	    .ready = {.kind = VCL_READY_TCP},
	};
	struct vcl_spec s = spec(2);
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;

	ck_assert_msg(access(a0, X_OK) == 0, "no /bin/busybox (busybox-static, install-deps)");
	ck_assert_int_eq(run("mkdir -p /tmp/vclab-test-bare-net"), 0);
	s.state_dir = "/tmp/vclab-test-bare-net";
	s.svc = &svc;
	ck_assert_msg(vcl_bare_ops.launch(NULL, &s, &inst, &err) == 0, "%s", err ? err->msg : "?");
	ck_assert_msg(vcl_probe_wait(inst, 5000, &err) == 0, "%s", err ? err->msg : "?");
	ck_assert_int_ge(inst->ep.netns_fd, 0);
	integ_same_ns(inst->pid, "net", false);
	integ_same_ns(inst->pid, "mnt", true); /* no rootfs: the host's files */
	ck_assert_int_eq(run("! ss -ltnH | grep -q ':18090 '"), 0);
	ck_assert_int_eq(vcl_bare_ops.destroy(inst, &err), 0);
	(void)run("rm -rf /tmp/vclab-test-bare-net");
}
END_TEST

/* Startup's bare: a plain process, no cgroup created or joined, same
 * cgroup as the harness, still serving, sampled by its own PSS. */
START_TEST(test_plain_process)
{
	struct vcl_spec s = spec(3);
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;
	struct vcl_mem mem = {0};
	char mine[512], theirs[512], path[64];
	FILE *f;
	size_t n;
	pid_t pid;

	s.accounting = false;
	ck_assert_int_eq(vcl_bare_ops.launch(NULL, &s, &inst, &err), 0);
	ck_assert_int_eq(vcl_probe_wait(inst, 5000, &err), 0);
	ck_assert_str_eq(inst->cgroup, "");
	ck_assert(!cgroup_exists("vclab/tbare/3"));
	f = fopen("/proc/self/cgroup", "re");
	n = fread(mine, 1, sizeof(mine) - 1, f);
	mine[n] = '\0';
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)inst->pid);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	n = fread(theirs, 1, sizeof(theirs) - 1, f);
	theirs[n] = '\0';
	fclose(f);
	ck_assert_str_eq(mine, theirs);
	ck_assert_int_eq(vcl_bare_ops.sample(inst, &mem, &err), 0);
	ck_assert_uint_eq(mem.nprocs, 1);
	ck_assert_uint_gt(mem.pss_kib, 0);
	pid = inst->pid;
	ck_assert_int_eq(vcl_bare_ops.destroy(inst, &err), 0);
	ck_assert_int_eq(kill(pid, 0), -1);
}
END_TEST

START_TEST(test_payload_dies_before_ready)
{
	struct vcl_spec s = spec(2);
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;
	uint64_t t0;

	/* /bin/false stands in for a payload that crashes at start. */
	s.payload = "/bin/false";
	ck_assert_int_eq(vcl_bare_ops.launch(NULL, &s, &inst, &err), 0);
	t0 = vcl_now_ns();
	ck_assert_int_lt(vcl_probe_wait(inst, 5000, &err), 0);
	/* Reported at once, not after the timeout. */
	ck_assert_uint_lt(vcl_now_ns() - t0, 1000000000ULL);
	ck_assert_int_eq(err->kind, VCL_E_DIED);
	ck_assert_ptr_nonnull(strstr(err->msg, "exited with status 1"));
	vcl_error_freep(&err);
	ck_assert_int_eq(vcl_bare_ops.destroy(inst, &err), 0);
}
END_TEST

START_TEST(test_sigterm_clean_exit)
{
	int p[2], status = 0;
	pid_t pid;
	char line[128] = "";

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 3);
		execl(payload, payload, "--listen", "127.0.0.1:0", "--ready-fd", "3", NULL);
		_exit(127);
	}
	close(p[1]);
	ck_assert_int_gt(read(p[0], line, sizeof(line) - 1), 0);
	ck_assert_ptr_nonnull(strstr(line, "VCLAB-READY"));
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	close(p[0]);
}
END_TEST

START_TEST(test_cycles_leave_nothing)
{
	int fds_before = count_fds();

	for (unsigned i = 0; i < 100; i++) {
		struct vcl_spec s = spec(100 + i);
		struct vcl_instance *inst = NULL;
		struct vcl_error *err = NULL;

		ck_assert_int_eq(vcl_bare_ops.launch(NULL, &s, &inst, &err), 0);
		ck_assert_int_eq(vcl_probe_wait(inst, 5000, &err), 0);
		ck_assert_int_eq(vcl_bare_ops.destroy(inst, &err), 0);
	}
	ck_assert_int_eq(count_fds(), fds_before);
	ck_assert(!cgroup_exists("vclab/tbare/150"));
}
END_TEST

START_TEST(test_gc_after_crash)
{
	struct vcl_gc_opts o = {.dry_run = false, .kinds = &integ_kinds};
	struct vcl_error *err = NULL;
	unsigned removed = 0;
	struct vcl_spec s = spec(1);
	int status;
	pid_t child;

	/* A "runner" opens a ledger, starts an instance and dies without any
	 * cleanup, as vclab would under SIGKILL. Its orphan is reparented to
	 * us (subreaper), so we can see it die and reap it. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	s.run_id = "tgc";
	child = integ_launch_then_sigkill(&vcl_bare_ops, s, 5000);
	/* The orphaned payload lives on, in its cgroup. */
	ck_assert_int_eq(kill(child, 0), 0);
	ck_assert(cgroup_exists("vclab/tgc/1"));

	o.dry_run = true;
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_int_eq(kill(child, 0), 0); /* dry run touches nothing */
	o.dry_run = false;
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_ge(removed, 1);
	/* gc killed it; it (or gc itself, as we are its reaper) reaped it. */
	if (waitpid(child, &status, 0) == child)
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(kill(child, 0), -1);
	ck_assert(!cgroup_exists("vclab/tgc/1"));
	ck_assert_int_eq(access(VCL_LEDGER_ROOT "/tgc", F_OK), -1);
}
END_TEST

START_TEST(test_gc_leaves_live_runs)
{
	struct vcl_gc_opts o = {.kinds = &integ_kinds};
	struct vcl_error *err = NULL;
	unsigned removed = 0;

	/* Our own live ledger must survive a gc. */
	ck_assert_int_eq(vcl_ledger_open(&integ_ledger, "tlive", &integ_kinds, &err), 0);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_int_eq(access(VCL_LEDGER_ROOT "/tlive/ledger", F_OK), 0);
	ck_assert_int_eq(vcl_ledger_close(&integ_ledger, &err), 0);
	ck_assert_int_eq(access(VCL_LEDGER_ROOT "/tlive", F_OK), -1);
}
END_TEST

START_TEST(test_cli_bench_bare)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	double v = 0;
	const char *dir = "/tmp/vclab-test-bench";

	ck_assert_int_eq(run("rm -rf /tmp/vclab-test-bench && bin/vclab bench --backends bare "
			     "--scenarios startup --runs 5 --warmup 1 --quiet --no-report "
			     "--out /tmp/vclab-test-bench > /dev/null"),
			 0);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-bench/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-bench/results.json", "bare-bench");
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.startup_ms.n", &v), 0);
	ck_assert_double_eq(v, 5);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.startup_ms.p50", &v), 0);
	ck_assert(v > 0 && v < 1000);
	ck_assert_int_eq(json_object_get_boolean(vcl_json_path(o, "complete")), 1);
	ck_assert_ptr_nonnull(vcl_json_path(o, "host.accelerator"));
	ck_assert_ptr_nonnull(vcl_json_path(o, "host.cgroup"));
	ck_assert_int_eq(
	    json_object_array_length(vcl_json_path(o, "backends.bare.startup_ms.samples")), 5);
	json_object_put(o);
	(void)dir;
	ck_assert_int_eq(access("/tmp/vclab-test-bench/samples.csv", R_OK), 0);
}
END_TEST

/* Density on bare with a small budget: the budget is charged with the
 * instances' footprint (so the run ends at it, not at MemAvailable noise),
 * every launched instance still answers at the end, and each burst carries
 * both memory figures. */
START_TEST(test_cli_density_bare)
{
	struct json_object *o = NULL, *bursts;
	struct vcl_error *err = NULL;
	double max = 0, launched = 0, used = 0, charged = 0, budget = 0, per = 0, ninst = 0,
	       sum = 0;
	size_t nb;

	ck_assert_int_eq(run("rm -rf /tmp/vclab-test-dens && bin/vclab bench --backends bare "
			     "--scenarios density --budget-mib 4 --burst 4 --quiet --no-report "
			     "--out /tmp/vclab-test-dens > /dev/null"),
			 0);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-dens/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-dens/results.json", "bare-dens");
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.density.max_instances", &max), 0);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.density.launched", &launched), 0);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.density.used_mib", &used), 0);
	ck_assert_int_eq(
	    vcl_json_path_double(o, "backends.bare.density.used_mib_sampled", &charged), 0);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.density.budget_mib", &budget), 0);
	ck_assert_str_eq(
	    json_object_get_string(vcl_json_path(o, "backends.bare.density.stop_reason")),
	    "budget");
	ck_assert_double_eq(budget, 4);
	ck_assert_double_eq(max, launched);
	ck_assert(charged >= budget);
	/* The final figure reads every instance again, a moment later: the
	 * same processes, so within a few percent of what was charged. */
	ck_assert_msg(used > charged * 0.9 && used < charged * 1.1, "used %.2f, charged %.2f", used,
		      charged);
	/* A new cgroup's own kernel memory (mem_cgroup, kernfs nodes) is a few
	 * KiB at the least; the probe's cgroups went with the run's folder. */
	{
		char p[64];
		char *dir;

		snprintf(p, sizeof(p), "vclab/%s",
			 json_object_get_string(vcl_json_path(o, "run_id")));
		dir = vcl_cgroup_dir("memory", p);
		ck_assert_ptr_nonnull(dir);
		ck_assert_msg(access(dir, F_OK) < 0, "%s left behind", dir);
		free(dir);
	}
	ck_assert_int_eq(
	    vcl_json_path_double(o, "backends.bare.density.cgroup_kernel_kib_start", &per), 0);
	ck_assert_msg(per > 1, "cgroup_kernel_kib_start %.2f", per);
	ck_assert_int_eq(
	    vcl_json_path_double(o, "backends.bare.density.cgroup_kernel_kib_end", &per), 0);
	ck_assert_msg(per > 1, "cgroup_kernel_kib_end %.2f", per);
	ck_assert_ptr_nonnull(vcl_json_path(o, "backends.bare.density.memavail_drop_mib"));
	bursts = vcl_json_path(o, "backends.bare.density.bursts");
	nb = json_object_array_length(bursts);
	ck_assert_uint_ge(nb, 1);
	/* The last burst's footprint per instance times its count is what
	 * was charged (with fewer than 64 earlier instances the sample is all
	 * of them). */
	ck_assert_int_eq(vcl_json_path_double(json_object_array_get_idx(bursts, nb - 1),
					      "mem_per_instance_kib", &per),
			 0);
	ck_assert_int_eq(
	    vcl_json_path_double(json_object_array_get_idx(bursts, nb - 1), "instances", &ninst),
	    0);
	sum = per * ninst / 1024;
	ck_assert_msg(sum > charged - 0.01 && sum < charged + 0.01,
		      "bursts say %.2f MiB, charged %.2f", sum, charged);
	ck_assert_ptr_nonnull(vcl_json_path(json_object_array_get_idx(bursts, nb - 1),
					    "memavail_drop_per_instance_kib"));
	/* No footprint of 4 MiB is reached by one burst of 4 payloads. */
	ck_assert_uint_ge(nb, 2);
	json_object_put(o);
	ck_assert_int_eq(run("rm -rf /tmp/vclab-test-dens"), 0);
}
END_TEST

/* Memory on bare: MemAvailable's resolution is measured and stated, and a
 * drop below it is never printed as a figure. */
START_TEST(test_cli_memory_bare)
{
	struct json_object *o = NULL, *res;
	struct vcl_error *err = NULL;
	double noise = 0, drop = 0, pss = 0;

	ck_assert_int_eq(run("rm -rf /tmp/vclab-test-mem && bin/vclab bench --backends bare "
			     "--scenarios memory --profile quick --no-report "
			     "--out /tmp/vclab-test-mem > /tmp/vclab-test-mem.out"),
			 0);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-mem/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-mem/results.json", "bare-mem");
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.memory.pss_kib", &pss), 0);
	ck_assert(pss > 50 && pss < 8192);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.memory.memavail_noise_kib", &noise),
			 0);
	ck_assert(noise > 0);
	ck_assert_int_eq(vcl_json_path_double(o, "backends.bare.memory.memavail_drop_kib", &drop),
			 0);
	res = vcl_json_path(o, "backends.bare.memory.memavail_resolved");
	ck_assert_ptr_nonnull(res);
	ck_assert(json_object_is_type(res, json_type_boolean));
	ck_assert_int_eq(json_object_get_boolean(res), drop > noise);
	if (!json_object_get_boolean(res))
		ck_assert_int_eq(run("grep -Eq '^bare +[0-9]+ +[0-9]+ +<[0-9]+ ' "
				     "/tmp/vclab-test-mem.out"),
				 0);
	json_object_put(o);
	ck_assert_int_eq(run("rm -rf /tmp/vclab-test-mem /tmp/vclab-test-mem.out"), 0);
}
END_TEST

START_TEST(test_cli_sigint_saves_partial)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	int status = 0;
	pid_t pid;

	/* Ctrl-C mid-run: teardown, results saved and marked incomplete, 130. */
	system("rm -rf /tmp/vclab-test-int");
	pid = integ_spawn_quiet("bin/vclab",
				(const char *const[]){"vclab", "bench", "--backends", "bare",
						      "--runs", "100000", "--scenarios",
						      "startup,memory", "--quiet", "--no-report",
						      "--out", "/tmp/vclab-test-int", NULL});
	/* Mid-run, not mid-start: the results folder is made just before
	 * the signal handlers go in, which on a slow host (the TCG guest of
	 * make check-v2: host probe over virtiofs) takes more than 1.5 s. */
	for (int i = 0; i < 300 && access("/tmp/vclab-test-int", F_OK) < 0; i++)
		usleep(100 * 1000);
	usleep(1500 * 1000);
	kill(pid, SIGINT);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 130);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-int/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-int/results.json", "bare-int");
	ck_assert_int_eq(json_object_get_boolean(vcl_json_path(o, "complete")), 0);
	ck_assert_ptr_nonnull(
	    strstr(json_object_get_string(vcl_json_path(o, "incomplete_reason")), "Interrupted"));
	{
		char cg[64], ldir[128];
		const char *run = json_object_get_string(vcl_json_path(o, "run_id"));

		snprintf(cg, sizeof(cg), "vclab/%s", run);
		snprintf(ldir, sizeof(ldir), VCL_LEDGER_ROOT "/%s", run);
		ck_assert(!cgroup_exists(cg));
		ck_assert_int_eq(access(ldir, F_OK), -1);
	}
	json_object_put(o);
}
END_TEST

START_TEST(test_cli_errors)
{
	/* Bad arguments, not root, missing payload: one line, exit 2. */
	ck_assert_int_eq(run("bin/vclab bench --runs zero 2>/dev/null"), 2);
	ck_assert_int_eq(run("bin/vclab bench --bogus 2>/dev/null"), 2);
	ck_assert_int_eq(run("bin/vclab nosuchcommand 2>/dev/null"), 2);
	ck_assert_int_eq(run("setpriv --reuid=65534 --regid=65534 --clear-groups bin/vclab bench "
			     "--backends bare 2>/tmp/vclab-test-err; grep -q 'must run as root' "
			     "/tmp/vclab-test-err && test $(wc -l < /tmp/vclab-test-err) -eq 1"),
			 0);
	ck_assert_int_eq(run("bin/vclab bench --backends bare --payload /nonexistent/payload "
			     "--quiet 2>/tmp/vclab-test-err"),
			 2);
	ck_assert_int_eq(run("grep -q '/nonexistent/payload' /tmp/vclab-test-err"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bare");
	TCase *tc = tcase_create("integration");
	int ret;
	char *p = NULL;

	if (geteuid() != 0) {
		return skip_suite("test_bare", "needs root");
	}
	/* The ledger's undo of every kind built in, before any teardown or gc. */
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	if (realpath("bin/vclab-payload", payload) == NULL) {
		fprintf(stderr, "test_bare: bin/vclab-payload missing (run make all)\n");
		return 1;
	}
	free(p);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_serves_and_cleans);
	tcase_add_test(tc, test_plain_process);
	tcase_add_test(tc, test_service_private_network);
	tcase_add_test(tc, test_payload_dies_before_ready);
	tcase_add_test(tc, test_sigterm_clean_exit);
	tcase_add_test(tc, test_cycles_leave_nothing);
	tcase_add_test(tc, test_gc_after_crash);
	tcase_add_test(tc, test_gc_leaves_live_runs);
	tcase_add_test(tc, test_cli_bench_bare);
	tcase_add_test(tc, test_cli_density_bare);
	tcase_add_test(tc, test_cli_memory_bare);
	tcase_add_test(tc, test_cli_sigint_saves_partial);
	tcase_add_test(tc, test_cli_errors);
	suite_add_tcase(s, tc);
	ret = run_suite(s);
	/* The suite makes instances without a ledger: remove their parents. */
	vcl_cgroup_remove_path("vclab/tbare", NULL);
	vcl_cgroup_remove_path("vclab", NULL);
	return ret;
}

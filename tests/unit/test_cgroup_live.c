/* SPDX-License-Identifier: MIT */
/*
 * core/cgroup.c on the kernel this runs on, whatever its layout: v1, the
 * v1/v2 hybrid of the lab machines, or pure v2 (the guest of make
 * check-v2, where this suite is the only thing that drives the v2 limits
 * and counters through a real kernel). Needs root; each test makes its own
 * cgroup vclab-unit-<suite pid>/c-<test pid> and removes it. A test that
 * fails skips its checked teardown (Check ends its process at the failed
 * assertion), so the suite's own process removes the whole
 * vclab-unit-<suite pid>/ tree after the case as well: failures under load
 * had left 31 such trees on a lab host.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/error.h"
#include "core/util.h"
#include "tests/suite_main.h"

static char top[64], path[96];

static void setup(void)
{
	snprintf(path, sizeof(path), "%s/c-%d", top, (int)getpid());
}

/* Checked (in the test's process after it passed) and unchecked (in the
 * suite's process after the case, whatever happened). */
static void teardown(void)
{
	vcl_cgroup_remove_path(top, NULL);
}

static struct vcl_cgroup *make(const struct vcl_limits *lim)
{
	struct vcl_cgroup *cg = NULL;
	struct vcl_error *err = NULL;

	ck_assert_msg(vcl_cgroup_create(NULL, path, lim, NULL, &cg, &err) == 0, "create %s: %s",
		      path, err ? err->msg : "");
	return cg;
}

static char *knob(const char *controller, const char *name)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	char file[512];
	char *buf = NULL;

	ck_assert_ptr_nonnull(dir);
	snprintf(file, sizeof(file), "%s/%s", dir, name);
	ck_assert_msg(vcl_read_file(file, &buf, NULL, NULL) == 0, "read %s", file);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* A child that joins cg, signals on a pipe, runs fn, and exits with its
 * result. */
static pid_t child_in(struct vcl_cgroup *cg, int (*fn)(void))
{
	int pfd[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		if (vcl_cgroup_attach(cg, 0) < 0)
			_exit(90);
		if (write(pfd[1], "x", 1) != 1)
			_exit(91);
		close(pfd[1]);
		_exit(fn());
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

static int eat_memory(void)
{
	size_t len = 256UL << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 92;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return 0; /* not reached under a 32 MiB limit */
}

static int fork_many(void)
{
	int ok = 0, eagain = 0;

	setpgid(0, 0); /* kill(0) below must reach these children only */
	for (int i = 0; i < 40; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p > 0)
			ok++;
		else if (errno == EAGAIN)
			eagain++;
	}
	kill(0, SIGKILL); /* the children, and this process: never returns */
	return eagain > 0 && ok < 40 ? 0 : 93;
}

static int burn_cpu(void)
{
	volatile unsigned long x = 0;
	struct timespec ts;
	char *p = malloc(4 << 20);

	/* Charged to the cgroup: pages touched after the move. */
	if (p == NULL)
		return 94;
	memset(p, 1, 4 << 20);
	/* 300 ms of CPU time, not of wall time: on a busy host a wall-clock
	 * budget gave the burner less than the 100 ms the test looks for. */
	do {
		for (int i = 0; i < 100000; i++)
			x++;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec == 0 && ts.tv_nsec < 300000000L);
	pause();
	return 0;
}

/* Limits with each version's knob names. */
START_TEST(test_limits_written)
{
	struct vcl_limits lim = {.mem_mib = 32, .cpus = 0.5, .pids = 16};
	struct vcl_cgroup *cg = make(&lim);
	cleanup_free char *mem = NULL, *cpu = NULL, *pids = NULL;

	if (vcl_cgroup_mode() == VCL_CG_V2) {
		mem = knob("memory", "memory.max");
		cpu = knob("cpu", "cpu.max");
		ck_assert_str_eq(cpu, "50000 100000");
	} else {
		mem = knob("memory", "memory.limit_in_bytes");
		cpu = knob("cpu", "cpu.cfs_quota_us");
		ck_assert_str_eq(cpu, "50000");
	}
	ck_assert_str_eq(mem, "33554432");
	pids = knob("pids", "pids.max");
	ck_assert_str_eq(pids, "16");
	ck_assert_int_eq(vcl_cgroup_destroy(cg, NULL), 0);
}
END_TEST

/* v1: the lab's own folders set cgroup.clone_children, and an instance's
 * cgroup inherits the cpuset at mkdir instead of writing cpuset.cpus (which
 * rebuilds the host's scheduling domains over every cpuset). */
START_TEST(test_cpuset_inherited)
{
	struct vcl_cgroup *cg = make(NULL);
	cleanup_free char *dir = vcl_cgroup_dir("cpuset", top),
			  *root = vcl_cgroup_dir("cpuset", "");
	cleanup_free char *clone = NULL, *cpus = NULL, *want = NULL;
	char file[512];

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(root);
	snprintf(file, sizeof(file), "%s/cgroup.clone_children", dir);
	ck_assert_int_eq(vcl_read_file(file, &clone, NULL, NULL), 0);
	ck_assert_int_eq(clone[0], '1');
	snprintf(file, sizeof(file), "%s/cpuset.cpus", root);
	ck_assert_int_eq(vcl_read_file(file, &want, NULL, NULL), 0);
	cpus = knob("cpuset", "cpuset.cpus");
	want[strcspn(want, "\n")] = '\0';
	ck_assert_str_eq(cpus, want);
	ck_assert_int_eq(vcl_cgroup_destroy(cg, NULL), 0);
}
END_TEST

/* A knob the kernel refuses (a cpuset of cores this host does not have):
 * the error names the knob and carries the kernel's errno, instead of one
 * libcgroup code for the whole cgroup. */
START_TEST(test_knob_error_named)
{
	struct vcl_limits lim = {.mem_mib = 32};
	struct vcl_cgroup *cg = NULL;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_cgroup_create(NULL, path, &lim, "4000", &cg, &err), -1);
	ck_assert_ptr_null(cg);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err->msg, "cpuset.cpus") != NULL && err->errnum != 0, "%s (errno %d)",
		      err->msg, err->errnum);
	vcl_error_free(err);
}
END_TEST

/* The memory limit kills, and the oom_kill counter (memory.events on v2,
 * memory.oom_control on v1) says so. */
START_TEST(test_oom_kill_counted)
{
	struct vcl_limits lim = {.mem_mib = 32};
	struct vcl_cgroup *cg = make(&lim);
	struct vcl_cg_stats st;
	int status;
	pid_t pid = child_in(cg, eat_memory);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "child was not killed by the memory limit: status %#x", status);
	ck_assert_int_eq(vcl_cgroup_stats(cg, &st, NULL), 0);
	ck_assert_uint_ge(st.oom_kills, 1);
	ck_assert_int_eq(vcl_cgroup_destroy(cg, NULL), 0);
}
END_TEST

START_TEST(test_pids_limit)
{
	struct vcl_limits lim = {.pids = 8};
	struct vcl_cgroup *cg = make(&lim);
	int status;
	pid_t pid = child_in(cg, fork_many);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	/* fork_many kills its own group once it counted: SIGKILL means it
	 * got there, an exit code means the limit did not hold. */
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		      "pids.max did not stop fork: status %#x", status);
	ck_assert_int_eq(vcl_cgroup_destroy(cg, NULL), 0);
}
END_TEST

/* Accounting only: memory, CPU time and the task list of a running child;
 * then destroy kills it and the folder is gone on every hierarchy. */
START_TEST(test_sampling_and_removal)
{
	struct vcl_cgroup *cg = make(NULL);
	struct vcl_cg_stats st;
	cleanup_free pid_t *pids = NULL;
	cleanup_free char *dir = NULL;
	size_t n = 0;
	pid_t pid = child_in(cg, burn_cpu);
	struct vcl_error *err = NULL;

	/* 100 ms of CPU time: 0.4 s of wall time on an idle host, up to 10 s
	 * when other jobs keep the two cores busy (a load of 10 gave the
	 * burner ~80 ms in 0.4 s). */
	for (int i = 0; i < 100; i++) {
		nanosleep(&(struct timespec){.tv_nsec = 100000000L}, NULL);
		ck_assert_int_eq(vcl_cgroup_stats(cg, &st, NULL), 0);
		if (i >= 3 && st.cpu_known && st.cpu_usec >= 100000)
			break;
	}
	ck_assert_uint_gt(st.mem_bytes, 0);
	ck_assert_msg(st.cpu_known && st.cpu_usec >= 100000, "cpu %d %llu", st.cpu_known,
		      (unsigned long long)st.cpu_usec);
	ck_assert_uint_eq(st.pids, 1);
	ck_assert_int_eq(vcl_cgroup_pids(cg, &pids, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(pids[0], pid);
	dir = vcl_cgroup_dir("memory", path);
	ck_assert_ptr_nonnull(dir);
	/* destroy SIGKILLs and waits until the cgroup is empty, which for
	 * our own child means reaped: kill and reap it first. */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_msg(vcl_cgroup_destroy(cg, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_msg(access(dir, F_OK) < 0 && errno == ENOENT, "%s left", dir);
}
END_TEST

/* A cgroup with a child cgroup under it (a container's own, libvirt's
 * emulator): destroy removes both, deepest first, instead of failing with
 * EBUSY and leaving the instance's cgroup behind. */
START_TEST(test_removal_nested)
{
	struct vcl_cgroup *cg = make(NULL);
	cleanup_free char *dir = vcl_cgroup_dir("memory", path);
	char sub[512];
	struct vcl_error *err = NULL;

	ck_assert_ptr_nonnull(dir);
	snprintf(sub, sizeof(sub), "%s/inner", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_msg(vcl_cgroup_destroy(cg, &err) == 0, "%s", err ? err->msg : "");
	ck_assert_msg(access(sub, F_OK) < 0 && errno == ENOENT, "%s left", sub);
	ck_assert_msg(access(dir, F_OK) < 0 && errno == ENOENT, "%s left", dir);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cgroup_live");
	TCase *tc = tcase_create("live");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_limits_written);
	tcase_add_test(tc, test_knob_error_named);
	tcase_add_test(tc, test_oom_kill_counted);
	tcase_add_test(tc, test_pids_limit);
	tcase_add_test(tc, test_sampling_and_removal);
	tcase_add_test(tc, test_removal_nested);
	if (vcl_cgroup_mode() != VCL_CG_V2)
		tcase_add_test(tc, test_cpuset_inherited); /* clone_children is v1's */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0)
		return skip_suite("test_cgroup_live", "needs root (makes cgroups)");
	if (vcl_cgroup_mode() == VCL_CG_NONE)
		return skip_suite("test_cgroup_live", "no cgroup filesystem");
	snprintf(top, sizeof(top), "vclab-unit-%d", (int)getpid());
	return run_suite(suite());
}

/* SPDX-License-Identifier: MIT */
/*
 * Fault handling through the CLI (root): each case ends with a clear
 * message, results saved up to that point as valid JSON (marked incomplete)
 * where the run gets that far, and nothing left behind.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "ledger.h"
#include "results.h"
#include "util.h"

/* Run a shell command in a private mount namespace (so test mounts vanish
 * with it); returns its exit status. */
static int run_private(const char *cmd)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(125);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Dead runs' ledgers now (dry-run gc). Other suites on the machine may
 * leave theirs; a case must not add any. */
static unsigned dead_runs(void)
{
	struct vcl_gc_opts o = {.dry_run = true};
	unsigned removed = 0;
	struct vcl_error *err = NULL;
	int saved = dup(1), devnull = open("/dev/null", O_WRONLY);

	fflush(stdout);
	dup2(devnull, 1);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(devnull);
	return removed;
}

#define assert_nothing_left(before) ck_assert_uint_le(dead_runs(), (before))

START_TEST(test_results_unwritable)
{
	unsigned before = dead_runs();

	/* A read-only results folder: as root, mode bits do not stop writes,
	 * a read-only mount does. */
	ck_assert_int_eq(
	    run_private("mkdir -p /tmp/vclab-ro && mount -t tmpfs -o ro,size=64k tmpfs "
			"/tmp/vclab-ro && bin/vclab bench --backends bare --scenarios "
			"startup --runs 3 --quiet --no-report --out /tmp/vclab-ro/run "
			"2>/tmp/vclab-fault-err; echo $? > /tmp/vclab-fault-rc"),
	    0);
	ck_assert_int_eq(run("test $(cat /tmp/vclab-fault-rc) -eq 2"), 0);
	ck_assert_int_eq(run("grep -q 'Read-only file system' /tmp/vclab-fault-err && "
			     "test $(wc -l < /tmp/vclab-fault-err) -eq 1"),
			 0);
	assert_nothing_left(before);
}
END_TEST

START_TEST(test_disk_full)
{
	unsigned before = dead_runs();

	/* The results file does not fit: a clear error, and never a
	 * half-written results.json (atomic write: temp file removed). */
	ck_assert_int_eq(
	    run_private("mkdir -p /tmp/vclab-full && mount -t tmpfs -o size=12k tmpfs "
			"/tmp/vclab-full && bin/vclab bench --backends bare --scenarios "
			"startup --runs 300 --warmup 0 --quiet --no-report "
			"--out /tmp/vclab-full/run 2>/tmp/vclab-fault-err; "
			"echo $? > /tmp/vclab-fault-rc; ls -A /tmp/vclab-full/run > "
			"/tmp/vclab-fault-ls"),
	    0);
	ck_assert_int_eq(run("test $(cat /tmp/vclab-fault-rc) -ne 0"), 0);
	ck_assert_int_eq(run("grep -q 'No space left on device' /tmp/vclab-fault-err"), 0);
	ck_assert_int_eq(run("! grep -q 'results.json' /tmp/vclab-fault-ls"), 0);
	assert_nothing_left(before);
}
END_TEST

/* The run id of the ledger whose owner is pid, or "" */
static void run_of(pid_t pid, char *run, size_t len)
{
	char cmd[256];
	FILE *p;

	run[0] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "grep -l '^%d ' " VCL_LEDGER_ROOT
		 "/*/owner 2>/dev/null | head -1 | xargs -r dirname "
		 "| xargs -r basename",
		 (int)pid);
	p = popen(cmd, "r");
	if (p != NULL) {
		if (fgets(run, (int)len, p) != NULL)
			run[strcspn(run, "\n")] = '\0';
		pclose(p);
	}
}

START_TEST(test_sigkill_then_gc)
{
	struct vcl_error *err = NULL;
	struct vcl_gc_opts o = {0};
	unsigned removed = 0;
	int status = 0;
	char run[64], cg[128];
	char *dir;
	struct stat st;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl("bin/vclab", "vclab", "bench", "--backends", "bare", "--scenarios", "density",
		      "--budget-mib", "100000", "--quiet", "--no-report", "--out",
		      "/tmp/vclab-test-kill", (char *)NULL);
		_exit(127);
	}
	/* Mid-density: tens of payloads up. */
	usleep(1500 * 1000);
	run_of(pid, run, sizeof(run));
	ck_assert_str_ne(run, "");
	snprintf(cg, sizeof(cg), "vclab/%s", run);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert(WIFSIGNALED(status));
	/* The orphans are still there, in the run's cgroup. */
	dir = vcl_cgroup_dir("memory", cg);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	ck_assert_uint_ge(removed, 1);
	ck_assert_int_eq(stat(dir, &st), -1);
	free(dir);
	ck_assert_uint_eq(dead_runs(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("integration");
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		printf("test_faults: skipped, needs root\n");
		return 0;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_results_unwritable);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_sigkill_then_gc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

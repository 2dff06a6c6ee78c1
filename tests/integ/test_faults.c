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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/cgroup.h"
#include "core/ledger.h"
#include "core/results.h"
#include "core/util.h"
#include "keep_results.h"
#include "integ_util.h"
#include "tests/suite_main.h"

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

#define assert_nothing_left(before) ck_assert_uint_le(integ_dead_runs(), (before))

START_TEST(test_results_unwritable)
{
	unsigned before = integ_dead_runs();

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
	unsigned before = integ_dead_runs();

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

START_TEST(test_sigkill_then_gc)
{
	struct vcl_error *err = NULL;
	struct vcl_gc_opts o = {.kinds = &integ_kinds};
	unsigned removed = 0;
	int status = 0;
	char run[64], cg[128];
	char *dir;
	struct stat st;
	pid_t pid;

	pid = integ_spawn_quiet("bin/vclab",
				(const char *const[]){"vclab", "bench", "--backends", "bare",
						      "--scenarios", "density", "--budget-mib",
						      "100000", "--quiet", "--no-report", "--out",
						      "/tmp/vclab-test-kill", NULL});
	/* Mid-density: tens of payloads up. */
	usleep(1500 * 1000);
	integ_run_of(pid, run, sizeof(run));
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
	ck_assert_uint_eq(integ_dead_runs(), 0);
}
END_TEST

/* Exited (or a zombie nobody reaped yet). */
static bool gone(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	const char *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p == NULL || p[2] == 'Z' || p[2] == 'X';
}

/* The pid in /run/NAME.pid, as services.sh's daemons write it; 0 if none. */
static pid_t daemon_pid(const char *name)
{
	char path[64];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/run/%s.pid", name);
	f = fopen(path, "re");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* libvirtd stops in the middle of a VM run: a clear message, results saved
 * and marked incomplete, no QEMU or domain left (after libvirtd is back). */
START_TEST(test_libvirtd_stops)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	char cmd[512];
	const char *run_id;
	char run_buf[32];
	int status = 0, i;
	pid_t pid, lv = daemon_pid("libvirtd");

	if (lv <= 0 || run("test \"$(cat /proc/1/comm)\" = systemd") == 0) {
		/* Only a libvirtd this suite's setup started by hand is ours to stop. */
		note_skip("test_libvirtd_stops", "libvirtd not started by scripts/services.sh");
		return;
	}
	run("rm -rf /tmp/vclab-test-lv");
	pid = fork();
	if (pid == 0) {
		int fd = open("/tmp/vclab-test-lv.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		close(1);
		execl("bin/vclab", "vclab", "bench", "--backends", "vm", "--peer", "none",
		      "--scenarios", "startup", "--vm-runs", "30", "--vm-warmup", "0", "--quiet",
		      "--no-report", "--out", "/tmp/vclab-test-lv", (char *)NULL);
		_exit(127);
	}
	/* Wait until a domain of the run is up, then stop the daemon. */
	for (i = 0; i < 600; i++) {
		if (run("virsh -c qemu:///system list --name 2>/dev/null | grep -q '^vclab-'") == 0)
			break;
		/* A run that ended before its first domain came up cannot test
		 * this; say why instead of waiting out the minute. */
		if (waitpid(pid, &status, WNOHANG) == pid) {
			run("cat /tmp/vclab-test-lv.err >&2");
			ck_abort_msg("the bench ended before any domain came up");
		}
		usleep(100 * 1000);
	}
	ck_assert_int_lt(i, 600);
	usleep(500 * 1000);
	ck_assert_int_eq(kill(lv, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	ck_assert_int_eq(run("grep -q 'libvirtd' /tmp/vclab-test-lv.err"), 0);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-lv/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-lv/results.json", "faults-lv");
	ck_assert_int_eq(json_object_get_boolean(vcl_json_path(o, "complete")), 0);
	snprintf(run_buf, sizeof(run_buf), "%s",
		 json_object_get_string(vcl_json_path(o, "run_id")));
	run_id = run_buf;
	/* No QEMU of this run survives, even with libvirtd gone. */
	snprintf(cmd, sizeof(cmd), "! pgrep -f '[g]uest=vclab-%s-' >/dev/null", run_id);
	ck_assert_int_eq(run(cmd), 0);
	json_object_put(o);
	/* libvirtd 9.0 may hang in its own shutdown (seen here: a futex wait
	 * with its socket already gone): after 10 s the daemon we stopped is
	 * killed, so the next one can take its pid file. */
	for (i = 0; i < 100 && !gone(lv); i++)
		usleep(100 * 1000);
	if (!gone(lv))
		kill(lv, SIGKILL);
	for (i = 0; i < 50 && !gone(lv); i++)
		usleep(100 * 1000);
	/* Bring libvirtd back; it must know of no domain of this run. */
	ck_assert_int_eq(run("scripts/services.sh >/dev/null"), 0);
	ck_assert_int_eq(run("! virsh -c qemu:///system list --all --name | grep -q '^vclab-'"), 0);
	/* What the run could not tear down without libvirtd, gc finishes. */
	ck_assert_int_eq(run("bin/vclab gc >/dev/null"), 0);
	snprintf(cmd, sizeof(cmd), "test ! -e " VCL_LEDGER_ROOT "/%s", run_id);
	ck_assert_int_eq(run(cmd), 0);
}
END_TEST

/* virtlogd is gone while libvirtd answers (what a stale socket on a
 * disk-backed /run left on a CI machine): a VM run stops at once with a
 * message naming virtlogd, its results are saved and marked incomplete,
 * nothing is left; services.sh then brings virtlogd back. */
START_TEST(test_virtlogd_gone)
{
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	unsigned before = integ_dead_runs();
	pid_t vl = daemon_pid("virtlogd");
	int i;

	if (vl <= 0 || run("test \"$(cat /proc/1/comm)\" = systemd") == 0 ||
	    run("virsh -c qemu:///system version >/dev/null 2>&1") != 0) {
		note_skip("test_virtlogd_gone", "virtlogd not started by scripts/services.sh");
		return;
	}
	/* SIGKILL, as a crash would: the socket file stays behind. */
	ck_assert_int_eq(kill(vl, SIGKILL), 0);
	for (i = 0; i < 50 && run("bin/vclab doctor | grep -q '^virtlogd .*does not answer'") != 0;
	     i++)
		usleep(100 * 1000);
	ck_assert_int_lt(i, 50);
	ck_assert_int_ne(
	    run("rm -rf /tmp/vclab-test-vl && bin/vclab bench --backends vm --peer none "
		"--scenarios startup --vm-runs 2 --vm-warmup 0 --quiet --no-report "
		"--out /tmp/vclab-test-vl >/dev/null 2>/tmp/vclab-test-vl.err"),
	    0);
	ck_assert_int_eq(run("grep -q 'virtlogd is not running' /tmp/vclab-test-vl.err"), 0);
	ck_assert_int_eq(vcl_results_load("/tmp/vclab-test-vl/results.json", &o, &err), 0);
	keep_results("/tmp/vclab-test-vl/results.json", "faults-vl");
	ck_assert_int_eq(json_object_get_boolean(vcl_json_path(o, "complete")), 0);
	json_object_put(o);
	ck_assert_int_eq(run("! virsh -c qemu:///system list --all --name | grep -q '^vclab-'"), 0);
	assert_nothing_left(before);
	/* The stale socket does not fool services.sh. */
	ck_assert_int_eq(run("test -S /run/libvirt/virtlogd-sock"), 0);
	ck_assert_int_eq(run("scripts/services.sh >/dev/null"), 0);
	ck_assert_int_eq(run("bin/vclab doctor | grep -q '^virtlogd  *answers'"), 0);
	run("rm -rf /tmp/vclab-test-vl /tmp/vclab-test-vl.err");
}
END_TEST

/* The VM's host port is taken: a clear message naming it, a non-zero exit,
 * the failure in results.json, nothing left behind. */
START_TEST(test_vm_port_taken)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	unsigned before = integ_dead_runs();
	char cmd[512];
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (run("virsh -c qemu:///system version >/dev/null 2>&1") != 0) {
		note_skip("test_vm_port_taken", "libvirtd not running");
		close(s);
		return;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	snprintf(cmd, sizeof(cmd),
		 "bin/vclab bench --backends vm --peer none --scenarios startup --vm-runs 1 "
		 "--vm-warmup 0 --vm-host-port %u --quiet --no-report --out /tmp/vclab-test-port "
		 "> /dev/null 2>/tmp/vclab-fault-err; test $? -eq 1",
		 (unsigned)ntohs(sa.sin_port));
	ck_assert_int_eq(run(cmd), 0);
	snprintf(
	    cmd, sizeof(cmd),
	    "grep -q '127.0.0.1:%u (--vm-host-port) is already taken' "
	    "/tmp/vclab-fault-err && grep -q 'already taken' /tmp/vclab-test-port/results.json",
	    (unsigned)ntohs(sa.sin_port));
	ck_assert_int_eq(run(cmd), 0);
	close(s);
	ck_assert_int_eq(run("! virsh -c qemu:///system list --all --name | grep -q '^vclab-'"), 0);
	assert_nothing_left(before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("integration");
	int ret;

	if (geteuid() != 0) {
		return skip_suite("test_faults", "needs root");
	}
	/* The ledger's undo of every kind built in, before any teardown or gc. */
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_results_unwritable);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_sigkill_then_gc);
	tcase_add_test(tc, test_vm_port_taken);
	tcase_add_test(tc, test_virtlogd_gone);
	tcase_add_test(tc, test_libvirtd_stops);
	suite_add_tcase(s, tc);
	ret = run_suite(s);
	/* Whatever a failed case left, libvirtd is up again for later suites. */
	if (system("scripts/services.sh >/dev/null") != 0)
		fprintf(stderr, "test_faults: libvirtd could not be restarted\n");
	return ret;
}

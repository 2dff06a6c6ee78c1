/* SPDX-License-Identifier: MIT */
/* The kill-and-reap helper every destroy path uses (core/proc.h), and the
 * error API's kind setter and warning sink (core/error.h). No root needed:
 * the children are this test's own. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "core/proc.h"
#include "core/util.h"
#include "tests/suite_main.h"

/* A child that ignores SIGTERM (when asked to), says so on a pipe, and
 * then waits to be killed. The pipe closes the race with the signal. */
static pid_t start_child(bool ignore_term)
{
	int pfd[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Check's runner forwards SIGTERM to its process group: the
		 * child must not inherit that handler. */
		signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
		if (write(pfd[1], "x", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	return pid;
}

START_TEST(test_kill_reap_escalates)
{
	pid_t pid = start_child(true);
	uint64_t t0 = vcl_now_ns();
	int status = 0;

	/* SIGTERM is ignored: after the 200 ms bound the helper sends SIGKILL. */
	ck_assert_int_eq(vcl_proc_kill_reap(pid, -1, SIGTERM, 200, &status), 0);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	ck_assert_uint_ge(vcl_now_ns() - t0, 200ULL * 1000000u);
	/* Reaped: nothing is left to wait for. */
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_kill_reap_first_signal)
{
	pid_t pid = start_child(false);
	int status = 0;

	ck_assert_int_eq(vcl_proc_kill_reap(pid, -1, SIGTERM, 10000, &status), 0);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGTERM);
}
END_TEST

START_TEST(test_kill_reap_sigkill)
{
	pid_t pid = start_child(true);
	int pidfd = vcl_pidfd_open(pid);
	int status = 0;

	/* Through the pidfd when there is one, as ctr does. */
	ck_assert_int_eq(vcl_proc_kill_reap(pid, pidfd, SIGKILL, 0, &status), 0);
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	if (pidfd >= 0)
		close(pidfd);
	/* Not (or no longer) a child. */
	ck_assert_int_eq(vcl_proc_kill_reap(pid, -1, SIGKILL, 0, NULL), -1);
	ck_assert_int_eq(errno, ECHILD);
	ck_assert_int_eq(vcl_proc_kill_reap(0, -1, SIGKILL, 0, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_cleanup_pid)
{
	pid_t seen;

	{
		cleanup_pid pid_t pid = start_child(true);

		seen = pid;
	}
	ck_assert_int_eq(waitpid(seen, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(test_waitpid)
{
	pid_t pid = fork();
	int status = 0;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(7);
	ck_assert_int_eq(vcl_waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 7);
}
END_TEST

/* What vclab starts does not inherit an ignored SIGPIPE (a service's
 * shell pipeline would otherwise see EPIPE where it expects to die), and
 * the harness itself survives a write to a closed pipe. */
START_TEST(test_sigpipe_not_inherited)
{
	int out[2], p[2], status = 0;
	char buf[4096] = "";
	ssize_t n, got = 0;
	unsigned long long ign = 0;
	const char *line;
	pid_t pid;

	vcl_install_signal_handlers();
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_int_eq(write(p[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(p[1]);
	ck_assert_int_eq(pipe(out), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	while ((n = read(out[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(out[0]);
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	line = strstr(buf, "SigIgn:");
	ck_assert_ptr_nonnull(line);
	ign = strtoull(line + 7, NULL, 16);
	ck_assert_msg((ign & (1ULL << (SIGPIPE - 1))) == 0, "SigIgn %llx has SIGPIPE", ign);
}
END_TEST

START_TEST(test_error_set_kind)
{
	cleanup_error struct vcl_error *e = NULL;

	/* NULL-safe both ways, and -1 for `return vcl_error_set_kind(...)`. */
	ck_assert_int_eq(vcl_error_set_kind(NULL, VCL_E_USAGE), -1);
	ck_assert_int_eq(vcl_error_set_kind(&e, VCL_E_USAGE), -1);
	ck_assert_ptr_null(e);
	vcl_fail(&e, ENOENT, "Read %s", "x");
	ck_assert_int_eq(vcl_error_exit_code(e), 1);
	ck_assert_int_eq(vcl_error_set_kind(&e, VCL_E_USAGE), -1);
	ck_assert_int_eq(e->kind, VCL_E_USAGE);
	ck_assert_int_eq(vcl_error_exit_code(e), 2);
	ck_assert_str_eq(e->msg, "Read x: No such file or directory");
}
END_TEST

START_TEST(test_warn_prefix)
{
	char path[] = "/tmp/vclab-warn-XXXXXX";
	cleanup_free char *text = NULL;
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	errno = EAGAIN;
	vcl_warn("figure %s: %d", "memory", 3);
	ck_assert_int_eq(errno, EAGAIN); /* the sink keeps errno */
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	ck_assert_int_eq(vcl_read_file(path, &text, NULL, NULL), 0);
	unlink(path);
	ck_assert_str_eq(text, "vclab: warning: figure memory: 3\n");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("kill_reap");
	TCase *te = tcase_create("error");

	tcase_add_test(tc, test_kill_reap_escalates);
	tcase_add_test(tc, test_kill_reap_first_signal);
	tcase_add_test(tc, test_kill_reap_sigkill);
	tcase_add_test(tc, test_cleanup_pid);
	tcase_add_test(tc, test_waitpid);
	tcase_add_test(tc, test_sigpipe_not_inherited);
	suite_add_tcase(s, tc);
	tcase_add_test(te, test_error_set_kind);
	tcase_add_test(te, test_warn_prefix);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

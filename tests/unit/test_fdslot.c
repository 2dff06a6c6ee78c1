/* SPDX-License-Identifier: MIT */
/* Launch slots (core/fdslot.c): a CLONE_VM | CLONE_VFORK | CLONE_FILES
 * child that unshares with close_range keeps the lent slots and none of
 * the parent's many other descriptors; the parent gets its numbers back
 * and the slots point at /dev/null again. No root. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fdslot.h"
#include "core/cleanup.h"
#include "tests/suite_main.h"

#define MANY 400

struct kid {
	int end, slot, high;
};

/* The child: its own small table, the slot kept, a high one gone. */
static int kid_main(void *arg)
{
	const struct kid *k = arg;

	if (close_range((unsigned)k->end, ~0U, CLOSE_RANGE_UNSHARE) < 0)
		_exit(2);
	if (fcntl(k->high, F_GETFD) >= 0 || errno != EBADF)
		_exit(3);
	if (write(k->slot, "x", 1) != 1)
		_exit(4);
	_exit(0);
}

static bool is_dev_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev &&
	       S_ISCHR(a.st_mode);
}

START_TEST(test_fdslot_child_keeps_only_slots)
{
	static char stack[65536] __attribute__((aligned(16)));
	struct vcl_error *err = NULL;
	int many[MANY], p[2], saved[1], status = 0;
	int *const fds[] = {&p[1]};
	struct kid k;
	char c;
	pid_t pid;

	ck_assert_int_eq(vcl_fdslot_reserve(&err), 0);
	ck_assert_int_eq(vcl_fdslot_reserve(&err), 0); /* idempotent */
	for (int i = 0; i < MANY; i++)
		ck_assert_int_ge(many[i] = open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	k.end = vcl_fdslot_lend_all(fds, 1, saved);
	ck_assert_int_eq(k.end, vcl_fdslot_end());
	ck_assert_int_lt(p[1], k.end); /* the slot, in p[1]'s place */
	ck_assert_int_ge(saved[0], k.end);
	k.slot = p[1];
	k.high = many[MANY - 1];
	pid = clone(kid_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
		    &k);
	ck_assert_int_gt(pid, 0);
	vcl_fdslot_return_all(fds, 1, saved);
	ck_assert_int_eq(p[1], saved[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	ck_assert(is_dev_null(k.slot));		     /* the slot is idle again */
	ck_assert_int_ge(fcntl(k.high, F_GETFD), 0); /* the parent's are all there */
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 0); /* no copy of the write end left open */
	close(p[0]);
	for (int i = 0; i < MANY; i++)
		close(many[i]);
}
END_TEST

/* Not reserved: nothing lent, the numbers as they were. */
START_TEST(test_fdslot_unreserved)
{
	int fd = 42, saved[1];
	int *const fds[] = {&fd};

	ck_assert_int_eq(vcl_fdslot_ready(), 0);
	ck_assert_int_eq(vcl_fdslot_lend_all(fds, 1, saved), -1);
	ck_assert_int_eq(fd, 42);
	ck_assert_int_eq(vcl_fdslot_lend(-1), -1);
}
END_TEST

/* More descriptors than slots: nothing lent. */
START_TEST(test_fdslot_too_many)
{
	struct vcl_error *err = NULL;
	int v[VCL_FDSLOTS + 1], saved[VCL_FDSLOTS + 1];
	int *fds[VCL_FDSLOTS + 1];

	ck_assert_int_eq(vcl_fdslot_reserve(&err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		v[i] = 0; /* stdin: a valid descriptor to lend */
		fds[i] = &v[i];
	}
	ck_assert_int_eq(vcl_fdslot_lend_all(fds, ARRAY_SIZE(v), saved), -1);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		ck_assert_int_eq(v[i], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdslot");
	TCase *tc = tcase_create("slots");

	tcase_add_test(tc, test_fdslot_child_keeps_only_slots);
	tcase_add_test(tc, test_fdslot_unreserved);
	tcase_add_test(tc, test_fdslot_too_many);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

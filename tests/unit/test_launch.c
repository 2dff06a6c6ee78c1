/* SPDX-License-Identifier: MIT */
/* The launch skeleton (core/launch.c) with a fake backend: the order of
 * the hooks, t0 around start only, priv from its template, and the undo
 * on a failure at each step, with nothing left (ASan and valgrind check
 * the frees) and the error wrapped once. No root, no ledger. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "core/launch.h"
#include "tests/suite_main.h"

struct fake_priv {
	int fd; /* -1 from the template */
	int made;
};

/* What the hooks saw, in order: "s" setup, "t" start, "f" finish, "u" undo. */
struct fake_arg {
	char trace[8];
	char fail_at; /* the hook that fails, or 0 */
	uint64_t start_seen;
	bool undo_saw_priv;
};

static void trace(struct vcl_launch *l, char c)
{
	struct fake_arg *a = l->arg;
	size_t n = strlen(a->trace);

	a->trace[n] = c;
}

static int step(struct vcl_launch *l, char c, struct vcl_error **err)
{
	struct fake_arg *a = l->arg;

	trace(l, c);
	if (a->fail_at == c)
		return vcl_fail(err, EIO, "Hook %c failed", c);
	return 0;
}

static int fake_setup(struct vcl_launch *l, struct vcl_error **err)
{
	struct fake_priv *p = l->priv;

	ck_assert_int_eq(p->fd, -1); /* the template */
	ck_assert_ptr_eq(l->inst->priv, l->priv);
	ck_assert_uint_eq(l->inst->t.start, 0);
	p->made = 1;
	return step(l, 's', err);
}

static int fake_start(struct vcl_launch *l, struct vcl_error **err)
{
	struct fake_arg *a = l->arg;

	a->start_seen = l->inst->t.start;
	ck_assert_uint_ne(a->start_seen, 0);
	ck_assert_uint_eq(l->inst->t.created, 0);
	return step(l, 't', err);
}

static int fake_finish(struct vcl_launch *l, struct vcl_error **err)
{
	ck_assert_uint_ge(l->inst->t.created, l->inst->t.start);
	return step(l, 'f', err);
}

static void fake_undo(struct vcl_launch *l, struct vcl_error **err)
{
	struct fake_arg *a = l->arg;
	struct fake_priv *p = l->priv;

	(void)err;
	a->undo_saw_priv = p != NULL && p->made == 1;
	trace(l, 'u');
}

static const struct fake_priv fake_init = {.fd = -1};

static const struct vcl_launch_hooks fake_hooks = {
    .what = "thing",
    .priv_size = sizeof(struct fake_priv),
    .priv_init = &fake_init,
    .setup = fake_setup,
    .start = fake_start,
    .finish = fake_finish,
    .undo = fake_undo,
};

static const struct vcl_backend_ops fake_ops = {.name = "fake"};

static int launch(struct fake_arg *a, struct vcl_instance **out, struct vcl_error **err)
{
	static const struct vcl_spec spec = {.run_id = "t1", .index = 3};
	struct vcl_launch l = {.spec = &spec, .ops = &fake_ops, .arg = a, .who = "fake"};

	return vcl_launch(&fake_hooks, &l, out, err);
}

START_TEST(test_launch_order)
{
	struct fake_arg a = {0};
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(launch(&a, &inst, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(a.trace, "stf");
	ck_assert_ptr_nonnull(inst);
	ck_assert_str_eq(inst->name, "vclab-t1-3");
	ck_assert_ptr_eq(inst->ops, &fake_ops);
	ck_assert_uint_eq(inst->t.start, a.start_seen);
	ck_assert_uint_ge(inst->t.created, inst->t.start);
	ck_assert_int_eq(((struct fake_priv *)inst->priv)->made, 1);
	free(inst->priv);
	vcl_instance_free(inst);
}
END_TEST

/* A failure at each hook: undo runs once, last; the error keeps the hook's
 * words behind the launch's context; *out stays untouched. */
START_TEST(test_launch_undo)
{
	static const char fail_at[] = {'s', 't', 'f'};
	static const char *const want[] = {"su", "stu", "stfu"};
	char fail = fail_at[_i];
	struct fake_arg a = {.fail_at = fail};
	struct vcl_instance *inst = (struct vcl_instance *)&a; /* a canary */
	struct vcl_error *err = NULL;
	char hook[32];

	ck_assert_int_eq(launch(&a, &inst, &err), -1);
	ck_assert_str_eq(a.trace, want[_i]);
	ck_assert(a.undo_saw_priv);
	ck_assert_ptr_eq(inst, (struct vcl_instance *)&a);
	ck_assert_ptr_nonnull(err);
	snprintf(hook, sizeof(hook), "Hook %c failed", fail);
	ck_assert_msg(strstr(err->msg, "Launch fake thing vclab-t1-3") == err->msg, "%s", err->msg);
	ck_assert_msg(strstr(err->msg, hook) != NULL, "%s", err->msg);
	ck_assert_int_eq(err->errnum, EIO);
	vcl_error_free(err);
}
END_TEST

/* No what: the hook's error goes out as it was set. */
START_TEST(test_launch_no_wrap)
{
	struct vcl_launch_hooks h = fake_hooks;
	static const struct vcl_spec spec = {.run_id = "t1", .index = 0};
	struct fake_arg a = {.fail_at = 't'};
	struct vcl_launch l = {.spec = &spec, .ops = &fake_ops, .arg = &a};
	struct vcl_instance *inst = NULL;
	struct vcl_error *err = NULL;

	h.what = NULL;
	ck_assert_int_eq(vcl_launch(&h, &l, &inst, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err->msg, "Hook t failed: Input/output error");
	ck_assert_ptr_null(l.inst);
	vcl_error_free(err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("launch");
	TCase *tc = tcase_create("skeleton");

	tcase_add_test(tc, test_launch_order);
	tcase_add_loop_test(tc, test_launch_undo, 0, 3);
	tcase_add_test(tc, test_launch_no_wrap);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

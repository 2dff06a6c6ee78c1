/* SPDX-License-Identifier: MIT */
/*
 * core/isolation.h on literal input: the probe's object from a ctr run under
 * containerd's CRI defaults (tests/data/isolation/ctr-cri.json, measured)
 * passes the check, and each departure from those defaults, made by hand,
 * fails it with its name; bare's object (measured) fails it many times.
 */
#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "advise/advise.h"
#include "core/cleanup.h"
#include "core/isolation.h"
#include "core/results.h"
#include "tests/suite_main.h"

static struct json_object *load(const char *name)
{
	char path[256];
	struct json_object *o;

	snprintf(path, sizeof(path), "tests/data/isolation/%s", name);
	o = json_object_from_file(path);
	ck_assert_msg(o != NULL, "cannot read %s", path);
	return o;
}

static unsigned check(struct json_object *o, char *why, size_t size)
{
	return vcl_isolation_cri_violations(o, why, size);
}

START_TEST(test_cri_defaults_pass)
{
	struct json_object *o = load("ctr-cri.json");
	char why[512];

	ck_assert_msg(check(o, why, sizeof(why)) == 0, "%s", why);
	ck_assert_str_eq(why, "");
	ck_assert(!vcl_isolation_has_cap(o, "effective", "cap_sys_admin"));
	ck_assert(vcl_isolation_has_cap(o, "effective", "cap_net_raw"));
	ck_assert_str_eq(vcl_isolation_call_result(o, "mount_tmpfs"), "denied");
	ck_assert_ptr_null(vcl_isolation_call_result(o, "no_such_call"));
	json_object_put(o);
}
END_TEST

START_TEST(test_each_breach_named)
{
	struct json_object *o = load("ctr-cri.json");
	char why[512];

	json_object_array_add(vcl_json_path(o, "caps.effective"),
			      json_object_new_string("cap_sys_admin"));
	json_object_object_add(vcl_json_path(o, "syscalls.mount_tmpfs"), "result",
			       json_object_new_string("allowed"));
	json_object_object_add(vcl_json_path(o, "paths"), "proc_sys_writable",
			       json_object_new_boolean(1));
	json_object_object_add(vcl_json_path(o, "pids"), "host_pid_visible",
			       json_object_new_boolean(1));
	json_object_object_add(vcl_json_path(o, "paths"), "kallsyms",
			       json_object_new_string("addresses"));
	ck_assert_uint_eq(check(o, why, sizeof(why)), 5);
	ck_assert_str_eq(why, "cap_sys_admin effective; mount a tmpfs allowed; /proc/sys writable; "
			      "a host process visible; kernel addresses in /proc/kallsyms");
	/* Truncated, the count stays whole. */
	ck_assert_uint_eq(check(o, why, 16), 5);
	ck_assert_uint_eq(strlen(why), 15);
	json_object_put(o);
}
END_TEST

/* A probe that said nothing never passes; null (nothing there) does. */
START_TEST(test_missing_fails_null_passes)
{
	struct json_object *o = load("ctr-cri.json");
	char why[512];

	json_object_object_add(vcl_json_path(o, "paths"), "sysrq_trigger_writable", NULL);
	ck_assert_uint_eq(check(o, why, sizeof(why)), 0);
	json_object_object_del(vcl_json_path(o, "paths"), "sys_writable");
	json_object_object_del(o, "caps");
	json_object_object_del(vcl_json_path(o, "syscalls"), "keyctl");
	ck_assert_uint_eq(check(o, why, sizeof(why)), 5);
	ck_assert_msg(strstr(why, "no effective capability set") != NULL &&
			  strstr(why, "keyctl not tried") != NULL &&
			  strstr(why, "/sys writable not measured") != NULL,
		      "%s", why);
	json_object_put(o);
	o = json_object_new_object();
	ck_assert_uint_gt(check(o, why, sizeof(why)), 10);
	json_object_put(o);
}
END_TEST

START_TEST(test_bare_fails)
{
	struct json_object *o = load("bare.json");
	char why[4096];

	ck_assert_uint_gt(check(o, why, sizeof(why)), 20);
	ck_assert(strstr(why, "cap_sys_admin effective") != NULL);
	ck_assert(strstr(why, "a host process visible") != NULL);
	json_object_put(o);
}
END_TEST

/* advise --explain on an untrusted workload cites the measured table; a
 * trusted one does not (tests/data/results-wide.json holds measured
 * isolation objects). */
static char *explain(const char *profile)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fo = open_memstream(&out, &len), *fd = fopen("/dev/null", "w");
	struct vcl_error *err = NULL;
	const char *const inputs[] = {profile};

	ck_assert(fo != NULL && fd != NULL);
	ck_assert_msg(vcl_advise_run("tests/data/results-wide.json", inputs, 1, VCL_ADVISE_EXPLAIN,
				     fo, fd, &err) == 0,
		      "%s", err != NULL ? err->msg : "?");
	fclose(fo);
	fclose(fd);
	/* The trace wraps at 100 columns: one space for every run of them. */
	for (char *r = out, *w = out;; r++) {
		if (*r == ' ' || *r == '\n') {
			if (w == out || w[-1] != ' ')
				*w++ = ' ';
			continue;
		}
		*w++ = *r;
		if (*r == '\0')
			break;
	}
	return out;
}

START_TEST(test_advise_cites_isolation)
{
	char *out = explain("docs/examples/plugin-runner.yaml"); /* tenancy: hostile */

	ck_assert_msg(
	    strstr(out, "measured (the report's isolation table, "
			"backends.ctr.isolation): on the host's kernel, 14 capabilities, "
			"no CAP_SYS_ADMIN, 0 of 13 calls containerd forbids went through") != NULL,
	    "no measured isolation of ctr in the trace");
	ck_assert(strstr(out, "backends.vm.isolation): its own kernel") != NULL);
	ck_assert(strstr(out, "backends.bare.isolation): on the host's kernel, 40 capabilities "
			      "incl. CAP_SYS_ADMIN") != NULL);
	free(out);
	out = explain("docs/examples/batch-job.yaml");
	ck_assert(strstr(out, "isolation table") == NULL);
	free(out);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_cri_defaults_pass, test_each_breach_named,
				      test_missing_fails_null_passes, test_bare_fails,
				      test_advise_cites_isolation};

	return run_suite(suite_of("isolation", 10, tests, ARRAY_SIZE(tests), NULL));
}

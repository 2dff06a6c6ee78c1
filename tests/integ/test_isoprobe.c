/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the isolation probe (bin/vclab-isoprobe,
 * docs/isolation.md): ctr under containerd's CRI defaults never lets the
 * probe do what those defaults forbid, and its capabilities are the ones
 * the host reads in /proc/<pid>/status (the outside check); the check
 * does fail when the container holds an added CAP_SYS_ADMIN or runs
 * without the RuntimeDefault seccomp profile; and `vclab bench --scenarios isolation` over bare, ctr,
 * vm and the runc peer records the facts (vm not on the host's kernel, bare
 * and ctr on it, runc's capabilities ctr's) and reports them as a table.
 * Needs root; the bench test needs the guest image (make guest).
 */
#include <check.h>
#include <dirent.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "bench/backends.h"
#include "bench/bench.h"
#include "core/backend.h"
#include "core/cleanup.h"
#include "core/isolation.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/util.h"
#include "image/image.h"
#include "integ_util.h"
#include "keep_results.h"
#include "tests/suite_main.h"

static char *payload;

#define OUT "/tmp/vclab-test-isoprobe"

static void setup(void)
{
	integ_ledger_open("ip");
}

/* The capability set a probe object names, as a CapEff-style mask. */
static unsigned long long mask_of(struct json_object *iso, const char *set)
{
	struct json_object *a = at(iso, set);
	unsigned long long m = 0;

	ck_assert_msg(a != NULL, "no %s in the probe's answer", set);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		cap_value_t v;

		ck_assert(cap_from_name(json_object_get_string(json_object_array_get_idx(a, i)),
					&v) == 0);
		m |= 1ULL << v;
	}
	return m;
}

/* CapEff/CapBnd of pid, read by the host. */
static unsigned long long host_caps(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long long m = ~0ULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	ck_assert(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
			m = strtoull(line + strlen(key) + 1, NULL, 16);
	fclose(f);
	ck_assert_msg(m != ~0ULL, "no %s in %s", key, path);
	return m;
}

/* The probe in ops with the securityContext sec: its answer, checked
 * against what the host reads of the same process. */
static struct json_object *probe_in(const char *name, const struct vcl_security *sec,
				    unsigned index)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, name);
	struct vcl_spec spec = integ_spec(payload, index);
	struct vcl_instance *inst = NULL;
	struct json_object *iso = NULL;
	struct vcl_image img;
	void *run = NULL;
	char dir[512];

	ck_assert_msg(ops != NULL, "%s is not built in", name);
	snprintf(dir, sizeof(dir), "%s/isoprobe-root", vcl_ledger_dir(integ_ledger));
	OK(vcl_isolation_service(payload, dir, integ_ledger, &img, err));
	img.svc.sec = *sec;
	spec.svc = &img.svc;
	spec.limits.pids = 64;
	OK(ops->prepare(&spec, &run, err));
	OK(ops->launch(run, &spec, &inst, err));
	OK(vcl_probe_wait(inst, 10000, err));
	OK(vcl_isolation_read(inst, &iso, err));
	/* Outside check: the kernel's own view of the probe's process. */
	ck_assert_msg(mask_of(iso, "caps.effective") == host_caps(inst->pid, "CapEff"),
		      "%s: the probe's effective set differs from /proc/%d/status", name,
		      (int)inst->pid);
	ck_assert(mask_of(iso, "caps.bounding") == host_caps(inst->pid, "CapBnd"));
	OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
	vcl_isolation_service_free(&img, dir);
	return iso;
}

START_TEST(test_ctr_cri_defaults)
{
	struct vcl_security cri = {0}; /* containerd's defaults */
	struct json_object *ctr = probe_in("ctr", &cri, 1), *runc = probe_in("runc", &cri, 2);
	char why[1024];

	ck_assert_msg(vcl_isolation_cri_violations(ctr, why, sizeof(why)) == 0, "ctr: %s", why);
	ck_assert(!vcl_isolation_has_cap(ctr, "effective", "cap_sys_admin"));
	ck_assert_str_eq(vcl_isolation_call_result(ctr, "mount_tmpfs"), "denied");
	ck_assert_str_eq(vcl_isolation_call_result(ctr, "bpf_prog_load"), "denied");
	ck_assert(json_object_get_boolean(at(ctr, "kernel.host_kernel")));
	ck_assert(!json_object_get_boolean(at(ctr, "pids.host_pid_visible")));
	/* The peer runs the same bundle through runc: the same confinement. */
	ck_assert_msg(vcl_isolation_cri_violations(runc, why, sizeof(why)) == 0, "runc: %s", why);
	ck_assert(mask_of(ctr, "caps.effective") == mask_of(runc, "caps.effective"));
	ck_assert(mask_of(ctr, "caps.bounding") == mask_of(runc, "caps.bounding"));
	json_object_put(ctr);
	json_object_put(runc);
}
END_TEST

/* The check must catch a container that breaks the defaults: an added
 * CAP_SYS_ADMIN (securityContext capabilities.add), and no seccomp filter
 * (seccompProfile Unconfined), where keyctl goes through. */
START_TEST(test_ctr_breaches_detected)
{
	struct vcl_security sysadmin = {.cap_add = 1ULL << CAP_SYS_ADMIN};
	struct vcl_security unconfined = {.seccomp = VCL_SECCOMP_UNCONFINED};
	struct json_object *s = probe_in("ctr", &sysadmin, 1), *u = probe_in("ctr", &unconfined, 2);
	char why[1024];

	ck_assert(vcl_isolation_cri_violations(s, why, sizeof(why)) > 0);
	ck_assert_msg(strstr(why, "cap_sys_admin effective") != NULL, "cap_add: %s", why);
	ck_assert(vcl_isolation_has_cap(s, "effective", "cap_sys_admin"));
	ck_assert(vcl_isolation_cri_violations(u, why, sizeof(why)) > 0);
	ck_assert_msg(strstr(why, "keyctl allowed") != NULL, "unconfined: %s", why);
	ck_assert_str_eq(json_object_get_string(at(u, "seccomp")), "disabled");
	json_object_put(s);
	json_object_put(u);
}
END_TEST

/* The scenario end to end, and its table in the report. */
START_TEST(test_bench_isolation)
{
	struct json_object *r = NULL, *vm;
	cleanup_free char *md = NULL;

	ck_assert_int_eq(run("rm -rf " OUT " && bin/vclab bench --scenarios isolation "
			     "--backends bare,ctr,vm --peer runc -q --out " OUT " >/dev/null"),
			 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert(r != NULL);
	keep_results(OUT "/results.json", "isoprobe-bench");
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	ck_assert(json_object_get_boolean(at(r, "backends.bare.isolation.kernel.host_kernel")));
	ck_assert(json_object_get_boolean(at(r, "backends.ctr.isolation.kernel.host_kernel")));
	vm = at(r, "backends.vm.isolation");
	ck_assert(vm != NULL && !json_object_get_boolean(at(vm, "kernel.host_kernel")));
	ck_assert(json_object_get_boolean(at(r, "backends.bare.isolation.pids.host_pid_visible")));
	ck_assert_int_eq(json_object_get_int(at(r, "backends.ctr.isolation.cri_violations")), 0);
	ck_assert_int_eq(json_object_get_int(at(r, "peers.runc.isolation.cri_violations")), 0);
	ck_assert(at(r, "backends.vm.isolation.cri_violations") == NULL); /* not a container */
	OK(vcl_read_file(OUT "/report.md", &md, NULL, err));
	ck_assert_msg(strstr(md, "| what the probe could do | bare | ctr | vm (TCG) | runc |") !=
			  NULL,
		      "no isolation table in the report");
	ck_assert(strstr(md, "| runs on the host kernel | yes | yes | no | yes |") != NULL);
	ck_assert(strstr(md, "| CAP_SYS_ADMIN | **yes** | no |") != NULL);
	ck_assert(strstr(md, "| mount a tmpfs | **allowed** | denied EPERM |") != NULL);
	integ_nothing_left(r, OUT "/none");
	json_object_put(r);
	run("rm -rf " OUT);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_ctr_cri_defaults, test_ctr_breaches_detected,
				      test_bench_isolation};
	int ret = integ_payload_main("test_isoprobe", "needs root (containers, VMs)", &payload);

	if (ret != 0)
		return ret;
	ret = run_suite(integ_fixture_suite("isoprobe", 180, tests, ARRAY_SIZE(tests), setup));
	free(payload);
	return ret;
}

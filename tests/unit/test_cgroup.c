/* SPDX-License-Identifier: MIT */
/*
 * The pure code of core/cgroup*.c on literal input: the table from limits
 * to each mode's knobs, the pid-list and flat-keyed parsers,
 * /proc/PID/cgroup strings, and fake cgroup v2 trees in a temp dir laid
 * out the way the kernel shows them (cgroup.controllers,
 * cgroup.subtree_control, cgroup.type, cgroup.procs). No root needed, no
 * real cgroup touched. The same code on a real kernel runs in
 * test_cgroup_live, here (hybrid) and in the v2 guest (make check-v2).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/cgroup_internal.h"
#include "core/cleanup.h"
#include "core/error.h"
#include "core/util.h"
#include "tests/suite_main.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char file[512];
	FILE *f;

	snprintf(file, sizeof(file), "%s/%s", root, rel);
	f = fopen(file, "we");
	ck_assert_msg(f != NULL, "open %s: %s", file, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char d[512];

	snprintf(d, sizeof(d), "%s/%s", root, rel);
	ck_assert_msg(mkdir(d, 0755) == 0, "mkdir %s: %s", d, strerror(errno));
}

/* A cgroup folder as cgroupfs shows it: controllers it may use, none
 * delegated yet, no tasks, a domain. */
static void cgdir(const char *rel, const char *controllers, const char *type)
{
	char f[512];

	if (rel[0] != '\0')
		dir(rel);
	snprintf(f, sizeof(f), "%s%scgroup.controllers", rel, rel[0] ? "/" : "");
	put(f, controllers);
	snprintf(f, sizeof(f), "%s%scgroup.subtree_control", rel, rel[0] ? "/" : "");
	put(f, "");
	snprintf(f, sizeof(f), "%s%scgroup.procs", rel, rel[0] ? "/" : "");
	put(f, "");
	snprintf(f, sizeof(f), "%s%scgroup.type", rel, rel[0] ? "/" : "");
	put(f, type);
}

static char *get(const char *rel)
{
	char file[512];
	char *buf = NULL;

	snprintf(file, sizeof(file), "%s/%s", root, rel);
	ck_assert_msg(vcl_read_file(file, &buf, NULL, NULL) == 0, "read %s", file);
	return buf;
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/vclab-cgtest.XXXXXX");
	ck_assert(mkdtemp(root) != NULL);
}

static void teardown(void)
{
	vcl_rm_rf(root, NULL);
}

/* ---- the knob table ---- */

/* "name=value" of each knob, joined by spaces. */
static void knobs(const struct vcl_limits *lim, bool v2, char *out, size_t len)
{
	struct vcl_cg_knob k[VCL_CG_MAX_KNOBS];
	size_t n = vcl_cgroup_limit_knobs(lim, v2, k, ARRAY_SIZE(k));

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s/%s=%s%s", i ? " " : "",
			 k[i].controller, k[i].name, k[i].value, k[i].optional ? "?" : "");
}

START_TEST(test_limit_knobs_both_modes)
{
	struct vcl_limits lim = {.mem_mib = 64, .cpus = 1.5, .pids = 100};
	char s[512];

	knobs(&lim, false, s, sizeof(s));
	ck_assert_str_eq(s, "memory/memory.limit_in_bytes=67108864 cpu/cpu.cfs_period_us=100000 "
			    "cpu/cpu.cfs_quota_us=150000 pids/pids.max=100");
	knobs(&lim, true, s, sizeof(s));
	ck_assert_str_eq(s, "memory/memory.max=67108864 memory/memory.swap.max=0? "
			    "cpu/cpu.max=150000 100000 pids/pids.max=100");
}
END_TEST

/* Only what is set: an unset limit writes no knob (the kernel's default,
 * unlimited, stays), and no limits at all (bare) write none. */
START_TEST(test_limit_knobs_partial)
{
	struct vcl_limits mem = {.mem_mib = 32}, cpu = {.cpus = 0.25}, none = {0};
	struct vcl_cg_knob k[VCL_CG_MAX_KNOBS];
	char s[512];

	knobs(&mem, false, s, sizeof(s));
	ck_assert_str_eq(s, "memory/memory.limit_in_bytes=33554432");
	knobs(&mem, true, s, sizeof(s));
	ck_assert_str_eq(s, "memory/memory.max=33554432 memory/memory.swap.max=0?");
	knobs(&cpu, true, s, sizeof(s));
	ck_assert_str_eq(s, "cpu/cpu.max=25000 100000");
	ck_assert_uint_eq(vcl_cgroup_limit_knobs(&none, true, k, ARRAY_SIZE(k)), 0);
	ck_assert_uint_eq(vcl_cgroup_limit_knobs(NULL, false, k, ARRAY_SIZE(k)), 0);
	/* Never past out[max]. */
	struct vcl_limits all = {.mem_mib = 1, .cpus = 1, .pids = 1};
	ck_assert_uint_eq(vcl_cgroup_limit_knobs(&all, false, k, 2), 2);
	ck_assert_str_eq(k[1].name, "cpu.cfs_period_us");
}
END_TEST

/* ---- the pid-list and flat-keyed parsers ---- */

START_TEST(test_pids_parse)
{
	struct vcl_cg_pids l = {0};

	ck_assert_int_eq(vcl_cgroup_pids_parse(&l, ""), 0);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_int_eq(vcl_cgroup_pids_parse(&l, "12\n345\n"), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_int_eq(l.v[0], 12);
	ck_assert_int_eq(l.v[1], 345);
	/* A second file (a child cgroup's) adds only new pids; v1 lists may
	 * repeat one too. */
	ck_assert_int_eq(vcl_cgroup_pids_parse(&l, "345\n7\n7\n"), 0);
	ck_assert_uint_eq(l.n, 3);
	ck_assert_int_eq(l.v[2], 7);
	/* Many: the list grows past its first allocation. */
	for (int i = 100; i < 140; i++) {
		char t[16];

		snprintf(t, sizeof(t), "%d\n", i);
		ck_assert_int_eq(vcl_cgroup_pids_parse(&l, t), 0);
	}
	ck_assert_uint_eq(l.n, 43);
	ck_assert_int_eq(l.v[42], 139);
	/* Stops at what is not a number; no final newline needed. */
	ck_assert_int_eq(vcl_cgroup_pids_parse(&l, "9\nx\n10"), 0);
	ck_assert_uint_eq(l.n, 44);
	ck_assert_int_eq(l.v[43], 9);
	free(l.v);
}
END_TEST

START_TEST(test_keyed_value)
{
	static const char stat[] = "anon 1000\nkernel_stack 65536\nkernel 409600\nfile 4096\n";
	static const char oom[] = "oom_kill_disable 0\nunder_oom 0\noom_kill 3";
	uint64_t v = 0;

	/* "kernel" is not "kernel_stack": the key is a whole word. */
	ck_assert_int_eq(vcl_cgroup_keyed_value(stat, "kernel", &v), 0);
	ck_assert_uint_eq(v, 409600);
	ck_assert_int_eq(vcl_cgroup_keyed_value(stat, "file", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(vcl_cgroup_keyed_value(oom, "oom_kill", &v), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(vcl_cgroup_keyed_value(stat, "kern", &v), -1);
	ck_assert_int_eq(vcl_cgroup_keyed_value("", "anon", &v), -1);
}
END_TEST

/* ---- /proc/PID/cgroup ---- */

START_TEST(test_proc_path_v2)
{
	char out[256];

	ck_assert_int_eq(
	    vcl_cgroup_proc_path("0::/machine.slice/machine-qemu\\x2d1\\x2dvclab.scope/"
				 "libvirt/emulator\n",
				 true, out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "machine.slice/machine-qemu\\x2d1\\x2dvclab.scope/libvirt/emulator");
	ck_assert_int_eq(vcl_cgroup_proc_path("0::/\n", true, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	/* A hybrid host's text has a 0:: line too, for the empty unified tree:
	 * v1 reading must take the memory line, v2 reading the 0:: line. */
	static const char hybrid[] = "12:pids:/vclab/r1/3\n"
				     "4:cpu,cpuacct:/vclab/r1/3\n"
				     "3:memory:/vclab/r1/3\n"
				     "1:name=systemd:/\n"
				     "0::/other\n";
	ck_assert_int_eq(vcl_cgroup_proc_path(hybrid, false, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vclab/r1/3");
	ck_assert_int_eq(vcl_cgroup_proc_path(hybrid, true, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "other");
	/* "memory" as a part of a name= hierarchy is not the memory controller. */
	ck_assert_int_eq(vcl_cgroup_proc_path("5:name=memoryx:/a\n", false, out, sizeof(out)), -1);
	ck_assert_int_eq(vcl_cgroup_proc_path("3:memory:/a\n", true, out, sizeof(out)), -1);
	ck_assert_int_eq(vcl_cgroup_proc_path("", true, out, sizeof(out)), -1);
	ck_assert_int_eq(vcl_cgroup_proc_path("0::/long/path\n", true, out, 5), -1);
}
END_TEST

/* ---- which cgroup a VM is sampled in ---- */

/* libvirt under systemd on v2: QEMU's threads in threaded emulator/vcpuN
 * children of libvirt's "libvirt" threaded root inside the machine scope.
 * Without the walk, vclab read libvirt/emulator: no memory.current there
 * at all, and a cpu.stat of the emulator threads alone. */
START_TEST(test_sample_path_libvirt_systemd)
{
	static const char scope[] = "machine.slice/machine-qemu\\x2d1\\x2dvclab.scope";
	char p[512], out[256];

	cgdir("machine.slice", "cpu memory pids", "domain");
	cgdir(scope, "cpu memory pids", "domain");
	snprintf(p, sizeof(p), "%s/libvirt", scope);
	cgdir(p, "cpu memory pids", "domain threaded");
	snprintf(p, sizeof(p), "%s/libvirt/emulator", scope);
	cgdir(p, "cpu pids", "threaded");
	snprintf(p, sizeof(p), "%s/libvirt/vcpu0", scope);
	cgdir(p, "cpu pids", "threaded");

	snprintf(p, sizeof(p), "%s/libvirt/emulator", scope);
	ck_assert_int_eq(vcl_cgroup_v2_sample_path(root, p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, scope);
	snprintf(p, sizeof(p), "%s/libvirt/vcpu0", scope);
	ck_assert_int_eq(vcl_cgroup_v2_sample_path(root, p, out, sizeof(out)), 0);
	ck_assert_str_eq(out, scope);
}
END_TEST

/* libvirt without systemd: its own machine/<name>.libvirt-qemu folder is
 * the threaded root; a "libvirt" folder outside a scope stays as it is;
 * a plain domain cgroup (ctr, bare, runc) is its own sample. */
START_TEST(test_sample_path_other_layouts)
{
	char out[256];

	cgdir("machine", "cpu memory pids", "domain");
	cgdir("machine/qemu-1-vclab.libvirt-qemu", "cpu memory pids", "domain threaded");
	cgdir("machine/qemu-1-vclab.libvirt-qemu/emulator", "cpu pids", "threaded");
	ck_assert_int_eq(vcl_cgroup_v2_sample_path(
			     root, "machine/qemu-1-vclab.libvirt-qemu/emulator", out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "machine/qemu-1-vclab.libvirt-qemu");

	cgdir("srv", "memory", "domain");
	cgdir("srv/libvirt", "memory", "domain");
	ck_assert_int_eq(vcl_cgroup_v2_sample_path(root, "srv/libvirt", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "srv/libvirt");

	cgdir("vclab", "cpu memory pids", "domain");
	cgdir("vclab/r1", "cpu memory pids", "domain");
	cgdir("vclab/r1/2", "cpu memory pids", "domain");
	ck_assert_int_eq(vcl_cgroup_v2_sample_path(root, "vclab/r1/2", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "vclab/r1/2");
}
END_TEST

/* The scope's own cgroup.procs is empty (no internal processes): the
 * tasks are read from the whole subtree, each pid once. */
START_TEST(test_v2_procs_subtree)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	struct vcl_error *err = NULL;
	char f[512];

	cgdir("m.scope", "cpu memory pids", "domain");
	cgdir("m.scope/libvirt", "cpu memory pids", "domain threaded");
	put("m.scope/libvirt/cgroup.procs", "4242\n");
	cgdir("m.scope/libvirt/emulator", "cpu pids", "threaded");
	/* A threaded cgroup's cgroup.procs cannot be read (EOPNOTSUPP). */
	snprintf(f, sizeof(f), "%s/m.scope/libvirt/emulator/cgroup.procs", root);
	ck_assert_int_eq(chmod(f, 0), 0);
	ck_assert_int_eq(unlink(f), 0);
	cgdir("m.scope/other", "memory", "domain");
	put("m.scope/other/cgroup.procs", "7\n4242\n8\n");
	ck_assert_int_eq(vcl_cgroup_v2_procs(root, "m.scope", &pids, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(pids[0] + pids[1] + pids[2], 4242 + 7 + 8);
	ck_assert_int_eq((long)pids[0] * pids[1] * pids[2], 4242L * 7 * 8);
	free(pids);
	pids = NULL;
	ck_assert_int_eq(vcl_cgroup_v2_procs(root, "gone", &pids, &n, &err), -1);
	ck_assert_ptr_nonnull(err);
	vcl_error_free(err);
}
END_TEST

/* ---- making an instance's cgroup ---- */

/* Delegation is top-down: systemd's root enables cpu, io, memory and
 * pids, never cpuset; vclab adds what is missing at the root and at each
 * of its own parents, and writes the limits with v2's knob names. */
START_TEST(test_v2_create_delegates)
{
	struct vcl_limits lim = {.mem_mib = 64, .cpus = 0.5, .pids = 100};
	struct vcl_error *err = NULL;
	cleanup_free char *rootsc = NULL, *vsc = NULL, *rsc = NULL, *mem = NULL, *cpu = NULL,
			  *pids = NULL, *cpus = NULL;

	cgdir("", "cpuset cpu io memory hugetlb pids rdma misc", "domain");
	put("cgroup.subtree_control", "cpu io memory pids\n");
	put("cgroup.procs", "1\n55\n"); /* the root may hold tasks */
	ck_assert_msg(vcl_cgroup_v2_create(root, "vclab", NULL, NULL, &err) == 0, "%s",
		      err ? err->msg : "");
	rootsc = get("cgroup.subtree_control");
	ck_assert_str_eq(rootsc, "+cpuset");
	/* What the kernel shows once the root delegated cpuset. */
	put("cgroup.subtree_control", "cpuset cpu io memory pids\n");
	put("vclab/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("vclab/cgroup.subtree_control", "");
	put("vclab/cgroup.procs", "");
	cgdir("vclab/r1", "cpuset cpu memory pids", "domain");
	ck_assert_msg(vcl_cgroup_v2_create(root, "vclab/r1/3", &lim, "1", &err) == 0, "%s",
		      err ? err->msg : "");
	free(rootsc);
	rootsc = get("cgroup.subtree_control");
	vsc = get("vclab/cgroup.subtree_control");
	rsc = get("vclab/r1/cgroup.subtree_control");
	ck_assert_str_eq(rootsc, "cpuset cpu io memory pids\n"); /* nothing to add */
	ck_assert_str_eq(vsc, "+memory +cpu +pids +cpuset");
	ck_assert_str_eq(rsc, "+memory +cpu +pids +cpuset");
	mem = get("vclab/r1/3/memory.max");
	cpu = get("vclab/r1/3/cpu.max");
	pids = get("vclab/r1/3/pids.max");
	cpus = get("vclab/r1/3/cpuset.cpus");
	ck_assert_str_eq(mem, "67108864");
	ck_assert_str_eq(cpu, "50000 100000");
	ck_assert_str_eq(pids, "100");
	ck_assert_str_eq(cpus, "1");
}
END_TEST

/* Accounting only (bare): the folder and the delegation, no limit file. */
START_TEST(test_v2_create_accounting_only)
{
	struct vcl_error *err = NULL;
	char f[512];

	cgdir("", "cpuset cpu memory pids", "domain");
	put("cgroup.subtree_control", "cpuset cpu memory pids\n");
	cgdir("vclab", "cpuset cpu memory pids", "domain");
	put("vclab/cgroup.subtree_control", "cpu cpuset memory pids");
	ck_assert_int_eq(vcl_cgroup_v2_create(root, "vclab/b1", NULL, NULL, &err), 0);
	snprintf(f, sizeof(f), "%s/vclab/b1", root);
	ck_assert_int_eq(access(f, F_OK), 0);
	snprintf(f, sizeof(f), "%s/vclab/b1/memory.max", root);
	ck_assert_int_eq(access(f, F_OK), -1);
	snprintf(f, sizeof(f), "%s/vclab/b1/cpu.max", root);
	ck_assert_int_eq(access(f, F_OK), -1);
}
END_TEST

/* memory.swap.max where the kernel has it (swap accounting on), and a knob
 * that cannot be written: the error names the knob's file and carries its
 * errno. */
START_TEST(test_v2_create_swap_and_knob_error)
{
	struct vcl_limits lim = {.mem_mib = 8, .pids = 5};
	struct vcl_error *err = NULL;
	cleanup_free char *swap = NULL;

	cgdir("", "cpuset cpu memory pids", "domain");
	put("cgroup.subtree_control", "cpuset cpu memory pids\n");
	dir("s");
	put("s/memory.swap.max", "max\n");
	ck_assert_msg(vcl_cgroup_v2_create(root, "s", &lim, NULL, &err) == 0, "%s",
		      err ? err->msg : "");
	swap = get("s/memory.swap.max");
	ck_assert_str_eq(swap, "0");
	dir("f");
	dir("f/pids.max");
	ck_assert_int_eq(vcl_cgroup_v2_create(root, "f", &lim, NULL, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->errnum, EISDIR);
	ck_assert_msg(strstr(err->msg, "/f/pids.max") != NULL, "%s", err->msg);
	vcl_error_free(err);
}
END_TEST

/* The no-internal-process rule: a parent holding tasks cannot delegate.
 * The error names the cgroup and the rule, not a bare EBUSY. */
START_TEST(test_v2_create_internal_process)
{
	struct vcl_error *err = NULL;
	cleanup_free char *sc = NULL;

	cgdir("", "cpuset cpu memory pids", "domain");
	put("cgroup.subtree_control", "cpuset cpu memory pids\n");
	cgdir("vclab", "cpuset cpu memory pids", "domain");
	put("vclab/cgroup.procs", "1234\n");
	ck_assert_int_eq(vcl_cgroup_v2_create(root, "vclab/r1", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_ENV);
	ck_assert_msg(strstr(err->msg, "no-internal-process") != NULL && strstr(err->msg, "vclab"),
		      "%s", err->msg);
	vcl_error_free(err);
	sc = get("vclab/cgroup.subtree_control");
	ck_assert_str_eq(sc, "");
}
END_TEST

/* A controller the parent does not have cannot be delegated: say which. */
START_TEST(test_v2_create_missing_controller)
{
	struct vcl_error *err = NULL;

	cgdir("", "cpu io memory pids", "domain");
	ck_assert_int_eq(vcl_cgroup_v2_create(root, "vclab", NULL, NULL, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_ENV);
	ck_assert_msg(strstr(err->msg, "cpuset") != NULL, "%s", err->msg);
	vcl_error_free(err);
}
END_TEST

/* vclab doctor's cgroup line on a v2 host. */
START_TEST(test_v2_describe)
{
	char line[256];

	cgdir("", "cpuset cpu io memory hugetlb pids rdma misc\n", "domain");
	ck_assert_int_eq(vcl_cgroup_v2_describe(root, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "v2 (controllers: cpuset cpu io memory hugetlb pids rdma misc)");
	put("cgroup.controllers", "cpu io memory\n");
	ck_assert_int_eq(vcl_cgroup_v2_describe(root, line, sizeof(line)), -1);
	ck_assert_msg(strstr(line, "missing pids cpuset") != NULL, "%s", line);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *pure = tcase_create("pure");
	TCase *tc = tcase_create("v2");

	tcase_add_test(pure, test_limit_knobs_both_modes);
	tcase_add_test(pure, test_limit_knobs_partial);
	tcase_add_test(pure, test_pids_parse);
	tcase_add_test(pure, test_keyed_value);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_proc_path_v2);
	tcase_add_test(tc, test_sample_path_libvirt_systemd);
	tcase_add_test(tc, test_sample_path_other_layouts);
	tcase_add_test(tc, test_v2_procs_subtree);
	tcase_add_test(tc, test_v2_create_delegates);
	tcase_add_test(tc, test_v2_create_accounting_only);
	tcase_add_test(tc, test_v2_create_swap_and_knob_error);
	tcase_add_test(tc, test_v2_create_internal_process);
	tcase_add_test(tc, test_v2_create_missing_controller);
	tcase_add_test(tc, test_v2_describe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

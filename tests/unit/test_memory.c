/* SPDX-License-Identifier: MIT */
/*
 * Memory figures: the arithmetic of the memory scenario (means over
 * instances, footprint, overhead against bare, MemAvailable's resolution)
 * on literal input, readings that fail becoming absent (never 0), and the
 * readers (advisor) treating a null figure as not measured.
 */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "advise/advise.h"
#include "bench/bench.h"
#include "core/sample.h"
#include "tests/suite_main.h"

static struct vcl_mem mem(uint64_t pss, uint64_t kmem, bool kmem_known)
{
	struct vcl_mem m = {.pss_kib = pss, .rss_kib = pss + 100, .cgroup_kib = pss + kmem};

	m.known = VCL_MEM_PSS | VCL_MEM_CGROUP;
	if (kmem_known) {
		m.kmem_kib = kmem;
		m.known |= VCL_MEM_KMEM;
	} else {
		snprintf(m.kmem_why, sizeof(m.kmem_why), "memory.kmem.usage_in_bytes unreadable");
	}
	return m;
}

START_TEST(test_mean_and_footprint)
{
	struct vcl_mem a = mem(1000, 200, true), b = mem(3000, 400, true);
	struct vcl_mem_mean mm;
	double fp = 0;
	char why[256] = "";

	vcl_mem_mean_init(&mm);
	vcl_mem_mean_add(&mm, &a);
	vcl_mem_mean_add(&mm, &b);
	vcl_mem_mean_finish(&mm);
	ck_assert_uint_eq(mm.n, 2);
	ck_assert_double_eq_tol(mm.pss_kib, 2000, 1e-9);
	ck_assert_double_eq_tol(mm.rss_kib, 2100, 1e-9);
	ck_assert_double_eq_tol(mm.kmem_kib, 300, 1e-9);
	ck_assert(mm.known & VCL_MEM_KMEM);
	ck_assert(vcl_mem_footprint(&mm, &fp, why, sizeof(why)));
	ck_assert_double_eq_tol(fp, 2300, 1e-9);
}
END_TEST

/* One instance whose kernel memory is unknown makes the mean's unknown:
 * its 0 must not pull the mean down, and the footprint is absent. */
START_TEST(test_unknown_kmem_is_absent)
{
	struct vcl_mem a = mem(1000, 200, true), b = mem(3000, 0, false);
	struct vcl_mem_mean mm;
	double fp = -1;
	char why[256] = "";

	vcl_mem_mean_init(&mm);
	vcl_mem_mean_add(&mm, &a);
	vcl_mem_mean_add(&mm, &b);
	vcl_mem_mean_finish(&mm);
	ck_assert(mm.known & VCL_MEM_PSS);
	ck_assert(!(mm.known & VCL_MEM_KMEM));
	ck_assert_str_eq(mm.kmem_why, "memory.kmem.usage_in_bytes unreadable");
	ck_assert(!vcl_mem_footprint(&mm, &fp, why, sizeof(why)));
	ck_assert_double_eq(fp, -1);
	ck_assert_ptr_nonnull(strstr(why, "memory.kmem.usage_in_bytes unreadable"));
}
END_TEST

START_TEST(test_empty_mean_knows_nothing)
{
	struct vcl_mem_mean mm;
	double fp;
	char why[64];

	vcl_mem_mean_init(&mm);
	vcl_mem_mean_finish(&mm);
	ck_assert_uint_eq(mm.known, 0);
	ck_assert(!vcl_mem_footprint(&mm, &fp, why, sizeof(why)));
}
END_TEST

START_TEST(test_cgroup_stats_into_mem)
{
	struct vcl_cg_stats st = {.mem_bytes = 8 << 20,
				  .kmem_bytes = 1 << 20,
				  .kmem_known = true,
				  .cpu_usec = 5,
				  .cpu_known = true};
	struct vcl_mem m = {0};

	vcl_mem_set_cgroup(&m, &st);
	ck_assert_uint_eq(m.cgroup_kib, 8192);
	ck_assert_uint_eq(m.kmem_kib, 1024);
	ck_assert_uint_eq(m.cpu_usec, 5);
	ck_assert_uint_eq(m.known, VCL_MEM_CGROUP | VCL_MEM_KMEM | VCL_MEM_CPU);

	memset(&m, 0, sizeof(m));
	st.kmem_known = false;
	st.cpu_known = false;
	snprintf(st.kmem_why, sizeof(st.kmem_why), "memory.kmem.usage_in_bytes unreadable: EIO");
	vcl_mem_set_cgroup(&m, &st);
	ck_assert_uint_eq(m.known, VCL_MEM_CGROUP);
	ck_assert_uint_eq(m.kmem_kib, 0);
	ck_assert_str_eq(m.kmem_why, "memory.kmem.usage_in_bytes unreadable: EIO");

	vcl_mem_no_cgroup(&m, "plain process");
	ck_assert(!(m.known & (VCL_MEM_CGROUP | VCL_MEM_KMEM)));
	ck_assert_str_eq(m.cgroup_why, "plain process");
}
END_TEST

START_TEST(test_median_spread)
{
	uint64_t v[] = {50, 10, 40, 20, 30};
	uint64_t med = 0, spr = 0;

	vcl_median_spread(v, 5, &med, &spr);
	ck_assert_uint_eq(med, 30);
	ck_assert_uint_eq(spr, 40);
}
END_TEST

START_TEST(test_zoneinfo_drift)
{
	const char *zi = "Node 0, zone      DMA\n  pagesets\n    cpu: 0\n"
			 "              count: 0\n              vm stats threshold: 4\n"
			 "    cpu: 1\n              vm stats threshold: 4\n"
			 "Node 0, zone   Normal\n    cpu: 0\n"
			 "              vm stats threshold: 24\n"
			 "    cpu: 1\n              vm stats threshold: 24\n";

	/* (4 + 4 + 24 + 24) pages of 4 KiB. */
	ck_assert_uint_eq(vcl_zoneinfo_drift_kib(zi, 4096), 224);
	ck_assert_uint_eq(vcl_zoneinfo_drift_kib("no such lines", 4096), 0);
}
END_TEST

/* The drop per instance counts only above MARGIN x the largest of the two
 * spreads and the counter drift, per instance. */
START_TEST(test_memavail_resolution)
{
	struct vcl_memavail ma;

	/* 10 000 KiB over 2 instances; noise 3 * 300 / 2 = 450. */
	vcl_memavail_resolve(1000000, 990000, 100, 300, 200, 2, 3, &ma);
	ck_assert_double_eq_tol(ma.drop, 5000, 1e-9);
	ck_assert_double_eq_tol(ma.noise, 450, 1e-9);
	ck_assert(ma.resolved);

	/* The drift dominates: noise 3 * 4000 / 2 = 6000 > 5000. */
	vcl_memavail_resolve(1000000, 990000, 100, 300, 4000, 2, 3, &ma);
	ck_assert_double_eq_tol(ma.noise, 6000, 1e-9);
	ck_assert(!ma.resolved);

	/* MemAvailable rose: no drop, never a negative one. */
	vcl_memavail_resolve(990000, 1000000, 0, 0, 0, 3, 3, &ma);
	ck_assert_double_eq(ma.drop, 0);
	ck_assert(!ma.resolved);

	/* Exactly at the noise is not above it. */
	vcl_memavail_resolve(1000, 700, 100, 0, 0, 1, 3, &ma);
	ck_assert(!ma.resolved);
}
END_TEST

START_TEST(test_memavail_overhead)
{
	struct vcl_memavail vm = {.drop = 200000, .noise = 500, .resolved = true};
	struct vcl_memavail bare_res = {.drop = 1500, .noise = 300, .resolved = true};
	struct vcl_memavail bare_unres = {.drop = 100, .noise = 900, .resolved = false};
	double o = -1;

	ck_assert(vcl_memavail_overhead(&vm, &bare_res, true, 1180, &o));
	ck_assert_double_eq_tol(o, 198500, 1e-9);
	/* Bare's own drop unresolved: its footprint stands in. */
	ck_assert(vcl_memavail_overhead(&vm, &bare_unres, true, 1180, &o));
	ck_assert_double_eq_tol(o, 198820, 1e-9);
	/* ... and when that is absent too, so is the overhead. */
	o = -1;
	ck_assert(!vcl_memavail_overhead(&vm, &bare_unres, false, 0, &o));
	ck_assert_double_eq(o, -1);
	/* This drop unresolved: no figure. */
	ck_assert(!vcl_memavail_overhead(&bare_unres, &bare_res, true, 1180, &o));
}
END_TEST

/* The footprint overhead as the memory scenario computes it. */
START_TEST(test_footprint_overhead)
{
	struct vcl_mem b1 = mem(1100, 80, true), v1 = mem(190000, 6000, true);
	struct vcl_mem_mean bare, vm;
	double own = 0, fp = 0;
	char why[256];

	vcl_mem_mean_init(&bare);
	vcl_mem_mean_add(&bare, &b1);
	vcl_mem_mean_finish(&bare);
	vcl_mem_mean_init(&vm);
	vcl_mem_mean_add(&vm, &v1);
	vcl_mem_mean_finish(&vm);
	ck_assert(vcl_mem_footprint(&bare, &own, why, sizeof(why)));
	ck_assert(vcl_mem_footprint(&vm, &fp, why, sizeof(why)));
	ck_assert_double_eq_tol(own, 1180, 1e-9);
	ck_assert_double_eq_tol(fp - own, 194820, 1e-9);
}
END_TEST

/* Sampling processes: our own reads; a pid that is gone is skipped; no
 * live process at all is an error, not a zero. */
START_TEST(test_sample_pids)
{
	struct vcl_mem m = {0};
	struct vcl_error *err = NULL;
	pid_t self = getpid(), dead = fork();
	pid_t both[2];

	ck_assert_int_ge(dead, 0);
	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);

	ck_assert_int_eq(vcl_sample_pids(&self, 1, &m, &err), 0);
	ck_assert(m.known & VCL_MEM_PSS);
	ck_assert_uint_gt(m.pss_kib, 0);
	ck_assert_uint_eq(m.nprocs, 1);

	memset(&m, 0, sizeof(m));
	ck_assert_int_lt(vcl_sample_pids(&dead, 1, &m, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_DIED);
	ck_assert_ptr_nonnull(strstr(err->msg, "1 listed (first pid "));
	ck_assert(!(m.known & VCL_MEM_PSS));
	vcl_error_free(err);
	err = NULL;

	ck_assert_int_lt(vcl_sample_pids(NULL, 0, &m, &err), 0);
	/* The old text ran "0 pid(s) listed0" together. */
	ck_assert_str_eq(err->msg, "No process to sample: the instance lists none (its service "
				   "has exited)");
	vcl_error_free(err);
	err = NULL;

	both[0] = dead;
	both[1] = self;
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(vcl_sample_pids(both, 2, &m, &err), 0);
	ck_assert_uint_eq(m.nprocs, 1);
}
END_TEST

/* The advisor reads a null overhead as not measured, never as 0 KiB. */
START_TEST(test_advisor_null_overhead)
{
	const char *text =
	    "{\"schema\":\"vclab.results/1\",\"backends\":{"
	    "\"bare\":{\"memory\":{\"pss_kib\":1100,\"kmem_kib\":80,\"overhead_kib\":0}},"
	    "\"ctr\":{\"memory\":{\"pss_kib\":1200,\"kmem_kib\":null,"
	    "\"kmem_kib_reason\":\"memory.kmem.usage_in_bytes unreadable\","
	    "\"overhead_kib\":null,\"overhead_kib_reason\":\"ctr: kernel memory unknown\"}}}}";
	struct json_object *root = json_tokener_parse(text);
	struct vcl_measured m;

	ck_assert_ptr_nonnull(root);
	vcl_measured_from_json(root, "t.json", &m);
	ck_assert(m.b[VCL_BARE].has_overhead);
	ck_assert(!m.b[VCL_CTR].has_overhead);
	json_object_put(root);
}
END_TEST

/* --cache cold|warm (default warm); anything else is a usage error. */
START_TEST(test_cache_option)
{
	char *warm[] = {(char *)"bench", NULL};
	char *cold[] = {(char *)"bench", (char *)"--cache", (char *)"cold", NULL};
	char *bad[] = {(char *)"bench", (char *)"--cache", (char *)"tepid", NULL};
	char *none[] = {(char *)"bench", (char *)"--cache", NULL};
	struct vcl_bench_opts o;
	struct vcl_error *err = NULL;
	bool help;

	ck_assert_int_eq(vcl_bench_opts_parse(1, warm, &o, &help, &err), 0);
	ck_assert_str_eq(o.cache, "warm");
	vcl_bench_opts_free(&o);
	ck_assert_int_eq(vcl_bench_opts_parse(3, cold, &o, &help, &err), 0);
	ck_assert_str_eq(o.cache, "cold");
	vcl_bench_opts_free(&o);
	ck_assert_int_lt(vcl_bench_opts_parse(3, bad, &o, &help, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_free(err);
	err = NULL;
	vcl_bench_opts_free(&o);
	ck_assert_int_lt(vcl_bench_opts_parse(2, none, &o, &help, &err), 0);
	vcl_error_free(err);
	vcl_bench_opts_free(&o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_mean_and_footprint);
	tcase_add_test(tc, test_unknown_kmem_is_absent);
	tcase_add_test(tc, test_empty_mean_knows_nothing);
	tcase_add_test(tc, test_cgroup_stats_into_mem);
	tcase_add_test(tc, test_median_spread);
	tcase_add_test(tc, test_zoneinfo_drift);
	tcase_add_test(tc, test_memavail_resolution);
	tcase_add_test(tc, test_memavail_overhead);
	tcase_add_test(tc, test_footprint_overhead);
	tcase_add_test(tc, test_sample_pids);
	tcase_add_test(tc, test_advisor_null_overhead);
	tcase_add_test(tc, test_cache_option);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

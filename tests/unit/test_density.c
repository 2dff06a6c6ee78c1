/* SPDX-License-Identifier: MIT */
/*
 * Density's stop decision (bench/density.h) on literal input: each reason
 * on its own, their order when several hold, and the headroom arithmetic.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/backend.h"

#include "bench/density.h"
#include "core/ksm.h"
#include "core/limits.h"
#include "tests/suite_main.h"
#include "tests/unit/test_server.h"

/* A state where nothing stops the run: 100 instances of 100 KiB each,
 * a 1 GiB budget, a roomy host. */
static struct vcl_density_state roomy(void)
{
	return (struct vcl_density_state){
	    .k = 64,
	    .n = 100,
	    .p99_ms = -1,
	    .used_kib = 10000,
	    .budget_kib = 1048576,
	    .memavail_kib = 20971520,
	    .floor_kib = 2097152,
	    .per_inst_kib = 200,
	    .pids_free = 30000,
	    .pids_per_inst = 1,
	    .fds_free = 100000,
	    .fds_per_inst = 3,
	    .elapsed_ms = 1000,
	    .limit_ms = 60000,
	};
}

START_TEST(test_goes_on)
{
	struct vcl_density_state s = roomy();

	ck_assert_ptr_null(vcl_density_stop(&s));
	s.limit_ms = 0; /* no limit */
	s.elapsed_ms = 1u << 30;
	ck_assert_ptr_null(vcl_density_stop(&s));
}
END_TEST

START_TEST(test_each_reason)
{
	struct vcl_density_state s = roomy();

	s.used_kib = s.budget_kib;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_BUDGET);

	s = roomy();
	/* 64 more at 200 KiB would cross the floor by a little. */
	s.memavail_kib = s.floor_kib + 12799;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_MEMORY);
	s.memavail_kib = s.floor_kib + 12800;
	ck_assert_ptr_null(vcl_density_stop(&s));

	s = roomy();
	s.pids_free = 63;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_PIDS);
	s.pids_free = 64;
	ck_assert_ptr_null(vcl_density_stop(&s));

	s = roomy();
	s.fds_free = 191;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_FDS);

	s = roomy();
	s.elapsed_ms = s.limit_ms;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_TIMEOUT);

	s = roomy();
	s.launch_failed = true;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_LAUNCH_FAILURE);
	s.cpu_starved = true;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_CPU);

	s = roomy();
	s.unhealthy = 1;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_CPU);
	s = roomy();
	s.p99_limit_ms = 100;
	s.p99_ms = 100;
	ck_assert_ptr_null(vcl_density_stop(&s));
	s.p99_ms = 100.5;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_CPU);
	s.p99_limit_ms = 0; /* no limit: latency alone never stops */
	ck_assert_ptr_null(vcl_density_stop(&s));
}
END_TEST

/* The last burst's failure names the stop, whatever else holds; then the
 * budget (the run did what it was asked) before the host's limits. */
START_TEST(test_order)
{
	struct vcl_density_state s = roomy();

	s.used_kib = s.budget_kib;
	s.pids_free = 0;
	s.fds_free = 0;
	s.memavail_kib = 0;
	s.elapsed_ms = s.limit_ms;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_BUDGET);
	s.unhealthy = 3;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_CPU);
	s.launch_failed = true;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_LAUNCH_FAILURE);
	s = roomy();
	s.memavail_kib = 0;
	s.pids_free = 0;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_MEMORY);
	s.memavail_kib = 20971520;
	s.fds_free = 0;
	ck_assert_str_eq(vcl_density_stop(&s), VCL_DENSITY_PIDS);
}
END_TEST

/* Before the first burst nothing is used yet: a zero budget use is no
 * reason to stop, even with a tiny budget. */
START_TEST(test_first_burst)
{
	struct vcl_density_state s = roomy();

	s.n = 0;
	s.used_kib = 0;
	s.budget_kib = 0;
	ck_assert_ptr_null(vcl_density_stop(&s));
}
END_TEST

/* Active objects times object size, every cache; headers and short
 * lines skipped. */
START_TEST(test_slabinfo_kib)
{
	static const char text[] =
	    "slabinfo - version: 2.1\n"
	    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : "
	    "tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> "
	    "<sharedavail>\n"
	    "kmalloc-1k          2048   2100   1024   32    8 : tunables    0    0    0 : "
	    "slabdata     65     65      0\n"
	    "mem_cgroup            10     12   1536   21    8 : tunables    0    0    0 : "
	    "slabdata      1      1      0\n"
	    "broken\n";

	ck_assert_double_eq_tol(vcl_slabinfo_kib(text), 2048.0 + 15.0, 1e-9);
	ck_assert_double_eq_tol(vcl_slabinfo_kib(""), 0.0, 1e-9);
}
END_TEST

START_TEST(test_headroom)
{
	ck_assert_uint_eq(vcl_density_headroom(32768, 200, 256), 32312);
	ck_assert_uint_eq(vcl_density_headroom(400, 200, 256), 0);
	ck_assert_uint_eq(vcl_density_headroom(456, 200, 256), 0);
	ck_assert_uint_eq(vcl_density_headroom(457, 200, 256), 1);
	ck_assert_uint_eq(vcl_density_headroom(0, 0, 0), 0);
}
END_TEST

START_TEST(test_ksm_settled)
{
	const uint64_t rising[] = {0, 1000, 5000, 9000, 9100, 9150};
	const uint64_t zero[] = {0, 0, 0};

	ck_assert(!vcl_ksm_settled(rising, 2, 3, 0.02)); /* too few scans */
	ck_assert(!vcl_ksm_settled(rising, 4, 3, 0.02));
	ck_assert(!vcl_ksm_settled(rising, 5, 3, 0.02)); /* 9000 vs 9100: 1.1%, 5000 is not */
	ck_assert(vcl_ksm_settled(rising, 6, 3, 0.02));
	ck_assert(!vcl_ksm_settled(rising, 6, 3, 0.001));
	ck_assert(vcl_ksm_settled(zero, 3, 3, 0.02)); /* nothing to merge is settled too */
	ck_assert(!vcl_ksm_settled(zero, 3, 0, 0.02));
}
END_TEST

START_TEST(test_smaps_mergeable)
{
	const char *smaps = "7f0000000000-7f0010000000 rw-p 00000000 00:00 0\n"
			    "Size:             262144 kB\n"
			    "Rss:               40000 kB\n"
			    "VmFlags: rd wr mr mw me ac sd mg\n"
			    "55d000000000-55d000001000 r-xp 00000000 08:01 12 /usr/bin/qemu\n"
			    "Size:                  4 kB\n"
			    "VmFlags: rd ex mr mw me sd\n"
			    "7f1000000000-7f1000100000 rw-p 00000000 00:00 0\n"
			    "Size:               1024 kB\n"
			    "VmFlags: rd wr mg mr\n"
			    "7f2000000000-7f2000100000 rw-p 00000000 00:00 0\n"
			    "Size:               2048 kB\n"
			    "VmFlags: rd wr mgx\n";

	ck_assert_uint_eq(vcl_smaps_mergeable_kib(smaps), 262144 + 1024);
	ck_assert_uint_eq(vcl_smaps_mergeable_kib(""), 0);
	ck_assert_uint_eq(vcl_smaps_mergeable_kib(NULL), 0);
}
END_TEST

START_TEST(test_loadavg_tasks)
{
	uint64_t t = 0;

	ck_assert_int_eq(vcl_loadavg_tasks("1.91 3.24 4.17 2/137 15859\n", &t), 0);
	ck_assert_uint_eq(t, 137);
	ck_assert_int_eq(vcl_loadavg_tasks("garbage", &t), -1);
	ck_assert_int_eq(vcl_loadavg_tasks(NULL, &t), -1);
}
END_TEST

/* The final health check asks every instance at once: 300 instances on
 * one server answering 200, one on a server answering 503 and one on a
 * closed port; exactly the last two are bad. */
START_TEST(test_health_batched)
{
	enum { N = 302 };
	static struct vcl_instance insts[N];
	struct vcl_instance *ptr[N];
	unsigned char bad[N];
	struct vcl_error *err = NULL;
	struct tsrv ok = {.backlog = 4096}, no = {.backlog = 4096, .status = 503};
	unsigned nbad = 0;
	int rc;

	tsrv_start(&ok);
	tsrv_start(&no);
	for (unsigned i = 0; i < N; i++) {
		snprintf(insts[i].ep.addr, sizeof(insts[i].ep.addr), "127.0.0.1");
		insts[i].ep.netns_fd = -1;
		insts[i].ep.port = ok.port;
		ptr[i] = &insts[i];
	}
	insts[N - 2].ep.port = no.port;
	insts[N - 1].ep.port = 1; /* nothing listens on tcpmux */
	rc = vcl_density_health(ptr, N, 2000, bad, &err);
	tsrv_stop(&ok);
	tsrv_stop(&no);
	ck_assert_msg(rc == 0, "%s", err != NULL ? err->msg : "");
	for (unsigned i = 0; i < N; i++)
		nbad += bad[i];
	ck_assert_uint_eq(nbad, 2);
	ck_assert_uint_eq(bad[N - 2], 1);
	ck_assert_uint_eq(bad[N - 1], 1);
}
END_TEST

/* Load: request i to instance i mod 3 on its schedule; the two instances
 * answering 200 give the latencies, the one answering 503 the errors and
 * the one unhealthy instance. */
START_TEST(test_load_open_loop)
{
	static struct vcl_instance insts[3];
	struct vcl_instance *ptr[3] = {&insts[0], &insts[1], &insts[2]};
	struct vcl_density_load out;
	struct vcl_error *err = NULL;
	struct tsrv ok = {0}, no = {.status = 503};
	int rc;

	tsrv_start(&ok);
	tsrv_start(&no);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(insts[i].ep.addr, sizeof(insts[i].ep.addr), "127.0.0.1");
		insts[i].ep.netns_fd = -1;
		insts[i].ep.port = i == 2 ? no.port : ok.port;
	}
	/* 40 requests a second to each of 3 for half a second: 60 requests. */
	rc = vcl_density_load(ptr, 3, 40, 0.5, &out, &err);
	tsrv_stop(&ok);
	tsrv_stop(&no);
	ck_assert_msg(rc == 0, "%s", err != NULL ? err->msg : "");
	ck_assert_uint_eq(out.requests, 40);
	ck_assert_uint_eq(out.errors, 20);
	ck_assert_uint_eq(out.unhealthy, 1);
	ck_assert(out.p50_ms >= 0 && out.p99_ms >= out.p50_ms);
	ck_assert(out.seconds >= 0.45);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("density");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_goes_on);
	tcase_add_test(tc, test_each_reason);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_first_burst);
	tcase_add_test(tc, test_headroom);
	tcase_add_test(tc, test_slabinfo_kib);
	tcase_add_test(tc, test_ksm_settled);
	tcase_add_test(tc, test_smaps_mergeable);
	tcase_add_test(tc, test_loadavg_tasks);
	tcase_add_test(tc, test_health_batched);
	tcase_add_test(tc, test_load_open_loop);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

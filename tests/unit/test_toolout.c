/* SPDX-License-Identifier: MIT */
/* Reading the tools' output (bench/toolout.h) on what sysbench 1.0.20,
 * fio 3.33 and iperf3 3.12 printed on this host (tests/data/tools/). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bench/resources.h"
#include "bench/toolout.h"
#include "core/cleanup.h"
#include "core/util.h"
#include "tests/suite_main.h"

static char *slurp(const char *name)
{
	char path[256];
	char *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "tests/data/tools/%s", name);
	ck_assert_int_eq(vcl_read_file(path, &text, &len, NULL), 0);
	return text;
}

START_TEST(test_sysbench_cpu)
{
	cleanup_free char *t = slurp("sysbench-cpu.txt");
	char v[32], why[160];
	double total = 0;
	uint64_t ev = 0;

	ck_assert_int_eq(vcl_sysbench_version(t, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1.0.20");
	ck_assert_int_eq(vcl_sysbench_cpu_parse(t, &total, &ev, why, sizeof(why)), 0);
	ck_assert_uint_eq(ev, 200);
	ck_assert(total > 0 && total < 10);
	ck_assert_int_eq(vcl_sysbench_cpu_parse("no numbers", &total, &ev, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "total time"));
}
END_TEST

START_TEST(test_sysbench_memory)
{
	cleanup_free char *t = slurp("sysbench-memory.txt");
	char why[160];
	double mib_s = 0;

	ck_assert_int_eq(vcl_sysbench_mem_parse(t, &mib_s, why, sizeof(why)), 0);
	ck_assert(mib_s > 100);
	ck_assert_int_eq(vcl_sysbench_mem_parse("256.00 MiB transferred", &mib_s, why, sizeof(why)),
			 -1);
}
END_TEST

START_TEST(test_fio)
{
	cleanup_free char *t = slurp("fio.json");
	struct vcl_fio_job jobs[4];
	char v[32], why[160];
	size_t n = 0;

	ck_assert_int_eq(vcl_fio_parse(t, v, sizeof(v), jobs, 4, &n, why, sizeof(why)), 0);
	ck_assert_str_eq(v, "fio-3.33");
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(jobs[0].name, "seqread");
	ck_assert_str_eq(jobs[0].dir, "read");
	ck_assert(jobs[0].bw_kib > 0 && jobs[0].iops > 0 && jobs[0].p99_us >= jobs[0].p50_us);
	ck_assert_str_eq(jobs[1].name, "randwrite");
	ck_assert_str_eq(jobs[1].dir, "write");
	ck_assert(jobs[1].io_bytes > 0);
	/* A note before the JSON (fio prints them) is skipped; none at all fails. */
	ck_assert_int_eq(vcl_fio_parse("fio: note\n", v, sizeof(v), jobs, 4, &n, why, sizeof(why)),
			 -1);
	ck_assert_int_eq(
	    vcl_fio_parse("{\"jobs\": []}", v, sizeof(v), jobs, 4, &n, why, sizeof(why)), -1);
}
END_TEST

/* The disk scenario's command line: six jobs, the writes to the volume's
 * file and then the overlay's, each target's O_DIRECT as probed. */
START_TEST(test_fio_disk_argv)
{
	static const char *const files[VCL_FIO_NTARGETS] = {"/data/read.dat", "/scratch/fio.dat",
							    "/fio-overlay.dat"};
	const bool direct[VCL_FIO_NTARGETS] = {true, true, false};
	static const char *const want[][3] = {
	    {"--name=seqread", "--filename=/data/read.dat", "--direct=1"},
	    {"--name=randread", "--filename=/data/read.dat", "--direct=1"},
	    {"--name=seqwrite", "--filename=/scratch/fio.dat", "--direct=1"},
	    {"--name=randwrite", "--filename=/scratch/fio.dat", "--direct=1"},
	    {"--name=ovl_seqwrite", "--filename=/fio-overlay.dat", "--direct=0"},
	    {"--name=ovl_randwrite", "--filename=/fio-overlay.dat", "--direct=0"},
	};
	struct vcl_fio_cmd c;
	size_t job = 0, n;

	vcl_fio_disk_argv(&c, 7, files, direct);
	ck_assert_str_eq(c.argv[0], "/usr/bin/fio");
	ck_assert_str_eq(c.argv[4], "--runtime=7");
	for (n = 0; c.argv[n] != NULL; n++) {
		if (strncmp(c.argv[n], "--name=", 7) != 0)
			continue;
		ck_assert_uint_lt(job, 6);
		ck_assert_str_eq(c.argv[n], want[job][0]);
		ck_assert_str_eq(c.argv[n + (job > 0 ? 2 : 1)], want[job][1]);
		ck_assert_str_eq(c.argv[n + (job > 0 ? 6 : 5)], want[job][2]);
		job++;
	}
	ck_assert_uint_eq(job, 6);
	ck_assert_uint_lt(n, sizeof(c.argv) / sizeof(c.argv[0]));
	vcl_fio_probe_argv(&c, "/scratch/fio.dat", true);
	ck_assert_str_eq(c.argv[4], "--filename=/scratch/fio.dat");
	ck_assert_str_eq(c.argv[5], "--rw=write");
	ck_assert_str_eq(c.argv[8], "--direct=1");
	ck_assert_ptr_null(c.argv[9]);
}
END_TEST

START_TEST(test_iperf3)
{
	cleanup_free char *t = slurp("iperf3-reverse.json");
	cleanup_free char *e = slurp("iperf3-error.json");
	struct vcl_iperf3 r;
	char why[160];

	ck_assert_int_eq(vcl_iperf3_parse(t, &r, why, sizeof(why)), 0);
	ck_assert_str_eq(r.version, "iperf 3.12");
	ck_assert_int_eq(r.reverse, 1);
	ck_assert(r.recv_bps > 0 && r.recv_bytes > 0);
	ck_assert_int_eq(vcl_iperf3_parse(e, &r, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "Connection refused"));
}
END_TEST

START_TEST(test_better)
{
	ck_assert(vcl_res_lower_is_better("event_us"));
	ck_assert(vcl_res_lower_is_better("rtt_p99_us"));
	ck_assert(!vcl_res_lower_is_better("randread_iops"));
	ck_assert(!vcl_res_lower_is_better("send_mbit_s"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("toolout");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_sysbench_cpu);
	tcase_add_test(tc, test_sysbench_memory);
	tcase_add_test(tc, test_fio);
	tcase_add_test(tc, test_fio_disk_argv);
	tcase_add_test(tc, test_iperf3);
	tcase_add_test(tc, test_better);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

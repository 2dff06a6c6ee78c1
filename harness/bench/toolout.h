/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_TOOLOUT_H
#define VCL_BENCH_TOOLOUT_H

/*
 * What the field's tools print, read into numbers (issue 29): sysbench's
 * text, fio's and iperf3's JSON (--output-format=json, -J). Pure (no I/O),
 * unit-tested on the tools' real output (tests/unit/test_toolout.c).
 * Every parser returns 0, or -1 with a one-line reason in why.
 */

#include <stddef.h>
#include <stdint.h>

/* sysbench's first line: "sysbench 1.0.20 (using ...)" -> "1.0.20". */
int vcl_sysbench_version(const char *text, char *out, size_t size);
/* `sysbench cpu run`: General statistics' total time and number of events. */
int vcl_sysbench_cpu_parse(const char *text, double *total_s, uint64_t *events, char *why,
			   size_t wlen);
/* `sysbench memory run`: "N MiB transferred (R MiB/sec)": R. */
int vcl_sysbench_mem_parse(const char *text, double *mib_s, char *why, size_t wlen);

/* One fio job's figures for the direction it ran (read or write). */
struct vcl_fio_job {
	char name[64];
	char dir[8]; /* "read" | "write" */
	double iops;
	double bw_kib; /* KiB/s */
	double p50_us; /* completion latency percentiles */
	double p99_us;
	uint64_t io_bytes;
	int error; /* fio's per-job error (errno), 0 = none */
};
/* fio --output-format=json: version ("fio-3.33") and up to max jobs. */
int vcl_fio_parse(const char *json, char *version, size_t vsize, struct vcl_fio_job *jobs,
		  size_t max, size_t *n, char *why, size_t wlen);

/* iperf3 -J, the client's view: version ("iperf 3.12"), what arrived at the
 * receiving end (end.sum_received: bits/s and bytes) and what was sent. */
struct vcl_iperf3 {
	char version[32];
	double recv_bps;
	uint64_t recv_bytes;
	uint64_t sent_bytes;
	int reverse; /* start.test_start.reverse: 1 = the server sent */
};
int vcl_iperf3_parse(const char *json, struct vcl_iperf3 *r, char *why, size_t wlen);

#endif

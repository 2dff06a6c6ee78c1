/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_TOOLOUT_H
#define VCL_BENCH_TOOLOUT_H

/*
 * What the field's tools print, read into numbers (issue 29): sysbench's
 * text, fio's and iperf3's JSON (--output-format=json, -J). Pure (no I/O),
 * unit-tested on the tools' real output (tests/unit/test_toolout.c).
 * Every parser returns 0, or -1 with a one-line reason in why.
 */

#include <stdbool.h>
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

/*
 * The disk scenario's fio command line (docs/resources.md): six jobs one
 * after the other (stonewall), psync, time-based: sequential (1 MiB) and
 * 4k random reads of the read file, then sequential and 4k random writes
 * to the volume's file, then the same writes to the overlay's file
 * (jobs ovl_seqwrite, ovl_randwrite). Each target with O_DIRECT when
 * direct[target] is set. Strings live in c.
 */
enum vcl_fio_target { VCL_FIO_READ, VCL_FIO_SCRATCH, VCL_FIO_OVERLAY, VCL_FIO_NTARGETS };
struct vcl_fio_cmd {
	const char *argv[64];
	char buf[40][64];
};
void vcl_fio_disk_argv(struct vcl_fio_cmd *c, unsigned secs,
		       const char *const files[VCL_FIO_NTARGETS],
		       const bool direct[VCL_FIO_NTARGETS]);
/* One 4 KiB O_DIRECT read (target VCL_FIO_READ) or write of file: whether
 * its storage takes O_DIRECT (fio fails the job when it does not). */
void vcl_fio_probe_argv(struct vcl_fio_cmd *c, const char *file, bool write);

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

/* SPDX-License-Identifier: MIT */
/* Reading sysbench, fio and iperf3 output (toolout.h). Pure. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/toolout.h"
#include "core/results.h"

static int bad(char *why, size_t wlen, const char *what)
{
	snprintf(why, wlen, "%s", what);
	return -1;
}

/* The number after the first occurrence of key (skipping blanks). */
static int num_after(const char *text, const char *key, double *out)
{
	const char *p = strstr(text, key);
	char *end;

	if (p == NULL)
		return -1;
	p += strlen(key);
	*out = strtod(p, &end);
	return end == p ? -1 : 0;
}

int vcl_sysbench_version(const char *text, char *out, size_t size)
{
	const char *p = strstr(text, "sysbench ");
	size_t n = 0;

	if (p == NULL)
		return -1;
	p += strlen("sysbench ");
	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\n' && n + 1 < size)
		n++;
	if (n == 0)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int vcl_sysbench_cpu_parse(const char *text, double *total_s, uint64_t *events, char *why,
			   size_t wlen)
{
	double ev;

	if (num_after(text, "total time:", total_s) < 0 ||
	    num_after(text, "total number of events:", &ev) < 0)
		return bad(why, wlen,
			   "sysbench cpu: no \"total time\" and \"total number of "
			   "events\" in its output");
	if (*total_s <= 0 || ev < 1)
		return bad(why, wlen, "sysbench cpu: no events ran");
	*events = (uint64_t)ev;
	return 0;
}

int vcl_sysbench_mem_parse(const char *text, double *mib_s, char *why, size_t wlen)
{
	const char *p = strstr(text, "MiB transferred (");

	if (p == NULL || num_after(p, "(", mib_s) < 0 || *mib_s <= 0)
		return bad(why, wlen, "sysbench memory: no \"MiB transferred (R MiB/sec)\"");
	return 0;
}

static double jnum(struct json_object *o, const char *path)
{
	double v = 0;

	return vcl_json_path_double(o, path, &v) == 0 ? v : 0;
}

static const char *jstr(struct json_object *o, const char *path)
{
	const char *s = json_object_get_string(vcl_json_path(o, path));

	return s != NULL ? s : "";
}

static void fio_job(struct json_object *j, struct vcl_fio_job *f)
{
	struct json_object *d, *pct;
	const char *dir;

	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", jstr(j, "jobname"));
	f->error = (int)jnum(j, "error");
	/* The direction that moved bytes (a job here is read or write). */
	dir = jnum(j, "write.io_bytes") > jnum(j, "read.io_bytes") ? "write" : "read";
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	d = vcl_json_path(j, dir);
	f->iops = jnum(d, "iops");
	f->bw_kib = jnum(d, "bw");
	f->io_bytes = (uint64_t)jnum(d, "io_bytes");
	pct = vcl_json_path(d, "clat_ns");
	if (pct != NULL && json_object_object_get_ex(pct, "percentile", &pct)) {
		struct json_object *v;

		if (json_object_object_get_ex(pct, "50.000000", &v))
			f->p50_us = json_object_get_double(v) / 1000.0;
		if (json_object_object_get_ex(pct, "99.000000", &v))
			f->p99_us = json_object_get_double(v) / 1000.0;
	}
}

int vcl_fio_parse(const char *json, char *version, size_t vsize, struct vcl_fio_job *jobs,
		  size_t max, size_t *n, char *why, size_t wlen)
{
	/* fio may print notes before its JSON ("fio: ... direct I/O ..."). */
	const char *start = strchr(json, '{');
	struct json_object *root, *arr;
	size_t len;

	*n = 0;
	if (start == NULL || (root = json_tokener_parse(start)) == NULL)
		return bad(why, wlen, "fio: no JSON document in its output");
	if (!json_object_object_get_ex(root, "jobs", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		json_object_put(root);
		return bad(why, wlen, "fio: no jobs[] in its JSON");
	}
	snprintf(version, vsize, "%s", jstr(root, "fio version"));
	len = json_object_array_length(arr);
	for (size_t i = 0; i < len && *n < max; i++)
		fio_job(json_object_array_get_idx(arr, i), &jobs[(*n)++]);
	json_object_put(root);
	return *n > 0 ? 0 : bad(why, wlen, "fio: jobs[] is empty");
}

int vcl_iperf3_parse(const char *json, struct vcl_iperf3 *r, char *why, size_t wlen)
{
	struct json_object *root = json_tokener_parse(json), *e;

	memset(r, 0, sizeof(*r));
	if (root == NULL)
		return bad(why, wlen, "iperf3: its output is not JSON");
	if (json_object_object_get_ex(root, "error", &e)) {
		snprintf(why, wlen, "iperf3: %s", json_object_get_string(e));
		json_object_put(root);
		return -1;
	}
	snprintf(r->version, sizeof(r->version), "%s", jstr(root, "start.version"));
	r->recv_bps = jnum(root, "end.sum_received.bits_per_second");
	r->recv_bytes = (uint64_t)jnum(root, "end.sum_received.bytes");
	r->sent_bytes = (uint64_t)jnum(root, "end.sum_sent.bytes");
	r->reverse = (int)jnum(root, "start.test_start.reverse");
	json_object_put(root);
	return r->recv_bps > 0 ? 0 : bad(why, wlen, "iperf3: no end.sum_received.bits_per_second");
}

/* ---- fio's command lines ------------------------------------------------ */

static const struct {
	const char *name, *rw, *bs;
	enum vcl_fio_target target;
} fio_jobs[] = {
    {"seqread", "read", "1M", VCL_FIO_READ},
    {"randread", "randread", "4k", VCL_FIO_READ},
    {"seqwrite", "write", "1M", VCL_FIO_SCRATCH},
    {"randwrite", "randwrite", "4k", VCL_FIO_SCRATCH},
    {"ovl_seqwrite", "write", "1M", VCL_FIO_OVERLAY},
    {"ovl_randwrite", "randwrite", "4k", VCL_FIO_OVERLAY},
};

/* c->buf[*k] = "--opt=v", appended to argv. */
static void arg(struct vcl_fio_cmd *c, size_t *n, size_t *k, const char *opt, const char *v)
{
	snprintf(c->buf[*k], sizeof(c->buf[0]), "--%s=%s", opt, v);
	c->argv[(*n)++] = c->buf[(*k)++];
}

void vcl_fio_disk_argv(struct vcl_fio_cmd *c, unsigned secs,
		       const char *const files[VCL_FIO_NTARGETS],
		       const bool direct[VCL_FIO_NTARGETS])
{
	size_t n = 0, k = 0;
	char s[16];

	c->argv[n++] = "/usr/bin/fio";
	c->argv[n++] = "--output-format=json";
	c->argv[n++] = "--ioengine=psync";
	c->argv[n++] = "--time_based";
	snprintf(s, sizeof(s), "%u", secs);
	arg(c, &n, &k, "runtime", s);
	for (size_t j = 0; j < sizeof(fio_jobs) / sizeof(fio_jobs[0]); j++) {
		enum vcl_fio_target t = fio_jobs[j].target;

		arg(c, &n, &k, "name", fio_jobs[j].name);
		if (j > 0)
			c->argv[n++] = "--stonewall";
		arg(c, &n, &k, "filename", files[t]);
		arg(c, &n, &k, "rw", fio_jobs[j].rw);
		arg(c, &n, &k, "bs", fio_jobs[j].bs);
		/* The read file is 64 MiB; writes stay at 32 MiB (a 256 MiB
		 * guest holds it on its tmpfs overlay). */
		c->argv[n++] = t == VCL_FIO_READ ? "--size=64M" : "--size=32M";
		c->argv[n++] = direct[t] ? "--direct=1" : "--direct=0";
	}
	c->argv[n] = NULL;
}

void vcl_fio_probe_argv(struct vcl_fio_cmd *c, const char *file, bool write)
{
	size_t n = 0, k = 0;

	c->argv[n++] = "/usr/bin/fio";
	c->argv[n++] = "--output-format=json";
	c->argv[n++] = "--ioengine=psync";
	c->argv[n++] = "--name=direct_probe";
	arg(c, &n, &k, "filename", file);
	c->argv[n++] = write ? "--rw=write" : "--rw=read";
	c->argv[n++] = "--bs=4k";
	c->argv[n++] = "--size=4k";
	c->argv[n++] = "--direct=1";
	c->argv[n] = NULL;
}

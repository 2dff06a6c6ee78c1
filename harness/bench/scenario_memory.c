/* SPDX-License-Identifier: MIT */
/*
 * Memory: k idle instances per placement. Per instance: host PSS of all its
 * processes (smaps_rollup), cgroup memory including kernel memory, and the
 * drop in MemAvailable. Overhead vs bare: the same payload's own footprint
 * (bare, measured in this run) subtracted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/util.h"

/* Let freshly started instances settle (page cache, lazily freed memory)
 * before reading MemAvailable; VMs need longer after boot. */
#define SETTLE_MS    300
#define SETTLE_VM_MS 1500

static int settle(unsigned ms, struct vcl_error **err)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (vcl_interrupted)
			return vcl_error_interrupted(err);
	return 0;
}

/* MemAvailable is read this many times, spread over a window, before and
 * after the instances start: the median is the level, the spread (max -
 * min) is the host's own noise. A drop counts only when it is more than
 * MEMAVAIL_MARGIN times the larger of that spread and the kernel's counter
 * drift (below). */
#define MEMAVAIL_READS	5
#define MEMAVAIL_MARGIN 3

/* How far MemAvailable's counters may lag: each CPU batches its page
 * counts per zone up to "vm stats threshold" pages before folding them in
 * (/proc/zoneinfo), so a reading can be off by their sum. 0 if unknown. */
static uint64_t memavail_drift_kib(void)
{
	cleanup_free char *zi = NULL;
	uint64_t pages = 0;
	const char *key = "vm stats threshold:";
	long psz = sysconf(_SC_PAGESIZE);

	if (vcl_read_file("/proc/zoneinfo", &zi, NULL, NULL) < 0)
		return 0;
	for (const char *p = strstr(zi, key); p != NULL; p = strstr(p, key)) {
		p += strlen(key);
		pages += strtoull(p, NULL, 10);
	}
	return pages * (uint64_t)(psz > 0 ? psz : 4096) / 1024;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read MemAvailable MEMAVAIL_READS times over ms: median and spread. */
static int memavail_window(unsigned ms, uint64_t *median, uint64_t *spread, struct vcl_error **err)
{
	uint64_t v[MEMAVAIL_READS];

	for (unsigned i = 0; i < MEMAVAIL_READS; i++) {
		if (i > 0 && settle(ms / (MEMAVAIL_READS - 1), err) < 0)
			return -1;
		if (vcl_memavailable_kib(&v[i], err) < 0)
			return -1;
	}
	qsort(v, MEMAVAIL_READS, sizeof(v[0]), cmp_u64);
	*median = v[MEMAVAIL_READS / 2];
	*spread = v[MEMAVAIL_READS - 1] - v[0];
	return 0;
}

struct footprint {
	bool have;
	double pss, rss, cg, kmem, drop;
	double noise;  /* the smallest drop per instance MemAvailable resolves */
	bool resolved; /* the drop is above it */
};

static int measure(struct vcl_bench *b, const struct vcl_backend_ops *ops, unsigned k,
		   struct footprint *f, struct vcl_error **err)
{
	struct vcl_instance **inst = calloc(k, sizeof(struct vcl_instance *));
	uint64_t before = 0, after = 0, spread = 0, spread2 = 0;
	unsigned win = vcl_bench_is_vm(ops) ? SETTLE_VM_MS / 3 : SETTLE_MS / 3;
	struct vcl_mem sum = {0};
	unsigned up = 0, sampled = 0;
	int ret = 0;

	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "Memory scenario");
	if (memavail_window(win, &before, &spread, err) < 0) {
		free(inst);
		return -1;
	}
	for (; up < k; up++) {
		struct vcl_error *e = NULL;

		if (vcl_bench_start(b, ops, &inst[up], &e) < 0) {
			if (vcl_bench_fatal(e)) {
				*err = e;
				ret = -1;
			} else {
				vcl_bench_record_error(b, ops->name, "memory", e);
				vcl_error_free(e);
			}
			break;
		}
		vcl_bench_step(b, ops->name);
	}
	if (ret == 0 && up > 0)
		ret = settle((vcl_bench_is_vm(ops) ? SETTLE_VM_MS : SETTLE_MS) - win, err);
	if (ret == 0 && up > 0 && memavail_window(win, &after, &spread2, err) < 0)
		ret = -1;
	for (unsigned i = 0; ret == 0 && i < up; i++) {
		struct vcl_mem m = {0};
		struct vcl_error *e = NULL;

		if (ops->sample(inst[i], &m, &e) < 0) {
			vcl_bench_record_error(b, ops->name, "memory", e);
			vcl_error_free(e);
			continue;
		}
		sum.pss_kib += m.pss_kib;
		sum.rss_kib += m.rss_kib;
		sum.cgroup_kib += m.cgroup_kib;
		sum.kmem_kib += m.kmem_kib;
		sampled++;
	}
	for (unsigned i = 0; i < up; i++)
		vcl_bench_stop(b, inst[i]);
	free(inst);
	if (ret == 0 && sampled > 0) {
		f->have = true;
		f->pss = (double)sum.pss_kib / sampled;
		f->rss = (double)sum.rss_kib / sampled;
		f->cg = (double)sum.cgroup_kib / sampled;
		f->kmem = (double)sum.kmem_kib / sampled;
		uint64_t drift = memavail_drift_kib();

		f->drop = before > after ? (double)(before - after) / up : 0;
		if (spread2 > spread)
			spread = spread2;
		if (drift > spread)
			spread = drift;
		f->noise = (double)(MEMAVAIL_MARGIN * spread) / up;
		f->resolved = f->drop > f->noise;
	}
	return ret;
}

static int memory_run(struct vcl_bench *b, struct vcl_error **err)
{
	struct footprint f[VCL_MAX_ACTIVE];
	int bare = -1;

	memset(f, 0, sizeof(f));
	for (unsigned i = 0; i < b->nactive; i++)
		if (!b->active[i]->is_peer)
			b->steps_total += vcl_bench_is_vm(b->active[i]) ? b->o->vm_mem_instances
									: b->o->mem_instances;
	for (unsigned i = 0; i < b->nactive; i++) {
		const struct vcl_backend_ops *ops = b->active[i];

		if (ops->is_peer)
			continue;
		if (strcmp(ops->name, "bare") == 0)
			bare = (int)i;
		if (measure(b, ops,
			    vcl_bench_is_vm(ops) ? b->o->vm_mem_instances : b->o->mem_instances,
			    &f[i], err) < 0)
			return -1;
	}
	for (unsigned i = 0; i < b->nactive; i++) {
		struct json_object *o;

		if (!f[i].have)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "instances",
				       json_object_new_int((int)(vcl_bench_is_vm(b->active[i])
								     ? b->o->vm_mem_instances
								     : b->o->mem_instances)));
		json_object_object_add(o, "pss_kib", json_object_new_double(f[i].pss));
		json_object_object_add(o, "rss_kib", json_object_new_double(f[i].rss));
		json_object_object_add(o, "cgroup_kib", json_object_new_double(f[i].cg));
		json_object_object_add(o, "kmem_kib", json_object_new_double(f[i].kmem));
		json_object_object_add(o, "memavail_drop_kib", json_object_new_double(f[i].drop));
		json_object_object_add(o, "memavail_noise_kib", json_object_new_double(f[i].noise));
		json_object_object_add(o, "memavail_resolved",
				       json_object_new_boolean(f[i].resolved));
		if (bare >= 0 && f[bare].have) {
			/* Footprint = PSS of the host processes + the cgroup's
			 * kernel memory; overhead = footprint beyond bare's. */
			double own = f[bare].pss + f[bare].kmem;

			json_object_object_add(o, "payload_kib", json_object_new_double(own));
			json_object_object_add(o, "overhead_kib",
					       json_object_new_double(f[i].pss + f[i].kmem - own));
			/* By MemAvailable only where this drop is resolved; where
			 * bare's own is not, its footprint stands in for it. */
			if (f[i].resolved)
				json_object_object_add(
				    o, "overhead_memavail_kib",
				    json_object_new_double(
					f[i].drop - (f[bare].resolved ? f[bare].drop : own)));
		}
		json_object_object_add(vcl_bench_result_obj(b, b->active[i]), "memory", o);
	}
	return 0;
}

const struct vcl_scenario vcl_scenario_memory = {.name = "memory", .run = memory_run};

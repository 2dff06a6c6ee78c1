/* SPDX-License-Identifier: MIT */
/*
 * Density and scale-out: launch bursts of k instances until the memory
 * budget is used, a launch fails, or MemAvailable would fall below 10% of
 * the host's memory (the host is never put at risk). Each burst records the
 * time until all of its instances answer, and memory per instance.
 *
 * The budget is charged with what the instances themselves hold (PSS of
 * their host processes plus their cgroups' kernel memory: the memory
 * scenario's footprint), so other activity on the host cannot end the run
 * early. The drop in MemAvailable is recorded beside it, and guards the
 * host floor. At the end every instance must still answer /healthz.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/stats.h"
#include "core/util.h"

#define MAX_INSTANCES	  2048
#define HOST_FLOOR_RATIO  0.10
#define HEALTH_TIMEOUT_MS 5000

/* The footprint of instances [0, n): the sum of PSS plus kernel memory.
 * An instance that cannot be sampled (it died) is an error. Where an
 * instance's kernel memory is unknown, *kmem_why says so: the sum is then
 * PSS alone for it, a lower bound, and not reported as the footprint. */
static int footprint(const struct vcl_backend_ops *ops, struct vcl_instance **inst, unsigned n,
		     uint64_t *kib, char *kmem_why, size_t len, struct vcl_error **err)
{
	*kib = 0;
	for (unsigned i = 0; i < n; i++) {
		struct vcl_mem m = {0};

		if (ops->sample(inst[i], &m, err) < 0)
			return -1;
		*kib += m.pss_kib;
		if (m.known & VCL_MEM_KMEM)
			*kib += m.kmem_kib;
		else if (kmem_why[0] == '\0')
			snprintf(
			    kmem_why, len,
			    "kernel memory unknown (%s); the budget was charged with PSS alone",
			    m.kmem_why);
	}
	return 0;
}

/* How many of instances [0, n) still answer GET /healthz with 200. */
static unsigned healthy(struct vcl_instance **inst, unsigned n, struct vcl_error **first)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n && !vcl_interrupted; i++) {
		struct vcl_error *e = NULL;
		int status = 0;
		char body[64];

		if (vcl_http_get(&inst[i]->ep, "/healthz", HEALTH_TIMEOUT_MS, &status, body,
				 sizeof(body), &e) == 0 &&
		    status == 200) {
			ok++;
			continue;
		}
		if (e == NULL)
			vcl_error_set(&e, VCL_E_DIED, 0, "Instance %s answered /healthz with %d",
				      inst[i]->name, status);
		if (*first == NULL)
			*first = e;
		else
			vcl_error_free(e);
	}
	return ok;
}

/* One placement's density run. */
struct density {
	struct vcl_bench *b;
	const struct vcl_backend_ops *ops;
	unsigned k; /* instances per burst */
	uint64_t budget_kib, floor_kib;
	double per_inst_kib;	    /* MemAvailable one more instance is expected to cost */
	struct vcl_instance **inst; /* [0, n) are up */
	unsigned n;
	double *ready_s; /* each burst's time until all of it answered */
	unsigned nbursts;
	struct json_object *bursts;
	const char *stop; /* stop_reason */
	uint64_t start_avail, used, drop;
	char kmem_why[256]; /* why used is PSS alone for some instance, or "" */
};

/* Tear down every instance still up, free the rest. */
static void density_clear(struct density *d)
{
	for (unsigned i = 0; i < d->n; i++)
		vcl_bench_stop(d->b, d->inst[i]);
	json_object_put(d->bursts);
	free(d->inst);
	free(d->ready_s);
}

/* Launch the whole burst first, then wait: instances boot side by side, as
 * a scale-out does. Returns how many started, or -1 when the run must end
 * (*err set, what this burst started torn down). */
static int launch_burst(struct density *d, struct vcl_error **err)
{
	unsigned ok = 0;

	for (unsigned j = 0; j < d->k; j++) {
		struct vcl_error *e = NULL;

		d->b->spec.index = d->b->next_index++;
		if (d->ops->launch(&d->b->spec, &d->inst[d->n + j], &e) < 0) {
			if (vcl_bench_fatal(e)) {
				/* Tear down what this burst started, then end. */
				for (unsigned m = 0; m < ok; m++)
					vcl_bench_stop(d->b, d->inst[d->n + m]);
				*err = e;
				return -1;
			}
			vcl_bench_record_error(d->b, d->ops->name, "density", e);
			vcl_error_free(e);
			break;
		}
		ok++;
	}
	return (int)ok;
}

/* Wait for the ok instances the burst started; those ready join [0, n),
 * the first that is not and all after it are torn down. Returns how many
 * joined, or -1 when the run must end (*err set). */
static int wait_burst(struct density *d, unsigned ok, struct vcl_error **err)
{
	for (unsigned j = 0; j < ok; j++) {
		struct vcl_error *e = NULL;
		bool intr;

		if (vcl_probe_wait_for_bench(d->b, d->inst[d->n + j], &e) == 0)
			continue;
		intr = vcl_bench_fatal(e);
		if (intr) {
			*err = e;
		} else {
			vcl_bench_record_error(d->b, d->ops->name, "density", e);
			vcl_error_free(e);
		}
		for (unsigned m = j; m < ok; m++)
			vcl_bench_stop(d->b, d->inst[d->n + m]);
		d->n += j;
		return intr ? -1 : (int)j;
	}
	d->n += ok;
	return (int)ok;
}

static void record_burst(struct density *d)
{
	struct json_object *burst = json_object_new_object();

	json_object_object_add(burst, "k", json_object_new_int((int)d->k));
	json_object_object_add(burst, "instances", json_object_new_int((int)d->n));
	json_object_object_add(burst, "ready_ms",
			       json_object_new_double(d->ready_s[d->nbursts - 1] * 1000));
	if (d->kmem_why[0] == '\0') {
		json_object_object_add(burst, "mem_per_instance_kib",
				       json_object_new_double((double)d->used / d->n));
	} else {
		json_object_object_add(burst, "mem_per_instance_kib", NULL);
		json_object_object_add(burst, "mem_per_instance_kib_reason",
				       json_object_new_string(d->kmem_why));
	}
	json_object_object_add(burst, "memavail_drop_per_instance_kib",
			       json_object_new_double((double)d->drop / d->n));
	json_object_array_add(d->bursts, burst);
}

/* One burst: launch, wait, measure, record. Returns 0 to go on, 1 when the
 * scenario stops here (d->stop says why), -1 when the run must end. */
static int density_burst(struct density *d, struct vcl_error **err)
{
	uint64_t t0, now_avail = 0;
	struct vcl_error *e = NULL;
	int ok;

	if (vcl_memavailable_kib(&now_avail, err) < 0)
		return -1;
	if ((double)now_avail - d->per_inst_kib * d->k < (double)d->floor_kib) {
		d->stop = "host_floor";
		return 1;
	}
	t0 = vcl_now_ns();
	ok = launch_burst(d, err);
	if (ok < 0 || (ok = wait_burst(d, (unsigned)ok, err)) < 0)
		return -1;
	if ((unsigned)ok < d->k) {
		d->stop = "launch_failed";
		return 1;
	}
	d->ready_s[d->nbursts++] = (double)(vcl_now_ns() - t0) / 1e9;
	if (vcl_memavailable_kib(&now_avail, err) < 0)
		return -1;
	d->drop = d->start_avail > now_avail ? d->start_avail - now_avail : 0;
	/* The host floor is about MemAvailable: estimate from its drop. */
	d->per_inst_kib = d->n > 0 && d->drop > 0 ? (double)d->drop / d->n : d->per_inst_kib;
	if (footprint(d->ops, d->inst, d->n, &d->used, d->kmem_why, sizeof(d->kmem_why), &e) < 0) {
		vcl_bench_record_error(d->b, d->ops->name, "density", e);
		vcl_error_free(e);
		d->stop = "instance_failed";
		return 1;
	}
	record_burst(d);
	vcl_bench_step(d->b, d->ops->name);
	if (d->used >= d->budget_kib) {
		d->stop = "budget";
		return 1;
	}
	return 0;
}

/* results.json backends.<b>.density, with up instances still healthy. */
static void record_density(struct density *d, unsigned up)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "max_instances", json_object_new_int((int)up));
	json_object_object_add(o, "launched", json_object_new_int((int)d->n));
	json_object_object_add(o, "budget_mib",
			       json_object_new_int64((int64_t)(d->budget_kib / 1024)));
	json_object_object_add(o, "used_mib", json_object_new_double((double)d->used / 1024));
	if (d->kmem_why[0] != '\0')
		json_object_object_add(o, "used_mib_reason", json_object_new_string(d->kmem_why));
	json_object_object_add(o, "memavail_drop_mib",
			       json_object_new_double((double)d->drop / 1024));
	/* No footprint read (no burst came up): no density figure, not 0. */
	json_object_object_add(
	    o, "instances_per_gib",
	    d->used > 0 ? json_object_new_double(up / ((double)d->used / 1048576)) : NULL);
	if (d->used == 0)
		json_object_object_add(o, "instances_per_gib_reason",
				       json_object_new_string("no footprint was read"));
	if (d->nbursts > 0) {
		struct vcl_stats st;

		/* Scale-out rate: instances per second a burst brings to ready,
		 * from the median burst. */
		vcl_stats_compute(d->ready_s, d->nbursts, 0, 0, &st);
		json_object_object_add(o, "scaleout_per_s", json_object_new_double(d->k / st.p50));
	}
	json_object_object_add(o, "stop_reason", json_object_new_string(d->stop));
	json_object_object_add(o, "bursts", steal_ptr(d->bursts));
	json_object_object_add(vcl_bench_result_obj(d->b, d->ops), "density", o);
}

static int density_one(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		       struct vcl_error **err)
{
	bool vm = vcl_bench_is_vm(ops);
	__attribute__((cleanup(density_clear))) struct density d = {
	    .b = b,
	    .ops = ops,
	    .k = vm ? b->o->vm_burst : b->o->burst,
	    .budget_kib = (vm ? b->o->vm_budget_mib : b->o->budget_mib) * 1024,
	    .floor_kib = (uint64_t)((double)b->host.mem_mib * 1024 * HOST_FLOOR_RATIO),
	    /* Before anything ran, assume an instance costs what its
	     * placement's configured memory is for VMs, a few MiB for
	     * processes. */
	    .per_inst_kib = vm ? (double)b->o->vm_mem_mib * 1024 : 4096,
	    .inst = calloc(MAX_INSTANCES, sizeof(struct vcl_instance *)),
	    .ready_s = calloc(MAX_INSTANCES, sizeof(double)),
	    .bursts = json_object_new_array(),
	    .stop = "max_instances",
	};
	struct vcl_error *sick = NULL;
	unsigned up;
	int r = 0;

	if (d.inst == NULL || d.ready_s == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	if (vcl_memavailable_kib(&d.start_avail, err) < 0)
		return -1;
	while (d.n + d.k <= MAX_INSTANCES && (r = density_burst(&d, err)) == 0)
		;
	if (r < 0)
		return -1;
	/* Only instances that still serve count. */
	up = healthy(d.inst, d.n, &sick);
	if (vcl_interrupted) {
		/* Stopped mid-check: no count to trust; the run ends here. */
		vcl_error_free(sick);
		return vcl_error_interrupted(err);
	}
	if (sick != NULL) {
		vcl_error_wrap(&sick, "%u of %u instances stopped answering at density", d.n - up,
			       d.n);
		vcl_bench_record_error(b, ops->name, "density", sick);
		vcl_error_free(sick);
	}
	record_density(&d, up);
	return 0;
}

static int density_run(struct vcl_bench *b, struct vcl_error **err)
{
	for (unsigned i = 0; i < b->nactive; i++)
		if (!b->active[i]->is_peer)
			b->steps_total += 4;
	for (unsigned i = 0; i < b->nactive; i++) {
		if (b->active[i]->is_peer)
			continue;
		if (density_one(b, b->active[i], err) < 0)
			return -1;
	}
	return 0;
}

const struct vcl_scenario vcl_scenario_density = {.name = "density", .run = density_run};

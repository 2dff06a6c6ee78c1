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
 * An instance that cannot be sampled (it died) is an error. */
static int footprint(const struct vcl_backend_ops *ops, struct vcl_instance **inst, unsigned n,
		     uint64_t *kib, struct vcl_error **err)
{
	*kib = 0;
	for (unsigned i = 0; i < n; i++) {
		struct vcl_mem m = {0};

		if (ops->sample(inst[i], &m, err) < 0)
			return -1;
		*kib += m.pss_kib + m.kmem_kib;
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

static int density_one(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		       struct vcl_error **err)
{
	bool vm = vcl_bench_is_vm(ops);
	unsigned k = vm ? b->o->vm_burst : b->o->burst;
	uint64_t budget_kib = (vm ? b->o->vm_budget_mib : b->o->budget_mib) * 1024;
	uint64_t floor_kib = (uint64_t)((double)b->host.mem_mib * 1024 * HOST_FLOOR_RATIO);
	/* Before anything ran, assume an instance costs what its placement's
	 * configured memory is for VMs, a few MiB for processes. */
	double per_inst_kib = vm ? (double)b->o->vm_mem_mib * 1024 : 4096;
	struct vcl_instance **inst = calloc(MAX_INSTANCES, sizeof(struct vcl_instance *));
	struct json_object *bursts = json_object_new_array(), *o;
	double *ready_s = calloc(MAX_INSTANCES, sizeof(double));
	const char *stop = "max_instances";
	uint64_t start_avail = 0, now_avail = 0, used = 0, drop = 0;
	unsigned n = 0, nbursts = 0, up;
	struct vcl_error *sick = NULL;
	int ret = 0;

	if (inst == NULL || ready_s == NULL) {
		free(inst);
		free(ready_s);
		json_object_put(bursts);
		return vcl_fail(err, ENOMEM, "Density scenario");
	}
	if (vcl_memavailable_kib(&start_avail, err) < 0)
		goto out_err;
	while (n + k <= MAX_INSTANCES) {
		uint64_t t0;
		unsigned ok = 0;
		struct json_object *burst;

		if (vcl_memavailable_kib(&now_avail, err) < 0)
			goto out_err;
		if ((double)now_avail - per_inst_kib * k < (double)floor_kib) {
			stop = "host_floor";
			break;
		}
		t0 = vcl_now_ns();
		/* Launch the whole burst first, then wait: instances boot side by
		 * side, as a scale-out does. */
		for (unsigned j = 0; j < k; j++) {
			struct vcl_error *e = NULL;

			b->spec.index = b->next_index++;
			if (ops->launch(&b->spec, &inst[n + j], &e) < 0) {
				if (vcl_bench_fatal(e)) {
					/* Tear down what this burst started, then end. */
					for (unsigned m = 0; m < ok; m++)
						vcl_bench_stop(b, inst[n + m]);
					*err = e;
					goto out_err;
				}
				vcl_bench_record_error(b, ops->name, "density", e);
				vcl_error_free(e);
				break;
			}
			ok++;
		}
		for (unsigned j = 0; j < ok; j++) {
			struct vcl_error *e = NULL;

			if (vcl_probe_wait_for_bench(b, inst[n + j], &e) < 0) {
				bool intr = vcl_bench_fatal(e);

				if (intr)
					*err = e;
				else {
					vcl_bench_record_error(b, ops->name, "density", e);
					vcl_error_free(e);
				}
				/* Tear down this burst's instances from j on. */
				for (unsigned m = j; m < ok; m++)
					vcl_bench_stop(b, inst[n + m]);
				ok = j;
				if (intr) {
					n += ok;
					goto out_err;
				}
				break;
			}
		}
		n += ok;
		if (ok < k) {
			stop = "launch_failed";
			break;
		}
		ready_s[nbursts++] = (double)(vcl_now_ns() - t0) / 1e9;
		if (vcl_memavailable_kib(&now_avail, err) < 0)
			goto out_err;
		drop = start_avail > now_avail ? start_avail - now_avail : 0;
		/* The host floor is about MemAvailable: estimate from its drop. */
		per_inst_kib = n > 0 && drop > 0 ? (double)drop / n : per_inst_kib;
		{
			struct vcl_error *e = NULL;

			if (footprint(ops, inst, n, &used, &e) < 0) {
				vcl_bench_record_error(b, ops->name, "density", e);
				vcl_error_free(e);
				stop = "instance_failed";
				break;
			}
		}
		burst = json_object_new_object();
		json_object_object_add(burst, "k", json_object_new_int((int)k));
		json_object_object_add(burst, "instances", json_object_new_int((int)n));
		json_object_object_add(burst, "ready_ms",
				       json_object_new_double(ready_s[nbursts - 1] * 1000));
		json_object_object_add(burst, "mem_per_instance_kib",
				       json_object_new_double((double)used / n));
		json_object_object_add(burst, "memavail_drop_per_instance_kib",
				       json_object_new_double((double)drop / n));
		json_object_array_add(bursts, burst);
		vcl_bench_step(b, ops->name);
		if (used >= budget_kib) {
			stop = "budget";
			break;
		}
	}
	/* Only instances that still serve count. */
	up = healthy(inst, n, &sick);
	if (vcl_interrupted) {
		/* Stopped mid-check: no count to trust; the run ends here. */
		vcl_error_free(sick);
		ret = vcl_error_interrupted(err);
		goto out;
	}
	if (sick != NULL) {
		vcl_error_wrap(&sick, "%u of %u instances stopped answering at density", n - up, n);
		vcl_bench_record_error(b, ops->name, "density", sick);
		vcl_error_free(sick);
	}
	o = json_object_new_object();
	json_object_object_add(o, "max_instances", json_object_new_int((int)up));
	json_object_object_add(o, "launched", json_object_new_int((int)n));
	json_object_object_add(o, "budget_mib",
			       json_object_new_int64((int64_t)(budget_kib / 1024)));
	json_object_object_add(o, "used_mib", json_object_new_double((double)used / 1024));
	json_object_object_add(o, "memavail_drop_mib", json_object_new_double((double)drop / 1024));
	json_object_object_add(
	    o, "instances_per_gib",
	    json_object_new_double(used > 0 ? up / ((double)used / 1048576) : 0));
	if (nbursts > 0) {
		struct vcl_stats st;

		/* Scale-out rate: instances per second a burst brings to ready,
		 * from the median burst. */
		vcl_stats_compute(ready_s, nbursts, 0, 0, &st);
		json_object_object_add(o, "scaleout_per_s", json_object_new_double(k / st.p50));
	}
	json_object_object_add(o, "stop_reason", json_object_new_string(stop));
	json_object_object_add(o, "bursts", bursts);
	bursts = NULL;
	json_object_object_add(vcl_bench_result_obj(b, ops), "density", o);
	goto out;
out_err:
	ret = -1;
out:
	for (unsigned i = 0; i < n; i++)
		vcl_bench_stop(b, inst[i]);
	json_object_put(bursts);
	free(inst);
	free(ready_s);
	return ret;
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

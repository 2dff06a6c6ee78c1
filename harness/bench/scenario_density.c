/* SPDX-License-Identifier: MIT */
/*
 * Density and scale-out: launch bursts of k instances until something
 * stops the run, and say what did (density.stop_reason, bench/density.h):
 * the memory budget, the host's MemAvailable floor (10% of its memory: the
 * host is never put at risk), the pids or descriptors the next burst would
 * need, instances no longer healthy (cpu), a launch that failed (its error
 * in stop_detail), or the scenario's time limit. Each burst records the
 * time until all of it answers, memory per instance, and the CPU the
 * instances burn while idle (TCG guests do).
 *
 * A burst is launched whole, then waited for: instances boot side by side,
 * as a scale-out does, so the burst's time measures the placement rather
 * than a serial loop in the harness.
 *
 * The budget is charged with what the instances themselves hold (PSS of
 * their host processes plus their cgroups' kernel memory: the memory
 * scenario's footprint), so other activity on the host cannot end the run
 * early. The drop in MemAvailable is recorded beside it, and guards the
 * host floor. At the end every instance must still answer /healthz.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "bench/density.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/stats.h"
#include "core/util.h"

#define HOST_FLOOR_RATIO  0.10
#define HEALTH_TIMEOUT_MS 5000

/* The footprint of instances [0, n): the sum of PSS plus kernel memory.
 * An instance that cannot be sampled (it died) is an error. Where an
 * instance's kernel memory is unknown, *kmem_why says so: the sum is then
 * PSS alone for it, a lower bound, and not reported as the footprint. */
static int footprint(const struct vcl_backend_ops *ops, struct vcl_instance **inst, unsigned n,
		     uint64_t *kib, uint64_t *cpu_usec, char *kmem_why, size_t len,
		     struct vcl_error **err)
{
	*kib = 0;
	*cpu_usec = 0;
	for (unsigned i = 0; i < n; i++) {
		struct vcl_mem m = {0};

		if (ops->sample(inst[i], &m, err) < 0)
			return -1;
		*kib += m.pss_kib;
		*cpu_usec += (m.known & VCL_MEM_CPU) ? m.cpu_usec : 0;
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
	unsigned n, cap;
	double *ready_s; /* each burst's time until all of it answered */
	unsigned nbursts;
	struct json_object *bursts;
	const char *stop;     /* stop_reason */
	char stop_detail[512]; /* the launch failure's error, or what else ended it */
	struct vcl_density_state st;
	uint64_t t0, start_avail, used, drop;
	uint64_t start_tasks, start_fds, pids_limit, nofile;
	uint64_t cpu_usec, cpu_at; /* the instances' CPU at the last footprint, and when */
	double cpu_cores;	   /* their CPU use since the burst before, cores */
	char kmem_why[256]; /* why used is PSS alone for some instance, or "" */
};

/* Tear down every instance still up, free the rest. Processes are killed
 * all at once first, so thousands of them exit side by side and each
 * destroy only reaps and removes (a serial kill-and-wait cost one exit
 * latency per instance). */
static void density_clear(struct density *d)
{
	if (!vcl_bench_is_vm(d->ops))
		for (unsigned i = 0; i < d->n; i++)
			if (d->inst[i]->pid > 0)
				kill(d->inst[i]->pid, SIGKILL);
	for (unsigned i = 0; i < d->n; i++)
		vcl_bench_stop(d->b, d->inst[i]);
	json_object_put(d->bursts);
	free(d->inst);
	free(d->ready_s);
}

/* Room for one more burst in inst[] and ready_s[]. */
static int density_grow(struct density *d, struct vcl_error **err)
{
	unsigned cap = d->cap * 2;
	struct vcl_instance **inst;
	double *r;

	if (d->n + d->k <= d->cap)
		return 0;
	while (cap < d->n + d->k)
		cap *= 2;
	inst = realloc(d->inst, cap * sizeof(*inst));
	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d->inst = inst;
	r = realloc(d->ready_s, cap * sizeof(*r));
	if (r == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d->ready_s = r;
	d->cap = cap;
	return 0;
}

/* The first failure of a burst: recorded, and kept as stop_detail. */
static void burst_failed(struct density *d, struct vcl_error *e)
{
	vcl_bench_record_error(d->b, d->ops->name, "density", e);
	if (!d->st.launch_failed) {
		d->st.launch_failed = true;
		/* A readiness timeout with the host's CPU saturated is the CPU
		 * running out, not the placement failing. */
		d->st.cpu_starved = e->kind == VCL_E_TIMEOUT && d->cpu_cores >= d->b->host.topo.pus * 0.9;
		snprintf(d->stop_detail, sizeof(d->stop_detail), "%s", e->msg);
	}
	vcl_error_free(e);
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
			burst_failed(d, e);
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
		if (intr)
			*err = e;
		else
			burst_failed(d, e);
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
	json_object_object_add(burst, "cpu_cores", json_object_new_double(d->cpu_cores));
	json_object_object_add(burst, "t_s",
			       json_object_new_double((double)(vcl_now_ns() - d->t0) / 1e9));
	json_object_array_add(d->bursts, burst);
}

/* The host's side of the stop decision, read before each burst: MemAvailable,
 * and the pids and descriptors left, with what one instance was seen to
 * hold of each. */
static int read_room(struct density *d, struct vcl_error **err)
{
	uint64_t limit = 0, tasks = 0, fds = 0;

	if (vcl_memavailable_kib(&d->st.memavail_kib, err) < 0 ||
	    vcl_pids_room(&limit, &tasks, err) < 0 || vcl_fds_open(&fds, err) < 0)
		return -1;
	d->pids_limit = limit;
	d->st.pids_free = vcl_density_headroom(limit, tasks, VCL_DENSITY_PIDS_SPARE);
	d->st.fds_free = vcl_density_headroom(d->nofile, fds, VCL_DENSITY_FDS_SPARE);
	if (d->n > 0) {
		double p = (double)(tasks > d->start_tasks ? tasks - d->start_tasks : 0) / d->n;
		double f = (double)(fds > d->start_fds ? fds - d->start_fds : 0) / d->n;

		d->st.pids_per_inst = p > d->st.pids_per_inst ? p : d->st.pids_per_inst;
		d->st.fds_per_inst = f > d->st.fds_per_inst ? f : d->st.fds_per_inst;
	}
	d->st.k = d->k;
	d->st.n = d->n;
	d->st.used_kib = d->used;
	d->st.per_inst_kib = d->per_inst_kib;
	d->st.elapsed_ms = (vcl_now_ns() - d->t0) / 1000000;
	return 0;
}

/* The instances' memory and CPU after a burst. 1 when one could not be
 * sampled (it died: the run stops there), 0, or -1. */
static int measure(struct density *d, struct vcl_error **err)
{
	uint64_t now_avail = 0, cpu = 0, now;
	struct vcl_error *e = NULL;

	if (vcl_memavailable_kib(&now_avail, err) < 0)
		return -1;
	d->drop = d->start_avail > now_avail ? d->start_avail - now_avail : 0;
	/* The host floor is about MemAvailable: estimate from its drop. */
	d->per_inst_kib = d->n > 0 && d->drop > 0 ? (double)d->drop / d->n : d->per_inst_kib;
	if (footprint(d->ops, d->inst, d->n, &d->used, &cpu, d->kmem_why, sizeof(d->kmem_why),
		      &e) < 0) {
		burst_failed(d, e);
		return 1;
	}
	now = vcl_now_ns();
	/* Over the instances that were already up at the last reading; the
	 * new ones' boot CPU is in too, so this is an upper bound of idle. */
	d->cpu_cores = d->cpu_at > 0 && cpu > d->cpu_usec
			   ? (double)(cpu - d->cpu_usec) * 1000 / (double)(now - d->cpu_at)
			   : 0;
	d->cpu_usec = cpu;
	d->cpu_at = now;
	return 0;
}

/* One burst: decide, launch, wait, measure, record. Returns 0 to go on, 1
 * when the scenario stops here (d->stop says why), -1 when the run must
 * end. */
static int density_burst(struct density *d, struct vcl_error **err)
{
	uint64_t t0;
	int ok;

	if (read_room(d, err) < 0)
		return -1;
	d->stop = vcl_density_stop(&d->st);
	if (d->stop != NULL)
		return 1;
	if (density_grow(d, err) < 0)
		return -1;
	t0 = vcl_now_ns();
	ok = launch_burst(d, err);
	if (ok < 0 || (ok = wait_burst(d, (unsigned)ok, err)) < 0)
		return -1;
	if ((unsigned)ok < d->k)
		return 0; /* st.launch_failed: the next decision stops */
	d->ready_s[d->nbursts++] = (double)(vcl_now_ns() - t0) / 1e9;
	ok = measure(d, err);
	if (ok != 0)
		return ok < 0 ? -1 : 0;
	record_burst(d);
	vcl_bench_step(d->b, d->ops->name);
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
	if (d->stop_detail[0] != '\0')
		json_object_object_add(o, "stop_detail", json_object_new_string(d->stop_detail));
	json_object_object_add(o, "nofile_limit", json_object_new_int64((int64_t)d->nofile));
	json_object_object_add(o, "pids_limit", json_object_new_int64((int64_t)d->pids_limit));
	json_object_object_add(o, "pids_per_instance",
			       json_object_new_double(d->st.pids_per_inst));
	json_object_object_add(o, "fds_per_instance", json_object_new_double(d->st.fds_per_inst));
	json_object_object_add(o, "seconds",
			       json_object_new_double((double)(vcl_now_ns() - d->t0) / 1e9));
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
	    .cap = 256,
	    .inst = calloc(256, sizeof(struct vcl_instance *)),
	    .ready_s = calloc(256, sizeof(double)),
	    .bursts = json_object_new_array(),
	    .st = {
		.p99_ms = -1,
		/* Until measured: a process or a QEMU with its threads, a
		 * READY pipe, a pidfd and a netns each. */
		.pids_per_inst = vm ? 8 : 2,
		.fds_per_inst = 4,
		.limit_ms = (uint64_t)(b->o->density_seconds * 1000),
	    },
	};
	struct vcl_error *sick = NULL;
	struct rlimit rl;
	unsigned up;
	int r = 0;

	if (d.inst == NULL || d.ready_s == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d.st.budget_kib = d.budget_kib;
	d.st.floor_kib = d.floor_kib;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		d.nofile = (uint64_t)rl.rlim_cur;
	d.t0 = vcl_now_ns();
	if (vcl_memavailable_kib(&d.start_avail, err) < 0 ||
	    vcl_pids_room(&d.pids_limit, &d.start_tasks, err) < 0 ||
	    vcl_fds_open(&d.start_fds, err) < 0)
		return -1;
	while ((r = density_burst(&d, err)) == 0)
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

int vcl_scenario_density(struct vcl_bench *b, struct vcl_error **err)
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

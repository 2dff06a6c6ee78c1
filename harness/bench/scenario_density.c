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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench.h"
#include "bench/density.h"
#include "core/cleanup.h"
#include "core/ksm.h"
#include "core/limits.h"
#include "core/probe.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/stats.h"
#include "core/util.h"

#define HOST_FLOOR_RATIO  0.10
#define HEALTH_TIMEOUT_MS 5000
#define FDS_EVERY	  32
#define FDS_NEAR	  8

/* One instance's footprint: PSS plus kernel memory, and its CPU so far.
 * Where its kernel memory is unknown, *kmem_why says so: the figure is
 * then PSS alone, a lower bound, and not reported as the footprint. */
static int sample_one(const struct vcl_backend_ops *ops, struct vcl_instance *inst, uint64_t *kib,
		      uint64_t *cpu_usec, char *kmem_why, size_t len, struct vcl_error **err)
{
	struct vcl_mem m = {0};

	if (ops->sample(inst, &m, err) < 0)
		return -1;
	*kib = m.pss_kib;
	*cpu_usec = (m.known & VCL_MEM_CPU) ? m.cpu_usec : 0;
	if (m.known & VCL_MEM_KMEM)
		*kib += m.kmem_kib;
	else if (kmem_why[0] == '\0')
		snprintf(kmem_why, len,
			 "kernel memory unknown (%s); the budget was charged with PSS alone",
			 m.kmem_why);
	return 0;
}

/* The footprint of instances [0, n), every one read: the sum of their
 * figures. An instance that cannot be sampled (it died) is an error. */
static int footprint(const struct vcl_backend_ops *ops, struct vcl_instance **inst, unsigned n,
		     uint64_t *kib, char *kmem_why, size_t len, struct vcl_error **err)
{
	*kib = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t k, cpu;

		if (sample_one(ops, inst[i], &k, &cpu, kmem_why, len, err) < 0)
			return -1;
		*kib += k;
	}
	return 0;
}

/* How many of instances [0, n) still answer GET /healthz with 200: all of
 * them at once (bench/density_load.c), then the first that did not once
 * more on its own, for an error that says what it answered. */
static unsigned healthy(struct vcl_instance **inst, unsigned n, struct vcl_error **first)
{
	cleanup_free unsigned char *bad = calloc(n > 0 ? n : 1, 1);
	unsigned ok = 0;
	int status = 0;
	char body[64];

	if (bad == NULL || vcl_density_health(inst, n, HEALTH_TIMEOUT_MS, bad, first) < 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (!bad[i]) {
			ok++;
			continue;
		}
		if (*first != NULL)
			continue;
		if (vcl_http_get(&inst[i]->ep, "/healthz", HEALTH_TIMEOUT_MS, &status, body,
				 sizeof(body), first) == 0 &&
		    *first == NULL)
			vcl_error_set(first, VCL_E_DIED, 0,
				      "Instance %s answered /healthz with %d%s", inst[i]->name,
				      status, status == 200 ? " on a second try" : "");
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
	struct json_object *ksm; /* density.ksm, or NULL */
	const char *stop;	 /* stop_reason */
	char stop_detail[512];	 /* the launch failure's error, or what else ended it */
	struct vcl_density_state st;
	struct vcl_density_load load; /* the last step's, under --density-load */
	uint64_t t0, start_avail, used, drop;
	uint64_t start_tasks, start_fds, pids_limit, nofile;
	uint64_t *cpu_usec, *cpu_at; /* each instance's CPU at its last sample, and when */
	unsigned cursor;	     /* the next instance up for a re-sample */
	unsigned sampled;	     /* instances read for the last burst's estimate */
	uint64_t room_ns, after_t0;  /* the harness's own time this burst: before, after from */
	double cpu_cores;	     /* their CPU use since the burst before, cores */
	char kmem_why[256];	     /* why used is PSS alone for some instance, or "" */
	unsigned launched;	     /* at the end, before the teardown */
	uint64_t used_sampled;	     /* the last burst's used, before the final reading of all */
	double health_s, teardown_s;
	/* Kernel memory of one more cgroup, before the first burst and with
	 * every instance up (< 0: not read, cg_why says why). */
	double cg_kib[2];
	char cg_why[256];
};

/* Threads a process placement's teardown runs on. A destroy is mostly
 * waiting (an exit to reap, a cgroup rmdir behind the kernel's cgroup
 * lock): several in flight keep both the lock and the CPUs busy. */
#define TEARDOWN_THREADS 8

/* Instances [from, n) in steps of step, each destroyed; its error, if
 * any, in errs[i] (recorded by the caller: results are not thread-safe). */
struct teardown_slice {
	struct vcl_instance **inst;
	struct vcl_error **errs;
	unsigned from, n, step;
};

static void *teardown_slice(void *arg)
{
	const struct teardown_slice *s = arg;

	for (unsigned i = s->from; i < s->n; i += s->step)
		s->inst[i]->ops->destroy(s->inst[i], &s->errs[i]);
	return NULL;
}

/* Destroy inst[0, n) on up to TEARDOWN_THREADS threads (the calling one
 * takes a slice whose thread could not start), then record the errors. */
static void teardown_parallel(struct density *d, struct vcl_error **errs)
{
	struct teardown_slice s[TEARDOWN_THREADS];
	pthread_t th[TEARDOWN_THREADS];
	bool started[TEARDOWN_THREADS];

	for (unsigned t = 0; t < TEARDOWN_THREADS; t++) {
		s[t] = (struct teardown_slice){
		    .inst = d->inst, .errs = errs, .from = t, .n = d->n, .step = TEARDOWN_THREADS};
		started[t] = pthread_create(&th[t], NULL, teardown_slice, &s[t]) == 0;
	}
	for (unsigned t = 0; t < TEARDOWN_THREADS; t++) {
		if (started[t])
			pthread_join(th[t], NULL);
		else
			teardown_slice(&s[t]);
	}
	for (unsigned i = 0; i < d->n; i++) {
		if (errs[i] == NULL)
			continue;
		vcl_bench_record_error(d->b, d->ops->name, "destroy", errs[i]);
		vcl_error_free(errs[i]);
	}
}

/* Tear down every instance still up, free the rest. Processes are killed
 * all at once first, so thousands of them exit side by side, then
 * destroyed in parallel: each destroy only reaps and removes (a serial
 * kill-and-wait cost one exit latency per instance, a serial removal one
 * cgroup rmdir after another). VMs go one by one, through libvirt. */
static void density_teardown(struct density *d)
{
	cleanup_free struct vcl_error **errs = NULL;

	if (!vcl_backend_is_vm(d->ops)) {
		for (unsigned i = 0; i < d->n; i++)
			if (d->inst[i]->pid > 0)
				kill(d->inst[i]->pid, SIGKILL);
		errs = calloc(d->n > 0 ? d->n : 1, sizeof(struct vcl_error *));
	}
	if (errs != NULL)
		teardown_parallel(d, errs);
	else
		for (unsigned i = 0; i < d->n; i++)
			vcl_bench_stop(d->b, d->inst[i]);
	d->n = 0;
}

static void density_clear(struct density *d)
{
	density_teardown(d);
	json_object_put(d->bursts);
	json_object_put(d->ksm);
	free(d->inst);
	free(d->ready_s);
	free(d->cpu_usec);
	free(d->cpu_at);
}

/* Room for one more burst in inst[] and ready_s[]. */
static int density_grow(struct density *d, struct vcl_error **err)
{
	unsigned cap = d->cap * 2;
	struct vcl_instance **inst;
	double *r;
	uint64_t **arrays[] = {&d->cpu_usec, &d->cpu_at};

	if (d->n + d->k <= d->cap)
		return 0;
	while (cap < d->n + d->k)
		cap *= 2;
	inst = reallocarray(d->inst, cap, sizeof(struct vcl_instance *));
	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d->inst = inst;
	r = reallocarray(d->ready_s, cap, sizeof(*r));
	if (r == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d->ready_s = r;
	for (size_t a = 0; a < ARRAY_SIZE(arrays); a++) {
		uint64_t *g = reallocarray(*arrays[a], cap, sizeof(uint64_t));

		if (g == NULL)
			return vcl_fail(err, ENOMEM, "Density scenario");
		memset(g + d->cap, 0, (cap - d->cap) * sizeof(*g));
		*arrays[a] = g;
	}
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
		d->st.cpu_starved =
		    e->kind == VCL_E_TIMEOUT && d->cpu_cores >= d->b->host.topo.pus * 0.9;
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

		if (vcl_bench_launch(d->b, d->ops, &d->inst[d->n + j], &e) < 0) {
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

/* Instances [from, to) are up: the descriptors the harness held to see
 * them come up go. Their READY pipes have served (the payload closed its
 * end after the line); held open, each kept the page the payload wrote its
 * line into charged to the instance's memory cgroup. Their pidfds watched
 * for a death before READY; the harness is still their parent, so their
 * pids stay theirs until it reaps them. Each held descriptor is one more
 * in the table every later launch's clone copies and its exec walks: at
 * ten thousand instances that made a launch several times slower. A VM's
 * READY channel and pidfd are its machine's (vmm/machine.c). */
static void release_fds(struct density *d, unsigned from, unsigned to)
{
	if (vcl_backend_is_vm(d->ops))
		return;
	for (unsigned i = from; i < to; i++) {
		vcl_closep(&d->inst[i]->ready_fd);
		vcl_closep(&d->inst[i]->exit_fd);
	}
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
		release_fds(d, d->n, d->n + j);
		d->n += j;
		return intr ? -1 : (int)j;
	}
	release_fds(d, d->n, d->n + ok);
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
	json_object_object_add(burst, "sampled", json_object_new_int((int)d->sampled));
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
	json_object_object_add(
	    burst, "harness_ms",
	    json_object_new_double((double)(d->room_ns + vcl_now_ns() - d->after_t0) / 1e6));
	json_object_object_add(burst, "t_s",
			       json_object_new_double((double)(vcl_now_ns() - d->t0) / 1e9));
	if (d->b->o->density_load > 0) {
		json_object_object_add(burst, "healthy",
				       json_object_new_int((int)(d->n - d->load.unhealthy)));
		json_object_object_add(burst, "load_errors",
				       json_object_new_int64((int64_t)d->load.errors));
		json_object_object_add(burst, "load_p50_ms",
				       d->load.p99_ms >= 0 ? json_object_new_double(d->load.p50_ms)
							   : NULL);
		json_object_object_add(burst, "load_p99_ms",
				       d->load.p99_ms >= 0 ? json_object_new_double(d->load.p99_ms)
							   : NULL);
	}
	json_object_array_add(d->bursts, burst);
}

/* The host's side of the stop decision, read before each burst: MemAvailable,
 * and the pids and descriptors left, with what one instance was seen to
 * hold of each. */
static int read_room(struct density *d, struct vcl_error **err)
{
	uint64_t limit = 0, tasks = 0, fds = 0;

	/* Counting the open descriptors lists /proc/self/fd, which grows with
	 * the instances: counted while few, then every FDS_EVERY bursts and
	 * whenever the estimate (the most per instance seen so far) comes
	 * within FDS_NEAR bursts of the limit. */
	uint64_t est = d->start_fds + (uint64_t)(d->st.fds_per_inst * d->n);
	bool count =
	    d->n < 1024 || d->nbursts % FDS_EVERY == 0 ||
	    est + (uint64_t)(FDS_NEAR * d->k * d->st.fds_per_inst) + VCL_DENSITY_FDS_SPARE >=
		d->nofile;

	if (vcl_memavailable_kib(&d->st.memavail_kib, err) < 0 ||
	    vcl_pids_room(&limit, &tasks, err) < 0 || (count && vcl_fds_open(&fds, err) < 0))
		return -1;
	if (!count)
		fds = est;
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

/* Instances read again after each burst besides the burst's own: enough
 * for the mean per instance to follow the run (the PSS of shared pages
 * falls as instances are added), few enough that a burst's cost does not
 * grow with the instances already up. Taken in turn, so that each instance
 * is read again every (n / SAMPLE_OLD) bursts. */
#define SAMPLE_OLD 64

/* The instances' memory and CPU after a burst, from a sample: the burst's
 * own instances and SAMPLE_OLD earlier ones (all of them while there are
 * fewer). used is the sample's mean times n; the run's final figure reads
 * every instance (density_one). CPU is the earlier instances' idle rate
 * since each one's last reading, times their number. 1 when one could not
 * be sampled (it died: the run stops there), 0, or -1. */
static int measure(struct density *d, struct vcl_error **err)
{
	unsigned nold = d->n - d->k, want = d->k + (nold < SAMPLE_OLD ? nold : SAMPLE_OLD);
	uint64_t now_avail = 0, sum = 0;
	unsigned nrate = 0;
	double rate = 0;

	if (vcl_memavailable_kib(&now_avail, err) < 0)
		return -1;
	d->drop = d->start_avail > now_avail ? d->start_avail - now_avail : 0;
	/* The host floor is about MemAvailable: estimate from its drop. */
	d->per_inst_kib = d->n > 0 && d->drop > 0 ? (double)d->drop / d->n : d->per_inst_kib;
	for (unsigned j = 0; j < want; j++) {
		unsigned i = j < d->k ? nold + j : d->cursor++ % nold;
		struct vcl_error *e = NULL;
		uint64_t kib, cpu, now;

		if (sample_one(d->ops, d->inst[i], &kib, &cpu, d->kmem_why, sizeof(d->kmem_why),
			       &e) < 0) {
			burst_failed(d, e);
			return 1;
		}
		now = vcl_now_ns();
		sum += kib;
		if (d->cpu_at[i] > 0 && cpu >= d->cpu_usec[i] && now > d->cpu_at[i]) {
			rate +=
			    (double)(cpu - d->cpu_usec[i]) * 1000 / (double)(now - d->cpu_at[i]);
			nrate++;
		}
		d->cpu_usec[i] = cpu;
		d->cpu_at[i] = now;
	}
	d->sampled = want;
	d->used = want == d->n ? sum : (uint64_t)((double)sum / want * d->n);
	d->cpu_cores = nrate > 0 ? rate / nrate * nold : 0;
	return 0;
}

/* KSM: how long to wait for merging to settle, and what "settled" means:
 * pages_sharing within 2% over the last 3 full scans. */
#define KSM_SETTLE_SCANS  3
#define KSM_SETTLE_TOL	  0.02
#define KSM_SETTLE_MAX_S  120
#define KSM_UNMERGE_MAX_S 30
#define KSM_POLL_NS	  500000000ULL

static void ksm_cleanup(struct vcl_ksm *k)
{
	struct vcl_error *e = NULL;

	if (vcl_ksm_restore(k, &e) < 0) {
		vcl_warn("%s (the run's ledger restores it at exit, or vclab gc)", e->msg);
		vcl_error_free(e);
	}
}

/* Footprint per instance now, KiB; < 0 when it cannot be read. */
static double per_instance_now(struct density *d)
{
	uint64_t kib = 0;
	struct vcl_error *e = NULL;
	char why[256] = "";

	if (d->n == 0 || footprint(d->ops, d->inst, d->n, &kib, why, sizeof(why), &e) < 0) {
		vcl_error_free(e);
		return -1;
	}
	return (double)kib / d->n;
}

static void add_num(struct json_object *o, const char *key, double v, const char *why)
{
	char rk[64];

	if (v >= 0) {
		json_object_object_add(o, key, json_object_new_double(v));
		return;
	}
	json_object_object_add(o, key, NULL);
	snprintf(rk, sizeof(rk), "%s_reason", key);
	json_object_object_add(o, rk, json_object_new_string(why));
}

/* Wait until merging settles, recording the burndown (footprint per
 * instance over time). Returns the seconds it took (the bound when it did
 * not settle: *settled false), or -1 on a signal. */
static double ksm_settle(struct density *d, struct json_object *burndown, bool *settled,
			 struct vcl_error **err)
{
	uint64_t t0 = vcl_now_ns(), sharing[256], last_scans = 0;
	struct vcl_ksm_counters c;
	size_t n = 0;

	*settled = false;
	if (vcl_ksm_read(&c, err) < 0)
		return -1;
	last_scans = c.full_scans;
	while (vcl_now_ns() - t0 < KSM_SETTLE_MAX_S * 1000000000ULL) {
		struct json_object *pt = json_object_new_object();
		struct timespec ts = {0, (long)KSM_POLL_NS};

		if (vcl_interrupted)
			return vcl_error_interrupted(err);
		nanosleep(&ts, NULL);
		if (vcl_ksm_read(&c, err) < 0) {
			json_object_put(pt);
			return -1;
		}
		json_object_object_add(pt, "t_s",
				       json_object_new_double((double)(vcl_now_ns() - t0) / 1e9));
		add_num(pt, "per_instance_kib", per_instance_now(d),
			"an instance could not be sampled");
		json_object_object_add(pt, "pages_sharing",
				       json_object_new_int64((int64_t)c.pages_sharing));
		json_object_array_add(burndown, pt);
		if (c.full_scans == last_scans)
			continue;
		last_scans = c.full_scans;
		if (n < ARRAY_SIZE(sharing))
			sharing[n++] = c.pages_sharing;
		if (vcl_ksm_settled(sharing, n, KSM_SETTLE_SCANS, KSM_SETTLE_TOL)) {
			*settled = true;
			break;
		}
	}
	return (double)(vcl_now_ns() - t0) / 1e9;
}

/* run=2 unmerges everything: wait (bounded) until nothing is shared. */
static int ksm_unmerged(struct vcl_error **err)
{
	uint64_t t0 = vcl_now_ns();
	struct vcl_ksm_counters c = {0};

	if (vcl_ksm_unmerge(err) < 0)
		return -1;
	do {
		struct timespec ts = {0, 100000000L};

		if (vcl_interrupted)
			return vcl_error_interrupted(err);
		if (vcl_ksm_read(&c, err) < 0)
			return -1;
		if (c.pages_sharing == 0)
			return 1;
		nanosleep(&ts, NULL);
	} while (vcl_now_ns() - t0 < KSM_UNMERGE_MAX_S * 1000000000ULL);
	return 0;
}

/* KiB of guest RAM QEMU marked mergeable (VmFlags "mg"), -1 unknown. */
static double mergeable_kib(const struct vcl_instance *inst)
{
	cleanup_free char *smaps = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)inst->pid);
	if (inst->pid <= 0 || vcl_read_file(path, &smaps, NULL, NULL) < 0)
		return -1;
	return (double)vcl_smaps_mergeable_kib(smaps);
}

/* density.ksm after the growth: --ksm on merged all along (on figure now,
 * off after unmerging), --ksm both grew without (off now, on after
 * merging). k holds what vcl_ksm_start saved (on: already started). */
static int ksm_measure(struct density *d, struct vcl_ksm *k, bool merged_all_along,
		       struct vcl_error **err)
{
	struct json_object *o = json_object_new_object(), *burn = json_object_new_array();
	struct vcl_ksm_counters c = {0};
	double on = -1, off = -1, settle;
	bool settled = false;
	int r;

	json_object_object_add(o, "mode", json_object_new_string(merged_all_along ? "on" : "both"));
	add_num(o, "mergeable_kib", d->n > 0 ? mergeable_kib(d->inst[0]) : -1,
		"no instance, or its smaps unreadable");
	if (!merged_all_along) {
		off = per_instance_now(d);
		if (vcl_ksm_start(k, d->b->spec.ledger, err) < 0)
			goto fail;
	}
	settle = ksm_settle(d, burn, &settled, err);
	if (settle < 0 || vcl_ksm_read(&c, err) < 0)
		goto fail;
	on = per_instance_now(d);
	json_object_object_add(o, "pages_sharing", json_object_new_int64((int64_t)c.pages_sharing));
	json_object_object_add(o, "pages_shared", json_object_new_int64((int64_t)c.pages_shared));
	json_object_object_add(o, "full_scans", json_object_new_int64((int64_t)c.full_scans));
	json_object_object_add(o, "settle_s", json_object_new_double(settle));
	json_object_object_add(o, "settled", json_object_new_boolean(settled));
	add_num(o, "ksmd_cpu_s", vcl_ksm_cpu_s(k), "ksmd's CPU time unreadable");
	if (merged_all_along) {
		r = ksm_unmerged(err);
		if (r < 0)
			goto fail;
		off = r > 0 ? per_instance_now(d) : -1;
	}
	add_num(o, "per_instance_kib_on", on, "an instance could not be sampled");
	add_num(o, "per_instance_kib_off", off,
		merged_all_along ? "unmerging did not finish in time, or a sample failed"
				 : "an instance could not be sampled");
	json_object_object_add(o, "burndown", burn);
	d->ksm = o;
	return vcl_ksm_restore(k, err);
fail:
	json_object_put(burn);
	json_object_put(o);
	return -1;
}

/* One burst: decide, launch, wait, measure, record. Returns 0 to go on, 1
 * when the scenario stops here (d->stop says why), -1 when the run must
 * end. */
static int density_burst(struct density *d, struct vcl_error **err)
{
	uint64_t t0 = vcl_now_ns();
	int ok;

	if (read_room(d, err) < 0)
		return -1;
	d->room_ns = vcl_now_ns() - t0;
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
	/* record_burst adds the time up to its own reading. */
	d->after_t0 = vcl_now_ns();
	ok = measure(d, err);
	if (ok != 0)
		return ok < 0 ? -1 : 0;
	if (d->b->o->density_load > 0) {
		struct vcl_density_load l;

		if (vcl_density_load(d->inst, d->n, d->b->o->density_load, 1.0, &l, err) < 0)
			return -1;
		d->st.unhealthy = l.unhealthy;
		d->st.p99_ms = l.p99_ms;
		d->load = l;
	}
	record_burst(d);
	vcl_bench_step(d->b, d->ops->name);
	return 0;
}

/* results.json backends.<b>.density, with up instances still healthy. */
static void record_density(struct density *d, unsigned up)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "max_instances", json_object_new_int((int)up));
	json_object_object_add(o, "launched", json_object_new_int((int)d->launched));
	json_object_object_add(o, "final_health_s", json_object_new_double(d->health_s));
	json_object_object_add(o, "teardown_s", json_object_new_double(d->teardown_s));
	json_object_object_add(o, "budget_mib",
			       json_object_new_int64((int64_t)(d->budget_kib / 1024)));
	json_object_object_add(o, "used_mib", json_object_new_double((double)d->used / 1024));
	/* The last burst's sampled figure, beside the final reading of all. */
	json_object_object_add(o, "used_mib_sampled",
			       json_object_new_double((double)d->used_sampled / 1024));
	if (d->kmem_why[0] != '\0')
		json_object_object_add(o, "used_mib_reason", json_object_new_string(d->kmem_why));
	for (int at = 0; at < 2; at++)
		add_num(
		    o, at == 0 ? "cgroup_kernel_kib_start" : "cgroup_kernel_kib_end", d->cg_kib[at],
		    d->cg_why[0] != '\0' ? d->cg_why : "the kernel freed more than the probe made");
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
	json_object_object_add(o, "pids_per_instance", json_object_new_double(d->st.pids_per_inst));
	json_object_object_add(o, "fds_per_instance", json_object_new_double(d->st.fds_per_inst));
	if (d->b->o->density_load > 0)
		json_object_object_add(o, "load_rps",
				       json_object_new_double(d->b->o->density_load));
	json_object_object_add(o, "seconds",
			       json_object_new_double((double)(vcl_now_ns() - d->t0) / 1e9));
	json_object_object_add(o, "bursts", steal_ptr(d->bursts));
	if (d->ksm != NULL)
		json_object_object_add(o, "ksm", steal_ptr(d->ksm));
	json_object_object_add(vcl_bench_result_obj(d->b, d->ops), "density", o);
}

/* density.cgroup_kernel_kib_start/_end (bench/density_cgcost.c): the
 * kernel's cost of a new cgroup grows with the filesystems the instances
 * mounted, and stays. A probe that fails leaves its reason, not the run. */
static void cgroup_cost(struct density *d, int at)
{
	struct vcl_error *e = NULL;

	d->cg_kib[at] = -1;
	if (vcl_density_cgroup_cost(d->b->spec.ledger, d->b->run_id, at == 0 ? "start" : "end",
				    &d->cg_kib[at], &e) < 0) {
		snprintf(d->cg_why, sizeof(d->cg_why), "%s", e->msg);
		vcl_error_free(e);
	}
}

/* --density-hold: the grown set stays up this long, so that something
 * outside vclab (scripts/check-density.sh) can count and weigh it. Returns
 * -1 on a signal. */
static int hold(double seconds)
{
	uint64_t end = vcl_now_ns() + (uint64_t)(seconds * 1e9);

	while (vcl_now_ns() < end) {
		struct timespec ts = {0, 100000000L};

		if (vcl_interrupted)
			return -1;
		nanosleep(&ts, NULL);
	}
	return vcl_interrupted ? -1 : 0;
}

static int density_one(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		       struct vcl_error **err)
{
	bool vm = vcl_backend_is_vm(ops);
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
	    .cpu_usec = calloc(256, sizeof(uint64_t)),
	    .cpu_at = calloc(256, sizeof(uint64_t)),
	    .bursts = json_object_new_array(),
	    .st =
		{
		    .p99_ms = -1,
		    /* Until measured: a process or a QEMU with its threads, a
		 * READY pipe, a pidfd and a netns each. */
		    .pids_per_inst = vm ? 8 : 2,
		    .fds_per_inst = 4,
		    .limit_ms = (uint64_t)(b->o->density_seconds * 1000),
		},
	};
	/* Restored on every way out of here; the ledger backs it up. */
	__attribute__((cleanup(ksm_cleanup))) struct vcl_ksm ksm = {0};
	/* KSM merges what is marked mergeable: QEMU's guest RAM, not a
	 * process's heap (the payload does not madvise), so VMs only. */
	const char *ksm_mode = vm ? b->o->ksm : "off";
	struct vcl_error *sick = NULL, *fe = NULL;
	struct rlimit rl;
	unsigned up;
	uint64_t t;
	int r = 0;

	if (d.inst == NULL || d.ready_s == NULL || d.cpu_usec == NULL || d.cpu_at == NULL)
		return vcl_fail(err, ENOMEM, "Density scenario");
	d.st.budget_kib = d.budget_kib;
	d.st.floor_kib = d.floor_kib;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		d.nofile = (uint64_t)rl.rlim_cur;
	cgroup_cost(&d, 0);
	d.t0 = vcl_now_ns();
	if (vcl_memavailable_kib(&d.start_avail, err) < 0 ||
	    vcl_pids_room(&d.pids_limit, &d.start_tasks, err) < 0 ||
	    vcl_fds_open(&d.start_fds, err) < 0)
		return -1;
	if (strcmp(ksm_mode, "on") == 0 && vcl_ksm_start(&ksm, b->spec.ledger, err) < 0)
		return -1;
	while ((r = density_burst(&d, err)) == 0)
		;
	if (r < 0)
		return -1;
	if (strcmp(ksm_mode, "off") != 0 &&
	    ksm_measure(&d, &ksm, strcmp(ksm_mode, "on") == 0, err) < 0)
		return -1;
	if (hold(b->o->density_hold) < 0)
		return vcl_error_interrupted(err);
	/* Only instances that still serve count. */
	t = vcl_now_ns();
	up = healthy(d.inst, d.n, &sick);
	d.health_s = (double)(vcl_now_ns() - t) / 1e9;
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
	/* The final figure reads every instance once. */
	d.used_sampled = d.used;
	if (d.n > 0 &&
	    footprint(ops, d.inst, d.n, &d.used, d.kmem_why, sizeof(d.kmem_why), &fe) < 0) {
		vcl_error_wrap(&fe, "Final footprint of %u instances", d.n);
		vcl_bench_record_error(b, ops->name, "density", fe);
		vcl_error_free(fe);
		d.used = d.used_sampled;
	}
	d.launched = d.n;
	/* With every instance up, before the teardown's frees run beside it. */
	cgroup_cost(&d, 1);
	t = vcl_now_ns();
	density_teardown(&d);
	d.teardown_s = (double)(vcl_now_ns() - t) / 1e9;
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

const struct vcl_scenario vcl_scenario_density = {
    .name = "density", .run = density_run, .fills_memory = true};

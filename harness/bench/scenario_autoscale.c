/* SPDX-License-Identifier: MIT */
/*
 * Autoscale reaction, the classic policy "add an instance when CPU passes
 * 70%": drive /work load at one instance, read its CPU use every 50 ms
 * (cgroup CPU time; for a VM, its QEMU's), and when the use over the last
 * window crosses the threshold (a fraction of the instance's CPU limit),
 * launch one more instance of the same placement. Reaction = crossing ->
 * the new instance's first 200. Detection (load start -> crossing) is kept
 * too, since it depends on the sampling window, not the placement.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "bench/loadgen.h"
#include "core/proc.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

#define SAMPLE_NS      50000000ULL /* CPU sampling period */
#define WINDOW_SAMPLES 2	   /* utilisation over the last 100 ms */
#define MAX_WAIT_S     20	   /* no crossing by then: record a failure */

/* The load runs in a child so the harness can sample and launch meanwhile. */
static pid_t start_load(struct vcl_bench *b, const struct vcl_instance *target)
{
	pid_t pid = fork();

	if (pid == 0) {
		char path[64];
		struct vcl_loadgen_opts lo = {
		    .ep = &target->ep, .path = path, .concurrency = 4, .seconds = MAX_WAIT_S + 60};
		struct vcl_loadgen_result r;

		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		snprintf(path, sizeof(path), "/work?iters=%llu",
			 (unsigned long long)b->o->work_iters);
		_exit(vcl_loadgen_run(&lo, &r, NULL) < 0 ? 1 : 0);
	}
	return pid;
}

static void stop_load(pid_t pid)
{
	if (pid <= 0)
		return;
	vcl_proc_kill_reap(pid, -1, SIGKILL, 0, NULL);
}

/* One repeat: returns 0 and the two times, or -1 with *err. */
static int one_repeat(struct vcl_bench *b, const struct vcl_backend_ops *ops, double *reaction_ms,
		      double *detect_ms, struct vcl_error **err)
{
	struct vcl_instance *a = NULL, *nb = NULL;
	double limit = b->o->limits.cpus > 0 ? b->o->limits.cpus : 1.0;
	uint64_t cpu[WINDOW_SAMPLES + 1], at[WINDOW_SAMPLES + 1];
	uint64_t t_load, t_cross = 0, deadline;
	unsigned have = 0;
	pid_t load;
	int ret = -1;

	if (vcl_bench_start(b, ops, &a, err) < 0)
		return -1;
	load = start_load(b, a);
	if (load < 0) {
		vcl_bench_stop(b, a);
		return vcl_fail(err, errno, "fork load generator");
	}
	t_load = vcl_now_ns();
	deadline = t_load + MAX_WAIT_S * 1000000000ULL;
	while (vcl_now_ns() < deadline) {
		struct vcl_mem m = {0};
		struct timespec ts = {.tv_nsec = (long)SAMPLE_NS};

		if (vcl_interrupted) {
			vcl_error_interrupted(err);
			goto out;
		}
		if (ops->sample(a, &m, err) < 0)
			goto out;
		/* Without a CPU reading the window would hold zeros, and "never
		 * reached the threshold" would be a false figure. */
		if (!(m.known & VCL_MEM_CPU)) {
			vcl_fail(err, 0, "CPU time of %s unreadable", a->name);
			goto out;
		}
		/* Shift the window. */
		if (have == WINDOW_SAMPLES + 1) {
			memmove(cpu, cpu + 1, WINDOW_SAMPLES * sizeof(*cpu));
			memmove(at, at + 1, WINDOW_SAMPLES * sizeof(*at));
			have--;
		}
		cpu[have] = m.cpu_usec;
		at[have] = vcl_now_ns();
		have++;
		if (have == WINDOW_SAMPLES + 1) {
			double used = (double)(cpu[have - 1] - cpu[0]) * 1000.0 /
				      (double)(at[have - 1] - at[0]);

			if (used >= b->o->scale_threshold * limit) {
				t_cross = at[have - 1];
				break;
			}
		}
		nanosleep(&ts, NULL);
	}
	if (t_cross == 0) {
		vcl_fail(err, 0, "CPU use never reached %.0f%% of %.2f CPU in %d s",
			 b->o->scale_threshold * 100, limit, MAX_WAIT_S);
		goto out;
	}
	if (vcl_bench_start(b, ops, &nb, err) < 0)
		goto out;
	*reaction_ms = vcl_ns_to_ms(nb->t.first_200 - t_cross);
	*detect_ms = vcl_ns_to_ms(t_cross - t_load);
	ret = 0;
out:
	stop_load(load);
	vcl_bench_stop(b, nb);
	vcl_bench_stop(b, a);
	return ret;
}

static int autoscale_run(struct vcl_bench *b, struct vcl_error **err)
{
	for (unsigned i = 0; i < b->nactive; i++)
		if (!b->active[i]->is_peer)
			b->steps_total += vcl_backend_is_vm(b->active[i])
					      ? b->o->vm_autoscale_repeats
					      : b->o->autoscale_repeats;
	for (unsigned i = 0; i < b->nactive; i++) {
		const struct vcl_backend_ops *ops = b->active[i];
		unsigned reps =
		    vcl_backend_is_vm(ops) ? b->o->vm_autoscale_repeats : b->o->autoscale_repeats;
		double *react = calloc(reps, sizeof(double)),
		       *detect = calloc(reps, sizeof(double));
		unsigned n = 0;

		if (ops->is_peer) {
			free(react);
			free(detect);
			continue;
		}
		if (react == NULL || detect == NULL) {
			free(react);
			free(detect);
			return vcl_fail(err, ENOMEM, "Autoscale scenario");
		}
		for (unsigned r = 0; r < reps; r++) {
			struct vcl_error *e = NULL;

			if (one_repeat(b, ops, &react[n], &detect[n], &e) < 0) {
				if (vcl_bench_fatal(e)) {
					free(react);
					free(detect);
					*err = e;
					return -1;
				}
				vcl_bench_record_error(b, ops->name, "autoscale", e);
				vcl_error_free(e);
			} else {
				n++;
			}
			vcl_bench_step(b, ops->name);
		}
		if (n > 0) {
			struct json_object *o = json_object_new_object();
			struct vcl_stats st;

			json_object_object_add(o, "threshold",
					       json_object_new_double(b->o->scale_threshold));
			json_object_object_add(o, "cpu_limit",
					       json_object_new_double(b->o->limits.cpus));
			json_object_object_add(o, "sample_ms",
					       json_object_new_int((int)(SAMPLE_NS / 1000000)));
			vcl_stats_compute(react, n, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED,
					  &st);
			json_object_object_add(o, "reaction_ms", vcl_stats_json(&st, react, n));
			vcl_stats_compute(detect, n, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED,
					  &st);
			json_object_object_add(o, "detect_ms", vcl_stats_json(&st, detect, n));
			json_object_object_add(vcl_bench_result_obj(b, ops), "autoscale", o);
		}
		free(react);
		free(detect);
	}
	return 0;
}

const struct vcl_scenario vcl_scenario_autoscale = {.name = "autoscale", .run = autoscale_run};

/* SPDX-License-Identifier: MIT */
/*
 * Startup: N launches per placement and peer, in rounds. Within a round the
 * order is shuffled with a seed (recorded as order.seed; each launch's
 * position goes to samples.csv), so no placement always follows the same
 * teardown. Series with fewer launches (VMs) are spread evenly over the
 * rounds instead of bunching at the start. Before each launch the previous
 * instance is gone (destroy returns once it is) and the host is given a
 * short, bounded settle (core/quiesce.h), whose time is recorded.
 *
 * Calibration runs in the same rounds: an A/A series (bare against bare:
 * the noise floor of every ratio) and, at the end, the probe floor (the
 * first 200 from an instance that already listens: what readiness
 * detection itself costs).
 *
 * t0 is taken just before the create call; phases are create returned,
 * READY line seen, first 200 from GET /healthz, and for VM boots whose
 * guest announced its /init (VCLAB-INIT, docs/vm.md) the guest boot split:
 * firmware (t0 -> kernel entry), kernel (-> /init), userspace (-> READY).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/quiesce.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

#define MAX_CONSECUTIVE_FAILURES 3
#define SETTLE_MAX_MS		 50
#define PROBE_FLOOR_RUNS	 30
#define AA_LABEL		 "bare-aa"

struct series {
	const struct vcl_backend_ops *ops;
	const char *label; /* ops->name, or AA_LABEL for the A/A twin of bare */
	bool aa;
	unsigned total, warm, launched;
	double *total_ms, *create, *ready;
	double *firmware, *kernel, *userspace; /* VM boots with a guest /init anchor */
	/* A placement's own steps (vcl_phases.steps), then READY -> first 200:
	 * the names the first launch gave; launches that gave others are not kept. */
	const char *step_name[VCL_MAX_LAUNCH_STEPS + 1];
	double *step_ms[VCL_MAX_LAUNCH_STEPS + 1];
	double *step_total; /* each such launch's startup sample */
	unsigned nstep;
	size_t n, nready, nboot, nsteps;
	unsigned failures, consecutive;
	bool given_up;
};

struct run {
	struct vcl_bench *b;
	struct series s[VCL_MAX_ACTIVE + 1];
	unsigned ns, rounds, seq;
	double *settle;
	size_t nsettle, settle_cap;
	unsigned settle_busy;
};

static void add_stats(struct json_object *parent, const char *key, const double *x, size_t n,
		      bool with_samples)
{
	struct vcl_stats st;

	vcl_stats_compute(x, n, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &st);
	json_object_object_add(parent, key, vcl_stats_json(&st, with_samples ? x : NULL, n));
}

static void csv_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s; *p != '\0'; p++)
		fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, f);
	fputc('"', f);
}

/* Guest boot phases are kept only when they are in order on the host's
 * clock: start <= kernel entry <= /init <= READY. */
static bool boot_phases_ok(const struct vcl_phases *t)
{
	return t->kernel != 0 && t->init != 0 && t->ready != 0 && t->kernel >= t->start &&
	       t->init >= t->kernel && t->ready >= t->init;
}

/* The guest boot phases as the last three columns ("" when absent). */
static void csv_boot(FILE *f, const struct vcl_instance *inst)
{
	const struct vcl_phases *t = inst != NULL ? &inst->t : NULL;

	if (t != NULL && boot_phases_ok(t))
		fprintf(f, ",%.4f,%.4f,%.4f\n", vcl_ns_to_ms(t->kernel - t->start),
			vcl_ns_to_ms(t->init - t->kernel), vcl_ns_to_ms(t->ready - t->init));
	else
		fputs(",,,\n", f);
}

static void csv_row(struct run *rn, const struct series *s, unsigned round, unsigned slot,
		    const struct vcl_settle *st, const struct vcl_instance *inst,
		    const struct vcl_error *e)
{
	FILE *f = rn->b->csv;
	bool warm = s->launched < s->warm;

	if (f == NULL)
		return;
	fprintf(f, "%s,startup,%u,%d,%u,%u,%u,%.4f,", s->label, s->launched, warm, rn->seq, round,
		slot, st->ms);
	if (inst != NULL) {
		const struct vcl_phases *t = &inst->t;

		fprintf(f, "%.4f,", vcl_ns_to_ms(t->created - t->start));
		if (t->ready != 0)
			fprintf(f, "%.4f", vcl_ns_to_ms(t->ready - t->start));
		fprintf(f, ",%.4f,ok,", vcl_ns_to_ms(t->first_200 - t->start));
	} else {
		fputs(",,,error,", f);
		csv_quoted(f, e != NULL && e->msg ? e->msg : "");
	}
	csv_boot(f, inst);
}

static int series_init(struct series *s, const struct vcl_bench *b,
		       const struct vcl_backend_ops *ops, bool aa, struct vcl_error **err)
{
	s->ops = ops;
	s->aa = aa;
	s->label = aa ? AA_LABEL : ops->name;
	s->warm = vcl_bench_warmup(b, ops);
	s->total = s->warm + vcl_bench_runs(b, ops);
	s->total_ms = calloc(s->total + 1, sizeof(double));
	s->create = calloc(s->total + 1, sizeof(double));
	s->ready = calloc(s->total + 1, sizeof(double));
	s->firmware = calloc(s->total + 1, sizeof(double));
	s->kernel = calloc(s->total + 1, sizeof(double));
	s->userspace = calloc(s->total + 1, sizeof(double));
	if (s->total_ms == NULL || s->create == NULL || s->ready == NULL || s->firmware == NULL ||
	    s->kernel == NULL || s->userspace == NULL)
		return vcl_fail(err, ENOMEM, "Startup samples");
	return 0;
}

static void series_free(struct series *s)
{
	for (unsigned i = 0; i < s->nstep; i++)
		free(s->step_ms[i]);
	free(s->step_total);
	free(s->total_ms);
	free(s->create);
	free(s->ready);
	free(s->firmware);
	free(s->kernel);
	free(s->userspace);
}

/* Does series s launch in round r of R? Its `total` launches are spread
 * evenly: launch j falls in round floor(j * R / total). */
static bool in_round(const struct series *s, unsigned r, unsigned rounds)
{
	return s->total > 0 &&
	       (uint64_t)(r + 1) * s->total / rounds > (uint64_t)r * s->total / rounds;
}

static void record_settle(struct run *rn, const struct vcl_settle *st)
{
	if (rn->nsettle == rn->settle_cap) {
		size_t cap = rn->settle_cap ? rn->settle_cap * 2 : 64;
		double *p = realloc(rn->settle, cap * sizeof(*p));

		if (p == NULL)
			return;
		rn->settle = p;
		rn->settle_cap = cap;
	}
	rn->settle[rn->nsettle++] = st->ms;
	if (!st->quiet)
		rn->settle_busy++;
}

/* The launch's steps, when they are the series' (the first launch's
 * names) and end by READY, before the first 200. The last one runs to
 * t->ready (the probe's stamp, a little after the placement's own). */
static void keep_steps(struct series *s, const struct vcl_phases *t)
{
	unsigned n = t->nsteps;
	uint64_t from = t->start;

	if (n == 0 || n > VCL_MAX_LAUNCH_STEPS || t->steps[n - 1].end > t->ready ||
	    t->first_200 < t->ready)
		return;
	if (s->nstep == 0) {
		for (unsigned i = 0; i < n; i++) {
			s->step_name[i] = t->steps[i].name;
			s->step_ms[i] = calloc(s->total + 1, sizeof(double));
		}
		s->step_name[n] = "first_answer";
		s->step_ms[n] = calloc(s->total + 1, sizeof(double));
		s->step_total = calloc(s->total + 1, sizeof(double));
		s->nstep = n + 1;
	}
	if (s->nstep != n + 1)
		return;
	for (unsigned i = 0; i < n; i++)
		if (s->step_ms[i] == NULL || strcmp(s->step_name[i], t->steps[i].name) != 0)
			return;
	if (s->step_ms[n] == NULL || s->step_total == NULL)
		return;
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = i + 1 == n ? t->ready : t->steps[i].end;

		s->step_ms[i][s->nsteps] = vcl_ns_to_ms(end - from);
		from = end;
	}
	s->step_ms[n][s->nsteps] = vcl_ns_to_ms(t->first_200 - t->ready);
	s->step_total[s->nsteps] = vcl_ns_to_ms(t->first_200 - t->start);
	s->nsteps++;
}

static void keep_sample(struct series *s, const struct vcl_instance *inst)
{
	const struct vcl_phases *t = &inst->t;

	s->total_ms[s->n] = vcl_ns_to_ms(t->first_200 - t->start);
	s->create[s->n] = vcl_ns_to_ms(t->created - t->start);
	s->n++;
	if (t->ready != 0)
		s->ready[s->nready++] = vcl_ns_to_ms(t->ready - t->start);
	if (boot_phases_ok(t)) {
		s->firmware[s->nboot] = vcl_ns_to_ms(t->kernel - t->start);
		s->kernel[s->nboot] = vcl_ns_to_ms(t->init - t->kernel);
		s->userspace[s->nboot] = vcl_ns_to_ms(t->ready - t->init);
		s->nboot++;
	}
	keep_steps(s, t);
}

/* --cache cold: write back dirty pages, then drop the page cache, dentries
 * and inodes, so the launch reads its binaries, libraries and (for VMs) the
 * guest kernel and image from disk. A one-off action, not a setting: the
 * host is left as it would be after memory pressure. Done before the
 * settle, outside the timed window. */
static int drop_page_cache(struct vcl_error **err)
{
	struct vcl_error *e = NULL;

	sync();
	if (vcl_write_file("/proc/sys/vm/drop_caches", "3", &e) == 0)
		return 0;
	vcl_error_set(err, VCL_E_ENV, 0,
		      "--cache cold: cannot drop the page cache (/proc/sys/vm/drop_caches; needs "
		      "root): %s",
		      e != NULL ? e->msg : "write failed");
	vcl_error_free(e);
	return -1;
}

/* One launch of s; <0 only for errors that end the run. */
static int launch_one(struct run *rn, struct series *s, unsigned round, unsigned slot,
		      struct vcl_error **err)
{
	struct vcl_bench *b = rn->b;
	struct vcl_instance *inst = NULL;
	struct vcl_error *e = NULL;
	struct vcl_settle st;

	if (strcmp(b->o->cache, "cold") == 0 && drop_page_cache(err) < 0)
		return -1;
	vcl_settle(SETTLE_MAX_MS, &st);
	record_settle(rn, &st);
	if (vcl_bench_start(b, s->ops, &inst, &e) < 0) {
		csv_row(rn, s, round, slot, &st, NULL, e);
		rn->seq++;
		s->launched++;
		if (vcl_bench_fatal(e)) {
			*err = e;
			return -1;
		}
		vcl_bench_record_error(b, s->label, "startup", e);
		vcl_error_free(e);
		s->failures++;
		if (++s->consecutive >= MAX_CONSECUTIVE_FAILURES) {
			s->given_up = true;
			vcl_warn("%s: %d launches in a row failed; no more %s launches in this "
				 "scenario",
				 s->label, MAX_CONSECUTIVE_FAILURES, s->label);
		}
		vcl_bench_step(b, s->label);
		return 0;
	}
	s->consecutive = 0;
	csv_row(rn, s, round, slot, &st, inst, NULL);
	if (s->launched >= s->warm)
		keep_sample(s, inst);
	rn->seq++;
	s->launched++;
	vcl_bench_stop(b, inst);
	vcl_bench_step(b, s->label);
	return 0;
}

static int run_rounds(struct run *rn, uint64_t seed, struct vcl_error **err)
{
	uint64_t state = seed;

	for (unsigned r = 0; r < rn->rounds; r++) {
		unsigned order[VCL_MAX_ACTIVE + 1], n = 0;

		for (unsigned i = 0; i < rn->ns; i++)
			if (in_round(&rn->s[i], r, rn->rounds) && !rn->s[i].given_up)
				order[n++] = i;
		vcl_shuffle(order, n, &state);
		for (unsigned k = 0; k < n; k++)
			if (launch_one(rn, &rn->s[order[k]], r, k, err) < 0)
				return -1;
	}
	return 0;
}

/* steps_ms: each step's statistics and its part of the median launch,
 * then steps_check. */
static void write_steps(struct json_object *o, const struct series *s)
{
	struct json_object *steps = json_object_new_array();
	double med[VCL_MAX_LAUNCH_STEPS + 1], p50;
	bool have = vcl_median_launch(s->step_ms, s->nstep, s->nsteps, med);

	for (unsigned i = 0; i < s->nstep; i++) {
		struct json_object *st = json_object_new_object();

		json_object_object_add(st, "step", json_object_new_string(s->step_name[i]));
		add_stats(st, "ms", s->step_ms[i], s->nsteps, true);
		if (have)
			json_object_object_add(st, "median_launch_ms",
					       json_object_new_double(med[i]));
		json_object_array_add(steps, st);
	}
	json_object_object_add(o, "steps_ms", steps);
	if (have && vcl_json_path_double(o, "startup_ms.p50", &p50) == 0)
		json_object_object_add(
		    o, "steps_check",
		    vcl_steps_check_json(s->step_ms, s->nstep, s->nsteps, s->step_total, p50, med));
}

static void write_series(struct vcl_bench *b, const struct series *s)
{
	struct json_object *o = vcl_bench_result_obj(b, s->ops), *ph;

	if (vcl_backend_is_vm(s->ops))
		json_object_object_add(o, "accelerator", json_object_new_string(b->spec.accel));
	json_object_object_add(o, "startup_failures", json_object_new_int((int)s->failures));
	if (s->n == 0)
		return;
	add_stats(o, "startup_ms", s->total_ms, s->n, true);
	ph = json_object_new_object();
	add_stats(ph, "create", s->create, s->n, false);
	if (s->nready > 0)
		add_stats(ph, "ready", s->ready, s->nready, false);
	add_stats(ph, "first_200", s->total_ms, s->n, false);
	if (s->nboot > 0) {
		add_stats(ph, "firmware", s->firmware, s->nboot, false);
		add_stats(ph, "kernel", s->kernel, s->nboot, false);
		add_stats(ph, "userspace", s->userspace, s->nboot, false);
	}
	json_object_object_add(o, "phases_ms", ph);
	if (s->nsteps > 0)
		write_steps(o, s);
}

/* calibration.aa: bare-aa over bare, the ratio two identical series give. */
static void write_aa(struct json_object *cal, const struct series *bare, const struct series *aa)
{
	struct json_object *o = json_object_new_object(), *ci;
	double r, lo, hi;

	json_object_object_add(o, "a", json_object_new_string(AA_LABEL));
	json_object_object_add(o, "b", json_object_new_string(bare->ops->name));
	if (vcl_ratio_ci(aa->total_ms, aa->n, bare->total_ms, bare->n, VCL_BOOTSTRAP_RESAMPLES,
			 VCL_BOOTSTRAP_SEED, &r, &lo, &hi)) {
		json_object_object_add(o, "ratio", json_object_new_double(r));
		ci = json_object_new_array();
		json_object_array_add(ci, json_object_new_double(lo));
		json_object_array_add(ci, json_object_new_double(hi));
		json_object_object_add(o, "ci95", ci);
	} else {
		json_object_object_add(o, "ratio", NULL);
		json_object_object_add(o, "ci95", NULL);
		json_object_object_add(o, "reason",
				       json_object_new_string("too few bare samples for a ratio"));
	}
	if (aa->n > 0)
		add_stats(o, "startup_ms", aa->total_ms, aa->n, true);
	json_object_object_add(cal, "aa", o);
}

/* calibration.probe_floor_ms: the same probe against an instance that
 * already listens (no READY wait): connect, GET /healthz, 200. */
static void probe_floor(struct vcl_bench *b, const struct vcl_backend_ops *ops,
			struct json_object *cal)
{
	struct vcl_instance *inst = NULL;
	struct vcl_error *e = NULL;
	double x[PROBE_FLOOR_RUNS];
	size_t n = 0;
	int ready_fd;

	if (vcl_bench_start(b, ops, &inst, &e) < 0) {
		json_object_object_add(cal, "probe_floor_ms", NULL);
		json_object_object_add(cal, "probe_floor_reason",
				       json_object_new_string(e->msg ? e->msg : "launch failed"));
		vcl_error_free(e);
		return;
	}
	ready_fd = inst->ready_fd;
	inst->ready_fd = -1;
	for (unsigned i = 0; i < PROBE_FLOOR_RUNS && !vcl_interrupted; i++) {
		inst->t.start = vcl_now_ns();
		if (vcl_probe_wait_for_bench(b, inst, &e) < 0) {
			vcl_error_freep(&e);
			break;
		}
		x[n++] = vcl_ns_to_ms(inst->t.first_200 - inst->t.start);
	}
	inst->ready_fd = ready_fd;
	vcl_bench_stop(b, inst);
	add_stats(cal, "probe_floor_ms", x, n, false);
	json_object_object_add(cal, "probe_floor_backend", json_object_new_string(ops->name));
}

static void write_calibration(struct run *rn, uint64_t seed)
{
	struct vcl_bench *b = rn->b;
	struct json_object *cal = vcl_json_obj(b->root, "calibration");
	struct json_object *order = vcl_json_obj(b->root, "order");
	const struct series *bare = NULL, *aa = NULL;

	for (unsigned i = 0; i < rn->ns; i++) {
		if (rn->s[i].aa)
			aa = &rn->s[i];
		else if (rn->s[i].ops->baseline)
			bare = &rn->s[i];
	}
	if (bare != NULL && aa != NULL)
		write_aa(cal, bare, aa);
	add_stats(cal, "settle_ms", rn->settle, rn->nsettle, false);
	json_object_object_add(cal, "settle_busy", json_object_new_int((int)rn->settle_busy));
	json_object_object_add(cal, "settle_max_ms", json_object_new_int(SETTLE_MAX_MS));
	json_object_object_add(order, "seed", json_object_new_uint64(seed));
	json_object_object_add(order, "rounds", json_object_new_int((int)rn->rounds));
	json_object_object_add(order, "shuffled", json_object_new_boolean(true));
}

static int plan(struct run *rn, struct vcl_error **err)
{
	struct vcl_bench *b = rn->b;
	const struct vcl_backend_ops *bare = NULL;

	for (unsigned i = 0; i < b->nactive; i++) {
		if (series_init(&rn->s[rn->ns++], b, b->active[i], false, err) < 0)
			return -1;
		if (b->active[i]->baseline)
			bare = b->active[i];
	}
	/* The A/A twin: bare measured twice, interleaved like any other. */
	if (bare != NULL && series_init(&rn->s[rn->ns++], b, bare, true, err) < 0)
		return -1;
	for (unsigned i = 0; i < rn->ns; i++) {
		if (rn->s[i].total > rn->rounds)
			rn->rounds = rn->s[i].total;
		b->steps_total += rn->s[i].total;
	}
	return 0;
}

static int startup_run(struct vcl_bench *b, struct vcl_error **err)
{
	struct run rn = {.b = b};
	uint64_t seed = b->seed;
	char path[600];
	int ret;

	snprintf(path, sizeof(path), "%s/samples.csv", b->out_dir);
	b->csv = fopen(path, "we");
	if (b->csv != NULL)
		fputs(
		    "backend,scenario,iteration,warmup,seq,round,slot,settle_ms,create_ms,ready_ms,"
		    "first_200_ms,status,error,firmware_ms,kernel_ms,userspace_ms\n",
		    b->csv);
	ret = plan(&rn, err);
	/* bare as a plain host process: no accounting cgroup on its way to
	 * exec (startup reads no bare cgroup). Every other scenario has it. */
	b->spec.accounting = false;
	if (ret == 0)
		ret = run_rounds(&rn, seed, err);
	if (ret == 0) {
		for (unsigned i = 0; i < rn.ns; i++)
			if (!rn.s[i].aa)
				write_series(b, &rn.s[i]);
		write_calibration(&rn, seed);
		for (unsigned i = 0; i < rn.ns; i++)
			if (rn.s[i].ops->baseline && !rn.s[i].aa) {
				probe_floor(b, rn.s[i].ops, vcl_json_obj(b->root, "calibration"));
				break;
			}
	}
	b->spec.accounting = true;
	for (unsigned i = 0; i < rn.ns; i++)
		series_free(&rn.s[i]);
	free(rn.settle);
	if (b->csv != NULL) {
		fclose(b->csv);
		b->csv = NULL;
	}
	return ret;
}

const struct vcl_scenario vcl_scenario_startup = {.name = "startup", .run = startup_run};

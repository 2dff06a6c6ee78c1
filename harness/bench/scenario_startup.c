/* SPDX-License-Identifier: MIT */
/*
 * Startup: N launches per placement and peer, interleaved round by round
 * (bare, ctr, vm, runc, ..., bare, ...) so that machine noise spreads over
 * all of them alike. Warm-up launches run the same way and are excluded.
 * t0 is taken just before the create call; phases are create returned,
 * READY line seen, first 200 from GET /healthz.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/stats.h"
#include "core/util.h"

#define MAX_CONSECUTIVE_FAILURES 3

struct series {
	double *total, *create, *ready;
	size_t n, nready;
	unsigned failures, consecutive;
	bool given_up;
};

static void add_stats(struct json_object *parent, const char *key, const double *x, size_t n,
		      bool with_samples)
{
	struct vcl_stats st;

	vcl_stats_compute(x, n, VCL_BOOTSTRAP_RESAMPLES, VCL_BOOTSTRAP_SEED, &st);
	json_object_object_add(parent, key, vcl_stats_json(&st, with_samples ? x : NULL, n));
}

static void csv_row(struct vcl_bench *b, const char *name, unsigned iter, bool warm,
		    const struct vcl_instance *inst, const struct vcl_error *e)
{
	if (b->csv == NULL)
		return;
	if (inst != NULL) {
		const struct vcl_phases *t = &inst->t;

		fprintf(b->csv, "%s,startup,%u,%d,%.4f,", name, iter, warm,
			vcl_ns_to_ms(t->created - t->start));
		if (t->ready != 0)
			fprintf(b->csv, "%.4f", vcl_ns_to_ms(t->ready - t->start));
		fprintf(b->csv, ",%.4f,ok,\n", vcl_ns_to_ms(t->first_200 - t->start));
	} else {
		/* Quote the message: it may hold commas. */
		fprintf(b->csv, "%s,startup,%u,%d,,,,error,\"", name, iter, warm);
		for (const char *p = e != NULL && e->msg ? e->msg : ""; *p != '\0'; p++)
			fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, b->csv);
		fputs("\"\n", b->csv);
	}
}

static int startup_run(struct vcl_bench *b, struct vcl_error **err)
{
	struct series s[VCL_MAX_ACTIVE];
	unsigned rounds = 0;
	char path[600];
	int ret = 0;

	memset(s, 0, sizeof(s));
	snprintf(path, sizeof(path), "%s/samples.csv", b->out_dir);
	b->csv = fopen(path, "we");
	if (b->csv != NULL)
		fputs("backend,scenario,iteration,warmup,create_ms,ready_ms,first_200_ms,status,"
		      "error\n",
		      b->csv);
	for (unsigned i = 0; i < b->nactive; i++) {
		unsigned total =
		    vcl_bench_warmup(b, b->active[i]) + vcl_bench_runs(b, b->active[i]);

		if (total > rounds)
			rounds = total;
		b->steps_total += total;
		s[i].total = calloc(total, sizeof(double));
		s[i].create = calloc(total, sizeof(double));
		s[i].ready = calloc(total, sizeof(double));
		if (s[i].total == NULL || s[i].create == NULL || s[i].ready == NULL) {
			ret = vcl_fail(err, ENOMEM, "Startup samples");
			goto out;
		}
	}

	for (unsigned r = 0; r < rounds && ret == 0; r++) {
		for (unsigned i = 0; i < b->nactive; i++) {
			const struct vcl_backend_ops *ops = b->active[i];
			unsigned warm = vcl_bench_warmup(b, ops);
			struct vcl_instance *inst = NULL;
			struct vcl_error *e = NULL;

			if (r >= warm + vcl_bench_runs(b, ops) || s[i].given_up)
				continue;
			if (vcl_bench_start(b, ops, &inst, &e) < 0) {
				csv_row(b, ops->name, r, r < warm, NULL, e);
				if (vcl_bench_fatal(e)) {
					*err = e;
					ret = -1;
					break;
				}
				vcl_bench_record_error(b, ops->name, "startup", e);
				vcl_error_free(e);
				s[i].failures++;
				if (++s[i].consecutive >= MAX_CONSECUTIVE_FAILURES) {
					s[i].given_up = true;
					fprintf(
					    stderr,
					    "vclab bench: %s: %d launches in a row failed; no more "
					    "%s launches in this scenario\n",
					    ops->name, MAX_CONSECUTIVE_FAILURES, ops->name);
				}
				vcl_bench_step(b, ops->name);
				continue;
			}
			s[i].consecutive = 0;
			csv_row(b, ops->name, r, r < warm, inst, NULL);
			if (r >= warm && s[i].total != NULL) {
				const struct vcl_phases *t = &inst->t;

				s[i].total[s[i].n] = vcl_ns_to_ms(t->first_200 - t->start);
				s[i].create[s[i].n] = vcl_ns_to_ms(t->created - t->start);
				s[i].n++;
				if (t->ready != 0)
					s[i].ready[s[i].nready++] =
					    vcl_ns_to_ms(t->ready - t->start);
			}
			vcl_bench_stop(b, inst);
			vcl_bench_step(b, ops->name);
		}
	}

	for (unsigned i = 0; i < b->nactive; i++) {
		struct json_object *o = vcl_bench_result_obj(b, b->active[i]), *ph;

		if (vcl_bench_is_vm(b->active[i]))
			json_object_object_add(o, "accelerator",
					       json_object_new_string(b->spec.accel));
		json_object_object_add(o, "startup_failures",
				       json_object_new_int((int)s[i].failures));
		if (s[i].n == 0)
			continue;
		add_stats(o, "startup_ms", s[i].total, s[i].n, true);
		ph = json_object_new_object();
		add_stats(ph, "create", s[i].create, s[i].n, false);
		if (s[i].nready > 0)
			add_stats(ph, "ready", s[i].ready, s[i].nready, false);
		add_stats(ph, "first_200", s[i].total, s[i].n, false);
		json_object_object_add(o, "phases_ms", ph);
	}
out:
	for (unsigned i = 0; i < b->nactive; i++) {
		free(s[i].total);
		free(s[i].create);
		free(s[i].ready);
	}
	if (b->csv != NULL) {
		fclose(b->csv);
		b->csv = NULL;
	}
	return ret;
}

const struct vcl_scenario vcl_scenario_startup = {.name = "startup", .run = startup_run};

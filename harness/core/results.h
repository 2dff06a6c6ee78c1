/* SPDX-License-Identifier: MIT */
#ifndef VCL_RESULTS_H
#define VCL_RESULTS_H

/*
 * results.json: the contract between measuring (bench) and judging
 * (report, advise, check). docs/results.md documents the schema,
 * docs/results.schema.json is its JSON Schema.
 *
 *   schema        "vclab.results/1"
 *   run_id, started, finished (ISO 8601 UTC), complete (bool), incomplete_reason
 *   host          doctor's facts: accelerator, cgroup, cpus, mem_mib, cpu_model, ...
 *   config        profile, runs, warmup, scenarios, backends, peers, limits, pinning
 *   backends.<b>  startup_ms {n,p50,p90,p95,p99,mean,stddev,cv,min,max,mad,ci95,samples}
 *                 phases_ms {create,ready,first_200} (same stats objects), and
 *                 for VM boots {firmware,kernel,userspace} (docs/vm.md)
 *                 memory, density, autoscale, steady (scenarios issue)
 *                 accelerator (vm only)
 *   peers.<p>     family, startup_ms {...} | skipped + reason
 */

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/stats.h"

#define VCL_RESULTS_SCHEMA "vclab.results/1"

/* A json-c object this scope holds one reference to: dropped on exit.
 * Ownership leaves by steal_ptr(). */
static inline void vcl_json_putp(struct json_object **o)
{
	if (*o != NULL)
		json_object_put(*o);
	*o = NULL;
}
#define cleanup_json __attribute__((cleanup(vcl_json_putp)))

/* {n,p50,...,ci95:[lo,hi],samples:[...]} from samples (samples may be NULL). */
struct json_object *vcl_stats_json(const struct vcl_stats *st, const double *samples, size_t n);
/* steps_check (docs/results.md) of launch steps x[k][i] (k < nk steps,
 * i < n launches, as vcl_steps_gap takes them): how many launches' steps
 * add up to their own startup total[i] (tiled, within 1 ns); the step
 * medians' sum against startup_p50 (gap_pct, signed, with the bootstrap
 * 95% CI of vcl_steps_gap; off_pct its size, with the CI of the size);
 * the sum of med[] (nk values, vcl_median_launch). Pure. */
struct json_object *vcl_steps_check_json(double *const *x, size_t nk, size_t n, const double *total,
					 double startup_p50, const double *med);

/* Write root as DIR/results.json atomically (temp + fsync + rename). */
int vcl_results_write(const char *dir, struct json_object *root, struct vcl_error **err);

/* Parse JSON text; name is used in messages. Pure. */
int vcl_json_parse_buffer(const char *name, const char *text, size_t len, struct json_object **out,
			  struct vcl_error **err);
/* Parse a JSON file. Errors say "FILE:LINE:COL: message" (VCL_E_USAGE). */
int vcl_json_load(const char *path, struct json_object **out, struct vcl_error **err);
/* Parse results.json text and check it with the typed reader
 * (core/results_read.h): schema "vclab.results/1" and every key's type, so
 * no caller sees a wrongly typed value. Errors are one line,
 * "NAME:LINE:COL: key.path: expected object, got string" (VCL_E_USAGE);
 * unknown keys are warnings to warn (NULL: silent). */
int vcl_results_parse_buffer(const char *name, const char *text, size_t len, FILE *warn,
			     struct json_object **out, struct vcl_error **err);
/* The same for a file, warnings to stderr: what every reader (report,
 * advise, check, baseline) loads results with. */
int vcl_results_load(const char *path, struct json_object **out, struct vcl_error **err);

/* Look up a dotted path ("backends.ctr.startup_ms.p50") to an object/value;
 * NULL when any step is missing. Array steps take a number ("bursts.0"). */
struct json_object *vcl_json_path(struct json_object *root, const char *dotted);
/* The number at a dotted path: 0 on success, -1 when missing or not a number. */
int vcl_json_path_double(struct json_object *root, const char *dotted, double *out);

/* Ensure root.<key> is an object and return it (creating it when absent). */
struct json_object *vcl_json_obj(struct json_object *parent, const char *key);

/* "2026-11-24T22:30:00Z" for now. */
void vcl_iso8601_now(char *buf, size_t len);

#endif

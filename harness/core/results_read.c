/* SPDX-License-Identifier: MIT */
#include "core/results_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/jsonpos.h"
#include "core/results.h"
#include "core/util.h"

/* A path being followed: its steps, with room for array indices. */
struct jpath {
	const char *step[VCL_JSONPOS_MAX_DEPTH];
	char index[VCL_JSONPOS_MAX_DEPTH][24];
	size_t n;
};

/* Unknown keys reported one by one before the rest are only counted. */
#define MAX_UNKNOWN_WARNINGS 10

static bool push(struct jpath *p, const char *key)
{
	if (p->n >= VCL_JSONPOS_MAX_DEPTH)
		return false;
	p->step[p->n++] = key;
	return true;
}

static bool push_index(struct jpath *p, size_t i)
{
	if (p->n >= VCL_JSONPOS_MAX_DEPTH)
		return false;
	snprintf(p->index[p->n], sizeof(p->index[p->n]), "%zu", i);
	p->step[p->n] = p->index[p->n];
	p->n++;
	return true;
}

static void join(const struct jpath *p, size_t n, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i > 0 ? "." : "", p->step[i]);

		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* "NAME:LINE:COL" of the value at the first n steps (the deepest part of it
 * that exists), or "NAME" when the text cannot be followed. */
static void where(const struct vcl_jdoc *d, const struct jpath *p, size_t n, char *buf, size_t len)
{
	size_t off, line, col;

	if (d->text == NULL || vcl_json_locate(d->text, d->len, p->step, n, &off) < 0) {
		snprintf(buf, len, "%s", d->name);
		return;
	}
	vcl_text_line_col(d->text, d->len, off, &line, &col);
	snprintf(buf, len, "%s:%zu:%zu", d->name, line, col);
}

static const char *type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

static void expect_text(unsigned expect, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {VCL_JT_OBJECT, "object"},	 {VCL_JT_ARRAY, "array"},   {VCL_JT_NUMBER, "number"},
	    {VCL_JT_INTEGER, "integer"}, {VCL_JT_STRING, "string"}, {VCL_JT_BOOL, "boolean"},
	    {VCL_JT_NULL, "null"},
	};
	size_t at = 0;
	unsigned seen = 0, total = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		total += (expect & names[i].bit) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names) && at < len; i++) {
		int w;

		if ((expect & names[i].bit) == 0)
			continue;
		seen++;
		w = snprintf(buf + at, len - at, "%s%s",
			     seen == 1 ? "" : (seen == total ? " or " : ", "), names[i].name);
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

static bool type_ok(struct json_object *v, unsigned expect)
{
	double x;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return (expect & VCL_JT_NULL) != 0;
	case json_type_boolean:
		return (expect & VCL_JT_BOOL) != 0;
	case json_type_int:
		return (expect & (VCL_JT_NUMBER | VCL_JT_INTEGER)) != 0;
	case json_type_double:
		if ((expect & VCL_JT_NUMBER) != 0)
			return true;
		x = json_object_get_double(v);
		return (expect & VCL_JT_INTEGER) != 0 && isfinite(x) && x == floor(x);
	case json_type_object:
		return (expect & VCL_JT_OBJECT) != 0;
	case json_type_array:
		return (expect & VCL_JT_ARRAY) != 0;
	case json_type_string:
		return (expect & VCL_JT_STRING) != 0;
	}
	return false;
}

/* The one line for a value of the wrong type at the path p. */
static int mismatch(const struct vcl_jdoc *d, const struct jpath *p, struct json_object *v,
		    unsigned expect, struct vcl_error **err)
{
	char at[512], path[512], want[96];

	where(d, p, p->n, at, sizeof(at));
	join(p, p->n, path, sizeof(path));
	expect_text(expect, want, sizeof(want));
	return vcl_error_set(err, VCL_E_USAGE, 0, "%s: %s: expected %s, got %s", at,
			     p->n > 0 ? path : "(document)", want, type_name(v));
}

/* A required key that is absent: positioned at the object that lacks it. */
static int missing(const struct vcl_jdoc *d, const struct jpath *p, unsigned expect,
		   struct vcl_error **err)
{
	char at[512], path[512], want[96];

	where(d, p, p->n > 0 ? p->n - 1 : 0, at, sizeof(at));
	join(p, p->n, path, sizeof(path));
	expect_text(expect & ~VCL_JT_REQUIRED, want, sizeof(want));
	return vcl_error_set(err, VCL_E_USAGE, 0, "%s: %s: required key missing (expected %s)", at,
			     path, want);
}

static int too_deep(const struct vcl_jdoc *d, struct vcl_error **err)
{
	return vcl_error_set(err, VCL_E_USAGE, 0, "%s: nested deeper than %d levels", d->name,
			     VCL_JSONPOS_MAX_DEPTH);
}

int vcl_jdoc_get(const struct vcl_jdoc *d, const char *dotted, unsigned expect,
		 struct json_object **out, struct vcl_error **err)
{
	char keys[512];
	struct jpath p = {.n = 0};
	struct json_object *cur = d->root;
	char *s = keys, *dot;

	*out = NULL;
	if (strlen(dotted) >= sizeof(keys))
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s: path too long: %s", d->name, dotted);
	memcpy(keys, dotted, strlen(dotted) + 1);
	while (*s != '\0') {
		struct json_object *next = NULL;
		bool found;

		dot = strchr(s, '.');
		if (dot != NULL)
			*dot = '\0';
		/* Every step but the value itself must lead into an object or
		 * (with a number) an array. */
		if (json_object_is_type(cur, json_type_array)) {
			uint64_t i;

			found = vcl_parse_u64(s, 0, SIZE_MAX, &i) == 0 &&
				i < json_object_array_length(cur);
			if (found)
				next = json_object_array_get_idx(cur, (size_t)i);
		} else if (json_object_is_type(cur, json_type_object)) {
			found = json_object_object_get_ex(cur, s, &next);
		} else {
			return mismatch(d, &p, cur, VCL_JT_OBJECT, err);
		}
		if (!push(&p, s))
			return too_deep(d, err);
		if (!found)
			return (expect & VCL_JT_REQUIRED) != 0 ? missing(d, &p, expect, err) : 0;
		cur = next;
		if (dot == NULL)
			break;
		s = dot + 1;
	}
	if (!type_ok(cur, expect))
		return mismatch(d, &p, cur, expect, err);
	*out = cur;
	return 1;
}

int vcl_jdoc_double(const struct vcl_jdoc *d, const char *dotted, unsigned expect, double *out,
		    struct vcl_error **err)
{
	struct json_object *v = NULL;
	int r = vcl_jdoc_get(d, dotted, expect, &v, err);

	if (r > 0 && v != NULL)
		*out = json_object_get_double(v);
	return r;
}

int vcl_jdoc_string(const struct vcl_jdoc *d, const char *dotted, unsigned expect, const char **out,
		    struct vcl_error **err)
{
	struct json_object *v = NULL;
	int r = vcl_jdoc_get(d, dotted, expect, &v, err);

	if (r > 0 && v != NULL)
		*out = json_object_get_string(v);
	return r;
}

struct walk {
	const struct vcl_jdoc *d;
	struct jpath p;
	unsigned unknown;
};

static void unknown_key(struct walk *w)
{
	char at[512], path[512];

	if (w->d->warn == NULL || ++w->unknown > MAX_UNKNOWN_WARNINGS)
		return;
	where(w->d, &w->p, w->p.n, at, sizeof(at));
	join(&w->p, w->p.n, path, sizeof(path));
	fprintf(w->d->warn, "%s: warning: %s: unknown key, ignored (written by a newer vclab?)\n",
		at, path);
}

static const struct vcl_jrule *find_rule(const struct vcl_jrule *rules, const char *key)
{
	const struct vcl_jrule *any = NULL;

	for (const struct vcl_jrule *r = rules; r->key != NULL; r++) {
		if (strcmp(r->key, key) == 0)
			return r;
		if (strcmp(r->key, "*") == 0)
			any = r;
	}
	return any;
}

static int check_members(struct walk *w, struct json_object *obj, const struct vcl_jrule *rules,
			 struct vcl_error **err);

static int check_value(struct walk *w, struct json_object *v, unsigned type,
		       const struct vcl_jrule *sub, struct vcl_error **err)
{
	const struct vcl_jrule *item;

	if (!type_ok(v, type))
		return mismatch(w->d, &w->p, v, type, err);
	if (sub == NULL || v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_object))
		return check_members(w, v, sub, err);
	if (!json_object_is_type(v, json_type_array))
		return 0;
	item = find_rule(sub, "[]");
	if (item == NULL)
		return 0;
	for (size_t i = 0, n = json_object_array_length(v); i < n; i++) {
		if (!push_index(&w->p, i))
			return too_deep(w->d, err);
		if (check_value(w, json_object_array_get_idx(v, i), item->type, item->sub, err) < 0)
			return -1;
		w->p.n--;
	}
	return 0;
}

static int check_members(struct walk *w, struct json_object *obj, const struct vcl_jrule *rules,
			 struct vcl_error **err)
{
	json_object_object_foreach(obj, key, val)
	{
		const struct vcl_jrule *r = find_rule(rules, key);

		if (!push(&w->p, key))
			return too_deep(w->d, err);
		if (r == NULL)
			unknown_key(w);
		else if (check_value(w, val, r->type, r->sub, err) < 0)
			return -1;
		w->p.n--;
	}
	for (const struct vcl_jrule *r = rules; r->key != NULL; r++) {
		if ((r->type & VCL_JT_REQUIRED) == 0 ||
		    json_object_object_get_ex(obj, r->key, NULL))
			continue;
		if (!push(&w->p, r->key))
			return too_deep(w->d, err);
		return missing(w->d, &w->p, r->type, err);
	}
	return 0;
}

int vcl_jdoc_check(const struct vcl_jdoc *d, const struct vcl_jrule *rules, struct vcl_error **err)
{
	struct walk w = {.d = d};

	if (check_value(&w, d->root, VCL_JT_OBJECT, rules, err) < 0)
		return -1;
	if (d->warn != NULL && w.unknown > MAX_UNKNOWN_WARNINGS)
		fprintf(d->warn, "%s: warning: %u more unknown keys ignored\n", d->name,
			w.unknown - MAX_UNKNOWN_WARNINGS);
	return 0;
}

/*
 * The shape of vclab.results/1, from what the writer produces (core/host.c,
 * bench/bench.c, bench/scenario_*.c, core/results.c's statistics object).
 * docs/results.schema.json is the same for outside validators; change both
 * together. Measured values may be null (a reading that failed), settings
 * and host facts may not.
 */
#define NUM  (VCL_JT_NUMBER | VCL_JT_NULL)
#define INT  VCL_JT_INTEGER
#define STR  VCL_JT_STRING
#define BOOL VCL_JT_BOOL
#define OBJ  VCL_JT_OBJECT
#define ARR  VCL_JT_ARRAY
#define REQ  VCL_JT_REQUIRED

static const struct vcl_jrule numbers[] = {{"[]", NUM, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule strings[] = {{"[]", STR, NULL}, {NULL, 0, NULL}};

static const struct vcl_jrule stats[] = {
    {"n", INT, NULL},		{"p50", NUM, NULL},	   {"p90", NUM, NULL},
    {"p95", NUM, NULL},		{"p99", NUM, NULL},	   {"mean", NUM, NULL},
    {"stddev", NUM, NULL},	{"cv", NUM, NULL},	   {"min", NUM, NULL},
    {"max", NUM, NULL},		{"mad", NUM, NULL},	   {"ci95", ARR | VCL_JT_NULL, numbers},
    {"ci95_reason", STR, NULL}, {"samples", ARR, numbers}, {NULL, 0, NULL},
};

static const struct vcl_jrule host[] = {
    {"hostname", STR, NULL},
    {"cpu_model", STR, NULL},
    {"packages", INT, NULL},
    {"cores", INT, NULL},
    {"cpus", INT, NULL},
    {"mem_mib", INT, NULL},
    {"kernel", STR, NULL},
    {"cgroup", STR, NULL},
    {"accelerator", STR, NULL},
    {"accel_reason", STR, NULL},
    {"libvirt_version", STR, NULL},
    {"qemu_version", STR, NULL},
    {"libvirt_ok", BOOL, NULL},
    {"libvirt_reason", STR, NULL},
    {"virtlogd_ok", BOOL, NULL},
    {"virtlogd_reason", STR, NULL},
    {"gnuplot", BOOL, NULL},
    {"class", STR, NULL}, /* bench --host-class */
    {NULL, 0, NULL},
};

static const struct vcl_jrule limits[] = {
    {"mem_mib", INT, NULL}, {"cpus", VCL_JT_NUMBER, NULL}, {"pids", INT, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule pinning[] = {{"layout", STR, NULL},
					   {"workload_cpus", STR, NULL},
					   {"harness_cpus", STR, NULL},
					   {NULL, 0, NULL}};
static const struct vcl_jrule config_vm[] = {{"vcpus", INT, NULL},
					     {"mem_mib", INT, NULL},
					     {"net", STR, NULL},
					     {"accelerator", STR, NULL},
					     {NULL, 0, NULL}};
static const struct vcl_jrule config[] = {
    {"profile", STR, NULL},
    {"runs", INT, NULL},
    {"warmup", INT, NULL},
    {"vm_runs", INT, NULL},
    {"vm_warmup", INT, NULL},
    {"scenarios", ARR, strings},
    {"backends", ARR, strings},
    {"peers", ARR, strings},
    {"limits", OBJ, limits},
    {"pinning", OBJ, pinning},
    {"vm", OBJ, config_vm},
    {"ctr_userns", BOOL, NULL},
    {"ctr_seccomp", BOOL, NULL},
    {"security", STR, NULL},	    /* cri | strict */
    {"gvisor_platform", STR, NULL}, /* auto | systrap | kvm | ptrace */
    {"cache", STR, NULL},
    {"services", ARR, strings}, /* --services: the file's names in order */
    {"services_file", STR, NULL},
    {"manifests", ARR, strings}, /* --manifest: the files */
    {NULL, 0, NULL},
};

/* VM boots add firmware, kernel and userspace (docs/vm.md, "Boot phases"). */
static const struct vcl_jrule phases[] = {
    {"create", OBJ, stats},   {"ready", OBJ, stats},  {"first_200", OBJ, stats},
    {"firmware", OBJ, stats}, {"kernel", OBJ, stats}, {"userspace", OBJ, stats},
    {NULL, 0, NULL}};

/* A placement's own launch steps, in order (docs/results.md). */
static const struct vcl_jrule step[] = {{"step", STR | REQ, NULL},
					{"ms", OBJ | REQ, stats},
					{"median_launch_ms", NUM, NULL},
					{NULL, 0, NULL}};
static const struct vcl_jrule steps[] = {{"[]", OBJ, step}, {NULL, 0, NULL}};
/* How they add up: per launch (tiled) and as medians (docs/ctr.md). */
static const struct vcl_jrule steps_check[] = {
    {"launches", INT, NULL},
    {"tiled", INT, NULL},
    {"sum_of_medians_ms", NUM, NULL},
    {"median_launch_ms", NUM, NULL},
    {"startup_p50_ms", NUM, NULL},
    {"gap_pct", NUM, NULL},
    {"gap_pct_ci95", ARR | VCL_JT_NULL, numbers},
    {"off_pct", NUM, NULL},
    {"off_pct_ci95", ARR | VCL_JT_NULL, numbers},
    {NULL, 0, NULL},
};

static const struct vcl_jrule daemons[] = {
    {"libvirtd_pss_kib_before", NUM, NULL},
    {"libvirtd_pss_kib_before_reason", STR, NULL},
    {"libvirtd_pss_kib_during", NUM, NULL},
    {"libvirtd_pss_kib_during_reason", STR, NULL},
    {"virtlogd_pss_kib_before", NUM, NULL},
    {"virtlogd_pss_kib_before_reason", STR, NULL},
    {"virtlogd_pss_kib_during", NUM, NULL},
    {"virtlogd_pss_kib_during_reason", STR, NULL},
    {"growth_per_vm_kib", NUM, NULL},
    {"growth_per_vm_kib_reason", STR, NULL},
    {"growth_covers", ARR, strings},
    /* the docker peer's daemons (ctr/engine.c), growth per container */
    {"dockerd_pss_kib_before", NUM, NULL},
    {"dockerd_pss_kib_before_reason", STR, NULL},
    {"dockerd_pss_kib_during", NUM, NULL},
    {"dockerd_pss_kib_during_reason", STR, NULL},
    {"containerd_pss_kib_before", NUM, NULL},
    {"containerd_pss_kib_before_reason", STR, NULL},
    {"containerd_pss_kib_during", NUM, NULL},
    {"containerd_pss_kib_during_reason", STR, NULL},
    {"growth_per_instance_kib", NUM, NULL},
    {"growth_per_instance_kib_reason", STR, NULL},
    {NULL, 0, NULL},
};

static const struct vcl_jrule memory[] = {
    {"instances", INT, NULL},
    {"sampled", INT, NULL},
    {"covers", STR, NULL},
    {"daemons", OBJ, daemons},
    {"cgroup_kib_reason", STR, NULL},
    {"kmem_kib_reason", STR, NULL},
    {"payload_kib_reason", STR, NULL},
    {"overhead_kib_reason", STR, NULL},
    {"pss_kib", NUM, NULL},
    {"rss_kib", NUM, NULL},
    {"processes", INT, NULL},	   /* most host processes one sample summed */
    {"processes_note", STR, NULL}, /* VMs: processes counts QEMU */
    {"cgroup_kib", NUM, NULL},
    {"kmem_kib", NUM, NULL},
    {"memavail_drop_kib", NUM, NULL},
    {"memavail_noise_kib", NUM, NULL},
    {"memavail_resolved", BOOL, NULL},
    {"payload_kib", NUM, NULL},
    {"overhead_kib", NUM, NULL},
    {"overhead_memavail_kib", NUM, NULL},
    {"helpers_pss_kib", NUM, NULL}, /* engine peers: conmon, containerd-shim */
    {NULL, 0, NULL},
};

static const struct vcl_jrule burst[] = {
    {"k", INT, NULL},
    {"instances", INT, NULL},
    {"ready_ms", NUM, NULL},
    {"mem_per_instance_kib", NUM, NULL},
    {"mem_per_instance_kib_reason", STR, NULL},
    {"memavail_drop_per_instance_kib", NUM, NULL},
    {"cpu_cores", NUM, NULL},
    {"t_s", NUM, NULL},
    {"healthy", INT, NULL},
    {"load_errors", INT, NULL},
    {"load_p50_ms", NUM, NULL},
    {"load_p99_ms", NUM, NULL},
    {"harness_ms", NUM, NULL}, /* the harness's own time around the burst */
    {"sampled", INT, NULL},    /* instances read for its footprint */
    {NULL, 0, NULL},
};
static const struct vcl_jrule bursts[] = {{"[]", OBJ, burst}, {NULL, 0, NULL}};

static const struct vcl_jrule ksm_point[] = {
    {"t_s", NUM, NULL},
    {"per_instance_kib", NUM, NULL},
    {"per_instance_kib_reason", STR, NULL},
    {"pages_sharing", INT, NULL},
    {NULL, 0, NULL},
};
static const struct vcl_jrule ksm_burndown[] = {{"[]", OBJ, ksm_point}, {NULL, 0, NULL}};
static const struct vcl_jrule ksm[] = {
    {"mode", STR, NULL},
    {"mergeable_kib", NUM, NULL},
    {"mergeable_kib_reason", STR, NULL},
    {"pages_sharing", INT, NULL},
    {"pages_shared", INT, NULL},
    {"full_scans", INT, NULL},
    {"settle_s", NUM, NULL},
    {"settled", BOOL, NULL},
    {"ksmd_cpu_s", NUM, NULL},
    {"ksmd_cpu_s_reason", STR, NULL},
    {"per_instance_kib_on", NUM, NULL},
    {"per_instance_kib_on_reason", STR, NULL},
    {"per_instance_kib_off", NUM, NULL},
    {"per_instance_kib_off_reason", STR, NULL},
    {"burndown", ARR, ksm_burndown},
    {NULL, 0, NULL},
};

static const struct vcl_jrule density[] = {
    {"max_instances", INT, NULL},
    {"launched", INT, NULL},
    {"budget_mib", INT, NULL},
    {"used_mib", NUM, NULL},
    {"memavail_drop_mib", NUM, NULL},
    {"instances_per_gib", NUM, NULL},
    {"scaleout_per_s", NUM, NULL},
    {"stop_reason", STR, NULL},
    {"bursts", ARR, bursts},
    {"used_mib_reason", STR, NULL},
    {"instances_per_gib_reason", STR, NULL},
    {"stop_detail", STR, NULL},
    {"nofile_limit", INT, NULL},
    {"pids_limit", INT, NULL},
    {"pids_per_instance", NUM, NULL},
    {"fds_per_instance", NUM, NULL},
    {"seconds", NUM, NULL},
    {"load_rps", NUM, NULL},
    {"ksm", OBJ, ksm},
    {"used_mib_sampled", NUM, NULL}, /* the last burst's estimate */
    {"final_health_s", NUM, NULL},
    {"teardown_s", NUM, NULL},
    {"cgroup_kernel_kib_start", NUM, NULL},
    {"cgroup_kernel_kib_end", NUM, NULL},
    {"cgroup_kernel_kib_start_reason", STR, NULL},
    {"cgroup_kernel_kib_end_reason", STR, NULL},
    {NULL, 0, NULL},
};

static const struct vcl_jrule autoscale[] = {
    {"threshold", VCL_JT_NUMBER, NULL}, {"cpu_limit", VCL_JT_NUMBER, NULL},
    {"sample_ms", INT, NULL},		{"reaction_ms", OBJ, stats},
    {"detect_ms", OBJ, stats},		{NULL, 0, NULL},
};

static const struct vcl_jrule latency[] = {{"p50", NUM, NULL}, {"p90", NUM, NULL},
					   {"p99", NUM, NULL}, {"p999", NUM, NULL},
					   {"max", NUM, NULL}, {NULL, 0, NULL}};

/* One load generator's result; steady.wrk is the same from wrk. */
#define STEADY_KEYS                                                                                \
	{"tool", STR, NULL}, {"path", STR, NULL}, {"concurrency", INT, NULL},                      \
	    {"duration_s", NUM, NULL}, {"requests", INT, NULL}, {"errors", INT, NULL},             \
	    {"rps", NUM, NULL}, {"mode", STR, NULL}, {"latency_from", STR, NULL},                  \
	    {"target_rps", NUM, NULL}, {"scheduled", INT, NULL}, {"unfinished", INT, NULL},        \
	    {"think_ms", NUM, NULL}, {"connect_phase", OBJ, connect_phase},                        \
	{                                                                                          \
		"lat_ms", OBJ, latency                                                             \
	}
/* The load generator's connect phase, and the burst of connections before
 * the load (bench/loadgen.h). */
static const struct vcl_jrule connect_phase[] = {
    {"ms", NUM, NULL}, {"slowest_ms", NUM, NULL}, {"errors", INT, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule connect_burst[] = {{"connections", INT, NULL},
						 {"failed", INT, NULL},
						 {"fastest_ms", NUM, NULL},
						 {"slowest_ms", NUM, NULL},
						 {"host_syn_retrans", INT, NULL},
						 {"host_listen_drops", INT, NULL},
						 {NULL, 0, NULL}};
static const struct vcl_jrule steady_wrk[] = {STEADY_KEYS, {NULL, 0, NULL}};
static const struct vcl_jrule steady[] = {STEADY_KEYS,
					  {"wrk", OBJ, steady_wrk},
					  {"wrk_paced", OBJ, steady_wrk},
					  {"connect_burst", OBJ, connect_burst},
					  {"open_loop", OBJ, steady_wrk},
					  {"skipped", BOOL, NULL}, /* a service without load: */
					  {"reason", STR, NULL},
					  {NULL, 0, NULL}};

/* The resource scenarios (bench/resources.c, issue 29): cpu, membw, disk,
 * net. runs[]: one object of figures per launch; tool: the tool, its
 * version, its exact command lines and the storage or path in words;
 * metrics.<figure>: the runs' statistics, its better direction, and its
 * ratio to bare's with the bootstrap CI. */
static const struct vcl_jrule res_figures[] = {{"*", NUM, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule res_runs[] = {{"[]", OBJ, res_figures}, {NULL, 0, NULL}};
/* The disk scenario's tool.direct and tool.direct_why: one entry per fio
 * target (read, scratch, overlay). */
static const struct vcl_jrule res_targets[] = {{"*", STR | BOOL, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule res_tool[] = {{"direct", OBJ, res_targets},
					    {"direct_why", OBJ, res_targets},
					    {"*", STR | BOOL | ARR, NULL},
					    {NULL, 0, NULL}};
static const struct vcl_jrule res_ratio[] = {
    {"ratio", NUM, NULL},
    {"ci95", ARR | VCL_JT_NULL, numbers},
    {"verdict", STR, NULL},
    {NULL, 0, NULL},
};
static const struct vcl_jrule res_metric[] = {
    {"n", INT, NULL},		{"p50", NUM, NULL},	   {"p90", NUM, NULL},
    {"p95", NUM, NULL},		{"p99", NUM, NULL},	   {"mean", NUM, NULL},
    {"stddev", NUM, NULL},	{"cv", NUM, NULL},	   {"min", NUM, NULL},
    {"max", NUM, NULL},		{"mad", NUM, NULL},	   {"ci95", ARR | VCL_JT_NULL, numbers},
    {"ci95_reason", STR, NULL}, {"samples", ARR, numbers}, {"better", STR, NULL},
    {"x_bare", OBJ, res_ratio}, {NULL, 0, NULL},
};
static const struct vcl_jrule res_metrics[] = {{"*", OBJ, res_metric}, {NULL, 0, NULL}};
static const struct vcl_jrule resource[] = {
    {"runs", ARR, res_runs}, {"tool", OBJ, res_tool}, {"metrics", OBJ, res_metrics},
    {"skipped", BOOL, NULL}, {"reason", STR, NULL},   {NULL, 0, NULL},
};

/* The engine peers (podman, docker; ctr/engine.c). */
static const struct vcl_jrule engine[] = {
    {"version", STR, NULL},	 {"runtime", STR, NULL}, {"image", STR, NULL},
    {"network", STR, NULL},	 {"helper", STR, NULL},	 {"daemons", STR, NULL},
    {"image_source", STR, NULL}, {NULL, 0, NULL},
};
static const struct vcl_jrule adjustment[] = {
    {"what", STR, NULL},   {"engine_default", STR, NULL}, {"set", STR, NULL},
    {"option", STR, NULL}, {"reason", STR, NULL},	  {NULL, 0, NULL},
};
static const struct vcl_jrule adjustments[] = {{"[]", OBJ, adjustment}, {NULL, 0, NULL}};

/* backends.<b>.isolation: the isolation probe's object (payload/isoprobe.h,
 * docs/isolation.md) and, for containers, what containerd forbids that it
 * could still do. */
static const struct vcl_jrule iso_caps[] = {{"effective", ARR, strings},
					    {"permitted", ARR, strings},
					    {"bounding", ARR, strings},
					    {NULL, 0, NULL}};
static const struct vcl_jrule iso_call[] = {
    {"result", STR, NULL}, {"errno", STR | VCL_JT_NULL, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule iso_calls[] = {{"*", OBJ, iso_call}, {NULL, 0, NULL}};
static const struct vcl_jrule iso_pids[] = {{"visible", INT, NULL},
					    {"self", INT, NULL},
					    {"host_pid", INT | VCL_JT_NULL, NULL},
					    {"host_pid_visible", BOOL | VCL_JT_NULL, NULL},
					    {NULL, 0, NULL}};
static const struct vcl_jrule iso_net[] = {{"interfaces", ARR, strings}, {NULL, 0, NULL}};
static const struct vcl_jrule iso_masked[] = {{"*", STR, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule iso_paths[] = {
    {"kallsyms", STR, NULL},
    {"sys_kernel_entries", INT, NULL},
    {"sys_writable", BOOL | VCL_JT_NULL, NULL},
    {"proc_sys_writable", BOOL | VCL_JT_NULL, NULL},
    {"sysrq_trigger_writable", BOOL | VCL_JT_NULL, NULL},
    {"masked", OBJ, iso_masked},
    {NULL, 0, NULL},
};
static const struct vcl_jrule iso_devices[] = {
    {"names", ARR, strings}, {"char", INT, NULL}, {"block", INT, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule iso_kernel[] = {{"release", STR, NULL},
					      {"version", STR, NULL},
					      {"boot_id", STR, NULL},
					      {"host_kernel", BOOL | VCL_JT_NULL, NULL},
					      {NULL, 0, NULL}};
static const struct vcl_jrule isolation[] = {
    {"probe", STR, NULL},	   {"pid1_is_self", BOOL, NULL},      {"uid", INT, NULL},
    {"caps", OBJ, iso_caps},	   {"no_new_privs", BOOL, NULL},      {"seccomp", STR, NULL},
    {"syscalls", OBJ, iso_calls},  {"pids", OBJ, iso_pids},	      {"net", OBJ, iso_net},
    {"paths", OBJ, iso_paths},	   {"devices", OBJ, iso_devices},     {"kernel", OBJ, iso_kernel},
    {"cri_violations", INT, NULL}, {"cri_violations_are", STR, NULL}, {NULL, 0, NULL},
};

/* backends.gvisor.platform_why: why each platform tried before the one
 * that ran did not, by platform name. */
static const struct vcl_jrule why_by_name[] = {{"*", STR, NULL}, {NULL, 0, NULL}};

/* backends.<placement> and peers.<name>: one shape (peers say their family). */
static const struct vcl_jrule entry[] = {
    {"family", STR, NULL},
    {"skipped", BOOL, NULL},
    {"reason", STR, NULL},
    {"accelerator", STR, NULL},
    /* gvisor (ctr/gvisor.c, docs/gvisor.md) */
    {"platform", STR, NULL},
    {"platform_why", OBJ, why_by_name},
    {"platform_asked", STR, NULL},
    {"network", STR, NULL},
    {"network_why", STR, NULL},
    {"runsc", STR, NULL},
    {"startup_failures", INT, NULL},
    {"startup_ms", OBJ, stats},
    {"phases_ms", OBJ, phases},
    {"steps_ms", ARR, steps},
    {"steps_check", OBJ, steps_check},
    {"memory", OBJ, memory},
    {"density", OBJ, density},
    {"autoscale", OBJ, autoscale},
    {"steady", OBJ, steady},
    {"isolation", OBJ, isolation},
    {"cpu", OBJ, resource},
    {"membw", OBJ, resource},
    {"disk", OBJ, resource},
    {"net", OBJ, resource},
    {"engine", OBJ, engine},
    {"adjustments", ARR, adjustments},
    {NULL, 0, NULL},
};
static const struct vcl_jrule entries[] = {{"*", OBJ, entry}, {NULL, 0, NULL}};

static const struct vcl_jrule error_item[] = {
    {"backend", STR | REQ, NULL},
    {"scenario", STR | REQ, NULL},
    {"kind", STR | REQ, NULL},
    {"message", STR | REQ, NULL},
    {"service", STR, NULL}, /* services.<name> it belongs to, for a user's service */
    {NULL, 0, NULL},
};
static const struct vcl_jrule errors[] = {{"[]", OBJ, error_item}, {NULL, 0, NULL}};

/* A ratio a/b of startup medians with its bootstrap CI (core/compare.c),
 * and calibration.aa, bare's A/A twin over bare (bench/scenario_startup.c). */
static const struct vcl_jrule comparison[] = {
    {"metric", STR, NULL},
    {"a", STR, NULL},
    {"b", STR, NULL},
    {"ratio", NUM, NULL},
    {"ci95", ARR | VCL_JT_NULL, numbers},
    {"verdict", STR, NULL},
    {"n_a", INT, NULL},
    {"n_b", INT, NULL},
    {"reason", STR, NULL},
    {"startup_ms", OBJ, stats},
    {NULL, 0, NULL},
};
static const struct vcl_jrule comparisons[] = {{"[]", OBJ, comparison}, {NULL, 0, NULL}};

static const struct vcl_jrule calibration[] = {
    {"aa", OBJ, comparison},	       {"probe_floor_ms", OBJ | VCL_JT_NULL, stats},
    {"probe_floor_reason", STR, NULL}, {"probe_floor_backend", STR, NULL},
    {"settle_ms", OBJ, stats},	       {"settle_busy", INT, NULL},
    {"settle_max_ms", INT, NULL},      {NULL, 0, NULL},
};

static const struct vcl_jrule order[] = {
    {"seed", INT, NULL}, {"rounds", INT, NULL}, {"shuffled", BOOL, NULL}, {NULL, 0, NULL}};

/* services.<name>: the user's own service (and the built-in payload as
 * "vclab-payload"), measured in each placement; the same entry shape. */
static const struct vcl_jrule service_image[] = {
    {"reference", STR, NULL},	  {"digest", STR, NULL}, {"size", INT, NULL},
    {"entrypoint", ARR, strings}, {"port", INT, NULL},	 {NULL, 0, NULL}};
/* services.<ns>/<kind>/<name>.manifest of `bench --manifest`. */
static const struct vcl_jrule manifest_security[] = {{"privileged", BOOL, NULL},
						     {"read_only_root", BOOL, NULL},
						     {"no_new_privs", BOOL, NULL},
						     {"run_as_non_root", BOOL, NULL},
						     {"run_as_user", INT, NULL},
						     {"run_as_group", INT, NULL},
						     {"cap_add", INT, NULL},
						     {"cap_drop", INT, NULL},
						     {"seccomp", STR, NULL},
						     {"fs_group", INT, NULL},
						     {"supplemental_groups", ARR, numbers},
						     {NULL, 0, NULL}};
static const struct vcl_jrule manifest_volume[] = {
    {"name", STR, NULL},  {"mount_path", STR, NULL}, {"read_only", BOOL, NULL},
    {"files", INT, NULL}, {"size_bytes", INT, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule manifest_volumes[] = {{"[]", OBJ, manifest_volume}, {NULL, 0, NULL}};
static const struct vcl_jrule manifest_container[] = {
    {"name", STR, NULL},  {"image", STR, NULL},	   {"read_from", STR, NULL},
    {"init", BOOL, NULL}, {"sidecar", BOOL, NULL}, {"security_context", OBJ, manifest_security},
    {NULL, 0, NULL}};
static const struct vcl_jrule manifest_containers[] = {{"[]", OBJ, manifest_container},
						       {NULL, 0, NULL}};
static const struct vcl_jrule manifest[] = {{"at", STR, NULL},
					    {"namespace", STR, NULL},
					    {"kind", STR, NULL},
					    {"name", STR, NULL},
					    {"replicas", INT, NULL},
					    {"containers", ARR, manifest_containers},
					    {"n_containers", INT, NULL},
					    {"n_init_containers", INT, NULL},
					    {"volumes", ARR, manifest_volumes},
					    {NULL, 0, NULL}};
static const struct vcl_jrule service[] = {{"image", OBJ, service_image},
					   {"backends", OBJ, entries},
					   {"peers", OBJ, entries},
					   {"manifest", OBJ, manifest},
					   {"comparisons", ARR, comparisons},
					   {"skipped", BOOL, NULL},
					   {"reason", STR, NULL},
					   {NULL, 0, NULL}};
static const struct vcl_jrule services[] = {{"*", OBJ, service}, {NULL, 0, NULL}};

/* concurrent_runs[]: other vclab runs active during this one (bench/concurrent.c). */
static const struct vcl_jrule concurrent_scenario[] = {
    {"overlap_s", NUM, NULL}, {"of_s", NUM, NULL}, {NULL, 0, NULL}};
static const struct vcl_jrule concurrent_scenarios[] = {{"*", OBJ, concurrent_scenario},
							{NULL, 0, NULL}};
static const struct vcl_jrule concurrent_run[] = {{"run_id", STR | REQ, NULL},
						  {"placements", ARR, strings},
						  {"started", STR, NULL},
						  {"ended", STR, NULL},
						  {"overlap_s", NUM, NULL},
						  {"scenarios", OBJ, concurrent_scenarios},
						  {NULL, 0, NULL}};
static const struct vcl_jrule concurrent_runs[] = {{"[]", OBJ, concurrent_run}, {NULL, 0, NULL}};

const struct vcl_jrule vcl_results_rules[] = {
    {"schema", STR | REQ, NULL},
    {"vclab_version", STR | REQ, NULL},
    {"note", STR, NULL},  /* fixtures say what they are */
    {"error", STR, NULL}, /* a fleet host with no results: why (docs/fleet.md) */
    {"run_id", STR | REQ, NULL},
    {"started", STR | REQ, NULL},
    {"finished", STR, NULL},
    {"complete", BOOL | REQ, NULL},
    {"incomplete_reason", STR, NULL},
    {"host", OBJ | REQ, host},
    {"config", OBJ | REQ, config},
    {"backends", OBJ, entries},
    {"peers", OBJ, entries},
    {"errors", ARR | REQ, errors},
    {"comparisons", ARR, comparisons},
    {"calibration", OBJ, calibration},
    {"order", OBJ, order},
    {"services", OBJ, services},
    {"concurrent_runs", ARR, concurrent_runs},
    {NULL, 0, NULL},
};

int vcl_results_check(const char *name, const char *text, size_t len, struct json_object *root,
		      FILE *warn, struct vcl_error **err)
{
	struct vcl_jdoc d = {.name = name, .text = text, .len = len, .root = root, .warn = warn};
	static const char prefix[] = "vclab.results/";
	const char *schema = NULL;
	struct jpath p = {.n = 0};
	char at[512];

	if (!json_object_is_type(root, json_type_object))
		return mismatch(&d, &p, root, VCL_JT_OBJECT, err);
	/* Required and not nullable: present means a string. */
	if (vcl_jdoc_string(&d, "schema", STR | REQ, &schema, err) < 0 || schema == NULL)
		return -1;
	if (strcmp(schema, VCL_RESULTS_SCHEMA) != 0) {
		push(&p, "schema");
		where(&d, &p, 1, at, sizeof(at));
		/* A later version changed the shape: refuse rather than misread. */
		if (strncmp(schema, prefix, sizeof(prefix) - 1) == 0 &&
		    strtol(schema + sizeof(prefix) - 1, NULL, 10) > 1)
			return vcl_error_set(err, VCL_E_USAGE, 0,
					     "%s: schema: \"%s\" is newer than this vclab reads "
					     "(\"%s\"); use a newer vclab",
					     at, schema, VCL_RESULTS_SCHEMA);
		return vcl_error_set(err, VCL_E_USAGE, 0,
				     "%s: not a vclab results file (schema is not \"%s\")", at,
				     VCL_RESULTS_SCHEMA);
	}
	return vcl_jdoc_check(&d, vcl_results_rules, err);
}

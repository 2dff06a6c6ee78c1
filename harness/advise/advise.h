/* SPDX-License-Identifier: MIT */
#ifndef VCL_ADVISE_H
#define VCL_ADVISE_H

/*
 * The placement advisor: `vclab advise`. It reads service descriptions
 * (vclab service profiles or Kubernetes manifests) and one results.json,
 * and says for each service whether it should run as vm, ctr or bare, how
 * sure it is, and why, citing the measured numbers. docs/advisor.md is the
 * full description of the model; the constants below are its weights.
 *
 * Layers, so the rules can be tested without files:
 *   advise_input.c    YAML (profiles, manifests) -> struct vcl_service[]
 *   advise_results.c  results.json -> struct vcl_measured
 *   advise_rules.c    pure rules: (service, measured) -> struct vcl_decision
 *   advise_render.c   decisions -> table / JSON / explain trace on a FILE *
 *   advise.c          vcl_advise_run(); the verb is cli/advise.c
 *   advise_summary.c  vcl_advise_summary_md(), the report's advice section
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/yamldoc.h"

enum vcl_place { VCL_BARE = 0, VCL_CTR, VCL_VM, VCL_NPLACE };
#define VCL_PLACE_BIT(p) (1u << (unsigned)(p))
#define VCL_PLACE_ALL	 (VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM))

/* "bare", "ctr", "vm". */
const char *vcl_place_name(enum vcl_place p);

/* Who may run code in, or send crafted input to, the service's process. */
enum vcl_tenancy {
	VCL_TEN_TRUSTED = 0, /* one team, code it wrote and reviewed */
	VCL_TEN_MULTI_TEAM,  /* several teams of one organisation share the hosts */
	VCL_TEN_UNTRUSTED,   /* code or plugins from customers/third parties */
	VCL_TEN_HOSTILE,     /* assume an attacker runs code inside */
};
const char *vcl_tenancy_name(enum vcl_tenancy t);

enum vcl_latency {
	VCL_LAT_NONE = 0,
	VCL_LAT_LOW,
	VCL_LAT_MEDIUM,
	VCL_LAT_HIGH,
	VCL_LAT_CRITICAL,
};
const char *vcl_latency_name(enum vcl_latency l);

/* Direct hardware the service needs (bit set). */
#define VCL_HW_NIC     0x1u
#define VCL_HW_GPU     0x2u
#define VCL_HW_STORAGE 0x4u

/* Weights of the cost score (docs/advisor.md, "Cost score"). One point is
 * one MiB of host memory held for the life of the service. */
#define VCL_W_MEM_PER_MIB    1.0  /* points per MiB of measured overhead x replicas */
#define VCL_W_SCALE_PER_S    10.0 /* points per second of reaction per scale-out per hour */
#define VCL_W_STEADY_PER_PCT 1.0  /* points per percent of steady-state overhead, times below */
extern const double vcl_latency_weight[VCL_LAT_CRITICAL + 1]; /* 0, 1, 4, 16, 64 */

/* Confidence thresholds (docs/advisor.md, "Confidence"). */
#define VCL_TIE_RATIO	  1.10 /* cost ratios below this are a tie */
#define VCL_HIGH_RATIO	  2.0
#define VCL_HIGH_MARGIN	  64.0 /* points */
#define VCL_MEDIUM_RATIO  1.25
#define VCL_MEDIUM_MARGIN 16.0

/* One service as the advisor sees it, from a profile or a workload object. */
struct vcl_service {
	char name[256];
	char origin[512]; /* "FILE:LINE:COL" of the profile / object */
	char kind[32];	  /* "profile", "Deployment", "StatefulSet", "DaemonSet", "Pod" */
	long replicas;
	double mem_mib;	       /* per replica; 0 when not stated */
	double cpu;	       /* cores per replica; 0 when not stated */
	double slo_ms;	       /* startup SLO; 0 = none */
	double scale_per_hour; /* scale-out events per hour */
	enum vcl_tenancy tenancy;
	enum vcl_latency latency;
	unsigned hw; /* VCL_HW_* */
	bool mem_given;
	bool cpu_given;
	bool tenancy_given;
	bool own_kernel;
	bool dedicated_cores;
};

/* Everything read from the INPUT files. notes are complete lines
 * ("FILE:LINE:COL: warning: ..." or "...: note: ..."), in input order. */
struct vcl_advise_input {
	struct vcl_service *svc;
	size_t nsvc;
	char **notes;
	size_t nnotes;
};

/* Parse the documents of one loaded YAML file and append what they hold.
 * A document with apiVersion and kind is a Kubernetes object, anything else
 * a service profile. Bad values give VCL_E_USAGE "FILE:LINE:COL: ...";
 * unknown fields and skipped kinds become notes. */
int vcl_advise_parse_yaml(struct vcl_yaml *y, struct vcl_advise_input *in, struct vcl_error **err);
/* The same from a buffer (tests) or a file. */
int vcl_advise_parse_buffer(const char *name, const char *buf, size_t len,
			    struct vcl_advise_input *in, struct vcl_error **err);
int vcl_advise_load_file(const char *path, struct vcl_advise_input *in, struct vcl_error **err);
void vcl_advise_input_free(struct vcl_advise_input *in);

/* A Kubernetes resource quantity ("512Mi", "1.5", "500m", "1e3", "2G") in
 * base units (bytes, cores). Returns -1 for anything else, or negative. */
int vcl_k8s_quantity(const char *s, double *out);

/* What one placement measured, as far as the advisor uses it. */
struct vcl_meas_backend {
	bool present; /* backends.<b> exists */
	bool has_startup;
	double startup_p50, startup_p95; /* startup_ms */
	bool has_overhead;
	double overhead_kib; /* memory.overhead_kib */
	bool has_reaction;
	double reaction_p50; /* autoscale.reaction_ms.p50 */
	bool has_steady;
	double rps, lat_p99;	 /* steady.rps, steady.lat_ms.p99 */
	double startup_failures; /* launches that never became ready */
	char absent[200];	 /* why not present: "backends.vm missing", "skipped: ..." */
};

struct vcl_measured {
	char source[512]; /* the results path */
	char run_id[64];
	char host[128];
	char accel[16]; /* "kvm", "tcg" or "unknown" */
	bool tcg;	/* VM numbers come from software emulation */
	bool complete;
	struct vcl_meas_backend b[VCL_NPLACE];
};

/* "vm: not measured in results R (backends.vm missing)" or "(skipped: why)". */
void vcl_advise_not_measured(const struct vcl_measured *m, enum vcl_place p, char *buf, size_t len);

/* Fill m from a loaded results.json (pure: only reads root). */
void vcl_measured_from_json(struct json_object *root, const char *source, struct vcl_measured *m);

/* One line of the decision trace. */
enum vcl_step_kind {
	VCL_STEP_INFO = 0, /* a rule looked and allowed */
	VCL_STEP_EXCLUDE,  /* a rule ruled a placement out */
	VCL_STEP_NOTE,	   /* advice that does not change the placement */
	VCL_STEP_COST,	   /* a cost computation */
	VCL_STEP_DECIDE,   /* the choice and its confidence */
};

struct vcl_step {
	int place; /* enum vcl_place, or -1 for the service as a whole */
	enum vcl_step_kind kind;
	bool reason; /* shown in the short output, not only under --explain */
	char rule[16];
	char text[240];
};

enum vcl_verdict {
	VCL_ADVICE_OK = 0,
	VCL_ADVICE_NONE,     /* the constraints contradict each other (or the SLO) */
	VCL_ADVICE_UNJUDGED, /* what the constraints allow was not measured */
};

enum vcl_confidence { VCL_CONF_LOW = 0, VCL_CONF_MEDIUM, VCL_CONF_HIGH };
const char *vcl_confidence_name(enum vcl_confidence c);

struct vcl_cost {
	bool scored;
	bool partial;			  /* a term could not be computed and counts 0 */
	double mem, scale, steady, total; /* points */
	double reaction_ms;		  /* reaction time the scale term used */
	bool reaction_from_startup;	  /* no autoscale numbers: startup p50 used */
	double steady_overhead;		  /* fraction slower than bare, >= 0 */
	bool steady_by_rps;		  /* throughput, not p99 latency, set it */
	char missing[160];		  /* the results keys a partial cost lacked */
};

#define VCL_MAX_STEPS 48

struct vcl_decision {
	enum vcl_verdict verdict;
	int place; /* enum vcl_place when verdict is OK, else -1 */
	enum vcl_confidence conf;
	unsigned allowed;  /* placements the hard constraints allow */
	unsigned measured; /* placements the results can judge */
	unsigned slo_ok;   /* placements whose p95 startup meets the SLO */
	bool tcg_matters;  /* the choice rests on VM numbers taken under TCG */
	struct vcl_cost cost[VCL_NPLACE];
	int cost_step[VCL_NPLACE]; /* index of each placement's cost step, or -1 */
	struct vcl_step steps[VCL_MAX_STEPS];
	size_t nsteps;
};

/* The rules, each pure: they return the mask of placements they allow and
 * append their trace to d. Hard constraints first (docs/advisor.md). */
unsigned vcl_rule_tenancy(const struct vcl_service *s, struct vcl_decision *d);
unsigned vcl_rule_kernel(const struct vcl_service *s, struct vcl_decision *d);
unsigned vcl_rule_hardware(const struct vcl_service *s, struct vcl_decision *d);
unsigned vcl_rule_measured(const struct vcl_measured *m, struct vcl_decision *d);
/* Only looks at placements in mask. */
unsigned vcl_rule_startup_slo(const struct vcl_service *s, const struct vcl_measured *m,
			      unsigned mask, struct vcl_decision *d);
/* Cost score of placement p (docs/advisor.md); c->scored is false when p
 * was not measured. */
void vcl_advise_cost(const struct vcl_service *s, const struct vcl_measured *m, enum vcl_place p,
		     struct vcl_cost *c);
/* Confidence of choosing best over runner-up (costs in points; runner_up
 * < 0 when best was the only candidate). */
enum vcl_confidence vcl_advise_confidence(double best, double runner_up, bool partial,
					  bool tcg_matters);
/* Run every rule and choose. Never fails: contradictions are a verdict. */
void vcl_advise_decide(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d);

/* How Kubernetes would realise placement p for s: a RuntimeClass
 * ("runc", "kata") and/or a node pool for nodeSelector vclab.io/pool
 * ("bare-metal", "dedicated"); NULL when not needed. text is the one-line
 * form used in the table. */
struct vcl_k8s_realise {
	const char *runtime_class;
	const char *pool;
	char text[96];
};
void vcl_advise_k8s(const struct vcl_service *s, enum vcl_place p, struct vcl_k8s_realise *r);

/* Host memory of the whole input: replicas x (memory per replica + measured
 * overhead), for every service on one placement, and for the advised mix. */
struct vcl_totals {
	bool ok[VCL_NPLACE];
	double mib[VCL_NPLACE];
	double overhead_mib[VCL_NPLACE]; /* the measured-overhead part of mib */
	double advised_mib, advised_overhead_mib;
	long replicas;		/* over all services */
	size_t advised_missing; /* no placement, or its overhead unmeasured: not counted */
	size_t no_memory;	/* services with no memory stated (counted as 0) */
};
void vcl_advise_totals(const struct vcl_advise_input *in, const struct vcl_decision *d,
		       const struct vcl_measured *m, struct vcl_totals *t);

/* Output. explain adds the full trace of every rule. */
int vcl_advise_render_table(FILE *out, const struct vcl_measured *m,
			    const struct vcl_advise_input *in, const struct vcl_decision *d,
			    bool explain, struct vcl_error **err);
int vcl_advise_render_json(FILE *out, const struct vcl_measured *m,
			   const struct vcl_advise_input *in, const struct vcl_decision *d,
			   bool explain, struct vcl_error **err);

#define VCL_ADVISE_JSON	   0x1u
#define VCL_ADVISE_EXPLAIN 0x2u

/* The whole verb behind the CLI: load results and inputs, decide, render to
 * out; warnings and notes go to diag (may be NULL). */
int vcl_advise_run(const char *results, const char *const *inputs, size_t ninputs, unsigned flags,
		   FILE *out, FILE *diag, struct vcl_error **err);

/* The advisor's section of the report: a markdown summary of its advice for
 * the example services (the YAML files in docs/examples/) against
 * results_path, written to out. 0 on success, <0 with *err set. The report
 * (report/) calls it; the advisor knows nothing of the report. */
int vcl_advise_summary_md(const char *results_path, FILE *out, struct vcl_error **err);

#endif

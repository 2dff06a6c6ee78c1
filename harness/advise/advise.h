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

enum vcl_place { VCL_BARE = 0, VCL_CTR, VCL_VM, VCL_GVISOR, VCL_NPLACE };
#define VCL_PLACE_BIT(p) (1u << (unsigned)(p))
#define VCL_PLACE_ALL                                                                              \
	(VCL_PLACE_BIT(VCL_BARE) | VCL_PLACE_BIT(VCL_CTR) | VCL_PLACE_BIT(VCL_VM) |                \
	 VCL_PLACE_BIT(VCL_GVISOR))

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

/* A service's resource profile (profile `profile: disk-heavy`, manifest
 * annotation vclab.io/profile), bit set: which resource taxes
 * (docs/resources.md) weigh in its advice. */
enum vcl_res { VCL_RES_CPU = 0, VCL_RES_MEMBW, VCL_RES_DISK, VCL_RES_NET, VCL_NRES };
/* "cpu", "membw", "disk", "net": the scenario names. */
const char *vcl_res_name(enum vcl_res r);
/* The figure a resource's tax is read from: backends.<p>.<res>.metrics.<f>. */
const char *vcl_res_figure(enum vcl_res r);
/* A tax this large (x bare's cost), significant (its CI above 1), rules a
 * placement out for a service heavy on that resource. */
#define VCL_TAX_AGAINST 2.0

/* Weights of the cost score (docs/advisor.md, "Cost score"). One point is
 * one MiB of host memory held for the life of the service. */
#define VCL_W_MEM_PER_MIB    1.0  /* points per MiB of measured overhead x replicas */
#define VCL_W_SCALE_PER_S    10.0 /* points per second of reaction per scale-out per hour */
#define VCL_W_STEADY_PER_PCT 1.0  /* points per percent of steady-state overhead, times below */
extern const double vcl_latency_weight[VCL_LAT_CRITICAL + 1]; /* 0, 1, 4, 16, 64 */

/* When a difference is a tie (docs/advisor.md, "Ties and the platform
 * default"): immaterial below these, whatever the CIs say. */
#define VCL_IMMATERIAL_MEM_SHARE  0.01 /* of the service's own memory per replica */
#define VCL_IMMATERIAL_MEM_MIB	  1.0  /* per replica, when no memory is stated */
#define VCL_IMMATERIAL_STARTUP_MS 5.0  /* startup or reaction, unless an SLO is tighter */
#define VCL_SLO_SHARE		  0.10 /* a tenth of the SLO: tighter floor, and bare's need */
#define VCL_IMMATERIAL_STEADY	  0.05 /* 5% slower in steady state */

/* A fact read from a manifest that moves (or qualifies) a decision, with
 * where it was read ("FILE:LINE"), so every reason can cite its source. */
enum vcl_fact_kind {
	VCL_FACT_HOST = 0,  /* host access: privileged, host namespaces, hostPath of /proc... */
	VCL_FACT_DEVICE,    /* a device resource (nvidia.com/gpu, ...) */
	VCL_FACT_TENANCY,   /* where the tenancy came from */
	VCL_FACT_HPA,	    /* an HPA targets the workload */
	VCL_FACT_RUNTIME,   /* an existing runtimeClassName */
	VCL_FACT_PSA,	    /* the namespace's pod-security enforce level */
	VCL_FACT_HARDENING, /* root, capabilities, privilege escalation, writable root fs */
	VCL_FACT_NUMBERS,   /* the workload's own measured numbers */
};

struct vcl_fact {
	enum vcl_fact_kind kind;
	char at[160];	/* "FILE:LINE" */
	char text[320]; /* "privileged: true (container agent)" */
};

#define VCL_MAX_FACTS	   24
#define VCL_MAX_CONTAINERS 8

/* The HorizontalPodAutoscaler joined to a workload (autoscaling/v2 or v1). */
struct vcl_hpa {
	bool present;
	char name[128];
	char at[160];
	long min, max;
	double cpu_target; /* percent of the CPU request; 0 when not stated */
};

/* One service as the advisor sees it, from a profile or a workload object. */
struct vcl_service {
	char name[256];
	char origin[512]; /* "FILE:LINE:COL" of the profile / object */
	char kind[32];	  /* "profile", "Deployment", "StatefulSet", "DaemonSet", "Job",
			     "CronJob", "Pod" */
	char ns[128];	  /* Kubernetes namespace ("default" when not stated); "" for profiles */
	char file[512];	  /* the input file it came from */
	char api_version[64]; /* Kubernetes apiVersion, for the kustomize patch */
	bool ns_given;	      /* metadata.namespace was stated */
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
	unsigned heavy;	    /* 1 << enum vcl_res: the resources it is heavy on */
	char heavy_at[160]; /* "FILE:LINE:COL" of the profile value */

	/* Kubernetes: what the pod spec says (docs/advisor.md, "Manifests"). */
	bool k8s;
	bool host_access;	/* needs the host kernel's view: never vm */
	bool device;		/* requests a device-plugin resource */
	bool prefer_given;	/* prefer holds a placement */
	int prefer;		/* stated placement preference (profile `prefer`, or the
				existing runtimeClassName), -1 for none */
	char runtime_class[64]; /* existing spec.runtimeClassName, "" for none */
	long hpa_max;		/* replicas at HPA max (= replicas without an HPA) */
	struct vcl_hpa hpa;
	char images[VCL_MAX_CONTAINERS][256]; /* container images, containers first */
	size_t nimages;
	char numbers[160]; /* measured service whose numbers were used, "" for payload */
	struct vcl_fact facts[VCL_MAX_FACTS];
	size_t nfacts;
	size_t nfacts_own; /* facts of the object itself; joined ones follow */
	/* The tenancy the object itself states (annotations), kept apart from
	 * its namespace's so joining can be redone. */
	enum vcl_tenancy own_tenancy;
	bool own_tenancy_given;
	long own_replicas;
};

/* Everything read from the INPUT files. notes are complete lines
 * ("FILE:LINE:COL: warning: ..." or "...: note: ..."), in input order. */
struct vcl_k8s_ns {
	char name[128];
	char at[160];
	char enforce[32]; /* pod-security.kubernetes.io/enforce, "" when absent */
	char enforce_at[160];
	int tenancy; /* enum vcl_tenancy from vclab.io/tenancy, -1 when absent */
	char tenancy_at[160];
};

struct vcl_k8s_hpa {
	char ns[128];
	char target_kind[32];
	char target[128];
	struct vcl_hpa h;
};

/* image (name:tag, or a digest) -> measured service name, from --map FILE. */
struct vcl_image_map {
	char image[256];
	char service[128];
	char at[160];
};

struct vcl_advise_input {
	struct vcl_service *svc;
	size_t nsvc;
	char **notes;
	size_t nnotes;
	struct vcl_k8s_ns *ns; /* Namespace objects */
	size_t nns;
	struct vcl_k8s_hpa *hpa; /* HorizontalPodAutoscalers */
	size_t nhpa;
	struct vcl_image_map *map;
	size_t nmap;
	char **files; /* every input file that held Kubernetes objects */
	size_t nfiles;
	/* Objects of kinds the advisor does not read (Service, ConfigMap,
	 * ...): "FILE:LINE" and kind each; vcl_advise_fold_skipped turns them
	 * into one note, or one note each. */
	struct vcl_skipped_obj *skipped;
	size_t nskipped;
};

struct vcl_skipped_obj {
	char kind[64];
	char line[400]; /* "FILE:LINE: note: skipped Kind 'name'" */
};

/* Notes for the skipped objects: one summary line counting them by kind
 * ("note: skipped 7 objects that are not workloads: 3 Service, 2
 * ConfigMap, ... (--verbose lists them)"), or with verbose one line each.
 * Returns -1 on no memory. */
int vcl_advise_fold_skipped(struct vcl_advise_input *in, bool verbose);

/* Join what spans objects and files: HPAs to their scaleTargetRef,
 * Namespace labels to the workloads in them. Idempotent; vcl_advise_run
 * calls it after the last input (tests after their buffers). Notes HPAs
 * whose target is not in the input. */
int vcl_advise_join(struct vcl_advise_input *in, struct vcl_error **err);

/* Read a --map FILE: a YAML mapping image -> measured service name. */
int vcl_advise_load_map(const char *path, struct vcl_advise_input *in, struct vcl_error **err);
int vcl_advise_parse_map(const char *name, const char *buf, size_t len, struct vcl_advise_input *in,
			 struct vcl_error **err);

/* Append a fact to s (dropped silently past VCL_MAX_FACTS). */
void vcl_service_fact(struct vcl_service *s, enum vcl_fact_kind kind, const char *at,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The first fact of kind, or NULL. */
const struct vcl_fact *vcl_service_find_fact(const struct vcl_service *s, enum vcl_fact_kind kind);

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
	bool has_startup_ci;
	double startup_lo, startup_hi; /* startup_ms.ci95 of the median */
	char absent[200];	       /* why not present: "backends.vm missing", "skipped: ..." */
	/* Resource taxes (issue 29): how many times bare's cost the
	 * placement pays on each resource (>= 1 worse), with the CI, from
	 * the figure's x_bare; has_tax bit per enum vcl_res. */
	unsigned has_tax;
	double tax[VCL_NRES], tax_lo[VCL_NRES], tax_hi[VCL_NRES];
};

/* What the isolation probe reached in one placement (backends.<p>.isolation,
 * from bench --scenarios isolation; core/isolation.h): a fact of the
 * placement, whatever service the advice is about. */
struct vcl_meas_iso {
	bool present;
	int host_kernel;    /* 1 on the host's kernel, 0 its own, -1 not known */
	bool sys_admin;	    /* CAP_SYS_ADMIN in the effective set */
	unsigned caps;	    /* effective capabilities */
	unsigned through;   /* calls containerd forbids that went through */
	unsigned tried;	    /* of those, tried */
	int host_pid;	    /* 1 a host process visible, 0 not, -1 not known */
	int cri_violations; /* containers: what containerd forbids it did; -1 not judged */
};

/* A same-run comparison of a placement against bare (comparisons[] in
 * results.json): ratio of startup medians with its 95% bootstrap CI. */
struct vcl_meas_cmp {
	bool present;
	double ratio, lo, hi; /* lo/hi NaN when the CI is null */
	char verdict[40];     /* "no measurable difference", "higher", "lower" */
};

/* A service the user measured (services.<name> in results.json). */
struct vcl_meas_service {
	char name[352];
	char reference[256]; /* image.reference, "repo/name:tag" */
	char digest[96];     /* image.digest, "sha256:..." */
	/* A workload of `bench --manifest` (manifest.*): its identity and
	 * where it was read; kind "" for other services. */
	char ns[64], kind[32], wname[254];
	char at[300];
	struct vcl_meas_backend b[VCL_NPLACE];
};

#define VCL_MAX_MEAS_SVC 64

struct vcl_measured {
	char source[512]; /* the results path */
	char run_id[64];
	char host[128];
	char accel[16];		  /* "kvm", "tcg" or "unknown" */
	bool tcg;		  /* VM numbers come from software emulation */
	char gvisor_platform[16]; /* backends.gvisor.platform ("ptrace"), "" when absent */
	bool complete;
	struct vcl_meas_backend b[VCL_NPLACE];
	struct vcl_meas_cmp cmp[VCL_NPLACE]; /* startup p50 of p against bare */
	struct vcl_meas_iso iso[VCL_NPLACE]; /* the placements' isolation, measured */
	bool has_aa;			     /* calibration.aa.ci95: the A/A noise floor */
	double aa_lo, aa_hi;
	char numbers[200]; /* whose numbers b[] holds: "the built-in payload" or a service */
	struct vcl_meas_service svc[VCL_MAX_MEAS_SVC];
	size_t nsvc;
};

/* The measured service of s: the workload of the same namespace, kind and
 * name that `bench --manifest` measured, else the one whose image matches
 * one of s's images (by digest, full reference or name:tag), or that
 * --map names for one; -1 for none. image_out (may be NULL) says how it
 * matched. */
int vcl_advise_match_service(const struct vcl_advise_input *in, const struct vcl_service *s,
			     const struct vcl_measured *m, char *image_out, size_t len);
/* m with b[] replaced by measured service i's numbers (placements it did
 * not measure stay absent), for deciding one workload. */
void vcl_measured_for_service(const struct vcl_measured *m, size_t i, struct vcl_measured *out);

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
	char text[480];
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
	/* gvisor is weighed only where the results measured it (it is not in
	 * the quick profile): otherwise no rule names it and it is no
	 * candidate, so advice on results without it is as before. */
	bool sandbox;
	unsigned allowed;  /* placements the hard constraints allow */
	unsigned measured; /* placements the results can judge */
	unsigned slo_ok;   /* placements whose p95 startup meets the SLO */
	bool tcg_matters;  /* the choice rests on VM numbers taken under TCG */
	struct vcl_cost cost[VCL_NPLACE];
	int cost_step[VCL_NPLACE]; /* index of each placement's cost step, or -1 */
	struct vcl_step steps[VCL_MAX_STEPS];
	size_t nsteps;
	/* The per-replica overhead the decision used (the service's own
	 * numbers or the payload's), for the totals. */
	double overhead_kib[VCL_NPLACE];
	unsigned has_overhead; /* VCL_PLACE_BIT */
	/* Filled by vcl_advise_decide_all: the SLO below which it changes. */
	bool slo_changes;
	double slo_change_ms;
	int slo_change_place; /* -1: no placement */
};

/* The rules, each pure: they return the mask of placements they allow and
 * append their trace to d. Hard constraints first (docs/advisor.md). */
/* Append one step to d's trace (bounded: the last slot is reused when
 * full). Shared by the rules and the choice. */
void vcl_advise_step(struct vcl_decision *d, int place, enum vcl_step_kind kind, bool reason,
		     const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
unsigned vcl_rule_tenancy(const struct vcl_service *s, struct vcl_decision *d);
/* For a tenancy that is not trusted: each placement's measured isolation
 * (the report's isolation table) cited beside the tenancy rule. Allows
 * everything; a container that broke containerd's defaults is noted. */
void vcl_rule_isolation_facts(const struct vcl_service *s, const struct vcl_measured *m,
			      struct vcl_decision *d);
unsigned vcl_rule_kernel(const struct vcl_service *s, struct vcl_decision *d);
unsigned vcl_rule_hardware(const struct vcl_service *s, struct vcl_decision *d);
unsigned vcl_rule_measured(const struct vcl_measured *m, struct vcl_decision *d);
/* A service heavy on a resource: placements in mask whose tax on it is at
 * least VCL_TAX_AGAINST with a CI above 1 are ruled out (unless that
 * would leave none); every tax weighed is cited. Only looks at mask. */
unsigned vcl_rule_resources(const struct vcl_service *s, const struct vcl_measured *m,
			    unsigned mask, struct vcl_decision *d);
/* Only looks at placements in mask. */
unsigned vcl_rule_startup_slo(const struct vcl_service *s, const struct vcl_measured *m,
			      unsigned mask, struct vcl_decision *d);
/* Cost score of placement p (docs/advisor.md); c->scored is false when p
 * was not measured. */
void vcl_advise_cost(const struct vcl_service *s, const struct vcl_measured *m, enum vcl_place p,
		     struct vcl_cost *c);
/* Host access (privileged, host namespaces, hostPath of /proc, /sys, /run)
 * allows only ctr: a VM runtime class would hide the host. */
unsigned vcl_rule_host(const struct vcl_service *s, struct vcl_decision *d);
/* A device-plugin resource (nvidia.com/gpu, ...) rules vm out. */
unsigned vcl_rule_device(const struct vcl_service *s, struct vcl_decision *d);

/* How placements a and b compare once noise and materiality count
 * (vcl_advise_compare, on the costs in d). */
struct vcl_tie {
	bool tie;	  /* no term differs measurably and materially */
	int better;	  /* a or b when not a tie, else -1 */
	double margin;	  /* points b costs more than a on the terms that count */
	double threshold; /* points: the immaterial level of those terms */
	double q;	  /* largest difference / its immaterial level among the others */
	char why[480];	  /* each term's test, for the reason */
};
void vcl_advise_compare(const struct vcl_service *s, const struct vcl_measured *m,
			const struct vcl_decision *d, int a, int b, struct vcl_tie *t);
/* Confidence: a tie is high when every difference is under half its
 * immaterial level (medium under 0.8); a win is high at 4x the level,
 * medium at 2x. */
enum vcl_confidence vcl_advise_tie_confidence(const struct vcl_tie *t);
/* Ties go here: the stated preference (profile `prefer`, an existing
 * runtimeClassName), else ctr. */
int vcl_advise_default(const struct vcl_service *s);
/* Does s state a need for bare over def: direct hardware, or an SLO that
 * bare's measured, significant startup gain (>= max(5 ms, SLO/10) at p95)
 * serves? why says which. */
bool vcl_advise_bare_need(const struct vcl_service *s, const struct vcl_measured *m,
			  const struct vcl_decision *d, int def, char *why, size_t len);
/* Step 4: among ok, keep the default unless another placement wins by a
 * measurable, material margin; sets d->conf and the deciding step. */
void vcl_advise_choose(const struct vcl_service *s, const struct vcl_measured *m,
		       struct vcl_decision *d, unsigned ok, int *best, int *second);
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
	double mib_max[VCL_NPLACE], advised_max_mib; /* with every HPA at maxReplicas */
	long replicas;				     /* over all services */
	long replicas_max;			     /* the same at HPA max */
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
#define VCL_ADVISE_VERBOSE 0x4u /* one note per skipped object */

/* The whole verb behind the CLI: load results and inputs, decide, render to
 * out; warnings and notes go to diag (may be NULL). */
int vcl_advise_run(const char *results, const char *const *inputs, size_t ninputs, unsigned flags,
		   FILE *out, FILE *diag, struct vcl_error **err);

struct vcl_advise_opts {
	const char *results;
	const char *const *inputs;
	size_t ninputs;
	unsigned flags;	  /* VCL_ADVISE_* */
	const char *map;  /* --map FILE: image -> measured service, or NULL */
	const char *emit; /* --emit kustomize DIR: the overlay's folder, or NULL */
};
/* The same with every option. */
int vcl_advise_run_opts(const struct vcl_advise_opts *o, FILE *out, FILE *diag,
			struct vcl_error **err);
/* o's inputs (and --map) into in, joined, notes to diag (may be NULL); an
 * error when they hold no service. Free in with vcl_advise_input_free. */
int vcl_advise_load_inputs(const struct vcl_advise_opts *o, struct vcl_advise_input *in, FILE *diag,
			   struct vcl_error **err);
/* The advised placement of d as a word: "bare", "ctr", "vm", "none", "?". */
const char *vcl_advise_text(const struct vcl_decision *d);

/*
 * Fleet advice (advise_class.c): results from several hosts, each with its
 * class (results host.class; a host without one is its own class, named by
 * its hostname). One results file judges each class (the first given of
 * it); a file with "error" (a host that gave no results) is named, not
 * judged. When every class gives every service the same placement, one
 * table says so; otherwise one table per class, and the facts that made
 * the classes differ.
 */
struct vcl_class_view {
	const char *name; /* host.class */
	const char *host; /* host.hostname of the results that judged it */
	const char *cgroup, *kernel;
	long cpus, mem_mib; /* -1: not recorded */
	const struct vcl_measured *m;
};
/* Why classes v[0..n) differ, one "  - " line each, to out (pure): the
 * accelerator (with what it does to vm's startup ratio), placements one
 * class measured and another did not, same-run ratios whose CIs do not
 * overlap, memory overheads apart by more than a quarter, and the host
 * facts (cgroup mode, kernel, CPUs, memory). Returns the number of lines. */
size_t vcl_advise_class_why(FILE *out, const struct vcl_class_view *v, size_t n);
/* o->results is ignored: results[0..nresults) are judged instead. */
int vcl_advise_run_classes(const struct vcl_advise_opts *o, const char *const *results,
			   size_t nresults, FILE *out, FILE *diag, struct vcl_error **err);

/* Decide every service of in against m, each with its own measured
 * numbers where the results hold them (vcl_advise_match_service); d has
 * in->nsvc entries. Adds the NUMBERS fact to the services it matched. */
void vcl_advise_decide_all(struct vcl_advise_input *in, const struct vcl_measured *m,
			   struct vcl_decision *d);

/* The VM RuntimeClass's overhead.podFixed.memory: the measured per-VM
 * overhead (backends.vm.memory.overhead_kib) rounded up to whole MiB;
 * -1 when not measured. */
long vcl_advise_vm_overhead_mi(const struct vcl_measured *m);
/* The same for placement p (gvisor's RuntimeClass: the per-sandbox one). */
long vcl_advise_overhead_mi(const struct vcl_measured *m, enum vcl_place p);

/* --emit kustomize DIR: kustomization.yaml, the RuntimeClasses (runc and
 * kata with overhead.podFixed and scheduling.nodeSelector), one patch per
 * advised workload, the input manifests under base/, DECISIONS.md.
 * `kubectl kustomize DIR` renders it without a cluster. */
int vcl_advise_emit_kustomize(const char *dir, const struct vcl_measured *m,
			      const struct vcl_advise_input *in, const struct vcl_decision *d,
			      struct vcl_error **err);

/* Which services change placement if SLOs tighten: the largest startup
 * SLO below the current one (or below none) at which s's advice changes,
 * and to what. Returns false when no tightening down to the fastest p95
 * changes it. */
struct vcl_slo_change {
	double slo_ms; /* the advice changes for any SLO below this */
	int place;     /* new placement, -1 for no placement */
};
bool vcl_advise_slo_change(const struct vcl_service *s, const struct vcl_measured *m,
			   const struct vcl_decision *d, struct vcl_slo_change *c);

/* The advisor's section of the report: a markdown summary of its advice for
 * the example services (the YAML files in docs/examples/) against
 * results_path, written to out. 0 on success, <0 with *err set. The report
 * (report/) calls it; the advisor knows nothing of the report. */
int vcl_advise_summary_md(const char *results_path, FILE *out, struct vcl_error **err);

#endif

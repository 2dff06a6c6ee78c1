/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_H
#define VCL_BENCH_H

/*
 * `vclab bench` as a library (the verb, cli/bench.c, parses the options and
 * calls vcl_bench_run): options (pure parsing, unit-tested), the run
 * context every scenario shares, and the table of scenarios (one
 * scenario_*.c each).
 */

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/backend.h"
#include "core/opt.h"
#include "core/host.h"
#include "core/error.h"
#include "core/ledger.h"

struct vcl_image;

/* When one scenario ran (CLOCK_REALTIME ns), for concurrent_runs[]. */
struct vcl_bench_window {
	const char *scenario;
	int64_t from, to;
};

#define VCL_MAX_ACTIVE 10

struct vcl_bench_opts {
	const char *profile; /* quick | standard | full */
	char **backends;     /* NULL-terminated; NULL = every placement built in */
	bool backends_given;
	char **peers; /* NULL-terminated; NULL = the profile's default */
	bool peers_given;
	char **scenarios; /* NULL = all */
	const char *out;  /* NULL = results/<timestamp>-<hostname> */
	const char *payload;
	unsigned runs, vm_runs, warmup, vm_warmup;
	unsigned timeout_ms, vm_timeout_ms;
	struct vcl_limits limits;
	unsigned vcpus;
	uint64_t vm_mem_mib;
	const char *vm_net, *connect_uri, *kernel, *initrd;
	uint64_t vm_host_port;
	bool ctr_userns;
	bool ctr_no_seccomp;
	const char *security;	     /* containers: "cri" (containerd's defaults) | "strict" */
	const char *gvisor_platform; /* "auto" | "systrap" | "kvm" | "ptrace" */
	/* scenarios */
	unsigned mem_instances, vm_mem_instances;
	uint64_t budget_mib, vm_budget_mib;
	unsigned burst, vm_burst;
	double density_seconds; /* density: time limit per placement */
	const char *ksm;	/* density: "off" | "on" | "both" (VMs) */
	double density_load;	/* density: req/s per instance per step, 0 = none */
	double density_hold;	/* density: seconds the grown set stays up, 0 = none */
	double scale_threshold;
	unsigned autoscale_repeats, vm_autoscale_repeats;
	double steady_seconds;
	unsigned steady_concurrency;
	unsigned steady_rate; /* open-loop req/s, the same for every placement (200) */
	uint64_t work_iters;
	uint64_t seed; /* launch order; seed_given: --seed */
	bool seed_given;
	bool quiet, json, no_report;
	const char *cache; /* "warm" | "cold": drop the page cache before each startup launch */

	/* The user's service instead of the payload (image/image.h) */
	const char *image;	/* --image REF */
	const char *binary;	/* --binary PATH */
	const char *svc_name;	/* --name */
	unsigned svc_port;	/* --port, 0 = from the image */
	const char *ready;	/* --ready http:PATH[=STATUS]|tcp */
	char **svc_env;		/* --env K=V, repeatable */
	char **svc_cmd;		/* -- CMD ARGS... (argv's strings, NULL-terminated) */
	const char *services;	/* --services FILE.yaml (bench/services.h) */
	const char *host_class; /* --host-class NAME: results host.class, or NULL */
	char **manifests;	/* --manifest FILE.yaml, repeatable (bench/manifest.h) */
	char **image_maps;	/* --image-map FROM=TO or FILE, repeatable */
};

/* The option table (core/opt.h): parsing and --help both come from it. */
extern const struct vcl_optset vcl_bench_optset;

/* Parse argv (argv[0] is "bench"): defaults, then the options, then the
 * profile's counts for those the options left unset. Pure: no I/O besides
 * the error. Sets *help when -h/--help was asked for. Free with
 * vcl_bench_opts_free, also after an error. */
int vcl_bench_opts_parse(int argc, char **argv, struct vcl_bench_opts *o, bool *help,
			 struct vcl_error **err);
void vcl_bench_opts_free(struct vcl_bench_opts *o);
/* The --help text, from vcl_bench_optset. */
void vcl_bench_usage(FILE *f);

struct vcl_bench;
/* Run what o asks for: probe the host, prepare each backend once, run the
 * scenarios, save results.json after each one, print the summary. b holds
 * the run afterwards (its folder, its results); vcl_bench_release it
 * whatever this returns. A signal ends the run early with VCL_E_INTR; what
 * was gathered is saved, marked incomplete. */
int vcl_bench_run(struct vcl_bench *b, struct vcl_bench_opts *o, struct vcl_error **err);
/* After a run: an error when a placement asked for measured no startup at
 * all (each failure was recorded and the run went on, but the run failed). */
int vcl_bench_check_measured(struct vcl_bench *b, struct vcl_error **err);
/* Print the run's summary on stdout (bench_print.c): the figures, a TCG
 * note where VMs ran without KVM, and where results.json is; with --json,
 * the startup figures as one JSON object. */
void vcl_bench_print_summary(struct vcl_bench *b);
void vcl_bench_release(struct vcl_bench *b);

/* The state of one run, shared by every scenario. */
struct vcl_bench {
	struct vcl_bench_opts *o;
	struct vcl_host host;
	char run_id[16];
	char out_dir[512];
	struct vcl_spec spec;	       /* template; index set per launch; spec.ledger: the run's */
	struct vcl_ledger_kinds kinds; /* what spec.ledger's teardown undoes */
	struct vcl_image *image;       /* the user's service, NULL for the payload */
	const struct vcl_backend_ops *active[VCL_MAX_ACTIVE]; /* placements then peers */
	/* run[i]: active[i]'s run context, what its prepare() returned (NULL
	 * before it, after its cleanup, or without a prepare). */
	void *run[VCL_MAX_ACTIVE];
	unsigned nactive;
	/* --services: every service of the file (bench/services.h), measured
	 * one after the other; image and active are set for each in turn
	 * (active: the chosen backends that can run it, from chosen[]). */
	struct vcl_services *services;
	const struct vcl_backend_ops *chosen[VCL_MAX_ACTIVE];
	unsigned nchosen;
	unsigned next_index;
	uint64_t nofile;	  /* RLIMIT_NOFILE after raising it at the start */
	struct json_object *root; /* results.json being built */
	uint64_t seed;		  /* launch order (order.seed in results.json) */
	FILE *csv;
	/* progress */
	unsigned steps_done, steps_total;
	uint64_t t_begin;
	const char *phase;
	bool tty;
	/* The scenarios run so far and when (bench/concurrent.c). */
	struct vcl_bench_window *windows;
	size_t nwindows;
};

/* Whether the run measures scenario: named in --scenarios, or, with none
 * named, every scenario that is not opt_in. */
bool vcl_bench_wants(const struct vcl_bench *b, const char *scenario);
/* The runs/timeout that apply to a backend (VMs get their own counts). */
unsigned vcl_bench_runs(const struct vcl_bench *b, const struct vcl_backend_ops *ops);
unsigned vcl_bench_warmup(const struct vcl_bench *b, const struct vcl_backend_ops *ops);
unsigned vcl_bench_timeout(const struct vcl_bench *b, const struct vcl_backend_ops *ops);

/* Launch one instance of ops in its run (the next index) and return at
 * once; vcl_bench_start also waits until it answers 200 (or fails). */
int vcl_bench_launch(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		     struct vcl_instance **out, struct vcl_error **err);
int vcl_bench_start(struct vcl_bench *b, const struct vcl_backend_ops *ops,
		    struct vcl_instance **out, struct vcl_error **err);
/* Wait for an instance launched by hand (density bursts) with the bench's
 * timeout for its placement. */
int vcl_probe_wait_for_bench(struct vcl_bench *b, struct vcl_instance *inst,
			     struct vcl_error **err);
/* Errors that end the whole run (saved as incomplete) instead of being
 * recorded and survived: SIGINT/SIGTERM, and the host losing something the
 * run needs (libvirtd stopped answering). */
static inline bool vcl_bench_fatal(const struct vcl_error *e)
{
	return e != NULL && (e->kind == VCL_E_INTR || e->kind == VCL_E_ENV);
}
/* Destroy, reporting a failure as a recorded error (never fatal). */
void vcl_bench_stop(struct vcl_bench *b, struct vcl_instance *inst);
/* Record a failure in results.json errors[] and on stderr. */
void vcl_bench_record_error(struct vcl_bench *b, const char *backend, const char *scenario,
			    const struct vcl_error *e);
/* Progress: one step done (prints a bar with an ETA on a terminal). */
void vcl_bench_step(struct vcl_bench *b, const char *what);
/* Write results.json now (after each scenario). */
int vcl_bench_save(struct vcl_bench *b, struct vcl_error **err);
/* backends.<name> or peers.<name> object of the results. */
struct json_object *vcl_bench_result_obj(struct vcl_bench *b, const struct vcl_backend_ops *ops);

/* One scenario: its name (as --scenario and results.json spell it) and what
 * it runs once every active backend is prepared. Each scenario_*.c exports
 * one; vcl_scenarios lists them. Adding a scenario: its file, one line in
 * that table (bench.c). */
struct vcl_scenario {
	const char *name;
	int (*run)(struct vcl_bench *b, struct vcl_error **err);
	/* Grows until the host's memory budget: one run with such a scenario
	 * per host at a time (bench/concurrent.c claims the host's memory). */
	bool fills_memory;
	bool opt_in; /* runs only when --scenarios names it, never by default */
	/* Runs a service of its own (isolation: the probe), after the run's
	 * service(s) are measured and their prepares undone: its run prepares
	 * and cleans up each placement itself. */
	bool own_service;
	/* Left out of the quick profile's default set (run when named with
	 * --scenarios, and by standard and full): the resource scenarios. */
	bool not_quick;
	/* What the scenario needs from the host, checked before the run makes
	 * anything when --scenarios names it (NULL: nothing). */
	int (*preflight)(struct vcl_error **err);
};

extern const struct vcl_scenario vcl_scenario_startup;
extern const struct vcl_scenario vcl_scenario_memory;
extern const struct vcl_scenario vcl_scenario_density;
extern const struct vcl_scenario vcl_scenario_autoscale;
extern const struct vcl_scenario vcl_scenario_steady;
extern const struct vcl_scenario vcl_scenario_isolation;

/* The isolation probe (bin/vclab-isoprobe beside payload) as a user's
 * service, for the isolation scenario and its tests: a rootfs at dir
 * (recorded in ledger first) holding only the static probe, loaded into
 * img (listening on 8080, ready on GET /healthz). Undo with
 * vcl_isolation_service_free, which removes dir. */
int vcl_isolation_service(const char *payload, const char *dir, struct vcl_ledger *ledger,
			  struct vcl_image *img, struct vcl_error **err);
void vcl_isolation_service_free(struct vcl_image *img, const char *dir);
/* GET /isolation from a ready probe, telling it this process (pid and
 * start time) and the host's boot id: the probe's JSON object in *out. */
int vcl_isolation_read(struct vcl_instance *inst, struct json_object **out, struct vcl_error **err);
extern const struct vcl_scenario vcl_scenario_cpu; /* scenario_resources.c */
extern const struct vcl_scenario vcl_scenario_membw;
extern const struct vcl_scenario vcl_scenario_disk;
extern const struct vcl_scenario vcl_scenario_net;

/* Runs beside this one (bench/concurrent.c). Announce the run in its
 * ledger, and claim the host's memory when a scenario asked for fills it:
 * VCL_E_ENV naming the live run that holds it. */
int vcl_bench_announce(struct vcl_bench *b, struct vcl_error **err);
/* Note that scenario ran from from to to (vcl_bench_now_real). */
int vcl_bench_window_add(struct vcl_bench *b, const char *scenario, int64_t from, int64_t to);
int64_t vcl_bench_now_real(void);
/* results.json concurrent_runs[]: every other vclab run active during this
 * one so far, with its overlap of the run and of each scenario. */
void vcl_bench_record_concurrent(struct vcl_bench *b);
/* Pure: seconds [a0, a1] and [b0, b1] (ns) share, 0 when none. */
double vcl_bench_overlap_s(int64_t a0, int64_t a1, int64_t b0, int64_t b1);

/* Every scenario, in the order a run takes them; NULL-terminated. */
extern const struct vcl_scenario *const vcl_scenarios[];

#endif

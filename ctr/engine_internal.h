/* SPDX-License-Identifier: MIT */
#ifndef VCL_CTR_ENGINE_INTERNAL_H
#define VCL_CTR_ENGINE_INTERNAL_H

/*
 * What engine.c (the podman and docker lifecycle: probe, prepare, launch,
 * remove, undo) and engine_args.c (the argv of `ENGINE run`, and what
 * results.json says about the engine) share: an engine's description and
 * run context, an instance's private data and one launch's scratch.
 * Internal to the two files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"
#include "core/launch.h"
#include "core/proc.h"
#include "ctr/ctr.h"

struct json_object;

/* An engine: its static description (podman_eng, docker_eng: name, kind,
 * and what probe() finds, its binary and version), and as the context of
 * one run, a copy of that made by prepare() with the run's part set. */
struct engine {
	const char *name; /* program, backend and state folder name */
	enum vcl_engine_kind kind;
	const struct vcl_backend_ops *ops;
	char bin[256];
	/* per run, set by prepare() */
	struct vcl_ctr_rootfs fs; /* the payload's rootfs, shared with ctr */
	char image[160];	  /* reference to run */
	const char *source;	  /* how the image got into the engine's storage */
	char dir[512];		  /* <state_dir>/<engine> */
	char seccomp[600];
	char run_id[64];
	struct vcl_engine_adjust adj[VCL_ENGINE_MAX_ADJUST];
	size_t nadj;
	char version[64];
};

struct eng_priv {
	struct engine *eng;
	bool started;	       /* `run` was called: the container may exist */
	char id[72];	       /* the engine's container id (hex) */
	char cgpath[192];      /* vclab/<run>/[libpod-]<id> */
	pid_t helper;	       /* conmon or containerd-shim */
	int helper_fd;	       /* its pidfd, -1 when unknown */
	struct vcl_cgroup *cg; /* the container's cgroup, for stats */
	struct vcl_readyline rl;
};

/* One launch's scratch: the `run` argv, what it printed, the READY pipe
 * (the ends still held when the launch returns are closed then). */
struct eng_launch {
	struct engine *e;
	char **argv;
	char *idtext; /* `run`'s stdout: the container id */
	char listen[32], cgparent[128];
	char *args[8]; /* the payload's argv */
	int ready_r, ready_w;
};

/* The argv of `ENGINE run -d` for l's instance (l->arg: its struct
 * eng_launch), through vcl_engine_run_argv; NULL and err on a service's
 * user that the security mode refuses. */
char **vcl_eng_launch_argv(struct vcl_launch *l, struct vcl_error **err);

/* The "engine" and "adjustments" objects of results.json for a run's
 * engine (ctx: its struct engine); NULL before prepare(). */
struct json_object *vcl_eng_describe(const void *ctx);

#endif

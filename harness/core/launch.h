/* SPDX-License-Identifier: MIT */
#ifndef VCL_LAUNCH_H
#define VCL_LAUNCH_H

/*
 * The one launch skeleton every backend's ops->launch runs (bare, ctr,
 * runc/crun, podman/docker, vm, qemu-direct, gvisor). crun's
 * libcrun_container_run and friends share one path and differ in small
 * hooks; so do these. The skeleton does what is the same everywhere:
 *
 *   1. allocate the instance (vcl_instance_new) and its private data
 *      (hooks->priv_size bytes, copied from hooks->priv_init or zeroed);
 *   2. hooks->setup: untimed work the create needs (argv, config files,
 *      pipes, a bundle); every resource it makes is recorded in the ledger
 *      first, with vcl_launch_record();
 *   3. t.start = now; hooks->start: the timed create (clone, `runc run`,
 *      virDomainCreateXML); t.created = now, whether it worked or not;
 *   4. with hooks->record_pid, the ledger records inst->pid with its start
 *      time (a process can only be recorded once it exists);
 *   5. hooks->finish: untimed work after the create (pidfd, netns, the
 *      cgroup opened for sampling, the endpoint);
 *   6. on a failure in any of 2-5: hooks->undo, then the private data and
 *      the instance are freed and the error is wrapped ("Launch <who>
 *      <what> <name>: ..."). Nothing the launch made is left behind.
 *
 * What differs per placement fits in a struct vcl_launch_hooks (static,
 * one per backend) and the struct vcl_launch of one call. A backend's
 * launch op becomes a few lines:
 *
 *	static int ctr_launch(void *ctx, const struct vcl_spec *spec,
 *			      struct vcl_instance **out, struct vcl_error **err)
 *	{
 *		struct ctr_launch_args a = {...};  // per-launch scratch
 *		struct vcl_launch l = {.spec = spec, .ops = &vcl_ctr_ops,
 *				       .ctx = ctx, .arg = &a};
 *
 *		return vcl_launch(&ctr_hooks, &l, out, err);
 *	}
 *
 * The hooks reach everything through l: the spec, the backend's run
 * context (ctx: what prepare() returned, e.g. ctr's struct ctr_run or the
 * VM run), this call's scratch (arg), the instance and its priv.
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/backend.h"
#include "core/error.h"

/* One launch in progress: the caller fills the inputs, the skeleton the
 * rest. Lives on the caller's stack for the duration of vcl_launch(). */
struct vcl_launch {
	/* inputs */
	const struct vcl_spec *spec;
	const struct vcl_backend_ops *ops; /* the instance's ops (runc and crun share hooks) */
	void *ctx;	 /* the backend's run context (prepare()'s state), or NULL */
	void *arg;	 /* this call's scratch the hooks share (argv, pipes), or NULL */
	const char *who; /* the error prefix's first word ("runc", "podman"), or NULL */
	/* set by the skeleton before the first hook */
	struct vcl_instance *inst;
	void *priv; /* == inst->priv, hooks->priv_size bytes */
};

/* What one backend's launch does beyond the skeleton. Every hook but start
 * may be NULL. A hook returns 0, or -1 with *err set. */
struct vcl_launch_hooks {
	/* The error context's noun: "container" gives "Launch [who ]container
	 * vclab-<run>-<n>: ...". NULL: errors go out as the hooks set them. */
	const char *what;
	size_t priv_size;      /* bytes of inst->priv; 0: no private data */
	const void *priv_init; /* priv_size bytes to start from (fds -1); NULL: zeroed */
	/* Before t0, untimed. Record what it makes before making it. */
	int (*setup)(struct vcl_launch *l, struct vcl_error **err);
	/* The timed create, between t.start and t.created. Sets inst->pid
	 * when it starts a host process. */
	int (*start)(struct vcl_launch *l, struct vcl_error **err);
	/* Record inst->pid (when > 0) in the ledger once start returned. */
	bool record_pid;
	/* After t.created, untimed: exit_fd, ready_fd, ep, cgroup... */
	int (*finish)(struct vcl_launch *l, struct vcl_error **err);
	/* A step failed: kill and reap what start made, remove what setup
	 * made, free what priv holds (not priv itself: the skeleton frees it,
	 * and then the instance with vcl_instance_free). priv may be partly
	 * filled: undo copes with every step's state. It may replace *err
	 * with a better explanation (a container's own setup error). */
	void (*undo)(struct vcl_launch *l, struct vcl_error **err);
};

/* Run one launch: the six steps above. On success *out owns the instance
 * (its ops->destroy frees it); on failure nothing is left and *out is
 * untouched. */
int vcl_launch(const struct vcl_launch_hooks *hooks, struct vcl_launch *l,
	       struct vcl_instance **out, struct vcl_error **err);

/* Append one record to the ledger of this launch's run, before the
 * resource it names exists (setup's rule). */
int vcl_launch_record(struct vcl_launch *l, struct vcl_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

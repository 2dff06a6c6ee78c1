/* SPDX-License-Identifier: MIT */
#ifndef VCL_CTR_RUNTIME_INTERNAL_H
#define VCL_CTR_RUNTIME_INTERNAL_H

/*
 * What runtime.c (the runtime's lifecycle: probe, create, start, delete,
 * pods) and runtime_bundle.c (the bundles and their config.json) share:
 * an instance's private data and one launch's scratch. Internal to the
 * two files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/backend.h"
#include "core/error.h"
#include "core/launch.h"
#include "ctr/ctr.h"
#include "ctr/runtime.h"

struct json_object;

/* Most containers a pod may have beside its main one. */
#define RT_POD_MAX 16

/* One of a pod's other containers: a runc container of its own. */
struct rt_member {
	char id[160];	       /* <instance>-<container> */
	char *bundle;	       /* <state_dir>/<rt>/<n>-<container> */
	char cgpath[256];      /* vclab/<run>/<n>/<container>: under the pod's */
	struct vcl_cgroup *cg; /* a running app container's, for samples */
	bool svc_root, made;
};

struct rt_priv {
	struct vcl_runtime *rt;
	char *bundle;	       /* <state_dir>/<rt>/<n> */
	char *root;	       /* <state_dir>/<rt>/state: the runtime's --root */
	char cgpath[192];      /* vclab/<run>/<n> */
	char id[96];	       /* the runtime's container ID: the name, plus rt->id_suffix */
	struct vcl_cgroup *cg; /* opened from the container's pid, for stats */
	struct vcl_readyline rl;
	bool svc_root; /* <bundle>/rootfs is the service's overlay, mounted */
	bool made;     /* the bundle folder exists */
	bool started;  /* the create call was made: the container may exist */
	/* A pod: the sandbox holder, and the other containers. */
	pid_t holder;
	int holder_fd;
	struct rt_member member[RT_POD_MAX];
	size_t nmembers;
};

/* One launch's scratch: paths, the payload's argv, the READY pipe (the
 * ends still held when the launch returns are closed then). */
struct rt_launch {
	struct vcl_runtime *rt;
	const char *rootfs;
	char *dir; /* <state_dir>/<rt> */
	char listen[32], abscg[200], log[600], pidfile[600], svcroot[600];
	char *args[8];
	int ready_r, ready_w;
	int status; /* of the create call */
};

/* Write cfg as BUNDLE/config.json. */
int vcl_rt_write_config(const char *bundle, struct json_object *cfg, struct vcl_error **err);

/* The config of probe()'s trivial container in DIR (DIR/rootfs exists). */
int vcl_rt_trial_bundle(const char *dir, struct json_object **cfg_out, struct vcl_error **err);

/* Member m of a pod: its bundle under DIR (recorded first), overlay root
 * and config, joining the sandbox of l's private data. */
int vcl_rt_member_bundle(struct vcl_launch *l, const char *dir, const struct vcl_svc_spec *m,
			 struct rt_member *k, struct vcl_error **err);

/* The OCI config of l's container (l->arg: its struct rt_launch), written
 * into its bundle. */
int vcl_rt_config(struct vcl_launch *l, struct vcl_error **err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1, and the v1/v2 hybrid of the lab machines (its cgroup2 tree
 * is empty: every controller is on v1), through libcgroup: it knows where
 * each controller is mounted, creates across the hierarchies, and writes
 * the knobs. One hierarchy per controller (or per group of them: cpu and
 * cpuacct may share one, here they do not).
 */
#include <errno.h>
#include <libcgroup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cgroup_internal.h"
#include "core/cleanup.h"
#include "core/util.h"

static const char *const v1_controllers[] = {"memory", "cpu", "cpuacct", "pids", "cpuset"};

static char *v1_dir(const char *controller, const char *path)
{
	char *mnt = NULL, *out = NULL;

	if (cgroup_get_subsys_mount_point(controller, &mnt) != 0 || mnt == NULL)
		return NULL;
	if (asprintf(&out, "%s/%s", mnt, path) < 0)
		out = NULL;
	free(mnt);
	return out;
}

/* cpuset on v1 needs cpus and mems set at every level before a task can
 * join; the lab's intermediate folders take the root's values. */
static int root_cpuset(const char *knob, char *out, size_t len)
{
	cleanup_free char *buf = vcl_cgroup_read_text("cpuset", "", knob);

	if (buf == NULL)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf);
	return 0;
}

/* A libcgroup failure as an error naming what failed: its errno when it
 * has one (a failed write or a missing file), else libcgroup's words. */
static int lib_fail(struct vcl_error **err, int r, const char *what, const char *path)
{
	int e = r == ECGOTHER || r == ECGROUPVALUENOTEXIST ? cgroup_get_last_errno() : 0;

	if (e != 0)
		return vcl_fail(err, e, "Cgroup %s: %s", path, what);
	return vcl_fail(err, 0, "Cgroup %s: %s: %s", path, what, cgroup_strerror(r));
}

/* Write one knob through libcgroup, alone, so that a failure names it. */
static int knob_write(const char *path, const struct vcl_cg_knob *k, struct vcl_error **err)
{
	struct cgroup *cg = cgroup_new_cgroup(path);
	struct cgroup_controller *c = cg != NULL ? cgroup_add_controller(cg, k->controller) : NULL;
	char what[160];
	int r = c != NULL ? cgroup_add_value_string(c, k->name, k->value) : ECGFAIL;

	if (r == 0)
		r = cgroup_modify_cgroup(cg);
	cgroup_free(&cg);
	if (r == 0 || (r == ECGROUPVALUENOTEXIST && k->optional))
		return 0;
	snprintf(what, sizeof(what), "write '%s' to %s", k->value, k->name);
	return lib_fail(err, r, what, path);
}

/* Whether the new folder path already holds a cpuset knob: copied from
 * its parent at mkdir when the parent has cgroup.clone_children set. */
static bool cpuset_inherited(const char *path, const char *knob)
{
	cleanup_free char *buf = vcl_cgroup_read_text("cpuset", path, knob);

	return buf != NULL && buf[strspn(buf, " \n")] != '\0';
}

/* The knobs of a new folder: its cpuset (v1 leaves a child's empty, and
 * an empty cpuset takes no task) unless it inherited one, then lim's.
 *
 * A folder the lab makes for others (lim NULL) sets cgroup.clone_children,
 * so that the kernel copies its cpuset into each child at mkdir. Writing
 * cpuset.cpus instead rebuilds the host's scheduling domains over every
 * cpuset there is (v1, sched_load_balance on): at density's thousands of
 * instances that write was the costliest step of a launch. */
static size_t knobs_of(const char *path, const struct vcl_limits *lim, const char *cpuset,
		       struct vcl_cg_knob *k, size_t max)
{
	size_t n = 0;

	if (vcl_cg_no_cpuset(cpuset))
		return vcl_cgroup_limit_knobs(lim, false, k, max); /* no cpuset folder */
	k[n] = (struct vcl_cg_knob){.controller = "cpuset", .name = "cpuset.cpus"};
	if (cpuset != NULL)
		snprintf(k[n].value, sizeof(k[n].value), "%s", cpuset);
	else if (!cpuset_inherited(path, "cpuset.cpus"))
		root_cpuset("cpuset.cpus", k[n].value, sizeof(k[n].value));
	n += k[n].value[0] != '\0';
	k[n] = (struct vcl_cg_knob){.controller = "cpuset", .name = "cpuset.mems"};
	if (!cpuset_inherited(path, "cpuset.mems"))
		root_cpuset("cpuset.mems", k[n].value, sizeof(k[n].value));
	n += k[n].value[0] != '\0';
	if (lim == NULL) {
		k[n] = (struct vcl_cg_knob){
		    .controller = "cpuset", .name = "cgroup.clone_children", .value = "1"};
		n++;
	}
	return n + vcl_cgroup_limit_knobs(lim, false, k + n, max - n);
}

/* Make path in every hierarchy of our controllers, then write its knobs;
 * a knob that cannot be written takes the new folders away again, as
 * libcgroup's own create does. */
static int create_one(const char *path, const struct vcl_limits *lim, const char *cpuset,
		      struct vcl_error **err)
{
	struct cgroup *cg = cgroup_new_cgroup(path);
	struct vcl_cg_knob knobs[VCL_CG_MAX_KNOBS];
	size_t n;
	int r;

	if (cg == NULL)
		return vcl_fail(err, ENOMEM, "Describe cgroup %s", path);
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		if (!vcl_cg_has_controller(cpuset, v1_controllers[i]))
			continue;
		if (cgroup_add_controller(cg, v1_controllers[i]) == NULL) {
			cgroup_free(&cg);
			return vcl_error_set(err, VCL_E_ENV, 0,
					     "Cgroup %s: controller %s unavailable", path,
					     v1_controllers[i]);
		}
	}
	r = cgroup_create_cgroup(cg, 0);
	if (r != 0) {
		cgroup_free(&cg);
		return lib_fail(err, r, "create", path);
	}
	n = knobs_of(path, lim, cpuset, knobs, ARRAY_SIZE(knobs));
	for (size_t i = 0; i < n; i++) {
		if (knob_write(path, &knobs[i], err) < 0) {
			cgroup_delete_cgroup(cg, 1);
			cgroup_free(&cg);
			return -1;
		}
	}
	cgroup_free(&cg);
	return 0;
}

/* Parents first, each with the root's cpuset, no limits. libcgroup would
 * mkdir them too, but leave their cpuset empty. */
static int v1_create(const char *path, const struct vcl_limits *lim, const char *cpuset,
		     struct vcl_error **err)
{
	char parent[256];

	for (const char *slash = strchr(path, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		cleanup_free char *dir = NULL;
		struct stat st;

		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
		dir = v1_dir("memory", parent);
		if (dir != NULL && stat(dir, &st) == 0)
			continue;
		if (create_one(parent, NULL, NULL, err) < 0)
			return -1;
	}
	return create_one(path, lim, cpuset, err);
}

static int v1_proc_cgroup(const char *text, char *out, size_t len)
{
	return vcl_cgroup_proc_path(text, false, out, len);
}

static int v1_stats(const char *path, struct vcl_cg_stats *st, struct vcl_error **err)
{
	uint64_t v;

	/* On v1 with kernel >= 4.x kernel memory is charged to
	 * memory.usage_in_bytes too; kmem.usage_in_bytes is its part. */
	if (vcl_cgroup_read_u64("memory", path, "memory.usage_in_bytes", &st->mem_bytes, NULL, 0) <
	    0)
		return vcl_fail(err, 0, "Read memory.usage_in_bytes of %s", path);
	st->kmem_known =
	    vcl_cgroup_read_u64("memory", path, "memory.kmem.usage_in_bytes", &st->kmem_bytes,
				st->kmem_why, sizeof(st->kmem_why)) == 0;
	st->cpu_known = vcl_cgroup_read_u64("cpuacct", path, "cpuacct.usage", &v, NULL, 0) == 0;
	if (st->cpu_known)
		st->cpu_usec = v / 1000;
	if (vcl_cgroup_read_keyed("memory", path, "memory.oom_control", "oom_kill", &v) == 0)
		st->oom_kills = v;
	return 0;
}

/* The tasks of path, as the memory hierarchy lists them: on v1 vclab's
 * tasks sit in the instance's own folder. */
static int v1_procs(const char *path, pid_t **pids, size_t *n, struct vcl_error **err)
{
	cleanup_free char *dir = v1_dir("memory", path);
	struct vcl_cg_pids l = {0};
	char file[512];

	if (dir == NULL)
		return vcl_fail(err, 0, "Cgroup %s: no memory hierarchy", path);
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	if (vcl_cgroup_pids_read(&l, file) < 0) {
		free(l.v);
		return vcl_fail(err, errno, "Read %s", file);
	}
	*pids = l.v;
	*n = l.n;
	return 0;
}

const struct vcl_cgroup_ops vcl_cgroup_v1_ops = {
    .controllers = v1_controllers,
    .ncontrollers = ARRAY_SIZE(v1_controllers),
    .proc_line = "memory",
    .dir = v1_dir,
    .create = v1_create,
    .proc_cgroup = v1_proc_cgroup,
    .stats = v1_stats,
    .procs = v1_procs,
};

/* SPDX-License-Identifier: MIT */
/*
 * Pure cgroup v2: one tree at VCL_CG_V2_ROOT, plain mkdir and writes, no
 * libcgroup; delegation down the tree (cgroup.subtree_control) is done
 * here, with errors that say which rule a parent breaks. The functions
 * that take the root run in tests/unit/test_cgroup.c on a temp dir laid
 * out like one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cgroup_internal.h"
#include "core/cleanup.h"
#include "core/util.h"

static const char *const v2_controllers[] = {"memory", "cpu", "pids", "cpuset"};

/* Write val to root/dir/knob. O_CREAT only matters for a fake tree: on
 * cgroupfs a knob the kernel did not make cannot be created, and that open
 * fails with the error the caller reports. */
static int v2_write(const char *root, const char *dir, const char *knob, const char *val,
		    struct vcl_error **err)
{
	char file[768];
	cleanup_close int fd = -1;
	size_t len = strlen(val);

	snprintf(file, sizeof(file), "%s/%s%s%s", root, dir, dir[0] != '\0' ? "/" : "", knob);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vcl_fail(err, errno, "Open %s", file);
	if (write(fd, val, len) != (ssize_t)len)
		return vcl_fail(err, errno, "Write '%s' to %s", val, file);
	return 0;
}

static int v2_read(const char *root, const char *dir, const char *knob, char **out)
{
	char file[768];

	snprintf(file, sizeof(file), "%s/%s%s%s", root, dir, dir[0] != '\0' ? "/" : "", knob);
	return vcl_read_file(file, out, NULL, NULL);
}

/*
 * Let the children of dir (relative to root, "" = the root) use every
 * controller vclab needs. On v2 a controller reaches a cgroup only when
 * its parent lists it in cgroup.subtree_control, and only a parent that
 * has it itself (its cgroup.controllers) can; so delegation goes top-down.
 * systemd enables cpu, io, memory and pids at the root, not cpuset.
 *
 * The no-internal-process rule: a non-root cgroup that holds processes
 * cannot enable a domain controller for its children (EBUSY). Said up
 * front, with the cgroup named, instead of a bare "Device or resource busy".
 */
static int v2_delegate(const char *root, const char *dir, struct vcl_error **err)
{
	cleanup_free char *have = NULL, *on = NULL, *procs = NULL;
	char add[128] = "";

	if (v2_read(root, dir, "cgroup.controllers", &have) < 0)
		return vcl_fail(err, errno, "Read %s/%s/cgroup.controllers", root, dir);
	if (v2_read(root, dir, "cgroup.subtree_control", &on) < 0)
		return vcl_fail(err, errno, "Read %s/%s/cgroup.subtree_control", root, dir);
	for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++) {
		if (vcl_cgroup_word_in(on, v2_controllers[i]))
			continue;
		if (!vcl_cgroup_word_in(have, v2_controllers[i]))
			return vcl_error_set(
			    err, VCL_E_ENV, 0,
			    "Cgroup v2: controller %s is not available in %s/%s "
			    "(cgroup.controllers: "
			    "%.*s); its parent must enable it in cgroup.subtree_control",
			    v2_controllers[i], root, dir, (int)strcspn(have, "\n"), have);
		snprintf(add + strlen(add), sizeof(add) - strlen(add), "%s+%s",
			 add[0] != '\0' ? " " : "", v2_controllers[i]);
	}
	if (add[0] == '\0')
		return 0;
	if (dir[0] != '\0' && v2_read(root, dir, "cgroup.procs", &procs) == 0 && procs[0] != '\0')
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "Cgroup %s/%s holds processes: cgroup v2 cannot enable %s for "
				     "its children (the no-internal-process rule)",
				     root, dir, add);
	return v2_write(root, dir, "cgroup.subtree_control", add, err);
}

/* The cpuset (when given) and lim's knobs of root/path; a knob the kernel
 * may lack (optional) is skipped when absent. */
static int v2_knobs(const char *root, const char *path, const struct vcl_limits *lim,
		    const char *cpuset, struct vcl_error **err)
{
	struct vcl_cg_knob knobs[VCL_CG_MAX_KNOBS];
	size_t n = vcl_cgroup_limit_knobs(lim, true, knobs, ARRAY_SIZE(knobs));
	char full[768];

	if (cpuset != NULL && !vcl_cg_no_cpuset(cpuset) &&
	    v2_write(root, path, "cpuset.cpus", cpuset, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s/%s", root, path, knobs[i].name);
		if (knobs[i].optional && access(full, F_OK) != 0)
			continue;
		if (v2_write(root, path, knobs[i].name, knobs[i].value, err) < 0)
			return -1;
	}
	return 0;
}

int vcl_cgroup_v2_create(const char *root, const char *path, const struct vcl_limits *lim,
			 const char *cpuset, struct vcl_error **err)
{
	char dir[256], full[768];

	if (strlen(path) >= sizeof(dir))
		return vcl_usage(err, "Cgroup path too long: %s", path);
	/* The root, then every parent: delegate, then make the child. */
	if (v2_delegate(root, "", err) < 0)
		return -1;
	for (const char *slash = path;; slash++) {
		slash = strchr(slash, '/');
		snprintf(dir, sizeof(dir), "%.*s",
			 slash != NULL ? (int)(slash - path) : (int)strlen(path), path);
		snprintf(full, sizeof(full), "%s/%s", root, dir);
		if (mkdir(full, 0755) < 0 && errno != EEXIST)
			return vcl_fail(err, errno, "Create cgroup %s", full);
		if (slash == NULL)
			break;
		if (v2_delegate(root, dir, err) < 0)
			return -1;
	}
	return v2_knobs(root, path, lim, cpuset, err);
}

int vcl_cgroup_v2_sample_path(const char *root, const char *path, char *out, size_t len)
{
	char cur[256];

	if (strlen(path) >= sizeof(cur) || strlen(path) >= len)
		return -1;
	snprintf(cur, sizeof(cur), "%s", path);
	/* Up out of a threaded subtree to its threaded root: the threaded
	 * children (libvirt's emulator, vcpuN) have no memory controller and
	 * their cpu.stat covers only their own threads. */
	for (;;) {
		cleanup_free char *type = NULL;
		char *slash = strrchr(cur, '/');

		if (cur[0] == '\0' || v2_read(root, cur, "cgroup.type", &type) < 0 ||
		    strncmp(type, "threaded", 8) != 0)
			break;
		if (slash == NULL)
			cur[0] = '\0';
		else
			*slash = '\0';
	}
	/* Under systemd, libvirt cannot put QEMU in the machine scope and
	 * make children there (no internal processes), so it makes its own
	 * "libvirt" child of the scope: the scope is the VM as a whole. */
	{
		char *slash = strrchr(cur, '/');
		size_t n;

		if (slash != NULL && strcmp(slash + 1, "libvirt") == 0) {
			*slash = '\0';
			n = strlen(cur);
			if (n < 6 || strcmp(cur + n - 6, ".scope") != 0)
				*slash = '/';
		}
	}
	snprintf(out, len, "%s", cur);
	return 0;
}

/* Tasks of dir and every cgroup under it (depth-first). A threaded child's
 * cgroup.procs cannot be read (EOPNOTSUPP): its processes are listed by its
 * threaded root, which is read first. */
static int v2_procs_walk(const char *root, const char *dir, int depth, struct vcl_cg_pids *l)
{
	char full[768];
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 16)
		return 0;
	snprintf(full, sizeof(full), "%s/%s%scgroup.procs", root, dir, dir[0] != '\0' ? "/" : "");
	if (vcl_cgroup_pids_read(l, full) < 0 && errno == ENOMEM)
		return -1;
	snprintf(full, sizeof(full), "%s/%s", root, dir);
	d = opendir(full);
	if (d == NULL)
		return 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		char sub[512];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", dir, dir[0] != '\0' ? "/" : "", de->d_name);
		r = v2_procs_walk(root, sub, depth + 1, l);
	}
	closedir(d);
	return r;
}

int vcl_cgroup_v2_procs(const char *root, const char *path, pid_t **pids, size_t *n,
			struct vcl_error **err)
{
	struct vcl_cg_pids l = {0};
	char full[768];
	struct stat st;

	*pids = NULL;
	*n = 0;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (stat(full, &st) < 0)
		return vcl_fail(err, errno, "Cgroup %s", full);
	if (v2_procs_walk(root, path, 0, &l) < 0) {
		free(l.v);
		return vcl_fail(err, ENOMEM, "Read the tasks of %s", full);
	}
	*pids = l.v;
	*n = l.n;
	return 0;
}

int vcl_cgroup_v2_describe(const char *root, char *buf, size_t len)
{
	cleanup_free char *have = NULL;
	char missing[64] = "";
	int n;

	if (v2_read(root, "", "cgroup.controllers", &have) < 0) {
		snprintf(buf, len, "v2 (%s/cgroup.controllers unreadable: %s)", root,
			 strerror(errno));
		return -1;
	}
	have[strcspn(have, "\n")] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++)
		if (!vcl_cgroup_word_in(have, v2_controllers[i]))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 "%s%s", missing[0] != '\0' ? " " : "", v2_controllers[i]);
	if (missing[0] != '\0') {
		snprintf(buf, len,
			 "v2 (controllers: %s; missing %s: bare's and ctr's cgroups will fail)",
			 have, missing);
		return -1;
	}
	n = snprintf(buf, len, "v2 (controllers: %s)", have);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- the ops on the real tree ---- */

static char *v2_dir(const char *controller, const char *path)
{
	char *out = NULL;

	if (asprintf(&out, VCL_CG_V2_ROOT "/%s", path) < 0)
		return NULL;
	return out;
}

static int v2_create(const char *path, const struct vcl_limits *lim, const char *cpuset,
		     struct vcl_error **err)
{
	return vcl_cgroup_v2_create(VCL_CG_V2_ROOT, path, lim, cpuset, err);
}

/* On v2 QEMU's threads sit in libvirt's threaded emulator/vcpuN children:
 * sample the VM's scope as a whole. */
static int v2_proc_cgroup(const char *text, char *out, size_t len)
{
	char path[256];

	if (vcl_cgroup_proc_path(text, true, path, sizeof(path)) < 0)
		return -1;
	return vcl_cgroup_v2_sample_path(VCL_CG_V2_ROOT, path, out, len);
}

static int v2_stats(const char *path, struct vcl_cg_stats *st, struct vcl_error **err)
{
	uint64_t v;

	if (vcl_cgroup_read_u64("memory", path, "memory.current", &st->mem_bytes, NULL, 0) < 0)
		return vcl_fail(err, 0, "Read memory.current of %s", path);
	if (vcl_cgroup_read_keyed("memory", path, "memory.stat", "kernel", &v) == 0) {
		st->kmem_bytes = v;
		st->kmem_known = true;
	} else {
		snprintf(st->kmem_why, sizeof(st->kmem_why),
			 "memory.stat has no 'kernel' entry (not reported by this kernel)");
	}
	st->cpu_known = vcl_cgroup_read_keyed("cpu", path, "cpu.stat", "usage_usec", &v) == 0;
	if (st->cpu_known)
		st->cpu_usec = v;
	if (vcl_cgroup_read_keyed("memory", path, "memory.events", "oom_kill", &v) == 0)
		st->oom_kills = v;
	return 0;
}

/* On v2 tasks may sit in child cgroups (a VM's scope, a runtime's nested
 * folders): the cgroup's cgroup.procs alone would miss them. */
static int v2_procs(const char *path, pid_t **pids, size_t *n, struct vcl_error **err)
{
	return vcl_cgroup_v2_procs(VCL_CG_V2_ROOT, path, pids, n, err);
}

/* cgroup.kill (Linux 5.14) kills the whole subtree atomically. */
static void v2_kill_tree(const char *path)
{
	char file[512];

	snprintf(file, sizeof(file), VCL_CG_V2_ROOT "/%s/cgroup.kill", path);
	if (access(file, W_OK) == 0)
		vcl_write_file(file, "1", NULL);
}

static int v2_dirfd(const char *path)
{
	char dir[320];

	snprintf(dir, sizeof(dir), VCL_CG_V2_ROOT "/%s", path);
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

const struct vcl_cgroup_ops vcl_cgroup_v2_ops = {
    .controllers = v2_controllers,
    .ncontrollers = ARRAY_SIZE(v2_controllers),
    .proc_line = "0::",
    .dir = v2_dir,
    .create = v2_create,
    .proc_cgroup = v2_proc_cgroup,
    .stats = v2_stats,
    .procs = v2_procs,
    .kill_tree = v2_kill_tree,
    .dirfd = v2_dirfd,
};

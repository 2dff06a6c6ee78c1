/* SPDX-License-Identifier: MIT */
#include "core/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Controllers an instance cgroup joins. On v1, cpu and cpuacct may share a
 * hierarchy or not (here they do not); libcgroup sorts that out. */
static const char *const v1_controllers[] = {"memory", "cpu", "cpuacct", "pids", "cpuset"};
static const char *const v2_controllers[] = {"memory", "cpu", "pids", "cpuset"};

struct vcl_cgroup {
	char path[256];
	bool owned; /* created by us: destroy removes it */
	/* Absolute cgroup.procs files, precomputed so that attaching from a
	 * freshly forked or cloned child needs no allocation. */
	char procs[8][320];
	unsigned nprocs;
};

static enum vcl_cgroup_mode cached_mode = VCL_CG_NONE;

enum vcl_cgroup_mode vcl_cgroup_mode(void)
{
	struct statfs fs;

	if (cached_mode != VCL_CG_NONE)
		return cached_mode;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return VCL_CG_NONE;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		cached_mode = VCL_CG_V2;
	else if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		cached_mode = VCL_CG_HYBRID;
	else
		cached_mode = VCL_CG_V1;
	return cached_mode;
}

const char *vcl_cgroup_mode_name(enum vcl_cgroup_mode m)
{
	switch (m) {
	case VCL_CG_V1:
		return "v1";
	case VCL_CG_HYBRID:
		return "hybrid";
	case VCL_CG_V2:
		return "v2";
	default:
		return "none";
	}
}

static bool is_v2(void)
{
	return vcl_cgroup_mode() == VCL_CG_V2;
}

static int lib_init(struct vcl_error **err)
{
	static int done, status;

	if (!done) {
		status = cgroup_init();
		done = 1;
	}
	if (status != 0)
		return vcl_error_set(err, VCL_E_ENV, 0, "Initialise libcgroup: %s",
				     cgroup_strerror(status));
	return 0;
}

static const char *const *controllers(size_t *n)
{
	if (is_v2()) {
		*n = ARRAY_SIZE(v2_controllers);
		return v2_controllers;
	}
	*n = ARRAY_SIZE(v1_controllers);
	return v1_controllers;
}

char *vcl_cgroup_dir(const char *controller, const char *path)
{
	char *mnt = NULL, *out = NULL;

	if (lib_init(NULL) < 0)
		return NULL;
	if (is_v2()) {
		if (asprintf(&out, "/sys/fs/cgroup/%s", path) < 0)
			return NULL;
		return out;
	}
	if (cgroup_get_subsys_mount_point(controller, &mnt) != 0 || mnt == NULL)
		return NULL;
	if (asprintf(&out, "%s/%s", mnt, path) < 0)
		out = NULL;
	free(mnt);
	return out;
}

static int knob_read(const char *controller, const char *path, const char *knob, uint64_t *v)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	char file[512];

	if (dir == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/%s", dir, knob);
	return vcl_read_u64(file, v, NULL);
}

/* Read "key value" out of a flat-keyed cgroup file (memory.stat, cpu.stat,
 * memory.events, memory.oom_control). */
static int keyed_read(const char *controller, const char *path, const char *file_name,
		      const char *key, uint64_t *v)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	cleanup_free char *buf = NULL;
	char file[512];
	size_t klen = strlen(key);

	if (dir == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/%s", dir, file_name);
	if (vcl_read_file(file, &buf, NULL, NULL) < 0)
		return -1;
	for (char *line = buf; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');

		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*v = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
}

/* cpuset on v1 needs cpus and mems set at every level before a task can
 * join; the lab's intermediate folders take the root's values. */
static int root_cpuset(const char *knob, char *out, size_t len)
{
	cleanup_free char *dir = vcl_cgroup_dir("cpuset", "");
	cleanup_free char *buf = NULL;
	char file[512];

	if (dir == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/%s", dir, knob);
	if (vcl_read_file(file, &buf, NULL, NULL) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf);
	return 0;
}

static int add_u64(struct cgroup_controller *c, const char *knob, uint64_t v)
{
	return cgroup_add_value_uint64(c, knob, v);
}

/* Build a libcgroup description of path with our controllers and limits. */
static struct cgroup *describe(const char *path, const struct vcl_limits *lim, const char *cpuset,
			       struct vcl_error **err)
{
	struct cgroup *cg = cgroup_new_cgroup(path);
	size_t n;
	const char *const *ctrls = controllers(&n);
	char cpus[128] = "", mems[128] = "";

	if (cg == NULL) {
		vcl_fail(err, ENOMEM, "Describe cgroup %s", path);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct cgroup_controller *c = cgroup_add_controller(cg, ctrls[i]);
		int r = 0;

		if (c == NULL) {
			vcl_error_set(err, VCL_E_ENV, 0, "Cgroup %s: controller %s unavailable",
				      path, ctrls[i]);
			cgroup_free(&cg);
			return NULL;
		}
		if (strcmp(ctrls[i], "cpuset") == 0) {
			if (cpuset != NULL)
				snprintf(cpus, sizeof(cpus), "%s", cpuset);
			else if (!is_v2())
				root_cpuset("cpuset.cpus", cpus, sizeof(cpus));
			if (!is_v2())
				root_cpuset("cpuset.mems", mems, sizeof(mems));
			if (cpus[0] != '\0')
				r |= cgroup_add_value_string(c, "cpuset.cpus", cpus);
			if (mems[0] != '\0')
				r |= cgroup_add_value_string(c, "cpuset.mems", mems);
		}
		if (lim == NULL)
			continue;
		if (strcmp(ctrls[i], "memory") == 0 && lim->mem_mib > 0) {
			uint64_t bytes = lim->mem_mib << 20;

			if (is_v2()) {
				r |= add_u64(c, "memory.max", bytes);
				r |= add_u64(c, "memory.swap.max", 0);
			} else {
				r |= add_u64(c, "memory.limit_in_bytes", bytes);
			}
		} else if (strcmp(ctrls[i], "cpu") == 0 && lim->cpus > 0) {
			uint64_t period = 100000, quota = (uint64_t)(lim->cpus * (double)period);

			if (is_v2()) {
				char v[64];

				snprintf(v, sizeof(v), "%llu %llu", (unsigned long long)quota,
					 (unsigned long long)period);
				r |= cgroup_add_value_string(c, "cpu.max", v);
			} else {
				r |= add_u64(c, "cpu.cfs_period_us", period);
				r |= add_u64(c, "cpu.cfs_quota_us", quota);
			}
		} else if (strcmp(ctrls[i], "pids") == 0 && lim->pids > 0) {
			r |= add_u64(c, "pids.max", lim->pids);
		}
		if (r != 0) {
			vcl_fail(err, 0, "Cgroup %s: set limits", path);
			cgroup_free(&cg);
			return NULL;
		}
	}
	return cg;
}

static int create_one(const char *path, const struct vcl_limits *lim, const char *cpuset,
		      struct vcl_error **err)
{
	struct cgroup *cg = describe(path, lim, cpuset, err);
	int r;

	if (cg == NULL)
		return -1;
	r = cgroup_create_cgroup(cg, 0);
	cgroup_free(&cg);
	if (r != 0)
		return vcl_fail(err, r == ECGOTHER ? cgroup_get_last_errno() : 0,
				"Create cgroup %s: %s", path, cgroup_strerror(r));
	return 0;
}

static void fill_procs(struct vcl_cgroup *cg)
{
	size_t n;
	const char *const *ctrls = controllers(&n);

	cg->nprocs = 0;
	for (size_t i = 0; i < n && cg->nprocs < ARRAY_SIZE(cg->procs); i++) {
		cleanup_free char *dir = vcl_cgroup_dir(ctrls[i], cg->path);
		bool dup = false;

		if (dir == NULL)
			continue;
		snprintf(cg->procs[cg->nprocs], sizeof(cg->procs[0]), "%s/cgroup.procs", dir);
		for (unsigned j = 0; j < cg->nprocs; j++)
			dup |= strcmp(cg->procs[j], cg->procs[cg->nprocs]) == 0;
		if (!dup)
			cg->nprocs++;
		if (is_v2())
			break; /* one tree */
	}
}

int vcl_cgroup_create(const char *path, const struct vcl_limits *lim, const char *cpuset,
		      struct vcl_cgroup **out, struct vcl_error **err)
{
	cleanup_free struct vcl_cgroup *cg = NULL;
	char parent[256];
	const char *slash;

	if (lib_init(err) < 0)
		return -1;
	if (strlen(path) >= sizeof(cg->path))
		return vcl_usage(err, "Cgroup path too long: %s", path);
	if (vcl_ledger_add(err, "cgroup %s", path) < 0)
		return -1;
	/* Parents first, each with the root's cpuset (v1), no limits. libcgroup
	 * would mkdir them too, but leave their cpuset empty. */
	for (slash = strchr(path, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		cleanup_free char *dir = NULL;
		struct stat st;

		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
		dir = vcl_cgroup_dir("memory", parent);
		if (dir != NULL && stat(dir, &st) == 0)
			continue;
		if (create_one(parent, NULL, NULL, err) < 0)
			return -1;
	}
	if (create_one(path, lim, cpuset, err) < 0)
		return -1;
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL)
		return vcl_fail(err, ENOMEM, "Cgroup %s", path);
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	cg->owned = true;
	fill_procs(cg);
	*out = steal_ptr(cg);
	return 0;
}

int vcl_cgroup_open_pid(pid_t pid, struct vcl_cgroup **out, struct vcl_error **err)
{
	cleanup_free struct vcl_cgroup *cg = NULL;
	char *cur = NULL;
	int r;

	if (lib_init(err) < 0)
		return -1;
	r = cgroup_get_current_controller_path(pid, is_v2() ? NULL : "memory", &cur);
	if (r != 0 || cur == NULL)
		return vcl_fail(err, 0, "Find the cgroup of pid %d: %s", (int)pid,
				cgroup_strerror(r));
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL) {
		free(cur);
		return vcl_fail(err, ENOMEM, "Cgroup of pid %d", (int)pid);
	}
	snprintf(cg->path, sizeof(cg->path), "%s", cur[0] == '/' ? cur + 1 : cur);
	free(cur);
	fill_procs(cg);
	*out = steal_ptr(cg);
	return 0;
}

int vcl_cgroup_dirfd(const struct vcl_cgroup *cg)
{
	char dir[320];

	if (cg == NULL || !is_v2())
		return -1;
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", cg->path);
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int vcl_cgroup_attach(struct vcl_cgroup *cg, pid_t pid)
{
	char buf[24];
	int len;

	/* Plain writes to precomputed files: safe in a forked child. */
	/* "0" is the writer itself, also in a child with its own pid namespace. */
	len = snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (unsigned i = 0; i < cg->nprocs; i++) {
		int fd = open(cg->procs[i], O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		if (write(fd, buf, (size_t)len) != len) {
			int e = errno;

			close(fd);
			return -e;
		}
		close(fd);
	}
	return 0;
}

/* knob_read that says why it failed: "<knob> unreadable: <what>". */
static int knob_read_why(const char *controller, const char *path, const char *knob, uint64_t *v,
			 char *why, size_t len)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	struct vcl_error *e = NULL;
	char file[512];

	if (dir == NULL) {
		snprintf(why, len, "%s unreadable: no %s hierarchy", knob, controller);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, knob);
	if (vcl_read_u64(file, v, &e) == 0)
		return 0;
	snprintf(why, len, "%s unreadable: %s", knob,
		 e != NULL && e->errnum != 0 ? strerror(e->errnum)
		 : e != NULL		     ? e->msg
					     : "unknown error");
	vcl_error_free(e);
	return -1;
}

int vcl_cgroup_stats(struct vcl_cgroup *cg, struct vcl_cg_stats *st, struct vcl_error **err)
{
	uint64_t v;

	memset(st, 0, sizeof(*st));
	if (is_v2()) {
		if (knob_read("memory", cg->path, "memory.current", &st->mem_bytes) < 0)
			return vcl_fail(err, 0, "Read memory.current of %s", cg->path);
		if (keyed_read("memory", cg->path, "memory.stat", "kernel", &v) == 0) {
			st->kmem_bytes = v;
			st->kmem_known = true;
		} else {
			snprintf(st->kmem_why, sizeof(st->kmem_why),
				 "memory.stat has no 'kernel' entry (not reported by this kernel)");
		}
		st->cpu_known = keyed_read("cpu", cg->path, "cpu.stat", "usage_usec", &v) == 0;
		if (st->cpu_known)
			st->cpu_usec = v;
		if (keyed_read("memory", cg->path, "memory.events", "oom_kill", &v) == 0)
			st->oom_kills = v;
	} else {
		/* On v1 with kernel >= 4.x kernel memory is charged to
		 * memory.usage_in_bytes too; kmem.usage_in_bytes is its part. */
		if (knob_read("memory", cg->path, "memory.usage_in_bytes", &st->mem_bytes) < 0)
			return vcl_fail(err, 0, "Read memory.usage_in_bytes of %s", cg->path);
		st->kmem_known =
		    knob_read_why("memory", cg->path, "memory.kmem.usage_in_bytes", &st->kmem_bytes,
				  st->kmem_why, sizeof(st->kmem_why)) == 0;
		st->cpu_known = knob_read("cpuacct", cg->path, "cpuacct.usage", &v) == 0;
		if (st->cpu_known)
			st->cpu_usec = v / 1000;
		if (keyed_read("memory", cg->path, "memory.oom_control", "oom_kill", &v) == 0)
			st->oom_kills = v;
	}
	if (knob_read("pids", cg->path, "pids.current", &v) == 0)
		st->pids = v;
	return 0;
}

int vcl_cgroup_pids(struct vcl_cgroup *cg, pid_t **pids, size_t *n, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	pid_t *out = NULL;
	size_t cnt = 0, cap = 0;

	*pids = NULL;
	*n = 0;
	if (cg->nprocs == 0)
		return vcl_fail(err, 0, "Cgroup %s has no procs file", cg->path);
	if (vcl_read_file(cg->procs[0], &buf, NULL, err) < 0)
		return -1;
	for (char *p = buf; *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (cnt == cap) {
			pid_t *g = realloc(out, (cap = cap ? cap * 2 : 8) * sizeof(*g));

			if (g == NULL) {
				free(out);
				return vcl_fail(err, ENOMEM, "Read %s", cg->procs[0]);
			}
			out = g;
		}
		out[cnt++] = (pid_t)v;
		p = end;
		while (*p == '\n')
			p++;
	}
	*pids = out;
	*n = cnt;
	return 0;
}

/* SIGKILL every task of a cgroup folder set until it is empty. */
static int kill_all(const char *path)
{
	cleanup_free char *dir = vcl_cgroup_dir("memory", path);
	char file[512];

	if (dir == NULL)
		return -1;
	if (is_v2()) {
		/* cgroup.kill (Linux 5.14) kills the whole subtree atomically. */
		snprintf(file, sizeof(file), "%s/cgroup.kill", dir);
		if (access(file, W_OK) == 0)
			vcl_write_file(file, "1", NULL);
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	for (int round = 0; round < 400; round++) {
		cleanup_free char *buf = NULL;
		bool any = false;

		if (vcl_read_file(file, &buf, NULL, NULL) < 0)
			return 0; /* gone already */
		for (char *p = buf; *p != '\0';) {
			char *end;
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			kill((pid_t)pid, SIGKILL);
			any = true;
			p = end;
			while (*p == '\n')
				p++;
		}
		if (!any)
			return 0;
		/* Killed tasks leave the cgroup once the kernel tore them down
		 * (and, for our children, once reaped by the caller). */
		nanosleep(&(struct timespec){.tv_nsec = 5000000L}, NULL);
	}
	return -1;
}

/* rmdir path in every mounted cgroup hierarchy, not only the controllers
 * vclab uses: runc (and libvirt) create their folders in all of them
 * (blkio, devices, freezer, name=systemd, the cgroup2 tree). libcgroup's
 * delete would migrate leftover tasks to the parent, which we never want. */
static int delete_path(const char *path, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	int ret = 0;

	if (vcl_read_file("/proc/self/mountinfo", &buf, NULL, err) < 0)
		return -1;
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		const char *sep = strstr(line, " - ");
		char mnt[256], fstype[32], dir[600];

		if (sep == NULL || sscanf(sep, " - %31s", fstype) != 1 ||
		    (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0) ||
		    sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", mnt, path);
		if (rmdir(dir) < 0 && errno != ENOENT && ret == 0)
			ret = vcl_fail(err, errno, "Remove cgroup %s", dir);
	}
	return ret;
}

int vcl_cgroup_remove_path(const char *path, struct vcl_error **err)
{
	if (lib_init(err) < 0)
		return -1;
	if (kill_all(path) < 0)
		return vcl_fail(err, 0, "Cgroup %s: tasks did not exit after SIGKILL", path);
	return delete_path(path, err);
}

int vcl_cgroup_destroy(struct vcl_cgroup *cg, struct vcl_error **err)
{
	int r = 0;

	if (cg == NULL)
		return 0;
	if (cg->owned)
		r = vcl_cgroup_remove_path(cg->path, err);
	free(cg);
	return r;
}

void vcl_cgroup_free(struct vcl_cgroup *cg)
{
	free(cg);
}

const char *vcl_cgroup_path(const struct vcl_cgroup *cg)
{
	return cg->path;
}

/* ---- the ledger's "cgroup PATH" records ---- */

static int cgroup_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	cleanup_free char *dir = vcl_cgroup_dir("memory", r->a);
	struct stat st;

	if (dir == NULL || stat(dir, &st) < 0)
		return 0;
	if (r->print)
		printf("  %s cgroup %s\n", r->dry_run ? "would remove" : "remove", r->a);
	return r->dry_run ? 0 : vcl_cgroup_remove_path(r->a, err);
}

/* The run's parent cgroup, and the shared top folder when no other run uses
 * it (rmdir fails with EBUSY otherwise, and that is fine). */
static void cgroup_finish(const char *run_id)
{
	char cg[128];

	snprintf(cg, sizeof(cg), "vclab/%s", run_id);
	vcl_cgroup_remove_path(cg, NULL);
	vcl_cgroup_remove_path("vclab", NULL);
}

const struct vcl_ledger_kind vcl_cgroup_ledger_kind = {
    .name = "cgroup",
    .undo = cgroup_undo,
    .finish = cgroup_finish,
};

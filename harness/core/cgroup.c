/* SPDX-License-Identifier: MIT */
#include "core/cgroup.h"

#include <dirent.h>
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

/* ---- pure cgroup v2, on the tree at root (/sys/fs/cgroup, or a unit
 * test's temp dir): plain mkdir and writes, no libcgroup ---- */

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

/* Is word one of the space-separated words of list? */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p != NULL && *p != '\0';) {
		p += strspn(p, " \t\n");
		if (strncmp(p, word, n) == 0 && (p[n] == '\0' || strchr(" \t\n", p[n]) != NULL))
			return true;
		p = strpbrk(p, " \t\n");
	}
	return false;
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
		if (word_in(on, v2_controllers[i]))
			continue;
		if (!word_in(have, v2_controllers[i]))
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

int vcl_cgroup_v2_create(const char *root, const char *path, const struct vcl_limits *lim,
			 const char *cpuset, struct vcl_error **err)
{
	char dir[256], full[768], v[64];

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
	if (cpuset != NULL && v2_write(root, path, "cpuset.cpus", cpuset, err) < 0)
		return -1;
	if (lim == NULL)
		return 0; /* accounting only */
	if (lim->mem_mib > 0) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)lim->mem_mib << 20);
		if (v2_write(root, path, "memory.max", v, err) < 0)
			return -1;
		/* No swap past the limit, as on v1 where memsw is not limited
		 * but these hosts have no swap. The knob is absent without
		 * swap accounting (CONFIG_MEMCG_SWAP, swapaccount=0). */
		snprintf(full, sizeof(full), "%s/%s/memory.swap.max", root, path);
		if (access(full, F_OK) == 0 &&
		    v2_write(root, path, "memory.swap.max", "0", err) < 0)
			return -1;
	}
	if (lim->cpus > 0) {
		uint64_t period = 100000, quota = (uint64_t)(lim->cpus * (double)period);

		snprintf(v, sizeof(v), "%llu %llu", (unsigned long long)quota,
			 (unsigned long long)period);
		if (v2_write(root, path, "cpu.max", v, err) < 0)
			return -1;
	}
	if (lim->pids > 0) {
		snprintf(v, sizeof(v), "%u", lim->pids);
		if (v2_write(root, path, "pids.max", v, err) < 0)
			return -1;
	}
	return 0;
}

int vcl_cgroup_proc_path(const char *text, bool v2, char *out, size_t len)
{
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', n), *c2;

		if (c1 != NULL && (c2 = memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line))) != NULL) {
			size_t clen = (size_t)(c2 - c1 - 1);
			bool hit;

			if (v2) {
				hit = strncmp(line, "0:", 2) == 0 && clen == 0;
			} else {
				char ctrls[128];

				snprintf(ctrls, sizeof(ctrls), "%.*s", (int)clen, c1 + 1);
				for (char *p = ctrls; (p = strchr(p, ',')) != NULL;)
					*p = ' ';
				hit = word_in(ctrls, "memory");
			}
			if (hit) {
				const char *p = c2 + 1;
				size_t plen = n - (size_t)(p - line);

				while (plen > 0 && *p == '/')
					p++, plen--;
				if (plen >= len)
					return -1;
				snprintf(out, len, "%.*s", (int)plen, p);
				return 0;
			}
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
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

static int pids_add(pid_t **out, size_t *cnt, size_t *cap, const char *buf)
{
	for (const char *p = buf; *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);
		bool dup = false;

		if (end == p)
			break;
		for (size_t i = 0; i < *cnt && !dup; i++)
			dup = (*out)[i] == (pid_t)v;
		if (!dup) {
			if (*cnt == *cap) {
				size_t ncap = *cap ? *cap * 2 : 8;
				pid_t *g = realloc(*out, ncap * sizeof(*g));

				if (g == NULL)
					return -1;
				*out = g;
				*cap = ncap;
			}
			(*out)[(*cnt)++] = (pid_t)v;
		}
		p = end;
		while (*p == '\n')
			p++;
	}
	return 0;
}

/* Tasks of dir and every cgroup under it (depth-first). A threaded child's
 * cgroup.procs cannot be read (EOPNOTSUPP): its processes are listed by its
 * threaded root, which is read first. */
static int v2_procs_walk(const char *root, const char *dir, int depth, pid_t **out, size_t *cnt,
			 size_t *cap)
{
	char full[768];
	cleanup_free char *buf = NULL;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > 16)
		return 0;
	if (v2_read(root, dir, "cgroup.procs", &buf) == 0 && pids_add(out, cnt, cap, buf) < 0)
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
		r = v2_procs_walk(root, sub, depth + 1, out, cnt, cap);
	}
	closedir(d);
	return r;
}

int vcl_cgroup_v2_procs(const char *root, const char *path, pid_t **pids, size_t *n,
			struct vcl_error **err)
{
	pid_t *out = NULL;
	size_t cnt = 0, cap = 0;
	char full[768];
	struct stat st;

	*pids = NULL;
	*n = 0;
	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (stat(full, &st) < 0)
		return vcl_fail(err, errno, "Cgroup %s", full);
	if (v2_procs_walk(root, path, 0, &out, &cnt, &cap) < 0) {
		free(out);
		return vcl_fail(err, ENOMEM, "Read the tasks of %s", full);
	}
	*pids = out;
	*n = cnt;
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
		if (!word_in(have, v2_controllers[i]))
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

int vcl_cgroup_create(struct vcl_ledger *ledger, const char *path, const struct vcl_limits *lim,
		      const char *cpuset, struct vcl_cgroup **out, struct vcl_error **err)
{
	cleanup_free struct vcl_cgroup *cg = NULL;
	char parent[256];
	const char *slash;

	if (lib_init(err) < 0)
		return -1;
	if (strlen(path) >= sizeof(cg->path))
		return vcl_usage(err, "Cgroup path too long: %s", path);
	if (vcl_ledger_add(ledger, err, "cgroup %s", path) < 0)
		return -1;
	if (is_v2()) {
		if (vcl_cgroup_v2_create("/sys/fs/cgroup", path, lim, cpuset, err) < 0)
			return -1;
		goto made;
	}
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
made:
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
	cleanup_free char *text = NULL;
	char file[64], path[256];

	if (lib_init(err) < 0)
		return -1;
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (vcl_read_file(file, &text, NULL, err) < 0)
		return vcl_error_wrap(err, "Find the cgroup of pid %d", (int)pid);
	if (vcl_cgroup_proc_path(text, is_v2(), path, sizeof(path)) < 0)
		return vcl_fail(err, 0, "Find the cgroup of pid %d: no %s line in %s", (int)pid,
				is_v2() ? "0::" : "memory", file);
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL)
		return vcl_fail(err, ENOMEM, "Cgroup of pid %d", (int)pid);
	/* On v2 QEMU's threads sit in libvirt's threaded emulator/vcpuN
	 * children: sample the VM's scope as a whole. */
	if (is_v2() &&
	    vcl_cgroup_v2_sample_path("/sys/fs/cgroup", path, cg->path, sizeof(cg->path)) < 0)
		return vcl_fail(err, 0, "Cgroup of pid %d: path too long: %s", (int)pid, path);
	if (!is_v2())
		snprintf(cg->path, sizeof(cg->path), "%s", path);
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
	/* On v2 tasks may sit in child cgroups (a VM's scope, a runtime's
	 * nested folders): the cgroup's cgroup.procs alone would miss them. */
	if (is_v2())
		return vcl_cgroup_v2_procs("/sys/fs/cgroup", cg->path, pids, n, err);
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

		if (is_v2()) {
			/* The whole subtree: tasks may sit in child cgroups. */
			cleanup_free pid_t *pids = NULL;
			size_t n = 0;

			if (vcl_cgroup_v2_procs("/sys/fs/cgroup", path, &pids, &n, NULL) < 0)
				return 0; /* gone already */
			for (size_t i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
			if (n == 0)
				return 0;
			nanosleep(&(struct timespec){.tv_nsec = 5000000L}, NULL);
			continue;
		}
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

/* rmdir dir after every cgroup under it, deepest first: a cgroup with
 * children cannot go (EBUSY), and on v2 runtimes and services nest (a
 * container's own sub-cgroups, libvirt's threaded children). */
static int rmdir_tree(const char *dir, int depth)
{
	DIR *d = depth < 16 ? opendir(dir) : NULL;
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[1024];

			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
			rmdir_tree(sub, depth + 1);
		}
		closedir(d);
	}
	return rmdir(dir);
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
		if (rmdir_tree(dir, 0) < 0 && errno != ENOENT && ret == 0)
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

/* SPDX-License-Identifier: MIT */
/*
 * The cgroup API (core/cgroup.h) and its one dispatch: the mode of this
 * host picks vcl_cgroup_v1_ops (v1, and the hybrid of the lab machines)
 * or vcl_cgroup_v2_ops once; everything else here is the same in both.
 */
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

#include "core/cgroup_internal.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

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

/* The dispatch: the only place that asks which mode this is. The hybrid's
 * controllers are all on v1 (its cgroup2 tree is empty), and a host with
 * no cgroup filesystem gets v1's, whose calls then fail naming what. */
static bool is_v2(void)
{
	return vcl_cgroup_mode() == VCL_CG_V2;
}

static const struct vcl_cgroup_ops *ops(void)
{
	static const struct vcl_cgroup_ops *picked;

	if (picked == NULL)
		picked = is_v2() ? &vcl_cgroup_v2_ops : &vcl_cgroup_v1_ops;
	return picked;
}

int vcl_cgroup_lib_init(struct vcl_error **err)
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

char *vcl_cgroup_dir(const char *controller, const char *path)
{
	if (vcl_cgroup_lib_init(NULL) < 0)
		return NULL;
	return ops()->dir(controller, path);
}

/* ---- the one table from vcl_limits to knobs ---- */

/* What a knob's value is made of; each depends on one field of
 * vcl_limits and is written only when that field is set. */
enum limit_value {
	LV_MEM_BYTES, /* mem_mib, in bytes */
	LV_NO_SWAP,   /* 0, with mem_mib */
	LV_PERIOD,    /* the CFS period, with cpus */
	LV_QUOTA,     /* cpus x the period */
	LV_QUOTA_PERIOD,
	LV_PIDS,
};

#define CPU_PERIOD_US 100000ULL

static const struct {
	const char *controller;
	const char *v1, *v2; /* the knob's name in each mode; NULL: not in that mode */
	enum limit_value value;
	bool optional;
} limit_knobs[] = {
    {"memory", "memory.limit_in_bytes", "memory.max", LV_MEM_BYTES, false},
    /* No swap past the limit, as on v1 where memsw is not limited but these
     * hosts have no swap. The knob is absent without swap accounting
     * (CONFIG_MEMCG_SWAP, swapaccount=0). */
    {"memory", NULL, "memory.swap.max", LV_NO_SWAP, true},
    {"cpu", "cpu.cfs_period_us", NULL, LV_PERIOD, false},
    {"cpu", "cpu.cfs_quota_us", NULL, LV_QUOTA, false},
    {"cpu", NULL, "cpu.max", LV_QUOTA_PERIOD, false},
    {"pids", "pids.max", "pids.max", LV_PIDS, false},
};

/* The value of v for lim into buf; false when its limit is not set. */
static bool limit_value(enum limit_value v, const struct vcl_limits *lim, char *buf, size_t len)
{
	unsigned long long quota = (unsigned long long)(lim->cpus * (double)CPU_PERIOD_US);

	switch (v) {
	case LV_MEM_BYTES:
		snprintf(buf, len, "%llu", (unsigned long long)lim->mem_mib << 20);
		return lim->mem_mib > 0;
	case LV_NO_SWAP:
		snprintf(buf, len, "0");
		return lim->mem_mib > 0;
	case LV_PERIOD:
		snprintf(buf, len, "%llu", CPU_PERIOD_US);
		return lim->cpus > 0;
	case LV_QUOTA:
		snprintf(buf, len, "%llu", quota);
		return lim->cpus > 0;
	case LV_QUOTA_PERIOD:
		snprintf(buf, len, "%llu %llu", quota, CPU_PERIOD_US);
		return lim->cpus > 0;
	case LV_PIDS:
		snprintf(buf, len, "%u", lim->pids);
		return lim->pids > 0;
	}
	return false;
}

size_t vcl_cgroup_limit_knobs(const struct vcl_limits *lim, bool v2, struct vcl_cg_knob *out,
			      size_t max)
{
	size_t n = 0;

	for (size_t i = 0; lim != NULL && i < ARRAY_SIZE(limit_knobs) && n < max; i++) {
		const char *name = v2 ? limit_knobs[i].v2 : limit_knobs[i].v1;

		if (name == NULL ||
		    !limit_value(limit_knobs[i].value, lim, out[n].value, sizeof(out[n].value)))
			continue;
		out[n].controller = limit_knobs[i].controller;
		out[n].name = name;
		out[n].optional = limit_knobs[i].optional;
		n++;
	}
	return n;
}

/* ---- the one pid-list reader ---- */

int vcl_cgroup_pids_parse(struct vcl_cg_pids *l, const char *text)
{
	for (const char *p = text; *p != '\0';) {
		char *end;
		long v = strtol(p, &end, 10);
		bool dup = false;

		if (end == p)
			break;
		for (size_t i = 0; i < l->n && !dup; i++)
			dup = l->v[i] == (pid_t)v;
		if (!dup) {
			if (l->n == l->cap) {
				size_t ncap = l->cap ? l->cap * 2 : 8;
				pid_t *g = realloc(l->v, ncap * sizeof(*g));

				if (g == NULL)
					return -1;
				l->v = g;
				l->cap = ncap;
			}
			l->v[l->n++] = (pid_t)v;
		}
		p = end;
		while (*p == '\n')
			p++;
	}
	return 0;
}

int vcl_cgroup_pids_read(struct vcl_cg_pids *l, const char *file)
{
	cleanup_free char *buf = NULL;

	if (vcl_read_file(file, &buf, NULL, NULL) < 0)
		return -1;
	if (vcl_cgroup_pids_parse(l, buf) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* ---- reading knobs ---- */

int vcl_cgroup_keyed_value(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*v = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
}

int vcl_cgroup_read_u64(const char *controller, const char *path, const char *knob, uint64_t *v,
			char *why, size_t len)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	cleanup_error struct vcl_error *e = NULL;
	char file[512];

	if (dir == NULL) {
		if (why != NULL)
			snprintf(why, len, "%s unreadable: no %s hierarchy", knob, controller);
		return -1;
	}
	snprintf(file, sizeof(file), "%s/%s", dir, knob);
	if (vcl_read_u64(file, v, why != NULL ? &e : NULL) == 0)
		return 0;
	if (why != NULL)
		snprintf(why, len, "%s unreadable: %s", knob,
			 e != NULL && e->errnum != 0 ? strerror(e->errnum)
			 : e != NULL		     ? e->msg
						     : "unknown error");
	return -1;
}

char *vcl_cgroup_read_text(const char *controller, const char *path, const char *file)
{
	cleanup_free char *dir = vcl_cgroup_dir(controller, path);
	char full[512], *buf = NULL;

	if (dir == NULL)
		return NULL;
	snprintf(full, sizeof(full), "%s/%s", dir, file);
	if (vcl_read_file(full, &buf, NULL, NULL) < 0)
		return NULL;
	return buf;
}

int vcl_cgroup_read_keyed(const char *controller, const char *path, const char *file,
			  const char *key, uint64_t *v)
{
	cleanup_free char *buf = vcl_cgroup_read_text(controller, path, file);

	return buf != NULL ? vcl_cgroup_keyed_value(buf, key, v) : -1;
}

bool vcl_cgroup_word_in(const char *list, const char *word)
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
				hit = vcl_cgroup_word_in(ctrls, "memory");
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

/* ---- the handle ---- */

static void fill_procs(struct vcl_cgroup *cg, const char *cpuset)
{
	const struct vcl_cgroup_ops *o = ops();

	/* One file per hierarchy: on v2 every controller gives the same
	 * folder, on v1 cpu and cpuacct may share one. */
	cg->nprocs = 0;
	for (size_t i = 0; i < o->ncontrollers && cg->nprocs < ARRAY_SIZE(cg->procs); i++) {
		cleanup_free char *dir = vcl_cgroup_dir(o->controllers[i], cg->path);
		bool dup = false;

		if (dir == NULL || !vcl_cg_has_controller(cpuset, o->controllers[i]))
			continue;
		snprintf(cg->procs[cg->nprocs], sizeof(cg->procs[0]), "%s/cgroup.procs", dir);
		for (unsigned j = 0; j < cg->nprocs; j++)
			dup |= strcmp(cg->procs[j], cg->procs[cg->nprocs]) == 0;
		if (!dup)
			cg->nprocs++;
	}
}

int vcl_cgroup_create(struct vcl_ledger *ledger, const char *path, const struct vcl_limits *lim,
		      const char *cpuset, struct vcl_cgroup **out, struct vcl_error **err)
{
	cleanup_free struct vcl_cgroup *cg = NULL;

	if (vcl_cgroup_lib_init(err) < 0)
		return -1;
	if (strlen(path) >= sizeof(cg->path))
		return vcl_usage(err, "Cgroup path too long: %s", path);
	if (vcl_ledger_add(ledger, err, "cgroup %s", path) < 0)
		return -1;
	if (ops()->create(path, lim, cpuset, err) < 0)
		return -1;
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL)
		return vcl_fail(err, ENOMEM, "Cgroup %s", path);
	snprintf(cg->path, sizeof(cg->path), "%s", path);
	cg->owned = true;
	fill_procs(cg, cpuset);
	*out = steal_ptr(cg);
	return 0;
}

int vcl_cgroup_open_pid(pid_t pid, struct vcl_cgroup **out, struct vcl_error **err)
{
	cleanup_free struct vcl_cgroup *cg = NULL;
	cleanup_free char *text = NULL;
	char file[64];

	if (vcl_cgroup_lib_init(err) < 0)
		return -1;
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (vcl_read_file(file, &text, NULL, err) < 0)
		return vcl_error_wrap(err, "Find the cgroup of pid %d", (int)pid);
	cg = calloc(1, sizeof(*cg));
	if (cg == NULL)
		return vcl_fail(err, ENOMEM, "Cgroup of pid %d", (int)pid);
	if (ops()->proc_cgroup(text, cg->path, sizeof(cg->path)) < 0)
		return vcl_fail(err, 0, "Find the cgroup of pid %d: no %s line in %s", (int)pid,
				ops()->proc_line, file);
	fill_procs(cg, NULL);
	*out = steal_ptr(cg);
	return 0;
}

int vcl_cgroup_dirfd(const struct vcl_cgroup *cg)
{
	if (cg == NULL || ops()->dirfd == NULL)
		return -1;
	return ops()->dirfd(cg->path);
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

int vcl_cgroup_stats(struct vcl_cgroup *cg, struct vcl_cg_stats *st, struct vcl_error **err)
{
	uint64_t v;

	memset(st, 0, sizeof(*st));
	if (ops()->stats(cg->path, st, err) < 0)
		return -1;
	if (vcl_cgroup_read_u64("pids", cg->path, "pids.current", &v, NULL, 0) == 0)
		st->pids = v;
	return 0;
}

int vcl_cgroup_pids(struct vcl_cgroup *cg, pid_t **pids, size_t *n, struct vcl_error **err)
{
	*pids = NULL;
	*n = 0;
	return ops()->procs(cg->path, pids, n, err);
}

/* ---- removal ---- */

/* SIGKILL every task of a cgroup folder set until it is empty. */
static int kill_all(const char *path)
{
	cleanup_free char *dir = vcl_cgroup_dir("memory", path);

	if (dir == NULL)
		return -1;
	if (ops()->kill_tree != NULL)
		ops()->kill_tree(path);
	for (int round = 0; round < 400; round++) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;

		if (ops()->procs(path, &pids, &n, NULL) < 0)
			return 0; /* gone already */
		if (n == 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
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
	DIR *d;
	struct dirent *de;

	/* A leaf (an instance's folder, the common case) goes at once. */
	if (rmdir(dir) == 0)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -1;
	d = depth < 16 ? opendir(dir) : NULL;
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
static int delete_path(const char *path, bool tree, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	char *save = NULL;
	int ret = 0;

	if (vcl_read_file("/proc/self/mountinfo", &buf, NULL, err) < 0)
		return -1;
	/* strtok_r: density tears instances down from several threads. */
	for (char *line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *sep = strstr(line, " - ");
		char mnt[256], fstype[32], dir[600];

		if (sep == NULL || sscanf(sep, " - %31s", fstype) != 1 ||
		    (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0) ||
		    sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", mnt, path);
		if ((tree ? rmdir_tree(dir, 0) : rmdir(dir)) < 0 && errno != ENOENT && ret == 0)
			ret = vcl_fail(err, errno, "Remove cgroup %s", dir);
	}
	return ret;
}

int vcl_cgroup_remove_path(const char *path, struct vcl_error **err)
{
	if (vcl_cgroup_lib_init(err) < 0)
		return -1;
	if (kill_all(path) < 0)
		return vcl_fail(err, 0, "Cgroup %s: tasks did not exit after SIGKILL", path);
	return delete_path(path, true, err);
}

/* Only by a plain rmdir: removing its tree would take down other runs'
 * cgroups (an instance's, made and not yet joined, vanished under a
 * concurrent run's teardown: "join cgroup: No such file or directory"),
 * and on v2 its cgroup.kill kills every run's instances (run b's runc
 * container died when run a's runc context was cleaned up: test_ctr's
 * test_two_runs in the v2 guest). */
void vcl_cgroup_remove_top(void)
{
	if (vcl_cgroup_lib_init(NULL) == 0)
		delete_path("vclab", false, NULL);
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
 * it. */
static void cgroup_finish(const char *run_id)
{
	char cg[128];

	snprintf(cg, sizeof(cg), "vclab/%s", run_id);
	vcl_cgroup_remove_path(cg, NULL);
	vcl_cgroup_remove_top();
}

const struct vcl_ledger_kind vcl_cgroup_ledger_kind = {
    .name = "cgroup",
    .undo = cgroup_undo,
    .finish = cgroup_finish,
};

/* SPDX-License-Identifier: MIT */
#include "core/sample.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

int vcl_parse_kib_field(const char *text, const char *field, uint64_t *out)
{
	size_t flen = strlen(field);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *end;
			unsigned long long v = strtoull(line + flen + 1, &end, 10);

			if (end == line + flen + 1)
				return -1;
			*out = v;
			return 0;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
}

int vcl_sample_pid(pid_t pid, uint64_t *pss_kib, uint64_t *rss_kib, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (vcl_read_file(path, &buf, &len, err) < 0)
		return -1;
	if (len == 0)
		return 1;
	if (vcl_parse_kib_field(buf, "Pss", pss_kib) < 0 ||
	    vcl_parse_kib_field(buf, "Rss", rss_kib) < 0)
		return vcl_fail(err, 0, "Parse %s", path);
	return 0;
}

int vcl_sample_pids(const pid_t *pids, size_t n, struct vcl_mem *mem, struct vcl_error **err)
{
	unsigned counted = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t pss = 0, rss = 0;
		struct vcl_error *e = NULL;
		int r = vcl_sample_pid(pids[i], &pss, &rss, &e);

		if (r < 0) {
			/* Exited between listing and reading: it holds nothing now. */
			bool gone = e != NULL && (e->errnum == ENOENT || e->errnum == ESRCH);

			if (!gone) {
				if (err != NULL)
					*err = e;
				else
					vcl_error_free(e);
				return -1;
			}
			vcl_error_free(e);
			continue;
		}
		if (r > 0)
			continue; /* kernel thread or zombie: no user memory */
		mem->pss_kib += pss;
		mem->rss_kib += rss;
		mem->nprocs++;
		counted++;
	}
	/* Say which case it is: an empty list is a service that exited (or a
	 * cgroup that lost its tasks); a list whose processes had all gone
	 * by the time they were read is the same, seen a moment later. */
	if (counted == 0 && n == 0)
		return vcl_error_set(err, VCL_E_DIED, 0,
				     "No process to sample: the instance lists none (its "
				     "service has exited)");
	if (counted == 0)
		return vcl_error_set(err, VCL_E_DIED, 0,
				     "No live process to sample: %zu listed (first pid %d), all "
				     "gone or zombies when read",
				     n, (int)pids[0]);
	mem->known |= VCL_MEM_PSS;
	return 0;
}

int vcl_proc_tree_pids(pid_t root, pid_t *pids, size_t max)
{
	struct pinfo {
		pid_t pid, ppid, pgrp;
	};
	cleanup_dir DIR *d = opendir("/proc");
	struct pinfo *all = NULL;
	size_t n = 0, cap = 0, out = 0;
	struct dirent *de;
	bool grew = true;

	if (d == NULL || max == 0)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[512], *rp;
		struct pinfo pi;
		cleanup_close int fd = -1;
		ssize_t len;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) state ppid pgrp": comm may hold spaces and ')'. */
		rp = strrchr(buf, ')');
		if (rp == NULL || sscanf(rp + 1, " %*c %d %d", &pi.ppid, &pi.pgrp) != 2)
			continue;
		pi.pid = (pid_t)atoi(de->d_name);
		if (n == cap) {
			struct pinfo *na = realloc(all, (cap = cap ? cap * 2 : 256) * sizeof(*na));

			if (na == NULL) {
				free(all);
				return -1;
			}
			all = na;
		}
		all[n++] = pi;
	}
	pids[out++] = root;
	/* Fixed point: add any process whose parent is in the set, or whose
	 * process group is the root's. */
	while (grew && out < max) {
		grew = false;
		for (size_t i = 0; i < n && out < max; i++) {
			bool in = false, parent_in = all[i].pgrp == root;

			for (size_t j = 0; j < out; j++) {
				in = in || pids[j] == all[i].pid;
				parent_in = parent_in || pids[j] == all[i].ppid;
			}
			if (!in && parent_in) {
				pids[out++] = all[i].pid;
				grew = true;
			}
		}
	}
	free(all);
	return (int)out;
}

void vcl_mem_set_cgroup(struct vcl_mem *mem, const struct vcl_cg_stats *st)
{
	mem->cgroup_kib = st->mem_bytes / 1024;
	mem->known |= VCL_MEM_CGROUP;
	if (st->kmem_known) {
		mem->kmem_kib = st->kmem_bytes / 1024;
		mem->known |= VCL_MEM_KMEM;
	} else {
		snprintf(mem->kmem_why, sizeof(mem->kmem_why), "%s", st->kmem_why);
	}
	if (st->cpu_known) {
		mem->cpu_usec = st->cpu_usec;
		mem->known |= VCL_MEM_CPU;
	}
}

void vcl_mem_no_cgroup(struct vcl_mem *mem, const char *why)
{
	mem->known &= ~(unsigned)(VCL_MEM_CGROUP | VCL_MEM_KMEM);
	snprintf(mem->cgroup_why, sizeof(mem->cgroup_why), "%s", why);
	snprintf(mem->kmem_why, sizeof(mem->kmem_why), "%s", why);
}

int vcl_memavailable_kib(uint64_t *out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;

	if (vcl_read_file("/proc/meminfo", &buf, NULL, err) < 0)
		return -1;
	if (vcl_parse_kib_field(buf, "MemAvailable", out) < 0)
		return vcl_fail(err, 0, "No MemAvailable in /proc/meminfo");
	return 0;
}

/* /proc/PID/comm is NAME (the kernel cuts it at 15 characters). */
static bool comm_is(pid_t pid, const char *name)
{
	cleanup_free char *buf = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (vcl_read_file(path, &buf, NULL, NULL) < 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return strncmp(buf, name, 15) == 0 && (strlen(name) > 15 || buf[strlen(name)] == '\0');
}

/* The basename of /proc/PID/exe is NAME. */
static bool exe_is(pid_t pid, const char *name)
{
	char path[64], exe[4096];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	return strcmp(base != NULL ? base + 1 : exe, name) == 0;
}

int vcl_daemon_pid(const char *name, pid_t *pid, char *why, size_t len)
{
	static const char *const dirs[] = {"/run", "/run/libvirt", "/var/run"};
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		cleanup_free char *buf = NULL;
		char file[128];
		uint64_t v;

		snprintf(file, sizeof(file), "%s/%s.pid", dirs[i], name);
		if (vcl_read_file(file, &buf, NULL, NULL) < 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (vcl_parse_u64(buf, 1, INT32_MAX, &v) == 0 && comm_is((pid_t)v, name)) {
			*pid = (pid_t)v;
			return 0;
		}
	}
	/* No (live) pid file: started by hand, or by a service manager that
	 * keeps none. Look for the executable. */
	d = opendir("/proc");
	if (d == NULL) {
		snprintf(why, len, "%s not found: /proc unreadable: %s", name, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t v;

		if (vcl_parse_u64(de->d_name, 1, INT32_MAX, &v) < 0)
			continue;
		if (comm_is((pid_t)v, name) && exe_is((pid_t)v, name)) {
			*pid = (pid_t)v;
			return 0;
		}
	}
	snprintf(why, len, "%s not found: no live pid file and no process running %s on this host",
		 name, name);
	return -1;
}

/* ---- Pure arithmetic ---- */

void vcl_mem_mean_init(struct vcl_mem_mean *a)
{
	memset(a, 0, sizeof(*a));
	a->known = VCL_MEM_PSS | VCL_MEM_CGROUP | VCL_MEM_KMEM | VCL_MEM_HELPER;
}

void vcl_mem_mean_add(struct vcl_mem_mean *a, const struct vcl_mem *m)
{
	if ((a->known & VCL_MEM_CGROUP) && !(m->known & VCL_MEM_CGROUP))
		snprintf(a->cgroup_why, sizeof(a->cgroup_why), "%s",
			 m->cgroup_why[0] ? m->cgroup_why : "cgroup not read");
	if ((a->known & VCL_MEM_KMEM) && !(m->known & VCL_MEM_KMEM))
		snprintf(a->kmem_why, sizeof(a->kmem_why), "%s",
			 m->kmem_why[0] ? m->kmem_why : "kernel memory not read");
	a->known &= m->known;
	a->pss_kib += (double)m->pss_kib;
	a->rss_kib += (double)m->rss_kib;
	a->cgroup_kib += (double)m->cgroup_kib;
	a->kmem_kib += (double)m->kmem_kib;
	a->helper_pss_kib += (double)m->helper_pss_kib;
	if (m->nprocs > a->max_procs)
		a->max_procs = m->nprocs;
	a->n++;
}

void vcl_mem_mean_finish(struct vcl_mem_mean *a)
{
	if (a->n == 0) {
		a->known = 0;
		return;
	}
	a->pss_kib /= a->n;
	a->rss_kib /= a->n;
	a->cgroup_kib /= a->n;
	a->kmem_kib /= a->n;
	a->helper_pss_kib /= a->n;
}

bool vcl_mem_footprint(const struct vcl_mem_mean *m, double *kib, char *why, size_t len)
{
	if (!(m->known & VCL_MEM_PSS)) {
		snprintf(why, len, "PSS not read");
		return false;
	}
	if (!(m->known & VCL_MEM_KMEM)) {
		snprintf(why, len, "kernel memory unknown (%s)", m->kmem_why);
		return false;
	}
	*kib = m->pss_kib + m->kmem_kib;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void vcl_median_spread(uint64_t *v, size_t n, uint64_t *median, uint64_t *spread)
{
	qsort(v, n, sizeof(v[0]), cmp_u64);
	*median = v[n / 2];
	*spread = v[n - 1] - v[0];
}

uint64_t vcl_zoneinfo_drift_kib(const char *zoneinfo, long page_size)
{
	static const char key[] = "vm stats threshold:";
	uint64_t pages = 0;

	for (const char *p = strstr(zoneinfo, key); p != NULL; p = strstr(p, key)) {
		p += strlen(key);
		pages += strtoull(p, NULL, 10);
	}
	return pages * (uint64_t)(page_size > 0 ? page_size : 4096) / 1024;
}

void vcl_memavail_resolve(uint64_t before, uint64_t after, uint64_t spread_before,
			  uint64_t spread_after, uint64_t drift, unsigned instances,
			  unsigned margin, struct vcl_memavail *out)
{
	uint64_t spread = spread_before;

	if (spread_after > spread)
		spread = spread_after;
	if (drift > spread)
		spread = drift;
	if (instances == 0)
		instances = 1;
	out->drop = before > after ? (double)(before - after) / instances : 0;
	out->noise = (double)(margin * spread) / instances;
	out->resolved = out->drop > out->noise;
}

bool vcl_memavail_overhead(const struct vcl_memavail *inst, const struct vcl_memavail *bare,
			   bool bare_has_footprint, double bare_footprint, double *out)
{
	if (!inst->resolved)
		return false;
	if (bare->resolved)
		*out = inst->drop - bare->drop;
	else if (bare_has_footprint)
		*out = inst->drop - bare_footprint;
	else
		return false;
	return true;
}

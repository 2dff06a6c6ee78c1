/* SPDX-License-Identifier: MIT */
/*
 * Memory: k idle instances per placement. Per instance: host PSS of all its
 * processes (smaps_rollup), cgroup memory including kernel memory, and the
 * drop in MemAvailable. Overhead vs bare: the same payload's own footprint
 * (bare, measured in this run) subtracted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "core/sample.h"
#include "core/util.h"

/* Let freshly started instances settle (page cache, lazily freed memory)
 * before reading MemAvailable; VMs need longer after boot. */
#define SETTLE_MS    300
#define SETTLE_VM_MS 1500

static int settle(unsigned ms, struct vcl_error **err)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (vcl_interrupted)
			return vcl_error_interrupted(err);
	return 0;
}

/* MemAvailable is read this many times, spread over a window, before and
 * after the instances start: the median is the level, the spread (max -
 * min) is the host's own noise. A drop counts only when it is more than
 * MEMAVAIL_MARGIN times the larger of that spread and the kernel's counter
 * drift (vcl_memavail_resolve). */
#define MEMAVAIL_READS	5
#define MEMAVAIL_MARGIN 3

/* How far MemAvailable's counters may lag: each CPU batches its page
 * counts per zone up to "vm stats threshold" pages before folding them in
 * (/proc/zoneinfo), so a reading can be off by their sum. 0 if unknown. */
static uint64_t memavail_drift_kib(void)
{
	cleanup_free char *zi = NULL;

	if (vcl_read_file("/proc/zoneinfo", &zi, NULL, NULL) < 0)
		return 0;
	return vcl_zoneinfo_drift_kib(zi, sysconf(_SC_PAGESIZE));
}

/* Read MemAvailable MEMAVAIL_READS times over ms: median and spread. */
static int memavail_window(unsigned ms, uint64_t *median, uint64_t *spread, struct vcl_error **err)
{
	uint64_t v[MEMAVAIL_READS];

	for (unsigned i = 0; i < MEMAVAIL_READS; i++) {
		if (i > 0 && settle(ms / (MEMAVAIL_READS - 1), err) < 0)
			return -1;
		if (vcl_memavailable_kib(&v[i], err) < 0)
			return -1;
	}
	vcl_median_spread(v, MEMAVAIL_READS, median, spread);
	return 0;
}

/*
 * The VM figure covers QEMU's processes only. libvirt's daemons grow too
 * while they manage VMs (domain objects, monitor and log buffers): libvirtd
 * and virtlogd's PSS is read before the VMs start and while they run, and
 * the growth per VM goes beside the figure (vm's ops->daemons names them).
 * Read-only: they are found by pid file or executable and never signalled.
 */
/* The most daemons one backend names (vm: 2, docker: dockerd, containerd). */
#define NDAEMONS 4

struct daemon_pss {
	pid_t pid;
	bool before_known, during_known;
	uint64_t before, during; /* PSS, KiB */
	char why[256];		 /* why a reading is absent */
};

static void daemon_read(const char *name, struct daemon_pss *d, bool during)
{
	struct vcl_error *e = NULL;
	uint64_t pss = 0, rss = 0;
	pid_t pid = 0;

	if (vcl_daemon_pid(name, &pid, d->why, sizeof(d->why)) < 0)
		return;
	if (during && pid != d->pid) {
		snprintf(d->why, sizeof(d->why), "%s restarted while the VMs ran (pid %d, then %d)",
			 name, (int)d->pid, (int)pid);
		return;
	}
	if (vcl_sample_pid(pid, &pss, &rss, &e) != 0) {
		snprintf(d->why, sizeof(d->why), "%s (pid %d) unreadable: %s", name, (int)pid,
			 e != NULL ? e->msg : "empty smaps_rollup");
		vcl_error_free(e);
		return;
	}
	d->pid = pid;
	if (during) {
		d->during = pss;
		d->during_known = true;
	} else {
		d->before = pss;
		d->before_known = true;
	}
}

/* libvirt manages the VMs through a daemon on this host only when the URI
 * names no host ("qemu:///system"); a remote one's daemons are not ours to
 * read. */
static bool uri_is_local(const char *uri)
{
	const char *p = uri != NULL ? strstr(uri, "://") : NULL;

	return uri == NULL || *uri == '\0' || (p != NULL && p[3] == '/');
}

struct footprint {
	bool have;
	unsigned up; /* instances started */
	struct vcl_mem_mean mean;
	struct vcl_memavail ma;
	bool daemons;			 /* daemon figures apply (vm, docker) */
	const char *const *daemon_names; /* NULL-terminated, at most NDAEMONS */
	const char *per;		 /* growth_per_<per>_kib: per VM or per instance */
	char daemons_why[128];		 /* why none were read at all */
	struct daemon_pss d[NDAEMONS];
};

/* The daemons a backend relies on (vm: libvirt's; docker: dockerd and
 * containerd); a VM's growth is per VM. */
static void daemons_of(const struct vcl_backend_ops *ops, struct footprint *f)
{
	f->daemon_names = ops->daemons;
	f->per = vcl_backend_is_vm(ops) ? vcl_family_name(ops->family) : "instance";
	f->daemons = f->daemon_names != NULL;
}

/* The d-th daemon's name, or NULL past the last. */
static const char *daemon_at(const struct footprint *f, size_t d)
{
	return d < NDAEMONS && f->daemon_names != NULL ? f->daemon_names[d] : NULL;
}

static int measure(struct vcl_bench *b, const struct vcl_backend_ops *ops, unsigned k,
		   struct footprint *f, struct vcl_error **err)
{
	struct vcl_instance **inst = calloc(k, sizeof(struct vcl_instance *));
	uint64_t before = 0, after = 0, spread = 0, spread2 = 0;
	unsigned win = vcl_backend_is_vm(ops) ? SETTLE_VM_MS / 3 : SETTLE_MS / 3;
	unsigned up = 0;
	int ret = 0;

	if (inst == NULL)
		return vcl_fail(err, ENOMEM, "Memory scenario");
	vcl_mem_mean_init(&f->mean);
	daemons_of(ops, f);
	/* A VM's daemons are its manager's (libvirt), where the URI points. */
	if (f->daemons && vcl_backend_is_vm(ops) && !uri_is_local(b->spec.connect_uri))
		snprintf(f->daemons_why, sizeof(f->daemons_why),
			 "libvirt URI %s is not local: its daemons run elsewhere",
			 b->spec.connect_uri);
	else if (f->daemons)
		for (size_t d = 0; daemon_at(f, d) != NULL; d++)
			daemon_read(daemon_at(f, d), &f->d[d], false);
	if (memavail_window(win, &before, &spread, err) < 0) {
		free(inst);
		return -1;
	}
	for (; up < k; up++) {
		struct vcl_error *e = NULL;

		if (vcl_bench_start(b, ops, &inst[up], &e) < 0) {
			if (vcl_bench_fatal(e)) {
				*err = e;
				ret = -1;
			} else {
				vcl_bench_record_error(b, ops->name, "memory", e);
				vcl_error_free(e);
			}
			break;
		}
		vcl_bench_step(b, ops->name);
	}
	if (ret == 0 && up > 0)
		ret = settle((vcl_backend_is_vm(ops) ? SETTLE_VM_MS : SETTLE_MS) - win, err);
	if (ret == 0 && up > 0 && memavail_window(win, &after, &spread2, err) < 0)
		ret = -1;
	if (ret == 0 && up > 0 && f->daemons && f->daemons_why[0] == '\0')
		for (size_t d = 0; daemon_at(f, d) != NULL; d++)
			if (f->d[d].before_known)
				daemon_read(daemon_at(f, d), &f->d[d], true);
	for (unsigned i = 0; ret == 0 && i < up; i++) {
		struct vcl_mem m = {0};
		struct vcl_error *e = NULL;

		/* A sample that fails (no process found, an unreadable
		 * smaps_rollup) is an error in results.json, never a zero in
		 * the mean. */
		if (ops->sample(inst[i], &m, &e) < 0) {
			vcl_bench_record_error(b, ops->name, "memory", e);
			vcl_error_free(e);
			continue;
		}
		vcl_mem_mean_add(&f->mean, &m);
	}
	for (unsigned i = 0; i < up; i++)
		vcl_bench_stop(b, inst[i]);
	free(inst);
	if (ret == 0 && f->mean.n > 0) {
		f->have = true;
		f->up = up;
		vcl_mem_mean_finish(&f->mean);
		vcl_memavail_resolve(before, after, spread, spread2, memavail_drift_kib(), up,
				     MEMAVAIL_MARGIN, &f->ma);
	}
	return ret;
}

/* key: value, or key: null and key_reason: why. */
static void add_known(struct json_object *o, const char *key, bool known, double v, const char *why)
{
	char rkey[96];

	if (known) {
		json_object_object_add(o, key, json_object_new_double(v));
		return;
	}
	json_object_object_add(o, key, NULL);
	snprintf(rkey, sizeof(rkey), "%s_reason", key);
	json_object_object_add(o, rkey, json_object_new_string(why));
}

/* backends.vm.memory.daemons (peers.docker.memory.daemons): each daemon's
 * PSS before and during, and the growth per VM (per instance) over the
 * daemons that were read both times. */
static struct json_object *daemons_json(const struct footprint *f)
{
	struct json_object *o = json_object_new_object(), *covers = json_object_new_array();
	double growth = 0;
	unsigned read = 0;
	char key[64];

	for (size_t d = 0; daemon_at(f, d) != NULL; d++) {
		const struct daemon_pss *p = &f->d[d];
		const char *why = f->daemons_why[0] ? f->daemons_why
				  : p->why[0]	    ? p->why
						    : "not read";

		snprintf(key, sizeof(key), "%s_pss_kib_before", daemon_at(f, d));
		add_known(o, key, p->before_known, (double)p->before, why);
		snprintf(key, sizeof(key), "%s_pss_kib_during", daemon_at(f, d));
		add_known(o, key, p->during_known, (double)p->during, why);
		if (p->before_known && p->during_known) {
			growth += (double)p->during - (double)p->before;
			json_object_array_add(covers, json_object_new_string(daemon_at(f, d)));
			read++;
		}
	}
	snprintf(key, sizeof(key), "growth_per_%s_kib", f->per);
	add_known(o, key, read > 0, growth / (f->up > 0 ? f->up : 1),
		  f->daemons_why[0] ? f->daemons_why : "no daemon could be read");
	json_object_object_add(o, "growth_covers", covers);
	return o;
}

/* Placements always; a peer only when named with --peer and it says what
 * its figure covers (the engines: podman, docker), so a default run
 * measures what it always did. */
static bool measured(const struct vcl_bench *b, const struct vcl_backend_ops *ops)
{
	return !ops->is_peer || (b->o->peers_given && ops->mem_covers != NULL);
}

static int memory_run(struct vcl_bench *b, struct vcl_error **err)
{
	struct footprint f[VCL_MAX_ACTIVE];
	int bare = -1;

	memset(f, 0, sizeof(f));
	for (unsigned i = 0; i < b->nactive; i++)
		if (measured(b, b->active[i]))
			b->steps_total += vcl_backend_is_vm(b->active[i]) ? b->o->vm_mem_instances
									  : b->o->mem_instances;
	for (unsigned i = 0; i < b->nactive; i++) {
		const struct vcl_backend_ops *ops = b->active[i];

		if (!measured(b, ops))
			continue;
		if (ops->baseline)
			bare = (int)i;
		if (measure(b, ops,
			    vcl_backend_is_vm(ops) ? b->o->vm_mem_instances : b->o->mem_instances,
			    &f[i], err) < 0)
			return -1;
	}
	for (unsigned i = 0; i < b->nactive; i++) {
		const struct vcl_mem_mean *m = &f[i].mean;
		struct json_object *o;
		double fp = 0, own = 0, ovh = 0;
		char fwhy[256], bwhy[256];
		bool has_fp;

		if (!f[i].have)
			continue;
		has_fp = vcl_mem_footprint(m, &fp, fwhy, sizeof(fwhy));
		o = json_object_new_object();
		json_object_object_add(o, "instances",
				       json_object_new_int((int)(vcl_backend_is_vm(b->active[i])
								     ? b->o->vm_mem_instances
								     : b->o->mem_instances)));
		json_object_object_add(o, "sampled", json_object_new_int((int)m->n));
		json_object_object_add(o, "pss_kib", json_object_new_double(m->pss_kib));
		json_object_object_add(o, "rss_kib", json_object_new_double(m->rss_kib));
		json_object_object_add(o, "processes", json_object_new_int((int)m->max_procs));
		/* A guest's processes are inside QEMU's memory: counted in its
		 * PSS, never one by one from the host. */
		if (vcl_backend_is_vm(b->active[i]))
			json_object_object_add(
			    o, "processes_note",
			    json_object_new_string("host processes of the VM (QEMU); every "
						   "process of the guest is in QEMU's memory "
						   "and so in pss_kib, but the host cannot "
						   "list them"));
		add_known(o, "cgroup_kib", m->known & VCL_MEM_CGROUP, m->cgroup_kib, m->cgroup_why);
		add_known(o, "kmem_kib", m->known & VCL_MEM_KMEM, m->kmem_kib, m->kmem_why);
		json_object_object_add(o, "memavail_drop_kib",
				       json_object_new_double(f[i].ma.drop));
		json_object_object_add(o, "memavail_noise_kib",
				       json_object_new_double(f[i].ma.noise));
		json_object_object_add(o, "memavail_resolved",
				       json_object_new_boolean(f[i].ma.resolved));
		if (bare >= 0 && f[bare].have) {
			/* Footprint = PSS of the host processes + the cgroup's
			 * kernel memory; overhead = footprint beyond bare's. */
			bool has_own = vcl_mem_footprint(&f[bare].mean, &own, bwhy, sizeof(bwhy));
			char why[300];

			add_known(o, "payload_kib", has_own, own, bwhy);
			snprintf(why, sizeof(why), "%s: %s",
				 has_fp ? b->active[bare]->name : b->active[i]->name,
				 has_fp ? bwhy : fwhy);
			add_known(o, "overhead_kib", has_fp && has_own, fp - own, why);
			/* By MemAvailable only where this drop is resolved; where
			 * bare's own is not, its footprint stands in for it. */
			if (vcl_memavail_overhead(&f[i].ma, &f[bare].ma, has_own, own, &ovh))
				json_object_object_add(o, "overhead_memavail_kib",
						       json_object_new_double(ovh));
		}
		/* What the figure covers: the instance's own host processes.
		 * For a VM that is QEMU; libvirt's daemons are beside it. */
		json_object_object_add(
		    o, "covers",
		    json_object_new_string(
			b->active[i]->mem_covers != NULL ? b->active[i]->mem_covers
			: f[i].daemons ? "QEMU's host processes (PSS) and its cgroup's kernel "
					 "memory; libvirtd and virtlogd are in daemons"
				       : "the instance's host processes (PSS) and its "
					 "cgroup's kernel memory"));
		if (m->known & VCL_MEM_HELPER)
			json_object_object_add(o, "helpers_pss_kib",
					       json_object_new_double(m->helper_pss_kib));
		if (f[i].daemons)
			json_object_object_add(o, "daemons", daemons_json(&f[i]));
		json_object_object_add(vcl_bench_result_obj(b, b->active[i]), "memory", o);
	}
	return 0;
}

const struct vcl_scenario vcl_scenario_memory = {.name = "memory", .run = memory_run};

/* SPDX-License-Identifier: MIT */
#include "core/ksm.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/util.h"

/* 20 ms sleeps, 2000 pages a wake: about 400 MB/s of scanning, so a GiB of
 * guest RAM is covered in a few seconds (the kernel's default, 100 pages,
 * takes minutes). ksmd's CPU cost is measured and reported. */
#define KSM_SLEEP_MS "20"
#define KSM_PAGES    "2000"

/* A KSM setting vclab changed, with the value it had ("sysfs PATH VALUE").
 * Only KSM's: a ledger never writes anywhere else. */
static int sysfs_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	if (r->b == NULL || strncmp(r->a, VCL_KSM_DIR "/", sizeof(VCL_KSM_DIR)) != 0 ||
	    strstr(r->a, "..") != NULL)
		return 0;
	if (r->print)
		printf("  %s %s to %s\n", r->dry_run ? "would restore" : "restore", r->a, r->b);
	return r->dry_run ? 0 : vcl_write_file(r->a, r->b, err);
}

const struct vcl_ledger_kind vcl_ksm_ledger_kind = {.name = "sysfs", .undo = sysfs_undo};

bool vcl_ksm_available(void)
{
	return access(VCL_KSM_DIR "/run", W_OK) == 0;
}

static int ksm_get(const char *name, char *buf, size_t len, struct vcl_error **err)
{
	cleanup_free char *v = NULL;
	char path[128];

	snprintf(path, sizeof(path), VCL_KSM_DIR "/%s", name);
	if (vcl_read_file(path, &v, NULL, err) < 0)
		return -1;
	snprintf(buf, len, "%.*s", (int)strcspn(v, " \n"), v);
	return 0;
}

static int ksm_set(const char *name, const char *value, struct vcl_error **err)
{
	char path[128];

	snprintf(path, sizeof(path), VCL_KSM_DIR "/%s", name);
	return vcl_write_file(path, value, err);
}

static pid_t find_ksmd(void)
{
	cleanup_dir DIR *d = opendir("/proc");
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *comm = NULL;
		char path[300];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (vcl_read_file(path, &comm, NULL, NULL) == 0 && strcmp(comm, "ksmd\n") == 0)
			return (pid_t)atoi(de->d_name);
	}
	return 0;
}

int vcl_ksm_start(struct vcl_ksm *k, struct vcl_ledger *ledger, struct vcl_error **err)
{
	memset(k, 0, sizeof(*k));
	if (!vcl_ksm_available())
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "KSM is not available here (" VCL_KSM_DIR
				     "/run not writable)");
	if (ksm_get("run", k->run, sizeof(k->run), err) < 0 ||
	    ksm_get("sleep_millisecs", k->sleep_ms, sizeof(k->sleep_ms), err) < 0 ||
	    ksm_get("pages_to_scan", k->pages, sizeof(k->pages), err) < 0)
		return vcl_error_wrap(err, "Save the host's KSM settings");
	/* Recorded before anything changes: a crash from here on leaves gc
	 * what to put back (restored newest first, so run goes back last). */
	if (vcl_ledger_add(ledger, err, "sysfs " VCL_KSM_DIR "/run %s", k->run) < 0 ||
	    vcl_ledger_add(ledger, err, "sysfs " VCL_KSM_DIR "/sleep_millisecs %s", k->sleep_ms) <
		0 ||
	    vcl_ledger_add(ledger, err, "sysfs " VCL_KSM_DIR "/pages_to_scan %s", k->pages) < 0)
		return -1;
	k->on = true;
	k->ksmd = find_ksmd();
	if (k->ksmd > 0 && vcl_proc_cpu_usec(k->ksmd, &k->ksmd_cpu0) < 0)
		k->ksmd = 0;
	if (ksm_set("sleep_millisecs", KSM_SLEEP_MS, err) < 0 ||
	    ksm_set("pages_to_scan", KSM_PAGES, err) < 0 || ksm_set("run", "1", err) < 0) {
		vcl_ksm_restore(k, NULL);
		return vcl_error_wrap(err, "Turn KSM on");
	}
	return 0;
}

int vcl_ksm_unmerge(struct vcl_error **err)
{
	return ksm_set("run", "2", err);
}

int vcl_ksm_restore(struct vcl_ksm *k, struct vcl_error **err)
{
	int r = 0;

	if (!k->on)
		return 0;
	/* run first: a settings write while ksmd runs is fine, but merging
	 * should stop before the scan rate falls back. */
	if (ksm_set("run", k->run, err) < 0)
		r = -1;
	if (ksm_set("sleep_millisecs", k->sleep_ms, r < 0 ? NULL : err) < 0)
		r = -1;
	if (ksm_set("pages_to_scan", k->pages, r < 0 ? NULL : err) < 0)
		r = -1;
	k->on = r < 0;
	return r;
}

int vcl_ksm_read(struct vcl_ksm_counters *c, struct vcl_error **err)
{
	if (vcl_read_u64(VCL_KSM_DIR "/pages_sharing", &c->pages_sharing, err) < 0 ||
	    vcl_read_u64(VCL_KSM_DIR "/pages_shared", &c->pages_shared, err) < 0 ||
	    vcl_read_u64(VCL_KSM_DIR "/full_scans", &c->full_scans, err) < 0)
		return -1;
	return 0;
}

double vcl_ksm_cpu_s(const struct vcl_ksm *k)
{
	uint64_t now = 0;

	if (k->ksmd <= 0 || vcl_proc_cpu_usec(k->ksmd, &now) < 0 || now < k->ksmd_cpu0)
		return -1;
	return (double)(now - k->ksmd_cpu0) / 1e6;
}

bool vcl_ksm_settled(const uint64_t *sharing, size_t n, unsigned scans, double tol)
{
	double last;

	if (scans == 0 || n < scans)
		return false;
	last = (double)sharing[n - 1];
	for (size_t i = n - scans; i < n; i++) {
		double d = (double)sharing[i] - last;

		if ((d < 0 ? -d : d) > tol * last)
			return false;
	}
	return true;
}

uint64_t vcl_smaps_mergeable_kib(const char *smaps)
{
	uint64_t total = 0, size = 0;

	for (const char *p = smaps; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		unsigned long long v;

		if (sscanf(p, "Size: %llu kB", &v) == 1)
			size = v;
		else if (strncmp(p, "VmFlags:", 8) == 0) {
			/* Two-letter flags separated by spaces. */
			for (size_t i = 8; i + 2 <= len; i++)
				if (p[i - 1] == ' ' && p[i] == 'm' && p[i + 1] == 'g' &&
				    (i + 2 == len || p[i + 2] == ' ')) {
					total += size;
					break;
				}
			size = 0;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	return total;
}

/* SPDX-License-Identifier: MIT */
/*
 * The image cache, crash-safe (issue 28). Each entry is a folder per
 * digest and step, under $VCLAB_CACHE (default /var/cache/vclab):
 *
 *   images/<hex>/oci             skopeo copy of the image (OCI layout, tag "img")
 *   unpacked/<hex>/rootfs        umoci raw unpack of it
 *   vmdisks/<hex>/rootfs.ext4    mke2fs -d of that rootfs (the VM placements)
 *   .../<hex>/entry.json         digest, step, the tool's version, vclab's
 *
 * An entry is built in a temporary folder .<hex>.<pid>-<start>.tmp beside
 * it, entry.json written last, and renamed into place: the name <hex>
 * appears only when the whole entry is there. A SIGKILL or a full disk at
 * any step leaves at most a temporary folder, which no run reads (and the
 * tool it ran dies with vclab: PR_SET_PDEATHSIG); `vclab gc --cache`
 * removes those whose builder is gone. A run that finds an entry checks
 * its entry.json names the digest and step; one that does not is moved
 * aside (.<hex>.bad-<pid>) and rebuilt, never trusted.
 *
 * Two runs building one digest at once both build; the second rename
 * finds the first's entry and drops its own copy. No run writes into an
 * entry: bare and ctr mount the rootfs as an overlay's lower layer, the
 * VMs get the disk read-only.
 */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/results.h"
#include "core/util.h"
#include "core/version.h"
#include "image/image.h"

static const char *const step_kind[] = {
    [VCL_CACHE_COPY] = "images", [VCL_CACHE_UNPACK] = "unpacked", [VCL_CACHE_DISK] = "vmdisks"};
static const char *const step_name[] = {
    [VCL_CACHE_COPY] = "copy", [VCL_CACHE_UNPACK] = "unpack", [VCL_CACHE_DISK] = "disk"};

#ifdef VCL_TEST_HOOKS
/* Test builds only (build/tests/vclab-testhooks, see the Makefile): die
 * by SIGKILL at step when VCLAB_TEST_KILL_AT names it. */
void vcl_image_test_kill_at(const char *step)
{
	const char *at = getenv("VCLAB_TEST_KILL_AT");

	if (step != NULL && at != NULL && strcmp(at, step) == 0)
		raise(SIGKILL);
}
#endif

/* The version line a tool prints, "" when it cannot tell. */
static void tool_version(const char *tool, char *buf, size_t len)
{
	char a_sh[] = "sh", a_c[] = "-c", cmd[128];
	char *argv[] = {a_sh, a_c, cmd, NULL};
	cleanup_free char *out = NULL;

	/* mke2fs -V prints to stderr; skopeo and umoci --version to stdout. */
	snprintf(cmd, sizeof(cmd), "%s 2>&1 | head -n 1",
		 strcmp(tool, "mke2fs") == 0   ? "mke2fs -V"
		 : strcmp(tool, "skopeo") == 0 ? "skopeo --version"
					       : "umoci --version");
	buf[0] = '\0';
	if (vcl_image_run(argv, &out, NULL) == 0)
		snprintf(buf, len, "%.*s", (int)strcspn(out, "\n"), out);
}

static const char *step_tool(enum vcl_cache_step step)
{
	return step == VCL_CACHE_COPY ? "skopeo" : step == VCL_CACHE_UNPACK ? "umoci" : "mke2fs";
}

/* Does entry.json in dir name digest and step? */
static bool entry_ok(const char *dir, const char *digest, enum vcl_cache_step step)
{
	char path[PATH_MAX + 16];
	struct json_object *o, *d = NULL, *s = NULL;
	bool ok;

	snprintf(path, sizeof(path), "%s/entry.json", dir);
	o = json_object_from_file(path);
	ok = o != NULL && json_object_object_get_ex(o, "digest", &d) &&
	     json_object_object_get_ex(o, "step", &s) &&
	     strcmp(json_object_get_string(d), digest) == 0 &&
	     strcmp(json_object_get_string(s), step_name[step]) == 0;
	json_object_put(o);
	return ok;
}

int vcl_cache_open(enum vcl_cache_step step, const char *digest, struct vcl_cache_entry *e,
		   struct vcl_error **err)
{
	char kind[PATH_MAX - 256];
	unsigned long long st = 0;
	struct stat sb;

	memset(e, 0, sizeof(*e));
	e->step = step;
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	snprintf(kind, sizeof(kind), "%s/%s", vcl_image_cache_root(), step_kind[step]);
	if (vcl_mkdir_p(kind, err) < 0)
		return vcl_error_wrap(err, "Image cache");
	snprintf(e->final, sizeof(e->final), "%s/%s", kind, digest + 7);
	if (stat(e->final, &sb) == 0) {
		char bad[PATH_MAX + 64];

		if (entry_ok(e->final, digest, step))
			return 1;
		/* Not made by this scheme (or tampered with): never trusted.
		 * Moved aside, not removed: a run of an older vclab may
		 * still read it; gc --cache removes it. */
		snprintf(bad, sizeof(bad), "%s/.%s.bad-%d", kind, digest + 7, (int)getpid());
		if (rename(e->final, bad) < 0 && errno != ENOENT)
			return vcl_fail(err, errno, "Move the unfinished cache entry %s aside",
					e->final);
	}
	vcl_proc_starttime(getpid(), &st);
	snprintf(e->tmp, sizeof(e->tmp), "%s/.%s.%d-%llu.tmp", kind, digest + 7, (int)getpid(), st);
	vcl_rm_rf(e->tmp, NULL);
	if (mkdir(e->tmp, 0755) < 0)
		return vcl_fail(err, errno, "Create %s", e->tmp);
	return 0;
}

void vcl_cache_abort(struct vcl_cache_entry *e)
{
	if (e->tmp[0] != '\0')
		vcl_rm_rf(e->tmp, NULL);
	e->tmp[0] = '\0';
}

int vcl_cache_commit(struct vcl_cache_entry *e, struct vcl_error **err)
{
	struct json_object *o = json_object_new_object();
	char path[PATH_MAX + 16], version[160], now[32], hook[32];
	const char *text;
	int r;

	tool_version(step_tool(e->step), version, sizeof(version));
	vcl_iso8601_now(now, sizeof(now));
	json_object_object_add(o, "digest", json_object_new_string(e->digest));
	json_object_object_add(o, "step", json_object_new_string(step_name[e->step]));
	json_object_object_add(o, "tool", json_object_new_string(step_tool(e->step)));
	json_object_object_add(o, "tool_version", json_object_new_string(version));
	json_object_object_add(o, "vclab_version", json_object_new_string(VCLAB_VERSION));
	json_object_object_add(o, "made", json_object_new_string(now));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	snprintf(path, sizeof(path), "%s/entry.json", e->tmp);
	r = vcl_write_atomic(path, text, strlen(text), err);
	json_object_put(o);
	if (r < 0) {
		vcl_cache_abort(e);
		return vcl_error_wrap(err, "Image cache entry %s", e->final);
	}
	snprintf(hook, sizeof(hook), "%s.commit", step_name[e->step]);
	vcl_image_test_kill_at(hook);
	if (rename(e->tmp, e->final) < 0) {
		int en = errno;

		vcl_cache_abort(e);
		/* Another run committed the same digest first: use its entry. */
		if ((en == ENOTEMPTY || en == EEXIST) && entry_ok(e->final, e->digest, e->step))
			return 0;
		return vcl_fail(err, en, "Rename the image cache entry into %s", e->final);
	}
	e->tmp[0] = '\0';
	return 0;
}

/* ---- vclab gc --cache ---- */

/* Is the builder named by a temporary entry ".<hex>.<pid>-<start>.tmp"
 * still alive? */
static bool builder_alive(const char *name)
{
	const char *dot = strrchr(name, '.'), *p = dot;
	unsigned long long st = 0, now = 0;
	int pid = 0;

	while (p != NULL && p > name && p[-1] != '.')
		p--;
	if (dot == NULL || strcmp(dot, ".tmp") != 0 || p == NULL ||
	    sscanf(p, "%d-%llu.tmp", &pid, &st) != 2)
		return false;
	return vcl_proc_starttime(pid, &now) == 0 && now == st;
}

static int gc_kind(enum vcl_cache_step step, bool dry_run, unsigned *removed,
		   struct vcl_error **err)
{
	char kind[PATH_MAX];
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	int ret = 0;

	snprintf(kind, sizeof(kind), "%s/%s", vcl_image_cache_root(), step_kind[step]);
	d = opendir(kind);
	if (d == NULL)
		return errno == ENOENT ? 0 : vcl_fail(err, errno, "Open %s", kind);
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 300], digest[80];
		const char *why = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", kind, de->d_name);
		snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
		if (de->d_name[0] != '.') {
			if (!entry_ok(path, digest, step))
				why = "no entry.json naming its digest";
		} else if (strstr(de->d_name, ".bad-") != NULL) {
			why = "moved aside: not a finished entry";
		} else if (builder_alive(de->d_name)) {
			printf("cache %s: being built, left alone\n", path);
		} else {
			why = "unfinished: its builder is gone";
		}
		if (why == NULL)
			continue;
		printf("cache %s: %s, %s\n", path, why, dry_run ? "would remove" : "removing");
		if (!dry_run && vcl_rm_rf(path, err) < 0) {
			ret = -1;
			continue;
		}
		(*removed)++;
	}
	return ret;
}

/* The layout before this scheme (no entry.json, nothing a run now reads):
 * oci/<hex> and rootfs/<hex> with their "<hex>.tmp-<pid>" temporaries, and
 * disks/<hex>.ext4 with its ".<hex>.<pid>.tmp". disks/ also holds the
 * per-run disks of images without a digest (disks/run-<pid>-<ns>.ext4):
 * those are in their run's ledger, for the run and `vclab gc` to remove.
 * A temporary whose pid lives may be an older vclab building it: left. */
static bool old_entry(const char *folder, const char *name, bool *building)
{
	const char *t = strstr(name, ".tmp");
	int pid = 0;

	*building = false;
	if (strcmp(folder, "disks") == 0 && strncmp(name, "run-", 4) == 0)
		return false;
	if (t != NULL &&
	    (sscanf(t, ".tmp-%d", &pid) == 1 || sscanf(name, ".%*64[0-9a-f].%d.tmp", &pid) == 1))
		*building = pid > 0 && kill(pid, 0) == 0;
	return true;
}

static int gc_old_layout(bool dry_run, unsigned *removed, struct vcl_error **err)
{
	static const char *const folders[] = {"oci", "rootfs", "disks"};
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(folders); i++) {
		char dir[PATH_MAX];
		cleanup_dir DIR *d = NULL;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/%s", vcl_image_cache_root(), folders[i]);
		d = opendir(dir);
		if (d == NULL) {
			if (errno != ENOENT)
				ret = vcl_fail(err, errno, "Open %s", dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[PATH_MAX + 300];
			bool building;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
			    !old_entry(folders[i], de->d_name, &building))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (building) {
				printf("cache %s: old layout, being built, left alone\n", path);
				continue;
			}
			printf("cache %s: old layout (no entry.json), %s\n", path,
			       dry_run ? "would remove" : "removing");
			if (!dry_run && vcl_rm_rf(path, err) < 0) {
				ret = -1;
				continue;
			}
			(*removed)++;
		}
		if (!dry_run)
			rmdir(dir); /* once empty */
	}
	return ret;
}

int vcl_cache_gc(bool dry_run, unsigned *removed, struct vcl_error **err)
{
	int ret = 0;

	*removed = 0;
	for (int s = VCL_CACHE_COPY; s <= VCL_CACHE_DISK; s++)
		if (gc_kind((enum vcl_cache_step)s, dry_run, removed, err) < 0)
			ret = -1;
	if (gc_old_layout(dry_run, removed, err) < 0)
		ret = -1;
	return ret;
}

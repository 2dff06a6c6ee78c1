/* SPDX-License-Identifier: MIT */
/*
 * The image cache is crash-safe (root; image/cache.c): a SIGKILL at each
 * step of building an entry (skopeo copy, umoci unpack, mke2fs disk; in
 * the tool and just before the rename) and a full disk leave nothing a
 * later run uses; the later run rebuilds; `vclab gc --cache` removes what
 * is left. No run writes into the cache: every entry's files are the same
 * bytes after a run of every placement with a service that writes to its
 * root. The kills use build/tests/vclab-testhooks (VCLAB_TEST_KILL_AT).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integ_util.h"
#include "keep_results.h"
#include "tests/suite_main.h"

#define TOP   "/tmp/vclab-test-cache"
#define IMG   TOP "/oci"
#define CACHE TOP "/cache"
#define HOOKS "build/tests/vclab-testhooks"

/* The programs this suite runs (its image's build and its tests). */
static const char *const needs[] = {INTEG_BUSYBOX_TOOLS, HOOKS, NULL};

/* The service writes into its root (/written, /www/w, both in the image's
 * files) before it serves: ready on GET /w proves the writes succeeded. */
#define WRITER                                                                                     \
	"--ready http:/w -- -c 'echo w > /written && echo w > /www/w && "                          \
	"httpd -f -p 8080 -h /www'"

/* A bench of the busybox image's shell tag with vclab (bin/vclab or the
 * hooks build), env before it, on backends and peers; its exit status. */
static int bench(const char *vclab, const char *env, const char *backends, const char *peers,
		 const char *cache)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "rm -rf " TOP "/out && %s VCLAB_CACHE=%s %s bench --image oci:" IMG
		 ":shell --name bbw --backends %s --peers %s --scenarios startup --runs 1 "
		 "--warmup 0 --vm-runs 1 --vm-warmup 0 -q --no-report --out " TOP "/out " WRITER
		 " >/dev/null 2>" TOP "/err",
		 env, cache, vclab, backends, peers);
	return run(cmd);
}

/* Entries in CACHE/kind: finished ones (plain names), or the temporary
 * and set-aside ones (dot names). */
static int count(const char *kind, bool dot)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -1A " CACHE "/%s 2>/dev/null | grep -c '%s'", kind,
		 dot ? "^\\." : "^[^.]");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

/* No skopeo, umoci or mke2fs of this cache outlives the vclab that ran it. */
static void no_tool_left(void)
{
	int i;

	for (i = 0; i < 40 && run("pgrep -f '[/]tmp/vclab-test-cache/cache' >/dev/null") == 0; i++)
		usleep(50 * 1000);
	ck_assert_msg(i < 40, "a tool of the cache outlived the vclab that ran it");
}

/* Every finished entry of kind carries entry.json naming its own digest
 * and a version of the tool that made it. */
static void entries_ok(const char *kind, const char *tool)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "for e in " CACHE "/%s/*; do /usr/bin/python3 -c 'import json,sys,os; "
		 "e=json.load(open(sys.argv[1]+\"/entry.json\")); "
		 "sys.exit(not (e[\"digest\"]==\"sha256:\"+os.path.basename(sys.argv[1]) and "
		 "e[\"tool\"]==sys.argv[2] and e[\"tool_version\"]))' \"$e\" %s || exit 1; done",
		 kind, tool);
	ck_assert_msg(run(cmd) == 0, "an entry of %s has no entry.json naming its digest", kind);
}

/* SIGKILL at each step, in order: what it left is never a finished entry,
 * earlier steps' entries are, and no tool outlives vclab. Then gc --cache
 * removes the unfinished ones (gc of the killed VM runs their ledgers). */
START_TEST(test_kill_at_each_step)
{
	static const struct {
		const char *step, *kind, *backends, *before;
	} steps[] = {
	    {"copy.tool", "images", "bare", NULL},
	    {"copy.commit", "images", "bare", NULL},
	    {"unpack.tool", "unpacked", "bare", "images"},
	    {"unpack.commit", "unpacked", "bare", "images"},
	    {"disk.tool", "vmdisks", "vm", "unpacked"},
	    {"disk.commit", "vmdisks", "vm", "unpacked"},
	};
	char env[64];

	ck_assert_int_eq(run("rm -rf " CACHE), 0);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		snprintf(env, sizeof(env), "VCLAB_TEST_KILL_AT=%s", steps[i].step);
		/* sh reports a child killed by signal 9 as 128 + 9. */
		ck_assert_msg(bench(HOOKS, env, steps[i].backends, "none", CACHE) == 137,
			      "%s: vclab was not killed there", steps[i].step);
		ck_assert_msg(count(steps[i].kind, false) == 0, "%s: a finished %s entry is there",
			      steps[i].step, steps[i].kind);
		ck_assert_msg(count(steps[i].kind, true) >= 1, "%s: it died before the step",
			      steps[i].step);
		if (steps[i].before != NULL)
			ck_assert_int_eq(count(steps[i].before, false), 1);
		no_tool_left();
	}
	ck_assert_int_eq(run("VCLAB_CACHE=" CACHE " bin/vclab gc --cache > " TOP "/gc.out"), 0);
	/* Both runs killed in the VM's disk step left a ledger naming their
	 * temporary disk folder: gc removed them with it. The other four are
	 * the cache's own. */
	ck_assert_int_eq(run("test $(grep -c '^cache " CACHE
			     "/.*: unfinished: its builder is gone, "
			     "removing$' " TOP "/gc.out) -eq 4"),
			 0);
	ck_assert_int_eq(
	    run("grep -qx 'removed 4 unfinished cache entries in " CACHE "' " TOP "/gc.out"), 0);
	ck_assert_int_eq(count("images", true) + count("unpacked", true) + count("vmdisks", true),
			 0);
}
END_TEST

/* A file list with sizes, modes, owners, mtimes and hashes of every entry. */
static void snapshot(const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "cd " CACHE " && find images unpacked vmdisks -printf '%%p %%y %%s %%m %%U %%G "
		 "%%T@ %%l\\n' | sort > %s && find images unpacked vmdisks -type f -print0 | sort "
		 "-z | xargs -0 sha256sum >> %s",
		 to, to);
	ck_assert_int_eq(run(cmd), 0);
}

/* The later run rebuilds every step (bare and vm), entries carry their
 * digest and tool; then a run of every placement with a service that
 * writes to its root leaves every entry byte for byte as it was. */
START_TEST(test_rebuild_then_no_run_writes)
{
	ck_assert_int_eq(bench("bin/vclab", "", "bare,vm", "none", CACHE), 0);
	ck_assert_int_eq(count("images", false), 1);
	ck_assert_int_eq(count("unpacked", false), 1);
	ck_assert_int_eq(count("vmdisks", false), 1);
	entries_ok("images", "skopeo");
	entries_ok("unpacked", "umoci");
	entries_ok("vmdisks", "mke2fs");
	snapshot(TOP "/before.txt");
	if (bench("bin/vclab", "", "bare,ctr,vm,gvisor", "runc", CACHE) != 0) {
		(void)run("cat " TOP "/err >&2");
		ck_abort_msg("the run of every placement failed");
	}
	{
		struct json_object *r = json_object_from_file(TOP "/out/results.json");
		static const char *const pl[] = {"backends.bare", "backends.ctr", "backends.vm",
						 "backends.gvisor", "peers.runc"};

		ck_assert_ptr_nonnull(r);
		keep_results(TOP "/out/results.json", "cache-writers");
		ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
		for (size_t i = 0; i < ARRAY_SIZE(pl); i++) {
			char path[128];

			snprintf(path, sizeof(path), "services.bbw.%s.startup_ms.n", pl[i]);
			ck_assert_msg(json_object_get_int(at(r, path)) == 1, "%s missing", path);
		}
		integ_nothing_left(r, CACHE);
		json_object_put(r);
	}
	snapshot(TOP "/after.txt");
	ck_assert_msg(run("cmp -s " TOP "/before.txt " TOP "/after.txt") == 0,
		      "a run wrote into the image cache: diff " TOP "/before.txt " TOP
		      "/after.txt");
}
END_TEST

/* A full disk (a small tmpfs as the cache, in a private mount namespace)
 * at each step: a clear message, no finished entry of the step, no
 * temporary one left; with room again the next run builds it. */
START_TEST(test_full_disk)
{
	/* The busybox image takes 1.1 MiB as a layout, 2.0 MiB unpacked (3028
	 * KiB of a tmpfs together) and 2.1 MiB as a VM disk (du and df,
	 * measured here); the earlier steps' entries must fit ("oci": the
	 * image itself, always there). */
	static const struct {
		const char *size, *kind, *before, *backends;
	} steps[] = {{"512k", "images", "oci", "bare"},
		     {"2m", "unpacked", "images", "bare"},
		     {"3400k", "vmdisks", "unpacked", "vm"}};
	char cmd[2048];

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		snprintf(cmd, sizeof(cmd),
			 "unshare -m --propagation private sh -c 'set -e; rm -rf " TOP "/full; "
			 "mkdir -p " TOP "/full && mount -t tmpfs -o size=%s tmpfs " TOP "/full; "
			 "rc=0; VCLAB_CACHE=" TOP "/full bin/vclab bench --image oci:" IMG
			 ":latest --name bb --backends %s --peers none --scenarios startup "
			 "--runs 1 --warmup 0 --vm-runs 1 --vm-warmup 0 -q --no-report --out " TOP
			 "/out >/dev/null 2>" TOP "/err || rc=$?; test $rc -ne 0; "
			 "grep -qi \"no space left on device\" " TOP "/err; "
			 "test -z \"$(ls -A " TOP "/full/%s)\"; "
			 "test %s = oci || test $(ls " TOP "/full/%s | wc -l) -eq 1; "
			 "mount -o remount,size=64m " TOP "/full; "
			 "VCLAB_CACHE=" TOP "/full bin/vclab bench --image oci:" IMG
			 ":latest --name bb --backends %s --peers none --scenarios startup "
			 "--runs 1 --warmup 0 --vm-runs 1 --vm-warmup 0 -q --no-report --out " TOP
			 "/out >/dev/null 2>" TOP "/err; "
			 "test $(ls " TOP "/full/%s | wc -l) -eq 1'",
			 steps[i].size, steps[i].backends, steps[i].kind, steps[i].before,
			 steps[i].before, steps[i].backends, steps[i].kind);
		if (run(cmd) != 0) {
			(void)run("cat " TOP "/err >&2");
			ck_abort_msg("full disk at %s (tmpfs of %s): not handled as it should be",
				     steps[i].kind, steps[i].size);
		}
	}
	/* The tmpfs went with its namespace. */
	ck_assert_int_eq(run("! grep -q '" TOP "/full' /proc/mounts"), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_kill_at_each_step, test_rebuild_then_no_run_writes,
				      test_full_disk};

	if (geteuid() == 0 && vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	return integ_main_with_image("cache", 300, tests, ARRAY_SIZE(tests), needs, TOP,
				     INTEG_BUSYBOX_SH);
}

/* SPDX-License-Identifier: MIT */
/*
 * vclab as one tool among many on a shared host (root): two benches at
 * once both complete with valid results, and each names the other in
 * concurrent_runs[] (the report beside the figures it overlapped); a
 * second density run is refused while the first fills the memory;
 * `vclab gc` in the middle of a run removes nothing of it and the run
 * completes with valid results; `gc --dry-run` says why each run it lists
 * is dead.
 */
#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ledger.h"
#include "core/results.h"
#include "core/util.h"
#include "integ_util.h"
#include "keep_results.h"
#include "tests/suite_main.h"

#define TOP "/tmp/vclab-test-conc"

/* `bin/vclab bench ARGS -q --no-report --out OUT` in the background (its
 * stderr in OUT.err); the pid is vclab's own (sh execs it). */
static pid_t bench_bg(const char *args, const char *out)
{
	char cmd[1024];
	pid_t pid;

	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s && exec bin/vclab bench %s -q --no-report --out %s >/dev/null 2>%s.err",
		 out, args, out, out);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* Wait until the run of vclab pid has a ledger holding a record (its first
 * instance is being made); its run id in rid. Fails when it ends first. */
static void wait_running(pid_t pid, char *rid, size_t len)
{
	char cmd[256];
	int status;

	for (int i = 0; i < 600; i++) {
		integ_run_of(pid, rid, len);
		if (rid[0] != '\0') {
			snprintf(cmd, sizeof(cmd),
				 "grep -q '^cgroup ' " VCL_LEDGER_ROOT "/%s/ledger", rid);
			if (run(cmd) == 0)
				return;
		}
		ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "the bench ended before it ran");
		usleep(20 * 1000);
	}
	ck_abort_msg("no ledger of vclab %d after 12 s", (int)pid);
}

/* Wait for vclab pid; it must exit 0. */
static void wait_ok(pid_t pid, const char *out)
{
	char cmd[256];
	int status = 0;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(cmd, sizeof(cmd), "cat %s.err >&2", out);
		(void)run(cmd);
		ck_abort_msg("the bench into %s failed (status %d)", out, status);
	}
}

/* out/results.json: loads (the reader checks its types), complete, no
 * errors, runs startup figures for each placement of group ("backends" or
 * "peers"); kept for the schema check as name. Nothing of the run is left. */
static struct json_object *valid_results(const char *out, const char *name,
					 const char *const *placements, int runs)
{
	struct json_object *r = NULL;
	struct vcl_error *err = NULL;
	char path[256];

	snprintf(path, sizeof(path), "%s/results.json", out);
	ck_assert_msg(vcl_results_load(path, &r, &err) == 0, "%s: %s", path,
		      err != NULL ? err->msg : "?");
	keep_results(path, name);
	ck_assert_msg(json_object_get_boolean(at(r, "complete")), "%s is incomplete", path);
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	for (; *placements != NULL; placements++) {
		snprintf(path, sizeof(path), "%s.startup_ms.n", *placements);
		ck_assert_msg(json_object_get_int(at(r, path)) == runs, "%s: %s is not %d", out,
			      path, runs);
		snprintf(path, sizeof(path), "%s.startup_ms.p50", *placements);
		ck_assert(json_object_get_double(at(r, path)) > 0);
	}
	integ_nothing_left(r, TOP);
	return r;
}

/* Seconds since the epoch of an ISO 8601 UTC time ("...Z") of r at path. */
static double iso_s(struct json_object *r, const char *path)
{
	struct tm tm = {0};
	const char *s = json_object_get_string(at(r, path));

	ck_assert_msg(s != NULL && strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) != NULL, "%s: %s", path,
		      s != NULL ? s : "missing");
	return (double)timegm(&tm);
}

/* The concurrent_runs[] entry of r naming run id, which must be there. */
static struct json_object *peer_entry(struct json_object *r, const char *id)
{
	struct json_object *arr = at(r, "concurrent_runs");

	ck_assert_ptr_nonnull(arr);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (strcmp(json_object_get_string(at(e, "run_id")), id) == 0)
			return e;
	}
	ck_abort_msg("run %s is not in concurrent_runs of run %s", id,
		     json_object_get_string(at(r, "run_id")));
	return NULL;
}

/* The placements of a concurrent_runs[] entry, comma-joined. */
static void placements_of(struct json_object *e, char *buf, size_t len)
{
	struct json_object *pl = at(e, "placements");
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; pl != NULL && i < json_object_array_length(pl) && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i > 0 ? "," : "",
				      json_object_get_string(json_object_array_get_idx(pl, i)));
}

/* Two benches at once, bare+ctr and bare with the runc peer: both
 * complete with valid results; each names the other with its placements;
 * the overlap each records agrees with the other's record and with the
 * two runs' own started/finished times (a second way); the report says so
 * beside the startup figures. */
START_TEST(test_two_runs_at_once)
{
	const char *oa = TOP "/a", *ob = TOP "/b";
	struct json_object *ra, *rb, *ea, *eb;
	char pl[128], cmd[768];
	double outside, ov_a, ov_b;
	pid_t a, b;

	ck_assert_int_eq(run("rm -rf " TOP " && mkdir -p " TOP), 0);
	a = bench_bg("--backends bare,ctr --peers none --scenarios startup,memory --runs 12 "
		     "--warmup 0",
		     oa);
	b = bench_bg("--backends bare --peers runc --scenarios startup --runs 12 --warmup 0", ob);
	wait_ok(a, oa);
	wait_ok(b, ob);
	ra = valid_results(oa, "conc-a",
			   (const char *const[]){"backends.bare", "backends.ctr", NULL}, 12);
	rb = valid_results(ob, "conc-b", (const char *const[]){"backends.bare", "peers.runc", NULL},
			   12);
	ea = peer_entry(ra, json_object_get_string(at(rb, "run_id")));
	eb = peer_entry(rb, json_object_get_string(at(ra, "run_id")));
	placements_of(ea, pl, sizeof(pl));
	ck_assert_str_eq(pl, "bare,runc");
	placements_of(eb, pl, sizeof(pl));
	ck_assert_str_eq(pl, "bare,ctr");
	ov_a = json_object_get_double(at(ea, "overlap_s"));
	ov_b = json_object_get_double(at(eb, "overlap_s"));
	outside = fmin(iso_s(ra, "finished"), iso_s(rb, "finished")) -
		  fmax(iso_s(ra, "started"), iso_s(rb, "started"));
	ck_assert_msg(ov_a > 0.5 && ov_b > 0.5, "overlaps %.1f and %.1f s", ov_a, ov_b);
	/* Both ends of one overlap: the two records differ by the time
	 * between one run's last save and its ledger's close. */
	ck_assert_msg(fabs(ov_a - ov_b) <= 0.5, "overlap %.1f s in one run, %.1f s in the other",
		      ov_a, ov_b);
	/* started/finished have whole seconds, and a run announces itself
	 * after its host probe: 2 s of slack. */
	ck_assert_msg(fabs(ov_a - outside) <= 2.0, "overlap %.1f s, started/finished say %.0f s",
		      ov_a, outside);
	ck_assert(json_object_get_double(at(ea, "scenarios.startup.overlap_s")) > 0);
	ck_assert(json_object_get_double(at(ea, "scenarios.startup.overlap_s")) <=
		  json_object_get_double(at(ea, "scenarios.startup.of_s")) + 0.1);
	/* The run that ended first is "ended" in the other's record. */
	ck_assert(at(ea, "ended") != NULL || at(eb, "ended") != NULL);
	snprintf(cmd, sizeof(cmd),
		 "bin/vclab report %s/results.json -o %s/report >/dev/null 2>&1 && "
		 "grep -qF 'The startup figures were measured while another vclab run was active "
		 "on this host: run `%s` (bare, runc)' %s/report/report.md && "
		 "grep -qF 'measured while another vclab run was active' %s/report/report.html",
		 oa, oa, json_object_get_string(at(rb, "run_id")), oa, oa);
	ck_assert_int_eq(run(cmd), 0);
	json_object_put(ra);
	json_object_put(rb);
	(void)run("rm -rf " TOP);
}
END_TEST

/* A second density run while the first fills the memory: refused at once
 * with one line naming the first run, exit 2, nothing of it left; the
 * first completes with valid results and does not list the refused run. */
START_TEST(test_second_density_refused)
{
	const char *oa = TOP "/dens-a", *ob = TOP "/dens-b";
	const char *args = "--backends bare --peers none --scenarios density --budget-mib 100000 "
			   "--density-seconds 3";
	struct json_object *r = NULL;
	struct vcl_error *err = NULL;
	char rid[64], cmd[768];
	unsigned dead = integ_dead_runs();
	pid_t a;

	ck_assert_int_eq(run("rm -rf " TOP " && mkdir -p " TOP), 0);
	a = bench_bg(args, oa);
	wait_running(a, rid, sizeof(rid));
	snprintf(cmd, sizeof(cmd),
		 "bin/vclab bench %s -q --no-report --out %s >/dev/null 2>%s.err; test $? -eq 2 && "
		 "test $(wc -l <%s.err) -eq 1 && grep -qF 'vclab run %s (bare, since ' %s.err && "
		 "grep -qF \"is filling this host's memory (density)\" %s.err && test ! -e %s",
		 args, ob, ob, ob, rid, ob, ob, ob);
	if (run(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat %s.err >&2", ob);
		(void)run(cmd);
		ck_abort_msg("the second density run was not refused as it should be");
	}
	/* Refused before it made anything: no ledger of it left behind. */
	ck_assert_uint_le(integ_dead_runs(), dead);
	wait_ok(a, oa);
	ck_assert_int_eq(vcl_results_load(TOP "/dens-a/results.json", &r, &err), 0);
	keep_results(TOP "/dens-a/results.json", "conc-density");
	ck_assert(json_object_get_boolean(at(r, "complete")));
	ck_assert_int_gt(json_object_get_int(at(r, "backends.bare.density.max_instances")), 0);
	ck_assert_int_eq(json_object_array_length(at(r, "concurrent_runs")), 0);
	integ_nothing_left(r, TOP);
	json_object_put(r);
	(void)run("rm -rf " TOP);
}
END_TEST

/* A run whose owner file says owner, with a ledger that names file. */
static void fake_run(const char *root, const char *name, const char *owner, const char *file)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "mkdir -p %s/%s", root, name);
	ck_assert_int_eq(run(path), 0);
	if (owner != NULL) {
		snprintf(path, sizeof(path), "%s/%s/owner", root, name);
		f = fopen(path, "we");
		ck_assert_ptr_nonnull(f);
		fputs(owner, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s/ledger", root, name);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "file %s\n", file);
	fclose(f);
}

/* One line of out, exactly. */
static void has_line(const char *out, const char *line)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -qxF '%s' %s", line, out);
	ck_assert_msg(run(cmd) == 0, "no line '%s' in %s", line, out);
}

/* gc --dry-run names, for each run it would tear down, the fact that shows
 * its runner is gone; a live run is left alone; nothing is removed. */
START_TEST(test_gc_dry_run_says_why)
{
	const char *root = TOP "/gcroot", *victim = TOP "/gc-victim", *out = TOP "/gc.out";
	cleanup_free char *boot = NULL;
	unsigned long long st = 0;
	char owner[160], line[256];
	pid_t gone = fork();

	if (gone == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
	ck_assert_int_eq(vcl_proc_starttime(getpid(), &st), 0);
	ck_assert_int_eq(vcl_read_file("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL), 0);
	boot[strcspn(boot, "\n")] = '\0';
	ck_assert_int_eq(run("rm -rf " TOP " && mkdir -p " TOP " && touch " TOP "/gc-victim"), 0);

	snprintf(owner, sizeof(owner), "%d %llu %s\n", (int)gone, st, boot);
	fake_run(root, "r-gone", owner, victim);
	snprintf(owner, sizeof(owner), "%d %llu %s\n", (int)getpid(), st + 1, boot);
	fake_run(root, "r-reused", owner, victim);
	snprintf(owner, sizeof(owner), "%d %llu 00000000-0000-0000-0000-000000000000\n",
		 (int)getpid(), st);
	fake_run(root, "r-boot", owner, victim);
	fake_run(root, "r-noowner", NULL, victim);
	fake_run(root, "r-bad", "garbage\n", victim);
	snprintf(owner, sizeof(owner), "%d %llu %s\n", (int)getpid(), st, boot);
	fake_run(root, "r-live", owner, victim);

	ck_assert_int_eq(run("bin/vclab gc --dry-run --root " TOP "/gcroot > " TOP "/gc.out"), 0);
	snprintf(line, sizeof(line),
		 "run r-gone: dead (pid %d is gone), would tear down:", (int)gone);
	has_line(out, line);
	snprintf(line, sizeof(line),
		 "run r-reused: dead (pid %d was reused: that process started at tick %llu, the "
		 "runner at tick %llu), would tear down:",
		 (int)getpid(), st, st + 1);
	has_line(out, line);
	snprintf(line, sizeof(line),
		 "run r-boot: dead (started before the last reboot: boot 00000000, now %.8s), "
		 "would tear down:",
		 boot);
	has_line(out, line);
	has_line(out, "run r-noowner: dead (no owner file), would tear down:");
	has_line(out, "run r-bad: dead (its owner file names no pid and start time), would tear "
		      "down:");
	has_line(out, "run r-live: still running, left alone");
	has_line(out, "would clean 5 dead run(s)");
	/* r-boot's pid may be anyone's now: its records are listed but no
	 * process of it would be killed; its file would be removed. */
	ck_assert_int_eq(
	    run("test $(grep -c '^  would remove " TOP "/gc-victim$' " TOP "/gc.out) -eq 5"), 0);
	/* A dry run removes nothing. */
	ck_assert_int_eq(
	    run("test -e " TOP "/gc-victim && test $(ls " TOP "/gcroot | wc -l) -eq 6"), 0);
	(void)run("rm -rf " TOP);
}
END_TEST

/* `vclab gc` in the middle of a bench: it says the run is still running
 * and removes nothing of it (ledger, cgroups); the bench completes with
 * valid results and leaves nothing. */
START_TEST(test_gc_during_run)
{
	const char *out = TOP "/gc-run";
	char rid[64], cmd[512];
	int status;
	pid_t pid;

	ck_assert_int_eq(run("rm -rf " TOP " && mkdir -p " TOP), 0);
	pid = bench_bg("--backends bare,ctr --peers none --scenarios startup,memory --runs 12 "
		       "--warmup 0",
		       out);
	wait_running(pid, rid, sizeof(rid));
	snprintf(cmd, sizeof(cmd),
		 "cp " VCL_LEDGER_ROOT "/%s/ledger " TOP "/ledger.before && bin/vclab gc > " TOP
		 "/gc.out 2>&1",
		 rid);
	ck_assert_int_eq(run(cmd), 0);
	/* The run was still going when gc finished: the case tested what it says. */
	ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "the bench ended before gc did");
	snprintf(cmd, sizeof(cmd), "run %s: still running, left alone", rid);
	has_line(TOP "/gc.out", cmd);
	/* Every record the run had before gc is still there, and its cgroups. */
	snprintf(cmd, sizeof(cmd),
		 "grep -vxFf " VCL_LEDGER_ROOT "/%s/ledger " TOP
		 "/ledger.before | grep -q . && exit 1; "
		 "find /sys/fs/cgroup -maxdepth 4 -path '*vclab/%s' | grep -q .",
		 rid, rid);
	ck_assert_msg(run(cmd) == 0, "gc removed something of run %s", rid);
	wait_ok(pid, out);
	json_object_put(valid_results(out, "conc-gc-during-run",
				      (const char *const[]){"backends.bare", "backends.ctr", NULL},
				      12));
	(void)run("rm -rf " TOP);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_two_runs_at_once, test_second_density_refused,
				      test_gc_dry_run_says_why, test_gc_during_run};

	if (geteuid() != 0)
		return skip_suite("test_concurrent", "needs root");
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	return run_suite(suite_of("concurrent", 240, tests, ARRAY_SIZE(tests), NULL));
}

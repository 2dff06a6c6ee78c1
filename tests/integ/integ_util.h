/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_INTEG_UTIL_H
#define VCL_TEST_INTEG_UTIL_H

/* What every integration suite does the same way: run a shell command for
 * its exit status, walk a results.json by a dotted path, a ledger per test,
 * start vclab quietly, check that a run left nothing and that bad input is
 * refused in one line, and create its suite. */

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/util.h"
#include "tests/suite_main.h"

/* Exit status of `sh -c cmd`, -1 when it did not exit. */
static inline int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The member at "a.b.c" below o, or NULL when a step is missing. */
static inline struct json_object *at(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); o != NULL && k != NULL;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	return o;
}

/* The run's ledger (open between setup and teardown, or where a test opens
 * one) and the kinds of record its teardown and gc undo (main registers
 * them: vcl_backends_init(&integ_kinds, ...)). */
__attribute__((unused)) static struct vcl_ledger_kinds integ_kinds;
__attribute__((unused)) static struct vcl_ledger *integ_ledger;

/* The ledger fixture (tcase_add_checked_fixture): each test its own run,
 * <prefix><runner pid>-<test pid>, so main() can find what a failed test
 * left by its prefix. */
static char integ_run_id[32];

static inline void integ_ledger_open(const char *prefix)
{
	struct vcl_error *err = NULL;

	snprintf(integ_run_id, sizeof(integ_run_id), "%s%d-%d", prefix, (int)getppid(),
		 (int)getpid());
	if (vcl_ledger_open(&integ_ledger, integ_run_id, &integ_kinds, &err) < 0)
		ck_abort_msg("%s", err->msg);
}

static inline void integ_ledger_close(void)
{
	struct vcl_error *err = NULL;

	if (vcl_ledger_close(&integ_ledger, &err) < 0)
		ck_abort_msg("Ledger teardown: %s", err->msg);
}

/* Call a library function that sets *err (named err in call) and fail the
 * test with its message when it returns < 0. */
#define OK(call)                                                                                   \
	do {                                                                                       \
		struct vcl_error *e_ = NULL;                                                       \
		struct vcl_error **err = &e_;                                                      \
		if ((call) < 0)                                                                    \
			ck_abort_msg("%s: %s", #call, e_ != NULL ? e_->msg : "?");                 \
	} while (0)

/* The spec of instance index of run run_id recorded in ledger: the
 * payload at payload, mem_mib MiB, one core, pids pids. */
static inline struct vcl_spec integ_spec_in(struct vcl_ledger *ledger, const char *run_id,
					    const char *payload, unsigned index, uint64_t mem_mib,
					    unsigned pids)
{
	return (struct vcl_spec){
	    .run_id = run_id,
	    .index = index,
	    .payload = payload,
	    .state_dir = vcl_ledger_dir(ledger),
	    .ledger = ledger,
	    .limits = {.mem_mib = mem_mib, .cpus = 1.0, .pids = pids},
	};
}

/* The spec of instance index of the fixture's run: the payload at payload,
 * 64 MiB, one core, 16 pids. */
static inline struct vcl_spec integ_spec(const char *payload, unsigned index)
{
	return integ_spec_in(integ_ledger, integ_run_id, payload, index, 64, 16);
}

/* Is process pid in the host's (this test's) namespace ns ("net", "user")?
 * Fails the test unless the answer is expect_same. */
static inline void integ_same_ns(pid_t pid, const char *ns, bool expect_same)
{
	char a[64], b[64], pa[64], pb[64];
	ssize_t na, nb;

	snprintf(pa, sizeof(pa), "/proc/self/ns/%s", ns);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/%s", (int)pid, ns);
	na = readlink(pa, a, sizeof(a) - 1);
	nb = readlink(pb, b, sizeof(b) - 1);
	ck_assert_msg(na > 0 && nb > 0, "readlink %s/%s", pa, pb);
	a[na] = b[nb] = '\0';
	ck_assert_msg((strcmp(a, b) == 0) == expect_same, "%s namespace: host %s, payload %s", ns,
		      a, b);
}

/* Processes whose command line holds needle. */
static inline int integ_processes_matching(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	ck_assert(d != NULL);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *cl = NULL;
		char path[300];
		size_t len = 0;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (vcl_read_file(path, &cl, &len, NULL) < 0)
			continue;
		for (size_t i = 0; i + 1 < len; i++)
			if (cl[i] == '\0')
				cl[i] = ' ';
		if (strstr(cl, needle) != NULL)
			n++;
	}
	closedir(d);
	return n;
}

/* Processes whose command line names an instance of run rid (vclab-<rid>-:
 * the payload's --name, conmon -n, containerd-shim's and runsc's container
 * ids). */
static inline int integ_processes_of(const char *rid)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "vclab-%s-", rid);
	return integ_processes_matching(needle);
}

/* The run id of the ledger whose owner is pid, or "" */
static inline void integ_run_of(pid_t pid, char *run_id, size_t len)
{
	char cmd[256];
	FILE *p;

	run_id[0] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "grep -l '^%d ' " VCL_LEDGER_ROOT
		 "/*/owner 2>/dev/null | head -1 | xargs -r dirname "
		 "| xargs -r basename",
		 (int)pid);
	p = popen(cmd, "r");
	if (p != NULL) {
		if (fgets(run_id, (int)len, p) != NULL)
			run_id[strcspn(run_id, "\n")] = '\0';
		pclose(p);
	}
}

/* Dead runs' ledgers now (dry-run gc). Other suites on the machine may
 * leave theirs; a case must not add any. */
static inline unsigned integ_dead_runs(void)
{
	struct vcl_gc_opts o = {.dry_run = true, .kinds = &integ_kinds};
	unsigned removed = 0;
	struct vcl_error *err = NULL;
	int saved = dup(1), devnull = open("/dev/null", O_WRONLY);

	fflush(stdout);
	dup2(devnull, 1);
	ck_assert_int_eq(vcl_gc(&o, &removed, &err), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(devnull);
	return removed;
}

/* Start the program at path with argv, stdout and stderr on /dev/null; its
 * pid. */
static inline pid_t integ_spawn_quiet(const char *path, const char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* No instance of the run results r describe is left: its state folder, its
 * cgroups, processes rooted in the image cache, mounts of it. */
static inline void integ_nothing_left(struct json_object *r, const char *cache)
{
	char cmd[768];
	const char *run_id = json_object_get_string(at(r, "run_id"));

	ck_assert_ptr_nonnull(run_id);
	snprintf(cmd, sizeof(cmd),
		 "test ! -e /run/vclab/%s && ! find /sys/fs/cgroup -maxdepth 4 -path '*vclab/%s*' "
		 "| grep -q . && ! ls -l /proc/[0-9]*/root 2>/dev/null | grep -q %s",
		 run_id, run_id, cache);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "! grep -q %s /proc/mounts", cache);
	ck_assert_int_eq(run(cmd), 0);
}

/* `vclab bench ARGS` on bare and ctr (startup, one run, image cache
 * cache, results to out) is refused as bad input should be: one line on
 * stderr holding expect, exit 2, no results folder. */
static inline void integ_bad(const char *cache, const char *out, const char *args,
			     const char *expect)
{
	char cmd[1536];

	snprintf(cmd, sizeof(cmd),
		 "rm -rf %s && VCLAB_CACHE=%s bin/vclab bench %s --backends bare,ctr "
		 "--scenarios startup --runs 1 -q --no-report --out %s 2>%s.err; "
		 "rc=$?; test $(wc -l <%s.err) -eq 1 && grep -qF -e '%s' %s.err && "
		 "test ! -e %s && exit $rc",
		 out, cache, args, out, out, out, expect, out, out);
	ck_assert_msg(run(cmd) == 2, "%s: expected one line with '%s' and exit 2", args, expect);
}

/* services.SVC.GROUP.PL.KEY of results r, which must be there (a
 * placement that failed the service leaves it out). */
static inline double integ_svc_num(struct json_object *r, const char *svc, const char *group,
				   const char *pl, const char *key)
{
	char path[256];
	struct json_object *o;

	snprintf(path, sizeof(path), "services.%s.%s.%s.%s", svc, group, pl, key);
	o = at(r, path);
	ck_assert_msg(o != NULL, "%s missing (a placement failed the service?)", path);
	return json_object_get_double(o);
}

/* A "runner" child opens a ledger for run s.run_id, prepares ops (when it
 * has a prepare), launches instance s, waits up to wait_ms for its answer,
 * hands its pid over and dies by SIGKILL without any cleanup, as vclab
 * would. Returns that pid: the instance outlives the runner. */
static inline pid_t integ_launch_then_sigkill(const struct vcl_backend_ops *ops, struct vcl_spec s,
					      int wait_ms)
{
	int p[2], status;
	pid_t runner, pid = 0;

	ck_assert_int_eq(pipe(p), 0);
	runner = fork();
	if (runner == 0) {
		struct vcl_error *e = NULL;
		struct vcl_instance *inst = NULL;
		struct vcl_ledger *ledger = NULL;
		void *run = NULL;

		if (vcl_ledger_open(&ledger, s.run_id, &integ_kinds, &e) < 0)
			_exit(1);
		s.ledger = ledger;
		s.state_dir = vcl_ledger_dir(ledger);
		if ((ops->prepare != NULL && ops->prepare(&s, &run, &e) < 0) ||
		    ops->launch(run, &s, &inst, &e) < 0 || vcl_probe_wait(inst, wait_ms, &e) < 0) {
			fprintf(stderr, "runner: %s\n", e != NULL ? e->msg : "?");
			_exit(1);
		}
		if (write(p[1], &inst->pid, sizeof(inst->pid)) < 0)
			_exit(1);
		raise(SIGKILL);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	close(p[0]);
	waitpid(runner, &status, 0);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return pid;
}

/* The start of main() of a suite that launches the payload itself: root,
 * the backends' ledger kinds, bin/vclab-payload as an absolute path in
 * *payload. Returns 0, or what main returns (a skip without root, 1 when
 * the payload is not built). */
static inline int integ_payload_main(const char *name, const char *why_root, char **payload)
{
	if (geteuid() != 0)
		return skip_suite(name, why_root);
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	*payload = realpath("bin/vclab-payload", NULL);
	if (*payload == NULL || access(*payload, X_OK) < 0) {
		printf("%s: payload missing: run make all first\n", name);
		return 1;
	}
	return 0;
}

/* Launch instance spec of ops in run (its prepare()'s context) and check it answers as the payload does:
 * ready within wait_ms, GET /healthz 200 "ok ...", and its phases in
 * order: create call < ready (READY, or the port accepting) <= first 200. */
static inline struct vcl_instance *integ_launch_healthy(const struct vcl_backend_ops *ops,
							void *run, const struct vcl_spec *spec,
							unsigned wait_ms)
{
	struct vcl_instance *inst = NULL;
	char body[128];
	int status = 0;

	OK(ops->launch(run, spec, &inst, err));
	OK(vcl_probe_wait(inst, (int)wait_ms, err));
	OK(vcl_http_get(&inst->ep, "/healthz", 2000, &status, body, sizeof(body), err));
	ck_assert_int_eq(status, 200);
	ck_assert_msg(strncmp(body, "ok ", 3) == 0, "healthz body: %s", body);
	ck_assert(inst->t.created > inst->t.start);
	ck_assert(inst->t.ready >= inst->t.created && inst->t.ready <= inst->t.first_200);
	return inst;
}

/* A suite of one case of its name holding the n tests, each its own run
 * in the ledger fixture: setup opens the test's ledger (integ_ledger_open
 * with the suite's prefix), integ_ledger_close closes it. */
static inline Suite *integ_fixture_suite(const char *name, double timeout,
					 const TTest *const *tests, size_t n, void (*setup)(void))
{
	TCase *tc;
	Suite *s = suite_of(name, timeout, tests, n, &tc);

	tcase_add_checked_fixture(tc, setup, integ_ledger_close);
	return s;
}

/* The first of the NULL-terminated programs that is not there to run, or
 * NULL when all are. */
static inline const char *integ_missing(const char *const *progs)
{
	for (; *progs != NULL; progs++)
		if (access(*progs, X_OK) != 0)
			return *progs;
	return NULL;
}

/* The test images (built offline) and the programs their build runs. */
#define INTEG_BUSYBOX_SH    "tests/image/build-busybox.sh"
#define INTEG_DEBSVC_SH	    "tests/image/build-debsvc.sh"
#define INTEG_BUSYBOX_TOOLS "/usr/bin/skopeo", "/usr/bin/umoci", "/bin/busybox"

/* The main() of a suite run on a test image: its n tests in one case of
 * its name with a time-out in seconds. It needs root and the programs in
 * needs (NULL-terminated), builds the image with script at top/oci, runs
 * the suite and removes top. Skips (never passes) where it cannot run. */
static inline int integ_main_with_image(const char *name, double timeout, const TTest *const *tests,
					size_t n, const char *const *needs, const char *top,
					const char *script)
{
	const char *missing = integ_missing(needs);
	char cmd[512];
	int rc;

	if (geteuid() != 0)
		return skip_suite(name, "needs root");
	if (missing != NULL) {
		snprintf(cmd, sizeof(cmd), "%s missing (scripts/install-deps.sh; make integ)",
			 missing);
		return skip_suite(name, cmd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s && %s %s/oci >/dev/null", top, top,
		 script, top);
	if (run(cmd) != 0)
		return skip_suite(name, "could not build the test image");
	rc = run_suite(suite_of(name, timeout, tests, n, NULL));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	(void)run(cmd);
	return rc;
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the container placement and its runc/crun peers.
 * Needs root (namespaces, cgroups); skips with a message otherwise. Every
 * test opens its own ledger (run id ct<pid>) and tears it down at the end.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "cgroup.h"
#include "cleanup.h"
#include "ctr.h"
#include "ledger.h"
#include "probe.h"
#include "util.h"

static char *payload;
static char run_id[32];

static void setup(void)
{
	struct vcl_error *err = NULL;

	snprintf(run_id, sizeof(run_id), "ct%d", (int)getpid());
	if (vcl_ledger_open(run_id, &err) < 0)
		ck_abort_msg("%s", err->msg);
}

static void teardown(void)
{
	struct vcl_error *err = NULL;

	if (vcl_ledger_close(&err) < 0)
		ck_abort_msg("Ledger teardown: %s", err->msg);
}

static struct vcl_spec spec_of(unsigned index)
{
	return (struct vcl_spec){
	    .run_id = run_id,
	    .index = index,
	    .payload = payload,
	    .state_dir = vcl_ledger_dir(),
	    .limits = {.mem_mib = 64, .cpus = 1.0, .pids = 16},
	};
}

#define OK(call)                                                                                   \
	do {                                                                                       \
		struct vcl_error *e_ = NULL;                                                       \
		struct vcl_error **err = &e_;                                                      \
		if ((call) < 0)                                                                    \
			ck_abort_msg("%s: %s", #call, e_ != NULL ? e_->msg : "?");                 \
	} while (0)

static const struct vcl_backend_ops *must_find(const char *name)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(name);

	ck_assert_msg(ops != NULL, "backend %s is not built in", name);
	return ops;
}

static struct vcl_instance *start(const struct vcl_backend_ops *ops, const struct vcl_spec *spec)
{
	struct vcl_instance *inst = NULL;

	OK(ops->launch(spec, &inst, err));
	OK(vcl_probe_wait(inst, 10000, err));
	return inst;
}

static void healthz(struct vcl_instance *inst)
{
	char body[128];
	int status = 0;

	OK(vcl_http_get(&inst->ep, "/healthz", 2000, &status, body, sizeof(body), err));
	ck_assert_int_eq(status, 200);
	ck_assert_msg(strncmp(body, "ok ", 3) == 0, "healthz body: %s", body);
}

static void same_ns(pid_t pid, const char *ns, bool expect_same)
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

/* Value of a "Key:\tvalue" line of /proc/PID/status. */
static char *status_field(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], *buf = NULL, *p;
	size_t kl = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert(vcl_read_file(path, &buf, NULL, NULL) == 0);
	out[0] = '\0';
	for (p = buf; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			p += strspn(p, " \t");
			snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	free(buf);
	return out;
}

/* Per-mount options of the payload's root mount, from its mountinfo
 * (mount points there are relative to the payload's root). */
static void root_mount_opts(pid_t pid, char *out, size_t size)
{
	char path[64], *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ck_assert(vcl_read_file(path, &buf, NULL, NULL) == 0);
	out[0] = '\0';
	for (char *line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char mnt[256], opts[256];

		if (sscanf(line, "%*s %*s %*s %*s %255s %255s", mnt, opts) == 2 &&
		    strcmp(mnt, "/") == 0)
			snprintf(out, size, "%s", opts);
	}
	free(buf);
}

static bool has_opt(const char *opts, const char *opt)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", opts);
	for (char *t = strtok(buf, ","); t != NULL; t = strtok(NULL, ","))
		if (strcmp(t, opt) == 0)
			return true;
	return false;
}

static bool cgroup_exists(const char *ctrl, const char *path)
{
	cleanup_free char *dir = vcl_cgroup_dir(ctrl, path);
	struct stat st;

	return dir != NULL && stat(dir, &st) == 0;
}

START_TEST(test_isolation)
{
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = spec_of(1);
	static const char *const nss[] = {"pid", "mnt", "net", "uts", "ipc", "cgroup"};
	struct vcl_instance *inst;
	char buf[256], path[128], cgline[300], cgp[256];
	cleanup_free char *cg = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0, status;
	pid_t pid, child;

	OK(ops->probe(NULL, err));
	OK(ops->prepare(&spec, err));
	inst = start(ops, &spec);
	pid = inst->pid;
	healthz(inst);

	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++)
		same_ns(pid, nss[i], false);
	same_ns(pid, "user", true);
	ck_assert_str_eq(status_field(pid, "CapEff", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "CapPrm", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "CapBnd", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "NoNewPrivs", buf, sizeof(buf)), "1");
	/* The payload is its container's init. */
	ck_assert_str_eq(status_field(pid, "NSpid", buf, sizeof(buf)) + strcspn(buf, "\t "), "\t1");

	root_mount_opts(pid, buf, sizeof(buf));
	ck_assert_msg(has_opt(buf, "ro"), "root mount options: %s", buf);

	/* The rootfs holds the payload and the folders it needs, no more. */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	d = opendir(path);
	ck_assert(d != NULL);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			ck_assert_msg(strcmp(de->d_name, "vclab-payload") == 0 ||
					  strcmp(de->d_name, "proc") == 0 ||
					  strcmp(de->d_name, "dev") == 0,
				      "unexpected /%s in the rootfs", de->d_name);
			n++;
		}
	closedir(d);
	ck_assert_int_eq(n, 3);
	snprintf(path, sizeof(path), "/proc/%d/root/dev/urandom", (int)pid);
	ck_assert_msg(access(path, R_OK) == 0, "no /dev/urandom in the container");

	/* Hostname, seen from inside its uts namespace. */
	child = fork();
	ck_assert(child >= 0);
	if (child == 0) {
		char host[64] = "";

		snprintf(path, sizeof(path), "/proc/%d/ns/uts", (int)pid);
		int fd = open(path, O_RDONLY);

		if (fd < 0 || setns(fd, CLONE_NEWUTS) < 0 || gethostname(host, sizeof(host)) < 0)
			_exit(2);
		_exit(strcmp(host, inst->name) == 0 ? 0 : 1);
	}
	ck_assert(waitpid(child, &status, 0) == child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hostname is not %s",
		      inst->name);

	/* In its cgroup, with the limits applied. */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	ck_assert(vcl_read_file(path, &cg, NULL, NULL) == 0);
	snprintf(cgline, sizeof(cgline), ":memory:/%s\n", inst->cgroup);
	ck_assert_msg(strstr(cg, cgline) != NULL, "payload cgroups: %s", cg);
	snprintf(cgp, sizeof(cgp), "%s", inst->cgroup);
	ck_assert(cgroup_exists("pids", cgp));

	OK(ops->destroy(inst, err));
	ck_assert_msg(!cgroup_exists("memory", cgp) && !cgroup_exists("pids", cgp),
		      "cgroup %s left behind", cgp);
	ck_assert_int_eq(kill(pid, 0), -1);
	ops->cleanup(&spec);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctr");
	TCase *tc = tcase_create("ctr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_isolation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct vcl_error *err = NULL;
	SRunner *sr;
	int failed;

	if (!vcl_is_root()) {
		printf("test_ctr: SKIP: needs root (namespaces, cgroups, runc)\n");
		return 0;
	}
	if (vcl_self_relative("../../bin/vclab-payload", &payload, &err) < 0 ||
	    access(payload, X_OK) < 0) {
		printf("test_ctr: payload %s missing: run make all first\n",
		       payload != NULL ? payload : "?");
		return 1;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(payload);
	return failed == 0 ? 0 : 1;
}

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
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "ctr/ctr.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/util.h"
#include "tests/suite_main.h"

#include "integ_util.h"

static char *payload;

/* ct<runner>-<test>: main() finds what a failed test left. */
static void setup(void)
{
	integ_ledger_open("ct");
}

static const struct vcl_backend_ops *must_find(const char *name)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, name);

	ck_assert_msg(ops != NULL, "backend %s is not built in", name);
	return ops;
}

static struct vcl_instance *start(const struct vcl_backend_ops *ops, void *run,
				  const struct vcl_spec *spec)
{
	struct vcl_instance *inst = NULL;

	OK(ops->launch(run, spec, &inst, err));
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
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 1);
	static const char *const nss[] = {"pid", "mnt", "net", "uts", "ipc", "cgroup"};
	struct vcl_instance *inst;
	char buf[256], path[128], cgline[300], cgp[256];
	cleanup_free char *cg = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0, status;
	pid_t pid, child;

	spec.security = VCL_SECURITY_STRICT; /* --security strict */
	OK(ops->probe(NULL, err));
	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	pid = inst->pid;
	healthz(inst);

	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++)
		integ_same_ns(pid, nss[i], false);
	integ_same_ns(pid, "user", true);
	ck_assert_str_eq(status_field(pid, "CapEff", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "CapPrm", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "CapBnd", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "NoNewPrivs", buf, sizeof(buf)), "1");
	/* The syscall filter is on (mode 2 = filter), exactly one of it. */
	ck_assert_str_eq(status_field(pid, "Seccomp", buf, sizeof(buf)), "2");
	ck_assert_str_eq(status_field(pid, "Seccomp_filters", buf, sizeof(buf)), "1");
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
					  strcmp(de->d_name, "dev") == 0 ||
					  strcmp(de->d_name, "sys") == 0,
				      "unexpected /%s in the rootfs", de->d_name);
			n++;
		}
	closedir(d);
	ck_assert_int_eq(n, 4);
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
	/* v1 and hybrid: the memory hierarchy's line; pure v2: the one line. */
	snprintf(cgline, sizeof(cgline), "%s/%s\n",
		 vcl_cgroup_mode() == VCL_CG_V2 ? "0::" : ":memory:", inst->cgroup);
	ck_assert_msg(strstr(cg, cgline) != NULL, "payload cgroups: %s", cg);
	snprintf(cgp, sizeof(cgp), "%s", inst->cgroup);
	ck_assert(cgroup_exists("pids", cgp));

	OK(ops->destroy(inst, err));
	ck_assert_msg(!cgroup_exists("memory", cgp) && !cgroup_exists("pids", cgp),
		      "cgroup %s left behind", cgp);
	ck_assert_int_eq(kill(pid, 0), -1);
	ops->cleanup(run, &spec);
}
END_TEST

/* containerd's default capability set, as /proc/PID/status prints it. */
#define CRI_CAPS "00000000a80425fb"

/* containerd's confinement as seen from the host through the container's
 * root: each /dev node the host's device (mknod, or a bind in a user
 * namespace), every masked folder empty and read-only, every masked file
 * the null device, every read-only path read-only. Paths this kernel
 * lacks are skipped, as the container skips them. */
static void check_cri_fs(pid_t pid)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	char path[256], sub[272];
	struct stat st, host;
	struct statvfs vfs;
	int masked_dirs = 0;
	dev_t mask_dev = 0;

	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/root/dev/%s", (int)pid, nodes[i]);
		ck_assert_msg(stat(path, &st) == 0, "no /dev/%s", nodes[i]);
		snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
		ck_assert(stat(path, &host) == 0);
		ck_assert_msg(S_ISCHR(st.st_mode) && st.st_rdev == host.st_rdev &&
				  (st.st_mode & 0777) == (host.st_mode & 0777),
			      "/dev/%s: mode %o rdev %lx, host's %o %lx", nodes[i], st.st_mode,
			      (unsigned long)st.st_rdev, host.st_mode, (unsigned long)host.st_rdev);
	}
	ck_assert(stat("/dev/null", &host) == 0);
	for (size_t i = 0; vcl_cri_masked_paths[i] != NULL; i++) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, vcl_cri_masked_paths[i]);
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(path);
			struct dirent *e;
			int n = 0;

			/* One empty tmpfs per container, bound onto each folder. */
			if (masked_dirs++ == 0)
				mask_dev = st.st_dev;
			ck_assert_msg(st.st_dev == mask_dev, "masked %s: a superblock of its own",
				      path);
			ck_assert(d != NULL);
			while ((e = readdir(d)) != NULL)
				n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
			closedir(d);
			ck_assert_msg(n == 0, "masked %s holds %d entries", path, n);
			ck_assert(statvfs(path, &vfs) == 0);
			ck_assert_msg(vfs.f_flag & ST_RDONLY, "masked %s is writable", path);
			snprintf(sub, sizeof(sub), "%s/x", path);
			ck_assert_msg(mkdir(sub, 0755) < 0 && errno == EROFS,
				      "masked folder: mkdir %s did not fail with EROFS", sub);
		} else {
			ck_assert_msg(S_ISCHR(st.st_mode) && st.st_rdev == host.st_rdev,
				      "masked %s is not the null device", path);
		}
	}
	/* /sys/firmware at least exists on every kernel this runs on. */
	ck_assert_int_gt(masked_dirs, 0);
	for (size_t i = 0; vcl_cri_readonly_paths[i] != NULL; i++) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid,
			 vcl_cri_readonly_paths[i]);
		if (access(path, F_OK) < 0)
			continue;
		ck_assert(statvfs(path, &vfs) == 0);
		ck_assert_msg(vfs.f_flag & ST_RDONLY, "read-only path %s is writable", path);
	}
}

/* The default mode: containerd's CRI spec for the payload too. */
START_TEST(test_cri_defaults)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 1);
	struct vcl_instance *inst;
	char buf[256], path[128], link[64] = "";
	cleanup_free char *mi = NULL;
	pid_t pid;

	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	pid = inst->pid;
	healthz(inst);
	ck_assert_str_eq(status_field(pid, "CapEff", buf, sizeof(buf)), CRI_CAPS);
	ck_assert_str_eq(status_field(pid, "CapBnd", buf, sizeof(buf)), CRI_CAPS);
	ck_assert_str_eq(status_field(pid, "CapInh", buf, sizeof(buf)), "0000000000000000");
	ck_assert_str_eq(status_field(pid, "NoNewPrivs", buf, sizeof(buf)), "0");
	ck_assert_str_eq(status_field(pid, "Seccomp", buf, sizeof(buf)), "2");
	snprintf(path, sizeof(path), "/proc/%d/root/dev/stdout", (int)pid);
	ck_assert(readlink(path, link, sizeof(link) - 1) > 0);
	ck_assert_str_eq(link, "/proc/self/fd/1");
	snprintf(path, sizeof(path), "/proc/%d/root/dev/full", (int)pid);
	ck_assert_msg(access(path, W_OK) == 0, "no /dev/full");
	/* devpts, shm, mqueue, /sys read-only, /proc/keys masked. */
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	ck_assert(vcl_read_file(path, &mi, NULL, NULL) == 0);
	ck_assert_msg(strstr(mi, " /dev/pts ") && strstr(mi, " /dev/shm ") &&
			  strstr(mi, " /dev/mqueue ") && strstr(mi, " /sys ro,") &&
			  strstr(mi, " /proc/keys ") && strstr(mi, " /proc/sys ro,"),
		      "container mounts: %s", mi);
	/* Outside a user namespace the nodes are made by mknod, not bound. */
	ck_assert_msg(strstr(mi, " /dev/null ") == NULL, "/dev/null is a mount: %s", mi);
	check_cri_fs(pid);
	OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert(d != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

START_TEST(test_runc_peer)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("runc");
	struct vcl_spec spec = integ_spec(payload, 2);
	struct vcl_instance *inst;
	char buf[256], cgp[256], state[600];
	int exitfd, fds0;
	pid_t pid;

	ck_assert(ops->is_peer);
	ck_assert_str_eq(ops->peer_of, "ctr");
	OK(ops->probe(NULL, err));
	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	pid = inst->pid;
	healthz(inst);
	integ_same_ns(pid, "net", false);
	integ_same_ns(pid, "mnt", false);
	integ_same_ns(pid, "pid", false);
	ck_assert_str_eq(status_field(pid, "CapEff", buf, sizeof(buf)), CRI_CAPS);
	/* The same syscall filter, from the OCI config. */
	ck_assert_str_eq(status_field(pid, "Seccomp", buf, sizeof(buf)), "2");
	root_mount_opts(pid, buf, sizeof(buf));
	ck_assert_msg(has_opt(buf, "ro"), "runc root mount options: %s", buf);
	snprintf(cgp, sizeof(cgp), "%s", inst->cgroup);
	ck_assert(cgroup_exists("memory", cgp));
	printf("runc: launch->READY %.2f ms, launch->200 %.2f ms\n",
	       vcl_ns_to_ms(inst->t.ready - inst->t.start),
	       vcl_ns_to_ms(inst->t.first_200 - inst->t.start));
	exitfd = dup(inst->exit_fd);
	snprintf(state, sizeof(state), "%s/runc/state/%s", vcl_ledger_dir(integ_ledger),
		 inst->name);
	ck_assert_msg(access(state, F_OK) == 0, "no runc state at %s", state);
	OK(ops->destroy(inst, err));
	/* `runc delete` forgot it. */
	ck_assert_msg(access(state, F_OK) < 0 && errno == ENOENT, "runc state %s left", state);
	ck_assert_msg(!cgroup_exists("memory", cgp), "runc left cgroup %s", cgp);
	ck_assert_msg(!cgroup_exists("devices", cgp), "runc left cgroup devices:%s", cgp);
	/* Not our child: its new parent reaps it, but it has exited. */
	ck_assert_int_eq(poll(&(struct pollfd){.fd = exitfd, .events = POLLIN}, 1, 0), 1);
	close(exitfd);

	/* The same peer in user-namespace mode; no fd survives a cycle. */
	spec.index = 7;
	spec.ctr_userns = true;
	fds0 = count_fds();
	inst = start(ops, run, &spec);
	healthz(inst);
	integ_same_ns(inst->pid, "user", false);
	status_field(inst->pid, "Uid", buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "100000\t", 7) == 0, "runc userns Uid: %s", buf);
	OK(ops->destroy(inst, err));
	ck_assert_int_eq(count_fds(), fds0);
	ops->cleanup(run, &spec);
	/* Nor the parents runc made in hierarchies cgroup.c does not manage. */
	snprintf(cgp, sizeof(cgp), "vclab/%s", integ_run_id);
	ck_assert_msg(!cgroup_exists("devices", cgp) && !cgroup_exists("freezer", cgp),
		      "runc's parent cgroup %s left behind", cgp);
}
END_TEST

/* crun 1.8.1 refuses this host's hybrid cgroup layout: its probe must say
 * so in crun's own words (the bench then records the peer as skipped). */
START_TEST(test_crun_probe)
{
	const struct vcl_backend_ops *ops = must_find("crun");
	struct vcl_error *err = NULL;
	int r = ops->probe(NULL, &err);

	if (r == 0) {
		printf("crun: usable on this host\n");
		ck_assert(vcl_cgroup_mode() != VCL_CG_HYBRID);
		return;
	}
	printf("crun probe: %s\n", err->msg);
	ck_assert_int_eq(err->kind, VCL_E_ENV);
	if (vcl_cgroup_mode() == VCL_CG_HYBRID && access("/usr/bin/crun", X_OK) == 0)
		ck_assert_msg(strstr(err->msg, "hybrid") != NULL, "crun probe: %s", err->msg);
	vcl_error_free(err);
}
END_TEST

START_TEST(test_userns)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 3);
	struct vcl_instance *inst;
	char buf[256], path[64];
	cleanup_free char *map = NULL;
	cleanup_free char *mi = NULL;

	spec.ctr_userns = true;
	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	healthz(inst);
	integ_same_ns(inst->pid, "user", false);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)inst->pid);
	ck_assert(vcl_read_file(path, &map, NULL, NULL) == 0);
	ck_assert_msg(strstr(map, "100000") != NULL, "uid_map: %s", map);
	/* Seen from the host, the payload runs as the mapped uid, not root. */
	status_field(inst->pid, "Uid", buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "100000\t", 7) == 0, "Uid: %s", buf);
	ck_assert_str_eq(status_field(inst->pid, "CapEff", buf, sizeof(buf)), CRI_CAPS);
	root_mount_opts(inst->pid, buf, sizeof(buf));
	ck_assert_msg(has_opt(buf, "ro"), "root mount options: %s", buf);
	check_cri_fs(inst->pid);
	/* In a user namespace mknod is refused: the nodes are binds. */
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)inst->pid);
	ck_assert(vcl_read_file(path, &mi, NULL, NULL) == 0);
	ck_assert_msg(strstr(mi, " /dev/null ") != NULL, "no /dev/null bind: %s", mi);
	OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
}
END_TEST

/* Wait for the instance's pidfd, then ask the backend why it ended. */
static struct vcl_error *wait_end(struct vcl_instance *inst, int timeout_ms)
{
	struct pollfd pfd = {.fd = inst->exit_fd, .events = POLLIN};
	struct vcl_error *err = NULL;

	ck_assert_msg(poll(&pfd, 1, timeout_ms) == 1, "instance did not end within %d ms",
		      timeout_ms);
	ck_assert_int_lt(inst->ops->exited(inst, &err), 0);
	ck_assert(err != NULL);
	return err;
}

START_TEST(test_oom)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 4);
	struct vcl_instance *inst;
	struct vcl_error *e = NULL;
	char body[128];
	int status = 0;

	spec.limits.mem_mib = 32;
	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	/* The request dies with the payload: only the exit matters. */
	vcl_http_get(&inst->ep, "/alloc?mib=64", 5000, &status, body, sizeof(body), &e);
	ck_assert_msg(status != 200, "allocating 64 MiB under a 32 MiB limit succeeded");
	vcl_error_free(e);
	e = wait_end(inst, 10000);
	printf("oom: %s\n", e->msg);
	ck_assert_msg(e->kind == VCL_E_OOM, "kind %d: %s", e->kind, e->msg);
	vcl_error_free(e);
	OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
}
END_TEST

START_TEST(test_pids_limit)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 5);
	struct vcl_instance *inst;
	cleanup_free char *dir = NULL;
	char path[512];
	uint64_t max = 0, cur = 0;
	int status;
	pid_t helper;

	spec.limits.pids = 6;
	OK(ops->prepare(&spec, &run, err));
	inst = start(ops, run, &spec);
	dir = vcl_cgroup_dir("pids", inst->cgroup);
	ck_assert(dir != NULL);
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	ck_assert(vcl_read_u64(path, &max, NULL) == 0);
	ck_assert_uint_eq(max, 6);
	snprintf(path, sizeof(path), "%s/pids.current", dir);
	ck_assert(vcl_read_u64(path, &cur, NULL) == 0);
	ck_assert_uint_eq(cur, 1);

	/* A helper joins the cgroup (task 2) and forks until refused: exactly
	 * 4 more tasks fit under pids.max = 6. */
	helper = fork();
	ck_assert(helper >= 0);
	if (helper == 0) {
		pid_t kids[16];
		int n = 0;

		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		if (vcl_write_file(path, "0", NULL) < 0)
			_exit(100);
		for (; n < 16; n++) {
			kids[n] = fork();
			if (kids[n] == 0) {
				pause();
				_exit(0);
			}
			if (kids[n] < 0)
				break;
		}
		int e = errno;

		for (int i = 0; i < n; i++) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
		}
		_exit(n == 16 ? 101 : e == EAGAIN ? n : 102);
	}
	ck_assert(waitpid(helper, &status, 0) == helper);
	ck_assert_msg(WIFEXITED(status), "helper crashed");
	ck_assert_msg(WEXITSTATUS(status) == 4, "forks allowed under pids.max=6 with 2 tasks: %d",
		      WEXITSTATUS(status));
	OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
}
END_TEST

/* A failure inside the child reaches the harness with the step and errno. */
START_TEST(test_setup_error)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 6);
	struct vcl_instance *inst = NULL;
	struct vcl_error *e = NULL;
	char path[600];

	OK(ops->prepare(&spec, &run, err));
	snprintf(path, sizeof(path), "%s/ctr-rootfs%s", spec.state_dir, VCL_CTR_PAYLOAD);
	ck_assert(unlink(path) == 0);
	/* The child may fail before launch() returns (it waits for the
	 * namespaces) or after: either way the step and errno must arrive. */
	if (ops->launch(run, &spec, &inst, &e) == 0)
		ck_assert_int_lt(vcl_probe_wait(inst, 5000, &e), 0);
	ck_assert_ptr_nonnull(e);
	printf("setup error: %s\n", e->msg);
	ck_assert_msg(strstr(e->msg, "exec the payload") != NULL &&
			  strstr(e->msg, strerror(ENOENT)) != NULL,
		      "error: %s", e->msg);
	vcl_error_free(e);
	if (inst != NULL)
		OK(ops->destroy(inst, err));
	ops->cleanup(run, &spec);
}
END_TEST

static int count_lines(const char *path)
{
	cleanup_free char *buf = NULL;
	int n = 0;

	ck_assert(vcl_read_file(path, &buf, NULL, NULL) == 0);
	for (char *p = buf; *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define CYCLES 200

START_TEST(test_cycles)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = must_find("ctr");
	struct vcl_spec spec = integ_spec(payload, 100);
	static uint64_t t_ready[CYCLES], t_200[CYCLES], t_created[CYCLES];
	int fds0, mounts0;
	cleanup_free char *parent = NULL;
	DIR *d;
	int left = 0;

	OK(ops->prepare(&spec, &run, err));
	/* Warm up once: the first launch pays for page cache and libcgroup. */
	spec.index = 99;
	OK(ops->destroy(start(ops, run, &spec), err));
	fds0 = count_fds();
	mounts0 = count_lines("/proc/self/mountinfo");
	for (unsigned i = 0; i < CYCLES; i++) {
		struct vcl_instance *inst;

		spec.index = 100 + i;
		inst = start(ops, run, &spec);
		t_created[i] = inst->t.created - inst->t.start;
		t_ready[i] = inst->t.ready - inst->t.start;
		t_200[i] = inst->t.first_200 - inst->t.start;
		OK(ops->destroy(inst, err));
	}
	ck_assert_int_eq(count_fds(), fds0);
	ck_assert_int_eq(count_lines("/proc/self/mountinfo"), mounts0);
	/* No child left, zombie or not. */
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
	/* No instance cgroup left under vclab/<run>. */
	parent = vcl_cgroup_dir("memory", "vclab");
	{
		char p[600];
		struct dirent *de;

		snprintf(p, sizeof(p), "%s/%s", parent, integ_run_id);
		d = opendir(p);
		while (d != NULL && (de = readdir(d)) != NULL)
			left += de->d_type == DT_DIR && de->d_name[0] != '.';
		if (d != NULL)
			closedir(d);
	}
	ck_assert_int_eq(left, 0);
	qsort(t_created, CYCLES, sizeof(uint64_t), cmp_u64);
	qsort(t_ready, CYCLES, sizeof(uint64_t), cmp_u64);
	qsort(t_200, CYCLES, sizeof(uint64_t), cmp_u64);
	printf("ctr x%d: p50 launch->created %.3f ms, ->READY %.3f ms (p90 %.3f), ->200 %.3f ms "
	       "(p90 %.3f)\n",
	       CYCLES, vcl_ns_to_ms(t_created[CYCLES / 2]), vcl_ns_to_ms(t_ready[CYCLES / 2]),
	       vcl_ns_to_ms(t_ready[CYCLES * 9 / 10]), vcl_ns_to_ms(t_200[CYCLES / 2]),
	       vcl_ns_to_ms(t_200[CYCLES * 9 / 10]));
	ops->cleanup(run, &spec);
}
END_TEST

/*
 * Two runs of one backend in one process at once (issue 25): each
 * prepare() returns a context of its own, holding all its run's state, so
 * two runs (two ledgers, two state folders) side by side each launch an
 * instance, and the end of one leaves the other whole: its instance still
 * answers, a new instance still launches, its files are still there.
 */
/* Has pid exited (gone, or a zombie its parent has yet to reap: a peer's
 * container init is not our child)? */
static bool exited(pid_t pid)
{
	cleanup_free char *buf = NULL;
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vcl_read_file(path, &buf, NULL, NULL) < 0)
		return true;
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void two_runs_of(const char *name)
{
	const struct vcl_backend_ops *ops = must_find(name);
	struct vcl_ledger *ledger_b = NULL;
	char run_b[48], dir_a[600], dir_b[600];
	struct vcl_spec sa, sb;
	struct vcl_instance *ia, *ib;
	void *ra = NULL, *rb = NULL;
	pid_t pa, pb;
	struct stat st;
	struct vcl_cgroup *cg_idle = NULL;
	cleanup_free char *idle_dir = NULL;
	char idle[96];

	snprintf(run_b, sizeof(run_b), "%s-b", integ_run_id);
	OK(vcl_ledger_open(&ledger_b, run_b, &integ_kinds, err));
	sa = integ_spec(payload, 30);
	sb = integ_spec_in(ledger_b, run_b, payload, 30, 64, 16);
	sa.accounting = sb.accounting = true; /* bare: a cgroup each, as ctr */
	ck_assert_str_ne(sa.state_dir, sb.state_dir);
	snprintf(dir_a, sizeof(dir_a), "%s/ctr-rootfs", sa.state_dir);
	snprintf(dir_b, sizeof(dir_b), "%s/ctr-rootfs", sb.state_dir);

	OK(ops->prepare(&sa, &ra, err));
	OK(ops->prepare(&sb, &rb, err));
	ck_assert_ptr_nonnull(ra);
	ck_assert_ptr_nonnull(rb);
	ck_assert_ptr_ne(ra, rb);
	ia = start(ops, ra, &sa);
	ib = start(ops, rb, &sb);
	healthz(ia);
	healthz(ib);
	pa = ia->pid;
	pb = ib->pid;
	ck_assert_int_ne(pa, pb);
	ck_assert_str_ne(ia->cgroup, ib->cgroup);
	if (ops->family == VCL_FAMILY_CONTAINER) /* each run its own rootfs, in its state folder */
		ck_assert(stat(dir_a, &st) == 0 && stat(dir_b, &st) == 0);

	/* A cgroup of run b made and not yet joined, as a launch makes it
	 * before its child joins: on every cgroup mode it must outlive the
	 * end of run a. */
	snprintf(idle, sizeof(idle), "vclab/%s/idle", run_b);
	OK(vcl_cgroup_create(ledger_b, idle, NULL, NULL, &cg_idle, err));
	idle_dir = vcl_cgroup_dir("memory", idle);
	ck_assert_ptr_nonnull(idle_dir);

	/* Run a ends: its instance, then its context. */
	OK(ops->destroy(ia, err));
	ops->cleanup(ra, &sa);
	ck_assert_msg(stat(idle_dir, &st) == 0, "%s: run b's empty cgroup %s went with run a", name,
		      idle_dir);
	OK(vcl_cgroup_destroy(cg_idle, err));
	ck_assert(exited(pa));
	ck_assert(stat(dir_a, &st) < 0 && errno == ENOENT);

	/* Run b is whole: its instance lives and answers, its context still
	 * launches. */
	ck_assert_msg(!exited(pb), "%s: run b's instance (pid %d) died when run a ended", name,
		      (int)pb);
	healthz(ib);
	sb.index = 31;
	ia = start(ops, rb, &sb);
	healthz(ia);
	OK(ops->destroy(ia, err));
	OK(ops->destroy(ib, err));
	ck_assert(exited(pb));
	ops->cleanup(rb, &sb);
	ck_assert(stat(dir_b, &st) < 0 && errno == ENOENT);
	OK(vcl_ledger_close(&ledger_b, err));
}

START_TEST(test_two_runs)
{
	two_runs_of("bare");
	two_runs_of("ctr");
	two_runs_of("runc");
}
END_TEST

static Suite *suite(void)
{
	const TTest *const tests[] = {
	    test_isolation,   test_cri_defaults, test_userns,	 test_oom,	  test_pids_limit,
	    test_setup_error, test_cycles,	 test_runc_peer, test_crun_probe, test_two_runs};
	TCase *tc;
	Suite *s = suite_of("ctr", 120, tests, ARRAY_SIZE(tests), &tc);

	tcase_add_checked_fixture(tc, setup, integ_ledger_close);
	return s;
}

/* A failed assertion ends a test (a forked child of Check) before its
 * teardown: tear down the ledgers its runs left as `vclab gc` does (their
 * owner, the child, is gone), only this process's runs ("ct<pid>-"). */
static void reap_failed_runs(void)
{
	char prefix[32];
	struct vcl_gc_opts o = {.kinds = &integ_kinds, .prefix = prefix};
	struct vcl_error *err = NULL;
	unsigned removed = 0;

	snprintf(prefix, sizeof(prefix), "ct%d-", (int)getpid());
	if (vcl_gc(&o, &removed, &err) < 0) {
		printf("test_ctr: %s\n", err->msg);
		vcl_error_free(err);
	}
	if (removed > 0)
		printf("test_ctr: tore down %u run(s) failed tests left\n", removed);
}

int main(void)
{
	int ret;

	if (!vcl_is_root()) {
		return skip_suite("test_ctr", "needs root (namespaces, cgroups, runc)");
	}
	/* The ledger's undo of every kind built in, before any teardown or gc. */
	if (vcl_backends_init(&integ_kinds, NULL) < 0)
		return 1;
	/* Tests run from the repository root (make check, make asan), whatever
	 * build folder holds this binary. */
	payload = realpath("bin/vclab-payload", NULL);
	if (payload == NULL || access(payload, X_OK) < 0) {
		printf("test_ctr: payload %s missing: run make all first\n",
		       payload != NULL ? payload : "?");
		return 1;
	}
	ret = run_suite(suite());
	reap_failed_runs();
	free(payload);
	return ret;
}

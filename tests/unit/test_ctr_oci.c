/* SPDX-License-Identifier: MIT */
/* Pure parts of the container placement: OCI config, id maps, messages. */
#include <check.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr/ctr.h"
#include "tests/suite_main.h"

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL; k = strtok_r(NULL, ".", &save)) {
		struct json_object *next = NULL;

		if (!json_object_object_get_ex(o, k, &next))
			return NULL;
		o = next;
	}
	return o;
}

static char a0[] = "/vclab-payload", a1[] = "--listen", a2[] = "127.0.0.1:8080";
static char *const args[] = {a0, a1, a2, NULL};

static struct vcl_oci_params params(const struct vcl_limits *lim)
{
	return (struct vcl_oci_params){.rootfs = "/run/vclab/r1/ctr-rootfs",
				       .hostname = "vclab-r1-3",
				       .cgroups_path = "/vclab/r1/3",
				       .args = args,
				       .limits = lim};
}

static bool has_ns(struct json_object *cfg, const char *type)
{
	struct json_object *nss = get(cfg, "linux.namespaces");

	for (size_t i = 0; nss != NULL && i < json_object_array_length(nss); i++)
		if (strcmp(json_object_get_string(get(json_object_array_get_idx(nss, i), "type")),
			   type) == 0)
			return true;
	return false;
}

START_TEST(test_config_matches_ctr)
{
	struct vcl_limits lim = {.mem_mib = 64, .cpus = 0.5, .pids = 32};
	struct vcl_oci_params p = params(&lim);
	struct vcl_error *err = NULL;
	struct json_object *cfg, *caps;
	static const char *const nss[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
					   "ambient"};

	p.cpuset = "1";
	p.mode = VCL_SECURITY_STRICT;
	cfg = vcl_oci_config(&p, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(json_object_get_string(get(cfg, "ociVersion")), "1.0.2");
	ck_assert(json_object_get_boolean(get(cfg, "root.readonly")));
	ck_assert_str_eq(json_object_get_string(get(cfg, "root.path")), "/run/vclab/r1/ctr-rootfs");
	ck_assert_str_eq(json_object_get_string(get(cfg, "hostname")), "vclab-r1-3");
	ck_assert_str_eq(json_object_get_string(get(cfg, "linux.cgroupsPath")), "/vclab/r1/3");
	for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++)
		ck_assert_msg(has_ns(cfg, nss[i]), "namespace %s missing", nss[i]);
	ck_assert(!has_ns(cfg, "user"));
	ck_assert_ptr_null(get(cfg, "linux.uidMappings"));
	caps = get(cfg, "process.capabilities");
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		ck_assert_uint_eq(json_object_array_length(get(caps, sets[i])), 0);
	ck_assert(json_object_get_boolean(get(cfg, "process.noNewPrivileges")));
	ck_assert(!json_object_get_boolean(get(cfg, "process.terminal")));
	ck_assert_uint_eq(json_object_array_length(get(cfg, "process.args")), 3);
	ck_assert_int_eq(json_object_get_int64(get(cfg, "linux.resources.memory.limit")), 64 << 20);
	ck_assert_int_eq(json_object_get_int64(get(cfg, "linux.resources.cpu.quota")), 50000);
	ck_assert_int_eq(json_object_get_int64(get(cfg, "linux.resources.cpu.period")), 100000);
	ck_assert_str_eq(json_object_get_string(get(cfg, "linux.resources.cpu.cpus")), "1");
	ck_assert_int_eq(json_object_get_int64(get(cfg, "linux.resources.pids.limit")), 32);
	ck_assert_uint_eq(json_object_array_length(get(cfg, "mounts")), 2);
	ck_assert_ptr_null(get(cfg, "linux.seccomp"));
	json_object_put(cfg);
}
END_TEST

static bool has_str(struct json_object *a, const char *s)
{
	for (size_t i = 0; a != NULL && i < json_object_array_length(a); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s) == 0)
			return true;
	return false;
}

/* A service in CRI mode: containerd's default capabilities, a writable
 * root, privilege escalation allowed, its default mounts and masks. */
START_TEST(test_config_cri)
{
	struct vcl_limits lim = {0};
	struct vcl_oci_params p = params(&lim);
	struct vcl_security sec = {.cap_add = UINT64_C(1) << 12 /* NET_ADMIN */,
				   .cap_drop = UINT64_C(1) << 13 /* NET_RAW */};
	struct vcl_error *err = NULL;
	struct json_object *cfg, *mounts;
	static const char *const dests[] = {"/proc",	  "/dev",	   "/dev/pts",
					    "/dev/shm",	  "/dev/mqueue",   "/sys",
					    "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"};

	p.tmp_tmpfs = true; /* a service */
	p.sec = &sec;
	p.etc_dir = "/run/vclab/r1/etc-3";
	cfg = vcl_oci_config(&p, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert(!json_object_get_boolean(get(cfg, "root.readonly")));
	ck_assert(!json_object_get_boolean(get(cfg, "process.noNewPrivileges")));
	ck_assert_uint_eq(json_object_array_length(get(cfg, "process.capabilities.bounding")), 14);
	ck_assert(has_str(get(cfg, "process.capabilities.effective"), "CAP_CHOWN"));
	ck_assert(has_str(get(cfg, "process.capabilities.permitted"), "CAP_NET_ADMIN"));
	ck_assert(!has_str(get(cfg, "process.capabilities.bounding"), "CAP_NET_RAW"));
	ck_assert_uint_eq(json_object_array_length(get(cfg, "process.capabilities.ambient")), 0);
	mounts = get(cfg, "mounts");
	ck_assert_uint_eq(json_object_array_length(mounts), sizeof(dests) / sizeof(dests[0]));
	for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++)
		ck_assert_str_eq(json_object_get_string(
				     get(json_object_array_get_idx(mounts, i), "destination")),
				 dests[i]);
	ck_assert_str_eq(
	    json_object_get_string(get(json_object_array_get_idx(mounts, 7), "source")),
	    "/run/vclab/r1/etc-3/hostname");
	ck_assert(has_str(get(cfg, "linux.maskedPaths"), "/proc/kcore"));
	ck_assert(has_str(get(cfg, "linux.readonlyPaths"), "/proc/sys"));
	json_object_put(cfg);

	/* readOnlyRootFilesystem, allowPrivilegeEscalation: false, Unconfined. */
	sec.read_only_root = true;
	sec.no_new_privs = true;
	sec.seccomp = VCL_SECCOMP_UNCONFINED;
	p.seccomp = true;
	cfg = vcl_oci_config(&p, &err);
	ck_assert(json_object_get_boolean(get(cfg, "root.readonly")));
	ck_assert(json_object_get_boolean(get(cfg, "process.noNewPrivileges")));
	ck_assert_ptr_null(get(cfg, "linux.seccomp"));
	ck_assert(has_str(get(json_object_array_get_idx(get(cfg, "mounts"), 6), "options"), "ro"));
	json_object_put(cfg);

	/* privileged: every capability, no masks, no filter. */
	sec = (struct vcl_security){.privileged = true};
	cfg = vcl_oci_config(&p, &err);
	ck_assert_uint_eq(json_object_array_length(get(cfg, "process.capabilities.bounding")),
			  (size_t)__builtin_popcountll(vcl_cri_all_caps()));
	ck_assert_ptr_null(get(cfg, "linux.maskedPaths"));
	ck_assert_ptr_null(get(cfg, "linux.seccomp"));
	json_object_put(cfg);
}
END_TEST

/* containerd's order of add/drop, ALL included; strict; runAsNonRoot. */
/* Pod volumes and groups as runc's config has them: an emptyDir a tmpfs
 * with its size and fsGroup, a configMap a read-only bind of the bundle's
 * vol-<i>; fsGroup then supplementalGroups as additionalGids. */
START_TEST(test_config_volumes)
{
	struct vcl_limits lim = {0};
	struct vcl_oci_params p = params(&lim);
	struct vcl_security sec = {
	    .has_fs_group = true, .fs_group = 33, .supp_groups = {4000}, .nsupp = 1};
	const struct vcl_volume vols[] = {
	    {.name = "scratch", .target = "/var/lib/x", .empty = true, .size_bytes = 16 << 20},
	    {.name = "html", .target = "/srv/site", .read_only = true}};
	struct vcl_error *err = NULL;
	struct json_object *cfg, *mounts, *e, *c;
	size_t n;

	p.tmp_tmpfs = true;
	p.sec = &sec;
	p.vols = vols;
	p.nvols = 2;
	p.vol_dir = "/run/vclab/r1/runc-3";
	cfg = vcl_oci_config(&p, &err);
	ck_assert_ptr_nonnull(cfg);
	mounts = get(cfg, "mounts");
	n = json_object_array_length(mounts);
	e = json_object_array_get_idx(mounts, n - 2);
	c = json_object_array_get_idx(mounts, n - 1);
	ck_assert_str_eq(json_object_get_string(get(e, "destination")), "/var/lib/x");
	ck_assert_str_eq(json_object_get_string(get(e, "type")), "tmpfs");
	ck_assert(has_str(get(e, "options"), "size=16777216"));
	ck_assert(has_str(get(e, "options"), "gid=33"));
	ck_assert(has_str(get(e, "options"), "mode=2777"));
	ck_assert(!has_str(get(e, "options"), "ro"));
	ck_assert_str_eq(json_object_get_string(get(c, "type")), "bind");
	ck_assert_str_eq(json_object_get_string(get(c, "source")), "/run/vclab/r1/runc-3/vol-1");
	ck_assert(has_str(get(c, "options"), "ro"));
	ck_assert_uint_eq(json_object_array_length(get(cfg, "process.user.additionalGids")), 2);
	ck_assert_int_eq(json_object_get_int(
			     json_object_array_get_idx(get(cfg, "process.user.additionalGids"), 1)),
			 4000);
	json_object_put(cfg);
}
END_TEST

START_TEST(test_cri_caps)
{
	const uint64_t all = vcl_cri_all_caps(), chown = 1, nbs = UINT64_C(1) << 10;
	struct vcl_security sec = {0};
	char why[256];

	ck_assert_int_eq(__builtin_popcountll(vcl_cri_default_caps()), 14);
	ck_assert_uint_eq(vcl_cri_caps(NULL, VCL_SECURITY_CRI), vcl_cri_default_caps());
	ck_assert_uint_eq(vcl_cri_caps(NULL, VCL_SECURITY_STRICT), 0);
	sec.cap_drop = UINT64_MAX;
	sec.cap_add = nbs;
	ck_assert_uint_eq(vcl_cri_caps(&sec, VCL_SECURITY_CRI), nbs);
	sec.cap_drop = chown;
	sec.cap_add = UINT64_MAX;
	ck_assert_uint_eq(vcl_cri_caps(&sec, VCL_SECURITY_CRI), all & ~chown);
	ck_assert(vcl_cri_seccomp(NULL, VCL_SECURITY_CRI, false));
	ck_assert(!vcl_cri_seccomp(NULL, VCL_SECURITY_CRI, true));
	ck_assert(vcl_cri_no_new_privs(NULL, VCL_SECURITY_STRICT));
	ck_assert(!vcl_cri_no_new_privs(NULL, VCL_SECURITY_CRI));
	ck_assert(vcl_cri_read_only_root(NULL, VCL_SECURITY_STRICT));
	ck_assert(!vcl_cri_read_only_root(NULL, VCL_SECURITY_CRI));
	ck_assert_int_eq(vcl_cri_check_user(NULL, 0, why, sizeof(why)), 0);
	sec = (struct vcl_security){.run_as_non_root = true};
	ck_assert_int_eq(vcl_cri_check_user(&sec, 33, why, sizeof(why)), 0);
	ck_assert_int_eq(vcl_cri_check_user(&sec, 0, why, sizeof(why)), -1);
	ck_assert(strstr(why, "runAsNonRoot") != NULL);
	ck_assert_str_eq(vcl_security_mode_name(VCL_SECURITY_STRICT), "strict");
}
END_TEST

/* The OCI filter says what the ctr filter does: every denied name, clone3
 * as ENOSYS, one masked clone rule per namespace flag. */
START_TEST(test_config_seccomp)
{
	struct vcl_limits lim = {0};
	struct vcl_oci_params p = params(&lim);
	struct vcl_error *err = NULL;
	struct json_object *cfg, *rules, *names;
	size_t ndenied = 0, nclone = 0;

	p.seccomp = true;
	cfg = vcl_oci_config(&p, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_str_eq(json_object_get_string(get(cfg, "linux.seccomp.defaultAction")),
			 "SCMP_ACT_ALLOW");
	rules = get(cfg, "linux.seccomp.syscalls");
	ck_assert_ptr_nonnull(rules);
	while (vcl_seccomp_denied[ndenied] != NULL)
		ndenied++;
	while (vcl_seccomp_clone_ns[nclone] != 0)
		nclone++;
	ck_assert_uint_eq(json_object_array_length(rules), 2 + nclone);
	names = get(json_object_array_get_idx(rules, 0), "names");
	ck_assert_uint_eq(json_object_array_length(names), ndenied);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(names, 0)), "acct");
	ck_assert_int_eq(json_object_get_int(get(json_object_array_get_idx(rules, 0), "errnoRet")),
			 EPERM);
	ck_assert_int_eq(json_object_get_int(get(json_object_array_get_idx(rules, 1), "errnoRet")),
			 ENOSYS);
	for (size_t i = 0; i < nclone; i++) {
		struct json_object *r = json_object_array_get_idx(rules, 2 + i);
		struct json_object *a = json_object_array_get_idx(get(r, "args"), 0);

		ck_assert_str_eq(json_object_get_string(get(a, "op")), "SCMP_CMP_MASKED_EQ");
		ck_assert_uint_eq(json_object_get_uint64(get(a, "value")), vcl_seccomp_clone_ns[i]);
		ck_assert_uint_eq(json_object_get_uint64(get(a, "valueTwo")),
				  vcl_seccomp_clone_ns[i]);
	}
	json_object_put(cfg);
}
END_TEST

/* What the filter's calls return in a process that loaded it. */
static int filtered_child(const struct sock_fprog *prog)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog) < 0)
		return 10;
	if (unshare(CLONE_NEWUTS) == 0 || errno != EPERM)
		return 11;
	/* A target that does not exist: were mount allowed, it would fail
	 * with ENOENT and touch nothing. */
	if (mount("none", "/nonexistent-vclab-test", "tmpfs", 0, NULL) == 0 || errno != EPERM)
		return 12;
	if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) == 0 || errno != EPERM)
		return 13;
	if (syscall(SYS_clone3, NULL, 0) == 0 || errno != ENOSYS)
		return 14;
	if (syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) >= 0 || errno != EPERM)
		return 15;
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) == 0 || errno != EPERM)
		return 16;
	/* Still allowed: an ordinary call and a plain fork. */
	if (getpid() <= 0)
		return 17;
	{
		pid_t c = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		int st;

		if (c == 0)
			_exit(0);
		if (c < 0 || waitpid(c, &st, 0) != c)
			return 18;
	}
	return 0;
}

/* The BPF program libseccomp built denies what it must and not more. */
START_TEST(test_seccomp_filter)
{
	struct sock_fprog prog;
	struct vcl_error *err = NULL;
	pid_t pid;
	int status;

	for (size_t i = 0; vcl_seccomp_denied[i] != NULL; i++)
		ck_assert_msg(seccomp_syscall_resolve_name(vcl_seccomp_denied[i]) >= 0,
			      "unknown syscall %s", vcl_seccomp_denied[i]);
	ck_assert_int_eq(vcl_seccomp_build(&prog, &err), 0);
	ck_assert_uint_gt(prog.len, 10);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(filtered_child(&prog));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "filtered child: status %d",
		      status);
	free(prog.filter);
}
END_TEST

START_TEST(test_config_userns_and_no_limits)
{
	struct vcl_limits lim = {0};
	struct vcl_oci_params p = params(&lim);
	struct vcl_error *err = NULL;
	struct json_object *cfg, *m;

	p.userns = true;
	cfg = vcl_oci_config(&p, &err);
	ck_assert_ptr_nonnull(cfg);
	ck_assert(has_ns(cfg, "user"));
	m = json_object_array_get_idx(get(cfg, "linux.uidMappings"), 0);
	ck_assert_int_eq(json_object_get_int64(get(m, "containerID")), 0);
	ck_assert_int_eq(json_object_get_int64(get(m, "hostID")), VCL_CTR_USERNS_BASE);
	ck_assert_int_eq(json_object_get_int64(get(m, "size")), VCL_CTR_USERNS_COUNT);
	ck_assert_ptr_nonnull(get(cfg, "linux.gidMappings"));
	/* No limit asked, none written. */
	ck_assert_ptr_null(get(cfg, "linux.resources.memory"));
	ck_assert_ptr_null(get(cfg, "linux.resources.cpu"));
	ck_assert_ptr_null(get(cfg, "linux.resources.pids"));
	json_object_put(cfg);
}
END_TEST

START_TEST(test_config_rejects_bad_input)
{
	struct vcl_limits lim = {0};
	struct vcl_oci_params p = params(&lim);
	struct vcl_error *err = NULL;

	p.rootfs = "relative/rootfs";
	ck_assert_ptr_null(vcl_oci_config(&p, &err));
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err->msg, "rootfs"));
	vcl_error_free(err);
	err = NULL;

	p = params(&lim);
	p.hostname = "a-hostname-that-is-much-longer-than-the-sixty-three-characters-uts-allows";
	ck_assert_ptr_null(vcl_oci_config(&p, &err));
	ck_assert_ptr_nonnull(strstr(err->msg, "hostname"));
	vcl_error_free(err);
	err = NULL;

	p = params(&lim);
	p.cgroups_path = "vclab/r1/3";
	ck_assert_ptr_null(vcl_oci_config(&p, &err));
	vcl_error_free(err);
	err = NULL;

	p = params(&lim);
	p.limits = NULL;
	ck_assert_ptr_null(vcl_oci_config(&p, &err));
	vcl_error_free(err);
}
END_TEST

START_TEST(test_bind_mount)
{
	struct json_object *m = vcl_oci_bind_mount("/usr", "/usr");
	struct json_object *opts = get(m, "options");
	bool ro = false;

	ck_assert_str_eq(json_object_get_string(get(m, "type")), "bind");
	for (size_t i = 0; i < json_object_array_length(opts); i++)
		ro |= strcmp(json_object_get_string(json_object_array_get_idx(opts, i)), "ro") == 0;
	ck_assert(ro);
	json_object_put(m);
}
END_TEST

START_TEST(test_idmap)
{
	char buf[64];

	ck_assert_int_eq(vcl_ctr_idmap(buf, sizeof(buf), 0, 100000, 65536), 15);
	ck_assert_str_eq(buf, "0 100000 65536\n");
	ck_assert_int_eq(vcl_ctr_idmap(buf, sizeof(buf), 0, 1000, 1), 9);
	ck_assert_str_eq(buf, "0 1000 1\n");
	/* Empty, wrapping and too-small-buffer maps are refused. */
	ck_assert_int_eq(vcl_ctr_idmap(buf, sizeof(buf), 0, 100000, 0), -1);
	ck_assert_int_eq(vcl_ctr_idmap(buf, sizeof(buf), 0, 4294967000u, 65536), -1);
	ck_assert_int_eq(vcl_ctr_idmap(buf, sizeof(buf), 4294967000u, 0, 65536), -1);
	ck_assert_int_eq(vcl_ctr_idmap(buf, 8, 0, 100000, 65536), -1);
}
END_TEST

START_TEST(test_cfs_quota)
{
	ck_assert_int_eq(vcl_ctr_cfs_quota(0), 0);
	ck_assert_int_eq(vcl_ctr_cfs_quota(-1), 0);
	ck_assert_int_eq(vcl_ctr_cfs_quota(1.0), 100000);
	ck_assert_int_eq(vcl_ctr_cfs_quota(2.5), 250000);
	ck_assert_int_eq(vcl_ctr_cfs_quota(0.001), 1000); /* kernel minimum */
}
END_TEST

START_TEST(test_step_names)
{
	ck_assert_str_eq(vcl_ctr_step_name(VCL_CTR_STEP_PIVOT_ROOT), "pivot_root");
	ck_assert_str_eq(vcl_ctr_step_name(VCL_CTR_STEP_EXEC), "exec the payload");
	ck_assert_str_eq(vcl_ctr_step_name(0), "unknown step");
	ck_assert_str_eq(vcl_ctr_step_name(VCL_CTR_STEP_MAX), "unknown step");
	for (int s = 1; s < VCL_CTR_STEP_MAX; s++)
		ck_assert_str_ne(vcl_ctr_step_name(s), "unknown step");
}
END_TEST

/* The child's stamps become steps that tile start -> ready. */
START_TEST(test_launch_steps)
{
	struct vcl_ctr_child_error rec = {
	    .nmarks = 5,
	    .mark = {VCL_CTR_MARK_ENTRY, VCL_CTR_MARK_CGROUP, VCL_CTR_MARK_UNSHARE,
		     VCL_CTR_MARK_MOUNTS, VCL_CTR_MARK_LOCKDOWN},
	    .t = {120, 130, 140, 150, 160},
	};
	struct vcl_phases t = {.start = 100};
	static const char *const want[] = {"cgroup_create", "clone",	"cgroup_attach", "unshare",
					   "mounts",	    "lockdown", "exec",		 "service"};

	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 170, 180, &t), 8);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_str_eq(t.steps[i].name, want[i]);
	ck_assert_uint_eq(t.steps[0].end, 110);
	ck_assert_uint_eq(t.steps[6].end, 170);
	ck_assert_uint_eq(t.steps[7].end, 180);
	/* Without the payload's own stamp: exec and its start are one step. */
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 0, 180, &t), 7);
	ck_assert_str_eq(t.steps[6].name, "exec_service");
	/* Out of order, an error record, an unknown mark, a missing stamp: none. */
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 125, 170, 180, &t), 0);
	ck_assert_uint_eq(t.nsteps, 0);
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 170, 165, &t), 0);
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 0, 0, &t), 0);
	rec.mark[2] = VCL_CTR_MARK_MAX;
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 170, 180, &t), 0);
	rec.mark[2] = VCL_CTR_MARK_UNSHARE;
	rec.step = VCL_CTR_STEP_EXEC;
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 170, 180, &t), 0);
	rec.step = 0;
	rec.nmarks = VCL_CTR_MAX_MARKS + 1;
	ck_assert_uint_eq(vcl_ctr_steps(&rec, 110, 170, 180, &t), 0);
}
END_TEST

START_TEST(test_runtime_message)
{
	char out[256];
	const char *runc =
	    "time=\"2026-11-24T22:35:23Z\" level=warning msg=\"cgroup v1 is deprecated\"\n"
	    "time=\"2026-11-24T22:35:23Z\" level=error msg=\"runc run failed: unable to start "
	    "container process: exec: \\\"/x\\\": no such file\"\n";

	ck_assert_int_gt(vcl_oci_runtime_message(runc, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "runc run failed: unable to start container process: exec: \"/x\": "
			      "no such file");
	ck_assert_int_gt(vcl_oci_runtime_message("cgroups in hybrid mode not supported, drop all "
						 "controllers from cgroupv2",
						 out, sizeof(out)),
			 0);
	ck_assert_str_eq(out, "cgroups in hybrid mode not supported, drop all controllers from "
			      "cgroupv2");
	/* An error line beats a later plain line; trailing blanks go. */
	vcl_oci_runtime_message("level=error msg=\"first\"\nnoise  \n\n", out, sizeof(out));
	ck_assert_str_eq(out, "first");
	vcl_oci_runtime_message("one\ntwo  \r\n", out, sizeof(out));
	ck_assert_str_eq(out, "two");
	ck_assert_int_eq(vcl_oci_runtime_message("", out, sizeof(out)), 0);
	ck_assert_int_eq(vcl_oci_runtime_message("\n  \n", out, sizeof(out)), 0);
	ck_assert_int_eq(vcl_oci_runtime_message("abcdefgh", out, 4), 3);
	ck_assert_str_eq(out, "abc");
}
END_TEST

/* gvisor.c: which platforms `runsc flags` lists. The text is Debian 12's
 * runsc 0.0~20221219, as it prints it. */
START_TEST(test_gvisor_platforms)
{
	static const char debian[] =
	    "  -overlay2 value\n    \twrap mounts with overlayfs.\n"
	    "  -platform string\n"
	    "    \tspecifies which platform to use: ptrace (default), kvm. (default \"ptrace\")\n"
	    "  -platform_device_path string\n"
	    "    \tpath to a platform-specific device file (e.g. /dev/kvm for KVM platform).\n";
	static const char newer[] = "  -platform string\n"
				    "    \tspecifies which platform to use: systrap (default), "
				    "ptrace, kvm. (default \"systrap\")\n";

	ck_assert(vcl_gvisor_knows_platform(debian, "ptrace"));
	ck_assert(vcl_gvisor_knows_platform(debian, "kvm"));
	ck_assert(!vcl_gvisor_knows_platform(debian, "systrap"));
	ck_assert(vcl_gvisor_knows_platform(newer, "systrap"));
	/* only the -platform flag's own line counts, whole words only */
	ck_assert(!vcl_gvisor_knows_platform("  -platform_device_path string\n\tkvm\n", "kvm"));
	ck_assert(!vcl_gvisor_knows_platform("  -platform string\n\tuse: ptraces\n", "ptrace"));
	ck_assert(!vcl_gvisor_knows_platform("", "ptrace"));
	ck_assert(!vcl_gvisor_knows_platform(NULL, "ptrace"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctr_oci");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_config_matches_ctr);
	tcase_add_test(tc, test_config_cri);
	tcase_add_test(tc, test_config_volumes);
	tcase_add_test(tc, test_cri_caps);
	tcase_add_test(tc, test_config_userns_and_no_limits);
	tcase_add_test(tc, test_config_rejects_bad_input);
	tcase_add_test(tc, test_bind_mount);
	tcase_add_test(tc, test_idmap);
	tcase_add_test(tc, test_cfs_quota);
	tcase_add_test(tc, test_step_names);
	tcase_add_test(tc, test_launch_steps);
	tcase_add_test(tc, test_config_seccomp);
	tcase_add_test(tc, test_seccomp_filter);
	tcase_add_test(tc, test_runtime_message);
	tcase_add_test(tc, test_gvisor_platforms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

/* SPDX-License-Identifier: MIT */
/* Pure parts of the engine peers (ctr/engine_args.c): rlimit adjustments,
 * the `run -d` argv, the names of a run's leftovers. No root, no engine. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "ctr/ctr.h"
#include "tests/suite_main.h"

static char a0[] = "/vclab-payload", a1[] = "--listen", a2[] = "127.0.0.1:8080";
static char *const args[] = {a0, a1, a2, NULL};

/* Index of s in v, or -1. */
static int find(char **v, const char *s)
{
	for (int i = 0; v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return i;
	return -1;
}

/* v has a followed at once by b. */
static bool pair(char **v, const char *a, const char *b)
{
	for (int i = 0; v[i] != NULL && v[i + 1] != NULL; i++)
		if (strcmp(v[i], a) == 0 && strcmp(v[i + 1], b) == 0)
			return true;
	return false;
}

/* This host: nofile 20000, nproc 96365, pid_max 32768. */
START_TEST(test_ulimits_this_host)
{
	const struct vcl_engine_host h = {
	    .nofile_hard = 20000, .nproc_hard = 96365, .pid_max = 32768};
	struct vcl_engine_adjust a[VCL_ENGINE_MAX_ADJUST];
	size_t n = vcl_engine_ulimits(VCL_ENGINE_PODMAN, &h, a, VCL_ENGINE_MAX_ADJUST);

	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(a[0].what, "ulimit nofile");
	ck_assert_str_eq(a[0].engine_default, "1048576:1048576");
	ck_assert_str_eq(a[0].set, "20000:20000");
	ck_assert_str_eq(a[0].option, "--ulimit nofile=20000:20000");
	ck_assert_ptr_nonnull(strstr(a[0].reason, "hard limit 20000"));
	/* nproc: podman runs with pid_max, below vclab's own hard limit. */
	ck_assert_str_eq(a[1].what, "ulimit nproc");
	ck_assert_str_eq(a[1].set, "32768:32768");
	ck_assert_ptr_nonnull(strstr(a[1].reason, "pid_max 32768"));
	/* docker sets no rlimit: nothing to adjust. */
	ck_assert_uint_eq(vcl_engine_ulimits(VCL_ENGINE_DOCKER, &h, a, VCL_ENGINE_MAX_ADJUST), 0);
}
END_TEST

START_TEST(test_ulimits_roomy_host)
{
	/* Limits at or above podman's default: nothing to set. */
	const struct vcl_engine_host h = {
	    .nofile_hard = 1048576, .nproc_hard = 4194304, .pid_max = 4194304};
	struct vcl_engine_adjust a[VCL_ENGINE_MAX_ADJUST];

	ck_assert_uint_eq(vcl_engine_ulimits(VCL_ENGINE_PODMAN, &h, a, VCL_ENGINE_MAX_ADJUST), 0);
}
END_TEST

START_TEST(test_ulimits_nproc_hard_below_pid_max)
{
	const struct vcl_engine_host h = {.nofile_hard = 0, .nproc_hard = 4096, .pid_max = 32768};
	struct vcl_engine_adjust a[VCL_ENGINE_MAX_ADJUST];
	size_t n = vcl_engine_ulimits(VCL_ENGINE_PODMAN, &h, a, VCL_ENGINE_MAX_ADJUST);

	/* nofile unknown (unlimited): left alone; nproc from the hard limit. */
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(a[0].set, "4096:4096");
	ck_assert_ptr_nonnull(strstr(a[0].reason, "hard limit 4096"));
	/* max bounds the output. */
	ck_assert_uint_eq(vcl_engine_ulimits(VCL_ENGINE_PODMAN, &h, a, 0), 0);
}
END_TEST

START_TEST(test_run_argv_podman)
{
	const struct vcl_limits lim = {.mem_mib = 64, .cpus = 1.5, .pids = 16};
	const struct vcl_engine_host h = {
	    .nofile_hard = 20000, .nproc_hard = 96365, .pid_max = 32768};
	struct vcl_engine_adjust adj[VCL_ENGINE_MAX_ADJUST];
	size_t nadj = vcl_engine_ulimits(VCL_ENGINE_PODMAN, &h, adj, VCL_ENGINE_MAX_ADJUST);
	struct vcl_engine_run r = {.kind = VCL_ENGINE_PODMAN,
				   .bin = "/usr/bin/podman",
				   .name = "vclab-ab12-3",
				   .image = "localhost/vclab-ab12:payload",
				   .cgroup_parent = "/vclab/ab12",
				   .limits = &lim,
				   .cpuset = "1",
				   .seccomp_file = "/run/vclab/ab12/podman/seccomp.json",
				   .ready_fd = true,
				   .adjust = adj,
				   .nadjust = nadj,
				   .args = args,
				   .mode = VCL_SECURITY_STRICT};
	cleanup_strv char **v = vcl_engine_run_argv(&r, NULL);
	int img;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(find(v, "--cap-add"), -1);
	ck_assert_str_eq(v[0], "/usr/bin/podman");
	ck_assert_str_eq(v[1], "run");
	ck_assert_int_ge(find(v, "-d"), 0);
	ck_assert_int_ge(find(v, "--rm"), 0);
	ck_assert(pair(v, "--runtime", "runc"));
	ck_assert(pair(v, "--pull", "never"));
	ck_assert(pair(v, "--name", "vclab-ab12-3"));
	ck_assert(pair(v, "--hostname", "vclab-ab12-3"));
	ck_assert(pair(v, "--network", "none"));
	ck_assert_int_ge(find(v, "--read-only"), 0);
	ck_assert(pair(v, "--cap-drop", "all"));
	ck_assert(pair(v, "--security-opt", "no-new-privileges"));
	ck_assert(pair(v, "--security-opt", "seccomp=/run/vclab/ab12/podman/seccomp.json"));
	ck_assert(pair(v, "--cgroup-parent", "/vclab/ab12"));
	ck_assert(pair(v, "--memory", "64m"));
	ck_assert(pair(v, "--memory-swap", "64m"));
	ck_assert(pair(v, "--cpus", "1.500"));
	ck_assert(pair(v, "--pids-limit", "16"));
	ck_assert(pair(v, "--cpuset-cpus", "1"));
	ck_assert(pair(v, "--ulimit", "nofile=20000:20000"));
	ck_assert(pair(v, "--ulimit", "nproc=32768:32768"));
	ck_assert(pair(v, "--preserve-fds", "1"));
	ck_assert(pair(v, "--entrypoint", "/vclab-payload"));
	ck_assert_int_eq(find(v, "--uidmap"), -1);
	/* The image, then the payload's arguments, last. */
	img = find(v, "localhost/vclab-ab12:payload");
	ck_assert_int_gt(img, 0);
	ck_assert_str_eq(v[img + 1], "--listen");
	ck_assert_str_eq(v[img + 2], "127.0.0.1:8080");
	ck_assert_ptr_null(v[img + 3]);
}
END_TEST

START_TEST(test_run_argv_docker_and_options)
{
	const struct vcl_limits none = {0};
	struct vcl_engine_run r = {.kind = VCL_ENGINE_DOCKER,
				   .bin = "/usr/bin/docker",
				   .name = "vclab-ab12-0",
				   .image = "vclab-ab12:payload",
				   .cgroup_parent = "/vclab/ab12",
				   .limits = &none,
				   .args = args};
	struct vcl_error *err = NULL;
	char **v = vcl_engine_run_argv(&r, NULL);

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(find(v, "--runtime"), -1); /* dockerd's default runtime is runc */
	ck_assert_int_eq(find(v, "--pull"), -1);
	ck_assert_int_eq(find(v, "--memory"), -1);
	ck_assert_int_eq(find(v, "--cpus"), -1);
	ck_assert_int_eq(find(v, "--ulimit"), -1);
	ck_assert(pair(v, "--security-opt", "seccomp=unconfined"));
	vcl_strvfreep(&v);

	/* docker cannot hand an fd through, nor map users per container. */
	r.ready_fd = true;
	ck_assert_ptr_null(vcl_engine_run_argv(&r, &err));
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_freep(&err);
	r.ready_fd = false;
	r.userns = true;
	ck_assert_ptr_null(vcl_engine_run_argv(&r, &err));
	ck_assert_ptr_nonnull(strstr(err->msg, "userns-remap"));
	vcl_error_freep(&err);

	/* podman maps users as ctr does. */
	r.kind = VCL_ENGINE_PODMAN;
	v = vcl_engine_run_argv(&r, NULL);
	ck_assert(pair(v, "--uidmap", "0:100000:65536"));
	ck_assert(pair(v, "--gidmap", "0:100000:65536"));
	vcl_strvfreep(&v);

	r.cgroup_parent = "vclab/ab12";
	ck_assert_ptr_null(vcl_engine_run_argv(&r, &err));
	vcl_error_freep(&err);
	ck_assert_ptr_null(vcl_engine_run_argv(NULL, &err));
	vcl_error_freep(&err);
}
END_TEST

/* The user's service: its user, folder, environment, a writable /tmp, the
 * image's entrypoint resolved, and (podman) its log where vclab reads it. */
START_TEST(test_run_argv_service)
{
	static char s0[] = "/bin/httpd", s1[] = "-f", s2[] = "-p", s3[] = "8080";
	static char e0[] = "PATH=/bin", e1[] = "GREETING=hello";
	char *const sargs[] = {s0, s1, s2, s3, NULL};
	char *const env[] = {e0, e1, NULL};
	const struct vcl_limits lim = {.mem_mib = 64};
	struct vcl_engine_run r = {.kind = VCL_ENGINE_PODMAN,
				   .bin = "/usr/bin/podman",
				   .name = "vclab-ab12-3",
				   .image = "localhost/vclab-ab12:svc",
				   .cgroup_parent = "/vclab/ab12",
				   .limits = &lim,
				   .args = sargs,
				   .service = true,
				   .env = env,
				   .cwd = "/www",
				   .uid = 33,
				   .gid = 44,
				   .log_path = "/run/vclab/ab12/podman/vclab-ab12-3.log",
				   .caps = vcl_cri_default_caps()};
	struct vcl_error *err = NULL;
	char **v = vcl_engine_run_argv(&r, NULL);
	int img;

	ck_assert_ptr_nonnull(v);
	ck_assert(pair(v, "--user", "33:44"));
	ck_assert(pair(v, "--workdir", "/www"));
	ck_assert(pair(v, "--env", "PATH=/bin"));
	ck_assert(pair(v, "--env", "GREETING=hello"));
	/* CRI mode (the default): containerd's capabilities, exactly; a
	 * writable root, no /tmp tmpfs, privilege escalation allowed. */
	ck_assert(pair(v, "--cap-drop", "all"));
	ck_assert(pair(v, "--cap-add", "CAP_CHOWN"));
	ck_assert(pair(v, "--cap-add", "CAP_NET_BIND_SERVICE"));
	ck_assert_int_eq(find(v, "--read-only"), -1);
	ck_assert_int_eq(find(v, "--tmpfs"), -1);
	ck_assert(!pair(v, "--security-opt", "no-new-privileges"));
	ck_assert(pair(v, "--log-opt", "path=/run/vclab/ab12/podman/vclab-ab12-3.log"));
	ck_assert(pair(v, "--network", "none"));
	ck_assert_int_eq(find(v, "--preserve-fds"), -1);
	ck_assert(pair(v, "--entrypoint", "/bin/httpd"));
	img = find(v, "localhost/vclab-ab12:svc");
	ck_assert_int_gt(img, 0);
	ck_assert_str_eq(v[img + 1], "-f");
	ck_assert_str_eq(v[img + 3], "8080");
	ck_assert_ptr_null(v[img + 4]);
	vcl_strvfreep(&v);

	/* docker keeps its own log; a service never has a READY fd. */
	r.kind = VCL_ENGINE_DOCKER;
	v = vcl_engine_run_argv(&r, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(find(v, "--log-opt"), -1);
	ck_assert(pair(v, "--user", "33:44"));
	vcl_strvfreep(&v);
	r.kind = VCL_ENGINE_PODMAN;
	r.ready_fd = true;
	ck_assert_ptr_null(vcl_engine_run_argv(&r, &err));
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	vcl_error_freep(&err);
}
END_TEST

START_TEST(test_run_names)
{
	char buf[32];

	ck_assert_int_eq(vcl_engine_image_repo(buf, sizeof(buf), "ab12"), 10);
	ck_assert_str_eq(buf, "vclab-ab12");
	ck_assert_int_eq(vcl_engine_image_repo(buf, 8, "ab12"), -1);

	ck_assert(vcl_engine_is_run_container("vclab-ab12-0", "ab12"));
	ck_assert(vcl_engine_is_run_container("/vclab-ab12-17", "ab12"));
	ck_assert(!vcl_engine_is_run_container("vclab-ab12-", "ab12"));
	ck_assert(!vcl_engine_is_run_container("vclab-ab123-1", "ab12"));
	ck_assert(!vcl_engine_is_run_container("vclab-ab12-1x", "ab12"));
	ck_assert(!vcl_engine_is_run_container("xvclab-ab12-1", "ab12"));
	ck_assert(!vcl_engine_is_run_container("vclab-ab12-1", ""));
	/* Run ids with dashes (the test suites' ct<pid>-<pid>). */
	ck_assert(vcl_engine_is_run_container("vclab-ct1-2-3", "ct1-2"));
	ck_assert(!vcl_engine_is_run_container("vclab-ct1-2-3", "ct1"));

	ck_assert(vcl_engine_is_run_image("localhost/vclab-ab12:payload", "ab12"));
	ck_assert(vcl_engine_is_run_image("vclab-ab12:payload", "ab12"));
	ck_assert(!vcl_engine_is_run_image("vclab-ab12:", "ab12"));
	ck_assert(!vcl_engine_is_run_image("vclab-ab123:payload", "ab12"));
	ck_assert(!vcl_engine_is_run_image("docker.io/vclab-ab12:payload", "ab12"));
	ck_assert(!vcl_engine_is_run_image(NULL, "ab12"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctr_engine");
	TCase *tc = tcase_create("engine");

	tcase_add_test(tc, test_ulimits_this_host);
	tcase_add_test(tc, test_ulimits_roomy_host);
	tcase_add_test(tc, test_ulimits_nproc_hard_below_pid_max);
	tcase_add_test(tc, test_run_argv_podman);
	tcase_add_test(tc, test_run_argv_docker_and_options);
	tcase_add_test(tc, test_run_argv_service);
	tcase_add_test(tc, test_run_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}

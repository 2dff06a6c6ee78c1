/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the engine peers (ctr/engine.c): podman, and docker
 * where a daemon answers (scripts/services.sh starts one). Each runs the
 * built-in payload once, checks a 200, the container's confinement, the
 * memory sample with its helper, and that nothing of the run is left in
 * the engine's storage or process list afterwards; a crashed run's
 * leftovers go with the ledger's "engine" record (what `vclab gc` does).
 * The user's image (--image): a busybox httpd OCI layout built with umoci
 * (tests/image/build-busybox.sh) measured by `vclab bench` beside ctr and
 * runc, loaded into the engine's storage and gone from it afterwards.
 * Needs root; skips without it.
 */
#include <check.h>
#include <dirent.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/backends.h"
#include "core/backend.h"
#include "core/cgroup.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/probe.h"
#include "core/util.h"
#include "ctr/ctr.h"
#include "integ_util.h"
#include "tests/suite_main.h"

static char *payload;

#define IMG_DIR "/tmp/vclab-test-engine"
#define IMG	IMG_DIR "/oci"
#define CACHE	IMG_DIR "/cache"
#define OUT	IMG_DIR "/out"

static void setup(void)
{
	integ_ledger_open("en");
}

/* Lines of `CMD` that name run rid (vclab-<rid>), counted. */
static int count_lines_of(const char *cmd, const char *rid)
{
	char line[512], needle[64];
	FILE *f = popen(cmd, "r");
	int n = 0;

	ck_assert_msg(f != NULL, "popen %s", cmd);
	snprintf(needle, sizeof(needle), "vclab-%s", rid);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	pclose(f);
	return n;
}

static int count_run_lines(const char *cmd)
{
	return count_lines_of(cmd, integ_run_id);
}

static int run_processes(void)
{
	return integ_processes_of(integ_run_id);
}

static bool cgroup_exists(const char *ctrl, const char *path)
{
	cleanup_free char *dir = vcl_cgroup_dir(ctrl, path);

	return dir != NULL && access(dir, F_OK) == 0;
}

static void status_is(pid_t pid, const char *key, const char *want)
{
	cleanup_free char *buf = NULL;
	char path[64], line[80];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert(vcl_read_file(path, &buf, NULL, NULL) == 0);
	snprintf(line, sizeof(line), "\n%s:\t%s\n", key, want);
	p = strstr(buf, line);
	ck_assert_msg(p != NULL, "%s of pid %d is not %s", key, (int)pid, want);
}

/* Nothing of the run in the engine's storage, process list or cgroups. */
static void nothing_left(const char *engine)
{
	char cmd[160], cg[128];

	snprintf(cmd, sizeof(cmd), "%s ps -a --format '{{.Names}}' 2>&1", engine);
	ck_assert_int_eq(count_run_lines(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s images --format '{{.Repository}}:{{.Tag}}' 2>&1", engine);
	ck_assert_int_eq(count_run_lines(cmd), 0);
	ck_assert_int_eq(run_processes(), 0);
	snprintf(cg, sizeof(cg), "vclab/%s", integ_run_id);
	ck_assert_msg(!cgroup_exists("memory", cg) && !cgroup_exists("devices", cg),
		      "cgroup %s left behind", cg);
}

/* Whether the engine can run here; when not, the test is noted as
 * skipped with the peer's own reason (docker without a daemon). */
static bool usable(const struct vcl_backend_ops *ops, const char *test)
{
	struct vcl_error *e = NULL;

	if (ops->probe(NULL, &e) == 0)
		return true;
	note_skip(test, "%s", e->msg);
	vcl_error_free(e);
	return false;
}

static void one_peer(const char *name)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, name);
	struct vcl_spec spec = integ_spec(payload, 1);
	struct vcl_instance *inst = NULL;
	struct vcl_mem mem = {0};
	char cmd[160], cg[256];
	void *run = NULL;
	pid_t pid;

	ck_assert_msg(ops != NULL, "%s is not built in", name);
	ck_assert(ops->is_peer);
	ck_assert_str_eq(ops->peer_of, "ctr");
	OK(ops->prepare(&spec, &run, err));
	/* The image is in the engine's storage, tagged with the run id. */
	snprintf(cmd, sizeof(cmd), "%s images --format '{{.Repository}}:{{.Tag}}'", name);
	ck_assert_int_eq(count_run_lines(cmd), 1);

	/* podman hands READY through; docker cannot, and its ready phase is
	 * the port accepting (core/probe.c), as for gvisor. */
	inst = integ_launch_healthy(ops, run, &spec, 10000);
	printf("%s: create %.1f ms, first 200 %.1f ms\n", name,
	       vcl_ns_to_ms(inst->t.created - inst->t.start),
	       vcl_ns_to_ms(inst->t.first_200 - inst->t.start));
	pid = inst->pid;
	/* ctr's confinement: own netns, containerd's capability set, the
	 * seccomp filter. */
	integ_same_ns(pid, "net", false);
	integ_same_ns(pid, "pid", false);
	status_is(pid, "CapEff", "00000000a80425fb");
	status_is(pid, "Seccomp", "2");
	snprintf(cg, sizeof(cg), "%s", inst->cgroup);
	ck_assert(cgroup_exists("memory", cg));
	/* Memory: the container plus its helper, stated apart. */
	OK(ops->sample(inst, &mem, err));
	ck_assert(mem.known & VCL_MEM_HELPER);
	ck_assert(mem.known & VCL_MEM_CGROUP);
	ck_assert_uint_gt(mem.helper_pss_kib, 0);
	ck_assert_uint_gt(mem.pss_kib, mem.helper_pss_kib);
	printf("%s: PSS %llu KiB of which helper %llu KiB, cgroup %llu KiB\n", name,
	       (unsigned long long)mem.pss_kib, (unsigned long long)mem.helper_pss_kib,
	       (unsigned long long)mem.cgroup_kib);

	OK(ops->destroy(inst, err));
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_msg(!cgroup_exists("memory", cg), "%s left cgroup %s", name, cg);
	snprintf(cmd, sizeof(cmd), "%s ps -a --format '{{.Names}}'", name);
	ck_assert_int_eq(count_run_lines(cmd), 0);
	ops->cleanup(run, &spec);
	nothing_left(name);
}

START_TEST(test_podman_peer)
{
	if (!usable(vcl_backend_find(vcl_backends, "podman"), "test_podman_peer"))
		return;
	one_peer("podman");
}
END_TEST

START_TEST(test_docker_peer)
{
	/* READY does not come through docker: no fd is handed on, and the
	 * ready phase is the port accepting. */
	if (!usable(vcl_backend_find(vcl_backends, "docker"), "test_docker_peer"))
		return;
	one_peer("docker");
}
END_TEST

/* A run that dies with a container up: the ledger's engine record removes
 * the container and the image (vclab gc does the same from a dead run's
 * ledger). */
START_TEST(test_podman_crashed_run)
{
	void *run = NULL;
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, "podman");
	struct vcl_spec spec = integ_spec(payload, 4);
	struct vcl_instance *inst = NULL;
	struct vcl_error *e = NULL;

	if (!usable(ops, "test_podman_crashed_run"))
		return;
	OK(ops->prepare(&spec, &run, err));
	OK(ops->launch(run, &spec, &inst, err));
	OK(vcl_probe_wait(inst, 10000, err));
	ck_assert_int_eq(count_run_lines("podman ps -a --format '{{.Names}}'"), 1);
	/* Dry run: says what it would remove, removes nothing. */
	OK(vcl_engine_undo("podman", integ_run_id, true, true, err));
	ck_assert_int_eq(count_run_lines("podman ps -a --format '{{.Names}}'"), 1);
	OK(vcl_engine_undo("podman", integ_run_id, false, true, err));
	ck_assert_int_eq(count_run_lines("podman ps -a --format '{{.Names}}'"), 0);
	ck_assert_int_eq(count_run_lines("podman images --format '{{.Repository}}:{{.Tag}}'"), 0);
	/* The instance's own destroy now finds nothing to remove by id. */
	if (ops->destroy(inst, &e) < 0)
		vcl_error_free(e);
	ops->cleanup(run, &spec);
	nothing_left("podman");
}
END_TEST

/* services.bbhttpd.peers.<engine>: figures, its helper, the image loaded. */
static void engine_figures(struct json_object *r, const char *engine, const char *helper)
{
	char path[160];
	struct json_object *b;
	double p50, create;

	snprintf(path, sizeof(path), "services.bbhttpd.peers.%s", engine);
	b = at(r, path);
	ck_assert_msg(b != NULL, "%s missing", path);
	ck_assert_msg(at(b, "skipped") == NULL, "%s skipped: %s", engine,
		      json_object_get_string(at(b, "reason")));
	ck_assert_int_eq(json_object_get_int(at(b, "startup_ms.n")), 3);
	p50 = json_object_get_double(at(b, "startup_ms.p50"));
	create = json_object_get_double(at(b, "phases_ms.create.p50"));
	ck_assert(create > 0 && p50 >= create);
	ck_assert(json_object_get_double(at(b, "phases_ms.first_200.p50")) == p50);
	/* The container is busybox httpd (~1.5 MiB PSS) plus the helper. */
	ck_assert(json_object_get_double(at(b, "memory.helpers_pss_kib")) > 100);
	ck_assert(json_object_get_double(at(b, "memory.pss_kib")) >
		  json_object_get_double(at(b, "memory.helpers_pss_kib")) + 200);
	ck_assert_ptr_nonnull(strstr(json_object_get_string(at(b, "memory.covers")), helper));
	ck_assert_ptr_nonnull(
	    strstr(json_object_get_string(at(b, "engine.image_source")), "docker-archive"));
	ck_assert_ptr_nonnull(strstr(json_object_get_string(at(b, "engine.image")), ":svc"));
	printf("%s with --image: p50 %.1f ms (create %.1f), PSS %.0f KiB of which %s %.0f\n",
	       engine, p50, create, json_object_get_double(at(b, "memory.pss_kib")), helper,
	       json_object_get_double(at(b, "memory.helpers_pss_kib")));
}

/* The done-when of issue 20 with an image: `vclab bench --backends ctr
 * --peer runc,ENGINES --image ...` measures the engines beside ctr and
 * runc on the same image, and leaves nothing in their storage. */
static void image_bench(const char *peers, bool docker)
{
	struct json_object *r;
	const char *rid;
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image oci:" IMG
		 ":latest --name bbhttpd --ready http:/ --backends ctr --peer %s "
		 "--scenarios startup,memory --runs 3 --warmup 1 --no-report -q --out " OUT
		 " >/dev/null",
		 peers);
	ck_assert_int_eq(run(cmd), 0);
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	rid = json_object_get_string(at(r, "run_id"));
	ck_assert_ptr_nonnull(rid);
	ck_assert_ptr_nonnull(at(r, "services.bbhttpd.backends.ctr.startup_ms.p50"));
	ck_assert_ptr_nonnull(at(r, "services.bbhttpd.peers.runc.startup_ms.p50"));
	engine_figures(r, "podman", "conmon");
	if (docker) {
		engine_figures(r, "docker", "containerd-shim");
		ck_assert(json_object_get_double(
			      at(r, "services.bbhttpd.peers.docker.memory.daemons.dockerd_pss_kib_"
				    "during")) > 1000);
	}
	/* Nothing of the run in the engines' storage, process list, cgroups. */
	ck_assert_int_eq(count_lines_of("podman ps -a --format '{{.Names}}'", rid), 0);
	ck_assert_int_eq(count_lines_of("podman images --format '{{.Repository}}:{{.Tag}}'", rid),
			 0);
	if (docker) {
		ck_assert_int_eq(count_lines_of("docker ps -a --format '{{.Names}}'", rid), 0);
		ck_assert_int_eq(
		    count_lines_of("docker images --format '{{.Repository}}:{{.Tag}}'", rid), 0);
	}
	ck_assert_int_eq(integ_processes_of(rid), 0);
	snprintf(cmd, sizeof(cmd),
		 "test ! -e /run/vclab/%s && ! find /sys/fs/cgroup -maxdepth 4 -path "
		 "'*vclab/%s*' | grep -q .",
		 rid, rid);
	ck_assert_int_eq(run(cmd), 0);
	json_object_put(r);
}

START_TEST(test_podman_image)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, "podman");

	if (!usable(ops, "test_podman_image"))
		return;
	ck_assert(ops->runs_services);
	image_bench("runc,podman", false);
}
END_TEST

START_TEST(test_docker_image)
{
	const struct vcl_backend_ops *ops = vcl_backend_find(vcl_backends, "docker");

	if (!usable(ops, "test_docker_image") ||
	    !usable(vcl_backend_find(vcl_backends, "podman"), "test_docker_image"))
		return;
	ck_assert(ops->runs_services);
	image_bench("runc,podman,docker", true);
}
END_TEST

static Suite *suite(void)
{
	const TTest *const tests[] = {test_podman_peer, test_docker_peer, test_podman_crashed_run};
	const TTest *const image[] = {test_podman_image, test_docker_image};
	TCase *tc;
	Suite *s = suite_of("engine", 120, tests, ARRAY_SIZE(tests), &tc);

	tcase_add_checked_fixture(tc, setup, integ_ledger_close);
	/* The user's image: whole bench runs, outside the ledger fixture. */
	tcase_of(s, "image", 300, image, ARRAY_SIZE(image));
	return s;
}

int main(void)
{
	static const char *const progs[] = {"/usr/bin/skopeo", "/usr/bin/umoci", "/bin/busybox",
					    NULL};
	int ret;

	ret = integ_payload_main("test_engine", "needs root (podman and docker rootful)", &payload);
	if (ret != 0)
		return ret;
	if (integ_missing(progs) != NULL ||
	    run("rm -rf " IMG_DIR " && mkdir -p " IMG_DIR " && tests/image/build-busybox.sh " IMG
		" >/dev/null") != 0) {
		printf("test_engine: cannot build the busybox image (skopeo, umoci, "
		       "busybox-static: scripts/install-deps.sh)\n");
		free(payload);
		return 1;
	}
	ret = run_suite(suite());
	run("rm -rf " IMG_DIR);
	free(payload);
	return ret;
}

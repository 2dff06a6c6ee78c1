/* SPDX-License-Identifier: MIT */
/* The compatibility suite (root, libvirtd): images built offline from
 * Debian packages with their packaged configuration
 * (tests/image/build-debsvc.sh), run the way Kubernetes with containerd
 * runs them (--security cri, the default), each in bare, ctr, runc and vm:
 *   web         nginx's packaged default config: starts as root, listens on
 *               80 and [::]:80, chowns its temp folders, workers as www-data
 *   web-stderr  the same, its logs linked to /dev/stdout and /dev/stderr
 *   tcp         redis-server as nobody, its log reopened on /dev/stderr
 *   pyapp       a python3 WSGI app on [::]:8000 as nobody
 *   pod         (manifest only) pyapp and a python3 sidecar that is ready
 *               once it reaches the app on 127.0.0.1, after an init
 *               container that sleeps 0.5 s: one sandbox, one guest
 * Every service must start and be sampled in every placement, nothing may
 * be written into the image cache, and nothing may be left. About 3 min
 * on the 2-core CI host (the VMs run under TCG). */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "integ_util.h"
#include "keep_results.h"
#include "tests/suite_main.h"

#define TOP   "/tmp/vclab-test-compat"
#define IMG   TOP "/oci"
#define CACHE TOP "/cache"
#define OUT   TOP "/out"
#define SVCS  TOP "/services.yaml"

/* The programs this suite runs (its image's build and its tests). */
static const char *const needs[] = {"/usr/bin/umoci",	     "/usr/sbin/nginx",
				    "/usr/bin/redis-server", "/usr/bin/python3.11",
				    "/sbin/mke2fs",	     NULL};
/* The placements of pls[] that run a pod (bare, ctr, runc, vm). */
#define POD_PLACEMENTS 4

static const char services_yaml[] = "services:\n"
				    "  - name: web\n"
				    "    image: oci:" IMG ":web\n"
				    "    ready: http:/=200\n"
				    "  - name: web-stderr\n"
				    "    image: oci:" IMG ":web-stderr\n"
				    "    ready: http:/=200\n"
				    "  - name: tcp\n"
				    "    image: oci:" IMG ":tcp\n"
				    "    ready: tcp:PING=+PONG\n"
				    "  - name: pyapp\n"
				    "    image: oci:" IMG ":pyapp\n"
				    "    ready: http:/health=200\n";

START_TEST(test_compat_images)
{
	static const char *const svcs[] = {"web", "web-stderr", "tcp", "pyapp"};
	static const char *const pls[][2] = {
	    {"backends", "bare"}, {"backends", "ctr"}, {"peers", "runc"}, {"backends", "vm"}};
	struct json_object *r;
	FILE *f = fopen(SVCS, "w");

	ck_assert_ptr_nonnull(f);
	fputs(services_yaml, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --services " SVCS
			  " --backends bare,ctr,vm --peers runc --scenarios startup,memory "
			  "--runs 2 --warmup 0 --vm-runs 1 --vm-warmup 0 --mem-instances 1 -q "
			  "--out " OUT " >" TOP "/bench.log 2>&1") == 0,
		      "vclab bench failed: see " TOP "/bench.log");
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(json_object_array_length(at(r, "errors")) == 0, "errors: %s",
		      json_object_to_json_string(at(r, "errors")));
	ck_assert_str_eq(json_object_get_string(at(r, "config.security")), "cri");
	for (size_t s = 0; s < sizeof(svcs) / sizeof(svcs[0]); s++)
		for (size_t p = 0; p < sizeof(pls) / sizeof(pls[0]); p++) {
			ck_assert(
			    integ_svc_num(r, svcs[s], pls[p][0], pls[p][1], "startup_ms.p50") > 0);
			ck_assert(
			    integ_svc_num(r, svcs[s], pls[p][0], pls[p][1], "memory.pss_kib") > 0);
		}
	/* nginx's master and its workers, found in every process placement. */
	for (size_t p = 0; p < 3; p++)
		ck_assert_msg(integ_svc_num(r, "web", pls[p][0], pls[p][1], "memory.processes") >=
				  2,
			      "web in %s: fewer than master + 1 worker", pls[p][1]);
	/* What the services write stayed in their own layers: nginx's pid
	 * file and the temp folder it creates and chowns at start. */
	ck_assert_int_eq(run("! ls -d " CACHE "/unpacked/*/rootfs/run/nginx.pid " CACHE
			     "/unpacked/*/rootfs/var/lib/nginx/body 2>/dev/null | grep -q ."),
			 0);
	keep_results(OUT "/results.json", "compat");
	/* Nothing left: the run's folder, cgroups, mounts, processes. */
	ck_assert_int_eq(run("! grep -q " CACHE " /proc/mounts && ! ls -l /proc/[0-9]*/root "
			     "2>/dev/null | grep -q " CACHE),
			 0);
	json_object_put(r);
}
END_TEST

/* The same images as Kubernetes workloads (tests/data/compat/app.yaml),
 * with securityContexts: runAsNonRoot and every capability dropped for the
 * cache, two dropped for web-stderr; and site: nginx reading its server
 * from a configMap, a file of a Secret, and serving a configMap of mode
 * 0640 that only fsGroup makes readable to its workers, its temp folders
 * an emptyDir (without fsGroup it never answers: 403). */
START_TEST(test_compat_manifest)
{
	static const char *const wls[] = {"compat/Deployment/web", "compat/Deployment/web-stderr",
					  "compat/StatefulSet/cache", "compat/Deployment/app",
					  "compat/Deployment/site"};
	static const char *const pls[][2] = {
	    {"backends", "bare"}, {"backends", "ctr"}, {"peers", "runc"}, {"backends", "vm"}};
	struct json_object *r;

	ck_assert_msg(
	    run("rm -rf " OUT " && VCLAB_CACHE=" CACHE
		" bin/vclab bench --manifest tests/data/compat/app.yaml"
		" --image-map compat.example/web:deb=oci:" IMG ":web"
		" --image-map compat.example/web-stderr:deb=oci:" IMG ":web-stderr"
		" --image-map compat.example/tcp:deb=oci:" IMG ":tcp"
		" --image-map compat.example/pyapp:deb=oci:" IMG ":pyapp"
		" --backends bare,ctr,vm --peers runc --scenarios startup --runs 1 --warmup 0"
		" --vm-runs 1 --vm-warmup 0 -q --out " OUT " >" TOP "/manifest.log 2>&1") == 0,
	    "vclab bench --manifest failed: see " TOP "/manifest.log");
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(json_object_array_length(at(r, "errors")) == 0, "errors: %s",
		      json_object_to_json_string(at(r, "errors")));
	for (size_t w = 0; w < sizeof(wls) / sizeof(wls[0]); w++)
		for (size_t p = 0; p < sizeof(pls) / sizeof(pls[0]); p++)
			ck_assert(integ_svc_num(r, wls[w], pls[p][0], pls[p][1], "startup_ms.p50") >
				  0);
	/* The pod: ready means its sidecar reached the app over 127.0.0.1;
	 * its init container's 0.5 s sleep is in startup, in every placement
	 * that runs pods. */
	ck_assert_int_eq(json_object_get_int(at(r, "services.compat/Deployment/pod.manifest."
						   "n_containers")),
			 2);
	ck_assert_int_eq(json_object_get_int(at(r, "services.compat/Deployment/pod.manifest."
						   "n_init_containers")),
			 1);
	for (size_t p = 0; p < POD_PLACEMENTS; p++)
		ck_assert_msg(integ_svc_num(r, "compat/Deployment/pod", pls[p][0], pls[p][1],
					    "startup_ms.p50") >= 500,
			      "pod in %s: startup below the init container's 500 ms", pls[p][1]);
	ck_assert_int_eq(
	    json_object_array_length(at(r, "services.compat/Deployment/site.manifest.volumes")), 4);
	/* probe: its exec probe ran inside the instance in bare, ctr and
	 * runc; vm says why it cannot, naming the guest init's function (no
	 * line number: it would go stale). */
	for (size_t p = 0; p < 3; p++)
		ck_assert(integ_svc_num(r, "compat/Deployment/probe", pls[p][0], pls[p][1],
					"startup_ms.p50") > 0);
	ck_assert_ptr_nonnull(strstr(
	    json_object_get_string(at(r, "services.compat/Deployment/probe.backends.vm.reason")),
	    "run_service in payload/init.c)"));
	ck_assert_str_eq(
	    json_object_get_string(at(r, "services.compat/Deployment/no-probe-binary.reason")),
	    "tests/data/compat/app.yaml:185: exec probe: pg_isready is not in the "
	    "image oci:" IMG ":pyapp (its PATH searched inside it)");
	json_object_put(r);
}
END_TEST

/* The pod's memory is every container's (the app and its sidecar, two
 * interpreters; ctr's sandbox holder too), and an init container that
 * fails fails the launch with its name, in every process placement. */
START_TEST(test_compat_pod)
{
	static const char *const pls[][2] = {
	    {"backends", "bare"}, {"backends", "ctr"}, {"peers", "runc"}};
	struct json_object *r, *errs;
	int named = 0;

	ck_assert_msg(
	    run("rm -rf " OUT " && sed -n '/^# A pod of two/,$p' tests/data/compat/app.yaml >" TOP
		"/pod.yaml && VCLAB_CACHE=" CACHE " bin/vclab bench --manifest " TOP "/pod.yaml"
		" --manifest tests/data/compat/pod-init-fails.yaml"
		" --image-map compat.example/pyapp:deb=oci:" IMG ":pyapp"
		" --backends bare,ctr --peers runc --scenarios memory --mem-instances 1 -q"
		" --out " OUT " >" TOP "/pod.log 2>&1") == 0,
	    "vclab bench (pods) failed: see " TOP "/pod.log");
	r = json_object_from_file(OUT "/results.json");
	ck_assert_ptr_nonnull(r);
	for (size_t p = 0; p < sizeof(pls) / sizeof(pls[0]); p++)
		ck_assert_msg(integ_svc_num(r, "compat/Deployment/pod", pls[p][0], pls[p][1],
					    "memory.processes") >= (p == 1 ? 3 : 2),
			      "pod in %s: not every container's processes", pls[p][1]);
	errs = at(r, "errors");
	for (size_t i = 0; i < json_object_array_length(errs); i++) {
		const char *m =
		    json_object_get_string(at(json_object_array_get_idx(errs, i), "message"));

		ck_assert_msg(strstr(m, "nit container migrate") != NULL, "error: %s", m);
		named++;
	}
	ck_assert_int_ge(named, 3);
	json_object_put(r);
	ck_assert_int_eq(run("! grep -q " CACHE " /proc/mounts"), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_compat_images, test_compat_manifest, test_compat_pod};

	if (access("build/guest/vmlinux", R_OK) != 0)
		return skip_suite("compat", "no guest kernel (make guest)");
	return integ_main_with_image("compat", 900, tests, ARRAY_SIZE(tests), needs, TOP,
				     INTEG_DEBSVC_SH);
}

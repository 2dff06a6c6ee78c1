/* SPDX-License-Identifier: MIT */
/* Real services end to end (root), from one --services file: nginx (a
 * master and two workers), redis-server (ready by PING -> +PONG) and
 * python3 -m http.server (a ~50 MB interpreter rootfs), in images built
 * offline by tests/image/build-debsvc.sh from the host's Debian packages,
 * plus the same nginx as a docker-archive and the built-in payload, each
 * measured in bare, ctr and runc. Then bad input: one line, exit 2 (or an
 * error per placement), nothing left. About 60 s on the 2-core CI host. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "keep_results.h"
#include "integ_util.h"
#include "tests/suite_main.h"

#define TOP   "/tmp/vclab-test-services"
#define IMG   TOP "/oci"
#define CACHE TOP "/cache"
#define OUT   TOP "/out"
#define SVCS  TOP "/services.yaml"

/* The programs this suite runs (its image's build and its tests). */
static const char *const needs[] = {"/usr/bin/skopeo",	   "/usr/bin/umoci",
				    "/usr/sbin/nginx",	   "/usr/bin/redis-server",
				    "/usr/bin/python3.11", NULL};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static struct json_object *results(void)
{
	struct json_object *r = json_object_from_file(OUT "/results.json");

	ck_assert_ptr_nonnull(r);
	return r;
}

static const char services_yaml[] = "services:\n"
				    "  - name: nginx\n"
				    "    image: oci:" IMG ":nginx\n"
				    "    ready: http:/index.html=200\n"
				    "  - name: nginx-archive\n"
				    "    image: docker-archive:" TOP "/nginx.tar\n"
				    "    ready: {http: /index.html, status: 200}\n"
				    "  - name: redis\n"
				    "    image: oci:" IMG ":redis\n"
				    "    ready: tcp:PING=+PONG\n"
				    "    limits: {memory: 256Mi, pids: 64}\n"
				    "  - name: pyhttp\n"
				    "    image: oci:" IMG ":python\n"
				    "    ready: http:/\n"
				    "  - name: vclab-payload\n";

/* Startup, phases and memory of one service in one placement. */
static void check_service(struct json_object *r, const char *svc, const char *group, const char *pl,
			  double min_pss_kib, int min_procs)
{
	double ready = integ_svc_num(r, svc, group, pl, "phases_ms.ready.p50");
	double first = integ_svc_num(r, svc, group, pl, "phases_ms.first_200.p50");
	double pss = integ_svc_num(r, svc, group, pl, "memory.pss_kib");
	double procs = integ_svc_num(r, svc, group, pl, "memory.processes");

	ck_assert_int_eq((int)integ_svc_num(r, svc, group, pl, "startup_ms.n"), 3);
	ck_assert(integ_svc_num(r, svc, group, pl, "startup_ms.p50") > 0);
	ck_assert(ready > 0 && first >= ready);
	ck_assert_msg(pss > min_pss_kib, "%s/%s PSS %.0f KiB", svc, pl, pss);
	ck_assert_msg(procs >= min_procs, "%s/%s: %.0f processes", svc, pl, procs);
}

START_TEST(test_real_services)
{
	struct json_object *r;
	const char *const pls[][2] = {{"backends", "bare"}, {"backends", "ctr"}, {"peers", "runc"}};
	double a, b;

	ck_assert_int_eq(run("rm -f " TOP "/nginx.tar && skopeo --insecure-policy copy -q oci:" IMG
			     ":nginx docker-archive:" TOP "/nginx.tar"),
			 0);
	write_file(SVCS, services_yaml);
	ck_assert_int_eq(run("rm -rf " OUT " && VCLAB_CACHE=" CACHE
			     " bin/vclab bench --services " SVCS
			     " --backends bare,ctr --peers runc --scenarios startup,memory "
			     "--runs 3 --warmup 1 -q --out " OUT " >" TOP "/bench.log 2>&1"),
			 0);
	r = results();
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	for (size_t i = 0; i < 3; i++) {
		/* nginx: master + 2 workers, all counted (bare: its process
		 * tree or cgroup; ctr and runc: the cgroup). */
		check_service(r, "nginx", pls[i][0], pls[i][1], 2048, 3);
		check_service(r, "nginx-archive", pls[i][0], pls[i][1], 2048, 3);
		check_service(r, "redis", pls[i][0], pls[i][1], 2048, 1);
		/* The interpreter and the modules http.server imports. */
		check_service(r, "pyhttp", pls[i][0], pls[i][1], 8192, 1);
	}
	/* The docker-archive measures the same service as the OCI layout:
	 * another manifest digest, the same entrypoint, port and rootfs, so
	 * PSS within a few percent. */
	ck_assert_str_ne(json_object_get_string(at(r, "services.nginx.image.digest")),
			 json_object_get_string(at(r, "services.nginx-archive.image.digest")));
	ck_assert_str_eq(
	    json_object_to_json_string(at(r, "services.nginx.image.entrypoint")),
	    json_object_to_json_string(at(r, "services.nginx-archive.image.entrypoint")));
	ck_assert_int_eq(json_object_get_int(at(r, "services.nginx-archive.image.port")), 8080);
	ck_assert_int_eq(json_object_get_int(at(r, "services.redis.image.port")), 6379);
	a = integ_svc_num(r, "nginx", "backends", "bare", "memory.pss_kib");
	b = integ_svc_num(r, "nginx-archive", "backends", "bare", "memory.pss_kib");
	ck_assert_msg(b > a * 0.8 && b < a * 1.25, "nginx PSS %.0f vs archive %.0f KiB", a, b);
	/* python's rootfs is the large one. */
	ck_assert(json_object_get_int64(at(r, "services.pyhttp.image.size")) >
		  5 * json_object_get_int64(at(r, "services.nginx.image.size")));
	/* The payload keeps the top level, not services.vclab-payload. */
	ck_assert_int_eq(json_object_get_int(at(r, "backends.bare.startup_ms.n")), 3);
	ck_assert_ptr_null(at(r, "services.vclab-payload"));
	ck_assert_int_eq(json_object_array_length(at(r, "config.services")), 5);
	/* The report: the table across services and a section each. */
	ck_assert_int_eq(run("grep -q '^## Services' " OUT "/report.md && grep -q "
			     "'^| \\[redis\\](#service-redis) | [0-9]' " OUT "/report.md && "
			     "grep -q '^### Service pyhttp' " OUT "/report.md && grep -q "
			     "'id=\"service-nginx-archive\"' " OUT "/report.html"),
			 0);
	keep_results(OUT "/results.json", "services-real");
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

/* `bench --manifest` (issue 26): four workloads of one app, their images
 * named as a cluster names them and read through --image-map, each
 * measured in bare, ctr and runc under services.<ns>/<kind>/<name>; one
 * workload skipped with its FILE:LINE; advise cites each one's own numbers
 * and no payload's. */
static const char app_yaml[] =
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata: {name: cfg, namespace: shop}\n"
    "data: {PORT: \"8000\"}\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata: {name: web, namespace: shop}\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: nginx\n"
    "        image: registry.example/nginx:1.22\n"
    "        ports: [{name: http, containerPort: 8080}]\n"
    "        readinessProbe: {httpGet: {path: /index.html, port: http}}\n"
    "        resources: {limits: {memory: 128Mi}}\n"
    "---\n"
    "apiVersion: apps/v1\n"
    "kind: StatefulSet\n"
    "metadata: {name: cache, namespace: shop}\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: redis\n"
    "        image: redis:7\n"
    "        ports: [{containerPort: 6379}]\n"
    "        readinessProbe: {tcpSocket: {port: 6379}}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: List\n"
    "items:\n"
    "- apiVersion: apps/v1\n"
    "  kind: Deployment\n"
    "  metadata: {name: api, namespace: shop}\n"
    "  spec:\n"
    "    template:\n"
    "      spec:\n"
    "        containers:\n"
    "        - name: py\n"
    "          image: registry.example/python:3.11\n"
    "          command: [/usr/bin/python3.11]\n"
    "          args: [-m, http.server, \"$(PORT)\"]\n"
    "          envFrom: [{configMapRef: {name: cfg}}]\n"
    "          ports: [{containerPort: 8000}]\n"
    "          startupProbe: {httpGet: {path: /, port: 8000}}\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: edge, namespace: shop}\n"
    "  spec:\n"
    "    securityContext: {runAsUser: 65534, runAsGroup: 65534}\n"
    "    containers:\n"
    "    - {name: nginx, image: registry.example/nginx:1.22, ports: [{containerPort: 8080}]}\n";
static const char logs_yaml[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata: {name: logs, namespace: shop}\n"
    "spec:\n"
    "  containers: [{name: x, image: redis:7, ports: [{containerPort: 6379}]}]\n"
    "  volumes: [{name: host, hostPath: {path: /var/log}}]\n";

START_TEST(test_manifest_app)
{
	static const char *const wl[] = {"shop/Deployment/web", "shop/StatefulSet/cache",
					 "shop/Deployment/api", "shop/Pod/edge"};
	const char *const pls[][2] = {{"backends", "bare"}, {"backends", "ctr"}, {"peers", "runc"}};
	struct json_object *r;
	char path[256];

	write_file(TOP "/app.yaml", app_yaml);
	write_file(TOP "/logs.yaml", logs_yaml);
	write_file(TOP "/images.map", "registry.example/nginx:1.22=oci:" IMG ":nginx\n"
				      "redis:7=oci:" IMG ":redis\n");
	ck_assert_int_eq(
	    run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --manifest " TOP
		"/app.yaml --manifest " TOP "/logs.yaml --image-map " TOP
		"/images.map --image-map registry.example/python:3.11=oci:" IMG
		":python --backends bare,ctr --peers runc --scenarios startup,memory "
		"--runs 3 --warmup 1 -q --no-report --out " OUT " >" TOP "/manifest.log 2>&1"),
	    0);
	r = results();
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	for (size_t w = 0; w < 4; w++) {
		for (size_t i = 0; i < 3; i++)
			check_service(r, wl[w], pls[i][0], pls[i][1], 1024, 1);
		snprintf(path, sizeof(path), "services.%s.image.digest", wl[w]);
		ck_assert_int_eq(strncmp(json_object_get_string(at(r, path)), "sha256:", 7), 0);
		snprintf(path, sizeof(path), "services.%s.manifest.at", wl[w]);
		ck_assert_int_eq(strncmp(json_object_get_string(at(r, path)),
					 TOP "/app.yaml:", strlen(TOP "/app.yaml:")),
				 0);
	}
	ck_assert_str_eq(json_object_get_string(at(r, "services.shop/Pod/logs.reason")),
			 TOP "/logs.yaml:6: volume host is a hostPath: node or cluster storage a "
			     "placement here cannot reproduce");
	ck_assert_int_eq(
	    run("grep -q 'skipped shop/Pod/logs: " TOP "/logs.yaml:6: ' " TOP "/manifest.log"), 0);
	/* The advisor: each workload on its own numbers, none on the payload's. */
	ck_assert_int_eq(run("bin/vclab advise --json --results " OUT "/results.json " TOP
			     "/app.yaml >" TOP "/advise.json 2>" TOP "/advise.err"),
			 0);
	for (size_t w = 0; w < 4; w++) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "grep -q 'measured service %s, its own workload (read at " TOP
			 "/app.yaml:' " TOP "/advise.json",
			 wl[w]);
		ck_assert_msg(run(cmd) == 0, "advise does not cite %s's own numbers", wl[w]);
	}
	ck_assert_int_ne(run("grep -q \"built-in payload's\" " TOP "/advise.json"), 0);
	keep_results(OUT "/results.json", "services-manifest");
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

START_TEST(test_bad_input)
{
	/* The checks test_image.c does not make: another architecture, and
	 * every mistake of a services file. */
	integ_bad(CACHE, OUT, "--image oci:" IMG ":badarch", "is for arm64, this host is amd64");
	write_file(SVCS, "services:\n  - name: web\n    image: oci:" IMG ":nginx\n"
			 "    ready: udp\n");
	integ_bad(CACHE, OUT, "--services " SVCS,
		  SVCS ":4:12: ready: "); /* (no ' in these: shell-quoted) */
	write_file(SVCS, "services:\n  - name: web\n    image: oci:" IMG ":nginx\n"
			 "    limts: {memory: 1Gi}\n");
	integ_bad(CACHE, OUT, "--services " SVCS, SVCS ":4:5: unknown key");
	write_file(SVCS, "services:\n  - name: ok\n    image: oci:" IMG ":redis\n"
			 "  - name: gone\n    image: oci:" TOP "/nonexistent:latest\n");
	integ_bad(CACHE, OUT, "--services " SVCS, SVCS ":4: service gone: Cannot read image");
	write_file(SVCS, "services:\n  - name: arm\n    image: oci:" IMG ":badarch\n");
	integ_bad(CACHE, OUT, "--services " SVCS,
		  "service arm: Image oci:" IMG ":badarch is for arm64");
	integ_bad(CACHE, OUT, "--services " TOP "/nonexistent.yaml",
		  "--services " TOP "/nonexistent.yaml");
	integ_bad(CACHE, OUT, "--services " SVCS " --image oci:" IMG ":nginx",
		  "--services lists the services");
	integ_bad(CACHE, OUT, "--services " SVCS " --port 80",
		  "per service in the --services file");
}
END_TEST

/* A port the service never opens (nginx listening on 8081, exposing
 * 8080) and a service that exits at once (redis given a bad option): an
 * error per placement with the exit status or the timeout and the last
 * lines of its output; the run fails; nothing is left. */
START_TEST(test_never_ready)
{
	struct json_object *r, *errs;
	bool timeout_bare = false, timeout_ctr = false, died_bare = false, died_ctr = false;
	int rc;

	write_file(SVCS, "services:\n"
			 "  - name: silent\n"
			 "    image: oci:" IMG ":silent\n"
			 "  - name: broken\n"
			 "    image: oci:" IMG ":redis\n"
			 "    command: [--port, notaport]\n"
			 "    ready: tcp:PING=+PONG\n");
	rc = run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --services " SVCS
		 " --timeout-ms 1500 --backends bare,ctr --peers none --scenarios startup "
		 "--runs 1 --warmup 0 -q --no-report --out " OUT " >/dev/null 2>&1");
	ck_assert_int_ne(rc, 0);
	r = results();
	errs = at(r, "errors");
	for (size_t i = 0; i < json_object_array_length(errs); i++) {
		struct json_object *e = json_object_array_get_idx(errs, i);
		const char *m = json_object_get_string(at(e, "message"));
		const char *svc = json_object_get_string(at(e, "service"));
		const char *pl = json_object_get_string(at(e, "backend"));
		bool is_bare = strcmp(pl, "bare") == 0;

		ck_assert_ptr_nonnull(svc);
		if (strcmp(svc, "silent") == 0) {
			ck_assert_msg(strstr(m, "port 8080 never accepted a connection") != NULL &&
					  strstr(m, "start worker process") != NULL,
				      "%s", m);
			*(is_bare ? &timeout_bare : &timeout_ctr) = true;
		} else {
			ck_assert_str_eq(svc, "broken");
			ck_assert_msg(strstr(m, "exited with status 1") != NULL &&
					  strstr(m, "notaport") != NULL,
				      "%s", m);
			*(is_bare ? &died_bare : &died_ctr) = true;
		}
	}
	ck_assert(timeout_bare && timeout_ctr && died_bare && died_ctr);
	ck_assert_ptr_null(at(r, "services.silent.backends.bare.startup_ms"));
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_real_services, test_manifest_app, test_bad_input,
				      test_never_ready};

	return integ_main_with_image("services", 300, tests, ARRAY_SIZE(tests), needs, TOP,
				     INTEG_DEBSVC_SH);
}

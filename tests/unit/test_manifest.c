/* SPDX-License-Identifier: MIT */
/* Kubernetes manifests as services for `vclab bench --manifest`
 * (bench/manifest.c) and --image-map, on literal YAML: what each field
 * gives, which workloads are skipped and why, and one FILE:LINE:COL line
 * per mistake. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/manifest.h"
#include "core/probe.h"
#include "tests/suite_main.h"

static const char app[] =
    "apiVersion: v1\n"						 /* 1 */
    "kind: ConfigMap\n"						 /* 2 */
    "metadata: {name: web-config, namespace: shop}\n"		 /* 3 */
    "data: {GREETING: hello, MODE: fast}\n"			 /* 4 */
    "---\n"							 /* 5 */
    "apiVersion: v1\n"						 /* 6 */
    "kind: Secret\n"						 /* 7 */
    "metadata: {name: web-secret, namespace: shop}\n"		 /* 8 */
    "data: {TOKEN: czNjcjN0}\n"					 /* 9: s3cr3t */
    "---\n"							 /* 10 */
    "apiVersion: apps/v1\n"					 /* 11 */
    "kind: Deployment\n"					 /* 12 */
    "metadata: {name: web, namespace: shop}\n"			 /* 13 */
    "spec:\n"							 /* 14 */
    "  replicas: 3\n"						 /* 15 */
    "  template:\n"						 /* 16 */
    "    spec:\n"						 /* 17 */
    "      securityContext: {runAsUser: 101, runAsGroup: 102}\n" /* 18 */
    "      containers:\n"					 /* 19 */
    "      - name: web\n"					 /* 20 */
    "        image: nginx:1.25\n"				 /* 21 */
    "        command: [/usr/sbin/nginx]\n"			 /* 22 */
    "        args: [-g, \"daemon off;\", -c, $(CONF)]\n"	 /* 23 */
    "        ports: [{name: http, containerPort: 8080}]\n"	 /* 24 */
    "        env:\n"						 /* 25 */
    "        - {name: CONF, value: /etc/nginx/$(MODE).conf}\n"	 /* 26 */
    "        - name: TOKEN\n"					 /* 27 */
    "          valueFrom: {secretKeyRef: {name: web-secret, key: TOKEN}}\n"
    "        - name: POD\n"
    "          valueFrom: {fieldRef: {fieldPath: metadata.name}}\n"
    "        envFrom: [{configMapRef: {name: web-config}}]\n"
    "        readinessProbe: {httpGet: {path: /healthz, port: http}}\n"
    "        livenessProbe: {tcpSocket: {port: 8080}}\n"
    "        resources:\n"
    "          requests: {memory: 64Mi, cpu: 250m}\n"
    "          limits: {memory: 128Mi}\n"
    "        securityContext:\n"
    "          readOnlyRootFilesystem: true\n"
    "          allowPrivilegeEscalation: false\n"
    "          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: List\n"
    "items:\n"
    "- apiVersion: v1\n"
    "  kind: Pod\n"
    "  metadata: {name: cache}\n"
    "  spec:\n"
    "    containers:\n"
    "    - {name: redis, image: \"oci:/srv/redis:7\", ports: [{containerPort: 6379}]}\n"
    "- {apiVersion: v1, kind: Service, metadata: {name: web}}\n";

static struct vcl_services *parse(const char *text, const struct vcl_image_maps *maps,
				  struct vcl_error **err)
{
	struct vcl_services *s = NULL;
	const char *names[] = {"app.yaml"}, *bufs[] = {text};
	size_t lens[] = {strlen(text)};

	if (vcl_manifest_parse(1, names, bufs, lens, maps, &s, err) < 0)
		return NULL;
	return s;
}

static bool env_has(char **env, const char *kv)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strcmp(env[i], kv) == 0)
			return true;
	return false;
}

START_TEST(test_workloads)
{
	struct vcl_image_maps maps = {0};
	struct vcl_error *err = NULL;
	struct vcl_services *s;
	const struct vcl_service_def *d;
	const struct vcl_container_def *k;

	ck_assert_int_eq(
	    vcl_image_maps_add(&maps, "docker.io/library/nginx:1.25=oci:/srv/nginx:1.25", &err), 0);
	s = parse(app, &maps, &err);
	ck_assert_msg(s != NULL, "%s", err != NULL ? err->msg : "?");
	ck_assert_uint_eq(s->n, 2);

	d = &s->v[0];
	ck_assert_str_eq(d->name, "shop/Deployment/web");
	ck_assert_str_eq(d->skip, "");
	ck_assert_str_eq(d->wl.file, "app.yaml");
	ck_assert_uint_eq(d->wl.line, 11);
	ck_assert_int_eq(d->wl.replicas, 3);
	ck_assert_str_eq(d->io.ref, "oci:/srv/nginx:1.25");
	ck_assert_str_eq(d->io.entrypoint[0], "/usr/sbin/nginx");
	ck_assert_ptr_null(d->io.entrypoint[1]);
	ck_assert_str_eq(d->io.cmd[1], "daemon off;");
	ck_assert_str_eq(d->io.cmd[3], "/etc/nginx/fast.conf"); /* $(CONF) of $(MODE) */
	ck_assert(env_has(d->io.env, "GREETING=hello"));
	ck_assert(env_has(d->io.env, "CONF=/etc/nginx/fast.conf"));
	ck_assert(env_has(d->io.env, "TOKEN=s3cr3t"));
	ck_assert(env_has(d->io.env, "POD=web"));
	/* readinessProbe wins over livenessProbe; the named port resolves. */
	ck_assert_ptr_eq(d->io.ready_spec, &d->ready);
	ck_assert_int_eq(d->ready.kind, VCL_READY_HTTP);
	ck_assert_str_eq(d->ready.path, "/healthz");
	ck_assert_int_eq(d->ready.status, 200);
	ck_assert_int_eq(d->ready.status_max, 399);
	ck_assert_str_eq(d->io.load, "/healthz"); /* the steady scenario's request */
	ck_assert_uint_eq(d->io.port, 8080);
	/* limits win over requests; cpu only requested. */
	ck_assert(d->mem_given);
	ck_assert_uint_eq(d->limits.mem_mib, 128);
	ck_assert(d->cpus_given);
	ck_assert(d->limits.cpus == 0.25);
	ck_assert_str_eq(d->io.user, "101:102");
	ck_assert_uint_eq(d->nctrs, 1);
	k = &d->ctrs[0];
	ck_assert_str_eq(k->image, "nginx:1.25");
	ck_assert(k->sec.read_only_root);
	ck_assert(k->sec.no_new_privs);
	ck_assert(!k->sec.privileged);
	ck_assert_uint_eq(k->sec.cap_add, 1ULL << 10); /* CAP_NET_BIND_SERVICE */
	ck_assert_uint_eq(k->sec.cap_drop, UINT64_MAX);
	ck_assert(d->sec.read_only_root); /* the main container's, for the service spec */
	ck_assert(d->sec.has_user && d->sec.run_as_user == 101);

	d = &s->v[1];
	ck_assert_str_eq(d->name, "default/Pod/cache");
	ck_assert_str_eq(d->skip, "");
	ck_assert_str_eq(d->io.ref, "oci:/srv/redis:7"); /* a transport: read as written */
	ck_assert_int_eq(d->ready.kind, VCL_READY_TCP);	 /* no probe: the port accepting */
	ck_assert_uint_eq(d->io.port, 6379);
	ck_assert(!d->mem_given);
	ck_assert_ptr_null(d->io.entrypoint);
	ck_assert_ptr_null(d->io.load); /* tcp: no request to load it with */
	vcl_services_free(s);
	vcl_image_maps_free(&maps);
}
END_TEST

/* Workloads that cannot be measured keep their place, with why and where. */
START_TEST(test_skips)
{
	static const struct {
		const char *yaml, *skip;
	} cases[] = {
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: a, image: nginx}\n",
	     "app.yaml:5: image nginx: no --image-map entry"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
	     "  - {name: a, image: \"oci:/x\"}\n  volumes:\n  - name: data\n"
	     "    hostPath: {path: /srv}\n",
	     "app.yaml:7: volume data is a hostPath"},
	    {"kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
	     "      containers:\n      - name: a\n        image: \"oci:/x\"\n"
	     "        readinessProbe:\n          exec: {command: [cat, /ready]}\n",
	     "app.yaml:10: exec probe"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n"
	     "    image: \"oci:/x\"\n    env:\n    - name: X\n"
	     "      valueFrom: {configMapKeyRef: {name: nope, key: X}}\n",
	     "app.yaml:9: configMapKeyRef nope/X is not in the manifests given"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcl_error *err = NULL;
		struct vcl_services *s = parse(cases[i].yaml, NULL, &err);

		ck_assert_msg(s != NULL, "case %zu: %s", i, err != NULL ? err->msg : "?");
		ck_assert_uint_eq(s->n, 1);
		ck_assert_msg(strncmp(s->v[0].skip, cases[i].skip, strlen(cases[i].skip)) == 0,
			      "case %zu: skip '%s', want '%s...'", i, s->v[0].skip, cases[i].skip);
		vcl_services_free(s);
	}
}
END_TEST

/* A pod of several containers is measured as one unit: the main container
 * is the first of containers[], init containers come first in ctrs[], a
 * native sidecar (restartPolicy: Always) is no init container, and the
 * counts are in the results. */
START_TEST(test_pod)
{
	static const char yaml[] = "kind: Job\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
				   "      initContainers:\n      - {name: i, image: \"oci:/x\", "
				   "command: [\"/bin/true\"]}\n"
				   "      - {name: s, image: \"oci:/z\", restartPolicy: Always}\n"
				   "      containers:\n      - {name: app, image: \"oci:/y\", "
				   "ports: [{containerPort: 80}]}\n"
				   "      - {name: side, image: \"oci:/z\"}\n";
	struct vcl_error *err = NULL;
	struct vcl_services *s = parse(yaml, NULL, &err);
	struct json_object *j;

	ck_assert_msg(s != NULL, "%s", err != NULL ? err->msg : "?");
	ck_assert_uint_eq(s->n, 1);
	ck_assert_str_eq(s->v[0].skip, "");
	ck_assert_uint_eq(s->v[0].nctrs, 4);
	ck_assert(s->v[0].ctrs[0].init && !s->v[0].ctrs[0].sidecar);
	ck_assert(s->v[0].ctrs[1].sidecar);
	ck_assert_str_eq(s->v[0].io.ref, "oci:/y");
	ck_assert_uint_eq(s->v[0].io.port, 80);
	j = vcl_manifest_json(&s->v[0]);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(j, "n_containers")), 3);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(j, "n_init_containers")), 1);
	json_object_put(j);
	vcl_services_free(s);
}
END_TEST

/* Bad input: one line, FILE:LINE:COL, VCL_E_USAGE. */
START_TEST(test_errors)
{
	static const struct {
		const char *yaml, *msg;
	} cases[] = {
	    {"kind: Pod\nmetadata: {name: a}\nspec: [x\n", "app.yaml:4:1: "},
	    {"kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n"
	     "      containers: []\n",
	     "app.yaml:6:19: Deployment 'a' has no containers"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n"
	     "    image: \"oci:/x\"\n    ports: [{containerPort: 80}]\n"
	     "    readinessProbe: {tcpSocket: {port: 81}}\n",
	     "app.yaml:8:40: probe port 81: no container of the pod declares it"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n",
	     "app.yaml:5:5: container a has no image"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n"
	     "    image: \"oci:/x\"\n    resources: {limits: {memory: lots}}\n",
	     "app.yaml:7:34: resources memory 'lots': not a Kubernetes quantity"},
	    {"kind: Service\nmetadata: {name: a}\n", "app.yaml: no workload"},
	    {"kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n"
	     "    image: \"oci:/x\"\n    command: /bin/sh\n",
	     "app.yaml:7:14: command: expected a list of strings"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcl_error *err = NULL;
		struct vcl_services *s = parse(cases[i].yaml, NULL, &err);

		ck_assert_msg(s == NULL, "case %zu accepted", i);
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_msg(strncmp(err->msg, cases[i].msg, strlen(cases[i].msg)) == 0,
			      "case %zu: '%s', want '%s...'", i, err->msg, cases[i].msg);
		ck_assert_ptr_null(strchr(err->msg, '\n'));
		vcl_error_free(err);
	}
}
END_TEST

START_TEST(test_image_maps)
{
	static const char file[] = "# mirrors\n"
				   "redis:7=docker-archive:/srv/redis.tar\n"
				   "\n"
				   "  ghcr.io/acme/api:2 = oci:/srv/api:2\n";
	struct vcl_image_maps m = {0};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_image_maps_parse(&m, "map.txt", file, strlen(file), &err), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_str_eq(vcl_image_maps_find(&m, "docker.io/library/redis:7"),
			 "docker-archive:/srv/redis.tar");
	ck_assert_str_eq(vcl_image_maps_find(&m, "ghcr.io/acme/api:2"), "oci:/srv/api:2");
	ck_assert_ptr_null(vcl_image_maps_find(&m, "redis:6"));
	ck_assert_str_eq(vcl_image_maps_find(&m, "oci:/a:b"), "oci:/a:b");
	ck_assert_int_eq(vcl_image_maps_parse(&m, "map.txt", "nonsense\n", 9, &err), -1);
	ck_assert_str_eq(err->msg, "map.txt:1: expected FROM=TO (an image reference = where to "
				   "read it, e.g. nginx:1.25=oci:/srv/nginx:1.25)");
	vcl_error_free(err);
	vcl_image_maps_free(&m);
}
END_TEST

#define DATA "tests/data/manifest"

/* tests/data/manifest/bad/: each file's first line says its one error. */
START_TEST(test_bad_files)
{
	DIR *dir = opendir(DATA "/bad");
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((e = readdir(dir)) != NULL) {
		char path[512], want[1024], line[512] = "";
		char *paths[] = {path};
		struct vcl_services *s = NULL;
		struct vcl_error *err = NULL;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), DATA "/bad/%s", e->d_name);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
		fclose(f);
		line[strcspn(line, "\n")] = '\0';
		ck_assert_msg(strncmp(line, "# error: ", 9) == 0, "%s: no '# error:' line", path);
		snprintf(want, sizeof(want), DATA "/bad/%s", line + 9);
		ck_assert_int_eq(vcl_manifest_load_files(1, paths, NULL, &s, &err), -1);
		ck_assert_ptr_null(s);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_msg(strncmp(err->msg, want, strlen(want)) == 0, "%s: '%s', want '%s'",
			      path, err->msg, want);
		ck_assert_ptr_null(strchr(err->msg, '\n'));
		vcl_error_free(err);
		n++;
	}
	closedir(dir);
	ck_assert_uint_ge(n, 7);
}
END_TEST

/* tests/data/manifest/skips.yaml: every workload skipped, each with its
 * reason at its line. */
START_TEST(test_skip_file)
{
	static const char *const want[] = {
	    "default/Pod/host-files",
	    DATA "/skips.yaml:10: volume logs is a hostPath",
	    "default/StatefulSet/db",
	    DATA "/skips.yaml:24: volume data is a persistentVolumeClaim",
	    "default/Pod/unmapped",
	    DATA "/skips.yaml:31: image quay.io/acme/app:9: no --image-map entry",
	    "default/CronJob/report",
	    DATA "/skips.yaml:47: exec probe",
	    "default/Pod/tls",
	    DATA "/skips.yaml:58: httpGet probe with scheme HTTPS",
	    "default/Pod/missing-secret",
	    DATA "/skips.yaml:70: secretKeyRef db-credentials/password is not in the manifests",
	    "default/Pod/unknown-key",
	    DATA "/skips.yaml:90: volume html: ConfigMap site has no key index.htm",
	    "default/Pod/sub-path",
	    DATA "/skips.yaml:100: volumeMounts html: subPath is not mounted by vclab yet",
	};
	char path[] = DATA "/skips.yaml";
	char *paths[] = {path};
	struct vcl_image_maps maps = {0};
	struct vcl_services *s = NULL;
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_image_maps_add(&maps, "busybox:1.36=oci:/nonexistent:latest", &err),
			 0);
	ck_assert_msg(vcl_manifest_load_files(1, paths, &maps, &s, &err) == 0, "%s",
		      err != NULL ? err->msg : "?");
	ck_assert_uint_eq(s->n, sizeof(want) / sizeof(want[0]) / 2);
	for (size_t i = 0; i < s->n; i++) {
		ck_assert_str_eq(s->v[i].name, want[2 * i]);
		ck_assert_msg(strncmp(s->v[i].skip, want[2 * i + 1], strlen(want[2 * i + 1])) == 0,
			      "%s: '%s', want '%s...'", s->v[i].name, s->v[i].skip,
			      want[2 * i + 1]);
	}
	vcl_services_free(s);
	vcl_image_maps_free(&maps);
}
END_TEST

/* Pod volumes and groups: configMap items and defaultMode (octal as YAML
 * writes it), a Secret's base64 data, an emptyDir's sizeLimit, fsGroup
 * and supplementalGroups. */
static const char vols[] = "apiVersion: v1\n"
			   "kind: ConfigMap\n"
			   "metadata: {name: site}\n"
			   "data: {index.html: hello, other.txt: x}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Secret\n"
			   "metadata: {name: creds}\n"
			   "data: {token: czNjcjN0}\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata: {name: web}\n"
			   "spec:\n"
			   "  securityContext: {fsGroup: 33, supplementalGroups: [4000, 4001]}\n"
			   "  containers:\n"
			   "  - name: web\n"
			   "    image: oci:/srv/web:1\n"
			   "    ports: [{containerPort: 80}]\n"
			   "    volumeMounts:\n"
			   "    - {name: html, mountPath: /srv/site}\n"
			   "    - {name: creds, mountPath: /run/creds, readOnly: false}\n"
			   "    - {name: scratch, mountPath: /var/cache/x}\n"
			   "  volumes:\n"
			   "  - name: html\n"
			   "    configMap:\n"
			   "      name: site\n"
			   "      defaultMode: 0640\n"
			   "      items: [{key: index.html, path: www/index.html}]\n"
			   "  - {name: creds, secret: {secretName: creds, defaultMode: 256}}\n"
			   "  - {name: scratch, emptyDir: {sizeLimit: 16Mi}}\n";

START_TEST(test_volumes)
{
	struct vcl_error *err = NULL;
	struct vcl_services *s = parse(vols, NULL, &err);
	const struct vcl_service_def *d;

	ck_assert_msg(s != NULL, "%s", err != NULL ? err->msg : "?");
	d = &s->v[0];
	ck_assert_str_eq(d->skip, "");
	ck_assert_uint_eq(d->nvols, 3);
	ck_assert_str_eq(d->vols[0].target, "/srv/site");
	ck_assert(d->vols[0].read_only && !d->vols[0].empty);
	ck_assert_uint_eq(d->vols[0].nfiles, 1);
	ck_assert_str_eq(d->vols[0].files[0].path, "www/index.html");
	ck_assert_str_eq(d->vols[0].files[0].data, "hello");
	ck_assert_uint_eq(d->vols[0].files[0].mode, 0640);
	/* A Secret volume stays read-only whatever readOnly says. */
	ck_assert(d->vols[1].read_only);
	ck_assert_uint_eq(d->vols[1].nfiles, 1);
	ck_assert_str_eq(d->vols[1].files[0].path, "token");
	ck_assert_str_eq(d->vols[1].files[0].data, "s3cr3t");
	ck_assert_uint_eq(d->vols[1].files[0].mode, 0400);
	ck_assert(d->vols[2].empty && !d->vols[2].read_only);
	ck_assert_uint_eq(d->vols[2].size_bytes, 16u << 20);
	ck_assert(d->sec.has_fs_group);
	ck_assert_uint_eq(d->sec.fs_group, 33);
	ck_assert_uint_eq(d->sec.nsupp, 2);
	ck_assert_uint_eq(d->sec.supp_groups[1], 4001);
	vcl_services_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_test(tc, test_workloads);
	tcase_add_test(tc, test_skips);
	tcase_add_test(tc, test_pod);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_image_maps);
	tcase_add_test(tc, test_bad_files);
	tcase_add_test(tc, test_skip_file);
	tcase_add_test(tc, test_volumes);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

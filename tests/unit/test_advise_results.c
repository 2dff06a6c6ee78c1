/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the advisor on results.json: results that lack a placement,
 * are missing or malformed, the join by manifest identity, and bad input
 * files to a whole run. No root.
 */
#include <check.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advise/advise.h"
#include "core/k8s.h"
#include "core/cleanup.h"
#include "core/results.h"
#include "tests/suite_main.h"

#define FIXTURE "tests/data/results-sample.json"

/* Write text to a fresh temporary file; the caller unlinks it. */
static char *temp_file(const char *text)
{
	char *path = strdup("/tmp/vclab-advise-test-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A workload measured by `bench --manifest` is joined by its identity
 * (namespace, kind, name), before any image match, even when its image was
 * read from elsewhere (--image-map) and its name holds a dot; a skipped
 * workload has no numbers to join. */
START_TEST(join_by_manifest_identity)
{
	static const char yaml[] = "apiVersion: apps/v1\n"
				   "kind: Deployment\n"
				   "metadata: {name: web.v2, namespace: shop}\n"
				   "spec:\n"
				   "  template:\n"
				   "    spec:\n"
				   "      containers:\n"
				   "      - {name: web, image: registry.example/web:2,\n"
				   "         resources: {requests: {memory: 64Mi}}}\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Pod\n"
				   "metadata: {name: job, namespace: shop}\n"
				   "spec:\n"
				   "  containers:\n"
				   "  - {name: job, image: registry.example/job:1,\n"
				   "     resources: {requests: {memory: 64Mi}}}\n";
	cleanup_error struct vcl_error *err = NULL;
	struct vcl_advise_input in = {0};
	struct json_object *root = NULL, *svcs, *web, *man, *skipped;
	struct vcl_measured *m = calloc(1, sizeof(*m));
	struct vcl_decision d[2];
	const struct vcl_fact *f;

	ck_assert_int_eq(vcl_results_load(FIXTURE, &root, &err), 0);
	svcs = vcl_json_obj(root, "services");
	web = vcl_json_obj(svcs, "shop/Deployment/web.v2");
	man = vcl_json_obj(web, "manifest");
	json_object_object_add(man, "namespace", json_object_new_string("shop"));
	json_object_object_add(man, "kind", json_object_new_string("Deployment"));
	json_object_object_add(man, "name", json_object_new_string("web.v2"));
	json_object_object_add(man, "at", json_object_new_string("app.yaml:1"));
	json_object_object_add(vcl_json_obj(web, "image"), "reference",
			       json_object_new_string("oci:/srv/web:2"));
	json_object_object_add(web, "backends", json_object_get(vcl_json_path(root, "backends")));
	skipped = vcl_json_obj(svcs, "shop/Pod/job");
	json_object_object_add(skipped, "skipped", json_object_new_boolean(1));
	vcl_measured_from_json(root, "R.json", m);
	json_object_put(root);
	ck_assert_uint_eq(m->nsvc, 1);
	ck_assert_str_eq(m->svc[0].wname, "web.v2");
	ck_assert(m->svc[0].b[VCL_CTR].present);

	ck_assert_int_eq(vcl_advise_parse_buffer("app.yaml", yaml, strlen(yaml), &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 2);
	memset(d, 0, sizeof(d));
	vcl_advise_decide_all(&in, m, d);
	f = vcl_service_find_fact(&in.svc[0], VCL_FACT_NUMBERS);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->text, "measured service shop/Deployment/web.v2, its own workload (read "
				  "at app.yaml:1), image oci:/srv/web:2 (results "
				  "services.shop/Deployment/web.v2)");
	ck_assert_ptr_null(vcl_service_find_fact(&in.svc[1], VCL_FACT_NUMBERS));
	/* A --manifest run: no top-level numbers, VM numbers only in the
	 * services. The TCG warning still shows; the top level's gaps only
	 * while a workload is judged on them (the job). */
	m->tcg = true;
	for (int p = 0; p < VCL_NPLACE; p++)
		m->b[p].present = false;
	m->svc[0].b[VCL_VM].present = true;
	for (int k = 0; k < 2; k++) {
		char *text = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&text, &len);

		in.nsvc = k == 0 ? 2 : 1;
		ck_assert_int_eq(vcl_advise_render_table(mf, m, &in, d, false, &err), 0);
		fclose(mf);
		ck_assert_ptr_nonnull(
		    strstr(text, "WARNING: the vm numbers were measured under TCG"));
		ck_assert_msg((strstr(text, "not judged: vm") != NULL) == (k == 0), "%s", text);
		free(text);
	}
	vcl_advise_input_free(&in);
	free(m);
}
END_TEST

START_TEST(results_lacking_vm)
{
	struct json_object *root = NULL;
	cleanup_error struct vcl_error *err = NULL;
	char *path = NULL, *out = NULL;
	const char *argv[] = {"docs/examples/web-api.yaml", "docs/examples/plugin-runner.yaml"};
	struct vcl_measured m;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(vcl_results_load(FIXTURE, &root, &err), 0);
	json_object_object_del(vcl_json_path(root, "backends"), "vm");
	vcl_measured_from_json(root, "X.json", &m);
	ck_assert(m.b[VCL_BARE].present && m.b[VCL_CTR].present && !m.b[VCL_VM].present);
	ck_assert_double_eq(m.b[VCL_CTR].overhead_kib, 900.0);
	ck_assert_double_eq(m.b[VCL_VM].startup_p95, 0.0);
	/* bench's record of a placement the host could not run. */
	{
		struct json_object *skipped = json_object_new_object();
		struct vcl_measured m2;
		char why[300];

		json_object_object_add(skipped, "skipped", json_object_new_boolean(1));
		json_object_object_add(skipped, "reason", json_object_new_string("No /dev/kvm"));
		json_object_object_add(vcl_json_path(root, "backends"), "vm", skipped);
		vcl_measured_from_json(root, "S.json", &m2);
		ck_assert(!m2.b[VCL_VM].present);
		vcl_advise_not_measured(&m2, VCL_VM, why, sizeof(why));
		ck_assert_str_eq(why, "vm: not measured in results S.json (skipped: No /dev/kvm)");
		json_object_object_del(vcl_json_path(root, "backends"), "vm");
	}
	path = temp_file(json_object_to_json_string(root));
	json_object_put(root);

	f = open_memstream(&out, &len);
	ck_assert_int_eq(vcl_advise_run(path, argv, 2, 0, f, NULL, &err), 0);
	fclose(f);
	unlink(path);
	free(path);
	ck_assert_msg(
	    strstr(out, "not judged: vm: not measured in results /tmp/vclab-advise-test-") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "(backends.vm missing)") != NULL, "%s", out);
	/* web-api (multi-team) is decided among the others: ctr. */
	ck_assert_msg(strstr(out, "\nweb-api                   6   512 MiB   0.50  ctr ") != NULL,
		      "%s", out);
	/* plugin-runner (hostile) needs vm, which was not measured. */
	ck_assert_msg(strstr(out, "plugin-runner -> cannot judge with these results") != NULL, "%s",
		      out);
	ck_assert_msg(strstr(out, "n/a  (backends.vm.memory.overhead_kib not measured)") != NULL,
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(results_missing_or_malformed)
{
	const char *argv[] = {"docs/examples/web-api.yaml"};
	char *bad = temp_file("{\"schema\": \"vclab.results/1\",\n  \"run_id\": }\n");
	char *other = temp_file("{\"schema\": \"something/2\"}\n");
	struct vcl_error *err = NULL;

	ck_assert_int_lt(
	    vcl_advise_run("/nonexistent/results.json", argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	ck_assert_ptr_nonnull(strstr(err->msg, "/nonexistent/results.json"));
	vcl_error_freep(&err);

	ck_assert_int_lt(vcl_advise_run(bad, argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_nonnull(strstr(err->msg, ":2:"));
	ck_assert_ptr_null(strchr(err->msg, '\n'));
	vcl_error_freep(&err);

	ck_assert_int_lt(vcl_advise_run(other, argv, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_ptr_nonnull(strstr(err->msg, "not a vclab results file"));
	vcl_error_freep(&err);
	unlink(bad);
	unlink(other);
	free(bad);
	free(other);
}
END_TEST

START_TEST(run_rejects_bad_input_files)
{
	const char *missing[] = {"tests/data/advise/does-not-exist.yaml"};
	char *bad = temp_file("name: a\nmemory: 1Gi\nreplicas: -3\n");
	const char *badv[] = {bad};
	struct vcl_error *err = NULL;
	char want[128];

	ck_assert_int_lt(vcl_advise_run(FIXTURE, missing, 1, 0, stdout, NULL, &err), 0);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	vcl_error_freep(&err);
	ck_assert_int_lt(vcl_advise_run(FIXTURE, badv, 1, 0, stdout, NULL, &err), 0);
	snprintf(want, sizeof(want), "%s:3:11: replicas must be 0 or more (got -3)", bad);
	ck_assert_str_eq(err->msg, want);
	vcl_error_freep(&err);
	unlink(bad);
	free(bad);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {join_by_manifest_identity, results_lacking_vm,
				      results_missing_or_malformed, run_rejects_bad_input_files};

	return run_suite(suite_of("advise_results", 0, tests, ARRAY_SIZE(tests), NULL));
}

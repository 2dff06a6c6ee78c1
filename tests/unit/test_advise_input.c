/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the advisor's input: the quantity and YAML readers, service
 * profiles and Kubernetes objects, and their bad input. No root.
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

START_TEST(quantities)
{
	static const struct {
		const char *s;
		double v;
	} good[] = {
	    {"512Mi", 536870912.0},
	    {"1Gi", 1073741824.0},
	    {"500m", 0.5},
	    {"2", 2.0},
	    {"1.5", 1.5},
	    {"1e3", 1000.0},
	    {"2G", 2e9},
	    {"1Ki", 1024.0},
	    {".5", 0.5},
	    {"0", 0.0},
	    {"1E", 1e18},
	    {"+3k", 3000.0},
	    {"1Pi", 1125899906842624.0},
	};
	static const char *const bad[] = {"",	  "Mi", "-1",	"1.5X", "inf", "nan",
					  "0x10", " 1", "1 Gi", "1mi",	"1e"};
	double v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		ck_assert_msg(vcl_k8s_quantity(good[i].s, &v) == 0, "%s rejected", good[i].s);
		ck_assert_msg(fabs(v - good[i].v) <= 1e-9 * fmax(1.0, good[i].v), "%s = %g",
			      good[i].s, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(vcl_k8s_quantity(bad[i], &v) < 0, "'%s' accepted", bad[i]);
}
END_TEST

static int parse(const char *name, const char *text, struct vcl_advise_input *in,
		 struct vcl_error **err)
{
	return vcl_advise_parse_buffer(name, text, strlen(text), in, err);
}

START_TEST(profile_fields)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	const char *text = "name: api\n"
			   "replicas: 3\n"
			   "memory: 1.5Gi\n"
			   "cpu: 250m\n"
			   "tenancy: multi-team\n"
			   "startup_slo_ms: 800\n"
			   "scale_out_per_hour: 12.5\n"
			   "latency: high\n"
			   "own_kernel: no\n"
			   "direct_hardware: [nic, storage]\n"
			   "dedicated_cores: true\n"
			   "colour: blue\n";
	const struct vcl_service *s;

	ck_assert_int_eq(parse("p.yaml", text, &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 1);
	s = &in.svc[0];
	ck_assert_str_eq(s->name, "api");
	ck_assert_str_eq(s->origin, "p.yaml:1:1");
	ck_assert_int_eq(s->replicas, 3);
	ck_assert_double_eq_tol(s->mem_mib, 1536.0, 1e-9);
	ck_assert_double_eq_tol(s->cpu, 0.25, 1e-12);
	ck_assert_int_eq(s->tenancy, VCL_TEN_MULTI_TEAM);
	ck_assert(s->tenancy_given);
	ck_assert_double_eq(s->slo_ms, 800.0);
	ck_assert_double_eq(s->scale_per_hour, 12.5);
	ck_assert_int_eq(s->latency, VCL_LAT_HIGH);
	ck_assert(!s->own_kernel);
	ck_assert_uint_eq(s->hw, VCL_HW_NIC | VCL_HW_STORAGE);
	ck_assert(s->dedicated_cores);
	/* The unknown field is a warning with its position, not an error. */
	ck_assert_uint_eq(in.nnotes, 1);
	ck_assert_str_eq(in.notes[0], "p.yaml:12:1: warning: unknown field 'colour' (ignored)");
	vcl_advise_input_free(&in);
}
END_TEST

/* Each bad profile must fail with VCL_E_USAGE (exit 2) and this message. */
START_TEST(profile_bad_values)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"name: a\nreplicas: -2\nmemory: 1Gi\n",
	     "b.yaml:2:11: replicas must be 0 or more (got -2)"},
	    {"name: a\nreplicas: 1.5\nmemory: 1Gi\n",
	     "b.yaml:2:11: replicas must be a whole number up to 100000 (got 1.5)"},
	    {"name: a\nmemory: 1Gi\nstartup_slo_ms: 0\n",
	     "b.yaml:3:17: startup_slo_ms must be more than 0 (got 0; leave it out for no SLO)"},
	    {"name: a\nmemory: 512\n",
	     "b.yaml:2:9: memory 512 is less than 1 MiB (a plain number is bytes: write e.g. "
	     "512Mi)"},
	    {"name: a\nmemory: lots\n",
	     "b.yaml:2:9: memory 'lots' is not a Kubernetes quantity (e.g. 512Mi, 2Gi)"},
	    {"name: a\nmemory: 1Gi\ncpu: 0\n",
	     "b.yaml:3:6: cpu must be more than 0 and at most 10000 (got 0)"},
	    {"name: a\nmemory: 65Ti\n", "b.yaml:2:9: memory 65Ti is more than 64Ti per replica"},
	    {"name: a\nmemory: 1Gi\ntenancy: friendly\n",
	     "b.yaml:3:10: tenancy 'friendly' is not one of: trusted, multi-team, untrusted, "
	     "hostile"},
	    {"name: a\nmemory: 1Gi\nown_kernel: maybe\n", "b.yaml:3:13: expected true or false"},
	    {"name: a\nmemory: 1Gi\ndirect_hardware: [fpga]\n",
	     "b.yaml:3:19: direct_hardware: unknown device 'fpga' (nic, gpu, storage or none)"},
	    {"name: a\nmemory: 1Gi\nscale_out_per_hour: -1\n",
	     "b.yaml:3:21: scale_out_per_hour must be 0 or more (got -1)"},
	    {"memory: 1Gi\n", "b.yaml:1:1: service profile has no name"},
	    {"name: a\n",
	     "b.yaml:1:1: service profile 'a' has no memory (per replica, e.g. 512Mi)"},
	    {"- a\n- b\n",
	     "b.yaml:1:1: expected a mapping (a service profile or a Kubernetes object)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vcl_advise_input in = {0};
		cleanup_error struct vcl_error *err = NULL;

		ck_assert_int_lt(parse("b.yaml", cases[i].text, &in, &err), 0);
		ck_assert_ptr_nonnull(err);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_int_eq(vcl_error_exit_code(err), 2);
		ck_assert_str_eq(err->msg, cases[i].msg);
		vcl_advise_input_free(&in);
	}
}
END_TEST

START_TEST(malformed_yaml)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	regex_t re;

	ck_assert_int_lt(parse("bad.yaml", "name: a\nmemory: [1Gi\ncpu: 1\n", &in, &err), 0);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_int_eq(vcl_error_exit_code(err), 2);
	ck_assert_int_eq(regcomp(&re, "^bad\\.yaml:[0-9]+:[0-9]+: [^\n]+$", REG_EXTENDED), 0);
	ck_assert_msg(regexec(&re, err->msg, 0, NULL, 0) == 0, "message: %s", err->msg);
	regfree(&re);
	vcl_advise_input_free(&in);
}
END_TEST

START_TEST(k8s_objects)
{
	struct vcl_advise_input in = {0};
	cleanup_error struct vcl_error *err = NULL;
	const char *text = "apiVersion: v1\n"
			   "kind: Service\n"
			   "metadata: {name: web}\n"
			   "---\n"
			   "apiVersion: apps/v1\n"
			   "kind: Deployment\n"
			   "metadata:\n"
			   "  name: web\n"
			   "  annotations:\n"
			   "    vclab.io/tenancy: untrusted\n"
			   "    vclab.io/startup-slo-ms: \"700\"\n"
			   "    vclab.io/colour: blue\n"
			   "    other.io/x: y\n"
			   "spec:\n"
			   "  replicas: 5\n"
			   "  template:\n"
			   "    metadata:\n"
			   "      annotations: {vclab.io/tenancy: hostile}\n"
			   "    spec:\n"
			   "      containers:\n"
			   "        - name: a\n"
			   "          resources:\n"
			   "            requests: {memory: 256Mi, cpu: 500m}\n"
			   "        - name: b\n"
			   "          resources:\n"
			   "            limits: {memory: 1Gi, cpu: \"1.5\"}\n"
			   "---\n"
			   "apiVersion: apps/v1\n"
			   "kind: DaemonSet\n"
			   "metadata: {name: agent}\n"
			   "spec:\n"
			   "  template:\n"
			   "    spec:\n"
			   "      containers: [{name: a}]\n"
			   "---\n"
			   "apiVersion: v1\n"
			   "kind: Pod\n"
			   "metadata: {name: one, annotations: {vclab.io/own_kernel: \"true\"}}\n"
			   "spec:\n"
			   "  containers: [{name: a, resources: {requests: {memory: 2G}}}]\n";
	const struct vcl_service *s;

	ck_assert_int_eq(parse("k.yaml", text, &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 3);
	s = &in.svc[0];
	ck_assert_str_eq(s->name, "web");
	ck_assert_str_eq(s->kind, "Deployment");
	ck_assert_str_eq(s->origin, "k.yaml:5:1");
	ck_assert_int_eq(s->replicas, 5);
	ck_assert_double_eq_tol(s->mem_mib, 256.0 + 1024.0, 1e-9);
	ck_assert_double_eq_tol(s->cpu, 2.0, 1e-12);
	ck_assert_int_eq(s->tenancy, VCL_TEN_HOSTILE); /* the template wins */
	ck_assert_double_eq(s->slo_ms, 700.0);
	s = &in.svc[1];
	ck_assert_str_eq(s->kind, "DaemonSet");
	ck_assert_int_eq(s->replicas, 1);
	ck_assert(!s->mem_given);
	s = &in.svc[2];
	ck_assert_str_eq(s->kind, "Pod");
	ck_assert(s->own_kernel);
	ck_assert_double_eq_tol(s->mem_mib, 2e9 / 1048576.0, 1e-9);

	ck_assert_uint_eq(in.nskipped, 1);
	ck_assert_str_eq(
	    in.skipped[0].line,
	    "k.yaml:1:1: note: skipped Service 'web' (not a workload: only Deployment, "
	    "StatefulSet, ReplicaSet, DaemonSet, Job, CronJob and Pod are advised on; "
	    "Namespace and HorizontalPodAutoscaler are joined to them)");
	ck_assert_uint_eq(in.nnotes, 3);
	ck_assert_str_eq(in.notes[0],
			 "k.yaml:12:5: warning: unknown annotation 'vclab.io/colour' (ignored)");
	ck_assert_str_eq(in.notes[1], "k.yaml:34:7: warning: DaemonSet 'agent': 1 of 1 containers "
				      "state no memory request or limit (counted as 0)");
	ck_assert_str_eq(in.notes[2],
			 "k.yaml:28:1: note: DaemonSet 'agent' runs one replica per "
			 "node: counted as 1 (set vclab.io/replicas to the node count)");
	vcl_advise_input_free(&in);
}
END_TEST

START_TEST(k8s_bad_values)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: -1\n"
	     "  template: {spec: {containers: [{name: a}]}}\n",
	     "m.yaml:5:13: replicas must be 0 or more (got -1)"},
	    {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n"
	     "  template: {spec: {containers: [{name: a, resources: {requests: {memory: "
	     "12Xi}}}]}}\n",
	     "m.yaml:5:75: memory '12Xi' is not a Kubernetes quantity (e.g. 512Mi, 2Gi)"},
	    {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
	     "    vclab.io/startup-slo-ms: \"0\"\nspec: {containers: [{name: a}]}\n",
	     "m.yaml:6:30: startup_slo_ms must be more than 0 (got 0; leave it out for no SLO)"},
	    {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
	     "m.yaml:4:7: Pod 'p' has no containers"},
	    {"apiVersion: v1\nmetadata: {name: p}\n",
	     "m.yaml:1:1: Kubernetes object without a kind"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vcl_advise_input in = {0};
		cleanup_error struct vcl_error *err = NULL;

		ck_assert_int_lt(parse("m.yaml", cases[i].text, &in, &err), 0);
		ck_assert_int_eq(err->kind, VCL_E_USAGE);
		ck_assert_str_eq(err->msg, cases[i].msg);
		vcl_advise_input_free(&in);
	}
}
END_TEST

/* A List's items are objects like any document's; objects that are not
 * workloads fold into one note counting them by kind, or one note each. */
START_TEST(k8s_list_and_skipped)
{
	static const char text[] = "apiVersion: v1\n"
				   "kind: List\n"
				   "items:\n"
				   "- apiVersion: apps/v1\n"
				   "  kind: Deployment\n"
				   "  metadata: {name: web}\n"
				   "  spec:\n"
				   "    template:\n"
				   "      spec:\n"
				   "        containers:\n"
				   "        - {name: web, image: nginx:1.25}\n"
				   "- {apiVersion: v1, kind: Service, metadata: {name: web}}\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: ConfigMap\n"
				   "metadata: {name: cfg}\n"
				   "---\n"
				   "{apiVersion: v1, kind: Service, metadata: {name: db}}\n";
	struct vcl_advise_input in = {0}, verbose = {0};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_advise_parse_buffer("list.yaml", text, strlen(text), &in, &err), 0);
	ck_assert_uint_eq(in.nsvc, 1);
	ck_assert_str_eq(in.svc[0].kind, "Deployment");
	ck_assert_str_eq(in.svc[0].origin, "list.yaml:4:3");
	ck_assert_uint_eq(in.nskipped, 3);
	ck_assert_uint_eq(in.nnotes, 1); /* web states no memory */
	ck_assert_int_eq(vcl_advise_fold_skipped(&in, false), 0);
	ck_assert_uint_eq(in.nnotes, 2);
	ck_assert_str_eq(in.notes[1], "note: skipped 3 objects that are not workloads: 2 Service, "
				      "1 ConfigMap (--verbose lists them)");
	ck_assert_int_eq(vcl_advise_parse_buffer("list.yaml", text, strlen(text), &verbose, &err),
			 0);
	ck_assert_int_eq(vcl_advise_fold_skipped(&verbose, true), 0);
	ck_assert_uint_eq(verbose.nnotes, 4);
	ck_assert_ptr_nonnull(
	    strstr(verbose.notes[2], "list.yaml:14:1: note: skipped ConfigMap 'cfg'"));
	vcl_advise_input_free(&in);
	vcl_advise_input_free(&verbose);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {quantities,	   profile_fields, profile_bad_values,
				      malformed_yaml,	   k8s_objects,	   k8s_bad_values,
				      k8s_list_and_skipped};

	return run_suite(suite_of("advise_input", 0, tests, ARRAY_SIZE(tests), NULL));
}

/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/compare.h"
#include "core/results.h"
#include "tests/suite_main.h"

/* bare ~1 ms, ctr twice bare, runc 10x bare, vm only 3 samples. */
static const char *doc =
    "{\"backends\":{"
    "\"bare\":{\"startup_ms\":{\"samples\":[1.0,1.1,0.9,1.05,0.95,1.02,0.98,1.01]}},"
    "\"ctr\":{\"startup_ms\":{\"samples\":[2.0,2.2,1.8,2.1,1.9,2.04,1.96,2.02]}},"
    "\"vm\":{\"startup_ms\":{\"samples\":[900,950,1000]}}},"
    "\"peers\":{"
    "\"runc\":{\"family\":\"ctr\",\"startup_ms\":{\"samples\":[10,11,9,10.5,9.5,10.2,9.8,10.1]}},"
    "\"crun\":{\"family\":\"ctr\"}}}";

static struct json_object *find(struct json_object *arr, const char *a, const char *b)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *x, *y;

		if (json_object_object_get_ex(o, "a", &x) &&
		    json_object_object_get_ex(o, "b", &y) &&
		    strcmp(json_object_get_string(x), a) == 0 &&
		    strcmp(json_object_get_string(y), b) == 0)
			return o;
	}
	return NULL;
}

START_TEST(test_pairings)
{
	struct json_object *root = json_tokener_parse(doc), *arr, *o;
	double r, lo, hi;

	ck_assert_ptr_nonnull(root);
	arr = vcl_comparisons_build(root);
	/* ctr/bare, vm/bare, runc/bare, ctr/runc; crun has no samples. */
	ck_assert_uint_eq(json_object_array_length(arr), 4);
	o = find(arr, "ctr", "bare");
	ck_assert_ptr_nonnull(o);
	ck_assert(vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 2.0, 1e-9);
	ck_assert(vcl_json_path_double(o, "ci95.0", &lo) == 0);
	ck_assert(vcl_json_path_double(o, "ci95.1", &hi) == 0);
	ck_assert(lo > 1 && lo <= r && r <= hi);
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "verdict")), "higher");
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "metric")), "startup_ms.p50");
	o = find(arr, "ctr", "runc");
	ck_assert_ptr_nonnull(o);
	ck_assert(vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 0.2, 1e-9);
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "verdict")), "lower");
	ck_assert_ptr_nonnull(find(arr, "vm", "bare"));
	ck_assert_ptr_nonnull(find(arr, "runc", "bare"));
	ck_assert_ptr_null(find(arr, "ctr", "crun"));
	json_object_put(arr);
	json_object_put(root);
}
END_TEST

/* The sandbox between container and VM: gvisor/ctr, gvisor/runc, vm/gvisor. */
START_TEST(test_gvisor_pairings)
{
	static const char *gdoc =
	    "{\"backends\":{"
	    "\"bare\":{\"startup_ms\":{\"samples\":[1.0,1.1,0.9,1.05,0.95,1.02,0.98,1.01]}},"
	    "\"ctr\":{\"startup_ms\":{\"samples\":[2.0,2.2,1.8,2.1,1.9,2.04,1.96,2.02]}},"
	    "\"gvisor\":{\"startup_ms\":{\"samples\":[200,220,180,210,190,204,196,202]}},"
	    "\"vm\":{\"startup_ms\":{\"samples\":[1600,1650,1550,1600]}}},"
	    "\"peers\":{"
	    "\"runc\":{\"family\":\"ctr\",\"startup_ms\":{\"samples\":[4,4.4,3.6,4.2,3.8,4.08,"
	    "3.92,4.04]}}}}";
	struct json_object *root = json_tokener_parse(gdoc), *arr, *o;
	double r;

	ck_assert_ptr_nonnull(root);
	arr = vcl_comparisons_build(root);
	o = find(arr, "gvisor", "ctr");
	ck_assert_ptr_nonnull(o);
	ck_assert(vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 201.0 / 2.01, 1e-9);
	ck_assert_ptr_nonnull(vcl_json_path(o, "ci95"));
	o = find(arr, "gvisor", "runc");
	ck_assert(o != NULL && vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 201.0 / 4.02, 1e-9);
	o = find(arr, "vm", "gvisor");
	ck_assert(o != NULL && vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 1600.0 / 201.0, 1e-9); /* medians 1600 and 201 */
	json_object_put(arr);
	/* Without gvisor in the run, none of them. */
	json_object_put(root);
	root = json_tokener_parse(doc);
	arr = vcl_comparisons_build(root);
	ck_assert_ptr_null(find(arr, "gvisor", "ctr"));
	ck_assert_ptr_null(find(arr, "vm", "gvisor"));
	json_object_put(arr);
	json_object_put(root);
}
END_TEST

/* A user's service (services.<name>) gets its own pairings, judged against
 * the run's A/A floor: a gvisor/ctr CI inside the floor is noise. */
START_TEST(test_service_pairings)
{
	static const char *sdoc =
	    "{\"calibration\":{\"aa\":{\"ratio\":1,\"ci95\":[0.5,2.5]}},"
	    "\"services\":{\"web\":{\"backends\":{"
	    "\"ctr\":{\"startup_ms\":{\"samples\":[20,22,18,21,19,20.4,19.6,20.2]}},"
	    "\"gvisor\":{\"startup_ms\":{\"samples\":[40,44,36,42,38,40.8,39.2,40.4]}},"
	    "\"vm\":{\"startup_ms\":{\"samples\":[1600,1650,1550,1600]}}}}}}";
	struct json_object *root = json_tokener_parse(sdoc), *arr, *o;
	double r;

	ck_assert_ptr_nonnull(root);
	arr = vcl_comparisons_build_in(vcl_json_path(root, "services.web"), root);
	o = find(arr, "gvisor", "ctr");
	ck_assert(o != NULL && vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 40.2 / 20.1, 1e-9);
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "verdict")),
			 "no measurable difference");
	o = find(arr, "vm", "gvisor");
	ck_assert(o != NULL && vcl_json_path_double(o, "ratio", &r) == 0);
	ck_assert_double_eq_tol(r, 1600.0 / 40.2, 1e-9);
	ck_assert_str_eq(json_object_get_string(vcl_json_path(o, "verdict")), "higher");
	json_object_put(arr);
	/* The run's own top level has no placements: nothing there. */
	arr = vcl_comparisons_build(root);
	ck_assert_uint_eq(json_object_array_length(arr), 0);
	json_object_put(arr);
	json_object_put(root);
}
END_TEST

START_TEST(test_verdicts)
{
	ck_assert_int_eq(vcl_cmp_verdict_of(0.9, 1.2, NAN, NAN), VCL_CMP_SAME);
	ck_assert_int_eq(vcl_cmp_verdict_of(1.1, 1.2, NAN, NAN), VCL_CMP_HIGHER);
	ck_assert_int_eq(vcl_cmp_verdict_of(0.5, 0.8, NAN, NAN), VCL_CMP_LOWER);
	/* Excludes 1 but inside the A/A floor [0.85, 1.25]: noise. */
	ck_assert_int_eq(vcl_cmp_verdict_of(1.05, 1.2, 0.85, 1.25), VCL_CMP_SAME);
	ck_assert_int_eq(vcl_cmp_verdict_of(1.05, 1.3, 0.85, 1.25), VCL_CMP_HIGHER);
	ck_assert_int_eq(vcl_cmp_verdict_of(NAN, NAN, NAN, NAN), VCL_CMP_NONE);
	ck_assert_str_eq(vcl_cmp_verdict_name(VCL_CMP_SAME), "no measurable difference");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_pairings);
	tcase_add_test(tc, test_gvisor_pairings);
	tcase_add_test(tc, test_service_pairings);
	tcase_add_test(tc, test_verdicts);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* report/export.c on literal documents: OpenMetrics, hyperfine JSON, CSV. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "tests/suite_main.h"
#include "core/error.h"
#include "report/export.h"

/* A host name with a quote and a backslash: label values must escape them. */
static const char *doc1 =
    "{\"schema\":\"vclab.results/1\",\"run_id\":\"r1\",\"finished\":\"2026-01-02T03:04:05Z\","
    "\"complete\":true,\"vclab_version\":\"0.1.0\","
    "\"host\":{\"hostname\":\"lab\\\"1\\\\x\",\"accelerator\":\"tcg\"},"
    "\"config\":{\"profile\":\"quick\"},"
    "\"backends\":{"
    "\"bare\":{\"startup_ms\":{\"n\":4,\"p50\":1.5,\"p90\":2,\"mean\":1.5,"
    "\"samples\":[1,2,1.5,1.5]},"
    "\"memory\":{\"overhead_kib\":0,\"pss_kib\":1000,\"rss_kib\":null},"
    "\"density\":{\"max_instances\":64}},"
    "\"ctr,x\":{\"startup_ms\":{\"n\":3,\"p50\":4,\"samples\":[3,4,6]},"
    "\"memory\":{\"overhead_kib\":900}}},"
    "\"peers\":{\"runc\":{\"family\":\"ctr\",\"startup_ms\":{\"n\":1,\"p50\":30,"
    "\"samples\":[30]}},"
    "\"crun\":{\"family\":\"ctr\",\"skipped\":true,\"reason\":\"hybrid\"}}}";

static const char *doc2 = "{\"schema\":\"vclab.results/1\",\"run_id\":\"r2\","
			  "\"host\":{\"hostname\":\"lab2\",\"accelerator\":\"kvm\"},"
			  "\"services\":{\"web\":{\"backends\":{\"vm\":{\"startup_ms\":"
			  "{\"n\":2,\"p50\":900,\"samples\":[800,1000]}}}}}}";

static char *render(enum vcl_export_format fmt, const char *const *texts, size_t n, int *ret)
{
	struct json_object *docs[4];
	char *buf = NULL;
	size_t len = 0;
	struct vcl_error *err = NULL;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++) {
		docs[i] = json_tokener_parse(texts[i]);
		ck_assert_ptr_nonnull(docs[i]);
	}
	*ret = vcl_export_write(f, fmt, docs, n, &err);
	fclose(f);
	for (size_t i = 0; i < n; i++)
		json_object_put(docs[i]);
	vcl_error_free(err);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

START_TEST(test_format_names)
{
	enum vcl_export_format f;

	ck_assert_int_eq(vcl_export_format_parse("openmetrics", &f), 0);
	ck_assert_int_eq(f, VCL_EXPORT_OPENMETRICS);
	ck_assert_int_eq(vcl_export_format_parse("csv", &f), 0);
	ck_assert_int_eq(f, VCL_EXPORT_CSV);
	ck_assert_int_eq(vcl_export_format_parse("prometheus", &f), -1);
}
END_TEST

START_TEST(test_openmetrics)
{
	const char *in[] = {doc1, doc2};
	int ret;
	cleanup_free char *t = render(VCL_EXPORT_OPENMETRICS, in, 2, &ret);
	const char *end = t + strlen(t);

	ck_assert_int_eq(ret, 0);
	/* base units, escaped labels, the quantile label last */
	ck_assert_ptr_nonnull(strstr(
	    t, "vclab_startup_seconds{host=\"lab\\\"1\\\\x\",accelerator=\"tcg\",run_id=\"r1\","
	       "profile=\"quick\",service=\"vclab-payload\",placement=\"bare\",kind=\"backend\","
	       "quantile=\"0.5\"} 0.0015\n"));
	ck_assert_ptr_nonnull(strstr(t, "kind=\"backend\"} 0.006\n")); /* _sum of 1+2+1.5+1.5 */
	ck_assert_ptr_nonnull(strstr(t, "vclab_startup_seconds_count{"));
	ck_assert_ptr_nonnull(strstr(t, "placement=\"bare\",kind=\"backend\"} 1024000\n"));
	ck_assert_ptr_nonnull(strstr(t, "placement=\"ctr,x\",kind=\"backend\"} 921600\n"));
	ck_assert_ptr_nonnull(strstr(t, "vclab_density_instances{"));
	ck_assert_ptr_nonnull(
	    strstr(t, "placement=\"runc\",kind=\"peer\",quantile=\"0.5\"} 0.03\n"));
	/* the second file's service, under the same family */
	ck_assert_ptr_nonnull(strstr(t, "service=\"web\",placement=\"vm\",kind=\"backend\","
					"quantile=\"0.5\"} 0.9\n"));
	ck_assert_ptr_nonnull(strstr(t,
				     "vclab_run_finished_timestamp_seconds{host=\"lab\\\"1\\\\x\","
				     "accelerator=\"tcg\",run_id=\"r1\",profile=\"quick\"} "
				     "1767323045\n"));
	/* a family once, however many files; skipped peers and null readings
	 * leave no sample */
	ck_assert_uint_eq(count(t, "# TYPE vclab_startup_seconds summary\n"), 1);
	ck_assert_uint_eq(count(t, "# UNIT vclab_startup_seconds seconds\n"), 1);
	ck_assert_ptr_null(strstr(t, "crun"));
	ck_assert_ptr_null(strstr(t, "vclab_memory_rss_bytes"));
	ck_assert_ptr_null(strstr(t, "nan"));
	ck_assert(end - t > 6 && strcmp(end - 6, "# EOF\n") == 0);
	ck_assert_uint_eq(count(t, "# EOF"), 1);
}
END_TEST

/* A sandbox's platform and network mode are labels of its samples,
 * hyperfine parameters and CSV columns (gvisor: docs/gvisor.md); other
 * placements leave them out (CSV: empty). */
START_TEST(test_platform_label)
{
	static const char *doc =
	    "{\"schema\":\"vclab.results/1\",\"run_id\":\"g\","
	    "\"host\":{\"hostname\":\"lab\",\"accelerator\":\"tcg\"},"
	    "\"backends\":{\"gvisor\":{\"platform\":\"ptrace\",\"network\":\"host\","
	    "\"startup_ms\":{\"n\":2,\"p50\":300,\"samples\":[250,350]}},"
	    "\"ctr\":{\"startup_ms\":{\"n\":2,\"p50\":30,\"samples\":[20,40]}}}}";
	const char *in[] = {doc};
	int ret;
	cleanup_free char *om = render(VCL_EXPORT_OPENMETRICS, in, 1, &ret);
	cleanup_free char *hf = NULL;
	cleanup_free char *csv = NULL;

	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(om,
				     "placement=\"gvisor\",kind=\"backend\",platform=\"ptrace\","
				     "network=\"host\",quantile=\"0.5\"} 0.3\n"));
	ck_assert_ptr_nonnull(
	    strstr(om, "placement=\"ctr\",kind=\"backend\",quantile=\"0.5\"} 0.03\n"));
	hf = render(VCL_EXPORT_HYPERFINE, in, 1, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(count(hf, "\"platform\":\"ptrace\""), 1);
	ck_assert_uint_eq(count(hf, "\"network\":\"host\""), 1);
	csv = render(VCL_EXPORT_CSV, in, 1, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(
	    strstr(csv, ",gvisor,backend,ptrace,host,startup,startup,1,0.35,s\n"));
	ck_assert_ptr_nonnull(strstr(csv, ",ctr,backend,,,startup,startup,0,0.02,s\n"));
}
END_TEST

START_TEST(test_hyperfine)
{
	const char *one[] = {doc1}, *two[] = {doc1, doc2};
	int ret;
	cleanup_free char *t = render(VCL_EXPORT_HYPERFINE, one, 1, &ret);
	cleanup_free char *t2 = NULL;
	struct json_object *o = json_tokener_parse(t), *res, *bare, *runc, *v;

	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "results", &res));
	ck_assert_uint_eq(json_object_array_length(res), 3); /* bare, ctr,x, runc */
	bare = json_object_array_get_idx(res, 0);
	ck_assert(json_object_object_get_ex(bare, "command", &v));
	ck_assert_str_eq(json_object_get_string(v), "vclab-payload on bare");
	ck_assert(json_object_object_get_ex(bare, "median", &v));
	ck_assert_double_eq_tol(json_object_get_double(v), 0.0015, 1e-12);
	ck_assert(json_object_object_get_ex(bare, "stddev", &v)); /* sample sd, n - 1 */
	ck_assert_double_eq_tol(json_object_get_double(v), 0.000408248290463863, 1e-12);
	ck_assert(json_object_object_get_ex(bare, "times", &v));
	ck_assert_double_eq_tol(json_object_get_double(json_object_array_get_idx(v, 1)), 0.002,
				1e-12);
	runc = json_object_array_get_idx(res, 2);
	ck_assert(json_object_object_get_ex(runc, "command", &v));
	ck_assert_str_eq(json_object_get_string(v), "vclab-payload on runc (peer)");
	/* one sample: no standard deviation, as hyperfine writes it */
	ck_assert(json_object_object_get_ex(runc, "stddev", &v));
	ck_assert_ptr_null(v);
	json_object_put(o);

	t2 = render(VCL_EXPORT_HYPERFINE, two, 2, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(t2, "\"vclab-payload on bare [r1]\""));
	ck_assert_ptr_nonnull(strstr(t2, "\"web on vm [r2]\""));
}
END_TEST

START_TEST(test_hyperfine_nothing)
{
	const char *in[] = {"{\"run_id\":\"x\",\"backends\":{\"bare\":{}}}"};
	int ret;
	cleanup_free char *t = render(VCL_EXPORT_HYPERFINE, in, 1, &ret);

	ck_assert_int_eq(ret, -1);
}
END_TEST

START_TEST(test_csv)
{
	const char *in[] = {doc1};
	int ret;
	cleanup_free char *t = render(VCL_EXPORT_CSV, in, 1, &ret);
	static const char header[] = "run_id,host,accelerator,service,placement,kind,platform,"
				     "network,scenario,metric,sample_index,value,unit\n";

	ck_assert_int_eq(ret, 0);
	ck_assert(strncmp(t, header, sizeof(header) - 1) == 0);
	/* RFC 4180 quoting of the host (a quote) and of the "ctr,x" placement */
	ck_assert_ptr_nonnull(strstr(
	    t, "r1,\"lab\"\"1\\x\",tcg,vclab-payload,bare,backend,,,startup,startup,1,0.002,s\n"));
	ck_assert_ptr_nonnull(strstr(t, ",\"ctr,x\",backend,,,startup,startup,2,0.006,s\n"));
	ck_assert_ptr_nonnull(strstr(t, ",bare,backend,,,memory,pss,0,1024000,bytes\n"));
	ck_assert_ptr_nonnull(strstr(t, ",bare,backend,,,density,max_instances,0,64,instances\n"));
	ck_assert_ptr_nonnull(strstr(t, ",runc,peer,,,startup,startup,0,0.03,s\n"));
	/* 4 + 3 + 1 startup samples, 3 memory readings (rss is null), 1 density */
	ck_assert_uint_eq(count(t, "\n"), 1 + 8 + 3 + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_format_names);
	tcase_add_test(tc, test_openmetrics);
	tcase_add_test(tc, test_hyperfine);
	tcase_add_test(tc, test_platform_label);
	tcase_add_test(tc, test_hyperfine_nothing);
	tcase_add_test(tc, test_csv);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

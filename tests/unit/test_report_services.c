/* SPDX-License-Identifier: MIT */
/* The services section of the report (report/report_services.c) on a
 * literal results document: the table across services, one section per
 * service with its image, figures, skipped placements and errors, in
 * markdown and HTML; no section for a run without services. */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "tests/suite_main.h"

static const char results[] =
    "{\"run_id\":\"sv01\",\"config\":{\"services\":[\"web\",\"cache\",\"vclab-payload\"]},"
    "\"host\":{\"accelerator\":\"tcg\"},"
    "\"backends\":{\"bare\":{\"startup_ms\":{\"n\":5,\"p50\":0.8}},"
    "  \"ctr\":{\"startup_ms\":{\"n\":5,\"p50\":20.5},\"memory\":{\"overhead_kib\":112}}},"
    "\"services\":{"
    " \"web\":{\"image\":{\"reference\":\"oci:/srv/nginx:latest\",\"digest\":\"sha256:ab12\","
    "   \"size\":3145728,\"entrypoint\":[\"/usr/sbin/nginx\",\"-g\",\"daemon off;\"],"
    "   \"port\":8080},"
    "  \"backends\":{\"bare\":{\"startup_ms\":{\"n\":5,\"p50\":4.25,\"p90\":5},"
    "     \"phases_ms\":{\"ready\":{\"p50\":4},\"first_200\":{\"p50\":4.25}},"
    "     \"memory\":{\"pss_kib\":6144,\"processes\":3,\"overhead_kib\":0}},"
    "   \"ctr\":{\"startup_ms\":{\"n\":5,\"p50\":31.5},"
    "     \"memory\":{\"pss_kib\":6400,\"processes\":3,\"overhead_kib\":2048}},"
    "   \"vm\":{\"skipped\":true,\"reason\":\"vm cannot run a user's service yet\"}}},"
    " \"cache\":{\"image\":{\"reference\":\"docker-archive:/srv/redis.tar\",\"port\":6379},"
    "  \"backends\":{\"bare\":{\"startup_ms\":{\"n\":5,\"p50\":7.5}},"
    "   \"ctr\":{\"startup_ms\":{\"n\":5,\"p50\":40}}}},"
    " \"shop/Pod/logs\":{\"manifest\":{\"at\":\"app.yaml:30\",\"kind\":\"Pod\"},"
    "  \"skipped\":true,\"reason\":\"app.yaml:36: volume host is a hostPath\"}},"
    "\"errors\":[{\"backend\":\"ctr\",\"scenario\":\"steady\",\"kind\":\"fail\","
    "  \"message\":\"connection refused\",\"service\":\"cache\"},"
    " {\"backend\":\"bare\",\"scenario\":\"startup\",\"kind\":\"fail\",\"message\":\"other\"}]}";

static char *render(const char *text, bool html)
{
	struct json_object *root = json_tokener_parse(text);
	struct vcl_report_run run = {.label = "sv01", .file = "results.json", .root = root};
	struct vcl_report_figs figs = {0};
	struct vcl_report_ctx c = {.runs = &run, .n = 1, .figs = &figs, .metrics_href = "m.md"};
	struct vcl_rdoc doc;
	char **warnings = NULL, *out;

	ck_assert_ptr_nonnull(root);
	vcl_report_build(&c, &doc, &warnings);
	out = html ? vcl_report_html(&doc) : vcl_report_markdown(&doc);
	for (size_t i = 0; warnings != NULL && warnings[i] != NULL; i++)
		free(warnings[i]);
	free(warnings);
	vcl_rdoc_free(&doc);
	json_object_put(root);
	return out;
}

static void has(const char *text, const char *want)
{
	ck_assert_msg(strstr(text, want) != NULL, "missing: %s", want);
}

START_TEST(test_markdown)
{
	char *md = render(results, false);
	const char *sec = strstr(md, "## Services");

	ck_assert_ptr_nonnull(sec);
	/* The table across services: file order, payload from the top level. */
	has(sec, "| service | bare startup p50 (ms) | bare memory overhead (MiB) | ctr startup "
		 "p50 (ms) | ctr memory overhead (MiB) | vm (TCG) startup p50 (ms) |");
	has(sec, "| [web](#service-web) | 4.25 | 0 | 31.5 | 2.00 | — | — |");
	has(sec, "| [cache](#service-cache) | 7.50 | — | 40.0 | — | — | — |");
	has(sec, "| [vclab-payload](#service-vclab-payload) | 0.800 | — | 20.5 | 0.109 | — | — |");
	ck_assert(strstr(sec, "[web]") < strstr(sec, "[cache]"));
	/* One section per service. */
	has(sec, "### Service web");
	has(sec, "- Reference: `oci:/srv/nginx:latest`");
	has(sec, "- Digest: `sha256:ab12`");
	has(sec, "- Size: 3.0 MiB");
	has(sec, "- Runs: `/usr/sbin/nginx -g daemon off;`");
	has(sec, "- Port: 8080");
	has(sec, "| bare | 5 | 4.25 | 5.00 | 4.00 | 4.25 | 6.00 | 3 | 0 | — | — |");
	has(sec, "- vm (TCG) skipped: vm cannot run a user's service yet");
	has(sec, "### Service cache");
	has(sec, "Errors recorded for cache:");
	has(sec, "| ctr | steady | connection refused |");
	has(sec, "### Service vclab-payload");
	has(sec, "The built-in payload");
	/* A --manifest workload not measured: where, and why. */
	has(sec,
	    "### Service shop/Pod/logs\n\nFrom the manifest at `app.yaml:30`.\n\nNot measured: "
	    "app.yaml:36: volume host is a hostPath");
	/* An error of no service is not put under one. */
	ck_assert_ptr_null(strstr(strstr(sec, "### Service web"), "| bare | startup | other |"));
	free(md);
}
END_TEST

START_TEST(test_html)
{
	char *html = render(results, true);

	has(html, "<h2 id=\"services\">Services</h2>");
	has(html, "<h3 id=\"service-web\">Service web</h3>");
	has(html, "<h3 id=\"service-vclab-payload\">");
	has(html, "href=\"#service-cache\"");
	free(html);
}
END_TEST

START_TEST(test_no_services)
{
	char *md = render("{\"run_id\":\"x\",\"backends\":{\"bare\":{\"startup_ms\":{\"n\":1,"
			  "\"p50\":1}}},\"errors\":[]}",
			  false);

	ck_assert_ptr_null(strstr(md, "## Services"));
	free(md);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report_services");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_markdown);
	tcase_add_test(tc, test_html);
	tcase_add_test(tc, test_no_services);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

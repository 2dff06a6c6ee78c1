/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the baseline YAML loader, its round trip through the
 * formatter, and a gate evaluation, table and JUnit report on what loads. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char results_json[] =
    "{\"schema\":\"vclab.results/1\",\"run_id\":\"fz\",\"complete\":true,"
    "\"host\":{\"hostname\":\"h<&>\",\"accelerator\":\"tcg\",\"cgroup\":\"v2\",\"cores\":2},"
    "\"backends\":{\"ctr\":{\"startup_ms\":{\"p50\":4,\"p95\":5,\"mean\":4,\"cv\":0.1,"
    "\"max\":6},\"memory\":{\"overhead_kib\":900}},\"bare\":{\"startup_ms\":{\"p50\":2,"
    "\"p95\":0,\"cv\":null}}},\"peers\":{\"runc\":{\"skipped\":true,\"reason\":\"x\"}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_object *results;
	struct vcl_baseline *b = NULL, *b2 = NULL;
	struct vcl_error *err = NULL;
	struct vcl_check_report rep;
	char *text, *xml;
	FILE *null;

	if (results == NULL)
		results = json_tokener_parse(results_json);
	if (vcl_baseline_parse("fuzz.yaml", (const char *)data, size, &b, &err) < 0) {
		if (err == NULL || err->msg == NULL)
			__builtin_trap(); /* every rejection must say why */
		vcl_error_free(err);
		return 0;
	}
	text = vcl_baseline_format(b);
	if (text == NULL)
		__builtin_trap();
	if (vcl_baseline_parse("round", text, strlen(text), &b2, &err) < 0) {
		fprintf(stderr, "round trip failed: %s\n%s\n", err->msg, text);
		__builtin_trap();
	}
	if (b2->nmetrics != b->nmetrics)
		__builtin_trap();
	if (vcl_check_evaluate(b, results, false, &rep, &err) == 0) {
		null = fopen("/dev/null", "w");
		if (null != NULL) {
			vcl_check_print(null, b, "fuzz.yaml", &rep, "fz.json");
			fclose(null);
		}
		xml = vcl_junit_format(b, &rep, "fz.json", "2026-01-01T00:00:00", 0);
		free(xml);
		vcl_check_report_clear(&rep);
	}
	free(text);
	vcl_baseline_free(b2);
	vcl_baseline_free(b);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the results.json reader (parse, then the typed check
 * every verb loads through), the path -> line:col locator on the same
 * text, the typed accessors, and the dotted-path lookups that report,
 * advise, check and baseline make on what it returns. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/jsonpos.h"
#include "core/results.h"
#include "core/results_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "backends.bare.startup_ms.p50",
    "backends.ctr.memory.overhead_kib",
    "backends.vm.density.bursts.0.ready_ms",
    "host.accelerator",
    "peers.runc.startup_ms.n",
    "a.0.b.1",
    "..",
    "0",
};

static void typed(const struct vcl_jdoc *d)
{
	static const unsigned types[] = {
	    VCL_JT_OBJECT,
	    VCL_JT_NUMBER | VCL_JT_NULL,
	    VCL_JT_INTEGER | VCL_JT_REQUIRED,
	    VCL_JT_STRING | VCL_JT_ARRAY | VCL_JT_BOOL,
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			struct json_object *v = NULL;
			struct vcl_error *err = NULL;

			if (vcl_jdoc_get(d, paths[i], types[t], &v, &err) < 0) {
				if (err == NULL || err->msg == NULL ||
				    strchr(err->msg, '\n') != NULL)
					__builtin_trap(); /* one line that says why */
				vcl_error_free(err);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const steps[] = {"backends", "bare", "startup_ms", "0"};
	const char *text = (const char *)data;
	struct json_object *o = NULL, *typed_o = NULL;
	struct vcl_error *err = NULL;
	size_t off = 0;
	double v;

	/* The locator on any text: never past the end, never a crash. */
	for (size_t n = 0; n <= sizeof(steps) / sizeof(steps[0]); n++)
		if (vcl_json_locate(text, size, steps, n, &off) >= 0 && off > size)
			__builtin_trap();
	if (vcl_json_parse_buffer("fuzz.json", text, size, &o, &err) < 0) {
		if (err == NULL || err->msg == NULL)
			__builtin_trap(); /* every failure must say why */
		vcl_error_free(err);
		return 0;
	}
	/* Text json-c accepts, the locator follows to the end. */
	if (vcl_json_locate(text, size, steps, 0, &off) < 0)
		__builtin_trap();
	if (vcl_results_parse_buffer("fuzz.json", text, size, NULL, &typed_o, &err) < 0) {
		if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL)
			__builtin_trap();
		vcl_error_freep(&err);
	}
	json_object_put(typed_o);
	{
		struct vcl_jdoc d = {.name = "fuzz.json", .text = text, .len = size, .root = o};

		typed(&d);
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		vcl_json_path(o, paths[i]);
		vcl_json_path_double(o, paths[i], &v);
	}
	json_object_put(o);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the results.json reader and the dotted-path lookups
 * that report, advise, check and baseline make on what it returns. */
#include <stddef.h>
#include <stdint.h>

#include "core/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	struct json_object *o = NULL;
	struct vcl_error *err = NULL;
	double v;

	if (vcl_json_parse_buffer("fuzz.json", (const char *)data, size, &o, &err) < 0) {
		if (err == NULL || err->msg == NULL)
			__builtin_trap(); /* every failure must say why */
		vcl_error_free(err);
		return 0;
	}
	if (vcl_results_validate("fuzz.json", o, &err) < 0)
		vcl_error_freep(&err);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		vcl_json_path(o, paths[i]);
		vcl_json_path_double(o, paths[i], &v);
	}
	json_object_put(o);
	return 0;
}

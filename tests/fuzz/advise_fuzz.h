/* SPDX-License-Identifier: MIT */
/* The body shared by the advisor's fuzz targets (fuzz_profile, fuzz_k8s):
 * one reader serves both kinds of input, so the targets differ only in the
 * seed corpus that steers them (tests/fuzz/corpus/<name>/). Parse, then every
 * rule and both renderers on what was read. */
#ifndef VCL_ADVISE_FUZZ_H
#define VCL_ADVISE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise/advise.h"
#include "core/results.h"

static inline int advise_fuzz_one(const uint8_t *data, size_t size)
{
	static struct vcl_measured m;
	static bool loaded;
	struct vcl_advise_input in;
	struct vcl_error *err = NULL;
	FILE *null;

	if (!loaded) {
		/* The committed fixture: every placement measured. Kept for the
		 * process's life (m points into it). */
		static struct json_object *fixture;

		if (vcl_results_load("tests/data/results-sample.json", &fixture, &err) < 0)
			__builtin_trap();
		vcl_measured_from_json(fixture, "fixture", &m);
		loaded = true;
	}
	memset(&in, 0, sizeof(in));
	if (vcl_advise_parse_buffer("fuzz.yaml", (const char *)data, size, &in, &err) < 0) {
		if (err == NULL || err->msg == NULL)
			__builtin_trap(); /* every rejection must say why */
		vcl_error_free(err);
		vcl_advise_input_free(&in);
		return 0;
	}
	/* HPAs and Namespaces join the workloads of the same input. */
	if (vcl_advise_join(&in, &err) < 0)
		__builtin_trap();
	null = fopen("/dev/null", "w");
	if (null != NULL) {
		struct vcl_decision *d = calloc(in.nsvc + 1, sizeof(*d));

		for (size_t i = 0; d != NULL && i < in.nsvc; i++) {
			vcl_advise_decide(&in.svc[i], &m, &d[i]);
			if (d[i].nsteps > VCL_MAX_STEPS)
				__builtin_trap();
		}
		if (d != NULL) {
			vcl_advise_render_table(null, &m, &in, d, true, NULL);
			vcl_advise_render_json(null, &m, &in, d, true, NULL);
		}
		free(d);
		fclose(null);
	}
	vcl_advise_input_free(&in);
	return 0;
}

#endif

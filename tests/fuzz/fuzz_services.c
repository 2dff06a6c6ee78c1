/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the --services file (harness/bench/services.c), the
 * YAML a user writes by hand; seeds: tests/fuzz/corpus/services/. Every
 * rejection is one line naming the file and its line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vcl_services *s = NULL;
	struct vcl_error *err = NULL;
	struct vcl_limits run = {.mem_mib = 256, .cpus = 1, .pids = 64};

	if (vcl_services_parse("svc.yaml", (const char *)data, size, &s, &err) < 0) {
		if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL ||
		    strncmp(err->msg, "svc.yaml", 8) != 0)
			__builtin_trap();
		vcl_error_free(err);
		return 0;
	}
	if (s == NULL || s->n == 0)
		__builtin_trap(); /* a file that parses names at least one service */
	for (size_t i = 0; i < s->n; i++)
		(void)vcl_services_limits(s, i, &run);
	vcl_services_free(s);
	return 0;
}

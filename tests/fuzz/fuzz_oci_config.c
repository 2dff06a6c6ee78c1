/* SPDX-License-Identifier: MIT */
/* libFuzzer target: an OCI image config blob applied as vclab applies it
 * (image.c's vcl_image_config_apply): Entrypoint, Cmd, Env, WorkingDir,
 * User, ExposedPorts, with and without overrides. Seeds:
 * tests/fuzz/corpus/oci_config/. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/results.h"
#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply(struct json_object *cfg, const struct vcl_image_opts *o)
{
	struct vcl_image img = {.reference = "oci:fuzz"};
	struct vcl_error *err = NULL;

	if (vcl_image_config_apply(cfg, o, &img, &err) < 0) {
		if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL)
			__builtin_trap();
		vcl_error_free(err);
	} else if (img.argv == NULL || img.argv[0] == NULL || img.svc.port == 0) {
		__builtin_trap(); /* success means something to run on a known port */
	}
	vcl_image_free(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char e0[] = "A=override", e1[] = "PATH=/x";
	static char c0[] = "/bin/sh", c1[] = "-c", c2[] = "true";
	static char *env[] = {e0, e1, NULL};
	static char *cmd[] = {c0, c1, c2, NULL};
	struct vcl_image_opts none = {0};
	struct vcl_image_opts over = {.port = 8080, .env = env, .cmd = cmd, .name = "fz"};
	struct json_object *cfg = NULL;
	struct vcl_error *err = NULL;

	if (vcl_json_parse_buffer("config", (const char *)data, size, &cfg, &err) < 0) {
		vcl_error_free(err);
		return 0;
	}
	apply(cfg, &none);
	apply(cfg, &over);
	json_object_put(cfg);
	return 0;
}

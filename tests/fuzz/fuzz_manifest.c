/* SPDX-License-Identifier: MIT */
/* libFuzzer target: Kubernetes manifests as `bench --manifest` reads them
 * (bench/manifest.c), with an --image-map so images resolve (seeds:
 * tests/fuzz/corpus/manifest/). Every input either parses or gives one
 * error line; nothing may crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char map[] = "busybox:1.36=oci:/nonexistent:latest\nredis:7=oci:/x:redis\n";
	const char *names[] = {"fuzz.yaml"}, *bufs[] = {(const char *)data};
	size_t lens[] = {size};
	struct vcl_image_maps maps = {0};
	struct vcl_services *s = NULL;
	struct vcl_error *err = NULL;

	if (vcl_image_maps_parse(&maps, "map", map, strlen(map), &err) < 0)
		abort();
	if (vcl_manifest_parse(1, names, bufs, lens, &maps, &s, &err) == 0) {
		for (size_t i = 0; i < s->n; i++) {
			struct json_object *j = vcl_manifest_json(&s->v[i]);

			json_object_put(j);
		}
		vcl_services_free(s);
	} else if (err == NULL || strchr(err->msg, '\n') != NULL) {
		abort(); /* an error is one line */
	}
	vcl_error_free(err);
	vcl_image_maps_free(&maps);
	return 0;
}

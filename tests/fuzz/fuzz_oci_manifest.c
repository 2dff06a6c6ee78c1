/* SPDX-License-Identifier: MIT */
/* libFuzzer target: an OCI image manifest (image/oci.c): the config
 * digest vclab opens next and the declared size it reports. Seeds:
 * tests/fuzz/corpus/oci_manifest/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char digest[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;
	uint64_t total = 0;

	if (vcl_oci_manifest_read("manifest", (const char *)data, size, digest, &total, &err) < 0) {
		if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL)
			__builtin_trap();
		vcl_error_free(err);
		return 0;
	}
	if (!vcl_oci_digest_ok(digest))
		__builtin_trap();
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* libFuzzer target: an OCI layout's index.json (image/oci.c), the file
 * whose first manifest digest names the next file vclab opens. Seeds:
 * tests/fuzz/corpus/oci_index/. A digest it returns must be one that
 * cannot leave blobs/sha256/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char digest[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;

	if (vcl_oci_index_read("index.json", (const char *)data, size, digest, &err) < 0) {
		if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL)
			__builtin_trap(); /* one line that says why */
		vcl_error_free(err);
		return 0;
	}
	if (!vcl_oci_digest_ok(digest) || strchr(digest, '/') != NULL)
		__builtin_trap();
	return 0;
}

/* SPDX-License-Identifier: MIT */
#ifndef VCL_IMAGE_OCI_H
#define VCL_IMAGE_OCI_H

/*
 * The OCI image layout's JSON documents, read without touching a file:
 * image.c hands in the text of index.json and of the manifest blob, and
 * gets back the digests it may open. Pure, fuzzed (tests/fuzz/fuzz_oci_*.c).
 *
 * Every digest returned has passed vcl_oci_digest_ok: "sha256:" and 64
 * lowercase hex digits, so a digest from a file can never name a path
 * outside the layout's blobs/sha256/.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define VCL_OCI_DIGEST_LEN 71 /* "sha256:" + 64 hex */

/* True for "sha256:<64 lowercase hex>" and nothing else. */
bool vcl_oci_digest_ok(const char *digest);

/* index.json: the digest of its first manifest. name is used in messages.
 * Errors (VCL_E_USAGE): not JSON, not an object, no manifests array, a
 * first entry without a valid digest. */
int vcl_oci_index_read(const char *name, const char *text, size_t len,
		       char digest[VCL_OCI_DIGEST_LEN + 1], struct vcl_error **err);

/* An image manifest: its config digest and the image's size (config plus
 * layers, in bytes, as the manifest declares them; negative or missing
 * sizes count 0, the sum saturates). Errors (VCL_E_USAGE): not JSON, no
 * config with a valid digest, layers that are not an array of objects. */
int vcl_oci_manifest_read(const char *name, const char *text, size_t len,
			  char config_digest[VCL_OCI_DIGEST_LEN + 1], uint64_t *size,
			  struct vcl_error **err);

#endif

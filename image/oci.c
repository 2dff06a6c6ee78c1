/* SPDX-License-Identifier: MIT */
/* The OCI layout's index and manifest, read from text (oci.h). Pure. */
#include "image/oci.h"

#include <json-c/json.h>
#include <string.h>

#include "core/results.h"

bool vcl_oci_digest_ok(const char *digest)
{
	return digest != NULL && strncmp(digest, "sha256:", 7) == 0 &&
	       strlen(digest) == VCL_OCI_DIGEST_LEN && strspn(digest + 7, "0123456789abcdef") == 64;
}

/* o[key] when o is an object holding it with type t, else NULL. json-c's
 * array and object accessors assert on the wrong type, so every step
 * through a document from a file checks the type first. */
static struct json_object *member(struct json_object *o, const char *key, enum json_type t)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static int copy_digest(struct json_object *o, char out[VCL_OCI_DIGEST_LEN + 1])
{
	const char *d = json_object_get_string(member(o, "digest", json_type_string));

	if (!vcl_oci_digest_ok(d))
		return -1;
	memcpy(out, d, VCL_OCI_DIGEST_LEN + 1);
	return 0;
}

/* A declared size: an integer >= 0, anything else counts 0. */
static uint64_t declared_size(struct json_object *o)
{
	struct json_object *s = member(o, "size", json_type_int);
	int64_t v = s != NULL ? json_object_get_int64(s) : 0;

	return v > 0 ? (uint64_t)v : 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int vcl_oci_index_read(const char *name, const char *text, size_t len,
		       char digest[VCL_OCI_DIGEST_LEN + 1], struct vcl_error **err)
{
	struct json_object *index = NULL, *m;
	int ret = 0;

	if (vcl_json_parse_buffer(name, text, len, &index, err) < 0)
		return -1;
	m = member(index, "manifests", json_type_array);
	if (m == NULL || json_object_array_length(m) == 0)
		ret = vcl_usage(err, "%s: no manifests", name);
	else if (copy_digest(json_object_array_get_idx(m, 0), digest) < 0)
		ret = vcl_usage(err, "%s: the first manifest has no sha256 digest", name);
	json_object_put(index);
	return ret;
}

int vcl_oci_manifest_read(const char *name, const char *text, size_t len,
			  char config_digest[VCL_OCI_DIGEST_LEN + 1], uint64_t *size,
			  struct vcl_error **err)
{
	struct json_object *manifest = NULL, *config, *layers, *raw = NULL;
	int ret = 0;

	if (vcl_json_parse_buffer(name, text, len, &manifest, err) < 0)
		return -1;
	config = member(manifest, "config", json_type_object);
	layers = member(manifest, "layers", json_type_array);
	if (copy_digest(config, config_digest) < 0) {
		ret = vcl_usage(err, "%s: manifest without a config digest", name);
		goto out;
	}
	if (layers == NULL && json_object_is_type(manifest, json_type_object) &&
	    json_object_object_get_ex(manifest, "layers", &raw) && raw != NULL) {
		ret = vcl_usage(err, "%s: layers is not an array", name);
		goto out;
	}
	*size = declared_size(config);
	for (size_t i = 0; layers != NULL && i < json_object_array_length(layers); i++) {
		struct json_object *l = json_object_array_get_idx(layers, i);

		if (!json_object_is_type(l, json_type_object)) {
			ret = vcl_usage(err, "%s: layer %zu is not an object", name, i);
			goto out;
		}
		*size = add_sat(*size, declared_size(l));
	}
out:
	json_object_put(manifest);
	return ret;
}

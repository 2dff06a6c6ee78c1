/* SPDX-License-Identifier: MIT */
/* The OCI layout readers (image/oci.c) on literal text: the digests they
 * hand back, the sizes, and one-line errors for documents of the wrong
 * shape (json-c asserts on an array accessor given a number). */
#include <check.h>
#include <string.h>

#include "image/oci.h"
#include "tests/suite_main.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void bad_index(const char *text, const char *expect)
{
	char d[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_oci_index_read("index.json", text, strlen(text), d, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_msg(strstr(err->msg, expect) != NULL, "'%s' lacks '%s'", err->msg, expect);
	vcl_error_free(err);
}

static void bad_manifest(const char *text, const char *expect)
{
	char d[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;
	uint64_t size;

	ck_assert_int_eq(vcl_oci_manifest_read("m", text, strlen(text), d, &size, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err->msg, expect) != NULL, "'%s' lacks '%s'", err->msg, expect);
	vcl_error_free(err);
}

START_TEST(test_digest_ok)
{
	ck_assert(vcl_oci_digest_ok("sha256:" HEX));
	ck_assert(!vcl_oci_digest_ok("sha256:" HEX "0"));
	ck_assert(!vcl_oci_digest_ok("sha512:" HEX));
	ck_assert(!vcl_oci_digest_ok("sha256:../../../../etc/passwd" HEX));
	ck_assert(!vcl_oci_digest_ok(
	    "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	ck_assert(!vcl_oci_digest_ok(NULL));
}
END_TEST

START_TEST(test_index)
{
	const char *t = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX "\"},"
			"{\"digest\":\"sha256:x\"}]}";
	char d[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_oci_index_read("index.json", t, strlen(t), d, &err), 0);
	ck_assert_str_eq(d, "sha256:" HEX);
	bad_index("{\"manifests\":[]}", "index.json: no manifests");
	bad_index("{\"manifests\":5}", "index.json: no manifests");
	bad_index("[1]", "index.json: no manifests");
	bad_index("{\"manifests\":[7]}", "no sha256 digest");
	bad_index("{\"manifests\":[{\"digest\":\"sha256:../x\"}]}", "no sha256 digest");
	bad_index("{\"manifests\":[", "index.json:1:15: unexpected end of file");
}
END_TEST

START_TEST(test_manifest)
{
	const char *t = "{\"config\":{\"digest\":\"sha256:" HEX "\",\"size\":100},"
			"\"layers\":[{\"size\":1000},{\"size\":-7},{}]}";
	const char *big =
	    "{\"config\":{\"digest\":\"sha256:" HEX "\",\"size\":9223372036854775807},"
	    "\"layers\":[{\"size\":9223372036854775807},{\"size\":9223372036854775807}]}";
	char d[VCL_OCI_DIGEST_LEN + 1];
	struct vcl_error *err = NULL;
	uint64_t size = 0;

	ck_assert_int_eq(vcl_oci_manifest_read("m", t, strlen(t), d, &size, &err), 0);
	ck_assert_str_eq(d, "sha256:" HEX);
	ck_assert_uint_eq(size, 1100);
	ck_assert_int_eq(vcl_oci_manifest_read("m", big, strlen(big), d, &size, &err), 0);
	ck_assert_uint_eq(size, UINT64_MAX);
	bad_manifest("{\"config\":{\"digest\":\"sha256:" HEX "\"},\"layers\":5}",
		     "m: layers is not an array");
	bad_manifest("{\"config\":{\"digest\":\"sha256:" HEX "\"},\"layers\":[3]}",
		     "m: layer 0 is not an object");
	bad_manifest("{\"config\":\"sha256:" HEX "\"}", "m: manifest without a config digest");
	bad_manifest("{}", "m: manifest without a config digest");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_digest_ok);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_manifest);
	suite_add_tcase(s, tc);
	return run_suite(s);
}

/* SPDX-License-Identifier: MIT */
/* The pure parts of the user's service: the image config applied with the
 * overrides, --ready, the name from a reference. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/probe.h"
#include "image/image.h"
#include "tests/suite_main.h"

static const char config_text[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
    "\"Entrypoint\":[\"/bin/httpd\"],\"Cmd\":[\"-f\",\"-p\",\"8080\"],"
    "\"Env\":[\"PATH=/bin\",\"A=1\"],\"WorkingDir\":\"/www\",\"User\":\"1000:1000\","
    "\"ExposedPorts\":{\"8080/tcp\":{}}}}";

START_TEST(test_config_defaults)
{
	struct json_object *cfg = json_tokener_parse(config_text);
	struct vcl_image_opts o = {0};
	struct vcl_image img = {.reference = "oci:x"};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_image_config_apply(cfg, &o, &img, &err), 0);
	ck_assert_str_eq(img.argv[0], "/bin/httpd");
	ck_assert_str_eq(img.argv[3], "8080");
	ck_assert_ptr_null(img.argv[4]);
	ck_assert_str_eq(img.envp[1], "A=1");
	ck_assert_str_eq(img.cwd, "/www");
	ck_assert_str_eq(img.user, "1000:1000");
	ck_assert_uint_eq(img.svc.port, 8080);
	vcl_image_free(&img);
	json_object_put(cfg);
}
END_TEST

START_TEST(test_config_overrides)
{
	struct json_object *cfg = json_tokener_parse(config_text);
	char a2[] = "A=2", b3[] = "B=3", v[] = "-v";
	char *env[] = {a2, b3, NULL}, *cmd[] = {v, NULL};
	struct vcl_image_opts o = {.port = 9000, .env = env, .cmd = cmd};
	struct vcl_image img = {.reference = "oci:x"};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_image_config_apply(cfg, &o, &img, &err), 0);
	ck_assert_str_eq(img.argv[1], "-v"); /* -- CMD replaces Cmd, keeps Entrypoint */
	ck_assert_ptr_null(img.argv[2]);
	ck_assert_str_eq(img.envp[1], "A=2");
	ck_assert_str_eq(img.envp[2], "B=3");
	ck_assert_uint_eq(img.svc.port, 9000);
	vcl_image_free(&img);
	json_object_put(cfg);
}
END_TEST

START_TEST(test_config_errors)
{
	struct json_object *none = json_tokener_parse("{\"config\":{}}");
	struct json_object *two = json_tokener_parse(
	    "{\"config\":{\"Cmd\":[\"x\"],\"ExposedPorts\":{\"80/tcp\":{},\"443/tcp\":{}}}}");
	char noeq[] = "NOEQUALS";
	char *badenv[] = {noeq, NULL};
	struct vcl_image_opts o = {0}, oe = {.port = 1, .env = badenv};
	struct vcl_image img = {.reference = "oci:x"};
	struct vcl_error *err = NULL;

	ck_assert_int_eq(vcl_image_config_apply(none, &o, &img, &err), -1);
	ck_assert_int_eq(err->kind, VCL_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err->msg, "no entrypoint and no command"));
	vcl_error_freep(&err);
	ck_assert_int_eq(vcl_image_config_apply(two, &o, &img, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "exposes 2 ports"));
	vcl_error_freep(&err);
	ck_assert_int_eq(vcl_image_config_apply(two, &oe, &img, &err), -1);
	ck_assert_ptr_nonnull(strstr(err->msg, "expected K=V"));
	vcl_error_freep(&err);
	/* No config at all (rootfs:): the command must come from -- CMD. */
	ck_assert_int_eq(vcl_image_config_apply(NULL, &o, &img, &err), -1);
	vcl_error_freep(&err);
	vcl_image_free(&img);
	json_object_put(none);
	json_object_put(two);
}
END_TEST

START_TEST(test_ready_parse)
{
	struct vcl_ready r;

	ck_assert_int_eq(vcl_ready_parse("tcp", &r), 0);
	ck_assert_int_eq(r.kind, VCL_READY_TCP);
	ck_assert_int_eq(vcl_ready_parse("http:/", &r), 0);
	ck_assert_str_eq(r.path, "/");
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(vcl_ready_parse("http:/healthz=204", &r), 0);
	ck_assert_str_eq(r.path, "/healthz");
	ck_assert_int_eq(r.status, 204);
	ck_assert_int_eq(vcl_ready_parse("http:healthz", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("http:/x=99", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("http:/a b", &r), -1);
	ck_assert_int_eq(vcl_ready_parse("udp", &r), -1);
}
END_TEST

START_TEST(test_name_from_ref)
{
	char n[64];

	vcl_image_name_from_ref("oci:/x/busybox-httpd:latest", n, sizeof(n));
	ck_assert_str_eq(n, "busybox-httpd");
	vcl_image_name_from_ref("docker-archive:/tmp/bb.tar", n, sizeof(n));
	ck_assert_str_eq(n, "bb");
	vcl_image_name_from_ref("rootfs:/srv/app/", n, sizeof(n));
	ck_assert_str_eq(n, "app");
	vcl_image_name_from_ref("/usr/bin/python3", n, sizeof(n));
	ck_assert_str_eq(n, "python3");
}
END_TEST

/* The VM disk's size: data, a quarter more, inode tables, an 8 MiB floor,
 * whole 4 KiB blocks; inodes for every entry with room to spare. */
START_TEST(test_disk_geometry)
{
	uint64_t kib, inodes;

	vcl_image_disk_geometry(0, 0, &kib, &inodes);
	ck_assert_uint_eq(inodes, 256);
	ck_assert_uint_eq(kib, 8192 + 64);
	vcl_image_disk_geometry(40ULL << 20, 4000, &kib, &inodes);
	ck_assert_uint_eq(inodes, 5256);
	ck_assert_uint_eq(kib % 4, 0);
	ck_assert_uint_ge(kib, (40ULL << 10) * 5 / 4 + 8192);
	ck_assert_uint_le(kib, (40ULL << 10) * 5 / 4 + 8192 + 1400);
}
END_TEST

/* A tool that fails is a failure (exit 1), a tool that is missing is the
 * host's (exit 2, with how to install it); neither is a usage error. */
START_TEST(test_run_error_kinds)
{
	char a_sh[] = "sh", a_c[] = "-c", script[] = "echo first >&2; echo last words >&2; exit 3";
	char a_none[] = "vclab-no-such-tool";
	char *fails[] = {a_sh, a_c, script, NULL}, *missing[] = {a_none, NULL};
	struct vcl_error *err = NULL;
	char *out = NULL;

	ck_assert_int_eq(vcl_image_run(fails, &out, &err), -1);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(err->kind, VCL_E_FAIL);
	ck_assert_str_eq(err->msg, "sh failed: last words");
	ck_assert_int_eq(vcl_image_run(missing, NULL, &err), -1);
	ck_assert_int_eq(err->kind, VCL_E_ENV);
	ck_assert_msg(strstr(err->msg, "install it") != NULL, "%s", err->msg);
	vcl_error_free(err);
}
END_TEST

/* Make path (relative to the cache root) as a folder, or as a file when
 * it ends in ".ext4". */
static void cache_put(const char *root, const char *rel)
{
	char path[512], cmd[1200];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && %s '%s'", path,
		 strstr(rel, ".ext4") != NULL ? "touch" : "mkdir -p", path);
	ck_assert_int_eq(system(cmd), 0);
}

static bool cache_has(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* gc --cache removes what the layout before entry.json left (oci/<hex>,
 * rootfs/<hex>, disks/<hex>.ext4 and their dead temporaries), never a
 * run's own disk (disks/run-*.ext4: its ledger's) nor a finished entry. */
START_TEST(test_cache_gc_old_layout)
{
	char root[] = "/tmp/vclab-cache-XXXXXX", cmd[64], entry[256];
	struct vcl_error *err = NULL;
	unsigned removed = 0;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(setenv("VCLAB_CACHE", root, 1), 0);
	cache_put(root, "oci/" HEX);
	cache_put(root, "oci/" HEX ".tmp-999999999");
	cache_put(root, "rootfs/" HEX);
	cache_put(root, "disks/" HEX ".ext4");
	cache_put(root, "disks/run-1-2.ext4");
	cache_put(root, "unpacked/" HEX "/rootfs");
	snprintf(entry, sizeof(entry), "%s/unpacked/" HEX "/entry.json", root);
	f = fopen(entry, "we");
	ck_assert_ptr_nonnull(f);
	fputs("{\"digest\": \"sha256:" HEX "\", \"step\": \"unpack\"}\n", f);
	fclose(f);
	ck_assert_int_eq(vcl_cache_gc(false, &removed, &err), 0);
	ck_assert_uint_eq(removed, 4);
	ck_assert(!cache_has(root, "oci") && !cache_has(root, "rootfs"));
	ck_assert(!cache_has(root, "disks/" HEX ".ext4"));
	ck_assert(cache_has(root, "disks/run-1-2.ext4"));
	ck_assert(cache_has(root, "unpacked/" HEX "/rootfs"));
	unsetenv("VCLAB_CACHE");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_config");
	TCase *tc = tcase_create("pure");
	TCase *run = tcase_create("run");

	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_overrides);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_ready_parse);
	tcase_add_test(tc, test_name_from_ref);
	tcase_add_test(tc, test_disk_geometry);
	suite_add_tcase(s, tc);
	tcase_add_test(run, test_run_error_kinds);
	tcase_add_test(run, test_cache_gc_old_layout);
	suite_add_tcase(s, run);
	return run_suite(s);
}

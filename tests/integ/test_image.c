/* SPDX-License-Identifier: MIT */
/* The user's own service end to end (root): a busybox httpd image built
 * offline with umoci (tests/image/build-busybox.sh), measured by
 * `vclab bench --image` in bare and ctr, as an OCI layout and as a
 * docker-archive; bad input gives one line and exit 2; nothing is left. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "keep_results.h"
#include "integ_util.h"
#include "tests/suite_main.h"

#define IMG   "/tmp/vclab-test-image/oci"
#define CACHE "/tmp/vclab-test-image/cache"
#define OUT   "/tmp/vclab-test-image/out"

/* The programs this suite runs (its image's build and its tests). */
static const char *const needs[] = {INTEG_BUSYBOX_TOOLS, NULL};

static struct json_object *results(void)
{
	struct json_object *r = json_object_from_file(OUT "/results.json");

	ck_assert_ptr_nonnull(r);
	return r;
}

static void check_figures(struct json_object *r, const char *name, const char *placement)
{
	char path[192];
	struct json_object *b;

	snprintf(path, sizeof(path), "services.%s.backends.%s", name, placement);
	b = at(r, path);
	ck_assert_msg(b != NULL, "%s missing", path);
	ck_assert_int_eq(json_object_get_int(at(b, "startup_ms.n")), 3);
	ck_assert(json_object_get_double(at(b, "startup_ms.p50")) > 0);
	ck_assert(json_object_get_double(at(b, "phases_ms.create.p50")) > 0);
	ck_assert(json_object_get_double(at(b, "phases_ms.ready.p50")) > 0);
	ck_assert(json_object_get_double(at(b, "phases_ms.first_200.p50")) >=
		  json_object_get_double(at(b, "phases_ms.ready.p50")));
	/* busybox httpd is a ~1 MiB static binary: its PSS is ~1.5 MiB. */
	ck_assert(json_object_get_double(at(b, "memory.pss_kib")) > 200);
	ck_assert(json_object_get_double(at(b, "memory.pss_kib")) < 65536);
}

static void bench(const char *ref, const char *name, const char *extra)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image %s --name %s "
		 "--ready http:/ --backends bare,ctr --peers none --scenarios startup,memory "
		 "--runs 3 --warmup 1 --no-report -q --out " OUT " %s >/dev/null",
		 ref, name, extra);
	ck_assert_int_eq(run(cmd), 0);
}

START_TEST(test_oci_layout)
{
	struct json_object *r;

	bench("oci:" IMG ":latest", "bbhttpd", "");
	r = results();
	check_figures(r, "bbhttpd", "bare");
	check_figures(r, "bbhttpd", "ctr");
	ck_assert_str_eq(json_object_get_string(at(r, "services.bbhttpd.image.reference")),
			 "oci:" IMG ":latest");
	ck_assert_int_eq(
	    strncmp(json_object_get_string(at(r, "services.bbhttpd.image.digest")), "sha256:", 7),
	    0);
	ck_assert_int_eq(json_object_get_int(at(r, "services.bbhttpd.image.port")), 8080);
	ck_assert(json_object_get_int64(at(r, "services.bbhttpd.image.size")) > 500000);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
			     at(r, "services.bbhttpd.image.entrypoint"), 0)),
			 "/bin/httpd");
	/* The built-in payload's top-level keys are not made up for a service. */
	ck_assert_ptr_null(at(r, "backends.bare.startup_ms"));
	ck_assert_int_eq(json_object_array_length(at(r, "errors")), 0);
	keep_results(OUT "/results.json", "image-oci");
	integ_nothing_left(r, CACHE);
	json_object_put(r);
	/* Content-addressed: unpacked once, reused by the next run. */
	ck_assert_int_eq(run("test $(ls " CACHE "/unpacked | wc -l) -eq 1"), 0);
}
END_TEST

START_TEST(test_docker_archive)
{
	struct json_object *r;

	ck_assert_int_eq(run("rm -f /tmp/vclab-test-image/bb.tar && skopeo --insecure-policy copy "
			     "-q oci:" IMG ":latest docker-archive:/tmp/vclab-test-image/bb.tar"),
			 0);
	bench("docker-archive:/tmp/vclab-test-image/bb.tar", "bbarchive", "");
	r = results();
	check_figures(r, "bbarchive", "bare");
	check_figures(r, "bbarchive", "ctr");
	ck_assert_int_eq(json_object_get_int(at(r, "services.bbarchive.image.port")), 8080);
	keep_results(OUT "/results.json", "image-docker-archive");
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

/* A shell wrapper and its child: bare's PSS covers both processes. */
START_TEST(test_process_tree)
{
	struct json_object *r;

	bench("oci:" IMG ":shell", "bbshell", "");
	r = results();
	ck_assert_int_ge(
	    json_object_get_int(at(r, "services.bbshell.backends.bare.memory.sampled")), 1);
	check_figures(r, "bbshell", "bare");
	check_figures(r, "bbshell", "ctr");
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

START_TEST(test_bad_input)
{
	integ_bad(CACHE, OUT, "--image oci:/tmp/vclab-test-image/nonexistent:latest",
		  "Cannot read image");
	integ_bad(CACHE, OUT, "--image oci:" IMG ":noentry", "no entrypoint and no command");
	integ_bad(CACHE, OUT, "--image oci:" IMG ":noport", "No port known");
	integ_bad(CACHE, OUT, "--image oci:" IMG ":missing", "Entrypoint /bin/nothere");
	integ_bad(CACHE, OUT, "--image rootfs:/tmp/vclab-test-image/nonexistent",
		  "Cannot read image");
	integ_bad(CACHE, OUT, "--ready bogus --image oci:" IMG ":latest", "--ready bogus");
	ck_assert_int_eq(run("bin/vclab bench --runs 1 -- /bin/true 2>/dev/null"), 2);
}
END_TEST

/* A port the service never opens: an error per placement with its output,
 * the run fails, nothing is left. */
START_TEST(test_port_never_opened)
{
	struct json_object *r, *errs;
	int rc = run("rm -rf " OUT " && VCLAB_CACHE=" CACHE " bin/vclab bench --image oci:" IMG
		     ":latest --port 9999 --timeout-ms 800 --backends bare,ctr --peers none "
		     "--scenarios startup --runs 1 --warmup 0 -q --no-report --out " OUT
		     " >/dev/null 2>&1");

	ck_assert_int_ne(rc, 0);
	r = results();
	errs = at(r, "errors");
	ck_assert_int_gt(json_object_array_length(errs), 0);
	ck_assert_ptr_nonnull(
	    strstr(json_object_get_string(at(json_object_array_get_idx(errs, 0), "message")),
		   "port 9999 never accepted a connection"));
	integ_nothing_left(r, CACHE);
	json_object_put(r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {test_oci_layout, test_docker_archive, test_process_tree,
				      test_bad_input, test_port_never_opened};

	return integ_main_with_image("image", 300, tests, ARRAY_SIZE(tests), needs,
				     "/tmp/vclab-test-image", INTEG_BUSYBOX_SH);
}

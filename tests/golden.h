/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_GOLDEN_H
#define VCL_TEST_GOLDEN_H

/*
 * The one golden-file compare of the unit suites (report, advise, the
 * Kubernetes manifests). golden_check() compares generated text with a file
 * under tests/data/; on a difference it saves the text under
 * build/tests/golden/ and fails with the first differing line and the
 * `diff -u` to run.
 *
 * To accept a change on purpose, run the suite with VCLAB_UPDATE_GOLDEN=1
 * (from the repo root, e.g. `VCLAB_UPDATE_GOLDEN=1 build/tests/test_report`)
 * and review `git diff tests/data`. Under CI=true that is refused and the
 * test fails: CI checks the golden files, it never rewrites them.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/error.h"
#include "core/util.h"

#define VCL_GOLDEN_ACTUAL_DIR "build/tests/golden"

/* Is the run asked to rewrite the golden files? Fails the test under
 * CI=true. */
static inline bool golden_updating(void)
{
	const char *u = getenv("VCLAB_UPDATE_GOLDEN");
	const char *ci = getenv("CI");

	if (u == NULL || strcmp(u, "1") != 0)
		return false;
	ck_assert_msg(ci == NULL || strcmp(ci, "true") != 0,
		      "VCLAB_UPDATE_GOLDEN=1 under CI=true: CI never rewrites golden files");
	return true;
}

/* Compare text[0..len) with the golden file at path (its name in messages
 * is its last component), or rewrite it when updating. */
static inline void golden_check(const char *path, const char *text, size_t len)
{
	const char *base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	cleanup_free char *want = NULL;
	char actual[512];
	struct vcl_error *err = NULL;
	size_t wlen = 0, line = 1;

	if (golden_updating()) {
		ck_assert_msg(vcl_write_atomic(path, text, len, &err) == 0, "update %s: %s", path,
			      err != NULL ? err->msg : "?");
		fprintf(stderr, "updated golden %s\n", path);
		return;
	}
	if (vcl_read_file(path, &want, &wlen, &err) < 0) {
		ck_abort_msg("%s: %s (VCLAB_UPDATE_GOLDEN=1 creates it)", path,
			     err != NULL ? err->msg : "?");
		vcl_error_free(err);
		return;
	}
	if (wlen == len && memcmp(want, text, len) == 0)
		return;
	for (size_t i = 0; i < wlen && i < len && want[i] == text[i]; i++)
		line += want[i] == '\n';
	(void)mkdir("build", 0755);
	(void)mkdir("build/tests", 0755);
	(void)mkdir(VCL_GOLDEN_ACTUAL_DIR, 0755);
	snprintf(actual, sizeof(actual), "%s/%s", VCL_GOLDEN_ACTUAL_DIR, base);
	(void)vcl_write_atomic(actual, text, len, NULL);
	ck_abort_msg("%s differs from the generated text at line %zu: diff -u %s %s (if "
		     "intended: VCLAB_UPDATE_GOLDEN=1, see tests/golden.h)",
		     path, line, path, actual);
}

#endif

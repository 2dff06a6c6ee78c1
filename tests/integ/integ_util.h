/* SPDX-License-Identifier: MIT */
#ifndef VCL_TEST_INTEG_UTIL_H
#define VCL_TEST_INTEG_UTIL_H

/* What every integration suite does the same way: run a shell command for
 * its exit status, and walk a results.json by a dotted path. */

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Exit status of `sh -c cmd`, -1 when it did not exit. */
static inline int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The member at "a.b.c" below o, or NULL when a step is missing. */
static inline struct json_object *at(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); o != NULL && k != NULL;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	return o;
}

#endif

/* SPDX-License-Identifier: MIT */
#include "core/sample.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"

int vcl_parse_kib_field(const char *text, const char *field, uint64_t *out)
{
	size_t flen = strlen(field);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *end;
			unsigned long long v = strtoull(line + flen + 1, &end, 10);

			if (end == line + flen + 1)
				return -1;
			*out = v;
			return 0;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return -1;
}

int vcl_sample_pid(pid_t pid, uint64_t *pss_kib, uint64_t *rss_kib, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (vcl_read_file(path, &buf, NULL, err) < 0)
		return -1;
	if (vcl_parse_kib_field(buf, "Pss", pss_kib) < 0 ||
	    vcl_parse_kib_field(buf, "Rss", rss_kib) < 0)
		return vcl_fail(err, 0, "Parse %s", path);
	return 0;
}

int vcl_sample_pids(const pid_t *pids, size_t n, struct vcl_mem *mem, struct vcl_error **err)
{
	(void)err;
	for (size_t i = 0; i < n; i++) {
		uint64_t pss = 0, rss = 0;

		/* A process that exited between listing and reading is skipped;
		 * kernel threads have an empty smaps_rollup and add nothing. */
		if (vcl_sample_pid(pids[i], &pss, &rss, NULL) < 0)
			continue;
		mem->pss_kib += pss;
		mem->rss_kib += rss;
		mem->nprocs++;
	}
	return 0;
}

int vcl_memavailable_kib(uint64_t *out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;

	if (vcl_read_file("/proc/meminfo", &buf, NULL, err) < 0)
		return -1;
	if (vcl_parse_kib_field(buf, "MemAvailable", out) < 0)
		return vcl_fail(err, 0, "No MemAvailable in /proc/meminfo");
	return 0;
}

/* SPDX-License-Identifier: MIT */
#include "core/quiesce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/util.h"

int vcl_procs_running_parse(const char *text)
{
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "procs_running ", 14) == 0)
			return atoi(p + 14);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

static int procs_running(void)
{
	cleanup_free char *buf = NULL;

	if (vcl_read_file("/proc/stat", &buf, NULL, NULL) < 0)
		return -1;
	return vcl_procs_running_parse(buf);
}

void vcl_settle(unsigned max_ms, struct vcl_settle *out)
{
	uint64_t t0 = vcl_now_ns(), deadline = t0 + (uint64_t)max_ms * 1000000ULL;
	const struct timespec ms = {0, 1000000};
	int calm = 0, r = -1;

	for (;;) {
		r = procs_running();
		calm = (r >= 0 && r <= 1) ? calm + 1 : 0;
		if (calm >= 2 || r < 0 || vcl_now_ns() >= deadline)
			break;
		nanosleep(&ms, NULL);
	}
	out->ms = (double)(vcl_now_ns() - t0) / 1e6;
	out->quiet = calm >= 2;
	out->running = r;
}

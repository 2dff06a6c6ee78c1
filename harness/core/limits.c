/* SPDX-License-Identifier: MIT */
#include "core/limits.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

#define NOFILE_CEILING (1u << 20)

int vcl_raise_nofile(uint64_t *soft, uint64_t *hard, struct vcl_error **err)
{
	struct rlimit rl;
	uint64_t nr_open = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return vcl_fail(err, errno, "getrlimit(RLIMIT_NOFILE)");
	if (vcl_is_root() && vcl_read_u64("/proc/sys/fs/nr_open", &nr_open, NULL) == 0) {
		rlim_t want = nr_open < NOFILE_CEILING ? (rlim_t)nr_open : NOFILE_CEILING;

		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			rl.rlim_max = want;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		/* Not allowed to raise the hard limit: the soft one still can. */
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return vcl_fail(err, errno, "getrlimit(RLIMIT_NOFILE)");
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return vcl_fail(err, errno, "Raise RLIMIT_NOFILE to %llu",
					(unsigned long long)rl.rlim_max);
	}
	*soft = (uint64_t)rl.rlim_cur;
	*hard = (uint64_t)rl.rlim_max;
	return 0;
}

int vcl_fds_open(uint64_t *n, struct vcl_error **err)
{
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	*n = 0;
	if (d == NULL)
		return vcl_fail(err, errno, "Open /proc/self/fd");
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(*n)++;
	return 0;
}

int vcl_loadavg_tasks(const char *text, uint64_t *tasks)
{
	unsigned long long running, total;

	if (text == NULL || sscanf(text, "%*f %*f %*f %llu/%llu", &running, &total) != 2)
		return -1;
	*tasks = total;
	return 0;
}

/* pids.max and pids.current of the pids cgroup this process is in, v1's
 * pids hierarchy or v2's; 0 when unlimited or unknown. */
static int pids_cgroup(uint64_t *max, uint64_t *cur)
{
	cleanup_free char *cg = NULL;
	char path[512], *line, *save = NULL;

	*max = 0;
	if (vcl_read_file("/proc/self/cgroup", &cg, NULL, NULL) < 0)
		return 0;
	for (line = strtok_r(cg, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *rel = NULL, *root = NULL;
		cleanup_free char *v = NULL;

		if (strncmp(line, "0::", 3) == 0) {
			rel = line + 3;
			root = "/sys/fs/cgroup/unified";
			if (access("/sys/fs/cgroup/unified", F_OK) < 0)
				root = "/sys/fs/cgroup";
		} else if (strstr(line, ":pids:") != NULL) {
			rel = strstr(line, ":pids:") + 6;
			root = "/sys/fs/cgroup/pids";
		}
		if (rel == NULL)
			continue;
		snprintf(path, sizeof(path), "%s%s/pids.max", root, rel);
		if (vcl_read_file(path, &v, NULL, NULL) < 0 || strncmp(v, "max", 3) == 0)
			continue;
		*max = strtoull(v, NULL, 10);
		snprintf(path, sizeof(path), "%s%s/pids.current", root, rel);
		if (vcl_read_u64(path, cur, NULL) < 0)
			*max = 0;
		return 0;
	}
	return 0;
}

int vcl_pids_room(uint64_t *limit, uint64_t *used, struct vcl_error **err)
{
	cleanup_free char *la = NULL;
	uint64_t pid_max = 0, threads_max = 0, tasks = 0, cg_max = 0, cg_cur = 0;

	if (vcl_read_u64("/proc/sys/kernel/pid_max", &pid_max, err) < 0 ||
	    vcl_read_u64("/proc/sys/kernel/threads-max", &threads_max, err) < 0 ||
	    vcl_read_file("/proc/loadavg", &la, NULL, err) < 0)
		return -1;
	if (vcl_loadavg_tasks(la, &tasks) < 0)
		return vcl_fail(err, 0, "Unexpected /proc/loadavg: %s", la);
	*limit = pid_max < threads_max ? pid_max : threads_max;
	*used = tasks;
	pids_cgroup(&cg_max, &cg_cur);
	if (cg_max > 0 && cg_max - (cg_cur < cg_max ? cg_cur : cg_max) <
			      *limit - (tasks < *limit ? tasks : *limit)) {
		*limit = cg_max;
		*used = cg_cur;
	}
	return 0;
}

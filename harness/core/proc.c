/* SPDX-License-Identifier: MIT */
#include "core/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/sample.h"
#include "core/util.h"

int vcl_readyline_parse(const char *line, uint16_t *port)
{
	const char *p;

	if (strncmp(line, "VCLAB-READY", 11) != 0)
		return -1;
	p = strstr(line, " port=");
	if (p != NULL) {
		long v = strtol(p + 6, NULL, 10);

		if (v <= 0 || v > 65535)
			return -1;
		*port = (uint16_t)v;
	}
	return 0;
}

uint64_t vcl_readyline_start_ns(const char *line)
{
	const char *p = strstr(line, " start_ns=");
	char *end;
	unsigned long long v;

	if (p == NULL || p[10] < '0' || p[10] > '9')
		return 0;
	errno = 0;
	v = strtoull(p + 10, &end, 10);
	if (errno != 0 || (*end != '\0' && *end != ' '))
		return 0;
	return (uint64_t)v;
}

int vcl_readyline_feed(struct vcl_readyline *rl, int fd, uint16_t *port, struct vcl_error **err)
{
	for (;;) {
		ssize_t r = read(fd, rl->buf + rl->len, sizeof(rl->buf) - 1 - rl->len);
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			return vcl_fail(err, errno, "Read the READY channel");
		if (r == 0)
			return vcl_error_set(err, VCL_E_DIED, 0,
					     "READY channel closed before a VCLAB-READY line");
		rl->len += (size_t)r;
		rl->buf[rl->len] = '\0';
		while ((nl = strchr(rl->buf, '\n')) != NULL) {
			*nl = '\0';
			if (vcl_readyline_parse(rl->buf, port) == 0)
				return 1;
			/* Not ours (console noise): drop the line. */
			rl->len -= (size_t)(nl + 1 - rl->buf);
			memmove(rl->buf, nl + 1, rl->len + 1);
		}
		if (rl->len >= sizeof(rl->buf) - 1)
			rl->len = 0; /* an endless line is noise too */
	}
}

int vcl_explain_exit(const char *name, int status, struct vcl_cgroup *cg, struct vcl_error **err)
{
	struct vcl_cg_stats st;

	if (cg != NULL && vcl_cgroup_stats(cg, &st, NULL) == 0 && st.oom_kills > 0)
		return vcl_error_set(err, VCL_E_OOM, 0,
				     "%s was killed by its cgroup's memory limit (out of memory, "
				     "%llu OOM kill(s))",
				     name, (unsigned long long)st.oom_kills);
	if (WIFSIGNALED(status))
		return vcl_error_set(err, VCL_E_DIED, 0, "%s was killed by signal %d (%s)", name,
				     WTERMSIG(status), strsignal(WTERMSIG(status)));
	return vcl_error_set(err, VCL_E_DIED, 0, "%s exited with status %d", name,
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int vcl_proc_cpu_usec(pid_t pid, uint64_t *usec)
{
	char path[64], buf[1024];
	const char *p;
	unsigned long long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the last ')': state is 3; utime 14 and stime 15. */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2 ||
	    hz <= 0)
		return -1;
	*usec = (ut + st) * 1000000ULL / (unsigned long long)hz;
	return 0;
}

int vcl_sample_cgroup(struct vcl_cgroup *cg, struct vcl_mem *mem, struct vcl_error **err)
{
	struct vcl_cg_stats st;
	pid_t *pids = NULL;
	size_t n = 0;

	int r;

	if (vcl_cgroup_pids(cg, &pids, &n, err) < 0)
		return -1;
	r = vcl_sample_pids(pids, n, mem, err);
	free(pids);
	if (r < 0)
		return vcl_error_wrap(err, "Cgroup %s", vcl_cgroup_path(cg));
	if (vcl_cgroup_stats(cg, &st, err) < 0)
		return -1;
	vcl_mem_set_cgroup(mem, &st);
	return 0;
}

pid_t vcl_waitpid(pid_t pid, int *status, int flags)
{
	pid_t r;

	do
		r = waitpid(pid, status, flags);
	while (r < 0 && errno == EINTR);
	return r;
}

static void send_signal(pid_t pid, int pidfd, int sig)
{
	/* The pidfd cannot hit a recycled pid; the child is unreaped anyway,
	 * so kill() is the fallback when pidfds are missing. */
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		kill(pid, sig);
}

int vcl_proc_kill_reap(pid_t pid, int pidfd, int sig, int timeout_ms, int *status)
{
	const struct timespec tick = {.tv_nsec = 5L * 1000 * 1000};
	uint64_t deadline = vcl_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	int st = 0;
	pid_t r;

	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	send_signal(pid, pidfd, sig);
	while (sig != SIGKILL) {
		r = vcl_waitpid(pid, &st, WNOHANG);
		if (r < 0)
			return -1;
		if (r == pid)
			goto reaped;
		if (timeout_ms >= 0 && vcl_now_ns() >= deadline) {
			send_signal(pid, pidfd, SIGKILL);
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (vcl_waitpid(pid, &st, 0) < 0)
		return -1;
reaped:
	if (status != NULL)
		*status = st;
	return 0;
}

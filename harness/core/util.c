/* SPDX-License-Identifier: MIT */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"

uint64_t vcl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int vcl_read_file(const char *path, char **out, size_t *len, struct vcl_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (fd < 0)
		return vcl_fail(err, errno, "Open %s", path);
	buf = malloc(cap);
	if (buf == NULL)
		return vcl_fail(err, ENOMEM, "Read %s", path);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *grown = realloc(buf, cap * 2);

			if (grown == NULL)
				return vcl_fail(err, ENOMEM, "Read %s", path);
			buf = grown;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vcl_fail(err, errno, "Read %s", path);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	*out = steal_ptr(buf);
	return 0;
}

int vcl_read_u64(const char *path, uint64_t *out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	char *end;

	if (vcl_read_file(path, &buf, NULL, err) < 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf)
		return vcl_fail(err, 0, "Parse %s: not a number", path);
	return 0;
}

int vcl_write_file(const char *path, const char *data, struct vcl_error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(data);

	if (fd < 0)
		return vcl_fail(err, errno, "Open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		return vcl_fail(err, errno, "Write '%s' to %s", data, path);
	return 0;
}

int vcl_write_atomic(const char *path, const char *data, size_t len, struct vcl_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	size_t off = 0;

	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return vcl_fail(err, ENOMEM, "Write %s", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return vcl_fail(err, errno, "Create %s", tmp);
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;

			unlink(tmp);
			return vcl_fail(err, e, "Write %s", tmp);
		}
		off += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		int e = errno;

		fd = -1;
		unlink(tmp);
		return vcl_fail(err, e, "Flush %s", tmp);
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return vcl_fail(err, e, "Rename %s to %s", tmp, path);
	}
	return 0;
}

int vcl_mkdir_p(const char *path, struct vcl_error **err)
{
	cleanup_free char *p = strdup(path);

	if (p == NULL)
		return vcl_fail(err, ENOMEM, "Create %s", path);
	for (char *s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return vcl_fail(err, errno, "Create folder %s", p);
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return vcl_fail(err, errno, "Create folder %s", p);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int vcl_rm_rf(const char *path, struct vcl_error **err)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return vcl_fail(err, errno, "Remove %s", path);
	return 0;
}

int vcl_proc_starttime(pid_t pid, unsigned long long *out)
{
	char path[64];
	cleanup_free char *buf = NULL;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vcl_read_file(path, &buf, NULL, NULL) < 0 || buf == NULL)
		return -1;
	/* comm may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	/* After ')' come fields 3..: state is field 3, starttime field 22. */
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return -1;
	*out = strtoull(p + 1, NULL, 10);
	return 0;
}

int vcl_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int vcl_self_relative(const char *rel, char **out, struct vcl_error **err)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0)
		return vcl_fail(err, errno, "Read /proc/self/exe");
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	if (asprintf(out, "%s/%s", self, rel) < 0)
		return vcl_fail(err, ENOMEM, "Locate %s", rel);
	return 0;
}

int vcl_libdir_file(const char *file, char **out, struct vcl_error **err)
{
	const char *env = getenv("VCLAB_LIBDIR");
	char *p = NULL;

	*out = NULL;
	if (env != NULL && *env != '\0') {
		if (asprintf(&p, "%s/%s", env, file) < 0)
			return vcl_fail(err, ENOMEM, "Locate %s", file);
	} else {
		cleanup_free char *rel = NULL;

		if (asprintf(&rel, "../lib/vclab/%s", file) < 0)
			return vcl_fail(err, ENOMEM, "Locate %s", file);
		if (vcl_self_relative(rel, &p, err) < 0)
			return -1;
	}
	if (p == NULL)
		return vcl_fail(err, ENOMEM, "Locate %s", file);
	if (access(p, F_OK) != 0) {
		free(p);
		return 1;
	}
	*out = p;
	return 0;
}

volatile int vcl_interrupted;

int vcl_error_interrupted(struct vcl_error **err)
{
	return vcl_error_set(err, VCL_E_INTR, 0, "Interrupted by signal %d", vcl_interrupted);
}

static void on_signal(int sig)
{
	vcl_interrupted = sig;
}

/* SIGPIPE: a write to a closed socket or pipe returns EPIPE instead of
 * ending the harness. A handler, not SIG_IGN: an ignored signal stays
 * ignored across execve, and every service, runtime and tool vclab starts
 * would inherit it; a caught one is back to its default in them. */
static void on_sigpipe(int sig)
{
	(void)sig;
}

void vcl_install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking waits return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_sigpipe;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPIPE, &sa, NULL);
}

int vcl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int vcl_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || isnan(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char **vcl_split_list(const char *s)
{
	size_t n = 1, i = 0;
	char **v;
	const char *p = s;

	for (const char *c = s; *c != '\0'; c++)
		n += *c == ',';
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

		if (len == 0 || (v[i] = strndup(p, len)) == NULL) {
			vcl_strvfreep(&v);
			return NULL;
		}
		i++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return v;
}

size_t vcl_strv_len(char **v)
{
	size_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

bool vcl_strv_contains(char **v, const char *s)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

void vcl_xml_put(FILE *f, const char *s, size_t n, unsigned flags)
{
	for (size_t i = 0; s != NULL && i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&':
			fputs("&amp;", f);
			continue;
		case '<':
			fputs("&lt;", f);
			continue;
		case '>':
			fputs("&gt;", f);
			continue;
		case '"':
			fputs("&quot;", f);
			continue;
		case '\'':
			fputs((flags & VCL_ESC_APOS) ? "&apos;" : "'", f);
			continue;
		default:
			break;
		}
		if ((flags & VCL_ESC_CTRL) && c < 0x20) {
			if (c == '\n' || c == '\t' || c == '\r')
				fprintf(f, "&#%u;", c);
			continue;
		}
		fputc(c, f);
	}
}

bool vcl_is_root(void)
{
	cap_t caps;
	cap_flag_value_t v = CAP_CLEAR;

	if (geteuid() != 0)
		return false;
	caps = cap_get_proc();
	if (caps == NULL)
		return false;
	cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

int vcl_cpulist_parse(const char *list, cpu_set_t *set)
{
	const char *p = list;

	CPU_ZERO(set);
	if (list == NULL || *list == '\0')
		return -1;
	while (*p != '\0') {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi;

		if (end == p)
			return -1;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || hi < lo)
				return -1;
		}
		if (hi >= CPU_SETSIZE)
			return -1;
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (*end == ',')
			end++;
		else if (*end != '\0' && *end != '\n')
			return -1;
		p = end;
		if (*p == '\n')
			break;
	}
	return 0;
}

int vcl_loopback_up_on(int sock)
{
	struct ifreq ifr = {.ifr_name = "lo"};

	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

int vcl_loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret, saved;

	if (s < 0)
		return -1;
	ret = vcl_loopback_up_on(s);
	saved = errno;
	close(s);
	errno = saved; /* the caller reports why the ioctl failed */
	return ret;
}

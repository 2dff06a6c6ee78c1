/* SPDX-License-Identifier: MIT */
/*
 * The isolation probe's facts (payload/isoprobe.h): capabilities,
 * no_new_privs and seccomp, a fixed list of sensitive system calls tried
 * harmlessly, what of the host's processes, network, kernel paths and
 * devices it sees, and whether its kernel is the host's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "payload/isoprobe.h"

/* try_*: no private folder to try on (not an errno). */
#define UNTRIED (-100000L)

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

void vcl_isobuf_put(struct vcl_isobuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

void vcl_isobuf_str(struct vcl_isobuf *b, const char *s)
{
	vcl_isobuf_put(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			vcl_isobuf_put(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			vcl_isobuf_put(b, "\\u%04x", c);
		else
			vcl_isobuf_put(b, "%c", c);
	}
	vcl_isobuf_put(b, "\"");
}

/* ---- capabilities, no_new_privs, seccomp ------------------------------ */

/* The value of "Key:" in /proc/self/status, or "" (gVisor leaves some out). */
static void status_field(const char *key, char *out, size_t size)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, size, "%s", v);
			break;
		}
	}
	fclose(f);
}

static void put_capset(struct vcl_isobuf *b, const char *key, cap_t caps, cap_flag_t flag,
		       bool bounding)
{
	bool first = true;

	vcl_isobuf_put(b, "\"%s\":[", key);
	for (cap_value_t v = 0; v <= CAP_LAST_CAP || v < (cap_value_t)cap_max_bits(); v++) {
		cap_flag_value_t on = CAP_CLEAR;
		char *name;

		if (bounding) {
			int r = cap_get_bound(v);

			if (r < 0)
				break; /* past the kernel's last capability */
			on = r > 0 ? CAP_SET : CAP_CLEAR;
		} else if (caps == NULL || cap_get_flag(caps, v, flag, &on) < 0) {
			break;
		}
		if (on != CAP_SET)
			continue;
		name = cap_to_name(v);
		vcl_isobuf_put(b, first ? "" : ",");
		vcl_isobuf_str(b, name != NULL ? name : "?");
		cap_free(name);
		first = false;
	}
	vcl_isobuf_put(b, "]");
}

static void put_privileges(struct vcl_isobuf *b)
{
	cap_t caps = cap_get_proc();
	char seccomp[32], nnp[32];
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

	vcl_isobuf_put(b, "\"uid\":%u,\"caps\":{", (unsigned)geteuid());
	put_capset(b, "effective", caps, CAP_EFFECTIVE, false);
	vcl_isobuf_put(b, ",");
	put_capset(b, "permitted", caps, CAP_PERMITTED, false);
	vcl_isobuf_put(b, ",");
	put_capset(b, "bounding", NULL, CAP_EFFECTIVE, true);
	vcl_isobuf_put(b, "},");
	if (caps != NULL)
		cap_free(caps);
	status_field("NoNewPrivs", nnp, sizeof(nnp));
	vcl_isobuf_put(b, "\"no_new_privs\":%s,",
		       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? "true" : "false");
	/* /proc/self/status says 0 none, 1 strict, 2 filter; PR_GET_SECCOMP
	 * tells the same where status leaves it out (a filter that traps
	 * prctl would have killed us, so it answered). */
	status_field("Seccomp", seccomp, sizeof(seccomp));
	if (seccomp[0] == '\0' && mode >= 0)
		snprintf(seccomp, sizeof(seccomp), "%d", mode);
	vcl_isobuf_put(b, "\"seccomp\":\"%s\",",
		       strcmp(seccomp, "2") == 0   ? "filter"
		       : strcmp(seccomp, "1") == 0 ? "strict"
		       : strcmp(seccomp, "0") == 0 ? "disabled"
						   : "unknown");
}

/* ---- the system calls ------------------------------------------------- */

/* A folder of the probe's own (mount and mknod targets), or "" when no
 * writable place exists (a read-only root with no tmpfs). */
static char priv_dir[64];

static void make_priv_dir(void)
{
	static const char *const where[] = {"/tmp", "/run", "/dev/shm", "/dev", "/var/tmp"};

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(priv_dir, sizeof(priv_dir), "%s/vclab-isoprobe-XXXXXX", where[i]);
		if (mkdtemp(priv_dir) != NULL)
			return;
	}
	priv_dir[0] = '\0';
}

static long try_mount(void)
{
	if (priv_dir[0] == '\0')
		return UNTRIED;
	if (mount("vclab-isoprobe", priv_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k") < 0)
		return -errno;
	umount2(priv_dir, MNT_DETACH);
	return 0;
}

/* The new mount API: a tmpfs superblock attached nowhere, then closed. */
static long try_fsopen(void)
{
#ifdef SYS_fsopen
	long fd = syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);

	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
#else
	return -ENOSYS;
#endif
}

/* A tracing program of one instruction with no valid opcode: past the
 * capability checks (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) the
 * verifier rejects it with EINVAL; nothing is ever loaded. */
static long try_bpf(void)
{
	static const char license[] = "GPL";
	struct bpf_insn insn = {.code = 0xff};
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	attr.insn_cnt = 1;
	attr.insns = (uint64_t)(uintptr_t)&insn;
	attr.license = (uint64_t)(uintptr_t)license;
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

/* The thread keyring's id without creating it: ENOKEY once allowed. */
static long try_keyctl(void)
{
	return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -1 /* THREAD */, 0) < 0 ? -errno
											  : 0;
}

/* Run fn in a child and return what it returned (a negative errno or 0):
 * whatever it changes (a new user namespace, a tracer link) ends with it. */
static long in_child(long (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		long r = fn();

		_exit(r < 0 ? (int)-r : 0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? -(long)WEXITSTATUS(st) : -ECHILD;
}

/* PTRACE_SEIZE has PTRACE_ATTACH's permission checks but never stops the
 * tracee, and the child's exit detaches it: pid 1 never pauses. */
static long seize_pid1(void)
{
	return syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 1, 0, 0) < 0 ? -errno : 0;
}

/* When the probe is pid 1 itself (a container's init), a child may trace
 * its own parent without any capability; non-dumpable, the parent needs
 * CAP_SYS_PTRACE, as a foreign pid 1 (the host's init) would. */
static long try_ptrace(void)
{
	bool self = getpid() == 1;
	long r;

	if (self)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	r = in_child(seize_pid1);
	if (self)
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return r;
}

static long new_userns(void)
{
	return unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
}

/* EINVAL: a kernel built without user namespaces (the micro guest). */
static long try_unshare_user(void)
{
	long r = in_child(new_userns);

	return r == -EINVAL ? -ENOSYS : r;
}

/* A system-wide software counter (every task, CPU 0): needs CAP_PERFMON
 * (or perf_event_paranoid < 1); closed unread. */
static long try_perf(void)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.disabled = 1;
	fd = syscall(SYS_perf_event_open, &a, -1, 0, -1, 0);
	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

/* No module at all: EPERM without CAP_SYS_MODULE, else a bad-image error. */
static long try_init_module(void)
{
	return syscall(SYS_init_module, NULL, 0UL, "") < 0 ? -errno : 0;
}

/* CAP_SYS_BOOT is checked before the magic numbers: with a wrong second
 * magic and an unknown command the call can only fail (EINVAL). */
static long try_reboot(void)
{
	return syscall(SYS_reboot, 0xfee1deadUL, 0UL, 0x12345678UL, NULL) < 0 ? -errno : 0;
}

static long try_swapon(void)
{
	return swapon("/nonexistent/vclab-isoprobe-swap", 0) < 0 ? -errno : 0;
}

/* A zero-length handle: EPERM without CAP_DAC_READ_SEARCH (the
 * "shocker" escape's call), else EINVAL. */
static long try_open_by_handle(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[8];
	} fh = {0, 0, {0}};

	return syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY) < 0 ? -errno : 0;
}

static long try_userfaultfd(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

/* The size of the kernel log buffer: what `dmesg` needs first. */
static long try_syslog(void)
{
	return klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0) < 0 ? -errno : 0;
}

static long try_raw_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* A character device node (1:3, null) in the probe's folder, removed. */
static long try_mknod(void)
{
	char path[96];

	if (priv_dir[0] == '\0')
		return UNTRIED;
	snprintf(path, sizeof(path), "%s/null", priv_dir);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0)
		return -errno;
	unlink(path);
	return 0;
}

static const struct {
	const char *name;
	long (*fn)(void);
} calls[] = {
    {"mount_tmpfs", try_mount},
    {"fsopen_tmpfs", try_fsopen},
    {"bpf_prog_load", try_bpf},
    {"keyctl", try_keyctl},
    {"ptrace_pid1", try_ptrace},
    {"unshare_userns", try_unshare_user},
    {"perf_event_open", try_perf},
    {"init_module", try_init_module},
    {"reboot", try_reboot},
    {"swapon", try_swapon},
    {"open_by_handle_at", try_open_by_handle},
    {"userfaultfd", try_userfaultfd},
    {"syslog", try_syslog},
    {"raw_socket", try_raw_socket},
    {"mknod_char", try_mknod},
};

/* "denied": the kernel or a filter refused (EPERM, EACCES); "absent": the
 * kernel (or gVisor) lacks the call or the feature asked for (ENOSYS;
 * EOPNOTSUPP, EAFNOSUPPORT, ENODEV: gVisor answers so for file handles,
 * packet sockets and perf counters it does not implement); "untried": no
 * private folder to try it on; "allowed": it passed the permission
 * checks, and failed on the bad argument as planned, or did its private,
 * undone thing. */
static const char *verdict(long r)
{
	if (r == -EPERM || r == -EACCES)
		return "denied";
	if (r == -ENOSYS || r == -EOPNOTSUPP || r == -EAFNOSUPPORT || r == -ENODEV)
		return "absent";
	if (r == UNTRIED)
		return "untried";
	return "allowed";
}

static void put_syscalls(struct vcl_isobuf *b)
{
	make_priv_dir();
	vcl_isobuf_put(b, "\"syscalls\":{");
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		long r = calls[i].fn();
		const char *en = r < 0 && r != UNTRIED ? strerrorname_np((int)-r) : NULL;

		vcl_isobuf_put(b, "%s\"%s\":{\"result\":\"%s\",\"errno\":", i ? "," : "",
			       calls[i].name, verdict(r));
		if (en == NULL)
			vcl_isobuf_put(b, "null}");
		else {
			vcl_isobuf_str(b, en);
			vcl_isobuf_put(b, "}");
		}
	}
	vcl_isobuf_put(b, "},");
	if (priv_dir[0] != '\0')
		rmdir(priv_dir);
}

/* ---- what it sees ----------------------------------------------------- */

/* The start time (clock ticks after boot, field 22 of stat) of pid. */
static int starttime_of(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (p == NULL)
		return -1;
	p++;
	for (int field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	return p != NULL && sscanf(p, " %llu", out) == 1 ? 0 : -1;
}

static void put_pids(struct vcl_isobuf *b, const struct vcl_isoprobe_host *host)
{
	DIR *d = opendir("/proc");
	unsigned n = 0;
	unsigned long long st = 0;
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	if (d != NULL)
		closedir(d);
	vcl_isobuf_put(b, "\"pids\":{\"visible\":%u,\"self\":%d,", n, (int)getpid());
	/* The harness's own process, known by its pid and start time: the
	 * same pid with another start time is another process. */
	if (host->pid > 0)
		vcl_isobuf_put(
		    b, "\"host_pid\":%d,\"host_pid_visible\":%s},", (int)host->pid,
		    starttime_of(host->pid, &st) == 0 && st == host->starttime ? "true" : "false");
	else
		vcl_isobuf_put(b, "\"host_pid\":null,\"host_pid_visible\":null},");
}

static void put_net(struct vcl_isobuf *b)
{
	struct if_nameindex *ifs = if_nameindex();

	vcl_isobuf_put(b, "\"net\":{\"interfaces\":[");
	for (struct if_nameindex *i = ifs; i != NULL && i->if_index != 0; i++) {
		vcl_isobuf_put(b, i == ifs ? "" : ",");
		vcl_isobuf_str(b, i->if_name);
	}
	vcl_isobuf_put(b, "]},");
	if (ifs != NULL)
		if_freenameindex(ifs);
}

/* Any non-zero address in the first lines of /proc/kallsyms: kernel
 * addresses readable (kptr_restrict lets only CAP_SYSLOG see them). */
static void put_kallsyms(struct vcl_isobuf *b)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256];
	bool any = false;
	unsigned lines = 0;

	while (f != NULL && lines < 64 && fgets(line, sizeof(line), f) != NULL) {
		lines++;
		if (strtoull(line, NULL, 16) != 0)
			any = true;
	}
	if (f != NULL)
		fclose(f);
	vcl_isobuf_put(b, "\"kallsyms\":\"%s\",",
		       f == NULL ? "absent"
		       : any	 ? "addresses"
		       : lines	 ? "zeroed"
				 : "empty");
}

/* Opened for writing and closed, never written. */
static const char *writable(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd >= 0) {
		close(fd);
		return "true";
	}
	return errno == ENOENT ? "null" : "false";
}

/* containerd's maskedPaths: "masked" when /dev/null or an empty read-only
 * tmpfs sits on it, "readable" when a byte or an entry could be read,
 * "denied" when it exists and cannot be, "absent" when it does not. */
static const char *masked_state(const char *path)
{
	struct stat st;
	struct statfs sf;
	char c;

	if (stat(path, &st) < 0)
		return errno == ENOENT ? "absent" : "denied";
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
		return "masked";
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		unsigned n = 0;

		if (d == NULL)
			return "denied";
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				n++;
		closedir(d);
		if (n == 0 && statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC)
			return "masked";
		return n > 0 ? "readable" : "empty";
	}
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		ssize_t n;

		if (fd < 0)
			return "denied";
		n = read(fd, &c, 1);
		close(fd);
		return n == 1 ? "readable" : n == 0 ? "empty" : "denied";
	}
}

static void put_paths(struct vcl_isobuf *b)
{
	static const char *const masked[] = {
	    "/proc/kcore",	 "/proc/keys",		"/proc/timer_list",
	    "/proc/sched_debug", "/proc/latency_stats", "/proc/acpi",
	    "/proc/scsi",	 "/sys/firmware",	"/sys/devices/virtual/powercap",
	};
	struct statvfs sv;
	DIR *d = opendir("/sys/kernel");
	unsigned n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	vcl_isobuf_put(b, "\"paths\":{");
	put_kallsyms(b);
	vcl_isobuf_put(b, "\"sys_kernel_entries\":%u,", n >= 2 ? n - 2 : 0);
	vcl_isobuf_put(b, "\"sys_writable\":%s,",
		       statvfs("/sys", &sv) < 0	      ? "null"
		       : (sv.f_flag & ST_RDONLY) != 0 ? "false"
						      : "true");
	vcl_isobuf_put(b, "\"proc_sys_writable\":%s,", writable("/proc/sys/kernel/core_pattern"));
	vcl_isobuf_put(b, "\"sysrq_trigger_writable\":%s,", writable("/proc/sysrq-trigger"));
	vcl_isobuf_put(b, "\"masked\":{");
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		vcl_isobuf_put(b, "%s\"%s\":\"%s\"", i ? "," : "", masked[i],
			       masked_state(masked[i]));
	vcl_isobuf_put(b, "}},");
}

/* Device nodes under /dev (one level and its subfolders' direct entries). */
static void put_devices(struct vcl_isobuf *b)
{
	static const char *const dirs[] = {"/dev", "/dev/net", "/dev/mapper", "/dev/dri"};
	unsigned nchr = 0, nblk = 0, listed = 0;

	vcl_isobuf_put(b, "\"devices\":{\"names\":[");
	for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		DIR *d = opendir(dirs[k]);
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			struct stat st;
			char path[512];

			snprintf(path, sizeof(path), "%s/%s", dirs[k], e->d_name);
			if (lstat(path, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				continue;
			if (S_ISCHR(st.st_mode))
				nchr++;
			else
				nblk++;
			if (listed++ < 256) { /* a host's /dev: enough to read, bounded */
				vcl_isobuf_put(b, listed > 1 ? "," : "");
				vcl_isobuf_str(b, path + 5);
			}
		}
		if (d != NULL)
			closedir(d);
	}
	vcl_isobuf_put(b, "],\"char\":%u,\"block\":%u},", nchr, nblk);
}

static void put_kernel(struct vcl_isobuf *b, const struct vcl_isoprobe_host *host)
{
	struct utsname u;
	char boot[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f != NULL) {
		if (fgets(boot, sizeof(boot), f) == NULL)
			boot[0] = '\0';
		boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	vcl_isobuf_put(b, "\"kernel\":{\"release\":");
	vcl_isobuf_str(b, u.release);
	vcl_isobuf_put(b, ",\"version\":");
	vcl_isobuf_str(b, u.version);
	vcl_isobuf_put(b, ",\"boot_id\":");
	vcl_isobuf_str(b, boot);
	/* The host's kernel: the same boot id (one per boot of one kernel).
	 * Without one (gVisor has none), another release is another kernel;
	 * the same release proves nothing. */
	const char *same = "null";

	if (host->boot_id[0] != '\0' && boot[0] != '\0')
		same = strcmp(boot, host->boot_id) == 0 ? "true" : "false";
	else if (host->release[0] != '\0' && strcmp(u.release, host->release) != 0)
		same = "false";
	vcl_isobuf_put(b, ",\"host_kernel\":%s}", same);
}

void vcl_isoprobe_run(const struct vcl_isoprobe_host *host, struct vcl_isobuf *b)
{
	vcl_isobuf_put(b, "{\"probe\":\"vclab-isoprobe\",\"pid1_is_self\":%s,",
		       getpid() == 1 ? "true" : "false");
	put_privileges(b);
	put_syscalls(b);
	put_pids(b, host);
	put_net(b);
	put_paths(b);
	put_devices(b);
	put_kernel(b, host);
	vcl_isobuf_put(b, "}\n");
}

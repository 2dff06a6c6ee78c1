/* SPDX-License-Identifier: MIT */
/*
 * Host-side helpers shared by the vm placement, the qemu-direct peer and
 * the KVM check: where the guest image is, a free loopback port, the serial
 * console watch (READY without polling), and a bounded test boot.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/proc.h"
#include "core/util.h"

/* build/<sub>/<file>: $<envname>, else PREFIX/lib/vclab/<sub>/, else
 * next to the running binary; make names the target that builds it. */
static int image_file(const char *sub, const char *envname, const char *make, const char *file,
		      char **out, struct vcl_error **err)
{
	char exe[PATH_MAX];
	char cand[PATH_MAX + 64];
	const char *env = getenv(envname);
	ssize_t n;

	*out = NULL;
	if (env != NULL && *env != '\0') {
		snprintf(cand, sizeof(cand), "%s/%s", env, file);
		if (access(cand, R_OK) != 0)
			return vcl_error_set(err, VCL_E_ENV, errno, "Guest image %s (%s)", cand,
					     envname);
		goto found;
	}
	/* Installed: PREFIX/lib/vclab/guest/ (or $VCLAB_LIBDIR/guest/). */
	snprintf(cand, sizeof(cand), "%s/%s", sub, file);
	switch (vcl_libdir_file(cand, out, err)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		return -1;
	}
	/* bin/vclab and build/tests/test_* both sit at most a few levels
	 * below the tree that holds build/guest/. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(exe, '/');

			if (slash == NULL || slash == exe)
				break;
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/build/%s/%s", exe, sub, file);
			if (access(cand, R_OK) == 0)
				goto found;
		}
	}
	return vcl_error_set(err, VCL_E_ENV, 0,
			     "Guest image build/%s/%s not found (nor in PREFIX/lib/vclab/%s): "
			     "run `%s`",
			     sub, file, sub, make);
found:
	/* The real path: build/guest-iaas/ holds symlinks into the cache,
	 * and an overlay must name its backing file for good. */
	*out = realpath(cand, NULL);
	if (*out == NULL)
		return vcl_fail(err, errno, "Guest image path %s", cand);
	return 0;
}

int vcl_vmm_guest_file(const char *file, char **out, struct vcl_error **err)
{
	return image_file("guest", "VCLAB_GUEST_DIR", "make guest", file, out, err);
}

int vcl_vmm_iaas_image(char **kernel, char **initrd, char **disk, struct vcl_error **err)
{
	static const char *const files[] = {"vmlinuz", "initrd.img", "root.ext4"};
	char **outs[] = {kernel, initrd, disk};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_free char *path = NULL;

		if (image_file("guest-iaas", "VCLAB_GUEST_IAAS_DIR", "make guest-iaas", files[i],
			       &path, err) < 0) {
			for (size_t j = 0; j < i; j++)
				if (outs[j] != NULL) {
					free(*outs[j]);
					*outs[j] = NULL;
				}
			return -1;
		}
		if (outs[i] != NULL)
			*outs[i] = steal_ptr(path);
	}
	return 0;
}

/* Run a host tool (argv[0] from PATH) with stdin and stdout on /dev/null;
 * a failure names it and its status (127: not installed: pkg). */
static int host_tool(char *const *argv, const char *pkg, struct vcl_error **err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return vcl_fail(err, errno, "fork (%s)", argv[0]);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (vcl_waitpid(pid, &status, 0) != pid)
		return vcl_fail(err, errno, "Wait for %s", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "%s is not installed: install %s (make deps)", argv[0], pkg);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vcl_error_set(err, VCL_E_ENV, 0, "%s failed (status %d)", argv[0],
				     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int overlay_create(struct vcl_ledger *ledger, const char *backing, const char *path,
			  struct vcl_error **err)
{
	char *const argv[] = {(char *)"qemu-img", (char *)"create", (char *)"-q",  (char *)"-f",
			      (char *)"qcow2",	  (char *)"-F",	    (char *)"raw", (char *)"-b",
			      (char *)backing,	  (char *)path,	    NULL};

	if (vcl_ledger_add(ledger, err, "file %s", path) < 0)
		return -1;
	if (host_tool(argv, "qemu-utils", err) < 0) {
		unlink(path);
		return vcl_error_wrap(err, "qemu-img create -b %s %s", backing, path);
	}
	return 0;
}

int vcl_vmm_root_overlay(struct vcl_ledger *ledger, struct vcl_vm_opts *o, const char *backing,
			 const char *dir, char **path, struct vcl_error **err)
{
	*path = NULL;
	if (asprintf(path, "%s/root.qcow2", dir) < 0) {
		*path = NULL;
		return vcl_fail(err, ENOMEM, "Overlay path");
	}
	if (overlay_create(ledger, backing, *path, err) < 0)
		return -1;
	return vcl_vm_opts_add_disk(o, *path, VCL_VM_DISK_QCOW2, false, err);
}

int vcl_vmm_data_disk(struct vcl_ledger *ledger, struct vcl_vm_opts *o, const char *dir,
		      char **path, struct vcl_error **err)
{
	/* Inode tables and journal written now (not lazily by the guest
	 * kernel while fio runs), no reserved blocks. */
	char *argv[] = {(char *)"mkfs.ext4",
			(char *)"-q",
			(char *)"-F",
			(char *)"-m",
			(char *)"0",
			(char *)"-E",
			(char *)"lazy_itable_init=0,lazy_journal_init=0",
			NULL,
			NULL};
	cleanup_close int fd = -1;

	*path = NULL;
	if (asprintf(path, "%s/data.raw", dir) < 0) {
		*path = NULL;
		return vcl_fail(err, ENOMEM, "Data disk path");
	}
	argv[7] = *path;
	if (vcl_ledger_add(ledger, err, "file %s", *path) < 0)
		return -1;
	fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, VCL_VM_DATA_DISK_BYTES) < 0)
		return vcl_fail(err, errno, "Create the data disk %s", *path);
	if (host_tool(argv, "e2fsprogs", err) < 0) {
		unlink(*path);
		return vcl_error_wrap(err, "Data disk %s", *path);
	}
	if (vcl_vm_opts_add_disk(o, *path, VCL_VM_DISK_RAW, false, err) < 0)
		return -1;
	o->disks[o->ndisks - 1].host_direct = true;
	return 0;
}

int vcl_vmm_guest_kernel(char **out, struct vcl_error **err)
{
	struct vcl_error *e = NULL;

	if (vcl_vmm_guest_file("vmlinux", out, &e) == 0)
		return 0;
	vcl_error_free(e);
	if (vcl_vmm_guest_file("vmlinuz", out, NULL) == 0)
		return 0;
	return vcl_error_set(err, VCL_E_ENV, 0,
			     "Guest kernel build/guest/vmlinux (or vmlinuz) not found: run `make "
			     "guest`");
}

int vcl_vmm_free_port(uint16_t *port, struct vcl_error **err)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t sl = sizeof(sin);
	cleanup_close int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return vcl_fail(err, errno, "Pick a free port: socket");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return vcl_fail(err, errno, "Pick a free port: bind 127.0.0.1:0");
	if (getsockname(s, (struct sockaddr *)&sin, &sl) < 0)
		return vcl_fail(err, errno, "Pick a free port: getsockname");
	*port = ntohs(sin.sin_port);
	return 0;
}

int vcl_vmm_host_port(const struct vcl_spec *spec, uint16_t *port, struct vcl_error **err)
{
	unsigned long p;

	if (spec->vm_host_port == 0)
		return vcl_vmm_free_port(port, err);
	p = (unsigned long)spec->vm_host_port + spec->index;
	if (p > 65535)
		return vcl_usage(err,
				 "--vm-host-port %u: instance %u would need port %lu (> 65535)",
				 (unsigned)spec->vm_host_port, spec->index, p);
	*port = (uint16_t)p;
	return 0;
}

int vcl_serial_watch_init(struct vcl_serial_watch *w, const char *dir, struct vcl_error **err)
{
	memset(w, 0, sizeof(*w));
	w->ifd = -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return vcl_fail(err, errno, "Create %s", dir);
	if (asprintf(&w->path, "%s/serial.log", dir) < 0) {
		w->path = NULL;
		return vcl_fail(err, ENOMEM, "Serial log path");
	}
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd < 0)
		return vcl_fail(err, errno, "inotify_init1");
	/* The folder, not the file: the file does not exist yet, and whoever
	 * writes it (QEMU, virtlogd) may create or truncate it. */
	if (inotify_add_watch(w->ifd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) <
	    0)
		return vcl_fail(err, errno, "Watch %s", dir);
	return 0;
}

/* One complete console line (without '\n'). */
static bool serial_line(struct vcl_serial_watch *w, const char *line, size_t len)
{
	char tmp[sizeof(w->pending) + 1];

	while (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return false;
	if (len >= sizeof(w->tail))
		len = sizeof(w->tail) - 1;
	memcpy(w->tail, line, len);
	w->tail[len] = '\0';
	w->tail_len = len;
	if (w->init_seen == 0 && vcl_vm_parse_init_line(line, len, &w->boottime_us)) {
		w->init_seen = vcl_now_ns();
		if (!vcl_vm_parse_init_field(line, len, "init_us", &w->init_us))
			w->init_us = w->boottime_us;
	}
	memcpy(tmp, line, len);
	tmp[len] = '\n';
	return vcl_vm_scan_ready(tmp, len + 1) > 0;
}

int vcl_serial_watch_check(struct vcl_serial_watch *w, struct vcl_error **err)
{
	char buf[4096];
	cleanup_close int fd = -1;
	struct stat st;
	bool ready = false;

	/* Drain: the events only say "look again". */
	while (read(w->ifd, buf, sizeof(buf)) > 0)
		;
	fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return vcl_fail(err, errno, "Open %s", w->path);
	}
	if (fstat(fd, &st) == 0 && st.st_size < w->off) {
		/* Truncated under us (a new writer): start over. */
		w->off = 0;
		w->pending_len = 0;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), w->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vcl_fail(err, errno, "Read %s", w->path);
		}
		if (n == 0)
			break;
		w->off += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (serial_line(w, w->pending, w->pending_len))
					ready = true;
				w->pending_len = 0;
			} else if (w->pending_len < sizeof(w->pending)) {
				w->pending[w->pending_len++] = buf[i];
			}
		}
	}
	return ready ? 1 : 0;
}

void vcl_serial_watch_phases(const struct vcl_serial_watch *w, struct vcl_phases *t)
{
	if (w->init_seen == 0 || !vcl_vm_boot_anchor(t->start, w->init_seen, w->boottime_us,
						     w->init_us, &t->kernel, &t->init)) {
		t->kernel = 0;
		t->init = 0;
	}
}

const char *vcl_serial_watch_last(struct vcl_serial_watch *w)
{
	if (w->pending_len > 0 && w->pending_len < sizeof(w->tail)) {
		memcpy(w->tail, w->pending, w->pending_len);
		w->tail[w->pending_len] = '\0';
	}
	return w->tail;
}

void vcl_serial_watch_free(struct vcl_serial_watch *w)
{
	vcl_closep(&w->ifd);
	free(w->path);
	w->path = NULL;
}

/* vcl_vmm_guest_file into a caller's buffer. */
static int guest_path(const char *file, char *buf, size_t len, struct vcl_error **err)
{
	char *p = NULL;
	int r = vcl_vmm_guest_file(file, &p, err);

	if (r == 0)
		snprintf(buf, len, "%s", p);
	free(p);
	return r;
}

/* Read the booting guest's console (rd) until its READY line, QEMU's exit
 * or timeout_ms: 1 = READY, 0 = not (why says what happened). */
static int boot_wait(int rd, const char *accel, bool kvm, unsigned timeout_ms, char *why,
		     size_t whylen, struct vcl_error **err)
{
	char buf[8192];
	size_t len = 0;
	uint64_t deadline;

	deadline = vcl_now_ns() + (uint64_t)timeout_ms * 1000000ULL;
	for (;;) {
		struct pollfd pfd = {.fd = rd, .events = POLLIN};
		uint64_t now = vcl_now_ns();
		ssize_t n;
		int r;

		if (now >= deadline) {
			snprintf(why, whylen, "guest did not reach READY under %s in %u s%s", accel,
				 timeout_ms / 1000, kvm ? " (PVM-style nested KVM?)" : "");
			return 0;
		}
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r < 0 && errno == EINTR) {
			if (vcl_interrupted)
				return vcl_error_set(err, VCL_E_INTR, 0, "Interrupted");
			continue;
		}
		if (r <= 0)
			continue;
		if (len == sizeof(buf) - 1) {
			/* Keep the newest half: READY is a line at the end. */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
		n = read(rd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			char *last;

			buf[len] = '\0';
			while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
				buf[--len] = '\0';
			last = strrchr(buf, '\n');
			snprintf(why, whylen, "QEMU -accel %s exited before READY: %s", accel,
				 last ? last + 1 : (len ? buf : "no output"));
			return 0;
		}
		len += (size_t)n;
		if (vcl_vm_scan_ready(buf, len) > 0) {
			snprintf(why, whylen, "guest reached READY under %s", accel);
			return 1;
		}
	}
}

int vcl_vmm_boot_check(struct vcl_ledger *ledger, const char *accel, bool dhcp, unsigned timeout_ms,
		       char *why, size_t whylen, struct vcl_error **err)
{
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];
	cleanup_strv char **argv = NULL;
	cleanup_pid pid_t pid = -1;
	cleanup_close int rd = -1;
	int p[2];
	char cmdline[512];
	uint16_t port = 0;
	struct vcl_vm_opts o = {
	    .kvm = strcmp(accel, "kvm") == 0,
	    .tb_cache_mib = VCL_VM_TB_CACHE_MIB,
	    .firmware = VCL_VM_FIRMWARE_QBOOT,
	    .mem_mib = VCL_VM_DEFAULT_MEM_MIB,
	    .vcpus = 1,
	    .net = VCL_VM_NET_USER,
	    .host_addr = "127.0.0.1",
	    .guest_port = VCL_VM_GUEST_PORT,
	};

	{
		char *k = NULL;

		if (vcl_vmm_guest_kernel(&k, err) < 0)
			return -1;
		snprintf(kernel, sizeof(kernel), "%s", k);
		free(k);
	}
	if (guest_path("initramfs.cpio.gz", initrd, sizeof(initrd), err) < 0)
		return -1;
	/* virtio-net must exist for init to get going; the forward is never
	 * used, but it needs a port, and a free one. */
	if (vcl_vmm_free_port(&port, err) < 0)
		return -1;
	if (vcl_vm_kernel_cmdline("vclab-bootcheck", VCL_VM_GUEST_PORT, dhcp, cmdline,
				  sizeof(cmdline), err) < 0)
		return -1;
	o.name = "vclab-bootcheck";
	o.kernel = kernel;
	o.initrd = initrd;
	o.cmdline = cmdline;
	o.host_port = port;
	if (vcl_vm_qemu_argv(&o, "qemu-system-x86_64", &argv, err) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return vcl_fail(err, errno, "pipe2");
	rd = p[0];
	pid = fork();
	if (pid < 0) {
		close(p[1]);
		return vcl_fail(err, errno, "fork");
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	vcl_ledger_add_pid(ledger, pid, NULL);

	return boot_wait(rd, accel, o.kvm, timeout_ms, why, whylen, err);
}

int vcl_vmm_copy_file(const char *src, const char *dst, struct vcl_error **err)
{
	cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
	cleanup_close int out = -1;
	struct stat st;
	off_t left;

	if (in < 0)
		return vcl_error_set(err, VCL_E_ENV, errno, "Open %s", src);
	if (fstat(in, &st) < 0)
		return vcl_fail(err, errno, "Stat %s", src);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return vcl_fail(err, errno, "Create %s", dst);
	for (left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && errno == EINTR)
			continue;
		/* Linux 5.19 and later refuse copy_file_range between two
		 * file systems of different types (EXDEV): an image cache on a
		 * tmpfs, libvirt's images on ext4. Plain reads and writes then. */
		if (n < 0 && (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS)) {
			char buf[65536];

			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				return vcl_fail(err, errno != 0 ? errno : EIO, "Write %s", dst);
		}
		if (n <= 0)
			return vcl_fail(err, n < 0 ? errno : EIO, "Copy %s to %s", src, dst);
		left -= n;
	}
	if (fchmod(out, 0644) < 0)
		return vcl_fail(err, errno, "chmod %s", dst);
	return 0;
}

/* cached as dir/base (place: a hard link, else a copy) or itself, in
 * *out (owned). */
static int place_disk(const char *cached, const char *dir, const char *base, bool place, char **out,
		      struct vcl_error **err)
{
	cleanup_free char *dpath = NULL;

	if (!place) {
		*out = strdup(cached);
		return *out == NULL ? vcl_fail(err, ENOMEM, "Service files") : 0;
	}
	if (asprintf(&dpath, "%s/%s", dir, base) < 0) {
		dpath = NULL;
		return vcl_fail(err, ENOMEM, "Service files");
	}
	unlink(dpath);
	/* A hard link costs nothing; another file system needs a copy. */
	if (link(cached, dpath) < 0 && vcl_vmm_copy_file(cached, dpath, err) < 0)
		return -1;
	*out = steal_ptr(dpath);
	return 0;
}

/* The disks of a pod's other images: one per distinct image beyond the
 * main one's (main), vdc then vdd; letters[i] is pod member i's disk. */
static int pod_disks(struct vcl_ledger *ledger, const struct vcl_svc_spec *svc, const char *main,
		     const char *dir, bool place, char *pod_disk[VCL_VM_POD_DISKS], char *letters,
		     size_t size, struct vcl_error **err)
{
	const char *cached[VCL_VM_POD_DISKS] = {NULL};
	size_t n = 0, i = 0;

	for (; svc->pod != NULL && svc->pod[i] != NULL && i + 1 < size; i++) {
		const struct vcl_svc_spec *m = svc->pod[i];
		const char *c = NULL;
		size_t k = 0;

		if (m->disk == NULL || m->disk(m, ledger, &c, err) < 0)
			return m->disk == NULL
				   ? vcl_usage(err, "Container %s has no rootfs", m->ctr_name)
				   : vcl_error_wrap(err, "Container %s", m->ctr_name);
		letters[i] = 'a';
		if (strcmp(c, main) == 0)
			continue;
		while (k < n && strcmp(cached[k], c) != 0)
			k++;
		if (k == n) {
			char base[32];

			if (n == VCL_VM_POD_DISKS)
				return vcl_usage(err,
						 "A pod of more than %d images: the VM has disks "
						 "for %d",
						 VCL_VM_POD_DISKS + 1, VCL_VM_POD_DISKS + 1);
			snprintf(base, sizeof(base), "rootfs-%c.ext4", 'c' + (int)n);
			if (place_disk(c, dir, base, place, &pod_disk[n], err) < 0)
				return -1;
			cached[n++] = c;
		}
		letters[i] = (char)('c' + k);
	}
	letters[i] = '\0';
	return 0;
}

int vcl_vmm_svc_files(struct vcl_ledger *ledger, const struct vcl_svc_spec *svc, const char *dir,
		      bool place, char **disk, char **config, char *pod_disk[VCL_VM_POD_DISKS],
		      struct vcl_error **err)
{
	char letters[64];
	cleanup_free char *cfg = NULL;
	cleanup_free char *dpath = NULL;
	cleanup_free char *cpath = NULL;
	cleanup_close int fd = -1;
	const char *cached = NULL;
	size_t len = 0;

	if (svc->disk == NULL)
		return vcl_usage(err,
				 "Service %s has no rootfs (--binary): a VM runs an image or "
				 "rootfs:DIR only",
				 svc->name);
	if (svc->disk(svc, ledger, &cached, err) < 0)
		return vcl_error_wrap(err, "Service %s in a VM", svc->name);
	if (vcl_mkdir_p(dir, err) < 0 ||
	    pod_disks(ledger, svc, cached, dir, place, pod_disk, letters, sizeof(letters), err) <
		0 ||
	    vcl_vm_svc_config(svc, letters, &cfg, &len, err) < 0)
		return vcl_error_wrap(err, "Service %s in a VM", svc->name);
	if (asprintf(&cpath, "%s/service.vdb", dir) < 0) {
		cpath = NULL;
		return vcl_fail(err, ENOMEM, "Service files");
	}
	fd = open(cpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, cfg, len) != (ssize_t)len || fchmod(fd, 0644) < 0)
		return vcl_fail(err, errno, "Write %s", cpath);
	if (place_disk(cached, dir, "rootfs.ext4", place, &dpath, err) < 0)
		return -1;
	*disk = steal_ptr(dpath);
	*config = steal_ptr(cpath);
	return 0;
}

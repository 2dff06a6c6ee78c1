/* SPDX-License-Identifier: MIT */
/*
 * The container rootfs, built once per run under spec->state_dir and shared
 * by ctr, runc and crun: /vclab-payload, /proc and /dev, nothing else. The
 * payload is static, so no loader or libc has to be there. Every launch
 * bind-mounts this folder read-only; nothing is copied per launch.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "ctr/ctr.h"
#include "core/ledger.h"
#include "core/util.h"

static struct {
	char *path;
	unsigned refs;
	unsigned long mflags;
} rootfs;

/* A dynamically linked payload would fail inside the rootfs with a
 * confusing ENOENT from execve (the loader is missing): say so up front. */
static int check_static(int fd, const char *path, struct vcl_error **err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return vcl_error_set(err, VCL_E_ENV, 0, "Payload %s is not a 64-bit ELF binary",
				     path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		off_t off = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;

		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			return vcl_error_set(err, VCL_E_ENV, 0, "Payload %s: truncated ELF header",
					     path);
		if (ph.p_type == PT_INTERP)
			return vcl_error_set(err, VCL_E_ENV, 0,
					     "Payload %s is dynamically linked: the container "
					     "rootfs holds no loader, build it static",
					     path);
	}
	return 0;
}

static int copy_payload(const char *src, const char *dir, struct vcl_error **err)
{
	cleanup_close int in = -1;
	cleanup_close int out = -1;
	cleanup_free char *tmp = NULL;
	cleanup_free char *dst = NULL;
	struct stat st;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return vcl_error_set(err, VCL_E_ENV, errno, "Open payload %s", src);
	if (fstat(in, &st) < 0)
		return vcl_fail(err, errno, "Stat payload %s", src);
	if (!S_ISREG(st.st_mode))
		return vcl_error_set(err, VCL_E_ENV, 0, "Payload %s is not a regular file", src);
	if (check_static(in, src, err) < 0)
		return -1;
	if (asprintf(&tmp, "%s/.vclab-payload.tmp", dir) < 0 ||
	    asprintf(&dst, "%s%s", dir, VCL_CTR_PAYLOAD) < 0)
		return vcl_fail(err, ENOMEM, "Rootfs path");
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return vcl_fail(err, errno, "Create %s", tmp);
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && errno == EINTR)
			continue;
		/* Between two kinds of filesystem (the tree on ext4 or an
		 * overlay, /run on tmpfs as on most hosts) Linux 5.19+ says
		 * EXDEV: copy through a buffer instead. */
		if (n < 0 &&
		    (errno == EXDEV || errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)) {
			char buf[65536];

			n = read(in, buf, sizeof(buf));
			if (n > 0 && write(out, buf, (size_t)n) != n)
				n = -1;
		}
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			unlink(tmp);
			return vcl_fail(err, e, "Copy payload to %s", tmp);
		}
		left -= n;
	}
	/* 0755 whatever the umask: in user-namespace mode the container's root
	 * is not the file's owner and executes it as "other". */
	if (fchmod(out, 0755) < 0 || rename(tmp, dst) < 0) {
		int e = errno;

		unlink(tmp);
		return vcl_fail(err, e, "Install payload at %s", dst);
	}
	return 0;
}

static int mkdir_one(const char *dir, const char *name, struct vcl_error **err)
{
	cleanup_free char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return vcl_fail(err, ENOMEM, "Rootfs path");
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return vcl_fail(err, errno, "Create %s", p);
	return 0;
}

static int build(const char *dir, const char *payload, struct vcl_error **err)
{
	if (vcl_mkdir_p(dir, err) < 0)
		return -1;
	/* Traversable by the mapped root of user-namespace mode. */
	if (chmod(dir, 0755) < 0)
		return vcl_fail(err, errno, "Set mode of %s", dir);
	if (mkdir_one(dir, "proc", err) < 0 || mkdir_one(dir, "dev", err) < 0 ||
	    mkdir_one(dir, "sys", err) < 0)
		return -1;
	return copy_payload(payload, dir, err);
}

int vcl_ctr_rootfs_prepare(const struct vcl_spec *spec, const char **path, struct vcl_error **err)
{
	cleanup_free char *dir = NULL;
	struct statvfs sv;

	if (rootfs.refs > 0) {
		rootfs.refs++;
		if (path != NULL)
			*path = rootfs.path;
		return 0;
	}
	if (spec->state_dir == NULL || spec->state_dir[0] != '/')
		return vcl_usage(err, "Container rootfs: state_dir must be an absolute path");
	if (spec->payload == NULL || spec->payload[0] != '/')
		return vcl_usage(err, "Container rootfs: payload must be an absolute path");
	if (asprintf(&dir, "%s/ctr-rootfs", spec->state_dir) < 0)
		return vcl_fail(err, ENOMEM, "Rootfs path");
	if (vcl_ledger_add(spec->ledger, err, "dir %s", dir) < 0)
		return vcl_error_wrap(err, "Record rootfs %s", dir);
	if (build(dir, spec->payload, err) < 0) {
		struct vcl_error *ignored = NULL;

		vcl_rm_rf(dir, &ignored);
		vcl_error_free(ignored);
		return vcl_error_wrap(err, "Build container rootfs %s", dir);
	}
	if (statvfs(dir, &sv) < 0)
		return vcl_fail(err, errno, "Statvfs %s", dir);
	rootfs.mflags = 0;
	if (sv.f_flag & ST_NOSUID)
		rootfs.mflags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		rootfs.mflags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "Container rootfs %s is on a noexec mount: pick another "
				     "state_dir",
				     dir);
	rootfs.path = steal_ptr(dir);
	rootfs.refs = 1;
	if (path != NULL)
		*path = rootfs.path;
	return 0;
}

void vcl_ctr_rootfs_release(const struct vcl_spec *spec)
{
	struct vcl_error *ignored = NULL;

	(void)spec;
	if (rootfs.refs == 0 || --rootfs.refs > 0)
		return;
	vcl_rm_rf(rootfs.path, &ignored);
	vcl_error_free(ignored);
	free(rootfs.path);
	rootfs.path = NULL;
}

const char *vcl_ctr_rootfs_path(void)
{
	return rootfs.refs > 0 ? rootfs.path : NULL;
}

unsigned long vcl_ctr_rootfs_mount_flags(void)
{
	return rootfs.mflags;
}

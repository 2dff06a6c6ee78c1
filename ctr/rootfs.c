/* SPDX-License-Identifier: MIT */
/*
 * The container rootfs, built once per run under spec->state_dir and shared
 * by ctr, runc and crun: /vclab-payload, /proc and /dev, nothing else. The
 * payload is static, so no loader or libc has to be there. Every launch
 * bind-mounts this folder read-only; nothing is copied per launch.
 */
#include <elf.h>
#include <errno.h>
#include <pthread.h>
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

/*
 * The rootfs folders in use in this process, one per state_dir, each held
 * by the runs of ctr and its peers that share it (one copy of the payload,
 * one page cache for all of them). This is a cache of what exists on disk,
 * not one run's state: each run's hold is its struct vcl_ctr_rootfs, and
 * two runs (two state_dirs) get two entries. The lock lets them prepare
 * and release from two threads.
 */
struct rootfs_entry {
	struct rootfs_entry *next;
	char *path;
	unsigned refs;
	unsigned long mflags;
};

static struct rootfs_entry *rootfs_held;
static pthread_mutex_t rootfs_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* Build dir and read its mount flags into *mflags. */
static int rootfs_make(const struct vcl_spec *spec, const char *dir, unsigned long *mflags,
		       struct vcl_error **err)
{
	struct statvfs sv;

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
	*mflags = 0;
	if (sv.f_flag & ST_NOSUID)
		*mflags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		*mflags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "Container rootfs %s is on a noexec mount: pick another "
				     "state_dir",
				     dir);
	return 0;
}

/* The entry of dir, made (and the folder built) on the first hold. */
static struct rootfs_entry *rootfs_hold(const struct vcl_spec *spec, char *dir,
					struct vcl_error **err)
{
	struct rootfs_entry *e;

	for (e = rootfs_held; e != NULL; e = e->next)
		if (strcmp(e->path, dir) == 0) {
			e->refs++;
			return e;
		}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		vcl_fail(err, ENOMEM, "Rootfs %s", dir);
		return NULL;
	}
	if (rootfs_make(spec, dir, &e->mflags, err) < 0) {
		free(e);
		return NULL;
	}
	e->path = dir;
	e->refs = 1;
	e->next = rootfs_held;
	rootfs_held = e;
	return e;
}

int vcl_ctr_rootfs_prepare(const struct vcl_spec *spec, struct vcl_ctr_rootfs *fs,
			   struct vcl_error **err)
{
	char *dir = NULL;
	struct rootfs_entry *e;

	if (fs->path != NULL)
		return 0;
	if (spec->state_dir == NULL || spec->state_dir[0] != '/')
		return vcl_usage(err, "Container rootfs: state_dir must be an absolute path");
	if (spec->payload == NULL || spec->payload[0] != '/')
		return vcl_usage(err, "Container rootfs: payload must be an absolute path");
	if (asprintf(&dir, "%s/ctr-rootfs", spec->state_dir) < 0)
		return vcl_fail(err, ENOMEM, "Rootfs path");
	pthread_mutex_lock(&rootfs_lock);
	e = rootfs_hold(spec, dir, err);
	pthread_mutex_unlock(&rootfs_lock);
	if (e == NULL || e->path != dir)
		free(dir);
	if (e == NULL)
		return -1;
	fs->path = e->path;
	fs->mflags = e->mflags;
	return 0;
}

void vcl_ctr_rootfs_release(struct vcl_ctr_rootfs *fs)
{
	struct rootfs_entry **pe, *e = NULL;

	if (fs->path == NULL)
		return;
	pthread_mutex_lock(&rootfs_lock);
	for (pe = &rootfs_held; *pe != NULL; pe = &(*pe)->next)
		if ((*pe)->path == fs->path) {
			e = *pe;
			if (--e->refs == 0)
				*pe = e->next;
			break;
		}
	pthread_mutex_unlock(&rootfs_lock);
	fs->path = NULL;
	if (e != NULL && e->refs == 0) {
		struct vcl_error *ignored = NULL;

		vcl_rm_rf(e->path, &ignored);
		vcl_error_free(ignored);
		free(e->path);
		free(e);
	}
}

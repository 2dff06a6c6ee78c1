/* SPDX-License-Identifier: MIT */
#include "core/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t vcl_security_groups(const struct vcl_security *sec, gid_t *out, size_t n)
{
	size_t k = 0;

	if (sec->has_fs_group && k < n)
		out[k++] = sec->fs_group;
	for (unsigned i = 0; i < sec->nsupp && k < n; i++)
		out[k++] = sec->supp_groups[i];
	return k;
}

/* path resolved under root as if root were "/": a link in the image
 * (absolute or with "..") never leads out of it, as runc's securejoin
 * ensures for its mount points. */
static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* The folder path (relative, under root) and its parents, made where
 * missing; an fd of it (O_PATH) or -1. */
static int mkdir_in_root(int root, const char *path)
{
	char buf[512];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		char c = buf[i], *slash;
		int parent, r;

		if ((c != '/' && c != '\0') || buf[i - 1] == '/')
			continue;
		/* buf[0..i) is a prefix: make its last part in its parent. */
		buf[i] = '\0';
		slash = strrchr(buf, '/');
		if (slash != NULL) {
			*slash = '\0';
			parent = open_in_root(root, buf, O_PATH | O_DIRECTORY);
			*slash = '/';
		} else {
			parent = fcntl(root, F_DUPFD_CLOEXEC, 0);
		}
		if (parent < 0)
			return -1;
		r = mkdirat(parent, slash != NULL ? slash + 1 : buf, 0755);
		close(parent);
		buf[i] = c;
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	return open_in_root(root, buf, O_PATH | O_DIRECTORY);
}

/* A file's or folder's group and mode under fsGroup, as the kubelet sets
 * volume ownership: the group is fsGroup, files gain group read (and
 * write on a writable volume), folders group search and set-gid. */
static int own(int fd, bool dir, bool ro, unsigned mode, const struct vcl_security *sec)
{
	if (!sec->has_fs_group)
		return fchmod(fd, mode);
	mode |= ro ? 0440 : 0660;
	if (dir)
		mode |= S_ISGID | 0110;
	if (fchown(fd, (uid_t)-1, sec->fs_group) < 0)
		return -1;
	return fchmod(fd, mode);
}

static int write_file(int dir, const struct vcl_volume *v, const struct vcl_vol_file *f,
		      const struct vcl_security *sec)
{
	char path[512];
	const char *slash = strrchr(f->path, '/');
	int at = dir, fd, r = 0;

	/* items[].path may hold folders: make them in the fresh volume,
	 * where no link can be. */
	if (slash != NULL) {
		if ((size_t)(slash - f->path) >= sizeof(path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(path, f->path, (size_t)(slash - f->path));
		path[slash - f->path] = '\0';
		at = mkdir_in_root(dir, path);
		if (at < 0)
			return -1;
		fd = openat(at, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? -1 : own(fd, true, v->read_only, 0755, sec);
		if (fd >= 0)
			close(fd);
		close(at);
		if (r < 0)
			return -1;
		at = open_in_root(dir, path, O_PATH | O_DIRECTORY);
		if (at < 0)
			return -1;
	}
	fd = openat(at, slash != NULL ? slash + 1 : f->path,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (at != dir)
		close(at);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < f->len && r == 0;) {
		ssize_t n = write(fd, f->data + off, f->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = -1;
		else
			off += (size_t)n;
	}
	if (r == 0)
		r = own(fd, false, v->read_only, f->mode & 07777, sec);
	close(fd);
	return r;
}

static int fill_at(int dir, const struct vcl_volume *v, const struct vcl_security *sec,
		   const char **what)
{
	int fd;

	*what = "write the volume's files";
	for (size_t i = 0; i < v->nfiles; i++)
		if (write_file(dir, v, &v->files[i], sec) < 0)
			return -1;
	*what = "give the volume its group (fsGroup)";
	fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* emptyDir is world-writable as the kubelet makes it; a configMap's
	 * or secret's folder readable. */
	if (own(fd, true, v->read_only, v->empty ? 0777 : 0755, sec) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int vcl_volume_fill(const char *dir, const struct vcl_volume *v, const struct vcl_security *sec,
		    const char **what)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), r;

	*what = "open the volume's folder";
	if (fd < 0)
		return -1;
	r = fill_at(fd, v, sec, what);
	close(fd);
	return r;
}

static int mount_one(int root, const struct vcl_volume *v, const struct vcl_security *sec,
		     const char **what)
{
	char opts[64], at[64];
	const char *rel = v->target;
	int fd, r;

	while (*rel == '/')
		rel++;
	*what = "create the volume's mount point";
	fd = mkdir_in_root(root, rel);
	if (fd < 0)
		return -1;
	snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
	if (v->block_dev != NULL) {
		/* A VM's data disk: its ext4, world-writable as an emptyDir. */
		*what = "mount the volume's disk";
		r = mount(v->block_dev, at, "ext4", MS_NOSUID | MS_NODEV, NULL);
		if (r == 0)
			r = chmod(at, 01777);
		close(fd);
		return r;
	}
	if (v->host_dir != NULL) {
		/* A host folder: bound as it is, nothing to fill. */
		*what = "bind the volume's host folder";
		r = mount(v->host_dir, at, NULL, MS_BIND, NULL);
		close(fd);
		return r;
	}
	if (v->size_bytes > 0)
		snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
			 (unsigned long long)v->size_bytes);
	else
		snprintf(opts, sizeof(opts), "mode=0755");
	/* Through the fd: the path was resolved inside the root. */
	*what = "mount the volume's tmpfs";
	r = mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, opts);
	close(fd);
	if (r < 0)
		return -1;
	/* Again: now the tmpfs's own root. */
	fd = open_in_root(root, rel, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return -1;
	r = fill_at(fd, v, sec, what);
	if (r == 0 && v->read_only) {
		snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
		*what = "remount the volume read-only";
		r = mount(NULL, at, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			  NULL);
	}
	close(fd);
	return r;
}

int vcl_volumes_mount(const struct vcl_volume *v, size_t n, const struct vcl_security *sec,
		      const char **what)
{
	int root, r = 0;

	if (n == 0)
		return 0;
	*what = "open the root";
	root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++)
		r = mount_one(root, &v[i], sec, what);
	close(root);
	return r;
}

int vcl_overlay_upper_mount(const char *at, const char *host_dir)
{
	if (host_dir != NULL)
		return mount(host_dir, at, NULL, MS_BIND, NULL);
	return mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64m");
}

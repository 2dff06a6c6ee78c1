/* SPDX-License-Identifier: MIT */
/*
 * A service container's own root for the peers that take a bundle (runc,
 * crun): an overlay whose lower layer is the cached rootfs (never written)
 * and whose upper layer is a folder of the bundle, mounted where the
 * config's root.path points, as containerd's overlayfs snapshotter does.
 * And the sandbox files containerd bind-mounts on /etc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/util.h"
#include "ctr/ctr.h"

int vcl_ctr_svc_root(struct vcl_ledger *ledger, const char *dir, const char *lower, char *root,
		     size_t size, struct vcl_error **err)
{
	char upper[600], work[600], opts[2048];

	if ((size_t)snprintf(root, size, "%s/rootfs", dir) >= size ||
	    (size_t)snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
			     lower, dir, dir) >= sizeof(opts))
		return vcl_fail(err, ENAMETOOLONG, "Overlay of %s in %s", lower, dir);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(work, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(root, 0755) < 0 && errno != EEXIST))
		return vcl_fail(err, errno, "Create the overlay folders in %s", dir);
	if (vcl_ledger_add(ledger, err, "mount %s", root) < 0)
		return -1;
	if (mount("overlay", root, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		return vcl_fail(err, errno, "Mount the overlay of %s on %s", lower, root);
	return 0;
}

void vcl_ctr_svc_root_release(const char *dir)
{
	char root[600];

	snprintf(root, sizeof(root), "%s/rootfs", dir);
	if (umount2(root, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		fprintf(stderr, "vclab: unmount %s: %s\n", root, strerror(errno));
}

int vcl_ctr_etc_text(const char *hostname, char *hosts, size_t hsize, char *resolv, size_t rsize)
{
	cleanup_close int fd = -1;
	ssize_t n = 0;

	if ((size_t)snprintf(hosts, hsize,
			     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "127.0.1.1\t%s\n",
			     hostname) >= hsize)
		return -1;
	/* containerd copies the host's resolv.conf for a pod without cluster
	 * DNS (dnsPolicy Default); the container reaches no server anyway. */
	fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		n = read(fd, resolv, rsize - 1);
	resolv[n > 0 ? n : 0] = '\0';
	return 0;
}

static int write_new(const char *path, const char *text, struct vcl_error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return vcl_fail(err, errno != 0 ? errno : EIO, "Write %s", path);
	return 0;
}

int vcl_ctr_etc_files(const char *dir, const char *hostname, struct vcl_error **err)
{
	char hosts[512], resolv[4096], name[80];
	const char *const files[][2] = {
	    {"hosts", hosts}, {"hostname", name}, {"resolv.conf", resolv}};

	if (vcl_ctr_etc_text(hostname, hosts, sizeof(hosts), resolv, sizeof(resolv)) < 0)
		return vcl_fail(err, ENAMETOOLONG, "Hostname %s", hostname);
	snprintf(name, sizeof(name), "%s\n", hostname);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		if (write_new(path, files[i][1], err) < 0)
			return -1;
	}
	return 0;
}

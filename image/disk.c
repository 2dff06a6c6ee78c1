/* SPDX-License-Identifier: MIT */
/*
 * The unpacked rootfs as a read-only ext4 disk image, the VM placements'
 * copy of the files bare and ctr run from. `mke2fs -d DIR` writes the
 * file system straight from the folder (no loop mount, no root-only
 * mount(2) on the host). An image with a digest gets one disk per digest
 * in the cache, vmdisks/<hex>/rootfs.ext4, a cache entry like the others
 * (image/cache.c: built under a temporary name and renamed), so no run
 * ever sees half a disk.
 */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/ledger.h"
#include "core/util.h"

#define BLOCK 4096ULL

_Static_assert(offsetof(struct vcl_image, svc) == 0, "svc leads struct vcl_image");

void vcl_image_disk_geometry(uint64_t total_bytes, uint64_t nfiles, uint64_t *size_kib,
			     uint64_t *inodes)
{
	/* Data plus a quarter for directories' blocks, block and inode
	 * bitmaps and group descriptors, 256-byte inodes, and 8 MiB of
	 * floor: a small rootfs then still has room for ext4's metadata. */
	uint64_t data_kib = (total_bytes + 1023) / 1024;

	*inodes = nfiles + nfiles / 4 + 256;
	*size_kib = data_kib + data_kib / 4 + (*inodes * 256 + 1023) / 1024 + 8192;
	*size_kib = (*size_kib + 3) / 4 * 4; /* whole 4 KiB blocks */
}

static uint64_t walk_bytes, walk_files;

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	walk_files++;
	if (type == FTW_F && S_ISREG(st->st_mode))
		walk_bytes += ((uint64_t)st->st_size + BLOCK - 1) / BLOCK * BLOCK;
	else if (type == FTW_D || type == FTW_DP)
		walk_bytes += BLOCK;
	else if (type == FTW_SL && st->st_size > 59) /* not inline in the inode */
		walk_bytes += BLOCK;
	return 0;
}

static int build(const char *rootfs, const char *out, struct vcl_error **err)
{
	uint64_t size_kib, inodes;
	char nstr[32], sstr[32];
	/* Read-only in the guest: no journal, no room to grow. */
	char w[][32] = {"mke2fs",
			"-q",
			"-F",
			"-t",
			"ext4",
			"-b",
			"4096",
			"-m",
			"0",
			"-O",
			"^has_journal,^resize_inode",
			"-L",
			"vclab-rootfs",
			"-N",
			"-d"};
	char src[PATH_MAX], dst[PATH_MAX + 128];
	char *argv[] = {w[0],  w[1],  w[2],  w[3],  w[4], w[5],	 w[6], w[7], w[8], w[9],
			w[10], w[11], w[12], w[13], nstr, w[14], src,  dst,  sstr, NULL};

	snprintf(src, sizeof(src), "%s", rootfs);
	snprintf(dst, sizeof(dst), "%s", out);
	walk_bytes = walk_files = 0;
	if (nftw(rootfs, walk_one, 32, FTW_PHYS) != 0)
		return vcl_fail(err, errno, "Walk %s", rootfs);
	vcl_image_disk_geometry(walk_bytes, walk_files, &size_kib, &inodes);
	snprintf(nstr, sizeof(nstr), "%llu", (unsigned long long)inodes);
	snprintf(sstr, sizeof(sstr), "%lluk", (unsigned long long)size_kib);
	if (vcl_image_run_step(argv, NULL, "disk.tool", err) < 0) {
		unlink(out);
		return vcl_error_wrap(err, "Build the VM disk of %s", rootfs);
	}
	/* libvirt's QEMU user reads it (the domain XML asks libvirt not to
	 * relabel a shared read-only disk). */
	if (chmod(out, 0644) < 0) {
		unlink(out);
		return vcl_fail(err, errno, "chmod %s", out);
	}
	return 0;
}

int vcl_image_disk(const struct vcl_svc_spec *svc, struct vcl_ledger *ledger, const char **path,
		   struct vcl_error **err)
{
	/* svc is the first member of its struct vcl_image (image.h). */
	struct vcl_image *img = (struct vcl_image *)(const void *)svc;
	char dir[PATH_MAX], final[PATH_MAX + 96], tmp[PATH_MAX + 128];

	if (img->disk != NULL) {
		*path = img->disk;
		return 0;
	}
	if (img->rootfs == NULL)
		return vcl_usage(err, "%s has no rootfs to put on a VM disk", img->reference);
	if (img->digest[0] != '\0') {
		struct vcl_cache_entry e;
		int r = vcl_cache_open(VCL_CACHE_DISK, img->digest, &e, err);

		if (r < 0)
			return -1;
		snprintf(final, sizeof(final), "%s/rootfs.ext4", e.final);
		if (r == 1)
			goto done;
		snprintf(tmp, sizeof(tmp), "%s/rootfs.ext4", e.tmp);
		/* A crash mid-build leaves the temporary folder: the ledger
		 * has it (gc of the run), and gc --cache knows it too. */
		if (vcl_ledger_add(ledger, err, "dir %s", e.tmp) < 0 ||
		    build(img->rootfs, tmp, err) < 0) {
			vcl_cache_abort(&e);
			return -1;
		}
		if (vcl_cache_commit(&e, err) < 0)
			return -1;
	} else {
		struct timespec ts;

		snprintf(dir, sizeof(dir), "%s/disks", vcl_image_cache_root());
		if (vcl_mkdir_p(dir, err) < 0)
			return -1;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(final, sizeof(final), "%s/run-%ld-%lld.ext4", dir, (long)getpid(),
			 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		if (vcl_ledger_add(ledger, err, "file %s", final) < 0)
			return -1;
		if (build(img->rootfs, final, err) < 0)
			return -1;
		img->disk_temp = true;
	}
done:
	img->disk = strdup(final);
	if (img->disk == NULL) {
		if (img->disk_temp)
			unlink(final);
		img->disk_temp = false;
		return vcl_fail(err, ENOMEM, "Disk path");
	}
	*path = img->disk;
	return 0;
}

void vcl_image_disk_release(struct vcl_image *img)
{
	if (img->disk != NULL && img->disk_temp)
		unlink(img->disk);
	free(img->disk);
	img->disk = NULL;
	img->disk_temp = false;
}

#!/bin/sh
# Outside check of the VM disk (image/disk.c): the ext4 image of a rootfs
# holds the same files as the rootfs bare and ctr run from. Reads the disk
# with debugfs (e2fsprogs: no mount, no loop device), dumps it to a scratch
# folder and compares the trees, contents and symlinks included.
#   usage: check-image-disk.sh ROOTFS DISK.ext4
set -eu
[ $# -eq 2 ] || { echo "usage: check-image-disk.sh ROOTFS DISK.ext4" >&2; exit 2; }
rootfs=$1
disk=$2
[ -d "$rootfs" ] || { echo "check-image-disk: $rootfs: not a folder" >&2; exit 2; }
[ -f "$disk" ] || { echo "check-image-disk: $disk: no such file" >&2; exit 2; }
tmp=$(mktemp -d /tmp/vclab-diskcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
debugfs -R "rdump / $tmp" "$disk" >/dev/null 2>&1
# rdump writes the root's entries into $tmp; lost+found is mke2fs's own.
rm -rf "$tmp/lost+found"
if diff -r --no-dereference "$rootfs" "$tmp" >"$tmp.diff" 2>&1; then
	echo "check-image-disk: $disk holds the same $(find "$rootfs" | wc -l) entries as $rootfs"
	rm -f "$tmp.diff"
else
	head -20 "$tmp.diff" >&2
	rm -f "$tmp.diff"
	echo "check-image-disk: $disk differs from $rootfs" >&2
	exit 1
fi

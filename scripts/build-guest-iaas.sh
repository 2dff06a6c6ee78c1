#!/bin/sh
# Build the iaas guest (`make guest-iaas`): a root disk of minimal Debian
# that boots systemd and runs the payload as a systemd unit, plus the Debian
# cloud kernel and its initrd, into build/guest-iaas/:
#
#   root.ext4       raw ext4 image of the root file system (the VM's /dev/vda);
#                   booted through a per-instance qcow2 overlay, never written
#   vmlinuz         /boot/vmlinuz-$KVER (linux-image-cloud-amd64)
#   initrd.img      /boot/initrd.img-$KVER (initramfs-tools: virtio_blk, ext4)
#   kernel.release  $KVER
#   key             the cache key (below)
#
# These are symlinks into build/guest-iaas/<key>/, where <key> is the
# sha256 of every input: this script, vmm/guest-iaas/*, the payload binary,
# kernel, initrd, the module tree's listing, mmdebstrap's version, suite and
# package list. Same inputs: nothing is rebuilt. The Debian mirror's
# content is not in the key (a rebuild after `rm -rf build/guest-iaas`
# takes whatever bookworm has then).
#
# No mounts: mmdebstrap (unshare mode: its /dev, /proc mounts live in its
# own namespace and vanish with it) writes a tarball, tar unpacks it as root
# into a scratch folder, and mke2fs -d copies that folder into the image
# (e2fsprogs 1.47.0 cannot read a tarball itself).
#
# Environment:
#   KVER      cloud kernel release (default: newest /boot/vmlinuz-*-cloud-amd64)
#   OUT       output folder (default build/guest-iaas; installed:
#             PREFIX/lib/vclab/guest-iaas)
#   DISK_MIB  size of root.ext4 (default 1024; sparse, ~330 MiB used)
#   MIRROR    apt mirror for mmdebstrap (default: the host's apt sources)
set -eu

start=$(date +%s)
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/vclab-payload" ] && [ -d "$here/guest-iaas-files" ]; then
	# Installed (the .deb, debian/rules): PREFIX/lib/vclab holds this
	# script, the payload and the unit files; the guest goes to
	# PREFIX/lib/vclab/guest-iaas, where an installed vclab looks for it.
	cd "$here"
	PAYLOAD=./vclab-payload
	FILES=guest-iaas-files
	OUT=${OUT:-guest-iaas}
else
	cd "$here/.."
	PAYLOAD=bin/vclab-payload
	FILES=vmm/guest-iaas
	OUT=${OUT:-build/guest-iaas}
fi
DISK_MIB=${DISK_MIB:-1024}
SUITE=bookworm
# minbase is apt, dpkg and the Essential set; systemd-sysv makes systemd
# PID 1, udev names the NIC and loads its module (systemd-networkd needs
# udev's "initialized" links), kmod gives modprobe for the rest.
PKGS=systemd-sysv,udev,kmod

die() {
	echo "build-guest-iaas: $*" >&2
	exit 2
}

[ "$(id -u)" -eq 0 ] || die "must run as root (tar keeps the guest's owners, mke2fs -d copies them)"
command -v mmdebstrap >/dev/null || die "mmdebstrap missing: run scripts/install-deps.sh (make deps)"
command -v mke2fs >/dev/null || die "mke2fs missing: install e2fsprogs (make deps)"
[ -x "$PAYLOAD" ] || die "$PAYLOAD missing: run 'make all' first"
for f in vclab-payload.service vclab-iaas-start 10-vclab.network; do
	[ -r "$FILES/$f" ] || die "$FILES/$f missing"
done

if [ -z "${KVER:-}" ]; then
	k=$(for f in /boot/vmlinuz-*-cloud-amd64; do [ -e "$f" ] && echo "$f"; done | sort -V | tail -n 1)
	[ -n "$k" ] || die "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64 (make deps)"
	KVER=${k#/boot/vmlinuz-}
fi
KERNEL=/boot/vmlinuz-$KVER
INITRD=/boot/initrd.img-$KVER
MODDIR=/lib/modules/$KVER
[ -r "$KERNEL" ] || die "$KERNEL: not readable"
[ -r "$INITRD" ] || die "$INITRD: not readable (update-initramfs -c -k $KVER)"
[ -r "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep: not readable (kernel $KVER)"

key=$({
	cat "$0" "$FILES/vclab-payload.service" "$FILES/vclab-iaas-start" "$FILES/10-vclab.network"
	sha256sum "$PAYLOAD" "$KERNEL" "$INITRD" | cut -d' ' -f1
	(cd "$MODDIR" && find . -type f | sort)
	mmdebstrap --version
	echo "$SUITE $PKGS $DISK_MIB ${MIRROR:-}"
} | sha256sum | cut -c1-16)
dir=$OUT/$key

link() {
	for f in root.ext4 vmlinuz initrd.img kernel.release key; do
		ln -sfn "$key/$f" "$OUT/$f"
	done
}

if [ -f "$dir/root.ext4" ] && [ -f "$dir/key" ]; then
	link
	echo "build-guest-iaas: cached $dir ($(($(date +%s) - start)) s)"
	exit 0
fi

mkdir -p "$OUT"
tmp=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# copy-in runs inside mmdebstrap's namespace and reads host paths; the
# module tree matches the kernel the VM boots (the initrd holds the
# modules needed to find the root disk, udev loads the rest from here).
# systemctl enable from inside the chroot writes the wants symlinks.
mmdebstrap --quiet --mode=unshare --variant=minbase --include="$PKGS" \
	--customize-hook='mkdir -p "$1/usr/local/sbin" "$1/usr/local/bin" "$1/usr/lib/modules" "$1/etc/systemd/network"' \
	--customize-hook="copy-in $PAYLOAD /usr/local/bin" \
	--customize-hook="copy-in $FILES/vclab-iaas-start /usr/local/sbin" \
	--customize-hook="copy-in $FILES/vclab-payload.service /etc/systemd/system" \
	--customize-hook="copy-in $FILES/10-vclab.network /etc/systemd/network" \
	--customize-hook="copy-in $MODDIR /usr/lib/modules" \
	--customize-hook='chmod 0755 "$1/usr/local/bin/vclab-payload" "$1/usr/local/sbin/vclab-iaas-start"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service vclab-payload.service' \
	--customize-hook='echo vclab-iaas >"$1/etc/hostname"' \
	--customize-hook='rm -f "$1/etc/machine-id"; : >"$1/etc/machine-id"' \
	--customize-hook='printf "/dev/vda / ext4 rw,noatime 0 1\n" >"$1/etc/fstab"' \
	"$SUITE" "$tmp/root.tar" ${MIRROR:+"$MIRROR"} || die "mmdebstrap failed"

mkdir "$tmp/root"
tar -x --numeric-owner -p -f "$tmp/root.tar" -C "$tmp/root" || die "unpacking the root tarball failed"
rm -f "$tmp/root.tar"
[ -x "$tmp/root/usr/local/bin/vclab-payload" ] || die "payload missing in the guest root"
[ -L "$tmp/root/etc/systemd/system/multi-user.target.wants/vclab-payload.service" ] ||
	die "vclab-payload.service not enabled in the guest root"

# -d copies the tree with its owners and modes (as root: no mount, no
# loop device).
mke2fs -q -t ext4 -L vclab-root -E root_owner=0:0 -d "$tmp/root" "$tmp/root.ext4" "${DISK_MIB}M" ||
	die "mke2fs -d failed"
cp "$KERNEL" "$tmp/vmlinuz"
cp "$INITRD" "$tmp/initrd.img"
echo "$KVER" >"$tmp/kernel.release"
echo "$key" >"$tmp/key"
rm -rf "$tmp/root"
chmod 0755 "$tmp"
chmod 0644 "$tmp/root.ext4" "$tmp/vmlinuz" "$tmp/initrd.img"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT INT TERM
# Older keys are earlier builds of the same image: keep only this one.
for old in "$OUT"/*/; do
	[ "$old" = "$dir/" ] || [ ! -f "$old/key" ] || rm -rf "$old"
done
link
used=$(du -m "$dir/root.ext4" | cut -f1)
echo "build-guest-iaas: $dir/root.ext4 (${DISK_MIB} MiB, ${used} MiB used), kernel $KVER ($(($(date +%s) - start)) s)"

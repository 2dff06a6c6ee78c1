#!/bin/sh
# Build the guest image: build/guest/{vmlinux|vmlinuz,initramfs.cpio.gz,modules.list}.
#
# Two kernels, one initramfs layout:
#   micro (default)  build/guest/vmlinux: the uncompressed kernel built from
#                    linux-source by scripts/build-kernel.sh with
#                    vmm/guest-kernel/micro.config, virtio built in, no
#                    modules; booted through its PVH ELF note.
#   cloud            build/guest/vmlinuz: Debian's linux-image-cloud-amd64,
#                    with its virtio modules in the initramfs.
# Only one kernel file is left in OUT, so the VM placement boots what was
# built last.
#
# The initramfs holds the static init (bin/vclab-init), the same payload
# binary every placement runs (bin/vclab-payload), and exactly the kernel
# modules the guest needs: the modules.dep closure of virtio_pci and
# virtio_net, written in load order to /etc/vclab-modules (empty for micro).
# Nothing else: no shell, no busybox, no udev.
#
# Environment:
#   GUEST_KERNEL  micro (default) or cloud
#   KVER      cloud: kernel release to use (default: newest /boot/vmlinuz-*-cloud-amd64)
#   KERNEL    cloud: kernel image (default /boot/vmlinuz-$KVER)
#   MODDIR    cloud: module tree (default /lib/modules/$KVER)
#   OUT       output folder (default build/guest; installed: PREFIX/lib/vclab/guest)
#   MAX_BYTES size limit of the compressed initramfs (default 3 MiB)
set -eu

start=$(date +%s%N)
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/vclab-payload" ] && [ -x "$here/vclab-init" ]; then
	# Installed by `make install`: PREFIX/lib/vclab holds this script, the
	# payload and the init; the image goes to PREFIX/lib/vclab/guest, where
	# an installed vclab looks for it.
	cd "$here"
	PAYLOAD=./vclab-payload
	INIT=./vclab-init
	OUT=${OUT:-guest}
else
	cd "$here/.."
	PAYLOAD=bin/vclab-payload
	INIT=bin/vclab-init
	OUT=${OUT:-build/guest}
fi
MAX_BYTES=${MAX_BYTES:-3145728}
MODULES="virtio_pci virtio_net"

die() {
	echo "build-guest: $*" >&2
	exit 2
}

for f in "$PAYLOAD" "$INIT"; do
	[ -x "$f" ] || die "$f missing: run 'make all' first"
	file -b "$f" 2>/dev/null | grep -q 'statically linked' ||
		[ ! -x /usr/bin/file ] || die "$f is not statically linked"
done

GUEST_KERNEL=${GUEST_KERNEL:-micro}
case "$GUEST_KERNEL" in
micro)
	mkdir -p "$OUT"
	[ -x scripts/build-kernel.sh ] ||
		die "the micro kernel is built in the source tree ('make guest') and installed by 'make install'; here only GUEST_KERNEL=cloud can be built"
	kpath=$(OUT="$OUT" scripts/build-kernel.sh | tail -n 1) || die "micro kernel build failed"
	KVER="micro $(basename "$(dirname "$kpath")") linux-source $(cat "$(dirname "$kpath")/source-version")"
	MODULES=""
	MODDIR=""
	;;
cloud)
	if [ -z "${KVER:-}" ]; then
		# Newest cloud kernel: small, virtio-first, the one the docs describe.
		k=$(for f in /boot/vmlinuz-*-cloud-amd64; do [ -e "$f" ] && echo "$f"; done | sort -V | tail -n 1)
		[ -n "$k" ] || die "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64 (make deps)"
		KVER=${k#/boot/vmlinuz-}
	fi
	KERNEL=${KERNEL:-/boot/vmlinuz-$KVER}
	MODDIR=${MODDIR:-/lib/modules/$KVER}
	[ -r "$KERNEL" ] || die "$KERNEL: not readable"
	[ -r "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep: not readable (kernel $KVER)"
	;;
*) die "GUEST_KERNEL=$GUEST_KERNEL: want micro or cloud" ;;
esac

# Depth-first walk of modules.dep: every dependency before the module that
# needs it. modules.dep lines read "path: dep1 dep2 ...", with deps already
# transitively closed, but walking them recursively keeps the order right
# whatever order depmod chose.
order=""
[ -z "$MODULES" ] || order=$(awk -v want="$MODULES" '
	{
		sub(/:$/, "", $1)
		path = $1
		n = split(path, parts, "/")
		name = parts[n]
		sub(/\.ko(\.(xz|gz|zst))?$/, "", name)
		gsub(/-/, "_", name)
		bypath[path] = name
		byname[name] = path
		deps[path] = ""
		for (i = 2; i <= NF; i++)
			deps[path] = deps[path] " " $i
	}
	function visit(p,    d, k, i) {
		if (p in seen)
			return
		seen[p] = 1
		k = split(deps[p], d, " ")
		for (i = 1; i <= k; i++)
			visit(d[i])
		print p
	}
	END {
		k = split(want, w, " ")
		for (i = 1; i <= k; i++) {
			if (!(w[i] in byname)) {
				# Built into the kernel: nothing to load.
				continue
			}
			visit(byname[w[i]])
		}
	}' "$MODDIR/modules.dep")

stage=$(mktemp -d "${TMPDIR:-/tmp}/vclab-guest.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/etc" "$stage/lib/modules"
cp "$INIT" "$stage/init"
cp "$PAYLOAD" "$stage/bin/vclab-payload"
chmod 0755 "$stage/init" "$stage/bin/vclab-payload"
# The kernel opens /dev/console for PID 1 before init can mount devtmpfs.
mknod -m 0600 "$stage/dev/console" c 5 1 2>/dev/null || true

: >"$stage/etc/vclab-modules"
for rel in $order; do
	src="$MODDIR/$rel"
	base=$(basename "$rel")
	# init loads plain ELF objects with finit_module(2); decompress here so
	# it works whatever CONFIG_MODULE_DECOMPRESS the kernel has.
	case "$base" in
	*.ko.xz) xz -dc "$src" >"$stage/lib/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.gz) gzip -dc "$src" >"$stage/lib/modules/${base%.gz}"; base=${base%.gz} ;;
	*.ko.zst) zstd -qdc "$src" >"$stage/lib/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko) cp "$src" "$stage/lib/modules/$base" ;;
	*) die "unexpected module file $src" ;;
	esac
	echo "/lib/modules/$base" >>"$stage/etc/vclab-modules"
done

mkdir -p "$OUT"
# Stable bytes for the same inputs: fixed mtimes, sorted names, root owner.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n >"$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
if [ "$GUEST_KERNEL" = cloud ]; then
	cp "$KERNEL" "$OUT/vmlinuz.tmp"
	mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
	rm -f "$OUT/vmlinux"
	kfile=vmlinuz
else
	# build-kernel.sh published $OUT/vmlinux.
	rm -f "$OUT/vmlinuz"
	kfile=vmlinux
fi
cp "$stage/etc/vclab-modules" "$OUT/modules.list"
echo "$KVER" >"$OUT/kernel.release"
# libvirt's QEMU runs as libvirt-qemu: the image must be world-readable.
chmod 0644 "$OUT/initramfs.cpio.gz" "$OUT/$kfile" "$OUT/modules.list" "$OUT/kernel.release"

size=$(stat -c %s "$OUT/initramfs.cpio.gz")
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
nmod=$(wc -l <"$OUT/modules.list")
echo "build-guest: $OUT/initramfs.cpio.gz $size bytes ($((size / 1024)) KiB), $nmod modules, kernel $KVER, built in $ms ms"
if [ "$size" -gt "$MAX_BYTES" ]; then
	die "initramfs is $size bytes, over the $MAX_BYTES byte limit"
fi

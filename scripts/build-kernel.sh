#!/bin/sh
# Build the micro guest kernel: an uncompressed vmlinux, booted through its
# PVH ELF note, from Debian's linux-source tarball and the config fragment
# committed in vmm/guest-kernel/micro.config.
#
#   build/kernel/src/               unpacked source (once per source version)
#   build/kernel/obj/               out-of-tree objects (O=), reused between builds
#   build/kernel/<key>/vmlinux      the cached result, with its .config
#
# <key> is the sha256 of the fragment and the source package version, so a
# second run with the same inputs does nothing, and an edited fragment
# rebuilds (incrementally, in obj/). The final .config is checked against
# every line of the fragment: an option that Kconfig dropped (a missing
# dependency) fails the build instead of silently booting a kernel without
# it.
#
# Environment:
#   KSRC_TAR   source tarball (default /usr/src/linux-source-6.1.tar.xz)
#   FRAGMENT   config fragment (default vmm/guest-kernel/micro.config)
#   JOBS       make -j (default: number of CPUs)
#   OUT        where to put vmlinux (default: only the cache)
# Prints the cached vmlinux path on its last line.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
KSRC_TAR=${KSRC_TAR:-/usr/src/linux-source-6.1.tar.xz}
FRAGMENT=${FRAGMENT:-vmm/guest-kernel/micro.config}
JOBS=${JOBS:-$(nproc)}
KB=build/kernel

die() {
	echo "build-kernel: $*" >&2
	exit 2
}

[ -r "$KSRC_TAR" ] || die "$KSRC_TAR missing: apt-get install linux-source-6.1 (make deps)"
[ -r "$FRAGMENT" ] || die "$FRAGMENT missing"

# The source version is the Debian package's (it names the patches and the
# stable release inside the tarball); fall back to the tarball's own hash.
pkg=$(dpkg -S "$KSRC_TAR" 2>/dev/null | cut -d: -f1 || true)
ver=""
[ -n "$pkg" ] && ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
[ -n "$ver" ] || ver=$(sha256sum "$KSRC_TAR" | cut -d' ' -f1)
key=$( (cat "$FRAGMENT"; echo "source $KSRC_TAR $ver") | sha256sum | cut -c1-16)
cache="$KB/$key"

publish() {
	if [ -n "${OUT:-}" ]; then
		mkdir -p "$OUT"
		cp "$cache/vmlinux" "$OUT/vmlinux.tmp" && mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
		chmod 0644 "$OUT/vmlinux"
	fi
	echo "$top/$cache/vmlinux"
}

if [ -s "$cache/vmlinux" ] && [ -s "$cache/config" ]; then
	echo "build-kernel: cached $cache (fragment + linux-source $ver)" >&2
	publish
	exit 0
fi

start=$(date +%s)
src="$KB/src"
if [ "$(cat "$src/.vclab-source" 2>/dev/null)" != "$ver" ]; then
	echo "build-kernel: unpacking $KSRC_TAR ($ver)" >&2
	rm -rf "$src" "$KB/obj"
	mkdir -p "$src"
	tar -xJf "$KSRC_TAR" -C "$src" --strip-components=1
	echo "$ver" >"$src/.vclab-source"
fi

obj="$KB/obj"
mkdir -p "$obj"
# tinyconfig, then the fragment merged on top, then olddefconfig to settle
# dependencies: the same steps Kata's and Firecracker's guest configs use.
make -s -C "$src" O="$top/$obj" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$top/$obj" "$top/$obj/.config" "$top/$FRAGMENT" >/dev/null
make -s -C "$src" O="$top/$obj" olddefconfig >/dev/null

# Every fragment line must hold in the final .config.
missing=$(awk '
	FNR == NR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
			i = index($0, "="); want[substr($0, 1, i - 1)] = substr($0, i + 1)
		} else if ($0 ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/) {
			want[$2] = "n"
		}
		next
	}
	/^CONFIG_[A-Za-z0-9_]+=/ { i = index($0, "="); have[substr($0, 1, i - 1)] = substr($0, i + 1) }
	END {
		for (k in want) {
			v = (k in have) ? have[k] : "n"
			if (v != want[k])
				printf "%s=%s (want %s)\n", k, v, want[k]
		}
	}' "$FRAGMENT" "$obj/.config")
if [ -n "$missing" ]; then
	echo "build-kernel: the final .config lost options of $FRAGMENT:" >&2
	echo "$missing" | sort >&2
	exit 1
fi

echo "build-kernel: make -j$JOBS vmlinux (linux-source $ver, $(grep -c '=y$' "$obj/.config") options =y)" >&2
make -s -C "$src" O="$top/$obj" -j"$JOBS" vmlinux >&2
# The PVH entry point is an ELF note (owner Xen, XEN_ELFNOTE_PHYS32_ENTRY =
# 0x12): without it QEMU cannot boot the uncompressed vmlinux at all.
if command -v readelf >/dev/null; then
	readelf -n "$obj/vmlinux" | grep -q 'Xen.*(0x00000012)' ||
		die "$obj/vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): CONFIG_PVH?"
fi

mkdir -p "$cache.tmp"
cp "$obj/vmlinux" "$cache.tmp/vmlinux"
cp "$obj/.config" "$cache.tmp/config"
echo "$ver" >"$cache.tmp/source-version"
chmod 0644 "$cache.tmp/vmlinux" "$cache.tmp/config"
rm -rf "$cache"
mv "$cache.tmp" "$cache"
echo "build-kernel: built $cache/vmlinux in $(($(date +%s) - start)) s" >&2
publish

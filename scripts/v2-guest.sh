#!/bin/sh
# The cgroup v2 test host (issue 19): boot a pure cgroup v2 guest with TCG
# under plain QEMU and run vclab's unit suite, the bare and ctr integration
# suites and a bare+ctr startup bench inside it; exit non-zero on any
# failure, any skip, or a results.json that is not a v2 run.
#
# usage: scripts/v2-guest.sh UNIT_BINS -- INTEG_BINS   (make check-v2)
#
# The guest (docs/ci.md): the installed Debian cloud kernel; an initramfs of
# a static busybox, tests/v2/init.sh and the kernel modules for virtio-pci,
# virtiofs, overlay and veth; the host's root shared read-only over
# virtiofs (the cloud kernel has no 9p), a tmpfs overlay for writes, so the
# guest runs the host's exact libraries and this tree's built binaries. A
# second, writable virtiofs share (build/v2/out) brings the results back.
# No network device at all.
#
# Environment: V2_MEM (MiB, default 3072), V2_CPUS (default 2),
# V2_TIMEOUT (seconds for the whole guest run, default 1800), V2_STEPS
# (which of "unit integ bench" to run, default all three: a narrower
# selection is for iterating on one suite and is refused under CI=true).
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
OUT=build/v2
MEM=${V2_MEM:-3072}
CPUS=${V2_CPUS:-2}
TIMEOUT=${V2_TIMEOUT:-1800}
VIRTIOFSD=/usr/lib/qemu/virtiofsd
MODS="virtio_pci virtiofs overlay veth"

die() {
	echo "v2-guest: $*" >&2
	exit 1
}

unit=""
integ=""
seen=0
for a in "$@"; do
	if [ "$a" = "--" ]; then
		seen=1
	elif [ $seen -eq 0 ]; then
		unit="$unit $a"
	else
		integ="$integ $a"
	fi
done
STEPS=${V2_STEPS:-unit integ bench}
for s in $STEPS; do
	case $s in unit | integ | bench) ;; *) die "V2_STEPS: unknown step '$s' (unit, integ, bench)" ;; esac
done
# Each step on its own: one pattern " unit "*" integ " cannot match
# "unit integ", the space between them being used once only.
for s in unit integ bench; do
	case " $STEPS " in *" $s "*) ;; *)
		[ "${CI:-}" != true ] || die "V2_STEPS='$STEPS' under CI=true: CI runs every step" ;;
	esac
done
[ -n "$unit" ] && [ -n "$integ" ] || {
	echo "usage: scripts/v2-guest.sh UNIT_BINS -- INTEG_BINS" >&2
	exit 2
}
for b in $unit $integ bin/vclab bin/vclab-payload; do
	[ -x "$b" ] || die "$b is not built (make all and the test binaries first)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (virtiofsd, and the suites inside need root)"
command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64 (scripts/install-deps.sh)"
[ -x "$VIRTIOFSD" ] || die "no $VIRTIOFSD (package qemu-system-common)"
# ldd fails on a static binary: the initramfs has no libraries.
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	die "/bin/busybox is not the static busybox (package busybox-static)"
KVER=""
for k in /boot/vmlinuz-*-cloud-amd64; do
	[ -f "$k" ] && KVER=${k#/boot/vmlinuz-}
done
[ -n "$KVER" ] || die "no /boot/vmlinuz-*-cloud-amd64 (package linux-image-cloud-amd64)"
KERNEL=/boot/vmlinuz-$KVER

mkdir -p "$OUT"
rm -rf "$OUT/out" "$OUT/initramfs"
mkdir -p "$OUT/out" "$OUT/initramfs/bin" "$OUT/initramfs/lib/modules" \
	"$OUT/initramfs/proc" "$OUT/initramfs/sys" "$OUT/initramfs/dev"

# Modules with their dependencies, each after what it needs.
order=""
add_mod() {
	case " $order " in *" $1 "*) return 0 ;; esac
	deps=$(modinfo -k "$KVER" -F depends "$1") || die "no module $1 in kernel $KVER"
	for d in $(echo "$deps" | tr ',' ' '); do
		add_mod "$d"
	done
	order="$order $1"
}
for m in $MODS; do
	add_mod "$m"
done
: >"$OUT/initramfs/modules.list"
for m in $order; do
	f=$(modinfo -k "$KVER" -F filename "$m")
	cp "$f" "$OUT/initramfs/lib/modules/"
	basename "$f" >>"$OUT/initramfs/modules.list"
done
cp /bin/busybox "$OUT/initramfs/bin/busybox"
cp tests/v2/init.sh "$OUT/initramfs/init"
chmod 0755 "$OUT/initramfs/init"
(cd "$OUT/initramfs" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 >"$OUT/initramfs.cpio.gz"

# The guest's shell starts with an empty environment: the host's locale
# too (gnuplot's UTF-8 output needs it).
printf 'UNIT="%s"\nINTEG="%s"\nSTEPS="%s"\nLANG="%s"\n' "${unit# }" "${integ# }" "$STEPS" \
	"${LANG:-C.UTF-8}" \
	>"$OUT/out/env"

tmp=$(mktemp -d /tmp/vclab-v2.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	rmdir "$tmp/ro" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# virtiofsd has no read-only option: it serves a read-only bind of / made
# in a mount namespace of its own, so the host's mounts are untouched and
# the guest cannot write to the host even if it mounted the share rw.
mkdir "$tmp/ro"
unshare -m --propagation private sh -c "mount --bind / '$tmp/ro' && \
	mount -o remount,bind,ro '$tmp/ro' && exec $VIRTIOFSD --socket-path='$tmp/root.sock' \
	-o source='$tmp/ro' -o cache=auto --rlimit-nofile=0" >"$OUT/virtiofsd-root.log" 2>&1 &
pids="$pids $!"
$VIRTIOFSD --socket-path="$tmp/out.sock" -o source="$TOP/$OUT/out" -o cache=none \
	--rlimit-nofile=0 >"$OUT/virtiofsd-out.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -S "$tmp/root.sock" ] || [ ! -S "$tmp/out.sock" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || die "virtiofsd did not start (see $OUT/virtiofsd-*.log)"
	sleep 0.1
done

echo "v2-guest: booting $KERNEL, ${MEM} MiB, $CPUS vCPUs, TCG (log: $OUT/serial.log);" \
	"host load average $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
rm -f "$OUT/serial.log"
# vhost-user needs the guest RAM in a shared memfd.
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -machine pc,usb=off -accel tcg,thread=multi,tb-size=256 \
	-cpu max -m "$MEM" -smp "$CPUS" -nodefaults -nographic -no-reboot \
	-object memory-backend-memfd,id=mem,size="${MEM}M",share=on -numa node,memdev=mem \
	-chardev socket,id=fs0,path="$tmp/root.sock" -device vhost-user-fs-pci,chardev=fs0,tag=hostroot \
	-chardev socket,id=fs1,path="$tmp/out.sock" -device vhost-user-fs-pci,chardev=fs1,tag=v2out \
	-serial file:"$OUT/serial.log" \
	-kernel "$KERNEL" -initrd "$OUT/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet v2dir=$TOP" </dev/null || {
	rc=$?
	[ $rc -eq 124 ] && die "guest still running after ${TIMEOUT}s (see $OUT/serial.log)"
	die "qemu exited $rc (see $OUT/serial.log)"
}
dt=$(($(date +%s) - t0))
echo "v2-guest: guest ran ${dt}s; host load average $(cut -d' ' -f1-3 /proc/loadavg)"

exec scripts/v2-guest-check.sh "$OUT/out" "$OUT/serial.log" $integ

#!/bin/sh
# Time N boots of the guest image with plain QEMU, outside vclab: QEMU's
# exec -> first serial byte -> VCLAB-READY line -> first HTTP 200 from
# GET /healthz through the 127.0.0.1 forward. The cross-check for the
# startup figures `vclab bench` reports for vm and qemu-direct.
#
#   scripts/qemu-boot-time.sh [N] [extra QEMU args...]
#
# Environment:
#   GUEST    guest image folder (default build/guest)
#   MACHINE  -machine value (default pc,usb=off,acpi=off)
#   BIOS     firmware (default /usr/share/qemu/qboot.rom; "" = QEMU's default)
#   MEM      guest RAM in MiB (default 128)
#   TB       TCG translation cache in MiB (default 8, VCL_VM_TB_CACHE_MIB)
#   APPEND   extra kernel command-line words
#   KEEP     keep the serial logs in this folder
# The kernel command line is the one vcl_vm_kernel_cmdline() builds.
# Prints one line per boot and the medians; a boot that does not answer
# within 20 s counts as failed. Every QEMU it starts is ended by its pid.
set -eu

cd "$(dirname "$0")/.."
N=${1:-5}
[ $# -gt 0 ] && shift
GUEST=${GUEST:-build/guest}
MACHINE=${MACHINE:-pc,usb=off,acpi=off}
BIOS=${BIOS-/usr/share/qemu/qboot.rom}
MEM=${MEM:-128}
TB=${TB:-8}
kernel=$GUEST/vmlinux
[ -r "$kernel" ] || kernel=$GUEST/vmlinuz
[ -r "$kernel" ] || { echo "qemu-boot-time: no kernel in $GUEST: make guest" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vclab-boottime.XXXXXX")
qpid=""
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$tmp"/serial-*.log "$KEEP"/ 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

: >"$tmp/results"
i=1
while [ "$i" -le "$N" ]; do
	port=$(free_port)
	log=$tmp/serial-$i.log
	: >"$log"
	t0=$(now_ms)
	# shellcheck disable=SC2086
	qemu-system-x86_64 -name "vclab-boottime-$i" -machine "$MACHINE" \
		-accel "tcg,tb-size=$TB" -m "$MEM" -smp 1 -nodefaults -no-user-config \
		-display none -no-reboot ${BIOS:+-bios "$BIOS"} \
		-kernel "$kernel" -initrd "$GUEST/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests noapictimer vclab.name=boottime-$i vclab.port=80 ${APPEND:-}" \
		-chardev "file,id=s0,path=$log" -serial chardev:s0 \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" \
		-device virtio-net-pci,netdev=n0 "$@" >"$tmp/qemu-$i.err" 2>&1 &
	qpid=$!
	first="" ready="" ok=""
	while :; do
		t=$(now_ms)
		[ $((t - t0)) -gt 20000 ] && break
		kill -0 "$qpid" 2>/dev/null || break
		[ -z "$first" ] && [ -s "$log" ] && first=$((t - t0))
		[ -z "$ready" ] && grep -q '^VCLAB-READY' "$log" && ready=$((t - t0))
		if [ -n "$ready" ] &&
			[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; then
			ok=$(($(now_ms) - t0))
			break
		fi
		sleep 0.005
	done
	pss=$(awk '/^Pss:/ {print $2}' "/proc/$qpid/smaps_rollup" 2>/dev/null || echo "")
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	qpid=""
	uptime=$(sed -n 's/.*uptime_ms=\([0-9]*\).*/\1/p' "$log" | head -n 1)
	echo "boot $i: first serial byte ${first:-?} ms, READY ${ready:-?} ms, HTTP 200 ${ok:-FAILED} ms, PSS ${pss:-?} kB${uptime:+, guest uptime at READY $uptime ms}"
	[ -n "$ok" ] && echo "$ok ${ready:-0} ${first:-0}" >>"$tmp/results"
	[ -z "$ok" ] && tail -n 5 "$log" "$tmp/qemu-$i.err" >&2
	i=$((i + 1))
done

n=$(wc -l <"$tmp/results")
[ "$n" -gt 0 ] || { echo "qemu-boot-time: no boot answered" >&2; exit 1; }
med() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "median of $n/$N: HTTP 200 $(cut -d' ' -f1 "$tmp/results" | med) ms," \
	"READY $(cut -d' ' -f2 "$tmp/results" | med) ms, first serial byte $(cut -d' ' -f3 "$tmp/results" | med) ms"

#!/bin/sh
# Time N boots of the guest image with plain QEMU, outside vclab: QEMU's
# exec -> first serial byte -> VCLAB-READY line -> first HTTP 200 from
# GET /healthz through the 127.0.0.1 forward. The cross-check for the
# startup figures `vclab bench` reports for vm and qemu-direct.
#
#   scripts/qemu-boot-time.sh [N] [extra QEMU args...]
#
# Environment:
#   PROFILE  micro (default) or iaas: the iaas image (build/guest-iaas, make
#            guest-iaas) on q35 with ACPI and SeaBIOS, 256 MiB, a 32 MiB TCG
#            cache, a fresh qcow2 overlay per boot (removed), the command line
#            vcl_vm_iaas_cmdline() builds; the cross-check for vm-iaas
#   ACCEL    tcg (default) or kvm
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
EXTRA="$*"
PROFILE=${PROFILE:-micro}
ACCEL=${ACCEL:-tcg}
LIMIT_MS=20000
case "$PROFILE" in
micro)
	GUEST=${GUEST:-build/guest}
	MACHINE=${MACHINE:-pc,usb=off,acpi=off}
	BIOS=${BIOS-/usr/share/qemu/qboot.rom}
	MEM=${MEM:-128}
	TB=${TB:-8}
	kernel=$GUEST/vmlinux
	[ -r "$kernel" ] || kernel=$GUEST/vmlinuz
	initrd=$GUEST/initramfs.cpio.gz
	base="console=ttyS0 quiet loglevel=3 panic=-1 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd cryptomgr.notests noapictimer"
	;;
iaas)
	GUEST=${GUEST:-build/guest-iaas}
	MACHINE=${MACHINE:-q35,usb=off,acpi=on}
	BIOS=${BIOS-}
	MEM=${MEM:-256}
	TB=${TB:-32}
	kernel=$GUEST/vmlinuz
	initrd=$GUEST/initrd.img
	[ -r "$GUEST/root.ext4" ] || { echo "qemu-boot-time: no $GUEST/root.ext4: make guest-iaas" >&2; exit 2; }
	disk=$(readlink -f "$GUEST/root.ext4")
	base="console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=-1 fsck.mode=skip"
	LIMIT_MS=120000
	;;
*) echo "qemu-boot-time: PROFILE=$PROFILE: want micro or iaas" >&2; exit 2 ;;
esac
case "$ACCEL" in
tcg) accel="tcg,tb-size=$TB" ;;
kvm) accel=kvm ;;
*) echo "qemu-boot-time: ACCEL=$ACCEL: want tcg or kvm" >&2; exit 2 ;;
esac
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
	set --
	if [ "$PROFILE" = iaas ]; then
		qemu-img create -q -f qcow2 -F raw -b "$disk" "$tmp/root-$i.qcow2"
		set -- -blockdev "driver=file,filename=$tmp/root-$i.qcow2,node-name=vda-file" \
			-blockdev "driver=qcow2,file=vda-file,node-name=vda" \
			-device virtio-blk-pci,drive=vda
	fi
	t0=$(now_ms)
	# shellcheck disable=SC2086
	qemu-system-x86_64 -name "vclab-boottime-$i" -machine "$MACHINE" \
		-accel "$accel" -m "$MEM" -smp 1 -nodefaults -no-user-config \
		-display none -no-reboot ${BIOS:+-bios "$BIOS"} \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$base vclab.name=boottime-$i vclab.port=80 ${APPEND:-}" \
		-chardev "file,id=s0,path=$log" -serial chardev:s0 \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80" \
		-device virtio-net-pci,netdev=n0 "$@" $EXTRA >"$tmp/qemu-$i.err" 2>&1 &
	qpid=$!
	first="" ready="" ok=""
	while :; do
		t=$(now_ms)
		[ $((t - t0)) -gt "$LIMIT_MS" ] && break
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
	stamps=$(grep -a -m 1 '^VCLAB-INIT' "$log" | tr -d '\r' || true)
	[ -z "$stamps" ] || echo "  guest: $stamps"
	rm -f "$tmp/root-$i.qcow2"
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

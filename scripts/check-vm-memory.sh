#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Outside check of the VM memory figure (backends.vm.memory.pss_kib) and of
# libvirt's daemons beside it (backends.vm.memory.daemons). Starts
# `vclab bench --backends vm --scenarios memory` in the background and,
# while its VMs run, reads each QEMU's /proc/PID/smaps_rollup itself (QEMU
# is found by its "-name guest=vclab-<run>-N" argument), keeping the last
# reading before the VM goes. libvirtd's and virtlogd's PSS are read by hand
# just before the first VM starts and while the VMs run. Passes when the mean QEMU Pss and
# the daemons' figures agree with results.json within 10%. Read-only: the
# daemons are never signalled.
#
# usage: scripts/check-vm-memory.sh [extra vclab bench options]
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
tol=10
out=$(mktemp -d /tmp/vclab-check-vm-memory.XXXXXX)
declare -A last=()
before_libvirtd=
before_virtlogd=
during_libvirtd=
during_virtlogd=
maxvms=0

pss_of() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || true; }
daemon_pid() {
	local p
	p=$(cat "/run/$1.pid" 2>/dev/null || true)
	if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ]; then
		echo "$p"
	else
		pgrep -x "$1" | head -n1 || true
	fi
}
# The run id of our bench: the ledger whose owner file names its pid (other
# runs on the host have VMs named vclab-<their run>-N).
run_of() {
	local f
	for f in /run/vclab/*/owner; do
		[ "$(cut -d' ' -f1 "$f" 2>/dev/null)" = "$1" ] && basename "$(dirname "$f")" && return 0
	done
	return 0
}
qemu_pids() { # run id
	local d
	for d in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -Eq "guest=vclab-$1-[0-9]+[, ]" && echo "${d#/proc/}"
	done
	return 0
}

lv=$(daemon_pid libvirtd)
vl=$(daemon_pid virtlogd)

"$root/bin/vclab" bench --backends vm --peer none --scenarios memory --quiet --no-report \
	--out "$out" "$@" >"$out/bench.log" 2>&1 &
bench=$!
trap 'kill $bench 2>/dev/null || true' INT TERM

run=
while kill -0 "$bench" 2>/dev/null; do
	n=0
	[ -n "$run" ] || run=$(run_of "$bench")
	for p in $([ -z "$run" ] || qemu_pids "$run"); do
		v=$(pss_of "$p")
		[ -n "$v" ] && [ "$v" -gt 0 ] && last[$p]=$v && n=$((n + 1))
	done
	# The daemons just before the first measured VM (vclab's own libvirt
	# connection already open: PSS divides shared pages among every process
	# mapping them, so it moves when any process starts), and while the
	# most VMs run at once.
	if [ "$maxvms" -eq 0 ] && [ "$n" -eq 0 ]; then
		before_libvirtd=$([ -n "$lv" ] && pss_of "$lv" || true)
		before_virtlogd=$([ -n "$vl" ] && pss_of "$vl" || true)
	fi
	if [ "$n" -ge "$maxvms" ] && [ "$n" -gt 0 ]; then
		maxvms=$n
		during_libvirtd=$([ -n "$lv" ] && pss_of "$lv" || true)
		during_virtlogd=$([ -n "$vl" ] && pss_of "$vl" || true)
	fi
	sleep 0.2
done
wait "$bench" || { echo "check-vm-memory: FAIL: vclab bench failed:" >&2; cat "$out/bench.log" >&2; exit 1; }

res=$out/results.json
if [ "${#last[@]}" -eq 0 ]; then
	echo "check-vm-memory: FAIL: saw no QEMU process of vclab's while the bench ran" >&2
	exit 1
fi
sum=0
for p in "${!last[@]}"; do
	echo "by hand: QEMU pid $p last Pss ${last[$p]} kB"
	sum=$((sum + last[$p]))
done
hand=$(awk -v s="$sum" -v n="${#last[@]}" 'BEGIN {printf "%.1f", s / n}')
fail=0
cmp() { # label by-hand vclab
	if [ -z "$2" ] || [ -z "$3" ] || [ "$3" = null ]; then
		echo "$1: by hand '${2:-none}', vclab '${3:-none}': not compared"
		return 0
	fi
	awk -v l="$1" -v a="$2" -v b="$3" -v tol="$tol" 'BEGIN {
		d = (a > b ? a - b : b - a) / a * 100
		printf "%s: by hand %.1f KiB, vclab %.1f KiB, difference %.1f%% (limit %d%%)\n", l, a, b, d, tol
		exit d <= tol ? 0 : 1
	}' || fail=1
}
cmp "QEMU Pss per VM (${#last[@]} VMs)" "$hand" "$(jq -r '.backends.vm.memory.pss_kib // empty' "$res")"
cmp "libvirtd Pss before" "$before_libvirtd" "$(jq -r '.backends.vm.memory.daemons.libvirtd_pss_kib_before' "$res")"
cmp "libvirtd Pss during" "$during_libvirtd" "$(jq -r '.backends.vm.memory.daemons.libvirtd_pss_kib_during' "$res")"
cmp "virtlogd Pss before" "$before_virtlogd" "$(jq -r '.backends.vm.memory.daemons.virtlogd_pss_kib_before' "$res")"
cmp "virtlogd Pss during" "$during_virtlogd" "$(jq -r '.backends.vm.memory.daemons.virtlogd_pss_kib_during' "$res")"
echo "vclab: daemons' growth per VM: $(jq -r '.backends.vm.memory.daemons.growth_per_vm_kib' "$res") KiB; kmem_kib $(jq -r '.backends.vm.memory.kmem_kib' "$res") ($res)"
if [ "$fail" -eq 0 ]; then echo "check-vm-memory: OK"; else echo "check-vm-memory: FAIL" >&2; exit 1; fi

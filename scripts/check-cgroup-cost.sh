#!/bin/sh
# SPDX-License-Identifier: MIT
# Outside check of density.cgroup_kernel_kib (docs/metrics.md, "What a
# cgroup costs the kernel"): what one more cgroup costs the kernel, by
# hand. Makes 32 empty cgroups in each hierarchy vclab's accounting cgroup
# uses (v1: memory, cpu, pids; v2: the unified tree), weighs the slab
# objects in use (/proc/slabinfo: active objects times size) and Percpu
# (/proc/meminfo) before and after, removes them, waits 0.3 s for the
# frees, three rounds. Prints KiB per cgroup for each round.
# usage: scripts/check-cgroup-cost.sh   (root)
set -eu
N=32
if [ -d /sys/fs/cgroup/memory ]; then
	HIER="memory cpu pids"
	dir() { echo "/sys/fs/cgroup/$1/vclab-cgcost-$$"; }
else
	HIER="unified"
	dir() { echo "/sys/fs/cgroup/vclab-cgcost-$$"; }
fi
cleanup() {
	for h in $HIER; do
		d=$(dir "$h")
		[ -d "$d" ] || continue
		for i in $(seq 1 $N); do [ -d "$d/$i" ] && rmdir "$d/$i"; done
		rmdir "$d"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
kib() {
	s=$(awk 'NR > 2 { t += $2 * $4 } END { printf "%d", t / 1024 }' /proc/slabinfo)
	p=$(awk '/^Percpu:/ { print $2 }' /proc/meminfo)
	echo $((s + p))
}
for h in $HIER; do mkdir "$(dir "$h")"; done
for r in 1 2 3; do
	a=$(kib)
	for i in $(seq 1 $N); do for h in $HIER; do mkdir "$(dir "$h")/$i"; done; done
	b=$(kib)
	for i in $(seq 1 $N); do for h in $HIER; do rmdir "$(dir "$h")/$i"; done; done
	sleep 0.3
	echo "round $r: $(((b - a) / N)) KiB per cgroup ($HIER)"
done

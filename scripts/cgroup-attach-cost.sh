#!/bin/bash
# SPDX-License-Identifier: MIT
# Outside check of ctr's cgroup_attach step on v1/hybrid (docs/ctr.md,
# "Where a launch goes"): a fresh process writes "0" to cgroup.procs of a
# new cgroup in each of the five hierarchies vclab uses, in turn, and each
# write is timed with bash's $EPOCHREALTIME (no fork). The first write
# waits for an RCU grace period (the global cgroup_threadgroup_rwsem);
# the others find it passed. Needs root; removes its cgroups on exit.
# usage: scripts/cgroup-attach-cost.sh [TRIES]
set -eu
tries=${1:-10}
case $tries in '' | *[!0-9]*) echo "cgroup-attach-cost: TRIES must be a number: $tries" >&2; exit 2 ;; esac
ctls="memory cpu cpuacct pids cpuset"
name=vclab-attachprobe-$$
dirs=""
cleanup() { for d in $dirs; do rmdir "$d" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
for c in $ctls; do
	[ -d "/sys/fs/cgroup/$c" ] || { echo "cgroup-attach-cost: no v1 $c hierarchy (a v2 host is born in its cgroup)" >&2; exit 2; }
	mkdir "/sys/fs/cgroup/$c/$name"
	dirs="$dirs /sys/fs/cgroup/$c/$name"
done
cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$name/cpuset.cpus"
cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$name/cpuset.mems"
for i in $(seq "$tries"); do
	sleep 0.05
	# Stamps only between the writes (a fork there, such as bc's, would
	# let the grace period lapse); the arithmetic after the last write.
	bash -c 't="$EPOCHREALTIME"; for c in '"$ctls"'; do echo 0 >"/sys/fs/cgroup/$c/'"$name"'/cgroup.procs"; t="$t $EPOCHREALTIME"; done; echo "$t"' |
		awk -v i="$i" -v ctls="$ctls" '{ n = split(ctls, c, " "); s = "try " i " (ms):"
			for (k = 1; k <= n; k++) s = s sprintf(" %s %.2f", c[k], ($(k + 1) - $k) * 1000)
			print s sprintf("; all %.2f", ($(n + 1) - $1) * 1000) }'
done

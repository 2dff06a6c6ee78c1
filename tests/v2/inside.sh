#!/bin/sh
# Runs inside the cgroup v2 guest (tests/v2/init.sh), from the worktree the
# host shared, as root, with CI=true so that a skipped test is a failure.
# usage: inside.sh OUTDIR
# OUTDIR/env (written by scripts/v2-guest.sh) names the suites:
#   UNIT="build/tests/test_a ..."  INTEG="build/tests/test_bare ..."  LANG=...
#   STEPS="unit integ bench" (scripts/v2-guest.sh: V2_STEPS), the steps to run
# Writes OUTDIR/summary: one "suite: N passed, N failed, N skipped" line
# per run-tests.sh run, "bench: ...", "outside-check: ..." and
# "doctor-cgroup: ..." lines, then
# "done"; the logs of each step beside it; the bench's results.json.
set -u
out=$1
. "$out/env"
STEPS=${STEPS:-unit integ bench}
step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }
# TCG runs the guest several times slower than the host: Check's per-test
# timeouts (not the tests' own bounds) get the room that needs; measured:
# test_report's gnuplot test passed at 1x on a quiet host, timed out at 1x
# with the host's 2 cores busy.
export CK_TIMEOUT_MULTIPLIER="${CK_TIMEOUT_MULTIPLIER:-5}"
export LANG CI=true PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
sum=$out/summary
: >"$sum"
note() { echo "$*" | tee -a "$sum"; }

# A v2 host is pure: cgroup2 on /sys/fs/cgroup and no v1 hierarchy.
fstype=$(stat -f -c %T /sys/fs/cgroup)
v1=$(awk '$3 == "cgroup" { print $2 }' /proc/mounts | tr '\n' ' ')
note "cgroupfs: $fstype v1-mounts:${v1:-none}"

# As under systemd: PID 1's shell and everything it starts live in a leaf
# (init.scope there), never in the root, and the root delegates only
# cpu, io, memory and pids (systemd's default; cpuset is vclab's to enable).
mkdir -p /sys/fs/cgroup/v2test.scope
echo $$ >/sys/fs/cgroup/v2test.scope/cgroup.procs
echo "+cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
note "root-subtree: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

note "steps: $STEPS"
t0=$(date +%s)
if step unit; then
	scripts/run-tests.sh unit $UNIT >"$out/unit.log" 2>&1
	grep -E '^unit: [0-9]+ passed' "$out/unit.log" | tail -1 >>"$sum"
fi
t1=$(date +%s)
note "unit-seconds: $((t1 - t0))"
if step integ; then
	for t in $INTEG; do
		scripts/run-tests.sh integ "$t" >"$out/$(basename "$t").log" 2>&1
		echo "$(basename "$t") $(grep -E '^integ: [0-9]+ passed' "$out/$(basename "$t").log" | tail -1)" >>"$sum"
	done
fi
t2=$(date +%s)
note "integ-seconds: $((t2 - t1))"

bin/vclab doctor >"$out/doctor.log" 2>&1
note "doctor-cgroup: $(awk '$1 == "cgroup" { $1 = ""; print substr($0, 2) }' "$out/doctor.log")"

rm -rf /tmp/v2bench
if ! step bench; then
	:
elif bin/vclab bench --backends bare,ctr --peer runc,crun --scenarios startup,memory --runs 3 --quiet \
	--out /tmp/v2bench \
	>"$out/bench.log" 2>&1; then
	cp /tmp/v2bench/results.json "$out/results.json"
	note "bench: ok"
	# The outside check of bare's PSS on this v2 kernel: the same payload
	# started by hand, its smaps_rollup read by a separate script.
	if scripts/check-bare-memory.sh /tmp/v2bench >"$out/check-bare-memory.log" 2>&1; then
		note "outside-check: ok $(tail -n 1 "$out/check-bare-memory.log")"
	else
		note "outside-check: FAILED (see check-bare-memory.log)"
	fi
else
	note "bench: FAILED (exit $?)"
fi
note "leftover-cgroups: $(find /sys/fs/cgroup -mindepth 1 -type d -name 'vclab*' | tr '\n' ' ')"
t3=$(date +%s)
note "bench-seconds: $((t3 - t2))"
note "done"

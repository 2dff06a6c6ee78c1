#!/bin/sh
# Outside check of ctr's veth figures (docs/resources.md): iperf3 run by
# hand over a veth pair between two network namespaces made here (unshare,
# pinned on files in a temporary folder; the same addresses and names as
# bench/labnet.c, made with iproute2 inside those namespaces only), against
# vclab's ctr send_mbit_s and recv_mbit_s, and the veth's tax by hand
# (veth over loopback, both in the server's namespace) against vclab's
# (send_mbit_s over loopback_send_mbit_s). Medians of RUNS hand runs and of
# vclab's samples must agree within 25%. Nothing is added to the host's
# network namespace: a namespace that turns out to be it is refused.
# The hand server runs under the limits vclab's ctr ran under (results.json
# config.limits: CPU quota, memory, pids) in a cgroup of its own (cgcreate,
# removed on exit), as the hand client runs where vclab's does (the lab
# namespace, no cgroup of its own).
#
#   check-veth.sh [RESULTS.json]   a quick ctr net run of its own when none given
set -eu
cd "$(dirname "$0")/.."
runs=${VCLAB_CHECK_RUNS:-5}
band=${VCLAB_CHECK_BAND:-0.25}
work=$(mktemp -d /tmp/vclab-vethcheck.XXXXXX)
srv=
cg=vclab-vethcheck.$$
cleanup() {
	[ -z "$srv" ] || kill "$srv" 2>/dev/null || true
	[ -z "$srv" ] || wait "$srv" 2>/dev/null || true
	# One rmdir per controller: cgdelete -g cpu,memory,pids removed only
	# the first here (libcgroup 2.0, cgroup v1).
	for d in /sys/fs/cgroup/cpu /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup; do
		[ ! -d "$d/$cg" ] || rmdir "$d/$cg" 2>/dev/null || true
	done
	umount "$work/lab" "$work/pod" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results=${1:-}
if [ -z "$results" ]; then
	bin/vclab bench --scenarios net --backends ctr --peer none --profile quick --quiet \
		--no-report --out "$work/r" >/dev/null 2>&1 || {
		echo "check-veth: vclab bench failed" >&2
		exit 1
	}
	results=$work/r/results.json
fi

touch "$work/lab" "$work/pod"
unshare --net="$work/lab" true
unshare --net="$work/pod" true
host=$(stat -L -c %i /proc/self/ns/net)
for ns in lab pod; do
	if [ "$(stat -L -c %i "$work/$ns")" = "$host" ]; then
		echo "check-veth: $work/$ns is the host's network namespace: refusing" >&2
		exit 1
	fi
done
lab() { nsenter --net="$work/lab" "$@"; }
pod() { nsenter --net="$work/pod" "$@"; }
lab ip link add vclab-node type veth peer name vclab-pod netns "$work/pod"
lab ip addr add 169.254.77.1/30 dev vclab-node
lab ip link set vclab-node up
pod ip addr add 169.254.77.2/30 dev vclab-pod
pod ip link set vclab-pod up
pod ip link set lo up
# ctr's limits on the hand server's cgroup (cgroup v1 files, or v2's).
set -- $(/usr/bin/python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["config"]["limits"]; print(int(l["cpus"]*100000), l["mem_mib"] << 20, l["pids"])' "$results")
cgcreate -g "cpu,memory,pids:$cg"
if [ -e "/sys/fs/cgroup/cpu/$cg/cpu.cfs_quota_us" ]; then
	echo 100000 >"/sys/fs/cgroup/cpu/$cg/cpu.cfs_period_us"
	echo "$1" >"/sys/fs/cgroup/cpu/$cg/cpu.cfs_quota_us"
	echo "$2" >"/sys/fs/cgroup/memory/$cg/memory.limit_in_bytes"
	echo "$3" >"/sys/fs/cgroup/pids/$cg/pids.max"
else
	echo "$1 100000" >"/sys/fs/cgroup/$cg/cpu.max"
	echo "$2" >"/sys/fs/cgroup/$cg/memory.max"
	echo "$3" >"/sys/fs/cgroup/$cg/pids.max"
fi
# Not through pod(): in the background a shell function runs in a subshell,
# and $! would be that subshell, not iperf3 (killing it left the server
# running). cgexec and nsenter without --fork exec: iperf3 keeps this pid.
cgexec -g "cpu,memory,pids:$cg" nsenter --net="$work/pod" iperf3 -s -p 7070 >/dev/null 2>&1 &
srv=$!
sleep 0.5

# One hand run: which side's client, which address, -R or not -> Mbit/s.
one() {
	"$1" iperf3 -c "$2" -p 7070 -t 1 -J $3 >"$work/one.json"
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e6)' "$work/one.json"
}
: >"$work/hand"
i=0
while [ "$i" -lt "$runs" ]; do
	echo "send $(one lab 169.254.77.2 '')" >>"$work/hand"
	echo "recv $(one lab 169.254.77.2 -R)" >>"$work/hand"
	echo "loopback_send $(one pod 127.0.0.1 '')" >>"$work/hand"
	echo "loopback_recv $(one pod 127.0.0.1 -R)" >>"$work/hand"
	i=$((i + 1))
done

/usr/bin/python3 - "$results" "$work/hand" "$band" <<'PY'
import json, statistics, sys

r = json.load(open(sys.argv[1]))
band = float(sys.argv[3])
net = r["backends"]["ctr"]["net"]
if not net.get("tool", {}).get("path", "").startswith("veth"):
    sys.exit("check-veth: ctr's net figures in %s are not over the veth" % sys.argv[1])
hand = {}
for line in open(sys.argv[2]):
    k, v = line.split()
    hand.setdefault(k, []).append(float(v))


def vclab(k):
    return statistics.median(run[k + "_mbit_s"] for run in net["runs"])


fails = 0
rows = []
for d in ("send", "recv"):
    rows.append(("veth " + d, vclab(d), statistics.median(hand[d])))
    rows.append(("veth tax " + d, vclab(d) / vclab("loopback_" + d),
                 statistics.median(hand[d]) / statistics.median(hand["loopback_" + d])))
for name, v, h in rows:
    ratio = v / h
    ok = abs(ratio - 1) <= band
    fails += 0 if ok else 1
    print("%-14s vclab %10.2f  by hand %10.2f  ratio %.2f  %s"
          % (name, v, h, ratio, "ok" if ok else "OUTSIDE %.0f%%" % (band * 100)))
sys.exit(1 if fails else 0)
PY

#!/bin/sh
# Outside check of the disk and net figures (docs/resources.md): vclab's
# bare figures against fio and iperf3 run by hand on the host, the same
# command lines (read from results.json), minutes apart at most:
#   disk  fio's six jobs, reads of a 64 MiB file on the file system the
#         image cache is on (bare reads the overlay's lower layer there),
#         the volume's writes to a folder on that file system (bare's
#         /scratch is a host folder there), the overlay's writes through an
#         overlay whose upper layer is on it too (bare's is); every file
#         written is removed before each hand run, as vclab empties its
#         folders after every launch (a fresh file is allocated as it is
#         written, an old one overwritten: not the same cost)
#   net   iperf3 both ways over the loopback of a network namespace of its
#         own (unshare -n), as bare's service has
# Each figure is a median on each side: of vclab's samples in two bare runs,
# one before and one after the hand-run ones (on a shared host the load
# changes between minutes), and of RUNS hand runs; they must agree within
# 25%.
#
#   check-resources.sh [RESULTS.json]   two bare runs of its own when none given
#
# Everything it makes is under one temporary folder and a folder in the
# image cache; removed on exit.
set -eu
cd "$(dirname "$0")/.."
runs=${VCLAB_CHECK_RUNS:-5}
band=${VCLAB_CHECK_BAND:-0.25}
for t in fio iperf3 unshare /usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "check-resources: $t missing (scripts/install-deps.sh)" >&2
		exit 2
	}
done
work=$(mktemp -d /var/tmp/vclab-rescheck.XXXXXX)
cleanup() {
	umount "$work/ovl" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

results=${1:-}
again=
bench() {
	bin/vclab bench --scenarios disk,net --backends bare --peer none --quiet --no-report \
		--out "$work/$1" >/dev/null 2>&1 || {
		echo "check-resources: vclab bench failed (see $work/$1)" >&2
		exit 1
	}
}
if [ -z "$results" ]; then
	bench bench1
	results=$work/bench1/results.json
	again=$work/bench2/results.json
fi

# The read file, the volume folder and the overlay's upper layer on the
# image cache's file system (bare's storage).
cache=${VCLAB_CACHE:-/var/cache/vclab}
mkdir -p "$cache" "$work/lower" "$work/ovl"
rd=$(mktemp -d "$cache/rescheck.XXXXXX")
trap 'umount "$work/ovl" 2>/dev/null || true; rm -rf "$rd"; cleanup' EXIT INT TERM
mkdir "$rd/scratch" "$rd/upper" "$rd/work"
mount -t overlay -o "lowerdir=$work/lower,upperdir=$rd/upper,workdir=$rd/work" \
	vclab-rescheck "$work/ovl"
head -c 67108864 /dev/urandom >"$rd/read.dat"
sync

/usr/bin/python3 - "$results" "$runs" "$band" "$rd" "$work/ovl" "$again" "$work" <<'PY'
import json, os, statistics, subprocess, sys

results, runs, band, rd, ovl, again, work = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                            sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
wr = work
r = json.load(open(results))
bare = r["backends"]["bare"]
fails = 0

def vclab(scenario, key):
    """vclab's median over the runs given (both bench runs when there are two)."""
    xs = list(bare[scenario]["metrics"][key]["samples"])
    if again and os.path.exists(again):
        xs += json.load(open(again))["backends"]["bare"][scenario]["metrics"][key]["samples"]
    return statistics.median(xs)

def med(xs):
    return statistics.median(xs)

def compare(what, vclab, host):
    global fails
    ratio = vclab / host if host > 0 else float("inf")
    ok = abs(ratio - 1) <= band
    fails += 0 if ok else 1
    print("%-28s vclab bare %12.1f  by hand %12.1f  ratio %.2f  %s"
          % (what, vclab, host, ratio, "ok" if ok else "OUTSIDE +-%d%%" % (band * 100)))

# disk: vclab's own fio command line, the files moved to this host's paths
# (O_DIRECT as vclab's probe found it for bare's storage)
cmd = bare["disk"]["tool"]["command"]
files = {"/data/read.dat": rd + "/read.dat", "/scratch/fio.dat": rd + "/scratch/fio.dat",
         "/fio-overlay.dat": ovl + "/fio-overlay.dat"}
def moved(a):
    for k, v in files.items():
        a = a.replace("=" + k, "=" + v)
    return a
cmd = ["fio"] + [moved(a) for a in cmd[1:]]
assert not any(a.startswith("--filename=/") and not a.startswith("--filename=" + rd)
               and not a.startswith("--filename=" + ovl) for a in cmd), cmd
host = {}
for _ in range(runs):
    for f in (files["/scratch/fio.dat"], files["/fio-overlay.dat"]):
        if os.path.exists(f):
            os.unlink(f)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for j in json.loads(out[out.index("{"):])["jobs"]:
        d = "write" if j["write"]["io_bytes"] > j["read"]["io_bytes"] else "read"
        seq = "seq" in j["jobname"]
        host.setdefault(j["jobname"], []).append(j[d]["bw"] / 1024.0 if seq else j[d]["iops"])
for job, xs in host.items():
    host[job] = med(xs)

# net: iperf3 both ways over a private namespace's loopback
t = bare["net"]["tool"]
secs = t["command_send"][t["command_send"].index("-t") + 1]
script = ("ip link set lo up; iperf3 -s -p 45201 -B 127.0.0.1 -D --pidfile %s/iperf3.pid; sleep 0.5; "
          "iperf3 -c 127.0.0.1 -p 45201 -t %s -J > %s/send.json; "
          "iperf3 -c 127.0.0.1 -p 45201 -t %s -J -R > %s/recv.json; "
          "kill $(cat %s/iperf3.pid)") % (wr, secs, wr, secs, wr, wr)
send, recv = [], []
for _ in range(runs):
    subprocess.run(["unshare", "-n", "sh", "-c", script], check=True)
    send.append(json.load(open(wr + "/send.json"))["end"]["sum_received"]["bits_per_second"] / 1e6)
    recv.append(json.load(open(wr + "/recv.json"))["end"]["sum_received"]["bits_per_second"] / 1e6)
if again:  # the second vclab run, after the hand-run ones
    subprocess.run(["bin/vclab", "bench", "--scenarios", "disk,net", "--backends", "bare",
                    "--peer", "none", "--quiet", "--no-report", "--out", os.path.dirname(again)],
                   check=True, capture_output=True)
for job, v in host.items():
    key = job + ("_mib_s" if "seq" in job else "_iops")
    compare("disk " + key, vclab("disk", key), v)
compare("net send_mbit_s", vclab("net", "send_mbit_s"), med(send))
compare("net recv_mbit_s", vclab("net", "recv_mbit_s"), med(recv))
sys.exit(1 if fails else 0)
PY

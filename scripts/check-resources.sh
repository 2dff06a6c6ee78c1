#!/bin/sh
# Outside check of the disk and net figures (docs/resources.md): vclab's
# bare figures against fio and iperf3 run by hand on the host, the same
# command lines (read from results.json), minutes apart at most:
#   disk  fio's six jobs, reads of the very 64 MiB file bare read (the tools
#         image's /data/read.dat, unpacked in the image cache: the overlay's
#         lower layer; read-only),
#         the volume's writes to a folder on that file system (bare's
#         /scratch is a host folder there), the overlay's writes through an
#         overlay whose upper layer is on it too (bare's is); every file
#         written is removed before each hand run, as vclab empties its
#         folders after every launch (a fresh file is allocated as it is
#         written, an old one overwritten: not the same cost)
#   net   iperf3 both ways over the loopback of a network namespace of its
#         own (unshare -n), as bare's service has
# The file system is synced after the files are removed, on both sides
# (vclab syncs after emptying its folders): the previous run's freed blocks
# (discards, journal) are not charged to the next run's writes.
# Each figure is a median on each side, pooled over ROUNDS rounds: a quick
# bare vclab run (3 launches), then RUNS hand runs right after it. On a
# shared host the load changes between minutes, and with one vclab run
# followed by the hand runs, which side was higher flipped from run to run
# (1 of 5 runs passed): interleaved, both sides see the same minutes.
# They must agree within 25%.
#
#   check-resources.sh [RESULTS.json]   ROUNDS bare runs of its own (default 3)
#                                       when none given; else that run, once
#
# Everything it makes is under one temporary folder and a folder in the
# image cache; removed on exit.
set -eu
cd "$(dirname "$0")/.."
runs=${VCLAB_CHECK_RUNS:-3}
rounds=${VCLAB_CHECK_ROUNDS:-3}
band=${VCLAB_CHECK_BAND:-0.25}
for t in fio iperf3 unshare /usr/bin/python3; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "check-resources: $t missing (scripts/install-deps.sh)" >&2
		exit 2
	}
done
work=$(mktemp -d /var/tmp/vclab-rescheck.XXXXXX)
rd=
cleanup() {
	umount "$work/ovl" 2>/dev/null || true
	[ -z "$rd" ] || rm -rf "$rd"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The volume folder and the overlay's upper layer on the image cache's file
# system (bare's storage).
cache=${VCLAB_CACHE:-/var/cache/vclab}
mkdir -p "$cache" "$work/lower" "$work/ovl"
rd=$(mktemp -d "$cache/rescheck.XXXXXX")
mkdir "$rd/scratch" "$rd/upper" "$rd/work"
mount -t overlay -o "lowerdir=$work/lower,upperdir=$rd/upper,workdir=$rd/work" \
	vclab-rescheck "$work/ovl"

/usr/bin/python3 - "${1:-}" "$runs" "$band" "$rd" "$work/ovl" "$work" "$rounds" <<'PY'
import json, os, statistics, subprocess, sys, time

given, runs, band, rd, ovl, work = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                    sys.argv[4], sys.argv[5], sys.argv[6])
rounds = 1 if given else int(sys.argv[7])
# The hand runs' command lines are vclab's, the files moved to this host's
# paths.
files = {"/scratch/fio.dat": rd + "/scratch/fio.dat",
         "/fio-overlay.dat": ovl + "/fio-overlay.dat"}
written = (files["/scratch/fio.dat"], files["/fio-overlay.dat"])


def vclab_bench(i):
    out = "%s/bench%d" % (work, i)
    r = subprocess.run(["bin/vclab", "bench", "--scenarios", "disk,net", "--backends", "bare",
                        "--peer", "none", "--profile", "quick", "--quiet", "--no-report",
                        "--out", out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("check-resources: vclab bench failed: %s" % r.stderr.strip()[-300:])
    return out + "/results.json"


def moved(a):
    for k, v in files.items():
        a = a.replace("=" + k, "=" + v)
    return a


hand = {}


def read_file(bare):
    """The very file bare read: /data/read.dat of the unpacked tools image (the
    overlay's lower layer), named in tool.read_storage; read-only, as bare's."""
    label = bare["disk"]["tool"]["read_storage"]
    path = label[label.index("(") + 1:label.index(")")] + "/data/read.dat"
    if not os.access(path, os.R_OK):
        sys.exit("check-resources: %s (tool.read_storage) is not readable" % path)
    return path



def hand_run(bare):
    """One hand run of fio's six jobs and iperf3 both ways, vclab's command lines."""
    files["/data/read.dat"] = read_file(bare)
    cmd = ["fio"] + [moved(a) for a in bare["disk"]["tool"]["command"][1:]]
    assert all(not a.startswith("--filename=/") or a[11:] in files.values() for a in cmd), cmd
    # As vclab empties its folders after a launch and syncs: fresh files,
    # the freed blocks settled before the next writes.
    for f in written:
        if os.path.exists(f):
            os.unlink(f)
    subprocess.run(["sync", "-f", rd], check=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    for j in json.loads(out[out.index("{"):])["jobs"]:
        d = "write" if j["write"]["io_bytes"] > j["read"]["io_bytes"] else "read"
        seq = "seq" in j["jobname"]
        key = j["jobname"] + ("_mib_s" if seq else "_iops")
        hand.setdefault("disk " + key, []).append(j[d]["bw"] / 1024.0 if seq else j[d]["iops"])
    for f in written:
        os.unlink(f)
    subprocess.run(["sync", "-f", rd], check=True)
    # net: iperf3 both ways over a private namespace's loopback, as bare's
    t = bare["net"]["tool"]
    secs = t["command_send"][t["command_send"].index("-t") + 1]
    script = ("ip link set lo up; iperf3 -s -p 45201 -B 127.0.0.1 -D --pidfile %s/iperf3.pid; "
              "sleep 0.5; iperf3 -c 127.0.0.1 -p 45201 -t %s -J > %s/send.json; "
              "iperf3 -c 127.0.0.1 -p 45201 -t %s -J -R > %s/recv.json; "
              "kill $(cat %s/iperf3.pid)") % (work, secs, work, secs, work, work)
    subprocess.run(["unshare", "-n", "sh", "-c", script], check=True)
    for d in ("send", "recv"):
        j = json.load(open("%s/%s.json" % (work, d)))
        hand.setdefault("net %s_mbit_s" % d, []).append(
            j["end"]["sum_received"]["bits_per_second"] / 1e6)


# Each round: vclab's run first (the hand runs take its command lines), then
# the hand runs right after it. vclab's samples are pooled across rounds.
vclab = {}
t_vclab = t_hand = 0.0
for i in range(rounds):
    t1 = time.monotonic()
    bare = json.load(open(given or vclab_bench(i)))["backends"]["bare"]
    t2 = time.monotonic()
    for scen in ("disk", "net"):
        for key, m in bare[scen]["metrics"].items():
            vclab.setdefault(scen + " " + key, []).extend(m.get("samples") or [])
    for _ in range(runs):
        hand_run(bare)
    t_vclab, t_hand = t_vclab + t2 - t1, t_hand + time.monotonic() - t2

fails = 0
for what in sorted(hand, key=lambda k: (k.startswith("net"), list(hand).index(k))):
    xs = vclab[what]
    v, h = statistics.median(xs), statistics.median(hand[what])
    ratio = v / h if h > 0 else float("inf")
    ok = abs(ratio - 1) <= band
    fails += 0 if ok else 1
    print("%-24s vclab bare %10.1f  by hand %10.1f  ratio %.2f  %s   (vclab %s; hand %s)"
          % (what, v, h, ratio, "ok" if ok else "OUTSIDE +-%d%%" % (band * 100),
             " ".join("%.0f" % x for x in xs), " ".join("%.0f" % x for x in hand[what])))
print("check-resources: %d of %d figures within +-%d%% (%d round(s); vclab %.0f s, by hand %.0f s)"
      % (len(hand) - fails, len(hand), band * 100, rounds, t_vclab, t_hand))
sys.exit(1 if fails else 0)
PY

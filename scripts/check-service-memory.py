#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Outside check of a multi-process service's memory figure.

Runs `vclab bench --scenarios memory` on one service (default: the
compatibility image "web", nginx as its package installs it: a root master
and its www-data workers) in bare, ctr and runc, and while the instances
settle reads, by hand, /proc/PID/smaps_rollup of every process whose memory
cgroup is the instance's (vclab/<run>/<n>). For each placement it compares
the number of processes and their summed Pss with results.json's
memory.processes and memory.pss_kib. Passes when the process counts are
equal and the Pss sums agree within 10 %.

usage: scripts/check-service-memory.py OCI_LAYOUT[:TAG] [PORT_READY]
  e.g. scripts/check-service-memory.py /tmp/vclab-test-compat/oci:web
  (tests/image/build-debsvc.sh DIR builds the layout)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TOL = 10.0


def memcg(pid):
    """The memory cgroup path of pid (v1 'memory' line, else v2 '0::')."""
    try:
        with open("/proc/%s/cgroup" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    v2 = None
    for ln in lines:
        parts = ln.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            return parts[2]
        if len(parts) == 3 and parts[0] == "0":
            v2 = parts[2]
    return v2


def pss(pid):
    try:
        with open("/proc/%s/smaps_rollup" % pid) as f:
            m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def snapshot(run):
    """{instance name: [(pid, pss)]} for every live process of the run."""
    inst = {}
    pat = re.compile(r"vclab/(%s/\d+)$" % re.escape(run))
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        cg = memcg(pid)
        m = pat.search(cg or "")
        if not m:
            continue
        p = pss(pid)
        if p is not None:
            inst.setdefault(m.group(1), []).append((int(pid), p))
    return inst


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    image = sys.argv[1]
    ready = sys.argv[2] if len(sys.argv) > 2 else "http:/=200"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = tempfile.mkdtemp(prefix="vclab-check-svcmem.")
    svcs = os.path.join(out, "services.yaml")
    with open(svcs, "w") as f:
        f.write("services:\n  - name: svc\n    image: oci:%s\n    ready: %s\n" % (image, ready))
    cmd = [os.path.join(root, "bin/vclab"), "bench", "--services", svcs,
           "--backends", "bare,ctr", "--peers", "runc", "--scenarios", "memory",
           "--mem-instances", "1", "--no-report", "-q", "--out", os.path.join(out, "r")]
    bench = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # The run id: the first vclab-<run>-<n> cgroup that shows up.
    seen = {}  # instance -> the reading with the most processes (the last of those)
    run = None
    while bench.poll() is None:
        if run is None:
            for pid in os.listdir("/proc"):
                m = re.search(r"vclab/([0-9a-f]+)/\d+$", memcg(pid) or "") if pid.isdigit() else None
                if m:
                    run = m.group(1)
                    break
        if run is not None:
            for name, procs in snapshot(run).items():
                if name not in seen or len(procs) >= len(seen[name]):
                    seen[name] = procs
        time.sleep(0.02)
    err = bench.stderr.read().decode(errors="replace")
    if bench.returncode != 0:
        print("check-service-memory: FAIL: vclab bench exited %d: %s" % (bench.returncode, err),
              file=sys.stderr)
        return 1
    with open(os.path.join(out, "r", "results.json")) as f:
        res = json.load(f)
    s = res["services"]["svc"]
    ok = True
    # One instance per placement, launched in the registry's order: bare,
    # ctr, then the runc peer (the startup scenario is not run).
    names = sorted(seen, key=lambda n: int(n.rsplit("/", 1)[1]))
    placements = [("backends", "bare"), ("backends", "ctr"), ("peers", "runc")]
    if len(names) != len(placements):
        print("check-service-memory: FAIL: saw %d instances (%s), expected %d" %
              (len(names), " ".join(names), len(placements)), file=sys.stderr)
        return 1
    for (group, pl), name in zip(placements, names):
        mem = s[group][pl]["memory"]
        procs = seen[name]
        hand = sum(p for _, p in procs)
        d = abs(hand - mem["pss_kib"]) / hand * 100 if hand else 100
        good = len(procs) == mem["processes"] and d <= TOL
        ok = ok and good
        print("%-5s %s: by hand %d processes, Pss %d KiB; vclab processes %d, pss_kib %.0f;"
              " difference %.1f%% %s" % (pl, name, len(procs), hand, mem["processes"],
                                          mem["pss_kib"], d, "ok" if good else "FAIL"))
    print("check-service-memory: %s (results in %s)" % ("OK" if ok else "FAIL", out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

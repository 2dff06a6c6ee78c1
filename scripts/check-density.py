#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Outside check of vclab's density figures (backends.*.density).

Runs `vclab bench --scenarios density --density-hold S` and, while it runs,
counts the instances another way: every 0.1 s it walks /proc for
vclab-payload processes descended from that vclab, and weighs them by
hand: the Pss of every process below vclab (from /proc/PID/smaps_rollup)
plus the kernel memory of the instances' own memory cgroups
(memory.kmem.usage_in_bytes, cgroup v1), read once per cgroup. gVisor
sandboxes are not below vclab (runsc daemonizes them) and run the payload
inside the sentry: for gvisor it counts the run's memory cgroups
(vclab/<run>/<n>, the run id from vclab's open ledger) that hold a
runsc-sandbox process, and weighs every process in them (sentry, gofer,
ptrace stubs) plus their kmem. It also
reads MemAvailable before the run and at the peak. The peak of each
placement (the hold keeps it up for S seconds) is compared with
results.json:

  - the payloads counted at the peak == density.max_instances;
  - Pss + kmem per instance within TOL% of the last burst's
    mem_per_instance_kib (vclab's footprint, read by vclab earlier);
  - MemAvailable drop per instance within MEMAVAIL_TOL% of the last
    burst's memavail_drop_per_instance_kib when the run is alone on the
    host (skipped with a note otherwise: another run's memory moves it).
    The drop by hand counts from the last reading with no instance up, as
    vclab counts from just before its first burst. Looser than the
    footprint: MemAvailable also moves with the kernel's own caches.

Each placement gets a vclab run of its own, sampled on its own: one peak
per run.

usage: scripts/check-density.py [--backends bare,ctr,gvisor] [--budget-mib 64]
           [--burst 16] [--hold 3] [--tol 15] [--memavail-tol 40] [--out DIR]
CHECK_DENSITY_DEBUG=1 prints every sample.
Exit 0 when every check passes, 1 when one fails, 2 on usage errors.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = "check-density"


def fail(msg):
    print(f"{NAME}: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def proc_table():
    """pid -> (ppid, comm) for every process readable now."""
    t = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = read(f"/proc/{d}/stat")
        if st is None:
            continue
        # comm is in parentheses and may hold spaces: split at the last ')'.
        lp, rp = st.find("("), st.rfind(")")
        if lp < 0 or rp < 0:
            continue
        rest = st[rp + 2 :].split()
        t[int(d)] = (int(rest[1]), st[lp + 1 : rp])
    return t


def descendants(t, root):
    kids = {}
    for pid, (ppid, _) in t.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def pss_kib(pid):
    s = read(f"/proc/{pid}/smaps_rollup")
    for line in (s or "").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def memcg_v1(pid):
    for line in (read(f"/proc/{pid}/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            return parts[2]
    return None


def kmem_kib(cg):
    v = read(f"/sys/fs/cgroup/memory{cg}/memory.kmem.usage_in_bytes")
    return int(v) // 1024 if v else None


def kmem_sum(cgs):
    """(kmem KiB of the memory cgroups cgs, whether every one was read)."""
    kib = [kmem_kib(cg) for cg in cgs]
    return sum(k for k in kib if k is not None), None not in kib


def memavailable_kib():
    for line in (read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def sample(vclab_pid, own_cg):
    """(payload count, Pss+kmem KiB, kmem known) of the instances now."""
    t = proc_table()
    below = descendants(t, vclab_pid)
    payloads = [p for p in below if t[p][1] == "vclab-payload"]
    if not payloads:
        return 0, 0, True
    total = sum(pss_kib(p) for p in below)
    cgs = set()
    for p in payloads:
        cg = memcg_v1(p)
        if cg is not None and cg != own_cg:
            cgs.add(cg)
    kib, known = kmem_sum(cgs)
    return len(payloads), total + kib, known and bool(cgs)


def run_id_of(vclab_pid):
    """The run id of a running vclab: its ledger is /run/vclab/<id>/ledger."""
    try:
        for fd in os.listdir(f"/proc/{vclab_pid}/fd"):
            try:
                t = os.readlink(f"/proc/{vclab_pid}/fd/{fd}")
            except OSError:
                continue
            # Not any file there: /run/vclab holds the runs' shared locks too.
            parts = t.split("/")
            if len(parts) == 5 and t.startswith("/run/vclab/") and parts[4] == "ledger":
                return parts[3]
    except OSError:
        pass
    return None


def argv0(pid):
    a = read(f"/proc/{pid}/cmdline")
    return a.split("\0", 1)[0] if a else ""


def sample_sandboxes(rid):
    """(sandbox count, Pss+kmem KiB, kmem known) of run rid's gVisor
    sandboxes now. A sandbox is not below vclab (runsc daemonizes it): its
    instance is its memory cgroup, vclab/<rid>/<n>, which holds the sentry
    (argv[0] runsc-sandbox), the gofer and the ptrace stubs."""
    if rid is None:
        return 0, 0, True
    t = proc_table()
    groups = {}
    for p in t:
        cg = memcg_v1(p)
        if cg is not None and f"/vclab/{rid}/" in cg:
            groups.setdefault(cg, []).append(p)
    sandboxes = {cg: ps for cg, ps in groups.items()
                 if any(argv0(p) == "runsc-sandbox" for p in ps)}
    total = sum(pss_kib(p) for ps in sandboxes.values() for p in ps)
    kib, known = kmem_sum(sandboxes)
    return len(sandboxes), total + kib, known and bool(sandboxes)


def others_running(vclab_pid):
    """Another vclab (another helper, another test) moves MemAvailable.
    Ours forks children that are still named vclab until they exec."""
    t = proc_table()
    ours = set(descendants(t, vclab_pid)) | {vclab_pid}
    return any(comm == "vclab" and pid not in ours for pid, (_, comm) in t.items())


def settle():
    """Let MemAvailable settle before a placement's run: the previous
    placement's teardown frees its cgroups' memory asynchronously (kernel
    workers), and that rise, counted inside the next run's window, made the
    by-hand drop per instance half of vclab's (ctr after bare: 78 against
    175 KiB). Drop the page cache (clean pages only; the one host setting
    the lab may touch without restoring), then wait until two readings 0.5 s
    apart differ by less than 1 MiB, for at most 20 s."""
    if os.geteuid() == 0:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as f:
            f.write("3\n")
    last, t0 = memavailable_kib(), time.monotonic()
    while time.monotonic() - t0 < 20:
        time.sleep(0.5)
        now = memavailable_kib()
        if abs(now - last) < 1024:
            return
        last = now


def measure(a, backend):
    """Run vclab's density for one placement while sampling it by hand:
    (peak, results, alone, out). One vclab run per placement, so the peak
    needs no gap between placements to be told apart (sampled every 0.1 s,
    one placement's teardown and the next one's launch can overlap)."""
    out = a.out and os.path.join(a.out, backend) or tempfile.mkdtemp(
        prefix=f"vclab-check-density-{backend}.")
    cmd = [
        os.path.join(ROOT, "bin", "vclab"), "bench", "--backends", backend,
        "--peer", "none", "--scenarios", "density", "--budget-mib", str(a.budget_mib),
        "--burst", str(a.burst), "--density-hold", str(a.hold), "--quiet",
        "--no-report", "--out", out,
    ]
    own_cg = memcg_v1(os.getpid())
    settle()
    avail0 = memavailable_kib()
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    # The samples at the highest count. Their median is the hold's steady
    # reading: samples at the same count during the last burst (forked
    # children still sharing vclab's pages) or the teardown (exiting
    # processes) are outliers either way.
    peak, alone = None, True
    # The drop is counted from the last reading before the first instance
    # was up, as vclab counts it from just before its first burst: counted
    # from before vclab started, it also held vclab's own setup (its
    # tables, the trial sandbox of gvisor, the image it unpacks), which put
    # the comparison 20-66% apart on small runs.
    base = avail0
    try:
        rid = None
        while child.poll() is None:
            if backend == "gvisor":
                rid = rid or run_id_of(child.pid)
                n, kib, known = sample_sandboxes(rid)
            else:
                n, kib, known = sample(child.pid, own_cg)
            if os.environ.get("CHECK_DENSITY_DEBUG"):
                print(f"  t={time.monotonic() - t0:.1f} n={n} kib={kib}", file=sys.stderr)
            if n == 0 and peak is None:
                base = memavailable_kib()
            if n > 0:
                if peak is None or n > peak["n"]:
                    peak = {"n": n, "s": []}
                if n == peak["n"]:
                    peak["s"].append((kib, known, base - memavailable_kib()))
            if others_running(child.pid):
                alone = False
            time.sleep(0.1)
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        sys.exit(1)
    if child.returncode != 0:
        fail(f"{' '.join(cmd)} exited {child.returncode}")
    if peak is None:
        fail(f"{backend}: saw no instance of the run")
    s = sorted(peak["s"])
    peak["kib"], peak["known"], peak["drop"] = s[len(s) // 2]
    peak["samples"] = len(s)
    res = json.load(open(os.path.join(out, "results.json"), encoding="utf-8"))
    return peak, res, alone, out


def main():
    ap = argparse.ArgumentParser(
        prog="check-density.py", description="Outside check of vclab's density figures."
    )
    ap.add_argument("--backends", default="bare")
    ap.add_argument("--budget-mib", type=int, default=64)
    ap.add_argument("--burst", type=int, default=16)
    ap.add_argument("--hold", type=float, default=3.0)
    ap.add_argument("--tol", type=float, default=15.0)
    ap.add_argument("--memavail-tol", type=float, default=40.0)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    backends = [b for b in a.backends.split(",") if b]
    if not backends or any(b not in ("bare", "ctr", "gvisor") for b in backends):
        print(f"{NAME}: --backends {a.backends}: bare, ctr and/or gvisor only", file=sys.stderr)
        return 2
    if a.hold < 1:
        print(f"{NAME}: --hold {a.hold}: at least 1 s to sample the peak", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    runs = [measure(a, b) for b in backends]
    secs = time.monotonic() - t0
    bad = False
    for b, (pk, res, alone, out) in zip(backends, runs):
        d = res.get("backends", {}).get(b, {}).get("density")
        if not d or not d.get("bursts"):
            fail(f"no backends.{b}.density.bursts in {out}/results.json")
        last = d["bursts"][-1]
        n_vclab = d.get("max_instances")
        print(f"{b}: by hand: {pk['n']} {'sandboxes' if b == 'gvisor' else 'payloads'} at the peak ({pk['samples']} samples); "
              f"vclab: max_instances "
              f"{n_vclab}, stop_reason {d.get('stop_reason')}")
        if pk["n"] != n_vclab:
            print(f"{b}: FAIL: instance count differs", file=sys.stderr)
            bad = True
        per_hand = pk["kib"] / pk["n"]
        per_vclab = last.get("mem_per_instance_kib")
        what = "Pss + kmem" if pk["known"] else "Pss alone (kmem unreadable)"
        print(f"{b}: by hand: {what} per instance {per_hand:.0f} KiB; vclab: "
              f"mem_per_instance_kib {per_vclab} KiB")
        if per_vclab is None:
            print(f"{b}: FAIL: vclab has no footprint per instance", file=sys.stderr)
            bad = True
        else:
            diff = abs(per_hand - per_vclab) / per_vclab * 100
            lim = a.tol if pk["known"] else 50
            print(f"{b}: footprint difference {diff:.1f}% (limit {lim:.0f}%)")
            if diff > lim:
                print(f"{b}: FAIL: footprint per instance differs", file=sys.stderr)
                bad = True
        drop_hand = pk["drop"] / pk["n"]
        drop_vclab = last.get("memavail_drop_per_instance_kib")
        if not alone:
            print(f"{b}: MemAvailable not compared: another vclab ran meanwhile")
        elif drop_vclab:
            diff = abs(drop_hand - drop_vclab) / drop_vclab * 100
            print(f"{b}: MemAvailable drop per instance: by hand {drop_hand:.0f} KiB, "
                  f"vclab {drop_vclab:.0f} KiB, difference {diff:.1f}% "
                  f"(limit {a.memavail_tol:.0f}%)")
            if diff > a.memavail_tol:
                print(f"{b}: FAIL: MemAvailable drop differs", file=sys.stderr)
                bad = True
    if bad:
        fail(f"see above ({', '.join(r[3] for r in runs)})")
    if a.out is None:
        for r in runs:
            shutil.rmtree(r[3], ignore_errors=True)
    print(f"{NAME}: OK ({secs:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
